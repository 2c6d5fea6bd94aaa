/*
 * prune.h - deleting old snapshots: those named, or all but the newest N; never one that holds a
 * region's current tiers or values (`kam snapshots --drop/--keep`, db:snapshots in Lua).
 */
#ifndef KAM_PRUNE_H
#define KAM_PRUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

typedef struct kam_prune {
	/* What to drop: these ids, and/or (keep >= 0) all but the `keep` newest snapshots. */
	const uint64_t *ids;
	size_t nids;
	long long keep; /* -1: not asked */
	/* What goes (or would go): the headers, the ids named first, then newest first. */
	kam_snapshot_info *drop;
	size_t ndrop;
	char why[400]; /* why it was refused, for KAM_ENOTFOUND and KAM_EBUSY */
	/* the rest is the planner's */
	size_t cap;
	uint64_t *current; /* the ids the regions' pointers name, of both kinds */
	size_t ncurrent, curcap;
} kam_prune;

/*
 * Decides in txn what goes, and drops it unless dry_run (txn is then a write transaction, to be
 * aborted on failure: nothing is dropped then). Returns 0, KAM_ENOTFOUND (an id named is not
 * there), KAM_EBUSY (one named holds a region's current tiers or values), KAM_ENOMEM or a store
 * error; p->why says which id and region. May be called again on the same p (a retried write).
 */
int kam_prune_run(kam_txn *txn, kam_prune *p, bool dry_run);
void kam_prune_free(kam_prune *p);

#endif
