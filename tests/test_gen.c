/*
 * test_gen.c - the synthetic data generator: determinism, shape of the data, referential
 * integrity, valid slugs and dates. The files are parsed by a small RFC 4180 reader of its own so
 * that this test does not depend on core/csv.c.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kam/errors.h>

#include "gen.h"

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/kam-test-gen-XXXXXX");

	cr_assert_not_null(d);
	cr_assert_not_null(mkdtemp(d));
	return d;
}

/* Removes a directory tree that is at most two levels deep (what these tests create). */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	cr_assert_not_null(data);
	cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static int file_exists(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void gen_into(const char *dir, uint64_t accounts, uint64_t seed)
{
	kam_gen_opts o = { .accounts = accounts, .seed = seed };
	int rc = kam_gen_write(dir, &o);

	cr_assert_eq(rc, 0, "kam_gen_write: %d", rc);
}

/* A parsed CSV file: rows of NUL-terminated cells, header row first. */
typedef struct table {
	size_t nrows, ncols;
	char **cells; /* nrows * ncols */
	char *text;   /* the unquoted cell texts */
} table;

static const char *cell(const table *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

static size_t col_of(const table *t, const char *name)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(cell(t, 0, c), name))
			return c;
	cr_assert_fail("no column %s", name);
	return 0;
}

/*
 * Strict RFC 4180 for what the generator writes: LF line ends, quoted cells with "" escapes and
 * embedded newlines; every row must have as many cells as the header.
 */
static void table_parse(table *t, const char *dir, const char *name)
{
	size_t len, i = 0, cap = 1024, n = 0, rowcells = 0;
	char *src = read_file(dir, name, &len);
	char *out = malloc(len + 1), *w = out;

	cr_assert_not_null(out);
	t->cells = malloc(cap * sizeof(char *));
	t->ncols = 0;
	t->text = out;
	cr_assert(len > 0 && src[len - 1] == '\n', "%s must end with a newline", name);
	while (i < len) {
		char *start = w;

		if (src[i] == '"') {
			i++;
			for (;;) {
				cr_assert(i < len, "%s: unterminated quote", name);
				if (src[i] == '"') {
					if (i + 1 < len && src[i + 1] == '"') {
						*w++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*w++ = src[i++];
			}
			cr_assert(src[i] == ',' || src[i] == '\n', "%s: junk after a quote", name);
		} else {
			while (src[i] != ',' && src[i] != '\n') {
				cr_assert(src[i] != '"' && src[i] != '\r', "%s: bare quote or CR", name);
				*w++ = src[i++];
			}
		}
		*w++ = '\0';
		if (n == cap) {
			cap *= 2;
			t->cells = realloc(t->cells, cap * sizeof(char *));
			cr_assert_not_null(t->cells);
		}
		t->cells[n++] = start;
		rowcells++;
		if (src[i++] == '\n') {
			if (!t->ncols)
				t->ncols = rowcells;
			cr_assert_eq(rowcells, t->ncols, "%s: row %zu has %zu cells, not %zu", name,
				     n / t->ncols, rowcells, t->ncols);
			rowcells = 0;
		}
	}
	t->nrows = n / t->ncols;
	free(src);
}

static void table_free(table *t)
{
	free(t->cells);
	free(t->text);
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* The slugs of REFERENCE.md, typed in again rather than taken from the generator. */
static const char *const region_slugs[] = { "east", "south", "north", "central", "southwest",
					    "northeast", "northwest", "", NULL };
static const char *const channel_slugs[] = {
	"hypermarket", "electronics-chain", "op-direct-online", "op-superstore", "op-regional-chain",
	"stationery-maker", "finance-equipment-maker", "oem-equipment-agent", "imaging-processor",
	"office-equipment-paper-maker", NULL };
static const char *const stage_slugs[] = { "prospect", "appointment", "proposal", "won", "service",
					   NULL };
static const char *const mode_slugs[] = { "direct", "consignment", "oem", "agency", "", NULL };
static const char *const category_slugs[] = { "ink", "toner", "cartridge", "ribbon", "paper", NULL };
static const char *const kind_slugs[] = { "call", "visit", "email", "meeting", "other", NULL };
static const char *const outcome_slugs[] = { "connected", "no-answer", "objection", "appointment",
					     "callback", "", NULL };
static const char *const objection_slugs[] = { "send-materials", "in-house-supply", "has-supplier",
	"not-decision-maker", "no-budget", "price-too-high", "bad-past-experience", NULL };
static const char *const bool_slugs[] = { "true", "false", "", NULL };

/* Id of the form P + digits of exactly `width`; returns the number. */
static long id_num(const char *id, char prefix, size_t width)
{
	size_t i;

	cr_assert_eq(id[0], prefix, "id %s", id);
	cr_assert_eq(strlen(id), width + 1, "id %s", id);
	for (i = 1; i <= width; i++)
		cr_assert(id[i] >= '0' && id[i] <= '9', "id %s", id);
	return strtol(id + 1, NULL, 10);
}

static int is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "YYYY-MM-DD" within [lo, hi] (both as text; ISO dates compare bytewise). */
static void check_date(const char *s, const char *lo, const char *hi, int allow_time)
{
	size_t n = strlen(s);
	int m, d;

	cr_assert(n == 10 || (allow_time && n == 19), "bad date %s", s);
	cr_assert(is_digits(s, 4) && s[4] == '-' && is_digits(s + 5, 2) && s[7] == '-' &&
		  is_digits(s + 8, 2), "bad date %s", s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	cr_assert(m >= 1 && m <= 12 && d >= 1 && d <= 31, "bad date %s", s);
	if (n == 19) {
		cr_assert(s[10] == 'T' && is_digits(s + 11, 2) && s[13] == ':' && is_digits(s + 14, 2) &&
			  s[16] == ':' && is_digits(s + 17, 2), "bad time %s", s);
		cr_assert(atoi(s + 11) < 24 && atoi(s + 14) < 60 && atoi(s + 17) < 60, "bad time %s", s);
	}
	cr_assert(strncmp(s, lo, 10) >= 0 && strncmp(s, hi, 10) <= 0, "date %s outside %s..%s", s, lo,
		  hi);
}

/* Money with exactly two decimals, as integer cents. */
static long long cents(const char *s)
{
	const char *dot = strchr(s, '.');
	int neg = s[0] == '-';

	cr_assert(dot && strlen(dot) == 3 && is_digits(dot + 1, 2), "bad amount %s", s);
	cr_assert(dot > s + neg && is_digits(s + neg, (size_t)(dot - s - neg)), "bad amount %s", s);
	return (neg ? -1 : 1) * (atoll(s + neg) * 100 + atoll(dot + 1));
}

/* ---- tests ---- */

Test(gen, deterministic)
{
	static const char *const files[] = { "accounts.csv", "contacts.csv", "orders.csv",
					     "interactions.csv" };
	char *d1 = make_tmpdir(), *d2 = make_tmpdir(), *d3 = make_tmpdir();
	int i;

	gen_into(d1, 1500, 11);
	gen_into(d2, 1500, 11);
	gen_into(d3, 1500, 12);
	for (i = 0; i < 4; i++) {
		size_t n1, n2, n3;
		char *a = read_file(d1, files[i], &n1), *b = read_file(d2, files[i], &n2);
		char *c = read_file(d3, files[i], &n3);

		cr_assert(n1 == n2 && memcmp(a, b, n1) == 0, "%s differs between two runs", files[i]);
		cr_assert(n1 != n3 || memcmp(a, c, n1) != 0, "%s ignores the seed", files[i]);
		free(a);
		free(b);
		free(c);
	}
	remove_tree(d1);
	remove_tree(d2);
	remove_tree(d3);
	free(d1);
	free(d2);
	free(d3);
}

/* FNV-1a, to pin the exact bytes. */
static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * The same bytes on every machine and build: pinned hashes of a small run. A deliberate change
 * of the generator changes them; update them then (and say so in the commit), never otherwise.
 */
Test(gen, pinned_output)
{
	static const char *const files[] = { "accounts.csv", "contacts.csv", "orders.csv",
					     "interactions.csv" };
	static const uint64_t want[] = { 0x0cc4bf85bb466d82ull, 0x9bf6649ff2b92a78ull,
					 0x2c6ba78d197f91cdull, 0x8d193008d2270d7bull };
	char *d = make_tmpdir();
	int i;

	gen_into(d, 200, 42);
	for (i = 0; i < 4; i++) {
		size_t n;
		char *a = read_file(d, files[i], &n);
		uint64_t h = fnv1a(a, n);

		cr_expect_eq(h, want[i], "%s: hash 0x%016llxull, pinned 0x%016llxull", files[i],
			     (unsigned long long)h, (unsigned long long)want[i]);
		free(a);
	}
	remove_tree(d);
	free(d);
}

/* The first K accounts do not depend on how many follow. */
Test(gen, prefix_stable)
{
	char *d1 = make_tmpdir(), *d2 = make_tmpdir();
	size_t n1, n2;
	char *a, *b;

	gen_into(d1, 300, 5);
	gen_into(d2, 1000, 5);
	a = read_file(d1, "orders.csv", &n1);
	b = read_file(d2, "orders.csv", &n2);
	cr_assert(n1 < n2 && memcmp(a, b, n1) == 0);
	free(a);
	free(b);
	remove_tree(d1);
	remove_tree(d2);
	free(d1);
	free(d2);
}

Test(gen, zero_accounts_writes_headers)
{
	char *d = make_tmpdir();
	size_t n;
	char *a;

	gen_into(d, 0, 1);
	a = read_file(d, "orders.csv", &n);
	cr_assert_str_eq(a, "id,account_id,date,amount,profit,mode,category,paid\n");
	free(a);
	remove_tree(d);
	free(d);
}

Test(gen, creates_nested_dir)
{
	char *d = make_tmpdir();
	char sub[256];

	snprintf(sub, sizeof(sub), "%s/x/y", d);
	gen_into(sub, 3, 1);
	cr_assert(file_exists(sub, "interactions.csv"));
	cr_assert(!file_exists(sub, "interactions.csv.tmp"));
	remove_tree(d);
	free(d);
}

Test(gen, bad_arguments)
{
	kam_gen_opts o = { .accounts = 1 };
	kam_gen_opts big = { .accounts = KAM_GEN_MAX_ACCOUNTS + 1 };
	char *d = make_tmpdir();
	char path[4096];
	FILE *f;

	cr_assert_eq(kam_gen_write(NULL, &o), KAM_EINVAL);
	cr_assert_eq(kam_gen_write("", &o), KAM_EINVAL);
	cr_assert_eq(kam_gen_write(d, NULL), KAM_EINVAL);
	cr_assert_eq(kam_gen_write(d, &big), KAM_ERANGE);
	/* A regular file where the directory should be. */
	snprintf(path, sizeof(path), "%s/file", d);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(kam_gen_write(path, &o), KAM_EIO);
	remove_tree(d);
	free(d);
}

static int cancel_at(void *ctx, uint64_t done, uint64_t total)
{
	uint64_t *calls = ctx;

	cr_assert(done <= total);
	(*calls)++;
	return done >= 16384;
}

Test(gen, progress_cancels_without_leaving_files)
{
	uint64_t calls = 0;
	kam_gen_opts o = { .accounts = 40000, .seed = 3, .progress = cancel_at, .progress_ctx = &calls };
	char *d = make_tmpdir();

	cr_assert_eq(kam_gen_write(d, &o), KAM_ECANCELED);
	cr_assert_eq(calls, 1);
	cr_assert(!file_exists(d, "accounts.csv") && !file_exists(d, "accounts.csv.tmp"));
	cr_assert(!file_exists(d, "interactions.csv.tmp"));
	remove_tree(d);
	free(d);
}

static int count_progress(void *ctx, uint64_t done, uint64_t total)
{
	uint64_t *last = ctx;

	cr_assert(done > *last && done <= total);
	*last = done;
	return 0;
}

Test(gen, progress_reaches_total_and_counts_rows)
{
	uint64_t last = 0;
	kam_gen_counts c;
	kam_gen_opts o = { .accounts = 20000, .seed = 3, .progress = count_progress,
			   .progress_ctx = &last, .counts = &c };
	char *d = make_tmpdir();
	table t;

	cr_assert_eq(kam_gen_write(d, &o), 0);
	cr_assert_eq(last, 20000);
	cr_assert_eq(c.accounts, 20000);
	table_parse(&t, d, "orders.csv");
	cr_assert_eq(c.orders, t.nrows - 1);
	table_free(&t);
	remove_tree(d);
	free(d);
}

/* Everything about the shape of a few thousand accounts. */
#define N 4000

typedef struct acct_info {
	unsigned contacts, orders, interactions;
	long first_contact;
	long long revenue_cents;
} acct_info;

static int cmp_ll_desc(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x < y) - (x > y);
}

static void check_accounts(const table *t, acct_info *info)
{
	size_t r, c_region = col_of(t, "region"), c_channel = col_of(t, "channel");
	size_t c_owner = col_of(t, "owner"), c_created = col_of(t, "created");
	size_t c_stage = col_of(t, "stage"), c_name = col_of(t, "name");
	size_t no_region = 0, quoted_names = 0;
	static const char *const cols[] = { "id", "name", "region", "industry", "channel", "employees",
		"net_assets", "annual_revenue", "wallet", "owner", "created", "stage" };

	cr_assert_eq(t->ncols, 12);
	for (r = 0; r < 12; r++)
		cr_assert_str_eq(cell(t, 0, r), cols[r]);
	cr_assert_eq(t->nrows, N + 1);
	for (r = 1; r < t->nrows; r++) {
		const char *owner = cell(t, r, c_owner);
		size_t f;

		cr_assert_eq(id_num(cell(t, r, 0), 'A', 7), (long)r, "accounts are numbered in order");
		cr_assert(in_list(cell(t, r, c_region), region_slugs), "region %s", cell(t, r, c_region));
		cr_assert(in_list(cell(t, r, c_channel), channel_slugs));
		cr_assert(in_list(cell(t, r, c_stage), stage_slugs));
		cr_assert(strlen(owner) == 5 && !strncmp(owner, "rep", 3) && is_digits(owner + 3, 2) &&
			  atoi(owner + 3) >= 1 && atoi(owner + 3) <= 40, "owner %s", owner);
		if (*cell(t, r, c_created))
			check_date(cell(t, r, c_created), "2014-01-01", "2026-06-30", 0);
		cr_assert(*cell(t, r, c_name));
		no_region += !*cell(t, r, c_region);
		quoted_names += strchr(cell(t, r, c_name), '"') != NULL;
		for (f = 5; f <= 8; f++) {
			const char *v = cell(t, r, f);

			cr_assert(is_digits(v, strlen(v)), "%s = %s", cell(t, 0, f), v);
		}
		memset(&info[r], 0, sizeof(info[r]));
	}
	cr_assert(no_region > N / 400 && no_region < N / 40, "%zu accounts without region", no_region);
	cr_assert(quoted_names > 0);
}

static void check_contacts(const table *t, acct_info *info)
{
	size_t r, c_acc = col_of(t, "account_id"), c_active = col_of(t, "active");

	cr_assert_eq(t->ncols, 7);
	for (r = 1; r < t->nrows; r++) {
		long a = id_num(cell(t, r, c_acc), 'A', 7);
		long id = id_num(cell(t, r, 0), 'C', 7);

		cr_assert_eq(id, (long)r);
		cr_assert(a >= 1 && a <= N, "contact %s names a missing account", cell(t, r, 0));
		if (!info[a].contacts)
			info[a].first_contact = id;
		info[a].contacts++;
		cr_assert(in_list(cell(t, r, c_active), bool_slugs));
		cr_assert(*cell(t, r, col_of(t, "name")));
	}
	for (r = 1; r <= N; r++)
		cr_assert(info[r].contacts >= 1 && info[r].contacts <= 3, "A%07zu has %u contacts", r,
			  info[r].contacts);
	cr_assert(t->nrows - 1 > 1.6 * N && t->nrows - 1 < 2.4 * N);
}

static void check_orders(const table *t, acct_info *info, const table *accounts)
{
	size_t r, c_acc = col_of(t, "account_id"), c_date = col_of(t, "date");
	size_t c_amount = col_of(t, "amount"), c_profit = col_of(t, "profit"), c_paid = col_of(t, "paid");
	size_t no_profit = 0, no_paid = 0, negative_profit = 0;
	long long *rev = calloc(N, sizeof(long long)), total = 0, top = 0;
	size_t c_stage = col_of(accounts, "stage");

	cr_assert_eq(t->ncols, 8);
	for (r = 1; r < t->nrows; r++) {
		long a = id_num(cell(t, r, c_acc), 'A', 7);
		long long amount = cents(cell(t, r, c_amount));

		cr_assert_eq(id_num(cell(t, r, 0), 'O', 8), (long)r);
		cr_assert(a >= 1 && a <= N, "order %s names a missing account", cell(t, r, 0));
		check_date(cell(t, r, c_date), "2023-07-01", "2026-06-30", 0);
		cr_assert(amount > 0);
		if (*cell(t, r, c_profit))
			negative_profit += cents(cell(t, r, c_profit)) < 0;
		else
			no_profit++;
		if (*cell(t, r, c_paid)) {
			long long paid = cents(cell(t, r, c_paid));

			cr_assert(paid >= 0 && paid <= amount, "order %s paid %s of %s", cell(t, r, 0),
				  cell(t, r, c_paid), cell(t, r, c_amount));
		} else {
			no_paid++;
		}
		cr_assert(in_list(cell(t, r, col_of(t, "mode")), mode_slugs));
		cr_assert(in_list(cell(t, r, col_of(t, "category")), category_slugs));
		info[a].orders++;
		rev[a - 1] += amount;
		total += amount;
	}
	for (r = 1; r <= N; r++) {
		const char *stage = cell(accounts, r, c_stage);

		if (!strcmp(stage, "prospect") || !strcmp(stage, "appointment"))
			cr_assert_eq(info[r].orders, 0, "a prospect with orders");
	}
	cr_assert(t->nrows - 1 > 8 * N && t->nrows - 1 < 12 * N, "%zu orders", t->nrows - 1);
	cr_assert(no_profit > 0 && no_profit < (t->nrows - 1) / 5);
	cr_assert(no_paid > 0 && negative_profit > 0);
	/* Heavy tail: the top 20% of accounts hold most of the revenue. */
	qsort(rev, N, sizeof(long long), cmp_ll_desc);
	for (r = 0; r < N / 5; r++)
		top += rev[r];
	cr_assert(top > total / 2, "top 20%% hold %lld of %lld", top, total);
	free(rev);
}

static void check_interactions(const table *t, acct_info *info)
{
	size_t r, c_acc = col_of(t, "account_id"), c_date = col_of(t, "date"), c_kind = col_of(t, "kind");
	size_t c_min = col_of(t, "minutes"), c_out = col_of(t, "outcome");
	size_t c_obj = col_of(t, "objection"), c_contact = col_of(t, "contact_id");
	size_t c_note = col_of(t, "note");
	size_t calls = 0, timed = 0, no_contact = 0, long_runs = 0, newline_notes = 0;
	size_t comma_notes = 0, quote_notes = 0, no_minutes = 0;
	long prev_acc = 0;
	unsigned run = 0;

	cr_assert_eq(t->ncols, 9);
	for (r = 1; r < t->nrows; r++) {
		long a = id_num(cell(t, r, c_acc), 'A', 7);
		const char *kind = cell(t, r, c_kind), *out = cell(t, r, c_out);
		const char *obj = cell(t, r, c_obj), *contact = cell(t, r, c_contact);
		const char *note = cell(t, r, c_note), *min = cell(t, r, c_min);

		cr_assert_eq(id_num(cell(t, r, 0), 'I', 8), (long)r);
		cr_assert(a >= 1 && a <= N, "interaction %s names a missing account", cell(t, r, 0));
		cr_assert(a >= prev_acc, "interactions grouped by account");
		if (a != prev_acc)
			run = 0;
		prev_acc = a;
		check_date(cell(t, r, c_date), "2023-07-01", "2026-06-30", 1);
		timed += strlen(cell(t, r, c_date)) == 19;
		cr_assert(in_list(kind, kind_slugs), "kind %s", kind);
		cr_assert(in_list(out, outcome_slugs), "outcome %s", out);
		cr_assert(!*out || !strcmp(kind, "call"), "only calls have an outcome");
		if (!strcmp(out, "objection"))
			cr_assert(in_list(obj, objection_slugs), "objection %s", obj);
		else
			cr_assert_str_empty(obj);
		if (*min)
			cr_assert(is_digits(min, strlen(min)) && atoi(min) <= 240);
		else
			no_minutes++;
		if (*contact) {
			long c = id_num(contact, 'C', 7);

			cr_assert(c >= info[a].first_contact &&
				  c < info[a].first_contact + (long)info[a].contacts,
				  "%s: contact %s of another account", cell(t, r, 0), contact);
		} else {
			no_contact++;
		}
		if (!strcmp(kind, "call")) {
			calls++;
			if (!strcmp(out, "objection")) {
				if (++run == 2)
					long_runs++;
			} else if (strcmp(out, "no-answer")) {
				run = 0;
			}
		}
		newline_notes += strchr(note, '\n') != NULL;
		comma_notes += strchr(note, ',') != NULL;
		quote_notes += strchr(note, '"') != NULL;
		info[a].interactions++;
	}
	r = t->nrows - 1;
	cr_assert(r > 4 * N && r < 7 * N, "%zu interactions", r);
	cr_assert(calls > r * 55 / 100 && calls < r * 65 / 100, "%zu calls of %zu", calls, r);
	cr_assert(timed > r / 50 && timed < r / 20, "%zu timed of %zu", timed, r);
	cr_assert(no_contact > 0 && no_minutes > 0);
	cr_assert(long_runs > 10, "only %zu runs of two or more objection calls", long_runs);
	cr_assert(newline_notes > 0 && comma_notes > 0 && quote_notes > 0);
}

Test(gen, shape_and_integrity)
{
	char *d = make_tmpdir();
	acct_info *info = calloc(N + 1, sizeof(*info));
	table acc, con, ord, itr;
	unsigned big_orders = 0, small_orders = 0, big = 0, small = 0;
	size_t r;

	gen_into(d, N, 2026);
	table_parse(&acc, d, "accounts.csv");
	table_parse(&con, d, "contacts.csv");
	table_parse(&ord, d, "orders.csv");
	table_parse(&itr, d, "interactions.csv");
	check_accounts(&acc, info);
	check_contacts(&con, info);
	check_orders(&ord, info, &acc);
	check_interactions(&itr, info);

	/* Larger accounts (by annual revenue) have more orders. */
	for (r = 1; r <= N; r++) {
		const char *rev = cell(&acc, r, col_of(&acc, "annual_revenue"));

		if (!*rev)
			continue;
		if (atoll(rev) >= 8000000) {
			big++;
			big_orders += info[r].orders;
		} else if (atoll(rev) < 2000000) {
			small++;
			small_orders += info[r].orders;
		}
	}
	cr_assert(big > 0 && small > 0);
	cr_assert((double)big_orders / big > 1.5 * small_orders / small, "big %u/%u, small %u/%u",
		  big_orders, big, small_orders, small);

	table_free(&acc);
	table_free(&con);
	table_free(&ord);
	table_free(&itr);
	free(info);
	remove_tree(d);
	free(d);
}
