/* rank.c - the ranking models' sort (see rank.h). */
#include "rank.h"

#include <kam/errors.h>

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "text.h"

/*
 * An LSD radix sort: the key's bytes from the least significant (skipping bytes that are the
 * same in every key: most of them, for real money), then the partition.
 */
int rank_sort(struct rank_item *items, size_t n, uint32_t nparts)
{
	struct rank_item *tmp = big_malloc(n, sizeof(*tmp)), *src = items, *dst = tmp, *t;
	size_t(*cnt)[256] = calloc(8, sizeof(*cnt));
	size_t *pc = calloc((size_t)nparts + 1, sizeof(*pc));
	int rc = KAM_ENOMEM;

	if (!tmp || !cnt || !pc)
		goto out;
	for (size_t j = 0; j < n; j++)
		for (int b = 0; b < 8; b++)
			cnt[b][(items[j].key >> (8 * b)) & 255]++;
	for (int b = 0; b < 8; b++) {
		size_t off = 0;

		if (cnt[b][(items[0].key >> (8 * b)) & 255] == n)
			continue;
		for (int v = 0; v < 256; v++) {
			size_t c = cnt[b][v];

			cnt[b][v] = off;
			off += c;
		}
		for (size_t j = 0; j < n; j++)
			dst[cnt[b][(src[j].key >> (8 * b)) & 255]++] = src[j];
		t = src, src = dst, dst = t;
	}
	if (nparts > 1) {
		size_t off = 0;

		for (size_t j = 0; j < n; j++)
			pc[src[j].part]++;
		for (uint32_t p = 0; p < nparts; p++) {
			size_t c = pc[p];

			pc[p] = off;
			off += c;
		}
		for (size_t j = 0; j < n; j++)
			dst[pc[src[j].part]++] = src[j];
		t = src, src = dst, dst = t;
	}
	if (src != items)
		memcpy(items, src, n * sizeof(*items));
	rc = 0;
out:
	free(tmp);
	free(cnt);
	free(pc);
	return rc;
}

/* An account's id and index, sorted by id, then index. */
struct id_entry {
	kam_text id;
	uint32_t index;
};

static int id_entry_cmp(const void *pa, const void *pb)
{
	const struct id_entry *a = pa, *b = pb;
	int c = text_cmp(a->id, b->id);

	return c ? c : (a->index > b->index) - (a->index < b->index);
}

int rank_id_order(const kam_host *host, kam_run *run, size_t n, int ids_sorted, uint32_t **order)
{
	struct id_entry *e;

	*order = NULL;
	if (ids_sorted)
		return 0;
	e = big_malloc(n, sizeof(*e));
	*order = big_malloc(n, sizeof(**order));
	if (!e || !*order) {
		free(e);
		free(*order);
		*order = NULL;
		return KAM_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		e[i].id = host->account(run, i)->id;
		e[i].index = (uint32_t)i;
	}
	qsort(e, n, sizeof(*e), id_entry_cmp);
	for (size_t i = 0; i < n; i++)
		(*order)[i] = e[i].index;
	free(e);
	return 0;
}
