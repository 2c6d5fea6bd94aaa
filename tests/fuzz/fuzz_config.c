/*
 * fuzz_config.c - libFuzzer target for the configuration loader (kam.conf.lua in a sandbox).
 *
 * Each input is written to a temporary file and loaded with kam_config_load. It must never
 * crash, hang (libFuzzer's -timeout catches that) or leak, whatever the Lua does; it returns 0
 * with a well-formed configuration, or KAM_EPARSE with a message, or KAM_ENOMEM.
 *
 * The sandbox bounds memory, instructions and CPU time (2 s) and has no pattern matching, so no
 * input can hang it. Inputs that loop (for, while, repeat, goto, function) or would match
 * patterns can still take up to that CPU budget each; set KAM_FUZZ_CONFIG_FAST=1 to skip them
 * for more executions per second. The code that reads the result (core/config.c after the chunk
 * ran) is fuzzed in full either way.
 *
 * Built by tests/fuzz/CMakeLists.txt (cmake -DKAM_FUZZ=ON, clang); see tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kam/errors.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

static char path[64];

static void remove_file(void)
{
	if (path[0])
		unlink(path);
}

/* One file per process, rewritten for each input. */
static const char *write_input(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/kam-fuzz-config-XXXXXX");
		int fd = mkstemp(path);
		fuzz_assert(fd >= 0);
		close(fd);
		atexit(remove_file);
	}
	FILE *f = fopen(path, "wb");
	fuzz_assert(f);
	fuzz_assert(fwrite(data, 1, size, f) == size);
	fuzz_assert(fclose(f) == 0);
	return path;
}

static int may_run_long(const uint8_t *data, size_t size)
{
	static const char *const words[] = { "for", "while", "repeat", "goto", "function",
					     "find", "match", "gsub" };
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t n = strlen(words[w]);
		for (size_t i = 0; i + n <= size; i++)
			if (memcmp(data + i, words[w], n) == 0)
				return 1;
	}
	return 0;
}

static void check_choice(const kam_model_choice *c)
{
	fuzz_assert(c->model);
	fuzz_assert(c->nparams == 0 || c->params);
	for (size_t i = 0; i < c->nparams; i++)
		fuzz_assert(c->params[i].name && c->params[i].value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int all = -1;
	if (all < 0) {
		const char *env = getenv("KAM_FUZZ_CONFIG_FAST");
		all = !(env && *env == '1');
	}
	if (!all && may_run_long(data, size))
		return 0;

	kam_config cfg;
	char err[512];
	memset(err, 'x', sizeof(err));
	int rc = kam_config_load(write_input(data, size), NULL, &cfg, err, sizeof(err));
	fuzz_assert(memchr(err, 0, sizeof(err)) != NULL);
	if (rc) {
		fuzz_assert(rc == KAM_EPARSE || rc == KAM_ENOMEM);
		fuzz_assert(rc != KAM_EPARSE || err[0]);
		/* A failed load leaves nothing to free, and freeing it again is harmless. */
		fuzz_assert(cfg.seg_regions == NULL && cfg.plugins == NULL && cfg.models == NULL &&
		      cfg.path == NULL);
		kam_config_free(&cfg);
		return 0;
	}
	fuzz_assert(cfg.path && strcmp(cfg.path, path) == 0);
	check_choice(&cfg.seg_default);
	for (size_t i = 0; i < cfg.nseg_regions; i++) {
		const kam_region_choice *r = &cfg.seg_regions[i];
		fuzz_assert(r->region);
		check_choice(&r->choice);
		/* A region listed once finds its own entry (a name may repeat only as a duplicate). */
		const kam_model_choice *found = kam_config_segmentation(&cfg, kam_str_c(r->region));
		fuzz_assert(found);
		check_choice(found);
	}
	check_choice(kam_config_segmentation(&cfg, KAM_STR("no such region, surely")));
	fuzz_assert(cfg.nplugins == 0 || cfg.plugins);
	for (size_t i = 0; i < cfg.nplugins; i++)
		fuzz_assert(cfg.plugins[i]);
	fuzz_assert(cfg.nmodels == 0 || cfg.models);
	for (size_t i = 0; i < cfg.nmodels; i++)
		fuzz_assert(cfg.models[i] && cfg.models[i][0]);
	kam_config_free(&cfg);
	return 0;
}
