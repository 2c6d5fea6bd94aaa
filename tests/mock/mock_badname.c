/* mock_badname.c - a plugin whose name is not [a-z0-9_-]+. */
#include <kam/plugin.h>

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
	.name = "Bad Name",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1",
	.description = "badly named",
	.run = run,
};

KAM_PLUGIN_EXPORT(desc)
