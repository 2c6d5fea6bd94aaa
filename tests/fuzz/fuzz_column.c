/*
 * fuzz_column.c - libFuzzer target for the columns of an account's orders or interactions
 * (column.h), the values a whole-book pass reads in place.
 *
 * The first byte chooses the kind; the rest is a stored value. Opening must never read beyond
 * it; a value that opens and checks must load, and encode again to a value that opens, checks
 * and loads to the very same rows.
 */
#include <stdlib.h>
#include <string.h>

#include "column.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: the fuzzer keeps the input that made it. */
static void expect(int ok)
{
	if (!ok)
		abort();
}

static int same_rows(const kam_col_rows *a, const kam_col_rows *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const kam_col_row *x = &a->rows[i], *y = &b->rows[i];
		if (x->date.day != y->date.day || x->date.sec != y->date.sec || x->fig != y->fig ||
		    x->opt != y->opt || x->has != y->has || x->kind != y->kind ||
		    x->outcome != y->outcome || x->objection != y->objection || x->idlen != y->idlen ||
		    memcmp(x->id, y->id, x->idlen) != 0)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int orders = data[0] & 1;
	/* a copy of exactly the value's size, so that ASan sees any read past it */
	uint8_t *val = malloc(size - 1 ? size - 1 : 1);
	memcpy(val, data + 1, size - 1);
	kam_col_view v;
	kam_col_rows first = { 0 }, again = { 0 };
	kam_buf b = { 0 };
	if (kam_col_open(val, size - 1, orders, &v) == 0) {
		for (size_t i = 0; i < v.n; i++)
			(void)kam_col_day(&v, i);
		if (kam_col_check(&v) == 0) {
			expect(kam_col_load(&first, &v) == 0);
			expect(kam_col_encode(&first, orders, &b) == 0);
			expect(kam_col_open(b.data, b.len, orders, &v) == 0);
			expect(kam_col_check(&v) == 0);
			expect(kam_col_load(&again, &v) == 0);
			expect(same_rows(&first, &again));
		}
	}
	kam_buf_free(&b);
	kam_col_free(&first);
	kam_col_free(&again);
	free(val);
	return 0;
}
