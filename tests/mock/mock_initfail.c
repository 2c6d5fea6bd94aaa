/*
 * mock_initfail.c - a plugin whose init fails with KAM_EIO. Its fini must then never run: if it
 * does, it appends "mock_initfail" to the file named by $KAM_MOCK_FINI_LOG.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kam/plugin.h>

static int failing_init(const kam_host *host, void **state)
{
	(void)host;
	*state = (void *)1;
	return KAM_EIO;
}

static void fini(void *state)
{
	const char *log = getenv("KAM_MOCK_FINI_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	(void)state;
	if (f) {
		fputs("mock_initfail\n", f);
		fclose(f);
	}
}

static int run(void *state, const kam_host *h, kam_run *r)
{
	(void)state;
	(void)h;
	(void)r;
	return 0;
}

static const kam_plugin desc = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "mock_initfail",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1",
	.description = "init fails",
	.init = failing_init,
	.fini = fini,
	.run = run,
};

KAM_PLUGIN_EXPORT(desc)
