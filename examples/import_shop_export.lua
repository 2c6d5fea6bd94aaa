-- Importing a shop system's order export: one file, other column names, and the customer's
-- details repeated on every order line.
--
--   kam --db DB run examples/import_shop_export.lua [FILE]
--
-- The export (examples/data/shop_export.csv) has one row per order line:
--   Order No, Line, Order Date (DD.MM.YYYY), Customer No, Company, Region, Rep, Line Total
--   (decimal comma: "1.234,50")
-- Accounts are derived from the customer columns (the last row of a customer wins, and a
-- customer whose details disagree between rows is reported), orders from the lines (lines of
-- one order are summed). Everything is written in one transaction: a bad row raises, and then
-- nothing is written.
local kam = require "kam"
local file = arg[1] or "examples/data/shop_export.csv"

-- "1.234,50" -> money (exact: parsed as text, never through a float)
local function amount(text, where)
	local t = text:gsub("%.", ""):gsub(",", ".")
	local m, msg = kam.money.parse(t)
	if not m then error(where .. ": " .. msg, 0) end
	return m
end

-- "31.01.2026" -> "2026-01-31"
local function date(text, where)
	local d, m, y = text:match("^(%d%d)%.(%d%d)%.(%d%d%d%d)$")
	local iso = d and (y .. "-" .. m .. "-" .. d)
	if not iso or not kam.date.parse(iso) then
		error(where .. ": expected a date DD.MM.YYYY, found \"" .. text .. "\"", 0)
	end
	return iso
end

local accounts, orders, order_ids, conflicts = {}, {}, {}, {}
local reader = select(2, assert(kam.csv.read(file)))
for row in reader do
	local where = file .. ":" .. reader:line()
	local id = assert(row["Customer No"], where .. ": no Customer No")
	local acc = { id = id, name = row["Company"], region = row["Region"] and row["Region"]:lower(),
		owner = row["Rep"] }
	local seen = accounts[id]
	if seen and (seen.name ~= acc.name or seen.region ~= acc.region or seen.owner ~= acc.owner) then
		conflicts[#conflicts + 1] = string.format("%s: customer %s differs from an earlier row",
			where, id)
	end
	accounts[id] = acc
	local oid = "SHOP-" .. row["Order No"]
	local o = orders[oid]
	if not o then
		o = { id = oid, account_id = id, date = date(row["Order Date"], where), amount = 0,
			attrs = { source = "shop" } }
		orders[oid] = o
		order_ids[#order_ids + 1] = oid
	end
	o.amount = o.amount + amount(row["Line Total"], where)
end

local result = db:write(function(tx)
	local new, replaced = 0, 0
	local ids = {}
	for id in pairs(accounts) do ids[#ids + 1] = id end
	table.sort(ids)
	for _, id in ipairs(ids) do
		local ok, rep = assert(tx:put("account", accounts[id]))
		if rep then replaced = replaced + 1 else new = new + 1 end
	end
	for _, oid in ipairs(order_ids) do assert(tx:put("order", orders[oid])) end
	return { accounts = #ids, new_accounts = new, orders = #order_ids }
end)
for _, c in ipairs(conflicts) do io.stderr:write("warning: ", c, "\n") end
print(string.format("%s: %d accounts (%d new), %d orders", file, result.accounts,
	result.new_accounts, result.orders))
