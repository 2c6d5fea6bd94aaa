/* bigmem.c - whole-run arrays on transparent huge pages (see bigmem.h). */
#include "bigmem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIG_MIN (8u << 20)

/* The whole pages the block touches: for a large block, its own mapping, kept whole. */
static void *advised(void *block)
{
#ifdef MADV_HUGEPAGE
	size_t n = block ? malloc_usable_size(block) : 0;
	if (n >= BIG_MIN) {
		long ps = sysconf(_SC_PAGESIZE);
		uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
		uintptr_t a = (uintptr_t)block & ~(page - 1),
			  b = ((uintptr_t)block + n + page - 1) & ~(page - 1);
		madvise((void *)a, b - a, MADV_HUGEPAGE); /* a refusal only costs page faults */
	}
#endif
	return block;
}

void *big_malloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	size_t bytes = n * size;
	return advised(malloc(bytes ? bytes : 1));
}

void *big_calloc(size_t n, size_t size)
{
	return advised(calloc(n ? n : 1, size ? size : 1));
}
