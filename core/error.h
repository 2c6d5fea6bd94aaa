/* error.h - explaining Kam's error codes (sdk/kam/errors.h). */
#ifndef KAM_ERROR_H
#define KAM_ERROR_H

#include <kam/errors.h>

/*
 * Returns a static, never-freed string describing `code`. The text starts with the constant's
 * name ("KAM_ENOTFOUND: no such record"). Unknown codes give "KAM_E?: unknown error code".
 * Positive values are taken as errno values and explained with strerror().
 */
const char *kam_strerror(int code);

/*
 * The code of a failed write, from errno: KAM_ENOSPC when the device or the quota is full,
 * else KAM_EIO. For callers of stdio and write(2) that would otherwise say only KAM_EIO.
 */
int kam_io_error(void);

#endif
