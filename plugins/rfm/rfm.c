/*
 * rfm.c - the `rfm` segmentation model: recency, frequency and monetary value scored 1-5 within
 * each partition, named segments, and tiers from the segments (plugins/README.md).
 *
 *   recency_days = as_of - the day of the last order on or before as_of (none: the worst)
 *   frequency    = number of orders with as_of - window_days < date <= as_of
 *   monetary     = sum of their amounts
 *
 * Quintiles: within a partition of n >= 5 accounts, the accounts are sorted from worst to best
 * on each measure (largest recency, no order worst of all; fewest orders; smallest sum). An
 * account whose tied group starts at 0-based position p scores 1 + floor(5 * p / n): equal
 * values always score the same, the score of the first (worst) position of their group. A
 * partition of fewer than 5 accounts uses fixed thresholds instead (see rfm_fixed_*).
 *
 * code = 100 R + 10 F + M. The segment is the first rule that matches, in this order:
 *   champions           R >= 4, F >= 4, M >= 4   tier A
 *   loyal               R >= 3, F >= 4           tier A
 *   potential-loyalist  R >= 4, F 2-3            tier B
 *   new                 R = 5,  F = 1            tier B
 *   at-risk             R <= 2, F >= 3           tier C
 *   lost                R = 1,  F = 1            tier C
 *   hibernating         R <= 2, F <= 2           tier C
 *   need-attention      everything else          tier B   (R = 3 with F <= 3; R = 4 with F = 1)
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

enum { DIM_R, DIM_F, DIM_M, NDIM };


/* A partition smaller than this gets fixed thresholds: quintiles of 4 accounts mean little. */
#define RFM_MIN_QUINTILE 5

struct rfm_segment {
	const char *slug;
	char tier;
};

/* In rule order; the factor "segment" carries the 1-based position and the slug. */
static const struct rfm_segment segments[] = {
	{ "champions", 'A' },   { "loyal", 'A' },       { "potential-loyalist", 'B' },
	{ "new", 'B' },         { "at-risk", 'C' },     { "lost", 'C' },
	{ "hibernating", 'C' }, { "need-attention", 'B' },
};

/* The run's parameters, checked. */
struct rfm_cfg {
	int32_t as_of;
	int32_t from;       /* first day of the window */
	int part;           /* enum part_kind */
	int64_t m5, m4, m3; /* monetary thresholds (ten-thousandths) for small partitions */
};

static const kam_param_def rfm_params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for (default: the run's as_of)" },
	{ "window_days", KAM_PARAM_INTEGER, "365", "days of orders for frequency and monetary" },
	{ "partition", KAM_PARAM_TEXT, "region", "region, owner, channel or none" },
	{ "monetary_5", KAM_PARAM_NUMBER, "100000", "small partitions: M = 5 from this sum" },
	{ "monetary_4", KAM_PARAM_NUMBER, "25000", "small partitions: M = 4 from this sum" },
	{ "monetary_3", KAM_PARAM_NUMBER, "5000", "small partitions: M = 3 from this sum" },
};

/* A money threshold parameter (a positive decimal) in ten-thousandths. */
static int money_read(const kam_host *host, kam_run *run, const char *name, int64_t *out)
{
	double v;
	int rc = host->param_number(run, name, &v);

	if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter %s: cannot read it (code %d)", name, rc);
		return rc;
	}
	if (!(v > 0.0 && v < 9e14)) {
		host->log(run, KAM_LOG_ERROR, "parameter %s = %.17g: must be a positive amount", name,
			  v);
		return KAM_EINVAL;
	}
	*out = llround(v * 1e4);
	return 0;
}

static int cfg_read(const kam_host *host, kam_run *run, struct rfm_cfg *c)
{
	int rc = window_read(host, run, &c->as_of, &c->from);

	if (rc)
		return rc;
	rc = part_param(host, run, &c->part);
	if (!rc)
		rc = money_read(host, run, "monetary_5", &c->m5);
	if (!rc)
		rc = money_read(host, run, "monetary_4", &c->m4);
	if (!rc)
		rc = money_read(host, run, "monetary_3", &c->m3);
	if (!rc && !(c->m5 >= c->m4 && c->m4 >= c->m3)) {
		host->log(run, KAM_LOG_ERROR,
			  "parameters monetary_5 >= monetary_4 >= monetary_3 do not hold");
		rc = KAM_EINVAL;
	}
	return rc;
}

/* --- scores and segments ------------------------------------------------------------------- */

/* No order at all: recency is worse than any number of days. */
#define NO_RECENCY (-1)

/* Fixed thresholds for partitions of fewer than RFM_MIN_QUINTILE accounts. */
static int rfm_fixed_r(int64_t recency)
{
	if (recency == NO_RECENCY)
		return 1;
	return recency <= 30 ? 5 : recency <= 90 ? 4 : recency <= 180 ? 3 : recency <= 365 ? 2 : 1;
}

static int rfm_fixed_f(int64_t frequency)
{
	return frequency >= 12 ? 5 : frequency >= 6 ? 4 : frequency >= 3 ? 3 : frequency >= 1 ? 2 : 1;
}

static int rfm_fixed_m(const struct rfm_cfg *c, int64_t monetary)
{
	return monetary >= c->m5 ? 5 : monetary >= c->m4 ? 4 : monetary >= c->m3 ? 3 :
	       monetary > 0 ? 2 : 1;
}

/* The segment (index into segments[]) of R, F and M scores: the first rule that matches. */
static int rfm_segment_of(int r, int f, int m)
{
	if (r >= 4 && f >= 4 && m >= 4)
		return 0; /* champions */
	if (r >= 3 && f >= 4)
		return 1; /* loyal */
	if (r >= 4 && f >= 2 && f <= 3)
		return 2; /* potential-loyalist */
	if (r == 5 && f == 1)
		return 3; /* new */
	if (r <= 2 && f >= 3)
		return 4; /* at-risk */
	if (r == 1 && f == 1)
		return 5; /* lost */
	if (r <= 2 && f <= 2)
		return 6; /* hibernating */
	return 7;         /* need-attention */
}

/* --- the model ----------------------------------------------------------------------------- */

/* Work arrays of one run, by account index unless noted. */
struct rfm_work {
	uint32_t *part;
	uint32_t *psize;         /* by partition: number of accounts */
	int64_t *recency;        /* days, or NO_RECENCY */
	int64_t *frequency;
	int64_t *monetary;
	uint8_t *score[NDIM];    /* R, F, M: 1..5 */
	struct rank_item *items; /* by sort position */
};

static void work_free(struct rfm_work *w)
{
	free(w->part);
	free(w->psize);
	free(w->recency);
	free(w->frequency);
	free(w->monetary);
	for (int d = 0; d < NDIM; d++)
		free(w->score[d]);
	free(w->items);
}

static int work_alloc(struct rfm_work *w, size_t n)
{
	int ok = 1;

	w->part = big_malloc(n, sizeof(*w->part));
	w->recency = big_malloc(n, sizeof(*w->recency));
	w->frequency = big_malloc(n, sizeof(*w->frequency));
	w->monetary = big_malloc(n, sizeof(*w->monetary));
	for (int d = 0; d < NDIM; d++) {
		w->score[d] = big_malloc(n, 1);
		ok = ok && w->score[d];
	}
	w->items = big_malloc(n, sizeof(*w->items));
	ok = ok && w->part && w->recency && w->frequency && w->monetary && w->items;
	return ok ? 0 : KAM_ENOMEM;
}

/*
 * The measures of account i: one orders() call for the window, and a second one for the time
 * before it only when the window has no order (to find the last order for recency).
 */
static int measures_read(const kam_host *host, kam_run *run, const struct rfm_cfg *c,
			 struct rfm_work *w, size_t i, kam_text id)
{
	const kam_order_view *o;
	size_t count;
	int64_t sum = 0;
	int32_t last = KAM_NO_DAY;
	int rc = host->orders(run, i, c->from, c->as_of, &o, &count);

	if (!rc && count)
		last = o[count - 1].day;
	if (!rc && orders_sum(host, run, id, o, count, 0, "monetary", &sum))
		return KAM_ERANGE;
	w->frequency[i] = (int64_t)count;
	w->monetary[i] = sum;
	if (!rc && !count && c->from > INT32_MIN + 1) {
		rc = host->orders(run, i, INT32_MIN + 1, c->from - 1, &o, &count);
		if (!rc && count)
			last = o[count - 1].day;
	}
	if (rc) {
		host->log(run, KAM_LOG_ERROR, "orders of account %.*s: code %d", (int)id.len,
			  id.ptr, rc);
		return rc;
	}
	w->recency[i] = last == KAM_NO_DAY ? NO_RECENCY : (int64_t)c->as_of - last;
	return 0;
}

static int accounts_read(const kam_host *host, kam_run *run, const struct rfm_cfg *c,
			 struct rfm_work *w, size_t n, struct part_table *parts)
{
	for (size_t i = 0; i < n; i++) {
		kam_text id;
		int rc = account_text(host, run, i, KAM_FIELD_ID, &id);

		if (!rc)
			rc = measures_read(host, run, c, w, i, id);
		if (!rc)
			rc = part_of(parts, c->part, host, run, i, &w->part[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* The sort key of a measure: ascending from the worst to the best. */
static uint64_t dim_key(const struct rfm_work *w, int d, uint32_t i)
{
	switch (d) {
	case DIM_R:
		/* Fewer days is better; no order sorts before every day count. */
		return w->recency[i] == NO_RECENCY ? 0 : (1ull << 40) - (uint64_t)w->recency[i];
	case DIM_F:
		return (uint64_t)w->frequency[i];
	default:
		return (uint64_t)w->monetary[i] ^ (1ull << 63);
	}
}

/* Quintile scores of measure d in every partition of at least RFM_MIN_QUINTILE accounts. */
static int quintiles(struct rfm_work *w, size_t n, uint32_t nparts, int d)
{
	struct rank_item *it = w->items;
	size_t cnt = 0;
	int rc;

	/* The order within a tied group does not matter: they all get the group's score. */
	for (size_t i = 0; i < n; i++) {
		if (w->psize[w->part[i]] < RFM_MIN_QUINTILE)
			continue;
		it[cnt].key = dim_key(w, d, (uint32_t)i);
		it[cnt].index = (uint32_t)i;
		it[cnt].part = w->part[i];
		cnt++;
	}
	if (cnt == 0)
		return 0;
	rc = rank_sort(it, cnt, nparts);
	if (rc)
		return rc;
	for (size_t s = 0; s < cnt;) {
		size_t e = s;

		while (e < cnt && it[e].part == it[s].part)
			e++;
		for (size_t g = s; g < e;) {
			size_t h = g;
			uint8_t q = (uint8_t)(1 + 5 * (g - s) / (e - s));

			while (h < e && it[h].key == it[g].key)
				w->score[d][it[h++].index] = q;
			g = h;
		}
		s = e;
	}
	return 0;
}

static int results_give(const kam_host *host, kam_run *run, const struct rfm_work *w, size_t n)
{
	enum { RECENCY, FREQUENCY, MONETARY, R, F, M, CODE, SEGMENT, NAMES };
	static const char *const names[NAMES] = { "recency_days", "frequency", "monetary", "r",
						  "f", "m", "code", "segment" };
	const size_t nseg = sizeof(segments) / sizeof(segments[0]);
	const char *name[NAMES], *slug[sizeof(segments) / sizeof(segments[0])];
	const char *no_order = text_host_name(host, run, "no order");

	for (int k = 0; k < NAMES; k++)
		name[k] = text_host_name(host, run, names[k]);
	for (size_t k = 0; k < nseg; k++)
		slug[k] = text_host_name(host, run, segments[k].slug);
	for (size_t i = 0; i < n; i++) {
		int r = w->score[DIM_R][i], f = w->score[DIM_F][i], m = w->score[DIM_M][i];
		int code = 100 * r + 10 * f + m, seg = rfm_segment_of(r, f, m);
		int64_t rec = w->recency[i];
		int rc;

		rc = host->set_tier(run, i, segments[seg].tier, (double)code);
		if (!rc)
			rc = host->add_factor(run, i, name[RECENCY], (double)rec,
					      rec == NO_RECENCY ? no_order : NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[FREQUENCY], (double)w->frequency[i], NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[MONETARY], (double)w->monetary[i] / 1e4,
					      NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[R], r, NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[F], f, NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[M], m, NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[CODE], code, NULL);
		if (!rc)
			rc = host->add_factor(run, i, name[SEGMENT], seg + 1, slug[seg]);
		if (rc)
			return rc;
	}
	return 0;
}

static int rfm_run(void *state, const kam_host *host, kam_run *run)
{
	struct rfm_cfg c;
	struct rfm_work w = { 0 };
	struct part_table parts = { 0 };
	size_t n = host->account_count(run);
	uint32_t nparts;
	int rc;

	(void)state;
	rc = cfg_read(host, run, &c);
	if (rc || n == 0)
		return rc;
	if (n > UINT32_MAX) {
		host->log(run, KAM_LOG_ERROR, "%zu accounts: at most %u supported", n, UINT32_MAX);
		return KAM_ELIMIT;
	}
	rc = work_alloc(&w, n);
	if (!rc)
		rc = accounts_read(host, run, &c, &w, n, &parts);
	if (rc)
		goto out;
	nparts = part_count(&parts, c.part);
	rc = KAM_ENOMEM;
	w.psize = calloc(nparts, sizeof(*w.psize));
	if (!w.psize)
		goto out;
	/* Fixed thresholds first; quintiles then replace them in the partitions large enough. */
	for (size_t i = 0; i < n; i++) {
		w.psize[w.part[i]]++;
		w.score[DIM_R][i] = (uint8_t)rfm_fixed_r(w.recency[i]);
		w.score[DIM_F][i] = (uint8_t)rfm_fixed_f(w.frequency[i]);
		w.score[DIM_M][i] = (uint8_t)rfm_fixed_m(&c, w.monetary[i]);
	}
	rc = 0;
	for (int d = 0; d < NDIM && !rc; d++)
		rc = quintiles(&w, n, nparts, d);
	if (!rc)
		rc = results_give(host, run, &w, n);
out:
	if (rc == KAM_ENOMEM)
		host->log(run, KAM_LOG_ERROR, "out of memory for %zu accounts", n);
	table_free(&parts);
	work_free(&w);
	return rc;
}

static const kam_plugin rfm_plugin = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "rfm",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1.0.0",
	.description = "recency, frequency, monetary quintiles; named segments mapped to tiers",
	.params = rfm_params,
	.nparams = sizeof(rfm_params) / sizeof(rfm_params[0]),
	.run = rfm_run,
	.omit = KAM_OMIT_ROLLUP | KAM_OMIT_VIEWS,
};

KAM_PLUGIN_EXPORT(rfm_plugin)
