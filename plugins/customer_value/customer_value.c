/*
 * customer_value.c - the "customer-value" value model (module file customer_value.so).
 *
 * The measures the case of DOMAIN.md section 6 ends on: the profit a client brings (in the
 * window and over its whole history), its share of wallet, the tenure of the relationship and how
 * often it orders; and, to look forward, a BG/NBD model (bgnbd.h) fitted over all accounts of the
 * run, which gives each account the probability that it is still an active customer and the
 * transactions to expect over the horizon. The value score is the profit to expect over the
 * horizon: expected transactions times the account's average profit per transaction.
 *
 * The plugin reads each account's orders once (one orders() call per account, in index order),
 * compresses them into the model's (x, t_x, T) triple, fits once, and then evaluates the model
 * once per distinct triple. Without a fit (parameters given, or no model) it scores each account
 * right after reading it, in one pass.
 */
#include <kam/plugin.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgnbd.h"

#define MONEY_UNIT 10000.0 /* ten-thousandths per currency unit */

static const kam_param_def params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for (default: the run's day)" },
	{ "window_days", KAM_PARAM_INTEGER, "365",
	  "window of the window measures: as_of - window_days < date <= as_of" },
	{ "horizon_weeks", KAM_PARAM_NUMBER, "52",
	  "weeks ahead for expected transactions and the value score" },
	{ "time_unit_days", KAM_PARAM_INTEGER, "7",
	  "BG/NBD clock: purchase times rounded to this many days (1 = exact days)" },
	{ "fit", KAM_PARAM_BOOL, "true",
	  "fit BG/NBD to the run's accounts (unless bgnbd_r/alpha/a/b are all given)" },
	{ "bgnbd_r", KAM_PARAM_NUMBER, NULL, "fixed BG/NBD r (all four given: no fit)" },
	{ "bgnbd_alpha", KAM_PARAM_NUMBER, NULL, "fixed BG/NBD alpha, per week" },
	{ "bgnbd_a", KAM_PARAM_NUMBER, NULL, "fixed BG/NBD a" },
	{ "bgnbd_b", KAM_PARAM_NUMBER, NULL, "fixed BG/NBD b" },
	{ "min_fit_customers", KAM_PARAM_INTEGER, "10",
	  "fewer customers with orders than this: no fit, no BG/NBD measures" },
	{ "at_risk", KAM_PARAM_NUMBER, "0.5",
	  "recommend \"at risk\" when P(alive) is below this" },
};

struct settings {
	int32_t as_of;
	int64_t window_days, unit_days, min_fit;
	double unit; /* weeks per BG/NBD time unit */
	double horizon, at_risk;
	int fit;
	int fixed; /* bgnbd_* given: use them */
	bgnbd_params p;
};

/*
 * What the scan of an account keeps for its scoring. All of an account's metrics are added
 * together when it is scored: the host then receives them grouped by account and need not
 * regroup some 13 million of them (a copy of 300 MB over a million accounts).
 */
struct acct {
	int64_t profit_all, profit_win, revenue_win; /* money */
	uint64_t orders_win, days;                   /* orders in the window; distinct days */
	int32_t first;                               /* day of the first order */
	int in_model;      /* has a BG/NBD triple: orders, and not centuries of them */
	uint32_t x, t, T;  /* the triple (units) */
	double share;      /* revenue_win / wallet, or NAN without a wallet */
};

static int get_integer(const kam_host *h, kam_run *run, const char *name, int64_t lo, int64_t hi,
		       int64_t *out)
{
	int rc = h->param_integer(run, name, out);

	if (rc)
		return rc;
	if (*out < lo || *out > hi) {
		h->log(run, KAM_LOG_ERROR, "%s must be between %lld and %lld, not %lld", name,
		       (long long)lo, (long long)hi, (long long)*out);
		return KAM_EINVAL;
	}
	return 0;
}

static int read_settings(const kam_host *h, kam_run *run, struct settings *s)
{
	double *fixed[4] = { &s->p.r, &s->p.alpha, &s->p.a, &s->p.b };
	static const char *const fixed_names[4] = { "bgnbd_r", "bgnbd_alpha", "bgnbd_a",
						    "bgnbd_b" };
	int64_t fit;
	int rc, given = 0;

	s->as_of = h->as_of(run);
	if ((rc = get_integer(h, run, "window_days", 1, 36500, &s->window_days)) ||
	    (rc = get_integer(h, run, "time_unit_days", 1, 366, &s->unit_days)) ||
	    (rc = get_integer(h, run, "min_fit_customers", 1, INT32_MAX, &s->min_fit)) ||
	    (rc = h->param_integer(run, "fit", &fit)) ||
	    (rc = h->param_number(run, "horizon_weeks", &s->horizon)) ||
	    (rc = h->param_number(run, "at_risk", &s->at_risk)))
		return rc;
	s->fit = fit != 0;
	s->unit = (double)s->unit_days / 7.0;
	if (!(s->horizon >= 0 && s->horizon <= 52 * 100)) {
		h->log(run, KAM_LOG_ERROR, "horizon_weeks must be between 0 and 5200");
		return KAM_EINVAL;
	}
	if (!(s->at_risk >= 0 && s->at_risk <= 1)) {
		h->log(run, KAM_LOG_ERROR, "at_risk must be between 0 and 1");
		return KAM_EINVAL;
	}
	for (int k = 0; k < 4; k++) {
		rc = h->param_number(run, fixed_names[k], fixed[k]);
		if (rc == KAM_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		if (!(isfinite(*fixed[k]) && *fixed[k] > 0)) {
			h->log(run, KAM_LOG_ERROR, "%s must be a number > 0", fixed_names[k]);
			return KAM_EINVAL;
		}
		given++;
	}
	if (given && given < 4) {
		h->log(run, KAM_LOG_ERROR,
		       "give all four of bgnbd_r, bgnbd_alpha, bgnbd_a, bgnbd_b, or none");
		return KAM_EINVAL;
	}
	s->fixed = given == 4;
	return 0;
}

/* Rounds a count of days to the model's time unit (half a unit up). */
static uint32_t to_units(int64_t days, int64_t unit)
{
	int64_t u = (days + unit / 2) / unit;

	return u > BGNBD_MAX_T ? BGNBD_MAX_T + 1u : (uint32_t)u;
}

static int add_metric(const kam_host *h, kam_run *run, size_t i, const char *name, double v)
{
	return h->add_metric(run, i, name, v);
}

/*
 * Reads an account's orders up to as_of once and keeps the history figures for its scoring;
 * adds its BG/NBD triple to the data set of a fit (data, or NULL without a fit).
 */
static int account_scan(const kam_host *h, kam_run *run, const struct settings *s, size_t i,
			bgnbd_data *data, struct acct *out)
{
	const kam_account_view *v = h->account(run, i);
	const kam_order_view *o;
	size_t n;
	int64_t from = (int64_t)s->as_of - s->window_days; /* exclusive */
	int64_t profit_all = 0, profit_win = 0, revenue_win = 0;
	uint64_t orders_win = 0, days = 0;
	int32_t first = KAM_NO_DAY, last = KAM_NO_DAY;
	int rc;

	out->in_model = 0;
	if (!v)
		return KAM_EPLUGIN;
	if ((rc = h->orders(run, i, INT32_MIN + 1, s->as_of, &o, &n)))
		return rc;
	for (size_t k = 0; k < n; k++) {
		profit_all += o[k].profit;
		if (o[k].day > from) {
			profit_win += o[k].profit;
			revenue_win += o[k].amount;
			orders_win++;
		}
		/* Orders come in date order: a new day is a new transaction. */
		if (first == KAM_NO_DAY)
			first = o[k].day;
		if (days == 0 || o[k].day != last)
			days++;
		last = o[k].day;
	}
	out->profit_all = profit_all;
	out->profit_win = profit_win;
	out->revenue_win = revenue_win;
	out->orders_win = orders_win;
	out->days = days;
	out->first = first;
	out->share = (v->present & KAM_VIEW_WALLET) && v->wallet > 0
			     ? (double)revenue_win / v->wallet : NAN;
	if (!days)
		return 0;
	out->x = days - 1 > BGNBD_MAX_X ? BGNBD_MAX_X : (uint32_t)(days - 1);
	out->T = to_units((int64_t)s->as_of - first, s->unit_days);
	out->t = out->x ? to_units((int64_t)last - first, s->unit_days) : 0;
	if (out->T > BGNBD_MAX_T) {
		/* Centuries of history: leave the account out of the model rather than fail. */
		h->log(run, KAM_LOG_WARNING, "account %zu: history too long for BG/NBD, left out", i);
		return 0;
	}
	out->in_model = 1;
	return data ? bgnbd_data_add(data, out->x, out->t, out->T, NULL) : 0;
}

/* The history measures of an account, from what pass one kept. */
static int history_metrics(const kam_host *h, kam_run *run, const struct settings *s, size_t i,
			   const struct acct *a)
{
	int rc;

	if ((rc = add_metric(h, run, i, "profit_window", a->profit_win / MONEY_UNIT)) ||
	    (rc = add_metric(h, run, i, "profit_lifetime", a->profit_all / MONEY_UNIT)) ||
	    (rc = add_metric(h, run, i, "revenue_window", a->revenue_win / MONEY_UNIT)) ||
	    (rc = add_metric(h, run, i, "order_frequency",
			     a->orders_win * 365.0 / (double)s->window_days)) ||
	    (rc = add_metric(h, run, i, "tenure_years",
			     a->days ? (s->as_of - (int64_t)a->first) / 365.25 : 0)))
		return rc;
	if (!isnan(a->share))
		return add_metric(h, run, i, "share_of_wallet", a->share);
	return 0;
}

/* An account's metrics and value: memo holds the model's measures, NULL for no model. */
static int account_score(const kam_host *h, kam_run *run, const struct settings *s,
			 bgnbd_memo *memo, size_t i, const struct acct *a)
{
	double profit_tx, pa, ex, value;
	char rec[64];
	int rc;

	if ((rc = history_metrics(h, run, s, i, a)))
		return rc;
	if (!memo) {
		/* No model: the value is the window's profit at a yearly rate. */
		value = a->profit_win / MONEY_UNIT * 365.0 / (double)s->window_days;
		return h->set_value(run, i, value, NULL);
	}
	if (!a->in_model)
		return h->set_value(run, i, 0, NULL);
	if ((rc = bgnbd_memo_get(memo, a->x, a->t, a->T, &pa, &ex)))
		return rc;
	profit_tx = a->profit_all / MONEY_UNIT / (double)a->days;
	value = ex * profit_tx;
	if ((rc = add_metric(h, run, i, "repeat_transactions", a->x)) ||
	    (rc = add_metric(h, run, i, "t_x_weeks", a->t * s->unit)) ||
	    (rc = add_metric(h, run, i, "T_weeks", a->T * s->unit)) ||
	    (rc = add_metric(h, run, i, "p_alive", pa)) ||
	    (rc = add_metric(h, run, i, "profit_per_transaction", profit_tx)))
		return rc;
	/* The series can fail to converge only for extreme histories: report no expectation. */
	if (!isfinite(ex)) {
		h->log(run, KAM_LOG_WARNING, "account %zu: expected transactions not computable", i);
		value = 0;
	} else if ((rc = add_metric(h, run, i, "expected_transactions", ex)) ||
		   (rc = add_metric(h, run, i, "expected_profit", value))) {
		return rc;
	}
	if (pa < s->at_risk) {
		snprintf(rec, sizeof(rec), "at risk: P(alive) %.2f", pa);
		return h->set_value(run, i, value, rec);
	}
	return h->set_value(run, i, value, NULL);
}

/* Decides the model's parameters: the fixed ones, a fit, or none (returns 1 for none). */
static int model_choose(const kam_host *h, kam_run *run, const struct settings *s,
			bgnbd_data *data, bgnbd_params *p)
{
	bgnbd_fit_info info;
	int rc;

	if (s->fixed) {
		*p = s->p;
		return 0;
	}
	if (!s->fit)
		return 1;
	if (bgnbd_data_customers(data) < (uint64_t)s->min_fit) {
		h->log(run, KAM_LOG_WARNING,
		       "BG/NBD not fitted: %llu customers with orders, fewer than %lld",
		       (unsigned long long)bgnbd_data_customers(data), (long long)s->min_fit);
		return 1;
	}
	if ((rc = bgnbd_fit(data, p, &info)))
		return rc;
	h->log(run, KAM_LOG_INFO,
	       "BG/NBD fit over %llu customers (%zu distinct triples, unit %lld days): r=%.6g "
	       "alpha=%.6g a=%.6g b=%.6g, log-likelihood %.10g, %u evaluations, %u restarts",
	       (unsigned long long)bgnbd_data_customers(data), bgnbd_data_triples(data),
	       (long long)s->unit_days, p->r, p->alpha, p->a, p->b, info.loglik, info.evals,
	       info.restarts);
	if (info.at_bound)
		h->log(run, KAM_LOG_WARNING,
		       "BG/NBD fit ended at the edge of its search box: the data do not pin the "
		       "parameters down (too few repeat purchases?)");
	return 0;
}

/*
 * The memo is looked up at random and stalls on memory (a hundred thousand triples): its slot
 * for an account is asked for an account ahead of the lookup.
 */
static void memo_hint(const bgnbd_memo *memo, const struct acct *a)
{
	if (memo && a->in_model)
		bgnbd_memo_prefetch(memo, a->x, a->t, a->T);
}

/*
 * With the parameters given (or no model wanted) an account is scored right after the scan of
 * the next one, in one pass; a fit needs every account's triple first, so the scans are kept
 * for a second pass.
 */
static int cv_run(void *state, const kam_host *h, kam_run *run)
{
	struct settings s;
	struct acct *acc = NULL, two[2];
	bgnbd_data *data = NULL;
	bgnbd_memo *memo = NULL;
	bgnbd_params p;
	size_t n;
	int rc = 0, none;

	(void)state;
	if (!KAM_HOST_HAS(h, set_value) || !KAM_HOST_HAS(h, add_metric)) {
		h->log(run, KAM_LOG_ERROR, "the host has no value sink (set_value, add_metric)");
		return KAM_EPLUGIN;
	}
	if ((rc = read_settings(h, run, &s)))
		return rc;
	n = h->account_count(run);
	if (s.fixed || !s.fit) {
		none = model_choose(h, run, &s, NULL, &p);
		if (!none && (rc = bgnbd_memo_new(&memo, &p, s.unit, s.horizon)))
			return rc;
		for (size_t i = 0; !rc && i <= n; i++) {
			if (i < n && !(rc = account_scan(h, run, &s, i, NULL, &two[i % 2])))
				memo_hint(memo, &two[i % 2]);
			if (!rc && i > 0)
				rc = account_score(h, run, &s, memo, i - 1, &two[(i - 1) % 2]);
		}
		goto out;
	}
	if ((rc = bgnbd_data_new(&data, s.unit)))
		return rc;
	if (!(acc = malloc((n ? n : 1) * sizeof(*acc)))) {
		rc = KAM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; !rc && i < n; i++)
		rc = account_scan(h, run, &s, i, data, &acc[i]);
	none = rc ? 0 : model_choose(h, run, &s, data, &p);
	if (none < 0)
		rc = none;
	if (!rc && !none)
		rc = bgnbd_memo_new(&memo, &p, s.unit, s.horizon);
	for (size_t i = 0; !rc && i < n; i++) {
		if (i + 1 < n)
			memo_hint(memo, &acc[i + 1]);
		rc = account_score(h, run, &s, memo, i, &acc[i]);
	}
out:
	bgnbd_memo_free(memo);
	bgnbd_data_free(data);
	free(acc);
	return rc;
}

static const kam_plugin customer_value_plugin = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "customer-value",
	.kind = KAM_PLUGIN_VALUE,
	.version = "1.0.0",
	.description = "profit, share of wallet, tenure, frequency; BG/NBD P(alive) and "
		       "expected profit over the horizon",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = cv_run,
	.omit = KAM_OMIT_ROLLUP,
};

KAM_PLUGIN_EXPORT(customer_value_plugin)
