/* cmd_plugins.c - `kam plugins`: the plugins of the search path, what they are and take. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "plugin.h"
#include "run.h"

static const kam_col cols[] = {
	{ "name", false },   { "kind", false },        { "version", false }, { "abi", true },
	{ "origin", false }, { "description", false }, { "params", false },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

/* "name:type=default name:type ..." in declaration order. */
static int params_text(const kam_plugin *d, kam_buf *b)
{
	kam_buf_reset(b);
	for (size_t i = 0; i < d->nparams; i++) {
		const kam_param_def *p = &d->params[i];
		const char *type = kam_param_type_name(p->type);
		if ((i && kam_buf_putc(b, ' ')) || kam_buf_append(b, p->name, strlen(p->name)) ||
		    kam_buf_putc(b, ':') || kam_buf_append(b, type, strlen(type)))
			return KAM_ENOMEM;
		if (p->default_value && (kam_buf_putc(b, '=') ||
					 kam_buf_append(b, p->default_value, strlen(p->default_value))))
			return KAM_ENOMEM;
	}
	return 0;
}

static int list(const kam_registry *reg, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cols, NCOLS);
	kam_buf params = { 0 };
	int rc = 0;
	if (!out)
		return KAM_ENOMEM;
	for (size_t i = 0; !rc && i < kam_registry_count(reg); i++) {
		const kam_model *m = kam_registry_at(reg, i);
		const kam_plugin *d = m->desc;
		char abi[16];
		if ((rc = params_text(d, &params)))
			break;
		kam_str v[NCOLS] = {
			kam_str_c(d->name),
			kam_str_c(kam_plugin_kind_name(d->kind)),
			kam_str_c(d->version ? d->version : ""),
			{ abi, (uint32_t)snprintf(abi, sizeof(abi), "%u", (unsigned)d->abi_major) },
			kam_str_c(m->origin),
			kam_str_c(d->description ? d->description : ""),
			{ (const char *)params.data, (uint32_t)params.len },
		};
		if (!params.len)
			v[6] = (kam_str){ "", 0 };
		rc = kam_out_row(out, v);
	}
	kam_buf_free(&params);
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static void warn(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "kam: warning: %s\n", message);
}

static int print_path(void)
{
	char **dirs;
	size_t n;
	if (kam_plugin_dirs(&dirs, &n))
		return cli_fail("plugins: out of memory");
	for (size_t i = 0; i < n; i++)
		puts(dirs[i]);
	kam_plugin_dirs_free(dirs, n);
	return EXIT_OK;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "path", no_argument, NULL, 'p' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	int ch, path = 0;
	while ((ch = cli_getopt(c, &cmd_plugins, argc, argv, "", opts)) != -1) {
		if (ch == 'p') {
			path = 1;
			continue;
		}
		if (ch != 'f')
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		if (cli_format(&cmd_plugins, optarg, &fmt))
			return EXIT_USAGE;
	}
	if (optind != argc)
		return cli_usage(&cmd_plugins, "unexpected argument \"%s\"", argv[optind]);
	if (path)
		return print_path();
	kam_registry *reg;
	if (kam_registry_new(&reg))
		return cli_fail("plugins: out of memory");
	kam_registry_load_all(reg, warn, NULL);
	int rc = list(reg, fmt);
	kam_registry_free(reg);
	return rc ? cli_fail("plugins: %s", kam_strerror(rc)) : EXIT_OK;
}

const command cmd_plugins = {
	"plugins", run, "list the plugins kam finds and the parameters they take",
	"Usage: kam plugins [--format table|csv|json] [--path]\n"
	"Loads every NAME.so of the plugin search path and lists each plugin: its name, kind\n"
	"(segmentation, cadence, value), version, plugin ABI, the file it came from, a description\n"
	"and its parameters as name:type=default. A file that is not a usable plugin (built for\n"
	"another ABI, malformed, failing init, or named like one found earlier) is reported on\n"
	"stderr and skipped; the command still succeeds.\n\n"
	"Search path, in order: each directory of $KAM_PLUGIN_PATH (colon-separated); DIR/plugins\n"
	"and DIR/../lib/kam/plugins, where DIR holds the kam executable; the installed plugin\n"
	"directory. The first file of a name wins.\n\n"
	"  --path   print the directories of the search path, one per line, and exit\n\n"
	"A plugin is native code that runs with your rights: install only plugins you trust.\n"
	"See docs/plugins.md.\n",
};
