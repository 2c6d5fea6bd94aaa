#!/usr/bin/env bash
# A/B of two kam builds on one command: runs them alternately, ROUNDS times each, at real-time
# priority (chrt -f 50, so other jobs on the machine do not delay the runs; needs root or
# CAP_SYS_NICE, else it runs at normal priority and says so), and prints each run and the means.
#
#   bench/ab.sh BUILD_A BUILD_B ROUNDS KAM-ARGS...
#   bench/ab.sh /tmp/base/build build 6 --db /tmp/kam-bench/segment-1000000-1/kam.db \
#       segment --model abc --as-of 2026-06-30 --dry-run --quiet
#
# BUILD_A and BUILD_B are build directories (kam and plugins/ in them). Compare outputs
# separately: this only times them, with their output thrown away.
#
# AB_FRESH_DB=DIR: before each run, untimed, DIR is removed and made anew by that build's
# `kam --db DIR init`; for imports (give --db DIR in KAM-ARGS):
#   AB_FRESH_DB=/tmp/ab.db bench/ab.sh /tmp/base/build build 8 --db /tmp/ab.db import \
#       accounts A.csv contacts C.csv orders O.csv interactions I.csv --quiet
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
[ $# -ge 4 ] || die "usage: bench/ab.sh BUILD_A BUILD_B ROUNDS KAM-ARGS..."
a=$1 b=$2 rounds=$3
shift 3
for d in "$a" "$b"; do [ -x "$d/kam" ] || die "no kam in $d"; done
[ -n "$TIME" ] || die "GNU time (/usr/bin/time) is needed"
rt=(chrt -f 50)
"${rt[@]}" true 2>/dev/null || { rt=(); echo "ab: no real-time priority here; timings share the CPUs" >&2; }
for _ in $(seq "$rounds"); do
	for side in A B; do
		d=$a
		[ "$side" = B ] && d=$b
		if [ -n "${AB_FRESH_DB:-}" ]; then
			rm -rf "$AB_FRESH_DB"
			"$d/kam" --db "$AB_FRESH_DB" init >/dev/null || die "init $AB_FRESH_DB"
		fi
		KAM_PLUGIN_PATH="$d/plugins" "${rt[@]}" "$TIME" -f "$side %e %U %S" "$d/kam" "$@" \
			2>&1 >/dev/null | tail -1
	done
done | awk '
	{ print; w[$1] += $2; u[$1] += $3; s[$1] += $4; n[$1]++ }
	END {
		for (k in w)
			printf "%s mean: wall %.3f s, user %.3f s, sys %.3f s (%d runs)\n",
			       k, w[k] / n[k], u[k] / n[k], s[k] / n[k], n[k]
	}'
