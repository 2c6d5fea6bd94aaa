-- A Lua-defined model for one region: segment the book with kam.conf.lua, where the region
-- north uses north_model.lua (a model written in Lua) and every other region abc.
--
--   kam --db DB run examples/segment_north.lua [CONFIG] [AS_OF]
--
-- Stores one snapshot per model run (as `kam segment` does) and prints the runs and the tier
-- counts of north.
local kam = require "kam"
local config = arg[1] or "examples/kam.conf.lua"
local as_of = arg[2] or "2026-06-30"

local tiers, runs = assert(db:segment { config = config, as_of = as_of })
local summary = {}
for _, r in ipairs(runs) do
	summary[#summary + 1] = { snapshot = r.snapshot, model = r.model, version = r.version,
		accounts = r.accounts, regions = table.concat(r.regions, " ") }
end
kam.show(summary, { columns = { "snapshot", "model", "version", "accounts", "regions" } })

local counts = { A = 0, B = 0, C = 0 }
for _, t in ipairs(tiers) do
	if t.region == "north" and t.tier then counts[t.tier] = counts[t.tier] + 1 end
end
print(string.format("north (north_recency): A %d, B %d, C %d", counts.A, counts.B, counts.C))

-- The same model over north alone, computed now and not stored: the largest accounts.
local top = db:read(function(tx)
	return assert(tx:run("north_recency", { region = "north", as_of = as_of }))
end)
table.sort(top, function(x, y) return x.score > y.score end)
local best = {}
for i = 1, math.min(5, #top) do
	best[i] = { account_id = top[i].account_id, tier = top[i].tier,
		score = string.format("%.2f", top[i].score) }
end
kam.show(best)
