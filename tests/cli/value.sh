#!/bin/sh
# kam value, alerts, portfolio and why's valuation on a small generated book: the csv contract
# (account_id,model,value,recommendation sorted by account_id), value snapshots beside the
# segmentation, per-region value models from the configuration, dry runs, --top, the alerts'
# signals against their own figures, portfolio options, usage errors and exit codes.
. "$(dirname "$0")/lib/common.sh"

DB="$T/db"
D=2026-06-30


load_book 300 5

# ---- kam value: the default model, stored ----
expect_exit 0 K value --as-of $D --format csv
cp "$T/out" "$T/v1.csv"
expect_in "$T/err" "snapshot 1: customer-value"
expect_eq "value header" "$(head -n 1 "$T/v1.csv" | cut -d, -f1-6)" \
	"account_id,model,value,recommendation,region,snapshot"
expect_in "$T/v1.csv" ",p_alive,"
expect_eq "value rows" "$(rows "$T/v1.csv")" 300
tail -n +2 "$T/v1.csv" | cut -d, -f1 >"$T/ids"
LC_ALL=C sort -c "$T/ids" 2>/dev/null && ok || fail "value rows are not sorted by account_id"
expect_eq "value model column" "$(tail -n +2 "$T/v1.csv" | cut -d, -f2 | sort -u)" customer-value
expect_eq "value snapshot column" "$(tail -n +2 "$T/v1.csv" | cut -d, -f6 | sort -u)" 1
expect_eq "every account has a value" "$(tail -n +2 "$T/v1.csv" | awk -F, '$3 == ""' | wc -l | tr -d ' ')" 0
K snapshots --format csv >"$T/snaps"
expect_in "$T/snaps" "1,value,customer-value,"
expect_in "$T/snaps" ",$D,"
# json: one object per line with the same names
expect_exit 0 K value --as-of $D --format json --dry-run
expect_eq "value json lines" "$(wc -l <"$T/out" | tr -d ' ')" 300
expect_in "$T/out" '{"account_id":"A0000001","model":"customer-value","value":'
expect_in "$T/out" '"snapshot":null'
expect_in "$T/err" "dry run, nothing stored"
expect_eq "snapshots after a dry run" "$(snapshot_count)" 1

# a dry run gives what the stored run gave (all but the snapshot column)
expect_exit 0 K value --as-of $D --format csv --dry-run
cut -d, -f1-5 "$T/out" >"$T/dry.cut"
cut -d, -f1-5 "$T/v1.csv" >"$T/v1.cut"
expect_same "$T/dry.cut" "$T/v1.cut"

# --top: the highest values first
expect_exit 0 K value --as-of $D --dry-run --top 5 --format csv
expect_eq "--top rows" "$(rows "$T/out")" 5
tail -n +2 "$T/out" | cut -d, -f3 >"$T/top"
sort -g -r "$T/top" | cmp -s - "$T/top" && ok || fail "--top rows are not by value, highest first"
best=$(tail -n +2 "$T/v1.csv" | cut -d, -f3 | sort -g -r | head -n 1)
expect_eq "--top first value" "$(head -n 1 "$T/top")" "$best"

# ---- why shows the value beside the tier ----
acct=A0000007
expect_exit 0 K why $acct
expect_in "$T/out" "recommend"
expect_in "$T/out" "customer-value"
expect_in "$T/out" "p_alive"
expect_exit 0 K why $acct --format json
expect_in "$T/out" '"valuation":{"model":"customer-value"'
expect_in "$T/out" '"snapshot":1,'
# (not "want": expect_exit uses that name)
value=$(awk -F, -v a=$acct '$1 == a { print $3 }' "$T/v1.csv")
expect_in "$T/out" "\"value\":$value,"
expect_exit 0 K why $acct --format csv
expect_in "$T/out" "account_id,region,tier,score,model,version,snapshot,as_of,factor,value,note,part"
expect_in "$T/out" ",customer-value,1.0.0,1,$D,value,$value,,value"
expect_in "$T/out" ",metric"

# ---- per-region value models from the configuration ----
cat >"$T/kam.conf.lua" <<'EOF'
value = {
  default = { model = "consumables", params = { min_value = 20 } },
  regions = { east = { model = "customer-value",
                       params = { horizon_weeks = 26, bgnbd_r = 0.25, bgnbd_alpha = 4,
                                  bgnbd_a = 0.8, bgnbd_b = 2.4 } } },
}
EOF
expect_exit 0 K value --as-of $D --config "$T/kam.conf.lua" --format csv
cp "$T/out" "$T/v2.csv"
expect_in "$T/err" "snapshot 2: consumables"
expect_in "$T/err" "snapshot 3: customer-value"
expect_eq "east is customer-value" \
	"$(tail -n +2 "$T/v2.csv" | awk -F, '$5 == "east" { print $2 }' | sort -u)" customer-value
expect_eq "the others are consumables" \
	"$(tail -n +2 "$T/v2.csv" | awk -F, '$5 != "east" { print $2 }' | sort -u)" consumables
expect_eq "rows of two runs" "$(rows "$T/v2.csv")" 300
tail -n +2 "$T/v2.csv" | cut -d, -f1 | LC_ALL=C sort -c 2>/dev/null && ok ||
	fail "rows of two runs are not merged in account_id order"
# why follows the region's current valuation
east=$(tail -n +2 "$T/v2.csv" | awk -F, '$5 == "east" { print $1; exit }')
south=$(tail -n +2 "$T/v2.csv" | awk -F, '$5 == "south" { print $1; exit }')
expect_exit 0 K why "$east" --format json
expect_in "$T/out" '"valuation":{"model":"customer-value","version":"1.0.0","snapshot":3'
expect_in "$T/out" '"horizon_weeks":"26"'
expect_exit 0 K why "$south" --format json
expect_in "$T/out" '"valuation":{"model":"consumables","version":"1.0.0","snapshot":2'
# one region with the configured model of another region's choice
expect_exit 0 K value --as-of $D --config "$T/kam.conf.lua" --region east --dry-run --format csv
expect_eq "--region rows" "$(tail -n +2 "$T/out" | cut -d, -f5 | sort -u)" east

# ---- usage and runtime errors ----
expect_exit 2 K value --model abc
expect_in "$T/err" "not a value model"
expect_exit 2 K value --model nothing
expect_in "$T/err" "loaded:"
expect_in "$T/err" "customer-value"
expect_exit 2 K value --param nothing=1
expect_in "$T/err" "has no parameter \"nothing\""
expect_exit 2 K value --param horizon_weeks=soon
expect_exit 2 K value --region nowhere
expect_exit 2 K value --as-of 2026-02-30
expect_exit 2 K value --top 0
expect_exit 2 K value extra
cat >"$T/bad.conf.lua" <<'EOF'
value = { default = { model = "not-loaded" } }
EOF
expect_exit 1 K value --config "$T/bad.conf.lua"
expect_in "$T/err" "value.default"
cat >"$T/shape.conf.lua" <<'EOF'
value = { defaults = { model = "consumables" } }
EOF
expect_exit 1 K value --config "$T/shape.conf.lua"
expect_in "$T/err" "only the keys default and regions"
before=$(snapshot_count)
expect_exit 1 K value --model customer-value --param horizon_weeks=-1
expect_in "$T/err" "customer-value"
expect_eq "a failing model stores nothing" "$(snapshot_count)" "$before"
expect_exit 1 "$KAM" --db "$T/none" value
expect_exit 0 K value --help
expect_in "$T/out" "account_id, model, value, recommendation"

# ---- alerts ----
K segment --as-of $D --quiet 2>/dev/null || fail "segment failed"
K tiers --format csv >"$T/tiers.csv" 2>/dev/null
tier_a=$(tail -n +2 "$T/tiers.csv" | awk -F, '$3 == "A"' | wc -l | tr -d ' ')
# the current valuation of east is customer-value as of D, the other regions' is not
expect_exit 0 K alerts --as-of $D --all --format csv
cp "$T/out" "$T/a1.csv"
expect_eq "alerts header" "$(head -n 1 "$T/a1.csv")" \
	"account_id,tier,owner,region,signals,p_alive,p_alive_snapshot,orders_recent,orders_previous,order_rate_change,revenue_12m,revenue_prev_12m,revenue_change,share_of_wallet,share_of_wallet_prev"
expect_eq "--all lists every tier-A account" "$(rows "$T/a1.csv")" "$tier_a"
expect_eq "only tier A" "$(tail -n +2 "$T/a1.csv" | cut -d, -f2 | sort -u)" A
expect_in "$T/err" "$tier_a tier-A accounts"
# P(alive) of east's accounts comes from snapshot 3, the others' is computed now
expect_eq "east's P(alive) source" \
	"$(tail -n +2 "$T/a1.csv" | awk -F, '$4 == "east" && $6 != "" { print $7 }' | sort -u)" 3
expect_eq "the others' P(alive) source" \
	"$(tail -n +2 "$T/a1.csv" | awk -F, '$4 != "east" && $6 != "" { print $7 }' | sort -u)" ""
# each signal fires exactly when its figure says so (defaults: P(alive) < 0.5, a fall >= 30%)
bad=$(tail -n +2 "$T/a1.csv" | awk -F, '{
	want = ""
	if ($6 != "" && $6 < 0.5) want = want ";p_alive"
	if ($10 != "" && $10 <= -0.3) want = want ";order_rate"
	if ($13 != "" && $13 <= -0.3) want = want ($14 != "" ? ";share_of_wallet" : ";revenue")
	sub(/^;/, "", want)
	if (want != $5) print $1 ": " $5 " vs " want
}' | head -3)
expect_eq "signals agree with the figures" "$bad" ""
# the rows with signals come first, most signals first
tail -n +2 "$T/a1.csv" | awk -F, '{ print ($5 == "" ? 0 : split($5, x, ";")) }' >"$T/nsig"
sort -n -r "$T/nsig" | cmp -s - "$T/nsig" && ok || fail "alerts are not by number of signals"
# without --all: exactly those with a signal
expect_exit 0 K alerts --as-of $D --format csv
expect_eq "alerts without --all" "$(rows "$T/out")" \
	"$(tail -n +2 "$T/a1.csv" | awk -F, '$5 != ""' | wc -l | tr -d ' ')"
# a stored customer-value valuation of every region as of D: P(alive) as stored
expect_exit 0 K value --as-of $D --model customer-value --format csv
cp "$T/out" "$T/v4.csv"
snap=$(tail -n +2 "$T/v4.csv" | cut -d, -f6 | sort -u)
expect_exit 0 K alerts --as-of $D --all --format csv
expect_eq "P(alive) from the new snapshot" \
	"$(tail -n +2 "$T/out" | awk -F, '$6 != "" { print $7 }' | sort -u)" "$snap"
col=$(head -n 1 "$T/v4.csv" | tr , '\n' | grep -n '^p_alive$' | cut -d: -f1)
a=$(tail -n +2 "$T/out" | awk -F, '$6 != "" { print $1; exit }')
expect_eq "P(alive) is the snapshot's" "$(awk -F, -v a="$a" '$1 == a { print $6 }' "$T/out")" \
	"$(awk -F, -v a="$a" -v c="$col" '$1 == a { print $c }' "$T/v4.csv")"
expect_in "$T/err" "0 computed now"
expect_exit 0 K alerts --as-of $D --all --fresh --format csv
expect_in "$T/err" "of 0 from value snapshots"
# thresholds
expect_exit 0 K alerts --as-of $D --p-alive 1 --drop 0 --all --format csv
expect_eq "every account with a P(alive) below 1 fires" \
	"$(tail -n +2 "$T/out" | awk -F, '$6 != "" && $6 < 1 && $5 !~ /p_alive/' | wc -l | tr -d ' ')" 0
expect_exit 2 K alerts --p-alive 2
expect_exit 2 K alerts --drop x
expect_exit 2 K alerts --as-of tomorrow
expect_exit 2 K alerts extra

# ---- portfolio: options and shape ----
expect_exit 0 K portfolio --as-of $D --format csv
expect_eq "portfolio total only" "$(rows "$T/out")" 1
expect_eq "portfolio total accounts" "$(tail -n 1 "$T/out" | cut -d, -f1-3)" "total,,300"
expect_exit 0 K portfolio --as-of $D --by tier --format json
expect_in "$T/out" '{"by":"tier","group":"A","accounts":'
expect_in "$T/out" '{"by":"total","group":null,"accounts":300,'
expect_exit 0 K portfolio --as-of $D --by region
expect_in "$T/out" "top_n_share"
expect_exit 0 K portfolio --as-of $D --receivables --format csv
expect_eq "receivables header" "$(head -n 1 "$T/out")" \
	"account_id,owner,region,tier,receivables,open_orders,oldest_open"
expect_exit 2 K portfolio --by owner
expect_exit 2 K portfolio --top 0
expect_exit 2 K portfolio --window-days 0
expect_exit 2 K portfolio --as-of 2026-13-01
expect_exit 2 K portfolio extra
expect_exit 1 "$KAM" --db "$T/none" portfolio

finish
