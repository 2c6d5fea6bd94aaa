/*
 * value.h - valuing a book: choosing value models per region, running them, storing value
 * snapshots, and the alerts on key accounts that are slipping away.
 *
 * What `kam value` and `kam alerts` do, kept out of the command line so that other front ends
 * can call the same code. kam_value() mirrors kam_segment() (segment.h): every model run happens
 * in one read transaction, and only when all of them succeeded are their results written, all
 * snapshots in one write transaction. Value snapshots have kind KAM_PLUGIN_VALUE and their own
 * current pointer per region (snapshot.h), so a region has a current segmentation and a current
 * valuation side by side.
 *
 * The model of a region comes from the configuration's `value` table (config.h: value.regions[R],
 * else value.default, else KAM_DEFAULT_VALUE, "customer-value", with its defaults). Regions with
 * the same model and resolved parameters share one run.
 */
#ifndef KAM_VALUE_H
#define KAM_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"
#include "run.h"
#include "segment.h"
#include "snapshot.h"
#include "store.h"

typedef struct kam_value_opts {
	/* Only the accounts of this region (NULL: every region; "" is the accounts without one). */
	const char *region;
	/* Run this model for every region (NULL: each region's configured value model). */
	const char *model;
	/*
	 * Parameters given by the user, applied over the configured ones (with `model`: over the
	 * model's defaults); each must be declared by every model it is applied to. An "as_of" here
	 * replaces opts.as_of.
	 */
	const kam_param *params;
	size_t nparams;
	int32_t as_of; /* the day to compute for */
	bool dry_run;  /* compute, store nothing */
} kam_value_opts;

typedef struct kam_value_result {
	/*
	 * Runs with at least one account, in the order they ran: info (model, version, resolved
	 * parameters, as_of, regions, id of the stored snapshot or 0 on a dry run) and the results.
	 */
	kam_segment_run *runs;
	size_t nruns;
	char error[640];
	bool bad_opts; /* on failure: the options were at fault (model, params, region) */
} kam_value_result;

/*
 * Values the book of `store` (open for writing unless opts->dry_run) with the value models of
 * `reg` as `cfg` chooses them (cfg may be NULL) and `opts` overrides. Returns 0 with out filled
 * (free with kam_value_result_free), or with out->error set:
 *   KAM_ENOTFOUND  a model that is not loaded (the message lists the loaded value models), or
 *                  opts->region names a region without accounts
 *   KAM_EINVAL     a model that is not a value model, a parameter the model does not declare,
 *                  a value not of its type
 *   KAM_EPLUGIN    a model failed (nothing was stored)
 *   KAM_ENOMEM and store errors.
 */
int kam_value(kam_store *store, const kam_registry *reg, const kam_config *cfg,
	      const kam_value_opts *opts, kam_value_result *out);
void kam_value_result_free(kam_value_result *r);

/* One account's value result and the run it came from. */
typedef struct kam_value_row {
	const kam_result *r;           /* points into a run's output */
	const kam_snapshot_info *info; /* the run's model, version, as_of, snapshot id */
} kam_value_row;

/*
 * The results of a valuation's runs merged into one list in account id order (pointers into r,
 * valid until r is freed). Returns 0 or KAM_ENOMEM; *rows is malloc'd.
 */
int kam_value_rows(const kam_value_result *r, kam_value_row **rows, size_t *count);

/* ---- alerts: tier-A accounts slipping away ---- */

/* Bits of kam_alert.signals. */
enum {
	KAM_ALERT_P_ALIVE = 1u << 0,         /* P(alive) below the threshold */
	KAM_ALERT_ORDER_RATE = 1u << 1,      /* order rate of the recent window fell */
	KAM_ALERT_SHARE_OF_WALLET = 1u << 2, /* share of wallet of the last 12 months fell */
	KAM_ALERT_REVENUE = 1u << 3,         /* the same, for an account without a wallet */
};

typedef struct kam_alert_opts {
	int32_t as_of;        /* the day D */
	double p_alive_below; /* P(alive) threshold (default 0.5) */
	double drop;          /* relative fall that fires the rate signals (default 0.3) */
	bool all;             /* list every tier-A account, also those without a signal */
	bool fresh;           /* always run customer-value now, ignore stored snapshots */
} kam_alert_opts;

#define KAM_ALERT_RECENT_DAYS 182   /* the recent order window: D - 182 < day <= D */
#define KAM_ALERT_PREVIOUS_DAYS 365 /* the one before it: D - 547 < day <= D - 182 */

typedef struct kam_alert {
	char *account_id, *owner, *region; /* "" when absent */
	char tier;
	unsigned signals;       /* KAM_ALERT_* */
	bool has_p_alive;
	double p_alive;
	uint64_t p_alive_snapshot; /* the value snapshot it came from; 0: computed now */
	uint32_t orders_recent, orders_previous;
	double order_rate_change;  /* recent rate / previous rate - 1; NAN without previous orders */
	kam_money revenue_12m, revenue_prev_12m;
	double revenue_change;     /* revenue_12m / revenue_prev_12m - 1; NAN when prev <= 0 */
	bool has_wallet;
	double share_of_wallet, share_of_wallet_prev; /* revenue / wallet, with has_wallet */
} kam_alert;

typedef struct kam_alert_set {
	kam_alert *alerts; /* sorted: most signals first, then account id */
	size_t count;
	size_t tier_a;     /* tier-A accounts looked at */
	size_t from_snapshots, computed; /* P(alive) sources */
	char error[640];
} kam_alert_set;

/*
 * Computes the alerts as of opts->as_of over the tier-A accounts of `txn` (tiers as
 * kam_tiers_current gives them). P(alive) is the p_alive metric of customer-value: from the
 * region's current value snapshot when customer-value made it as of the same day, else from a
 * run of customer-value now (not stored) over the regions that lack one, with the parameters
 * of value.default when that is customer-value (else its defaults). Returns 0 (free with
 * kam_alert_set_free), KAM_ENOTFOUND (customer-value is needed and not loaded), KAM_EPLUGIN,
 * KAM_ENOMEM, store errors; out->error says what went wrong.
 */
int kam_alerts(kam_txn *txn, const kam_registry *reg, const kam_config *cfg,
	       const kam_alert_opts *opts, kam_alert_set *out);
void kam_alert_set_free(kam_alert_set *s);

/* "p_alive;order_rate" etc.: the names of the signals in `bits`, ';'-separated, into buf. */
size_t kam_alert_signal_names(unsigned bits, char *buf, size_t len);

#endif
