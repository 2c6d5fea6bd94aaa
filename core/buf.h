/* buf.h - a growable byte buffer and a string view, the two containers the core passes around. */
#ifndef KAM_BUF_H
#define KAM_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A view of bytes owned elsewhere; not NUL-terminated in general. */
typedef struct kam_str {
	const char *ptr;
	uint32_t len;
} kam_str;

#define KAM_STR(lit) ((kam_str){ (lit), sizeof(lit) - 1 })
static inline kam_str kam_str_c(const char *s) { return (kam_str){ s, s ? (uint32_t)strlen(s) : 0 }; }
/*
 * Ids, regions and owners are short: they are compared eight bytes at a time, then byte by byte,
 * rather than through libc's memcmp, whose masked vector loads proved slow on some virtual
 * machines once a process has a second thread (and cost a call for a few bytes).
 */
static inline uint64_t kam_load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline int kam_str_eq(kam_str a, kam_str b)
{
	if (a.len != b.len)
		return 0;
	uint32_t i = 0;
	for (; i + 8 <= a.len; i += 8)
		if (kam_load8(a.ptr + i) != kam_load8(b.ptr + i))
			return 0;
	for (; i < a.len; i++)
		if (a.ptr[i] != b.ptr[i])
			return 0;
	return 1;
}

/*
 * Where a text goes in a small cache of recent ones (nslots, a power of two): by its length and
 * end bytes, without hashing it. Texts that repeat from one account to the next (regions,
 * owners) then find their interned copy in one compare.
 */
static inline size_t kam_recent_slot(kam_str s, size_t nslots)
{
	const unsigned char *b = (const unsigned char *)s.ptr;
	size_t at = s.len ? s.len * 31 + b[0] * 7u + b[s.len - 1] : 0;
	return at & (nslots - 1);
}

/* Bytewise comparison, shorter first on a common prefix (the order of ids everywhere). */
static inline int kam_str_cmp(kam_str a, kam_str b)
{
	uint32_t n = a.len < b.len ? a.len : b.len, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x = kam_load8(a.ptr + i), y = kam_load8(b.ptr + i);
		if (x != y) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			x = __builtin_bswap64(x); /* the first byte most significant */
			y = __builtin_bswap64(y);
#endif
			return x < y ? -1 : 1;
		}
	}
	for (; i < n; i++)
		if (a.ptr[i] != b.ptr[i])
			return (unsigned char)a.ptr[i] < (unsigned char)b.ptr[i] ? -1 : 1;
	return (a.len > b.len) - (a.len < b.len);
}

/*
 * Asks the kernel to back a block from malloc or realloc with transparent huge pages (2 MB)
 * when it is KAM_HUGE_MIN bytes or more. An array of a whole book is filled everywhere soon
 * after it is made; with 4 KB pages each of its pages costs a fault, which was a third of an
 * agenda's system time. The kernel may decline (THP off, no free huge page); that costs only
 * the faults again. See kam(1), NOTES, for what it costs on some virtual machines; the
 * environment's KAM_HUGE_PAGES=0 turns huge pages off for the whole process.
 */
#define KAM_HUGE_MIN (8u << 20)
void kam_advise_huge(void *block);

/*
 * Makes room for `need` items of `size` bytes in the array *arr of *cap items, doubling (from
 * 16). Returns 0 or KAM_ENOMEM (the array is unchanged). A large array is advised huge.
 */
int kam_grow(void **arr, size_t *cap, size_t need, size_t size);

/* An owned, growable byte buffer. Zero-initialise, then use; kam_buf_free releases it. */
typedef struct kam_buf {
	uint8_t *data;
	size_t len, cap;
} kam_buf;

/* Makes room for `more` bytes after len. Returns 0 or KAM_ENOMEM (the buffer is unchanged). */
int kam_buf_reserve(kam_buf *b, size_t more);
int kam_buf_append(kam_buf *b, const void *p, size_t n);
int kam_buf_putc(kam_buf *b, int c);
/* Appends an unsigned LEB128 varint. */
int kam_buf_put_varint(kam_buf *b, uint64_t v);
static inline void kam_buf_reset(kam_buf *b) { b->len = 0; }
void kam_buf_free(kam_buf *b);

/* Reads an unsigned LEB128 varint from [*p, end); advances *p. Returns 0 or -1 if malformed. */
int kam_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);
static inline uint64_t kam_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t kam_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif
