/* plugin.c - loading plugins, checking their descriptors and keeping the models they provide. */
#include "plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "run.h"

#define NAME_MAX_LEN 64   /* bytes in a plugin or parameter name */
#define PARAMS_MAX 256    /* parameters a plugin may declare */

/* The smallest descriptor a plugin built against ABI 1.0 can have: up to and including run. */
#define PLUGIN_SIZE_1_0 (offsetof(kam_plugin, run) + sizeof(((kam_plugin *)0)->run))

struct kam_registry {
	kam_model **models; /* each allocated alone, so the pointers handed out stay valid */
	size_t count, cap;
};

static const kam_host host_table = {
	.size = sizeof(kam_host),
	.abi_major = KAM_ABI_MAJOR,
	.abi_minor = KAM_ABI_MINOR,
	.log = kam_host_log,
	.param_number = kam_host_param_number,
	.param_integer = kam_host_param_integer,
	.param_text = kam_host_param_text,
	.param_day = kam_host_param_day,
	.as_of = kam_host_as_of,
	.account_count = kam_host_account_count,
	.account = kam_host_account,
	.account_attr = kam_host_account_attr,
	.orders = kam_host_orders,
	.interactions = kam_host_interactions,
	.set_tier = kam_host_set_tier,
	.add_factor = kam_host_add_factor,
	.add_months = kam_host_add_months,
	.civil = kam_host_civil,
	.tier = kam_host_tier,
	.add_action = kam_host_add_action,
	.set_value = kam_host_set_value,
	.add_metric = kam_host_add_metric,
	.intern = kam_host_intern,
	.account_text = kam_host_account_text,
	.account_number = kam_host_account_number,
};

const char *volatile kam_plugin_running;

const kam_host *kam_host_services(void)
{
	return &host_table;
}

const char *kam_plugin_kind_name(int kind)
{
	switch (kind) {
	case KAM_PLUGIN_SEGMENTATION: return "segmentation";
	case KAM_PLUGIN_CADENCE: return "cadence";
	case KAM_PLUGIN_VALUE: return "value";
	}
	return "unknown";
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

int kam_registry_new(kam_registry **out)
{
	if (!out)
		return KAM_EINVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : KAM_ENOMEM;
}

static void model_free(kam_model *m)
{
	if (!m)
		return;
	free(m->origin);
	free(m);
}

void kam_registry_free(kam_registry *reg)
{
	if (!reg)
		return;
	/* Reverse load order: a plugin loaded later may rely on one loaded before it. */
	for (size_t i = reg->count; i-- > 0;) {
		kam_model *m = reg->models[i];
		if (m->desc->fini) {
			const kam_plugin *prev = kam_host_enter(m->desc);
			m->desc->fini(m->state);
			kam_host_enter(prev);
		}
		if (m->handle)
			dlclose(m->handle);
		model_free(m);
	}
	free(reg->models);
	free(reg);
}

const kam_model *kam_registry_find(const kam_registry *reg, const char *name)
{
	if (!reg || !name)
		return NULL;
	for (size_t i = 0; i < reg->count; i++)
		if (strcmp(reg->models[i]->desc->name, name) == 0)
			return reg->models[i];
	return NULL;
}

size_t kam_registry_count(const kam_registry *reg)
{
	return reg ? reg->count : 0;
}

const kam_model *kam_registry_at(const kam_registry *reg, size_t i)
{
	return reg && i < reg->count ? reg->models[i] : NULL;
}

/* Whether s is 1..NAME_MAX_LEN bytes of [a-z0-9_] (and '-' when dash is set). */
static int name_ok(const char *s, int dash)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (n == NAME_MAX_LEN)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-')))
			return 0;
	}
	return n > 0;
}

static int check_params(const kam_plugin *d, const char *label, char *err, size_t errlen)
{
	if (d->nparams == 0)
		return 0;
	if (!d->params)
		return fail(err, errlen, KAM_EPLUGIN, "%s: plugin %s declares %zu parameters but no array",
			    label, d->name, d->nparams);
	if (d->nparams > PARAMS_MAX)
		return fail(err, errlen, KAM_EPLUGIN, "%s: plugin %s declares %zu parameters (at most %d)",
			    label, d->name, d->nparams, PARAMS_MAX);
	for (size_t i = 0; i < d->nparams; i++) {
		const kam_param_def *p = &d->params[i];
		if (!name_ok(p->name, 0))
			return fail(err, errlen, KAM_EPLUGIN,
				    "%s: plugin %s: parameter %zu has an invalid name \"%.64s\" (expected 1 "
				    "to %d characters of a-z, 0-9 and _)",
				    label, d->name, i + 1, p->name ? p->name : "(null)", NAME_MAX_LEN);
		if (p->type < KAM_PARAM_NUMBER || p->type > KAM_PARAM_BOOL)
			return fail(err, errlen, KAM_EPLUGIN,
				    "%s: plugin %s: parameter %s has unknown type %d", label, d->name,
				    p->name, p->type);
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->params[j].name, p->name) == 0)
				return fail(err, errlen, KAM_EPLUGIN,
					    "%s: plugin %s declares parameter %s twice", label, d->name,
					    p->name);
		if (p->default_value && kam_param_check(p->type, p->default_value))
			return fail(err, errlen, KAM_EPLUGIN,
				    "%s: plugin %s: the default of parameter %s, \"%.64s\", is not %s",
				    label, d->name, p->name, p->default_value,
				    kam_param_type_phrase(p->type));
	}
	return 0;
}

/*
 * Checks a descriptor before anything in it is called. The ABI major version is read first:
 * it and size are the only fields every ABI version promises to keep where they are.
 */
static int check_desc(const kam_plugin *d, const char *label, char *err, size_t errlen)
{
	if (!d)
		return fail(err, errlen, KAM_EPLUGIN, "%s: no plugin descriptor (the entry point returned NULL)",
			    label);
	if (d->abi_major != KAM_ABI_MAJOR)
		return fail(err, errlen, KAM_EABI, "%s: built for plugin ABI %u, this kam speaks ABI %d",
			    label, (unsigned)d->abi_major, KAM_ABI_MAJOR);
	if (d->size < PLUGIN_SIZE_1_0)
		return fail(err, errlen, KAM_EABI,
			    "%s: descriptor of %u bytes, smaller than ABI %d.0's %zu bytes", label,
			    (unsigned)d->size, KAM_ABI_MAJOR, PLUGIN_SIZE_1_0);
	if (!name_ok(d->name, 1))
		return fail(err, errlen, KAM_EPLUGIN,
			    "%s: invalid plugin name \"%.64s\" (expected 1 to %d characters of a-z, "
			    "0-9, _ and -)",
			    label, d->name ? d->name : "(null)", NAME_MAX_LEN);
	if (d->kind < KAM_PLUGIN_SEGMENTATION || d->kind > KAM_PLUGIN_VALUE)
		return fail(err, errlen, KAM_EPLUGIN,
			    "%s: plugin %s has unknown kind %d (expected 1 segmentation, 2 cadence or "
			    "3 value)",
			    label, d->name, d->kind);
	if (!d->run)
		return fail(err, errlen, KAM_EPLUGIN, "%s: plugin %s has no run function", label,
			    d->name);
	return check_params(d, label, err, errlen);
}

/*
 * Registers a checked descriptor: refuses duplicates, runs init, and only then makes the model
 * visible. Everything that can fail for lack of memory happens before init, so that a model
 * whose init succeeded is never thrown away without its fini.
 */
static int registry_insert(kam_registry *reg, const kam_plugin *d, void *handle, const char *origin,
			   char *err, size_t errlen)
{
	int rc = check_desc(d, origin, err, errlen);
	if (rc)
		return rc;
	const kam_model *other = kam_registry_find(reg, d->name);
	if (other)
		return fail(err, errlen, KAM_EEXIST, "%s: a plugin named %s is already loaded from %s",
			    origin, d->name, other->origin);
	if (reg->count == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 8;
		kam_model **p = realloc(reg->models, cap * sizeof(*p));
		if (!p)
			return fail(err, errlen, KAM_ENOMEM, "%s: out of memory", origin);
		reg->models = p;
		reg->cap = cap;
	}
	kam_model *m = calloc(1, sizeof(*m));
	if (m)
		m->origin = strdup(origin);
	if (!m || !m->origin) {
		model_free(m);
		return fail(err, errlen, KAM_ENOMEM, "%s: out of memory", origin);
	}
	m->desc = d;
	m->handle = handle;
	if (d->init) {
		const kam_plugin *prev = kam_host_enter(d);
		rc = d->init(&host_table, &m->state);
		kam_host_enter(prev);
		if (rc) {
			model_free(m);
			return fail(err, errlen, KAM_EPLUGIN, "%s: init of plugin %s failed: %s",
				    origin, d->name, kam_strerror(rc));
		}
	}
	reg->models[reg->count++] = m;
	return 0;
}

int kam_registry_add(kam_registry *reg, const kam_plugin *desc, const char *origin, char *err,
		     size_t errlen)
{
	if (!reg || !origin)
		return fail(err, errlen, KAM_EINVAL, "kam_registry_add: no registry or origin");
	return registry_insert(reg, desc, NULL, origin, err, errlen);
}

/* dlerror() usually starts with the file name; the caller's message already does. */
static const char *dl_reason(const char *path)
{
	const char *e = dlerror();
	size_t n = strlen(path);
	if (!e)
		return "unknown dynamic loader error";
	if (strncmp(e, path, n) == 0 && e[n] == ':' && e[n + 1] == ' ')
		return e + n + 2;
	return e;
}

/* *same (may be NULL) tells whether the file is a library the registry already holds. */
static int load_file(kam_registry *reg, const char *path, char *err, size_t errlen, int *same)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fail(err, errlen, KAM_ENOTFOUND, "%s: no such file", path);
		return fail(err, errlen, KAM_EPLUGIN, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, KAM_EPLUGIN, "%s: not a regular file", path);
	dlerror();
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return fail(err, errlen, KAM_EPLUGIN, "%s: cannot load: %s", path, dl_reason(path));
	/* The same library again (another path to it): dlopen only counted one more reference. */
	for (size_t i = 0; i < reg->count; i++) {
		if (reg->models[i]->handle != h)
			continue;
		dlclose(h);
		if (same)
			*same = 1;
		return fail(err, errlen, KAM_EEXIST, "%s: a plugin named %s is already loaded from %s",
			    path, reg->models[i]->desc->name, reg->models[i]->origin);
	}
	/* A data pointer to function pointer conversion: POSIX guarantees it works for dlsym. */
	void *sym = dlsym(h, KAM_PLUGIN_ENTRY_NAME);
	if (!sym) {
		dlclose(h);
		return fail(err, errlen, KAM_EPLUGIN,
			    "%s: exports no %s symbol (not a Kam plugin, or not built with "
			    "KAM_PLUGIN_EXPORT)",
			    path, KAM_PLUGIN_ENTRY_NAME);
	}
	kam_plugin_entry_fn entry;
	memcpy(&entry, &sym, sizeof(entry));
	int rc = registry_insert(reg, entry(), h, path, err, errlen);
	if (rc)
		dlclose(h);
	return rc;
}

/* Appends "dir/name.so" to a malloc'd path. */
static char *path_join(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s%s", dir, name, suffix);
	return p;
}

static int load_by_name(kam_registry *reg, const char *name, char *err, size_t errlen)
{
	char **dirs;
	size_t ndirs;
	if (kam_plugin_dirs(&dirs, &ndirs))
		return fail(err, errlen, KAM_ENOMEM, "%s: out of memory", name);
	int rc = KAM_ENOTFOUND;
	for (size_t i = 0; i < ndirs && rc == KAM_ENOTFOUND; i++) {
		char *path = path_join(dirs[i], name, ".so");
		if (!path) {
			rc = fail(err, errlen, KAM_ENOMEM, "%s: out of memory", name);
			break;
		}
		if (access(path, F_OK) == 0)
			rc = load_file(reg, path, err, errlen, NULL);
		free(path);
	}
	if (rc == KAM_ENOTFOUND && err && errlen) {
		size_t n = (size_t)snprintf(err, errlen, "%s: no %s.so in the plugin search path (",
					    name, name);
		for (size_t i = 0; i < ndirs && n < errlen; i++)
			n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? ":" : "", dirs[i]);
		if (n < errlen)
			snprintf(err + n, errlen - n, ")");
	}
	kam_plugin_dirs_free(dirs, ndirs);
	return rc;
}

int kam_registry_load(kam_registry *reg, const char *what, char *err, size_t errlen)
{
	if (!reg || !what || !*what)
		return fail(err, errlen, KAM_EINVAL, "kam_registry_load: no registry or plugin named");
	if (strchr(what, '/'))
		return load_file(reg, what, err, errlen, NULL);
	return load_by_name(reg, what, err, errlen);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The NAME.so files of a directory, sorted so that loading order does not depend on readdir. */
static int list_modules(const char *dir, char ***out, size_t *count)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	*out = NULL;
	*count = 0;
	if (!d)
		return errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= 3 || strcmp(e->d_name + len - 3, ".so") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **p = realloc(names, cap * sizeof(*p));
			if (!p)
				break;
			names = p;
		}
		if (!(names[n] = strndup(e->d_name, len - 3)))
			break;
		n++;
	}
	closedir(d);
	if (e) { /* stopped early: out of memory */
		kam_plugin_dirs_free(names, n);
		return ENOMEM;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*count = n;
	return 0;
}

static void report(void (*on_error)(void *, const char *), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(void (*on_error)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!on_error)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	on_error(ctx, msg);
}

size_t kam_registry_load_all(kam_registry *reg, void (*on_error)(void *ctx, const char *message),
			     void *ctx)
{
	char **dirs, **seen = NULL;
	size_t ndirs, nseen = 0, loaded = 0;
	if (!reg)
		return 0;
	if (kam_plugin_dirs(&dirs, &ndirs)) {
		report(on_error, ctx, "plugin search path: out of memory");
		return 0;
	}
	for (size_t i = 0; i < ndirs; i++) {
		char **names;
		size_t n;
		int e = list_modules(dirs[i], &names, &n);
		if (e) {
			if (e != ENOENT && e != ENOTDIR)
				report(on_error, ctx, "%s: cannot list plugins: %s", dirs[i], strerror(e));
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			int dup = kam_registry_find(reg, names[j]) != NULL;
			for (size_t k = 0; k < nseen && !dup; k++)
				dup = strcmp(seen[k], names[j]) == 0;
			if (dup)
				continue;
			char **p = realloc(seen, (nseen + 1) * sizeof(*p));
			char *path = path_join(dirs[i], names[j], ".so");
			if (p)
				seen = p;
			if (!p || !path) {
				free(path);
				report(on_error, ctx, "%s/%s.so: out of memory", dirs[i], names[j]);
				continue;
			}
			char err[1024];
			int same = 0;
			if (load_file(reg, path, err, sizeof(err), &same) == 0)
				loaded++;
			else if (!same) /* loaded before, by name or path: not a failure */
				report(on_error, ctx, "%s", err);
			free(path);
			seen[nseen++] = names[j];
			names[j] = NULL; /* now owned by seen */
		}
		kam_plugin_dirs_free(names, n);
	}
	kam_plugin_dirs_free(seen, nseen);
	kam_plugin_dirs_free(dirs, ndirs);
	return loaded;
}

/* Adds a copy of dir to the list unless it is empty or already there. */
static int dirs_add(char ***dirs, size_t *n, const char *dir, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strlen((*dirs)[i]) == len && memcmp((*dirs)[i], dir, len) == 0)
			return 0;
	char **p = realloc(*dirs, (*n + 1) * sizeof(*p));
	if (!p)
		return KAM_ENOMEM;
	*dirs = p;
	if (!(p[*n] = strndup(dir, len)))
		return KAM_ENOMEM;
	(*n)++;
	return 0;
}

static int dirs_add_exe(char ***dirs, size_t *n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return 0; /* no /proc: the other places still work */
	exe[len] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = 0;
	char buf[PATH_MAX + 32];
	int rc = dirs_add(dirs, n, buf, (size_t)snprintf(buf, sizeof(buf), "%s/plugins", exe));
	if (!rc)
		rc = dirs_add(dirs, n, buf,
			      (size_t)snprintf(buf, sizeof(buf), "%s/../lib/kam/plugins", exe));
	return rc;
}

int kam_plugin_dirs(char ***out, size_t *count)
{
	char **dirs = NULL;
	size_t n = 0;
	int rc = 0;
	const char *env = getenv("KAM_PLUGIN_PATH");
	for (const char *p = env; p && *p && !rc;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		rc = dirs_add(&dirs, &n, p, len);
		p += len + (colon != NULL);
	}
	if (!rc)
		rc = dirs_add_exe(&dirs, &n);
#ifdef KAM_PLUGIN_DIR
	if (!rc)
		rc = dirs_add(&dirs, &n, KAM_PLUGIN_DIR, strlen(KAM_PLUGIN_DIR));
#endif
	if (rc) {
		kam_plugin_dirs_free(dirs, n);
		dirs = NULL;
		n = 0;
	}
	*out = dirs;
	*count = n;
	return rc;
}

void kam_plugin_dirs_free(char **dirs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(dirs[i]);
	free(dirs);
}
