/* cmd_activity.c - `kam activity`: per rep and period, calls and visits planned, done, overdue. */
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "cli.h"
#include "date.h"
#include "error.h"

/* ---- reps: owner text -> a dense index (shared with cmd_capacity.c through cli.h) ---- */

static uint32_t rep_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int reps_grow(cli_reps *r)
{
	size_t cap = r->scap ? r->scap * 2 : 64;
	size_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return KAM_ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		size_t j = rep_hash(r->names[i]) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = i + 1;
	}
	free(r->slots);
	r->slots = slots;
	r->scap = cap;
	return 0;
}

long cli_reps_index(cli_reps *r, const char *owner)
{
	if (owner == r->last && r->last)
		return (long)r->last_ix;
	if ((r->n + 1) * 2 > r->scap && reps_grow(r))
		return -1;
	size_t j = rep_hash(owner) & (r->scap - 1);
	for (; r->slots[j]; j = (j + 1) & (r->scap - 1))
		if (strcmp(r->names[r->slots[j] - 1], owner) == 0) {
			r->last = owner;
			r->last_ix = r->slots[j] - 1;
			return (long)r->last_ix;
		}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **names = realloc(r->names, cap * sizeof(*names));
		if (!names)
			return -1;
		r->names = names;
		r->cap = cap;
	}
	if (!(r->names[r->n] = strdup(owner)))
		return -1;
	r->slots[j] = ++r->n;
	r->last = owner;
	r->last_ix = r->n - 1;
	return (long)r->last_ix;
}

/* Forgets the one-entry cache: call when the owner texts it points at may be freed. */
void cli_reps_forget(cli_reps *r)
{
	r->last = NULL;
}

static const cli_reps *sort_reps;

static int rep_cmp(const void *a, const void *b)
{
	return strcmp(sort_reps->names[*(const size_t *)a], sort_reps->names[*(const size_t *)b]);
}

size_t *cli_reps_order(const cli_reps *r)
{
	size_t *order = malloc((r->n ? r->n : 1) * sizeof(*order));
	if (!order)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		order[i] = i;
	sort_reps = r;
	qsort(order, r->n, sizeof(*order), rep_cmp);
	return order;
}

void cli_reps_free(cli_reps *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

/* ---- periods ---- */

typedef struct period {
	int32_t from, to;
	char label[32];
} period;

/* The k-th period before the one that contains `day` (k = 0: that one). */
static void period_of(int32_t day, bool week, unsigned k, period *p)
{
	if (week) {
		p->from = day - (int32_t)kam_weekday(day) - 7 * (int32_t)k;
		p->to = p->from + 6;
		/* ISO 8601: the week belongs to the year of its Thursday. */
		int32_t thu = p->from + 3;
		int y;
		unsigned m, d;
		kam_civil_from_days(thu, &y, &m, &d);
		int32_t jan1 = kam_days_from_civil(y, 1, 1);
		snprintf(p->label, sizeof(p->label), "%04d-W%02d", y, (thu - jan1) / 7 + 1);
		return;
	}
	int y;
	unsigned m, d;
	kam_civil_from_days(day, &y, &m, &d);
	p->from = kam_day_add_months(kam_days_from_civil(y, m, 1), -(int)k);
	p->to = kam_day_add_months(p->from, 1) - 1;
	kam_civil_from_days(p->from, &y, &m, &d);
	snprintf(p->label, sizeof(p->label), "%04d-%02u", y, m);
}

/* ---- counting ---- */

enum { C_CALLS_PLANNED, C_CALLS_DONE, C_NO_ANSWER, C_VISITS_PLANNED, C_VISITS_DONE,
       C_OVERDUE_CALLS, C_OVERDUE_VISITS, C_MINUTES, C_COUNT };

typedef struct counts {
	int64_t v[C_COUNT];
} counts;

typedef struct tally {
	cli_reps reps;
	counts *rows; /* by rep */
	size_t cap;
} tally;

static counts *tally_row(tally *t, const char *owner)
{
	long i = cli_reps_index(&t->reps, owner);
	if (i < 0)
		return NULL;
	if ((size_t)i >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		while (cap <= (size_t)i)
			cap *= 2;
		counts *r = realloc(t->rows, cap * sizeof(*r));
		if (!r)
			return NULL;
		memset(r + t->cap, 0, (cap - t->cap) * sizeof(*r));
		t->rows = r;
		t->cap = cap;
	}
	return &t->rows[i];
}

static bool is_call(const char *action)
{
	return strcmp(action, "call") == 0 || strcmp(action, "follow-up") == 0;
}

/* Counts an agenda's calls (follow-ups included) and visits per rep into columns cc and vc. */
static int count_actions(tally *t, const kam_agenda *a, int cc, int vc)
{
	for (size_t i = 0; i < a->count; i++) {
		const kam_agenda_item *x = &a->items[i];
		counts *c = tally_row(t, x->owner);
		if (!c)
			return KAM_ENOMEM;
		if (is_call(x->action))
			c->v[cc]++;
		else if (strcmp(x->action, "visit") == 0)
			c->v[vc]++;
	}
	cli_reps_forget(&t->reps);
	return 0;
}

/* Calls, visits and minutes of every account's interactions from `from` to `to`, per rep. */
static int count_done(kam_store *store, const char *owner, int32_t from, int32_t to, tally *t)
{
	kam_txn *txn;
	kam_cursor *cur = NULL;
	kam_facts *f = NULL;
	kam_account acc;
	int rc = kam_txn_begin(store, 0, &txn);
	if (!rc)
		rc = kam_cursor_open(txn, KAM_ACCOUNT, owner ? KAM_SCAN_OWNER : KAM_SCAN_ALL,
				     kam_str_c(owner), INT32_MIN, INT32_MAX, &cur);
	if (!rc)
		rc = kam_facts_open(txn, KAM_INTERACTION, &f);
	char name[KAM_KEYTEXT_MAX + 1];
	while (!rc && (rc = kam_cursor_next(cur, &acc)) > 0) {
		kam_str o = KAM_HAS(&acc, KAM_A_OWNER) ? acc.owner : (kam_str){ "", 0 };
		memcpy(name, o.ptr ? o.ptr : "", o.len);
		name[o.len] = 0;
		counts *c = tally_row(t, name);
		const kam_interaction_fact *rows;
		size_t n;
		if (!c) {
			rc = KAM_ENOMEM;
			break;
		}
		cli_reps_forget(&t->reps); /* `name` is reused */
		if ((rc = kam_facts_get(f, acc.id, from, to, (const void **)&rows, &n)))
			break;
		for (size_t i = 0; i < n; i++) {
			if (rows[i].kind == KAM_IK_CALL) {
				c->v[C_CALLS_DONE]++;
				c->v[C_NO_ANSWER] += rows[i].outcome == KAM_OUT_NO_ANSWER;
			} else if (rows[i].kind == KAM_IK_VISIT) {
				c->v[C_VISITS_DONE]++;
			}
			if (rows[i].has_minutes)
				c->v[C_MINUTES] += rows[i].minutes;
		}
	}
	kam_facts_close(f);
	kam_cursor_close(cur);
	kam_txn_abort(txn);
	return rc < 0 ? rc : 0;
}

static const kam_col cols[] = {
	{ "owner", false },          { "period", false },         { "from", false },
	{ "to", false },             { "calls_planned", true },   { "calls_done", true },
	{ "no_answer", true },       { "visits_planned", true },  { "visits_done", true },
	{ "overdue_calls", true },   { "overdue_visits", true },  { "minutes", true },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static int print_period(kam_out *out, const period *p, tally *t)
{
	size_t *order = cli_reps_order(&t->reps);
	if (!order)
		return KAM_ENOMEM;
	int rc = 0;
	char from[KAM_DATE_BUFSZ], to[KAM_DATE_BUFSZ], num[C_COUNT][24];
	kam_date_format((kam_date){ p->from, KAM_NO_TIME }, from);
	kam_date_format((kam_date){ p->to, KAM_NO_TIME }, to);
	static const int col_of[C_COUNT] = { 4, 5, 6, 7, 8, 9, 10, 11 };
	for (size_t i = 0; !rc && i < t->reps.n; i++) {
		size_t r = order[i];
		kam_str v[NCOLS] = { kam_str_c(t->reps.names[r]), kam_str_c(p->label),
				     kam_str_c(from), kam_str_c(to) };
		for (int k = 0; k < C_COUNT; k++)
			v[col_of[k]] = (kam_str){ num[k], (uint32_t)snprintf(num[k], sizeof(num[k]), "%lld",
									     (long long)t->rows[r].v[k]) };
		rc = kam_out_row(out, v);
	}
	free(order);
	return rc;
}

typedef struct args {
	int32_t as_of;
	const char *owner, *config;
	bool week;
	unsigned long long periods;
	kam_format fmt;
} args;

/* One agenda: its calls and visits per rep into columns cc and vc. Returns 0 or EXIT_RUNTIME. */
static int agenda_count(kam_store *store, const kam_registry *reg, const kam_config *cfg,
			const kam_agenda_opts *o, bool notes, tally *t, int cc, int vc)
{
	kam_agenda ag;
	int rc = kam_agenda_compute(store, reg, cfg, o, &ag);
	if (rc) {
		rc = cli_fail("activity: %s", ag.error);
	} else {
		if (notes)
			cli_agenda_notes("activity", &ag, o->as_of);
		if ((rc = count_actions(t, &ag, cc, vc)))
			rc = cli_fail("activity: %s", kam_strerror(rc));
	}
	kam_agenda_free(&ag);
	return rc;
}

static int one_period(kam_store *store, const kam_registry *reg, const kam_config *cfg,
		      const args *a, const period *p, bool notes, tally *t)
{
	int32_t end = p->to < a->as_of ? p->to : a->as_of;
	kam_agenda_opts o;
	int rc;
	/* planned: what the cadence had due in the period as it stood when the period began */
	kam_agenda_opts_init(&o, p->from - 1);
	o.owner = a->owner;
	o.due_from = p->from;
	o.due_to = p->to;
	if ((rc = agenda_count(store, reg, cfg, &o, false, t, C_CALLS_PLANNED, C_VISITS_PLANNED)))
		return rc;
	/* overdue: due before the end of the period (or as_of), not done by then */
	kam_agenda_opts_init(&o, end);
	o.owner = a->owner;
	o.due_to = end - 1;
	if ((rc = agenda_count(store, reg, cfg, &o, notes, t, C_OVERDUE_CALLS, C_OVERDUE_VISITS)))
		return rc;
	if ((rc = count_done(store, a->owner, p->from, end, t)))
		return cli_fail("activity: reading the interactions: %s", kam_strerror(rc));
	return 0;
}

static int activity(cli *c, const args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	int rc = cli_models_open(c, "activity", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	kam_out *out = kam_out_begin(stdout, a->fmt, cols, NCOLS);
	if (!out) {
		cli_models_close(&cfg, store, reg);
		return cli_fail("activity: out of memory");
	}
	/* Oldest period first; within a period, reps by owner. */
	for (unsigned long long k = a->periods; !rc && k-- > 0;) {
		period p;
		tally t = { 0 };
		period_of(a->as_of, a->week, (unsigned)k, &p);
		rc = one_period(store, reg, &cfg, a, &p, k == 0, &t);
		if (!rc && (rc = print_period(out, &p, &t)))
			rc = cli_fail("activity: printing: %s", kam_strerror(rc));
		cli_reps_free(&t.reps);
		free(t.rows);
	}
	int end = kam_out_end(out);
	if (!rc && end)
		rc = cli_fail("activity: printing: %s", kam_strerror(end));
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "period", required_argument, NULL, 'p' },
		{ "periods", required_argument, NULL, 'n' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "owner", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	args a = { .as_of = kam_today(), .week = true, .periods = 1, .fmt = KAM_FMT_TABLE };
	int ch, rc = 0;
	while ((ch = cli_getopt(c, &cmd_activity, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_activity, optarg, &a.fmt); break;
		case 'a': rc = cli_day_arg(&cmd_activity, "--as-of", optarg, &a.as_of); break;
		case 'o': a.owner = optarg; break;
		case 'c': a.config = optarg; break;
		case 'p':
			if (strcmp(optarg, "week") && strcmp(optarg, "month"))
				rc = cli_usage(&cmd_activity, "--period: expected week or month, found \"%s\"",
					       optarg);
			a.week = optarg[0] == 'w';
			break;
		case 'n':
			rc = cli_uint_in(&cmd_activity, "--periods", optarg, 1, 520, &a.periods);
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return cli_usage(&cmd_activity, "unexpected argument \"%s\"", argv[optind]);
	return activity(c, &a);
}

const command cmd_activity = {
	"activity", run, "per rep: calls and visits planned, done and overdue in a week or month",
	"Usage: kam [--db PATH] activity [--period week|month] [--periods N] [--as-of D]\n"
	"                                [--owner REP] [--config FILE] [--format table|csv|json]\n"
	"For each rep (the accounts' owner) and period: the week (Monday to Sunday, ISO 8601\n"
	"numbering) or calendar month that contains the as-of day (default: today), and with\n"
	"--periods N the N-1 periods before it too, oldest first. The weekly report of a sales\n"
	"team: what the cadence planned, what was done, what is left overdue, the time spent.\n\n"
	"Columns:\n"
	"  owner, period (2026-W27 or 2026-06), from, to   the rep and the period's first and last day\n"
	"  calls_planned, visits_planned  actions the cadence had due in the period as it stood\n"
	"                 when the period began (its agenda as of the day before, with due days in\n"
	"                 the period; follow-ups count as calls)\n"
	"  calls_done, visits_done  interactions of kind call or visit in the period, up to the\n"
	"                 as-of day; no_answer: of those calls, the ones not answered (the cadence\n"
	"                 does not count them)\n"
	"  overdue_calls, overdue_visits  actions on the agenda as of the period's last day (or\n"
	"                 the as-of day, when earlier) that were due before it\n"
	"  minutes        time recorded on all interactions in the period, up to the as-of day\n\n"
	"Exit status: 0 success; 1 runtime error; 2 usage error.\n",
};
