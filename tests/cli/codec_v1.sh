#!/bin/sh
# A database whose records are in version 1 of the record codec (written by Kam before version 2,
# tests/data/book_codec_v1.mdb.gz: tests/data/*.csv imported) reads exactly as the same files
# imported now, in version 2, and takes updates.
. "$(dirname "$0")/lib/common.sh"

# An LMDB file is only readable on the byte order and word size that wrote it (x86-64 here).
if [ "$(getconf LONG_BIT)" != 64 ] || [ "$(printf 'ab' | od -An -tx2 | tr -d ' ')" != 6261 ]; then
	echo "skipped: the fixture is a little-endian 64-bit LMDB file"
	exit 77
fi

OLD="$T/v1"
NEW="$T/v2"
mkdir -m 700 "$OLD"
gzip -dc "$DATA/book_codec_v1.mdb.gz" >"$OLD/data.mdb" || fail "cannot unpack the fixture"
chmod 600 "$OLD/data.mdb"
expect_exit 0 "$KAM" --db "$NEW" init
for k in accounts contacts orders interactions; do
	expect_exit 0 "$KAM" --db "$NEW" import "$k" "$DATA/$k.csv" --quiet
done

# same_books STEP: every kind exports the same from both, as csv and json, and A1 reads the same.
same_books() {
	for k in accounts contacts orders interactions; do
		for f in csv json; do
			"$KAM" --db "$OLD" export "$k" --format "$f" >"$T/old.$k.$f" || fail "$1: export $k"
			"$KAM" --db "$NEW" export "$k" --format "$f" >"$T/new.$k.$f" || fail "$1: export $k"
			expect_same "$T/old.$k.$f" "$T/new.$k.$f"
		done
	done
	"$KAM" --db "$OLD" get account A1 --format json >"$T/old.a1" || fail "$1: get A1"
	"$KAM" --db "$NEW" get account A1 --format json >"$T/new.a1" || fail "$1: get A1"
	expect_same "$T/old.a1" "$T/new.a1"
}

same_books "as written"
expect_eq "schema version before" "$(count_in "$OLD" schema_version)" 1
# The fixture holds what the test data says (a custom column, a time, a note with a comma).
expect_in "$T/old.accounts.json" '"tier_note":"likes \"fast\" replies"'
expect_in "$T/old.interactions.csv" '2026-02-20T14:05:00'
expect_in "$T/old.a1" '"revenue":1250.5'

# Updates rewrite records in version 2 next to version 1 ones; the books stay the same.
for db in "$OLD" "$NEW"; do
	expect_exit 0 "$KAM" --db "$db" import orders "$DATA/orders.csv" --quiet
	expect_exit 0 "$KAM" --db "$db" import orders - --quiet --map 'id=Order No,account_id=Customer,date=Order Date,amount=Total' <"$DATA/orders_foreign.csv"
done
same_books "after updates"
expect_in "$T/old.orders.csv" 'X1,A2,2026-04-01,77'
# Its first record in version 2 made it a schema 2 database, which builds of schema 1 refuse.
expect_eq "schema version after" "$(count_in "$OLD" schema_version)" 2
finish
