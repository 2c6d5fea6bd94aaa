/*
 * gen.h - a deterministic generator of synthetic Kam data (`kam gen DIR --accounts N --seed S`).
 *
 * Writes accounts.csv, contacts.csv, orders.csv and interactions.csv with the columns of
 * REFERENCE.md, for tests, demos and benchmarks. The bytes written are a pure function of
 * (accounts, seed): the generator uses its own PRNG and integer arithmetic only, so every run on
 * every machine gives the same files.
 *
 * What the data looks like:
 * - account sizes follow a heavy-tailed (Pareto-like, alpha ~1.16) spread that drives
 *   annual_revenue, employees, net_assets, wallet and the revenue of the account's orders;
 * - about 2 contacts, 10 orders and 5 interactions per account on average, more for large
 *   accounts, dated over the three years that end on KAM_GEN_END (2026-06-30);
 * - seven regions (about 1% of accounts have none), the ten channels, owners rep01..rep40, all
 *   five stages; accounts in stage prospect or appointment have no orders yet;
 * - interactions: ~60% calls with an outcome, objection calls carry an objection slug and
 *   sometimes come two or three in a row; ~3% have a time "YYYY-MM-DDTHH:MM:SS";
 * - some cells are empty, some names and notes hold commas, quotes or a newline (CSV quoting).
 *
 * Ids are zero-padded (A0000001, C0000001, O00000001, I00000001) so that bytewise order is
 * numeric order. Account i's rows depend only on (seed, i), so the first K accounts of a run with
 * N >= K accounts equal those of a run with K accounts as long as the id widths agree (they do
 * up to about 1,000,000 accounts).
 */
#ifndef KAM_GEN_H
#define KAM_GEN_H

#include <stdint.h>

/* The last day of generated data, so that the data does not depend on today. */
#define KAM_GEN_END_YEAR 2026
#define KAM_GEN_END_MONTH 6
#define KAM_GEN_END_MDAY 30
/* The first day of orders and interactions: three years before the end. */
#define KAM_GEN_START_YEAR 2023
#define KAM_GEN_START_MONTH 7
#define KAM_GEN_START_MDAY 1

#define KAM_GEN_MAX_ACCOUNTS 100000000ull

/* Rows written per file (header excluded). */
typedef struct kam_gen_counts {
	uint64_t accounts, contacts, orders, interactions;
	uint64_t bytes; /* all four files together, headers included */
} kam_gen_counts;

/*
 * Called after every batch of accounts (and once at the end) with the number of accounts written
 * so far. Returning non-zero stops the generator, which then fails with KAM_ECANCELED.
 */
typedef int (*kam_gen_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct kam_gen_opts {
	uint64_t accounts;           /* 0..KAM_GEN_MAX_ACCOUNTS; 0 writes header rows only */
	uint64_t seed;               /* any value */
	kam_gen_progress_fn progress; /* optional */
	void *progress_ctx;          /* passed to progress */
	kam_gen_counts *counts;      /* optional: filled in on success */
} kam_gen_opts;

/*
 * Creates `dir` (and missing parents) if needed and writes the four files into it. Each file is
 * written under a temporary name (NAME.csv.tmp) and renamed into place only when all four are
 * complete, so DIR never holds a truncated NAME.csv from this call; existing files are replaced.
 *
 * Returns 0; KAM_EINVAL (NULL argument); KAM_ERANGE (accounts over KAM_GEN_MAX_ACCOUNTS);
 * KAM_EPERM (permission denied creating or writing); KAM_EIO (any other failure of mkdir, open,
 * write or rename; errno tells more); KAM_ENOMEM; KAM_ECANCELED (the progress callback asked to
 * stop). On failure the temporary files are removed.
 */
int kam_gen_write(const char *dir, const kam_gen_opts *opts);

#endif
