/*
 * cmd_snapshots.c - `kam snapshots`: the stored snapshots, newest first; and dropping those that
 * no region uses any more (--drop, --keep).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "prune.h"
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

/* Lists the stored snapshots (txn given), or the infos given, in the format asked for. */
static int list(kam_format fmt, kam_txn *txn, const kam_snapshot_info *infos, size_t n)
{
	listing l = { 0 };
	int rc = (l.out = kam_out_begin(stdout, fmt, cols, NCOLS)) ? 0 : KAM_ENOMEM;
	if (!rc && txn)
		rc = kam_snapshot_each(txn, row, &l);
	for (size_t i = 0; !rc && !txn && i < n; i++)
		rc = row(&l, &infos[i]);
	int end = l.out ? kam_out_end(l.out) : 0;
	kam_buf_free(&l.regions);
	kam_buf_free(&l.params);
	return rc ? rc : end;
}

static int prune_write(kam_txn *txn, void *arg)
{
	return kam_prune_run(txn, arg, false);
}

/* Drops (or, dry, only lists) the snapshots --drop names or --keep leaves over. */
static int drop_run(cli *c, kam_prune *p, bool dry_run, kam_format fmt)
{
	kam_store *store;
	kam_txn *txn;
	int rc = cli_open(c, dry_run ? KAM_STORE_RDONLY : 0, &store);
	if (rc)
		return rc;
	if (dry_run) {
		if (!(rc = kam_txn_begin(store, 0, &txn))) {
			rc = kam_prune_run(txn, p, true);
			kam_txn_abort(txn);
		}
	} else {
		rc = kam_store_write(store, prune_write, p);
	}
	kam_store_close(store);
	if (!rc)
		rc = list(fmt, NULL, p->drop, p->ndrop);
	if (rc)
		return cli_fail("snapshots: %s", p->why[0] ? p->why : kam_strerror(rc));
	unsigned long long results = 0;
	for (size_t i = 0; i < p->ndrop; i++)
		results += p->drop[i].accounts;
	fprintf(stderr, "kam: snapshots: %s %zu snapshot%s (%llu results)%s\n",
		dry_run ? "would drop" : "dropped", p->ndrop, p->ndrop == 1 ? "" : "s", results,
		dry_run ? "; nothing changed (--dry-run)"
			: p->ndrop ? "; later writes reuse their space" : "");
	return EXIT_OK;
}

/* Appends the ids of a --drop value (ID[,ID...]) to `ids`; returns 0 or EXIT_USAGE (reported). */
static int ids_add(kam_buf *ids, const char *text)
{
	for (const char *s = text;;) {
		char *end;
		errno = 0;
		/* an id after every comma, the trailing one too */
		unsigned long long id = *s >= '1' && *s <= '9' ? strtoull(s, &end, 10) : 0;
		if (!id || errno || (*end && *end != ','))
			return cli_usage(&cmd_snapshots, "--drop: expected snapshot ids, found \"%s\"",
					 text);
		uint64_t v = id;
		if (kam_buf_append(ids, &v, sizeof(v)))
			return cli_fail("snapshots: out of memory");
		if (!*end)
			return 0;
		s = end + 1;
	}
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "drop", required_argument, NULL, 'd' },
		{ "keep", required_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	kam_prune p = { .keep = -1 };
	kam_buf ids = { 0 }; /* uint64_t each */
	unsigned long long keep;
	bool dry_run = false;
	int ch, rc = EXIT_OK;
	while (!rc && (ch = cli_getopt(c, &cmd_snapshots, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_snapshots, optarg, &fmt); break;
		case 'd': rc = ids_add(&ids, optarg); break;
		case 'k':
			if (!(rc = cli_uint(&cmd_snapshots, "--keep", optarg, &keep)))
				p.keep = keep > LLONG_MAX ? LLONG_MAX : (long long)keep;
			break;
		case 'n': dry_run = true; break;
		default: rc = ch == 'h' ? -1 : EXIT_USAGE;
		}
	}
	p.ids = (const uint64_t *)(void *)ids.data;
	p.nids = ids.len / sizeof(uint64_t);
	if (!rc && optind != argc)
		rc = cli_usage(&cmd_snapshots, "unexpected argument \"%s\"", argv[optind]);
	else if (!rc && p.nids && p.keep >= 0)
		rc = cli_usage(&cmd_snapshots, "--drop and --keep: give one of them");
	else if (!rc && dry_run && !p.nids && p.keep < 0)
		rc = cli_usage(&cmd_snapshots, "--dry-run goes with --drop or --keep");
	if (!rc && (p.nids || p.keep >= 0)) {
		rc = drop_run(c, &p, dry_run, fmt);
	} else if (!rc) {
		kam_store *store;
		kam_txn *txn;
		if (!(rc = cli_open(c, KAM_STORE_RDONLY, &store))) {
			if (!(rc = kam_txn_begin(store, 0, &txn))) {
				rc = list(fmt, txn, NULL, 0);
				kam_txn_abort(txn);
			}
			kam_store_close(store);
			if (rc)
				rc = cli_fail("snapshots: %s", kam_strerror(rc));
		}
	}
	kam_prune_free(&p);
	kam_buf_free(&ids);
	return rc < 0 ? EXIT_OK : rc;
}

const command cmd_snapshots = {
	"snapshots", run, "list the stored snapshots, newest first; drop old ones",
	"Usage: kam [--db PATH] snapshots [--format table|csv|json]\n"
	"       kam [--db PATH] snapshots --drop ID[,ID...] [--dry-run] [--format ...]\n"
	"       kam [--db PATH] snapshots --keep N [--dry-run] [--format ...]\n"
	"Lists every stored snapshot, newest first: id, kind, model, version, as_of, regions\n"
	"(comma-separated; '(none)' stands for the accounts without a region), accounts, taken_at\n"
	"(UTC) and the resolved parameters (NAME=VALUE, space-separated). A region's current\n"
	"tiers are those of the newest snapshot that covers it; see 'kam tiers'.\n"
	"\n"
	"Every 'kam segment' and 'kam value' keeps a snapshot (about 40 and 90 bytes per account).\n"
	"These options delete old ones, in one transaction, and list those deleted in the same\n"
	"columns (a summary goes to standard error):\n"
	"  --drop ID[,ID...]  those snapshots (the option may be repeated)\n"
	"  --keep N           all but the N newest\n"
	"  --dry-run          only list what would be deleted\n"
	"A snapshot that holds some region's current tiers or values always stays: --keep\n"
	"passes over it, and --drop of it fails, as does --drop of an unknown id; nothing is\n"
	"deleted then. The database file does not shrink: later writes reuse the space, and\n"
	"'kam backup --compact' writes a copy without it.\n"
	"Exit status: 0 success; 1 a snapshot refused (in use, unknown) or a runtime error; 2 a\n"
	"usage error.\n",
};
