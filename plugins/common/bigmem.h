/*
 * bigmem.h - arrays of a whole run (one item per account): malloc'd memory that asks the kernel
 * for transparent huge pages once it is large, so that filling it costs a page fault per 2 MB
 * rather than per 4 KB. The host does the same for its own arrays (core/buf.c); plugins do not
 * link the core, so they have this copy.
 */
#ifndef KAM_PLUGIN_BIGMEM_H
#define KAM_PLUGIN_BIGMEM_H

#include <stddef.h>

/* malloc(n * size) and calloc(n, size), advised huge from 8 MB on; NULL on overflow too. */
void *big_malloc(size_t n, size_t size);
void *big_calloc(size_t n, size_t size);

#endif
