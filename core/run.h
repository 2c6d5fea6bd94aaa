/*
 * run.h - running a model over a set of accounts and collecting its results.
 *
 * The host side of the SDK: it builds the account views of a run from one read transaction,
 * serves orders and interactions from the by-account indexes, checks the run's parameters
 * against what the model declares, and collects tiers, scores and factors. A run's results are
 * returned only when the model succeeded; on failure they are discarded.
 */
#ifndef KAM_RUN_H
#define KAM_RUN_H

#include <stddef.h>

#include "plugin.h"
#include "store.h"

/* A parameter as the user or the configuration gave it: text, checked against the model. */
typedef struct kam_param {
	const char *name;
	const char *value;
} kam_param;

typedef struct kam_factor {
	char *name;
	double value;
	char *note; /* NULL when none */
} kam_factor;

/* A cadence model's action for an account (add_action). */
typedef struct kam_action {
	char *action;     /* "call", "visit", "follow-up", ... */
	int32_t due_day;
	int32_t last_day; /* the contact it follows, or KAM_NO_DAY */
	double per_year;  /* how often the policy repeats it in a year; 0 for a one-off */
	char *detail;     /* NULL when none, else a slug such as an objection */
} kam_action;

/*
 * What a model said about one account. Its strings and factors belong to the kam_run_output
 * (kept in one arena, not malloc'd one by one) and live until kam_run_output_free; factor
 * names and regions are shared between results. region is "" for an account without one.
 */
typedef struct kam_result {
	char *account_id;
	char *region;
	char tier;   /* 'A', 'B', 'C', or 0 when the model set none */
	uint8_t id_len; /* strlen(account_id) (ids are at most KAM_ID_MAX bytes) */
	double score;
	kam_factor *factors;
	size_t nfactors;
	/* Value models: set_value and add_metric (metrics have no note). */
	int has_value;        /* set_value was called */
	double value;
	char *recommendation; /* NULL when none */
	kam_factor *metrics;
	size_t nmetrics;
	/* Cadence models: add_action, in the order added. */
	kam_action *actions;
	size_t nactions;
} kam_result;

typedef struct kam_run_spec {
	const kam_model *model;
	const kam_param *params; /* may be NULL */
	size_t nparams;
	int32_t as_of;           /* the day computed for */
	/* Which accounts: filter(ctx, account) != 0 keeps one; NULL keeps all. */
	int (*filter)(void *ctx, const kam_account *account);
	void *filter_ctx;
	/*
	 * An account's current tier for host->tier() (cadence models): 'A', 'B', 'C' or 0 when
	 * unknown. Called at most once per account of the run, when the model first asks, with
	 * its place in the run (with kept: the order in which kept met it) and its id. NULL: every
	 * tier is unknown (0).
	 */
	char (*tier_of)(void *ctx, size_t index, kam_text account_id);
	void *tier_ctx;
	/*
	 * Where filter may be called; large books load faster the freer it is.
	 * KAM_FILTER_HERE (0): from this thread only.
	 * KAM_FILTER_ANYWHERE: from a helper thread, at the same time as from this one, in any
	 * order (it reads only what does not change during the run).
	 */
	int filter_threads;
	/*
	 * Called with filter_ctx for every account the filter kept (all, without a filter), on
	 * this thread, in id order, before the model runs; NULL: nothing to call. A filter that must
	 * note something of the accounts it keeps, in their order or from the run's transaction,
	 * does it here and stays free to run on a helper: a large book is then read by a helper
	 * that also filters, while this thread calls kept and builds the views. The account's id is
	 * the run's copy, the text its view and result show, which lives as long as the results.
	 * Returns 0, or a KAM_E* code that ends the run with it.
	 */
	int (*kept)(void *ctx, const kam_account *account);
} kam_run_spec;

enum { KAM_FILTER_HERE, KAM_FILTER_ANYWHERE };

typedef struct kam_run_output {
	kam_result *results; /* one per account of the run, in account id order */
	size_t count;
	char error[512];     /* on failure: what went wrong, naming the model */
	int32_t as_of;       /* the day the run computed for (see kam_run_model) */
	struct kam_run_mem *mem; /* owns the results' strings and factors; internal */
} kam_run_output;

/*
 * Runs spec->model over the accounts of `txn` that spec->filter keeps. Returns 0 with out filled
 * (free with kam_run_output_free), or: KAM_EINVAL (a parameter the model does not declare, or a
 * value not of its type: out->error says which), KAM_EPLUGIN (the model failed: out->error names
 * it and its code), KAM_ENOMEM, store errors. On failure out holds no results (but may still be
 * passed to kam_run_output_free).
 *
 * When a parameter is given twice, the last value wins (configuration first, then the user).
 * The run's as_of is spec->as_of, unless the model declares a date parameter "as_of" and the
 * parameters give it: then that value, for host->as_of() too. A declared "as_of" that is not
 * given reads as the run's as_of (param_day), whatever its default. out->as_of tells the day used.
 */
int kam_run_model(kam_txn *txn, const kam_run_spec *spec, kam_run_output *out);
void kam_run_output_free(kam_run_output *out);

/*
 * Resolves parameter `name` of a model for a run: the given value if any, else the declared
 * default. Returns the text or NULL (undeclared, or no value and no default).
 */
const char *kam_param_value(const kam_model *model, const kam_param *params, size_t nparams,
			    const char *name);

/* A parameter type's name: "number", "integer", "text", "date", "bool", or "unknown". */
const char *kam_param_type_name(int type);
/* What a value of the type looks like, for messages: "a number", "a date YYYY-MM-DD", ... */
const char *kam_param_type_phrase(int type);
/*
 * Checks the text of a value against a parameter type: number (a whole-string strtod, finite),
 * integer (decimal, int64), text (anything), date (YYYY-MM-DD, no time), bool (true or false).
 * Returns 0 or KAM_EINVAL.
 */
int kam_param_check(int type, const char *text);

/*
 * Internal: the host services that plugin.c puts in the kam_host table (see kam/plugin.h for
 * what each does). kam_host_enter names the plugin that log(NULL, ...) speaks for while the host
 * calls its init or fini; it returns the previous one, to be restored after the call.
 */
const kam_plugin *kam_host_enter(const kam_plugin *desc);
void kam_host_log(kam_run *run, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kam_host_param_number(kam_run *run, const char *name, double *out);
int kam_host_param_integer(kam_run *run, const char *name, int64_t *out);
int kam_host_param_text(kam_run *run, const char *name, kam_text *out);
int kam_host_param_day(kam_run *run, const char *name, int32_t *out);
int32_t kam_host_as_of(kam_run *run);
size_t kam_host_account_count(kam_run *run);
const kam_account_view *kam_host_account(kam_run *run, size_t index);
int kam_host_account_attr(kam_run *run, size_t index, const char *name, kam_text *out);
int kam_host_orders(kam_run *run, size_t index, int32_t from_day, int32_t to_day,
		    const kam_order_view **out, size_t *count);
int kam_host_interactions(kam_run *run, size_t index, int32_t from_day, int32_t to_day,
			  const kam_interaction_view **out, size_t *count);
int kam_host_set_tier(kam_run *run, size_t index, char tier, double score);
int kam_host_add_factor(kam_run *run, size_t index, const char *name, double value,
			const char *note);
char kam_host_tier(kam_run *run, size_t index);
int kam_host_add_action(kam_run *run, size_t index, const char *action, int32_t due_day,
			int32_t last_day, double per_year, const char *detail);
int kam_host_set_value(kam_run *run, size_t index, double value, const char *recommendation);
int kam_host_add_metric(kam_run *run, size_t index, const char *name, double value);
const char *kam_host_intern(kam_run *run, const char *text);
int kam_host_account_text(kam_run *run, size_t index, int field, kam_text *out);
int kam_host_account_number(kam_run *run, size_t index, int field, int64_t *out);
int32_t kam_host_add_months(int32_t day, int months);
void kam_host_civil(int32_t day, int *year, int *month, int *mday);

#endif
