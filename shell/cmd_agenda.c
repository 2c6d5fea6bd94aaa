/* cmd_agenda.c - `kam agenda`: the calls, follow-ups and visits due as of a day, in order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "cli.h"
#include "csv.h"
#include "date.h"
#include "error.h"

void cli_agenda_notes(const char *who, const kam_agenda *a, int32_t as_of)
{
	if (a->ncomputed) {
		char day[KAM_DATE_BUFSZ];
		kam_date_format((kam_date){ as_of, KAM_NO_TIME }, day);
		fprintf(stderr, "kam: %s: no segmentation stored for region%s", who,
			a->ncomputed == 1 ? "" : "s");
		for (size_t i = 0; i < a->ncomputed; i++)
			fprintf(stderr, "%s %s", i ? "," : "",
				*a->computed_regions[i] ? a->computed_regions[i] : "(none)");
		fprintf(stderr, ": tiers computed with %s and its defaults as of %s "
				"(run 'kam segment' to store them)\n",
			KAM_DEFAULT_SEGMENTATION, day);
	}
	if (a->untiered)
		fprintf(stderr, "kam: %s: %zu account%s no tier (added since the last segmentation): "
				"no action; run 'kam segment'\n",
			who, a->untiered, a->untiered == 1 ? " has" : "s have");
}

static const kam_col cols[] = {
	{ "account_id", false }, { "action", false }, { "tier", false }, { "due", false },
	{ "overdue_days", true }, { "owner", false }, { "last_contact", false },
	{ "objection", false }, { "response", false }, { "region", false },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))
/* The table leaves the response out (too long for a cell): it follows the table instead. */
static const kam_col table_cols[] = {
	{ "account_id", false }, { "action", false }, { "tier", false }, { "due", false },
	{ "overdue_days", true }, { "owner", false }, { "last_contact", false },
	{ "objection", false }, { "region", false },
};
#define TABLE_NCOLS (sizeof(table_cols) / sizeof(table_cols[0]))

static kam_str day_text(int32_t day, char *buf)
{
	if (day == KAM_NO_DAY)
		return (kam_str){ NULL, 0 };
	return (kam_str){ buf, (uint32_t)kam_date_format((kam_date){ day, KAM_NO_TIME }, buf) };
}

/*
 * CSV written row by row into one buffer: a million rows through kam_out cost a dozen stdio
 * calls each. Quoting is kam_csv_write_field's: kam_csv_needs_quotes decides, quotes are doubled.
 */
typedef struct csvbuf {
	char *data;
	size_t len, cap;
	FILE *f;
	int err;
} csvbuf;

static void csv_flush(csvbuf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, b->f) != b->len)
		b->err = kam_io_error();
	b->len = 0;
}

/* Room for n more bytes: a buffer with a file is written out, one without grows. */
static char *csv_room_slow(csvbuf *b, size_t n)
{
	if (b->f)
		csv_flush(b);
	if (b->cap - b->len < n) {
		size_t cap = b->len + n > 2 * b->cap ? b->len + n : 2 * b->cap;
		char *d = realloc(b->data, cap);
		if (!d) {
			b->err = KAM_ENOMEM;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	return b->data + b->len;
}

static inline char *csv_room(csvbuf *b, size_t n)
{
	return b->cap - b->len >= n ? b->data + b->len : csv_room_slow(b, n);
}

/* A field whose quoting is known, after a comma unless it is the first of its row. */
static void csv_put(csvbuf *b, const char *s, size_t len, bool quote, bool comma)
{
	char *p = csv_room(b, 2 * len + 3);
	if (!p)
		return;
	char *start = p;
	if (comma)
		*p++ = ',';
	if (!quote) {
		memcpy(p, s, len);
		p += len;
	} else {
		*p++ = '"';
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '"')
				*p++ = '"';
			*p++ = s[i];
		}
		*p++ = '"';
	}
	b->len += (size_t)(p - start);
}

static void csv_field(csvbuf *b, const char *s, size_t len, bool comma)
{
	csv_put(b, s, len, kam_csv_needs_quotes(s, len), comma);
}

static void csv_newline(csvbuf *b)
{
	char *p = csv_room(b, 1);
	if (p) {
		*p = '\n';
		b->len++;
	}
}

static void csv_cstr(csvbuf *b, const char *s, bool comma)
{
	csv_field(b, s ? s : "", s ? strlen(s) : 0, comma);
}

/*
 * Short fields made once and kept ready, comma first, in buffers of FIELD_PAD bytes: seven of
 * a row's ten fields are then copied FIELD_PAD bytes at a time (a few moves each, where a copy of
 * a length known only at run time is a call), and the buffer advances by the field's length.
 */
#define FIELD_PAD 32

static inline void csv_ready(csvbuf *b, const char field[FIELD_PAD], size_t len)
{
	char *p = csv_room(b, FIELD_PAD);
	if (p) {
		memcpy(p, field, FIELD_PAD);
		b->len += len;
	}
}

static const char empty_field[FIELD_PAD] = ",";

/*
 * Texts that rows share (owners, regions, actions, objections: the same pointers over and over)
 * are measured, checked for quoting and made ready once, remembered by their address.
 */
#define SHARED_SLOTS 256

typedef struct shared_text {
	const char *s;
	size_t len;
	bool quote;
	uint8_t ready_len; /* of ready[], the field as written; 0: longer than FIELD_PAD */
	char ready[FIELD_PAD];
} shared_text;

static void csv_shared(csvbuf *b, shared_text *memo, const char *s)
{
	if (!s) {
		csv_ready(b, empty_field, 1);
		return;
	}
	shared_text *m = &memo[((uintptr_t)s * 0x9E3779B97F4A7C15u) >> 56];
	if (m->s != s) {
		m->s = s;
		m->len = strlen(s);
		m->quote = kam_csv_needs_quotes(s, m->len);
		/* made by the slow way into a buffer of exactly FIELD_PAD bytes, if it fits */
		csvbuf f = { .data = m->ready, .cap = FIELD_PAD };
		m->ready_len = 0;
		if (2 * (size_t)m->len + 3 <= FIELD_PAD) {
			csv_put(&f, s, m->len, m->quote, true);
			m->ready_len = (uint8_t)f.len;
		}
	}
	if (m->ready_len)
		csv_ready(b, m->ready, m->ready_len);
	else
		csv_put(b, s, m->len, m->quote, true);
}

/*
 * Days' texts, by day: due days repeat from row to row (agenda order), last contacts come from
 * a few years of days.
 */
#define DAY_SLOTS 4096

typedef struct day_slot {
	int32_t day;
	uint8_t len;           /* of the field, comma first; 0: empty slot */
	char field[FIELD_PAD]; /* ",YYYY-MM-DD" */
} day_slot;

_Static_assert(1 + KAM_DATE_BUFSZ <= FIELD_PAD, "a day's field is made ready");

static void csv_day(csvbuf *b, int32_t day, day_slot *days)
{
	if (day == KAM_NO_DAY) {
		csv_ready(b, empty_field, 1);
		return;
	}
	day_slot *d = &days[(uint32_t)day % DAY_SLOTS];
	if (d->day != day || !d->len) {
		d->day = day;
		d->field[0] = ',';
		d->len = (uint8_t)(1 + kam_date_format((kam_date){ day, KAM_NO_TIME }, d->field + 1));
	}
	csv_ready(b, d->field, d->len);
}

/* A thread's memos for formatting rows. */
typedef struct row_memo {
	shared_text shared[SHARED_SLOTS];
	day_slot days[DAY_SLOTS];
	const char *detail; /* the last follow-up's objection, and its number */
	int obj;
	/* the last overdue_days written, ready: rows in agenda order share it in long runs */
	int64_t overdue;
	uint8_t overdue_len; /* 0: none yet */
	char overdue_field[FIELD_PAD];
	/*
	 * Each objection's response as its CSV field (quoted, its quotes doubled), made once: the
	 * longest text of a row, on a follow-up in every dozen rows. [0]: no objection, empty.
	 */
	csvbuf responses[KAM_PLAYBOOK_COUNT + 1];
} row_memo;

static void row_memo_free(row_memo *m)
{
	for (int k = 0; m && k <= KAM_PLAYBOOK_COUNT; k++)
		free(m->responses[k].data);
	free(m);
}

static row_memo *row_memo_new(const kam_config *cfg)
{
	row_memo *m = calloc(1, sizeof(*m));
	for (int k = 0; m && k <= KAM_PLAYBOOK_COUNT; k++) {
		csvbuf *r = &m->responses[k];
		csv_cstr(r, kam_playbook_response(cfg, k), false); /* k = 0: NULL, empty */
		if (r->err) {
			row_memo_free(m);
			return NULL;
		}
	}
	return m;
}

_Static_assert(1 + 24 <= FIELD_PAD, "an overdue_days field is made ready (kam_int_format)");

static void csv_overdue(csvbuf *b, row_memo *m, int64_t days)
{
	if (days != m->overdue || !m->overdue_len) {
		m->overdue = days;
		m->overdue_field[0] = ',';
		m->overdue_len = (uint8_t)(1 + kam_int_format(days, m->overdue_field + 1));
	}
	csv_ready(b, m->overdue_field, m->overdue_len);
}

static void format_rows(csvbuf *b, row_memo *m, const kam_agenda *a, size_t from, size_t to)
{
	for (size_t i = from; !b->err && i < to; i++) {
		const kam_agenda_item *x = &a->items[i];
		char tier = x->tier;
		/* Items are in agenda order, their ids scattered over the runs' memory: ask early. */
		if (i + 16 < to)
			__builtin_prefetch(a->items[i + 16].account_id);
		if (x->detail != m->detail) {
			m->detail = x->detail;
			m->obj = x->detail ? kam_objection_parse(x->detail) : 0;
		}
		csv_field(b, x->account_id, x->id_len, false);
		csv_shared(b, m->shared, x->action);
		csv_field(b, &tier, tier ? 1 : 0, true);
		csv_day(b, x->due, m->days);
		csv_overdue(b, m, kam_agenda_overdue(a, x));
		csv_shared(b, m->shared, x->owner);
		csv_day(b, x->last, m->days);
		csv_shared(b, m->shared, x->detail);
		csv_put(b, m->responses[m->obj].data, m->responses[m->obj].len, false, true);
		csv_shared(b, m->shared, x->region);
		csv_newline(b);
	}
}

/*
 * A long agenda is formatted by two threads: a helper formats every second chunk of rows into
 * a ring of buffers while this thread formats the others and writes all of them in order.
 */
#define CHUNK_ROWS 8192
#define RING 4

typedef struct printer {
	const kam_agenda *a;
	size_t nchunks;
	row_memo *memo;         /* the helper's */
	csvbuf ring[RING];
	pthread_mutex_t lock;   /* guards what follows */
	pthread_cond_t cond;
	size_t done, taken;     /* the helper's chunks formatted, and written */
	int stop;
} printer;

static void *printer_main(void *arg)
{
	printer *pr = arg;
	for (size_t k = 0; 2 * k + 1 < pr->nchunks; k++) {
		pthread_mutex_lock(&pr->lock);
		while (!pr->stop && k - pr->taken >= RING)
			pthread_cond_wait(&pr->cond, &pr->lock);
		int stop = pr->stop;
		pthread_mutex_unlock(&pr->lock);
		if (stop)
			break;
		csvbuf *slot = &pr->ring[k % RING];
		size_t from = (2 * k + 1) * CHUNK_ROWS;
		size_t to = from + CHUNK_ROWS < pr->a->count ? from + CHUNK_ROWS : pr->a->count;
		slot->len = 0;
		format_rows(slot, pr->memo, pr->a, from, to);
		pthread_mutex_lock(&pr->lock);
		pr->done = k + 1;
		pthread_cond_broadcast(&pr->cond);
		pthread_mutex_unlock(&pr->lock);
	}
	return NULL;
}

/* Writes the helper's chunk k once it is formatted, and gives its buffer back. */
static void printer_take(printer *pr, size_t k, csvbuf *b)
{
	pthread_mutex_lock(&pr->lock);
	while (pr->done <= k)
		pthread_cond_wait(&pr->cond, &pr->lock);
	pthread_mutex_unlock(&pr->lock);
	csvbuf *slot = &pr->ring[k % RING];
	if (slot->err)
		b->err = slot->err;
	else if (slot->len && fwrite(slot->data, 1, slot->len, b->f) != slot->len)
		b->err = kam_io_error();
	pthread_mutex_lock(&pr->lock);
	pr->taken = k + 1;
	pthread_cond_broadcast(&pr->cond);
	pthread_mutex_unlock(&pr->lock);
}

/* Starts the helper; false when the agenda is short or no thread starts. */
static bool printer_start(printer *pr, pthread_t *th, const kam_agenda *a,
			  const kam_config *cfg)
{
	*pr = (printer){ .a = a, .nchunks = (a->count + CHUNK_ROWS - 1) / CHUNK_ROWS };
	if (pr->nchunks < 4 || !kam_agenda_threads() || !(pr->memo = row_memo_new(cfg)))
		return false;
	if (pthread_mutex_init(&pr->lock, NULL)) {
		row_memo_free(pr->memo);
		return false;
	}
	if (pthread_cond_init(&pr->cond, NULL)) {
		pthread_mutex_destroy(&pr->lock);
		row_memo_free(pr->memo);
		return false;
	}
	if (pthread_create(th, NULL, printer_main, pr)) {
		pthread_cond_destroy(&pr->cond);
		pthread_mutex_destroy(&pr->lock);
		row_memo_free(pr->memo);
		return false;
	}
	return true;
}

static void printer_stop(printer *pr, pthread_t th)
{
	pthread_mutex_lock(&pr->lock);
	pr->stop = 1;
	pthread_cond_broadcast(&pr->cond);
	pthread_mutex_unlock(&pr->lock);
	pthread_join(th, NULL);
	pthread_cond_destroy(&pr->cond);
	pthread_mutex_destroy(&pr->lock);
	for (int i = 0; i < RING; i++)
		free(pr->ring[i].data);
	row_memo_free(pr->memo);
}

static int print_csv(const kam_agenda *a, const kam_config *cfg)
{
	csvbuf b = { .f = stdout };
	row_memo *m = row_memo_new(cfg);
	if (!m || !(b.data = malloc(b.cap = 1 << 20))) {
		row_memo_free(m);
		return KAM_ENOMEM;
	}
	for (size_t c = 0; c < NCOLS; c++)
		csv_cstr(&b, cols[c].name, c > 0);
	csv_newline(&b);
	printer pr;
	pthread_t th;
	bool two = printer_start(&pr, &th, a, cfg);
	size_t nchunks = (a->count + CHUNK_ROWS - 1) / CHUNK_ROWS;
	for (size_t c = 0; !b.err && c < nchunks; c++) {
		if (two && c % 2) {
			csv_flush(&b);
			printer_take(&pr, c / 2, &b);
			continue;
		}
		size_t to = (c + 1) * CHUNK_ROWS < a->count ? (c + 1) * CHUNK_ROWS : a->count;
		format_rows(&b, m, a, c * CHUNK_ROWS, to);
	}
	if (two)
		printer_stop(&pr, th);
	csv_flush(&b);
	free(b.data);
	row_memo_free(m);
	if (!b.err && fflush(stdout))
		b.err = kam_io_error();
	return b.err;
}

static int print_items(const kam_agenda *a, const kam_config *cfg, kam_format fmt)
{
	if (fmt == KAM_FMT_CSV)
		return print_csv(a, cfg);
	bool table = fmt == KAM_FMT_TABLE;
	kam_out *out = kam_out_begin(stdout, fmt, table ? table_cols : cols,
				     table ? TABLE_NCOLS : NCOLS);
	if (!out)
		return KAM_ENOMEM;
	bool seen[KAM_PLAYBOOK_COUNT + 1] = { false };
	int rc = 0;
	for (size_t i = 0; !rc && i < a->count; i++) {
		const kam_agenda_item *x = &a->items[i];
		char due[KAM_DATE_BUFSZ], last[KAM_DATE_BUFSZ], over[24], tier[2] = { x->tier, 0 };
		int obj = kam_objection_parse(x->detail);
		const char *resp = obj ? kam_playbook_response(cfg, obj) : NULL;
		seen[obj] = true;
		kam_str v[NCOLS] = {
			kam_str_c(x->account_id), kam_str_c(x->action),
			x->tier ? (kam_str){ tier, 1 } : (kam_str){ "", 0 }, day_text(x->due, due),
			{ over, (uint32_t)snprintf(over, sizeof(over), "%lld",
						   (long long)kam_agenda_overdue(a, x)) },
			kam_str_c(x->owner), day_text(x->last, last),
			x->detail ? kam_str_c(x->detail) : (kam_str){ NULL, 0 },
			resp ? kam_str_c(resp) : (kam_str){ NULL, 0 }, kam_str_c(x->region),
		};
		if (table)
			v[8] = v[9];
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	if (rc || end)
		return rc ? rc : end;
	if (!table)
		return 0;
	/* The prepared responses of the objections that the follow-ups carry. */
	bool any = false;
	for (int k = 1; k <= KAM_PLAYBOOK_COUNT; k++) {
		if (!seen[k])
			continue;
		if (!any)
			printf("\nPrepared responses (kam playbook):\n");
		any = true;
		printf("  %s (\"%s\"):\n", kam_objection_slug(k), kam_objection_phrase(k));
		cli_wrap(kam_playbook_response(cfg, k), 4, 96);
	}
	if (any) {
		printf("  Rule:\n");
		cli_wrap(kam_playbook_rule, 4, 96);
	}
	fflush(stdout);
	return 0;
}

static void summary(const kam_agenda *a, int32_t as_of)
{
	size_t tiers[4] = { 0 }, overdue = 0;
	for (size_t i = 0; i < a->count; i++) {
		char t = a->items[i].tier;
		tiers[t == 'A' ? 0 : t == 'B' ? 1 : t == 'C' ? 2 : 3]++;
		overdue += kam_agenda_overdue(a, &a->items[i]) > 0;
	}
	char day[KAM_DATE_BUFSZ];
	kam_date_format((kam_date){ as_of, KAM_NO_TIME }, day);
	fprintf(stderr, "kam: agenda as of %s: %zu action%s (A %zu, B %zu, C %zu), %zu overdue, "
			"over %zu account%s\n",
		day, a->count, a->count == 1 ? "" : "s", tiers[0], tiers[1], tiers[2], overdue,
		a->accounts, a->accounts == 1 ? "" : "s");
}

typedef struct args {
	kam_agenda_opts o;
	const char *config;
	kam_format fmt;
} args;

static int agenda(cli *c, args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	int rc = cli_models_open(c, "agenda", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	kam_agenda ag;
	if ((rc = kam_agenda_compute(store, reg, &cfg, &a->o, &ag))) {
		rc = ag.bad_opts ? cli_usage(&cmd_agenda, "%s", ag.error)
				 : cli_fail("agenda: %s", ag.error);
	} else {
		cli_agenda_notes("agenda", &ag, a->o.as_of);
		if ((rc = print_items(&ag, &cfg, a->fmt)))
			rc = cli_fail("agenda: printing: %s", kam_strerror(rc));
		else if (a->fmt == KAM_FMT_TABLE)
			summary(&ag, a->o.as_of);
	}
	kam_agenda_free(&ag);
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "owner", required_argument, NULL, 'o' },
		{ "region", required_argument, NULL, 'r' },
		{ "within", required_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	args a = { .fmt = KAM_FMT_TABLE };
	unsigned long long within = 0;
	int32_t as_of = kam_today();
	int ch, rc = 0;
	while ((ch = cli_getopt(c, &cmd_agenda, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_agenda, optarg, &a.fmt); break;
		case 'a': rc = cli_day_arg(&cmd_agenda, "--as-of", optarg, &as_of); break;
		case 'o': a.o.owner = optarg; break;
		case 'r': a.o.region = optarg; break;
		case 'c': a.config = optarg; break;
		case 'w':
			rc = cli_uint(&cmd_agenda, "--within", optarg, &within);
			if (!rc && within > 36600)
				rc = cli_usage(&cmd_agenda, "--within: at most 36600 days");
			break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return cli_usage(&cmd_agenda, "unexpected argument \"%s\"", argv[optind]);
	const char *owner = a.o.owner, *region = a.o.region;
	kam_agenda_opts_init(&a.o, as_of);
	a.o.owner = owner;
	a.o.region = region;
	a.o.due_to = (int32_t)((int64_t)as_of + (int64_t)within > INT32_MAX
				       ? INT32_MAX : as_of + (int32_t)within);
	return agenda(c, &a);
}

const command cmd_agenda = {
	"agenda", run, "the calls, follow-ups and visits due, by tier and days overdue",
	"Usage: kam [--db PATH] agenda [--as-of YYYY-MM-DD] [--owner REP] [--region R]\n"
	"                              [--within DAYS] [--config FILE] [--format table|csv|json]\n"
	"Runs each region's cadence model (kam.conf.lua: cadence.regions[R], else cadence.default,\n"
	"else tiered with its defaults) over the accounts' current tiers (the latest stored\n"
	"segmentation of their region, else abc with its defaults) and lists the actions due on or\n"
	"before the day: tier A first, then the most overdue, then account_id, then call,\n"
	"follow-up, visit. tiered calls tier A accounts every month and visits them every quarter,\n"
	"B every 3 and 6 months, C every 6 and 12; after a single objection the call becomes a\n"
	"follow-up 14 days later, with the playbook's prepared response. Nothing is stored: log\n"
	"what was done with 'kam log' and the agenda changes at once.\n\n"
	"Options:\n"
	"  --as-of D       the day (default: today)\n"
	"  --owner REP     only the accounts of this rep\n"
	"  --region R      only region R ('' for accounts without a region)\n"
	"  --within DAYS   also what falls due in the next DAYS days (negative overdue_days)\n"
	"  --config FILE   read the configuration from FILE\n"
	"  --format F      table (default), csv or json\n\n"
	"Columns: account_id, action, tier, due, overdue_days, owner, last_contact (the contact the\n"
	"action follows), objection (follow-ups), response (the prepared response to it; in a\n"
	"table it follows the rows), region.\n"
	"Exit status: 0 success; 1 runtime error (a configured model is not loaded or fails, the\n"
	"database); 2 usage error, including a region without accounts.\n",
};
