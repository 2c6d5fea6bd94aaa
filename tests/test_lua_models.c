/* test_lua_models.c - cli_load_models: Lua models of a configuration in a registry the C side owns. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "plugin.h"
#include "run.h"
#include "store.h"

int cli_load_models(kam_registry *reg, const kam_config *cfg, char *err, size_t errlen);

static char dir[64];
static kam_store *store;

static void write_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

static int fill(kam_txn *t, void *arg)
{
	(void)arg;
	for (int i = 1; i <= 3; i++) {
		kam_account a;
		char id[8];
		snprintf(id, sizeof(id), "A%d", i);
		kam_rec_clear(kam_schema_of(KAM_ACCOUNT), &a);
		a.id = kam_str_c(id);
		a.name = KAM_STR("x");
		a.rec.present = 1u << KAM_A_ID | 1u << KAM_A_NAME;
		int rc = kam_put(t, KAM_ACCOUNT, &a, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static void setup(void)
{
	strcpy(dir, "/tmp/kam-test-luam.XXXXXX");
	cr_assert(mkdtemp(dir));
	char db[128];
	snprintf(db, sizeof(db), "%s/db", dir);
	cr_assert_eq(kam_store_open(db, KAM_STORE_CREATE, &store), 0);
	cr_assert_eq(kam_store_write(store, fill, NULL), 0);
}

static void teardown(void)
{
	kam_store_close(store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(lua_models, .init = setup, .fini = teardown);

Test(lua_models, configured_model_runs_like_a_plugin)
{
	write_file("m.lua", "return { name = 'odd_a', version = '2', params = {"
			    " { name = 'tier', type = 'text', default = 'A' } },"
			    " run = function(run) for i, a in run:accounts() do"
			    " run:set_tier(i, i % 2 == 1 and run:param('tier') or 'C', i) end end }");
	write_file("kam.conf.lua", "models = { 'm.lua' }\n");
	kam_config cfg;
	char err[512];
	char path[128];
	snprintf(path, sizeof(path), "%s/kam.conf.lua", dir);
	cr_assert_eq(kam_config_load(path, NULL, &cfg, err, sizeof(err)), 0, "%s", err);
	kam_registry *reg;
	cr_assert_eq(kam_registry_new(&reg), 0);
	cr_assert_eq(cli_load_models(reg, &cfg, err, sizeof(err)), 0, "%s", err);
	const kam_model *m = kam_registry_find(reg, "odd_a");
	cr_assert(m, "the Lua model is registered");
	cr_assert_str_eq(m->desc->version, "2");
	kam_txn *txn;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	kam_param p = { "tier", "B" };
	kam_run_spec spec = { m, &p, 1, 20000, NULL, NULL };
	kam_run_output out;
	int rc = kam_run_model(txn, &spec, &out);
	cr_assert_eq(rc, 0, "%s", out.error);
	cr_assert_eq(out.count, 3);
	cr_assert_eq(out.results[0].tier, 'B');
	cr_assert_eq(out.results[1].tier, 'C');
	cr_assert_eq(out.results[2].score, 3.0);
	kam_run_output_free(&out);
	kam_txn_abort(txn);
	kam_registry_free(reg); /* closes the Lua state with the last model */
	kam_config_free(&cfg);
}

Test(lua_models, failing_model_fails_the_run_with_its_message)
{
	write_file("bad.lua", "return { name = 'bad', run = function(run) error('lua says no') end }");
	write_file("kam.conf.lua", "models = { 'bad.lua' }\n");
	kam_config cfg;
	char err[512], path[128];
	snprintf(path, sizeof(path), "%s/kam.conf.lua", dir);
	cr_assert_eq(kam_config_load(path, NULL, &cfg, err, sizeof(err)), 0, "%s", err);
	kam_registry *reg;
	cr_assert_eq(kam_registry_new(&reg), 0);
	cr_assert_eq(cli_load_models(reg, &cfg, err, sizeof(err)), 0, "%s", err);
	kam_txn *txn;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	kam_run_spec spec = { kam_registry_find(reg, "bad"), NULL, 0, 20000, NULL, NULL };
	kam_run_output out;
	cr_assert_eq(kam_run_model(txn, &spec, &out), KAM_EPLUGIN);
	cr_assert_eq(out.count, 0);
	kam_run_output_free(&out);
	kam_txn_abort(txn);
	kam_registry_free(reg);
	kam_config_free(&cfg);
}

Test(lua_models, malformed_model_file_is_reported)
{
	write_file("syntax.lua", "return { name = 'x', run = function( }");
	write_file("noname.lua", "return { run = function() end }");
	write_file("kam.conf.lua", "models = { 'syntax.lua' }\n");
	const char *cases[] = { "syntax.lua", "noname.lua", "missing.lua" };
	for (int i = 0; i < 3; i++) {
		char conf[128];
		snprintf(conf, sizeof(conf), "models = { '%s' }\n", cases[i]);
		write_file("kam.conf.lua", conf);
		kam_config cfg;
		char err[512], path[128];
		snprintf(path, sizeof(path), "%s/kam.conf.lua", dir);
		cr_assert_eq(kam_config_load(path, NULL, &cfg, err, sizeof(err)), 0, "%s", err);
		kam_registry *reg;
		cr_assert_eq(kam_registry_new(&reg), 0);
		err[0] = 0;
		cr_assert_neq(cli_load_models(reg, &cfg, err, sizeof(err)), 0, "%s loads", cases[i]);
		cr_assert(strstr(err, cases[i]) || strstr(err, "model.name"), "%s: %s", cases[i], err);
		cr_assert_null(kam_registry_find(reg, "x"));
		kam_registry_free(reg);
		kam_config_free(&cfg);
	}
}
