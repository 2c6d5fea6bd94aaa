/* cmd_import.c - `kam import KIND FILE ...`: load CSV files as one transaction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "import.h"

typedef struct progress {
	const char *name;
	double start, last;
	int shown;
} progress;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One status line on the terminal, rewritten in place at most a few times a second. */
static void show_progress(void *ctx, uint64_t rows, uint64_t bytes, uint64_t total)
{
	progress *p = ctx;
	double t = now();
	if (t - p->last < 0.2 && bytes < total)
		return;
	p->last = t;
	p->shown = 1;
	double secs = t - p->start;
	double rate = secs > 0 ? (double)rows / secs : 0;
	fprintf(stderr, "\r\033[Kimporting %s: %llu rows, %.0f rows/s", p->name,
		(unsigned long long)rows, rate);
	if (total) {
		double frac = (double)bytes / (double)total;
		fprintf(stderr, ", %.0f%%", frac * 100);
		if (frac > 0.01 && frac < 1)
			fprintf(stderr, ", ETA %.0fs", secs / frac - secs);
	}
}

/* Prints what each file brought, as the summary on stderr. */
static void report(const progress *p, const kam_import_result *res, size_t n, const char *skip,
		   double secs)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "imported %s: %llu %s (%llu new, %llu replaced)", p[i].name,
			(unsigned long long)res[i].rows, res[i].rows == 1 ? "row" : "rows",
			(unsigned long long)res[i].inserted, (unsigned long long)res[i].replaced);
		if (n == 1)
			fprintf(stderr, " in %.2fs", secs);
		if (skip)
			fprintf(stderr, "; %llu rejected %s written to %s",
				(unsigned long long)res[i].rejected,
				res[i].rejected == 1 ? "row" : "rows", skip);
		fputc('\n', stderr);
	}
	if (n > 1)
		fprintf(stderr, "imported %zu files as one transaction in %.2fs\n", n, secs);
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "skip-bad", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	kam_import_opts io[KAM_IMPORT_MAX_FILES] = { { 0 } };
	progress p[KAM_IMPORT_MAX_FILES] = { { 0 } };
	kam_import_result res[KAM_IMPORT_MAX_FILES];
	const char *skip = NULL, *map = NULL;
	int quiet = 0, ch, stdin_seen = 0;
	while ((ch = cli_getopt(c, &cmd_import, argc, argv, "q", opts)) != -1) {
		switch (ch) {
		case 'm': map = optarg; break;
		case 's': skip = optarg; break;
		case 'q': quiet = 1; break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	int args = argc - optind;
	if (args < 2 || args % 2)
		return cli_usage(&cmd_import, "expected KIND FILE [KIND FILE ...]");
	size_t n = (size_t)args / 2;
	if (n > KAM_IMPORT_MAX_FILES)
		return cli_usage(&cmd_import, "at most %d files in one import", KAM_IMPORT_MAX_FILES);
	if (n > 1 && (map || skip))
		return cli_usage(&cmd_import, "--map and --skip-bad go with a single file");
	double start = now();
	for (size_t i = 0; i < n; i++) {
		const char *kind = argv[optind + 2 * i], *path = argv[optind + 2 * i + 1];
		if (kam_kind_parse(kind, &io[i].kind))
			return cli_usage(&cmd_import, "unknown kind \"%s\"; expected accounts, contacts, orders or interactions",
					 kind);
		if (strcmp(path, "-") == 0 && stdin_seen++)
			return cli_usage(&cmd_import, "standard input ('-') can be read only once");
		io[i].path = path;
		io[i].map = map;
		p[i] = (progress){ .name = strcmp(path, "-") ? path : "<stdin>", .start = start };
		if (!quiet && isatty(STDERR_FILENO)) {
			io[i].progress = show_progress;
			io[i].progress_ctx = &p[i];
		}
	}
	if (skip) {
		io[0].rejects = fopen(skip, "w+");
		if (!io[0].rejects)
			return cli_fail("cannot write %s: %s", skip, kam_strerror(errno));
		io[0].rejects_name = skip;
	}
	kam_store *store;
	int rc = cli_open(c, 0, &store);
	if (rc) {
		if (io[0].rejects)
			fclose(io[0].rejects);
		return rc;
	}
	size_t failed;
	rc = kam_import_many(store, io, n, res, &failed);
	kam_store_close(store);
	int shown = 0;
	for (size_t i = 0; i < n; i++)
		shown |= p[i].shown;
	if (shown)
		fputs("\r\033[K", stderr);
	if (io[0].rejects && fclose(io[0].rejects) && !rc)
		rc = cli_fail("cannot write %s", skip);
	if (rc)
		return cli_fail("%s; nothing was imported", res[failed].error);
	if (!quiet)
		report(p, res, n, skip, now() - start);
	return EXIT_OK;
}

const command cmd_import = {
	"import", run, "load accounts, contacts, orders or interactions from CSV",
	"Usage: kam [--db PATH] import KIND FILE [KIND FILE ...] [--map FIELD=Header,...]\n"
	"                                [--skip-bad REJECTS] [--quiet]\n"
	"Loads FILE (CSV per RFC 4180, UTF-8, a header row; '-' reads standard input) into the\n"
	"database. KIND is accounts, contacts, orders or interactions. Columns are matched to fields\n"
	"by header name; columns of other names are kept as custom attributes. A row whose id exists\n"
	"replaces that record, so running an import again is safe.\n\n"
	"The import is one transaction: the first bad row stops it with an error naming the file,\n"
	"line, column and what was expected, and nothing is written. Several KIND FILE pairs are\n"
	"imported in the order given, all in that one transaction: a whole book (accounts, contacts,\n"
	"orders, interactions) goes in completely or not at all, and faster than file by file.\n\n"
	"Options:\n"
	"  --map F=H,...      take field F from the column headed H (one file only)\n"
	"  --skip-bad FILE    commit the good rows; write each bad row, with its line and error, to FILE\n"
	"                     (one file only)\n"
	"  -q, --quiet        no progress and no summary on stderr\n"
	"  --db PATH          the database directory\n",
};
