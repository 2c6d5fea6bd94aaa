/* cmd_export.c - `kam export KIND`: every record of a kind, in the columns import reads. */
#include "cli.h"
#include "error.h"
#include "export.h"

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	kam_format fmt = KAM_FMT_CSV;
	int ch;
	while ((ch = cli_getopt(c, &cmd_export, argc, argv, "", opts)) != -1) {
		if (ch != 'f')
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		if (cli_format(&cmd_export, optarg, &fmt))
			return EXIT_USAGE;
	}
	kam_kind kind;
	if (argc - optind != 1)
		return cli_usage(&cmd_export, "expected KIND");
	if (kam_kind_parse(argv[optind], &kind))
		return cli_usage(&cmd_export, "unknown kind \"%s\"; expected accounts, contacts, orders or interactions",
				 argv[optind]);
	kam_store *store;
	kam_txn *txn;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	rc = kam_txn_begin(store, 0, &txn);
	if (!rc) {
		rc = kam_export(txn, kind, fmt, stdout);
		kam_txn_abort(txn);
	}
	kam_store_close(store);
	return rc ? cli_fail("export failed: %s", kam_strerror(rc)) : EXIT_OK;
}

const command cmd_export = {
	"export", run, "write every record of a kind as CSV or JSON",
	"Usage: kam [--db PATH] export KIND [--format csv|json|table]\n"
	"Writes every account, contact, order or interaction to standard output, by id, in the\n"
	"columns 'kam import' reads (custom attributes included), from one consistent snapshot.\n"
	"Importing the output into an empty database gives the same records.\n\n"
	"Options:\n"
	"  --format F   csv (default, with a header row), json (one object per line) or table\n",
};
