/* error.c - one place that explains every error code. */
#include "error.h"

#include <errno.h>
#include <string.h>

const char *kam_strerror(int code)
{
	switch (code) {
	case KAM_OK: return "KAM_OK: success";
	case KAM_ENOMEM: return "KAM_ENOMEM: out of memory";
	case KAM_EIO: return "KAM_EIO: input/output error";
	case KAM_EINVAL: return "KAM_EINVAL: invalid argument";
	case KAM_ENOTFOUND: return "KAM_ENOTFOUND: not found";
	case KAM_EEXIST: return "KAM_EEXIST: already exists";
	case KAM_ECORRUPT: return "KAM_ECORRUPT: the database or a stored record is damaged";
	case KAM_EVERSION: return "KAM_EVERSION: written by a newer version of Kam; upgrade Kam to open it";
	case KAM_EBUSY: return "KAM_EBUSY: in use by another process";
	case KAM_EPARSE: return "KAM_EPARSE: malformed input";
	case KAM_EMAPFULL: return "KAM_EMAPFULL: the database map is full";
	case KAM_EPERM: return "KAM_EPERM: permission denied";
	case KAM_ERANGE: return "KAM_ERANGE: value out of range";
	case KAM_EREADONLY: return "KAM_EREADONLY: the database or transaction is read-only";
	case KAM_EREF: return "KAM_EREF: refers to an account that does not exist, or is still referred to";
	case KAM_EABI: return "KAM_EABI: plugin built for another ABI version";
	case KAM_EPLUGIN: return "KAM_EPLUGIN: a plugin failed";
	case KAM_ELIMIT: return "KAM_ELIMIT: a size or count limit was exceeded";
	case KAM_ECANCELED: return "KAM_ECANCELED: interrupted";
	case KAM_ENOSPC: return "KAM_ENOSPC: no space left on the device";
	}
	if (code > 0)
		return strerror(code);
	return "KAM_E?: unknown error code";
}

int kam_io_error(void)
{
	return errno == ENOSPC || errno == EDQUOT ? KAM_ENOSPC : KAM_EIO;
}
