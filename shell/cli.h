/* cli.h - what the `kam` commands share: the command table, option helpers, messages. */
#ifndef KAM_CLI_H
#define KAM_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "output.h"
#include "store.h"

/* Exit codes of every command. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct cli {
	const char *db; /* database directory: --db, else $KAM_DB, else ./kam.db */
} cli;

typedef struct command {
	const char *name;
	int (*run)(cli *c, int argc, char **argv);
	const char *summary; /* one line for `kam help` */
	const char *help;    /* the full text of `kam CMD --help` */
} command;

extern const command cmd_init, cmd_import, cmd_export, cmd_get, cmd_list, cmd_stats,
	cmd_backup, cmd_check, cmd_rollups, cmd_gen, cmd_demo, cmd_segment, cmd_tiers, cmd_why, cmd_snapshots,
	cmd_plugins;
/*
 * Fills a registry for a command that runs models: the plugins the configuration lists and those
 * of the search path (as kam_segment_load_plugins, warnings on stderr), then the Lua models of
 * the configuration's `models = {...}`, loaded in a sandboxed Lua state that the registry owns
 * (kam_registry_free releases it). Use it instead of kam_segment_load_plugins so that Lua models
 * work wherever plugins do. Returns 0, or a code with err set (a model file that fails to load
 * or is malformed: "FILE:LINE: ..."). Implemented in lua_models.c.
 */
struct kam_registry;
struct kam_config;
int cli_load_models(struct kam_registry *reg, const struct kam_config *cfg, char *err,
		    size_t errlen);
/* Portfolio, value models and alerts (cmd_portfolio.c, cmd_value.c, cmd_alerts.c). */
extern const command cmd_portfolio, cmd_value, cmd_alerts;
/* The HTML report (cmd_report.c). */
extern const command cmd_report;
/* The Lua commands (cmd_run.c, cmd_shell.c). */
extern const command cmd_run, cmd_shell;

/* The cadence commands (cmd_agenda.c, cmd_log.c, cmd_playbook.c, cmd_activity.c, cmd_capacity.c). */
extern const command cmd_agenda, cmd_log, cmd_playbook, cmd_activity, cmd_capacity;
/*
 * For commands that run models over a read-only database: loads the configuration (--config
 * FILE, else the database's kam.conf.lua), opens the store read-only and fills a registry
 * (cli_load_models). Returns 0, or EXIT_RUNTIME having reported the failure as "kam: WHO: ..."
 * (nothing is left open). Release with cli_models_close. Implemented in cli_models.c.
 */
int cli_models_open(cli *c, const char *who, const char *config, struct kam_config *cfg,
		    kam_store **store, struct kam_registry **reg);
/* cli_models_open with the store opened with `flags` (0: for writing, or KAM_STORE_*). */
int cli_models_open_mode(cli *c, const char *who, const char *config, unsigned flags,
			 struct kam_config *cfg, kam_store **store, struct kam_registry **reg);
void cli_models_close(struct kam_config *cfg, kam_store *store, struct kam_registry *reg);
/*
 * Only the registry of cli_models_open, for a command that has its configuration and store
 * already: a new registry filled with cli_load_models(cfg). Returns 0, or EXIT_RUNTIME having
 * reported "kam: WHO: ..." and left *reg NULL.
 */
int cli_models_registry(const char *who, const struct kam_config *cfg, struct kam_registry **reg);
/*
 * The line on stderr that says what a run of `who` (segment, value) did: "kam: WHO: snapshot
 * ID: " (or "dry run, nothing stored: "), the model, its version and day, the accounts with
 * `counts` in parentheses, and the first 8 regions.
 */
struct kam_segment_run;
void cli_run_summary(const char *who, const struct kam_segment_run *run, bool dry_run,
		     const char *counts);
/* Says on stderr what an agenda cannot show: regions tiered now, accounts without a tier. */
struct kam_agenda;
void cli_agenda_notes(const char *who, const struct kam_agenda *a, int32_t as_of);

/* Writes `text` on stdout wrapped at `width` columns, each line indented (cmd_playbook.c). */
void cli_wrap(const char *text, int indent, int width);

/* Reps (account owners) numbered in the order first seen (cmd_activity.c). */
typedef struct cli_reps {
	char **names;
	size_t n, cap;
	size_t *slots, scap; /* open addressing: index + 1, 0 when free */
	const char *last;    /* one-entry cache by pointer */
	size_t last_ix;
} cli_reps;
/* The index of `owner` ("" for none), added when new; -1 when out of memory. */
long cli_reps_index(cli_reps *r, const char *owner);
/* Drops the pointer cache (before the texts it may point at are freed or reused). */
void cli_reps_forget(cli_reps *r);
/* The rep indexes sorted by name (malloc'd), or NULL when out of memory. */
size_t *cli_reps_order(const cli_reps *r);
void cli_reps_free(cli_reps *r);

/* Runs a command by name with argv[0] = the command name (used by `kam demo` too). */
int cli_dispatch(cli *c, int argc, char **argv);

/*
 * Options every command accepts besides its own: --db PATH, --format F, --help. Returns the
 * getopt_long result, having handled the common ones (it returns 0 for them); 'h' means help was
 * printed and the command should return EXIT_OK; '?' a usage error (already reported).
 */
#define CLI_COMMON_OPTS { "db", required_argument, NULL, 'D' }, { "help", no_argument, NULL, 'h' }

/* Prints "kam CMD: message" and a pointer to --help on stderr; returns EXIT_USAGE. */
int cli_usage(const command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "kam: message" on stderr; returns EXIT_RUNTIME. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a command's help on stdout; returns EXIT_OK. */
int cli_help(const command *cmd);

/* Parses --format's value for `cmd`; returns 0 or EXIT_USAGE (reported). */
int cli_format(const command *cmd, const char *name, kam_format *out);
/* Opens the database, reporting failures with the path. Returns 0 or EXIT_RUNTIME. */
int cli_open(cli *c, unsigned flags, kam_store **out);
/* Parses a non-negative integer option value; returns 0 or EXIT_USAGE (reported). */
int cli_uint(const command *cmd, const char *opt, const char *text, unsigned long long *out);
/* The same, within [min, max]; returns 0 or EXIT_USAGE (reported). */
int cli_uint_in(const command *cmd, const char *opt, const char *text, unsigned long long min,
		unsigned long long max, unsigned long long *out);
/* Parses a YYYY-MM-DD option value into a day; returns 0 or EXIT_USAGE (reported). */
int cli_day_arg(const command *cmd, const char *opt, const char *text, int32_t *day);

/* How many --param NAME=VALUE a command that runs models takes. */
#define CLI_MAX_PARAMS 64
/*
 * Adds the value of a --param (NAME=VALUE) as params[*n], *n < CLI_MAX_PARAMS, cutting `text`
 * at the '=' (argv is the command's to change). Returns 0, or EXIT_USAGE (reported) for a text
 * without a name and an '=', or when there are CLI_MAX_PARAMS already.
 */
struct kam_param;
int cli_param_arg(const command *cmd, char *text, struct kam_param *params, size_t *n);

/*
 * getopt_long over a command's arguments (argv[0] is the command name) with the common options
 * added; handles --db and --help itself. Returns the option character, -1 at the end, 'h' after
 * printing help, '?' after reporting a usage error.
 */
int cli_getopt(cli *c, const command *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* The rollup figures as columns (rollups, get, list share them). */
#define CLI_ROLLUP_NCOLS 10
extern const kam_col cli_rollup_cols[CLI_ROLLUP_NCOLS];
/* Renders a rollup as CLI_ROLLUP_NCOLS texts (absent dates have ptr NULL). */
void cli_rollup_texts(const kam_rollup *r, kam_str *out, char (*scratch)[48]);

#endif
