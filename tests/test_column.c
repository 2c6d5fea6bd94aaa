/*
 * test_column.c - column.h: rows kept in (date, id) order, encoded and read back exactly in
 * every form (narrow and wide figures, times, optional figures on some rows), and damaged values
 * refused without reading past them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "column.h"

static kam_col_row row(int32_t day, int32_t sec, const char *id)
{
	kam_col_row r = { .date = { day, sec }, .idlen = (uint8_t)strlen(id) };
	memcpy(r.id, id, r.idlen);
	return r;
}

static void add(kam_col_rows *c, kam_col_row r)
{
	size_t at;
	cr_assert_not(kam_col_find(c, r.date, (kam_str){ r.id, r.idlen }, &at));
	cr_assert_eq(kam_col_insert(c, at, &r), 0);
}

/*
 * The plugins' views of rows lo .. n-1 of v (kam_col_order_views, kam_col_interaction_views)
 * against kam_col_fact and the rows' ids.
 */
static void views_equal_facts(const kam_col_view *v, int orders, size_t lo)
{
	const uint8_t *ids = v->ids;
	for (size_t i = 0; i < lo; i++)
		ids += v->idlen[i];
	kam_order_view ov[64];
	kam_interaction_view iv[64];
	cr_assert_leq(v->n, 64);
	if (orders)
		kam_col_order_views(v, lo, v->n, ids, ov);
	else
		kam_col_interaction_views(v, lo, v->n, ids, iv);
	for (size_t i = lo; i < v->n; i++) {
		kam_col_row r;
		kam_col_fact(v, i, &r);
		kam_text id = orders ? ov[i - lo].id : iv[i - lo].id;
		cr_assert(id.len == v->idlen[i] && memcmp(id.ptr, ids, id.len) == 0, "row %zu id", i);
		ids += v->idlen[i];
		if (orders) {
			const kam_order_view *o = &ov[i - lo];
			cr_assert(o->day == r.date.day && o->sec == r.date.sec && o->amount == r.fig &&
					  o->profit == r.opt && o->has_profit == r.has,
				  "order row %zu", i);
		} else {
			const kam_interaction_view *x = &iv[i - lo];
			cr_assert(x->day == r.date.day && x->sec == r.date.sec && x->minutes == r.fig &&
					  x->has_minutes == r.has && x->kind == r.kind &&
					  x->outcome == r.outcome && x->objection == r.objection,
				  "interaction row %zu", i);
		}
	}
}

/*
 * Encodes c, opens the value, checks it and reads it back into a column equal to c, and as the
 * plugins' views.
 */
static void round_trip(const kam_col_rows *c, int orders, unsigned want_flags)
{
	kam_buf b = { 0 };
	cr_assert_eq(kam_col_encode(c, orders, &b), 0);
	cr_assert_eq(b.data[0], want_flags, "flags %#x, wanted %#x", b.data[0], want_flags);
	kam_col_view v;
	cr_assert_eq(kam_col_open(b.data, b.len, orders, &v), 0);
	cr_assert_eq(v.n, c->n);
	cr_assert_eq(kam_col_check(&v), 0);
	kam_col_rows back = { 0 };
	cr_assert_eq(kam_col_load(&back, &v), 0);
	cr_assert_eq(back.n, c->n);
	for (size_t i = 0; i < c->n; i++) {
		const kam_col_row *x = &c->rows[i], *y = &back.rows[i];
		cr_assert_eq(kam_col_day(&v, i), x->date.day);
		cr_assert(x->date.day == y->date.day && x->date.sec == y->date.sec, "row %zu date", i);
		cr_assert(x->idlen == y->idlen && memcmp(x->id, y->id, x->idlen) == 0, "row %zu id", i);
		cr_assert_eq(x->has, y->has, "row %zu has", i);
		cr_assert_eq(orders || x->has ? x->fig : 0, y->fig, "row %zu fig", i);
		cr_assert_eq(x->has ? x->opt : 0, y->opt, "row %zu opt", i);
		cr_assert(x->kind == y->kind && x->outcome == y->outcome &&
				  x->objection == y->objection,
			  "row %zu codes", i);
	}
	views_equal_facts(&v, orders, 0);
	views_equal_facts(&v, orders, 1);
	kam_col_free(&back);
	kam_buf_free(&b);
}

Test(column, rows_kept_in_date_then_id_order)
{
	kam_col_rows c = { 0 };
	add(&c, row(20, KAM_NO_TIME, "b"));
	add(&c, row(10, 3600, "a"));
	add(&c, row(20, 0, "a"));
	add(&c, row(20, KAM_NO_TIME, "a"));
	add(&c, row(10, KAM_NO_TIME, "z"));
	add(&c, row(20, KAM_NO_TIME, "ab"));
	const char *want[] = { "z", "a", "a", "ab", "b", "a" };
	int32_t days[] = { 10, 10, 20, 20, 20, 20 };
	cr_assert_eq(c.n, 6);
	for (size_t i = 0; i < c.n; i++) {
		cr_assert_eq(c.rows[i].date.day, days[i]);
		cr_assert(c.rows[i].idlen == strlen(want[i]) &&
				  memcmp(c.rows[i].id, want[i], c.rows[i].idlen) == 0,
			  "row %zu", i);
	}
	size_t at;
	cr_assert(kam_col_find(&c, (kam_date){ 20, KAM_NO_TIME }, KAM_STR("ab"), &at));
	cr_assert_eq(at, 3);
	kam_col_remove(&c, at);
	cr_assert_not(kam_col_find(&c, (kam_date){ 20, KAM_NO_TIME }, KAM_STR("ab"), &at));
	cr_assert_eq(at, 3);
	cr_assert_eq(c.n, 5);
	kam_col_free(&c);
}

Test(column, orders_round_trip)
{
	kam_col_rows c = { 0 };
	kam_col_row r = row(19000, KAM_NO_TIME, "O1");
	r.fig = 1000500; /* 100.05 */
	add(&c, r);
	r = row(19001, KAM_NO_TIME, "O2");
	r.fig = -2500;
	r.has = true;
	r.opt = 300;
	add(&c, r);
	/* narrow money, some rows with a profit */
	round_trip(&c, 1, COL_NARROW | COL_OPT | COL_SOME);
	/* every row with a profit: no bitmap */
	c.rows[0].has = true;
	round_trip(&c, 1, COL_NARROW | COL_OPT);
	/* a figure with four decimals, a time: wide, with times */
	c.rows[1].fig = 999999;
	c.rows[1].date.sec = 86399;
	round_trip(&c, 1, COL_TIMES | COL_OPT);
	/* a figure beyond 32 bits of hundredths */
	c.rows[1].fig = (int64_t)1 << 40;
	c.rows[1].date.sec = KAM_NO_TIME;
	c.rows[0].has = c.rows[1].has = false;
	round_trip(&c, 1, 0);
	kam_col_free(&c);
}

Test(column, interactions_round_trip)
{
	kam_col_rows c = { 0 };
	for (int i = 0; i < 20; i++) {
		char id[8];
		snprintf(id, sizeof(id), "I%02d", i);
		kam_col_row r = row(19000 + i, i % 3 ? KAM_NO_TIME : 60 * i, id);
		r.kind = (uint8_t)(KAM_IK_CALL + i % 5);
		r.outcome = (uint8_t)(i % 6);
		r.objection = i % 4 ? 0 : (uint8_t)(1 + i % 7);
		r.has = i % 2;
		r.fig = r.has ? 5 * i : 0;
		add(&c, r);
	}
	round_trip(&c, 0, COL_TIMES | COL_NARROW | COL_OPT | COL_SOME | COL_OBJECTION);
	for (size_t i = 0; i < c.n; i++)
		c.rows[i].objection = 0, c.rows[i].has = 0, c.rows[i].date.sec = KAM_NO_TIME;
	round_trip(&c, 0, COL_NARROW);
	c.rows[3].has = true;
	c.rows[3].fig = (int64_t)1 << 33;
	round_trip(&c, 0, COL_OPT | COL_SOME);
	kam_col_free(&c);
}

/* A valid value of two interactions, every prefix and every single-byte change of it. */
Test(column, damaged_values_refused)
{
	kam_col_rows c = { 0 };
	kam_col_row r = row(19000, 600, "I1");
	r.kind = KAM_IK_CALL;
	r.has = true;
	r.fig = 7;
	r.objection = 2;
	add(&c, r);
	r = row(19002, KAM_NO_TIME, "I2");
	r.kind = KAM_IK_VISIT;
	add(&c, r);
	kam_buf b = { 0 };
	cr_assert_eq(kam_col_encode(&c, 0, &b), 0);
	kam_col_view v;
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *p = malloc(len ? len : 1); /* exactly len bytes, for ASan */
		memcpy(p, b.data, len);
		cr_assert_eq(kam_col_open(p, len, 0, &v), KAM_ECORRUPT, "a prefix of %zu bytes", len);
		free(p);
	}
	cr_assert_eq(kam_col_open(b.data, b.len, 1, &v), KAM_ECORRUPT, "objections in orders");
	for (size_t i = 0; i < b.len; i++) {
		for (int bitn = 0; bitn < 8; bitn++) {
			uint8_t *p = malloc(b.len);
			memcpy(p, b.data, b.len);
			p[i] ^= (uint8_t)(1u << bitn);
			/* Opened or not, checked or not: never read beyond the value. */
			if (kam_col_open(p, b.len, 0, &v) == 0 && kam_col_check(&v) == 0) {
				kam_col_rows back = { 0 };
				cr_assert_eq(kam_col_load(&back, &v), 0);
				kam_col_free(&back);
			}
			free(p);
		}
	}
	/* rows out of order open (the sizes hold) but do not check */
	uint8_t *p = b.data + 2; /* flags, n: the days */
	uint8_t t[4];
	memcpy(t, p, 4);
	memcpy(p, p + 4, 4);
	memcpy(p + 4, t, 4);
	cr_assert_eq(kam_col_open(b.data, b.len, 0, &v), 0);
	cr_assert_eq(kam_col_check(&v), KAM_ECORRUPT);
	kam_col_rows back = { 0 };
	cr_assert_eq(kam_col_load(&back, &v), KAM_ECORRUPT);
	kam_col_free(&back);
	kam_buf_free(&b);
	kam_col_free(&c);
}
