#!/bin/sh
# The scripts of examples/ on generated data: each runs and prints what it promises.
. "$KAM_TESTS/cli/lib/common.sh"
EX="$KAM_TESTS/../examples"
DB="$T/db"
"$KAM" gen "$T/data" --accounts 200 --quiet || fail "gen"
"$KAM" --db "$DB" init >/dev/null || fail "init"
for k in accounts contacts orders interactions; do
	"$KAM" --db "$DB" import "$k" "$T/data/$k.csv" --quiet || fail "import $k"
done

expect_exit 0 "$KAM" --db "$DB" run "$EX/top_accounts_per_rep.lua" 2 2026-06-30 365
expect_in "$T/out" "owner  rank  account_id"
expect_in "$T/out" "rep01     1"
# every rep listed has at most 2 accounts
if awk 'NR > 2 && $2 > 2 { bad = 1 } END { exit bad }' "$T/out"; then ok; else fail "more than N per rep"; fi

expect_exit 0 "$KAM" --db "$DB" run "$EX/missed_cadence.lua" 2026-06-30
expect_in "$T/out" "missed two or more cycles as of 2026-06-30"
expect_in "$T/out" "account_id  tier  action"

expect_exit 0 "$KAM" --db "$DB" run "$EX/import_shop_export.lua" "$EX/data/shop_export.csv"
expect_in "$T/out" "3 accounts (3 new), 5 orders"
expect_in "$T/err" "customer SHOP-C2 differs"
expect_exit 0 "$KAM" --db "$DB" -e 'db:get("order", "SHOP-10001").amount, db:get("account", "SHOP-C1").region'
expect_in "$T/out" "13344000"
expect_in "$T/out" "north"
# a bad line aborts the whole file
sed 's/05.01.2026/2026-01-05/' "$EX/data/shop_export.csv" | sed 's/^10001/20001/; s/SHOP-C1/SHOP-X1/' >"$T/bad.csv"
expect_exit 1 "$KAM" --db "$DB" run "$EX/import_shop_export.lua" "$T/bad.csv"
expect_in "$T/err" "expected a date DD.MM.YYYY"
expect_exit 0 "$KAM" --db "$DB" -e 'assert(db:get("account", "SHOP-X1") == nil)'

expect_exit 0 "$KAM" --db "$DB" run "$EX/segment_north.lua" "$EX/kam.conf.lua" 2026-06-30
expect_in "$T/out" "north_recency"
expect_in "$T/out" "north (north_recency): A"
# the region's current tiers now come from the Lua model's snapshot
expect_exit 0 "$KAM" --db "$DB" -e '
local n = 0
db:read(function(tx)
	local snaps = {}
	for _, t in ipairs(assert(tx:tiers { region = "north" })) do snaps[t.snapshot] = true; n = n + 1 end
	assert(next(snaps) and not next(snaps, next(snaps)), "one snapshot for north")
end)
return n > 0'
expect_in "$T/out" "true"
finish
