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

# expect_same A B: the two files are identical.
expect_same() {
	if cmp -s "$1" "$2"; then ok; else
		fail "$1 and $2 differ"
		diff "$1" "$2" | head -20 >&2
	fi
}

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
