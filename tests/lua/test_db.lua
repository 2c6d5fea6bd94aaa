-- Databases, transactions, records, iterators, import and export: every method of kam.db,
-- kam.tx and kam.cursor, with their error paths. Runs under `kam run` and stock lua5.4.
-- Arguments: DATA_DIR (tests/data) SCRATCH_DIR.
local kam = require "kam"
local DATA, TMP = arg[1], arg[2]
local T = dofile(DATA .. "/../lua/check.lua")
local check, raises, fails_with, eq = T.check, T.raises, T.fails_with, T.eq

-- kam.open: create, reopen, missing, read-only
fails_with(kam.errors.ENOTFOUND, kam.open(TMP .. "/nothing-here"))
local db = assert(kam.open(TMP .. "/db", { create = true }))
eq(db:path(), TMP .. "/db", "db:path")
check(tostring(db):find("kam.db", 1, true), "tostring(db)")
raises(function() kam.open() end, "bad argument #1")
raises(function() kam.open(TMP .. "/db", { create = "yes" }) end, "option create")
raises(function() kam.open(TMP .. "/db", 42) end, "bad argument #2")

-- import the test data
for _, kind in ipairs { "accounts", "contacts", "orders", "interactions" } do
	local r = assert(db:import(kind, DATA .. "/" .. kind .. ".csv"))
	check(r.rows > 0 and r.inserted == r.rows and r.replaced == 0, "import " .. kind)
end
local again = assert(db:import("accounts", DATA .. "/accounts.csv"))
eq(again.replaced, 3, "re-import replaces")
fails_with(kam.errors.EREF, db:import("orders", DATA .. "/orders_bad_ref.csv"))
fails_with(kam.errors.EPARSE, db:import("orders", DATA .. "/orders_bad_date.csv"))
fails_with(kam.errors.ENOTFOUND, db:import("orders", TMP .. "/missing.csv"))
raises(function() db:import("widgets", DATA .. "/orders.csv") end, "record kind")
local rej = assert(db:import("orders", DATA .. "/orders_bad_money.csv", { rejects = TMP .. "/rej.csv" }))
check(rej.rejected >= 1, "rejects file takes bad rows")

-- a whole book in one transaction: all files or none
local book = assert(kam.open(TMP .. "/book", { create = true }))
local pairs_ = {}
for _, kind in ipairs { "accounts", "contacts", "orders", "interactions" } do
	pairs_[#pairs_ + 1] = { kind, DATA .. "/" .. kind .. ".csv" }
end
local rs = assert(book:import_book(pairs_))
eq(#rs, 4, "import_book: one result per file")
eq(rs[1].rows, db:count("accounts"), "import_book: the accounts")
check(rs[3].inserted == rs[3].rows and rs[3].rows > 0, "import_book: the orders")
local fresh = assert(kam.open(TMP .. "/book2", { create = true }))
fails_with(kam.errors.EPARSE, fresh:import_book { { "accounts", DATA .. "/accounts.csv" },
	{ "orders", DATA .. "/orders_bad_date.csv" } })
eq(fresh:count("accounts"), 0, "import_book: a bad row in the last file leaves nothing")
raises(function() fresh:import_book { { "widgets", DATA .. "/orders.csv" } } end, "pair 1")
raises(function() fresh:import_book { { "orders", 42 } } end, "pair 1")
raises(function() fresh:import_book {} end, "1 to 16")
fails_with(kam.errors.EINVAL, fresh:import_book { { "accounts", "-" }, { "orders", "-" } })
eq(fresh:count("accounts"), 0, "import_book: standard input named twice reads nothing")
book:close()
fresh:close()

-- one-shot reads
local a1 = assert(db:get("account", "A1"))
eq(a1.name, "Acme, Inc.", "get: text")
eq(a1.employees, 1200, "get: count")
eq(a1.net_assets, 5000005000, "get: money in ten-thousandths")
eq(a1.created, "2020-01-15", "get: date text")
eq(a1.channel, "stationery-maker", "get: enum slug")
eq(a1.attrs.tier_note, 'likes "fast" replies', "get: custom attribute")
eq(getmetatable(a1).kind, "accounts", "record metatable names its kind")
local c2 = assert(db:get("contacts", "C2"))
eq(c2.active, false, "get: boolean")
fails_with(kam.errors.ENOTFOUND, db:get("account", "nope"))
raises(function() db:get("account") end, "bad argument #3")
local r1 = assert(db:rollup("A1"))
eq(r1.order_count, 2, "rollup order_count")
eq(r1.revenue, 12505000, "rollup revenue exact")
eq(r1.last_call, "2026-02-01", "rollup last_call skips no-answer")
fails_with(kam.errors.ENOTFOUND, db:rollup("nope"))
eq(db:count("accounts"), 3, "db:count")
eq(db:stats().orders, 3, "db:stats")
eq(#db:list("accounts"), 3, "db:list")

-- reads in a transaction
local n = db:read(function(tx, extra)
	eq(extra, "x", "db:read passes extra arguments")
	check(not tx:writable(), "read transaction is not writable")
	local ids = {}
	for a in tx:accounts() do ids[#ids + 1] = a.id end
	eq(table.concat(ids, ","), "A1,A2,A3", "accounts in id order")
	local north = {}
	for a in tx:accounts { region = "north" } do north[#north + 1] = a.id end
	eq(table.concat(north, ","), "A1", "region filter")
	local rep01 = {}
	for a in tx:accounts { owner = "rep01" } do rep01[#rep01 + 1] = a.id end
	eq(table.concat(rep01, ","), "A1,A3", "owner filter")
	local both = 0
	for _ in tx:accounts { region = "north", owner = "rep02" } do both = both + 1 end
	eq(both, 0, "region and owner together")
	local big = {}
	for a in tx:accounts { where = function(a) return (a.employees or 0) > 100 end } do
		big[#big + 1] = a.id
	end
	eq(table.concat(big, ","), "A1", "where predicate")
	local lim = 0
	for _ in tx:accounts { limit = 2 } do lim = lim + 1 end
	eq(lim, 2, "limit")
	for a, r in tx:accounts { rollup = true, fields = { "id", "name" } } do
		check(a.region == nil and a.name, "fields projection")
		check(r.order_count ~= nil, "rollup yielded beside the record")
	end
	local os_ = {}
	for o in tx:orders("A1", { from = "2026-02-01" }) do os_[#os_ + 1] = o.id end
	eq(table.concat(os_, ","), "O2", "orders of an account from a date")
	local all = {}
	for o in tx:orders { to = "2026-01-31" } do all[#all + 1] = o.id end
	eq(table.concat(all, ","), "O1,O3", "all orders up to a date")
	local ins = 0
	for i in tx:interactions("A1", { where = function(i) return i.kind == "call" end }) do
		ins = ins + 1
	end
	eq(ins, 2, "interactions with a predicate")
	local cs = {}
	for c in tx:contacts { account = "A1" } do cs[#cs + 1] = c.id end
	eq(table.concat(cs, ","), "C1,C2", "contacts of an account (option)")
	local sum, cnt = 0, 0
	for id, rev in tx:rows("accounts", { "id", "revenue" }) do
		sum = sum + rev
		cnt = cnt + 1
	end
	eq(cnt, 3, "rows count")
	eq(sum, 12505000 + 999999, "rows sums rollup revenue exactly")
	for id, region in tx:rows("accounts", { "id", "region" }, { region = "south" }) do
		eq(id .. region, "A2south", "rows with a filter")
	end
	raises(function() tx:rows("accounts", { "region" }) end, "first value")
	raises(function() tx:rows("accounts", { "nope" }) end, "no field")
	raises(function() tx:accounts { colour = "red" } end, "unknown option")
	raises(function() tx:orders(42) end, "account id or an options table")
	raises(function() tx:orders { from = "yesterday" } end, "from")
	raises(function() tx:put("account", { id = "X", name = "x" }) end, "read transaction")
	local pairs_ = tx:list("accounts", { rollup = true, limit = 1 })
	check(pairs_[1].account.id == "A1" and pairs_[1].rollup.order_count == 2, "tx:list pairs")
	-- break closes the cursor at once (to-be-closed)
	for _ in tx:accounts() do break end
	-- an error in the predicate propagates
	raises(function()
		for _ in tx:accounts { where = function() error("pred boom") end } do end
	end, "pred boom")
	eq(tx:count("orders"), 3, "tx:count")
	check(tx:stats().page_size > 0, "tx:stats")
	return 7
end, "x")
eq(n, 7, "db:read returns the function's values")

-- a transaction object outlives its function, unusably
local kept
db:read(function(tx) kept = tx end)
raises(function() kept:get("account", "A1") end, "transaction has ended")
local f, s
db:read(function(tx) f, s = tx:accounts() end)
raises(function() f(s) end, "ended")

-- writes
local ok, replaced = db:write(function(tx)
	check(tx:writable(), "write transaction")
	return tx:put("account", { id = "A9", name = "Nine", region = "east", annual_revenue = "12.5",
		employees = 9, created = "2025-01-31", stage = "won", attrs = { colour = "red", size = 3 } })
end)
check(ok and replaced == false, "put a new account")
local a9 = db:get("account", "A9")
eq(a9.annual_revenue, 125000, "money from a decimal string")
eq(a9.attrs.size, "3", "attribute numbers become text")
db:write(function(tx)
	a9.region = "west"
	local ok2, rep = tx:put("account", a9)
	check(ok2 and rep, "put back a record read earlier (replace)")
	assert(tx:put("order", { id = "O9", account_id = "A9", date = "2026-01-01", amount = 5000000 }))
	fails_with(kam.errors.EREF, tx:put("order", { id = "O8", account_id = "ZZ", date = "2026-01-01", amount = 1 }))
	fails_with(kam.errors.EREF, tx:delete("account", "A9"))
	fails_with(kam.errors.ENOTFOUND, tx:delete("order", "nope"))
	assert(tx:delete("order", "O9"))
	eq(tx:rollup("A9").order_count, 0, "rollup follows deletes in the transaction")
end)
eq(db:get("account", "A9").region, "west", "replace committed")
fails_with(kam.errors.ENOTFOUND, db:get("order", "O9"))

-- misuse raises, and raises before anything is written
db:write(function(tx)
	raises(function() tx:put("account", { id = "B1" }) end, "required field name")
	raises(function() tx:put("account", { id = "B1", name = "b", regoin = "x" }) end, 'unknown field "regoin"')
	raises(function() tx:put("account", { id = "B1", name = "b", employees = -1 }) end, "employees")
	raises(function() tx:put("account", { id = "B1", name = "b", wallet = 1.5 }) end, "wallet")
	raises(function() tx:put("account", { id = "B1", name = "b", stage = "asleep" }) end, "one of")
	raises(function() tx:put("account", { id = "B1", name = "b", created = "2025-02-30" }) end, "created")
	raises(function() tx:put("account", { id = "B1", name = "b", attrs = { region = "x" } }) end, "attrs")
	raises(function() tx:put("account", "B1") end, "table expected")
	raises(function() tx:put("planets", {}) end, "record kind")
end)
fails_with(kam.errors.ENOTFOUND, db:get("account", "B1"))

-- an error in the write function aborts the whole transaction and is re-raised
local ok3, err3 = pcall(db.write, db, function(tx)
	assert(tx:put("account", { id = "B2", name = "never" }))
	assert(tx:put("order", { id = "O7", account_id = "A1", date = "2026-04-01", amount = 1 }))
	error("stop here")
end)
check(not ok3 and tostring(err3):find("stop here", 1, true), "error re-raised from db:write")
fails_with(kam.errors.ENOTFOUND, db:get("account", "B2"))
eq(db:rollup("A1").order_count, 2, "aborted write left rollups alone")
-- a non-string error object survives the re-raise
local ok4, err4 = pcall(db.write, db, function() error({ code = 42 }) end)
check(not ok4 and type(err4) == "table" and err4.code == 42, "error object kept")
-- a nested write on the same database is a runtime failure, not a deadlock
db:write(function()
	fails_with(kam.errors.EBUSY, db:write(function() end))
	raises(function() db:close() end, "still running")
end)

-- export
assert(db:export("accounts", TMP .. "/accounts.out.csv"))
local f = assert(io.open(TMP .. "/accounts.out.csv"))
local header = f:read("l")
f:close()
check(header:find("^id,name,region"), "export writes the columns in order")
raises(function() db:export("accounts", nil, "xml") end, "invalid option")

-- check: the book agrees with itself
local report = assert(db:check())
eq(#report.problems, 0, "db:check: no problems")
eq(report.orders, db:count("orders"), "db:check: the orders read")
eq(report.accounts, db:count("accounts"), "db:check: the accounts read")

-- backup: a copy that opens as the same book; refused inside a transaction and onto a non-empty
-- directory
local bytes = assert(db:backup(TMP .. "/copy"))
check(math.type(bytes) == "integer" and bytes > 0, "db:backup returns the bytes")
local copy = assert(kam.open(TMP .. "/copy", { readonly = true }))
eq(copy:count("orders"), db:count("orders"), "the copy's orders")
eq(copy:rollup("A1").revenue, 12505000, "the copy's rollups")
copy:close()
check(assert(db:backup(TMP .. "/copy2", { compact = true })) > 0, "db:backup compact")
fails_with(kam.errors.EEXIST, db:backup(TMP .. "/copy"))
db:write(function()
	fails_with(kam.errors.EBUSY, db:backup(TMP .. "/copy3"))
end)
raises(function() db:backup(TMP .. "/copy3", "compact") end, "table expected")

-- read-only databases refuse writes with a runtime failure
local ro = assert(kam.open(TMP .. "/db", { readonly = true }))
fails_with(kam.errors.EREADONLY, ro:write(function() end))
ro:close()
ro:close() -- twice is fine
raises(function() ro:get("account", "A1") end, "closed")

-- to-be-closed database
do
	local db2 <close> = assert(kam.open(TMP .. "/db"))
	eq(db2:count("accounts"), 4, "second handle sees the commits")
end

db:close()
T.finish()
