/* test_portfolio.c - portfolio measures and receivables on a small book, computed by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "portfolio.h"
#include "snapshot.h"
#include "testbook.h"

static char dir[] = "/tmp/kam-test-portfolio.XXXXXX";
static kam_store *store;


/*
 * The book (as of 2026-06-30, window 365 days: 2025-07-01 .. 2026-06-30):
 *   A1 north r1: o1 2026-01-10 1000 paid 400; o2 2025-06-30 500 (outside, no paid);
 *                o3 2026-07-01 77 (after as_of); i1 2026-01-11 call 30 min;
 *                i2 2025-06-30 visit 60 min (outside)
 *   A2 north r1: o4 2025-07-01 300.5 paid 300.5 (first day in)
 *   A3 south r2: o5 2026-06-30 2000 (no paid); o6 2026-03-01 250.25 paid 300 (overpaid);
 *                i3 2026-05-05 visit 90 min; i4 2026-05-06 email (no minutes)
 *   A4 south, no owner: i5 2026-04-01 call 15 min
 *   A5 no region, r2: o7 2026-02-02 0.0001 paid 0
 * Tiers (a stored segmentation): A1 A, A2 B, A3 A, A4 C, A5 B.
 */
static int fill(kam_txn *t, void *arg)
{
	(void)arg;
	PUT(t, KAM_ACCOUNT, "id", "A1", "name", "One", "region", "north", "owner", "r1");
	PUT(t, KAM_ACCOUNT, "id", "A2", "name", "Two", "region", "north", "owner", "r1");
	PUT(t, KAM_ACCOUNT, "id", "A3", "name", "Three", "region", "south", "owner", "r2");
	PUT(t, KAM_ACCOUNT, "id", "A4", "name", "Four", "region", "south");
	PUT(t, KAM_ACCOUNT, "id", "A5", "name", "Five", "owner", "r2");
	PUT(t, KAM_ORDER, "id", "o1", "account_id", "A1", "date", "2026-01-10", "amount", "1000",
	    "paid", "400");
	PUT(t, KAM_ORDER, "id", "o2", "account_id", "A1", "date", "2025-06-30", "amount", "500");
	PUT(t, KAM_ORDER, "id", "o3", "account_id", "A1", "date", "2026-07-01", "amount", "77");
	PUT(t, KAM_ORDER, "id", "o4", "account_id", "A2", "date", "2025-07-01", "amount", "300.5",
	    "paid", "300.5");
	PUT(t, KAM_ORDER, "id", "o5", "account_id", "A3", "date", "2026-06-30T23:59", "amount",
	    "2000");
	PUT(t, KAM_ORDER, "id", "o6", "account_id", "A3", "date", "2026-03-01", "amount", "250.25",
	    "paid", "300");
	PUT(t, KAM_ORDER, "id", "o7", "account_id", "A5", "date", "2026-02-02", "amount", "0.0001",
	    "paid", "0");
	PUT(t, KAM_INTERACTION, "id", "i1", "account_id", "A1", "date", "2026-01-11", "kind", "call",
	    "minutes", "30");
	PUT(t, KAM_INTERACTION, "id", "i2", "account_id", "A1", "date", "2025-06-30", "kind",
	    "visit", "minutes", "60");
	PUT(t, KAM_INTERACTION, "id", "i3", "account_id", "A3", "date", "2026-05-05", "kind",
	    "visit", "minutes", "90");
	PUT(t, KAM_INTERACTION, "id", "i4", "account_id", "A3", "date", "2026-05-06", "kind",
	    "email");
	PUT(t, KAM_INTERACTION, "id", "i5", "account_id", "A4", "date", "2026-04-01", "kind", "call",
	    "minutes", "15");

	static const char *const ids[] = { "A1", "A2", "A3", "A4", "A5" };
	static const char *const regions[] = { "north", "north", "south", "south", "" };
	static const char tiers[] = "ABACB";
	kam_result res[5];
	memset(res, 0, sizeof(res));
	for (int i = 0; i < 5; i++)
		res[i] = (kam_result){ .account_id = (char *)ids[i], .region = (char *)regions[i],
				       .tier = tiers[i], .score = i };
	kam_run_output out = { .results = res, .count = 5 };
	char *snap_regions[] = { "", "north", "south" };
	kam_snapshot_info info = { .kind = KAM_PLUGIN_SEGMENTATION, .model = "abc",
				   .model_version = "1", .regions = snap_regions, .nregions = 3,
				   .as_of = kam_days_from_civil(2026, 6, 30) };
	return kam_snapshot_save(t, &info, &out);
}

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	char path[sizeof(dir) + 8];
	snprintf(path, sizeof(path), "%s/db", dir);
	cr_assert_eq(kam_store_open(path, KAM_STORE_CREATE, &store), 0);
	cr_assert_eq(kam_store_write(store, fill, NULL), 0);
}

static void teardown(void)
{
	kam_store_close(store);
	char cmd[sizeof(dir) + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

TestSuite(portfolio, .init = setup, .fini = teardown);

static kam_money money(const char *s)
{
	kam_money m;
	cr_assert_eq(kam_money_parse(s, strlen(s), &m), 0);
	return m;
}

static void assert_close(double got, double want, const char *what)
{
	cr_assert(fabs(got - want) <= 1e-12 * fabs(want), "%s: got %.17g, want %.17g", what, got,
		  want);
}

static kam_portfolio_opts opts(kam_portfolio_by by, size_t top)
{
	return (kam_portfolio_opts){ .by = by, .as_of = kam_days_from_civil(2026, 6, 30),
				     .window_days = 365, .top = top };
}

static kam_portfolio compute(kam_portfolio_opts o)
{
	kam_txn *txn;
	kam_portfolio p;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_portfolio_compute(txn, &o, &p), 0, "%s", p.error);
	kam_txn_abort(txn);
	return p;
}

Test(portfolio, total)
{
	kam_portfolio p = compute(opts(KAM_PORTFOLIO_TOTAL, 2));
	const kam_portfolio_group *t = &p.total;
	cr_assert_eq(p.ngroups, 0);
	cr_assert_null(t->key);
	cr_assert_eq(t->accounts, 5);
	cr_assert_eq(t->revenue, money("3550.7501"));
	cr_assert_eq(t->top1, money("2250.25"));
	cr_assert_eq(t->topn, money("3250.25"));
	cr_assert_eq(t->top5, money("3550.7501"));
	cr_assert_eq(t->minutes, 135);
	assert_close(t->hhi, 4881.035937058903, "hhi");
	assert_close(kam_portfolio_share(t->top1, t->revenue), 0.6337393329933301, "top1 share");
	assert_close(kam_portfolio_share(t->topn, t->revenue), 0.9153699664755343, "top2 share");
	assert_close(kam_portfolio_roi(t->revenue, t->minutes), 1578.1111555555556, "roi");
	/* per tier: A = A1 + A3, B = A2 + A5, C = A4 */
	cr_assert_eq(t->tier_accounts[KAM_TIER_A], 2);
	cr_assert_eq(t->tier_revenue[KAM_TIER_A], money("3250.25"));
	cr_assert_eq(t->tier_minutes[KAM_TIER_A], 120);
	cr_assert_eq(t->tier_accounts[KAM_TIER_B], 2);
	cr_assert_eq(t->tier_revenue[KAM_TIER_B], money("300.5001"));
	cr_assert_eq(t->tier_minutes[KAM_TIER_B], 0);
	cr_assert_eq(t->tier_accounts[KAM_TIER_C], 1);
	cr_assert_eq(t->tier_revenue[KAM_TIER_C], 0);
	cr_assert_eq(t->tier_minutes[KAM_TIER_C], 15);
	cr_assert_eq(t->tier_accounts[KAM_TIER_NONE], 0);
	cr_assert_eq(p.tiers_computed_regions, 0);
	kam_portfolio_free(&p);
}

Test(portfolio, by_rep)
{
	kam_portfolio p = compute(opts(KAM_PORTFOLIO_REP, 10));
	cr_assert_eq(p.ngroups, 3);
	/* sorted by key: "" (A4), r1 (A1, A2), r2 (A3, A5) */
	cr_assert_str_eq(p.groups[0].key, "");
	cr_assert_eq(p.groups[0].accounts, 1);
	cr_assert_eq(p.groups[0].revenue, 0);
	cr_assert(isnan(p.groups[0].hhi));
	cr_assert(isnan(kam_portfolio_share(p.groups[0].top1, p.groups[0].revenue)));
	cr_assert_eq(p.groups[0].minutes, 15);
	cr_assert_str_eq(p.groups[1].key, "r1");
	cr_assert_eq(p.groups[1].accounts, 2);
	cr_assert_eq(p.groups[1].revenue, money("1300.5"));
	cr_assert_eq(p.groups[1].top1, money("1000"));
	cr_assert_eq(p.groups[1].topn, money("1300.5"));
	assert_close(p.groups[1].hhi, 6446.520953331616, "hhi r1");
	cr_assert_eq(p.groups[1].minutes, 30);
	cr_assert_str_eq(p.groups[2].key, "r2");
	cr_assert_eq(p.groups[2].revenue, money("2250.2501"));
	assert_close(p.groups[2].hhi, 9999.999111209945, "hhi r2");
	cr_assert_eq(p.groups[2].minutes, 90);
	assert_close(kam_portfolio_roi(p.groups[2].revenue, p.groups[2].minutes),
		     2250.2501 / 1.5, "roi r2");
	/* the groups add up to the total */
	cr_assert_eq(p.total.revenue, money("3550.7501"));
	kam_money revenue = 0;
	size_t accounts = 0;
	int64_t minutes = 0;
	for (size_t i = 0; i < p.ngroups; i++) {
		revenue += p.groups[i].revenue;
		accounts += p.groups[i].accounts;
		minutes += p.groups[i].minutes;
	}
	cr_assert_eq(revenue, p.total.revenue);
	cr_assert_eq(accounts, p.total.accounts);
	cr_assert_eq(minutes, p.total.minutes);
	kam_portfolio_free(&p);
}

Test(portfolio, by_region_and_tier)
{
	kam_portfolio p = compute(opts(KAM_PORTFOLIO_REGION, 10));
	cr_assert_eq(p.ngroups, 3);
	cr_assert_str_eq(p.groups[0].key, "");
	cr_assert_eq(p.groups[0].revenue, money("0.0001"));
	assert_close(p.groups[0].hhi, 10000, "hhi of one account");
	cr_assert_str_eq(p.groups[1].key, "north");
	cr_assert_eq(p.groups[1].revenue, money("1300.5"));
	cr_assert_str_eq(p.groups[2].key, "south");
	cr_assert_eq(p.groups[2].accounts, 2);
	cr_assert_eq(p.groups[2].revenue, money("2250.25"));
	cr_assert_eq(p.groups[2].minutes, 105);
	kam_portfolio_free(&p);

	p = compute(opts(KAM_PORTFOLIO_TIER, 10));
	cr_assert_eq(p.ngroups, 3);
	cr_assert_str_eq(p.groups[0].key, "A");
	cr_assert_eq(p.groups[0].revenue, money("3250.25"));
	cr_assert_eq(p.groups[0].tier_accounts[KAM_TIER_A], 2);
	cr_assert_eq(p.groups[0].tier_accounts[KAM_TIER_B], 0);
	cr_assert_str_eq(p.groups[1].key, "B");
	cr_assert_eq(p.groups[1].revenue, money("300.5001"));
	cr_assert_str_eq(p.groups[2].key, "C");
	cr_assert_eq(p.groups[2].minutes, 15);
	kam_portfolio_free(&p);
}

Test(portfolio, window_edges)
{
	/* 184 days back from 2026-06-30: 2025-12-29 < date, so o1 (2026-01-10) and later only */
	kam_portfolio_opts o = opts(KAM_PORTFOLIO_TOTAL, 10);
	o.window_days = 183;
	kam_portfolio p = compute(o);
	cr_assert_eq(p.total.revenue, money("3250.2501")); /* o1, o5, o6, o7 */
	cr_assert_eq(p.total.minutes, 135);
	kam_portfolio_free(&p);
	/* one day: only 2026-06-30 (o5, whose time of day does not matter) */
	o.window_days = 1;
	p = compute(o);
	cr_assert_eq(p.total.revenue, money("2000"));
	cr_assert_eq(p.total.minutes, 0);
	cr_assert(isnan(kam_portfolio_roi(p.total.revenue, p.total.minutes)));
	cr_assert_eq(p.total.hhi, 10000);
	kam_portfolio_free(&p);
	/* as of 2026-07-01 with a year: o4 (2025-07-01) leaves, o3 comes in */
	o.window_days = 365;
	o.as_of = kam_days_from_civil(2026, 7, 1);
	p = compute(o);
	cr_assert_eq(p.total.revenue, money("3327.2501"));
	kam_portfolio_free(&p);
}

Test(portfolio, invalid)
{
	kam_txn *txn;
	kam_portfolio p;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	kam_portfolio_opts o = opts(KAM_PORTFOLIO_TOTAL, 0);
	cr_assert_eq(kam_portfolio_compute(txn, &o, &p), KAM_EINVAL);
	o = opts(KAM_PORTFOLIO_TOTAL, 10);
	o.window_days = 0;
	cr_assert_eq(kam_portfolio_compute(txn, &o, &p), KAM_EINVAL);
	cr_assert(strstr(p.error, "window_days"));
	kam_txn_abort(txn);
	kam_portfolio_by by;
	cr_assert_eq(kam_portfolio_by_parse("rep", &by), 0);
	cr_assert_eq(by, KAM_PORTFOLIO_REP);
	cr_assert_eq(kam_portfolio_by_parse("owner", &by), KAM_EINVAL);
}

static int fill_many(kam_txn *t, void *arg);

Test(portfolio, top_n_larger_than_the_heap_start)
{
	/* 40 accounts of one rep with revenues 1..40: the top 25 are 16..40 */
	cr_assert_eq(kam_store_write(store, fill_many, NULL), 0);
	kam_portfolio p = compute(opts(KAM_PORTFOLIO_REP, 25));
	const kam_portfolio_group *g = NULL;
	for (size_t i = 0; i < p.ngroups; i++)
		if (strcmp(p.groups[i].key, "many") == 0)
			g = &p.groups[i];
	cr_assert_not_null(g);
	cr_assert_eq(g->accounts, 40);
	cr_assert_eq(g->revenue, 820 * 10000LL);
	cr_assert_eq(g->top1, 40 * 10000LL);
	cr_assert_eq(g->top5, (36 + 37 + 38 + 39 + 40) * 10000LL);
	cr_assert_eq(g->topn, (820 - 120) * 10000LL); /* 1..15 sum to 120 */
	double sumsq = 0;
	for (int i = 1; i <= 40; i++)
		sumsq += (double)i * i;
	assert_close(g->hhi, 10000 * sumsq / (820.0 * 820.0), "hhi of 1..40");
	cr_assert_eq(p.tiers_missing, 40); /* added after the segmentation */
	cr_assert_eq(g->tier_accounts[KAM_TIER_NONE], 40);
	kam_portfolio_free(&p);
}

static int fill_many(kam_txn *t, void *arg)
{
	(void)arg;
	/* ids in an order that is not the revenue order */
	for (int i = 1; i <= 40; i++) {
		char id[16], oid[16], amount[16];
		int k = (i * 17) % 41; /* a permutation of 1..40 */
		snprintf(id, sizeof(id), "M%02d", i);
		snprintf(oid, sizeof(oid), "mo%02d", i);
		snprintf(amount, sizeof(amount), "%d", k);
		PUT(t, KAM_ACCOUNT, "id", id, "name", "Many", "region", "north", "owner", "many");
		PUT(t, KAM_ORDER, "id", oid, "account_id", id, "date", "2026-05-01", "amount", amount);
	}
	return 0;
}

/* ---- receivables ---- */

Test(portfolio, receivables)
{
	kam_txn *txn;
	kam_receivables_set s;
	kam_portfolio_opts o = opts(KAM_PORTFOLIO_TOTAL, 10);
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_receivables(txn, &o, &s), 0, "%s", s.error);
	/* A3: 2000 - 0 + 250.25 - 300; A1: 1000 - 400 + 500 (o3 is after as_of); A5: 0.0001;
	   A2 paid all; A4 has no orders */
	cr_assert_eq(s.count, 3);
	cr_assert_str_eq(s.rows[0].account_id, "A3");
	cr_assert_eq(s.rows[0].amount, money("1950.25"));
	cr_assert_eq(s.rows[0].open_orders, 1);
	cr_assert_eq(s.rows[0].oldest_open, kam_days_from_civil(2026, 6, 30));
	cr_assert_eq(s.rows[0].tier, 'A');
	cr_assert_str_eq(s.rows[0].owner, "r2");
	cr_assert_str_eq(s.rows[1].account_id, "A1");
	cr_assert_eq(s.rows[1].amount, money("1100"));
	cr_assert_eq(s.rows[1].open_orders, 2);
	cr_assert_eq(s.rows[1].oldest_open, kam_days_from_civil(2025, 6, 30));
	cr_assert_str_eq(s.rows[2].account_id, "A5");
	cr_assert_eq(s.rows[2].amount, 1);
	cr_assert_str_eq(s.rows[2].region, "");
	cr_assert_eq(s.total.accounts, 3);
	cr_assert_eq(s.total.amount, money("3050.2501"));
	cr_assert_eq(s.total.open_orders, 4);
	cr_assert_eq(s.ngroups, 0);
	kam_receivables_free(&s);

	o.by = KAM_PORTFOLIO_REP;
	cr_assert_eq(kam_receivables(txn, &o, &s), 0, "%s", s.error);
	cr_assert_eq(s.ngroups, 2);
	cr_assert_str_eq(s.groups[0].key, "r2");
	cr_assert_eq(s.groups[0].accounts, 2);
	cr_assert_eq(s.groups[0].amount, money("1950.2501"));
	cr_assert_eq(s.groups[0].oldest_open, kam_days_from_civil(2026, 2, 2));
	cr_assert_str_eq(s.groups[1].key, "r1");
	cr_assert_eq(s.groups[1].amount, money("1100"));
	kam_receivables_free(&s);

	/* as of 2026-07-01, o3 (77, unpaid) counts too */
	o.by = KAM_PORTFOLIO_TOTAL;
	o.as_of = kam_days_from_civil(2026, 7, 1);
	cr_assert_eq(kam_receivables(txn, &o, &s), 0);
	cr_assert_str_eq(s.rows[1].account_id, "A1");
	cr_assert_eq(s.rows[1].amount, money("1177"));
	kam_receivables_free(&s);
	kam_txn_abort(txn);
}
