/*
 * lua_cli.h - what `kam run`, `kam -e` and `kam shell` share (implemented in cmd_run.c): the
 * options of a Lua state, creating it with the global `db`, calling Lua with tracebacks,
 * reporting errors and printing results.
 */
#ifndef KAM_LUA_CLI_H
#define KAM_LUA_CLI_H

#include "cli.h"
#include "lua_kam.h"

typedef struct cli_lua {
	lua_State *L;
	kl_limits lim;
	kl_options opt;
	int readonly;
} cli_lua;

/*
 * Takes argv[*i] (and its value) when it is one of --sandbox, --readonly, --max-instructions N,
 * --max-memory SIZE (K, M, G suffixes), --db PATH; advances *i past it. Returns 1 when taken,
 * 0 when argv[*i] is something else, -1 after reporting a usage error.
 */
int cli_lua_option(cli *c, const command *cmd, cli_lua *cl, int argc, char **argv, int *i);

/*
 * Creates the state (kl_state_new) and sets the global `db` to the database at c->db when
 * there is one (read-only with --readonly; nil when there is none). Returns 0 or EXIT_RUNTIME
 * (reported).
 */
int cli_lua_open(cli *c, cli_lua *cl);
void cli_lua_close(cli_lua *cl);

/* Calls the function below its nargs arguments with a traceback handler; returns the status. */
int cli_lua_call(cli_lua *cl, int nargs, int nresults);
/* Prints "kam: <error>" for the error object on top (or the exceeded limit) and pops it. */
void cli_lua_report(cli_lua *cl);
/* Prints the values from stack index `first` to the top with kam.show and pops them. */
void cli_lua_print(cli_lua *cl, int first);

#endif
