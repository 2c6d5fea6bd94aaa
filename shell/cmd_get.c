/* cmd_get.c - `kam get KIND ID`: one record; for an account also its rollup, contacts and
 * latest interactions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"

#define LATEST_DEFAULT 10

/* A record as "name  value" lines (table) or one JSON object (json). */
static void print_record(const kam_schema *s, const void *rec, kam_format fmt)
{
	char scratch[48];
	kam_str it = ((const kam_rec *)rec)->attrs, key, val;
	if (fmt == KAM_FMT_JSON) {
		fputc('{', stdout);
		for (unsigned f = 0; f < s->nfields; f++) {
			if (!KAM_HAS(rec, f))
				continue;
			kam_str v = kam_field_text(s, rec, (int)f, scratch);
			kam_type t = s->fields[f].type;
			if (f)
				fputc(',', stdout);
			kam_json_string(stdout, s->fields[f].name, strlen(s->fields[f].name));
			fputc(':', stdout);
			if (t == KAM_T_COUNT || t == KAM_T_MONEY || t == KAM_T_BOOL)
				fwrite(v.ptr, 1, v.len, stdout);
			else
				kam_json_string(stdout, v.ptr, v.len);
		}
		while (kam_attr_next(&it, &key, &val) > 0) {
			fputc(',', stdout);
			kam_json_string(stdout, key.ptr, key.len);
			fputc(':', stdout);
			kam_json_string(stdout, val.ptr, val.len);
		}
		fputc('}', stdout);
		return;
	}
	for (unsigned f = 0; f < s->nfields; f++) {
		if (!KAM_HAS(rec, f))
			continue;
		kam_str v = kam_field_text(s, rec, (int)f, scratch);
		printf("  %-18s %.*s\n", s->fields[f].name, (int)v.len, v.ptr);
	}
	while (kam_attr_next(&it, &key, &val) > 0)
		printf("  %-18.*s %.*s   (custom)\n", (int)key.len, key.ptr, (int)val.len, val.ptr);
}

static void print_rollup(const kam_rollup *r, kam_format fmt)
{
	kam_str v[CLI_ROLLUP_NCOLS];
	char scratch[CLI_ROLLUP_NCOLS][48];
	cli_rollup_texts(r, v, scratch);
	if (fmt == KAM_FMT_JSON)
		fputc('{', stdout);
	for (int i = 0; i < CLI_ROLLUP_NCOLS; i++) {
		const kam_col *col = &cli_rollup_cols[i];
		if (fmt != KAM_FMT_JSON) {
			printf("  %-18s %.*s\n", col->name, (int)v[i].len, v[i].ptr ? v[i].ptr : "");
			continue;
		}
		printf("%s\"%s\":", i ? "," : "", col->name);
		if (!v[i].ptr)
			fputs("null", stdout);
		else if (col->numeric)
			fwrite(v[i].ptr, 1, v[i].len, stdout);
		else
			kam_json_string(stdout, v[i].ptr, v[i].len);
	}
	if (fmt == KAM_FMT_JSON)
		fputc('}', stdout);
}

/* Prints the records of `kind` attached to an account, keeping only the last `keep` (0: all). */
static int print_children(kam_txn *txn, kam_kind kind, kam_str id, unsigned keep, kam_format fmt)
{
	const kam_schema *s = kam_schema_of(kind);
	kam_cursor *cur;
	int rc = kam_cursor_open(txn, kind, KAM_SCAN_OF_ACCOUNT, id, INT32_MIN, INT32_MAX, &cur);
	if (rc)
		return rc;
	size_t cap = keep ? keep : 16, n = 0;
	kam_any *ring = malloc(cap * sizeof(*ring));
	if (!ring) {
		kam_cursor_close(cur);
		return KAM_ENOMEM;
	}
	kam_any rec;
	while ((rc = kam_cursor_next(cur, &rec)) > 0) {
		if (!keep && n == cap) {
			kam_any *p = realloc(ring, 2 * cap * sizeof(*p));
			if (!p) {
				rc = KAM_ENOMEM;
				break;
			}
			ring = p;
			cap *= 2;
		}
		ring[n++ % cap] = rec;
	}
	kam_cursor_close(cur);
	size_t first = n > cap ? n - cap : 0;
	if (fmt != KAM_FMT_JSON)
		printf("%s%s (%zu%s)\n", keep ? "latest " : "", s->name, n - first,
		       first ? " shown" : "");
	else
		printf(",\"%s\":[", s->name);
	/* Interactions newest first; contacts in id order. */
	for (size_t k = 0; !rc && k < n - first; k++) {
		size_t i = keep ? n - 1 - k : first + k;
		if (k && fmt == KAM_FMT_JSON)
			fputc(',', stdout);
		else if (k)
			fputc('\n', stdout);
		print_record(s, &ring[i % cap], fmt);
	}
	if (fmt == KAM_FMT_JSON)
		fputc(']', stdout);
	free(ring);
	return rc;
}

static int show_account(kam_txn *txn, kam_str id, unsigned latest, kam_format fmt)
{
	const kam_schema *s = kam_schema_of(KAM_ACCOUNT);
	kam_account a;
	kam_rollup r;
	int rc = kam_get(txn, KAM_ACCOUNT, id, &a);
	if (!rc)
		rc = kam_rollup_get(txn, id, &r);
	if (rc)
		return rc;
	if (fmt == KAM_FMT_JSON) {
		fputs("{\"account\":", stdout);
		print_record(s, &a, fmt);
		fputs(",\"rollup\":", stdout);
		print_rollup(&r, fmt);
	} else {
		printf("account %.*s\n", (int)id.len, id.ptr);
		print_record(s, &a, fmt);
		puts("rollup");
		print_rollup(&r, fmt);
	}
	rc = print_children(txn, KAM_CONTACT, id, 0, fmt);
	if (!rc)
		rc = print_children(txn, KAM_INTERACTION, id, latest, fmt);
	if (fmt == KAM_FMT_JSON)
		fputs("}\n", stdout);
	return rc;
}

static int show_other(kam_txn *txn, kam_kind kind, kam_str id, kam_format fmt)
{
	kam_any rec;
	int rc = kam_get(txn, kind, id, &rec);
	if (rc)
		return rc;
	if (fmt != KAM_FMT_JSON)
		printf("%s %.*s\n", kam_schema_of(kind)->singular, (int)id.len, id.ptr);
	print_record(kam_schema_of(kind), &rec, fmt);
	if (fmt == KAM_FMT_JSON)
		fputc('\n', stdout);
	return 0;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "latest", required_argument, NULL, 'n' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	unsigned long long latest = LATEST_DEFAULT;
	int ch, rc = 0;
	while ((ch = cli_getopt(c, &cmd_get, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_get, optarg, &fmt); break;
		case 'n': rc = cli_uint(&cmd_get, "--latest", optarg, &latest); break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	kam_kind kind;
	if (argc - optind != 2)
		return cli_usage(&cmd_get, "expected KIND ID");
	if (kam_kind_parse(argv[optind], &kind))
		return cli_usage(&cmd_get, "unknown kind \"%s\"; expected account, contact, order or interaction",
				 argv[optind]);
	if (fmt == KAM_FMT_CSV)
		return cli_usage(&cmd_get, "--format: expected table or json");
	if (latest == 0 || latest > 100000)
		return cli_usage(&cmd_get, "--latest: expected 1 to 100000");
	kam_str id = kam_str_c(argv[optind + 1]);
	kam_store *store;
	kam_txn *txn;
	if ((rc = cli_open(c, KAM_STORE_RDONLY, &store)))
		return rc;
	rc = kam_txn_begin(store, 0, &txn);
	if (!rc) {
		rc = kind == KAM_ACCOUNT ? show_account(txn, id, (unsigned)latest, fmt)
					 : show_other(txn, kind, id, fmt);
		kam_txn_abort(txn);
	}
	kam_store_close(store);
	if (rc == KAM_ENOTFOUND)
		return cli_fail("no %s with id \"%s\"", kam_schema_of(kind)->singular, argv[optind + 1]);
	return rc ? cli_fail("get: %s", kam_strerror(rc)) : EXIT_OK;
}

const command cmd_get = {
	"get", run, "show one record; for an account its rollup, contacts and latest interactions",
	"Usage: kam [--db PATH] get KIND ID [--latest N] [--format table|json]\n"
	"Shows the account, contact, order or interaction ID. For an account it also shows its\n"
	"rollup figures, its contacts and its latest N interactions (default 10), newest first.\n",
};
