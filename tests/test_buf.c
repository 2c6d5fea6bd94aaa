/* test_buf.c - string views (kam_str_eq, kam_str_cmp against memcmp's order) and kam_grow. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* The mapping of /proc/self/smaps that holds address p: its bounds and THPeligible flag. */
static int mapping_of(uintptr_t p, uintptr_t *lo, uintptr_t *hi, int *eligible)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return 0;
	char line[512];
	int found = 0;
	*eligible = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		int e;
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) { /* a mapping's first line */
			if (found)
				break;
			found = p >= a && p < b;
			*lo = a;
			*hi = b;
		} else if (found && sscanf(line, "THPeligible: %d", &e) == 1) {
			*eligible = e;
		}
	}
	fclose(f);
	return found;
}

static int thp_available(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	return *line && !strstr(line, "[never]");
}

/*
 * A whole-book array grown by doubling: its contents survive every move, and once large it is
 * advised huge as one mapping. Advising only its inside would split the mapping, and realloc
 * would then copy the array at each doubling instead of moving it with mremap.
 */
/* A 64 MB array grown by doubling, its items checked after every move; *cap its capacity. */
static uint64_t *grown_array(size_t *cap)
{
	uint64_t *a = NULL;
	size_t n = (64u << 20) / sizeof(*a);
	*cap = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(kam_grow((void **)&a, cap, i + 1, sizeof(*a)), 0);
		a[i] = i * 2654435761u;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != i * 2654435761u)
			cr_assert_fail("item %zu lost in a move", i);
	return a;
}

Test(grow, large_array_is_one_advised_mapping)
{
	size_t cap;
	uint64_t *a = grown_array(&cap);
	uintptr_t lo = 0, hi = 0; /* the mapping holding the array's first item */
	int eligible = -1;
	if (!mapping_of((uintptr_t)a, &lo, &hi, &eligible)) {
		free(a);
		cr_skip_test("no /proc/self/smaps here");
	}
	cr_expect_geq(hi, (uintptr_t)(a + cap), "the array spans two mappings");
	if (thp_available() && eligible >= 0)
		cr_expect_eq(eligible, 1, "the array's mapping is not advised huge");
	free(a);
}

/* KAM_HUGE_PAGES=0 turns them off for the process (each test runs in a process of its own). */
Test(grow, huge_pages_off_by_environment)
{
	setenv("KAM_HUGE_PAGES", "0", 1);
	size_t cap;
	uint64_t *a = grown_array(&cap);
	uintptr_t lo = 0, hi = 0;
	int eligible = -1;
	if (!mapping_of((uintptr_t)a, &lo, &hi, &eligible) || !thp_available() || eligible < 0) {
		free(a);
		cr_skip_test("no huge pages to turn off here");
	}
	/* a plugin's own advice (plugins/common/bigmem.c) must not bring them back */
	cr_assert_eq(madvise((void *)lo, hi - lo, MADV_HUGEPAGE), 0);
	cr_assert(mapping_of((uintptr_t)a, &lo, &hi, &eligible));
	cr_expect_eq(eligible, 0, "huge pages still on with KAM_HUGE_PAGES=0");
	free(a);
}
