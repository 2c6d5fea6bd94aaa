#!/bin/sh
# kam check: sound databases have no problem (after imports, upserts, logs, a backup, and the
# codec 1 fixture); a damaged one (an account's columns deleted by tests/tools/lmdb_del) is reported,
# with --max, and exit 1; usage errors. Each kind of damage and its report is tests/test_check.c's.
. "$(dirname "$0")/lib/common.sh"
DB="$T/db"

expect_exit 0 "$KAM" --db "$DB" init
expect_exit 0 "$KAM" --db "$DB" check
expect_in "$T/out" "checked 0 accounts, 0 contacts, 0 orders, 0 interactions: no problems"

load_book 300 4
expect_exit 0 "$KAM" --db "$DB" import orders "$T/data/orders.csv" --quiet # every order replaced
expect_exit 0 "$KAM" --db "$DB" log "$(sed -n 2p "$T/data/accounts.csv" | cut -d, -f1)" visit \
	--minutes 30 --date 2026-05-01T10:00
expect_exit 0 "$KAM" --db "$DB" check
want="checked 300 accounts, $(count contacts) contacts, $(count orders) orders, $(count interactions) interactions: no problems"
expect_eq "summary" "$(cat "$T/out")" "$want"
expect_exit 0 "$KAM" --db "$DB" backup "$T/copy" --compact
expect_exit 0 "$KAM" --db "$T/copy" check

mkdir -m 700 "$T/v1"
gzip -dc "$DATA/book_codec_v1.mdb.gz" >"$T/v1/data.mdb"
expect_exit 0 "$KAM" --db "$T/v1" check
expect_in "$T/out" "checked 3 accounts, 3 contacts, 3 orders, 4 interactions: no problems"

# ---- damage: the orders of the first account with any no longer in its columns ----
expect_exit 0 "$KAM" --db "$DB" backup "$T/damaged"
expect_exit 0 "$LMDB_DEL" "$T/damaged" order_columns 1
"$KAM" --db "$DB" export orders | tail -n +2 | cut -d, -f2 | sort >"$T/owners"
first_orders=$(uniq -c "$T/owners" | head -1 | awk '{ print $1 }')
expect_exit 1 "$KAM" --db "$T/damaged" check
expect_eq "problem lines" "$(grep -c '^problem: ' "$T/out")" 2
expect_in "$T/out" "the stored rollup's order_count differs from its orders and interactions"
expect_in "$T/out" "orders: $(count orders) records, $(($(count orders) - first_orders)) of them reached from their account's index"
expect_in "$T/out" "interactions: 2 problems"
expect_exit 1 "$KAM" --db "$T/damaged" check --max 1
expect_eq "problem lines with --max 1" "$(grep -c '^problem: ' "$T/out")" 1
expect_in "$T/out" "... and 1 more problem"
expect_exit 1 "$KAM" --db "$T/damaged" check --max 0
expect_eq "problem lines with --max 0" "$(grep -c '^problem: ' "$T/out")" 0
expect_in "$T/out" "... and 2 more problems"
expect_exit 0 "$KAM" --db "$DB" check # the original is untouched

expect_exit 2 "$KAM" --db "$DB" check extra
expect_exit 2 "$KAM" --db "$DB" check --max lots
expect_exit 1 "$KAM" --db "$T/none" check
expect_in "$T/err" "no database at"
finish
