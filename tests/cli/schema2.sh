#!/bin/sh
# A schema 2 database (tests/data/book_schema2.mdb.gz: a generated book of 60 accounts, then
# tests/data/*.csv, three orders of one day with and without times, and a logged objection,
# imported by the build before schema 3) is upgraded when first opened, even for reading: its
# orders and interactions then read exactly as the same records imported now, in every command
# that reads them by account (agenda, segmentations, activity, portfolio, check).
. "$(dirname "$0")/lib/common.sh"

OLD="$T/old"
NEW="$T/new"
unpack_fixture book_schema2.mdb.gz "$OLD"

# A user who may read the database but not write it cannot upgrade it: refused, untouched (as
# root, with a user who may run kam; reported as skipped otherwise).
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && nobody "$KAM" --version >/dev/null 2>&1; then
	RO="$T/readonly"
	mkdir -m 755 "$RO"
	cp "$OLD/data.mdb" "$RO/data.mdb"
	chmod 644 "$RO/data.mdb"
	touch "$RO/lock.mdb"
	chmod 666 "$RO/lock.mdb" # readers need the lock file
	chmod 755 "$T"
	expect_exit 1 nobody "$KAM" --db "$RO" stats
	expect_in "$T/err" "upgraded when first opened, which needs write access"
	cmp -s "$OLD/data.mdb" "$RO/data.mdb" && ok || fail "the refused database changed"
else
	echo "skipped: the refusal of a database this user may not write (needs root and setpriv)"
fi

# The first opening reads only, and upgrades all the same.
expect_exit 0 "$KAM" --db "$OLD" agenda --as-of 2026-06-30 --format csv
cp "$T/out" "$T/agenda.old"
expect_eq "schema version" "$(count_in "$OLD" schema_version)" 4
expect_eq "orders" "$(count_in "$OLD" orders)" 512
expect_eq "interactions" "$(count_in "$OLD" interactions)" 333
expect_exit 0 "$KAM" --db "$OLD" check
expect_in "$T/out" "checked 63 accounts, 119 contacts, 512 orders, 333 interactions: no problems"

# The same records imported now.
expect_exit 0 "$KAM" --db "$NEW" init
for k in accounts contacts orders interactions; do
	"$KAM" --db "$OLD" export "$k" >"$T/$k.csv" || fail "export $k"
	expect_exit 0 "$KAM" --db "$NEW" import "$k" "$T/$k.csv" --quiet
done
same_book "$OLD" "$NEW"

# Every reader of an account's orders and interactions sees the same.
expect_exit 0 "$KAM" --db "$NEW" agenda --as-of 2026-06-30 --format csv
expect_same "$T/agenda.old" "$T/out"
for m in abc rfm score; do
	for db in "$OLD" "$NEW"; do
		"$KAM" --db "$db" segment --model "$m" --as-of 2026-06-30 --dry-run --quiet \
			--format csv >"$T/seg.$m.$(basename "$db")" || fail "segment $m of $db"
	done
	expect_same "$T/seg.$m.old" "$T/seg.$m.new"
done
for cmd in "activity --period month --as-of 2026-04-30" "portfolio --by rep" "get account A2"; do
	# shellcheck disable=SC2086 # the command's words
	"$KAM" --db "$OLD" $cmd >"$T/cmd.old" 2>&1 || fail "$cmd of the old book"
	# shellcheck disable=SC2086
	"$KAM" --db "$NEW" $cmd >"$T/cmd.new" 2>&1 || fail "$cmd of the new book"
	expect_same "$T/cmd.old" "$T/cmd.new"
done
# Orders of one day: the one without a time first, then by time (OT2, OT3 08:00, OT1 09:30).
ids='local t = {} db:read(function(tx) for o in tx:orders { account = "A2" } do t[#t + 1] = o.id end end) print(table.concat(t, " "))'
expect_exit 0 "$KAM" --db "$OLD" -e "$ids"
expect_eq "orders of A2" "$(cat "$T/out")" "OT2 OT3 OT1"
# The upgraded book takes writes: a new order between two, one moved to another account.
expect_exit 0 "$KAM" --db "$OLD" log A2 call --date 2026-04-01T08:30 --minutes 1
printf 'id,account_id,date,amount\nOT4,A2,2026-04-01T08:30:00,1\nOT3,A1,2026-04-01T08:00:00,7\n' >"$T/more.csv"
expect_exit 0 "$KAM" --db "$OLD" import orders "$T/more.csv" --quiet
expect_exit 0 "$KAM" --db "$OLD" -e "$ids"
expect_eq "orders of A2 after the import" "$(cat "$T/out")" "OT2 OT4 OT1"
expect_exit 0 "$KAM" --db "$OLD" check
finish
