/*
 * abc.c - the `abc` segmentation model: a Pareto split of each partition's revenue
 * (REFERENCE.md, "Segmentation model abc"; plugins/README.md).
 *
 *   metric(account) = sum of order amount (or profit, or the count of orders) with
 *                     as_of - window_days < date <= as_of
 *   accounts are partitioned (by region by default; an empty value is a partition of its own),
 *   ranked by metric descending, then id ascending (bytewise);
 *   cum_prev = sum of the metric of the accounts ranked before, total = sum over the partition;
 *   A if metric > 0 and cum_prev < a * total, else B if metric > 0 and cum_prev < b * total,
 *   else C.
 *
 * Exactness: money is summed as integer ten-thousandths, and the cut-offs a and b are taken as
 * decimals of at most 6 places (round(a * 1e6)), so "cum_prev < a * total" is decided in integers
 * as cum_prev * 10^6 < a6 * total (128-bit) with no binary floating point error: an account whose
 * cum_prev is exactly 80% of the total is B, as the reference says.
 *
 * Speed: one orders() call per account in index order, a fixed number of arrays of n entries (no
 * allocation per account), a stable LSD radix sort (the host serves accounts in id order, so a
 * stable sort by metric keeps equal metrics in id order), results given back in index order.
 */
#include <kam/errors.h>
#include <kam/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/account.h"
#include "common/bigmem.h"
#include "common/partition.h"
#include "common/rank.h"
#include "common/text.h"
#include "common/window.h"

/* 128-bit integers for exact sums and cross-multiplied comparisons (GCC and Clang). */
__extension__ typedef __int128 wide;

enum abc_metric { METRIC_REVENUE, METRIC_PROFIT, METRIC_ORDERS };

static const char *const metric_names[] = { "revenue", "profit", "orders" };

/* The run's parameters, checked. */
struct abc_cfg {
	int32_t from, to; /* the window, both ends included */
	int metric;       /* enum abc_metric */
	int part;         /* enum part_kind */
	int64_t a6, b6;   /* a and b in millionths */
};

static const kam_param_def abc_params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for (default: the run's as_of)" },
	{ "window_days", KAM_PARAM_INTEGER, "365", "days of orders counted, ending with as_of" },
	{ "metric", KAM_PARAM_TEXT, "revenue", "revenue, profit or orders" },
	{ "a", KAM_PARAM_NUMBER, "0.80", "share of the partition's metric reached by tier A" },
	{ "b", KAM_PARAM_NUMBER, "0.95", "share of the partition's metric reached by tiers A+B" },
	{ "partition", KAM_PARAM_TEXT, "region", "region, owner, channel or none" },
};

/*
 * A share parameter in (0, 1] as millionths (rounded to 6 decimals, see the top of the file).
 * Below 0.0000005 it would round to 0, which is refused too.
 */
static int share_read(const kam_host *host, kam_run *run, const char *name, int64_t *out)
{
	double v;
	int rc = host->param_number(run, name, &v);

	if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter %s: cannot read it (code %d)", name, rc);
		return rc;
	}
	if (!(v > 0.0 && v <= 1.0) || llround(v * 1e6) < 1) {
		host->log(run, KAM_LOG_ERROR, "parameter %s = %.17g: must be in (0, 1]", name, v);
		return KAM_EINVAL;
	}
	*out = llround(v * 1e6);
	return 0;
}

static int cfg_read(const kam_host *host, kam_run *run, struct abc_cfg *c)
{
	int32_t as_of;
	int rc = window_read(host, run, &as_of, &c->from);

	if (rc)
		return rc;
	c->to = as_of;
	rc = text_param(host, run, "metric", metric_names, 3, "revenue, profit or orders",
			&c->metric);
	if (!rc)
		rc = part_param(host, run, &c->part);
	if (!rc)
		rc = share_read(host, run, "a", &c->a6);
	if (!rc)
		rc = share_read(host, run, "b", &c->b6);
	if (!rc && c->b6 < c->a6) {
		host->log(run, KAM_LOG_ERROR, "parameter b = %.6f is below a = %.6f",
			  (double)c->b6 / 1e6, (double)c->a6 / 1e6);
		rc = KAM_EINVAL;
	}
	return rc;
}

/* --- sorting ------------------------------------------------------------------------------- */

/* Descending int64 order as ascending uint64: flipping the sign bit orders; complement reverses. */
static uint64_t key_of(int64_t metric)
{
	return ~((uint64_t)metric ^ (1ull << 63));
}

static int64_t metric_of(uint64_t key)
{
	return (int64_t)(~key ^ (1ull << 63));
}

/* Fills items[0..n) in id order (rank_id_order), so that the tie-break never depends on the host. */
static int items_fill(const kam_host *host, kam_run *run, struct rank_item *items, size_t n,
		      const int64_t *metric, const uint32_t *part, int ids_sorted)
{
	uint32_t *order;
	int rc = rank_id_order(host, run, n, ids_sorted, &order);

	if (rc)
		return rc;
	for (size_t j = 0; j < n; j++) {
		uint32_t i = order ? order[j] : (uint32_t)j;

		items[j].key = key_of(metric[i]);
		items[j].index = i;
		items[j].part = part[i];
	}
	free(order);
	return 0;
}

/* --- the model ----------------------------------------------------------------------------- */

/* What the ranking says about an account. */
struct abc_res {
	double share;  /* cum_prev / total; 0 when total is 0 */
	uint32_t rank; /* 1-based, within the partition */
	char tier;
};

/* Work arrays of one run: by account index, except items (by rank) and total (by partition). */
struct abc_work {
	int64_t *metric;
	uint32_t *part;
	struct rank_item *items;
	struct abc_res *res;
	wide *total;
};

static void work_free(struct abc_work *w)
{
	free(w->metric);
	free(w->part);
	free(w->items);
	free(w->res);
	free(w->total);
}

/* Reads every account's metric and partition, in index order. */
static int metrics_read(const kam_host *host, kam_run *run, const struct abc_cfg *c,
			struct abc_work *w, size_t n, struct part_table *parts, int *ids_sorted)
{
	kam_text prev = { NULL, 0 };

	*ids_sorted = 1;
	for (size_t i = 0; i < n; i++) {
		const kam_order_view *o;
		kam_text id;
		size_t count;
		int64_t sum = 0;
		int rc = account_text(host, run, i, KAM_FIELD_ID, &id);

		if (rc)
			return rc;
		rc = host->orders(run, i, c->from, c->to, &o, &count);
		if (rc) {
			host->log(run, KAM_LOG_ERROR, "orders of account %.*s: code %d", (int)id.len,
				  id.ptr, rc);
			return rc;
		}
		if (c->metric == METRIC_ORDERS)
			sum = (int64_t)count;
		else if ((rc = orders_sum(host, run, id, o, count, c->metric == METRIC_PROFIT,
					  metric_names[c->metric], &sum)))
			return rc;
		w->metric[i] = sum;
		rc = part_of(parts, c->part, host, run, i, &w->part[i]);
		if (rc)
			return rc;
		if (i > 0 && text_cmp(prev, id) >= 0)
			*ids_sorted = 0;
		prev = id;
	}
	return 0;
}

/*
 * The double nearest v. Through int64 when v fits, which is the same rounding of the same
 * integer: the 128-bit conversion is a library call, and there are millions of these.
 */
static double wide_double(wide v)
{
	return v >= INT64_MIN && v <= INT64_MAX ? (double)(int64_t)v : (double)v;
}

/* Tier of an account from its metric, cum_prev and the partition total, in exact integers. */
static char tier_of(int64_t m, wide cum_prev, wide total, int64_t a6, int64_t b6)
{
	if (m <= 0)
		return 'C';
	if (cum_prev * 1000000 < (wide)a6 * total)
		return 'A';
	if (cum_prev * 1000000 < (wide)b6 * total)
		return 'B';
	return 'C';
}

/* Walks the ranking, partition by partition: rank, tier and cum_share of every account. */
static void ranks_assign(const struct abc_cfg *c, struct abc_work *w, size_t n)
{
	const struct rank_item *it = w->items;

	for (size_t j = 0; j < n;) {
		uint32_t p = it[j].part, r = 0;
		wide cum = 0, total = w->total[p];
		double dtotal = wide_double(total);

		for (; j < n && it[j].part == p; j++) {
			int64_t m = metric_of(it[j].key);
			struct abc_res *res = &w->res[it[j].index];

			res->rank = ++r;
			res->tier = tier_of(m, cum, total, c->a6, c->b6);
			res->share = total ? wide_double(cum) / dtotal : 0.0;
			cum += m;
		}
	}
}

static int results_give(const kam_host *host, kam_run *run, const struct abc_cfg *c,
			const struct abc_work *w, size_t n)
{
	double unit = c->metric == METRIC_ORDERS ? 1.0 : 1e4;
	const char *name = text_host_name(host, run, metric_names[c->metric]);
	const char *rank = text_host_name(host, run, "rank");
	const char *cum_share = text_host_name(host, run, "cum_share");
	const char *partition_total = text_host_name(host, run, "partition_total");

	for (size_t i = 0; i < n; i++) {
		const struct abc_res *res = &w->res[i];
		double score = (double)w->metric[i] / unit;
		int rc;

		rc = host->set_tier(run, i, res->tier, score);
		if (!rc)
			rc = host->add_factor(run, i, name, score, NULL);
		if (!rc)
			rc = host->add_factor(run, i, rank, (double)res->rank, NULL);
		if (!rc)
			rc = host->add_factor(run, i, cum_share, res->share, NULL);
		if (!rc)
			rc = host->add_factor(run, i, partition_total,
					      wide_double(w->total[w->part[i]]) / unit, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int abc_run(void *state, const kam_host *host, kam_run *run)
{
	struct abc_cfg c;
	struct abc_work w = { 0 };
	struct part_table parts = { 0 };
	size_t n = host->account_count(run);
	uint32_t nparts;
	int ids_sorted, rc;

	(void)state;
	rc = cfg_read(host, run, &c);
	if (rc)
		return rc;
	if (n == 0)
		return 0;
	if (n > UINT32_MAX) {
		host->log(run, KAM_LOG_ERROR, "%zu accounts: at most %u supported", n, UINT32_MAX);
		return KAM_ELIMIT;
	}
	rc = KAM_ENOMEM;
	w.metric = big_malloc(n, sizeof(*w.metric));
	w.part = big_malloc(n, sizeof(*w.part));
	w.items = big_malloc(n, sizeof(*w.items));
	if (!w.metric || !w.part || !w.items)
		goto out;
	rc = metrics_read(host, run, &c, &w, n, &parts, &ids_sorted);
	if (rc)
		goto out;
	nparts = part_count(&parts, c.part);
	rc = items_fill(host, run, w.items, n, w.metric, w.part, ids_sorted);
	if (!rc)
		rc = rank_sort(w.items, n, nparts);
	if (rc)
		goto out;
	rc = KAM_ENOMEM;
	w.res = big_malloc(n, sizeof(*w.res));
	w.total = calloc(nparts, sizeof(*w.total));
	if (!w.res || !w.total)
		goto out;
	for (size_t i = 0; i < n; i++)
		w.total[w.part[i]] += w.metric[i];
	ranks_assign(&c, &w, n);
	rc = results_give(host, run, &c, &w, n);
out:
	if (rc == KAM_ENOMEM)
		host->log(run, KAM_LOG_ERROR, "out of memory for %zu accounts", n);
	table_free(&parts);
	work_free(&w);
	return rc;
}

static const kam_plugin abc_plugin = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "abc",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1.0.0",
	.description = "revenue Pareto: A reaches 80% of each region's revenue, B 95%, C the rest",
	.params = abc_params,
	.nparams = sizeof(abc_params) / sizeof(abc_params[0]),
	.run = abc_run,
	.omit = KAM_OMIT_ROLLUP | KAM_OMIT_VIEWS,
};

KAM_PLUGIN_EXPORT(abc_plugin)
