/*
 * portfolio.h - the sales portfolio measures of DOMAIN.md sections 1, 2 and 7: concentration,
 * revenue and time per tier, return on the time invested, and receivables.
 *
 * What `kam portfolio` computes, kept out of the command line so that other front ends can call
 * it. One pass over the book: the accounts in id order, each account's orders and interactions
 * in the window read with kam_facts (the by-account indexes, no record decoded), the tiers of
 * kam_tiers_current walked alongside. Receivables need every order's `paid`, which the indexes do
 * not hold, so they are a separate pass over the orders (kam_receivables).
 *
 * Definitions (REFERENCE.md "Portfolio measures"; the window is as in abc:
 * as_of - window_days < date <= as_of, by the date's day):
 *   revenue(account)  the sum of order `amount` in the window (exact, ten-thousandths)
 *   minutes(account)  the sum of interaction `minutes` in the window (absent minutes count 0)
 *   share of top N    revenue of the group's N largest accounts / the group's revenue
 *                     (all its accounts when it has fewer than N); absent when revenue <= 0
 *   HHI               sum over the group's accounts of (100 x revenue / group revenue)^2,
 *                     0..10000; absent when the group's revenue <= 0
 *   hours             minutes / 60
 *   ROI               revenue (currency units) / hours; absent when there are no minutes
 *   tier              the account's current tier (kam_tiers_current as of as_of)
 *   receivable        sum over the account's orders with date <= as_of of amount - paid, where
 *                     an absent `paid` counts as 0 paid (nothing was paid: the whole amount is
 *                     receivable); an overpayment gives a negative term
 */
#ifndef KAM_PORTFOLIO_H
#define KAM_PORTFOLIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "money.h"
#include "plugin.h"
#include "store.h"

typedef enum kam_portfolio_by {
	KAM_PORTFOLIO_TOTAL = 0, /* no groups: only the total */
	KAM_PORTFOLIO_REP,       /* by account owner ("" for accounts without one) */
	KAM_PORTFOLIO_REGION,    /* by region ("" for accounts without one) */
	KAM_PORTFOLIO_TIER,      /* by current tier: "A", "B", "C", "" (no tier) */
} kam_portfolio_by;

/* Parses "rep", "region" or "tier" (and "total"). Returns 0 or KAM_EINVAL. */
int kam_portfolio_by_parse(const char *name, kam_portfolio_by *out);
/* "rep", "region", "tier" or "total". */
const char *kam_portfolio_by_name(kam_portfolio_by by);

typedef struct kam_portfolio_opts {
	kam_portfolio_by by;
	int32_t as_of;       /* day */
	int32_t window_days; /* >= 1, else KAM_EINVAL */
	size_t top;          /* the N of "share of top N", >= 1, else KAM_EINVAL */
	/* Models for the tiers of regions never segmented (kam_tiers_current); may be NULL. */
	const kam_registry *reg;
	bool keep_revenues;  /* fill each group's revenues (kam_portfolio_group) */
} kam_portfolio_opts;

/* Tier slots of the per-tier figures. */
enum { KAM_TIER_A, KAM_TIER_B, KAM_TIER_C, KAM_TIER_NONE, KAM_TIER_SLOTS };

/* The slot of tier 'A', 'B' or 'C'; anything else is KAM_TIER_NONE. */
static inline int kam_tier_slot(char tier)
{
	return tier == 'A' ? KAM_TIER_A : tier == 'B' ? KAM_TIER_B : tier == 'C' ? KAM_TIER_C
									  : KAM_TIER_NONE;
}

typedef struct kam_portfolio_group {
	char *key;          /* the rep, region or tier; NULL for the total */
	uint64_t accounts;
	kam_money revenue;
	kam_money top1, top5, topn; /* revenue of the 1, 5 and N largest accounts */
	double hhi;         /* NAN when revenue <= 0 */
	int64_t minutes;
	uint64_t tier_accounts[KAM_TIER_SLOTS];
	kam_money tier_revenue[KAM_TIER_SLOTS];
	int64_t tier_minutes[KAM_TIER_SLOTS];
	/* With opts.keep_revenues, a group's accounts' revenues in the window (`accounts` of them,
	 * in account id order); else NULL. Never for the total. */
	kam_money *revenues;
} kam_portfolio_group;

typedef struct kam_portfolio {
	kam_portfolio_group *groups; /* sorted by key (bytewise); none for KAM_PORTFOLIO_TOTAL */
	size_t ngroups;
	kam_portfolio_group total;   /* every account */
	size_t top;                  /* the N used */
	/* Regions whose tiers were computed now (never segmented), as kam_tiers_current says. */
	size_t tiers_computed_regions;
	size_t tiers_missing;        /* accounts without a tier (not in their region's snapshot) */
	char error[640];
} kam_portfolio;

/*
 * Computes the portfolio of the book in `txn`. Returns 0 (free with kam_portfolio_free), or
 * KAM_EINVAL (window_days or top out of range), KAM_ENOMEM, KAM_EPLUGIN (the default
 * segmentation failed for a never-segmented region), store errors; out->error says which.
 */
int kam_portfolio_compute(kam_txn *txn, const kam_portfolio_opts *opts, kam_portfolio *out);
void kam_portfolio_free(kam_portfolio *p);

/* part / total as a double (one rounding); NAN when total <= 0. */
double kam_portfolio_share(kam_money part, kam_money total);
/* Revenue in currency units per hour of `minutes`; NAN when minutes <= 0. */
double kam_portfolio_roi(kam_money revenue, int64_t minutes);

/* ---- receivables ---- */

typedef struct kam_receivable {
	char *account_id, *owner, *region; /* "" when absent */
	char tier;                         /* 'A', 'B', 'C' or 0 */
	kam_money amount;     /* the account's receivable (see above); listed only when > 0 */
	uint32_t open_orders; /* orders with amount - paid > 0 (date <= as_of) */
	int32_t oldest_open;  /* day of the oldest of them, or KAM_NO_DAY */
} kam_receivable;

/* Receivables of a group: the sum of its accounts' receivables that are > 0. */
typedef struct kam_receivable_group {
	char *key;
	uint64_t accounts;    /* accounts with a receivable > 0 */
	kam_money amount;
	uint32_t open_orders;
	int32_t oldest_open;
} kam_receivable_group;

typedef struct kam_receivables_set {
	kam_receivable *rows;         /* accounts with amount > 0: amount desc, then account id */
	size_t count;
	char *text;                   /* the rows' strings, in one block */
	kam_receivable_group *groups; /* with opts->by: amount desc, then key */
	size_t ngroups;
	kam_receivable_group total;
	char error[640];
} kam_receivables_set;

/*
 * Receivables as of opts->as_of (window_days and top are not used), with groups when opts->by
 * is set. Reads every order record once. Returns 0 (free with kam_receivables_free),
 * KAM_ENOMEM, KAM_EPLUGIN, store errors.
 */
int kam_receivables(kam_txn *txn, const kam_portfolio_opts *opts, kam_receivables_set *out);
void kam_receivables_free(kam_receivables_set *s);

#endif
