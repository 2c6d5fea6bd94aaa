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

/* What a model said about one account. Strings are owned by the result. */
typedef struct kam_result {
	char *account_id;
	char *region;
	char tier;   /* 'A', 'B', 'C', or 0 when the model set none */
	double score;
	kam_factor *factors;
	size_t nfactors;
} kam_result;

typedef struct kam_run_spec {
	const kam_model *model;
	const kam_param *params; /* may be NULL */
	size_t nparams;
	int32_t as_of;           /* the day computed for */
	/* Which accounts: filter(ctx, account) != 0 keeps one; NULL keeps all. */
	int (*filter)(void *ctx, const kam_account *account);
	void *filter_ctx;
} kam_run_spec;

typedef struct kam_run_output {
	kam_result *results; /* one per account of the run, in account id order */
	size_t count;
	char error[512];     /* on failure: what went wrong, naming the model */
} kam_run_output;

/*
 * Runs spec->model over the accounts of `txn` that spec->filter keeps. Returns 0 with out filled
 * (free with kam_run_output_free), or: KAM_EINVAL (a parameter the model does not declare, or a
 * value not of its type: out->error says which), KAM_EPLUGIN (the model failed: out->error names
 * it and its code), KAM_ENOMEM, store errors. On failure out holds no results.
 */
int kam_run_model(kam_txn *txn, const kam_run_spec *spec, kam_run_output *out);
void kam_run_output_free(kam_run_output *out);

/*
 * Resolves parameter `name` of a model for a run: the given value if any, else the declared
 * default. Returns the text or NULL (undeclared, or no value and no default).
 */
const char *kam_param_value(const kam_model *model, const kam_param *params, size_t nparams,
			    const char *name);

#endif
