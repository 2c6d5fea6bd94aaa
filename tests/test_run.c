/* test_run.c - running models over a store: views, rollups, windows, parameters, results. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "plugin.h"
#include "run.h"
#include "store.h"
#include "testbook.h"

#ifndef KAM_MOCK_DIR
#error "KAM_MOCK_DIR must name the directory of the mock plugins"
#endif
#define MOCK(name) KAM_MOCK_DIR "/" name ".so"

static char dir[64];
static kam_store *store;
static kam_txn *txn;
static kam_registry *reg;
static char err[1024];

static int32_t day(const char *text)
{
	kam_date d;
	cr_assert_eq(kam_date_parse(text, strlen(text), &d), 0, "bad test date %s", text);
	return d.day;
}

static int fill(kam_txn *t, void *arg)
{
	(void)arg;
	/* Out of id order on purpose: runs list accounts by id. */
	/* tier_hint is no field: with attributes allowed, it is kept as a custom attribute. */
	test_put(t, KAM_ACCOUNT,
		 (const char *const[]){ "id", "acc-b", "name", "Beta", "region", "north", "industry",
					"paper", "channel", "electronics-chain", "employees", "50",
					"annual_revenue", "1000000.5", "owner", "rep1", "created",
					"2020-01-15", "stage", "won", "tier_hint", "gold", NULL },
		 true);
	PUT(t, KAM_ACCOUNT, "id", "acc-a", "name", "Alpha", "region", "south");
	PUT(t, KAM_ACCOUNT, "id", "acc-d", "name", "Delta");
	PUT(t, KAM_ACCOUNT, "id", "acc-c", "name", "Gamma", "region", "north", "wallet", "250",
	    "net_assets", "-3.25");
	PUT(t, KAM_ORDER, "id", "o1", "account_id", "acc-a", "date", "2024-01-10", "amount", "150",
	    "profit", "30");
	PUT(t, KAM_ORDER, "id", "o2", "account_id", "acc-a", "date", "2023-06-30", "amount", "1000");
	PUT(t, KAM_ORDER, "id", "o3", "account_id", "acc-a", "date", "2024-06-30T10:00", "amount",
	    "20");
	PUT(t, KAM_ORDER, "id", "o0", "account_id", "acc-a", "date", "2024-01-10", "amount", "0.5");
	PUT(t, KAM_ORDER, "id", "o4", "account_id", "acc-b", "date", "2024-03-01", "amount", "50");
	PUT(t, KAM_ORDER, "id", "o5", "account_id", "acc-c", "date", "2022-01-01", "amount", "5");
	PUT(t, KAM_INTERACTION, "id", "i1", "account_id", "acc-b", "date", "2024-02-01", "kind",
	    "call", "minutes", "15", "outcome", "no-answer");
	PUT(t, KAM_INTERACTION, "id", "i2", "account_id", "acc-b", "date", "2024-02-03", "kind",
	    "visit", "minutes", "60");
	PUT(t, KAM_INTERACTION, "id", "i3", "account_id", "acc-b", "date", "2024-02-05T09:30",
	    "kind", "call", "outcome", "objection", "objection", "price-too-high");
	PUT(t, KAM_INTERACTION, "id", "i4", "account_id", "acc-a", "date", "2024-01-01", "kind",
	    "email");
	return 0;
}

static void open_store(int with_data)
{
	strcpy(dir, "/tmp/kam-test-run.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char path[96];
	snprintf(path, sizeof(path), "%s/db", dir);
	cr_assert_eq(kam_store_open(path, KAM_STORE_CREATE, &store), 0);
	if (with_data) {
		int rc = kam_store_write(store, fill, NULL);
		cr_assert_eq(rc, 0, "fill: %s", kam_strerror(rc));
	}
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_registry_new(&reg), 0);
	unsetenv("KAM_LOG");
	err[0] = 0;
}

static void setup(void)
{
	open_store(1);
}

static void teardown(void)
{
	char cmd[128];
	kam_registry_free(reg);
	kam_txn_abort(txn);
	kam_store_close(store);
	reg = NULL;
	txn = NULL;
	store = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(run, .init = setup, .fini = teardown);

/* An in-memory model whose run is whatever the test puts in probe_fn. */
static int (*probe_fn)(const kam_host *h, kam_run *r);
static int probe_run(void *state, const kam_host *h, kam_run *r)
{
	(void)state;
	return probe_fn(h, r);
}

static const kam_param_def probe_params[] = {
	{ "a", KAM_PARAM_NUMBER, "0.8", "a share" },
	{ "n", KAM_PARAM_INTEGER, "7", "a count" },
	{ "label", KAM_PARAM_TEXT, NULL, "a text without default" },
	{ "since", KAM_PARAM_DATE, NULL, "a date without default" },
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for" },
	{ "on", KAM_PARAM_BOOL, "true", "a switch" },
	{ "start", KAM_PARAM_DATE, "2024-01-01", "a date with a default" },
};

static const kam_plugin probe = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "probe",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "0",
	.description = "test probe",
	.params = probe_params,
	.nparams = sizeof(probe_params) / sizeof(probe_params[0]),
	.run = probe_run,
};

static const kam_model *add_probe(int (*fn)(const kam_host *, kam_run *))
{
	probe_fn = fn;
	cr_assert_eq(kam_registry_add(reg, &probe, "mem:probe", err, sizeof(err)), 0, "%s", err);
	return kam_registry_find(reg, "probe");
}

static int run_model(const kam_model *m, const kam_param *params, size_t n, kam_run_output *out)
{
	kam_run_spec spec = { .model = m, .params = params, .nparams = n,
			      .as_of = day("2024-06-30") };
	return kam_run_model(txn, &spec, out);
}

static int text_is(kam_text t, const char *s)
{
	return t.len == strlen(s) && memcmp(t.ptr, s, t.len) == 0;
}

#define expect_text(t, s)                                                                          \
	cr_expect(text_is((t), (s)), "\"%.*s\" is not \"%s\"", (int)(t).len, (t).ptr, (s))

static int views_probe(const kam_host *h, kam_run *r)
{
	cr_assert_eq(h->account_count(r), 4);
	static const char *const ids[] = { "acc-a", "acc-b", "acc-c", "acc-d" };
	for (size_t i = 0; i < 4; i++) {
		const kam_account_view *v = h->account(r, i);
		cr_assert_not_null(v);
		cr_expect_eq(v->size, sizeof(kam_account_view));
		expect_text(v->id, ids[i]);
	}
	cr_expect_null(h->account(r, 4));

	const kam_account_view *a = h->account(r, 0), *b = h->account(r, 1), *c = h->account(r, 2),
			       *d = h->account(r, 3);
	expect_text(b->name, "Beta");
	expect_text(b->region, "north");
	expect_text(b->industry, "paper");
	expect_text(b->owner, "rep1");
	cr_expect_eq(b->channel, 2, "electronics-chain is the second channel");
	cr_expect_eq(b->stage, 4, "won is the fourth stage");
	cr_expect_eq(b->present, KAM_VIEW_EMPLOYEES | KAM_VIEW_ANNUAL_REVENUE | KAM_VIEW_ROLLUP);
	cr_expect_eq(b->employees, 50);
	cr_expect_eq(b->annual_revenue, 10000005000);
	cr_expect_eq(b->created, day("2020-01-15"));
	cr_expect_eq(c->present, KAM_VIEW_WALLET | KAM_VIEW_NET_ASSETS | KAM_VIEW_ROLLUP);
	cr_expect_eq(c->wallet, 2500000);
	cr_expect_eq(c->net_assets, -32500);
	/* Absent values: empty text, 0, KAM_NO_DAY. */
	cr_expect_eq(d->region.len, 0);
	cr_expect_not_null(d->region.ptr);
	cr_expect_eq(d->present, KAM_VIEW_ROLLUP, "an account without orders has a rollup too");
	cr_expect_eq(d->channel, 0);
	cr_expect_eq(d->stage, 0);
	cr_expect_eq(d->created, KAM_NO_DAY);

	/* Rollups over the whole history. */
	cr_expect_eq(a->order_count, 4);
	cr_expect_eq(a->revenue, 11705000);
	cr_expect_eq(a->profit, 300000);
	cr_expect_eq(a->first_order, day("2023-06-30"));
	cr_expect_eq(a->last_order, day("2024-06-30"));
	cr_expect_eq(a->interaction_count, 1);
	cr_expect_eq(a->last_interaction, day("2024-01-01"));
	cr_expect_eq(a->last_call, KAM_NO_DAY);
	cr_expect_eq(b->order_count, 1);
	cr_expect_eq(b->interaction_count, 3);
	cr_expect_eq(b->minutes, 75);
	cr_expect_eq(b->last_call, day("2024-02-05"), "the no-answer call does not count");
	cr_expect_eq(b->last_visit, day("2024-02-03"));
	cr_expect_eq(b->last_interaction, day("2024-02-05"));
	cr_expect_eq(d->order_count, 0);
	cr_expect_eq(d->first_order, KAM_NO_DAY);
	cr_expect_eq(d->revenue, 0);

	/* Custom attributes. */
	kam_text t;
	cr_expect_eq(h->account_attr(r, 1, "tier_hint", &t), 0);
	expect_text(t, "gold");
	cr_expect_eq(h->account_attr(r, 1, "tier", &t), KAM_ENOTFOUND);
	cr_expect_eq(h->account_attr(r, 0, "tier_hint", &t), KAM_ENOTFOUND);
	cr_expect_eq(h->account_attr(r, 9, "tier_hint", &t), KAM_EINVAL);
	cr_expect_eq(h->as_of(r), day("2024-06-30"));
	return 0;
}

Test(run, account_views_and_rollups)
{
	kam_run_output out;
	int rc = run_model(add_probe(views_probe), NULL, 0, &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	cr_expect_eq(out.count, 4);
	cr_expect_eq(out.as_of, day("2024-06-30"));
	kam_run_output_free(&out);
}

/* The views of a model that omits rollups: the records in full, the rollup figures empty. */
static int no_rollup_probe(const kam_host *h, kam_run *r)
{
	const kam_account_view *a = h->account(r, 0), *b = h->account(r, 1);
	expect_text(b->region, "north");
	cr_expect_eq(b->present, KAM_VIEW_EMPLOYEES | KAM_VIEW_ANNUAL_REVENUE);
	cr_expect_eq(b->employees, 50);
	cr_expect_eq(b->created, day("2020-01-15"));
	cr_expect_eq(a->order_count, 0);
	cr_expect_eq(a->revenue, 0);
	cr_expect_eq(a->profit, 0);
	cr_expect_eq(a->first_order, KAM_NO_DAY);
	cr_expect_eq(a->last_order, KAM_NO_DAY);
	cr_expect_eq(a->last_interaction, KAM_NO_DAY);
	cr_expect_eq(b->interaction_count, 0);
	cr_expect_eq(b->minutes, 0);
	cr_expect_eq(b->last_call, KAM_NO_DAY);
	cr_expect_eq(b->last_visit, KAM_NO_DAY);
	/* the orders themselves are still there */
	const kam_order_view *o;
	size_t n;
	cr_assert_eq(h->orders(r, 0, INT32_MIN, INT32_MAX, &o, &n), 0);
	cr_expect_eq(n, 4);
	return 0;
}

static void run_probe_as(const kam_plugin *d, int (*fn)(const kam_host *, kam_run *))
{
	kam_model m = { .desc = d };
	kam_run_spec spec = { .model = &m, .as_of = day("2024-06-30") };
	kam_run_output out;
	probe_fn = fn;
	cr_assert_eq(kam_run_model(txn, &spec, &out), 0, "%s", out.error);
	cr_expect_eq(out.count, 4);
	kam_run_output_free(&out);
}

Test(run, omitted_rollups)
{
	kam_plugin d = probe;
	d.omit = KAM_OMIT_ROLLUP;
	run_probe_as(&d, no_rollup_probe);
	/* Built against ABI 1.0, a descriptor ends before omit: what lies there is not read. */
	d.size = offsetof(kam_plugin, omit);
	run_probe_as(&d, views_probe);
}

/*
 * Every field through account_text and account_number against the account's view: the same
 * value, KAM_ENOTFOUND where the view has none, KAM_EINVAL for a field of the other kind.
 */
static void expect_fields_of_view(const kam_host *h, kam_run *r, size_t i,
				  const kam_account_view *v)
{
	const struct {
		int field;
		const kam_text *want;
	} texts[] = { { KAM_FIELD_ID, &v->id },		{ KAM_FIELD_NAME, &v->name },
		      { KAM_FIELD_REGION, &v->region },	{ KAM_FIELD_INDUSTRY, &v->industry },
		      { KAM_FIELD_OWNER, &v->owner } };
	const struct {
		int field;
		int64_t want;
		int present;
	} numbers[] = {
		{ KAM_FIELD_CHANNEL, v->channel, v->channel != 0 },
		{ KAM_FIELD_STAGE, v->stage, v->stage != 0 },
		{ KAM_FIELD_EMPLOYEES, v->employees, (v->present & KAM_VIEW_EMPLOYEES) != 0 },
		{ KAM_FIELD_NET_ASSETS, v->net_assets, (v->present & KAM_VIEW_NET_ASSETS) != 0 },
		{ KAM_FIELD_ANNUAL_REVENUE, v->annual_revenue,
		  (v->present & KAM_VIEW_ANNUAL_REVENUE) != 0 },
		{ KAM_FIELD_WALLET, v->wallet, (v->present & KAM_VIEW_WALLET) != 0 },
		{ KAM_FIELD_CREATED, v->created, v->created != KAM_NO_DAY },
	};
	kam_text t;
	int64_t x;
	for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		int rc = h->account_text(r, i, texts[k].field, &t);
		if (!texts[k].want->len) {
			cr_expect_eq(rc, KAM_ENOTFOUND, "account %zu, field %d", i, texts[k].field);
			continue;
		}
		cr_expect_eq(rc, 0, "account %zu, field %d", i, texts[k].field);
		cr_expect(t.len == texts[k].want->len &&
				  memcmp(t.ptr, texts[k].want->ptr, t.len) == 0,
			  "account %zu, field %d: \"%.*s\"", i, texts[k].field, (int)t.len, t.ptr);
	}
	for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++) {
		int rc = h->account_number(r, i, numbers[k].field, &x);
		cr_expect_eq(rc, numbers[k].present ? 0 : KAM_ENOTFOUND, "account %zu, field %d", i,
			     numbers[k].field);
		if (numbers[k].present)
			cr_expect_eq(x, numbers[k].want, "account %zu, field %d", i,
				     numbers[k].field);
	}
	cr_expect_eq(h->account_text(r, i, KAM_FIELD_CHANNEL, &t), KAM_EINVAL);
	cr_expect_eq(h->account_number(r, i, KAM_FIELD_NAME, &x), KAM_EINVAL);
}

static int fields_probe(const kam_host *h, kam_run *r)
{
	size_t n = h->account_count(r);
	for (size_t i = 0; i < n; i++) {
		/* the id first: a run without views makes a view only when account() asks */
		kam_text id;
		cr_assert_eq(h->account_text(r, i, KAM_FIELD_ID, &id), 0);
		const kam_account_view *v = h->account(r, i);
		cr_assert_not_null(v);
		cr_expect_eq(h->account(r, i), v, "a second call gives another view");
		cr_expect_eq(id.ptr, v->id.ptr, "the id is not the run's copy");
		expect_fields_of_view(h, r, i, v);
	}
	kam_text t;
	int64_t x;
	cr_expect_eq(h->account_text(r, n, KAM_FIELD_ID, &t), KAM_EINVAL);
	cr_expect_eq(h->account_number(r, n, KAM_FIELD_CREATED, &x), KAM_EINVAL);
	cr_expect_eq(h->account_text(r, 0, 0, &t), KAM_EINVAL);
	cr_expect_eq(h->account_number(r, 0, KAM_FIELD_CREATED + 1, &x), KAM_EINVAL);
	cr_expect_null(h->account(r, n));
	return 0;
}

/* A run whose model omits the views: the keys from loading, the views made when asked for. */
Test(run, account_fields_with_and_without_views)
{
	kam_plugin d = probe;
	run_probe_as(&d, fields_probe);
	d.omit = KAM_OMIT_ROLLUP;
	run_probe_as(&d, fields_probe);
	d.omit = KAM_OMIT_ROLLUP | KAM_OMIT_VIEWS;
	run_probe_as(&d, fields_probe);
	run_probe_as(&d, no_rollup_probe);
	/* the results are the keys' account ids and regions */
	kam_model m = { .desc = &d };
	kam_run_spec spec = { .model = &m, .as_of = day("2024-06-30") };
	kam_run_output out;
	probe_fn = fields_probe;
	cr_assert_eq(kam_run_model(txn, &spec, &out), 0, "%s", out.error);
	cr_assert_eq(out.count, 4);
	cr_expect_str_eq(out.results[1].account_id, "acc-b");
	cr_expect_eq(out.results[1].id_len, 5);
	cr_expect_str_eq(out.results[1].region, "north");
	cr_expect_str_eq(out.results[3].region, "");
	kam_run_output_free(&out);
}

static int orders_probe(const kam_host *h, kam_run *r)
{
	const kam_order_view *o;
	const kam_interaction_view *iv;
	size_t n;
	int32_t as_of = h->as_of(r);

	cr_assert_eq(h->orders(r, 0, as_of - 364, as_of, &o, &n), 0);
	cr_assert_eq(n, 3, "the order on the first day before the window is out");
	expect_text(o[0].id, "o0"); /* same day as o1: by id */
	expect_text(o[1].id, "o1");
	expect_text(o[2].id, "o3");
	cr_expect_eq(o[0].amount, 5000);
	cr_expect_eq(o[0].has_profit, 0);
	cr_expect_eq(o[0].profit, 0);
	cr_expect_eq(o[0].sec, -1);
	cr_expect_eq(o[1].day, day("2024-01-10"));
	cr_expect_eq(o[1].amount, 1500000);
	cr_expect_eq(o[1].has_profit, 1);
	cr_expect_eq(o[1].profit, 300000);
	cr_expect_eq(o[2].day, as_of);
	cr_expect_eq(o[2].sec, 36000);

	/* Another account, then back: the reader may have to seek backwards. */
	cr_assert_eq(h->orders(r, 2, INT32_MIN, INT32_MAX, &o, &n), 0);
	cr_assert_eq(n, 1);
	expect_text(o[0].id, "o5");
	cr_assert_eq(h->orders(r, 0, INT32_MIN, INT32_MAX, &o, &n), 0);
	cr_assert_eq(n, 4);
	expect_text(o[0].id, "o2");
	cr_assert_eq(h->orders(r, 0, day("2024-01-10"), day("2024-01-10"), &o, &n), 0);
	cr_expect_eq(n, 2);
	cr_assert_eq(h->orders(r, 3, INT32_MIN, INT32_MAX, &o, &n), 0);
	cr_expect_eq(n, 0);
	cr_assert_eq(h->orders(r, 0, as_of, as_of - 1, &o, &n), 0);
	cr_expect_eq(n, 0);
	cr_expect_eq(h->orders(r, 4, INT32_MIN, INT32_MAX, &o, &n), KAM_EINVAL);
	cr_expect_eq(n, 0);

	cr_assert_eq(h->interactions(r, 1, INT32_MIN, INT32_MAX, &iv, &n), 0);
	cr_assert_eq(n, 3);
	expect_text(iv[0].id, "i1");
	cr_expect_eq(iv[0].kind, 1);
	cr_expect_eq(iv[0].outcome, 2);
	cr_expect_eq(iv[0].has_minutes, 1);
	cr_expect_eq(iv[0].minutes, 15);
	expect_text(iv[1].id, "i2");
	cr_expect_eq(iv[1].kind, 2);
	cr_expect_eq(iv[1].outcome, 0);
	cr_expect_eq(iv[1].minutes, 60);
	expect_text(iv[2].id, "i3");
	cr_expect_eq(iv[2].day, day("2024-02-05"));
	cr_expect_eq(iv[2].sec, 9 * 3600 + 30 * 60);
	cr_expect_eq(iv[2].outcome, 3);
	cr_expect_eq(iv[2].objection, 6, "price-too-high is the sixth objection");
	cr_expect_eq(iv[2].has_minutes, 0);
	cr_expect_eq(iv[2].minutes, 0);
	cr_assert_eq(h->interactions(r, 1, day("2024-02-02"), day("2024-02-04"), &iv, &n), 0);
	cr_assert_eq(n, 1);
	expect_text(iv[0].id, "i2");
	cr_assert_eq(h->interactions(r, 0, INT32_MIN, INT32_MAX, &iv, &n), 0);
	cr_assert_eq(n, 1);
	cr_expect_eq(iv[0].kind, 3);
	return 0;
}

Test(run, orders_and_interactions_in_windows)
{
	kam_run_output out;
	int rc = run_model(add_probe(orders_probe), NULL, 0, &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	kam_run_output_free(&out);
}

static const kam_model *load_seg(void)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg"), err, sizeof(err)), 0, "%s", err);
	return kam_registry_find(reg, "mock_seg");
}

static const kam_factor *factor(const kam_result *res, const char *name)
{
	for (size_t i = 0; i < res->nfactors; i++)
		if (strcmp(res->factors[i].name, name) == 0)
			return &res->factors[i];
	return NULL;
}

Test(run, plugin_results_with_defaults)
{
	kam_run_output out;
	int rc = run_model(load_seg(), NULL, 0, &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	cr_assert_eq(out.count, 4);
	static const char *const ids[] = { "acc-a", "acc-b", "acc-c", "acc-d" };
	static const char *const regions[] = { "south", "north", "north", "" };
	static const char tiers[] = { 'A', 'B', 'C', 'C' };
	static const double scores[] = { 170.5, 50, 0, 0 };
	static const double norders[] = { 3, 1, 0, 0 };
	for (size_t i = 0; i < 4; i++) {
		const kam_result *res = &out.results[i];
		cr_expect_str_eq(res->account_id, ids[i]);
		cr_expect_str_eq(res->region, regions[i]);
		cr_expect_eq(res->tier, tiers[i], "%s: tier %c", ids[i], res->tier);
		cr_expect_eq(res->score, scores[i], "%s: score %g", ids[i], res->score);
		cr_assert_eq(res->nfactors, 2);
		cr_expect_str_eq(res->factors[0].name, "revenue");
		cr_expect_eq(res->factors[0].value, scores[i]);
		cr_expect_null(res->factors[0].note);
		cr_expect_str_eq(res->factors[1].name, "orders");
		cr_expect_eq(res->factors[1].value, norders[i]);
		cr_expect_str_eq(res->factors[1].note, "seg");
		cr_expect_eq(res->nmetrics, 0);
		cr_expect_eq(res->nactions, 0);
		cr_expect_eq(res->has_value, 0);
	}
	/* Repeated names and regions are stored once. */
	cr_expect_eq(out.results[0].factors[0].name, out.results[3].factors[0].name);
	cr_expect_eq(out.results[1].region, out.results[2].region);
	kam_run_output_free(&out);
	cr_expect_null(out.results);
	kam_run_output_free(&out);
}

Test(run, plugin_parameters_override_defaults)
{
	const kam_param params[] = {
		{ "threshold", "40" }, { "label", "xyz" }, { "window_days", "100000" },
	};
	kam_run_output out;
	int rc = run_model(load_seg(), params, 3, &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	cr_assert_eq(out.count, 4);
	cr_expect_eq(out.results[0].tier, 'A');
	cr_expect_eq(out.results[0].score, 1170.5, "the whole history is in the window");
	cr_expect_eq(out.results[1].tier, 'A', "50 reaches the threshold 40");
	cr_expect_eq(out.results[2].tier, 'B', "acc-c's old order is in the window");
	cr_expect_eq(out.results[3].tier, 'C');
	cr_expect_str_eq(factor(&out.results[0], "orders")->note, "xyz");
	kam_run_output_free(&out);
}

static int run_with(const kam_model *m, const char *name, const char *value, kam_run_output *out)
{
	const kam_param p = { name, value };
	return run_model(m, &p, 1, out);
}

#define expect_error(out, fragment)                                                                \
	cr_expect(strstr((out).error, (fragment)) != NULL, "error \"%s\" lacks \"%s\"",           \
		  (out).error, (fragment))

Test(run, unknown_parameter)
{
	kam_run_output out;
	cr_assert_eq(run_with(load_seg(), "thresh", "1", &out), KAM_EINVAL);
	cr_expect_str_eq(out.error, "model mock_seg has no parameter \"thresh\" (it declares: "
				    "threshold, window_days, as_of, label, fail, since)");
	cr_expect_null(out.results);
	cr_expect_eq(out.count, 0);
	kam_run_output_free(&out);

	static const kam_plugin bare = { .abi_major = KAM_ABI_MAJOR, .size = sizeof(kam_plugin),
					 .name = "bare", .kind = KAM_PLUGIN_VALUE,
					 .run = probe_run };
	cr_assert_eq(kam_registry_add(reg, &bare, "mem:bare", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(run_with(kam_registry_find(reg, "bare"), "x", "1", &out), KAM_EINVAL);
	cr_expect_str_eq(out.error, "model bare has no parameter \"x\" (it declares none)");
}

Test(run, parameter_values_must_fit_their_type)
{
	static const struct {
		const char *name, *value, *message;
	} bad[] = {
		{ "threshold", "abc", "parameter threshold = \"abc\" is not a number" },
		{ "threshold", "", "parameter threshold = \"\" is not a number" },
		{ "threshold", " 5", "is not a number" },
		{ "threshold", "5x", "is not a number" },
		{ "threshold", "inf", "is not a number" },
		{ "threshold", "nan", "is not a number" },
		{ "threshold", "1e999", "is not a number" },
		{ "window_days", "1.5", "parameter window_days = \"1.5\" is not an integer" },
		{ "window_days", "99999999999999999999", "is not an integer" },
		{ "window_days", "", "is not an integer" },
		{ "as_of", "2024-13-01", "parameter as_of = \"2024-13-01\" is not a date YYYY-MM-DD" },
		{ "as_of", "2024-01-01T10:00", "is not a date YYYY-MM-DD" },
		{ "since", "yesterday", "parameter since = \"yesterday\" is not a date" },
		{ "fail", "yes", "parameter fail = \"yes\" is not true or false" },
		{ "fail", "TRUE", "is not true or false" },
		{ "fail", "1", "is not true or false" },
	};
	const kam_model *m = load_seg();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kam_run_output out;
		int rc = run_with(m, bad[i].name, bad[i].value, &out);
		cr_expect_eq(rc, KAM_EINVAL, "%s=%s gave %d", bad[i].name, bad[i].value, rc);
		expect_error(out, bad[i].message);
		cr_expect(strncmp(out.error, "model mock_seg: ", 16) == 0, "%s", out.error);
		cr_expect_null(out.results);
		kam_run_output_free(&out);
	}
	/* And values that do fit. */
	static const struct {
		const char *name, *value;
	} good[] = {
		{ "threshold", "1e2" }, { "threshold", "-0.5" }, { "window_days", "-3" },
		{ "window_days", "+12" }, { "fail", "false" }, { "label", "" }, { "as_of", "2024-02-29" },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		kam_run_output out;
		int rc = run_with(m, good[i].name, good[i].value, &out);
		cr_expect_eq(rc, 0, "%s=%s: %s", good[i].name, good[i].value, out.error);
		kam_run_output_free(&out);
	}
}

Test(run, failing_model_discards_results)
{
	kam_run_output out;
	cr_assert_eq(run_with(load_seg(), "fail", "true", &out), KAM_EPLUGIN);
	cr_expect_str_eq(out.error, "model mock_seg failed: KAM_ERANGE: value out of range");
	cr_expect_null(out.results);
	cr_expect_eq(out.count, 0);
	kam_run_output_free(&out);
}

static int params_probe(const kam_host *h, kam_run *r)
{
	double a;
	int64_t n;
	kam_text t;
	int32_t d;
	cr_expect_eq(h->param_number(r, "a", &a), 0);
	cr_expect_eq(a, 0.8);
	cr_expect_eq(h->param_integer(r, "n", &n), 0);
	cr_expect_eq(n, 12, "the last given value wins");
	cr_expect_eq(h->param_integer(r, "on", &n), 0, "bools read as integers");
	cr_expect_eq(n, 0);
	cr_expect_eq(h->param_text(r, "label", &t), 0);
	expect_text(t, "hello");
	cr_expect_eq(h->param_day(r, "start", &d), 0);
	cr_expect_eq(d, day("2024-01-01"));
	cr_expect_eq(h->param_day(r, "as_of", &d), 0, "as_of not given reads as the run's");
	cr_expect_eq(d, day("2024-06-30"));
	cr_expect_eq(d, h->as_of(r));
	/* No value, no such parameter, wrong accessor. */
	cr_expect_eq(h->param_day(r, "since", &d), KAM_ENOTFOUND);
	cr_expect_eq(h->param_number(r, "nope", &a), KAM_ENOTFOUND);
	cr_expect_eq(h->param_number(r, "n", &a), KAM_EINVAL);
	cr_expect_eq(h->param_text(r, "a", &t), KAM_EINVAL);
	cr_expect_eq(h->param_day(r, "label", &d), KAM_EINVAL);
	cr_expect_eq(h->param_integer(r, "a", &n), KAM_EINVAL);
	cr_expect_eq(h->param_number(r, NULL, &a), KAM_EINVAL);
	return 0;
}

Test(run, parameter_accessors)
{
	const kam_param params[] = { { "n", "3" }, { "label", "hello" }, { "on", "false" },
				     { "n", "12" } };
	kam_run_output out;
	const kam_model *m = add_probe(params_probe);
	int rc = run_model(m, params, 4, &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	kam_run_output_free(&out);
	cr_expect_str_eq(kam_param_value(m, params, 4, "n"), "12");
	cr_expect_str_eq(kam_param_value(m, params, 4, "a"), "0.8");
	cr_expect_null(kam_param_value(m, params, 4, "since"));
	cr_expect_null(kam_param_value(m, params, 4, "nope"));
	cr_expect_str_eq(kam_param_value(m, NULL, 0, "start"), "2024-01-01");
}

static int as_of_probe(const kam_host *h, kam_run *r)
{
	int32_t d;
	cr_expect_eq(h->as_of(r), day("2024-03-01"));
	cr_expect_eq(h->param_day(r, "as_of", &d), 0);
	cr_expect_eq(d, day("2024-03-01"));
	return 0;
}

Test(run, as_of_parameter_sets_the_runs_day)
{
	kam_run_output out;
	int rc = run_with(add_probe(as_of_probe), "as_of", "2024-03-01", &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	cr_expect_eq(out.as_of, day("2024-03-01"));
	kam_run_output_free(&out);
}

static int north_only(void *ctx, const kam_account *a)
{
	++*(int *)ctx;
	return kam_str_eq(a->region, KAM_STR("north"));
}

static int count_probe(const kam_host *h, kam_run *r)
{
	cr_expect_eq(h->account_count(r), 2);
	return 0;
}

Test(run, filter_chooses_the_accounts)
{
	int calls = 0;
	kam_run_spec spec = { .model = add_probe(count_probe), .as_of = day("2024-06-30"),
			      .filter = north_only, .filter_ctx = &calls };
	kam_run_output out;
	cr_assert_eq(kam_run_model(txn, &spec, &out), 0, "%s", out.error);
	cr_expect_eq(calls, 4);
	cr_assert_eq(out.count, 2);
	cr_expect_str_eq(out.results[0].account_id, "acc-b");
	cr_expect_str_eq(out.results[1].account_id, "acc-c");
	cr_expect_eq(out.results[0].tier, 0, "no tier set");
	cr_expect_eq(out.results[0].nfactors, 0);
	cr_expect_null(out.results[0].factors);
	kam_run_output_free(&out);
}

static int scattered_probe(const kam_host *h, kam_run *r)
{
	char note[16];
	/* Factors of several accounts interleaved, the note buffer reused. */
	for (int round = 0; round < 3; round++)
		for (size_t i = 4; i-- > 0;) {
			snprintf(note, sizeof(note), "r%d", round);
			cr_assert_eq(h->add_factor(r, i, round == 1 ? "second" : "first",
						   (double)(10 * i + round), round == 2 ? NULL : note),
				     0);
		}
	strcpy(note, "clobbered");
	cr_expect_eq(h->set_tier(r, 0, 'D', 1), KAM_EINVAL);
	cr_expect_eq(h->set_tier(r, 0, 'a', 1), KAM_EINVAL);
	cr_expect_eq(h->set_tier(r, 4, 'A', 1), KAM_EINVAL);
	cr_expect_eq(h->set_tier(r, 0, 'A', 1), 0);
	cr_expect_eq(h->set_tier(r, 0, 'B', 2), 0, "setting again replaces");
	cr_expect_eq(h->add_factor(r, 0, NULL, 1, NULL), KAM_EINVAL);
	cr_expect_eq(h->add_factor(r, 0, "", 1, NULL), KAM_EINVAL);
	cr_expect_eq(h->add_factor(r, 4, "x", 1, NULL), KAM_EINVAL);
	return 0;
}

Test(run, factors_are_grouped_by_account_in_order_added)
{
	kam_run_output out;
	cr_assert_eq(run_model(add_probe(scattered_probe), NULL, 0, &out), 0, "%s", out.error);
	cr_assert_eq(out.count, 4);
	cr_expect_eq(out.results[0].tier, 'B');
	cr_expect_eq(out.results[0].score, 2);
	for (size_t i = 0; i < 4; i++) {
		const kam_result *res = &out.results[i];
		cr_assert_eq(res->nfactors, 3);
		for (int round = 0; round < 3; round++) {
			cr_expect_str_eq(res->factors[round].name, round == 1 ? "second" : "first");
			cr_expect_eq(res->factors[round].value, (double)(10 * i + (size_t)round));
		}
		cr_expect_str_eq(res->factors[0].note, "r0");
		cr_expect_str_eq(res->factors[1].note, "r1");
		cr_expect_null(res->factors[2].note);
	}
	kam_run_output_free(&out);
}

/* ABI 1.2 intern: the host's copies, taken as they are, beside a buffer that changes. */
static int intern_probe(const kam_host *h, kam_run *r)
{
	cr_assert(KAM_HOST_HAS(h, intern));
	char buf[16] = "rank";
	const char *rank = h->intern(r, buf);
	cr_assert_not_null(rank);
	cr_expect_neq((void *)rank, (void *)buf, "a copy");
	cr_expect_str_eq(rank, "rank");
	cr_expect_eq((void *)h->intern(r, "rank"), (void *)rank, "one copy per text");
	cr_expect_null(h->intern(r, NULL));
	strcpy(buf, "share"); /* the caller's buffer changes, the copy does not */
	cr_expect_str_eq(rank, "rank");
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(h->add_factor(r, i, rank, (double)i, NULL), 0);
		cr_assert_eq(h->add_factor(r, i, buf, (double)i, rank), 0);
		strcpy(buf, i % 2 ? "share" : "other");
	}
	return 0;
}

Test(run, interned_names)
{
	kam_run_output out;
	cr_assert_eq(run_model(add_probe(intern_probe), NULL, 0, &out), 0, "%s", out.error);
	cr_assert_eq(out.count, 4);
	for (size_t i = 0; i < 4; i++) {
		const kam_result *res = &out.results[i];
		cr_assert_eq(res->nfactors, 2);
		cr_expect_str_eq(res->factors[0].name, "rank");
		cr_expect_str_eq(res->factors[1].name, i % 2 ? "other" : "share", "account %zu", i);
		cr_expect_str_eq(res->factors[1].note, "rank");
	}
	kam_run_output_free(&out);
}

static int tier_calls;

static char tier_of(void *ctx, size_t index, kam_text id)
{
	(void)ctx;
	tier_calls++;
	cr_expect_eq(index == 0, text_is(id, "acc-a"), "account %zu is the run's first", index);
	return text_is(id, "acc-a") ? 'A' : text_is(id, "acc-b") ? 'x' : 'C';
}

static int sinks_probe(const kam_host *h, kam_run *r)
{
	cr_expect_eq(h->tier(r, 0), 'A');
	cr_expect_eq(h->tier(r, 0), 'A');
	cr_expect_eq(h->tier(r, 1), 0, "a letter other than A, B, C is unknown");
	cr_expect_eq(h->tier(r, 9), 0);
	cr_expect_eq(h->add_action(r, 1, "visit", day("2024-05-03"), day("2024-02-03"), 2, NULL), 0);
	cr_expect_eq(h->add_action(r, 0, "call", day("2024-02-01"), KAM_NO_DAY, 12, NULL), 0);
	cr_expect_eq(h->add_action(r, 1, "follow-up", day("2024-02-19"), day("2024-02-05"), 0,
				   "price-too-high"), 0);
	cr_expect_eq(h->add_action(r, 1, NULL, 0, 0, 0, NULL), KAM_EINVAL);
	cr_expect_eq(h->add_action(r, 1, "call", KAM_NO_DAY, 0, 0, NULL), KAM_EINVAL);
	cr_expect_eq(h->set_value(r, 2, 0.25, "grow"), 0);
	cr_expect_eq(h->set_value(r, 3, 7, NULL), 0);
	cr_expect_eq(h->set_value(r, 4, 7, NULL), KAM_EINVAL);
	cr_expect_eq(h->add_metric(r, 2, "share_of_wallet", 0.5), 0);
	cr_expect_eq(h->add_metric(r, 2, "p_alive", 0.9), 0);
	cr_expect_eq(h->add_metric(r, 2, NULL, 0.9), KAM_EINVAL);
	return 0;
}

Test(run, value_and_cadence_sinks)
{
	kam_run_spec spec = { .model = add_probe(sinks_probe), .as_of = day("2024-06-30"),
			      .tier_of = tier_of };
	kam_run_output out;
	tier_calls = 0;
	cr_assert_eq(kam_run_model(txn, &spec, &out), 0, "%s", out.error);
	cr_expect_eq(tier_calls, 2, "tier_of is asked once per account");
	cr_assert_eq(out.count, 4);
	const kam_result *a = &out.results[0], *b = &out.results[1], *c = &out.results[2],
			 *d = &out.results[3];
	cr_assert_eq(a->nactions, 1);
	cr_expect_str_eq(a->actions[0].action, "call");
	cr_expect_eq(a->actions[0].last_day, KAM_NO_DAY);
	cr_expect_eq(a->actions[0].per_year, 12);
	cr_assert_eq(b->nactions, 2);
	cr_expect_str_eq(b->actions[0].action, "visit");
	cr_expect_eq(b->actions[0].due_day, day("2024-05-03"));
	cr_expect_eq(b->actions[0].last_day, day("2024-02-03"));
	cr_expect_null(b->actions[0].detail);
	cr_expect_str_eq(b->actions[1].action, "follow-up");
	cr_expect_str_eq(b->actions[1].detail, "price-too-high");
	cr_expect_eq(c->has_value, 1);
	cr_expect_eq(c->value, 0.25);
	cr_expect_str_eq(c->recommendation, "grow");
	cr_assert_eq(c->nmetrics, 2);
	cr_expect_str_eq(c->metrics[0].name, "share_of_wallet");
	cr_expect_eq(c->metrics[1].value, 0.9);
	cr_expect_null(c->metrics[1].note);
	cr_expect_eq(d->has_value, 1);
	cr_expect_null(d->recommendation);
	cr_expect_eq(a->has_value, 0);
	cr_expect_eq(d->nactions, 0);
	cr_expect_null(d->actions);
	kam_run_output_free(&out);
}

static int failing_probe(const kam_host *h, kam_run *r)
{
	h->set_tier(r, 0, 'A', 1);
	h->add_factor(r, 0, "x", 1, NULL);
	return 42; /* not even a KAM_E* code */
}

Test(run, any_nonzero_return_fails_the_run)
{
	kam_run_output out;
	cr_assert_eq(run_model(add_probe(failing_probe), NULL, 0, &out), KAM_EPLUGIN);
	cr_expect(strncmp(out.error, "model probe failed: ", 20) == 0, "%s", out.error);
	cr_expect_null(out.results);
	kam_run_output_free(&out);
}

static int empty_probe(const kam_host *h, kam_run *r)
{
	const kam_order_view *o;
	size_t n = 1;
	cr_expect_eq(h->account_count(r), 0);
	cr_expect_null(h->account(r, 0));
	cr_expect_eq(h->orders(r, 0, INT32_MIN, INT32_MAX, &o, &n), KAM_EINVAL);
	cr_expect_eq(n, 0);
	return 0;
}

static void setup_empty(void)
{
	open_store(0);
}

/* Another suite: a test's own fixtures run after its suite's, not instead of them. */
Test(run_empty, empty_store, .init = setup_empty, .fini = teardown)
{
	kam_run_output out;
	cr_assert_eq(run_model(add_probe(empty_probe), NULL, 0, &out), 0, "%s", out.error);
	cr_expect_eq(out.count, 0);
	kam_run_output_free(&out);
}

Test(run, argument_checks)
{
	kam_run_output out;
	kam_run_spec spec = { 0 };
	cr_expect_eq(kam_run_model(txn, NULL, &out), KAM_EINVAL);
	cr_expect_eq(kam_run_model(txn, &spec, &out), KAM_EINVAL);
	cr_expect_eq(kam_run_model(txn, &spec, NULL), KAM_EINVAL);
	kam_run_output_free(NULL);
	kam_run_output_free(&out);
	const kam_host *h = kam_host_services();
	cr_expect_eq(h->account_count(NULL), 0);
	cr_expect_null(h->account(NULL, 0));
	cr_expect_eq(h->as_of(NULL), KAM_NO_DAY);
}
