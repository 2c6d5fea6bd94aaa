/*
 * record.h - the four record kinds of REFERENCE.md, their schemas and their binary encoding.
 *
 * Each kind is a plain C struct whose first member is a kam_rec header, described by a
 * kam_schema: a table of fields (name, type, offset in the struct). Code that must treat every
 * field alike (CSV import and export, JSON, --where, the codec) walks the table; code that needs
 * one field reads the struct member.
 *
 * Text values are views (kam_str) into memory owned by someone else: a decoded record points
 * into the LMDB page it came from (valid until the transaction ends); a parsed record points into
 * the CSV parser's row buffer (valid until the next row). Copy what must live longer.
 */
#ifndef KAM_RECORD_H
#define KAM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "date.h"
#include "money.h"

typedef enum kam_kind {
	KAM_ACCOUNT = 0,
	KAM_CONTACT = 1,
	KAM_ORDER = 2,
	KAM_INTERACTION = 3,
	KAM_KIND_COUNT
} kam_kind;

#define KAM_ID_MAX 64     /* bytes in an id */
#define KAM_KEYTEXT_MAX 256 /* bytes in an indexed text value (region, owner) */
#define KAM_TEXT_MAX 65535 /* bytes in any other text value */
#define KAM_MAX_FIELDS 32

/* Header of every record. */
typedef struct kam_rec {
	uint32_t present; /* bit i set: field i of the kind's schema has a value */
	uint32_t nattrs;  /* number of custom attributes (columns the format does not know) */
	kam_str attrs;    /* their encoding; walk it with kam_attr_next() */
} kam_rec;

#define KAM_HAS(r, field) ((((const kam_rec *)(r))->present >> (field)) & 1u)

/* Enumerations: 0 means absent, values 1..n follow the order of the names in REFERENCE.md. */
enum kam_stage { KAM_STAGE_PROSPECT = 1, KAM_STAGE_APPOINTMENT, KAM_STAGE_PROPOSAL, KAM_STAGE_WON, KAM_STAGE_SERVICE };
enum kam_channel {
	KAM_CH_HYPERMARKET = 1, KAM_CH_ELECTRONICS_CHAIN, KAM_CH_OP_DIRECT_ONLINE, KAM_CH_OP_SUPERSTORE,
	KAM_CH_OP_REGIONAL_CHAIN, KAM_CH_STATIONERY_MAKER, KAM_CH_FINANCE_EQUIPMENT_MAKER,
	KAM_CH_OEM_EQUIPMENT_AGENT, KAM_CH_IMAGING_PROCESSOR, KAM_CH_OFFICE_EQUIPMENT_PAPER_MAKER
};
enum kam_mode { KAM_MODE_DIRECT = 1, KAM_MODE_CONSIGNMENT, KAM_MODE_OEM, KAM_MODE_AGENCY };
enum kam_ikind { KAM_IK_CALL = 1, KAM_IK_VISIT, KAM_IK_EMAIL, KAM_IK_MEETING, KAM_IK_OTHER };
enum kam_outcome { KAM_OUT_CONNECTED = 1, KAM_OUT_NO_ANSWER, KAM_OUT_OBJECTION, KAM_OUT_APPOINTMENT, KAM_OUT_CALLBACK };
enum kam_objection {
	KAM_OBJ_SEND_MATERIALS = 1, KAM_OBJ_IN_HOUSE_SUPPLY, KAM_OBJ_HAS_SUPPLIER, KAM_OBJ_NOT_DECISION_MAKER,
	KAM_OBJ_NO_BUDGET, KAM_OBJ_PRICE_TOO_HIGH, KAM_OBJ_BAD_PAST_EXPERIENCE
};

/* NULL-terminated name lists; names[v - 1] is the slug of value v. */
extern const char *const kam_stage_names[];
extern const char *const kam_channel_names[];
extern const char *const kam_mode_names[];
extern const char *const kam_ikind_names[];
extern const char *const kam_outcome_names[];
extern const char *const kam_objection_names[];

/* Field numbers (bit positions in kam_rec.present), in schema order. */
enum { KAM_A_ID, KAM_A_NAME, KAM_A_REGION, KAM_A_INDUSTRY, KAM_A_CHANNEL, KAM_A_EMPLOYEES,
       KAM_A_NET_ASSETS, KAM_A_ANNUAL_REVENUE, KAM_A_WALLET, KAM_A_OWNER, KAM_A_CREATED,
       KAM_A_STAGE, KAM_A_NFIELDS };
typedef struct kam_account {
	kam_rec rec;
	kam_str id, name, region, industry;
	uint8_t channel;
	int64_t employees;
	kam_money net_assets, annual_revenue, wallet;
	kam_str owner;
	kam_date created;
	uint8_t stage;
} kam_account;

enum { KAM_C_ID, KAM_C_ACCOUNT_ID, KAM_C_NAME, KAM_C_ROLE, KAM_C_PHONE, KAM_C_EMAIL, KAM_C_ACTIVE,
       KAM_C_NFIELDS };
typedef struct kam_contact {
	kam_rec rec;
	kam_str id, account_id, name, role, phone, email;
	bool active;
} kam_contact;

enum { KAM_O_ID, KAM_O_ACCOUNT_ID, KAM_O_DATE, KAM_O_AMOUNT, KAM_O_PROFIT, KAM_O_MODE,
       KAM_O_CATEGORY, KAM_O_PAID, KAM_O_NFIELDS };
typedef struct kam_order {
	kam_rec rec;
	kam_str id, account_id;
	kam_date date;
	kam_money amount, profit;
	uint8_t mode;
	kam_str category;
	kam_money paid;
} kam_order;

enum { KAM_I_ID, KAM_I_ACCOUNT_ID, KAM_I_DATE, KAM_I_KIND, KAM_I_MINUTES, KAM_I_OUTCOME,
       KAM_I_OBJECTION, KAM_I_CONTACT_ID, KAM_I_NOTE, KAM_I_NFIELDS };
typedef struct kam_interaction {
	kam_rec rec;
	kam_str id, account_id;
	kam_date date;
	uint8_t kind;
	int64_t minutes;
	uint8_t outcome, objection;
	kam_str contact_id, note;
} kam_interaction;

/* A record of any kind, large enough for each. */
typedef union kam_any {
	kam_rec rec;
	kam_account account;
	kam_contact contact;
	kam_order order;
	kam_interaction interaction;
} kam_any;

typedef enum kam_type {
	KAM_T_TEXT,  /* kam_str; absent when empty */
	KAM_T_ID,    /* kam_str, 1..KAM_ID_MAX bytes */
	KAM_T_COUNT, /* int64_t, a non-negative integer */
	KAM_T_MONEY, /* kam_money */
	KAM_T_DATE,  /* kam_date */
	KAM_T_ENUM,  /* uint8_t, 1..n, names in enum_names */
	KAM_T_BOOL,  /* bool, "true"/"false" */
} kam_type;

typedef struct kam_field {
	const char *name;              /* column name in CSV and JSON */
	kam_type type;
	bool required;
	uint16_t offset;               /* offsetof the member in the record struct */
	uint32_t max_len;              /* text: the largest accepted length in bytes;
					  enum: the number of names (the largest value) */
	const char *const *enum_names; /* KAM_T_ENUM only */
} kam_field;

typedef struct kam_schema {
	kam_kind kind;
	const char *name;      /* plural, as on the command line: "accounts" */
	const char *singular;  /* "account" */
	size_t size;           /* sizeof the record struct */
	unsigned nfields;
	const kam_field *fields; /* fields[0] is always "id" */
	int account_ref;       /* field number of "account_id", or -1 for accounts */
} kam_schema;

/* The schema of a kind; `kind` must be valid. */
const kam_schema *kam_schema_of(kam_kind kind);
/* Looks a kind up by its plural or singular name. Returns 0 or KAM_ENOTFOUND. */
int kam_kind_parse(const char *name, kam_kind *out);
/* The field number of a field name, or -1. */
int kam_schema_field(const kam_schema *s, const char *name, size_t len);

/* Resets a record to "nothing present". */
void kam_rec_clear(const kam_schema *s, void *rec);

/*
 * Parses the text of one cell into field `f` (a field number) of `rec`. Empty text clears the
 * field. Text fields keep a view of `text` (no copy). Returns 0, or KAM_EPARSE / KAM_ERANGE /
 * KAM_ELIMIT with *expected set to a static phrase for the error message
 * ("a date YYYY-MM-DD", "one of call, visit, email, meeting, other", ...).
 * KAM_ERANGE: a number that does not fit (money overflow, a negative or huge count);
 * KAM_ELIMIT: text or an id longer than the field's max_len; KAM_EPARSE: anything else.
 * On error the field is left as it was. KAM_EINVAL (no phrase) for a bad field number.
 * The phrases: "an id of 1 to 64 bytes", "text of at most 256 bytes", "text of at most 65535
 * bytes", "a non-negative integer", "an amount with at most 4 decimal places" (for money that
 * does not fit: "an amount between -922337203685477.5808 and 922337203685477.5807"), "a date
 * YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", "one of <every slug, comma-separated>", "true or false".
 * Enum slugs and booleans are matched exactly (lower case).
 */
int kam_field_parse(const kam_schema *s, void *rec, int f, const char *text, size_t len,
		    const char **expected);

/*
 * Checks what kam_field_parse cannot see alone: required fields present. Returns 0 or KAM_EPARSE
 * with *field set to the first missing field number.
 */
int kam_rec_check(const kam_schema *s, const void *rec, int *field);

/*
 * The text of field `f` of `rec`: a view of the stored text, or the canonical rendering of a
 * number, date, enum or bool written into `scratch`. Absent fields give an empty view.
 */
kam_str kam_field_text(const kam_schema *s, const void *rec, int f, char scratch[48]);
/* Writes v in decimal into buf (NUL-terminated); returns its length. */
size_t kam_int_format(int64_t v, char buf[24]);

/*
 * Binary encoding, versioned by its first byte (KAM_CODEC_VERSION): presence bits, then each
 * present field (varint lengths, varints for numbers), then the custom attributes (record.c has
 * the layout). Version 1, the first, is still decoded; encoding writes version 2.
 */
#define KAM_CODEC_VERSION 2
/*
 * Appends the encoding of `rec` to `out`. Returns 0 or KAM_ENOMEM; or KAM_EINVAL (nothing
 * appended) when a value is one kam_rec_decode would refuse: text longer than its max_len, an enum
 * above its range, a negative count, a date's sec outside KAM_NO_TIME..86399, or attrs that do not
 * walk to exactly nattrs entries. A present empty text or enum 0 is encoded as absent; present
 * bits at or above nfields are ignored. Required fields are not checked (kam_rec_check does).
 * Each record has exactly one encoding, so equal records give equal bytes; a version 1 record,
 * decoded and encoded again, comes out in version 2.
 */
int kam_rec_encode(const kam_schema *s, const void *rec, kam_buf *out);
/*
 * Decodes `len` bytes (version 1 or 2) into `rec`, whose text views point into `data` (no copy).
 * Returns 0; KAM_EVERSION for an encoding newer than this build; KAM_ECORRUPT for anything
 * malformed (including any encoding that version's encoder would not produce, such as
 * non-shortest varints).
 * Absent fields are zeroed. After an error `rec` holds unspecified (but harmless) values.
 * Allocates nothing.
 */
int kam_rec_decode(const kam_schema *s, const void *data, size_t len, void *rec);

/* Appends one custom attribute to an attribute encoding. Returns 0 or KAM_ENOMEM. */
int kam_attr_append(kam_buf *attrs, kam_str key, kam_str value);
/*
 * Walks an attribute encoding: `*cursor` starts as rec.attrs. Returns 1 with key and value set,
 * 0 at the end, KAM_ECORRUPT when malformed.
 */
int kam_attr_next(kam_str *cursor, kam_str *key, kam_str *value);

/* Per-account rollups, kept by the store in the transaction of every write that changes them. */
#define KAM_NO_DAY INT32_MIN
typedef struct kam_rollup {
	uint32_t order_count;
	uint32_t interaction_count;
	kam_date first_order, last_order; /* .day == KAM_NO_DAY when there is no order */
	kam_money revenue;                /* sum of amount over all orders */
	kam_money profit;                 /* sum of profit over the orders that have one */
	kam_date last_call;               /* latest call whose outcome is not no-answer */
	kam_date last_visit;              /* latest visit */
	kam_date last_interaction;        /* latest interaction of any kind */
	int64_t minutes;                  /* sum of minutes over all interactions */
} kam_rollup;

/* A rollup with no orders and no interactions. */
void kam_rollup_init(kam_rollup *r);

#endif
