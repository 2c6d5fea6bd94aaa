/*
 * score.c - the `score` segmentation model: a weighted fit to the target market (DOMAIN.md §3,
 * plugins/README.md).
 *
 * Four criteria show an account's purchasing power: annual_revenue, employees, net_assets (the
 * account's own figures; absent when not recorded) and revenue (the sum of its order amounts with
 * as_of - window_days < date <= as_of; every account has one, 0 without orders). Within each
 * partition (region by default) each criterion is normalised to a percentile rank:
 *
 *   among the n accounts of the partition whose value is present, sorted ascending, a tied group
 *   at 1-based positions p..q has the average rank r = (p + q) / 2 and pct = (r - 1) / (n - 1);
 *   pct = 1 when n == 1; an absent value scores 0.
 *
 *   contribution_i = w_i * pct_i,  score = (sum of contributions) * region_weight
 *
 * where region_weight comes from the region_weights parameter ("north=1.2,south=0.8"; regions
 * not listed weigh 1). Within each partition the accounts are ranked by score descending, then id
 * ascending (bytewise); with n accounts, the first nA = max(1, floor(a_share * n)) are A, the next
 * nB = min(n - nA, floor(b_share * n)) are B, the rest C. The shares are taken to 6 decimals
 * (round(share * 1e6)) and the floors computed in integers, so 0.2 of 10 accounts is exactly 2.
 */
#include <kam/errors.h>
#include <kam/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigmem.h"
#include "common/partition.h"
#include "common/rank.h"
#include "common/text.h"
#include "common/window.h"

enum score_crit { CRIT_ANNUAL_REVENUE, CRIT_EMPLOYEES, CRIT_NET_ASSETS, CRIT_REVENUE, NCRIT };

static const char *const crit_names[NCRIT] = { "annual_revenue", "employees", "net_assets",
					       "revenue" };
static const char *const weight_names[NCRIT] = { "w_annual_revenue", "w_employees",
						 "w_net_assets", "w_revenue" };

struct region_weight {
	kam_text region;
	double weight;
};

/* The run's parameters, checked. */
struct score_cfg {
	int32_t from, to; /* the revenue window, both ends included */
	int part;         /* enum part_kind */
	double w[NCRIT];
	int64_t a6, b6;   /* a_share and b_share in millionths */
	struct region_weight *rw;
	size_t nrw;
};

static const kam_param_def score_params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for (default: the run's as_of)" },
	{ "window_days", KAM_PARAM_INTEGER, "365", "days of orders counted as revenue" },
	{ "partition", KAM_PARAM_TEXT, "region", "region, owner, channel or none" },
	{ "w_annual_revenue", KAM_PARAM_NUMBER, "0.3", "weight of the annual revenue percentile" },
	{ "w_employees", KAM_PARAM_NUMBER, "0.2", "weight of the employees percentile" },
	{ "w_net_assets", KAM_PARAM_NUMBER, "0.2", "weight of the net assets percentile" },
	{ "w_revenue", KAM_PARAM_NUMBER, "0.3", "weight of the window revenue percentile" },
	{ "region_weights", KAM_PARAM_TEXT, "", "score multipliers, e.g. north=1.2,south=0.8" },
	{ "a_share", KAM_PARAM_NUMBER, "0.20", "share of each partition's accounts in tier A" },
	{ "b_share", KAM_PARAM_NUMBER, "0.30", "share of each partition's accounts in tier B" },
};

static int number_read(const kam_host *host, kam_run *run, const char *name, double *out)
{
	int rc = host->param_number(run, name, out);

	if (rc)
		host->log(run, KAM_LOG_ERROR, "parameter %s: cannot read it (code %d)", name, rc);
	return rc;
}

/* A share in [0, 1] as millionths. */
static int share_read(const kam_host *host, kam_run *run, const char *name, int64_t *out)
{
	double v;
	int rc = number_read(host, run, name, &v);

	if (rc)
		return rc;
	if (!(v >= 0.0 && v <= 1.0)) {
		host->log(run, KAM_LOG_ERROR, "parameter %s = %.17g: must be in [0, 1]", name, v);
		return KAM_EINVAL;
	}
	*out = llround(v * 1e6);
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static kam_text text_trim(const char *p, size_t len)
{
	kam_text t;

	while (len && is_blank(*p))
		p++, len--;
	while (len && is_blank(p[len - 1]))
		len--;
	t.ptr = p;
	t.len = len;
	return t;
}

/* One "region=weight" entry of region_weights. */
static int weight_entry(const kam_host *host, kam_run *run, kam_text e, struct score_cfg *c)
{
	const char *eq = memchr(e.ptr, '=', e.len);
	kam_text name, val;
	char buf[64], *end;
	double w;

	if (!eq) {
		host->log(run, KAM_LOG_ERROR, "parameter region_weights: '%.*s' is not region=weight",
			  (int)e.len, e.ptr);
		return KAM_EINVAL;
	}
	name = text_trim(e.ptr, (size_t)(eq - e.ptr));
	val = text_trim(eq + 1, e.len - (size_t)(eq - e.ptr) - 1);
	if (!name.len || !val.len || val.len >= sizeof(buf)) {
		host->log(run, KAM_LOG_ERROR,
			  "parameter region_weights: '%.*s' needs a region and a weight",
			  (int)e.len, e.ptr);
		return KAM_EINVAL;
	}
	memcpy(buf, val.ptr, val.len);
	buf[val.len] = 0;
	w = strtod(buf, &end);
	if (*end || !(w >= 0.0) || !isfinite(w)) {
		host->log(run, KAM_LOG_ERROR,
			  "parameter region_weights: weight '%s' of %.*s is not a number >= 0", buf,
			  (int)name.len, name.ptr);
		return KAM_EINVAL;
	}
	for (size_t i = 0; i < c->nrw; i++) {
		if (!text_cmp(c->rw[i].region, name)) {
			host->log(run, KAM_LOG_ERROR,
				  "parameter region_weights: region %.*s given twice", (int)name.len,
				  name.ptr);
			return KAM_EINVAL;
		}
	}
	c->rw[c->nrw].region = name;
	c->rw[c->nrw].weight = w;
	c->nrw++;
	return 0;
}

/*
 * Parses region_weights: comma-separated region=weight entries, blanks around names and weights
 * ignored; an empty or blank text means no weights. The names point into the parameter's text,
 * which the host keeps until the run ends.
 */
static int weights_parse(const kam_host *host, kam_run *run, struct score_cfg *c)
{
	kam_text t;
	size_t n = 1;
	const char *p, *end;
	int rc = host->param_text(run, "region_weights", &t);

	if (rc == KAM_ENOTFOUND)
		return 0;
	if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter region_weights: cannot read it (code %d)",
			  rc);
		return rc;
	}
	t = text_trim(t.ptr, t.len);
	if (!t.len)
		return 0;
	for (size_t i = 0; i < t.len; i++)
		n += t.ptr[i] == ',';
	c->rw = big_malloc(n, sizeof(*c->rw));
	if (!c->rw)
		return KAM_ENOMEM;
	for (p = t.ptr, end = t.ptr + t.len; !rc; p++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;

		rc = weight_entry(host, run, text_trim(p, (size_t)(stop - p)), c);
		if (!comma)
			break;
		p = comma;
	}
	return rc;
}

static int cfg_read(const kam_host *host, kam_run *run, struct score_cfg *c)
{
	int32_t as_of;
	int rc = window_read(host, run, &as_of, &c->from);

	if (rc)
		return rc;
	c->to = as_of;
	rc = part_param(host, run, &c->part);
	for (int k = 0; k < NCRIT && !rc; k++) {
		rc = number_read(host, run, weight_names[k], &c->w[k]);
		if (!rc && !(c->w[k] >= 0.0)) {
			host->log(run, KAM_LOG_ERROR, "parameter %s = %.17g: must be at least 0",
				  weight_names[k], c->w[k]);
			rc = KAM_EINVAL;
		}
	}
	if (!rc)
		rc = share_read(host, run, "a_share", &c->a6);
	if (!rc)
		rc = share_read(host, run, "b_share", &c->b6);
	if (!rc && c->a6 + c->b6 > 1000000) {
		host->log(run, KAM_LOG_ERROR, "parameters a_share + b_share = %.6f: must be at most 1",
			  (double)(c->a6 + c->b6) / 1e6);
		rc = KAM_EINVAL;
	}
	if (!rc)
		rc = weights_parse(host, run, c);
	return rc;
}

static double region_weight(const struct score_cfg *c, kam_text region)
{
	for (size_t i = 0; i < c->nrw; i++)
		if (!text_cmp(c->rw[i].region, region))
			return c->rw[i].weight;
	return 1.0;
}

/* --- sorting ------------------------------------------------------------------------------- */

/* Ascending int64 order as ascending uint64. */
static uint64_t key_up(int64_t v)
{
	return (uint64_t)v ^ (1ull << 63);
}

/* Descending double order as ascending uint64 (for numbers, not NaN; -0 after +0). */
static uint64_t key_down(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	u = (u >> 63) ? ~u : u | (1ull << 63);
	return ~u;
}

/* --- the model ----------------------------------------------------------------------------- */

/* Work arrays of one run, by account index unless noted. */
struct score_work {
	uint32_t *part;
	uint32_t *order;           /* account indices in id order; NULL: index order */
	int64_t *value[NCRIT];
	uint8_t *present;          /* bit k: value[k] is present */
	double *contrib[NCRIT];    /* w_k * pct_k */
	double *rw;                /* region weight */
	double *score;
	uint32_t *rank;
	char *tier;
	struct rank_item *items;   /* by sort position */
};

static void work_free(struct score_work *w)
{
	free(w->part);
	free(w->order);
	for (int k = 0; k < NCRIT; k++) {
		free(w->value[k]);
		free(w->contrib[k]);
	}
	free(w->present);
	free(w->rw);
	free(w->score);
	free(w->rank);
	free(w->tier);
	free(w->items);
}

static int work_alloc(struct score_work *w, size_t n)
{
	int ok = 1;

	w->part = big_malloc(n, sizeof(*w->part));
	for (int k = 0; k < NCRIT; k++) {
		w->value[k] = big_malloc(n, sizeof(*w->value[k]));
		w->contrib[k] = big_calloc(n, sizeof(*w->contrib[k]));
		ok = ok && w->value[k] && w->contrib[k];
	}
	w->present = big_malloc(n, 1);
	w->rw = big_malloc(n, sizeof(*w->rw));
	w->score = big_malloc(n, sizeof(*w->score));
	w->rank = big_malloc(n, sizeof(*w->rank));
	w->tier = big_malloc(n, 1);
	w->items = big_malloc(n, sizeof(*w->items));
	ok = ok && w->part && w->present && w->rw && w->score && w->rank && w->tier &&
	     w->items;
	return ok ? 0 : KAM_ENOMEM;
}

/* Reads every account's criteria, partition and region weight, in index order. */
static int criteria_read(const kam_host *host, kam_run *run, const struct score_cfg *c,
			 struct score_work *w, size_t n, struct part_table *parts, int *ids_sorted)
{
	kam_text prev = { NULL, 0 };

	*ids_sorted = 1;
	for (size_t i = 0; i < n; i++) {
		const kam_account_view *v = host->account(run, i);
		const kam_order_view *o;
		size_t count;
		int64_t sum = 0;
		int rc;

		if (!v)
			return KAM_EINVAL;
		rc = host->orders(run, i, c->from, c->to, &o, &count);
		if (rc) {
			host->log(run, KAM_LOG_ERROR, "orders of account %.*s: code %d",
				  (int)v->id.len, v->id.ptr, rc);
			return rc;
		}
		rc = orders_sum(host, run, v->id, o, count, 0, "revenue", &sum);
		if (rc)
			return rc;
		w->value[CRIT_ANNUAL_REVENUE][i] = v->annual_revenue;
		w->value[CRIT_EMPLOYEES][i] = v->employees;
		w->value[CRIT_NET_ASSETS][i] = v->net_assets;
		w->value[CRIT_REVENUE][i] = sum;
		w->present[i] = (uint8_t)(((v->present & KAM_VIEW_ANNUAL_REVENUE) ? 1u : 0u) |
					  ((v->present & KAM_VIEW_EMPLOYEES) ? 2u : 0u) |
					  ((v->present & KAM_VIEW_NET_ASSETS) ? 4u : 0u) | 8u);
		w->rw[i] = region_weight(c, v->region);
		rc = part_of(parts, c->part, host, run, i, &w->part[i]);
		if (rc)
			return rc;
		if (i > 0 && text_cmp(prev, v->id) >= 0)
			*ids_sorted = 0;
		prev = v->id;
	}
	return 0;
}

/*
 * Percentile ranks of criterion k: sorts the accounts that have it by (partition, value) and
 * gives each tied group the average of its positions.
 */
static int percentiles(struct score_work *w, size_t n, uint32_t nparts, int k, double weight)
{
	struct rank_item *it = w->items;
	size_t m = 0;
	int rc;

	for (size_t j = 0; j < n; j++) {
		uint32_t i = w->order ? w->order[j] : (uint32_t)j;

		if (!(w->present[i] & (1u << k)))
			continue;
		it[m].key = key_up(w->value[k][i]);
		it[m].index = i;
		it[m].part = w->part[i];
		m++;
	}
	if (m == 0)
		return 0;
	rc = rank_sort(it, m, nparts);
	if (rc)
		return rc;
	for (size_t s = 0; s < m;) {
		size_t e = s;

		while (e < m && it[e].part == it[s].part)
			e++;
		for (size_t g = s; g < e;) {
			size_t h = g;
			double pct;

			while (h < e && it[h].key == it[g].key)
				h++;
			/* 1-based positions g-s+1 .. h-s: average rank minus one over n - 1. */
			if (e - s == 1)
				pct = 1.0;
			else
				pct = (double)((g - s) + (h - s) - 1) / (2.0 * (double)(e - s - 1));
			for (size_t x = g; x < h; x++)
				w->contrib[k][it[x].index] = weight * pct;
			g = h;
		}
		s = e;
	}
	return 0;
}

/* Ranks by score descending, then id, within each partition, and cuts the tiers. */
static int tiers_cut(const struct score_cfg *c, struct score_work *w, size_t n, uint32_t nparts)
{
	struct rank_item *it = w->items;
	int rc;

	for (size_t j = 0; j < n; j++) {
		uint32_t i = w->order ? w->order[j] : (uint32_t)j;

		it[j].key = key_down(w->score[i]);
		it[j].index = i;
		it[j].part = w->part[i];
	}
	rc = rank_sort(it, n, nparts);
	if (rc)
		return rc;
	for (size_t s = 0; s < n;) {
		size_t e = s;
		uint64_t cnt, na, nb;

		while (e < n && it[e].part == it[s].part)
			e++;
		cnt = e - s;
		na = (uint64_t)c->a6 * cnt / 1000000;
		nb = (uint64_t)c->b6 * cnt / 1000000;
		if (na < 1)
			na = 1;
		if (nb > cnt - na)
			nb = cnt - na;
		for (size_t x = s; x < e; x++) {
			uint64_t pos = x - s; /* 0-based */

			w->rank[it[x].index] = (uint32_t)(pos + 1);
			w->tier[it[x].index] = pos < na ? 'A' : pos < na + nb ? 'B' : 'C';
		}
		s = e;
	}
	return 0;
}

static int results_give(const kam_host *host, kam_run *run, const struct score_work *w, size_t n)
{
	const char *crit[NCRIT];
	const char *region_weight = text_host_name(host, run, "region_weight");
	const char *rank = text_host_name(host, run, "rank");

	for (int k = 0; k < NCRIT; k++)
		crit[k] = text_host_name(host, run, crit_names[k]);
	for (size_t i = 0; i < n; i++) {
		int rc = host->set_tier(run, i, w->tier[i], w->score[i]);

		for (int k = 0; k < NCRIT && !rc; k++)
			rc = host->add_factor(run, i, crit[k], w->contrib[k][i], NULL);
		if (!rc)
			rc = host->add_factor(run, i, region_weight, w->rw[i], NULL);
		if (!rc)
			rc = host->add_factor(run, i, rank, (double)w->rank[i], NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int score_run(void *state, const kam_host *host, kam_run *run)
{
	struct score_cfg c = { 0 };
	struct score_work w = { 0 };
	struct part_table parts = { 0 };
	size_t n = host->account_count(run);
	uint32_t nparts;
	int ids_sorted, rc;

	(void)state;
	rc = cfg_read(host, run, &c);
	if (rc || n == 0)
		goto out;
	if (n > UINT32_MAX) {
		host->log(run, KAM_LOG_ERROR, "%zu accounts: at most %u supported", n, UINT32_MAX);
		rc = KAM_ELIMIT;
		goto out;
	}
	rc = work_alloc(&w, n);
	if (!rc)
		rc = criteria_read(host, run, &c, &w, n, &parts, &ids_sorted);
	if (rc)
		goto out;
	nparts = part_count(&parts, c.part);
	rc = rank_id_order(host, run, n, ids_sorted, &w.order);
	for (int k = 0; k < NCRIT && !rc; k++)
		rc = percentiles(&w, n, nparts, k, c.w[k]);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		double sum = 0.0;

		for (int k = 0; k < NCRIT; k++)
			sum += w.contrib[k][i];
		w.score[i] = sum * w.rw[i];
	}
	rc = tiers_cut(&c, &w, n, nparts);
	if (!rc)
		rc = results_give(host, run, &w, n);
out:
	if (rc == KAM_ENOMEM)
		host->log(run, KAM_LOG_ERROR, "out of memory for %zu accounts", n);
	table_free(&parts);
	work_free(&w);
	free(c.rw);
	return rc;
}

static const kam_plugin score_plugin = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "score",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1.0.0",
	.description = "weighted fit: percentiles of revenue, employees, net assets, region weights",
	.params = score_params,
	.nparams = sizeof(score_params) / sizeof(score_params[0]),
	.run = score_run,
	.omit = KAM_OMIT_ROLLUP,
};

KAM_PLUGIN_EXPORT(score_plugin)
