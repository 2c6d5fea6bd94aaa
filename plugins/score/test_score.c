/*
 * test_score.c - the score model against hand-computed percentiles, weights and cut-offs.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fake_host.h"

static kam_run *run_new(void)
{
	kam_run *run = fake_run_new(KAM_PLUGIN_ENTRY());

	fake_set_as_of(run, fake_date("2024-06-30"));
	return run;
}

static void expect_near(double got, double want, const char *what, size_t i)
{
	cr_expect(fabs(got - want) < 1e-12, "account %zu %s: %.17g, expected %.17g", i, what, got,
		  want);
}

static void set_fields(kam_run *run, size_t i, const char *annual_revenue, long long employees,
		       const char *net_assets)
{
	kam_account_view *v = fake_view(run, i);

	if (annual_revenue) {
		v->annual_revenue = fake_money(annual_revenue);
		v->present |= KAM_VIEW_ANNUAL_REVENUE;
	}
	if (employees >= 0) {
		v->employees = employees;
		v->present |= KAM_VIEW_EMPLOYEES;
	}
	if (net_assets) {
		v->net_assets = fake_money(net_assets);
		v->present |= KAM_VIEW_NET_ASSETS;
	}
}

Test(score, descriptor)
{
	const kam_plugin *p = KAM_PLUGIN_ENTRY();

	cr_assert_eq(p->abi_major, KAM_ABI_MAJOR);
	cr_assert_eq(p->size, sizeof(kam_plugin));
	cr_assert_str_eq(p->name, "score");
	cr_assert_eq(p->kind, KAM_PLUGIN_SEGMENTATION);
	cr_assert_eq(p->nparams, 10);
}

/*
 * Five accounts of one region, default weights 0.3 / 0.2 / 0.2 / 0.3:
 *   annual_revenue 100, 200, 200, -, 400: n = 4; pct 0, 0.5, 0.5, 0 (absent), 1
 *   employees      10, 10, 10, 10, -:     n = 4, all tied at rank 2.5: pct 0.5, and 0 for s5
 *   net_assets     only s3:               n = 1: pct 1
 *   revenue        50, 0, 10, 50, 30:     n = 5; pct 0.875, 0, 0.25, 0.875, 0.5
 * scores: s1 0.3625, s2 0.25, s3 0.525, s4 0.3625, s5 0.45
 * ranking: s3, s5, s1, s4 (tie with s1, by id), s2; 5 accounts: 1 A, 1 B, 3 C.
 */
Test(score, hand_computed)
{
	kam_run *run = run_new();
	static const double want[5][4] = {
		{ 0.0, 0.1, 0.0, 0.2625 },   { 0.15, 0.1, 0.0, 0.0 }, { 0.15, 0.1, 0.2, 0.075 },
		{ 0.0, 0.1, 0.0, 0.2625 },   { 0.3, 0.0, 0.0, 0.15 },
	};
	static const char *const crit[4] = { "annual_revenue", "employees", "net_assets",
					     "revenue" };
	static const double score[5] = { 0.3625, 0.25, 0.525, 0.3625, 0.45 };
	static const char tier[5] = { 'C', 'C', 'A', 'C', 'B' };
	static const double rank[5] = { 3, 5, 1, 4, 2 };
	size_t s[5];

	for (int i = 0; i < 5; i++) {
		char id[8];

		snprintf(id, sizeof(id), "s%d", i + 1);
		s[i] = fake_account(run, id, "north");
	}
	set_fields(run, s[0], "100", 10, NULL);
	set_fields(run, s[1], "200", 10, NULL);
	set_fields(run, s[2], "200", 10, "5000");
	set_fields(run, s[3], NULL, 10, NULL);
	set_fields(run, s[4], "400", -1, NULL);
	fake_order(run, s[0], "o1", "2024-01-01", "20", NULL);
	fake_order(run, s[0], "o2", "2024-02-01", "30", NULL);
	fake_order(run, s[1], "o3", "2023-06-30", "1000", NULL); /* outside the window */
	fake_order(run, s[2], "o4", "2024-06-30", "10", NULL);
	fake_order(run, s[3], "o5", "2023-07-01T10:00", "50", NULL);
	fake_order(run, s[4], "o6", "2024-03-03", "30", NULL);
	/* o5 is on as_of - 365 days: outside, so s4's revenue would be 0 ... */
	fake_order(run, s[3], "o7", "2023-07-02", "50", NULL); /* ... but this one is in */

	cr_assert_eq(fake_run(run), 0);
	for (int i = 0; i < 5; i++) {
		for (int k = 0; k < 4; k++)
			expect_near(fake_factor_value(run, s[i], crit[k]), want[i][k], crit[k], s[i]);
		expect_near(fake_score(run, s[i]), score[i], "score", s[i]);
		cr_expect_eq(fake_tier(run, s[i]), tier[i], "s%d: %c", i + 1, fake_tier(run, s[i]));
		cr_expect_eq(fake_factor_value(run, s[i], "rank"), rank[i], "s%d", i + 1);
		cr_expect_eq(fake_factor_value(run, s[i], "region_weight"), 1.0);
		cr_expect_eq(fake_factor_count(run, s[i]), 6);
	}
	cr_expect_eq(fake_misuse(run), 0);

	/* Only revenue counts: s1 and s4 tie at 0.875 (s1 first by id), then s5. */
	cr_assert_eq(fake_param(run, "w_annual_revenue", "0"), 0);
	cr_assert_eq(fake_param(run, "w_employees", "0"), 0);
	cr_assert_eq(fake_param(run, "w_net_assets", "0"), 0);
	cr_assert_eq(fake_param(run, "w_revenue", "1"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, s[0]), 0.875);
	cr_expect_eq(fake_score(run, s[3]), 0.875);
	cr_expect_eq(fake_factor_value(run, s[0], "employees"), 0.0);
	cr_expect_eq(fake_tier(run, s[0]), 'A');
	cr_expect_eq(fake_tier(run, s[3]), 'B');
	cr_expect_eq(fake_tier(run, s[4]), 'C');
	cr_expect_eq(fake_factor_value(run, s[3], "rank"), 2);
	fake_run_free(run);
}

/* Percentiles and cut-offs are per partition; absent and empty region are one partition. */
Test(score, partitions)
{
	kam_run *run = run_new();
	size_t a = fake_account(run, "a", "east");
	size_t b = fake_account(run, "b", NULL);
	size_t c = fake_account(run, "c", "east");
	size_t d = fake_account(run, "d", "");

	set_fields(run, a, NULL, 5, NULL);
	set_fields(run, b, NULL, 50, NULL);
	set_fields(run, c, NULL, 500, NULL);
	set_fields(run, d, NULL, 1, NULL);
	cr_assert_eq(fake_param(run, "w_employees", "1"), 0);
	cr_assert_eq(fake_run(run), 0);
	/* employees: east {a 5, c 500}: a 0.2*0, c 1; empty {d 1, b 50}: d 0, b 1. revenue: all 0,
	 * tied: pct 0.5 each, contribution 0.15. */
	expect_near(fake_score(run, a), 0.15, "score", a);
	expect_near(fake_score(run, c), 1.15, "score", c);
	expect_near(fake_score(run, b), 1.15, "score", b);
	expect_near(fake_score(run, d), 0.15, "score", d);
	cr_expect_eq(fake_tier(run, c), 'A');
	cr_expect_eq(fake_tier(run, a), 'C'); /* 2 accounts: 1 A, floor(0.6) = 0 B */
	cr_expect_eq(fake_tier(run, b), 'A');
	cr_expect_eq(fake_tier(run, d), 'C');

	cr_assert_eq(fake_param(run, "partition", "none"), 0);
	cr_assert_eq(fake_run(run), 0);
	/* employees over all four: d 1, a 5, b 50, c 500: pct 0, 1/3, 2/3, 1. */
	expect_near(fake_factor_value(run, a, "employees"), 1.0 / 3, "employees", a);
	expect_near(fake_factor_value(run, b, "employees"), 2.0 / 3, "employees", b);
	cr_expect_eq(fake_tier(run, c), 'A');
	cr_expect_eq(fake_tier(run, b), 'B'); /* 4 accounts: 1 A, 1 B */
	cr_expect_eq(fake_tier(run, a), 'C');
	cr_expect_eq(fake_tier(run, d), 'C');
	fake_run_free(run);
}

/* region_weights multiply the score: they reorder accounts across regions. */
Test(score, region_weights)
{
	kam_run *run = run_new();
	size_t a = fake_account(run, "a", "north");
	size_t b = fake_account(run, "b", "south");
	size_t c = fake_account(run, "c", "west");

	set_fields(run, a, "30", -1, NULL);
	set_fields(run, b, "20", -1, NULL);
	set_fields(run, c, "10", -1, NULL);
	cr_assert_eq(fake_param(run, "partition", "none"), 0);
	cr_assert_eq(fake_param(run, "w_revenue", "0"), 0);
	cr_assert_eq(fake_param(run, "w_annual_revenue", "1"), 0);
	/* pct a 1, b 0.5, c 0 */
	cr_assert_eq(fake_param(run, "region_weights", " north = 0.25 ,south=3"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, a), 0.25);
	cr_expect_eq(fake_score(run, b), 1.5);
	cr_expect_eq(fake_score(run, c), 0.0);
	cr_expect_eq(fake_factor_value(run, a, "region_weight"), 0.25);
	cr_expect_eq(fake_factor_value(run, b, "region_weight"), 3.0);
	cr_expect_eq(fake_factor_value(run, c, "region_weight"), 1.0);
	cr_expect_eq(fake_factor_value(run, a, "annual_revenue"), 1.0); /* before the weight */
	cr_expect_eq(fake_tier(run, b), 'A');
	cr_expect_eq(fake_tier(run, a), 'C');
	cr_expect_eq(fake_factor_value(run, a, "rank"), 2);
	cr_expect_eq(fake_tier(run, c), 'C');

	/* Names match exactly: "North" is not "north". Empty text: no weights. */
	cr_assert_eq(fake_param(run, "region_weights", "North=0.25"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, a), 1.0);
	cr_assert_eq(fake_param(run, "region_weights", "  "), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_score(run, a), 1.0);
	cr_expect_eq(fake_score(run, b), 0.5);
	fake_run_free(run);
}

/* Counts per partition of n: A = max(1, floor(a_share n)), B = min(n - A, floor(b_share n)). */
static void expect_counts(int n, const char *a_share, const char *b_share, int na, int nb)
{
	kam_run *run = run_new();
	int got[3] = { 0, 0, 0 };

	for (int i = 0; i < n; i++) {
		char id[16];
		size_t k;

		snprintf(id, sizeof(id), "x%04d", i);
		k = fake_account(run, id, "r");
		/* Descending employees, so account i ranks i + 1. */
		set_fields(run, k, NULL, 1000 - i, NULL);
	}
	if (a_share)
		cr_assert_eq(fake_param(run, "a_share", a_share), 0);
	if (b_share)
		cr_assert_eq(fake_param(run, "b_share", b_share), 0);
	cr_assert_eq(fake_run(run), 0);
	for (int i = 0; i < n; i++) {
		char t = fake_tier(run, (size_t)i);

		cr_assert(t >= 'A' && t <= 'C');
		got[t - 'A']++;
		cr_expect_eq(t, i < na ? 'A' : i < na + nb ? 'B' : 'C', "n %d, account %d: %c", n,
			     i, t);
	}
	cr_expect_eq(got[0], na, "n %d: %d A, expected %d", n, got[0], na);
	cr_expect_eq(got[1], nb, "n %d: %d B, expected %d", n, got[1], nb);
	fake_run_free(run);
}

Test(score, cut_off_counts)
{
	expect_counts(10, NULL, NULL, 2, 3);
	expect_counts(1, NULL, NULL, 1, 0);
	expect_counts(3, NULL, NULL, 1, 0);
	expect_counts(4, NULL, NULL, 1, 1);
	expect_counts(7, NULL, NULL, 1, 2);
	expect_counts(9, NULL, NULL, 1, 2);
	expect_counts(5, "0", "0", 1, 0);
	expect_counts(5, "1", "0", 5, 0);
	expect_counts(5, "0.8", "0.2", 4, 1);
	expect_counts(5, "0.5", "0.5", 2, 2);
	expect_counts(5, "0", "1", 1, 4); /* B never takes the forced A's place */
	expect_counts(1, "0", "1", 1, 0);
	/* In doubles 0.29 * 100 is 28.999999999999996 and 0.57 * 100 is 56.99999999999999. */
	expect_counts(100, "0.29", "0.57", 29, 57);
}

/* Equal scores rank by id even when the host serves accounts out of id order. */
Test(score, ties_by_id_when_accounts_unsorted)
{
	kam_run *run = run_new();
	size_t c = fake_account(run, "c", "r");
	size_t b = fake_account(run, "b", "r");
	size_t a = fake_account(run, "a", "r");
	size_t big = fake_account(run, "B", "r");

	set_fields(run, c, NULL, 1, NULL);
	set_fields(run, b, NULL, 1, NULL);
	set_fields(run, a, NULL, 1, NULL);
	set_fields(run, big, NULL, 1, NULL);
	cr_assert_eq(fake_param(run, "b_share", "0.5"), 0);
	cr_assert_eq(fake_run(run), 0);
	/* All equal; bytewise "B" < "a" < "b" < "c": 1 A, 2 B, 1 C. */
	cr_expect_eq(fake_tier(run, big), 'A');
	cr_expect_eq(fake_tier(run, a), 'B');
	cr_expect_eq(fake_tier(run, b), 'B');
	cr_expect_eq(fake_tier(run, c), 'C');
	cr_expect_eq(fake_factor_value(run, a, "rank"), 2);
	cr_expect_eq(fake_factor_value(run, c, "rank"), 4);
	fake_run_free(run);
}

static void expect_invalid(const char *name, const char *value)
{
	kam_run *run = run_new();

	fake_account(run, "a", "r");
	cr_assert_eq(fake_param(run, name, value), 0);
	cr_expect_eq(fake_run(run), KAM_EINVAL, "%s=%s accepted", name, value);
	cr_expect(strstr(fake_last_log(run), name) != NULL, "%s=%s: log '%s'", name, value,
		  fake_last_log(run));
	cr_expect_eq(fake_tier(run, 0), 0);
	fake_run_free(run);
}

Test(score, invalid_params)
{
	expect_invalid("w_employees", "-0.1");
	expect_invalid("w_revenue", "x");
	expect_invalid("a_share", "1.1");
	expect_invalid("a_share", "-0.1");
	expect_invalid("b_share", "0.81");
	expect_invalid("partition", "regions");
	expect_invalid("window_days", "0");
	expect_invalid("region_weights", "north");
	expect_invalid("region_weights", "north=");
	expect_invalid("region_weights", "=2");
	expect_invalid("region_weights", "north=-1");
	expect_invalid("region_weights", "north=1x");
	expect_invalid("region_weights", "north=1,north=2");
	expect_invalid("region_weights", "north=1,");
	expect_invalid("region_weights", "north=1,,south=2");
}

Test(score, no_accounts)
{
	kam_run *run = run_new();

	cr_expect_eq(fake_run(run), 0);
	fake_run_free(run);
}

/* Two orders whose sum does not fit in 64 bits of ten-thousandths: the run fails, exactly. */
Test(score, sum_overflow_fails_the_run)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a1", "north");

	fake_order(run, i, "o1", "2024-06-30", "500000000000000", "500000000000000");
	fake_order(run, i, "o2", "2024-06-30", "500000000000000", "500000000000000");
	cr_expect_eq(fake_run(run), KAM_ERANGE);
	fake_run_free(run);
}
