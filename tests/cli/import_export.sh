#!/bin/sh
# Import of every kind, upserts, --map, atomicity, --skip-bad, stdin, and the export round trip.
. "$(dirname "$0")/lib/common.sh"
DB="$T/db"


expect_exit 0 "$KAM" --db "$DB" init
[ "$(stat -c %a "$DB")" = 700 ] && ok || fail "database directory is not 0700"
[ "$(stat -c %a "$DB/data.mdb")" = 600 ] && ok || fail "data.mdb is not 0600"
for k in accounts contacts orders interactions; do
	expect_exit 0 "$KAM" --db "$DB" import "$k" "$DATA/$k.csv"
done
[ "$(count accounts)" = 3 ] && ok || fail "accounts: $(count accounts)"
[ "$(count orders)" = 3 ] && ok || fail "orders: $(count orders)"

# The BOM, quoted comma, embedded newline and custom column survive.
expect_exit 0 "$KAM" --db "$DB" get account A1 --format json
expect_in "$T/out" '"name":"Acme, Inc."'
expect_in "$T/out" '"tier_note":"likes \"fast\" replies"'
expect_in "$T/out" '"revenue":1250.5'
expect_in "$T/out" '"last_call":"2026-02-01"'
expect_in "$T/out" '"last_visit":"2026-02-20T14:05:00"'
expect_in "$T/out" '"minutes":107'
expect_exit 0 "$KAM" --db "$DB" get account A3 --format json
expect_in "$T/out" '"name":"Gamma\nGroup"'
expect_in "$T/out" '"created":"2024-05-01T09:30:00"'

# A bad row aborts the whole file: the good row before it is not written either.
expect_exit 1 "$KAM" --db "$DB" import orders "$DATA/orders_bad_date.csv"
expect_in "$T/err" "orders_bad_date.csv:3: column 3 (date): expected a date"
expect_in "$T/err" '"2026-13-01"'
expect_exit 1 "$KAM" --db "$DB" get order O9
expect_exit 1 "$KAM" --db "$DB" import orders "$DATA/orders_bad_money.csv"
expect_in "$T/err" "orders_bad_money.csv:2: column 4 (amount)"
expect_exit 1 "$KAM" --db "$DB" import orders "$DATA/orders_bad_ref.csv"
expect_in "$T/err" 'column 2 (account_id): expected the id of an existing account, found "NOPE"'
[ "$(count orders)" = 3 ] && ok || fail "a failed import changed the orders: $(count orders)"

# --skip-bad commits the good rows and reports the bad ones.
expect_exit 0 "$KAM" --db "$DB" import orders "$DATA/orders_bad_date.csv" --skip-bad "$T/rejects.csv" --quiet
expect_in "$T/rejects.csv" "line,error,id,account_id,date,amount"
expect_in "$T/rejects.csv" '3,"column 3 (date)'
[ "$(count orders)" = 4 ] && ok || fail "skip-bad: orders $(count orders)"

# --map reads foreign headers; stdin works.
expect_exit 0 "$KAM" --db "$DB" import orders - --map 'id=Order No,account_id=Customer,date=Order Date,amount=Total' <"$DATA/orders_foreign.csv"
expect_exit 0 "$KAM" --db "$DB" get order X1 --format json
expect_in "$T/out" '"amount":77'
expect_exit 1 "$KAM" --db "$DB" import orders "$DATA/orders_foreign.csv"
expect_in "$T/err" 'missing required column "id"'

# Upsert: importing the same file again replaces, counts stay.
expect_exit 0 "$KAM" --db "$DB" import orders "$DATA/orders.csv"
expect_in "$T/err" "0 new, 3 replaced"

# Round trip: export, import into an empty database, export again: identical.
for k in accounts contacts orders interactions; do
	"$KAM" --db "$DB" export "$k" >"$T/$k.1.csv" || fail "export $k"
done
expect_exit 0 "$KAM" --db "$T/db2" init
for k in accounts contacts orders interactions; do
	expect_exit 0 "$KAM" --db "$T/db2" import "$k" "$T/$k.1.csv"
	"$KAM" --db "$T/db2" export "$k" >"$T/$k.2.csv" || fail "export $k again"
	expect_same "$T/$k.1.csv" "$T/$k.2.csv"
done
"$KAM" --db "$DB" rollups --format csv >"$T/r1.csv"
"$KAM" --db "$T/db2" rollups --format csv >"$T/r2.csv"
expect_same "$T/r1.csv" "$T/r2.csv"
expect_exit 0 "$KAM" --db "$DB" export interactions --format json
expect_in "$T/out" '"note":"asked for a discount, again"'

# A whole book in one command is one transaction: the same records and rollups as file by file.
expect_exit 0 "$KAM" --db "$T/db3" init
expect_exit 0 "$KAM" --db "$T/db3" import accounts "$T/accounts.1.csv" contacts "$T/contacts.1.csv" \
	orders "$T/orders.1.csv" interactions "$T/interactions.1.csv"
expect_in "$T/err" "imported 4 files as one transaction"
for k in accounts contacts orders interactions; do
	"$KAM" --db "$T/db3" export "$k" >"$T/$k.3.csv" || fail "export $k from the one-command import"
	expect_same "$T/$k.1.csv" "$T/$k.3.csv"
done
"$KAM" --db "$T/db3" rollups --format csv >"$T/r3.csv"
expect_same "$T/r1.csv" "$T/r3.csv"
# A bad row in the last file leaves nothing of any file: not even the accounts of the first.
expect_exit 0 "$KAM" --db "$T/db4" init
expect_exit 1 "$KAM" --db "$T/db4" import accounts "$DATA/accounts.csv" orders "$DATA/orders.csv" \
	orders "$DATA/orders_bad_date.csv"
expect_in "$T/err" "orders_bad_date.csv:3: column 3 (date): expected a date"
expect_in "$T/err" "nothing was imported"
[ "$(count_in "$T/db4" accounts)" = 0 ] && ok || fail "a failed book import kept accounts"
[ "$(count_in "$T/db4" orders)" = 0 ] && ok || fail "a failed book import kept orders"
# A file of the book may name accounts of an earlier file of it, not of a later one.
expect_exit 1 "$KAM" --db "$T/db4" import orders "$DATA/orders.csv" accounts "$DATA/accounts.csv"
expect_in "$T/err" "expected the id of an existing account"
expect_exit 2 "$KAM" --db "$T/db4" import accounts "$DATA/accounts.csv" orders
expect_in "$T/err" "expected KIND FILE [KIND FILE ...]"
expect_exit 2 "$KAM" --db "$T/db4" import accounts "$DATA/accounts.csv" orders "$DATA/orders.csv" --map id=x
expect_in "$T/err" "--map and --skip-bad go with a single file"
expect_exit 2 "$KAM" --db "$T/db4" import accounts - orders - </dev/null
expect_in "$T/err" "can be read only once"
expect_exit 1 "$KAM" --db "$T/db4" import accounts "$DATA/accounts.csv" orders "$T/missing.csv"
expect_in "$T/err" "missing.csv"
[ "$(count_in "$T/db4" accounts)" = 0 ] && ok || fail "a book with a missing file kept accounts"

# A pipe larger than the initial map: the map is reserved before reading, since a pipe cannot
# be read again after the map grew.
expect_exit 0 "$KAM" gen "$T/gen" --accounts 20000 --seed 2 --quiet
expect_exit 0 "$KAM" --db "$T/db5" init
expect_exit 0 sh -c 'cat "$1" | KAM_MAPSIZE=1048576 "$2" --db "$3" import accounts -' sh \
	"$T/gen/accounts.csv" "$KAM" "$T/db5"
[ "$(count_in "$T/db5" accounts)" = 20000 ] && ok || fail "piped accounts: $(count_in "$T/db5" accounts)"
# Under an address-space limit that reservation cannot be mapped: it is refused, the map stays,
# and the import still works (LMDB would otherwise be left with no map at all). The sanitizers
# reserve terabytes of address space for themselves: not under them.
if ! sanitized; then
	expect_exit 0 sh -c 'ulimit -v 3000000 && head -1001 "$1" | "$2" --db "$3" import accounts -' \
		sh "$T/gen/accounts.csv" "$KAM" "$T/db5"
	expect_in "$T/err" "1000 rows (0 new, 1000 replaced)"
fi

# Listing with filters and formats.
expect_exit 0 "$KAM" --db "$DB" list accounts --where 'employees>=100' --format csv
expect_in "$T/out" "A1,"
if grep -q "^A2," "$T/out"; then fail "A2 has no employees and must not match"; else ok; fi
expect_exit 0 "$KAM" --db "$DB" list accounts --sort -revenue --limit 1 --format csv
[ "$(sed -n 2p "$T/out" | cut -d, -f1)" = A1 ] && ok || fail "top account by revenue"
expect_exit 0 "$KAM" --db "$DB" list accounts --region north --format json
expect_in "$T/out" '"id":"A1"'
finish
