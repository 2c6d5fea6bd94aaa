/*
 * import.c - one CSV file of one kind into the store, all or nothing.
 *
 * A large file is read by two threads: a reader thread splits and parses rows into batches of
 * records while this thread writes them to the store (LMDB writes stay in one thread). Rows that
 * do not parse are handed over as they are and go through the same code as in a single-threaded
 * import, so messages, rejects and counts do not depend on the threading.
 */
#include "import.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "error.h"

#define PROGRESS_EVERY 65536

/* Files smaller than this are imported by one thread: a second one would not pay for itself. */
#define THREAD_MIN_BYTES (1u << 20)
#define BATCH_ROWS 2048
#define BATCHES 4
#define ARENA_BLOCK (1u << 20)

/* Memory for one batch's texts: blocks that never move, so views into them stay valid. */
typedef struct ablock {
	struct ablock *next;
	size_t cap, used;
	char data[];
} ablock;

typedef struct arena {
	ablock *head, *cur;
} arena;

/* A row as the reader thread leaves it. */
typedef struct prow {
	kam_csv_row row;     /* fields copied into the batch's arena */
	uint64_t bytes_read; /* the reader's position after this row */
	bool bad;            /* did not parse: the writer redoes it to report it */
	bool encoded;        /* enc holds the record's bytes (in the arena) */
	kam_any rec;         /* views into the arena */
	kam_encoded enc;
} prow;

typedef struct batch {
	prow *rows;
	uint32_t n;
	bool full; /* handed to the writer */
	bool end;  /* the last batch: csv_rc is kam_csv_next's final result */
	int csv_rc;
	arena mem;
} batch;

struct import;

/* The reader thread and the batches it shares with the writer. */
typedef struct pipeline {
	struct import *im;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a batch filled, a batch freed, or stop */
	bool stop;
	batch b[BATCHES];
	kam_buf attrs; /* the reader's scratch */
	kam_buf enc;
} pipeline;

/* How one CSV column feeds the record: a schema field, or a custom attribute. */
typedef struct column {
	int field; /* field number, or -1 for a custom attribute */
	kam_str header;
} column;

typedef struct import {
	const kam_import_opts *opts;
	kam_import_result *res;
	const kam_schema *schema;
	const char *name; /* file name for messages */
	kam_csv *csv;
	column *cols;
	uint32_t ncols;
	kam_buf header_copy; /* the header row's bytes, kept for the whole import */
	kam_buf attrs;
	kam_any rec;
} import;

/* Writes "FILE:LINE: ..." into the result's error buffer. */
static void fail_at(import *im, uint64_t line, const char *fmt, ...)
{
	char *buf = im->res->error;
	size_t cap = sizeof(im->res->error);
	int n = snprintf(buf, cap, "%s:%llu: ", im->name, (unsigned long long)line);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < cap)
		vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Quotes a value for an error message, cut at 40 bytes. */
static const char *shown(kam_str v, char out[64])
{
	uint32_t n = v.len > 40 ? 40 : v.len;
	snprintf(out, 64, "\"%.*s\"%s", (int)n, v.ptr ? v.ptr : "", v.len > 40 ? "..." : "");
	return out;
}

/* Finds the header that --map names for `field`, or an empty view. */
static int map_lookup(const char *map, const char *field, kam_str *header)
{
	size_t flen = strlen(field);
	for (const char *p = map; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (eq && (size_t)(eq - p) == flen && memcmp(p, field, flen) == 0) {
			*header = (kam_str){ eq + 1, (uint32_t)(len - flen - 1) };
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* Checks that every --map entry names a known field. */
static int map_check(import *im)
{
	for (const char *p = im->opts->map; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (!eq || eq == p || kam_schema_field(im->schema, p, (size_t)(eq - p)) < 0) {
			snprintf(im->res->error, sizeof(im->res->error),
				 "--map: \"%.*s\" is not FIELD=Header with a field of %s", (int)len, p,
				 im->schema->name);
			return KAM_EINVAL;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* Maps the header row to fields; reports unknown --map headers and missing required columns. */
static int read_header(import *im)
{
	kam_csv_row row;
	int rc = kam_csv_next(im->csv, &row);
	if (rc == 0) {
		fail_at(im, 1, "the file is empty; expected a header row");
		return KAM_EPARSE;
	}
	if (rc < 0)
		return rc;
	kam_buf_reset(&im->header_copy);
	for (uint32_t i = 0; i < row.nfields; i++)
		if (kam_buf_append(&im->header_copy, row.fields[i].ptr, row.fields[i].len))
			return KAM_ENOMEM;
	free(im->cols);
	im->cols = calloc(row.nfields, sizeof(*im->cols));
	if (!im->cols)
		return KAM_ENOMEM;
	im->ncols = row.nfields;
	int seen[KAM_MAX_FIELDS];
	memset(seen, 0, sizeof(seen));
	size_t off = 0;
	for (uint32_t i = 0; i < row.nfields; i++) {
		kam_str h = { (const char *)im->header_copy.data + off, row.fields[i].len };
		off += h.len;
		im->cols[i].header = h;
		im->cols[i].field = -1;
		for (unsigned f = 0; f < im->schema->nfields; f++) {
			kam_str want;
			if (!map_lookup(im->opts->map, im->schema->fields[f].name, &want))
				want = kam_str_c(im->schema->fields[f].name);
			if (kam_str_eq(want, h)) {
				im->cols[i].field = (int)f;
				break;
			}
		}
		int f = im->cols[i].field;
		if (f >= 0 && seen[f]) {
			fail_at(im, row.line, "columns %d and %u both give field %s", seen[f], i + 1,
				im->schema->fields[f].name);
			return KAM_EPARSE;
		}
		if (f >= 0)
			seen[f] = (int)i + 1;
		if (h.len == 0 && f < 0) {
			fail_at(im, row.line, "column %u has an empty header", i + 1);
			return KAM_EPARSE;
		}
	}
	for (unsigned f = 0; f < im->schema->nfields; f++) {
		const kam_field *fd = &im->schema->fields[f];
		kam_str want;
		if (seen[f])
			continue;
		if (map_lookup(im->opts->map, fd->name, &want)) {
			fail_at(im, row.line, "--map gives %s from column \"%.*s\", which the file does not have",
				fd->name, (int)want.len, want.ptr);
			return KAM_EPARSE;
		}
		if (fd->required) {
			fail_at(im, row.line, "missing required column \"%s\" for %s", fd->name,
				im->schema->name);
			return KAM_EPARSE;
		}
	}
	return 0;
}

/* A bad row: either the import's error, or one more line in the reject file. */
static int reject(import *im, const kam_csv_row *row, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	FILE *out = im->opts->rejects;
	if (!out) {
		fail_at(im, row->line, "%s", msg);
		return code;
	}
	if (im->res->rejected == 0) {
		fputs("line,error", out);
		for (uint32_t i = 0; i < im->ncols; i++) {
			fputc(',', out);
			kam_csv_write_field(out, im->cols[i].header.ptr, im->cols[i].header.len);
		}
		fputc('\n', out);
	}
	fprintf(out, "%llu,", (unsigned long long)row->line);
	kam_csv_write_field(out, msg, strlen(msg));
	for (uint32_t i = 0; i < row->nfields; i++) {
		fputc(',', out);
		kam_csv_write_field(out, row->fields[i].ptr, row->fields[i].len);
	}
	fputc('\n', out);
	im->res->rejected++;
	return ferror(out) ? KAM_EIO : 0;
}

/* Column (1-based) that feeds field f. */
static uint32_t column_of(const import *im, int f)
{
	for (uint32_t i = 0; i < im->ncols; i++)
		if (im->cols[i].field == f)
			return i + 1;
	return 0;
}

/*
 * Stores a parsed row, encoded already when `enc` is not NULL; `row` is what a reject or message
 * shows.
 */
static int store_row(import *im, kam_txn *txn, const kam_csv_row *row, const kam_any *rec,
		     const kam_encoded *enc)
{
	const kam_schema *s = im->schema;
	char v[64];
	int replaced = 0;
	int rc = enc ? kam_put_encoded(txn, s->kind, rec, enc, &replaced)
		     : kam_put(txn, s->kind, rec, &replaced);
	if (rc == KAM_EREF) {
		int f = s->account_ref;
		const kam_str *ref = (const kam_str *)((const char *)rec + s->fields[f].offset);
		return reject(im, row, KAM_EREF, "column %u (%s): expected the id of an existing account, found %s",
			      column_of(im, f), s->fields[f].name, shown(*ref, v));
	}
	if (rc) {
		fail_at(im, row->line, "cannot store the row: %s", kam_strerror(rc));
		return rc;
	}
	if (replaced)
		im->res->replaced++;
	else
		im->res->inserted++;
	return 0;
}

static int import_row(import *im, kam_txn *txn, const kam_csv_row *row)
{
	const kam_schema *s = im->schema;
	char v[64];
	if (row->nfields != im->ncols)
		return reject(im, row, KAM_EPARSE, "expected %u fields as in the header, found %u",
			      im->ncols, row->nfields);
	kam_rec_clear(s, &im->rec);
	kam_buf_reset(&im->attrs);
	uint32_t nattrs = 0;
	for (uint32_t i = 0; i < row->nfields; i++) {
		kam_str cell = row->fields[i];
		int f = im->cols[i].field;
		if (f < 0) {
			if (cell.len && kam_attr_append(&im->attrs, im->cols[i].header, cell))
				return KAM_ENOMEM;
			nattrs += cell.len > 0;
			continue;
		}
		const char *expected = "a valid value";
		int rc = kam_field_parse(s, &im->rec, f, cell.ptr, cell.len, &expected);
		if (rc)
			return reject(im, row, KAM_EPARSE, "column %u (%s): expected %s, found %s", i + 1,
				      s->fields[f].name, expected, shown(cell, v));
	}
	im->rec.rec.attrs = (kam_str){ (const char *)im->attrs.data, (uint32_t)im->attrs.len };
	im->rec.rec.nattrs = nattrs;
	int missing;
	if (kam_rec_check(s, &im->rec, &missing))
		return reject(im, row, KAM_EPARSE, "column %u (%s): expected a value, found an empty cell",
			      column_of(im, missing), s->fields[missing].name);
	return store_row(im, txn, row, &im->rec, NULL);
}

static void progress_at(import *im, uint64_t bytes)
{
	if (im->opts->progress)
		im->opts->progress(im->opts->progress_ctx, im->res->rows, bytes,
				   kam_csv_total_bytes(im->csv));
}

static void progress(import *im)
{
	progress_at(im, kam_csv_bytes_read(im->csv));
}

/* ---- the reader thread ---- */

static void *arena_alloc(arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	for (ablock *b = a->cur; b; b = b->next) {
		if (b->cap - b->used >= n) {
			a->cur = b;
			void *p = b->data + b->used;
			b->used += n;
			return p;
		}
		if (b->next)
			b->next->used = 0;
	}
	size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
	ablock *nb = malloc(sizeof(*nb) + cap);
	if (!nb)
		return NULL;
	nb->cap = cap;
	nb->used = n;
	/* The new block goes right after the current one; later blocks stay for reuse. */
	if (a->cur) {
		nb->next = a->cur->next;
		a->cur->next = nb;
	} else {
		nb->next = NULL;
		a->head = nb;
	}
	a->cur = nb;
	return nb->data;
}

static void arena_reset(arena *a)
{
	a->cur = a->head;
	if (a->head)
		a->head->used = 0;
}

static void arena_free(arena *a)
{
	for (ablock *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

/* Copies a row's fields into the arena. Returns false when out of memory. */
static bool row_copy(arena *a, const kam_csv_row *in, kam_csv_row *out)
{
	/* One allocation for the texts of a row: most rows have several short fields. */
	size_t bytes = 0;
	for (uint32_t i = 0; i < in->nfields; i++)
		bytes += (size_t)in->fields[i].len + 1;
	kam_str *f = arena_alloc(a, (size_t)in->nfields * sizeof(*f) + 1);
	char *p = f ? arena_alloc(a, bytes + 1) : NULL;
	if (!p)
		return false;
	for (uint32_t i = 0; i < in->nfields; i++) {
		uint32_t len = in->fields[i].len;
		if (len)
			memcpy(p, in->fields[i].ptr, len);
		p[len] = 0;
		f[i] = (kam_str){ p, len };
		p += len + 1;
	}
	*out = (kam_csv_row){ in->nfields, f, in->line };
	return true;
}

/*
 * Parses a copied row into r->rec, like import_row but with no side effects; any failure leaves
 * the row for import_row to redo and report.
 */
static void row_parse(pipeline *pl, arena *a, prow *r)
{
	import *im = pl->im;
	const kam_schema *s = im->schema;
	const kam_csv_row *row = &r->row;
	r->bad = true;
	r->encoded = false;
	if (row->nfields != im->ncols)
		return;
	kam_rec_clear(s, &r->rec);
	kam_buf_reset(&pl->attrs);
	uint32_t nattrs = 0;
	for (uint32_t i = 0; i < row->nfields; i++) {
		kam_str cell = row->fields[i];
		int f = im->cols[i].field;
		if (f < 0) {
			if (cell.len && kam_attr_append(&pl->attrs, im->cols[i].header, cell))
				return;
			nattrs += cell.len > 0;
			continue;
		}
		const char *expected;
		if (kam_field_parse(s, &r->rec, f, cell.ptr, cell.len, &expected))
			return;
	}
	kam_str attrs = { "", 0 };
	if (pl->attrs.len) {
		char *p = arena_alloc(a, pl->attrs.len);
		if (!p)
			return;
		memcpy(p, pl->attrs.data, pl->attrs.len);
		attrs = (kam_str){ p, (uint32_t)pl->attrs.len };
	}
	r->rec.rec.attrs = attrs;
	r->rec.rec.nattrs = nattrs;
	int missing;
	if (kam_rec_check(s, &r->rec, &missing))
		return;
	r->bad = false;
	/*
	 * Encoding here takes work off the writer, the slower of the two threads. A record the
	 * store would refuse is left to kam_put, for its exact error.
	 */
	kam_encoded enc;
	if (kam_put_encode(s->kind, &r->rec, &pl->enc, &enc))
		return;
	size_t n = (size_t)enc.vlen + enc.iklen;
	uint8_t *p = arena_alloc(a, n ? n : 1);
	if (!p)
		return;
	memcpy(p, enc.bytes, n);
	enc.bytes = p;
	r->enc = enc;
	r->encoded = true;
}

/* Fills batch b; returns false after its last batch. */
static bool batch_fill(pipeline *pl, batch *b)
{
	import *im = pl->im;
	arena_reset(&b->mem);
	b->n = 0;
	b->end = false;
	while (b->n < BATCH_ROWS) {
		kam_csv_row row;
		int rc = kam_csv_next(im->csv, &row);
		if (rc <= 0) {
			b->end = true;
			b->csv_rc = rc;
			break;
		}
		prow *r = &b->rows[b->n];
		if (!row_copy(&b->mem, &row, &r->row)) {
			b->end = true;
			b->csv_rc = KAM_ENOMEM;
			break;
		}
		row_parse(pl, &b->mem, r);
		r->bytes_read = kam_csv_bytes_read(im->csv);
		b->n++;
	}
	return !b->end;
}

static void *reader_main(void *arg)
{
	pipeline *pl = arg;
	for (unsigned i = 0;; i = (i + 1) % BATCHES) {
		batch *b = &pl->b[i];
		pthread_mutex_lock(&pl->lock);
		while (b->full && !pl->stop)
			pthread_cond_wait(&pl->cond, &pl->lock);
		bool stop = pl->stop;
		pthread_mutex_unlock(&pl->lock);
		if (stop)
			break;
		bool more = batch_fill(pl, b);
		pthread_mutex_lock(&pl->lock);
		b->full = true;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
		if (!more)
			break;
	}
	return NULL;
}

static void pipeline_free(pipeline *pl)
{
	for (int i = 0; i < BATCHES; i++) {
		free(pl->b[i].rows);
		arena_free(&pl->b[i].mem);
	}
	kam_buf_free(&pl->attrs);
	kam_buf_free(&pl->enc);
	free(pl);
}

/* Starts the reader thread on im->csv (after the header). NULL: import in one thread. */
static pipeline *pipeline_start(import *im)
{
	pipeline *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->im = im;
	for (int i = 0; i < BATCHES; i++) {
		pl->b[i].rows = malloc(BATCH_ROWS * sizeof(prow));
		if (!pl->b[i].rows) {
			pipeline_free(pl);
			return NULL;
		}
	}
	if (pthread_mutex_init(&pl->lock, NULL)) {
		pipeline_free(pl);
		return NULL;
	}
	if (pthread_cond_init(&pl->cond, NULL)) {
		pthread_mutex_destroy(&pl->lock);
		pipeline_free(pl);
		return NULL;
	}
	if (pthread_create(&pl->thread, NULL, reader_main, pl)) {
		pthread_cond_destroy(&pl->cond);
		pthread_mutex_destroy(&pl->lock);
		pipeline_free(pl);
		return NULL;
	}
	return pl;
}

/* Stops the reader (it may be ahead of the writer) and waits for it. */
static void pipeline_stop(pipeline *pl)
{
	pthread_mutex_lock(&pl->lock);
	pl->stop = true;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	pthread_join(pl->thread, NULL);
	pthread_cond_destroy(&pl->cond);
	pthread_mutex_destroy(&pl->lock);
	pipeline_free(pl);
}

/*
 * Writes the rows the reader parses. Returns 0 or a code, with *csv_rc set to kam_csv_next's
 * final result when the input was read to its end or to a reader error.
 */
static int pipeline_run(pipeline *pl, kam_txn *txn, int *csv_rc)
{
	import *im = pl->im;
	kam_import_result *res = im->res;
	for (unsigned i = 0;; i = (i + 1) % BATCHES) {
		batch *b = &pl->b[i];
		pthread_mutex_lock(&pl->lock);
		while (!b->full)
			pthread_cond_wait(&pl->cond, &pl->lock);
		pthread_mutex_unlock(&pl->lock);
		for (uint32_t j = 0; j < b->n; j++) {
			prow *r = &b->rows[j];
			res->rows++;
			int rc = r->bad ? import_row(im, txn, &r->row)
					: store_row(im, txn, &r->row, &r->rec,
						    r->encoded ? &r->enc : NULL);
			if (rc)
				return rc;
			if (res->rows % PROGRESS_EVERY == 0)
				progress_at(im, r->bytes_read);
		}
		if (b->end) {
			*csv_rc = b->csv_rc;
			return 0;
		}
		pthread_mutex_lock(&pl->lock);
		b->full = false;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
	}
}

/*
 * Whether to read with a second thread: for files of THREAD_MIN_BYTES and more, unless the
 * environment variable KAM_IMPORT_THREADS says "0" (never) or "1" (always; for tests).
 */
static bool use_thread(const import *im)
{
	const char *e = getenv("KAM_IMPORT_THREADS");
	if (e && strcmp(e, "0") == 0)
		return false;
	if (e && strcmp(e, "1") == 0)
		return true;
	return kam_csv_total_bytes(im->csv) >= THREAD_MIN_BYTES;
}

/* The body of the write transaction; restartable after the map grew. */
static int import_run(kam_txn *txn, void *arg)
{
	import *im = arg;
	kam_import_result *res = im->res;
	memset(res, 0, sizeof(*res));
	if (kam_csv_bytes_read(im->csv) > 0) {
		int rc = kam_csv_rewind(im->csv);
		if (rc) {
			snprintf(res->error, sizeof(res->error),
				 "%s: the database had to grow and the input cannot be read again; "
				 "import from a file instead of a pipe", im->name);
			return rc;
		}
		if (im->opts->rejects) {
			rewind(im->opts->rejects);
			if (ftruncate(fileno(im->opts->rejects), 0))
				return KAM_EIO;
		}
	}
	int rc = read_header(im);
	if (rc)
		return rc;
	pipeline *pl = NULL;
	if (use_thread(im))
		pl = pipeline_start(im);
	if (pl) {
		int csv_rc = 0;
		rc = pipeline_run(pl, txn, &csv_rc);
		pipeline_stop(pl);
		if (rc)
			return rc;
		rc = csv_rc;
	} else {
		kam_csv_row row;
		while ((rc = kam_csv_next(im->csv, &row)) > 0) {
			res->rows++;
			if ((rc = import_row(im, txn, &row)))
				return rc;
			if (res->rows % PROGRESS_EVERY == 0)
				progress(im);
		}
	}
	if (rc < 0) {
		const kam_csv_error *e = kam_csv_last_error(im->csv);
		if ((rc == KAM_EPARSE || rc == KAM_ELIMIT) && im->cols && e->column >= 1 &&
		    e->column <= im->ncols)
			fail_at(im, e->line, "column %u (%.*s): %s", e->column,
				(int)im->cols[e->column - 1].header.len, im->cols[e->column - 1].header.ptr,
				e->what);
		else if (rc == KAM_EPARSE || rc == KAM_ELIMIT)
			fail_at(im, e->line, "column %u: %s", e->column, e->what);
		else
			snprintf(res->error, sizeof(res->error), "%s: %s", im->name, kam_strerror(rc));
		return rc;
	}
	progress(im);
	return 0;
}

/* The files of one transaction, imported in order. */
typedef struct import_set {
	import *ims;
	size_t n;
	size_t at; /* the file being imported (the one that failed, on failure) */
} import_set;

/* The body of the write transaction; restartable after the map grew (each file reads again). */
static int import_set_run(kam_txn *txn, void *arg)
{
	import_set *set = arg;
	for (set->at = 0; set->at < set->n; set->at++) {
		int rc = import_run(txn, &set->ims[set->at]);
		if (rc)
			return rc;
	}
	set->at = set->n - 1; /* a failing commit is reported on the last file */
	return 0;
}

/* Checks the options of file i and opens it; 0 or a code with its result's error set. */
static int import_open(import *im, const kam_import_opts *opts, kam_import_result *result)
{
	*im = (import){ .opts = opts, .res = result, .schema = kam_schema_of(opts->kind) };
	im->name = strcmp(opts->path, "-") == 0 ? "<stdin>" : opts->path;
	memset(result, 0, sizeof(*result));
	int rc = map_check(im);
	if (!rc && (rc = kam_csv_open(opts->path, &im->csv)))
		snprintf(result->error, sizeof(result->error), "%s: %s", im->name, kam_strerror(rc));
	return rc;
}

static void import_close(import *im)
{
	kam_csv_close(im->csv);
	free(im->cols);
	kam_buf_free(&im->header_copy);
	kam_buf_free(&im->attrs);
}

int kam_import_many(kam_store *store, const kam_import_opts *opts, size_t n,
		    kam_import_result *results, size_t *failed)
{
	size_t opened = 0;
	uint64_t total = 0;
	int rc = 0;
	*failed = 0;
	if (n == 0)
		return 0;
	import *ims = calloc(n, sizeof(*ims));
	if (!ims) {
		memset(&results[0], 0, sizeof(results[0]));
		snprintf(results[0].error, sizeof(results[0].error), "out of memory");
		return KAM_ENOMEM;
	}
	for (; opened < n; opened++) {
		if (strcmp(opts[opened].path, "-") == 0) {
			for (size_t i = 0; i < opened && !rc; i++)
				if (strcmp(opts[i].path, "-") == 0)
					rc = KAM_EINVAL;
			if (rc) {
				memset(&results[opened], 0, sizeof(results[opened]));
				snprintf(results[opened].error, sizeof(results[opened].error),
					 "standard input ('-') can be read only once");
				*failed = opened;
				goto out;
			}
		}
		if ((rc = import_open(&ims[opened], &opts[opened], &results[opened]))) {
			*failed = opened;
			opened++;
			goto out;
		}
		uint64_t size = kam_csv_total_bytes(ims[opened].csv);
		/* 0 is a pipe (or an empty file, which costs the same either way) */
		total = size && total != KAM_BYTES_UNKNOWN ? total + size : KAM_BYTES_UNKNOWN;
	}
	/*
	 * A database takes two to three times the CSV bytes: say so, or a big import would fill the
	 * map, grow it and start again.
	 */
	import_set set = { ims, n, 0 };
	rc = kam_store_write_large(store, total == KAM_BYTES_UNKNOWN ? total : total * 3,
				   import_set_run, &set);
	if (rc) {
		*failed = set.at;
		kam_import_result *r = &results[set.at];
		if (!r->error[0])
			snprintf(r->error, sizeof(r->error), "%s: %s", ims[set.at].name,
				 kam_strerror(rc));
	}
out:
	for (size_t i = 0; i < opened; i++)
		import_close(&ims[i]);
	free(ims);
	return rc;
}

int kam_import(kam_store *store, const kam_import_opts *opts, kam_import_result *result)
{
	size_t failed;
	return kam_import_many(store, opts, 1, result, &failed);
}
