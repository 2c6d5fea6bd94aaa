/*
 * test_value.c - value snapshots (value parts, "val:" pointers), kam_value with in-memory models
 * and per-region configuration, and kam_alerts on a small book computed by hand.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "value.h"
#define TESTBOOK_ATTRS true /* the book's records carry custom attributes */
#include "testbook.h"

static char dir[] = "/tmp/kam-test-value.XXXXXX";
static kam_store *store;
static kam_registry *reg;
static char err[512];


static int32_t day(const char *s)
{
	kam_date d;
	cr_assert_eq(kam_date_parse(s, strlen(s), &d), 0);
	return d.day;
}

/* ---- in-memory models ---- */

/* "test-value": value = lifetime revenue x factor; metric orders; "big" above 1000. */
static const kam_param_def tv_params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "day" },
	{ "factor", KAM_PARAM_NUMBER, "1", "multiplier" },
};

static int tv_run(void *state, const kam_host *h, kam_run *run)
{
	(void)state;
	double factor;
	int rc = h->param_number(run, "factor", &factor);
	for (size_t i = 0; !rc && i < h->account_count(run); i++) {
		const kam_account_view *v = h->account(run, i);
		double value = (double)v->revenue / 10000 * factor;
		rc = h->set_value(run, i, value, value > 1000 ? "big" : NULL);
		if (!rc)
			rc = h->add_metric(run, i, "orders", v->order_count);
		if (!rc)
			rc = h->add_factor(run, i, "factor", factor, "given");
	}
	return rc;
}

static const kam_plugin test_value = {
	.abi_major = KAM_ABI_MAJOR, .size = sizeof(kam_plugin), .name = "test-value",
	.kind = KAM_PLUGIN_VALUE, .version = "0.1", .params = tv_params, .nparams = 2,
	.run = tv_run,
};

/* A fake "customer-value" for the alerts: p_alive from the custom attribute `p` of an account. */
static int cv_run(void *state, const kam_host *h, kam_run *run)
{
	(void)state;
	int rc = 0;
	for (size_t i = 0; !rc && i < h->account_count(run); i++) {
		kam_text t;
		rc = h->set_value(run, i, 0, NULL);
		if (!rc && h->account_attr(run, i, "p", &t) == 0) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%.*s", (int)t.len, t.ptr);
			rc = h->add_metric(run, i, "p_alive", atof(buf));
		}
	}
	return rc;
}

static const kam_param_def cv_params[] = { { "as_of", KAM_PARAM_DATE, NULL, "day" } };
static const kam_plugin fake_cv = {
	.abi_major = KAM_ABI_MAJOR, .size = sizeof(kam_plugin), .name = "customer-value",
	.kind = KAM_PLUGIN_VALUE, .version = "fake", .params = cv_params, .nparams = 1,
	.run = cv_run,
};

static int seg_run(void *state, const kam_host *h, kam_run *run)
{
	(void)state;
	for (size_t i = 0; i < h->account_count(run); i++)
		h->set_tier(run, i, 'A', 1);
	return 0;
}

static const kam_plugin test_seg = {
	.abi_major = KAM_ABI_MAJOR, .size = sizeof(kam_plugin), .name = "test-seg",
	.kind = KAM_PLUGIN_SEGMENTATION, .version = "0.1", .run = seg_run,
};

/*
 * The book, as of 2026-06-30 (alerts: recent = 2026-01-00.. : D - 182 < date, i.e. from
 * 2025-12-31; previous = D - 547 < date <= D - 182, i.e. 2024-12-31 .. 2025-12-30; the last 12
 * months from 2025-07-01, the 12 before from 2024-07-01):
 *   K1 north, wallet 10000, p 0.2: previous 4 orders of 1000 (2025-01-15, 03-15, 08-15,
 *      10-15), recent 1 of 500 (2026-03-01): rate -> 1/182 / (4/365) - 1; rev12 = 2500
 *      (08-15, 10-15, 03-01), prev12 = 2000 (01-15, 03-15): +25%
 *   K2 north, no wallet, p 0.9: 2024-08-01 5000, 2025-09-01 1000: rev12 1000, prev12 5000
 *      (-80%: revenue), previous orders 1 (2025-09-01), recent 0: rate -100%
 *   K3 south, p 0.95: steady: one order of 100 per month 2024-07 .. 2026-06 (24 orders)
 *   K4 south (tier B), p 0.01: not tier A, never listed
 *   K5 (no region), no orders, no p: no P(alive), no signal
 */
static int fill(kam_txn *t, void *arg)
{
	(void)arg;
	PUT(t, KAM_ACCOUNT, "id", "K1", "name", "One", "region", "north", "owner", "r1", "wallet",
	    "10000", "p", "0.2");
	PUT(t, KAM_ACCOUNT, "id", "K2", "name", "Two", "region", "north", "owner", "r2", "p", "0.9");
	PUT(t, KAM_ACCOUNT, "id", "K3", "name", "Three", "region", "south", "owner", "r1", "p",
	    "0.95");
	PUT(t, KAM_ACCOUNT, "id", "K4", "name", "Four", "region", "south", "p", "0.01");
	PUT(t, KAM_ACCOUNT, "id", "K5", "name", "Five");
	static const char *const k1[] = { "2025-01-15", "2025-03-15", "2025-08-15", "2025-10-15" };
	for (int i = 0; i < 4; i++) {
		char id[8];
		snprintf(id, sizeof(id), "k1-%d", i);
		PUT(t, KAM_ORDER, "id", id, "account_id", "K1", "date", k1[i], "amount", "1000");
	}
	PUT(t, KAM_ORDER, "id", "k1-r", "account_id", "K1", "date", "2026-03-01", "amount", "500");
	PUT(t, KAM_ORDER, "id", "k2-a", "account_id", "K2", "date", "2024-08-01", "amount", "5000");
	PUT(t, KAM_ORDER, "id", "k2-b", "account_id", "K2", "date", "2025-09-01", "amount", "1000");
	for (int m = 0; m < 24; m++) {
		char id[8], date[16];
		snprintf(id, sizeof(id), "k3-%02d", m);
		snprintf(date, sizeof(date), "%04d-%02d-10", 2024 + (6 + m) / 12, (6 + m) % 12 + 1);
		PUT(t, KAM_ORDER, "id", id, "account_id", "K3", "date", date, "amount", "100");
	}
	PUT(t, KAM_ORDER, "id", "k4-a", "account_id", "K4", "date", "2024-08-01", "amount", "9000");

	/* the tiers: a stored segmentation */
	static const char *const ids[] = { "K1", "K2", "K3", "K4", "K5" };
	static const char *const regions[] = { "north", "north", "south", "south", "" };
	static const char tiers[] = "AAABA";
	kam_result res[5];
	memset(res, 0, sizeof(res));
	for (int i = 0; i < 5; i++)
		res[i] = (kam_result){ .account_id = (char *)ids[i], .region = (char *)regions[i],
				       .tier = tiers[i] };
	kam_run_output out = { .results = res, .count = 5 };
	char *snap_regions[] = { "", "north", "south" };
	kam_snapshot_info info = { .kind = KAM_PLUGIN_SEGMENTATION, .model = "abc",
				   .model_version = "1", .regions = snap_regions, .nregions = 3 };
	return kam_snapshot_save(t, &info, &out);
}

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	char path[sizeof(dir) + 8];
	snprintf(path, sizeof(path), "%s/db", dir);
	cr_assert_eq(kam_store_open(path, KAM_STORE_CREATE, &store), 0);
	cr_assert_eq(kam_store_write(store, fill, NULL), 0);
	cr_assert_eq(kam_registry_new(&reg), 0);
	cr_assert_eq(kam_registry_add(reg, &test_value, "mem:tv", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kam_registry_add(reg, &fake_cv, "mem:cv", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kam_registry_add(reg, &test_seg, "mem:seg", err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
	kam_registry_free(reg);
	kam_store_close(store);
	char cmd[sizeof(dir) + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

TestSuite(value, .init = setup, .fini = teardown);

/* ---- snapshots with value parts ---- */

typedef struct save_job {
	kam_snapshot_info *info;
	const kam_run_output *out;
} save_job;

static int save_fn(kam_txn *txn, void *arg)
{
	save_job *j = arg;
	return kam_snapshot_save(txn, j->info, j->out);
}

#define MANY 5000 /* enough rows for several result blocks */

static char *metric_names[] = { "alpha", "beta", "gamma" };

Test(value, snapshot_round_trip)
{
	kam_result *res = calloc(MANY, sizeof(*res));
	kam_factor *metrics = calloc(MANY * 3, sizeof(*metrics));
	kam_factor *factors = calloc(MANY, sizeof(*factors));
	char (*ids)[16] = calloc(MANY, sizeof(*ids));
	char (*recs)[24] = calloc(MANY, sizeof(*recs));
	cr_assert(res && metrics && factors && ids && recs);
	for (int i = 0; i < MANY; i++) {
		snprintf(ids[i], sizeof(ids[i]), "V%05d", i);
		snprintf(recs[i], sizeof(recs[i]), "rec %d", i % 7);
		res[i].account_id = ids[i];
		res[i].region = i % 2 ? "north" : "";
		res[i].has_value = i % 5 != 0;
		res[i].value = i * 1.25 + 1.0 / 3;
		res[i].recommendation = i % 3 ? recs[i] : NULL;
		res[i].metrics = &metrics[3 * i];
		res[i].nmetrics = (size_t)(i % 4 < 3 ? i % 4 : 3);
		for (int k = 0; k < 3; k++)
			metrics[3 * i + k] = (kam_factor){ metric_names[k], i + k * 0.5, NULL };
		factors[i] = (kam_factor){ "f", -i, i % 2 ? "odd" : NULL };
		res[i].factors = &factors[i];
		res[i].nfactors = 1;
	}
	kam_run_output out = { .results = res, .count = MANY };
	char *regions[] = { "", "north" };
	kam_param params[] = { { "factor", "2" } };
	kam_snapshot_info info = { .kind = KAM_PLUGIN_VALUE, .model = "test-value",
				   .model_version = "0.1", .params = params, .nparams = 1,
				   .regions = regions, .nregions = 2, .as_of = day("2026-06-30") };
	save_job job = { &info, &out };
	cr_assert_eq(kam_store_write(store, save_fn, &job), 0);
	cr_assert_gt(info.id, 1);

	kam_txn *txn;
	uint64_t id;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	/* value pointers live apart from the segmentation ones */
	cr_assert_eq(kam_snapshot_current_kind(txn, KAM_PLUGIN_VALUE, KAM_STR("north"), &id), 0);
	cr_assert_eq(id, info.id);
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("north"), &id), 0);
	cr_assert_eq(id, 1); /* the segmentation of fill() */
	cr_assert_eq(kam_snapshot_current_kind(txn, KAM_PLUGIN_VALUE, KAM_STR("south"), &id),
		     KAM_ENOTFOUND);
	kam_snapshot_info got;
	cr_assert_eq(kam_snapshot_get(txn, info.id, &got), 0);
	cr_assert_eq(got.kind, KAM_PLUGIN_VALUE);
	cr_assert_eq(got.accounts, MANY);
	kam_snapshot_info_free(&got);

	/* every row through the full iterator, and a few through the lookup */
	kam_snapshot_iter *it;
	kam_result r;
	cr_assert_eq(kam_snapshot_iter_open(txn, info.id, &it), 0);
	int n = 0;
	while (kam_snapshot_iter_result(it, &r) == 1) {
		const kam_result *w = &res[n];
		cr_assert_str_eq(r.account_id, w->account_id);
		cr_assert_str_eq(r.region, w->region);
		cr_assert_eq(r.has_value, w->has_value);
		if (w->has_value)
			cr_assert_eq(r.value, w->value, "row %d", n);
		if (w->recommendation)
			cr_assert_str_eq(r.recommendation, w->recommendation);
		else
			cr_assert_null(r.recommendation);
		cr_assert_eq(r.nmetrics, w->nmetrics, "row %d", n);
		for (size_t k = 0; k < r.nmetrics; k++) {
			cr_assert_str_eq(r.metrics[k].name, w->metrics[k].name);
			cr_assert_eq(r.metrics[k].value, w->metrics[k].value);
		}
		cr_assert_eq(r.nfactors, 1);
		cr_assert_eq(r.factors[0].value, -n);
		kam_result_free(&r);
		n++;
	}
	cr_assert_eq(n, MANY);
	kam_snapshot_iter_close(it);
	/* the light iterator skips the value parts */
	cr_assert_eq(kam_snapshot_iter_open(txn, info.id, &it), 0);
	kam_snapshot_row row;
	n = 0;
	while (kam_snapshot_iter_next(it, &row) == 1)
		cr_assert(kam_str_eq(row.account_id, kam_str_c(ids[n++])));
	cr_assert_eq(n, MANY);
	kam_snapshot_iter_close(it);
	/* the value iterator: each row's value part as views, with one metric when the row has it */
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(kam_snapshot_iter_open(txn, info.id, &it), 0);
		kam_snapshot_value v;
		n = 0;
		while (kam_snapshot_iter_value(it, metric_names[k], &row, &v) == 1) {
			const kam_result *w = &res[n];
			cr_assert(kam_str_eq(row.account_id, kam_str_c(ids[n])));
			cr_assert(kam_str_eq(row.region, kam_str_c(w->region)));
			cr_assert_eq(v.has_value, w->has_value, "row %d", n);
			if (w->has_value)
				cr_assert_eq(v.value, w->value, "row %d", n);
			if (w->recommendation)
				cr_assert(kam_str_eq(v.recommendation, kam_str_c(w->recommendation)));
			else
				cr_assert_null(v.recommendation.ptr);
			cr_assert_eq(v.found, (size_t)k < w->nmetrics, "row %d metric %d", n, k);
			if (v.found)
				cr_assert_eq(v.metric, n + k * 0.5, "row %d metric %d", n, k);
			n++;
		}
		cr_assert_eq(n, MANY);
		kam_snapshot_iter_close(it);
	}
	kam_snapshot_value v;
	cr_assert_eq(kam_snapshot_iter_open(txn, info.id, &it), 0);
	cr_assert_eq(kam_snapshot_iter_value(it, "no such metric", &row, &v), 1);
	cr_assert(!v.found);
	cr_assert_eq(kam_snapshot_iter_value(it, NULL, &row, &v), 1);
	cr_assert(!v.found);
	cr_assert(kam_str_eq(row.account_id, kam_str_c(ids[1])));
	kam_snapshot_iter_close(it);
	/* a segmentation snapshot has no value part */
	cr_assert_eq(kam_snapshot_iter_open(txn, 1, &it), 0);
	cr_assert_eq(kam_snapshot_iter_value(it, "alpha", &row, &v), 1);
	cr_assert(!v.found && !v.has_value && !v.recommendation.ptr);
	kam_snapshot_iter_close(it);
	for (int i = 0; i < MANY; i += 997) {
		cr_assert_eq(kam_snapshot_result(txn, info.id, kam_str_c(ids[i]), &r), 0);
		cr_assert_eq(r.nmetrics, res[i].nmetrics);
		cr_assert_eq(r.has_value, res[i].has_value);
		kam_result_free(&r);
	}
	kam_txn_abort(txn);
	free(res);
	free(metrics);
	free(factors);
	free(ids);
	free(recs);
}

/* ---- kam_value ---- */

static kam_param p_factor2[] = { { "factor", "2" } };
static kam_param p_factor3[] = { { "factor", "3" } };

static kam_config two_regions(void)
{
	static kam_region_choice regions[2];
	regions[0] = (kam_region_choice){ "south", { "test-value", p_factor3, 1 } };
	regions[1] = (kam_region_choice){ "north", { "test-value", p_factor2, 1 } };
	kam_config cfg = { 0 };
	cfg.val_default = (kam_model_choice){ "test-value", p_factor2, 1 };
	cfg.val_regions = regions;
	cfg.nval_regions = 2;
	return cfg;
}

static const kam_result *find(const kam_value_row *rows, size_t n, const char *id,
			      const kam_snapshot_info **info)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].r->account_id, id) == 0) {
			if (info)
				*info = rows[i].info;
			return rows[i].r;
		}
	return NULL;
}

Test(value, per_region_runs_and_snapshots)
{
	kam_config cfg = two_regions();
	kam_value_opts o = { .as_of = day("2026-06-30") };
	kam_value_result res;
	cr_assert_eq(kam_value(store, reg, &cfg, &o, &res), 0, "%s", res.error);
	/* north has the default's choice: one run for it and the others, one for south */
	cr_assert_eq(res.nruns, 2);
	cr_assert_eq(res.runs[0].out.count, 3); /* K1, K2, K5 */
	cr_assert_eq(res.runs[1].out.count, 2); /* K3, K4 */
	cr_assert_eq(res.runs[1].info.nregions, 1);
	cr_assert_str_eq(res.runs[1].info.regions[0], "south");
	cr_assert_neq(res.runs[0].info.id, 0);
	kam_value_row *rows;
	size_t n;
	cr_assert_eq(kam_value_rows(&res, &rows, &n), 0);
	cr_assert_eq(n, 5);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(strcmp(rows[i - 1].r->account_id, rows[i].r->account_id), 0);
	const kam_snapshot_info *info;
	const kam_result *k1 = find(rows, n, "K1", &info);
	cr_assert_eq(k1->value, 4500 * 2.0);
	cr_assert_str_eq(k1->recommendation, "big");
	cr_assert_str_eq(info->model, "test-value");
	const kam_result *k3 = find(rows, n, "K3", NULL);
	cr_assert_eq(k3->value, 2400 * 3.0);
	cr_assert_eq(k3->nmetrics, 1);
	cr_assert_eq(k3->metrics[0].value, 24);
	const kam_result *k5 = find(rows, n, "K5", NULL);
	cr_assert_eq(k5->value, 0);
	cr_assert_null(k5->recommendation);
	uint64_t south_id = res.runs[1].info.id;
	free(rows);
	kam_value_result_free(&res);

	/* stored: why-style lookups through the value pointers */
	kam_txn *txn;
	uint64_t id;
	kam_result r;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_snapshot_current_kind(txn, KAM_PLUGIN_VALUE, KAM_STR("south"), &id), 0);
	cr_assert_eq(id, south_id);
	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("K3"), &r), 0);
	cr_assert_eq(r.value, 7200);
	cr_assert_str_eq(r.recommendation, "big");
	cr_assert_str_eq(r.factors[0].note, "given");
	kam_result_free(&r);
	cr_assert_eq(kam_snapshot_current_kind(txn, KAM_PLUGIN_VALUE, KAM_STR(""), &id), 0);
	kam_txn_abort(txn);
}

Test(value, options)
{
	kam_value_result res;
	kam_value_opts o = { .as_of = day("2026-06-30"), .dry_run = true, .model = "test-value",
			     .region = "south", .params = p_factor3, .nparams = 1 };
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), 0, "%s", res.error);
	cr_assert_eq(res.nruns, 1);
	cr_assert_eq(res.runs[0].info.id, 0); /* a dry run stores nothing */
	cr_assert_eq(res.runs[0].out.count, 2);
	kam_value_result_free(&res);
	kam_txn *txn;
	uint64_t id;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_snapshot_current_kind(txn, KAM_PLUGIN_VALUE, KAM_STR("south"), &id),
		     KAM_ENOTFOUND);
	kam_txn_abort(txn);

	/* the default model without configuration is customer-value */
	o = (kam_value_opts){ .as_of = day("2026-06-30"), .dry_run = true };
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), 0, "%s", res.error);
	cr_assert_str_eq(res.runs[0].info.model, "customer-value");
	kam_value_result_free(&res);

	o.model = "nothing";
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), KAM_ENOTFOUND);
	cr_assert(res.bad_opts);
	cr_assert(strstr(res.error, "loaded: test-value, customer-value"), "%s", res.error);
	o.model = "test-seg";
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), KAM_EINVAL);
	cr_assert(strstr(res.error, "not a value model"), "%s", res.error);
	o.model = "test-value";
	kam_param bad[] = { { "factor", "two" } };
	o.params = bad;
	o.nparams = 1;
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), KAM_EINVAL);
	cr_assert(res.bad_opts);
	o.params = NULL;
	o.nparams = 0;
	o.region = "west";
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), KAM_ENOTFOUND);
	cr_assert(strstr(res.error, "no accounts in region \"west\""), "%s", res.error);

	/* a configured parameter the model does not declare is the configuration's fault */
	kam_config cfg = two_regions();
	kam_param undeclared[] = { { "speed", "1" } };
	cfg.val_regions[0].choice.params = undeclared;
	o = (kam_value_opts){ .as_of = day("2026-06-30"), .dry_run = true };
	cr_assert_eq(kam_value(store, reg, &cfg, &o, &res), KAM_EINVAL);
	cr_assert(!res.bad_opts);
	cr_assert(strstr(res.error, "value.regions[\"south\"]"), "%s", res.error);
	cfg.val_regions[0].choice.params = p_factor3;
}

/* ---- alerts ---- */

static const kam_alert *alert_of(const kam_alert_set *s, const char *id)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->alerts[i].account_id, id) == 0)
			return &s->alerts[i];
	return NULL;
}

static kam_alert_set alerts(bool all, bool fresh)
{
	kam_alert_opts o = { .as_of = day("2026-06-30"), .p_alive_below = 0.5, .drop = 0.3,
			     .all = all, .fresh = fresh };
	kam_txn *txn;
	kam_alert_set s;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_alerts(txn, reg, NULL, &o, &s), 0, "%s", s.error);
	kam_txn_abort(txn);
	return s;
}

Test(value, alerts_signals)
{
	kam_alert_set s = alerts(false, false);
	cr_assert_eq(s.tier_a, 4);
	cr_assert_eq(s.count, 2); /* K1 and K2; K3 is steady, K4 is tier B, K5 has nothing */
	cr_assert_eq(s.computed, 3);  /* no value snapshot: a run now; K5 has no p */
	cr_assert_eq(s.from_snapshots, 0);
	/* both have two signals: by account id */
	const kam_alert *k1 = &s.alerts[0], *k2 = &s.alerts[1];
	cr_assert_str_eq(k1->account_id, "K1");
	cr_assert_eq(k1->signals, KAM_ALERT_P_ALIVE | KAM_ALERT_ORDER_RATE);
	cr_assert_eq(k1->p_alive, 0.2);
	cr_assert_eq(k1->p_alive_snapshot, 0);
	cr_assert_eq(k1->orders_recent, 1);
	cr_assert_eq(k1->orders_previous, 4);
	cr_assert_eq(k1->order_rate_change, (1.0 / 182) / (4.0 / 365) - 1);
	cr_assert_eq(k1->revenue_12m, 2500 * 10000LL);
	cr_assert_eq(k1->revenue_prev_12m, 2000 * 10000LL);
	cr_assert(k1->has_wallet);
	cr_assert_eq(k1->share_of_wallet, 0.25);
	cr_assert_eq(k1->share_of_wallet_prev, 0.2);
	cr_assert_str_eq(k1->owner, "r1");
	cr_assert_str_eq(k2->account_id, "K2");
	cr_assert_eq(k2->signals, KAM_ALERT_ORDER_RATE | KAM_ALERT_REVENUE);
	cr_assert_eq(k2->orders_recent, 0);
	cr_assert_eq(k2->orders_previous, 1);
	cr_assert_eq(k2->order_rate_change, -1);
	cr_assert_eq(k2->revenue_change, 1000.0 / 5000 - 1);
	cr_assert(!k2->has_wallet);
	char names[64];
	kam_alert_signal_names(k2->signals, names, sizeof(names));
	cr_assert_str_eq(names, "order_rate;revenue");
	kam_alert_set_free(&s);

	/* --all lists K3 and K5 too, after those with signals */
	s = alerts(true, false);
	cr_assert_eq(s.count, 4);
	const kam_alert *k3 = alert_of(&s, "K3"), *k5 = alert_of(&s, "K5");
	cr_assert_eq(k3->signals, 0);
	cr_assert_eq(k3->orders_recent, 6);   /* 2026-01-10 .. 2026-06-10 */
	cr_assert_eq(k3->orders_previous, 12); /* 2025-01-10 .. 2025-12-10 */
	cr_assert_eq(k3->revenue_12m, 1200 * 10000LL);
	cr_assert_eq(k3->revenue_change, 0);
	cr_assert(!k5->has_p_alive);
	cr_assert(isnan(k5->order_rate_change));
	cr_assert(isnan(k5->revenue_change));
	cr_assert_str_eq(s.alerts[3].account_id, "K5");
	kam_alert_set_free(&s);
}

Test(value, alerts_read_stored_snapshots)
{
	/* customer-value stored as of the same day for every region: used instead of a run */
	kam_value_opts o = { .as_of = day("2026-06-30") };
	kam_value_result res;
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), 0, "%s", res.error);
	uint64_t id = res.runs[0].info.id;
	kam_value_result_free(&res);
	kam_alert_set s = alerts(false, false);
	cr_assert_eq(s.from_snapshots, 3);
	cr_assert_eq(s.computed, 0);
	cr_assert_eq(alert_of(&s, "K1")->p_alive_snapshot, id);
	kam_alert_set_free(&s);
	/* --fresh computes anyway */
	s = alerts(false, true);
	cr_assert_eq(s.computed, 3);
	kam_alert_set_free(&s);
	/* a snapshot of another day does not count */
	o.as_of = day("2026-06-29");
	o.region = "north";
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), 0, "%s", res.error);
	kam_value_result_free(&res);
	s = alerts(false, false);
	cr_assert_eq(s.from_snapshots, 1); /* K3 in south */
	cr_assert_eq(s.computed, 2);
	kam_alert_set_free(&s);
	/* nor does another value model's */
	o = (kam_value_opts){ .as_of = day("2026-06-30"), .model = "test-value" };
	cr_assert_eq(kam_value(store, reg, NULL, &o, &res), 0, "%s", res.error);
	kam_value_result_free(&res);
	s = alerts(false, false);
	cr_assert_eq(s.from_snapshots, 0);
	cr_assert_eq(s.computed, 3);
	kam_alert_set_free(&s);
}

Test(value, alerts_need_customer_value)
{
	kam_registry *bare;
	cr_assert_eq(kam_registry_new(&bare), 0);
	kam_alert_opts o = { .as_of = day("2026-06-30"), .p_alive_below = 0.5, .drop = 0.3 };
	kam_txn *txn;
	kam_alert_set s;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_alerts(txn, bare, NULL, &o, &s), KAM_ENOTFOUND);
	cr_assert(strstr(s.error, "customer-value"), "%s", s.error);
	kam_txn_abort(txn);
	kam_registry_free(bare);
}
