/*
 * lmdb_del - damages a database for the command-line tests, behind the store's back (CI has no
 * LMDB tools): deletes the first N keys of one named database of the environment in DIR.
 *
 *   lmdb_del DIR NAME [N]      N defaults to 1; exit 0 when N keys were deleted
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb_del: %s: %s\n", what, mdb_strerror(rc));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: lmdb_del DIR NAME [N]\n");
		return 2;
	}
	long n = argc == 4 ? atol(argv[3]) : 1;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_env_create(&env);
	if (rc)
		return fail("create", rc);
	mdb_env_set_maxdbs(env, 32);
	if ((rc = mdb_env_open(env, argv[1], 0, 0600)))
		return fail(argv[1], rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, argv[2], 0, &dbi)) ||
	    (rc = mdb_cursor_open(txn, dbi, &cur)))
		return fail(argv[2], rc);
	for (long i = 0; i < n; i++)
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) || (rc = mdb_cursor_del(cur, 0)))
			return fail("delete", rc);
	mdb_cursor_close(cur);
	if ((rc = mdb_txn_commit(txn)))
		return fail("commit", rc);
	mdb_env_close(env);
	return 0;
}
