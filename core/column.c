/* column.c - one account's orders or interactions as fixed-width columns (column.h). */
#include "column.h"

#include <stdlib.h>

#include <kam/errors.h>

static int32_t get_i32(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int64_t get_i64(const uint8_t *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* A figure of column p, row i. Narrow money is in hundredths of what kam_money counts. */
static int64_t get_fig(const uint8_t *p, size_t i, unsigned flags, int money)
{
	if (!(flags & COL_NARROW))
		return get_i64(p + 8 * i);
	int64_t v = get_i32(p + 4 * i);
	return money ? v * 100 : v;
}

static int bit(const uint8_t *bits, size_t i)
{
	return bits[i / 8] >> (i % 8) & 1;
}

int kam_col_open(const void *p, size_t len, int orders, kam_col_view *v)
{
	const uint8_t *b = p, *end = b + len;
	uint64_t n;
	if (len < 2 || (b[0] & ~(unsigned)COL_FLAGS) || (orders && (b[0] & COL_OBJECTION)) ||
	    ((b[0] & COL_SOME) && !(b[0] & COL_OPT)))
		return KAM_ECORRUPT;
	unsigned flags = b[0];
	b++;
	if (kam_varint_get(&b, end, &n) || n == 0 || n > len)
		return KAM_ECORRUPT;
	size_t fw = flags & COL_NARROW ? 4 : 8, need = 4 * n + n;
	if (flags & COL_TIMES)
		need += 4 * n;
	need += orders ? fw * n : n;
	if (flags & COL_OPT)
		need += fw * n;
	if (flags & COL_OBJECTION)
		need += n;
	if (flags & COL_SOME)
		need += (n + 7) / 8;
	if ((size_t)(end - b) < need)
		return KAM_ECORRUPT;
	*v = (kam_col_view){ .orders = orders, .flags = flags, .n = n };
	v->day = b;
	b += 4 * n;
	if (flags & COL_TIMES) {
		v->sec = b;
		b += 4 * n;
	}
	if (orders) {
		v->fig = b;
		b += fw * n;
		if (flags & COL_OPT) {
			v->opt = b;
			b += fw * n;
		}
	} else {
		v->code = b;
		b += n;
		if (flags & COL_OBJECTION) {
			v->objection = b;
			b += n;
		}
		if (flags & COL_OPT) {
			v->fig = b;
			b += fw * n;
		}
	}
	if (flags & COL_SOME) {
		v->has = b;
		b += (n + 7) / 8;
	}
	v->idlen = b;
	b += n;
	size_t ids = 0;
	for (size_t i = 0; i < n; i++) {
		if (v->idlen[i] == 0 || v->idlen[i] > KAM_ID_MAX)
			return KAM_ECORRUPT;
		ids += v->idlen[i];
	}
	if ((size_t)(end - b) != ids)
		return KAM_ECORRUPT;
	v->ids = b;
	return 0;
}

/* Row i's seconds of the day, or KAM_NO_TIME. */
static inline int32_t row_sec(const kam_col_view *v, size_t i)
{
	return v->sec ? get_i32(v->sec + 4 * i) : KAM_NO_TIME;
}

/* Whether row i has the optional figure (profit, minutes). */
static inline int row_has(const kam_col_view *v, size_t i)
{
	return (v->flags & COL_OPT) && (!(v->flags & COL_SOME) || bit(v->has, i));
}

void kam_col_fact(const kam_col_view *v, size_t i, kam_col_row *row)
{
	row->date.day = kam_col_day(v, i);
	row->date.sec = row_sec(v, i);
	unsigned f = v->flags;
	int has = row_has(v, i);
	row->has = has;
	row->opt = 0;
	if (v->orders) {
		row->fig = get_fig(v->fig, i, f, 1);
		if (has)
			row->opt = get_fig(v->opt, i, f, 1);
		row->kind = row->outcome = row->objection = 0;
		return;
	}
	row->fig = has ? get_fig(v->fig, i, f, 0) : 0;
	row->kind = v->code[i] & 7;
	row->outcome = v->code[i] >> 3 & 7;
	row->objection = v->objection ? v->objection[i] : 0;
}

void kam_col_order_views(const kam_col_view *v, size_t lo, size_t hi, const uint8_t *ids,
			 kam_order_view *out)
{
	unsigned f = v->flags;
	const char *id = (const char *)ids;
	for (size_t i = lo; i < hi; i++, out++) {
		int has = row_has(v, i);
		*out = (kam_order_view){
			.id = { id, v->idlen[i] },
			.day = kam_col_day(v, i),
			.sec = row_sec(v, i),
			.amount = get_fig(v->fig, i, f, 1),
			.profit = has ? get_fig(v->opt, i, f, 1) : 0,
			.has_profit = (uint8_t)has,
		};
		id += v->idlen[i];
	}
}

void kam_col_interaction_views(const kam_col_view *v, size_t lo, size_t hi, const uint8_t *ids,
			       kam_interaction_view *out)
{
	unsigned f = v->flags;
	const char *id = (const char *)ids;
	for (size_t i = lo; i < hi; i++, out++) {
		int has = row_has(v, i);
		*out = (kam_interaction_view){
			.id = { id, v->idlen[i] },
			.day = kam_col_day(v, i),
			.sec = row_sec(v, i),
			.minutes = has ? get_fig(v->fig, i, f, 0) : 0,
			.has_minutes = (uint8_t)has,
			.kind = v->code[i] & 7,
			.outcome = v->code[i] >> 3 & 7,
			.objection = v->objection ? v->objection[i] : 0,
		};
		id += v->idlen[i];
	}
}

/* (date, id) order of two rows' keys. */
static int key_cmp(kam_date da, kam_str ia, kam_date db, kam_str ib)
{
	if (da.day != db.day)
		return da.day < db.day ? -1 : 1;
	if (da.sec != db.sec)
		return da.sec < db.sec ? -1 : 1; /* KAM_NO_TIME first, as the day alone */
	return kam_str_cmp(ia, ib);
}

int kam_col_check(const kam_col_view *v)
{
	const char *id = (const char *)v->ids, *prev = NULL;
	kam_date pd = { 0, 0 };
	for (size_t i = 0; i < v->n; i++) {
		kam_col_row r;
		kam_col_fact(v, i, &r);
		kam_str s = { id, v->idlen[i] };
		if (memchr(id, 0, s.len) || (r.date.sec != KAM_NO_TIME &&
					     (r.date.sec < 0 || r.date.sec >= 86400)))
			return KAM_ECORRUPT;
		if (!v->orders && (r.kind < KAM_IK_CALL || r.kind > KAM_IK_OTHER || r.outcome > KAM_OUT_CALLBACK ||
				   (v->code[i] >> 6) || r.objection > KAM_OBJ_BAD_PAST_EXPERIENCE ||
				   r.fig < 0))
			return KAM_ECORRUPT;
		if (prev && key_cmp(pd, (kam_str){ prev, v->idlen[i - 1] }, r.date, s) >= 0)
			return KAM_ECORRUPT;
		prev = id;
		pd = r.date;
		id += s.len;
	}
	return 0;
}

int kam_col_load(kam_col_rows *c, const kam_col_view *v)
{
	c->n = 0;
	if (kam_col_check(v))
		return KAM_ECORRUPT;
	if (kam_grow((void **)&c->rows, &c->cap, v->n, sizeof(*c->rows)))
		return KAM_ENOMEM;
	const uint8_t *id = v->ids;
	for (size_t i = 0; i < v->n; i++) {
		kam_col_row *r = &c->rows[i];
		kam_col_fact(v, i, r);
		r->idlen = v->idlen[i];
		memcpy(r->id, id, r->idlen);
		id += r->idlen;
	}
	c->n = v->n;
	return 0;
}

static int row_cmp(const kam_col_row *r, kam_date date, kam_str id)
{
	return key_cmp(r->date, (kam_str){ r->id, r->idlen }, date, id);
}

bool kam_col_find(const kam_col_rows *c, kam_date date, kam_str id, size_t *at)
{
	size_t lo = 0, hi = c->n;
	/* Rows mostly come in order (an import): try the end first. */
	if (hi && row_cmp(&c->rows[hi - 1], date, id) < 0)
		lo = hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = row_cmp(&c->rows[mid], date, id);
		if (cmp == 0) {
			*at = mid;
			return true;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

int kam_col_insert(kam_col_rows *c, size_t at, const kam_col_row *row)
{
	if (kam_grow((void **)&c->rows, &c->cap, c->n + 1, sizeof(*c->rows)))
		return KAM_ENOMEM;
	memmove(c->rows + at + 1, c->rows + at, (c->n - at) * sizeof(*c->rows));
	c->rows[at] = *row;
	c->n++;
	return 0;
}

void kam_col_remove(kam_col_rows *c, size_t at)
{
	memmove(c->rows + at, c->rows + at + 1, (c->n - at - 1) * sizeof(*c->rows));
	c->n--;
}

void kam_col_free(kam_col_rows *c)
{
	free(c->rows);
	*c = (kam_col_rows){ 0 };
}

static void put_i32(uint8_t *p, int32_t v)
{
	memcpy(p, &v, 4);
}

static void put_fig(uint8_t *p, size_t i, int64_t v, int narrow, int money)
{
	if (narrow)
		put_i32(p + 4 * i, (int32_t)(money ? v / 100 : v));
	else
		memcpy(p + 8 * i, &v, 8);
}

/* Whether a figure fits a narrow column. */
static int narrow_ok(int64_t v, int money)
{
	if (money && v % 100)
		return 0;
	if (money)
		v /= 100;
	return v >= INT32_MIN && v <= INT32_MAX;
}

int kam_col_encode(const kam_col_rows *c, int orders, kam_buf *b)
{
	size_t n = c->n, some = 0;
	unsigned flags = COL_NARROW;
	for (size_t i = 0; i < n; i++) {
		const kam_col_row *r = &c->rows[i];
		if (r->date.sec != KAM_NO_TIME)
			flags |= COL_TIMES;
		if (r->has)
			some++;
		if (!orders && r->objection)
			flags |= COL_OBJECTION;
		if ((orders || r->has) && !narrow_ok(r->fig, orders))
			flags &= ~(unsigned)COL_NARROW;
		if (orders && r->has && !narrow_ok(r->opt, 1))
			flags &= ~(unsigned)COL_NARROW;
	}
	if (some)
		flags |= COL_OPT | (some < n ? COL_SOME : 0);
	size_t fw = flags & COL_NARROW ? 4 : 8, ids = 0;
	for (size_t i = 0; i < n; i++)
		ids += c->rows[i].idlen;
	size_t need = 1 + 10 + 4 * n + (flags & COL_TIMES ? 4 * n : 0) + (orders ? fw * n : n) +
		      (flags & COL_OPT ? fw * n : 0) + (flags & COL_OBJECTION ? n : 0) +
		      (flags & COL_SOME ? (n + 7) / 8 : 0) + n + ids;
	kam_buf_reset(b);
	if (kam_buf_reserve(b, need) || kam_buf_putc(b, (int)flags) || kam_buf_put_varint(b, n))
		return KAM_ENOMEM;
	uint8_t *p = b->data + b->len, *day = p, *sec = NULL, *fig, *opt = NULL, *code = NULL,
		*obj = NULL, *has = NULL;
	p += 4 * n;
	if (flags & COL_TIMES) {
		sec = p;
		p += 4 * n;
	}
	if (orders) {
		fig = p;
		p += fw * n;
		if (flags & COL_OPT) {
			opt = p;
			p += fw * n;
		}
	} else {
		code = p;
		p += n;
		if (flags & COL_OBJECTION) {
			obj = p;
			p += n;
		}
		fig = flags & COL_OPT ? p : NULL;
		if (fig)
			p += fw * n;
	}
	if (flags & COL_SOME) {
		has = p;
		memset(has, 0, (n + 7) / 8);
		p += (n + 7) / 8;
	}
	uint8_t *idlen = p, *id = p + n;
	for (size_t i = 0; i < n; i++) {
		const kam_col_row *r = &c->rows[i];
		int narrow = (flags & COL_NARROW) != 0;
		put_i32(day + 4 * i, r->date.day);
		if (sec)
			put_i32(sec + 4 * i, r->date.sec);
		if (orders) {
			put_fig(fig, i, r->fig, narrow, 1);
			if (opt)
				put_fig(opt, i, r->has ? r->opt : 0, narrow, 1);
		} else {
			code[i] = (uint8_t)(r->kind | r->outcome << 3);
			if (obj)
				obj[i] = r->objection;
			if (fig)
				put_fig(fig, i, r->has ? r->fig : 0, narrow, 0);
		}
		if (has && r->has)
			has[i / 8] |= (uint8_t)(1u << (i % 8));
		idlen[i] = r->idlen;
		memcpy(id, r->id, r->idlen);
		id += r->idlen;
	}
	b->len = (size_t)(id - b->data);
	return 0;
}
