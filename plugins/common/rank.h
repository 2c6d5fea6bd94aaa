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

/* An account's id and index, for sorting accounts by id when the host did not. */
struct id_entry {
	kam_text id;
	uint32_t index;
};

/* qsort order of id_entry: id bytewise, then index. */
int id_entry_cmp(const void *pa, const void *pb);

#endif
