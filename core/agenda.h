/*
 * agenda.h - the cadence agenda: what each account's cadence model says is due as of a day.
 *
 * What `kam agenda`, `kam activity` and `kam capacity` compute, kept out of the command line so
 * that the Lua module can call the same code. kam_agenda_compute() resolves each account's
 * current tier (kam_tiers_current, or tiers the caller gives), runs each region's cadence model
 * (kam.conf.lua's cadence table, else `tiered` with its defaults) in one read transaction, and
 * collects the actions due in a range of days, in agenda order (REFERENCE.md):
 *   tier (A first, then B, C, none), overdue_days descending, account id ascending (bytewise),
 *   then action (call, follow-up, visit, then any other name in bytewise order).
 * Nothing is stored.
 *
 * Regions that use the same model with the same resolved parameters (holidays included) share
 * one run, as in kam_segment(). A region's `holidays` parameter is the configuration's days off
 * for "*" and for that region (kam_config_holidays); its `as_of`, when the model declares one,
 * is the options' as_of.
 */
#ifndef KAM_AGENDA_H
#define KAM_AGENDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"
#include "segment.h"
#include "store.h"

typedef struct kam_agenda_opts {
	int32_t as_of;            /* the day computed for */
	int32_t due_from, due_to; /* keep the actions with due_from <= due <= due_to */
	const char *owner;        /* only this rep's accounts (NULL: every account) */
	const char *region;       /* only this region (NULL: all; "": the accounts without one) */
	/*
	 * Tiers to use instead of the current ones, one row per account in account id order (a
	 * candidate segmentation, kam_segment_rows); accounts not in it have no tier. NULL: the
	 * current tiers (kam_tiers_current as of as_of).
	 */
	const kam_tier_row *tiers;
	size_t ntiers;
} kam_agenda_opts;

/* Fills opts for the agenda as of a day: every account, actions due on or before it. */
void kam_agenda_opts_init(kam_agenda_opts *opts, int32_t as_of);

/*
 * One cache line (64 bytes, and the array aligned to them): the items are written each to its
 * place in agenda order, scattered, and a line written whole need not be read in first (agenda.c
 * writes them straight to memory).
 */
typedef struct kam_agenda_item {
	const char *account_id;
	const char *region;    /* "" when none */
	const char *owner;     /* "" when none */
	const char *action;    /* "call", "follow-up", "visit", ... */
	const char *detail;    /* NULL, or a slug such as the objection of a follow-up */
	double per_year;
	int32_t due;           /* day; overdue days are as_of - due (kam_agenda_overdue) */
	int32_t last;          /* the contact it follows, or KAM_NO_DAY */
	char tier;             /* 'A', 'B', 'C', or 0 when the account has none */
	uint8_t id_len;        /* strlen(account_id) */
} kam_agenda_item;

typedef struct kam_agenda {
	kam_agenda_item *items; /* in agenda order; their texts live until kam_agenda_free */
	size_t count;
	int32_t as_of;
	size_t accounts;        /* accounts the models ran over */
	size_t untiered;        /* of those, accounts without a tier (the model skips them) */
	/* Regions whose tiers were computed now (no stored segmentation), see kam_tier_set. */
	char **computed_regions;
	size_t ncomputed;
	size_t missing;         /* accounts absent from their region's current snapshot */
	size_t nruns;           /* model runs made */
	char error[640];        /* on failure: what went wrong */
	bool bad_opts;          /* on failure: the options were at fault (a region without accounts) */
	struct kam_agenda_mem *mem; /* internal */
} kam_agenda;

/*
 * Computes the agenda of `store` with the cadence models of `reg` as `cfg` chooses them (cfg
 * may be NULL: tiered with its defaults everywhere). Returns 0 with out filled (free with
 * kam_agenda_free, also after a failure), or with out->error set:
 *   KAM_ENOTFOUND  a configured model that is not loaded (the message lists the loaded cadence
 *                  models), or opts->region names a region without accounts (bad_opts)
 *   KAM_EINVAL     a configured model that is not a cadence model, a parameter the model does
 *                  not declare or a value not of its type (the message names the configuration
 *                  key)
 *   KAM_EPLUGIN    a model failed
 *   KAM_ENOMEM and store errors.
 */
int kam_agenda_compute(kam_store *store, const kam_registry *reg, const kam_config *cfg,
		       const kam_agenda_opts *opts, kam_agenda *out);
void kam_agenda_free(kam_agenda *a);

/* How many days item x is overdue: as_of - due (negative: not yet due). */
static inline int64_t kam_agenda_overdue(const kam_agenda *a, const kam_agenda_item *x)
{
	return (int64_t)a->as_of - x->due;
}

/*
 * Whether a long agenda may be made and printed with a helper thread: yes, unless the
 * environment variable KAM_AGENDA_THREADS is "0" (for tests: the list is the same either way).
 */
bool kam_agenda_threads(void);

/* ---- the objection playbook (DOMAIN.md §5) ---- */

/* The objection number (1..KAM_PLAYBOOK_COUNT) of a slug, or 0. */
int kam_objection_parse(const char *slug);
/* The slug of objection k (1..KAM_PLAYBOOK_COUNT), or NULL. */
const char *kam_objection_slug(int k);
/* What the contact says ("Your price is too high"), or NULL. */
const char *kam_objection_phrase(int k);
/* The built-in prepared response to objection k, or NULL. */
const char *kam_playbook_default(int k);
/* The configured response (cfg->playbook), else the built-in one; cfg may be NULL. */
const char *kam_playbook_response(const kam_config *cfg, int k);
/* The rule that goes with every response: handle an objection at most twice on one call. */
extern const char kam_playbook_rule[];

#endif
