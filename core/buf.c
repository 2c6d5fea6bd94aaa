/* buf.c - growable byte buffers and arrays, varints. */
#include "buf.h"

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <kam/errors.h>

#ifdef MADV_HUGEPAGE
static pthread_once_t huge_once = PTHREAD_ONCE_INIT;
static bool huge_off;

/* KAM_HUGE_PAGES=0: no huge pages for this process, the plugins' arrays included. */
static void huge_setup(void)
{
	const char *e = getenv("KAM_HUGE_PAGES");
	huge_off = e && strcmp(e, "0") == 0;
#ifdef PR_SET_THP_DISABLE
	if (huge_off)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
#endif
}
#endif

void kam_advise_huge(void *block)
{
#ifdef MADV_HUGEPAGE
	pthread_once(&huge_once, huge_setup);
	size_t n = block && !huge_off ? malloc_usable_size(block) : 0;
	if (n < KAM_HUGE_MIN)
		return;
	/*
	 * The whole pages the block touches: for a block of its own mapping (malloc's large ones)
	 * that is the mapping, so it stays one mapping that realloc can still move with mremap
	 * rather than copy. Advising only its inside would split it.
	 */
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
	uintptr_t a = (uintptr_t)block & ~(page - 1),
		  b = ((uintptr_t)block + n + page - 1) & ~(page - 1);
	madvise((void *)a, b - a, MADV_HUGEPAGE); /* a refusal only costs page faults */
#else
	(void)block;
#endif
}

int kam_buf_reserve(kam_buf *b, size_t more)
{
	if (b->cap - b->len >= more)
		return 0;
	size_t need = b->len + more;
	if (need < b->len)
		return KAM_ENOMEM;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return KAM_ENOMEM;
	kam_advise_huge(p);
	b->data = p;
	b->cap = cap;
	return 0;
}

int kam_grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (size && n > SIZE_MAX / size)
		return KAM_ENOMEM;
	void *p = realloc(*arr, n * size);
	if (!p)
		return KAM_ENOMEM;
	kam_advise_huge(p);
	*arr = p;
	*cap = n;
	return 0;
}

int kam_buf_append(kam_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	int rc = kam_buf_reserve(b, n);
	if (rc)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int kam_buf_putc(kam_buf *b, int c)
{
	int rc = kam_buf_reserve(b, 1);
	if (rc)
		return rc;
	b->data[b->len++] = (uint8_t)c;
	return 0;
}

int kam_buf_put_varint(kam_buf *b, uint64_t v)
{
	int rc = kam_buf_reserve(b, 10);
	if (rc)
		return rc;
	uint8_t *p = b->data + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->data);
	return 0;
}

void kam_buf_free(kam_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int kam_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t byte = *(*p)++;
		if (shift == 63 && byte > 1)
			return -1; /* more than 64 bits */
		x |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}
