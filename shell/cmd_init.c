/* cmd_init.c - `kam init`: create an empty database. */
#include "cli.h"

static int run(cli *c, int argc, char **argv)
{
	int ch;
	while ((ch = cli_getopt(c, &cmd_init, argc, argv, "", NULL)) != -1)
		return ch == 'h' ? EXIT_OK : EXIT_USAGE;
	if (optind != argc)
		return cli_usage(&cmd_init, "unexpected argument \"%s\"", argv[optind]);
	kam_store *store;
	int rc = cli_open(c, KAM_STORE_CREATE, &store);
	if (rc)
		return rc;
	printf("database %s ready (schema version %d)\n", kam_store_dir(store), KAM_SCHEMA_VERSION);
	kam_store_close(store);
	return EXIT_OK;
}

const command cmd_init = {
	"init", run, "create an empty database",
	"Usage: kam [--db PATH] init\n"
	"Creates the database directory (mode 0700) and its files (mode 0600) if they do not exist.\n"
	"An existing database is left as it is.\n",
};
