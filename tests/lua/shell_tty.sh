#!/bin/sh
# kam shell on a terminal (a pseudo-terminal driven by Python): Tab completion of the API and of
# account ids, multi-line input, Ctrl-C stopping a chunk, and the history file.
. "$KAM_TESTS/cli/lib/common.sh"
PY=$(command -v python3 || true)
if [ -z "$PY" ] || ! "$PY" -c 'import pty' 2>/dev/null; then
	echo "skip: no python3 with pty"
	exit 0
fi
DB="$T/db"
"$KAM" --db "$DB" init >/dev/null || fail "init"
"$KAM" --db "$DB" import accounts "$DATA/accounts.csv" >/dev/null || fail "import"
mkdir -p "$T/home"
cat >"$T/drive.py" <<'PY'
import os, pty, select, sys, time
kam, db, home = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = home
    os.execv(kam, ["kam", "--db", db, "shell"])
out = b""
def drain(wait=0.4):
    global out
    deadline = time.time() + 5
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return
        try:
            out += os.read(fd, 65536)
        except OSError:
            return
def send(s):
    os.write(fd, s.encode())
    drain()
drain()
send("x = kam.date.add_mo\t(\"2024-01-31\", 1)\n")   # completes to add_months
send("x\n")
send("db:get(\"account\", \"A\t\t")                   # lists A1 A2 A3
send("\x15for i = 1, 2 do\n")
send("print(\"row\" .. i)\n")
send("end\n")
os.write(fd, b"while true do end\n")
time.sleep(0.5)
os.kill(pid, 2)
drain()
send("\x04")
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
PY
"$PY" "$T/drive.py" "$KAM" "$DB" "$T/home" >"$T/out" 2>&1
expect_in "$T/out" "2024-02-29"
expect_in "$T/out" "A1"
expect_in "$T/out" "A3"
expect_in "$T/out" "row2"
expect_in "$T/out" "interrupted"
expect_in "$T/home/.kam_history" "x = kam.date.add_months(\"2024-01-31\", 1)"
finish
