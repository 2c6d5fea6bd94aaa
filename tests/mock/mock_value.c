/* mock_value.c - a second well-formed plugin (kind value); its fini logs "mock_value". */
#include <stdio.h>
#include <stdlib.h>

#include <kam/plugin.h>

static void value_fini(void *state)
{
	const char *log = getenv("KAM_MOCK_FINI_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	(void)state;
	if (f) {
		fputs("mock_value\n", f);
		fclose(f);
	}
}

static int value_run(void *state, const kam_host *h, kam_run *run)
{
	(void)state;
	(void)h;
	(void)run;
	return 0;
}

static const kam_plugin desc = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "mock_value",
	.kind = KAM_PLUGIN_VALUE,
	.version = "0.1",
	.description = "does nothing (test mock)",
	.fini = value_fini,
	.run = value_run,
};

KAM_PLUGIN_EXPORT(desc)
