#!/bin/sh
# A plugin that crashes during its run is reported by name, and the database stays as it was:
# a model's results are stored only after it returns.
. "$(dirname "$0")/lib/common.sh"
: "${KAM_BUILD:?set KAM_BUILD to the build directory}"
DB="$T/db"
load_book 60 5
expect_exit 0 "$KAM" --db "$DB" segment --as-of 2026-06-30 --quiet
"$KAM" --db "$DB" snapshots --format csv >"$T/snapshots.before"
"$KAM" --db "$DB" tiers --format csv >"$T/tiers.before" 2>/dev/null

export KAM_PLUGIN_PATH="$KAM_BUILD/tests/mock"
"$KAM" --db "$DB" segment --model mock_crash --as-of 2026-06-30 >"$T/out" 2>"$T/err"
rc=$?
if sanitized; then
	# Sanitizer builds keep ASan's report instead of kam's handler.
	[ "$rc" -ne 0 ] && ok || fail "a crashing plugin exited 0"
	expect_in "$T/err" "mock_crash"
else
	[ "$rc" -eq 1 ] && ok || fail "a crashing plugin gave exit $rc, wanted 1"
	expect_in "$T/err" "kam: plugin mock_crash crashed (SIGSEGV) during its run; nothing was written"
fi
unset KAM_PLUGIN_PATH

"$KAM" --db "$DB" snapshots --format csv >"$T/snapshots.after"
"$KAM" --db "$DB" tiers --format csv >"$T/tiers.after" 2>/dev/null
expect_same "$T/snapshots.before" "$T/snapshots.after"
expect_same "$T/tiers.before" "$T/tiers.after"
expect_exit 0 "$KAM" --db "$DB" stats
finish
