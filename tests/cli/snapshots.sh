#!/bin/sh
# kam snapshots --drop / --keep: old snapshots go, in one transaction; those that hold a
# region's current tiers or values always stay; a refusal deletes nothing; the current tiers,
# explanations and the database's own check are the same after.
. "$(dirname "$0")/lib/common.sh"

DB="$T/db"
load_book 200 5
region=$(K export accounts --format csv | awk -F, 'NR > 1 && $3 != "" { print $3; exit }')
acct=$(K export accounts --format csv | awk -F, 'NR == 2 { print $1 }')

K segment --as-of 2026-06-30 --quiet 2>/dev/null || fail "segment 1"      # 1: superseded by 4
K value --as-of 2026-06-30 --quiet 2>/dev/null || fail "value"            # 2: current values
K segment --as-of 2026-05-31 --region "$region" --quiet 2>/dev/null ||
	fail "segment 3"                                                  # 3: superseded by 4
K segment --as-of 2026-04-30 --quiet 2>/dev/null || fail "segment 4"      # 4: current tiers
expect_eq "snapshots stored" "$(snapshot_count)" 4
K tiers --format csv >"$T/tiers.before" || fail "tiers"
K why "$acct" >"$T/why.before" || fail "why"

# ---- refusals: exit 1 (2 for usage), and nothing deleted ----
expect_exit 1 K snapshots --drop 4
expect_in "$T/err" "snapshot 4 holds the current tiers of region"
expect_exit 1 K snapshots --drop 2
expect_in "$T/err" "snapshot 2 holds the current values of region"
expect_exit 1 K snapshots --drop 1,99
expect_in "$T/err" "no snapshot 99"
expect_exit 1 K snapshots --drop 1 --drop 4
expect_eq "snapshots after refusals" "$(snapshot_count)" 4
for bad in "--drop x" "--drop 0" "--drop 1,,2" "--drop 1," "--drop 99999999999999999999" \
	"--drop -1" "--keep -1" "--keep many" \
	"--drop 1 --keep 2" "--dry-run"; do
	# shellcheck disable=SC2086 # the options split on purpose
	expect_exit 2 K snapshots $bad
	expect_in "$T/err" "kam snapshots --help"
done
expect_eq "snapshots after usage errors" "$(snapshot_count)" 4

# ---- --dry-run lists what would go, and changes nothing ----
expect_exit 0 K snapshots --keep 1 --dry-run --format csv
expect_eq "would drop" "$(tail -n +2 "$T/out" | cut -d, -f1 | tr '\n' ' ')" "3 1 "
expect_in "$T/err" "would drop 2 snapshots"
expect_eq "snapshots after a dry run" "$(snapshot_count)" 4

# ---- --drop: listed as dropped, gone from the list and from tiers --diff ----
expect_exit 0 K snapshots --drop 3 --format json
expect_in "$T/out" '"id":3'
expect_in "$T/err" "dropped 1 snapshot"
expect_eq "snapshots after --drop 3" "$(K snapshots --format csv | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "4 2 1 "
expect_exit 1 K tiers --diff 3 4
expect_exit 0 K tiers --diff 1 4

# ---- --keep 0: all that no region uses ----
expect_exit 0 K snapshots --keep 0 --format csv
expect_eq "dropped by --keep 0" "$(tail -n +2 "$T/out" | cut -d, -f1)" 1
expect_eq "snapshots after --keep 0" "$(K snapshots --format csv | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "4 2 "
expect_exit 0 K snapshots --keep 0
expect_in "$T/err" "dropped 0 snapshots"

# ---- what is current is untouched ----
K tiers --format csv >"$T/tiers.after" || fail "tiers after"
expect_same "$T/tiers.before" "$T/tiers.after"
K why "$acct" >"$T/why.after" || fail "why after"
expect_same "$T/why.before" "$T/why.after"
expect_exit 0 K check
expect_exit 0 K value --as-of 2026-06-30 --quiet
expect_in "$T/err" "snapshot 5"

finish
