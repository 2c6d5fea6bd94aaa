/*
 * cmd_shell.c - `kam shell`: an interactive Lua 5.4 prompt over the database.
 *
 * Like lua.c: a line that is an expression prints its values; an incomplete chunk (the parser
 * stops at "<eof>") continues on the next line. Results print through kam.show, so a list of
 * records is an aligned table. With readline (on a terminal): line editing, history in
 * ~/.kam_history, and Tab completion of globals, fields and methods (kam.date.<Tab>,
 * db:<Tab>) and, inside a string, of record kinds and account ids. Ctrl-C stops a running
 * chunk (a db:write in progress is then aborted), Ctrl-D quits.
 *
 * On a pipe it reads standard input without prompts, so it can be scripted and tested; the
 * exit status is then 1 when any chunk failed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef KAM_HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#include "error.h"
#include "lua_cli.h"

#define PROMPT "kam> "
#define PROMPT2 "  >> "
#define HISTORY_FILE ".kam_history"
#define HISTORY_MAX 1000
#define MAX_CANDIDATES 500

static cli_lua *shell; /* for the signal handler and the completion callbacks */

/* ---- interrupting a running chunk ---- */

static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1); /* keeps raising until the chunk is over */
	luaL_error(L, "interrupted");
}

static void on_sigint(int sig)
{
	(void)sig;
	/* lua_sethook is safe in a signal handler (lua.c does the same). */
	lua_sethook(shell->L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* ---- reading lines ---- */

static int interactive;
static char history_path[4096];

/* The next line, malloc'd, without its newline; NULL at the end of input. */
static char *read_line(const char *prompt)
{
#ifdef KAM_HAVE_READLINE
	if (interactive)
		return readline(prompt);
#endif
	(void)prompt;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n && line[n - 1] == '\n')
		line[--n] = 0;
	return line;
}

static void history_add(const char *chunk)
{
#ifdef KAM_HAVE_READLINE
	if (interactive && *chunk) {
		add_history(chunk);
		if (history_path[0])
			append_history(1, history_path);
	}
#else
	(void)chunk;
#endif
}

/* ---- completion ---- */

#ifdef KAM_HAVE_READLINE

static char **candidates;
static size_t ncandidates;

static void candidates_clear(void)
{
	for (size_t i = 0; i < ncandidates; i++)
		free(candidates[i]);
	free(candidates);
	candidates = NULL;
	ncandidates = 0;
}

static void candidate_add(const char *s, size_t len)
{
	if (ncandidates >= MAX_CANDIDATES)
		return;
	char **c = realloc(candidates, (ncandidates + 1) * sizeof(*c));
	if (!c)
		return;
	candidates = c;
	if ((c[ncandidates] = strndup(s, len)))
		ncandidates++;
}

static const char *const keywords[] = {
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
	"in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
	NULL,
};

/* Adds the string keys of the table on top that start with `part`, as prefix .. key. */
static void add_keys(lua_State *L, const char *prefix, size_t plen, const char *part)
{
	size_t n = strlen(part);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			continue;
		size_t klen;
		const char *k = lua_tolstring(L, -1, &klen);
		if (klen >= n && strncmp(k, part, n) == 0 && (k[0] != '_' || n > 0)) {
			char buf[512];
			int len = snprintf(buf, sizeof(buf), "%.*s%s", (int)plen, prefix, k);
			if (len > 0 && (size_t)len < sizeof(buf))
				candidate_add(buf, (size_t)len);
		}
	}
}

/*
 * Protected: completes an expression word ("kam.date.ad", "db:re", "pri"). Walks the dotted
 * path from the globals with raw reads (no metamethod of the user's runs), then lists the keys
 * of the last table, or of a userdata's __index table (its methods).
 */
static int complete_word(lua_State *L)
{
	const char *text = lua_touserdata(L, 1);
	const char *sep = strpbrk(text, ".:");
	lua_pushglobaltable(L);
	const char *seg = text;
	const char *last = NULL;
	while (sep) {
		lua_pushlstring(L, seg, (size_t)(sep - seg));
		lua_rawget(L, -2);
		lua_remove(L, -2);
		if (lua_type(L, -1) == LUA_TUSERDATA) {
			if (!lua_getmetatable(L, -1))
				return 0;
			lua_getfield(L, -1, "__index");
			lua_remove(L, -2);
			lua_remove(L, -2);
		}
		if (!lua_istable(L, -1))
			return 0;
		last = sep;
		seg = sep + 1;
		sep = strpbrk(seg, ".:");
	}
	add_keys(L, text, last ? (size_t)(last - text + 1) : 0, seg);
	if (!last) {
		size_t n = strlen(seg);
		for (int i = 0; keywords[i]; i++)
			if (strncmp(keywords[i], seg, n) == 0)
				candidate_add(keywords[i], strlen(keywords[i]));
	}
	return 0;
}

/* Record kinds and the ids of accounts that start with `text` (a word inside a string). */
static void complete_ids(const char *text)
{
	size_t n = strlen(text);
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		const kam_schema *s = kam_schema_of((kam_kind)k);
		if (strncmp(s->name, text, n) == 0)
			candidate_add(s->name, strlen(s->name));
		if (strncmp(s->singular, text, n) == 0)
			candidate_add(s->singular, strlen(s->singular));
	}
	lua_State *L = shell->L;
	lua_getglobal(L, "db");
	kl_db *db = luaL_testudata(L, -1, KL_DB);
	lua_pop(L, 1);
	if (!db || !db->store)
		return;
	kam_txn *txn;
	kam_cursor *cur;
	if (kam_txn_begin(db->store, 0, &txn))
		return;
	if (!kam_cursor_open(txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN, INT32_MAX,
			     &cur)) {
		/* Ids come in bytewise order: skip those before the prefix, stop after its run. */
		kam_account a;
		kam_str prefix = { text, (uint32_t)n };
		while (kam_cursor_next(cur, &a) > 0 && ncandidates < MAX_CANDIDATES) {
			int c = kam_str_cmp((kam_str){ a.id.ptr, a.id.len < n ? a.id.len : (uint32_t)n },
					    prefix);
			if (c < 0)
				continue;
			if (c > 0 || a.id.len < n)
				break;
			candidate_add(a.id.ptr, a.id.len);
		}
		kam_cursor_close(cur);
	}
	kam_txn_abort(txn);
}

static char *candidate_next(const char *text, int state)
{
	static size_t i;
	(void)text;
	if (state == 0)
		i = 0;
	return i < ncandidates ? strdup(candidates[i++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	candidates_clear();
	rl_attempted_completion_over = 1; /* never fall back to file names */
	rl_completion_append_character = '\0';
	char q = start > 0 ? rl_line_buffer[start - 1] : 0;
	if (q == '"' || q == '\'') {
		complete_ids(text);
	} else {
		lua_State *L = shell->L;
		lua_pushcfunction(L, complete_word);
		lua_pushlightuserdata(L, (void *)text);
		if (lua_pcall(L, 1, 0, 0) != LUA_OK)
			lua_pop(L, 1);
	}
	if (!ncandidates)
		return NULL;
	return rl_completion_matches(text, candidate_next);
}

#endif

/* ---- evaluating ---- */

/* Whether a syntax error only says that the chunk has not ended yet. */
static int incomplete(lua_State *L, int status)
{
	if (status != LUA_ERRSYNTAX)
		return 0;
	size_t len;
	const char *msg = lua_tolstring(L, -1, &len);
	return msg && len >= 5 && strcmp(msg + len - 5, "<eof>") == 0;
}

typedef struct chunk {
	const char *text;
	size_t len;
	int status;
} chunk;

/* Protected: compiles "return TEXT" (an expression to print) or else TEXT. */
static int compile(lua_State *L)
{
	chunk *c = lua_touserdata(L, 1);
	lua_settop(L, 0);
	const char *ret = lua_pushfstring(L, "return %s;", c->text);
	if (luaL_loadbufferx(L, ret, strlen(ret), "=stdin", "t") == LUA_OK) {
		c->status = LUA_OK;
		return 1;
	}
	lua_settop(L, 0);
	c->status = luaL_loadbufferx(L, c->text, c->len, "=stdin", "t");
	return 1;
}

/* Runs the compiled chunk on top; prints its values or the error. Returns 0 or 1 (failed). */
static int evaluate(cli_lua *cl)
{
	lua_State *L = cl->L;
	int base = lua_gettop(L);
	kl_limits_start(L, &cl->lim); /* the limits count per chunk */
	struct sigaction sa = { 0 }, old;
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	int st = cli_lua_call(cl, 0, LUA_MULTRET);
	sigaction(SIGINT, &old, NULL);
	int failed = 0;
	if (st == LUA_OK && cl->lim.exceeded) {
		lua_settop(L, base - 1);
		lua_pushnil(L);
		st = LUA_ERRRUN;
	}
	if (st != LUA_OK) {
		cli_lua_report(cl);
		failed = 1;
	} else if (lua_gettop(L) >= base) {
		kl_limits_start(L, &cl->lim); /* printing is not the chunk's work */
		cli_lua_print(cl, base);
	}
	kl_limits_start(L, &cl->lim);
	lua_settop(L, base - 1);
	return failed;
}

static int repl(cli_lua *cl)
{
	lua_State *L = cl->L;
	int failures = 0;
	char *text = NULL;
	size_t len = 0;
	for (;;) {
		char *line = read_line(len ? PROMPT2 : PROMPT);
		if (!line)
			break;
		/* lua.c's "=expr" shorthand */
		const char *add = line;
		if (!len && line[0] == '=')
			add = line + 1;
		size_t n = strlen(add);
		char *t = realloc(text, len + n + 2);
		if (!t) {
			free(line);
			break;
		}
		text = t;
		if (len)
			text[len++] = '\n';
		memcpy(text + len, add, n + 1);
		len += n;
		free(line);
		int blank = strspn(text, " \t\n") == len;
		if (blank) {
			len = 0;
			continue;
		}
		chunk c = { text, len, LUA_OK };
		lua_pushcfunction(L, compile);
		lua_pushlightuserdata(L, &c);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
			cli_lua_report(cl);
			failures++;
			len = 0;
			continue;
		}
		if (c.status != LUA_OK && incomplete(L, c.status)) {
			lua_pop(L, 1);
			continue; /* read more */
		}
		history_add(text);
		len = 0;
		if (c.status != LUA_OK) {
			cli_lua_report(cl);
			failures++;
			continue;
		}
		failures += evaluate(cl);
	}
	if (len) { /* input ended inside a chunk */
		fprintf(stderr, "kam: unfinished chunk at the end of input\n");
		failures++;
	}
	free(text);
	if (interactive)
		fputc('\n', stdout);
	return failures;
}

static int run(cli *c, int argc, char **argv)
{
	cli_lua cl = { 0 };
	int i = 1;
	while (i < argc) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cli_help(&cmd_shell);
		int r = cli_lua_option(c, &cmd_shell, &cl, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r == 0)
			return argv[i][0] == '-' ? cli_usage(&cmd_shell, "unknown option %s", argv[i])
						 : cli_usage(&cmd_shell, "unexpected argument \"%s\"",
							     argv[i]);
	}
	int rc = cli_lua_open(c, &cl);
	if (rc)
		return rc;
	shell = &cl;
	interactive = isatty(STDIN_FILENO);
#ifdef KAM_HAVE_READLINE
	if (interactive) {
		const char *home = getenv("HOME");
		if (home && *home &&
		    snprintf(history_path, sizeof(history_path), "%s/%s", home, HISTORY_FILE) <
			    (int)sizeof(history_path)) {
			stifle_history(HISTORY_MAX);
			/* append_history needs the file to exist: make it on the first run */
			if (read_history(history_path) != 0)
				write_history(history_path);
		} else {
			history_path[0] = 0;
		}
		rl_readline_name = "kam";
		rl_attempted_completion_function = complete;
		/* '.' and ':' stay inside words: kam.date.add_months, db:read */
		rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,+-*/%^#~[]";
	}
#endif
	if (interactive) {
		lua_getglobal(cl.L, "db");
		int has_db = !lua_isnil(cl.L, -1);
		lua_pop(cl.L, 1);
		printf("kam %s shell (%s)%s; db: %s\n", KAM_VERSION, LUA_RELEASE,
		       cl.opt.sandbox ? ", sandboxed" : "", has_db ? c->db : "none (kam.open to open one)");
		printf("Tab completes, lists of records print as tables, Ctrl-D quits.\n");
	}
	int failures = repl(&cl);
#ifdef KAM_HAVE_READLINE
	if (interactive && history_path[0])
		history_truncate_file(history_path, HISTORY_MAX);
	candidates_clear();
#endif
	cli_lua_close(&cl);
	shell = NULL;
	return !interactive && failures ? EXIT_RUNTIME : EXIT_OK;
}

const command cmd_shell = {
	"shell", run, "an interactive Lua prompt over the database (see docs/lua.md)",
	"Usage: kam [--db PATH] shell [--sandbox] [--readonly] [--max-instructions N]\n"
	"                             [--max-memory SIZE]\n"
	"A Lua 5.4 prompt with the kam module as the global `kam` and the database (--db, $KAM_DB\n"
	"or ./kam.db) as the global `db`. An expression prints its value: a list of records as an\n"
	"aligned table, a record as fields. An unfinished chunk continues on the next line.\n"
	"Tab completes globals, fields and methods (kam.date.<Tab>, db:<Tab>) and, inside a\n"
	"string, record kinds and account ids. History is kept in ~/.kam_history. Ctrl-C stops the\n"
	"running chunk, Ctrl-D quits. Without a terminal it reads chunks from standard input.\n\n"
	"Options: as for 'kam run' (--sandbox, --readonly, limits); the limits apply to each chunk.\n"
	"Exit status: 0; without a terminal, 1 when a chunk failed; 2 usage error.\n",
};
