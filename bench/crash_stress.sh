#!/bin/sh
# Crash stress: tests/cli/crash_import.sh with many more kills (default 200) than CI's 20.
# Usage: bench/crash_stress.sh [ROUNDS]
# Environment: KAM (default build/kam of this repository), and the KAM_CRASH_* variables of
# tests/cli/crash_import.sh (KAM_CRASH_ACCOUNTS, KAM_CRASH_SEED). About 1 s a round.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
KAM=${KAM:-$root/build/kam}
[ -x "$KAM" ] || {
	echo "crash_stress: no kam binary at $KAM (make build first, or set KAM)" >&2
	exit 1
}
KAM_CRASH_ROUNDS=${1:-${KAM_CRASH_ROUNDS:-200}}
KAM_TESTS=$root/tests
export KAM KAM_TESTS KAM_CRASH_ROUNDS
exec sh "$root/tests/cli/crash_import.sh"
