/* test_config.c - kam.conf.lua: per-region models, parameters, the sandbox and its errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char dir[64];
static char err[512];

static void setup(void)
{
	strcpy(dir, "/tmp/kam-config-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static const char *write_conf(const char *name, const char *text)
{
	static char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *param(const kam_model_choice *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].name, name) == 0)
			return c->params[i].value;
	return NULL;
}

TestSuite(config, .init = setup, .fini = teardown);

Test(config, no_file_means_abc_everywhere)
{
	kam_config cfg;
	cr_assert_eq(kam_config_load(NULL, dir, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_expect_null(cfg.path);
	cr_expect_str_eq(kam_config_segmentation(&cfg, KAM_STR("north"))->model, "abc");
	cr_expect_eq(kam_config_segmentation(&cfg, KAM_STR(""))->nparams, 0);
	kam_config_free(&cfg);
}

Test(config, regions_and_params)
{
	write_conf(KAM_CONFIG_FILE,
		   "local w = 0.25\n"
		   "segmentation = {\n"
		   "  default = { model = 'abc', params = { window_days = 180, a = 0.7 } },\n"
		   "  regions = {\n"
		   "    east = { model = 'score', params = { w_employees = w, region_weights = 'east=1.5' } },\n"
		   "    [''] = { model = 'rfm' },\n"
		   "  },\n"
		   "}\n"
		   "plugins = { '/opt/x.so', 'retail' }\n");
	kam_config cfg;
	cr_assert_eq(kam_config_load(NULL, dir, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_expect_not_null(cfg.path);
	const kam_model_choice *d = kam_config_segmentation(&cfg, KAM_STR("north"));
	cr_expect_str_eq(d->model, "abc");
	cr_expect_str_eq(param(d, "window_days"), "180");
	cr_expect_str_eq(param(d, "a"), "0.7");
	const kam_model_choice *e = kam_config_segmentation(&cfg, KAM_STR("east"));
	cr_expect_str_eq(e->model, "score");
	cr_expect_str_eq(param(e, "w_employees"), "0.25");
	cr_expect_str_eq(param(e, "region_weights"), "east=1.5");
	cr_expect_str_eq(kam_config_segmentation(&cfg, KAM_STR(""))->model, "rfm");
	cr_assert_eq(cfg.nplugins, 2);
	cr_expect_str_eq(cfg.plugins[1], "retail");
	kam_config_free(&cfg);
}

Test(config, errors_name_file_line_and_key)
{
	kam_config cfg;
	const char *p = write_conf("a.lua", "segmentation = {\n  default = { model = 'abc' \n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "a.lua:") != NULL, "got: %s", err);
	p = write_conf("b.lua", "segmentation = { default = { model = 3 } }\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "segmentation.default.model: expected the name of a model") != NULL, "got: %s", err);
	p = write_conf("c.lua", "segmentation = { regions = { east = { model = 'abc', params = { a = {} } } } }\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "segmentation.regions[\"east\"].params.a: expected a string, number or boolean") != NULL,
		  "got: %s", err);
	p = write_conf("d.lua", "segmentation = { defaults = {} }\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "only the keys default and regions") != NULL, "got: %s", err);
	char missing[200];
	snprintf(missing, sizeof(missing), "%s/none.lua", dir);
	cr_expect_eq(kam_config_load(missing, NULL, &cfg, err, sizeof(err)), KAM_ENOTFOUND);
}

Test(config, sandbox_has_no_os_io_or_loading)
{
	kam_config cfg;
	static const char *const attempts[] = {
		"os.execute('true')", "io.open('/etc/passwd')", "require('os')", "load('return 1')()",
		"dofile('/etc/passwd')", "debug.getinfo(1)", "string.dump(function() end)",
	};
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		const char *p = write_conf("evil.lua", attempts[i]);
		cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE,
			     "%s was allowed", attempts[i]);
	}
	const char *p = write_conf("rep.lua", "for i = 5, 1e308 do local s = ('x'):rep(i) end\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "too long") != NULL, "got: %s", err);
	p = write_conf("pattern.lua", "local x = ('a'):rep(3000):find('.-.-.-.-.-.-b')\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	p = write_conf("loop.lua", "while true do end\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "too long") != NULL, "got: %s", err);
	p = write_conf("mem.lua", "local s = ('x'):rep(1 << 30)\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "memory") != NULL, "got: %s", err);
	/* A precompiled chunk is refused even if someone managed to write one. */
	p = write_conf("bin.lua", "\x1bLua\x54");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
}

/* plugins and models: lists of strings; model paths resolve against the file's directory. */
Test(config, plugin_and_model_lists)
{
	kam_config cfg;
	const char *p = write_conf("lists.lua", "plugins = { 'retail' }\n"
						"models = { 'm/one.lua', '/abs/two.lua' }\n");
	cr_assert_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.nplugins, 1);
	cr_expect_str_eq(cfg.plugins[0], "retail");
	cr_assert_eq(cfg.nmodels, 2);
	char want[200];
	snprintf(want, sizeof(want), "%s/m/one.lua", dir);
	cr_expect_str_eq(cfg.models[0], want);
	cr_expect_str_eq(cfg.models[1], "/abs/two.lua");
	kam_config_free(&cfg);

	p = write_conf("badp.lua", "plugins = 'retail'\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "plugins: expected a list of plugin paths or names") != NULL, "got: %s",
		  err);
	p = write_conf("badm.lua", "models = { 'a.lua', 7 }\n");
	cr_expect_eq(kam_config_load(p, NULL, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "models: expected strings (paths of Lua model files)") != NULL,
		  "got: %s", err);
}
