/* cmd_rollups.c - `kam rollups`: each account's stored rollup figures. */
#include <stdint.h>

#include "cli.h"
#include "error.h"

static int list(kam_txn *txn, kam_scan scan, kam_str key, kam_format fmt)
{
	kam_col cols[1 + CLI_ROLLUP_NCOLS] = { { "account_id", false } };
	for (int i = 0; i < CLI_ROLLUP_NCOLS; i++)
		cols[1 + i] = cli_rollup_cols[i];
	kam_out *out = kam_out_begin(stdout, fmt, cols, 1 + CLI_ROLLUP_NCOLS);
	kam_cursor *cur = NULL;
	if (!out)
		return KAM_ENOMEM;
	int rc = kam_cursor_open(txn, KAM_ACCOUNT, scan, key, INT32_MIN, INT32_MAX, &cur);
	kam_account a;
	while (!rc && (rc = kam_cursor_next(cur, &a)) > 0) {
		kam_rollup r;
		kam_str v[1 + CLI_ROLLUP_NCOLS];
		char scratch[CLI_ROLLUP_NCOLS][48];
		if ((rc = kam_cursor_rollup(cur, &r)))
			break;
		v[0] = a.id;
		cli_rollup_texts(&r, v + 1, scratch);
		rc = kam_out_row(out, v);
	}
	kam_cursor_close(cur);
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "region", required_argument, NULL, 'r' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	kam_scan scan = KAM_SCAN_ALL;
	kam_str key = { 0 };
	int ch;
	while ((ch = cli_getopt(c, &cmd_rollups, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_format(&cmd_rollups, optarg, &fmt))
				return EXIT_USAGE;
			break;
		case 'r': scan = KAM_SCAN_REGION; key = kam_str_c(optarg); break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_rollups, "unexpected argument \"%s\"", argv[optind]);
	kam_store *store;
	kam_txn *txn;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	rc = kam_txn_begin(store, 0, &txn);
	if (!rc) {
		rc = list(txn, scan, key, fmt);
		kam_txn_abort(txn);
	}
	kam_store_close(store);
	return rc ? cli_fail("rollups: %s", kam_strerror(rc)) : EXIT_OK;
}

const command cmd_rollups = {
	"rollups", run, "list each account's rollup figures",
	"Usage: kam [--db PATH] rollups [--region R] [--format table|csv|json]\n"
	"Lists, per account in id order, the figures the store keeps up to date with every write:\n"
	"order_count, first_order, last_order, revenue (sum of amounts), profit (sum of the profits\n"
	"given), interaction_count, last_call (latest call whose outcome is not no-answer),\n"
	"last_visit, last_interaction and minutes (sum of the minutes given).\n",
};
