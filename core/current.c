/* current.c - the current segmentation snapshots beside an id-ordered walk (current.h). */
#include "current.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

typedef struct pointer {
	kam_str region;
	uint64_t head; /* the region's first 8 bytes, zero-padded: most regions are no longer */
	uint64_t id;
	size_t walker;
} pointer;

typedef struct walker {
	kam_snapshot_iter *it;
	kam_snapshot_row head;
	int state;  /* 1: head holds a row, 0: at the end, < 0: error */
	bool taken; /* head matched an account: the next (greater) id is beyond it */
} walker;

struct kam_current {
	pointer *ptrs; /* sorted by region */
	size_t n, cap;
	walker *walkers;
	size_t nwalkers;
	/* kam_snapshot_iter_next, or kam_snapshot_iter_tier for a reader of tiers alone */
	int (*next)(kam_snapshot_iter *it, kam_snapshot_row *row);
	const pointer *last; /* the region found last: accounts of one region often follow */
};

static inline uint64_t text_head(kam_str s)
{
	uint64_t h = 0;
	if (s.len)
		memcpy(&h, s.ptr, s.len < 8 ? s.len : 8);
	return h;
}

static int pointer_collect(void *ctx, kam_str region, uint64_t id)
{
	kam_current *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		pointer *p = realloc(c->ptrs, cap * sizeof(*p));
		if (!p)
			return KAM_ENOMEM;
		c->ptrs = p;
		c->cap = cap;
	}
	c->ptrs[c->n++] = (pointer){ region, text_head(region), id, 0 };
	return 0;
}

static int pointer_cmp(const void *a, const void *b)
{
	return kam_str_cmp(((const pointer *)a)->region, ((const pointer *)b)->region);
}

static void walkers_close(kam_current *c)
{
	for (size_t i = 0; c->walkers && i < c->nwalkers; i++)
		kam_snapshot_iter_close(c->walkers[i].it);
	free(c->walkers);
	c->walkers = NULL;
	c->nwalkers = 0;
	c->last = NULL;
}

void kam_current_free(kam_current *c)
{
	if (!c)
		return;
	walkers_close(c);
	free(c->ptrs);
	free(c);
}

int kam_current_rewind(kam_txn *txn, kam_current *c)
{
	walkers_close(c);
	if (!(c->walkers = calloc(c->n ? c->n : 1, sizeof(*c->walkers))))
		return KAM_ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		size_t k = 0;
		while (k < i && c->ptrs[k].id != c->ptrs[i].id)
			k++;
		if (k < i) {
			c->ptrs[i].walker = c->ptrs[k].walker;
			continue;
		}
		walker *w = &c->walkers[c->nwalkers];
		int rc = kam_snapshot_iter_open(txn, c->ptrs[i].id, &w->it);
		if (rc)
			return rc;
		c->ptrs[i].walker = c->nwalkers++;
		w->state = c->next(w->it, &w->head);
	}
	return 0;
}

int kam_current_open(kam_txn *txn, bool tiers_only, kam_current **out)
{
	kam_current *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return KAM_ENOMEM;
	c->next = tiers_only ? kam_snapshot_iter_tier : kam_snapshot_iter_next;
	int rc = kam_snapshot_current_each(txn, pointer_collect, c);
	if (!rc && c->n > 1)
		qsort(c->ptrs, c->n, sizeof(*c->ptrs), pointer_cmp);
	if (!rc)
		rc = kam_current_rewind(txn, c);
	if (rc) {
		kam_current_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

size_t kam_current_regions(const kam_current *c)
{
	return c->n;
}

/* A region's pointer, or NULL. Few regions: a scan of their heads beats a binary search. */
static const pointer *pointer_find(kam_current *c, kam_str region)
{
	if (c->last && kam_str_eq(c->last->region, region))
		return c->last;
	uint64_t head = text_head(region);
	if (c->n > 16) {
		size_t lo = 0, hi = c->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int cmp = kam_str_cmp(c->ptrs[mid].region, region);
			if (cmp == 0)
				return c->last = &c->ptrs[mid];
			if (cmp < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}
	for (size_t i = 0; i < c->n; i++) {
		const pointer *ptr = &c->ptrs[i];
		if (ptr->head == head && ptr->region.len == region.len &&
		    (region.len <= 8 || kam_str_eq(ptr->region, region)))
			return c->last = ptr;
	}
	return NULL;
}

int kam_current_seek(kam_current *c, kam_str region, kam_str id, const kam_snapshot_row **row,
		     uint64_t *snapshot)
{
	const pointer *ptr = pointer_find(c, region);
	if (!ptr)
		return KAM_ENOTFOUND;
	walker *w = &c->walkers[ptr->walker];
	/* a row that matched an account is behind the next one of its region */
	if (w->taken && w->state == 1)
		w->state = c->next(w->it, &w->head);
	w->taken = false;
	while (w->state == 1 && kam_str_cmp(w->head.account_id, id) < 0)
		w->state = c->next(w->it, &w->head);
	if (w->state < 0)
		return w->state;
	if (w->state == 1 && kam_str_eq(w->head.account_id, id)) {
		w->taken = true;
		*row = &w->head;
		*snapshot = ptr->id;
		return 1;
	}
	return 0;
}
