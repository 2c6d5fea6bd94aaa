#!/usr/bin/env bash
# Value benchmark: `kam value` (customer-value with fixed BG/NBD parameters, i.e. without the
# fit; with the fit; consumables), `kam portfolio` and `kam alerts` over the 1,000,000-account
# book. See bench/README.md.
#
# Environment:
#   KAM                 the kam binary (default: build/kam of this repository)
#   KAM_BENCH_DIR       scratch and cache directory (default /tmp/kam-bench)
#   KAM_BENCH_ACCOUNTS  accounts (default 1000000); the data is bench/import.sh's cache
#   KAM_BENCH_SEED      generator seed (default 1)
#   KAM_BENCH_AS_OF     the as-of day (default 2026-06-30, inside the generated history)
#   KAM_BENCH_RUNS      timed runs per command; the best is reported (default 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
KAM=${KAM:-$root/build/kam}
BENCH=${KAM_BENCH_DIR:-/tmp/kam-bench}
ACCOUNTS=${KAM_BENCH_ACCOUNTS:-1000000}
SEED=${KAM_BENCH_SEED:-1}
AS_OF=${KAM_BENCH_AS_OF:-2026-06-30}
RUNS=${KAM_BENCH_RUNS:-3}
# The paper's CDNOW figures (Fader, Hardie and Lee 2005): fixed, so no fit.
FIXED=(--param bgnbd_r=0.243 --param bgnbd_alpha=4.414 --param bgnbd_a=0.793
       --param bgnbd_b=2.426)

. "$root/bench/lib.sh"

bench_setup value

# ---- data: bench/import.sh's cache, generated when missing ----
bench_data

# ---- kam database (cached; complete once its marker exists) ----
KDB=$WORK/kam.db
# Stored tiers, as a team would have them: portfolio and alerts read them.
bench_kam_db --segment get account "$(sed -n 2p "$DATA/accounts.csv" | cut -d, -f1)"
page_cache "$KDB"/*.mdb # a warm page cache for every run (see lib.sh)

K=("$KAM" --db "$KDB")
V=("${K[@]}" value --model customer-value --as-of "$AS_OF" --quiet)
echo "timing:  best of $RUNS runs each, as of $AS_OF"
best value-fixed "${V[@]}" "${FIXED[@]}" --dry-run
fixed=$BEST fixed_cpu=$CPU fixed_mem=$MEM
best value-fit "${V[@]}" --dry-run
fit=$BEST fit_cpu=$CPU fit_mem=$MEM
fit_log=$(grep -m1 -o 'fitted.*' "$LOG/value-fit.out" || true)
best value-consumables "${K[@]}" value --model consumables --as-of "$AS_OF" --quiet --dry-run
cons=$BEST cons_cpu=$CPU
size0=$(du -sb "$KDB" | cut -f1)
once value-stored "${V[@]}" "${FIXED[@]}"
stored=$BEST stored_cpu=$CPU
size1=$(du -sb "$KDB" | cut -f1)
best value-csv sh -c '"$@" --format csv >/dev/null' sh "${K[@]}" value --model customer-value \
	--as-of "$AS_OF" "${FIXED[@]}" --dry-run
csv=$BEST csv_cpu=$CPU
best portfolio-rep "${K[@]}" portfolio --by rep --as-of "$AS_OF"
prep=$BEST prep_cpu=$CPU
best portfolio-tier "${K[@]}" portfolio --by tier --as-of "$AS_OF"
ptier=$BEST ptier_cpu=$CPU
best receivables "${K[@]}" portfolio --receivables --by rep --as-of "$AS_OF"
rcv=$BEST rcv_cpu=$CPU
# alerts read P(alive) from the snapshot just stored (customer-value as of the same day)
best alerts "${K[@]}" alerts --as-of "$AS_OF" --format csv
alerts=$BEST alerts_cpu=$CPU
alerts_what=$(grep -m1 'kam: alerts:' "$LOG/alerts.out" | sed 's/^kam: alerts: //')

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
row() { printf '%-34s %-8s %-7s %s\n' "$1" "$2" "$3" "${4:-}"; }
echo
row "accounts:" "$ACCOUNTS" "" "(seed $SEED), $(($(grep -c '' "$DATA/orders.csv") - 1)) orders"
row "" "wall s" "cpu s"
row "value, customer-value, no fit:" "$fixed" "$fixed_cpu" "dry run, peak ${fixed_mem} MB"
row "value, customer-value, with fit:" "$fit" "$fit_cpu" "dry run, peak ${fit_mem} MB"
row "value, consumables:" "$cons" "$cons_cpu" "dry run"
row "value, no fit, stored:" "$stored" "$stored_cpu" "one run: +$(((size1 - size0) / 1048576)) MB of snapshot"
row "value, no fit, csv to /dev/null:" "$csv" "$csv_cpu" "dry run, 1M rows of 19 columns printed"
row "portfolio --by rep:" "$prep" "$prep_cpu"
row "portfolio --by tier:" "$ptier" "$ptier_cpu"
row "portfolio --receivables --by rep:" "$rcv" "$rcv_cpu" "reads every order record"
row "alerts:" "$alerts" "$alerts_cpu" "$alerts_what"
[ -z "$fit_log" ] || echo "fit:                               $fit_log"
echo "load average:                      $load (wall times wait for a CPU on a busy machine)"
echo "targets:                           value without the fit <= 1 s, with the fit <= 5 s;"
echo "                                   portfolio well under 1 s"
