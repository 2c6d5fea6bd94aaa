/*
 * fuzz_decode.c - libFuzzer target for the record codec.
 *
 * Decodes arbitrary bytes as every kind. Whatever decodes must re-encode to exactly the same
 * bytes (the codec has one encoding per record), or, for a version 1 record, to version 2 bytes
 * that decode to the same record; its attributes must walk to nattrs entries, and
 * every field's canonical text must parse back to itself. Short inputs are also parsed as the
 * text of every field (kam_field_parse, hence money and date parsing). Not part of the CMake
 * build:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isdk -Icore core/record.c core/date.c \
 *     core/money.c core/buf.c tests/fuzz/fuzz_decode.c -o /tmp/fuzz_decode
 *   /tmp/fuzz_decode -max_total_time=60 /tmp/corpus
 */
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Dates print outside years 1..9999 but parse only inside them. */
static int parses_back(const kam_schema *s, const kam_any *rec, unsigned f)
{
	if (s->fields[f].type != KAM_T_DATE)
		return 1;
	const kam_date *d = (const kam_date *)((const char *)rec + s->fields[f].offset);
	return d->day >= kam_days_from_civil(1, 1, 1) && d->day <= kam_days_from_civil(9999, 12, 31);
}

/* An older version's record, encoded again in the current one, decodes to the same record. */
static void same_record(const kam_schema *s, const kam_any *rec, const uint8_t *data, size_t size)
{
	kam_any again;
	if (kam_rec_decode(s, data, size, &again) != 0 || again.rec.present != rec->rec.present ||
	    again.rec.nattrs != rec->rec.nattrs || !kam_str_eq(again.rec.attrs, rec->rec.attrs))
		abort();
	for (unsigned i = 0; i < s->nfields; i++) {
		char a[48], b[48];
		if (!kam_str_eq(kam_field_text(s, rec, (int)i, a), kam_field_text(s, &again, (int)i, b)))
			abort();
	}
}

static void check(const kam_schema *s, const uint8_t *data, size_t size)
{
	kam_any rec;
	int rc = kam_rec_decode(s, data, size, &rec);
	if (rc) {
		if (rc != KAM_ECORRUPT && rc != KAM_EVERSION)
			abort();
		return;
	}

	kam_buf out = { 0 };
	if (kam_rec_encode(s, &rec, &out) != 0)
		abort();
	if (data[0] == KAM_CODEC_VERSION && (out.len != size || memcmp(out.data, data, size) != 0))
		abort();
	if (data[0] != KAM_CODEC_VERSION)
		same_record(s, &rec, out.data, out.len);
	kam_buf_free(&out);

	kam_str cur = rec.rec.attrs, k, v;
	uint32_t n = 0;
	while ((rc = kam_attr_next(&cur, &k, &v)) == 1)
		n++;
	if (rc != 0 || n != rec.rec.nattrs)
		abort();

	for (unsigned i = 0; i < s->nfields; i++) {
		char scratch[48], scratch2[48];
		kam_str t = kam_field_text(s, &rec, (int)i, scratch);
		if (KAM_HAS(&rec, i) != (t.len > 0))
			abort();
		if (!t.len || !parses_back(s, &rec, i))
			continue;
		/* The canonical text parses back to a value with the same canonical text. */
		const char *expected;
		kam_any again;
		kam_rec_clear(s, &again);
		if (kam_field_parse(s, &again, (int)i, t.ptr, t.len, &expected) != 0)
			abort();
		kam_str t2 = kam_field_text(s, &again, (int)i, scratch2);
		if (!kam_str_eq(t, t2))
			abort();
	}
}

/*
 * The same bytes as the text of a cell, for every field: parsing must not read outside them, and
 * a parsed value's canonical text must parse back to the same canonical text.
 */
static void check_parse(const kam_schema *s, const uint8_t *data, size_t size)
{
	/* A copy of exactly `size` bytes, so that ASan sees any read past the cell. */
	char *cell = malloc(size ? size : 1);
	if (!cell)
		return;
	if (size)
		memcpy(cell, data, size);
	for (unsigned i = 0; i < s->nfields; i++) {
		kam_any rec;
		const char *expected = NULL;
		kam_rec_clear(s, &rec);
		int rc = kam_field_parse(s, &rec, (int)i, cell, size, &expected);
		if (rc) {
			if ((rc != KAM_EPARSE && rc != KAM_ERANGE && rc != KAM_ELIMIT) || !expected ||
			    rec.rec.present)
				abort();
			continue;
		}
		char scratch[48], scratch2[48];
		kam_str t = kam_field_text(s, &rec, (int)i, scratch);
		if ((size > 0) != KAM_HAS(&rec, i) || (size > 0) != (t.len > 0))
			abort();
		if (!size)
			continue;
		kam_any again;
		kam_rec_clear(s, &again);
		if (kam_field_parse(s, &again, (int)i, t.ptr, t.len, &expected) != 0)
			abort();
		if (!kam_str_eq(t, kam_field_text(s, &again, (int)i, scratch2)))
			abort();
	}
	free(cell);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		check(kam_schema_of((kam_kind)k), data, size);
		if (size <= 64)
			check_parse(kam_schema_of((kam_kind)k), data, size);
	}
	return 0;
}
