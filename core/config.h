/*
 * config.h - the configuration file: which model each region uses, with which parameters.
 *
 * The file is Lua (kam.conf.lua in the database directory, or --config FILE), run in an empty
 * sandbox: no os, io, require, load or debug, text chunks only, a bounded number of
 * instructions. It sets global tables:
 *
 *   segmentation = {
 *     default = { model = "abc", params = { window_days = 365 } },
 *     regions = {
 *       east = { model = "score", params = { w_employees = 0.3 } },
 *     },
 *   }
 *   plugins = { "/opt/kam/plugins/retail.so" }   -- extra plugins to load, by path or name
 *   models = { "models/north.lua" }              -- models written in Lua (docs/lua.md)
 *   cadence = {                                  -- the cadence model of each region
 *     default = { model = "tiered", params = { working_days = true } },
 *     regions = { east = { model = "tiered", params = { call_b = 2 } } },
 *     holidays = {                               -- days off per region; "*": every region
 *       ["*"] = { "2026-01-01" },
 *       north = { "2026-10-01", "2026-10-02" },
 *     },
 *   }
 *   value = {                                    -- the value model of each region (kam value)
 *     default = { model = "customer-value", params = { horizon_weeks = 26 } },
 *     regions = { south = { model = "consumables" } },
 *   }
 *   playbook = {                                 -- prepared responses to the objections
 *     ["price-too-high"] = "Compare the cost per printed page, not the price per box.",
 *   }
 *
 * A relative path in `models` is taken relative to the directory of the configuration file.
 * Parameter values may be strings, numbers or booleans; they reach models as text. A missing file
 * is not an error: every region then uses `abc` with its defaults.
 */
#ifndef KAM_CONFIG_H
#define KAM_CONFIG_H

#include <stddef.h>

#include "buf.h"
#include "run.h"

#define KAM_CONFIG_FILE "kam.conf.lua"
#define KAM_DEFAULT_SEGMENTATION "abc"
#define KAM_DEFAULT_CADENCE "tiered"
#define KAM_DEFAULT_VALUE "customer-value" /* the value model when value.default is not set */
#define KAM_PLAYBOOK_COUNT 7 /* the objections of REFERENCE.md, in its order */

/* A model with its parameters. */
typedef struct kam_model_choice {
	char *model;
	kam_param *params;
	size_t nparams;
} kam_model_choice;

typedef struct kam_region_choice {
	char *region;
	kam_model_choice choice;
} kam_region_choice;

/* Days off of a region ("*": of every region), as "YYYY-MM-DD" texts, checked. */
typedef struct kam_region_days {
	char *region;
	char **days;
	size_t ndays;
} kam_region_days;

typedef struct kam_config {
	char *path;                   /* the file read, or NULL when there was none */
	kam_model_choice seg_default; /* segmentation for regions not listed */
	kam_region_choice *seg_regions;
	size_t nseg_regions;
	char **plugins;
	size_t nplugins;
	char **models;                /* Lua model files, resolved against the file's directory */
	size_t nmodels;
	/* cadence = { default, regions, holidays } */
	kam_model_choice cad_default; /* cadence for regions not listed (tiered with defaults) */
	kam_region_choice *cad_regions;
	size_t ncad_regions;
	kam_region_days *holidays;
	size_t nholidays;
	/* playbook = { [slug] = "text" }: playbook[k] answers objection k + 1; NULL: the default */
	char *playbook[KAM_PLAYBOOK_COUNT];
	/* value = { default, regions }; val_default.model is NULL when not set (see below) */
	kam_model_choice val_default;
	kam_region_choice *val_regions;
	size_t nval_regions;
} kam_config;

/*
 * Loads `path`; when `path` is NULL, DB_DIR/kam.conf.lua if it exists, else the defaults.
 * Returns 0, or KAM_ENOTFOUND (an explicit path that does not exist), KAM_EPARSE (a Lua error or a
 * value of the wrong shape; err says "FILE:LINE: ..." or names the key), KAM_ENOMEM.
 */
int kam_config_load(const char *path, const char *db_dir, kam_config *out, char *err,
		    size_t errlen);
void kam_config_free(kam_config *cfg);

/* The segmentation model chosen for a region (its own entry, else the default). */
const kam_model_choice *kam_config_segmentation(const kam_config *cfg, kam_str region);

/*
 * The value model chosen for a region: its own entry, else value.default, else
 * KAM_DEFAULT_VALUE without parameters. cfg may be NULL (the last).
 */
const kam_model_choice *kam_config_value(const kam_config *cfg, kam_str region);

/* The cadence model chosen for a region (its own entry, else the default). */
const kam_model_choice *kam_config_cadence(const kam_config *cfg, kam_str region);

/*
 * The days off of a region: those of "*" and of the region itself, sorted, each once, separated
 * by commas ("2026-01-01,2026-10-01"), "" when none: the text of the `holidays` parameter of a
 * cadence model. cfg may be NULL. Returns 0 with *out malloc'd (the caller frees it), or
 * KAM_ENOMEM.
 */
int kam_config_holidays(const kam_config *cfg, kam_str region, char **out);

#endif
