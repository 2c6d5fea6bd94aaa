/*
 * consumables.c - the "consumables" value model: the channel analysis of the compatible-
 * consumables case (DOMAIN.md section 6, seed text part 3 "大客户价值分析").
 *
 * Manufacturer A ranked ten channel categories by how worth developing they were as key
 * accounts, and chose a cooperation mode for each. This model writes that analysis down:
 *
 * 1. Each category carries five criteria scored 1..5 (5 = most favourable, except service cost
 *    where 5 = most expensive to serve). The category's attractiveness C in [0, 1] is the
 *    weighted mean of the criteria mapped onto [0, 1]: (s - 1) / 4, and (5 - s) / 4 for service
 *    cost. Weights and scores are parameters; the defaults below reproduce the case's ranking.
 * 2. The account's own data adjust C: size (stores, else employees), annual revenue, share of
 *    wallet and growth of its orders, each scored 0..1, averaged with weights over those the
 *    account has (none: 0.5, neutral). value = 100 C (1 + k (2 adj - 1)), so k (account_weight)
 *    bounds how far an account can move from its category: by at most a factor 1 +- k.
 * 3. The recommendation is the category's cooperation mode; where the case allows consignment or
 *    OEM, an account large enough to carry its own brand gets oem, others consignment; an account
 *    whose value is below min_value gets none.
 */
#include <kam/plugin.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MONEY_UNIT 10000.0
/* The units of the saturating log scales (log_score): stores, employees, revenue in millions. */
#define STORES_UNIT 1.0
#define EMPLOYEES_UNIT 1.0
#define REVENUE_UNIT 1e6
#define NCAT 10
#define NCRIT 5
#define NCOMP 4

enum crit { SALES, NETWORK, OPENNESS, MARGIN, SERVICE_COST };

static const char *const crit_names[NCRIT] = {
	"sales_capability", "network_reach", "openness", "margin_potential", "service_cost",
};

enum mode { MODE_NONE, MODE_CONSIGNMENT, MODE_OEM, MODE_AGENCY, MODE_INK_SUPPLY,
	    MODE_CONSIGNMENT_OR_OEM };

static const char *const mode_names[] = {
	"none", "consignment", "oem", "agency", "ink-supply", "consignment-or-oem",
};
#define NMODES (sizeof(mode_names) / sizeof(mode_names[0]))

struct category {
	const char *slug;
	double score[NCRIT]; /* sales, network, openness, margin, service cost */
	enum mode mode;
};

/*
 * The defaults, from the case's findings (why each score: see plugins/README.md, which carries
 * the same table with the case's words). With the default weights the attractiveness comes out
 * stationery-maker 0.975 > op-direct-online 0.888 > oem-equipment-agent 0.800 >
 * finance-equipment-maker 0.763 > op-regional-chain 0.563 > office-equipment-paper-maker 0.550 >
 * op-superstore 0.500 > electronics-chain 0.413 > imaging-processor 0.188 > hypermarket 0.175.
 */
static const struct category default_categories[NCAT] = {
	{ "hypermarket", { 2, 3, 1, 1, 5 }, MODE_NONE },
	{ "electronics-chain", { 2, 4, 3, 2, 4 }, MODE_CONSIGNMENT },
	{ "op-direct-online", { 5, 4, 5, 4, 2 }, MODE_OEM },
	{ "op-superstore", { 3, 3, 3, 3, 3 }, MODE_CONSIGNMENT_OR_OEM },
	{ "op-regional-chain", { 4, 4, 2, 3, 3 }, MODE_CONSIGNMENT_OR_OEM },
	{ "stationery-maker", { 5, 5, 5, 5, 2 }, MODE_OEM },
	{ "finance-equipment-maker", { 4, 5, 4, 3, 2 }, MODE_OEM },
	{ "oem-equipment-agent", { 4, 3, 5, 5, 2 }, MODE_OEM },
	{ "imaging-processor", { 2, 2, 1, 2, 4 }, MODE_INK_SUPPLY },
	{ "office-equipment-paper-maker", { 3, 4, 3, 3, 3 }, MODE_AGENCY },
};

static const kam_param_def params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for (default: the run's day)" },
	{ "window_days", KAM_PARAM_INTEGER, "365",
	  "share-of-wallet window: as_of - window_days < date <= as_of" },
	{ "w_sales_capability", KAM_PARAM_NUMBER, "0.30", "weight of the category's sales power" },
	{ "w_network_reach", KAM_PARAM_NUMBER, "0.20", "weight of its network / terminal reach" },
	{ "w_openness", KAM_PARAM_NUMBER, "0.25", "weight of its openness to compatibles" },
	{ "w_margin_potential", KAM_PARAM_NUMBER, "0.15", "weight of its margin motive" },
	{ "w_service_cost", KAM_PARAM_NUMBER, "0.10", "weight of (low) cost to serve it" },
	{ "category_scores", KAM_PARAM_TEXT, "",
	  "overrides: slug:criterion=1..5[,criterion=1..5][;slug:...]" },
	{ "category_modes", KAM_PARAM_TEXT, "",
	  "overrides: slug:mode[;slug:mode] (none, consignment, oem, agency, ink-supply, "
	  "consignment-or-oem)" },
	{ "account_weight", KAM_PARAM_NUMBER, "0.5",
	  "0..1: how far the account's own data move it from its category" },
	{ "w_size", KAM_PARAM_NUMBER, "0.25", "weight of size (stores, else employees)" },
	{ "w_revenue", KAM_PARAM_NUMBER, "0.25", "weight of annual revenue" },
	{ "w_share_of_wallet", KAM_PARAM_NUMBER, "0.25", "weight of share of wallet" },
	{ "w_growth", KAM_PARAM_NUMBER, "0.25", "weight of order growth, last 12 months vs prior" },
	{ "stores_full", KAM_PARAM_NUMBER, "150", "stores that score 1 (log scale)" },
	{ "employees_full", KAM_PARAM_NUMBER, "1000", "employees that score 1 (log scale)" },
	{ "revenue_full", KAM_PARAM_NUMBER, "1000000000",
	  "annual revenue that scores 1 (log scale in millions)" },
	{ "oem_min_scale", KAM_PARAM_NUMBER, "0.6",
	  "consignment-or-oem categories: oem from this size/revenue scale up" },
	{ "min_value", KAM_PARAM_NUMBER, "15", "below this value the recommendation is none" },
};

struct settings {
	int32_t as_of;
	int64_t window_days;
	double wcrit[NCRIT];
	double wcomp[NCOMP]; /* size, revenue, share of wallet, growth */
	double k, stores_full, employees_full, revenue_full, oem_min_scale, min_value;
	/* log_score's divisors, made once per run: log1p(full / unit) */
	double stores_log, employees_log, revenue_log;
	struct category cat[NCAT];
	double attract[NCAT]; /* C per category */
	/* Per category, made once per run: what each criterion adds to 100 C, and its note. */
	double contrib[NCAT][NCRIT];
	char crit_note[NCAT][NCRIT][24];
	char mode_note[NCAT][96];
};

static int number(const kam_host *h, kam_run *run, const char *name, double lo, double hi,
		  double *out)
{
	int rc = h->param_number(run, name, out);

	if (rc)
		return rc;
	if (!(*out >= lo && *out <= hi)) {
		h->log(run, KAM_LOG_ERROR, "%s must be between %g and %g", name, lo, hi);
		return KAM_EINVAL;
	}
	return 0;
}

static int category_find(const char *s, size_t len)
{
	for (int c = 0; c < NCAT; c++)
		if (strlen(default_categories[c].slug) == len &&
		    !memcmp(default_categories[c].slug, s, len))
			return c;
	return -1;
}

/* Trims blanks off [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\n' ||
			   (*e)[-1] == '\r'))
		(*e)--;
}

/*
 * Applies one override "criterion=value" (or, for modes, the mode name) to category c. The text
 * [s, e) is trimmed and non-empty.
 */
static int apply_score(const kam_host *h, kam_run *run, struct settings *st, int c,
		       const char *s, const char *e)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	const char *ns = s, *ne = eq ? eq : e, *vs = eq ? eq + 1 : e, *ve = e;
	char num[64], *end;
	double v;
	int k;

	trim(&ns, &ne);
	trim(&vs, &ve);
	for (k = 0; k < NCRIT; k++)
		if (strlen(crit_names[k]) == (size_t)(ne - ns) && !memcmp(crit_names[k], ns, ne - ns))
			break;
	if (!eq || k == NCRIT || vs == ve || (size_t)(ve - vs) >= sizeof(num)) {
		h->log(run, KAM_LOG_ERROR,
		       "category_scores: \"%.*s\" is not criterion=1..5 with a criterion of "
		       "sales_capability, network_reach, openness, margin_potential, service_cost",
		       (int)(e - s), s);
		return KAM_EINVAL;
	}
	memcpy(num, vs, (size_t)(ve - vs));
	num[ve - vs] = 0;
	errno = 0;
	v = strtod(num, &end);
	if (*end || errno || !(v >= 1 && v <= 5)) {
		h->log(run, KAM_LOG_ERROR, "category_scores: %s of %s must be a number 1..5, not %s",
		       crit_names[k], st->cat[c].slug, num);
		return KAM_EINVAL;
	}
	st->cat[c].score[k] = v;
	return 0;
}

static int apply_mode(const kam_host *h, kam_run *run, struct settings *st, int c, const char *s,
		      const char *e)
{
	for (size_t m = 0; m < NMODES; m++)
		if (strlen(mode_names[m]) == (size_t)(e - s) && !memcmp(mode_names[m], s, e - s)) {
			st->cat[c].mode = (enum mode)m;
			return 0;
		}
	h->log(run, KAM_LOG_ERROR,
	       "category_modes: \"%.*s\" is not a mode (none, consignment, oem, agency, ink-supply, "
	       "consignment-or-oem)",
	       (int)(e - s), s);
	return KAM_EINVAL;
}

/*
 * Parses an override text: entries separated by ';', each "slug:item[,item...]", where an item
 * is "criterion=value" (scores) or a mode name (modes). Empty entries are skipped, so a trailing
 * ';' is fine.
 */
static int overrides_apply(const kam_host *h, kam_run *run, struct settings *st, const char *what,
			   int modes)
{
	kam_text t;
	const char *p, *end;
	int rc = h->param_text(run, what, &t);

	if (rc == KAM_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	p = t.ptr;
	end = t.ptr + t.len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *es = p, *ee = semi ? semi : end, *colon, *ss, *se;
		int c;

		p = semi ? semi + 1 : end;
		trim(&es, &ee);
		if (es == ee)
			continue;
		colon = memchr(es, ':', (size_t)(ee - es));
		ss = es;
		se = colon ? colon : ee;
		trim(&ss, &se);
		if (!colon || (c = category_find(ss, (size_t)(se - ss))) < 0) {
			h->log(run, KAM_LOG_ERROR,
			       "%s: \"%.*s\" does not start with a channel slug and ':' "
			       "(hypermarket, electronics-chain, ...)",
			       what, (int)(ee - es), es);
			return KAM_EINVAL;
		}
		for (const char *q = colon + 1; q <= ee;) {
			const char *comma = memchr(q, ',', (size_t)(ee - q));
			const char *is = q, *ie = comma ? comma : ee;

			q = ie + 1;
			trim(&is, &ie);
			if (is == ie) {
				h->log(run, KAM_LOG_ERROR, "%s: empty item for %s", what,
				       st->cat[c].slug);
				return KAM_EINVAL;
			}
			rc = modes ? apply_mode(h, run, st, c, is, ie)
				   : apply_score(h, run, st, c, is, ie);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* The attractiveness in [0, 1] of a category under the weights. */
static double attractiveness(const struct settings *st, const struct category *c)
{
	double sum = 0, w = 0;

	for (int k = 0; k < NCRIT; k++) {
		double u = k == SERVICE_COST ? (5 - c->score[k]) / 4 : (c->score[k] - 1) / 4;

		sum += st->wcrit[k] * u;
		w += st->wcrit[k];
	}
	return sum / w;
}

static int read_settings(const kam_host *h, kam_run *run, struct settings *st)
{
	static const char *const wcrit[NCRIT] = { "w_sales_capability", "w_network_reach",
						  "w_openness", "w_margin_potential",
						  "w_service_cost" };
	static const char *const wcomp[NCOMP] = { "w_size", "w_revenue", "w_share_of_wallet",
						  "w_growth" };
	double total = 0;
	int rc;

	st->as_of = h->as_of(run);
	if ((rc = h->param_integer(run, "window_days", &st->window_days)))
		return rc;
	if (st->window_days < 1 || st->window_days > 36500) {
		h->log(run, KAM_LOG_ERROR, "window_days must be between 1 and 36500");
		return KAM_EINVAL;
	}
	for (int k = 0; k < NCRIT; k++) {
		if ((rc = number(h, run, wcrit[k], 0, 1e6, &st->wcrit[k])))
			return rc;
		total += st->wcrit[k];
	}
	if (!(total > 0)) {
		h->log(run, KAM_LOG_ERROR, "the criteria weights w_* must not all be 0");
		return KAM_EINVAL;
	}
	for (int k = 0; k < NCOMP; k++)
		if ((rc = number(h, run, wcomp[k], 0, 1e6, &st->wcomp[k])))
			return rc;
	if ((rc = number(h, run, "account_weight", 0, 1, &st->k)) ||
	    (rc = number(h, run, "stores_full", 1, 1e9, &st->stores_full)) ||
	    (rc = number(h, run, "employees_full", 1, 1e12, &st->employees_full)) ||
	    (rc = number(h, run, "revenue_full", 1, 1e18, &st->revenue_full)) ||
	    (rc = number(h, run, "oem_min_scale", 0, 1, &st->oem_min_scale)) ||
	    (rc = number(h, run, "min_value", 0, 1e6, &st->min_value)))
		return rc;
	st->stores_log = log1p(st->stores_full / STORES_UNIT);
	st->employees_log = log1p(st->employees_full / EMPLOYEES_UNIT);
	st->revenue_log = log1p(st->revenue_full / REVENUE_UNIT);
	memcpy(st->cat, default_categories, sizeof(st->cat));
	if ((rc = overrides_apply(h, run, st, "category_scores", 0)) ||
	    (rc = overrides_apply(h, run, st, "category_modes", 1)))
		return rc;
	for (int c = 0; c < NCAT; c++) {
		double wt = 0;

		st->attract[c] = attractiveness(st, &st->cat[c]);
		for (int k = 0; k < NCRIT; k++)
			wt += st->wcrit[k];
		for (int k = 0; k < NCRIT; k++) {
			double sc = st->cat[c].score[k];
			double u = k == SERVICE_COST ? (5 - sc) / 4 : (sc - 1) / 4;

			st->contrib[c][k] = 100 * st->wcrit[k] * u / wt;
			snprintf(st->crit_note[c][k], sizeof(st->crit_note[c][k]), "%g of 5", sc);
		}
		snprintf(st->mode_note[c], sizeof(st->mode_note[c]), "%s: the %s mode",
			 mode_names[st->cat[c].mode], st->cat[c].slug);
	}
	return 0;
}

/*
 * min(1, ln(1 + x/unit) / ln(1 + full/unit)): a saturating log scale, 0 at 0. full_log is
 * log1p(full / unit), made once per run by the settings.
 */
static double log_score(double x, double full_log, double unit)
{
	double s;

	if (!(x > 0))
		return 0;
	s = log1p(x / unit) / full_log;
	return s < 1 ? s : 1;
}

/* The "stores" attribute as a count; 0 with *ok = 0 when absent or not a whole number >= 0. */
static double stores_of(const kam_host *h, kam_run *run, size_t i, int *ok)
{
	kam_text t;
	char buf[32], *end;
	double v;

	*ok = 0;
	if (h->account_attr(run, i, "stores", &t) || !t.len || t.len >= sizeof(buf))
		return 0;
	memcpy(buf, t.ptr, t.len);
	buf[t.len] = 0;
	errno = 0;
	v = strtod(buf, &end);
	if (*end || errno || !(v >= 0) || v != floor(v))
		return 0;
	*ok = 1;
	return v;
}

struct account_data {
	double comp[NCOMP]; /* scores 0..1 */
	int has[NCOMP];
	double rev_win, rev_12, rev_prev, sow, growth;
	int has_growth;
};

static int account_read(const kam_host *h, kam_run *run, const struct settings *st, size_t i,
			struct account_data *a, int *bad_stores)
{
	const kam_account_view *v = h->account(run, i);
	const kam_order_view *o;
	int64_t win = 0, r12 = 0, rprev = 0;
	int64_t as_of = st->as_of;
	int64_t span = st->window_days > 730 ? st->window_days : 730;
	size_t n;
	int rc, ok;
	double stores;

	memset(a, 0, sizeof(*a));
	if (!v)
		return KAM_EPLUGIN;
	/* One read covers the window and both 12-month periods. */
	if ((rc = h->orders(run, i, (int32_t)(as_of - span + 1), st->as_of, &o, &n)))
		return rc;
	for (size_t k = 0; k < n; k++) {
		int64_t age = as_of - o[k].day; /* 0 on as_of */

		if (age < st->window_days)
			win += o[k].amount;
		if (age < 365)
			r12 += o[k].amount;
		else if (age < 730)
			rprev += o[k].amount;
	}
	a->rev_win = win / MONEY_UNIT;
	a->rev_12 = r12 / MONEY_UNIT;
	a->rev_prev = rprev / MONEY_UNIT;

	stores = stores_of(h, run, i, &ok);
	if (ok) {
		a->comp[0] = log_score(stores, st->stores_log, STORES_UNIT);
		a->has[0] = 1;
	} else {
		kam_text t;

		if (!h->account_attr(run, i, "stores", &t) && t.len)
			(*bad_stores)++;
		if (v->present & KAM_VIEW_EMPLOYEES) {
			a->comp[0] = log_score((double)v->employees, st->employees_log, EMPLOYEES_UNIT);
			a->has[0] = 1;
		}
	}
	if (v->present & KAM_VIEW_ANNUAL_REVENUE) {
		a->comp[1] = log_score(v->annual_revenue / MONEY_UNIT, st->revenue_log, REVENUE_UNIT);
		a->has[1] = 1;
	}
	if ((v->present & KAM_VIEW_WALLET) && v->wallet > 0) {
		a->sow = win / (double)v->wallet;
		a->comp[2] = a->sow < 0 ? 0 : a->sow > 1 ? 1 : a->sow;
		a->has[2] = 1;
	}
	if (rprev > 0) {
		double s;

		a->growth = (double)r12 / (double)rprev - 1;
		a->has_growth = 1;
		s = (a->growth + 1) / 2;
		a->comp[3] = s < 0 ? 0 : s > 1 ? 1 : s;
		a->has[3] = 1;
	} else if (r12 > 0) {
		a->comp[3] = 1; /* new business: as good as growth gets */
		a->has[3] = 1;
	}
	return 0;
}

static int account_value(const kam_host *h, kam_run *run, const struct settings *st, size_t i,
			 int *bad_stores)
{
	static const char *const comp_names[NCOMP] = { "size_score", "revenue_score",
						       "share_of_wallet_score", "growth_score" };
	const kam_account_view *v = h->account(run, i);
	struct account_data a;
	double cat = 0, adj = 0.5, wsum = 0, sum = 0, value, scale = -1;
	enum mode mode = MODE_NONE;
	char note[96];
	const char *why;
	int c, rc;

	if ((rc = account_read(h, run, st, i, &a, bad_stores)))
		return rc;
	c = (v->channel >= 1 && v->channel <= NCAT) ? v->channel - 1 : -1;
	for (int k = 0; k < NCOMP; k++)
		if (a.has[k] && st->wcomp[k] > 0) {
			sum += st->wcomp[k] * a.comp[k];
			wsum += st->wcomp[k];
		}
	if (wsum > 0)
		adj = sum / wsum;
	if (a.has[0] || a.has[1])
		scale = (a.has[0] * a.comp[0] + a.has[1] * a.comp[1]) / (a.has[0] + a.has[1]);
	if (c >= 0) {
		cat = st->attract[c];
		mode = st->cat[c].mode;
	}
	value = 100 * cat * (1 + st->k * (2 * adj - 1));
	if (mode == MODE_CONSIGNMENT_OR_OEM)
		mode = scale >= st->oem_min_scale ? MODE_OEM : MODE_CONSIGNMENT;
	if (value < st->min_value)
		mode = MODE_NONE;

	if ((rc = h->add_metric(run, i, "category_score", 100 * cat)) ||
	    (rc = h->add_metric(run, i, "account_adjustment", adj)) ||
	    (rc = h->add_metric(run, i, "revenue_window", a.rev_win)) ||
	    (rc = h->add_metric(run, i, "revenue_12m", a.rev_12)) ||
	    (rc = h->add_metric(run, i, "revenue_prev_12m", a.rev_prev)))
		return rc;
	for (int k = 0; k < NCOMP; k++)
		if (a.has[k] && (rc = h->add_metric(run, i, comp_names[k], a.comp[k])))
			return rc;
	if (a.has[2] && (rc = h->add_metric(run, i, "share_of_wallet", a.sow)))
		return rc;
	if (a.has_growth && (rc = h->add_metric(run, i, "growth", a.growth)))
		return rc;

	/* Factors: why. The channel, what each criterion contributes to the category score. */
	if ((rc = h->add_factor(run, i, "channel", c + 1, c >= 0 ? st->cat[c].slug : "unknown")))
		return rc;
	for (int k = 0; c >= 0 && k < NCRIT; k++)
		if ((rc = h->add_factor(run, i, crit_names[k], st->contrib[c][k],
					st->crit_note[c][k])))
			return rc;
	why = note;
	if (c < 0)
		why = "none: no channel";
	else if (value < st->min_value)
		snprintf(note, sizeof(note), "none: value %.1f below %g", value, st->min_value);
	else if (st->cat[c].mode == MODE_CONSIGNMENT_OR_OEM && scale >= 0)
		snprintf(note, sizeof(note), "%s: scale %.2f %s %.2f", mode_names[mode], scale,
			 mode == MODE_OEM ? ">=" : "<", st->oem_min_scale);
	else if (st->cat[c].mode == MODE_CONSIGNMENT_OR_OEM)
		snprintf(note, sizeof(note), "%s: no size or revenue known", mode_names[mode]);
	else
		why = st->mode_note[c];
	if ((rc = h->add_factor(run, i, "mode", mode, why)))
		return rc;
	return h->set_value(run, i, value, mode_names[mode]);
}

static int consumables_run(void *state, const kam_host *h, kam_run *run)
{
	struct settings st;
	size_t n;
	int rc, bad_stores = 0;

	(void)state;
	if (!KAM_HOST_HAS(h, set_value) || !KAM_HOST_HAS(h, add_metric)) {
		h->log(run, KAM_LOG_ERROR, "the host has no value sink (set_value, add_metric)");
		return KAM_EPLUGIN;
	}
	if ((rc = read_settings(h, run, &st)))
		return rc;
	n = h->account_count(run);
	for (size_t i = 0; i < n; i++)
		if ((rc = account_value(h, run, &st, i, &bad_stores)))
			return rc;
	if (bad_stores)
		h->log(run, KAM_LOG_WARNING,
		       "%d accounts have a \"stores\" attribute that is not a whole number >= 0 "
		       "(employees used instead)",
		       bad_stores);
	return 0;
}

static const kam_plugin consumables_plugin = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "consumables",
	.kind = KAM_PLUGIN_VALUE,
	.version = "1.0.0",
	.description = "channel value analysis of the compatible-consumables case (DOMAIN.md 6): "
		       "value score and cooperation mode",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = consumables_run,
	.omit = KAM_OMIT_ROLLUP,
};

KAM_PLUGIN_EXPORT(consumables_plugin)
