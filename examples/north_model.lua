-- A segmentation model written in Lua: recency-weighted revenue, for one region.
--
-- Registered by kam.conf.lua (models = { "north_model.lua" }) and chosen for the region north
-- there; kam runs it wherever it runs plugins (db:segment, tx:run, and the commands that load
-- models with cli_load_models). The score is the revenue of the last `window_days`, orders of
-- the last quarter counting `recent_weight` times; the top accounts making `a` of the region's
-- score are A, the next up to `b` are B, the rest C (as abc does, on this score).
local kam = require "kam"

return {
	name = "north_recency",
	kind = "segmentation",
	version = "1.0",
	description = "recency-weighted revenue Pareto (Lua)",
	params = {
		{ name = "as_of", type = "date", help = "the day computed for (default: today)" },
		{ name = "window_days", type = "integer", default = 365, help = "revenue window" },
		{ name = "recent_weight", type = "number", default = 2, help = "weight of the last 91 days" },
		{ name = "a", type = "number", default = 0.8, help = "share of the score in tier A" },
		{ name = "b", type = "number", default = 0.95, help = "share of the score in tiers A+B" },
	},
	run = function(run)
		local as_of = run:as_of()
		local window = run:param("window_days")
		local weight = run:param("recent_weight")
		local from = kam.date.add_days(as_of, 1 - window)
		local recent = kam.date.add_days(as_of, -90)
		local scored, total = {}, 0
		for i, acc in run:accounts() do
			local score = 0
			for _, o in ipairs(run:orders(i, from, as_of)) do
				local units = kam.money.tonumber(o.amount)
				score = score + (o.date >= recent and weight * units or units)
			end
			scored[#scored + 1] = { i = i, id = acc.id, score = score }
			total = total + score
		end
		table.sort(scored, function(x, y)
			if x.score ~= y.score then return x.score > y.score end
			return x.id < y.id
		end)
		local a, b, cum = run:param("a"), run:param("b"), 0
		for _, s in ipairs(scored) do
			local tier = "C"
			if s.score > 0 and cum < a * total then
				tier = "A"
			elseif s.score > 0 and cum < b * total then
				tier = "B"
			end
			run:set_tier(s.i, tier, s.score)
			run:factor(s.i, "cum_share", total > 0 and cum / total or 0)
			cum = cum + s.score
		end
	end,
}
