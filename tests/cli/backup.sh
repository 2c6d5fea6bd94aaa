#!/bin/sh
# kam backup: the copy opens as a database equal to the original (exports, counts, rollups, its
# configuration), with private modes; --compact gives a smaller file with the same contents; refusals leave what was
# there; and backups taken while an import runs each hold all of it or none of it.
. "$(dirname "$0")/lib/common.sh"
DB="$T/db"

expect_exit 0 "$KAM" --db "$DB" init
for k in accounts contacts orders interactions; do
	expect_exit 0 "$KAM" --db "$DB" import "$k" "$DATA/$k.csv" --quiet
done

# same_db COPY: the copy holds what the original does, rollups included.
same_db() {
	same_book "$DB" "$1"
	"$KAM" --db "$DB" rollups --format csv >"$T/a" && "$KAM" --db "$1" rollups --format csv >"$T/b"
	expect_same "$T/a" "$T/b"
}

# The database's configuration goes along.
printf 'segmentation = { default = { model = "abc", params = { a = 0.7 } } }\n' >"$DB/kam.conf.lua"
expect_exit 0 "$KAM" --db "$DB" backup "$T/copy"
expect_in "$T/out" "written to $T/copy/data.mdb ("
same_db "$T/copy"
expect_eq "copy directory mode" "$(stat -c %a "$T/copy")" 700
expect_eq "copy file mode" "$(stat -c %a "$T/copy/data.mdb")" 600
expect_eq "copy of the configuration" "$(cat "$T/copy/kam.conf.lua")" "$(cat "$DB/kam.conf.lua")"
expect_eq "configuration mode" "$(stat -c %a "$T/copy/kam.conf.lua")" 600
rm "$DB/kam.conf.lua"
# The copy is a database of its own: writing to it leaves the original as it was.
expect_exit 0 "$KAM" --db "$T/copy" log A1 call --minutes 5 --date 2026-03-02
expect_eq "interactions of the original" "$(count interactions)" 4
expect_eq "interactions of the copy" "$(count_in "$T/copy" interactions)" 5

# An empty directory is taken (parents are made); anything else is refused and left alone.
mkdir "$T/empty"
expect_exit 0 "$KAM" --db "$DB" backup "$T/empty"
same_db "$T/empty"
expect_exit 0 "$KAM" --db "$DB" backup "$T/new/parents/copy"
same_db "$T/new/parents/copy"
cksum "$T/copy/data.mdb" >"$T/sum"
expect_exit 1 "$KAM" --db "$DB" backup "$T/copy"
expect_in "$T/err" "exists and is not an empty directory; nothing was written"
cksum "$T/copy/data.mdb" | cmp -s - "$T/sum" && ok || fail "a refused backup changed the directory"
echo note >"$T/file"
expect_exit 1 "$KAM" --db "$DB" backup "$T/file"
expect_in "$T/err" "exists and is not an empty directory"
expect_eq "the file" "$(cat "$T/file")" note
expect_exit 2 "$KAM" --db "$DB" backup
expect_in "$T/err" "which directory?"
expect_exit 2 "$KAM" --db "$DB" backup "$T/x" "$T/y"
expect_exit 1 "$KAM" --db "$T/nodb" backup "$T/x"
expect_in "$T/err" "no database at"
[ ! -e "$T/x" ] && ok || fail "a failed backup left $T/x"

# --compact leaves out the pages that replaced rows freed: smaller, same contents.
for _ in 1 2 3; do
	expect_exit 0 "$KAM" --db "$DB" import orders "$DATA/orders.csv" --quiet
done
expect_exit 0 "$KAM" --db "$DB" backup "$T/plain"
expect_exit 0 "$KAM" --db "$DB" backup "$T/compact" --compact
expect_in "$T/out" "compacted)"
plain=$(stat -c %s "$T/plain/data.mdb")
compact=$(stat -c %s "$T/compact/data.mdb")
[ "$compact" -lt "$plain" ] && ok || fail "compacted $compact bytes, plain $plain"
same_db "$T/plain"
same_db "$T/compact"

# While an import runs, every backup holds the book before it or after it. The import reads a
# pipe that stays open a second after its last row, so that backups run while the rows are
# written but not committed: --compact copies from a read transaction and goes on; a plain copy
# waits for the commit (LMDB holds writers back while it reads the meta pages). A 1 MiB initial
# map (KAM_MAPSIZE) makes the import grow the map under the backups, the plain one's above all.
B="$T/book"
"$KAM" gen "$T/gen" --accounts 4000 --seed 5 --quiet || fail "gen"
expect_exit 0 "$KAM" --db "$B" init
expect_exit 0 "$KAM" --db "$B" import accounts "$T/gen/accounts.csv" --quiet
"$KAM" --db "$B" export orders | cksum >"$T/before"
cp -r "$B" "$T/after-db"
"$KAM" --db "$T/after-db" import orders "$T/gen/orders.csv" --quiet || fail "reference import"
"$KAM" --db "$T/after-db" export orders | cksum >"$T/after"
export KAM_MAPSIZE=1048576
{ cat "$T/gen/orders.csv"; sleep 1; } | "$KAM" --db "$B" import orders - --quiet &
writer=$!
"$KAM" --db "$B" backup "$T/b0" >/dev/null &
plain=$!
n=0
while kill -0 "$writer" 2>/dev/null || [ "$n" -eq 0 ]; do
	n=$((n + 1))
	"$KAM" --db "$B" backup "$T/b$n" --compact >/dev/null || { fail "backup $n"; break; }
	sleep 0.05
done
wait "$writer" && ok || fail "the import during the backups"
wait "$plain" && ok || fail "the plain backup during the import"
unset KAM_MAPSIZE
before=0 after=0
for i in $(seq 0 "$n"); do
	"$KAM" --db "$T/b$i" export orders | cksum >"$T/got"
	if cmp -s "$T/got" "$T/before"; then before=$((before + 1)); ok
	elif cmp -s "$T/got" "$T/after"; then after=$((after + 1)); ok
	else fail "backup $i holds part of the import"; fi
done
echo "$((n + 1)) backups during the import: $before before it, $after after it"
[ "$before" -gt 0 ] && ok || fail "no backup ran while the import was open"
finish
