/* portfolio.c - concentration, time and return per group of accounts; receivables. */
#include "portfolio.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "segment.h"

#define WINDOW_DAYS_MAX 365250 /* a thousand years: keeps the day arithmetic far from overflow */

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *const by_names[] = { "total", "rep", "region", "tier" };

int kam_portfolio_by_parse(const char *name, kam_portfolio_by *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, by_names[i]) == 0) {
			*out = (kam_portfolio_by)i;
			return 0;
		}
	return KAM_EINVAL;
}

const char *kam_portfolio_by_name(kam_portfolio_by by)
{
	return (unsigned)by < 4 ? by_names[by] : "total";
}

double kam_portfolio_share(kam_money part, kam_money total)
{
	return total > 0 ? (double)part / (double)total : NAN;
}

double kam_portfolio_roi(kam_money revenue, int64_t minutes)
{
	/* revenue / 10^4 currency units over minutes / 60 hours, as one division of exact values */
	if (minutes <= 0)
		return NAN;
	return (double)((long double)revenue * 60 / ((long double)minutes * KAM_MONEY_SCALE));
}

static char *dup_str(kam_str s)
{
	char *p = malloc((size_t)s.len + 1);
	if (p) {
		if (s.len)
			memcpy(p, s.ptr, s.len);
		p[s.len] = 0;
	}
	return p;
}

static uint32_t str_hash(kam_str s)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < s.len; i++)
		h = (h ^ (uint8_t)s.ptr[i]) * 16777619u;
	return h;
}

/* ---- groups: an open-addressing map from key to accumulator ---- */

typedef struct gacc {
	kam_portfolio_group g;
	unsigned __int128 sumsq; /* sum of revenue^2 in ten-thousandths^2: exact */
	kam_money *heap;         /* min-heap of the largest revenues, at most `k` */
	size_t nheap, capheap;
	size_t caprev;           /* of g.revenues */
} gacc;

typedef struct gmap {
	gacc *v;
	size_t n, cap;
	uint32_t *slots; /* index + 1, 0 = empty */
	size_t nslots;
} gmap;

static void gacc_free(gacc *a)
{
	free(a->g.key);
	free(a->g.revenues);
	free(a->heap);
}

static void gmap_free(gmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		gacc_free(&m->v[i]);
	free(m->v);
	free(m->slots);
}

static int gmap_rehash(gmap *m)
{
	size_t nslots = m->nslots ? m->nslots * 2 : 64;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return KAM_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = str_hash(kam_str_c(m->v[i].g.key)) & (nslots - 1);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

/* The accumulator of `key`, created on first use; NULL when out of memory. */
static gacc *gmap_get(gmap *m, kam_str key)
{
	if (m->n * 2 >= m->nslots && gmap_rehash(m))
		return NULL;
	size_t j = str_hash(key) & (m->nslots - 1);
	for (; m->slots[j]; j = (j + 1) & (m->nslots - 1)) {
		gacc *a = &m->v[m->slots[j] - 1];
		if (kam_str_eq(kam_str_c(a->g.key), key))
			return a;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		gacc *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		m->v = v;
		m->cap = cap;
	}
	gacc *a = &m->v[m->n];
	memset(a, 0, sizeof(*a));
	if (!(a->g.key = dup_str(key)))
		return NULL;
	m->slots[j] = (uint32_t)++m->n;
	return a;
}

/* Keeps the k largest revenues seen. */
static int heap_push(gacc *a, size_t k, kam_money v)
{
	kam_money *h = a->heap;
	if (a->nheap < k) {
		if (a->nheap == a->capheap) {
			size_t cap = a->capheap ? a->capheap * 2 : 8;
			if (cap > k)
				cap = k;
			if (!(h = realloc(a->heap, cap * sizeof(*h))))
				return KAM_ENOMEM;
			a->heap = h;
			a->capheap = cap;
		}
		size_t i = a->nheap++;
		while (i && h[(i - 1) / 2] > v) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = v;
		return 0;
	}
	if (v <= h[0])
		return 0;
	size_t i = 0, n = a->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1] < h[c])
			c++;
		if (h[c] >= v)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
	return 0;
}

static int gacc_add(gacc *a, size_t k, kam_money rev, int64_t minutes, char tier, bool keep)
{
	if (keep && a->g.accounts == a->caprev) {
		size_t cap = a->caprev ? a->caprev * 2 : 64;
		kam_money *v = realloc(a->g.revenues, cap * sizeof(*v));
		if (!v)
			return KAM_ENOMEM;
		a->g.revenues = v;
		a->caprev = cap;
	}
	if (keep)
		a->g.revenues[a->g.accounts] = rev;
	int t = kam_tier_slot(tier);
	a->g.accounts++;
	a->g.revenue += rev;
	a->g.minutes += minutes;
	a->g.tier_accounts[t]++;
	a->g.tier_revenue[t] += rev;
	a->g.tier_minutes[t] += minutes;
	/* |rev| < 2^63, so each square < 2^126: the sum stays exact for any real book */
	uint64_t m = rev < 0 ? (uint64_t)0 - (uint64_t)rev : (uint64_t)rev;
	a->sumsq += (unsigned __int128)m * m;
	return heap_push(a, k, rev);
}

static int cmp_money_desc(const void *x, const void *y)
{
	kam_money a = *(const kam_money *)x, b = *(const kam_money *)y;
	return (a < b) - (a > b);
}

static void gacc_finish(gacc *a, size_t top)
{
	if (a->nheap)
		qsort(a->heap, a->nheap, sizeof(*a->heap), cmp_money_desc);
	for (size_t i = 0; i < a->nheap; i++) {
		if (i < 1)
			a->g.top1 += a->heap[i];
		if (i < 5)
			a->g.top5 += a->heap[i];
		if (i < top)
			a->g.topn += a->heap[i];
	}
	a->g.hhi = NAN;
	if (a->g.revenue > 0) {
		long double r = (long double)a->g.revenue;
		a->g.hhi = (double)(10000.0L * (long double)a->sumsq / (r * r));
	}
}

/* ---- the pass ---- */

static kam_str account_region(const kam_account *a)
{
	return KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
}

static kam_str group_key(const kam_portfolio_opts *o, const kam_account *a,
			 const kam_tier_row *row, char *tbuf)
{
	switch (o->by) {
	case KAM_PORTFOLIO_REP:
		return KAM_HAS(a, KAM_A_OWNER) ? a->owner : (kam_str){ "", 0 };
	case KAM_PORTFOLIO_REGION:
		return row->region;
	case KAM_PORTFOLIO_TIER:
		tbuf[0] = row->tier;
		return (kam_str){ tbuf, row->tier ? 1u : 0u };
	default:
		return (kam_str){ "", 0 };
	}
}

/* The tier of account `id`, walking the tier rows (id order) along with the accounts. */
static char tier_at(const kam_tier_set *t, size_t *pos, kam_str id)
{
	while (*pos < t->count && kam_str_cmp(t->rows[*pos].account_id, id) < 0)
		(*pos)++;
	if (*pos < t->count && kam_str_eq(t->rows[*pos].account_id, id))
		return t->rows[*pos].tier;
	return 0;
}

static int window_of(const kam_portfolio_opts *o, int32_t *from, char *err, size_t errlen)
{
	if (o->window_days < 1 || o->window_days > WINDOW_DAYS_MAX) {
		say(err, errlen, "window_days must be between 1 and %d, not %d", WINDOW_DAYS_MAX,
		    (int)o->window_days);
		return KAM_EINVAL;
	}
	int64_t f = (int64_t)o->as_of - o->window_days + 1;
	*from = f < INT32_MIN + 1 ? INT32_MIN + 1 : (int32_t)f;
	return 0;
}

/*
 * The pass: the tier rows hold every account in id order with its region, so only grouping by
 * rep needs the account records (read alongside, in the same order).
 */
static int portfolio_walk(kam_txn *txn, const kam_portfolio_opts *o, const kam_tier_set *tiers,
			  int32_t from, gacc *total, gmap *groups)
{
	kam_cursor *cur = NULL;
	kam_facts *orders = NULL, *inter = NULL;
	kam_account a = { 0 };
	size_t k = o->top > 5 ? o->top : 5, last = SIZE_MAX;
	int rc = 0;
	if (o->by == KAM_PORTFOLIO_REP)
		rc = kam_cursor_open(txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ NULL, 0 }, INT32_MIN,
				     INT32_MAX, &cur);
	if (!rc)
		rc = kam_facts_open(txn, KAM_ORDER, &orders);
	if (!rc)
		rc = kam_facts_open(txn, KAM_INTERACTION, &inter);
	for (size_t t = 0; !rc && t < tiers->count; t++) {
		const kam_tier_row *row = &tiers->rows[t];
		const void *rows;
		size_t n;
		kam_money rev = 0;
		int64_t minutes = 0;
		if (cur && (rc = kam_cursor_next(cur, &a)) <= 0) {
			rc = rc ? rc : KAM_ECORRUPT;
			break;
		}
		if (cur && !kam_str_eq(a.id, row->account_id)) {
			rc = KAM_ECORRUPT; /* one transaction: both walks see the same accounts */
			break;
		}
		if ((rc = kam_facts_get(orders, row->account_id, from, o->as_of, &rows, &n)))
			break;
		const kam_order_fact *of = rows;
		for (size_t i = 0; i < n; i++)
			rev += of[i].amount;
		if ((rc = kam_facts_get(inter, row->account_id, from, o->as_of, &rows, &n)))
			break;
		const kam_interaction_fact *inf = rows;
		for (size_t i = 0; i < n; i++)
			if (inf[i].has_minutes)
				minutes += inf[i].minutes;
		if ((rc = gacc_add(total, k, rev, minutes, row->tier, false)))
			break;
		if (o->by == KAM_PORTFOLIO_TOTAL)
			continue;
		char tbuf[1];
		kam_str key = group_key(o, &a, row, tbuf);
		/* Accounts of one rep or region often follow each other: try the last group first. */
		gacc *g = last != SIZE_MAX && kam_str_eq(kam_str_c(groups->v[last].g.key), key)
				  ? &groups->v[last]
				  : gmap_get(groups, key);
		if (!g) {
			rc = KAM_ENOMEM;
			break;
		}
		last = (size_t)(g - groups->v);
		rc = gacc_add(g, k, rev, minutes, row->tier, o->keep_revenues);
	}
	kam_facts_close(inter);
	kam_facts_close(orders);
	kam_cursor_close(cur);
	return rc < 0 ? rc : 0;
}

static int cmp_group_key(const void *x, const void *y)
{
	const kam_portfolio_group *a = x, *b = y;
	return kam_str_cmp(kam_str_c(a->key), kam_str_c(b->key));
}

void kam_portfolio_free(kam_portfolio *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ngroups; i++) {
		free(p->groups[i].key);
		free(p->groups[i].revenues);
	}
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
}

int kam_portfolio_compute(kam_txn *txn, const kam_portfolio_opts *o, kam_portfolio *out)
{
	memset(out, 0, sizeof(*out));
	int32_t from;
	int rc = window_of(o, &from, out->error, sizeof(out->error));
	if (rc)
		return rc;
	if (o->top < 1) {
		say(out->error, sizeof(out->error), "top must be at least 1");
		return KAM_EINVAL;
	}
	kam_tier_set tiers;
	if ((rc = kam_tiers_current(txn, o->reg, NULL, o->as_of, &tiers))) {
		say(out->error, sizeof(out->error), "reading the tiers: %s", tiers.error);
		return rc;
	}
	out->tiers_computed_regions = tiers.ncomputed;
	out->tiers_missing = tiers.missing;
	out->top = o->top;
	gacc total = { 0 };
	gmap groups = { 0 };
	rc = portfolio_walk(txn, o, &tiers, from, &total, &groups);
	kam_tier_set_free(&tiers);
	if (rc) {
		say(out->error, sizeof(out->error), "reading the book: %s", kam_strerror(rc));
		goto done;
	}
	gacc_finish(&total, o->top);
	out->total = total.g;
	out->total.key = NULL;
	if (groups.n && !(out->groups = calloc(groups.n, sizeof(*out->groups)))) {
		rc = KAM_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < groups.n; i++) {
		gacc_finish(&groups.v[i], o->top);
		out->groups[i] = groups.v[i].g;
		groups.v[i].g.key = NULL; /* moved */
		groups.v[i].g.revenues = NULL;
	}
	out->ngroups = groups.n;
	if (out->ngroups)
		qsort(out->groups, out->ngroups, sizeof(*out->groups), cmp_group_key);
done:
	gacc_free(&total);
	gmap_free(&groups);
	if (rc && !out->error[0])
		say(out->error, sizeof(out->error), "%s", kam_strerror(rc));
	return rc;
}

/* ---- receivables ---- */

typedef struct racc {
	kam_str id, owner, region; /* views valid until the transaction ends */
	char tier;
	kam_money amount;
	uint32_t open;
	int32_t oldest;
} racc;

typedef struct rbook {
	racc *v;
	size_t n, cap;
	uint32_t *slots;
	size_t nslots;
} rbook;

static int rbook_load(kam_txn *txn, const kam_tier_set *tiers, rbook *b)
{
	kam_cursor *cur;
	kam_account a;
	size_t tpos = 0;
	int rc = kam_cursor_open(txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ NULL, 0 }, INT32_MIN,
				 INT32_MAX, &cur);
	while (!rc && (rc = kam_cursor_next(cur, &a)) > 0) {
		rc = 0;
		if ((rc = kam_grow((void **)&b->v, &b->cap, b->n + 1, sizeof(*b->v))))
			break;
		b->v[b->n++] = (racc){ a.id, KAM_HAS(&a, KAM_A_OWNER) ? a.owner : (kam_str){ "", 0 },
				       account_region(&a), tier_at(tiers, &tpos, a.id), 0, 0,
				       KAM_NO_DAY };
	}
	kam_cursor_close(cur);
	if (rc < 0)
		return rc;
	size_t nslots = 64;
	while (nslots < b->n * 2)
		nslots *= 2;
	if (!(b->slots = calloc(nslots, sizeof(*b->slots))))
		return KAM_ENOMEM;
	b->nslots = nslots;
	for (size_t i = 0; i < b->n; i++) {
		size_t j = str_hash(b->v[i].id) & (nslots - 1);
		while (b->slots[j])
			j = (j + 1) & (nslots - 1);
		b->slots[j] = (uint32_t)i + 1;
	}
	return 0;
}

static racc *rbook_find(const rbook *b, kam_str id)
{
	size_t j = str_hash(id) & (b->nslots - 1);
	for (; b->slots[j]; j = (j + 1) & (b->nslots - 1))
		if (kam_str_eq(b->v[b->slots[j] - 1].id, id))
			return &b->v[b->slots[j] - 1];
	return NULL;
}

/*
 * Every order record once, each of them decoded: the slow part of receivables. A large book is
 * read by two threads, this one from the first order id up and a helper from the last one down
 * on a twin transaction, taking orders in batches from a shared count until they meet; each
 * adds up its own sums per account, merged at the end.
 */
#define WALK_MIN_ORDERS 20000 /* fewer: not worth a thread */
#define WALK_BATCH 4096

typedef struct rsum {
	kam_money amount;
	uint32_t open;
	int32_t oldest;
} rsum;

typedef struct owalk {
	kam_txn *txn;
	int desc; /* from the last order id down */
	const rbook *b;
	int32_t as_of;
	size_t total;        /* orders to read between both walkers */
	_Atomic size_t *claimed;
	_Atomic int *stop;   /* a walker failed */
	rsum *sums;          /* by account index in b */
	int rc;
} owalk;

/* Takes up to `want` orders; returns how many (0: none left, or stop). */
static size_t walk_claim(owalk *w, size_t want)
{
	if (atomic_load(w->stop))
		return 0;
	size_t old = atomic_fetch_add(w->claimed, want);
	if (old >= w->total)
		return 0;
	return w->total - old < want ? w->total - old : want;
}

static int order_add(owalk *w, const kam_order *o, racc **last)
{
	if (o->date.day > w->as_of)
		return 0;
	racc *a = *last && kam_str_eq((*last)->id, o->account_id) ? *last
								  : rbook_find(w->b, o->account_id);
	if (!a)
		return KAM_ECORRUPT; /* an order of no account: the store forbids it */
	*last = a;
	rsum *s = &w->sums[a - w->b->v];
	kam_money due = o->amount - (KAM_HAS(o, KAM_O_PAID) ? o->paid : 0);
	s->amount += due;
	if (due > 0) {
		s->open++;
		if (s->oldest == KAM_NO_DAY || o->date.day < s->oldest)
			s->oldest = o->date.day;
	}
	return 0;
}

static void *walk_run(void *arg)
{
	owalk *w = arg;
	kam_cursor *cur;
	kam_order o;
	racc *last = NULL;
	size_t got;
	int rc = kam_cursor_open(w->txn, KAM_ORDER, w->desc ? KAM_SCAN_ALL_DESC : KAM_SCAN_ALL,
				 (kam_str){ NULL, 0 }, INT32_MIN, INT32_MAX, &cur);
	while (!rc && (got = walk_claim(w, WALK_BATCH)) > 0) {
		for (size_t j = 0; !rc && j < got; j++) {
			rc = kam_cursor_next(cur, &o);
			if (rc <= 0) /* the count said there were more: the database disagrees */
				rc = rc ? rc : KAM_ECORRUPT;
			else
				rc = order_add(w, &o, &last);
		}
	}
	if (rc)
		atomic_store(w->stop, 1);
	kam_cursor_close(cur);
	w->rc = rc;
	return NULL;
}

static int rbook_orders(kam_txn *txn, int32_t as_of, rbook *b)
{
	kam_store_stats st;
	int rc = kam_store_stats_get(txn, &st);
	if (rc)
		return rc;
	_Atomic size_t claimed = 0;
	_Atomic int stop = 0;
	owalk me = { .txn = txn, .b = b, .as_of = as_of, .total = st.records[KAM_ORDER],
		     .claimed = &claimed, .stop = &stop };
	owalk helper = me;
	helper.desc = 1;
	rsum *sums = malloc(2 * (b->n ? b->n : 1) * sizeof(*sums));
	if (!sums)
		return KAM_ENOMEM;
	for (size_t i = 0; i < 2 * b->n; i++)
		sums[i] = (rsum){ 0, 0, KAM_NO_DAY };
	me.sums = sums;
	helper.sums = sums + b->n;
	pthread_t th;
	bool two = me.total >= WALK_MIN_ORDERS && kam_txn_twin(txn, &helper.txn) == 0;
	if (two && pthread_create(&th, NULL, walk_run, &helper)) {
		kam_txn_abort(helper.txn);
		two = false;
	}
	walk_run(&me);
	if (two) {
		pthread_join(th, NULL);
		kam_txn_abort(helper.txn);
	}
	rc = me.rc ? me.rc : helper.rc;
	for (size_t i = 0; !rc && i < b->n; i++) {
		racc *a = &b->v[i];
		for (const rsum *s = &sums[i]; s < sums + 2 * b->n; s += b->n) {
			a->amount += s->amount;
			a->open += s->open;
			if (s->oldest != KAM_NO_DAY && (a->oldest == KAM_NO_DAY || s->oldest < a->oldest))
				a->oldest = s->oldest;
		}
	}
	free(sums);
	return rc;
}

static int cmp_receivable(const void *x, const void *y)
{
	const kam_receivable *a = x, *b = y;
	if (a->amount != b->amount)
		return (a->amount < b->amount) - (a->amount > b->amount);
	return kam_str_cmp(kam_str_c(a->account_id), kam_str_c(b->account_id));
}

static int cmp_rgroup(const void *x, const void *y)
{
	const kam_receivable_group *a = x, *b = y;
	if (a->amount != b->amount)
		return (a->amount < b->amount) - (a->amount > b->amount);
	return kam_str_cmp(kam_str_c(a->key), kam_str_c(b->key));
}

static void rgroup_add(kam_receivable_group *g, const racc *a)
{
	g->accounts++;
	g->amount += a->amount;
	g->open_orders += a->open;
	if (a->oldest != KAM_NO_DAY && (g->oldest_open == KAM_NO_DAY || a->oldest < g->oldest_open))
		g->oldest_open = a->oldest;
}

void kam_receivables_free(kam_receivables_set *s)
{
	if (!s)
		return;
	free(s->rows);
	free(s->text);
	for (size_t i = 0; i < s->ngroups; i++)
		free(s->groups[i].key);
	free(s->groups);
	memset(s, 0, sizeof(*s));
}

/* Copies s to *at as a C string and moves *at past it. */
static char *text_put(char **at, kam_str s)
{
	char *p = *at;
	if (s.len)
		memcpy(p, s.ptr, s.len);
	p[s.len] = 0;
	*at = p + s.len + 1;
	return p;
}

static int receivables_collect(const kam_portfolio_opts *o, const rbook *b,
			       kam_receivables_set *out)
{
	/* A million accounts owe: their strings go into one block, not three mallocs each. */
	size_t n = 0, bytes = 1;
	for (size_t i = 0; i < b->n; i++) {
		const racc *a = &b->v[i];
		if (a->amount > 0) {
			n++;
			bytes += (size_t)a->id.len + a->owner.len + a->region.len + 3;
		}
	}
	out->rows = calloc(n ? n : 1, sizeof(*out->rows));
	out->text = malloc(bytes);
	if (!out->rows || !out->text)
		return KAM_ENOMEM;
	char *at = out->text;
	out->total.oldest_open = KAM_NO_DAY;
	gmap keys = { 0 }; /* only for the key -> group index; its accumulators stay unused */
	int rc = 0;
	for (size_t i = 0; !rc && i < b->n; i++) {
		const racc *a = &b->v[i];
		if (a->amount <= 0)
			continue;
		kam_receivable *r = &out->rows[out->count++];
		r->account_id = text_put(&at, a->id);
		r->owner = text_put(&at, a->owner);
		r->region = text_put(&at, a->region);
		r->tier = a->tier;
		r->amount = a->amount;
		r->open_orders = a->open;
		r->oldest_open = a->oldest;
		rgroup_add(&out->total, a);
		if (o->by == KAM_PORTFOLIO_TOTAL)
			continue;
		char tbuf[1] = { a->tier };
		kam_str key = o->by == KAM_PORTFOLIO_REP      ? a->owner
			      : o->by == KAM_PORTFOLIO_REGION ? a->region
							      : (kam_str){ tbuf, a->tier ? 1u : 0u };
		size_t before = keys.n;
		gacc *g = gmap_get(&keys, key);
		if (!g) {
			rc = KAM_ENOMEM;
			break;
		}
		size_t gi = (size_t)(g - keys.v);
		if (keys.n > before) {
			kam_receivable_group *v = realloc(out->groups, keys.n * sizeof(*v));
			if (!v) {
				rc = KAM_ENOMEM;
				break;
			}
			out->groups = v;
			memset(&v[gi], 0, sizeof(*v));
			v[gi].oldest_open = KAM_NO_DAY;
			out->ngroups = keys.n;
			if (!(v[gi].key = dup_str(key))) {
				rc = KAM_ENOMEM;
				break;
			}
		}
		rgroup_add(&out->groups[gi], a);
	}
	gmap_free(&keys);
	if (!rc) {
		if (out->count)
			qsort(out->rows, out->count, sizeof(*out->rows), cmp_receivable);
		if (out->ngroups)
			qsort(out->groups, out->ngroups, sizeof(*out->groups), cmp_rgroup);
	}
	return rc;
}

int kam_receivables(kam_txn *txn, const kam_portfolio_opts *o, kam_receivables_set *out)
{
	memset(out, 0, sizeof(*out));
	kam_tier_set tiers;
	rbook b = { 0 };
	int rc = kam_tiers_current(txn, o->reg, NULL, o->as_of, &tiers);
	if (rc) {
		say(out->error, sizeof(out->error), "reading the tiers: %s", tiers.error);
		return rc;
	}
	if ((rc = rbook_load(txn, &tiers, &b)) || (rc = rbook_orders(txn, o->as_of, &b)))
		say(out->error, sizeof(out->error), "reading the book: %s", kam_strerror(rc));
	else if ((rc = receivables_collect(o, &b, out)))
		say(out->error, sizeof(out->error), "%s", kam_strerror(rc));
	kam_tier_set_free(&tiers);
	free(b.v);
	free(b.slots);
	if (rc)
		kam_receivables_free(out);
	return rc;
}
