/* cmd_alerts.c - `kam alerts`: tier-A accounts that are slipping away, and why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "value.h"

static const kam_col cols[] = {
	{ "account_id", false },        { "tier", false },
	{ "owner", false },             { "region", false },
	{ "signals", false },           { "p_alive", true },
	{ "p_alive_snapshot", true },   { "orders_recent", true },
	{ "orders_previous", true },    { "order_rate_change", true },
	{ "revenue_12m", true },        { "revenue_prev_12m", true },
	{ "revenue_change", true },     { "share_of_wallet", true },
	{ "share_of_wallet_prev", true },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static kam_str num_text(char *buf, double v)
{
	if (isnan(v))
		return (kam_str){ NULL, 0 };
	return (kam_str){ buf, (uint32_t)kam_out_number(v, buf) };
}

static int print_alerts(const kam_alert_set *s, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cols, NCOLS);
	if (!out)
		return KAM_ENOMEM;
	int rc = 0;
	for (size_t i = 0; !rc && i < s->count; i++) {
		const kam_alert *a = &s->alerts[i];
		char buf[NCOLS][48], tier[2] = { a->tier, 0 };
		kam_str v[NCOLS] = { kam_str_c(a->account_id), kam_str_c(tier), kam_str_c(a->owner),
				     kam_str_c(a->region) };
		v[4] = (kam_str){ buf[4], (uint32_t)kam_alert_signal_names(a->signals, buf[4], 48) };
		if (a->has_p_alive) {
			v[5] = num_text(buf[5], a->p_alive);
			if (a->p_alive_snapshot)
				v[6] = (kam_str){ buf[6], (uint32_t)snprintf(buf[6], 48, "%llu",
									     (unsigned long long)a->p_alive_snapshot) };
		}
		v[7] = (kam_str){ buf[7], (uint32_t)snprintf(buf[7], 48, "%u", a->orders_recent) };
		v[8] = (kam_str){ buf[8], (uint32_t)snprintf(buf[8], 48, "%u", a->orders_previous) };
		v[9] = num_text(buf[9], a->order_rate_change);
		v[10] = (kam_str){ buf[10], (uint32_t)kam_money_format(a->revenue_12m, buf[10]) };
		v[11] = (kam_str){ buf[11],
				   (uint32_t)kam_money_format(a->revenue_prev_12m, buf[11]) };
		v[12] = num_text(buf[12], a->revenue_change);
		if (a->has_wallet) {
			v[13] = num_text(buf[13], a->share_of_wallet);
			v[14] = num_text(buf[14], a->share_of_wallet_prev);
		}
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	return rc ? rc : end;
}

typedef struct args {
	kam_alert_opts o;
	const char *config;
	kam_format fmt;
} args;

static int alerts(cli *c, const args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	kam_txn *txn = NULL;
	int rc = cli_models_open(c, "alerts", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		rc = cli_fail("alerts: reading the database: %s", kam_strerror(rc));
		goto out;
	}
	kam_alert_set s;
	if (kam_alerts(txn, reg, &cfg, &a->o, &s)) {
		rc = cli_fail("alerts: %s", s.error);
		goto out;
	}
	char day[KAM_DATE_BUFSZ];
	kam_date_format((kam_date){ a->o.as_of, KAM_NO_TIME }, day);
	fprintf(stderr, "kam: alerts: as of %s, %zu tier-A account%s, %zu listed; P(alive) of %zu "
			"from value snapshots, of %zu computed now (customer-value, not stored)\n",
		day, s.tier_a, s.tier_a == 1 ? "" : "s", s.count, s.from_snapshots, s.computed);
	rc = print_alerts(&s, a->fmt);
	kam_alert_set_free(&s);
	if (rc || fflush(stdout) || ferror(stdout))
		rc = cli_fail("alerts: writing the output failed");
out:
	kam_txn_abort(txn);
	cli_models_close(&cfg, store, reg);
	return rc;
}

/* A number in [lo, hi] for an option. */
static int number_arg(const char *opt, const char *text, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(text, &end);
	if (!*text || *end || !(v >= lo && v <= hi))
		return cli_usage(&cmd_alerts, "%s: expected a number from %g to %g, found \"%s\"", opt,
				 lo, hi, text);
	*out = v;
	return 0;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as-of", required_argument, NULL, 'a' },
		{ "p-alive", required_argument, NULL, 'p' },
		{ "drop", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'A' },
		{ "fresh", no_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	args a = { .fmt = KAM_FMT_TABLE };
	a.o.as_of = kam_today();
	a.o.p_alive_below = 0.5;
	a.o.drop = 0.3;
	int ch;
	while ((ch = cli_getopt(c, &cmd_alerts, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_format(&cmd_alerts, optarg, &a.fmt))
				return EXIT_USAGE;
			break;
		case 'c': a.config = optarg; break;
		case 'A': a.o.all = true; break;
		case 'F': a.o.fresh = true; break;
		case 'p':
			if (number_arg("--p-alive", optarg, 0, 1, &a.o.p_alive_below))
				return EXIT_USAGE;
			break;
		case 'd':
			if (number_arg("--drop", optarg, 0, 1, &a.o.drop))
				return EXIT_USAGE;
			break;
		case 'a':
			if (cli_day_arg(&cmd_alerts, "--as-of", optarg, &a.o.as_of))
				return EXIT_USAGE;
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_alerts, "unexpected argument \"%s\"", argv[optind]);
	return alerts(c, &a);
}

const command cmd_alerts = {
	"alerts", run, "tier-A accounts that are slipping away, with the signals that fired",
	"Usage: kam [--db PATH] alerts [--as-of YYYY-MM-DD] [--p-alive P] [--drop F] [--all]\n"
	"                              [--fresh] [--config FILE] [--format table|csv|json]\n"
	"Looks at every account whose current tier is A (as 'kam tiers' shows it) as of day D\n"
	"(default: today) and lists those where a signal fires:\n"
	"  p_alive          P(alive), the customer-value model's probability that the account is\n"
	"                   still buying (BG/NBD), is below P (--p-alive, default 0.5)\n"
	"  order_rate       orders per day in the last 182 days (D - 182 < date <= D) fell by at\n"
	"                   least F (--drop, default 0.3 = 30%) from the 365 days before\n"
	"                   (D - 547 < date <= D - 182); needs an order in those 365 days\n"
	"  share_of_wallet  revenue of the last 12 months (D - 365 < date <= D) over the account's\n"
	"                   wallet fell by at least F from the 12 months before (D - 730 < date\n"
	"                   <= D - 365); needs revenue > 0 in those. The wallet is one yearly\n"
	"                   figure, so this is the fall of revenue\n"
	"  revenue          the same fall, for an account without a wallet (or a wallet <= 0)\n"
	"P(alive) comes from the region's current value snapshot when customer-value made it as\n"
	"of D ('kam value --as-of D'); otherwise customer-value runs now over the regions lacking\n"
	"one (value.default's parameters when it is customer-value, else its defaults), and\n"
	"nothing is stored. --fresh always runs it. An account without orders has no P(alive).\n\n"
	"Rows: most signals first, then account_id. Columns: account_id, tier, owner, region,\n"
	"signals (';'-separated), p_alive, p_alive_snapshot (empty: computed now), orders_recent,\n"
	"orders_previous, order_rate_change (recent rate / previous rate - 1), revenue_12m,\n"
	"revenue_prev_12m, revenue_change, share_of_wallet, share_of_wallet_prev.\n\n"
	"Options:\n"
	"  --as-of D      the day (default: today)\n"
	"  --p-alive P    the P(alive) threshold, 0..1 (default 0.5)\n"
	"  --drop F       the relative fall that fires order_rate and share_of_wallet, 0..1\n"
	"                 (default 0.3)\n"
	"  --all          list every tier-A account, also those without a signal\n"
	"  --fresh        compute P(alive) now even where a snapshot has it\n"
	"  --config FILE  the configuration\n"
	"  --format F     table (default), csv or json\n\n"
	"Exit status: 0 success (also when nothing fires); 1 runtime error (customer-value not\n"
	"loaded, the database); 2 usage error.\n",
};
