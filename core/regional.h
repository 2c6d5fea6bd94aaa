/*
 * regional.h - choosing and running one model per group of regions.
 *
 * What kam_segment(), kam_value() and kam_agenda_compute() share: each region's model and
 * parameters are resolved from the configuration (and the user's --model and --param), regions
 * whose resolved choice is the same share one group, and each group is one model run whose
 * filter keeps the accounts of its regions. The default group (every region the configuration
 * does not list apart) comes first: it usually holds most of the book.
 *
 * Internal to the core; the messages are those of the commands that use it.
 */
#ifndef KAM_REGIONAL_H
#define KAM_REGIONAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "date.h"
#include "plugin.h"
#include "run.h"
#include "segment.h"
#include "store.h"

/* A distinct (model, resolved parameters) and the regions that use it. */
typedef struct kam_regional_group {
	const kam_model *model;
	kam_param *params; /* resolved: views into the config, the options or the descriptor */
	size_t nparams;
	kam_str *regions;  /* the filter's regions (views) */
	size_t nregions;
	bool all;          /* no filter: every account */
	bool exclude;      /* keep the accounts whose region is NOT in regions */
} kam_regional_group;

/* The groups of one command, and what chooses them. */
typedef struct kam_regional {
	kam_regional_group *groups;
	size_t n;
	int kind;             /* KAM_PLUGIN_*: the models it accepts */
	const char *table;    /* the configuration table ("segmentation", "value"), for messages */
	const kam_config *cfg;
	/* the user's overrides: --model (NULL: configured), --param, --region (NULL: all) */
	const char *model;
	const kam_param *params;
	size_t nparams;
	const char *region;
	int32_t as_of;        /* the day of every run (a declared "as_of" parameter gets it too) */
	char as_of_text[KAM_DATE_BUFSZ];
	char *err;
	size_t errlen;
	bool bad_opts;        /* on failure: the user's options were at fault */
} kam_regional;

/*
 * Sets the day of the runs: rg->as_of, unless the user's parameters give "as_of" (then that;
 * KAM_EINVAL with rg->err said and rg->bad_opts set when it is not a date).
 */
int kam_regional_as_of(kam_regional *rg);
void kam_regional_free(kam_regional *rg);

/*
 * Writes the prefix of messages about a configured choice: "FILE: TABLE.regions["R"]: ",
 * "FILE: TABLE.default: " (region NULL), or "the default TABLE model: " when not configured.
 */
void kam_regional_whose(const kam_regional *rg, const char *region, bool configured, char *buf,
			size_t len);

/*
 * Plans the groups of every region: `def` (configured or not) for the regions not in
 * `regions`, and a group for each distinct other choice. With rg->model or rg->region, plans
 * one group instead: the given model, else `chosen` with messages prefixed by `chosen_whose`.
 * Returns 0, KAM_ENOTFOUND, KAM_EINVAL (rg->err says), KAM_ENOMEM.
 */
int kam_regional_plan(kam_regional *rg, const kam_registry *reg, const kam_model_choice *def,
		      bool def_configured, const kam_region_choice *regions, size_t nregions,
		      const kam_model_choice *chosen, const char *chosen_whose);

/*
 * The model called `name`, loaded and of rg->kind; or NULL with rg->err said ("WHOSEno KIND
 * model ... is loaded (loaded: ...)", or "... is a X model, not a KIND model") and *rc set to
 * KAM_ENOTFOUND or KAM_EINVAL.
 */
const kam_model *kam_regional_model(kam_regional *rg, const kam_registry *reg, const char *name,
				    const char *whose, int *rc);

/*
 * Checks parameters against a model: declared, and of the declared type. `whose` prefixes the
 * message about a configured one; NULL: it is the user's (--param NAME=VALUE). Returns 0 or
 * KAM_EINVAL with err said.
 */
int kam_regional_params_check(const kam_model *m, const kam_param *p, size_t n,
			      const char *whose, char *err, size_t errlen);

/* Whether group g keeps the accounts of `region` ("" for none). */
bool kam_regional_keeps(const kam_regional_group *g, kam_str region);
/* A run's filter (kam_run_spec.filter) for the group `ctx`: kam_regional_keeps. */
int kam_regional_filter(void *ctx, const kam_account *a);
/* Whether two groups have the same model and resolved parameters. */
bool kam_regional_same(const kam_regional_group *a, const kam_regional_group *b);
/* Adds a region to a group's filter. Returns 0 or KAM_ENOMEM. */
int kam_regional_add_region(kam_regional_group *g, kam_str region);

/*
 * Runs every group in one read transaction of `store`, keeping the runs with accounts; then,
 * unless dry_run, stores them as snapshots in one write transaction. Returns 0 with *runs
 * malloc'd, or an error with rg->err said (and no runs).
 */
int kam_regional_run(kam_regional *rg, kam_store *store, bool dry_run, kam_segment_run **runs,
		     size_t *nruns);
void kam_regional_runs_free(kam_segment_run *runs, size_t nruns);

/*
 * The runs' results as one list in account id order: an array of *count (result, run) pairs,
 * to free(). Runs cover disjoint regions, each in id order, so this merges them. 0 or
 * KAM_ENOMEM.
 */
typedef struct kam_regional_item {
	const kam_result *result;
	const kam_segment_run *run;
} kam_regional_item;

int kam_regional_merge(const kam_segment_run *runs, size_t nruns, kam_regional_item **items,
		       size_t *count);

#endif
