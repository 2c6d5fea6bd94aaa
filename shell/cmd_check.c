/* cmd_check.c - `kam check`: whether the database agrees with itself. */
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "error.h"

typedef struct shown {
	unsigned long long max, seen;
} shown;

static void print_problem(void *ctx, const char *problem)
{
	shown *s = ctx;
	if (s->seen++ < s->max)
		printf("problem: %s\n", problem);
}

static void show_progress(void *ctx, const char *kind, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "\r\033[Kchecking %s: %llu of %llu", kind, (unsigned long long)done,
		(unsigned long long)total);
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "max", required_argument, NULL, 'm' }, { 0 } };
	shown s = { 100, 0 };
	int ch;
	while ((ch = cli_getopt(c, &cmd_check, argc, argv, "", opts)) != -1) {
		if (ch != 'm')
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		if (cli_uint(&cmd_check, "--max", optarg, &s.max))
			return EXIT_USAGE;
	}
	if (optind != argc)
		return cli_usage(&cmd_check, "unexpected argument \"%s\"", argv[optind]);
	kam_store *store;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	kam_txn *txn;
	kam_check_result res;
	rc = kam_txn_begin(store, 0, &txn);
	if (!rc) {
		int tty = isatty(STDERR_FILENO);
		rc = kam_check(txn, print_problem, tty ? show_progress : NULL, &s, &res);
		if (tty)
			fputs("\r\033[K", stderr);
		kam_txn_abort(txn);
	}
	kam_store_close(store);
	if (rc)
		return cli_fail("check of %s: %s", c->db, kam_strerror(rc));
	if (res.problems > s.max)
		printf("... and %llu more problem%s\n", (unsigned long long)(res.problems - s.max),
		       res.problems - s.max == 1 ? "" : "s");
	printf("checked %llu accounts, %llu contacts, %llu orders, %llu interactions: ",
	       (unsigned long long)res.records[KAM_ACCOUNT],
	       (unsigned long long)res.records[KAM_CONTACT],
	       (unsigned long long)res.records[KAM_ORDER],
	       (unsigned long long)res.records[KAM_INTERACTION]);
	if (!res.problems) {
		printf("no problems\n");
		return EXIT_OK;
	}
	printf("%llu problem%s\n", (unsigned long long)res.problems, res.problems == 1 ? "" : "s");
	return EXIT_RUNTIME;
}

const command cmd_check = {
	"check", run, "verify that the database agrees with itself",
	"Usage: kam [--db PATH] check [--max N]\n"
	"Reads the whole database, as of its latest commit, and reports where it does not agree with\n"
	"itself: records that do not decode; rollups that differ from the orders and interactions\n"
	"they sum; index entries of orders, interactions and contacts without their record, or that\n"
	"differ from it; records their account's index does not reach; region and owner index\n"
	"entries that do not list exactly the accounts with that value. Writers may run meanwhile.\n"
	"Prints a line 'problem: ...' for each of the first N problems (default 100), then what was\n"
	"read; on a terminal, how far it has come on standard error. Exit status 0 when there is no\n"
	"problem, 1 when there is one.\n"
	"A damaged database is best replaced from a backup (kam backup); failing that, export what\n"
	"still reads and import it into a new database.\n",
};
