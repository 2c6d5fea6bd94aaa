/*
 * lua_analysis.c - the book's analyses as Lua tables: db:agenda, db:value, db:portfolio and
 * db:receivables, the same core calls as `kam agenda`, `kam value` and `kam portfolio`.
 *
 * Each method reads its options (a bad type raises), runs the core computation with no Lua
 * call in between, and only then builds the tables, inside a pcall, from C memory that is freed
 * whatever the pcall does: nothing raises while a transaction or a model run is on the C stack.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "date.h"
#include "error.h"
#include "lua_kam.h"
#include "portfolio.h"
#include "value.h"

/* ---- options ---- */

/* opts[key] as a string, or NULL when absent; raises for another type. */
static const char *opt_string(lua_State *L, int opts, const char *key)
{
	if (!opts)
		return NULL;
	lua_getfield(L, opts, key);
	const char *s = NULL;
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, 2, lua_pushfstring(L, "%s: expected a string, got %s", key,
							    luaL_typename(L, -1)));
		s = lua_tostring(L, -1);
	}
	lua_pop(L, 1); /* the options table holds the string */
	return s;
}

/* opts[key] as an integer in lo..hi, or dflt when absent; raises otherwise. */
static lua_Integer opt_int(lua_State *L, int opts, const char *key, lua_Integer dflt,
			   lua_Integer lo, lua_Integer hi)
{
	if (!opts)
		return dflt;
	lua_getfield(L, opts, key);
	lua_Integer v = dflt;
	if (!lua_isnil(L, -1)) {
		int ok = 0;
		if (lua_type(L, -1) == LUA_TNUMBER)
			v = lua_tointegerx(L, -1, &ok);
		if (!ok || v < lo || v > hi)
			luaL_argerror(L, 2, lua_pushfstring(L, "%s: expected an integer %I to %I",
							    key, lo, hi));
	}
	lua_pop(L, 1);
	return v;
}

static int opt_bool(lua_State *L, int opts, const char *key)
{
	if (!opts)
		return 0;
	lua_getfield(L, opts, key);
	int t = lua_type(L, -1);
	if (t != LUA_TNIL && t != LUA_TBOOLEAN)
		luaL_argerror(L, 2, lua_pushfstring(L, "%s: expected a boolean", key));
	int v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

static int opts_index(lua_State *L)
{
	if (lua_isnoneornil(L, 2))
		return 0;
	luaL_checktype(L, 2, LUA_TTABLE);
	return 2;
}

/* ---- small pushers ---- */

static void set_str(lua_State *L, const char *key, const char *s)
{
	if (!s)
		return;
	lua_pushstring(L, s);
	lua_setfield(L, -2, key);
}

/* A ratio; NAN (undefined) leaves the field nil. */
static void set_num(lua_State *L, const char *key, double v)
{
	if (isnan(v))
		return;
	lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

static void set_tier(lua_State *L, const char *key, char tier)
{
	if (!tier)
		return;
	lua_pushlstring(L, &tier, 1);
	lua_setfield(L, -2, key);
}

/* ---- db:agenda ---- */

typedef struct agenda_job {
	kam_agenda *a;
	kam_config *cfg;
} agenda_job;

static void agenda_release(void *job)
{
	agenda_job *j = job;
	kam_agenda_free(j->a);
	kam_config_free(j->cfg);
}

static int agenda_build(lua_State *L)
{
	const agenda_job *j = lua_touserdata(L, 1);
	const kam_agenda *a = j->a;
	lua_createtable(L, (int)a->count, 0);
	for (size_t i = 0; i < a->count; i++) {
		const kam_agenda_item *x = &a->items[i];
		lua_createtable(L, 0, 10);
		set_str(L, "account_id", x->account_id);
		set_str(L, "action", x->action);
		set_tier(L, "tier", x->tier);
		kl_set_day(L, "due", x->due);
		kl_set_int(L, "overdue_days", kam_agenda_overdue(a, x));
		set_str(L, "owner", x->owner);
		kl_set_day(L, "last_contact", x->last);
		set_str(L, "objection", x->detail);
		int obj = x->detail ? kam_objection_parse(x->detail) : 0;
		if (obj)
			set_str(L, "response", kam_playbook_response(j->cfg, obj));
		set_str(L, "region", x->region ? x->region : "");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/*
 * db:agenda([{as_of=, owner=, region=, within=, config=}]) -> list of {account_id, action, tier,
 *   due, overdue_days, owner, last_contact, objection, response, region} | nil, message, code
 */
static int db_agenda(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	int opts = opts_index(L);
	const char *owner = opt_string(L, opts, "owner");
	const char *region = opt_string(L, opts, "region");
	const char *config = opt_string(L, opts, "config");
	lua_Integer within = opt_int(L, opts, "within", 0, 0, 36600);
	int32_t as_of = kl_opt_as_of(L, opts);
	if (config)
		kl_deny_in_sandbox(L, "db:agenda with a config file");
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:agenda: not inside a transaction of the same database");
	kam_agenda_opts o;
	kam_agenda_opts_init(&o, as_of);
	o.owner = owner;
	o.region = region;
	o.due_to = (int64_t)as_of + within > INT32_MAX ? INT32_MAX : as_of + (int32_t)within;
	kam_config *cfg = lua_newuserdatauv(L, sizeof(*cfg), 0);
	int nret = kl_config_open(L, db, config, cfg);
	if (nret)
		return nret;
	kam_agenda *a = lua_newuserdatauv(L, sizeof(*a), 0);
	memset(a, 0, sizeof(*a));
	int rc = kam_agenda_compute(db->store, kl_registry(L), cfg, &o, a);
	agenda_job j = { a, cfg };
	return kl_deliver(L, rc, a->error[0] ? a->error : kam_strerror(rc), agenda_build, &j, 1,
			  agenda_release);
}

/* ---- db:value ---- */

static void value_release(void *job)
{
	kam_value_result_free(job);
}

static int value_build(lua_State *L)
{
	const kam_value_result *res = lua_touserdata(L, 1);
	kam_value_row *rows;
	size_t n;
	if (kam_value_rows(res, &rows, &n))
		return luaL_error(L, "not enough memory");
	kam_value_row *copy = kl_box_rows(L, rows, n, sizeof(*rows));
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		const kam_result *r = copy[i].r;
		lua_createtable(L, 0, 7);
		set_str(L, "account_id", r->account_id);
		set_str(L, "model", copy[i].info->model);
		if (r->has_value) {
			lua_pushnumber(L, r->value);
			lua_setfield(L, -2, "value");
		}
		set_str(L, "recommendation", r->recommendation);
		set_str(L, "region", r->region ? r->region : "");
		if (copy[i].info->id)
			kl_set_int(L, "snapshot", (int64_t)copy[i].info->id);
		lua_createtable(L, 0, (int)r->nmetrics);
		for (size_t k = 0; k < r->nmetrics; k++) {
			lua_pushnumber(L, r->metrics[k].value);
			lua_setfield(L, -2, r->metrics[k].name);
		}
		lua_setfield(L, -2, "metrics");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/*
 * db:value([{model=, region=, as_of=, params=, dry_run=, config=}]) -> list of {account_id,
 *   model, value, recommendation, region, snapshot, metrics = {name = value}} in account id
 *   order | nil, message, code. Stores value snapshots unless dry_run, as `kam value` does.
 */
static int db_value(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	int opts = opts_index(L);
	kam_value_opts o = { 0 };
	o.region = opt_string(L, opts, "region");
	o.model = opt_string(L, opts, "model");
	o.dry_run = opt_bool(L, opts, "dry_run");
	const char *config = opt_string(L, opts, "config");
	o.as_of = kl_opt_as_of(L, opts);
	o.params = kl_check_params(L, opts, &o.nparams);
	if (config)
		kl_deny_in_sandbox(L, "db:value with a config file");
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:value: not inside a transaction of the same database");
	if (db->readonly && !o.dry_run)
		return kl_fail(L, KAM_EREADONLY, "db:value: the database is open read-only "
						 "(dry_run = true stores nothing)");
	kam_config *cfg = lua_newuserdatauv(L, sizeof(*cfg), 0);
	int nret = kl_config_open(L, db, config, cfg);
	if (nret)
		return nret;
	kam_value_result *res = lua_newuserdatauv(L, sizeof(*res), 0);
	memset(res, 0, sizeof(*res));
	int rc = kam_value(db->store, kl_registry(L), cfg, &o, res);
	kam_config_free(cfg);
	return kl_deliver(L, rc, res->error[0] ? res->error : kam_strerror(rc), value_build, res, 1,
			  value_release);
}

/* ---- db:portfolio, db:receivables ---- */

/* The options both share; window_days and top are checked here, not by the core. */
static int portfolio_opts(lua_State *L, kl_db **db, kam_portfolio_opts *o)
{
	*db = kl_checkdb(L, 1);
	int opts = opts_index(L);
	memset(o, 0, sizeof(*o));
	const char *by = opt_string(L, opts, "by");
	if (by && kam_portfolio_by_parse(by, &o->by))
		luaL_argerror(L, 2, lua_pushfstring(L, "by: expected \"rep\", \"region\" or \"tier\", "
						    "got \"%s\"", by));
	o->window_days = (int32_t)opt_int(L, opts, "window_days", 365, 1, 365250);
	o->top = (size_t)opt_int(L, opts, "top", 10, 1, 1000000000);
	o->as_of = kl_opt_as_of(L, opts);
	o->reg = kl_registry(L);
	return opts;
}

static void push_group(lua_State *L, const char *by, const kam_portfolio_group *g, size_t top)
{
	static const char *const tier_keys[3][3] = {
		{ "a_accounts", "a_revenue", "a_hours" },
		{ "b_accounts", "b_revenue", "b_hours" },
		{ "c_accounts", "c_revenue", "c_hours" },
	};
	lua_createtable(L, 0, 22);
	set_str(L, "by", by);
	set_str(L, "group", g->key);
	kl_set_int(L, "accounts", (int64_t)g->accounts);
	kl_set_int(L, "revenue", g->revenue);
	set_num(L, "top1_share", kam_portfolio_share(g->top1, g->revenue));
	set_num(L, "top5_share", kam_portfolio_share(g->top5, g->revenue));
	kl_set_int(L, "top_n", (int64_t)top);
	set_num(L, "top_n_share", kam_portfolio_share(g->topn, g->revenue));
	set_num(L, "hhi", g->hhi);
	kl_set_int(L, "minutes", g->minutes);
	set_num(L, "hours", (double)g->minutes / 60.0);
	set_num(L, "roi", kam_portfolio_roi(g->revenue, g->minutes));
	for (int k = 0; k < 3; k++) {
		kl_set_int(L, tier_keys[k][0], (int64_t)g->tier_accounts[k]);
		kl_set_int(L, tier_keys[k][1], g->tier_revenue[k]);
		set_num(L, tier_keys[k][2], (double)g->tier_minutes[k] / 60.0);
	}
	kl_set_int(L, "untiered_accounts", (int64_t)g->tier_accounts[KAM_TIER_NONE]);
}

/* What db:portfolio and db:receivables hand to their build: the computed set and the grouping. */
typedef struct portfolio_job {
	void *set; /* kam_portfolio or kam_receivables_set */
	kam_portfolio_by by;
} portfolio_job;

static void portfolio_release(void *job)
{
	kam_portfolio_free(((portfolio_job *)job)->set);
}

static int portfolio_build(lua_State *L)
{
	const portfolio_job *j = lua_touserdata(L, 1);
	const kam_portfolio *p = j->set;
	lua_createtable(L, (int)p->ngroups + 1, 0);
	for (size_t i = 0; i < p->ngroups; i++) {
		push_group(L, kam_portfolio_by_name(j->by), &p->groups[i], p->top);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	push_group(L, "total", &p->total, p->top);
	lua_rawseti(L, -2, (lua_Integer)p->ngroups + 1);
	return 1;
}

/*
 * db:portfolio([{by=, as_of=, window_days=, top=}]) -> list of groups {by, group, accounts,
 *   revenue, top1_share, ..., untiered_accounts}, the total last (by = "total") | nil, message,
 *   code. Money is integer ten-thousandths; undefined ratios are nil.
 */
static int db_portfolio(lua_State *L)
{
	kl_db *db;
	kam_portfolio_opts o;
	portfolio_opts(L, &db, &o);
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:portfolio: not inside a transaction of the same "
					     "database");
	kam_portfolio *p = lua_newuserdatauv(L, sizeof(*p), 0);
	memset(p, 0, sizeof(*p));
	kam_txn *txn;
	int rc = kam_txn_begin(db->store, 0, &txn);
	if (rc)
		return kl_fail(L, rc, "db:portfolio: %s", kam_strerror(rc));
	rc = kam_portfolio_compute(txn, &o, p);
	kam_txn_abort(txn);
	portfolio_job j = { p, o.by };
	return kl_deliver(L, rc, p->error[0] ? p->error : kam_strerror(rc), portfolio_build, &j, 1,
			  portfolio_release);
}

static void push_rcv_group(lua_State *L, const char *by, const kam_receivable_group *g)
{
	lua_createtable(L, 0, 6);
	set_str(L, "by", by);
	set_str(L, "group", g->key);
	kl_set_int(L, "accounts", (int64_t)g->accounts);
	kl_set_int(L, "receivables", g->amount);
	kl_set_int(L, "open_orders", g->open_orders);
	kl_set_day(L, "oldest_open", g->oldest_open);
}

static void receivables_release(void *job)
{
	kam_receivables_free(((portfolio_job *)job)->set);
}

static int receivables_build(lua_State *L)
{
	const portfolio_job *j = lua_touserdata(L, 1);
	const kam_receivables_set *s = j->set;
	kam_portfolio_by by = j->by;
	if (by == KAM_PORTFOLIO_TOTAL) {
		lua_createtable(L, (int)s->count, 0);
		for (size_t i = 0; i < s->count; i++) {
			const kam_receivable *r = &s->rows[i];
			lua_createtable(L, 0, 7);
			set_str(L, "account_id", r->account_id);
			set_str(L, "owner", r->owner);
			set_str(L, "region", r->region);
			set_tier(L, "tier", r->tier);
			kl_set_int(L, "receivables", r->amount);
			kl_set_int(L, "open_orders", r->open_orders);
			kl_set_day(L, "oldest_open", r->oldest_open);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		return 1;
	}
	lua_createtable(L, (int)s->ngroups + 1, 0);
	for (size_t i = 0; i < s->ngroups; i++) {
		push_rcv_group(L, kam_portfolio_by_name(by), &s->groups[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	push_rcv_group(L, "total", &s->total);
	lua_rawseti(L, -2, (lua_Integer)s->ngroups + 1);
	return 1;
}

/*
 * db:receivables([{by=, as_of=}]) -> without by: the accounts with a receivable {account_id,
 *   owner, region, tier, receivables, open_orders, oldest_open}, largest first; with by: groups
 *   {by, group, accounts, receivables, open_orders, oldest_open}, the total last | nil, msg, code
 */
static int db_receivables(lua_State *L)
{
	kl_db *db;
	kam_portfolio_opts o;
	portfolio_opts(L, &db, &o);
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:receivables: not inside a transaction of the same "
					     "database");
	kam_receivables_set *s = lua_newuserdatauv(L, sizeof(*s), 0);
	memset(s, 0, sizeof(*s));
	kam_txn *txn;
	int rc = kam_txn_begin(db->store, 0, &txn);
	if (rc)
		return kl_fail(L, rc, "db:receivables: %s", kam_strerror(rc));
	rc = kam_receivables(txn, &o, s);
	kam_txn_abort(txn);
	portfolio_job j = { s, o.by };
	return kl_deliver(L, rc, s->error[0] ? s->error : kam_strerror(rc), receivables_build, &j, 1,
			  receivables_release);
}

int luaopen_kam_analysis(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "agenda", db_agenda },
		{ "value", db_value },
		{ "portfolio", db_portfolio },
		{ "receivables", db_receivables },
		{ NULL, NULL },
	};
	kl_db_add_methods(L, methods);
	return 0;
}
