/* test_config_cadence.c - kam.conf.lua: cadence models per region, holidays, the playbook. */
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
	strcpy(dir, "/tmp/kam-config-cad-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static const char *write_conf(const char *text)
{
	static char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, KAM_CONFIG_FILE);
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

static void expect_holidays(const kam_config *cfg, const char *region, const char *want)
{
	char *text;
	cr_assert_eq(kam_config_holidays(cfg, kam_str_c(region), &text), 0);
	cr_expect_str_eq(text, want, "region %s", region);
	free(text);
}

TestSuite(config_cadence, .init = setup, .fini = teardown);

Test(config_cadence, defaults_without_a_file)
{
	kam_config cfg;
	cr_assert_eq(kam_config_load(NULL, dir, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(kam_config_cadence(&cfg, KAM_STR("north"))->model, "tiered");
	cr_expect_eq(kam_config_cadence(&cfg, KAM_STR("north"))->nparams, 0);
	expect_holidays(&cfg, "north", "");
	expect_holidays(NULL, "north", "");
	for (int i = 0; i < KAM_PLAYBOOK_COUNT; i++)
		cr_expect_null(cfg.playbook[i]);
	kam_config_free(&cfg);
}

Test(config_cadence, regions_holidays_and_playbook)
{
	write_conf("segmentation = { default = { model = 'abc' } }\n"
		   "cadence = {\n"
		   "  default = { model = 'tiered', params = { working_days = true, call_a = 2 } },\n"
		   "  regions = { east = { model = 'weekly', params = { x = 'y' } } },\n"
		   "  holidays = {\n"
		   "    ['*'] = { '2026-12-25', '2026-01-01' },\n"
		   "    north = { '2026-10-02', '2026-10-01', '2026-12-25' },\n"
		   "  },\n"
		   "}\n"
		   "playbook = { ['price-too-high'] = 'Talk about cost per page.',\n"
		   "             ['send-materials'] = 'Ask what they will read.' }\n");
	kam_config cfg;
	cr_assert_eq(kam_config_load(NULL, dir, &cfg, err, sizeof(err)), 0, "%s", err);
	const kam_model_choice *d = kam_config_cadence(&cfg, KAM_STR("north"));
	cr_expect_str_eq(d->model, "tiered");
	cr_expect_str_eq(param(d, "working_days"), "true");
	cr_expect_str_eq(param(d, "call_a"), "2");
	const kam_model_choice *e = kam_config_cadence(&cfg, KAM_STR("east"));
	cr_expect_str_eq(e->model, "weekly");
	cr_expect_str_eq(param(e, "x"), "y");
	/* segmentation is unchanged by the cadence table */
	cr_expect_str_eq(kam_config_segmentation(&cfg, KAM_STR("east"))->model, "abc");
	expect_holidays(&cfg, "north", "2026-01-01,2026-10-01,2026-10-02,2026-12-25");
	expect_holidays(&cfg, "south", "2026-01-01,2026-12-25");
	expect_holidays(&cfg, "", "2026-01-01,2026-12-25");
	cr_expect_str_eq(cfg.playbook[5], "Talk about cost per page.");
	cr_expect_str_eq(cfg.playbook[0], "Ask what they will read.");
	cr_expect_null(cfg.playbook[1]);
	kam_config_free(&cfg);
}

Test(config_cadence, errors_name_the_key)
{
	static const char *const cases[][2] = {
		{ "cadence = { defaults = {} }", "only the keys default, regions and holidays" },
		{ "cadence = 3", "cadence: expected a table with default, regions and holidays" },
		{ "cadence = { default = { model = 1 } }", "cadence.default.model: expected the name" },
		{ "cadence = { regions = { e = { model = 't', params = { a = {} } } } }",
		  "cadence.regions[\"e\"].params.a: expected a string, number or boolean" },
		{ "cadence = { holidays = { north = { '2026-02-30' } } }",
		  "cadence.holidays[\"north\"][1]: expected a day \"YYYY-MM-DD\"" },
		{ "cadence = { holidays = { north = { '2026-01-01', 20260102 } } }",
		  "cadence.holidays[\"north\"][2]: expected a day" },
		{ "cadence = { holidays = { north = '2026-01-01' } }",
		  "cadence.holidays[\"north\"]: expected a list of days" },
		{ "cadence = { holidays = { '2026-01-01' } }", "region names that are strings" },
		{ "playbook = { ['too-expensive'] = 'x' }", "playbook: expected objections as keys" },
		{ "playbook = { ['no-budget'] = 3 }",
		  "playbook[\"no-budget\"]: expected the prepared response" },
		{ "playbook = 'x'", "playbook: expected a table" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kam_config cfg;
		write_conf(cases[i][0]);
		cr_expect_eq(kam_config_load(NULL, dir, &cfg, err, sizeof(err)), KAM_EPARSE,
			     "accepted: %s", cases[i][0]);
		cr_expect(strstr(err, cases[i][1]) != NULL, "%s: got \"%s\"", cases[i][0], err);
	}
	/* segmentation's own message is unchanged */
	kam_config cfg;
	write_conf("segmentation = { holidays = {} }");
	cr_expect_eq(kam_config_load(NULL, dir, &cfg, err, sizeof(err)), KAM_EPARSE);
	cr_expect(strstr(err, "segmentation: expected only the keys default and regions") != NULL,
		  "got: %s", err);
}
