#!/bin/sh
# Differential test of `kam portfolio` against SQLite on generated data: every group row (by rep,
# region and tier, and the total) and the receivables (per account and per rep), for two
# choices of as-of day, window and top N.
#
# Money is exact on both sides: SQLite parses each amount's text into integer ten-thousandths,
# sums integers and prints the sums in kam's canonical form, and the two texts must be equal.
# Counts and dates must be equal too. Ratios are doubles on both sides and compare numerically:
# the shares, hours and ROI within 1e-12 relative (both sides divide exact integers; SQLite's ROI
# rounds twice), the HHI within 1e-9 relative (kam sums the squares exactly, in 128-bit integers,
# and divides once; SQLite sums rounded squares of rounded shares). An absent ratio (revenue <= 0,
# no minutes) must be absent on both sides.
#
# The tiers come from kam itself (`kam segment`, then `kam tiers --format csv`, imported into
# SQLite): this test checks the portfolio given the tiers; diff_abc_sqlite.sh checks the tiers.
#
# Environment: KAM (the kam binary, required); KAM_DIFF_ACCOUNTS (default 3000) and
# KAM_DIFF_SEED (default 11) choose the generated data.
NAME=diff_portfolio_sqlite
. "$(dirname "$0")/lib/sqlite.sh"
ACCOUNTS=${KAM_DIFF_ACCOUNTS:-3000}
SEED=${KAM_DIFF_SEED:-11}
K() { "$KAM" --db "$DB" "$@"; }

kam_load accounts contacts orders interactions
run "$T/segment.log" K segment --as-of 2026-06-30 --quiet

# ratio SQL: a double as 17 significant digits, '' for NULL.
ratio() { printf "(CASE WHEN (%s) IS NULL THEN '' ELSE printf('%%.17g', %s) END)" "$1" "$1"; }

# The reference database: the CSV files, with every money text parsed exactly.
cat >"$T/load.sql" <<EOF
$(sql_load accounts orders interactions)
CREATE TABLE money_src AS
	SELECT id, 'amount' AS k, amount AS t FROM orders
	UNION ALL SELECT id, 'paid', paid FROM orders WHERE paid <> '';
CREATE TABLE money_parts AS
$(sql_money_parts "id, k" money_src);
CREATE TABLE bad_money AS SELECT t FROM money_parts
	WHERE $SQL_MONEY_BAD;
CREATE TABLE money AS SELECT id, k, $SQL_MONEY_VALUE AS v FROM money_parts;
CREATE TABLE ord AS
	SELECT o.id, o.account_id, substr(o.date, 1, 10) AS day, a.v AS amount,
	       coalesce(p.v, 0) AS paid
	FROM orders o JOIN money a ON a.id = o.id AND a.k = 'amount'
	LEFT JOIN money p ON p.id = o.id AND p.k = 'paid';
CREATE TABLE itr AS
	SELECT account_id, substr(date, 1, 10) AS day,
	       CASE WHEN minutes <> '' THEN CAST(minutes AS INTEGER) ELSE 0 END AS minutes
	FROM interactions;
CREATE INDEX ord_acc ON ord(account_id, day);
CREATE INDEX itr_acc ON itr(account_id, day);
EOF
run "$T/load.log" sqlite3 "$T/ref.db" ".read $T/load.sql"
[ "$(sqlite3 "$T/ref.db" 'SELECT count(*) FROM bad_money')" = 0 ] ||
	die "the generated data holds money that the SQL parse does not handle"

# compare NAME KAM_CSV SQLITE_CSV FLOAT_COLUMNS HHI_COLUMN: row by row, field by field.
compare() {
	name=$1
	if [ "$(head -n 1 "$2")" != "$(head -n 1 "$3")" ]; then
		echo "  kam:    $(head -n 1 "$2")" >&2
		echo "  sqlite: $(head -n 1 "$3")" >&2
		die "$name: headers differ"
	fi
	[ "$(wc -l <"$2")" -eq "$(wc -l <"$3")" ] ||
		die "$name: kam has $(($(wc -l <"$2") - 1)) rows, SQLite $(($(wc -l <"$3") - 1))"
	[ "$(wc -l <"$2")" -gt 1 ] || die "$name: no rows"
	paste -d '\n' "$2" "$3" | awk -F, -v floats="$4" -v hhi="$5" -v name="$name" '
		BEGIN { n = split(floats, f, " "); for (i = 1; i <= n; i++) isf[f[i]] = 1 }
		NR % 2 == 1 { split($0, k, ","); kline = $0; next }
		{
			nf = split($0, s, ",")
			row = (NR / 2) - 1
			for (i = 1; i <= nf; i++) {
				if (!(i in isf)) {
					if (k[i] != s[i]) { bad(row, i, k[i], s[i]); }
					continue
				}
				if (k[i] == "" || s[i] == "") {
					if (k[i] != s[i]) bad(row, i, k[i], s[i])
					continue
				}
				tol = (i == hhi) ? 1e-9 : 1e-12
				d = k[i] - s[i]; if (d < 0) d = -d
				m = s[i] < 0 ? -s[i] : s[i]
				if (d > tol * m && d > 1e-300) bad(row, i, k[i], s[i])
			}
		}
		function bad(row, col, a, b) {
			if (errors++ < 10)
				printf "  %s row %d column %d: kam \"%s\", sqlite \"%s\"\n", name, row, col, a, b > "/dev/stderr"
		}
		END { exit errors > 0 }' || die "$name: kam and SQLite disagree"
	rows=$((rows + $(wc -l <"$2") - 1))
}

rows=0
# The current tiers, the same for every check: every region has a stored segmentation.
K tiers --format csv >"$T/tiers.csv" 2>"$T/tiers.log" || die "kam tiers failed: $(cat "$T/tiers.log")"
sqlite3 "$T/ref.db" ".mode csv" ".import $T/tiers.csv tiers" ||
	die "importing the tiers into SQLite failed"
# check AS_OF WINDOW TOP: every portfolio view as of a day.
check() {
	as_of=$1
	window=$2
	top=$3
	from=$(date -u -d "$as_of - $window days" +%F) # the window is from < day <= as_of
	for by in rep region tier; do
		case $by in
		rep) key="a.owner" ;;
		region) key="a.region" ;;
		tier) key="coalesce(t.tier, '')" ;;
		esac
		K portfolio --by "$by" --as-of "$as_of" --window-days "$window" --top "$top" \
			--format csv >"$T/kam.csv" 2>"$T/kam.err" || {
			sed 's/^/  | /' "$T/kam.err" >&2
			die "kam portfolio --by $by failed"
		}
		cat >"$T/q.sql" <<EOF
.bail on
.headers off
.mode list
.separator ,
CREATE TEMP TABLE acc AS
	SELECT a.id AS id, $key AS grp, coalesce(t.tier, '') AS tier,
	       coalesce((SELECT sum(amount) FROM ord o WHERE o.account_id = a.id
			 AND o.day > '$from' AND o.day <= '$as_of'), 0) AS rev,
	       coalesce((SELECT sum(minutes) FROM itr i WHERE i.account_id = a.id
			 AND i.day > '$from' AND i.day <= '$as_of'), 0) AS minutes
	FROM accounts a LEFT JOIN tiers t ON t.account_id = a.id;
INSERT INTO acc SELECT id, NULL, tier, rev, minutes FROM acc;
CREATE TEMP TABLE ranked AS
	SELECT *, row_number() OVER (PARTITION BY grp ORDER BY rev DESC) AS rn,
	       sum(rev) OVER (PARTITION BY grp) AS total
	FROM acc;
SELECT 'by,group,accounts,revenue,top1_share,top5_share,top_n,top_n_share,hhi,minutes,hours,roi,'
       || 'a_accounts,a_revenue,a_hours,b_accounts,b_revenue,b_hours,c_accounts,c_revenue,c_hours,'
       || 'untiered_accounts';
SELECT CASE WHEN grp IS NULL THEN 'total' ELSE '$by' END, coalesce(grp, ''), count(*),
       $(sql_money_text 'sum(rev)'),
       $(ratio "CASE WHEN sum(rev) > 0 THEN CAST(sum(CASE WHEN rn <= 1 THEN rev ELSE 0 END) AS REAL) / sum(rev) END"),
       $(ratio "CASE WHEN sum(rev) > 0 THEN CAST(sum(CASE WHEN rn <= 5 THEN rev ELSE 0 END) AS REAL) / sum(rev) END"),
       $top,
       $(ratio "CASE WHEN sum(rev) > 0 THEN CAST(sum(CASE WHEN rn <= $top THEN rev ELSE 0 END) AS REAL) / sum(rev) END"),
       $(ratio "CASE WHEN max(total) > 0 THEN sum((100.0 * rev / total) * (100.0 * rev / total)) END"),
       sum(minutes), $(ratio "sum(minutes) / 60.0"),
       $(ratio "CASE WHEN sum(minutes) > 0 THEN sum(rev) * 60.0 / (sum(minutes) * 10000.0) END"),
       sum(tier = 'A'), $(sql_money_text "sum(CASE WHEN tier = 'A' THEN rev ELSE 0 END)"),
       $(ratio "sum(CASE WHEN tier = 'A' THEN minutes ELSE 0 END) / 60.0"),
       sum(tier = 'B'), $(sql_money_text "sum(CASE WHEN tier = 'B' THEN rev ELSE 0 END)"),
       $(ratio "sum(CASE WHEN tier = 'B' THEN minutes ELSE 0 END) / 60.0"),
       sum(tier = 'C'), $(sql_money_text "sum(CASE WHEN tier = 'C' THEN rev ELSE 0 END)"),
       $(ratio "sum(CASE WHEN tier = 'C' THEN minutes ELSE 0 END) / 60.0"),
       sum(tier = '')
FROM ranked GROUP BY grp ORDER BY grp IS NULL, CAST(grp AS BLOB);
EOF
		sqlite3 "$T/ref.db" ".read $T/q.sql" >"$T/sqlite.csv" 2>"$T/sqlite.err" || {
			sed 's/^/  | /' "$T/sqlite.err" >&2
			die "sqlite3 failed (portfolio --by $by)"
		}
		compare "portfolio --by $by --as-of $as_of --window-days $window --top $top" \
			"$T/kam.csv" "$T/sqlite.csv" "5 6 8 9 11 12 15 18 21" 9
	done

	# receivables: per account, then per rep
	cat >"$T/rcv.sql" <<EOF
.bail on
.headers off
.mode list
.separator ,
CREATE TEMP TABLE rcv AS
	SELECT a.id AS id, a.owner AS owner, a.region AS region, coalesce(t.tier, '') AS tier,
	       sum(o.amount - o.paid) AS amount,
	       sum(o.amount - o.paid > 0) AS open,
	       min(CASE WHEN o.amount - o.paid > 0 THEN o.day END) AS oldest
	FROM accounts a JOIN ord o ON o.account_id = a.id AND o.day <= '$as_of'
	LEFT JOIN tiers t ON t.account_id = a.id
	GROUP BY a.id HAVING sum(o.amount - o.paid) > 0;
EOF
	K portfolio --receivables --as-of "$as_of" --format csv >"$T/kam.csv" 2>"$T/kam.err" ||
		die "kam portfolio --receivables failed: $(cat "$T/kam.err")"
	{ cat "$T/rcv.sql"; cat <<EOF; } >"$T/q.sql"
SELECT 'account_id,owner,region,tier,receivables,open_orders,oldest_open';
SELECT id, owner, region, tier, $(sql_money_text amount), open, coalesce(oldest, '')
FROM rcv ORDER BY amount DESC, CAST(id AS BLOB);
EOF
	sqlite3 "$T/ref.db" ".read $T/q.sql" >"$T/sqlite.csv" 2>"$T/sqlite.err" ||
		die "sqlite3 failed (receivables): $(cat "$T/sqlite.err")"
	compare "portfolio --receivables --as-of $as_of" "$T/kam.csv" "$T/sqlite.csv" "" 0

	K portfolio --receivables --by rep --as-of "$as_of" --format csv >"$T/kam.csv" \
		2>"$T/kam.err" || die "kam portfolio --receivables --by rep failed: $(cat "$T/kam.err")"
	{ cat "$T/rcv.sql"; cat <<EOF; } >"$T/q.sql"
SELECT 'by,group,accounts,receivables,open_orders,oldest_open';
SELECT 'rep', owner, count(*), $(sql_money_text 'sum(amount)'), sum(open), coalesce(min(oldest), '')
FROM rcv GROUP BY owner ORDER BY sum(amount) DESC, CAST(owner AS BLOB);
SELECT 'total', '', count(*), $(sql_money_text 'sum(amount)'), sum(open), coalesce(min(oldest), '')
FROM rcv;
EOF
	sqlite3 "$T/ref.db" ".read $T/q.sql" >"$T/sqlite.csv" 2>"$T/sqlite.err" ||
		die "sqlite3 failed (receivables by rep): $(cat "$T/sqlite.err")"
	compare "portfolio --receivables --by rep --as-of $as_of" "$T/kam.csv" "$T/sqlite.csv" "" 0
}

check 2026-06-30 365 10
# Another day and window; the tiers of the segmentation stored as of 2026-06-30 still apply.
check 2025-12-31 90 3
echo "diff_portfolio_sqlite: $rows rows agree ($ACCOUNTS accounts, seed $SEED)"
