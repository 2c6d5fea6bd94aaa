/*
 * mock_crash.c - a segmentation plugin that crashes in its run (a null pointer write), for the
 * test that a crashing plugin is reported by name and leaves the database as it was.
 */
#include <kam/plugin.h>

static int crash_run(void *state, const kam_host *h, kam_run *run)
{
	(void)state;
	/* Set a tier first: the host must not store it, since the run never returns. */
	if (h->account_count(run) > 0)
		h->set_tier(run, 0, 'A', 1.0);
	volatile int *nowhere = (volatile int *)0;
	*nowhere = 1;
	return 0;
}

static const kam_plugin descriptor = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "mock_crash",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1.0.0",
	.description = "crashes in its run",
	.run = crash_run,
};

KAM_PLUGIN_EXPORT(descriptor)
