/*
 * lua_db.c - class kam.db: an open database.
 *
 *   local db = kam.open("kam.db", { create = true })
 *   db:write(function(tx) tx:put("account", { id = "A1", name = "Acme" }) end)
 *
 * Transactions exist only for the duration of a callback: db:read and db:write begin one, call
 * the function with a kam.tx through lua_pcall (so a Lua error never unwinds through the store),
 * end it, and then re-raise the error if there was one. db:write commits when the function
 * returns and aborts when it raises, so a failed script writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "export.h"
#include "import.h"
#include "lua_kam.h"

kl_db *kl_checkdb(lua_State *L, int idx)
{
	kl_db *db = luaL_checkudata(L, idx, KL_DB);
	if (!db->store)
		luaL_argerror(L, idx, "the database is closed");
	return db;
}

static int bool_opt(lua_State *L, int idx, const char *name)
{
	lua_getfield(L, idx, name);
	int t = lua_type(L, -1);
	if (t != LUA_TNIL && t != LUA_TBOOLEAN)
		luaL_argerror(L, idx, lua_pushfstring(L, "option %s: expected a boolean", name));
	int v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

static int db_open(lua_State *L, int trusted);

/* kam.open(path [, {create=bool, readonly=bool}]) -> db | nil, message, code */
int kl_db_open(lua_State *L)
{
	return db_open(L, 0);
}

int kl_db_open_trusted(lua_State *L)
{
	return db_open(L, 1);
}

static int db_open(lua_State *L, int trusted)
{
	const char *path = luaL_checkstring(L, 1);
	unsigned flags = 0;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		if (bool_opt(L, 2, "create"))
			flags |= KAM_STORE_CREATE;
		if (bool_opt(L, 2, "readonly"))
			flags |= KAM_STORE_RDONLY;
	}
	if (!trusted)
		kl_deny_in_sandbox(L, "kam.open");
	/* Created closed: if anything below fails, __gc finds nothing to release. */
	kl_db *db = lua_newuserdatauv(L, sizeof(*db), 0);
	memset(db, 0, sizeof(*db));
	luaL_setmetatable(L, KL_DB);
	int rc = kam_store_open(path, flags, &db->store);
	if (rc == KAM_ENOTFOUND)
		return kl_fail(L, rc, "no database at %s (pass {create=true} to make one)", path);
	if (rc)
		return kl_fail(L, rc, "cannot open the database %s: %s", path, kam_strerror(rc));
	db->readonly = (flags & KAM_STORE_RDONLY) != 0;
	return 1;
}

/* db:close(): safe twice; refused while one of its transactions runs. */
static int db_close(lua_State *L)
{
	kl_db *db = luaL_checkudata(L, 1, KL_DB);
	if (db->busy)
		return luaL_error(L, "db:close: a transaction of this database is still running");
	kam_store_close(db->store);
	db->store = NULL;
	return 0;
}

static int db_gc(lua_State *L)
{
	kl_db *db = luaL_checkudata(L, 1, KL_DB);
	/* Nothing can be busy when the object is garbage: its callbacks hold it. */
	if (!db->busy) {
		kam_store_close(db->store);
		db->store = NULL;
	}
	return 0;
}

static int db_tostring(lua_State *L)
{
	kl_db *db = luaL_checkudata(L, 1, KL_DB);
	if (db->store)
		lua_pushfstring(L, "kam.db (%s)", kam_store_dir(db->store));
	else
		lua_pushliteral(L, "kam.db (closed)");
	return 1;
}

/* db:path() -> the database directory */
static int db_path(lua_State *L)
{
	lua_pushstring(L, kam_store_dir(kl_checkdb(L, 1)->store));
	return 1;
}

/*
 * Calls the function at fn_idx with the transaction at tx_idx and the `nargs` values above
 * fn_idx... the caller arranged; the results replace everything above `base`.
 */
static int call_with_tx(lua_State *L, int fn_idx, int tx_idx, int first_arg, int nargs)
{
	lua_pushvalue(L, fn_idx);
	lua_pushvalue(L, tx_idx);
	for (int i = 0; i < nargs; i++)
		lua_pushvalue(L, first_arg + i);
	return lua_pcall(L, 1 + nargs, LUA_MULTRET, 0);
}

/* db:read(function(tx, ...) ... end, ...) -> what the function returns */
static int db_read(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	int nargs = lua_gettop(L) - 2;
	luaL_checkstack(L, nargs + 8, "too many arguments");
	kl_tx *tx = kl_tx_push(L, 1);
	int tx_idx = lua_gettop(L);
	int rc = kam_txn_begin(db->store, 0, &tx->txn);
	if (rc)
		return kl_fail(L, rc, "db:read: %s", kam_strerror(rc));
	db->busy++;
	int st = call_with_tx(L, 2, tx_idx, 3, nargs);
	kam_txn *txn = tx->txn;
	kl_tx_detach(tx);
	kam_txn_abort(txn);
	db->busy--;
	if (st != LUA_OK)
		return lua_error(L);
	kl_check_limits(L);
	return lua_gettop(L) - tx_idx;
}

typedef struct write_ctx {
	lua_State *L;
	kl_tx *tx;
	int tx_idx, nargs;
	int status; /* of the last lua_pcall */
	int limited;
} write_ctx;

/*
 * The store's write callback. Runs the Lua function protected: whatever it raises is caught
 * here, above kam_store_write's frames, and turned into an abort. May run more than once when
 * the map must grow (the store then retries the whole transaction).
 */
static int write_cb(kam_txn *txn, void *arg)
{
	write_ctx *w = arg;
	lua_State *L = w->L;
	lua_settop(L, w->tx_idx); /* an earlier attempt's results or error */
	w->tx->txn = txn;
	w->status = call_with_tx(L, 2, w->tx_idx, 3, w->nargs);
	kl_tx_detach(w->tx);
	kl_limits *lim = kl_limits_of(L);
	w->limited = lim && lim->exceeded;
	if (w->status != LUA_OK || w->limited)
		return KAM_ECANCELED;
	return 0;
}

/*
 * db:write(function(tx, ...) ... end, ...) -> what the function returns | nil, message, code
 * Commits when the function returns, aborts (and re-raises) when it raises.
 */
static int db_write(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	int nargs = lua_gettop(L) - 2;
	luaL_checkstack(L, nargs + 8, "too many arguments");
	kl_tx *tx = kl_tx_push(L, 1);
	tx->write = 1;
	write_ctx w = { L, tx, lua_gettop(L), nargs, LUA_OK, 0 };
	db->busy++;
	int rc = kam_store_write(db->store, write_cb, &w);
	db->busy--;
	if (w.status != LUA_OK)
		return lua_error(L); /* the transaction is gone: raising is safe now */
	kl_check_limits(L);
	if (rc)
		return kl_fail(L, rc, "db:write: %s", kam_strerror(rc));
	return lua_gettop(L) - w.tx_idx;
}

/* Runs a kam.tx method in a read transaction of its own: db:get, db:rollup, db:list. */
static int oneshot(lua_State *L, lua_CFunction method)
{
	kl_db *db = kl_checkdb(L, 1);
	luaL_checkstack(L, 4, NULL);
	kl_tx *tx = kl_tx_push(L, 1);
	int rc = kam_txn_begin(db->store, 0, &tx->txn);
	if (rc)
		return kl_fail(L, rc, "%s", kam_strerror(rc));
	lua_replace(L, 1); /* the tx keeps the db alive */
	lua_pushcfunction(L, method);
	lua_insert(L, 1);
	db->busy++;
	int st = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	kam_txn *txn = tx->txn;
	kl_tx_detach(tx);
	kam_txn_abort(txn);
	db->busy--;
	if (st != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}


static int db_get(lua_State *L) { return oneshot(L, kl_tx_get); }
static int db_rollup(lua_State *L) { return oneshot(L, kl_tx_rollup); }
static int db_list(lua_State *L) { return oneshot(L, kl_tx_list); }
static int db_count(lua_State *L) { return oneshot(L, kl_tx_count); }
static int db_stats(lua_State *L) { return oneshot(L, kl_tx_stats); }

/* Builds "field=Header,field2=Other" from a table { field = "Header" } (or takes a string). */
static const char *map_text(lua_State *L, int idx)
{
	if (lua_isnoneornil(L, idx))
		return NULL;
	if (lua_type(L, idx) == LUA_TSTRING)
		return lua_tostring(L, idx);
	if (!lua_istable(L, idx))
		luaL_error(L, "option map: expected \"field=Header,...\" or a table { field = \"Header\" }");
	/* Accumulate in one stack slot: lua_next needs its key on top, so no luaL_Buffer. */
	lua_pushliteral(L, "");
	int acc = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "option map: names and headers must be strings");
		lua_pushfstring(L, "%s%s%s=%s", lua_tostring(L, acc), lua_rawlen(L, acc) ? "," : "",
				lua_tostring(L, -2), lua_tostring(L, -1));
		lua_replace(L, acc);
		lua_pop(L, 1);
	}
	lua_replace(L, idx);
	return lua_tostring(L, idx);
}

/*
 * db:import(kind, path [, {map=..., rejects=PATH}]) -> {rows=, inserted=, replaced=, rejected=}
 *   | nil, message, code
 * One transaction, as `kam import`: the first bad row aborts it (unless rejects names a file).
 */
static int db_import(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	const char *path = luaL_checkstring(L, 3);
	const char *map = NULL, *rejects = NULL;
	lua_settop(L, 4);
	if (!lua_isnil(L, 4)) {
		luaL_checktype(L, 4, LUA_TTABLE);
		lua_getfield(L, 4, "map");
		map = map_text(L, lua_gettop(L));
		lua_getfield(L, 4, "rejects");
		rejects = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
	}
	kl_deny_in_sandbox(L, "db:import");
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:import: not inside a transaction of the same database");
	kam_import_result *res = lua_newuserdatauv(L, sizeof(*res), 0);
	memset(res, 0, sizeof(*res));
	kam_import_opts o = { .kind = kind, .path = path, .map = map, .rejects_name = rejects };
	if (rejects) {
		o.rejects = fopen(rejects, "w");
		if (!o.rejects)
			return kl_fail(L, KAM_EIO, "%s: %s", rejects, strerror(errno));
	}
	int rc = kam_import(db->store, &o, res);
	if (o.rejects && fclose(o.rejects) && !rc)
		rc = KAM_EIO;
	if (rc)
		return kl_fail(L, rc, "%s", res->error[0] ? res->error : kam_strerror(rc));
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, (lua_Integer)res->rows);
	lua_setfield(L, -2, "rows");
	lua_pushinteger(L, (lua_Integer)res->inserted);
	lua_setfield(L, -2, "inserted");
	lua_pushinteger(L, (lua_Integer)res->replaced);
	lua_setfield(L, -2, "replaced");
	lua_pushinteger(L, (lua_Integer)res->rejected);
	lua_setfield(L, -2, "rejected");
	return 1;
}

/*
 * db:import_book{ {kind, path}, ... } -> { {rows=, inserted=, replaced=}, ... }
 *   | nil, message, code
 * Every file, in order, as one transaction (`kam import KIND FILE KIND FILE ...`): all or none.
 */
static int db_import_book(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = luaL_len(L, 2);
	luaL_argcheck(L, n >= 1 && n <= KAM_IMPORT_MAX_FILES, 2, "expected 1 to 16 {kind, path} pairs");
	kam_import_opts o[KAM_IMPORT_MAX_FILES];
	memset(o, 0, sizeof(o));
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_geti(L, 2, i) != LUA_TTABLE)
			return luaL_argerror(L, 2, "expected {kind, path} pairs");
		lua_geti(L, -1, 1);
		lua_geti(L, -2, 2);
		/* strings only: a number converted here would not outlive the pop below */
		const char *kind = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		const char *path = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		if (!kind || kam_kind_parse(kind, &o[i - 1].kind) || !path)
			return luaL_argerror(L, 2, lua_pushfstring(L, "pair %d: expected {kind, path} "
							     "with a record kind (accounts, contacts, orders, interactions)",
							     (int)i));
		o[i - 1].path = path; /* the argument table keeps it */
		lua_pop(L, 3);
	}
	kl_deny_in_sandbox(L, "db:import_book");
	if (db->busy)
		return kl_fail(L, KAM_EBUSY,
			       "db:import_book: not inside a transaction of the same database");
	kam_import_result *res = lua_newuserdatauv(L, (size_t)n * sizeof(*res), 0);
	size_t failed;
	int rc = kam_import_many(db->store, o, (size_t)n, res, &failed);
	if (rc)
		return kl_fail(L, rc, "%s", res[failed].error[0] ? res[failed].error : kam_strerror(rc));
	lua_createtable(L, (int)n, 0);
	for (lua_Integer i = 0; i < n; i++) {
		lua_createtable(L, 0, 3);
		lua_pushinteger(L, (lua_Integer)res[i].rows);
		lua_setfield(L, -2, "rows");
		lua_pushinteger(L, (lua_Integer)res[i].inserted);
		lua_setfield(L, -2, "inserted");
		lua_pushinteger(L, (lua_Integer)res[i].replaced);
		lua_setfield(L, -2, "replaced");
		lua_seti(L, -2, i + 1);
	}
	return 1;
}

/*
 * db:export(kind [, path [, format]]) -> true | nil, message, code
 * path nil or "-": standard output. format: "csv" (default), "json" or "table".
 */
static int db_export(lua_State *L)
{
	static const char *const formats[] = { "table", "csv", "json", NULL };
	kl_db *db = kl_checkdb(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	const char *path = luaL_optstring(L, 3, NULL);
	kam_format fmt = (kam_format)luaL_checkoption(L, 4, "csv", formats);
	int to_stdout = !path || strcmp(path, "-") == 0;
	if (!to_stdout)
		kl_deny_in_sandbox(L, "db:export to a file");
	FILE *f = stdout;
	if (!to_stdout && !(f = fopen(path, "w")))
		return kl_fail(L, KAM_EIO, "%s: %s", path, strerror(errno));
	kam_txn *txn;
	int rc = kam_txn_begin(db->store, 0, &txn);
	if (!rc) {
		rc = kam_export(txn, kind, fmt, f);
		kam_txn_abort(txn);
	}
	if (to_stdout)
		fflush(stdout);
	else if (fclose(f) && !rc)
		rc = KAM_EIO;
	if (rc)
		return kl_fail(L, rc, "db:export: %s", kam_strerror(rc));
	lua_pushboolean(L, 1);
	return 1;
}

/*
 * db:backup(dir [, {compact=true}]) -> bytes | nil, message, code: `kam backup`. Not inside a
 * transaction of the same database: a plain copy waits for the write lock it would hold.
 */
static int db_backup(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	const char *dir = luaL_checkstring(L, 2);
	bool compact = false;
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_getfield(L, 3, "compact");
		compact = lua_toboolean(L, -1);
	}
	kl_deny_in_sandbox(L, "db:backup");
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:backup: not inside a transaction of the same database");
	uint64_t bytes;
	int rc = kam_store_backup(db->store, dir, compact, KAM_CONFIG_FILE, &bytes);
	if (rc)
		return kl_fail(L, rc, "db:backup to %s: %s", dir, kam_strerror(rc));
	lua_pushinteger(L, (lua_Integer)bytes);
	return 1;
}

/* Appends a problem to the table at the top of the stack (the ctx is the lua_State). */
static void check_collect(void *ctx, const char *problem)
{
	lua_State *L = ctx;
	lua_pushstring(L, problem);
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
}

/*
 * db:check() -> { problems = { "...", ... }, accounts = n, contacts = n, orders = n,
 * interactions = n } | nil, message, code: `kam check`, in a read transaction of its own.
 */
static int db_check(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	kam_txn *txn;
	kam_check_result res;
	int rc = kam_txn_begin(db->store, 0, &txn);
	if (rc)
		return kl_fail(L, rc, "db:check: %s", kam_strerror(rc));
	lua_newtable(L);
	lua_newtable(L);
	rc = kam_check(txn, check_collect, NULL, L, &res);
	kam_txn_abort(txn);
	if (rc)
		return kl_fail(L, rc, "db:check: %s", kam_strerror(rc));
	lua_setfield(L, -2, "problems");
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		lua_pushinteger(L, (lua_Integer)res.records[k]);
		lua_setfield(L, -2, kam_schema_of((kam_kind)k)->name);
	}
	return 1;
}

static const luaL_Reg db_methods[] = {
	{ "read", db_read },
	{ "write", db_write },
	{ "get", db_get },
	{ "rollup", db_rollup },
	{ "list", db_list },
	{ "count", db_count },
	{ "stats", db_stats },
	{ "import", db_import },
	{ "import_book", db_import_book },
	{ "export", db_export },
	{ "backup", db_backup },
	{ "check", db_check },
	{ "path", db_path },
	{ "close", db_close },
	{ NULL, NULL },
};

static const luaL_Reg db_meta[] = {
	{ "__gc", db_gc },
	{ "__close", db_gc },
	{ "__tostring", db_tostring },
	{ NULL, NULL },
};

void kl_db_add_methods(lua_State *L, const luaL_Reg *methods)
{
	luaL_getmetatable(L, KL_DB);
	lua_getfield(L, -1, "__index");
	luaL_setfuncs(L, methods, 0);
	lua_pop(L, 2);
}

int luaopen_kam_db(lua_State *L)
{
	luaL_newmetatable(L, KL_DB);
	luaL_setfuncs(L, db_meta, 0);
	luaL_newlib(L, db_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	return 0;
}
