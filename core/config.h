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

typedef struct kam_config {
	char *path;                   /* the file read, or NULL when there was none */
	kam_model_choice seg_default; /* segmentation for regions not listed */
	kam_region_choice *seg_regions;
	size_t nseg_regions;
	char **plugins;
	size_t nplugins;
	char **models;                /* Lua model files, resolved against the file's directory */
	size_t nmodels;
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

#endif
