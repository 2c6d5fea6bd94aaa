#!/bin/sh
# The main paths of the command line under valgrind's memcheck: invalid reads and writes, uses
# of uninitialised values, and leaks (--leak-check=full; definite and possible leaks count).
# Run by hand (`make valgrind`, or tests/valgrind.sh [KAM]); not part of ctest, since valgrind
# makes every command 20-50 times slower. About a minute.
#
# Each command runs as `valgrind --leak-check=full --error-exitcode=86 kam ...`: valgrind's
# own exit code is 86 rather than 1 because kam exits 1 for the runtime errors some of these
# paths provoke on purpose. A command fails the script when valgrind reports anything or when
# kam's exit status is not the one expected. Reports are kept in $KAM_VALGRIND_LOGS (default: a
# temporary directory, removed when everything passed).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
KAM=${1:-${KAM:-$root/build/kam}}
DATA=$root/tests/data
command -v valgrind >/dev/null || {
	echo "valgrind: not installed (apt-get install valgrind)" >&2
	exit 1
}
[ -x "$KAM" ] || {
	echo "valgrind: no kam binary at $KAM (make build first)" >&2
	exit 1
}
T=$(mktemp -d "${TMPDIR:-/tmp}/kam-valgrind.XXXXXX")
LOGS=${KAM_VALGRIND_LOGS:-$T/logs}
mkdir -p "$LOGS"
DB=$T/db
FAILS=0
PASSES=0
N=0

# vg WANT CMD...: runs kam CMD under valgrind, expecting kam to exit WANT.
vg() {
	want=$1
	shift
	N=$((N + 1))
	log="$LOGS/$N.log"
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible \
		--error-exitcode=86 --track-origins=yes --log-file="$log" \
		"$KAM" "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq 86 ] || [ -s "$log" ]; then
		echo "FAIL: valgrind reports on: kam $*" >&2
		head -30 "$log" | sed 's/^/  | /' >&2
		FAILS=$((FAILS + 1))
	elif [ "$got" -ne "$want" ]; then
		echo "FAIL: kam $* exited $got (wanted $want)" >&2
		sed 's/^/  stderr: /' "$T/err" | head -5 >&2
		FAILS=$((FAILS + 1))
	else
		PASSES=$((PASSES + 1))
		rm -f "$log"
	fi
}

vg 0 --help
vg 0 --db "$DB" init
for k in accounts contacts orders interactions; do
	vg 0 --db "$DB" import "$k" "$DATA/$k.csv"
done
# Failing imports: a bad row, a missing reference, a missing file, a file that is not CSV.
vg 1 --db "$DB" import orders "$DATA/orders_bad_date.csv"
vg 1 --db "$DB" import orders "$DATA/orders_bad_ref.csv"
vg 1 --db "$DB" import orders "$T/none.csv"
for f in "$root"/tests/bad_input/*_unterminated_quote.csv "$root"/tests/bad_input/*_invalid_utf8.csv; do
	[ -f "$f" ] || continue
	kind=$(basename "$f" | cut -d_ -f1)
	vg 1 --db "$DB" import "$kind" "$f"
done
vg 0 --db "$DB" import orders "$DATA/orders_bad_date.csv" --skip-bad "$T/rejects.csv"
vg 0 --db "$DB" import orders "$DATA/orders_foreign.csv" \
	--map 'id=Order No,account_id=Customer,date=Order Date,amount=Total'
vg 0 --db "$DB" import orders "$DATA/orders.csv" --quiet
for k in accounts contacts orders interactions; do
	vg 0 --db "$DB" export "$k"
	vg 0 --db "$DB" export "$k" --format json
done
vg 0 --db "$DB" export accounts --format table
vg 0 --db "$DB" get account A1
vg 0 --db "$DB" get account A1 --format json --latest 2
vg 0 --db "$DB" get order O1
vg 0 --db "$DB" get interaction I1 --format json
vg 0 --db "$DB" get contact C1
vg 1 --db "$DB" get account NOPE
vg 0 --db "$DB" list accounts
vg 0 --db "$DB" list accounts --where 'employees>=100, channel=stationery-maker' --format csv
vg 0 --db "$DB" list accounts --sort -revenue --limit 2 --format json
vg 0 --db "$DB" list accounts --region north --format csv
vg 2 --db "$DB" list accounts --where 'colour=red'
vg 0 --db "$DB" rollups --format csv
vg 0 --db "$DB" stats
vg 1 --db "$T/missing" stats
vg 0 gen "$T/gen" --accounts 50 --seed 3 --quiet
vg 0 --db "$T/db2" init
for k in accounts contacts orders interactions; do
	vg 0 --db "$T/db2" import "$k" "$T/gen/$k.csv" --quiet
done
vg 0 --db "$T/db2" rollups
vg 0 --db "$T/db2" check
vg 0 --db "$T/db2" backup "$T/copy"
vg 0 --db "$T/db2" backup "$T/copy2" --compact
vg 1 --db "$T/db2" backup "$T/copy"
# A database of record codec 1, read and updated.
mkdir -m 700 "$T/v1"
gzip -dc "$DATA/book_codec_v1.mdb.gz" >"$T/v1/data.mdb"
vg 0 --db "$T/v1" export orders --format json
vg 0 --db "$T/v1" import orders "$DATA/orders.csv" --quiet
vg 0 --db "$T/v1" get account A1
vg 0 --db "$T/v1" check
# The model commands, when this build has them.
for cmd in segment tiers agenda value; do
	if "$KAM" "$cmd" --help >/dev/null 2>&1; then
		"$KAM" --db "$T/db2" "$cmd" >/dev/null 2>&1
		vg $? --db "$T/db2" "$cmd"
	fi
done
# Snapshots: listed, dropped with refusals (current ones, unknown ids), pruned.
if "$KAM" snapshots --help 2>/dev/null | grep -q -- --keep; then
	vg 0 --db "$T/db2" snapshots
	vg 0 --db "$T/db2" snapshots --keep 0 --dry-run --format json
	vg 1 --db "$T/db2" snapshots --drop 99
	vg 0 --db "$T/db2" snapshots --keep 0
fi

echo "$PASSES passed, $FAILS failed"
if [ "$FAILS" -eq 0 ]; then
	rm -rf "$T"
else
	echo "valgrind reports are in $LOGS" >&2
fi
[ "$FAILS" -eq 0 ]
