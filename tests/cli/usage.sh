#!/bin/sh
# The command line's help, usage errors and exit codes (0 ok, 1 runtime, 2 usage).
. "$(dirname "$0")/lib/common.sh"

expect_exit 0 "$KAM" --help
expect_in "$T/out" "Usage: kam"
expect_exit 0 "$KAM" help
expect_in "$T/out" "import"
expect_exit 0 "$KAM" --version
for cmd in init import export get list rollups stats backup check gen demo; do
	expect_exit 0 "$KAM" "$cmd" --help
	expect_in "$T/out" "Usage: kam"
	expect_exit 0 "$KAM" help "$cmd"
done
expect_exit 2 "$KAM"
expect_exit 2 "$KAM" frobnicate
expect_in "$T/err" 'unknown command "frobnicate"'
expect_exit 2 "$KAM" --bogus stats
expect_exit 2 "$KAM" import
expect_in "$T/err" "expected KIND FILE"
expect_exit 2 "$KAM" import widgets x.csv
expect_in "$T/err" 'unknown kind "widgets"'
expect_exit 2 "$KAM" list accounts --format xml
expect_in "$T/err" "--format: expected table, csv or json"
expect_exit 2 "$KAM" list accounts --where 'colour=red'
expect_in "$T/err" 'unknown field "colour"'
expect_exit 2 "$KAM" list accounts --where 'employees>=many'
expect_in "$T/err" "expected a non-negative integer"
expect_exit 2 "$KAM" gen "$T/g" --accounts -5
expect_exit 2 "$KAM" stats --nope
expect_in "$T/err" "unknown option --nope"

# Runtime errors: exit 1 with the path in the message.
expect_exit 1 "$KAM" --db "$T/missing" stats
expect_in "$T/err" "no database at $T/missing"
KAM_DB="$T/fromenv" expect_exit 0 "$KAM" init
[ -f "$T/fromenv/data.mdb" ] && ok || fail "KAM_DB did not choose the database"
expect_exit 1 "$KAM" --db "$T/fromenv" get account NOPE
expect_in "$T/err" 'no account with id "NOPE"'
expect_exit 1 "$KAM" --db "$T/fromenv" import accounts "$T/none.csv"
expect_in "$T/err" "$T/none.csv"
# init creates missing parents, and makes an existing directory of the user's private.
expect_exit 0 "$KAM" --db "$T/deep/er/db" init
[ "$(stat -c %a "$T/deep/er/db")" = 700 ] && ok || fail "nested database directory is not 0700"
mkdir -m 777 "$T/open"
expect_exit 0 "$KAM" --db "$T/open" init
[ "$(stat -c %a "$T/open")" = 700 ] && ok || fail "existing directory was left $(stat -c %a "$T/open")"
finish
