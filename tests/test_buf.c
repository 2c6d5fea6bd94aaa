/* test_buf.c - string views: kam_str_eq and kam_str_cmp against memcmp's order. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The reference: memcmp over the common prefix, then the shorter first. */
static int ref_cmp(kam_str a, kam_str b)
{
	uint32_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (a.len > b.len) - (a.len < b.len);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * Random pairs that share long prefixes and differ in a few bytes (so that the eight-byte steps
 * and the byte tail both decide, and which differing byte comes first matters), with bytes
 * above 0x7f (which must sort after the ASCII ones) and NUL bytes.
 */
Test(str, compare_like_memcmp)
{
	static const unsigned char alphabet[] = { 0x00, 'A', 'a', '0', 0x7f, 0x80, 0xc3, 0xff };
	char a[40], b[40];
	srand(7);
	for (int round = 0; round < 200000; round++) {
		uint32_t la = (uint32_t)(rand() % 34), lb = (uint32_t)(rand() % 34);
		for (uint32_t i = 0; i < 34; i++)
			a[i] = b[i] = (char)alphabet[rand() % 8];
		for (int k = rand() % 4; k > 0; k--) /* differ in up to three bytes, anywhere */
			b[rand() % 34] = (char)alphabet[rand() % 8];
		kam_str x = { a, la }, y = { b, lb };
		cr_assert_eq(sign(kam_str_cmp(x, y)), ref_cmp(x, y), "round %d: lengths %u, %u", round,
			     la, lb);
		cr_assert_eq(kam_str_eq(x, y), ref_cmp(x, y) == 0, "round %d", round);
	}
	cr_assert_eq(kam_str_cmp((kam_str){ NULL, 0 }, (kam_str){ NULL, 0 }), 0);
	cr_assert(kam_str_eq((kam_str){ NULL, 0 }, KAM_STR("")));
	cr_assert_lt(kam_str_cmp(KAM_STR("A0000001"), KAM_STR("A00000010")), 0);
	cr_assert_gt(kam_str_cmp(KAM_STR("A0000002"), KAM_STR("A00000010")), 0);
	cr_assert_gt(kam_str_cmp(KAM_STR("abcdefgh\xff"), KAM_STR("abcdefgh\x01")), 0);
	cr_assert_lt(kam_str_cmp(KAM_STR("\x01" "bcdefghi"), KAM_STR("\xff" "bcdefghi")), 0);
	cr_assert_lt(kam_str_cmp(KAM_STR("a0000009"), KAM_STR("b0000000")), 0, "the first byte decides");
}
