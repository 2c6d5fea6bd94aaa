/*
 * test_abc.c - the abc model against hand-computed examples of REFERENCE.md's definition, and
 * against a straightforward re-implementation on random data.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

static kam_run *run_new(void)
{
	kam_run *run = fake_run_new(KAM_PLUGIN_ENTRY());

	fake_set_as_of(run, fake_date("2024-06-30"));
	return run;
}

/* An account with one order of `amount` on as_of (2024-06-30). */
static size_t acct(kam_run *run, const char *id, const char *region, const char *amount)
{
	size_t i = fake_account(run, id, region);
	char oid[80];

	if (amount) {
		snprintf(oid, sizeof(oid), "o-%s", id);
		fake_order(run, i, oid, "2024-06-30", amount, NULL);
	}
	return i;
}

static void expect(const kam_run *run, size_t i, char tier, double revenue, double rank,
		   double cum_share, double total)
{
	cr_expect_eq(fake_tier(run, i), tier, "account %zu: tier %c, expected %c", i,
		     fake_tier(run, i) ? fake_tier(run, i) : '0', tier);
	cr_expect_eq(fake_score(run, i), revenue, "account %zu: score %.17g", i, fake_score(run, i));
	cr_expect_eq(fake_factor_value(run, i, "revenue"), revenue, "account %zu", i);
	cr_expect_eq(fake_factor_value(run, i, "rank"), rank, "account %zu: rank %g", i,
		     fake_factor_value(run, i, "rank"));
	cr_expect(fabs(fake_factor_value(run, i, "cum_share") - cum_share) < 1e-12,
		  "account %zu: cum_share %.17g, expected %.17g", i,
		  fake_factor_value(run, i, "cum_share"), cum_share);
	cr_expect_eq(fake_factor_value(run, i, "partition_total"), total, "account %zu: total %.17g",
		     i, fake_factor_value(run, i, "partition_total"));
	cr_expect_eq(fake_factor_count(run, i), 4);
}

Test(abc, descriptor)
{
	const kam_plugin *p = KAM_PLUGIN_ENTRY();
	static const char *const names[] = { "as_of", "window_days", "metric", "a", "b",
					     "partition" };
	static const char *const defaults[] = { NULL, "365", "revenue", "0.80", "0.95", "region" };

	cr_assert_eq(p->abi_major, KAM_ABI_MAJOR);
	cr_assert_eq(p->size, sizeof(kam_plugin));
	cr_assert_str_eq(p->name, "abc");
	cr_assert_eq(p->kind, KAM_PLUGIN_SEGMENTATION);
	cr_assert_not_null(p->run);
	cr_assert_eq(p->nparams, 6);
	for (size_t i = 0; i < 6; i++) {
		cr_expect_str_eq(p->params[i].name, names[i]);
		if (defaults[i])
			cr_expect_str_eq(p->params[i].default_value, defaults[i]);
		else
			cr_expect_null(p->params[i].default_value);
	}
}

/* 50, 30, 10, 5, 5 of 100: cum_prev 0, 50, 80, 90, 95. 80 and 95 are exactly on the cut-offs. */
Test(abc, boundaries_are_exclusive)
{
	kam_run *run = run_new();

	acct(run, "a1", "north", "50");
	acct(run, "a2", "north", "30");
	acct(run, "a3", "north", "10");
	acct(run, "a4", "north", "5");
	acct(run, "a5", "north", "5");
	cr_assert_eq(fake_run(run), 0);
	expect(run, 0, 'A', 50, 1, 0.0, 100);
	expect(run, 1, 'A', 30, 2, 0.5, 100);
	expect(run, 2, 'B', 10, 3, 0.8, 100); /* cum_prev == 0.80 * total: not A */
	expect(run, 3, 'B', 5, 4, 0.9, 100);
	expect(run, 4, 'C', 5, 5, 0.95, 100); /* cum_prev == 0.95 * total: not B */
	cr_expect_eq(fake_misuse(run), 0);
	cr_expect_eq(fake_orders_calls(run), 5);
	cr_expect_eq(fake_orders_backwards(run), 0);
	fake_run_free(run);
}

/*
 * Decimal money where binary floating point goes wrong: 0.7 + 0.1 < 0.8 in doubles, so a model
 * summing doubles would make "z" (cum_prev exactly 0.8 of 1.0) an A.
 */
Test(abc, exact_decimal_money)
{
	kam_run *run = run_new();

	acct(run, "w", "r", "0.7");
	acct(run, "x", "r", "0.1");
	acct(run, "y", "r", "0.1");
	acct(run, "z", "r", "0.1");
	acct(run, "zz", "r", "0.0001");
	cr_assert_eq(fake_param(run, "b", "0.9"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_tier(run, 0), 'A');
	cr_expect_eq(fake_tier(run, 1), 'A'); /* cum 0.7 */
	cr_expect_eq(fake_tier(run, 2), 'A'); /* cum 0.8 < 0.8 * 1.0001 */
	cr_expect_eq(fake_tier(run, 3), 'B'); /* cum 0.9 < 0.9 * 1.0001 = 0.90009 */
	cr_expect_eq(fake_tier(run, 4), 'C'); /* cum 1.0 */
	fake_run_free(run);

	run = run_new();
	acct(run, "w", "r", "0.7");
	acct(run, "x", "r", "0.1");
	acct(run, "y", "r", "0.1");
	acct(run, "z", "r", "0.1");
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_tier(run, 0), 'A');
	cr_expect_eq(fake_tier(run, 1), 'A');
	cr_expect_eq(fake_tier(run, 2), 'B'); /* cum 0.8 == 0.8 * 1.0 */
	cr_expect_eq(fake_tier(run, 3), 'B'); /* cum 0.9 < 0.95 */
	expect(run, 2, 'B', 0.1, 3, 0.8, 1.0);
	fake_run_free(run);
}

/* a and b are used rounded to 6 decimals (not truncated, not as binary fractions). */
Test(abc, cut_offs_round_to_six_decimals)
{
	kam_run *run = run_new();

	acct(run, "a", "r", "333333");
	acct(run, "b", "r", "666667");
	acct(run, "c", "r", "1");
	cr_assert_eq(fake_param(run, "a", "0.6666667"), 0); /* 0.666667 */
	cr_assert_eq(fake_param(run, "b", "0.9999996"), 0); /* 1 */
	cr_assert_eq(fake_run(run), 0);
	/* b 666667 (cum 0) A; a 333333 (cum 666667 < 0.666667 * 1000001 = 666667.666667) A;
	 * c 1 (cum 1000000 < 1 * 1000001) B. */
	cr_expect_eq(fake_tier(run, 1), 'A');
	cr_expect_eq(fake_tier(run, 0), 'A');
	cr_expect_eq(fake_tier(run, 2), 'B');
	/* 0.666666 * 1000001 = 666666.666666 and 0.999999 * 1000001 = 999999.999999, although
	 * the unrounded values times 1000001 are above 666667 and 1000000. */
	cr_assert_eq(fake_param(run, "a", "0.6666664"), 0);
	cr_assert_eq(fake_param(run, "b", "0.9999994"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_tier(run, 1), 'A');
	cr_expect_eq(fake_tier(run, 0), 'B');
	cr_expect_eq(fake_tier(run, 2), 'C');
	fake_run_free(run);
}

/* No orders, zero and negative metrics are C even where cum_prev is still below the cut-off. */
Test(abc, zero_metric_is_c)
{
	kam_run *run = run_new();

	acct(run, "a", "r", NULL);
	acct(run, "b", "r", "0");
	acct(run, "c", "r", "-5");
	acct(run, "d", "r", "10");
	cr_assert_eq(fake_run(run), 0);
	/* d 10 (cum 0), a 0, b 0 (cum 10 each), c -5 (cum 10); total 5. */
	expect(run, 3, 'A', 10, 1, 0.0, 5);
	expect(run, 0, 'C', 0, 2, 2.0, 5);
	expect(run, 1, 'C', 0, 3, 2.0, 5);
	expect(run, 2, 'C', -5, 4, 2.0, 5);
	fake_run_free(run);

	/* All zero: every account C, cum_share 0 (total 0). */
	run = run_new();
	acct(run, "a", "r", NULL);
	acct(run, "b", "r", NULL);
	cr_assert_eq(fake_run(run), 0);
	expect(run, 0, 'C', 0, 1, 0.0, 0);
	expect(run, 1, 'C', 0, 2, 0.0, 0);
	fake_run_free(run);
}

/* Negative metrics are C even where cum_prev < a * total (a negative total). */
Test(abc, negative_metrics_are_c)
{
	kam_run *run = run_new();
	char id[8];

	cr_assert_eq(fake_param(run, "metric", "profit"), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "n%d", i);
		fake_order(run, fake_account(run, id, "r"), id, "2024-06-01", "1", "-1");
	}
	cr_assert_eq(fake_run(run), 0);
	for (size_t i = 0; i < 10; i++) {
		cr_expect_eq(fake_tier(run, i), 'C');
		cr_expect_eq(fake_factor_value(run, i, "rank"), (double)(i + 1));
		cr_expect_eq(fake_factor_value(run, i, "partition_total"), -10);
	}
	cr_expect_eq(fake_factor_value(run, 9, "cum_share"), 0.9); /* -9 / -10 */
	fake_run_free(run);
}

/* Equal metrics rank by id, bytewise: "B" < "a" < "ab". */
Test(abc, ties_by_id_bytewise)
{
	kam_run *run = run_new();

	acct(run, "B", "r", "10");
	acct(run, "a", "r", "10");
	acct(run, "ab", "r", "10");
	acct(run, "z", "r", "70");
	cr_assert_eq(fake_run(run), 0);
	expect(run, 3, 'A', 70, 1, 0.0, 100);
	expect(run, 0, 'A', 10, 2, 0.7, 100);
	expect(run, 1, 'B', 10, 3, 0.8, 100);
	expect(run, 2, 'B', 10, 4, 0.9, 100);
	fake_run_free(run);
}

/* The same when the host does not serve accounts in id order: ties still go by id. */
Test(abc, ties_by_id_when_accounts_unsorted)
{
	kam_run *run = run_new();

	acct(run, "z", "r", "70");
	acct(run, "ab", "r", "10");
	acct(run, "a", "r", "10");
	acct(run, "B", "r", "10");
	cr_assert_eq(fake_run(run), 0);
	expect(run, 0, 'A', 70, 1, 0.0, 100);
	expect(run, 3, 'A', 10, 2, 0.7, 100);
	expect(run, 2, 'B', 10, 3, 0.8, 100);
	expect(run, 1, 'B', 10, 4, 0.9, 100);
	fake_run_free(run);
}

/* Partitions by region; absent and empty region are the same partition of their own. */
Test(abc, empty_region_is_a_partition)
{
	kam_run *run = run_new();

	acct(run, "a", NULL, "10");
	acct(run, "b", "north", "10");
	acct(run, "c", "", "30");
	acct(run, "d", "north", "90");
	acct(run, "e", "south", "1");
	cr_assert_eq(fake_run(run), 0);
	expect(run, 2, 'A', 30, 1, 0.0, 40);
	expect(run, 0, 'A', 10, 2, 0.75, 40); /* 30 < 32 */
	expect(run, 3, 'A', 90, 1, 0.0, 100);
	expect(run, 1, 'B', 10, 2, 0.9, 100);
	expect(run, 4, 'A', 1, 1, 0.0, 1);
	fake_run_free(run);
}

/* minor: the host's ABI minor (fake_host_minor): with account_text (3), or the views (2) */
static void partitions_on_host(int minor)
{
	kam_run *run = run_new();
	fake_host_minor(run, minor);
	size_t a = acct(run, "a", "north", "90");
	size_t b = acct(run, "b", "south", "20");
	size_t c = acct(run, "c", "north", "5");

	fake_account_text(run, a, "owner", "rep1");
	fake_account_text(run, b, "owner", "rep1");
	fake_view(run, a)->channel = 3;
	fake_view(run, c)->channel = 3;

	cr_assert_eq(fake_param(run, "partition", "owner"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, 'A', 90, 1, 0.0, 110);
	expect(run, b, 'B', 20, 2, 90.0 / 110, 110); /* 90 < 88? no; < 104.5 */
	expect(run, c, 'A', 5, 1, 0.0, 5); /* no owner: a partition of its own */

	cr_assert_eq(fake_param(run, "partition", "channel"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, 'A', 90, 1, 0.0, 95);
	expect(run, c, 'B', 5, 2, 90.0 / 95, 95); /* 90 < 76? no; < 90.25 */
	expect(run, b, 'A', 20, 1, 0.0, 20);       /* channel 0 (absent) */

	cr_assert_eq(fake_param(run, "partition", "none"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, 'A', 90, 1, 0.0, 115);
	expect(run, b, 'A', 20, 2, 90.0 / 115, 115);  /* 90 < 92 */
	expect(run, c, 'C', 5, 3, 110.0 / 115, 115); /* 110 < 109.25? no */

	cr_assert_eq(fake_param(run, "partition", NULL), 0); /* back to region */
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, 'A', 90, 1, 0.0, 95);
	expect(run, c, 'B', 5, 2, 90.0 / 95, 95);
	expect(run, b, 'A', 20, 1, 0.0, 20);
	cr_expect_eq(fake_misuse(run), 0);
	fake_run_free(run);
}

Test(abc, partition_owner_channel_none)
{
	partitions_on_host(KAM_ABI_MINOR);
}

/* On a host without account_text and account_number, the same from the views. */
Test(abc, partitions_on_an_abi_1_2_host)
{
	partitions_on_host(2);
}

/* as_of - window_days < date <= as_of: 30 days before as_of is out, as_of itself is in. */
Test(abc, window_edges)
{
	kam_run *run = run_new();
	size_t a = fake_account(run, "a", "r");
	size_t b = fake_account(run, "b", "r");

	fake_order(run, a, "1", "2024-05-31", "1000", "1000");  /* as_of - 30: out */
	fake_order(run, a, "2", "2024-06-01", "1", "1");        /* as_of - 29: in */
	fake_order(run, a, "3", "2024-06-30T23:59", "2", "2");  /* as_of, with a time: in */
	fake_order(run, a, "4", "2024-07-01", "1000", "1000");  /* after as_of: out */
	fake_order(run, b, "5", "2024-06-15", "2.5", NULL);
	cr_assert_eq(fake_param(run, "window_days", "30"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, 'A', 3, 1, 0.0, 5.5);
	expect(run, b, 'A', 2.5, 2, 3 / 5.5, 5.5); /* 3 < 4.4 */

	/* The as_of parameter overrides the host's: now 2024-06-02 .. 2024-07-01. */
	cr_assert_eq(fake_param(run, "as_of", "2024-07-01"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, a), 1002);
	cr_expect_eq(fake_score(run, b), 2.5);

	/* window_days 1: only as_of itself. */
	cr_assert_eq(fake_param(run, "as_of", "2024-06-30"), 0);
	cr_assert_eq(fake_param(run, "window_days", "1"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, a), 2);
	cr_expect_eq(fake_score(run, b), 0);
	cr_expect_eq(fake_tier(run, b), 'C');
	fake_run_free(run);
}

/* Default window is 365 days: as_of 2024-06-30 - 365 = 2023-07-01 (a leap day between) is out. */
Test(abc, default_window)
{
	kam_run *run = run_new();
	size_t a = fake_account(run, "a", "r");

	fake_order(run, a, "1", "2023-07-01", "7", NULL);
	fake_order(run, a, "2", "2023-07-02", "11", NULL);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, a), 11);
	fake_run_free(run);
}

Test(abc, metric_profit_and_orders)
{
	kam_run *run = run_new();
	size_t a = fake_account(run, "a", "r");
	size_t b = fake_account(run, "b", "r");
	size_t c = fake_account(run, "c", "r");

	fake_order(run, a, "1", "2024-06-01", "100", "-10");
	fake_order(run, a, "2", "2024-06-02", "100", "25.5");
	fake_order(run, a, "3", "2024-06-03", "100", NULL); /* no profit: counts 0 */
	fake_order(run, b, "4", "2024-06-04", "1", "60");
	fake_order(run, c, "5", "2024-06-04", "1", "-1");

	cr_assert_eq(fake_param(run, "metric", "profit"), 0);
	cr_assert_eq(fake_run(run), 0);
	/* b 60 (cum 0), a 15.5 (cum 60 < 0.8 * 74.5 = 59.6? no; < 70.775 yes), c -1. */
	cr_expect_eq(fake_tier(run, b), 'A');
	cr_expect_eq(fake_tier(run, a), 'B');
	cr_expect_eq(fake_tier(run, c), 'C');
	cr_expect_eq(fake_score(run, a), 15.5);
	cr_expect_eq(fake_factor_value(run, a, "profit"), 15.5);
	cr_expect_eq(fake_factor_value(run, a, "partition_total"), 74.5);
	cr_expect_eq(fake_factor(run, a, "revenue", NULL, NULL), KAM_ENOTFOUND);

	cr_assert_eq(fake_param(run, "metric", "orders"), 0);
	cr_assert_eq(fake_run(run), 0);
	/* a 3 (cum 0 < 4), b 1 (cum 3 < 4), c 1 (cum 4: not < 4, < 4.75) of 5. */
	cr_expect_eq(fake_tier(run, a), 'A');
	cr_expect_eq(fake_tier(run, b), 'A');
	cr_expect_eq(fake_tier(run, c), 'B');
	cr_expect_eq(fake_score(run, a), 3);
	cr_expect_eq(fake_factor_value(run, a, "orders"), 3);
	cr_expect_eq(fake_factor_value(run, c, "rank"), 3);
	cr_expect_eq(fake_factor_value(run, c, "cum_share"), 0.8);
	cr_expect_eq(fake_factor_value(run, c, "partition_total"), 5);
	fake_run_free(run);
}

/* a = 1: every account with a positive metric is A; b = a is allowed (no B). */
Test(abc, a_one_and_b_equal_a)
{
	kam_run *run = run_new();

	acct(run, "a", "r", "1");
	acct(run, "b", "r", "99");
	acct(run, "c", "r", "0");
	cr_assert_eq(fake_param(run, "a", "1"), 0);
	cr_assert_eq(fake_param(run, "b", "1"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_tier(run, 0), 'A');
	cr_expect_eq(fake_tier(run, 1), 'A');
	cr_expect_eq(fake_tier(run, 2), 'C');

	cr_assert_eq(fake_param(run, "a", "0.5"), 0);
	cr_assert_eq(fake_param(run, "b", "0.5"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_tier(run, 1), 'A');
	cr_expect_eq(fake_tier(run, 0), 'C');
	fake_run_free(run);
}

static void expect_invalid(const char *name, const char *value)
{
	kam_run *run = run_new();

	acct(run, "a", "r", "1");
	cr_assert_eq(fake_param(run, name, value), 0);
	cr_expect_eq(fake_run(run), KAM_EINVAL, "%s=%s accepted", name, value);
	cr_expect_gt(fake_log_count(run), 0, "%s=%s: nothing logged", name, value);
	cr_expect(strstr(fake_last_log(run), name) != NULL, "%s=%s: log '%s'", name, value,
		  fake_last_log(run));
	cr_expect_eq(fake_tier(run, 0), 0);
	fake_run_free(run);
}

Test(abc, invalid_params)
{
	expect_invalid("a", "0");
	expect_invalid("a", "-0.5");
	expect_invalid("a", "1.01");
	expect_invalid("a", "0.0000001");
	expect_invalid("b", "0.79");
	expect_invalid("b", "1.5");
	expect_invalid("metric", "Revenue");
	expect_invalid("metric", "");
	expect_invalid("partition", "industry");
	expect_invalid("window_days", "0");
	expect_invalid("window_days", "-3");
	expect_invalid("window_days", "x");
	expect_invalid("a", "abc");
	expect_invalid("as_of", "2024-02-30");
}

Test(abc, no_accounts)
{
	kam_run *run = run_new();

	cr_expect_eq(fake_run(run), 0);
	fake_run_free(run);
}

/* --- random data against a plain re-implementation of REFERENCE.md ------------------------- */

struct ref_row {
	const char *id, *region;
	int64_t metric;
	size_t index;
};

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref_row *a = pa, *b = pb;
	int c = strcmp(a->region, b->region);

	if (c)
		return c;
	if (a->metric != b->metric)
		return a->metric > b->metric ? -1 : 1;
	return strcmp(a->id, b->id);
}

Test(abc, random_against_reference)
{
	enum { N = 3000 };
	static char ids[N][16];
	static const char *const regions[] = { "", "east", "west", "north" };
	static struct ref_row rows[N];
	static int64_t metric[N];
	kam_run *run = run_new();

	srand(7);
	cr_assert_eq(fake_param(run, "metric", "profit"), 0);
	cr_assert_eq(fake_param(run, "a", "0.7"), 0);
	cr_assert_eq(fake_param(run, "b", "0.9"), 0);
	for (size_t i = 0; i < N; i++) {
		/* Ids in bytewise order as the host serves them. */
		snprintf(ids[i], sizeof(ids[i]), "acc%06zu", i);
		size_t k = fake_account(run, ids[i], regions[rand() % 4]);
		int norders = rand() % 4;

		metric[k] = 0;
		for (int j = 0; j < norders; j++) {
			char oid[32], profit[48];
			/* Many ties (small values), some large and negative ones. */
			int64_t p = rand() % 3 ? rand() % 5 * 10000 :
						 ((int64_t)rand() << 20) - ((int64_t)1 << 40);

			snprintf(oid, sizeof(oid), "%zu-%d", i, j);
			snprintf(profit, sizeof(profit), "%s%lld.%04lld", p < 0 ? "-" : "",
				 (long long)(llabs(p) / 10000), (long long)(llabs(p) % 10000));
			fake_order(run, k, oid, "2024-06-01", "1", profit);
			metric[k] += p;
		}
		rows[k].id = ids[i];
		rows[k].region = fake_view(run, k)->region.ptr ? fake_view(run, k)->region.ptr : "";
		rows[k].metric = metric[k];
		rows[k].index = k;
	}
	cr_assert_eq(fake_run(run), 0);
	qsort(rows, N, sizeof(rows[0]), ref_cmp);
	for (size_t j = 0; j < N;) {
		size_t start = j, end = j;
		__int128 total = 0, cum = 0;

		while (end < N && !strcmp(rows[end].region, rows[start].region))
			total += rows[end++].metric;
		for (; j < end; j++) {
			int64_t m = rows[j].metric;
			char t = m > 0 && cum * 10 < 7 * total ? 'A' :
				 m > 0 && cum * 10 < 9 * total ? 'B' : 'C';

			cr_assert_eq(fake_tier(run, rows[j].index), t, "%s", rows[j].id);
			cr_assert_eq(fake_factor_value(run, rows[j].index, "rank"),
				     (double)(j - start + 1));
			cr_assert_eq(fake_score(run, rows[j].index), (double)m / 1e4);
			cum += m;
		}
	}
	cr_expect_eq(fake_orders_calls(run), N);
	cr_expect_eq(fake_orders_backwards(run), 0);
	cr_expect_eq(fake_misuse(run), 0);
	fake_run_free(run);
}

/* Two orders whose sum does not fit in 64 bits of ten-thousandths: the run fails, exactly. */
Test(abc, sum_overflow_fails_the_run)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a1", "north");

	fake_order(run, i, "o1", "2024-06-30", "500000000000000", "500000000000000");
	fake_order(run, i, "o2", "2024-06-30", "500000000000000", "500000000000000");
	cr_expect_eq(fake_run(run), KAM_ERANGE);
	fake_run_free(run);
}

Test(abc, profit_sum_overflow_fails_the_run)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a1", "north");

	fake_order(run, i, "o1", "2024-06-30", "1", "500000000000000");
	fake_order(run, i, "o2", "2024-06-30", "1", "500000000000000");
	cr_assert_eq(fake_param(run, "metric", "profit"), 0);
	cr_expect_eq(fake_run(run), KAM_ERANGE);
	fake_run_free(run);
}
