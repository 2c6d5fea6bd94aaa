/*
 * fake_host.c - a kam_host over in-memory arrays for plugin unit tests (see fake_host.h).
 *
 * Deliberately simple: linear searches, one allocation per record. Tests hold a few hundred
 * accounts at most; what matters is that the fake behaves as the SDK documents.
 */
#include "fake_host.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_factor {
	char *name;
	double value;
	char *note;
};

struct fake_action {
	char *action;
	int32_t due, last;
	double per_year;
	char *detail;
};

struct fake_attr {
	char *name;
	char *value;
};

struct fake_acct {
	kam_account_view view;
	char *text[5]; /* name, region, industry, owner; id in text[4] */
	struct fake_attr *attrs;
	size_t nattrs;
	kam_order_view *orders; /* kept in (day, sec, id) order */
	size_t norders;
	kam_interaction_view *inters; /* likewise */
	size_t ninters;
	/* Results of the last run. */
	char tier;
	double score;
	struct fake_factor *factors;
	size_t nfactors;
	/* Value and cadence results of the last run (metrics reuse fake_factor, note unused). */
	int has_value;
	double value;
	char *recommendation;
	struct fake_factor *metrics;
	size_t nmetrics;
	struct fake_action *actions;
	size_t nactions;
	/* Input: what host->tier() answers (0: unknown). */
	char host_tier;
};

struct kam_run {
	const kam_plugin *plugin;
	char **values; /* per declared parameter: the given text, or NULL */
	int32_t as_of;
	struct fake_acct **accts;
	size_t naccts;
	char last_log[1024];
	size_t nlogs;
	size_t misuse;
	size_t orders_calls, orders_backwards;
	size_t orders_last; /* index of the previous orders() call + 1; 0 before the first */
	char **interned;    /* intern()'s copies, freed with the run */
	size_t ninterned;
	int host_minor;     /* fake_host_minor; 0: KAM_ABI_MINOR */
};

/* The run being executed, for log calls made with a NULL run. */
static kam_run *current_run;

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

static int text_cmp(kam_text a, kam_text b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;

	if (c)
		return c;
	return (a.len > b.len) - (a.len < b.len);
}

static kam_text text_of(const char *s)
{
	kam_text t = { s, s ? strlen(s) : 0 };

	return t;
}

/* --- calendar ----------------------------------------------------------------------------- */

/*
 * Days since 1970-01-01 of a proleptic Gregorian date. Years are counted from March so that the
 * leap day is the last day of a year, and in 400-year eras of 146097 days, which makes the month
 * lengths a linear formula and the leap rule three divisions.
 */
static int64_t days_from_civil(int64_t year, int month, int mday)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12; /* March is 0 */
	int64_t doy = (153 * mp + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int32_t fake_day(int year, int month, int mday)
{
	return (int32_t)days_from_civil(year, month, mday);
}

static void civil_of(int32_t day, int *year, int *month, int *mday)
{
	int64_t z = (int64_t)day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = (int)(yoe + era * 400 + (m <= 2));
}

static int days_in_month(int64_t year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 ? 28 + leap : dim[month - 1];
}

static int32_t host_add_months(int32_t day, int months)
{
	int year, month, mday, dim;
	int64_t total, ny, r;

	if (day == KAM_NO_DAY)
		return KAM_NO_DAY;
	civil_of(day, &year, &month, &mday);
	total = (int64_t)year * 12 + (month - 1) + months;
	ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
	month = (int)(total - ny * 12) + 1;
	dim = days_in_month(ny, month);
	if (mday > dim)
		mday = dim;
	/* Far beyond the int32 range of days either way: saturate, as the core does. */
	r = days_from_civil(ny, month, mday);
	if (r > INT32_MAX)
		return INT32_MAX;
	if (r < INT32_MIN)
		return INT32_MIN;
	return (int32_t)r;
}

static void host_civil(int32_t day, int *year, int *month, int *mday)
{
	civil_of(day, year, month, mday);
}

/* --- parsing of test input and parameter text --------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" with an optional "THH:MM[:SS]"; 0 or -1. */
static int date_parse(const char *s, int32_t *day, int32_t *sec)
{
	int y, m, d, hh, mm, ss = 0;
	size_t len = strlen(s);

	if (len < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
	    digits(s + 8, 2, &d))
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*day = fake_day(y, m, d);
	*sec = -1;
	if (len == 10)
		return 0;
	if ((len != 16 && len != 19) || s[10] != 'T' || s[13] != ':' || digits(s + 11, 2, &hh) ||
	    digits(s + 14, 2, &mm))
		return -1;
	if (len == 19 && (s[16] != ':' || digits(s + 17, 2, &ss)))
		return -1;
	if (hh > 23 || mm > 59 || ss > 59)
		return -1;
	*sec = hh * 3600 + mm * 60 + ss;
	return 0;
}

int32_t fake_date(const char *text)
{
	int32_t day, sec;

	if (date_parse(text, &day, &sec) || sec != -1) {
		fprintf(stderr, "fake_date: bad date '%s'\n", text);
		abort();
	}
	return day;
}

/* Decimal money text, at most 4 decimals, into ten-thousandths; 0 or -1. */
static int money_parse(const char *s, int64_t *out)
{
	int neg = 0, ndec = -1;
	int64_t v = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s == '.' && ndec < 0) {
			ndec = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || ndec == 4)
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		if (ndec >= 0)
			ndec++;
	}
	if (ndec == 0)
		return -1;
	for (int i = ndec < 0 ? 0 : ndec; i < 4; i++) {
		if (v > INT64_MAX / 10)
			return -1;
		v *= 10;
	}
	*out = neg ? -v : v;
	return 0;
}

int64_t fake_money(const char *text)
{
	int64_t v;

	if (money_parse(text, &v)) {
		fprintf(stderr, "fake_money: bad money '%s'\n", text);
		abort();
	}
	return v;
}

/* --- runs and test input ------------------------------------------------------------------ */

kam_run *fake_run_new(const kam_plugin *plugin)
{
	kam_run *run = xmalloc(sizeof(*run));

	run->plugin = plugin;
	run->values = xmalloc((plugin->nparams + 1) * sizeof(*run->values));
	run->as_of = fake_day(2024, 12, 31);
	return run;
}

static void value_results_clear(struct fake_acct *a)
{
	for (size_t i = 0; i < a->nmetrics; i++)
		free(a->metrics[i].name);
	free(a->metrics);
	a->metrics = NULL;
	a->nmetrics = 0;
	for (size_t i = 0; i < a->nactions; i++) {
		free(a->actions[i].action);
		free(a->actions[i].detail);
	}
	free(a->actions);
	a->actions = NULL;
	a->nactions = 0;
	free(a->recommendation);
	a->recommendation = NULL;
	a->has_value = 0;
	a->value = 0;
}

static void results_clear(struct fake_acct *a)
{
	for (size_t i = 0; i < a->nfactors; i++) {
		free(a->factors[i].name);
		free(a->factors[i].note);
	}
	free(a->factors);
	a->factors = NULL;
	a->nfactors = 0;
	a->tier = 0;
	a->score = 0;
	value_results_clear(a);
}

void fake_run_free(kam_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->naccts; i++) {
		struct fake_acct *a = run->accts[i];

		results_clear(a);
		for (size_t j = 0; j < 5; j++)
			free(a->text[j]);
		for (size_t j = 0; j < a->nattrs; j++) {
			free(a->attrs[j].name);
			free(a->attrs[j].value);
		}
		free(a->attrs);
		for (size_t j = 0; j < a->norders; j++)
			free((char *)a->orders[j].id.ptr);
		free(a->orders);
		for (size_t j = 0; j < a->ninters; j++)
			free((char *)a->inters[j].id.ptr);
		free(a->inters);
		free(a);
	}
	free(run->accts);
	for (size_t i = 0; i < run->ninterned; i++)
		free(run->interned[i]);
	free(run->interned);
	for (size_t i = 0; i < run->plugin->nparams; i++)
		free(run->values[i]);
	free(run->values);
	free(run);
}

void fake_set_as_of(kam_run *run, int32_t day)
{
	run->as_of = day;
}

static long param_find(const kam_run *run, const char *name)
{
	for (size_t i = 0; i < run->plugin->nparams; i++)
		if (!strcmp(run->plugin->params[i].name, name))
			return (long)i;
	return -1;
}

int fake_param(kam_run *run, const char *name, const char *value)
{
	long i = param_find(run, name);

	if (i < 0)
		return KAM_ENOTFOUND;
	free(run->values[i]);
	run->values[i] = value ? xstrdup(value) : NULL;
	return 0;
}

size_t fake_account(kam_run *run, const char *id, const char *region)
{
	struct fake_acct *a = xmalloc(sizeof(*a));

	a->view.size = sizeof(a->view);
	a->view.created = KAM_NO_DAY;
	a->view.first_order = a->view.last_order = KAM_NO_DAY;
	a->view.last_call = a->view.last_visit = a->view.last_interaction = KAM_NO_DAY;
	a->text[4] = xstrdup(id);
	a->view.id = text_of(a->text[4]);
	run->accts = xrealloc(run->accts, (run->naccts + 1) * sizeof(*run->accts));
	run->accts[run->naccts++] = a;
	if (region)
		fake_account_text(run, run->naccts - 1, "region", region);
	return run->naccts - 1;
}

static struct fake_acct *acct_at(const kam_run *run, size_t index)
{
	if (index >= run->naccts) {
		fprintf(stderr, "fake host: no account %zu\n", index);
		abort();
	}
	return run->accts[index];
}

kam_account_view *fake_view(kam_run *run, size_t index)
{
	return &acct_at(run, index)->view;
}

void fake_account_text(kam_run *run, size_t index, const char *field, const char *value)
{
	static const char *const fields[4] = { "name", "region", "industry", "owner" };
	struct fake_acct *a = acct_at(run, index);
	kam_text *slot[4] = { &a->view.name, &a->view.region, &a->view.industry, &a->view.owner };

	for (int i = 0; i < 4; i++) {
		if (strcmp(field, fields[i]))
			continue;
		free(a->text[i]);
		a->text[i] = value ? xstrdup(value) : NULL;
		*slot[i] = text_of(a->text[i]);
		return;
	}
	fprintf(stderr, "fake_account_text: no text field '%s'\n", field);
	abort();
}

void fake_account_attr(kam_run *run, size_t index, const char *name, const char *value)
{
	struct fake_acct *a = acct_at(run, index);

	a->attrs = xrealloc(a->attrs, (a->nattrs + 1) * sizeof(*a->attrs));
	a->attrs[a->nattrs].name = xstrdup(name);
	a->attrs[a->nattrs].value = xstrdup(value);
	a->nattrs++;
}

/* Orders and interactions sort by (day, sec, id): the position a new one goes to. */
static int when_cmp(int32_t d1, int32_t s1, kam_text id1, int32_t d2, int32_t s2, kam_text id2)
{
	if (d1 != d2)
		return d1 < d2 ? -1 : 1;
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	return text_cmp(id1, id2);
}

void fake_order(kam_run *run, size_t index, const char *id, const char *date, const char *amount,
		const char *profit)
{
	struct fake_acct *a = acct_at(run, index);
	kam_order_view o = { 0 };
	size_t pos;

	if (date_parse(date, &o.day, &o.sec)) {
		fprintf(stderr, "fake_order: bad date '%s'\n", date);
		abort();
	}
	o.id = text_of(xstrdup(id));
	o.amount = fake_money(amount);
	if (profit) {
		o.profit = fake_money(profit);
		o.has_profit = 1;
	}
	pos = a->norders;
	while (pos > 0 && when_cmp(o.day, o.sec, o.id, a->orders[pos - 1].day,
				   a->orders[pos - 1].sec, a->orders[pos - 1].id) < 0)
		pos--;
	a->orders = xrealloc(a->orders, (a->norders + 1) * sizeof(*a->orders));
	memmove(a->orders + pos + 1, a->orders + pos, (a->norders - pos) * sizeof(*a->orders));
	a->orders[pos] = o;
	a->norders++;
}

void fake_interaction(kam_run *run, size_t index, const char *id, const char *date, int kind,
		      int outcome, int objection, int64_t minutes)
{
	struct fake_acct *a = acct_at(run, index);
	kam_interaction_view v = { 0 };
	size_t pos;

	if (date_parse(date, &v.day, &v.sec)) {
		fprintf(stderr, "fake_interaction: bad date '%s'\n", date);
		abort();
	}
	v.id = text_of(xstrdup(id));
	v.kind = (uint8_t)kind;
	v.outcome = (uint8_t)outcome;
	v.objection = (uint8_t)objection;
	if (minutes >= 0) {
		v.minutes = minutes;
		v.has_minutes = 1;
	}
	pos = a->ninters;
	while (pos > 0 && when_cmp(v.day, v.sec, v.id, a->inters[pos - 1].day,
				   a->inters[pos - 1].sec, a->inters[pos - 1].id) < 0)
		pos--;
	a->inters = xrealloc(a->inters, (a->ninters + 1) * sizeof(*a->inters));
	memmove(a->inters + pos + 1, a->inters + pos, (a->ninters - pos) * sizeof(*a->inters));
	a->inters[pos] = v;
	a->ninters++;
}

/* --- the host table ----------------------------------------------------------------------- */

static kam_run *run_of(kam_run *run)
{
	return run ? run : current_run;
}

static void host_log(kam_run *run, int level, const char *fmt, ...)
{
	va_list ap;

	run = run_of(run);
	va_start(ap, fmt);
	if (run) {
		vsnprintf(run->last_log, sizeof(run->last_log), fmt, ap);
		run->nlogs++;
		if (getenv("FAKE_HOST_VERBOSE"))
			fprintf(stderr, "[%s] %d: %s\n", run->plugin->name, level, run->last_log);
	} else {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* The text of parameter `name` if it has the type `type` (BOOL also passes for INTEGER). */
static int param_text_of(kam_run *run, const char *name, int type, const char **out)
{
	long i;
	const kam_param_def *def;

	if (!run || !name || !out) {
		if (run)
			run->misuse++;
		return KAM_EINVAL;
	}
	i = param_find(run, name);
	if (i < 0)
		return KAM_ENOTFOUND;
	def = &run->plugin->params[i];
	if (def->type != type && !(type == KAM_PARAM_INTEGER && def->type == KAM_PARAM_BOOL))
		return KAM_EINVAL;
	*out = run->values[i] ? run->values[i] : def->default_value;
	return *out ? 0 : KAM_ENOTFOUND;
}

static int host_param_number(kam_run *run, const char *name, double *out)
{
	const char *s;
	char *end;
	double v;
	int rc = param_text_of(run, name, KAM_PARAM_NUMBER, &s);

	if (rc)
		return rc;
	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v))
		return KAM_EINVAL;
	*out = v;
	return 0;
}

static int host_param_integer(kam_run *run, const char *name, int64_t *out)
{
	const char *s;
	char *end;
	long long v;
	int rc = param_text_of(run, name, KAM_PARAM_INTEGER, &s);

	if (rc)
		return rc;
	if (run->plugin->params[param_find(run, name)].type == KAM_PARAM_BOOL) {
		if (strcmp(s, "true") && strcmp(s, "false"))
			return KAM_EINVAL;
		*out = s[0] == 't';
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return KAM_EINVAL;
	*out = v;
	return 0;
}

static int host_param_text(kam_run *run, const char *name, kam_text *out)
{
	const char *s;
	int rc = param_text_of(run, name, KAM_PARAM_TEXT, &s);

	if (rc)
		return rc;
	*out = text_of(s);
	return 0;
}

static int host_param_day(kam_run *run, const char *name, int32_t *out)
{
	const char *s;
	int32_t day, sec;
	int rc = param_text_of(run, name, KAM_PARAM_DATE, &s);

	if (rc)
		return rc;
	if (date_parse(s, &day, &sec) || sec != -1)
		return KAM_EINVAL;
	*out = day;
	return 0;
}

static int32_t host_as_of(kam_run *run)
{
	return run->as_of;
}

static size_t host_account_count(kam_run *run)
{
	return run->naccts;
}

static int bad_index(kam_run *run, size_t index)
{
	if (index < run->naccts)
		return 0;
	run->misuse++;
	return 1;
}

static const kam_account_view *host_account(kam_run *run, size_t index)
{
	return bad_index(run, index) ? NULL : &run->accts[index]->view;
}

/* ABI 1.3: a field of the account's view, as the host gives it (KAM_ENOTFOUND when absent). */
static int host_account_text(kam_run *run, size_t index, int field, kam_text *out)
{
	const kam_account_view *v;

	if (bad_index(run, index) || !out)
		return KAM_EINVAL;
	v = &run->accts[index]->view;
	switch (field) {
	case KAM_FIELD_ID: *out = v->id; break;
	case KAM_FIELD_NAME: *out = v->name; break;
	case KAM_FIELD_REGION: *out = v->region; break;
	case KAM_FIELD_INDUSTRY: *out = v->industry; break;
	case KAM_FIELD_OWNER: *out = v->owner; break;
	default: run->misuse++; return KAM_EINVAL;
	}
	return out->len ? 0 : KAM_ENOTFOUND;
}

static int host_account_number(kam_run *run, size_t index, int field, int64_t *out)
{
	const kam_account_view *v;
	uint32_t bit = 0;

	if (bad_index(run, index) || !out)
		return KAM_EINVAL;
	v = &run->accts[index]->view;
	switch (field) {
	case KAM_FIELD_CHANNEL: *out = v->channel; return v->channel ? 0 : KAM_ENOTFOUND;
	case KAM_FIELD_STAGE: *out = v->stage; return v->stage ? 0 : KAM_ENOTFOUND;
	case KAM_FIELD_CREATED: *out = v->created; return v->created != KAM_NO_DAY ? 0 : KAM_ENOTFOUND;
	case KAM_FIELD_EMPLOYEES: *out = v->employees; bit = KAM_VIEW_EMPLOYEES; break;
	case KAM_FIELD_NET_ASSETS: *out = v->net_assets; bit = KAM_VIEW_NET_ASSETS; break;
	case KAM_FIELD_ANNUAL_REVENUE: *out = v->annual_revenue; bit = KAM_VIEW_ANNUAL_REVENUE; break;
	case KAM_FIELD_WALLET: *out = v->wallet; bit = KAM_VIEW_WALLET; break;
	default: run->misuse++; return KAM_EINVAL;
	}
	return v->present & bit ? 0 : KAM_ENOTFOUND;
}

static int host_account_attr(kam_run *run, size_t index, const char *name, kam_text *out)
{
	struct fake_acct *a;

	if (bad_index(run, index) || !name || !out)
		return KAM_EINVAL;
	a = run->accts[index];
	for (size_t i = 0; i < a->nattrs; i++) {
		if (!strcmp(a->attrs[i].name, name)) {
			*out = text_of(a->attrs[i].value);
			return 0;
		}
	}
	return KAM_ENOTFOUND;
}

/* The slice of a day-sorted array with from <= day <= to: its first index and length. */
#define RANGE_OF(arr, n, from, to, first, count)                                                   \
	do {                                                                                       \
		size_t i_ = 0, j_;                                                                 \
		while (i_ < (n) && (arr)[i_].day < (from))                                         \
			i_++;                                                                      \
		j_ = i_;                                                                           \
		while (j_ < (n) && (arr)[j_].day <= (to))                                          \
			j_++;                                                                      \
		*(first) = i_;                                                                     \
		*(count) = j_ - i_;                                                                \
	} while (0)

static int host_orders(kam_run *run, size_t index, int32_t from_day, int32_t to_day,
		       const kam_order_view **out, size_t *count)
{
	struct fake_acct *a;
	size_t first, n;

	if (bad_index(run, index) || !out || !count)
		return KAM_EINVAL;
	run->orders_calls++;
	if (run->orders_last > index + 1)
		run->orders_backwards++;
	run->orders_last = index + 1;
	a = run->accts[index];
	RANGE_OF(a->orders, a->norders, from_day, to_day, &first, &n);
	*out = n ? a->orders + first : NULL;
	*count = n;
	return 0;
}

static int host_interactions(kam_run *run, size_t index, int32_t from_day, int32_t to_day,
			     const kam_interaction_view **out, size_t *count)
{
	struct fake_acct *a;
	size_t first, n;

	if (bad_index(run, index) || !out || !count)
		return KAM_EINVAL;
	a = run->accts[index];
	RANGE_OF(a->inters, a->ninters, from_day, to_day, &first, &n);
	*out = n ? a->inters + first : NULL;
	*count = n;
	return 0;
}

static int host_set_tier(kam_run *run, size_t index, char tier, double score)
{
	if (bad_index(run, index))
		return KAM_EINVAL;
	if (tier != 'A' && tier != 'B' && tier != 'C') {
		run->misuse++;
		return KAM_EINVAL;
	}
	run->accts[index]->tier = tier;
	run->accts[index]->score = score;
	return 0;
}

static int host_add_factor(kam_run *run, size_t index, const char *name, double value,
			   const char *note)
{
	struct fake_acct *a;
	struct fake_factor *f;

	if (bad_index(run, index))
		return KAM_EINVAL;
	if (!name) {
		run->misuse++;
		return KAM_EINVAL;
	}
	a = run->accts[index];
	a->factors = xrealloc(a->factors, (a->nfactors + 1) * sizeof(*a->factors));
	f = &a->factors[a->nfactors++];
	f->name = xstrdup(name);
	f->value = value;
	f->note = note ? xstrdup(note) : NULL;
	return 0;
}

static char host_tier(kam_run *run, size_t index)
{
	return bad_index(run, index) ? 0 : run->accts[index]->host_tier;
}

static int host_add_action(kam_run *run, size_t index, const char *action, int32_t due_day,
			   int32_t last_day, double per_year, const char *detail)
{
	struct fake_acct *a;
	struct fake_action *x;

	if (bad_index(run, index))
		return KAM_EINVAL;
	if (!action || due_day == KAM_NO_DAY) {
		run->misuse++;
		return KAM_EINVAL;
	}
	a = run->accts[index];
	a->actions = xrealloc(a->actions, (a->nactions + 1) * sizeof(*a->actions));
	x = &a->actions[a->nactions++];
	x->action = xstrdup(action);
	x->due = due_day;
	x->last = last_day;
	x->per_year = per_year;
	x->detail = detail ? xstrdup(detail) : NULL;
	return 0;
}

static int host_set_value(kam_run *run, size_t index, double value, const char *recommendation)
{
	struct fake_acct *a;

	if (bad_index(run, index))
		return KAM_EINVAL;
	a = run->accts[index];
	free(a->recommendation);
	a->recommendation = recommendation ? xstrdup(recommendation) : NULL;
	a->value = value;
	a->has_value = 1;
	return 0;
}

static int host_add_metric(kam_run *run, size_t index, const char *name, double value)
{
	struct fake_acct *a;
	struct fake_factor *m;

	if (bad_index(run, index))
		return KAM_EINVAL;
	if (!name) {
		run->misuse++;
		return KAM_EINVAL;
	}
	a = run->accts[index];
	a->metrics = xrealloc(a->metrics, (a->nmetrics + 1) * sizeof(*a->metrics));
	m = &a->metrics[a->nmetrics++];
	m->name = xstrdup(name);
	m->value = value;
	m->note = NULL;
	return 0;
}

/* A copy per call: plugins are to take their names once per run, not per account. */
static const char *host_intern(kam_run *run, const char *text)
{
	if (!text) {
		run->misuse++;
		return NULL;
	}
	run->interned = xrealloc(run->interned, (run->ninterned + 1) * sizeof(*run->interned));
	return run->interned[run->ninterned++] = xstrdup(text);
}

static const kam_host fake_host_table = {
	.size = sizeof(kam_host),
	.abi_major = KAM_ABI_MAJOR,
	.abi_minor = KAM_ABI_MINOR,
	.log = host_log,
	.param_number = host_param_number,
	.param_integer = host_param_integer,
	.param_text = host_param_text,
	.param_day = host_param_day,
	.as_of = host_as_of,
	.account_count = host_account_count,
	.account = host_account,
	.account_attr = host_account_attr,
	.orders = host_orders,
	.interactions = host_interactions,
	.set_tier = host_set_tier,
	.add_factor = host_add_factor,
	.add_months = host_add_months,
	.civil = host_civil,
	.tier = host_tier,
	.add_action = host_add_action,
	.set_value = host_set_value,
	.add_metric = host_add_metric,
	.intern = host_intern,
	.account_text = host_account_text,
	.account_number = host_account_number,
};

const kam_host *fake_host(void)
{
	return &fake_host_table;
}

/* The table of a host of ABI 1.2: the same functions, ending before account_text. */
static kam_host host_1_2;

void fake_host_minor(kam_run *run, int minor)
{
	run->host_minor = minor;
}

static const kam_host *host_of(const kam_run *run)
{
	if (run->host_minor != 2)
		return &fake_host_table;
	host_1_2 = fake_host_table;
	host_1_2.size = offsetof(kam_host, account_text);
	host_1_2.abi_minor = 2;
	host_1_2.account_text = NULL;
	host_1_2.account_number = NULL;
	return &host_1_2;
}

int fake_run(kam_run *run)
{
	const kam_plugin *p = run->plugin;
	void *state = NULL;
	int rc = 0;

	for (size_t i = 0; i < run->naccts; i++)
		results_clear(run->accts[i]);
	run->last_log[0] = 0;
	run->nlogs = run->misuse = 0;
	run->orders_calls = run->orders_backwards = run->orders_last = 0;
	current_run = run;
	if (p->init)
		rc = p->init(host_of(run), &state);
	if (!rc) {
		rc = p->run(state, host_of(run), run);
		if (p->fini)
			p->fini(state);
	}
	current_run = NULL;
	if (rc)
		for (size_t i = 0; i < run->naccts; i++)
			results_clear(run->accts[i]);
	return rc;
}

/* --- results ------------------------------------------------------------------------------ */

char fake_tier(const kam_run *run, size_t index)
{
	return acct_at(run, index)->tier;
}

double fake_score(const kam_run *run, size_t index)
{
	return acct_at(run, index)->score;
}

size_t fake_factor_count(const kam_run *run, size_t index)
{
	return acct_at(run, index)->nfactors;
}

int fake_factor(const kam_run *run, size_t index, const char *name, double *value,
		const char **note)
{
	const struct fake_acct *a = acct_at(run, index);

	for (size_t i = 0; i < a->nfactors; i++) {
		if (strcmp(a->factors[i].name, name))
			continue;
		if (value)
			*value = a->factors[i].value;
		if (note)
			*note = a->factors[i].note;
		return 0;
	}
	return KAM_ENOTFOUND;
}

double fake_factor_value(const kam_run *run, size_t index, const char *name)
{
	double v;

	return fake_factor(run, index, name, &v, NULL) ? NAN : v;
}

const char *fake_last_log(const kam_run *run)
{
	return run->last_log;
}

size_t fake_log_count(const kam_run *run)
{
	return run->nlogs;
}

size_t fake_misuse(const kam_run *run)
{
	return run->misuse;
}

size_t fake_orders_calls(const kam_run *run)
{
	return run->orders_calls;
}

size_t fake_orders_backwards(const kam_run *run)
{
	return run->orders_backwards;
}

/* --- value and cadence results -------------------------------------------------------------- */

void fake_account_tier(kam_run *run, size_t index, char tier)
{
	acct_at(run, index)->host_tier = tier;
}

int fake_has_value(const kam_run *run, size_t index)
{
	return acct_at(run, index)->has_value;
}

double fake_value(const kam_run *run, size_t index)
{
	const struct fake_acct *a = acct_at(run, index);

	return a->has_value ? a->value : NAN;
}

const char *fake_recommendation(const kam_run *run, size_t index)
{
	return acct_at(run, index)->recommendation;
}

size_t fake_metric_count(const kam_run *run, size_t index)
{
	return acct_at(run, index)->nmetrics;
}

double fake_metric(const kam_run *run, size_t index, const char *name)
{
	const struct fake_acct *a = acct_at(run, index);

	for (size_t i = 0; i < a->nmetrics; i++)
		if (!strcmp(a->metrics[i].name, name))
			return a->metrics[i].value;
	return NAN;
}

size_t fake_action_count(const kam_run *run, size_t index)
{
	return acct_at(run, index)->nactions;
}

int fake_action(const kam_run *run, size_t index, size_t k, const char **action, int32_t *due,
		int32_t *last, double *per_year, const char **detail)
{
	const struct fake_acct *a = acct_at(run, index);
	const struct fake_action *x;

	if (k >= a->nactions)
		return KAM_ENOTFOUND;
	x = &a->actions[k];
	if (action)
		*action = x->action;
	if (due)
		*due = x->due;
	if (last)
		*last = x->last;
	if (per_year)
		*per_year = x->per_year;
	if (detail)
		*detail = x->detail;
	return 0;
}
