/*
 * store.c - the Kam database on LMDB (store.h). The only file of the project that includes lmdb.h.
 *
 * One environment in a directory, with these named databases:
 *
 *   meta                     "schema_version" -> u32 little-endian
 *   accounts, contacts, orders, interactions      id -> kam_rec_encode bytes, without the id
 *   contacts_by_account      account 0x00 contact -> ""
 *   order_columns            account -> its orders in (date, id) order (column.h)
 *   interaction_columns      account -> its interactions in (date, id) order (column.h)
 *   accounts_by_region       region 0x00 account -> ""  (the empty region too)
 *   accounts_by_owner        owner 0x00 account -> ""   (only accounts with an owner)
 *   order_rollups            account -> the order half of its rollup (rollup_pack)
 *   interaction_rollups      account -> the interaction half of its rollup
 *   snapshots, results, current   tables (kam_table_*): bytes their owners define
 *
 * Ids, regions and owners never contain a NUL byte (kam_put refuses them), so "region 0x00" is
 * an exact prefix and all keys of one region lie in [region 0x00, region 0x01). The columns carry
 * what rollups and whole-book models need, so neither decodes records.
 *
 * Write transactions keep the rollups and columns they touch in a hash map (account id ->
 * rollup, columns) and write the changed ones at commit, so an import of many rows of one
 * account writes its rollup and its columns once.
 * A rollup is kept in two halves, and a half with nothing in it is not stored: an import of
 * orders appends order halves and never touches interaction halves, so a bulk load writes each
 * half once, in key order, instead of rewriting (and copying) every rollup page per file.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include <lmdb.h>

#include <kam/errors.h>

#include "column.h"
#include "writeback.h"

enum {
	DB_ACCOUNTS = KAM_ACCOUNT,
	DB_CONTACTS = KAM_CONTACT,
	DB_ORDERS = KAM_ORDER,
	DB_INTERACTIONS = KAM_INTERACTION,
	DB_CONTACTS_BY_ACCOUNT,
	DB_ORDER_COLUMNS,
	DB_INTER_COLUMNS,
	DB_ACCOUNTS_BY_REGION,
	DB_ACCOUNTS_BY_OWNER,
	DB_ORDER_ROLLUPS,
	DB_INTER_ROLLUPS,
	DB_SNAPSHOTS,
	DB_RESULTS,
	DB_CURRENT,
	DB_META,
	DB_COUNT
};

static const char *const db_names[DB_COUNT] = {
	[DB_ACCOUNTS] = "accounts",
	[DB_CONTACTS] = "contacts",
	[DB_ORDERS] = "orders",
	[DB_INTERACTIONS] = "interactions",
	[DB_CONTACTS_BY_ACCOUNT] = "contacts_by_account",
	[DB_ORDER_COLUMNS] = "order_columns",
	[DB_INTER_COLUMNS] = "interaction_columns",
	[DB_ACCOUNTS_BY_REGION] = "accounts_by_region",
	[DB_ACCOUNTS_BY_OWNER] = "accounts_by_owner",
	[DB_ORDER_ROLLUPS] = "order_rollups",
	[DB_INTER_ROLLUPS] = "interaction_rollups",
	[DB_SNAPSHOTS] = "snapshots",
	[DB_RESULTS] = "results",
	[DB_CURRENT] = "current",
	[DB_META] = "meta",
};

/* The columns of an order or interaction kind. */
#define DB_COLUMNS(kind) ((kind) == KAM_ORDER ? DB_ORDER_COLUMNS : DB_INTER_COLUMNS)
/* The database of a table. */
#define DB_TABLE(t) (DB_SNAPSHOTS + (int)(t))

#define MAXDBS 16
#define DEFAULT_MAPSIZE ((uint64_t)1 << 30)
#define GROW_TRIES 40
#define SCHEMA_KEY "schema_version"
/* Free space under which a write error is put down to a full disk (disk_full). */
#define DISK_FULL_BYTES ((uint64_t)256 << 10)

/* Longest index key: region 0x00 id. */
#define IKEY_MAX (KAM_KEYTEXT_MAX + 1 + KAM_ID_MAX)

/*
 * Schema 2's index values, varints (LEB128): orders: amount, then profit when the order has one
 * (get_money); interactions: kind | outcome << 3 | IVAL_MINUTES | IVAL_OBJECTION, [objection],
 * [minutes].
 */
#define IVAL_MINUTES 0x40u
#define IVAL_OBJECTION 0x80u
_Static_assert(KAM_IK_OTHER <= 7 && KAM_OUT_CALLBACK <= 7, "kind and outcome take 3 bits each");

#define ROLLUP_VERSION 2
#define ROLLUP_MAX 96

/*
 * Rollup cache sizes: slots, kept at most half full. Small on purpose: measured with 1M orders over
 * 100k accounts, a table this size gains ~30% when rows come grouped by account, and a larger one
 * (2^17 slots) was slower in every case (cache misses and rehashing cost more than the LMDB
 * lookups they save).
 */
#define RC_MIN_CAP 256u
#define RC_KEEP_CAP 4096u
#define RC_MAX_CAP 4096u

/* Rollup fields a removal may invalidate; rescanned from the index. */
enum {
	NEED_ORDER_SPAN = 1 << 0,
	NEED_LAST_INTERACTION = 1 << 1,
	NEED_LAST_CALL = 1 << 2,
	NEED_LAST_VISIT = 1 << 3,
};

struct rc_ent {
	kam_rollup r;
	uint32_t hash;
	uint32_t seq; /* order of insertion since the table was last emptied */
	uint8_t used, len;
	uint8_t loaded, dirty; /* halves read from the database, halves changed */
	uint8_t col_loaded;    /* halves whose columns are in col[] */
	char id[KAM_ID_MAX];
	kam_col_rows col[2];        /* the account's orders, interactions (col_ref) */
};

struct rcache {
	struct rc_ent *tab;
	uint32_t cap, count;
	uint32_t next_seq;
	struct rc_ent *last; /* the entry used last: rows come grouped by account */
	int changed;         /* some entry is dirty (readers of the columns flush first) */
};

/*
 * The greatest key of a database as the write transaction knows it (an upper bound: deletes
 * leave it as it was): a put of a greater key appends (MDB_APPEND), which skips the search and
 * fills pages completely, and is known to insert. Imports write mostly in key order.
 */
#define TAIL_KEY_MAX 512
enum { TAIL_UNKNOWN, TAIL_KEY, TAIL_EMPTY };

struct tail {
	int state;
	MDB_cursor *mc; /* the cursor appends go through, for the write transaction */
	uint32_t len;
	uint8_t key[TAIL_KEY_MAX];
};

/*
 * The region and owner index entries of new accounts, held back and written sorted: accounts
 * come by id, so these keys come in no order, and inserting them at random leaves pages half
 * full; sorted, a bulk load appends them. Entries are [db][len LE16][key]; they are written
 * before anything reads or changes these indexes, at commit, and when DEFER_MAX bytes wait.
 */
#define DEFER_MAX ((size_t)32 << 20)

struct deferred {
	kam_buf bytes;
	size_t n;
};

/*
 * Where the write transaction last looked an account up: rows name their accounts in id order
 * (an import), so the next account is mostly a step or two further, not worth a search from the
 * root. Any write to the accounts puts it back to unplaced.
 */
struct acc_walk {
	MDB_cursor *mc;
	int at;       /* the cursor is on the account key[0..len) */
	uint32_t len;
	uint8_t key[KAM_ID_MAX];
};

struct kam_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	char *dir;
	unsigned flags;
	uint32_t version;
	kam_txn *wtxn;    /* the write transaction in progress */
	unsigned readers; /* read transactions in progress: the map cannot move under them */
	int mapfull;      /* the current write transaction ran out of map */
	int unmapped;     /* LMDB failed to map a new size and has no map left (remap) */
	uintptr_t psize;  /* LMDB's page size */
	kam_buf enc;      /* encoding buffer of the write transaction */
	kam_buf colbuf;   /* encoding buffer of columns */
	struct rcache rc; /* rollups touched by the write transaction */
	kam_rollup none;  /* kam_rollup_init() */
	struct tail tail[DB_COUNT]; /* of the write transaction */
	struct acc_walk aw;         /* of the write transaction */
	struct deferred defer;      /* of the write transaction */
};

/*
 * The part of every cursor-like handle (record cursors, facts readers, table cursors) that its
 * transaction knows: the LMDB cursor ends with the transaction, the handle lives on detached.
 */
struct curlink {
	kam_txn *txn; /* NULL once the transaction has ended */
	struct curlink *next, *prev;
	MDB_cursor *mc;
};

struct kam_txn {
	kam_store *store;
	MDB_txn *txn;
	int write;
	int err;                 /* first failure of a write that may have half happened */
	struct curlink *cursors; /* open cursors: their LMDB cursors end with the transaction */
	uint64_t writes;         /* records written so far (facts readers notice changes) */
};

/*
 * A rollup half read in lockstep with an account cursor (kam_cursor_rollup): accounts come in
 * id order, so the half's cursor only moves forward, mostly by one entry, instead of descending
 * the tree for every account.
 */
enum { HW_UNPLACED, HW_AT, HW_END };

struct half_walk {
	struct curlink l;
	int state;
	MDB_val k, v; /* the entry the cursor is on (HW_AT) */
};

struct kam_cursor {
	struct curlink l;
	struct curlink rl; /* on the records, for index scans */
	kam_kind kind;
	kam_scan scan;
	int started, done;
	int32_t from, to;
	uint32_t plen;
	uint8_t prefix[KAM_KEYTEXT_MAX + 1];
	/* Account cursors: the id read last, for kam_cursor_rollup, and the rollup halves. */
	uint32_t idlen; /* 0: no account read (yet) */
	char id[KAM_ID_MAX];
	struct half_walk hw[2];
	/* Account scans of orders and interactions: the window's ids (length byte, bytes). */
	kam_buf fids;
	size_t fpos;
	uintptr_t page; /* of the entry read last (page_prefetch) */
};

/* ---- errors ---- */

/* The one place where MDB and errno codes become Kam codes. */
static int kam_from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return KAM_ENOTFOUND;
	case MDB_KEYEXIST:
		return KAM_EEXIST;
	case MDB_MAP_FULL:
		return KAM_EMAPFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
		return KAM_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return KAM_EVERSION;
	case MDB_READERS_FULL:
	case EBUSY:
	case EAGAIN:
		return KAM_EBUSY;
	case ENOMEM:
		return KAM_ENOMEM;
	case EACCES:
	case EPERM:
	case EROFS:
		return KAM_EPERM;
	case ENOENT:
		return KAM_ENOTFOUND;
	case ENOSPC:
	case EDQUOT:
		return KAM_ENOSPC;
	default:
		return KAM_EIO;
	}
}

/*
 * Whether the file system of the database is full. LMDB turns a short write, which is what a
 * full disk gives, into EIO: a write error on a full disk is reported as KAM_ENOSPC instead.
 */
static bool disk_full(const char *dir)
{
	struct statvfs st;
	return statvfs(dir, &st) == 0 && (uint64_t)st.f_bavail * st.f_frsize < DISK_FULL_BYTES;
}

/* Records the failure of a write transaction: every later call on it returns it. */
static int txn_fail(kam_txn *t, int rc)
{
	if (rc == KAM_EIO && disk_full(t->store->dir))
		rc = KAM_ENOSPC;
	if (rc == KAM_EMAPFULL)
		t->store->mapfull = 1;
	if (!t->err)
		t->err = rc;
	return rc;
}

/* An LMDB write call's result; anything but "not found"/"exists" poisons the transaction. */
static int wres(kam_txn *t, int mrc)
{
	int rc = kam_from_mdb(mrc);
	if (rc && mrc != MDB_NOTFOUND && mrc != MDB_KEYEXIST)
		rc = txn_fail(t, rc);
	return rc;
}

/* ---- appending ---- */

/*
 * The bytewise order of LMDB's default comparison: memcmp, then the shorter first. Index keys
 * share the account's id and differ in the date after it: kam_str_cmp goes eight bytes at a
 * time, not through memcmp, whose masked vector loads were seen to be very slow near the end of
 * a mapping on virtual machines. Never reads past either key (at most 511 bytes).
 */
static inline int key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	return kam_str_cmp((kam_str){ a, (uint32_t)alen }, (kam_str){ b, (uint32_t)blen });
}

/*
 * Appends k -> v to `db` when k is greater than every key there. Returns 1 when appended, 0 when
 * the caller must put the usual way, or a negative code (the transaction has failed).
 */
/* Learns the greatest key of `db` when it is not known yet. Returns 0 or a negative code. */
static int tail_load(kam_txn *t, int db)
{
	struct tail *tl = &t->store->tail[db];
	if (tl->state != TAIL_UNKNOWN)
		return 0;
	if (!tl->mc) {
		int mrc = mdb_cursor_open(t->txn, t->store->dbi[db], &tl->mc);
		if (mrc)
			return txn_fail(t, kam_from_mdb(mrc));
	}
	MDB_val lk, lv;
	int mrc = mdb_cursor_get(tl->mc, &lk, &lv, MDB_LAST);
	if (mrc == MDB_NOTFOUND) {
		tl->state = TAIL_EMPTY;
	} else if (mrc) {
		return txn_fail(t, kam_from_mdb(mrc));
	} else if (lk.mv_size <= TAIL_KEY_MAX) {
		memcpy(tl->key, lk.mv_data, lk.mv_size);
		tl->len = (uint32_t)lk.mv_size;
		tl->state = TAIL_KEY;
	} /* else not ours to append to; stays unknown */
	return 0;
}

/*
 * Whether k is greater than every key of `db` (so not there): 1, 0 (perhaps there), or a negative
 * code. Saves a search for keys an import has not written yet.
 */
static int tail_beyond(kam_txn *t, int db, const uint8_t *k, size_t klen)
{
	int rc = tail_load(t, db);
	if (rc)
		return rc;
	struct tail *tl = &t->store->tail[db];
	if (tl->state == TAIL_EMPTY)
		return 1;
	return tl->state == TAIL_KEY && key_cmp(k, klen, tl->key, tl->len) > 0;
}

static int tail_append(kam_txn *t, int db, const MDB_val *k, const MDB_val *v)
{
	struct tail *tl = &t->store->tail[db];
	if (k->mv_size > TAIL_KEY_MAX)
		return 0;
	int rc = tail_load(t, db);
	if (rc)
		return rc;
	if (tl->state == TAIL_UNKNOWN)
		return 0;
	if (tl->state == TAIL_KEY && key_cmp(k->mv_data, k->mv_size, tl->key, tl->len) <= 0)
		return 0;
	MDB_val kk = *k, vv = *v;
	int mrc = mdb_cursor_put(tl->mc, &kk, &vv, MDB_APPEND);
	if (mrc == MDB_KEYEXIST)
		return 0; /* a put that bypassed us went further: LMDB checks */
	if (mrc)
		return wres(t, mrc);
	memcpy(tl->key, k->mv_data, k->mv_size);
	tl->len = (uint32_t)k->mv_size;
	tl->state = TAIL_KEY;
	return 1;
}

/* Puts k -> v, appending when it can. */
static int put_fast(kam_txn *t, int db, const MDB_val *k, const MDB_val *v)
{
	int rc = tail_append(t, db, k, v);
	if (rc)
		return rc < 0 ? rc : 0;
	MDB_val kk = *k, vv = *v;
	return wres(t, mdb_put(t->txn, t->store->dbi[db], &kk, &vv, 0));
}

static void tails_close(kam_store *s)
{
	for (int i = 0; i < DB_COUNT; i++) {
		if (s->tail[i].mc)
			mdb_cursor_close(s->tail[i].mc);
		s->tail[i].mc = NULL;
		s->tail[i].state = TAIL_UNKNOWN;
	}
	if (s->aw.mc)
		mdb_cursor_close(s->aw.mc);
	s->aw.mc = NULL;
	s->aw.at = 0;
}

/* ---- byte helpers ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static MDB_val mval(const void *p, size_t n)
{
	return (MDB_val){ n, (void *)p };
}

static int date_cmp(kam_date a, kam_date b)
{
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return (a.sec > b.sec) - (a.sec < b.sec);
}

static inline int id_ok(kam_str s)
{
	if (s.len < 1 || s.len > KAM_ID_MAX)
		return 0;
	const uint8_t *p = (const uint8_t *)s.ptr;
	uint32_t i = 0;
	for (; i + 8 <= s.len; i += 8) { /* a zero byte among eight, in one test */
		uint64_t v;
		memcpy(&v, p + i, 8);
		if ((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull)
			return 0;
	}
	for (; i < s.len; i++)
		if (!p[i])
			return 0;
	return 1;
}

static int keytext_ok(kam_str s)
{
	return s.len <= KAM_KEYTEXT_MAX && (s.len == 0 || !memchr(s.ptr, 0, s.len));
}

/* A text field's value, empty when absent. */
static kam_str text_of(const void *rec, int field, kam_str s)
{
	if (!KAM_HAS(rec, field))
		return (kam_str){ "", 0 };
	return s;
}

/* Copies a view into `buf` (at least s.len bytes), which must outlive the result. */
static kam_str str_copy(kam_str s, char *buf)
{
	if (s.len)
		memcpy(buf, s.ptr, s.len);
	return (kam_str){ buf, s.len };
}

/* ---- keys and index values ---- */

static size_t key_text(uint8_t *k, kam_str text, kam_str id)
{
	if (text.len)
		memcpy(k, text.ptr, text.len);
	k[text.len] = 0;
	memcpy(k + text.len + 1, id.ptr, id.len);
	return text.len + 1 + id.len;
}

static uint8_t *put_uvarint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/*
 * Schema 2 kept an index entry per order and interaction, "account 0x00 DATE id" -> its figures;
 * the upgrade (upgrade_kind) reads them. DATE is the day in an order-preserving form that takes
 * 3 bytes for the days of years 1970 to 13452: 0x40 | BE22(day) for 0 <= day < 2^22, 0x00
 * BE32(day ^ 2^31) before, 0x80 BE32(day) after; then 0x00 for a date without a time, or 0x01
 * BE24(sec) for one with.
 */
#define DAY_SHORT ((int32_t)1 << 22)

/* Reads a day of `left` bytes at most; returns its size, or 0 when malformed. */
static size_t get_day(const uint8_t *p, size_t left, int32_t *day)
{
	if (left >= 3 && (p[0] & 0xc0) == 0x40) {
		*day = (int32_t)((uint32_t)(p[0] & 0x3f) << 16 | (uint32_t)p[1] << 8 | p[2]);
		return 3;
	}
	if (left < 5 || (p[0] != 0x00 && p[0] != 0x80))
		return 0;
	uint32_t u = get_be32(p + 1);
	*day = (int32_t)(p[0] ? u : u ^ 0x80000000u);
	/* only the shortest form is valid, so that each date has one key */
	if (p[0] ? *day < DAY_SHORT : *day >= 0)
		return 0;
	return 5;
}

static int dated_key_parse(const MDB_val *k, size_t plen, kam_date *d, kam_str *id)
{
	if (k->mv_size < plen)
		return KAM_ECORRUPT;
	const uint8_t *p = (const uint8_t *)k->mv_data + plen;
	size_t left = k->mv_size - plen, n = get_day(p, left, &d->day);
	if (!n || n >= left)
		return KAM_ECORRUPT;
	if (p[n] == 0) {
		d->sec = KAM_NO_TIME;
		n += 1;
	} else if (p[n] == 1 && left >= n + 4) {
		d->sec = (int32_t)((uint32_t)p[n + 1] << 16 | (uint32_t)p[n + 2] << 8 | p[n + 3]);
		if (d->sec >= 86400)
			return KAM_ECORRUPT;
		n += 4;
	} else {
		return KAM_ECORRUPT;
	}
	kam_str i = { (const char *)p + n, (uint32_t)(left - n) };
	if (!id_ok(i))
		return KAM_ECORRUPT;
	if (id)
		*id = i;
	return 0;
}

static inline int prefix_match(const MDB_val *k, const uint8_t *prefix, size_t plen)
{
	if (k->mv_size < plen)
		return 0;
	return key_cmp(k->mv_data, plen, prefix, plen) == 0;
}

/* What the index keeps of an order or interaction, and what rollups use. */
struct order_fact {
	kam_date date;
	kam_money amount, profit;
	int has_profit;
};

struct inter_fact {
	kam_date date;
	uint8_t kind, outcome, objection;
	int has_minutes;
	int64_t minutes;
};

static struct order_fact order_fact_of(const kam_order *o)
{
	struct order_fact f = { o->date, o->amount, 0, KAM_HAS(o, KAM_O_PROFIT) };
	if (f.has_profit)
		f.profit = o->profit;
	return f;
}

static struct inter_fact inter_fact_of(const kam_interaction *i)
{
	struct inter_fact f = { i->date, i->kind, 0, 0, KAM_HAS(i, KAM_I_MINUTES), 0 };
	if (KAM_HAS(i, KAM_I_OUTCOME))
		f.outcome = i->outcome;
	if (KAM_HAS(i, KAM_I_OBJECTION))
		f.objection = i->objection;
	if (f.has_minutes)
		f.minutes = i->minutes;
	return f;
}

/* The halves of a rollup, as bits. */
enum { HALF_ORDERS = 1, HALF_INTERACTIONS = 2, HALF_BOTH = 3 };

/* What the columns and the rollups keep of an order or an interaction. */
struct dated_fact {
	int half; /* HALF_ORDERS or HALF_INTERACTIONS: the kind */
	union {
		struct order_fact o;
		struct inter_fact i;
	} f;
};

static struct dated_fact dated_fact_of(kam_kind kind, const void *rec)
{
	struct dated_fact d;
	if (kind == KAM_ORDER) {
		d.half = HALF_ORDERS;
		d.f.o = order_fact_of(rec);
	} else {
		d.half = HALF_INTERACTIONS;
		d.f.i = inter_fact_of(rec);
	}
	return d;
}

static kam_date dated_date(const struct dated_fact *d)
{
	return d->half == HALF_ORDERS ? d->f.o.date : d->f.i.date;
}

/* The column row of fact d of the order or interaction `id`. */
static kam_col_row col_row_of(const struct dated_fact *d, kam_str id)
{
	kam_col_row r = { .idlen = (uint8_t)id.len };
	memcpy(r.id, id.ptr, id.len);
	if (d->half == HALF_ORDERS) {
		r.date = d->f.o.date;
		r.fig = d->f.o.amount;
		r.opt = d->f.o.has_profit ? d->f.o.profit : 0;
		r.has = d->f.o.has_profit != 0;
	} else {
		r.date = d->f.i.date;
		r.fig = d->f.i.has_minutes ? d->f.i.minutes : 0;
		r.has = d->f.i.has_minutes != 0;
		r.kind = d->f.i.kind;
		r.outcome = d->f.i.outcome;
		r.objection = d->f.i.objection;
	}
	return r;
}

/* kam_varint_get, inlined for the index values and rollups a whole-book scan reads millions of. */
static inline int varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	if (q < end && *q < 0x80) {
		*v = *q;
		*p = q + 1;
		return 0;
	}
	if (q + 1 < end && q[1] < 0x80) {
		*v = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
		*p = q + 2;
		return 0;
	}
	return kam_varint_get(p, end, v);
}

static int get_money(const uint8_t **p, const uint8_t *end, kam_money *v)
{
	uint64_t u, ur = 0;
	if (varint_get(p, end, &u) || ((u & 1) && varint_get(p, end, &ur)))
		return KAM_ECORRUPT;
	int64_t q = kam_unzigzag(u >> 1), r = kam_unzigzag(ur), m;
	/* only what put_money writes: a remainder of 1..99 with the sign of the whole */
	if (((u & 1) && (r == 0 || r <= -100 || r >= 100 || (q > 0 && r < 0) || (q < 0 && r > 0))) ||
	    __builtin_mul_overflow(q, 100, &m) || __builtin_add_overflow(m, r, v))
		return KAM_ECORRUPT;
	return 0;
}

/* The figures of an order index value (all but the date). */
static int order_ival_parse(const MDB_val *v, struct order_fact *f)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	if (get_money(&p, end, &f->amount))
		return KAM_ECORRUPT;
	f->profit = 0;
	f->has_profit = p != end;
	if (f->has_profit && get_money(&p, end, &f->profit))
		return KAM_ECORRUPT;
	return p == end ? 0 : KAM_ECORRUPT;
}

static int inter_ival_parse(const MDB_val *v, struct inter_fact *f)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	uint64_t u = 0;
	if (p == end)
		return KAM_ECORRUPT;
	uint8_t b = *p++;
	f->kind = b & 7;
	f->outcome = (b >> 3) & 7;
	f->has_minutes = (b & IVAL_MINUTES) != 0;
	f->objection = 0;
	if (b & IVAL_OBJECTION) {
		if (p == end || *p == 0)
			return KAM_ECORRUPT;
		f->objection = *p++;
	}
	if (f->has_minutes && varint_get(&p, end, &u))
		return KAM_ECORRUPT;
	f->minutes = (int64_t)u;
	return p == end ? 0 : KAM_ECORRUPT;
}

/* ---- rollups ---- */


static uint8_t *pack_date(uint8_t *p, kam_date d)
{
	if (d.day == KAM_NO_DAY) {
		*p++ = 0;
		return p;
	}
	p = put_uvarint(p, kam_zigzag(d.day) + 1);
	return put_uvarint(p, (uint64_t)((int64_t)d.sec + 1));
}

static int unpack_date(const uint8_t **p, const uint8_t *end, kam_date *d)
{
	uint64_t u, sec;
	if (varint_get(p, end, &u))
		return KAM_ECORRUPT;
	if (u == 0) {
		*d = (kam_date){ KAM_NO_DAY, KAM_NO_TIME };
		return 0;
	}
	int64_t day = kam_unzigzag(u - 1);
	if (varint_get(p, end, &sec) || day < INT32_MIN || day > INT32_MAX || sec > 86400)
		return KAM_ECORRUPT;
	*d = (kam_date){ (int32_t)day, (int32_t)sec - 1 };
	return 0;
}

static int unpack_count(const uint8_t **p, const uint8_t *end, uint32_t *n)
{
	uint64_t u;
	if (varint_get(p, end, &u) || u > UINT32_MAX)
		return KAM_ECORRUPT;
	*n = (uint32_t)u;
	return 0;
}

static int unpack_sum(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	uint64_t u;
	if (varint_get(p, end, &u))
		return KAM_ECORRUPT;
	*v = kam_unzigzag(u);
	return 0;
}

/*
 * One half of a rollup as varints, after a version byte. Orders: order_count, first_order,
 * last_order, revenue, profit; interactions: interaction_count, last_call, last_visit,
 * last_interaction, minutes. A date is 0 for none, else zig-zag(day) + 1 then sec + 1; sums are
 * zig-zag. Returns the size.
 */
static size_t rollup_pack(const kam_rollup *r, int half, uint8_t *buf)
{
	uint8_t *p = buf;
	*p++ = ROLLUP_VERSION;
	if (half == HALF_ORDERS) {
		p = put_uvarint(p, r->order_count);
		p = pack_date(p, r->first_order);
		p = pack_date(p, r->last_order);
		p = put_uvarint(p, kam_zigzag(r->revenue));
		p = put_uvarint(p, kam_zigzag(r->profit));
	} else {
		p = put_uvarint(p, r->interaction_count);
		p = pack_date(p, r->last_call);
		p = pack_date(p, r->last_visit);
		p = pack_date(p, r->last_interaction);
		p = put_uvarint(p, kam_zigzag(r->minutes));
	}
	return (size_t)(p - buf);
}

static int rollup_unpack(const MDB_val *v, int half, kam_rollup *r)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	if (p == end || *p++ != ROLLUP_VERSION)
		return KAM_ECORRUPT;
	int bad;
	if (half == HALF_ORDERS)
		bad = unpack_count(&p, end, &r->order_count) ||
		      unpack_date(&p, end, &r->first_order) ||
		      unpack_date(&p, end, &r->last_order) || unpack_sum(&p, end, &r->revenue) ||
		      unpack_sum(&p, end, &r->profit);
	else
		bad = unpack_count(&p, end, &r->interaction_count) ||
		      unpack_date(&p, end, &r->last_call) || unpack_date(&p, end, &r->last_visit) ||
		      unpack_date(&p, end, &r->last_interaction) ||
		      unpack_sum(&p, end, &r->minutes);
	return bad || p != end ? KAM_ECORRUPT : 0;
}

/* Reads a stored half into r (left as it is when not stored). */
static int rollup_load(kam_txn *t, kam_str acc, int half, kam_rollup *r)
{
	int db = half == HALF_ORDERS ? DB_ORDER_ROLLUPS : DB_INTER_ROLLUPS;
	MDB_val k = mval(acc.ptr, acc.len), v;
	int mrc = mdb_get(t->txn, t->store->dbi[db], &k, &v);
	if (mrc == MDB_NOTFOUND)
		return 0;
	if (mrc)
		return kam_from_mdb(mrc);
	return rollup_unpack(&v, half, r);
}

static int counts_call(uint8_t kind, uint8_t outcome)
{
	return kind == KAM_IK_CALL && outcome != KAM_OUT_NO_ANSWER;
}

static void date_max(kam_date *cur, kam_date d)
{
	if (cur->day == KAM_NO_DAY || date_cmp(d, *cur) > 0)
		*cur = d;
}

static void date_min(kam_date *cur, kam_date d)
{
	if (cur->day == KAM_NO_DAY || date_cmp(d, *cur) < 0)
		*cur = d;
}

static void rollup_add_order(kam_rollup *r, const struct order_fact *f)
{
	r->order_count++;
	r->revenue += f->amount;
	if (f->has_profit)
		r->profit += f->profit;
	date_min(&r->first_order, f->date);
	date_max(&r->last_order, f->date);
}

/* Takes an order out of the sums; returns the span fields it may have set. */
static unsigned rollup_sub_order(kam_rollup *r, const struct order_fact *f)
{
	r->order_count--;
	r->revenue -= f->amount;
	if (f->has_profit)
		r->profit -= f->profit;
	if (date_cmp(f->date, r->first_order) == 0 || date_cmp(f->date, r->last_order) == 0)
		return NEED_ORDER_SPAN;
	return 0;
}

static void rollup_add_inter(kam_rollup *r, const struct inter_fact *f)
{
	r->interaction_count++;
	if (f->has_minutes)
		r->minutes += f->minutes;
	date_max(&r->last_interaction, f->date);
	if (counts_call(f->kind, f->outcome))
		date_max(&r->last_call, f->date);
	if (f->kind == KAM_IK_VISIT)
		date_max(&r->last_visit, f->date);
}

static unsigned rollup_sub_inter(kam_rollup *r, const struct inter_fact *f)
{
	unsigned need = 0;
	r->interaction_count--;
	if (f->has_minutes)
		r->minutes -= f->minutes;
	if (date_cmp(f->date, r->last_interaction) == 0)
		need |= NEED_LAST_INTERACTION;
	if (counts_call(f->kind, f->outcome) && date_cmp(f->date, r->last_call) == 0)
		need |= NEED_LAST_CALL;
	if (f->kind == KAM_IK_VISIT && date_cmp(f->date, r->last_visit) == 0)
		need |= NEED_LAST_VISIT;
	return need;
}

/* ---- rollup cache of a write transaction ---- */

static uint32_t rc_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static struct rc_ent *rc_find(struct rcache *rc, kam_str id, uint32_t h)
{
	if (!rc->cap)
		return NULL;
	uint32_t mask = rc->cap - 1;
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		struct rc_ent *e = &rc->tab[i];
		if (!e->used)
			return NULL;
		if (e->hash == h && e->len == id.len && memcmp(e->id, id.ptr, id.len) == 0)
			return e;
	}
}

/* Adds an entry that is not there; the caller has made room (rc_reserve). */
static struct rc_ent *rc_insert(struct rcache *rc, kam_str id, uint32_t h)
{
	uint32_t mask = rc->cap - 1, i = h & mask;
	while (rc->tab[i].used)
		i = (i + 1) & mask;
	struct rc_ent *e = &rc->tab[i];
	e->used = 1;
	e->loaded = 0;
	e->dirty = 0;
	e->col_loaded = 0;
	e->col[0] = e->col[1] = (kam_col_rows){ 0 };
	e->hash = h;
	e->seq = rc->next_seq++;
	e->len = (uint8_t)id.len;
	memcpy(e->id, id.ptr, id.len);
	rc->count++;
	return e;
}

/* Removes an entry, shifting later entries of its probe run back (no tombstones). */
static void rc_remove(struct rcache *rc, struct rc_ent *e)
{
	kam_col_free(&e->col[0]);
	kam_col_free(&e->col[1]);
	uint32_t mask = rc->cap - 1, i = (uint32_t)(e - rc->tab), j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!rc->tab[j].used)
			break;
		uint32_t home = rc->tab[j].hash & mask;
		/* The entry at j may move to i only if its home is not in (i, j]. */
		int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		rc->tab[i] = rc->tab[j];
		i = j;
	}
	rc->tab[i].used = 0;
	rc->tab[i].col[0] = rc->tab[i].col[1] = (kam_col_rows){ 0 }; /* moved, or freed above */
	rc->count--;
	rc->last = NULL;
}

/* Frees the columns the entries hold, before the table is emptied. */
static void rc_free_cols(struct rcache *rc)
{
	for (uint32_t i = 0; rc->count && i < rc->cap; i++) {
		if (!rc->tab[i].used)
			continue;
		kam_col_free(&rc->tab[i].col[0]);
		kam_col_free(&rc->tab[i].col[1]);
	}
}

static void rc_clear(struct rcache *rc)
{
	rc_free_cols(rc);
	rc->last = NULL;
	rc->changed = 0;
	if (rc->cap > RC_KEEP_CAP) {
		free(rc->tab);
		rc->tab = NULL;
		rc->cap = 0;
	} else if (rc->count) {
		memset(rc->tab, 0, (size_t)rc->cap * sizeof(*rc->tab));
	}
	rc->count = 0;
	rc->next_seq = 0;
}

static int rc_grow(struct rcache *rc)
{
	uint32_t cap = rc->cap ? rc->cap * 2 : RC_MIN_CAP;
	struct rc_ent *tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return KAM_ENOMEM;
	struct rcache n = { tab, cap, 0, 0, NULL };
	for (uint32_t i = 0; i < rc->cap; i++) {
		struct rc_ent *e = &rc->tab[i];
		if (e->used)
			*rc_insert(&n, (kam_str){ e->id, e->len }, e->hash) = *e;
	}
	n.next_seq = rc->next_seq;
	n.changed = rc->changed;
	free(rc->tab);
	*rc = n; /* last is NULL in n */
	return 0;
}

static int rc_ent_cmp(const void *a, const void *b)
{
	const struct rc_ent *x = *(const struct rc_ent *const *)a, *y = *(const struct rc_ent *const *)b;
	return key_cmp(x->id, x->len, y->id, y->len);
}

static int ikey_del(kam_txn *t, int db, const uint8_t *key, size_t klen);

/*
 * Writes the changed rollups of the cache to the database, in key order: B-tree inserts in
 * order touch each page once, where hash order would touch them at random. An import names its
 * accounts in id order, so the entries are taken in their order of insertion and only sorted
 * when that is not already key order.
 */
static int rc_flush(kam_txn *t)
{
	kam_store *s = t->store;
	struct rcache *rc = &s->rc;
	if (!rc->count || !rc->changed)
		return 0;
	/* Deletes free entries for reuse: after very many, table order is as good. */
	int by_seq = rc->next_seq <= 2 * rc->cap;
	size_t span = by_seq ? rc->next_seq : rc->cap;
	struct rc_ent **dirty = calloc(span, sizeof(*dirty));
	if (!dirty)
		return txn_fail(t, KAM_ENOMEM);
	for (uint32_t i = 0; i < rc->cap; i++)
		if (rc->tab[i].used && rc->tab[i].dirty)
			dirty[by_seq ? rc->tab[i].seq : i] = &rc->tab[i];
	size_t n = 0;
	for (size_t i = 0; i < span; i++)
		if (dirty[i])
			dirty[n++] = dirty[i];
	for (size_t i = 1; i < n; i++) {
		if (rc_ent_cmp(&dirty[i - 1], &dirty[i]) > 0) {
			qsort(dirty, n, sizeof(*dirty), rc_ent_cmp);
			break;
		}
	}
	uint8_t buf[ROLLUP_MAX], empty[ROLLUP_MAX];
	int rc2 = 0;
	for (int half = HALF_ORDERS; half <= HALF_INTERACTIONS && !rc2; half <<= 1) {
		int db = half == HALF_ORDERS ? DB_ORDER_ROLLUPS : DB_INTER_ROLLUPS;
		/* A half that packs like the empty one holds nothing: it is not stored. */
		size_t elen = rollup_pack(&s->none, half, empty);
		for (size_t i = 0; i < n && !rc2; i++) {
			struct rc_ent *e = dirty[i];
			if (!(e->dirty & half))
				continue;
			size_t len = rollup_pack(&e->r, half, buf);
			if (len == elen && memcmp(buf, empty, len) == 0) {
				rc2 = ikey_del(t, db, (const uint8_t *)e->id, e->len);
			} else {
				MDB_val k = mval(e->id, e->len), v = mval(buf, len);
				rc2 = put_fast(t, db, &k, &v);
			}
		}
	}
	for (int half = HALF_ORDERS; half <= HALF_INTERACTIONS && !rc2; half <<= 1) {
		int db = half == HALF_ORDERS ? DB_ORDER_COLUMNS : DB_INTER_COLUMNS;
		for (size_t i = 0; i < n && !rc2; i++) {
			struct rc_ent *e = dirty[i];
			if (!(e->dirty & e->col_loaded & half))
				continue;
			const kam_col_rows *c = &e->col[half == HALF_ORDERS ? 0 : 1];
			if (!c->n) {
				rc2 = ikey_del(t, db, (const uint8_t *)e->id, e->len);
			} else if ((rc2 = kam_col_encode(c, half == HALF_ORDERS, &s->colbuf))) {
				rc2 = txn_fail(t, rc2);
			} else {
				MDB_val k = mval(e->id, e->len), v = mval(s->colbuf.data, s->colbuf.len);
				rc2 = put_fast(t, db, &k, &v);
			}
		}
	}
	for (size_t i = 0; i < n && !rc2; i++)
		dirty[i]->dirty = 0;
	rc->changed = rc2 != 0;
	free(dirty);
	return rc2;
}

/*
 * Makes room for `n` new entries, so that entry pointers taken during one operation stay
 * valid: grows the table, or when it is as large as allowed, writes it out and empties it.
 */
static int rc_reserve(kam_txn *t, uint32_t n)
{
	struct rcache *rc = &t->store->rc;
	if ((rc->count + n) * 2 <= rc->cap)
		return 0;
	if (rc->cap < RC_MAX_CAP)
		return rc_grow(rc);
	int rc2 = rc_flush(t);
	if (rc2)
		return rc2;
	/*
	 * Emptied in place: growing again (and freeing the table at the next clear) would map fresh
	 * zero pages for every few thousand accounts of an import, and their page faults cost more
	 * than the lookups the cache saves.
	 */
	rc_free_cols(rc);
	rc->last = NULL;
	memset(rc->tab, 0, (size_t)rc->cap * sizeof(*rc->tab));
	rc->count = 0;
	rc->next_seq = 0;
	return 0;
}

#define ACC_WALK_STEPS 4

/* Puts the account walk on the key k (an id: no longer than KAM_ID_MAX), or unplaces it. */
static void acc_walk_note(struct acc_walk *w, const MDB_val *k)
{
	w->at = k->mv_size <= KAM_ID_MAX;
	if (w->at) {
		memcpy(w->key, k->mv_data, k->mv_size);
		w->len = (uint32_t)k->mv_size;
	}
}

/* Whether the account `acc` exists: 0, KAM_ENOTFOUND, or a read error. */
static int account_find(kam_txn *t, kam_str acc)
{
	struct acc_walk *w = &t->store->aw;
	MDB_val k, v;
	int mrc;
	if (w->at && key_cmp(acc.ptr, acc.len, w->key, w->len) > 0) {
		for (int i = 0; i < ACC_WALK_STEPS; i++) {
			mrc = mdb_cursor_get(w->mc, &k, &v, MDB_NEXT);
			if (mrc == MDB_NOTFOUND)
				return KAM_ENOTFOUND; /* past the last account; stays there */
			if (mrc) {
				w->at = 0;
				return kam_from_mdb(mrc);
			}
			acc_walk_note(w, &k);
			int c = key_cmp(acc.ptr, acc.len, k.mv_data, k.mv_size);
			if (c <= 0)
				return c ? KAM_ENOTFOUND : 0;
			if (!w->at)
				break;
		}
	}
	if (!w->mc) {
		mrc = mdb_cursor_open(t->txn, t->store->dbi[DB_ACCOUNTS], &w->mc);
		if (mrc)
			return kam_from_mdb(mrc);
	}
	k = mval(acc.ptr, acc.len);
	mrc = mdb_cursor_get(w->mc, &k, &v, MDB_SET_RANGE);
	w->at = 0;
	if (mrc)
		return kam_from_mdb(mrc);
	acc_walk_note(w, &k);
	return key_cmp(acc.ptr, acc.len, k.mv_data, k.mv_size) ? KAM_ENOTFOUND : 0;
}

/*
 * The cached rollup of an existing account, with the halves in `halves` loaded. Returns 0,
 * KAM_ENOTFOUND (no such account), or a read error.
 */
static int rollup_ref(kam_txn *t, kam_str acc, int halves, struct rc_ent **out)
{
	kam_store *s = t->store;
	struct rc_ent *e = s->rc.last;
	if (!e || e->len != acc.len || memcmp(e->id, acc.ptr, acc.len) != 0) {
		uint32_t h = rc_hash(acc.ptr, acc.len);
		e = rc_find(&s->rc, acc, h);
		if (!e) {
			int rc = account_find(t, acc);
			if (rc)
				return rc;
			e = rc_insert(&s->rc, acc, h);
			e->r = s->none;
		}
		s->rc.last = e;
	}
	for (int half = HALF_ORDERS; half <= HALF_INTERACTIONS; half <<= 1) {
		if (!(halves & half) || (e->loaded & half))
			continue;
		int db = half == HALF_ORDERS ? DB_ORDER_ROLLUPS : DB_INTER_ROLLUPS;
		int rc = tail_beyond(t, db, (const uint8_t *)acc.ptr, acc.len);
		if (rc == 0)
			rc = rollup_load(t, acc, half, &e->r);
		if (rc < 0)
			return rc;
		e->loaded |= (uint8_t)half;
	}
	*out = e;
	return 0;
}

/* The rollup of the account a new row refers to: KAM_EREF when there is no such account. */
static int account_ref(kam_txn *t, kam_str acc, int halves, struct rc_ent **out)
{
	int rc = rollup_ref(t, acc, halves, out);
	return rc == KAM_ENOTFOUND ? KAM_EREF : rc;
}

/* ---- index scans ---- */

static size_t key_account(uint8_t *k, kam_str acc, uint8_t last)
{
	if (acc.len) /* the empty region may come as { NULL, 0 } */
		memcpy(k, acc.ptr, acc.len);
	k[acc.len] = last;
	return acc.len + 1;
}

/* Whether any key of `db` starts with `acc` 0x00. */
static int has_refs(kam_txn *t, int db, kam_str acc, int *found)
{
	uint8_t p[KAM_ID_MAX + 1];
	size_t plen = key_account(p, acc, 0);
	MDB_cursor *mc;
	int rc = kam_from_mdb(mdb_cursor_open(t->txn, t->store->dbi[db], &mc));
	if (rc)
		return rc;
	MDB_val k = mval(p, plen), v;
	int mrc = mdb_cursor_get(mc, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(mc);
	*found = mrc == 0 && prefix_match(&k, p, plen);
	return mrc == MDB_NOTFOUND ? 0 : kam_from_mdb(mrc);
}

/*
 * The columns of `half` of a cached account (rollup_ref), read from the database on first use;
 * they are written back with its rollup (rc_flush).
 */
static int col_ref(kam_txn *t, struct rc_ent *e, int half, kam_col_rows **out)
{
	kam_col_rows *c = &e->col[half == HALF_ORDERS ? 0 : 1];
	if (!(e->col_loaded & half)) {
		int db = half == HALF_ORDERS ? DB_ORDER_COLUMNS : DB_INTER_COLUMNS;
		c->n = 0;
		int rc = tail_beyond(t, db, (const uint8_t *)e->id, e->len);
		if (rc < 0)
			return rc;
		MDB_val k = mval(e->id, e->len), v;
		int mrc = rc ? MDB_NOTFOUND : mdb_get(t->txn, t->store->dbi[db], &k, &v);
		if (mrc && mrc != MDB_NOTFOUND)
			return kam_from_mdb(mrc);
		kam_col_view cv;
		if (!mrc && ((rc = kam_col_open(v.mv_data, v.mv_size, half == HALF_ORDERS, &cv)) ||
			     (rc = kam_col_load(c, &cv))))
			return rc;
		e->col_loaded |= (uint8_t)half;
	}
	*out = c;
	return 0;
}

/*
 * The stored columns of `acc` of `kind` into *v: 1, 0 when it has none, or a negative code. A
 * write transaction writes its changed columns first.
 */
static int col_read(kam_txn *t, kam_kind kind, kam_str acc, kam_col_view *v)
{
	int rc = t->write ? rc_flush(t) : 0;
	if (rc)
		return rc;
	MDB_val k = mval(acc.ptr, acc.len), val;
	int mrc = mdb_get(t->txn, t->store->dbi[DB_COLUMNS(kind)], &k, &val);
	if (mrc)
		return mrc == MDB_NOTFOUND ? 0 : kam_from_mdb(mrc);
	rc = kam_col_open(val.mv_data, val.mv_size, kind == KAM_ORDER, v);
	return rc ? rc : 1;
}

static struct order_fact order_fact_of_row(const kam_col_row *r)
{
	return (struct order_fact){ r->date, r->fig, r->opt, r->has };
}

static struct inter_fact inter_fact_of_row(const kam_col_row *r)
{
	return (struct inter_fact){ r->date, r->kind, r->outcome, r->objection, r->has, r->fig };
}

/* first_order and last_order of an account from its first and last order. */
static void col_order_span(const kam_store *s, const kam_col_rows *c, kam_rollup *r)
{
	r->first_order = c->n ? c->rows[0].date : s->none.first_order;
	r->last_order = c->n ? c->rows[c->n - 1].date : s->none.last_order;
}

/* Recomputes the `need` latest-date fields of an account by walking its interactions backward. */
static void col_inter_latest(const kam_store *s, const kam_col_rows *c, unsigned need, kam_rollup *r)
{
	if (need & NEED_LAST_INTERACTION)
		r->last_interaction = s->none.last_interaction;
	if (need & NEED_LAST_CALL)
		r->last_call = s->none.last_call;
	if (need & NEED_LAST_VISIT)
		r->last_visit = s->none.last_visit;
	for (size_t i = c->n; need && i-- > 0;) {
		const kam_col_row *f = &c->rows[i];
		if (need & NEED_LAST_INTERACTION) {
			r->last_interaction = f->date;
			need &= ~(unsigned)NEED_LAST_INTERACTION;
		}
		if ((need & NEED_LAST_CALL) && counts_call(f->kind, f->outcome)) {
			r->last_call = f->date;
			need &= ~(unsigned)NEED_LAST_CALL;
		}
		if ((need & NEED_LAST_VISIT) && f->kind == KAM_IK_VISIT) {
			r->last_visit = f->date;
			need &= ~(unsigned)NEED_LAST_VISIT;
		}
	}
}

/* Folds every order or interaction of an account into `r`. */
static int scan_all(kam_txn *t, kam_kind kind, kam_str acc, kam_rollup *r)
{
	kam_col_view v;
	int rc = col_read(t, kind, acc, &v);
	if (rc <= 0)
		return rc;
	if (kam_col_check(&v))
		return KAM_ECORRUPT;
	for (size_t i = 0; i < v.n; i++) {
		kam_col_row row;
		kam_col_fact(&v, i, &row);
		if (kind == KAM_ORDER) {
			struct order_fact f = order_fact_of_row(&row);
			rollup_add_order(r, &f);
		} else {
			struct inter_fact f = inter_fact_of_row(&row);
			rollup_add_inter(r, &f);
		}
	}
	return 0;
}

/* ---- upgrading older schemas: 1 and 2 to columns (3), then the number (4) ---- */

/* The indexes schema 3 replaced with columns, of orders and of interactions. */
static const char *const old_index_names[2] = { "orders_by_account", "interactions_by_account" };

/* Puts the columns c of account acc (n > 0 rows). */
static int upgrade_put(kam_txn *t, kam_kind kind, kam_str acc, const kam_col_rows *c)
{
	kam_store *s = t->store;
	int rc = kam_col_encode(c, kind == KAM_ORDER, &s->colbuf);
	if (rc)
		return txn_fail(t, rc);
	MDB_val k = mval(acc.ptr, acc.len), v = mval(s->colbuf.data, s->colbuf.len);
	return put_fast(t, DB_COLUMNS(kind), &k, &v);
}

/* One fact of the old index: the entry k -> v of an account whose key prefix is plen bytes. */
static int upgrade_row(kam_kind kind, const MDB_val *k, const MDB_val *v, size_t plen,
		       kam_col_row *row)
{
	struct dated_fact d = { kind == KAM_ORDER ? HALF_ORDERS : HALF_INTERACTIONS };
	kam_date date;
	kam_str id;
	int rc = dated_key_parse(k, plen, &date, &id);
	if (!rc && kind == KAM_ORDER) {
		rc = order_ival_parse(v, &d.f.o);
		d.f.o.date = date;
	} else if (!rc) {
		rc = inter_ival_parse(v, &d.f.i);
		d.f.i.date = date;
	}
	if (!rc)
		*row = col_row_of(&d, id);
	return rc;
}

/*
 * Builds the columns of `kind` from its old index, whose entries come by account, each
 * account's in (date, id) order, and in the order of the columns' keys; then drops the index.
 */
static int upgrade_kind(kam_txn *t, kam_kind kind)
{
	MDB_dbi old;
	MDB_cursor *mc = NULL;
	int mrc = mdb_dbi_open(t->txn, old_index_names[kind == KAM_INTERACTION], 0, &old);
	if (!mrc)
		mrc = mdb_cursor_open(t->txn, old, &mc);
	if (mrc)
		return mrc == MDB_NOTFOUND ? KAM_ECORRUPT : kam_from_mdb(mrc);
	kam_col_rows col = { 0 };
	char acc[KAM_ID_MAX];
	kam_str a = { acc, 0 };
	MDB_val k, v;
	int rc = 0;
	for (mrc = mdb_cursor_get(mc, &k, &v, MDB_FIRST); !mrc && !rc;
	     mrc = mdb_cursor_get(mc, &k, &v, MDB_NEXT)) {
		const char *nul = memchr(k.mv_data, 0, k.mv_size);
		kam_str ka = { k.mv_data, nul ? (uint32_t)(nul - (const char *)k.mv_data) : 0 };
		kam_col_row row;
		if (!nul || !id_ok(ka) || upgrade_row(kind, &k, &v, ka.len + 1, &row)) {
			rc = KAM_ECORRUPT;
			break;
		}
		if (col.n && !kam_str_eq(ka, a)) {
			rc = upgrade_put(t, kind, a, &col);
			col.n = 0;
		}
		memcpy(acc, ka.ptr, ka.len);
		a.len = ka.len;
		if (!rc)
			rc = kam_col_insert(&col, col.n, &row);
	}
	if (!rc && mrc != MDB_NOTFOUND)
		rc = kam_from_mdb(mrc);
	if (!rc && col.n)
		rc = upgrade_put(t, kind, a, &col);
	mdb_cursor_close(mc);
	kam_col_free(&col);
	return rc ? rc : wres(t, mdb_drop(t->txn, old, 1));
}

/* Upgrades the database to KAM_SCHEMA_VERSION: columns before schema 3, then the number. */
static int upgrade_write(kam_txn *t, void *arg)
{
	(void)arg;
	kam_store *s = t->store;
	int rc = 0;
	for (int db = DB_ORDER_COLUMNS; s->version < 3 && db <= DB_INTER_COLUMNS; db++)
		if ((rc = wres(t, mdb_dbi_open(t->txn, db_names[db], MDB_CREATE, &s->dbi[db]))))
			return rc;
	if (s->version < 3 && !(rc = upgrade_kind(t, KAM_ORDER)))
		rc = upgrade_kind(t, KAM_INTERACTION);
	if (rc)
		return rc;
	uint8_t buf[4];
	put_le32(buf, KAM_SCHEMA_VERSION);
	MDB_val k = mval(SCHEMA_KEY, sizeof(SCHEMA_KEY) - 1), v = mval(buf, 4);
	return wres(t, mdb_put(t->txn, s->dbi[DB_META], &k, &v, 0));
}

/* ---- opening ---- */

static int errno_to_kam(int e)
{
	return kam_from_mdb(e ? e : EIO);
}

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/*
 * Sets the map size (0: the size another process grew it to). LMDB unmaps the old map before it
 * maps the new one, and an environment whose mapping failed has no map and no way to get one
 * back: so the address space is tried first (a size the process cannot map, under ulimit -v, is
 * refused with KAM_ENOMEM and the old map stays), and should LMDB still fail to map, the store
 * refuses every later transaction with KAM_ENOMEM rather than read through a missing map.
 */
static int remap(kam_store *s, size_t size)
{
	if (size) {
		void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
		if (p == MAP_FAILED)
			return KAM_ENOMEM;
		munmap(p, size);
	}
	int mrc = mdb_env_set_mapsize(s->env, size);
	if (mrc && mrc != EINVAL) /* EINVAL: refused before unmapping */
		s->unmapped = 1;
	return kam_from_mdb(mrc);
}

/*
 * Takes the size another process grew the map to, after LMDB said MDB_MAP_RESIZED: a new
 * transaction cannot start in the old one. KAM_EBUSY while this process has transactions open,
 * since remapping would pull the map from under them.
 */
static int adopt_grown_map(kam_store *s)
{
	return s->readers || s->wtxn ? KAM_EBUSY : remap(s, 0);
}

/* Begins an LMDB transaction, adopting a map that another process has grown. */
static int begin_raw(kam_store *s, unsigned flags, MDB_txn **out)
{
	if (s->unmapped)
		return KAM_ENOMEM;
	for (int tries = 0;; tries++) {
		int mrc = mdb_txn_begin(s->env, NULL, flags, out);
		if (mrc != MDB_MAP_RESIZED || tries >= 8)
			return kam_from_mdb(mrc);
		int rc = adopt_grown_map(s);
		if (rc)
			return rc;
	}
}

static int read_version(MDB_txn *txn, MDB_dbi meta, uint32_t *out)
{
	MDB_val k = mval(SCHEMA_KEY, sizeof(SCHEMA_KEY) - 1), v;
	int mrc = mdb_get(txn, meta, &k, &v);
	if (mrc == MDB_NOTFOUND)
		return KAM_ECORRUPT;
	if (mrc)
		return kam_from_mdb(mrc);
	if (v.mv_size != 4)
		return KAM_ECORRUPT;
	uint32_t ver = get_le32(v.mv_data);
	if (ver > KAM_SCHEMA_VERSION)
		return KAM_EVERSION;
	if (ver < 1)
		return KAM_ECORRUPT;
	*out = ver;
	return 0;
}

/* Creates the databases of an empty environment (or checks a concurrent creator's). */
static int create_dbs(kam_store *s)
{
	MDB_txn *txn;
	int rc = begin_raw(s, 0, &txn);
	if (rc)
		return rc;
	int mrc = mdb_dbi_open(txn, db_names[DB_META], MDB_CREATE, &s->dbi[DB_META]);
	if (mrc)
		goto fail;
	rc = read_version(txn, s->dbi[DB_META], &s->version);
	if (rc == KAM_ECORRUPT) {
		/* No version: nobody wrote this database yet; anything else in meta is damage. */
		MDB_stat st;
		mrc = mdb_stat(txn, s->dbi[DB_META], &st);
		if (mrc)
			goto fail;
		if (st.ms_entries)
			goto out;
		uint8_t buf[4];
		put_le32(buf, KAM_SCHEMA_VERSION);
		MDB_val k = mval(SCHEMA_KEY, sizeof(SCHEMA_KEY) - 1), v = mval(buf, 4);
		mrc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
		if (mrc)
			goto fail;
		s->version = KAM_SCHEMA_VERSION;
		rc = 0;
	}
	if (rc)
		goto out;
	for (int i = 0; i < DB_META; i++) {
		mrc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (mrc)
			goto fail;
	}
	return kam_from_mdb(mdb_txn_commit(txn));
fail:
	rc = kam_from_mdb(mrc);
out:
	mdb_txn_abort(txn);
	return rc;
}

static int open_dbs(kam_store *s, int create)
{
	MDB_txn *txn;
	int rc = begin_raw(s, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	int mrc = mdb_dbi_open(txn, db_names[DB_META], 0, &s->dbi[DB_META]);
	if (mrc == MDB_NOTFOUND) {
		/* No meta: an empty environment is new, anything else is not ours. */
		MDB_dbi main;
		MDB_stat st;
		mrc = mdb_dbi_open(txn, NULL, 0, &main);
		if (!mrc)
			mrc = mdb_stat(txn, main, &st);
		mdb_txn_abort(txn);
		if (mrc)
			return kam_from_mdb(mrc);
		if (st.ms_entries)
			return KAM_ECORRUPT;
		return create ? create_dbs(s) : KAM_ENOTFOUND;
	}
	if (mrc)
		goto fail;
	rc = read_version(txn, s->dbi[DB_META], &s->version);
	if (rc)
		goto out;
	for (int i = 0; i < DB_META; i++) {
		/* An older schema has no columns yet: the upgrade makes them (store_upgrade). */
		if (s->version < 3 && (i == DB_ORDER_COLUMNS || i == DB_INTER_COLUMNS))
			continue;
		mrc = mdb_dbi_open(txn, db_names[i], 0, &s->dbi[i]);
		if (mrc == MDB_NOTFOUND)
			mrc = MDB_CORRUPTED;
		if (mrc)
			goto fail;
	}
	/* Committing keeps the handles open for later transactions. */
	return kam_from_mdb(mdb_txn_commit(txn));
fail:
	rc = kam_from_mdb(mrc);
out:
	mdb_txn_abort(txn);
	return rc;
}

/* A data file shorter than its last committed page would fault when read: refuse it. */
static int check_size(kam_store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	mdb_filehandle_t fd;
	struct stat fst;
	int mrc = mdb_env_info(s->env, &info);
	if (!mrc)
		mrc = mdb_env_stat(s->env, &st);
	if (!mrc)
		mrc = mdb_env_get_fd(s->env, &fd);
	if (mrc)
		return kam_from_mdb(mrc);
	if (fstat(fd, &fst))
		return errno_to_kam(errno);
	if ((uint64_t)fst.st_size < ((uint64_t)info.me_last_pgno + 1) * st.ms_psize)
		return KAM_ECORRUPT;
	s->psize = st.ms_psize;
	return 0;
}

static uint64_t initial_mapsize(uint64_t file_size)
{
	const char *env = getenv("KAM_MAPSIZE");
	if (env && *env) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(env, &end, 10);
		if (!errno && !*end && v > 0)
			return v;
	}
	uint64_t size = file_size * 2;
	return size > DEFAULT_MAPSIZE ? size : DEFAULT_MAPSIZE;
}

/* mkdir -p for the parents of `dir` (mode 0755 before the umask, as mkdir -p makes them). */
static int make_parents(const char *dir)
{
	char *path = strdup(dir);
	if (!path)
		return KAM_ENOMEM;
	int rc = 0;
	for (char *p = path + 1; *p && !rc; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			rc = errno_to_kam(errno);
		*p = '/';
	}
	free(path);
	return rc;
}

/* Checks the directory and data file; creates the directory when asked. */
static int prepare_dir(const char *dir, int create, uint64_t *file_size)
{
	struct stat st;
	int created_dir = 0;
	if (stat(dir, &st)) {
		if (errno != ENOENT)
			return errno_to_kam(errno);
		if (!create)
			return KAM_ENOTFOUND;
		int rc = make_parents(dir);
		if (rc)
			return rc == KAM_ENOTFOUND ? KAM_EIO : rc;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return errno == ENOENT ? KAM_EIO : errno_to_kam(errno);
		created_dir = 1;
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return KAM_EIO;
	}
	char *path = path_join(dir, "data.mdb");
	if (!path)
		return KAM_ENOMEM;
	int rc = 0;
	*file_size = 0;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			rc = KAM_ECORRUPT;
		else if (st.st_size == 0 && !create)
			rc = KAM_ECORRUPT; /* LMDB would silently start a new database in it */
		else
			*file_size = (uint64_t)st.st_size;
	} else if (errno == ENOENT) {
		if (!create)
			rc = KAM_ENOTFOUND;
		/*
		 * A new database in a directory that already existed: make the directory private, as
		 * one Kam creates is (like ~/.ssh), so that nobody else can list or open its files.
		 */
		else if (!created_dir && stat(dir, &st) == 0 && st.st_uid == geteuid() &&
			 (st.st_mode & 077) && chmod(dir, st.st_mode & 0700))
			rc = errno_to_kam(errno);
	} else {
		rc = errno_to_kam(errno);
	}
	free(path);
	return rc;
}

/*
 * LMDB checks its pages with assertions and aborts when one fails: that is a damaged database
 * file, not a bug to debug with a core dump. Say so and stop with the runtime-error status;
 * nothing uncommitted is kept, so the database is no worse than it was.
 */
static void on_lmdb_assert(MDB_env *env, const char *msg)
{
	const char *path = NULL;
	mdb_env_get_path(env, &path);
	fprintf(stderr, "kam: the database %s is damaged (LMDB: %s); nothing was written. Restore "
		"a backup, or export what still reads and import it into a new database.\n",
		path ? path : "", msg);
	_exit(1);
}

int kam_store_open(const char *dir, unsigned flags, kam_store **out)
{
	if (!out)
		return KAM_EINVAL;
	*out = NULL;
	if (!dir || !*dir)
		return KAM_EINVAL;
	int rdonly = (flags & KAM_STORE_RDONLY) != 0;
	int create = (flags & KAM_STORE_CREATE) && !rdonly;
	uint64_t file_size = 0;
	int rc = prepare_dir(dir, create, &file_size);
	if (rc)
		return rc;

	kam_store *s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return KAM_ENOMEM;
	}
	s->flags = flags;
	kam_rollup_init(&s->none);
	rc = kam_from_mdb(mdb_env_create(&s->env));
	if (rc) {
		s->env = NULL;
		goto fail;
	}
	uint64_t mapsize = initial_mapsize(file_size);
	mdb_env_set_assert(s->env, on_lmdb_assert);
	int mrc = mdb_env_set_maxdbs(s->env, MAXDBS);
	if (!mrc)
		mrc = mdb_env_set_mapsize(s->env, (size_t)mapsize);
	if (!mrc)
		mrc = mdb_env_open(s->env, dir, MDB_NOTLS | (rdonly ? MDB_RDONLY : 0), 0600);
	rc = kam_from_mdb(mrc);
	if (!rc)
		rc = check_size(s);
	if (!rc) {
		int dead;
		mdb_reader_check(s->env, &dead);
		rc = open_dbs(s, create);
	}
	if (!rc && s->version < KAM_SCHEMA_VERSION) {
		if (!rdonly) {
			rc = kam_store_write(s, upgrade_write, NULL);
			if (!rc)
				s->version = KAM_SCHEMA_VERSION;
		} else {
			/* Upgraded by a writable opening, then opened again as asked. */
			kam_store_close(s);
			kam_store *w;
			rc = kam_store_open(dir, flags & ~(unsigned)(KAM_STORE_RDONLY | KAM_STORE_CREATE),
					    &w);
			kam_store_close(w);
			if (rc == KAM_EPERM)
				return KAM_EREADONLY;
			return rc ? rc : kam_store_open(dir, flags, out);
		}
	}
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	kam_store_close(s);
	return rc;
}

void kam_store_close(kam_store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	free(s->rc.tab);
	kam_buf_free(&s->enc);
	kam_buf_free(&s->colbuf);
	kam_buf_free(&s->defer.bytes);
	free(s->dir);
	free(s);
}

const char *kam_store_dir(const kam_store *s)
{
	return s->dir;
}

/* ---- backup ---- */

/* Whether `dir` is a directory with nothing in it. */
static int dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOTDIR ? KAM_EEXIST : errno_to_kam(errno);
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = KAM_EEXIST;
	closedir(d);
	return rc;
}

/* The code of a failed write into the backup directory (EIO there may be a full disk). */
static int backup_error(const char *dir, int e)
{
	return e == EIO && disk_full(dir) ? KAM_ENOSPC : errno_to_kam(e);
}

/* Syncs the directory, so that the name of a file just written in it is on disk too. */
static int dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 || fsync(fd) ? backup_error(dir, errno) : 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Copies the environment into the new file dir/data.mdb, removed again on failure; its size
 * goes to *bytes.
 */
static int backup_copy(kam_store *s, const char *dir, bool compact, uint64_t *bytes)
{
	char *path = path_join(dir, "data.mdb");
	if (!path)
		return KAM_ENOMEM;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(path);
		return errno == EEXIST ? KAM_EEXIST : errno_to_kam(errno);
	}
	struct stat st;
	int rc = 0;
	/*
	 * LMDB copies one committed state. A plain copy first waits for the write lock, to read
	 * the meta pages, and lets it go; a compacting one reads in a read transaction only. When
	 * another process grew the map meanwhile (a plain copy waits through whole imports), the
	 * copy's transaction cannot start: take the new size and copy again from the start.
	 */
	int mrc = 0;
	for (int tries = 0; !rc; tries++) {
		mrc = mdb_env_copyfd2(s->env, fd, compact ? MDB_CP_COMPACT : 0);
		if (mrc != MDB_MAP_RESIZED || tries >= 8)
			break;
		if (!(rc = adopt_grown_map(s)) && (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)))
			rc = backup_error(dir, errno);
	}
	if (!rc && mrc)
		rc = mrc < 0 ? kam_from_mdb(mrc) : backup_error(dir, mrc);
	else if (!rc && (fsync(fd) || fstat(fd, &st)))
		rc = backup_error(dir, errno);
	if (close(fd) && !rc)
		rc = backup_error(dir, errno);
	if (rc)
		unlink(path);
	else
		*bytes = (uint64_t)st.st_size;
	free(path);
	return rc;
}

/*
 * Copies the file `name` of the database directory, when there is one, into `dir` (mode 0600,
 * synced); *copied says whether it did. A failed copy is removed again.
 */
static int backup_extra(const kam_store *s, const char *dir, const char *name, bool *copied)
{
	*copied = false;
	char *from = path_join(s->dir, name), *to = path_join(dir, name);
	int in = -1, out = -1, rc = 0;
	if (!from || !to)
		rc = KAM_ENOMEM;
	else if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		rc = errno == ENOENT ? 0 : errno_to_kam(errno);
	else if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		rc = errno == EEXIST ? KAM_EEXIST : errno_to_kam(errno);
	char buf[16384];
	ssize_t n;
	while (out >= 0 && !rc && (n = read(in, buf, sizeof(buf))) != 0) {
		ssize_t w = n < 0 ? -1 : write(out, buf, (size_t)n);
		if (n < 0 || w != n)
			rc = backup_error(dir, n < 0 || w < 0 ? errno : EIO); /* short: a full disk */
	}
	if (out >= 0 && !rc && fsync(out))
		rc = backup_error(dir, errno);
	if (out >= 0 && close(out) && !rc)
		rc = backup_error(dir, errno);
	if (in >= 0)
		close(in);
	if (out >= 0 && rc)
		unlink(to);
	*copied = out >= 0 && !rc;
	free(from);
	free(to);
	return rc;
}

/* Removes the file `name` of `dir`. */
static void unlink_in(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	if (p)
		unlink(p);
	free(p);
}

int kam_store_backup(kam_store *s, const char *dir, bool compact, const char *extra,
		     uint64_t *bytes)
{
	if (!s || !dir || !*dir)
		return KAM_EINVAL;
	struct stat st;
	bool made_dir = false, copied = false;
	int rc;
	if (stat(dir, &st) == 0) {
		if ((rc = dir_empty(dir)))
			return rc;
	} else if (errno != ENOENT) {
		return errno_to_kam(errno);
	} else {
		if ((rc = make_parents(dir)))
			return rc;
		if (mkdir(dir, 0700))
			return errno_to_kam(errno);
		made_dir = true;
	}
	uint64_t size = 0;
	rc = backup_copy(s, dir, compact, &size);
	if (!rc && extra && (rc = backup_extra(s, dir, extra, &copied)))
		unlink_in(dir, "data.mdb");
	if (!rc && (rc = dir_sync(dir))) {
		unlink_in(dir, "data.mdb");
		if (copied)
			unlink_in(dir, extra);
	}
	if (rc && made_dir)
		rmdir(dir);
	if (!rc && bytes)
		*bytes = size;
	return rc;
}

/* ---- held-back index entries ---- */

static const uint8_t *defer_key(const uint8_t *e, size_t *len)
{
	*len = (size_t)e[1] | (size_t)e[2] << 8;
	return e + 3;
}

static int defer_cmp(const void *a, const void *b)
{
	const uint8_t *x = *(const uint8_t *const *)a, *y = *(const uint8_t *const *)b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	size_t xl, yl;
	const uint8_t *xk = defer_key(x, &xl), *yk = defer_key(y, &yl);
	return key_cmp(xk, xl, yk, yl);
}

static void defer_clear(kam_store *s)
{
	if (s->defer.bytes.cap > ((size_t)1 << 20))
		kam_buf_free(&s->defer.bytes);
	kam_buf_reset(&s->defer.bytes);
	s->defer.n = 0;
}

/* The held-back entries with the same index and text: the first one, and where they go. */
struct defer_group {
	const uint8_t *first;
	uint32_t hash, count;
	size_t bytes;
	size_t start, at; /* index in the sorted order, and byte offset in the sorted copy */
};

/* The bytes of a held-back entry. */
static size_t defer_size(const uint8_t *e)
{
	size_t len;
	return (size_t)(defer_key(e, &len) - e) + len;
}

/* The hash of an entry's index and text (the key up to its 0x00). */
static uint32_t defer_hash(const uint8_t *e)
{
	size_t len;
	const uint8_t *k = defer_key(e, &len);
	uint32_t h = (2166136261u ^ e[0]) * 16777619u;
	for (size_t i = 0; i < len && k[i]; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* Whether two entries have the same index and text. */
static int defer_same_group(const uint8_t *x, const uint8_t *y)
{
	size_t xl, yl;
	const uint8_t *xk = defer_key(x, &xl), *yk = defer_key(y, &yl);
	if (x[0] != y[0])
		return 0;
	for (size_t i = 0; i < xl && i < yl; i++) {
		if (xk[i] != yk[i])
			return 0;
		if (!xk[i])
			return 1;
	}
	return 0; /* keys always hold a 0x00: not reached */
}

static int defer_group_cmp(const void *a, const void *b)
{
	const struct defer_group *x = *(const struct defer_group *const *)a;
	const struct defer_group *y = *(const struct defer_group *const *)b;
	/* Texts differ, so their first entries compare as the texts do. */
	return defer_cmp(&x->first, &y->first);
}

/*
 * Puts the held-back entries e[0..n) (`bytes` in all) in key order: copies them into *copy (to
 * free) in that order, with out[0..n) pointing at them. Regions and owners take few values and
 * accounts mostly come by id, so the entries are grouped by index and text in their order of
 * arrival (a counting sort), only the groups are sorted, and a group only when its ids did not
 * come in order: a qsort of two million entries cost more than the rest of an accounts import's
 * commit. The copy lets the writes read the entries in sequence instead of missing the cache on
 * each. Returns 0 or KAM_ENOMEM.
 */
static int defer_order(const uint8_t **e, size_t n, size_t bytes, const uint8_t **out,
		       uint8_t **copy)
{
	uint32_t cap = 64;
	while (cap < 2 * n)
		cap *= 2;
	struct defer_group *g = malloc(n * sizeof(*g));
	struct defer_group **slot = calloc(cap, sizeof(*slot));
	uint32_t *gof = malloc(n * sizeof(*gof));
	uint8_t *buf = *copy = malloc(bytes);
	int rc = KAM_ENOMEM;
	if (!g || !slot || !gof || !buf)
		goto out;
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t h = defer_hash(e[i]), j = h & (cap - 1);
		while (slot[j] && !(slot[j]->hash == h && defer_same_group(slot[j]->first, e[i])))
			j = (j + 1) & (cap - 1);
		if (!slot[j]) {
			g[ng] = (struct defer_group){ .first = e[i], .hash = h };
			slot[j] = &g[ng++];
		}
		slot[j]->count++;
		slot[j]->bytes += defer_size(e[i]);
		gof[i] = (uint32_t)(slot[j] - g);
	}
	/* The slots are done with: reuse them for the groups in key order. */
	struct defer_group **order = slot;
	for (size_t i = 0; i < ng; i++)
		order[i] = &g[i];
	qsort(order, ng, sizeof(*order), defer_group_cmp);
	size_t start = 0, at = 0;
	for (size_t i = 0; i < ng; i++) {
		order[i]->start = start;
		order[i]->at = at;
		start += order[i]->count;
		at += order[i]->bytes;
	}
	for (size_t i = 0; i < n; i++) {
		struct defer_group *gr = &g[gof[i]];
		size_t len = defer_size(e[i]);
		memcpy(buf + gr->at, e[i], len);
		out[gr->start++] = buf + gr->at;
		gr->at += len;
	}
	for (size_t i = 0, end = 0; i < ng; i++) {
		size_t begin = end;
		end += order[i]->count;
		for (size_t j = begin + 1; j < end; j++) {
			if (defer_cmp(&out[j - 1], &out[j]) >= 0) {
				qsort(out + begin, end - begin, sizeof(*out), defer_cmp);
				break;
			}
		}
	}
	rc = 0;
out:
	free(g);
	free(slot);
	free(gof);
	return rc;
}

/* Writes the held-back index entries, in key order. */
static int defer_flush(kam_txn *t)
{
	kam_store *s = t->store;
	if (!s->defer.n)
		return 0;
	const uint8_t **e = malloc(2 * s->defer.n * sizeof(*e));
	if (!e)
		return txn_fail(t, KAM_ENOMEM);
	const uint8_t *p = s->defer.bytes.data;
	for (size_t i = 0; i < s->defer.n; i++) {
		size_t len;
		e[i] = p;
		p = defer_key(p, &len) + len;
	}
	const uint8_t **sorted = e + s->defer.n;
	uint8_t *copy;
	int rc = defer_order(e, s->defer.n, s->defer.bytes.len, sorted, &copy);
	for (size_t i = 0; i < s->defer.n && !rc; i++) {
		size_t len;
		const uint8_t *key = defer_key(sorted[i], &len);
		MDB_val k = mval(key, len), v = mval("", 0);
		rc = put_fast(t, sorted[i][0], &k, &v);
	}
	free(copy);
	free(e);
	defer_clear(s);
	return rc ? txn_fail(t, rc) : 0;
}

/* Holds back the index entry text 0x00 id of db (written by defer_flush). */
static int defer_put(kam_txn *t, int db, kam_str text, kam_str id)
{
	kam_store *s = t->store;
	if (s->defer.bytes.len > DEFER_MAX) {
		int rc = defer_flush(t);
		if (rc)
			return rc;
	}
	size_t klen = text.len + 1 + id.len;
	if (kam_buf_reserve(&s->defer.bytes, 3 + klen))
		return KAM_ENOMEM;
	uint8_t *p = s->defer.bytes.data + s->defer.bytes.len;
	p[0] = (uint8_t)db;
	p[1] = (uint8_t)klen;
	p[2] = (uint8_t)(klen >> 8);
	key_text(p + 3, text, id);
	s->defer.bytes.len += 3 + klen;
	s->defer.n++;
	return 0;
}

/* ---- transactions ---- */

int kam_txn_begin(kam_store *s, int write, kam_txn **out)
{
	if (!s || !out)
		return KAM_EINVAL;
	*out = NULL;
	if (write && (s->flags & KAM_STORE_RDONLY))
		return KAM_EREADONLY;
	if (write && s->wtxn)
		return KAM_EBUSY; /* LMDB would wait for ourselves */
	kam_txn *t = calloc(1, sizeof(*t));
	if (!t)
		return KAM_ENOMEM;
	int rc = begin_raw(s, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc) {
		free(t);
		return rc;
	}
	t->store = s;
	t->write = write != 0;
	if (t->write) {
		s->wtxn = t;
		s->mapfull = 0;
	} else {
		s->readers++;
	}
	*out = t;
	return 0;
}

int kam_txn_twin(kam_txn *t, kam_txn **out)
{
	if (!out)
		return KAM_EINVAL;
	*out = NULL;
	if (!t || t->write)
		return KAM_EINVAL;
	kam_txn *u;
	int rc = kam_txn_begin(t->store, 0, &u);
	if (rc)
		return rc;
	/* A read transaction sees the snapshot of the last commit before it began. */
	if (mdb_txn_id(u->txn) != mdb_txn_id(t->txn)) {
		kam_txn_abort(u);
		return KAM_EBUSY;
	}
	*out = u;
	return 0;
}

/* Detaches the open cursors: LMDB frees a write transaction's cursors when it ends. */
static void txn_close_cursors(kam_txn *t)
{
	for (struct curlink *c = t->cursors; c; c = c->next) {
		mdb_cursor_close(c->mc);
		c->mc = NULL;
		c->txn = NULL;
	}
	t->cursors = NULL;
}

/* Opens an LMDB cursor on `db` and links it into the transaction. */
static int curlink_open(kam_txn *t, int db, struct curlink *c)
{
	int rc = kam_from_mdb(mdb_cursor_open(t->txn, t->store->dbi[db], &c->mc));
	if (rc)
		return rc;
	c->txn = t;
	c->prev = NULL;
	c->next = t->cursors;
	if (t->cursors)
		t->cursors->prev = c;
	t->cursors = c;
	return 0;
}

static void curlink_close(struct curlink *c)
{
	if (!c->txn)
		return;
	mdb_cursor_close(c->mc);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->txn->cursors = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->txn = NULL;
	c->mc = NULL;
}

static void txn_free(kam_txn *t)
{
	kam_store *s = t->store;
	if (t->write) {
		rc_clear(&s->rc);
		defer_clear(s);
		s->wtxn = NULL;
	} else {
		s->readers--;
	}
	free(t);
}

int kam_txn_commit(kam_txn *t)
{
	if (!t)
		return KAM_EINVAL;
	int rc = t->err;
	if (t->write && !rc)
		rc = defer_flush(t);
	if (t->write && !rc)
		rc = rc_flush(t);
	txn_close_cursors(t);
	if (t->write)
		tails_close(t->store);
	if (!t->write || rc) {
		mdb_txn_abort(t->txn);
	} else {
		rc = kam_from_mdb(mdb_txn_commit(t->txn));
		if (rc)
			rc = txn_fail(t, rc); /* for the map-full flag and a full disk */
	}
	txn_free(t);
	return rc;
}

void kam_txn_abort(kam_txn *t)
{
	if (!t)
		return;
	txn_close_cursors(t);
	if (t->write)
		tails_close(t->store);
	mdb_txn_abort(t->txn);
	txn_free(t);
}

/* Doubles the map; only possible while this process has no transaction open. */
static int store_grow(kam_store *s)
{
	if (s->readers || s->wtxn)
		return KAM_EMAPFULL;
	MDB_envinfo info;
	int mrc = mdb_env_info(s->env, &info);
	if (mrc)
		return kam_from_mdb(mrc);
	size_t size = info.me_mapsize * 2;
	if (size < info.me_mapsize)
		return KAM_EMAPFULL;
	return remap(s, size);
}

/* Map sizes are rounded up to this, so that a series of reserves remaps rarely. */
#define RESERVE_ROUND ((uint64_t)64 << 20)

int kam_store_reserve(kam_store *s, uint64_t bytes)
{
	if (!s)
		return KAM_EINVAL;
	if (s->flags & KAM_STORE_RDONLY)
		return KAM_EREADONLY;
	if (s->readers || s->wtxn)
		return KAM_EBUSY;
	MDB_envinfo info;
	MDB_stat st;
	int mrc = mdb_env_info(s->env, &info);
	if (!mrc)
		mrc = mdb_env_stat(s->env, &st);
	if (mrc)
		return kam_from_mdb(mrc);
	uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	uint64_t need = used + bytes;
	if (need < used || need > SIZE_MAX - RESERVE_ROUND)
		return KAM_ENOMEM;
	if (need <= info.me_mapsize)
		return 0;
	need = (need + RESERVE_ROUND - 1) / RESERVE_ROUND * RESERVE_ROUND;
	return remap(s, (size_t)need);
}

static int write_attempts(kam_store *s, kam_write_fn fn, void *arg)
{
	for (int attempt = 0;; attempt++) {
		kam_txn *t;
		int rc = kam_txn_begin(s, 1, &t);
		if (rc)
			return rc;
		rc = fn(t, arg);
		if (rc)
			kam_txn_abort(t);
		else
			rc = kam_txn_commit(t);
		/* fn may have turned KAM_EMAPFULL into a code of its own: trust the flag. */
		if (!s->mapfull)
			return rc;
		s->mapfull = 0;
		if (attempt + 1 >= GROW_TRIES)
			return KAM_EMAPFULL;
		rc = store_grow(s);
		if (rc)
			return rc;
	}
}

int kam_store_write(kam_store *s, kam_write_fn fn, void *arg)
{
	if (!s || !fn)
		return KAM_EINVAL;
	return write_attempts(s, fn, arg);
}

/* Below this, a write's pages are few enough for the commit's fdatasync alone. */
#define WRITEBACK_MIN ((uint64_t)64 << 20)
/*
 * Map room for a write of unknown size: a pipe cannot be read again after the map grew, so
 * this is generous. Address space only, and not kept: the next open maps what the file needs.
 */
#define UNKNOWN_RESERVE ((uint64_t)16 << 30)

int kam_store_write_large(kam_store *s, uint64_t bytes, kam_write_fn fn, void *arg)
{
	mdb_filehandle_t fd;
	if (!s || !fn)
		return KAM_EINVAL;
	/* Best effort: a write that outgrows the map still grows it and starts again. */
	kam_store_reserve(s, bytes == KAM_BYTES_UNKNOWN ? UNKNOWN_RESERVE : bytes);
	kam_writeback *wb = NULL;
	if (bytes >= WRITEBACK_MIN && !mdb_env_get_fd(s->env, &fd))
		wb = kam_writeback_start(fd);
	int rc = write_attempts(s, fn, arg);
	kam_writeback_stop(wb);
	return rc;
}

/* ---- records ---- */

static int txn_usable(const kam_txn *t)
{
	if (!t)
		return KAM_EINVAL;
	return t->err;
}

static int txn_writable(const kam_txn *t)
{
	if (!t)
		return KAM_EINVAL;
	if (!t->write)
		return KAM_EREADONLY;
	return t->err;
}

/*
 * A stored record leaves out its id, which is its key (field 0 of every schema): that saves the
 * id's bytes once per record. Decoding puts the key back as the id.
 */
static int rec_encode(const kam_schema *sch, const void *rec, kam_buf *buf)
{
	kam_any copy;
	memcpy(&copy, rec, sch->size);
	copy.rec.present &= ~1u;
	kam_buf_reset(buf);
	return kam_rec_encode(sch, &copy, buf);
}

/* Decodes the stored value v of key k; the id's view is k's. */
static int rec_decode(const kam_schema *sch, const MDB_val *k, const MDB_val *v, void *rec)
{
	int rc = kam_rec_decode(sch, v->mv_data, v->mv_size, rec);
	if (rc)
		return rc;
	kam_str id = { k->mv_data, (uint32_t)k->mv_size };
	kam_rec *h = rec;
	if ((h->present & 1u) || !id_ok(id))
		return KAM_ECORRUPT;
	*(kam_str *)((char *)rec + sch->fields[0].offset) = id;
	h->present |= 1u;
	return 0;
}

/*
 * Inserts the encoded record `val` unless its id exists. *existed tells which; then `old` holds
 * the stored record, whose views point into a page that put_overwrite may change: copy first.
 */
static int put_primary(kam_txn *t, kam_kind kind, kam_str id, const MDB_val *val, kam_any *old,
		       int *existed)
{
	kam_store *s = t->store;
	const kam_schema *sch = kam_schema_of(kind);
	MDB_val k = mval(id.ptr, id.len), v = *val;
	*existed = 0;
	int rc = tail_append(t, kind, &k, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	int mrc = mdb_put(t->txn, s->dbi[kind], &k, &v, MDB_NOOVERWRITE);
	*existed = mrc == MDB_KEYEXIST;
	if (!*existed)
		return wres(t, mrc);
	return rec_decode(sch, &k, &v, old);
}

static int put_overwrite(kam_txn *t, kam_kind kind, kam_str id, const MDB_val *val)
{
	MDB_val k = mval(id.ptr, id.len), v = *val;
	return wres(t, mdb_put(t->txn, t->store->dbi[kind], &k, &v, 0));
}


static int ikey_put(kam_txn *t, int db, const uint8_t *key, size_t klen, const void *val,
		    size_t vlen)
{
	MDB_val k = mval(key, klen), v = mval(val, vlen);
	return put_fast(t, db, &k, &v);
}

/* Deletes an index key; a missing one is not worth failing a write for. */
static int ikey_del(kam_txn *t, int db, const uint8_t *key, size_t klen)
{
	MDB_val k = mval(key, klen);
	int rc = wres(t, mdb_del(t->txn, t->store->dbi[db], &k, NULL));
	return rc == KAM_ENOTFOUND ? 0 : rc;
}

static int text_index_put(kam_txn *t, int db, kam_str text, kam_str id)
{
	uint8_t k[IKEY_MAX];
	return ikey_put(t, db, k, key_text(k, text, id), "", 0);
}

static int text_index_del(kam_txn *t, int db, kam_str text, kam_str id)
{
	uint8_t k[IKEY_MAX];
	return ikey_del(t, db, k, key_text(k, text, id));
}

static int put_account(kam_txn *t, const kam_account *a, const kam_encoded *enc, int *replaced)
{
	kam_str region = text_of(a, KAM_A_REGION, a->region);
	kam_str owner = text_of(a, KAM_A_OWNER, a->owner);
	if (!id_ok(a->id) || !keytext_ok(region) || !keytext_ok(owner))
		return KAM_EINVAL;
	kam_any old;
	int existed;
	MDB_val val = mval(enc->bytes, enc->vlen);
	int rc = put_primary(t, KAM_ACCOUNT, a->id, &val, &old, &existed);
	if (rc)
		return rc;
	*replaced = existed;
	if (!existed) {
		rc = defer_put(t, DB_ACCOUNTS_BY_REGION, region, a->id);
		if (!rc && owner.len)
			rc = defer_put(t, DB_ACCOUNTS_BY_OWNER, owner, a->id);
		/* A new account's rollup is empty, and empty halves are not stored. */
		return rc ? txn_fail(t, rc) : 0;
	}
	char rbuf[KAM_KEYTEXT_MAX], obuf[KAM_KEYTEXT_MAX];
	kam_str oregion = text_of(&old, KAM_A_REGION, old.account.region);
	kam_str oowner = text_of(&old, KAM_A_OWNER, old.account.owner);
	if (!keytext_ok(oregion) || !keytext_ok(oowner))
		return KAM_ECORRUPT;
	oregion = str_copy(oregion, rbuf);
	oowner = str_copy(oowner, obuf);
	rc = defer_flush(t);
	if (!rc)
		rc = put_overwrite(t, KAM_ACCOUNT, a->id, &val);
	if (!rc && !kam_str_eq(region, oregion)) {
		rc = text_index_del(t, DB_ACCOUNTS_BY_REGION, oregion, a->id);
		if (!rc)
			rc = text_index_put(t, DB_ACCOUNTS_BY_REGION, region, a->id);
	}
	if (!rc && !kam_str_eq(owner, oowner)) {
		if (oowner.len)
			rc = text_index_del(t, DB_ACCOUNTS_BY_OWNER, oowner, a->id);
		if (!rc && owner.len)
			rc = text_index_put(t, DB_ACCOUNTS_BY_OWNER, owner, a->id);
	}
	return rc ? txn_fail(t, rc) : 0;
}

/* The account reference of an old record, copied out of the page into `buf`. */
static int old_account(kam_str acc, char *buf, kam_str *out)
{
	if (!id_ok(acc))
		return KAM_ECORRUPT;
	*out = str_copy(acc, buf);
	return 0;
}

static int put_contact(kam_txn *t, const kam_contact *c, const kam_encoded *enc, int *replaced)
{
	if (!id_ok(c->id) || !id_ok(c->account_id))
		return KAM_EINVAL;
	struct rc_ent *e;
	int rc = account_ref(t, c->account_id, 0, &e);
	if (rc)
		return rc;
	kam_any old;
	int existed;
	MDB_val val = mval(enc->bytes, enc->vlen);
	rc = put_primary(t, KAM_CONTACT, c->id, &val, &old, &existed);
	if (rc)
		return rc;
	*replaced = existed;
	if (!existed) {
		rc = ikey_put(t, DB_CONTACTS_BY_ACCOUNT, enc->bytes + enc->vlen, enc->iklen, "", 0);
		return rc ? txn_fail(t, rc) : 0;
	}
	char abuf[KAM_ID_MAX];
	kam_str oacc;
	rc = old_account(old.contact.account_id, abuf, &oacc);
	if (rc)
		return rc;
	rc = put_overwrite(t, KAM_CONTACT, c->id, &val);
	if (!rc && !kam_str_eq(oacc, c->account_id)) {
		rc = text_index_del(t, DB_CONTACTS_BY_ACCOUNT, oacc, c->id);
		if (!rc)
			rc = text_index_put(t, DB_CONTACTS_BY_ACCOUNT, c->account_id, c->id);
	}
	return rc ? txn_fail(t, rc) : 0;
}

/*
 * Takes fact d of `id` out of the cached account e: out of its columns (a missing row is not
 * worth failing a write for), then out of its rollup, reading the columns again for what that
 * invalidated.
 */
static int dated_remove(kam_txn *t, struct rc_ent *e, const struct dated_fact *d, kam_str id)
{
	kam_col_rows *c;
	size_t at;
	int rc = col_ref(t, e, d->half, &c);
	if (rc)
		return rc;
	if (kam_col_find(c, dated_date(d), id, &at))
		kam_col_remove(c, at);
	e->dirty |= (uint8_t)d->half;
	t->store->rc.changed = 1;
	if (d->half == HALF_ORDERS) {
		if (rollup_sub_order(&e->r, &d->f.o))
			col_order_span(t->store, c, &e->r);
	} else {
		unsigned need = rollup_sub_inter(&e->r, &d->f.i);
		if (need)
			col_inter_latest(t->store, c, need, &e->r);
	}
	return 0;
}

/* Adds fact d of `id` to the cached account e: its columns and its rollup. */
static int dated_add(kam_txn *t, struct rc_ent *e, const struct dated_fact *d, kam_str id)
{
	kam_col_rows *c;
	size_t at;
	int rc = col_ref(t, e, d->half, &c);
	if (rc)
		return rc;
	kam_col_row row = col_row_of(d, id);
	if (kam_col_find(c, row.date, id, &at))
		c->rows[at] = row;
	else if ((rc = kam_col_insert(c, at, &row)))
		return rc;
	e->dirty |= (uint8_t)d->half;
	t->store->rc.changed = 1;
	if (d->half == HALF_ORDERS)
		rollup_add_order(&e->r, &d->f.o);
	else
		rollup_add_inter(&e->r, &d->f.i);
	return 0;
}

/*
 * kam_put of an order or an interaction (`rec`, whose id and account are `id` and `acc`): the
 * record, and the columns and rollup halves of the accounts it leaves and joins.
 */
static int put_dated(kam_txn *t, kam_kind kind, const void *rec, kam_str id, kam_str acc,
		     const kam_encoded *enc, int *replaced)
{
	if (!id_ok(id) || !id_ok(acc))
		return KAM_EINVAL;
	struct dated_fact nf = dated_fact_of(kind, rec);
	struct rc_ent *ne, *oe;
	int rc = account_ref(t, acc, nf.half, &ne);
	if (rc)
		return rc;
	kam_any old;
	int existed;
	MDB_val val = mval(enc->bytes, enc->vlen);
	rc = put_primary(t, kind, id, &val, &old, &existed);
	if (rc)
		return rc;
	*replaced = existed;
	if (existed) {
		char abuf[KAM_ID_MAX];
		kam_str oacc;
		struct dated_fact of = dated_fact_of(kind, &old);
		rc = old_account(kind == KAM_ORDER ? old.order.account_id : old.interaction.account_id,
				 abuf, &oacc);
		if (!rc)
			rc = put_overwrite(t, kind, id, &val);
		if (!rc) {
			rc = rollup_ref(t, oacc, nf.half, &oe);
			if (rc == KAM_ENOTFOUND)
				rc = KAM_ECORRUPT;
		}
		if (!rc)
			rc = dated_remove(t, oe, &of, id);
	}
	if (!rc)
		rc = dated_add(t, ne, &nf, id);
	return rc ? txn_fail(t, rc) : 0;
}

/* kam_put of `rec` with its bytes and index entry prepared in enc (kam_put_encode). */
static int put_any(kam_txn *t, kam_kind kind, const void *rec, const kam_encoded *enc,
		   int *replaced)
{
	int dummy;
	if (!replaced)
		replaced = &dummy;
	t->writes++;
	if (kind == KAM_ACCOUNT)
		t->store->aw.at = 0;
	/* An operation takes at most two cache entries (the old and the new account). */
	int rc = rc_reserve(t, 2);
	if (rc)
		return rc;
	switch (kind) {
	case KAM_ACCOUNT:
		return put_account(t, rec, enc, replaced);
	case KAM_CONTACT:
		return put_contact(t, rec, enc, replaced);
	case KAM_ORDER: {
		const kam_order *o = rec;
		return put_dated(t, kind, rec, o->id, o->account_id, enc, replaced);
	}
	default: {
		const kam_interaction *in = rec;
		return put_dated(t, kind, rec, in->id, in->account_id, enc, replaced);
	}
	}
}

int kam_put(kam_txn *t, kam_kind kind, const void *rec, int *replaced)
{
	int rc = txn_writable(t);
	if (rc)
		return rc;
	kam_encoded enc;
	if ((rc = kam_put_encode(kind, rec, &t->store->enc, &enc)))
		return rc;
	return put_any(t, kind, rec, &enc, replaced);
}

/* Whether kam_put would take the ids (and region and owner) of a record. */
static int ids_ok(kam_kind kind, const void *rec)
{
	const kam_account *a = rec;
	switch (kind) {
	case KAM_ACCOUNT:
		return id_ok(a->id) && keytext_ok(text_of(a, KAM_A_REGION, a->region)) &&
		       keytext_ok(text_of(a, KAM_A_OWNER, a->owner));
	case KAM_CONTACT:
		return id_ok(((const kam_contact *)rec)->id) &&
		       id_ok(((const kam_contact *)rec)->account_id);
	case KAM_ORDER:
		return id_ok(((const kam_order *)rec)->id) && id_ok(((const kam_order *)rec)->account_id);
	default:
		return id_ok(((const kam_interaction *)rec)->id) &&
		       id_ok(((const kam_interaction *)rec)->account_id);
	}
}

int kam_put_encode(kam_kind kind, const void *rec, kam_buf *buf, kam_encoded *enc)
{
	if ((unsigned)kind >= KAM_KIND_COUNT || !rec || !buf || !enc)
		return KAM_EINVAL;
	const kam_schema *sch = kam_schema_of(kind);
	int field;
	if (kam_rec_check(sch, rec, &field) || !ids_ok(kind, rec))
		return KAM_EINVAL;
	int rc = rec_encode(sch, rec, buf);
	if (rc)
		return rc;
	size_t vlen = buf->len, iklen = 0;
	if (kind == KAM_CONTACT) {
		if (kam_buf_reserve(buf, IKEY_MAX))
			return KAM_ENOMEM;
		const kam_contact *c = rec;
		iklen = key_text(buf->data + vlen, c->account_id, c->id);
	}
	buf->len = vlen + iklen;
	*enc = (kam_encoded){ buf->data, (uint32_t)vlen, (uint32_t)iklen };
	return 0;
}

int kam_put_encoded(kam_txn *t, kam_kind kind, const void *rec, const kam_encoded *enc,
		    int *replaced)
{
	int rc = txn_writable(t);
	if (rc)
		return rc;
	if ((unsigned)kind >= KAM_KIND_COUNT || !rec || !enc)
		return KAM_EINVAL;
	return put_any(t, kind, rec, enc, replaced);
}

static int get_raw(kam_txn *t, kam_kind kind, kam_str id, MDB_val *v)
{
	if (!id_ok(id))
		return KAM_ENOTFOUND;
	MDB_val k = mval(id.ptr, id.len);
	return kam_from_mdb(mdb_get(t->txn, t->store->dbi[kind], &k, v));
}

/*
 * Reads record `id` through cursor mc, so that the id's view is the key in the map (mdb_get
 * gives only the value).
 */
static int get_rec(MDB_cursor *mc, kam_kind kind, kam_str id, void *rec)
{
	if (!id_ok(id))
		return KAM_ENOTFOUND;
	MDB_val k = mval(id.ptr, id.len), v;
	int rc = kam_from_mdb(mdb_cursor_get(mc, &k, &v, MDB_SET_KEY));
	if (rc)
		return rc;
	return rec_decode(kam_schema_of(kind), &k, &v, rec);
}

int kam_get(kam_txn *t, kam_kind kind, kam_str id, void *rec)
{
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if ((unsigned)kind >= KAM_KIND_COUNT || !rec)
		return KAM_EINVAL;
	if (!id_ok(id))
		return KAM_ENOTFOUND;
	MDB_cursor *mc;
	rc = kam_from_mdb(mdb_cursor_open(t->txn, t->store->dbi[kind], &mc));
	if (rc)
		return rc;
	rc = get_rec(mc, kind, id, rec);
	mdb_cursor_close(mc);
	return rc;
}

static int del_account(kam_txn *t, kam_str id, const kam_account *a)
{
	int found;
	int rc = has_refs(t, DB_CONTACTS_BY_ACCOUNT, id, &found);
	if (rc)
		return rc;
	if (found)
		return KAM_EREF;
	for (kam_kind k = KAM_ORDER; k < KAM_KIND_COUNT; k++) {
		kam_col_view v;
		rc = col_read(t, k, id, &v);
		if (rc)
			return rc < 0 ? rc : KAM_EREF;
	}
	char rbuf[KAM_KEYTEXT_MAX], obuf[KAM_KEYTEXT_MAX];
	kam_str region = text_of(a, KAM_A_REGION, a->region);
	kam_str owner = text_of(a, KAM_A_OWNER, a->owner);
	if (!keytext_ok(region) || !keytext_ok(owner))
		return KAM_ECORRUPT;
	region = str_copy(region, rbuf);
	owner = str_copy(owner, obuf);
	MDB_val k = mval(id.ptr, id.len);
	rc = defer_flush(t);
	if (!rc)
		rc = wres(t, mdb_del(t->txn, t->store->dbi[DB_ACCOUNTS], &k, NULL));
	if (!rc)
		rc = text_index_del(t, DB_ACCOUNTS_BY_REGION, region, id);
	if (!rc && owner.len)
		rc = text_index_del(t, DB_ACCOUNTS_BY_OWNER, owner, id);
	if (!rc) {
		struct rcache *rc_ = &t->store->rc;
		struct rc_ent *e = rc_find(rc_, id, rc_hash(id.ptr, id.len));
		if (e)
			rc_remove(rc_, e);
		rc = ikey_del(t, DB_ORDER_ROLLUPS, (const uint8_t *)id.ptr, id.len);
		if (!rc)
			rc = ikey_del(t, DB_INTER_ROLLUPS, (const uint8_t *)id.ptr, id.len);
	}
	return rc ? txn_fail(t, rc) : 0;
}

int kam_del(kam_txn *t, kam_kind kind, kam_str id)
{
	int rc = txn_writable(t);
	if (rc)
		return rc;
	if ((unsigned)kind >= KAM_KIND_COUNT)
		return KAM_EINVAL;
	if (kind == KAM_ACCOUNT)
		t->store->aw.at = 0;
	MDB_val v;
	rc = get_raw(t, kind, id, &v);
	if (rc)
		return rc;
	kam_any old;
	MDB_val key = mval(id.ptr, id.len);
	rc = rec_decode(kam_schema_of(kind), &key, &v, &old);
	if (rc)
		return rc;
	t->writes++;
	if (kind == KAM_ACCOUNT)
		return del_account(t, id, &old.account);

	rc = rc_reserve(t, 1);
	if (rc)
		return rc;
	char abuf[KAM_ID_MAX];
	kam_str acc;
	rc = old_account(kind == KAM_CONTACT ? old.contact.account_id :
			 kind == KAM_ORDER   ? old.order.account_id :
					       old.interaction.account_id,
			 abuf, &acc);
	if (rc)
		return rc;
	struct dated_fact d;
	struct rc_ent *e = NULL;
	if (kind != KAM_CONTACT) {
		d = dated_fact_of(kind, &old);
		rc = rollup_ref(t, acc, d.half, &e);
		if (rc)
			return rc == KAM_ENOTFOUND ? KAM_ECORRUPT : rc;
	}
	MDB_val k = mval(id.ptr, id.len);
	rc = wres(t, mdb_del(t->txn, t->store->dbi[kind], &k, NULL));
	if (!rc && kind == KAM_CONTACT) {
		uint8_t ik[IKEY_MAX];
		rc = ikey_del(t, DB_CONTACTS_BY_ACCOUNT, ik, key_text(ik, acc, id));
	} else if (!rc) {
		rc = dated_remove(t, e, &d, id);
	}
	return rc ? txn_fail(t, rc) : 0;
}

/* ---- rollup reading ---- */

int kam_rollup_get(kam_txn *t, kam_str acc, kam_rollup *out)
{
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if (!out)
		return KAM_EINVAL;
	if (!id_ok(acc))
		return KAM_ENOTFOUND;
	kam_rollup r = t->store->none;
	int loaded = 0;
	if (t->write) {
		/* The cache holds this transaction's changes not yet written. */
		struct rc_ent *e = rc_find(&t->store->rc, acc, rc_hash(acc.ptr, acc.len));
		if (e) {
			r = e->r;
			loaded = e->loaded | e->dirty;
		}
	}
	if (!loaded) {
		MDB_val v;
		rc = get_raw(t, KAM_ACCOUNT, acc, &v);
		if (rc)
			return rc;
	}
	for (int half = HALF_ORDERS; half <= HALF_INTERACTIONS; half <<= 1) {
		if (!(loaded & half) && (rc = rollup_load(t, acc, half, &r)))
			return rc;
	}
	*out = r;
	return 0;
}

int kam_rollup_compute(kam_txn *t, kam_str acc, kam_rollup *out)
{
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if (!out)
		return KAM_EINVAL;
	MDB_val v;
	rc = get_raw(t, KAM_ACCOUNT, acc, &v);
	if (rc)
		return rc;
	kam_rollup r = t->store->none;
	rc = scan_all(t, KAM_ORDER, acc, &r);
	if (!rc)
		rc = scan_all(t, KAM_INTERACTION, acc, &r);
	if (!rc)
		*out = r;
	return rc;
}

/*
 * A pass over a database reads the entries of a page one after the other, each from its node,
 * and LMDB lays the nodes out from the page's end down: the processor's own prefetching does not
 * follow that from page to page. When a pass comes onto a page (the value p lies in), this asks
 * for all of it at once instead of waiting for its cache lines one by one (model phase of a
 * segmentation of 1M accounts: 190 -> 148 ms). *last is the page of the pass's previous entry.
 */
static inline void page_prefetch(const kam_store *s, uintptr_t *last, const void *p)
{
	uintptr_t page = (uintptr_t)p & ~(s->psize - 1);
	if (page == *last)
		return;
	*last = page;
	for (uintptr_t line = page; line < page + s->psize; line += 64)
		__builtin_prefetch((const void *)line);
}

/* ---- cursors ---- */

int kam_cursor_open(kam_txn *t, kam_kind kind, kam_scan scan, kam_str key, int32_t from_day,
		    int32_t to_day, kam_cursor **out)
{
	if (!out)
		return KAM_EINVAL;
	*out = NULL;
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if ((unsigned)kind >= KAM_KIND_COUNT)
		return KAM_EINVAL;
	int db;
	switch (scan) {
	case KAM_SCAN_ALL:
	case KAM_SCAN_ALL_DESC:
		db = kind;
		break;
	case KAM_SCAN_REGION:
	case KAM_SCAN_OWNER:
		if (kind != KAM_ACCOUNT)
			return KAM_EINVAL;
		db = scan == KAM_SCAN_REGION ? DB_ACCOUNTS_BY_REGION : DB_ACCOUNTS_BY_OWNER;
		if (t->write && (rc = defer_flush(t)))
			return rc;
		break;
	case KAM_SCAN_OF_ACCOUNT:
		if (kind == KAM_ACCOUNT)
			return KAM_EINVAL;
		db = kind == KAM_CONTACT ? DB_CONTACTS_BY_ACCOUNT : DB_COLUMNS(kind);
		break;
	default:
		return KAM_EINVAL;
	}
	kam_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return KAM_ENOMEM;
	c->kind = kind;
	c->scan = scan;
	c->from = from_day;
	c->to = to_day;
	if (scan != KAM_SCAN_ALL && scan != KAM_SCAN_ALL_DESC) {
		/* Keys that cannot be stored match nothing. */
		int ok = scan == KAM_SCAN_OF_ACCOUNT ? id_ok(key) : keytext_ok(key);
		if (!ok || (scan == KAM_SCAN_OWNER && key.len == 0) || from_day > to_day)
			c->done = 1;
		else
			c->plen = (uint32_t)key_account(c->prefix, key, 0);
	}
	rc = curlink_open(t, db, &c->l);
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* Positions the cursor on the next candidate key of its scan. */
static int cursor_step(kam_cursor *c, MDB_val *k, MDB_val *v)
{
	if (c->started)
		return mdb_cursor_get(c->l.mc, k, v, c->scan == KAM_SCAN_ALL_DESC ? MDB_PREV : MDB_NEXT);
	c->started = 1;
	if (c->scan == KAM_SCAN_ALL)
		return mdb_cursor_get(c->l.mc, k, v, MDB_FIRST);
	if (c->scan == KAM_SCAN_ALL_DESC)
		return mdb_cursor_get(c->l.mc, k, v, MDB_LAST);
	*k = mval(c->prefix, c->plen);
	return mdb_cursor_get(c->l.mc, k, v, MDB_SET_RANGE);
}

/* The ids of the window of an account scan of orders or interactions, from its columns. */
static int cursor_fact_ids(kam_cursor *c, kam_txn *t)
{
	kam_col_view v;
	int rc = col_read(t, c->kind, (kam_str){ (const char *)c->prefix, c->plen - 1 }, &v);
	if (rc <= 0)
		return rc;
	const uint8_t *id = v.ids;
	for (size_t i = 0; i < v.n; id += v.idlen[i], i++) {
		int32_t day = kam_col_day(&v, i);
		if (day < c->from)
			continue;
		if (day > c->to)
			break;
		if (kam_buf_putc(&c->fids, v.idlen[i]) || kam_buf_append(&c->fids, id, v.idlen[i]))
			return KAM_ENOMEM;
	}
	return 0;
}

/* kam_cursor_next of an account scan of orders or interactions. */
static int cursor_next_fact(kam_cursor *c, kam_txn *t, void *rec)
{
	if (!c->started) {
		c->started = 1;
		int rc = cursor_fact_ids(c, t);
		if (rc)
			return rc;
	}
	if (c->fpos >= c->fids.len) {
		c->done = 1;
		return 0;
	}
	kam_str id = { (const char *)c->fids.data + c->fpos + 1, c->fids.data[c->fpos] };
	c->fpos += 1 + id.len;
	if (!id_ok(id))
		return KAM_ECORRUPT;
	int rc = c->rl.txn ? 0 : curlink_open(t, c->kind, &c->rl);
	if (!rc)
		rc = get_rec(c->rl.mc, c->kind, id, rec);
	if (rc)
		return rc == KAM_ENOTFOUND ? KAM_ECORRUPT : rc;
	return 1;
}

/* Remembers the id of the account just read, for kam_cursor_rollup. */
static void cursor_note(kam_cursor *c, const void *rec)
{
	if (c->kind != KAM_ACCOUNT)
		return;
	const kam_account *a = rec;
	memcpy(c->id, a->id.ptr, a->id.len);
	c->idlen = a->id.len;
}

int kam_cursor_next(kam_cursor *c, void *rec)
{
	if (!c || !rec)
		return KAM_EINVAL;
	if (c->done)
		return 0;
	kam_txn *t = c->l.txn;
	if (!t)
		return KAM_EINVAL; /* its transaction has ended */
	if (t->err)
		return t->err;
	if (c->scan == KAM_SCAN_OF_ACCOUNT && c->kind != KAM_CONTACT)
		return cursor_next_fact(c, t, rec);
	const kam_schema *sch = kam_schema_of(c->kind);
	for (;;) {
		MDB_val k, v;
		int mrc = cursor_step(c, &k, &v);
		if (mrc == MDB_NOTFOUND) {
			c->done = 1;
			return 0;
		}
		if (mrc)
			return kam_from_mdb(mrc);
		if (c->scan == KAM_SCAN_ALL || c->scan == KAM_SCAN_ALL_DESC) {
			page_prefetch(t->store, &c->page, v.mv_data);
			int rc = rec_decode(sch, &k, &v, rec);
			if (rc)
				return rc;
			cursor_note(c, rec);
			return 1;
		}
		if (!prefix_match(&k, c->prefix, c->plen)) {
			c->done = 1;
			return 0;
		}
		kam_str id = { (const char *)k.mv_data + c->plen, (uint32_t)(k.mv_size - c->plen) };
		if (!id_ok(id)) {
			/* A region or owner longer than the key with a NUL inside: not ours. */
			if (c->scan != KAM_SCAN_OF_ACCOUNT)
				continue;
			return KAM_ECORRUPT;
		}
		int rc = 0;
		if (!c->rl.txn)
			rc = curlink_open(t, c->kind, &c->rl);
		if (!rc)
			rc = get_rec(c->rl.mc, c->kind, id, rec);
		if (rc)
			return rc == KAM_ENOTFOUND ? KAM_ECORRUPT : rc;
		cursor_note(c, rec);
		return 1;
	}
}

void kam_cursor_close(kam_cursor *c)
{
	if (!c)
		return;
	curlink_close(&c->l);
	curlink_close(&c->rl);
	curlink_close(&c->hw[0].l);
	curlink_close(&c->hw[1].l);
	kam_buf_free(&c->fids);
	free(c);
}

/*
 * Steps a half walk takes with MDB_NEXT towards a later account before it seeks instead (a scan
 * of one region skips the accounts of the others).
 */
#define HALF_MAX_STEPS 8

/* How an entry's key compares with an id. */
static inline int id_cmp(const MDB_val *k, kam_str id)
{
	return key_cmp(k->mv_data, k->mv_size, id.ptr, id.len);
}

/* A half walk reached the end of its database, or failed (then it must seek again). */
static int half_walk_stop(struct half_walk *w, int mrc)
{
	w->state = mrc == MDB_NOTFOUND ? HW_END : HW_UNPLACED;
	return mrc == MDB_NOTFOUND ? 0 : kam_from_mdb(mrc);
}

/*
 * Moves a half walk to the entry of `id`, or where it would be: the first entry >= id when the
 * accounts come in increasing order, the last entry <= id when they come in decreasing order
 * (desc). Returns 1 when the entry is id's, 0 when there is none, or a negative code.
 */
static int half_walk_to(kam_txn *t, struct half_walk *w, int db, kam_str id, int desc)
{
	int mrc = 0, c = 0;
	if (!w->l.txn) {
		int rc = curlink_open(t, db, &w->l);
		if (rc)
			return rc;
		w->state = HW_UNPLACED;
	}
	if (w->state == HW_END)
		return 0;
	if (w->state == HW_AT) {
		int steps = 0;
		while ((c = id_cmp(&w->k, id)) != 0 && (c < 0) != desc) {
			if (++steps > HALF_MAX_STEPS) {
				w->state = HW_UNPLACED;
				break;
			}
			mrc = mdb_cursor_get(w->l.mc, &w->k, &w->v, desc ? MDB_PREV : MDB_NEXT);
			if (mrc)
				return half_walk_stop(w, mrc);
		}
	}
	if (w->state == HW_UNPLACED) {
		w->k = mval(id.ptr, id.len);
		mrc = mdb_cursor_get(w->l.mc, &w->k, &w->v, MDB_SET_RANGE);
		if (desc && mrc == MDB_NOTFOUND)
			mrc = mdb_cursor_get(w->l.mc, &w->k, &w->v, MDB_LAST);
		else if (desc && mrc == 0 && id_cmp(&w->k, id) > 0)
			mrc = mdb_cursor_get(w->l.mc, &w->k, &w->v, MDB_PREV);
		if (mrc)
			return half_walk_stop(w, mrc);
		w->state = HW_AT;
		c = id_cmp(&w->k, id);
	}
	return c == 0;
}

int kam_cursor_rollup(kam_cursor *c, kam_rollup *out)
{
	if (!c || !out || c->kind != KAM_ACCOUNT || !c->idlen)
		return KAM_EINVAL;
	kam_txn *t = c->l.txn;
	if (!t)
		return KAM_EINVAL; /* its transaction has ended */
	kam_str id = { c->id, c->idlen };
	/* A write transaction may hold changed rollups in its cache, and move pages under us. */
	if (t->write)
		return kam_rollup_get(t, id, out);
	kam_rollup r = t->store->none;
	for (int i = 0; i < 2; i++) {
		struct half_walk *w = &c->hw[i];
		int half = i ? HALF_INTERACTIONS : HALF_ORDERS;
		int rc = half_walk_to(t, w, i ? DB_INTER_ROLLUPS : DB_ORDER_ROLLUPS, id,
				      c->scan == KAM_SCAN_ALL_DESC);
		if (rc < 0)
			return rc;
		if (rc && (rc = rollup_unpack(&w->v, half, &r)))
			return rc;
	}
	*out = r;
	return 0;
}

/* ---- statistics ---- */

/*
 * mdb_reader_list reports one line per reader slot held by a live process ("pid thread txnid",
 * txnid "-" when the slot is idle), after a header line; count those inside a transaction.
 */
static int count_reader(const char *msg, void *ctx)
{
	unsigned pid;
	char thread[32], txnid[32];
	if (sscanf(msg, "%u %31s %31s", &pid, thread, txnid) == 3 && strcmp(txnid, "-") != 0)
		++*(uint32_t *)ctx;
	return 0;
}

int kam_store_stats_get(kam_txn *t, kam_store_stats *out)
{
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if (!out)
		return KAM_EINVAL;
	if (t->write && (rc = defer_flush(t)))
		return rc;
	kam_store *s = t->store;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < DB_COUNT; i++) {
		MDB_stat st;
		int mrc = mdb_stat(t->txn, s->dbi[i], &st);
		if (mrc)
			return kam_from_mdb(mrc);
		if (i < KAM_KIND_COUNT)
			out->records[i] = st.ms_entries;
		if (st.ms_depth > out->tree_depth)
			out->tree_depth = st.ms_depth;
		out->page_size = st.ms_psize;
	}
	MDB_envinfo info;
	int mrc = mdb_env_info(s->env, &info);
	if (mrc)
		return kam_from_mdb(mrc);
	out->schema_version = s->version;
	out->map_size = info.me_mapsize;
	out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * out->page_size;
	out->max_readers = info.me_maxreaders;
	out->readers = 0;
	mrc = mdb_reader_list(s->env, count_reader, &out->readers);
	if (mrc < 0)
		return kam_from_mdb(mrc);
	out->last_txn_id = info.me_last_txnid;
	char *path = path_join(s->dir, "data.mdb");
	if (!path)
		return KAM_ENOMEM;
	struct stat st;
	rc = stat(path, &st) ? errno_to_kam(errno) : 0;
	free(path);
	if (!rc)
		out->file_size = (uint64_t)st.st_size;
	return rc;
}

/* ---- facts ---- */

/*
 * Steps a facts reader takes with MDB_NEXT towards a later account before it seeks instead: a
 * step within a page is a few instructions, a seek is a descent with a binary search per level.
 */
#define FACTS_MAX_STEPS 32

/*
 * The reader keeps its LMDB cursor on the first key > `low` (or past the end), with no key in
 * (low, cursor): a later request for an account in that gap needs no move at all, and one
 * beyond the cursor can step forward instead of seeking.
 */
struct kam_facts {
	struct curlink l;
	kam_kind kind;
	int strict;      /* check every value whole (kam_facts_strict) */
	int placed;      /* the invariant above holds */
	uint64_t writes; /* the transaction's write count when it was established */
	int at_end;      /* the cursor is past the last key */
	MDB_val ck, cv;  /* the entry the cursor is on, while placed and not at_end */
	uint32_t lowlen;
	char low[KAM_ID_MAX];
	uintptr_t page;  /* the map page of the last value read */
	void *rows;
	size_t cap;      /* rows allocated */
};

int kam_facts_open(kam_txn *t, kam_kind kind, kam_facts **out)
{
	if (!out)
		return KAM_EINVAL;
	*out = NULL;
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if (kind != KAM_ORDER && kind != KAM_INTERACTION)
		return KAM_EINVAL;
	kam_facts *f = calloc(1, sizeof(*f));
	if (!f)
		return KAM_ENOMEM;
	f->kind = kind;
	rc = curlink_open(t, DB_COLUMNS(kind), &f->l);
	if (rc) {
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void kam_facts_strict(kam_facts *f)
{
	if (f)
		f->strict = 1;
}

/*
 * Moves the cursor to the columns of `acc`: returns 1 with *v their value, 0 when the account
 * has none, or a negative code.
 */
static int facts_position(kam_facts *f, kam_str acc, MDB_val *v)
{
	MDB_val k;
	int mrc = 0;
	/* A write of this transaction may have put a key where we know of none. */
	int placed = f->placed && f->writes == f->l.txn->writes &&
		     key_cmp(acc.ptr, acc.len, f->low, f->lowlen) > 0;
	if (placed && f->at_end)
		return 0;
	if (placed) {
		k = f->ck;
		*v = f->cv;
		for (int steps = 0; mrc == 0 && key_cmp(k.mv_data, k.mv_size, acc.ptr, acc.len) < 0;
		     steps++) {
			if (steps == FACTS_MAX_STEPS) {
				placed = 0;
				break;
			}
			mrc = mdb_cursor_get(f->l.mc, &k, v, MDB_NEXT);
		}
	}
	if (!placed) {
		k = mval(acc.ptr, acc.len);
		mrc = mdb_cursor_get(f->l.mc, &k, v, MDB_SET_RANGE);
	}
	if (mrc && mrc != MDB_NOTFOUND) {
		f->placed = 0;
		return kam_from_mdb(mrc);
	}
	f->at_end = mrc == MDB_NOTFOUND;
	f->ck = k;
	f->cv = *v;
	memcpy(f->low, acc.ptr, acc.len);
	f->lowlen = acc.len;
	f->placed = 1;
	f->writes = f->l.txn->writes;
	return !f->at_end && key_cmp(k.mv_data, k.mv_size, acc.ptr, acc.len) == 0;
}

/* Room for n rows of `size` bytes. */
static int facts_grow(kam_facts *f, size_t n, size_t size)
{
	if (n <= f->cap)
		return 0;
	size_t cap = f->cap ? f->cap : 64;
	while (cap < n)
		cap *= 2;
	void *p = realloc(f->rows, cap * size);
	if (!p)
		return KAM_ENOMEM;
	f->rows = p;
	f->cap = cap;
	return 0;
}

/* The rows of window w as facts. */
static int facts_rows(kam_facts *f, const kam_facts_window *w, size_t *count)
{
	const kam_col_view *v = &w->cols;
	const uint8_t *id = w->ids;
	size_t lo = w->lo, n = w->hi - w->lo;
	int orders = f->kind == KAM_ORDER;
	int rc = facts_grow(f, n, orders ? sizeof(kam_order_fact) : sizeof(kam_interaction_fact));
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		kam_col_row r;
		kam_col_fact(v, lo + i, &r);
		kam_str s = { (const char *)id, v->idlen[lo + i] };
		id += s.len;
		if (orders)
			((kam_order_fact *)f->rows)[i] = (kam_order_fact){
				.id = s, .date = r.date, .amount = r.fig, .profit = r.opt,
				.has_profit = r.has,
			};
		else
			((kam_interaction_fact *)f->rows)[i] = (kam_interaction_fact){
				.id = s, .date = r.date, .kind = r.kind, .outcome = r.outcome,
				.objection = r.objection, .has_minutes = r.has, .minutes = r.fig,
			};
	}
	*count = n;
	return 0;
}

int kam_facts_columns(kam_facts *f, kam_str account, int32_t from_day, int32_t to_day,
		      kam_facts_window *w)
{
	if (!f || !w)
		return KAM_EINVAL;
	w->lo = w->hi = 0;
	kam_txn *t = f->l.txn;
	if (!t)
		return KAM_EINVAL; /* its transaction has ended */
	if (t->err)
		return t->err;
	if (!id_ok(account) || from_day > to_day)
		return 0;
	int rc = t->write ? rc_flush(t) : 0;
	MDB_val v;
	if (!rc)
		rc = facts_position(f, account, &v);
	if (rc <= 0)
		return rc;
	page_prefetch(t->store, &f->page, v.mv_data);
	kam_col_view *cv = &w->cols;
	rc = kam_col_open(v.mv_data, v.mv_size, f->kind == KAM_ORDER, cv);
	if (!rc && f->strict)
		rc = kam_col_check(cv);
	if (rc)
		return rc;
	size_t lo = 0, hi;
	const uint8_t *id = cv->ids;
	while (lo < cv->n && kam_col_day(cv, lo) < from_day)
		id += cv->idlen[lo++];
	for (hi = lo; hi < cv->n && kam_col_day(cv, hi) <= to_day;)
		hi++;
	w->lo = lo;
	w->hi = hi;
	w->ids = id;
	return hi > lo;
}

int kam_facts_get(kam_facts *f, kam_str account, int32_t from_day, int32_t to_day,
		  const void **rows, size_t *count)
{
	if (!f || !rows || !count)
		return KAM_EINVAL;
	*rows = f->rows;
	*count = 0;
	kam_facts_window w;
	int rc = kam_facts_columns(f, account, from_day, to_day, &w);
	if (rc <= 0)
		return rc;
	rc = facts_rows(f, &w, count);
	*rows = f->rows;
	return rc;
}

void kam_facts_close(kam_facts *f)
{
	if (!f)
		return;
	curlink_close(&f->l);
	free(f->rows);
	free(f);
}

/* ---- tables ---- */

static int table_key_ok(kam_str key)
{
	return key.len >= 1 && key.len <= KAM_TABLE_KEY_MAX;
}

int kam_table_put(kam_txn *t, kam_table tab, kam_str key, kam_str value)
{
	int rc = txn_writable(t);
	if (rc)
		return rc;
	if ((unsigned)tab >= KAM_TABLE_COUNT || !table_key_ok(key) || (value.len && !value.ptr))
		return KAM_EINVAL;
	MDB_val k = mval(key.ptr, key.len), v = mval(value.len ? value.ptr : "", value.len);
	return put_fast(t, DB_TABLE(tab), &k, &v);
}

int kam_table_get(kam_txn *t, kam_table tab, kam_str key, kam_str *value)
{
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if ((unsigned)tab >= KAM_TABLE_COUNT || !value)
		return KAM_EINVAL;
	if (!table_key_ok(key))
		return KAM_ENOTFOUND; /* no such key can be stored */
	MDB_val k = mval(key.ptr, key.len), v;
	rc = kam_from_mdb(mdb_get(t->txn, t->store->dbi[DB_TABLE(tab)], &k, &v));
	if (!rc)
		*value = (kam_str){ v.mv_data, (uint32_t)v.mv_size };
	return rc;
}

int kam_table_del(kam_txn *t, kam_table tab, kam_str key)
{
	int rc = txn_writable(t);
	if (rc)
		return rc;
	if ((unsigned)tab >= KAM_TABLE_COUNT)
		return KAM_EINVAL;
	if (!table_key_ok(key))
		return KAM_ENOTFOUND;
	MDB_val k = mval(key.ptr, key.len);
	return wres(t, mdb_del(t->txn, t->store->dbi[DB_TABLE(tab)], &k, NULL));
}

struct kam_table_cursor {
	struct curlink l;
	int reverse, started, done;
	uint32_t plen;
	uint8_t prefix[KAM_TABLE_KEY_MAX];
};

int kam_table_cursor_open(kam_txn *t, kam_table tab, kam_str prefix, int reverse,
			  kam_table_cursor **out)
{
	if (!out)
		return KAM_EINVAL;
	*out = NULL;
	int rc = txn_usable(t);
	if (rc)
		return rc;
	if ((unsigned)tab >= KAM_TABLE_COUNT || (prefix.len && !prefix.ptr))
		return KAM_EINVAL;
	kam_table_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return KAM_ENOMEM;
	c->reverse = reverse != 0;
	if (prefix.len > KAM_TABLE_KEY_MAX) {
		c->done = 1; /* longer than any key */
	} else {
		c->plen = prefix.len;
		if (prefix.len)
			memcpy(c->prefix, prefix.ptr, prefix.len);
	}
	rc = curlink_open(t, DB_TABLE(tab), &c->l);
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * The last key with the prefix: seek to the least key after every key with it (the prefix with
 * trailing 0xff bytes dropped and its last byte incremented) and step back; with no such bound
 * (an empty or all-0xff prefix), the last key of the table.
 */
static int table_seek_last(kam_table_cursor *c, MDB_val *k, MDB_val *v)
{
	uint8_t bound[KAM_TABLE_KEY_MAX];
	size_t n = c->plen;
	memcpy(bound, c->prefix, n);
	while (n && bound[n - 1] == 0xff)
		n--;
	if (!n)
		return mdb_cursor_get(c->l.mc, k, v, MDB_LAST);
	bound[n - 1]++;
	*k = mval(bound, n);
	int mrc = mdb_cursor_get(c->l.mc, k, v, MDB_SET_RANGE);
	if (mrc == MDB_NOTFOUND)
		return mdb_cursor_get(c->l.mc, k, v, MDB_LAST);
	if (mrc)
		return mrc;
	return mdb_cursor_get(c->l.mc, k, v, MDB_PREV);
}

static int table_step(kam_table_cursor *c, MDB_val *k, MDB_val *v)
{
	if (c->started)
		return mdb_cursor_get(c->l.mc, k, v, c->reverse ? MDB_PREV : MDB_NEXT);
	c->started = 1;
	if (c->reverse)
		return table_seek_last(c, k, v);
	if (!c->plen)
		return mdb_cursor_get(c->l.mc, k, v, MDB_FIRST);
	*k = mval(c->prefix, c->plen);
	return mdb_cursor_get(c->l.mc, k, v, MDB_SET_RANGE);
}

int kam_table_cursor_next(kam_table_cursor *c, kam_str *key, kam_str *value)
{
	if (!c || !key || !value)
		return KAM_EINVAL;
	if (c->done)
		return 0;
	kam_txn *t = c->l.txn;
	if (!t)
		return KAM_EINVAL; /* its transaction has ended */
	if (t->err)
		return t->err;
	MDB_val k, v;
	int mrc = table_step(c, &k, &v);
	if (mrc == 0 && !prefix_match(&k, c->prefix, c->plen))
		mrc = MDB_NOTFOUND;
	if (mrc == MDB_NOTFOUND) {
		c->done = 1;
		return 0;
	}
	if (mrc)
		return kam_from_mdb(mrc);
	*key = (kam_str){ k.mv_data, (uint32_t)k.mv_size };
	*value = (kam_str){ v.mv_data, (uint32_t)v.mv_size };
	return 1;
}

void kam_table_cursor_close(kam_table_cursor *c)
{
	if (!c)
		return;
	curlink_close(&c->l);
	free(c);
}
