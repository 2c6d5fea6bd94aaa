/* cmd_import.c - `kam import KIND FILE`: load a CSV file as one transaction. */
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

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "skip-bad", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	kam_import_opts io = { 0 };
	const char *skip = NULL;
	int quiet = 0, ch;
	while ((ch = cli_getopt(c, &cmd_import, argc, argv, "q", opts)) != -1) {
		switch (ch) {
		case 'm': io.map = optarg; break;
		case 's': skip = optarg; break;
		case 'q': quiet = 1; break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return cli_usage(&cmd_import, "expected KIND FILE");
	if (kam_kind_parse(argv[optind], &io.kind))
		return cli_usage(&cmd_import, "unknown kind \"%s\"; expected accounts, contacts, orders or interactions",
				 argv[optind]);
	io.path = argv[optind + 1];

	progress p = { .name = strcmp(io.path, "-") ? io.path : "<stdin>", .start = now() };
	if (!quiet && isatty(STDERR_FILENO)) {
		io.progress = show_progress;
		io.progress_ctx = &p;
	}
	if (skip) {
		io.rejects = fopen(skip, "w+");
		if (!io.rejects)
			return cli_fail("cannot write %s: %s", skip, kam_strerror(errno));
		io.rejects_name = skip;
	}
	kam_store *store;
	int rc = cli_open(c, 0, &store);
	if (rc) {
		if (io.rejects)
			fclose(io.rejects);
		return rc;
	}
	kam_import_result res;
	rc = kam_import(store, &io, &res);
	kam_store_close(store);
	if (p.shown)
		fputs("\r\033[K", stderr);
	if (io.rejects && fclose(io.rejects) && !rc)
		rc = cli_fail("cannot write %s", skip);
	if (rc)
		return cli_fail("%s; nothing was imported", res.error);
	if (!quiet) {
		double secs = now() - p.start;
		fprintf(stderr, "imported %s: %llu rows (%llu new, %llu replaced) in %.2fs", p.name,
			(unsigned long long)res.rows, (unsigned long long)res.inserted,
			(unsigned long long)res.replaced, secs);
		if (skip)
			fprintf(stderr, "; %llu rejected rows written to %s", (unsigned long long)res.rejected,
				skip);
		fputc('\n', stderr);
	}
	return EXIT_OK;
}

const command cmd_import = {
	"import", run, "load accounts, contacts, orders or interactions from CSV",
	"Usage: kam [--db PATH] import KIND FILE [--map FIELD=Header,...] [--skip-bad REJECTS] [--quiet]\n"
	"Loads FILE (CSV per RFC 4180, UTF-8, a header row; '-' reads standard input) into the\n"
	"database. KIND is accounts, contacts, orders or interactions. Columns are matched to fields\n"
	"by header name; columns of other names are kept as custom attributes. A row whose id exists\n"
	"replaces that record, so running an import again is safe.\n\n"
	"The whole file is one transaction: the first bad row stops the import with an error naming\n"
	"the file, line, column and what was expected, and nothing of the file is written.\n\n"
	"Options:\n"
	"  --map F=H,...      take field F from the column headed H (for files whose headers differ)\n"
	"  --skip-bad FILE    commit the good rows; write each bad row, with its line and error, to FILE\n"
	"  -q, --quiet        no progress and no summary on stderr\n"
	"  --db PATH          the database directory\n",
};
