/* check.h - `kam check`: whether a database agrees with itself. */
#ifndef KAM_CHECK_H
#define KAM_CHECK_H

#include <stdint.h>

#include "store.h"

/* Called once per problem found, with one line of text (no newline). */
typedef void (*kam_check_report_fn)(void *ctx, const char *problem);
/* Called now and then with how far the walk of `kind` ("accounts", "orders", ...) has come. */
typedef void (*kam_check_progress_fn)(void *ctx, const char *kind, uint64_t done, uint64_t total);

typedef struct kam_check_result {
	uint64_t records[KAM_KIND_COUNT]; /* records read, by kind */
	uint64_t problems;
} kam_check_result;

/*
 * Reads the whole database in `txn` and reports what does not agree:
 * - a record that does not decode (that kind's walk stops there);
 * - an account's stored rollup that differs from the one computed from its index entries;
 * - an index entry of an order, interaction or contact with no record, or whose record names
 *   another account or another date, amount, profit, kind, outcome, objection or minutes;
 * - records that no index entry of their account reaches (counted per kind);
 * - for each region and owner that accounts have, an index that does not list exactly those
 *   accounts (entries under a value no account has are not looked for).
 * `progress` may be NULL. Returns 0 when the walk completed (out->problems says what it found) or the code of a read
 * that failed outright (KAM_EIO, KAM_ENOMEM).
 */
int kam_check(kam_txn *txn, kam_check_report_fn report, kam_check_progress_fn progress, void *ctx,
	      kam_check_result *out);

#endif
