/*
 * snapshot.h - stored results of model runs: segmentation history and current tiers.
 *
 * Every `kam segment` that is not a dry run stores one snapshot per model run: a header (id,
 * kind, model, model version, parameters, as-of day, the regions it covers, when it was taken)
 * and, per account, the tier, score and factors. For each region, a pointer names the snapshot
 * that holds its current tiers, so a region can switch models and keep its history.
 *
 * Encoding (owned by snapshot.c, stored through the store's tables):
 *   KAM_TABLE_SNAPSHOTS  BE64(id) -> header
 *   KAM_TABLE_RESULTS    BE64(id) account_id -> result (tier, score, factors)
 *   KAM_TABLE_CURRENT    "seg:" region -> BE64(id)
 * Snapshot ids increase from 1 and are never reused.
 */
#ifndef KAM_SNAPSHOT_H
#define KAM_SNAPSHOT_H

#include <stdint.h>

#include "run.h"
#include "store.h"

typedef struct kam_snapshot_info {
	uint64_t id;
	int kind;            /* kam_plugin_kind */
	char *model;
	char *model_version;
	kam_param *params;   /* the resolved parameters: every declared one with its value */
	size_t nparams;
	int32_t as_of;       /* day */
	int64_t taken_at;    /* Unix time of the run */
	char **regions;      /* the regions whose accounts it holds */
	size_t nregions;
	uint64_t accounts;   /* number of results */
} kam_snapshot_info;

void kam_snapshot_info_free(kam_snapshot_info *info);

/*
 * Stores the results of one run as a new snapshot and makes it current for every region in
 * `regions` (the regions the run was for). `info` gives kind, model, version, params, as_of;
 * its id is assigned (written back to info->id). Returns 0 or a store error.
 */
int kam_snapshot_save(kam_txn *txn, kam_snapshot_info *info, const kam_run_output *results);

/* Reads a snapshot header. Returns 0 or KAM_ENOTFOUND. */
int kam_snapshot_get(kam_txn *txn, uint64_t id, kam_snapshot_info *out);

/* Calls fn for each snapshot, newest first; stops when fn returns non-zero (returned). */
int kam_snapshot_each(kam_txn *txn, int (*fn)(void *ctx, const kam_snapshot_info *info),
		      void *ctx);

/* The current segmentation snapshot of a region. Returns 0 or KAM_ENOTFOUND (none yet). */
int kam_snapshot_current(kam_txn *txn, kam_str region, uint64_t *id);

/*
 * One account's stored result in a snapshot (views into the transaction's snapshot of the
 * database; factors decoded into `out`, freed with kam_result_free). Returns 0 or KAM_ENOTFOUND.
 */
int kam_snapshot_result(kam_txn *txn, uint64_t id, kam_str account_id, kam_result *out);
void kam_result_free(kam_result *r);

#endif
