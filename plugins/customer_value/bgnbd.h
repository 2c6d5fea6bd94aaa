/*
 * bgnbd.h - the BG/NBD model of repeat buying (Fader, Hardie and Lee 2005, "Counting your
 * customers the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2)).
 *
 * A customer buys at a Poisson rate lambda while alive and, after each purchase, dies with
 * probability p; lambda ~ Gamma(r, alpha) and p ~ Beta(a, b) over the customers. What is known
 * of a customer is the triple (x, t_x, T): x repeat transactions (purchases after the first),
 * the time t_x of the last one and the time T since the first purchase (t_x = 0 when x = 0).
 *
 * Time is measured in whole "units" of the caller's choice (days, weeks); the model itself works
 * in weeks, and a data set knows how many weeks a unit is, so fitted parameters (alpha is a
 * scale of time) are always per week and comparable with the paper's.
 *
 * The fit compresses the customers into their distinct triples with counts and evaluates the
 * log-likelihood over those, with the per-x and per-T parts summed once per distinct value, so
 * its cost grows with the number of distinct triples rather than with the number of customers.
 * It maximises over log-parameters with Nelder-Mead, restarted from the best point until a
 * restart stops improving.
 *
 * Plain C with libm only; nothing here knows about Kam's host.
 */
#ifndef KAM_BGNBD_H
#define KAM_BGNBD_H

#include <stddef.h>
#include <stdint.h>

typedef struct bgnbd_params {
	double r, alpha; /* purchase rate ~ Gamma(shape r, rate alpha), alpha per week */
	double a, b;     /* drop-out probability ~ Beta(a, b) */
} bgnbd_params;

/* Largest accepted x, and largest t_x or T in units (keys pack into 64 bits). */
#define BGNBD_MAX_X ((1u << 22) - 1)
#define BGNBD_MAX_T ((1u << 21) - 1)

typedef struct bgnbd_data bgnbd_data;

/*
 * A new, empty data set whose time unit is `unit_weeks` weeks (1.0 / 7 for days, 1.0 for
 * weeks). Returns 0 with *out, KAM_EINVAL (unit_weeks not finite and > 0) or KAM_ENOMEM.
 * Free with bgnbd_data_free (NULL is fine).
 */
int bgnbd_data_new(bgnbd_data **out, double unit_weeks);
void bgnbd_data_free(bgnbd_data *d);

/*
 * Adds one customer with triple (x, t_x, T), times in units. Sets *index (may be NULL) to the
 * number of the customer's distinct triple, stable for the life of the data set: 0, 1, ... in
 * the order triples were first seen. Returns 0; KAM_EINVAL when t_x > T, or x = 0 with t_x > 0
 * (x > 0 with t_x = 0 is valid: a repeat purchase within the first unit); KAM_ERANGE when
 * x > BGNBD_MAX_X or T > BGNBD_MAX_T; KAM_ENOMEM.
 */
int bgnbd_data_add(bgnbd_data *d, uint32_t x, uint32_t t_x, uint32_t T, uint32_t *index);

/* Customers added, and distinct triples among them. */
uint64_t bgnbd_data_customers(const bgnbd_data *d);
size_t bgnbd_data_triples(const bgnbd_data *d);
/* Triple number i (< bgnbd_data_triples): its x, t_x and T (units) and how many customers. */
void bgnbd_data_triple(const bgnbd_data *d, size_t i, uint32_t *x, uint32_t *t_x, uint32_t *T,
		       uint64_t *count);

/*
 * The log-likelihood of the whole data set under p (times converted to weeks), or -HUGE_VAL
 * when a parameter is not finite and > 0. Returns KAM_ENOMEM through *err (may be NULL) when the
 * first call cannot allocate its work arrays; the value is then NAN.
 */
double bgnbd_loglik(bgnbd_data *d, const bgnbd_params *p, int *err);

/* The log-likelihood of one customer (times in weeks), straight from the paper's formula. */
double bgnbd_loglik_one(const bgnbd_params *p, double x, double t_x, double T);

typedef struct bgnbd_fit_info {
	double loglik;       /* at the returned parameters */
	unsigned evals;      /* log-likelihood evaluations */
	unsigned restarts;   /* Nelder-Mead runs after the first */
	int at_bound;        /* a log-parameter ended at the search box edge (+-BGNBD_LOG_BOUND) */
} bgnbd_fit_info;

/* The search box of the fit, in log-parameters: every parameter in [e^-20, e^20]. */
#define BGNBD_LOG_BOUND 20.0

/*
 * Maximum-likelihood fit over the data set. Returns 0 with *out (and *info when not NULL);
 * KAM_EINVAL when the data set has no customer; KAM_ENOMEM. The start is r = a = b = 1 with
 * alpha matching the mean purchase rate; the result is a local maximum found by Nelder-Mead
 * with restarts (the BG/NBD likelihood is usually unimodal in practice).
 */
int bgnbd_fit(bgnbd_data *d, bgnbd_params *out, bgnbd_fit_info *info);

/* P(alive | x, t_x, T); times in weeks. 1 when x = 0 (the model's assumption). */
double bgnbd_p_alive(const bgnbd_params *p, double x, double t_x, double T);

/*
 * E[Y(t) | x, t_x, T]: the expected number of transactions in the next t weeks of a customer
 * with that history, the paper's conditional expectation (with the Gaussian hypergeometric
 * function 2F1). NAN when the series does not converge (z too close to 1) or a parameter is
 * invalid.
 */
double bgnbd_expected(const bgnbd_params *p, double x, double t_x, double T, double t);

/* E[X(t)]: the expected number of transactions of a new customer in t weeks. */
double bgnbd_expected_new(const bgnbd_params *p, double t);

/*
 * P(alive) and the expected transactions over a horizon per distinct triple, for one set of
 * parameters: a book of a million customers has about a hundred thousand triples, and the
 * expectation's series is dear. Triples are given in units of unit_weeks weeks.
 */
typedef struct bgnbd_memo bgnbd_memo;

/* Returns 0 with *out, KAM_EINVAL (p or unit_weeks not usable) or KAM_ENOMEM. */
int bgnbd_memo_new(bgnbd_memo **out, const bgnbd_params *p, double unit_weeks,
		   double horizon_weeks);
void bgnbd_memo_free(bgnbd_memo *m);
/*
 * Asks the memory for the triple's place ahead of bgnbd_memo_get (a hint: the table is large
 * and looked up at random, so a caller with other work to do can hide the wait).
 */
void bgnbd_memo_prefetch(const bgnbd_memo *m, uint32_t x, uint32_t t_x, uint32_t T);
/*
 * bgnbd_p_alive and bgnbd_expected over the horizon of triple (x, t_x, T), computed once.
 * Returns 0, KAM_ERANGE (x > BGNBD_MAX_X or T > BGNBD_MAX_T) or KAM_ENOMEM.
 */
int bgnbd_memo_get(bgnbd_memo *m, uint32_t x, uint32_t t_x, uint32_t T, double *p_alive,
		   double *expected);

/*
 * The Gaussian hypergeometric function 2F1(a, b; c; z) by its power series, for 0 <= z < 1 and
 * c not a non-positive integer, scaled by (1 - z)^s to keep large-argument cases in range:
 * returns (1 - z)^s * 2F1(a, b; c; z). NAN when the series does not converge within its term
 * limit or c hits a pole.
 */
double bgnbd_hyp2f1_scaled(double a, double b, double c, double z, double s);

#endif
