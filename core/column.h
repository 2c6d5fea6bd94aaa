/*
 * column.h - the orders or the interactions of one account as one stored value, in fixed-width
 * columns (store.c keeps one per account and kind).
 *
 * A whole-book model reads the facts of a million accounts: one value per account, whose
 * columns it reads without decoding anything per fact, costs a fraction of walking an index
 * entry per fact (bench/README.md, "What another layout of the orders would buy").
 *
 * Layout (all integers little-endian):
 *
 *   flags byte, varint n (>= 1), then n entries of each column present, in (date, id) order:
 *     day      i32                                   always
 *     sec      i32, KAM_NO_TIME for none              COL_TIMES
 *     orders:        amount                           always
 *                    profit                           COL_OPT
 *     interactions:  kind | outcome << 3 (u8)         always
 *                    objection (u8, 0 = none)         COL_OBJECTION
 *                    minutes                          COL_OPT
 *     has      bitmap of ceil(n / 8) bytes: which rows have the optional figure
 *                                                     COL_OPT and COL_SOME
 *     id length u8 (1..KAM_ID_MAX)                    always
 *     ids      the ids' bytes, one after the other     always
 *
 * Figures are i32 with COL_NARROW (money: in hundredths), else i64 (money: ten-thousandths).
 */
#ifndef KAM_COLUMN_H
#define KAM_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kam/plugin.h>

#include "buf.h"
#include "date.h"
#include "record.h"

enum {
	COL_TIMES = 1 << 0,
	COL_NARROW = 1 << 1,
	COL_OPT = 1 << 2,
	COL_SOME = 1 << 3,
	COL_OBJECTION = 1 << 4,
	COL_FLAGS = (1 << 5) - 1,
};

/* One fact as a write transaction holds it (the id inline, so that rows can move). */
typedef struct kam_col_row {
	kam_date date;
	int64_t fig;    /* amount, or minutes */
	int64_t opt;    /* profit (orders only) */
	bool has;       /* orders: has a profit; interactions: has minutes */
	uint8_t kind, outcome, objection; /* interactions */
	uint8_t idlen;
	char id[KAM_ID_MAX];
} kam_col_row;

/* The facts of one account of a write transaction: rows in (date, id) order. */
typedef struct kam_col_rows {
	kam_col_row *rows;
	size_t n, cap;
} kam_col_rows;

/* A stored value, opened for reading in place (kam_col_open). */
typedef struct kam_col_view {
	int orders; /* the kind: orders, else interactions */
	unsigned flags;
	size_t n;
	const uint8_t *day, *sec, *fig, *opt, *code, *objection, *has, *idlen, *ids;
} kam_col_view;

/*
 * Opens the stored value p[0..len) of orders (orders != 0) or interactions. Checks its size
 * against its columns and every id length, not the order of its rows (kam_col_check). Returns 0
 * or KAM_ECORRUPT.
 */
int kam_col_open(const void *p, size_t len, int orders, kam_col_view *v);

static inline int32_t kam_col_day(const kam_col_view *v, size_t i)
{
	int32_t d;
	memcpy(&d, v->day + 4 * i, 4);
	return d;
}

/* Row i's date, and its figures (fig, opt, has, kind, outcome, objection); id left out. */
void kam_col_fact(const kam_col_view *v, size_t i, kam_col_row *row);

/*
 * Rows lo .. hi-1 of a view as the plugins see them (kam_col_fact's fields, and each row's id:
 * `ids` points at row lo's), into out: the views plugins' orders() and interactions() serve,
 * a million accounts' worth in a whole-book run, made without a call per row.
 */
void kam_col_order_views(const kam_col_view *v, size_t lo, size_t hi, const uint8_t *ids,
			 kam_order_view *out);
void kam_col_interaction_views(const kam_col_view *v, size_t lo, size_t hi, const uint8_t *ids,
			       kam_interaction_view *out);

/* KAM_ECORRUPT unless the rows are in strictly increasing (date, id) order with valid fields. */
int kam_col_check(const kam_col_view *v);

/* Reads a whole view into c (emptied first). Returns 0, KAM_ENOMEM or KAM_ECORRUPT. */
int kam_col_load(kam_col_rows *c, const kam_col_view *v);

/*
 * The position of (date, id) in c: sets *at to its index, or to where it would go, and returns
 * whether it is there.
 */
bool kam_col_find(const kam_col_rows *c, kam_date date, kam_str id, size_t *at);

/* Inserts row at position `at` (kam_col_find's). Returns 0 or KAM_ENOMEM. */
int kam_col_insert(kam_col_rows *c, size_t at, const kam_col_row *row);
void kam_col_remove(kam_col_rows *c, size_t at);
void kam_col_free(kam_col_rows *c);

/* Encodes the n >= 1 rows of c into b (reset first). Returns 0 or KAM_ENOMEM. */
int kam_col_encode(const kam_col_rows *c, int orders, kam_buf *b);

#endif
