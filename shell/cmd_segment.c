/* cmd_segment.c - `kam segment`: run the segmentation models, store snapshots, print tiers. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "segment.h"

static const kam_col cols[] = {
	{ "account_id", false }, { "region", false }, { "tier", false }, { "score", true },
	{ "snapshot", true },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static int print_rows(const kam_tier_row *rows, size_t n, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cols, NCOLS);
	if (!out)
		return KAM_ENOMEM;
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		char score[32], snap[24], tier = rows[i].tier;
		kam_str v[NCOLS] = { rows[i].account_id, rows[i].region,
				     { tier ? &tier : "", tier ? 1u : 0u } };
		v[3] = (kam_str){ score, (uint32_t)kam_out_number(rows[i].score, score) };
		if (rows[i].snapshot)
			v[4] = (kam_str){ snap, (uint32_t)snprintf(snap, sizeof(snap), "%llu",
								   (unsigned long long)rows[i].snapshot) };
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	return rc ? rc : end;
}

/* One line per run on stderr: what ran, where, and how many accounts got each tier. */
static void summary(const kam_segment_result *r, bool dry_run)
{
	for (size_t i = 0; i < r->nruns; i++) {
		const kam_segment_run *run = &r->runs[i];
		size_t tiers[4] = { 0 };
		for (size_t k = 0; k < run->out.count; k++) {
			char t = run->out.results[k].tier;
			tiers[t == 'A' ? 0 : t == 'B' ? 1 : t == 'C' ? 2 : 3]++;
		}
		char counts[128];
		int len = snprintf(counts, sizeof(counts), "A %zu, B %zu, C %zu", tiers[0], tiers[1],
				   tiers[2]);
		if (tiers[3])
			snprintf(counts + len, sizeof(counts) - (size_t)len, ", none %zu", tiers[3]);
		cli_run_summary("segment", run, dry_run, counts);
	}
}

typedef struct args {
	kam_segment_opts o;
	kam_param params[CLI_MAX_PARAMS];
	const char *config;
	kam_format fmt;
	bool quiet;
} args;

static int segment(cli *c, args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	int rc = cli_models_open_mode(c, "segment", a->config, a->o.dry_run ? KAM_STORE_RDONLY : 0,
				      &cfg, &store, &reg);
	if (rc)
		return rc;
	kam_segment_result res;
	if ((rc = kam_segment(store, reg, &cfg, &a->o, &res))) {
		rc = res.bad_opts ? cli_usage(&cmd_segment, "%s", res.error)
				  : cli_fail("segment: %s", res.error);
		goto out;
	}
	summary(&res, a->o.dry_run);
	if (!a->quiet) {
		kam_tier_row *rows;
		size_t n;
		rc = kam_segment_rows(&res, &rows, &n);
		if (!rc) {
			rc = print_rows(rows, n, a->fmt);
			free(rows);
		}
		if (rc)
			rc = cli_fail("segment: printing the tiers: %s", kam_strerror(rc));
	}
	kam_segment_result_free(&res);
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
		{ 0 },
	};
	args a = { .fmt = KAM_FMT_TABLE };
	a.o.params = a.params;
	a.o.as_of = kam_today();
	int ch, rc = 0;
	while ((ch = cli_getopt(c, &cmd_segment, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_segment, optarg, &a.fmt); break;
		case 'r': a.o.region = optarg; break;
		case 'm': a.o.model = optarg; break;
		case 'c': a.config = optarg; break;
		case 'n': a.o.dry_run = true; break;
		case 'q': a.quiet = true; break;
		case 'a': rc = cli_day_arg(&cmd_segment, "--as-of", optarg, &a.o.as_of); break;
		case 'p': rc = cli_param_arg(&cmd_segment, optarg, a.params, &a.o.nparams); break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return cli_usage(&cmd_segment, "unexpected argument \"%s\"", argv[optind]);
	return segment(c, &a);
}

const command cmd_segment = {
	"segment", run, "tier accounts A/B/C with the segmentation models, store a snapshot",
	"Usage: kam [--db PATH] segment [--region R] [--model M] [--param NAME=VALUE ...]\n"
	"                               [--as-of YYYY-MM-DD] [--config FILE] [--dry-run] [--quiet]\n"
	"                               [--format table|csv|json]\n"
	"Runs each region's segmentation model (kam.conf.lua in the database directory, or\n"
	"--config FILE: segmentation.regions[R], else segmentation.default, else abc with its\n"
	"defaults) and stores the tiers as a snapshot that becomes the region's current one.\n"
	"Regions with the same model and parameters share one run. Nothing is stored when a model\n"
	"fails. Prints one row per account, sorted by account_id, and a summary per run on stderr.\n\n"
	"Options:\n"
	"  --region R          only region R ('' for accounts without a region)\n"
	"  --model M           run model M for every region instead of the configured ones\n"
	"  --param NAME=VALUE  a model parameter, over the configured and default values\n"
	"                      (repeatable; see 'kam plugins' for each model's parameters)\n"
	"  --as-of D           compute as of day D (default: today)\n"
	"  --config FILE       read the configuration from FILE\n"
	"  --dry-run           compute and print, store nothing\n"
	"  --quiet             print no tiers (the summary still goes to stderr)\n"
	"  --format F          table (default), csv or json\n\n"
	"Columns: account_id, region, tier, score, snapshot (empty on a dry run).\n"
	"Exit status: 0 success; 1 runtime error (a model failed, a configured model is not\n"
	"loaded, the database); 2 usage error, including an unknown --model (the message lists the\n"
	"loaded models), an undeclared --param or a value not of its type, a region without\n"
	"accounts.\n",
};
