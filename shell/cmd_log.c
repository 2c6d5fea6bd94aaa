/* cmd_log.c - `kam log`: record one interaction (a call, a visit, ...) in one command. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"
#include "error.h"

typedef struct log_args {
	const char *values[KAM_I_NFIELDS]; /* the text of each field, NULL when not given */
	const char *opt[KAM_I_NFIELDS];    /* the option (or argument) that gave it */
	char today[KAM_DATE_BUFSZ];
	/* the write */
	kam_interaction rec;
	char id[KAM_ID_MAX + 1];
	int replaced;
	int gen_id;
} log_args;

/* Parses every given field into a.rec, as an import parses a CSV row. Returns 0 or EXIT_USAGE. */
static int rec_fill(log_args *a)
{
	const kam_schema *s = kam_schema_of(KAM_INTERACTION);
	kam_rec_clear(s, &a->rec);
	for (int f = 0; f < KAM_I_NFIELDS; f++) {
		const char *v = a->values[f], *expected = NULL;
		if (!v)
			continue;
		int rc = kam_field_parse(s, &a->rec, f, v, strlen(v), &expected);
		if (rc)
			return cli_usage(&cmd_log, "%s: expected %s, found \"%s\"", a->opt[f],
					 expected ? expected : "a valid value", v);
	}
	int missing;
	if (!a->gen_id && kam_rec_check(s, &a->rec, &missing))
		return cli_usage(&cmd_log, "%s is missing", s->fields[missing].name);
	if (KAM_HAS(&a->rec, KAM_I_OBJECTION) && a->rec.outcome != KAM_OUT_OBJECTION)
		return cli_usage(&cmd_log, "--objection goes with --outcome objection (the default "
					   "when --objection is given)");
	return 0;
}

/* "L" + the local time to the second + a counter: readable, and in logging order by id. */
static void id_make(char *buf, size_t len, unsigned n)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32] = "0";
	if (localtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	snprintf(buf, len, "L%s-%03u", stamp, n);
}

static int log_write(kam_txn *txn, void *arg)
{
	log_args *a = arg;
	int rc;
	if (a->gen_id) {
		kam_interaction old;
		for (unsigned n = 1;; n++) {
			id_make(a->id, sizeof(a->id), n);
			rc = kam_get(txn, KAM_INTERACTION, kam_str_c(a->id), &old);
			if (rc == KAM_ENOTFOUND)
				break;
			if (rc && rc != KAM_ECORRUPT)
				return rc;
			if (n == 100000)
				return KAM_EEXIST;
		}
		a->rec.id = kam_str_c(a->id);
		a->rec.rec.present |= 1u << KAM_I_ID;
	}
	a->replaced = 0;
	return kam_put(txn, KAM_INTERACTION, &a->rec, &a->replaced);
}

static int record(cli *c, log_args *a)
{
	kam_store *store;
	int rc = cli_open(c, 0, &store);
	if (rc)
		return rc;
	rc = kam_store_write(store, log_write, a);
	kam_store_close(store);
	const char *account = a->values[KAM_I_ACCOUNT_ID];
	if (rc == KAM_EREF)
		return cli_fail("log: no account \"%s\"", account);
	if (rc)
		return cli_fail("log: cannot record the interaction: %s", kam_strerror(rc));
	char day[KAM_DATE_BUFSZ];
	kam_date_format(a->rec.date, day);
	printf("%.*s\n", (int)a->rec.id.len, a->rec.id.ptr);
	fprintf(stderr, "kam: log: %s interaction %.*s (%s, %s) for account %s\n",
		a->replaced ? "replaced" : "recorded", (int)a->rec.id.len, a->rec.id.ptr,
		kam_ikind_names[a->rec.kind - 1], day, account);
	return 0;
}

static int run(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "minutes", required_argument, NULL, 'm' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "objection", required_argument, NULL, 'j' },
		{ "note", required_argument, NULL, 'n' },
		{ "date", required_argument, NULL, 'd' },
		{ "contact", required_argument, NULL, 'c' },
		{ "id", required_argument, NULL, 'i' },
		{ 0 },
	};
	static const struct {
		int ch, field;
		const char *opt;
	} map[] = {
		{ 'm', KAM_I_MINUTES, "--minutes" },     { 'o', KAM_I_OUTCOME, "--outcome" },
		{ 'j', KAM_I_OBJECTION, "--objection" }, { 'n', KAM_I_NOTE, "--note" },
		{ 'd', KAM_I_DATE, "--date" },           { 'c', KAM_I_CONTACT_ID, "--contact" },
		{ 'i', KAM_I_ID, "--id" },
	};
	log_args *a = calloc(1, sizeof(*a));
	int ch, rc = EXIT_USAGE;
	if (!a)
		return cli_fail("log: out of memory");
	while ((ch = cli_getopt(c, &cmd_log, argc, argv, "", opts)) != -1) {
		size_t k = 0;
		while (k < sizeof(map) / sizeof(map[0]) && map[k].ch != ch)
			k++;
		if (k == sizeof(map) / sizeof(map[0])) {
			rc = ch == 'h' ? EXIT_OK : EXIT_USAGE;
			goto out;
		}
		a->values[map[k].field] = optarg;
		a->opt[map[k].field] = map[k].opt;
	}
	if (argc - optind < 2) {
		rc = cli_usage(&cmd_log, "expected ACCOUNT and KIND (call, visit, email, meeting, "
					 "other)");
		goto out;
	}
	if (argc - optind > 2) {
		rc = cli_usage(&cmd_log, "unexpected argument \"%s\"", argv[optind + 2]);
		goto out;
	}
	a->values[KAM_I_ACCOUNT_ID] = argv[optind];
	a->opt[KAM_I_ACCOUNT_ID] = "ACCOUNT";
	a->values[KAM_I_KIND] = argv[optind + 1];
	a->opt[KAM_I_KIND] = "KIND";
	if (!a->values[KAM_I_DATE]) {
		kam_date_format((kam_date){ kam_today(), KAM_NO_TIME }, a->today);
		a->values[KAM_I_DATE] = a->today;
		a->opt[KAM_I_DATE] = "--date";
	}
	if (a->values[KAM_I_OBJECTION] && !a->values[KAM_I_OUTCOME]) {
		a->values[KAM_I_OUTCOME] = "objection";
		a->opt[KAM_I_OUTCOME] = "--outcome";
	}
	a->gen_id = !a->values[KAM_I_ID];
	if (!(rc = rec_fill(a)))
		rc = record(c, a);
out:
	free(a);
	return rc;
}

const command cmd_log = {
	"log", run, "record a call, visit or other interaction with an account",
	"Usage: kam [--db PATH] log ACCOUNT call|visit|email|meeting|other [--minutes N]\n"
	"                           [--outcome O] [--objection SLUG] [--note TEXT] [--date D]\n"
	"                           [--contact C] [--id ID]\n"
	"Records one interaction with ACCOUNT in one write transaction, checked as an import\n"
	"checks a row of interactions.csv; the agenda reflects it at once. Prints the\n"
	"interaction's id on stdout (and what was recorded on stderr).\n\n"
	"Options:\n"
	"  --minutes N       time spent, in minutes\n"
	"  --outcome O       connected, no-answer, objection, appointment or callback\n"
	"  --objection SLUG  send-materials, in-house-supply, has-supplier, not-decision-maker,\n"
	"                    no-budget, price-too-high or bad-past-experience (implies --outcome\n"
	"                    objection); see 'kam playbook'\n"
	"  --note TEXT       a note\n"
	"  --date D          YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (default: today)\n"
	"  --contact C       the contact's id\n"
	"  --id ID           the interaction's id (default: L + the local time + a counter,\n"
	"                    e.g. L20260630142501-001, unique); an existing id is replaced, as an\n"
	"                    import does\n\n"
	"Exit status: 0 success; 1 runtime error (no such account, the database); 2 usage error\n"
	"(a value that does not parse, --objection with another outcome).\n",
};
