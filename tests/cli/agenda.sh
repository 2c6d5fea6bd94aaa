#!/bin/sh
# kam agenda, log, playbook, activity and capacity on a small generated book: output formats and
# order, filters, logging an interaction and seeing the agenda change at once, the objection
# follow-up and the playbook, per-rep activity and capacity, configuration, exit codes.
#
# Exit codes (each command's --help): 0 success; 1 runtime error (no database, no such account,
# a configured model that is not loaded); 2 usage error (bad option values, a region without
# accounts, an unknown objection or --model).
. "$(dirname "$0")/lib/common.sh"

DB="$T/db"
D=2026-06-30

load_book 300 3

# ---- before any segmentation: tiers computed with abc, said on stderr ----
expect_exit 0 K agenda --as-of $D --format csv
expect_in "$T/err" "no segmentation stored for regions"
cp "$T/out" "$T/before.csv"
expect_exit 0 K segment --as-of $D --quiet
expect_exit 0 K agenda --as-of $D --format csv
cp "$T/out" "$T/ag.csv"
[ -s "$T/err" ] && fail "agenda said something on stderr: $(cat "$T/err")" || ok
# abc as of the same day gives the same tiers, so the same agenda
expect_same "$T/before.csv" "$T/ag.csv"

# ---- csv: the fixed columns, agenda order ----
expect_eq "csv header" "$(head -n 1 "$T/ag.csv")" \
	"account_id,action,tier,due,overdue_days,owner,last_contact,objection,response,region"
[ "$(rows "$T/ag.csv")" -gt 100 ] && ok || fail "a short agenda: $(rows "$T/ag.csv") rows"
# tier, overdue_days descending, account id, then call < follow-up < visit (bytewise ids)
in_order() {
	tail -n +2 "$1" | cut -d, -f1-5 | awk -F, '{
		t = index("ABC", $3); a = ($2 == "call") ? 0 : ($2 == "follow-up") ? 1 : 2
		printf "%d %012d %s %d\n", t, 999999 - $5, $1, a }' >"$T/keys"
	LC_ALL=C sort -c "$T/keys" 2>/dev/null && ok || fail "agenda rows are not in agenda order ($1)"
}
in_order "$T/ag.csv"
# every due day is on or before the as-of day, and overdue_days = as-of - due
bad=$(tail -n +2 "$T/ag.csv" | cut -d, -f4,5 | while IFS=, read -r due over; do
	[ "$(( ($(date -u -d "$D" +%s) - $(date -u -d "$due" +%s)) / 86400 ))" = "$over" ] || echo "$due,$over"
done | head -3)
expect_eq "overdue_days = as-of - due" "$bad" ""
expect_eq "actions" "$(tail -n +2 "$T/ag.csv" | cut -d, -f2 | sort -u | tr '\n' ' ')" "call follow-up visit "
expect_eq "tiers" "$(tail -n +2 "$T/ag.csv" | cut -d, -f3 | sort -u | tr -d '\n')" "ABC"
# follow-ups carry their objection and the playbook's response
fu=$(grep -m1 ',follow-up,' "$T/ag.csv")
slug=$(echo "$fu" | cut -d, -f8)
[ -n "$slug" ] && ok || fail "a follow-up without objection: $fu"
K playbook "$slug" --format csv >"$T/pb.csv" 2>&1
resp=$(tail -n 1 "$T/pb.csv" | cut -d, -f3-)
resp=${resp%,default}
case "$fu" in *"$resp"*) ok ;; *) fail "follow-up lacks its response: $fu / $resp" ;; esac

# ---- json and table ----
expect_exit 0 K agenda --as-of $D --format json
expect_eq "json lines" "$(wc -l <"$T/out" | tr -d ' ')" "$(rows "$T/ag.csv")"
expect_in "$T/out" '{"account_id":"'
expect_in "$T/out" '"overdue_days":'
expect_in "$T/out" '"action":"follow-up"'
expect_exit 0 K agenda --as-of $D
expect_in "$T/out" "overdue_days"
expect_in "$T/out" "Prepared responses"
expect_in "$T/out" "at most twice"
expect_in "$T/err" "agenda as of $D:"

# ---- filters ----
rep=$(tail -n +2 "$T/ag.csv" | head -1 | cut -d, -f6)
expect_exit 0 K agenda --as-of $D --owner "$rep" --format csv
expect_eq "--owner keeps one rep" "$(tail -n +2 "$T/out" | cut -d, -f6 | sort -u)" "$rep"
expect_eq "--owner rows" "$(rows "$T/out")" "$(tail -n +2 "$T/ag.csv" | awk -F, -v r="$rep" '$6 == r' | wc -l | tr -d ' ')"
expect_exit 0 K agenda --as-of $D --region east --format csv
expect_eq "--region keeps one region" "$(tail -n +2 "$T/out" | awk -F, '{ print $NF }' | sort -u)" "east"
expect_exit 0 K agenda --as-of $D --within 30 --format csv
[ "$(rows "$T/out")" -gt "$(rows "$T/ag.csv")" ] && ok || fail "--within 30 added nothing"
expect_eq "--within: the future is negative" "$(tail -n +2 "$T/out" | cut -d, -f5 | sort -n | head -1 | cut -c1)" "-"
expect_exit 0 K agenda --as-of $D --owner nobody --format csv
expect_eq "an unknown rep has an empty agenda" "$(rows "$T/out")" 0

# ---- log, then the agenda changes at once ----
acct=$(tail -n +2 "$T/ag.csv" | awk -F, '$2 == "call" { print $1; exit }')
tier=$(grep -m1 "^$acct,call," "$T/ag.csv" | cut -d, -f3)
expect_exit 0 K log "$acct" call --outcome connected --minutes 12 --date $D --note "checked stock"
id1=$(cat "$T/out")
expect_in "$T/err" "recorded interaction $id1 (call, $D) for account $acct"
case "$id1" in L[0-9]*-[0-9][0-9][0-9]) ok ;; *) fail "generated id: $id1" ;; esac
expect_exit 0 K get interaction "$id1" --format json
expect_in "$T/out" '"minutes":12'
expect_in "$T/out" '"note":"checked stock"'
K agenda --as-of $D --format csv >"$T/ag2.csv" 2>/dev/null
grep -q "^$acct,call," "$T/ag2.csv" && fail "the logged call is still on the agenda" || ok
expect_eq "one row less" "$(rows "$T/ag2.csv")" "$(($(rows "$T/ag.csv") - 1))"
# the next call falls due one interval later
case $tier in A) m=1 ;; B) m=3 ;; C) m=6 ;; esac
next=$(date -u -d "$D + $m months" +%F)
K agenda --as-of "$next" --format csv 2>/dev/null | grep -q "^$acct,call,$tier,$next,0," && ok ||
	fail "$acct: no call due on $next"
# a first objection: a follow-up 14 days later, with the objection's response
expect_exit 0 K log "$acct" call --objection price-too-high --date $D --minutes 4
id2=$(cat "$T/out")
[ "$id1" != "$id2" ] && ok || fail "two logs got the same id $id1"
fdue=$(date -u -d "$D + 14 days" +%F)
K agenda --as-of "$fdue" --format csv 2>/dev/null >"$T/ag3.csv"
expect_in "$T/ag3.csv" "$acct,follow-up,$tier,$fdue,0,"
expect_in "$T/ag3.csv" ",price-too-high,\"Ask \"\"compared with what?\"\""
K agenda --as-of "$(date -u -d "$D + 13 days" +%F)" --format csv 2>/dev/null |
	grep -q "^$acct,follow-up" && fail "the follow-up is due too early" || ok
# a second objection in a row: no follow-up; call again after the normal interval
expect_exit 0 K log "$acct" call --objection price-too-high --date "$(date -u -d "$D + 1 day" +%F)"
K agenda --as-of "$fdue" --format csv 2>/dev/null | grep -q "^$acct,follow-up" &&
	fail "a second objection still made a follow-up" || ok
# an explicit id replaces (upsert, as an import does)
expect_exit 0 K log "$acct" visit --id "$id2" --date $D --minutes 90
expect_in "$T/err" "replaced interaction $id2 (visit"
expect_exit 0 K agenda --as-of "$fdue" --format csv
grep -q "^$acct,follow-up" "$T/out" && fail "the replaced objection still counts" || ok
grep -q "^$acct,visit," "$T/out" && fail "the logged visit did not move the visit" || ok

# ---- log: validation and exit codes ----
expect_exit 1 K log NO-SUCH-ACCOUNT call
expect_in "$T/err" 'no account "NO-SUCH-ACCOUNT"'
expect_exit 2 K log "$acct" dance
expect_in "$T/err" "KIND: expected one of call, visit, email, meeting, other"
expect_exit 2 K log "$acct" call --minutes -5
expect_in "$T/err" "--minutes: expected a non-negative integer"
expect_exit 2 K log "$acct" call --date 2026-02-30
expect_exit 2 K log "$acct" call --objection too-expensive
expect_exit 2 K log "$acct" call --outcome connected --objection no-budget
expect_in "$T/err" "--objection goes with --outcome objection"
expect_exit 2 K log "$acct"
expect_exit 2 K log "$acct" call extra
before=$(K stats --format csv 2>/dev/null | md5sum)
expect_exit 2 K log "$acct" call --outcome maybe
expect_eq "a refused log writes nothing" "$(K stats --format csv 2>/dev/null | md5sum)" "$before"

# ---- agenda: exit codes ----
expect_exit 2 K agenda --as-of 2026-13-01
expect_exit 2 K agenda --within -3
expect_exit 2 K agenda --within soon
expect_exit 2 K agenda --format xml
expect_exit 2 K agenda extra
expect_exit 2 K agenda --region atlantis
expect_in "$T/err" 'no accounts in region "atlantis"'
expect_exit 1 "$KAM" --db "$T/none" agenda
expect_exit 0 K agenda --help
expect_in "$T/out" "Usage: kam [--db PATH] agenda"

# ---- playbook ----
expect_exit 0 K playbook --format csv
expect_eq "playbook rows" "$(rows "$T/out")" 7
expect_eq "playbook header" "$(head -n 1 "$T/out")" "objection,says,response,source"
expect_eq "playbook slugs" "$(tail -n +2 "$T/out" | cut -d, -f1 | tr '\n' ' ')" \
	"send-materials in-house-supply has-supplier not-decision-maker no-budget price-too-high bad-past-experience "
expect_exit 0 K playbook
expect_in "$T/out" '6. price-too-high: "Your price is too high"'
expect_in "$T/out" "at most twice"
expect_exit 0 K playbook no-budget --format json
expect_eq "one objection" "$(wc -l <"$T/out" | tr -d ' ')" 1
expect_in "$T/out" '"objection":"no-budget","says":"We have no budget"'
expect_exit 2 K playbook too-expensive
expect_in "$T/err" "no objection \"too-expensive\""

# ---- activity ----
expect_exit 0 K activity --as-of $D --format csv
expect_eq "activity header" "$(head -n 1 "$T/out")" \
	"owner,period,from,to,calls_planned,calls_done,no_answer,visits_planned,visits_done,overdue_calls,overdue_visits,minutes"
expect_eq "the ISO week of $D" "$(tail -n +2 "$T/out" | cut -d, -f2-4 | sort -u)" "2026-W27,2026-06-29,2026-07-05"
arow=$(grep "^$rep," "$T/out")
# the three calls logged for $acct ($D, $D + 1) and the visit count for its owner in week 27
owner=$(grep -m1 "^$acct," "$T/ag.csv" | cut -d, -f6)
K activity --as-of "$(date -u -d "$D + 1 day" +%F)" --owner "$owner" --format csv >"$T/act.csv" 2>&1
expect_eq "activity --owner" "$(tail -n +2 "$T/act.csv" | cut -d, -f1)" "$owner"
calls=$(tail -n 1 "$T/act.csv" | cut -d, -f6)
visits=$(tail -n 1 "$T/act.csv" | cut -d, -f9)
# independently: the owner's calls and visits in the week, from the exported interactions
K export interactions >"$T/ix.csv" 2>/dev/null
K list accounts --where "owner=$owner" --format csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sort >"$T/own"
want=$(awk -F, 'NR == FNR { own[$1] = 1; next } own[$2] && substr($3, 1, 10) >= "2026-06-29" && substr($3, 1, 10) <= "2026-07-01" { n[$4]++ }
	END { printf "%d %d", n["call"], n["visit"] }' "$T/own" "$T/ix.csv")
expect_eq "calls and visits done" "$calls $visits" "$want"
[ "${want%% *}" -ge 2 ] && ok || fail "the logged calls are not in the week: $want"
expect_exit 0 K activity --as-of $D --period month --periods 3 --format csv
expect_eq "three months" "$(tail -n +2 "$T/out" | cut -d, -f2 | sort -u | tr '\n' ' ')" "2026-04 2026-05 2026-06 "
expect_eq "month bounds" "$(grep -m1 ',2026-04,' "$T/out" | cut -d, -f3,4)" "2026-04-01,2026-04-30"
expect_exit 0 K activity --as-of 2026-01-01 --period week --format csv
expect_eq "ISO week 1 of 2026" "$(tail -n 1 "$T/out" | cut -d, -f2-4)" "2026-W01,2025-12-29,2026-01-04"
expect_exit 2 K activity --period year
expect_exit 2 K activity --periods 0

# ---- capacity ----
expect_exit 0 K capacity --as-of $D --format csv
cp "$T/out" "$T/cap.csv"
expect_eq "capacity header" "$(head -n 1 "$T/cap.csv")" \
	"owner,accounts,a,b,c,calls_per_week,visits_per_week"
expect_eq "capacity accounts" "$(tail -n +2 "$T/cap.csv" | awk -F, '{ s += $2 } END { print s }')" 300
# per rep: calls a week = (12 A + 4 B + 2 C) / 52, visits = (4 A + 2 B + 1 C) / 52
bad=$(tail -n +2 "$T/cap.csv" | awk -F, '{
	c = sprintf("%.2f", (12 * $3 + 4 * $4 + 2 * $5) / 52); v = sprintf("%.2f", (4 * $3 + 2 * $4 + $5) / 52)
	if (c != $6 || v != $7 || $2 != $3 + $4 + $5) print $0 }' | head -3)
expect_eq "capacity from the tiers" "$bad" ""
tiers=$(K tiers --format csv 2>/dev/null | tail -n +2 | cut -d, -f3 | sort | uniq -c | awk '{ printf "%s %s ", $2, $1 }')
caps=$(tail -n +2 "$T/cap.csv" | awk -F, '{ a += $3; b += $4; c += $5 } END { printf "A %d B %d C %d ", a, b, c }')
expect_eq "capacity tiers = kam tiers" "$caps" "$tiers"
expect_exit 0 K capacity --as-of $D --model abc --param a=0.5 --param b=0.9 --format csv
expect_eq "candidate header" "$(head -n 1 "$T/out")" \
	"owner,accounts,a,b,c,calls_per_week,visits_per_week,cand_a,cand_b,cand_c,cand_calls_per_week,cand_visits_per_week"
expect_eq "current side unchanged" "$(tail -n +2 "$T/out" | cut -d, -f1-7)" "$(tail -n +2 "$T/cap.csv")"
cand_a=$(tail -n +2 "$T/out" | awk -F, '{ s += $8 } END { print s }')
cur_a=$(tail -n +2 "$T/cap.csv" | awk -F, '{ s += $3 } END { print s }')
[ "$cand_a" -lt "$cur_a" ] && ok || fail "a=0.5 should make fewer A accounts ($cand_a vs $cur_a)"
expect_in "$T/err" "candidate (A $cand_a,"
expect_eq "capacity stores nothing" "$(K snapshots --format csv | tail -n +2 | wc -l | tr -d ' ')" 1
expect_exit 2 K capacity --model nosuch
expect_in "$T/err" "no segmentation model \"nosuch\""
expect_exit 2 K capacity --param a=1
expect_exit 2 K capacity --model abc --param nope=1

# ---- configuration: cadence per region, playbook ----
cat >"$DB/kam.conf.lua" <<'EOF'
cadence = {
  default = { model = "tiered", params = { call_a = 2, call_b = 6, call_c = 12 } },
}
playbook = { ["price-too-high"] = "Our own words on price." }
EOF
expect_exit 0 K capacity --as-of $D --format csv
bad=$(tail -n +2 "$T/out" | awk -F, '{ c = sprintf("%.2f", (6 * $3 + 2 * $4 + 1 * $5) / 52); if (c != $6) print }' | head -2)
expect_eq "configured intervals" "$bad" ""
expect_exit 0 K playbook price-too-high --format csv
expect_in "$T/out" "price-too-high,Your price is too high,Our own words on price.,config"
K agenda --as-of "$fdue" --format csv >"$T/out" 2>/dev/null
grep ',follow-up,' "$T/out" | grep ',price-too-high,' | head -1 | grep -q 'Our own words on price.' && ok ||
	{ grep -q ',price-too-high,' "$T/out" && fail "the agenda ignores the configured response" || ok; }
echo 'cadence = { default = { model = "weekly" } }' >"$DB/kam.conf.lua"
expect_exit 1 K agenda --as-of $D
expect_in "$T/err" 'no cadence model "weekly" is loaded (loaded: tiered'
echo 'cadence = { regions = { east = { model = "abc" } } }' >"$DB/kam.conf.lua"
expect_exit 1 K agenda --as-of $D
expect_in "$T/err" 'cadence.regions["east"]: "abc" is a segmentation model, not a cadence model'
echo 'cadence = { default = { model = "tiered", params = { call_x = 1 } } }' >"$DB/kam.conf.lua"
expect_exit 1 K agenda --as-of $D
expect_in "$T/err" "cadence.default: parameter call_x: model tiered has no such parameter"
echo 'cadence = { default = { model = "tiered", params = { call_a = 0 } } }' >"$DB/kam.conf.lua"
expect_exit 1 K agenda --as-of $D
expect_in "$T/err" "call_a"
echo 'cadence = { holidays = { north = { "2026-02-30" } } }' >"$DB/kam.conf.lua"
expect_exit 1 K agenda --as-of $D
expect_in "$T/err" 'cadence.holidays["north"][1]: expected a day'
rm -f "$DB/kam.conf.lua"

# ---- accounts added since the segmentation ----
printf 'id,name,region,owner,created\nNEW-1,New one,east,rep01,2026-06-01\nNEW-2,New two,mars,rep01,2026-06-02\n' >"$T/new.csv"
K import accounts "$T/new.csv" >/dev/null 2>&1 || fail "import of new accounts failed"
expect_exit 0 K agenda --as-of $D --format csv
# a new region has no snapshot: its tiers are computed with abc now (C without revenue)
expect_in "$T/err" "no segmentation stored for region mars"
expect_in "$T/out" "NEW-2,call,C,2026-06-02,28,rep01,"
# a new account of a segmented region is in no snapshot: no tier, no action, said on stderr
expect_in "$T/err" "1 account has no tier"
grep -q "^NEW-1," "$T/out" && fail "an account without a tier got actions" || ok
expect_exit 0 K agenda --as-of $D --region east --format csv
expect_in "$T/err" "1 account has no tier"

# ---- an account due for 125 years: the overdue days span too wide a range to count ----
printf 'id,name,region,owner,created\nOLD-1,Old one,mars,rep01,1901-01-01\n' >"$T/old.csv"
K import accounts "$T/old.csv" >/dev/null 2>&1 || fail "import of an old account failed"
expect_exit 0 K agenda --as-of $D --format csv
expect_in "$T/out" "OLD-1,call,C,1901-01-01,45836,rep01,,,,mars"
expect_in "$T/out" "OLD-1,visit,C,1901-01-01,45836,rep01,,,,mars"
cp "$T/out" "$T/old-ag.csv"
in_order "$T/old-ag.csv"
expect_eq "the old account first among the C rows" \
	"$(grep -m1 ',C,' "$T/old-ag.csv" | cut -d, -f1,2)" "OLD-1,call"

# ---- a book long enough for the helper threads: the same list with and without them (the
# model run's: loading, filter on the loading helper, read-ahead; the agenda's own) ----
BIG="$T/big"
"$KAM" gen "$BIG/data" --accounts 60000 --seed 2 >/dev/null 2>&1 || fail "gen of 60000 accounts failed"
"$KAM" --db "$BIG/db" init >/dev/null || fail "init failed"
for kind in accounts orders interactions; do
	"$KAM" --db "$BIG/db" import "$kind" "$BIG/data/$kind.csv" >/dev/null 2>&1 || fail "import $kind failed"
done
"$KAM" --db "$BIG/db" segment --as-of $D --quiet >/dev/null 2>&1 || fail "segment failed"
# one run, then four (regions with their own parameters or holidays)
for conf in '' 'cadence = { regions = { east = { model = "tiered", params = { call_a = 2 } },
	north = { model = "tiered", params = { working_days = true } } },
	holidays = { south = { "2026-06-15" } } }'; do
	printf '%s\n' "$conf" >"$BIG/db/kam.conf.lua"
	KAM_RUN_THREADS=0 KAM_AGENDA_THREADS=0 "$KAM" --db "$BIG/db" agenda --as-of $D --format csv \
		>"$T/one.csv" 2>&1 ||
		fail "agenda without threads failed: $(head -3 "$T/one.csv")"
	"$KAM" --db "$BIG/db" agenda --as-of $D --format csv >"$T/two.csv" 2>&1 || fail "agenda failed"
	[ "$(rows "$T/two.csv")" -gt 65536 ] && ok || fail "too short for the threads: $(rows "$T/two.csv") rows"
	cmp -s "$T/one.csv" "$T/two.csv" && ok || fail "threads changed the agenda ($conf)"
	in_order "$T/two.csv"
done
# the same for one rep: the filter keeps a few accounts, on the loading helper
KAM_RUN_THREADS=0 "$KAM" --db "$BIG/db" agenda --as-of $D --owner rep03 --format csv >"$T/one.csv" ||
	fail "agenda --owner without threads failed"
"$KAM" --db "$BIG/db" agenda --as-of $D --owner rep03 --format csv >"$T/two.csv" || fail "agenda --owner failed"
[ "$(rows "$T/two.csv")" -gt 100 ] && ok || fail "rep03 has too few rows: $(rows "$T/two.csv")"
expect_same "$T/one.csv" "$T/two.csv"
# and the segmentation of the same book: loading from both ends, orders read ahead, factors
for model in abc rfm score; do
	KAM_RUN_THREADS=0 "$KAM" --db "$BIG/db" segment --model $model --as-of $D --dry-run \
		--format csv >"$T/one.csv" 2>/dev/null || fail "segment --model $model without threads failed"
	"$KAM" --db "$BIG/db" segment --model $model --as-of $D --dry-run --format csv >"$T/two.csv" \
		2>/dev/null || fail "segment --model $model failed"
	expect_same "$T/one.csv" "$T/two.csv"
done

finish
