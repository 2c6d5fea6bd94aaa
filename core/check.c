/*
 * check.c - `kam check`: reads a whole database in one transaction and reports where it does not
 * agree with itself (check.h lists what is compared). It uses only the store's public reads, so
 * it checks the store the way every command sees it.
 *
 * The walk goes account by account, in id order: the account's stored rollup against one
 * computed from its index entries, then each index entry (orders and interactions through the
 * facts readers, contacts through their cursor) against the record it names. Index entries are
 * counted; a record of a kind that no index entry reached shows as a count below the records of
 * that kind, which a second walk over each kind's records (decoding every one) gives.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "date.h"

/* Records walked between two calls of the progress function. */
#define PROGRESS_EVERY 65536

typedef struct checker {
	kam_txn *txn;
	kam_check_report_fn report;
	kam_check_progress_fn progress;
	uint64_t total[KAM_KIND_COUNT]; /* records by kind, for the progress function */
	void *ctx;
	kam_check_result *out;
	uint64_t indexed[KAM_KIND_COUNT]; /* index entries reached, by kind */
	kam_str *regions, *owners;        /* of every account, for the account indexes */
	size_t nowners;
} checker;

static void problem(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(checker *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->out->problems++;
	c->report(c->ctx, line);
}

#define S(s) (int)(s).len, (s).ptr

/* The first rollup figure in which a and b differ, or NULL. */
static const char *rollup_diff(const kam_rollup *a, const kam_rollup *b)
{
	if (a->order_count != b->order_count)
		return "order_count";
	if (a->interaction_count != b->interaction_count)
		return "interaction_count";
	if (kam_date_cmp(a->first_order, b->first_order))
		return "first_order";
	if (kam_date_cmp(a->last_order, b->last_order))
		return "last_order";
	if (a->revenue != b->revenue)
		return "revenue";
	if (a->profit != b->profit)
		return "profit";
	if (kam_date_cmp(a->last_call, b->last_call))
		return "last_call";
	if (kam_date_cmp(a->last_visit, b->last_visit))
		return "last_visit";
	if (kam_date_cmp(a->last_interaction, b->last_interaction))
		return "last_interaction";
	if (a->minutes != b->minutes)
		return "minutes";
	return NULL;
}

/*
 * The order or interaction `id` that an index entry under account `acc` names, into *rec: 0 when
 * it agrees with the entry's account and date, 1 when a problem was reported, or a read error.
 */
static int indexed_record(checker *c, kam_kind kind, kam_str acc, kam_str id, kam_date date,
			  kam_any *rec)
{
	const char *what = kam_schema_of(kind)->singular;
	int rc = kam_get(c->txn, kind, id, rec);
	if (rc == KAM_ENOTFOUND || rc == KAM_ECORRUPT) {
		problem(c, "%s %.*s (in the index of account %.*s): %s", what, S(id), S(acc),
			rc == KAM_ENOTFOUND ? "no such record" : "the record does not decode");
		return 1;
	}
	if (rc)
		return rc;
	kam_str owner = kind == KAM_ORDER ? rec->order.account_id : rec->interaction.account_id;
	if (!kam_str_eq(owner, acc)) {
		problem(c, "%s %.*s: in the index of account %.*s, but the record names %.*s", what,
			S(id), S(acc), S(owner));
		return 1;
	}
	kam_date rdate = kind == KAM_ORDER ? rec->order.date : rec->interaction.date;
	if (kam_date_cmp(date, rdate)) {
		problem(c, "%s %.*s: the index and the record differ in date", what, S(id));
		return 1;
	}
	return 0;
}

static int check_orders(checker *c, kam_facts *f, kam_str acc)
{
	const kam_order_fact *rows;
	size_t n;
	int rc = kam_facts_get(f, acc, INT32_MIN, INT32_MAX, (const void **)&rows, &n);
	if (rc)
		return rc;
	c->indexed[KAM_ORDER] += n;
	for (size_t i = 0; i < n; i++) {
		kam_any r;
		if ((rc = indexed_record(c, KAM_ORDER, acc, rows[i].id, rows[i].date, &r)) < 0)
			return rc;
		if (rc)
			continue;
		const kam_order *o = &r.order;
		bool has_profit = KAM_HAS(o, KAM_O_PROFIT);
		const char *field = o->amount != rows[i].amount ? "amount"
				    : has_profit != rows[i].has_profit ||
						  (has_profit && o->profit != rows[i].profit)
					? "profit"
					: NULL;
		if (field)
			problem(c, "order %.*s: the index and the record differ in %s", S(rows[i].id),
				field);
	}
	return 0;
}

static int check_interactions(checker *c, kam_facts *f, kam_str acc)
{
	const kam_interaction_fact *rows;
	size_t n;
	int rc = kam_facts_get(f, acc, INT32_MIN, INT32_MAX, (const void **)&rows, &n);
	if (rc)
		return rc;
	c->indexed[KAM_INTERACTION] += n;
	for (size_t i = 0; i < n; i++) {
		const kam_interaction_fact *x = &rows[i];
		kam_any r;
		if ((rc = indexed_record(c, KAM_INTERACTION, acc, x->id, x->date, &r)) < 0)
			return rc;
		if (rc)
			continue;
		const kam_interaction *in = &r.interaction;
		bool has_minutes = KAM_HAS(in, KAM_I_MINUTES);
		const char *field = in->kind != x->kind		  ? "kind"
				    : in->outcome != x->outcome	  ? "outcome"
				    : in->objection != x->objection ? "objection"
				    : has_minutes != x->has_minutes ||
						  (has_minutes && in->minutes != x->minutes)
					? "minutes"
					: NULL;
		if (field)
			problem(c, "interaction %.*s: the index and the record differ in %s", S(x->id),
				field);
	}
	return 0;
}

static int check_contacts(checker *c, kam_str acc)
{
	kam_cursor *cur;
	int rc = kam_cursor_open(c->txn, KAM_CONTACT, KAM_SCAN_OF_ACCOUNT, acc, INT32_MIN, INT32_MAX,
				 &cur);
	if (rc)
		return rc;
	kam_contact ct;
	while ((rc = kam_cursor_next(cur, &ct)) == 1) {
		c->indexed[KAM_CONTACT]++;
		if (!kam_str_eq(ct.account_id, acc))
			problem(c, "contact %.*s: in the index of account %.*s, but the record names %.*s",
				S(ct.id), S(acc), S(ct.account_id));
	}
	kam_cursor_close(cur);
	if (rc == KAM_ECORRUPT || rc == KAM_ENOTFOUND) {
		problem(c, "contacts of account %.*s: an index entry without a readable record", S(acc));
		rc = 0;
	}
	return rc;
}

/* One account: its rollup and the index entries under it. */
static int check_account(checker *c, kam_cursor *accounts, kam_facts *orders,
			 kam_facts *interactions, const kam_account *a)
{
	kam_rollup stored, computed;
	int rc = kam_cursor_rollup(accounts, &stored);
	if (!rc)
		rc = kam_rollup_compute(c->txn, a->id, &computed);
	if (rc == KAM_ECORRUPT) {
		problem(c, "account %.*s: its rollup or index entries do not decode", S(a->id));
		return 0;
	}
	if (rc)
		return rc;
	const char *field = rollup_diff(&stored, &computed);
	if (field)
		problem(c, "account %.*s: the stored rollup's %s differs from its orders and interactions",
			S(a->id), field);
	if ((rc = check_orders(c, orders, a->id)) || (rc = check_interactions(c, interactions, a->id)))
		return rc;
	return check_contacts(c, a->id);
}

static int str_order(const void *x, const void *y)
{
	return kam_str_cmp(*(const kam_str *)x, *(const kam_str *)y);
}

/*
 * One account index (region or owner): for each value the accounts have, the index lists exactly
 * those accounts. `values` holds every account's value (n of them), sorted here.
 */
static int check_account_index(checker *c, kam_scan scan, const char *name, kam_str *values,
			       size_t n)
{
	if (n)
		qsort(values, n, sizeof(*values), str_order);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && kam_str_eq(values[j], values[i]); j++)
			;
		kam_cursor *cur;
		int rc = kam_cursor_open(c->txn, KAM_ACCOUNT, scan, values[i], INT32_MIN, INT32_MAX,
					 &cur);
		if (rc)
			return rc;
		kam_account a;
		uint64_t listed = 0;
		while ((rc = kam_cursor_next(cur, &a)) == 1) {
			listed++;
			kam_str v = scan == KAM_SCAN_REGION ? a.region : a.owner;
			if (!kam_str_eq(v, values[i]))
				problem(c, "account %.*s: listed under %s \"%.*s\" but has \"%.*s\"",
					S(a.id), name, S(values[i]), S(v));
		}
		kam_cursor_close(cur);
		if (rc < 0)
			return rc;
		if (listed != j - i)
			problem(c, "%s \"%.*s\": the index lists %llu accounts, %zu have it", name,
				S(values[i]), (unsigned long long)listed, j - i);
	}
	return 0;
}

/*
 * Walks every record of `kind` (contacts, orders, interactions), decoding each, and compares
 * their number with the index entries reached; a record that does not decode stops the walk.
 */
static int count_records(checker *c, kam_kind kind)
{
	kam_cursor *cur;
	int rc = kam_cursor_open(c->txn, kind, KAM_SCAN_ALL, (kam_str){ NULL, 0 }, INT32_MIN,
				 INT32_MAX, &cur);
	if (rc)
		return rc;
	const kam_schema *s = kam_schema_of(kind);
	kam_any r;
	uint64_t n = 0;
	while ((rc = kam_cursor_next(cur, &r)) == 1)
		if (++n % PROGRESS_EVERY == 0 && c->progress)
			c->progress(c->ctx, s->name, n, c->total[kind]);
	kam_cursor_close(cur);
	if (rc == KAM_ECORRUPT) {
		problem(c, "%s: the record after the %llu-th does not decode; the rest were not read",
			s->name, (unsigned long long)n);
		rc = 0;
	}
	c->out->records[kind] = n;
	if (!rc && c->indexed[kind] != n)
		problem(c, "%s: %llu records, %llu of them reached from their account's index", s->name,
			(unsigned long long)n, (unsigned long long)c->indexed[kind]);
	return rc;
}

static int walk_accounts(checker *c, size_t *naccounts)
{
	kam_cursor *accounts;
	kam_facts *orders = NULL, *interactions = NULL;
	int rc = kam_cursor_open(c->txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ NULL, 0 }, INT32_MIN,
				 INT32_MAX, &accounts);
	if (rc)
		return rc;
	if (!(rc = kam_facts_open(c->txn, KAM_ORDER, &orders)))
		rc = kam_facts_open(c->txn, KAM_INTERACTION, &interactions);
	kam_facts_strict(orders);
	kam_facts_strict(interactions);
	size_t n = 0, cap = 0;
	kam_account a;
	while (!rc && (rc = kam_cursor_next(accounts, &a)) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			kam_str *r = realloc(c->regions, cap * sizeof(*r));
			kam_str *o = r ? realloc(c->owners, cap * sizeof(*o)) : NULL;
			if (r)
				c->regions = r;
			if (!o) {
				rc = KAM_ENOMEM;
				break;
			}
			c->owners = o;
		}
		c->regions[n++] = a.region;
		if (n % PROGRESS_EVERY == 0 && c->progress)
			c->progress(c->ctx, "accounts", n, c->total[KAM_ACCOUNT]);
		if (a.owner.len)
			c->owners[c->nowners++] = a.owner;
		rc = check_account(c, accounts, orders, interactions, &a);
	}
	if (rc == KAM_ECORRUPT) {
		problem(c, "accounts: the record after the %zu-th does not decode; the rest were not read",
			n);
		rc = 0;
	}
	kam_facts_close(orders);
	kam_facts_close(interactions);
	kam_cursor_close(accounts);
	*naccounts = n;
	return rc;
}

int kam_check(kam_txn *txn, kam_check_report_fn report, kam_check_progress_fn progress, void *ctx,
	      kam_check_result *out)
{
	if (!txn || !report || !out)
		return KAM_EINVAL;
	memset(out, 0, sizeof(*out));
	checker c = { .txn = txn, .report = report, .progress = progress, .ctx = ctx, .out = out };
	kam_store_stats st;
	int rc = kam_store_stats_get(txn, &st);
	if (rc)
		return rc;
	memcpy(c.total, st.records, sizeof(c.total));
	size_t naccounts = 0;
	rc = walk_accounts(&c, &naccounts);
	if (!rc)
		rc = check_account_index(&c, KAM_SCAN_REGION, "region", c.regions, naccounts);
	if (!rc)
		rc = check_account_index(&c, KAM_SCAN_OWNER, "owner", c.owners, c.nowners);
	/* The account walk read and decoded every account already. */
	out->records[KAM_ACCOUNT] = naccounts;
	for (int k = KAM_CONTACT; !rc && k < KAM_KIND_COUNT; k++)
		rc = count_records(&c, (kam_kind)k);
	free(c.regions);
	free(c.owners);
	return rc;
}
