#!/bin/sh
# examples/plugin-template builds out of tree against an installed SDK and `kam plugins` lists
# it; `kam plugins` reports unusable files (the test mocks) on stderr without failing.
. "$(dirname "$0")/lib/common.sh"
: "${KAM_BUILD:?set KAM_BUILD to the build directory}"
P="$T/prefix"
cmake --install "$KAM_BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install failed"
[ -f "$P/include/kam/plugin.h" ] && ok || fail "not installed: include/kam/plugin.h"

# The three commands of the template's README.
B="$T/template-build"
if cmake -S "$KAM_TESTS/../examples/plugin-template" -B "$B" -DCMAKE_PREFIX_PATH="$P" \
	>"$T/t.log" 2>&1 && cmake --build "$B" >>"$T/t.log" 2>&1; then ok; else
	fail "the plugin template did not build against the installed SDK"
	sed 's/^/  | /' "$T/t.log" >&2
fi
[ -f "$B/revenue_tiers.so" ] && ok || fail "no $B/revenue_tiers.so"
# Hidden visibility: the entry point is the only symbol the plugin exports.
if command -v nm >/dev/null 2>&1; then
	syms=$(nm -D --defined-only "$B/revenue_tiers.so" | awk '$2 == "T" { print $3 }')
	[ "$syms" = "kam_plugin_v1" ] && ok || fail "exported functions: $syms"
fi
KAM_PLUGIN_PATH="$B" expect_exit 0 "$P/bin/kam" plugins --format csv
expect_in "$T/out" "revenue_tiers,segmentation,1.0.0,1,$B/revenue_tiers.so,"
expect_in "$T/out" "as_of:date window_days:integer=365 a_min:number=100000 b_min:number=10000"
KAM_PLUGIN_PATH="$B" expect_exit 0 "$P/bin/kam" plugins --path
[ "$(head -n 1 "$T/out")" = "$B" ] && ok || fail "the search path does not start with $B"

# The plugin runs: tiers on a small generated book, nothing stored.
expect_exit 0 "$KAM" gen "$T/data" --accounts 50 --quiet
expect_exit 0 "$KAM" --db "$T/db" init
for k in accounts orders; do
	expect_exit 0 "$KAM" --db "$T/db" import "$k" "$T/data/$k.csv" --quiet
done
KAM_PLUGIN_PATH="$B" expect_exit 0 "$P/bin/kam" --db "$T/db" segment --model revenue_tiers \
	--as-of 2026-06-30 --param a_min=1 --param b_min=0 --dry-run --format csv
expect_in "$T/out" "account_id,region,tier,score"
expect_in "$T/err" "revenue_tiers 1.0.0 as of 2026-06-30, 50 accounts"
[ "$(grep -c ',A,' "$T/out")" -gt 0 ] && ok || fail "a_min=1 gave no tier A"

# Bad files are reported and skipped; the good ones are listed; the exit status is 0.
MOCKS="$KAM_BUILD/tests/mock"
if [ -d "$MOCKS" ]; then
	KAM_PLUGIN_PATH="$MOCKS" expect_exit 0 "$KAM" plugins
	expect_in "$T/out" "mock_seg"
	expect_in "$T/err" "mock_abi99.so: built for plugin ABI 99, this kam speaks ABI 1"
	expect_in "$T/err" "mock_initfail.so: init of plugin mock_initfail failed: KAM_EIO"
	expect_in "$T/err" "mock_seg_dup.so: a plugin named mock_seg is already loaded"
fi
expect_exit 2 "$KAM" plugins --format xml
expect_exit 2 "$KAM" plugins extra
finish
