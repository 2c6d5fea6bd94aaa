/*
 * test_rfm.c - the rfm model: quintiles with ties, the small-partition thresholds, the segment
 * rules for every R, F, M combination, parameters.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fake_host.h"

#define AS_OF "2024-06-30"

static kam_run *run_new(void)
{
	kam_run *run = fake_run_new(KAM_PLUGIN_ENTRY());

	fake_set_as_of(run, fake_date(AS_OF));
	return run;
}

/*
 * Adds `count` orders to account i on the days as_of - recency, one day earlier each: the latest
 * carries `total`, the others 0.
 */
static void orders_at(kam_run *run, size_t i, int recency, int count, const char *total)
{
	int32_t day = fake_date(AS_OF) - recency;

	for (int k = 0; k < count; k++) {
		int y, m, d;
		char id[64], date[16];

		fake_host()->civil(day - k, &y, &m, &d);
		snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
		snprintf(id, sizeof(id), "%s-%d-%d", fake_view(run, i)->id.ptr, recency, k);
		fake_order(run, i, id, date, k == 0 ? total : "0", NULL);
	}
}

static void expect_rfm(const kam_run *run, size_t i, int r, int f, int m, const char *segment,
		       char tier)
{
	const char *note = NULL;
	double seg;
	const char *id = fake_view((kam_run *)run, i)->id.ptr;

	cr_expect_eq(fake_factor_value(run, i, "r"), r, "%s: r %g, expected %d", id,
		     fake_factor_value(run, i, "r"), r);
	cr_expect_eq(fake_factor_value(run, i, "f"), f, "%s: f %g, expected %d", id,
		     fake_factor_value(run, i, "f"), f);
	cr_expect_eq(fake_factor_value(run, i, "m"), m, "%s: m %g, expected %d", id,
		     fake_factor_value(run, i, "m"), m);
	cr_expect_eq(fake_factor_value(run, i, "code"), 100 * r + 10 * f + m, "%s", id);
	cr_expect_eq(fake_score(run, i), 100 * r + 10 * f + m, "%s", id);
	cr_assert_eq(fake_factor(run, i, "segment", &seg, &note), 0);
	cr_assert_not_null(note, "%s: segment without a name", id);
	cr_expect_str_eq(note, segment, "%s: segment %s, expected %s", id, note, segment);
	cr_expect_eq(fake_tier(run, i), tier, "%s: tier %c, expected %c", id, fake_tier(run, i),
		     tier);
	cr_expect_eq(fake_factor_count(run, i), 8);
}

Test(rfm, descriptor)
{
	const kam_plugin *p = KAM_PLUGIN_ENTRY();

	cr_assert_eq(p->abi_major, KAM_ABI_MAJOR);
	cr_assert_eq(p->size, sizeof(kam_plugin));
	cr_assert_str_eq(p->name, "rfm");
	cr_assert_eq(p->kind, KAM_PLUGIN_SEGMENTATION);
	cr_assert_eq(p->nparams, 6);
}

/*
 * Ten accounts of one region (quintiles, n = 10: a tied group starting at 0-based position p
 * scores 1 + floor(p / 2)):
 *        recency  freq  monetary     R  F  M
 *   q0   none     0     0            1  1  1   lost
 *   q1   546      0     0            2  1  1   hibernating
 *   q2   none     0     0            1  1  1   lost
 *   q3   40       1     -50          2  2  1   hibernating
 *   q4   20       1     100          3  2  3   need-attention
 *   q5   20       2     100          3  3  3   need-attention
 *   q6   20       3     300          3  4  4   loyal
 *   q7   10       3     300          4  4  4   champions
 *   q8   5        3     1000         5  4  5   champions
 *   q9   5        3     1000         5  4  5   champions
 * R worst to best: q0 q2 | q1 | q3 | q4 q5 q6 | q7 | q8 q9 at positions 0, 2, 3, 4, 7, 8.
 * F: q0 q1 q2 | q3 q4 | q5 | q6..q9 at 0, 3, 5, 6.  M: q3 | q0 q1 q2 | q4 q5 | q6 q7 | q8 q9
 * at 0, 1, 4, 6, 8.
 */
Test(rfm, quintiles_with_ties)
{
	kam_run *run = run_new();
	size_t q[10];
	double v;
	const char *note;

	for (int i = 0; i < 10; i++) {
		char id[8];

		snprintf(id, sizeof(id), "q%d", i);
		q[i] = fake_account(run, id, "north");
	}
	fake_order(run, q[1], "q1-old", "2023-01-01", "70", NULL);
	orders_at(run, q[3], 40, 1, "-50");
	orders_at(run, q[4], 20, 1, "100");
	orders_at(run, q[5], 20, 2, "100");
	orders_at(run, q[6], 20, 3, "300");
	orders_at(run, q[7], 10, 3, "300");
	orders_at(run, q[8], 5, 3, "1000");
	orders_at(run, q[9], 5, 2, "1000");
	fake_order(run, q[9], "q9-a", "2023-07-02", "0", NULL);     /* as_of - 364: in */
	fake_order(run, q[9], "q9-b", "2023-07-01", "99999", NULL); /* as_of - 365: out */
	fake_order(run, q[9], "q9-c", "2024-07-01", "99999", NULL); /* after as_of: out */

	cr_assert_eq(fake_run(run), 0);
	expect_rfm(run, q[0], 1, 1, 1, "lost", 'C');
	expect_rfm(run, q[1], 2, 1, 1, "hibernating", 'C');
	expect_rfm(run, q[2], 1, 1, 1, "lost", 'C');
	expect_rfm(run, q[3], 2, 2, 1, "hibernating", 'C');
	expect_rfm(run, q[4], 3, 2, 3, "need-attention", 'B');
	expect_rfm(run, q[5], 3, 3, 3, "need-attention", 'B');
	expect_rfm(run, q[6], 3, 4, 4, "loyal", 'A');
	expect_rfm(run, q[7], 4, 4, 4, "champions", 'A');
	expect_rfm(run, q[8], 5, 4, 5, "champions", 'A');
	expect_rfm(run, q[9], 5, 4, 5, "champions", 'A');

	cr_assert_eq(fake_factor(run, q[0], "recency_days", &v, &note), 0);
	cr_expect_eq(v, -1);
	cr_expect_str_eq(note, "no order");
	cr_expect_eq(fake_factor_value(run, q[1], "recency_days"), 546);
	cr_expect_eq(fake_factor_value(run, q[1], "frequency"), 0);
	cr_expect_eq(fake_factor_value(run, q[1], "monetary"), 0);
	cr_assert_eq(fake_factor(run, q[3], "recency_days", &v, &note), 0);
	cr_expect_eq(v, 40);
	cr_expect_null(note);
	cr_expect_eq(fake_factor_value(run, q[3], "monetary"), -50);
	cr_expect_eq(fake_factor_value(run, q[9], "frequency"), 3);
	cr_expect_eq(fake_factor_value(run, q[9], "monetary"), 1000);
	cr_expect_eq(fake_factor_value(run, q[9], "recency_days"), 5);
	cr_expect_eq(fake_factor_value(run, q[7], "segment"), 1);
	cr_expect_eq(fake_factor_value(run, q[6], "segment"), 2);
	cr_expect_eq(fake_misuse(run), 0);
	fake_run_free(run);
}

/*
 * Partitions of fewer than 5 accounts use fixed thresholds: R 5..1 for recency <= 30 / 90 / 180 /
 * 365 / more or none; F for frequency >= 12 / 6 / 3 / 1 / 0; M for monetary >= monetary_5 /
 * monetary_4 / monetary_3 (100000 / 25000 / 5000), > 0, else 1.
 */
Test(rfm, small_partition_thresholds)
{
	kam_run *run = run_new();
	size_t a = fake_account(run, "a", "s");
	size_t b = fake_account(run, "b", "s");
	size_t c = fake_account(run, "c", "s");
	size_t d = fake_account(run, "d", "s");
	size_t e = fake_account(run, "e", "t");
	size_t f = fake_account(run, "f", "t");
	size_t g = fake_account(run, "g", "t");
	size_t h = fake_account(run, "h", "t");
	size_t lone = fake_account(run, "lone", "u");

	orders_at(run, a, 30, 12, "100000");
	orders_at(run, b, 31, 11, "99999.9999");
	orders_at(run, c, 91, 5, "24999.9999");
	orders_at(run, d, 365, 1, "7"); /* on as_of - 365: outside the window */
	orders_at(run, e, 180, 3, "5000");
	orders_at(run, f, 181, 2, "4999.9999");
	orders_at(run, g, 366, 1, "8");
	orders_at(run, h, 0, 2, "-10");

	cr_assert_eq(fake_run(run), 0);
	expect_rfm(run, a, 5, 5, 5, "champions", 'A');
	expect_rfm(run, b, 4, 4, 4, "champions", 'A');
	expect_rfm(run, c, 3, 3, 3, "need-attention", 'B');
	expect_rfm(run, d, 2, 1, 1, "hibernating", 'C');
	expect_rfm(run, e, 3, 3, 3, "need-attention", 'B');
	expect_rfm(run, f, 2, 2, 2, "hibernating", 'C');
	expect_rfm(run, g, 1, 1, 1, "lost", 'C');
	expect_rfm(run, h, 5, 2, 1, "potential-loyalist", 'B');
	expect_rfm(run, lone, 1, 1, 1, "lost", 'C');
	cr_expect_eq(fake_factor_value(run, d, "recency_days"), 365);
	cr_expect_eq(fake_factor_value(run, d, "frequency"), 0);

	/* The monetary thresholds are parameters. */
	cr_assert_eq(fake_param(run, "monetary_5", "5000"), 0);
	cr_assert_eq(fake_param(run, "monetary_4", "4999.9999"), 0);
	cr_assert_eq(fake_param(run, "monetary_3", "0.0001"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_factor_value(run, e, "m"), 5);
	cr_expect_eq(fake_factor_value(run, f, "m"), 4);
	cr_expect_eq(fake_factor_value(run, d, "m"), 1);
	cr_expect_eq(fake_factor_value(run, h, "m"), 1);

	/* One partition of 9: quintiles. F worst to best: d g lone (0) | h f (2) | e (3) | c (5) |
	 * b (11) | a (12) at positions 0, 3, 5, 6, 7, 8: F 1, 2, 3, 4, 4, 5. */
	cr_assert_eq(fake_param(run, "partition", "none"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_factor_value(run, d, "f"), 1);
	cr_expect_eq(fake_factor_value(run, h, "f"), 2);
	cr_expect_eq(fake_factor_value(run, e, "f"), 3);
	cr_expect_eq(fake_factor_value(run, c, "f"), 4);
	cr_expect_eq(fake_factor_value(run, b, "f"), 4);
	cr_expect_eq(fake_factor_value(run, a, "f"), 5);
	fake_run_free(run);
}

/* The segment table, written as a grid of R (rows 1..5) by F (columns 1..5). */
static const char *segment_of(int r, int f, int m)
{
	static const char *const grid[5][5] = {
		{ "lost", "hibernating", "at-risk", "at-risk", "at-risk" },
		{ "hibernating", "hibernating", "at-risk", "at-risk", "at-risk" },
		{ "need-attention", "need-attention", "need-attention", "loyal", "loyal" },
		{ "need-attention", "potential-loyalist", "potential-loyalist", "*", "*" },
		{ "new", "potential-loyalist", "potential-loyalist", "*", "*" },
	};
	const char *s = grid[r - 1][f - 1];

	if (s[0] == '*')
		return m >= 4 ? "champions" : "loyal";
	return s;
}

static char tier_of(const char *segment)
{
	if (!strcmp(segment, "champions") || !strcmp(segment, "loyal"))
		return 'A';
	if (!strcmp(segment, "potential-loyalist") || !strcmp(segment, "new") ||
	    !strcmp(segment, "need-attention"))
		return 'B';
	return 'C';
}

/*
 * Every (R, F, M): 25 regions of 5 accounts; in region (x, y) account j has R = j + 1,
 * F = (j + x) % 5 + 1 and M = (j + y) % 5 + 1 (distinct values: quintiles of 5 are the ranks).
 */
Test(rfm, every_combination)
{
	kam_run *run = run_new();
	int want[125][3];
	size_t n = 0;

	for (int x = 0; x < 5; x++) {
		for (int y = 0; y < 5; y++) {
			char region[8];

			snprintf(region, sizeof(region), "r%d%d", x, y);
			for (int j = 0; j < 5; j++) {
				int r = j + 1, f = (j + x) % 5 + 1, m = (j + y) % 5 + 1;
				char id[16], total[16];
				size_t i;

				snprintf(id, sizeof(id), "%s-%d", region, j);
				i = fake_account(run, id, region);
				snprintf(total, sizeof(total), "%d", m * 100);
				orders_at(run, i, (6 - r) * 10, f, total);
				want[i][0] = r;
				want[i][1] = f;
				want[i][2] = m;
				n++;
			}
		}
	}
	cr_assert_eq(fake_run(run), 0);
	for (size_t i = 0; i < n; i++) {
		const char *seg = segment_of(want[i][0], want[i][1], want[i][2]);

		expect_rfm(run, i, want[i][0], want[i][1], want[i][2], seg, tier_of(seg));
	}
	fake_run_free(run);
}

/* Hand-picked codes, independent of the grid above. */
Test(rfm, segment_examples)
{
	static const struct {
		int r, f, m;
		const char *segment;
	} ex[] = {
		{ 5, 5, 5, "champions" },      { 4, 4, 4, "champions" },
		{ 5, 5, 3, "loyal" },          { 3, 5, 5, "loyal" },
		{ 5, 3, 5, "potential-loyalist" }, { 4, 2, 1, "potential-loyalist" },
		{ 5, 1, 5, "new" },            { 4, 1, 5, "need-attention" },
		{ 3, 3, 3, "need-attention" }, { 3, 1, 1, "need-attention" },
		{ 2, 5, 5, "at-risk" },        { 1, 3, 1, "at-risk" },
		{ 2, 2, 5, "hibernating" },    { 1, 2, 1, "hibernating" },
		{ 2, 1, 1, "hibernating" },    { 1, 1, 5, "lost" },
	};

	for (size_t k = 0; k < sizeof(ex) / sizeof(ex[0]); k++)
		cr_expect_str_eq(segment_of(ex[k].r, ex[k].f, ex[k].m), ex[k].segment,
				 "%d%d%d", ex[k].r, ex[k].f, ex[k].m);
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

Test(rfm, invalid_params)
{
	expect_invalid("window_days", "0");
	expect_invalid("partition", "stage");
	expect_invalid("monetary_3", "0");
	expect_invalid("monetary_3", "-1");
	expect_invalid("monetary_4", "200000");
	expect_invalid("monetary_5", "x");
}

Test(rfm, no_accounts)
{
	kam_run *run = run_new();

	cr_expect_eq(fake_run(run), 0);
	fake_run_free(run);
}

/* Two orders whose sum does not fit in 64 bits of ten-thousandths: the run fails, exactly. */
Test(rfm, sum_overflow_fails_the_run)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a1", "north");

	fake_order(run, i, "o1", AS_OF, "500000000000000", "500000000000000");
	fake_order(run, i, "o2", AS_OF, "500000000000000", "500000000000000");
	cr_expect_eq(fake_run(run), KAM_ERANGE);
	fake_run_free(run);
}
