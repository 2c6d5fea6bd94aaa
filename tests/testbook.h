/*
 * testbook.h - building small books in unit tests: PUT(txn, kind, "field", "value", ...) puts one
 * record given as name, value pairs, each value parsed as an import would parse its cell.
 * A name the format does not know fails the test, unless the test defines TESTBOOK_ATTRS as true
 * before including this: then it is a custom attribute, as an import keeps unknown columns.
 */
#ifndef KAM_TESTBOOK_H
#define KAM_TESTBOOK_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "record.h"
#include "store.h"

#ifndef TESTBOOK_ATTRS
#define TESTBOOK_ATTRS false
#endif

static inline void test_put(kam_txn *txn, kam_kind kind, const char *const *kv, bool attrs_ok)
{
	const kam_schema *s = kam_schema_of(kind);
	kam_any rec;
	kam_buf attrs = { 0 };
	kam_rec_clear(s, &rec);
	for (size_t i = 0; kv[i]; i += 2) {
		int f = kam_schema_field(s, kv[i], strlen(kv[i]));
		const char *expected;
		if (f < 0 && attrs_ok) {
			cr_assert_eq(kam_attr_append(&attrs, kam_str_c(kv[i]), kam_str_c(kv[i + 1])), 0);
			rec.rec.nattrs++;
			continue;
		}
		cr_assert_geq(f, 0, "field %s", kv[i]);
		cr_assert_eq(kam_field_parse(s, &rec, f, kv[i + 1], strlen(kv[i + 1]), &expected), 0,
			     "%s=%s", kv[i], kv[i + 1]);
	}
	rec.rec.attrs = (kam_str){ (const char *)attrs.data, (uint32_t)attrs.len };
	cr_assert_eq(kam_put(txn, kind, &rec, NULL), 0);
	kam_buf_free(&attrs);
}

#define PUT(txn, kind, ...) \
	test_put(txn, kind, (const char *const[]){ __VA_ARGS__, NULL }, TESTBOOK_ATTRS)

#endif
