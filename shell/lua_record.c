/*
 * lua_record.c - records as Lua tables, and back.
 *
 * A record is a plain table keyed by field name (REFERENCE.md's column names) whose metatable
 * (kam.account, kam.contact, kam.order, kam.interaction) only says which kind it is, so that the
 * shell can print it in schema order. Values: text as strings, counts as integers, money as
 * integers of ten-thousandths (exact; kam.money.format renders them), dates as "YYYY-MM-DD" (or
 * "YYYY-MM-DDTHH:MM:SS") strings, enumerations as their slugs, booleans as booleans. Absent
 * fields are nil. Custom attributes (CSV columns the format does not know) sit in a nested table
 * `attrs`, so that a typo in a field name is an error rather than a new attribute.
 */
#include <stdlib.h>
#include <string.h>

#include "lua_kam.h"

static const char *const record_mt[KAM_KIND_COUNT] = {
	"kam.account", "kam.contact", "kam.order", "kam.interaction",
};

const char *const kl_rollup_names[KL_ROLLUP_NFIELDS] = {
	"order_count", "interaction_count", "first_order", "last_order", "revenue",
	"profit",      "last_call",         "last_visit",  "last_interaction", "minutes",
};

#define FIELD_AT(rec, f, type) ((type *)((char *)(rec) + (f)->offset))
#define CFIELD_AT(rec, f, type) ((const type *)((const char *)(rec) + (f)->offset))

void kl_field_push(lua_State *L, const kam_schema *s, const void *rec, int i)
{
	const kam_field *f = &s->fields[i];
	if (!KAM_HAS(rec, i)) {
		lua_pushnil(L);
		return;
	}
	switch (f->type) {
	case KAM_T_TEXT:
	case KAM_T_ID: {
		const kam_str *v = CFIELD_AT(rec, f, kam_str);
		lua_pushlstring(L, v->ptr ? v->ptr : "", v->len);
		break;
	}
	case KAM_T_COUNT:
		lua_pushinteger(L, *CFIELD_AT(rec, f, int64_t));
		break;
	case KAM_T_MONEY:
		lua_pushinteger(L, *CFIELD_AT(rec, f, kam_money));
		break;
	case KAM_T_DATE:
		kl_pushdate(L, *CFIELD_AT(rec, f, kam_date));
		break;
	case KAM_T_ENUM: {
		uint8_t v = *CFIELD_AT(rec, f, uint8_t);
		if (v >= 1 && v <= f->max_len)
			lua_pushstring(L, f->enum_names[v - 1]);
		else
			lua_pushnil(L);
		break;
	}
	case KAM_T_BOOL:
		lua_pushboolean(L, *CFIELD_AT(rec, f, bool));
		break;
	default:
		lua_pushnil(L);
	}
}

static void attrs_push(lua_State *L, const kam_rec *r)
{
	lua_createtable(L, 0, (int)r->nattrs);
	kam_str cur = r->attrs, k, v;
	while (kam_attr_next(&cur, &k, &v) > 0) {
		lua_pushlstring(L, k.ptr, k.len);
		lua_pushlstring(L, v.ptr, v.len);
		lua_rawset(L, -3);
	}
	lua_setfield(L, -2, "attrs");
}

void kl_record_push_some(lua_State *L, kam_kind kind, const void *rec, uint32_t mask, int attrs)
{
	const kam_schema *s = kam_schema_of(kind);
	const kam_rec *r = rec;
	uint32_t present = r->present & mask;
	lua_createtable(L, 0, __builtin_popcount(present) + (attrs && r->nattrs));
	for (unsigned i = 0; i < s->nfields; i++) {
		if (!(present >> i & 1u))
			continue;
		kl_field_push(L, s, rec, (int)i);
		lua_setfield(L, -2, s->fields[i].name);
	}
	if (attrs && r->nattrs)
		attrs_push(L, r);
	luaL_setmetatable(L, record_mt[kind]);
}

void kl_record_push(lua_State *L, kam_kind kind, const void *rec)
{
	kl_record_push_some(L, kind, rec, UINT32_MAX, 1);
}

/* ---- Lua table -> record ---- */

static int field_error(lua_State *L, int arg, const kam_schema *s, const char *field,
		       const char *expected, int idx)
{
	const char *found;
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		found = lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
		break;
	case LUA_TNUMBER:
		found = lua_pushfstring(L, "%s %s", lua_isinteger(L, idx) ? "integer" : "number",
					lua_tostring(L, idx));
		break;
	default:
		found = luaL_typename(L, idx);
	}
	return luaL_argerror(L, arg, lua_pushfstring(L, "%s.%s: expected %s, found %s", s->singular,
						     field, expected, found));
}

/* The phrase of what a field takes from Lua, beyond its text form. */
static const char *lua_phrase(const kam_field *f)
{
	switch (f->type) {
	case KAM_T_COUNT: return "a non-negative integer";
	case KAM_T_MONEY:
		return "an integer of ten-thousandths or a decimal string such as \"12.50\"";
	case KAM_T_DATE: return "a date string YYYY-MM-DD or a day number";
	case KAM_T_BOOL: return "a boolean";
	case KAM_T_ENUM: return "a string";
	default: return "a string";
	}
}

/* Parses the value at idx (on the stack, kept there) into field i. */
static void field_check(lua_State *L, int idx, int arg, const kam_schema *s, void *rec, int i)
{
	const kam_field *f = &s->fields[i];
	kam_rec *r = rec;
	int t = lua_type(L, idx);
	if (t == LUA_TNIL)
		return;
	if (t == LUA_TNUMBER && lua_isinteger(L, idx) &&
	    (f->type == KAM_T_COUNT || f->type == KAM_T_MONEY || f->type == KAM_T_DATE)) {
		lua_Integer v = lua_tointeger(L, idx);
		if (f->type == KAM_T_COUNT) {
			if (v < 0)
				field_error(L, arg, s, f->name, lua_phrase(f), idx);
			*FIELD_AT(rec, f, int64_t) = v;
		} else if (f->type == KAM_T_MONEY) {
			*FIELD_AT(rec, f, kam_money) = v;
		} else {
			if (v < INT32_MIN + 1 || v > INT32_MAX)
				field_error(L, arg, s, f->name, lua_phrase(f), idx);
			*FIELD_AT(rec, f, kam_date) = (kam_date){ (int32_t)v, KAM_NO_TIME };
		}
		r->present |= 1u << i;
		return;
	}
	if (t == LUA_TBOOLEAN) {
		if (f->type != KAM_T_BOOL)
			field_error(L, arg, s, f->name, lua_phrase(f), idx);
		*FIELD_AT(rec, f, bool) = lua_toboolean(L, idx);
		r->present |= 1u << i;
		return;
	}
	/* Money from a float would be inexact: only integers and decimal strings. */
	int textual = t == LUA_TSTRING ||
		      (t == LUA_TNUMBER && (f->type == KAM_T_TEXT || f->type == KAM_T_ID));
	if (!textual)
		field_error(L, arg, s, f->name, lua_phrase(f), idx);
	size_t len;
	const char *text = lua_tolstring(L, idx, &len); /* converts a number in place: stays */
	const char *expected = NULL;
	if (kam_field_parse(s, rec, i, text, len, &expected))
		field_error(L, arg, s, f->name, expected ? expected : lua_phrase(f), idx);
}

typedef struct attr_ent {
	const char *k, *v;
	size_t klen, vlen;
} attr_ent;

static int attr_cmp(const void *a, const void *b)
{
	const attr_ent *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->k, y->k, n);
	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* Encodes the attrs table at idx in key order, so equal tables give equal records. */
static void attrs_check(lua_State *L, int idx, int arg, const kam_schema *s, kam_rec *r,
			kam_buf *buf)
{
	if (lua_type(L, idx) != LUA_TTABLE)
		luaL_argerror(L, arg, lua_pushfstring(L, "%s.attrs: expected a table of name = text",
						      s->singular));
	size_t n = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		n++;
	}
	if (n > 4096)
		luaL_argerror(L, arg, "attrs: more than 4096 custom attributes");
	attr_ent *ents = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*ents), 0);
	lua_newtable(L); /* holds the texts of numbers, which the table does not */
	int holder = lua_gettop(L);
	size_t i = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_argerror(L, arg, lua_pushfstring(L, "%s.attrs: names must be strings",
							      s->singular));
		attr_ent *e = &ents[i++];
		e->k = lua_tolstring(L, -2, &e->klen);
		if (e->klen == 0 || kam_schema_field(s, e->k, e->klen) >= 0)
			luaL_argerror(L, arg, lua_pushfstring(L, "%s.attrs: \"%s\" cannot name a custom "
								 "attribute (empty, or a field's name)",
							      s->singular, e->k));
		switch (lua_type(L, -1)) {
		case LUA_TSTRING:
			e->v = lua_tolstring(L, -1, &e->vlen); /* the table keeps it */
			break;
		case LUA_TNUMBER:
			e->v = luaL_tolstring(L, -1, &e->vlen);
			lua_rawseti(L, holder, (lua_Integer)i);
			break;
		case LUA_TBOOLEAN:
			e->v = lua_toboolean(L, -1) ? "true" : "false";
			e->vlen = strlen(e->v);
			break;
		default:
			luaL_argerror(L, arg, lua_pushfstring(L, "%s.attrs.%s: expected text, found %s",
							      s->singular, e->k, luaL_typename(L, -1)));
		}
		lua_pop(L, 1);
	}
	qsort(ents, n, sizeof(*ents), attr_cmp);
	kam_buf_reset(buf);
	for (size_t j = 0; j < n; j++) {
		if (kam_attr_append(buf, (kam_str){ ents[j].k, (uint32_t)ents[j].klen },
				    (kam_str){ ents[j].v, (uint32_t)ents[j].vlen }))
			luaL_error(L, "not enough memory");
	}
	r->nattrs = (uint32_t)n;
	r->attrs = (kam_str){ (const char *)buf->data, (uint32_t)buf->len };
}

void kl_record_check(lua_State *L, int idx, int arg, kam_kind kind, void *rec, kam_buf *attrs)
{
	const kam_schema *s = kam_schema_of(kind);
	idx = lua_absindex(L, idx);
	luaL_checktype(L, idx, LUA_TTABLE);
	kam_rec_clear(s, rec);
	/* Unknown keys first: a misspelt field must not vanish silently. */
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			luaL_argerror(L, arg, lua_pushfstring(L, "%s: field names must be strings, found %s",
							      s->singular, luaL_typename(L, -1)));
		}
		size_t len;
		const char *k = lua_tolstring(L, -1, &len);
		if (kam_schema_field(s, k, len) < 0 && strcmp(k, "attrs") != 0)
			luaL_argerror(L, arg, lua_pushfstring(L, "%s: unknown field \"%s\" (custom "
								 "attributes go in .attrs)",
							      s->singular, k));
	}
	luaL_checkstack(L, (int)s->nfields + 4, "record too large");
	for (unsigned i = 0; i < s->nfields; i++) {
		lua_pushstring(L, s->fields[i].name);
		lua_rawget(L, idx);
		field_check(L, lua_gettop(L), arg, s, rec, (int)i); /* the value stays on the stack */
	}
	lua_pushliteral(L, "attrs");
	lua_rawget(L, idx);
	if (!lua_isnil(L, -1))
		attrs_check(L, lua_gettop(L), arg, s, rec, attrs);
	int missing;
	if (kam_rec_check(s, rec, &missing))
		luaL_argerror(L, arg, lua_pushfstring(L, "%s: the required field %s is missing",
						      s->singular, s->fields[missing].name));
}

/* ---- rollups ---- */

int kl_rollup_field(const char *name)
{
	for (int i = 0; i < KL_ROLLUP_NFIELDS; i++)
		if (strcmp(name, kl_rollup_names[i]) == 0)
			return i;
	return -1;
}

void kl_rollup_field_push(lua_State *L, const kam_rollup *r, int f)
{
	switch (f) {
	case 0: lua_pushinteger(L, r->order_count); break;
	case 1: lua_pushinteger(L, r->interaction_count); break;
	case 2: kl_pushdate(L, r->first_order); break;
	case 3: kl_pushdate(L, r->last_order); break;
	case 4: lua_pushinteger(L, r->revenue); break;
	case 5: lua_pushinteger(L, r->profit); break;
	case 6: kl_pushdate(L, r->last_call); break;
	case 7: kl_pushdate(L, r->last_visit); break;
	case 8: kl_pushdate(L, r->last_interaction); break;
	case 9: lua_pushinteger(L, r->minutes); break;
	default: lua_pushnil(L);
	}
}

void kl_rollup_push(lua_State *L, const kam_rollup *r)
{
	lua_createtable(L, 0, KL_ROLLUP_NFIELDS);
	for (int i = 0; i < KL_ROLLUP_NFIELDS; i++) {
		kl_rollup_field_push(L, r, i);
		lua_setfield(L, -2, kl_rollup_names[i]);
	}
	luaL_setmetatable(L, "kam.rollup");
}

int luaopen_kam_record(lua_State *L)
{
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		luaL_newmetatable(L, record_mt[k]);
		lua_pushstring(L, kam_schema_of((kam_kind)k)->name);
		lua_setfield(L, -2, "kind");
		lua_pop(L, 1);
	}
	luaL_newmetatable(L, "kam.rollup");
	lua_pop(L, 1);
	return 0;
}
