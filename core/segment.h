/*
 * segment.h - segmenting a book: choosing models per region, running them, storing snapshots,
 * and reading the current tiers back.
 *
 * What `kam segment` and `kam tiers` do, kept out of the command line so that the Lua module can
 * call the same code. kam_segment() works in two phases: every model run happens in one read
 * transaction, and only when all of them succeeded are their results written, all snapshots in
 * one write transaction (kam_store_write). A failing model therefore leaves the database as it
 * was.
 *
 * Regions that use the same model with the same resolved parameters share one run (its filter
 * keeps the accounts of those regions); models partition by region themselves, so the tiers are
 * the same as with one run per region, for the price of one pass over the book.
 */
#ifndef KAM_SEGMENT_H
#define KAM_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"
#include "run.h"
#include "snapshot.h"
#include "store.h"

typedef struct kam_segment_opts {
	/* Only the accounts of this region (NULL: every region; "" is the accounts without one). */
	const char *region;
	/* Run this model for every region (NULL: each region's configured model). */
	const char *model;
	/*
	 * Parameters given by the user, applied over the configured ones (with `model`: over the
	 * model's defaults). Each must be declared by every model it is applied to. An "as_of"
	 * here replaces opts.as_of.
	 */
	const kam_param *params;
	size_t nparams;
	int32_t as_of;  /* the day to compute for */
	bool dry_run;   /* compute, store nothing */
} kam_segment_opts;

/* One model run of a segmentation. */
typedef struct kam_segment_run {
	/*
	 * model, version, the resolved parameters (every declared one with its value, as_of
	 * included), as_of, the regions its accounts belong to (sorted), taken_at, accounts; id is
	 * the snapshot's (0 for a dry run). Owned here (free with kam_snapshot_info_free).
	 */
	kam_snapshot_info info;
	kam_run_output out; /* the results, in account id order */
} kam_segment_run;

typedef struct kam_segment_result {
	kam_segment_run *runs; /* runs with at least one account, in the order they ran */
	size_t nruns;
	char error[640];       /* on failure: what went wrong */
	bool bad_opts;         /* on failure: the options were at fault (model, params, region) */
} kam_segment_result;

/*
 * Segments the book of `store` (open for writing unless opts->dry_run) with the models of `reg`
 * as `cfg` chooses them (cfg may be NULL: abc with its defaults everywhere) and `opts` overrides.
 * Returns 0 with out filled (free with kam_segment_result_free), or with out->error set:
 *   KAM_ENOTFOUND  a model that is not loaded (the message lists the loaded segmentation
 *                  models), or opts->region names a region without accounts
 *   KAM_EINVAL     a model that is not a segmentation model, a parameter the model does not
 *                  declare, a value not of its type
 *   KAM_EPLUGIN    a model failed (nothing was stored)
 *   KAM_ENOMEM and store errors.
 */
int kam_segment(kam_store *store, const kam_registry *reg, const kam_config *cfg,
		const kam_segment_opts *opts, kam_segment_result *out);
void kam_segment_result_free(kam_segment_result *r);

/* An account's tier, from a snapshot or a run. */
typedef struct kam_tier_row {
	kam_str account_id, region; /* views: see the function that filled the row */
	char tier;                  /* 'A', 'B', 'C', or 0 when none */
	double score;
	uint64_t snapshot;          /* the snapshot it comes from; 0: computed, not stored */
} kam_tier_row;

/*
 * The tiers of a segmentation's runs, merged into one list in account id order (the views point
 * into r's results and stay valid until r is freed). Returns 0 or KAM_ENOMEM; *rows is malloc'd.
 */
int kam_segment_rows(const kam_segment_result *r, kam_tier_row **rows, size_t *count);

/* The current tiers of a book. */
typedef struct kam_tier_set {
	kam_tier_row *rows;  /* one per account (of opts' region), in account id order */
	size_t count;
	/*
	 * Regions with accounts but no stored segmentation: their tiers were computed now with
	 * `abc` and its defaults as of the day given, and not stored (REFERENCE.md). Sorted.
	 */
	char **computed_regions;
	size_t ncomputed;
	size_t missing;      /* accounts absent from their region's current snapshot: no tier */
	kam_run_output computed; /* owns the computed rows' strings */
	char error[640];
} kam_tier_set;

/*
 * Reads each account's current tier: the result of its region's current snapshot (views valid
 * until txn ends). For regions never segmented, runs KAM_DEFAULT_SEGMENTATION from `reg` with
 * its defaults as of `today` (when reg is NULL or lacks it, those accounts get no tier and
 * their regions are still listed). `region` limits it to one region (NULL: all).
 * Returns 0 (free with kam_tier_set_free), KAM_ENOMEM, KAM_EPLUGIN, store errors (error says).
 */
int kam_tiers_current(kam_txn *txn, const kam_registry *reg, const char *region, int32_t today,
		      kam_tier_set *out);
void kam_tier_set_free(kam_tier_set *s);

/*
 * Fills a registry for segmentation: the plugins the configuration lists (by path or name),
 * then every plugin of the search path not yet loaded. A plugin that fails to load is reported
 * through warn (may be NULL) and skipped. Returns 0 or KAM_ENOMEM.
 */
int kam_segment_load_plugins(kam_registry *reg, const kam_config *cfg,
			     void (*warn)(void *ctx, const char *message), void *ctx);

/*
 * Writes into buf the names of the loaded models of `kind`, comma-separated (", "), or "none".
 */
void kam_models_list(const kam_registry *reg, int kind, char *buf, size_t len);

#endif
