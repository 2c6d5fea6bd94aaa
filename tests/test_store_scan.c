/*
 * test_store_scan.c - the store's read paths for whole-book passes: rollups read in lockstep
 * with account cursors (kam_cursor_rollup), against kam_rollup_get account by account.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kam/errors.h>

#include "store.h"
#include "tmpdir.h"

static char tmp[64];
static char dbdir[128];

static void setup(void)
{
	strcpy(tmp, "/tmp/kam-scan-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(dbdir, sizeof(dbdir), "%s/db", tmp);
	unsetenv("KAM_MAPSIZE");
}

static void teardown(void)
{
	rm_rf(tmp);
}

TestSuite(scan, .init = setup, .fini = teardown);

#define SET(r, f) (((kam_rec *)(r))->present |= 1u << (f))

static void put_account(kam_txn *t, const char *id, const char *region, const char *owner)
{
	kam_account a;
	kam_rec_clear(kam_schema_of(KAM_ACCOUNT), &a);
	a.id = kam_str_c(id);
	a.name = KAM_STR("Name");
	SET(&a, KAM_A_ID);
	SET(&a, KAM_A_NAME);
	if (region) {
		a.region = kam_str_c(region);
		SET(&a, KAM_A_REGION);
	}
	if (owner) {
		a.owner = kam_str_c(owner);
		SET(&a, KAM_A_OWNER);
	}
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), 0);
}

static void put_order(kam_txn *t, const char *id, const char *acc, int32_t day, kam_money amount)
{
	kam_order o;
	kam_rec_clear(kam_schema_of(KAM_ORDER), &o);
	o.id = kam_str_c(id);
	o.account_id = kam_str_c(acc);
	o.date = (kam_date){ day, KAM_NO_TIME };
	o.amount = amount;
	o.profit = amount / 10;
	SET(&o, KAM_O_ID);
	SET(&o, KAM_O_ACCOUNT_ID);
	SET(&o, KAM_O_DATE);
	SET(&o, KAM_O_AMOUNT);
	SET(&o, KAM_O_PROFIT);
	cr_assert_eq(kam_put(t, KAM_ORDER, &o, NULL), 0);
}

static void put_call(kam_txn *t, const char *id, const char *acc, int32_t day, int64_t minutes)
{
	kam_interaction in;
	kam_rec_clear(kam_schema_of(KAM_INTERACTION), &in);
	in.id = kam_str_c(id);
	in.account_id = kam_str_c(acc);
	in.date = (kam_date){ day, KAM_NO_TIME };
	in.kind = KAM_IK_CALL;
	in.minutes = minutes;
	SET(&in, KAM_I_ID);
	SET(&in, KAM_I_ACCOUNT_ID);
	SET(&in, KAM_I_DATE);
	SET(&in, KAM_I_KIND);
	SET(&in, KAM_I_MINUTES);
	cr_assert_eq(kam_put(t, KAM_INTERACTION, &in, NULL), 0);
}

static int rollup_same(const kam_rollup *a, const kam_rollup *b)
{
	return a->order_count == b->order_count && a->interaction_count == b->interaction_count &&
	       a->first_order.day == b->first_order.day && a->last_order.day == b->last_order.day &&
	       a->revenue == b->revenue && a->profit == b->profit &&
	       a->last_call.day == b->last_call.day && a->last_visit.day == b->last_visit.day &&
	       a->last_interaction.day == b->last_interaction.day && a->minutes == b->minutes;
}

/*
 * A book where accounts have both rollup halves, one of them, or none, in runs long enough that
 * a region scan must skip many entries of the halves (and so seek as well as step).
 */
#define NACC 200

static kam_store *book(void)
{
	kam_store *s;
	kam_txn *t;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	char id[32], oid[32];
	for (int i = 0; i < NACC; i++) {
		snprintf(id, sizeof(id), "acc%03d", i);
		put_account(t, id, i < 150 ? (i % 3 == 0 ? "north" : "south") : NULL,
			    i % 5 == 0 ? "rep1" : i % 20 == 3 ? "rep2" : NULL);
		if (i % 4 != 1) {
			for (int k = 0; k <= i % 3; k++) {
				snprintf(oid, sizeof(oid), "o%03d-%d", i, k);
				put_order(t, oid, id, 20000 + i + k, 10000 * (i + 1));
			}
		}
		if (i % 4 != 2 && i % 7 != 0) {
			snprintf(oid, sizeof(oid), "c%03d", i);
			put_call(t, oid, id, 20100 + i, i);
		}
	}
	/* the greatest id with no rollup half at all: a reverse walk starts past both halves */
	put_account(t, "zzz", NULL, NULL);
	cr_assert_eq(kam_txn_commit(t), 0);
	return s;
}

/* Walks a scan and checks kam_cursor_rollup against kam_rollup_get; returns the accounts. */
static int walk(kam_txn *t, kam_scan scan, const char *key)
{
	kam_cursor *c;
	kam_account a;
	kam_rollup got, want;
	int n = 0, rc;
	char prev[KAM_ID_MAX + 1] = "";
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, scan, key ? kam_str_c(key) : (kam_str){ 0 },
				     INT32_MIN, INT32_MAX, &c), 0);
	cr_assert_eq(kam_cursor_rollup(c, &got), KAM_EINVAL, "no account read yet");
	while ((rc = kam_cursor_next(c, &a)) > 0) {
		cr_assert_eq(kam_cursor_rollup(c, &got), 0);
		cr_assert_eq(kam_rollup_get(t, a.id, &want), 0);
		cr_assert(rollup_same(&got, &want), "rollup of %.*s", (int)a.id.len, a.id.ptr);
		/* asking twice gives the same */
		cr_assert_eq(kam_cursor_rollup(c, &got), 0);
		cr_assert(rollup_same(&got, &want));
		/* in id order, or the reverse */
		char id[KAM_ID_MAX + 1];
		memcpy(id, a.id.ptr, a.id.len);
		id[a.id.len] = 0;
		if (n)
			cr_assert(scan == KAM_SCAN_ALL_DESC ? strcmp(id, prev) < 0 : strcmp(id, prev) > 0);
		strcpy(prev, id);
		n++;
	}
	cr_assert_eq(rc, 0);
	kam_cursor_close(c);
	return n;
}

Test(scan, cursor_rollup_matches_rollup_get)
{
	kam_store *s = book();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(walk(t, KAM_SCAN_ALL, NULL), NACC + 1);
	cr_assert_eq(walk(t, KAM_SCAN_ALL_DESC, NULL), NACC + 1);
	cr_assert_eq(walk(t, KAM_SCAN_REGION, "north"), 50);
	cr_assert_eq(walk(t, KAM_SCAN_REGION, "south"), 100);
	cr_assert_eq(walk(t, KAM_SCAN_REGION, ""), 51);
	cr_assert_eq(walk(t, KAM_SCAN_OWNER, "rep1"), 40);
	cr_assert_eq(walk(t, KAM_SCAN_OWNER, "rep2"), 10); /* gaps long enough to seek */
	cr_assert_eq(walk(t, KAM_SCAN_REGION, "nowhere"), 0);
	kam_txn_abort(t);

	/* in a write transaction, with changes not yet committed */
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	put_order(t, "late", "acc001", 21000, 5);
	put_call(t, "late-call", "acc002", 21000, 7);
	cr_assert_eq(walk(t, KAM_SCAN_ALL, NULL), NACC + 1);
	cr_assert_eq(walk(t, KAM_SCAN_ALL_DESC, NULL), NACC + 1);
	kam_rollup r;
	kam_cursor *c;
	kam_account a;
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN,
				     INT32_MAX, &c), 0);
	cr_assert_eq(kam_cursor_next(c, &a), 1);
	cr_assert_eq(kam_cursor_next(c, &a), 1);
	cr_assert_eq(kam_cursor_rollup(c, &r), 0);
	cr_assert_eq(r.order_count, 1);
	cr_assert_eq(r.revenue, 5);
	kam_cursor_close(c);
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(scan, cursor_rollup_misuse)
{
	kam_store *s = book();
	kam_txn *t;
	kam_cursor *c;
	kam_any rec;
	kam_rollup r;
	cr_assert_eq(kam_cursor_rollup(NULL, &r), KAM_EINVAL);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_cursor_open(t, KAM_ORDER, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN,
				     INT32_MAX, &c), 0);
	cr_assert_eq(kam_cursor_next(c, &rec), 1);
	cr_assert_eq(kam_cursor_rollup(c, &r), KAM_EINVAL, "not an account cursor");
	kam_cursor_close(c);
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN,
				     INT32_MAX, &c), 0);
	cr_assert_eq(kam_cursor_next(c, &rec), 1);
	cr_assert_eq(kam_cursor_rollup(c, &r), 0);
	kam_txn_abort(t);
	cr_assert_eq(kam_cursor_rollup(c, &r), KAM_EINVAL, "the transaction has ended");
	kam_cursor_close(c);
	kam_store_close(s);
}
