/* mock_nosym.c - a shared object without the kam_plugin_v1 entry point. */
#include <kam/plugin.h>

__attribute__((visibility("default"))) int kam_plugin_v0(void);
__attribute__((visibility("default"))) int kam_plugin_v0(void)
{
	return KAM_ABI_MAJOR;
}
