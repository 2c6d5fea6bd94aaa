/* test_plugin.c - the plugin loader and registry: refusals, search path, fini order, ABI layout. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "plugin.h"
#include "run.h"

#ifndef KAM_MOCK_DIR
#error "KAM_MOCK_DIR must name the directory of the mock plugins"
#endif
#define MOCK(name) KAM_MOCK_DIR "/" name ".so"

/*
 * The ABI layout on x86_64, pinned: a change here breaks every plugin already built, so it must
 * never happen by accident. Tables grow at the end only (add a line, never edit one).
 */
#define ABI_SIZES(X)                                                                               \
	X(kam_plugin, 88) X(kam_host, 192) X(kam_account_view, 184) X(kam_order_view, 48)          \
	X(kam_interaction_view, 40) X(kam_param_def, 32) X(kam_text, 16)

#define ABI_OFFSETS(X)                                                                             \
	X(kam_plugin, abi_major, 0) X(kam_plugin, size, 4) X(kam_plugin, name, 8)                  \
	X(kam_plugin, kind, 16) X(kam_plugin, version, 24) X(kam_plugin, description, 32)         \
	X(kam_plugin, params, 40) X(kam_plugin, nparams, 48) X(kam_plugin, init, 56)              \
	X(kam_plugin, fini, 64) X(kam_plugin, run, 72) X(kam_plugin, omit, 80)                   \
	X(kam_host, size, 0) X(kam_host, abi_major, 4) X(kam_host, abi_minor, 8)                  \
	X(kam_host, log, 16) X(kam_host, param_number, 24) X(kam_host, param_integer, 32)         \
	X(kam_host, param_text, 40) X(kam_host, param_day, 48) X(kam_host, as_of, 56)             \
	X(kam_host, account_count, 64) X(kam_host, account, 72) X(kam_host, account_attr, 80)     \
	X(kam_host, orders, 88) X(kam_host, interactions, 96) X(kam_host, set_tier, 104)          \
	X(kam_host, add_factor, 112) X(kam_host, add_months, 120) X(kam_host, civil, 128)         \
	X(kam_host, tier, 136) X(kam_host, add_action, 144) X(kam_host, set_value, 152)           \
	X(kam_host, add_metric, 160) X(kam_host, intern, 168) X(kam_host, account_text, 176)       \
	X(kam_host, account_number, 184)                                                           \
	X(kam_account_view, size, 0) X(kam_account_view, present, 4) X(kam_account_view, id, 8)   \
	X(kam_account_view, name, 24) X(kam_account_view, region, 40)                             \
	X(kam_account_view, industry, 56) X(kam_account_view, owner, 72)                          \
	X(kam_account_view, channel, 88) X(kam_account_view, stage, 92)                           \
	X(kam_account_view, employees, 96) X(kam_account_view, net_assets, 104)                   \
	X(kam_account_view, annual_revenue, 112) X(kam_account_view, wallet, 120)                 \
	X(kam_account_view, created, 128) X(kam_account_view, order_count, 132)                   \
	X(kam_account_view, interaction_count, 136) X(kam_account_view, first_order, 140)         \
	X(kam_account_view, last_order, 144) X(kam_account_view, last_call, 148)                  \
	X(kam_account_view, last_visit, 152) X(kam_account_view, last_interaction, 156)           \
	X(kam_account_view, revenue, 160) X(kam_account_view, profit, 168)                        \
	X(kam_account_view, minutes, 176)                                                          \
	X(kam_order_view, id, 0) X(kam_order_view, day, 16) X(kam_order_view, sec, 20)            \
	X(kam_order_view, amount, 24) X(kam_order_view, profit, 32)                               \
	X(kam_order_view, has_profit, 40)                                                          \
	X(kam_interaction_view, id, 0) X(kam_interaction_view, day, 16)                           \
	X(kam_interaction_view, sec, 20) X(kam_interaction_view, minutes, 24)                     \
	X(kam_interaction_view, has_minutes, 32) X(kam_interaction_view, kind, 33)                \
	X(kam_interaction_view, outcome, 34) X(kam_interaction_view, objection, 35)               \
	X(kam_param_def, name, 0) X(kam_param_def, type, 8) X(kam_param_def, default_value, 16)   \
	X(kam_param_def, help, 24) X(kam_text, ptr, 0) X(kam_text, len, 8)

#if defined(__x86_64__) && defined(__LP64__)
#define STATIC_SIZE(T, n) _Static_assert(sizeof(T) == (n), "sizeof " #T " changed: ABI break");
#define STATIC_OFFSET(T, m, n)                                                                     \
	_Static_assert(offsetof(T, m) == (n), #T "." #m " moved: ABI break");
ABI_SIZES(STATIC_SIZE)
ABI_OFFSETS(STATIC_OFFSET)

struct pin {
	const char *what;
	size_t got, want;
};
#define PIN_SIZE(T, n) { "sizeof " #T, sizeof(T), (n) },
#define PIN_OFFSET(T, m, n) { #T "." #m, offsetof(T, m), (n) },
static const struct pin pins[] = { ABI_SIZES(PIN_SIZE) ABI_OFFSETS(PIN_OFFSET) };

Test(abi, layout_is_pinned)
{
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		cr_expect_eq(pins[i].got, pins[i].want, "%s is %zu, pinned at %zu", pins[i].what,
			     pins[i].got, pins[i].want);
	cr_assert_eq(KAM_ABI_MAJOR, 1);
	cr_assert_str_eq(KAM_PLUGIN_ENTRY_NAME, "kam_plugin_v1");
}
#endif

static kam_registry *reg;
static char err[2048];

static void setup(void)
{
	unsetenv("KAM_PLUGIN_PATH");
	unsetenv("KAM_MOCK_FINI_LOG");
	unsetenv("KAM_LOG");
	err[0] = 0;
	cr_assert_eq(kam_registry_new(&reg), 0);
}

static void teardown(void)
{
	kam_registry_free(reg);
	reg = NULL;
}

TestSuite(load, .init = setup, .fini = teardown);

#define expect_err(fragment)                                                                       \
	cr_expect(strstr(err, (fragment)) != NULL, "message \"%s\" lacks \"%s\"", err, (fragment))

Test(load, good_plugin)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg"), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kam_registry_count(reg), 1);
	const kam_model *m = kam_registry_find(reg, "mock_seg");
	cr_assert_not_null(m);
	cr_expect_eq(m, kam_registry_at(reg, 0));
	cr_expect_null(kam_registry_at(reg, 1));
	cr_expect_str_eq(m->origin, MOCK("mock_seg"));
	cr_expect_str_eq(m->desc->version, "1.2.3");
	cr_expect_eq(m->desc->kind, KAM_PLUGIN_SEGMENTATION);
	cr_expect_eq(m->desc->nparams, 6);
	cr_expect_not_null(m->handle);
	cr_expect_not_null(m->state, "init did not run");
	cr_expect_eq(*(int *)m->state, 1, "init ran %d times", *(int *)m->state);
	cr_expect_null(kam_registry_find(reg, "mock_value"));
	cr_expect_null(kam_registry_find(reg, NULL));
}

Test(load, wrong_abi_major)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_abi99"), err, sizeof(err)), KAM_EABI);
	expect_err(MOCK("mock_abi99") ": built for plugin ABI 99, this kam speaks ABI 1");
	cr_expect_eq(kam_registry_count(reg), 0);
}

Test(load, no_entry_symbol)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_nosym"), err, sizeof(err)), KAM_EPLUGIN);
	expect_err(MOCK("mock_nosym") ": exports no kam_plugin_v1 symbol");
	cr_expect_eq(kam_registry_count(reg), 0);
}

Test(load, too_small_descriptor)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_small"), err, sizeof(err)), KAM_EABI);
	expect_err(MOCK("mock_small") ": descriptor of 72 bytes, smaller than ABI 1.0's 80 bytes");
	cr_expect_eq(kam_registry_count(reg), 0);
}

Test(load, bad_name)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_badname"), err, sizeof(err)), KAM_EPLUGIN);
	expect_err(MOCK("mock_badname") ": invalid plugin name \"Bad Name\"");
	cr_expect_eq(kam_registry_count(reg), 0);
}

Test(load, duplicate_name_keeps_the_first)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg"), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg_dup"), err, sizeof(err)), KAM_EEXIST);
	expect_err(MOCK("mock_seg_dup") ": a plugin named mock_seg is already loaded from "
		   MOCK("mock_seg"));
	cr_expect_eq(kam_registry_count(reg), 1);
	cr_expect_str_eq(kam_registry_find(reg, "mock_seg")->desc->version, "1.2.3");
	/* The same file twice is a duplicate too (dlopen hands back the same library). */
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg"), err, sizeof(err)), KAM_EEXIST);
	cr_expect_eq(kam_registry_count(reg), 1);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

static char tmpdir[64];

static const char *make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/kam-test-plugin.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	return tmpdir;
}

static void rm_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

Test(load, failing_init_is_unloaded_without_fini)
{
	char log[128];
	snprintf(log, sizeof(log), "%s/fini.log", make_tmpdir());
	setenv("KAM_MOCK_FINI_LOG", log, 1);
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_initfail"), err, sizeof(err)), KAM_EPLUGIN);
	expect_err(MOCK("mock_initfail") ": init of plugin mock_initfail failed: KAM_EIO");
	cr_expect_eq(kam_registry_count(reg), 0);
	cr_expect_null(kam_registry_find(reg, "mock_initfail"));
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg"), err, sizeof(err)), 0, "%s", err);
	kam_registry_free(reg);
	reg = NULL;
	cr_expect_str_eq(slurp(log), "mock_seg 1\n", "fini ran for a plugin whose init failed");
	rm_tmpdir();
}

Test(load, fini_in_reverse_load_order)
{
	char log[128];
	snprintf(log, sizeof(log), "%s/fini.log", make_tmpdir());
	setenv("KAM_MOCK_FINI_LOG", log, 1);
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_seg"), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_value"), err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(slurp(log)[0], 0, "fini ran early");
	kam_registry_free(reg);
	reg = NULL;
	cr_expect_str_eq(slurp(log), "mock_value\nmock_seg 1\n");
	rm_tmpdir();
}

Test(load, missing_file)
{
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_nothere"), err, sizeof(err)), KAM_ENOTFOUND);
	expect_err(MOCK("mock_nothere") ": no such file");
	cr_expect_eq(kam_registry_count(reg), 0);
}

Test(load, not_a_shared_object)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/junk.so", make_tmpdir());
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("this is not an ELF file\n", f);
	fclose(f);
	cr_assert_eq(kam_registry_load(reg, path, err, sizeof(err)), KAM_EPLUGIN);
	cr_expect(strncmp(err, path, strlen(path)) == 0, "message \"%s\" does not name the file", err);
	expect_err(": cannot load: ");
	cr_expect_eq(kam_registry_count(reg), 0);
	cr_assert_eq(kam_registry_load(reg, tmpdir, err, sizeof(err)), KAM_EPLUGIN);
	expect_err("not a regular file");
	rm_tmpdir();
}

Test(load, by_name_through_kam_plugin_path)
{
	setenv("KAM_PLUGIN_PATH", "/nonexistent/kam:" KAM_MOCK_DIR, 1);
	cr_assert_eq(kam_registry_load(reg, "mock_value", err, sizeof(err)), 0, "%s", err);
	const kam_model *m = kam_registry_find(reg, "mock_value");
	cr_assert_not_null(m);
	cr_expect_str_eq(m->origin, MOCK("mock_value"));

	cr_assert_eq(kam_registry_load(reg, "mock_nothere", err, sizeof(err)), KAM_ENOTFOUND);
	expect_err("mock_nothere: no mock_nothere.so in the plugin search path (/nonexistent/kam:"
		   KAM_MOCK_DIR ":");
	cr_expect_eq(kam_registry_count(reg), 1);

	/* A refusal found by name reports the file it found. */
	cr_assert_eq(kam_registry_load(reg, "mock_abi99", err, sizeof(err)), KAM_EABI);
	expect_err(MOCK("mock_abi99") ": built for plugin ABI 99");
}

Test(load, first_directory_in_the_path_wins)
{
	char link[128], path[256];
	make_tmpdir();
	snprintf(link, sizeof(link), "%s/mock_value.so", tmpdir);
	cr_assert_eq(symlink(MOCK("mock_seg"), link), 0);
	snprintf(path, sizeof(path), "%s:%s", tmpdir, KAM_MOCK_DIR);
	setenv("KAM_PLUGIN_PATH", path, 1);
	cr_assert_eq(kam_registry_load(reg, "mock_value", err, sizeof(err)), 0, "%s", err);
	/* The name found first is the symlink to mock_seg, not the mock_value of the second dir. */
	cr_expect_null(kam_registry_find(reg, "mock_value"));
	cr_assert_not_null(kam_registry_find(reg, "mock_seg"));
	cr_expect_str_eq(kam_registry_find(reg, "mock_seg")->origin, link);
	rm_tmpdir();
}

Test(load, search_path_order)
{
	char **dirs;
	size_t n;
	char exe[PATH_MAX], want[PATH_MAX + 32];
	setenv("KAM_PLUGIN_PATH", "/a::/b:/a", 1);
	cr_assert_eq(kam_plugin_dirs(&dirs, &n), 0);
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(len, 0);
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	cr_assert_geq(n, 4);
	cr_expect_str_eq(dirs[0], "/a");
	cr_expect_str_eq(dirs[1], "/b");
	snprintf(want, sizeof(want), "%s/plugins", exe);
	cr_expect_str_eq(dirs[2], want);
	snprintf(want, sizeof(want), "%s/../lib/kam/plugins", exe);
	cr_expect_str_eq(dirs[3], want);
	cr_expect_eq(n, 5, "the installed plugin directory comes last");
	if (n == 5)
		cr_expect(strstr(dirs[4], "/kam/plugins") != NULL, "%s", dirs[4]);
	kam_plugin_dirs_free(dirs, n);
}

typedef struct errors {
	char text[8192];
	size_t count;
} errors;

static void collect(void *ctx, const char *message)
{
	errors *e = ctx;
	size_t used = strlen(e->text);
	snprintf(e->text + used, sizeof(e->text) - used, "%s\n", message);
	e->count++;
}

Test(load, load_all_skips_bad_files)
{
	static errors e;
	setenv("KAM_PLUGIN_PATH", KAM_MOCK_DIR, 1);
	size_t n = kam_registry_load_all(reg, collect, &e);
	cr_expect_eq(n, kam_registry_count(reg));
	cr_assert_geq(n, 2);
	const kam_model *seg = kam_registry_find(reg, "mock_seg");
	cr_assert_not_null(seg);
	cr_expect_str_eq(seg->origin, MOCK("mock_seg"), "mock_seg.so sorts before mock_seg_dup.so");
	cr_expect_not_null(kam_registry_find(reg, "mock_value"));
	static const char *const bad[] = {
		MOCK("mock_abi99") ": built for plugin ABI 99",
		MOCK("mock_badname") ": invalid plugin name",
		MOCK("mock_initfail") ": init of plugin mock_initfail failed",
		MOCK("mock_nosym") ": exports no kam_plugin_v1 symbol",
		MOCK("mock_seg_dup") ": a plugin named mock_seg is already loaded",
		MOCK("mock_small") ": descriptor of 72 bytes",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect(strstr(e.text, bad[i]) != NULL, "errors lack \"%s\":\n%s", bad[i], e.text);
	cr_expect_geq(e.count, 6);

	/* Again: what is loaded is skipped by name, the rest is refused again; nothing changes. */
	size_t before = kam_registry_count(reg);
	cr_expect_eq(kam_registry_load_all(reg, NULL, NULL), 0);
	cr_expect_eq(kam_registry_count(reg), before);
}

Test(load, load_all_is_quiet_about_libraries_already_loaded)
{
	static errors e;
	char link[128];
	make_tmpdir();
	snprintf(link, sizeof(link), "%s/renamed.so", tmpdir);
	cr_assert_eq(symlink(MOCK("mock_value"), link), 0);
	/* Loaded first by its path (as kam.conf.lua may), then found again by the scan. */
	cr_assert_eq(kam_registry_load(reg, link, err, sizeof(err)), 0, "%s", err);
	setenv("KAM_PLUGIN_PATH", tmpdir, 1);
	cr_expect_eq(kam_registry_load_all(reg, collect, &e), 0);
	cr_expect_eq(e.count, 0, "reported: %s", e.text);
	cr_expect_eq(kam_registry_count(reg), 1);
	/* Asked for explicitly, the same library is a duplicate. */
	cr_assert_eq(kam_registry_load(reg, MOCK("mock_value"), err, sizeof(err)), KAM_EEXIST);
	expect_err(MOCK("mock_value") ": a plugin named mock_value is already loaded from ");
	expect_err("/renamed.so");
	cr_expect_eq(kam_registry_count(reg), 1);
	rm_tmpdir();
}

/* In-memory descriptors, through kam_registry_add. */

static int noop_run(void *state, const kam_host *h, kam_run *r)
{
	(void)state;
	(void)h;
	(void)r;
	return 0;
}

static int inits, finis, init_rc;
static void *last_fini_state;

static int count_init(const kam_host *h, void **state)
{
	cr_assert_eq(h, kam_host_services());
	inits++;
	*state = &inits;
	return init_rc;
}

static void count_fini(void *state)
{
	finis++;
	last_fini_state = state;
}

static kam_plugin good_desc(void)
{
	return (kam_plugin){
		.abi_major = KAM_ABI_MAJOR,
		.size = sizeof(kam_plugin),
		.name = "mem-model_1",
		.kind = KAM_PLUGIN_CADENCE,
		.version = "1",
		.description = "in memory",
		.init = count_init,
		.fini = count_fini,
		.run = noop_run,
	};
}

/* Each refusal: its code, a fragment of the message, and nothing registered or initialised. */
static void expect_refused(const kam_plugin *d, int code, const char *fragment)
{
	inits = finis = 0;
	err[0] = 0;
	int rc = kam_registry_add(reg, d, "mem:test", err, sizeof(err));
	cr_expect_eq(rc, code, "code %d (%s), wanted %d; message: %s", rc, kam_strerror(rc), code,
		     err);
	cr_expect(strstr(err, fragment) != NULL, "message \"%s\" lacks \"%s\"", err, fragment);
	cr_expect(strncmp(err, "mem:test: ", 10) == 0, "message \"%s\" does not name the origin", err);
	cr_expect_eq(kam_registry_count(reg), 0);
	cr_expect_eq(inits, 0, "init was called on a refused descriptor");
}

Test(load, in_memory_descriptor_checks)
{
	kam_plugin d;
	expect_refused(NULL, KAM_EPLUGIN, "no plugin descriptor");
	d = good_desc(), d.abi_major = 2;
	expect_refused(&d, KAM_EABI, "built for plugin ABI 2, this kam speaks ABI 1");
	d = good_desc(), d.size = 8;
	expect_refused(&d, KAM_EABI, "descriptor of 8 bytes");
	d = good_desc(), d.name = NULL;
	expect_refused(&d, KAM_EPLUGIN, "invalid plugin name \"(null)\"");
	d = good_desc(), d.name = "";
	expect_refused(&d, KAM_EPLUGIN, "invalid plugin name \"\"");
	d = good_desc(), d.name = "abc.so";
	expect_refused(&d, KAM_EPLUGIN, "invalid plugin name \"abc.so\"");
	d = good_desc(), d.name = "x123456789x123456789x123456789x123456789x123456789x123456789x1234";
	expect_refused(&d, KAM_EPLUGIN, "invalid plugin name");
	d = good_desc(), d.kind = 0;
	expect_refused(&d, KAM_EPLUGIN, "unknown kind 0");
	d = good_desc(), d.kind = 4;
	expect_refused(&d, KAM_EPLUGIN, "unknown kind 4");
	d = good_desc(), d.run = NULL;
	expect_refused(&d, KAM_EPLUGIN, "has no run function");

	d = good_desc(), d.nparams = 2;
	expect_refused(&d, KAM_EPLUGIN, "declares 2 parameters but no array");
	static const kam_param_def badname[] = { { "Alpha", KAM_PARAM_NUMBER, "1", "" } };
	d = good_desc(), d.params = badname, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "parameter 1 has an invalid name \"Alpha\"");
	static const kam_param_def dash[] = { { "a-b", KAM_PARAM_NUMBER, "1", "" } };
	d = good_desc(), d.params = dash, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "invalid name \"a-b\"");
	static const kam_param_def noname[] = { { NULL, KAM_PARAM_NUMBER, "1", "" } };
	d = good_desc(), d.params = noname, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "invalid name \"(null)\"");
	static const kam_param_def badtype[] = { { "a", 9, NULL, "" } };
	d = good_desc(), d.params = badtype, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "parameter a has unknown type 9");
	static const kam_param_def twice[] = { { "a", KAM_PARAM_NUMBER, "1", "" },
					       { "b", KAM_PARAM_TEXT, NULL, "" },
					       { "a", KAM_PARAM_INTEGER, "2", "" } };
	d = good_desc(), d.params = twice, d.nparams = 3;
	expect_refused(&d, KAM_EPLUGIN, "declares parameter a twice");
	static const kam_param_def baddefault[] = { { "w", KAM_PARAM_INTEGER, "1.5", "" } };
	d = good_desc(), d.params = baddefault, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "the default of parameter w, \"1.5\", is not an integer");
	static const kam_param_def baddate[] = { { "d", KAM_PARAM_DATE, "2024-02-30", "" } };
	d = good_desc(), d.params = baddate, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "is not a date YYYY-MM-DD");
	static const kam_param_def badbool[] = { { "b", KAM_PARAM_BOOL, "yes", "" } };
	d = good_desc(), d.params = badbool, d.nparams = 1;
	expect_refused(&d, KAM_EPLUGIN, "is not true or false");
}

Test(load, in_memory_init_and_fini)
{
	static const kam_param_def params[] = {
		{ "a", KAM_PARAM_NUMBER, "0.8", "share" },
		{ "as_of", KAM_PARAM_DATE, NULL, "day" },
		{ "on", KAM_PARAM_BOOL, "true", NULL },
	};
	static kam_plugin d;
	d = good_desc();
	d.params = params;
	d.nparams = 3;
	inits = finis = 0;
	cr_assert_eq(kam_registry_add(reg, &d, "lua:models.lua", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(inits, 1);
	const kam_model *m = kam_registry_find(reg, "mem-model_1");
	cr_assert_not_null(m);
	cr_expect_null(m->handle);
	cr_expect_str_eq(m->origin, "lua:models.lua");
	cr_expect_eq(m->state, &inits);

	/* A second add of the same name is refused before its init. */
	cr_assert_eq(kam_registry_add(reg, &d, "lua:other.lua", err, sizeof(err)), KAM_EEXIST);
	expect_err("lua:other.lua: a plugin named mem-model_1 is already loaded from lua:models.lua");
	cr_expect_eq(inits, 1);

	kam_registry_free(reg);
	reg = NULL;
	cr_expect_eq(finis, 1);
	cr_expect_eq(last_fini_state, &inits);
}

Test(load, in_memory_failing_init)
{
	static kam_plugin d;
	d = good_desc();
	inits = finis = 0;
	init_rc = KAM_ENOMEM;
	cr_assert_eq(kam_registry_add(reg, &d, "mem:x", err, sizeof(err)), KAM_EPLUGIN);
	init_rc = 0;
	expect_err("mem:x: init of plugin mem-model_1 failed: KAM_ENOMEM");
	cr_expect_eq(inits, 1);
	cr_expect_eq(kam_registry_count(reg), 0);
	kam_registry_free(reg);
	reg = NULL;
	cr_expect_eq(finis, 0, "fini ran after a failed init");
}

Test(load, argument_checks)
{
	cr_expect_eq(kam_registry_new(NULL), KAM_EINVAL);
	cr_expect_eq(kam_registry_load(NULL, MOCK("mock_seg"), err, sizeof(err)), KAM_EINVAL);
	cr_expect_eq(kam_registry_load(reg, "", err, sizeof(err)), KAM_EINVAL);
	cr_expect_eq(kam_registry_load(reg, NULL, NULL, 0), KAM_EINVAL);
	cr_expect_eq(kam_registry_add(reg, NULL, NULL, NULL, 0), KAM_EINVAL);
	cr_expect_eq(kam_registry_count(NULL), 0);
	cr_expect_null(kam_registry_at(NULL, 0));
	cr_expect_null(kam_registry_find(NULL, "x"));
	kam_registry_free(NULL);
	/* No message buffer: refusals still return their code. */
	cr_expect_eq(kam_registry_load(reg, MOCK("mock_abi99"), NULL, 0), KAM_EABI);
}

Test(plugin, kind_names)
{
	cr_expect_str_eq(kam_plugin_kind_name(KAM_PLUGIN_SEGMENTATION), "segmentation");
	cr_expect_str_eq(kam_plugin_kind_name(KAM_PLUGIN_CADENCE), "cadence");
	cr_expect_str_eq(kam_plugin_kind_name(KAM_PLUGIN_VALUE), "value");
	cr_expect_str_eq(kam_plugin_kind_name(0), "unknown");
	cr_expect_str_eq(kam_plugin_kind_name(7), "unknown");
}

Test(host, table)
{
	const kam_host *h = kam_host_services();
	cr_assert_not_null(h);
	cr_expect_eq(h->size, sizeof(kam_host));
	cr_expect_eq(h->abi_major, KAM_ABI_MAJOR);
	cr_expect_eq(h->abi_minor, KAM_ABI_MINOR);
	/* Every member after the header is a function the host provides. */
	cr_expect(KAM_HOST_HAS(h, log) && KAM_HOST_HAS(h, param_number) &&
		  KAM_HOST_HAS(h, param_integer) && KAM_HOST_HAS(h, param_text) &&
		  KAM_HOST_HAS(h, param_day) && KAM_HOST_HAS(h, as_of) &&
		  KAM_HOST_HAS(h, account_count) && KAM_HOST_HAS(h, account) &&
		  KAM_HOST_HAS(h, account_attr) && KAM_HOST_HAS(h, orders) &&
		  KAM_HOST_HAS(h, interactions) && KAM_HOST_HAS(h, set_tier) &&
		  KAM_HOST_HAS(h, add_factor) && KAM_HOST_HAS(h, add_months) &&
		  KAM_HOST_HAS(h, civil) && KAM_HOST_HAS(h, tier) && KAM_HOST_HAS(h, add_action) &&
		  KAM_HOST_HAS(h, set_value) && KAM_HOST_HAS(h, add_metric) &&
		  KAM_HOST_HAS(h, intern) && KAM_HOST_HAS(h, account_text) &&
		  KAM_HOST_HAS(h, account_number));
	int y, m, d;
	int32_t jan31 = 19753; /* 2024-01-31 */
	h->civil(jan31, &y, &m, &d);
	cr_expect(y == 2024 && m == 1 && d == 31, "civil gave %d-%d-%d", y, m, d);
	h->civil(h->add_months(jan31, 1), &y, &m, &d);
	cr_expect(y == 2024 && m == 2 && d == 29, "Jan 31 + 1 month gave %d-%d-%d", y, m, d);
	h->civil(h->add_months(jan31, -2), &y, &m, &d);
	cr_expect(y == 2023 && m == 11 && d == 30, "Jan 31 - 2 months gave %d-%d-%d", y, m, d);
}

static int logging_init(const kam_host *h, void **state)
{
	(void)state;
	h->log(NULL, KAM_LOG_WARNING, "warned %d", 42);
	h->log(NULL, KAM_LOG_INFO, "informed\n");
	h->log(NULL, KAM_LOG_DEBUG, "debugged");
	return 0;
}

static void load_logger(void)
{
	static kam_plugin d;
	d = good_desc();
	d.name = "logger";
	d.init = logging_init;
	d.fini = NULL;
	cr_assert_eq(kam_registry_add(reg, &d, "mem:logger", err, sizeof(err)), 0, "%s", err);
	fflush(stderr);
}

static void setup_redirect(void)
{
	setup();
	cr_redirect_stderr();
}

Test(host, log_warning_by_default, .init = setup_redirect, .fini = teardown)
{
	load_logger();
	cr_expect_stderr_eq_str("kam: [plugin logger] warned 42\n");
}

Test(host, log_info_when_asked, .init = setup_redirect, .fini = teardown)
{
	setenv("KAM_LOG", "info", 1);
	load_logger();
	cr_expect_stderr_eq_str("kam: [plugin logger] warned 42\nkam: [plugin logger] informed\n");
}

Test(host, log_debug_when_asked, .init = setup_redirect, .fini = teardown)
{
	setenv("KAM_LOG", "debug", 1);
	load_logger();
	cr_expect_stderr_eq_str("kam: [plugin logger] warned 42\nkam: [plugin logger] informed\n"
				"kam: [plugin logger] debugged\n");
}
