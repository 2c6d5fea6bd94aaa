-- The analyses as Lua tables: db:agenda, db:value, db:portfolio, db:receivables. Figures of
-- the small test book are checked by hand; on a generated book every row and field is checked
-- against the CSV of the same `kam` command (when the binary is known, $KAM).
-- Runs under `kam run` and stock lua5.4 (KAM_PLUGIN_PATH points at the built plugins).
local kam = require "kam"
local DATA, TMP = arg[1], arg[2]
local T = dofile(DATA .. "/../lua/check.lua")
local check, raises, fails_with, eq = T.check, T.raises, T.fails_with, T.eq
local E = kam.errors
local AS_OF = "2026-06-30"

local db = assert(kam.open(TMP .. "/db", { create = true }))
for _, kind in ipairs { "accounts", "contacts", "orders", "interactions" } do
	assert(db:import(kind, DATA .. "/" .. kind .. ".csv"))
end

-- ---- portfolio: hand-computed figures of tests/data (window 2025-06-30 < day <= 2026-06-30)
local p = assert(db:portfolio { as_of = AS_OF })
eq(#p, 1, "without by: only the total")
local tot = p[1]
eq(tot.by, "total", "total row's by")
eq(tot.group, nil, "the total has no group")
eq(tot.accounts, 3, "accounts")
eq(tot.revenue, 13504999, "revenue 1000.5 + 250 + 99.9999, exact ten-thousandths")
check(math.type(tot.revenue) == "integer", "money is an integer")
eq(tot.minutes, 107, "minutes 15 + 2 + 90 (absent minutes count 0)")
eq(tot.hours, 107 / 60, "hours")
eq(tot.top_n, 10, "top defaults to 10")
eq(tot.top1_share, 12505000 / 13504999, "A1 is the largest account")
eq(tot.top_n_share, 1.0, "fewer accounts than N: all of them")
eq(tot.roi, 1350.4999 / (107 / 60), "revenue per hour")
local by_region = assert(db:portfolio { by = "region", as_of = AS_OF, top = 1 })
eq(#by_region, 4, "three regions and the total")
eq(by_region[1].group, "", "groups sorted by key: the accounts without a region first")
eq(by_region[1].revenue, 999999, "A3's revenue")
eq(by_region[2].group, "north", "north")
eq(by_region[2].revenue, 12505000, "A1's revenue")
eq(by_region[2].minutes, 107, "A1's minutes")
eq(by_region[3].group, "south", "south")
eq(by_region[3].revenue, 0, "A2 has no orders")
eq(by_region[3].hhi, nil, "HHI is undefined without revenue")
eq(by_region[3].roi, nil, "ROI is undefined without minutes")
eq(by_region[4].top_n, 1, "top = 1")
local narrow = assert(db:portfolio { as_of = AS_OF, window_days = 130 })
eq(narrow[1].revenue, 2500000, "window_days = 130 keeps O2 only (2026-03-01)")

-- ---- receivables: amount - paid (absent paid counts 0) of the orders up to as_of
local r = assert(db:receivables { as_of = AS_OF })
eq(#r, 2, "two accounts owe something")
eq(r[1].account_id, "A1", "largest first")
eq(r[1].receivables, 2500000, "A1: O2 unpaid, O1 paid in full")
eq(r[1].open_orders, 1, "A1: one open order")
eq(r[1].oldest_open, "2026-03-01", "A1: oldest open order")
eq(r[2].account_id, "A3", "then A3")
eq(r[2].receivables, 499999, "A3: 99.9999 - 50")
eq(r[2].owner, "rep01", "owner")
local rg = assert(db:receivables { by = "rep", as_of = AS_OF })
eq(#rg, 2, "one rep with receivables and the total")
eq(rg[1].group, "rep01", "rep01")
eq(rg[1].accounts, 2, "rep01: two accounts")
eq(rg[1].receivables, 2999999, "rep01: sum")
eq(rg[1].oldest_open, "2025-12-31", "rep01: oldest")
eq(rg[2].by, "total", "the total last")
eq(#assert(db:receivables { as_of = "2025-01-01" }), 0, "nothing owed before the first order")

-- ---- agenda: shape and order on the small book
local TIER = { A = 1, B = 2, C = 3 }
local function agenda_ordered(a)
	for i = 2, #a do
		local x, y = a[i - 1], a[i]
		local tx, ty = TIER[x.tier] or 4, TIER[y.tier] or 4
		if tx > ty or (tx == ty and x.overdue_days < y.overdue_days) then return false end
	end
	return true
end
local ag = assert(db:agenda { as_of = AS_OF })
check(#ag > 0, "the small book has actions due")
check(agenda_ordered(ag), "agenda order: tier, then most overdue")
for _, x in ipairs(ag) do
	check(type(x.account_id) == "string" and type(x.action) == "string", "item names")
	check(x.overdue_days >= 0, "without within: only what is due")
	check(type(x.due) == "string" and #x.due == 10, "due is a date")
	check(x.region ~= nil and x.owner ~= nil, "region and owner always present")
end
-- as of 2026-03-01 A1's visit (due 2026-05-20) is not due yet: within 400 days takes it in
local early = assert(db:agenda { as_of = "2026-03-01" })
local later = assert(db:agenda { as_of = "2026-03-01", within = 400 })
check(#later == #early + 1, "within adds what falls due later")
local mine = assert(db:agenda { as_of = AS_OF, owner = "rep02" })
for _, x in ipairs(mine) do eq(x.owner, "rep02", "owner filter") end
local north = assert(db:agenda { as_of = AS_OF, region = "north" })
for _, x in ipairs(north) do eq(x.region, "north", "region filter") end
fails_with(E.ENOTFOUND, db:agenda { region = "atlantis" })

-- ---- value: customer-value (the default), dry run, stored snapshots, metrics
local v = assert(db:value { as_of = AS_OF, dry_run = true })
eq(#v, 3, "one row per account")
eq(v[1].account_id, "A1", "account id order")
eq(v[1].model, "customer-value", "the default value model")
eq(v[1].snapshot, nil, "a dry run stores nothing")
check(type(v[1].metrics) == "table" and type(v[1].metrics.revenue_window) == "number",
	"metrics by name")
check(type(v[1].value) == "number", "A1 has a value")
local stored = assert(db:value { as_of = AS_OF, region = "north" })
eq(#stored, 1, "region filter")
check(math.type(stored[1].snapshot) == "integer", "a stored valuation names its snapshot")
local tuned = assert(db:value { as_of = AS_OF, dry_run = true, model = "customer-value",
	params = { window_days = 30 } })
eq(tuned[1].metrics.revenue_window, 0, "params reach the model (no order in the last 30 days)")

-- ---- failures and misuse
fails_with(E.ENOTFOUND, db:value { model = "no-such-model", dry_run = true })
fails_with(E.ENOTFOUND, db:value { region = "atlantis", dry_run = true })
local msg = select(2, db:value { model = "no-such-model", dry_run = true })
check(msg:find("no-such-model", 1, true), "the message names the model")
fails_with(E.EINVAL, db:value { dry_run = true, params = { no_such_param = 1 } })
raises(function() db:agenda(42) end, "bad argument #1")
raises(function() db:agenda { within = "soon" } end, "within")
raises(function() db:agenda { within = -1 } end, "within")
raises(function() db:agenda { owner = 7 } end, "owner: expected a string")
raises(function() db:agenda { as_of = "yesterday" } end, "as_of")
raises(function() db:value { model = 1 } end, "model: expected a string")
raises(function() db:value { params = "x" } end, "params")
raises(function() db:value { dry_run = "yes" } end, "dry_run")
raises(function() db:portfolio { by = "planet" } end, "by")
raises(function() db:portfolio { window_days = 0 } end, "window_days")
raises(function() db:portfolio { top = 1.5 } end, "top")
raises(function() db:receivables { by = 3 } end, "by")
db:read(function()
	fails_with(E.EBUSY, db:agenda { as_of = AS_OF })
	fails_with(E.EBUSY, db:value { dry_run = true })
	fails_with(E.EBUSY, db:portfolio {})
	fails_with(E.EBUSY, db:receivables {})
end)

-- ---- against the command line, on a generated book
local KAM = os.getenv("KAM")
if KAM and io and io.popen then
	local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
	local gen, gdb = TMP .. "/gen", TMP .. "/gendb"
	assert(os.execute(sh(KAM) .. " gen " .. sh(gen) .. " --accounts 40 --quiet"))
	local g = assert(kam.open(gdb, { create = true }))
	for _, kind in ipairs { "accounts", "contacts", "orders", "interactions" } do
		assert(g:import(kind, gen .. "/" .. kind .. ".csv"))
	end
	local function cli(args)
		local out = TMP .. "/cli.csv"
		assert(os.execute(sh(KAM) .. " --db " .. sh(gdb) .. " " .. args ..
			" --format csv > " .. sh(out) .. " 2>/dev/null"), args)
		local rows = {}
		for row in kam.csv.read(out) do rows[#rows + 1] = row end
		return rows
	end
	local money = kam.money.parse
	-- compare: kinds of each field: "s" text, "i" integer, "m" money, "n" number
	local function same(what, got, want, fields)
		eq(#got, #want, what .. ": row count")
		for i = 1, math.min(#got, #want) do
			for name, k in pairs(fields) do
				local w = want[i][name]
				if w ~= nil and k == "i" then w = math.tointeger(tonumber(w))
				elseif w ~= nil and k == "m" then w = money(w)
				elseif w ~= nil and k == "n" then w = tonumber(w) end
				local x = got[i][name]
				if x == "" then x = nil end -- an empty CSV cell reads as absent
				if x ~= w then
					eq(x, w, string.format("%s row %d %s", what, i, name))
					return
				end
			end
		end
		T.passes = T.passes + 1
	end
	local AGENDA = { account_id = "s", action = "s", tier = "s", due = "s", overdue_days = "i",
		owner = "s", last_contact = "s", objection = "s", response = "s", region = "s" }
	same("agenda", assert(g:agenda { as_of = AS_OF }), cli("agenda --as-of " .. AS_OF), AGENDA)
	same("agenda within", assert(g:agenda { as_of = AS_OF, within = 90, owner = "rep02" }),
		cli("agenda --as-of " .. AS_OF .. " --within 90 --owner rep02"), AGENDA)
	local objections = 0
	for _, x in ipairs(assert(g:agenda { as_of = AS_OF })) do
		if x.objection then objections = objections + 1 end
	end
	check(objections > 0, "the generated book has follow-ups with a response")

	local vl = assert(g:value { as_of = AS_OF, dry_run = true })
	local vc = cli("value --dry-run --as-of " .. AS_OF)
	same("value", vl, vc, { account_id = "s", model = "s", value = "n", recommendation = "s",
		region = "s" })
	local metrics_ok = #vl == #vc
	for i = 1, math.min(#vl, #vc) do
		for name, x in pairs(vl[i].metrics) do
			if tonumber(vc[i][name]) ~= x then metrics_ok = false end
		end
	end
	check(metrics_ok, "value metrics match the CLI's columns")

	local PORT = { by = "s", group = "s", accounts = "i", revenue = "m", top1_share = "n",
		top5_share = "n", top_n = "i", top_n_share = "n", hhi = "n", minutes = "i",
		hours = "n", roi = "n", untiered_accounts = "i" }
	for _, t in ipairs { "a", "b", "c" } do
		PORT[t .. "_accounts"], PORT[t .. "_revenue"], PORT[t .. "_hours"] = "i", "m", "n"
	end
	for _, by in ipairs { "rep", "region", "tier" } do
		same("portfolio by " .. by, assert(g:portfolio { by = by, as_of = AS_OF, top = 3 }),
			cli("portfolio --by " .. by .. " --top 3 --as-of " .. AS_OF), PORT)
	end
	same("portfolio window", assert(g:portfolio { as_of = AS_OF, window_days = 90 }),
		cli("portfolio --window-days 90 --as-of " .. AS_OF), PORT)
	same("receivables", assert(g:receivables { as_of = AS_OF }),
		cli("portfolio --receivables --as-of " .. AS_OF),
		{ account_id = "s", owner = "s", region = "s", tier = "s", receivables = "m",
			open_orders = "i", oldest_open = "s" })
	same("receivables by region", assert(g:receivables { by = "region", as_of = AS_OF }),
		cli("portfolio --receivables --by region --as-of " .. AS_OF),
		{ by = "s", group = "s", accounts = "i", receivables = "m", open_orders = "i",
			oldest_open = "s" })
	g:close()
end

T.finish()
