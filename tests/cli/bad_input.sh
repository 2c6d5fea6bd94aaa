#!/bin/sh
# The bad-input catalogue (tests/bad_input/, see its README.md): every case is imported into a
# database holding some rows; a bad file exits 1 with its exact error and writes nothing.
. "$(dirname "$0")/lib/common.sh"
CASES="$KAM_TESTS/bad_input"
DB="$T/db"
KINDS="accounts contacts orders interactions"

# snapshot FILE: every record and every rollup, as the CLI exports them.
snapshot() {
	: >"$1"
	for k in $KINDS; do
		"$KAM" --db "$DB" export "$k" >>"$1" || fail "export $k"
	done
	"$KAM" --db "$DB" rollups --format csv >>"$1" || fail "rollups"
}

# field FILE KEY: the value of the first "KEY: value" line of FILE.
field() { sed -n "s/^$2: //p" "$1" | head -n 1; }

fresh_db() {
	rm -rf "$DB"
	"$KAM" --db "$DB" init >/dev/null 2>&1 || fail "init"
	for k in $KINDS; do
		"$KAM" --db "$DB" import "$k" "$DATA/$k.csv" --quiet || fail "import $k"
	done
	snapshot "$T/before"
}

# check_case DIR NAME KIND EXIT STDERR: imports DIR/NAME.csv and checks exit, message, no write.
check_case() {
	dir=$1 name=$2 kind=$3 want=$4 msg=$5
	# Relative path, so that the message names the file as the user typed it.
	(cd "$dir" && "$KAM" --db "$DB" import "$kind" "$name.csv") >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$name: exit $got (wanted $want)"
		sed 's/^/  stderr: /' "$T/err" >&2
	else
		ok
	fi
	if grep -qF -- "$msg" "$T/err"; then ok; else
		fail "$name: stderr lacks: $msg"
		sed 's/^/  | /' "$T/err" >&2
	fi
	[ -s "$T/out" ] && fail "$name: wrote to standard output" || ok
	if [ "$want" -ne 0 ]; then
		# One line of error, naming the file, and the promise that nothing was written.
		[ "$(wc -l <"$T/err")" -eq 1 ] && ok || fail "$name: more than one line on stderr"
		expect_in "$T/err" "nothing was imported"
		snapshot "$T/after"
		if cmp -s "$T/before" "$T/after"; then ok; else
			fail "$name: a failed import changed the database"
			diff "$T/before" "$T/after" | head -10 >&2
			fresh_db
		fi
	fi
}

fresh_db
n=0
for csv in "$CASES"/*.csv; do
	name=$(basename "$csv" .csv)
	exp="$CASES/$name.expected"
	if [ ! -f "$exp" ]; then
		fail "$name: no $name.expected"
		continue
	fi
	kind=$(field "$exp" kind)
	want=$(field "$exp" exit)
	msg=$(field "$exp" stderr)
	[ -n "$kind" ] && [ -n "$want" ] && [ -n "$msg" ] || {
		fail "$exp: needs kind, exit and stderr lines"
		continue
	}
	check_case "$CASES" "$name" "$kind" "$want" "$msg"
	# Cases that import: read back what they say must be there.
	grep -n '^get: ' "$exp" | while IFS= read -r line; do
		num=${line%%:*}
		what=${line#*:get: }
		out=$(sed -n "$((num + 1))s/^out: //p" "$exp")
		# shellcheck disable=SC2086 # KIND ID
		"$KAM" --db "$DB" get $what --format json >"$T/get" 2>&1 || echo "FAIL: $name: get $what" >&2
		grep -qF -- "$out" "$T/get" || echo "FAIL: $name: get $what lacks $out" >&2
	done 2>"$T/getfail"
	if [ -s "$T/getfail" ]; then
		fail "$name: read back"
		cat "$T/getfail" >&2
	else
		ok
	fi
	[ "$want" -eq 0 ] && fresh_db
	n=$((n + 1))
done
[ "$n" -ge 25 ] && ok || fail "only $n cases in $CASES"

# Cases too big to keep as files.
head -c 65536 /dev/zero | tr '\0' n >"$T/note"
{ printf 'id,account_id,date,kind,note\nB1,A1,2026-01-01,call,'; cat "$T/note"; echo; } \
	>"$T/interactions_note_65536_bytes.csv"
check_case "$T" interactions_note_65536_bytes interactions 1 \
	'interactions_note_65536_bytes.csv:2: column 5 (note): expected text of at most 65535 bytes'
head -c 1048577 /dev/zero | tr '\0' f >"$T/field"
{ printf 'id,name,comment\nA9,x,'; cat "$T/field"; echo; } >"$T/accounts_field_over_1MiB.csv"
check_case "$T" accounts_field_over_1MiB accounts 1 \
	'accounts_field_over_1MiB.csv:2: column 3 (comment): field too long'
# Exactly at the limits is fine: a 64-byte id and 65535 bytes of note.
id64=$(printf '%064d' 7)
head -c 65535 /dev/zero | tr '\0' n >"$T/note"
{ printf 'id,account_id,date,kind,note\n%s,A1,2026-01-01,call,' "$id64"; cat "$T/note"; echo; } \
	>"$T/limits.csv"
expect_exit 0 "$KAM" --db "$DB" import interactions "$T/limits.csv"
expect_exit 0 "$KAM" --db "$DB" get interaction "$id64" --format json
expect_in "$T/out" "\"id\":\"$id64\""
finish
