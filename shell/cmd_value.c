/* cmd_value.c - `kam value`: run the value models, store value snapshots, print values. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "value.h"

#define FIXED_COLS 6 /* account_id, model, value, recommendation, region, snapshot */

static const kam_col fixed_cols[FIXED_COLS] = {
	{ "account_id", false }, { "model", false }, { "value", true },
	{ "recommendation", false }, { "region", false }, { "snapshot", true },
};

typedef struct args {
	kam_value_opts o;
	kam_param params[CLI_MAX_PARAMS];
	const char *config;
	kam_format fmt;
	bool quiet;
	size_t top; /* 0: every account, in account id order */
} args;

/* The metric columns: every metric name of the results, in the order first met. */
typedef struct metric_cols {
	kam_col *cols; /* the fixed ones, then the metrics */
	size_t n;
	const char **names;  /* the metrics' names (interned by the runs) */
	size_t nnames;
} metric_cols;

#define GUESSES 64

/*
 * The column of a metric name, or -1. Rows of one model give their metrics in the same order
 * with the same interned names, so the column the metric at position k had in the row before
 * (guess[k]) is tried first.
 */
static int metric_index(const metric_cols *m, const char *name, size_t k, int *guess)
{
	if (k < GUESSES && guess[k] >= 0 && m->names[guess[k]] == name)
		return guess[k];
	int found = -1;
	for (size_t i = 0; i < m->nnames && found < 0; i++)
		if (m->names[i] == name || strcmp(m->names[i], name) == 0)
			found = (int)i;
	if (k < GUESSES)
		guess[k] = found;
	return found;
}

static int metric_cols_build(const kam_value_row *rows, size_t n, metric_cols *m)
{
	int guess[GUESSES];
	memset(guess, 0xff, sizeof(guess));
	for (size_t i = 0; i < n; i++) {
		const kam_result *r = rows[i].r;
		for (size_t k = 0; k < r->nmetrics; k++) {
			const char *name = r->metrics[k].name;
			if (metric_index(m, name, k, guess) >= 0)
				continue;
			const char **v = realloc(m->names, (m->nnames + 1) * sizeof(*v));
			if (!v)
				return KAM_ENOMEM;
			m->names = v;
			m->names[m->nnames++] = name;
			if (k < GUESSES)
				guess[k] = (int)m->nnames - 1;
		}
	}
	if (!(m->cols = calloc(FIXED_COLS + m->nnames, sizeof(*m->cols))))
		return KAM_ENOMEM;
	memcpy(m->cols, fixed_cols, sizeof(fixed_cols));
	for (size_t i = 0; i < m->nnames; i++)
		m->cols[FIXED_COLS + i] = (kam_col){ m->names[i], true };
	m->n = FIXED_COLS + m->nnames;
	return 0;
}

static int print_rows(const kam_value_row *rows, size_t n, kam_format fmt)
{
	metric_cols m = { 0 };
	int rc = metric_cols_build(rows, n, &m);
	kam_str *v = rc ? NULL : calloc(m.n, sizeof(*v));
	char (*num)[32] = rc ? NULL : calloc(m.n, sizeof(*num));
	kam_out *out = v && num ? kam_out_begin(stdout, fmt, m.cols, (unsigned)m.n) : NULL;
	if (!out)
		rc = KAM_ENOMEM;
	int guess[GUESSES];
	memset(guess, 0xff, sizeof(guess));
	for (size_t i = 0; !rc && i < n; i++) {
		const kam_result *r = rows[i].r;
		memset(v, 0, m.n * sizeof(*v));
		v[0] = kam_str_c(r->account_id);
		v[1] = kam_str_c(rows[i].info->model);
		if (r->has_value)
			v[2] = (kam_str){ num[2], (uint32_t)kam_out_number(r->value, num[2]) };
		v[3] = kam_str_c(r->recommendation);
		v[4] = kam_str_c(r->region ? r->region : "");
		if (rows[i].info->id)
			v[5] = (kam_str){ num[5], (uint32_t)snprintf(num[5], 32, "%llu",
								  (unsigned long long)rows[i].info->id) };
		for (size_t k = 0; k < r->nmetrics; k++) {
			int c = metric_index(&m, r->metrics[k].name, k, guess);
			if (c < 0)
				continue;
			size_t col = FIXED_COLS + (size_t)c;
			v[col] = (kam_str){ num[col],
					    (uint32_t)kam_out_number(r->metrics[k].value, num[col]) };
		}
		rc = kam_out_row(out, v);
	}
	int end = out ? kam_out_end(out) : 0;
	free(v);
	free(num);
	free(m.cols);
	free(m.names);
	return rc ? rc : end;
}

/* Highest value first (an account without a value counts as the lowest), then account id. */
static int cmp_value_desc(const void *x, const void *y)
{
	const kam_value_row *a = x, *b = y;
	if (a->r->has_value != b->r->has_value)
		return b->r->has_value - a->r->has_value;
	if (a->r->has_value && a->r->value != b->r->value)
		return a->r->value < b->r->value ? 1 : -1;
	return kam_str_cmp(kam_str_c(a->r->account_id), kam_str_c(b->r->account_id));
}

/* One line per run on stderr: what ran, where, how many got a value or a recommendation. */
static void summary(const kam_value_result *r, bool dry_run)
{
	for (size_t i = 0; i < r->nruns; i++) {
		const kam_segment_run *run = &r->runs[i];
		size_t valued = 0, recommended = 0;
		for (size_t k = 0; k < run->out.count; k++) {
			valued += run->out.results[k].has_value != 0;
			recommended += run->out.results[k].recommendation != NULL;
		}
		char counts[128];
		snprintf(counts, sizeof(counts), "%zu valued, %zu with a recommendation", valued,
			 recommended);
		cli_run_summary("value", run, dry_run, counts);
	}
}

static int value(cli *c, args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	int rc = cli_models_open_mode(c, "value", a->config, a->o.dry_run ? KAM_STORE_RDONLY : 0,
				      &cfg, &store, &reg);
	if (rc)
		return rc;
	kam_value_result res;
	if ((rc = kam_value(store, reg, &cfg, &a->o, &res))) {
		rc = res.bad_opts ? cli_usage(&cmd_value, "%s", res.error)
				  : cli_fail("value: %s", res.error);
		goto out;
	}
	summary(&res, a->o.dry_run);
	if (!a->quiet) {
		kam_value_row *rows;
		size_t n;
		rc = kam_value_rows(&res, &rows, &n);
		if (!rc) {
			if (a->top) {
				qsort(rows, n, sizeof(*rows), cmp_value_desc);
				if (n > a->top)
					n = a->top;
			}
			rc = print_rows(rows, n, a->fmt);
			free(rows);
		}
		if (rc || fflush(stdout) || ferror(stdout))
			rc = cli_fail("value: printing the values: %s",
				      rc ? kam_strerror(rc) : "write error");
	}
	kam_value_result_free(&res);
out:
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "region", required_argument, NULL, 'r' },
		{ "model", required_argument, NULL, 'm' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "param", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "top", required_argument, NULL, 't' },
		{ 0 },
	};
	args a = { .fmt = KAM_FMT_TABLE };
	a.o.params = a.params;
	a.o.as_of = kam_today();
	int ch;
	unsigned long long n;
	while ((ch = cli_getopt(c, &cmd_value, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_format(&cmd_value, optarg, &a.fmt))
				return EXIT_USAGE;
			break;
		case 'r': a.o.region = optarg; break;
		case 'm': a.o.model = optarg; break;
		case 'c': a.config = optarg; break;
		case 'n': a.o.dry_run = true; break;
		case 'q': a.quiet = true; break;
		case 't':
			if (cli_uint(&cmd_value, "--top", optarg, &n))
				return EXIT_USAGE;
			if (n < 1)
				return cli_usage(&cmd_value, "--top: expected at least 1, found \"%s\"",
						 optarg);
			a.top = (size_t)n;
			break;
		case 'a':
			if (cli_day_arg(&cmd_value, "--as-of", optarg, &a.o.as_of))
				return EXIT_USAGE;
			break;
		case 'p':
			if (cli_param_arg(&cmd_value, optarg, a.params, &a.o.nparams))
				return EXIT_USAGE;
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_value, "unexpected argument \"%s\"", argv[optind]);
	return value(c, &a);
}

const command cmd_value = {
	"value", run, "score client value with the value models, store a value snapshot",
	"Usage: kam [--db PATH] value [--region R] [--model M] [--param NAME=VALUE ...]\n"
	"                             [--as-of YYYY-MM-DD] [--config FILE] [--dry-run] [--quiet]\n"
	"                             [--top N] [--format table|csv|json]\n"
	"Runs each region's value model (kam.conf.lua in the database directory, or --config FILE:\n"
	"value.regions[R], else value.default, else customer-value with its defaults) and stores\n"
	"the results as a value snapshot that becomes the region's current valuation (beside its\n"
	"segmentation: 'kam why' shows both). Regions with the same model and parameters share one\n"
	"run. Nothing is stored when a model fails. Prints one row per account, sorted by\n"
	"account_id, and a summary per run on stderr.\n\n"
	"Options:\n"
	"  --region R          only region R ('' for accounts without a region)\n"
	"  --model M           run value model M for every region instead of the configured ones\n"
	"  --param NAME=VALUE  a model parameter, over the configured and default values\n"
	"                      (repeatable; see 'kam plugins' for each model's parameters)\n"
	"  --as-of D           compute as of day D (default: today)\n"
	"  --config FILE       read the configuration from FILE\n"
	"  --dry-run           compute and print, store nothing\n"
	"  --quiet             print no values (the summary still goes to stderr)\n"
	"  --top N             print only the N highest values, highest first (ties by account_id)\n"
	"  --format F          table (default), csv or json\n\n"
	"Columns: account_id, model, value, recommendation (empty when none), region, snapshot\n"
	"(empty on a dry run), then one column per metric the models gave (in the order first\n"
	"met; empty where an account has none), e.g. customer-value's profit_window,\n"
	"share_of_wallet, p_alive, expected_transactions.\n"
	"Exit status: 0 success; 1 runtime error (a model failed, a configured model is not\n"
	"loaded, the database); 2 usage error, including an unknown --model (the message lists the\n"
	"loaded value models), an undeclared --param or a value not of its type, a region without\n"
	"accounts.\n",
};
