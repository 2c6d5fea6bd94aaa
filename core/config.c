/* config.c - reading kam.conf.lua in a sandbox. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <kam/errors.h>

#include "date.h"
#include "record.h"

#define CONFIG_MAX_INSTRUCTIONS 10000000 /* a configuration is data: stop runaway loops */
#define CONFIG_MAX_MEMORY (64u << 20)

typedef struct budget {
	long checks;   /* hook calls so far */
	clock_t start; /* CPU time at the start */
} budget;

/* What one configuration run may use: memory (checked by the allocator) and time (the hook). */
typedef struct limits {
	size_t used;
	budget time;
} limits;

/* A lua_Alloc that refuses to grow past CONFIG_MAX_MEMORY. */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	limits *lim = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		lim->used -= old;
		free(ptr);
		return NULL;
	}
	if (nsize > old && lim->used + (nsize - old) > CONFIG_MAX_MEMORY)
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p)
		lim->used = lim->used - old + nsize;
	return p;
}

#define CONFIG_HOOK_EVERY 10000     /* instructions between checks */
#define CONFIG_MAX_CPU_SECONDS 2.0  /* one instruction (string.rep, table.concat) can be long */

static budget *budget_of(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return &((limits *)ud)->time;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	budget *b = budget_of(L);
	if (++b->checks * CONFIG_HOOK_EVERY > CONFIG_MAX_INSTRUCTIONS)
		luaL_error(L, "the configuration ran for too long (more than %d instructions)",
			   CONFIG_MAX_INSTRUCTIONS);
	if ((double)(clock() - b->start) / CLOCKS_PER_SEC > CONFIG_MAX_CPU_SECONDS)
		luaL_error(L, "the configuration ran for too long (more than %d s of CPU time)",
			   (int)CONFIG_MAX_CPU_SECONDS);
}

/* Opens only what a data file needs; nothing that reaches files, processes or other code. */
static void open_sandbox(lua_State *L)
{
	luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
	luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
	luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
	lua_pop(L, 4);
	static const char *const unsafe[] = { "dofile", "loadfile", "load", "require", "collectgarbage",
					      "rawset", "rawget", "rawequal", "setmetatable",
					      "getmetatable", "print" };
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		lua_pushnil(L);
		lua_setglobal(L, unsafe[i]);
	}
	/*
	 * string.dump makes binary chunks, which nothing here may produce or run; patterns can
	 * backtrack for hours inside one instruction, out of the time check's reach.
	 */
	static const char *const unsafe_string[] = { "dump", "find", "match", "gmatch", "gsub" };
	lua_getglobal(L, LUA_STRLIBNAME);
	for (size_t i = 0; i < sizeof(unsafe_string) / sizeof(unsafe_string[0]); i++) {
		lua_pushnil(L);
		lua_setfield(L, -2, unsafe_string[i]);
	}
	lua_pop(L, 1);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

typedef struct reader {
	lua_State *L;
	char *err;
	size_t errlen;
	const char *file;
} reader;

static int shape_error(reader *r, const char *where, const char *expected)
{
	snprintf(r->err, r->errlen, "%s: %s: expected %s", r->file, where, expected);
	return KAM_EPARSE;
}

/* A parameter value as text: strings as they are, numbers as Lua prints them, booleans. */
static char *value_text(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
	case LUA_TNUMBER: {
		const char *s = luaL_tolstring(L, idx, NULL);
		char *copy = strdup(s);
		lua_pop(L, 1);
		return copy;
	}
	case LUA_TBOOLEAN:
		return strdup(lua_toboolean(L, idx) ? "true" : "false");
	}
	return NULL;
}

/* Reads { model = "...", params = { k = v, ... } } at the top of the stack. */
static int read_choice(reader *r, const char *where, kam_model_choice *out)
{
	lua_State *L = r->L;
	char at[256];
	if (!lua_istable(L, -1))
		return shape_error(r, where, "a table { model = \"NAME\", params = { ... } }");
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		if (!k || (strcmp(k, "model") && strcmp(k, "params"))) {
			lua_pop(L, 2);
			return shape_error(r, where, "only the keys model and params");
		}
		lua_pop(L, 1);
	}
	lua_getfield(L, -1, "model");
	if (!lua_isstring(L, -1) || lua_type(L, -1) != LUA_TSTRING) {
		lua_pop(L, 1);
		snprintf(at, sizeof(at), "%s.model", where);
		return shape_error(r, at, "the name of a model (a string)");
	}
	out->model = strdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, -1, "params");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return out->model ? 0 : KAM_ENOMEM;
	}
	snprintf(at, sizeof(at), "%s.params", where);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return shape_error(r, at, "a table of name = value");
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 3);
			return shape_error(r, at, "names that are strings");
		}
		kam_param *p = realloc(out->params, (out->nparams + 1) * sizeof(*p));
		if (!p) {
			lua_pop(L, 3);
			return KAM_ENOMEM;
		}
		out->params = p;
		p = &out->params[out->nparams];
		char *value = value_text(L, -1);
		if (!value) {
			snprintf(at, sizeof(at), "%s.params.%s", where, lua_tostring(L, -2));
			lua_pop(L, 3);
			return shape_error(r, at, "a string, number or boolean");
		}
		p->name = strdup(lua_tostring(L, -2));
		p->value = value;
		out->nparams++;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return 0;
}

/* Reads `global`.regions (at the top of the stack) into regions[0..*n). */
static int read_regions(reader *r, const char *global, kam_region_choice **regions, size_t *n)
{
	lua_State *L = r->L;
	char at[64];
	int rc = 0;
	snprintf(at, sizeof(at), "%s.regions", global);
	if (lua_isnil(L, -1))
		return 0;
	if (!lua_istable(L, -1))
		return shape_error(r, at, "a table of region = { model = ... }");
	lua_pushnil(L);
	while (!rc && lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 1);
			rc = shape_error(r, at, "region names that are strings");
			break;
		}
		kam_region_choice *p = realloc(*regions, (*n + 1) * sizeof(*p));
		if (!p) {
			lua_pop(L, 1);
			rc = KAM_ENOMEM;
			break;
		}
		*regions = p;
		p = &(*regions)[(*n)++];
		memset(p, 0, sizeof(*p));
		p->region = strdup(lua_tostring(L, -2));
		if (!p->region) {
			lua_pop(L, 1);
			rc = KAM_ENOMEM;
			break;
		}
		char where[300];
		snprintf(where, sizeof(where), "%s.regions[\"%s\"]", global, p->region);
		rc = read_choice(r, where, &p->choice);
		lua_pop(L, 1);
	}
	if (rc)
		lua_pop(L, 1); /* the key left by the interrupted lua_next */
	return rc;
}

static int read_days(reader *r, const char *where, kam_region_days *out)
{
	lua_State *L = r->L;
	if (!lua_istable(L, -1))
		return shape_error(r, where, "a list of days \"YYYY-MM-DD\"");
	lua_Integer n = luaL_len(L, -1);
	if (n < 0 || n > 100000)
		return shape_error(r, where, "a list of at most 100000 days");
	if (!(out->days = calloc((size_t)n + 1, sizeof(char *))))
		return KAM_ENOMEM;
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, -1, i);
		size_t len = 0;
		const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
		kam_date d;
		if (!s || len != 10 || kam_date_parse(s, len, &d)) {
			lua_pop(L, 1);
			char at[360];
			snprintf(at, sizeof(at), "%s[%lld]", where, (long long)i);
			return shape_error(r, at, "a day \"YYYY-MM-DD\"");
		}
		out->days[out->ndays] = strdup(s);
		lua_pop(L, 1);
		if (!out->days[out->ndays])
			return KAM_ENOMEM;
		out->ndays++;
	}
	return 0;
}

/* Reads cadence.holidays (at the top of the stack): { region = { "YYYY-MM-DD", ... }, ... }. */
static int read_holidays(reader *r, kam_config *cfg)
{
	lua_State *L = r->L;
	int rc = 0;
	if (lua_isnil(L, -1))
		return 0;
	if (!lua_istable(L, -1))
		return shape_error(r, "cadence.holidays", "a table of region = { \"YYYY-MM-DD\", ... }");
	lua_pushnil(L);
	while (!rc && lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 2);
			return shape_error(r, "cadence.holidays", "region names that are strings (\"*\": every region)");
		}
		kam_region_days *p = realloc(cfg->holidays, (cfg->nholidays + 1) * sizeof(*p));
		if (!p) {
			lua_pop(L, 2);
			return KAM_ENOMEM;
		}
		cfg->holidays = p;
		p = &cfg->holidays[cfg->nholidays++];
		memset(p, 0, sizeof(*p));
		if (!(p->region = strdup(lua_tostring(L, -2)))) {
			lua_pop(L, 2);
			return KAM_ENOMEM;
		}
		char where[300];
		snprintf(where, sizeof(where), "cadence.holidays[\"%s\"]", p->region);
		rc = read_days(r, where, p);
		lua_pop(L, 1);
	}
	if (rc)
		lua_pop(L, 1);
	return rc;
}

/*
 * Reads the global table `global` = { default = CHOICE, regions = { R = CHOICE } } (and, for
 * cadence, holidays). `keys` names the allowed keys for the message.
 */
static int read_choices(reader *r, kam_config *cfg, const char *global, const char *keys,
			kam_model_choice *def, kam_region_choice **regions, size_t *nregions)
{
	lua_State *L = r->L;
	bool cadence = strcmp(global, "cadence") == 0;
	int rc = 0;
	char at[64], expected[96];
	lua_getglobal(L, global);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	snprintf(expected, sizeof(expected), "a table with %s", keys);
	if (!lua_istable(L, -1))
		return shape_error(r, global, expected);
	snprintf(expected, sizeof(expected), "only the keys %s", keys);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		lua_pop(L, 1);
		if (!k || (strcmp(k, "default") && strcmp(k, "regions") &&
			   (!cadence || strcmp(k, "holidays")))) {
			lua_pop(L, 2);
			return shape_error(r, global, expected);
		}
	}
	lua_getfield(L, -1, "default");
	if (!lua_isnil(L, -1)) {
		free(def->model);
		def->model = NULL;
		snprintf(at, sizeof(at), "%s.default", global);
		rc = read_choice(r, at, def);
	}
	lua_pop(L, 1);
	if (!rc) {
		lua_getfield(L, -1, "regions");
		rc = read_regions(r, global, regions, nregions);
		lua_pop(L, 1);
	}
	if (!rc && cadence) {
		lua_getfield(L, -1, "holidays");
		rc = read_holidays(r, cfg);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return rc;
}

static int read_segmentation(reader *r, kam_config *cfg)
{
	return read_choices(r, cfg, "segmentation", "default and regions", &cfg->seg_default,
			    &cfg->seg_regions, &cfg->nseg_regions);
}

static int read_cadence(reader *r, kam_config *cfg)
{
	return read_choices(r, cfg, "cadence", "default, regions and holidays", &cfg->cad_default,
			    &cfg->cad_regions, &cfg->ncad_regions);
}

static int read_value(reader *r, kam_config *cfg)
{
	return read_choices(r, cfg, "value", "default and regions", &cfg->val_default,
			    &cfg->val_regions, &cfg->nval_regions);
}

/* playbook = { [objection slug] = "prepared response", ... } */
static int read_playbook(reader *r, kam_config *cfg)
{
	lua_State *L = r->L;
	lua_getglobal(L, "playbook");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return shape_error(r, "playbook", "a table of objection = \"response\"");
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int slot = -1;
		for (int i = 0; k && i < KAM_PLAYBOOK_COUNT; i++)
			if (strcmp(k, kam_objection_names[i]) == 0)
				slot = i;
		if (slot < 0) {
			lua_pop(L, 3);
			return shape_error(r, "playbook",
					   "objections as keys: send-materials, in-house-supply, "
					   "has-supplier, not-decision-maker, no-budget, price-too-high, "
					   "bad-past-experience");
		}
		if (lua_type(L, -1) != LUA_TSTRING) {
			char at[80];
			snprintf(at, sizeof(at), "playbook[\"%s\"]", k);
			lua_pop(L, 3);
			return shape_error(r, at, "the prepared response (a string)");
		}
		free(cfg->playbook[slot]);
		cfg->playbook[slot] = strdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		if (!cfg->playbook[slot]) {
			lua_pop(L, 2);
			return KAM_ENOMEM;
		}
	}
	lua_pop(L, 1);
	return 0;
}

/* A path of `models`: absolute, or relative to the directory of the configuration file. */
static char *model_path(const char *config, const char *path)
{
	const char *slash = strrchr(config, '/');
	if (path[0] == '/' || !slash)
		return strdup(path);
	size_t dlen = (size_t)(slash - config);
	size_t n = dlen + 1 + strlen(path) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%.*s/%s", (int)dlen, config, path);
	return p;
}

/*
 * The global list of strings `name` (absent: none) into *out, *n; `list` and `items` say what
 * is expected in a shape error. With `relative`, the strings are paths resolved as model_path.
 */
static int read_strings(reader *r, const char *name, const char *list, const char *items,
			bool relative, char ***out, size_t *n)
{
	lua_State *L = r->L;
	lua_getglobal(L, name);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return shape_error(r, name, list);
	}
	lua_Integer len = luaL_len(L, -1);
	if (!(*out = calloc((size_t)len + 1, sizeof(char *)))) {
		lua_pop(L, 1);
		return KAM_ENOMEM;
	}
	for (lua_Integer i = 1; i <= len; i++) {
		lua_geti(L, -1, i);
		if (lua_type(L, -1) != LUA_TSTRING) {
			lua_pop(L, 2);
			return shape_error(r, name, items);
		}
		const char *text = lua_tostring(L, -1);
		char *copy = relative ? model_path(r->file, text) : strdup(text);
		lua_pop(L, 1);
		if (!copy) {
			lua_pop(L, 1);
			return KAM_ENOMEM;
		}
		(*out)[(*n)++] = copy;
	}
	lua_pop(L, 1);
	return 0;
}

static int read_plugins(reader *r, kam_config *cfg)
{
	return read_strings(r, "plugins", "a list of plugin paths or names",
			    "strings (plugin paths or names)", false, &cfg->plugins, &cfg->nplugins);
}

static int read_models(reader *r, kam_config *cfg)
{
	return read_strings(r, "models", "a list of Lua model files",
			    "strings (paths of Lua model files)", true, &cfg->models, &cfg->nmodels);
}

static int read_file(const char *path, kam_buf *buf)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? KAM_ENOTFOUND : errno == EACCES ? KAM_EPERM : KAM_EIO;
	char chunk[8192];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = kam_buf_append(buf, chunk, n);
	if (!rc && ferror(f))
		rc = KAM_EIO;
	fclose(f);
	return rc;
}

static int run_file(const char *path, kam_config *cfg, char *err, size_t errlen)
{
	kam_buf text = { 0 };
	int rc = read_file(path, &text);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == KAM_ENOTFOUND ? "no such file" : rc == KAM_EPERM ? "permission denied"
										 : "cannot read");
		kam_buf_free(&text);
		return rc;
	}
	limits lim = { 0 };
	lua_State *L = lua_newstate(limited_alloc, &lim);
	if (!L) {
		kam_buf_free(&text);
		return KAM_ENOMEM;
	}
	open_sandbox(L);
	char chunkname[512];
	if (snprintf(chunkname, sizeof(chunkname), "@%s", path) >= (int)sizeof(chunkname))
		memcpy(chunkname + sizeof(chunkname) - 4, "...", 4); /* Lua shortens it anyway */
	reader r = { L, err, errlen, path };
	lim.time.start = clock();
	lua_sethook(L, count_hook, LUA_MASKCOUNT, CONFIG_HOOK_EVERY);
	/* "t": text only, so a precompiled (binary) chunk cannot be slipped in. */
	if (luaL_loadbufferx(L, (const char *)text.data, text.len, chunkname, "t") != LUA_OK ||
	    lua_pcall(L, 0, 0, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		snprintf(err, errlen, "%s", msg ? msg : "error in the configuration");
		rc = KAM_EPARSE;
	}
	lua_sethook(L, NULL, 0, 0);
	if (!rc)
		rc = read_segmentation(&r, cfg);
	if (!rc)
		rc = read_plugins(&r, cfg);
	if (!rc)
		rc = read_models(&r, cfg);
	if (!rc)
		rc = read_cadence(&r, cfg);
	if (!rc)
		rc = read_playbook(&r, cfg);
	if (!rc)
		rc = read_value(&r, cfg);
	lua_close(L);
	kam_buf_free(&text);
	return rc;
}

int kam_config_load(const char *path, const char *db_dir, kam_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	err[0] = 0;
	cfg->seg_default.model = strdup(KAM_DEFAULT_SEGMENTATION);
	cfg->cad_default.model = strdup(KAM_DEFAULT_CADENCE);
	if (!cfg->seg_default.model || !cfg->cad_default.model) {
		kam_config_free(cfg);
		return KAM_ENOMEM;
	}
	char implicit[4096];
	if (!path && db_dir) {
		int n = snprintf(implicit, sizeof(implicit), "%s/%s", db_dir, KAM_CONFIG_FILE);
		if (n < (int)sizeof(implicit) && access(implicit, F_OK) == 0)
			path = implicit;
	}
	if (!path)
		return 0;
	cfg->path = dup_or_null(path);
	int rc = run_file(path, cfg, err, errlen);
	if (rc) {
		kam_config_free(cfg);
		memset(cfg, 0, sizeof(*cfg));
	}
	return rc;
}

static void choice_free(kam_model_choice *c)
{
	for (size_t i = 0; i < c->nparams; i++) {
		free((char *)c->params[i].name);
		free((char *)c->params[i].value);
	}
	free(c->params);
	free(c->model);
}

void kam_config_free(kam_config *cfg)
{
	choice_free(&cfg->seg_default);
	for (size_t i = 0; i < cfg->nseg_regions; i++) {
		free(cfg->seg_regions[i].region);
		choice_free(&cfg->seg_regions[i].choice);
	}
	free(cfg->seg_regions);
	for (size_t i = 0; i < cfg->nplugins; i++)
		free(cfg->plugins[i]);
	free(cfg->plugins);
	for (size_t i = 0; i < cfg->nmodels; i++)
		free(cfg->models[i]);
	free(cfg->models);
	choice_free(&cfg->cad_default);
	for (size_t i = 0; i < cfg->ncad_regions; i++) {
		free(cfg->cad_regions[i].region);
		choice_free(&cfg->cad_regions[i].choice);
	}
	free(cfg->cad_regions);
	for (size_t i = 0; i < cfg->nholidays; i++) {
		for (size_t k = 0; k < cfg->holidays[i].ndays; k++)
			free(cfg->holidays[i].days[k]);
		free(cfg->holidays[i].days);
		free(cfg->holidays[i].region);
	}
	free(cfg->holidays);
	for (size_t i = 0; i < KAM_PLAYBOOK_COUNT; i++)
		free(cfg->playbook[i]);
	choice_free(&cfg->val_default);
	for (size_t i = 0; i < cfg->nval_regions; i++) {
		free(cfg->val_regions[i].region);
		choice_free(&cfg->val_regions[i].choice);
	}
	free(cfg->val_regions);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

const kam_model_choice *kam_config_segmentation(const kam_config *cfg, kam_str region)
{
	for (size_t i = 0; i < cfg->nseg_regions; i++)
		if (kam_str_eq(kam_str_c(cfg->seg_regions[i].region), region))
			return &cfg->seg_regions[i].choice;
	return &cfg->seg_default;
}

const kam_model_choice *kam_config_cadence(const kam_config *cfg, kam_str region)
{
	for (size_t i = 0; i < cfg->ncad_regions; i++)
		if (kam_str_eq(kam_str_c(cfg->cad_regions[i].region), region))
			return &cfg->cad_regions[i].choice;
	return &cfg->cad_default;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int kam_config_holidays(const kam_config *cfg, kam_str region, char **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; cfg && i < cfg->nholidays; i++) {
		const kam_region_days *h = &cfg->holidays[i];
		if (strcmp(h->region, "*") == 0 || kam_str_eq(kam_str_c(h->region), region))
			n += h->ndays;
	}
	const char **days = malloc((n ? n : 1) * sizeof(*days));
	char *text = malloc(n * 11 + 1);
	if (!days || !text) {
		free(days);
		free(text);
		return KAM_ENOMEM;
	}
	n = 0;
	for (size_t i = 0; cfg && i < cfg->nholidays; i++) {
		const kam_region_days *h = &cfg->holidays[i];
		if (strcmp(h->region, "*") == 0 || kam_str_eq(kam_str_c(h->region), region))
			for (size_t k = 0; k < h->ndays; k++)
				days[n++] = h->days[k];
	}
	/* Checked days are all "YYYY-MM-DD": text order is date order. */
	qsort(days, n, sizeof(*days), cmp_text);
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(days[i], days[i - 1]) == 0)
			continue;
		if (len)
			text[len++] = ',';
		memcpy(text + len, days[i], 10);
		len += 10;
	}
	text[len] = 0;
	free(days);
	*out = text;
	return 0;
}

const kam_model_choice *kam_config_value(const kam_config *cfg, kam_str region)
{
	static const kam_model_choice fallback = { (char *)KAM_DEFAULT_VALUE, NULL, 0 };
	for (size_t i = 0; cfg && i < cfg->nval_regions; i++)
		if (kam_str_eq(kam_str_c(cfg->val_regions[i].region), region))
			return &cfg->val_regions[i].choice;
	return cfg && cfg->val_default.model ? &cfg->val_default : &fallback;
}
