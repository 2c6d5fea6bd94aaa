/*
 * lua_cursor.c - class kam.cursor: iteration over records without building a list.
 *
 *   for a in tx:accounts{ region = "north", where = function(a) return a.employees > 50 end } do
 *   for o in tx:orders("A1", { from = "2025-01-01", to = "2025-12-31" }) do
 *   for id, revenue in tx:rows("accounts", { "id", "revenue" }, { owner = "rep07" }) do
 *
 * An iterator returns the generic-for quadruple (function, cursor, nil, cursor): the cursor is
 * the loop's to-be-closed value, so `break` (or an error) closes the LMDB cursor at once. The
 * cursor keeps its transaction object alive (user value 1), and the transaction closes its open
 * cursors when it ends. Runtime failures while iterating (a damaged record) raise: an iterator
 * has no way to return nil, message.
 */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "lua_kam.h"
#include "segment.h"

#define MAX_VALUES 32
#define ROLLUP_CODE 64 /* value codes >= this are rollup figures */

typedef struct kl_cursor {
	kam_cursor *cur; /* NULL: closed */
	kl_tx *tx;
	struct kl_cursor *next, *prev; /* in tx->cursors while open */
	kam_kind kind;
	int values;       /* tx:rows: yield values instead of a table */
	uint32_t mask;    /* fields of the record table */
	int attrs;        /* include .attrs */
	int rollup;       /* also yield the account's rollup (tables) */
	int need_rollup;  /* some value is a rollup figure (values) */
	int where;        /* a predicate in user value 2 */
	int owner;        /* an owner filter in user value 3 (region scans) */
	int dates;        /* filter by date in C (scans of every order/interaction) */
	char tier;        /* only accounts of this current tier (user value 4: the tiers) */
	int32_t from, to;
	lua_Integer limit, count;
	int nvals;
	uint8_t vals[MAX_VALUES];
} kl_cursor;

static void cursor_close(kl_cursor *c)
{
	if (!c->cur)
		return;
	kam_cursor_close(c->cur);
	c->cur = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->tx->cursors = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

void kl_cursor_close_all(kl_tx *tx)
{
	while (tx->cursors)
		cursor_close(tx->cursors);
}

static int cursor_gc(lua_State *L)
{
	cursor_close(luaL_checkudata(L, 1, KL_CURSOR));
	return 0;
}

static int cursor_tostring(lua_State *L)
{
	kl_cursor *c = luaL_checkudata(L, 1, KL_CURSOR);
	lua_pushfstring(L, "kam.cursor (%s%s)", kam_schema_of(c->kind)->name,
			c->cur ? "" : ", closed");
	return 1;
}

/* Pushes the yielded values of one record; returns how many. */
static int push_row(lua_State *L, kl_cursor *c, const kam_any *rec, const kam_rollup *r)
{
	if (!c->values) {
		kl_record_push_some(L, c->kind, rec, c->mask, c->attrs);
		if (c->rollup) {
			kl_rollup_push(L, r);
			return 2;
		}
		return 1;
	}
	const kam_schema *s = kam_schema_of(c->kind);
	for (int i = 0; i < c->nvals; i++) {
		if (c->vals[i] >= ROLLUP_CODE)
			kl_rollup_field_push(L, r, c->vals[i] - ROLLUP_CODE);
		else
			kl_field_push(L, s, rec, c->vals[i]);
	}
	return c->nvals;
}

/* The current tiers of the accounts a tier filter walks, in account id order. */
typedef struct tier_box {
	kam_tier_set set;
	size_t pos;
} tier_box;

static int tier_box_gc(lua_State *L)
{
	tier_box *b = lua_touserdata(L, 1);
	kam_tier_set_free(&b->set);
	memset(&b->set, 0, sizeof(b->set));
	return 0;
}

/* Whether account `id` has the filter's tier; accounts come in id order, so the rows merge. */
static int tier_match(lua_State *L, kl_cursor *c, int cidx, kam_str id)
{
	lua_getiuservalue(L, cidx, 4);
	tier_box *b = lua_touserdata(L, -1);
	lua_pop(L, 1); /* the cursor keeps it */
	while (b->pos < b->set.count && kam_str_cmp(b->set.rows[b->pos].account_id, id) < 0)
		b->pos++;
	return b->pos < b->set.count && kam_str_eq(b->set.rows[b->pos].account_id, id) &&
	       b->set.rows[b->pos].tier == c->tier;
}

/* Loads the current tiers (of `region`, NULL: all) for a tier filter into user value 4. */
static void tiers_load(lua_State *L, kl_cursor *c, int cidx, const char *region, int32_t as_of)
{
	tier_box *b = lua_newuserdatauv(L, sizeof(*b), 0);
	memset(b, 0, sizeof(*b));
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, tier_box_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setiuservalue(L, cidx, 4);
	int rc = kam_tiers_current(c->tx->txn, kl_registry(L), region, as_of, &b->set);
	if (rc)
		luaL_error(L, "tier: %s", b->set.error[0] ? b->set.error : kam_strerror(rc));
}

/* The date of a dated record (orders, interactions). */
static int32_t record_day(kam_kind kind, const kam_any *rec)
{
	return kind == KAM_ORDER ? rec->order.date.day : rec->interaction.date.day;
}

/*
 * Reads up to the next record that passes the filters and pushes its values. Returns the number
 * pushed, 0 at the end (the cursor is then closed). Raises for store errors, after closing.
 */
static int cursor_step(lua_State *L, kl_cursor *c, int cidx)
{
	if (!c->tx->txn)
		return luaL_error(L, "the transaction of this iterator has ended");
	if (!c->cur)
		return 0;
	kl_check_limits(L);
	for (;;) {
		if (c->limit && c->count >= c->limit) {
			cursor_close(c);
			return 0;
		}
		kam_any rec;
		int rc = kam_cursor_next(c->cur, &rec);
		if (rc == 0) {
			cursor_close(c);
			return 0;
		}
		if (rc < 0) {
			cursor_close(c);
			return luaL_error(L, "reading %s: %s", kam_schema_of(c->kind)->name,
					  kam_strerror(rc));
		}
		if (c->dates) {
			int32_t d = record_day(c->kind, &rec);
			if (d < c->from || d > c->to)
				continue;
		}
		if (c->owner) {
			lua_getiuservalue(L, cidx, 3);
			size_t len;
			const char *o = lua_tolstring(L, -1, &len);
			int same = rec.account.owner.len == len &&
				   (len == 0 || memcmp(rec.account.owner.ptr, o, len) == 0);
			lua_pop(L, 1);
			if (!same)
				continue;
		}
		if (c->tier && !tier_match(L, c, cidx, rec.account.id))
			continue;
		kam_rollup r;
		if ((c->rollup || c->need_rollup) &&
		    (rc = kam_cursor_rollup(c->cur, &r))) {
			cursor_close(c);
			return luaL_error(L, "reading the rollup of %s: %s", rec.account.id.ptr,
					  kam_strerror(rc));
		}
		int top = lua_gettop(L);
		int n = push_row(L, c, &rec, &r);
		if (c->where) {
			lua_getiuservalue(L, cidx, 2);
			for (int i = 0; i < n; i++)
				lua_pushvalue(L, top + 1 + i);
			if (lua_pcall(L, n, 1, 0) != LUA_OK) {
				cursor_close(c);
				return lua_error(L);
			}
			int keep = lua_toboolean(L, -1);
			lua_pop(L, 1);
			if (!keep) {
				lua_settop(L, top);
				continue;
			}
		}
		c->count++;
		return n;
	}
}

/* The iterator function of the generic for: (cursor, control) -> values */
static int cursor_iter(lua_State *L)
{
	kl_cursor *c = luaL_checkudata(L, 1, KL_CURSOR);
	int n = cursor_step(L, c, 1);
	if (n == 0)
		lua_pushnil(L);
	return n ? n : 1;
}

/* ---- options ---- */

static int32_t opt_day(lua_State *L, int opts, const char *name, int32_t dflt)
{
	lua_getfield(L, opts, name);
	int32_t d = lua_isnil(L, -1) ? dflt : kl_checkday(L, -1, name);
	lua_pop(L, 1);
	return d;
}

static const char *opt_string(lua_State *L, int opts, const char *name, size_t *len)
{
	lua_getfield(L, opts, name);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		luaL_error(L, "option %s: expected a string, found %s", name, luaL_typename(L, -1));
	const char *s = lua_tolstring(L, -1, len);
	lua_pop(L, 1); /* still referenced by the options table, which the caller holds */
	return s;
}

static const char *const known_opts[KAM_KIND_COUNT][10] = {
	[KAM_ACCOUNT] = { "region", "owner", "tier", "as_of", "where", "fields", "rollup", "limit",
			  NULL },
	[KAM_CONTACT] = { "account", "where", "fields", "limit", NULL },
	[KAM_ORDER] = { "account", "from", "to", "where", "fields", "limit", NULL },
	[KAM_INTERACTION] = { "account", "from", "to", "where", "fields", "limit", NULL },
};

static void check_opt_names(lua_State *L, int opts, kam_kind kind)
{
	lua_pushnil(L);
	while (lua_next(L, opts)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		int ok = 0;
		for (int i = 0; k && known_opts[kind][i]; i++)
			ok |= strcmp(k, known_opts[kind][i]) == 0;
		if (!ok)
			luaL_error(L, "%s: unknown option %s", kam_schema_of(kind)->name,
				   k ? lua_pushfstring(L, "\"%s\"", k) : luaL_typename(L, -1));
	}
}

/* Compiles a list of names at idx into value codes (tx:rows) or a field mask (fields=). */
static void compile_fields(lua_State *L, int idx, kl_cursor *c, int values)
{
	const kam_schema *s = kam_schema_of(c->kind);
	if (!lua_istable(L, idx))
		luaL_error(L, "fields: expected a list of field names");
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	if (n < 1 || n > MAX_VALUES)
		luaL_error(L, "fields: expected 1 to %d field names", MAX_VALUES);
	c->mask = 0;
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		size_t len;
		const char *name = lua_tolstring(L, -1, &len);
		if (!name || lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "fields: expected field names (strings)");
		int f = kam_schema_field(s, name, len);
		int code;
		if (f >= 0) {
			code = f;
			c->mask |= 1u << f;
		} else if (values && c->kind == KAM_ACCOUNT && kl_rollup_field(name) >= 0) {
			code = ROLLUP_CODE + kl_rollup_field(name);
			c->need_rollup = 1;
		} else if (!values && strcmp(name, "attrs") == 0) {
			c->attrs = 1;
			code = -1;
		} else {
			luaL_error(L, "fields: %s has no field \"%s\"%s", s->name, name,
				   c->kind == KAM_ACCOUNT && values ? " (nor rollup figure)" : "");
			code = -1;
		}
		if (values) {
			/*
			 * The generic for stops at a nil first value: the first field must be one every
			 * record has.
			 */
			int always = code >= ROLLUP_CODE
					     ? (code - ROLLUP_CODE == 0 || code - ROLLUP_CODE == 1 ||
						code - ROLLUP_CODE == 4 || code - ROLLUP_CODE == 5 ||
						code - ROLLUP_CODE == 9)
					     : s->fields[code].required;
			if (i == 1 && !always)
				luaL_error(L, "fields: the first value must be one every record has (such "
					      "as id), since a nil would end the loop; \"%s\" may be absent",
					   name);
			c->vals[c->nvals++] = (uint8_t)code;
		}
		lua_pop(L, 1);
	}
}

/*
 * Parses the arguments of an iterator method and pushes the quadruple. Layout:
 *   tx:accounts([opts])
 *   tx:contacts|orders|interactions([account_id] [, opts])
 *   tx:rows(kind, fields [, opts])   (values = 1: arguments shifted by 2)
 */
static int cursor_new(lua_State *L, int tx_idx, kam_kind kind, int values, int first)
{
	kl_tx *tx = kl_checktx(L, tx_idx);
	int opts = 0;
	const char *account = NULL;
	size_t account_len = 0;
	if (kind != KAM_ACCOUNT && lua_type(L, first) == LUA_TSTRING) {
		account = lua_tolstring(L, first, &account_len);
		first++;
	}
	if (!lua_isnoneornil(L, first)) {
		if (!lua_istable(L, first))
			luaL_argerror(L, first, kind == KAM_ACCOUNT ? "expected an options table"
								    : "expected an account id or an "
								      "options table");
		opts = first;
	}
	/* Created closed, then filled in: a raise below leaves nothing open. */
	kl_cursor *c = lua_newuserdatauv(L, sizeof(*c), 4);
	memset(c, 0, sizeof(*c));
	luaL_setmetatable(L, KL_CURSOR);
	int cidx = lua_gettop(L);
	lua_pushvalue(L, tx_idx);
	lua_setiuservalue(L, cidx, 1);
	c->tx = tx;
	c->kind = kind;
	c->values = values;
	c->mask = UINT32_MAX;
	c->attrs = 1;
	c->from = INT32_MIN;
	c->to = INT32_MAX;
	kam_scan scan = KAM_SCAN_ALL;
	kam_str key = { 0 };
	if (values)
		compile_fields(L, first - 1, c, 1);
	if (opts) {
		check_opt_names(L, opts, kind);
		size_t rlen = 0, olen = 0;
		const char *region = NULL, *owner = NULL;
		if (kind == KAM_ACCOUNT) {
			region = opt_string(L, opts, "region", &rlen);
			owner = opt_string(L, opts, "owner", &olen);
			lua_getfield(L, opts, "rollup");
			c->rollup = lua_toboolean(L, -1) && !values;
			lua_pop(L, 1);
			size_t tlen;
			const char *tier = opt_string(L, opts, "tier", &tlen);
			if (tier) {
				if (tlen != 1 || (*tier != 'A' && *tier != 'B' && *tier != 'C'))
					luaL_error(L, "option tier: expected \"A\", \"B\" or \"C\"");
				lua_getfield(L, opts, "as_of");
				int32_t as_of = lua_isnil(L, -1) ? kam_today() : kl_checkday(L, -1, "as_of");
				lua_pop(L, 1);
				c->tier = *tier;
				tiers_load(L, c, cidx, region, as_of);
			}
		} else {
			const char *a = opt_string(L, opts, "account", &account_len);
			if (a && account)
				luaL_error(L, "%s: the account is given twice", kam_schema_of(kind)->name);
			if (a)
				account = a;
			if (kind != KAM_CONTACT) {
				c->from = opt_day(L, opts, "from", INT32_MIN);
				c->to = opt_day(L, opts, "to", INT32_MAX);
			}
		}
		if (region) {
			scan = KAM_SCAN_REGION;
			key = (kam_str){ region, (uint32_t)rlen };
			if (owner) {
				lua_pushlstring(L, owner, olen);
				lua_setiuservalue(L, cidx, 3);
				c->owner = 1;
			}
		} else if (owner) {
			scan = KAM_SCAN_OWNER;
			key = (kam_str){ owner, (uint32_t)olen };
		}
		lua_getfield(L, opts, "where");
		if (!lua_isnil(L, -1)) {
			if (!lua_isfunction(L, -1))
				luaL_error(L, "option where: expected a function");
			lua_setiuservalue(L, cidx, 2);
			c->where = 1;
		} else {
			lua_pop(L, 1);
		}
		lua_getfield(L, opts, "limit");
		if (!lua_isnil(L, -1)) {
			int ok;
			c->limit = lua_tointegerx(L, -1, &ok);
			if (!ok || c->limit < 1)
				luaL_error(L, "option limit: expected a positive integer");
		}
		lua_pop(L, 1);
		if (!values) {
			lua_getfield(L, opts, "fields");
			if (!lua_isnil(L, -1)) {
				c->attrs = 0;
				compile_fields(L, lua_gettop(L), c, 0);
			}
			lua_pop(L, 1);
		}
	}
	if (account) {
		scan = KAM_SCAN_OF_ACCOUNT;
		key = (kam_str){ account, (uint32_t)account_len };
	} else if (c->from != INT32_MIN || c->to != INT32_MAX) {
		c->dates = 1; /* every record of the kind: filter the dates here */
	}
	int32_t from = scan == KAM_SCAN_OF_ACCOUNT ? c->from : INT32_MIN;
	int32_t to = scan == KAM_SCAN_OF_ACCOUNT ? c->to : INT32_MAX;
	int rc = kam_cursor_open(tx->txn, kind, scan, key, from, to, &c->cur);
	if (rc) {
		c->cur = NULL;
		return luaL_error(L, "%s: %s", kam_schema_of(kind)->name, kam_strerror(rc));
	}
	c->next = tx->cursors;
	if (tx->cursors)
		tx->cursors->prev = c;
	tx->cursors = c;
	return cidx;
}

/*
 * The iterator of the generic for, with the cursor metatable as upvalue: checking the state
 * against it is cheaper than luaL_checkudata's registry lookup by name, once per row.
 */
static int cursor_iter_fast(lua_State *L)
{
	kl_cursor *c = lua_touserdata(L, 1);
	if (!c || !lua_getmetatable(L, 1) || !lua_rawequal(L, -1, lua_upvalueindex(1)))
		return luaL_typeerror(L, 1, KL_CURSOR);
	lua_pop(L, 1);
	int n = cursor_step(L, c, 1);
	if (n == 0)
		lua_pushnil(L);
	return n ? n : 1;
}

static void push_iter(lua_State *L)
{
	luaL_getmetatable(L, KL_CURSOR);
	lua_pushcclosure(L, cursor_iter_fast, 1);
}

int kl_cursor_push(lua_State *L, int tx_idx, kam_kind kind)
{
	int cidx = cursor_new(L, tx_idx, kind, 0, 2);
	push_iter(L);
	lua_pushvalue(L, cidx);
	lua_pushnil(L);
	lua_pushvalue(L, cidx);
	return 4;
}

/* tx:rows(kind, {field, ...} [, opts]) -> iterator of the fields' values */
int kl_cursor_rows(lua_State *L)
{
	kl_checktx(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	int cidx = cursor_new(L, 1, kind, 1, 4);
	push_iter(L);
	lua_pushvalue(L, cidx);
	lua_pushnil(L);
	lua_pushvalue(L, cidx);
	return 4;
}

/* tx:list(kind [, account] [, opts]) -> array of records */
int kl_cursor_list(lua_State *L)
{
	kl_checktx(L, 1);
	kam_kind kind = kl_checkkind(L, 2);
	lua_remove(L, 2); /* now laid out like the iterator methods */
	int cidx = cursor_new(L, 1, kind, 0, 2);
	kl_cursor *c = lua_touserdata(L, cidx);
	lua_newtable(L);
	int list = lua_gettop(L);
	lua_Integer n = 0;
	int k;
	while ((k = cursor_step(L, c, cidx)) > 0) {
		if (k == 2) { /* a record and its rollup: keep the pair */
			lua_createtable(L, 0, 2);
			lua_insert(L, -3);
			lua_setfield(L, -3, "rollup");
			lua_setfield(L, -2, "account");
		}
		lua_rawseti(L, list, ++n);
	}
	return 1;
}

static const luaL_Reg cursor_methods[] = {
	{ "close", cursor_gc },
	{ NULL, NULL },
};

static const luaL_Reg cursor_meta[] = {
	{ "__gc", cursor_gc },
	{ "__close", cursor_gc },
	{ "__tostring", cursor_tostring },
	{ "__call", cursor_iter },
	{ NULL, NULL },
};

int luaopen_kam_cursor(lua_State *L)
{
	luaL_newmetatable(L, KL_CURSOR);
	luaL_setfuncs(L, cursor_meta, 0);
	luaL_newlib(L, cursor_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	return 0;
}
