/*
 * lua_models.c - models from Lua: the registry of a state (class kam.models), plugins, models
 * written in Lua (class kam.run, their view of a run), and running models (tx:run, tx:tiers,
 * db:segment).
 *
 * A Lua model is a table { name=, kind="segmentation", version=, description=, params={...},
 * run=function(run) ... end }. kam.model() turns it into a kam_plugin descriptor whose run entry
 * calls the Lua function, so the core runs it exactly like a shared-object plugin (kam_run_model,
 * kam_segment). The call into Lua goes through lua_pcall on a thread of the model's own: an
 * error in the model ends in that pcall, never in the frames of kam_run_model below it, and
 * becomes a failed run (KAM_EPLUGIN) whose message names the model and the Lua error.
 */
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "date.h"
#include "error.h"
#include "lua_kam.h"
#include "run.h"
#include "segment.h"

#define MODELS_KEY "kam.models.registry"
#define NAME_MAX_LEN 64

/* A state whose only purpose is to run the Lua models of a configuration (the CLI's). */
typedef struct lua_host {
	lua_State *L;
	kl_limits lim;
	int refs; /* models still registered */
} lua_host;

typedef struct lua_model {
	kam_plugin desc;
	kam_param_def *params;
	char *name, *version, *description;
	lua_State *T;      /* the thread its runs happen on */
	int fn_ref, thread_ref;
	lua_host *host;    /* set when the model owns its state through `host` */
	int busy;
	char error[512];   /* the last Lua error */
	struct lua_model *next;
} lua_model;

typedef struct kl_models {
	kam_registry *reg;
	lua_model *models; /* the Lua models this registry holds (freed after it) */
	char **errors;     /* plugins of the search path that failed to load */
	size_t nerrors;
} kl_models;

/* ---- descriptors ---- */

static void model_free(lua_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->desc.nparams; i++) {
		free((char *)m->params[i].name);
		free((char *)m->params[i].default_value);
		free((char *)m->params[i].help);
	}
	free(m->params);
	free(m->name);
	free(m->version);
	free(m->description);
	free(m);
}

static void host_unref(lua_host *h)
{
	if (h && --h->refs == 0) {
		lua_close(h->L);
		free(h);
	}
}

typedef struct kl_runview {
	const kam_host *host;
	kam_run *run; /* NULL once the model's run function returned */
	lua_model *m;
} kl_runview;

typedef struct lm_ctx {
	lua_model *m;
	const kam_host *host;
	kam_run *run;
} lm_ctx;

/* In the model's pcall: build the kam.run view, call the model's function. */
static int lm_protected(lua_State *T)
{
	lm_ctx *c = lua_touserdata(T, 1);
	kl_runview *r = lua_newuserdatauv(T, sizeof(*r), 0);
	r->host = c->host;
	r->run = NULL;
	r->m = c->m;
	luaL_setmetatable(T, KL_RUN);
	lua_rawgeti(T, LUA_REGISTRYINDEX, c->m->fn_ref);
	lua_pushvalue(T, -2);
	r->run = c->run;
	int st = lua_pcall(T, 1, 0, 0);
	r->run = NULL; /* a view kept by the script must not outlive the run */
	if (st != LUA_OK)
		return lua_error(T);
	return 0;
}

static int lm_run_model(lua_model *m, const kam_host *host, kam_run *run)
{
	lua_State *T = m->T;
	m->error[0] = 0;
	if (m->busy) {
		snprintf(m->error, sizeof(m->error), "model %s called itself", m->name);
		return KAM_EPLUGIN;
	}
	if (!lua_checkstack(T, 4))
		return KAM_ENOMEM;
	lm_ctx c = { m, host, run };
	lua_pushcfunction(T, lm_protected);
	lua_pushlightuserdata(T, &c);
	m->busy = 1;
	int st = lua_pcall(T, 1, 0, 0);
	m->busy = 0;
	if (st != LUA_OK) {
		const char *msg = lua_tostring(T, -1);
		snprintf(m->error, sizeof(m->error), "%s", msg ? msg : "(error object is not a string)");
		lua_pop(T, 1);
		host->log(run, KAM_LOG_ERROR, "%s", m->error);
		return st == LUA_ERRMEM ? KAM_ENOMEM : KAM_EPLUGIN;
	}
	kl_limits *lim = kl_limits_of(T);
	if (lim && lim->exceeded) {
		snprintf(m->error, sizeof(m->error), "%s", kl_limits_message(lim));
		return KAM_ECANCELED;
	}
	return 0;
}

/*
 * The descriptor's run pointer is shared by every Lua model, so each model gets a small
 * trampoline state: `state` is set by init to the model. init receives only a pointer to where
 * to write, so registration passes the model through a static (registration is not reentrant).
 */
static lua_model *registering;

static int lm_init_set(const kam_host *host, void **state)
{
	(void)host;
	*state = registering;
	return registering ? 0 : KAM_EINVAL;
}

static int lm_run_entry(void *state, const kam_host *host, kam_run *run)
{
	lua_model *m = state;
	return m ? lm_run_model(m, host, run) : KAM_EINVAL;
}

static void lm_fini(void *state)
{
	lua_model *m = state;
	/* A model whose state belongs to a script is freed with the script's registry object. */
	if (m && m->host) {
		lua_host *h = m->host;
		model_free(m);
		host_unref(h);
	}
}

/* ---- reading a model table ---- */

static const char *const kind_names[] = { "segmentation", "cadence", "value", NULL };

static char *opt_text(lua_State *L, int t, const char *key, const char *dflt)
{
	lua_getfield(L, t, key);
	const char *s = lua_isnil(L, -1) ? dflt : NULL;
	if (!s) {
		if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "model.%s: expected a string", key);
		s = lua_tostring(L, -1);
	}
	char *copy = s ? strdup(s) : NULL;
	lua_pop(L, 1);
	return copy;
}

static const char *const param_types[] = { "number", "integer", "text", "date", "bool", NULL };

/* The text of a default value, as the host reads parameters (text checked against the type). */
static const char *default_text(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TNIL: return NULL;
	case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
	case LUA_TNUMBER:
	case LUA_TSTRING: return lua_tostring(L, idx);
	}
	luaL_error(L, "model.params: a default must be a string, number or boolean");
	return NULL;
}

/* One parameter { name=, type=, default=, help= } at the top of the stack into d. */
static void param_read(lua_State *L, const char *name, kam_param_def *d)
{
	int t = lua_gettop(L);
	if (!lua_istable(L, t))
		luaL_error(L, "model.params.%s: expected a table { type=, default=, help= }", name);
	lua_getfield(L, t, "type");
	int type = luaL_checkoption(L, -1, "number", param_types) + 1;
	lua_getfield(L, t, "default");
	const char *dflt = default_text(L, -1);
	if (dflt && kam_param_check(type, dflt))
		luaL_error(L, "model.params.%s: the default \"%s\" is not %s", name, dflt,
			   kam_param_type_phrase(type));
	lua_getfield(L, t, "help");
	const char *help = lua_isnil(L, -1) ? "" : luaL_checkstring(L, -1);
	d->name = strdup(name);
	d->type = type;
	d->default_value = dflt ? strdup(dflt) : NULL;
	d->help = strdup(help);
	lua_settop(L, t);
	if (!d->name || (dflt && !d->default_value) || !d->help)
		luaL_error(L, "not enough memory");
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/*
 * Reads the model table at idx into a new lua_model (its run function and thread anchored in
 * the registry of L). Raises for a malformed table; m is then freed by the pcall-protected
 * caller through the userdata that holds it.
 */
typedef struct model_box {
	lua_model *m;
} model_box;

static int box_gc(lua_State *L)
{
	model_box *b = lua_touserdata(L, 1);
	model_free(b->m);
	b->m = NULL;
	return 0;
}

static lua_model *model_read(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	luaL_checktype(L, idx, LUA_TTABLE);
	/* The box frees the model if a check below raises. */
	model_box *box = lua_newuserdatauv(L, sizeof(*box), 0);
	box->m = NULL;
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, box_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_model *m = box->m = calloc(1, sizeof(*m));
	if (!m)
		luaL_error(L, "not enough memory");
	m->fn_ref = m->thread_ref = LUA_NOREF;
	m->name = opt_text(L, idx, "name", NULL);
	if (!m->name || !name_ok(m->name))
		luaL_error(L, "model.name: expected a name of 1 to %d characters a-z, 0-9, _ or -",
			   NAME_MAX_LEN);
	lua_getfield(L, idx, "kind");
	int kind = luaL_checkoption(L, -1, "segmentation", kind_names) + 1;
	lua_pop(L, 1);
	m->version = opt_text(L, idx, "version", "0");
	m->description = opt_text(L, idx, "description", "a model written in Lua");
	lua_getfield(L, idx, "run");
	if (!lua_isfunction(L, -1))
		luaL_error(L, "model.run: expected a function(run)");
	lua_pop(L, 1);
	lua_getfield(L, idx, "params");
	int p = lua_gettop(L);
	if (!lua_isnil(L, p)) {
		if (!lua_istable(L, p))
			luaL_error(L, "model.params: expected a table");
		size_t n = 0;
		lua_pushnil(L);
		while (lua_next(L, p)) {
			lua_pop(L, 1);
			n++;
		}
		if (n > 64)
			luaL_error(L, "model.params: at most 64 parameters");
		m->params = calloc(n ? n : 1, sizeof(*m->params));
		if (!m->params)
			luaL_error(L, "not enough memory");
		if (lua_rawlen(L, p) == n) {
			/* a list: { { name = "window_days", type = "integer", default = 365 }, ... } */
			for (size_t i = 0; i < n; i++) {
				lua_rawgeti(L, p, (lua_Integer)i + 1);
				if (!lua_istable(L, -1))
					luaL_error(L, "model.params[%d]: expected a table", (int)i + 1);
				lua_getfield(L, -1, "name");
				const char *name = lua_tostring(L, -1);
				if (!name || !name_ok(name))
					luaL_error(L, "model.params[%d].name: expected a parameter name",
						   (int)i + 1);
				lua_pop(L, 1);
				param_read(L, name, &m->params[m->desc.nparams++]);
				lua_pop(L, 1);
			}
		} else {
			/* a map: { window_days = { type = "integer", default = 365 }, ... } */
			lua_pushnil(L);
			while (lua_next(L, p)) {
				const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
				if (!name || !name_ok(name))
					luaL_error(L, "model.params: keys must be parameter names");
				param_read(L, name, &m->params[m->desc.nparams++]);
				lua_pop(L, 1);
			}
		}
	}
	lua_settop(L, p - 1);
	m->desc.abi_major = KAM_ABI_MAJOR;
	m->desc.size = sizeof(kam_plugin);
	m->desc.name = m->name;
	m->desc.kind = kind;
	m->desc.version = m->version;
	m->desc.description = m->description;
	m->desc.params = m->params;
	m->desc.init = lm_init_set;
	m->desc.fini = lm_fini;
	m->desc.run = lm_run_entry;
	/* The thread and function, anchored in the registry of the state. */
	lua_State *T = lua_newthread(L);
	m->T = T;
	m->thread_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_getfield(L, idx, "run");
	m->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	box->m = NULL; /* the caller owns it now */
	lua_pop(L, 1);
	return m;
}

/* ---- the registry of a state ---- */

static void collect_error(void *ctx, const char *message)
{
	kl_models *r = ctx;
	char **e = realloc(r->errors, (r->nerrors + 1) * sizeof(*e));
	if (!e)
		return;
	r->errors = e;
	if ((e[r->nerrors] = strdup(message)))
		r->nerrors++;
}

static int models_gc(lua_State *L)
{
	kl_models *r = luaL_checkudata(L, 1, KL_MODELS);
	kam_registry_free(r->reg); /* fini of every model; ours do nothing for script models */
	r->reg = NULL;
	for (lua_model *m = r->models, *next; m; m = next) {
		next = m->next;
		model_free(m);
	}
	r->models = NULL;
	for (size_t i = 0; i < r->nerrors; i++)
		free(r->errors[i]);
	free(r->errors);
	r->errors = NULL;
	r->nerrors = 0;
	return 0;
}

static kl_models *models_get(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, MODELS_KEY) == LUA_TUSERDATA) {
		kl_models *r = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return r;
	}
	lua_pop(L, 1);
	kl_models *r = lua_newuserdatauv(L, sizeof(*r), 0);
	memset(r, 0, sizeof(*r));
	luaL_setmetatable(L, KL_MODELS);
	lua_setfield(L, LUA_REGISTRYINDEX, MODELS_KEY);
	if (kam_registry_new(&r->reg))
		luaL_error(L, "not enough memory");
	kam_registry_load_all(r->reg, collect_error, r);
	return r;
}

kam_registry *kl_registry(lua_State *L)
{
	return models_get(L)->reg;
}

static void push_model_info(lua_State *L, const kam_model *m)
{
	const kam_plugin *d = m->desc;
	lua_createtable(L, 0, 7);
	lua_pushstring(L, d->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, kam_plugin_kind_name(d->kind));
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, d->version ? d->version : "");
	lua_setfield(L, -2, "version");
	lua_pushstring(L, d->description ? d->description : "");
	lua_setfield(L, -2, "description");
	lua_pushstring(L, m->origin ? m->origin : "");
	lua_setfield(L, -2, "origin");
	lua_createtable(L, (int)d->nparams, 0);
	for (size_t i = 0; i < d->nparams; i++) {
		const kam_param_def *p = &d->params[i];
		lua_createtable(L, 0, 4);
		lua_pushstring(L, p->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, kam_param_type_name(p->type));
		lua_setfield(L, -2, "type");
		if (p->default_value) {
			lua_pushstring(L, p->default_value);
			lua_setfield(L, -2, "default");
		}
		lua_pushstring(L, p->help ? p->help : "");
		lua_setfield(L, -2, "help");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "params");
}

/* kam.plugins() -> list of {name, kind, version, description, origin, params}, load errors */
int kl_plugins(lua_State *L)
{
	kl_models *r = models_get(L);
	size_t n = kam_registry_count(r->reg);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		push_model_info(L, kam_registry_at(r->reg, i));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_createtable(L, (int)r->nerrors, 0);
	for (size_t i = 0; i < r->nerrors; i++) {
		lua_pushstring(L, r->errors[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

/* kam.load_plugin(path_or_name) -> info | nil, message, code */
int kl_load_plugin(lua_State *L)
{
	const char *what = luaL_checkstring(L, 1);
	kl_deny_in_sandbox(L, "kam.load_plugin");
	kl_models *r = models_get(L);
	char err[512];
	int rc = kam_registry_load(r->reg, what, err, sizeof(err));
	if (rc)
		return kl_fail(L, rc, "%s", err);
	push_model_info(L, kam_registry_at(r->reg, kam_registry_count(r->reg) - 1));
	return 1;
}

/*
 * Registers the model table at idx into `reg`. With `host` the model belongs to reg (its fini
 * frees it and releases the host state); without, to the state's registry object.
 */
static int model_add(lua_State *L, int idx, kam_registry *reg, lua_host *host, const char *origin,
		     char *err, size_t errlen)
{
	kl_models *r = host ? NULL : models_get(L);
	lua_model *m = model_read(L, idx);
	m->host = host;
	registering = m;
	int rc = kam_registry_add(host ? reg : r->reg, &m->desc, origin, err, errlen);
	registering = NULL;
	if (rc) {
		luaL_unref(L, LUA_REGISTRYINDEX, m->fn_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, m->thread_ref);
		model_free(m);
		return rc;
	}
	if (host) {
		host->refs++;
	} else {
		m->next = r->models;
		r->models = m;
	}
	return 0;
}

int kl_model_add(lua_State *L, int idx, const char *origin, char *err, size_t errlen)
{
	return model_add(L, idx, NULL, NULL, origin, err, errlen);
}

/* kam.model{ name=, kind=, version=, description=, params=, run= } -> info | nil, message, code */
int kl_model(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Debug ar;
	char origin[300] = "lua";
	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar))
		snprintf(origin, sizeof(origin), "lua:%s:%d", ar.short_src, ar.currentline);
	char err[512];
	int rc = kl_model_add(L, 1, origin, err, sizeof(err));
	if (rc)
		return kl_fail(L, rc, "%s", err);
	kl_models *r = models_get(L);
	push_model_info(L, kam_registry_at(r->reg, kam_registry_count(r->reg) - 1));
	return 1;
}

/* kam.load_model(path) -> info | nil, message, code: runs the file, registers what it returns */
int kl_load_model(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	kl_deny_in_sandbox(L, "kam.load_model");
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return kl_fail(L, KAM_EPARSE, "%s", lua_tostring(L, -1));
	if (lua_pcall(L, 0, 1, 0) != LUA_OK)
		return kl_fail(L, KAM_EPLUGIN, "%s", lua_tostring(L, -1));
	if (!lua_istable(L, -1))
		return kl_fail(L, KAM_EPLUGIN, "%s: a model file must return a table {name=, run=, ...}",
			       path);
	char origin[300], err[512];
	snprintf(origin, sizeof(origin), "lua:%s", path);
	int rc = kl_model_add(L, lua_gettop(L), origin, err, sizeof(err));
	if (rc)
		return kl_fail(L, rc, "%s", err);
	kl_models *r = models_get(L);
	push_model_info(L, kam_registry_at(r->reg, kam_registry_count(r->reg) - 1));
	return 1;
}

/* ---- class kam.run: the model's view of one run ---- */

static kl_runview *check_run(lua_State *L)
{
	kl_runview *r = luaL_checkudata(L, 1, KL_RUN);
	if (!r->run)
		luaL_argerror(L, 1, "the run has ended");
	return r;
}

/* Account index argument: 1-based in Lua. */
static size_t check_index(lua_State *L, kl_runview *r, int arg)
{
	lua_Integer i = luaL_checkinteger(L, arg);
	size_t n = r->host->account_count(r->run);
	if (i < 1 || (size_t)i > n)
		luaL_argerror(L, arg, lua_pushfstring(L, "no account %I in this run (1..%I)", i,
						      (lua_Integer)n));
	return (size_t)i - 1;
}

static void set_text(lua_State *L, const char *key, kam_text t)
{
	if (!t.len)
		return;
	lua_pushlstring(L, t.ptr, t.len);
	lua_setfield(L, -2, key);
}

static void push_view(lua_State *L, const kam_account_view *a)
{
	lua_createtable(L, 0, 24);
	set_text(L, "id", a->id);
	set_text(L, "name", a->name);
	set_text(L, "region", a->region);
	set_text(L, "industry", a->industry);
	set_text(L, "owner", a->owner);
	if (a->channel >= 1 && a->channel <= 10) {
		lua_pushstring(L, kam_channel_names[a->channel - 1]);
		lua_setfield(L, -2, "channel");
	}
	if (a->stage >= 1 && a->stage <= 5) {
		lua_pushstring(L, kam_stage_names[a->stage - 1]);
		lua_setfield(L, -2, "stage");
	}
	if (a->present & KAM_VIEW_EMPLOYEES)
		kl_set_int(L, "employees", a->employees);
	if (a->present & KAM_VIEW_NET_ASSETS)
		kl_set_int(L, "net_assets", a->net_assets);
	if (a->present & KAM_VIEW_ANNUAL_REVENUE)
		kl_set_int(L, "annual_revenue", a->annual_revenue);
	if (a->present & KAM_VIEW_WALLET)
		kl_set_int(L, "wallet", a->wallet);
	kl_set_day(L, "created", a->created);
	kl_set_int(L, "order_count", a->order_count);
	kl_set_int(L, "interaction_count", a->interaction_count);
	kl_set_day(L, "first_order", a->first_order);
	kl_set_day(L, "last_order", a->last_order);
	kl_set_day(L, "last_call", a->last_call);
	kl_set_day(L, "last_visit", a->last_visit);
	kl_set_day(L, "last_interaction", a->last_interaction);
	kl_set_int(L, "revenue", a->revenue);
	kl_set_int(L, "profit", a->profit);
	kl_set_int(L, "minutes", a->minutes);
}

/* run:count() -> number of accounts */
static int run_count(lua_State *L)
{
	kl_runview *r = check_run(L);
	lua_pushinteger(L, (lua_Integer)r->host->account_count(r->run));
	return 1;
}

/* run:account(i) -> account table (fields and rollup figures) */
static int run_account(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	push_view(L, r->host->account(r->run, i));
	return 1;
}

static int run_accounts_iter(lua_State *L)
{
	kl_runview *r = check_run(L);
	lua_Integer i = luaL_checkinteger(L, 2) + 1;
	if (i < 1 || (size_t)i > r->host->account_count(r->run))
		return 0;
	lua_pushinteger(L, i);
	push_view(L, r->host->account(r->run, (size_t)i - 1));
	return 2;
}

/* for i, account in run:accounts() do ... end */
static int run_accounts(lua_State *L)
{
	check_run(L);
	lua_pushcfunction(L, run_accounts_iter);
	lua_pushvalue(L, 1);
	lua_pushinteger(L, 0);
	return 3;
}

static void day_range(lua_State *L, int arg, int32_t *from, int32_t *to)
{
	*from = lua_isnoneornil(L, arg) ? INT32_MIN : kl_checkday(L, arg, "from");
	*to = lua_isnoneornil(L, arg + 1) ? INT32_MAX : kl_checkday(L, arg + 1, "to");
}

static int host_fail(lua_State *L, const char *what, int rc)
{
	return luaL_error(L, "%s: %s", what, kam_strerror(rc));
}

/* run:orders(i [, from [, to]]) -> list of {id, date, amount, profit} */
static int run_orders(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	int32_t from, to;
	day_range(L, 3, &from, &to);
	const kam_order_view *v;
	size_t n;
	int rc = r->host->orders(r->run, i, from, to, &v, &n);
	if (rc)
		return host_fail(L, "run:orders", rc);
	lua_createtable(L, (int)n, 0);
	for (size_t k = 0; k < n; k++) {
		lua_createtable(L, 0, 4);
		lua_pushlstring(L, v[k].id.ptr, v[k].id.len);
		lua_setfield(L, -2, "id");
		kl_pushdate(L, (kam_date){ v[k].day, v[k].sec });
		lua_setfield(L, -2, "date");
		kl_set_int(L, "amount", v[k].amount);
		if (v[k].has_profit)
			kl_set_int(L, "profit", v[k].profit);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	return 1;
}

static void set_enum(lua_State *L, const char *key, const char *const *names, unsigned max, uint8_t v)
{
	if (v < 1 || v > max)
		return;
	lua_pushstring(L, names[v - 1]);
	lua_setfield(L, -2, key);
}

/* run:interactions(i [, from [, to]]) -> list of {id, date, kind, minutes, outcome, objection} */
static int run_interactions(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	int32_t from, to;
	day_range(L, 3, &from, &to);
	const kam_interaction_view *v;
	size_t n;
	int rc = r->host->interactions(r->run, i, from, to, &v, &n);
	if (rc)
		return host_fail(L, "run:interactions", rc);
	lua_createtable(L, (int)n, 0);
	for (size_t k = 0; k < n; k++) {
		lua_createtable(L, 0, 6);
		lua_pushlstring(L, v[k].id.ptr, v[k].id.len);
		lua_setfield(L, -2, "id");
		kl_pushdate(L, (kam_date){ v[k].day, v[k].sec });
		lua_setfield(L, -2, "date");
		set_enum(L, "kind", kam_ikind_names, 5, v[k].kind);
		if (v[k].has_minutes)
			kl_set_int(L, "minutes", v[k].minutes);
		set_enum(L, "outcome", kam_outcome_names, 5, v[k].outcome);
		set_enum(L, "objection", kam_objection_names, 7, v[k].objection);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	return 1;
}

/* run:set_tier(i, "A"|"B"|"C", score) */
static int run_set_tier(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	size_t len;
	const char *t = luaL_checklstring(L, 3, &len);
	luaL_argcheck(L, len == 1 && (*t == 'A' || *t == 'B' || *t == 'C'), 3,
		      "expected \"A\", \"B\" or \"C\"");
	lua_Number score = luaL_optnumber(L, 4, 0);
	int rc = r->host->set_tier(r->run, i, *t, score);
	if (rc)
		return host_fail(L, "run:set_tier", rc);
	return 0;
}

/* run:factor(i, name, value [, note]) */
static int run_factor(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	const char *name = luaL_checkstring(L, 3);
	lua_Number v = luaL_checknumber(L, 4);
	const char *note = luaL_optstring(L, 5, NULL);
	int rc = r->host->add_factor(r->run, i, name, v, note);
	if (rc)
		return host_fail(L, "run:factor", rc);
	return 0;
}

/* run:param(name) -> the value in its declared type | nil, message, code */
static int run_param(lua_State *L)
{
	kl_runview *r = check_run(L);
	const char *name = luaL_checkstring(L, 2);
	const kam_param_def *def = NULL;
	for (size_t i = 0; i < r->m->desc.nparams; i++)
		if (strcmp(r->m->params[i].name, name) == 0)
			def = &r->m->params[i];
	if (!def)
		return luaL_argerror(L, 2, lua_pushfstring(L, "model %s declares no parameter \"%s\"",
							   r->m->name, name));
	int rc;
	switch (def->type) {
	case KAM_PARAM_NUMBER: {
		double v;
		if (!(rc = r->host->param_number(r->run, name, &v)))
			lua_pushnumber(L, v);
		break;
	}
	case KAM_PARAM_INTEGER:
	case KAM_PARAM_BOOL: {
		int64_t v;
		if (!(rc = r->host->param_integer(r->run, name, &v))) {
			if (def->type == KAM_PARAM_BOOL)
				lua_pushboolean(L, v != 0);
			else
				lua_pushinteger(L, v);
		}
		break;
	}
	case KAM_PARAM_DATE: {
		int32_t v;
		if (!(rc = r->host->param_day(r->run, name, &v)))
			kl_pushdate(L, (kam_date){ v, KAM_NO_TIME });
		break;
	}
	default: {
		kam_text v;
		if (!(rc = r->host->param_text(r->run, name, &v)))
			lua_pushlstring(L, v.ptr, v.len);
	}
	}
	if (rc)
		return kl_fail(L, rc, "parameter %s: %s", name, kam_strerror(rc));
	return 1;
}

/* run:as_of() -> "YYYY-MM-DD" */
static int run_as_of(lua_State *L)
{
	kl_runview *r = check_run(L);
	kl_pushdate(L, (kam_date){ r->host->as_of(r->run), KAM_NO_TIME });
	return 1;
}

/* run:attr(i, name) -> custom attribute text | nil */
static int run_attr(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	const char *name = luaL_checkstring(L, 3);
	kam_text v;
	if (r->host->account_attr(r->run, i, name, &v))
		return 0;
	lua_pushlstring(L, v.ptr, v.len);
	return 1;
}

/* run:tier(i) -> the account's current tier (cadence and value models) | nil */
static int run_tier(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	if (!KAM_HOST_HAS(r->host, tier))
		return 0;
	char t = r->host->tier(r->run, i);
	if (!t)
		return 0;
	lua_pushlstring(L, &t, 1);
	return 1;
}

/* run:set_value(i, value [, recommendation]) (value models) */
static int run_set_value(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	lua_Number v = luaL_checknumber(L, 3);
	const char *rec = luaL_optstring(L, 4, NULL);
	if (!KAM_HOST_HAS(r->host, set_value))
		return luaL_error(L, "run:set_value: this host has no value results");
	int rc = r->host->set_value(r->run, i, v, rec);
	if (rc)
		return host_fail(L, "run:set_value", rc);
	return 0;
}

/* run:metric(i, name, value) (value models) */
static int run_metric(lua_State *L)
{
	kl_runview *r = check_run(L);
	size_t i = check_index(L, r, 2);
	const char *name = luaL_checkstring(L, 3);
	lua_Number v = luaL_checknumber(L, 4);
	if (!KAM_HOST_HAS(r->host, add_metric))
		return luaL_error(L, "run:metric: this host has no value metrics");
	int rc = r->host->add_metric(r->run, i, name, v);
	if (rc)
		return host_fail(L, "run:metric", rc);
	return 0;
}

/* run:log(message) -> logged under the model's name (stderr, see KAM_LOG) */
static int run_log(lua_State *L)
{
	kl_runview *r = check_run(L);
	const char *msg = luaL_checkstring(L, 2);
	r->host->log(r->run, KAM_LOG_INFO, "%s", msg);
	return 0;
}

static int run_tostring(lua_State *L)
{
	kl_runview *r = luaL_checkudata(L, 1, KL_RUN);
	lua_pushfstring(L, "kam.run (%s%s)", r->m ? r->m->name : "?", r->run ? "" : ", ended");
	return 1;
}

static const luaL_Reg run_methods[] = {
	{ "count", run_count },
	{ "account", run_account },
	{ "accounts", run_accounts },
	{ "orders", run_orders },
	{ "interactions", run_interactions },
	{ "set_tier", run_set_tier },
	{ "factor", run_factor },
	{ "param", run_param },
	{ "as_of", run_as_of },
	{ "attr", run_attr },
	{ "tier", run_tier },
	{ "set_value", run_set_value },
	{ "metric", run_metric },
	{ "log", run_log },
	{ NULL, NULL },
};

/* ---- running models from a transaction or a database ---- */

typedef struct region_filter {
	const char *region;
	size_t len;
} region_filter;

static int keep_region(void *ctx, const kam_account *a)
{
	const region_filter *f = ctx;
	return a->region.len == f->len && (f->len == 0 || memcmp(a->region.ptr, f->region, f->len) == 0);
}

/* Reads opts.params (a table name = value) into an array of kam_param kept on the stack. */
kam_param *kl_check_params(lua_State *L, int opts, size_t *count)
{
	*count = 0;
	if (!opts)
		return NULL;
	lua_getfield(L, opts, "params");
	int p = lua_gettop(L);
	if (lua_isnil(L, p))
		return NULL;
	luaL_argcheck(L, lua_istable(L, p), 2, "params: expected a table of name = value");
	size_t n = 0;
	lua_pushnil(L);
	while (lua_next(L, p)) {
		lua_pop(L, 1);
		n++;
	}
	kam_param *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*v), 0);
	lua_newtable(L); /* texts of numbers and booleans */
	int texts = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, p)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "params: names must be strings");
		kam_param *e = &v[(*count)++];
		e->name = lua_tostring(L, -2);
		if (lua_type(L, -1) == LUA_TBOOLEAN) {
			e->value = lua_toboolean(L, -1) ? "true" : "false";
		} else if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
			e->value = luaL_tolstring(L, -1, NULL);
			lua_rawseti(L, texts, (lua_Integer)*count);
		} else {
			luaL_error(L, "params.%s: expected a string, number or boolean", e->name);
		}
		lua_pop(L, 1);
	}
	return v;
}

int32_t kl_opt_as_of(lua_State *L, int opts)
{
	if (!opts)
		return kam_today();
	lua_getfield(L, opts, "as_of");
	int32_t d = lua_isnil(L, -1) ? kam_today() : kl_checkday(L, -1, "as_of");
	lua_pop(L, 1);
	return d;
}

static void push_result(lua_State *L, const kam_result *res)
{
	lua_createtable(L, 0, 5);
	lua_pushstring(L, res->account_id);
	lua_setfield(L, -2, "account_id");
	lua_pushstring(L, res->region ? res->region : "");
	lua_setfield(L, -2, "region");
	if (res->tier) {
		lua_pushlstring(L, &res->tier, 1);
		lua_setfield(L, -2, "tier");
	}
	lua_pushnumber(L, res->score);
	lua_setfield(L, -2, "score");
	lua_createtable(L, (int)res->nfactors, 0);
	for (size_t k = 0; k < res->nfactors; k++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, res->factors[k].name);
		lua_setfield(L, -2, "name");
		lua_pushnumber(L, res->factors[k].value);
		lua_setfield(L, -2, "value");
		if (res->factors[k].note) {
			lua_pushstring(L, res->factors[k].note);
			lua_setfield(L, -2, "note");
		}
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	lua_setfield(L, -2, "factors");
}

static int results_build(lua_State *L)
{
	const kam_run_output *out = lua_touserdata(L, 1);
	lua_createtable(L, (int)out->count, 0);
	for (size_t i = 0; i < out->count; i++) {
		push_result(L, &out->results[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* The message of a failed run, with the Lua error when the model is one of ours. */
static const char *run_message(lua_State *L, const kam_model *model, const char *error)
{
	if (model->desc->run == lm_run_entry && model->state) {
		const lua_model *m = model->state;
		if (m->error[0])
			return lua_pushfstring(L, "%s: %s", error, m->error);
	}
	return lua_pushstring(L, error);
}

/*
 * tx:run(model [, {params = {...}, region = R, as_of = D}]) -> list of
 *   {account_id, region, tier, score, factors = {{name, value, note}, ...}} | nil, message, code
 * Runs a model over the accounts (of one region) and returns its results; stores nothing.
 */
int kl_run(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	const char *name = luaL_checkstring(L, 2);
	int opts = lua_isnoneornil(L, 3) ? 0 : 3;
	if (opts)
		luaL_checktype(L, 3, LUA_TTABLE);
	region_filter rf = { 0 };
	if (opts) {
		lua_getfield(L, opts, "region");
		if (!lua_isnil(L, -1))
			rf.region = luaL_checklstring(L, -1, &rf.len);
		lua_pop(L, 1); /* the options table holds it */
	}
	int32_t as_of = kl_opt_as_of(L, opts);
	size_t nparams;
	kam_param *params = kl_check_params(L, opts, &nparams);
	const kam_model *model = kam_registry_find(kl_registry(L), name);
	if (!model)
		return kl_fail(L, KAM_ENOTFOUND, "no model \"%s\" is loaded (see kam.plugins())", name);
	kam_run_spec spec = { model, params, nparams, as_of, rf.region ? keep_region : NULL, &rf };
	kam_run_output *out = lua_newuserdatauv(L, sizeof(*out), 0);
	memset(out, 0, sizeof(*out));
	int rc = kam_run_model(tx->txn, &spec, out);
	kl_limits *lim = kl_limits_of(L);
	if (lim && lim->exceeded) {
		kam_run_output_free(out);
		kl_check_limits(L);
	}
	if (rc) {
		const char *msg = run_message(L, model, out->error);
		kam_run_output_free(out);
		return kl_fail(L, rc, "%s", msg);
	}
	lua_pushcfunction(L, results_build);
	lua_pushlightuserdata(L, out);
	int st = lua_pcall(L, 1, 1, 0);
	kam_run_output_free(out);
	if (st != LUA_OK)
		return lua_error(L);
	return 1;
}

static void push_tier_row(lua_State *L, const kam_tier_row *row)
{
	lua_createtable(L, 0, 5);
	lua_pushlstring(L, row->account_id.ptr, row->account_id.len);
	lua_setfield(L, -2, "account_id");
	lua_pushlstring(L, row->region.ptr ? row->region.ptr : "", row->region.len);
	lua_setfield(L, -2, "region");
	if (row->tier) {
		lua_pushlstring(L, &row->tier, 1);
		lua_setfield(L, -2, "tier");
	}
	lua_pushnumber(L, row->score);
	lua_setfield(L, -2, "score");
	if (row->snapshot) {
		lua_pushinteger(L, (lua_Integer)row->snapshot);
		lua_setfield(L, -2, "snapshot");
	}
}

static int tiers_build(lua_State *L)
{
	const kam_tier_set *s = lua_touserdata(L, 1);
	lua_createtable(L, (int)s->count, 0);
	for (size_t i = 0; i < s->count; i++) {
		push_tier_row(L, &s->rows[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_createtable(L, (int)s->ncomputed, 0);
	for (size_t i = 0; i < s->ncomputed; i++) {
		lua_pushstring(L, s->computed_regions[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

/*
 * tx:tiers([{region = R, as_of = D}]) -> list of {account_id, region, tier, score, snapshot},
 *   regions computed now (never segmented) | nil, message, code
 */
static int tx_tiers(lua_State *L)
{
	kl_tx *tx = kl_checktx(L, 1);
	int opts = lua_isnoneornil(L, 2) ? 0 : 2;
	if (opts)
		luaL_checktype(L, 2, LUA_TTABLE);
	const char *region = NULL;
	if (opts) {
		lua_getfield(L, opts, "region");
		region = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
		lua_pop(L, 1);
	}
	int32_t as_of = kl_opt_as_of(L, opts);
	kam_registry *reg = kl_registry(L);
	kam_tier_set *s = lua_newuserdatauv(L, sizeof(*s), 0);
	memset(s, 0, sizeof(*s));
	int rc = kam_tiers_current(tx->txn, reg, region, as_of, s);
	if (rc) {
		const char *msg = lua_pushstring(L, s->error[0] ? s->error : kam_strerror(rc));
		kam_tier_set_free(s);
		return kl_fail(L, rc, "%s", msg);
	}
	lua_pushcfunction(L, tiers_build);
	lua_pushlightuserdata(L, s);
	int st = lua_pcall(L, 1, 2, 0);
	kam_tier_set_free(s);
	if (st != LUA_OK)
		return lua_error(L);
	return 2;
}

static void segment_release(void *job)
{
	kam_segment_result_free(job);
}

static int segment_build(lua_State *L)
{
	const kam_segment_result *res = lua_touserdata(L, 1);
	kam_tier_row *rows;
	size_t n;
	if (kam_segment_rows(res, &rows, &n))
		return luaL_error(L, "not enough memory");
	kam_tier_row *copy = kl_box_rows(L, rows, n, sizeof(*rows));
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		push_tier_row(L, &copy[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_createtable(L, (int)res->nruns, 0);
	for (size_t i = 0; i < res->nruns; i++) {
		kl_push_snapshot(L, &res->runs[i].info, "snapshot");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

/* Loads a configured Lua model file into the state's registry, unless its name is loaded. */
static int config_model(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	if (!lua_istable(L, -1))
		return luaL_error(L, "%s: a model file must return a table {name=, run=, ...}", path);
	lua_getfield(L, -1, "name");
	const char *name = lua_tostring(L, -1);
	if (name && kam_registry_find(kl_registry(L), name)) {
		lua_pushboolean(L, 1);
		lua_pushnil(L);
		return 2;
	}
	lua_pop(L, 1);
	char origin[300], err[512];
	snprintf(origin, sizeof(origin), "lua:%s", path);
	if (kl_model_add(L, lua_gettop(L), origin, err, sizeof(err))) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushboolean(L, 1);
	lua_pushnil(L);
	return 2;
}

/*
 * Loads the configuration of db (or the file `config`) into cfg and the plugins and Lua models
 * it names into the state's registry. Returns 0 (free cfg with kam_config_free), or pushes
 * nil, message, code and returns 3 (cfg then holds nothing to free).
 */
int kl_config_open(lua_State *L, kl_db *db, const char *config, kam_config *cfg)
{
	kam_registry *reg = kl_registry(L);
	char err[1024];
	int rc = kam_config_load(config, kam_store_dir(db->store), cfg, err, sizeof(err));
	if (rc)
		return kl_fail(L, rc, "%s", err);
	/* Plugins and Lua models the configuration names, besides the search path's. */
	char perr[512];
	for (size_t i = 0; i < cfg->nplugins; i++)
		if (kam_registry_load(reg, cfg->plugins[i], perr, sizeof(perr)) == KAM_ENOMEM)
			break;
	for (size_t i = 0; i < cfg->nmodels; i++) {
		lua_pushcfunction(L, config_model);
		lua_pushstring(L, cfg->models[i]);
		if (lua_pcall(L, 1, 2, 0) != LUA_OK || lua_isnil(L, -2)) {
			const char *msg = lua_pushstring(L, lua_tostring(L, -1));
			kam_config_free(cfg);
			return kl_fail(L, KAM_EPLUGIN, "%s", msg);
		}
		lua_pop(L, 2);
	}
	return 0;
}


/*
 * db:segment([{region=, model=, params=, as_of=, dry_run=, config=}]) -> tiers, runs
 *   | nil, message, code
 * What `kam segment` does: each region's configured model (kam.conf.lua of the database, or
 * `config`), snapshots stored unless dry_run. Not inside a transaction of the same database.
 */
static int db_segment(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	int opts = lua_isnoneornil(L, 2) ? 0 : 2;
	if (opts)
		luaL_checktype(L, 2, LUA_TTABLE);
	kam_segment_opts o = { 0 };
	const char *config = NULL;
	if (opts) {
		lua_getfield(L, opts, "region");
		o.region = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
		lua_getfield(L, opts, "model");
		o.model = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
		lua_getfield(L, opts, "dry_run");
		o.dry_run = lua_toboolean(L, -1);
		lua_getfield(L, opts, "config");
		config = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
		lua_pop(L, 4); /* the options table holds the strings */
	}
	if (config)
		kl_deny_in_sandbox(L, "db:segment with a config file");
	o.as_of = kl_opt_as_of(L, opts);
	o.params = kl_check_params(L, opts, &o.nparams);
	if (db->busy)
		return kl_fail(L, KAM_EBUSY, "db:segment: not inside a transaction of the same database");
	kam_registry *reg = kl_registry(L);
	kam_config *cfg = lua_newuserdatauv(L, sizeof(*cfg), 0);
	int nret = kl_config_open(L, db, config, cfg);
	if (nret)
		return nret;
	kam_segment_result *res = lua_newuserdatauv(L, sizeof(*res), 0);
	memset(res, 0, sizeof(*res));
	int rc = kam_segment(db->store, reg, cfg, &o, res);
	kam_config_free(cfg);
	return kl_deliver(L, rc, res->error[0] ? res->error : kam_strerror(rc), segment_build, res, 2,
			  segment_release);
}

static const luaL_Reg run_meta[] = {
	{ "__tostring", run_tostring },
	{ NULL, NULL },
};

static const luaL_Reg models_meta[] = {
	{ "__gc", models_gc },
	{ NULL, NULL },
};

int luaopen_kam_models(lua_State *L)
{
	luaL_newmetatable(L, KL_RUN);
	luaL_setfuncs(L, run_meta, 0);
	luaL_newlib(L, run_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_newmetatable(L, KL_MODELS);
	luaL_setfuncs(L, models_meta, 0);
	lua_pop(L, 1);
	/* Methods of other classes that run models live here, beside what they need. */
	luaL_getmetatable(L, KL_TX);
	lua_getfield(L, -1, "__index");
	lua_pushcfunction(L, tx_tiers);
	lua_setfield(L, -2, "tiers");
	lua_pop(L, 2);
	luaL_getmetatable(L, KL_DB);
	lua_getfield(L, -1, "__index");
	lua_pushcfunction(L, db_segment);
	lua_setfield(L, -2, "segment");
	lua_pop(L, 2);
	return 0;
}

/* ---- the CLI's registry ---- */

static void warn_stderr(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "kam: warning: %s\n", message);
}

typedef struct host_job {
	const char *path;
	kam_registry *reg;
	lua_host *host;
	char err[512];
	int rc;
} host_job;

/* In a pcall of the host's state: load the file, register the model into the CLI's registry. */
static int host_load(lua_State *L)
{
	host_job *j = lua_touserdata(L, 1);
	if (luaL_loadfilex(L, j->path, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	if (!lua_istable(L, -1))
		return luaL_error(L, "%s: a model file must return a table {name=, run=, ...}",
				  j->path);
	char origin[300];
	snprintf(origin, sizeof(origin), "lua:%s", j->path);
	j->rc = model_add(L, lua_gettop(L), j->reg, j->host, origin, j->err, sizeof(j->err));
	return 0;
}

int cli_load_models(kam_registry *reg, const kam_config *cfg, char *err, size_t errlen)
{
	int rc = kam_segment_load_plugins(reg, cfg, warn_stderr, NULL);
	if (rc || !cfg || cfg->nmodels == 0) {
		if (rc)
			snprintf(err, errlen, "%s", kam_strerror(rc));
		return rc;
	}
	lua_host *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return KAM_ENOMEM;
	}
	/* Model files are code: run them without files, processes or native modules. */
	kl_options opt = { .sandbox = 1 };
	h->L = kl_state_new(&opt, &h->lim);
	if (!h->L) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return KAM_ENOMEM;
	}
	h->refs = 1; /* ours, until the loop is done; each model registered holds one more */
	for (size_t i = 0; i < cfg->nmodels && !rc; i++) {
		host_job j = { .path = cfg->models[i], .reg = reg, .host = h };
		lua_pushcfunction(h->L, host_load);
		lua_pushlightuserdata(h->L, &j);
		if (lua_pcall(h->L, 1, 0, 0) != LUA_OK) {
			const char *msg = lua_tostring(h->L, -1);
			snprintf(err, errlen, "%s", msg ? msg : "error loading a Lua model");
			lua_pop(h->L, 1);
			rc = KAM_EPLUGIN;
		} else if ((rc = j.rc)) {
			snprintf(err, errlen, "%s", j.err);
		}
	}
	host_unref(h);
	return rc;
}
