/* cmd_backup.c - `kam backup DIR`: a consistent copy of the database, taken while it is in use. */
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "error.h"

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "compact", no_argument, NULL, 'c' }, { 0 } };
	bool compact = false;
	int ch;
	while ((ch = cli_getopt(c, &cmd_backup, argc, argv, "", opts)) != -1) {
		if (ch != 'c')
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		compact = true;
	}
	if (optind == argc)
		return cli_usage(&cmd_backup, "which directory? kam backup DIR");
	if (optind + 1 != argc)
		return cli_usage(&cmd_backup, "unexpected argument \"%s\"", argv[optind + 1]);
	const char *dir = argv[optind];
	kam_store *store;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	uint64_t bytes;
	rc = kam_store_backup(store, dir, compact, KAM_CONFIG_FILE, &bytes);
	kam_store_close(store);
	if (rc == KAM_EEXIST)
		return cli_fail("backup: %s exists and is not an empty directory; nothing was written",
				dir);
	if (rc)
		return cli_fail("backup of %s to %s failed: %s; nothing was written", c->db, dir,
				kam_strerror(rc));
	printf("backup of %s written to %s/data.mdb (%llu bytes%s)\n", c->db, dir,
	       (unsigned long long)bytes, compact ? ", compacted" : "");
	return EXIT_OK;
}

const command cmd_backup = {
	"backup", run, "copy the database, consistently, while it is in use",
	"Usage: kam [--db PATH] backup DIR [--compact]\n"
	"Writes a copy of the database as of its latest commit into DIR, which must not exist or be\n"
	"empty: DIR/data.mdb (mode 0600; DIR is made mode 0700), synced to disk, with the database's\n"
	"configuration (kam.conf.lua) when it has one. Other commands may read and write meanwhile;\n"
	"the copy holds all of each committed transaction or none of it. A plain copy waits for a\n"
	"write in progress (an import) to commit, then copies while writers go on. The copy is a\n"
	"database of its own: 'kam --db DIR ...' opens it, and putting DIR in the place of the\n"
	"database restores it. On failure nothing is left in DIR.\n"
	"\n"
	"  --compact   copy from a read transaction, without waiting for a write in progress, and\n"
	"              leave out the free pages: a smaller file, slower to write\n",
};
