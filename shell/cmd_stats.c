/* cmd_stats.c - `kam stats`: record counts, sizes and LMDB figures. */
#include <stdio.h>

#include "cli.h"
#include "error.h"

static int print_stats(const kam_store_stats *s, kam_format fmt)
{
	static const kam_col cols[] = { { "name", false }, { "value", true } };
	struct { const char *name; uint64_t value; } rows[] = {
		{ "accounts", s->records[KAM_ACCOUNT] },
		{ "contacts", s->records[KAM_CONTACT] },
		{ "orders", s->records[KAM_ORDER] },
		{ "interactions", s->records[KAM_INTERACTION] },
		{ "schema_version", s->schema_version },
		{ "file_bytes", s->file_size },
		{ "used_bytes", s->used_bytes },
		{ "map_bytes", s->map_size },
		{ "page_bytes", s->page_size },
		{ "tree_depth", s->tree_depth },
		{ "readers", s->readers },
		{ "max_readers", s->max_readers },
		{ "last_txn", s->last_txn_id },
	};
	kam_out *out = kam_out_begin(stdout, fmt, cols, 2);
	if (!out)
		return KAM_ENOMEM;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char num[32];
		kam_str v[2] = { kam_str_c(rows[i].name),
				 { num, (uint32_t)snprintf(num, sizeof(num), "%llu",
							   (unsigned long long)rows[i].value) } };
		kam_out_row(out, v);
	}
	return kam_out_end(out);
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	kam_format fmt = KAM_FMT_TABLE;
	int ch;
	while ((ch = cli_getopt(c, &cmd_stats, argc, argv, "", opts)) != -1) {
		if (ch != 'f')
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		if (cli_format(&cmd_stats, optarg, &fmt))
			return EXIT_USAGE;
	}
	if (optind != argc)
		return cli_usage(&cmd_stats, "unexpected argument \"%s\"", argv[optind]);
	kam_store *store;
	kam_txn *txn;
	kam_store_stats st;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	rc = kam_txn_begin(store, 0, &txn);
	if (!rc) {
		rc = kam_store_stats_get(txn, &st);
		kam_txn_abort(txn);
	}
	kam_store_close(store);
	if (!rc)
		rc = print_stats(&st, fmt);
	return rc ? cli_fail("stats: %s", kam_strerror(rc)) : EXIT_OK;
}

const command cmd_stats = {
	"stats", run, "record counts, database sizes and LMDB figures",
	"Usage: kam [--db PATH] stats [--format table|csv|json]\n"
	"Prints the number of accounts, contacts, orders and interactions, the schema version, the\n"
	"data file's size, the bytes in use, the map size reserved, the page size, the deepest\n"
	"B-tree, the reader slots in use and the id of the last committed transaction.\n",
};
