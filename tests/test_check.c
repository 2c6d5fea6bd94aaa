/*
 * test_check.c - kam_check: a sound book has no problem, and each kind of damage, made behind
 * the store's back with LMDB itself, is reported as what it is.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kam/errors.h>

#include "check.h"
#include "column.h"
#include "rawdb.h" /* LMDB itself, to damage a database on purpose */
#include "store.h"
#include "testbook.h"
#include "tmpdir.h"

static char tmp[64];
static char dbdir[128];

static void setup(void)
{
	strcpy(tmp, "/tmp/kam-check-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(dbdir, sizeof(dbdir), "%s/db", tmp);
}

static void teardown(void)
{
	rm_rf(tmp);
}

TestSuite(check, .init = setup, .fini = teardown);

/* Two accounts; A1 has two orders, an interaction and a contact, A2 one order. */
static void book(void)
{
	kam_store *s;
	kam_txn *t;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	PUT(t, KAM_ACCOUNT, "id", "A1", "name", "One", "region", "north", "owner", "rep1");
	PUT(t, KAM_ACCOUNT, "id", "A2", "name", "Two", "region", "south", "owner", "rep2");
	PUT(t, KAM_ORDER, "id", "O1", "account_id", "A1", "date", "2026-01-05", "amount", "100");
	PUT(t, KAM_ORDER, "id", "O2", "account_id", "A1", "date", "2026-02-05", "amount", "250.5",
	    "profit", "20");
	PUT(t, KAM_ORDER, "id", "O3", "account_id", "A2", "date", "2026-03-05", "amount", "70");
	PUT(t, KAM_INTERACTION, "id", "I1", "account_id", "A1", "date", "2026-02-01", "kind", "call",
	    "minutes", "12");
	PUT(t, KAM_CONTACT, "id", "C1", "account_id", "A1", "name", "Li");
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_store_close(s);
}

/* Damages the named database of the book with fn. */
static void damage(const char *name, void (*fn)(MDB_txn *txn, MDB_dbi dbi, void *arg))
{
	raw_write(dbdir, name, fn, NULL);
}

static char lines[16][512];
static size_t nlines;

static void collect(void *ctx, const char *problem)
{
	(void)ctx;
	if (nlines < 16)
		snprintf(lines[nlines], sizeof(lines[0]), "%s", problem);
	nlines++;
}

/* kam_check of the database; returns the problems, their lines in `lines`. */
static uint64_t check(kam_check_result *res)
{
	kam_store *s;
	kam_txn *t;
	nlines = 0;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_check(t, collect, NULL, NULL, res), 0);
	kam_txn_abort(t);
	kam_store_close(s);
	cr_assert_eq(nlines, res->problems);
	return res->problems;
}

static void expect_line(const char *text)
{
	for (size_t i = 0; i < nlines && i < 16; i++)
		if (strstr(lines[i], text))
			return;
	cr_assert_fail("no problem says \"%s\" (first: \"%s\")", text, nlines ? lines[0] : "");
}

Test(check, sound_book)
{
	book();
	kam_check_result r;
	cr_assert_eq(check(&r), 0, "%s", lines[0]);
	cr_expect_eq(r.records[KAM_ACCOUNT], 2);
	cr_expect_eq(r.records[KAM_CONTACT], 1);
	cr_expect_eq(r.records[KAM_ORDER], 3);
	cr_expect_eq(r.records[KAM_INTERACTION], 1);
}

/* The first entry of a database, deleted. */
static void del_first(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)arg;
	MDB_cursor *c;
	MDB_val k, v;
	cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
	cr_assert_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
	cr_assert_eq(mdb_cursor_del(c, 0), 0);
	mdb_cursor_close(c);
}

Test(check, stored_rollup_differs)
{
	book();
	damage("order_rollups", del_first); /* A1's order half: no orders, says the rollup */
	kam_check_result r;
	cr_assert_eq(check(&r), 1);
	expect_line("account A1: the stored rollup's order_count differs");
}

Test(check, index_entry_missing)
{
	book();
	damage("order_columns", del_first); /* A1's orders: O1 and O2 */
	kam_check_result r;
	cr_assert_geq(check(&r), 2);
	expect_line("account A1: the stored rollup's");
	expect_line("orders: 3 records, 1 of them reached from their account's index");
}

/* The first account's column value, changed by fn behind the store's back. */
static void change_first(MDB_txn *txn, MDB_dbi dbi, void (*fn)(uint8_t *val, const kam_col_view *v))
{
	MDB_cursor *c;
	MDB_val k, v;
	cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
	cr_assert_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
	uint8_t key[64], val[256];
	cr_assert_leq(v.mv_size, sizeof(val));
	memcpy(key, k.mv_data, k.mv_size);
	memcpy(val, v.mv_data, v.mv_size);
	kam_col_view cv;
	cr_assert_eq(kam_col_open(val, v.mv_size, 1, &cv), 0);
	fn(val, &cv);
	MDB_val nk = { k.mv_size, key }, nv = { v.mv_size, val };
	mdb_cursor_close(c);
	cr_assert_eq(mdb_put(txn, dbi, &nk, &nv, 0), 0);
}

/* O1's amount (A1's first order), one cent more. */
static void cent_more(uint8_t *val, const kam_col_view *v)
{
	cr_assert(v->flags & COL_NARROW);
	val[v->fig - (const uint8_t *)val]++;
}

static void o1_amount(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)arg;
	change_first(txn, dbi, cent_more);
}

Test(check, index_value_differs)
{
	book();
	damage("order_columns", o1_amount);
	kam_check_result r;
	check(&r);
	expect_line("account A1: the stored rollup's revenue differs");
	expect_line("order O1: the index and the record differ in amount");
}

/* A1's two orders' days, swapped: out of (date, id) order. */
static void swap_days(uint8_t *val, const kam_col_view *v)
{
	uint8_t *day = val + (v->day - (const uint8_t *)val), t[4];
	memcpy(t, day, 4);
	memcpy(day, day + 4, 4);
	memcpy(day + 4, t, 4);
}

static void unordered(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)arg;
	change_first(txn, dbi, swap_days);
}

Test(check, index_out_of_order)
{
	book();
	damage("order_columns", unordered);
	kam_check_result r;
	cr_assert_geq(check(&r), 1);
	expect_line("account A1: its rollup or index entries do not decode");
}

/* O1's record, rewritten to name account A2. */
static void move_o1(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)arg;
	const kam_schema *s = kam_schema_of(KAM_ORDER);
	kam_order o;
	const char *e;
	kam_rec_clear(s, &o);
	cr_assert_eq(kam_field_parse(s, &o, KAM_O_ACCOUNT_ID, "A2", 2, &e), 0);
	cr_assert_eq(kam_field_parse(s, &o, KAM_O_DATE, "2026-01-05", 10, &e), 0);
	cr_assert_eq(kam_field_parse(s, &o, KAM_O_AMOUNT, "100", 3, &e), 0);
	kam_buf b = { 0 };
	cr_assert_eq(kam_rec_encode(s, &o, &b), 0);
	MDB_val k = { 2, "O1" }, v = { b.len, b.data };
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	kam_buf_free(&b);
}

Test(check, record_names_another_account)
{
	book();
	damage("orders", move_o1);
	kam_check_result r;
	cr_assert_eq(check(&r), 1);
	expect_line("order O1: in the index of account A1, but the record names A2");
}

static void garbage_o2(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)arg;
	MDB_val k = { 2, "O2" }, v = { 2, "\x01\xff" };
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
}

Test(check, record_does_not_decode)
{
	book();
	damage("orders", garbage_o2);
	kam_check_result r;
	cr_assert_geq(check(&r), 2);
	expect_line("order O2 (in the index of account A1): the record does not decode");
	expect_line("orders: the record after the 1-th does not decode");
}

Test(check, region_index_entry_missing)
{
	book();
	damage("accounts_by_region", del_first); /* north A1 */
	kam_check_result r;
	cr_assert_eq(check(&r), 1);
	expect_line("region \"north\": the index lists 0 accounts, 1 have it");
}

Test(check, contact_index_entry_missing)
{
	book();
	damage("contacts_by_account", del_first);
	kam_check_result r;
	cr_assert_eq(check(&r), 1);
	expect_line("contacts: 1 records, 0 of them reached from their account's index");
}

static uint64_t progress_done, progress_total;
static char progress_kind[16];

static void on_progress(void *ctx, const char *kind, uint64_t done, uint64_t total)
{
	(void)ctx;
	snprintf(progress_kind, sizeof(progress_kind), "%s", kind);
	progress_done = done;
	progress_total = total;
}

/* The progress function hears of every 65536 records of a walk, with the kind's total. */
Test(check, progress)
{
	kam_store *s;
	kam_txn *t;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	for (int i = 0; i < 70000; i++) {
		char id[16];
		snprintf(id, sizeof(id), "A%06d", i);
		PUT(t, KAM_ACCOUNT, "id", id, "name", "n");
	}
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_check_result r;
	nlines = 0;
	cr_assert_eq(kam_check(t, collect, on_progress, NULL, &r), 0);
	kam_txn_abort(t);
	kam_store_close(s);
	cr_expect_eq(r.problems, 0, "%s", lines[0]);
	cr_expect_str_eq(progress_kind, "accounts"); /* the last walk to reach 65536 */
	cr_expect_eq(progress_done, 65536);
	cr_expect_eq(progress_total, 70000);
}
