#!/bin/sh
# kam run --sandbox: what is forbidden, the instruction and memory limits, and that a script
# stopped by a limit leaves the database as it was (a write in progress is aborted).
. "$KAM_TESTS/cli/lib/common.sh"
DB="$T/db"
"$KAM" --db "$DB" init >/dev/null || fail "init"
L="$KAM_TESTS/lua"

expect_exit 0 "$KAM" --db "$DB" run --sandbox "$L/sandbox_checks.lua"
expect_in "$T/out" "sandbox ok"

# Instruction limit: a clear message, exit 1, also when the script tries to catch it.
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-instructions 100000 -e 'while true do end'
expect_in "$T/err" "sandbox: instruction limit exceeded (100000 instructions)"
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-instructions 100000 \
	-e 'for i = 1, 10 do pcall(function() while true do end end) end print("escaped")'
expect_in "$T/err" "instruction limit exceeded"
if grep -q escaped "$T/out"; then fail "pcall swallowed the instruction limit"; else ok; fi
expect_exit 0 "$KAM" --db "$DB" run --sandbox --max-instructions 100000 -e 'for i = 1, 1000 do end'

# Memory limit.
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-memory 4M -e 'local s = string.rep("x", 64 << 20)'
expect_in "$T/err" "sandbox: memory limit exceeded (4194304 bytes)"
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-memory 4M \
	-e 'local t = {} for i = 1, 1e7 do t[i] = { i } end'
expect_in "$T/err" "memory limit exceeded"
expect_exit 2 "$KAM" --db "$DB" run --max-memory lots -e '1'
expect_exit 2 "$KAM" --db "$DB" run --max-instructions -5 -e '1'

# A limit hit inside db:write aborts the transaction, even when the script catches the error.
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-instructions 200000 -e '
db:write(function(tx)
	assert(tx:put("account", { id = "W1", name = "written before the loop" }))
	while true do end
end)'
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-memory 8M -e '
db:write(function(tx)
	assert(tx:put("account", { id = "W2", name = "written before the allocation" }))
	print(pcall(string.rep, "x", 1 << 30))
end)'
expect_exit 1 "$KAM" --db "$DB" run --sandbox --max-instructions 200000 -e '
db:write(function(tx)
	assert(tx:put("account", { id = "W3", name = "x" }))
	for i = 1, 5 do pcall(function() while true do end end) end
end)'
expect_exit 0 "$KAM" --db "$DB" run -e 'for _, id in ipairs { "W1", "W2", "W3" } do
	assert(db:get("account", id) == nil, id .. " was written") end'

# Binary chunks: refused in the sandbox, accepted outside it.
"$KAM" --db "$DB" run -e 'local f = io.open(arg[1], "wb") f:write(string.dump(function() print("bin") end)) f:close()' "$T/chunk.luac" ||
	fail "dumping a chunk"
expect_exit 1 "$KAM" --db "$DB" run --sandbox "$T/chunk.luac"
expect_in "$T/err" "binary"
expect_exit 0 "$KAM" --db "$DB" run "$T/chunk.luac"
expect_in "$T/out" "bin"

# The shell has the same sandbox, with limits per chunk.
printf 'while true do end\n1 + 1\nos\n' >"$T/in"
"$KAM" --db "$DB" shell --sandbox --max-instructions 100000 <"$T/in" >"$T/out" 2>"$T/err"
expect_in "$T/err" "instruction limit exceeded"
expect_in "$T/out" "2"
expect_in "$T/out" "nil"
finish
