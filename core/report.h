/*
 * report.h - the book as one self-contained HTML page: what `kam report` writes.
 *
 * kam_report_build() gathers, per region, the figures of the other core modules:
 *   - each account's revenue in the window (as in abc and kam portfolio:
 *     as_of - window_days < date <= as_of), ranked by revenue descending, then account id
 *     ascending (bytewise): the Pareto curve, with the A and B cut-offs where the current tiers
 *     put them (A ends after the region's tier-A count, B after A + B);
 *   - the portfolio figures of the region (kam_portfolio_compute by region): accounts, revenue,
 *     top-1/5/N shares, HHI, hours and revenue per hour, in total and per current tier;
 *   - the agenda load (kam_agenda_compute): the actions due per rep (account owner) in each of
 *     the next `weeks` weeks (week k holds as_of + 7(k-1) <= due < as_of + 7k) and, in a column
 *     of their own, the overdue ones (due < as_of);
 *   - the value ranking: the accounts with the highest value in the region's current value
 *     snapshot (kam value), highest first, then account id; none when no value snapshot is stored;
 *   - the tier changes: the region's current segmentation snapshot against the newest older
 *     segmentation snapshot that covers the region: counts per (old tier, new tier) and the
 *     accounts that moved (an account absent from a side has no tier there).
 * kam_report_write() writes the page: inline CSS and SVG, no script, no external resource; every
 * text escaped (svg.h). Every figure shown is marked for machines with data attributes:
 *   data-k  what it is ("hhi", "revenue", "tier-accounts", "load", ...; docs/kam.1 lists them)
 *   data-r  the region ("" for the accounts without one); absent for the whole book
 *   data-t, data-rep, data-w, data-a, data-from, data-to  the tier, rep, week ("overdue",
 *           "1".."weeks"), account, and tiers of a move the figure is about
 *   data-v  the exact value (money as its exact decimal text, ratios as the shortest decimal
 *           that reads back as the double, as in `--format json`); the text shown may be rounded.
 */
#ifndef KAM_REPORT_H
#define KAM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "money.h"
#include "plugin.h"
#include "portfolio.h"
#include "store.h"

#define KAM_REPORT_WEEKS_MAX 52

typedef struct kam_report_opts {
	const char *region;       /* only this region (NULL: all; "": the accounts without one) */
	int32_t as_of;            /* the day reported on */
	int32_t window_days;      /* the revenue window, 1..365250 (default 365) */
	size_t top;               /* N of the top-N share and of the value ranking, >= 1 (10) */
	int weeks;                /* weeks of agenda load, 1..KAM_REPORT_WEEKS_MAX (8) */
	size_t max_moves;         /* moved accounts listed per region; the counts have all (100) */
	const kam_registry *reg;  /* models for tiers and cadence (may be NULL: see agenda.h) */
	const kam_config *cfg;    /* may be NULL */
	const char *title;        /* the page title (NULL: "Kam report") */
	const char *source;       /* where the data comes from, shown (NULL: not shown) */
} kam_report_opts;

/* Fills opts with the defaults for a report as of a day. */
void kam_report_opts_init(kam_report_opts *o, int32_t as_of);

/* Tier slots of moves: A, B, C and none, as KAM_TIER_* (portfolio.h). */

typedef struct kam_report_move {
	char *account_id, *name; /* name "" when the account is gone */
	char from, to;           /* 'A', 'B', 'C' or 0 (not in that snapshot, or no tier) */
} kam_report_move;

typedef struct kam_report_value {
	char *account_id, *name;
	char *recommendation;    /* NULL when none */
	double value;
} kam_report_value;

typedef struct kam_report_region {
	char *name;                /* "" for the accounts without a region */
	kam_portfolio_group pf;    /* the portfolio figures (pf.key is NULL; the name is above) */
	kam_money *revenue;        /* the accounts' revenue in the window, ranked (see above) */
	size_t naccounts;
	size_t a_end, b_end;       /* the cut-offs: ranks where A ends and where B ends */
	uint64_t snapshot;         /* the current segmentation snapshot; 0: tiers computed now */
	char *seg_model;           /* its model (NULL without a snapshot) */
	int32_t seg_as_of;
	/* agenda load: nreps rows of 1 + weeks counts (overdue, then weeks 1..weeks) */
	char **reps;               /* sorted bytewise; "" for accounts without an owner */
	size_t nreps;
	uint32_t *load;
	size_t actions;            /* all of them */
	/* the value ranking */
	uint64_t value_snapshot;   /* 0: no value snapshot stored for the region */
	char *value_model;
	int32_t value_as_of;
	size_t valued;             /* accounts of the region with a value in it */
	kam_report_value *top;     /* at most opts.top, highest value first */
	size_t ntop;
	/* tier changes */
	uint64_t prev_snapshot;    /* 0: no older segmentation of the region */
	int32_t prev_as_of;
	size_t moves[KAM_TIER_SLOTS][KAM_TIER_SLOTS]; /* [from][to], accounts on either side */
	size_t moved;              /* accounts whose tier changed */
	kam_report_move *moved_list; /* the first max_moves of them, by account id */
	size_t nmoved_list;
} kam_report_region;

typedef struct kam_report {
	kam_report_opts opts;      /* as given (the texts are the caller's) */
	kam_report_region *regions; /* sorted by name (bytewise) */
	size_t nregions;
	kam_portfolio_group total; /* the whole book (every region, also with opts.region) */
	size_t tiers_computed_regions, tiers_missing, untiered_actions;
	int64_t generated_at;      /* Unix time of the build */
	char error[640];
	bool bad_opts;             /* on failure: the options were at fault (a region without
				      accounts, a value out of range) */
} kam_report;

/*
 * Builds the report of `store` (open for reading). Returns 0 with out filled (free with
 * kam_report_free, also after a failure), or with out->error set:
 *   KAM_EINVAL     an option out of range (bad_opts)
 *   KAM_ENOTFOUND  opts->region names a region without accounts (bad_opts), or a configured
 *                  cadence model is not loaded
 *   KAM_EPLUGIN    a model (default segmentation of a never-segmented region, cadence) failed
 *   KAM_ENOMEM and store errors.
 * The agenda is read in a transaction of its own (kam_agenda_compute), the rest in one.
 */
int kam_report_build(kam_store *store, const kam_report_opts *opts, kam_report *out);
void kam_report_free(kam_report *r);

/* Writes the page. Returns 0 or KAM_EIO (a write failed). */
int kam_report_write(const kam_report *r, FILE *f);

/*
 * The Pareto chart alone, as an <svg> (id may be NULL): revenue[0..n) ranked as above, the
 * A and B cut-off ranks. Well-formed for any input: n == 0, revenue all in one account, zero or
 * negative totals. `region` only labels the data-r attributes (NULL: none).
 */
void kam_report_pareto_svg(FILE *f, const char *id, const char *region, const kam_money *revenue,
			   size_t n, size_t a_end, size_t b_end);

#endif
