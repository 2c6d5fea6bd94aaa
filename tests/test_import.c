/* test_import.c - CSV import: atomicity, upserts, error messages, --map and rejects. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "export.h"
#include "import.h"

static char dir[64];
static kam_store *store;

static void setup(void)
{
	strcpy(dir, "/tmp/kam-import-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char db[128];
	snprintf(db, sizeof(db), "%s/db", dir);
	cr_assert_eq(kam_store_open(db, KAM_STORE_CREATE, &store), 0);
}

static void teardown(void)
{
	kam_store_close(store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Writes `text` to DIR/name and returns the path (static buffer per call site is enough). */
static const char *file(const char *name, const char *text)
{
	static char path[8][160];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, 160, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static int import(kam_kind kind, const char *path, const char *map, FILE *rejects,
		  kam_import_result *res)
{
	kam_import_opts o = { .kind = kind, .path = path, .map = map, .rejects = rejects };
	return kam_import(store, &o, res);
}

static uint64_t count(kam_kind kind)
{
	kam_txn *txn;
	kam_store_stats st;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_store_stats_get(txn, &st), 0);
	kam_txn_abort(txn);
	return st.records[kind];
}

static const char *ACCOUNTS = "id,name,region,employees\nA1,Acme,north,10\nA2,Beta,,\n";

TestSuite(import, .init = setup, .fini = teardown);

Test(import, inserts_then_replaces)
{
	kam_import_result res;
	const char *p = file("a.csv", ACCOUNTS);
	cr_assert_eq(import(KAM_ACCOUNT, p, NULL, NULL, &res), 0, "%s", res.error);
	cr_expect_eq(res.rows, 2);
	cr_expect_eq(res.inserted, 2);
	cr_expect_eq(res.replaced, 0);
	cr_assert_eq(import(KAM_ACCOUNT, p, NULL, NULL, &res), 0, "%s", res.error);
	cr_expect_eq(res.inserted, 0);
	cr_expect_eq(res.replaced, 2);
	cr_expect_eq(count(KAM_ACCOUNT), 2);
}

Test(import, bad_row_writes_nothing)
{
	kam_import_result res;
	cr_assert_eq(import(KAM_ACCOUNT, file("a.csv", ACCOUNTS), NULL, NULL, &res), 0);
	const char *p = file("o.csv", "id,account_id,date,amount\nO1,A1,2026-01-01,5\n"
				      "O2,A1,2026-02-30,5\nO3,A2,2026-01-02,1\n");
	cr_assert_eq(import(KAM_ORDER, p, NULL, NULL, &res), KAM_EPARSE);
	char want[256];
	snprintf(want, sizeof(want), "%s:3: column 3 (date): expected a date", p);
	cr_expect(strncmp(res.error, want, strlen(want)) == 0, "got: %s", res.error);
	cr_expect(strstr(res.error, "found \"2026-02-30\"") != NULL, "got: %s", res.error);
	cr_expect_eq(count(KAM_ORDER), 0, "the good row before the bad one must not be written");
}

Test(import, unknown_account_is_an_error)
{
	kam_import_result res;
	cr_assert_eq(import(KAM_ACCOUNT, file("a.csv", ACCOUNTS), NULL, NULL, &res), 0);
	const char *p = file("c.csv", "id,account_id,name\nC1,A1,Li\nC2,ZZ,Wu\n");
	cr_assert_eq(import(KAM_CONTACT, p, NULL, NULL, &res), KAM_EREF);
	cr_expect(strstr(res.error, ":3: column 2 (account_id): expected the id of an existing account, found \"ZZ\"") != NULL,
		  "got: %s", res.error);
	cr_expect_eq(count(KAM_CONTACT), 0);
}

Test(import, header_problems)
{
	kam_import_result res;
	cr_expect_eq(import(KAM_ACCOUNT, file("a.csv", "id,region\nA1,north\n"), NULL, NULL, &res), KAM_EPARSE);
	cr_expect(strstr(res.error, ":1: missing required column \"name\"") != NULL, "got: %s", res.error);
	cr_expect_eq(import(KAM_ACCOUNT, file("b.csv", ""), NULL, NULL, &res), KAM_EPARSE);
	cr_expect(strstr(res.error, "empty") != NULL, "got: %s", res.error);
	cr_expect_eq(import(KAM_ACCOUNT, file("c.csv", "id,name,id\nA1,x,A2\n"), NULL, NULL, &res), KAM_EPARSE);
	cr_expect(strstr(res.error, "columns 1 and 3 both give field id") != NULL, "got: %s", res.error);
	cr_expect_eq(import(KAM_ACCOUNT, file("d.csv", "id,name\nA1,x,extra\n"), NULL, NULL, &res), KAM_EPARSE);
	cr_expect(strstr(res.error, ":2: expected 2 fields as in the header, found 3") != NULL, "got: %s", res.error);
	cr_expect_eq(import(KAM_ACCOUNT, file("e.csv", "id,name\nA1,\n"), NULL, NULL, &res), KAM_EPARSE);
	cr_expect(strstr(res.error, ":2: column 2 (name): expected a value, found an empty cell") != NULL,
		  "got: %s", res.error);
	cr_expect_eq(count(KAM_ACCOUNT), 0);
}

Test(import, map_and_custom_columns)
{
	kam_import_result res;
	const char *p = file("shop.csv", "Customer No,Customer Name,Loyalty\nA7,Gamma,gold\n");
	cr_assert_eq(import(KAM_ACCOUNT, p, "id=Customer No,name=Customer Name", NULL, &res), 0, "%s", res.error);
	kam_txn *txn;
	kam_account a;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_get(txn, KAM_ACCOUNT, KAM_STR("A7"), &a), 0);
	cr_expect(kam_str_eq(a.name, KAM_STR("Gamma")));
	cr_expect_eq(a.rec.nattrs, 1);
	kam_str it = a.rec.attrs, k, v;
	cr_assert_eq(kam_attr_next(&it, &k, &v), 1);
	cr_expect(kam_str_eq(k, KAM_STR("Loyalty")) && kam_str_eq(v, KAM_STR("gold")));
	kam_txn_abort(txn);

	cr_expect_eq(import(KAM_ACCOUNT, p, "colour=Customer No", NULL, &res), KAM_EINVAL);
	cr_expect(strstr(res.error, "--map") != NULL, "got: %s", res.error);
	cr_expect_eq(import(KAM_ACCOUNT, p, "id=Nope,name=Customer Name", NULL, &res), KAM_EPARSE);
	cr_expect(strstr(res.error, "--map gives id from column \"Nope\"") != NULL, "got: %s", res.error);
}

Test(import, rejects_keep_good_rows)
{
	kam_import_result res;
	char rpath[160];
	snprintf(rpath, sizeof(rpath), "%s/rejects.csv", dir);
	FILE *rej = fopen(rpath, "w+");
	cr_assert_not_null(rej);
	const char *p = file("a.csv", "id,name,employees\nA1,Acme,10\nA2,Beta,-3\nA3,Gamma,\n");
	cr_assert_eq(import(KAM_ACCOUNT, p, NULL, rej, &res), 0, "%s", res.error);
	fclose(rej);
	cr_expect_eq(res.inserted, 2);
	cr_expect_eq(res.rejected, 1);
	cr_expect_eq(count(KAM_ACCOUNT), 2);
	char text[512] = { 0 };
	FILE *f = fopen(rpath, "r");
	cr_assert_not_null(f);
	cr_assert(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	cr_expect_str_eq(text, "line,error,id,name,employees\n"
			       "3,\"column 3 (employees): expected a non-negative integer, found \"\"-3\"\"\",A2,Beta,-3\n",
			 "got: %s", text);
}

Test(import, export_round_trip)
{
	kam_import_result res;
	cr_assert_eq(import(KAM_ACCOUNT, file("a.csv", "name,id,wallet,Note\n\"x, y\",A1,1.5,\"say \"\"hi\"\"\"\nB,A2,,\n"),
			    NULL, NULL, &res), 0, "%s", res.error);
	char out[160];
	snprintf(out, sizeof(out), "%s/export.csv", dir);
	FILE *f = fopen(out, "w");
	kam_txn *txn;
	cr_assert_eq(kam_txn_begin(store, 0, &txn), 0);
	cr_assert_eq(kam_export(txn, KAM_ACCOUNT, KAM_FMT_CSV, f), 0);
	kam_txn_abort(txn);
	fclose(f);
	char text[512] = { 0 };
	f = fopen(out, "r");
	cr_assert(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	cr_expect_str_eq(text,
			 "id,name,region,industry,channel,employees,net_assets,annual_revenue,wallet,owner,created,stage,Note\n"
			 "A1,\"x, y\",,,,,,,1.5,,,,\"say \"\"hi\"\"\"\n"
			 "A2,B,,,,,,,,,,,\n");
}
