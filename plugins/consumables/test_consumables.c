/*
 * test_consumables.c - the consumables channel model: the case's category ranking with the
 * default weights, cooperation modes, the account adjustment on hand-computed examples, and the
 * override parameters.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

static const char *const slugs[10] = {
	"hypermarket",	     "electronics-chain",	"op-direct-online",
	"op-superstore",     "op-regional-chain",	"stationery-maker",
	"finance-equipment-maker", "oem-equipment-agent", "imaging-processor",
	"office-equipment-paper-maker",
};

static kam_run *run_new(void)
{
	kam_run *run = fake_run_new(KAM_PLUGIN_ENTRY());

	fake_set_as_of(run, fake_date("2024-12-31"));
	return run;
}

/* One account per channel 1..10, with no data of its own, ids c01..c10. */
static void ten_channels(kam_run *run)
{
	for (int c = 1; c <= 10; c++) {
		char id[8];

		snprintf(id, sizeof(id), "c%02d", c);
		fake_view(run, fake_account(run, id, NULL))->channel = c;
	}
}

static void money(kam_run *run, size_t i, unsigned bit, int64_t units)
{
	kam_account_view *v = fake_view(run, i);

	v->present |= bit;
	if (bit == KAM_VIEW_ANNUAL_REVENUE)
		v->annual_revenue = units * 10000;
	else if (bit == KAM_VIEW_WALLET)
		v->wallet = units * 10000;
}

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

Test(consumables, descriptor)
{
	const kam_plugin *p = KAM_PLUGIN_ENTRY();
	static const char *const w[] = { "w_sales_capability", "w_network_reach", "w_openness",
					 "w_margin_potential", "w_service_cost" };
	static const char *const dflt[] = { "0.30", "0.20", "0.25", "0.15", "0.10" };

	cr_assert_eq(p->abi_major, KAM_ABI_MAJOR);
	cr_assert_eq(p->size, sizeof(kam_plugin));
	cr_assert_str_eq(p->name, "consumables");
	cr_assert_eq(p->kind, KAM_PLUGIN_VALUE);
	cr_assert_not_null(p->run);
	for (size_t k = 0; k < 5; k++) {
		size_t j;

		for (j = 0; j < p->nparams; j++)
			if (!strcmp(p->params[j].name, w[k]))
				break;
		cr_assert_lt(j, p->nparams, "no parameter %s", w[k]);
		cr_expect_str_eq(p->params[j].default_value, dflt[k]);
		cr_expect_eq(p->params[j].type, KAM_PARAM_NUMBER);
	}
}

/*
 * The case's ranking (DOMAIN.md section 6): stationery makers highest; original-equipment
 * agents, financial-equipment makers and office-products direct sellers next; hypermarkets and
 * imaging processors at the bottom. Without account data a value is 100 x the category score.
 */
Test(consumables, default_ranking_reproduces_the_case)
{
	kam_run *run = run_new();
	/* Hand-computed: sum of w_k u_k with u = (s - 1) / 4, service cost (5 - s) / 4, times 100. */
	static const double expect[10] = { 17.5, 41.25, 88.75, 50, 56.25,
					   97.5, 76.25, 80,    18.75, 55 };
	int order[10];

	ten_channels(run);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	for (int c = 0; c < 10; c++) {
		cr_expect(NEAR(fake_value(run, c), expect[c], 1e-9), "%s: %.17g, expected %g",
			  slugs[c], fake_value(run, c), expect[c]);
		cr_expect(NEAR(fake_metric(run, c, "category_score"), expect[c], 1e-9));
		cr_expect_eq(fake_metric(run, c, "account_adjustment"), 0.5);
		order[c] = c;
	}
	/* Rank by value, highest first. */
	for (int i = 0; i < 10; i++)
		for (int j = i + 1; j < 10; j++)
			if (fake_value(run, order[j]) > fake_value(run, order[i])) {
				int t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
	cr_expect_str_eq(slugs[order[0]], "stationery-maker");
	for (int i = 1; i <= 3; i++)
		cr_expect(!strcmp(slugs[order[i]], "oem-equipment-agent") ||
				  !strcmp(slugs[order[i]], "finance-equipment-maker") ||
				  !strcmp(slugs[order[i]], "op-direct-online"),
			  "rank %d: %s", i + 1, slugs[order[i]]);
	for (int i = 8; i <= 9; i++)
		cr_expect(!strcmp(slugs[order[i]], "hypermarket") ||
				  !strcmp(slugs[order[i]], "imaging-processor"),
			  "rank %d: %s", i + 1, slugs[order[i]]);
	/* The middle follows the case's medium-high, medium, low-medium. */
	cr_expect_str_eq(slugs[order[4]], "op-regional-chain");
	cr_expect_str_eq(slugs[order[7]], "electronics-chain");
	cr_expect_eq(fake_orders_calls(run), 10);
	cr_expect_eq(fake_orders_backwards(run), 0);
	cr_expect_eq(fake_misuse(run), 0);
	fake_run_free(run);
}

Test(consumables, default_modes)
{
	kam_run *run = run_new();
	static const char *const mode[10] = { "none", "consignment", "oem",	    "consignment",
					      "consignment", "oem",	   "oem",	    "oem",
					      "ink-supply",  "agency" };

	ten_channels(run);
	cr_assert_eq(fake_run(run), 0);
	for (int c = 0; c < 10; c++) {
		const char *note = NULL;
		double v = 0;

		cr_expect_str_eq(fake_recommendation(run, c), mode[c], "%s", slugs[c]);
		cr_assert_eq(fake_factor(run, c, "mode", NULL, &note), 0);
		if (c == 5)
			cr_expect_str_eq(note, "oem: the stationery-maker mode");
		if (c == 3)
			cr_expect_str_eq(note, "consignment: no size or revenue known");
		cr_assert_eq(fake_factor(run, c, "channel", &v, &note), 0);
		cr_expect_eq(v, c + 1);
		cr_expect_str_eq(note, slugs[c]);
	}
	fake_run_free(run);
}

/* The criteria factors add up to the category score and say the score behind them. */
Test(consumables, criteria_factors)
{
	kam_run *run = run_new();
	const char *note = NULL;
	double v = 0;

	ten_channels(run);
	cr_assert_eq(fake_run(run), 0);
	/* stationery-maker: 5, 5, 5, 5 and service cost 2: 30 + 20 + 25 + 15 + 10 * 3/4. */
	cr_expect(NEAR(fake_factor_value(run, 5, "sales_capability"), 30, 1e-12));
	cr_expect(NEAR(fake_factor_value(run, 5, "network_reach"), 20, 1e-12));
	cr_expect(NEAR(fake_factor_value(run, 5, "openness"), 25, 1e-12));
	cr_expect(NEAR(fake_factor_value(run, 5, "margin_potential"), 15, 1e-12));
	cr_expect(NEAR(fake_factor_value(run, 5, "service_cost"), 7.5, 1e-12));
	cr_assert_eq(fake_factor(run, 5, "service_cost", &v, &note), 0);
	cr_expect_str_eq(note, "2 of 5");
	/* hypermarket: openness 1 contributes nothing. */
	cr_expect_eq(fake_factor_value(run, 0, "openness"), 0);
	fake_run_free(run);
}

/*
 * A regional chain like the case's W: 30 stores, 300 million a year, a wallet of 1 million,
 * 150,000 ordered in the last 12 months and 100,000 in the 12 before.
 *   size    = ln 31 / ln 151                 = 0.684432066...
 *   revenue = ln(1 + 300) / ln(1 + 1000)     = 0.826069305...
 *   share   = 150,000 / 1,000,000            = 0.15
 *   growth  = 150,000 / 100,000 - 1 = 0.5, scored (0.5 + 1) / 2 = 0.75
 *   adj     = mean of the four               = 0.602625342...
 *   value   = 56.25 (1 + 0.5 (2 adj - 1))    = 62.022675541...
 *   scale   = mean of size and revenue = 0.755 >= 0.6: oem
 */
Test(consumables, account_adjustment_hand_computed)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "w", "east");

	fake_view(run, i)->channel = 5;
	fake_account_attr(run, i, "stores", "30");
	money(run, i, KAM_VIEW_ANNUAL_REVENUE, 300000000);
	money(run, i, KAM_VIEW_WALLET, 1000000);
	/* Last 12 months: 2024-01-01 .. 2024-12-31 (age 0..365 excluded at 365). */
	fake_order(run, i, "o1", "2024-12-31", "100000", NULL);
	fake_order(run, i, "o2", "2024-01-02", "50000", NULL);   /* age 364 */
	fake_order(run, i, "o3", "2024-01-01", "60000", NULL);   /* age 365: previous year */
	fake_order(run, i, "o4", "2023-01-02", "40000", NULL);   /* age 729: previous year */
	fake_order(run, i, "o5", "2023-01-01", "999999", NULL);  /* age 730: outside both */
	fake_order(run, i, "o6", "2025-01-01", "999999", NULL);  /* after as_of */
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	cr_expect(NEAR(fake_metric(run, i, "size_score"), 0.6844320660147022, 1e-12));
	cr_expect(NEAR(fake_metric(run, i, "revenue_score"), 0.8260693058372743, 1e-12));
	cr_expect(NEAR(fake_metric(run, i, "share_of_wallet"), 0.15, 1e-12));
	cr_expect(NEAR(fake_metric(run, i, "share_of_wallet_score"), 0.15, 1e-12));
	cr_expect(NEAR(fake_metric(run, i, "growth"), 0.5, 1e-12));
	cr_expect(NEAR(fake_metric(run, i, "growth_score"), 0.75, 1e-12));
	cr_expect_eq(fake_metric(run, i, "revenue_12m"), 150000);
	cr_expect_eq(fake_metric(run, i, "revenue_prev_12m"), 100000);
	cr_expect_eq(fake_metric(run, i, "revenue_window"), 150000);
	cr_expect(NEAR(fake_metric(run, i, "account_adjustment"), 0.6026253429629941, 1e-12));
	cr_expect(NEAR(fake_value(run, i), 62.02267554166842, 1e-9), "%.17g", fake_value(run, i));
	cr_expect_str_eq(fake_recommendation(run, i), "oem");
	{
		const char *note = NULL;
		double m = 0;

		cr_assert_eq(fake_factor(run, i, "mode", &m, &note), 0);
		cr_expect_eq(m, 2);
		cr_expect_str_eq(note, "oem: scale 0.76 >= 0.60");
	}
	cr_expect_eq(fake_orders_calls(run), 1);
	fake_run_free(run);
}

/* Employees stand in for stores; a superstore that size carries its own brand. */
Test(consumables, employees_when_no_stores)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "s", NULL), j = fake_account(run, "t", NULL);

	fake_view(run, i)->channel = 4;
	fake_view(run, i)->present |= KAM_VIEW_EMPLOYEES;
	fake_view(run, i)->employees = 200;
	fake_view(run, j)->channel = 4;
	fake_view(run, j)->present |= KAM_VIEW_EMPLOYEES;
	fake_view(run, j)->employees = 200;
	fake_account_attr(run, j, "stores", "many"); /* not a number: employees, and a warning */
	cr_assert_eq(fake_run(run), 0);
	for (size_t k = 0; k < 2; k++) {
		/* ln 201 / ln 1001 = 0.76762...; 50 (1 + 0.5 (2 x 0.76762 - 1)) = 63.381... */
		cr_expect(NEAR(fake_metric(run, k, "size_score"), 0.7676209501511251, 1e-12));
		cr_expect(NEAR(fake_value(run, k), 63.381047507556254, 1e-9));
		cr_expect_str_eq(fake_recommendation(run, k), "oem");
		cr_expect(isnan(fake_metric(run, k, "revenue_score")));
		cr_expect(isnan(fake_metric(run, k, "growth_score")));
	}
	cr_expect(strstr(fake_last_log(run), "stores") != NULL, "%s", fake_last_log(run));
	fake_run_free(run);
}

/* A small regional chain starts with consignment; a small imaging processor is not worth it. */
Test(consumables, small_accounts)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a", NULL), j = fake_account(run, "b", NULL);

	fake_view(run, i)->channel = 5;
	fake_account_attr(run, i, "stores", "2");
	fake_view(run, j)->channel = 9;
	fake_account_attr(run, j, "stores", "0");
	fake_order(run, j, "o1", "2023-06-01", "100", NULL); /* ordered before, not since */
	cr_assert_eq(fake_run(run), 0);
	/* ln 3 / ln 151 = 0.21926 < 0.6: consignment. */
	cr_expect_str_eq(fake_recommendation(run, i), "consignment");
	/* size 0, growth -100% scored 0: adj 0, value 18.75 x 0.5 = 9.375 < 15: none. */
	cr_expect(NEAR(fake_value(run, j), 9.375, 1e-12), "%.17g", fake_value(run, j));
	cr_expect_eq(fake_metric(run, j, "growth"), -1);
	cr_expect_str_eq(fake_recommendation(run, j), "none");
	fake_run_free(run);
}

/* New business scores as full growth; no orders at all leaves growth out of the mean. */
Test(consumables, growth_edges)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a", NULL), j = fake_account(run, "b", NULL);

	fake_view(run, i)->channel = 6;
	fake_order(run, i, "o1", "2024-06-01", "100", NULL);
	fake_view(run, j)->channel = 6;
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_metric(run, i, "growth_score"), 1);
	cr_expect(isnan(fake_metric(run, i, "growth")));
	/* adj 1: 97.5 x 1.5 */
	cr_expect(NEAR(fake_value(run, i), 146.25, 1e-9));
	cr_expect(isnan(fake_metric(run, j, "growth_score")));
	cr_expect(NEAR(fake_value(run, j), 97.5, 1e-9));
	fake_run_free(run);
}

Test(consumables, no_channel)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "a", NULL);
	const char *note = NULL;

	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_value(run, i), 0);
	cr_expect_str_eq(fake_recommendation(run, i), "none");
	cr_assert_eq(fake_factor(run, i, "channel", NULL, &note), 0);
	cr_expect_str_eq(note, "unknown");
	fake_run_free(run);
}

/* Only openness counts: the case's wariness of compatibles alone. */
Test(consumables, weights_are_parameters)
{
	kam_run *run = run_new();

	ten_channels(run);
	cr_assert_eq(fake_param(run, "w_sales_capability", "0"), 0);
	cr_assert_eq(fake_param(run, "w_network_reach", "0"), 0);
	cr_assert_eq(fake_param(run, "w_margin_potential", "0"), 0);
	cr_assert_eq(fake_param(run, "w_service_cost", "0"), 0);
	cr_assert_eq(fake_param(run, "w_openness", "2"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_value(run, 0), 0);   /* openness 1 */
	cr_expect_eq(fake_value(run, 1), 50);  /* openness 3 */
	cr_expect_eq(fake_value(run, 7), 100); /* openness 5 */
	fake_run_free(run);
}

Test(consumables, category_overrides)
{
	kam_run *run = run_new();

	ten_channels(run);
	cr_assert_eq(fake_param(run, "category_scores",
				" hypermarket : openness=5 , sales_capability=5; imaging-processor:"
				"margin_potential=4.5;"),
		     0);
	cr_assert_eq(fake_param(run, "category_modes", "hypermarket:consignment;op-superstore:oem"),
		     0);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	/* hypermarket: 5, 3, 5, 1, 5 -> 30 + 10 + 25 + 0 + 0 = 65. */
	cr_expect(NEAR(fake_value(run, 0), 65, 1e-9), "%.17g", fake_value(run, 0));
	cr_expect_str_eq(fake_recommendation(run, 0), "consignment");
	/* imaging: margin 2 -> 4.5 adds 15 x 2.5 / 4 = 9.375. */
	cr_expect(NEAR(fake_value(run, 8), 28.125, 1e-9));
	cr_expect_str_eq(fake_recommendation(run, 3), "oem");
	fake_run_free(run);
}

Test(consumables, bad_parameters_fail_the_run)
{
	static const char *const bad[][2] = {
		{ "category_scores", "supermarket:openness=3" },
		{ "category_scores", "hypermarket:openness=6" },
		{ "category_scores", "hypermarket:opennes=3" },
		{ "category_scores", "hypermarket openness=3" },
		{ "category_scores", "hypermarket:openness=" },
		{ "category_scores", "hypermarket:openness=3,,network_reach=2" },
		{ "category_modes", "hypermarket:white-label" },
		{ "w_openness", "-1" },
		{ "account_weight", "1.5" },
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		kam_run *run = run_new();

		ten_channels(run);
		cr_assert_eq(fake_param(run, bad[k][0], bad[k][1]), 0);
		cr_expect_neq(fake_run(run), 0, "%s=%s accepted", bad[k][0], bad[k][1]);
		cr_expect(strstr(fake_last_log(run), bad[k][0]) != NULL, "%s=%s: log \"%s\"",
			  bad[k][0], bad[k][1], fake_last_log(run));
		cr_expect_eq(fake_has_value(run, 0), 0);
		fake_run_free(run);
	}
	{
		kam_run *run = run_new();
		static const char *const w[] = { "w_sales_capability", "w_network_reach",
						 "w_openness", "w_margin_potential",
						 "w_service_cost" };

		ten_channels(run);
		for (size_t k = 0; k < 5; k++)
			fake_param(run, w[k], "0");
		cr_expect_eq(fake_run(run), KAM_EINVAL);
		fake_run_free(run);
	}
}

/* account_weight 0: the account's own data do not matter. */
Test(consumables, account_weight_zero)
{
	kam_run *run = run_new();
	size_t i = fake_account(run, "w", NULL);

	fake_view(run, i)->channel = 5;
	fake_account_attr(run, i, "stores", "150");
	cr_assert_eq(fake_param(run, "account_weight", "0"), 0);
	cr_assert_eq(fake_run(run), 0);
	cr_expect(NEAR(fake_value(run, i), 56.25, 1e-12));
	cr_expect_eq(fake_metric(run, i, "size_score"), 1);
	fake_run_free(run);
}
