/*
 * mock_seg.c - a well-formed segmentation plugin for the loader and run tests.
 *
 * Tier A when an account's order amount in the window (as_of - window_days, as_of] reaches
 * `threshold`, B when it is positive, else C; factors "revenue" and "orders" (noted with
 * `label`). With fail=true it sets every tier and then fails, so the host must discard them.
 * Its fini appends "mock_seg" to the file named by $KAM_MOCK_FINI_LOG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/plugin.h>

static const kam_param_def params[] = {
	{ "threshold", KAM_PARAM_NUMBER, "100", "revenue in the window for tier A" },
	{ "window_days", KAM_PARAM_INTEGER, "365", "days of orders counted" },
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for" },
	{ "label", KAM_PARAM_TEXT, "seg", "note of the orders factor" },
	{ "fail", KAM_PARAM_BOOL, "false", "fail after setting tiers" },
	{ "since", KAM_PARAM_DATE, NULL, "a parameter without a default" },
};

static int inits;

static int seg_init(const kam_host *host, void **state)
{
	host->log(NULL, KAM_LOG_INFO, "init");
	inits++;
	*state = &inits;
	return 0;
}

static void seg_fini(void *state)
{
	const char *log = getenv("KAM_MOCK_FINI_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "mock_seg %d\n", *(int *)state);
		fclose(f);
	}
}

static int seg_run(void *state, const kam_host *h, kam_run *run)
{
	double threshold;
	int64_t window, fail;
	kam_text label;
	char note[64];
	int rc;
	(void)state;
	if ((rc = h->param_number(run, "threshold", &threshold)) ||
	    (rc = h->param_integer(run, "window_days", &window)) ||
	    (rc = h->param_integer(run, "fail", &fail)) || (rc = h->param_text(run, "label", &label)))
		return rc;
	snprintf(note, sizeof(note), "%.*s", (int)label.len, label.ptr);
	int32_t as_of = h->as_of(run);
	size_t n = h->account_count(run);
	for (size_t i = 0; i < n; i++) {
		const kam_order_view *o;
		size_t k;
		if ((rc = h->orders(run, i, as_of - (int32_t)window + 1, as_of, &o, &k)))
			return rc;
		int64_t sum = 0;
		for (size_t j = 0; j < k; j++)
			sum += o[j].amount;
		double revenue = (double)sum / 10000.0;
		char tier = revenue >= threshold ? 'A' : revenue > 0 ? 'B' : 'C';
		if ((rc = h->set_tier(run, i, tier, revenue)) ||
		    (rc = h->add_factor(run, i, "revenue", revenue, NULL)) ||
		    (rc = h->add_factor(run, i, "orders", (double)k, note)))
			return rc;
	}
	h->log(run, KAM_LOG_INFO, "tiered %zu accounts", n);
	return fail ? KAM_ERANGE : 0;
}

static const kam_plugin desc = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "mock_seg",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1.2.3",
	.description = "tiers by revenue over a threshold (test mock)",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.init = seg_init,
	.fini = seg_fini,
	.run = seg_run,
};

KAM_PLUGIN_EXPORT(desc)
