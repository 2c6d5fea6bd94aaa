/*
 * bgnbd.c - the BG/NBD model: sufficient statistics, likelihood, Nelder-Mead fit, and the
 * per-customer expectations (see bgnbd.h).
 */
#include "bgnbd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include <kam/errors.h>

/* A distinct (x, t_x, T) with its number of customers. */
struct triple {
	uint32_t x, t, T;
	uint32_t n;
};

/*
 * The log-likelihood's work arrays, built from the triples when the data changed. Only
 * customers with x > 0 need a term of their own (the log of a two-term sum); everything else
 * sums per distinct x and per distinct T.
 */
struct prepared {
	uint64_t customers;    /* the data's customer count when built */
	uint32_t *xs;          /* distinct x values */
	double *nx;            /* customers per distinct x (parallel to xs) */
	size_t nxs;
	uint32_t maxx, maxT;
	double *nT, *sxT;      /* per T unit 0..maxT: customers, and their sum of x */
	struct triple *rep;    /* the triples with x > 0 */
	size_t nrep;
	double *L;             /* per T unit: log(alpha + T) of the current evaluation */
	double *cx;            /* per x: log a - log(b + x - 1) of the current evaluation */
};

/*
 * The distinct triples live in an open-addressing table keyed by the packed triple, with their
 * number and count in the slot (n == 0: empty), so adding a customer touches one slot; with an
 * index table beside an array of triples, a million customers over a hundred thousand triples
 * paid a cache miss on each.
 */
struct slot {
	uint64_t key; /* triple_key(x, t, T) */
	uint32_t i;   /* the triple's number */
	uint32_t n;   /* customers; 0 for an empty slot */
};

struct bgnbd_data {
	double unit;           /* weeks per time unit */
	struct slot *slots;    /* at most half full */
	size_t nslots;         /* a power of two */
	uint32_t *order;       /* triple number -> its slot */
	size_t ntr;
	uint64_t customers;
	struct prepared prep;
};

int bgnbd_data_new(bgnbd_data **out, double unit_weeks)
{
	bgnbd_data *d;

	if (!out || !isfinite(unit_weeks) || !(unit_weeks > 0))
		return KAM_EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return KAM_ENOMEM;
	d->unit = unit_weeks;
	*out = d;
	return 0;
}

static void prepared_free(struct prepared *p)
{
	free(p->xs);
	free(p->nx);
	free(p->nT);
	free(p->sxT);
	free(p->rep);
	free(p->L);
	free(p->cx);
	memset(p, 0, sizeof(*p));
}

void bgnbd_data_free(bgnbd_data *d)
{
	if (!d)
		return;
	prepared_free(&d->prep);
	free(d->slots);
	free(d->order);
	free(d);
}

static uint64_t triple_key(uint32_t x, uint32_t t, uint32_t T)
{
	return (uint64_t)x << 42 | (uint64_t)t << 21 | T;
}

/* A 64-bit finaliser (splitmix64's): neighbouring keys land far apart. */
static uint64_t key_hash(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebull;
	k ^= k >> 31;
	return k;
}

/* The slot of `key`, or the empty slot where it goes. */
static size_t slot_find(const struct slot *s, size_t nslots, uint64_t key)
{
	size_t h = (size_t)key_hash(key) & (nslots - 1);

	while (s[h].n && s[h].key != key)
		h = (h + 1) & (nslots - 1);
	return h;
}

static int slots_grow(bgnbd_data *d)
{
	size_t n = d->nslots ? d->nslots * 2 : 1024;
	struct slot *s = calloc(n, sizeof(*s));
	uint32_t *order = realloc(d->order, n / 2 * sizeof(*order));

	if (order)
		d->order = order;
	if (!s || !order) {
		free(s);
		return KAM_ENOMEM;
	}
	for (size_t i = 0; i < d->ntr; i++) {
		const struct slot *e = &d->slots[order[i]];
		size_t h = slot_find(s, n, e->key);

		s[h] = *e;
		order[i] = (uint32_t)h;
	}
	free(d->slots);
	d->slots = s;
	d->nslots = n;
	return 0;
}

/* Triple number i. */
static struct triple triple_at(const bgnbd_data *d, size_t i)
{
	const struct slot *e = &d->slots[d->order[i]];

	return (struct triple){ (uint32_t)(e->key >> 42), (uint32_t)(e->key >> 21) & BGNBD_MAX_T,
				(uint32_t)e->key & BGNBD_MAX_T, e->n };
}

int bgnbd_data_add(bgnbd_data *d, uint32_t x, uint32_t t_x, uint32_t T, uint32_t *index)
{
	uint64_t key = triple_key(x, t_x, T);
	struct slot *e;
	int rc;

	if (!d || t_x > T || (x == 0 && t_x > 0))
		return KAM_EINVAL;
	if (x > BGNBD_MAX_X || T > BGNBD_MAX_T)
		return KAM_ERANGE;
	/* Counts are 32-bit in the work arrays; four billion customers is far beyond any run. */
	if (d->customers >= UINT32_MAX)
		return KAM_ELIMIT;
	/* Keep the table at most half full so that probes stay short. */
	if (2 * (d->ntr + 1) > d->nslots && (rc = slots_grow(d)))
		return rc;
	e = &d->slots[slot_find(d->slots, d->nslots, key)];
	if (!e->n) {
		*e = (struct slot){ key, (uint32_t)d->ntr, 0 };
		d->order[d->ntr++] = (uint32_t)(e - d->slots);
	}
	e->n++;
	d->customers++;
	if (index)
		*index = e->i;
	return 0;
}

uint64_t bgnbd_data_customers(const bgnbd_data *d)
{
	return d ? d->customers : 0;
}

size_t bgnbd_data_triples(const bgnbd_data *d)
{
	return d ? d->ntr : 0;
}

void bgnbd_data_triple(const bgnbd_data *d, size_t i, uint32_t *x, uint32_t *t_x, uint32_t *T,
		       uint64_t *count)
{
	struct triple e = triple_at(d, i);

	if (x)
		*x = e.x;
	if (t_x)
		*t_x = e.t;
	if (T)
		*T = e.T;
	if (count)
		*count = e.n;
}

/* --- likelihood ----------------------------------------------------------------------------- */

static int prepare(bgnbd_data *d)
{
	struct prepared *p = &d->prep;
	uint32_t maxx = 0, maxT = 0;
	size_t nrep = 0, nxs = 0;
	uint32_t *xslot = NULL;

	if (p->customers == d->customers && (p->nxs || !d->customers))
		return 0;
	prepared_free(p);
	for (size_t i = 0; i < d->ntr; i++) {
		struct triple e = triple_at(d, i);

		if (e.x > maxx)
			maxx = e.x;
		if (e.T > maxT)
			maxT = e.T;
		nrep += e.x > 0;
	}
	p->maxx = maxx;
	p->maxT = maxT;
	p->nT = calloc((size_t)maxT + 1, sizeof(double));
	p->sxT = calloc((size_t)maxT + 1, sizeof(double));
	p->L = calloc((size_t)maxT + 1, sizeof(double));
	p->cx = calloc((size_t)maxx + 1, sizeof(double));
	p->rep = malloc((nrep ? nrep : 1) * sizeof(*p->rep));
	/* xslot maps an x to its place in xs, +1 (0: not seen yet). */
	xslot = calloc((size_t)maxx + 1, sizeof(*xslot));
	if (!p->nT || !p->sxT || !p->L || !p->cx || !p->rep || !xslot)
		goto nomem;
	for (size_t i = 0; i < d->ntr; i++) {
		struct triple e = triple_at(d, i);

		if (!xslot[e.x])
			xslot[e.x] = (uint32_t)++nxs;
	}
	p->xs = malloc((nxs ? nxs : 1) * sizeof(*p->xs));
	p->nx = calloc(nxs ? nxs : 1, sizeof(*p->nx));
	if (!p->xs || !p->nx)
		goto nomem;
	for (size_t i = 0; i < d->ntr; i++) {
		struct triple e = triple_at(d, i);
		uint32_t k = xslot[e.x] - 1;

		p->xs[k] = e.x;
		p->nx[k] += e.n;
		p->nT[e.T] += e.n;
		p->sxT[e.T] += (double)e.n * e.x;
		if (e.x)
			p->rep[p->nrep++] = e;
	}
	p->nxs = nxs;
	p->customers = d->customers;
	free(xslot);
	return 0;
nomem:
	free(xslot);
	prepared_free(p);
	return KAM_ENOMEM;
}

static int params_valid(const bgnbd_params *p)
{
	return isfinite(p->r) && p->r > 0 && isfinite(p->alpha) && p->alpha > 0 &&
	       isfinite(p->a) && p->a > 0 && isfinite(p->b) && p->b > 0;
}

/*
 * log(1 + e) for 0 <= e <= 1. glibc's log1p is several times slower than its log, and this is
 * the fit's inner loop: log(1 + e) is accurate to ~1e-13 relative once e >= 1e-3, and below
 * that four terms of the series are (the first omitted term is e^5 / 5).
 */
static double log1p_unit(double e)
{
	if (e < 1e-3)
		return e * (1 - e * (0.5 - e * (1.0 / 3 - e * 0.25)));
	return log(1 + e);
}

/* log(1 + e^v) without overflow. */
static double softplus(double v)
{
	if (v > 0)
		return v + log1p_unit(exp(-v));
	return log1p_unit(exp(v));
}

/*
 * The sum over the triples with x > 0 of n ln(1 + e^v), v = ln(A4 / A3). This is the fit's inner
 * loop, so it avoids a log per triple: the factors 1 + e^v of single customers are multiplied
 * together (kept below 1e250 by scaling out powers of 1e250) and one log is taken at the end.
 * Products of factors >= 1 cannot underflow; a factor above e^50 is summed as v instead (the
 * error, ln(1 + e^-v), is below 2e-22). Triples with n > 1 add n ln(1 + e^v) directly.
 */
static double rep_terms(const struct prepared *w, double r)
{
	const double big = 1e250;
	double sum = 0, prod = 1;
	unsigned scaled = 0;

	for (size_t i = 0; i < w->nrep; i++) {
		const struct triple *e = &w->rep[i];
		double v = w->cx[e->x] + (r + e->x) * (w->L[e->T] - w->L[e->t]);

		if (v > 50) {
			sum += e->n * v;
			continue;
		}
		if (e->n != 1) {
			sum += e->n * softplus(v);
			continue;
		}
		prod *= 1 + exp(v);
		if (prod > big) {
			prod /= big;
			scaled++;
		}
	}
	return sum + log(prod) + scaled * log(big);
}

/*
 * The log-likelihood, written as the paper's ln(A1 A2 (A3 + delta A4)) summed over customers:
 * A1 A2 A3 is a sum of per-x terms, per-T terms and a constant, and ln(1 + A4/A3) is the only
 * part that needs each distinct triple with x > 0.
 */
static double loglik_prepared(bgnbd_data *d, const bgnbd_params *p)
{
	const struct prepared *w = &d->prep;
	double r = p->r, al = p->alpha, a = p->a, b = p->b;
	double n = (double)d->customers;
	double ll, la = log(a);

	ll = n * (-lgamma(r) + r * log(al) + lgamma(a + b) - lgamma(b));
	for (size_t k = 0; k < w->nxs; k++) {
		double x = w->xs[k];

		ll += w->nx[k] * (lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x));
		if (w->xs[k])
			w->cx[w->xs[k]] = la - log(b + x - 1);
	}
	for (uint32_t u = 0; u <= w->maxT; u++) {
		w->L[u] = log(al + u * d->unit);
		if (w->nT[u] > 0)
			ll -= (r * w->nT[u] + w->sxT[u]) * w->L[u];
	}
	return ll + rep_terms(w, r);
}

double bgnbd_loglik(bgnbd_data *d, const bgnbd_params *p, int *err)
{
	int rc;

	if (err)
		*err = 0;
	if (!params_valid(p))
		return -HUGE_VAL;
	if ((rc = prepare(d))) {
		if (err)
			*err = rc;
		return NAN;
	}
	return loglik_prepared(d, p);
}

double bgnbd_loglik_one(const bgnbd_params *p, double x, double t_x, double T)
{
	double r = p->r, al = p->alpha, a = p->a, b = p->b;
	double a1, a2, a3, a4;

	if (!params_valid(p))
		return -HUGE_VAL;
	a1 = lgamma(r + x) - lgamma(r) + r * log(al);
	a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
	a3 = -(r + x) * log(al + T);
	if (x <= 0)
		return a1 + a2 + a3;
	a4 = log(a) - log(b + x - 1) - (r + x) * log(al + t_x);
	/* ln(e^a3 + e^a4), factored around the larger one. */
	if (a3 > a4)
		return a1 + a2 + a3 + log1p(exp(a4 - a3));
	return a1 + a2 + a4 + log1p(exp(a3 - a4));
}

/* --- Nelder-Mead ---------------------------------------------------------------------------- */

#define NM_DIM 4

struct fit_ctx {
	bgnbd_data *d;
	double n;
	unsigned evals;
};

/* What the simplex minimises: minus the mean log-likelihood per customer, at exp(theta). */
static double objective(struct fit_ctx *c, const double th[NM_DIM])
{
	bgnbd_params p;
	double ll;

	for (int k = 0; k < NM_DIM; k++)
		if (!(fabs(th[k]) <= BGNBD_LOG_BOUND))
			return HUGE_VAL;
	p.r = exp(th[0]);
	p.alpha = exp(th[1]);
	p.a = exp(th[2]);
	p.b = exp(th[3]);
	c->evals++;
	ll = loglik_prepared(c->d, &p);
	if (!isfinite(ll))
		return HUGE_VAL;
	return -ll / c->n;
}

/* v = c + k (w - c), the move along the line from the centroid through the worst point. */
static void nm_point(double *v, const double *c, const double *w, double k)
{
	for (int j = 0; j < NM_DIM; j++)
		v[j] = c[j] + k * (w[j] - c[j]);
}

/*
 * One Nelder-Mead run (reflection 1, expansion 2, contraction 1/2, shrink 1/2) from x with an
 * axis-aligned start simplex of side `step`. Stops when the simplex's values agree to ftol and
 * its points to xtol, or after max_evals. Leaves the best point in x and returns its value.
 * xtol is in log-parameters, so 1e-5 pins each parameter to a relative 1e-5: far inside its
 * standard error on any data set, and tighter costs evaluations without changing an estimate.
 */
static double nelder_mead(struct fit_ctx *c, double x[NM_DIM], double step, unsigned max_evals)
{
	const double ftol = 1e-10, xtol = 1e-5;
	double v[NM_DIM + 1][NM_DIM], f[NM_DIM + 1];
	unsigned start = c->evals;

	for (int i = 0; i <= NM_DIM; i++) {
		memcpy(v[i], x, sizeof(v[i]));
		if (i)
			v[i][i - 1] += step;
		f[i] = objective(c, v[i]);
	}
	for (;;) {
		int best = 0, worst = 0, second = 0;
		double cen[NM_DIM] = { 0 }, xr[NM_DIM], xe[NM_DIM], xc[NM_DIM], fr, fe, fc;
		double spread = 0;

		for (int i = 1; i <= NM_DIM; i++) {
			if (f[i] < f[best])
				best = i;
			if (f[i] > f[worst])
				worst = i;
		}
		second = best;
		for (int i = 0; i <= NM_DIM; i++)
			if (i != worst && f[i] >= f[second])
				second = i;
		for (int i = 0; i <= NM_DIM; i++)
			for (int j = 0; j < NM_DIM; j++)
				spread = fmax(spread, fabs(v[i][j] - v[best][j]));
		if ((f[worst] - f[best] <= ftol * (1 + fabs(f[best])) && spread <= xtol) ||
		    c->evals - start >= max_evals) {
			memcpy(x, v[best], sizeof(v[best]));
			return f[best];
		}
		for (int i = 0; i <= NM_DIM; i++)
			if (i != worst)
				for (int j = 0; j < NM_DIM; j++)
					cen[j] += v[i][j] / NM_DIM;
		nm_point(xr, cen, v[worst], -1.0);
		fr = objective(c, xr);
		if (fr < f[best]) {
			nm_point(xe, cen, v[worst], -2.0);
			fe = objective(c, xe);
			if (fe < fr) {
				memcpy(v[worst], xe, sizeof(xe));
				f[worst] = fe;
			} else {
				memcpy(v[worst], xr, sizeof(xr));
				f[worst] = fr;
			}
			continue;
		}
		if (fr < f[second]) {
			memcpy(v[worst], xr, sizeof(xr));
			f[worst] = fr;
			continue;
		}
		if (fr < f[worst]) {
			nm_point(xc, cen, v[worst], -0.5); /* outside contraction */
			fc = objective(c, xc);
			if (fc <= fr) {
				memcpy(v[worst], xc, sizeof(xc));
				f[worst] = fc;
				continue;
			}
		} else {
			nm_point(xc, cen, v[worst], 0.5); /* inside contraction */
			fc = objective(c, xc);
			if (fc < f[worst]) {
				memcpy(v[worst], xc, sizeof(xc));
				f[worst] = fc;
				continue;
			}
		}
		for (int i = 0; i <= NM_DIM; i++) {
			if (i == best)
				continue;
			nm_point(v[i], v[best], v[i], 0.5);
			f[i] = objective(c, v[i]);
		}
	}
}

int bgnbd_fit(bgnbd_data *d, bgnbd_params *out, bgnbd_fit_info *info)
{
	struct fit_ctx c = { d, 0, 0 };
	double th[NM_DIM], f, sx = 0, sT = 0;
	unsigned restarts = 0;
	int rc;

	if (!d || !out || !d->customers)
		return KAM_EINVAL;
	if ((rc = prepare(d)))
		return rc;
	c.n = (double)d->customers;
	for (size_t i = 0; i < d->ntr; i++) {
		struct triple e = triple_at(d, i);

		sx += (double)e.n * e.x;
		sT += (double)e.n * e.T * d->unit;
	}
	/* r = a = b = 1, and alpha so that the mean rate r / alpha matches the data's. */
	th[0] = th[2] = th[3] = 0;
	th[1] = (sx > 0 && sT > 0) ? -log(sx / sT) : 0;
	th[1] = fmax(-BGNBD_LOG_BOUND / 2, fmin(BGNBD_LOG_BOUND / 2, th[1]));
	f = nelder_mead(&c, th, 1.0, 4000);
	/*
	 * Nelder-Mead can stall on a collapsed simplex away from the optimum; a fresh simplex
	 * around the best point either confirms it or moves on. Stop once a restart gains
	 * nothing measurable.
	 */
	while (restarts < 12) {
		double g = nelder_mead(&c, th, 0.05, 4000);

		restarts++;
		if (!(g < f - 1e-10 * (1 + fabs(f)))) {
			f = fmin(f, g);
			break;
		}
		f = g;
	}
	out->r = exp(th[0]);
	out->alpha = exp(th[1]);
	out->a = exp(th[2]);
	out->b = exp(th[3]);
	if (info) {
		info->loglik = -f * c.n;
		info->evals = c.evals;
		info->restarts = restarts;
		info->at_bound = 0;
		for (int k = 0; k < NM_DIM; k++)
			if (fabs(th[k]) >= BGNBD_LOG_BOUND - 1e-3)
				info->at_bound = 1;
	}
	return 0;
}

/* --- per-customer expectations -------------------------------------------------------------- */

double bgnbd_hyp2f1_scaled(double a, double b, double c, double z, double s)
{
	/* The series terms are kept scaled by e^-m so that large intermediate terms stay finite. */
	const double big = 1e200, log_big = log(1e200);
	double term = 1, sum = 1, m = 0;

	if (!(z >= 0 && z < 1) || !isfinite(a) || !isfinite(b) || !isfinite(c))
		return NAN;
	if (z == 0)
		return 1;
	for (unsigned j = 0; j < 2000000; j++) {
		double den = (c + j) * (j + 1.0);
		double ratio;

		if (den == 0)
			return NAN;
		ratio = (a + j) * (b + j) / den * z;
		if (ratio == 0)
			break; /* a or b is a non-positive integer: a polynomial */
		term *= ratio;
		sum += term;
		if (fabs(term) > big) {
			term /= big;
			sum /= big;
			m += log_big;
		}
		/*
		 * Once the ratio is below 1 the remaining terms shrink at least as fast as a
		 * geometric series (the ratio tends to z from above or below); stop when what is left
		 * cannot change the sum.
		 */
		if (fabs(ratio) < 1 && fabs(term) <= 1e-17 * fabs(sum) * (1 - fabs(ratio)))
			return sum * exp(s * log1p(-z) + m);
	}
	return NAN;
}

/* The exponent of the "dead" odds a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x). */
static double dead_odds_log(const bgnbd_params *p, double x, double t_x, double T)
{
	return log(p->a / (p->b + x - 1)) +
	       (p->r + x) * (log(p->alpha + T) - log(p->alpha + t_x));
}

double bgnbd_p_alive(const bgnbd_params *p, double x, double t_x, double T)
{
	if (!params_valid(p))
		return NAN;
	if (x <= 0)
		return 1;
	return 1 / (1 + exp(dead_odds_log(p, x, t_x, T)));
}

static double expected_raw(const bgnbd_params *p, double x, double t_x, double T, double t)
{
	double r = p->r, al = p->alpha, a = p->a, b = p->b;
	double z = t / (al + T + t);
	double h = bgnbd_hyp2f1_scaled(r + x, b + x, a + b + x - 1, z, r + x);
	double num = (a + b + x - 1) / (a - 1) * (1 - h);

	if (x <= 0)
		return num;
	return num / (1 + exp(dead_odds_log(p, x, t_x, T)));
}

double bgnbd_expected(const bgnbd_params *p, double x, double t_x, double T, double t)
{
	if (!params_valid(p) || !(t >= 0) || !(T >= 0) || !(t_x >= 0) || !(x >= 0))
		return NAN;
	if (t == 0)
		return 0;
	/*
	 * At a = 1 the closed form is 0/0 (the function itself is smooth there): average the
	 * two sides, which is exact to the curvature times 1e-8.
	 */
	if (fabs(p->a - 1) < 1e-6) {
		bgnbd_params lo = *p, hi = *p;

		lo.a = 1 - 1e-4;
		hi.a = 1 + 1e-4;
		return 0.5 * (expected_raw(&lo, x, t_x, T, t) + expected_raw(&hi, x, t_x, T, t));
	}
	return expected_raw(p, x, t_x, T, t);
}

double bgnbd_expected_new(const bgnbd_params *p, double t)
{
	return bgnbd_expected(p, 0, 0, 0, t);
}

/* --- memo ------------------------------------------------------------------------------------ */

struct memo_slot {
	uint64_t key;  /* triple_key */
	uint32_t full; /* 0: empty */
	double p_alive, expected;
};

struct bgnbd_memo {
	bgnbd_params p;
	double unit, horizon;
	struct memo_slot *slots; /* at most half full */
	size_t nslots, used;     /* nslots: a power of two */
};

/*
 * Zeroed memory for a memo table. A large one is asked for in huge pages where the system has
 * them: looked up at random, a table of a few megabytes in small pages misses the TLB on most
 * lookups (about 2% of a million-account run). Free with free().
 */
static void *memo_table(size_t n, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const size_t huge = (size_t)2 << 20;
	void *p;

	if (n * size >= huge && n <= SIZE_MAX / size) {
		if (posix_memalign(&p, huge, n * size))
			return NULL;
		madvise(p, n * size, MADV_HUGEPAGE); /* a hint: fine if refused */
		return memset(p, 0, n * size);
	}
#endif
	return calloc(n, size);
}

int bgnbd_memo_new(bgnbd_memo **out, const bgnbd_params *p, double unit_weeks,
		   double horizon_weeks)
{
	bgnbd_memo *m;

	if (!out || !p || !isfinite(unit_weeks) || !(unit_weeks > 0))
		return KAM_EINVAL;
	if (!(m = calloc(1, sizeof(*m))))
		return KAM_ENOMEM;
	m->p = *p;
	m->unit = unit_weeks;
	m->horizon = horizon_weeks;
	m->nslots = 1024;
	if (!(m->slots = memo_table(m->nslots, sizeof(*m->slots)))) {
		free(m);
		return KAM_ENOMEM;
	}
	*out = m;
	return 0;
}

void bgnbd_memo_free(bgnbd_memo *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

static size_t memo_find(const struct memo_slot *s, size_t nslots, uint64_t key)
{
	size_t h = (size_t)key_hash(key) & (nslots - 1);

	while (s[h].full && s[h].key != key)
		h = (h + 1) & (nslots - 1);
	return h;
}

void bgnbd_memo_prefetch(const bgnbd_memo *m, uint32_t x, uint32_t t_x, uint32_t T)
{
	size_t h = (size_t)key_hash(triple_key(x, t_x, T)) & (m->nslots - 1);

	__builtin_prefetch(&m->slots[h]);
}

static int memo_grow(bgnbd_memo *m)
{
	size_t n = m->nslots * 2;
	struct memo_slot *s = memo_table(n, sizeof(*s));

	if (!s)
		return KAM_ENOMEM;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].full)
			s[memo_find(s, n, m->slots[i].key)] = m->slots[i];
	free(m->slots);
	m->slots = s;
	m->nslots = n;
	return 0;
}

int bgnbd_memo_get(bgnbd_memo *m, uint32_t x, uint32_t t_x, uint32_t T, double *p_alive,
		   double *expected)
{
	uint64_t key = triple_key(x, t_x, T);
	struct memo_slot *e;
	int rc;

	if (x > BGNBD_MAX_X || T > BGNBD_MAX_T || t_x > BGNBD_MAX_T)
		return KAM_ERANGE;
	e = &m->slots[memo_find(m->slots, m->nslots, key)];
	if (!e->full) {
		if (2 * (m->used + 1) > m->nslots) {
			if ((rc = memo_grow(m)))
				return rc;
			e = &m->slots[memo_find(m->slots, m->nslots, key)];
		}
		e->key = key;
		e->full = 1;
		e->p_alive = bgnbd_p_alive(&m->p, x, t_x * m->unit, T * m->unit);
		e->expected = bgnbd_expected(&m->p, x, t_x * m->unit, T * m->unit, m->horizon);
		m->used++;
	}
	*p_alive = e->p_alive;
	*expected = e->expected;
	return 0;
}
