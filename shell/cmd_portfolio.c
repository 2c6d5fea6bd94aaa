/* cmd_portfolio.c - `kam portfolio`: concentration, time and return per rep, region or tier. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "date.h"
#include "error.h"
#include "portfolio.h"
#include "segment.h"

static const kam_col cols[] = {
	{ "by", false },           { "group", false },         { "accounts", true },
	{ "revenue", true },       { "top1_share", true },     { "top5_share", true },
	{ "top_n", true },         { "top_n_share", true },    { "hhi", true },
	{ "minutes", true },       { "hours", true },          { "roi", true },
	{ "a_accounts", true },    { "a_revenue", true },      { "a_hours", true },
	{ "b_accounts", true },    { "b_revenue", true },      { "b_hours", true },
	{ "c_accounts", true },    { "c_revenue", true },      { "c_hours", true },
	{ "untiered_accounts", true },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const kam_col rcv_cols[] = {
	{ "account_id", false }, { "owner", false },       { "region", false },
	{ "tier", false },       { "receivables", true },  { "open_orders", true },
	{ "oldest_open", false },
};
#define RCV_NCOLS (sizeof(rcv_cols) / sizeof(rcv_cols[0]))

static const kam_col rcv_group_cols[] = {
	{ "by", false },          { "group", false },       { "accounts", true },
	{ "receivables", true },  { "open_orders", true },  { "oldest_open", false },
};
#define RCV_GROUP_NCOLS (sizeof(rcv_group_cols) / sizeof(rcv_group_cols[0]))

typedef struct args {
	kam_portfolio_opts o;
	const char *config;
	kam_format fmt;
	bool receivables;
} args;

/* Scratch for the texts of one row. */
typedef struct texts {
	char buf[NCOLS][48];
	size_t used;
} texts;

static char *next_buf(texts *t)
{
	return t->buf[t->used++];
}

static kam_str money_text(texts *t, kam_money m)
{
	char *b = next_buf(t);
	return (kam_str){ b, (uint32_t)kam_money_format(m, b) };
}

static kam_str count_text(texts *t, unsigned long long n)
{
	char *b = next_buf(t);
	return (kam_str){ b, (uint32_t)snprintf(b, 48, "%llu", n) };
}

static kam_str int_text(texts *t, long long n)
{
	char *b = next_buf(t);
	return (kam_str){ b, (uint32_t)snprintf(b, 48, "%lld", n) };
}

/*
 * A ratio: exact (the shortest text that reads back as the double) in csv and json, rounded to
 * `decimals` in tables; absent for NAN.
 */
static kam_str ratio_text(texts *t, double v, kam_format fmt, int decimals)
{
	char *b = next_buf(t);
	if (isnan(v))
		return (kam_str){ NULL, 0 };
	if (fmt == KAM_FMT_TABLE)
		return (kam_str){ b, (uint32_t)snprintf(b, 48, "%.*f", decimals, v) };
	return (kam_str){ b, (uint32_t)kam_out_number(v, b) };
}

static kam_str hours_text(texts *t, int64_t minutes, kam_format fmt)
{
	return ratio_text(t, (double)minutes / 60.0, fmt, 1);
}

static int group_row(kam_out *out, const char *by, const kam_portfolio_group *g, size_t top,
		     kam_format fmt)
{
	texts t = { .used = 0 };
	kam_str v[NCOLS] = { kam_str_c(by), kam_str_c(g->key) };
	v[2] = count_text(&t, g->accounts);
	v[3] = money_text(&t, g->revenue);
	v[4] = ratio_text(&t, kam_portfolio_share(g->top1, g->revenue), fmt, 4);
	v[5] = ratio_text(&t, kam_portfolio_share(g->top5, g->revenue), fmt, 4);
	v[6] = count_text(&t, top);
	v[7] = ratio_text(&t, kam_portfolio_share(g->topn, g->revenue), fmt, 4);
	v[8] = ratio_text(&t, g->hhi, fmt, 1);
	v[9] = int_text(&t, g->minutes);
	v[10] = hours_text(&t, g->minutes, fmt);
	v[11] = ratio_text(&t, kam_portfolio_roi(g->revenue, g->minutes), fmt, 2);
	for (int k = 0; k < 3; k++) {
		v[12 + 3 * k] = count_text(&t, g->tier_accounts[k]);
		v[13 + 3 * k] = money_text(&t, g->tier_revenue[k]);
		v[14 + 3 * k] = hours_text(&t, g->tier_minutes[k], fmt);
	}
	v[21] = count_text(&t, g->tier_accounts[KAM_TIER_NONE]);
	return kam_out_row(out, v);
}

static int print_portfolio(const kam_portfolio *p, kam_portfolio_by by, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cols, NCOLS);
	if (!out)
		return KAM_ENOMEM;
	int rc = 0;
	for (size_t i = 0; !rc && i < p->ngroups; i++)
		rc = group_row(out, kam_portfolio_by_name(by), &p->groups[i], p->top, fmt);
	if (!rc)
		rc = group_row(out, "total", &p->total, p->top, fmt);
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static kam_str day_text(char *buf, int32_t day)
{
	if (day == KAM_NO_DAY)
		return (kam_str){ NULL, 0 };
	return (kam_str){ buf, (uint32_t)kam_date_format((kam_date){ day, KAM_NO_TIME }, buf) };
}

static int print_receivables(const kam_receivables_set *s, kam_portfolio_by by, kam_format fmt)
{
	int rc = 0;
	char amount[KAM_MONEY_BUFSZ], open[24], day[KAM_DATE_BUFSZ], n[24];
	kam_out *out;
	if (by == KAM_PORTFOLIO_TOTAL) {
		if (!(out = kam_out_begin(stdout, fmt, rcv_cols, RCV_NCOLS)))
			return KAM_ENOMEM;
		for (size_t i = 0; !rc && i < s->count; i++) {
			const kam_receivable *r = &s->rows[i];
			char tier[2] = { r->tier, 0 };
			kam_str v[RCV_NCOLS] = {
				kam_str_c(r->account_id), kam_str_c(r->owner), kam_str_c(r->region),
				kam_str_c(tier),
				{ amount, (uint32_t)kam_money_format(r->amount, amount) },
				{ open, (uint32_t)snprintf(open, sizeof(open), "%u", r->open_orders) },
				day_text(day, r->oldest_open),
			};
			rc = kam_out_row(out, v);
		}
	} else {
		if (!(out = kam_out_begin(stdout, fmt, rcv_group_cols, RCV_GROUP_NCOLS)))
			return KAM_ENOMEM;
		for (size_t i = 0; !rc && i <= s->ngroups; i++) {
			const kam_receivable_group *g = i < s->ngroups ? &s->groups[i] : &s->total;
			kam_str v[RCV_GROUP_NCOLS] = {
				kam_str_c(i < s->ngroups ? kam_portfolio_by_name(by) : "total"),
				kam_str_c(g->key),
				{ n, (uint32_t)snprintf(n, sizeof(n), "%llu",
							(unsigned long long)g->accounts) },
				{ amount, (uint32_t)kam_money_format(g->amount, amount) },
				{ open, (uint32_t)snprintf(open, sizeof(open), "%u", g->open_orders) },
				day_text(day, g->oldest_open),
			};
			rc = kam_out_row(out, v);
		}
	}
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static void notes(const kam_portfolio *p)
{
	if (p->tiers_computed_regions)
		fprintf(stderr, "kam: portfolio: %zu region%s never segmented: tiers computed with "
				"%s and its defaults as of the day, not stored\n",
			p->tiers_computed_regions, p->tiers_computed_regions == 1 ? "" : "s",
			KAM_DEFAULT_SEGMENTATION);
	if (p->tiers_missing)
		fprintf(stderr, "kam: portfolio: %zu account%s without a tier (not in the current "
				"snapshot of the region); run 'kam segment'\n",
			p->tiers_missing, p->tiers_missing == 1 ? "" : "s");
}

static int portfolio(cli *c, args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	kam_txn *txn = NULL;
	int rc = cli_models_open(c, "portfolio", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		rc = cli_fail("portfolio: reading the database: %s", kam_strerror(rc));
		goto out;
	}
	a->o.reg = reg;
	if (a->receivables) {
		kam_receivables_set s;
		if (kam_receivables(txn, &a->o, &s)) {
			rc = cli_fail("portfolio: %s", s.error);
			goto out;
		}
		rc = print_receivables(&s, a->o.by, a->fmt);
		kam_receivables_free(&s);
	} else {
		kam_portfolio p;
		if (kam_portfolio_compute(txn, &a->o, &p)) {
			rc = cli_fail("portfolio: %s", p.error);
			goto out;
		}
		notes(&p);
		rc = print_portfolio(&p, a->o.by, a->fmt);
		kam_portfolio_free(&p);
	}
	if (rc || fflush(stdout) || ferror(stdout))
		rc = cli_fail("portfolio: writing the output failed");
out:
	kam_txn_abort(txn);
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "window-days", required_argument, NULL, 'w' },
		{ "top", required_argument, NULL, 't' },
		{ "receivables", no_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	args a = { .fmt = KAM_FMT_TABLE };
	a.o.as_of = kam_today();
	a.o.window_days = 365;
	a.o.top = 10;
	int ch;
	unsigned long long n;
	while ((ch = cli_getopt(c, &cmd_portfolio, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_format(&cmd_portfolio, optarg, &a.fmt))
				return EXIT_USAGE;
			break;
		case 'c': a.config = optarg; break;
		case 'r': a.receivables = true; break;
		case 'b':
			if (kam_portfolio_by_parse(optarg, &a.o.by) || a.o.by == KAM_PORTFOLIO_TOTAL)
				return cli_usage(&cmd_portfolio,
						 "--by: expected rep, region or tier, found \"%s\"", optarg);
			break;
		case 'a':
			if (cli_day_arg(&cmd_portfolio, "--as-of", optarg, &a.o.as_of))
				return EXIT_USAGE;
			break;
		case 'w':
			if (cli_uint_in(&cmd_portfolio, "--window-days", optarg, 1, 365250, &n))
				return EXIT_USAGE;
			a.o.window_days = (int32_t)n;
			break;
		case 't':
			if (cli_uint_in(&cmd_portfolio, "--top", optarg, 1, 1000000000, &n))
				return EXIT_USAGE;
			a.o.top = (size_t)n;
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_portfolio, "unexpected argument \"%s\"", argv[optind]);
	return portfolio(c, &a);
}

const command cmd_portfolio = {
	"portfolio", run, "concentration, time and return per rep, region or tier; receivables",
	"Usage: kam [--db PATH] portfolio [--by rep|region|tier] [--as-of YYYY-MM-DD]\n"
	"                                 [--window-days N] [--top N] [--receivables]\n"
	"                                 [--config FILE] [--format table|csv|json]\n"
	"The sales portfolio: one row per group (--by: the account's owner, region or current\n"
	"tier; '' for accounts without one), sorted by group, then a total row (by = total). The\n"
	"window is as in abc: as_of - window_days < date <= as_of (default: today, 365 days).\n\n"
	"Columns:\n"
	"  by, group           the grouping, and the group's key (empty in the total row)\n"
	"  accounts, revenue   accounts, and the sum of their order amounts in the window (exact)\n"
	"  top1_share, top5_share, top_n, top_n_share\n"
	"                      revenue of the 1, 5 and N (--top, default 10) largest accounts over\n"
	"                      the group's revenue (empty when the revenue is <= 0)\n"
	"  hhi                 sum over the accounts of (100 x revenue share)^2, 0..10000: 10000 is\n"
	"                      one account holding everything (empty when the revenue is <= 0)\n"
	"  minutes, hours      interaction minutes in the window (absent minutes count 0), / 60\n"
	"  roi                 revenue per hour invested (empty without minutes)\n"
	"  a_accounts, a_revenue, a_hours, b_..., c_...\n"
	"                      the same per current tier (kam tiers; regions never segmented get\n"
	"                      abc with its defaults as of the day, not stored)\n"
	"  untiered_accounts   accounts without a tier\n"
	"csv and json give ratios exactly (the shortest decimal that reads back as the number);\n"
	"tables round them.\n\n"
	"With --receivables: what clients owe as of the day: per account, the sum over its orders\n"
	"dated <= as_of of amount - paid (an absent paid counts as nothing paid, so the whole\n"
	"amount is receivable). Lists the accounts whose receivable is > 0, largest first:\n"
	"account_id, owner, region, tier, receivables, open_orders (orders with amount > paid),\n"
	"oldest_open (the oldest of them). With --by, one row per group instead (sums of the\n"
	"accounts' receivables > 0), largest first, and a total row. Receivables read every order\n"
	"record, so they take longer than the portfolio.\n\n"
	"Options:\n"
	"  --by G            rep, region or tier (default: the total only)\n"
	"  --as-of D         compute as of day D (default: today)\n"
	"  --window-days N   the window (default 365)\n"
	"  --top N           the N of top_n_share (default 10)\n"
	"  --receivables     list receivables instead\n"
	"  --config FILE     the configuration (for the models of never-segmented regions)\n"
	"  --format F        table (default), csv or json\n\n"
	"Exit status: 0 success; 1 runtime error; 2 usage error.\n",
};
