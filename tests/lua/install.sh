#!/bin/sh
# `cmake --install` puts kam.so into PREFIX/lib/lua/5.4, where stock lua5.4 loads it; the module
# exports only luaopen_kam and does not link its own copy of Lua.
. "$KAM_TESTS/cli/lib/common.sh"
: "${KAM_BUILD:?set KAM_BUILD to the build directory}"
if [ -z "${KAM_LUA54:-}" ]; then
	echo "skip: no lua5.4"
	exit 0
fi
P="$T/prefix"
cmake --install "$KAM_BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install failed"
M="$P/lib/lua/5.4/kam.so"
[ -f "$M" ] && ok || fail "not installed: lib/lua/5.4/kam.so"
expect_exit 0 "$KAM_LUA54" -e "package.cpath = '$P/lib/lua/5.4/?.so;' .. package.cpath
local kam = require 'kam'
local db = assert(kam.open('$T/db', { create = true }))
assert(db:write(function(tx) return tx:put('account', { id = 'A1', name = 'x' }) end))
print(kam.version, db:count('accounts'))"
expect_in "$T/out" "1"
if command -v nm >/dev/null; then
	nm -D --defined-only "$M" | awk '$2 == "T" { print $3 }' >"$T/syms"
	[ "$(cat "$T/syms")" = "luaopen_kam" ] && ok || fail "kam.so exports more than luaopen_kam: $(head -5 "$T/syms")"
fi
if command -v ldd >/dev/null && ldd "$M" | grep -q liblua; then fail "kam.so links liblua"; else ok; fi
finish
