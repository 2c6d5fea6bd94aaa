/* segment.c - choosing models per region, running them once per distinct choice, storing. */
#include "segment.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "current.h"
#include "regional.h"

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
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

static kam_str account_region(const kam_account *a)
{
	return KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- choosing and running: one model per group of regions (regional.h) ---- */

void kam_segment_result_free(kam_segment_result *r)
{
	if (!r)
		return;
	kam_regional_runs_free(r->runs, r->nruns);
	r->runs = NULL;
	r->nruns = 0;
}

static const kam_model_choice fallback = { (char *)KAM_DEFAULT_SEGMENTATION, NULL, 0 };

int kam_segment(kam_store *store, const kam_registry *reg, const kam_config *cfg,
		const kam_segment_opts *opts, kam_segment_result *out)
{
	memset(out, 0, sizeof(*out));
	kam_regional rg = {
		.kind = KAM_PLUGIN_SEGMENTATION, .table = "segmentation", .cfg = cfg,
		.model = opts->model, .params = opts->params, .nparams = opts->nparams,
		.region = opts->region, .as_of = opts->as_of,
		.err = out->error, .errlen = sizeof(out->error),
	};
	int rc = kam_regional_as_of(&rg);
	if (rc) {
		out->bad_opts = rg.bad_opts;
		return rc;
	}
	const kam_model_choice *c = &fallback;
	if (cfg && opts->region)
		c = kam_config_segmentation(cfg, kam_str_c(opts->region));
	char whose[512];
	kam_regional_whose(&rg, cfg && c == &cfg->seg_default ? NULL : opts->region, true, whose,
			   sizeof(whose));
	rc = kam_regional_plan(&rg, reg, cfg ? &cfg->seg_default : &fallback, true,
			       cfg ? cfg->seg_regions : NULL, cfg ? cfg->nseg_regions : 0, c, whose);
	if (!rc)
		rc = kam_regional_run(&rg, store, opts->dry_run, &out->runs, &out->nruns);
	if (rc && !out->error[0])
		snprintf(out->error, sizeof(out->error), "%s", kam_strerror(rc));
	out->bad_opts = rg.bad_opts;
	kam_regional_free(&rg);
	return rc;
}

int kam_segment_rows(const kam_segment_result *r, kam_tier_row **rows, size_t *count)
{
	kam_regional_item *items;
	int rc = kam_regional_merge(r->runs, r->nruns, &items, count);
	if (rc)
		return rc;
	/* a row is larger than an item: a new array */
	kam_tier_row *out = malloc((*count ? *count : 1) * sizeof(*out));
	kam_advise_huge(out);
	for (size_t k = 0; out && k < *count; k++) {
		const kam_result *res = items[k].result;
		out[k] = (kam_tier_row){ kam_str_c(res->account_id),
					 kam_str_c(res->region ? res->region : ""), res->tier,
					 res->score, items[k].run->info.id };
	}
	free(items);
	if (!out)
		return KAM_ENOMEM;
	*rows = out;
	return 0;
}

/* ---- current tiers ---- */

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
static int tiers_compute(kam_txn *txn, const kam_registry *reg, kam_regional_group *g,
			 int32_t today, const size_t *pending, size_t npending, kam_tier_set *out)
{
	const kam_model *m = reg ? kam_registry_find(reg, KAM_DEFAULT_SEGMENTATION) : NULL;
	if (!m || m->desc->kind != KAM_PLUGIN_SEGMENTATION)
		return 0; /* those accounts keep no tier; the regions are still listed */
	g->model = m;
	kam_run_spec spec = { .model = m, .as_of = today, .filter = kam_regional_filter,
			      .filter_ctx = g, .filter_threads = KAM_FILTER_ANYWHERE };
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

static int tiers_walk(kam_txn *txn, const char *region, kam_current *cur,
		      kam_regional_group *g, size_t **pending, size_t *npending, kam_tier_set *out)
{
	kam_cursor *cc;
	kam_account a;
	size_t cap = 0, pcap = 0;
	int rc = kam_cursor_open(txn, KAM_ACCOUNT, region ? KAM_SCAN_REGION : KAM_SCAN_ALL,
				 kam_str_c(region), INT32_MIN, INT32_MAX, &cc);
	while (!rc && (rc = kam_cursor_next(cc, &a)) > 0) {
		rc = 0;
		if ((rc = kam_grow((void **)&out->rows, &cap, out->count + 1, sizeof(*out->rows))))
			break;
		kam_str reg = account_region(&a);
		kam_tier_row *row = &out->rows[out->count++];
		*row = (kam_tier_row){ a.id, reg, 0, 0, 0 };
		const kam_snapshot_row *sr;
		rc = kam_current_seek(cur, reg, a.id, &sr, &row->snapshot);
		if (rc == 1) {
			row->tier = sr->tier;
			row->score = sr->score;
		} else if (rc == 0) {
			out->missing++;
		}
		if (rc != KAM_ENOTFOUND) {
			rc = rc < 0 ? rc : 0;
			continue;
		}
		rc = 0; /* a region without a current snapshot: its tiers are computed below */
		if ((rc = kam_grow((void **)pending, &pcap, *npending + 1, sizeof(**pending))))
			break;
		(*pending)[(*npending)++] = out->count - 1;
		if (!kam_regional_keeps(g, reg)) /* g lists the regions (no exclusions) */
			rc = kam_regional_add_region(g, reg);
	}
	kam_cursor_close(cc);
	return rc < 0 ? rc : 0;
}

int kam_tiers_current(kam_txn *txn, const kam_registry *reg, const char *region, int32_t today,
		      kam_tier_set *out)
{
	memset(out, 0, sizeof(*out));
	kam_current *cur = NULL;
	kam_regional_group g = { 0 };
	size_t *pending = NULL, npending = 0;
	int rc = kam_current_open(txn, false, &cur);
	if (rc)
		say(out->error, sizeof(out->error), "reading the current snapshots: %s",
		    kam_strerror(rc));
	if (!rc && (rc = tiers_walk(txn, region, cur, &g, &pending, &npending, out)))
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
	kam_current_free(cur);
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


