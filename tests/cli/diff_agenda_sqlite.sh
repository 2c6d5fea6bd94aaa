#!/bin/sh
# Differential test of the agenda (REFERENCE.md, "Cadence policy tiered"): `kam agenda --format
# csv` against the same list computed by SQLite from the same generated CSV files, row for row
# and in the same order, for several as-of days, with the default policy and with a
# configuration (other intervals and follow-up days per region, working days, holidays).
#
# SQLite side, exactly:
#   - tiers: `kam tiers --format csv` after `kam segment`, imported as a table;
#   - the interactions of an account with day <= D ordered by date (its text: a date-only value
#     sorts before a timed one of the same day) then id (BINARY: bytewise);
#   - last call: the latest call whose outcome is not no-answer; last visit: the latest visit;
#   - the objection run: the counted calls numbered from the latest (rn 1, 2, ...); its length
#     is the first rn whose outcome is not objection, minus 1 (all of them when there is none);
#     a run of exactly 1 makes a follow-up due followup_days after that call, with its objection;
#   - next due: last + N calendar months with the day clamped to the target month's last day,
#     written with date(): min(start of month + N months + (day - 1) days, start of month +
#     (N + 1) months - 1 day); no contact: the account's created day, else D;
#   - working days: the first day >= due that is neither a Saturday, a Sunday nor a holiday of
#     "*" or of the account's region (a calendar table);
#   - kept when due <= D (+ --within); overdue_days = D - due; ordered by tier (A, B, C),
#     overdue_days descending, account id, then call, follow-up, visit.
# Hand-made accounts pin the edges: month ends and a leap day, ties on one date ordered by id,
# a timed and a date-only call on one day, no-answer calls inside an objection run, runs of 1,
# 2 and 3, an account without contact or created day.
#
# Environment: KAM (the kam binary, required); KAM_DIFF_ACCOUNTS (default 3000) and
# KAM_DIFF_SEED (default 5) choose the generated data.
NAME=diff_agenda_sqlite
. "$(dirname "$0")/lib/sqlite.sh"
ACCOUNTS=${KAM_DIFF_ACCOUNTS:-3000}
SEED=${KAM_DIFF_SEED:-5}
AS_OFS="2026-06-30 2025-12-31 2024-03-31"
SDB="$T/ref.sqlite"

# ---- data: generated, plus hand-made edges ----
X="$T/extra"
mkdir -p "$X"
cat >"$X/accounts.csv" <<'EOF'
id,name,region,owner,created
E-1,Edge one,edge,rep-e,2020-01-31
E-2,Edge two,edge,rep-e,2020-01-31
E-3,Edge three,edge,rep-e,2020-01-31
E-4,Edge four,edge,rep-e,2020-01-31
E-5,Edge five,edge,,
E-6,Edge six,edge,rep-e,2020-01-31
E-7,Edge seven,edge,rep-e,2026-06-27
Z-A,Edge A,edge-a,rep-e,2019-12-31
EOF
cat >"$X/orders.csv" <<'EOF'
id,account_id,date,amount
ZO-1,Z-A,2026-06-01,1000
ZO-2,Z-A,2025-12-01,1000
ZO-3,Z-A,2024-03-01,1000
EOF
cat >"$X/interactions.csv" <<'EOF'
id,account_id,date,kind,minutes,outcome,objection
E1-1,E-1,2025-08-31,call,5,connected,
E1-2,E-1,2025-02-28,visit,60,,
E1-3,E-1,2023-08-31,call,5,,
E2-10,E-2,2026-03-15,call,5,objection,price-too-high
E2-9,E-2,2026-03-15,call,5,connected,
E2-a,E-2,2025-08-29,call,5,objection,no-budget
E3-1,E-3,2026-04-01,call,5,objection,no-budget
E3-2,E-3,2026-04-02,call,0,no-answer,
E3-3,E-3,2026-04-03,call,5,objection,no-budget
E3-4,E-3,2026-04-04,call,5,objection,has-supplier
E3-5,E-3,2025-12-20,call,5,objection,send-materials
E4-1,E-4,2026-06-20,call,5,objection,bad-past-experience
E4-2,E-4,2026-06-25,call,0,no-answer,
E6-z,E-6,2026-05-05,call,5,objection,in-house-supply
E6-b,E-6,2026-05-05T09:00:00,call,5,connected,
E6-c,E-6,2025-11-30T16:00:00,call,5,objection,not-decision-maker
ZA-1,Z-A,2024-01-31,call,5,connected,
ZA-2,Z-A,2023-11-30,visit,60,,
ZA-3,Z-A,2026-05-31,call,5,connected,
ZA-4,Z-A,2025-10-31,call,5,objection,
EOF
kam_load accounts orders interactions
run "$T/segment.log" "$KAM" --db "$DB" segment --as-of 2026-06-30 --quiet
"$KAM" --db "$DB" tiers --format csv >"$T/tiers.csv" 2>"$T/tiers.err" || die "kam tiers failed"

cat >"$T/load.sql" <<EOF
$(sql_load accounts interactions)
.import "$T/tiers.csv" tiers
CREATE TABLE ix AS
	SELECT id, account_id, date, substr(date, 1, 10) AS day, kind, outcome, objection
	FROM interactions WHERE kind IN ('call', 'visit');
CREATE INDEX ix_acc ON ix(account_id, kind, date, id);
-- every day from 2010 to 2031 with its weekday (0 = Sunday, 6 = Saturday)
CREATE TABLE cal(day TEXT PRIMARY KEY, wd INTEGER);
WITH RECURSIVE d(x) AS (SELECT '2010-01-01' UNION ALL SELECT date(x, '+1 day') FROM d
			WHERE x < '2031-12-31')
INSERT INTO cal SELECT x, CAST(strftime('%w', x) AS INTEGER) FROM d;
-- the policy per region: '*' for the regions not listed (scenario 1: the defaults)
CREATE TABLE pol(region TEXT PRIMARY KEY, working INTEGER, fu INTEGER, ca INTEGER, va INTEGER,
		 cb INTEGER, vb INTEGER, cc INTEGER, vc INTEGER);
INSERT INTO pol VALUES ('*', 0, 14, 1, 3, 3, 6, 6, 12);
CREATE TABLE hol(region TEXT, day TEXT);
EOF
sqlite3 "$SDB" <"$T/load.sql" >"$T/load.out" 2>&1 || {
	sed 's/^/  | /' "$T/load.out" >&2
	die "sqlite3 failed to load the data"
}
[ "$(sqlite3 "$SDB" "SELECT count(*) FROM tiers WHERE tier NOT IN ('A','B','C')")" = 0 ] ||
	die "some accounts have no tier"

# addm DAY MONTHS: DAY + MONTHS calendar months, the day clamped to the month's last day.
addm() {
	echo "min(date($1, 'start of month', '+' || ($2) || ' months', '+' || (CAST(strftime('%d', $1) AS INTEGER) - 1) || ' days'), date($1, 'start of month', '+' || ($2 + 1) || ' months', '-1 day'))"
}
# work DUE: the first working day >= DUE of the account's region (p.working = 0: DUE itself).
work() {
	echo "CASE WHEN p.working = 0 THEN $1 ELSE (SELECT min(c.day) FROM cal c WHERE c.day >= $1 AND c.wd NOT IN (0, 6) AND c.day NOT IN (SELECT h.day FROM hol h WHERE h.region IN ('*', a.region))) END"
}

# agenda_sql D UNTIL [OWNER]: the reference agenda as account_id,action,tier,due,overdue_days,
# owner,last_contact,objection.
agenda_sql() {
	owner_filter=
	[ -n "${3:-}" ] && owner_filter="AND a.owner = '$3'"
	cat <<EOF
.mode list
.separator ,
.headers off
WITH calls AS (
	SELECT account_id, day, outcome, objection,
	       row_number() OVER (PARTITION BY account_id ORDER BY date DESC, id DESC) AS rn
	FROM ix WHERE kind = 'call' AND outcome <> 'no-answer' AND day <= '$1'
), lastcall AS (
	SELECT account_id, day, objection FROM calls WHERE rn = 1
), runs AS (
	SELECT account_id,
	       coalesce(min(CASE WHEN outcome <> 'objection' THEN rn END) - 1, count(*)) AS len
	FROM calls GROUP BY account_id
), lastvisit AS (
	SELECT account_id, max(day) AS day FROM ix WHERE kind = 'visit' AND day <= '$1'
	GROUP BY account_id
), acc AS (
	SELECT a.id, a.owner, a.region, t.tier,
	       coalesce(nullif(substr(a.created, 1, 10), ''), '$1') AS none,
	       coalesce(pr.region, '*') AS pregion
	FROM accounts a JOIN tiers t ON t.account_id = a.id
	LEFT JOIN pol pr ON pr.region = a.region
	WHERE 1 $owner_filter
), pacc AS (
	SELECT acc.*, p.working, p.fu,
	       CASE tier WHEN 'A' THEN p.ca WHEN 'B' THEN p.cb ELSE p.cc END AS cm,
	       CASE tier WHEN 'A' THEN p.va WHEN 'B' THEN p.vb ELSE p.vc END AS vm
	FROM acc JOIN pol p ON p.region = acc.pregion
), raw AS (
	SELECT a.id, a.owner, a.region, a.tier, a.working, a.pregion,
	       CASE WHEN r.len = 1 THEN 'follow-up' ELSE 'call' END AS action,
	       CASE WHEN r.len = 1 THEN date(lc.day, '+' || a.fu || ' days')
		    WHEN lc.day IS NULL THEN a.none
		    ELSE $(addm lc.day a.cm) END AS due0,
	       coalesce(lc.day, '') AS last,
	       CASE WHEN r.len = 1 THEN lc.objection ELSE '' END AS objection
	FROM pacc a LEFT JOIN lastcall lc ON lc.account_id = a.id
	LEFT JOIN runs r ON r.account_id = a.id
	UNION ALL
	SELECT a.id, a.owner, a.region, a.tier, a.working, a.pregion, 'visit',
	       CASE WHEN lv.day IS NULL THEN a.none ELSE $(addm lv.day a.vm) END,
	       coalesce(lv.day, ''), ''
	FROM pacc a LEFT JOIN lastvisit lv ON lv.account_id = a.id
), due AS (
	SELECT a.*, $(work a.due0) AS due FROM raw a JOIN pol p ON p.region = a.pregion
)
SELECT id, action, tier, due, CAST(julianday('$1') - julianday(due) AS INTEGER) AS overdue,
       owner, last, objection
FROM due WHERE due <= '$2'
ORDER BY CASE tier WHEN 'A' THEN 0 WHEN 'B' THEN 1 ELSE 2 END, overdue DESC, id,
	 CASE action WHEN 'call' THEN 0 WHEN 'follow-up' THEN 1 ELSE 2 END;
EOF
}

checks=0
# compare WHAT D UNTIL [KAM OPTIONS...]: kam's agenda (first 8 columns) against SQLite's.
compare() {
	what=$1 day=$2 until=$3
	shift 3
	owner=
	case "$*" in *--owner*) owner=$(echo "$*" | sed 's/.*--owner \([^ ]*\).*/\1/') ;; esac
	"$KAM" --db "$DB" agenda --as-of "$day" --format csv "$@" >"$T/kam.csv" 2>"$T/kam.err" || {
		sed 's/^/  | /' "$T/kam.err" >&2
		die "kam agenda failed ($what)"
	}
	[ "$(head -n 1 "$T/kam.csv" | cut -d, -f1-6)" = "account_id,action,tier,due,overdue_days,owner" ] ||
		die "kam agenda's csv header is \"$(head -n 1 "$T/kam.csv")\""
	tail -n +2 "$T/kam.csv" | cut -d, -f1-8 >"$T/kam.rows"
	agenda_sql "$day" "$until" "$owner" | sqlite3 "$SDB" >"$T/sql.rows" 2>"$T/sql.err" || {
		sed 's/^/  | /' "$T/sql.err" >&2
		die "sqlite3 failed ($what)"
	}
	tr -d '\r' <"$T/sql.rows" >"$T/sql.rows2"
	if ! cmp -s "$T/kam.rows" "$T/sql.rows2"; then
		echo "diff_agenda_sqlite: kam and SQLite disagree ($what); first differences" \
			"(< kam, > sqlite):" >&2
		diff "$T/kam.rows" "$T/sql.rows2" | head -20 >&2
		exit 1
	fi
	rows=$(wc -l <"$T/kam.rows")
	[ "$rows" -gt 0 ] || die "an empty agenda ($what): a weak check"
	for a in call visit follow-up; do
		grep -q ",$a," "$T/kam.rows" || die "no $a on the agenda ($what): a weak check"
	done
	checks=$((checks + 1))
	echo "  $what: $rows rows agree"
}

# expect_row WHAT LINE-PREFIX: the edges are what REFERENCE.md says, not merely what both say.
expect_row() {
	grep -q "^$2" "$T/kam.rows" || die "$1: no row \"$2\" in kam's agenda"
}

echo "diff_agenda_sqlite: $ACCOUNTS accounts (seed $SEED), default policy"
for d in $AS_OFS; do
	compare "as of $d" "$d" "$d"
	case $d in
	2026-06-30)
		# Aug 31 + 6 months (C) = Feb 28; a connected call after an objection: no follow-up
		expect_row "month end" "E-1,call,C,2026-02-28,122,rep-e,2025-08-31,"
		# I2-9 sorts after I2-10 on the same day: the latest call was answered, not due
		grep -q "^E-2,\(call\|follow-up\)," "$T/kam.rows" && die "E-2: the later (by id) connected call was ignored"
		grep -q "^E-4,\(call\|follow-up\)," "$T/kam.rows" && die "E-4's follow-up is not due yet"
		expect_row "no contact, no created" "E-5,call,C,2026-06-30,0,,,"
		expect_row "visit of a C account" "E-1,visit,C,2026-02-28,122,rep-e,2025-02-28,"
		;;
	2024-03-31)
		# Jan 31 + 1 month (A, leap year) = Feb 29; Nov 30 + 3 months = Feb 29
		expect_row "leap day call" "Z-A,call,A,2024-02-29,31,rep-e,2024-01-31,"
		expect_row "leap day visit" "Z-A,visit,A,2024-02-29,31,rep-e,2023-11-30,"
		;;
	esac
done
# a run of 1 ending in a no-answer call is still a follow-up; E-3 (run of 2, then 3) is not
compare "as of 2026-07-10" 2026-07-10 2026-07-10
expect_row "follow-up after a no-answer" "E-4,follow-up,C,2026-07-04,6,rep-e,2026-06-20,bad-past-experience"
grep -q "^E-3,follow-up" "$T/kam.rows" && die "E-3: a run of 3 made a follow-up"
compare "as of 2026-06-30 within 45 days" 2026-06-30 2026-08-14 --within 45
compare "as of 2026-06-30, one rep" 2026-06-30 2026-06-30 --owner rep07
compare "as of 2025-12-31 within 10 days, one rep" 2025-12-31 2026-01-10 --within 10 --owner rep-e

# ---- scenario 2: a configuration with other intervals, working days and holidays ----
cat >"$DB/kam.conf.lua" <<'EOF'
cadence = {
  default = { model = "tiered", params = { working_days = true, followup_days = 10, call_b = 2,
                                           visit_c = 9 } },
  regions = {
    east = { model = "tiered", params = { call_a = 2 } },
    edge = { model = "tiered", params = { working_days = true, call_c = 5 } },
  },
  holidays = {
    ["*"] = { "2026-05-01", "2026-06-01", "2025-12-25", "2025-12-26", "2026-01-01", "2024-02-29" },
    north = { "2026-06-15", "2026-06-16", "2026-06-17" },
    edge = { "2026-03-02" },
  },
}
EOF
sqlite3 "$SDB" <<'EOF' || die "sqlite3 failed to set the policy"
DELETE FROM pol;
INSERT INTO pol VALUES ('*', 1, 10, 1, 3, 2, 6, 6, 9), ('east', 0, 14, 2, 3, 3, 6, 6, 12),
		       ('edge', 1, 14, 1, 3, 3, 6, 5, 12);
INSERT INTO hol VALUES ('*', '2026-05-01'), ('*', '2026-06-01'), ('*', '2025-12-25'),
		       ('*', '2025-12-26'), ('*', '2026-01-01'), ('*', '2024-02-29'),
		       ('north', '2026-06-15'), ('north', '2026-06-16'), ('north', '2026-06-17'),
		       ('edge', '2026-03-02');
EOF
echo "diff_agenda_sqlite: with kam.conf.lua (intervals, follow-up days, working days, holidays)"
for d in $AS_OFS; do
	compare "as of $d, configured" "$d" "$d"
done
compare "as of 2026-06-30 within 30 days, configured" 2026-06-30 2026-07-30 --within 30
# edge: Aug 31 + 5 months = Jan 31 2026 (a Saturday): Monday Feb 2
expect_row "working day after a month end" "E-1,call,C,2026-02-02,"
echo "diff_agenda_sqlite: $checks agendas agree with SQLite"
