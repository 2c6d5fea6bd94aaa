/* rank.c - the ranking models' sort (see rank.h). */
#include "rank.h"

#include <kam/errors.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "bigmem.h"
#include "text.h"

/*
 * An LSD radix sort of a[0..n) by key, stable, with b[0..n) as scratch; the result is in a. It
 * skips the key bytes that are the same in every key: most of them, for real money.
 */
static void key_sort(struct rank_item *a, struct rank_item *b, size_t n)
{
	size_t cnt[8][256] = { { 0 } };
	struct rank_item *src = a, *dst = b, *t;

	for (size_t j = 0; j < n; j++)
		for (int k = 0; k < 8; k++)
			cnt[k][(a[j].key >> (8 * k)) & 255]++;
	for (int k = 0; n && k < 8; k++) {
		size_t off = 0;

		if (cnt[k][(a[0].key >> (8 * k)) & 255] == n)
			continue;
		for (int v = 0; v < 256; v++) {
			size_t c = cnt[k][v];

			cnt[k][v] = off;
			off += c;
		}
		for (size_t j = 0; j < n; j++)
			dst[cnt[k][(src[j].key >> (8 * k)) & 255]++] = src[j];
		t = src, src = dst, dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Partitions [from, to) of a grouped array, each sorted by key on its own. */
struct parts_job {
	struct rank_item *items, *tmp;
	const size_t *off; /* partition p holds [off[p], off[p + 1]) */
	uint32_t from, to;
};

static void *parts_sort(void *arg)
{
	const struct parts_job *j = arg;

	for (uint32_t p = j->from; p < j->to; p++)
		key_sort(j->items + j->off[p], j->tmp + j->off[p], j->off[p + 1] - j->off[p]);
	return NULL;
}

/* Below this many items a second thread costs more than it saves. */
#define RANK_THREAD_MIN 65536

/*
 * Groups the items by partition (stably), then sorts each partition by key: a large ranking's
 * partitions are shared with a second thread, about half of the items each.
 */
int rank_sort(struct rank_item *items, size_t n, uint32_t nparts)
{
	struct rank_item *tmp = big_malloc(n, sizeof(*tmp));
	size_t *off = calloc((size_t)nparts + 1, sizeof(*off));
	size_t *at = calloc((size_t)nparts + 1, sizeof(*at));
	int rc = KAM_ENOMEM;

	if (!tmp || !off || !at)
		goto out;
	for (size_t j = 0; j < n; j++)
		off[items[j].part + 1]++;
	for (uint32_t p = 0; p < nparts; p++)
		off[p + 1] += off[p];
	memcpy(at, off, ((size_t)nparts + 1) * sizeof(*at));
	for (size_t j = 0; j < n; j++)
		tmp[at[items[j].part]++] = items[j];
	memcpy(items, tmp, n * sizeof(*items));

	uint32_t half = 0;
	while (half < nparts && off[half + 1] <= n / 2)
		half++;
	struct parts_job mine = { items, tmp, off, 0, half }, other = { items, tmp, off, half, nparts };
	pthread_t th;
	int two = n >= RANK_THREAD_MIN && half > 0 && half < nparts &&
		  pthread_create(&th, NULL, parts_sort, &other) == 0;

	if (!two)
		mine.to = nparts;
	parts_sort(&mine);
	if (two)
		pthread_join(th, NULL);
	rc = 0;
out:
	free(tmp);
	free(off);
	free(at);
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
		int rc = account_text(host, run, i, KAM_FIELD_ID, &e[i].id);

		if (rc) {
			free(e);
			free(*order);
			*order = NULL;
			return rc;
		}
		e[i].index = (uint32_t)i;
	}
	qsort(e, n, sizeof(*e), id_entry_cmp);
	for (size_t i = 0; i < n; i++)
		(*order)[i] = e[i].index;
	free(e);
	return 0;
}
