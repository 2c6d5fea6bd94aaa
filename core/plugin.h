/*
 * plugin.h - loading plugins and keeping the models they provide.
 *
 * A model is a kam_plugin descriptor plus its state: from a shared object loaded with dlopen, or
 * from memory (a model defined in Lua, or a test's mock). The registry checks a descriptor before
 * calling anything in it (ABI major version, struct size, name, kind, entry points), refuses
 * duplicates, runs init, and unloads everything (fini, then dlclose) when freed. Loading is
 * transactional: a refused plugin leaves the registry as it was.
 *
 * Search order for a plugin given by name (NAME.so):
 *   1. each directory of $KAM_PLUGIN_PATH (colon-separated), in order;
 *   2. DIR/plugins and DIR/../lib/kam/plugins, where DIR holds the running executable (the build
 *      tree and a relocated install);
 *   3. the installed plugin directory (KAM_PLUGIN_DIR, set at build time).
 */
#ifndef KAM_CORE_PLUGIN_H
#define KAM_CORE_PLUGIN_H

#include <stddef.h>

#include <kam/plugin.h>

typedef struct kam_model {
	const kam_plugin *desc;
	void *state;        /* what init set */
	void *handle;       /* dlopen handle, or NULL for in-memory models */
	char *origin;       /* the file it came from, or a label such as "lua:FILE" */
} kam_model;

typedef struct kam_registry kam_registry;

int kam_registry_new(kam_registry **out);
/* Calls fini of every model (in reverse load order), closes their libraries, frees. NULL ok. */
void kam_registry_free(kam_registry *reg);

/*
 * Loads a plugin: `what` is a path when it contains '/', else a name looked up as NAME.so in the
 * search path. Returns 0, or with a message in err ("FILE: ..."):
 *   KAM_ENOTFOUND  no such file / not in the search path (the message lists where it looked)
 *   KAM_EPLUGIN    dlopen failed, or the file exports no KAM_PLUGIN_ENTRY_NAME symbol, or the
 *                  descriptor is malformed, or init failed (with its code)
 *   KAM_EABI       built for another ABI major version, or a descriptor smaller than ABI 1.0's
 *   KAM_EEXIST     a model of that name is already loaded
 */
int kam_registry_load(kam_registry *reg, const char *what, char *err, size_t errlen);

/*
 * Loads every *.so of every directory in the search path, skipping names already loaded (the
 * first found wins). Failures are reported through on_error (may be NULL) and skipped.
 * Returns the number of plugins loaded.
 */
size_t kam_registry_load_all(kam_registry *reg,
			     void (*on_error)(void *ctx, const char *message), void *ctx);

/*
 * Adds a model whose descriptor is already in memory (a Lua-defined model, a mock). The
 * descriptor must outlive the registry. Checks and init as for kam_registry_load; `origin` is
 * copied. Returns 0, KAM_EABI, KAM_EPLUGIN, KAM_EEXIST, KAM_ENOMEM.
 */
int kam_registry_add(kam_registry *reg, const kam_plugin *desc, const char *origin, char *err,
		     size_t errlen);

/* The model called `name` (any kind), or NULL. */
const kam_model *kam_registry_find(const kam_registry *reg, const char *name);
size_t kam_registry_count(const kam_registry *reg);
const kam_model *kam_registry_at(const kam_registry *reg, size_t i);

/* The plugin kind's name: "segmentation", "cadence", "value", or "unknown". */
const char *kam_plugin_kind_name(int kind);

/*
 * The name of the plugin whose run is on the stack right now (NULL when none), so that a fatal
 * signal inside a plugin can be reported naming it. Set by the run engine around each call.
 */
extern const char *volatile kam_plugin_running;

/* The host services table handed to every plugin. */
const kam_host *kam_host_services(void);

/*
 * The plugin search path, in the order above (directories that do not exist are included).
 * Returns 0 with *dirs (an array of *count malloc'd strings; free with kam_plugin_dirs_free), or
 * KAM_ENOMEM.
 */
int kam_plugin_dirs(char ***dirs, size_t *count);
void kam_plugin_dirs_free(char **dirs, size_t count);

#endif
