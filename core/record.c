/*
 * record.c - the schemas of the four record kinds, parsing and rendering of field values, and the
 * binary codec that the store keeps in LMDB.
 *
 * Codec, version 2 (what kam_rec_encode writes):
 *   byte     KAM_CODEC_VERSION
 *   varint   present bits, rotated: field i >= 1 at bit i - 1, field 0 (the id, which the store
 *            keeps as the key and leaves out) at bit nfields - 1, and bit nfields set when custom
 *            attributes follow. A stored order or interaction without a note fits in one byte.
 *   for each present field, in schema order:
 *     TEXT, ID      varint length, bytes (1..max_len of them; an empty text is never present)
 *     COUNT         varint
 *     MONEY         varint zig-zag(q) << 1 | (r != 0), then r in one byte when it is not 0, where
 *                   v = 100 q + r and 0 <= r < 100: whole cents, the usual case, cost a byte less
 *     DATE          varint zig-zag(day) << 1 | has time, then varint sec when it has a time
 *     ENUM, BOOL    one byte (1..n; 0 or 1)
 *   when attributes follow: varint nattrs (at least 1), then the blob to the end of the record:
 *            nattrs times { varint klen, key, varint vlen, value }
 *
 * Version 1, still decoded (databases written before version 2 keep their records until they
 * are rewritten): present bits unrotated and without the attribute bit; COUNT and MONEY as zig-zag
 * varints; DATE as zig-zag varint day, then varint sec + 1 (0 = no time); then always varint
 * nattrs and varint blob length before the blob.
 *
 * Every varint is in its shortest form and nothing follows the blob, so a record has exactly
 * one encoding in each version and decode(encode(r)) == r, encode(decode(b)) == b for version 2.
 */
#include "record.h"

#include <string.h>

#include <kam/errors.h>

/* ---------------------------------------------------------------------------------------------
 * Enumerations
 */

const char *const kam_stage_names[] = { "prospect", "appointment", "proposal", "won", "service", NULL };
const char *const kam_channel_names[] = {
	"hypermarket", "electronics-chain", "op-direct-online", "op-superstore", "op-regional-chain",
	"stationery-maker", "finance-equipment-maker", "oem-equipment-agent", "imaging-processor",
	"office-equipment-paper-maker", NULL
};
const char *const kam_mode_names[] = { "direct", "consignment", "oem", "agency", NULL };
const char *const kam_ikind_names[] = { "call", "visit", "email", "meeting", "other", NULL };
const char *const kam_outcome_names[] = { "connected", "no-answer", "objection", "appointment", "callback", NULL };
const char *const kam_objection_names[] = {
	"send-materials", "in-house-supply", "has-supplier", "not-decision-maker", "no-budget",
	"price-too-high", "bad-past-experience", NULL
};

/*
 * The phrases name every slug because the user fixing a CSV cell needs the list, not a pointer
 * to the documentation. test_record.c checks that they match the arrays above.
 */
static const struct {
	const char *const *names;
	const char *phrase;
} enum_phrases[] = {
	{ kam_stage_names, "one of prospect, appointment, proposal, won, service" },
	{ kam_channel_names, "one of hypermarket, electronics-chain, op-direct-online, op-superstore, "
			     "op-regional-chain, stationery-maker, finance-equipment-maker, "
			     "oem-equipment-agent, imaging-processor, office-equipment-paper-maker" },
	{ kam_mode_names, "one of direct, consignment, oem, agency" },
	{ kam_ikind_names, "one of call, visit, email, meeting, other" },
	{ kam_outcome_names, "one of connected, no-answer, objection, appointment, callback" },
	{ kam_objection_names, "one of send-materials, in-house-supply, has-supplier, "
			       "not-decision-maker, no-budget, price-too-high, bad-past-experience" },
};

#define PHRASE_ID "an id of 1 to 64 bytes"
#define PHRASE_KEYTEXT "text of at most 256 bytes"
#define PHRASE_TEXT "text of at most 65535 bytes"
#define PHRASE_COUNT "a non-negative integer"
#define PHRASE_MONEY "an amount with at most 4 decimal places"
#define PHRASE_MONEY_RANGE "an amount between -922337203685477.5808 and 922337203685477.5807"
#define PHRASE_DATE "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"
#define PHRASE_BOOL "true or false"

/* ---------------------------------------------------------------------------------------------
 * Schemas
 */

/* For an ENUM field, max_len holds the number of names: the decoder's range check needs it. */
#define F(st, mem, nm, ty, req, max, en) { nm, ty, req, (uint16_t)offsetof(st, mem), max, en }
#define ID(st, mem, req) F(st, mem, #mem, KAM_T_ID, req, KAM_ID_MAX, NULL)
#define TEXT(st, mem, req) F(st, mem, #mem, KAM_T_TEXT, req, KAM_TEXT_MAX, NULL)
#define KEYTEXT(st, mem) F(st, mem, #mem, KAM_T_TEXT, false, KAM_KEYTEXT_MAX, NULL)
#define COUNT(st, mem) F(st, mem, #mem, KAM_T_COUNT, false, 0, NULL)
#define MONEY(st, mem, req) F(st, mem, #mem, KAM_T_MONEY, req, 0, NULL)
#define DATE(st, mem, req) F(st, mem, #mem, KAM_T_DATE, req, 0, NULL)
#define ENUM(st, mem, req, names, n) F(st, mem, #mem, KAM_T_ENUM, req, n, names)
#define BOOL(st, mem) F(st, mem, #mem, KAM_T_BOOL, false, 0, NULL)

static const kam_field account_fields[KAM_A_NFIELDS] = {
	[KAM_A_ID] = ID(kam_account, id, true),
	[KAM_A_NAME] = TEXT(kam_account, name, true),
	[KAM_A_REGION] = KEYTEXT(kam_account, region),
	[KAM_A_INDUSTRY] = KEYTEXT(kam_account, industry),
	[KAM_A_CHANNEL] = ENUM(kam_account, channel, false, kam_channel_names, 10),
	[KAM_A_EMPLOYEES] = COUNT(kam_account, employees),
	[KAM_A_NET_ASSETS] = MONEY(kam_account, net_assets, false),
	[KAM_A_ANNUAL_REVENUE] = MONEY(kam_account, annual_revenue, false),
	[KAM_A_WALLET] = MONEY(kam_account, wallet, false),
	[KAM_A_OWNER] = KEYTEXT(kam_account, owner),
	[KAM_A_CREATED] = DATE(kam_account, created, false),
	[KAM_A_STAGE] = ENUM(kam_account, stage, false, kam_stage_names, 5),
};

static const kam_field contact_fields[KAM_C_NFIELDS] = {
	[KAM_C_ID] = ID(kam_contact, id, true),
	[KAM_C_ACCOUNT_ID] = ID(kam_contact, account_id, true),
	[KAM_C_NAME] = TEXT(kam_contact, name, true),
	[KAM_C_ROLE] = TEXT(kam_contact, role, false),
	[KAM_C_PHONE] = TEXT(kam_contact, phone, false),
	[KAM_C_EMAIL] = TEXT(kam_contact, email, false),
	[KAM_C_ACTIVE] = BOOL(kam_contact, active),
};

static const kam_field order_fields[KAM_O_NFIELDS] = {
	[KAM_O_ID] = ID(kam_order, id, true),
	[KAM_O_ACCOUNT_ID] = ID(kam_order, account_id, true),
	[KAM_O_DATE] = DATE(kam_order, date, true),
	[KAM_O_AMOUNT] = MONEY(kam_order, amount, true),
	[KAM_O_PROFIT] = MONEY(kam_order, profit, false),
	[KAM_O_MODE] = ENUM(kam_order, mode, false, kam_mode_names, 4),
	[KAM_O_CATEGORY] = TEXT(kam_order, category, false),
	[KAM_O_PAID] = MONEY(kam_order, paid, false),
};

static const kam_field interaction_fields[KAM_I_NFIELDS] = {
	[KAM_I_ID] = ID(kam_interaction, id, true),
	[KAM_I_ACCOUNT_ID] = ID(kam_interaction, account_id, true),
	[KAM_I_DATE] = DATE(kam_interaction, date, true),
	[KAM_I_KIND] = ENUM(kam_interaction, kind, true, kam_ikind_names, 5),
	[KAM_I_MINUTES] = COUNT(kam_interaction, minutes),
	[KAM_I_OUTCOME] = ENUM(kam_interaction, outcome, false, kam_outcome_names, 5),
	[KAM_I_OBJECTION] = ENUM(kam_interaction, objection, false, kam_objection_names, 7),
	[KAM_I_CONTACT_ID] = ID(kam_interaction, contact_id, false),
	[KAM_I_NOTE] = TEXT(kam_interaction, note, false),
};

static const kam_schema schemas[KAM_KIND_COUNT] = {
	[KAM_ACCOUNT] = { KAM_ACCOUNT, "accounts", "account", sizeof(kam_account), KAM_A_NFIELDS,
			  account_fields, -1 },
	[KAM_CONTACT] = { KAM_CONTACT, "contacts", "contact", sizeof(kam_contact), KAM_C_NFIELDS,
			  contact_fields, KAM_C_ACCOUNT_ID },
	[KAM_ORDER] = { KAM_ORDER, "orders", "order", sizeof(kam_order), KAM_O_NFIELDS,
			order_fields, KAM_O_ACCOUNT_ID },
	[KAM_INTERACTION] = { KAM_INTERACTION, "interactions", "interaction", sizeof(kam_interaction),
			      KAM_I_NFIELDS, interaction_fields, KAM_I_ACCOUNT_ID },
};

_Static_assert(KAM_A_NFIELDS <= KAM_MAX_FIELDS && KAM_C_NFIELDS <= KAM_MAX_FIELDS &&
	       KAM_O_NFIELDS <= KAM_MAX_FIELDS && KAM_I_NFIELDS <= KAM_MAX_FIELDS,
	       "present is a 32-bit mask");
_Static_assert(sizeof(kam_any) <= UINT16_MAX, "field offsets are 16-bit");

const kam_schema *kam_schema_of(kam_kind kind)
{
	return &schemas[kind];
}

int kam_kind_parse(const char *name, kam_kind *out)
{
	if (!name)
		return KAM_ENOTFOUND;
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		if (strcmp(name, schemas[k].name) == 0 || strcmp(name, schemas[k].singular) == 0) {
			*out = (kam_kind)k;
			return 0;
		}
	}
	return KAM_ENOTFOUND;
}

/*
 * A NUL-terminated name against `len` bytes of text. Not strncmp: a NUL inside the text would
 * end the comparison early and make name[len] a read past the name.
 */
static bool name_eq(const char *name, const char *s, size_t len)
{
	return strlen(name) == len && memcmp(name, s, len) == 0;
}

int kam_schema_field(const kam_schema *s, const char *name, size_t len)
{
	for (unsigned i = 0; i < s->nfields; i++) {
		const char *fn = s->fields[i].name;
		if (name_eq(fn, name, len))
			return (int)i;
	}
	return -1;
}

void kam_rec_clear(const kam_schema *s, void *rec)
{
	memset(rec, 0, s->size);
}

/* ---------------------------------------------------------------------------------------------
 * Field values as text
 */

static size_t type_size(kam_type t)
{
	switch (t) {
	case KAM_T_TEXT:
	case KAM_T_ID:
		return sizeof(kam_str);
	case KAM_T_COUNT:
		return sizeof(int64_t);
	case KAM_T_MONEY:
		return sizeof(kam_money);
	case KAM_T_DATE:
		return sizeof(kam_date);
	case KAM_T_ENUM:
		return sizeof(uint8_t);
	case KAM_T_BOOL:
		return sizeof(bool);
	}
	return 0;
}

static const char *enum_phrase(const char *const *names)
{
	for (size_t i = 0; i < sizeof(enum_phrases) / sizeof(enum_phrases[0]); i++)
		if (enum_phrases[i].names == names)
			return enum_phrases[i].phrase;
	return "one of the listed values";
}

static const char *text_phrase(const kam_field *f)
{
	if (f->type == KAM_T_ID)
		return PHRASE_ID;
	return f->max_len == KAM_KEYTEXT_MAX ? PHRASE_KEYTEXT : PHRASE_TEXT;
}

/* Digits only; a '-' before them is a well-formed but negative, so out-of-range, number. */
static int count_parse(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = len > 1 && s[0] == '-';
	if (neg)
		i = 1;
	uint64_t v = 0;
	int over = 0;
	for (; i < len; i++) {
		unsigned c = (unsigned char)s[i] - '0';
		if (c > 9)
			return KAM_EPARSE;
		if (v > ((uint64_t)INT64_MAX - c) / 10)
			over = 1;
		else
			v = v * 10 + c;
	}
	if (over || (neg && v != 0))
		return KAM_ERANGE;
	*out = (int64_t)v;
	return 0;
}

static int enum_parse(const char *const *names, const char *s, size_t len, uint8_t *out)
{
	for (unsigned i = 0; names[i]; i++) {
		if (name_eq(names[i], s, len)) {
			*out = (uint8_t)(i + 1);
			return 0;
		}
	}
	return KAM_EPARSE;
}

static int field_value_parse(const kam_field *f, void *dst, const char *text, size_t len,
			     const char **expected)
{
	switch (f->type) {
	case KAM_T_TEXT:
	case KAM_T_ID:
		*expected = text_phrase(f);
		if (len > f->max_len)
			return KAM_ELIMIT;
		*(kam_str *)dst = (kam_str){ text, (uint32_t)len };
		return 0;
	case KAM_T_COUNT:
		*expected = PHRASE_COUNT;
		return count_parse(text, len, dst);
	case KAM_T_MONEY: {
		int rc = kam_money_parse(text, len, dst);
		*expected = rc == KAM_ERANGE ? PHRASE_MONEY_RANGE : PHRASE_MONEY;
		return rc;
	}
	case KAM_T_DATE:
		*expected = PHRASE_DATE;
		return kam_date_parse(text, len, dst);
	case KAM_T_ENUM:
		*expected = enum_phrase(f->enum_names);
		return enum_parse(f->enum_names, text, len, dst);
	case KAM_T_BOOL:
		*expected = PHRASE_BOOL;
		if (len == 4 && memcmp(text, "true", 4) == 0)
			*(bool *)dst = true;
		else if (len == 5 && memcmp(text, "false", 5) == 0)
			*(bool *)dst = false;
		else
			return KAM_EPARSE;
		return 0;
	}
	return KAM_EINVAL;
}

int kam_field_parse(const kam_schema *s, void *rec, int f, const char *text, size_t len,
		    const char **expected)
{
	if (f < 0 || (unsigned)f >= s->nfields)
		return KAM_EINVAL;
	const kam_field *fd = &s->fields[f];
	kam_rec *h = rec;
	char *dst = (char *)rec + fd->offset;

	if (len == 0) {
		memset(dst, 0, type_size(fd->type));
		h->present &= ~(1u << f);
		return 0;
	}
	const char *phrase = NULL;
	int rc = field_value_parse(fd, dst, text, len, &phrase);
	if (rc) {
		if (expected)
			*expected = phrase;
		return rc;
	}
	h->present |= 1u << f;
	return 0;
}

int kam_rec_check(const kam_schema *s, const void *rec, int *field)
{
	const kam_rec *h = rec;
	for (unsigned i = 0; i < s->nfields; i++) {
		if (s->fields[i].required && !((h->present >> i) & 1u)) {
			if (field)
				*field = (int)i;
			return KAM_EPARSE;
		}
	}
	return 0;
}

size_t kam_int_format(int64_t v, char buf[24])
{
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	char *p = buf;
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
	return (size_t)(p - buf);
}

kam_str kam_field_text(const kam_schema *s, const void *rec, int f, char scratch[48])
{
	scratch[0] = '\0';
	if (f < 0 || (unsigned)f >= s->nfields || !KAM_HAS(rec, f))
		return (kam_str){ scratch, 0 };
	const kam_field *fd = &s->fields[f];
	const char *src = (const char *)rec + fd->offset;
	uint8_t e;

	switch (fd->type) {
	case KAM_T_TEXT:
	case KAM_T_ID:
		return *(const kam_str *)src;
	case KAM_T_COUNT:
		return (kam_str){ scratch, (uint32_t)kam_int_format(*(const int64_t *)src, scratch) };
	case KAM_T_MONEY:
		return (kam_str){ scratch, (uint32_t)kam_money_format(*(const kam_money *)src, scratch) };
	case KAM_T_DATE:
		return (kam_str){ scratch, (uint32_t)kam_date_format(*(const kam_date *)src, scratch) };
	case KAM_T_ENUM:
		e = *(const uint8_t *)src;
		if (e < 1 || e > fd->max_len)
			break;
		return kam_str_c(fd->enum_names[e - 1]);
	case KAM_T_BOOL:
		return *(const uint8_t *)src ? KAM_STR("true") : KAM_STR("false");
	}
	return (kam_str){ scratch, 0 };
}

/* ---------------------------------------------------------------------------------------------
 * Codec
 */

#define VARINT_MAX 10

/*
 * Reads a varint in its shortest form only: a final byte of zero after another byte would be a
 * second encoding of the same value. Returns 0 or -1. One-byte values, by far the most common
 * (lengths, enums, small numbers), take the first branch.
 */
static inline int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (b == 0 && shift)
				return -1;
			*v = x;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Counts the entries of an attribute blob; -1 when it does not parse to its end. */
static int64_t attrs_count(kam_str blob)
{
	kam_str cur = blob, k, v;
	int64_t n = 0;
	int rc;
	while ((rc = kam_attr_next(&cur, &k, &v)) == 1)
		n++;
	return rc == 0 ? n : -1;
}

/*
 * The present bits as they will be encoded: bits of fields with no value (an empty text, enum 0)
 * are dropped, so that "absent" has one encoding. Returns -1 when a value is outside what
 * decode accepts.
 */
static int64_t encode_present(const kam_schema *s, const void *rec, size_t *size)
{
	uint32_t present = ((const kam_rec *)rec)->present;
	uint32_t out = 0;
	size_t n = 1 + VARINT_MAX;
	for (unsigned i = 0; i < s->nfields; i++) {
		if (!((present >> i) & 1u))
			continue;
		const kam_field *f = &s->fields[i];
		const char *src = (const char *)rec + f->offset;
		switch (f->type) {
		case KAM_T_TEXT:
		case KAM_T_ID: {
			const kam_str *t = (const kam_str *)src;
			if (t->len == 0)
				continue;
			if (t->len > f->max_len)
				return -1;
			n += VARINT_MAX + t->len;
			break;
		}
		case KAM_T_COUNT:
			if (*(const int64_t *)src < 0)
				return -1;
			n += VARINT_MAX;
			break;
		case KAM_T_MONEY:
			n += VARINT_MAX + 1;
			break;
		case KAM_T_DATE: {
			const kam_date *d = (const kam_date *)src;
			if (d->sec < KAM_NO_TIME || d->sec >= 86400)
				return -1;
			n += 2 * VARINT_MAX;
			break;
		}
		case KAM_T_ENUM: {
			uint8_t e = *(const uint8_t *)src;
			if (e == 0)
				continue;
			if (e > f->max_len)
				return -1;
			n += 1;
			break;
		}
		case KAM_T_BOOL:
			n += 1;
			break;
		}
		out |= 1u << i;
	}
	*size = n + 2 * VARINT_MAX;
	return out;
}

/* Present bits in version 2's order (see the top of the file). */
static uint64_t present_rotate(uint32_t present, unsigned nfields, int attrs)
{
	return (uint64_t)(present >> 1) | (uint64_t)(present & 1u) << (nfields - 1) |
	       (uint64_t)(attrs != 0) << nfields;
}

/* Money as version 2 writes it: whole cents (v = 100 q) cost a byte less than v itself. */
static inline uint8_t *put_money(uint8_t *p, int64_t v)
{
	int64_t q = v / 100, r = v % 100;
	if (r < 0) {
		q--;
		r += 100;
	}
	p = put_varint(p, kam_zigzag(q) << 1 | (r != 0));
	if (r)
		*p++ = (uint8_t)r;
	return p;
}

int kam_rec_encode(const kam_schema *s, const void *rec, kam_buf *out)
{
	const kam_rec *h = rec;
	size_t size;
	int64_t present = encode_present(s, rec, &size);
	if (present < 0 || attrs_count(h->attrs) != (int64_t)h->nattrs)
		return KAM_EINVAL;
	int rc = kam_buf_reserve(out, size + h->attrs.len);
	if (rc)
		return rc;

	uint8_t *p = out->data + out->len;
	*p++ = KAM_CODEC_VERSION;
	p = put_varint(p, present_rotate((uint32_t)present, s->nfields, h->nattrs > 0));
	for (unsigned i = 0; i < s->nfields; i++) {
		if (!((present >> i) & 1))
			continue;
		const kam_field *f = &s->fields[i];
		const char *src = (const char *)rec + f->offset;
		switch (f->type) {
		case KAM_T_TEXT:
		case KAM_T_ID: {
			const kam_str *t = (const kam_str *)src;
			p = put_varint(p, t->len);
			memcpy(p, t->ptr, t->len);
			p += t->len;
			break;
		}
		case KAM_T_COUNT:
			p = put_varint(p, (uint64_t)*(const int64_t *)src);
			break;
		case KAM_T_MONEY:
			p = put_money(p, *(const int64_t *)src);
			break;
		case KAM_T_DATE: {
			const kam_date *d = (const kam_date *)src;
			p = put_varint(p, kam_zigzag(d->day) << 1 | (d->sec != KAM_NO_TIME));
			if (d->sec != KAM_NO_TIME)
				p = put_varint(p, (uint64_t)d->sec);
			break;
		}
		case KAM_T_ENUM:
			*p++ = *(const uint8_t *)src;
			break;
		case KAM_T_BOOL:
			*p++ = *(const uint8_t *)src ? 1 : 0;
			break;
		}
	}
	if (h->nattrs) {
		p = put_varint(p, h->nattrs);
		memcpy(p, h->attrs.ptr, h->attrs.len);
		p += h->attrs.len;
	}
	out->len = (size_t)(p - out->data);
	return 0;
}

/* A day that fits an int32, from its zig-zag form; -1 when it does not. */
static inline int day_of(uint64_t zz, int32_t *day)
{
	int64_t d = kam_unzigzag(zz);
	if (d < INT32_MIN || d > INT32_MAX)
		return -1;
	*day = (int32_t)d;
	return 0;
}

/* COUNT, MONEY and DATE in version 1; returns 0 or -1. */
static int number_decode_v1(const kam_field *f, const uint8_t **pp, const uint8_t *end, char *dst)
{
	uint64_t v;
	if (get_varint(pp, end, &v))
		return -1;
	switch (f->type) {
	case KAM_T_COUNT:
		if (v & 1)
			return -1; /* odd zig-zag values are negative */
		*(int64_t *)dst = kam_unzigzag(v);
		return 0;
	case KAM_T_MONEY:
		*(kam_money *)dst = kam_unzigzag(v);
		return 0;
	default: {
		kam_date *d = (kam_date *)dst;
		if (day_of(v, &d->day) || get_varint(pp, end, &v) || v > 86400)
			return -1;
		d->sec = (int32_t)v - 1;
		return 0;
	}
	}
}

/* COUNT, MONEY and DATE in version 2; returns 0 or -1. */
static inline int number_decode(const kam_field *f, const uint8_t **pp, const uint8_t *end, char *dst)
{
	uint64_t v;
	if (get_varint(pp, end, &v))
		return -1;
	switch (f->type) {
	case KAM_T_COUNT:
		if (v > INT64_MAX)
			return -1;
		*(int64_t *)dst = (int64_t)v;
		return 0;
	case KAM_T_MONEY: {
		/* In 128 bits: -2^63 is 100 q + 92 with 100 q below -2^63. */
		__extension__ __int128 m = (__int128)kam_unzigzag(v >> 1) * 100;
		if (v & 1) {
			if (*pp >= end || **pp == 0 || **pp > 99)
				return -1;
			m += *(*pp)++;
		}
		if (m < INT64_MIN || m > INT64_MAX)
			return -1;
		*(kam_money *)dst = (int64_t)m;
		return 0;
	}
	default: {
		kam_date *d = (kam_date *)dst;
		if (day_of(v >> 1, &d->day))
			return -1;
		d->sec = KAM_NO_TIME;
		if (v & 1) {
			if (get_varint(pp, end, &v) || v > 86399)
				return -1;
			d->sec = (int32_t)v;
		}
		return 0;
	}
	}
}

/* Decodes one present field at `dst`; returns 0 or -1. */
static inline int field_decode(const kam_field *f, int v1, const uint8_t **pp, const uint8_t *end,
			       char *dst)
{
	const uint8_t *p = *pp;
	uint64_t v;
	switch (f->type) {
	case KAM_T_TEXT:
	case KAM_T_ID:
		if (get_varint(&p, end, &v) || v == 0 || v > f->max_len || v > (uint64_t)(end - p))
			return -1;
		*(kam_str *)dst = (kam_str){ (const char *)p, (uint32_t)v };
		p += v;
		break;
	case KAM_T_COUNT:
	case KAM_T_MONEY:
	case KAM_T_DATE:
		if (v1 ? number_decode_v1(f, &p, end, dst) : number_decode(f, &p, end, dst))
			return -1;
		break;
	case KAM_T_ENUM:
		if (p >= end || *p == 0 || *p > f->max_len)
			return -1;
		*(uint8_t *)dst = *p++;
		break;
	case KAM_T_BOOL:
		if (p >= end || *p > 1)
			return -1;
		*(bool *)dst = *p++;
		break;
	default:
		return -1;
	}
	*pp = p;
	return 0;
}

/*
 * The attributes after the fields: whatever is left of the record (p to end). Version 1 always
 * has nattrs and the blob's length; version 2 has nattrs only when the present bits said so.
 */
static int attrs_decode(kam_rec *h, int v1, int has_attrs, const uint8_t *p, const uint8_t *end)
{
	uint64_t nattrs = 0, blen;
	if (v1) {
		if (get_varint(&p, end, &nattrs) || get_varint(&p, end, &blen) ||
		    blen != (uint64_t)(end - p))
			return -1;
	} else if (has_attrs && (get_varint(&p, end, &nattrs) || nattrs == 0)) {
		return -1;
	}
	blen = (uint64_t)(end - p);
	if (nattrs > blen / 2 || blen > UINT32_MAX || (!nattrs && blen))
		return -1;
	h->nattrs = (uint32_t)nattrs;
	h->attrs = (kam_str){ (const char *)p, (uint32_t)blen };
	if (nattrs && attrs_count(h->attrs) != (int64_t)nattrs)
		return -1;
	return 0;
}

int kam_rec_decode(const kam_schema *s, const void *data, size_t len, void *rec)
{
	const uint8_t *p = data, *end = p + len;
	if (len == 0 || p[0] == 0)
		return KAM_ECORRUPT;
	if (p[0] > KAM_CODEC_VERSION)
		return KAM_EVERSION;
	int v1 = p[0] == 1, has_attrs = 0;
	p++;

	uint64_t present;
	if (get_varint(&p, end, &present) || (present >> (s->nfields + !v1)))
		return KAM_ECORRUPT;
	if (!v1) {
		uint64_t fields = (1u << s->nfields) - 1;
		has_attrs = (int)(present >> s->nfields);
		present &= fields;
		present = (present << 1 | present >> (s->nfields - 1)) & fields;
	}
	memset(rec, 0, s->size);
	kam_rec *h = rec;
	h->present = (uint32_t)present;
	for (unsigned i = 0; present; i++, present >>= 1) {
		if ((present & 1) &&
		    field_decode(&s->fields[i], v1, &p, end, (char *)rec + s->fields[i].offset))
			return KAM_ECORRUPT;
	}
	return attrs_decode(h, v1, has_attrs, p, end) ? KAM_ECORRUPT : 0;
}

int kam_attr_append(kam_buf *attrs, kam_str key, kam_str value)
{
	int rc = kam_buf_reserve(attrs, 2 * VARINT_MAX + (size_t)key.len + value.len);
	if (rc)
		return rc;
	uint8_t *p = attrs->data + attrs->len;
	p = put_varint(p, key.len);
	if (key.len)
		memcpy(p, key.ptr, key.len);
	p += key.len;
	p = put_varint(p, value.len);
	if (value.len)
		memcpy(p, value.ptr, value.len);
	p += value.len;
	attrs->len = (size_t)(p - attrs->data);
	return 0;
}

int kam_attr_next(kam_str *cursor, kam_str *key, kam_str *value)
{
	if (cursor->len == 0)
		return 0;
	const uint8_t *p = (const uint8_t *)cursor->ptr, *end = p + cursor->len;
	uint64_t klen, vlen;
	if (get_varint(&p, end, &klen) || klen > (uint64_t)(end - p))
		return KAM_ECORRUPT;
	const uint8_t *k = p;
	p += klen;
	if (get_varint(&p, end, &vlen) || vlen > (uint64_t)(end - p))
		return KAM_ECORRUPT;
	*key = (kam_str){ (const char *)k, (uint32_t)klen };
	*value = (kam_str){ (const char *)p, (uint32_t)vlen };
	p += vlen;
	*cursor = (kam_str){ (const char *)p, (uint32_t)(end - p) };
	return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Rollups
 */

void kam_rollup_init(kam_rollup *r)
{
	static const kam_date none = { KAM_NO_DAY, KAM_NO_TIME };
	memset(r, 0, sizeof(*r));
	r->first_order = r->last_order = none;
	r->last_call = r->last_visit = r->last_interaction = none;
}
