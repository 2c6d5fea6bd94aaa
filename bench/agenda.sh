#!/usr/bin/env bash
# Agenda benchmark: `kam agenda` over a 1,000,000-account book (~5.3M interactions), the whole
# list printed as CSV, against the same list computed and printed by SQLite (sqlite3 CLI) and
# DuckDB (Node API, 2 threads) in the same run. See bench/README.md.
#
# Environment:
#   KAM                 the kam binary (default: build/kam of this repository)
#   KAM_BENCH_DIR       scratch and cache directory (default /tmp/kam-bench)
#   KAM_BENCH_ACCOUNTS  accounts (default 1000000); the data is bench/import.sh's cache
#   KAM_BENCH_SEED      generator seed (default 1)
#   KAM_BENCH_AS_OF     the as-of day (default 2026-06-30, the end of the generated history)
#   KAM_BENCH_RUNS      timed runs per engine (kam and DuckDB in turn); the best is reported
#                       (default 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
KAM=${KAM:-$root/build/kam}
BENCH=${KAM_BENCH_DIR:-/tmp/kam-bench}
ACCOUNTS=${KAM_BENCH_ACCOUNTS:-1000000}
SEED=${KAM_BENCH_SEED:-1}
AS_OF=${KAM_BENCH_AS_OF:-2026-06-30}
RUNS=${KAM_BENCH_RUNS:-3}

. "$root/bench/lib.sh"

bench_setup agenda sqlite3 node

# ---- data: bench/import.sh's cache, generated when missing ----
bench_data

# ---- kam database (cached): the four files, then one stored segmentation as of AS_OF ----
KDB=$WORK/kam.db
bench_kam_db --segment tiers --region north --format csv
# SQLite's and DuckDB's tiers come from this segmentation
[ "$KDB_NEW" = 0 ] || rm -f "$WORK/sqlite.ok" "$WORK/duckdb.ok"
# The three engines use the same tiers: kam's current ones, exported.
TIERS=$WORK/tiers.csv
[ -s "$TIERS" ] && [ "$TIERS" -nt "$WORK/kam.ok" ] || "$KAM" --db "$KDB" tiers --format csv >"$TIERS"

# ---- SQLite database (cached): accounts, interactions and tiers, typed, indexed ----
SDB=$WORK/sqlite.db
if [ ! -f "$WORK/sqlite.ok" ]; then
	echo "sqlite:  importing into $SDB (once; cached)"
	rm -f "$SDB"
	sqlite3 "$SDB" <<EOF
.bail on
$(sqlite_tables TEXT accounts interactions)
CREATE TABLE tiers(account_id TEXT PRIMARY KEY, region TEXT, tier TEXT, score NUMERIC,
	snapshot INTEGER);
.import --csv --skip 1 "$TIERS" tiers
CREATE INDEX interactions_account_date ON interactions(account_id, date);
EOF
	touch "$WORK/sqlite.ok"
fi

# The agenda in SQL (REFERENCE.md "Cadence policy tiered", tests/cli/diff_agenda_sqlite.sh):
# last counted call and its objection run, last visit, month-end clamped next due, ordered.
cat >"$LOG/agenda-sqlite.sql" <<EOF
.mode csv
.headers on
WITH calls AS (
	SELECT account_id, substr(date, 1, 10) AS day, outcome, objection,
	       row_number() OVER (PARTITION BY account_id ORDER BY date DESC, id DESC) AS rn
	FROM interactions
	WHERE kind = 'call' AND outcome <> 'no-answer' AND substr(date, 1, 10) <= '$AS_OF'
), lastcall AS (
	SELECT account_id, day, objection FROM calls WHERE rn = 1
), runs AS (
	SELECT account_id,
	       coalesce(min(CASE WHEN outcome <> 'objection' THEN rn END) - 1, count(*)) AS len
	FROM calls GROUP BY account_id
), lastvisit AS (
	SELECT account_id, max(substr(date, 1, 10)) AS day FROM interactions
	WHERE kind = 'visit' AND substr(date, 1, 10) <= '$AS_OF' GROUP BY account_id
), acc AS (
	SELECT a.id, a.owner, a.region, t.tier,
	       CASE t.tier WHEN 'A' THEN 1 WHEN 'B' THEN 3 ELSE 6 END AS cm,
	       CASE t.tier WHEN 'A' THEN 3 WHEN 'B' THEN 6 ELSE 12 END AS vm,
	       coalesce(nullif(substr(a.created, 1, 10), ''), '$AS_OF') AS none
	FROM accounts a JOIN tiers t ON t.account_id = a.id
), actions AS (
	SELECT a.id, a.owner, a.region, a.tier,
	       CASE WHEN r.len = 1 THEN 'follow-up' ELSE 'call' END AS action,
	       CASE WHEN r.len = 1 THEN date(lc.day, '+14 days')
		    WHEN lc.day IS NULL THEN a.none
		    ELSE min(date(lc.day, 'start of month', '+' || a.cm || ' months',
				  '+' || (CAST(substr(lc.day, 9, 2) AS INTEGER) - 1) || ' days'),
			     date(lc.day, 'start of month', '+' || (a.cm + 1) || ' months', '-1 day'))
	       END AS due,
	       lc.day AS last, CASE WHEN r.len = 1 THEN lc.objection END AS objection
	FROM acc a LEFT JOIN lastcall lc ON lc.account_id = a.id
	LEFT JOIN runs r ON r.account_id = a.id
	UNION ALL
	SELECT a.id, a.owner, a.region, a.tier, 'visit',
	       CASE WHEN lv.day IS NULL THEN a.none
		    ELSE min(date(lv.day, 'start of month', '+' || a.vm || ' months',
				  '+' || (CAST(substr(lv.day, 9, 2) AS INTEGER) - 1) || ' days'),
			     date(lv.day, 'start of month', '+' || (a.vm + 1) || ' months', '-1 day'))
	       END, lv.day, NULL
	FROM acc a LEFT JOIN lastvisit lv ON lv.account_id = a.id
)
SELECT id AS account_id, action, tier, due,
       CAST(julianday('$AS_OF') - julianday(due) AS INTEGER) AS overdue_days, owner,
       last AS last_contact, objection, region
FROM actions WHERE due <= '$AS_OF'
ORDER BY CASE tier WHEN 'A' THEN 0 WHEN 'B' THEN 1 ELSE 2 END, overdue_days DESC, account_id,
	 CASE action WHEN 'call' THEN 0 WHEN 'follow-up' THEN 1 ELSE 2 END;
EOF

# ---- DuckDB: the Node API in a scratch directory, and a database file loaded once ----
DUCK=$BENCH/duckdb
if [ ! -d "$DUCK/node_modules/@duckdb/node-api" ]; then
	echo "duckdb:  npm install @duckdb/node-api into $DUCK"
	mkdir -p "$DUCK"
	[ -f "$DUCK/package.json" ] || echo '{ "name": "kam-bench-duckdb", "private": true }' >"$DUCK/package.json"
	(cd "$DUCK" && npm install --no-audit --no-fund @duckdb/node-api >/dev/null)
fi
cat >"$DUCK/agenda.mjs" <<'EOF'
// node agenda.mjs MODE DB DATA TIERS AS_OF OUT: the tiered agenda with DuckDB (2 threads).
// MODE "load": reads the CSVs into DB. MODE "db": computes the agenda from DB and writes it as
// CSV to OUT (/dev/null when timing). MODE "check": prints counts to compare the engines.
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, dbfile, data, tiers, asOf, out] = process.argv.slice(2);
const instance = await DuckDBInstance.create(dbfile, { threads: '2' });
const db = await instance.connect();
const load = `
  CREATE OR REPLACE TABLE accounts AS
    SELECT id, coalesce(region, '') AS region, coalesce(owner, '') AS owner,
           CAST(substr(created, 1, 10) AS DATE) AS created
    FROM read_csv('${data}/accounts.csv', header = true, all_varchar = true);
  CREATE OR REPLACE TABLE interactions AS
    SELECT id, account_id, date, CAST(substr(date, 1, 10) AS DATE) AS day, kind,
           coalesce(outcome, '') AS outcome, objection
    FROM read_csv('${data}/interactions.csv', header = true, all_varchar = true);
  CREATE OR REPLACE TABLE tiers AS
    SELECT account_id, tier FROM read_csv('${tiers}', header = true, all_varchar = true);`;
const agenda = `
  WITH calls AS (
    SELECT account_id, day, outcome, objection,
           row_number() OVER (PARTITION BY account_id ORDER BY date DESC, id DESC) AS rn
    FROM interactions
    WHERE kind = 'call' AND outcome <> 'no-answer' AND day <= DATE '${asOf}'
  ), lastcall AS (
    SELECT account_id, day, objection FROM calls WHERE rn = 1
  ), runs AS (
    SELECT account_id,
           coalesce(min(CASE WHEN outcome <> 'objection' THEN rn END) - 1, count(*)) AS len
    FROM calls GROUP BY account_id
  ), lastvisit AS (
    SELECT account_id, max(day) AS day FROM interactions
    WHERE kind = 'visit' AND day <= DATE '${asOf}' GROUP BY account_id
  ), acc AS (
    SELECT a.id, a.owner, a.region, t.tier,
           CASE t.tier WHEN 'A' THEN 1 WHEN 'B' THEN 3 ELSE 6 END AS cm,
           CASE t.tier WHEN 'A' THEN 3 WHEN 'B' THEN 6 ELSE 12 END AS vm,
           coalesce(a.created, DATE '${asOf}') AS none
    FROM accounts a JOIN tiers t ON t.account_id = a.id
  ), actions AS (
    -- DuckDB's date + months clamps to the month's last day, as the policy says
    SELECT a.id, a.owner, a.region, a.tier,
           CASE WHEN r.len = 1 THEN 'follow-up' ELSE 'call' END AS action,
           CASE WHEN r.len = 1 THEN CAST(lc.day + INTERVAL 14 DAY AS DATE)
                WHEN lc.day IS NULL THEN a.none
                ELSE CAST(lc.day + to_months(a.cm) AS DATE) END AS due,
           lc.day AS last, CASE WHEN r.len = 1 THEN lc.objection END AS objection
    FROM acc a LEFT JOIN lastcall lc ON lc.account_id = a.id
    LEFT JOIN runs r ON r.account_id = a.id
    UNION ALL
    SELECT a.id, a.owner, a.region, a.tier, 'visit',
           CASE WHEN lv.day IS NULL THEN a.none ELSE CAST(lv.day + to_months(a.vm) AS DATE) END,
           lv.day, NULL
    FROM acc a LEFT JOIN lastvisit lv ON lv.account_id = a.id
  )
  SELECT id AS account_id, action, tier, due, DATE '${asOf}' - due AS overdue_days, owner,
         last AS last_contact, objection, region
  FROM actions WHERE due <= DATE '${asOf}'
  ORDER BY CASE tier WHEN 'A' THEN 0 WHEN 'B' THEN 1 ELSE 2 END, overdue_days DESC,
           account_id, CASE action WHEN 'call' THEN 0 WHEN 'follow-up' THEN 1 ELSE 2 END`;
if (mode === 'load')
  await db.run(load);
if (mode === 'db')
  await db.run(`COPY (${agenda}) TO '${out}' (FORMAT csv, HEADER true)`);
if (mode === 'check') {
  const r = await db.runAndReadAll(`SELECT count(*), sum(overdue_days),
      count(*) FILTER (WHERE action = 'call'), count(*) FILTER (WHERE action = 'follow-up'),
      count(*) FILTER (WHERE action = 'visit') FROM (${agenda})`);
  console.log(r.getRows()[0].map(String).join(' '));
}
db.closeSync();
EOF
DDB=$WORK/duckdb.db
if [ ! -f "$WORK/duckdb.ok" ]; then
	echo "duckdb:  loading $DDB (once; cached)"
	rm -f "$DDB" "$DDB.wal"
	once duckdb-load node "$DUCK/agenda.mjs" load "$DDB" "$DATA" "$TIERS" "$AS_OF" /dev/null
	echo "         loaded in ${BEST}s"
	touch "$WORK/duckdb.ok"
fi

# ---- the same list? rows, overdue days summed, rows per action, and the first rows ----
counts() { awk -F, 'NR > 1 { n++; s += $5; a[$2]++ } END { printf "%d %d %d %d %d", n, s, a["call"], a["follow-up"], a["visit"] }' "$1"; }
"$KAM" --db "$KDB" agenda --as-of "$AS_OF" --format csv >"$WORK/kam.csv"
sqlite3 "$SDB" ".read $LOG/agenda-sqlite.sql" >"$WORK/sqlite.csv"
node "$DUCK/agenda.mjs" db "$DDB" "$DATA" "$TIERS" "$AS_OF" "$WORK/duckdb.csv"
kam_counts=$(counts "$WORK/kam.csv")
sqlite_counts=$(counts "$WORK/sqlite.csv")
duckdb_counts=$(counts "$WORK/duckdb.csv")
head -n 1001 "$WORK/kam.csv" | tail -n +2 | cut -d, -f1-6 >"$WORK/kam.head"
head -n 1001 "$WORK/sqlite.csv" | tail -n +2 | cut -d, -f1-6 | tr -d '\r' >"$WORK/sqlite.head"
head -n 1001 "$WORK/duckdb.csv" | tail -n +2 | cut -d, -f1-6 >"$WORK/duckdb.head"
rep=$(sed -n 2p "$WORK/kam.csv" | cut -d, -f6) # the rep of the first row, for --owner
same=yes
{ [ "$kam_counts" = "$sqlite_counts" ] && [ "$kam_counts" = "$duckdb_counts" ] &&
	cmp -s "$WORK/kam.head" "$WORK/sqlite.head" && cmp -s "$WORK/kam.head" "$WORK/duckdb.head"; } ||
	same="NO (see $WORK/*.csv)"
rm -f "$WORK/kam.csv" "$WORK/sqlite.csv" "$WORK/duckdb.csv"

# Every engine starts from a warm page cache, in the same state (see page_cache).
page_cache "$KDB"/*.mdb "$SDB" "$DDB"

# ---- timed runs: each engine computes the whole list and prints it as CSV to /dev/null ----
echo "timing:  best of $RUNS runs each (kam and DuckDB in turn), as of $AS_OF"
KAG=("$KAM" --db "$KDB" agenda --as-of "$AS_OF")
KAM_CSV=(sh -c '"$@" --format csv >/dev/null' sh "${KAG[@]}")
DUCK_DB=(node "$DUCK/agenda.mjs" db "$DDB" "$DATA" "$TIERS" "$AS_OF" /dev/null)
in_turn kam KAM_CSV duckdb DUCK_DB
fastest kam
kam=$BEST kam_cpu=$CPU kam_mem=$MEM
fastest duckdb
duckdb=$BEST duckdb_cpu=$CPU
paused kam-paused "${KAM_CSV[@]}"
kam_paused=$BEST kam_paused_cpu=$CPU
best kam-rep "${KAM_CSV[@]}" --owner "$rep"
kam_rep=$BEST kam_rep_cpu=$CPU
best kam-tiers sh -c '"$1" --db "$2" tiers --format csv >/dev/null' sh "$KAM" "$KDB"
tiers=$BEST tiers_cpu=$CPU
best sqlite sh -c 'sqlite3 "$1" ".read $2" >/dev/null' sh "$SDB" "$LOG/agenda-sqlite.sql"
sqlite=$BEST sqlite_cpu=$CPU
paused duckdb-paused "${DUCK_DB[@]}"
duckdb_paused=$BEST duckdb_paused_cpu=$CPU

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
row() { printf '%-24s %-9s %-7s %s\n' "$1" "$2" "$3" "${4:-}"; }
echo
row "accounts:" "$ACCOUNTS" "" "(seed $SEED), $(($(grep -c '' "$DATA/interactions.csv") - 1)) interactions"
row "agenda rows:" "${kam_counts%% *}" "" "rows, sum of overdue_days, calls, follow-ups, visits: $kam_counts"
row "engines agree:" "$same" "" "sqlite: $sqlite_counts; duckdb: $duckdb_counts"
row "" "wall s" "cpu s"
row "kam agenda, csv:" "$kam" "$kam_cpu" "the whole list (peak RSS ${kam_mem} MB)"
row "kam agenda, after 5 s:" "$kam_paused" "$kam_paused_cpu" "one run after a pause (see lib.sh's paused)"
row "kam agenda --owner:" "$kam_rep" "$kam_rep_cpu" "one rep ($rep)"
row "kam tiers, csv:" "$tiers" "$tiers_cpu" "reading the current tiers alone (part of the agenda)"
row "SQLite:" "$sqlite" "$sqlite_cpu" "the same list, csv to /dev/null"
row "DuckDB, 2 threads:" "$duckdb" "$duckdb_cpu" "the same list, COPY to /dev/null (own database file)"
row "DuckDB, after 5 s:" "$duckdb_paused" "$duckdb_paused_cpu" "one run after a pause"
echo "ratios (wall):           SQLite/kam $(ratio "$sqlite" "$kam")x, DuckDB/kam $(ratio "$duckdb" "$kam")x"
echo "after a pause (wall):    DuckDB/kam $(ratio "$duckdb_paused" "$kam_paused")x"
echo "load average:            $load (wall times wait for a CPU on a busy machine)"
echo "targets:                 kam <= 0.6 s, >= 5x faster than DuckDB"
