-- Accounts that missed two cadence cycles.
--
--   kam --db DB run examples/missed_cadence.lua [AS_OF]
--
-- REFERENCE.md's tiered policy calls A accounts every month and visits them every 3 months (B:
-- 3 and 6, C: 6 and 12). An account has missed two cycles of an action when two whole intervals
-- have passed since its last one (rollups: last_call, which ignores no-answer calls, and
-- last_visit): last + 2 x interval <= AS_OF. With no contact at all, the clock starts at the
-- account's `created` date. Tiers are the current ones (the latest stored segmentation of each
-- region, else abc with its defaults).
local kam = require "kam"
local as_of = arg[1] or "2026-06-30"
local every = {
	A = { call = 1, visit = 3 },
	B = { call = 3, visit = 6 },
	C = { call = 6, visit = 12 },
}

local rows = {}
db:read(function(tx)
	local tiers = assert(tx:tiers { as_of = as_of })
	local tier_of = {}
	for _, t in ipairs(tiers) do tier_of[t.account_id] = t.tier end
	for id, last_call, last_visit, created, owner in tx:rows("accounts",
			{ "id", "last_call", "last_visit", "created", "owner" }) do
		local tier = tier_of[id]
		if tier then
			for action, last in pairs { call = last_call, visit = last_visit } do
				local since = last or created
				if since then
					since = since:sub(1, 10) -- a timed contact counts for its day
					local months = every[tier][action]
					local due2 = kam.date.add_months(since, 2 * months)
					if due2 <= as_of then
						-- whole cycles missed since the last contact
						local missed = 2
						while kam.date.add_months(since, (missed + 1) * months) <= as_of do
							missed = missed + 1
						end
						rows[#rows + 1] = {
							account_id = id, tier = tier, action = action,
							last = last or ("never (created " .. since .. ")"),
							cycles_missed = missed,
							overdue_days = kam.date.diff(as_of, kam.date.add_months(since, months)),
							owner = owner or "",
						}
					end
				end
			end
		end
	end
end)
table.sort(rows, function(a, b)
	if a.tier ~= b.tier then return a.tier < b.tier end
	if a.overdue_days ~= b.overdue_days then return a.overdue_days > b.overdue_days end
	if a.account_id ~= b.account_id then return a.account_id < b.account_id end
	return a.action < b.action
end)
print(string.format("%d account actions missed two or more cycles as of %s", #rows, as_of))
kam.show(rows, { limit = 40, columns = { "account_id", "tier", "action", "last", "cycles_missed",
	"overdue_days", "owner" } })
