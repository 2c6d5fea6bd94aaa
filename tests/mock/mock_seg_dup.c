/* mock_seg_dup.c - well-formed, but named like mock_seg.so's plugin: refused as a duplicate. */
#include <kam/plugin.h>

static int dup_run(void *state, const kam_host *h, kam_run *run)
{
	(void)state;
	(void)h;
	(void)run;
	return 0;
}

static const kam_plugin desc = {
	.abi_major = KAM_ABI_MAJOR,
	.size = sizeof(kam_plugin),
	.name = "mock_seg",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "9.9",
	.description = "a second mock_seg",
	.run = dup_run,
};

KAM_PLUGIN_EXPORT(desc)
