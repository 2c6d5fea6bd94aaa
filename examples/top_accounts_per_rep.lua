-- Top accounts per rep, with revenue per hour of interaction time.
--
--   kam --db DB run examples/top_accounts_per_rep.lua [N] [AS_OF] [WINDOW_DAYS]
--
-- For each owner (rep), the N accounts with the most revenue in the window
-- (AS_OF - WINDOW_DAYS, AS_OF], and for each the hours spent on it (interaction minutes in the
-- window) and revenue per hour (REFERENCE.md "ROI"). Money stays exact (integers of
-- ten-thousandths) until it is printed.
local kam = require "kam"
local N = tonumber(arg[1]) or 3
local as_of = arg[2] or "2026-06-30"
local window = tonumber(arg[3]) or 365
local from = kam.date.add_days(as_of, 1 - window)

local reps = {} -- owner -> list of { id, name, revenue, minutes }, kept sorted, at most N

local function keep(list, item)
	list[#list + 1] = item
	table.sort(list, function(a, b)
		if a.revenue ~= b.revenue then return a.revenue > b.revenue end
		return a.id < b.id
	end)
	if #list > N then list[#list] = nil end
end

db:read(function(tx)
	for id, owner, name in tx:rows("accounts", { "id", "owner", "name" }) do
		if owner then
			local revenue, minutes = 0, 0
			for o in tx:orders(id, { from = from, to = as_of, fields = { "amount" } }) do
				revenue = revenue + o.amount
			end
			for i in tx:interactions(id, { from = from, to = as_of, fields = { "minutes" } }) do
				minutes = minutes + (i.minutes or 0)
			end
			if revenue > 0 then
				reps[owner] = reps[owner] or {}
				keep(reps[owner], { id = id, name = name, revenue = revenue, minutes = minutes })
			end
		end
	end
end)

local owners = {}
for owner in pairs(reps) do owners[#owners + 1] = owner end
table.sort(owners)
local rows = {}
for _, owner in ipairs(owners) do
	for rank, a in ipairs(reps[owner]) do
		local hours = a.minutes / 60
		rows[#rows + 1] = {
			owner = owner,
			rank = rank,
			account_id = a.id,
			name = a.name,
			revenue = kam.money.format(a.revenue),
			hours = string.format("%.1f", hours),
			revenue_per_hour = hours > 0
				and string.format("%.2f", kam.money.tonumber(a.revenue) / hours)
				or "",
		}
	end
end
print(string.format("Top %d accounts per rep, %s to %s", N, from, as_of))
kam.show(rows, { limit = 0, columns = { "owner", "rank", "account_id", "name", "revenue", "hours",
	"revenue_per_hour" } })
