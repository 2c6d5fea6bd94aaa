/*
 * mock_abi99.c - a plugin from a future ABI: only the first two fields keep their meaning, so
 * the host must refuse it before reading anything else (the rest here is deliberately garbage).
 */
#include <stdint.h>

#include <kam/plugin.h>

struct future_plugin {
	uint32_t abi_major;
	uint32_t size;
	uintptr_t garbage[16];
};

static const struct future_plugin desc = {
	.abi_major = 99,
	.size = sizeof(struct future_plugin),
	.garbage = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
};

__attribute__((visibility("default"))) const kam_plugin *KAM_PLUGIN_ENTRY(void);
__attribute__((visibility("default"))) const kam_plugin *KAM_PLUGIN_ENTRY(void)
{
	return (const kam_plugin *)(const void *)&desc;
}
