/*
 * lua_snapshots.c - db:snapshots([opts]): the stored snapshots, newest first, as `kam snapshots`
 * lists them; with {drop = {id, ...}} or {keep = n} (and dry_run = true) it deletes old ones as
 * `kam snapshots --drop/--keep` does, and returns those that went.
 */
#include <lauxlib.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "lua_kam.h"
#include "plugin.h"
#include "prune.h"

void kl_push_snapshot(lua_State *L, const kam_snapshot_info *info, const char *id_key)
{
	lua_createtable(L, 0, 9);
	if (info->id)
		kl_set_int(L, id_key, (int64_t)info->id);
	lua_pushstring(L, kam_plugin_kind_name(info->kind));
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, info->model);
	lua_setfield(L, -2, "model");
	lua_pushstring(L, info->model_version ? info->model_version : "");
	lua_setfield(L, -2, "version");
	kl_set_day(L, "as_of", info->as_of);
	kl_set_int(L, "accounts", (int64_t)info->accounts);
	if (info->taken_at)
		kl_set_int(L, "taken_at", info->taken_at);
	lua_createtable(L, (int)info->nregions, 0);
	for (size_t k = 0; k < info->nregions; k++) {
		lua_pushstring(L, info->regions[k]);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	lua_setfield(L, -2, "regions");
	lua_createtable(L, 0, (int)info->nparams);
	for (size_t k = 0; k < info->nparams; k++) {
		lua_pushstring(L, info->params[k].value);
		lua_setfield(L, -2, info->params[k].name);
	}
	lua_setfield(L, -2, "params");
}

/* What db:snapshots computed: the headers to give back, those listed or those dropped. */
typedef struct snap_job {
	kam_prune prune;         /* dropping: its drop list (empty when listing) */
	kam_snapshot_info *list; /* listing: every header, newest first (empty when dropping) */
	size_t n;
} snap_job;

static void job_release(void *arg)
{
	snap_job *j = arg;
	kam_prune_free(&j->prune);
	kam_snapshot_infos_free(j->list, j->n);
}

static int job_build(lua_State *L)
{
	const snap_job *j = lua_touserdata(L, 1);
	const kam_snapshot_info *infos = j->n ? j->list : j->prune.drop;
	size_t n = j->n ? j->n : j->prune.ndrop;
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		kl_push_snapshot(L, &infos[i], "id");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int prune_write(kam_txn *txn, void *arg)
{
	return kam_prune_run(txn, arg, false);
}

/*
 * Reads opts.drop (into a userdata it leaves on the stack, so that a raise leaks nothing) and
 * opts.keep into p; raises for anything but a list of ids and a count, or for both.
 */
static void check_prune_opts(lua_State *L, kam_prune *p)
{
	lua_getfield(L, 2, "drop");
	if (!lua_isnil(L, -1)) {
		luaL_argcheck(L, lua_istable(L, -1), 2, "drop: a list of snapshot ids expected");
		lua_Integer n = luaL_len(L, -1);
		luaL_argcheck(L, n >= 0 && n <= 1 << 24, 2, "drop: too many ids");
		uint64_t *ids = lua_newuserdatauv(L, (size_t)n * sizeof(*ids) + 1, 0);
		for (lua_Integer i = 1; i <= n; i++) {
			int ok;
			lua_rawgeti(L, -2, i);
			lua_Integer id = lua_tointegerx(L, -1, &ok);
			luaL_argcheck(L, ok && id > 0, 2, "drop: a list of snapshot ids expected");
			ids[i - 1] = (uint64_t)id;
			lua_pop(L, 1);
		}
		p->ids = ids;
		p->nids = (size_t)n;
	}
	lua_getfield(L, 2, "keep");
	if (!lua_isnil(L, -1)) {
		int ok;
		lua_Integer keep = lua_tointegerx(L, -1, &ok);
		luaL_argcheck(L, ok && keep >= 0, 2, "keep: a count of 0 or more expected");
		p->keep = keep;
	}
	lua_pop(L, 1);
	luaL_argcheck(L, !(p->nids && p->keep >= 0), 2, "drop and keep: give one of them");
}

/*
 * db:snapshots([opts]) -> list of {id, kind, model, version, as_of, regions, accounts,
 * taken_at, params}, newest first | nil, message, code. With opts.drop = {id, ...} or
 * opts.keep = n, those snapshots (or all but the n newest) are deleted, never one that holds a
 * region's current tiers or values, and the list is of those deleted; with opts.dry_run, of
 * those that would be.
 */
static int db_snapshots(lua_State *L)
{
	kl_db *db = kl_checkdb(L, 1);
	kam_prune p = { .keep = -1 };
	bool dry_run = false;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "dry_run");
		dry_run = lua_toboolean(L, -1);
		lua_pop(L, 1);
		check_prune_opts(L, &p);
	}
	bool pruning = p.nids || p.keep >= 0;
	luaL_argcheck(L, pruning || !dry_run, 2, "dry_run goes with drop or keep");
	/* From here on nothing raises before kl_deliver, which releases the job first. */
	snap_job *j = lua_newuserdatauv(L, sizeof(*j), 0);
	*j = (snap_job){ .prune = p };
	int rc;
	kam_txn *txn = NULL;
	if (pruning && !dry_run && db->busy) {
		rc = KAM_EBUSY;
		snprintf(j->prune.why, sizeof(j->prune.why),
			 "not inside a transaction of the same database");
	} else if (pruning && !dry_run) {
		rc = kam_store_write(db->store, prune_write, &j->prune);
	} else if (!(rc = kam_txn_begin(db->store, 0, &txn))) {
		rc = pruning ? kam_prune_run(txn, &j->prune, true)
			     : kam_snapshot_list(txn, &j->list, &j->n);
		kam_txn_abort(txn);
	}
	char msg[480];
	snprintf(msg, sizeof(msg), "db:snapshots: %s",
		 j->prune.why[0] ? j->prune.why : kam_strerror(rc));
	return kl_deliver(L, rc, msg, job_build, j, 1, job_release);
}

int luaopen_kam_snapshots(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "snapshots", db_snapshots },
		{ NULL, NULL },
	};
	kl_db_add_methods(L, methods);
	return 0;
}
