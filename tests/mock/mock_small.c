/* mock_small.c - a descriptor that claims fewer bytes than ABI 1.0's kam_plugin (no run). */
#include <kam/plugin.h>

static const kam_plugin desc = {
	.abi_major = KAM_ABI_MAJOR,
	.size = offsetof(kam_plugin, run),
	.name = "mock_small",
	.kind = KAM_PLUGIN_SEGMENTATION,
	.version = "1",
	.description = "too small",
};

KAM_PLUGIN_EXPORT(desc)
