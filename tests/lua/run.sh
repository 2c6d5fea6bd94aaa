#!/bin/sh
# Runs one Lua test script: run.sh kam|lua SCRIPT
#   kam: through `kam run` (KAM, the built binary)
#   lua: through stock lua5.4 (KAM_LUA54) with package.cpath at the built kam.so (KAM_LUA_MODULE)
# The script gets the test data directory and a fresh scratch directory as arg[1], arg[2].
set -u
mode=$1
script=$2
: "${KAM_TESTS:?set KAM_TESTS to the tests directory}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kam-lua.XXXXXX")
trap 'rm -rf "$T"' EXIT
case $mode in
kam)
	"$KAM" --db "$T/db" run "$script" "$KAM_TESTS/data" "$T"
	;;
lua)
	"$KAM_LUA54" -e "package.cpath = '$KAM_LUA_MODULE/?.so;' .. package.cpath" \
		"$script" "$KAM_TESTS/data" "$T"
	;;
*)
	echo "run.sh: mode kam or lua" >&2
	exit 2
	;;
esac
