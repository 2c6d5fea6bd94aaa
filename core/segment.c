/* segment.c - choosing models per region, running them once per distinct choice, storing. */
#include "segment.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "error.h"

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

void kam_models_list(const kam_registry *reg, int kind, char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return;
	buf[0] = 0;
	for (size_t i = 0; reg && i < kam_registry_count(reg); i++) {
		const kam_model *m = kam_registry_at(reg, i);
		if (m->desc->kind != kind)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", m->desc->name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, len, "none");
}

/* ---- choosing: which model with which parameters for which regions ---- */

/* The segmentation model called `name`, or NULL with the error said. */
static const kam_model *model_get(const kam_registry *reg, const char *name, const char *whose,
				  char *err, size_t errlen, int *rc)
{
	const kam_model *m = reg ? kam_registry_find(reg, name) : NULL;
	char loaded[256];
	if (!m) {
		kam_models_list(reg, KAM_PLUGIN_SEGMENTATION, loaded, sizeof(loaded));
		say(err, errlen, "%sno segmentation model \"%s\" is loaded (loaded: %s)", whose, name,
		    loaded);
		*rc = KAM_ENOTFOUND;
		return NULL;
	}
	if (m->desc->kind != KAM_PLUGIN_SEGMENTATION) {
		say(err, errlen, "%s\"%s\" is a %s model, not a segmentation model", whose, name,
		    kam_plugin_kind_name(m->desc->kind));
		*rc = KAM_EINVAL;
		return NULL;
	}
	return m;
}

static const kam_param_def *param_def(const kam_model *m, const char *name)
{
	for (size_t i = 0; i < m->desc->nparams; i++)
		if (strcmp(m->desc->params[i].name, name) == 0)
			return &m->desc->params[i];
	return NULL;
}

static const char *param_last(const kam_param *p, size_t n, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			v = p[i].value;
	return v;
}

/*
 * Checks parameters against the model: declared, and of the declared type. `whose` prefixes
 * messages about configured parameters; NULL means the user's --param.
 */
static int params_check(const kam_model *m, const kam_param *p, size_t n, const char *whose,
			char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const kam_param_def *d = param_def(m, p[i].name);
		char what[300];
		if (whose)
			snprintf(what, sizeof(what), "%sparameter %s", whose, p[i].name);
		else
			snprintf(what, sizeof(what), "--param %s=%s", p[i].name, p[i].value);
		if (!d) {
			char names[256] = "";
			size_t used = 0;
			for (size_t k = 0; k < m->desc->nparams && used < sizeof(names); k++) {
				int w = snprintf(names + used, sizeof(names) - used, "%s%s",
						 k ? ", " : "", m->desc->params[k].name);
				if (w > 0)
					used += (size_t)w;
			}
			say(err, errlen, "%s: model %s has no parameter \"%s\" (it has: %s)", what,
			    m->desc->name, p[i].name, m->desc->nparams ? names : "none");
			return KAM_EINVAL;
		}
		if (kam_param_check(d->type, p[i].value)) {
			say(err, errlen, "%s: model %s expects %s, found \"%s\"", what, m->desc->name,
			    kam_param_type_phrase(d->type), p[i].value);
			return KAM_EINVAL;
		}
	}
	return 0;
}

/* A distinct (model, resolved parameters) and the regions that use it. */
typedef struct group {
	const kam_model *model;
	kam_param *params; /* resolved: views into the config, the options or the descriptor */
	size_t nparams;
	kam_str *regions;  /* the filter's regions */
	size_t nregions;
	bool all;          /* no filter: every account */
	bool exclude;      /* keep the accounts whose region is NOT in regions */
} group;

typedef struct plan {
	group *groups;
	size_t n;
	char as_of_text[KAM_DATE_BUFSZ];
	int32_t as_of;
	const kam_segment_opts *opts;
	char *err;
	size_t errlen;
	bool bad_opts;
} plan;

static void plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->groups[i].params);
		free(p->groups[i].regions);
	}
	free(p->groups);
}

/* Resolves a choice: every declared parameter with its value (user, then config, then default). */
static int resolve(plan *p, const kam_registry *reg, const kam_model_choice *choice,
		   const char *whose, group *g)
{
	const kam_segment_opts *o = p->opts;
	int rc = 0;
	g->model = model_get(reg, choice->model, o->model ? "--model: " : whose, p->err, p->errlen,
			     &rc);
	if (!g->model) {
		p->bad_opts = o->model != NULL;
		return rc;
	}
	if ((rc = params_check(g->model, choice->params, choice->nparams, whose, p->err, p->errlen)))
		return rc;
	if ((rc = params_check(g->model, o->params, o->nparams, NULL, p->err, p->errlen))) {
		p->bad_opts = true;
		return rc;
	}
	const kam_plugin *d = g->model->desc;
	if (!(g->params = calloc(d->nparams ? d->nparams : 1, sizeof(*g->params))))
		return KAM_ENOMEM;
	for (size_t i = 0; i < d->nparams; i++) {
		const kam_param_def *def = &d->params[i];
		const char *v;
		/* One day for every run: the options' (the configuration cannot pin it). */
		if (strcmp(def->name, "as_of") == 0 && def->type == KAM_PARAM_DATE)
			v = p->as_of_text;
		else if (!(v = param_last(o->params, o->nparams, def->name)) &&
			 !(v = param_last(choice->params, choice->nparams, def->name)))
			v = def->default_value;
		if (v)
			g->params[g->nparams++] = (kam_param){ def->name, v };
	}
	return 0;
}

static bool group_same(const group *a, const group *b)
{
	if (a->model != b->model || a->nparams != b->nparams)
		return false;
	for (size_t i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].name, b->params[i].name) ||
		    strcmp(a->params[i].value, b->params[i].value))
			return false;
	return true;
}

static int group_add_region(group *g, kam_str region)
{
	kam_str *r = realloc(g->regions, (g->nregions + 1) * sizeof(*r));
	if (!r)
		return KAM_ENOMEM;
	g->regions = r;
	g->regions[g->nregions++] = region;
	return 0;
}

static int plan_push(plan *p, group *g)
{
	group *gs = realloc(p->groups, (p->n + 1) * sizeof(*gs));
	if (!gs) {
		free(g->params);
		free(g->regions);
		return KAM_ENOMEM;
	}
	p->groups = gs;
	p->groups[p->n++] = *g;
	return 0;
}

static void whose_config(const kam_config *cfg, const char *region, char *buf, size_t len)
{
	const char *file = cfg && cfg->path ? cfg->path : KAM_CONFIG_FILE;
	if (region)
		snprintf(buf, len, "%s: segmentation.regions[\"%s\"]: ", file, region);
	else
		snprintf(buf, len, "%s: segmentation.default: ", file);
}

static const kam_model_choice fallback = { (char *)KAM_DEFAULT_SEGMENTATION, NULL, 0 };

/* The configured regions whose choice differs from the default get groups of their own. */
static int plan_regions(plan *p, const kam_registry *reg, const kam_config *cfg)
{
	group def = { .exclude = true };
	char whose[512];
	whose_config(cfg, NULL, whose, sizeof(whose));
	int rc = resolve(p, reg, cfg ? &cfg->seg_default : &fallback, whose, &def);
	if (rc) {
		free(def.params);
		return rc;
	}
	size_t first = p->n;
	for (size_t i = 0; !rc && cfg && i < cfg->nseg_regions; i++) {
		const kam_region_choice *rc_ = &cfg->seg_regions[i];
		kam_str region = kam_str_c(rc_->region);
		group g = { 0 };
		whose_config(cfg, rc_->region, whose, sizeof(whose));
		if ((rc = resolve(p, reg, &rc_->choice, whose, &g))) {
			free(g.params);
			break;
		}
		if (group_same(&g, &def)) {
			free(g.params);
			continue;
		}
		if ((rc = group_add_region(&def, region))) {
			free(g.params);
			break;
		}
		size_t k = first;
		while (k < p->n && !group_same(&p->groups[k], &g))
			k++;
		if (k < p->n) {
			free(g.params);
			rc = group_add_region(&p->groups[k], region);
		} else if (!(rc = group_add_region(&g, region))) {
			rc = plan_push(p, &g);
		} else {
			free(g.params);
		}
	}
	if (rc) {
		free(def.params);
		free(def.regions);
		return rc;
	}
	/* The default group runs first: it usually holds most of the book. */
	if ((rc = plan_push(p, &def)))
		return rc;
	memmove(p->groups + 1, p->groups, (p->n - 1) * sizeof(*p->groups));
	p->groups[0] = def;
	return 0;
}

static int plan_build(plan *p, const kam_registry *reg, const kam_config *cfg)
{
	const kam_segment_opts *o = p->opts;
	char whose[512];
	if (!o->model && !o->region)
		return plan_regions(p, reg, cfg);
	group g = { 0 };
	kam_model_choice given = { (char *)o->model, NULL, 0 };
	const kam_model_choice *c = &given;
	if (!o->model)
		c = cfg ? kam_config_segmentation(cfg, kam_str_c(o->region)) : &fallback;
	whose_config(cfg, cfg && c == &cfg->seg_default ? NULL : o->region, whose, sizeof(whose));
	int rc = resolve(p, reg, c, whose, &g);
	if (!rc && o->region)
		rc = group_add_region(&g, kam_str_c(o->region));
	if (rc) {
		free(g.params);
		free(g.regions);
		return rc;
	}
	g.all = !o->region;
	return plan_push(p, &g);
}

/* ---- running ---- */

static int group_filter(void *ctx, const kam_account *a)
{
	const group *g = ctx;
	kam_str r = account_region(a);
	bool in = false;
	for (size_t i = 0; i < g->nregions && !in; i++)
		in = kam_str_eq(g->regions[i], r);
	return in != g->exclude;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct regions of a run's results, sorted (results share interned region texts). */
static int run_regions(const kam_run_output *out, char ***regions, size_t *n)
{
	const char **seen = NULL, *last = NULL;
	size_t cnt = 0, cap = 0;
	for (size_t i = 0; i < out->count; i++) {
		const char *r = out->results[i].region ? out->results[i].region : "";
		if (r == last)
			continue;
		size_t k = 0;
		while (k < cnt && seen[k] != r && strcmp(seen[k], r))
			k++;
		last = r;
		if (k < cnt)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			const char **s = realloc(seen, cap * sizeof(*s));
			if (!s) {
				free(seen);
				return KAM_ENOMEM;
			}
			seen = s;
		}
		seen[cnt++] = r;
	}
	char **copy = calloc(cnt ? cnt : 1, sizeof(*copy));
	for (size_t k = 0; copy && k < cnt; k++)
		if (!(copy[k] = strdup(seen[k]))) {
			while (k--)
				free(copy[k]);
			free(copy);
			copy = NULL;
		}
	free(seen);
	if (!copy)
		return KAM_ENOMEM;
	qsort(copy, cnt, sizeof(*copy), cmp_cstr);
	*regions = copy;
	*n = cnt;
	return 0;
}

static int info_fill(kam_snapshot_info *info, const group *g, const kam_run_output *out,
		     int64_t now)
{
	const kam_plugin *d = g->model->desc;
	memset(info, 0, sizeof(*info));
	info->kind = d->kind;
	info->as_of = out->as_of;
	info->taken_at = now;
	info->accounts = out->count;
	info->model = strdup(d->name);
	info->model_version = strdup(d->version ? d->version : "");
	info->params = calloc(g->nparams ? g->nparams : 1, sizeof(*info->params));
	if (!info->model || !info->model_version || !info->params)
		return KAM_ENOMEM;
	for (size_t i = 0; i < g->nparams; i++) {
		info->nparams = i + 1;
		info->params[i].name = strdup(g->params[i].name);
		info->params[i].value = strdup(g->params[i].value);
		if (!info->params[i].name || !info->params[i].value)
			return KAM_ENOMEM;
	}
	return run_regions(out, &info->regions, &info->nregions);
}

void kam_segment_result_free(kam_segment_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nruns; i++) {
		kam_snapshot_info_free(&r->runs[i].info);
		kam_run_output_free(&r->runs[i].out);
	}
	free(r->runs);
	r->runs = NULL;
	r->nruns = 0;
}

static int runs_save(kam_txn *txn, void *arg)
{
	kam_segment_result *r = arg;
	for (size_t i = 0; i < r->nruns; i++) {
		int rc = kam_snapshot_save(txn, &r->runs[i].info, &r->runs[i].out);
		if (rc)
			return rc;
	}
	return 0;
}

static int runs_compute(kam_txn *txn, plan *p, kam_segment_result *out)
{
	int64_t now = (int64_t)time(NULL);
	int rc = 0;
	if (!(out->runs = calloc(p->n, sizeof(*out->runs))))
		return KAM_ENOMEM;
	for (size_t i = 0; !rc && i < p->n; i++) {
		group *g = &p->groups[i];
		bool keep_all = g->all || (g->exclude && g->nregions == 0);
		kam_run_spec spec = {
			.model = g->model, .params = g->params, .nparams = g->nparams,
			.as_of = p->as_of, .filter = keep_all ? NULL : group_filter, .filter_ctx = g,
			.filter_concurrent = 1, /* group_filter only reads the group */
		};
		kam_segment_run *run = &out->runs[out->nruns];
		if ((rc = kam_run_model(txn, &spec, &run->out))) {
			say(p->err, p->errlen, "%s", run->out.error[0] ? run->out.error : kam_strerror(rc));
			kam_run_output_free(&run->out);
			break;
		}
		if (run->out.count == 0) {
			kam_run_output_free(&run->out);
			continue;
		}
		out->nruns++;
		if ((rc = info_fill(&run->info, g, &run->out, now)))
			say(p->err, p->errlen, "out of memory");
	}
	if (!rc && p->opts->region && out->nruns == 0) {
		say(p->err, p->errlen, "no accounts in region \"%s\"", p->opts->region);
		p->bad_opts = true;
		rc = KAM_ENOTFOUND;
	}
	return rc;
}

int kam_segment(kam_store *store, const kam_registry *reg, const kam_config *cfg,
		const kam_segment_opts *opts, kam_segment_result *out)
{
	memset(out, 0, sizeof(*out));
	plan p = { .opts = opts, .as_of = opts->as_of, .err = out->error,
		   .errlen = sizeof(out->error) };
	int rc = 0;
	const char *given = param_last(opts->params, opts->nparams, "as_of");
	if (given) {
		kam_date d;
		if (strlen(given) != 10 || kam_date_parse(given, 10, &d)) {
			say(out->error, sizeof(out->error),
			    "--param as_of=%s: expected a date YYYY-MM-DD", given);
			out->bad_opts = true;
			return KAM_EINVAL;
		}
		p.as_of = d.day;
	}
	kam_date_format((kam_date){ p.as_of, KAM_NO_TIME }, p.as_of_text);
	if ((rc = plan_build(&p, reg, cfg)))
		goto done;

	kam_txn *txn;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		say(out->error, sizeof(out->error), "reading the database: %s", kam_strerror(rc));
		goto done;
	}
	rc = runs_compute(txn, &p, out);
	/* The read transaction ends before the write: a live reader would pin the map's size. */
	kam_txn_abort(txn);
	if (rc)
		goto done;
	if (!opts->dry_run && out->nruns) {
		if ((rc = kam_store_write(store, runs_save, out))) {
			say(out->error, sizeof(out->error), "storing the snapshots: %s",
			    kam_strerror(rc));
			for (size_t i = 0; i < out->nruns; i++)
				out->runs[i].info.id = 0;
		}
	}
done:
	if (rc && !out->error[0])
		say(out->error, sizeof(out->error), "%s", kam_strerror(rc));
	out->bad_opts = p.bad_opts;
	plan_free(&p);
	if (rc)
		kam_segment_result_free(out);
	return rc;
}

int kam_segment_rows(const kam_segment_result *r, kam_tier_row **rows, size_t *count)
{
	size_t total = 0;
	for (size_t i = 0; i < r->nruns; i++)
		total += r->runs[i].out.count;
	size_t *next = calloc(r->nruns ? r->nruns : 1, sizeof(*next));
	kam_tier_row *out = malloc((total ? total : 1) * sizeof(*out));
	if (!next || !out) {
		free(next);
		free(out);
		return KAM_ENOMEM;
	}
	/* Runs cover disjoint regions, each in id order: a merge of a few sorted lists. */
	for (size_t k = 0; k < total; k++) {
		size_t best = SIZE_MAX;
		kam_str best_id = { 0 };
		for (size_t i = 0; i < r->nruns; i++) {
			if (next[i] == r->runs[i].out.count)
				continue;
			kam_str id = kam_str_c(r->runs[i].out.results[next[i]].account_id);
			if (best == SIZE_MAX || kam_str_cmp(id, best_id) < 0) {
				best = i;
				best_id = id;
			}
		}
		const kam_result *res = &r->runs[best].out.results[next[best]++];
		out[k] = (kam_tier_row){ best_id, kam_str_c(res->region ? res->region : ""), res->tier,
					 res->score, r->runs[best].info.id };
	}
	free(next);
	*rows = out;
	*count = total;
	return 0;
}

/* ---- current tiers ---- */

typedef struct pointer {
	kam_str region;
	uint64_t id;
	size_t iter; /* index into the walkers */
} pointer;

typedef struct walker {
	kam_snapshot_iter *it;
	kam_snapshot_row head;
	int state; /* 1: head holds a row, 0: at the end, < 0: error */
} walker;

typedef struct current {
	pointer *ptrs;
	size_t nptrs, cap;
	walker *walkers;
	size_t nwalkers;
} current;

static int pointer_collect(void *ctx, kam_str region, uint64_t id)
{
	current *c = ctx;
	if (c->nptrs == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		pointer *p = realloc(c->ptrs, cap * sizeof(*p));
		if (!p)
			return KAM_ENOMEM;
		c->ptrs = p;
		c->cap = cap;
	}
	c->ptrs[c->nptrs++] = (pointer){ region, id, 0 };
	return 0;
}

static void current_free(current *c)
{
	for (size_t i = 0; i < c->nwalkers; i++)
		kam_snapshot_iter_close(c->walkers[i].it);
	free(c->walkers);
	free(c->ptrs);
}

/* Loads the pointers and opens one walker per distinct snapshot they name. */
static int current_open(kam_txn *txn, current *c)
{
	int rc = kam_snapshot_current_each(txn, pointer_collect, c);
	if (rc)
		return rc;
	if (!(c->walkers = calloc(c->nptrs ? c->nptrs : 1, sizeof(*c->walkers))))
		return KAM_ENOMEM;
	for (size_t i = 0; i < c->nptrs; i++) {
		size_t k = 0;
		while (k < i && c->ptrs[k].id != c->ptrs[i].id)
			k++;
		if (k < i) {
			c->ptrs[i].iter = c->ptrs[k].iter;
			continue;
		}
		walker *w = &c->walkers[c->nwalkers];
		if ((rc = kam_snapshot_iter_open(txn, c->ptrs[i].id, &w->it)))
			return rc;
		c->ptrs[i].iter = c->nwalkers++;
		w->state = kam_snapshot_iter_next(w->it, &w->head);
	}
	return 0;
}

/* The pointer of a region (pointers are sorted by region), or NULL. */
static const pointer *current_find(const current *c, kam_str region)
{
	size_t lo = 0, hi = c->nptrs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = kam_str_cmp(c->ptrs[mid].region, region);
		if (cmp == 0)
			return &c->ptrs[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Moves a walker to account `id`: returns 1 with the row there, 0 when it has none, or < 0. */
static int walker_seek(walker *w, kam_str id, const kam_snapshot_row **row)
{
	while (w->state == 1 && kam_str_cmp(w->head.account_id, id) < 0)
		w->state = kam_snapshot_iter_next(w->it, &w->head);
	if (w->state < 0)
		return w->state;
	if (w->state == 1 && kam_str_eq(w->head.account_id, id)) {
		*row = &w->head;
		return 1;
	}
	return 0;
}

void kam_tier_set_free(kam_tier_set *s)
{
	if (!s)
		return;
	free(s->rows);
	for (size_t i = 0; i < s->ncomputed; i++)
		free(s->computed_regions[i]);
	free(s->computed_regions);
	kam_run_output_free(&s->computed);
	s->rows = NULL;
	s->computed_regions = NULL;
	s->count = s->ncomputed = 0;
}

/* Runs the default model for the regions without a snapshot and fills their rows. */
static int tiers_compute(kam_txn *txn, const kam_registry *reg, group *g, int32_t today,
			 const size_t *pending, size_t npending, kam_tier_set *out)
{
	const kam_model *m = reg ? kam_registry_find(reg, KAM_DEFAULT_SEGMENTATION) : NULL;
	if (!m || m->desc->kind != KAM_PLUGIN_SEGMENTATION)
		return 0; /* those accounts keep no tier; the regions are still listed */
	g->model = m;
	kam_run_spec spec = { .model = m, .as_of = today, .filter = group_filter, .filter_ctx = g,
			      .filter_concurrent = 1 };
	int rc = kam_run_model(txn, &spec, &out->computed);
	if (rc) {
		say(out->error, sizeof(out->error), "%s", out->computed.error);
		return rc;
	}
	size_t j = 0;
	const kam_run_output *c = &out->computed;
	for (size_t k = 0; k < npending; k++) {
		kam_tier_row *row = &out->rows[pending[k]];
		while (j < c->count && kam_str_cmp(kam_str_c(c->results[j].account_id),
						   row->account_id) < 0)
			j++;
		if (j < c->count && kam_str_eq(kam_str_c(c->results[j].account_id), row->account_id)) {
			row->tier = c->results[j].tier;
			row->score = c->results[j].score;
		}
	}
	return 0;
}

static int tiers_walk(kam_txn *txn, const char *region, current *cur, group *g,
		      size_t **pending, size_t *npending, kam_tier_set *out)
{
	kam_cursor *cc;
	kam_account a;
	size_t cap = 0, pcap = 0;
	const pointer *last = NULL;
	kam_str last_region = { NULL, 0 };
	int rc = kam_cursor_open(txn, KAM_ACCOUNT, region ? KAM_SCAN_REGION : KAM_SCAN_ALL,
				 kam_str_c(region), INT32_MIN, INT32_MAX, &cc);
	while (!rc && (rc = kam_cursor_next(cc, &a)) > 0) {
		rc = 0;
		if (out->count == cap) {
			cap = cap ? cap * 2 : 4096;
			kam_tier_row *r = realloc(out->rows, cap * sizeof(*r));
			if (!r) {
				rc = KAM_ENOMEM;
				break;
			}
			out->rows = r;
		}
		kam_str reg = account_region(&a);
		kam_tier_row *row = &out->rows[out->count++];
		*row = (kam_tier_row){ a.id, reg, 0, 0, 0 };
		if (!last_region.ptr || !kam_str_eq(reg, last_region)) {
			last = current_find(cur, reg);
			last_region = reg;
		}
		if (last) {
			const kam_snapshot_row *sr;
			rc = walker_seek(&cur->walkers[last->iter], a.id, &sr);
			if (rc == 1) {
				row->tier = sr->tier;
				row->score = sr->score;
				row->snapshot = last->id;
				rc = 0;
			} else if (rc == 0) {
				out->missing++;
			}
			continue;
		}
		if (*npending == pcap) {
			pcap = pcap ? pcap * 2 : 1024;
			size_t *p = realloc(*pending, pcap * sizeof(*p));
			if (!p) {
				rc = KAM_ENOMEM;
				break;
			}
			*pending = p;
		}
		(*pending)[(*npending)++] = out->count - 1;
		size_t k = 0;
		while (k < g->nregions && !kam_str_eq(g->regions[k], reg))
			k++;
		if (k == g->nregions)
			rc = group_add_region(g, reg);
	}
	kam_cursor_close(cc);
	return rc < 0 ? rc : 0;
}

int kam_tiers_current(kam_txn *txn, const kam_registry *reg, const char *region, int32_t today,
		      kam_tier_set *out)
{
	memset(out, 0, sizeof(*out));
	current cur = { 0 };
	group g = { 0 };
	size_t *pending = NULL, npending = 0;
	int rc = current_open(txn, &cur);
	if (rc)
		say(out->error, sizeof(out->error), "reading the current snapshots: %s",
		    kam_strerror(rc));
	if (!rc && (rc = tiers_walk(txn, region, &cur, &g, &pending, &npending, out)))
		say(out->error, sizeof(out->error), "reading the tiers: %s", kam_strerror(rc));
	if (!rc && g.nregions)
		rc = tiers_compute(txn, reg, &g, today, pending, npending, out);
	if (!rc && g.nregions) {
		if (!(out->computed_regions = calloc(g.nregions, sizeof(char *))))
			rc = KAM_ENOMEM;
		for (size_t i = 0; !rc && i < g.nregions; i++) {
			char *s = malloc(g.regions[i].len + 1);
			if (!s) {
				rc = KAM_ENOMEM;
				break;
			}
			memcpy(s, g.regions[i].ptr, g.regions[i].len);
			s[g.regions[i].len] = 0;
			out->computed_regions[out->ncomputed++] = s;
		}
		if (!rc)
			qsort(out->computed_regions, out->ncomputed, sizeof(char *), cmp_cstr);
	}
	free(pending);
	free(g.regions);
	current_free(&cur);
	if (rc) {
		if (!out->error[0])
			say(out->error, sizeof(out->error), "%s", kam_strerror(rc));
		kam_tier_set_free(out);
	}
	return rc;
}

/* ---- plugins ---- */

int kam_segment_load_plugins(kam_registry *reg, const kam_config *cfg,
			     void (*warn)(void *ctx, const char *message), void *ctx)
{
	char err[512];
	for (size_t i = 0; cfg && i < cfg->nplugins; i++) {
		int rc = kam_registry_load(reg, cfg->plugins[i], err, sizeof(err));
		if (rc == KAM_ENOMEM)
			return rc;
		if (rc && warn)
			warn(ctx, err);
	}
	kam_registry_load_all(reg, warn, ctx);
	return 0;
}

size_t kam_number_format(double v, char buf[32])
{
	int n;
	if (v != v)
		n = snprintf(buf, 32, "nan");
	else if (v - v != 0)
		n = snprintf(buf, 32, v > 0 ? "inf" : "-inf");
	else {
		for (int prec = 15; prec <= 17; prec++) {
			n = snprintf(buf, 32, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	return n > 0 ? (size_t)n : 0;
}
