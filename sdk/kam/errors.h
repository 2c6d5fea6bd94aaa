/*
 * kam/errors.h - the error codes shared by the Kam core, its tools and its plugins.
 *
 * Every function of Kam that can fail returns an int: 0 on success or one of these negative
 * codes. The host explains any code with kam_strerror(); the text starts with the constant's
 * name, so "KAM_ENOTFOUND: no such record" can be grepped back to this file.
 *
 * Codes are part of the ABI: a code never changes its value, and new codes are added at the end.
 */
#ifndef KAM_ERRORS_H
#define KAM_ERRORS_H

enum kam_error {
	KAM_OK = 0,
	KAM_ENOMEM = -1,     /* out of memory */
	KAM_EIO = -2,        /* an operating-system I/O call failed; errno tells more */
	KAM_EINVAL = -3,     /* a caller passed an invalid argument */
	KAM_ENOTFOUND = -4,  /* no such record, key or file */
	KAM_EEXIST = -5,     /* already exists */
	KAM_ECORRUPT = -6,   /* the database or a stored record is damaged */
	KAM_EVERSION = -7,   /* the database was written by a newer, unknown schema version */
	KAM_EBUSY = -8,      /* another process holds the write lock or a resource is in use */
	KAM_EPARSE = -9,     /* input data does not follow its format */
	KAM_EMAPFULL = -10,  /* the store's map is full; kam_store_write() grows it and retries */
	KAM_EPERM = -11,     /* permission denied */
	KAM_ERANGE = -12,    /* a value is out of its allowed range */
	KAM_EREADONLY = -13, /* a write was attempted in a read-only transaction or store */
	KAM_EREF = -14,      /* a record refers to an account that does not exist */
	KAM_EABI = -15,      /* a plugin was built for another ABI version */
	KAM_EPLUGIN = -16,   /* a plugin failed or misbehaved */
	KAM_ELIMIT = -17,    /* a built-in limit was exceeded (sizes, counts) */
	KAM_ECANCELED = -18, /* the operation was interrupted */
	KAM_ENOSPC = -19,    /* no space left on the device (or the disk quota is used up) */
};

#endif /* KAM_ERRORS_H */
