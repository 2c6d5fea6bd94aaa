/*
 * lua_tx.c - class kam.tx: a transaction, valid only inside its db:read / db:write function.
 *
 *   db:read(function(tx)
 *     local a = tx:get("account", "A1")
 *     for o in tx:orders("A1", { from = "2025-01-01" }) do ... end
 *   end)
 *
 * The object outlives its transaction (a script may keep a reference); every method then raises
 * "the transaction has ended". Iterators (tx:accounts, tx:orders, ...) are kam.cursor objects
 * whose LMDB cursors this object closes when the transaction ends.
 */
#include <string.h>

#include "error.h"
#include "lua_kam.h"

kl_tx *kl_tx_push(lua_State *L, int db_idx)
{
	db_idx = lua_absindex(L, db_idx);
	kl_tx *tx = lua_newuserdatauv(L, sizeof(*tx), 1);
	memset(tx, 0, sizeof(*tx));
	luaL_setmetatable(L, KL_TX);
	tx->db = lua_touserdata(L, db_idx);
	lua_pushvalue(L, db_idx);
	lua_setiuservalue(L, -2, 1); /* the database outlives its transactions */
	return tx;
}

void kl_tx_detach(kl_tx *tx)
{
	kl_cursor_close_all(tx);
	tx->txn = NULL;
}

kl_tx *kl_checktx(lua_State *L, int idx)
{
	kl_tx *tx = luaL_checkudata(L, idx, KL_TX);
	if (!tx->txn)
		luaL_argerror(L, idx, "the transaction has ended (use tx only inside its db:read or "
				      "db:write function)");
	kl_check_limits(L);
	return tx;
}

static kam_str check_id(lua_State *L, int arg)
{
	size_t len;
	const char *s = luaL_checklstring(L, arg, &len);
	if (len > UINT32_MAX)
		luaL_argerror(L, arg, "id too long");
	return (kam_str){ s, (uint32_t)len };
}

static void check_writable(lua_State *L, kl_tx *tx, const char *what)
{
	if (!tx->write)
		luaL_error(L, "%s: a read transaction cannot write (use db:write)", what);
}

/* tx:get(kind, id) -> record | nil, message, code */
int kl_tx_get(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	kam_str id = check_id(L, 3);
	kam_any rec;
	int rc = kam_get(tx->txn, kind, id, &rec);
	if (rc == KAM_ENOTFOUND)
		return kl_fail(L, rc, "no %s with id \"%s\"", kam_schema_of(kind)->singular, id.ptr);
	if (rc)
		return kl_fail(L, rc, "tx:get: %s", kam_strerror(rc));
	kl_record_push(L, kind, &rec);
	return 1;
}

/* tx:put(kind, record) -> true, replaced | nil, message, code */
static int tx_put(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	check_writable(L, tx, "tx:put");
	int top = lua_gettop(L);
	kam_any rec;
	kl_record_check(L, 3, 3, kind, &rec, &tx->scratch);
	int replaced = 0;
	int rc = kam_put(tx->txn, kind, &rec, &replaced);
	if (rc) {
		const kam_schema *s = kam_schema_of(kind);
		const char *id = lua_pushlstring(L, rec.account.id.ptr, rec.account.id.len);
		if (rc == KAM_EREF) {
			const kam_str *acc = (const kam_str *)((const char *)&rec +
							       s->fields[s->account_ref].offset);
			lua_pushlstring(L, acc->ptr, acc->len);
			return kl_fail(L, rc, "%s \"%s\": no account \"%s\"", s->singular, id,
				       lua_tostring(L, -1));
		}
		return kl_fail(L, rc, "%s \"%s\": %s", s->singular, id, kam_strerror(rc));
	}
	lua_settop(L, top);
	lua_pushboolean(L, 1);
	lua_pushboolean(L, replaced);
	return 2;
}

/* tx:delete(kind, id) -> true | nil, message, code */
static int tx_delete(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	kam_str id = check_id(L, 3);
	check_writable(L, tx, "tx:delete");
	int rc = kam_del(tx->txn, kind, id);
	if (rc == KAM_ENOTFOUND)
		return kl_fail(L, rc, "no %s with id \"%s\"", kam_schema_of(kind)->singular, id.ptr);
	if (rc == KAM_EREF)
		return kl_fail(L, rc, "account \"%s\" still has contacts, orders or interactions",
			       id.ptr);
	if (rc)
		return kl_fail(L, rc, "tx:delete: %s", kam_strerror(rc));
	lua_pushboolean(L, 1);
	return 1;
}

/* tx:rollup(account_id) -> rollup table | nil, message, code */
int kl_tx_rollup(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	kam_str id = check_id(L, 2);
	kam_rollup r;
	int rc = kam_rollup_get(tx->txn, id, &r);
	if (rc == KAM_ENOTFOUND)
		return kl_fail(L, rc, "no account with id \"%s\"", id.ptr);
	if (rc)
		return kl_fail(L, rc, "tx:rollup: %s", kam_strerror(rc));
	kl_rollup_push(L, &r);
	return 1;
}

/* Iterators: the kind is fixed by the method, the options by the caller. */
static int tx_accounts(lua_State *L) { return kl_cursor_push(L, 1, KAM_ACCOUNT); }
static int tx_contacts(lua_State *L) { return kl_cursor_push(L, 1, KAM_CONTACT); }
static int tx_orders(lua_State *L) { return kl_cursor_push(L, 1, KAM_ORDER); }
static int tx_interactions(lua_State *L) { return kl_cursor_push(L, 1, KAM_INTERACTION); }


/* tx:list(kind [, opts]) -> array of records (opts as for the iterators, plus limit) */
int kl_tx_list(lua_State *L)
{
	return kl_cursor_list(L);
}

/* tx:stats() -> { accounts=, contacts=, orders=, interactions=, map_size=, ... } */
int kl_tx_stats(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	kam_store_stats st;
	int rc = kam_store_stats_get(tx->txn, &st);
	if (rc)
		return kl_fail(L, rc, "tx:stats: %s", kam_strerror(rc));
	lua_createtable(L, 0, 14);
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		lua_pushinteger(L, (lua_Integer)st.records[k]);
		lua_setfield(L, -2, kam_schema_of((kam_kind)k)->name);
	}
#define SET(field)                                          \
	lua_pushinteger(L, (lua_Integer)st.field); \
	lua_setfield(L, -2, #field)
	SET(schema_version);
	SET(map_size);
	SET(file_size);
	SET(used_bytes);
	SET(page_size);
	SET(max_readers);
	SET(readers);
	SET(last_txn_id);
	SET(tree_depth);
#undef SET
	return 1;
}

/* tx:count(kind) -> number of records of the kind */
int kl_tx_count(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	kam_store_stats st;
	int rc = kam_store_stats_get(tx->txn, &st);
	if (rc)
		return kl_fail(L, rc, "tx:count: %s", kam_strerror(rc));
	lua_pushinteger(L, (lua_Integer)st.records[kind]);
	return 1;
}

/* tx:writable() -> whether this is a write transaction */
static int tx_writable(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	lua_pushboolean(L, tx->write);
	return 1;
}

static int tx_gc(lua_State *L)
{
	kl_tx *tx = luaL_checkudata(L, 1, KL_TX);
	/* The transaction itself belongs to db:read / db:write, which always end it. */
	kl_cursor_close_all(tx);
	kam_buf_free(&tx->scratch);
	return 0;
}

static int tx_tostring(lua_State *L)
{
	kl_tx *tx = luaL_checkudata(L, 1, KL_TX);
	lua_pushfstring(L, "kam.tx (%s%s)", tx->write ? "write" : "read",
			tx->txn ? "" : ", ended");
	return 1;
}


static const luaL_Reg tx_methods[] = {
	{ "get", kl_tx_get },
	{ "put", tx_put },
	{ "delete", tx_delete },
	{ "rollup", kl_tx_rollup },
	{ "accounts", tx_accounts },
	{ "contacts", tx_contacts },
	{ "orders", tx_orders },
	{ "interactions", tx_interactions },
	{ "rows", kl_cursor_rows },
	{ "list", kl_tx_list },
	{ "count", kl_tx_count },
	{ "stats", kl_tx_stats },
	{ "run", kl_run },
	{ "writable", tx_writable },
	{ NULL, NULL },
};

static const luaL_Reg tx_meta[] = {
	{ "__gc", tx_gc },
	{ "__tostring", tx_tostring },
	{ NULL, NULL },
};

int luaopen_kam_tx(lua_State *L)
{
	luaL_newmetatable(L, KL_TX);
	luaL_setfuncs(L, tx_meta, 0);
	luaL_newlib(L, tx_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	return 0;
}
