/* cmd_list.c - `kam list accounts`: accounts filtered, sorted and limited. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "where.h"

/* One account in a sorted listing; views stay valid while the read transaction lives. */
typedef struct entry {
	kam_account a;
	kam_rollup r;
} entry;

static const kam_sort *sort_key; /* for qsort's comparator */

static int entry_cmp(const void *x, const void *y)
{
	const entry *a = x, *b = y;
	return kam_sort_cmp(sort_key, &a->a, &a->r, &b->a, &b->r);
}

enum { COL_ACCOUNT = 7, NCOLS = COL_ACCOUNT + 3 };
static const kam_col cols[NCOLS] = {
	{ "id", false }, { "name", false }, { "region", false }, { "channel", false },
	{ "owner", false }, { "employees", true }, { "annual_revenue", true },
	{ "revenue", true }, { "order_count", true }, { "last_order", false },
};
static const int account_fields[COL_ACCOUNT] = {
	KAM_A_ID, KAM_A_NAME, KAM_A_REGION, KAM_A_CHANNEL, KAM_A_OWNER, KAM_A_EMPLOYEES,
	KAM_A_ANNUAL_REVENUE,
};

static int print_row(kam_out *out, const kam_account *a, const kam_rollup *r)
{
	const kam_schema *s = kam_schema_of(KAM_ACCOUNT);
	char scratch[NCOLS][48];
	kam_str v[NCOLS], roll[CLI_ROLLUP_NCOLS];
	char rs[CLI_ROLLUP_NCOLS][48];
	for (int i = 0; i < COL_ACCOUNT; i++)
		v[i] = KAM_HAS(a, account_fields[i]) ? kam_field_text(s, a, account_fields[i], scratch[i])
						     : (kam_str){ 0 };
	cli_rollup_texts(r, roll, rs);
	v[COL_ACCOUNT] = roll[3];     /* revenue */
	v[COL_ACCOUNT + 1] = roll[0]; /* order_count */
	v[COL_ACCOUNT + 2] = roll[2]; /* last_order */
	return kam_out_row(out, v);
}

typedef struct query {
	kam_scan scan;
	kam_str key;
	kam_where *where;
	kam_sort *sort;
	unsigned long long limit; /* 0: no limit */
	kam_format fmt;
} query;

static int list(kam_txn *txn, const query *q)
{
	kam_out *out = kam_out_begin(stdout, q->fmt, cols, NCOLS);
	kam_cursor *cur = NULL;
	entry *all = NULL;
	size_t n = 0, cap = 0, printed = 0;
	if (!out)
		return KAM_ENOMEM;
	int rc = kam_cursor_open(txn, KAM_ACCOUNT, q->scan, q->key, INT32_MIN, INT32_MAX, &cur);
	entry e;
	while (!rc && (rc = kam_cursor_next(cur, &e.a)) > 0) {
		if ((rc = kam_cursor_rollup(cur, &e.r)))
			break;
		if (q->where && !kam_where_match(q->where, &e.a, &e.r))
			continue;
		if (!q->sort) {
			if (q->limit && printed == q->limit)
				break;
			rc = print_row(out, &e.a, &e.r);
			printed++;
			continue;
		}
		if ((rc = kam_grow((void **)&all, &cap, n + 1, sizeof(*all))))
			break;
		all[n++] = e;
	}
	kam_cursor_close(cur);
	if (!rc && q->sort) {
		sort_key = q->sort;
		qsort(all, n, sizeof(*all), entry_cmp);
		for (size_t i = 0; !rc && i < n && (!q->limit || i < q->limit); i++)
			rc = print_row(out, &all[i].a, &all[i].r);
	}
	free(all);
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "region", required_argument, NULL, 'r' },
		{ "owner", required_argument, NULL, 'o' },
		{ "where", required_argument, NULL, 'w' },
		{ "sort", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ 0 },
	};
	query q = { .scan = KAM_SCAN_ALL, .fmt = KAM_FMT_TABLE };
	const char *where = NULL, *sort = NULL;
	int ch, rc = 0;
	char err[512];
	while ((ch = cli_getopt(c, &cmd_list, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_list, optarg, &q.fmt); break;
		case 'r': q.scan = KAM_SCAN_REGION; q.key = kam_str_c(optarg); break;
		case 'o': q.scan = KAM_SCAN_OWNER; q.key = kam_str_c(optarg); break;
		case 'w': where = optarg; break;
		case 's': sort = optarg; break;
		case 'l': rc = cli_uint(&cmd_list, "--limit", optarg, &q.limit); break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (argc - optind != 1 || strcmp(argv[optind], "accounts") != 0)
		return cli_usage(&cmd_list, "expected 'accounts'");
	if (where && kam_where_parse(where, &q.where, err, sizeof(err)))
		return cli_usage(&cmd_list, "--where: %s", err);
	if (sort && kam_sort_parse(sort, &q.sort, err, sizeof(err))) {
		kam_where_free(q.where);
		return cli_usage(&cmd_list, "--sort: %s", err);
	}
	kam_store *store;
	kam_txn *txn;
	rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (!rc) {
		rc = kam_txn_begin(store, 0, &txn);
		if (!rc) {
			rc = list(txn, &q);
			kam_txn_abort(txn);
		}
		kam_store_close(store);
		if (rc)
			rc = cli_fail("list: %s", kam_strerror(rc));
	}
	kam_where_free(q.where);
	kam_sort_free(q.sort);
	return rc;
}

const command cmd_list = {
	"list", run, "list accounts, filtered and sorted",
	"Usage: kam [--db PATH] list accounts [--region R] [--owner O] [--where EXPR]\n"
	"                                     [--sort [-]FIELD] [--limit N] [--format table|csv|json]\n"
	"Lists accounts in id order with their revenue, order count and last order.\n\n"
	"Options:\n"
	"  --region R      only accounts of region R ('' for accounts without a region)\n"
	"  --owner O       only accounts owned by rep O\n"
	"  --where EXPR    comparisons that must all hold, joined by ',' or 'and':\n"
	"                  FIELD OP VALUE with OP one of = != < <= > >=; FIELD is an account field\n"
	"                  or a rollup figure (order_count, revenue, profit, interaction_count,\n"
	"                  minutes, first_order, last_order, last_call, last_visit, last_interaction).\n"
	"                  Example: --where 'employees>=100, channel=stationery-maker'\n"
	"                  FIELD= matches an absent value, FIELD!= a present one.\n"
	"  --sort [-]FIELD order by a field or rollup figure; '-' for descending\n"
	"  --limit N       at most N accounts\n"
	"  --format F      table (default), csv or json\n",
};
