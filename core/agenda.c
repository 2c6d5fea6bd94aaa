/* agenda.c - the cadence agenda: tiers, one model run per distinct choice, actions in order. */
#include "agenda.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "current.h"
#include "date.h"
#include "error.h"
#include "regional.h"
#include "snapshot.h"

/* Items written straight to memory (item_put): x86-64's whole-line writes of 4 x 16 bytes. */
#if defined(__SSE2__) && UINTPTR_MAX == UINT64_MAX
#define ITEMS_STREAMED 1
#include <emmintrin.h>
#endif

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void kam_agenda_opts_init(kam_agenda_opts *opts, int32_t as_of)
{
	memset(opts, 0, sizeof(*opts));
	opts->as_of = as_of;
	opts->due_from = INT32_MIN;
	opts->due_to = as_of;
}

/* ---- owners: interned once per distinct text, so a million items cost no allocation each ---- */

#define RECENT_OWNERS 16 /* a power of two */

typedef struct owner_table {
	char **slots; /* open addressing, NULL when free */
	size_t cap, used;
	kam_str recent[RECENT_OWNERS]; /* copies found lately (kam_recent_slot) */
} owner_table;

static uint32_t hash_str(kam_str s)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < s.len; i++)
		h = (h ^ (uint8_t)s.ptr[i]) * 16777619u;
	return h;
}

static int owners_grow(owner_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	char **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return KAM_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		size_t j = hash_str(kam_str_c(t->slots[i])) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

static const char *owners_find(owner_table *t, kam_str s)
{
	if ((t->used + 1) * 2 > t->cap && owners_grow(t))
		return NULL;
	size_t j = hash_str(s) & (t->cap - 1);
	for (; t->slots[j]; j = (j + 1) & (t->cap - 1))
		if (kam_str_eq(kam_str_c(t->slots[j]), s))
			return t->slots[j];
	char *copy = malloc(s.len + 1);
	if (!copy)
		return NULL;
	if (s.len)
		memcpy(copy, s.ptr, s.len);
	copy[s.len] = 0;
	t->slots[j] = copy;
	t->used++;
	return copy;
}

/* The table's copy of s, made when new; NULL when out of memory. Owners repeat: see recent. */
static const char *owners_get(owner_table *t, kam_str s)
{
	kam_str *seen = &t->recent[kam_recent_slot(s, RECENT_OWNERS)];
	if (seen->ptr && kam_str_eq(*seen, s))
		return seen->ptr;
	const char *copy = owners_find(t, s);
	if (copy)
		*seen = (kam_str){ copy, s.len };
	return copy;
}

static void owners_free(owner_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
}

/* ---- choosing: which model with which parameters for which regions ---- */

typedef struct group {
	kam_regional_group rg; /* the model, its parameters, the filter's regions */
	char *holidays;        /* the holidays parameter's value (owned), or NULL */
	/* during the run */
	const char **owners; /* the owner of each account the run keeps, in order */
	char *tiers;         /* and its tier (0: none) */
	size_t nowners, capowners;
} group;

struct kam_agenda_mem {
	kam_run_output *outs;
	size_t nouts;
	owner_table owners;
	kam_tier_set tiers;
};

typedef struct plan {
	group *groups;
	size_t n;
	char as_of_text[KAM_DATE_BUFSZ];
	const kam_agenda_opts *opts;
	const kam_config *cfg;
	char *err;
	size_t errlen;
	/* shared by the run's callbacks (filter, kept, tier) */
	owner_table *owners;
	const kam_tier_row *tiers;
	size_t ntiers;
	size_t kept_pos;     /* run_kept's cursor into tiers */
	/*
	 * The fast way to the current tiers: each region's current snapshot walked beside the
	 * run's accounts (both in id order), instead of kam_tiers_current's own pass over the
	 * accounts. A region without a snapshot needs abc computed: then `fallback` is set and the
	 * runs are made again over kam_tiers_current's rows.
	 */
	kam_current *snaps;
	bool fallback;
	size_t missing;
	int snap_err; /* reading a snapshot failed */
} plan;

static void group_free(group *g)
{
	free(g->rg.params);
	free(g->holidays);
	free(g->rg.regions);
	free(g->owners);
	free(g->tiers);
}

static void plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		group_free(&p->groups[i]);
	free(p->groups);
}

static const char *param_last(const kam_param *p, size_t n, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			v = p[i].value;
	return v;
}

static bool param_declared(const kam_model *m, const char *name, int *type)
{
	for (size_t i = 0; i < m->desc->nparams; i++)
		if (strcmp(m->desc->params[i].name, name) == 0) {
			*type = m->desc->params[i].type;
			return true;
		}
	return false;
}

/*
 * Resolves a region's choice: the model (loaded, a cadence model), its configured parameters
 * checked, and every declared parameter with its value. `region` NULL is the default.
 */
static int resolve(plan *p, const kam_registry *reg, const kam_model_choice *choice,
		   const char *region, const char *days, group *g)
{
	kam_regional rg = { .kind = KAM_PLUGIN_CADENCE, .table = "cadence", .cfg = p->cfg,
			    .err = p->err, .errlen = p->errlen };
	char whose[512];
	int rc = 0;
	kam_regional_whose(&rg, p->cfg && choice != &p->cfg->cad_default ? region : NULL, true,
			   whose, sizeof(whose));
	const kam_model *m = kam_regional_model(&rg, reg, choice->model, whose, &rc);
	if (!m)
		return rc;
	for (size_t i = 0; i < choice->nparams; i++) {
		int type;
		if (!param_declared(m, choice->params[i].name, &type)) {
			say(p->err, p->errlen, "%sparameter %s: model %s has no such parameter", whose,
			    choice->params[i].name, m->desc->name);
			return KAM_EINVAL;
		}
		if (kam_param_check(type, choice->params[i].value)) {
			say(p->err, p->errlen, "%sparameter %s: model %s expects %s, found \"%s\"",
			    whose, choice->params[i].name, m->desc->name,
			    kam_param_type_phrase(type), choice->params[i].value);
			return KAM_EINVAL;
		}
	}
	g->rg.model = m;
	const kam_plugin *d = m->desc;
	if (!(g->rg.params = calloc(d->nparams ? d->nparams : 1, sizeof(*g->rg.params))))
		return KAM_ENOMEM;
	for (size_t i = 0; i < d->nparams; i++) {
		const kam_param_def *def = &d->params[i];
		const char *v = param_last(choice->params, choice->nparams, def->name);
		if (strcmp(def->name, "as_of") == 0 && def->type == KAM_PARAM_DATE) {
			v = p->as_of_text;
		} else if (strcmp(def->name, "holidays") == 0 && def->type == KAM_PARAM_TEXT &&
			   *days) {
			/* the table's days join any the parameters list */
			size_t n = (v && *v ? strlen(v) + 1 : 0) + strlen(days) + 1;
			if (!(g->holidays = malloc(n)))
				return KAM_ENOMEM;
			snprintf(g->holidays, n, "%s%s%s", v && *v ? v : "", v && *v ? "," : "", days);
			v = g->holidays;
		}
		if (!v)
			v = def->default_value;
		if (v)
			g->rg.params[g->rg.nparams++] = (kam_param){ def->name, v };
	}
	return 0;
}

static bool group_same(const group *a, const group *b)
{
	return kam_regional_same(&a->rg, &b->rg);
}

static int group_add_region(group *g, kam_str region)
{
	return kam_regional_add_region(&g->rg, region);
}

static int plan_push(plan *p, group *g)
{
	group *gs = realloc(p->groups, (p->n + 1) * sizeof(*gs));
	if (!gs) {
		group_free(g);
		return KAM_ENOMEM;
	}
	p->groups = gs;
	p->groups[p->n++] = *g;
	return 0;
}

static const kam_model_choice fallback = { (char *)KAM_DEFAULT_CADENCE, NULL, 0 };

/* A region's group: its choice and days; merged into an equal group, or added. */
static int plan_region(plan *p, const kam_registry *reg, group *def, size_t first,
		       const char *region)
{
	const kam_config *cfg = p->cfg;
	kam_str r = kam_str_c(region);
	for (size_t k = 0; k < def->rg.nregions; k++)
		if (kam_str_eq(def->rg.regions[k], r))
			return 0; /* listed twice (regions and holidays) */
	char *days = NULL;
	group g = { 0 };
	int rc = kam_config_holidays(cfg, r, &days);
	if (!rc)
		rc = resolve(p, reg, kam_config_cadence(cfg, r), region, days, &g);
	free(days);
	if (!rc && group_same(&g, def)) {
		group_free(&g);
		return 0;
	}
	if (!rc)
		rc = group_add_region(def, r);
	if (rc) {
		group_free(&g);
		return rc;
	}
	size_t k = first;
	while (k < p->n && !group_same(&p->groups[k], &g))
		k++;
	if (k < p->n) {
		group_free(&g);
		return group_add_region(&p->groups[k], r);
	}
	if ((rc = group_add_region(&g, r))) {
		group_free(&g);
		return rc;
	}
	return plan_push(p, &g);
}

static int plan_build(plan *p, const kam_registry *reg)
{
	const kam_config *cfg = p->cfg;
	const char *region = p->opts->region;
	char *days = NULL;
	int rc;
	if (region) {
		group g = { 0 };
		kam_str r = kam_str_c(region);
		rc = kam_config_holidays(cfg, r, &days);
		if (!rc)
			rc = resolve(p, reg, cfg ? kam_config_cadence(cfg, r) : &fallback, region, days,
				     &g);
		if (!rc)
			rc = group_add_region(&g, r);
		free(days);
		if (rc) {
			group_free(&g);
			return rc;
		}
		return plan_push(p, &g);
	}
	group def = { .rg.exclude = true };
	rc = kam_config_holidays(cfg, KAM_STR("*"), &days);
	if (!rc)
		rc = resolve(p, reg, cfg ? &cfg->cad_default : &fallback, NULL, days, &def);
	free(days);
	if (rc) {
		group_free(&def);
		return rc;
	}
	/* Every region the configuration names gets its own group unless it equals the default. */
	for (size_t i = 0; !rc && cfg && i < cfg->ncad_regions; i++)
		rc = plan_region(p, reg, &def, 0, cfg->cad_regions[i].region);
	for (size_t i = 0; !rc && cfg && i < cfg->nholidays; i++)
		if (strcmp(cfg->holidays[i].region, "*"))
			rc = plan_region(p, reg, &def, 0, cfg->holidays[i].region);
	if (rc) {
		group_free(&def);
		return rc;
	}
	def.rg.all = def.rg.nregions == 0;
	if ((rc = plan_push(p, &def)))
		return rc;
	/* The default group runs first: it usually holds most of the book. */
	memmove(p->groups + 1, p->groups, (p->n - 1) * sizeof(*p->groups));
	p->groups[0] = def;
	return 0;
}

/* ---- running ---- */

typedef struct run_ctx {
	plan *p;
	group *g;
} run_ctx;

/* ---- the current tiers, read from the snapshots beside the run ---- */

/* An account's tier in its region's current snapshot (kam_tiers_current's rule). */
static char snap_tier(plan *p, const kam_account *a)
{
	kam_str region = KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
	const kam_snapshot_row *row;
	uint64_t id;
	int rc = kam_current_seek(p->snaps, region, a->id, &row, &id);
	if (rc == 1)
		return row->tier;
	if (rc == KAM_ENOTFOUND)
		p->fallback = true;
	else if (rc == 0)
		p->missing++;
	else
		p->snap_err = rc;
	return 0;
}

/*
 * The tier row of an account. Runs ask in id order, so a cursor that moves forward finds most
 * rows in a step or two; a miss behind it falls back to a binary search.
 */
static const kam_tier_row *tier_find(const plan *p, size_t *cursor, kam_str id)
{
	size_t pos = *cursor;
	if (pos < p->ntiers && kam_str_cmp(p->tiers[pos].account_id, id) <= 0) {
		for (int step = 0; step < 8 && pos < p->ntiers; step++, pos++) {
			int c = kam_str_cmp(p->tiers[pos].account_id, id);
			if (c == 0) {
				*cursor = pos + 1;
				return &p->tiers[pos];
			}
			if (c > 0) {
				*cursor = pos;
				return NULL;
			}
		}
	}
	size_t lo = 0, hi = p->ntiers;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = kam_str_cmp(p->tiers[mid].account_id, id);
		if (c == 0) {
			*cursor = mid + 1;
			return &p->tiers[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*cursor = lo;
	return NULL;
}

static int run_filter(void *ctx, const kam_account *a)
{
	run_ctx *c = ctx;
	const char *owner = c->p->opts->owner;
	kam_str own = KAM_HAS(a, KAM_A_OWNER) ? a->owner : (kam_str){ "", 0 };
	if (owner && !kam_str_eq(own, kam_str_c(owner)))
		return 0;
	return c->g->rg.all || kam_regional_filter(&c->g->rg, a);
}

/* Room in a group's owners and tiers for `need` accounts. */
static int kept_grow(group *g, size_t need)
{
	size_t co = g->capowners;
	if (kam_grow((void **)&g->owners, &co, need, sizeof(*g->owners)) ||
	    kam_grow((void **)&g->tiers, &g->capowners, need, sizeof(*g->tiers)))
		return KAM_ENOMEM;
	return 0;
}

/* A kept account's owner and tier; the run's results come in this same order. */
static int run_kept(void *ctx, const kam_account *a)
{
	run_ctx *c = ctx;
	group *g = c->g;
	if (g->nowners == g->capowners && kept_grow(g, g->nowners + 1))
		return KAM_ENOMEM;
	kam_str own = KAM_HAS(a, KAM_A_OWNER) ? a->owner : (kam_str){ "", 0 };
	const char *s = owners_get(c->p->owners, own);
	if (!s)
		return KAM_ENOMEM;
	char tier;
	if (c->p->snaps) {
		tier = snap_tier(c->p, a);
	} else {
		const kam_tier_row *row = tier_find(c->p, &c->p->kept_pos, a->id);
		tier = row ? row->tier : 0;
	}
	g->tiers[g->nowners] = tier;
	g->owners[g->nowners++] = s;
	return 0;
}

/* The model's tier(): what kept noted; the run's accounts are the kept ones, in order. */
static char run_tier(void *ctx, size_t index, kam_text account_id)
{
	group *g = ((run_ctx *)ctx)->g;
	(void)account_id;
	return index < g->nowners ? g->tiers[index] : 0;
}

static int runs_compute(kam_txn *txn, plan *p, kam_agenda *out)
{
	struct kam_agenda_mem *mem = out->mem;
	if (!(mem->outs = calloc(p->n ? p->n : 1, sizeof(*mem->outs))))
		return KAM_ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		group *g = &p->groups[i];
		run_ctx ctx = { p, g };
		kam_run_spec spec = {
			.model = g->rg.model, .params = g->rg.params, .nparams = g->rg.nparams,
			.as_of = p->opts->as_of, .filter = run_filter, .filter_ctx = &ctx,
			/* the filter reads the options only; kept notes in id order, reading the
			   snapshots in the transaction */
			.filter_threads = KAM_FILTER_ANYWHERE, .kept = run_kept,
			.tier_of = run_tier, .tier_ctx = &ctx,
		};
		kam_run_output *o = &mem->outs[mem->nouts];
		p->kept_pos = g->nowners = 0;
		/*
		 * Room for every account of the book at once: grown by doubling, the arrays were
		 * copied at every step and each new one faulted in. Room never used costs address
		 * space only (a filtered run keeps fewer).
		 */
		kam_store_stats st;
		if (!g->capowners && !kam_store_stats_get(txn, &st) &&
		    st.records[KAM_ACCOUNT] <= SIZE_MAX / sizeof(*g->owners) &&
		    kept_grow(g, (size_t)st.records[KAM_ACCOUNT]))
			return KAM_ENOMEM;
		/* the walkers start at their first rows: again for every run after the first */
		int rc = p->snaps && i > 0 ? kam_current_rewind(txn, p->snaps) : 0;
		if (rc) {
			say(out->error, sizeof(out->error), "reading the current snapshots: %s",
			    kam_strerror(rc));
			return rc;
		}
		rc = kam_run_model(txn, &spec, o);
		if (!rc && p->snap_err) {
			say(out->error, sizeof(out->error), "reading the current snapshots: %s",
			    kam_strerror(p->snap_err));
			rc = p->snap_err;
		}
		if (!rc && g->nowners != o->count) {
			say(out->error, sizeof(out->error), "model %s: %zu results for %zu accounts",
			    g->rg.model->desc->name, o->count, g->nowners);
			rc = KAM_EPLUGIN;
		}
		if (rc) {
			if (!out->error[0])
				say(out->error, sizeof(out->error), "%s",
				    o->error[0] ? o->error : kam_strerror(rc));
			kam_run_output_free(o);
			return rc;
		}
		mem->nouts++;
		out->nruns++;
		out->accounts += o->count;
		/* An account without a stored tier: the caller starts over with computed tiers. */
		if (p->snaps && p->fallback)
			return 0;
	}
	if (p->opts->region && out->accounts == 0 && !p->opts->owner) {
		say(out->error, sizeof(out->error), "no accounts in region \"%s\"", p->opts->region);
		out->bad_opts = true;
		return KAM_ENOTFOUND;
	}
	return 0;
}

/* Forgets the runs made (to make them again over other tiers). */
static void runs_discard(kam_agenda *out)
{
	struct kam_agenda_mem *mem = out->mem;
	for (size_t i = 0; i < mem->nouts; i++)
		kam_run_output_free(&mem->outs[i]);
	free(mem->outs);
	mem->outs = NULL;
	mem->nouts = 0;
	out->nruns = out->accounts = 0;
}

/* ---- collecting and ordering ---- */

/*
 * Agenda order is tier, overdue_days descending, account id, action. The items are made in
 * account id order (the runs' results merged), each account's actions in action order, so one
 * stable counting sort by (tier, overdue_days) leaves them in agenda order, and each item is
 * written once, straight to its place: no sort keys, no second copy of a million items.
 */

static const char *const known_actions[] = { "call", "follow-up", "visit" };

/* Which known action a name is (3: another); remembered by pointer, as runs intern names. */
typedef struct action_memo {
	const char *name[8];
	int known[8];
	size_t n;
} action_memo;

static int known_index(action_memo *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->name[i] == name)
			return m->known[i];
	int k = 0;
	while (k < 3 && strcmp(name, known_actions[k]))
		k++;
	if (m->n < 8) {
		m->name[m->n] = name;
		m->known[m->n++] = k;
	}
	return k;
}

/* call, follow-up, visit, then any other name bytewise. */
static int action_cmp(action_memo *m, const char *x, const char *y)
{
	if (x == y)
		return 0;
	int kx = known_index(m, x), ky = known_index(m, y);
	return kx != ky ? kx - ky : strcmp(x, y);
}

static int tier_ix(char t)
{
	return t == 'A' ? 0 : t == 'B' ? 1 : t == 'C' ? 2 : 3;
}

typedef struct collect {
	plan *p;
	kam_agenda *out;
	size_t count;          /* items kept */
	int64_t omin, omax;    /* their overdue_days */
	int64_t span;          /* omax - omin + 1 */
	size_t nbuckets;       /* (tier, overdue) buckets of the counting sort, or 0 */
} collect;

/*
 * A big agenda is made by two threads, each over half of the accounts (by id): each counts its
 * own items per bucket, and the second half's items of a bucket go after the first half's.
 */
typedef struct part {
	const collect *c;
	size_t *from, *to;   /* per run: the results of this part */
	uint32_t *pos;       /* counting sort: its next place per bucket */
	size_t first;        /* without: where its items start */
	size_t n;            /* items counted, then made */
	size_t kept, untiered; /* part_scan's: its items, its accounts without a tier */
	int64_t omin, omax;  /* part_scan's: its items' overdue days */
	action_memo memo;
	int rc;
} part;

#define PART_MIN_ITEMS 65536 /* fewer accounts: one part, no thread */

bool kam_agenda_threads(void)
{
	const char *e = getenv("KAM_AGENDA_THREADS");
	return !e || strcmp(e, "0") != 0;
}

/* Runs fn over both parts: the second on a helper thread when `two` (and one starts). */
static void parts_run(void *(*fn)(void *), part *parts, bool two)
{
	pthread_t th;
	bool threaded = two && pthread_create(&th, NULL, fn, &parts[1]) == 0;
	fn(&parts[0]);
	if (threaded)
		pthread_join(th, NULL);
	else
		fn(&parts[1]);
}

/* The part's next result in account id order: each run's are sorted, the runs disjoint. */
static bool part_next(const part *pt, size_t *next, size_t *run)
{
	const struct kam_agenda_mem *mem = pt->c->out->mem;
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < mem->nouts; i++) {
		if (next[i] == pt->to[i])
			continue;
		if (best == SIZE_MAX || strcmp(mem->outs[i].results[next[i]].account_id,
					       mem->outs[best].results[next[best]].account_id) < 0)
			best = i;
	}
	*run = best;
	return best != SIZE_MAX;
}

static bool action_kept(const kam_agenda_opts *o, const kam_action *a)
{
	return a->due_day >= o->due_from && a->due_day <= o->due_to;
}

/* First pass: a part's items, their range of overdue days, and its accounts without a tier. */
static void *part_scan(void *arg)
{
	part *pt = arg;
	const collect *c = pt->c;
	const struct kam_agenda_mem *mem = c->out->mem;
	const kam_agenda_opts *o = c->p->opts;
	pt->omin = INT64_MAX;
	pt->omax = INT64_MIN;
	for (size_t r = 0; r < mem->nouts; r++) {
		const kam_run_output *ro = &mem->outs[r];
		const char *tiers = c->p->groups[r].tiers;
		for (size_t k = pt->from[r]; k < pt->to[r]; k++) {
			const kam_result *res = &ro->results[k];
			pt->untiered += !tiers[k];
			for (size_t a = 0; a < res->nactions; a++) {
				if (!action_kept(o, &res->actions[a]))
					continue;
				int64_t od = (int64_t)o->as_of - res->actions[a].due_day;
				pt->omin = od < pt->omin ? od : pt->omin;
				pt->omax = od > pt->omax ? od : pt->omax;
				pt->kept++;
			}
		}
	}
	return NULL;
}

static size_t bucket_of(const collect *c, char tier, int64_t overdue)
{
	return (size_t)tier_ix(tier) * (size_t)c->span + (size_t)(c->omax - overdue);
}

/* Second pass: a part's items, per bucket when there are buckets. */
static void *part_count(void *arg)
{
	part *pt = arg;
	const collect *c = pt->c;
	const struct kam_agenda_mem *mem = c->out->mem;
	const kam_agenda_opts *o = c->p->opts;
	for (size_t r = 0; r < mem->nouts; r++) {
		const kam_run_output *ro = &mem->outs[r];
		const char *tiers = c->p->groups[r].tiers;
		for (size_t k = pt->from[r]; k < pt->to[r]; k++) {
			const kam_result *res = &ro->results[k];
			for (size_t a = 0; a < res->nactions; a++) {
				if (!action_kept(o, &res->actions[a]))
					continue;
				if (pt->pos)
					pt->pos[bucket_of(c, tiers[k], (int64_t)o->as_of -
								res->actions[a].due_day)]++;
				pt->n++;
			}
		}
	}
	return NULL;
}

/* An account's actions in action order (stable: equal names keep the order they came in). */
static void actions_order(part *pt, const kam_result *res, uint32_t *ix)
{
	for (size_t a = 0; a < res->nactions; a++) {
		size_t j = a;
		while (j > 0 && action_cmp(&pt->memo, res->actions[ix[j - 1]].action,
					   res->actions[a].action) > 0) {
			ix[j] = ix[j - 1];
			j--;
		}
		ix[j] = (uint32_t)a;
	}
}

/*
 * An item written to its place: a whole line, scattered, and not read again before the printing,
 * so it goes straight to memory, not first read in for the writing (and the cache keeps what the
 * pass reads). items_put_done orders these writes before the thread's next ones.
 */
#ifdef ITEMS_STREAMED
static inline void item_put(kam_agenda_item *at, const kam_agenda_item *x)
{
	const __m128i *from = (const __m128i *)x;
	__m128i *to = (__m128i *)at;
	for (int i = 0; i < 4; i++)
		_mm_stream_si128(to + i, _mm_loadu_si128(from + i));
}

static inline void items_put_done(void)
{
	_mm_sfence();
}
#else
static inline void item_put(kam_agenda_item *at, const kam_agenda_item *x)
{
	*at = *x;
}

static inline void items_put_done(void)
{
}
#endif

/* Last pass: a part's items, each to its bucket's next place (or in the order made). */
static void *part_place(void *arg)
{
	part *pt = arg;
	const collect *c = pt->c;
	kam_agenda *out = c->out;
	const struct kam_agenda_mem *mem = out->mem;
	const kam_agenda_opts *o = c->p->opts;
	uint32_t small[8], *ix = small;
	size_t ixcap = 8, made = 0, run;
	size_t *next = malloc((mem->nouts ? mem->nouts : 1) * sizeof(*next));
	if (!next) {
		pt->rc = KAM_ENOMEM;
		return NULL;
	}
	memcpy(next, pt->from, mem->nouts * sizeof(*next));
	while (!pt->rc && part_next(pt, next, &run)) {
		size_t k = next[run]++;
		const kam_result *res = &mem->outs[run].results[k];
		const group *g = &c->p->groups[run];
		if (res->nactions > ixcap) {
			uint32_t *bigger = malloc(res->nactions * sizeof(*bigger));
			if (!bigger) {
				pt->rc = KAM_ENOMEM;
				break;
			}
			if (ix != small)
				free(ix);
			ix = bigger;
			ixcap = res->nactions;
		}
		actions_order(pt, res, ix);
		for (size_t j = 0; j < res->nactions; j++) {
			const kam_action *act = &res->actions[ix[j]];
			if (!action_kept(o, act))
				continue;
			int64_t od = (int64_t)o->as_of - act->due_day;
			size_t at = pt->pos ? pt->pos[bucket_of(c, g->tiers[k], od)]++
					    : pt->first + made;
			item_put(&out->items[at], &(kam_agenda_item){
				.account_id = res->account_id,
				.region = res->region ? res->region : "",
				.owner = g->owners[k],
				.tier = g->tiers[k],
				.id_len = res->id_len,
				.action = act->action,
				.due = act->due_day,
				.last = act->last_day,
				.per_year = act->per_year,
				.detail = act->detail,
			});
			made++;
		}
	}
	items_put_done();
	if (ix != small)
		free(ix);
	free(next);
	return NULL;
}

/* The first result of a run whose id is not below `id`. */
static size_t lower_bound(const kam_run_output *ro, const char *id)
{
	size_t lo = 0, hi = ro->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ro->results[mid].account_id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Splits the results in two parts at the middle account of the largest run; returns whether
 * the second part has any (a small agenda is one part).
 */
static bool parts_split(const collect *c, part *parts, size_t *bounds)
{
	const struct kam_agenda_mem *mem = c->out->mem;
	size_t n = mem->nouts, big = 0, accounts = 0;
	for (size_t r = 0; r < n; r++) {
		if (mem->outs[r].count > mem->outs[big].count)
			big = r;
		accounts += mem->outs[r].count;
		bounds[r] = 0;
		bounds[2 * n + r] = mem->outs[r].count;
	}
	const char *pivot = NULL;
	if (accounts >= PART_MIN_ITEMS && mem->outs[big].count >= 2 && kam_agenda_threads())
		pivot = mem->outs[big].results[mem->outs[big].count / 2].account_id;
	for (size_t r = 0; r < n; r++)
		bounds[n + r] = pivot ? lower_bound(&mem->outs[r], pivot) : mem->outs[r].count;
	parts[0].from = bounds;
	parts[0].to = parts[1].from = bounds + n;
	parts[1].to = bounds + 2 * n;
	return pivot != NULL;
}

/* Where each part's items of each bucket start: bucket by bucket, the first part first. */
static void parts_offsets(const collect *c, part *parts)
{
	uint32_t at = 0;
	if (!c->nbuckets) {
		parts[1].first = parts[0].n;
		return;
	}
	for (size_t b = 0; b < c->nbuckets; b++)
		for (int i = 0; i < 2; i++) {
			uint32_t n = parts[i].pos[b];
			parts[i].pos[b] = at;
			at += n;
		}
}

/* Without a counting sort (a very wide range of days): sort the items made in order. */
typedef struct sort_key {
	uint64_t key; /* tier, then overdue_days descending */
	uint32_t index;
} sort_key;

static int sort_key_cmp(const void *pa, const void *pb)
{
	const sort_key *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

_Static_assert(sizeof(void *) != 8 || sizeof(kam_agenda_item) == 64,
	       "an agenda item is one cache line");

/* Room for n items, each on a line of its own (NULL when out of memory or too many). */
static kam_agenda_item *items_alloc(size_t n)
{
	void *p = NULL;
	if (n > SIZE_MAX / sizeof(kam_agenda_item) ||
	    posix_memalign(&p, sizeof(kam_agenda_item), n * sizeof(kam_agenda_item)))
		return NULL;
	return p;
}

static int items_sort_wide(collect *c)
{
	kam_agenda *out = c->out;
	sort_key *keys = malloc(out->count * sizeof(*keys));
	kam_agenda_item *sorted = items_alloc(out->count);
	if (!keys || !sorted) {
		free(keys);
		free(sorted);
		return KAM_ENOMEM;
	}
	for (size_t i = 0; i < out->count; i++) {
		const kam_agenda_item *x = &out->items[i];
		keys[i].key = (uint64_t)tier_ix(x->tier) << 34 |
			      (uint64_t)(c->omax - kam_agenda_overdue(out, x));
		keys[i].index = (uint32_t)i;
	}
	qsort(keys, out->count, sizeof(*keys), sort_key_cmp);
	for (size_t i = 0; i < out->count; i++)
		sorted[i] = out->items[keys[i].index];
	free(out->items);
	out->items = sorted;
	free(keys);
	return 0;
}

/* A counting sort when its buckets take less room than the items. */
#define BUCKETS_MIN (1u << 16)

static int items_collect(plan *p, kam_agenda *out)
{
	collect c = { .p = p, .out = out };
	part parts[2] = { { .c = &c }, { .c = &c } };
	size_t *bounds = malloc(3 * (out->mem->nouts ? out->mem->nouts : 1) * sizeof(*bounds));
	if (!bounds)
		return KAM_ENOMEM;
	bool two = parts_split(&c, parts, bounds);
	parts_run(part_scan, parts, two);
	c.count = parts[0].kept + parts[1].kept;
	c.omin = parts[0].omin < parts[1].omin ? parts[0].omin : parts[1].omin;
	c.omax = parts[0].omax > parts[1].omax ? parts[0].omax : parts[1].omax;
	c.span = c.count ? c.omax - c.omin + 1 : 1;
	out->untiered += parts[0].untiered + parts[1].untiered;
	if (c.count > UINT32_MAX || !c.count) {
		free(bounds);
		return c.count ? KAM_ELIMIT : 0;
	}
	if (!(out->items = items_alloc(c.count))) {
		free(bounds);
		return KAM_ENOMEM;
	}
	kam_advise_huge(out->items);
	out->count = c.count;
	int rc = 0;
	if ((uint64_t)c.span <= (c.count + BUCKETS_MIN) / 4) {
		c.nbuckets = 4 * (size_t)c.span;
		for (int i = 0; !rc && i < 2; i++)
			if (!(parts[i].pos = calloc(c.nbuckets, sizeof(*parts[i].pos))))
				rc = KAM_ENOMEM;
	}
	if (!rc) {
		parts_run(part_count, parts, two);
		parts_offsets(&c, parts);
		parts_run(part_place, parts, two);
		rc = parts[0].rc ? parts[0].rc : parts[1].rc;
	}
	if (!rc && !c.nbuckets)
		rc = items_sort_wide(&c);
	free(parts[0].pos);
	free(parts[1].pos);
	free(bounds);
	return rc;
}

void kam_agenda_free(kam_agenda *a)
{
	if (!a)
		return;
	struct kam_agenda_mem *mem = a->mem;
	if (mem) {
		for (size_t i = 0; i < mem->nouts; i++)
			kam_run_output_free(&mem->outs[i]);
		free(mem->outs);
		owners_free(&mem->owners);
		kam_tier_set_free(&mem->tiers);
		free(mem);
	}
	for (size_t i = 0; i < a->ncomputed; i++)
		free(a->computed_regions[i]);
	free(a->computed_regions);
	free(a->items);
	a->items = NULL;
	a->count = 0;
	a->computed_regions = NULL;
	a->ncomputed = 0;
	a->mem = NULL;
}

static int copy_regions(const kam_tier_set *s, kam_agenda *out)
{
	if (!s->ncomputed)
		return 0;
	if (!(out->computed_regions = calloc(s->ncomputed, sizeof(char *))))
		return KAM_ENOMEM;
	for (size_t i = 0; i < s->ncomputed; i++) {
		if (!(out->computed_regions[i] = strdup(s->computed_regions[i])))
			return KAM_ENOMEM;
		out->ncomputed = i + 1;
	}
	return 0;
}

int kam_agenda_compute(kam_store *store, const kam_registry *reg, const kam_config *cfg,
		       const kam_agenda_opts *opts, kam_agenda *out)
{
	memset(out, 0, sizeof(*out));
	out->as_of = opts->as_of;
	if (!(out->mem = calloc(1, sizeof(*out->mem)))) {
		say(out->error, sizeof(out->error), "out of memory");
		return KAM_ENOMEM;
	}
	plan p = { .opts = opts, .cfg = cfg, .err = out->error, .errlen = sizeof(out->error),
		   .owners = &out->mem->owners };
	kam_date_format((kam_date){ opts->as_of, KAM_NO_TIME }, p.as_of_text);
	kam_txn *txn = NULL;
	int rc = plan_build(&p, reg);
	if (rc)
		goto done;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		say(out->error, sizeof(out->error), "reading the database: %s", kam_strerror(rc));
		goto done;
	}
	bool fast = false;
	if (!opts->tiers) {
		/* First from the snapshots beside the runs; computed tiers need the slow way. */
		if ((rc = kam_current_open(txn, true, &p.snaps))) {
			say(out->error, sizeof(out->error), "reading the current snapshots: %s",
			    kam_strerror(rc));
			goto done;
		}
		if (kam_current_regions(p.snaps)) {
			if ((rc = runs_compute(txn, &p, out)))
				goto done;
			fast = !p.fallback;
			if (fast)
				out->missing = p.missing;
			else
				runs_discard(out);
		}
		kam_current_free(p.snaps);
		p.snaps = NULL;
	}
	if (!fast && opts->tiers) {
		p.tiers = opts->tiers;
		p.ntiers = opts->ntiers;
	} else if (!fast) {
		kam_tier_set *s = &out->mem->tiers;
		if ((rc = kam_tiers_current(txn, reg, opts->region, opts->as_of, s))) {
			say(out->error, sizeof(out->error), "%s", s->error);
			goto done;
		}
		p.tiers = s->rows;
		p.ntiers = s->count;
		out->missing = s->missing;
		if ((rc = copy_regions(s, out)))
			goto done;
	}
	if (!fast && (rc = runs_compute(txn, &p, out)))
		goto done;
	rc = items_collect(&p, out);
	/* The items keep no view into the transaction: their texts live in the runs' results. */
	kam_tier_set_free(&out->mem->tiers);
done:
	kam_current_free(p.snaps);
	kam_txn_abort(txn);
	if (rc && !out->error[0])
		say(out->error, sizeof(out->error), "%s", kam_strerror(rc));
	plan_free(&p);
	return rc;
}

/* ---- the playbook ---- */

static const char *const phrases[KAM_PLAYBOOK_COUNT] = {
	"Send me written material",
	"We supply this in-house",
	"We already have a supplier",
	"I am not the person in charge",
	"We have no budget",
	"Your price is too high",
	"We used you before and were not satisfied",
};

/*
 * Written for a maker of compatible office consumables (ink, toner, cartridges, ribbons) selling
 * to key accounts. Each treats the objection as a request for more information and ends with a
 * next step, so the bridge stays open.
 */
static const char *const responses[KAM_PLAYBOOK_COUNT] = {
	"Agree, then make the material worth reading: ask which printers and volumes it should "
	"cover and who will read it; send a one-page comparison the same day and book ten minutes "
	"to go through it together.",
	"Respect what they built. Ask what a page costs in-house once machines, staff, waste and "
	"downtime are counted; offer to cover peaks, the models they do not make, or a backup "
	"supply, priced per page.",
	"Do not attack the incumbent. Ask what they would improve (price, delivery, failure rate, "
	"range) and propose a trial order on one high-volume item as a second source to compare "
	"side by side.",
	"Thank them and ask who decides and who else takes part (buyer, users, finance); ask for "
	"an introduction and what matters to that person, so the next call starts with a reason.",
	"Ask when the budget is set and by whom. Show the saving per year against what they spend "
	"now, so the switch pays for itself; offer consignment stock, and call back before the next "
	"budget round.",
	"Ask \"compared with what?\" Move from the unit price to the cost per printed page and the "
	"total cost (yield, failures, returns, delivery); offer a volume tier or a trial pack "
	"rather than a discount.",
	"Hear the whole story without defending; apologise and say what has changed since (quality "
	"checks, warranty, a named contact). Offer a small guaranteed trial, replaced free if any "
	"cartridge fails.",
};

const char kam_playbook_rule[] =
	"An objection is a request for more information. Handle it at most twice on one call; "
	"then thank them, stop, and call again on a later day: never burn the bridge.";

int kam_objection_parse(const char *slug)
{
	for (int i = 0; slug && i < KAM_PLAYBOOK_COUNT; i++)
		if (strcmp(slug, kam_objection_names[i]) == 0)
			return i + 1;
	return 0;
}

const char *kam_objection_slug(int k)
{
	return k >= 1 && k <= KAM_PLAYBOOK_COUNT ? kam_objection_names[k - 1] : NULL;
}

const char *kam_objection_phrase(int k)
{
	return k >= 1 && k <= KAM_PLAYBOOK_COUNT ? phrases[k - 1] : NULL;
}

const char *kam_playbook_default(int k)
{
	return k >= 1 && k <= KAM_PLAYBOOK_COUNT ? responses[k - 1] : NULL;
}

const char *kam_playbook_response(const kam_config *cfg, int k)
{
	if (k < 1 || k > KAM_PLAYBOOK_COUNT)
		return NULL;
	if (cfg && cfg->playbook[k - 1])
		return cfg->playbook[k - 1];
	return responses[k - 1];
}
