/*
 * rawdb.h - unit tests that go behind the store's back: a write transaction of LMDB itself on one
 * named database of the environment in `dir`, to forge or damage what the store would not write.
 */
#ifndef KAM_RAWDB_H
#define KAM_RAWDB_H

#include <criterion/criterion.h>
#include <lmdb.h>

/* Runs fn(txn, dbi, arg) on the database `name` of the environment in `dir`, then commits. */
static inline void raw_write(const char *dir, const char *name,
			     void (*fn)(MDB_txn *txn, MDB_dbi dbi, void *arg), void *arg)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, name, 0, &dbi), 0);
	fn(txn, dbi, arg);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

#endif
