/* export.c - records out, in the same columns import reads. */
#include "export.h"

#include <stdlib.h>

#include <kam/errors.h>

typedef struct attr_keys {
	kam_str *key;
	unsigned n, cap;
} attr_keys;

static int attr_index(const attr_keys *k, kam_str key)
{
	for (unsigned i = 0; i < k->n; i++)
		if (kam_str_eq(k->key[i], key))
			return (int)i;
	return -1;
}

/* First pass: the custom attribute names in use, in first-seen order. */
static int collect_attr_keys(kam_txn *txn, kam_kind kind, attr_keys *keys)
{
	kam_cursor *cur;
	kam_any rec;
	int rc = kam_cursor_open(txn, kind, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN, INT32_MAX, &cur);
	if (rc)
		return rc;
	while ((rc = kam_cursor_next(cur, &rec)) > 0) {
		kam_str it = rec.rec.attrs, key, val;
		while ((rc = kam_attr_next(&it, &key, &val)) > 0) {
			if (attr_index(keys, key) >= 0)
				continue;
			if (keys->n == keys->cap) {
				unsigned cap = keys->cap ? keys->cap * 2 : 8;
				kam_str *k = realloc(keys->key, cap * sizeof(*k));
				if (!k) {
					rc = KAM_ENOMEM;
					break;
				}
				keys->key = k;
				keys->cap = cap;
			}
			keys->key[keys->n++] = key;
		}
		if (rc < 0)
			break;
	}
	kam_cursor_close(cur);
	return rc;
}

static int write_records(kam_txn *txn, const kam_schema *s, const attr_keys *keys, kam_out *out,
			 kam_str *values)
{
	char (*scratch)[48] = malloc(s->nfields * sizeof(*scratch));
	kam_cursor *cur;
	kam_any rec;
	if (!scratch)
		return KAM_ENOMEM;
	int rc = kam_cursor_open(txn, s->kind, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN, INT32_MAX, &cur);
	if (rc) {
		free(scratch);
		return rc;
	}
	while ((rc = kam_cursor_next(cur, &rec)) > 0) {
		for (unsigned f = 0; f < s->nfields; f++)
			values[f] = KAM_HAS(&rec, f) ? kam_field_text(s, &rec, (int)f, scratch[f])
						     : (kam_str){ 0 };
		for (unsigned a = 0; a < keys->n; a++)
			values[s->nfields + a] = (kam_str){ 0 };
		kam_str it = rec.rec.attrs, key, val;
		while ((rc = kam_attr_next(&it, &key, &val)) > 0)
			values[s->nfields + (unsigned)attr_index(keys, key)] = val;
		if (rc < 0 || (rc = kam_out_row(out, values)))
			break;
	}
	kam_cursor_close(cur);
	free(scratch);
	return rc;
}

int kam_export(kam_txn *txn, kam_kind kind, kam_format fmt, FILE *f)
{
	const kam_schema *s = kam_schema_of(kind);
	attr_keys keys = { 0 };
	int rc = collect_attr_keys(txn, kind, &keys);
	unsigned ncols = s->nfields + keys.n;
	kam_col *cols = calloc(ncols, sizeof(*cols));
	kam_str *values = calloc(ncols, sizeof(*values));
	char **names = calloc(keys.n + 1, sizeof(*names));
	if (!rc && (!cols || !values || !names))
		rc = KAM_ENOMEM;
	for (unsigned i = 0; !rc && i < ncols; i++) {
		if (i < s->nfields) {
			kam_type t = s->fields[i].type;
			cols[i] = (kam_col){ s->fields[i].name, t == KAM_T_COUNT || t == KAM_T_MONEY };
			continue;
		}
		kam_str k = keys.key[i - s->nfields];
		char *name = names[i - s->nfields] = malloc(k.len + 1);
		if (!name) {
			rc = KAM_ENOMEM;
			break;
		}
		memcpy(name, k.ptr, k.len);
		name[k.len] = 0;
		cols[i] = (kam_col){ name, false };
	}
	if (!rc) {
		kam_out *out = kam_out_begin(f, fmt, cols, ncols);
		rc = out ? write_records(txn, s, &keys, out, values) : KAM_ENOMEM;
		int end = kam_out_end(out);
		rc = rc ? rc : end;
	}
	for (unsigned i = 0; names && i < keys.n; i++)
		free(names[i]);
	free(names);
	free(cols);
	free(values);
	free(keys.key);
	return rc;
}
