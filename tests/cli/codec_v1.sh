#!/bin/sh
# A database whose records are in version 1 of the record codec (written by Kam before version 2,
# tests/data/book_codec_v1.mdb.gz: tests/data/*.csv imported) reads exactly as the same files
# imported now, in version 2, and takes updates. Its schema (1) is upgraded to 3 when it is first
# opened (tests/cli/schema2.sh tests that upgrade in detail).
. "$(dirname "$0")/lib/common.sh"

OLD="$T/v1"
NEW="$T/v2"
unpack_fixture book_codec_v1.mdb.gz "$OLD"
expect_exit 0 "$KAM" --db "$NEW" init
for k in accounts contacts orders interactions; do
	expect_exit 0 "$KAM" --db "$NEW" import "$k" "$DATA/$k.csv" --quiet
done

same_book "$OLD" "$NEW"
expect_eq "schema version once opened" "$(count_in "$OLD" schema_version)" 4
# The fixture holds what the test data says (a custom column, a time, a rollup).
"$KAM" --db "$OLD" export accounts --format json >"$T/accounts.json"
expect_in "$T/accounts.json" '"tier_note":"likes \"fast\" replies"'
"$KAM" --db "$OLD" export interactions >"$T/interactions.csv"
expect_in "$T/interactions.csv" '2026-02-20T14:05:00'
"$KAM" --db "$OLD" get account A1 --format json >"$T/a1.json"
expect_in "$T/a1.json" '"revenue":1250.5'

# Updates rewrite records in version 2 next to version 1 ones; the books stay the same.
for db in "$OLD" "$NEW"; do
	expect_exit 0 "$KAM" --db "$db" import orders "$DATA/orders.csv" --quiet
	expect_exit 0 "$KAM" --db "$db" import orders - --quiet --map 'id=Order No,account_id=Customer,date=Order Date,amount=Total' <"$DATA/orders_foreign.csv"
done
same_book "$OLD" "$NEW"
"$KAM" --db "$OLD" export orders >"$T/orders.csv"
expect_in "$T/orders.csv" 'X1,A2,2026-04-01,77'
finish
