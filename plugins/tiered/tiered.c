/*
 * tiered.c - the `tiered` cadence model: calls and visits every so many calendar months per tier
 * (REFERENCE.md, "Cadence policy tiered"; plugins/tiered/README.md).
 *
 * For each account, as of a day D, over its interactions with day <= D in (date, id) order:
 *   last call  = the latest call whose outcome is not no-answer (a "counted" call);
 *   last visit = the latest visit;
 *   next due   = last + the tier's interval in calendar months (month ends clamp: Jan 31 + 1
 *                month = Feb 28 or 29), or the account's created day (D when absent) when there
 *                was no such contact.
 * Objection follow-up: the run of consecutive counted calls ending with the latest one whose
 * outcome is objection. A run of exactly 1 replaces the call by a follow-up due followup_days
 * after that call, carrying its objection slug; a run of 2 or more is the seed's "handle it at
 * most twice, then call again later": the normal call interval applies.
 * With working_days, a due day on a Saturday, a Sunday or one of `holidays` moves to the next
 * working day.
 *
 * The model emits one action per account and kind ("call" or "follow-up", and "visit") whatever
 * its due day; the host decides what is on the agenda as of D. Accounts whose tier the host does
 * not know get no action (the host reports them).
 */
#include <kam/errors.h>
#include <kam/plugin.h>

#include <stdlib.h>
#include <string.h>

#include "common/account.h"
#include "common/text.h"

/* Outcome, kind and objection numbers of kam_interaction_view (REFERENCE.md's orders). */
enum { KIND_CALL = 1, KIND_VISIT = 2 };
enum { OUTCOME_NO_ANSWER = 2, OUTCOME_OBJECTION = 3 };

static const char *const objection_slugs[] = {
	"send-materials", "in-house-supply", "has-supplier", "not-decision-maker",
	"no-budget", "price-too-high", "bad-past-experience",
};

static const kam_param_def tiered_params[] = {
	{ "as_of", KAM_PARAM_DATE, NULL, "the day computed for (default: the run's as_of)" },
	{ "call_a", KAM_PARAM_INTEGER, "1", "months between calls of a tier A account" },
	{ "visit_a", KAM_PARAM_INTEGER, "3", "months between visits of a tier A account" },
	{ "call_b", KAM_PARAM_INTEGER, "3", "months between calls of a tier B account" },
	{ "visit_b", KAM_PARAM_INTEGER, "6", "months between visits of a tier B account" },
	{ "call_c", KAM_PARAM_INTEGER, "6", "months between calls of a tier C account" },
	{ "visit_c", KAM_PARAM_INTEGER, "12", "months between visits of a tier C account" },
	{ "followup_days", KAM_PARAM_INTEGER, "14", "days from a first objection to its follow-up" },
	{ "working_days", KAM_PARAM_BOOL, "false",
	  "move due days off Saturdays, Sundays and holidays to the next working day" },
	{ "holidays", KAM_PARAM_TEXT, "", "days off, YYYY-MM-DD separated by commas" },
};

#define MAX_MONTHS 1200 /* a century: anything longer is a typo */
#define MAX_FOLLOWUP 3660

/*
 * host->add_months remembered by (day, months): a million accounts' last contacts fall on a
 * few thousand days, and the calendar arithmetic would be done again for each.
 */
#define MONTHS_SLOTS 4096

struct months_memo {
	int32_t day, months, due; /* months 0: an empty slot */
};

struct tiered_cfg {
	int32_t as_of;
	int call[3], visit[3]; /* months, by tier A, B, C */
	int32_t followup;
	int working_days;
	int32_t *holidays; /* sorted, unique */
	size_t nholidays;
	struct months_memo *memo; /* MONTHS_SLOTS, or NULL */
	/* the actions and objection slugs it gives, as the host's copies (text_host_name) */
	const char *followup_action, *call_action, *visit_action;
	const char *slugs[7];
};

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based years, 400-year eras). */
static int32_t days_from_civil(int year, int month, int mday)
{
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int mp = (month + 9) % 12;
	int doy = (153 * mp + 2) / 5 + mday - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t)era * 146097 + doe - 719468;
}

static int days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 ? 28 + leap : dim[month - 1];
}

/* Monday 0 .. Sunday 6; 1970-01-01 was a Thursday. */
static int weekday(int32_t day)
{
	int64_t w = ((int64_t)day + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

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

/* Exactly "YYYY-MM-DD" (year 0001..9999), a real date. */
static int day_parse(const char *s, size_t len, int32_t *out)
{
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
	    digits(s + 8, 2, &d) || y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*out = days_from_civil(y, m, d);
	return 0;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Parses the holidays text: days separated by commas (spaces around them are allowed). */
static int holidays_parse(const kam_host *host, kam_run *run, kam_text t, struct tiered_cfg *c)
{
	size_t cap = 1, n = 0;

	for (size_t i = 0; i < t.len; i++)
		cap += t.ptr[i] == ',';
	c->holidays = malloc(cap * sizeof(*c->holidays));
	if (!c->holidays)
		return KAM_ENOMEM;
	for (size_t i = 0; i < t.len;) {
		size_t j = i, a, b;

		while (j < t.len && t.ptr[j] != ',')
			j++;
		for (a = i; a < j && t.ptr[a] == ' '; a++)
			;
		for (b = j; b > a && t.ptr[b - 1] == ' '; b--)
			;
		if (b > a && day_parse(t.ptr + a, b - a, &c->holidays[n]) == 0) {
			n++;
		} else if (b > a || j < t.len) {
			host->log(run, KAM_LOG_ERROR,
				  "parameter holidays: \"%.*s\" is not a date YYYY-MM-DD",
				  (int)(b - a > 40 ? 40 : b - a), t.ptr + a);
			return KAM_EINVAL;
		}
		i = j + 1;
	}
	qsort(c->holidays, n, sizeof(*c->holidays), cmp_day);
	c->nholidays = 0;
	for (size_t i = 0; i < n; i++)
		if (c->nholidays == 0 || c->holidays[c->nholidays - 1] != c->holidays[i])
			c->holidays[c->nholidays++] = c->holidays[i];
	return 0;
}

static int months_param(const kam_host *host, kam_run *run, const char *name, int *out)
{
	int64_t v;
	int rc = host->param_integer(run, name, &v);

	if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter %s: cannot read it (code %d)", name, rc);
		return rc;
	}
	if (v < 1 || v > MAX_MONTHS) {
		host->log(run, KAM_LOG_ERROR, "parameter %s = %lld: expected 1 to %d months", name,
			  (long long)v, MAX_MONTHS);
		return KAM_EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int cfg_read(const kam_host *host, kam_run *run, struct tiered_cfg *c)
{
	static const char *const calls[3] = { "call_a", "call_b", "call_c" };
	static const char *const visits[3] = { "visit_a", "visit_b", "visit_c" };
	int64_t v;
	kam_text t;
	int rc;

	rc = host->param_day(run, "as_of", &c->as_of);
	if (rc == KAM_ENOTFOUND)
		c->as_of = host->as_of(run);
	else if (rc)
		return rc;
	for (int k = 0; k < 3; k++) {
		if ((rc = months_param(host, run, calls[k], &c->call[k])) ||
		    (rc = months_param(host, run, visits[k], &c->visit[k])))
			return rc;
	}
	rc = host->param_integer(run, "followup_days", &v);
	if (rc)
		return rc;
	if (v < 0 || v > MAX_FOLLOWUP) {
		host->log(run, KAM_LOG_ERROR, "parameter followup_days = %lld: expected 0 to %d",
			  (long long)v, MAX_FOLLOWUP);
		return KAM_EINVAL;
	}
	c->followup = (int32_t)v;
	rc = host->param_integer(run, "working_days", &v);
	if (rc)
		return rc;
	c->working_days = v != 0;
	rc = host->param_text(run, "holidays", &t);
	if (rc == KAM_ENOTFOUND)
		t = (kam_text){ "", 0 };
	else if (rc)
		return rc;
	return holidays_parse(host, run, t, c);
}

static int is_holiday(const struct tiered_cfg *c, int32_t day)
{
	size_t lo = 0, hi = c->nholidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->holidays[mid] == day)
			return 1;
		if (c->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The day itself, or with working_days the first working day from it on. */
static int32_t working(const struct tiered_cfg *c, int32_t day)
{
	if (!c->working_days)
		return day;
	while (day < INT32_MAX && (weekday(day) >= 5 || is_holiday(c, day)))
		day++;
	return day;
}

static int32_t add_months(const kam_host *host, struct tiered_cfg *c, int32_t day, int months)
{
	struct months_memo *m;

	if (!c->memo)
		return host->add_months(day, months);
	m = &c->memo[((uint32_t)day * 2654435761u + (uint32_t)months) % MONTHS_SLOTS];
	if (m->months != months || m->day != day)
		*m = (struct months_memo){ day, months, host->add_months(day, months) };
	return m->due;
}

static int32_t add_days(int32_t day, int32_t n)
{
	int64_t r = (int64_t)day + n;

	return r > INT32_MAX ? INT32_MAX : (int32_t)r;
}

/* What an account's interactions up to as_of say, in one pass. */
struct history {
	int32_t last_call, last_visit; /* days, or KAM_NO_DAY */
	unsigned run;                  /* consecutive counted calls with an objection, at the end */
	int objection;                 /* the objection of the latest counted call (0: none) */
};

static void history_read(const kam_interaction_view *v, size_t n, struct history *h)
{
	h->last_call = h->last_visit = KAM_NO_DAY;
	h->run = 0;
	h->objection = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == KIND_VISIT) {
			h->last_visit = v[i].day;
		} else if (v[i].kind == KIND_CALL && v[i].outcome != OUTCOME_NO_ANSWER) {
			h->last_call = v[i].day;
			h->objection = v[i].objection;
			h->run = v[i].outcome == OUTCOME_OBJECTION ? h->run + 1 : 0;
		}
	}
}

static int account_plan(const kam_host *host, kam_run *run, struct tiered_cfg *c, size_t i)
{
	const kam_interaction_view *v;
	struct history h;
	size_t n;
	char tier = host->tier(run, i);
	int k = tier == 'A' ? 0 : tier == 'B' ? 1 : tier == 'C' ? 2 : -1;
	int32_t none, due;
	int64_t created;
	int rc;

	if (k < 0)
		return 0;
	rc = host->interactions(run, i, INT32_MIN, c->as_of, &v, &n);
	if (rc)
		return rc;
	history_read(v, n, &h);
	rc = account_number(host, run, i, KAM_FIELD_CREATED, &created);
	if (rc)
		return rc;
	none = created != KAM_NO_DAY ? (int32_t)created : c->as_of;

	if (h.run == 1) {
		const char *slug = h.objection >= 1 && h.objection <= 7 ? c->slugs[h.objection - 1]
									: NULL;

		due = working(c, add_days(h.last_call, c->followup));
		rc = host->add_action(run, i, c->followup_action, due, h.last_call,
				      12.0 / c->call[k], slug);
	} else {
		due = h.last_call == KAM_NO_DAY ? none : add_months(host, c, h.last_call, c->call[k]);
		rc = host->add_action(run, i, c->call_action, working(c, due), h.last_call,
				      12.0 / c->call[k], NULL);
	}
	if (rc)
		return rc;
	due = h.last_visit == KAM_NO_DAY ? none : add_months(host, c, h.last_visit, c->visit[k]);
	return host->add_action(run, i, c->visit_action, working(c, due), h.last_visit,
				12.0 / c->visit[k], NULL);
}

static int tiered_run(void *state, const kam_host *host, kam_run *run)
{
	struct tiered_cfg c = { 0 };
	size_t n = host->account_count(run);
	int rc;

	(void)state;
	if (!host->tier || !host->add_action) {
		host->log(run, KAM_LOG_ERROR, "this host has no tier() or add_action()");
		return KAM_EINVAL;
	}
	rc = cfg_read(host, run, &c);
	c.memo = calloc(MONTHS_SLOTS, sizeof(*c.memo)); /* without: no memo */
	c.followup_action = text_host_name(host, run, "follow-up");
	c.call_action = text_host_name(host, run, "call");
	c.visit_action = text_host_name(host, run, "visit");
	for (int s = 0; s < 7; s++)
		c.slugs[s] = text_host_name(host, run, objection_slugs[s]);
	for (size_t i = 0; !rc && i < n; i++)
		rc = account_plan(host, run, &c, i);
	if (rc == KAM_ENOMEM)
		host->log(run, KAM_LOG_ERROR, "out of memory");
	free(c.memo);
	free(c.holidays);
	return rc;
}

static const kam_plugin tiered_plugin = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "tiered",
	.kind = KAM_PLUGIN_CADENCE,
	.version = "1.0.0",
	.description = "calls and visits every N calendar months per tier, objection follow-ups",
	.params = tiered_params,
	.nparams = sizeof(tiered_params) / sizeof(tiered_params[0]),
	.run = tiered_run,
	.omit = KAM_OMIT_ROLLUP | KAM_OMIT_VIEWS,
};

KAM_PLUGIN_EXPORT(tiered_plugin)
