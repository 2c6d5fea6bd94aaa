/*
 * kam/plugin.h - the Kam plugin SDK (ABI major 1).
 *
 * A plugin is a shared object that includes only this header (and kam/errors.h) and exports one
 * symbol, KAM_PLUGIN_ENTRY_NAME, a function returning a pointer to a constant kam_plugin
 * descriptor. The host checks the descriptor's ABI major version and size before it calls
 * anything else in the plugin. A breaking change of this header gets a new major version and a
 * new symbol name, so an old plugin is refused with a clear message instead of misbehaving.
 *
 * Plugins are pure over their inputs: they never see the database, LMDB or Lua. Everything
 * reaches them through the kam_host table: read-only views of the accounts of one run (with
 * their rollups), each account's orders and interactions in a date window, the run's
 * parameters, logging, and a result sink. The host owns transactions and history, and stores a
 * run's results only after the plugin returned success, so a failing plugin changes nothing.
 *
 * Growth rules: kam_host, kam_plugin and kam_account_view only ever grow at the end, and each
 * carries its size. A plugin built against an older header keeps working with a newer host;
 * before calling a kam_host member added after ABI 1.0, check KAM_HOST_HAS(host, member).
 * kam_order_view and kam_interaction_view reach plugins as arrays that a plugin steps through
 * with its own sizeof, so their layout is frozen for ABI 1: new order or interaction figures will
 * come through new kam_host accessors, never through these structs.
 *
 * Units: money is an integer count of ten-thousandths (12.5 is 125000); a day is a count of days
 * since 1970-01-01 (KAM_NO_DAY when absent); text is UTF-8 given as pointer and length, not
 * NUL-terminated, valid until the run ends.
 */
#ifndef KAM_PLUGIN_H
#define KAM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <kam/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KAM_ABI_MAJOR 1
#define KAM_ABI_MINOR 3
#define KAM_PLUGIN_ENTRY kam_plugin_v1
#define KAM_PLUGIN_ENTRY_NAME "kam_plugin_v1"

#define KAM_NO_DAY INT32_MIN

/* What a plugin computes. */
typedef enum kam_plugin_kind {
	KAM_PLUGIN_SEGMENTATION = 1, /* tiers accounts A/B/C with a score and explaining factors */
	KAM_PLUGIN_CADENCE = 2,      /* turns tiers into due call/visit actions */
	KAM_PLUGIN_VALUE = 3,        /* scores client value, with metrics and a recommendation */
} kam_plugin_kind;

/* Parameter types; values are given as text and checked by the host against the type. */
typedef enum kam_param_type {
	KAM_PARAM_NUMBER = 1,  /* decimal number, read with param_number */
	KAM_PARAM_INTEGER = 2, /* integer, read with param_integer */
	KAM_PARAM_TEXT = 3,    /* text, read with param_text */
	KAM_PARAM_DATE = 4,    /* YYYY-MM-DD, read with param_day */
	KAM_PARAM_BOOL = 5,    /* true/false, read with param_integer (1/0) */
} kam_param_type;

typedef struct kam_param_def {
	const char *name;          /* lower-case, [a-z0-9_] */
	int type;                  /* kam_param_type */
	const char *default_value; /* text of the default; NULL: none (e.g. as_of is today) */
	const char *help;          /* one line */
} kam_param_def;

typedef struct kam_text {
	const char *ptr;
	size_t len;
} kam_text;

/* Bits of kam_account_view.present for the optional numeric fields. */
enum {
	KAM_VIEW_EMPLOYEES = 1u << 0,
	KAM_VIEW_NET_ASSETS = 1u << 1,
	KAM_VIEW_ANNUAL_REVENUE = 1u << 2,
	KAM_VIEW_WALLET = 1u << 3,
	KAM_VIEW_ROLLUP = 1u << 4, /* ABI 1.1: the rollup figures are filled in (see KAM_OMIT_ROLLUP) */
};

/* An account of the run with its rollup figures. Absent text has len 0. */
typedef struct kam_account_view {
	uint32_t size;  /* bytes of this struct the host filled in */
	uint32_t present; /* KAM_VIEW_* bits */
	kam_text id, name, region, industry, owner;
	int32_t channel; /* 0 absent, else 1..10 in the order of REFERENCE.md */
	int32_t stage;   /* 0 absent, else 1..5: prospect, appointment, proposal, won, service */
	int64_t employees;
	int64_t net_assets, annual_revenue, wallet; /* money */
	int32_t created;                             /* day or KAM_NO_DAY */
	/* Rollup figures over the account's whole history (not limited to a window). */
	uint32_t order_count, interaction_count;
	int32_t first_order, last_order;            /* days or KAM_NO_DAY */
	int32_t last_call, last_visit, last_interaction;
	int64_t revenue, profit;                    /* money */
	int64_t minutes;
} kam_account_view;

typedef struct kam_order_view {
	kam_text id;
	int32_t day;
	int32_t sec;      /* seconds of the day, or -1 when the date has no time */
	int64_t amount;   /* money */
	int64_t profit;   /* money; 0 when has_profit is 0 */
	uint8_t has_profit;
} kam_order_view;

typedef struct kam_interaction_view {
	kam_text id;
	int32_t day;
	int32_t sec;
	int64_t minutes;  /* 0 when has_minutes is 0 */
	uint8_t has_minutes;
	uint8_t kind;      /* 1..5: call, visit, email, meeting, other */
	uint8_t outcome;   /* 0 absent, 1..5: connected, no-answer, objection, appointment, callback */
	uint8_t objection; /* 0 absent, 1..7 in the order of REFERENCE.md */
} kam_interaction_view;

enum kam_log_level { KAM_LOG_ERROR = 0, KAM_LOG_WARNING = 1, KAM_LOG_INFO = 2, KAM_LOG_DEBUG = 3 };

/* One invocation of a plugin over a set of accounts; opaque, owned by the host. */
typedef struct kam_run kam_run;

/*
 * The host's services. Every function that takes a run is valid only during the plugin's run
 * call; the others also during init and fini. Functions that can fail return 0 or a KAM_E* code.
 */
typedef struct kam_host {
	uint32_t size; /* sizeof(kam_host) of the host */
	uint32_t abi_major, abi_minor;

	/* Logs a message under the plugin's name (printf format). run may be NULL. */
	void (*log)(kam_run *run, int level, const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 3, 4)))
#endif
		;

	/*
	 * The run's parameter `name` (given by the user, the configuration, or the declared default).
	 * Returns 0; KAM_ENOTFOUND when the plugin declared no such parameter or it has no value;
	 * KAM_EINVAL when the declared type differs from the accessor.
	 */
	int (*param_number)(kam_run *run, const char *name, double *out);
	int (*param_integer)(kam_run *run, const char *name, int64_t *out);
	int (*param_text)(kam_run *run, const char *name, kam_text *out);
	int (*param_day)(kam_run *run, const char *name, int32_t *out);

	/* The date the run is computed for (the as_of of the run): a day. */
	int32_t (*as_of)(kam_run *run);

	/* Accounts of the run, in id order: 0 <= index < account_count. */
	size_t (*account_count)(kam_run *run);
	const kam_account_view *(*account)(kam_run *run, size_t index);
	/* A custom attribute of an account (a CSV column the format does not know). KAM_ENOTFOUND. */
	int (*account_attr)(kam_run *run, size_t index, const char *name, kam_text *out);

	/*
	 * The account's orders / interactions with from_day <= day <= to_day, in (date, id) order.
	 * The array belongs to the host and stays valid until the next call of the same function in
	 * this run (copy what must live longer). Asking for accounts in increasing index order is
	 * fastest: the host then reads its index sequentially.
	 */
	int (*orders)(kam_run *run, size_t index, int32_t from_day, int32_t to_day,
		      const kam_order_view **out, size_t *count);
	int (*interactions)(kam_run *run, size_t index, int32_t from_day, int32_t to_day,
			    const kam_interaction_view **out, size_t *count);

	/*
	 * Segmentation result of an account: tier 'A', 'B' or 'C' and a score (the metric the tier
	 * was cut on). Setting it again replaces it. KAM_EINVAL for another tier letter.
	 */
	int (*set_tier)(kam_run *run, size_t index, char tier, double score);
	/*
	 * A named factor that explains the account's result ("revenue", "cum_share"), with a number
	 * and an optional note (NULL, or text such as an RFM segment name). Copied by the host.
	 */
	int (*add_factor)(kam_run *run, size_t index, const char *name, double value,
			  const char *note);

	/* Calendar arithmetic the host already has: calendar months with month-end clamping. */
	int32_t (*add_months)(int32_t day, int months);
	/* The civil date of a day. */
	void (*civil)(int32_t day, int *year, int *month, int *mday);

	/* Cadence and value models (ABI 1.0 as well; a host may leave them NULL for other kinds). */

	/*
	 * The account's current tier ('A', 'B', 'C'), as the host resolved it for this run (the
	 * latest stored segmentation of its region, else abc with defaults); 0 when unknown.
	 */
	char (*tier)(kam_run *run, size_t index);
	/*
	 * Cadence result: the account's next `action` ("call", "visit", "follow-up", ...) is due on
	 * `due_day`; `last_day` is the contact it follows (KAM_NO_DAY: none), `per_year` how often the
	 * policy repeats it in a year (12 for monthly; 0 for a one-off), `detail` an optional slug such
	 * as the objection of a follow-up. The host decides what is on the agenda as of a date.
	 */
	int (*add_action)(kam_run *run, size_t index, const char *action, int32_t due_day,
			  int32_t last_day, double per_year, const char *detail);
	/* Value result: the account's value score and an optional recommendation (copied). */
	int (*set_value)(kam_run *run, size_t index, double value, const char *recommendation);
	/* A named metric of a value model ("share_of_wallet", "p_alive"); copied. */
	int (*add_metric)(kam_run *run, size_t index, const char *name, double value);

	/* Members added after ABI 1.0 go below this line, never above. */

	/*
	 * ABI 1.2: the host's own copy of `text` for this run (NULL when out of memory). A name,
	 * action, detail or note given to add_factor, add_action or add_metric as such a copy is
	 * taken as it is: the host does not read it again to see whether it changed, which a model
	 * that gives the same few names for a million accounts notices. Check KAM_HOST_HAS first.
	 */
	const char *(*intern)(kam_run *run, const char *text);

	/*
	 * ABI 1.3: one field of account `index`, as its view has it (KAM_FIELD_*): a text field
	 * (id, name, region, industry, owner) through account_text, the others through
	 * account_number (channel and stage as their numbers, money in its units, created as a
	 * day). Returns 0; KAM_ENOTFOUND when the account has no value for the field (an empty
	 * text, a number its view's `present` bits or 0 / KAM_NO_DAY mark absent); KAM_EINVAL for
	 * an index out of range or a field of the other kind. A text stays valid for the run. A
	 * plugin that omits the views (KAM_OMIT_VIEWS) reads its few fields this way. Check
	 * KAM_HOST_HAS first.
	 */
	int (*account_text)(kam_run *run, size_t index, int field, kam_text *out);
	int (*account_number)(kam_run *run, size_t index, int field, int64_t *out);
} kam_host;

/* Fields of account_text and account_number (ABI 1.3). */
enum kam_account_field {
	KAM_FIELD_ID = 1,
	KAM_FIELD_NAME,
	KAM_FIELD_REGION,
	KAM_FIELD_INDUSTRY,
	KAM_FIELD_OWNER, /* the last text field */
	KAM_FIELD_CHANNEL,
	KAM_FIELD_STAGE,
	KAM_FIELD_EMPLOYEES,
	KAM_FIELD_NET_ASSETS,
	KAM_FIELD_ANNUAL_REVENUE,
	KAM_FIELD_WALLET,
	KAM_FIELD_CREATED,
};

/* Whether a host table has a member (added after the plugin was built against it). */
#define KAM_HOST_HAS(host, member)                                                                 \
	((host)->size >= offsetof(kam_host, member) + sizeof((host)->member) && (host)->member)

/* The plugin descriptor. */
typedef struct kam_plugin {
	uint32_t abi_major; /* KAM_ABI_MAJOR: checked first */
	uint32_t size;      /* sizeof(kam_plugin) of the plugin's build */
	const char *name;   /* unique among loaded plugins, lower-case, e.g. "abc" */
	int kind;           /* kam_plugin_kind */
	const char *version;     /* the plugin's own version, e.g. "1.0.0" */
	const char *description; /* one line */
	const kam_param_def *params;
	size_t nparams;
	/*
	 * Called once after loading. May set *state for later calls. A non-zero return refuses the
	 * load: the plugin is unloaded and fini is not called. NULL: nothing to do.
	 */
	int (*init)(const kam_host *host, void **state);
	/* Called once before unloading, only after a successful init. NULL: nothing to do. */
	void (*fini)(void *state);
	/*
	 * Computes the results of one run. Return 0, or a KAM_E* code (the host then discards every
	 * result of the run and reports the failure with the plugin's name).
	 */
	int (*run)(void *state, const kam_host *host, kam_run *run);

	/* Members added after ABI 1.0 go below this line, never above. */

	/*
	 * ABI 1.1: KAM_OMIT_* bits naming the parts of the account views that run never reads, so
	 * that the host need not read them from the database either. 0 (and a plugin built against
	 * ABI 1.0, which has no such member): the host fills in everything.
	 */
	uint32_t omit;
} kam_plugin;

/* Bits of kam_plugin.omit. */
enum {
	/*
	 * The rollup figures of kam_account_view, order_count to minutes: the host leaves them as
	 * for an account without orders and interactions (counts and sums 0, days KAM_NO_DAY) and
	 * does not set KAM_VIEW_ROLLUP. A whole-book run then reads a third less of the database.
	 */
	KAM_OMIT_ROLLUP = 1u << 0,
	/*
	 * ABI 1.3: run reads accounts through account_text and account_number, and seldom or never
	 * through account. The host then keeps only what those read most (id, region, owner,
	 * channel, created) for each account, a third of a view, and builds an account's view
	 * when account first asks for it, by looking the account up again: fine for a few
	 * accounts, slow for all of them. Honoured together with KAM_OMIT_ROLLUP only.
	 */
	KAM_OMIT_VIEWS = 1u << 1,
};

/* Whether a descriptor has a member (one added after ABI 1.0, for a plugin built before). */
#define KAM_PLUGIN_HAS(desc, member)                                                               \
	((desc)->size >= offsetof(kam_plugin, member) + sizeof((desc)->member))

/* The type of the exported entry point. */
typedef const kam_plugin *(*kam_plugin_entry_fn)(void);

/*
 * Defines the entry point returning `descriptor` (a const kam_plugin object). Build plugins with
 * -fvisibility=hidden: this is then the only symbol they export.
 */
#define KAM_PLUGIN_EXPORT(descriptor)                                                              \
	__attribute__((visibility("default"))) const kam_plugin *KAM_PLUGIN_ENTRY(void);           \
	__attribute__((visibility("default"))) const kam_plugin *KAM_PLUGIN_ENTRY(void)            \
	{                                                                                          \
		return &(descriptor);                                                              \
	}

#ifdef __cplusplus
}
#endif

#endif /* KAM_PLUGIN_H */
