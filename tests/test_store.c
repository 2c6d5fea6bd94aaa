/* test_store.c - the LMDB store: lifecycle, records, indexes, rollups, cursors, map growth. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h> /* only to forge a database from the future */

#include <kam/errors.h>

#include "import.h"
#include "store.h"
#include "writeback.h"
#include "rawdb.h"
#include "tmpdir.h"

/* ---- fixtures: every test gets its own temporary directory ---- */

static char tmp[64];
static char dbdir[128];

static void setup(void)
{
	umask(022);
	strcpy(tmp, "/tmp/kam-store-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(dbdir, sizeof(dbdir), "%s/db", tmp);
	unsetenv("KAM_MAPSIZE");
}

static void teardown(void)
{
	rm_rf(tmp);
}

TestSuite(store, .init = setup, .fini = teardown);

static kam_store *open_new(void)
{
	kam_store *s = NULL;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &s), 0);
	return s;
}

static char *file_path(const char *name)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", dbdir, name);
	return p;
}

/* ---- building records ---- */

#define SET(r, f) (((kam_rec *)(r))->present |= 1u << (f))

static void make_account(kam_account *a, const char *id, const char *region, const char *owner)
{
	kam_rec_clear(kam_schema_of(KAM_ACCOUNT), a);
	a->id = kam_str_c(id);
	SET(a, KAM_A_ID);
	a->name = KAM_STR("Name");
	SET(a, KAM_A_NAME);
	if (region && *region) {
		a->region = kam_str_c(region);
		SET(a, KAM_A_REGION);
	}
	if (owner && *owner) {
		a->owner = kam_str_c(owner);
		SET(a, KAM_A_OWNER);
	}
}

static void make_contact(kam_contact *c, const char *id, const char *acc)
{
	kam_rec_clear(kam_schema_of(KAM_CONTACT), c);
	c->id = kam_str_c(id);
	c->account_id = kam_str_c(acc);
	c->name = KAM_STR("Ann");
	SET(c, KAM_C_ID);
	SET(c, KAM_C_ACCOUNT_ID);
	SET(c, KAM_C_NAME);
}

static void make_order(kam_order *o, const char *id, const char *acc, int32_t day, int32_t sec,
		       kam_money amount, int has_profit, kam_money profit)
{
	kam_rec_clear(kam_schema_of(KAM_ORDER), o);
	o->id = kam_str_c(id);
	o->account_id = kam_str_c(acc);
	o->date = (kam_date){ day, sec };
	o->amount = amount;
	SET(o, KAM_O_ID);
	SET(o, KAM_O_ACCOUNT_ID);
	SET(o, KAM_O_DATE);
	SET(o, KAM_O_AMOUNT);
	if (has_profit) {
		o->profit = profit;
		SET(o, KAM_O_PROFIT);
	}
}

static void make_inter(kam_interaction *in, const char *id, const char *acc, int32_t day,
		       int32_t sec, uint8_t kind, uint8_t outcome, int has_minutes, int64_t minutes)
{
	kam_rec_clear(kam_schema_of(KAM_INTERACTION), in);
	in->id = kam_str_c(id);
	in->account_id = kam_str_c(acc);
	in->date = (kam_date){ day, sec };
	in->kind = kind;
	SET(in, KAM_I_ID);
	SET(in, KAM_I_ACCOUNT_ID);
	SET(in, KAM_I_DATE);
	SET(in, KAM_I_KIND);
	if (outcome) {
		in->outcome = outcome;
		SET(in, KAM_I_OUTCOME);
	}
	if (has_minutes) {
		in->minutes = minutes;
		SET(in, KAM_I_MINUTES);
	}
}

static int str_is(kam_str s, const char *c)
{
	return kam_str_eq(s, kam_str_c(c));
}

static void put_ok(kam_txn *t, kam_kind kind, const void *rec, int want_replaced)
{
	int replaced = -1;
	int rc = kam_put(t, kind, rec, &replaced);
	cr_assert_eq(rc, 0, "kam_put: %d", rc);
	cr_assert_eq(replaced, want_replaced);
}

static void put_version(MDB_txn *txn, MDB_dbi meta, void *arg)
{
	uint32_t ver = *(const uint32_t *)arg;
	uint8_t b[4] = { (uint8_t)ver, (uint8_t)(ver >> 8), (uint8_t)(ver >> 16), (uint8_t)(ver >> 24) };
	MDB_val k = { 14, "schema_version" }, v = { 4, b };
	cr_assert_eq(mdb_put(txn, meta, &k, &v, 0), 0);
}

/* Writes `ver` as the schema version of the database in dbdir, behind the store's back. */
static void schema_set(uint32_t ver)
{
	raw_write(dbdir, "meta", put_version, &ver);
}

static uint32_t schema_of(kam_store *s)
{
	kam_txn *t;
	kam_store_stats st;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	kam_txn_abort(t);
	return st.schema_version;
}

/* ---- lifecycle ---- */

Test(store, open_create_close_reopen)
{
	kam_store *s = (kam_store *)1;
	cr_assert_eq(kam_store_open(dbdir, 0, &s), KAM_ENOTFOUND);
	cr_assert_null(s);
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY | KAM_STORE_CREATE, &s), KAM_ENOTFOUND);
	/* the directory exists but holds no database */
	mkdir(dbdir, 0700);
	cr_assert_eq(kam_store_open(dbdir, 0, &s), KAM_ENOTFOUND);

	s = open_new();
	cr_assert_str_eq(kam_store_dir(s), dbdir);
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "a1", "north", NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	kam_txn *t2;
	cr_assert_eq(kam_txn_begin(s, 1, &t2), KAM_EBUSY);
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_store_close(s);

	cr_assert_eq(kam_store_open(dbdir, 0, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_any got;
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("a1"), &got), 0);
	cr_assert(str_is(got.account.region, "north"));
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), KAM_EREADONLY);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("a1")), KAM_EREADONLY);
	kam_store_stats st;
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_eq(st.schema_version, KAM_SCHEMA_VERSION);
	cr_assert_eq(st.records[KAM_ACCOUNT], 1);
	cr_assert_eq(st.records[KAM_ORDER], 0);
	cr_assert_gt(st.page_size, 0);
	cr_assert_gt(st.file_size, 0);
	cr_assert_leq(st.used_bytes, st.file_size);
	cr_assert_geq(st.map_size, st.file_size);
	cr_assert_gt(st.max_readers, 0);
	cr_assert_eq(st.readers, 1, "readers %u", st.readers);
	cr_assert_gt(st.last_txn_id, 0);
	cr_assert_geq(st.tree_depth, 1);
	kam_txn_abort(t);
	kam_store_close(s);

	/* read-only: reads work, writes are refused */
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 1, &t), KAM_EREADONLY);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("a1"), &got), 0);
	/* two readers at once in one thread */
	cr_assert_eq(kam_txn_begin(s, 0, &t2), 0);
	cr_assert_eq(kam_get(t2, KAM_ACCOUNT, KAM_STR("a1"), &got), 0);
	cr_assert_eq(kam_store_stats_get(t2, &st), 0);
	cr_assert_eq(st.readers, 2);
	kam_txn_abort(t2);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_eq(st.readers, 1);
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_store_close(s);
	kam_store_close(NULL);
	kam_txn_abort(NULL);
}

Test(store, permissions)
{
	kam_store *s = open_new();
	kam_store_close(s);
	struct stat st;
	cr_assert_eq(stat(dbdir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(stat(file_path("data.mdb"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(stat(file_path("lock.mdb"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc((size_t)n + 1);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

Test(store, newer_schema_refused_untouched)
{
	kam_store *s = open_new();
	kam_store_close(s);

	schema_set(99);

	size_t before_len, after_len;
	void *before = slurp(file_path("data.mdb"), &before_len);
	s = (kam_store *)1;
	cr_assert_eq(kam_store_open(dbdir, 0, &s), KAM_EVERSION);
	cr_assert_null(s);
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &s), KAM_EVERSION);
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), KAM_EVERSION);
	void *after = slurp(file_path("data.mdb"), &after_len);
	cr_assert_eq(before_len, after_len);
	cr_assert_eq(memcmp(before, after, before_len), 0);
	free(before);
	free(after);
}

/*
 * A schema 3 database (its layout is 4's) is raised to 4 at open, even an opening for reading,
 * with what it holds unchanged; builds before 4 then refuse it at open.
 */
Test(store, schema_3_raised_at_open)
{
	kam_store *s = open_new();
	kam_txn *t;
	kam_account a;
	make_account(&a, "a1", "north", NULL);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_store_close(s);
	schema_set(3);
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), 0);
	cr_assert_eq(schema_of(s), KAM_SCHEMA_VERSION);
	kam_any got;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("a1"), &got), 0);
	cr_assert(str_is(got.account.region, "north"));
	kam_txn_abort(t);
	kam_store_close(s);
}

/* tests/data/book_schema2.mdb.gz (see tests/cli/schema2.sh) unpacked as the database in dbdir. */
static void unpack_schema2(void)
{
	char cmd[512];
	cr_assert_eq(mkdir(dbdir, 0700), 0);
	snprintf(cmd, sizeof(cmd), "gzip -dc %s/book_schema2.mdb.gz >%s", KAM_TEST_DATA,
		 file_path("data.mdb"));
	cr_assert_eq(system(cmd), 0);
}

/* The ids of the orders of `acc` with their days, "id@day id@day ...". */
static void orders_of(kam_store *s, const char *acc, char *out, size_t cap)
{
	kam_txn *t;
	kam_facts *f;
	const kam_order_fact *rows;
	size_t n, len = 0;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_facts_open(t, KAM_ORDER, &f), 0);
	cr_assert_eq(kam_facts_get(f, kam_str_c(acc), INT32_MIN, INT32_MAX, (const void **)&rows, &n),
		     0);
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%.*s@%d", i ? " " : "",
					(int)rows[i].id.len, rows[i].id.ptr, rows[i].date.day);
	kam_facts_close(f);
	kam_txn_abort(t);
}

/* A schema 2 database is upgraded to columns at open, even an opening for reading. */
Test(store, schema_2_upgraded_at_open)
{
	unpack_schema2();
	kam_store *s;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), 0);
	cr_assert_eq(schema_of(s), KAM_SCHEMA_VERSION);
	char got[256];
	orders_of(s, "A2", got, sizeof(got));
	cr_assert_str_eq(got, "OT2@20544 OT3@20544 OT1@20544");
	orders_of(s, "A1", got, sizeof(got));
	cr_assert_str_eq(got, "O1@20463 O2@20513");
	orders_of(s, "A4", got, sizeof(got));
	cr_assert_str_eq(got, "");
	kam_store_close(s);
	cr_assert_eq(kam_store_open(dbdir, 0, &s), 0);
	cr_assert_eq(schema_of(s), KAM_SCHEMA_VERSION);
	kam_store_close(s);
}

/* The first entry of the old orders index given a value that does not decode. */
static void garble_first(MDB_txn *txn, MDB_dbi dbi, void *arg)
{
	(void)arg;
	MDB_cursor *c;
	MDB_val k, v, bad = { 1, "\xff" };
	cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
	cr_assert_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
	cr_assert_eq(mdb_cursor_put(c, &k, &bad, MDB_CURRENT), 0);
	mdb_cursor_close(c);
}

/* An upgrade that cannot read the old index changes nothing, whatever the opening. */
Test(store, damaged_schema_2_refused_untouched)
{
	unpack_schema2();
	raw_write(dbdir, "orders_by_account", garble_first, NULL);
	size_t before_len, after_len;
	void *before = slurp(file_path("data.mdb"), &before_len);
	kam_store *s;
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), KAM_ECORRUPT);
	cr_assert_eq(kam_store_open(dbdir, 0, &s), KAM_ECORRUPT);
	cr_assert_null(s);
	void *after = slurp(file_path("data.mdb"), &after_len);
	cr_assert_eq(before_len, after_len);
	cr_assert_eq(memcmp(before, after, before_len), 0);
	free(before);
	free(after);
}

Test(store, foreign_lmdb_is_corrupt)
{
	/* an LMDB environment with data but no meta database is not ours */
	mkdir(dbdir, 0700);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	cr_assert_eq(mdb_env_create(&env), 0);
	cr_assert_eq(mdb_env_open(env, dbdir, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	MDB_val k = { 3, "key" }, v = { 5, "value" };
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	kam_store *s;
	cr_assert_eq(kam_store_open(dbdir, 0, &s), KAM_ECORRUPT);
	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_CREATE, &s), KAM_ECORRUPT);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

static int is_damage(int rc)
{
	return rc == KAM_ECORRUPT || rc == KAM_EIO;
}

Test(store, garbage_file)
{
	mkdir(dbdir, 0700);
	size_t n = 64 * 1024;
	uint8_t *junk = malloc(n);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	write_file(file_path("data.mdb"), junk, n);
	kam_store *s = NULL;
	int rc = kam_store_open(dbdir, 0, &s);
	cr_assert(is_damage(rc), "rc %d", rc);
	rc = kam_store_open(dbdir, KAM_STORE_CREATE, &s);
	cr_assert(is_damage(rc), "rc %d", rc);
	rc = kam_store_open(dbdir, KAM_STORE_RDONLY, &s);
	cr_assert(is_damage(rc), "rc %d", rc);
	write_file(file_path("data.mdb"), junk, 10);
	rc = kam_store_open(dbdir, 0, &s);
	cr_assert(is_damage(rc), "rc %d", rc);
	free(junk);
}

static int fill_accounts(kam_txn *t, void *arg)
{
	int n = *(int *)arg;
	for (int i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "acct-%06d", i);
		kam_account a;
		make_account(&a, id, i % 2 ? "north" : "south", "rep");
		int rc = kam_put(t, KAM_ACCOUNT, &a, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

Test(store, truncated_file)
{
	kam_store *s = open_new();
	int n = 3000;
	cr_assert_eq(kam_store_write(s, fill_accounts, &n), 0);
	kam_store_close(s);
	struct stat st;
	cr_assert_eq(stat(file_path("data.mdb"), &st), 0);
	cr_assert_gt(st.st_size, 100 * 1024);
	/* Each cut is opened read-write and read-only: an error, never a crash. */
	off_t cuts[] = { st.st_size / 2, st.st_size - 4096, 3 * 4096, 4096 + 100, 100, 0 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cr_assert_eq(truncate(file_path("data.mdb"), cuts[i]), 0);
		s = NULL;
		int rc = kam_store_open(dbdir, 0, &s);
		cr_assert(is_damage(rc), "cut %ld: rc %d", (long)cuts[i], rc);
		cr_assert_null(s);
		rc = kam_store_open(dbdir, KAM_STORE_RDONLY, &s);
		cr_assert(is_damage(rc), "cut %ld: rc %d", (long)cuts[i], rc);
	}
}

/* ---- records ---- */

Test(store, put_get_del_each_kind)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "acme", "west", "rep1");
	a.employees = 42;
	SET(&a, KAM_A_EMPLOYEES);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	kam_contact c;
	make_contact(&c, "c1", "acme");
	put_ok(t, KAM_CONTACT, &c, 0);
	kam_order o;
	make_order(&o, "o1", "acme", 19000, KAM_NO_TIME, 1234500, 1, 100);
	put_ok(t, KAM_ORDER, &o, 0);
	kam_interaction in;
	make_inter(&in, "i1", "acme", 19001, 3600, KAM_IK_CALL, KAM_OUT_CONNECTED, 1, 15);
	put_ok(t, KAM_INTERACTION, &in, 0);
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_any g;
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("acme"), &g), 0);
	cr_assert(str_is(g.account.id, "acme"));
	cr_assert(str_is(g.account.owner, "rep1"));
	cr_assert_eq(g.account.employees, 42);
	cr_assert_eq(kam_get(t, KAM_CONTACT, KAM_STR("c1"), &g), 0);
	cr_assert(str_is(g.contact.account_id, "acme"));
	cr_assert(str_is(g.contact.name, "Ann"));
	cr_assert_eq(kam_get(t, KAM_ORDER, KAM_STR("o1"), &g), 0);
	cr_assert_eq(g.order.amount, 1234500);
	cr_assert_eq(g.order.profit, 100);
	cr_assert_eq(g.order.date.day, 19000);
	cr_assert_eq(g.order.date.sec, KAM_NO_TIME);
	cr_assert_eq(kam_get(t, KAM_INTERACTION, KAM_STR("i1"), &g), 0);
	cr_assert_eq(g.interaction.kind, KAM_IK_CALL);
	cr_assert_eq(g.interaction.date.sec, 3600);
	cr_assert_eq(g.interaction.minutes, 15);
	cr_assert_eq(kam_get(t, KAM_ORDER, KAM_STR("nope"), &g), KAM_ENOTFOUND);
	cr_assert_eq(kam_get(t, KAM_ORDER, KAM_STR(""), &g), KAM_ENOTFOUND);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("o1"), &g), KAM_ENOTFOUND);
	kam_rollup r;
	cr_assert_eq(kam_rollup_get(t, KAM_STR("acme"), &r), 0);
	cr_assert_eq(r.order_count, 1);
	cr_assert_eq(r.revenue, 1234500);
	cr_assert_eq(r.interaction_count, 1);
	cr_assert_eq(r.last_call.day, 19001);
	cr_assert_eq(r.last_visit.day, KAM_NO_DAY);
	cr_assert_eq(kam_rollup_get(t, KAM_STR("nope"), &r), KAM_ENOTFOUND);
	cr_assert_eq(kam_rollup_compute(t, KAM_STR("nope"), &r), KAM_ENOTFOUND);
	kam_txn_abort(t);

	/* upserts */
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	o.amount = 5;
	put_ok(t, KAM_ORDER, &o, 1);
	a.employees = 7;
	put_ok(t, KAM_ACCOUNT, &a, 1);
	put_ok(t, KAM_CONTACT, &c, 1);
	put_ok(t, KAM_INTERACTION, &in, 1);
	cr_assert_eq(kam_get(t, KAM_ORDER, KAM_STR("o1"), &g), 0);
	cr_assert_eq(g.order.amount, 5);
	cr_assert_eq(kam_rollup_get(t, KAM_STR("acme"), &r), 0);
	cr_assert_eq(r.order_count, 1);
	cr_assert_eq(r.revenue, 5);
	cr_assert_eq(r.interaction_count, 1, "replacing the account keeps its rollup");

	/* deletes */
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("acme")), KAM_EREF);
	cr_assert_eq(kam_del(t, KAM_ORDER, KAM_STR("o1")), 0);
	cr_assert_eq(kam_del(t, KAM_ORDER, KAM_STR("o1")), KAM_ENOTFOUND);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("acme")), KAM_EREF);
	cr_assert_eq(kam_del(t, KAM_INTERACTION, KAM_STR("i1")), 0);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("acme")), KAM_EREF);
	cr_assert_eq(kam_rollup_get(t, KAM_STR("acme"), &r), 0);
	cr_assert_eq(r.order_count, 0);
	cr_assert_eq(r.first_order.day, KAM_NO_DAY);
	cr_assert_eq(r.last_call.day, KAM_NO_DAY);
	cr_assert_eq(kam_del(t, KAM_CONTACT, KAM_STR("c1")), 0);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("acme")), 0);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("acme"), &g), KAM_ENOTFOUND);
	cr_assert_eq(kam_rollup_get(t, KAM_STR("acme"), &r), KAM_ENOTFOUND);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("acme")), KAM_ENOTFOUND);
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_store_stats st;
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	for (int k = 0; k < KAM_KIND_COUNT; k++)
		cr_assert_eq(st.records[k], 0);
	cr_assert_eq(kam_rollup_get(t, KAM_STR("acme"), &r), KAM_ENOTFOUND);
	/* no index entry survived: a new account of that id has nothing in it */
	kam_txn_abort(t);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	make_account(&a, "acme", "west", "rep1");
	put_ok(t, KAM_ACCOUNT, &a, 0);
	kam_cursor *cur;
	cr_assert_eq(kam_cursor_open(t, KAM_ORDER, KAM_SCAN_OF_ACCOUNT, KAM_STR("acme"), INT32_MIN,
				     INT32_MAX, &cur), 0);
	cr_assert_eq(kam_cursor_next(cur, &g), 0);
	kam_cursor_close(cur);
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, KAM_SCAN_REGION, KAM_STR("west"), 0, 0, &cur), 0);
	cr_assert_eq(kam_cursor_next(cur, &g), 1);
	cr_assert_eq(kam_cursor_next(cur, &g), 0);
	kam_cursor_close(cur);
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, invalid_and_missing_refs)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "a", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);

	kam_order o;
	make_order(&o, "o1", "ghost", 1, KAM_NO_TIME, 1, 0, 0);
	cr_assert_eq(kam_put(t, KAM_ORDER, &o, NULL), KAM_EREF);
	kam_contact c;
	make_contact(&c, "c1", "ghost");
	cr_assert_eq(kam_put(t, KAM_CONTACT, &c, NULL), KAM_EREF);
	kam_interaction in;
	make_inter(&in, "i1", "ghost", 1, KAM_NO_TIME, KAM_IK_VISIT, 0, 0, 0);
	cr_assert_eq(kam_put(t, KAM_INTERACTION, &in, NULL), KAM_EREF);

	/* ids with a NUL byte or longer than KAM_ID_MAX */
	char longid[KAM_ID_MAX + 2];
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = 0;
	make_account(&a, longid, NULL, NULL);
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), KAM_EINVAL);
	longid[KAM_ID_MAX] = 0; /* exactly the maximum is fine */
	make_account(&a, longid, NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	make_account(&a, "nul", NULL, NULL);
	a.id = (kam_str){ "n\0l", 3 };
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), KAM_EINVAL);
	make_order(&o, "o1", "a", 1, KAM_NO_TIME, 1, 0, 0);
	o.account_id = (kam_str){ "a\0b", 3 };
	cr_assert_eq(kam_put(t, KAM_ORDER, &o, NULL), KAM_EINVAL);
	make_account(&a, "r", "reg\0ion", NULL);
	a.region = (kam_str){ "reg\0ion", 7 };
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), KAM_EINVAL);
	/* a required field missing */
	make_order(&o, "o1", "a", 1, KAM_NO_TIME, 1, 0, 0);
	o.rec.present &= ~(1u << KAM_O_AMOUNT);
	cr_assert_eq(kam_put(t, KAM_ORDER, &o, NULL), KAM_EINVAL);
	make_account(&a, "noname", NULL, NULL);
	a.rec.present &= ~(1u << KAM_A_NAME);
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), KAM_EINVAL);
	cr_assert_eq(kam_put(t, KAM_KIND_COUNT, &a, NULL), KAM_EINVAL);

	/* none of the refused writes broke the transaction */
	make_order(&o, "o1", "a", 1, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_store_stats st;
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_eq(st.records[KAM_ACCOUNT], 2);
	cr_assert_eq(st.records[KAM_ORDER], 1);
	cr_assert_eq(st.records[KAM_CONTACT], 0);
	kam_txn_abort(t);
	kam_store_close(s);
}

static int put_then_fail(kam_txn *t, void *arg)
{
	(void)arg;
	kam_account a;
	make_account(&a, "b", "x", NULL);
	int rc = kam_put(t, KAM_ACCOUNT, &a, NULL);
	return rc ? rc : KAM_ECANCELED;
}

Test(store, aborted_txn_leaves_nothing)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "a", "x", NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	kam_order o;
	make_order(&o, "o", "a", 1, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	kam_txn_abort(t);
	cr_assert_eq(kam_store_write(s, put_then_fail, NULL), KAM_ECANCELED);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_any g;
	kam_rollup r;
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("a"), &g), KAM_ENOTFOUND);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("b"), &g), KAM_ENOTFOUND);
	cr_assert_eq(kam_get(t, KAM_ORDER, KAM_STR("o"), &g), KAM_ENOTFOUND);
	cr_assert_eq(kam_rollup_get(t, KAM_STR("a"), &r), KAM_ENOTFOUND);
	kam_store_stats st;
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	for (int k = 0; k < KAM_KIND_COUNT; k++)
		cr_assert_eq(st.records[k], 0);
	kam_cursor *cur;
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, KAM_SCAN_REGION, KAM_STR("x"), 0, 0, &cur), 0);
	cr_assert_eq(kam_cursor_next(cur, &g), 0);
	kam_cursor_close(cur);
	kam_txn_abort(t);
	kam_store_close(s);
}

/* ---- rollups against a model ---- */

#define NACC 20
#define NORD 400
#define NINT 400

struct m_order {
	int live, acc;
	kam_date date;
	kam_money amount, profit;
	int has_profit;
};

struct m_inter {
	int live, acc;
	kam_date date;
	uint8_t kind, outcome;
	int has_minutes;
	int64_t minutes;
};

struct model {
	struct m_order ord[NORD];
	struct m_inter in[NINT];
};

static char acc_ids[NACC][16], ord_ids[NORD][16], int_ids[NINT][16];

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33) % n;
}

static int dcmp(kam_date a, kam_date b)
{
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return (a.sec > b.sec) - (a.sec < b.sec);
}

static void model_rollup(const struct model *m, int acc, kam_rollup *r)
{
	kam_rollup_init(r);
	for (int i = 0; i < NORD; i++) {
		const struct m_order *o = &m->ord[i];
		if (!o->live || o->acc != acc)
			continue;
		r->order_count++;
		r->revenue += o->amount;
		if (o->has_profit)
			r->profit += o->profit;
		if (r->first_order.day == KAM_NO_DAY || dcmp(o->date, r->first_order) < 0)
			r->first_order = o->date;
		if (r->last_order.day == KAM_NO_DAY || dcmp(o->date, r->last_order) > 0)
			r->last_order = o->date;
	}
	for (int i = 0; i < NINT; i++) {
		const struct m_inter *in = &m->in[i];
		if (!in->live || in->acc != acc)
			continue;
		r->interaction_count++;
		if (in->has_minutes)
			r->minutes += in->minutes;
		if (r->last_interaction.day == KAM_NO_DAY || dcmp(in->date, r->last_interaction) > 0)
			r->last_interaction = in->date;
		if (in->kind == KAM_IK_CALL && in->outcome != KAM_OUT_NO_ANSWER &&
		    (r->last_call.day == KAM_NO_DAY || dcmp(in->date, r->last_call) > 0))
			r->last_call = in->date;
		if (in->kind == KAM_IK_VISIT &&
		    (r->last_visit.day == KAM_NO_DAY || dcmp(in->date, r->last_visit) > 0))
			r->last_visit = in->date;
	}
}

static void assert_rollup_eq(const kam_rollup *a, const kam_rollup *b, const char *what, int acc,
			     int step)
{
	const char *bad = NULL;
	if (a->order_count != b->order_count)
		bad = "order_count";
	else if (a->interaction_count != b->interaction_count)
		bad = "interaction_count";
	else if (dcmp(a->first_order, b->first_order))
		bad = "first_order";
	else if (dcmp(a->last_order, b->last_order))
		bad = "last_order";
	else if (a->revenue != b->revenue)
		bad = "revenue";
	else if (a->profit != b->profit)
		bad = "profit";
	else if (dcmp(a->last_call, b->last_call))
		bad = "last_call";
	else if (dcmp(a->last_visit, b->last_visit))
		bad = "last_visit";
	else if (dcmp(a->last_interaction, b->last_interaction))
		bad = "last_interaction";
	else if (a->minutes != b->minutes)
		bad = "minutes";
	cr_assert_null(bad, "%s: %s differs for account %d at step %d", what, bad, acc, step);
}

static void check_rollups(kam_txn *t, const struct model *m, int step)
{
	for (int a = 0; a < NACC; a++) {
		kam_rollup got, comp, want;
		cr_assert_eq(kam_rollup_get(t, kam_str_c(acc_ids[a]), &got), 0);
		cr_assert_eq(kam_rollup_compute(t, kam_str_c(acc_ids[a]), &comp), 0);
		model_rollup(m, a, &want);
		assert_rollup_eq(&got, &want, "stored vs model", a, step);
		assert_rollup_eq(&comp, &want, "computed vs model", a, step);
	}
}

static kam_date rnd_date(void)
{
	/* few distinct dates, so that ties and removals of the extremes are frequent */
	static const int32_t secs[] = { KAM_NO_TIME, KAM_NO_TIME, 0, 3600, 86399 };
	return (kam_date){ 18000 + (int32_t)rnd(12), secs[rnd(5)] };
}

static void random_op(kam_txn *t, struct model *m)
{
	uint32_t what = rnd(10);
	if (what < 5) {
		int i = (int)rnd(NORD);
		struct m_order *o = &m->ord[i];
		if (what == 0 && o->live) {
			cr_assert_eq(kam_del(t, KAM_ORDER, kam_str_c(ord_ids[i])), 0);
			o->live = 0;
			return;
		}
		if (what == 0) {
			cr_assert_eq(kam_del(t, KAM_ORDER, kam_str_c(ord_ids[i])), KAM_ENOTFOUND);
			return;
		}
		int was = o->live;
		if (!was || rnd(3) == 0)
			o->acc = (int)rnd(NACC);
		o->live = 1;
		o->date = rnd_date();
		o->amount = (kam_money)rnd(2000000) - 100000;
		o->has_profit = rnd(3) != 0;
		o->profit = o->has_profit ? (kam_money)rnd(50000) - 10000 : 0;
		kam_order rec;
		make_order(&rec, ord_ids[i], acc_ids[o->acc], o->date.day, o->date.sec, o->amount,
			   o->has_profit, o->profit);
		put_ok(t, KAM_ORDER, &rec, was);
	} else {
		int i = (int)rnd(NINT);
		struct m_inter *in = &m->in[i];
		if (what == 5 && in->live) {
			cr_assert_eq(kam_del(t, KAM_INTERACTION, kam_str_c(int_ids[i])), 0);
			in->live = 0;
			return;
		}
		int was = in->live;
		if (!was || rnd(3) == 0)
			in->acc = (int)rnd(NACC);
		in->live = 1;
		in->date = rnd_date();
		in->kind = (uint8_t)(1 + rnd(5));
		if (rnd(2))
			in->kind = rnd(2) ? KAM_IK_CALL : KAM_IK_VISIT;
		in->outcome = (uint8_t)rnd(6); /* 0: absent */
		in->has_minutes = rnd(2);
		in->minutes = in->has_minutes ? rnd(120) : 0;
		kam_interaction rec;
		make_inter(&rec, int_ids[i], acc_ids[in->acc], in->date.day, in->date.sec, in->kind,
			   in->outcome, in->has_minutes, in->minutes);
		put_ok(t, KAM_INTERACTION, &rec, was);
	}
}

Test(store, rollups_random_against_model)
{
	rng_state = 20240601;
	for (int i = 0; i < NACC; i++)
		snprintf(acc_ids[i], sizeof(acc_ids[i]), "acc%02d", i);
	for (int i = 0; i < NORD; i++)
		snprintf(ord_ids[i], sizeof(ord_ids[i]), "ord%03d", i);
	for (int i = 0; i < NINT; i++)
		snprintf(int_ids[i], sizeof(int_ids[i]), "int%03d", i);
	static struct model m, saved;
	memset(&m, 0, sizeof(m));

	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	for (int i = 0; i < NACC; i++) {
		kam_account a;
		make_account(&a, acc_ids[i], i % 3 ? "north" : "", NULL);
		put_ok(t, KAM_ACCOUNT, &a, 0);
	}
	cr_assert_eq(kam_txn_commit(t), 0);

	int ops = 0;
	for (int step = 0; ops < 5000; step++) {
		saved = m;
		cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
		int n = 1 + (int)rnd(40);
		for (int j = 0; j < n; j++, ops++)
			random_op(t, &m);
		if (rnd(4) == 0) {
			/* replacing an account must keep its rollup */
			int i = (int)rnd(NACC);
			kam_account a;
			make_account(&a, acc_ids[i], rnd(2) ? "south" : "", "rep");
			put_ok(t, KAM_ACCOUNT, &a, 1);
		}
		if (step % 3 == 0)
			check_rollups(t, &m, step); /* inside the write transaction */
		if (rnd(10) == 0) {
			kam_txn_abort(t);
			m = saved;
		} else {
			cr_assert_eq(kam_txn_commit(t), 0);
		}
		cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
		check_rollups(t, &m, step);
		kam_txn_abort(t);
	}

	/* the stored rollups survive a reopen */
	kam_store_close(s);
	cr_assert_eq(kam_store_open(dbdir, 0, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	check_rollups(t, &m, -1);
	kam_txn_abort(t);
	kam_store_close(s);
}

/* ---- cursors ---- */

static void expect_ids(kam_txn *t, kam_kind kind, kam_scan scan, const char *key, int32_t from,
		       int32_t to, const char *const *want)
{
	kam_cursor *c;
	int rc = kam_cursor_open(t, kind, scan, kam_str_c(key), from, to, &c);
	cr_assert_eq(rc, 0, "cursor_open %d", rc);
	kam_any rec;
	size_t i = 0;
	while ((rc = kam_cursor_next(c, &rec)) == 1) {
		cr_assert_not_null(want[i], "extra record %.*s", (int)rec.account.id.len,
				   rec.account.id.ptr);
		cr_assert(str_is(rec.account.id, want[i]), "at %zu: got %.*s, want %s", i,
			  (int)rec.account.id.len, rec.account.id.ptr, want[i]);
		i++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_null(want[i], "missing %s", want[i]);
	cr_assert_eq(kam_cursor_next(c, &rec), 0, "stays at the end");
	kam_cursor_close(c);
}

#define IDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

Test(store, cursors_region_owner)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	const char *spec[][3] = {
		{ "b", "north", "ann" }, { "a", "north", NULL }, { "c", "south", "ann" },
		{ "d", NULL, "bob" },   { "e", "nor", NULL },    { "f", "north2", "ann2" },
	};
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		kam_account a;
		make_account(&a, spec[i][0], spec[i][1], spec[i][2]);
		put_ok(t, KAM_ACCOUNT, &a, 0);
	}
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_ALL, "", 0, 0, IDS("a", "b", "c", "d", "e", "f"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "north", 0, 0, IDS("a", "b"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "nor", 0, 0, IDS("e"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "", 0, 0, IDS("d"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "west", 0, 0, NONE);
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_OWNER, "ann", 0, 0, IDS("b", "c"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_OWNER, "bob", 0, 0, IDS("d"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_OWNER, "", 0, 0, NONE);
	kam_cursor *c;
	cr_assert_eq(kam_cursor_open(t, KAM_ORDER, KAM_SCAN_REGION, KAM_STR("x"), 0, 0, &c),
		     KAM_EINVAL);
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, KAM_SCAN_OF_ACCOUNT, KAM_STR("a"), 0, 0, &c),
		     KAM_EINVAL);
	cr_assert_eq(kam_cursor_open(t, KAM_CONTACT, KAM_SCAN_OWNER, KAM_STR("a"), 0, 0, &c),
		     KAM_EINVAL);
	kam_txn_abort(t);

	/* move accounts between regions and owners */
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "a", "south", "bob");
	put_ok(t, KAM_ACCOUNT, &a, 1);
	make_account(&a, "c", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 1);
	make_account(&a, "d", "north", "bob");
	put_ok(t, KAM_ACCOUNT, &a, 1);
	/* in the write transaction itself */
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "north", 0, 0, IDS("b", "d"));
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "north", 0, 0, IDS("b", "d"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "south", 0, 0, IDS("a"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "", 0, 0, IDS("c"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_OWNER, "ann", 0, 0, IDS("b"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_OWNER, "bob", 0, 0, IDS("a", "d"));
	kam_txn_abort(t);

	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("d")), 0);
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "north", 0, 0, IDS("b"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_OWNER, "bob", 0, 0, IDS("a"));
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, cursors_of_account)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "x", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	make_account(&a, "xy", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	struct {
		const char *id, *acc;
		int32_t day, sec;
	} ords[] = {
		{ "o5", "x", 10, KAM_NO_TIME }, { "o1", "x", 10, KAM_NO_TIME }, { "o2", "x", 10, 0 },
		{ "o3", "x", 9, 86399 },        { "o4", "x", -5, 100 },        { "o6", "x", 12, KAM_NO_TIME },
		{ "p1", "xy", 10, KAM_NO_TIME },
	};
	for (size_t i = 0; i < sizeof(ords) / sizeof(ords[0]); i++) {
		kam_order o;
		make_order(&o, ords[i].id, ords[i].acc, ords[i].day, ords[i].sec, 1, 0, 0);
		put_ok(t, KAM_ORDER, &o, 0);
		kam_interaction in;
		make_inter(&in, ords[i].id, ords[i].acc, ords[i].day, ords[i].sec, KAM_IK_EMAIL, 0, 0, 0);
		put_ok(t, KAM_INTERACTION, &in, 0);
	}
	const char *cids[] = { "k2", "k1", "k3" };
	for (int i = 0; i < 3; i++) {
		kam_contact c;
		make_contact(&c, cids[i], i == 2 ? "xy" : "x");
		put_ok(t, KAM_CONTACT, &c, 0);
	}
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	for (kam_kind k = KAM_ORDER; k <= KAM_INTERACTION; k++) {
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", INT32_MIN, INT32_MAX,
			   IDS("o4", "o3", "o1", "o5", "o2", "o6"));
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", 10, 10, IDS("o1", "o5", "o2"));
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", 9, 11, IDS("o3", "o1", "o5", "o2"));
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", -5, 9, IDS("o4", "o3"));
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", 11, INT32_MAX, IDS("o6"));
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", 13, INT32_MAX, NONE);
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "x", 11, 9, NONE);
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "xy", INT32_MIN, INT32_MAX, IDS("p1"));
		expect_ids(t, k, KAM_SCAN_OF_ACCOUNT, "nobody", INT32_MIN, INT32_MAX, NONE);
		expect_ids(t, k, KAM_SCAN_ALL, "", 0, 0, IDS("o1", "o2", "o3", "o4", "o5", "o6", "p1"));
	}
	expect_ids(t, KAM_CONTACT, KAM_SCAN_OF_ACCOUNT, "x", 5, 6, IDS("k1", "k2"));
	expect_ids(t, KAM_CONTACT, KAM_SCAN_OF_ACCOUNT, "xy", 0, 0, IDS("k3"));
	kam_txn_abort(t);

	/* moving an order in time and to another account moves it in the scans */
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_order o;
	make_order(&o, "o4", "x", 11, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 1);
	make_order(&o, "o1", "xy", 10, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 1);
	kam_contact c;
	make_contact(&c, "k1", "xy");
	put_ok(t, KAM_CONTACT, &c, 1);
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	expect_ids(t, KAM_ORDER, KAM_SCAN_OF_ACCOUNT, "x", INT32_MIN, INT32_MAX,
		   IDS("o3", "o5", "o2", "o4", "o6"));
	expect_ids(t, KAM_ORDER, KAM_SCAN_OF_ACCOUNT, "xy", INT32_MIN, INT32_MAX, IDS("o1", "p1"));
	expect_ids(t, KAM_CONTACT, KAM_SCAN_OF_ACCOUNT, "xy", 0, 0, IDS("k1", "k3"));
	expect_ids(t, KAM_CONTACT, KAM_SCAN_OF_ACCOUNT, "x", 0, 0, IDS("k2"));

	/* a cursor outliving its transaction is harmless */
	kam_cursor *cur;
	kam_any rec;
	cr_assert_eq(kam_cursor_open(t, KAM_ORDER, KAM_SCAN_ALL, KAM_STR(""), 0, 0, &cur), 0);
	cr_assert_eq(kam_cursor_next(cur, &rec), 1);
	kam_txn_abort(t);
	cr_assert_eq(kam_cursor_next(cur, &rec), KAM_EINVAL);
	kam_cursor_close(cur);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_cursor_open(t, KAM_ORDER, KAM_SCAN_ALL, KAM_STR(""), 0, 0, &cur), 0);
	cr_assert_eq(kam_cursor_next(cur, &rec), 1);
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_cursor_close(cur);
	kam_store_close(s);
}

/* ---- map growth ---- */

#define BIG_NOTE 10000
#define BIG_COUNT 3000

struct big {
	int calls;
	char *note;
};

static int write_big(kam_txn *t, void *arg)
{
	struct big *b = arg;
	b->calls++;
	kam_account a;
	make_account(&a, "big", NULL, NULL);
	int rc = kam_put(t, KAM_ACCOUNT, &a, NULL);
	for (int i = 0; !rc && i < BIG_COUNT; i++) {
		char id[16];
		snprintf(id, sizeof(id), "n%05d", i);
		kam_interaction in;
		make_inter(&in, id, "big", 100 + i % 50, KAM_NO_TIME, KAM_IK_VISIT, 0, 1, 1);
		in.note = (kam_str){ b->note, BIG_NOTE };
		SET(&in, KAM_I_NOTE);
		rc = kam_put(t, KAM_INTERACTION, &in, NULL);
	}
	return rc;
}

Test(store, map_growth)
{
	setenv("KAM_MAPSIZE", "1048576", 1);
	kam_store *s = open_new();
	kam_txn *t;
	kam_store_stats st;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	kam_txn_abort(t);
	cr_assert_leq(st.map_size, 1048576 + 65536);
	uint64_t before = st.map_size;

	struct big b = { 0, malloc(BIG_NOTE) };
	memset(b.note, 'n', BIG_NOTE);
	cr_assert_eq(kam_store_write(s, write_big, &b), 0);
	cr_assert_gt(b.calls, 1, "the map must have filled at least once");

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_gt(st.map_size, before);
	cr_assert_gt(st.map_size, (uint64_t)BIG_COUNT * BIG_NOTE);
	cr_assert_eq(st.records[KAM_INTERACTION], BIG_COUNT);
	kam_rollup r;
	cr_assert_eq(kam_rollup_get(t, KAM_STR("big"), &r), 0);
	cr_assert_eq(r.interaction_count, BIG_COUNT);
	cr_assert_eq(r.minutes, BIG_COUNT);
	kam_any rec;
	cr_assert_eq(kam_get(t, KAM_INTERACTION, KAM_STR("n02999"), &rec), 0);
	cr_assert_eq(rec.interaction.note.len, BIG_NOTE);
	kam_txn_abort(t);
	kam_store_close(s);

	/* a raw transaction reports a full map, and stays failed */
	unsetenv("KAM_MAPSIZE");
	char dir2[160];
	snprintf(dir2, sizeof(dir2), "%s/db2", tmp);
	setenv("KAM_MAPSIZE", "1048576", 1);
	cr_assert_eq(kam_store_open(dir2, KAM_STORE_CREATE, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "big", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	int rc = 0;
	for (int i = 0; !rc && i < BIG_COUNT; i++) {
		char id[16];
		snprintf(id, sizeof(id), "n%05d", i);
		kam_interaction in;
		make_inter(&in, id, "big", 100, KAM_NO_TIME, KAM_IK_VISIT, 0, 0, 0);
		in.note = (kam_str){ b.note, BIG_NOTE };
		SET(&in, KAM_I_NOTE);
		rc = kam_put(t, KAM_INTERACTION, &in, NULL);
	}
	cr_assert_eq(rc, KAM_EMAPFULL);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("big"), &rec), KAM_EMAPFULL);
	cr_assert_eq(kam_put(t, KAM_ACCOUNT, &a, NULL), KAM_EMAPFULL);
	cr_assert_eq(kam_txn_commit(t), KAM_EMAPFULL);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("big"), &rec), KAM_ENOTFOUND);
	kam_txn_abort(t);
	kam_store_close(s);
	free(b.note);
	unsetenv("KAM_MAPSIZE");
}

/* ---- many accounts in one transaction: the rollup cache fills, flushes and loses entries ---- */

#define MANY 5000
#define MANY_ORDERS 30000

struct many {
	int live[MANY];
	uint32_t count[MANY];
	kam_money revenue[MANY];
};

static void many_id(char *buf, size_t n, const char *prefix, int i)
{
	snprintf(buf, n, "%s%05d", prefix, i);
}

static void many_check(kam_txn *t, const struct many *m, int stride)
{
	for (int i = 0; i < MANY; i += stride) {
		char id[16];
		many_id(id, sizeof(id), "m", i);
		kam_rollup got, comp;
		int rc = kam_rollup_get(t, kam_str_c(id), &got);
		if (!m->live[i]) {
			cr_assert_eq(rc, KAM_ENOTFOUND, "account %d", i);
			continue;
		}
		cr_assert_eq(rc, 0, "account %d", i);
		cr_assert_eq(kam_rollup_compute(t, kam_str_c(id), &comp), 0);
		cr_assert_eq(got.order_count, m->count[i], "account %d", i);
		cr_assert_eq(got.revenue, m->revenue[i], "account %d", i);
		assert_rollup_eq(&got, &comp, "stored vs computed", i, 0);
	}
}

Test(store, rollups_many_accounts)
{
	static struct many m;
	memset(&m, 0, sizeof(m));
	rng_state = 7;
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	for (int i = 0; i < MANY; i++) {
		char id[16];
		many_id(id, sizeof(id), "m", i);
		kam_account a;
		make_account(&a, id, NULL, NULL);
		put_ok(t, KAM_ACCOUNT, &a, 0);
		m.live[i] = 1;
	}
	for (int j = 0; j < MANY_ORDERS; j++) {
		int i = (int)rnd(MANY);
		if (j % 10 == 9) {
			/* delete an account without orders, amid the cached ones */
			if (m.live[i] && !m.count[i]) {
				char id[16];
				many_id(id, sizeof(id), "m", i);
				cr_assert_eq(kam_del(t, KAM_ACCOUNT, kam_str_c(id)), 0);
				m.live[i] = 0;
			}
			continue;
		}
		if (!m.live[i])
			continue;
		char id[16], oid[16];
		many_id(id, sizeof(id), "m", i);
		many_id(oid, sizeof(oid), "o", j);
		kam_money amount = rnd(1000);
		kam_order o;
		make_order(&o, oid, id, (int32_t)rnd(100), KAM_NO_TIME, amount, 0, 0);
		put_ok(t, KAM_ORDER, &o, 0);
		m.count[i]++;
		m.revenue[i] += amount;
	}
	many_check(t, &m, 7);
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	many_check(t, &m, 1);
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, map_grown_by_another_process)
{
	setenv("KAM_MAPSIZE", "1048576", 1);
	kam_store *s = open_new();
	unsetenv("KAM_MAPSIZE");
	struct big b = { 0, malloc(BIG_NOTE) };
	memset(b.note, 'n', BIG_NOTE);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* a new environment of its own: LMDB handles must not cross fork() */
		kam_store *c;
		int rc = kam_store_open(dbdir, 0, &c);
		if (!rc)
			rc = kam_store_write(c, write_big, &b);
		kam_store_close(c);
		_exit(rc ? 1 : 0);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* our map is still 1 MiB while the data has grown past it */
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_rollup r;
	cr_assert_eq(kam_rollup_get(t, KAM_STR("big"), &r), 0);
	cr_assert_eq(r.interaction_count, BIG_COUNT);
	kam_store_stats st;
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_gt(st.map_size, (uint64_t)BIG_COUNT * BIG_NOTE);
	kam_txn_abort(t);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_del(t, KAM_INTERACTION, KAM_STR("n00000")), 0);
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_store_close(s);
	free(b.note);
}

/* ---- facts ---- */

#define FACC 400

static void facc_id(char *buf, int i)
{
	snprintf(buf, 16, "f%04d", i);
}

/* Accounts f0000..f0399 with 0..70 orders and interactions each (none for every 7th). */
static void facts_fill(kam_store *s)
{
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	rng_state = 42;
	int oid = 0;
	for (int i = 0; i < FACC; i++) {
		char acc[16], id[24];
		facc_id(acc, i);
		kam_account a;
		make_account(&a, acc, NULL, NULL);
		put_ok(t, KAM_ACCOUNT, &a, 0);
		int n = i % 7 == 0 ? 0 : (int)rnd(71);
		for (int j = 0; j < n; j++, oid++) {
			/* few distinct days, so that equal dates order by time, then id */
			int32_t day = (int32_t)rnd(40) * 25 - 200;
			int32_t sec = rnd(3) ? KAM_NO_TIME : (int32_t)rnd(86400);
			snprintf(id, sizeof(id), "o%u", rnd(1000000) * 100 + (unsigned)oid % 100);
			kam_order o;
			make_order(&o, id, acc, day, sec, (kam_money)rnd(100000) - 5000, rnd(2),
				   (kam_money)rnd(1000));
			put_ok(t, KAM_ORDER, &o, 0);
			kam_interaction in;
			make_inter(&in, id, acc, day, sec, (uint8_t)(1 + rnd(5)), (uint8_t)rnd(6),
				   rnd(2), rnd(500));
			if (rnd(3) == 0) {
				in.objection = (uint8_t)(1 + rnd(7));
				SET(&in, KAM_I_OBJECTION);
			}
			put_ok(t, KAM_INTERACTION, &in, 0);
		}
	}
	cr_assert_eq(kam_txn_commit(t), 0);
}

/*
 * Checks one kam_facts_get answer against the records a cursor gives for the same account and
 * window; returns the number of rows.
 */
static size_t facts_check(kam_txn *t, kam_facts *f, kam_kind kind, kam_str acc, int32_t from,
			  int32_t to)
{
	const void *rows = NULL;
	size_t n = 99;
	int rc = kam_facts_get(f, acc, from, to, &rows, &n);
	cr_assert_eq(rc, 0, "facts_get %d", rc);
	kam_cursor *c;
	cr_assert_eq(kam_cursor_open(t, kind, KAM_SCAN_OF_ACCOUNT, acc, from, to, &c), 0);
	kam_any rec;
	size_t i = 0;
	while ((rc = kam_cursor_next(c, &rec)) == 1) {
		cr_assert_lt(i, n, "%.*s [%d, %d]: only %zu facts", (int)acc.len, acc.ptr, from, to, n);
		if (kind == KAM_ORDER) {
			const kam_order_fact *of = (const kam_order_fact *)rows + i;
			const kam_order *o = &rec.order;
			cr_assert(kam_str_eq(of->id, o->id), "row %zu: id", i);
			cr_assert_eq(of->date.day, o->date.day);
			cr_assert_eq(of->date.sec, o->date.sec);
			cr_assert_eq(of->amount, o->amount);
			cr_assert_eq(of->has_profit, KAM_HAS(o, KAM_O_PROFIT) != 0);
			if (of->has_profit)
				cr_assert_eq(of->profit, o->profit);
		} else {
			const kam_interaction_fact *inf = (const kam_interaction_fact *)rows + i;
			const kam_interaction *in = &rec.interaction;
			cr_assert(kam_str_eq(inf->id, in->id), "row %zu: id", i);
			cr_assert_eq(inf->date.day, in->date.day);
			cr_assert_eq(inf->date.sec, in->date.sec);
			cr_assert_eq(inf->kind, in->kind);
			cr_assert_eq(inf->outcome, KAM_HAS(in, KAM_I_OUTCOME) ? in->outcome : 0);
			cr_assert_eq(inf->objection, KAM_HAS(in, KAM_I_OBJECTION) ? in->objection : 0);
			cr_assert_eq(inf->has_minutes, KAM_HAS(in, KAM_I_MINUTES) != 0);
			if (inf->has_minutes)
				cr_assert_eq(inf->minutes, in->minutes);
		}
		i++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(i, n, "%.*s [%d, %d]: %zu facts, %zu records", (int)acc.len, acc.ptr, from, to,
		     n, i);
	kam_cursor_close(c);
	return n;
}

static void facts_check_acc(kam_txn *t, kam_facts *f, kam_kind kind, int i, int32_t from,
			    int32_t to)
{
	char acc[16];
	facc_id(acc, i);
	facts_check(t, f, kind, kam_str_c(acc), from, to);
}

Test(store, facts_open_kinds)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_facts *f = (kam_facts *)1;
	cr_assert_eq(kam_facts_open(t, KAM_ACCOUNT, &f), KAM_EINVAL);
	cr_assert_null(f);
	cr_assert_eq(kam_facts_open(t, KAM_CONTACT, &f), KAM_EINVAL);
	cr_assert_eq(kam_facts_open(t, KAM_ORDER, &f), 0);
	const void *rows;
	size_t n = 5;
	cr_assert_eq(kam_facts_get(f, KAM_STR("nobody"), INT32_MIN, INT32_MAX, &rows, &n), 0);
	cr_assert_eq(n, 0, "an empty database has no facts");
	kam_facts_close(f);
	kam_facts_close(NULL);
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, facts_windows_and_order)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	make_account(&a, "x", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	make_account(&a, "xy", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	make_account(&a, "w", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	struct {
		const char *id;
		int32_t day, sec;
	} ords[] = {
		{ "o5", 10, KAM_NO_TIME }, { "o1", 10, KAM_NO_TIME }, { "o2", 10, 0 },
		{ "o3", 9, 86399 },        { "o4", -5, 100 },         { "o6", 12, KAM_NO_TIME },
		{ "o7", INT32_MAX, KAM_NO_TIME }, { "o8", INT32_MIN + 1, KAM_NO_TIME },
	};
	for (size_t i = 0; i < sizeof(ords) / sizeof(ords[0]); i++) {
		kam_order o;
		make_order(&o, ords[i].id, "x", ords[i].day, ords[i].sec, 100 + (int)i, i % 2, 7);
		put_ok(t, KAM_ORDER, &o, 0);
		kam_interaction in;
		make_inter(&in, ords[i].id, "x", ords[i].day, ords[i].sec, KAM_IK_CALL,
			   KAM_OUT_OBJECTION, 1, 30);
		in.objection = KAM_OBJ_NO_BUDGET;
		SET(&in, KAM_I_OBJECTION);
		put_ok(t, KAM_INTERACTION, &in, 0);
	}
	kam_order o;
	make_order(&o, "p1", "xy", 10, KAM_NO_TIME, 5, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_facts *f;
	cr_assert_eq(kam_facts_open(t, KAM_ORDER, &f), 0);
	const void *rows;
	size_t n;
	cr_assert_eq(kam_facts_get(f, KAM_STR("x"), INT32_MIN, INT32_MAX, &rows, &n), 0);
	const char *want[] = { "o8", "o4", "o3", "o1", "o5", "o2", "o6", "o7" };
	cr_assert_eq(n, 8);
	const kam_order_fact *of = rows;
	for (size_t i = 0; i < n; i++)
		cr_assert(str_is(of[i].id, want[i]), "at %zu: %.*s", i, (int)of[i].id.len,
			  of[i].id.ptr);
	cr_assert_eq(of[3].amount, 101);
	cr_assert(of[3].has_profit);
	cr_assert_eq(of[3].profit, 7);
	cr_assert_not(of[4].has_profit);
	cr_assert_eq(of[5].date.sec, 0);
	cr_assert_eq(of[0].date.day, INT32_MIN + 1);
	cr_assert_eq(of[7].date.day, INT32_MAX);

	/* windows are inclusive at both ends, by day whatever the time */
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), 10, 10), 3);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), 9, 11), 4);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), -5, 9), 2);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), 11, INT32_MAX), 2);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), INT32_MAX, INT32_MAX), 1);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), INT32_MIN, INT32_MIN), 0);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), 13, 1000), 0);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), 11, 9), 0);
	/* "x" is a prefix of "xy": neither sees the other's rows */
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("xy"), INT32_MIN, INT32_MAX), 1);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("w"), INT32_MIN, INT32_MAX), 0);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("x"), INT32_MIN, INT32_MAX), 8);
	/* keys no record can have: no rows, and the reader goes on working */
	n = 9;
	cr_assert_eq(kam_facts_get(f, KAM_STR(""), INT32_MIN, INT32_MAX, &rows, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(kam_facts_get(f, (kam_str){ "x\0y", 3 }, INT32_MIN, INT32_MAX, &rows, &n), 0);
	cr_assert_eq(n, 0);
	char longid[KAM_ID_MAX + 2];
	memset(longid, 'x', sizeof(longid) - 1);
	longid[KAM_ID_MAX + 1] = 0;
	cr_assert_eq(kam_facts_get(f, kam_str_c(longid), INT32_MIN, INT32_MAX, &rows, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(facts_check(t, f, KAM_ORDER, KAM_STR("xy"), 10, 10), 1);
	kam_facts_close(f);

	cr_assert_eq(kam_facts_open(t, KAM_INTERACTION, &f), 0);
	cr_assert_eq(kam_facts_get(f, KAM_STR("x"), 10, 10, &rows, &n), 0);
	cr_assert_eq(n, 3);
	const kam_interaction_fact *inf = rows;
	cr_assert(str_is(inf[0].id, "o1"));
	cr_assert_eq(inf[0].kind, KAM_IK_CALL);
	cr_assert_eq(inf[0].outcome, KAM_OUT_OBJECTION);
	cr_assert_eq(inf[0].objection, KAM_OBJ_NO_BUDGET);
	cr_assert(inf[0].has_minutes);
	cr_assert_eq(inf[0].minutes, 30);
	cr_assert_eq(facts_check(t, f, KAM_INTERACTION, KAM_STR("x"), INT32_MIN, INT32_MAX), 8);
	cr_assert_eq(facts_check(t, f, KAM_INTERACTION, KAM_STR("xy"), INT32_MIN, INT32_MAX), 0);

	/* a reader outliving its transaction is harmless */
	kam_txn_abort(t);
	cr_assert_eq(kam_facts_get(f, KAM_STR("x"), 10, 10, &rows, &n), KAM_EINVAL);
	cr_assert_eq(n, 0);
	kam_facts_close(f);
	kam_store_close(s);
}

Test(store, facts_sequential_backward_random)
{
	kam_store *s = open_new();
	facts_fill(s);
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	for (kam_kind k = KAM_ORDER; k <= KAM_INTERACTION; k++) {
		kam_facts *f;
		cr_assert_eq(kam_facts_open(t, k, &f), 0);
		/* a whole book in id order, with ids between and around the accounts */
		size_t total = facts_check(t, f, k, KAM_STR("a"), INT32_MIN, INT32_MAX);
		for (int i = 0; i < FACC; i++) {
			char acc[16];
			facc_id(acc, i);
			total += facts_check(t, f, k, kam_str_c(acc), INT32_MIN, INT32_MAX);
			strcat(acc, "0");
			total += facts_check(t, f, k, kam_str_c(acc), INT32_MIN, INT32_MAX);
		}
		total += facts_check(t, f, k, KAM_STR("zzz"), INT32_MIN, INT32_MAX);
		kam_store_stats st;
		cr_assert_eq(kam_store_stats_get(t, &st), 0);
		cr_assert_eq(total, st.records[k], "one pass sees every row once");

		/* windows: a narrow one (most rows skipped), one that moves, single days */
		for (int i = 0; i < FACC; i++)
			facts_check_acc(t, f, k, i, 300, 400);
		for (int i = 0; i < FACC; i++)
			facts_check_acc(t, f, k, i, i * 3 - 200, i * 3 - 100);
		for (int i = 0; i < FACC; i += 3)
			facts_check_acc(t, f, k, i, 600, 600);
		/* skipping accounts: long steps forward, then a seek */
		for (int i = 0; i < FACC; i += 37)
			facts_check_acc(t, f, k, i, INT32_MIN, INT32_MAX);
		/* backward */
		for (int i = FACC - 1; i >= 0; i--)
			facts_check_acc(t, f, k, i, INT32_MIN, 500);
		/* one account, windows moving back and forth */
		for (int w = 0; w < 8; w++)
			facts_check_acc(t, f, k, 5, (w % 2 ? 0 : 700) - w * 10, (w % 2 ? 300 : 900));
		/* at random */
		rng_state = 7;
		for (int q = 0; q < 1500; q++) {
			int32_t from = (int32_t)rnd(1200) - 300, to = from + (int32_t)rnd(400);
			if (rnd(4) == 0)
				from = INT32_MIN;
			if (rnd(4) == 0)
				to = INT32_MAX;
			facts_check_acc(t, f, k, (int)rnd(FACC), from, to);
		}
		kam_facts_close(f);
	}
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, facts_in_write_txn)
{
	kam_store *s = open_new();
	facts_fill(s);
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_facts *f;
	cr_assert_eq(kam_facts_open(t, KAM_ORDER, &f), 0);
	facts_check_acc(t, f, KAM_ORDER, 1, INT32_MIN, INT32_MAX);
	/* rows written behind and ahead of the reader's position are seen */
	kam_order o;
	make_order(&o, "new1", "f0001", -10000, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	make_order(&o, "new2", "f0002", -10000, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	make_order(&o, "new3", "f0007", 5, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	facts_check_acc(t, f, KAM_ORDER, 1, INT32_MIN, INT32_MAX);
	facts_check_acc(t, f, KAM_ORDER, 2, INT32_MIN, INT32_MAX);
	cr_assert_eq(kam_del(t, KAM_ORDER, KAM_STR("new3")), 0);
	facts_check_acc(t, f, KAM_ORDER, 7, INT32_MIN, INT32_MAX);
	for (int i = 3; i < FACC; i++) {
		facts_check_acc(t, f, KAM_ORDER, i, INT32_MIN, INT32_MAX);
		if (i % 50 == 0) {
			char acc[16];
			facc_id(acc, i + 1);
			make_order(&o, "mid", acc, 100, KAM_NO_TIME, 1, 0, 0);
			int replaced;
			cr_assert_eq(kam_put(t, KAM_ORDER, &o, &replaced), 0);
		}
	}
	cr_assert_eq(kam_txn_commit(t), 0);
	const void *rows;
	size_t n;
	cr_assert_eq(kam_facts_get(f, KAM_STR("f0001"), INT32_MIN, INT32_MAX, &rows, &n),
		     KAM_EINVAL);
	kam_facts_close(f);
	kam_store_close(s);
}

/* ---- tables ---- */

static kam_str tv(const char *s)
{
	return kam_str_c(s);
}

static void table_expect(kam_txn *t, kam_table tab, kam_str prefix, int reverse,
			 const char *const *want)
{
	kam_table_cursor *c;
	cr_assert_eq(kam_table_cursor_open(t, tab, prefix, reverse, &c), 0);
	kam_str k, v;
	size_t i = 0;
	int rc;
	while ((rc = kam_table_cursor_next(c, &k, &v)) == 1) {
		cr_assert_not_null(want[i], "extra key %.*s", (int)k.len, k.ptr);
		cr_assert(kam_str_eq(k, kam_str_c(want[i])), "at %zu: got %.*s, want %s", i,
			  (int)k.len, k.ptr, want[i]);
		/* every value is "v:" key */
		cr_assert_eq(v.len, k.len + 2);
		cr_assert(memcmp(v.ptr, "v:", 2) == 0 && memcmp(v.ptr + 2, k.ptr, k.len) == 0);
		i++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_null(want[i], "missing %s", want[i]);
	cr_assert_eq(kam_table_cursor_next(c, &k, &v), 0, "stays at the end");
	kam_table_cursor_close(c);
}

static void table_put_kv(kam_txn *t, kam_table tab, const char *key)
{
	char v[600];
	snprintf(v, sizeof(v), "v:%s", key);
	cr_assert_eq(kam_table_put(t, tab, tv(key), tv(v)), 0);
}

Test(store, tables_put_get_del)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_SNAPSHOTS, tv("k1"), tv("one")), 0);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_RESULTS, tv("k1"), tv("other table")), 0);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_SNAPSHOTS, tv("k2"), (kam_str){ NULL, 0 }), 0);
	kam_str v;
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k1"), &v), 0);
	cr_assert(kam_str_eq(v, tv("one")), "the write transaction sees its own puts");
	cr_assert_eq(kam_table_put(t, KAM_TABLE_SNAPSHOTS, tv("k1"), tv("uno")), 0);
	/* binary keys and values */
	cr_assert_eq(kam_table_put(t, KAM_TABLE_CURRENT, (kam_str){ "\0\xff", 2 },
				   (kam_str){ "a\0b", 3 }), 0);
	/* key sizes */
	char big[KAM_TABLE_KEY_MAX + 1];
	memset(big, 'k', sizeof(big));
	cr_assert_eq(kam_table_put(t, KAM_TABLE_CURRENT, (kam_str){ big, KAM_TABLE_KEY_MAX }, tv("max")),
		     0);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_CURRENT, (kam_str){ big, KAM_TABLE_KEY_MAX + 1 },
				   tv("x")), KAM_EINVAL);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_CURRENT, tv(""), tv("x")), KAM_EINVAL);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_COUNT, tv("k"), tv("x")), KAM_EINVAL);
	/* a refused put leaves the transaction usable; a large value is fine */
	char *large = malloc(100000);
	memset(large, 'v', 100000);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_RESULTS, tv("large"), (kam_str){ large, 100000 }), 0);
	cr_assert_eq(kam_txn_commit(t), 0);
	kam_store_close(s);

	cr_assert_eq(kam_store_open(dbdir, 0, &s), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k1"), &v), 0);
	cr_assert(kam_str_eq(v, tv("uno")));
	cr_assert_eq(kam_table_get(t, KAM_TABLE_RESULTS, tv("k1"), &v), 0);
	cr_assert(kam_str_eq(v, tv("other table")));
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k2"), &v), 0);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_CURRENT, tv("k1"), &v), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_CURRENT, (kam_str){ "\0\xff", 2 }, &v), 0);
	cr_assert(v.len == 3 && memcmp(v.ptr, "a\0b", 3) == 0);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_CURRENT, (kam_str){ big, KAM_TABLE_KEY_MAX }, &v), 0);
	cr_assert(kam_str_eq(v, tv("max")));
	cr_assert_eq(kam_table_get(t, KAM_TABLE_CURRENT, (kam_str){ big, KAM_TABLE_KEY_MAX + 1 }, &v),
		     KAM_ENOTFOUND);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_CURRENT, tv(""), &v), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_RESULTS, tv("large"), &v), 0);
	cr_assert(v.len == 100000 && memcmp(v.ptr, large, 100000) == 0);
	free(large);
	/* a read-only transaction refuses writes */
	cr_assert_eq(kam_table_put(t, KAM_TABLE_SNAPSHOTS, tv("k3"), tv("x")), KAM_EREADONLY);
	cr_assert_eq(kam_table_del(t, KAM_TABLE_SNAPSHOTS, tv("k1")), KAM_EREADONLY);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k3"), &v), KAM_ENOTFOUND);
	kam_txn_abort(t);

	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_table_del(t, KAM_TABLE_SNAPSHOTS, tv("k1")), 0);
	cr_assert_eq(kam_table_del(t, KAM_TABLE_SNAPSHOTS, tv("k1")), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_del(t, KAM_TABLE_SNAPSHOTS, tv("nope")), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_del(t, KAM_TABLE_SNAPSHOTS, tv("")), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k1"), &v), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_RESULTS, tv("k1"), &v), 0, "other tables keep theirs");
	/* after a refused delete the transaction still commits */
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k1"), &v), KAM_ENOTFOUND);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("k2"), &v), 0);
	kam_txn_abort(t);

	/* an aborted transaction leaves nothing */
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_table_put(t, KAM_TABLE_SNAPSHOTS, tv("gone"), tv("x")), 0);
	kam_txn_abort(t);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_table_get(t, KAM_TABLE_SNAPSHOTS, tv("gone"), &v), KAM_ENOTFOUND);
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, tables_prefix_cursors)
{
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	const char *keys[] = { "seg:north", "seg:", "seg:south", "sef", "seh", "se", "t", "a",
			       "\xff", "\xff\xff", "\xff\xff\x01", "\xfe\xff", "\xfe\xff\xff" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		table_put_kv(t, KAM_TABLE_CURRENT, keys[i]);
	table_put_kv(t, KAM_TABLE_SNAPSHOTS, "seg:x");
	/* also within the write transaction */
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:"), 0, IDS("seg:", "seg:north", "seg:south"));
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:"), 0, IDS("seg:", "seg:north", "seg:south"));
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:"), 1, IDS("seg:south", "seg:north", "seg:"));
	table_expect(t, KAM_TABLE_CURRENT, tv("se"), 0,
		     IDS("se", "sef", "seg:", "seg:north", "seg:south", "seh"));
	table_expect(t, KAM_TABLE_CURRENT, tv("se"), 1,
		     IDS("seh", "seg:south", "seg:north", "seg:", "sef", "se"));
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:n"), 1, IDS("seg:north"));
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:north"), 0, IDS("seg:north"));
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:north2"), 0, NONE);
	table_expect(t, KAM_TABLE_CURRENT, tv("seg:north2"), 1, NONE);
	table_expect(t, KAM_TABLE_CURRENT, tv("b"), 0, NONE);
	table_expect(t, KAM_TABLE_CURRENT, tv("b"), 1, NONE);
	table_expect(t, KAM_TABLE_CURRENT, tv("t"), 1, IDS("t"));
	table_expect(t, KAM_TABLE_CURRENT, tv("a"), 1, IDS("a"));
	table_expect(t, KAM_TABLE_CURRENT, tv("0"), 1, NONE);
	/* prefixes ending in 0xff bytes */
	table_expect(t, KAM_TABLE_CURRENT, tv("\xff"), 0, IDS("\xff", "\xff\xff", "\xff\xff\x01"));
	table_expect(t, KAM_TABLE_CURRENT, tv("\xff"), 1, IDS("\xff\xff\x01", "\xff\xff", "\xff"));
	table_expect(t, KAM_TABLE_CURRENT, tv("\xff\xff"), 1, IDS("\xff\xff\x01", "\xff\xff"));
	table_expect(t, KAM_TABLE_CURRENT, tv("\xfe\xff"), 1, IDS("\xfe\xff\xff", "\xfe\xff"));
	table_expect(t, KAM_TABLE_CURRENT, tv("\xfe"), 0, IDS("\xfe\xff", "\xfe\xff\xff"));
	/* the greatest key of the table */
	table_expect(t, KAM_TABLE_CURRENT, tv("\xff\xff\x01"), 1, IDS("\xff\xff\x01"));
	/* everything */
	table_expect(t, KAM_TABLE_CURRENT, tv(""), 0,
		     IDS("a", "se", "sef", "seg:", "seg:north", "seg:south", "seh", "t",
			 "\xfe\xff", "\xfe\xff\xff", "\xff", "\xff\xff", "\xff\xff\x01"));
	table_expect(t, KAM_TABLE_CURRENT, tv(""), 1,
		     IDS("\xff\xff\x01", "\xff\xff", "\xff", "\xfe\xff\xff", "\xfe\xff", "t", "seh",
			 "seg:south", "seg:north", "seg:", "sef", "se", "a"));
	table_expect(t, KAM_TABLE_SNAPSHOTS, tv(""), 1, IDS("seg:x"));
	table_expect(t, KAM_TABLE_RESULTS, tv(""), 0, NONE);
	table_expect(t, KAM_TABLE_RESULTS, tv(""), 1, NONE);
	/* a prefix longer than any key matches nothing */
	char big[KAM_TABLE_KEY_MAX + 1];
	memset(big, 's', sizeof(big));
	table_expect(t, KAM_TABLE_CURRENT, (kam_str){ big, sizeof(big) }, 0, NONE);
	kam_table_cursor *c;
	cr_assert_eq(kam_table_cursor_open(t, KAM_TABLE_COUNT, tv(""), 0, &c), KAM_EINVAL);
	/* a cursor outliving its transaction is harmless */
	cr_assert_eq(kam_table_cursor_open(t, KAM_TABLE_CURRENT, tv(""), 0, &c), 0);
	kam_str k, v;
	cr_assert_eq(kam_table_cursor_next(c, &k, &v), 1);
	kam_txn_abort(t);
	cr_assert_eq(kam_table_cursor_next(c, &k, &v), KAM_EINVAL);
	kam_table_cursor_close(c);
	kam_table_cursor_close(NULL);
	kam_store_close(s);
}

Test(store, tables_many_keys)
{
	/* enough keys for several pages, so that cursors cross page boundaries both ways */
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	char key[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "%c:%05d", "abc"[i % 3], i);
		table_put_kv(t, KAM_TABLE_RESULTS, key);
	}
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	for (int reverse = 0; reverse <= 1; reverse++) {
		kam_table_cursor *c;
		cr_assert_eq(kam_table_cursor_open(t, KAM_TABLE_RESULTS, tv("b:"), reverse, &c), 0);
		kam_str k, v;
		int n = 0, rc, prev = reverse ? 3000 : -1;
		while ((rc = kam_table_cursor_next(c, &k, &v)) == 1) {
			cr_assert_eq(k.len, 7);
			cr_assert(k.ptr[0] == 'b');
			int i = atoi(k.ptr + 2);
			cr_assert(reverse ? i < prev : i > prev);
			cr_assert_eq(i % 3, 1);
			prev = i;
			n++;
		}
		cr_assert_eq(rc, 0);
		cr_assert_eq(n, 1000);
		kam_table_cursor_close(c);
	}
	kam_txn_abort(t);
	kam_store_close(s);
}

/* ---- bulk writes ---- */

Test(store, appends_and_inserts_mixed)
{
	/* keys in order take the append path; others, replacements and keys after a delete not */
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	kam_account a;
	const char *ids[] = { "b", "d", "f", "a", "e", "g", "c" };
	for (size_t i = 0; i < 7; i++) {
		make_account(&a, ids[i], i % 2 ? "north" : "south", NULL);
		put_ok(t, KAM_ACCOUNT, &a, 0);
	}
	make_account(&a, "g", "west", NULL);
	put_ok(t, KAM_ACCOUNT, &a, 1);
	cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("g")), 0);
	make_account(&a, "fa", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	make_account(&a, "g", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	kam_order o;
	make_order(&o, "o2", "b", 5, KAM_NO_TIME, 1, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	make_order(&o, "o1", "b", 5, KAM_NO_TIME, 2, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	make_order(&o, "o3", "a", 9, KAM_NO_TIME, 4, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	make_order(&o, "o2", "b", 4, KAM_NO_TIME, 8, 0, 0);
	put_ok(t, KAM_ORDER, &o, 1);
	cr_assert_eq(kam_txn_commit(t), 0);

	/* a new transaction starts from the greatest key stored */
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	make_account(&a, "h", NULL, NULL);
	put_ok(t, KAM_ACCOUNT, &a, 0);
	make_account(&a, "g", "east", NULL);
	put_ok(t, KAM_ACCOUNT, &a, 1);
	make_order(&o, "o4", "h", 1, KAM_NO_TIME, 16, 0, 0);
	put_ok(t, KAM_ORDER, &o, 0);
	make_order(&o, "o3", "a", 9, KAM_NO_TIME, 32, 0, 0);
	put_ok(t, KAM_ORDER, &o, 1);
	cr_assert_eq(kam_txn_commit(t), 0);

	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_ALL, "", 0, 0, IDS("a", "b", "c", "d", "e", "f", "fa", "g", "h"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "", 0, 0, IDS("fa", "h"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "east", 0, 0, IDS("g"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "north", 0, 0, IDS("a", "d"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "south", 0, 0, IDS("b", "c", "e", "f"));
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "west", 0, 0, NONE);
	expect_ids(t, KAM_ORDER, KAM_SCAN_OF_ACCOUNT, "b", INT32_MIN, INT32_MAX, IDS("o2", "o1"));
	expect_ids(t, KAM_ORDER, KAM_SCAN_ALL, "", 0, 0, IDS("o1", "o2", "o3", "o4"));
	kam_rollup r, c;
	const char *accs[] = { "a", "b", "h" };
	kam_money rev[] = { 32, 10, 16 };
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(kam_rollup_get(t, kam_str_c(accs[i]), &r), 0);
		cr_assert_eq(kam_rollup_compute(t, kam_str_c(accs[i]), &c), 0);
		cr_assert_eq(r.revenue, rev[i], "%s: %lld", accs[i], (long long)r.revenue);
		cr_assert_eq(c.revenue, rev[i]);
		cr_assert_eq(r.order_count, c.order_count);
	}
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, reserve)
{
	setenv("KAM_MAPSIZE", "1048576", 1);
	kam_store *s = open_new();
	kam_txn *t;
	kam_store_stats st;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_lt(st.map_size, 100u << 20);
	cr_assert_eq(kam_store_reserve(s, 100u << 20), KAM_EBUSY, "a transaction pins the map");
	kam_txn_abort(t);
	cr_assert_eq(kam_store_reserve(s, 100u << 20), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_geq(st.map_size, st.used_bytes + (100u << 20));
	uint64_t map = st.map_size;
	kam_txn_abort(t);
	/* less than there is already: nothing changes */
	cr_assert_eq(kam_store_reserve(s, 1000), 0);
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_eq(st.map_size, map);
	kam_txn_abort(t);
	/* the reserved room is used without growing: the write runs once */
	struct big b = { 0, malloc(BIG_NOTE) };
	memset(b.note, 'n', BIG_NOTE);
	cr_assert_eq(kam_store_write(s, write_big, &b), 0);
	cr_assert_eq(b.calls, 1);
	free(b.note);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_eq(st.map_size, map);
	cr_assert_eq(st.records[KAM_INTERACTION], BIG_COUNT);
	kam_txn_abort(t);
	cr_assert_eq(kam_store_reserve(NULL, 1), KAM_EINVAL);
	kam_store_close(s);

	cr_assert_eq(kam_store_open(dbdir, KAM_STORE_RDONLY, &s), 0);
	cr_assert_eq(kam_store_reserve(s, 1 << 20), KAM_EREADONLY);
	kam_store_close(s);
}

/* A large write: the map reserved up front, the data file written back while fn runs. */
Test(store, write_large)
{
	setenv("KAM_MAPSIZE", "1048576", 1);
	kam_store *s = open_new();
	struct big b = { 0, malloc(BIG_NOTE) };
	memset(b.note, 'n', BIG_NOTE);
	cr_assert_eq(kam_store_write_large(s, (uint64_t)BIG_COUNT * BIG_NOTE * 4, write_big, &b), 0);
	cr_assert_eq(b.calls, 1, "the reserved map holds the write: it runs once");
	free(b.note);
	kam_txn *t;
	kam_store_stats st;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_store_stats_get(t, &st), 0);
	cr_assert_eq(st.records[KAM_INTERACTION], BIG_COUNT);
	kam_txn_abort(t);
	/* a failing large write leaves nothing */
	cr_assert_eq(kam_store_write_large(s, 1u << 30, put_then_fail, NULL), KAM_ECANCELED);
	kam_any g;
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	cr_assert_eq(kam_get(t, KAM_ACCOUNT, KAM_STR("b"), &g), KAM_ENOTFOUND);
	kam_txn_abort(t);
	cr_assert_eq(kam_store_write_large(NULL, 1, put_then_fail, NULL), KAM_EINVAL);
	cr_assert_eq(kam_store_write_large(s, 1, NULL, NULL), KAM_EINVAL);
	kam_store_close(s);
}

/* The writeback helper runs, survives a descriptor it cannot sync, and stops. */
Test(store, writeback_helper)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/wb", tmp);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	kam_writeback *wb = kam_writeback_start(fd);
#ifdef __linux__
	cr_assert_not_null(wb);
#endif
	char page[4096];
	memset(page, 'w', sizeof(page));
	for (int i = 0; i < 256; i++)
		cr_assert_eq(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	usleep(120 * 1000); /* long enough for the helper to ask at least twice */
	kam_writeback_stop(wb);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 256 * 4096);
	close(fd);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	wb = kam_writeback_start(fds[1]); /* sync_file_range refuses a pipe: ignored */
	usleep(60 * 1000);
	kam_writeback_stop(wb);
	close(fds[0]);
	close(fds[1]);
	kam_writeback_stop(NULL);
}

/* ---- import with a reader thread (import.c): the same results as with one thread ---- */

struct imp_run {
	int rc;
	kam_import_result res;
	char *rejects; /* reject file contents, or NULL */
	size_t rejects_len;
	char progress[4096]; /* "rows:bytes " for each progress call */
};

static void imp_progress(void *ctx, uint64_t rows, uint64_t bytes, uint64_t total)
{
	struct imp_run *r = ctx;
	size_t n = strlen(r->progress);
	snprintf(r->progress + n, sizeof(r->progress) - n, "%llu:%llu/%llu ", (unsigned long long)rows,
		 (unsigned long long)bytes, (unsigned long long)total);
}

/* Imports `path` into the store in directory `db` with KAM_IMPORT_THREADS=threads. */
static void imp_one(const char *db, const char *threads, kam_kind kind, const char *path,
		    int with_rejects, struct imp_run *out)
{
	memset(out, 0, sizeof(*out));
	setenv("KAM_IMPORT_THREADS", threads, 1);
	kam_store *s;
	cr_assert_eq(kam_store_open(db, KAM_STORE_CREATE, &s), 0);
	char rpath[256];
	snprintf(rpath, sizeof(rpath), "%s.rejects", db);
	FILE *rf = with_rejects ? fopen(rpath, "w+") : NULL;
	kam_import_opts o = { .kind = kind, .path = path, .rejects = rf, .rejects_name = rpath,
			      .progress = imp_progress, .progress_ctx = out };
	out->rc = kam_import(s, &o, &out->res);
	if (rf) {
		fclose(rf);
		out->rejects = slurp(rpath, &out->rejects_len);
	}
	kam_store_close(s);
	unsetenv("KAM_IMPORT_THREADS");
}

/* Every record of the two stores is the same, byte for byte. */
static void imp_same_records(const char *db0, const char *db1)
{
	kam_store *s0, *s1;
	cr_assert_eq(kam_store_open(db0, 0, &s0), 0);
	cr_assert_eq(kam_store_open(db1, 0, &s1), 0);
	kam_txn *t0, *t1;
	cr_assert_eq(kam_txn_begin(s0, 0, &t0), 0);
	cr_assert_eq(kam_txn_begin(s1, 0, &t1), 0);
	kam_buf b0 = { 0 }, b1 = { 0 };
	for (kam_kind k = 0; k < KAM_KIND_COUNT; k++) {
		kam_cursor *c0, *c1;
		cr_assert_eq(kam_cursor_open(t0, k, KAM_SCAN_ALL, KAM_STR(""), 0, 0, &c0), 0);
		cr_assert_eq(kam_cursor_open(t1, k, KAM_SCAN_ALL, KAM_STR(""), 0, 0, &c1), 0);
		kam_any r0, r1;
		int rc0, rc1;
		do {
			rc0 = kam_cursor_next(c0, &r0);
			rc1 = kam_cursor_next(c1, &r1);
			cr_assert_eq(rc0, rc1);
			if (rc0 != 1)
				break;
			kam_buf_reset(&b0);
			kam_buf_reset(&b1);
			cr_assert_eq(kam_rec_encode(kam_schema_of(k), &r0, &b0), 0);
			cr_assert_eq(kam_rec_encode(kam_schema_of(k), &r1, &b1), 0);
			cr_assert(b0.len == b1.len && memcmp(b0.data, b1.data, b0.len) == 0);
		} while (1);
		cr_assert_eq(rc0, 0);
		kam_cursor_close(c0);
		kam_cursor_close(c1);
	}
	kam_buf_free(&b0);
	kam_buf_free(&b1);
	kam_txn_abort(t0);
	kam_txn_abort(t1);
	kam_store_close(s0);
	kam_store_close(s1);
}

/*
 * Imports the files in order into two new stores, one thread and two, and checks that results,
 * messages, reject files, progress calls and records agree. Returns the last run (threaded).
 */
static struct imp_run imp_compare(const char *name, int nfiles, const kam_kind *kinds,
				  const char *const *paths, int with_rejects)
{
	char db[2][256];
	struct imp_run r[2];
	for (int m = 0; m < 2; m++) {
		snprintf(db[m], sizeof(db[m]), "%s/%s-%d", tmp, name, m);
		for (int i = 0; i < nfiles; i++) {
			if (m == 0 && i > 0)
				free(r[0].rejects);
			if (m == 1 && i > 0)
				free(r[1].rejects);
			imp_one(db[m], m ? "1" : "0", kinds[i], paths[i], with_rejects, &r[m]);
		}
	}
	/* compare the last import of each (earlier ones are compared through the records) */
	cr_assert_eq(r[0].rc, r[1].rc, "%s: rc %d vs %d", name, r[0].rc, r[1].rc);
	cr_assert_str_eq(r[0].res.error, r[1].res.error);
	cr_assert_eq(r[0].res.rows, r[1].res.rows);
	cr_assert_eq(r[0].res.inserted, r[1].res.inserted);
	cr_assert_eq(r[0].res.replaced, r[1].res.replaced);
	cr_assert_eq(r[0].res.rejected, r[1].res.rejected);
	cr_assert_str_eq(r[0].progress, r[1].progress);
	cr_assert_eq(r[0].rejects_len, r[1].rejects_len);
	if (r[0].rejects_len)
		cr_assert(memcmp(r[0].rejects, r[1].rejects, r[0].rejects_len) == 0,
			  "%s: reject files differ", name);
	free(r[0].rejects);
	imp_same_records(db[0], db[1]);
	return r[1];
}

#define IMP_ACC 6000
#define IMP_ORD 30000

/* Accounts with a custom column, and orders (some bad) of them; each file over 1 MiB. */
static void imp_files(char *acc_path, char *ord_path, int bad, const char *syntax_error)
{
	sprintf(acc_path, "%s/acc.csv", tmp);
	sprintf(ord_path, "%s/ord-%d.csv", tmp, bad);
	FILE *f = fopen(acc_path, "w");
	cr_assert_not_null(f);
	fputs("id,name,region,owner,note\n", f);
	for (int i = 0; i < IMP_ACC; i++)
		fprintf(f, "A%05d,\"Name %d, Ltd.\",r%d,%s,%s\n", i, i, i % 7, i % 3 ? "rep1" : "",
			i % 5 ? "a note that makes this file a bit larger than one mebibyte ........"
				"..................................................................."
				"..................................................................." : "");
	fclose(f);
	f = fopen(ord_path, "w");
	cr_assert_not_null(f);
	fputs("id,account_id,date,amount,profit,category,extra\n", f);
	for (int i = 0; i < IMP_ORD; i++) {
		int line = i + 2;
		const char *date = "2024-05-06", *acc_fmt = "A%05d";
		char acc[16], row[256];
		snprintf(acc, sizeof(acc), acc_fmt, (i / 4) % IMP_ACC);
		if (bad && line == 5000)
			date = "2024-13-01";
		if (bad && line == 9001)
			strcpy(acc, "NOPE");
		snprintf(row, sizeof(row), "O%06d,%s,%s,%d.25,%s,toner,%s", i, acc, date, i,
			 i % 2 ? "1" : "", i % 3 ? "x" : "");
		if (bad && line == 15000)
			strcat(row, ",one too many");
		if (bad && line == 17000)
			snprintf(row, sizeof(row), "O%06d,%s,,1,,,", i, acc);
		if (syntax_error && line == 12345)
			fputs(syntax_error, f);
		fprintf(f, "%s\n", row);
	}
	fclose(f);
}

Test(store, import_threads_match_one_thread, .timeout = 60)
{
	char acc[256], ord[256], ordbad[256], ordsyn[256];
	imp_files(acc, ord, 0, NULL);
	imp_files(acc, ordbad, 1, NULL);
	struct stat st;
	cr_assert_eq(stat(ord, &st), 0);
	cr_assert_gt(st.st_size, 1 << 20, "big enough for the reader thread by default");
	cr_assert_eq(stat(acc, &st), 0);
	cr_assert_gt(st.st_size, 1 << 20);

	kam_kind k2[] = { KAM_ACCOUNT, KAM_ORDER };
	const char *good[] = { acc, ord };
	struct imp_run r = imp_compare("good", 2, k2, good, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.rows, IMP_ORD);
	cr_assert_eq(r.res.inserted, IMP_ORD);
	cr_assert_neq(r.progress[0], 0);

	/* the same files again: every row replaces */
	kam_kind k4[] = { KAM_ACCOUNT, KAM_ORDER, KAM_ACCOUNT, KAM_ORDER };
	const char *twice[] = { acc, ord, acc, ord };
	r = imp_compare("twice", 4, k4, twice, 0);
	cr_assert_eq(r.res.replaced, IMP_ORD);

	/* bad rows go to the reject file */
	const char *bad[] = { acc, ordbad };
	r = imp_compare("rejects", 2, k2, bad, 1);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.rejected, 4);
	cr_assert_eq(r.res.inserted, IMP_ORD - 4);
	cr_assert_not_null(r.rejects);
	cr_assert_not_null(strstr(r.rejects, "\n5000,"));
	cr_assert_not_null(strstr(r.rejects, "\n9001,"));
	free(r.rejects);

	/* without a reject file the first bad row fails the import */
	r = imp_compare("abort", 2, k2, bad, 0);
	cr_assert_eq(r.rc, KAM_EPARSE);
	cr_assert_not_null(strstr(r.res.error, ":5000: column 3 (date)"), "%s", r.res.error);

	/* malformed CSV in the middle: the reader's error, after the rows before it */
	imp_files(acc, ordsyn, 0, "O9,A00001,\"2024-01-01\"x,1,,,\n");
	const char *syn[] = { acc, ordsyn };
	r = imp_compare("syntax", 2, k2, syn, 1);
	cr_assert_eq(r.rc, KAM_EPARSE);
	cr_assert_not_null(strstr(r.res.error, ":12345: column 3"), "%s", r.res.error);
	free(r.rejects);
}

Test(store, import_threads_small_files)
{
	kam_kind kinds[] = { KAM_ACCOUNT, KAM_CONTACT, KAM_ORDER, KAM_INTERACTION };
	const char *names[] = { "accounts", "contacts", "orders", "interactions" };
	char paths[4][256];
	const char *p[4];
	for (int i = 0; i < 4; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.csv", KAM_TEST_DATA, names[i]);
		p[i] = paths[i];
	}
	struct imp_run r = imp_compare("small", 4, kinds, p, 1);
	cr_assert_eq(r.rc, 0);
	free(r.rejects);
	const char *bad[] = { "orders_bad_date.csv", "orders_bad_money.csv", "orders_bad_ref.csv" };
	for (int i = 0; i < 3; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", KAM_TEST_DATA, bad[i]);
		const char *files[] = { paths[0], path };
		kam_kind k2[] = { KAM_ACCOUNT, KAM_ORDER };
		r = imp_compare(bad[i], 2, k2, files, 0);
		cr_assert_neq(r.rc, 0);
		r = imp_compare(bad[i], 2, k2, files, 1);
		free(r.rejects);
	}
}

/* Walks the accounts of one region or owner: ids strictly increasing, each in `region` when
 * given. Returns how many there are. */
static int scan_in_order(kam_txn *t, kam_scan scan, const char *key, const char *region)
{
	kam_cursor *c;
	cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, scan, kam_str_c(key), 0, 0, &c), 0);
	kam_any rec;
	char prev[16] = "";
	int rc, n = 0;
	while ((rc = kam_cursor_next(c, &rec)) == 1) {
		char id[16];
		snprintf(id, sizeof(id), "%.*s", (int)rec.account.id.len, rec.account.id.ptr);
		cr_assert_gt(strcmp(id, prev), 0, "%s after %s", id, prev);
		if (region)
			cr_assert(str_is(rec.account.region, region), "%s not in region \"%s\"", id, region);
		strcpy(prev, id);
		n++;
	}
	cr_assert_eq(rc, 0);
	kam_cursor_close(c);
	return n;
}

Test(store, region_owner_entries_held_back)
{
	/* new accounts' region and owner entries are written late: every read still sees them */
	kam_store *s = open_new();
	kam_txn *t;
	for (int commit = 0; commit <= 1; commit++) {
		cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
		for (int i = 0; i < 3000; i++) {
			char id[16], region[16], owner[16];
			snprintf(id, sizeof(id), "a%05d", i);
			snprintf(region, sizeof(region), "r%d", (i * 7919) % 13);
			snprintf(owner, sizeof(owner), "o%d", i % 5);
			kam_account a;
			make_account(&a, id, region, i % 2 ? owner : NULL);
			put_ok(t, KAM_ACCOUNT, &a, 0);
			if (i == 1500) {
				/* a scan in the middle of the transaction */
				kam_cursor *c;
				cr_assert_eq(kam_cursor_open(t, KAM_ACCOUNT, KAM_SCAN_OWNER, KAM_STR("o1"),
							     0, 0, &c), 0);
				kam_any rec;
				int n = 0, rc;
				while ((rc = kam_cursor_next(c, &rec)) == 1)
					n++;
				cr_assert_eq(rc, 0);
				cr_assert_eq(n, 150, "odd i <= 1500 with i %% 5 == 1: %d", n);
				kam_cursor_close(c);
			}
		}
		/* a move of a new account, and a delete */
		kam_account a;
		make_account(&a, "a00003", "moved", NULL);
		put_ok(t, KAM_ACCOUNT, &a, 1);
		cr_assert_eq(kam_del(t, KAM_ACCOUNT, KAM_STR("a00005")), 0);
		if (commit)
			cr_assert_eq(kam_txn_commit(t), 0);
		else
			kam_txn_abort(t);
	}
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	expect_ids(t, KAM_ACCOUNT, KAM_SCAN_REGION, "moved", 0, 0, IDS("a00003"));
	int total = 0;
	for (int r = 0; r < 13; r++) {
		char region[16];
		snprintf(region, sizeof(region), "r%d", r);
		total += scan_in_order(t, KAM_SCAN_REGION, region, region);
	}
	cr_assert_eq(total, 3000 - 2, "all but the moved and the deleted one");
	/* odd i with i % 5 == 0 (i % 10 == 5), but a00005 is gone */
	cr_assert_eq(scan_in_order(t, KAM_SCAN_OWNER, "o0", NULL), 299);
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, region_owner_entries_out_of_order)
{
	/* ids in no order, texts that are prefixes of others, the empty region: scans stay sorted */
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	const char *regions[] = { "", "r1", "r10", "r", "r1x" };
	for (int i = 0; i < 2000; i++) {
		int n = (i * 7919) % 2000;
		char id[16], owner[16];
		snprintf(id, sizeof(id), "a%05d", n);
		snprintf(owner, sizeof(owner), "o%d", n % 3);
		kam_account a;
		make_account(&a, id, regions[n % 5], n % 4 ? owner : NULL);
		put_ok(t, KAM_ACCOUNT, &a, 0);
	}
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	for (int r = 0; r < 5; r++)
		cr_assert_eq(scan_in_order(t, KAM_SCAN_REGION, regions[r], regions[r]), 400);
	for (int o = 0; o < 3; o++) {
		char owner[16];
		snprintf(owner, sizeof(owner), "o%d", o);
		int want = 0;
		for (int k = 0; k < 2000; k++)
			want += k % 3 == o && k % 4 != 0;
		cr_assert_eq(scan_in_order(t, KAM_SCAN_OWNER, owner, NULL), want);
	}
	kam_txn_abort(t);
	kam_store_close(s);
}

Test(store, facts_money_and_enums_exact)
{
	/* the compact index values give back every amount, and every kind/outcome/objection */
	kam_store *s = open_new();
	kam_txn *t;
	cr_assert_eq(kam_txn_begin(s, 1, &t), 0);
	const kam_money amounts[] = { INT64_MIN, INT64_MAX, 0, -1, 1, 99, -99, 100, -100, 101, -101,
				      6506600, 123456789, -2000000, INT64_MIN + 100, INT64_MAX - 99 };
	size_t n = sizeof(amounts) / sizeof(amounts[0]);
	for (size_t i = 0; i < n; i++) {
		char acc[16], id[16];
		snprintf(acc, sizeof(acc), "m%02zu", i);
		snprintf(id, sizeof(id), "o%02zu", i);
		kam_account a;
		make_account(&a, acc, NULL, NULL);
		put_ok(t, KAM_ACCOUNT, &a, 0);
		kam_order o;
		make_order(&o, id, acc, 1, KAM_NO_TIME, amounts[i], i % 2, amounts[n - 1 - i]);
		put_ok(t, KAM_ORDER, &o, 0);
		for (uint8_t k = 1; k <= KAM_IK_OTHER; k++) {
			snprintf(id, sizeof(id), "i%02zu-%u", i, k);
			kam_interaction in;
			make_inter(&in, id, acc, 2, (int32_t)i * 5000, k, (uint8_t)((k + i) % 6), k % 2,
				   (int64_t)i * 1000);
			if ((k + i) % 3) {
				in.objection = (uint8_t)(1 + (k + i) % 7);
				SET(&in, KAM_I_OBJECTION);
			}
			put_ok(t, KAM_INTERACTION, &in, 0);
		}
	}
	cr_assert_eq(kam_txn_commit(t), 0);
	cr_assert_eq(kam_txn_begin(s, 0, &t), 0);
	kam_facts *fo, *fi;
	cr_assert_eq(kam_facts_open(t, KAM_ORDER, &fo), 0);
	cr_assert_eq(kam_facts_open(t, KAM_INTERACTION, &fi), 0);
	for (size_t i = 0; i < n; i++) {
		char acc[16];
		snprintf(acc, sizeof(acc), "m%02zu", i);
		const void *rows;
		size_t cnt;
		cr_assert_eq(kam_facts_get(fo, kam_str_c(acc), INT32_MIN, INT32_MAX, &rows, &cnt), 0);
		cr_assert_eq(cnt, 1);
		const kam_order_fact *of = rows;
		cr_assert_eq(of->amount, amounts[i], "%zu: %lld", i, (long long)of->amount);
		cr_assert_eq(of->has_profit, i % 2 == 1);
		if (of->has_profit)
			cr_assert_eq(of->profit, amounts[n - 1 - i]);
		cr_assert_eq(facts_check(t, fi, KAM_INTERACTION, kam_str_c(acc), INT32_MIN, INT32_MAX),
			     KAM_IK_OTHER);
	}
	kam_facts_close(fo);
	kam_facts_close(fi);
	kam_txn_abort(t);
	kam_store_close(s);
}
