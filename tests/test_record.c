/* test_record.c - schemas, field parsing and rendering, and the binary codec. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "record.h"

#define countof(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------------------------
 * Enumerations and schema tables
 */

static void expect_names(const char *const *got, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_expect(got[i] && strcmp(got[i], want[i]) == 0, "name %zu: %s, want %s", i,
			  got[i] ? got[i] : "(null)", want[i]);
	cr_expect_null(got[n], "list not NULL-terminated after %zu names", n);
}

Test(record, enum_names)
{
	static const char *stage[] = { "prospect", "appointment", "proposal", "won", "service" };
	static const char *channel[] = {
		"hypermarket", "electronics-chain", "op-direct-online", "op-superstore",
		"op-regional-chain", "stationery-maker", "finance-equipment-maker",
		"oem-equipment-agent", "imaging-processor", "office-equipment-paper-maker"
	};
	static const char *mode[] = { "direct", "consignment", "oem", "agency" };
	static const char *ikind[] = { "call", "visit", "email", "meeting", "other" };
	static const char *outcome[] = { "connected", "no-answer", "objection", "appointment", "callback" };
	static const char *objection[] = {
		"send-materials", "in-house-supply", "has-supplier", "not-decision-maker", "no-budget",
		"price-too-high", "bad-past-experience"
	};
	expect_names(kam_stage_names, stage, countof(stage));
	expect_names(kam_channel_names, channel, countof(channel));
	expect_names(kam_mode_names, mode, countof(mode));
	expect_names(kam_ikind_names, ikind, countof(ikind));
	expect_names(kam_outcome_names, outcome, countof(outcome));
	expect_names(kam_objection_names, objection, countof(objection));
	cr_expect_str_eq(kam_stage_names[KAM_STAGE_SERVICE - 1], "service");
	cr_expect_str_eq(kam_channel_names[KAM_CH_OFFICE_EQUIPMENT_PAPER_MAKER - 1], "office-equipment-paper-maker");
	cr_expect_str_eq(kam_mode_names[KAM_MODE_AGENCY - 1], "agency");
	cr_expect_str_eq(kam_ikind_names[KAM_IK_OTHER - 1], "other");
	cr_expect_str_eq(kam_outcome_names[KAM_OUT_NO_ANSWER - 1], "no-answer");
	cr_expect_str_eq(kam_objection_names[KAM_OBJ_BAD_PAST_EXPERIENCE - 1], "bad-past-experience");
}

struct fexp {
	const char *name;
	kam_type type;
	bool required;
	size_t offset;
	uint32_t max_len;
	const char *const *enum_names;
};

#define FX(st, mem, ty, req, max, en) { #mem, ty, req, offsetof(st, mem), max, en }

static const struct fexp account_exp[] = {
	FX(kam_account, id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_account, name, KAM_T_TEXT, true, KAM_TEXT_MAX, NULL),
	FX(kam_account, region, KAM_T_TEXT, false, KAM_KEYTEXT_MAX, NULL),
	FX(kam_account, industry, KAM_T_TEXT, false, KAM_KEYTEXT_MAX, NULL),
	FX(kam_account, channel, KAM_T_ENUM, false, 10, kam_channel_names),
	FX(kam_account, employees, KAM_T_COUNT, false, 0, NULL),
	FX(kam_account, net_assets, KAM_T_MONEY, false, 0, NULL),
	FX(kam_account, annual_revenue, KAM_T_MONEY, false, 0, NULL),
	FX(kam_account, wallet, KAM_T_MONEY, false, 0, NULL),
	FX(kam_account, owner, KAM_T_TEXT, false, KAM_KEYTEXT_MAX, NULL),
	FX(kam_account, created, KAM_T_DATE, false, 0, NULL),
	FX(kam_account, stage, KAM_T_ENUM, false, 5, kam_stage_names),
};
static const struct fexp contact_exp[] = {
	FX(kam_contact, id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_contact, account_id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_contact, name, KAM_T_TEXT, true, KAM_TEXT_MAX, NULL),
	FX(kam_contact, role, KAM_T_TEXT, false, KAM_TEXT_MAX, NULL),
	FX(kam_contact, phone, KAM_T_TEXT, false, KAM_TEXT_MAX, NULL),
	FX(kam_contact, email, KAM_T_TEXT, false, KAM_TEXT_MAX, NULL),
	FX(kam_contact, active, KAM_T_BOOL, false, 0, NULL),
};
static const struct fexp order_exp[] = {
	FX(kam_order, id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_order, account_id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_order, date, KAM_T_DATE, true, 0, NULL),
	FX(kam_order, amount, KAM_T_MONEY, true, 0, NULL),
	FX(kam_order, profit, KAM_T_MONEY, false, 0, NULL),
	FX(kam_order, mode, KAM_T_ENUM, false, 4, kam_mode_names),
	FX(kam_order, category, KAM_T_TEXT, false, KAM_TEXT_MAX, NULL),
	FX(kam_order, paid, KAM_T_MONEY, false, 0, NULL),
};
static const struct fexp interaction_exp[] = {
	FX(kam_interaction, id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_interaction, account_id, KAM_T_ID, true, KAM_ID_MAX, NULL),
	FX(kam_interaction, date, KAM_T_DATE, true, 0, NULL),
	FX(kam_interaction, kind, KAM_T_ENUM, true, 5, kam_ikind_names),
	FX(kam_interaction, minutes, KAM_T_COUNT, false, 0, NULL),
	FX(kam_interaction, outcome, KAM_T_ENUM, false, 5, kam_outcome_names),
	FX(kam_interaction, objection, KAM_T_ENUM, false, 7, kam_objection_names),
	FX(kam_interaction, contact_id, KAM_T_ID, false, KAM_ID_MAX, NULL),
	FX(kam_interaction, note, KAM_T_TEXT, false, KAM_TEXT_MAX, NULL),
};

static void expect_schema(kam_kind kind, const char *name, const char *singular, size_t size,
			  const struct fexp *exp, unsigned n, int account_ref)
{
	const kam_schema *s = kam_schema_of(kind);
	cr_assert_not_null(s);
	cr_expect_eq(s->kind, kind);
	cr_expect_str_eq(s->name, name);
	cr_expect_str_eq(s->singular, singular);
	cr_expect_eq(s->size, size);
	cr_expect_eq(s->account_ref, account_ref);
	cr_assert_eq(s->nfields, n, "%s: %u fields", name, s->nfields);
	cr_expect_str_eq(s->fields[0].name, "id");
	for (unsigned i = 0; i < n; i++) {
		const kam_field *f = &s->fields[i];
		cr_expect_str_eq(f->name, exp[i].name, "%s field %u", name, i);
		cr_expect_eq(f->type, exp[i].type, "%s.%s type", name, f->name);
		cr_expect_eq(f->required, exp[i].required, "%s.%s required", name, f->name);
		cr_expect_eq(f->offset, exp[i].offset, "%s.%s offset", name, f->name);
		cr_expect_eq(f->max_len, exp[i].max_len, "%s.%s max_len", name, f->name);
		cr_expect_eq(f->enum_names, exp[i].enum_names, "%s.%s enum_names", name, f->name);
		cr_expect_eq(kam_schema_field(s, exp[i].name, strlen(exp[i].name)), (int)i);
	}
	if (account_ref >= 0)
		cr_expect_str_eq(s->fields[account_ref].name, "account_id");
}

Test(record, schemas)
{
	expect_schema(KAM_ACCOUNT, "accounts", "account", sizeof(kam_account), account_exp,
		      KAM_A_NFIELDS, -1);
	expect_schema(KAM_CONTACT, "contacts", "contact", sizeof(kam_contact), contact_exp,
		      KAM_C_NFIELDS, KAM_C_ACCOUNT_ID);
	expect_schema(KAM_ORDER, "orders", "order", sizeof(kam_order), order_exp, KAM_O_NFIELDS,
		      KAM_O_ACCOUNT_ID);
	expect_schema(KAM_INTERACTION, "interactions", "interaction", sizeof(kam_interaction),
		      interaction_exp, KAM_I_NFIELDS, KAM_I_ACCOUNT_ID);
	cr_expect_eq(countof(account_exp), KAM_A_NFIELDS);
	cr_expect_eq(countof(contact_exp), KAM_C_NFIELDS);
	cr_expect_eq(countof(order_exp), KAM_O_NFIELDS);
	cr_expect_eq(countof(interaction_exp), KAM_I_NFIELDS);
	/* Enum counts in max_len agree with the name lists. */
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		const kam_schema *s = kam_schema_of((kam_kind)k);
		for (unsigned i = 0; i < s->nfields; i++) {
			if (s->fields[i].type != KAM_T_ENUM)
				continue;
			uint32_t n = 0;
			while (s->fields[i].enum_names[n])
				n++;
			cr_expect_eq(s->fields[i].max_len, n, "%s.%s", s->name, s->fields[i].name);
		}
	}
}

Test(record, kind_parse_and_field_lookup)
{
	static const struct { const char *s; kam_kind k; } ok[] = {
		{ "accounts", KAM_ACCOUNT }, { "account", KAM_ACCOUNT },
		{ "contacts", KAM_CONTACT }, { "contact", KAM_CONTACT },
		{ "orders", KAM_ORDER }, { "order", KAM_ORDER },
		{ "interactions", KAM_INTERACTION }, { "interaction", KAM_INTERACTION },
	};
	for (size_t i = 0; i < countof(ok); i++) {
		kam_kind k = KAM_KIND_COUNT;
		cr_expect_eq(kam_kind_parse(ok[i].s, &k), 0, "%s", ok[i].s);
		cr_expect_eq(k, ok[i].k, "%s", ok[i].s);
	}
	static const char *bad[] = { "", "Accounts", "accountss", "acc", "rollups", " orders" };
	for (size_t i = 0; i < countof(bad); i++) {
		kam_kind k = KAM_KIND_COUNT;
		cr_expect_eq(kam_kind_parse(bad[i], &k), KAM_ENOTFOUND, "%s", bad[i]);
		cr_expect_eq(k, KAM_KIND_COUNT);
	}

	const kam_schema *s = kam_schema_of(KAM_ORDER);
	cr_expect_eq(kam_schema_field(s, "amount", 6), KAM_O_AMOUNT);
	cr_expect_eq(kam_schema_field(s, "amountx", 6), KAM_O_AMOUNT); /* only len bytes */
	cr_expect_eq(kam_schema_field(s, "amoun", 5), -1);
	cr_expect_eq(kam_schema_field(s, "amounts", 7), -1);
	cr_expect_eq(kam_schema_field(s, "", 0), -1);
	cr_expect_eq(kam_schema_field(s, "AMOUNT", 6), -1);
	cr_expect_eq(kam_schema_field(s, "name", 4), -1);
}

/* ---------------------------------------------------------------------------------------------
 * Field parsing, checking and rendering
 */

static int fparse(kam_kind kind, void *rec, int f, const char *text, const char **expected)
{
	return kam_field_parse(kam_schema_of(kind), rec, f, text, strlen(text), expected);
}

struct pcase {
	kam_kind kind;
	int field;
	const char *text;
	int rc;
	const char *canon; /* kam_field_text after success, or the expected phrase after failure */
};

static const struct pcase parse_cases[] = {
	/* ids */
	{ KAM_ACCOUNT, KAM_A_ID, "A-001", 0, "A-001" },
	{ KAM_ORDER, KAM_O_ACCOUNT_ID, " spaced id ", 0, " spaced id " },
	{ KAM_ACCOUNT, KAM_A_ID, "0123456789012345678901234567890123456789012345678901234567890123", 0,
	  "0123456789012345678901234567890123456789012345678901234567890123" },
	{ KAM_ACCOUNT, KAM_A_ID, "01234567890123456789012345678901234567890123456789012345678901234",
	  KAM_ELIMIT, "an id of 1 to 64 bytes" },
	{ KAM_INTERACTION, KAM_I_CONTACT_ID,
	  "01234567890123456789012345678901234567890123456789012345678901234", KAM_ELIMIT,
	  "an id of 1 to 64 bytes" },
	/* text */
	{ KAM_ACCOUNT, KAM_A_NAME, "Acme, Inc. \"East\"", 0, "Acme, Inc. \"East\"" },
	{ KAM_ACCOUNT, KAM_A_REGION, "东北", 0, "东北" },
	/* counts */
	{ KAM_ACCOUNT, KAM_A_EMPLOYEES, "0", 0, "0" },
	{ KAM_ACCOUNT, KAM_A_EMPLOYEES, "00120", 0, "120" },
	{ KAM_ACCOUNT, KAM_A_EMPLOYEES, "9223372036854775807", 0, "9223372036854775807" },
	{ KAM_ACCOUNT, KAM_A_EMPLOYEES, "9223372036854775808", KAM_ERANGE, "a non-negative integer" },
	{ KAM_ACCOUNT, KAM_A_EMPLOYEES, "-5", KAM_ERANGE, "a non-negative integer" },
	{ KAM_INTERACTION, KAM_I_MINUTES, "1.5", KAM_EPARSE, "a non-negative integer" },
	{ KAM_INTERACTION, KAM_I_MINUTES, "+5", KAM_EPARSE, "a non-negative integer" },
	{ KAM_INTERACTION, KAM_I_MINUTES, "5 ", KAM_EPARSE, "a non-negative integer" },
	{ KAM_INTERACTION, KAM_I_MINUTES, "-", KAM_EPARSE, "a non-negative integer" },
	{ KAM_INTERACTION, KAM_I_MINUTES, "1e3", KAM_EPARSE, "a non-negative integer" },
	{ KAM_INTERACTION, KAM_I_MINUTES, "45", 0, "45" },
	/* money */
	{ KAM_ORDER, KAM_O_AMOUNT, "1234.50", 0, "1234.5" },
	{ KAM_ORDER, KAM_O_PROFIT, "-0.0001", 0, "-0.0001" },
	{ KAM_ORDER, KAM_O_PAID, "+100", 0, "100" },
	{ KAM_ACCOUNT, KAM_A_WALLET, "1.23456", KAM_EPARSE, "an amount with at most 4 decimal places" },
	{ KAM_ACCOUNT, KAM_A_NET_ASSETS, "1,000", KAM_EPARSE, "an amount with at most 4 decimal places" },
	{ KAM_ACCOUNT, KAM_A_ANNUAL_REVENUE, "1e6", KAM_EPARSE, "an amount with at most 4 decimal places" },
	{ KAM_ORDER, KAM_O_AMOUNT, "1000000000000000", KAM_ERANGE, "an amount between -922337203685477.5808 and 922337203685477.5807" },
	/* dates */
	{ KAM_ORDER, KAM_O_DATE, "2024-02-29", 0, "2024-02-29" },
	{ KAM_INTERACTION, KAM_I_DATE, "2024-02-29T09:05", 0, "2024-02-29T09:05:00" },
	{ KAM_ACCOUNT, KAM_A_CREATED, "2024-02-29T09:05:07", 0, "2024-02-29T09:05:07" },
	{ KAM_ORDER, KAM_O_DATE, "2025-02-29", KAM_EPARSE, "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]" },
	{ KAM_ORDER, KAM_O_DATE, "29/02/2024", KAM_EPARSE, "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]" },
	/* enums */
	{ KAM_ACCOUNT, KAM_A_STAGE, "won", 0, "won" },
	{ KAM_ACCOUNT, KAM_A_STAGE, "Won", KAM_EPARSE, "one of prospect, appointment, proposal, won, service" },
	{ KAM_ACCOUNT, KAM_A_CHANNEL, "office-equipment-paper-maker", 0, "office-equipment-paper-maker" },
	{ KAM_ACCOUNT, KAM_A_CHANNEL, "office", KAM_EPARSE,
	  "one of hypermarket, electronics-chain, op-direct-online, op-superstore, op-regional-chain, "
	  "stationery-maker, finance-equipment-maker, oem-equipment-agent, imaging-processor, "
	  "office-equipment-paper-maker" },
	{ KAM_ORDER, KAM_O_MODE, "oem", 0, "oem" },
	{ KAM_ORDER, KAM_O_MODE, "oemx", KAM_EPARSE, "one of direct, consignment, oem, agency" },
	{ KAM_INTERACTION, KAM_I_KIND, "meeting", 0, "meeting" },
	{ KAM_INTERACTION, KAM_I_KIND, "calls", KAM_EPARSE, "one of call, visit, email, meeting, other" },
	{ KAM_INTERACTION, KAM_I_KIND, "cal", KAM_EPARSE, "one of call, visit, email, meeting, other" },
	{ KAM_INTERACTION, KAM_I_OUTCOME, "no-answer", 0, "no-answer" },
	{ KAM_INTERACTION, KAM_I_OUTCOME, "no answer", KAM_EPARSE,
	  "one of connected, no-answer, objection, appointment, callback" },
	{ KAM_INTERACTION, KAM_I_OBJECTION, "price-too-high", 0, "price-too-high" },
	{ KAM_INTERACTION, KAM_I_OBJECTION, "too-expensive", KAM_EPARSE,
	  "one of send-materials, in-house-supply, has-supplier, not-decision-maker, no-budget, "
	  "price-too-high, bad-past-experience" },
	/* bools */
	{ KAM_CONTACT, KAM_C_ACTIVE, "true", 0, "true" },
	{ KAM_CONTACT, KAM_C_ACTIVE, "false", 0, "false" },
	{ KAM_CONTACT, KAM_C_ACTIVE, "TRUE", KAM_EPARSE, "true or false" },
	{ KAM_CONTACT, KAM_C_ACTIVE, "1", KAM_EPARSE, "true or false" },
	{ KAM_CONTACT, KAM_C_ACTIVE, "yes", KAM_EPARSE, "true or false" },
	{ KAM_CONTACT, KAM_C_ACTIVE, "truex", KAM_EPARSE, "true or false" },
};

Test(record, field_parse_table)
{
	for (size_t i = 0; i < countof(parse_cases); i++) {
		const struct pcase *c = &parse_cases[i];
		const kam_schema *s = kam_schema_of(c->kind);
		kam_any rec;
		kam_rec_clear(s, &rec);
		const char *expected = NULL;
		int rc = fparse(c->kind, &rec, c->field, c->text, &expected);
		const char *fname = s->fields[c->field].name;
		cr_expect_eq(rc, c->rc, "%s.%s \"%s\": rc %d, want %d", s->name, fname, c->text, rc, c->rc);
		if (rc) {
			cr_expect(expected && strcmp(expected, c->canon) == 0, "%s.%s \"%s\": phrase \"%s\"",
				  s->name, fname, c->text, expected ? expected : "(null)");
			cr_expect_eq(rec.rec.present, 0, "%s.%s \"%s\" set present", s->name, fname, c->text);
			continue;
		}
		cr_expect_eq(rec.rec.present, 1u << c->field);
		char scratch[48];
		kam_str t = kam_field_text(s, &rec, c->field, scratch);
		cr_expect(t.len == strlen(c->canon) && memcmp(t.ptr, c->canon, t.len) == 0,
			  "%s.%s \"%s\": text \"%.*s\"", s->name, fname, c->text, (int)t.len, t.ptr);
	}
}

Test(record, field_parse_values)
{
	const kam_schema *s = kam_schema_of(KAM_INTERACTION);
	kam_interaction r;
	kam_rec_clear(s, &r);
	const char *e;
	const char *note = "a note, with text after it";
	cr_assert_eq(kam_field_parse(s, &r, KAM_I_NOTE, note, 6, &e), 0);
	cr_expect(r.note.ptr == note && r.note.len == 6, "text must be a view, not a copy");
	cr_assert_eq(fparse(KAM_INTERACTION, &r, KAM_I_KIND, "visit", &e), 0);
	cr_expect_eq(r.kind, KAM_IK_VISIT);
	cr_assert_eq(fparse(KAM_INTERACTION, &r, KAM_I_OBJECTION, "not-decision-maker", &e), 0);
	cr_expect_eq(r.objection, KAM_OBJ_NOT_DECISION_MAKER);
	cr_assert_eq(fparse(KAM_INTERACTION, &r, KAM_I_MINUTES, "90", &e), 0);
	cr_expect_eq(r.minutes, 90);
	cr_assert_eq(fparse(KAM_INTERACTION, &r, KAM_I_DATE, "2024-05-13T08:00", &e), 0);
	cr_expect(r.date.day == kam_days_from_civil(2024, 5, 13) && r.date.sec == 8 * 3600);

	/* A failed parse keeps the previous value and presence. */
	cr_expect_eq(fparse(KAM_INTERACTION, &r, KAM_I_MINUTES, "x", &e), KAM_EPARSE);
	cr_expect_eq(r.minutes, 90);
	cr_expect(KAM_HAS(&r, KAM_I_MINUTES));
	cr_expect_eq(fparse(KAM_INTERACTION, &r, KAM_I_KIND, "nope", &e), KAM_EPARSE);
	cr_expect_eq(r.kind, KAM_IK_VISIT);

	/* Empty text clears, for every type. */
	uint32_t all = (1u << KAM_I_NOTE) | (1u << KAM_I_KIND) | (1u << KAM_I_OBJECTION) |
		       (1u << KAM_I_MINUTES) | (1u << KAM_I_DATE);
	cr_expect_eq(r.rec.present, all);
	for (int f = 0; f < KAM_I_NFIELDS; f++)
		cr_expect_eq(kam_field_parse(s, &r, f, "", 0, &e), 0);
	cr_expect_eq(r.rec.present, 0);
	cr_expect(r.note.len == 0 && r.kind == 0 && r.objection == 0 && r.minutes == 0 && r.date.day == 0);

	kam_contact c;
	kam_rec_clear(kam_schema_of(KAM_CONTACT), &c);
	cr_assert_eq(fparse(KAM_CONTACT, &c, KAM_C_ACTIVE, "true", &e), 0);
	cr_expect(c.active);
	cr_assert_eq(fparse(KAM_CONTACT, &c, KAM_C_ACTIVE, "false", &e), 0);
	cr_expect(!c.active && KAM_HAS(&c, KAM_C_ACTIVE));

	/* Bad field numbers. */
	cr_expect_eq(kam_field_parse(s, &r, -1, "x", 1, &e), KAM_EINVAL);
	cr_expect_eq(kam_field_parse(s, &r, KAM_I_NFIELDS, "x", 1, &e), KAM_EINVAL);
}

/* Cells may hold NUL bytes; matching a slug or a field name must not stop at them. */
Test(record, embedded_nul)
{
	const kam_schema *s = kam_schema_of(KAM_ORDER);
	kam_order o;
	kam_rec_clear(s, &o);
	const char *e = NULL;
	cr_expect_eq(kam_field_parse(s, &o, KAM_O_MODE, "oem\0xyzxyzxyzxyzxyzxyzxyz", 24, &e), KAM_EPARSE);
	cr_expect_eq(kam_field_parse(s, &o, KAM_O_MODE, "oem\0", 4, &e), KAM_EPARSE);
	cr_expect_eq(kam_field_parse(s, &o, KAM_O_AMOUNT, "1\0", 2, &e), KAM_EPARSE);
	cr_expect_eq(o.rec.present, 0);
	cr_expect_eq(kam_schema_field(s, "id\0xxxxxxxxxxxxxxxxxxxx", 24), -1);
	cr_expect_eq(kam_schema_field(s, "id\0", 3), -1);
	kam_contact c;
	kam_rec_clear(kam_schema_of(KAM_CONTACT), &c);
	cr_expect_eq(kam_field_parse(kam_schema_of(KAM_CONTACT), &c, KAM_C_ACTIVE, "true\0", 5, &e),
		     KAM_EPARSE);
	/* In text, a NUL is just a byte. */
	cr_expect_eq(kam_field_parse(kam_schema_of(KAM_CONTACT), &c, KAM_C_NAME, "a\0b", 3, &e), 0);
	cr_expect_eq(c.name.len, 3);
}

Test(record, text_limits)
{
	static char big[KAM_TEXT_MAX + 2];
	memset(big, 'x', sizeof(big));
	const kam_schema *s = kam_schema_of(KAM_ACCOUNT);
	kam_account a;
	kam_rec_clear(s, &a);
	const char *e = NULL;
	cr_expect_eq(kam_field_parse(s, &a, KAM_A_REGION, big, KAM_KEYTEXT_MAX, &e), 0);
	cr_expect_eq(kam_field_parse(s, &a, KAM_A_OWNER, big, KAM_KEYTEXT_MAX + 1, &e), KAM_ELIMIT);
	cr_expect_str_eq(e, "text of at most 256 bytes");
	cr_expect_eq(kam_field_parse(s, &a, KAM_A_INDUSTRY, big, KAM_KEYTEXT_MAX + 1, &e), KAM_ELIMIT);
	cr_expect_eq(kam_field_parse(s, &a, KAM_A_NAME, big, KAM_TEXT_MAX, &e), 0);
	cr_expect_eq(kam_field_parse(s, &a, KAM_A_NAME, big, KAM_TEXT_MAX + 1, &e), KAM_ELIMIT);
	cr_expect_str_eq(e, "text of at most 65535 bytes");
	cr_expect_eq(a.name.len, KAM_TEXT_MAX);
}

Test(record, check_required)
{
	const kam_schema *s = kam_schema_of(KAM_ORDER);
	kam_order o;
	kam_rec_clear(s, &o);
	const char *e;
	int f = -7;
	cr_expect_eq(kam_rec_check(s, &o, &f), KAM_EPARSE);
	cr_expect_eq(f, KAM_O_ID);
	fparse(KAM_ORDER, &o, KAM_O_ID, "o1", &e);
	fparse(KAM_ORDER, &o, KAM_O_ACCOUNT_ID, "a1", &e);
	fparse(KAM_ORDER, &o, KAM_O_PROFIT, "3", &e);
	cr_expect_eq(kam_rec_check(s, &o, &f), KAM_EPARSE);
	cr_expect_eq(f, KAM_O_DATE);
	fparse(KAM_ORDER, &o, KAM_O_DATE, "2024-01-01", &e);
	cr_expect_eq(kam_rec_check(s, &o, &f), KAM_EPARSE);
	cr_expect_eq(f, KAM_O_AMOUNT);
	fparse(KAM_ORDER, &o, KAM_O_AMOUNT, "0", &e);
	f = -7;
	cr_expect_eq(kam_rec_check(s, &o, &f), 0);
	cr_expect_eq(f, -7);
	/* An empty cell in a required column clears it again. */
	fparse(KAM_ORDER, &o, KAM_O_ACCOUNT_ID, "", &e);
	cr_expect_eq(kam_rec_check(s, &o, &f), KAM_EPARSE);
	cr_expect_eq(f, KAM_O_ACCOUNT_ID);

	static const struct { kam_kind k; uint32_t required; } req[] = {
		{ KAM_ACCOUNT, (1u << KAM_A_ID) | (1u << KAM_A_NAME) },
		{ KAM_CONTACT, (1u << KAM_C_ID) | (1u << KAM_C_ACCOUNT_ID) | (1u << KAM_C_NAME) },
		{ KAM_ORDER, (1u << KAM_O_ID) | (1u << KAM_O_ACCOUNT_ID) | (1u << KAM_O_DATE) | (1u << KAM_O_AMOUNT) },
		{ KAM_INTERACTION, (1u << KAM_I_ID) | (1u << KAM_I_ACCOUNT_ID) | (1u << KAM_I_DATE) | (1u << KAM_I_KIND) },
	};
	for (size_t i = 0; i < countof(req); i++) {
		const kam_schema *ks = kam_schema_of(req[i].k);
		kam_any r;
		kam_rec_clear(ks, &r);
		r.rec.present = req[i].required;
		cr_expect_eq(kam_rec_check(ks, &r, &f), 0, "%s", ks->name);
		for (unsigned b = 0; b < ks->nfields; b++) {
			if (!((req[i].required >> b) & 1))
				continue;
			r.rec.present = req[i].required & ~(1u << b);
			cr_expect_eq(kam_rec_check(ks, &r, &f), KAM_EPARSE);
			cr_expect_eq(f, (int)b);
		}
	}
}

Test(record, field_text_absent_and_extremes)
{
	const kam_schema *s = kam_schema_of(KAM_ACCOUNT);
	kam_account a;
	kam_rec_clear(s, &a);
	char scratch[48];
	for (int f = 0; f < KAM_A_NFIELDS; f++) {
		kam_str t = kam_field_text(s, &a, f, scratch);
		cr_expect_eq(t.len, 0, "absent %s", s->fields[f].name);
	}
	a.rec.present = (1u << KAM_A_NET_ASSETS) | (1u << KAM_A_CREATED) | (1u << KAM_A_EMPLOYEES);
	a.net_assets = INT64_MIN;
	a.created = (kam_date){ INT32_MIN, 86399 };
	a.employees = INT64_MAX;
	kam_str t = kam_field_text(s, &a, KAM_A_NET_ASSETS, scratch);
	cr_expect(t.len == 21 && memcmp(t.ptr, "-922337203685477.5808", 21) == 0);
	t = kam_field_text(s, &a, KAM_A_CREATED, scratch);
	cr_expect(t.len < 48 && t.ptr[0] == '-');
	t = kam_field_text(s, &a, KAM_A_EMPLOYEES, scratch);
	cr_expect(t.len == 19 && memcmp(t.ptr, "9223372036854775807", 19) == 0);
}

Test(record, rollup_init)
{
	kam_rollup r;
	memset(&r, 0x5a, sizeof(r));
	kam_rollup_init(&r);
	cr_expect(r.order_count == 0 && r.interaction_count == 0 && r.revenue == 0 && r.profit == 0 &&
		  r.minutes == 0);
	const kam_date *d[] = { &r.first_order, &r.last_order, &r.last_call, &r.last_visit,
				&r.last_interaction };
	for (size_t i = 0; i < countof(d); i++)
		cr_expect(d[i]->day == KAM_NO_DAY && d[i]->sec == KAM_NO_TIME, "date %zu", i);
}

/* ---------------------------------------------------------------------------------------------
 * Codec: random round trips
 */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static char pool[KAM_TEXT_MAX + 64];

static void pool_init(void)
{
	for (size_t i = 0; i < sizeof(pool); i++)
		pool[i] = (char)rnd();
}

static kam_str rnd_text(uint32_t max)
{
	uint32_t len;
	switch (rnd() % 16) {
	case 0: len = max; break;
	case 1: len = 1; break;
	case 2: len = 1 + (uint32_t)(rnd() % max); break;
	default: len = 1 + (uint32_t)(rnd() % (max < 40 ? max : 40)); break;
	}
	return (kam_str){ pool + rnd() % 64, len };
}

static int64_t rnd_int(void)
{
	uint64_t r = rnd();
	switch (r % 4) {
	case 0: return (int64_t)rnd();
	case 1: return (int64_t)(rnd() % 1000) - 500;
	case 2: return (r >> 8) & 1 ? INT64_MIN : INT64_MAX;
	default: return (int64_t)(rnd() >> (rnd() % 64));
	}
}

/* Fills every field with probability 3/4; attrs go into `attrs`. */
static void rnd_record(const kam_schema *s, kam_any *rec, kam_buf *attrs)
{
	kam_rec_clear(s, rec);
	for (unsigned i = 0; i < s->nfields; i++) {
		if (rnd() % 4 == 0)
			continue;
		const kam_field *f = &s->fields[i];
		char *dst = (char *)rec + f->offset;
		switch (f->type) {
		case KAM_T_TEXT:
		case KAM_T_ID:
			*(kam_str *)dst = rnd_text(f->max_len);
			break;
		case KAM_T_COUNT: {
			int64_t v = rnd_int();
			*(int64_t *)dst = v < 0 ? -(v + 1) : v;
			break;
		}
		case KAM_T_MONEY:
			*(kam_money *)dst = rnd_int();
			break;
		case KAM_T_DATE: {
			kam_date *d = (kam_date *)dst;
			d->day = rnd() % 2 ? (int32_t)(rnd() % 30000) : (int32_t)(uint32_t)rnd();
			d->sec = rnd() % 2 ? KAM_NO_TIME : (int32_t)(rnd() % 86400);
			break;
		}
		case KAM_T_ENUM:
			*(uint8_t *)dst = (uint8_t)(1 + rnd() % f->max_len);
			break;
		case KAM_T_BOOL:
			*(bool *)dst = rnd() & 1;
			break;
		}
		rec->rec.present |= 1u << i;
	}
	kam_buf_reset(attrs);
	unsigned n = (unsigned)(rnd() % 5);
	for (unsigned i = 0; i < n; i++) {
		kam_str k = { pool + rnd() % 64, (uint32_t)(rnd() % 12) };
		kam_str v = { pool + rnd() % 64, (uint32_t)(rnd() % 3 == 0 ? rnd() % 300 : rnd() % 10) };
		cr_assert_eq(kam_attr_append(attrs, k, v), 0);
	}
	rec->rec.nattrs = n;
	rec->rec.attrs = (kam_str){ (const char *)attrs->data, (uint32_t)attrs->len };
}

static void expect_same(const kam_schema *s, const kam_any *a, const kam_any *b)
{
	cr_assert_eq(a->rec.present, b->rec.present, "%s: present %#x vs %#x", s->name,
		     a->rec.present, b->rec.present);
	for (unsigned i = 0; i < s->nfields; i++) {
		if (!KAM_HAS(a, i))
			continue;
		const kam_field *f = &s->fields[i];
		const char *x = (const char *)a + f->offset, *y = (const char *)b + f->offset;
		switch (f->type) {
		case KAM_T_TEXT:
		case KAM_T_ID:
			cr_assert(kam_str_eq(*(const kam_str *)x, *(const kam_str *)y), "%s.%s", s->name, f->name);
			break;
		case KAM_T_COUNT:
		case KAM_T_MONEY:
			cr_assert_eq(*(const int64_t *)x, *(const int64_t *)y, "%s.%s", s->name, f->name);
			break;
		case KAM_T_DATE:
			cr_assert(kam_date_cmp(*(const kam_date *)x, *(const kam_date *)y) == 0, "%s.%s",
				  s->name, f->name);
			break;
		case KAM_T_ENUM:
			cr_assert_eq(*(const uint8_t *)x, *(const uint8_t *)y, "%s.%s", s->name, f->name);
			break;
		case KAM_T_BOOL:
			cr_assert_eq(*(const bool *)x, *(const bool *)y, "%s.%s", s->name, f->name);
			break;
		}
	}
	cr_assert_eq(a->rec.nattrs, b->rec.nattrs);
	cr_assert(kam_str_eq(a->rec.attrs, b->rec.attrs));
}

Test(record, codec_round_trip_random)
{
	rnd_state = 1;
	pool_init();
	kam_buf enc = { 0 }, enc2 = { 0 }, attrs = { 0 };
	for (int iter = 0; iter < 4000; iter++) {
		const kam_schema *s = kam_schema_of((kam_kind)(iter % KAM_KIND_COUNT));
		kam_any in, out;
		rnd_record(s, &in, &attrs);
		kam_buf_reset(&enc);
		cr_assert_eq(kam_rec_encode(s, &in, &enc), 0);
		memset(&out, 0xa5, sizeof(out));
		cr_assert_eq(kam_rec_decode(s, enc.data, enc.len, &out), 0, "%s iter %d", s->name, iter);
		expect_same(s, &in, &out);
		/* Decoded text views point into the encoding (zero-copy). */
		if (KAM_HAS(&out, 0))
			cr_assert(out.account.id.ptr > (const char *)enc.data &&
				  out.account.id.ptr < (const char *)enc.data + enc.len);
		for (unsigned i = 0; i < s->nfields; i++) {
			char sa[48], sb[48];
			cr_assert(kam_str_eq(kam_field_text(s, &in, (int)i, sa), kam_field_text(s, &out, (int)i, sb)));
		}
		/* One encoding per record. */
		kam_buf_reset(&enc2);
		cr_assert_eq(kam_rec_encode(s, &out, &enc2), 0);
		cr_assert(enc.len == enc2.len && memcmp(enc.data, enc2.data, enc.len) == 0);
	}
	kam_buf_free(&enc);
	kam_buf_free(&enc2);
	kam_buf_free(&attrs);
}

Test(record, codec_appends)
{
	const kam_schema *s = kam_schema_of(KAM_ACCOUNT);
	kam_account a;
	kam_rec_clear(s, &a);
	const char *e;
	fparse(KAM_ACCOUNT, &a, KAM_A_ID, "acc", &e);
	fparse(KAM_ACCOUNT, &a, KAM_A_NAME, "Acme", &e);
	kam_buf b = { 0 };
	cr_assert_eq(kam_buf_append(&b, "key:", 4), 0);
	cr_assert_eq(kam_rec_encode(s, &a, &b), 0);
	cr_assert_eq(memcmp(b.data, "key:", 4), 0);
	kam_account d;
	cr_assert_eq(kam_rec_decode(s, b.data + 4, b.len - 4, &d), 0);
	cr_expect(kam_str_eq(d.id, KAM_STR("acc")) && kam_str_eq(d.name, KAM_STR("Acme")));
	/* The exact bytes of a small record: the format is on disk, so pin it. */
	static const uint8_t want[] = {
		2, 0x81, 0x10, /* version, present = name (bit 0), id (bit 11 = nfields - 1) */
		3, 'a', 'c', 'c', 4, 'A', 'c', 'm', 'e',
	};
	cr_expect(b.len - 4 == sizeof(want) && memcmp(b.data + 4, want, sizeof(want)) == 0);
	/* The same record in version 1, as databases written before version 2 hold it. */
	static const uint8_t v1[] = { 1, 0x03, 3, 'a', 'c', 'c', 4, 'A', 'c', 'm', 'e', 0, 0 };
	kam_account d1;
	cr_assert_eq(kam_rec_decode(s, v1, sizeof(v1), &d1), 0);
	expect_same(s, (const kam_any *)(void *)&d, (const kam_any *)(void *)&d1);
	kam_buf_free(&b);
}

Test(record, codec_pinned_order)
{
	const kam_schema *s = kam_schema_of(KAM_ORDER);
	kam_order o;
	kam_rec_clear(s, &o);
	const char *e;
	fparse(KAM_ORDER, &o, KAM_O_ID, "o", &e);
	fparse(KAM_ORDER, &o, KAM_O_DATE, "1970-01-02T00:00:01", &e);
	fparse(KAM_ORDER, &o, KAM_O_AMOUNT, "-0.0001", &e);
	fparse(KAM_ORDER, &o, KAM_O_MODE, "agency", &e);
	kam_buf at = { 0 };
	kam_attr_append(&at, KAM_STR("k"), KAM_STR(""));
	o.rec.nattrs = 1;
	o.rec.attrs = (kam_str){ (const char *)at.data, (uint32_t)at.len };
	kam_buf b = { 0 };
	cr_assert_eq(kam_rec_encode(s, &o, &b), 0);
	static const uint8_t want[] = {
		2, 0x96, 0x03, /* version, present = date, amount, mode (bits 1, 2, 4), id (bit 7),
				  attributes (bit 8) */
		1, 'o',        /* id */
		5, 1,          /* date: zig-zag 1 << 1 | has time, sec 1 */
		3, 99,         /* amount -0.0001 = 100 * -1 + 99: zig-zag -1 << 1 | 1, then 99 */
		4,             /* mode agency */
		1, 1, 'k', 0,  /* one attribute, then the blob to the end */
	};
	cr_expect(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0);
	/* Version 1 of the same record decodes to it, and encodes again as version 2. */
	static const uint8_t v1[] = {
		1, 0x2d,       /* version, present = id, date, amount, mode */
		1, 'o',        /* id */
		2, 2,          /* date: zig-zag 1, sec 1 + 1 */
		1,             /* amount: zig-zag -1 */
		4,             /* mode agency */
		1, 3, 1, 'k', 0,
	};
	kam_order d;
	cr_assert_eq(kam_rec_decode(s, v1, sizeof(v1), &d), 0);
	expect_same(s, (const kam_any *)(void *)&o, (const kam_any *)(void *)&d);
	kam_buf_reset(&b);
	cr_assert_eq(kam_rec_encode(s, &d, &b), 0);
	cr_expect(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0);
	kam_buf_free(&b);
	kam_buf_free(&at);
}

Test(record, encode_normalises_and_refuses)
{
	const kam_schema *s = kam_schema_of(KAM_INTERACTION);
	kam_interaction r, d;
	kam_rec_clear(s, &r);
	r.rec.present = (1u << KAM_I_ID) | (1u << KAM_I_NOTE) | (1u << KAM_I_OUTCOME) | (1u << 30);
	r.id = KAM_STR("i1");
	r.note = (kam_str){ "", 0 }; /* present but empty: absent */
	r.outcome = 0;               /* present but 0: absent */
	kam_buf b = { 0 };
	cr_assert_eq(kam_rec_encode(s, &r, &b), 0);
	cr_assert_eq(kam_rec_decode(s, b.data, b.len, &d), 0);
	cr_expect_eq(d.rec.present, 1u << KAM_I_ID);

	kam_interaction x;
	size_t len0 = b.len;

	x = r; x.rec.present = 1u << KAM_I_KIND; x.kind = 6;
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	x = r; x.rec.present = 1u << KAM_I_MINUTES; x.minutes = -1;
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	x = r; x.rec.present = 1u << KAM_I_DATE; x.date = (kam_date){ 0, 86400 };
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	x = r; x.rec.present = 1u << KAM_I_DATE; x.date = (kam_date){ 0, -2 };
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	static char big[KAM_ID_MAX + 1];
	x = r; x.rec.present = 1u << KAM_I_CONTACT_ID; x.contact_id = (kam_str){ big, KAM_ID_MAX + 1 };
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	x = r; x.rec.present = 1u << KAM_I_ID; x.rec.nattrs = 1; /* no blob */
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	x = r; x.rec.present = 1u << KAM_I_ID; x.rec.nattrs = 0; x.rec.attrs = KAM_STR("\x01k\x00");
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	x = r; x.rec.present = 1u << KAM_I_ID; x.rec.nattrs = 1; x.rec.attrs = KAM_STR("\x05k\x00");
	cr_expect_eq(kam_rec_encode(s, &x, &b), KAM_EINVAL);
	cr_expect_eq(b.len, len0, "a refused record appended bytes");
	kam_buf_free(&b);
}

Test(record, attrs_round_trip)
{
	rnd_state = 99;
	pool_init();
	kam_buf at = { 0 };
	kam_str keys[50], vals[50];
	for (int n = 0; n < 50; n++) {
		keys[n] = (kam_str){ pool + rnd() % 64, (uint32_t)(rnd() % 20) };
		vals[n] = (kam_str){ pool + rnd() % 64, (uint32_t)(n == 7 ? 20000 : rnd() % 200) };
		cr_assert_eq(kam_attr_append(&at, keys[n], vals[n]), 0);
	}
	kam_str cur = { (const char *)at.data, (uint32_t)at.len }, k, v;
	for (int n = 0; n < 50; n++) {
		cr_assert_eq(kam_attr_next(&cur, &k, &v), 1, "entry %d", n);
		cr_assert(kam_str_eq(k, keys[n]) && kam_str_eq(v, vals[n]), "entry %d", n);
	}
	cr_expect_eq(kam_attr_next(&cur, &k, &v), 0);
	cr_expect_eq(kam_attr_next(&cur, &k, &v), 0);

	/* Through a record. */
	const kam_schema *s = kam_schema_of(KAM_CONTACT);
	kam_contact c, d;
	kam_rec_clear(s, &c);
	c.rec.nattrs = 50;
	c.rec.attrs = (kam_str){ (const char *)at.data, (uint32_t)at.len };
	kam_buf b = { 0 };
	cr_assert_eq(kam_rec_encode(s, &c, &b), 0);
	cr_assert_eq(kam_rec_decode(s, b.data, b.len, &d), 0);
	cr_expect_eq(d.rec.nattrs, 50);
	cur = d.rec.attrs;
	int n = 0;
	while (kam_attr_next(&cur, &k, &v) == 1) {
		cr_assert(kam_str_eq(k, keys[n]) && kam_str_eq(v, vals[n]));
		n++;
	}
	cr_expect_eq(n, 50);

	/* Malformed blobs. */
	static const struct { const char *p; uint32_t len; } bad[] = {
		{ "\x02k", 2 }, { "\x01k", 2 }, { "\x01k\x02v", 4 }, { "\x80", 1 }, { "\x01k\x80\x00", 4 },
		{ "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10 },
	};
	for (size_t i = 0; i < countof(bad); i++) {
		cur = (kam_str){ bad[i].p, bad[i].len };
		cr_expect_eq(kam_attr_next(&cur, &k, &v), KAM_ECORRUPT, "blob %zu", i);
	}
	kam_buf_free(&b);
	kam_buf_free(&at);
}

/* ---------------------------------------------------------------------------------------------
 * Codec: malformed input
 */

static int dec(kam_kind kind, const void *p, size_t len)
{
	kam_any r;
	return kam_rec_decode(kam_schema_of(kind), p, len, &r);
}

#define DEC(kind, ...) \
	dec(kind, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

Test(record, decode_rejects_malformed)
{
	/* A valid minimum for reference: account with no fields, no attrs. */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 0, 0), 0);
	cr_expect_eq(dec(KAM_ACCOUNT, "", 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 0, 0, 0, 0), KAM_ECORRUPT);        /* version 0 */
	cr_expect_eq(DEC(KAM_ACCOUNT, 3, 0), KAM_EVERSION);              /* newer */
	cr_expect_eq(DEC(KAM_ACCOUNT, 0xff), KAM_EVERSION);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1), KAM_ECORRUPT);                 /* no present */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 0), KAM_ECORRUPT);           /* no blob length */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 0, 0, 0), KAM_ECORRUPT);     /* trailing byte */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x80, 0x20, 0, 0), KAM_ECORRUPT); /* bit 12 = nfields */
	cr_expect_eq(DEC(KAM_CONTACT, 1, 0x80, 0x01, 0, 0), KAM_ECORRUPT); /* bit 7 of contacts */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x80, 0x00, 0, 0), KAM_ECORRUPT); /* overlong varint */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0),
		     KAM_ECORRUPT);
	/* Texts: empty, past the end, over max_len. */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 1, 1, 'a', 0, 0), 0);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 1, 0, 0, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 1, 5, 'a', 0, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a', 0, 0), KAM_ECORRUPT);
	{
		uint8_t b[80] = { 1, 1, 65 };
		memset(b + 3, 'i', 65);
		cr_expect_eq(dec(KAM_ACCOUNT, b, 70), KAM_ECORRUPT); /* id of 65 bytes */
		b[2] = 64;
		b[67] = b[68] = 0;
		cr_expect_eq(dec(KAM_ACCOUNT, b, 69), 0);
	}
	{
		static uint8_t b[300];
		b[0] = 1; b[1] = 1 << KAM_A_REGION; b[2] = 0x81; b[3] = 0x02; /* 257 */
		memset(b + 4, 'r', 257);
		cr_expect_eq(dec(KAM_ACCOUNT, b, 4 + 257 + 2), KAM_ECORRUPT);
		b[2] = 0x80; /* 256 */
		b[260] = 0;
		cr_expect_eq(dec(KAM_ACCOUNT, b, 4 + 256 + 2), 0);
	}
	/* Enums and bools. */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x80, 0x10, 5, 0, 0), 0);         /* stage 5 */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x80, 0x10, 6, 0, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x80, 0x10, 0, 0, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x80, 0x10), KAM_ECORRUPT);        /* missing byte */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x10, 10, 0, 0), 0);               /* channel 10 */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x10, 11, 0, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_CONTACT, 1, 0x40, 1, 0, 0), 0);
	cr_expect_eq(DEC(KAM_CONTACT, 1, 0x40, 2, 0, 0), KAM_ECORRUPT);
	/* Counts: odd zig-zag is negative. */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x20, 4, 0, 0), 0);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0x20, 3, 0, 0), KAM_ECORRUPT);
	/* Dates: sec + 1 in 0..86400, day within int32. */
	cr_expect_eq(DEC(KAM_ORDER, 1, 0x04, 0, 0x80, 0xa3, 0x05, 0, 0), 0);            /* 86400 */
	cr_expect_eq(DEC(KAM_ORDER, 1, 0x04, 0, 0x81, 0xa3, 0x05, 0, 0), KAM_ECORRUPT); /* 86401 */
	cr_expect_eq(DEC(KAM_ORDER, 1, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0), 0); /* INT32_MIN */
	cr_expect_eq(DEC(KAM_ORDER, 1, 0x04, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ORDER, 1, 0x04, 0), KAM_ECORRUPT);
	/* Attributes: nattrs must match the blob, the blob must end the record. */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 1, 3, 1, 'k', 0), 0);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 2, 3, 1, 'k', 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 0, 3, 1, 'k', 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 1, 4, 1, 'k', 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 1, 2, 1, 'k', 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 1, 3, 2, 'k', 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 2, 4, 0, 0, 0, 0), 0);          /* two empty pairs */
	cr_expect_eq(DEC(KAM_ACCOUNT, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x1f, 0), KAM_ECORRUPT);
}

Test(record, decode_rejects_malformed_v2)
{
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0), 0);                          /* nothing present */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0, 0), KAM_ECORRUPT);             /* trailing byte */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x20, 1, 1, 'k', 0), 0);    /* bit 12: one attribute */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x20), KAM_ECORRUPT);       /* ...missing */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x40), KAM_ECORRUPT);       /* bit 13 */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x80, 0x02, 1, 1, 'k', 0), 0);      /* attributes: bit 8 */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x80, 0x04), KAM_ECORRUPT);         /* bit 9 */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x20, 0), KAM_ECORRUPT);    /* nattrs 0 */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x20, 2, 1, 'k', 0), KAM_ECORRUPT); /* one of two */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x20, 1, 1, 'k'), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x80, 0x20, 1, 0, 0, 0), KAM_ECORRUPT); /* extra byte */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0, 1, 1, 'k', 0), KAM_ECORRUPT);  /* no attributes bit */
	/* Counts: any varint up to 2^63 - 1. */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x10, 3), 0);                     /* employees 3 */
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 0);
	cr_expect_eq(DEC(KAM_ACCOUNT, 2, 0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
		     KAM_ECORRUPT);                                         /* 2^63 */
	/* Money: the remainder byte is 1..99 and follows only a set low bit; the sum fits. */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x04, 2), 0);                       /* 0.0100 */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x04, 3, 99), 0);                   /* -0.0001 */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x04, 3, 0), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x04, 3, 100), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x04, 3), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x04, 2, 5), KAM_ECORRUPT);         /* trailing */
	{
		/* Money extremes: INT64_MAX = 100 * 92233720368547758 + 7 and INT64_MIN =
		 * 100 * -92233720368547759 + 92 decode; one more either way does not. */
		kam_order o;
		const kam_schema *s = kam_schema_of(KAM_ORDER);
		kam_buf b = { 0 };
		int64_t ends[] = { INT64_MAX, INT64_MIN };
		for (int i = 0; i < 2; i++) {
			kam_rec_clear(s, &o);
			o.rec.present = 1u << KAM_O_AMOUNT;
			o.amount = ends[i];
			kam_buf_reset(&b);
			cr_assert_eq(kam_rec_encode(s, &o, &b), 0);
			kam_order d;
			cr_assert_eq(kam_rec_decode(s, b.data, b.len, &d), 0);
			cr_expect_eq(d.amount, ends[i]);
			b.data[b.len - 1] += i ? -1 : 1; /* remainder 8 or 91: outside int64 */
			cr_expect_eq(kam_rec_decode(s, b.data, b.len, &d), KAM_ECORRUPT, "end %d", i);
		}
		kam_buf_free(&b);
	}
	/* Dates: the low bit says whether sec follows; sec is 0..86399. */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x02, 4), 0);                       /* day 1, no time */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x02, 5, 0xff, 0xa2, 0x05), 0);     /* 86399 */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x02, 5, 0x80, 0xa3, 0x05), KAM_ECORRUPT); /* 86400 */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x02, 5), KAM_ECORRUPT);
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x02, 0xfe, 0xff, 0xff, 0xff, 0x1f), 0); /* INT32_MIN */
	cr_expect_eq(DEC(KAM_ORDER, 2, 0x02, 0x80, 0x80, 0x80, 0x80, 0x20), KAM_ECORRUPT);
}

/* Every prefix of a valid encoding is refused, and every single-bit flip either is refused or
 * decodes to a record that encodes back to exactly the flipped bytes. */
Test(record, decode_truncated_and_bit_flipped)
{
	rnd_state = 4242;
	pool_init();
	kam_buf enc = { 0 }, re = { 0 }, attrs = { 0 };
	long accepted = 0, refused = 0;
	for (int iter = 0; iter < 200; iter++) {
		const kam_schema *s = kam_schema_of((kam_kind)(iter % KAM_KIND_COUNT));
		kam_any in, out;
		rnd_record(s, &in, &attrs);
		kam_buf_reset(&enc);
		cr_assert_eq(kam_rec_encode(s, &in, &enc), 0);
		if (enc.len > 600)
			continue;
		for (size_t n = 0; n < enc.len; n++)
			cr_assert_neq(kam_rec_decode(s, enc.data, n, &out), 0, "prefix %zu of %zu", n, enc.len);
		uint8_t *copy = malloc(enc.len);
		for (size_t bit = 0; bit < enc.len * 8; bit++) {
			memcpy(copy, enc.data, enc.len);
			copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			int rc = kam_rec_decode(s, copy, enc.len, &out);
			if (rc) {
				cr_assert(rc == KAM_ECORRUPT || rc == KAM_EVERSION, "rc %d", rc);
				refused++;
				continue;
			}
			accepted++;
			kam_buf_reset(&re);
			cr_assert_eq(kam_rec_encode(s, &out, &re), 0);
			cr_assert(re.len == enc.len && memcmp(re.data, copy, enc.len) == 0,
				  "%s: bit %zu decoded but did not re-encode to the same bytes", s->name, bit);
		}
		free(copy);
	}
	cr_expect_gt(accepted, 0);
	cr_expect_gt(refused, 0);
	kam_buf_free(&enc);
	kam_buf_free(&re);
	kam_buf_free(&attrs);
}

/*
 * Random garbage never crashes; whatever decodes is canonical (version 2) or comes back as the
 * same record in version 2 (version 1).
 */
Test(record, decode_random_bytes)
{
	rnd_state = 777;
	kam_buf re = { 0 };
	uint8_t buf[64];
	for (int iter = 0; iter < 200000; iter++) {
		size_t len = (size_t)(rnd() % sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		int version = 1 + (iter / KAM_KIND_COUNT) % 2;
		if (len)
			buf[0] = (uint8_t)version;
		if (len > 1)
			buf[1] &= 0x3f; /* mostly valid presence bits, to get further in */
		if (len > 2 && iter % 2)
			buf[len - 2] = buf[len - 1] = 0;
		const kam_schema *s = kam_schema_of((kam_kind)(iter % KAM_KIND_COUNT));
		kam_any out, again;
		if (kam_rec_decode(s, buf, len, &out) == 0) {
			kam_buf_reset(&re);
			cr_assert_eq(kam_rec_encode(s, &out, &re), 0);
			if (version == 2) {
				cr_assert(re.len == len && memcmp(re.data, buf, len) == 0);
				continue;
			}
			/* Version 1 comes back as version 2, the same record. */
			cr_assert_eq(kam_rec_decode(s, re.data, re.len, &again), 0);
			expect_same(s, &out, &again);
		}
	}
	kam_buf_free(&re);
}
