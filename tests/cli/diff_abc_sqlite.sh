#!/bin/sh
# Differential test of the abc segmentation model (REFERENCE.md, "Segmentation model abc"):
# `kam segment --model abc --dry-run --format csv` against the same tiers computed by SQLite's
# window functions from the same generated CSV files, for several as-of days, windows and
# thresholds. Every account's tier must be identical.
#
# SQLite side, exactly:
#   - amounts are parsed from their text into integer ten-thousandths (no binary floating point);
#   - metric = SUM of the amounts with as_of - window_days < day <= as_of (the day is the date
#     part of the order's date), 0 for an account without such orders;
#   - per region (the empty region is a partition of its own), rank by metric DESC, id ASC
#     (BINARY collation: bytewise); cum_prev = SUM over the rows ranked before; total = SUM over
#     the partition;
#   - A if metric > 0 and cum_prev * 100 < A% * total, else B likewise with B%, else C; the
#     thresholds are whole percentages here, so the comparison is exact in integers.
# A few hand-made accounts pin the edges (a cum_prev exactly at a threshold, equal metrics,
# negative metrics, an order date with a time of day) to their expected tiers.
#
# Environment: KAM (the kam binary, required); KAM_DIFF_ACCOUNTS (default 4000) and
# KAM_DIFF_SEED (default 11) choose the generated data.
NAME=diff_abc_sqlite
. "$(dirname "$0")/lib/sqlite.sh"
ACCOUNTS=${KAM_DIFF_ACCOUNTS:-4000}
SEED=${KAM_DIFF_SEED:-11}
AS_OFS="2026-06-30 2025-12-31 2024-07-15"
WINDOWS="365 90"
THRESHOLDS="80:95 50:90" # a% : b%
SDB="$T/ref.sqlite"

# ---- data, into kam and into SQLite ----
# Hand-made accounts for the exact edges that random data rarely hits: in region "tie", a
# cum_prev exactly at a threshold (80% and 90% of the total) and two equal metrics ordered by
# id; in region "neg", a negative metric. Every account has one order on each as-of day (one
# of them with a time of day), in the same proportions, so every window keeps the edges.
X="$T/extra"
mkdir -p "$X"
printf 'id,name,region\nZ-tie-1,Tie one,tie\nZ-tie-3,Tie three,tie\nZ-tie-4,Tie four,tie\n' >"$X/accounts.csv"
printf 'Z-tie-2,Tie two,tie\nZ-neg-1,Neg one,neg\nZ-neg-2,Neg two,neg\n' >>"$X/accounts.csv"
{
	echo "id,account_id,date,amount"
	n=0
	for day in $AS_OFS; do
		for pair in "Z-tie-1 80 T23:59" "Z-tie-3 10" "Z-tie-4 10" "Z-tie-2 0" "Z-neg-1 10.5" \
			"Z-neg-2 -5.25"; do
			set -- $pair
			n=$((n + 1))
			echo "ZO-$n,$1,$day${3:-},$2"
		done
	done
} >"$X/orders.csv"
EXTRA=$(($(wc -l <"$X/accounts.csv") - 1))
kam_load accounts orders
ACCOUNTS=$((ACCOUNTS + EXTRA))

cat >"$T/load.sql" <<EOF
$(sql_load accounts orders)
-- Each amount as integer ten-thousandths (lib/sqlite.sh), and the day of its date.
CREATE TABLE parts AS
$(sql_money_parts "account_id, day" "(SELECT account_id, substr(date, 1, 10) AS day, amount AS t FROM orders)");
CREATE TABLE om AS SELECT account_id, day, $SQL_MONEY_VALUE AS v FROM parts;
CREATE INDEX om_day ON om(day);
.mode list
SELECT 'bad money text: ' || t FROM parts
	WHERE $SQL_MONEY_BAD
	LIMIT 5;
SELECT 'bad date: ' || day FROM om WHERE day NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
	LIMIT 5;
EOF
sqlite3 "$SDB" <"$T/load.sql" >"$T/load.out" 2>&1 || {
	sed 's/^/  | /' "$T/load.out" >&2
	die "sqlite3 failed to load the data"
}
if grep -q '^bad ' "$T/load.out"; then
	grep '^bad ' "$T/load.out" >&2
	die "the generated data holds values that the SQL parse does not handle"
fi
regions=$(sqlite3 "$SDB" "SELECT count(DISTINCT region) FROM accounts")
empty=$(sqlite3 "$SDB" "SELECT count(*) FROM accounts WHERE region = ''")
[ "$regions" -ge 8 ] && [ "$empty" -gt 0 ] ||
	die "the data should have seven regions and accounts without one ($regions regions, $empty without)"

# tiers_sql AS_OF WINDOW A% B%: the reference tiers as account_id,region,tier, by account_id.
tiers_sql() {
	cat <<EOF
.mode list
.separator ,
WITH m AS (
	SELECT a.id AS id, a.region AS region, coalesce(s.metric, 0) AS metric
	FROM accounts a
	LEFT JOIN (SELECT account_id, sum(v) AS metric FROM om
		   WHERE day > date('$1', '-$2 days') AND day <= '$1'
		   GROUP BY account_id) s ON s.account_id = a.id
), r AS (
	SELECT id, region, metric,
	       coalesce(sum(metric) OVER (PARTITION BY region ORDER BY metric DESC, id ASC
					  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
		       AS cum_prev,
	       sum(metric) OVER (PARTITION BY region) AS total
	FROM m
)
SELECT id, region,
       CASE WHEN metric > 0 AND cum_prev * 100 < $3 * total THEN 'A'
	    WHEN metric > 0 AND cum_prev * 100 < $4 * total THEN 'B'
	    ELSE 'C' END
FROM r ORDER BY id;
EOF
}

# decimal P: "80" -> "0.8", "95" -> "0.95", "5" -> "0.05"
decimal() { awk -v p="$1" 'BEGIN { printf "%g", p / 100 }'; }

combos=0
for as_of in $AS_OFS; do
	for window in $WINDOWS; do
		for th in $THRESHOLDS; do
			pa=${th%%:*}
			pb=${th##*:}
			a=$(decimal "$pa")
			b=$(decimal "$pb")
			what="as_of=$as_of window_days=$window a=$a b=$b"
			"$KAM" --db "$DB" segment --model abc --dry-run --format csv --as-of "$as_of" \
				--param window_days="$window" --param a="$a" --param b="$b" \
				>"$T/kam.csv" 2>"$T/kam.err" || {
				sed 's/^/  | /' "$T/kam.err" >&2
				die "kam segment failed ($what)"
			}
			[ "$(head -n 1 "$T/kam.csv" | cut -d, -f1-4)" = "account_id,region,tier,score" ] ||
				die "kam segment's csv header is \"$(head -n 1 "$T/kam.csv")\""
			tail -n +2 "$T/kam.csv" | cut -d, -f1-3 >"$T/kam.tiers"
			LC_ALL=C sort -c -t, -k1,1 "$T/kam.tiers" 2>"$T/sort.log" ||
				die "kam rows are not sorted by account_id ($what): $(cat "$T/sort.log")"
			tiers_sql "$as_of" "$window" "$pa" "$pb" | sqlite3 "$SDB" >"$T/sql.tiers" \
				2>"$T/sql.err" || {
				sed 's/^/  | /' "$T/sql.err" >&2
				die "sqlite3 failed ($what)"
			}
			rows=$(wc -l <"$T/sql.tiers")
			[ "$rows" -eq "$ACCOUNTS" ] ||
				die "SQLite computed $rows rows for $ACCOUNTS accounts ($what)"
			if ! cmp -s "$T/kam.tiers" "$T/sql.tiers"; then
				echo "diff_abc_sqlite: kam and SQLite disagree ($what);" \
					"first differences (< kam, > sqlite), account_id,region,tier:" >&2
				diff "$T/kam.tiers" "$T/sql.tiers" | head -20 >&2
				echo "  $(diff "$T/kam.tiers" "$T/sql.tiers" | grep -c '^<') kam rows differ" >&2
				exit 1
			fi
			# the combination must not be degenerate: every tier occurs
			for t in A B C; do
				grep -q ",$t\$" "$T/sql.tiers" || die "no tier $t at all ($what): a weak check"
			done
			# and the edges are what REFERENCE.md says, not merely what both engines say
			if [ "$pa" = 80 ]; then edges="A B B C A C"; else edges="A B C C A C"; fi
			got=$(grep '^Z-' "$T/kam.tiers" | LC_ALL=C sort -t, -k1,1 |
				awk -F, '{ printf "%s ", $3 }')
			# sorted ids: Z-neg-1 Z-neg-2 Z-tie-1 Z-tie-2 Z-tie-3 Z-tie-4
			set -- $edges
			want_edges="$5 $6 $1 $4 $2 $3 "
			[ "$got" = "$want_edges" ] ||
				die "edge accounts ($what): tiers \"$got\", expected \"$want_edges\""
			combos=$((combos + 1))
		done
	done
done
echo "diff_abc_sqlite: $ACCOUNTS accounts in $regions regions agree in $combos combinations (seed $SEED)"
