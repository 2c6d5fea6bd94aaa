#!/bin/sh
# Damaged databases: copies of a small database, truncated, with bits flipped, with pages zeroed,
# with a lock file of garbage. Reading commands on each copy must end, within a time limit, with
# exit 0 (the damage hit unused space) or exit 1 with an error: never a signal, a sanitizer
# report or a hang.
#
# The damage is pseudo-random from KAM_DAMAGE_SEED (default 1, so that CI always tries the same
# copies; set another seed to explore). KAM_DAMAGE_FLIPS (default 60) single-bit flips are tried;
# every page is zeroed in turn, up to KAM_DAMAGE_PAGES (default 40) of them spread over the file.
#
# liblmdb trusts its B-tree pages: when a whole page is overwritten, a scan that reaches it can
# fail an assertion inside liblmdb or read through a wild pointer. kam turns both into exit 1
# with a message saying the database is damaged (an LMDB assert callback in core/store.c, a
# SIGSEGV/SIGBUS handler in shell/main.c). Builds with AddressSanitizer keep ASan's own SEGV
# report, so there, for whole-page damage only, a SEGV whose top frame is in liblmdb is counted
# as KNOWN; KAM_DAMAGE_STRICT=1 fails on those too. See docs/reliability.md.
. "$(dirname "$0")/lib/common.sh"
SEED=${KAM_DAMAGE_SEED:-1}
FLIPS=${KAM_DAMAGE_FLIPS:-60}
MAXPAGES=${KAM_DAMAGE_PAGES:-40}
STRICT=${KAM_DAMAGE_STRICT:-0}
CMDS="stats|export accounts|list accounts|get account A0000007|export orders|rollups"
LIMIT=${KAM_DAMAGE_TIMEOUT:-10}
DB="$T/db"
# A sanitizer report must not pass for a plain "exit 1".
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"
export ASAN_OPTIONS UBSAN_OPTIONS
echo "damaged_db: seed $SEED"

die() {
	fail "$*"
	finish
	exit 1
}

command -v timeout >/dev/null || die "timeout (coreutils) is needed"
"$KAM" gen "$T/g" --accounts 150 --seed 3 --quiet || die "gen"
"$KAM" --db "$DB" init >/dev/null 2>&1 || die "init"
for k in accounts contacts orders interactions; do
	"$KAM" --db "$DB" import "$k" "$T/g/$k.csv" --quiet || die "import $k"
done
SIZE=$(stat -c %s "$DB/data.mdb")
PAGE=4096
NPAGES=$((SIZE / PAGE))
echo "damaged_db: data.mdb is $SIZE bytes ($NPAGES pages)"

# The intact database answers every command.
IFS='|'
for cmd in $CMDS; do
	IFS=' '
	# shellcheck disable=SC2086
	"$KAM" --db "$DB" $cmd >/dev/null 2>&1 && ok || die "intact database: $cmd fails"
done
IFS=' '


CASES=0
BAD=0
KNOWN=0
# known_crash RC: 0 when exit status RC with $T/err is the known liblmdb crash on a bad page.
known_crash() {
	[ "$STRICT" = 1 ] && return 1
	case $1 in
	86) grep -q 'AddressSanitizer: \(SEGV\|BUS\)' "$T/err" &&
		grep -m 1 '^ *#0 ' "$T/err" | grep -q 'liblmdb\.so' ;;
	*) return 1 ;;
	esac
}

# probe LABEL DIR [page]: runs every reading command on the damaged copy DIR; "page" marks
# whole-page damage, where the known liblmdb crashes are tolerated.
probe() {
	label=$1 dir=$2 whole=${3:-}
	CASES=$((CASES + 1))
	IFS='|'
	for cmd in $CMDS; do
		IFS=' '
		# shellcheck disable=SC2086
		timeout -s KILL "$LIMIT" "$KAM" --db "$dir" $cmd >/dev/null 2>"$T/err"
		rc=$?
		if [ -n "$whole" ] && known_crash "$rc"; then
			echo "KNOWN: $label: kam $cmd: exit $rc: $(grep -m 1 'mdb\.c\|ERROR' "$T/err")"
			KNOWN=$((KNOWN + 1))
			continue
		elif [ "$rc" -eq 137 ]; then
			why="hung (killed after ${LIMIT}s)"
		elif [ "$rc" -gt 128 ]; then
			why="died of signal $((rc - 128))"
		elif [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
			why="exited $rc"
		elif grep -q 'Sanitizer\|runtime error:' "$T/err"; then
			why="sanitizer report"
		elif [ "$rc" -eq 1 ] && [ ! -s "$T/err" ]; then
			why="exit 1 without a message"
		else
			ok
			continue
		fi
		fail "$label: kam $cmd $why"
		head -12 "$T/err" | sed 's/^/  | /' >&2
		BAD=$((BAD + 1))
		# Keep the first few damaged copies to look at.
		[ "$BAD" -le 3 ] && cp -r "$dir" "${TMPDIR:-/tmp}/kam-damaged.$SEED.$BAD" 2>/dev/null &&
			echo "  kept as ${TMPDIR:-/tmp}/kam-damaged.$SEED.$BAD" >&2
	done
	IFS=' '
}

# copy: a fresh copy of the intact database in $T/d.
copy() {
	rm -rf "$T/d"
	cp -r "$DB" "$T/d"
}

# ---- truncated data files ----
for size in 0 1 100 4095 4096 8191 8192 12288 $((SIZE / 2)) $((SIZE - PAGE)) $((SIZE - 1)); do
	copy
	truncate -s "$size" "$T/d/data.mdb"
	probe "data.mdb truncated to $size bytes" "$T/d"
done
# A data file longer than its pages is fine.
copy
truncate -s $((SIZE + 3 * PAGE)) "$T/d/data.mdb"
expect_exit 0 "$KAM" --db "$T/d" export accounts

# ---- single bit flips at random offsets, a quarter of them in the two meta pages ----
awk -v s="$SEED" -v n="$FLIPS" -v size="$SIZE" 'BEGIN {
	srand(s)
	for (i = 0; i < n; i++) {
		off = (i % 4 == 0) ? int(rand() * 8192) : int(rand() * size)
		print off, int(rand() * 8)
	}
}' >"$T/flips"
while read -r off bit; do
	copy
	byte=$(od -An -tu1 -j "$off" -N1 "$T/d/data.mdb" | tr -d ' ')
	new=$((byte ^ (1 << bit)))
	printf "$(printf '\\%03o' "$new")" |
		dd of="$T/d/data.mdb" bs=1 seek="$off" count=1 conv=notrunc 2>/dev/null
	probe "bit $bit of byte $off flipped" "$T/d"
done <"$T/flips"

# ---- zeroed pages, every page or an even spread of them ----
step=1
[ "$NPAGES" -gt "$MAXPAGES" ] && step=$(((NPAGES + MAXPAGES - 1) / MAXPAGES))
p=0
while [ "$p" -lt "$NPAGES" ]; do
	copy
	dd if=/dev/zero of="$T/d/data.mdb" bs="$PAGE" seek="$p" count=1 conv=notrunc 2>/dev/null
	probe "page $p zeroed" "$T/d" page
	p=$((p + step))
done
# Both meta pages at once: not a database any more.
copy
dd if=/dev/zero of="$T/d/data.mdb" bs="$PAGE" count=2 conv=notrunc 2>/dev/null
probe "both meta pages zeroed" "$T/d" page
expect_exit 1 "$KAM" --db "$T/d" stats
# Pseudo-random bytes over a few whole pages past the metas.
for p in 2 3 $((NPAGES / 2)) $((NPAGES - 1)); do
	[ "$p" -ge 2 ] && [ "$p" -lt "$NPAGES" ] || continue
	copy
	awk -v s="$SEED" -v p="$p" -v n="$PAGE" 'BEGIN {
		srand(s * 7919 + p)
		for (i = 0; i < n; i++) printf "%c", 1 + int(rand() * 255)
	}' | dd of="$T/d/data.mdb" bs="$PAGE" seek="$p" count=1 conv=notrunc 2>/dev/null
	probe "page $p random" "$T/d" page
done

# ---- the lock file ----
copy
head -c 8192 /dev/urandom >"$T/d/lock.mdb"
probe "lock.mdb of random bytes" "$T/d"
copy
head -c 8192 /dev/zero | tr '\0' '\377' >"$T/d/lock.mdb"
probe "lock.mdb of 0xff bytes" "$T/d"
copy
: >"$T/d/lock.mdb"
probe "lock.mdb empty" "$T/d"
copy
truncate -s 100 "$T/d/lock.mdb"
probe "lock.mdb truncated" "$T/d"
copy
rm -f "$T/d/lock.mdb"
probe "lock.mdb missing" "$T/d"
# ...and not a regular file.
copy
mkdir "$T/d/x" && rm -f "$T/d/data.mdb" && mv "$T/d/x" "$T/d/data.mdb"
probe "data.mdb is a directory" "$T/d"

echo "damaged_db: $CASES damaged copies, $BAD failures, $KNOWN known liblmdb crashes on whole-page damage"
finish
