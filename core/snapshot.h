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
 *   KAM_TABLE_RESULTS    BE64(id) account_id -> a block of results (tier, score, factors) of
 *                        consecutive accounts, the first being account_id: a million results
 *                        are a few hundred puts, not a million
 *   KAM_TABLE_CURRENT    "seg:" region -> BE64(id); "seq:snapshot" -> BE64(last id given)
 * Snapshot ids increase from 1 and are never reused.
 *
 * Value snapshots (kind KAM_PLUGIN_VALUE, stored by `kam value`) use the same tables: their
 * result blocks also carry each account's value, recommendation and metrics, and
 * their current pointers are "val:" region -> BE64(id), apart from the segmentation pointers, so
 * a region has a current segmentation and a current value snapshot. The functions without a
 * kind (kam_snapshot_current, kam_snapshot_current_each) are about segmentation.
 */
#ifndef KAM_SNAPSHOT_H
#define KAM_SNAPSHOT_H

#include <stdbool.h>
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
 * `regions` (the regions the run was for; "val:" pointers when info->kind is KAM_PLUGIN_VALUE,
 * whose value parts are stored too). `info` gives kind, model, version, params, as_of;
 * its id is assigned (written back to info->id), accounts is set to results->count, and a zero
 * taken_at becomes the time now. Results must be in strictly increasing account id order (as
 * kam_run_model returns them), else KAM_EINVAL. Returns 0, KAM_EINVAL, KAM_ENOMEM or a store
 * error (the caller's write transaction is then to be aborted).
 */
int kam_snapshot_save(kam_txn *txn, kam_snapshot_info *info, const kam_run_output *results);

/*
 * The current snapshot of `kind` (KAM_PLUGIN_SEGMENTATION or KAM_PLUGIN_VALUE) of a region.
 * Returns 0 or KAM_ENOTFOUND (none yet).
 */
int kam_snapshot_current_kind(kam_txn *txn, int kind, kam_str region, uint64_t *id);
/* As kam_snapshot_current_each, over the current pointers of `kind`. */
int kam_snapshot_current_each_kind(kam_txn *txn, int kind,
				   int (*fn)(void *ctx, kam_str region, uint64_t id), void *ctx);

/*
 * Deletes snapshot `id` in the write transaction `txn`: its header and every result block. A
 * snapshot that is some region's current one (of its kind) stays: KAM_EBUSY. Returns 0,
 * KAM_ENOTFOUND, KAM_EBUSY, KAM_ENOMEM or a store error. Its pages are reused by later writes
 * (the file does not shrink), and its id is never given again.
 */
int kam_snapshot_drop(kam_txn *txn, uint64_t id);

/* Reads a snapshot header. Returns 0 or KAM_ENOTFOUND. */
int kam_snapshot_get(kam_txn *txn, uint64_t id, kam_snapshot_info *out);

/* Calls fn for each snapshot, newest first; stops when fn returns non-zero (returned). */
int kam_snapshot_each(kam_txn *txn, int (*fn)(void *ctx, const kam_snapshot_info *info),
		      void *ctx);
/*
 * Every snapshot's header, newest first, in a new array (*out, *n; free it with
 * kam_snapshot_infos_free). Returns 0, KAM_ENOMEM, KAM_ECORRUPT or a store error (nothing then).
 */
int kam_snapshot_list(kam_txn *txn, kam_snapshot_info **out, size_t *n);
void kam_snapshot_infos_free(kam_snapshot_info *infos, size_t n);

/* The current segmentation snapshot of a region. Returns 0 or KAM_ENOTFOUND (none yet). */
int kam_snapshot_current(kam_txn *txn, kam_str region, uint64_t *id);

/*
 * One account's stored result in a snapshot, with its factors in the order the model gave them
 * (and, from a value snapshot, has_value, value, recommendation and metrics);
 * every string is copied into `out` (free with kam_result_free; region is "" when the account
 * had none). Returns 0, KAM_ENOTFOUND (no such snapshot, or the account is not in it),
 * KAM_ECORRUPT, KAM_ENOMEM.
 */
int kam_snapshot_result(kam_txn *txn, uint64_t id, kam_str account_id, kam_result *out);
void kam_result_free(kam_result *r);

/*
 * Calls fn(ctx, region, id) for every region that has a current segmentation snapshot, in
 * bytewise region order (the region is a view valid until the transaction ends); stops when fn
 * returns non-zero (returned). Returns 0 or a store error.
 */
int kam_snapshot_current_each(kam_txn *txn, int (*fn)(void *ctx, kam_str region, uint64_t id),
			      void *ctx);

/* One account's tier and score in a snapshot, without its factors. */
typedef struct kam_snapshot_row {
	kam_str account_id, region; /* views valid until the transaction ends (or writes) */
	char tier;                  /* 'A', 'B', 'C', or 0 */
	double score;
} kam_snapshot_row;

/*
 * Walks the results of snapshot `id` in account id order: a whole book reads sequentially.
 * open returns 0, KAM_ENOTFOUND (no such snapshot), KAM_ENOMEM or a store error; next returns 1
 * with a row, 0 at the end, or KAM_ECORRUPT / a store error. close accepts NULL.
 */
typedef struct kam_snapshot_iter kam_snapshot_iter;
int kam_snapshot_iter_open(kam_txn *txn, uint64_t id, kam_snapshot_iter **out);
int kam_snapshot_iter_next(kam_snapshot_iter *it, kam_snapshot_row *row);
/* Like kam_snapshot_iter_next for a reader of tiers alone: row->region is empty, score 0. */
int kam_snapshot_iter_tier(kam_snapshot_iter *it, kam_snapshot_row *row);
void kam_snapshot_iter_close(kam_snapshot_iter *it);
/*
 * Like kam_snapshot_iter_next, but copies the whole row into `out` as kam_snapshot_result does
 * (factors, value, recommendation, metrics; free each row with kam_result_free). Returns 1 with
 * a row, 0 at the end (out then holds nothing), or KAM_ECORRUPT / KAM_ENOMEM / a store error.
 * The two calls may be mixed on one iterator.
 */
int kam_snapshot_iter_result(kam_snapshot_iter *it, kam_result *out);
/* The value part of a row of a value snapshot, as views into the snapshot (no copies). */
typedef struct kam_snapshot_value {
	bool has_value;
	double value;
	kam_str recommendation; /* ptr NULL when the row has none */
	bool found;             /* the row has the metric asked for: its value is `metric` */
	double metric;
} kam_snapshot_value;
/*
 * Like kam_snapshot_iter_next, and reads the row's value part into *v with metric `metric`
 * (NULL: none); a row of a segmentation snapshot has no value part (all false). Copies nothing:
 * the views live as the row's.
 */
int kam_snapshot_iter_value(kam_snapshot_iter *it, const char *metric, kam_snapshot_row *row,
			    kam_snapshot_value *v);

/*
 * For fuzzing and tests: reads every row of one stored result block (the bytes
 * KAM_TABLE_RESULTS holds), row i the way bits 2(i % 16) and up of `ways` say: 0 its keys for
 * the tier alone, 1 its keys, 2 the whole result, 3 its keys and value part. Sets *rows to the
 * rows read; returns 0 or the code the iterators would (KAM_ECORRUPT, KAM_EVERSION, ...).
 */
int kam_snapshot_block_read(const void *block, size_t len, uint32_t ways, size_t *rows);

#endif
