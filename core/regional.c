/* regional.c - one model per group of regions: choosing, grouping, running, storing. */
#include "regional.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "snapshot.h"

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *param_last(const kam_param *p, size_t n, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			v = p[i].value;
	return v;
}

int kam_regional_as_of(kam_regional *rg)
{
	const char *given = param_last(rg->params, rg->nparams, "as_of");
	if (given) {
		kam_date d;
		if (strlen(given) != 10 || kam_date_parse(given, 10, &d)) {
			say(rg->err, rg->errlen, "--param as_of=%s: expected a date YYYY-MM-DD", given);
			rg->bad_opts = true;
			return KAM_EINVAL;
		}
		rg->as_of = d.day;
	}
	kam_date_format((kam_date){ rg->as_of, KAM_NO_TIME }, rg->as_of_text);
	return 0;
}

static void group_free(kam_regional_group *g)
{
	free(g->params);
	free(g->regions);
	g->params = NULL;
	g->regions = NULL;
}

void kam_regional_free(kam_regional *rg)
{
	for (size_t i = 0; i < rg->n; i++)
		group_free(&rg->groups[i]);
	free(rg->groups);
	rg->groups = NULL;
	rg->n = 0;
}

void kam_regional_whose(const kam_regional *rg, const char *region, bool configured, char *buf,
			size_t len)
{
	const char *file = rg->cfg && rg->cfg->path ? rg->cfg->path : KAM_CONFIG_FILE;
	if (!configured)
		snprintf(buf, len, "the default %s model: ", rg->table);
	else if (region)
		snprintf(buf, len, "%s: %s.regions[\"%s\"]: ", file, rg->table, region);
	else
		snprintf(buf, len, "%s: %s.default: ", file, rg->table);
}

/* ---- choosing ---- */

const kam_model *kam_regional_model(kam_regional *rg, const kam_registry *reg, const char *name,
				    const char *whose, int *rc)
{
	const kam_model *m = reg ? kam_registry_find(reg, name) : NULL;
	const char *kind = kam_plugin_kind_name(rg->kind);
	char loaded[256];
	if (!m) {
		kam_models_list(reg, rg->kind, loaded, sizeof(loaded));
		say(rg->err, rg->errlen, "%sno %s model \"%s\" is loaded (loaded: %s)", whose, kind,
		    name, loaded);
		*rc = KAM_ENOTFOUND;
		return NULL;
	}
	if (m->desc->kind != rg->kind) {
		say(rg->err, rg->errlen, "%s\"%s\" is a %s model, not a %s model", whose, name,
		    kam_plugin_kind_name(m->desc->kind), kind);
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

int kam_regional_params_check(const kam_model *m, const kam_param *p, size_t n,
			      const char *whose, char *err, size_t errlen)
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

/* Every declared parameter with its value: the user's, else the configured, else the default. */
static int resolve(kam_regional *rg, const kam_registry *reg, const kam_model_choice *choice,
		   const char *whose, kam_regional_group *g)
{
	int rc = 0;
	g->model = kam_regional_model(rg, reg, choice->model, rg->model ? "--model: " : whose, &rc);
	if (!g->model) {
		rg->bad_opts = rg->model != NULL;
		return rc;
	}
	if ((rc = kam_regional_params_check(g->model, choice->params, choice->nparams, whose,
					    rg->err, rg->errlen)))
		return rc;
	if ((rc = kam_regional_params_check(g->model, rg->params, rg->nparams, NULL, rg->err,
					    rg->errlen))) {
		rg->bad_opts = true;
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
			v = rg->as_of_text;
		else if (!(v = param_last(rg->params, rg->nparams, def->name)) &&
			 !(v = param_last(choice->params, choice->nparams, def->name)))
			v = def->default_value;
		if (v)
			g->params[g->nparams++] = (kam_param){ def->name, v };
	}
	return 0;
}

bool kam_regional_same(const kam_regional_group *a, const kam_regional_group *b)
{
	if (a->model != b->model || a->nparams != b->nparams)
		return false;
	for (size_t i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].name, b->params[i].name) ||
		    strcmp(a->params[i].value, b->params[i].value))
			return false;
	return true;
}

int kam_regional_add_region(kam_regional_group *g, kam_str region)
{
	kam_str *r = realloc(g->regions, (g->nregions + 1) * sizeof(*r));
	if (!r)
		return KAM_ENOMEM;
	g->regions = r;
	g->regions[g->nregions++] = region;
	return 0;
}

bool kam_regional_keeps(const kam_regional_group *g, kam_str region)
{
	bool in = false;
	for (size_t i = 0; i < g->nregions && !in; i++)
		in = kam_str_eq(g->regions[i], region);
	return in != g->exclude;
}

static int plan_push(kam_regional *rg, kam_regional_group *g)
{
	kam_regional_group *gs = realloc(rg->groups, (rg->n + 1) * sizeof(*gs));
	if (!gs) {
		group_free(g);
		return KAM_ENOMEM;
	}
	rg->groups = gs;
	rg->groups[rg->n++] = *g;
	return 0;
}

/* A listed region: its own group, unless its choice equals the default or an earlier one. */
static int plan_region(kam_regional *rg, const kam_registry *reg, kam_regional_group *def,
		       size_t first, const kam_region_choice *rch)
{
	kam_str region = kam_str_c(rch->region);
	kam_regional_group g = { 0 };
	char whose[512];
	kam_regional_whose(rg, rch->region, true, whose, sizeof(whose));
	int rc = resolve(rg, reg, &rch->choice, whose, &g);
	if (!rc && kam_regional_same(&g, def)) {
		group_free(&g);
		return 0;
	}
	if (!rc)
		rc = kam_regional_add_region(def, region);
	if (rc) {
		group_free(&g);
		return rc;
	}
	size_t k = first;
	while (k < rg->n && !kam_regional_same(&rg->groups[k], &g))
		k++;
	if (k < rg->n) {
		group_free(&g);
		return kam_regional_add_region(&rg->groups[k], region);
	}
	if ((rc = kam_regional_add_region(&g, region))) {
		group_free(&g);
		return rc;
	}
	return plan_push(rg, &g);
}

static int plan_regions(kam_regional *rg, const kam_registry *reg, const kam_model_choice *def,
			bool def_configured, const kam_region_choice *regions, size_t nregions)
{
	kam_regional_group dg = { .exclude = true };
	char whose[512];
	kam_regional_whose(rg, NULL, def_configured, whose, sizeof(whose));
	int rc = resolve(rg, reg, def, whose, &dg);
	size_t first = rg->n;
	for (size_t i = 0; !rc && i < nregions; i++)
		rc = plan_region(rg, reg, &dg, first, &regions[i]);
	if (rc) {
		group_free(&dg);
		return rc;
	}
	if ((rc = plan_push(rg, &dg)))
		return rc;
	memmove(rg->groups + 1, rg->groups, (rg->n - 1) * sizeof(*rg->groups));
	rg->groups[0] = dg;
	return 0;
}

int kam_regional_plan(kam_regional *rg, const kam_registry *reg, const kam_model_choice *def,
		      bool def_configured, const kam_region_choice *regions, size_t nregions,
		      const kam_model_choice *chosen, const char *chosen_whose)
{
	if (!rg->model && !rg->region)
		return plan_regions(rg, reg, def, def_configured, regions, nregions);
	kam_regional_group g = { 0 };
	kam_model_choice given = { (char *)rg->model, NULL, 0 };
	int rc = resolve(rg, reg, rg->model ? &given : chosen, chosen_whose, &g);
	if (!rc && rg->region)
		rc = kam_regional_add_region(&g, kam_str_c(rg->region));
	if (rc) {
		group_free(&g);
		return rc;
	}
	g.all = !rg->region;
	return plan_push(rg, &g);
}

/* ---- running and storing ---- */

int kam_regional_filter(void *ctx, const kam_account *a)
{
	kam_str r = KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
	return kam_regional_keeps(ctx, r);
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
		while (k < cnt && seen[k] != r) /* the same text is mostly the same pointer */
			k++;
		for (size_t j = 0; k == cnt && j < cnt; j++)
			if (strcmp(seen[j], r) == 0)
				k = j;
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

static int info_fill(kam_snapshot_info *info, const kam_regional_group *g,
		     const kam_run_output *out, int64_t now)
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

void kam_regional_runs_free(kam_segment_run *runs, size_t nruns)
{
	for (size_t i = 0; i < nruns; i++) {
		kam_snapshot_info_free(&runs[i].info);
		kam_run_output_free(&runs[i].out);
	}
	free(runs);
}

typedef struct run_list {
	kam_segment_run *runs;
	size_t n;
} run_list;

static int runs_save(kam_txn *txn, void *arg)
{
	run_list *l = arg;
	for (size_t i = 0; i < l->n; i++) {
		int rc = kam_snapshot_save(txn, &l->runs[i].info, &l->runs[i].out);
		if (rc)
			return rc;
	}
	return 0;
}

static int runs_compute(kam_regional *rg, kam_txn *txn, run_list *l)
{
	int64_t now = (int64_t)time(NULL);
	int rc = 0;
	if (!(l->runs = calloc(rg->n ? rg->n : 1, sizeof(*l->runs))))
		return KAM_ENOMEM;
	for (size_t i = 0; !rc && i < rg->n; i++) {
		kam_regional_group *g = &rg->groups[i];
		bool keep_all = g->all || (g->exclude && g->nregions == 0);
		kam_run_spec spec = {
			.model = g->model, .params = g->params, .nparams = g->nparams,
			.as_of = rg->as_of,
			.filter = keep_all ? NULL : kam_regional_filter, .filter_ctx = g,
			.filter_threads = KAM_FILTER_ANYWHERE, /* the region filter only reads its group */
		};
		kam_segment_run *run = &l->runs[l->n];
		if ((rc = kam_run_model(txn, &spec, &run->out))) {
			say(rg->err, rg->errlen, "%s", run->out.error[0] ? run->out.error : kam_strerror(rc));
			kam_run_output_free(&run->out);
			break;
		}
		if (run->out.count == 0) {
			kam_run_output_free(&run->out);
			continue;
		}
		l->n++;
		if ((rc = info_fill(&run->info, g, &run->out, now)))
			say(rg->err, rg->errlen, "out of memory");
	}
	if (!rc && rg->region && l->n == 0) {
		say(rg->err, rg->errlen, "no accounts in region \"%s\"", rg->region);
		rg->bad_opts = true;
		rc = KAM_ENOTFOUND;
	}
	return rc;
}

int kam_regional_run(kam_regional *rg, kam_store *store, bool dry_run, kam_segment_run **runs,
		     size_t *nruns)
{
	run_list l = { 0 };
	kam_txn *txn;
	int rc = kam_txn_begin(store, 0, &txn);
	if (rc) {
		say(rg->err, rg->errlen, "reading the database: %s", kam_strerror(rc));
		return rc;
	}
	rc = runs_compute(rg, txn, &l);
	/* The read transaction ends before the write: a live reader would pin the map's size. */
	kam_txn_abort(txn);
	if (!rc && !dry_run && l.n && (rc = kam_store_write(store, runs_save, &l)))
		say(rg->err, rg->errlen, "storing the snapshots: %s", kam_strerror(rc));
	if (rc) {
		kam_regional_runs_free(l.runs, l.n);
		return rc;
	}
	*runs = l.runs;
	*nruns = l.n;
	return 0;
}

/* The run whose next result (at next[i]) has the smallest account id; SIZE_MAX: none left. */
static size_t regional_next(const kam_segment_run *runs, size_t nruns, const size_t *next)
{
	size_t best = SIZE_MAX;
	kam_str best_id = { 0 };
	for (size_t i = 0; i < nruns; i++) {
		if (next[i] == runs[i].out.count)
			continue;
		kam_str id = kam_str_c(runs[i].out.results[next[i]].account_id);
		if (best == SIZE_MAX || kam_str_cmp(id, best_id) < 0) {
			best = i;
			best_id = id;
		}
	}
	return best;
}

int kam_regional_merge(const kam_segment_run *runs, size_t nruns, kam_regional_item **items,
		       size_t *count)
{
	size_t total = 0;
	for (size_t i = 0; i < nruns; i++)
		total += runs[i].out.count;
	size_t *next = calloc(nruns ? nruns : 1, sizeof(*next));
	kam_regional_item *out = malloc((total ? total : 1) * sizeof(*out));
	kam_advise_huge(out);
	if (!next || !out) {
		free(next);
		free(out);
		return KAM_ENOMEM;
	}
	for (size_t k = 0; k < total; k++) {
		size_t best = regional_next(runs, nruns, next);
		out[k] = (kam_regional_item){ &runs[best].out.results[next[best]++], &runs[best] };
	}
	free(next);
	*items = out;
	*count = total;
	return 0;
}
