/* where.c - compiling and testing `--where` comparisons over accounts and their rollups. */
#include "where.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

typedef enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } op;

/* A typed value taken from a record, a rollup or the expression. */
typedef struct value {
	int present;
	enum { V_NUM, V_DATE, V_TEXT } type;
	int64_t num;
	kam_date date;
	kam_str text;
} value;

typedef enum rollup_field {
	R_ORDER_COUNT, R_REVENUE, R_PROFIT, R_INTERACTION_COUNT, R_MINUTES, R_FIRST_ORDER,
	R_LAST_ORDER, R_LAST_CALL, R_LAST_VISIT, R_LAST_INTERACTION, R_COUNT
} rollup_field;
static const char *const rollup_names[R_COUNT] = {
	"order_count", "revenue", "profit", "interaction_count", "minutes", "first_order",
	"last_order", "last_call", "last_visit", "last_interaction"
};

typedef struct cond {
	int field;  /* account field number, or -1 for a rollup figure */
	int rollup; /* rollup_field when field < 0 */
	op op;
	value rhs;
	char *text; /* owned copy of the right-hand side */
} cond;

struct kam_where {
	cond *c;
	unsigned n;
	int needs_rollup;
};

static value rollup_value(const kam_rollup *r, int which)
{
	value v = { .present = 1, .type = V_NUM };
	const kam_date *d = NULL;
	switch ((rollup_field)which) {
	case R_ORDER_COUNT: v.num = r->order_count; break;
	case R_REVENUE: v.num = r->revenue; break;
	case R_PROFIT: v.num = r->profit; break;
	case R_INTERACTION_COUNT: v.num = r->interaction_count; break;
	case R_MINUTES: v.num = r->minutes; break;
	case R_FIRST_ORDER: d = &r->first_order; break;
	case R_LAST_ORDER: d = &r->last_order; break;
	case R_LAST_CALL: d = &r->last_call; break;
	case R_LAST_VISIT: d = &r->last_visit; break;
	case R_LAST_INTERACTION: d = &r->last_interaction; break;
	default: break;
	}
	if (d) {
		v.type = V_DATE;
		v.date = *d;
		v.present = d->day != KAM_NO_DAY;
	}
	return v;
}

static value field_value(const kam_schema *s, const void *rec, int f)
{
	const kam_field *fd = &s->fields[f];
	const char *p = (const char *)rec + fd->offset;
	value v = { .present = (int)KAM_HAS(rec, f), .type = V_NUM };
	switch (fd->type) {
	case KAM_T_TEXT:
	case KAM_T_ID: v.type = V_TEXT; v.text = *(const kam_str *)p; break;
	case KAM_T_COUNT: v.num = *(const int64_t *)p; break;
	case KAM_T_MONEY: v.num = *(const kam_money *)p; break;
	case KAM_T_DATE: v.type = V_DATE; v.date = *(const kam_date *)p; break;
	case KAM_T_ENUM: v.num = *(const uint8_t *)p; break;
	case KAM_T_BOOL: v.num = *(const bool *)p; break;
	}
	return v;
}

static int value_cmp(const value *a, const value *b)
{
	switch (a->type) {
	case V_NUM: return (a->num > b->num) - (a->num < b->num);
	case V_DATE: return kam_date_cmp(a->date, b->date);
	case V_TEXT: return kam_str_cmp(a->text, b->text);
	}
	return 0;
}

static value cond_value(const cond *c, const kam_account *a, const kam_rollup *r)
{
	return c->field >= 0 ? field_value(kam_schema_of(KAM_ACCOUNT), a, c->field)
			     : rollup_value(r, c->rollup);
}

static int cond_match(const cond *c, const kam_account *a, const kam_rollup *r)
{
	value v = cond_value(c, a, r);
	if (!c->rhs.present) /* FIELD= or FIELD!= with nothing: test presence */
		return c->op == OP_EQ ? !v.present : v.present;
	if (!v.present)
		return 0;
	int cmp = value_cmp(&v, &c->rhs);
	switch (c->op) {
	case OP_EQ: return cmp == 0;
	case OP_NE: return cmp != 0;
	case OP_LT: return cmp < 0;
	case OP_LE: return cmp <= 0;
	case OP_GT: return cmp > 0;
	case OP_GE: return cmp >= 0;
	}
	return 0;
}

int kam_where_match(const kam_where *w, const kam_account *a, const kam_rollup *r)
{
	for (unsigned i = 0; i < w->n; i++)
		if (!cond_match(&w->c[i], a, r))
			return 0;
	return 1;
}

int kam_where_needs_rollup(const kam_where *w)
{
	return w->needs_rollup;
}

/* Reads the right-hand side as the field's type. */
static int parse_rhs(cond *c, char *err, size_t errlen)
{
	const char *t = c->text;
	size_t len = strlen(t);
	c->rhs.present = len > 0;
	if (!len)
		return (c->op == OP_EQ || c->op == OP_NE) ? 0 : KAM_EPARSE;
	if (c->field >= 0) {
		const kam_schema *s = kam_schema_of(KAM_ACCOUNT);
		kam_account tmp;
		const char *expected = "a value";
		kam_rec_clear(s, &tmp);
		if (kam_field_parse(s, &tmp, c->field, t, len, &expected)) {
			snprintf(err, errlen, "%s: expected %s, found \"%s\"",
				 s->fields[c->field].name, expected, t);
			return KAM_EPARSE;
		}
		c->rhs = field_value(s, &tmp, c->field);
		if (c->rhs.type == V_TEXT)
			c->rhs.text = (kam_str){ t, (uint32_t)len };
		return 0;
	}
	value v = rollup_value(&(kam_rollup){ 0 }, c->rollup);
	c->rhs.type = v.type;
	int rc;
	if (v.type == V_DATE)
		rc = kam_date_parse(t, len, &c->rhs.date);
	else if (c->rollup == R_REVENUE || c->rollup == R_PROFIT)
		rc = kam_money_parse(t, len, &c->rhs.num);
	else {
		char *end;
		c->rhs.num = strtoll(t, &end, 10);
		rc = *end ? KAM_EPARSE : 0;
	}
	if (rc)
		snprintf(err, errlen, "%s: expected %s, found \"%s\"", rollup_names[c->rollup],
			 v.type == V_DATE ? "a date YYYY-MM-DD" : "a number", t);
	return rc ? KAM_EPARSE : 0;
}

/* Finds an account field or rollup figure by name. */
static int resolve_field(cond *c, const char *p, size_t name_len, char *err, size_t errlen)
{
	c->field = kam_schema_field(kam_schema_of(KAM_ACCOUNT), p, name_len);
	c->rollup = -1;
	for (int r = 0; c->field < 0 && r < R_COUNT; r++)
		if (strlen(rollup_names[r]) == name_len && memcmp(rollup_names[r], p, name_len) == 0)
			c->rollup = r;
	if (c->field >= 0 || c->rollup >= 0)
		return 0;
	snprintf(err, errlen, "unknown field \"%.*s\"; expected an account field or one of "
		 "order_count, revenue, profit, interaction_count, minutes, first_order, last_order, "
		 "last_call, last_visit, last_interaction", (int)name_len, p);
	return KAM_EPARSE;
}

/* Splits "name OP value" (spaces around allowed). */
static int parse_cond(const char *p, size_t len, cond *c, char *err, size_t errlen)
{
	while (len && *p == ' ')
		p++, len--;
	while (len && p[len - 1] == ' ')
		len--;
	size_t i = 0;
	while (i < len && !strchr("=!<>", p[i]))
		i++;
	size_t name_len = i;
	while (name_len && p[name_len - 1] == ' ')
		name_len--;
	static const struct { const char *s; op op; } ops[] = {
		{ "<=", OP_LE }, { ">=", OP_GE }, { "!=", OP_NE }, { "==", OP_EQ },
		{ "=", OP_EQ }, { "<", OP_LT }, { ">", OP_GT },
	};
	size_t oplen = 0;
	for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]) && i < len; k++) {
		size_t n = strlen(ops[k].s);
		if (len - i >= n && memcmp(p + i, ops[k].s, n) == 0) {
			c->op = ops[k].op;
			oplen = n;
			break;
		}
	}
	if (!name_len || !oplen) {
		snprintf(err, errlen, "\"%.*s\": expected FIELD OP VALUE with OP one of = != < <= > >=",
			 (int)len, p);
		return KAM_EPARSE;
	}
	if (resolve_field(c, p, name_len, err, errlen))
		return KAM_EPARSE;
	const char *v = p + i + oplen;
	size_t vlen = len - i - oplen;
	while (vlen && *v == ' ')
		v++, vlen--;
	c->text = strndup(v, vlen);
	if (!c->text)
		return KAM_ENOMEM;
	if (parse_rhs(c, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "\"%.*s\": an empty value only goes with = or !=",
				 (int)len, p);
		return KAM_EPARSE;
	}
	return 0;
}

/* Length of the next comparison and of its separator ("," or " and "). */
static size_t next_sep(const char *p, size_t *seplen)
{
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == ',') {
			*seplen = 1;
			return i;
		}
		if (strncmp(p + i, " and ", 5) == 0) {
			*seplen = 5;
			return i;
		}
	}
	*seplen = 0;
	return strlen(p);
}

int kam_where_parse(const char *expr, kam_where **out, char *err, size_t errlen)
{
	kam_where *w = calloc(1, sizeof(*w));
	if (!w)
		return KAM_ENOMEM;
	err[0] = 0;
	for (const char *p = expr;;) {
		size_t seplen, len = next_sep(p, &seplen);
		cond *c = realloc(w->c, (w->n + 1) * sizeof(*c));
		if (!c) {
			kam_where_free(w);
			return KAM_ENOMEM;
		}
		w->c = c;
		c = &w->c[w->n++];
		memset(c, 0, sizeof(*c));
		int rc = parse_cond(p, len, c, err, errlen);
		if (rc) {
			kam_where_free(w);
			return rc;
		}
		w->needs_rollup |= c->field < 0;
		if (!seplen)
			break;
		p += len + seplen;
	}
	*out = w;
	return 0;
}

void kam_where_free(kam_where *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++)
		free(w->c[i].text);
	free(w->c);
	free(w);
}

struct kam_sort {
	cond key;
	int descending;
};

int kam_sort_parse(const char *spec, kam_sort **out, char *err, size_t errlen)
{
	kam_sort *s = calloc(1, sizeof(*s));
	if (!s)
		return KAM_ENOMEM;
	s->descending = spec[0] == '-';
	spec += s->descending;
	if (resolve_field(&s->key, spec, strlen(spec), err, errlen)) {
		free(s);
		return KAM_EPARSE;
	}
	*out = s;
	return 0;
}

int kam_sort_cmp(const kam_sort *s, const kam_account *a, const kam_rollup *ra,
		 const kam_account *b, const kam_rollup *rb)
{
	value va = cond_value(&s->key, a, ra), vb = cond_value(&s->key, b, rb);
	if (!va.present || !vb.present)
		return vb.present - va.present;
	int c = value_cmp(&va, &vb);
	if (s->descending)
		c = -c;
	return c ? c : kam_str_cmp(a->id, b->id);
}

int kam_sort_needs_rollup(const kam_sort *s)
{
	return s->key.field < 0;
}

void kam_sort_free(kam_sort *s)
{
	free(s);
}
