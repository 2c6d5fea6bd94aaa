#!/bin/sh
# Differential test of the per-account rollups: `kam rollups --format csv` against the same
# figures computed by SQLite from the same generated CSV files (REFERENCE.md, "Data files").
#
# Money is made exact in SQLite by parsing each amount's text into integer ten-thousandths (no
# binary floating point), summing integers and printing the sums in kam's canonical form
# (shortest exact decimal: 12, 12.5, -0.0001). Dates compare as text: ISO dates sort bytewise, and
# a date-only value sorts before a timed value of the same day, as in kam.
#
# Environment: KAM (the kam binary, required); KAM_DIFF_ACCOUNTS (default 3000) and
# KAM_DIFF_SEED (default 7) choose the generated data.
NAME=diff_rollups_sqlite
. "$(dirname "$0")/lib/sqlite.sh"
ACCOUNTS=${KAM_DIFF_ACCOUNTS:-3000}
SEED=${KAM_DIFF_SEED:-7}

# ---- kam ----
kam_load accounts contacts orders interactions
"$KAM" --db "$DB" rollups --format csv >"$T/kam.csv" 2>"$T/rollups.log" || {
	sed 's/^/  | /' "$T/rollups.log" >&2
	die "kam rollups failed"
}

# ---- SQLite ----
cat >"$T/ref.sql" <<EOF
$(sql_load accounts orders interactions)

-- Every money text (amounts, and the profits that are present) as integer ten-thousandths
-- (lib/sqlite.sh).
CREATE TABLE money_text AS
	SELECT account_id, 'amount' AS k, amount AS t FROM orders
	UNION ALL
	SELECT account_id, 'profit', profit FROM orders WHERE profit <> '';
CREATE TABLE money_parts AS
$(sql_money_parts "account_id, k" money_text);

-- The parse above is only valid for plain decimals with at most four places.
SELECT 'bad money text: ' || t FROM money_parts
	WHERE $SQL_MONEY_BAD
	LIMIT 5;

CREATE TABLE money AS SELECT account_id, k, $SQL_MONEY_VALUE AS v FROM money_parts;

CREATE TABLE ord AS
	SELECT account_id, count(*) AS n, min(date) AS first, max(date) AS last
	FROM orders GROUP BY account_id;
CREATE TABLE mon AS
	SELECT account_id,
	       sum(CASE WHEN k = 'amount' THEN v ELSE 0 END) AS revenue,
	       sum(CASE WHEN k = 'profit' THEN v ELSE 0 END) AS profit
	FROM money GROUP BY account_id;
CREATE TABLE itr AS
	SELECT account_id, count(*) AS n,
	       max(CASE WHEN kind = 'call' AND outcome <> 'no-answer' THEN date END) AS last_call,
	       max(CASE WHEN kind = 'visit' THEN date END) AS last_visit,
	       max(date) AS last_interaction,
	       sum(CASE WHEN minutes <> '' THEN CAST(minutes AS INTEGER) ELSE 0 END) AS minutes
	FROM interactions GROUP BY account_id;

.mode list
.separator ,
.headers off
SELECT 'account_id,order_count,first_order,last_order,revenue,profit,interaction_count,'
       || 'last_call,last_visit,last_interaction,minutes';
SELECT id, n_orders, first_order, last_order,
       $(sql_money_text revenue), $(sql_money_text profit),
       n_interactions, last_call, last_visit, last_interaction, minutes
FROM (SELECT a.id AS id,
	     coalesce(o.n, 0) AS n_orders,
	     coalesce(o.first, '') AS first_order,
	     coalesce(o.last, '') AS last_order,
	     coalesce(m.revenue, 0) AS revenue,
	     coalesce(m.profit, 0) AS profit,
	     coalesce(i.n, 0) AS n_interactions,
	     coalesce(i.last_call, '') AS last_call,
	     coalesce(i.last_visit, '') AS last_visit,
	     coalesce(i.last_interaction, '') AS last_interaction,
	     coalesce(i.minutes, 0) AS minutes
      FROM accounts a
      LEFT JOIN ord o ON o.account_id = a.id
      LEFT JOIN mon m ON m.account_id = a.id
      LEFT JOIN itr i ON i.account_id = a.id)
ORDER BY id;
EOF
sqlite3 <"$T/ref.sql" >"$T/sqlite.csv" 2>"$T/sqlite.log" || {
	sed 's/^/  | /' "$T/sqlite.log" >&2
	die "sqlite3 failed"
}
if grep -q '^bad money text' "$T/sqlite.csv"; then
	grep '^bad money text' "$T/sqlite.csv" >&2
	die "the generated data holds money that the SQL parse does not handle"
fi

# ---- compare ----
header=$(head -n 1 "$T/sqlite.csv")
[ "$(head -n 1 "$T/kam.csv")" = "$header" ] ||
	die "kam rollups header is \"$(head -n 1 "$T/kam.csv")\", expected \"$header\""
tail -n +2 "$T/kam.csv" | LC_ALL=C sort >"$T/kam.sorted"
tail -n +2 "$T/sqlite.csv" | LC_ALL=C sort >"$T/sqlite.sorted"
rows=$(wc -l <"$T/sqlite.sorted")
[ "$rows" -eq "$ACCOUNTS" ] || die "SQLite computed $rows rows for $ACCOUNTS accounts"
if ! cmp -s "$T/kam.sorted" "$T/sqlite.sorted"; then
	echo "diff_rollups_sqlite: kam and SQLite disagree (< kam, > sqlite); first differences:" >&2
	echo "  $header" >&2
	diff "$T/kam.sorted" "$T/sqlite.sorted" | head -20 >&2
	echo "  $(diff "$T/kam.sorted" "$T/sqlite.sorted" | grep -c '^<') kam rows differ" >&2
	exit 1
fi
tail -n +2 "$T/kam.csv" | LC_ALL=C sort -c -t, -k1,1 2>"$T/sort.log" ||
	die "kam rollups rows are not sorted by account_id: $(cat "$T/sort.log")"
echo "diff_rollups_sqlite: $rows accounts agree (seed $SEED)"
