/* cmd_snapshots.c - `kam snapshots`: the stored segmentations, newest first. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "segment.h"

static const kam_col cols[] = {
	{ "id", true }, { "kind", false }, { "model", false }, { "version", false },
	{ "as_of", false }, { "regions", false }, { "accounts", true }, { "taken_at", false },
	{ "params", false },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

typedef struct listing {
	kam_out *out;
	kam_buf regions, params;
} listing;

/* Joins texts with `sep` into b (NUL-terminated); an empty region shows as "(none)". */
static int join(kam_buf *b, const char *sep, const char *text, const char *text2)
{
	int rc = 0;
	if (b->len)
		rc = kam_buf_append(b, sep, strlen(sep));
	if (!rc)
		rc = kam_buf_append(b, text, strlen(text));
	if (!rc && text2) {
		rc = kam_buf_putc(b, '=');
		if (!rc)
			rc = kam_buf_append(b, text2, strlen(text2));
	}
	return rc;
}

static int row(void *ctx, const kam_snapshot_info *s)
{
	listing *l = ctx;
	char id[24], day[KAM_DATE_BUFSZ], accounts[24], when[32];
	kam_buf_reset(&l->regions);
	kam_buf_reset(&l->params);
	for (size_t i = 0; i < s->nregions; i++)
		if (join(&l->regions, ",", *s->regions[i] ? s->regions[i] : "(none)", NULL))
			return KAM_ENOMEM;
	for (size_t i = 0; i < s->nparams; i++)
		if (join(&l->params, " ", s->params[i].name, s->params[i].value))
			return KAM_ENOMEM;
	kam_date_format((kam_date){ s->as_of, KAM_NO_TIME }, day);
	time_t t = (time_t)s->taken_at;
	struct tm tm;
	size_t wlen = gmtime_r(&t, &tm) ? strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm)
					 : 0;
	kam_str v[NCOLS] = {
		{ id, (uint32_t)snprintf(id, sizeof(id), "%llu", (unsigned long long)s->id) },
		kam_str_c(kam_plugin_kind_name(s->kind)),
		kam_str_c(s->model),
		kam_str_c(s->model_version),
		kam_str_c(day),
		{ (const char *)l->regions.data, (uint32_t)l->regions.len },
		{ accounts, (uint32_t)snprintf(accounts, sizeof(accounts), "%llu",
					       (unsigned long long)s->accounts) },
		{ when, (uint32_t)wlen },
		{ (const char *)l->params.data, (uint32_t)l->params.len },
	};
	if (!v[5].ptr)
		v[5] = (kam_str){ "", 0 };
	if (!v[8].ptr)
		v[8] = (kam_str){ "", 0 };
	return kam_out_row(l->out, v);
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	int ch;
	while ((ch = cli_getopt(c, &cmd_snapshots, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_format(&cmd_snapshots, optarg, &fmt))
				return EXIT_USAGE;
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_snapshots, "unexpected argument \"%s\"", argv[optind]);
	kam_store *store;
	kam_txn *txn;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	listing l = { 0 };
	rc = kam_txn_begin(store, 0, &txn);
	if (!rc) {
		if (!(l.out = kam_out_begin(stdout, fmt, cols, NCOLS)))
			rc = KAM_ENOMEM;
		if (!rc)
			rc = kam_snapshot_each(txn, row, &l);
		int end = l.out ? kam_out_end(l.out) : 0;
		rc = rc ? rc : end;
		kam_txn_abort(txn);
	}
	kam_buf_free(&l.regions);
	kam_buf_free(&l.params);
	kam_store_close(store);
	return rc ? cli_fail("snapshots: %s", kam_strerror(rc)) : EXIT_OK;
}

const command cmd_snapshots = {
	"snapshots", run, "list the stored segmentation snapshots, newest first",
	"Usage: kam [--db PATH] snapshots [--format table|csv|json]\n"
	"Lists every stored snapshot, newest first: id, kind, model, version, as_of, regions\n"
	"(comma-separated; '(none)' stands for the accounts without a region), accounts, taken_at\n"
	"(UTC) and the resolved parameters (NAME=VALUE, space-separated). A region's current\n"
	"tiers are those of the newest snapshot that covers it; see 'kam tiers'.\n",
};
