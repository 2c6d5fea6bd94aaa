/*
 * current.h - the current segmentation snapshots of all regions, read beside a walk of the
 * accounts in id order: kam_tiers_current's rows and the agenda's tiers.
 */
#ifndef KAM_CURRENT_H
#define KAM_CURRENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "store.h"

typedef struct kam_current kam_current;

/*
 * Reads the regions' current pointers and opens one walker per distinct snapshot, at its first
 * row. With `tiers_only` the rows kam_current_seek gives have their id and tier alone (no
 * region, score 0), which is quicker to read. Returns 0 (free with kam_current_free),
 * KAM_ENOMEM or a store error.
 */
int kam_current_open(kam_txn *txn, bool tiers_only, kam_current **out);
/* Puts every walker back on its first row, for another walk of the accounts. */
int kam_current_rewind(kam_txn *txn, kam_current *c);
void kam_current_free(kam_current *c);
/* How many regions have a current snapshot. */
size_t kam_current_regions(const kam_current *c);

/*
 * The row of account `id` in the current snapshot of `region`; a region's accounts must be
 * asked for in id order. Returns 1 with *row (valid until the next call) and *snapshot, 0 when
 * that snapshot has no row for the account, KAM_ENOTFOUND when the region has no current
 * snapshot, or a negative code.
 */
int kam_current_seek(kam_current *c, kam_str region, kam_str id, const kam_snapshot_row **row,
		     uint64_t *snapshot);

#endif
