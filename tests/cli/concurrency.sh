#!/bin/sh
# Concurrency: readers (`kam list`, `kam export`, `kam stats`, `kam rollups`, `kam get`) running
# while two writers import into the same database each see one consistent snapshot, the second
# writer waits for the first (LMDB's writer lock), and both imports end complete.
#
# Writer O imports orders and writer I interactions, started together, so the database goes
# through four states: base (accounts and contacts), +orders, +interactions, +both. Each state is
# built beforehand by uninterrupted imports and fingerprinted per command; every reader's output
# must then be exactly one state's output: a reader that saw part of an import, or rollups that
# disagree with the rows of its snapshot, matches none. The run is done twice: with the default
# map, and with a 1 MiB initial map (KAM_MAPSIZE) so that the writers grow the map many times
# while readers hold snapshots.
#
# Environment: KAM_CONC_ACCOUNTS (default 30000; 12000 in a KAM_SANITIZE build), KAM_CONC_READERS
# (reader loops, default 2).
. "$(dirname "$0")/lib/common.sh"
# Under the sanitizers everything runs about 3x slower: smaller data keeps the timings alike.
SMALL=
sanitized && SMALL=1
DEFAULT_ACCOUNTS=30000
[ -n "$SMALL" ] && DEFAULT_ACCOUNTS=12000
ACCOUNTS=${KAM_CONC_ACCOUNTS:-$DEFAULT_ACCOUNTS}
READERS=${KAM_CONC_READERS:-2}
G="$T/data"
REF="$T/ref"
mkdir -p "$REF"

die() {
	fail "$*"
	finish
	exit 1
}

"$KAM" gen "$G" --accounts "$ACCOUNTS" --seed 11 --quiet || die "kam gen"

# The commands every reader runs, by name; each prints what is compared.
run_cmd() {
	db=$1 name=$2
	case $name in
	stats)
		"$KAM" --db "$db" stats --format csv >"$3" || return 1
		awk -F, '$1 ~ /^(accounts|contacts|orders|interactions)$/' "$3" >"$3.c"
		mv "$3.c" "$3"
		;;
	orders) "$KAM" --db "$db" export orders >"$3" ;;
	interactions) "$KAM" --db "$db" export interactions --format json >"$3" ;;
	accounts) "$KAM" --db "$db" export accounts >"$3" ;;
	rollups) "$KAM" --db "$db" rollups --format csv >"$3" ;;
	list) "$KAM" --db "$db" list accounts --sort -revenue --limit 500 --format csv >"$3" ;;
	esac
}
CMDS="stats orders interactions accounts rollups list"

# reference STATE DB: records what each command prints on a quiet database in STATE.
reference() {
	for c in $CMDS; do
		run_cmd "$2" "$c" "$T/ref.out" || die "$c on $1"
		echo "$(cksum <"$T/ref.out") $1" >>"$REF/$c"
	done
}

# ---- the four states ----
"$KAM" --db "$T/base" init >/dev/null 2>&1 || die "init"
for k in accounts contacts; do
	"$KAM" --db "$T/base" import "$k" "$G/$k.csv" --quiet || die "import $k"
done
reference base "$T/base"
cp -r "$T/base" "$T/s"
"$KAM" --db "$T/s" import orders "$G/orders.csv" --quiet || die "import orders"
reference orders "$T/s"
"$KAM" --db "$T/s" import interactions "$G/interactions.csv" --quiet || die "import interactions"
reference both "$T/s"
# Rollups of the final state agree with the rows: order counts and revenue recomputed from
# the exported orders (awk sums ten-thousandths as integers, exactly).
"$KAM" --db "$T/s" export orders >"$T/o.csv" || die "export orders"
"$KAM" --db "$T/s" rollups --format csv >"$T/r.csv" || die "rollups"
awk -F, '
function units(s,   neg, i, d) {
	neg = sub(/^-/, "", s); i = s; d = ""
	if (index(s, ".")) { i = substr(s, 1, index(s, ".") - 1); d = substr(s, index(s, ".") + 1) }
	while (length(d) < 4) d = d "0"
	return (neg ? -1 : 1) * (i * 10000 + d)
}
FNR == 1 { next }
NR == FNR { n[$2]++; rev[$2] += units($4); next }
{ if (n[$1] + 0 != $2 || rev[$1] + 0 != units($5)) { print "rollup of " $1 " disagrees"; bad++ } }
END { exit bad > 0 }' "$T/o.csv" "$T/r.csv" && ok || fail "rollups disagree with exported orders"
rm -rf "$T/s"
cp -r "$T/base" "$T/s"
"$KAM" --db "$T/s" import interactions "$G/interactions.csv" --quiet || die "import interactions"
reference interactions "$T/s"
rm -rf "$T/s"
# The busiest account, for a reader that checks its rollup against its own interactions.
BUSY=$(sort -t, -k7,7 -n -r "$T/r.csv" | head -n 1 | cut -d, -f1)

# reader N DB: loops over the commands until $T/stop exists; writes what went wrong to
# $T/reader.N.fail and which states it saw to $T/reader.N.seen.
reader() {
	n=$1 db=$2
	out="$T/reader.$n.out"
	while :; do
		for c in $CMDS; do
			if ! run_cmd "$db" "$c" "$out" 2>"$out.err"; then
				echo "reader $n: $c failed: $(head -c 300 "$out.err")"
				continue
			fi
			sum=$(cksum <"$out")
			st=$(awk -v s="$sum" '{ st = $NF; $NF = ""; sub(/ $/, "") } $0 == s { print st; exit }' "$REF/$c")
			if [ -z "$st" ]; then
				echo "reader $n: $c printed a state that is none of the four"
				cp "$out" "$T/reader.$n.$c.bad"
			else
				echo "$c $st" >>"$T/reader.$n.seen"
			fi
		done
		# One command, one snapshot: the rollup counts what the same output lists.
		if "$KAM" --db "$db" get account "$BUSY" --latest 100000 --format json >"$out" 2>"$out.err"; then
			cnt=$(grep -o '"interaction_count":[0-9]*' "$out" | cut -d: -f2)
			listed=$(grep -o '"kind":"' "$out" | wc -l)
			mins=$(grep -o '"minutes":[0-9]*' "$out" | cut -d: -f2 |
				awk 'NR == 1 { r = $1; next } { s += $1 } END { print (r == s + 0) }')
			[ "$cnt" = "$listed" ] && [ "$mins" = 1 ] ||
				echo "reader $n: get account $BUSY: rollup says $cnt interactions, lists $listed"
		else
			echo "reader $n: get failed: $(head -c 300 "$out.err")"
		fi
		[ -e "$T/stop" ] && break
	done >"$T/reader.$n.fail"
}

# race LABEL: both writers and the readers on a fresh copy of the base state.
race() {
	db="$T/db.$1"
	rm -rf "$db" "$T/stop" "$T"/reader.*
	cp -r "$T/base" "$db" || die "copy"
	i=1
	pids=
	while [ "$i" -le "$READERS" ]; do
		reader "$i" "$db" &
		pids="$pids $!"
		i=$((i + 1))
	done
	"$KAM" --db "$db" import orders "$G/orders.csv" --quiet >"$T/wo.err" 2>&1 &
	wo=$!
	"$KAM" --db "$db" import interactions "$G/interactions.csv" --quiet >"$T/wi.err" 2>&1 &
	wi=$!
	wait "$wo"
	rco=$?
	wait "$wi"
	rci=$?
	touch "$T/stop"
	for p in $pids; do wait "$p"; done
	[ "$rco" -eq 0 ] && ok || { fail "$1: orders import exited $rco"; cat "$T/wo.err" >&2; }
	[ "$rci" -eq 0 ] && ok || { fail "$1: interactions import exited $rci"; cat "$T/wi.err" >&2; }
	for f in "$T"/reader.*.fail; do
		if [ -s "$f" ]; then
			fail "$1: $(wc -l <"$f") reader errors"
			head -5 "$f" | sed 's/^/  /' >&2
		else
			ok
		fi
	done
	# Both imports are complete: the database is in the final state, as every command sees it.
	for c in $CMDS; do
		run_cmd "$db" "$c" "$T/final" || fail "$1: $c after the race"
		grep -qxF "$(cksum <"$T/final") both" "$REF/$c" && ok || fail "$1: $c after the race"
	done
	"$KAM" --db "$db" check >"$T/check" 2>&1 && ok || { fail "$1: check after the race"; cat "$T/check" >&2; }
	seen=$(cat "$T"/reader.*.seen 2>/dev/null | awk '{ print $2 }' | sort | uniq -c | tr '\n' ' ')
	echo "concurrency ($1): states seen by readers: $seen"
	rm -rf "$db"
}

race default-map
KAM_MAPSIZE=1048576
export KAM_MAPSIZE
race small-map
unset KAM_MAPSIZE
finish
