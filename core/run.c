/* run.c - running a model over accounts: views, parameters, orders and collected results. */
#include "run.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "date.h"
#include "error.h"

/*
 * Result memory. A run over a million accounts must not cost millions of mallocs, so every
 * string of the results (ids, regions, factor names and notes) lives in chunks of one arena,
 * and repeated strings (regions, factor names) are stored once.
 */
#define CHUNK_MIN (256 * 1024)

typedef struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
} chunk;

struct kam_run_mem {
	chunk *chunks;
	/* Every factor, metric and action of every result, grouped by account. */
	void *factors, *metrics, *actions;
};

static void *arena_alloc(struct kam_run_mem *m, size_t n)
{
	chunk *c = m->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = m->chunks;
		m->chunks = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct kam_run_mem *m, const char *s, size_t len)
{
	char *p = arena_alloc(m, len + 1);
	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = 0;
	}
	return p;
}

/* Moves the chunks of `from` (filled by another thread) into m's arena. */
static void arena_adopt(struct kam_run_mem *m, struct kam_run_mem *from)
{
	chunk **end = &from->chunks;
	while (*end)
		end = &(*end)->next;
	*end = m->chunks;
	m->chunks = from->chunks;
	from->chunks = NULL;
}

static void mem_free(struct kam_run_mem *m)
{
	if (!m)
		return;
	for (chunk *c = m->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(m->factors);
	free(m->metrics);
	free(m->actions);
	free(m);
}

/* An interned string: open addressing over (hash, length, text in the arena). */
typedef struct slot {
	const char *s;
	uint32_t len, hash;
} slot;

typedef struct intern {
	slot *slots;
	size_t cap, used; /* cap is a power of two, kept at most half full */
} intern;

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int intern_grow(intern *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return KAM_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].s)
			continue;
		size_t j = t->slots[i].hash & (cap - 1);
		while (s[j].s)
			j = (j + 1) & (cap - 1);
		s[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = s;
	t->cap = cap;
	return 0;
}

/* The arena copy of s[0..len), made once per distinct text. NULL when out of memory. */
static const char *intern_get(intern *t, struct kam_run_mem *m, const char *s, size_t len)
{
	if (len > UINT32_MAX)
		return NULL;
	if ((t->used + 1) * 2 > t->cap && intern_grow(t))
		return NULL;
	uint32_t h = hash_bytes(s, len);
	size_t j = h & (t->cap - 1);
	for (; t->slots[j].s; j = (j + 1) & (t->cap - 1)) {
		slot *e = &t->slots[j];
		if (e->hash == h && e->len == len &&
		    kam_str_eq((kam_str){ e->s, e->len }, (kam_str){ s, (uint32_t)len }))
			return e->s;
	}
	/*
	 * Each copy starts an 8-byte granule of its own: run_intern's slots go by address >> 3, and
	 * copies sharing one would take each other's slot (the host's copies from kam_host_intern
	 * are passed back for every account).
	 */
	size_t room = (len + 1 + 7) & ~(size_t)7;
	char *p = arena_alloc(m, room + 7);
	if (!p)
		return NULL;
	char *copy = (char *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
	memcpy(copy, s, len);
	copy[len] = 0;
	t->slots[j] = (slot){ copy, (uint32_t)len, h };
	t->used++;
	return copy;
}

/*
 * A list sized for a whole run (100 MB of factors for a million accounts) is faulted in by a
 * helper thread while the model fills it from the start, on the model's thread, which is alone
 * at that point of a run: MADV_POPULATE_WRITE maps the pages without touching their contents,
 * so the two never race on the data. Joined before the memory moves or is freed.
 */
#define PREFAULT_MIN (8u << 20) /* smaller: not worth a thread */

typedef struct prefault {
	pthread_t th;
	int on;
	void *p[2];
	size_t n[2];
} prefault;

static void *prefault_main(void *arg)
{
	prefault *f = arg;
#ifdef MADV_POPULATE_WRITE
	for (int i = 0; i < 2; i++)
		if (f->n[i])
			madvise(f->p[i], f->n[i], MADV_POPULATE_WRITE); /* a failure only costs faults */
#else
	(void)f;
#endif
	return NULL;
}

/* The whole pages of [p, p + n) into slot i of f. */
static void prefault_range(prefault *f, int i, void *p, size_t n)
{
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096, a = ((uintptr_t)p + page - 1) & ~(page - 1),
		  b = ((uintptr_t)p + n) & ~(page - 1);
	f->p[i] = (void *)a;
	f->n[i] = b > a ? b - a : 0;
}

static void prefault_join(prefault *f)
{
	if (f->on)
		pthread_join(f->th, NULL);
	f->on = 0;
}

/*
 * Items that models add to accounts (factors, metrics, actions), in the order added, with the
 * account index of each. Grouped by account once the model succeeded.
 */
typedef struct acc_list {
	void *items;
	uint32_t *acc;
	size_t n, cap, size; /* size: bytes of an item */
	prefault pf;         /* of items and acc, after a growth to PREFAULT_MIN or more */
} acc_list;

#define RECENT_NAMES 64 /* a power of two */
#define RECENT_REGIONS 16 /* a power of two */

/*
 * What a run keeps of an account when its model omits the views (KAM_OMIT_VIEWS): the fields
 * account_text and account_number are asked for most, a third of a view. The view is built
 * when account() first asks for it (r->views).
 */
typedef struct run_keys {
	kam_text id;     /* the run's copy */
	kam_text region; /* interned */
	kam_text owner;  /* in the record */
	int32_t created; /* or KAM_NO_DAY */
	int32_t channel; /* or 0 */
	int built;       /* r->views[index] is made */
} run_keys;

/* The run: what the host functions see through the opaque kam_run handle. */
typedef struct run_account {
	kam_str attrs; /* custom attributes, in the record's encoding */
	double score, value;
	const char *recommendation;
	char tier;     /* set_tier */
	char tier_in;  /* tier(): the caller's tier_of, asked once */
	char tier_known;
	char has_value;
	/*
	 * A run with views has the whole view here; one without, only the keys, and its array's
	 * entries end after them (KEYS_STRIDE): never copy a run_account whole.
	 */
	union {
		kam_account_view view;
		run_keys keys;
	};
} run_account;

/*
 * The bytes of an account in a run without views: its keys, or more if need be so that the
 * results and the grouping's offsets still fit in the array (results_build).
 */
#define STRIDE_MIN (sizeof(kam_result) + 2 * sizeof(size_t))
#define KEYS_END (offsetof(run_account, keys) + sizeof(run_keys))
#define KEYS_STRIDE                                                                                \
	((((KEYS_END > STRIDE_MIN ? KEYS_END : STRIDE_MIN) + _Alignof(run_account) - 1) /            \
	  _Alignof(run_account)) * _Alignof(run_account))

typedef struct run_param {
	const char *text; /* the given value, else the default; NULL: none */
	int is_as_of;     /* the not-given date parameter "as_of": reads as the run's as_of */
	union {
		double num;
		int64_t i;
		int32_t day;
	} v;
} run_param;

/*
 * Orders or interactions read ahead by a helper thread. Models that scan a book ask for the
 * orders (or interactions) of every account in index order, with one window (abc: the last
 * window_days; a cadence: everything up to the as-of day). At the first such call of either
 * kind the host cuts the accounts from there on into blocks and starts a helper thread with a
 * twin transaction (the same snapshot). Blocks are taken in order by whichever side gets to
 * them first: the helper takes the next free block and reads its orders into a ring of reused
 * buffers, at most AHEAD_SLOTS blocks ahead of the model; the model, on reaching a block nobody
 * took, takes it and the host reads it directly, and rather than wait for a block the helper is
 * still reading, it reads the next free block into the ring itself (ahead_help). So the helper
 * does more of the reading when the model has more work of its own, and the host serves the
 * blocks of the ring without copying.
 * Any other call (another window, the other kind, an account the helper has not read or has
 * dropped), or a failure of the helper, reads directly.
 */
#define AHEAD_MIN_ACCOUNTS 20000 /* fewer: not worth a thread */
#define AHEAD_BLOCK 2048         /* accounts per block */
#define AHEAD_SLOTS 8            /* blocks in the ring */

typedef struct ahead_slot {
	size_t block;          /* the block it holds (SIZE_MAX: none) */
	int ready;             /* and whether it is read */
	void *rows;            /* the block's views (of the helper's kind), account after account */
	size_t cap;            /* in views */
	size_t first[AHEAD_BLOCK + 1]; /* account k of the block: rows first[k] .. first[k+1]-1 */
} ahead_slot;

typedef struct ahead {
	int state;                   /* AHEAD_IDLE, AHEAD_ON, AHEAD_OFF */
	pthread_t thread;
	kam_txn *txn;                /* the run's twin: the helper's while it runs */
	const struct kam_run *run;   /* for the accounts' ids */
	kam_kind kind;               /* KAM_ORDER or KAM_INTERACTION */
	size_t size;                 /* bytes of one view of that kind */
	size_t start, n;             /* block b holds accounts start + b * AHEAD_BLOCK ... (< n) */
	int32_t from, to;
	ahead_slot *slots;           /* a block read into the ring lives in slots[b % AHEAD_SLOTS] */
	pthread_mutex_t lock;        /* guards what follows, and the slots' block and ready */
	pthread_cond_t cond;
	size_t in_use;               /* the block of the model's latest request */
	size_t nblocks;              /* of AHEAD_BLOCK accounts, from start to the run's end */
	size_t taken;                /* blocks before it are taken, by the helper or the model */
	int ended, stop;
	size_t seen;                 /* this thread's: in_use as it last set it, */
	int seen_mine;               /* whether that request was of the helper's kind and window, */
	int seen_ready;              /* and whether the helper had read that block */
} ahead;

enum { AHEAD_IDLE, AHEAD_ON, AHEAD_OFF };

struct kam_run {
	kam_txn *txn;
	const kam_plugin *desc;
	int32_t as_of;
	run_account *acc; /* account i at acc_at(r, i): entries are `stride` bytes apart */
	size_t n, cap, stride;
	int no_views;              /* the model omits the views: acc holds keys (KAM_OMIT_VIEWS) */
	kam_account_view *views;   /* then: the views account() asked for, made on demand */
	run_param *params; /* one per declared parameter */

	const kam_run_spec *spec;
	struct kam_run_mem *mem;
	intern names; /* factor and metric names, actions, details, recommendations, regions */
	pthread_mutex_t names_lock; /* for region_intern on the loading threads */
	kam_str recent_regions[RECENT_REGIONS]; /* this thread's region_intern cache */
	/*
	 * Where account_keep copies ids: mem, or an arena of the loading's own while a helper
	 * interns regions into mem at the same time (merged into mem afterwards).
	 */
	struct kam_run_mem *ids_mem;
	struct recent_name {
		const char *in, *out; /* a name as a model passed it, and its interned copy */
	} recent[RECENT_NAMES]; /* by the address passed (see run_intern) */
	acc_list factors, metrics, actions;

	kam_facts *ofacts, *ifacts;
	kam_order_view *ov;
	size_t ovcap;
	kam_interaction_view *iv;
	size_t ivcap;
	int no_rollup;  /* the model omits the views' rollup figures (KAM_OMIT_ROLLUP) */
	kam_txn *twin;  /* the helper threads' transaction (kam_txn_twin), made once */
	int twin_tried;
	ahead ah;

	int err;       /* the first failure of the host itself; fails the run */
	char msg[400]; /* its message */
};

static inline run_account *acc_at(const kam_run *r, size_t index)
{
	return (run_account *)(void *)((char *)r->acc + index * r->stride);
}

static inline kam_text acc_id(const kam_run *r, const run_account *a)
{
	return r->no_views ? a->keys.id : a->view.id;
}

static inline kam_text acc_region(const kam_run *r, const run_account *a)
{
	return r->no_views ? a->keys.region : a->view.region;
}

static _Thread_local const kam_plugin *current;

const kam_plugin *kam_host_enter(const kam_plugin *desc)
{
	const kam_plugin *prev = current;
	current = desc;
	return prev;
}

static int run_fail(kam_run *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run_fail(kam_run *r, int code, const char *fmt, ...)
{
	if (!r->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
		va_end(ap);
		r->err = code;
	}
	return code;
}

/* ---- parameters ---- */

const char *kam_param_type_name(int type)
{
	switch (type) {
	case KAM_PARAM_NUMBER: return "number";
	case KAM_PARAM_INTEGER: return "integer";
	case KAM_PARAM_TEXT: return "text";
	case KAM_PARAM_DATE: return "date";
	case KAM_PARAM_BOOL: return "bool";
	}
	return "unknown";
}

const char *kam_param_type_phrase(int type)
{
	switch (type) {
	case KAM_PARAM_NUMBER: return "a number";
	case KAM_PARAM_INTEGER: return "an integer";
	case KAM_PARAM_TEXT: return "text";
	case KAM_PARAM_DATE: return "a date YYYY-MM-DD";
	case KAM_PARAM_BOOL: return "true or false";
	}
	return "a value of an unknown type";
}

static int param_parse(int type, const char *s, run_param *out)
{
	char *end;
	if (!s)
		return KAM_EINVAL;
	switch (type) {
	case KAM_PARAM_NUMBER:
		if (!*s || isspace((unsigned char)*s))
			return KAM_EINVAL;
		out->v.num = strtod(s, &end);
		return *end || !isfinite(out->v.num) ? KAM_EINVAL : 0;
	case KAM_PARAM_INTEGER:
		if (!*s || isspace((unsigned char)*s))
			return KAM_EINVAL;
		errno = 0;
		out->v.i = strtoll(s, &end, 10);
		return *end || errno ? KAM_EINVAL : 0;
	case KAM_PARAM_TEXT:
		return 0;
	case KAM_PARAM_DATE: {
		kam_date d;
		if (kam_date_parse(s, strlen(s), &d) || d.sec != KAM_NO_TIME)
			return KAM_EINVAL;
		out->v.day = d.day;
		return 0;
	}
	case KAM_PARAM_BOOL:
		if (strcmp(s, "true") == 0)
			out->v.i = 1;
		else if (strcmp(s, "false") == 0)
			out->v.i = 0;
		else
			return KAM_EINVAL;
		return 0;
	}
	return KAM_EINVAL;
}

int kam_param_check(int type, const char *text)
{
	run_param p;
	return param_parse(type, text, &p);
}

static int param_index(const kam_plugin *d, const char *name)
{
	for (size_t i = 0; name && i < d->nparams; i++)
		if (strcmp(d->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *kam_param_value(const kam_model *model, const kam_param *params, size_t nparams,
			    const char *name)
{
	if (!model || !name)
		return NULL;
	int i = param_index(model->desc, name);
	if (i < 0)
		return NULL;
	for (size_t j = nparams; params && j-- > 0;)
		if (params[j].name && strcmp(params[j].name, name) == 0)
			return params[j].value;
	return model->desc->params[i].default_value;
}

static void unknown_param(const kam_plugin *d, const char *name, char *err, size_t errlen)
{
	size_t n = (size_t)snprintf(err, errlen, "model %s has no parameter \"%s\" (", d->name,
				    name ? name : "(null)");
	if (d->nparams == 0 && n < errlen)
		n += (size_t)snprintf(err + n, errlen - n, "it declares none");
	for (size_t i = 0; i < d->nparams && n < errlen; i++)
		n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? ", " : "it declares: ",
				      d->params[i].name);
	if (n < errlen)
		snprintf(err + n, errlen - n, ")");
}

/* Checks the given parameters against the declared ones and resolves every declared one. */
static int params_resolve(kam_run *r, const kam_run_spec *spec, char *err, size_t errlen)
{
	const kam_plugin *d = r->desc;
	r->params = calloc(d->nparams + 1, sizeof(*r->params));
	if (!r->params)
		return KAM_ENOMEM;
	for (size_t j = 0; spec->params && j < spec->nparams; j++) {
		const kam_param *p = &spec->params[j];
		int i = param_index(d, p->name);
		if (i < 0) {
			unknown_param(d, p->name, err, errlen);
			return KAM_EINVAL;
		}
		if (!p->value) {
			snprintf(err, errlen, "model %s: parameter %s has no value", d->name, p->name);
			return KAM_EINVAL;
		}
		r->params[i].text = p->value; /* the last given wins */
	}
	for (size_t i = 0; i < d->nparams; i++) {
		const kam_param_def *def = &d->params[i];
		run_param *p = &r->params[i];
		int given = p->text != NULL;
		if (!given && def->type == KAM_PARAM_DATE && strcmp(def->name, "as_of") == 0) {
			p->is_as_of = 1;
			continue;
		}
		if (!given)
			p->text = def->default_value;
		if (p->text && param_parse(def->type, p->text, p)) {
			snprintf(err, errlen, "model %s: %sparameter %s = \"%s\" is not %s (a %s)",
				 d->name, given ? "" : "the default of ", def->name, p->text,
				 kam_param_type_phrase(def->type), kam_param_type_name(def->type));
			return KAM_EINVAL;
		}
		if (given && def->type == KAM_PARAM_DATE && strcmp(def->name, "as_of") == 0)
			r->as_of = p->v.day;
	}
	return 0;
}

/* The declared parameter `name` with a value, checking the accessor's type. */
static int param_get(kam_run *r, const char *name, int type, int type2, run_param **out)
{
	if (!r || !name)
		return KAM_EINVAL;
	int i = param_index(r->desc, name);
	if (i < 0)
		return KAM_ENOTFOUND;
	int t = r->desc->params[i].type;
	if (t != type && t != type2)
		return KAM_EINVAL;
	if (!r->params[i].text && !r->params[i].is_as_of)
		return KAM_ENOTFOUND;
	*out = &r->params[i];
	return 0;
}

int kam_host_param_number(kam_run *r, const char *name, double *out)
{
	run_param *p;
	int rc = param_get(r, name, KAM_PARAM_NUMBER, KAM_PARAM_NUMBER, &p);
	if (!rc && out)
		*out = p->v.num;
	return rc;
}

int kam_host_param_integer(kam_run *r, const char *name, int64_t *out)
{
	run_param *p;
	int rc = param_get(r, name, KAM_PARAM_INTEGER, KAM_PARAM_BOOL, &p);
	if (!rc && out)
		*out = p->v.i;
	return rc;
}

int kam_host_param_text(kam_run *r, const char *name, kam_text *out)
{
	run_param *p;
	int rc = param_get(r, name, KAM_PARAM_TEXT, KAM_PARAM_TEXT, &p);
	if (!rc && out)
		*out = (kam_text){ p->text, strlen(p->text) };
	return rc;
}

int kam_host_param_day(kam_run *r, const char *name, int32_t *out)
{
	run_param *p;
	int rc = param_get(r, name, KAM_PARAM_DATE, KAM_PARAM_DATE, &p);
	if (!rc && out)
		*out = p->is_as_of ? r->as_of : p->v.day;
	return rc;
}

/* ---- the other host services ---- */

static int log_threshold(void)
{
	const char *e = getenv("KAM_LOG");
	if (!e)
		return KAM_LOG_WARNING;
	if (strcmp(e, "debug") == 0)
		return KAM_LOG_DEBUG;
	if (strcmp(e, "info") == 0)
		return KAM_LOG_INFO;
	if (strcmp(e, "error") == 0)
		return KAM_LOG_ERROR;
	return KAM_LOG_WARNING;
}

void kam_host_log(kam_run *r, int level, const char *fmt, ...)
{
	if (!fmt || level > log_threshold())
		return;
	const kam_plugin *d = r ? r->desc : current;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = 0;
	fprintf(stderr, "kam: [plugin %s] %s\n", d && d->name ? d->name : "?", msg);
}

int32_t kam_host_as_of(kam_run *r)
{
	return r ? r->as_of : KAM_NO_DAY;
}

size_t kam_host_account_count(kam_run *r)
{
	return r ? r->n : 0;
}

static void view_fill(kam_account_view *v, const kam_account *a, const kam_rollup *ro);

/*
 * The view of an account of a run without views, made the first time it is asked for: the
 * record is looked up again (it is in the map, like the texts the view points to). NULL when
 * the lookup fails, which fails the run.
 */
static const kam_account_view *view_made(kam_run *r, size_t index)
{
	run_keys *k = &acc_at(r, index)->keys;
	if (!r->views && !(r->views = calloc(r->n, sizeof(*r->views)))) {
		run_fail(r, KAM_ENOMEM, "out of memory for the accounts' views");
		return NULL;
	}
	kam_account_view *v = &r->views[index];
	if (k->built)
		return v;
	kam_account a;
	int rc = kam_get(r->txn, KAM_ACCOUNT, (kam_str){ k->id.ptr, (uint32_t)k->id.len }, &a);
	if (rc) {
		run_fail(r, rc, "reading account %.*s again for its view: %s", (int)k->id.len,
			 k->id.ptr, kam_strerror(rc));
		return NULL;
	}
	view_fill(v, &a, NULL);
	v->id = k->id;
	v->region.ptr = k->region.ptr;
	k->built = 1;
	return v;
}

const kam_account_view *kam_host_account(kam_run *r, size_t index)
{
	if (!r || index >= r->n)
		return NULL;
	return r->no_views ? view_made(r, index) : &acc_at(r, index)->view;
}

int kam_host_account_text(kam_run *r, size_t index, int field, kam_text *out)
{
	if (!r || index >= r->n || !out || field < KAM_FIELD_ID || field > KAM_FIELD_OWNER)
		return KAM_EINVAL;
	const run_account *a = acc_at(r, index);
	if (r->no_views && field != KAM_FIELD_NAME && field != KAM_FIELD_INDUSTRY) {
		const run_keys *k = &a->keys;
		if (field == KAM_FIELD_ID)
			*out = k->id;
		else if (field == KAM_FIELD_OWNER)
			*out = k->owner;
		else
			*out = k->region;
		return out->len ? 0 : KAM_ENOTFOUND;
	}
	const kam_account_view *v = r->no_views ? view_made(r, index) : &a->view;
	if (!v)
		return r->err;
	switch (field) {
	case KAM_FIELD_ID: *out = v->id; break;
	case KAM_FIELD_NAME: *out = v->name; break;
	case KAM_FIELD_REGION: *out = v->region; break;
	case KAM_FIELD_INDUSTRY: *out = v->industry; break;
	default: *out = v->owner; break;
	}
	return out->len ? 0 : KAM_ENOTFOUND;
}

int kam_host_account_number(kam_run *r, size_t index, int field, int64_t *out)
{
	if (!r || index >= r->n || !out || field <= KAM_FIELD_OWNER || field > KAM_FIELD_CREATED)
		return KAM_EINVAL;
	const run_account *a = acc_at(r, index);
	if (r->no_views && (field == KAM_FIELD_CHANNEL || field == KAM_FIELD_CREATED)) {
		*out = field == KAM_FIELD_CHANNEL ? a->keys.channel : a->keys.created;
		return *out == (field == KAM_FIELD_CHANNEL ? 0 : KAM_NO_DAY) ? KAM_ENOTFOUND : 0;
	}
	const kam_account_view *v = r->no_views ? view_made(r, index) : &a->view;
	if (!v)
		return r->err;
	uint32_t bit = 0;
	switch (field) {
	case KAM_FIELD_CHANNEL: *out = v->channel; return v->channel ? 0 : KAM_ENOTFOUND;
	case KAM_FIELD_STAGE: *out = v->stage; return v->stage ? 0 : KAM_ENOTFOUND;
	case KAM_FIELD_CREATED: *out = v->created; return v->created != KAM_NO_DAY ? 0 : KAM_ENOTFOUND;
	case KAM_FIELD_EMPLOYEES: *out = v->employees; bit = KAM_VIEW_EMPLOYEES; break;
	case KAM_FIELD_NET_ASSETS: *out = v->net_assets; bit = KAM_VIEW_NET_ASSETS; break;
	case KAM_FIELD_ANNUAL_REVENUE: *out = v->annual_revenue; bit = KAM_VIEW_ANNUAL_REVENUE; break;
	default: *out = v->wallet; bit = KAM_VIEW_WALLET; break;
	}
	return v->present & bit ? 0 : KAM_ENOTFOUND;
}

int kam_host_account_attr(kam_run *r, size_t index, const char *name, kam_text *out)
{
	if (!r || !name || !out || index >= r->n)
		return KAM_EINVAL;
	kam_str cur = acc_at(r, index)->attrs, key, value;
	size_t len = strlen(name);
	int rc;
	while ((rc = kam_attr_next(&cur, &key, &value)) > 0) {
		if (key.len == len && memcmp(key.ptr, name, len) == 0) {
			*out = (kam_text){ value.len ? value.ptr : "", value.len };
			return 0;
		}
	}
	if (rc < 0) {
		kam_text id = acc_id(r, acc_at(r, index));
		return run_fail(r, rc, "reading the attributes of account %.*s: %s", (int)id.len,
				id.ptr, kam_strerror(rc));
	}
	return KAM_ENOTFOUND;
}

/* Opens a facts reader on first use; the failure fails the run. */
static int facts_ready(kam_run *r, kam_kind kind, kam_facts **f)
{
	if (*f)
		return 0;
	int rc = kam_facts_open(r->txn, kind, f);
	if (rc)
		return run_fail(r, rc, "opening the %s index: %s",
				kind == KAM_ORDER ? "orders" : "interactions", kam_strerror(rc));
	return 0;
}

static inline kam_text text_of(kam_str s)
{
	return (kam_text){ s.len ? s.ptr : "", s.len };
}

/* Reads the window of account `index`'s facts for orders() and interactions(). */
static int facts_of(kam_run *r, kam_kind kind, size_t index, int32_t from, int32_t to,
		    kam_facts_window *w)
{
	kam_facts **f = kind == KAM_ORDER ? &r->ofacts : &r->ifacts;
	w->lo = w->hi = 0;
	if (index >= r->n)
		return KAM_EINVAL;
	if (from > to)
		return 0;
	int rc = facts_ready(r, kind, f);
	if (rc)
		return rc;
	kam_text id = acc_id(r, acc_at(r, index));
	rc = kam_facts_columns(*f, (kam_str){ id.ptr, (uint32_t)id.len }, from, to, w);
	if (rc < 0) {
		w->lo = w->hi = 0;
		return run_fail(r, rc, "reading the %s of account %.*s: %s",
				kind == KAM_ORDER ? "orders" : "interactions", (int)id.len, id.ptr,
				kam_strerror(rc));
	}
	return 0;
}

/* Whether runs may use helper threads: KAM_RUN_THREADS=0 keeps a run on its thread (tests). */
static bool run_threads(void)
{
	const char *e = getenv("KAM_RUN_THREADS");
	return !e || strcmp(e, "0") != 0;
}

/* The helpers' transaction; NULL (no helpers) in a write transaction or without threads. */
static kam_txn *run_twin(kam_run *r)
{
	if (!r->twin_tried) {
		r->twin_tried = 1;
		if (!run_threads() || kam_txn_twin(r->txn, &r->twin))
			r->twin = NULL;
	}
	return r->twin;
}

/* ---- orders and interactions read ahead (see struct ahead) ---- */

/* The views of a window of an account's orders or interactions, straight from its columns. */
static void order_views(kam_order_view *v, const kam_facts_window *w)
{
	kam_col_order_views(&w->cols, w->lo, w->hi, w->ids, v);
}

static void interaction_views(kam_interaction_view *v, const kam_facts_window *w)
{
	kam_col_interaction_views(&w->cols, w->lo, w->hi, w->ids, v);
}

/* Reads block b into its slot; returns 0 or a negative code. */
static int ahead_fill(ahead *a, kam_facts *f, ahead_slot *sl, size_t b)
{
	size_t lo = a->start + b * AHEAD_BLOCK, hi = lo + AHEAD_BLOCK, used = 0;
	if (hi > a->n)
		hi = a->n;
	for (size_t i = lo; i < hi; i++) {
		kam_text id = acc_id(a->run, acc_at(a->run, i));
		kam_facts_window w;
		int rc = kam_facts_columns(f, (kam_str){ id.ptr, (uint32_t)id.len }, a->from, a->to,
					   &w);
		if (rc < 0)
			return rc;
		size_t cnt = w.hi - w.lo;
		if (used + cnt > sl->cap) {
			size_t cap = sl->cap ? sl->cap : 4 * AHEAD_BLOCK;
			while (cap < used + cnt)
				cap *= 2;
			void *p = realloc(sl->rows, cap * a->size);
			if (!p)
				return KAM_ENOMEM;
			sl->rows = p;
			sl->cap = cap;
		}
		sl->first[i - lo] = used;
		if (a->kind == KAM_ORDER)
			order_views((kam_order_view *)sl->rows + used, &w);
		else
			interaction_views((kam_interaction_view *)sl->rows + used, &w);
		used += cnt;
	}
	sl->first[hi - lo] = used;
	return 0;
}

/*
 * Takes the next block (a->taken) and reads it into its slot with facts reader f, outside the
 * lock; a block that failed is given up (the host reads it directly, and reports the failure).
 * Called and returns with a->lock held; returns ahead_fill's code.
 */
static int ahead_take(ahead *a, kam_facts *f)
{
	size_t b = a->taken++;
	ahead_slot *sl = &a->slots[b % AHEAD_SLOTS];
	sl->block = b;
	sl->ready = 0;
	pthread_mutex_unlock(&a->lock);
	int rc = ahead_fill(a, f, sl, b);
	pthread_mutex_lock(&a->lock);
	sl->ready = !rc;
	if (rc)
		sl->block = SIZE_MAX;
	pthread_cond_broadcast(&a->cond);
	return rc;
}

/* The helper takes block b when the slot it needs is free: at most AHEAD_SLOTS - 1 blocks ahead. */
static void *ahead_main(void *arg)
{
	ahead *a = arg;
	kam_facts *f;
	int rc = kam_facts_open(a->txn, a->kind, &f);
	pthread_mutex_lock(&a->lock);
	while (!rc && !a->stop && a->taken < a->nblocks) {
		if (a->taken >= a->in_use + AHEAD_SLOTS)
			pthread_cond_wait(&a->cond, &a->lock);
		else
			rc = ahead_take(a, f);
	}
	a->ended = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	kam_facts_close(f); /* NULL when it did not open */
	return NULL;
}

/* Starts the helper for the accounts from `index` on; on any failure it stays off. */
static void ahead_start(kam_run *r, kam_kind kind, size_t index, int32_t from, int32_t to)
{
	ahead *a = &r->ah;
	a->state = AHEAD_OFF;
	if (r->n - index < AHEAD_MIN_ACCOUNTS)
		return;
	a->kind = kind;
	a->size = kind == KAM_ORDER ? sizeof(kam_order_view) : sizeof(kam_interaction_view);
	a->start = index;
	a->n = r->n;
	a->from = from;
	a->to = to;
	a->run = r;
	a->in_use = a->seen = 0;
	a->seen_mine = a->seen_ready = 0;
	a->nblocks = (r->n - index + AHEAD_BLOCK - 1) / AHEAD_BLOCK;
	a->taken = 1; /* the model is at block 0 already: the host reads it */
	a->slots = calloc(AHEAD_SLOTS, sizeof(*a->slots));
	if (!a->slots || !(a->txn = run_twin(r)))
		return;
	for (size_t i = 0; i < AHEAD_SLOTS; i++)
		a->slots[i].block = SIZE_MAX;
	if (pthread_mutex_init(&a->lock, NULL))
		goto fail;
	if (pthread_cond_init(&a->cond, NULL)) {
		pthread_mutex_destroy(&a->lock);
		goto fail;
	}
	if (pthread_create(&a->thread, NULL, ahead_main, a)) {
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
		goto fail;
	}
	a->state = AHEAD_ON;
	return;
fail:
	a->txn = NULL;
}

/*
 * Instead of waiting for the helper, the model's thread reads the next free block into its slot
 * as the helper would; returns 0 when there is none. Called and returns with a->lock held.
 */
static int ahead_help(kam_run *r, ahead *a)
{
	kam_facts **f = a->kind == KAM_ORDER ? &r->ofacts : &r->ifacts;
	if (a->taken >= a->nblocks || a->taken >= a->in_use + AHEAD_SLOTS ||
	    (!*f && kam_facts_open(r->txn, a->kind, f)))
		return 0;
	ahead_take(a, *f);
	return 1;
}

/*
 * Serves the facts of `kind` of account `index` from the helper when it reads them: returns 1
 * with *out (views of that kind) and *count set, or 0 when the caller must read them itself.
 */
static int ahead_serve(kam_run *r, kam_kind kind, size_t index, int32_t from, int32_t to,
		       const void **out, size_t *count)
{
	ahead *a = &r->ah;
	if (a->state == AHEAD_IDLE)
		ahead_start(r, kind, index, from, to);
	if (a->state != AHEAD_ON || index < a->start)
		return 0;
	size_t b = (index - a->start) / AHEAD_BLOCK;
	ahead_slot *sl = &a->slots[b % AHEAD_SLOTS];
	int mine = kind == a->kind && from == a->from && to == a->to;
	/*
	 * Within the block of the previous request nothing can change under us (the helper reuses
	 * only slots of blocks before it): no need to lock for every account.
	 */
	if (b != a->seen || (mine && !a->seen_mine)) {
		pthread_mutex_lock(&a->lock);
		/* The rows given for the previous request are no longer needed: its slot may go. */
		if (b != a->in_use) {
			a->in_use = b;
			pthread_cond_broadcast(&a->cond);
		}
		if (mine && b >= a->taken)
			a->taken = b + 1; /* nobody has it: the host reads it */
		while (mine && sl->block == b && !sl->ready && !a->ended)
			if (!ahead_help(r, a))
				pthread_cond_wait(&a->cond, &a->lock);
		a->seen = b;
		a->seen_mine = mine;
		a->seen_ready = mine && sl->block == b && sl->ready;
		pthread_mutex_unlock(&a->lock);
	}
	if (!mine || !a->seen_ready)
		return 0;
	size_t k = index - a->start - b * AHEAD_BLOCK;
	*out = (const char *)sl->rows + a->size * sl->first[k];
	*count = sl->first[k + 1] - sl->first[k];
	return 1;
}

static void ahead_end(ahead *a)
{
	if (a->state == AHEAD_ON) {
		pthread_mutex_lock(&a->lock);
		a->stop = 1;
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
	}
	for (size_t i = 0; a->slots && i < AHEAD_SLOTS; i++)
		free(a->slots[i].rows);
	free(a->slots);
	memset(a, 0, sizeof(*a));
}

int kam_host_orders(kam_run *r, size_t index, int32_t from_day, int32_t to_day,
		    const kam_order_view **out, size_t *count)
{
	const void *rows;
	if (!r || !out || !count)
		return KAM_EINVAL;
	*out = r->ov;
	*count = 0;
	if (index < r->n && from_day <= to_day &&
	    ahead_serve(r, KAM_ORDER, index, from_day, to_day, &rows, count)) {
		*out = rows;
		return 0;
	}
	kam_facts_window w;
	int rc = facts_of(r, KAM_ORDER, index, from_day, to_day, &w);
	size_t n = w.hi - w.lo;
	if (rc || n == 0)
		return rc;
	if (kam_grow((void **)&r->ov, &r->ovcap, n, sizeof(*r->ov)))
		return run_fail(r, KAM_ENOMEM, "out of memory for %zu orders", n);
	order_views(r->ov, &w);
	*out = r->ov;
	*count = n;
	return 0;
}

int kam_host_interactions(kam_run *r, size_t index, int32_t from_day, int32_t to_day,
			  const kam_interaction_view **out, size_t *count)
{
	const void *rows;
	if (!r || !out || !count)
		return KAM_EINVAL;
	*out = r->iv;
	*count = 0;
	if (index < r->n && from_day <= to_day &&
	    ahead_serve(r, KAM_INTERACTION, index, from_day, to_day, &rows, count)) {
		*out = rows;
		return 0;
	}
	kam_facts_window w;
	int rc = facts_of(r, KAM_INTERACTION, index, from_day, to_day, &w);
	size_t n = w.hi - w.lo;
	if (rc || n == 0)
		return rc;
	if (kam_grow((void **)&r->iv, &r->ivcap, n, sizeof(*r->iv)))
		return run_fail(r, KAM_ENOMEM, "out of memory for %zu interactions", n);
	interaction_views(r->iv, &w);
	*out = r->iv;
	*count = n;
	return 0;
}

int kam_host_set_tier(kam_run *r, size_t index, char tier, double score)
{
	if (!r || index >= r->n || (tier != 'A' && tier != 'B' && tier != 'C'))
		return KAM_EINVAL;
	run_account *a = acc_at(r, index);
	a->tier = tier;
	a->score = score;
	return 0;
}

/* A new item of account `index` at the end of l; NULL when out of memory (the run fails). */
static void *acc_list_push(kam_run *r, acc_list *l, size_t index)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		/*
		 * Models add about as many items to every account: size the list for all of them
		 * from what the first accounts had, instead of copying it again at each doubling.
		 */
		size_t seen = l->n ? (size_t)l->acc[l->n - 1] + 1 : 0;
		if (seen && seen < r->n && l->n / seen < 64) {
			size_t est = (l->n + seen - 1) / seen * r->n + r->n / 16;
			if (est > cap)
				cap = est;
		}
		prefault_join(&l->pf);
		void *items = realloc(l->items, cap * l->size);
		if (items)
			l->items = items;
		uint32_t *acc = items ? realloc(l->acc, cap * sizeof(*acc)) : NULL;
		if (!acc) {
			run_fail(r, KAM_ENOMEM, "out of memory for %zu results", cap);
			return NULL;
		}
		l->acc = acc;
		l->cap = cap;
		kam_advise_huge(items);
		kam_advise_huge(acc);
		if ((cap - l->n) * l->size >= PREFAULT_MIN && run_threads()) {
			prefault_range(&l->pf, 0, (char *)items + l->n * l->size, (cap - l->n) * l->size);
			prefault_range(&l->pf, 1, acc + l->n, (cap - l->n) * sizeof(*acc));
			l->pf.on = !pthread_create(&l->pf.th, NULL, prefault_main, &l->pf);
		}
	}
	l->acc[l->n] = (uint32_t)index;
	return (char *)l->items + l->size * l->n++;
}

/* Whether s is a copy kam_host_intern gave: texts nobody changes, taken as they are. */
static int host_copy(const kam_run *r, const char *s)
{
	const struct recent_name *seen = &r->recent[((uintptr_t)s >> 3) % RECENT_NAMES];
	return seen->in == s && seen->out == s;
}

/* The shared copy of a name or slug; NULL for NULL. Sets *oom when out of memory. */
static const char *run_intern(kam_run *r, const char *s, int *oom)
{
	if (!s)
		return NULL;
	if (host_copy(r, s))
		return s;
	/*
	 * Models pass the same few names for every account, mostly as the same pointers (a dozen
	 * or more per account for value models): a text seen at that address before, and still
	 * equal, needs no hashing. The slot comes from the address, so a lookup is one compare.
	 */
	struct recent_name *seen = &r->recent[((uintptr_t)s >> 3) % RECENT_NAMES];
	if (seen->in == s) {
		const char *out = seen->out;
		size_t k = 0;
		while (out[k] && out[k] == s[k])
			k++;
		if (out[k] == s[k])
			return out;
	}
	const char *p = intern_get(&r->names, r->mem, s, strlen(s));
	if (!p) {
		*oom = run_fail(r, KAM_ENOMEM, "out of memory for result text");
		return NULL;
	}
	*seen = (struct recent_name){ s, p };
	return p;
}

const char *kam_host_intern(kam_run *r, const char *text)
{
	int oom = 0;
	const char *copy = r && text ? run_intern(r, text, &oom) : NULL;
	if (copy) /* known from the start, as a name or as a note */
		r->recent[((uintptr_t)copy >> 3) % RECENT_NAMES] = (struct recent_name){ copy, copy };
	return copy;
}

int kam_host_add_factor(kam_run *r, size_t index, const char *name, double value,
			const char *note)
{
	int oom = 0;
	if (!r || index >= r->n || !name || !*name)
		return KAM_EINVAL;
	const char *iname = run_intern(r, name, &oom);
	char *inote = !note || host_copy(r, note) ? (char *)note
						 : arena_strndup(r->mem, note, strlen(note));
	if (oom || (note && !inote))
		return run_fail(r, KAM_ENOMEM, "out of memory for factors");
	kam_factor *f = acc_list_push(r, &r->factors, index);
	if (!f)
		return KAM_ENOMEM;
	*f = (kam_factor){ (char *)iname, value, inote };
	return 0;
}

char kam_host_tier(kam_run *r, size_t index)
{
	if (!r || index >= r->n)
		return 0;
	run_account *a = acc_at(r, index);
	if (!a->tier_known) {
		char t = r->spec->tier_of ? r->spec->tier_of(r->spec->tier_ctx, index, acc_id(r, a))
					  : 0;
		a->tier_in = t == 'A' || t == 'B' || t == 'C' ? t : 0;
		a->tier_known = 1;
	}
	return a->tier_in;
}

int kam_host_add_action(kam_run *r, size_t index, const char *action, int32_t due_day,
			int32_t last_day, double per_year, const char *detail)
{
	int oom = 0;
	if (!r || index >= r->n || !action || !*action || due_day == KAM_NO_DAY)
		return KAM_EINVAL;
	const char *iaction = run_intern(r, action, &oom);
	const char *idetail = run_intern(r, detail, &oom);
	if (oom)
		return KAM_ENOMEM;
	kam_action *a = acc_list_push(r, &r->actions, index);
	if (!a)
		return KAM_ENOMEM;
	*a = (kam_action){ (char *)iaction, due_day, last_day, per_year, (char *)idetail };
	return 0;
}

int kam_host_set_value(kam_run *r, size_t index, double value, const char *recommendation)
{
	int oom = 0;
	if (!r || index >= r->n)
		return KAM_EINVAL;
	const char *rec = run_intern(r, recommendation, &oom);
	if (oom)
		return KAM_ENOMEM;
	run_account *a = acc_at(r, index);
	a->value = value;
	a->recommendation = rec;
	a->has_value = 1;
	return 0;
}

int kam_host_add_metric(kam_run *r, size_t index, const char *name, double value)
{
	int oom = 0;
	if (!r || index >= r->n || !name || !*name)
		return KAM_EINVAL;
	const char *iname = run_intern(r, name, &oom);
	if (oom)
		return KAM_ENOMEM;
	kam_factor *m = acc_list_push(r, &r->metrics, index);
	if (!m)
		return KAM_ENOMEM;
	*m = (kam_factor){ (char *)iname, value, NULL };
	return 0;
}

int32_t kam_host_add_months(int32_t day, int months)
{
	return kam_day_add_months(day, months);
}

void kam_host_civil(int32_t day, int *year, int *month, int *mday)
{
	int y;
	unsigned m, d;
	kam_civil_from_days(day, &y, &m, &d);
	if (year)
		*year = y;
	if (month)
		*month = (int)m;
	if (mday)
		*mday = (int)d;
}

/* ---- the run ---- */

static void view_fill(kam_account_view *v, const kam_account *a, const kam_rollup *ro)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->present = (KAM_HAS(a, KAM_A_EMPLOYEES) ? KAM_VIEW_EMPLOYEES : 0) |
		     (KAM_HAS(a, KAM_A_NET_ASSETS) ? KAM_VIEW_NET_ASSETS : 0) |
		     (KAM_HAS(a, KAM_A_ANNUAL_REVENUE) ? KAM_VIEW_ANNUAL_REVENUE : 0) |
		     (KAM_HAS(a, KAM_A_WALLET) ? KAM_VIEW_WALLET : 0);
	v->id = text_of(a->id);
	v->name = text_of(a->name);
	v->region = text_of(KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ 0 });
	v->industry = text_of(KAM_HAS(a, KAM_A_INDUSTRY) ? a->industry : (kam_str){ 0 });
	v->owner = text_of(KAM_HAS(a, KAM_A_OWNER) ? a->owner : (kam_str){ 0 });
	v->channel = KAM_HAS(a, KAM_A_CHANNEL) ? a->channel : 0;
	v->stage = KAM_HAS(a, KAM_A_STAGE) ? a->stage : 0;
	v->employees = (v->present & KAM_VIEW_EMPLOYEES) ? a->employees : 0;
	v->net_assets = (v->present & KAM_VIEW_NET_ASSETS) ? a->net_assets : 0;
	v->annual_revenue = (v->present & KAM_VIEW_ANNUAL_REVENUE) ? a->annual_revenue : 0;
	v->wallet = (v->present & KAM_VIEW_WALLET) ? a->wallet : 0;
	v->created = KAM_HAS(a, KAM_A_CREATED) ? a->created.day : KAM_NO_DAY;
	if (!ro) {
		v->first_order = v->last_order = KAM_NO_DAY;
		v->last_call = v->last_visit = v->last_interaction = KAM_NO_DAY;
		return;
	}
	v->present |= KAM_VIEW_ROLLUP;
	v->order_count = ro->order_count;
	v->interaction_count = ro->interaction_count;
	v->first_order = ro->first_order.day;
	v->last_order = ro->last_order.day;
	v->last_call = ro->last_call.day;
	v->last_visit = ro->last_visit.day;
	v->last_interaction = ro->last_interaction.day;
	v->revenue = ro->revenue;
	v->profit = ro->profit;
	v->minutes = ro->minutes;
}

/*
 * An account's region, interned when its record is read (its text is in the cache then, and
 * would not be when the results are built). Regions are few and repeat from one account to the
 * next, so a slot of the loading thread's `recent`, chosen by the text's length and end bytes
 * and compared whole, spares most accounts the hashing and the lock; NULL when out of memory.
 */
static const char *region_intern(kam_run *r, kam_str *recent, kam_str text)
{
	kam_str *seen = &recent[kam_recent_slot(text, RECENT_REGIONS)];
	if (seen->ptr && kam_str_eq(*seen, text))
		return seen->ptr;
	pthread_mutex_lock(&r->names_lock);
	const char *in = intern_get(&r->names, r->mem, text.ptr, text.len);
	pthread_mutex_unlock(&r->names_lock);
	if (in)
		*seen = (kam_str){ in, text.len };
	return in;
}

/*
 * An account's run record, its region interned (recent: region_intern's) and its id copied into
 * mem while the record is in the cache: the results take both from the view, and reading them
 * there from records long gone from the cache was most of the building of a million results.
 * 0 or KAM_ENOMEM.
 */
static int account_init(kam_run *r, kam_str *recent, struct kam_run_mem *mem, run_account *ra,
			const kam_account *a, const kam_rollup *ro)
{
	kam_str region = KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
	const char *in = region_intern(r, recent, region);
	char *id = in ? arena_strndup(mem, a->id.ptr, a->id.len) : NULL;
	if (!id)
		return KAM_ENOMEM;
	if (r->no_views) {
		ra->keys = (run_keys){
			.id = { id, a->id.len },
			.region = { in, region.len },
			.owner = text_of(KAM_HAS(a, KAM_A_OWNER) ? a->owner : (kam_str){ 0 }),
			.created = KAM_HAS(a, KAM_A_CREATED) ? a->created.day : KAM_NO_DAY,
			.channel = KAM_HAS(a, KAM_A_CHANNEL) ? a->channel : 0,
		};
	} else {
		view_fill(&ra->view, a, ro);
		ra->view.region.ptr = in;
		ra->view.id.ptr = id;
	}
	ra->attrs = a->rec.nattrs ? a->rec.attrs : (kam_str){ 0 };
	ra->tier = ra->tier_in = ra->tier_known = ra->has_value = 0;
	ra->score = ra->value = 0;
	ra->recommendation = NULL;
	return 0;
}

/* The rollup of the account a cursor just read, into *ro; not read when the model omits it. */
static int account_rollup(int no_rollup, kam_cursor *cur, kam_rollup *ro)
{
	return no_rollup ? 0 : kam_cursor_rollup(cur, ro);
}

/* Appends an account the filter kept, with its rollup (or NULL); 0 or a negative code (err says). */
static int account_keep(kam_run *r, const kam_account *a, const kam_rollup *ro, char *err,
			size_t errlen)
{
	if (r->n == UINT32_MAX) {
		snprintf(err, errlen, "more than %u accounts in one run", UINT32_MAX);
		return KAM_ELIMIT;
	}
	if (kam_grow((void **)&r->acc, &r->cap, r->n + 1, r->stride)) {
		snprintf(err, errlen, "out of memory for %zu accounts", r->n + 1);
		return KAM_ENOMEM;
	}
	if (account_init(r, r->recent_regions, r->ids_mem ? r->ids_mem : r->mem, acc_at(r, r->n), a,
			 ro)) {
		snprintf(err, errlen, "out of memory for %zu accounts", r->n + 1);
		return KAM_ENOMEM;
	}
	r->n++;
	return 0;
}

/*
 * kept for the account just kept (the last of the run's array), given the account with the id
 * of its view (the run's copy, which the results show too).
 */
static int account_noted(kam_run *r, const kam_run_spec *spec, kam_account *a, char *err,
			 size_t errlen)
{
	if (!spec->kept)
		return 0;
	a->id.ptr = acc_id(r, acc_at(r, r->n - 1)).ptr;
	int rc = spec->kept(spec->filter_ctx, a);
	if (rc)
		snprintf(err, errlen, "noting account %.*s: %s", (int)a->id.len, a->id.ptr,
			 kam_strerror(rc));
	return rc;
}

/* account_keep for a loader that keeps accounts in id order on the run's thread, then kept. */
static int account_take(kam_run *r, const kam_run_spec *spec, kam_account *a,
			const kam_rollup *ro, char *err, size_t errlen)
{
	int rc = account_keep(r, a, ro, err, errlen);
	return rc ? rc : account_noted(r, spec, a, err, errlen);
}

/* account_take of an account whose view the pipe's helper built, at the next place. */
static int account_built(kam_run *r, const kam_run_spec *spec, kam_account *a, char *err,
			 size_t errlen)
{
	r->n++;
	return account_noted(r, spec, a, err, errlen);
}

static int accounts_load_one(kam_run *r, const kam_run_spec *spec, char *err, size_t errlen)
{
	kam_cursor *cur;
	kam_account a;
	int rc = kam_cursor_open(r->txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN,
				 INT32_MAX, &cur);
	if (rc) {
		snprintf(err, errlen, "reading accounts: %s", kam_strerror(rc));
		return rc;
	}
	while ((rc = kam_cursor_next(cur, &a)) > 0) {
		if (spec->filter && !spec->filter(spec->filter_ctx, &a))
			continue;
		kam_rollup ro;
		if ((rc = account_rollup(r->no_rollup, cur, &ro))) {
			snprintf(err, errlen, "reading the rollup of account %.*s: %s", (int)a.id.len,
				 a.id.ptr, kam_strerror(rc));
			break;
		}
		if ((rc = account_take(r, spec, &a, r->no_rollup ? NULL : &ro, err, errlen)))
			break;
	}
	if (rc < 0 && !*err)
		snprintf(err, errlen, "reading accounts: %s", kam_strerror(rc));
	kam_cursor_close(cur);
	return rc < 0 ? rc : 0;
}

/*
 * Loading a large book with two threads: this one reads accounts from the first id up while a
 * helper reads them from the last id down, each with its rollups; they take accounts in batches
 * from a shared count, so they stop where they meet, having read each account once. This one
 * puts what it keeps at the front of the array, the helper at the back (in id order too), and
 * the back part then moves up to close the gap.
 */
#define LOAD_MIN_ACCOUNTS 50000 /* fewer: not worth a thread */
#define LOAD_BATCH 256

typedef struct load_share {
	kam_run *r;
	const kam_run_spec *spec;
	size_t total;
	_Atomic size_t claimed; /* accounts taken by either side */
	_Atomic int stop;       /* a side failed */
} load_share;

typedef struct load_side {
	load_share *sh;
	kam_txn *txn;
	struct kam_run_mem *mem; /* where the side copies ids */
	int desc;     /* the helper: from the last id down */
	kam_str recent[RECENT_REGIONS]; /* its region_intern cache */
	size_t kept;  /* accounts kept (the helper's end at total - kept) */
	int rc;
	char err[300];
} load_side;

/* Takes up to `want` accounts; returns how many (0: none left, or stop). */
static size_t load_claim(load_share *sh, size_t want)
{
	if (atomic_load(&sh->stop))
		return 0;
	size_t old = atomic_fetch_add(&sh->claimed, want);
	if (old >= sh->total)
		return 0;
	return sh->total - old < want ? sh->total - old : want;
}

static void *load_side_run(void *arg)
{
	load_side *ls = arg;
	load_share *sh = ls->sh;
	kam_cursor *cur;
	kam_account a;
	kam_rollup ro;
	size_t got;
	int rc = kam_cursor_open(ls->txn, KAM_ACCOUNT, ls->desc ? KAM_SCAN_ALL_DESC : KAM_SCAN_ALL,
				 (kam_str){ 0 }, INT32_MIN, INT32_MAX, &cur);
	if (rc)
		snprintf(ls->err, sizeof(ls->err), "reading accounts: %s", kam_strerror(rc));
	while (!rc && (got = load_claim(sh, LOAD_BATCH)) > 0) {
		for (size_t j = 0; !rc && j < got; j++) {
			rc = kam_cursor_next(cur, &a);
			if (rc <= 0) {
				/* the count said there were more: the database disagrees with itself */
				rc = rc ? rc : KAM_ECORRUPT;
				snprintf(ls->err, sizeof(ls->err), "reading accounts: %s",
					 kam_strerror(rc));
				break;
			}
			rc = 0;
			if (sh->spec->filter && !sh->spec->filter(sh->spec->filter_ctx, &a))
				continue;
			if ((rc = account_rollup(sh->r->no_rollup, cur, &ro))) {
				snprintf(ls->err, sizeof(ls->err),
					 "reading the rollup of account %.*s: %s", (int)a.id.len,
					 a.id.ptr, kam_strerror(rc));
				break;
			}
			size_t at = ls->desc ? sh->total - 1 - ls->kept : ls->kept;
			if ((rc = account_init(sh->r, ls->recent, ls->mem, acc_at(sh->r, at), &a,
					       sh->r->no_rollup ? NULL : &ro))) {
				snprintf(ls->err, sizeof(ls->err), "out of memory for %zu accounts",
					 ls->kept + 1);
				break;
			}
			ls->kept++;
		}
	}
	if (rc)
		atomic_store(&sh->stop, 1);
	kam_cursor_close(cur);
	ls->rc = rc;
	return NULL;
}

/* Returns 1 when it loaded (or failed: *rc says), 0 when it could not start its helper. */
static int accounts_load_two(kam_run *r, const kam_run_spec *spec, size_t total, char *err,
			     size_t errlen, int *rc)
{
	load_share sh = { .r = r, .spec = spec, .total = total };
	/* each side copies ids into an arena of its own: r->mem is region_intern's meanwhile */
	struct kam_run_mem my_mem = { 0 }, helper_mem = { 0 };
	load_side me = { .sh = &sh, .txn = r->txn, .mem = &my_mem },
		  helper = { .sh = &sh, .mem = &helper_mem, .desc = 1 };
	pthread_t th;
	if (!(r->acc = malloc(sh.total * r->stride)))
		return 0;
	kam_advise_huge(r->acc);
	r->cap = sh.total;
	helper.txn = r->twin;
	if (pthread_create(&th, NULL, load_side_run, &helper)) {
		free(r->acc);
		r->acc = NULL;
		r->cap = 0;
		return 0;
	}
	load_side_run(&me);
	pthread_join(th, NULL);
	arena_adopt(r->mem, &my_mem);
	arena_adopt(r->mem, &helper_mem);
	*rc = me.rc ? me.rc : helper.rc;
	if (*rc) {
		snprintf(err, errlen, "%s", me.rc ? me.err : helper.err);
		return 1;
	}
	if (me.kept + helper.kept < sh.total)
		memmove(acc_at(r, me.kept), acc_at(r, sh.total - helper.kept),
			helper.kept * r->stride);
	r->n = me.kept + helper.kept;
	return 1;
}

/*
 * Loading a large book in id order, for a filter that may not run on a helper or a spec with
 * kept: a helper reads the accounts and their rollups, in id order on a twin transaction, into
 * a small ring of blocks, while this thread builds the views of those the filter keeps and
 * calls kept. The filter runs on the helper when it may (KAM_FILTER_ANYWHERE; the helper then
 * reads only the rollups of the accounts kept), else here. The records stay in the map, so an
 * account read by the helper is as good as one read here. A rollup that fails is a failure only
 * for an account the filter keeps, as when this thread reads alone.
 *
 * When the helper knows which accounts are kept (it filters, or nothing does), it also builds
 * the views of a block it reads while this thread has three blocks yet to take (so that after
 * it the helper would wait for room anyway), in the run's array made large enough for the whole
 * book. This thread, which calls kept for each (the agenda's tiers and owners), was the slower
 * end of the pipe when it built them all, and the helper when it built none or every other
 * block: left to the helper's lead, the share follows whatever kept and the filter cost.
 */
#define PIPE_BLOCK 4096 /* accounts: each handoff between the threads costs a wakeup */
#define PIPE_SLOTS 4

typedef struct pipe_slot {
	size_t n;
	kam_account a[PIPE_BLOCK];
	kam_rollup ro[PIPE_BLOCK];
	int ro_rc[PIPE_BLOCK];
	bool kept[PIPE_BLOCK]; /* false: the helper's filter left it out */
	bool built[PIPE_BLOCK]; /* the helper made its view, at the next place of the run's array */
} pipe_slot;

typedef struct load_pipe {
	kam_txn *txn;
	int no_rollup;
	const kam_run_spec *filter; /* the spec whose filter the helper runs, or NULL */
	/*
	 * The helper builds the views of the blocks it reads well ahead (this thread those of the
	 * others): into r->acc, where the kept account `next` goes, while there is room (cap).
	 */
	kam_run *build;
	size_t next, cap;
	struct kam_run_mem mem;          /* where the helper copies ids */
	kam_str recent[RECENT_REGIONS];  /* its region_intern cache */
	pipe_slot *slots;
	pthread_mutex_t lock;    /* guards what follows */
	pthread_cond_t cond;
	size_t produced, consumed; /* blocks */
	int ended, stop, rc;
	char err[300];
} load_pipe;

static void *pipe_main(void *arg)
{
	load_pipe *lp = arg;
	kam_cursor *cur = NULL;
	int rc = kam_cursor_open(lp->txn, KAM_ACCOUNT, KAM_SCAN_ALL, (kam_str){ 0 }, INT32_MIN,
				 INT32_MAX, &cur);
	int more = !rc;
	for (size_t b = 0; more; b++) {
		pthread_mutex_lock(&lp->lock);
		while (!lp->stop && b - lp->consumed >= PIPE_SLOTS)
			pthread_cond_wait(&lp->cond, &lp->lock);
		int stop = lp->stop;
		bool build = b - lp->consumed >= PIPE_SLOTS - 1; /* views too: see above */
		pthread_mutex_unlock(&lp->lock);
		if (stop)
			break;
		pipe_slot *sl = &lp->slots[b % PIPE_SLOTS];
		sl->n = 0;
		while (sl->n < PIPE_BLOCK) {
			if ((rc = kam_cursor_next(cur, &sl->a[sl->n])) <= 0) {
				more = 0;
				break;
			}
			rc = 0;
			const kam_run_spec *f = lp->filter;
			size_t j = sl->n++;
			sl->kept[j] = !f || f->filter(f->filter_ctx, &sl->a[j]);
			sl->ro_rc[j] = sl->kept[j] ? account_rollup(lp->no_rollup, cur, &sl->ro[j]) : 0;
			sl->built[j] = false;
			if (!sl->kept[j])
				continue;
			size_t k = lp->next++;
			if (lp->build && build && !sl->ro_rc[j] && k < lp->cap) {
				kam_run *r = lp->build;
				/* a failure (memory) leaves it to the run's thread, which reports it */
				sl->built[j] = !account_init(r, lp->recent, &lp->mem, acc_at(r, k), &sl->a[j],
							     lp->no_rollup ? NULL : &sl->ro[j]);
				if (!sl->built[j])
					lp->cap = 0; /* the rest by the run's thread */
			}
		}
		pthread_mutex_lock(&lp->lock);
		lp->produced = b + 1;
		pthread_cond_broadcast(&lp->cond);
		pthread_mutex_unlock(&lp->lock);
	}
	if (rc)
		snprintf(lp->err, sizeof(lp->err), "reading accounts: %s", kam_strerror(rc));
	if (cur)
		kam_cursor_close(cur);
	pthread_mutex_lock(&lp->lock);
	lp->rc = rc;
	lp->ended = 1;
	pthread_cond_broadcast(&lp->cond);
	pthread_mutex_unlock(&lp->lock);
	return NULL;
}

static int filter_on_helper(const kam_run_spec *spec)
{
	return spec->filter && spec->filter_threads == KAM_FILTER_ANYWHERE;
}

/* Filters and keeps the accounts of one block; returns 0 or a negative code (err says). */
static int pipe_take(kam_run *r, const kam_run_spec *spec, pipe_slot *sl, char *err,
		     size_t errlen)
{
	for (size_t j = 0; j < sl->n; j++) {
		kam_account *a = &sl->a[j];
		if (!sl->kept[j] || (spec->filter && !filter_on_helper(spec) &&
				     !spec->filter(spec->filter_ctx, a)))
			continue;
		if (sl->ro_rc[j]) {
			snprintf(err, errlen, "reading the rollup of account %.*s: %s", (int)a->id.len,
				 a->id.ptr, kam_strerror(sl->ro_rc[j]));
			return sl->ro_rc[j];
		}
		int rc = sl->built[j] ? account_built(r, spec, a, err, errlen)
				      : account_take(r, spec, a, r->no_rollup ? NULL : &sl->ro[j], err,
						     errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Returns 1 when it loaded (or failed: *rc says), 0 when it could not start its helper. */
static int accounts_load_pipe(kam_run *r, const kam_run_spec *spec, char *err, size_t errlen,
			      int *rc)
{
	load_pipe lp = { 0 };
	pthread_t th;
	lp.txn = r->twin;
	lp.no_rollup = r->no_rollup;
	lp.filter = filter_on_helper(spec) ? spec : NULL;
	struct kam_run_mem my_mem = { 0 };
	if (!spec->filter || lp.filter) {
		lp.build = r;
		lp.next = r->n;
		lp.cap = r->cap;
		r->ids_mem = &my_mem;
	}
	if (!(lp.slots = malloc(PIPE_SLOTS * sizeof(*lp.slots))))
		return 0;
	if (pthread_mutex_init(&lp.lock, NULL))
		goto no_thread;
	if (pthread_cond_init(&lp.cond, NULL)) {
		pthread_mutex_destroy(&lp.lock);
		goto no_thread;
	}
	if (pthread_create(&th, NULL, pipe_main, &lp)) {
		pthread_cond_destroy(&lp.cond);
		pthread_mutex_destroy(&lp.lock);
		goto no_thread;
	}
	*rc = 0;
	for (size_t b = 0; !*rc; b++) {
		pthread_mutex_lock(&lp.lock);
		while (lp.produced <= b && !lp.ended)
			pthread_cond_wait(&lp.cond, &lp.lock);
		int have = lp.produced > b;
		pthread_mutex_unlock(&lp.lock);
		if (!have)
			break;
		*rc = pipe_take(r, spec, &lp.slots[b % PIPE_SLOTS], err, errlen);
		pthread_mutex_lock(&lp.lock);
		lp.consumed = b + 1;
		lp.stop = *rc != 0;
		pthread_cond_broadcast(&lp.cond);
		pthread_mutex_unlock(&lp.lock);
	}
	pthread_join(th, NULL);
	arena_adopt(r->mem, &lp.mem);
	arena_adopt(r->mem, &my_mem);
	r->ids_mem = NULL;
	pthread_cond_destroy(&lp.cond);
	pthread_mutex_destroy(&lp.lock);
	free(lp.slots);
	if (!*rc && lp.rc) {
		*rc = lp.rc;
		snprintf(err, errlen, "%s", lp.err);
	}
	return 1;
no_thread:
	free(lp.slots);
	return 0;
}

/*
 * A large book is loaded by two threads, reading from both ends when the filter may run on
 * either and nothing is to be called in order (kept), else through the pipe; a helper reads on
 * a twin of the transaction, which a write transaction has not (its one thread reads its own
 * changes).
 */
static int accounts_load(kam_run *r, const kam_run_spec *spec, char *err, size_t errlen)
{
	int rc = 0;
	kam_store_stats st;
	uint64_t n = run_twin(r) && !kam_store_stats_get(r->txn, &st) ? st.records[KAM_ACCOUNT] : 0;
	if (n >= LOAD_MIN_ACCOUNTS) {
		if (!spec->kept && (!spec->filter || filter_on_helper(spec)) && n <= UINT32_MAX &&
		    accounts_load_two(r, spec, (size_t)n, err, errlen, &rc))
			return rc;
		/* room for every account at once: growing it on the way moves it, which stops the
		   helper too (the mapping changes under both threads) */
		if (n <= UINT32_MAX)
			kam_grow((void **)&r->acc, &r->cap, (size_t)n, r->stride); /* or grow later */
		if (accounts_load_pipe(r, spec, err, errlen, &rc))
			return rc;
	}
	return accounts_load_one(r, spec, err, errlen);
}

/*
 * Groups a list's items by account, keeping the order in which the model added them: on return
 * l->items holds account k's items at first[k] .. first[k + 1] - 1. Models usually add items
 * account by account, and then the array already is in that order.
 */
static int acc_list_group(acc_list *l, size_t naccounts, size_t *first)
{
	int sorted = 1;
	memset(first, 0, (naccounts + 1) * sizeof(*first));
	for (size_t i = 0; i < l->n; i++) {
		first[l->acc[i] + 1]++;
		if (i && l->acc[i] < l->acc[i - 1])
			sorted = 0;
	}
	for (size_t k = 0; k < naccounts; k++)
		first[k + 1] += first[k];
	if (sorted || l->n == 0)
		return 0;
	char *items = malloc(l->n * l->size);
	if (!items)
		return KAM_ENOMEM;
	kam_advise_huge(items);
	/* first[k] serves as account k's next free slot, then is moved back. */
	for (size_t i = 0; i < l->n; i++)
		memcpy(items + l->size * first[l->acc[i]]++, (char *)l->items + l->size * i, l->size);
	for (size_t k = naccounts; k > 0; k--)
		first[k] = first[k - 1];
	first[0] = 0;
	free(l->items);
	l->items = items;
	return 0;
}

/* Groups a list and hands its items to the results (field at `ptr_off`, count at `n_off`). */
static int acc_list_hand(acc_list *l, kam_result *res, size_t n, size_t *first, void **owner,
			 size_t ptr_off, size_t n_off)
{
	if (l->n == 0)
		return 0; /* the results have none already */
	if (acc_list_group(l, n, first))
		return KAM_ENOMEM;
	for (size_t k = 0; k < n; k++) {
		size_t cnt = first[k + 1] - first[k];
		void *p = cnt ? (char *)l->items + l->size * first[k] : NULL;
		memcpy((char *)&res[k] + ptr_off, &p, sizeof(p));
		memcpy((char *)&res[k] + n_off, &cnt, sizeof(cnt));
	}
	*owner = l->items;
	l->items = NULL;
	return 0;
}

/*
 * Builds the results in the memory of the accounts' array, which the run needs no longer: a
 * result is smaller than a run_account, so result k only covers accounts up to k, already
 * read; its tail holds the grouping's offsets meanwhile, and is given back at the end. A
 * million fresh results would otherwise cost some 25,000 page faults more.
 */
static int results_build(kam_run *r, kam_run_output *out)
{
	prefault_join(&r->factors.pf);
	prefault_join(&r->metrics.pf);
	prefault_join(&r->actions.pf);
	_Static_assert(STRIDE_MIN <= sizeof(run_account) && STRIDE_MIN <= KEYS_STRIDE,
		       "results and offsets fit where the accounts were");
	size_t n = r->n;
	if (!r->acc && !(r->acc = calloc(1, r->stride)))
		return KAM_ENOMEM;
	kam_result *res = (kam_result *)(void *)r->acc;
	size_t *first = (size_t *)(void *)(res + n); /* n + 1 of them, before the end of acc */
	for (size_t k = 0; k < n; k++) {
		const run_account *a = acc_at(r, k);
		kam_text id = acc_id(r, a);
		kam_result x = {
			.account_id = (char *)id.ptr,                 /* copied at loading, */
			.region = (char *)acc_region(r, a).ptr,       /* interned at loading */
			.tier = a->tier,
			.id_len = (uint8_t)id.len,
			.score = a->score,
			.has_value = a->has_value,
			.value = a->value,
			.recommendation = (char *)a->recommendation,
		};
		/*
		 * Over accounts up to k only, read already; result 0 lies over account 0 itself, so
		 * the copy is one that may alias it (memcpy), after every read of it.
		 */
		memcpy(&res[k], &x, sizeof(x));
	}
	int rc = acc_list_hand(&r->factors, res, n, first, &r->mem->factors,
				   offsetof(kam_result, factors), offsetof(kam_result, nfactors));
	if (!rc)
		rc = acc_list_hand(&r->metrics, res, n, first, &r->mem->metrics,
				   offsetof(kam_result, metrics), offsetof(kam_result, nmetrics));
	if (!rc)
		rc = acc_list_hand(&r->actions, res, n, first, &r->mem->actions,
				   offsetof(kam_result, actions), offsetof(kam_result, nactions));
	if (rc)
		return rc; /* run_free frees the array */
	/* The accounts' array is the results' now: give back its tail. */
	kam_result *shrunk = realloc(res, (n ? n : 1) * sizeof(*res));
	r->acc = NULL;
	r->cap = r->n = 0;
	out->results = shrunk ? shrunk : res;
	out->count = n;
	out->mem = r->mem;
	r->mem = NULL;
	return 0;
}

static void run_free(kam_run *r)
{
	ahead_end(&r->ah);
	kam_txn_abort(r->twin); /* after every helper has stopped */
	kam_facts_close(r->ofacts);
	kam_facts_close(r->ifacts);
	free(r->ov);
	free(r->iv);
	free(r->acc);
	free(r->views);
	free(r->params);
	free(r->names.slots);
	pthread_mutex_destroy(&r->names_lock);
	acc_list *lists[] = { &r->factors, &r->metrics, &r->actions };
	for (size_t i = 0; i < 3; i++) {
		prefault_join(&lists[i]->pf);
		free(lists[i]->items);
		free(lists[i]->acc);
	}
	mem_free(r->mem);
}

int kam_run_model(kam_txn *txn, const kam_run_spec *spec, kam_run_output *out)
{
	if (!out)
		return KAM_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!txn || !spec || !spec->model || !spec->model->desc) {
		snprintf(out->error, sizeof(out->error), "kam_run_model: no transaction or model");
		return KAM_EINVAL;
	}
	const kam_model *model = spec->model;
	kam_run r = {
		.txn = txn,
		.desc = model->desc,
		.as_of = spec->as_of,
		.spec = spec,
		.factors.size = sizeof(kam_factor),
		.metrics.size = sizeof(kam_factor),
		.actions.size = sizeof(kam_action),
		.names_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	const char *name = r.desc->name;
	uint32_t omit = KAM_PLUGIN_HAS(r.desc, omit) ? r.desc->omit : 0;
	r.no_rollup = (omit & KAM_OMIT_ROLLUP) != 0;
	r.no_views = r.no_rollup && (omit & KAM_OMIT_VIEWS);
	r.stride = r.no_views ? KEYS_STRIDE : sizeof(run_account);
	int rc = 0;
	if (!(r.mem = calloc(1, sizeof(*r.mem))))
		rc = KAM_ENOMEM;
	if (!rc)
		rc = params_resolve(&r, spec, out->error, sizeof(out->error));
	if (!rc)
		rc = accounts_load(&r, spec, out->error, sizeof(out->error));
	if (rc) {
		if (rc == KAM_ENOMEM && !out->error[0])
			snprintf(out->error, sizeof(out->error), "model %s: out of memory", name);
		run_free(&r);
		return rc;
	}
	const kam_plugin *prev = kam_host_enter(r.desc);
	kam_plugin_running = r.desc->name; /* named by the fatal-signal report if it crashes */
	int prc = r.desc->run(model->state, kam_host_services(), &r);
	kam_plugin_running = NULL;
	kam_host_enter(prev);
	ahead_end(&r.ah); /* it reads the accounts, which become the results */
	if (r.err) {
		/* The host failed under the model (which may have passed the code on): say what. */
		snprintf(out->error, sizeof(out->error), "model %.64s: %s", name, r.msg);
		rc = r.err;
	} else if (prc) {
		snprintf(out->error, sizeof(out->error), "model %s failed: %s", name,
			 kam_strerror(prc));
		rc = KAM_EPLUGIN;
	} else if (results_build(&r, out)) {
		snprintf(out->error, sizeof(out->error), "model %s: out of memory for results", name);
		rc = KAM_ENOMEM;
	}
	out->as_of = r.as_of;
	run_free(&r);
	return rc;
}

void kam_run_output_free(kam_run_output *out)
{
	if (!out)
		return;
	free(out->results);
	mem_free(out->mem);
	out->results = NULL;
	out->mem = NULL;
	out->count = 0;
}
