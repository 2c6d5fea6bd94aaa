/* main.c - the `kam` command line: global options, then one command. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"
#include "plugin.h"

static const command *const commands[] = {
	&cmd_init, &cmd_import, &cmd_export, &cmd_get, &cmd_list, &cmd_rollups, &cmd_stats,
	&cmd_backup, &cmd_check, &cmd_gen, &cmd_demo, &cmd_segment, &cmd_tiers, &cmd_why, &cmd_snapshots, &cmd_plugins,
	&cmd_shell, &cmd_run, &cmd_agenda, &cmd_log, &cmd_playbook, &cmd_activity, &cmd_capacity,
	&cmd_portfolio, &cmd_value, &cmd_alerts, &cmd_report,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const command *command_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fputs("Usage: kam [--db PATH] COMMAND [OPTIONS] [ARGS]\n"
	      "Kam keeps a sales team's key accounts, contacts, orders and interactions in an LMDB\n"
	      "database and turns them into decisions.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help      show this text, or a command's help: kam help COMMAND\n\n"
	      "Global options:\n"
	      "  --db PATH   the database directory (default $KAM_DB, else ./kam.db)\n"
	      "  -e CODE     run a chunk of Lua and print its values (see 'kam run --help')\n"
	      "  --version   print the version\n"
	      "  --help      this text\n\n"
	      "Exit status: 0 success, 1 runtime error, 2 usage error.\n"
	      "See kam(1) and 'kam COMMAND --help'.\n",
	      f);
}

int cli_dispatch(cli *c, int argc, char **argv)
{
	const command *cmd = command_find(argv[0]);
	if (!cmd) {
		fprintf(stderr, "kam: unknown command \"%s\"\nTry 'kam help'.\n", argv[0]);
		return EXIT_USAGE;
	}
	optind = 0; /* glibc: fully reinitialise getopt for this argument vector */
	return cmd->run(c, argc, argv);
}

#if defined(__SANITIZE_ADDRESS__)
#define KAM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KAM_SANITIZED 1
#endif
#endif

#ifndef KAM_SANITIZED
static void say(const char *text)
{
	ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
	(void)ignored;
}

/*
 * A fatal signal has two likely causes, and each deserves a sentence rather than a bare
 * "Segmentation fault": a plugin (native code) that crashed during its run, or a damaged
 * database file that made LMDB, which trusts the pages it maps, read through a wild pointer.
 * Either way nothing is lost by stopping here: a model's results are stored only after it
 * returns, and a write transaction that did not commit leaves the database as it was. Only
 * async-signal-safe calls below. Sanitizer builds keep their own reports.
 */
static void on_fatal_signal(int sig)
{
	const char *plugin = kam_plugin_running;
	if (plugin) {
		say("kam: plugin ");
		say(plugin);
		say(sig == SIGSEGV ? " crashed (SIGSEGV)" : sig == SIGBUS ? " crashed (SIGBUS)" :
		    sig == SIGFPE ? " crashed (SIGFPE)" : sig == SIGILL ? " crashed (SIGILL)" :
		    " aborted (SIGABRT)");
		say(" during its run; nothing was written (results are stored only after a model "
		    "returns). A plugin is native code running with your rights: report this to its "
		    "author.\n");
		_exit(EXIT_RUNTIME);
	}
	if (sig == SIGSEGV || sig == SIGBUS) {
		say("kam: fatal: invalid memory access while reading the database; its files may be "
		    "damaged (truncated or overwritten). Nothing was written. Restore a backup, or "
		    "export what still reads and import it into a new database.\n");
		_exit(EXIT_RUNTIME);
	}
	raise(sig); /* SA_RESETHAND restored the default action: die as usual */
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { 0 };
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}
#else
static void catch_fatal_signals(void) /* sanitizer builds keep their own reports */
{
}
#endif

/*
 * A command over a big book allocates arrays of megabytes one after another: the model's work
 * arrays, then the snapshot's encoding and the database's dirty pages. glibc maps each such
 * array afresh and unmaps it when freed, so the kernel zeroes every one (on this VM class, page
 * zeroing was about a third of a segmentation's CPU time). Keeping arrays up to 32 MB in the
 * heap, and freed memory there instead of returning it at once, lets the later arrays reuse the
 * earlier ones: the stored abc segmentation of bench/segment.sh took 272 ms instead of 293
 * (means of 15, hyperfine). A process that ends soon gives the memory back anyway; the REPL
 * keeps its peak until it exits.
 */
static void tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's largest allowed */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

int main(int argc, char **argv)
{
	catch_fatal_signals();
	tune_malloc();
	cli c = { .db = getenv("KAM_DB") };
	if (!c.db || !*c.db)
		c.db = "kam.db";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			c.db = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			c.db = argv[i] + 5;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc) {
			/* kam -e CODE [ARGS] is kam run -e CODE [ARGS]: the slot before -e is consumed */
			argv[i - 1] = "run";
			return cli_dispatch(&c, argc - i + 1, argv + i - 1);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("kam %s\n", KAM_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, "kam: unknown option %s\nTry 'kam help'.\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 == argc) {
			usage(stdout);
			return EXIT_OK;
		}
		const command *cmd = command_find(argv[i + 1]);
		if (!cmd) {
			fprintf(stderr, "kam: unknown command \"%s\"\nTry 'kam help'.\n", argv[i + 1]);
			return EXIT_USAGE;
		}
		return cli_help(cmd);
	}
	return cli_dispatch(&c, argc - i, argv + i);
}
