/* cmd_tiers.c - `kam tiers`: the current tiers, or how tiers differ between two segmentations. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "segment.h"


static kam_str tier_text(const char *t)
{
	return *t ? (kam_str){ t, 1 } : (kam_str){ "", 0 };
}

static kam_str score_text(double v, char *buf)
{
	return (kam_str){ buf, (uint32_t)kam_out_number(v, buf) };
}

/* ---- the current tiers ---- */

static const kam_col cur_cols[] = {
	{ "account_id", false }, { "region", false }, { "tier", false }, { "score", true },
	{ "snapshot", true },
};
#define CUR_NCOLS (sizeof(cur_cols) / sizeof(cur_cols[0]))

static int print_current(const kam_tier_set *s, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, cur_cols, CUR_NCOLS);
	if (!out)
		return KAM_ENOMEM;
	int rc = 0;
	for (size_t i = 0; !rc && i < s->count; i++) {
		const kam_tier_row *r = &s->rows[i];
		char score[32], snap[24], tier[2] = { r->tier, 0 };
		kam_str v[CUR_NCOLS] = { r->account_id, r->region, tier_text(tier) };
		if (r->tier || r->snapshot)
			v[3] = score_text(r->score, score);
		if (r->snapshot)
			v[4] = (kam_str){ snap, (uint32_t)snprintf(snap, sizeof(snap), "%llu",
								   (unsigned long long)r->snapshot) };
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	return rc ? rc : end;
}

/* Says on stderr what the listing cannot: computed regions, accounts without a tier. */
static void current_notes(const kam_tier_set *s, int32_t today)
{
	if (s->ncomputed) {
		char day[KAM_DATE_BUFSZ];
		kam_date_format((kam_date){ today, KAM_NO_TIME }, day);
		fprintf(stderr, "kam: tiers: no segmentation stored for region%s",
			s->ncomputed == 1 ? "" : "s");
		for (size_t i = 0; i < s->ncomputed; i++)
			fprintf(stderr, "%s %s", i ? "," : "",
				*s->computed_regions[i] ? s->computed_regions[i] : "(none)");
		fprintf(stderr, ": computed with %s and its defaults as of %s, not stored "
				"(run 'kam segment' to store them)\n",
			KAM_DEFAULT_SEGMENTATION, day);
	}
	if (s->missing)
		fprintf(stderr, "kam: tiers: %zu account%s not in the current snapshot of %s region "
				"(added or moved since): no tier; run 'kam segment'\n",
			s->missing, s->missing == 1 ? " is" : "s are",
			s->missing == 1 ? "its" : "their");
}

/* ---- differences ---- */

/* One side of a comparison: a list of tiers in account id order. */
typedef struct side {
	const char *name;       /* as given: "current", an id, or the candidate model */
	kam_tier_row *rows;     /* owned (except for `current`, which lives in set) */
	size_t count;
	kam_tier_set set;       /* for "current" */
	kam_segment_result seg; /* for a candidate run */
	bool owns_rows;
} side;

static void side_free(side *s)
{
	if (s->owns_rows)
		free(s->rows);
	kam_tier_set_free(&s->set);
	kam_segment_result_free(&s->seg);
}

static int side_snapshot(kam_txn *txn, uint64_t id, const char *region, side *s)
{
	kam_snapshot_info info;
	int rc = kam_snapshot_get(txn, id, &info);
	if (rc == KAM_ENOTFOUND)
		return cli_fail("tiers: no snapshot %llu (see 'kam snapshots')",
				(unsigned long long)id);
	if (!rc) {
		/* A value snapshot has no tiers: comparing it would list every account. */
		int kind = info.kind;
		kam_snapshot_info_free(&info);
		if (kind != KAM_PLUGIN_SEGMENTATION)
			return cli_fail("tiers: snapshot %llu is a value snapshot, not a segmentation "
					"(see 'kam snapshots')", (unsigned long long)id);
	}
	kam_snapshot_iter *it;
	if (!rc)
		rc = kam_snapshot_iter_open(txn, id, &it);
	if (rc)
		return cli_fail("tiers: reading snapshot %llu: %s", (unsigned long long)id,
				kam_strerror(rc));
	size_t cap = 0;
	kam_snapshot_row row;
	kam_str want = kam_str_c(region);
	s->owns_rows = true;
	while ((rc = kam_snapshot_iter_next(it, &row)) > 0) {
		if (region && !kam_str_eq(row.region, want))
			continue;
		if ((rc = kam_grow((void **)&s->rows, &cap, s->count + 1, sizeof(*s->rows))))
			break;
		s->rows[s->count++] = (kam_tier_row){ row.account_id, row.region, row.tier, row.score,
						      id };
	}
	kam_snapshot_iter_close(it);
	if (rc < 0)
		return cli_fail("tiers: reading snapshot %llu: %s", (unsigned long long)id,
				kam_strerror(rc));
	return 0;
}

static void tier_name(char t, char *buf)
{
	buf[0] = t ? t : '-';
	buf[1] = 0;
}

static const kam_col diff_cols[] = {
	{ "account_id", false }, { "region", false }, { "tier_a", false }, { "tier_b", false },
	{ "score_a", true }, { "score_b", true },
};
#define DIFF_NCOLS (sizeof(diff_cols) / sizeof(diff_cols[0]))

static int tier_ix(char t)
{
	return t == 'A' ? 0 : t == 'B' ? 1 : t == 'C' ? 2 : 3;
}

static int print_diff(const side *a, const side *b, kam_format fmt)
{
	kam_out *out = kam_out_begin(stdout, fmt, diff_cols, DIFF_NCOLS);
	if (!out)
		return KAM_ENOMEM;
	size_t i = 0, j = 0, moves[4][4] = { { 0 } }, total = 0, changed = 0;
	int rc = 0;
	while (!rc && (i < a->count || j < b->count)) {
		const kam_tier_row *ra = i < a->count ? &a->rows[i] : NULL;
		const kam_tier_row *rb = j < b->count ? &b->rows[j] : NULL;
		int cmp = !ra ? 1 : !rb ? -1 : kam_str_cmp(ra->account_id, rb->account_id);
		if (cmp < 0)
			rb = NULL, i++;
		else if (cmp > 0)
			ra = NULL, j++;
		else
			i++, j++;
		char ta = ra ? ra->tier : 0, tb = rb ? rb->tier : 0;
		total++;
		moves[tier_ix(ta)][tier_ix(tb)]++;
		if (ta == tb)
			continue;
		changed++;
		char sa[32], sb[32], tas[2] = { ta, 0 }, tbs[2] = { tb, 0 };
		kam_str v[DIFF_NCOLS] = { ra ? ra->account_id : rb->account_id,
					  rb ? rb->region : ra->region, tier_text(tas),
					  tier_text(tbs) };
		if (ra && ra->tier)
			v[4] = score_text(ra->score, sa);
		if (rb && rb->tier)
			v[5] = score_text(rb->score, sb);
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	if (rc || end)
		return rc ? rc : end;
	fprintf(stderr, "kam: tiers --diff %s %s: %zu account%s, %zu changed tier", a->name,
		b->name, total, total == 1 ? "" : "s", changed);
	const char *sep = ": ";
	for (int x = 0; x < 4; x++)
		for (int y = 0; y < 4; y++) {
			if (x == y || !moves[x][y])
				continue;
			char nx[2], ny[2];
			tier_name("ABC\0"[x], nx);
			tier_name("ABC\0"[y], ny);
			fprintf(stderr, "%s%s->%s %zu", sep, nx, ny, moves[x][y]);
			sep = ", ";
		}
	fputc('\n', stderr);
	return 0;
}

/* ---- arguments ---- */

typedef struct args {
	const char *region, *diff_a, *diff_b, *config, *model;
	kam_param params[CLI_MAX_PARAMS];
	size_t nparams;
	int32_t as_of;
	bool as_of_given;
	kam_format fmt;
} args;

/* "current" or a snapshot id. */
static int side_parse(const char *text, uint64_t *id)
{
	char *end;
	if (strcmp(text, "current") == 0) {
		*id = 0;
		return 0;
	}
	if (*text < '1' || *text > '9')
		return -1;
	*id = strtoull(text, &end, 10);
	return *end ? -1 : 0;
}

static int side_fill(kam_txn *txn, const kam_registry *reg, const args *a, const char *text,
		     int32_t today, side *s)
{
	uint64_t id;
	side_parse(text, &id);
	s->name = text;
	if (id)
		return side_snapshot(txn, id, a->region, s);
	if (kam_tiers_current(txn, reg, a->region, today, &s->set))
		return cli_fail("tiers: %s", s->set.error);
	s->rows = s->set.rows;
	s->count = s->set.count;
	current_notes(&s->set, today);
	return 0;
}

/* The candidate's run comes first, in a read transaction of its own. */
static int side_candidate(kam_store *store, const kam_registry *reg, const kam_config *cfg,
			  const args *a, side *s)
{
	kam_segment_opts o = { .region = a->region, .model = a->model, .params = a->params,
			       .nparams = a->nparams, .as_of = a->as_of, .dry_run = true };
	if (kam_segment(store, reg, cfg, &o, &s->seg))
		return s->seg.bad_opts ? cli_usage(&cmd_tiers, "%s", s->seg.error)
				       : cli_fail("tiers: %s", s->seg.error);
	if (kam_segment_rows(&s->seg, &s->rows, &s->count))
		return cli_fail("tiers: out of memory");
	s->owns_rows = true;
	s->name = a->model;
	return 0;
}

static int tiers(cli *c, const args *a)
{
	kam_config cfg;
	kam_store *store;
	kam_registry *reg;
	kam_txn *txn = NULL;
	side sa = { 0 }, sb = { 0 };
	int32_t today = kam_today();
	int rc = cli_models_open(c, "tiers", a->config, &cfg, &store, &reg);
	if (rc)
		return rc;
	if (a->model && (rc = side_candidate(store, reg, &cfg, a, &sb)))
		goto out;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		rc = cli_fail("tiers: reading the database: %s", kam_strerror(rc));
		goto out;
	}
	if (!a->diff_a) {
		kam_tier_set s;
		if (kam_tiers_current(txn, reg, a->region, today, &s)) {
			rc = cli_fail("tiers: %s", s.error);
			goto out;
		}
		current_notes(&s, today);
		if ((rc = print_current(&s, a->fmt)))
			rc = cli_fail("tiers: %s", kam_strerror(rc));
		kam_tier_set_free(&s);
		goto out;
	}
	if ((rc = side_fill(txn, reg, a, a->diff_a, today, &sa)))
		goto out;
	if (!a->model && (rc = side_fill(txn, reg, a, a->diff_b, today, &sb)))
		goto out;
	if ((rc = print_diff(&sa, &sb, a->fmt)))
		rc = cli_fail("tiers: %s", kam_strerror(rc));
out:
	side_free(&sa);
	side_free(&sb);
	kam_txn_abort(txn);
	cli_models_close(&cfg, store, reg);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "region", required_argument, NULL, 'r' },
		{ "diff", required_argument, NULL, 'd' },
		{ "model", required_argument, NULL, 'm' },
		{ "param", required_argument, NULL, 'p' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	args a = { .fmt = KAM_FMT_TABLE, .as_of = kam_today() };
	int ch, rc = 0;
	uint64_t id;
	while ((ch = cli_getopt(c, &cmd_tiers, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': rc = cli_format(&cmd_tiers, optarg, &a.fmt); break;
		case 'r': a.region = optarg; break;
		case 'd': a.diff_a = optarg; break;
		case 'm': a.model = optarg; break;
		case 'c': a.config = optarg; break;
		case 'a':
			rc = cli_day_arg(&cmd_tiers, "--as-of", optarg, &a.as_of);
			a.as_of_given = true;
			break;
		case 'p': rc = cli_param_arg(&cmd_tiers, optarg, a.params, &a.nparams); break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	int npos = argc - optind;
	if (!a.diff_a) {
		if (npos)
			return cli_usage(&cmd_tiers, "unexpected argument \"%s\"", argv[optind]);
		if (a.model || a.nparams || a.as_of_given)
			return cli_usage(&cmd_tiers, "--model, --param and --as-of go with --diff");
		return tiers(c, &a);
	}
	if (side_parse(a.diff_a, &id))
		return cli_usage(&cmd_tiers, "--diff: expected \"current\" or a snapshot id, found \"%s\"",
				 a.diff_a);
	if (a.model) {
		if (npos)
			return cli_usage(&cmd_tiers, "--diff A --model M compares A with a run of M; "
						     "unexpected argument \"%s\"", argv[optind]);
	} else {
		if (npos != 1)
			return cli_usage(&cmd_tiers, "--diff A B: expected B (\"current\", a snapshot "
						     "id) or --model M");
		if (a.nparams || a.as_of_given)
			return cli_usage(&cmd_tiers, "--param and --as-of go with --model");
		a.diff_b = argv[optind];
		if (side_parse(a.diff_b, &id))
			return cli_usage(&cmd_tiers, "expected \"current\" or a snapshot id, found \"%s\"",
					 a.diff_b);
	}
	return tiers(c, &a);
}

const command cmd_tiers = {
	"tiers", run, "show the current tiers, or compare two segmentations",
	"Usage: kam [--db PATH] tiers [--region R] [--format table|csv|json]\n"
	"       kam [--db PATH] tiers --diff A B [--region R] [--format ...]\n"
	"       kam [--db PATH] tiers --diff A --model M [--param NAME=VALUE ...] [--as-of D]\n"
	"                             [--config FILE] [--region R] [--format ...]\n"
	"Without --diff: each account's tier in the current snapshot of its region, sorted by\n"
	"account_id (columns account_id, region, tier, score, snapshot). Regions never segmented\n"
	"get the tiers of abc with its defaults as of today, computed now and not stored (stderr\n"
	"says so; their snapshot column is empty).\n\n"
	"With --diff: the accounts whose tier differs between A and B, where A and B are snapshot\n"
	"ids (see 'kam snapshots') or 'current' (the tiers above); with --model M, B is a run of M\n"
	"that is not stored, so a region can try a model before switching to it. Columns:\n"
	"account_id, region, tier_a, tier_b, score_a, score_b (an empty tier: the account is not\n"
	"on that side). A summary of the moves (A->B 12, ...) goes to stderr.\n\n"
	"Options:\n"
	"  --region R          only region R ('' for accounts without a region)\n"
	"  --diff A            compare A with B (the argument) or with --model M\n"
	"  --model M           the candidate model (with --diff)\n"
	"  --param NAME=VALUE  a parameter of the candidate model (repeatable)\n"
	"  --as-of D           the candidate run's day (default: today)\n"
	"  --config FILE       the configuration (for the extra plugins it lists)\n"
	"  --format F          table (default), csv or json\n",
};
