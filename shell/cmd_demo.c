/* cmd_demo.c - `kam demo`: a fresh database from sample data, and a tour of what Kam does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define DEMO_ACCOUNTS "2000"
#define DEMO_SEED "42"
#define DEMO_AS_OF "2026-06-30" /* the last day of the generated history */

/* Prints the command as a user would type it, then runs it. */
static int step(cli *c, const char *title, char **argv)
{
	int argc = 0;
	printf("\n== %s\n$ kam --db %s", title, c->db);
	for (; argv[argc]; argc++)
		printf(strchr(argv[argc], ' ') || strchr(argv[argc], '>') ? " '%s'" : " %s", argv[argc]);
	printf("\n");
	fflush(stdout);
	int rc = cli_dispatch(c, argc, argv);
	fflush(stdout);
	return rc;
}

/* Removes a previous demo database so that every run starts from the same state. */
static int remove_db(const char *db)
{
	char path[4096];
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	for (int i = 0; i < 2; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", db, files[i]) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (unlink(path) && errno != ENOENT)
			return -1;
	}
	return rmdir(db) && errno != ENOENT ? -1 : 0;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "accounts", required_argument, NULL, 'n' },
		{ 0 },
	};
	const char *dir = "kam-demo", *accounts = DEMO_ACCOUNTS;
	int ch;
	unsigned long long n;
	while ((ch = cli_getopt(c, &cmd_demo, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'n':
			if (cli_uint(&cmd_demo, "--accounts", optarg, &n))
				return EXIT_USAGE;
			accounts = optarg;
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_demo, "unexpected argument \"%s\"", argv[optind]);

	char data[4096], db[4096], files[4][4200];
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(db, sizeof(db), "%s/kam.db", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return cli_fail("cannot create %s: %s", dir, strerror(errno));
	if (remove_db(db))
		return cli_fail("cannot remove the previous demo database %s: %s", db, strerror(errno));
	c->db = db;
	static const char *const kinds[] = { "accounts", "contacts", "orders", "interactions" };
	for (int i = 0; i < 4; i++)
		snprintf(files[i], sizeof(files[i]), "%s/%s.csv", data, kinds[i]);

	printf("Kam demo: a sales team's key accounts in %s\n", db);
	int rc = step(c, "Generate sample data (deterministic: same seed, same bytes)",
		      (char *[]){ "gen", data, "--accounts", (char *)accounts, "--seed", DEMO_SEED, NULL });
	if (!rc)
		rc = step(c, "Create the database", (char *[]){ "init", NULL });
	if (!rc)
		rc = step(c, "Import the whole book in one transaction (a bad row would leave nothing written)",
			  (char *[]){ "import", (char *)kinds[0], files[0], (char *)kinds[1], files[1],
				      (char *)kinds[2], files[2], (char *)kinds[3], files[3], NULL });
	if (!rc)
		rc = step(c, "What the database holds", (char *[]){ "stats", NULL });
	if (!rc)
		rc = step(c, "Records, indexes and rollups agree with each other",
			  (char *[]){ "check", NULL });
	if (!rc)
		rc = step(c, "The whales: top 10 accounts by revenue (fish where the fish are)",
			  (char *[]){ "list", "accounts", "--sort", "-revenue", "--limit", "10", NULL });
	if (!rc)
		rc = step(c, "Target market: stationery makers with 500+ employees (highest channel value)",
			  (char *[]){ "list", "accounts", "--where", "channel=stationery-maker, employees>=500",
				      "--sort", "-annual_revenue", "--limit", "5", NULL });
	if (!rc)
		rc = step(c, "Neglected accounts: revenue over 100000 but no visit since 2026-01-01",
			  (char *[]){ "list", "accounts", "--where", "revenue>100000 and last_visit<2026-01-01",
				      "--sort", "-revenue", "--limit", "5", NULL });
	if (!rc)
		rc = step(c, "One account: its record, rollup, contacts and latest interactions",
			  (char *[]){ "get", "account", "A0000001", "--latest", "5", NULL });
	if (!rc)
		rc = step(c, "Segment: tier A/B/C per region (revenue Pareto), stored as a snapshot",
			  (char *[]){ "segment", "--as-of", "2026-06-30", "--quiet", NULL });
	if (!rc)
		rc = step(c, "One rep's agenda: calls, follow-ups and visits due, A first, most overdue first",
			  (char *[]){ "agenda", "--as-of", "2026-06-30", "--owner", "rep07", "--within", "7",
				      NULL });
	if (!rc)
		rc = step(c, "Client value (customer-value: profit, share of wallet, tenure, BG/NBD "
			     "forecast): the 10 most valuable accounts, stored as a value snapshot",
			  (char *[]){ "value", "--as-of", DEMO_AS_OF, "--top", "10", NULL });
	if (!rc)
		rc = step(c, "The portfolio per tier: concentration (top-10 share, HHI), hours and "
			     "revenue per hour",
			  (char *[]){ "portfolio", "--by", "tier", "--as-of", DEMO_AS_OF, NULL });
	char report[4200];
	snprintf(report, sizeof(report), "%s/report.html", dir);
	if (!rc)
		rc = step(c, "The report: one HTML page, per region the revenue Pareto with the tier "
			     "cut-offs, concentration, agenda load, value ranking and tier changes",
			  (char *[]){ "report", "--as-of", DEMO_AS_OF, "--out", report, NULL });
	if (!rc) {
		char *abs = realpath(report, NULL);
		printf("Report: %s (open it in a browser; it needs no network and prints)\n",
		       abs ? abs : report);
		free(abs);
	}
	if (!rc)
		printf("\nDone. Explore with: kam --db %s help\n", db);
	return rc;
}

const command cmd_demo = {
	"demo", run, "build a database from sample data and show what Kam does",
	"Usage: kam demo [--dir DIR] [--accounts N]\n"
	"Generates sample data (N accounts, default " DEMO_ACCOUNTS ") into DIR/data (default\n"
	"kam-demo/data), builds a fresh database DIR/kam.db from it and runs a tour of the commands,\n"
	"printing each command line before its output; it ends with the HTML report\n"
	"DIR/report.html and prints its path.\n",
};
