/*
 * gen.c - the deterministic synthetic data generator (see gen.h).
 *
 * Everything that reaches the files comes from integer arithmetic on a private xoshiro256**
 * stream, seeded per account from (seed, account number): no rand(), no libm, no locale. Rows are
 * formatted by hand into large buffers because printf per field would dominate the run time for
 * a million accounts (about 1 GB of text).
 */
#include "gen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <kam/errors.h>

#include "record.h"

/* ---- PRNG: splitmix64 to seed, xoshiro256** to draw ---- */

typedef struct gen_rng {
	uint64_t s[4];
} gen_rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *x)
{
	*x += 0x9E3779B97F4A7C15ull;
	return mix64(*x);
}

/*
 * Streams of neighbouring accounts must not overlap, so the account number is hashed before it
 * becomes a splitmix64 start (plain seed + i would make stream i+1 a shift of stream i).
 */
static void rng_seed(gen_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = mix64(seed ^ 0x6B616D2D67656E31ull) ^ mix64(stream + 0x2545F4914F6CDD1Dull);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) by multiply-shift; the bias (< n / 2^32) is irrelevant for test data. */
static inline uint32_t rng_below(gen_rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline uint32_t rng_range(gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static inline bool rng_permille(gen_rng *r, unsigned p)
{
	return rng_below(r, 1000) < p;
}

/* Index into a table of weights (summing to `total`). */
static unsigned rng_pick(gen_rng *r, const uint16_t *w, unsigned n, unsigned total)
{
	uint32_t x = rng_below(r, total);
	unsigned i;

	for (i = 0; i + 1 < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/*
 * Heavy tail without pow(): the size doubles k times, k geometric with P(k >= j) = 0.447^j, which
 * is a Pareto tail with alpha = log2(1 / 0.447) = 1.16 (the 80/20 rule).
 */
#define GEN_TAIL_Q 1919850381u /* 0.447 * 2^32 */
#define GEN_TAIL_KMAX 20

static unsigned rng_tail(gen_rng *r)
{
	unsigned k = 0;

	while (k < GEN_TAIL_KMAX && (rng_next(r) >> 32) < GEN_TAIL_Q)
		k++;
	return k;
}

/* ---- the vocabulary ---- */

#define NREGIONS 7
static const char *const regions[NREGIONS] = {
	"east", "south", "north", "central", "southwest", "northeast", "northwest",
};
/* Per mille; the remaining 10 have no region. */
static const uint16_t region_w[NREGIONS + 1] = { 260, 200, 160, 120, 110, 80, 60, 10 };
/* Reps work one territory each: region i is covered by reps rep_first[i] .. +rep_count[i]-1. */
static const uint8_t rep_first[NREGIONS] = { 1, 11, 19, 26, 31, 35, 38 };
static const uint8_t rep_count[NREGIONS] = { 10, 8, 7, 5, 4, 3, 3 };
#define NREPS 40

static const char *const channels[] = {
	[KAM_CH_HYPERMARKET] = "hypermarket",
	[KAM_CH_ELECTRONICS_CHAIN] = "electronics-chain",
	[KAM_CH_OP_DIRECT_ONLINE] = "op-direct-online",
	[KAM_CH_OP_SUPERSTORE] = "op-superstore",
	[KAM_CH_OP_REGIONAL_CHAIN] = "op-regional-chain",
	[KAM_CH_STATIONERY_MAKER] = "stationery-maker",
	[KAM_CH_FINANCE_EQUIPMENT_MAKER] = "finance-equipment-maker",
	[KAM_CH_OEM_EQUIPMENT_AGENT] = "oem-equipment-agent",
	[KAM_CH_IMAGING_PROCESSOR] = "imaging-processor",
	[KAM_CH_OFFICE_EQUIPMENT_PAPER_MAKER] = "office-equipment-paper-maker",
};
#define NCHANNELS 10
/* Per mille of accounts in channel 1..10. */
static const uint16_t channel_w[NCHANNELS] = { 40, 80, 150, 120, 180, 80, 60, 120, 70, 100 };
/* The cooperation mode of DOMAIN.md's case study for each channel. */
static const uint8_t channel_mode[NCHANNELS + 1] = {
	0, KAM_MODE_DIRECT, KAM_MODE_CONSIGNMENT, KAM_MODE_OEM, KAM_MODE_CONSIGNMENT,
	KAM_MODE_OEM, KAM_MODE_OEM, KAM_MODE_OEM, KAM_MODE_OEM, KAM_MODE_DIRECT, KAM_MODE_AGENCY,
};
static const char *const channel_industry[NCHANNELS + 1] = {
	NULL, "retail", "consumer electronics retail", "e-commerce", "office retail",
	"office retail", "stationery manufacturing", "financial equipment",
	"printer distribution", "imaging, printing services", "paper & office equipment",
};
static const char *const channel_trade[NCHANNELS + 1] = {
	NULL, "Hypermarket", "Electronics", "Office Direct", "Office Superstore", "Office Chain",
	"Stationery", "Financial Equipment", "Imaging Equipment", "Imaging", "Paper",
};

static const char *const stages[] = {
	[KAM_STAGE_PROSPECT] = "prospect",
	[KAM_STAGE_APPOINTMENT] = "appointment",
	[KAM_STAGE_PROPOSAL] = "proposal",
	[KAM_STAGE_WON] = "won",
	[KAM_STAGE_SERVICE] = "service",
};
static const uint16_t stage_w[5] = { 120, 80, 100, 350, 350 };

static const char *const modes[] = {
	[KAM_MODE_DIRECT] = "direct",
	[KAM_MODE_CONSIGNMENT] = "consignment",
	[KAM_MODE_OEM] = "oem",
	[KAM_MODE_AGENCY] = "agency",
};

#define NCATEGORIES 5
static const char *const categories[NCATEGORIES] = { "ink", "toner", "cartridge", "ribbon", "paper" };
static const uint16_t category_w[NCATEGORIES] = { 250, 250, 300, 80, 120 };
static const uint16_t paper_category_w[NCATEGORIES] = { 100, 150, 150, 100, 500 };

static const char *const ikinds[] = {
	[KAM_IK_CALL] = "call",
	[KAM_IK_VISIT] = "visit",
	[KAM_IK_EMAIL] = "email",
	[KAM_IK_MEETING] = "meeting",
	[KAM_IK_OTHER] = "other",
};
static const uint16_t ikind_w[5] = { 600, 150, 120, 80, 50 };

static const char *const outcomes[] = {
	[KAM_OUT_CONNECTED] = "connected",
	[KAM_OUT_NO_ANSWER] = "no-answer",
	[KAM_OUT_OBJECTION] = "objection",
	[KAM_OUT_APPOINTMENT] = "appointment",
	[KAM_OUT_CALLBACK] = "callback",
};
static const uint16_t outcome_w[5] = { 350, 250, 150, 100, 150 };

static const char *const objections[] = {
	[KAM_OBJ_SEND_MATERIALS] = "send-materials",
	[KAM_OBJ_IN_HOUSE_SUPPLY] = "in-house-supply",
	[KAM_OBJ_HAS_SUPPLIER] = "has-supplier",
	[KAM_OBJ_NOT_DECISION_MAKER] = "not-decision-maker",
	[KAM_OBJ_NO_BUDGET] = "no-budget",
	[KAM_OBJ_PRICE_TOO_HIGH] = "price-too-high",
	[KAM_OBJ_BAD_PAST_EXPERIENCE] = "bad-past-experience",
};
static const uint16_t objection_w[7] = { 200, 60, 250, 120, 110, 200, 60 };

#define NSYLLABLES 24
static const char *const syllables[NSYLLABLES] = {
	"hua", "xin", "da", "zhong", "tian", "jin", "hong", "sheng", "kang", "mei", "long", "feng",
	"tai", "heng", "bao", "yuan", "xing", "fu", "rui", "ming", "guang", "yi", "cheng", "ding",
};
#define NSUFFIXES 6
static const char *const suffixes[NSUFFIXES] = {
	" Co., Ltd.", " Co., Ltd.", " Group", " Trading", " Inc.", "",
};

#define NSURNAMES 20
static const char *const surnames[NSURNAMES] = {
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
	"Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo",
};
#define NGIVEN 20
static const char *const given[NGIVEN] = {
	"Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang",
	"Yong", "Yan", "Jie", "Tao", "Ming", "Chao", "Xiu", "Hui", "Ping", "Gang",
};
#define NROLES 10
static const char *const roles[NROLES] = {
	"buyer", "buyer", "purchasing manager", "purchasing manager", "general manager",
	"store manager", "finance", "it manager", "operations director", "Head of Purchasing, East",
};

/* Notes; some need CSV quoting on purpose (comma, quote, newline). */
static const char *const notes_call[] = {
	"left a message", "asked for the new price list", "will check stock levels, call next week",
	"confirmed the next delivery", "wants samples of toner and ribbons",
	"buyer said \"call back after the trade fair\"", "discussed payment terms",
};
static const char *const notes_objection[] = {
	"says they already have a supplier, open to a trial",
	"\"too expensive\" compared with the compatible brand they use",
	"needs the head office to approve", "asked for written material first",
	"bad experience with a leaking cartridge in 2022",
};
static const char *const notes_visit[] = {
	"store survey: 12 shelves, 3 competitor brands", "trained the sales staff on cartridges",
	"brought samples; QA will test them", "factory audit with their quality team",
	"dinner with the purchasing director", "met the new manager\nprevious buyer was moved to logistics",
};
static const char *const notes_other[] = {
	"sent the catalogue and the OEM packaging options", "quote for 500 cartons, valid 30 days",
	"invoice copy requested", "trade fair, booth 3B",
};
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- dates ---- */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm, integers only). */
static int32_t days_from_civil(int y, unsigned m, unsigned d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

static void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	int era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)yoe + era * 400 + (*m <= 2);
}

#define GEN_CREATED_FROM_YEAR 2014

/* ---- output ---- */

#define OUT_BUFSZ (1u << 20)
#define ROW_MAX 4096 /* more than the longest row this file can produce */

enum { F_ACCOUNTS, F_CONTACTS, F_ORDERS, F_INTERACTIONS, F_COUNT };
static const char *const file_names[F_COUNT] = { "accounts", "contacts", "orders", "interactions" };
static const char *const file_headers[F_COUNT] = {
	"id,name,region,industry,channel,employees,net_assets,annual_revenue,wallet,owner,created,stage\n",
	"id,account_id,name,role,phone,email,active\n",
	"id,account_id,date,amount,profit,mode,category,paid\n",
	"id,account_id,date,kind,minutes,outcome,objection,contact_id,note\n",
};

typedef struct gen_out {
	FILE *f;
	char *tmp_path, *path;
	char *buf;
	size_t len;
	uint64_t bytes;
	uint64_t rows;
} gen_out;

typedef struct gen {
	gen_out out[F_COUNT];
	int err;
	unsigned wa, wc, wo, wi; /* id widths */
	uint64_t next_contact, next_order, next_interaction;
	int32_t first_day;    /* of the date table */
	int32_t created_from; /* 2014-01-01 */
	int32_t start, end;   /* the three years of orders and interactions */
	char *dates;          /* "YYYY-MM-DD" for each day from first_day to end, 10 bytes each */
} gen;

static int errno_code(int e)
{
	if (e == EACCES || e == EPERM || e == EROFS)
		return KAM_EPERM;
	if (e == ENOMEM)
		return KAM_ENOMEM;
	if (e == ENOSPC || e == EDQUOT)
		return KAM_ENOSPC;
	return KAM_EIO;
}

static void out_flush(gen *g, gen_out *o)
{
	if (o->len && !g->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
		g->err = errno_code(errno);
	o->bytes += o->len;
	o->len = 0;
}

/* A cursor with room for one whole row. */
static inline char *row_begin(gen *g, gen_out *o)
{
	if (OUT_BUFSZ - o->len < ROW_MAX)
		out_flush(g, o);
	return o->buf + o->len;
}

static inline void row_end(gen_out *o, char *p)
{
	*p++ = '\n';
	o->len = (size_t)(p - o->buf);
	o->rows++;
}

static inline char *put_s(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static inline char *put_u(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *put_pad(char *p, uint64_t v, unsigned width)
{
	unsigned i;

	for (i = width; i > 0; i--) {
		p[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static inline char *put_id(char *p, char prefix, uint64_t n, unsigned width)
{
	*p++ = prefix;
	return put_pad(p, n, width);
}

/* Money with exactly two decimals, from cents. */
static inline char *put_cents(char *p, int64_t cents)
{
	uint64_t u = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	if (cents < 0)
		*p++ = '-';
	p = put_u(p, u / 100);
	*p++ = '.';
	return put_pad(p, u % 100, 2);
}

static inline char *put_day(const gen *g, char *p, int32_t day)
{
	memcpy(p, g->dates + (size_t)(day - g->first_day) * 10, 10);
	return p + 10;
}

/* A text cell, quoted per RFC 4180 when it holds a comma, quote, CR or LF. */
static char *put_text(char *p, const char *s)
{
	const char *q;

	if (!strpbrk(s, ",\"\r\n"))
		return put_s(p, s);
	*p++ = '"';
	for (q = s; *q; q++) {
		if (*q == '"')
			*p++ = '"';
		*p++ = *q;
	}
	*p++ = '"';
	return p;
}

static unsigned ndigits(uint64_t v)
{
	unsigned n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static unsigned umax(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* ---- one account and everything that hangs off it ---- */

#define MAX_CONTACTS 3
#define MAX_ORDERS 99
#define MAX_INTERACTIONS 99

typedef struct gen_acct {
	uint64_t num;          /* 1-based account number */
	unsigned k;            /* size doublings (the heavy tail) */
	uint64_t size_milli;   /* size in thousandths, 1000 << k .. 2000 << k */
	uint8_t region;        /* index + 1, 0 = none */
	uint8_t channel, stage;
	int32_t created;       /* day, or INT32_MIN when absent */
	int32_t active_from;   /* first possible day of orders and interactions */
	uint64_t yearly_cents; /* what the account spends with us per year */
	unsigned syl1, syl2;
	uint64_t contact0;     /* number of its first contact */
	unsigned ncontacts;
} gen_acct;

static void insertion_sort(int32_t *a, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++) {
		int32_t v = a[i];

		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static char *put_brand(char *p, const gen_acct *a)
{
	const char *s1 = syllables[a->syl1];

	*p++ = (char)(s1[0] - 'a' + 'A');
	p = put_s(p, s1 + 1);
	return put_s(p, syllables[a->syl2]);
}

/* "Huaxin Office Chain Co., Ltd."; a few carry a quoted word, to exercise "" escapes. */
static const char *account_name(char *buf, const gen_acct *a, gen_rng *r)
{
	char *p = put_brand(buf, a);

	if (rng_permille(r, 5))
		p = put_s(p, " \"Star\"");
	*p++ = ' ';
	p = put_s(p, channel_trade[a->channel]);
	p = put_s(p, suffixes[rng_below(r, NSUFFIXES)]);
	*p = '\0';
	return buf;
}

static void gen_account_row(gen *g, gen_acct *a, gen_rng *r)
{
	gen_out *o = &g->out[F_ACCOUNTS];
	char *p = row_begin(g, o);
	char name[96];
	uint64_t rev, employees, assets, wallet;
	unsigned owner;

	a->k = rng_tail(r);
	a->size_milli = (uint64_t)rng_range(r, 1000, 1999) << a->k;
	a->region = (uint8_t)((rng_pick(r, region_w, NREGIONS + 1, 1000) + 1) % (NREGIONS + 1));
	a->channel = (uint8_t)(1 + rng_pick(r, channel_w, NCHANNELS, 1000));
	a->stage = (uint8_t)(1 + rng_pick(r, stage_w, 5, 1000));
	a->syl1 = rng_below(r, NSYLLABLES);
	a->syl2 = rng_below(r, NSYLLABLES);

	/* Whole currency units; the products stay far below 2^63. */
	rev = a->size_milli * 800 * rng_range(r, 700, 1300) / 1000000 * 1000;
	employees = 5 + a->size_milli * 6 / 1000 * rng_range(r, 500, 1500) / 1000;
	assets = rev / 1000 * rng_range(r, 200, 900);
	wallet = rev / 1000 * rng_range(r, 3, 25) / 100 * 100;
	a->yearly_cents = wallet * 100 / 1000 * rng_range(r, 30, 600);

	if (a->stage <= KAM_STAGE_APPOINTMENT)
		a->created = g->end - (int32_t)rng_below(r, 540);
	else
		a->created = g->created_from + (int32_t)rng_below(r, (uint32_t)(g->end - g->created_from - 30));
	a->active_from = a->created > g->start ? a->created : g->start;
	if (rng_permille(r, 10))
		a->created = INT32_MIN;

	p = put_id(p, 'A', a->num, g->wa);
	*p++ = ',';
	p = put_text(p, account_name(name, a, r));
	*p++ = ',';
	if (a->region)
		p = put_s(p, regions[a->region - 1]);
	*p++ = ',';
	if (!rng_permille(r, 30))
		p = put_text(p, channel_industry[a->channel]);
	*p++ = ',';
	p = put_s(p, channels[a->channel]);
	*p++ = ',';
	if (!rng_permille(r, 20))
		p = put_u(p, employees);
	*p++ = ',';
	if (!rng_permille(r, 30))
		p = put_u(p, assets);
	*p++ = ',';
	if (!rng_permille(r, 20))
		p = put_u(p, rev);
	*p++ = ',';
	if (!rng_permille(r, 20))
		p = put_u(p, wallet);
	*p++ = ',';
	if (a->region)
		owner = rep_first[a->region - 1] + rng_below(r, rep_count[a->region - 1]);
	else
		owner = 1 + rng_below(r, NREPS);
	p = put_s(p, "rep");
	p = put_pad(p, owner, 2);
	*p++ = ',';
	if (a->created != INT32_MIN)
		p = put_day(g, p, a->created);
	*p++ = ',';
	p = put_s(p, stages[a->stage]);
	row_end(o, p);
}

static void gen_contacts(gen *g, gen_acct *a, gen_rng *r)
{
	gen_out *o = &g->out[F_CONTACTS];
	unsigned i;

	a->ncontacts = 1 + rng_below(r, MAX_CONTACTS);
	a->contact0 = g->next_contact;
	g->next_contact += a->ncontacts;
	for (i = 0; i < a->ncontacts; i++) {
		char *p = row_begin(g, o);
		unsigned sur = rng_below(r, NSURNAMES), giv = rng_below(r, NGIVEN);
		unsigned x;

		p = put_id(p, 'C', a->contact0 + i, g->wc);
		*p++ = ',';
		p = put_id(p, 'A', a->num, g->wa);
		*p++ = ',';
		p = put_s(p, surnames[sur]);
		*p++ = ' ';
		p = put_s(p, given[giv]);
		*p++ = ',';
		if (!rng_permille(r, 50))
			p = put_text(p, roles[rng_below(r, NROLES)]);
		*p++ = ',';
		if (!rng_permille(r, 80)) {
			p = put_s(p, "+86 1");
			p = put_pad(p, 30 + rng_below(r, 70), 2);
			*p++ = ' ';
			p = put_pad(p, rng_below(r, 10000), 4);
			*p++ = ' ';
			p = put_pad(p, rng_below(r, 10000), 4);
		}
		*p++ = ',';
		if (!rng_permille(r, 100)) {
			const char *gv = given[giv], *sv = surnames[sur];

			*p++ = (char)(gv[0] - 'A' + 'a');
			p = put_s(p, gv + 1);
			*p++ = '.';
			*p++ = (char)(sv[0] - 'A' + 'a');
			p = put_s(p, sv + 1);
			*p++ = '@';
			p = put_s(p, syllables[a->syl1]);
			p = put_s(p, syllables[a->syl2]);
			p = put_s(p, ".example.cn");
		}
		*p++ = ',';
		x = rng_below(r, 1000);
		if (x < 880)
			p = put_s(p, "true");
		else if (x < 980)
			p = put_s(p, "false");
		row_end(o, p);
	}
}

static void gen_orders(gen *g, const gen_acct *a, gen_rng *r)
{
	gen_out *o = &g->out[F_ORDERS];
	int32_t days[MAX_ORDERS];
	unsigned n, i, span = (unsigned)(g->end - a->active_from + 1);
	const uint16_t *cat_w = a->channel == KAM_CH_OFFICE_EQUIPMENT_PAPER_MAKER ? paper_category_w : category_w;
	uint64_t per_order;

	if (a->stage >= KAM_STAGE_WON)
		n = 3 + rng_below(r, 15) + 5 * a->k;
	else if (a->stage == KAM_STAGE_PROPOSAL)
		n = rng_below(r, 3);
	else
		n = 0;
	if (n > MAX_ORDERS)
		n = MAX_ORDERS;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		days[i] = a->active_from + (int32_t)rng_below(r, span);
	insertion_sort(days, n);
	per_order = a->yearly_cents * span / 365 / n;

	for (i = 0; i < n; i++) {
		char *p = row_begin(g, o);
		int64_t amount = (int64_t)(per_order * rng_range(r, 400, 1600) / 1000);
		unsigned mode;

		if (amount < 10000)
			amount = 10000 + rng_below(r, 90000);
		p = put_id(p, 'O', g->next_order++, g->wo);
		*p++ = ',';
		p = put_id(p, 'A', a->num, g->wa);
		*p++ = ',';
		p = put_day(g, p, days[i]);
		*p++ = ',';
		p = put_cents(p, amount);
		*p++ = ',';
		if (!rng_permille(r, 100))
			p = put_cents(p, amount * ((int64_t)rng_below(r, 401) - 50) / 1000);
		*p++ = ',';
		mode = rng_below(r, 1000);
		if (mode < 800)
			p = put_s(p, modes[channel_mode[a->channel]]);
		else if (mode < 950)
			p = put_s(p, modes[1 + rng_below(r, 4)]);
		*p++ = ',';
		if (a->channel == KAM_CH_IMAGING_PROCESSOR)
			p = put_s(p, "ink");
		else
			p = put_s(p, categories[rng_pick(r, cat_w, NCATEGORIES, 1000)]);
		*p++ = ',';
		if (!rng_permille(r, 80)) {
			/* Recent orders are more often not fully paid yet. */
			unsigned partial = days[i] > g->end - 90 ? 500 : 150;

			if (rng_permille(r, partial))
				p = put_cents(p, amount * rng_below(r, 1000) / 1000);
			else
				p = put_cents(p, amount);
		}
		row_end(o, p);
	}
}

static const char *pick_note(gen_rng *r, uint8_t kind, uint8_t outcome)
{
	if (kind == KAM_IK_CALL && outcome == KAM_OUT_OBJECTION)
		return notes_objection[rng_below(r, NELEMS(notes_objection))];
	if (kind == KAM_IK_CALL)
		return notes_call[rng_below(r, NELEMS(notes_call))];
	if (kind == KAM_IK_VISIT || kind == KAM_IK_MEETING)
		return notes_visit[rng_below(r, NELEMS(notes_visit))];
	return notes_other[rng_below(r, NELEMS(notes_other))];
}

static unsigned call_minutes(gen_rng *r, uint8_t outcome)
{
	if (outcome == KAM_OUT_NO_ANSWER)
		return rng_below(r, 2);
	return rng_range(r, 2, 30);
}

static void gen_interactions(gen *g, const gen_acct *a, gen_rng *r)
{
	static const uint16_t min_lo[6] = { 0, 2, 30, 2, 30, 5 }, min_hi[6] = { 0, 30, 240, 15, 150, 60 };
	gen_out *o = &g->out[F_INTERACTIONS];
	int32_t days[MAX_INTERACTIONS];
	unsigned n, i, span = (unsigned)(g->end - a->active_from + 1);
	unsigned run = 0;   /* consecutive counted calls with an objection, so far */
	uint8_t last_obj = 0;

	n = rng_below(r, 7) + 2 * a->k + (a->stage >= KAM_STAGE_WON);
	if (n > MAX_INTERACTIONS)
		n = MAX_INTERACTIONS;
	for (i = 0; i < n; i++)
		days[i] = a->active_from + (int32_t)rng_below(r, span);
	insertion_sort(days, n);

	for (i = 0; i < n; i++) {
		char *p = row_begin(g, o);
		uint8_t kind = (uint8_t)(1 + rng_pick(r, ikind_w, 5, 1000));
		uint8_t outcome = 0, objection = 0;
		unsigned minutes;

		if (kind == KAM_IK_CALL) {
			if (run > 0 && run < 3 && rng_permille(r, 450))
				outcome = KAM_OUT_OBJECTION;
			else if (!rng_permille(r, 30))
				outcome = (uint8_t)(1 + rng_pick(r, outcome_w, 5, 1000));
			if (outcome == KAM_OUT_OBJECTION) {
				if (run > 0 && rng_permille(r, 500))
					objection = last_obj;
				else
					objection = (uint8_t)(1 + rng_pick(r, objection_w, 7, 1000));
				last_obj = objection;
				run++;
			} else if (outcome != KAM_OUT_NO_ANSWER) {
				/* No-answer calls do not count, so they do not end a run. */
				run = 0;
			}
			minutes = call_minutes(r, outcome);
		} else {
			minutes = rng_range(r, min_lo[kind], min_hi[kind]);
		}

		p = put_id(p, 'I', g->next_interaction++, g->wi);
		*p++ = ',';
		p = put_id(p, 'A', a->num, g->wa);
		*p++ = ',';
		p = put_day(g, p, days[i]);
		if (rng_permille(r, 30)) {
			unsigned sec = rng_range(r, 8 * 3600, 20 * 3600 - 1);

			*p++ = 'T';
			p = put_pad(p, sec / 3600, 2);
			*p++ = ':';
			p = put_pad(p, sec / 60 % 60, 2);
			*p++ = ':';
			p = put_pad(p, sec % 60, 2);
		}
		*p++ = ',';
		p = put_s(p, ikinds[kind]);
		*p++ = ',';
		if (!rng_permille(r, 50))
			p = put_u(p, minutes);
		*p++ = ',';
		if (outcome)
			p = put_s(p, outcomes[outcome]);
		*p++ = ',';
		if (objection)
			p = put_s(p, objections[objection]);
		*p++ = ',';
		if (!rng_permille(r, 100))
			p = put_id(p, 'C', a->contact0 + rng_below(r, a->ncontacts), g->wc);
		*p++ = ',';
		if (rng_permille(r, 250))
			p = put_text(p, pick_note(r, kind, outcome));
		row_end(o, p);
	}
}

static void gen_one(gen *g, uint64_t seed, uint64_t i)
{
	gen_rng r;
	gen_acct a = { .num = i + 1 };

	rng_seed(&r, seed, i);
	gen_account_row(g, &a, &r);
	gen_contacts(g, &a, &r);
	gen_orders(g, &a, &r);
	gen_interactions(g, &a, &r);
}

/* ---- files ---- */

/* mkdir -p: creates `dir` and its missing parents. */
static int make_dirs(const char *dir)
{
	char *path = strdup(dir);
	char *s;
	int rc = 0;

	if (!path)
		return KAM_ENOMEM;
	for (s = path + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(path, 0777) != 0 && errno != EEXIST) {
				rc = errno_code(errno);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!rc) {
		struct stat st;

		if (stat(dir, &st) != 0)
			rc = errno_code(errno);
		else if (!S_ISDIR(st.st_mode))
			rc = KAM_EIO;
	}
	free(path);
	return rc;
}

static char *path_join(const char *dir, const char *name, const char *ext)
{
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s%s", dir, name, ext);
	return p;
}

static int gen_open(gen *g, const char *dir)
{
	int i;

	for (i = 0; i < F_COUNT; i++) {
		gen_out *o = &g->out[i];

		o->path = path_join(dir, file_names[i], ".csv");
		o->tmp_path = path_join(dir, file_names[i], ".csv.tmp");
		o->buf = malloc(OUT_BUFSZ);
		if (!o->path || !o->tmp_path || !o->buf)
			return KAM_ENOMEM;
		o->f = fopen(o->tmp_path, "wb");
		if (!o->f)
			return errno_code(errno);
		/* Rows go out in OUT_BUFSZ chunks already; stdio's own buffer would only copy them. */
		setvbuf(o->f, NULL, _IONBF, 0);
		o->len = strlen(file_headers[i]);
		memcpy(o->buf, file_headers[i], o->len);
	}
	return 0;
}

/* Flushes and closes every file; on success renames them into place. */
static int gen_close(gen *g, int rc)
{
	int i;

	for (i = 0; i < F_COUNT; i++) {
		gen_out *o = &g->out[i];

		if (!rc && o->f)
			out_flush(g, o);
		if (o->f && fclose(o->f) != 0 && !g->err)
			g->err = errno_code(errno);
		o->f = NULL;
	}
	if (!rc)
		rc = g->err;
	for (i = 0; i < F_COUNT; i++) {
		gen_out *o = &g->out[i];

		if (!rc && rename(o->tmp_path, o->path) != 0)
			rc = errno_code(errno);
	}
	for (i = 0; i < F_COUNT; i++) {
		gen_out *o = &g->out[i];

		if (rc && o->tmp_path)
			unlink(o->tmp_path);
		free(o->path);
		free(o->tmp_path);
		free(o->buf);
	}
	return rc;
}

static int gen_dates(gen *g)
{
	int32_t d, n;

	g->created_from = days_from_civil(GEN_CREATED_FROM_YEAR, 1, 1);
	g->start = days_from_civil(KAM_GEN_START_YEAR, KAM_GEN_START_MONTH, KAM_GEN_START_MDAY);
	g->end = days_from_civil(KAM_GEN_END_YEAR, KAM_GEN_END_MONTH, KAM_GEN_END_MDAY);
	g->first_day = g->created_from;
	n = g->end - g->first_day + 1;
	g->dates = malloc((size_t)n * 10 + 1);
	if (!g->dates)
		return KAM_ENOMEM;
	for (d = 0; d < n; d++) {
		char *p = g->dates + (size_t)d * 10;
		int y;
		unsigned m, md;

		civil_from_days(g->first_day + d, &y, &m, &md);
		p = put_pad(p, (uint64_t)y, 4);
		*p++ = '-';
		p = put_pad(p, m, 2);
		*p++ = '-';
		put_pad(p, md, 2);
	}
	return 0;
}

#define PROGRESS_EVERY 16384

int kam_gen_write(const char *dir, const kam_gen_opts *opts)
{
	gen g;
	uint64_t i, n;
	int rc, f;

	if (!dir || !*dir || !opts)
		return KAM_EINVAL;
	n = opts->accounts;
	if (n > KAM_GEN_MAX_ACCOUNTS)
		return KAM_ERANGE;
	memset(&g, 0, sizeof(g));
	g.wa = umax(7, ndigits(n));
	g.wc = umax(7, ndigits(n * MAX_CONTACTS));
	g.wo = umax(8, ndigits(n * MAX_ORDERS));
	g.wi = umax(8, ndigits(n * MAX_INTERACTIONS));
	g.next_contact = g.next_order = g.next_interaction = 1;

	rc = make_dirs(dir);
	if (rc)
		return rc;
	rc = gen_dates(&g);
	if (!rc)
		rc = gen_open(&g, dir);
	for (i = 0; !rc && i < n; i++) {
		gen_one(&g, opts->seed, i);
		if (g.err)
			rc = g.err;
		else if (opts->progress && (i + 1) % PROGRESS_EVERY == 0 && i + 1 < n &&
			 opts->progress(opts->progress_ctx, i + 1, n))
			rc = KAM_ECANCELED;
	}
	if (!rc && opts->progress && opts->progress(opts->progress_ctx, n, n))
		rc = KAM_ECANCELED;
	rc = gen_close(&g, rc);
	if (!rc && opts->counts) {
		kam_gen_counts *c = opts->counts;
		uint64_t *rows[F_COUNT] = { &c->accounts, &c->contacts, &c->orders, &c->interactions };

		c->bytes = 0;
		for (f = 0; f < F_COUNT; f++) {
			*rows[f] = g.out[f].rows;
			c->bytes += g.out[f].bytes;
		}
	}
	free(g.dates);
	return rc;
}
