/* cmd_why.c - `kam why ACCOUNT`: the account's current tier and the factors behind it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"
#include "error.h"
#include "segment.h"

/* What is explained: a stored result with its snapshot's header, or one computed now. */
typedef struct why {
	const kam_result *r;
	kam_snapshot_info info; /* id 0: computed now, not stored */
} why;

static void time_text(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "%lld", (long long)t);
}

static void print_table(const why *w)
{
	char num[32], day[KAM_DATE_BUFSZ], when[32];
	const kam_result *r = w->r;
	kam_date_format((kam_date){ w->info.as_of, KAM_NO_TIME }, day);
	printf("%-10s %s\n", "account_id", r->account_id);
	printf("%-10s %s\n", "region", r->region);
	printf("%-10s %c\n", "tier", r->tier ? r->tier : '-');
	kam_number_format(r->score, num);
	printf("%-10s %s\n", "score", num);
	printf("%-10s %s %s\n", "model", w->info.model, w->info.model_version);
	if (w->info.id) {
		time_text(w->info.taken_at, when);
		printf("%-10s %llu (taken %s)\n", "snapshot", (unsigned long long)w->info.id, when);
	} else {
		printf("%-10s none (computed now, not stored)\n", "snapshot");
	}
	printf("%-10s %s\n", "as_of", day);
	printf("%-10s", "params");
	for (size_t i = 0; i < w->info.nparams; i++)
		printf(" %s=%s", w->info.params[i].name, w->info.params[i].value);
	printf("\n\n");
	static const kam_col cols[] = { { "factor", false }, { "value", true }, { "note", false } };
	kam_out *out = kam_out_begin(stdout, KAM_FMT_TABLE, cols, 3);
	for (size_t i = 0; out && i < r->nfactors; i++) {
		const kam_factor *f = &r->factors[i];
		kam_str v[3] = { kam_str_c(f->name), { num, (uint32_t)kam_number_format(f->value, num) },
				 kam_str_c(f->note) };
		kam_out_row(out, v);
	}
	if (out)
		kam_out_end(out);
	if (!r->nfactors)
		printf("(the model gave no factors)\n");
}

static void json_number(double v)
{
	char num[32];
	kam_number_format(v, num);
	fputs(v == v && v - v == 0 ? num : "null", stdout);
}

static void json_key(const char *k)
{
	kam_json_string(stdout, k, strlen(k));
	putchar(':');
}

static void json_text(const char *s)
{
	if (s)
		kam_json_string(stdout, s, strlen(s));
	else
		fputs("null", stdout);
}

static void print_json(const why *w)
{
	const kam_result *r = w->r;
	char day[KAM_DATE_BUFSZ], when[32], tier[2] = { r->tier, 0 };
	kam_date_format((kam_date){ w->info.as_of, KAM_NO_TIME }, day);
	putchar('{');
	json_key("account_id"), json_text(r->account_id), putchar(',');
	json_key("region"), json_text(r->region), putchar(',');
	json_key("tier"), json_text(r->tier ? tier : NULL), putchar(',');
	json_key("score"), json_number(r->score), putchar(',');
	json_key("model"), json_text(w->info.model), putchar(',');
	json_key("version"), json_text(w->info.model_version), putchar(',');
	json_key("snapshot");
	if (w->info.id)
		printf("%llu", (unsigned long long)w->info.id);
	else
		fputs("null", stdout);
	putchar(',');
	json_key("as_of"), json_text(day), putchar(',');
	json_key("taken_at");
	if (w->info.id) {
		time_text(w->info.taken_at, when);
		json_text(when);
	} else {
		json_text(NULL);
	}
	putchar(',');
	json_key("params"), putchar('{');
	for (size_t i = 0; i < w->info.nparams; i++) {
		if (i)
			putchar(',');
		json_key(w->info.params[i].name), json_text(w->info.params[i].value);
	}
	fputs("},", stdout);
	json_key("factors"), putchar('[');
	for (size_t i = 0; i < r->nfactors; i++) {
		const kam_factor *f = &r->factors[i];
		fputs(i ? ",{" : "{", stdout);
		json_key("name"), json_text(f->name), putchar(',');
		json_key("value"), json_number(f->value), putchar(',');
		json_key("note"), json_text(f->note), putchar('}');
	}
	fputs("]}\n", stdout);
}

static int print_csv(const why *w)
{
	static const kam_col cols[] = {
		{ "account_id", false }, { "region", false }, { "tier", false }, { "score", true },
		{ "model", false }, { "version", false }, { "snapshot", true }, { "as_of", false },
		{ "factor", false }, { "value", true }, { "note", false },
	};
	const kam_result *r = w->r;
	char score[32], snap[24], day[KAM_DATE_BUFSZ], value[32], tier[2] = { r->tier, 0 };
	kam_date_format((kam_date){ w->info.as_of, KAM_NO_TIME }, day);
	kam_out *out = kam_out_begin(stdout, KAM_FMT_CSV, cols, 11);
	if (!out)
		return KAM_ENOMEM;
	kam_str v[11] = {
		kam_str_c(r->account_id), kam_str_c(r->region), kam_str_c(r->tier ? tier : NULL),
		{ score, (uint32_t)kam_number_format(r->score, score) }, kam_str_c(w->info.model),
		kam_str_c(w->info.model_version), { 0 }, kam_str_c(day),
	};
	if (w->info.id)
		v[6] = (kam_str){ snap, (uint32_t)snprintf(snap, sizeof(snap), "%llu",
							   (unsigned long long)w->info.id) };
	int rc = 0;
	for (size_t i = 0; !rc && i < (r->nfactors ? r->nfactors : 1); i++) {
		if (r->nfactors) {
			const kam_factor *f = &r->factors[i];
			v[8] = kam_str_c(f->name);
			v[9] = (kam_str){ value, (uint32_t)kam_number_format(f->value, value) };
			v[10] = kam_str_c(f->note);
		}
		rc = kam_out_row(out, v);
	}
	int end = kam_out_end(out);
	return rc ? rc : end;
}

static int region_filter(void *ctx, const kam_account *a)
{
	kam_str r = KAM_HAS(a, KAM_A_REGION) ? a->region : (kam_str){ "", 0 };
	return kam_str_eq(r, *(const kam_str *)ctx);
}

/* The region was never segmented: the tier REFERENCE.md gives it (abc, defaults, today). */
static int why_computed(kam_txn *txn, const kam_registry *reg, kam_str id, kam_str region,
			kam_run_output *run, why *w)
{
	const kam_model *m = kam_registry_find(reg, KAM_DEFAULT_SEGMENTATION);
	int32_t today = kam_today();
	char name[KAM_KEYTEXT_MAX + 1];
	snprintf(name, sizeof(name), "%.*s", (int)region.len, region.ptr);
	if (!m || m->desc->kind != KAM_PLUGIN_SEGMENTATION)
		return cli_fail("why: region \"%s\" has no stored segmentation, and the default "
				"model %s is not loaded", name, KAM_DEFAULT_SEGMENTATION);
	kam_run_spec spec = { .model = m, .as_of = today, .filter = region_filter,
			      .filter_ctx = &region };
	if (kam_run_model(txn, &spec, run))
		return cli_fail("why: %s", run->error);
	size_t lo = 0, hi = run->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = kam_str_cmp(kam_str_c(run->results[mid].account_id), id);
		if (cmp == 0) {
			lo = mid;
			break;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= run->count || !kam_str_eq(kam_str_c(run->results[lo].account_id), id))
		return cli_fail("why: model %s gave no result for account \"%.*s\"", m->desc->name,
				(int)id.len, id.ptr);
	w->r = &run->results[lo];
	w->info.model = strdup(m->desc->name);
	w->info.model_version = strdup(m->desc->version ? m->desc->version : "");
	w->info.as_of = run->as_of;
	w->info.params = calloc(m->desc->nparams + 1, sizeof(*w->info.params));
	if (!w->info.model || !w->info.model_version || !w->info.params)
		return cli_fail("why: out of memory");
	char day[KAM_DATE_BUFSZ];
	kam_date_format((kam_date){ run->as_of, KAM_NO_TIME }, day);
	for (size_t i = 0; i < m->desc->nparams; i++) {
		const char *pn = m->desc->params[i].name;
		const char *v = strcmp(pn, "as_of") == 0 ? day : kam_param_value(m, NULL, 0, pn);
		if (!v)
			continue;
		kam_param *p = &w->info.params[w->info.nparams++];
		p->name = strdup(pn);
		p->value = strdup(v);
		if (!p->name || !p->value)
			return cli_fail("why: out of memory");
	}
	fprintf(stderr, "kam: why: region \"%s\" has no stored segmentation: computed now with %s "
			"and its defaults as of %s, not stored\n", name, m->desc->name, day);
	return 0;
}

static int explain(cli *c, const char *account, const char *config, kam_format fmt)
{
	kam_store *store;
	kam_txn *txn;
	int rc = cli_open(c, KAM_STORE_RDONLY, &store);
	if (rc)
		return rc;
	if ((rc = kam_txn_begin(store, 0, &txn))) {
		kam_store_close(store);
		return cli_fail("why: reading the database: %s", kam_strerror(rc));
	}
	kam_config cfg = { 0 };
	kam_registry *reg = NULL;
	kam_run_output run = { 0 };
	kam_result stored = { 0 };
	why w = { 0 };
	kam_account a;
	kam_str id = kam_str_c(account);
	uint64_t sid;
	char err[512];
	if ((rc = kam_get(txn, KAM_ACCOUNT, id, &a))) {
		rc = rc == KAM_ENOTFOUND ? cli_fail("why: no account with id \"%s\"", account)
					 : cli_fail("why: reading account \"%s\": %s", account,
						    kam_strerror(rc));
		goto out;
	}
	kam_str region = KAM_HAS(&a, KAM_A_REGION) ? a.region : (kam_str){ "", 0 };
	rc = kam_snapshot_current(txn, region, &sid);
	if (rc == KAM_ENOTFOUND) {
		if ((rc = kam_config_load(config, c->db, &cfg, err, sizeof(err)))) {
			rc = cli_fail("why: %s", err);
			goto out;
		}
		if (kam_registry_new(&reg)) {
			rc = cli_fail("why: out of memory");
			goto out;
		}
		if (cli_load_models(reg, &cfg, err, sizeof(err))) {
			rc = cli_fail("why: %s", err);
			goto out;
		}
		rc = why_computed(txn, reg, id, region, &run, &w);
	} else if (rc) {
		rc = cli_fail("why: reading the current snapshot: %s", kam_strerror(rc));
	} else if ((rc = kam_snapshot_result(txn, sid, id, &stored))) {
		rc = rc == KAM_ENOTFOUND
			     ? cli_fail("why: account \"%s\" is not in snapshot %llu, the current "
					"segmentation of region \"%.*s\" (it was added or moved since); "
					"run 'kam segment'", account, (unsigned long long)sid,
					(int)region.len, region.ptr)
			     : cli_fail("why: reading snapshot %llu: %s", (unsigned long long)sid,
					kam_strerror(rc));
	} else if ((rc = kam_snapshot_get(txn, sid, &w.info))) {
		rc = cli_fail("why: reading snapshot %llu: %s", (unsigned long long)sid,
			      kam_strerror(rc));
	} else {
		w.r = &stored;
	}
	if (!rc) {
		if (fmt == KAM_FMT_JSON)
			print_json(&w);
		else if (fmt == KAM_FMT_CSV)
			rc = print_csv(&w);
		else
			print_table(&w);
		if (rc || fflush(stdout) || ferror(stdout))
			rc = cli_fail("why: writing the output failed");
	}
out:
	kam_snapshot_info_free(&w.info);
	kam_result_free(&stored);
	kam_run_output_free(&run);
	kam_txn_abort(txn);
	kam_registry_free(reg);
	kam_config_free(&cfg);
	kam_store_close(store);
	return rc;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 },
	};
	kam_format fmt = KAM_FMT_TABLE;
	const char *config = NULL;
	int ch;
	while ((ch = cli_getopt(c, &cmd_why, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_format(&cmd_why, optarg, &fmt))
				return EXIT_USAGE;
			break;
		case 'c': config = optarg; break;
		default: return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return cli_usage(&cmd_why, "expected one ACCOUNT id");
	return explain(c, argv[optind], config, fmt);
}

const command cmd_why = {
	"why", run, "explain an account's current tier from its factors",
	"Usage: kam [--db PATH] why ACCOUNT [--format table|csv|json] [--config FILE]\n"
	"Explains the account's tier in the current snapshot of its region: the model and its\n"
	"version, the snapshot id, as-of day and parameters, the tier and score, and each factor\n"
	"the model gave (name, value, note) in the model's order. When the region was never\n"
	"segmented, the tier is computed now with abc and its defaults (not stored; stderr says\n"
	"so).\n\n"
	"Formats: table (default); json, one object with params and factors nested; csv, one row\n"
	"per factor: account_id, region, tier, score, model, version, snapshot, as_of, factor,\n"
	"value, note.\n",
};
