#!/bin/sh
# Security: the database is private to its owner whatever the umask, and text from CSV files
# (or a configuration file) is stored and shown as text, never run, expanded or interpreted.
. "$(dirname "$0")/lib/common.sh"
DB="$T/db"
PWNED="$T/pwned"

# mode PATH: the permission bits in octal.
mode() { stat -c %a "$1"; }

# ---- permissions with a permissive umask ----
(
	umask 000
	"$KAM" --db "$DB" init >/dev/null 2>&1 &&
		"$KAM" --db "$DB" import accounts "$DATA/accounts.csv" --quiet &&
		"$KAM" --db "$DB" import orders "$DATA/orders.csv" --quiet &&
		"$KAM" --db "$DB" stats >/dev/null
) || fail "init and import with umask 000"
[ "$(mode "$DB")" = 700 ] && ok || fail "database directory is $(mode "$DB"), not 700"
for f in data.mdb lock.mdb; do
	[ -f "$DB/$f" ] && [ "$(mode "$DB/$f")" = 600 ] && ok ||
		fail "$f is $(mode "$DB/$f" 2>/dev/null), not 600"
done
# Nothing else appeared in the directory, world-readable or not.
[ "$(ls -A "$DB" | sort | tr '\n' ' ')" = "data.mdb lock.mdb " ] && ok ||
	fail "unexpected files in the database: $(ls -A "$DB")"

# ---- text that looks like code stays text ----
# Each value is something a shell, printf, SQL, Lua or a terminal would act on if Kam ever passed
# it to one. The file names under $PWNED show whether anything ran.
mkdir -p "$PWNED"
cat >"$T/evil_accounts.csv" <<EOF
id,name,region,industry,owner,\$(touch $PWNED/column)
E1,\$(touch $PWNED/name),\$(touch $PWNED/region),\`touch $PWNED/industry\`,"'; os.execute('touch $PWNED/owner') --",x
E2,%s%s%s%n%n%x%p,"; rm -rf $PWNED; echo ",'); DROP TABLE accounts; --,"]]..os.execute(""touch $PWNED/lua"")..[[",%n%n
E3,"line1
\$(touch $PWNED/multiline)",\${IFS}touch\${IFS}$PWNED/ifs,|touch $PWNED/pipe,>$PWNED/redirect,
EOF
cat >"$T/evil_interactions.csv" <<EOF
id,account_id,date,kind,note
EI1,E1,2026-01-05,call,"'; os.execute('touch $PWNED/note') --"
EI2,E2,2026-01-06,visit,"\$(touch $PWNED/note2) \`touch $PWNED/note3\` %n%n%n"
EOF
expect_exit 0 "$KAM" --db "$DB" import accounts "$T/evil_accounts.csv"
expect_exit 0 "$KAM" --db "$DB" import interactions "$T/evil_interactions.csv"

# Every read path, in every format, and filters that use the hostile values.
for fmt in table csv json; do
	expect_exit 0 "$KAM" --db "$DB" list accounts --format "$fmt"
	expect_exit 0 "$KAM" --db "$DB" rollups --format "$fmt"
	expect_exit 0 "$KAM" --db "$DB" export accounts --format "$fmt"
	expect_exit 0 "$KAM" --db "$DB" export interactions --format "$fmt"
done
for id in E1 E2 E3; do
	expect_exit 0 "$KAM" --db "$DB" get account "$id"
	expect_exit 0 "$KAM" --db "$DB" get account "$id" --format json
done
expect_exit 0 "$KAM" --db "$DB" list accounts --region "\$(touch $PWNED/region)" --format csv
expect_in "$T/out" "E1,"
expect_exit 0 "$KAM" --db "$DB" list accounts --owner ">$PWNED/redirect" --format csv
expect_in "$T/out" "E3,"
"$KAM" --db "$DB" get account "\$(touch $PWNED/arg)" >/dev/null 2>&1
[ $? -eq 1 ] && ok || fail "get of an unknown id that looks like code"

# The values come back byte for byte: CSV export, then a fresh import and export again.
"$KAM" --db "$DB" export accounts >"$T/acc1.csv" || fail "export accounts"
expect_in "$T/acc1.csv" "\$(touch $PWNED/name)"
expect_in "$T/acc1.csv" "%s%s%s%n%n%x%p"
expect_in "$T/acc1.csv" "'); DROP TABLE accounts; --"
expect_in "$T/acc1.csv" ",'; os.execute('touch $PWNED/owner') --,"
expect_in "$T/acc1.csv" "\$(touch $PWNED/column)"
"$KAM" --db "$T/db2" init >/dev/null 2>&1 || fail "init db2"
expect_exit 0 "$KAM" --db "$T/db2" import accounts "$T/acc1.csv"
"$KAM" --db "$T/db2" export accounts >"$T/acc2.csv" || fail "export db2"
expect_same "$T/acc1.csv" "$T/acc2.csv"
expect_exit 0 "$KAM" --db "$DB" get account E2 --format json
expect_in "$T/out" '"name":"%s%s%s%n%n%x%p"'
expect_exit 0 "$KAM" --db "$DB" export interactions --format json
expect_in "$T/out" "\"note\":\"'; os.execute('touch $PWNED/note') --\""

# ---- a hostile configuration in the database directory ----
# The sandbox (core/config.c) has no os, io or loading; whatever command reads the file must
# refuse it or ignore it, never run it.
cat >"$DB/kam.conf.lua" <<EOF
os.execute("touch $PWNED/config_os")
io.open("$PWNED/config_io", "w")
segmentation = { default = { model = "\$(touch $PWNED/config_model)", params = { x = "\`touch $PWNED/config_param\`" } } }
EOF
for cmd in "list accounts" "rollups" "stats" "export accounts" "get account E1"; do
	# shellcheck disable=SC2086 # the command and its arguments
	"$KAM" --db "$DB" $cmd >/dev/null 2>&1
	[ $? -le 1 ] && ok || fail "$cmd with a hostile kam.conf.lua"
done
# Commands that read the configuration, when this build has them.
for cmd in segment tiers agenda value; do
	if "$KAM" "$cmd" --help >/dev/null 2>&1; then
		"$KAM" --db "$DB" "$cmd" >/dev/null 2>"$T/err"
		[ $? -le 1 ] && ok || fail "$cmd with a hostile kam.conf.lua"
	fi
done

# Nothing ran.
if [ -z "$(ls -A "$PWNED")" ]; then ok; else
	fail "something ran: $(ls -A "$PWNED")"
fi
finish
