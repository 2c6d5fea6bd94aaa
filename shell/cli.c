/* cli.c - messages, option parsing and database opening shared by the commands. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "run.h"

int cli_usage(const command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kam %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kam %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("kam: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

int cli_help(const command *cmd)
{
	fputs(cmd->help, stdout);
	return EXIT_OK;
}

int cli_format(const command *cmd, const char *name, kam_format *out)
{
	if (kam_format_parse(name, out))
		return cli_usage(cmd, "--format: expected table, csv or json, found \"%s\"", name);
	return 0;
}

int cli_uint(const command *cmd, const char *opt, const char *text, unsigned long long *out)
{
	char *end;
	if (!*text || *text == '-' || (*out = strtoull(text, &end, 10), *end))
		return cli_usage(cmd, "%s: expected a non-negative integer, found \"%s\"", opt, text);
	return 0;
}

int cli_uint_in(const command *cmd, const char *opt, const char *text, unsigned long long min,
		unsigned long long max, unsigned long long *out)
{
	int rc = cli_uint(cmd, opt, text, out);
	if (!rc && (*out < min || *out > max))
		rc = cli_usage(cmd, "%s: expected %llu to %llu, found \"%s\"", opt, min, max, text);
	return rc;
}

int cli_day_arg(const command *cmd, const char *opt, const char *text, int32_t *day)
{
	kam_date d;
	if (strlen(text) != 10 || kam_date_parse(text, 10, &d))
		return cli_usage(cmd, "%s: expected a date YYYY-MM-DD, found \"%s\"", opt, text);
	*day = d.day;
	return 0;
}

int cli_param_arg(const command *cmd, char *text, kam_param *params, size_t *n)
{
	char *eq = strchr(text, '=');
	if (!eq || eq == text)
		return cli_usage(cmd, "--param: expected NAME=VALUE, found \"%s\"", text);
	if (*n == CLI_MAX_PARAMS)
		return cli_usage(cmd, "--param: at most %d", CLI_MAX_PARAMS);
	*eq = 0; /* the name ends where the '=' was */
	params[(*n)++] = (kam_param){ text, eq + 1 };
	return 0;
}

int cli_open(cli *c, unsigned flags, kam_store **out)
{
	int rc = kam_store_open(c->db, flags, out);
	if (rc == KAM_ENOTFOUND)
		return cli_fail("no database at %s; create one with 'kam --db %s init'", c->db, c->db);
	if (rc == KAM_EREADONLY)
		return cli_fail("cannot open the database %s: it was written by an older kam and is "
				"upgraded when first opened, which needs write access to it",
				c->db);
	if (rc)
		return cli_fail("cannot open the database %s: %s", c->db, kam_strerror(rc));
	return 0;
}

int cli_getopt(cli *c, const command *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	struct option all[32];
	unsigned n = 0;
	for (; longopts && longopts[n].name && n < 29; n++)
		all[n] = longopts[n];
	all[n++] = (struct option){ "db", required_argument, NULL, 'D' };
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n] = (struct option){ 0 };
	char opts[64];
	snprintf(opts, sizeof(opts), ":h%s", shortopts ? shortopts : "");
	for (;;) {
		int ch = getopt_long(argc, argv, opts, all, NULL);
		switch (ch) {
		case 'D':
			c->db = optarg;
			continue;
		case 'h':
			cli_help(cmd);
			return 'h';
		case ':':
			cli_usage(cmd, "%s needs a value", argv[optind - 1]);
			return '?';
		case '?':
			cli_usage(cmd, "unknown option %s", argv[optind - 1]);
			return '?';
		default:
			return ch;
		}
	}
}

const kam_col cli_rollup_cols[CLI_ROLLUP_NCOLS] = {
	{ "order_count", true }, { "first_order", false }, { "last_order", false },
	{ "revenue", true }, { "profit", true }, { "interaction_count", true },
	{ "last_call", false }, { "last_visit", false }, { "last_interaction", false },
	{ "minutes", true },
};

static kam_str date_text(kam_date d, char *scratch)
{
	if (d.day == KAM_NO_DAY)
		return (kam_str){ 0 };
	return (kam_str){ scratch, (uint32_t)kam_date_format(d, scratch) };
}

static kam_str count_text(int64_t v, char *scratch)
{
	return (kam_str){ scratch, (uint32_t)snprintf(scratch, 48, "%lld", (long long)v) };
}

static kam_str money_text(kam_money v, char *scratch)
{
	return (kam_str){ scratch, (uint32_t)kam_money_format(v, scratch) };
}

void cli_rollup_texts(const kam_rollup *r, kam_str *out, char (*s)[48])
{
	out[0] = count_text(r->order_count, s[0]);
	out[1] = date_text(r->first_order, s[1]);
	out[2] = date_text(r->last_order, s[2]);
	out[3] = money_text(r->revenue, s[3]);
	out[4] = money_text(r->profit, s[4]);
	out[5] = count_text(r->interaction_count, s[5]);
	out[6] = date_text(r->last_call, s[6]);
	out[7] = date_text(r->last_visit, s[7]);
	out[8] = date_text(r->last_interaction, s[8]);
	out[9] = count_text(r->minutes, s[9]);
}
