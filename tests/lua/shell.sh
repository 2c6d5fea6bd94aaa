#!/bin/sh
# kam shell on a pipe, kam -e and kam run: printing, multi-line chunks, errors, arguments.
. "$KAM_TESTS/cli/lib/common.sh"
DB="$T/db"
"$KAM" --db "$DB" init >/dev/null || fail "init"
for k in accounts contacts orders interactions; do
	"$KAM" --db "$DB" import "$k" "$DATA/$k.csv" >/dev/null || fail "import $k"
done

# An expression prints; a list of records is an aligned table in schema order, money exact.
expect_exit 0 "$KAM" --db "$DB" -e 'db:list("orders")'
expect_in "$T/out" "id  account_id  date        amount   profit    mode"
expect_in "$T/out" "O3  A3          2025-12-31  99.9999  -10.0001  direct"
expect_exit 0 "$KAM" --db "$DB" -e 'db:rollup("A1")'
expect_in "$T/out" "revenue            1250.5"
expect_exit 0 "$KAM" --db "$DB" -e 'kam.money.format(db:rollup("A1").revenue), #arg, ...' x y
expect_in "$T/out" "1250.5"
expect_in "$T/out" "2"
expect_in "$T/out" "x"

# The shell: multi-line chunks continue, '=' prints, errors are reported and counted.
cat >"$T/in" <<'LUA'
n = 0
for _, a in
  ipairs(db:read(function(tx) return tx:list("accounts") end)) do
  n = n + 1
end
n * 100
function twice(x)
  return 2 * x
end
twice(21)
= "eq" .. "uals"
error("shell boom")
db:read(function(tx)
  local ids = {}
  for a in tx:accounts { region = "north" } do ids[#ids + 1] = a.id end
  return table.concat(ids, "+")
end)
LUA
"$KAM" --db "$DB" shell <"$T/in" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok || fail "shell: a failed chunk makes a piped shell exit 1"
expect_in "$T/out" "300"
expect_in "$T/out" "42"
if grep -q "attempt to" "$T/err"; then fail "unexpected error in the shell"; cat "$T/err" >&2; else ok; fi
expect_in "$T/out" "equals"
expect_in "$T/out" "A1"
expect_in "$T/err" "shell boom"
printf 'print("fine")\n' | "$KAM" --db "$DB" shell >"$T/out" 2>&1
[ $? -eq 0 ] && ok || fail "shell: exit 0 when every chunk ran"
printf 'for i = 1, 3 do\n' | "$KAM" --db "$DB" shell >"$T/out" 2>"$T/err"
expect_in "$T/err" "unfinished chunk"

# kam run: arg, ..., exit status, missing files, usage.
printf 'print(arg[0], arg[1], select("#", ...))\nassert(db, "db is set")\n' >"$T/s.lua"
expect_exit 0 "$KAM" --db "$DB" run "$T/s.lua" one two
expect_in "$T/out" "s.lua	one	2"
expect_exit 1 "$KAM" --db "$DB" run "$T/missing.lua"
expect_in "$T/err" "missing.lua"
expect_exit 1 "$KAM" --db "$DB" run -e 'error("run boom")'
expect_in "$T/err" "run boom"
expect_exit 2 "$KAM" --db "$DB" run
expect_exit 2 "$KAM" --db "$DB" run --colour s.lua
expect_exit 0 "$KAM" --db "$T/none" run -e 'assert(db == nil)'
expect_exit 0 "$KAM" --db "$DB" run --readonly -e 'local v, m, c = db:write(function() end) assert(c == kam.errors.EREADONLY)'
expect_exit 0 "$KAM" help run
expect_in "$T/out" "--sandbox"
finish
