/*
 * fake_host.h - a kam_host over in-memory data, for plugin unit tests.
 *
 * A test builds a run for one plugin descriptor, fills it (accounts with their fields and
 * rollups, each account's orders and interactions, parameters as name=value text, the as_of
 * day), calls fake_run() and then asserts on what the plugin reported per account (tier, score,
 * factors) and on what it logged. The plugin's source is compiled into the test, so the test gets
 * the descriptor straight from KAM_PLUGIN_ENTRY() (declared below) without dlopen.
 *
 * Like the real host, the fake checks parameters against the plugin's declared types (a value
 * that does not parse as its type makes the accessor return KAM_EINVAL), serves orders and
 * interactions in (date, id) order, copies factor names and notes, and discards every result of
 * a run whose plugin returned an error. It also counts misuse (an index out of range, a bad
 * tier letter, a NULL name) and the order of orders() calls, so tests can assert that a plugin
 * used the host correctly. Calendar code (add_months, civil) is the fake's own.
 *
 * Everything aborts on out-of-memory or on a malformed test input (a bad date or money text):
 * these are bugs in the test, not conditions to handle.
 */
#ifndef KAM_FAKE_HOST_H
#define KAM_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <kam/plugin.h>

/* The plugin under test (its source is compiled into the test program). */
const kam_plugin *KAM_PLUGIN_ENTRY(void);

/* The host table; the same for every run. */
const kam_host *fake_host(void);

/* A new, empty run of `plugin`; as_of defaults to 2024-12-31. Free with fake_run_free. */
kam_run *fake_run_new(const kam_plugin *plugin);
void fake_run_free(kam_run *run);

/* Sets the day the host's as_of() returns. */
void fake_set_as_of(kam_run *run, int32_t day);

/*
 * Sets parameter `name` to `value` (text, as a user would give it; NULL removes it so the
 * declared default applies again). Returns 0, or KAM_ENOTFOUND when the plugin declares no such
 * parameter (so a test's typo fails loudly).
 */
int fake_param(kam_run *run, const char *name, const char *value);

/*
 * Adds an account and returns its index. Accounts are served in the order they are added; the
 * real host serves them in id order, so a test should add them sorted unless it means not to.
 * `region` may be NULL (absent). The view's size is sizeof(kam_account_view) and every optional
 * field is absent; set more with the functions below or through fake_view.
 */
size_t fake_account(kam_run *run, const char *id, const char *region);
/* The account's view, to set numeric fields, present bits and rollups directly. */
kam_account_view *fake_view(kam_run *run, size_t index);
/* Sets a text field of the view: "name", "region", "industry" or "owner" (the text is copied). */
void fake_account_text(kam_run *run, size_t index, const char *field, const char *value);
/* Sets a custom attribute (served by account_attr). */
void fake_account_attr(kam_run *run, size_t index, const char *name, const char *value);

/*
 * Adds an order. `date` is "YYYY-MM-DD" (or with "THH:MM[:SS]"); `amount` and `profit` are
 * decimal money text with at most 4 decimals ("12.5", "-3"); profit may be NULL (absent).
 */
void fake_order(kam_run *run, size_t index, const char *id, const char *date, const char *amount,
		const char *profit);
/* Adds an interaction; kind 1..5, outcome 0..5, objection 0..7; minutes < 0: absent. */
void fake_interaction(kam_run *run, size_t index, const char *id, const char *date, int kind,
		      int outcome, int objection, int64_t minutes);

/* Runs the plugin: init (if any), run, fini. Returns what init or run returned. */
int fake_run(kam_run *run);
/*
 * Makes fake_run hand the plugin the host table of an older ABI minor (2: without
 * account_text and account_number, as kam 1.2 had), so that a test sees the plugin work there
 * too. The default is KAM_ABI_MINOR.
 */
void fake_host_minor(kam_run *run, int minor);

/* Results of the last fake_run for an account. tier is 0 when the plugin set none. */
char fake_tier(const kam_run *run, size_t index);
double fake_score(const kam_run *run, size_t index);
size_t fake_factor_count(const kam_run *run, size_t index);
/*
 * The factor called `name` (the first one when added twice): 0 with *value and *note (NULL when
 * none; either pointer may be NULL) set, or KAM_ENOTFOUND.
 */
int fake_factor(const kam_run *run, size_t index, const char *name, double *value,
		const char **note);
/* The factor's value, or NAN when the account has no such factor. */
double fake_factor_value(const kam_run *run, size_t index, const char *name);

/* The last message the plugin logged (empty when none), and how many it logged. */
const char *fake_last_log(const kam_run *run);
size_t fake_log_count(const kam_run *run);
/* Host calls with invalid arguments (index out of range, bad tier, NULL name or pointer). */
size_t fake_misuse(const kam_run *run);
/* orders() calls in the last run, and how many asked for an index below the previous one's. */
size_t fake_orders_calls(const kam_run *run);
size_t fake_orders_backwards(const kam_run *run);

/*
 * Value and cadence models. fake_account_tier sets what host->tier() answers for an account
 * (0: unknown, the default); it is an input and survives runs.
 */
void fake_account_tier(kam_run *run, size_t index, char tier);
/* Whether set_value was called for the account, the value (NAN when not), its recommendation
 * (NULL when none or not set). */
int fake_has_value(const kam_run *run, size_t index);
double fake_value(const kam_run *run, size_t index);
const char *fake_recommendation(const kam_run *run, size_t index);
/* Metrics added with add_metric; fake_metric is the first of that name, or NAN. */
size_t fake_metric_count(const kam_run *run, size_t index);
double fake_metric(const kam_run *run, size_t index, const char *name);
/* Actions added with add_action, in the order added: 0, or KAM_ENOTFOUND past the last. Any
 * output pointer may be NULL; detail is NULL when none. */
size_t fake_action_count(const kam_run *run, size_t index);
int fake_action(const kam_run *run, size_t index, size_t k, const char **action, int32_t *due,
		int32_t *last, double *per_year, const char **detail);

/* Calendar helpers (the fake's own code, also behind the host's add_months and civil). */
int32_t fake_day(int year, int month, int mday);
/* Parses "YYYY-MM-DD" (aborts on anything else). */
int32_t fake_date(const char *text);
/* Parses decimal money text with at most 4 decimals into ten-thousandths (aborts when bad). */
int64_t fake_money(const char *text);

#endif
