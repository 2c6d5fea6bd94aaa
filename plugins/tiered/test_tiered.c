/*
 * test_tiered.c - the tiered cadence model against hand-computed cases of REFERENCE.md's policy:
 * intervals per tier, month-end clamping and leap years, accounts without contact, no-answer
 * calls, objection runs, ties on one date, working days and holidays.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fake_host.h"

enum { CALL = 1, VISIT = 2, EMAIL = 3, MEETING = 4 };
enum { CONNECTED = 1, NO_ANSWER = 2, OBJECTION = 3, APPOINTMENT = 4, CALLBACK = 5 };
enum { SEND_MATERIALS = 1, HAS_SUPPLIER = 3, NO_BUDGET = 5, PRICE = 6 };

static kam_run *run_new(const char *as_of)
{
	kam_run *run = fake_run_new(KAM_PLUGIN_ENTRY());

	fake_set_as_of(run, fake_date(as_of));
	return run;
}

static size_t acct(kam_run *run, const char *id, char tier, const char *created)
{
	size_t i = fake_account(run, id, "north");

	fake_account_tier(run, i, tier);
	if (created)
		fake_view(run, i)->created = fake_date(created);
	return i;
}

/* The account's action `name`: asserts it exists once, returns its index among the actions. */
static size_t find(const kam_run *run, size_t i, const char *name)
{
	size_t found = SIZE_MAX;

	for (size_t k = 0; k < fake_action_count(run, i); k++) {
		const char *a;

		cr_assert_eq(fake_action(run, i, k, &a, NULL, NULL, NULL, NULL), 0);
		if (strcmp(a, name) == 0) {
			cr_assert_eq(found, SIZE_MAX, "account %zu: two %s actions", i, name);
			found = k;
		}
	}
	cr_assert_neq(found, SIZE_MAX, "account %zu: no %s action", i, name);
	return found;
}

/* Expects action `name` due on `due` following `last` (NULL: none), per_year, detail. */
static void expect(const kam_run *run, size_t i, const char *name, const char *due,
		   const char *last, double per_year, const char *detail)
{
	size_t k = find(run, i, name);
	int32_t d, l;
	double py;
	const char *det;

	fake_action(run, i, k, NULL, &d, &l, &py, &det);
	cr_expect_eq(d, fake_date(due), "account %zu %s: due %d, expected %s (%d)", i, name, d, due,
		     fake_date(due));
	cr_expect_eq(l, last ? fake_date(last) : KAM_NO_DAY, "account %zu %s: last %d, expected %s",
		     i, name, l, last ? last : "none");
	cr_expect(fabs(py - per_year) < 1e-12, "account %zu %s: per_year %g, expected %g", i, name,
		  py, per_year);
	if (detail)
		cr_expect(det && strcmp(det, detail) == 0, "account %zu %s: detail %s, expected %s", i,
			  name, det ? det : "(null)", detail);
	else
		cr_expect_null(det, "account %zu %s: detail %s, expected none", i, name, det);
}

static void expect_none(const kam_run *run, size_t i, const char *name)
{
	for (size_t k = 0; k < fake_action_count(run, i); k++) {
		const char *a;

		fake_action(run, i, k, &a, NULL, NULL, NULL, NULL);
		cr_expect_neq(strcmp(a, name), 0, "account %zu has a %s action", i, name);
	}
}

Test(tiered, descriptor)
{
	const kam_plugin *p = KAM_PLUGIN_ENTRY();
	static const char *const names[] = { "as_of", "call_a", "visit_a", "call_b", "visit_b",
					     "call_c", "visit_c", "followup_days", "working_days",
					     "holidays" };
	static const char *const defaults[] = { NULL, "1", "3", "3", "6", "6", "12", "14", "false",
						"" };

	cr_assert_eq(p->abi_major, KAM_ABI_MAJOR);
	cr_assert_str_eq(p->name, "tiered");
	cr_assert_eq(p->kind, KAM_PLUGIN_CADENCE);
	cr_assert_eq(p->nparams, 10);
	for (size_t i = 0; i < 10; i++) {
		cr_expect_str_eq(p->params[i].name, names[i]);
		if (defaults[i])
			cr_expect_str_eq(p->params[i].default_value, defaults[i]);
		else
			cr_expect_null(p->params[i].default_value);
	}
}

Test(tiered, intervals_per_tier)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', "2020-01-01");
	size_t b = acct(run, "b", 'B', "2020-01-01");
	size_t c = acct(run, "c", 'C', "2020-01-01");

	for (size_t i = 0; i < 3; i++) {
		fake_interaction(run, i, "c1", "2026-01-10", CALL, CONNECTED, 0, 5);
		fake_interaction(run, i, "v1", "2025-11-20", VISIT, 0, 0, 60);
	}
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2026-02-10", "2026-01-10", 12, NULL);
	expect(run, a, "visit", "2026-02-20", "2025-11-20", 4, NULL);
	expect(run, b, "call", "2026-04-10", "2026-01-10", 4, NULL);
	expect(run, b, "visit", "2026-05-20", "2025-11-20", 2, NULL);
	expect(run, c, "call", "2026-07-10", "2026-01-10", 2, NULL);
	expect(run, c, "visit", "2026-11-20", "2025-11-20", 1, NULL);
	cr_expect_eq(fake_action_count(run, a), 2);
	cr_expect_eq(fake_misuse(run), 0);
	fake_run_free(run);
}

Test(tiered, month_end_clamps_and_leap_years)
{
	kam_run *run = run_new("2028-12-31");
	size_t a = acct(run, "a", 'A', NULL); /* Jan 31 + 1 month in a leap year */
	size_t b = acct(run, "b", 'A', NULL); /* Jan 31 + 1 month otherwise */
	size_t c = acct(run, "c", 'B', NULL); /* Nov 30 + 3 months, leap year: Feb 29 */
	size_t d = acct(run, "d", 'C', NULL); /* Aug 31 + 6 months: Feb 28; Feb 29 + 12: Feb 28 */
	size_t e = acct(run, "e", 'A', NULL); /* Dec 31 + 1 month: next year's Jan 31 */

	fake_interaction(run, a, "x", "2028-01-31", CALL, CONNECTED, 0, -1);
	fake_interaction(run, b, "x", "2027-01-31", CALL, 0, 0, -1);
	fake_interaction(run, c, "x", "2027-11-30", CALL, APPOINTMENT, 0, -1);
	fake_interaction(run, d, "x", "2026-08-31", CALL, CONNECTED, 0, -1);
	fake_interaction(run, d, "y", "2028-02-29", VISIT, 0, 0, -1);
	fake_interaction(run, e, "x", "2027-12-31", CALL, CONNECTED, 0, -1);
	fake_interaction(run, e, "y", "2027-11-30", VISIT, 0, 0, -1);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2028-02-29", "2028-01-31", 12, NULL);
	expect(run, b, "call", "2027-02-28", "2027-01-31", 12, NULL);
	expect(run, c, "call", "2028-02-29", "2027-11-30", 4, NULL);
	expect(run, d, "call", "2027-02-28", "2026-08-31", 2, NULL);
	expect(run, d, "visit", "2029-02-28", "2028-02-29", 1, NULL);
	expect(run, e, "call", "2028-01-31", "2027-12-31", 12, NULL);
	expect(run, e, "visit", "2028-02-29", "2027-11-30", 4, NULL);
	fake_run_free(run);
}

Test(tiered, no_contact_is_due_on_created_or_as_of)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', "2025-03-15");
	size_t b = acct(run, "b", 'C', NULL);
	size_t c = acct(run, "c", 'B', "2026-09-01"); /* created after as_of: due then */

	/* Emails, meetings and no-answer calls are not contacts for the policy. */
	fake_interaction(run, a, "e", "2026-06-01", EMAIL, 0, 0, 3);
	fake_interaction(run, a, "m", "2026-06-02", MEETING, 0, 0, 30);
	fake_interaction(run, a, "n", "2026-06-03", CALL, NO_ANSWER, 0, 0);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2025-03-15", NULL, 12, NULL);
	expect(run, a, "visit", "2025-03-15", NULL, 4, NULL);
	expect(run, b, "call", "2026-06-30", NULL, 2, NULL);
	expect(run, b, "visit", "2026-06-30", NULL, 1, NULL);
	expect(run, c, "call", "2026-09-01", NULL, 4, NULL);
	fake_run_free(run);
}

Test(tiered, no_answer_calls_do_not_count_and_do_not_break_a_run)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', NULL);
	size_t b = acct(run, "b", 'A', NULL);

	fake_interaction(run, a, "1", "2026-05-01", CALL, CONNECTED, 0, 5);
	fake_interaction(run, a, "2", "2026-06-20", CALL, NO_ANSWER, 0, 0);
	/* objection, then no-answer: still a run of 1, a follow-up from the objection call */
	fake_interaction(run, b, "1", "2026-06-01", CALL, OBJECTION, NO_BUDGET, 5);
	fake_interaction(run, b, "2", "2026-06-05", CALL, NO_ANSWER, 0, 0);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2026-06-01", "2026-05-01", 12, NULL);
	expect(run, b, "follow-up", "2026-06-15", "2026-06-01", 12, "no-budget");
	expect_none(run, b, "call");
	fake_run_free(run);
}

Test(tiered, objection_runs_of_one_two_and_three)
{
	kam_run *run = run_new("2026-06-30");
	size_t one = acct(run, "one", 'B', NULL);
	size_t two = acct(run, "two", 'B', NULL);
	size_t three = acct(run, "three", 'B', NULL);
	size_t broken = acct(run, "broken", 'B', NULL);
	size_t old = acct(run, "old", 'B', NULL);

	fake_interaction(run, one, "1", "2026-03-01", CALL, OBJECTION, HAS_SUPPLIER, 5);
	fake_interaction(run, one, "2", "2026-04-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, one, "3", "2026-05-01", CALL, CONNECTED, 0, 5);
	fake_interaction(run, one, "4", "2026-06-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, two, "1", "2026-05-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, two, "2", "2026-06-01", CALL, OBJECTION, SEND_MATERIALS, 5);
	fake_interaction(run, three, "1", "2026-04-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, three, "2", "2026-05-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, three, "3", "2026-06-01", CALL, OBJECTION, PRICE, 5);
	/* the latest counted call answered without objection: no follow-up */
	fake_interaction(run, broken, "1", "2026-05-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, broken, "2", "2026-06-01", CALL, CALLBACK, 0, 5);
	/* an old single objection, its follow-up long overdue */
	fake_interaction(run, old, "1", "2025-01-31", CALL, OBJECTION, SEND_MATERIALS, 5);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, one, "follow-up", "2026-06-15", "2026-06-01", 4, "price-too-high");
	expect_none(run, one, "call");
	expect(run, two, "call", "2026-09-01", "2026-06-01", 4, NULL);
	expect_none(run, two, "follow-up");
	expect(run, three, "call", "2026-09-01", "2026-06-01", 4, NULL);
	expect(run, broken, "call", "2026-09-01", "2026-06-01", 4, NULL);
	expect(run, old, "follow-up", "2025-02-14", "2025-01-31", 4, "send-materials");
	fake_run_free(run);
}

Test(tiered, followup_days_parameter)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', NULL);

	fake_interaction(run, a, "1", "2026-06-20", CALL, OBJECTION, 0, 5);
	cr_assert_eq(fake_param(run, "followup_days", "0"), 0);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "follow-up", "2026-06-20", "2026-06-20", 12, NULL);
	cr_assert_eq(fake_param(run, "followup_days", "30"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, "follow-up", "2026-07-20", "2026-06-20", 12, NULL);
	fake_run_free(run);
}

/* Same date: the id decides which call is the latest, and which calls are consecutive. */
Test(tiered, ties_on_one_date_are_ordered_by_id)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', NULL);
	size_t b = acct(run, "b", 'A', NULL);
	size_t c = acct(run, "c", 'A', NULL);

	/* "I10" < "I9" bytewise: the connected call I9 is the latest, so no follow-up */
	fake_interaction(run, a, "I9", "2026-06-10", CALL, CONNECTED, 0, 5);
	fake_interaction(run, a, "I10", "2026-06-10", CALL, OBJECTION, PRICE, 5);
	/* the other way round: the objection is the latest, a run of 1 */
	fake_interaction(run, b, "I10", "2026-06-10", CALL, CONNECTED, 0, 5);
	fake_interaction(run, b, "I9", "2026-06-10", CALL, OBJECTION, PRICE, 5);
	/* two objections the same day: a run of 2 */
	fake_interaction(run, c, "x1", "2026-06-10", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, c, "x2", "2026-06-10", CALL, OBJECTION, NO_BUDGET, 5);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2026-07-10", "2026-06-10", 12, NULL);
	expect(run, b, "follow-up", "2026-06-24", "2026-06-10", 12, "price-too-high");
	expect(run, c, "call", "2026-07-10", "2026-06-10", 12, NULL);
	fake_run_free(run);
}

Test(tiered, interactions_after_as_of_are_ignored)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', NULL);

	fake_interaction(run, a, "1", "2026-05-01", CALL, CONNECTED, 0, 5);
	fake_interaction(run, a, "2", "2026-07-01", CALL, OBJECTION, PRICE, 5);
	fake_interaction(run, a, "3", "2026-07-01", VISIT, 0, 0, 60);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2026-06-01", "2026-05-01", 12, NULL);
	expect(run, a, "visit", "2026-06-30", NULL, 4, NULL);
	/* as_of as a parameter wins over the run's day */
	cr_assert_eq(fake_param(run, "as_of", "2026-07-01"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, "follow-up", "2026-07-15", "2026-07-01", 12, "price-too-high");
	expect(run, a, "visit", "2026-10-01", "2026-07-01", 4, NULL);
	fake_run_free(run);
}

Test(tiered, unknown_tier_gets_no_action)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 0, NULL);
	size_t b = acct(run, "b", 'C', NULL);

	cr_assert_eq(fake_run(run), 0);
	cr_expect_eq(fake_action_count(run, a), 0);
	cr_expect_eq(fake_action_count(run, b), 2);
	fake_run_free(run);
}

Test(tiered, custom_intervals)
{
	kam_run *run = run_new("2026-06-30");
	size_t a = acct(run, "a", 'A', NULL);

	fake_interaction(run, a, "1", "2026-01-31", CALL, CONNECTED, 0, 5);
	fake_interaction(run, a, "2", "2026-01-31", VISIT, 0, 0, 5);
	cr_assert_eq(fake_param(run, "call_a", "2"), 0);
	cr_assert_eq(fake_param(run, "visit_a", "24"), 0);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2026-03-31", "2026-01-31", 6, NULL);
	expect(run, a, "visit", "2028-01-31", "2026-01-31", 0.5, NULL);
	fake_run_free(run);
}

Test(tiered, invalid_parameters_fail_the_run)
{
	static const char *const bad[][2] = {
		{ "call_a", "0" },         { "visit_c", "-3" },          { "call_b", "1201" },
		{ "followup_days", "-1" }, { "holidays", "2026-02-30" }, { "holidays", "2026-1-01" },
		{ "holidays", "a,b" },     { "holidays", "2026-01-01,,2026-01-02" },
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		kam_run *run = run_new("2026-06-30");
		size_t a = acct(run, "a", 'A', NULL);

		cr_assert_eq(fake_param(run, bad[k][0], bad[k][1]), 0);
		cr_expect_eq(fake_run(run), KAM_EINVAL, "%s=%s accepted", bad[k][0], bad[k][1]);
		cr_expect_eq(fake_action_count(run, a), 0);
		cr_expect(strstr(fake_last_log(run), bad[k][0]) != NULL, "%s=%s: log \"%s\"",
			  bad[k][0], bad[k][1], fake_last_log(run));
		fake_run_free(run);
	}
}

/* ---- working days ---- */

Test(tiered, working_days_off_by_default)
{
	kam_run *run = run_new("2026-12-31");
	size_t a = acct(run, "a", 'A', NULL);

	/* 2026-10-03 is a Saturday */
	fake_interaction(run, a, "1", "2026-09-03", CALL, CONNECTED, 0, 5);
	cr_assert_eq(fake_param(run, "holidays", "2026-10-03"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, "call", "2026-10-03", "2026-09-03", 12, NULL);
	fake_run_free(run);
}

Test(tiered, working_days_skip_weekends_and_holidays)
{
	kam_run *run = run_new("2026-12-31");
	size_t sat = acct(run, "sat", 'A', NULL);
	size_t sun = acct(run, "sun", 'A', NULL);
	size_t hol = acct(run, "hol", 'A', NULL);
	size_t chain = acct(run, "chain", 'A', NULL);
	size_t fri = acct(run, "fri", 'A', NULL);
	size_t fu = acct(run, "fu", 'A', NULL);
	size_t leap = acct(run, "leap", 'A', "2028-02-26");

	cr_assert_eq(fake_param(run, "working_days", "true"), 0);
	/* unsorted, with spaces and a duplicate: still a set of days */
	cr_assert_eq(fake_param(run, "holidays",
				"2026-10-07, 2026-10-01,2026-10-02 ,2026-10-05,2026-10-06,2026-10-01"),
		     0);
	fake_interaction(run, sat, "1", "2026-10-07", CALL, CONNECTED, 0, 5); /* Sat 11-07 */
	fake_interaction(run, sun, "1", "2026-10-08", CALL, CONNECTED, 0, 5); /* Sun 11-08 */
	fake_interaction(run, hol, "1", "2026-09-07", CALL, CONNECTED, 0, 5); /* Wed 10-07 */
	/* Thu 10-01 and Fri 10-02 holidays, weekend, Mon 10-05 to Wed 10-07 holidays: Thu 10-08 */
	fake_interaction(run, chain, "1", "2026-09-01", CALL, CONNECTED, 0, 5);
	fake_interaction(run, fri, "1", "2026-09-09", CALL, CONNECTED, 0, 5); /* Fri 10-09 */
	/* a follow-up 14 days after Sun 2026-09-13 is Sun 09-27: Mon 09-28 */
	fake_interaction(run, fu, "1", "2026-09-13", CALL, OBJECTION, PRICE, 5);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, sat, "call", "2026-11-09", "2026-10-07", 12, NULL);
	expect(run, sun, "call", "2026-11-09", "2026-10-08", 12, NULL);
	expect(run, hol, "call", "2026-10-08", "2026-09-07", 12, NULL);
	expect(run, chain, "call", "2026-10-08", "2026-09-01", 12, NULL);
	expect(run, fri, "call", "2026-10-09", "2026-09-09", 12, NULL);
	expect(run, fu, "follow-up", "2026-09-28", "2026-09-13", 12, "price-too-high");
	/* no contact: the created day moves too (Sat 2028-02-26 -> Mon 2028-02-28) */
	expect(run, leap, "call", "2028-02-28", NULL, 12, NULL);
	fake_run_free(run);
}

Test(tiered, working_days_across_month_ends_and_leap_days)
{
	kam_run *run = run_new("2029-12-31");
	size_t a = acct(run, "a", 'A', NULL);
	size_t b = acct(run, "b", 'A', NULL);

	cr_assert_eq(fake_param(run, "working_days", "true"), 0);
	cr_assert_eq(fake_param(run, "holidays", "2028-03-01"), 0);
	/* 2028-01-31 + 1 month = Tue 2028-02-29 (a working day) */
	fake_interaction(run, a, "1", "2028-01-31", CALL, CONNECTED, 0, 5);
	/* 2029-05-31 + 1 month = Sat 2029-06-30: moves into July, Mon 2029-07-02 */
	fake_interaction(run, b, "1", "2029-05-31", CALL, CONNECTED, 0, 5);
	/* visits: 2027-11-30 + 3 = Tue 2028-02-29 */
	fake_interaction(run, a, "2", "2027-11-30", VISIT, 0, 0, 5);
	cr_assert_eq(fake_run(run), 0, "%s", fake_last_log(run));
	expect(run, a, "call", "2028-02-29", "2028-01-31", 12, NULL);
	expect(run, b, "call", "2029-07-02", "2029-05-31", 12, NULL);
	expect(run, a, "visit", "2028-02-29", "2027-11-30", 4, NULL);
	/* a holiday on the leap day pushes past the 2028-03-01 holiday to Thu 03-02 */
	cr_assert_eq(fake_param(run, "holidays", "2028-02-29,2028-03-01"), 0);
	cr_assert_eq(fake_run(run), 0);
	expect(run, a, "call", "2028-03-02", "2028-01-31", 12, NULL);
	fake_run_free(run);
}
