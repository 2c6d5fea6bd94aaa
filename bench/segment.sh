#!/usr/bin/env bash
# Segmentation benchmark: `kam segment --model abc` over a 1,000,000-account book (~10M orders),
# tiers stored, against the same computation in SQLite (sqlite3 CLI) and in DuckDB (Node API,
# 2 threads), in the same run; plus the time of a bare scan of kam's orders (their columns). See
# bench/README.md.
#
# Environment:
#   KAM                 the kam binary (default: build/kam of this repository)
#   KAM_BENCH_DIR       scratch and cache directory (default /tmp/kam-bench)
#   KAM_BENCH_ACCOUNTS  accounts (default 1000000); the data is bench/import.sh's cache
#   KAM_BENCH_SEED      generator seed (default 1)
#   KAM_BENCH_AS_OF     the as-of day (default 2026-06-30, inside the generated history)
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
WINDOW=365

. "$root/bench/lib.sh"

bench_setup segment sqlite3 node cc

# Window bounds as text: as_of - window < day <= as_of, for dates with or without a time.
FROM=$(date -d "$AS_OF - $((WINDOW - 1)) days" +%F) # first day in the window
UNTIL=$(date -d "$AS_OF + 1 day" +%F)                # first day after it


# ---- data: bench/import.sh's cache, generated when missing ----
bench_data

# ---- kam database (cached; complete once its marker exists) ----
KDB=$WORK/kam.db
bench_kam_db get account "$(sed -n 2p "$DATA/accounts.csv" | cut -d, -f1)"

# ---- SQLite database (cached): accounts and orders, indexed as bench/import.sh does ----
SDB=$WORK/sqlite.db
if [ ! -f "$WORK/sqlite.ok" ]; then
	echo "sqlite:  importing into $SDB (once; cached)"
	rm -f "$SDB"
	sqlite3 "$SDB" <<EOF
.bail on
$(sqlite_tables TEXT accounts orders)
CREATE INDEX orders_account_date ON orders(account_id, date);
EOF
	touch "$WORK/sqlite.ok"
fi

# ---- DuckDB: the Node API in a scratch directory, and a database file loaded once ----
DUCK=$BENCH/duckdb
if [ ! -d "$DUCK/node_modules/@duckdb/node-api" ]; then
	echo "duckdb:  npm install @duckdb/node-api into $DUCK"
	mkdir -p "$DUCK"
	[ -f "$DUCK/package.json" ] || echo '{ "name": "kam-bench-duckdb", "private": true }' >"$DUCK/package.json"
	(cd "$DUCK" && npm install --no-audit --no-fund @duckdb/node-api >/dev/null)
fi
cat >"$DUCK/tiers.mjs" <<'EOF'
// node tiers.mjs MODE DB DATA FROM UNTIL: abc tiers with DuckDB (2 threads), stored as a table.
// MODE "load": reads the CSVs into DB (accounts, orders with day DATE, amount DECIMAL(18,4)).
// MODE "db": computes the tiers from DB. MODE "csv": reads the CSVs and computes, in memory.
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, dbfile, data, from, until] = process.argv.slice(2);
const instance = await DuckDBInstance.create(mode === 'csv' ? ':memory:' : dbfile,
					     { threads: '2' });
const db = await instance.connect();
const load = `
  CREATE OR REPLACE TABLE accounts AS
    SELECT id, coalesce(region, '') AS region
    FROM read_csv('${data}/accounts.csv', header = true, all_varchar = true);
  CREATE OR REPLACE TABLE orders AS
    SELECT account_id, CAST(substr(date, 1, 10) AS DATE) AS day, amount
    FROM read_csv('${data}/orders.csv', header = true,
                  types = {'date': 'VARCHAR', 'amount': 'DECIMAL(18,4)'});`;
const tiers = `
  CREATE OR REPLACE TABLE tiers AS
  WITH m AS (
    SELECT a.id, a.region, coalesce(s.metric, 0) AS metric
    FROM accounts a
    LEFT JOIN (SELECT account_id, sum(amount) AS metric FROM orders
               WHERE day >= DATE '${from}' AND day < DATE '${until}'
               GROUP BY account_id) s ON s.account_id = a.id
  ), r AS (
    SELECT id, region, metric,
           coalesce(sum(metric) OVER (PARTITION BY region ORDER BY metric DESC, id ASC
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
             AS cum_prev,
           sum(metric) OVER (PARTITION BY region) AS total
    FROM m
  )
  SELECT id AS account_id, region,
         CASE WHEN metric > 0 AND cum_prev < 0.80 * total THEN 'A'
              WHEN metric > 0 AND cum_prev < 0.95 * total THEN 'B'
              ELSE 'C' END AS tier,
         metric AS score
  FROM r;`;
if (mode === 'load' || mode === 'csv')
  await db.run(load);
if (mode === 'db' || mode === 'csv') {
  await db.run(tiers);
  const counts = await db.runAndReadAll(
    "SELECT tier, count(*) FROM tiers GROUP BY tier ORDER BY tier");
  console.log(counts.getRows().map(([t, n]) => `${t} ${n}`).join(', '));
}
db.closeSync();
EOF
DDB=$WORK/duckdb.db
if [ ! -f "$WORK/duckdb.ok" ]; then
	echo "duckdb:  loading $DDB (once; cached)"
	rm -f "$DDB" "$DDB.wal"
	once duckdb-load node "$DUCK/tiers.mjs" load "$DDB" "$DATA" "$FROM" "$UNTIL"
	echo "         loaded in ${BEST}s"
	touch "$WORK/duckdb.ok"
fi

# ---- the bare scan helper: walks kam's orders' columns once with an LMDB cursor, reading every byte ----
SCAN=$WORK/scan
cat >"$WORK/scan.c" <<'EOF'
/* scan DB NAME: walks every entry of LMDB sub-database NAME, reading its bytes; prints entries and bytes. */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned long long n = 0, bytes = 0;
	uint64_t sum = 0;
	if (argc != 3 || mdb_env_create(&env) || mdb_env_set_maxdbs(env, 64) ||
	    mdb_env_open(env, argv[1], MDB_RDONLY, 0) || mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) ||
	    mdb_dbi_open(txn, argv[2], 0, &dbi) || mdb_cursor_open(txn, dbi, &cur)) {
		fprintf(stderr, "scan: cannot open %s in %s\n", argc > 2 ? argv[2] : "?",
			argc > 1 ? argv[1] : "?");
		return 1;
	}
	while (mdb_cursor_get(cur, &k, &v, n ? MDB_NEXT : MDB_FIRST) == 0) {
		n++;
		bytes += k.mv_size + v.mv_size;
		const unsigned char *p = v.mv_data;
		size_t i = 0;
		for (; i + 8 <= v.mv_size; i += 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			sum ^= w;
		}
		for (; i < v.mv_size; i++)
			sum ^= p[i];
	}
	printf("%llu entries, %llu bytes (xor %llx)\n", n, bytes, (unsigned long long)sum & 0xff);
	return 0;
}
EOF
[ -x "$SCAN" ] && [ "$SCAN" -nt "$WORK/scan.c" ] || cc -O2 -o "$SCAN" "$WORK/scan.c" -llmdb

# Every engine starts from a warm page cache, in the same state (see page_cache).
page_cache "$KDB"/*.mdb "$SDB" "$DDB"

# ---- timed runs ----
echo "timing:  best of $RUNS runs each (kam and DuckDB in turn), as of $AS_OF, window $WINDOW days, a 0.80, b 0.95"
KSEG=("$KAM" --db "$KDB" segment --model abc --as-of "$AS_OF" --param window_days=$WINDOW)
KAM_STORED=("${KSEG[@]}" --quiet)
DUCK_DB=(node "$DUCK/tiers.mjs" db "$DDB" "$DATA" "$FROM" "$UNTIL")
in_turn kam KAM_STORED duckdb DUCK_DB
fastest kam
kam=$BEST
kam_cpu=$CPU
fastest duckdb
duckdb=$BEST
duckdb_cpu=$CPU
kam_tiers=$(sed -n 's/.*accounts (\(.*\)) in .*/\1/p' "$LOG/kam.out" | head -1)
paused kam-paused "${KAM_STORED[@]}"
kam_paused=$BEST
kam_paused_cpu=$CPU
best kam-dry "${KSEG[@]}" --quiet --dry-run
kam_dry=$BEST
kam_dry_cpu=$CPU
best kam-csv sh -c '"$@" --format csv >/dev/null' sh "${KSEG[@]}"
kam_csv=$BEST
kam_csv_cpu=$CPU

cat >"$LOG/sqlite-tiers.sql" <<EOF
.bail on
BEGIN;
DROP TABLE IF EXISTS tiers;
CREATE TABLE tiers AS
WITH m AS (
	SELECT a.id AS id, a.region AS region, coalesce(s.metric, 0) AS metric
	FROM accounts a
	LEFT JOIN (SELECT account_id, sum(amount) AS metric FROM orders
		   WHERE date >= '$FROM' AND date < '$UNTIL'
		   GROUP BY account_id) s ON s.account_id = a.id
), r AS (
	SELECT id, region, metric,
	       coalesce(sum(metric) OVER (PARTITION BY region ORDER BY metric DESC, id ASC
					  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
		       AS cum_prev,
	       sum(metric) OVER (PARTITION BY region) AS total
	FROM m
)
SELECT id AS account_id, region,
       CASE WHEN metric > 0 AND cum_prev < 0.80 * total THEN 'A'
	    WHEN metric > 0 AND cum_prev < 0.95 * total THEN 'B'
	    ELSE 'C' END AS tier,
       metric AS score
FROM r;
COMMIT;
SELECT group_concat(tier || ' ' || n, ', ') FROM
	(SELECT tier, count(*) AS n FROM tiers GROUP BY tier ORDER BY tier);
EOF
best sqlite sqlite3 "$SDB" ".read $LOG/sqlite-tiers.sql"
sqlite=$BEST
sqlite_cpu=$CPU
sqlite_tiers=$(tail -n 1 "$LOG/sqlite.out")

duckdb_tiers=$(tail -n 1 "$LOG/duckdb.out")
paused duckdb-paused "${DUCK_DB[@]}"
duckdb_paused=$BEST
duckdb_paused_cpu=$CPU
once duckdb-csv node "$DUCK/tiers.mjs" csv "" "$DATA" "$FROM" "$UNTIL"
duckdb_csv=$BEST
duckdb_csv_cpu=$CPU

best scan "$SCAN" "$KDB" order_columns
scan=$BEST
scan_cpu=$CPU
scan_what=$(tail -n 1 "$LOG/scan.out")
once mdb-dump sh -c 'mdb_dump -s order_columns "$1" >/dev/null' sh "$KDB"
dump=$BEST

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
row() { printf '%-22s %-9s %-7s %s\n' "$1" "$2" "$3" "${4:-}"; }
echo
row "accounts:" "$ACCOUNTS" "" "(seed $SEED), $(($(grep -c '' "$DATA/orders.csv") - 1)) orders"
row "" "wall s" "cpu s"
row "kam segment (stored):" "$kam" "$kam_cpu" "tiers: $kam_tiers"
row "kam segment, after 5 s:" "$kam_paused" "$kam_paused_cpu" "stored, one run after a pause (see lib.sh's paused)"
row "kam segment --dry-run:" "$kam_dry" "$kam_dry_cpu" "the model run alone, nothing written"
row "kam segment, csv out:" "$kam_csv" "$kam_csv_cpu" "stored, and 1M rows printed to /dev/null"
row "SQLite:" "$sqlite" "$sqlite_cpu" "tiers: $sqlite_tiers (table stored)"
row "DuckDB, 2 threads:" "$duckdb" "$duckdb_cpu" "tiers: $duckdb_tiers (own database file; table stored)"
row "DuckDB, after 5 s:" "$duckdb_paused" "$duckdb_paused_cpu" "one run after a pause"
row "DuckDB from the CSVs:" "$duckdb_csv" "$duckdb_csv_cpu" "reads both CSV files, then the same (one run)"
row "bare LMDB scan:" "$scan" "$scan_cpu" "$scan_what of order_columns (cursor walk)"
row "mdb_dump of the columns:" "$dump" "" "hex text to /dev/null: an upper bound for a scan (one run)"
echo "ratios (wall):         SQLite/kam $(ratio "$sqlite" "$kam")x, DuckDB/kam $(ratio "$duckdb" "$kam")x, DuckDB-from-CSV/kam $(ratio "$duckdb_csv" "$kam")x"
echo "after a pause (wall):   DuckDB/kam $(ratio "$duckdb_paused" "$kam_paused")x"
echo "load average:          $load (wall times wait for a CPU on a busy machine)"
echo "targets:               kam <= 0.4 s, >= 3x faster than DuckDB, >= 10x faster than SQLite"
