/*
 * revenue_tiers.c - a minimal Kam segmentation plugin, to copy and rename.
 *
 * Tier A when an account's order amount in the window (as_of - window_days, as_of] reaches
 * `a_min`, B when it reaches `b_min` (and is positive), else C. The score is that revenue;
 * factors "revenue" and "orders" explain it.
 */
#include <stdint.h>

#include <kam/plugin.h>

static const kam_param_def params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "day computed for (default: the run's as_of)" },
	{ "window_days", KAM_PARAM_INTEGER, "365", "days of orders, ending with as_of" },
	{ "a_min", KAM_PARAM_NUMBER, "100000", "revenue in the window for tier A" },
	{ "b_min", KAM_PARAM_NUMBER, "10000", "revenue in the window for tier B" },
};

static int tiers_run(void *state, const kam_host *host, kam_run *run)
{
	int32_t as_of;
	int64_t window;
	double a_min, b_min;
	int rc;
	(void)state;
	if ((rc = host->param_day(run, "as_of", &as_of)) ||
	    (rc = host->param_integer(run, "window_days", &window)) ||
	    (rc = host->param_number(run, "a_min", &a_min)) ||
	    (rc = host->param_number(run, "b_min", &b_min)))
		return rc;
	if (window < 1 || window > 100000) {
		host->log(run, KAM_LOG_ERROR, "window_days must be 1 to 100000, not %lld",
			  (long long)window);
		return KAM_EINVAL;
	}
	size_t n = host->account_count(run);
	for (size_t i = 0; i < n; i++) {
		const kam_order_view *orders;
		size_t count;
		/* Accounts in index order: the host then reads its order index sequentially. */
		rc = host->orders(run, i, as_of - (int32_t)window + 1, as_of, &orders, &count);
		if (rc)
			return rc;
		int64_t sum = 0; /* money: ten-thousandths, exact */
		for (size_t j = 0; j < count; j++)
			sum += orders[j].amount;
		double revenue = (double)sum / 10000.0;
		char tier = revenue > 0 && revenue >= a_min ? 'A'
			    : revenue > 0 && revenue >= b_min ? 'B'
							      : 'C';
		if ((rc = host->set_tier(run, i, tier, revenue)) ||
		    (rc = host->add_factor(run, i, "revenue", revenue, NULL)) ||
		    (rc = host->add_factor(run, i, "orders", (double)count, NULL)))
			return rc;
	}
	host->log(run, KAM_LOG_INFO, "tiered %zu accounts", n);
	return 0;
}

static const kam_plugin revenue_tiers = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "revenue_tiers",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1.0.0",
	.description = "tiers by revenue in a window against two thresholds",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = tiers_run,
	.omit = KAM_OMIT_ROLLUP, /* it sums the window's orders itself: no rollup figures needed */
};

KAM_PLUGIN_EXPORT(revenue_tiers)
