/*
 * lua_kam.h - the Lua binding of Kam: what its files (shell/lua_*.c) share.
 *
 * The same code is linked into the kam executable (kam shell, kam run, kam -e) and into the
 * MODULE library kam.so that stock Lua 5.4 loads with require "kam". One C file per Lua class,
 * each with a static luaL_Reg table and a named metatable:
 *
 *   lua_kam.c       the module table: kam.open, kam.errors, kam.schema, kam.config, ...
 *   lua_db.c        kam.db        a database: read, write, import, export
 *   lua_tx.c        kam.tx        a transaction: get, put, delete, iterators, rollup, run
 *   lua_cursor.c    kam.cursor    an iterator over records (generic for, to-be-closed)
 *   lua_record.c    kam.account, kam.contact, kam.order, kam.interaction: record tables
 *   lua_csv.c       kam.csv       CSV reader objects, kam.csv.read / kam.csv.write
 *   lua_date.c      kam.date      date helpers (plain functions)
 *   lua_money.c     kam.money     money helpers (plain functions)
 *   lua_models.c    kam.models    the model registry; Lua-defined models (kam.run views)
 *   lua_show.c      kam.show: lists of records as aligned tables
 *   lua_sandbox.c   limits and the restricted environment of --sandbox
 *
 * Error discipline (STYLE.md): misuse raises (luaL_argerror); a runtime failure returns
 * nil, message, code (code: the negative KAM_E* number; kam.errors maps names to numbers). No
 * Lua error is ever raised while an LMDB call or a plugin call is on the C stack: C code calls
 * the core, which returns, and only then touches Lua; every call from C into Lua (callbacks of
 * db:read / db:write, predicates, Lua models) goes through lua_pcall.
 */
#ifndef KAM_LUA_KAM_H
#define KAM_LUA_KAM_H

#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "config.h"
#include "plugin.h"
#include "record.h"
#include "run.h"
#include "store.h"

/* Metatable names. */
#define KL_DB "kam.db"
#define KL_TX "kam.tx"
#define KL_CURSOR "kam.cursor"
#define KL_CSV "kam.csv.reader"
#define KL_MODELS "kam.models"
#define KL_RUN "kam.run"

/* The module. Also registers every metatable. */
int luaopen_kam(lua_State *L);

/* Per-class openers: create the metatable (and return a function table where there is one). */
int luaopen_kam_db(lua_State *L);
int luaopen_kam_tx(lua_State *L);
int luaopen_kam_cursor(lua_State *L);
int luaopen_kam_record(lua_State *L);
int luaopen_kam_csv(lua_State *L);
int luaopen_kam_date(lua_State *L);
int luaopen_kam_money(lua_State *L);
int luaopen_kam_models(lua_State *L);
/* Pushes kam.show, the printer of values (lua_show.c). */
int luaopen_kam_show(lua_State *L);

/* Functions of the module and methods shared between class files. */
int kl_db_open(lua_State *L);
/* kam.open for the host program: allowed in the sandbox (the shell's own `db`). */
int kl_db_open_trusted(lua_State *L);
int kl_tx_get(lua_State *L);
int kl_tx_rollup(lua_State *L);
int kl_tx_list(lua_State *L);
int kl_tx_count(lua_State *L);
int kl_tx_stats(lua_State *L);
int kl_cursor_rows(lua_State *L);
int kl_cursor_list(lua_State *L);
int kl_plugins(lua_State *L);
int kl_load_plugin(lua_State *L);
int kl_model(lua_State *L);
int kl_load_model(lua_State *L);
int kl_run(lua_State *L);

/* ---- helpers (lua_kam.c) ---- */

/* Pushes nil, the message (kam_strerror(code) when fmt is NULL) and code; returns 3. */
int kl_fail(lua_State *L, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Moves `n` malloc'd rows of `size` bytes into a new userdata on the stack and frees `rows`, so
 * that a Lua error raised while the rows are read cannot leak them. Returns the boxed copy.
 */
void *kl_box_rows(lua_State *L, void *rows, size_t n, size_t size);
/* t[key] = day as a date text, for the table on top of the stack; KAM_NO_DAY leaves it nil. */
void kl_set_day(lua_State *L, const char *key, int32_t day);
/* t[key] = v, for the table on top of the stack. */
void kl_set_int(lua_State *L, const char *key, int64_t v);
/* Raises "kam: sandbox limit exceeded" again when a limit has been hit (see lua_sandbox.c). */
void kl_check_limits(lua_State *L);
/*
 * The end of a method that computed `job` in C with result code rc: raises a sandbox limit that
 * was hit; on failure returns kl_fail's nil, msg (pushed before the release: it may live in the
 * job) and rc; else runs build(job) under lua_pcall and returns its nres values, raising its
 * error again. release(job) runs on every path, before any error is raised.
 */
int kl_deliver(lua_State *L, int rc, const char *msg, lua_CFunction build, void *job, int nres,
	       void (*release)(void *job));
/* A record kind named by argument `arg` ("account" or "accounts", ...); raises when unknown. */
kam_kind kl_checkkind(lua_State *L, int arg);
/* A day from a date string or an integer day number at `idx`; raises for anything else. */
int32_t kl_checkday(lua_State *L, int idx, const char *what);
/* Pushes a date as its text, or nil when d.day is KAM_NO_DAY. */
void kl_pushdate(lua_State *L, kam_date d);

/* ---- databases and transactions (lua_db.c, lua_tx.c) ---- */

typedef struct kl_db {
	kam_store *store; /* NULL: closed */
	int busy;         /* a db:read/db:write callback is running */
	int readonly;
} kl_db;

struct kl_cursor;

typedef struct kl_tx {
	kam_txn *txn;             /* NULL once the callback returned */
	kl_db *db;
	int write;
	struct kl_cursor *cursors; /* open cursors, closed when the transaction ends */
	kam_buf scratch;          /* custom attribute encoding for tx:put */
} kl_tx;

kl_db *kl_checkdb(lua_State *L, int idx);
/* Adds methods to every db object (files other than lua_db.c that define db methods). */
void kl_db_add_methods(lua_State *L, const luaL_Reg *methods);
/* The transaction at idx, which must still be open (raises otherwise). */
kl_tx *kl_checktx(lua_State *L, int idx);
/* Pushes a new transaction object (closed) with the db at db_idx as its parent. */
kl_tx *kl_tx_push(lua_State *L, int db_idx);
/* Ends a transaction object: closes its cursors and forgets the txn (does not commit/abort). */
void kl_tx_detach(kl_tx *tx);
/*
 * Runs tx:accounts-like iteration set-up: pushes iterator function, state, nil, closing value.
 * mode 0: yields record tables; mode 1: yields the values of a field list (tx:rows).
 */
int kl_cursor_push(lua_State *L, int tx_idx, kam_kind kind);
void kl_cursor_close_all(kl_tx *tx);

/* ---- records (lua_record.c) ---- */

/* Pushes a record table of `kind` with the record's metatable. */
void kl_record_push(lua_State *L, kam_kind kind, const void *rec);
/*
 * Pushes only the fields whose bit is set in `mask` (bit i: schema field i) and, when
 * `attrs` is set, the custom attributes.
 */
void kl_record_push_some(lua_State *L, kam_kind kind, const void *rec, uint32_t mask, int attrs);
/* Pushes the value of field f of rec (nil when absent). */
void kl_field_push(lua_State *L, const kam_schema *s, const void *rec, int f);
/*
 * Reads the record table at idx into rec. Text views point into strings that this function
 * leaves on the Lua stack (the caller restores the top after using rec); custom attributes are
 * encoded into `attrs`. Raises (argerror on argument `arg`) for a value of the wrong type, an
 * unknown field or a field the kind's parser refuses.
 */
void kl_record_check(lua_State *L, int idx, int arg, kam_kind kind, void *rec, kam_buf *attrs);
/* Pushes a rollup as a table. */
void kl_rollup_push(lua_State *L, const kam_rollup *r);
/* Rollup figures by name: their number 0..KL_ROLLUP_NFIELDS-1, or -1. */
#define KL_ROLLUP_NFIELDS 10
int kl_rollup_field(const char *name);
void kl_rollup_field_push(lua_State *L, const kam_rollup *r, int f);
extern const char *const kl_rollup_names[KL_ROLLUP_NFIELDS];

/* ---- models (lua_models.c) ---- */

/* The registry of the state (created, with every plugin of the search path, on first use). */
kam_registry *kl_registry(lua_State *L);
/* Registers the model table at idx (Lua-defined model); returns 0 or fails like kl_fail. */
int kl_model_add(lua_State *L, int idx, const char *origin, char *err, size_t errlen);
/*
 * The configuration of db (or of the file `config`) into cfg, with the plugins and Lua models it
 * names registered. Returns 0 (free cfg with kam_config_free) or pushes nil, message, code and
 * returns 3.
 */
int kl_config_open(lua_State *L, kl_db *db, const char *config, kam_config *cfg);
/* opts.as_of of the options table at opts (0: none) as a day; today when absent. Raises. */
int32_t kl_opt_as_of(lua_State *L, int opts);
/* opts.params as kam_param, kept alive on the stack. Raises for bad names or values. */
kam_param *kl_check_params(lua_State *L, int opts, size_t *count);
/* db:agenda, db:value, db:portfolio, db:receivables (lua_analysis.c). */
int luaopen_kam_analysis(lua_State *L);
/* db:snapshots (lua_snapshots.c). */
int luaopen_kam_snapshots(lua_State *L);
/* Pushes a snapshot's header as a table, its id (when it has one) under `id_key`. */
struct kam_snapshot_info;
void kl_push_snapshot(lua_State *L, const struct kam_snapshot_info *info, const char *id_key);

/*
 * For the commands that run models (kam segment, kam tiers, ...): fills `reg` with the plugins
 * the configuration lists and those of the search path (kam_segment_load_plugins), then the Lua
 * models of cfg->models, loaded in a sandboxed Lua state that lives as long as the registry
 * (freed by kam_registry_free through the models' fini). Returns 0, or a code with err set
 * ("FILE:LINE: ..." for a model file that fails to load or is malformed).
 */
int cli_load_models(kam_registry *reg, const kam_config *cfg, char *err, size_t errlen);

/* ---- limits (lua_sandbox.c) ---- */

typedef struct kl_limits {
	size_t max_memory;        /* bytes; 0: unlimited */
	uint64_t max_instructions; /* 0: unlimited */
	size_t used;
	uint64_t executed;
	int exceeded;             /* sticky: 1 instructions, 2 memory */
} kl_limits;

/* A lua_Alloc that counts, refusing to grow past lim->max_memory. ud is a kl_limits. */
void *kl_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* Starts counting instructions (when lim->max_instructions is set). */
void kl_limits_start(lua_State *L, kl_limits *lim);
/* The limits of the state, or NULL (a state not made by kl_state_new, such as stock lua). */
kl_limits *kl_limits_of(lua_State *L);
/* The message of an exceeded limit, or NULL. */
const char *kl_limits_message(const kl_limits *lim);

/* What kl_state_new sets up. */
typedef struct kl_options {
	int sandbox;               /* no os, io, package, debug, binary chunks, file access */
	size_t max_memory;         /* bytes, 0: unlimited */
	uint64_t max_instructions; /* 0: unlimited */
} kl_options;

/*
 * A new state for the kam executable: standard libraries (or the sandbox's subset), the kam
 * module preloaded and set as the global `kam`. `lim` must outlive the state. NULL when out of
 * memory.
 */
lua_State *kl_state_new(const kl_options *opt, kl_limits *lim);
/* Whether the state was opened with --sandbox. */
int kl_sandboxed(lua_State *L);
/* Raises when the state is sandboxed: `what` is not allowed there. */
void kl_deny_in_sandbox(lua_State *L, const char *what);

#endif
