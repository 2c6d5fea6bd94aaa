#!/usr/bin/env bash
# Lua iteration benchmark: a Lua script under `kam run` walks the 1,000,000 accounts of the
# import benchmark's database, reading five fields of each and summing a rollup figure, against
# Python's sqlite3 module doing the same over the same data in SQLite, in the same run.
# See bench/README.md.
#
# Environment:
#   KAM                 the kam binary (default: build/kam of this repository)
#   KAM_BENCH_DIR       the import benchmark's directory (default /tmp/kam-bench): its kam.db and
#                       sqlite.db are reused, and made by bench/import.sh when missing or stale
#   KAM_BENCH_ACCOUNTS  accounts (default 1000000), KAM_BENCH_SEED seed (default 1)
#   PYTHON              the Python interpreter (default python3)
#   KAM_BENCH_RUNS      timed runs of each loop; the best is reported (default 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export KAM=${KAM:-$root/build/kam}
BENCH=${KAM_BENCH_DIR:-/tmp/kam-bench}
PYTHON=${PYTHON:-python3}
RUNS=${KAM_BENCH_RUNS:-3}

. "$root/bench/lib.sh"

[ -x "$KAM" ] || die "no kam binary at $KAM (build first, or set KAM)"
"$PYTHON" -c 'import sqlite3' 2>/dev/null || die "$PYTHON has no sqlite3 module"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

KDB=$BENCH/kam.db
SDB=$BENCH/sqlite.db
mkdir -p "$BENCH/log"

# ---- the databases of bench/import.sh, made again when missing or unreadable by this kam ----
if ! "$KAM" --db "$KDB" run --readonly -e 'assert(db:get("account", "A0000001"))' >/dev/null 2>&1 ||
	[ ! -s "$SDB" ]; then
	echo "databases: missing or stale, running bench/import.sh first"
	KAM_BENCH_DIR=$BENCH "$root/bench/import.sh" | sed 's/^/  | /'
fi
accounts=$("$KAM" --db "$KDB" -e 'db:count("accounts")')

# SQLite keeps no rollups; give it the same per-account figure as a table with a primary key,
# made once (not timed, as kam's rollups are made at import).
if [ "$(sqlite3 "$SDB" "SELECT count(*) FROM sqlite_master WHERE name = 'rollups'")" = 0 ]; then
	echo "sqlite:  making the rollups table (once)"
	sqlite3 "$SDB" "CREATE TABLE rollups(account_id TEXT PRIMARY KEY, order_count INTEGER,
		revenue NUMERIC) WITHOUT ROWID;
		INSERT INTO rollups SELECT account_id, count(*), sum(amount) FROM orders GROUP BY account_id;"
fi

# ---- the two loops: the same five fields and the same sums ----
LUA=$BENCH/log/lua_iterate.lua
cat >"$LUA" <<'LUA'
-- mode "rows": tx:rows yields the values; mode "tables": record tables and rollup tables.
local mode = arg[1]
local t0 = os.clock()
local n, employees, revenue, north, name_bytes = 0, 0, 0, 0, 0
db:read(function(tx)
	if mode == "rows" then
		for id, name, region, owner, emp, rev in tx:rows("accounts",
				{ "id", "name", "region", "owner", "employees", "revenue" }) do
			n = n + 1
			employees = employees + (emp or 0)
			revenue = revenue + rev
			if region == "north" then north = north + 1 end
			name_bytes = name_bytes + #name
		end
	else
		for a, r in tx:accounts { fields = { "id", "name", "region", "owner", "employees" },
				rollup = true } do
			n = n + 1
			employees = employees + (a.employees or 0)
			revenue = revenue + r.revenue
			if a.region == "north" then north = north + 1 end
			name_bytes = name_bytes + #a.name
		end
	end
end)
local t = os.clock() - t0
print(string.format("%.3f %d %d %s %d %d", t, n, employees, kam.money.format(revenue), north,
	name_bytes))
LUA
PY=$BENCH/log/lua_iterate.py
cat >"$PY" <<'PY'
import sqlite3, sys, time
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
t0 = time.perf_counter()
n = employees = north = name_bytes = 0
revenue = 0.0
for id_, name, region, owner, emp, rev in con.execute(
        "SELECT a.id, a.name, a.region, a.owner, a.employees, r.revenue "
        "FROM accounts a LEFT JOIN rollups r ON r.account_id = a.id"):
    n += 1
    employees += emp or 0
    revenue += rev or 0
    if region == "north":
        north += 1
    name_bytes += len(name)
t = time.perf_counter() - t0
print("%.3f %d %d %.4f %d %d" % (t, n, employees, revenue, north, name_bytes))
PY

# Warm both files into the page cache, then keep the best of RUNS runs of each loop.
page_cache "$KDB/data.mdb" "$SDB"
fastest() { sort -n | head -1; }
run_kam() {
	for _ in $(seq "$RUNS"); do "$KAM" --db "$KDB" run --readonly "$LUA" "$1"; done >"$BENCH/log/kam-$1.out"
	fastest <"$BENCH/log/kam-$1.out"
}
run_py() {
	for _ in $(seq "$RUNS"); do "$PYTHON" "$PY" "$SDB"; done >"$BENCH/log/python.out"
	fastest <"$BENCH/log/python.out"
}
rows=$(run_kam rows)
tables=$(run_kam tables)
py=$(run_py)
read -r t_rows n_rows emp_rows rev_rows north_rows bytes_rows <<<"$rows"
read -r t_tab n_tab emp_tab rev_tab north_tab bytes_tab <<<"$tables"
read -r t_py n_py emp_py rev_py north_py bytes_py <<<"$py"
[ "$n_rows" = "$n_py" ] && [ "$emp_rows" = "$emp_py" ] && [ "$north_rows" = "$north_py" ] &&
	[ "$bytes_rows" = "$bytes_py" ] && [ "$n_tab" = "$n_rows" ] && [ "$emp_tab" = "$emp_rows" ] ||
	die "the loops disagree: kam rows [$rows], kam tables [$tables], python [$py]"
cat <<EOF

accounts:             $accounts (each: id, name, region, owner, employees + rollup revenue)
kam run, tx:rows:     ${t_rows}s  ($(ratio "$t_py" "$t_rows")x faster than Python)
kam run, tx:accounts: ${t_tab}s  ($(ratio "$t_py" "$t_tab")x; record and rollup tables)
python3 sqlite3:      ${t_py}s  (SELECT ... accounts LEFT JOIN rollups)
revenue:              kam $rev_rows (exact), SQLite $rev_py (binary floating point)
targets:              <= 0.4 s and >= 2x faster than the Python loop (tx:rows)
EOF
