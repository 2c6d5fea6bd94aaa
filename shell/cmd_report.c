/* cmd_report.c - `kam report`: the book per region as one self-contained HTML page. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "date.h"
#include "error.h"
#include "report.h"

typedef struct args {
	kam_report_opts o;
	const char *config, *out;
} args;

/* Writes the page straight into what `path` names (a device, a pipe, a symbolic link). */
static int write_in_place(const kam_report *r, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return cli_fail("report: cannot write %s: %s", path, strerror(errno));
	errno = 0;
	int w = kam_report_write(r, f);
	if (fflush(f) || w || ferror(f)) {
		int e = errno;
		fclose(f);
		return cli_fail("report: writing %s failed: %s", path, e ? strerror(e) : "write error");
	}
	if (fclose(f))
		return cli_fail("report: writing %s failed: %s", path, strerror(errno));
	return 0;
}

/*
 * Writes the page to `path` through a temporary file in the same directory, renamed over it
 * at the end: a reader (a browser reloading, a mail job) never sees half a report, and a failed
 * run leaves the previous one in place. Only a regular file (or a new one) is replaced so;
 * anything else the path names is written into, never replaced by a file.
 */
static int write_file(const kam_report *r, const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(r, path);
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	if (!tmp)
		return cli_fail("report: out of memory");
	snprintf(tmp, len + 16, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return cli_fail("report: cannot create %s: %s", path, strerror(e));
	}
	/* mkstemp makes the file private; a report is a document, so honour the umask instead */
	mode_t mask = umask(0);
	umask(mask);
	int rc = 0;
	FILE *f = fchmod(fd, 0666 & ~mask) ? NULL : fdopen(fd, "w");
	if (!f) {
		rc = cli_fail("report: cannot write %s: %s", path, strerror(errno));
		close(fd);
	} else {
		errno = 0;
		int w = kam_report_write(r, f);
		if (fflush(f) || w || fsync(fileno(f)))
			rc = cli_fail("report: writing %s failed: %s", path,
				      errno ? strerror(errno) : "write error");
		if (fclose(f) && !rc)
			rc = cli_fail("report: writing %s failed: %s", path, strerror(errno));
	}
	if (!rc && rename(tmp, path))
		rc = cli_fail("report: cannot write %s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int report(cli *c, args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	int rc = cli_models_open(c, "report", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	a->o.reg = reg;
	a->o.cfg = &cfg;
	a->o.source = c->db;
	kam_report r;
	if ((rc = kam_report_build(store, &a->o, &r))) {
		rc = r.bad_opts ? cli_usage(&cmd_report, "%s", r.error) : cli_fail("report: %s", r.error);
	} else if (a->out && strcmp(a->out, "-") != 0) {
		if (!(rc = write_file(&r, a->out))) {
			char day[KAM_DATE_BUFSZ];
			kam_date_format((kam_date){ a->o.as_of, KAM_NO_TIME }, day);
			fprintf(stderr, "kam: report: %s: %zu region%s, %llu account%s, as of %s\n",
				a->out, r.nregions, r.nregions == 1 ? "" : "s",
				(unsigned long long)r.total.accounts, r.total.accounts == 1 ? "" : "s",
				day);
		}
	} else if (kam_report_write(&r, stdout) || fflush(stdout) || ferror(stdout)) {
		rc = cli_fail("report: writing the output failed");
	}
	kam_report_free(&r);
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "weeks", required_argument, NULL, 'w' },
		{ "top", required_argument, NULL, 't' },
		{ "window-days", required_argument, NULL, 'd' },
		{ "title", required_argument, NULL, 'T' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	args a = { .config = NULL };
	kam_report_opts_init(&a.o, kam_today());
	int ch, rc = 0;
	unsigned long long n;
	while ((ch = cli_getopt(c, &cmd_report, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'r': a.o.region = optarg; break;
		case 'a': rc = cli_day_arg(&cmd_report, "--as-of", optarg, &a.o.as_of); break;
		case 'o': a.out = optarg; break;
		case 'T': a.o.title = optarg; break;
		case 'c': a.config = optarg; break;
		case 'w':
			if (!(rc = cli_uint_in(&cmd_report, "--weeks", optarg, 1, KAM_REPORT_WEEKS_MAX,
					       &n)))
				a.o.weeks = (int)n;
			break;
		case 't':
			if (!(rc = cli_uint_in(&cmd_report, "--top", optarg, 1, 100000, &n)))
				a.o.top = (size_t)n;
			break;
		case 'd':
			if (!(rc = cli_uint_in(&cmd_report, "--window-days", optarg, 1, 365250, &n)))
				a.o.window_days = (int32_t)n;
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return cli_usage(&cmd_report, "unexpected argument \"%s\"", argv[optind]);
	if (a.out && !*a.out)
		return cli_usage(&cmd_report, "--out: expected a file name");
	return report(c, &a);
}

const command cmd_report = {
	"report", run, "the book per region as one HTML page: Pareto, tiers, load, value, changes",
	"Usage: kam [--db PATH] report [--region R] [--as-of YYYY-MM-DD] [--out FILE.html]\n"
	"                              [--weeks N] [--top N] [--window-days N] [--title TEXT]\n"
	"                              [--config FILE]\n"
	"Writes one self-contained HTML page (inline CSS and SVG charts, no script, nothing\n"
	"fetched from the network; prints on paper) with, per region:\n"
	"  - the Pareto curve of revenue: cumulative share of revenue against the share of\n"
	"    accounts ranked by revenue in the window, with the cut-offs where the current tiers\n"
	"    A and B end;\n"
	"  - tier counts, revenue, share of revenue, hours and revenue per hour per tier;\n"
	"  - concentration: top-1, top-5 and top-N shares, HHI, revenue per hour;\n"
	"  - the agenda load: actions due per rep in each of the next N weeks, overdue ones in the\n"
	"    first column (a heat map);\n"
	"  - the top N accounts by value in the region's current value snapshot (kam value), or a\n"
	"    note that none is stored;\n"
	"  - tier changes since the previous segmentation snapshot: counts from -> to and the\n"
	"    accounts that moved.\n"
	"The figures are those of kam portfolio --by region, kam tiers, kam agenda and kam value;\n"
	"each is marked in the HTML with data-k (what), data-r (region) and data-v (its exact\n"
	"value) so that scripts can read them back (kam(1) lists the keys). Account names and\n"
	"every other text are HTML-escaped.\n\n"
	"Options:\n"
	"  --region R          only region R ('' for accounts without a region)\n"
	"  --as-of D           the day (default: today)\n"
	"  --out FILE          write the page to FILE (replaced at the end, never half-written);\n"
	"                      default: standard output\n"
	"  --weeks N           weeks of agenda load, 1 to 52 (default 8)\n"
	"  --top N             the N of the top-N share and of the value ranking (default 10)\n"
	"  --window-days N     the revenue window (default 365, as abc)\n"
	"  --title TEXT        the page title (default \"Kam report\")\n"
	"  --config FILE       the configuration (cadence models, extra plugins)\n\n"
	"Exit status: 0 success; 1 runtime error (the database, a model, writing the file);\n"
	"2 usage error, including a region without accounts.\n",
};
