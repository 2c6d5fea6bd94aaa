/*
 * snapshot.c - segmentation snapshots: headers, per-account results in blocks, current pointers.
 *
 * A header is a version byte followed by varints and length-prefixed strings (see
 * header_encode). Results are grouped into blocks of consecutive accounts, each block stored
 * under BE64(id) + the id of its first account, so that saving a million results costs a few
 * hundred puts and reading a whole snapshot is a sequential walk. A block (versions 3 and 4):
 *
 *   version byte, count, the length of the details, then
 *   the details, per result: factor count, per factor: head = name sref << 1 | has_note, the
 *     name's text when new, value (num), and the note (sref) when has_note; in a value block
 *     (version 4) then the value part (value_encode)
 *   the keys, per result: id length, id bytes, tier byte, score (num), region (sref)
 *
 * Each part has a dictionary of its own, so a reader of keys alone (tiers, scores, regions: the
 * agenda, kam tiers, the current tiers) skips the details unread. Blocks written before
 * 2026-11-27 (versions 1 and 2, still read) hold each result whole in turn: its keys, then its
 * details, with one dictionary.
 *
 * sref: a varint k; 1 = a new string follows (length, bytes) and joins the part's dictionary,
 * k >= 2 = dictionary entry k - 2. Regions, factor names and notes repeat on almost every row,
 * so most of them cost one byte.
 * num: a varint h; h & 3 == 0: the integer unzigzag(h >> 2); 1: unzigzag(h >> 2) / 10000 (money
 * figures); h == 2: the 8 bytes of the double follow, little-endian; h == 3 (factors only): the
 * same value as the row's score. Only values that decode back to the very same bits use the
 * short forms.
 */
#include "snapshot.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"

#define FORMAT_VERSION 1 /* of headers */
/* Result blocks: keys and details apart (3, 4), or rows whole (1, 2); value snapshots' rows
   also carry a value part (2, 4: see value_encode). */
#define BLOCK_WHOLE 1
#define BLOCK_WHOLE_VALUE 2
#define BLOCK_SPLIT 3
#define BLOCK_SPLIT_VALUE 4
#define BLOCK_BYTES (48 * 1024) /* a block closes once its encoding reaches this size */
#define SEQ_KEY "seq:snapshot"
#define SEG_PREFIX "seg:"
#define SEG_PREFIX_LEN 4
#define VAL_PREFIX "val:" /* current pointers of value snapshots; the same length as SEG_PREFIX */
#define FACTOR_SLOTS 16 /* sref positions of the region and the factors' name/note pairs */
/* sref positions remembered per row: those, then the recommendation and the metric names */
#define SLOTS (FACTOR_SLOTS + 1 + 31)

/* ---- small encodings ---- */

static void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int put_str(kam_buf *b, const char *p, size_t len)
{
	int rc = kam_buf_put_varint(b, len);
	return rc ? rc : kam_buf_append(b, p, len);
}

static int put_cstr(kam_buf *b, const char *s)
{
	return put_str(b, s ? s : "", s ? strlen(s) : 0);
}

static uint64_t double_bits(double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	return u;
}

/* A bounded reader over one stored value; any malformation makes it fail for good. */
typedef struct reader {
	const uint8_t *p, *end;
	int bad;
} reader;

static inline uint64_t get_varint(reader *r)
{
	uint64_t v = 0;
	/* most are one byte: codes, counts, tiers' small numbers */
	if (r->p < r->end && *r->p < 0x80)
		return r->bad ? 0 : *r->p++;
	if (!r->bad && kam_varint_get(&r->p, r->end, &v))
		r->bad = 1;
	return r->bad ? 0 : v;
}

static uint8_t get_byte(reader *r)
{
	if (r->bad || r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	return *r->p++;
}

static kam_str get_str(reader *r)
{
	uint64_t len = get_varint(r);
	if (r->bad || len > (uint64_t)(r->end - r->p) || len > UINT32_MAX) {
		r->bad = 1;
		return (kam_str){ "", 0 };
	}
	kam_str s = { (const char *)r->p, (uint32_t)len };
	r->p += len;
	return s;
}

/* Reads a number; `score` gives the value of the "same as the score" form (NULL: refused). */
static double get_num(reader *r, const double *score)
{
	uint64_t h = get_varint(r);
	if (r->bad)
		return 0;
	switch (h & 3) {
	case 0: return (double)kam_unzigzag(h >> 2);
	case 1: return (double)kam_unzigzag(h >> 2) / 10000.0;
	case 3:
		if (h != 3 || !score)
			break;
		return *score;
	default:
		if (h != 2 || r->end - r->p < 8)
			break;
		uint64_t u = 0;
		for (int i = 0; i < 8; i++)
			u |= (uint64_t)r->p[i] << (8 * i);
		r->p += 8;
		double v;
		memcpy(&v, &u, sizeof(v));
		return v;
	}
	r->bad = 1;
	return 0;
}

static char *str_dup(kam_str s)
{
	char *p = malloc((size_t)s.len + 1);
	if (p) {
		if (s.len)
			memcpy(p, s.ptr, s.len);
		p[s.len] = 0;
	}
	return p;
}

/* ---- headers ---- */

static int header_encode(kam_buf *b, const kam_snapshot_info *in)
{
	int rc = kam_buf_putc(b, FORMAT_VERSION);
	rc = rc ? rc : kam_buf_put_varint(b, (uint64_t)(uint32_t)in->kind);
	rc = rc ? rc : put_cstr(b, in->model);
	rc = rc ? rc : put_cstr(b, in->model_version);
	rc = rc ? rc : kam_buf_put_varint(b, in->nparams);
	for (size_t i = 0; !rc && i < in->nparams; i++) {
		rc = put_cstr(b, in->params[i].name);
		rc = rc ? rc : put_cstr(b, in->params[i].value);
	}
	rc = rc ? rc : kam_buf_put_varint(b, kam_zigzag(in->as_of));
	rc = rc ? rc : kam_buf_put_varint(b, kam_zigzag(in->taken_at));
	rc = rc ? rc : kam_buf_put_varint(b, in->nregions);
	for (size_t i = 0; !rc && i < in->nregions; i++)
		rc = put_cstr(b, in->regions[i]);
	rc = rc ? rc : kam_buf_put_varint(b, in->accounts);
	return rc;
}

void kam_snapshot_info_free(kam_snapshot_info *info)
{
	if (!info)
		return;
	free(info->model);
	free(info->model_version);
	for (size_t i = 0; info->params && i < info->nparams; i++) {
		free((char *)info->params[i].name);
		free((char *)info->params[i].value);
	}
	free(info->params);
	for (size_t i = 0; info->regions && i < info->nregions; i++)
		free(info->regions[i]);
	free(info->regions);
	memset(info, 0, sizeof(*info));
}

static int header_decode(uint64_t id, kam_str value, kam_snapshot_info *out)
{
	reader r = { (const uint8_t *)value.ptr, (const uint8_t *)value.ptr + value.len, 0 };
	memset(out, 0, sizeof(*out));
	out->id = id;
	if (get_byte(&r) != FORMAT_VERSION)
		return r.bad ? KAM_ECORRUPT : KAM_EVERSION;
	out->kind = (int)get_varint(&r);
	out->model = str_dup(get_str(&r));
	out->model_version = str_dup(get_str(&r));
	uint64_t n = get_varint(&r);
	if (r.bad || n > (uint64_t)(r.end - r.p))
		goto corrupt;
	if (!out->model || !out->model_version)
		goto nomem;
	if (n && !(out->params = calloc(n, sizeof(*out->params))))
		goto nomem;
	out->nparams = n;
	for (size_t i = 0; i < n; i++) {
		kam_str name = get_str(&r), val = get_str(&r);
		if (r.bad)
			goto corrupt;
		out->params[i].name = str_dup(name);
		out->params[i].value = str_dup(val);
		if (!out->params[i].name || !out->params[i].value)
			goto nomem;
	}
	out->as_of = (int32_t)kam_unzigzag(get_varint(&r));
	out->taken_at = kam_unzigzag(get_varint(&r));
	n = get_varint(&r);
	if (r.bad || n > (uint64_t)(r.end - r.p))
		goto corrupt;
	if (n && !(out->regions = calloc(n, sizeof(*out->regions))))
		goto nomem;
	out->nregions = n;
	for (size_t i = 0; i < n; i++) {
		kam_str reg = get_str(&r);
		if (r.bad)
			goto corrupt;
		if (!(out->regions[i] = str_dup(reg)))
			goto nomem;
	}
	out->accounts = get_varint(&r);
	if (r.bad)
		goto corrupt;
	return 0;
corrupt:
	kam_snapshot_info_free(out);
	return KAM_ECORRUPT;
nomem:
	kam_snapshot_info_free(out);
	return KAM_ENOMEM;
}

int kam_snapshot_get(kam_txn *txn, uint64_t id, kam_snapshot_info *out)
{
	uint8_t key[8];
	kam_str v;
	be64_put(key, id);
	int rc = kam_table_get(txn, KAM_TABLE_SNAPSHOTS, (kam_str){ (const char *)key, 8 }, &v);
	return rc ? rc : header_decode(id, v, out);
}

/* Decodes the headers newest first and hands each to take(), which then owns it. */
static int headers_walk(kam_txn *txn, int (*take)(void *ctx, kam_snapshot_info *info), void *ctx)
{
	kam_table_cursor *c;
	int rc = kam_table_cursor_open(txn, KAM_TABLE_SNAPSHOTS, (kam_str){ "", 0 }, 1, &c);
	if (rc)
		return rc;
	kam_str k, v;
	while ((rc = kam_table_cursor_next(c, &k, &v)) > 0) {
		kam_snapshot_info info;
		if (k.len != 8) {
			rc = KAM_ECORRUPT;
			break;
		}
		if ((rc = header_decode(be64_get((const uint8_t *)k.ptr), v, &info)) ||
		    (rc = take(ctx, &info)))
			break;
	}
	kam_table_cursor_close(c);
	return rc;
}

typedef struct each_call {
	int (*fn)(void *ctx, const kam_snapshot_info *info);
	void *ctx;
} each_call;

static int each_take(void *arg, kam_snapshot_info *info)
{
	each_call *e = arg;
	int rc = e->fn(e->ctx, info);
	kam_snapshot_info_free(info);
	return rc;
}

int kam_snapshot_each(kam_txn *txn, int (*fn)(void *ctx, const kam_snapshot_info *info),
		      void *ctx)
{
	each_call e = { fn, ctx };
	return headers_walk(txn, each_take, &e);
}

typedef struct info_list {
	kam_snapshot_info *v;
	size_t n, cap;
} info_list;

static int list_take(void *arg, kam_snapshot_info *info)
{
	info_list *l = arg;
	if (kam_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
		kam_snapshot_info_free(info);
		return KAM_ENOMEM;
	}
	l->v[l->n++] = *info;
	return 0;
}

int kam_snapshot_list(kam_txn *txn, kam_snapshot_info **out, size_t *n)
{
	info_list l = { 0 };
	int rc = headers_walk(txn, list_take, &l);
	if (rc) {
		kam_snapshot_infos_free(l.v, l.n);
		l.v = NULL;
		l.n = 0;
	}
	*out = l.v;
	*n = l.n;
	return rc;
}

void kam_snapshot_infos_free(kam_snapshot_info *infos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kam_snapshot_info_free(&infos[i]);
	free(infos);
}

/* ---- current pointers and ids ---- */

/* The prefix of a kind's current pointers: value snapshots have their own, "val:". */
static const char *pointer_prefix(int kind)
{
	return kind == KAM_PLUGIN_VALUE ? VAL_PREFIX : SEG_PREFIX;
}

static int pointer_key(int kind, kam_str region, char buf[SEG_PREFIX_LEN + KAM_KEYTEXT_MAX],
		       kam_str *key)
{
	if (region.len > KAM_KEYTEXT_MAX)
		return KAM_EINVAL;
	memcpy(buf, pointer_prefix(kind), SEG_PREFIX_LEN);
	if (region.len)
		memcpy(buf + SEG_PREFIX_LEN, region.ptr, region.len);
	*key = (kam_str){ buf, SEG_PREFIX_LEN + region.len };
	return 0;
}

int kam_snapshot_current_kind(kam_txn *txn, int kind, kam_str region, uint64_t *id)
{
	char buf[SEG_PREFIX_LEN + KAM_KEYTEXT_MAX];
	kam_str key, v;
	if (pointer_key(kind, region, buf, &key))
		return KAM_ENOTFOUND; /* no region that long can exist */
	int rc = kam_table_get(txn, KAM_TABLE_CURRENT, key, &v);
	if (rc)
		return rc;
	if (v.len != 8)
		return KAM_ECORRUPT;
	*id = be64_get((const uint8_t *)v.ptr);
	return 0;
}

int kam_snapshot_current(kam_txn *txn, kam_str region, uint64_t *id)
{
	return kam_snapshot_current_kind(txn, KAM_PLUGIN_SEGMENTATION, region, id);
}

int kam_snapshot_current_each_kind(kam_txn *txn, int kind,
				   int (*fn)(void *ctx, kam_str region, uint64_t id), void *ctx)
{
	kam_table_cursor *c;
	int rc = kam_table_cursor_open(txn, KAM_TABLE_CURRENT,
				       (kam_str){ pointer_prefix(kind), SEG_PREFIX_LEN }, 0, &c);
	if (rc)
		return rc;
	kam_str k, v;
	while ((rc = kam_table_cursor_next(c, &k, &v)) > 0) {
		if (v.len != 8 || k.len < SEG_PREFIX_LEN) {
			rc = KAM_ECORRUPT;
			break;
		}
		kam_str region = { k.ptr + SEG_PREFIX_LEN, k.len - SEG_PREFIX_LEN };
		if ((rc = fn(ctx, region, be64_get((const uint8_t *)v.ptr))))
			break;
	}
	kam_table_cursor_close(c);
	return rc;
}

int kam_snapshot_current_each(kam_txn *txn, int (*fn)(void *ctx, kam_str region, uint64_t id),
			      void *ctx)
{
	return kam_snapshot_current_each_kind(txn, KAM_PLUGIN_SEGMENTATION, fn, ctx);
}

/* The next id: one past both the last id handed out and the greatest stored. */
static int next_id(kam_txn *txn, uint64_t *id)
{
	uint64_t last = 0;
	kam_str v, k;
	int rc = kam_table_get(txn, KAM_TABLE_CURRENT, KAM_STR(SEQ_KEY), &v);
	if (rc == 0) {
		if (v.len != 8)
			return KAM_ECORRUPT;
		last = be64_get((const uint8_t *)v.ptr);
	} else if (rc != KAM_ENOTFOUND) {
		return rc;
	}
	kam_table_cursor *c;
	if ((rc = kam_table_cursor_open(txn, KAM_TABLE_SNAPSHOTS, (kam_str){ "", 0 }, 1, &c)))
		return rc;
	rc = kam_table_cursor_next(c, &k, &v);
	kam_table_cursor_close(c);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if (k.len != 8)
			return KAM_ECORRUPT;
		uint64_t top = be64_get((const uint8_t *)k.ptr);
		if (top > last)
			last = top;
	}
	if (last == UINT64_MAX)
		return KAM_ELIMIT;
	*id = last + 1;
	uint8_t buf[8];
	be64_put(buf, *id);
	return kam_table_put(txn, KAM_TABLE_CURRENT, KAM_STR(SEQ_KEY),
			     (kam_str){ (const char *)buf, 8 });
}

/* ---- writing result blocks ---- */

/* The strings of one block, each with its dictionary index, found by hash. */
#define DICT_SEEN 16 /* a power of two */

typedef struct dict {
	kam_str *strs;
	size_t n, cap;
	uint32_t *slots; /* index + 1, 0 = empty; size nslots (a power of two) */
	size_t nslots;
	/* per position in a row: the last string (pointer and text) and its index */
	const char *lastp[SLOTS];
	kam_str last[SLOTS];
	size_t last_ix[SLOTS];
	/*
	 * Strings met in this block by address: results do not change while they are saved, so a
	 * text at an address seen before is that entry. Regions come in no order (the last string
	 * at a position seldom repeats) but each at one address, the run's interned copy.
	 */
	struct {
		const char *p;
		size_t ix;
	} seen[DICT_SEEN];
} dict;

static uint32_t str_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static void dict_reset(dict *d)
{
	d->n = 0;
	if (d->slots)
		memset(d->slots, 0, d->nslots * sizeof(*d->slots));
	for (int i = 0; i < SLOTS; i++)
		d->lastp[i] = NULL;
	for (int i = 0; i < DICT_SEEN; i++)
		d->seen[i].p = NULL;
}

static void dict_free(dict *d)
{
	free(d->strs);
	free(d->slots);
}

static int dict_grow(dict *d)
{
	size_t nslots = d->nslots ? d->nslots * 2 : 64;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	kam_str *strs = realloc(d->strs, nslots / 2 * sizeof(*strs));
	if (!slots || !strs) {
		free(slots);
		if (strs)
			d->strs = strs;
		return KAM_ENOMEM;
	}
	d->strs = strs;
	d->cap = nslots / 2;
	for (size_t i = 0; i < d->n; i++) {
		size_t j = str_hash(strs[i].ptr, strs[i].len) & (nslots - 1);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(d->slots);
	d->slots = slots;
	d->nslots = nslots;
	return 0;
}

/*
 * Rows are written with unchecked stores into room reserved beforehand: ROW_ROOM for the fixed
 * parts plus FACTOR_ROOM per factor (varints of at most 10 bytes, an id of at most KAM_ID_MAX);
 * only a string new to the block's dictionary reserves more.
 */
#define ROW_ROOM (10 + KAM_ID_MAX + 1 + 10 + 10 + 10)
#define FACTOR_ROOM 30

static inline void raw_byte(kam_buf *b, uint8_t c)
{
	b->data[b->len++] = c;
}

static inline void raw_varint(kam_buf *b, uint64_t v)
{
	uint8_t *p = b->data + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->data);
}

/* A number as described at the top; `score` (may be NULL) allows the "same as the score" form. */
static inline void raw_num(kam_buf *b, double v, const double *score)
{
	uint64_t bits = double_bits(v);
	if (score && bits == double_bits(*score)) {
		raw_byte(b, 3);
		return;
	}
	/* Within +-2^52 the conversions are exact; NaN fails the comparison. */
	if (v > -4503599627370496.0 && v < 4503599627370496.0) {
		int64_t n = (int64_t)v;
		if (double_bits((double)n) == bits) {
			raw_varint(b, kam_zigzag(n) << 2);
			return;
		}
		if (v > -450359962737.0 && v < 450359962737.0) {
			double x = v * 10000.0;
			n = (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
			if (double_bits((double)n / 10000.0) == bits) {
				raw_varint(b, kam_zigzag(n) << 2 | 1);
				return;
			}
		}
	}
	raw_byte(b, 2);
	for (int i = 0; i < 8; i++)
		raw_byte(b, (uint8_t)(bits >> (8 * i)));
}

/*
 * The sref code of s at row position pos: >= 2 for a dictionary entry, or 1 for a string new to
 * the block, which joins the dictionary and whose text (*str) must follow the code. Models
 * intern their names, so a pointer seen at the same position a row before usually repeats.
 */
static int dict_code(dict *d, int pos, const char *s, uint64_t *code, kam_str *str)
{
	if (pos < SLOTS && d->lastp[pos] == s) {
		*code = d->last_ix[pos] + 2;
		return 0;
	}
	size_t si = ((uintptr_t)s >> 3) & (DICT_SEEN - 1), ix;
	if (d->seen[si].p == s) {
		ix = d->seen[si].ix;
		*code = ix + 2;
		goto found;
	}
	*str = kam_str_c(s);
	if (pos < SLOTS && d->lastp[pos] && kam_str_eq(d->last[pos], *str)) {
		*code = d->last_ix[pos] + 2;
		d->lastp[pos] = s;
		return 0;
	}
	if (d->n >= d->cap && dict_grow(d))
		return KAM_ENOMEM;
	size_t j = str_hash(str->ptr, str->len) & (d->nslots - 1);
	for (; d->slots[j]; j = (j + 1) & (d->nslots - 1)) {
		ix = d->slots[j] - 1;
		if (kam_str_eq(d->strs[ix], *str)) {
			*code = ix + 2;
			goto known;
		}
	}
	ix = d->n++;
	d->slots[j] = (uint32_t)ix + 1;
	d->strs[ix] = *str;
	*code = 1;
known:
	d->seen[si].p = s;
	d->seen[si].ix = ix;
found:
	if (pos < SLOTS) {
		d->lastp[pos] = s;
		d->last[pos] = d->strs[ix];
		d->last_ix[pos] = ix;
	}
	return 0;
}

/* Writes a new string's text (reserving room again for the rest of the row). */
static int raw_text(kam_buf *b, kam_str str, size_t rest)
{
	if (kam_buf_reserve(b, 10 + (size_t)str.len + rest))
		return KAM_ENOMEM;
	raw_varint(b, str.len);
	memcpy(b->data + b->len, str.ptr, str.len);
	b->len += str.len;
	return 0;
}

static int raw_sref(kam_buf *b, uint64_t code, kam_str str, size_t rest)
{
	raw_varint(b, code);
	return code == 1 ? raw_text(b, str, rest) : 0;
}

/*
 * The value part of a row in a value block, after its factors: flags (1: a value, 2: a
 * recommendation), the value (num), the recommendation (sref), the metric count, then per
 * metric its name (sref) and value (num).
 */
static int value_encode(kam_buf *b, dict *d, const kam_result *r)
{
	uint64_t code;
	kam_str str;
	size_t room = 10 + 10 + 10 + 10 + FACTOR_ROOM * r->nmetrics;
	if (kam_buf_reserve(b, room))
		return KAM_ENOMEM;
	raw_varint(b, (r->has_value ? 1u : 0u) | (r->recommendation ? 2u : 0u));
	if (r->has_value)
		raw_num(b, r->value, NULL);
	if (r->recommendation && (dict_code(d, FACTOR_SLOTS, r->recommendation, &code, &str) ||
				  raw_sref(b, code, str, room)))
		return KAM_ENOMEM;
	raw_varint(b, r->nmetrics);
	for (size_t i = 0; i < r->nmetrics; i++) {
		const kam_factor *m = &r->metrics[i];
		int pos = FACTOR_SLOTS + 1 + (int)(i < SLOTS - FACTOR_SLOTS - 2 ? i
						  : SLOTS - FACTOR_SLOTS - 2);
		if (dict_code(d, pos, m->name ? m->name : "", &code, &str) ||
		    raw_sref(b, code, str, room))
			return KAM_ENOMEM;
		raw_num(b, m->value, NULL);
	}
	return 0;
}

/* A result's keys: id, tier, score, region. */
static int keys_encode(kam_buf *b, dict *d, const kam_result *r, size_t idlen)
{
	uint64_t code;
	kam_str str;
	if (kam_buf_reserve(b, ROW_ROOM))
		return KAM_ENOMEM;
	raw_varint(b, idlen);
	memcpy(b->data + b->len, r->account_id, idlen);
	b->len += idlen;
	raw_byte(b, (uint8_t)r->tier);
	raw_num(b, r->score, NULL);
	if (dict_code(d, 0, r->region ? r->region : "", &code, &str) ||
	    raw_sref(b, code, str, 0))
		return KAM_ENOMEM;
	return 0;
}

/* A result's details: its factors, and in a value block its value part. */
static int details_encode(kam_buf *b, dict *d, const kam_result *r, int version)
{
	size_t room = 10 + FACTOR_ROOM * r->nfactors;
	uint64_t code;
	kam_str str;
	if (kam_buf_reserve(b, room))
		return KAM_ENOMEM;
	raw_varint(b, r->nfactors);
	for (size_t i = 0; i < r->nfactors; i++) {
		const kam_factor *f = &r->factors[i];
		int pos = 1 + 2 * (int)(i < FACTOR_SLOTS / 2 - 1 ? i : FACTOR_SLOTS / 2 - 1);
		/* the name's code carries whether a note follows */
		if (dict_code(d, pos, f->name ? f->name : "", &code, &str))
			return KAM_ENOMEM;
		raw_varint(b, code << 1 | (f->note != NULL));
		if (code == 1 && raw_text(b, str, room))
			return KAM_ENOMEM;
		raw_num(b, f->value, &r->score);
		if (f->note && (dict_code(d, pos + 1, f->note, &code, &str) ||
				raw_sref(b, code, str, room)))
			return KAM_ENOMEM;
	}
	return version == BLOCK_SPLIT_VALUE ? value_encode(b, d, r) : 0;
}

/*
 * Encodes results [from, to) into blocks and hands each block to put(ctx, first result, bytes).
 * A block's details are encoded after HEAD_ROOM bytes, its keys apart and appended to them when
 * the block closes, and its head is written just before the details: so a block is never copied
 * whole to prepend its head.
 */
#define HEAD_ROOM 21 /* a version byte, the varint count and the details' varint length */

typedef int (*block_put)(void *ctx, const kam_result *first, kam_str bytes);

static int blocks_encode(const kam_result *res, size_t from, size_t to, int version,
			 block_put put, void *ctx)
{
	kam_buf body = { 0 }, keys = { 0 };
	dict dd = { 0 }, kd = { 0 }; /* the details' dictionary, the keys' */
	size_t start = from;
	/* ids strictly increasing, checked here on each thread's part and across its start */
	kam_str prev = from ? kam_str_c(res[from - 1].account_id) : (kam_str){ NULL, 0 };
	int rc = kam_buf_reserve(&body, HEAD_ROOM);
	body.len = HEAD_ROOM;
	for (size_t i = from; !rc && i < to; i++) {
		const kam_result *r = &res[i];
		size_t len = r->id_len ? r->id_len : r->account_id ? strlen(r->account_id) : 0;
		kam_str id = { r->account_id, (uint32_t)len };
		if (!len || len > KAM_ID_MAX || (prev.ptr && kam_str_cmp(prev, id) >= 0)) {
			rc = KAM_EINVAL;
			break;
		}
		prev = id;
		rc = keys_encode(&keys, &kd, r, len);
		if (!rc)
			rc = details_encode(&body, &dd, r, version);
		if (!rc && (body.len - HEAD_ROOM + keys.len >= BLOCK_BYTES || i + 1 == to)) {
			uint8_t head[HEAD_ROOM];
			kam_buf h = { head, 0, sizeof(head) };
			raw_byte(&h, (uint8_t)version);
			raw_varint(&h, i + 1 - start);
			raw_varint(&h, body.len - HEAD_ROOM);
			if ((rc = kam_buf_append(&body, keys.data, keys.len)))
				break;
			uint8_t *p = body.data + HEAD_ROOM - h.len;
			memcpy(p, head, h.len);
			rc = put(ctx, &res[start],
				 (kam_str){ (const char *)p, (uint32_t)(body.len - HEAD_ROOM + h.len) });
			body.len = HEAD_ROOM;
			keys.len = 0;
			dict_reset(&dd);
			dict_reset(&kd);
			start = i + 1;
		}
	}
	kam_buf_free(&body);
	kam_buf_free(&keys);
	dict_free(&dd);
	dict_free(&kd);
	return rc;
}

/* Puts a block into the results table, under the snapshot's id and its first account. */
typedef struct block_sink {
	kam_txn *txn;
	uint64_t id;
} block_sink;

static int block_store(void *ctx, const kam_result *first, kam_str bytes)
{
	block_sink *s = ctx;
	uint8_t key[8 + KAM_ID_MAX];
	size_t idlen = strlen(first->account_id);
	be64_put(key, s->id);
	memcpy(key + 8, first->account_id, idlen);
	return kam_table_put(s->txn, KAM_TABLE_RESULTS, (kam_str){ (const char *)key, 8 + idlen },
			     bytes);
}

/*
 * A large snapshot is encoded by two threads: a helper encodes the second half of the results
 * into memory (each block after the index of its first result and its length) while this
 * thread encodes and stores the first half; then this thread stores the helper's blocks.
 */
#define SPLIT_MIN 65536 /* fewer results: not worth a thread */

typedef struct half {
	const kam_result *res;
	size_t from, to;
	int version, rc;
	kam_buf blocks;
} half;

static int block_keep(void *ctx, const kam_result *first, kam_str bytes)
{
	half *h = ctx;
	size_t head[2] = { (size_t)(first - h->res), bytes.len };
	int rc = kam_buf_append(&h->blocks, head, sizeof(head));
	return rc ? rc : kam_buf_append(&h->blocks, bytes.ptr, bytes.len);
}

static void *half_main(void *arg)
{
	half *h = arg;
	h->rc = blocks_encode(h->res, h->from, h->to, h->version, block_keep, h);
	return NULL;
}

#define HALF_ROW_BYTES 64 /* a generous guess of a result's encoded bytes (abc's take 40) */

static int results_save(kam_txn *txn, uint64_t id, const kam_run_output *results, int version)
{
	block_sink sink = { txn, id };
	size_t n = results->count, mid = n / 2;
	half h = { results->results, mid, n, version, 0, { 0 } };
	pthread_t th;
	if (n < SPLIT_MIN)
		return blocks_encode(results->results, 0, n, version, block_store, &sink);
	/*
	 * The helper's buffer made once, large: grown by doubling it was copied at its first moves
	 * and faulted in 4 KB at a time, and the helper finished its half after this thread had
	 * encoded and put the other. Room never written costs address space only.
	 */
	kam_buf_reserve(&h.blocks, (n - mid) * HALF_ROW_BYTES); /* else it grows as it goes */
	if (pthread_create(&th, NULL, half_main, &h)) {
		kam_buf_free(&h.blocks);
		return blocks_encode(results->results, 0, n, version, block_store, &sink);
	}
	int rc = blocks_encode(results->results, 0, mid, version, block_store, &sink);
	pthread_join(th, NULL);
	rc = rc ? rc : h.rc;
	for (size_t at = 0; !rc && at < h.blocks.len;) {
		size_t head[2];
		memcpy(head, h.blocks.data + at, sizeof(head));
		at += sizeof(head);
		rc = block_store(&sink, &results->results[head[0]],
				 (kam_str){ (const char *)h.blocks.data + at, (uint32_t)head[1] });
		at += head[1];
	}
	kam_buf_free(&h.blocks);
	return rc;
}

int kam_snapshot_save(kam_txn *txn, kam_snapshot_info *info, const kam_run_output *results)
{
	for (size_t i = 0; i < info->nregions; i++)
		if (strlen(info->regions[i]) > KAM_KEYTEXT_MAX)
			return KAM_EINVAL;
	uint64_t id;
	int rc = next_id(txn, &id);
	if (rc)
		return rc;
	kam_snapshot_info h = *info;
	h.id = id;
	h.accounts = results->count;
	if (!h.taken_at)
		h.taken_at = (int64_t)time(NULL);
	kam_buf b = { 0 };
	uint8_t key[8];
	be64_put(key, id);
	rc = header_encode(&b, &h);
	if (!rc)
		rc = kam_table_put(txn, KAM_TABLE_SNAPSHOTS, (kam_str){ (const char *)key, 8 },
				   (kam_str){ (const char *)b.data, (uint32_t)b.len });
	kam_buf_free(&b);
	if (!rc)
		rc = results_save(txn, id, results,
				  info->kind == KAM_PLUGIN_VALUE ? BLOCK_SPLIT_VALUE : BLOCK_SPLIT);
	for (size_t i = 0; !rc && i < info->nregions; i++) {
		char buf[SEG_PREFIX_LEN + KAM_KEYTEXT_MAX];
		kam_str k;
		pointer_key(info->kind, kam_str_c(info->regions[i]), buf, &k);
		rc = kam_table_put(txn, KAM_TABLE_CURRENT, k, (kam_str){ (const char *)key, 8 });
	}
	if (!rc) {
		info->id = h.id;
		info->accounts = h.accounts;
		info->taken_at = h.taken_at;
	}
	return rc;
}

/* ---- dropping ---- */

static int is_id(void *ctx, kam_str region, uint64_t id)
{
	(void)region;
	return id == *(const uint64_t *)ctx;
}

int kam_snapshot_drop(kam_txn *txn, uint64_t id)
{
	kam_snapshot_info info;
	int rc = kam_snapshot_get(txn, id, &info);
	if (rc)
		return rc;
	int kind = info.kind;
	kam_snapshot_info_free(&info);
	if ((rc = kam_snapshot_current_each_kind(txn, kind, is_id, &id)))
		return rc > 0 ? KAM_EBUSY : rc;
	/* The result blocks' keys, copied: deleting under a cursor would move its pages. */
	uint8_t prefix[8];
	be64_put(prefix, id);
	kam_table_cursor *c;
	kam_buf keys = { 0 };
	kam_str k, v;
	if ((rc = kam_table_cursor_open(txn, KAM_TABLE_RESULTS, (kam_str){ (const char *)prefix, 8 },
					0, &c)))
		return rc;
	while ((rc = kam_table_cursor_next(c, &k, &v)) > 0)
		if ((rc = kam_buf_put_varint(&keys, k.len)) || (rc = kam_buf_append(&keys, k.ptr, k.len)))
			break;
	kam_table_cursor_close(c);
	reader r = { keys.data, keys.data + keys.len, 0 };
	while (!rc && r.p < r.end) {
		kam_str key = get_str(&r); /* cannot fail: written just above */
		rc = kam_table_del(txn, KAM_TABLE_RESULTS, key);
	}
	kam_buf_free(&keys);
	if (!rc)
		rc = kam_table_del(txn, KAM_TABLE_SNAPSHOTS, (kam_str){ (const char *)prefix, 8 });
	return rc;
}

/* ---- reading result blocks ---- */

/* A decoded result row, all views into the stored block. */
typedef struct row_view {
	kam_str id, region;
	char tier;
	double score;
	size_t nfactors; /* of a split block: known once details_seek read it */
} row_view;

/* A part of a block being read, and the dictionary of the strings its srefs brought in. */
typedef struct section {
	reader r;
	kam_str *dict;
	size_t n, cap;
} section;

typedef struct block_reader {
	section keys;    /* the keys (versions 3, 4), or the whole rows (1, 2) */
	section details; /* versions 3, 4: the details */
	section *det;    /* where the details are read: &details, or &keys */
	bool split;      /* versions 3, 4 */
	bool value;      /* rows have a value part (versions 2, 4) */
	size_t left;     /* rows whose keys are not yet read */
	size_t pending;  /* split: rows whose keys were read and details not (the last one's too) */
} block_reader;

static int block_open(block_reader *br, kam_str value)
{
	const uint8_t *p = (const uint8_t *)value.ptr;
	reader *r = &br->keys.r;
	*r = (reader){ p, p + value.len, 0 };
	br->keys.n = br->details.n = 0;
	br->pending = 0;
	int version = get_byte(r);
	if (version < BLOCK_WHOLE || version > BLOCK_SPLIT_VALUE)
		return r->bad ? KAM_ECORRUPT : KAM_EVERSION;
	br->split = version >= BLOCK_SPLIT;
	br->value = version == BLOCK_WHOLE_VALUE || version == BLOCK_SPLIT_VALUE;
	br->left = get_varint(r);
	br->det = &br->keys;
	if (br->split) {
		uint64_t len = get_varint(r);
		if (r->bad || len > (uint64_t)(r->end - r->p))
			return KAM_ECORRUPT;
		br->details.r = (reader){ r->p, r->p + len, 0 };
		r->p += len;
		br->det = &br->details;
	}
	return r->bad ? KAM_ECORRUPT : 0;
}

static void block_reader_free(block_reader *br)
{
	free(br->keys.dict);
	free(br->details.dict);
}

/* Resolves an sref code (1: a new string follows, >= 2: a dictionary entry). */
static int sref_get(section *sc, uint64_t k, kam_str *out)
{
	if (sc->r.bad)
		return KAM_ECORRUPT;
	if (k == 1) {
		kam_str s = get_str(&sc->r);
		if (sc->r.bad)
			return KAM_ECORRUPT;
		if (sc->n == sc->cap) {
			size_t cap = sc->cap ? sc->cap * 2 : 32;
			kam_str *p = realloc(sc->dict, cap * sizeof(*p));
			if (!p)
				return KAM_ENOMEM;
			sc->dict = p;
			sc->cap = cap;
		}
		sc->dict[sc->n++] = s;
		*out = s;
		return 0;
	}
	if (k < 2 || k - 2 >= sc->n)
		return KAM_ECORRUPT;
	*out = sc->dict[k - 2];
	return 0;
}

/* Passes over an sref: only a new string needs reading (it joins the dictionary). */
static inline int sref_skip(section *sc, uint64_t k)
{
	kam_str s;
	return k >= 2 && k - 2 < sc->n && !sc->r.bad ? 0 : sref_get(sc, k, &s);
}

/* Passes over a num without making its double: get_num's checks, none of its arithmetic. */
static inline void num_skip(reader *r, bool same_as_score)
{
	uint64_t h = get_varint(r);
	if ((h & 3) < 2 || (h == 3 && same_as_score))
		return;
	if (h == 2 && r->end - r->p >= 8)
		r->p += 8;
	else
		r->bad = 1;
}

/* Reads a factor count of the details; the factors must be read or skipped next. */
static int factor_count(section *sc, row_view *v)
{
	v->nfactors = get_varint(&sc->r);
	return sc->r.bad || v->nfactors > (size_t)(sc->r.end - sc->r.p) ? KAM_ECORRUPT : 0;
}

/*
 * Reads the keys of the next row. Of a block of whole rows it then reads the factor count, and
 * the factors must be read or skipped next; of a split block the details wait (details_seek).
 */
static int row_read(block_reader *br, row_view *v, bool tier_only)
{
	section *k = &br->keys;
	v->id = get_str(&k->r);
	v->tier = (char)get_byte(&k->r);
	int rc;
	if (tier_only) { /* without making the score's double or resolving the region */
		num_skip(&k->r, false);
		v->score = 0;
		v->region = (kam_str){ "", 0 };
		rc = sref_skip(k, get_varint(&k->r));
	} else {
		v->score = get_num(&k->r, NULL);
		rc = sref_get(k, get_varint(&k->r), &v->region);
	}
	if (!rc && br->split) {
		v->nfactors = 0;
		br->pending++;
	} else if (!rc) {
		rc = factor_count(k, v);
	}
	if (rc)
		return rc;
	if (k->r.bad || v->id.len == 0 || v->id.len > KAM_ID_MAX)
		return KAM_ECORRUPT;
	br->left--;
	return 0;
}

static int factor_read(section *sc, double score, kam_str *name, double *value, kam_str *note,
		       int *has_note)
{
	uint64_t head = get_varint(&sc->r);
	int rc = sref_get(sc, head >> 1, name);
	if (rc)
		return rc;
	*value = get_num(&sc->r, &score);
	*has_note = (int)(head & 1);
	if (*has_note)
		return sref_get(sc, get_varint(&sc->r), note);
	return sc->r.bad ? KAM_ECORRUPT : 0;
}

/* Whoever only walks the rows passes their factors by, as factor_read would read them. */
static int factors_skip(section *sc, const row_view *v)
{
	for (size_t i = 0; i < v->nfactors; i++) {
		uint64_t head = get_varint(&sc->r);
		int rc = sref_skip(sc, head >> 1);
		if (rc)
			return rc;
		num_skip(&sc->r, true);
		if ((head & 1) && (rc = sref_skip(sc, get_varint(&sc->r))))
			return rc;
	}
	return sc->r.bad ? KAM_ECORRUPT : 0;
}

static char *str_dup(kam_str s);

/*
 * Reads the value part of a row of a value block (value_encode); copies it into out, or skips
 * it when out is NULL. Rows of other blocks have none. On failure out may hold part of it
 * (kam_result_free releases that).
 */
static int value_read(block_reader *br, kam_result *out)
{
	if (!br->value)
		return 0;
	section *sc = br->det;
	uint64_t flags = get_varint(&sc->r);
	double value = 0;
	kam_str rec = { NULL, 0 };
	int rc = 0;
	if (sc->r.bad || flags > 3)
		return KAM_ECORRUPT;
	if (flags & 1)
		value = get_num(&sc->r, NULL);
	if ((flags & 2) && (rc = sref_get(sc, get_varint(&sc->r), &rec)))
		return rc;
	uint64_t n = get_varint(&sc->r);
	if (sc->r.bad || n > (uint64_t)(sc->r.end - sc->r.p))
		return KAM_ECORRUPT;
	if (out) {
		out->has_value = (int)(flags & 1);
		out->value = value;
		if ((flags & 2) && !(out->recommendation = str_dup(rec)))
			return KAM_ENOMEM;
		if (n && !(out->metrics = calloc(n, sizeof(*out->metrics))))
			return KAM_ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++) {
		kam_str name;
		if ((rc = sref_get(sc, get_varint(&sc->r), &name)))
			return rc;
		double v = get_num(&sc->r, NULL);
		if (sc->r.bad)
			return KAM_ECORRUPT;
		if (out) {
			out->metrics[i] = (kam_factor){ str_dup(name), v, NULL };
			out->nmetrics = i + 1;
			if (!out->metrics[i].name)
				return KAM_ENOMEM;
		}
	}
	return 0;
}

/*
 * Brings the details to those of the row whose keys were read last, and reads its factor count:
 * in a split block, the details of the rows read before it are passed by first. Its factors and
 * value part must be read or skipped next.
 */
static int details_seek(block_reader *br, row_view *v)
{
	if (!br->split)
		return 0;
	for (; br->pending > 1; br->pending--) {
		row_view before;
		int rc = factor_count(br->det, &before);
		if (!rc)
			rc = factors_skip(br->det, &before);
		if (!rc)
			rc = value_read(br, NULL);
		if (rc)
			return rc;
	}
	br->pending = 0;
	return factor_count(br->det, v);
}

/*
 * Passes by what follows the keys of a row just read: its factors and its value part, unread in
 * a split block (details_seek passes them if a later row's are wanted).
 */
static int row_skip_rest(block_reader *br, const row_view *v)
{
	if (br->split)
		return 0;
	int rc = factors_skip(br->det, v);
	return rc ? rc : value_read(br, NULL);
}

struct kam_snapshot_iter {
	kam_table_cursor *cur;
	block_reader br;
};

static int results_cursor(kam_txn *txn, uint64_t id, kam_table_cursor **c)
{
	uint8_t key[8];
	kam_str v;
	be64_put(key, id);
	int rc = kam_table_get(txn, KAM_TABLE_SNAPSHOTS, (kam_str){ (const char *)key, 8 }, &v);
	if (rc)
		return rc;
	return kam_table_cursor_open(txn, KAM_TABLE_RESULTS, (kam_str){ (const char *)key, 8 }, 0,
				     c);
}

int kam_snapshot_iter_open(kam_txn *txn, uint64_t id, kam_snapshot_iter **out)
{
	kam_snapshot_iter *it = calloc(1, sizeof(*it));
	if (!it)
		return KAM_ENOMEM;
	int rc = results_cursor(txn, id, &it->cur);
	if (rc) {
		free(it);
		return rc;
	}
	*out = it;
	return 0;
}

/* Reads the fixed part of the iterator's next row: 1, 0 at the end, or a negative code. */
static int iter_row(kam_snapshot_iter *it, row_view *rv, bool tier_only)
{
	while (it->br.left == 0) {
		kam_str k, v;
		int rc = kam_table_cursor_next(it->cur, &k, &v);
		if (rc <= 0)
			return rc;
		if ((rc = block_open(&it->br, v)))
			return rc;
	}
	int rc = row_read(&it->br, rv, tier_only);
	return rc ? rc : 1;
}

static void row_give(const row_view *rv, kam_snapshot_row *row)
{
	*row = (kam_snapshot_row){ rv->id, rv->region, rv->tier, rv->score };
}

static int iter_next(kam_snapshot_iter *it, kam_snapshot_row *row, bool tier_only)
{
	row_view rv;
	int rc = iter_row(it, &rv, tier_only);
	if (rc == 1 && (rc = row_skip_rest(&it->br, &rv)) == 0) {
		row_give(&rv, row);
		rc = 1;
	}
	return rc;
}

int kam_snapshot_iter_next(kam_snapshot_iter *it, kam_snapshot_row *row)
{
	return iter_next(it, row, false);
}

int kam_snapshot_iter_tier(kam_snapshot_iter *it, kam_snapshot_row *row)
{
	return iter_next(it, row, true);
}

/* The value part of a row (value_read's layout) as views, with metric `name` (NULL: none). */
static int value_view(block_reader *br, const char *name, kam_snapshot_value *v)
{
	*v = (kam_snapshot_value){ .value = NAN, .metric = NAN };
	if (!br->value)
		return 0;
	section *sc = br->det;
	uint64_t flags = get_varint(&sc->r);
	if (sc->r.bad || flags > 3)
		return KAM_ECORRUPT;
	v->has_value = flags & 1;
	if (v->has_value)
		v->value = get_num(&sc->r, NULL);
	int rc = (flags & 2) ? sref_get(sc, get_varint(&sc->r), &v->recommendation) : 0;
	uint64_t n = get_varint(&sc->r);
	if (rc || sc->r.bad || n > (uint64_t)(sc->r.end - sc->r.p))
		return rc ? rc : KAM_ECORRUPT;
	size_t len = name ? strlen(name) : 0;
	for (uint64_t i = 0; i < n; i++) {
		kam_str got;
		if ((rc = sref_get(sc, get_varint(&sc->r), &got)))
			return rc;
		if (name && !v->found && got.len == len && memcmp(got.ptr, name, len) == 0) {
			v->metric = get_num(&sc->r, NULL);
			v->found = true;
		} else {
			num_skip(&sc->r, false);
		}
	}
	return sc->r.bad ? KAM_ECORRUPT : 0;
}

int kam_snapshot_iter_value(kam_snapshot_iter *it, const char *metric, kam_snapshot_row *row,
			    kam_snapshot_value *v)
{
	row_view rv;
	int rc = iter_row(it, &rv, false);
	if (rc == 1 && !(rc = details_seek(&it->br, &rv)) &&
	    !(rc = factors_skip(it->br.det, &rv)) && !(rc = value_view(&it->br, metric, v))) {
		row_give(&rv, row);
		rc = 1;
	}
	return rc;
}

static int result_copy(block_reader *br, row_view *v, kam_result *out);

int kam_snapshot_iter_result(kam_snapshot_iter *it, kam_result *out)
{
	memset(out, 0, sizeof(*out));
	row_view rv;
	int rc = iter_row(it, &rv, false);
	if (rc == 1 && (rc = result_copy(&it->br, &rv, out)) == 0)
		rc = 1;
	return rc;
}

void kam_snapshot_iter_close(kam_snapshot_iter *it)
{
	if (!it)
		return;
	kam_table_cursor_close(it->cur);
	block_reader_free(&it->br);
	free(it);
}

void kam_result_free(kam_result *r)
{
	if (!r)
		return;
	free(r->account_id);
	free(r->region);
	for (size_t i = 0; r->factors && i < r->nfactors; i++) {
		free(r->factors[i].name);
		free(r->factors[i].note);
	}
	free(r->factors);
	free(r->recommendation);
	for (size_t i = 0; r->metrics && i < r->nmetrics; i++)
		free(r->metrics[i].name);
	free(r->metrics);
	memset(r, 0, sizeof(*r));
}

/* Copies the row whose keys were just read, with its details, into out. */
static int result_copy(block_reader *br, row_view *v, kam_result *out)
{
	memset(out, 0, sizeof(*out));
	int rc = details_seek(br, v);
	if (rc)
		return rc;
	out->tier = v->tier;
	out->score = v->score;
	out->account_id = str_dup(v->id);
	out->id_len = (uint8_t)v->id.len;
	out->region = str_dup(v->region);
	if (!out->account_id || !out->region)
		goto nomem;
	if (v->nfactors && !(out->factors = calloc(v->nfactors, sizeof(*out->factors))))
		goto nomem;
	for (size_t i = 0; i < v->nfactors; i++) {
		kam_factor *f = &out->factors[i];
		kam_str name, note;
		int has_note;
		rc = factor_read(br->det, v->score, &name, &f->value, &note, &has_note);
		if (rc) {
			kam_result_free(out);
			return rc;
		}
		out->nfactors = i + 1;
		f->name = str_dup(name);
		f->note = has_note ? str_dup(note) : NULL;
		if (!f->name || (has_note && !f->note))
			goto nomem;
	}
	if ((rc = value_read(br, out))) {
		kam_result_free(out);
		return rc;
	}
	return 0;
nomem:
	kam_result_free(out);
	return KAM_ENOMEM;
}

int kam_snapshot_block_read(const void *block, size_t len, uint32_t ways, size_t *rows)
{
	block_reader br = { 0 };
	int rc = block_open(&br, (kam_str){ (const char *)block, (uint32_t)len });
	*rows = 0;
	if (len > UINT32_MAX)
		rc = KAM_EINVAL;
	while (!rc && br.left) {
		row_view rv;
		kam_result res;
		kam_snapshot_value v;
		unsigned way = ways >> (2 * (*rows % 16)) & 3;
		if ((rc = row_read(&br, &rv, way == 0)))
			break;
		if (way < 2) {
			rc = row_skip_rest(&br, &rv);
		} else if (way == 2) {
			if (!(rc = result_copy(&br, &rv, &res)))
				kam_result_free(&res);
		} else if (!(rc = details_seek(&br, &rv)) && !(rc = factors_skip(br.det, &rv))) {
			rc = value_view(&br, "margin", &v);
		}
		(*rows)++;
	}
	block_reader_free(&br);
	return rc;
}

int kam_snapshot_result(kam_txn *txn, uint64_t id, kam_str account_id, kam_result *out)
{
	kam_table_cursor *c;
	int rc = results_cursor(txn, id, &c);
	if (rc)
		return rc;
	/* The block that holds the account is the last one whose first id is <= it. */
	kam_str k, v, found = { NULL, 0 };
	while ((rc = kam_table_cursor_next(c, &k, &v)) > 0) {
		if (k.len <= 8) {
			rc = KAM_ECORRUPT;
			break;
		}
		if (kam_str_cmp((kam_str){ k.ptr + 8, k.len - 8 }, account_id) > 0)
			break;
		found = v;
	}
	kam_table_cursor_close(c);
	if (rc < 0)
		return rc;
	if (!found.ptr)
		return KAM_ENOTFOUND;
	block_reader br = { 0 };
	rc = block_open(&br, found);
	while (!rc && br.left) {
		row_view rv;
		if ((rc = row_read(&br, &rv, false)))
			break;
		int cmp = kam_str_cmp(rv.id, account_id);
		if (cmp == 0) {
			rc = result_copy(&br, &rv, out);
			block_reader_free(&br);
			return rc;
		}
		if (cmp > 0)
			break;
		rc = row_skip_rest(&br, &rv);
	}
	block_reader_free(&br);
	return rc ? rc : KAM_ENOTFOUND;
}
