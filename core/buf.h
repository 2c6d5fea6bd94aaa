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
static inline int kam_str_eq(kam_str a, kam_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}
/* Bytewise comparison, shorter first on a common prefix (the order of ids everywhere). */
static inline int kam_str_cmp(kam_str a, kam_str b)
{
	uint32_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
	return c ? c : (a.len > b.len) - (a.len < b.len);
}

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
