/* cmd_capacity.c - `kam capacity`: the calls and visits a week that a tiering asks of each rep. */
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "cli.h"
#include "date.h"
#include "error.h"


enum { L_ACCOUNTS, L_A, L_B, L_C, L_NCOUNTS };

/* One side's load per rep. */
typedef struct load {
	int64_t n[L_NCOUNTS];
	double calls, visits; /* per year */
} load;

typedef struct book {
	cli_reps reps;
	load *cur, *cand; /* by rep */
	size_t cap;
	/* accounts already counted (their id pointers, which items of one account share) */
	const char **seen;
	size_t seen_cap, seen_n;
} book;

static int book_grow(book *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap * 2 : 16;
	while (cap < need)
		cap *= 2;
	load *c = realloc(b->cur, cap * sizeof(*c));
	if (!c)
		return KAM_ENOMEM;
	b->cur = c;
	load *d = realloc(b->cand, cap * sizeof(*d));
	if (!d)
		return KAM_ENOMEM;
	b->cand = d;
	memset(b->cur + b->cap, 0, (cap - b->cap) * sizeof(*c));
	memset(b->cand + b->cap, 0, (cap - b->cap) * sizeof(*d));
	b->cap = cap;
	return 0;
}

/* Whether the account (by its id pointer) is new to this side; a pointer-keyed set. */
static int seen_add(book *b, const char *id)
{
	if ((b->seen_n + 1) * 2 > b->seen_cap) {
		size_t cap = b->seen_cap ? b->seen_cap * 2 : 1024;
		const char **s = calloc(cap, sizeof(*s));
		if (!s)
			return KAM_ENOMEM;
		for (size_t i = 0; i < b->seen_cap; i++) {
			if (!b->seen[i])
				continue;
			size_t j = ((uintptr_t)b->seen[i] >> 3) * 0x9E3779B97F4A7C15ull >> 20 & (cap - 1);
			while (s[j])
				j = (j + 1) & (cap - 1);
			s[j] = b->seen[i];
		}
		free(b->seen);
		b->seen = s;
		b->seen_cap = cap;
	}
	size_t j = ((uintptr_t)id >> 3) * 0x9E3779B97F4A7C15ull >> 20 & (b->seen_cap - 1);
	for (; b->seen[j]; j = (j + 1) & (b->seen_cap - 1))
		if (b->seen[j] == id)
			return 0;
	b->seen[j] = id;
	b->seen_n++;
	return 1;
}

/* Adds an agenda of every action (whatever its due day) to one side. */
static int book_add(book *b, const kam_agenda *a, bool cand)
{
	if (b->seen)
		memset(b->seen, 0, b->seen_cap * sizeof(*b->seen));
	b->seen_n = 0;
	for (size_t i = 0; i < a->count; i++) {
		const kam_agenda_item *x = &a->items[i];
		long r = cli_reps_index(&b->reps, x->owner);
		if (r < 0 || book_grow(b, (size_t)r + 1))
			return KAM_ENOMEM;
		load *l = cand ? &b->cand[r] : &b->cur[r];
		if (!strcmp(x->action, "call") || !strcmp(x->action, "follow-up"))
			l->calls += x->per_year;
		else if (!strcmp(x->action, "visit"))
			l->visits += x->per_year;
		int fresh = seen_add(b, x->account_id);
		if (fresh < 0)
			return fresh;
		if (fresh) {
			l->n[L_ACCOUNTS]++;
			if (x->tier == 'A' || x->tier == 'B' || x->tier == 'C')
				l->n[L_A + (x->tier - 'A')]++;
		}
	}
	cli_reps_forget(&b->reps);
	return 0;
}

static void book_free(book *b)
{
	cli_reps_free(&b->reps);
	free(b->cur);
	free(b->cand);
	free(b->seen);
}

typedef struct args {
	int32_t as_of;
	const char *config, *model;
	kam_param params[CLI_MAX_PARAMS];
	size_t nparams;
	kam_format fmt;
} args;

static const kam_col cols[] = {
	{ "owner", false },           { "accounts", true },        { "a", true },
	{ "b", true },                { "c", true },               { "calls_per_week", true },
	{ "visits_per_week", true },  { "cand_a", true },          { "cand_b", true },
	{ "cand_c", true },           { "cand_calls_per_week", true },
	{ "cand_visits_per_week", true },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))
#define CUR_NCOLS 7

static kam_str num(char *buf, int64_t v)
{
	return (kam_str){ buf, (uint32_t)snprintf(buf, 24, "%lld", (long long)v) };
}

static kam_str week(char *buf, double per_year)
{
	return (kam_str){ buf, (uint32_t)snprintf(buf, 24, "%.2f", per_year / 52.0) };
}

static int print_book(const book *b, bool cand, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cols, cand ? NCOLS : CUR_NCOLS);
	size_t *order = cli_reps_order(&b->reps);
	int rc = out && order ? 0 : KAM_ENOMEM;
	load tot[2] = { { { 0 } } };
	for (size_t i = 0; !rc && i < b->reps.n; i++) {
		size_t r = order[i];
		const load *side[2] = { &b->cur[r], &b->cand[r] };
		char t[12][24];
		kam_str v[NCOLS] = { kam_str_c(b->reps.names[r]) };
		for (int s = 0; s < 2; s++) {
			for (int k = 0; k < L_NCOUNTS; k++)
				tot[s].n[k] += side[s]->n[k];
			tot[s].calls += side[s]->calls;
			tot[s].visits += side[s]->visits;
		}
		for (int k = 0; k < L_NCOUNTS; k++)
			v[1 + k] = num(t[1 + k], b->cur[r].n[k]);
		v[5] = week(t[5], b->cur[r].calls);
		v[6] = week(t[6], b->cur[r].visits);
		for (int k = L_A; k < L_NCOUNTS; k++)
			v[7 + k - L_A] = num(t[7 + k - L_A], b->cand[r].n[k]);
		v[10] = week(t[10], b->cand[r].calls);
		v[11] = week(t[11], b->cand[r].visits);
		rc = kam_out_row(out, v);
	}
	free(order);
	int end = out ? kam_out_end(out) : 0;
	if (rc || end)
		return rc ? rc : end;
	fprintf(stderr, "kam: capacity: %lld accounts (A %lld, B %lld, C %lld) of %zu reps: "
			"%.1f calls and %.1f visits a week",
		(long long)tot[0].n[L_ACCOUNTS], (long long)tot[0].n[L_A], (long long)tot[0].n[L_B],
		(long long)tot[0].n[L_C], b->reps.n, tot[0].calls / 52.0, tot[0].visits / 52.0);
	if (cand)
		fprintf(stderr, "; candidate (A %lld, B %lld, C %lld): %.1f calls and %.1f visits",
			(long long)tot[1].n[L_A], (long long)tot[1].n[L_B], (long long)tot[1].n[L_C],
			tot[1].calls / 52.0, tot[1].visits / 52.0);
	fputc('\n', stderr);
	return 0;
}

static int side(kam_store *store, const kam_registry *reg, const kam_config *cfg, int32_t as_of,
		const kam_tier_row *tiers, size_t ntiers, book *b)
{
	kam_agenda ag;
	kam_agenda_opts o;
	kam_agenda_opts_init(&o, as_of);
	o.due_to = INT32_MAX; /* every action: the load does not depend on what is due now */
	o.tiers = tiers;
	o.ntiers = ntiers;
	int rc = kam_agenda_compute(store, reg, cfg, &o, &ag);
	if (rc) {
		rc = cli_fail("capacity: %s", ag.error);
	} else {
		if (!tiers)
			cli_agenda_notes("capacity", &ag, as_of);
		if ((rc = book_add(b, &ag, tiers != NULL)))
			rc = cli_fail("capacity: %s", kam_strerror(rc));
	}
	kam_agenda_free(&ag);
	return rc;
}

static int capacity(cli *c, const args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	int rc = cli_models_open(c, "capacity", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	book b = { 0 };
	kam_segment_result seg = { 0 };
	kam_tier_row *rows = NULL;
	size_t nrows = 0;
	if (a->model) {
		kam_segment_opts o = { .model = a->model, .params = a->params, .nparams = a->nparams,
				       .as_of = a->as_of, .dry_run = true };
		if (kam_segment(store, reg, &cfg, &o, &seg)) {
			rc = seg.bad_opts ? cli_usage(&cmd_capacity, "%s", seg.error)
					  : cli_fail("capacity: %s", seg.error);
			goto out;
		}
		if (kam_segment_rows(&seg, &rows, &nrows)) {
			rc = cli_fail("capacity: out of memory");
			goto out;
		}
	}
	if ((rc = side(store, reg, &cfg, a->as_of, NULL, 0, &b)))
		goto out;
	if (a->model && (rc = side(store, reg, &cfg, a->as_of, rows, nrows, &b)))
		goto out;
	if ((rc = print_book(&b, a->model != NULL, a->fmt)))
		rc = cli_fail("capacity: printing: %s", kam_strerror(rc));
out:
	free(rows);
	kam_segment_result_free(&seg);
	book_free(&b);
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "model", required_argument, NULL, 'm' },
		{ "param", required_argument, NULL, 'p' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	args a = { .as_of = kam_today(), .fmt = KAM_FMT_TABLE };
	int ch, rc = 0;
	while ((ch = cli_getopt(c, &cmd_capacity, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_capacity, optarg, &a.fmt); break;
		case 'm': a.model = optarg; break;
		case 'c': a.config = optarg; break;
		case 'a': rc = cli_day_arg(&cmd_capacity, "--as-of", optarg, &a.as_of); break;
		case 'p': rc = cli_param_arg(&cmd_capacity, optarg, a.params, &a.nparams); break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return cli_usage(&cmd_capacity, "unexpected argument \"%s\"", argv[optind]);
	if (a.nparams && !a.model)
		return cli_usage(&cmd_capacity, "--param goes with --model");
	return capacity(c, &a);
}

const command cmd_capacity = {
	"capacity", run, "calls and visits a week per rep that the tiers imply; try a tiering first",
	"Usage: kam [--db PATH] capacity [--model M [--param NAME=VALUE ...]] [--as-of D]\n"
	"                                [--config FILE] [--format table|csv|json]\n"
	"For each rep (the accounts' owner): accounts per tier and the calls and visits a week that\n"
	"the current tiers and each region's cadence model ask for (the sum over the rep's accounts\n"
	"of how often the cadence repeats each action a year, divided by 52; a follow-up counts as\n"
	"the call it stands in for). With --model M the same for a candidate segmentation, a run of\n"
	"M over every region that is not stored, side by side: whether a tiering is workable\n"
	"before switching to it with 'kam segment'. Totals go to stderr.\n\n"
	"Options:\n"
	"  --model M           the candidate segmentation model\n"
	"  --param NAME=VALUE  a parameter of the candidate (repeatable)\n"
	"  --as-of D           the day the candidate and the cadence are computed for (default:\n"
	"                      today)\n"
	"  --config FILE       read the configuration from FILE\n"
	"  --format F          table (default), csv or json\n\n"
	"Columns: owner, accounts, a, b, c, calls_per_week, visits_per_week; with --model also\n"
	"cand_a, cand_b, cand_c, cand_calls_per_week, cand_visits_per_week.\n"
	"Exit status: 0 success; 1 runtime error; 2 usage error, including an unknown --model or an\n"
	"undeclared --param.\n",
};
