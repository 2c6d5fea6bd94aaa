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
	/* The region's current value snapshot's result for the account; vr.account_id NULL: none */
	kam_result vr;
	kam_snapshot_info vinfo;
} why;

static void time_text(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "%lld", (long long)t);
}

/* The value beside the tier: the current value snapshot's result, its metrics and factors. */
static void print_value_table(const why *w)
{
	char num[32], day[KAM_DATE_BUFSZ], when[32];
	const kam_result *v = &w->vr;
	if (!v->account_id) {
		printf("\nvalue      none stored for region \"%s\" (run 'kam value')\n", w->r->region);
		return;
	}
	kam_date_format((kam_date){ w->vinfo.as_of, KAM_NO_TIME }, day);
	time_text(w->vinfo.taken_at, when);
	if (v->has_value)
		kam_out_number(v->value, num);
	printf("\n%-10s %s\n", "value", v->has_value ? num : "-");
	printf("%-10s %s\n", "recommend", v->recommendation ? v->recommendation : "-");
	printf("%-10s %s %s\n", "model", w->vinfo.model, w->vinfo.model_version);
	printf("%-10s %llu (taken %s)\n", "snapshot", (unsigned long long)w->vinfo.id, when);
	printf("%-10s %s\n", "as_of", day);
	printf("%-10s", "params");
	for (size_t i = 0; i < w->vinfo.nparams; i++)
		printf(" %s=%s", w->vinfo.params[i].name, w->vinfo.params[i].value);
	printf("\n\n");
	static const kam_col mcols[] = { { "metric", false }, { "value", true } };
	kam_out *out = kam_out_begin(stdout, KAM_FMT_TABLE, mcols, 2);
	for (size_t i = 0; out && i < v->nmetrics; i++) {
		kam_str t[2] = { kam_str_c(v->metrics[i].name),
				 { num, (uint32_t)kam_out_number(v->metrics[i].value, num) } };
		kam_out_row(out, t);
	}
	if (out)
		kam_out_end(out);
	if (!v->nmetrics)
		printf("(the value model gave no metrics)\n");
	if (!v->nfactors)
		return;
	putchar('\n');
	static const kam_col fcols[] = { { "factor", false }, { "value", true }, { "note", false } };
	out = kam_out_begin(stdout, KAM_FMT_TABLE, fcols, 3);
	for (size_t i = 0; out && i < v->nfactors; i++) {
		const kam_factor *f = &v->factors[i];
		kam_str t[3] = { kam_str_c(f->name), { num, (uint32_t)kam_out_number(f->value, num) },
				 kam_str_c(f->note) };
		kam_out_row(out, t);
	}
	if (out)
		kam_out_end(out);
}

static void print_table(const why *w)
{
	char num[32], day[KAM_DATE_BUFSZ], when[32];
	const kam_result *r = w->r;
	kam_date_format((kam_date){ w->info.as_of, KAM_NO_TIME }, day);
	printf("%-10s %s\n", "account_id", r->account_id);
	printf("%-10s %s\n", "region", r->region);
	printf("%-10s %c\n", "tier", r->tier ? r->tier : '-');
	kam_out_number(r->score, num);
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
		kam_str v[3] = { kam_str_c(f->name), { num, (uint32_t)kam_out_number(f->value, num) },
				 kam_str_c(f->note) };
		kam_out_row(out, v);
	}
	if (out)
		kam_out_end(out);
	if (!r->nfactors)
		printf("(the model gave no factors)\n");
	print_value_table(w);
}

static void json_number(double v)
{
	char num[32];
	kam_out_number(v, num);
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

/* ,"valuation":{...} or null: the value beside the tier. */
static void print_value_json(const why *w)
{
	const kam_result *v = &w->vr;
	char day[KAM_DATE_BUFSZ], when[32];
	putchar(',');
	json_key("valuation");
	if (!v->account_id) {
		fputs("null", stdout);
		return;
	}
	kam_date_format((kam_date){ w->vinfo.as_of, KAM_NO_TIME }, day);
	time_text(w->vinfo.taken_at, when);
	putchar('{');
	json_key("model"), json_text(w->vinfo.model), putchar(',');
	json_key("version"), json_text(w->vinfo.model_version), putchar(',');
	json_key("snapshot"), printf("%llu,", (unsigned long long)w->vinfo.id);
	json_key("as_of"), json_text(day), putchar(',');
	json_key("taken_at"), json_text(when), putchar(',');
	json_key("params"), putchar('{');
	for (size_t i = 0; i < w->vinfo.nparams; i++) {
		if (i)
			putchar(',');
		json_key(w->vinfo.params[i].name), json_text(w->vinfo.params[i].value);
	}
	fputs("},", stdout);
	json_key("value");
	if (v->has_value)
		json_number(v->value);
	else
		fputs("null", stdout);
	putchar(',');
	json_key("recommendation"), json_text(v->recommendation), putchar(',');
	json_key("metrics"), putchar('{');
	for (size_t i = 0; i < v->nmetrics; i++) {
		if (i)
			putchar(',');
		json_key(v->metrics[i].name), json_number(v->metrics[i].value);
	}
	fputs("},", stdout);
	json_key("factors"), putchar('[');
	for (size_t i = 0; i < v->nfactors; i++) {
		const kam_factor *f = &v->factors[i];
		fputs(i ? ",{" : "{", stdout);
		json_key("name"), json_text(f->name), putchar(',');
		json_key("value"), json_number(f->value), putchar(',');
		json_key("note"), json_text(f->note), putchar('}');
	}
	fputs("]}", stdout);
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
	putchar(']');
	print_value_json(w);
	fputs("}\n", stdout);
}

/*
 * The value rows of the csv (part "value": factor "value" with the recommendation as note;
 * "metric": one per metric; "value-factor": the value model's factors), with the value
 * snapshot's model, version, snapshot and as_of. `v` holds the tier rows' texts.
 */
static int csv_value_rows(kam_out *out, const why *w, kam_str *v)
{
	const kam_result *r = &w->vr;
	char snap[24], day[KAM_DATE_BUFSZ], value[32];
	if (!r->account_id)
		return 0;
	kam_date_format((kam_date){ w->vinfo.as_of, KAM_NO_TIME }, day);
	v[4] = kam_str_c(w->vinfo.model);
	v[5] = kam_str_c(w->vinfo.model_version);
	v[6] = (kam_str){ snap, (uint32_t)snprintf(snap, sizeof(snap), "%llu",
						   (unsigned long long)w->vinfo.id) };
	v[7] = kam_str_c(day);
	v[8] = KAM_STR("value");
	v[9] = r->has_value ? (kam_str){ value, (uint32_t)kam_out_number(r->value, value) }
			    : (kam_str){ NULL, 0 };
	v[10] = kam_str_c(r->recommendation);
	v[11] = KAM_STR("value");
	int rc = kam_out_row(out, v);
	for (size_t i = 0; !rc && i < r->nmetrics; i++) {
		v[8] = kam_str_c(r->metrics[i].name);
		v[9] = (kam_str){ value, (uint32_t)kam_out_number(r->metrics[i].value, value) };
		v[10] = (kam_str){ NULL, 0 };
		v[11] = KAM_STR("metric");
		rc = kam_out_row(out, v);
	}
	for (size_t i = 0; !rc && i < r->nfactors; i++) {
		v[8] = kam_str_c(r->factors[i].name);
		v[9] = (kam_str){ value, (uint32_t)kam_out_number(r->factors[i].value, value) };
		v[10] = kam_str_c(r->factors[i].note);
		v[11] = KAM_STR("value-factor");
		rc = kam_out_row(out, v);
	}
	return rc;
}

static int print_csv(const why *w)
{
	static const kam_col cols[] = {
		{ "account_id", false }, { "region", false }, { "tier", false }, { "score", true },
		{ "model", false }, { "version", false }, { "snapshot", true }, { "as_of", false },
		{ "factor", false }, { "value", true }, { "note", false }, { "part", false },
	};
	const kam_result *r = w->r;
	char score[32], snap[24], day[KAM_DATE_BUFSZ], value[32], tier[2] = { r->tier, 0 };
	kam_date_format((kam_date){ w->info.as_of, KAM_NO_TIME }, day);
	kam_out *out = kam_out_begin(stdout, KAM_FMT_CSV, cols, 12);
	if (!out)
		return KAM_ENOMEM;
	kam_str v[12] = {
		kam_str_c(r->account_id), kam_str_c(r->region), kam_str_c(r->tier ? tier : NULL),
		{ score, (uint32_t)kam_out_number(r->score, score) }, kam_str_c(w->info.model),
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
			v[9] = (kam_str){ value, (uint32_t)kam_out_number(f->value, value) };
			v[10] = kam_str_c(f->note);
		}
		v[11] = KAM_STR("tier");
		rc = kam_out_row(out, v);
	}
	if (!rc)
		rc = csv_value_rows(out, w, v);
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

/* The account's result in its region's current value snapshot, when there is one. */
static int why_value(kam_txn *txn, kam_str id, kam_str region, why *w)
{
	uint64_t vid;
	int rc = kam_snapshot_current_kind(txn, KAM_PLUGIN_VALUE, region, &vid);
	if (rc == KAM_ENOTFOUND)
		return 0;
	if (!rc)
		rc = kam_snapshot_result(txn, vid, id, &w->vr);
	if (rc == KAM_ENOTFOUND)
		return 0; /* valued before the account came: as good as no valuation */
	if (!rc && (rc = kam_snapshot_get(txn, vid, &w->vinfo)))
		kam_result_free(&w->vr);
	if (rc)
		return cli_fail("why: reading value snapshot %llu: %s", (unsigned long long)vid,
				kam_strerror(rc));
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
		if ((rc = cli_models_registry("why", &cfg, &reg)))
			goto out;
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
	if (!rc)
		rc = why_value(txn, id, region, &w);
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
	kam_snapshot_info_free(&w.vinfo);
	kam_result_free(&w.vr);
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
	"Beside the tier it shows the account's value from the current value snapshot of its\n"
	"region ('kam value'): the value, the recommendation, the model, snapshot, as-of day and\n"
	"parameters, the metrics and the value model's factors (or says that none is stored).\n\n"
	"Formats: table (default); json, one object with params and factors nested, and\n"
	"\"valuation\" (null when none is stored) with the value, recommendation, metrics and\n"
	"factors; csv, one row per factor: account_id, region, tier, score, model, version,\n"
	"snapshot, as_of, factor, value, note, part (\"tier\"; then, from the value snapshot, one\n"
	"\"value\" row with the recommendation as note, a \"metric\" row per metric and a\n"
	"\"value-factor\" row per factor of the value model).\n",
};
