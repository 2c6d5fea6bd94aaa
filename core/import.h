/*
 * import.h - loading CSV files of records into the store, each import one transaction.
 *
 * Columns are matched to fields by header name (or through a --map), unknown columns become
 * custom attributes, rows upsert by id. The whole file is one transaction: the first bad row
 * aborts it and nothing is written, unless bad rows are diverted to a reject file, in which case
 * the good rows commit and each bad row is written there with its error.
 */
#ifndef KAM_IMPORT_H
#define KAM_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "store.h"

typedef struct kam_import_opts {
	kam_kind kind;
	const char *path;    /* a CSV file, or "-" for standard input */
	const char *map;     /* "field=Header Name,field2=Other" or NULL */
	FILE *rejects;       /* NULL: a bad row aborts; else bad rows go here as CSV */
	const char *rejects_name; /* for messages */
	/* Called now and then (about every 64k rows) and once at the end; may be NULL. */
	void (*progress)(void *ctx, uint64_t rows, uint64_t bytes, uint64_t total_bytes);
	void *progress_ctx;
} kam_import_opts;

typedef struct kam_import_result {
	uint64_t rows;      /* data rows read */
	uint64_t inserted;  /* new records */
	uint64_t replaced;  /* records that existed and were replaced */
	uint64_t rejected;  /* rows written to the reject file */
	char error[640];    /* on failure: "FILE:LINE: column C (NAME): expected ..., found ..." */
} kam_import_result;

/*
 * Imports opts->path into `store`. Returns 0 (committed) or a negative code with result->error
 * set; then nothing of the file was written. KAM_EPARSE for bad input, KAM_EREF for a row naming
 * no account, KAM_ENOTFOUND when the file does not exist, others from the store.
 */
int kam_import(kam_store *store, const kam_import_opts *opts, kam_import_result *result);

/* The most files one import takes on the command line and in Lua. */
#define KAM_IMPORT_MAX_FILES 16

/*
 * Imports n files, in the order given, as one transaction: all of them or none. Later files see
 * the records of earlier ones (orders may name accounts of a file before them). Returns 0, or a
 * code with *failed the index of the file that failed and results[*failed].error set; then
 * nothing of any file was written. At most one of them may be standard input (KAM_EINVAL).
 */
int kam_import_many(kam_store *store, const kam_import_opts *opts, size_t n,
		    kam_import_result *results, size_t *failed);

#endif
