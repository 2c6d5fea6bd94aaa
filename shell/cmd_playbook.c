/* cmd_playbook.c - `kam playbook`: the prepared responses to the seven typical objections. */
#include <string.h>

#include "agenda.h"
#include "cli.h"
#include "error.h"

static const kam_col cols[] = {
	{ "objection", false }, { "says", false }, { "response", false }, { "source", false },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

void cli_wrap(const char *text, int indent, int width)
{
	const char *p = text;
	while (*p) {
		int room = width - indent;
		const char *end = p, *brk = NULL;
		while (*end && end - p <= room) {
			if (*end == ' ')
				brk = end;
			end++;
		}
		if (*end && brk)
			end = brk;
		printf("%*s%.*s\n", indent, "", (int)(end - p), p);
		p = end;
		while (*p == ' ')
			p++;
	}
}

static int print_text(const kam_config *cfg, int only)
{
	for (int k = 1; k <= KAM_PLAYBOOK_COUNT; k++) {
		if (only && k != only)
			continue;
		printf("%s%d. %s: \"%s\"%s\n", k > 1 && !only ? "\n" : "", k, kam_objection_slug(k),
		       kam_objection_phrase(k),
		       cfg->playbook[k - 1] ? " (from the configuration)" : "");
		cli_wrap(kam_playbook_response(cfg, k), 3, 96);
	}
	printf("\nRule: ");
	cli_wrap(kam_playbook_rule, 0, 90);
	return 0;
}

static int print_rows(const kam_config *cfg, int only, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cols, NCOLS);
	if (!out)
		return KAM_ENOMEM;
	int rc = 0;
	for (int k = 1; !rc && k <= KAM_PLAYBOOK_COUNT; k++) {
		if (only && k != only)
			continue;
		kam_str v[NCOLS] = {
			kam_str_c(kam_objection_slug(k)), kam_str_c(kam_objection_phrase(k)),
			kam_str_c(kam_playbook_response(cfg, k)),
			cfg->playbook[k - 1] ? KAM_STR("config") : KAM_STR("default"),
		};
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	const char *config = NULL;
	int ch, rc = 0, only = 0;
	while ((ch = cli_getopt(c, &cmd_playbook, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_playbook, optarg, &fmt); break;
		case 'c': config = optarg; break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (argc - optind > 1)
		return cli_usage(&cmd_playbook, "unexpected argument \"%s\"", argv[optind + 1]);
	if (argc - optind == 1 && !(only = kam_objection_parse(argv[optind])))
		return cli_usage(&cmd_playbook, "no objection \"%s\" (expected one of "
						"send-materials, in-house-supply, has-supplier, "
						"not-decision-maker, no-budget, price-too-high, "
						"bad-past-experience)", argv[optind]);
	kam_config cfg;
	char err[512];
	if (kam_config_load(config, c->db, &cfg, err, sizeof(err)))
		return cli_fail("playbook: %s", err);
	rc = fmt == KAM_FMT_TABLE ? print_text(&cfg, only) : print_rows(&cfg, only, fmt);
	kam_config_free(&cfg);
	if (rc)
		return cli_fail("playbook: %s", kam_strerror(rc));
	return 0;
}

const command cmd_playbook = {
	"playbook", run, "the prepared responses to the seven typical objections",
	"Usage: kam [--db PATH] playbook [SLUG] [--config FILE] [--format table|csv|json]\n"
	"Lists the seven typical objections a rep meets, what the contact says, and the prepared\n"
	"response (the built-in one, or the configuration's: playbook = { [\"price-too-high\"] =\n"
	"\"...\" } in kam.conf.lua). An objection is a request for more information: handle it at\n"
	"most twice on one call, then call again another day. 'kam agenda' shows the response with\n"
	"each follow-up; record an objection with 'kam log ACCOUNT call --objection SLUG'.\n\n"
	"SLUG: send-materials, in-house-supply, has-supplier, not-decision-maker, no-budget,\n"
	"price-too-high or bad-past-experience (default: all seven).\n"
	"Columns (csv, json): objection, says, response, source (default or config).\n"
	"Exit status: 0 success; 1 runtime error (the configuration); 2 usage error.\n",
};
