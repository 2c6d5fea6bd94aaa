/*
 * store.h - the Kam database: one LMDB environment in a directory.
 *
 * This is the only interface to storage; only store.c includes lmdb.h. A database holds
 * accounts, contacts, orders and interactions (record.h), the indexes the product reads by
 * (orders and interactions by account and date, contacts by account, accounts by region and by
 * owner) and one rollup per account, all updated in the transaction of the write that changes
 * them, so readers always see rollups that agree with the rows.
 *
 * Lifecycle: kam_store_open -> kam_txn_begin / kam_store_write ... -> kam_store_close.
 * A store handle may be used from one thread at a time. Any number of processes may read while
 * one writes; a second writer waits for the first.
 *
 * Ids, and the region and owner of accounts (the indexed texts), must not contain a NUL byte.
 * The environment variable KAM_MAPSIZE (bytes), read at open, sets the initial map size (for
 * tests); by default it is the larger of 1 GiB and twice the data file.
 */
#ifndef KAM_STORE_H
#define KAM_STORE_H

#include <stdint.h>

#include "column.h"
#include "record.h"

/*
 * The database layout this build writes and reads. 2: records may be in codec version 2
 * (record.h); schema 1 held only codec 1 records, which this build still reads. 3: the orders
 * and the interactions of each account are kept as columns (column.h) instead of an index
 * entry each. 4: the result blocks of snapshots may keep their rows' keys and details apart
 * (snapshot.c), which builds before it cannot read; nothing stored changes, so opening a schema
 * 3 database only raises its number. Opening an older database upgrades it, in one write
 * transaction: an older build then refuses it at open rather than misreading it.
 */
#define KAM_SCHEMA_VERSION 4

typedef struct kam_store kam_store;
typedef struct kam_txn kam_txn;
typedef struct kam_cursor kam_cursor;

enum kam_store_flags {
	KAM_STORE_CREATE = 1 << 0, /* create the directory (0700) and database (0600) if missing */
	KAM_STORE_RDONLY = 1 << 1, /* open for reading only */
};

/*
 * Opens the database in directory `dir`. Clears stale reader slots left by dead processes.
 * Returns 0 with *out set, or: KAM_ENOTFOUND (no database there and no KAM_STORE_CREATE),
 * KAM_EVERSION (written by a newer Kam: refused, nothing is changed), KAM_ECORRUPT (not a Kam
 * database, or damaged), KAM_EREADONLY (an older schema, which needs write access to upgrade,
 * even for KAM_STORE_RDONLY), KAM_EPERM, KAM_EIO, KAM_ENOMEM.
 */
int kam_store_open(const char *dir, unsigned flags, kam_store **out);
/* Closes the store; every transaction must have ended. NULL is ignored. */
void kam_store_close(kam_store *store);
/* The directory the store was opened on (owned by the store). */
const char *kam_store_dir(const kam_store *store);
/*
 * Writes a copy of the database as of its latest commit into `dir`, a new directory (mode 0700,
 * its parents made as needed) or an empty one, as data.mdb (mode 0600), synced to disk. Other
 * processes may read and write meanwhile: the copy is one committed state, as a reader sees it.
 * `compact` leaves out the free pages, which makes a smaller file and takes longer. `extra`
 * (may be NULL) names a file of the database directory to copy along when there is one (the
 * configuration). *bytes (may be NULL) gets the database copy's size. Returns 0, KAM_EEXIST (dir
 * is not an empty directory), KAM_ENOSPC, KAM_EPERM, KAM_EIO, KAM_ENOMEM; on failure nothing is
 * left behind (a directory that existed stays, empty).
 */
int kam_store_backup(kam_store *store, const char *dir, bool compact, const char *extra,
		     uint64_t *bytes);

/*
 * Begins a transaction: read-only when `write` is 0 (a consistent snapshot, never blocks), else
 * the single write transaction (waits while another process writes). Returns 0, KAM_EREADONLY
 * (write on a read-only store), KAM_EBUSY (also: a write transaction of this handle is already
 * open), KAM_ENOMEM, KAM_EIO.
 * After any call on a write transaction fails with KAM_EMAPFULL (or another error that may have
 * left a write half done), every later call on it returns that code and commit aborts.
 */
int kam_txn_begin(kam_store *store, int write, kam_txn **out);
/*
 * Commits and frees the transaction, whatever the result. Returns 0, KAM_EMAPFULL, KAM_EIO, or
 * the code that failed the transaction earlier (then nothing is written). Open cursors of the
 * transaction end with it (kam_cursor_next then returns KAM_EINVAL; still kam_cursor_close them).
 */
int kam_txn_commit(kam_txn *txn);
/* Abandons and frees the transaction; nothing it wrote stays. NULL is ignored. */
void kam_txn_abort(kam_txn *txn);

/*
 * Begins a second read-only transaction that sees the same snapshot as the read-only `txn`, for
 * work shared with a helper thread: the twin and its cursors may be used by another thread (one
 * thread at a time per transaction), while this thread goes on with txn. Begin and end the twin
 * on the thread that uses the store handle, with the helper stopped. Returns 0, KAM_EBUSY (a
 * write has been committed since txn began: that snapshot can no longer be shared), KAM_EINVAL
 * (txn is a write transaction), and kam_txn_begin's codes.
 */
int kam_txn_twin(kam_txn *txn, kam_txn **out);

/*
 * Runs fn(txn, arg) in a write transaction and commits. A nonzero return of fn aborts and is
 * returned. When the map fills (in fn or at commit), the transaction is aborted, the map is grown
 * and fn runs again from the start: fn must be restartable, and users never see KAM_EMAPFULL
 * (unless this process holds read transactions on the store, which pin the map in place).
 */
typedef int (*kam_write_fn)(kam_txn *txn, void *arg);
int kam_store_write(kam_store *store, kam_write_fn fn, void *arg);

/*
 * Makes room in the map for about `bytes` more data, before a large write, so that the write does
 * not run out of map and start again (kam_store_write). Only address space is reserved; the file
 * grows as data is written. Needs no transaction of this handle open. Returns 0, KAM_EBUSY (a
 * transaction is open), KAM_EREADONLY, KAM_ENOMEM, KAM_EIO.
 */
int kam_store_reserve(kam_store *store, uint64_t bytes);

/*
 * kam_store_write for a write of about `bytes` of data, such as an import: reserves the map for
 * it first, and for a large one starts the kernel writing the data file's pages to disk while fn
 * runs (writeback.h), so that the commit's fdatasync does not write them all at the end.
 * KAM_BYTES_UNKNOWN (input from a pipe) is taken as large: the map gets 16 GiB more room.
 * Returns as kam_store_write.
 */
#define KAM_BYTES_UNKNOWN UINT64_MAX
int kam_store_write_large(kam_store *store, uint64_t bytes, kam_write_fn fn, void *arg);

/*
 * Inserts or replaces (by id) one record of `kind`. Contacts, orders and interactions must name
 * an existing account (else KAM_EREF). Indexes and the account's rollup change in the same
 * transaction. *replaced (may be NULL) tells whether a record with that id existed.
 * Returns 0, KAM_EREF, KAM_EINVAL (required field missing, id too long or containing a NUL, a
 * region or owner longer than KAM_KEYTEXT_MAX or containing a NUL, a value kam_rec_encode
 * refuses), KAM_EMAPFULL, KAM_EREADONLY, KAM_ENOMEM, KAM_EIO. A refused record (KAM_EINVAL,
 * KAM_EREF) changes nothing and leaves the transaction usable.
 */
int kam_put(kam_txn *txn, kam_kind kind, const void *rec, int *replaced);

/*
 * A record made ready for kam_put_encoded outside the write transaction (by a thread that parses
 * input while another one writes): its stored bytes and, for a contact, its by-account index
 * key, in `bytes` one after the other.
 */
typedef struct kam_encoded {
	const uint8_t *bytes;
	uint32_t vlen, iklen; /* record, index key */
} kam_encoded;

/*
 * Checks and encodes `rec` of `kind` for kam_put_encoded, into `buf` (reset first; enc->bytes
 * points into it, so copy the bytes elsewhere, or leave buf alone, until the put). Needs no
 * transaction and may run on any thread. Returns 0, or KAM_EINVAL for a record kam_put would
 * refuse as invalid; kam_put then gives that record's exact result.
 */
int kam_put_encode(kam_kind kind, const void *rec, kam_buf *buf, kam_encoded *enc);

/*
 * kam_put of a record that kam_put_encode has encoded into `enc` (rec and enc->bytes unchanged
 * since): the same checks against the database, results and effects, without encoding again.
 */
int kam_put_encoded(kam_txn *txn, kam_kind kind, const void *rec, const kam_encoded *enc,
		    int *replaced);

/*
 * Reads the record `id` of `kind` into `rec` (a struct of that kind). Its text views point into
 * the database map and stay valid until the transaction ends. Returns 0, KAM_ENOTFOUND,
 * KAM_ECORRUPT, KAM_EVERSION.
 */
int kam_get(kam_txn *txn, kam_kind kind, kam_str id, void *rec);

/*
 * Deletes the record `id` of `kind`, with its index entries, updating the rollup. An account is
 * deleted only when nothing refers to it (else KAM_EREF). Returns 0, KAM_ENOTFOUND, KAM_EREF, ...
 */
int kam_del(kam_txn *txn, kam_kind kind, kam_str id);

/* The rollup of an account. Returns 0, KAM_ENOTFOUND (no such account), KAM_ECORRUPT. */
int kam_rollup_get(kam_txn *txn, kam_str account_id, kam_rollup *out);
/*
 * Computes the rollup of an account afresh from its orders and interactions, ignoring the stored
 * one (for checks and repair). Returns 0 or KAM_ENOTFOUND.
 */
int kam_rollup_compute(kam_txn *txn, kam_str account_id, kam_rollup *out);

/* What a cursor walks. */
typedef enum kam_scan {
	KAM_SCAN_ALL,          /* every record of a kind, by id */
	KAM_SCAN_REGION,       /* accounts whose region equals `key` (empty: no region), by id */
	KAM_SCAN_OWNER,        /* accounts whose owner equals `key`, by id */
	KAM_SCAN_OF_ACCOUNT,   /* contacts, orders or interactions of account `key`; orders and
	                          interactions in (date, id) order, contacts by id */
	KAM_SCAN_ALL_DESC,     /* every record of a kind, by id from the greatest down */
} kam_scan;

/*
 * Opens a cursor over records of `kind`. For KAM_SCAN_OF_ACCOUNT, orders and interactions are
 * limited to from_day <= date.day <= to_day (pass INT32_MIN, INT32_MAX for all). Returns 0,
 * KAM_EINVAL (a scan that does not apply to the kind), KAM_ENOMEM, KAM_EIO. A key that no record
 * can have (an invalid id, a NUL byte, an empty owner) gives an empty scan.
 */
int kam_cursor_open(kam_txn *txn, kam_kind kind, kam_scan scan, kam_str key, int32_t from_day,
		    int32_t to_day, kam_cursor **out);
/*
 * Reads the next record into `rec` (views valid until the transaction ends). Returns 1 with a
 * record, 0 at the end, or a negative code (KAM_ECORRUPT, ...).
 */
int kam_cursor_next(kam_cursor *cur, void *rec);
void kam_cursor_close(kam_cursor *cur);

/*
 * The rollup of the account that kam_cursor_next last read on an account cursor (any scan), as
 * kam_rollup_get would give it. Accounts come in id order (descending for KAM_SCAN_ALL_DESC), so
 * in a read-only transaction the rollups are read in lockstep with the scan: no lookup per
 * account. Returns 0, KAM_EINVAL (not
 * an account cursor, no account read yet, or its transaction has ended), KAM_ECORRUPT, KAM_EIO.
 */
int kam_cursor_rollup(kam_cursor *cur, kam_rollup *out);

/* Figures for `kam stats`. */
typedef struct kam_store_stats {
	uint64_t records[KAM_KIND_COUNT];
	uint32_t schema_version;
	uint64_t map_size;     /* bytes of address space reserved for the map */
	uint64_t file_size;    /* bytes of the data file on disk */
	uint64_t used_bytes;   /* bytes in pages in use (last page number x page size) */
	uint32_t page_size;
	uint32_t max_readers, readers; /* reader slots, and those in a transaction now */
	uint64_t last_txn_id;
	uint32_t tree_depth;   /* depth of the largest B-tree */
} kam_store_stats;
int kam_store_stats_get(kam_txn *txn, kam_store_stats *out);


/*
 * Facts: the figures of each order or interaction of an account, read from its columns alone
 * (no record is decoded), for models that scan a whole book.
 */
typedef struct kam_order_fact {
	kam_str id;
	kam_date date;
	kam_money amount, profit;
	bool has_profit;
} kam_order_fact;

typedef struct kam_interaction_fact {
	kam_str id;
	kam_date date;
	uint8_t kind, outcome, objection; /* enum values of record.h, 0 = absent */
	bool has_minutes;
	int64_t minutes;
} kam_interaction_fact;

typedef struct kam_facts kam_facts;

/* Opens a facts reader over KAM_ORDER or KAM_INTERACTION (else KAM_EINVAL). */
int kam_facts_open(kam_txn *txn, kam_kind kind, kam_facts **out);
/*
 * The facts of `account` with from_day <= date.day <= to_day, in (date, id) order, as an array of
 * kam_order_fact or kam_interaction_fact owned by the reader and valid until the next call.
 * Reading accounts in increasing id order continues the scan of the columns instead of seeking, so
 * a pass over a whole book reads them once. Returns 0 or a negative code.
 */
int kam_facts_get(kam_facts *f, kam_str account, int32_t from_day, int32_t to_day,
		  const void **rows, size_t *count);
/* An account's facts in a window, as its columns: rows [lo, hi), the first one's id at `ids`. */
typedef struct kam_facts_window {
	kam_col_view cols;
	size_t lo, hi;
	const uint8_t *ids;
} kam_facts_window;

/*
 * kam_facts_get without making rows: the window of `account` in its columns (column.h), valid as
 * long as kam_facts_get's rows would be. Returns 1 (hi > lo), 0 (no facts in the window) or a
 * negative code.
 */
int kam_facts_columns(kam_facts *f, kam_str account, int32_t from_day, int32_t to_day,
		      kam_facts_window *w);

/* Makes the reader check each account's columns whole (order, fields): for kam check. */
void kam_facts_strict(kam_facts *f);
void kam_facts_close(kam_facts *f);

/*
 * Tables: ordered key -> value maps stored beside the records, for what the core layers above
 * the store keep (segmentation snapshots and their results). The store gives them bytes; the
 * owner of each table defines its encoding. Keys are 1..KAM_TABLE_KEY_MAX bytes.
 */
#define KAM_TABLE_KEY_MAX 480
typedef enum kam_table {
	KAM_TABLE_SNAPSHOTS,  /* snapshot headers */
	KAM_TABLE_RESULTS,    /* per-account results of snapshots */
	KAM_TABLE_CURRENT,    /* pointers to the current snapshot per scope */
	KAM_TABLE_COUNT
} kam_table;

/* Puts (replacing) a value. Returns 0, KAM_EINVAL (key size), KAM_EMAPFULL, KAM_EREADONLY, ... */
int kam_table_put(kam_txn *txn, kam_table t, kam_str key, kam_str value);
/* Reads a value (a view valid until the transaction ends). Returns 0 or KAM_ENOTFOUND. */
int kam_table_get(kam_txn *txn, kam_table t, kam_str key, kam_str *value);
/* Deletes a key. Returns 0 or KAM_ENOTFOUND. */
int kam_table_del(kam_txn *txn, kam_table t, kam_str key);

typedef struct kam_table_cursor kam_table_cursor;
/*
 * Walks the keys that start with `prefix` (empty: all), in bytewise order, or in reverse order
 * when `reverse` is set (so the first row is the greatest key with that prefix).
 */
int kam_table_cursor_open(kam_txn *txn, kam_table t, kam_str prefix, int reverse,
			  kam_table_cursor **out);
/* Returns 1 with key and value views, 0 at the end, or a negative code. */
int kam_table_cursor_next(kam_table_cursor *c, kam_str *key, kam_str *value);
void kam_table_cursor_close(kam_table_cursor *c);

#endif
