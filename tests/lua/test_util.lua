-- kam.date, kam.money, kam.csv, kam.schema, kam.errors, kam.strerror, kam.show, kam.config,
-- kam.version, kam.kinds. Runs under `kam run` and stock lua5.4.
local kam = require "kam"
local DATA, TMP = arg[1], arg[2]
local T = dofile(DATA .. "/../lua/check.lua")
local check, raises, fails_with, eq = T.check, T.raises, T.fails_with, T.eq

check(type(kam.version) == "string", "kam.version")
eq(table.concat(kam.kinds, ","), "accounts,contacts,orders,interactions", "kam.kinds")
eq(kam.errors.ENOTFOUND, -4, "kam.errors")
check(kam.strerror(kam.errors.EREF):find("^KAM_EREF"), "kam.strerror")

-- dates
local d = kam.date
local day, sec = d.parse("2024-03-01")
eq(day, 19783, "date.parse day")
eq(sec, nil, "date.parse: no time")
local _, sec2 = d.parse("2024-03-01T09:30")
eq(sec2, 9 * 3600 + 30 * 60, "date.parse time")
fails_with(kam.errors.EPARSE, d.parse("2024-02-30"))
eq(d.format(19783), "2024-03-01", "date.format")
eq(d.format(19783, 3600), "2024-03-01T01:00:00", "date.format with time")
eq(d.add_months("2024-01-31", 1), "2024-02-29", "add_months clamps (leap)")
eq(d.add_months("2023-01-31", 1), "2023-02-28", "add_months clamps")
eq(d.add_months("2024-03-31", -1), "2024-02-29", "add_months backwards")
eq(d.add_months(19783, 12), 20148, "add_months on day numbers")
eq(d.add_months("2024-01-31T10:00:00", 1), "2024-02-29T10:00:00", "add_months keeps the time")
eq(d.add_days("2024-02-28", 2), "2024-03-01", "add_days")
eq(d.diff("2024-03-01", "2024-02-01"), 29, "diff")
eq(d.weekday("2024-03-04"), 1, "weekday Monday")
eq(d.weekday("2024-03-10"), 7, "weekday Sunday")
local y, m, dd = d.civil("2024-03-01")
eq(y * 10000 + m * 100 + dd, 20240301, "civil")
eq(d.make(2024, 2, 29), "2024-02-29", "make")
eq(d.day("1970-01-02"), 1, "day")
check(d.today():match("^%d%d%d%d%-%d%d%-%d%d$"), "today")
raises(function() d.add_months("March", 1) end, "expected a date")
raises(function() d.make(2023, 2, 29) end, "no such day")
raises(function() d.format(1, 99999) end, "seconds")

-- money: integers of ten-thousandths
local M = kam.money
eq(M.SCALE, 10000, "money.SCALE")
eq(M.parse("12.5"), 125000, "money.parse")
eq(M.parse("-0.0001"), -1, "money.parse negative")
fails_with(kam.errors.EPARSE, M.parse("1.23456"))
fails_with(kam.errors.EPARSE, M.parse("1,000"))
eq(M.format(125000), "12.5", "money.format")
eq(M.format(-1), "-0.0001", "money.format small")
eq(M.of(12), 120000, "money.of integer units")
eq(M.of("0.1"), 1000, "money.of text")
eq(M.of(0.1), 1000, "money.of float rounds")
eq(M.tonumber(125000), 12.5, "money.tonumber")
-- exact sums: ten times 0.1 is exactly 1
local s = 0
for _ = 1, 10 do s = s + M.parse("0.1") end
eq(M.format(s), "1", "money sums are exact")
raises(function() M.format(1.5) end, "ten-thousandths")
raises(function() M.of("abc") end, "not an amount")

-- csv
local rows = {}
for row in kam.csv.read(DATA .. "/orders_foreign.csv") do rows[#rows + 1] = row end
check(#rows > 0, "csv.read rows")
local f, reader = kam.csv.read(DATA .. "/accounts.csv")
local first = f(reader)
eq(first.id, "A1", "csv.read: BOM skipped, keyed by header")
eq(first.name, "Acme, Inc.", "csv.read: quoted field")
eq(reader:header()[13], "tier_note", "reader:header")
eq(reader:line(), 2, "reader:line")
local second = f(reader)
eq(second.created, nil, "csv.read: empty cell is absent")
reader:close()
reader:close()
local arrays = {}
for r in kam.csv.read(DATA .. "/contacts.csv", { header = false }) do arrays[#arrays + 1] = r end
eq(arrays[1][1], "id", "csv.read without header gives arrays")
eq(arrays[4][5], "", "arrays keep empty strings")
fails_with(kam.errors.ENOTFOUND, kam.csv.read(TMP .. "/missing.csv"))
local bad = io.open(TMP .. "/bad.csv", "w")
bad:write('a,b\n1,"unterminated\n')
bad:close()
raises(function() for _ in kam.csv.read(TMP .. "/bad.csv") do end end, "bad.csv:2")
local ok, count = kam.csv.write(TMP .. "/out.csv", { "id", "total", "note" }, {
	{ id = "A1", total = M.format(125000), note = "has, comma" },
	{ "A2", 7, true },
})
check(ok and count == 2, "csv.write")
local back = {}
for r in kam.csv.read(TMP .. "/out.csv") do back[#back + 1] = r end
eq(back[1].note, "has, comma", "csv round trip quoting")
eq(back[2].total, "7", "csv.write numbers")
eq(back[2].note, "true", "csv.write booleans")
local i = 0
assert(kam.csv.write(TMP .. "/gen.csv", { "n" }, function()
	i = i + 1
	if i <= 3 then return { n = i } end
end))
local ns = {}
for r in kam.csv.read(TMP .. "/gen.csv") do ns[#ns + 1] = r.n end
eq(table.concat(ns, ","), "1,2,3", "csv.write from an iterator function")
raises(function() kam.csv.write(TMP .. "/x.csv", {}, {}) end, "column names")
raises(function() kam.csv.write(TMP .. "/x.csv", { "a" }, { 5 }) end, "not a table")
raises(function() kam.csv.write(TMP .. "/x.csv", { "a" }, function() error("gen boom") end) end,
	"gen boom")

-- schema
local sch = kam.schema("orders")
eq(sch[1].name, "id", "schema order")
eq(sch.kind, "orders", "schema kind")
for _, fld in ipairs(sch) do
	if fld.name == "mode" then eq(fld.values[2], "consignment", "schema enum values") end
	if fld.name == "amount" then eq(fld.type, "money", "schema types") end
end
raises(function() kam.schema("planets") end, "record kind")

-- show: prints (to stdout); must accept every shape without raising
kam.show({ { id = "A1", revenue = 5 }, { id = "A2", note = "x\ny" } })
kam.show({ 1, 2, 3 })
kam.show({})
kam.show("text")
kam.show(nil)
kam.show({ a = 1, b = { 1, 2 } })

-- config
local cfgfile = TMP .. "/kam.conf.lua"
local cf = io.open(cfgfile, "w")
cf:write([[
segmentation = { default = { model = "abc", params = { window_days = 180 } },
                 regions = { north = { model = "score" } } }
plugins = { "extra" }
models = { "models/m.lua", "/abs/m2.lua" }
]])
cf:close()
local cfg = assert(kam.config(cfgfile))
eq(cfg.segmentation.default.params.window_days, "180", "config params as text")
eq(cfg.segmentation.regions.north.model, "score", "config regions")
eq(cfg.plugins[1], "extra", "config plugins")
eq(cfg.models[1], TMP .. "/models/m.lua", "config models relative to the file")
eq(cfg.models[2], "/abs/m2.lua", "config models absolute")
local dflt = assert(kam.config(nil, TMP .. "/no-such-dir"))
eq(dflt.segmentation.default.model, "abc", "config defaults")
fails_with(kam.errors.ENOTFOUND, kam.config(TMP .. "/missing.conf.lua"))
local bf = io.open(TMP .. "/bad.conf.lua", "w")
bf:write("segmentation = 5\n")
bf:close()
fails_with(kam.errors.EPARSE, kam.config(TMP .. "/bad.conf.lua"))

T.finish()
