-- Models: plugins in the search path, Lua-defined models (kam.model, kam.load_model) run by
-- tx:run and db:segment like any plugin, their kam.run view, tiers, and failures.
-- Runs under `kam run` and stock lua5.4 (KAM_PLUGIN_PATH points at the built plugins).
local kam = require "kam"
local DATA, TMP = arg[1], arg[2]
local T = dofile(DATA .. "/../lua/check.lua")
local check, raises, fails_with, eq = T.check, T.raises, T.fails_with, T.eq

local db = assert(kam.open(TMP .. "/db", { create = true }))
for _, kind in ipairs { "accounts", "contacts", "orders", "interactions" } do
	assert(db:import(kind, DATA .. "/" .. kind .. ".csv"))
end

-- plugins of the search path
local list, errors = kam.plugins()
check(type(list) == "table" and type(errors) == "table", "kam.plugins returns two lists")
local names = {}
for _, p in ipairs(list) do names[p.name] = p end
check(names.abc and names.abc.kind == "segmentation", "abc plugin found in the search path")
fails_with(kam.errors.ENOTFOUND, kam.load_plugin(TMP .. "/nothing.so"))
fails_with(kam.errors.ENOTFOUND, kam.load_plugin("no_such_plugin"))

-- a model written in Lua
local seen = {}
local info = assert(kam.model {
	name = "bigfirst",
	kind = "segmentation",
	version = "1.2",
	description = "large accounts first",
	params = {
		{ name = "min_employees", type = "integer", default = 1000, help = "A from this size" },
		{ name = "label", type = "text", default = "big" },
		{ name = "as_of", type = "date" },
		{ name = "strict", type = "bool", default = false },
		{ name = "weight", type = "number", default = 0.5 },
	},
	run = function(run)
		seen.count = run:count()
		seen.as_of = run:as_of()
		seen.min = run:param("min_employees")
		seen.label = run:param("label")
		seen.strict = run:param("strict")
		seen.weight = run:param("weight")
		for i, a in run:accounts() do
			local orders = run:orders(i)
			local recent = run:orders(i, "2026-02-01")
			local calls = run:interactions(i, nil, "2026-02-02")
			if a.id == "A1" then
				seen.orders, seen.recent, seen.calls = #orders, #recent, #calls
				seen.amount = orders[1].amount
				seen.note = run:attr(i, "tier_note")
				seen.revenue = a.revenue
			end
			local tier = (a.employees or 0) >= seen.min and "A" or (a.order_count > 0 and "B" or "C")
			run:set_tier(i, tier, a.revenue)
			run:factor(i, "orders", #orders, tier == "A" and seen.label or nil)
		end
	end,
})
eq(info.name, "bigfirst", "kam.model returns the model's description")
eq(info.params[1].default, "1000", "parameter defaults become text")
local found
for _, p in ipairs(kam.plugins()) do if p.name == "bigfirst" then found = p end end
check(found and found.origin:find("^lua:"), "a Lua model is listed with the plugins")

local res = db:read(function(tx)
	return assert(tx:run("bigfirst", { as_of = "2026-06-30", params = { min_employees = 100 } }))
end)
eq(#res, 3, "one result per account")
eq(res[1].account_id, "A1", "results in account id order")
eq(res[1].tier, "A", "tier set by the Lua model")
eq(res[1].score, 1250.5 * 10000, "score")
eq(res[1].factors[1].name, "orders", "factor name")
eq(res[1].factors[1].value, 2, "factor value")
eq(res[1].factors[1].note, "big", "factor note")
eq(res[2].tier, "C", "account without orders")
eq(seen.count, 3, "run:count")
eq(seen.as_of, "2026-06-30", "run:as_of")
eq(seen.min, 100, "integer parameter given")
eq(seen.label, "big", "text parameter default")
eq(seen.strict, false, "bool parameter")
eq(seen.weight, 0.5, "number parameter")
eq(seen.orders, 2, "run:orders")
eq(seen.recent, 1, "run:orders from a date")
eq(seen.calls, 1, "run:interactions up to a date")
eq(seen.amount, 10005000, "order amounts are money")
eq(seen.note, 'likes "fast" replies', "run:attr")
eq(seen.revenue, 12505000, "rollup figures on the account")

local north = db:read(function(tx) return assert(tx:run("bigfirst", { region = "north" })) end)
eq(#north, 1, "tx:run for one region")

-- failures: unknown model, bad parameter, a model that raises
db:read(function(tx)
	fails_with(kam.errors.ENOTFOUND, tx:run("nope"))
	fails_with(kam.errors.EINVAL, tx:run("bigfirst", { params = { colour = "red" } }))
	fails_with(kam.errors.EINVAL, tx:run("bigfirst", { params = { min_employees = "many" } }))
end)
assert(kam.model { name = "broken", run = function(run) error("model boom") end })
local v, msg, code = db:read(function(tx) return tx:run("broken") end)
check(v == nil and code == kam.errors.EPLUGIN and msg:find("model boom", 1, true),
	"a Lua error in a model fails the run with its message")
assert(kam.model { name = "badtier", run = function(run) run:set_tier(1, "Z", 0) end })
local _, msg2 = db:read(function(tx) return tx:run("badtier") end)
check(msg2 and msg2:find("expected", 1, true), "misuse inside a model fails the run")
local kept
assert(kam.model { name = "keeper", run = function(run) kept = run end })
db:read(function(tx) assert(tx:run("keeper")) end)
raises(function() kept:count() end, "the run has ended")

-- registration errors
fails_with(kam.errors.EEXIST, kam.model { name = "bigfirst", run = function() end })
raises(function() kam.model { name = "Bad Name", run = function() end } end, "model.name")
raises(function() kam.model { name = "norun" } end, "model.run")
raises(function() kam.model { name = "k", kind = "astrology", run = function() end } end, "invalid option")
raises(function() kam.model { name = "p", params = { { name = "x", type = "integer", default = "abc" } }, run = function() end } end, "default")

-- kam.load_model: a file returning the model table
local mf = io.open(TMP .. "/fromfile.lua", "w")
mf:write([[return { name = "fromfile", version = "0.1", run = function(run)
	for i = 1, run:count() do run:set_tier(i, "B", i) end end }]])
mf:close()
eq(assert(kam.load_model(TMP .. "/fromfile.lua")).name, "fromfile", "kam.load_model")
fails_with(kam.errors.EPARSE, kam.load_model(TMP .. "/missing-model.lua"))

-- db:segment stores snapshots with the Lua model; tx:tiers reads them back
local tiers, runs = db:segment { model = "fromfile", as_of = "2026-06-30" }
check(tiers and #tiers == 3, "db:segment tiers")
check(runs and runs[1].model == "fromfile" and runs[1].snapshot, "db:segment stored a snapshot")
local cur = db:read(function(tx) return assert(tx:tiers { as_of = "2026-06-30" }) end)
eq(#cur, 3, "tx:tiers")
eq(cur[1].tier, "B", "tiers come from the stored snapshot")
eq(cur[1].snapshot, runs[1].snapshot, "tiers name their snapshot")
local dry = assert(db:segment { model = "abc", dry_run = true, as_of = "2026-06-30" })
check(dry[1].snapshot == nil, "dry run stores nothing")
fails_with(kam.errors.EPLUGIN, db:segment { model = "broken" })
db:read(function(tx)
	eq(tx:tiers()[1].snapshot, runs[1].snapshot, "a failed segmentation stored nothing")
end)

-- tier filter on the accounts iterator: the current tiers merged in id order
db:read(function(tx)
	local b, a = 0, 0
	for _ in tx:accounts { tier = "B" } do b = b + 1 end
	for _ in tx:accounts { tier = "A" } do a = a + 1 end
	eq(b, 3, "tier filter B")
	eq(a, 0, "tier filter A")
	local nb = 0
	for _ in tx:accounts { tier = "B", region = "north" } do nb = nb + 1 end
	eq(nb, 1, "tier and region")
	raises(function() tx:accounts { tier = "Z" } end, "option tier")
end)

-- the configuration of the database: a Lua model for one region (models = {...})
local mf2 = io.open(TMP .. "/db/north_model.lua", "w")
mf2:write([[return { name = "north_all_a", run = function(run)
	for i = 1, run:count() do run:set_tier(i, "A", 1) end end }]])
mf2:close()
local conf = io.open(TMP .. "/db/kam.conf.lua", "w")
conf:write([[
models = { "north_model.lua" }
segmentation = { regions = { north = { model = "north_all_a" } } }
]])
conf:close()
local t2, runs2 = assert(db:segment { as_of = "2026-06-30" })
local byid = {}
for _, row in ipairs(t2) do byid[row.account_id] = row end
eq(byid.A1.tier, "A", "the configured Lua model tiers its region")
local models = {}
for _, r in ipairs(runs2) do models[r.model] = true end
check(models.north_all_a and models.abc, "the other regions keep abc")

-- db:snapshots: the history, newest first; the superseded first segmentation can go, the
-- current ones stay
local list = assert(db:snapshots())
eq(#list, 1 + #runs2, "the snapshots stored")
eq(list[#list].id, runs[1].snapshot, "the oldest last")
check(list[1].id > list[#list].id, "newest first")
eq(list[#list].model, "fromfile", "its model")
eq(list[#list].kind, "segmentation", "its kind")
eq(list[#list].as_of, "2026-06-30", "its as_of")
eq(list[#list].accounts, 3, "its accounts")
check(math.type(list[1].taken_at) == "integer", "taken_at in Unix seconds")
eq(next(list[#list].params), nil, "no parameters declared, none listed")
for _, sn in ipairs(list) do
	if sn.model == "abc" then eq(sn.params.window_days, "365", "abc's parameters, as text") end
end
eq(runs2[1].kind, "segmentation", "db:segment's runs are listed alike")
local would = assert(db:snapshots { keep = 0, dry_run = true })
eq(#would, 1, "only the superseded snapshot would go")
eq(would[1].id, runs[1].snapshot, "the superseded snapshot")
eq(#assert(db:snapshots()), #list, "a dry run deletes nothing")
fails_with(kam.errors.EBUSY, db:snapshots { drop = { runs2[1].snapshot } })
fails_with(kam.errors.ENOTFOUND, db:snapshots { drop = { runs[1].snapshot, 999 } })
db:read(function()
	fails_with(kam.errors.EBUSY, db:snapshots { drop = { runs[1].snapshot } })
	eq(#assert(db:snapshots()), #list, "listing inside a transaction")
end)
raises(function() db:snapshots { drop = { "x" } } end, "snapshot ids")
raises(function() db:snapshots { drop = { 1 }, keep = 1 } end, "one of them")
raises(function() db:snapshots { dry_run = true } end, "dry_run goes with")
raises(function() db:snapshots { keep = -1 } end, "count of 0 or more")
local gone = assert(db:snapshots { drop = { runs[1].snapshot } })
eq(#gone, 1, "one deleted")
eq(gone[1].id, runs[1].snapshot, "the one named")
eq(#assert(db:snapshots()), #list - 1, "it is gone")
eq(#assert(db:snapshots { keep = 0 }), 0, "the rest are current")
db:close()
T.finish()
