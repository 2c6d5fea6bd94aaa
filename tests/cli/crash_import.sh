#!/bin/sh
# Crash safety: `kam import` killed with SIGKILL at random moments, over and over, on one
# database. After every kill the database must open at once (no recovery step), every import
# committed before must be intact, and the killed import must be all there or not there at all.
#
# The database moves between three states, each fingerprinted beforehand by uninterrupted imports
# into a reference database:
#   S0  accounts and contacts
#   S1  S0 + orders.csv        (generated orders)
#   S2  S0 + orders2.csv       (the same order ids with other amounts: an upsert of every row)
# Each round starts an import towards the other orders state (S0 -> S1, S1 -> S2, S2 -> S1) and
# kills it after a random delay; the database must then be in the state it was in or in the
# target state, nothing in between. Every third round's import is of two files in one command. Half of the delays fall near the end of an import, where the
# commit writes its pages.
#
# Environment: KAM_CRASH_ROUNDS (default 20), KAM_CRASH_ACCOUNTS (default 45000, about 450,000
# orders; 15000 in a KAM_SANITIZE build), KAM_CRASH_SEED (default: from the clock; printed, to
# replay the same delays).
# bench/crash_stress.sh runs this with 200 rounds.
. "$(dirname "$0")/lib/common.sh"
# Under the sanitizers everything runs about 3x slower: smaller data keeps the timings alike.
SMALL=
sanitized && SMALL=1
ROUNDS=${KAM_CRASH_ROUNDS:-20}
DEFAULT_ACCOUNTS=45000
[ -n "$SMALL" ] && DEFAULT_ACCOUNTS=15000
ACCOUNTS=${KAM_CRASH_ACCOUNTS:-$DEFAULT_ACCOUNTS}
SEED=${KAM_CRASH_SEED:-$(date +%s)}
DB="$T/db"
REF="$T/ref"
G="$T/data"
echo "crash_import: $ROUNDS rounds, $ACCOUNTS accounts, seed $SEED"
command -v timeout >/dev/null || {
	echo "crash_import: timeout (coreutils) is needed" >&2
	exit 1
}

die() {
	fail "$*"
	finish
	exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

"$KAM" gen "$G" --accounts "$ACCOUNTS" --seed 5 --quiet || die "kam gen"
rm -f "$G/interactions.csv"
grep -q '"' "$G/orders.csv" && die "orders.csv has quoted fields; the awk below needs none"
awk -F, -v OFS=, 'NR > 1 { $4 = "1"; $5 = "" } { print }' "$G/orders.csv" >"$G/orders2.csv"
NORDERS=$(($(wc -l <"$G/orders.csv") - 1))

# fingerprint DB OUT: one line per check; equal lines, equal databases (as the CLI sees them).
# Fails (returns 1) when a command fails: a database that does not open is never a valid state.
fingerprint() {
	db=$1 out=$2
	: >"$out"
	"$KAM" --db "$db" stats --format csv >"$T/fp.stats" 2>"$T/fp.err" || return 1
	awk -F, '$1 ~ /^(accounts|contacts|orders|interactions)$/' "$T/fp.stats" >>"$out"
	for k in accounts contacts orders; do
		"$KAM" --db "$db" export "$k" >"$T/fp.csv" 2>"$T/fp.err" || return 1
		echo "$k $(cksum <"$T/fp.csv")" >>"$out"
	done
	"$KAM" --db "$db" rollups --format csv >"$T/fp.csv" 2>"$T/fp.err" || return 1
	echo "rollups $(cksum <"$T/fp.csv")" >>"$out"
}

# ---- the three states, and how long an import takes ----
"$KAM" --db "$REF" init >/dev/null 2>&1 || die "init"
for k in accounts contacts; do
	"$KAM" --db "$REF" import "$k" "$G/$k.csv" --quiet || die "import $k"
done
cp -r "$REF" "$DB" || die "copy"
fingerprint "$REF" "$T/S0" || die "fingerprint S0"
t0=$(now_ms)
"$KAM" --db "$REF" import orders "$G/orders.csv" --quiet || die "import orders"
t1=$(now_ms)
fingerprint "$REF" "$T/S1" || die "fingerprint S1"
t2=$(now_ms)
"$KAM" --db "$REF" import orders "$G/orders2.csv" --quiet || die "import orders2"
t3=$(now_ms)
fingerprint "$REF" "$T/S2" || die "fingerprint S2"
# Back to S1 by an upsert of the first file: rollups must follow replaced rows exactly.
"$KAM" --db "$REF" import orders "$G/orders.csv" --quiet || die "import orders again"
fingerprint "$REF" "$T/S1b" || die "fingerprint S1 again"
expect_same "$T/S1" "$T/S1b"
rm -rf "$REF"
grep -qx "orders,$NORDERS" "$T/S1" && ok || fail "S1 does not hold $NORDERS orders"
cmp -s "$T/S1" "$T/S2" && die "S1 and S2 look the same; the test could not tell them apart"
# Delays scale with the slower of an import into nothing and an upsert of every row.
IMPORT_MS=$((t1 - t0))
[ $((t3 - t2)) -gt "$IMPORT_MS" ] && IMPORT_MS=$((t3 - t2))
[ "$IMPORT_MS" -lt 50 ] && IMPORT_MS=50
echo "crash_import: an uninterrupted import of $NORDERS orders takes up to ${IMPORT_MS} ms"

# ---- kill, check, repeat ----
# The delays, in seconds: even rounds anywhere from the start to past the end of an import, odd
# rounds around its end.
awk -v s="$SEED" -v n="$ROUNDS" -v t="$IMPORT_MS" 'BEGIN {
	srand(s % 2147483647)
	for (r = 1; r <= n; r++) {
		u = rand()
		ms = (r % 2) ? t * (0.85 + 0.5 * u) : t * 1.2 * u
		printf "%.3f\n", (ms < 1 ? 1 : ms) / 1000
	}
}' >"$T/delays"
state=S0
killed=0
completed=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	case $state in
	S0 | S2) file="$G/orders.csv" target=S1 ;;
	S1) file="$G/orders2.csv" target=S2 ;;
	esac
	delay=$(sed -n "${r}p" "$T/delays")
	# SIGKILL after the delay, unless the import ended first (timeout then returns at once).
	# Every third round imports the contacts again too (the same rows: no change of state), as
	# one transaction with the orders: a kill must leave both files, or neither.
	if [ $((r % 3)) -eq 0 ]; then
		set -- contacts "$G/contacts.csv" orders "$file"
	else
		set -- orders "$file"
	fi
	timeout -s KILL "$delay" "$KAM" --db "$DB" import "$@" --quiet >"$T/import.out" 2>&1
	rc=$?
	case $rc in
	137) killed=$((killed + 1)) ;;
	0) completed=$((completed + 1)) ;;
	*)
		fail "round $r: import exited $rc"
		sed 's/^/  | /' "$T/import.out" >&2
		;;
	esac
	# The very next command opens the database: no recovery step.
	if ! fingerprint "$DB" "$T/now"; then
		fail "round $r (delay ${delay}s, exit $rc): the database does not open after the kill"
		sed 's/^/  | /' "$T/fp.err" >&2
		break
	fi
	if cmp -s "$T/now" "$T/$target"; then
		state=$target
		ok
	elif cmp -s "$T/now" "$T/$state"; then
		[ "$rc" -eq 0 ] && fail "round $r: the import exited 0 but is not visible" || ok
	else
		fail "round $r (delay ${delay}s, exit $rc): neither $state nor $target"
		diff "$T/$state" "$T/now" | sed 's/^/  /' >&2
		break
	fi
	r=$((r + 1))
done
echo "crash_import: $killed imports killed, $completed completed before the kill"

# No reader slot of a killed process is left taken, and a last import runs to the end.
"$KAM" --db "$DB" stats --format csv >"$T/stats" 2>&1 || fail "stats"
expect_in "$T/stats" "readers,1"
case $state in S1) file="$G/orders2.csv" target=S2 ;; *) file="$G/orders.csv" target=S1 ;; esac
expect_exit 0 "$KAM" --db "$DB" import orders "$file" --quiet
fingerprint "$DB" "$T/now" || fail "fingerprint after the last import"
expect_same "$T/now" "$T/$target"
# After all those kills the database agrees with itself: records, indexes and rollups.
expect_exit 0 "$KAM" --db "$DB" check
expect_in "$T/out" ": no problems"
finish
