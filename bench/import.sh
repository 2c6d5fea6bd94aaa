#!/usr/bin/env bash
# Import benchmark: `kam import` of 1,000,000 generated accounts (about 1.2 GB of CSV) against
# sqlite3's .import of the same files, in the same run. See bench/README.md.
#
# Environment:
#   KAM                      the kam binary (default: build/kam of this repository)
#   KAM_BENCH_DIR            scratch and cache directory (default /tmp/kam-bench)
#   KAM_BENCH_ACCOUNTS       accounts to generate (default 1000000)
#   KAM_BENCH_SEED           generator seed (default 1)
#   KAM_BENCH_RUNS           runs of each kam form (default 3); SQLite runs once
#   KAM_BENCH_SQLITE_INDEXES "minimal" (default): tables plus indexes on (account_id, date);
#                            "full": also id primary keys and the other indexes kam keeps
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
KAM=${KAM:-$root/build/kam}
BENCH=${KAM_BENCH_DIR:-/tmp/kam-bench}
ACCOUNTS=${KAM_BENCH_ACCOUNTS:-1000000}
SEED=${KAM_BENCH_SEED:-1}
INDEXES=${KAM_BENCH_SQLITE_INDEXES:-minimal}
RUNS=${KAM_BENCH_RUNS:-3}
KINDS="accounts contacts orders interactions"

. "$root/bench/lib.sh"

[ -x "$KAM" ] || die "no kam binary at $KAM (build first, or set KAM)"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
case $INDEXES in minimal | full) ;; *) die "KAM_BENCH_SQLITE_INDEXES: minimal or full" ;; esac

mkdir -p "$BENCH"
DATA=$BENCH/data-$ACCOUNTS-$SEED
LOG=$BENCH/log
mkdir -p "$LOG"

# measure NAME CMD...: runs CMD (output in $LOG/NAME), sets WALL (seconds) and RSS (KiB or "").
measure() {
	local name=$1
	shift
	if [ -n "$TIME" ]; then
		if ! "$TIME" -f '%e %M' -o "$LOG/$name.time" "$@" >"$LOG/$name.out" 2>&1; then
			sed 's/^/  | /' "$LOG/$name.out" | tail -20 >&2
			die "$name failed: $*"
		fi
		read -r WALL RSS <"$LOG/$name.time"
	else
		local t0 t1
		t0=$(date +%s.%N)
		"$@" >"$LOG/$name.out" 2>&1 || {
			sed 's/^/  | /' "$LOG/$name.out" | tail -20 >&2
			die "$name failed: $*"
		}
		t1=$(date +%s.%N)
		WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		RSS=
	fi
}

add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
maxrss() { if [ -z "$1" ] || [ -z "$2" ]; then echo ""; elif [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }
mib() { if [ -n "$1" ]; then awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; else echo "n/a"; fi; }
size_of() { du -sb "$1" | awk '{ print $1 }'; }

# ---- data (cached: the files only appear once complete, kam gen renames them into place) ----
have=1
for k in $KINDS; do [ -f "$DATA/$k.csv" ] || have=0; done
if [ "$have" = 1 ]; then
	echo "data:    $DATA (cached)"
else
	echo "data:    generating $ACCOUNTS accounts (seed $SEED) into $DATA"
	measure gen "$KAM" gen "$DATA" --accounts "$ACCOUNTS" --seed "$SEED" --quiet
	echo "         generated in ${WALL}s"
fi
csv_bytes=0
for k in $KINDS; do csv_bytes=$((csv_bytes + $(size_of "$DATA/$k.csv"))); done
# Read the files once so that both engines start from a warm page cache.
cat "$DATA"/*.csv >/dev/null

# ---- kam ----
# This machine's timings of the same import vary by a second or more from run to run (its CPU and
# fresh memory are shared with other virtual machines), so each form runs RUNS times, alternating,
# each on a fresh database; the report gives the best, the median and the slowest run.
KDB=$BENCH/kam.db
BDB=$BENCH/kam-book.db
book_args=()
for k in $KINDS; do book_args+=("$k" "$DATA/$k.csv"); done
kam_walls=() book_walls=() kam_rss=0 book_rss=0
for round in $(seq "$RUNS"); do
	rm -rf "$KDB"
	measure kam-init "$KAM" --db "$KDB" init
	kam_wall=$WALL
	line=""
	for k in $KINDS; do
		measure "kam-$k" "$KAM" --db "$KDB" import "$k" "$DATA/$k.csv" --quiet
		line="$line $k $WALL"
		kam_wall=$(add "$kam_wall" "$WALL")
		kam_rss=$(maxrss "$kam_rss" "$RSS")
	done
	kam_walls+=("$kam_wall")

	# The same book in one command: the four files as one transaction (one commit, one sync).
	rm -rf "$BDB"
	measure kam-book-init "$KAM" --db "$BDB" init
	book_wall=$WALL
	measure kam-book "$KAM" --db "$BDB" import "${book_args[@]}" --quiet
	book_wall=$(add "$book_wall" "$WALL")
	book_rss=$(maxrss "$book_rss" "$RSS")
	book_walls+=("$book_wall")
	printf '         run %d: file by file %6ss (%s), one command %6ss\n' \
		"$round" "$kam_wall" "${line# }" "$book_wall"
done
kam_size=$(size_of "$KDB")
book_size=$(size_of "$BDB")
# spread TIMES...: "best B, median M, slowest S" of the times given.
spread() { printf '%s\n' "$@" | sort -g | awk '{ t[NR] = $1 } END {
	printf "best %.2fs, median %.2fs, slowest %.2fs", t[1], t[int((NR + 1) / 2)], t[NR] }'; }
best_of() { printf '%s\n' "$@" | sort -g | head -1; }
median_of() { printf '%s\n' "$@" | sort -g | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }

# ---- kam's CSV reader alone: a floor for the import's reader threads (needs the build tree) ----
csv_line="n/a (needs $root/build/libkamcore.a and cc)"
CORE=$root/build/libkamcore.a
if [ -f "$CORE" ] && command -v cc >/dev/null; then
	CSVREAD=$LOG/csv_read
	[ -x "$CSVREAD" ] && [ "$CSVREAD" -nt "$CORE" ] && [ "$CSVREAD" -nt "$root/bench/csv_read.c" ] ||
		cc -O2 -I"$root/core" -I"$root/sdk" "$root/bench/csv_read.c" "$CORE" \
			$(pkg-config --libs lmdb lua5.4 2>/dev/null || echo -llmdb -llua5.4) -lm -lpthread \
			-o "$CSVREAD"
	files=()
	for k in $KINDS; do files+=("$DATA/$k.csv"); done
	RUNS=3 best csv-read "$CSVREAD" "${files[@]}"
	csv_line="$(cat "$LOG/csv-read.out") (one thread; the last of 3 runs, the best took ${BEST}s)"
fi

# ---- SQLite ----
SDB=$BENCH/sqlite.db
rm -f "$SDB" "$SDB-journal" "$SDB-wal"
if [ "$INDEXES" = full ]; then
	pk="TEXT PRIMARY KEY"
	extra="CREATE INDEX contacts_account ON contacts(account_id);
CREATE INDEX accounts_region ON accounts(region);
CREATE INDEX accounts_owner ON accounts(owner);"
else
	pk="TEXT"
	extra=""
fi
cat >"$LOG/sqlite.sql" <<EOF
.bail on
$(sqlite_tables "$pk" $KINDS)
CREATE INDEX orders_account_date ON orders(account_id, date);
CREATE INDEX interactions_account_date ON interactions(account_id, date);
$extra
EOF
measure sqlite sqlite3 "$SDB" ".read $LOG/sqlite.sql"
sqlite_wall=$WALL
sqlite_rss=$RSS
sqlite_size=$(size_of "$SDB")

# ---- report ----
ratio="$(ratio "$sqlite_wall" "$(best_of "${kam_walls[@]}")")x best, $(ratio "$sqlite_wall" "$(median_of "${kam_walls[@]}")")x median"
book_ratio="$(ratio "$sqlite_wall" "$(best_of "${book_walls[@]}")")x best, $(ratio "$sqlite_wall" "$(median_of "${book_walls[@]}")")x median"
kam_x=$(awk -v d="$kam_size" -v c="$csv_bytes" 'BEGIN { printf "%.2f", d / c }')
book_x=$(awk -v d="$book_size" -v c="$csv_bytes" 'BEGIN { printf "%.2f", d / c }')
sqlite_x=$(awk -v d="$sqlite_size" -v c="$csv_bytes" 'BEGIN { printf "%.2f", d / c }')
cat <<EOF

accounts:        $ACCOUNTS (seed $SEED)
CSV bytes:       $csv_bytes
kam import:      $(spread "${kam_walls[@]}") over $RUNS runs (init + 4 imports), peak memory $(mib "$kam_rss")
kam, one command: $(spread "${book_walls[@]}") over $RUNS runs (init + 1 import of the 4 files), peak memory $(mib "$book_rss")
CSV reader alone: $csv_line
sqlite3 .import: ${sqlite_wall}s ($INDEXES indexes), peak memory $(mib "$sqlite_rss")
speed ratio:     file by file ${ratio}; one command ${book_ratio} (SQLite time / kam time)
kam database:    $kam_size bytes (${kam_x}x CSV); in one command $book_size bytes (${book_x}x CSV)
SQLite database: $sqlite_size bytes (${sqlite_x}x CSV)
targets:         kam <= 6 s, >= 5x faster than SQLite, database <= 1.5x CSV
EOF
