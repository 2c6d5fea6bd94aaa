# Shared by the CLI tests: a scratch directory, and checks that stop the test with a message.
# Expects $KAM (the kam binary) and $KAM_TESTS (the tests/ directory) from ctest.
set -u
: "${KAM:?set KAM to the kam binary}"
: "${KAM_TESTS:?set KAM_TESTS to the tests directory}"
DATA="$KAM_TESTS/data"
T=$(mktemp -d "${TMPDIR:-/tmp}/kam-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
PASSES=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}
ok() { PASSES=$((PASSES + 1)); }

# expect_exit CODE CMD...: runs CMD, capturing stdout/stderr in $T/out and $T/err.
expect_exit() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "exit $got (wanted $want): $*"
		sed 's/^/  stderr: /' "$T/err" >&2
	else
		ok
	fi
}

# expect_in FILE TEXT: FILE contains TEXT (fixed string).
expect_in() {
	if grep -qF -- "$2" "$1"; then ok; else
		fail "$1 lacks: $2"
		sed 's/^/  | /' "$1" >&2
	fi
}

# expect_eq WHAT GOT WANT: GOT is WANT.
expect_eq() {
	if [ "$2" = "$3" ]; then ok; else fail "$1: got \"$2\", wanted \"$3\""; fi
}

# expect_same A B: the two files are identical.
expect_same() {
	if cmp -s "$1" "$2"; then ok; else
		fail "$1 and $2 differ"
		diff "$1" "$2" | head -20 >&2
	fi
}

# rows CSV: the number of rows below the header.
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }

# K ARGS...: kam on the test's database $DB. count_in DB KIND: records of KIND in DB (kam stats);
# count KIND: the same in $DB. snapshot_count: the snapshots stored in $DB.
K() { "$KAM" --db "$DB" "$@"; }
count_in() { "$KAM" --db "$1" stats --format csv | awk -F, -v k="$2" '$1 == k { print $2 }'; }
count() { count_in "$DB" "$1"; }
snapshot_count() { K snapshots --format csv | tail -n +2 | wc -l | tr -d ' '; }

# unpack_fixture NAME DIR: tests/data/NAME (a gzipped data.mdb written by an older kam) as the
# database in a new directory DIR. An LMDB file is only readable on the byte order and word size
# that wrote it (x86-64 here): elsewhere the test stops, reported as skipped.
unpack_fixture() {
	if [ "$(getconf LONG_BIT)" != 64 ] || [ "$(printf 'ab' | od -An -tx2 | tr -d ' ')" != 6261 ]; then
		echo "skipped: the fixture is a little-endian 64-bit LMDB file"
		exit 77
	fi
	mkdir -m 700 "$2"
	gzip -dc "$DATA/$1" >"$2/data.mdb" || fail "cannot unpack $1"
	chmod 600 "$2/data.mdb"
}

# same_book A B: databases A and B export the same records, every kind as csv and as json, and
# the same account A1 (`kam get`, with its rollup).
same_book() {
	for k in accounts contacts orders interactions; do
		for f in csv json; do
			"$KAM" --db "$1" export "$k" --format "$f" >"$T/same.a" || fail "export $k of $1"
			"$KAM" --db "$2" export "$k" --format "$f" >"$T/same.b" || fail "export $k of $2"
			expect_same "$T/same.a" "$T/same.b"
		done
	done
	"$KAM" --db "$1" get account A1 --format json >"$T/same.a" || fail "get A1 of $1"
	"$KAM" --db "$2" get account A1 --format json >"$T/same.b" || fail "get A1 of $2"
	expect_same "$T/same.a" "$T/same.b"
}

# load_book ACCOUNTS SEED: a generated book of ACCOUNTS accounts (kam gen --seed SEED) in
# $T/data, imported into a new database $DB; stops the test when that fails.
load_book() {
	"$KAM" gen "$T/data" --accounts "$1" --seed "$2" >/dev/null 2>&1 || { echo "gen failed"; exit 1; }
	"$KAM" --db "$DB" init >/dev/null || exit 1
	for kind in accounts contacts orders interactions; do
		"$KAM" --db "$DB" import "$kind" "$T/data/$kind.csv" >/dev/null 2>&1 ||
			{ echo "import $kind failed"; exit 1; }
	done
}

# sanitized: whether kam was built with ASan and UBSan (KAM_SANITIZE), which run it about 3x
# slower and keep their own crash reports.
sanitized() { grep -qs '^KAM_SANITIZE:BOOL=ON' "${KAM_BUILD:-.}/CMakeCache.txt"; }

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
