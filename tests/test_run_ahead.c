/*
 * test_run_ahead.c - orders served to models on books large enough for the host to read ahead
 * in a helper thread: every account's orders must be exactly what the store holds, whatever
 * the order and windows the model asks in, and a model that stops early must end cleanly.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin.h"
#include "run.h"
#include "store.h"
#include "tmpdir.h"

#define NACC 60000 /* above the thresholds of the helper threads (loading, orders) */
#define FROM 20000
#define TO 20300
#define AGAIN ((NACC - 1) / 4999 + 1) /* accounts asked for again after the pass */

static char tmp[64], dbdir[128];
static kam_store *store;

#define SET(r, f) (((kam_rec *)(r))->present |= 1u << (f))

/* Account i has i % 7 orders, on days spread around the window. */
static int fill(kam_txn *t, void *arg)
{
	(void)arg;
	char id[32], oid[48];
	for (int i = 0; i < NACC; i++) {
		kam_account a;
		kam_rec_clear(kam_schema_of(KAM_ACCOUNT), &a);
		snprintf(id, sizeof(id), "a%06d", i);
		a.id = kam_str_c(id);
		a.name = KAM_STR("n");
		SET(&a, KAM_A_ID);
		SET(&a, KAM_A_NAME);
		int rc = kam_put(t, KAM_ACCOUNT, &a, NULL);
		if (rc)
			return rc;
		for (int k = 0; k < i % 7; k++) {
			kam_order o;
			kam_rec_clear(kam_schema_of(KAM_ORDER), &o);
			snprintf(oid, sizeof(oid), "o%06d-%d", i, k);
			o.id = kam_str_c(oid);
			o.account_id = a.id;
			o.date = (kam_date){ FROM - 200 + (i * 37 + k * 101) % 700, KAM_NO_TIME };
			o.amount = 10000 * (i % 13) + k;
			SET(&o, KAM_O_ID);
			SET(&o, KAM_O_ACCOUNT_ID);
			SET(&o, KAM_O_DATE);
			SET(&o, KAM_O_AMOUNT);
			if ((rc = kam_put(t, KAM_ORDER, &o, NULL)))
				return rc;
		}
	}
	return 0;
}

static void setup(void)
{
	strcpy(tmp, "/tmp/kam-ahead-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(dbdir, sizeof(dbdir), "%s/db", tmp);
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &store), 0);
	cr_assert_eq(kam_store_write(store, fill, NULL), 0);
}

static void teardown(void)
{
	kam_store_close(store);
	rm_rf(tmp);
}

TestSuite(ahead, .init = setup, .fini = teardown);

/* How a test model asks for orders. */
enum { ASK_FORWARD, ASK_TWO_WINDOWS, ASK_BACKWARD, ASK_STOP_EARLY };
static int mode;
static kam_txn *check_txn; /* a transaction of the test, to read the expected orders */
static size_t checked;

/* The orders the store holds for an account in a window, read apart from the run. */
static void expect_same(const kam_account_view *v, int32_t from, int32_t to,
			const kam_order_view *got, size_t n)
{
	kam_cursor *c;
	kam_order o;
	size_t k = 0;
	int rc;
	cr_assert_eq(kam_cursor_open(check_txn, KAM_ORDER, KAM_SCAN_OF_ACCOUNT,
				     (kam_str){ v->id.ptr, (uint32_t)v->id.len }, from, to, &c), 0);
	while ((rc = kam_cursor_next(c, &o)) > 0) {
		cr_assert_lt(k, n, "account %.*s: fewer orders than stored", (int)v->id.len,
			     v->id.ptr);
		cr_assert_eq(got[k].day, o.date.day);
		cr_assert_eq(got[k].amount, o.amount);
		cr_assert_eq(got[k].id.len, o.id.len);
		cr_assert_eq(memcmp(got[k].id.ptr, o.id.ptr, o.id.len), 0);
		k++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(k, n, "account %.*s: %zu orders, %zu stored", (int)v->id.len, v->id.ptr, n, k);
	kam_cursor_close(c);
	checked++;
}

static int ask(const kam_host *host, kam_run *run, size_t i, int32_t from, int32_t to)
{
	const kam_order_view *o;
	size_t n;
	int rc = host->orders(run, i, from, to, &o, &n);
	if (rc)
		return rc;
	expect_same(host->account(run, i), from, to, o, n);
	return 0;
}

static int model_run(void *state, const kam_host *host, kam_run *run)
{
	(void)state;
	size_t n = host->account_count(run);
	int rc = 0;
	cr_assert_eq(n, NACC);
	for (size_t k = 0; !rc && k < n; k++) {
		size_t i = mode == ASK_BACKWARD ? n - 1 - k : k;
		if (mode == ASK_STOP_EARLY && k == n / 2 + 3000)
			return KAM_EINVAL;
		rc = ask(host, run, i, FROM, TO);
		/* another window now and then, and the same account twice */
		if (!rc && mode == ASK_TWO_WINDOWS && i % 1000 == 999)
			rc = ask(host, run, i, FROM - 100, TO + 100);
		if (!rc && mode == ASK_TWO_WINDOWS && i % 1500 == 0)
			rc = ask(host, run, i, FROM, TO);
	}
	/* after the pass, an account of every part of the book again */
	for (size_t i = 0; !rc && i < n; i += 4999)
		rc = ask(host, run, i, FROM, TO);
	return rc;
}

static const kam_plugin desc = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "ahead",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1",
	.run = model_run,
};

static uint32_t run_omit; /* the model's omit bits in run_with */

static int run_with(int how)
{
	kam_plugin d = desc;
	d.omit = run_omit;
	kam_model m = { .desc = &d };
	kam_run_spec spec = { .model = &m, .as_of = TO };
	kam_run_output out;
	kam_txn *t;
	mode = how;
	checked = 0;
	cr_assert_eq(kam_txn_begin(store, 0, &t), 0);
	cr_assert_eq(kam_txn_begin(store, 0, &check_txn), 0);
	int rc = kam_run_model(t, &spec, &out);
	kam_run_output_free(&out);
	kam_txn_abort(check_txn);
	kam_txn_abort(t);
	return rc;
}

/*
 * A model that checks the accounts it is given: in id order, each once, the filter's, with
 * their rollups unless it omits them. When it omits the views too, it reads the ids through
 * account_text and asks for the view of one account in 97.
 */
static size_t seen;
static int omits_rollup, omits_views;

static int list_run(void *state, const kam_host *host, kam_run *run)
{
	(void)state;
	size_t n = host->account_count(run);
	kam_text prev = { "", 0 };
	for (size_t i = 0; i < n; i++) {
		kam_text id;
		cr_assert_eq(host->account_text(run, i, KAM_FIELD_ID, &id), 0);
		size_t m = id.len < prev.len ? id.len : prev.len;
		int c = memcmp(prev.ptr, id.ptr, m);
		cr_assert(c < 0 || (c == 0 && prev.len < id.len), "account %zu out of order", i);
		int num = atoi(id.ptr + 1);
		cr_assert(num % 3 != 0, "account %.*s should be filtered out", (int)id.len, id.ptr);
		prev = id;
		if (omits_views && i % 97)
			continue;
		const kam_account_view *v = host->account(run, i);
		cr_assert_eq(v->id.ptr, id.ptr);
		cr_assert(v->name.len == 1 && v->name.ptr[0] == 'n');
		if (omits_rollup) {
			cr_assert_eq(v->present & KAM_VIEW_ROLLUP, 0);
			cr_assert_eq(v->order_count, 0);
			cr_assert_eq(v->last_order, KAM_NO_DAY);
		} else {
			cr_assert_eq(v->present & KAM_VIEW_ROLLUP, KAM_VIEW_ROLLUP);
			cr_assert_eq(v->order_count, (uint32_t)(num % 7));
			cr_assert_eq(v->last_order == KAM_NO_DAY, num % 7 == 0);
		}
	}
	seen = n;
	return 0;
}

static const kam_plugin lister = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "lister",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1",
	.run = list_run,
};

/* Where the filter and kept were called from, and whether in id order. */
typedef struct in_order {
	int last;
	bool on_helper, out_of_order;
} in_order;

typedef struct load_watch {
	pthread_t self; /* the run's thread */
	in_order filter, kept;
	size_t nkept;
	const char *first_id; /* the id kept was given first */
} load_watch;

static void saw(in_order *o, pthread_t self, int num)
{
	o->out_of_order |= num <= o->last;
	o->last = num;
	o->on_helper |= !pthread_equal(self, pthread_self());
}

static int keep(void *ctx, const kam_account *a)
{
	int num = atoi(a->id.ptr + 1);
	load_watch *w = ctx;
	if (w)
		saw(&w->filter, w->self, num);
	return num % 3 != 0;
}

static int note_kept(void *ctx, const kam_account *a)
{
	int num = atoi(a->id.ptr + 1);
	load_watch *w = ctx;
	cr_assert(num % 3 != 0, "kept called for account %d, which the filter left out", num);
	saw(&w->kept, w->self, num);
	if (!w->nkept++)
		w->first_id = a->id.ptr;
	/* now and then slow, as an agenda's kept can be: the pipe's helper, three blocks ahead,
	   then builds views too (run.c, accounts_load_pipe) */
	if (num % 8192 == 1)
		usleep(5000);
	return 0;
}

/*
 * The three ways of loading a large book, each with and without rollups, and without views:
 * through the pipe filtering here; through the pipe filtering on its helper, with kept called
 * here in order; from both ends.
 */
Test(ahead, load_with_filter)
{
	kam_plugin omitting[2] = { lister, lister };
	omitting[0].omit = KAM_OMIT_ROLLUP;
	omitting[1].omit = KAM_OMIT_ROLLUP | KAM_OMIT_VIEWS;
	kam_model m = { .desc = &lister };
	for (int k = 0; k < 9; k++) {
		int way = k % 3;
		load_watch w = { .self = pthread_self(), .filter.last = -1, .kept.last = -1 };
		omits_rollup = k >= 3;
		omits_views = k >= 6;
		m.desc = omits_rollup ? &omitting[omits_views] : &lister;
		kam_run_spec spec = { .model = &m, .as_of = TO, .filter = keep, .filter_ctx = &w };
		if (way > 0)
			spec.filter_threads = KAM_FILTER_ANYWHERE;
		if (way == 1)
			spec.kept = note_kept;
		else if (way == 2)
			spec.filter_ctx = NULL; /* called from two threads at once */
		kam_run_output out;
		kam_txn *t;
		cr_assert_eq(kam_txn_begin(store, 0, &t), 0);
		seen = 0;
		cr_assert_eq(kam_run_model(t, &spec, &out), 0);
		cr_assert_eq(seen, NACC - (NACC + 2) / 3);
		cr_assert_eq(out.count, seen);
		if (way == 0)
			cr_assert(!w.filter.on_helper && !w.filter.out_of_order);
		if (way == 1) {
			cr_assert(w.filter.on_helper, "the filter ran here, not on the pipe's helper");
			cr_assert(!w.kept.on_helper && !w.kept.out_of_order);
			cr_assert_eq(w.nkept, seen);
			cr_assert_eq(w.first_id, out.results[0].account_id,
				     "kept was not given the id that the view and the result show");
		}
		kam_run_output_free(&out);
		kam_txn_abort(t);
	}
}

/* A kept that fails ends the run with its code, naming the account. */
static int refuse_kept(void *ctx, const kam_account *a)
{
	(void)ctx;
	return atoi(a->id.ptr + 1) == 500 ? KAM_ENOMEM : 0;
}

Test(ahead, kept_fails)
{
	kam_model m = { .desc = &lister };
	kam_run_spec spec = { .model = &m, .as_of = TO, .filter = keep,
			      .filter_threads = KAM_FILTER_ANYWHERE, .kept = refuse_kept };
	kam_run_output out;
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(store, 0, &t), 0);
	cr_assert_eq(kam_run_model(t, &spec, &out), KAM_ENOMEM);
	cr_assert(strstr(out.error, "500"), "the error does not name the account: %s", out.error);
	cr_assert_eq(out.count, 0);
	kam_run_output_free(&out);
	kam_txn_abort(t);
}

Test(ahead, forward)
{
	cr_assert_eq(run_with(ASK_FORWARD), 0);
	cr_assert_eq(checked, NACC + AGAIN);
}

/* The helper finds each account's orders by the id the run keeps without views too. */
Test(ahead, forward_without_views)
{
	run_omit = KAM_OMIT_ROLLUP | KAM_OMIT_VIEWS;
	cr_assert_eq(run_with(ASK_FORWARD), 0);
	cr_assert_eq(checked, NACC + AGAIN);
	run_omit = 0;
}

Test(ahead, two_windows)
{
	cr_assert_eq(run_with(ASK_TWO_WINDOWS), 0);
	cr_assert_gt(checked, NACC + 30);
}

Test(ahead, backward)
{
	cr_assert_eq(run_with(ASK_BACKWARD), 0);
	cr_assert_eq(checked, NACC + AGAIN);
}

Test(ahead, model_stops_early)
{
	cr_assert_eq(run_with(ASK_STOP_EARLY), KAM_EPLUGIN);
}

/* A write committed after the run's transaction began: no twin, the run reads alone. */
static int touch(kam_txn *t, void *arg)
{
	(void)arg;
	kam_order o;
	kam_rec_clear(kam_schema_of(KAM_ORDER), &o);
	o.id = KAM_STR("late");
	o.account_id = KAM_STR("a000001");
	o.date = (kam_date){ FROM + 5, KAM_NO_TIME };
	o.amount = 1;
	SET(&o, KAM_O_ID);
	SET(&o, KAM_O_ACCOUNT_ID);
	SET(&o, KAM_O_DATE);
	SET(&o, KAM_O_AMOUNT);
	return kam_put(t, KAM_ORDER, &o, NULL);
}

Test(ahead, snapshot_moved_on)
{
	kam_model m = { .desc = &desc };
	kam_run_spec spec = { .model = &m, .as_of = TO };
	kam_run_output out;
	kam_txn *t, *twin;
	cr_assert_eq(kam_txn_begin(store, 0, &t), 0);
	cr_assert_eq(kam_txn_begin(store, 0, &check_txn), 0);
	cr_assert_eq(kam_txn_twin(t, &twin), 0);
	kam_txn_abort(twin);
	cr_assert_eq(kam_store_write(store, touch, NULL), 0);
	cr_assert_eq(kam_txn_twin(t, &twin), KAM_EBUSY);
	mode = ASK_FORWARD;
	checked = 0;
	cr_assert_eq(kam_run_model(t, &spec, &out), 0);
	cr_assert_eq(checked, NACC + AGAIN);
	kam_run_output_free(&out);
	kam_txn_abort(check_txn);
	kam_txn_abort(t);
}

/*
 * Factors of a whole book: a list that large is faulted in by a helper while the model fills it,
 * and grows again when the last accounts have more factors than the first promised; every
 * factor must come back in place, and a failing model must end cleanly too.
 */
#define MAX_FACTORS 24
static char factor_names[MAX_FACTORS][8];
static int fail_after_factors;

/* 8 factors an account (11.5 MB for the book: over the host's threshold), 24 for the last tenth */
static size_t factors_of(size_t i)
{
	return i < NACC / 10 * 9 ? 8 : MAX_FACTORS;
}

static int factors_run(void *state, const kam_host *host, kam_run *run)
{
	(void)state;
	size_t n = host->account_count(run);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < factors_of(i); k++) {
			int rc = host->add_factor(run, i, factor_names[k], (double)(i * 100 + k), NULL);
			if (rc)
				return rc;
		}
	return fail_after_factors ? KAM_EINVAL : 0;
}

Test(ahead, factors_of_a_large_run)
{
	static const kam_plugin factored = {
		.abi_major = KAM_ABI_MAJOR,
		.size = sizeof(kam_plugin),
		.name = "factored",
		.kind = KAM_PLUGIN_SEGMENTATION,
		.version = "1",
		.run = factors_run,
		.omit = KAM_OMIT_ROLLUP,
	};
	for (int k = 0; k < MAX_FACTORS; k++)
		snprintf(factor_names[k], sizeof(factor_names[k]), "f%d", k);
	kam_model m = { .desc = &factored };
	kam_run_spec spec = { .model = &m, .as_of = TO };
	kam_run_output out;
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(store, 0, &t), 0);
	fail_after_factors = 0;
	cr_assert_eq(kam_run_model(t, &spec, &out), 0, "%s", out.error);
	cr_assert_eq(out.count, NACC);
	for (size_t i = 0; i < NACC; i++) {
		const kam_result *r = &out.results[i];
		cr_assert_eq(r->nfactors, factors_of(i), "account %zu", i);
		for (size_t k = 0; k < r->nfactors; k++) {
			cr_assert_str_eq(r->factors[k].name, factor_names[k]);
			cr_assert_eq(r->factors[k].value, (double)(i * 100 + k), "account %zu", i);
		}
	}
	kam_run_output_free(&out);
	fail_after_factors = 1;
	cr_assert_eq(kam_run_model(t, &spec, &out), KAM_EPLUGIN);
	kam_run_output_free(&out);
	kam_txn_abort(t);
}
