#!/bin/sh
# kam segment, tiers, why and snapshots on a small generated book: storing, dry runs, per-region
# configuration, differences between snapshots, explanations, usage errors and exit codes.
#
# Exit codes (documented in each command's --help): 0 success; 1 runtime error (a model failed,
# a configured model is not loaded, no such account or snapshot); 2 usage error, which includes
# an unknown --model (the message lists the loaded segmentation models), an undeclared --param,
# a value not of the parameter's type and a --region without accounts.
. "$(dirname "$0")/lib/common.sh"

DB="$T/db"

load_book 300 3

# ---- before any segmentation: tiers are computed with abc's defaults, nothing stored ----
expect_exit 0 K snapshots --format csv
expect_eq "snapshots before any segment" "$(snapshot_count)" 0
expect_exit 0 K tiers --format csv
expect_in "$T/err" "no segmentation stored for regions"
expect_in "$T/err" "computed with abc and its defaults"
expect_eq "tiers rows before any segment" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" 300
expect_eq "no snapshot column before any segment" "$(tail -n +2 "$T/out" | cut -d, -f5 | sort -u)" ""

# ---- segment: stored, printed in account id order ----
expect_exit 0 K segment --as-of 2026-06-30 --format csv
cp "$T/out" "$T/seg1.csv"
expect_in "$T/err" "snapshot 1: abc"
expect_eq "segment header" "$(head -n 1 "$T/seg1.csv" | cut -d, -f1-4)" "account_id,region,tier,score"
expect_eq "segment rows" "$(tail -n +2 "$T/seg1.csv" | wc -l | tr -d ' ')" 300
tail -n +2 "$T/seg1.csv" | cut -d, -f1 >"$T/ids"
LC_ALL=C sort -c "$T/ids" 2>/dev/null && ok || fail "segment rows are not sorted by account_id"
expect_eq "segment tiers" "$(tail -n +2 "$T/seg1.csv" | cut -d, -f3 | sort -u | tr -d '\n')" "ABC"
expect_eq "segment snapshot column" "$(tail -n +2 "$T/seg1.csv" | cut -d, -f5 | sort -u)" 1
expect_eq "snapshots after one segment" "$(snapshot_count)" 1
K snapshots --format csv >"$T/snaps"
expect_in "$T/snaps" "1,segmentation,abc,"
expect_in "$T/snaps" ",2026-06-30,"
expect_in "$T/snaps" ",300,"

# tiers now reads the snapshot back: the same tiers and scores
expect_exit 0 K tiers --format csv
cut -d, -f1-5 "$T/out" >"$T/tiers1"
cut -d, -f1-5 "$T/seg1.csv" >"$T/seg1.cut"
expect_same "$T/tiers1" "$T/seg1.cut"
[ -s "$T/err" ] && fail "tiers said something on stderr: $(cat "$T/err")" || ok

# json: one object per line with the same names
expect_exit 0 K tiers --format json
expect_eq "tiers json lines" "$(wc -l <"$T/out" | tr -d ' ')" 300
expect_in "$T/out" '{"account_id":"A0000001","region":'
expect_in "$T/out" '"tier":"'
expect_in "$T/out" '"score":'

# ---- dry run: computes, stores nothing ----
expect_exit 0 K segment --as-of 2025-12-31 --dry-run --format csv
cp "$T/out" "$T/dry.csv"
expect_in "$T/err" "dry run, nothing stored"
expect_eq "snapshots after a dry run" "$(snapshot_count)" 1
expect_eq "dry-run snapshot column" "$(tail -n +2 "$T/dry.csv" | cut -d, -f5 | sort -u)" ""
# the same run stored gives the same tiers
expect_exit 0 K segment --as-of 2025-12-31 --format csv
cut -d, -f1-4 "$T/out" >"$T/seg2.cut"
cut -d, -f1-4 "$T/dry.csv" >"$T/dry.cut"
expect_same "$T/dry.cut" "$T/seg2.cut"
expect_eq "snapshots after the second segment" "$(snapshot_count)" 2

# ---- diff between two snapshots with different parameters ----
expect_exit 0 K segment --as-of 2025-12-31 --param a=0.5 --param b=0.9 --format csv
cp "$T/out" "$T/seg3.csv"
expect_eq "snapshots after the third segment" "$(snapshot_count)" 3
expect_exit 0 K tiers --diff 2 3 --format csv
cp "$T/out" "$T/diff.csv"
expect_eq "diff header" "$(head -n 1 "$T/diff.csv" | cut -d, -f1-4)" "account_id,region,tier_a,tier_b"
expect_in "$T/err" "changed tier"
# the rows are exactly the accounts whose tier differs, counted independently with join
tail -n +2 "$T/seg2.cut" | cut -d, -f1,3 | LC_ALL=C sort >"$T/t2"
tail -n +2 "$T/seg3.csv" | cut -d, -f1,3 | LC_ALL=C sort >"$T/t3"
moved=$(LC_ALL=C join -t, "$T/t2" "$T/t3" | awk -F, '$2 != $3' | wc -l | tr -d ' ')
expect_eq "diff rows" "$(tail -n +2 "$T/diff.csv" | wc -l | tr -d ' ')" "$moved"
[ "$moved" -gt 0 ] && ok || fail "lower thresholds moved no account"
# lower thresholds only move accounts down (A->B, B->C, A->C)
bad=$(tail -n +2 "$T/diff.csv" | awk -F, '!($3 < $4)' | head -3)
expect_eq "diff direction" "$bad" ""
expect_in "$T/err" "300 accounts, $moved changed tier"
# a candidate equal to the current tiers differs nowhere
expect_exit 0 K tiers --diff current --model abc --as-of 2025-12-31 --param a=0.5 --param b=0.9 \
	--format csv
expect_eq "diff current vs same candidate" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" 0
expect_in "$T/err" "0 changed tier"
# against the defaults it differs as between snapshots 3 and 2, in the other direction
expect_exit 0 K tiers --diff current --model abc --as-of 2025-12-31 --format csv
expect_eq "diff current vs defaults" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" "$moved"
expect_exit 0 K tiers --diff 3 current --format csv
expect_eq "diff a snapshot with current" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" 0

# ---- why: the stored factors of the current tier ----
acct=$(tail -n +2 "$T/seg3.csv" | awk -F, '$3 == "A" { print $1; exit }')
expect_exit 0 K why "$acct" --format json
expect_in "$T/out" "\"account_id\":\"$acct\""
expect_in "$T/out" '"tier":"A"'
expect_in "$T/out" '"model":"abc"'
expect_in "$T/out" '"snapshot":3'
expect_in "$T/out" '"as_of":"2025-12-31"'
expect_in "$T/out" '"a":"0.5"'
expect_in "$T/out" '"factors":[{"name":"'
expect_exit 0 K why "$acct"
expect_in "$T/out" "snapshot   3"
expect_in "$T/out" "factor"
expect_exit 0 K why "$acct" --format csv
expect_in "$T/out" "account_id,region,tier,score,model,version,snapshot,as_of,factor,value,note"
expect_exit 1 K why NO-SUCH-ACCOUNT
expect_in "$T/err" 'no account with id "NO-SUCH-ACCOUNT"'

# ---- a failing model stores nothing ----
expect_exit 1 K segment --model abc --param metric=bogus
expect_in "$T/err" "model abc"
expect_eq "snapshots after a failing model" "$(snapshot_count)" 3

# ---- one region ----
expect_exit 0 K segment --region east --as-of 2026-06-30 --format csv
expect_eq "region rows" "$(tail -n +2 "$T/out" | cut -d, -f2 | sort -u)" east
expect_eq "snapshots after a region segment" "$(snapshot_count)" 4
K snapshots --format csv | sed -n 2p >"$T/snap4"
expect_in "$T/snap4" "4,segmentation,abc,"
expect_in "$T/snap4" ",east,"
expect_exit 0 K tiers --region east --format csv
expect_eq "tiers of east come from snapshot 4" "$(tail -n +2 "$T/out" | cut -d, -f5 | sort -u)" 4
expect_exit 0 K tiers --region south --format csv
expect_eq "tiers of south still from snapshot 3" "$(tail -n +2 "$T/out" | cut -d, -f5 | sort -u)" 3

# ---- configuration per region: east uses score; south's entry equals the default ----
cat >"$DB/kam.conf.lua" <<'EOF'
segmentation = {
  default = { model = "abc", params = { window_days = 365 } },
  regions = {
    east = { model = "score" },
    south = { model = "abc" },
  },
}
EOF
expect_exit 0 K segment --as-of 2026-06-30 --format csv
cp "$T/out" "$T/cfg.csv"
expect_eq "snapshots after a configured segment (two runs)" "$(snapshot_count)" 6
K snapshots --format csv >"$T/snaps"
expect_in "$T/snaps" "6,segmentation,score,"
expect_in "$T/snaps" "5,segmentation,abc,"
expect_eq "east from the score run" \
	"$(tail -n +2 "$T/cfg.csv" | awk -F, '$2 == "east"' | cut -d, -f5 | sort -u)" 6
expect_eq "south shares the default run" \
	"$(tail -n +2 "$T/cfg.csv" | awk -F, '$2 == "south"' | cut -d, -f5 | sort -u)" 5
expect_eq "configured rows" "$(tail -n +2 "$T/cfg.csv" | wc -l | tr -d ' ')" 300
tail -n +2 "$T/cfg.csv" | cut -d, -f1 >"$T/ids"
LC_ALL=C sort -c "$T/ids" 2>/dev/null && ok || fail "merged rows are not sorted by account_id"
east=$(tail -n +2 "$T/cfg.csv" | awk -F, '$2 == "east" { print $1; exit }')
expect_exit 0 K why "$east" --format json
expect_in "$T/out" '"model":"score"'
expect_in "$T/out" '"snapshot":6'
# --model overrides the configuration for every region: one run
expect_exit 0 K segment --model abc --as-of 2026-06-30 --quiet
expect_eq "snapshots after --model" "$(snapshot_count)" 7
[ -s "$T/out" ] && fail "--quiet printed tiers" || ok
# a configuration naming a model that is not loaded: runtime error, nothing stored
printf 'segmentation = { regions = { east = { model = "ghost" } } }\n' >"$T/ghost.lua"
expect_exit 1 K segment --config "$T/ghost.lua"
expect_in "$T/err" 'no segmentation model "ghost" is loaded'
expect_eq "snapshots after a bad configuration" "$(snapshot_count)" 7
expect_exit 1 K segment --config "$T/none.lua"
expect_in "$T/err" "$T/none.lua"

# ---- an account added after the last segmentation of its region has no tier yet ----
printf 'id,name,region\nA9999999,Newcomer Ltd,east\n' >"$T/new.csv"
expect_exit 0 K import accounts "$T/new.csv"
expect_exit 0 K tiers --format csv
expect_in "$T/out" "A9999999,east,,,"
expect_in "$T/err" "1 account is not in the current snapshot of its region"
expect_exit 1 K why A9999999
expect_in "$T/err" 'account "A9999999" is not in snapshot 7'
# no tier on either side is no change
expect_exit 0 K tiers --diff 7 current --format csv
expect_in "$T/err" "301 accounts, 0 changed tier"
# a new segmentation gives it one
expect_exit 0 K segment --model abc --region east --dry-run --format csv
expect_in "$T/out" "A9999999,east,C,0,"

# ---- usage errors: exit 2 with a message naming what was wrong ----
expect_exit 2 K segment --model nope
expect_in "$T/err" 'no segmentation model "nope" is loaded (loaded: '
expect_in "$T/err" "abc"
expect_exit 2 K segment --model abc --param zz=1
expect_in "$T/err" 'model abc has no parameter "zz"'
expect_exit 2 K segment --model abc --param a=lots
expect_in "$T/err" "--param a=lots: model abc expects a number"
expect_exit 2 K segment --param novalue
expect_in "$T/err" "expected NAME=VALUE"
expect_exit 2 K segment --as-of 2026-02-30
expect_in "$T/err" "--as-of: expected a date YYYY-MM-DD"
expect_exit 2 K segment --region nowhere --dry-run
expect_in "$T/err" 'no accounts in region "nowhere"'
expect_exit 2 K segment --format xml
expect_exit 2 K segment extra
expect_exit 2 K tiers --diff x 1
expect_in "$T/err" '--diff: expected "current" or a snapshot id'
expect_exit 2 K tiers --diff 1
expect_exit 2 K tiers --model abc
expect_in "$T/err" "go with --diff"
expect_exit 2 K tiers --diff 1 2 --param a=0.5
expect_exit 2 K tiers --diff current --model nope
expect_exit 1 K tiers --diff 1 99
expect_in "$T/err" "no snapshot 99"
expect_exit 2 K why
expect_exit 2 K why a b
expect_exit 2 K snapshots extra
expect_eq "snapshots after usage errors" "$(snapshot_count)" 7

# a value snapshot has no tiers: --diff refuses it instead of listing every account as changed
expect_exit 0 K value --model customer-value --quiet
expect_exit 1 K tiers --diff 7 8
expect_in "$T/err" "snapshot 8 is a value snapshot, not a segmentation"
expect_exit 1 K tiers --diff 8 current
expect_in "$T/err" "snapshot 8 is a value snapshot"
for cmd in segment tiers why snapshots; do
	expect_exit 0 "$KAM" "$cmd" --help
	expect_in "$T/out" "Usage: kam"
done
expect_exit 1 "$KAM" --db "$T/missing" tiers
expect_in "$T/err" "no database at $T/missing"
finish
