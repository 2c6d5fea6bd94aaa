# bench/lib.sh - what the benchmark scripts share: sourced after they set their settings (RUNS;
# import.sh also LOG; the others call bench_setup).
# shellcheck shell=bash

die() {
	echo "bench: $*" >&2
	exit 1
}

# GNU time gives CPU seconds and peak memory too (the machine may be shared: wall time then
# waits for a CPU); installed when missing and run as root, else those columns say n/a.
TIME=/usr/bin/time
if [ ! -x "$TIME" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 || true
fi
[ -x "$TIME" ] || TIME=

# ms: wall-clock milliseconds now.
ms() { date +%s%3N; }

# The fastest run of each name so far: wall milliseconds, CPU seconds (user + system) and peak
# RSS in MB, the last two "n/a" without GNU time.
declare -A FASTEST_MS FASTEST_CPU FASTEST_MEM

# timed NAME CMD...: runs CMD once (output in $LOG/NAME.out), and keeps it as NAME's fastest run
# when it is.
timed() {
	local name=$1 t0 t1 d
	shift
	t0=$(ms)
	if [ -n "$TIME" ]; then
		"$TIME" -f '%U %S %M' -o "$LOG/$name.time" "$@" >"$LOG/$name.out" 2>&1 || {
			sed 's/^/  | /' "$LOG/$name.out" | tail -20 >&2
			die "$name failed: $*"
		}
	else
		"$@" >"$LOG/$name.out" 2>&1 || {
			sed 's/^/  | /' "$LOG/$name.out" | tail -20 >&2
			die "$name failed: $*"
		}
	fi
	t1=$(ms)
	d=$((t1 - t0))
	if [ -z "${FASTEST_MS[$name]:-}" ] || [ "$d" -lt "${FASTEST_MS[$name]}" ]; then
		FASTEST_MS[$name]=$d
		FASTEST_CPU[$name]=n/a
		FASTEST_MEM[$name]=n/a
		if [ -n "$TIME" ]; then
			FASTEST_CPU[$name]=$(awk '{ printf "%.2f", $1 + $2 }' "$LOG/$name.time")
			FASTEST_MEM[$name]=$(awk '{ printf "%d", $3 / 1024 }' "$LOG/$name.time")
		fi
	fi
}

# fastest NAME: sets BEST (wall seconds), CPU and MEM of NAME's fastest run, and forgets its runs.
fastest() {
	BEST=$(awk -v m="${FASTEST_MS[$1]}" 'BEGIN { printf "%.3f", m / 1000 }')
	CPU=${FASTEST_CPU[$1]}
	MEM=${FASTEST_MEM[$1]}
	unset "FASTEST_MS[$1]" "FASTEST_CPU[$1]" "FASTEST_MEM[$1]"
}

# best NAME CMD...: runs CMD $RUNS times (output in $LOG/NAME.out); sets BEST, CPU and MEM of the
# fastest run (see fastest).
best() {
	local name=$1
	shift
	for _ in $(seq "$RUNS"); do
		timed "$name" "$@"
	done
	fastest "$name"
}

# in_turn NAME1 CMD1 NAME2 CMD2: two commands (CMD1 and CMD2 name arrays of words) run one after
# the other, $RUNS times, so that both meet the same moments of a shared machine: this VM has
# spells of tens of seconds where every program runs up to a third slower (bench/README.md,
# "Spells"), and a ratio of engines timed a minute apart could take one engine's spell for its
# speed. Read each one's fastest run with fastest NAME.
in_turn() {
	local -n in_turn_1=$2 in_turn_2=$4
	for _ in $(seq "$RUNS"); do
		timed "$1" "${in_turn_1[@]}"
		timed "$3" "${in_turn_2[@]}"
	done
}

# once NAME CMD...: best with a single run.
once() { RUNS=1 best "$@"; }

# page_cache FILE...: drops the files from the page cache, then reads them back once, so that
# every engine starts from the cache a restart and a first read leave, whatever wrote the files
# before. Pages cached by writing (a fresh import's) stay in 4 KB pieces, and reading them through
# a map costs more page faults than pages read back in large pieces: kam's runs were 20-30 ms
# slower on them (bench/README.md, "Page cache"). GNU dd's nocache with count=0 drops a file.
page_cache() {
	local f
	for f in "$@"; do
		dd if="$f" iflag=nocache count=0 status=none
		cat "$f" >/dev/null
	done
}

# paused NAME CMD...: once, after a pause of 5 s. This VM class gives memory freed for longer than
# about 2 s back to its host (virtio-balloon free page reporting), and touching such memory
# again costs much more: a lone run after a pause is slower than the best of back-to-back runs,
# for kam's huge pages most (bench/README.md, "Runs after a pause").
paused() {
	sleep 5
	once "$@"
}

# ratio A B: A / B to one decimal.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

# bench_data: bench/import.sh's cached CSV files of $ACCOUNTS accounts (seed $SEED) in $DATA,
# generated when missing.
bench_data() {
	local k
	for k in accounts contacts orders interactions; do
		if [ ! -f "$DATA/$k.csv" ]; then
			echo "data:    generating $ACCOUNTS accounts (seed $SEED) into $DATA"
			"$KAM" gen "$DATA" --accounts "$ACCOUNTS" --seed "$SEED" --quiet
			break
		fi
	done
	echo "data:    $DATA"
}

# bench_kam_db [--segment] CHECK...: the cached kam database $KDB of $WORK: the four files of
# $DATA imported once, then with --segment a segmentation stored as of $AS_OF; complete once
# $WORK/kam.ok exists. A cached database on which `kam --db $KDB CHECK...` fails (this kam
# cannot read it) is rebuilt, and so is one imported for another schema (the marker names it):
# kam would upgrade it in place, and timings would be of the upgrade's layout, not of the one an
# import makes (or of an earlier build's snapshots: schema 4's blocks read tiers faster). Sets
# KDB_NEW to 1 when it built the database, else 0.
BENCH_SCHEMA="schema 4"
bench_kam_db() {
	local segment=0 k
	if [ "$1" = --segment ]; then
		segment=1
		shift
	fi
	KDB_NEW=0
	if [ -f "$WORK/kam.ok" ] && [ "$(cat "$WORK/kam.ok")" != "$BENCH_SCHEMA" ]; then
		echo "kam:     $KDB was imported for another schema: importing it again"
		rm -f "$WORK/kam.ok"
	fi
	if [ -f "$WORK/kam.ok" ] &&
		! { "$KAM" --db "$KDB" stats && "$KAM" --db "$KDB" "$@"; } >/dev/null 2>&1; then
		echo "kam:     $KDB is not readable by this kam: rebuilding it"
		rm -f "$WORK/kam.ok"
	fi
	[ -f "$WORK/kam.ok" ] && return 0
	echo "kam:     importing into $KDB (once; cached)"
	rm -rf "$KDB"
	"$KAM" --db "$KDB" init >/dev/null
	for k in accounts contacts orders interactions; do
		"$KAM" --db "$KDB" import "$k" "$DATA/$k.csv" --quiet
	done
	if [ "$segment" = 1 ]; then
		echo "kam:     segmenting as of $AS_OF (once; cached)"
		"$KAM" --db "$KDB" segment --as-of "$AS_OF" --quiet
	fi
	echo "$BENCH_SCHEMA" >"$WORK/kam.ok"
	KDB_NEW=1
}

# sqlite_tables PK KIND...: the sqlite3 statements that create the tables of the CSV kinds (the
# columns of REFERENCE.md, typed; ids declared PK: "TEXT" or "TEXT PRIMARY KEY"), then import
# $DATA/KIND.csv into each.
sqlite_tables() {
	local pk=$1 k
	shift
	for k in "$@"; do
		case $k in
		accounts) printf '%s\n' "CREATE TABLE accounts(id $pk, name TEXT, region TEXT, industry TEXT,
	channel TEXT, employees INTEGER, net_assets NUMERIC, annual_revenue NUMERIC, wallet NUMERIC,
	owner TEXT, created TEXT, stage TEXT);" ;;
		contacts) printf '%s\n' "CREATE TABLE contacts(id $pk, account_id TEXT, name TEXT, role TEXT,
	phone TEXT, email TEXT, active TEXT);" ;;
		orders) printf '%s\n' "CREATE TABLE orders(id $pk, account_id TEXT, date TEXT, amount NUMERIC,
	profit NUMERIC, mode TEXT, category TEXT, paid NUMERIC);" ;;
		interactions) printf '%s\n' "CREATE TABLE interactions(id $pk, account_id TEXT, date TEXT,
	kind TEXT, minutes INTEGER, outcome TEXT, objection TEXT, contact_id TEXT, note TEXT);" ;;
		*) die "sqlite_tables: no table for $k" ;;
		esac
	done
	for k in "$@"; do printf '.import --csv --skip 1 "%s" %s\n' "$DATA/$k.csv" "$k"; done
}

# bench_setup NAME [TOOL...]: checks $KAM, $AS_OF and the tools (sqlite3, node: node and npm,
# cc) the benchmark needs, and sets DATA (bench/import.sh's cache), WORK ($BENCH/NAME-ACCOUNTS-
# SEED, created) and LOG (created).
bench_setup() {
	local name=$1 t
	shift
	[ -x "$KAM" ] || die "no kam binary at $KAM (build first, or set KAM)"
	for t in "$@"; do
		case $t in
		sqlite3) command -v sqlite3 >/dev/null || die "sqlite3 is not installed" ;;
		node)
			command -v node >/dev/null || die "node is not installed (apt-get install nodejs npm)"
			command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
			;;
		cc) command -v cc >/dev/null || die "no C compiler for the scan helper" ;;
		esac
	done
	date -d "$AS_OF" +%F >/dev/null 2>&1 || die "KAM_BENCH_AS_OF: not a date: $AS_OF"
	DATA=$BENCH/data-$ACCOUNTS-$SEED
	WORK=$BENCH/$name-$ACCOUNTS-$SEED
	LOG=$BENCH/log
	mkdir -p "$WORK" "$LOG"
}
