/* export.h - writing every record of a kind as CSV, JSON lines or a table. */
#ifndef KAM_EXPORT_H
#define KAM_EXPORT_H

#include <stdio.h>

#include "output.h"
#include "store.h"

/*
 * Writes all records of `kind` in id order, reading one snapshot `txn`. Columns: the kind's
 * fields in REFERENCE.md order, then every custom attribute seen (in first-seen order), so that
 * importing the output into an empty database gives the same records. Returns 0, KAM_EIO,
 * KAM_ENOMEM, KAM_ECORRUPT.
 */
int kam_export(kam_txn *txn, kam_kind kind, kam_format fmt, FILE *out);

#endif
