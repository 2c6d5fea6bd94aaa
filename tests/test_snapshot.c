/* test_snapshot.c - snapshots: save, read back, ids, current pointers, result blocks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"

static char dir[] = "/tmp/kam-test-snapshot.XXXXXX";
static kam_store *store;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	char path[sizeof(dir) + 8];
	snprintf(path, sizeof(path), "%s/db", dir);
	cr_assert_eq(kam_store_open(path, KAM_STORE_CREATE, &store), 0);
}

static void teardown(void)
{
	kam_store_close(store);
	char cmd[sizeof(dir) + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

TestSuite(snapshot, .init = setup, .fini = teardown);

/* ---- building run outputs by hand (the test owns every string) ---- */

static kam_run_output *output_new(size_t n)
{
	kam_run_output *o = calloc(1, sizeof(*o));
	cr_assert_not_null(o);
	o->results = calloc(n ? n : 1, sizeof(*o->results));
	cr_assert_not_null(o->results);
	o->count = n;
	return o;
}

static void output_free(kam_run_output *o)
{
	for (size_t i = 0; i < o->count; i++)
		kam_result_free(&o->results[i]);
	free(o->results);
	free(o);
}

static void result_set(kam_result *r, const char *id, const char *region, char tier, double score)
{
	r->account_id = strdup(id);
	r->region = strdup(region);
	r->tier = tier;
	r->score = score;
}

static void factor_add(kam_result *r, const char *name, double value, const char *note)
{
	r->factors = realloc(r->factors, (r->nfactors + 1) * sizeof(*r->factors));
	cr_assert_not_null(r->factors);
	r->factors[r->nfactors++] = (kam_factor){ strdup(name), value, note ? strdup(note) : NULL };
}

static kam_param abc_params[] = {
	{ "as_of", "2026-06-30" }, { "window_days", "365" }, { "a", "0.8" }, { "b", "0.95" },
};

typedef struct save_job {
	kam_snapshot_info *info;
	const kam_run_output *out;
} save_job;

static int save_fn(kam_txn *txn, void *arg)
{
	save_job *j = arg;
	return kam_snapshot_save(txn, j->info, j->out);
}

/* Saves a snapshot of `kind` of `out` for the given regions; returns its id. */
static uint64_t save_kind(int kind, const char *model, char **regions, size_t nregions,
			  const kam_run_output *out)
{
	kam_snapshot_info info = {
		.kind = kind, .model = (char *)model, .model_version = "1.2.3",
		.params = abc_params, .nparams = 4, .as_of = 20634, .taken_at = 1780000000,
		.regions = regions, .nregions = nregions,
	};
	save_job j = { &info, out };
	cr_assert_eq(kam_store_write(store, save_fn, &j), 0);
	cr_assert_neq(info.id, 0);
	cr_assert_eq(info.accounts, out->count);
	return info.id;
}

static uint64_t save(const char *model, char **regions, size_t nregions,
		     const kam_run_output *out)
{
	return save_kind(KAM_PLUGIN_SEGMENTATION, model, regions, nregions, out);
}

static kam_txn *reader(void)
{
	kam_txn *txn;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	return txn;
}

Test(snapshot, header_round_trip)
{
	kam_run_output *o = output_new(2);
	result_set(&o->results[0], "a1", "east", 'A', 120.5);
	result_set(&o->results[1], "a2", "west", 'C', 0);
	char *regions[] = { "east", "west" };
	uint64_t id = save("abc", regions, 2, o);
	cr_assert_eq(id, 1);

	kam_txn *txn = reader();
	kam_snapshot_info info;
	cr_assert_eq(kam_snapshot_get(txn, id, &info), 0);
	cr_assert_eq(info.id, 1);
	cr_assert_eq(info.kind, KAM_PLUGIN_SEGMENTATION);
	cr_assert_str_eq(info.model, "abc");
	cr_assert_str_eq(info.model_version, "1.2.3");
	cr_assert_eq(info.nparams, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_str_eq(info.params[i].name, abc_params[i].name);
		cr_assert_str_eq(info.params[i].value, abc_params[i].value);
	}
	cr_assert_eq(info.as_of, 20634);
	cr_assert_eq(info.taken_at, 1780000000);
	cr_assert_eq(info.nregions, 2);
	cr_assert_str_eq(info.regions[0], "east");
	cr_assert_str_eq(info.regions[1], "west");
	cr_assert_eq(info.accounts, 2);
	kam_snapshot_info_free(&info);
	cr_assert_eq(kam_snapshot_get(txn, 2, &info), KAM_ENOTFOUND);
	kam_txn_abort(txn);
	output_free(o);
}

Test(snapshot, taken_at_defaults_to_now)
{
	kam_run_output *o = output_new(0);
	kam_snapshot_info info = { .kind = 1, .model = "abc", .model_version = "1", .as_of = 5 };
	save_job j = { &info, o };
	cr_assert_eq(kam_store_write(store, save_fn, &j), 0);
	cr_assert_gt(info.taken_at, 1700000000);
	kam_txn *txn = reader();
	kam_snapshot_info got;
	cr_assert_eq(kam_snapshot_get(txn, info.id, &got), 0);
	cr_assert_eq(got.taken_at, info.taken_at);
	cr_assert_eq(got.accounts, 0);
	cr_assert_eq(got.nparams, 0);
	cr_assert_eq(got.nregions, 0);
	kam_snapshot_info_free(&got);
	kam_txn_abort(txn);
	output_free(o);
}

Test(snapshot, results_with_factors_and_notes)
{
	kam_run_output *o = output_new(3);
	result_set(&o->results[0], "acc-1", "north", 'A', 1234.5678);
	factor_add(&o->results[0], "revenue", 1234.5678, NULL);
	factor_add(&o->results[0], "cum_share", 0.123456789012345, NULL);
	factor_add(&o->results[0], "segment", 3, "champions");
	result_set(&o->results[1], "acc-2", "", 'B', -0.5);
	factor_add(&o->results[1], "segment", 1e300, "at-risk");
	factor_add(&o->results[1], "nan-ish", -0.0, "");
	result_set(&o->results[2], "acc-3", "north", 0, 42);
	char *regions[] = { "", "north" };
	uint64_t id = save("rfm", regions, 2, o);

	kam_txn *txn = reader();
	kam_result r;
	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("acc-1"), &r), 0);
	cr_assert_str_eq(r.account_id, "acc-1");
	cr_assert_str_eq(r.region, "north");
	cr_assert_eq(r.tier, 'A');
	cr_assert_eq(r.score, 1234.5678);
	cr_assert_eq(r.nfactors, 3);
	cr_assert_str_eq(r.factors[0].name, "revenue");
	cr_assert_eq(r.factors[0].value, 1234.5678);
	cr_assert_null(r.factors[0].note);
	cr_assert_str_eq(r.factors[1].name, "cum_share");
	cr_assert_eq(r.factors[1].value, 0.123456789012345);
	cr_assert_str_eq(r.factors[2].name, "segment");
	cr_assert_eq(r.factors[2].value, 3);
	cr_assert_str_eq(r.factors[2].note, "champions");
	kam_result_free(&r);

	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("acc-2"), &r), 0);
	cr_assert_str_eq(r.region, "");
	cr_assert_eq(r.tier, 'B');
	cr_assert_eq(r.score, -0.5);
	cr_assert_eq(r.nfactors, 2);
	cr_assert_eq(r.factors[0].value, 1e300);
	cr_assert_str_eq(r.factors[0].note, "at-risk");
	cr_assert(signbit(r.factors[1].value), "-0.0 keeps its sign");
	cr_assert_not_null(r.factors[1].note, "an empty note is not an absent one");
	cr_assert_str_eq(r.factors[1].note, "");
	kam_result_free(&r);

	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("acc-3"), &r), 0);
	cr_assert_eq(r.tier, 0);
	cr_assert_eq(r.nfactors, 0);
	cr_assert_null(r.factors);
	kam_result_free(&r);

	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("acc-0"), &r), KAM_ENOTFOUND);
	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("acc-15"), &r), KAM_ENOTFOUND);
	cr_assert_eq(kam_snapshot_result(txn, id, KAM_STR("zzz"), &r), KAM_ENOTFOUND);
	cr_assert_eq(kam_snapshot_result(txn, id + 1, KAM_STR("acc-1"), &r), KAM_ENOTFOUND);
	kam_txn_abort(txn);
	output_free(o);
}

typedef struct seen {
	uint64_t ids[8];
	size_t n;
} seen;

static int each(void *ctx, const kam_snapshot_info *info)
{
	seen *s = ctx;
	cr_assert_str_eq(info->model, info->id % 2 ? "abc" : "score");
	s->ids[s->n++] = info->id;
	return s->n == 8 ? 99 : 0;
}

Test(snapshot, ids_increase_and_each_is_newest_first)
{
	kam_run_output *o = output_new(1);
	result_set(&o->results[0], "x", "r", 'A', 1);
	char *regions[] = { "r" };
	for (uint64_t want = 1; want <= 5; want++)
		cr_assert_eq(save(want % 2 ? "abc" : "score", regions, 1, o), want);

	kam_txn *txn = reader();
	seen s = { 0 };
	cr_assert_eq(kam_snapshot_each(txn, each, &s), 0);
	cr_assert_eq(s.n, 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(s.ids[i], 5 - i);
	/* the same headers as an array of their own */
	kam_snapshot_info *all;
	size_t n;
	cr_assert_eq(kam_snapshot_list(txn, &all, &n), 0);
	cr_assert_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(all[i].id, 5 - i);
		cr_assert_str_eq(all[i].model, all[i].id % 2 ? "abc" : "score");
		cr_assert_eq(all[i].nregions, 1);
	}
	kam_snapshot_infos_free(all, n);
	kam_txn_abort(txn);
	output_free(o);
}

static int stop_at_two(void *ctx, const kam_snapshot_info *info)
{
	(void)info;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

Test(snapshot, each_stops_with_the_callbacks_value)
{
	kam_run_output *o = output_new(0);
	for (int i = 0; i < 3; i++)
		save("abc", NULL, 0, o);
	kam_txn *txn = reader();
	int calls = 0;
	cr_assert_eq(kam_snapshot_each(txn, stop_at_two, &calls), 7);
	cr_assert_eq(calls, 2);
	kam_txn_abort(txn);
	output_free(o);
}

typedef struct pointers {
	char regions[8][16];
	uint64_t ids[8];
	size_t n;
} pointers;

static int collect(void *ctx, kam_str region, uint64_t id)
{
	pointers *p = ctx;
	cr_assert_lt(region.len, 16);
	memcpy(p->regions[p->n], region.ptr, region.len);
	p->regions[p->n][region.len] = 0;
	p->ids[p->n++] = id;
	return 0;
}

Test(snapshot, current_pointer_per_region)
{
	kam_run_output *o = output_new(0);
	char *east_west[] = { "east", "west" }, *east[] = { "east" }, *none[] = { "" };
	uint64_t first = save("abc", east_west, 2, o);
	uint64_t second = save("score", east, 1, o);
	uint64_t third = save("abc", none, 1, o);

	kam_txn *txn = reader();
	uint64_t id = 0;
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("east"), &id), 0);
	cr_assert_eq(id, second);
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("west"), &id), 0);
	cr_assert_eq(id, first);
	cr_assert_eq(kam_snapshot_current(txn, (kam_str){ "", 0 }, &id), 0);
	cr_assert_eq(id, third);
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("south"), &id), KAM_ENOTFOUND);
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("eas"), &id), KAM_ENOTFOUND);

	pointers p = { 0 };
	cr_assert_eq(kam_snapshot_current_each(txn, collect, &p), 0);
	cr_assert_eq(p.n, 3);
	cr_assert_str_eq(p.regions[0], "");
	cr_assert_eq(p.ids[0], third);
	cr_assert_str_eq(p.regions[1], "east");
	cr_assert_eq(p.ids[1], second);
	cr_assert_str_eq(p.regions[2], "west");
	cr_assert_eq(p.ids[2], first);
	kam_txn_abort(txn);
	output_free(o);
}

static int aborting_save(kam_txn *txn, void *arg)
{
	save_job *j = arg;
	int rc = kam_snapshot_save(txn, j->info, j->out);
	cr_assert_eq(rc, 0);
	return KAM_ECANCELED;
}

Test(snapshot, an_aborted_save_leaves_nothing)
{
	kam_run_output *o = output_new(1);
	result_set(&o->results[0], "x", "r", 'A', 1);
	char *regions[] = { "r" };
	kam_snapshot_info info = { .kind = 1, .model = "abc", .model_version = "1",
				   .regions = regions, .nregions = 1 };
	save_job j = { &info, o };
	cr_assert_eq(kam_store_write(store, aborting_save, &j), KAM_ECANCELED);
	kam_txn *txn = reader();
	uint64_t id;
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("r"), &id), KAM_ENOTFOUND);
	cr_assert_eq(kam_snapshot_get(txn, 1, &info), KAM_ENOTFOUND);
	kam_txn_abort(txn);
	output_free(o);
}

Test(snapshot, unsorted_results_are_refused)
{
	kam_run_output *o = output_new(2);
	result_set(&o->results[0], "b", "r", 'A', 1);
	result_set(&o->results[1], "a", "r", 'A', 1);
	kam_snapshot_info info = { .kind = 1, .model = "abc", .model_version = "1" };
	save_job j = { &info, o };
	cr_assert_eq(kam_store_write(store, save_fn, &j), KAM_EINVAL);
	free(o->results[1].account_id);
	o->results[1].account_id = strdup("b"); /* a duplicate is refused as well */
	cr_assert_eq(kam_store_write(store, save_fn, &j), KAM_EINVAL);
	output_free(o);
}

/*
 * Encoded by two threads, results out of order are refused wherever they are: in the first
 * half, in the second, and across the halves' boundary (each thread checks its start against
 * the result before it).
 */
Test(snapshot, unsorted_results_are_refused_on_two_threads)
{
	const size_t n = 70001, mid = n / 2;
	kam_run_output *o = output_new(n);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "A%07zu", i);
		result_set(&o->results[i], id, "r", 'A', 1);
	}
	kam_snapshot_info info = { .kind = 1, .model = "abc", .model_version = "1" };
	save_job j = { &info, o };
	const size_t at[] = { 10, mid + 10, mid }; /* result at[k] is made equal to the one before */
	for (size_t k = 0; k < 3; k++) {
		char *keep = o->results[at[k]].account_id;
		o->results[at[k]].account_id = strdup(o->results[at[k] - 1].account_id);
		cr_assert_eq(kam_store_write(store, save_fn, &j), KAM_EINVAL, "duplicate at %zu",
			     at[k]);
		free(o->results[at[k]].account_id);
		o->results[at[k]].account_id = keep;
	}
	cr_assert_eq(kam_store_write(store, save_fn, &j), 0, "the sorted results are taken");
	output_free(o);
}

/* Many results span many blocks: every one reads back, by lookup and by iteration. */
/* Enough results for two threads to encode them (SPLIT_MIN), in many blocks. */
Test(snapshot, many_results_across_blocks)
{
	const size_t n = 70001;
	static const char *const regions[] = { "east", "west", "north", "" };
	kam_run_output *o = output_new(n);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "A%07zu", i * 3);
		result_set(&o->results[i], id, regions[i % 4], "ABC"[i % 3], (double)i * 1.25);
		factor_add(&o->results[i], "revenue", (double)(i * 7) / 10000.0, NULL);
		factor_add(&o->results[i], "rank", (double)(i % 97), i % 5 ? NULL : "fifth");
		factor_add(&o->results[i], i % 2 ? "odd" : "even", 1.0 / (double)(i + 1), NULL);
	}
	char *rl[] = { "", "east", "north", "west" };
	uint64_t id = save("abc", rl, 4, o);

	kam_txn *txn = reader();
	kam_snapshot_iter *it;
	cr_assert_eq(kam_snapshot_iter_open(txn, id, &it), 0);
	kam_snapshot_row row;
	size_t k = 0;
	int rc;
	while ((rc = kam_snapshot_iter_next(it, &row)) == 1) {
		cr_assert_lt(k, n);
		const kam_result *want = &o->results[k];
		cr_assert(kam_str_eq(row.account_id, kam_str_c(want->account_id)), "row %zu", k);
		cr_assert(kam_str_eq(row.region, kam_str_c(want->region)), "row %zu", k);
		cr_assert_eq(row.tier, want->tier);
		cr_assert_eq(row.score, want->score);
		k++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(k, n);
	kam_snapshot_iter_close(it);

	/* a reader of tiers alone passes by the same rows */
	cr_assert_eq(kam_snapshot_iter_open(txn, id, &it), 0);
	for (k = 0; (rc = kam_snapshot_iter_tier(it, &row)) == 1; k++) {
		cr_assert_lt(k, n);
		cr_assert(kam_str_eq(row.account_id, kam_str_c(o->results[k].account_id)), "row %zu", k);
		cr_assert_eq(row.tier, o->results[k].tier);
		cr_assert_eq(row.region.len, 0);
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(k, n);
	kam_snapshot_iter_close(it);

	for (size_t i = 0; i < n; i += 37) {
		const kam_result *want = &o->results[i];
		kam_result r;
		cr_assert_eq(kam_snapshot_result(txn, id, kam_str_c(want->account_id), &r), 0, "%s",
			     want->account_id);
		cr_assert_str_eq(r.account_id, want->account_id);
		cr_assert_str_eq(r.region, want->region);
		cr_assert_eq(r.nfactors, 3);
		for (size_t f = 0; f < 3; f++) {
			cr_assert_str_eq(r.factors[f].name, want->factors[f].name);
			cr_assert_eq(r.factors[f].value, want->factors[f].value);
			if (want->factors[f].note)
				cr_assert_str_eq(r.factors[f].note, want->factors[f].note);
			else
				cr_assert_null(r.factors[f].note);
		}
		kam_result_free(&r);
		/* ids between two stored ones are not there */
		char between[32];
		snprintf(between, sizeof(between), "A%07zu", i * 3 + 1);
		cr_assert_eq(kam_snapshot_result(txn, id, kam_str_c(between), &r), KAM_ENOTFOUND);
	}
	cr_assert_eq(kam_snapshot_iter_open(txn, id + 1, &it), KAM_ENOTFOUND);
	kam_txn_abort(txn);
	output_free(o);
}

/* Two snapshots' results stay apart even when their accounts are the same. */
Test(snapshot, results_of_snapshots_do_not_mix)
{
	kam_run_output *a = output_new(2), *b = output_new(1);
	result_set(&a->results[0], "k1", "r", 'A', 1);
	result_set(&a->results[1], "k2", "r", 'B', 2);
	result_set(&b->results[0], "k1", "r", 'C', 3);
	char *regions[] = { "r" };
	uint64_t ia = save("abc", regions, 1, a), ib = save("abc", regions, 1, b);
	kam_txn *txn = reader();
	kam_result r;
	cr_assert_eq(kam_snapshot_result(txn, ia, KAM_STR("k1"), &r), 0);
	cr_assert_eq(r.tier, 'A');
	kam_result_free(&r);
	cr_assert_eq(kam_snapshot_result(txn, ib, KAM_STR("k1"), &r), 0);
	cr_assert_eq(r.tier, 'C');
	kam_result_free(&r);
	cr_assert_eq(kam_snapshot_result(txn, ib, KAM_STR("k2"), &r), KAM_ENOTFOUND);
	kam_snapshot_iter *it;
	kam_snapshot_row row;
	cr_assert_eq(kam_snapshot_iter_open(txn, ib, &it), 0);
	cr_assert_eq(kam_snapshot_iter_next(it, &row), 1);
	cr_assert(kam_str_eq(row.account_id, KAM_STR("k1")));
	cr_assert_eq(kam_snapshot_iter_next(it, &row), 0);
	kam_snapshot_iter_close(it);
	kam_txn_abort(txn);
	output_free(a);
	output_free(b);
}

Test(snapshot, empty_snapshot_iterates_nothing)
{
	kam_run_output *o = output_new(0);
	uint64_t id = save("abc", NULL, 0, o);
	kam_txn *txn = reader();
	kam_snapshot_iter *it;
	kam_snapshot_row row;
	cr_assert_eq(kam_snapshot_iter_open(txn, id, &it), 0);
	cr_assert_eq(kam_snapshot_iter_next(it, &row), 0);
	kam_snapshot_iter_close(it);
	kam_snapshot_iter_close(NULL);
	kam_txn_abort(txn);
	output_free(o);
}

/* Every kind of double survives: integers, money, fractions, signs, huge, tiny, non-finite. */
Test(snapshot, numbers_round_trip_bit_for_bit)
{
	static const double values[] = {
		0.0, -0.0, 1, -1, 42, 4503599627370495.0, 4503599627370496.0, -9007199254740993.0,
		1234.5678, -0.0001, 0.1, 1.0 / 3.0, 1e300, -1e-300, 5e-324, 450359962736.9999,
		123456789.1234, INFINITY, -INFINITY, NAN, 0.80, 0.95,
	};
	const size_t n = sizeof(values) / sizeof(values[0]);
	kam_run_output *o = output_new(n);
	for (size_t i = 0; i < n; i++) {
		char id[16];
		snprintf(id, sizeof(id), "n%03zu", i);
		result_set(&o->results[i], id, "r", 'B', values[i]);
		factor_add(&o->results[i], "same", values[i], NULL);          /* equal to the score */
		factor_add(&o->results[i], "other", values[(i + 1) % n], NULL);
	}
	uint64_t id = save("abc", NULL, 0, o);
	kam_txn *txn = reader();
	for (size_t i = 0; i < n; i++) {
		kam_result r;
		cr_assert_eq(kam_snapshot_result(txn, id, kam_str_c(o->results[i].account_id), &r), 0);
		uint64_t want[3], got[3];
		double wv[3] = { values[i], values[i], values[(i + 1) % n] };
		double gv[3] = { r.score, r.factors[0].value, r.factors[1].value };
		memcpy(want, wv, sizeof(want));
		memcpy(got, gv, sizeof(got));
		for (int k = 0; k < 3; k++)
			cr_assert_eq(got[k], want[k], "value %zu/%d: %.17g read back as %.17g", i, k,
				     wv[k], gv[k]);
		kam_result_free(&r);
	}
	kam_txn_abort(txn);
	output_free(o);
}

/* Many distinct names and notes in one block grow both dictionaries; text of any length. */
Test(snapshot, many_distinct_names_and_long_notes)
{
	const size_t n = 300;
	kam_run_output *o = output_new(n);
	char note[3000];
	memset(note, 'x', sizeof(note) - 1);
	note[sizeof(note) - 1] = 0;
	for (size_t i = 0; i < n; i++) {
		char id[16], name[32], region[32];
		snprintf(id, sizeof(id), "m%04zu", i);
		snprintf(region, sizeof(region), "region-%zu", i % 50);
		result_set(&o->results[i], id, region, 'C', (double)i);
		for (size_t f = 0; f < 20; f++) {
			snprintf(name, sizeof(name), "f%zu-%zu", f, (i * 7 + f) % 400);
			factor_add(&o->results[i], name, (double)f, f == 3 ? note + (i % 2000) : NULL);
		}
	}
	uint64_t id = save("wide", NULL, 0, o);
	kam_txn *txn = reader();
	for (size_t i = 0; i < n; i += 7) {
		kam_result r;
		const kam_result *w = &o->results[i];
		cr_assert_eq(kam_snapshot_result(txn, id, kam_str_c(w->account_id), &r), 0);
		cr_assert_str_eq(r.region, w->region);
		cr_assert_eq(r.nfactors, 20);
		for (size_t f = 0; f < 20; f++) {
			cr_assert_str_eq(r.factors[f].name, w->factors[f].name);
			cr_assert_eq(r.factors[f].value, w->factors[f].value);
			if (f == 3)
				cr_assert_str_eq(r.factors[f].note, w->factors[f].note);
			else
				cr_assert_null(r.factors[f].note);
		}
		kam_result_free(&r);
	}
	kam_txn_abort(txn);
	output_free(o);
}

static int drop_fn(kam_txn *txn, void *arg)
{
	return kam_snapshot_drop(txn, *(uint64_t *)arg);
}

static int drop(uint64_t id)
{
	return kam_store_write(store, drop_fn, &id);
}

/* The result blocks stored under a snapshot's id. */
static size_t blocks_of(uint64_t id)
{
	uint8_t key[8];
	for (int i = 7; i >= 0; i--, id >>= 8)
		key[i] = (uint8_t)id;
	kam_txn *txn = reader();
	kam_table_cursor *c;
	kam_str k, v;
	size_t n = 0;
	cr_assert_eq(kam_table_cursor_open(txn, KAM_TABLE_RESULTS, (kam_str){ (char *)key, 8 }, 0,
					   &c), 0);
	while (kam_table_cursor_next(c, &k, &v) > 0)
		n++;
	kam_table_cursor_close(c);
	kam_txn_abort(txn);
	return n;
}

/* Rows of a snapshot, read through its iterator. */
static size_t rows_of(uint64_t id)
{
	kam_txn *txn = reader();
	kam_snapshot_iter *it;
	kam_snapshot_row row;
	size_t n = 0;
	cr_assert_eq(kam_snapshot_iter_open(txn, id, &it), 0);
	while (kam_snapshot_iter_next(it, &row) == 1)
		n++;
	kam_snapshot_iter_close(it);
	kam_txn_abort(txn);
	return n;
}

Test(snapshot, drop_removes_a_snapshot_no_region_uses)
{
	const size_t n = 20000; /* many blocks */
	kam_run_output *big = output_new(n), *small = output_new(1);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "A%07zu", i);
		result_set(&big->results[i], id, "east", 'A', (double)i);
		factor_add(&big->results[i], "revenue", 1.0 / (double)(i + 1), NULL);
	}
	result_set(&small->results[0], "A0000001", "east", 'B', 1);
	char *east[] = { "east" }, *west[] = { "west" };
	uint64_t old = save("abc", east, 1, big);     /* superseded below */
	uint64_t cur = save("abc", east, 1, small);   /* east's current */
	uint64_t other = save("abc", west, 1, small); /* west's current */
	uint64_t vold = save_kind(KAM_PLUGIN_VALUE, "cv", east, 1, small);
	uint64_t vcur = save_kind(KAM_PLUGIN_VALUE, "cv", east, 1, small);
	cr_assert_gt(blocks_of(old), 10);

	/* In use, or not there: refused, and nothing changes. */
	cr_expect_eq(drop(cur), KAM_EBUSY);
	cr_expect_eq(drop(other), KAM_EBUSY);
	cr_expect_eq(drop(vcur), KAM_EBUSY, "the current value snapshot of east");
	cr_expect_eq(drop(vcur + 1), KAM_ENOTFOUND);
	cr_expect_eq(rows_of(old), n);

	/* Superseded: gone, header and results, and only its own. */
	cr_assert_eq(drop(old), 0);
	cr_expect_eq(blocks_of(old), 0);
	kam_txn *txn = reader();
	kam_snapshot_info info;
	kam_snapshot_iter *it;
	cr_expect_eq(kam_snapshot_get(txn, old, &info), KAM_ENOTFOUND);
	cr_expect_eq(kam_snapshot_iter_open(txn, old, &it), KAM_ENOTFOUND);
	uint64_t id;
	cr_assert_eq(kam_snapshot_current(txn, KAM_STR("east"), &id), 0);
	cr_expect_eq(id, cur);
	kam_txn_abort(txn);
	cr_expect_eq(rows_of(cur), 1);
	cr_expect_eq(rows_of(other), 1);
	cr_expect_eq(drop(old), KAM_ENOTFOUND, "dropped once");

	/* A value snapshot superseded by another is free to go, whatever the segmentation. */
	cr_expect_eq(drop(vold), 0);
	cr_expect_eq(rows_of(vcur), 1);
	/* Ids are not given again. */
	cr_expect_gt(save("abc", east, 1, small), vcur);
	output_free(big);
	output_free(small);
}

/* ---- keys and details read apart ---- */

static void factors_equal(const kam_result *got, const kam_result *want)
{
	cr_assert_eq(got->nfactors, want->nfactors, "%s", want->account_id);
	for (size_t f = 0; f < want->nfactors; f++) {
		cr_assert_str_eq(got->factors[f].name, want->factors[f].name);
		cr_assert_eq(got->factors[f].value, want->factors[f].value);
		if (want->factors[f].note)
			cr_assert_str_eq(got->factors[f].note, want->factors[f].note);
		else
			cr_assert_null(got->factors[f].note);
	}
}

/*
 * Readers of keys alone leave the details of their rows unread: a whole row read after a few of
 * them (kam_snapshot_iter_result, _value) must find its own details, in every block.
 */
Test(snapshot, rows_read_whole_after_rows_read_for_tiers)
{
	const size_t n = 5000; /* about five blocks */
	kam_run_output *o = output_new(n);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "B%06zu", i);
		kam_result *r = &o->results[i];
		result_set(r, id, i % 3 ? "east" : "west", "ABC"[i % 3], (double)i / 4);
		for (size_t f = 0; f < i % 4; f++)
			factor_add(r, f % 2 ? "share" : "revenue", (double)(i * f), i % 5 ? NULL : "note");
		r->has_value = i % 2;
		r->value = (double)i * 3;
		r->recommendation = i % 3 ? NULL : strdup("grow");
		r->metrics = calloc(1, sizeof(*r->metrics));
		r->metrics[0] = (kam_factor){ strdup(i % 2 ? "margin" : "tenure"), (double)i, NULL };
		r->nmetrics = 1;
	}
	char *rl[] = { "east", "west" };
	uint64_t seg = save("abc", rl, 2, o), val = save_kind(KAM_PLUGIN_VALUE, "cv", rl, 2, o);
	kam_txn *txn = reader();
	for (int pass = 0; pass < 2; pass++) {
		kam_snapshot_iter *it;
		cr_assert_eq(kam_snapshot_iter_open(txn, pass ? val : seg, &it), 0);
		for (size_t i = 0; i < n; i++) {
			const kam_result *want = &o->results[i];
			kam_snapshot_row row;
			kam_snapshot_value v;
			kam_result got;
			int kind = (int)(i % 7); /* runs of up to four tier reads */
			if (kind == 6) {
				cr_assert_eq(kam_snapshot_iter_result(it, &got), 1, "row %zu", i);
				cr_assert_str_eq(got.account_id, want->account_id);
				cr_assert_str_eq(got.region, want->region);
				cr_assert_eq(got.score, want->score);
				factors_equal(&got, want);
				cr_assert_eq(got.nmetrics, pass ? 1u : 0u);
				if (pass)
					cr_assert_str_eq(got.metrics[0].name, want->metrics[0].name);
				kam_result_free(&got);
				continue;
			}
			if (kind == 3 && pass) {
				cr_assert_eq(kam_snapshot_iter_value(it, "margin", &row, &v), 1);
				cr_assert_eq(v.has_value, (bool)want->has_value, "row %zu", i);
				cr_assert_eq(v.found, i % 2 == 1, "row %zu", i);
				cr_assert_eq(v.recommendation.ptr != NULL, want->recommendation != NULL);
			} else if (kind == 3) {
				cr_assert_eq(kam_snapshot_iter_next(it, &row), 1);
				cr_assert(kam_str_eq(row.region, kam_str_c(want->region)), "row %zu", i);
			} else {
				cr_assert_eq(kam_snapshot_iter_tier(it, &row), 1);
			}
			cr_assert(kam_str_eq(row.account_id, kam_str_c(want->account_id)), "row %zu", i);
			cr_assert_eq(row.tier, want->tier);
		}
		kam_snapshot_row row;
		cr_assert_eq(kam_snapshot_iter_tier(it, &row), 0);
		kam_snapshot_iter_close(it);
	}
	kam_txn_abort(txn);
	output_free(o);
}

/* ---- blocks of the layout before 2026-11-27, written by hand ---- */

typedef struct bytes {
	uint8_t b[256];
	uint32_t n;
} bytes;

static void put_byte(bytes *x, uint8_t c)
{
	x->b[x->n++] = c;
}

static void put_varint(bytes *x, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		put_byte(x, (uint8_t)(v | 0x80));
	put_byte(x, (uint8_t)v);
}

static void put_text(bytes *x, const char *s)
{
	put_varint(x, strlen(s));
	memcpy(x->b + x->n, s, strlen(s));
	x->n += (uint32_t)strlen(s);
}

static void put_int(bytes *x, int64_t v) /* a num holding an integer */
{
	put_varint(x, ((uint64_t)v << 1 ^ (uint64_t)(v >> 63)) << 2);
}

/*
 * Two rows whole, one dictionary: "north" 0, "revenue" 1, "segment" 2, "loyal" 3, and in a
 * value block (version 2) "grow" 4, "margin" 5.
 */
static bytes old_block(bool value)
{
	bytes x = { .n = 0 };
	put_byte(&x, value ? 2 : 1);
	put_varint(&x, 2);
	/* a1: A, score 10, north; revenue = the score; segment 4, note loyal */
	put_text(&x, "a1");
	put_byte(&x, 'A');
	put_int(&x, 10);
	put_varint(&x, 1);
	put_text(&x, "north");
	put_varint(&x, 2);
	put_varint(&x, 1 << 1);
	put_text(&x, "revenue");
	put_varint(&x, 3);
	put_varint(&x, 1 << 1 | 1);
	put_text(&x, "segment");
	put_int(&x, 4);
	put_varint(&x, 1);
	put_text(&x, "loyal");
	if (value) { /* value 100, grow, margin 7 */
		put_varint(&x, 3);
		put_int(&x, 100);
		put_varint(&x, 1);
		put_text(&x, "grow");
		put_varint(&x, 1);
		put_varint(&x, 1);
		put_text(&x, "margin");
		put_int(&x, 7);
	}
	/* a2: B, score -3, north; revenue -3 */
	put_text(&x, "a2");
	put_byte(&x, 'B');
	put_int(&x, -3);
	put_varint(&x, 2);
	put_varint(&x, 1);
	put_varint(&x, 3 << 1);
	put_int(&x, -3);
	if (value) { /* no value, grow, margin 8 */
		put_varint(&x, 2);
		put_varint(&x, 6);
		put_varint(&x, 1);
		put_varint(&x, 7);
		put_int(&x, 8);
	}
	return x;
}

typedef struct block_job {
	uint64_t id;
	bytes block;
} block_job;

/* Puts job->block in place of the first block of snapshot job->id (whose first id is a1). */
static int block_put(kam_txn *txn, void *arg)
{
	block_job *j = arg;
	uint8_t key[10];
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(j->id >> (56 - 8 * i));
	memcpy(key + 8, "a1", 2);
	return kam_table_put(txn, KAM_TABLE_RESULTS, (kam_str){ (const char *)key, 10 },
			     (kam_str){ (const char *)j->block.b, j->block.n });
}

Test(snapshot, blocks_of_the_layout_before_are_read)
{
	kam_run_output *o = output_new(2);
	result_set(&o->results[0], "a1", "north", 'A', 10);
	result_set(&o->results[1], "a2", "north", 'B', -3);
	char *north[] = { "north" };
	for (int value = 0; value < 2; value++) {
		block_job j = { save_kind(value ? KAM_PLUGIN_VALUE : KAM_PLUGIN_SEGMENTATION, "m",
					  north, 1, o), old_block(value) };
		cr_assert_eq(kam_store_write(store, block_put, &j), 0);
		kam_txn *txn = reader();
		kam_result r;
		cr_assert_eq(kam_snapshot_result(txn, j.id, KAM_STR("a2"), &r), 0);
		cr_assert_eq(r.tier, 'B');
		cr_assert_eq(r.score, -3);
		cr_assert_str_eq(r.region, "north");
		cr_assert_eq(r.nfactors, 1);
		cr_assert_str_eq(r.factors[0].name, "revenue");
		cr_assert_eq(r.factors[0].value, -3);
		cr_assert_eq(r.has_value, 0);
		cr_assert_eq(r.nmetrics, (size_t)value);
		if (value) {
			cr_assert_str_eq(r.recommendation, "grow");
			cr_assert_eq(r.metrics[0].value, 8);
		}
		kam_result_free(&r);

		kam_snapshot_iter *it;
		kam_snapshot_row row;
		kam_snapshot_value v;
		cr_assert_eq(kam_snapshot_iter_open(txn, j.id, &it), 0);
		cr_assert_eq(kam_snapshot_iter_tier(it, &row), 1);
		cr_assert(kam_str_eq(row.account_id, KAM_STR("a1")));
		cr_assert_eq(row.tier, 'A');
		cr_assert_eq(kam_snapshot_iter_value(it, "margin", &row, &v), 1);
		cr_assert(kam_str_eq(row.account_id, KAM_STR("a2")));
		cr_assert_eq(row.score, -3);
		cr_assert_eq(v.found, (bool)value);
		cr_assert_eq(kam_snapshot_iter_next(it, &row), 0);
		kam_snapshot_iter_close(it);

		cr_assert_eq(kam_snapshot_iter_open(txn, j.id, &it), 0);
		cr_assert_eq(kam_snapshot_iter_result(it, &r), 1);
		cr_assert_str_eq(r.account_id, "a1");
		cr_assert_eq(r.nfactors, 2);
		cr_assert_eq(r.factors[0].value, 10, "the same as the score");
		cr_assert_str_eq(r.factors[1].name, "segment");
		cr_assert_str_eq(r.factors[1].note, "loyal");
		cr_assert_eq(r.has_value, value);
		if (value)
			cr_assert_eq(r.value, 100);
		kam_result_free(&r);
		kam_snapshot_iter_close(it);
		kam_txn_abort(txn);
	}
	/* a block of a later layout is refused as such */
	block_job j = { save("m", north, 1, o), { .b = { 9, 2 }, .n = 2 } };
	cr_assert_eq(kam_store_write(store, block_put, &j), 0);
	kam_txn *txn = reader();
	kam_snapshot_iter *it;
	kam_snapshot_row row;
	cr_assert_eq(kam_snapshot_iter_open(txn, j.id, &it), 0);
	cr_assert_eq(kam_snapshot_iter_next(it, &row), KAM_EVERSION);
	kam_snapshot_iter_close(it);
	kam_txn_abort(txn);
	output_free(o);
}

/* ---- damaged blocks ---- */

typedef struct block_copy {
	uint64_t id;
	const char *first;
	uint8_t *bytes;
	size_t len;
} block_copy;

/* Copies the stored block of snapshot job->id whose first account is job->first. */
static int block_get(kam_txn *txn, void *arg)
{
	block_copy *j = arg;
	uint8_t key[8 + 16];
	size_t n = strlen(j->first);
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(j->id >> (56 - 8 * i));
	memcpy(key + 8, j->first, n);
	kam_str v;
	int rc = kam_table_get(txn, KAM_TABLE_RESULTS, (kam_str){ (const char *)key, (uint32_t)(8 + n) },
			       &v);
	if (rc)
		return rc;
	j->bytes = malloc(v.len);
	memcpy(j->bytes, v.ptr, v.len);
	j->len = v.len;
	return 0;
}

/*
 * A block of each kind, read every way: whole, then every prefix and every byte changed in turn
 * read without going past it (the sanitizers' build checks that) and never with more rows.
 */
Test(snapshot, damaged_blocks_read_within_their_bytes)
{
	kam_run_output *o = output_new(3);
	result_set(&o->results[0], "c1", "north", 'A', 10.5);
	factor_add(&o->results[0], "revenue", 10.5, NULL);
	factor_add(&o->results[0], "segment", 4, "loyal");
	result_set(&o->results[1], "c2", "south", 'B', 1e300);
	result_set(&o->results[2], "c3", "north", 'C', -3);
	factor_add(&o->results[2], "revenue", -3, "x");
	o->results[2].has_value = 1;
	o->results[2].value = 7.25;
	o->results[2].recommendation = strdup("grow");
	char *rl[] = { "north", "south" };
	const uint32_t ways[] = { 0, 0x55555555u, 0xAAAAAAAAu, 0xFFFFFFFFu, 0xE4E4E4E4u, 0x1B1B1B1Bu };
	for (int value = 0; value < 2; value++) {
		block_copy j = { save_kind(value ? KAM_PLUGIN_VALUE : KAM_PLUGIN_SEGMENTATION, "m", rl,
					   2, o), "c1", NULL, 0 };
		kam_txn *txn = reader();
		cr_assert_eq(block_get(txn, &j), 0);
		kam_txn_abort(txn);
		size_t rows;
		for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
			cr_assert_eq(kam_snapshot_block_read(j.bytes, j.len, ways[w], &rows), 0);
			cr_assert_eq(rows, 3);
		}
		for (size_t len = 0; len < j.len; len++) {
			uint8_t *cut = malloc(len ? len : 1);
			memcpy(cut, j.bytes, len);
			for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
				kam_snapshot_block_read(cut, len, ways[w], &rows);
				cr_assert_leq(rows, 3);
			}
			free(cut);
		}
		for (size_t at = 0; at < j.len; at++)
			for (int x = 1; x < 256; x += 37) {
				j.bytes[at] ^= (uint8_t)x;
				for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++)
					kam_snapshot_block_read(j.bytes, j.len, ways[w], &rows);
				j.bytes[at] ^= (uint8_t)x;
			}
		free(j.bytes);
	}
	output_free(o);
}
