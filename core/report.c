/* report.c - gathering the book's figures per region and writing them as one HTML page. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agenda.h"
#include "date.h"
#include "error.h"
#include "output.h"
#include "segment.h"
#include "snapshot.h"
#include "svg.h"

#ifndef KAM_VERSION
#define KAM_VERSION "dev"
#endif

#define WINDOW_DAYS_MAX 365250

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
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

void kam_report_opts_init(kam_report_opts *o, int32_t as_of)
{
	memset(o, 0, sizeof(*o));
	o->as_of = as_of;
	o->window_days = 365;
	o->top = 10;
	o->weeks = 8;
	o->max_moves = 100;
}

/* ---- freeing ---- */

static void region_free(kam_report_region *g)
{
	free(g->name);
	free(g->revenue);
	free(g->seg_model);
	for (size_t i = 0; i < g->nreps; i++)
		free(g->reps[i]);
	free(g->reps);
	free(g->load);
	free(g->value_model);
	for (size_t i = 0; i < g->ntop; i++) {
		free(g->top[i].account_id);
		free(g->top[i].name);
		free(g->top[i].recommendation);
	}
	free(g->top);
	for (size_t i = 0; i < g->nmoved_list; i++) {
		free(g->moved_list[i].account_id);
		free(g->moved_list[i].name);
	}
	free(g->moved_list);
}

void kam_report_free(kam_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nregions; i++)
		region_free(&r->regions[i]);
	free(r->regions);
	r->regions = NULL;
	r->nregions = 0;
}

/* ---- regions ---- */

/* The index of a region by name (regions are sorted), or -1; `hint` caches the last hit. */
static long region_find(const kam_report *r, kam_str name, long *hint)
{
	if (*hint >= 0 && kam_str_eq(kam_str_c(r->regions[*hint].name), name))
		return *hint;
	size_t lo = 0, hi = r->nregions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = kam_str_cmp(kam_str_c(r->regions[mid].name), name);
		if (c == 0)
			return *hint = (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The regions and their portfolio figures, from one portfolio pass grouped by region. */
static int regions_load(kam_txn *txn, kam_report *r)
{
	const kam_report_opts *o = &r->opts;
	kam_portfolio_opts po = { .by = KAM_PORTFOLIO_REGION, .as_of = o->as_of,
				  .window_days = o->window_days, .top = o->top, .reg = o->reg,
				  .keep_revenues = true };
	kam_portfolio p;
	int rc = kam_portfolio_compute(txn, &po, &p);
	if (rc) {
		say(r->error, sizeof(r->error), "%s", p.error);
		return rc;
	}
	r->total = p.total;
	r->tiers_computed_regions = p.tiers_computed_regions;
	r->tiers_missing = p.tiers_missing;
	if (p.ngroups && !(r->regions = calloc(p.ngroups, sizeof(*r->regions))))
		rc = KAM_ENOMEM;
	for (size_t i = 0; !rc && i < p.ngroups; i++) {
		if (o->region && strcmp(o->region, p.groups[i].key) != 0)
			continue;
		kam_report_region *g = &r->regions[r->nregions++];
		g->pf = p.groups[i];
		g->name = p.groups[i].key;
		g->revenue = p.groups[i].revenues;
		g->naccounts = (size_t)p.groups[i].accounts;
		g->pf.key = NULL;
		g->pf.revenues = NULL;
		p.groups[i].key = NULL; /* moved into the region */
		p.groups[i].revenues = NULL;
	}
	kam_portfolio_free(&p);
	if (rc) {
		say(r->error, sizeof(r->error), "out of memory");
		return rc;
	}
	if (o->region && !r->nregions) {
		say(r->error, sizeof(r->error), "no accounts in region \"%s\"", o->region);
		r->bad_opts = true;
		return KAM_ENOTFOUND;
	}
	return 0;
}

static int cmp_money_desc(const void *x, const void *y)
{
	kam_money a = *(const kam_money *)x, b = *(const kam_money *)y;
	return (a < b) - (a > b);
}

/*
 * Ranks each region's revenues (from the portfolio pass): revenue descending (the ids only break
 * ties, and equal revenues draw the same curve, so the order among them need not be kept).
 */
static void revenue_rank(kam_report *r)
{
	for (size_t i = 0; i < r->nregions; i++) {
		kam_report_region *g = &r->regions[i];
		if (g->naccounts > 1)
			qsort(g->revenue, g->naccounts, sizeof(kam_money), cmp_money_desc);
		size_t na = (size_t)g->pf.tier_accounts[KAM_TIER_A];
		size_t nb = (size_t)g->pf.tier_accounts[KAM_TIER_B];
		g->a_end = na < g->naccounts ? na : g->naccounts;
		g->b_end = na + nb < g->naccounts ? na + nb : g->naccounts;
	}
}

/* ---- snapshots: current, previous, value ---- */

/*
 * The region's current snapshot of `kind`: its id, day and model (0, 0 and NULL without one).
 * Returns 0 or a store error.
 */
static int current_header(kam_txn *txn, int kind, kam_str region, uint64_t *id, int32_t *as_of,
			  char **model)
{
	kam_snapshot_info info;
	int rc = kam_snapshot_current_kind(txn, kind, region, id);
	if (!rc && !(rc = kam_snapshot_get(txn, *id, &info))) {
		*as_of = info.as_of;
		*model = info.model;
		info.model = NULL;
		kam_snapshot_info_free(&info);
		return 0;
	}
	*id = 0;
	return rc == KAM_ENOTFOUND ? 0 : rc;
}

static int snapshots_load(kam_txn *txn, kam_report *r)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < r->nregions; i++) {
		kam_report_region *g = &r->regions[i];
		kam_str name = kam_str_c(g->name);
		rc = current_header(txn, KAM_PLUGIN_SEGMENTATION, name, &g->snapshot, &g->seg_as_of,
				    &g->seg_model);
		if (!rc)
			rc = current_header(txn, KAM_PLUGIN_VALUE, name, &g->value_snapshot,
					    &g->value_as_of, &g->value_model);
	}
	return rc;
}

static bool covers(const kam_snapshot_info *info, const char *region)
{
	for (size_t i = 0; i < info->nregions; i++)
		if (strcmp(info->regions[i], region) == 0)
			return true;
	return false;
}

/*
 * Snapshots come newest first: the first older one that covers a region is its previous. The
 * walk stops (1) once every region with a current snapshot has found its previous.
 */
static int find_previous(void *ctx, const kam_snapshot_info *info)
{
	kam_report *r = ctx;
	if (info->kind != KAM_PLUGIN_SEGMENTATION)
		return 0;
	bool all = true;
	for (size_t i = 0; i < r->nregions; i++) {
		kam_report_region *g = &r->regions[i];
		if (g->snapshot && !g->prev_snapshot && info->id < g->snapshot &&
		    covers(info, g->name)) {
			g->prev_snapshot = info->id;
			g->prev_as_of = info->as_of;
		}
		all = all && (!g->snapshot || g->prev_snapshot);
	}
	return all;
}

/* ---- tier changes ---- */

static int move_note(kam_report *r, kam_str region, kam_str account, char from, char to,
		     uint64_t cur, uint64_t prev, long *hint)
{
	long ix = region_find(r, region, hint);
	if (ix < 0)
		return 0;
	kam_report_region *g = &r->regions[ix];
	if (g->snapshot != cur || g->prev_snapshot != prev)
		return 0;
	g->moves[kam_tier_slot(from)][kam_tier_slot(to)]++;
	if (kam_tier_slot(from) == kam_tier_slot(to))
		return 0;
	g->moved++;
	if (g->nmoved_list >= r->opts.max_moves)
		return 0;
	if (!g->moved_list && !(g->moved_list = calloc(r->opts.max_moves, sizeof(*g->moved_list))))
		return KAM_ENOMEM;
	kam_report_move *m = &g->moved_list[g->nmoved_list];
	if (!(m->account_id = dup_str(account)))
		return KAM_ENOMEM;
	m->from = from;
	m->to = to;
	g->nmoved_list++;
	return 0;
}

/*
 * Compares two snapshots account by account, as `kam tiers --diff PREV CUR --region R` does for
 * each region R that has this pair: an account whose region differs between the two counts in
 * each region as leaving one and arriving in the other.
 */
static int moves_pair(kam_txn *txn, kam_report *r, uint64_t prev, uint64_t cur)
{
	kam_snapshot_iter *ia = NULL, *ib = NULL;
	int rc = kam_snapshot_iter_open(txn, prev, &ia);
	if (!rc)
		rc = kam_snapshot_iter_open(txn, cur, &ib);
	kam_snapshot_row ra, rb;
	int ha = 0, hb = 0;
	long hint = -1;
	if (!rc && (ha = kam_snapshot_iter_next(ia, &ra)) >= 0)
		hb = kam_snapshot_iter_next(ib, &rb);
	while (!rc && ha >= 0 && hb >= 0 && (ha || hb)) {
		int c = !ha ? 1 : !hb ? -1 : kam_str_cmp(ra.account_id, rb.account_id);
		if (c < 0) {
			rc = move_note(r, ra.region, ra.account_id, ra.tier, 0, cur, prev, &hint);
		} else if (c > 0) {
			rc = move_note(r, rb.region, rb.account_id, 0, rb.tier, cur, prev, &hint);
		} else if (kam_str_eq(ra.region, rb.region)) {
			rc = move_note(r, ra.region, ra.account_id, ra.tier, rb.tier, cur, prev, &hint);
		} else {
			rc = move_note(r, ra.region, ra.account_id, ra.tier, 0, cur, prev, &hint);
			if (!rc)
				rc = move_note(r, rb.region, rb.account_id, 0, rb.tier, cur, prev, &hint);
		}
		if (rc)
			break;
		if (c <= 0)
			ha = kam_snapshot_iter_next(ia, &ra);
		if (c >= 0 && ha >= 0)
			hb = kam_snapshot_iter_next(ib, &rb);
	}
	if (!rc && (ha < 0 || hb < 0))
		rc = ha < 0 ? ha : hb;
	kam_snapshot_iter_close(ia);
	kam_snapshot_iter_close(ib);
	return rc;
}

static char *account_name(kam_txn *txn, const char *id)
{
	kam_account a;
	if (kam_get(txn, KAM_ACCOUNT, kam_str_c(id), &a) || !KAM_HAS(&a, KAM_A_NAME))
		return dup_str((kam_str){ "", 0 });
	return dup_str(a.name);
}

static int moves_load(kam_txn *txn, kam_report *r)
{
	int rc = kam_snapshot_each(txn, find_previous, r);
	if (rc < 0)
		return rc;
	/* One pass per distinct (previous, current) pair: regions segmented together share it. */
	for (size_t i = 0; i < r->nregions; i++) {
		kam_report_region *g = &r->regions[i];
		bool done = false;
		for (size_t j = 0; j < i && !done; j++)
			done = r->regions[j].snapshot == g->snapshot &&
			       r->regions[j].prev_snapshot == g->prev_snapshot;
		if (!g->prev_snapshot || done)
			continue;
		if ((rc = moves_pair(txn, r, g->prev_snapshot, g->snapshot)))
			return rc;
	}
	for (size_t i = 0; i < r->nregions; i++) {
		kam_report_region *g = &r->regions[i];
		for (size_t k = 0; k < g->nmoved_list; k++)
			if (!(g->moved_list[k].name = account_name(txn, g->moved_list[k].account_id)))
				return KAM_ENOMEM;
	}
	return 0;
}

/* ---- the value ranking ---- */

/* Whether (v, id) ranks before entry e: higher value first (NAN last), then account id. */
static bool value_before(double v, kam_str id, const kam_report_value *e)
{
	if (isnan(v) != isnan(e->value))
		return !isnan(v);
	if (!isnan(v) && v != e->value)
		return v > e->value;
	return kam_str_cmp(id, kam_str_c(e->account_id)) < 0;
}

/* Keeps the row (views into its snapshot) among the region's top values when it is one. */
static int value_offer(kam_report_region *g, size_t top, const kam_snapshot_row *row,
		       const kam_snapshot_value *v)
{
	size_t pos = g->ntop;
	while (pos > 0 && value_before(v->value, row->account_id, &g->top[pos - 1]))
		pos--;
	if (pos >= top)
		return 0;
	if (!g->top && !(g->top = calloc(top, sizeof(*g->top))))
		return KAM_ENOMEM;
	kam_report_value e = { .account_id = dup_str(row->account_id), .value = v->value };
	if (v->recommendation.ptr)
		e.recommendation = dup_str(v->recommendation);
	if (!e.account_id || (v->recommendation.ptr && !e.recommendation)) {
		free(e.account_id);
		free(e.recommendation);
		return KAM_ENOMEM;
	}
	if (g->ntop == top) { /* the last one drops out */
		free(g->top[top - 1].account_id);
		free(g->top[top - 1].recommendation);
		g->ntop--;
	}
	memmove(&g->top[pos + 1], &g->top[pos], (g->ntop - pos) * sizeof(*g->top));
	g->top[pos] = e;
	g->ntop++;
	return 0;
}

static int values_pass(kam_txn *txn, kam_report *r, uint64_t id)
{
	kam_snapshot_iter *it;
	int rc = kam_snapshot_iter_open(txn, id, &it);
	if (rc)
		return rc == KAM_ENOTFOUND ? 0 : rc;
	kam_snapshot_row row;
	kam_snapshot_value v;
	long hint = -1;
	while ((rc = kam_snapshot_iter_value(it, NULL, &row, &v)) > 0) {
		long ix = region_find(r, row.region, &hint);
		if (ix >= 0 && r->regions[ix].value_snapshot == id && v.has_value) {
			r->regions[ix].valued++;
			rc = value_offer(&r->regions[ix], r->opts.top, &row, &v);
		}
		if (rc < 0)
			break;
	}
	kam_snapshot_iter_close(it);
	return rc < 0 ? rc : 0;
}

static int values_load(kam_txn *txn, kam_report *r)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < r->nregions; i++) {
		uint64_t id = r->regions[i].value_snapshot;
		bool done = false;
		for (size_t j = 0; j < i && !done; j++)
			done = r->regions[j].value_snapshot == id;
		if (id && !done)
			rc = values_pass(txn, r, id);
	}
	for (size_t i = 0; !rc && i < r->nregions; i++) {
		kam_report_region *g = &r->regions[i];
		for (size_t k = 0; !rc && k < g->ntop; k++)
			if (!(g->top[k].name = account_name(txn, g->top[k].account_id)))
				rc = KAM_ENOMEM;
	}
	return rc;
}

/* ---- the agenda load ---- */

typedef struct load_item {
	long region;
	const char *owner;
	int col; /* 0: overdue, k: week k */
} load_item;

static int cmp_load_item(const void *x, const void *y)
{
	const load_item *a = x, *b = y;
	if (a->region != b->region)
		return a->region < b->region ? -1 : 1;
	return strcmp(a->owner, b->owner);
}

/* Counts the actions per region, rep and column; rows of each region sorted by rep. */
static int load_fill(kam_report *r, const kam_agenda *ag)
{
	int weeks = r->opts.weeks;
	load_item *v = ag->count ? malloc(ag->count * sizeof(*v)) : NULL;
	if (ag->count && !v)
		return KAM_ENOMEM;
	size_t n = 0;
	long hint = -1;
	for (size_t i = 0; i < ag->count; i++) {
		const kam_agenda_item *x = &ag->items[i];
		long ix = region_find(r, kam_str_c(x->region ? x->region : ""), &hint);
		if (ix < 0)
			continue;
		int col;
		if (kam_agenda_overdue(ag, x) > 0)
			col = 0;
		else
			col = 1 + (int)(((int64_t)x->due - r->opts.as_of) / 7);
		if (col > weeks)
			continue;
		v[n++] = (load_item){ ix, x->owner ? x->owner : "", col };
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_load_item);
	int rc = 0;
	size_t cols = (size_t)weeks + 1;
	for (size_t i = 0; !rc && i < n;) {
		kam_report_region *g = &r->regions[v[i].region];
		size_t end = i, nreps = 0;
		for (; end < n && v[end].region == v[i].region; end++)
			if (end == i || strcmp(v[end].owner, v[end - 1].owner) != 0)
				nreps++;
		g->reps = calloc(nreps, sizeof(*g->reps));
		g->load = calloc(nreps * cols, sizeof(*g->load));
		if (!g->reps || !g->load) {
			rc = KAM_ENOMEM;
			break;
		}
		for (size_t k = i; k < end; k++) {
			if (k == i || strcmp(v[k].owner, v[k - 1].owner) != 0) {
				if (!(g->reps[g->nreps++] = strdup(v[k].owner))) {
					rc = KAM_ENOMEM;
					break;
				}
			}
			g->load[(g->nreps - 1) * cols + (size_t)v[k].col]++;
			g->actions++;
		}
		i = end;
	}
	free(v);
	return rc;
}

static int agenda_load(kam_store *store, kam_report *r)
{
	const kam_report_opts *o = &r->opts;
	kam_agenda_opts ao;
	kam_agenda_opts_init(&ao, o->as_of);
	ao.region = o->region;
	int64_t to = (int64_t)o->as_of + 7 * (int64_t)o->weeks - 1;
	ao.due_to = to > INT32_MAX ? INT32_MAX : (int32_t)to;
	kam_agenda ag;
	int rc = kam_agenda_compute(store, o->reg, o->cfg, &ao, &ag);
	if (rc) {
		say(r->error, sizeof(r->error), "agenda: %s", ag.error);
		r->bad_opts = ag.bad_opts;
	} else {
		r->untiered_actions = ag.untiered;
		if ((rc = load_fill(r, &ag)))
			say(r->error, sizeof(r->error), "out of memory");
	}
	kam_agenda_free(&ag);
	return rc;
}

/* ---- building ---- */

static int opts_check(const kam_report_opts *o, char *err, size_t len)
{
	if (o->window_days < 1 || o->window_days > WINDOW_DAYS_MAX)
		say(err, len, "window_days must be between 1 and %d, not %d", WINDOW_DAYS_MAX,
		    (int)o->window_days);
	else if (o->top < 1 || o->top > 100000)
		say(err, len, "top must be between 1 and 100000, not %zu", o->top);
	else if (o->weeks < 1 || o->weeks > KAM_REPORT_WEEKS_MAX)
		say(err, len, "weeks must be between 1 and %d, not %d", KAM_REPORT_WEEKS_MAX,
		    o->weeks);
	else if (o->max_moves > 1000000)
		say(err, len, "max_moves must be at most 1000000, not %zu", o->max_moves);
	else
		return 0;
	return KAM_EINVAL;
}

int kam_report_build(kam_store *store, const kam_report_opts *opts, kam_report *out)
{
	memset(out, 0, sizeof(*out));
	out->opts = *opts;
	out->generated_at = (int64_t)time(NULL);
	int rc = opts_check(opts, out->error, sizeof(out->error));
	if (rc) {
		out->bad_opts = true;
		return rc;
	}
	kam_txn *txn;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		say(out->error, sizeof(out->error), "reading the database: %s", kam_strerror(rc));
		return rc;
	}
	if ((rc = regions_load(txn, out)))
		goto done;
	revenue_rank(out);
	/* The agenda reads in a transaction of its own; the regions are known by now. */
	if ((rc = agenda_load(store, out)))
		goto done;
	const char *what = "the snapshots";
	if (!(rc = snapshots_load(txn, out))) {
		what = "the tier changes";
		if (!(rc = moves_load(txn, out))) {
			what = "the values";
			rc = values_load(txn, out);
		}
	}
	if (rc)
		say(out->error, sizeof(out->error), "reading %s: %s", what, kam_strerror(rc));
done:
	kam_txn_abort(txn);
	return rc;
}

/* ---- writing: numbers ---- */

typedef struct mark {
	const char *k;                 /* what the figure is */
	const char *r;                 /* region, or NULL for the whole book */
	const char *t, *rep, *w, *a, *from, *to, *n;
} mark;

/* The data attributes of a figure, then data-v; `cls` first (NULL: none). */
static void mark_attrs(const mark *m, const char *cls, const char *exact, kam_xml_attr out[12])
{
	kam_xml_attr v[12] = {
		{ "class", cls },     { "data-k", m->k },   { "data-r", m->r },
		{ "data-t", m->t },   { "data-rep", m->rep }, { "data-w", m->w },
		{ "data-a", m->a },   { "data-from", m->from }, { "data-to", m->to },
		{ "data-n", m->n },   { "data-v", exact },  { NULL, NULL },
	};
	memcpy(out, v, sizeof(v));
}

/* A figure in HTML: the text shown, with the exact value in data-v (NULL: none, shows "–"). */
static void num_span(FILE *f, const mark *m, const char *exact, const char *shown)
{
	kam_xml_attr a[12];
	mark_attrs(m, "num", exact, a);
	fputs("<span", f);
	kam_xml_attrs(f, a);
	fputc('>', f);
	kam_xml_text(f, exact ? shown : "–");
	fputs("</span>", f);
}

static void num_cell(FILE *f, const mark *m, const char *exact, const char *shown)
{
	fputs("<td class=\"n\">", f);
	num_span(f, m, exact, shown);
	fputs("</td>", f);
}

/* Money: exact text, and shown grouped with at least two decimals. */
static void money_texts(kam_money m, char exact[KAM_MONEY_BUFSZ], char shown[48])
{
	char padded[48];
	size_t n = kam_money_format(m, exact);
	memcpy(padded, exact, n + 1);
	const char *dot = strchr(padded, '.');
	size_t decimals = dot ? n - (size_t)(dot - padded) - 1 : 0;
	if (!dot)
		padded[n++] = '.';
	for (; decimals < 2; decimals++)
		padded[n++] = '0';
	padded[n] = 0;
	kam_svg_group_thousands(padded, shown, 48);
}

static void count_texts(unsigned long long v, char exact[32], char shown[48])
{
	snprintf(exact, 32, "%llu", v);
	kam_svg_group_thousands(exact, shown, 48);
}

/* A ratio: exact (shortest round trip) or NULL for NAN, shown with `decimals`. */
static const char *ratio_texts(double v, int decimals, char exact[32], char shown[48])
{
	if (isnan(v)) {
		strcpy(shown, "–");
		return NULL;
	}
	char raw[400];
	kam_out_number(v, exact);
	snprintf(raw, sizeof(raw), "%.*f", decimals, v);
	kam_svg_group_thousands(raw, shown, 48);
	return exact;
}

static const char *share_texts(double v, char exact[32], char shown[48])
{
	if (isnan(v)) {
		strcpy(shown, "–");
		return NULL;
	}
	kam_out_number(v, exact);
	snprintf(shown, 48, "%.1f%%", v * 100);
	return exact;
}

static void day_text(int32_t day, char buf[KAM_DATE_BUFSZ])
{
	kam_date_format((kam_date){ day, KAM_NO_TIME }, buf);
}

static const char *region_label(const char *name)
{
	return *name ? name : "(no region)";
}

static const char *const tier_names[KAM_TIER_SLOTS] = { "A", "B", "C", "none" };
static const char *const tier_colors[KAM_TIER_SLOTS] = { "#D55E00", "#E69F00", "#56B4E9",
							 "#999999" };

/* ---- writing: the Pareto chart ---- */

#define PW 520.0
#define PH 330.0
#define PL 64.0  /* left margin: the y axis labels and title */
#define PR 16.0
#define PT 14.0
#define PB 52.0  /* bottom margin: the x axis labels and title */
#define MAX_POINTS 600

/* The cumulative share after the first k ranked accounts (k <= n). */
static double cum_share(const kam_money *rev, size_t n, size_t k, kam_money total)
{
	kam_money c = 0;
	for (size_t i = 0; i < k && i < n; i++)
		c += rev[i];
	return kam_portfolio_share(c, total);
}

/* A cut-off: a dashed drop line, a dot on the curve, a letter (B's lower, so both show when the
 * two cut-offs meet). */
static void cutoff(FILE *f, const kam_svg_scale *x, const kam_svg_scale *y, double xs, double ys,
		   const char *letter, const char *color, const char *dash, const char *cls)
{
	double below = *letter == 'B' ? 28 : 14;
	double px = kam_svg_map(x, xs), py = kam_svg_map(y, isnan(ys) ? 0 : ys);
	kam_svg_line(f, px, y->r0, px, py,
		     (kam_xml_attr[]){ { "class", cls }, { "stroke", color }, { "stroke-width", "1.5" },
				       { "stroke-dasharray", dash }, { NULL, NULL } });
	kam_svg_circle(f, px, py, 4, (kam_xml_attr[]){ { "class", cls }, { "fill", color },
						       { NULL, NULL } }, NULL);
	kam_svg_text(f, px + 6, py + below, "start", letter,
		     (kam_xml_attr[]){ { "class", "cut-label" }, { "fill", color }, { NULL, NULL } });
}

void kam_report_pareto_svg(FILE *f, const char *id, const char *region, const kam_money *revenue,
			   size_t n, size_t a_end, size_t b_end)
{
	kam_money total = 0;
	for (size_t i = 0; i < n; i++)
		total += revenue[i];
	if (a_end > n)
		a_end = n;
	if (b_end > n)
		b_end = n;
	if (b_end < a_end)
		b_end = a_end;
	/* The curve, sampled so that a large book stays a small picture (the curve is concave:
	 * straight pieces between samples lie close to it); the cut-off ranks are always kept. */
	size_t step = n > MAX_POINTS ? (n + MAX_POINTS - 1) / MAX_POINTS : 1;
	size_t cap = n / step + 4, npts = 0;
	double *xy = malloc(2 * cap * sizeof(*xy));
	double lo = 0, hi = 1;
	kam_money c = 0;
	if (xy && total > 0) {
		xy[npts * 2] = 0, xy[npts * 2 + 1] = 0, npts++;
		for (size_t i = 0; i < n; i++) {
			c += revenue[i];
			size_t k = i + 1;
			double s = kam_portfolio_share(c, total);
			if (s < lo)
				lo = s;
			if (s > hi)
				hi = s;
			if ((k % step == 0 || k == n || k == a_end || k == b_end) && npts < cap) {
				xy[npts * 2] = (double)k / (double)n;
				xy[npts * 2 + 1] = s;
				npts++;
			}
		}
	}
	kam_svg_scale x = { 0, 1, PL, PW - PR }, y = { lo, hi, PH - PB, PT };
	char desc[256];
	snprintf(desc, sizeof(desc), "Cumulative share of revenue against the share of accounts "
				     "ranked by revenue, %zu account%s.", n, n == 1 ? "" : "s");
	kam_svg_open(f, id, "chart pareto", PW, PH, "Pareto curve of revenue", desc);
	kam_svg_axis_draw(f, &(kam_svg_axis){ .scale = &x, .side = KAM_SVG_BOTTOM, .at = PH - PB,
					       .from = PH - PB, .to = PT, .fmt = KAM_SVG_FMT_PERCENT,
					       .label = "share of accounts, ranked by revenue",
					       .max_ticks = 6 });
	kam_svg_axis_draw(f, &(kam_svg_axis){ .scale = &y, .side = KAM_SVG_LEFT, .at = PL,
					       .from = PL, .to = PW - PR, .fmt = KAM_SVG_FMT_PERCENT,
					       .label = "cumulative share of revenue", .max_ticks = 6 });
	kam_svg_line(f, kam_svg_map(&x, 0), kam_svg_map(&y, 0), kam_svg_map(&x, 1),
		     kam_svg_map(&y, 1), (kam_xml_attr[]){ { "class", "equal" }, { NULL, NULL } });
	if (npts) {
		for (size_t i = 0; i < npts; i++) {
			xy[2 * i] = kam_svg_map(&x, xy[2 * i]);
			xy[2 * i + 1] = kam_svg_map(&y, xy[2 * i + 1]);
		}
		kam_svg_polyline(f, xy, npts, (kam_xml_attr[]){ { "class", "curve" }, { "data-r", region },
								 { NULL, NULL } });
		if (n) {
			cutoff(f, &x, &y, (double)a_end / (double)n, cum_share(revenue, n, a_end, total),
			       "A", tier_colors[KAM_TIER_A], "6 3", "cut cut-a");
			cutoff(f, &x, &y, (double)b_end / (double)n, cum_share(revenue, n, b_end, total),
			       "B", tier_colors[KAM_TIER_B], "2 3", "cut cut-b");
		}
	} else {
		kam_svg_text(f, (PL + PW - PR) / 2, (PT + PH - PB) / 2, "middle",
			     n ? "no revenue in the window" : "no accounts",
			     (kam_xml_attr[]){ { "class", "no-data" }, { NULL, NULL } });
	}
	kam_svg_legend(f, PW - PR - 170, PH - PB - 64,
		       (kam_svg_legend_item[]){
			       { "cumulative revenue", "#000000", KAM_SVG_KEY_LINE },
			       { "equal shares", "#999999", KAM_SVG_KEY_DASH },
			       { "end of tier A", tier_colors[KAM_TIER_A], KAM_SVG_KEY_DASH },
			       { "end of tier B", tier_colors[KAM_TIER_B], KAM_SVG_KEY_DASH },
		       },
		       4);
	kam_svg_close(f);
	free(xy);
}

/* ---- writing: revenue per hour by tier ---- */

#define BW 360.0
#define BH 250.0
#define BL 76.0
#define BT 24.0
#define BB 44.0

static void roi_svg(FILE *f, const char *id, const kam_report_region *g)
{
	double roi[KAM_TIER_SLOTS], hi = 0;
	int nbars = g->pf.tier_accounts[KAM_TIER_NONE] ? KAM_TIER_SLOTS : KAM_TIER_SLOTS - 1;
	for (int t = 0; t < nbars; t++) {
		roi[t] = kam_portfolio_roi(g->pf.tier_revenue[t], g->pf.tier_minutes[t]);
		if (!isnan(roi[t]) && roi[t] > hi)
			hi = roi[t];
	}
	double ticks[8];
	size_t nt = kam_svg_ticks(0, hi > 0 ? hi : 1, 5, ticks);
	double top = ticks[nt - 1] < hi ? hi : ticks[nt - 1];
	kam_svg_scale y = { 0, top > 0 ? top : 1, BH - BB, BT };
	double slot = (BW - BL - 12) / nbars;
	kam_svg_open(f, id, "chart roi", BW, BH, "Revenue per hour by tier",
		     "Revenue in the window per hour of interaction time, per current tier.");
	kam_svg_axis_draw(f, &(kam_svg_axis){ .scale = &y, .side = KAM_SVG_LEFT, .at = BL,
					       .from = BL, .to = BW - 12, .fmt = KAM_SVG_FMT_NUMBER,
					       .label = "revenue per hour", .max_ticks = 5 });
	kam_svg_line(f, BL, BH - BB, BW - 12, BH - BB,
		     (kam_xml_attr[]){ { "class", "domain" }, { NULL, NULL } });
	for (int t = 0; t < nbars; t++) {
		double cx = BL + slot * (t + 0.5), w = slot * 0.6;
		char exact[32], shown[48], tip[96];
		const char *ex = ratio_texts(roi[t], 0, exact, shown);
		mark m = { .k = "tier-roi", .r = g->name, .t = tier_names[t] };
		kam_xml_attr a[12];
		if (ex) {
			double py = kam_svg_map(&y, roi[t]);
			snprintf(tip, sizeof(tip), "tier %s: %s per hour", tier_names[t], shown);
			kam_svg_rect(f, cx - w / 2, py, w, (BH - BB) - py,
				     (kam_xml_attr[]){ { "class", "bar" }, { "fill", tier_colors[t] },
						       { NULL, NULL } }, tip);
			mark_attrs(&m, "bar-label", ex, a);
			kam_svg_text(f, cx, py - 4, "middle", shown, a);
		} else {
			kam_svg_text(f, cx, BH - BB - 6, "middle", "no time",
				     (kam_xml_attr[]){ { "class", "bar-label none" }, { NULL, NULL } });
		}
		kam_svg_text(f, cx, BH - BB + 16, "middle", tier_names[t],
			     (kam_xml_attr[]){ { "class", "tick-label" }, { NULL, NULL } });
	}
	kam_svg_text(f, BL + (BW - 12 - BL) / 2, BH - 8, "middle", "current tier",
		     (kam_xml_attr[]){ { "class", "axis-title" }, { NULL, NULL } });
	kam_svg_close(f);
}

/* ---- writing: the agenda load heat map ---- */

#define HC 46.0   /* cell width */
#define HR 22.0   /* row height */
#define HTOP 40.0 /* column headers */

static void heat_svg(FILE *f, const char *id, const kam_report *r, const kam_report_region *g)
{
	size_t cols = (size_t)r->opts.weeks + 1, longest = 4;
	uint32_t max_week = 0, max_over = 0;
	for (size_t i = 0; i < g->nreps; i++) {
		size_t len = strlen(g->reps[i]);
		if (len > longest)
			longest = len;
		for (size_t c = 0; c < cols; c++) {
			uint32_t v = g->load[i * cols + c];
			if (c == 0 && v > max_over)
				max_over = v;
			if (c > 0 && v > max_week)
				max_week = v;
		}
	}
	double left = 16 + 6.5 * (double)(longest > 32 ? 32 : longest);
	double width = left + HC * (double)(cols + 1) + 16;
	double height = HTOP + HR * (double)g->nreps + 54;
	char desc[200], lab[48], num[32], day[KAM_DATE_BUFSZ], week[32];
	snprintf(desc, sizeof(desc), "Actions due per rep: overdue ones in the first column, then "
				     "the next %d weeks, and each rep's total.", r->opts.weeks);
	kam_svg_open(f, id, "chart heatmap", width, height, "Agenda load per rep and week", desc);
	/* column headers: the week number and the day it starts */
	for (size_t c = 0; c <= cols; c++) {
		double cx = left + HC * ((double)c + 0.5);
		if (c == 0) {
			kam_svg_text(f, cx, HTOP - 22, "middle", "overdue",
				     (kam_xml_attr[]){ { "class", "col-label" }, { NULL, NULL } });
			day_text(r->opts.as_of, day);
			snprintf(lab, sizeof(lab), "< %s", day + 5);
		} else if (c < cols) {
			snprintf(week, sizeof(week), "wk %zu", c);
			kam_svg_text(f, cx, HTOP - 22, "middle", week,
				     (kam_xml_attr[]){ { "class", "col-label" }, { NULL, NULL } });
			day_text(r->opts.as_of + 7 * (int32_t)(c - 1), day);
			snprintf(lab, sizeof(lab), "%s", day + 5);
		} else {
			kam_svg_text(f, cx, HTOP - 22, "middle", "total",
				     (kam_xml_attr[]){ { "class", "col-label" }, { NULL, NULL } });
			lab[0] = 0;
		}
		kam_svg_text(f, cx, HTOP - 8, "middle", lab,
			     (kam_xml_attr[]){ { "class", "col-date" }, { NULL, NULL } });
	}
	for (size_t i = 0; i < g->nreps; i++) {
		double y = HTOP + HR * (double)i;
		const char *rep = *g->reps[i] ? g->reps[i] : "(no owner)";
		kam_svg_text(f, left - 6, y + HR / 2 + 4, "end", rep,
			     (kam_xml_attr[]){ { "class", "row-label" }, { NULL, NULL } });
		uint32_t total = 0;
		for (size_t c = 0; c <= cols; c++) {
			uint32_t v;
			char fill[8], tip[160];
			const char *to = c == 0 ? tier_colors[KAM_TIER_A] : kam_svg_palette[KAM_OI_BLUE];
			double t;
			if (c < cols) {
				v = g->load[i * cols + c];
				total += v;
				uint32_t max = c == 0 ? max_over : max_week;
				t = max ? (double)v / max : 0;
				kam_svg_mix("#FFFFFF", to, 0.08 + 0.92 * t, fill);
				if (!v)
					strcpy(fill, "#F7F7F7");
			} else {
				v = total;
				t = 0;
				strcpy(fill, "#FFFFFF");
			}
			snprintf(week, sizeof(week), "%zu", c);
			snprintf(tip, sizeof(tip), "%s, %s: %u action%s", rep,
				 c == 0 ? "overdue" : c < cols ? week : "total", v, v == 1 ? "" : "s");
			double x = left + HC * (double)c;
			kam_svg_rect(f, x + 1, y + 1, HC - 2, HR - 2,
				     (kam_xml_attr[]){ { "class", c == 0 ? "cell overdue" : c < cols ? "cell"
											: "cell total" },
						       { "fill", fill }, { NULL, NULL } }, tip);
			snprintf(num, sizeof(num), "%u", v);
			mark m = { .k = c < cols ? "load" : "load-total", .r = g->name,
				   .rep = g->reps[i], .w = c == 0 ? "overdue" : c < cols ? week : NULL };
			kam_xml_attr a[12];
			mark_attrs(&m, t > 0.55 ? "cell-num dark" : "cell-num", num, a);
			kam_svg_text(f, x + HC / 2, y + HR / 2 + 4, "middle", num, a);
		}
	}
	double ly = HTOP + HR * (double)g->nreps + 24;
	kam_svg_legend(f, left, ly, (kam_svg_legend_item[]){
		{ "overdue (due before the report day); darker: more", tier_colors[KAM_TIER_A],
		  KAM_SVG_KEY_BOX },
		{ "due in the week (from the day shown); darker: more", kam_svg_palette[KAM_OI_BLUE],
		  KAM_SVG_KEY_BOX },
	}, 2);
	kam_svg_close(f);
}

/* ---- writing: the page ---- */

static const char css[] =
	":root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#d0d0d0}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
	"color:var(--fg);background:#fff;margin:0 auto;max-width:1120px;padding:16px 24px}\n"
	"h1{font-size:1.7em;margin:.2em 0}\n"
	"h2{font-size:1.35em;border-bottom:2px solid var(--fg);padding-bottom:2px;margin:1.8em 0 .4em}\n"
	"h3{font-size:1.05em;margin:1.3em 0 .4em}\n"
	".meta,figcaption,.note{color:var(--muted)}\n"
	"figcaption{font-size:.9em;max-width:520px;margin-top:4px}\n"
	"figure{margin:0}\n"
	"table{border-collapse:collapse;margin:.3em 0}\n"
	"th,td{padding:2px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
	"th{font-weight:600;border-bottom:1.5px solid var(--fg)}\n"
	"tbody th{border-bottom:1px solid var(--line)}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"tr.total td{font-weight:600;border-top:1.5px solid var(--fg)}\n"
	".row{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}\n"
	".empty{color:var(--muted);font-style:italic}\n"
	".tier{display:inline-block;min-width:1.4em;text-align:center;border-radius:3px;"
	"font-weight:600;color:#000}\n"
	".tier-A{background:#D55E00;color:#fff}.tier-B{background:#E69F00}"
	".tier-C{background:#56B4E9}.tier-none{background:#ddd}\n"
	"nav ul{list-style:none;padding:0;margin:.4em 0;display:flex;flex-wrap:wrap;gap:4px 16px}\n"
	"svg{font-family:inherit;font-size:11px;max-width:100%;height:auto;overflow:visible}\n"
	"svg .grid{stroke:#ebebeb}\n"
	"svg .domain,svg .tick{stroke:#333}\n"
	"svg .tick-label,svg .row-label,svg .col-label,svg .legend-label{fill:#222}\n"
	"svg .col-date{fill:#666;font-size:10px}\n"
	"svg .axis-title{fill:#222;font-size:12px}\n"
	"svg .curve{fill:none;stroke:#000;stroke-width:2}\n"
	"svg .equal{stroke:#999;stroke-dasharray:4 3}\n"
	"svg .cut-label{font-weight:700;font-size:12px}\n"
	"svg .cell-num{fill:#000}svg .cell-num.dark{fill:#fff}\n"
	"svg .cell{stroke:none}svg .cell.total{stroke:#bbb}\n"
	"svg .bar-label{fill:#222}svg .no-data,svg .none{fill:#777;font-style:italic}\n"
	"footer{margin-top:2.5em;border-top:1px solid var(--line);padding-top:.5em;font-size:.9em}\n"
	"@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}"
	"section.region{break-before:page}figure,table,svg,tr{break-inside:avoid}"
	"a{color:inherit;text-decoration:none}}\n";

static void put(FILE *f, const char *s)
{
	kam_xml_text(f, s);
}

static void region_id(char *buf, size_t len, const char *what, size_t index)
{
	snprintf(buf, len, "%s-%zu", what, index + 1);
}

static void tier_badge(FILE *f, char tier)
{
	const char *name = tier_names[kam_tier_slot(tier)];
	fprintf(f, "<span class=\"tier tier-%s\">%s</span>", name, tier ? name : "–");
}

/* The overview row of a region or of the book (g->name NULL / region NULL). */
static void overview_row(FILE *f, const kam_portfolio_group *p, const char *region, size_t index,
			 size_t top)
{
	char ex[32], sh[48], mex[KAM_MONEY_BUFSZ], id[32], n[24];
	snprintf(n, sizeof(n), "%zu", top);
	fputs(region ? "<tr>" : "<tr class=\"total\">", f);
	if (region) {
		region_id(id, sizeof(id), "region", index);
		fprintf(f, "<td><a href=\"#%s\">", id);
		put(f, region_label(region));
		fputs("</a></td>", f);
	} else {
		fputs("<td>all regions</td>", f);
	}
	count_texts(p->accounts, ex, sh);
	num_cell(f, &(mark){ .k = "accounts", .r = region }, ex, sh);
	for (int t = 0; t < 3; t++) {
		count_texts(p->tier_accounts[t], ex, sh);
		num_cell(f, &(mark){ .k = "tier-accounts", .r = region, .t = tier_names[t] }, ex, sh);
	}
	money_texts(p->revenue, mex, sh);
	num_cell(f, &(mark){ .k = "revenue", .r = region }, mex, sh);
	const char *e = share_texts(kam_portfolio_share(p->topn, p->revenue), ex, sh);
	num_cell(f, &(mark){ .k = "topn-share", .r = region, .n = n }, e, sh);
	e = ratio_texts(p->hhi, 1, ex, sh);
	num_cell(f, &(mark){ .k = "hhi", .r = region }, e, sh);
	e = ratio_texts(kam_portfolio_roi(p->revenue, p->minutes), 2, ex, sh);
	num_cell(f, &(mark){ .k = "roi", .r = region }, e, sh);
	fputs("</tr>\n", f);
}

static void overview(FILE *f, const kam_report *r)
{
	char n[24];
	snprintf(n, sizeof(n), "%zu", r->opts.top);
	fputs("<section id=\"overview\">\n<h2>Overview</h2>\n<table class=\"overview\">\n<thead><tr>"
	      "<th>region</th><th class=\"n\">accounts</th><th class=\"n\">A</th>"
	      "<th class=\"n\">B</th><th class=\"n\">C</th><th class=\"n\">revenue</th>", f);
	fprintf(f, "<th class=\"n\">top-%s share</th><th class=\"n\">HHI</th>"
		   "<th class=\"n\">revenue per hour</th></tr></thead>\n<tbody>\n", n);
	for (size_t i = 0; i < r->nregions; i++)
		overview_row(f, &r->regions[i].pf, r->regions[i].name, i, r->opts.top);
	if (!r->opts.region)
		overview_row(f, &r->total, NULL, 0, r->opts.top);
	fputs("</tbody>\n</table>\n", f);
	if (!r->nregions)
		fputs("<p class=\"empty\">The book has no accounts.</p>\n", f);
	fputs("</section>\n", f);
}

static void pareto_section(FILE *f, const kam_report_region *g, size_t index)
{
	char id[32], ex[32], sh[48];
	region_id(id, sizeof(id), "pareto", index);
	fputs("<figure class=\"pareto-box\">\n", f);
	kam_report_pareto_svg(f, id, g->name, g->revenue, g->naccounts, g->a_end, g->b_end);
	fputs("<figcaption>", f);
	if (!g->naccounts || g->pf.revenue <= 0) {
		fputs("No revenue in the window: the curve is undefined.", f);
	} else {
		const char *letters[2] = { "A", "B" };
		size_t ends[2] = { g->a_end, g->b_end };
		for (int k = 0; k < 2; k++) {
			char key[32];
			fprintf(f, "%sier %s ends at rank ", k ? "; t" : "T", letters[k]);
			snprintf(key, sizeof(key), "cut-%c-rank", "ab"[k]);
			count_texts(ends[k], ex, sh);
			num_span(f, &(mark){ .k = key, .r = g->name }, ex, sh);
			fputs(" (", f);
			snprintf(key, sizeof(key), "cut-%c-account-share", "ab"[k]);
			const char *e = share_texts((double)ends[k] / (double)g->naccounts, ex, sh);
			num_span(f, &(mark){ .k = key, .r = g->name }, e, sh);
			fputs(" of the accounts) with ", f);
			snprintf(key, sizeof(key), "cut-%c-share", "ab"[k]);
			e = share_texts(cum_share(g->revenue, g->naccounts, ends[k], g->pf.revenue), ex, sh);
			num_span(f, &(mark){ .k = key, .r = g->name }, e, sh);
			fputs(" of the revenue", f);
		}
		fputs(". The cut-offs are where the current tiers end, counted along this ranking.", f);
	}
	fputs("</figcaption>\n</figure>\n", f);
}

static void tier_table(FILE *f, const kam_report_region *g)
{
	char ex[32], sh[48], mex[KAM_MONEY_BUFSZ];
	fputs("<table class=\"tiers\">\n<thead><tr><th>tier</th><th class=\"n\">accounts</th>"
	      "<th class=\"n\">revenue</th><th class=\"n\">share of revenue</th>"
	      "<th class=\"n\">hours</th><th class=\"n\">revenue per hour</th></tr></thead>\n"
	      "<tbody>\n", f);
	for (int t = 0; t < KAM_TIER_SLOTS; t++) {
		if (t == KAM_TIER_NONE && !g->pf.tier_accounts[t])
			continue;
		const char *tn = tier_names[t];
		fputs("<tr><td>", f);
		tier_badge(f, t == KAM_TIER_NONE ? 0 : tn[0]);
		fputs("</td>", f);
		count_texts(g->pf.tier_accounts[t], ex, sh);
		num_cell(f, &(mark){ .k = "tier-accounts", .r = g->name, .t = tn }, ex, sh);
		money_texts(g->pf.tier_revenue[t], mex, sh);
		num_cell(f, &(mark){ .k = "tier-revenue", .r = g->name, .t = tn }, mex, sh);
		const char *e = share_texts(kam_portfolio_share(g->pf.tier_revenue[t], g->pf.revenue),
					    ex, sh);
		num_cell(f, &(mark){ .k = "tier-revenue-share", .r = g->name, .t = tn }, e, sh);
		e = ratio_texts((double)g->pf.tier_minutes[t] / 60.0, 1, ex, sh);
		num_cell(f, &(mark){ .k = "tier-hours", .r = g->name, .t = tn }, e, sh);
		e = ratio_texts(kam_portfolio_roi(g->pf.tier_revenue[t], g->pf.tier_minutes[t]), 2, ex,
				sh);
		num_cell(f, &(mark){ .k = "tier-roi", .r = g->name, .t = tn }, e, sh);
		fputs("</tr>\n", f);
	}
	fputs("<tr class=\"total\"><td>all</td>", f);
	count_texts(g->pf.accounts, ex, sh);
	num_cell(f, &(mark){ .k = "accounts", .r = g->name }, ex, sh);
	money_texts(g->pf.revenue, mex, sh);
	num_cell(f, &(mark){ .k = "revenue", .r = g->name }, mex, sh);
	fputs("<td class=\"n\"></td>", f);
	const char *e = ratio_texts((double)g->pf.minutes / 60.0, 1, ex, sh);
	num_cell(f, &(mark){ .k = "hours", .r = g->name }, e, sh);
	e = ratio_texts(kam_portfolio_roi(g->pf.revenue, g->pf.minutes), 2, ex, sh);
	num_cell(f, &(mark){ .k = "roi", .r = g->name }, e, sh);
	fputs("</tr>\n</tbody>\n</table>\n", f);
}

static void concentration(FILE *f, const kam_report *r, const kam_report_region *g, size_t index)
{
	char ex[32], sh[48], n[24], id[32];
	snprintf(n, sizeof(n), "%zu", r->opts.top);
	fputs("<h3>Concentration and revenue per hour</h3>\n<div class=\"row\">\n"
	      "<table class=\"concentration\">\n<tbody>\n", f);
	struct { const char *label, *k, *n; kam_money part; } shares[] = {
		{ "largest account's share of revenue", "top1-share", NULL, g->pf.top1 },
		{ "top-5 share of revenue", "top5-share", NULL, g->pf.top5 },
		{ "top-N share of revenue", "topn-share", n, g->pf.topn },
	};
	for (size_t i = 0; i < 3; i++) {
		fputs("<tr><td>", f);
		if (shares[i].n)
			fprintf(f, "top-%s share of revenue", n);
		else
			put(f, shares[i].label);
		fputs("</td>", f);
		const char *e = share_texts(kam_portfolio_share(shares[i].part, g->pf.revenue), ex, sh);
		num_cell(f, &(mark){ .k = shares[i].k, .r = g->name, .n = shares[i].n }, e, sh);
		fputs("</tr>\n", f);
	}
	fputs("<tr><td>HHI (0 to 10,000; 10,000: one account holds everything)</td>", f);
	const char *e = ratio_texts(g->pf.hhi, 1, ex, sh);
	num_cell(f, &(mark){ .k = "hhi", .r = g->name }, e, sh);
	fputs("</tr>\n<tr><td>revenue per hour of interaction time</td>", f);
	e = ratio_texts(kam_portfolio_roi(g->pf.revenue, g->pf.minutes), 2, ex, sh);
	num_cell(f, &(mark){ .k = "roi", .r = g->name }, e, sh);
	fputs("</tr>\n</tbody>\n</table>\n<figure>\n", f);
	region_id(id, sizeof(id), "roi", index);
	roi_svg(f, id, g);
	fputs("</figure>\n</div>\n", f);
}

static void load_section(FILE *f, const kam_report *r, const kam_report_region *g, size_t index)
{
	char id[32], ex[32], sh[48], day[KAM_DATE_BUFSZ];
	day_text(r->opts.as_of, day);
	fputs("<h3>Agenda load per rep and week</h3>\n", f);
	if (!g->nreps) {
		fprintf(f, "<p class=\"empty\">Nothing is due or overdue in the next %d weeks.</p>\n",
			r->opts.weeks);
		return;
	}
	fputs("<p class=\"note\">", f);
	count_texts(g->actions, ex, sh);
	num_span(f, &(mark){ .k = "actions", .r = g->name }, ex, sh);
	fprintf(f, " calls, follow-ups and visits overdue on %s or due in the %d weeks from it "
		   "(as <code>kam agenda --as-of %s --within %d</code> lists them), per rep.</p>\n",
		day, r->opts.weeks, day, 7 * r->opts.weeks - 1);
	region_id(id, sizeof(id), "load", index);
	fputs("<figure>\n", f);
	heat_svg(f, id, r, g);
	fputs("</figure>\n", f);
}

static void value_section(FILE *f, const kam_report_region *g)
{
	char ex[32], sh[48], day[KAM_DATE_BUFSZ];
	fputs("<h3>Top accounts by value</h3>\n", f);
	if (!g->value_snapshot) {
		fputs("<p class=\"empty\">No value snapshot is stored for this region: run "
		      "<code>kam value</code> to value the accounts.</p>\n", f);
		return;
	}
	day_text(g->value_as_of, day);
	fputs("<p class=\"note\">From value snapshot ", f);
	count_texts(g->value_snapshot, ex, sh);
	num_span(f, &(mark){ .k = "value-snapshot", .r = g->name }, ex, ex);
	fputs(" (", f);
	put(f, g->value_model);
	fprintf(f, " as of %s): ", day);
	count_texts(g->valued, ex, sh);
	num_span(f, &(mark){ .k = "valued", .r = g->name }, ex, sh);
	fputs(g->valued == 1 ? " account of the region has a value.</p>\n"
			     : " accounts of the region have a value.</p>\n", f);
	if (!g->ntop)
		return;
	fputs("<table class=\"values\">\n<thead><tr><th class=\"n\">#</th><th>account</th>"
	      "<th>name</th><th class=\"n\">value</th><th>recommendation</th></tr></thead>\n"
	      "<tbody>\n", f);
	for (size_t i = 0; i < g->ntop; i++) {
		const kam_report_value *v = &g->top[i];
		fprintf(f, "<tr><td class=\"n\">%zu</td><td>", i + 1);
		put(f, v->account_id);
		fputs("</td><td>", f);
		put(f, v->name);
		fputs("</td>", f);
		const char *e = ratio_texts(v->value, 2, ex, sh);
		num_cell(f, &(mark){ .k = "value", .r = g->name, .a = v->account_id }, e, sh);
		fputs("<td>", f);
		put(f, v->recommendation);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void moves_section(FILE *f, const kam_report *r, const kam_report_region *g)
{
	char ex[32], sh[48], day[KAM_DATE_BUFSZ], prev[KAM_DATE_BUFSZ];
	fputs("<h3>Tier changes since the previous segmentation</h3>\n", f);
	if (!g->snapshot) {
		day_text(r->opts.as_of, day);
		fprintf(f, "<p class=\"empty\">No segmentation is stored for this region: its tiers "
			   "were computed now with %s as of %s and not stored; run "
			   "<code>kam segment</code>.</p>\n", KAM_DEFAULT_SEGMENTATION, day);
		return;
	}
	day_text(g->seg_as_of, day);
	fputs("<p class=\"note\">Current tiers: snapshot ", f);
	count_texts(g->snapshot, ex, sh);
	num_span(f, &(mark){ .k = "snapshot", .r = g->name }, ex, ex);
	fputs(" (", f);
	put(f, g->seg_model);
	fprintf(f, " as of %s)", day);
	if (!g->prev_snapshot) {
		fputs(". It is the region's first segmentation: nothing to compare with.</p>\n", f);
		return;
	}
	day_text(g->prev_as_of, prev);
	fputs("; previous: snapshot ", f);
	count_texts(g->prev_snapshot, ex, sh);
	num_span(f, &(mark){ .k = "prev-snapshot", .r = g->name }, ex, ex);
	fprintf(f, " (as of %s). ", prev);
	count_texts(g->moved, ex, sh);
	num_span(f, &(mark){ .k = "moved", .r = g->name }, ex, sh);
	fputs(g->moved == 1 ? " account changed tier.</p>\n" : " accounts changed tier.</p>\n", f);
	/* the moves as a from x to matrix; "none": not in that snapshot, or no tier */
	fputs("<table class=\"moves\">\n<thead><tr><th>from \\ to</th>", f);
	for (int t = 0; t < KAM_TIER_SLOTS; t++)
		fprintf(f, "<th class=\"n\">%s</th>", tier_names[t]);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int a = 0; a < KAM_TIER_SLOTS; a++) {
		fprintf(f, "<tr><th>%s</th>", tier_names[a]);
		for (int b = 0; b < KAM_TIER_SLOTS; b++) {
			count_texts(g->moves[a][b], ex, sh);
			num_cell(f, &(mark){ .k = "moves", .r = g->name, .from = tier_names[a],
					     .to = tier_names[b] }, ex, sh);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (!g->nmoved_list)
		return;
	fputs("<table class=\"moved\">\n<thead><tr><th>account</th><th>name</th><th>from</th>"
	      "<th>to</th></tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < g->nmoved_list; i++) {
		const kam_report_move *m = &g->moved_list[i];
		kam_xml_attr a[12];
		mark_attrs(&(mark){ .k = "moved-account", .r = g->name, .a = m->account_id,
				    .from = tier_names[kam_tier_slot(m->from)],
				    .to = tier_names[kam_tier_slot(m->to)] }, NULL, NULL, a);
		fputs("<tr", f);
		kam_xml_attrs(f, a);
		fputs("><td>", f);
		put(f, m->account_id);
		fputs("</td><td>", f);
		put(f, m->name);
		fputs("</td><td>", f);
		tier_badge(f, m->from);
		fputs("</td><td>", f);
		tier_badge(f, m->to);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (g->moved > g->nmoved_list)
		fprintf(f, "<p class=\"note\">The first %zu by account id; <code>kam tiers --diff "
			   "%llu %llu</code> lists them all.</p>\n", g->nmoved_list,
			(unsigned long long)g->prev_snapshot, (unsigned long long)g->snapshot);
}

static void region_section(FILE *f, const kam_report *r, size_t index)
{
	const kam_report_region *g = &r->regions[index];
	char id[32], ex[32], sh[48], mex[KAM_MONEY_BUFSZ];
	region_id(id, sizeof(id), "region", index);
	fprintf(f, "<section class=\"region\" id=\"%s\"", id);
	kam_xml_attrs(f, (kam_xml_attr[]){ { "data-r", g->name }, { NULL, NULL } });
	fputs(">\n<h2>", f);
	fputs(*g->name ? "Region " : "", f);
	put(f, region_label(g->name));
	fputs("</h2>\n<p class=\"meta\">", f);
	count_texts(g->pf.accounts, ex, sh);
	num_span(f, &(mark){ .k = "accounts", .r = g->name }, ex, sh);
	fputs(" accounts, revenue ", f);
	money_texts(g->pf.revenue, mex, sh);
	num_span(f, &(mark){ .k = "revenue", .r = g->name }, mex, sh);
	fputs(" in the window.</p>\n<h3>Revenue Pareto and tiers</h3>\n<div class=\"row\">\n", f);
	pareto_section(f, g, index);
	tier_table(f, g);
	fputs("</div>\n", f);
	concentration(f, r, g, index);
	load_section(f, r, g, index);
	value_section(f, g);
	moves_section(f, r, g);
	fputs("</section>\n", f);
}

static void header(FILE *f, const kam_report *r)
{
	const kam_report_opts *o = &r->opts;
	char day[KAM_DATE_BUFSZ], from[KAM_DATE_BUFSZ], when[64];
	day_text(o->as_of, day);
	day_text(o->as_of - o->window_days + 1, from);
	time_t t = (time_t)r->generated_at;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	else
		strcpy(when, "?");
	const char *title = o->title ? o->title : "Kam report";
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta name=\"generator\" content=\"kam " KAM_VERSION "\"/>\n<title>", f);
	put(f, title);
	fprintf(f, " – as of %s</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", day,
		css);
	put(f, title);
	fprintf(f, "</h1>\n<p class=\"meta\">As of <time datetime=\"%s\">%s</time>; revenue in the "
		   "%d days from %s to %s; generated %s", day, day, (int)o->window_days, from, day,
		when);
	if (o->source) {
		fputs(" from ", f);
		put(f, o->source);
	}
	if (o->region) {
		fputs("; region ", f);
		put(f, region_label(o->region));
		fputs(" only", f);
	}
	fputs(".</p>\n", f);
	if (r->tiers_computed_regions)
		fprintf(f, "<p class=\"note\">%zu region%s never segmented: %s tiers were computed "
			   "with %s and its defaults as of %s, not stored.</p>\n",
			r->tiers_computed_regions, r->tiers_computed_regions == 1 ? " is" : "s are",
			r->tiers_computed_regions == 1 ? "its" : "their", KAM_DEFAULT_SEGMENTATION, day);
	if (r->tiers_missing)
		fprintf(f, "<p class=\"note\">%zu account%s no tier (added or moved since the "
			   "last segmentation); run <code>kam segment</code>.</p>\n",
			r->tiers_missing, r->tiers_missing == 1 ? " has" : "s have");
	fputs("</header>\n", f);
	if (r->nregions > 1) {
		fputs("<nav>\n<ul>\n", f);
		for (size_t i = 0; i < r->nregions; i++) {
			char id[32];
			region_id(id, sizeof(id), "region", i);
			fprintf(f, "<li><a href=\"#%s\">", id);
			put(f, region_label(r->regions[i].name));
			fputs("</a></li>\n", f);
		}
		fputs("</ul>\n</nav>\n", f);
	}
}

int kam_report_write(const kam_report *r, FILE *f)
{
	header(f, r);
	fputs("<main>\n", f);
	overview(f, r);
	for (size_t i = 0; i < r->nregions; i++)
		region_section(f, r, i);
	fputs("</main>\n<footer>\n<p>Figures as <code>kam portfolio --by region</code>, "
	      "<code>kam tiers</code>, <code>kam agenda</code> and <code>kam value</code> give "
	      "them; each is marked with data-k (what), data-r (region) and data-v (its exact "
	      "value). Shares are of the revenue in the window; HHI is the sum of the squared "
	      "percentage shares of the accounts' revenue; revenue per hour divides the revenue by "
	      "the hours of interaction time in the window. Colours: Okabe-Ito.</p>\n"
	      "</footer>\n</body>\n</html>\n", f);
	return ferror(f) ? kam_io_error() : 0;
}
