/* rank.c - the ranking models' sort (see rank.h). */
#include "rank.h"

#include <kam/errors.h>

#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * An LSD radix sort: the key's bytes from the least significant (skipping bytes that are the
 * same in every key: most of them, for real money), then the partition.
 */
int rank_sort(struct rank_item *items, size_t n, uint32_t nparts)
{
	struct rank_item *tmp = malloc(n * sizeof(*tmp)), *src = items, *dst = tmp, *t;
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

int id_entry_cmp(const void *pa, const void *pb)
{
	const struct id_entry *a = pa, *b = pb;
	int c = text_cmp(a->id, b->id);

	return c ? c : (a->index > b->index) - (a->index < b->index);
}
