/*
 * rank.h - sorting accounts for a ranking (abc, score, rfm): a stable radix sort by partition
 * and key, and the id order used to break ties.
 */
#ifndef KAM_PLUGIN_RANK_H
#define KAM_PLUGIN_RANK_H

#include <kam/plugin.h>

#include <stddef.h>
#include <stdint.h>

/* An account in the ranking: what the sort moves, so the walk after it reads sequentially. */
struct rank_item {
	uint64_t key;   /* the metric, mapped by the model so that ascending keys rank first */
	uint32_t index; /* the account */
	uint32_t part;  /* its partition */
};

/*
 * Sorts items[0..n) by (part, key) ascending, stably, so that items equal in both keep their
 * order; parts are below nparts. Returns 0 or KAM_ENOMEM.
 */
int rank_sort(struct rank_item *items, size_t n, uint32_t nparts);

/*
 * The account indices in id order, for breaking ties. The host serves accounts in id order, so
 * that is normally index order (ids_sorted, as the model saw while reading): then *order is
 * NULL. Otherwise the ids are sorted here, so that ties never depend on the host, and *order is
 * a malloc'd array of the n indices. Returns 0 or KAM_ENOMEM.
 */
int rank_id_order(const kam_host *host, kam_run *run, size_t n, int ids_sorted, uint32_t **order);

#endif
