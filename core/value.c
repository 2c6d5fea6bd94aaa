/* value.c - value models per region, value snapshots, and alerts on slipping key accounts. */
#include "value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "regional.h"

#define CUSTOMER_VALUE "customer-value"

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static kam_str account_region(const kam_account *a)
{
	return KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
}

/* ---- choosing, running and storing: one model per group of regions (regional.h) ---- */

static const kam_model_choice fallback = { (char *)KAM_DEFAULT_VALUE, NULL, 0 };

void kam_value_result_free(kam_value_result *r)
{
	if (!r)
		return;
	kam_regional_runs_free(r->runs, r->nruns);
	r->runs = NULL;
	r->nruns = 0;
}

int kam_value(kam_store *store, const kam_registry *reg, const kam_config *cfg,
	      const kam_value_opts *opts, kam_value_result *out)
{
	memset(out, 0, sizeof(*out));
	kam_regional rg = {
		.kind = KAM_PLUGIN_VALUE, .table = "value", .cfg = cfg,
		.model = opts->model, .params = opts->params, .nparams = opts->nparams,
		.region = opts->region, .as_of = opts->as_of,
		.err = out->error, .errlen = sizeof(out->error),
	};
	int rc = kam_regional_as_of(&rg);
	if (rc) {
		out->bad_opts = rg.bad_opts;
		return rc;
	}
	/* With --region: that region's own choice, else value.default, else the fallback. */
	const kam_model_choice *c = &fallback;
	const char *region = opts->region;
	bool configured = true;
	if (opts->region) {
		bool own = false;
		c = kam_config_value(cfg, kam_str_c(opts->region));
		for (size_t i = 0; cfg && i < cfg->nval_regions; i++)
			own = own || c == &cfg->val_regions[i].choice;
		if (!own)
			region = NULL;
		configured = own || (cfg && cfg->val_default.model);
	}
	char whose[512];
	kam_regional_whose(&rg, region, configured, whose, sizeof(whose));
	bool def_configured = cfg && cfg->val_default.model;
	rc = kam_regional_plan(&rg, reg, def_configured ? &cfg->val_default : &fallback,
			       def_configured, cfg ? cfg->val_regions : NULL,
			       cfg ? cfg->nval_regions : 0, c, whose);
	if (!rc)
		rc = kam_regional_run(&rg, store, opts->dry_run, &out->runs, &out->nruns);
	if (rc && !out->error[0])
		snprintf(out->error, sizeof(out->error), "%s", kam_strerror(rc));
	out->bad_opts = rg.bad_opts;
	kam_regional_free(&rg);
	return rc;
}

int kam_value_rows(const kam_value_result *r, kam_value_row **rows, size_t *count)
{
	kam_regional_item *items;
	int rc = kam_regional_merge(r->runs, r->nruns, &items, count);
	if (rc)
		return rc;
	kam_value_row *out = malloc((*count ? *count : 1) * sizeof(*out));
	for (size_t k = 0; out && k < *count; k++)
		out[k] = (kam_value_row){ items[k].result, &items[k].run->info };
	free(items);
	if (!out)
		return KAM_ENOMEM;
	*rows = out;
	return 0;
}

/* ---- alerts ---- */

/* P(alive) of an account, from a stored snapshot or a run. */
typedef struct palive {
	kam_str id; /* view: into a run's output or a stored snapshot, for the transaction */
	double p;
	uint64_t snapshot;
} palive;

typedef struct palive_set {
	palive *v;
	size_t n, cap;
} palive_set;

static void palive_free(palive_set *s)
{
	free(s->v);
}

static int palive_push(palive_set *s, kam_str id, double p, uint64_t snapshot)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		palive *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return KAM_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (palive){ id, p, snapshot };
	return 0;
}

static int palive_cmp(const void *a, const void *b)
{
	const palive *x = a, *y = b;
	return kam_str_cmp(x->id, y->id);
}

static const palive *palive_find(const palive_set *s, kam_str id)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = kam_str_cmp(s->v[mid].id, id);
		if (c == 0)
			return &s->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static double metric_of(const kam_result *r, const char *name, bool *found)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (r->metrics[i].name && strcmp(r->metrics[i].name, name) == 0) {
			*found = true;
			return r->metrics[i].value;
		}
	*found = false;
	return NAN;
}

/* The regions whose current value snapshot customer-value made as of the day. */
typedef struct stored_ptr {
	kam_str region;
	uint64_t id;
	bool usable;
} stored_ptr;

typedef struct stored {
	kam_txn *txn;
	int32_t as_of;
	stored_ptr *p;
	size_t n, cap;
} stored;

static int stored_collect(void *ctx, kam_str region, uint64_t id)
{
	stored *s = ctx;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		stored_ptr *p = realloc(s->p, cap * sizeof(*p));
		if (!p)
			return KAM_ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	kam_snapshot_info info;
	int rc = kam_snapshot_get(s->txn, id, &info);
	if (rc)
		return rc;
	bool usable = info.kind == KAM_PLUGIN_VALUE && strcmp(info.model, CUSTOMER_VALUE) == 0 &&
		      info.as_of == s->as_of;
	kam_snapshot_info_free(&info);
	s->p[s->n++] = (stored_ptr){ region, id, usable };
	return 0;
}

static const stored_ptr *stored_find(const stored *s, kam_str region)
{
	for (size_t i = 0; i < s->n; i++)
		if (kam_str_eq(s->p[i].region, region))
			return &s->p[i];
	return NULL;
}

/* Reads p_alive of the rows of usable snapshots whose region still points at them. */
static int stored_read(stored *s, palive_set *out)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < s->n; i++) {
		if (!s->p[i].usable)
			continue;
		size_t k = 0;
		while (k < i && s->p[k].id != s->p[i].id)
			k++;
		if (k < i)
			continue; /* read already, for another of its regions */
		kam_snapshot_iter *it;
		if ((rc = kam_snapshot_iter_open(s->txn, s->p[i].id, &it)))
			break;
		kam_snapshot_row r;
		kam_snapshot_value v;
		while ((rc = kam_snapshot_iter_value(it, "p_alive", &r, &v)) > 0) {
			rc = 0;
			const stored_ptr *sp = stored_find(s, r.region);
			if (sp && sp->id == s->p[i].id && v.found &&
			    (rc = palive_push(out, r.account_id, v.metric, s->p[i].id)))
				break;
		}
		kam_snapshot_iter_close(it);
	}
	return rc < 0 ? rc : 0;
}

typedef struct fresh_filter {
	const stored *s;
	bool fresh;
} fresh_filter;

/* The accounts whose region has no usable stored P(alive). */
static int needs_fresh(void *ctx, const kam_account *a)
{
	const fresh_filter *f = ctx;
	if (f->fresh)
		return 1;
	const stored_ptr *sp = stored_find(f->s, account_region(a));
	return !sp || !sp->usable;
}

/* Is there a tier-A account in a region that needs a fresh run? */
static bool fresh_needed(const kam_tier_set *tiers, const stored *s, bool fresh)
{
	for (size_t i = 0; i < tiers->count; i++) {
		if (tiers->rows[i].tier != 'A')
			continue;
		if (fresh)
			return true;
		const stored_ptr *sp = stored_find(s, tiers->rows[i].region);
		if (!sp || !sp->usable)
			return true;
	}
	return false;
}

static int fresh_run(kam_txn *txn, const kam_registry *reg, const kam_config *cfg,
		     const kam_alert_opts *o, const stored *s, kam_run_output *run,
		     palive_set *out, char *err, size_t errlen)
{
	const kam_model *m = reg ? kam_registry_find(reg, CUSTOMER_VALUE) : NULL;
	if (!m || m->desc->kind != KAM_PLUGIN_VALUE) {
		say(err, errlen, "the value model %s is not loaded (P(alive) comes from it)",
		    CUSTOMER_VALUE);
		return KAM_ENOTFOUND;
	}
	kam_param params[64];
	size_t n = 0;
	char day[KAM_DATE_BUFSZ];
	kam_date_format((kam_date){ o->as_of, KAM_NO_TIME }, day);
	const kam_model_choice *c = cfg ? &cfg->val_default : NULL;
	if (c && c->model && strcmp(c->model, CUSTOMER_VALUE) == 0) {
		char perr[512];
		if (kam_regional_params_check(m, c->params, c->nparams, "value.default: ", perr,
					      sizeof(perr))) {
			say(err, errlen, "%s", perr);
			return KAM_EINVAL;
		}
		for (size_t i = 0; i < c->nparams && n < 63; i++)
			if (strcmp(c->params[i].name, "as_of"))
				params[n++] = c->params[i];
	}
	params[n++] = (kam_param){ "as_of", day };
	fresh_filter f = { s, o->fresh };
	kam_run_spec spec = { .model = m, .params = params, .nparams = n, .as_of = o->as_of,
			      .filter = needs_fresh, .filter_ctx = &f };
	int rc = kam_run_model(txn, &spec, run);
	if (rc) {
		say(err, errlen, "%s", run->error[0] ? run->error : kam_strerror(rc));
		return rc;
	}
	for (size_t i = 0; !rc && i < run->count; i++) {
		bool found;
		double p = metric_of(&run->results[i], "p_alive", &found);
		if (found)
			rc = palive_push(out, kam_str_c(run->results[i].account_id), p, 0);
	}
	return rc;
}

void kam_alert_set_free(kam_alert_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++) {
		free(s->alerts[i].account_id);
		free(s->alerts[i].owner);
		free(s->alerts[i].region);
	}
	free(s->alerts);
	s->alerts = NULL;
	s->count = 0;
}

size_t kam_alert_signal_names(unsigned bits, char *buf, size_t len)
{
	static const char *const names[] = { "p_alive", "order_rate", "share_of_wallet",
					      "revenue" };
	size_t used = 0;
	if (len)
		buf[0] = 0;
	for (unsigned i = 0; i < 4; i++) {
		if (!(bits & (1u << i)))
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? ";" : "", names[i]);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return used;
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

static int popcount(unsigned v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

static int alert_cmp(const void *a, const void *b)
{
	const kam_alert *x = a, *y = b;
	int nx = popcount(x->signals), ny = popcount(y->signals);
	if (nx != ny)
		return ny - nx;
	return kam_str_cmp(kam_str_c(x->account_id), kam_str_c(y->account_id));
}

/* The order and revenue figures of one account, and which of them fired. */
static void alert_figures(kam_alert *al, const kam_order_fact *o, size_t n, int32_t d,
			  const kam_account *a, const kam_alert_opts *opts)
{
	uint32_t recent = 0, previous = 0;
	kam_money rev = 0, prev = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t day = o[i].date.day;
		if (day > d - KAM_ALERT_RECENT_DAYS)
			recent++;
		else if (day > d - KAM_ALERT_RECENT_DAYS - KAM_ALERT_PREVIOUS_DAYS)
			previous++;
		if (day > d - 365)
			rev += o[i].amount;
		else
			prev += o[i].amount; /* the facts asked for start at d - 729 */
	}
	al->orders_recent = recent;
	al->orders_previous = previous;
	al->order_rate_change = NAN;
	if (previous) {
		double r = (double)recent / KAM_ALERT_RECENT_DAYS;
		double p = (double)previous / KAM_ALERT_PREVIOUS_DAYS;
		al->order_rate_change = r / p - 1;
		if (al->order_rate_change <= -opts->drop)
			al->signals |= KAM_ALERT_ORDER_RATE;
	}
	al->revenue_12m = rev;
	al->revenue_prev_12m = prev;
	al->revenue_change = NAN;
	al->has_wallet = KAM_HAS(a, KAM_A_WALLET) && a->wallet > 0;
	if (al->has_wallet) {
		al->share_of_wallet = (double)rev / (double)a->wallet;
		al->share_of_wallet_prev = (double)prev / (double)a->wallet;
	}
	if (prev > 0) {
		al->revenue_change = (double)rev / (double)prev - 1;
		if (al->revenue_change <= -opts->drop)
			al->signals |= al->has_wallet ? KAM_ALERT_SHARE_OF_WALLET : KAM_ALERT_REVENUE;
	}
}

static int alerts_walk(kam_txn *txn, const kam_tier_set *tiers, const palive_set *pa,
		       const kam_alert_opts *opts, kam_alert_set *out)
{
	kam_cursor *cur = NULL;
	kam_facts *facts = NULL;
	size_t cap = 0, t = 0;
	kam_account a;
	int rc = kam_cursor_open(txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ NULL, 0 }, INT32_MIN,
				 INT32_MAX, &cur);
	if (!rc)
		rc = kam_facts_open(txn, KAM_ORDER, &facts);
	while (!rc && (rc = kam_cursor_next(cur, &a)) > 0) {
		rc = 0;
		/* The tiers are in account id order too: walk both together. */
		while (t < tiers->count && kam_str_cmp(tiers->rows[t].account_id, a.id) < 0)
			t++;
		if (t == tiers->count || !kam_str_eq(tiers->rows[t].account_id, a.id) ||
		    tiers->rows[t].tier != 'A')
			continue;
		out->tier_a++;
		kam_alert al = { .tier = 'A' };
		const palive *p = palive_find(pa, a.id);
		if (p) {
			if (p->snapshot)
				out->from_snapshots++;
			else
				out->computed++;
			al.has_p_alive = true;
			al.p_alive = p->p;
			al.p_alive_snapshot = p->snapshot;
			if (p->p < opts->p_alive_below)
				al.signals |= KAM_ALERT_P_ALIVE;
		}
		const void *rows;
		size_t n;
		int32_t d = opts->as_of;
		if ((rc = kam_facts_get(facts, a.id, d - 729, d, &rows, &n)))
			break;
		alert_figures(&al, rows, n, d, &a, opts);
		if (!al.signals && !opts->all)
			continue;
		if ((rc = kam_grow((void **)&out->alerts, &cap, out->count + 1, sizeof(*out->alerts))))
			break;
		al.account_id = dup_str(a.id);
		al.owner = dup_str(KAM_HAS(&a, KAM_A_OWNER) ? a.owner : (kam_str){ "", 0 });
		al.region = dup_str(account_region(&a));
		out->alerts[out->count++] = al;
		if (!al.account_id || !al.owner || !al.region)
			rc = KAM_ENOMEM;
	}
	kam_facts_close(facts);
	kam_cursor_close(cur);
	return rc < 0 ? rc : 0;
}

int kam_alerts(kam_txn *txn, const kam_registry *reg, const kam_config *cfg,
	       const kam_alert_opts *opts, kam_alert_set *out)
{
	memset(out, 0, sizeof(*out));
	kam_tier_set tiers;
	stored s = { .txn = txn, .as_of = opts->as_of };
	palive_set pa = { 0 };
	kam_run_output run = { 0 };
	int rc = kam_tiers_current(txn, reg, NULL, opts->as_of, &tiers);
	if (rc) {
		say(out->error, sizeof(out->error), "%s", tiers.error);
		return rc;
	}
	if (!opts->fresh && (rc = kam_snapshot_current_each_kind(txn, KAM_PLUGIN_VALUE,
								 stored_collect, &s)))
		say(out->error, sizeof(out->error), "reading the value snapshots: %s",
		    kam_strerror(rc));
	if (!rc && !opts->fresh && (rc = stored_read(&s, &pa)))
		say(out->error, sizeof(out->error), "reading the value snapshots: %s",
		    kam_strerror(rc));
	if (!rc && fresh_needed(&tiers, &s, opts->fresh))
		rc = fresh_run(txn, reg, cfg, opts, &s, &run, &pa, out->error, sizeof(out->error));
	if (!rc) {
		if (pa.n)
			qsort(pa.v, pa.n, sizeof(*pa.v), palive_cmp);
		if ((rc = alerts_walk(txn, &tiers, &pa, opts, out)))
			say(out->error, sizeof(out->error), "reading the orders: %s",
			    kam_strerror(rc));
	}
	if (!rc)
		if (out->count)
			qsort(out->alerts, out->count, sizeof(*out->alerts), alert_cmp);
	kam_run_output_free(&run);
	palive_free(&pa);
	free(s.p);
	kam_tier_set_free(&tiers);
	if (rc) {
		if (!out->error[0])
			say(out->error, sizeof(out->error), "%s", kam_strerror(rc));
		kam_alert_set_free(out);
	}
	return rc;
}
