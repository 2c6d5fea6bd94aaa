/*
 * test_report.c - the HTML report: escaping, SVG primitives, the Pareto chart on degenerate
 * books, and whole reports of small books checked for well-formed XML and their figures.
 *
 * The reports need the abc and tiered plugins: the test finds them in the build tree
 * (../plugins next to this program) unless KAM_PLUGIN_PATH says where.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "error.h"
#include "plugin.h"
#include "report.h"
#include "segment.h"
#include "snapshot.h"
#include "svg.h"
#include "testbook.h"

/* ---- a small XML well-formedness checker: what a browser and an XML parser both accept ---- */

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

/* An entity reference at p ('&'): its length, or 0 when it is not one XML knows. */
static size_t entity_len(const char *p)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	for (size_t i = 0; i < 5; i++)
		if (strncmp(p, named[i], strlen(named[i])) == 0)
			return strlen(named[i]);
	if (p[1] != '#')
		return 0;
	size_t i = 2;
	bool hex = p[2] == 'x';
	i += hex;
	size_t start = i;
	while (hex ? strchr("0123456789abcdefABCDEF", p[i]) && p[i] : p[i] >= '0' && p[i] <= '9')
		i++;
	return i > start && p[i] == ';' ? i + 1 : 0;
}

/* Checks text up to `end` (exclusive) for raw '<' and bad '&'; returns false with a reason. */
static bool text_ok(const char *p, const char *end, bool attr, const char **why)
{
	for (; p < end; p++) {
		if (*p == '<') {
			*why = "raw < in text";
			return false;
		}
		if (attr && *p == '"') {
			*why = "quote in attribute";
			return false;
		}
		if (*p == '&') {
			size_t n = entity_len(p);
			if (!n) {
				*why = "bad entity";
				return false;
			}
			p += n - 1;
		}
	}
	return true;
}

/* Returns NULL when `s` is well-formed, else what is wrong (with the offset in `at`). */
static const char *xml_check(const char *s, size_t *at)
{
	const char *stack[256];
	size_t depth = 0, roots = 0;
	const char *p = s, *why = NULL;
	if (strncmp(p, "<!DOCTYPE html>", 15) == 0)
		p += 15;
	while (*p) {
		*at = (size_t)(p - s);
		if (*p != '<') {
			const char *lt = strchr(p, '<');
			const char *end = lt ? lt : p + strlen(p);
			if (!text_ok(p, end, false, &why))
				return why;
			if (!depth)
				for (const char *q = p; q < end; q++)
					if (!strchr(" \t\r\n", *q))
						return "text outside the root";
			p = end;
			continue;
		}
		if (strncmp(p, "<!--", 4) == 0) {
			const char *e = strstr(p + 4, "-->");
			if (!e)
				return "unclosed comment";
			p = e + 3;
			continue;
		}
		if (p[1] == '/') {
			const char *n = p + 2, *e = n;
			while (name_char(*e, e == n))
				e++;
			if (e == n || *e != '>')
				return "bad end tag";
			if (!depth)
				return "end tag without start";
			const char *open = stack[--depth];
			size_t len = (size_t)(e - n);
			if (strncmp(open, n, len) != 0 || name_char(open[len], false))
				return "mismatched end tag";
			p = e + 1;
			continue;
		}
		const char *n = p + 1, *e = n;
		while (name_char(*e, e == n))
			e++;
		if (e == n)
			return "bad start tag";
		p = e;
		for (;;) {
			size_t ws = strspn(p, " \t\r\n");
			p += ws;
			if (*p == '/' && p[1] == '>') {
				p += 2;
				if (!depth)
					roots++;
				break;
			}
			if (*p == '>') {
				p++;
				if (depth == 256)
					return "too deep";
				if (!depth)
					roots++;
				stack[depth++] = n;
				break;
			}
			if (!ws)
				return "attributes not separated";
			const char *an = p;
			while (name_char(*p, p == an))
				p++;
			if (p == an || *p != '=' || p[1] != '"')
				return "bad attribute";
			const char *v = p + 2, *q = strchr(v, '"');
			if (!q)
				return "unclosed attribute";
			if (!text_ok(v, q, true, &why))
				return why;
			p = q + 1;
		}
	}
	if (depth)
		return "unclosed element";
	if (roots != 1)
		return "not exactly one root element";
	return NULL;
}

static void assert_well_formed(const char *s, const char *what)
{
	size_t at = 0;
	const char *why = xml_check(s, &at);
	cr_assert_null(why, "%s: %s at %zu: ...%.60s", what, why, at, s + at);
	cr_assert_null(strstr(s, "nan"), "%s: a NAN was written", what);
	cr_assert_null(strstr(s, "inf\""), "%s: an infinity was written", what);
	cr_assert_null(strstr(s, "<script"), "%s: a script element", what);
}

/* The checker itself must reject what it is there to catch. */
Test(xml, checker_rejects)
{
	size_t at;
	cr_assert_not_null(xml_check("<a><b></a></b>", &at));
	cr_assert_not_null(xml_check("<a>x < y</a>", &at));
	cr_assert_not_null(xml_check("<a t=\"1\"><b/>&nope;</a>", &at));
	cr_assert_not_null(xml_check("<a x=1/>", &at));
	cr_assert_not_null(xml_check("<a/><b/>", &at));
	cr_assert_not_null(xml_check("<a>", &at));
	cr_assert_null(xml_check("<!DOCTYPE html>\n<a x=\"&amp;&#39;\"><b/>t &gt; &#x41;</a>\n", &at));
}

/* ---- capturing output ---- */

typedef struct capture {
	FILE *f;
	char *buf;
	size_t len;
} capture;

static void cap_open(capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->f);
}

static const char *cap_close(capture *c)
{
	cr_assert_eq(fclose(c->f), 0);
	return c->buf;
}

static char *escaped(const char *s, size_t len)
{
	capture c;
	cap_open(&c);
	kam_xml_escape(c.f, s, len);
	cap_close(&c);
	return c.buf;
}

/* ---- escaping ---- */

Test(escape, markup_and_quotes)
{
	const char *in = "<script>alert(\"x\") & 'y'</script>";
	char *out = escaped(in, strlen(in));
	cr_assert_str_eq(out, "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
	free(out);
}

Test(escape, utf8_kept_bad_bytes_replaced)
{
	const char in[] = "\xe5\xae\xa2\xe6\x88\xb7 ok\t\n";
	char *out = escaped(in, sizeof(in) - 1);
	cr_assert_str_eq(out, in, "valid UTF-8, tab and newline pass unchanged");
	free(out);
	/* a control byte, a lone continuation byte, a truncated sequence, an overlong '/', a
	 * surrogate, and a NUL inside the counted text */
	const char bad[] = "a\x01" "b\x80" "c\xe5\xae" "d\xc0\xaf" "e\xed\xa0\x80" "f\0g";
	out = escaped(bad, sizeof(bad) - 1);
	cr_assert_str_eq(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD"
			      "d\xEF\xBF\xBD\xEF\xBF\xBD" "e\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
			      "f\xEF\xBF\xBDg");
	free(out);
}

Test(escape, attributes)
{
	capture c;
	cap_open(&c);
	kam_xml_attrs(c.f, (kam_xml_attr[]){ { "data-r", "a\"b<c>&" }, { "skip", NULL },
					     { "id", "x" }, { NULL, NULL } });
	cr_assert_str_eq(cap_close(&c), " data-r=\"a&quot;b&lt;c&gt;&amp;\" id=\"x\"");
	free(c.buf);
}

/* ---- SVG primitives ---- */

Test(svg, numbers)
{
	char b[32];
	kam_svg_num(1.5, b);
	cr_assert_str_eq(b, "1.5");
	kam_svg_num(2.0, b);
	cr_assert_str_eq(b, "2");
	kam_svg_num(-0.001, b);
	cr_assert_str_eq(b, "0");
	kam_svg_num(NAN, b);
	cr_assert_str_eq(b, "0");
	kam_svg_num(-INFINITY, b);
	cr_assert_str_eq(b, "0");
	kam_svg_num(12.345, b);
	cr_assert(strcmp(b, "12.35") == 0 || strcmp(b, "12.34") == 0, "%s", b);
}

Test(svg, map_degenerate)
{
	kam_svg_scale s = { 0, 1, 10, 110 };
	cr_assert_float_eq(kam_svg_map(&s, 0.5), 60, 1e-9);
	cr_assert_float_eq(kam_svg_map(&s, NAN), 10, 1e-9);
	kam_svg_scale flat = { 3, 3, 10, 110 };
	cr_assert_float_eq(kam_svg_map(&flat, 3), 60, 1e-9);
	kam_svg_scale wild = { 0, 1e-300, 0, 100 };
	cr_assert(isfinite(kam_svg_map(&wild, 1e300)));
}

Test(svg, ticks)
{
	double t[16];
	size_t n = kam_svg_ticks(0, 1, 6, t);
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < n; i++)
		cr_assert_float_eq(t[i], 0.2 * (double)i, 1e-12);
	n = kam_svg_ticks(0, 19157, 5, t);
	cr_assert_eq(n, 4, "0, 5000, 10000, 15000: got %zu", n);
	cr_assert_float_eq(t[3], 15000, 1e-9);
	n = kam_svg_ticks(1, -1, 5, t); /* swapped */
	cr_assert_eq(n, 5);
	cr_assert_float_eq(t[0], -1, 1e-12);
	cr_assert_float_eq(t[4], 1, 1e-12);
	cr_assert_eq(kam_svg_ticks(4, 4, 6, t), 1);
	cr_assert_float_eq(t[0], 4, 0);
	cr_assert_eq(kam_svg_ticks(NAN, INFINITY, 6, t), 1);
	cr_assert_float_eq(t[0], 0, 0);
	n = kam_svg_ticks(-1e308, 1e308, 6, t);
	cr_assert(n >= 1 && n <= 6);
	for (size_t i = 0; i < n; i++)
		cr_assert(isfinite(t[i]));
}

Test(svg, labels)
{
	char b[48];
	kam_svg_label(0.25, 0.05, KAM_SVG_FMT_PERCENT, b);
	cr_assert_str_eq(b, "25%");
	kam_svg_label(0.125, 0.005, KAM_SVG_FMT_PERCENT, b);
	cr_assert_str_eq(b, "12.5%");
	kam_svg_label(1250000, 250000, KAM_SVG_FMT_NUMBER, b);
	cr_assert_str_eq(b, "1,250,000");
	kam_svg_label(-1234.5, 0.5, KAM_SVG_FMT_NUMBER, b);
	cr_assert_str_eq(b, "-1,234.5");
	kam_svg_label(-0.0001, 1, KAM_SVG_FMT_NUMBER, b);
	cr_assert_str_eq(b, "0");
}

Test(svg, mix)
{
	char c[8];
	kam_svg_mix("#FFFFFF", "#0072B2", 0, c);
	cr_assert_str_eq(c, "#FFFFFF");
	kam_svg_mix("#FFFFFF", "#0072B2", 1, c);
	cr_assert_str_eq(c, "#0072B2");
	kam_svg_mix("#000000", "#FFFFFF", 0.5, c);
	cr_assert_str_eq(c, "#808080");
	kam_svg_mix("junk", "#FFFFFF", 2, c);
	cr_assert_str_eq(c, "#FFFFFF");
}

Test(svg, chart_well_formed)
{
	capture c;
	cap_open(&c);
	kam_svg_open(c.f, "x<1>", "chart", 200, 100, "a title & more", "desc \"q\"");
	kam_svg_scale s = { 5, 5, 10, 190 };
	kam_svg_axis_draw(c.f, &(kam_svg_axis){ .scale = &s, .side = KAM_SVG_BOTTOM, .at = 90,
						 .from = 90, .to = 10, .label = "x <axis>" });
	kam_svg_scale y = { NAN, INFINITY, 90, 10 };
	kam_svg_axis_draw(c.f, &(kam_svg_axis){ .scale = &y, .side = KAM_SVG_LEFT, .at = 10,
						 .label = "y" });
	kam_svg_rect(c.f, 10, 10, -5, NAN, NULL, "tip <b>");
	kam_svg_polyline(c.f, (double[]){ 0, 0, NAN, INFINITY }, 2, NULL);
	kam_svg_polyline(c.f, NULL, 0, NULL);
	kam_svg_legend(c.f, 0, 0, (kam_svg_legend_item[]){ { "a & b", NULL, KAM_SVG_KEY_DASH } }, 1);
	kam_svg_close(c.f);
	const char *s2 = cap_close(&c);
	assert_well_formed(s2, "chart");
	cr_assert_not_null(strstr(s2, "<title>a title &amp; more</title>"));
	cr_assert_not_null(strstr(s2, "id=\"x&lt;1&gt;\""));
	free(c.buf);
}

/* ---- the Pareto chart on degenerate books ---- */

/* The points of the chart's curve (pixels), or 0 of them when it has none. */
static size_t curve_points(const char *svg, double *xy, size_t max)
{
	const char *p = strstr(svg, "<polyline points=\"");
	if (!p)
		return 0;
	p += strlen("<polyline points=\"");
	size_t n = 0;
	while (*p != '"' && n < max) {
		char *end;
		xy[2 * n] = strtod(p, &end);
		cr_assert_eq(*end, ',');
		xy[2 * n + 1] = strtod(end + 1, &end);
		n++;
		p = end + (*end == ' ');
	}
	return n;
}

static char *pareto(const kam_money *rev, size_t n, size_t a_end, size_t b_end)
{
	capture c;
	cap_open(&c);
	kam_report_pareto_svg(c.f, "p", "north", rev, n, a_end, b_end);
	cap_close(&c);
	assert_well_formed(c.buf, "pareto");
	cr_assert_not_null(strstr(c.buf, "<svg"));
	cr_assert_not_null(strstr(c.buf, "class=\"axis axis-x\""));
	cr_assert_not_null(strstr(c.buf, "class=\"legend\""));
	return c.buf;
}

Test(pareto, zero_accounts)
{
	char *s = pareto(NULL, 0, 0, 0);
	double xy[8];
	cr_assert_eq(curve_points(s, xy, 4), 0, "no curve without accounts");
	cr_assert_not_null(strstr(s, "no accounts"));
	free(s);
}

Test(pareto, one_account)
{
	kam_money rev[] = { 5000000 };
	char *s = pareto(rev, 1, 1, 1);
	double xy[8];
	cr_assert_eq(curve_points(s, xy, 4), 2, "origin and the one account");
	cr_assert_gt(xy[2], xy[0]);
	cr_assert_lt(xy[3], xy[1], "the curve rises to 100%");
	cr_assert_not_null(strstr(s, "cut cut-a"));
	free(s);
}

Test(pareto, all_revenue_in_one_account)
{
	kam_money rev[] = { 990000, 0, 0, 0 };
	char *s = pareto(rev, 4, 1, 1);
	double xy[16];
	cr_assert_eq(curve_points(s, xy, 8), 5);
	/* the first account takes the curve to the top; the rest stay there */
	for (size_t i = 2; i < 5; i++)
		cr_assert_float_eq(xy[2 * i + 1], xy[3], 0.01);
	cr_assert_float_eq(xy[2] - xy[0], (xy[8] - xy[0]) / 4, 0.02);
	cr_assert_lt(xy[3], xy[1]);
	free(s);
}

Test(pareto, no_revenue_and_negative_totals)
{
	kam_money zero[] = { 0, 0, 0 };
	char *s = pareto(zero, 3, 0, 0);
	double xy[8];
	cr_assert_eq(curve_points(s, xy, 4), 0);
	cr_assert_not_null(strstr(s, "no revenue in the window"));
	free(s);
	kam_money neg[] = { 10, -50 };
	s = pareto(neg, 2, 5, 1); /* cut-offs out of range and out of order are clamped */
	cr_assert_eq(curve_points(s, xy, 4), 0, "a negative total has no shares");
	free(s);
	kam_money mixed[] = { 100, 50, -30 }; /* the curve overshoots 100% before the refund */
	s = pareto(mixed, 3, 1, 2);
	cr_assert_eq(curve_points(s, xy, 4), 4);
	free(s);
}

Test(pareto, large_book_is_sampled)
{
	size_t n = 100000;
	kam_money *rev = malloc(n * sizeof(*rev));
	for (size_t i = 0; i < n; i++)
		rev[i] = (kam_money)(n - i) * 100;
	char *s = pareto(rev, n, 12345, 54321);
	double *xy = malloc(2 * 2000 * sizeof(*xy));
	size_t pts = curve_points(s, xy, 2000);
	cr_assert(pts > 100 && pts < 1000, "%zu points", pts);
	free(xy);
	free(s);
	free(rev);
}

/* ---- whole reports of small books ---- */

static char dir[] = "/tmp/kam-test-report.XXXXXX";
static kam_store *store;
static kam_registry *reg;


static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	char path[sizeof(dir) + 8];
	snprintf(path, sizeof(path), "%s/db", dir);
	cr_assert_eq(kam_store_open(path, KAM_STORE_CREATE, &store), 0);
	if (!getenv("KAM_PLUGIN_PATH")) {
		char exe[PATH_MAX], plugins[PATH_MAX + 16];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		cr_assert_gt(n, 0);
		exe[n] = 0;
		snprintf(plugins, sizeof(plugins), "%s/../plugins", dirname(exe));
		setenv("KAM_PLUGIN_PATH", plugins, 1);
	}
	cr_assert_eq(kam_registry_new(&reg), 0);
	cr_assert_eq(kam_segment_load_plugins(reg, NULL, NULL, NULL), 0);
	cr_assert_not_null(kam_registry_find(reg, "abc"), "the abc plugin (KAM_PLUGIN_PATH=%s)",
			   getenv("KAM_PLUGIN_PATH"));
	cr_assert_not_null(kam_registry_find(reg, "tiered"), "the tiered plugin");
}

static void teardown(void)
{
	kam_registry_free(reg);
	kam_store_close(store);
	char cmd[sizeof(dir) + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

TestSuite(report, .init = setup, .fini = teardown);

static int32_t day(const char *s)
{
	kam_date d;
	cr_assert_eq(kam_date_parse(s, strlen(s), &d), 0);
	return d.day;
}

/* Builds and writes the report as of 2026-06-30; returns the page (free it). */
static char *report_page(const char *region, kam_report *r)
{
	kam_report_opts o;
	kam_report_opts_init(&o, day("2026-06-30"));
	o.reg = reg;
	o.region = region;
	o.title = "Test <book> & co";
	cr_assert_eq(kam_report_build(store, &o, r), 0, "%s", r->error);
	capture c;
	cap_open(&c);
	cr_assert_eq(kam_report_write(r, c.f), 0);
	cap_close(&c);
	assert_well_formed(c.buf, "report");
	cr_assert_not_null(strstr(c.buf, "<title>Test &lt;book&gt; &amp; co"));
	return c.buf;
}

Test(report, zero_accounts)
{
	kam_report r;
	char *page = report_page(NULL, &r);
	cr_assert_eq(r.nregions, 0);
	cr_assert_eq(r.total.accounts, 0);
	cr_assert_not_null(strstr(page, "The book has no accounts."));
	cr_assert_not_null(strstr(page, "data-k=\"accounts\" data-v=\"0\""));
	kam_report_free(&r);
	free(page);

	kam_report_opts o;
	kam_report_opts_init(&o, day("2026-06-30"));
	o.reg = reg;
	o.region = "north";
	cr_assert_eq(kam_report_build(store, &o, &r), KAM_ENOTFOUND);
	cr_assert(r.bad_opts);
	cr_assert_not_null(strstr(r.error, "north"), "%s", r.error);
	kam_report_free(&r);
	o.region = NULL;
	o.weeks = 0;
	cr_assert_eq(kam_report_build(store, &o, &r), KAM_EINVAL);
	cr_assert(r.bad_opts);
	kam_report_free(&r);
}

static int fill_one(kam_txn *t, void *arg)
{
	(void)arg;
	PUT(t, KAM_ACCOUNT, "id", "A1", "name", "Solo <b>bold</b>", "region", "north", "owner",
	    "rep<1>", "created", "2020-01-01");
	PUT(t, KAM_ORDER, "id", "o1", "account_id", "A1", "date", "2026-03-01", "amount", "1234.5");
	return 0;
}

Test(report, one_account)
{
	cr_assert_eq(kam_store_write(store, fill_one, NULL), 0);
	kam_report r;
	char *page = report_page(NULL, &r);
	cr_assert_eq(r.nregions, 1);
	const kam_report_region *g = &r.regions[0];
	cr_assert_str_eq(g->name, "north");
	cr_assert_eq(g->naccounts, 1);
	cr_assert_eq(g->revenue[0], 12345000);
	cr_assert_eq(g->a_end, 1, "the one account with revenue is tier A");
	cr_assert_eq(g->b_end, 1);
	cr_assert_float_eq(g->pf.hhi, 10000, 1e-9);
	cr_assert_eq(g->snapshot, 0, "never segmented: tiers computed now");
	/* never contacted: the call and the visit are overdue since the account was created */
	cr_assert_eq(g->nreps, 1);
	cr_assert_str_eq(g->reps[0], "rep<1>");
	cr_assert_eq(g->load[0], 2);
	cr_assert_eq(g->actions, 2);
	cr_assert_not_null(strstr(page, "data-k=\"hhi\" data-r=\"north\" data-v=\"10000\">10,000.0<"));
	cr_assert_not_null(strstr(page, "data-k=\"revenue\" data-r=\"north\" data-v=\"1234.5\">"
					"1,234.50<"));
	cr_assert_not_null(strstr(page, "data-k=\"load\" data-r=\"north\" data-rep=\"rep&lt;1&gt;\" "
					"data-w=\"overdue\" data-v=\"2\""));
	cr_assert_not_null(strstr(page, "id=\"pareto-1\""));
	cr_assert_not_null(strstr(page, "id=\"load-1\""));
	cr_assert_not_null(strstr(page, "No value snapshot is stored"));
	cr_assert_not_null(strstr(page, "No segmentation is stored"));
	kam_report_free(&r);
	free(page);
}

/*
 * Three accounts of north, all the revenue in N1, whose name is hostile; two stored
 * segmentations (N2 moves from B to C, N3 is new in the second) and a value snapshot.
 */
static int fill_three(kam_txn *t, void *arg)
{
	(void)arg;
	PUT(t, KAM_ACCOUNT, "id", "N1", "name", "<script>alert(\"pwned\")</script>", "region",
	    "north", "owner", "r1");
	PUT(t, KAM_ACCOUNT, "id", "N2", "name", "Two & Sons", "region", "north", "owner", "r1");
	PUT(t, KAM_ACCOUNT, "id", "N3", "name", "Three", "region", "north", "owner", "r2");
	PUT(t, KAM_ORDER, "id", "o1", "account_id", "N1", "date", "2026-06-01", "amount", "500");
	PUT(t, KAM_INTERACTION, "id", "i1", "account_id", "N1", "date", "2026-06-20", "kind",
	    "call", "minutes", "30");
	char *regions[] = { "north" };
	kam_result first[] = {
		{ .account_id = "N1", .region = "north", .tier = 'A', .score = 1 },
		{ .account_id = "N2", .region = "north", .tier = 'B', .score = 0 },
	};
	kam_run_output out = { .results = first, .count = 2 };
	kam_snapshot_info info = { .kind = KAM_PLUGIN_SEGMENTATION, .model = "abc",
				   .model_version = "1", .regions = regions, .nregions = 1,
				   .as_of = kam_days_from_civil(2026, 3, 31) };
	int rc = kam_snapshot_save(t, &info, &out);
	kam_result second[] = {
		{ .account_id = "N1", .region = "north", .tier = 'A', .score = 1 },
		{ .account_id = "N2", .region = "north", .tier = 'C', .score = 0 },
		{ .account_id = "N3", .region = "north", .tier = 'C', .score = 0 },
	};
	out = (kam_run_output){ .results = second, .count = 3 };
	info.id = 0;
	info.as_of = kam_days_from_civil(2026, 6, 30);
	if (!rc)
		rc = kam_snapshot_save(t, &info, &out);
	kam_result values[] = {
		{ .account_id = "N1", .region = "north", .has_value = 1, .value = 250.125,
		  .recommendation = "keep <close>" },
		{ .account_id = "N2", .region = "north", .has_value = 1, .value = 300 },
		{ .account_id = "N3", .region = "north", .has_value = 0 },
	};
	out = (kam_run_output){ .results = values, .count = 3 };
	kam_snapshot_info vinfo = { .kind = KAM_PLUGIN_VALUE, .model = "customer-value",
				    .model_version = "1", .regions = regions, .nregions = 1,
				    .as_of = kam_days_from_civil(2026, 6, 30) };
	if (!rc)
		rc = kam_snapshot_save(t, &vinfo, &out);
	return rc;
}

Test(report, all_revenue_in_one_account)
{
	cr_assert_eq(kam_store_write(store, fill_three, NULL), 0);
	kam_report r;
	char *page = report_page("north", &r);
	cr_assert_eq(r.nregions, 1);
	const kam_report_region *g = &r.regions[0];
	cr_assert_eq(g->naccounts, 3);
	cr_assert_eq(g->revenue[0], 5000000);
	cr_assert_eq(g->revenue[1], 0);
	cr_assert_eq(g->a_end, 1);
	cr_assert_eq(g->b_end, 1, "no tier B in the current snapshot");
	cr_assert_float_eq(g->pf.hhi, 10000, 1e-9);
	cr_assert_eq(g->pf.top1, 5000000);
	/* tier changes: snapshot 1 -> 2 */
	cr_assert_eq(g->snapshot, 2);
	cr_assert_eq(g->prev_snapshot, 1);
	cr_assert_eq(g->moves[KAM_TIER_A][KAM_TIER_A], 1);
	cr_assert_eq(g->moves[KAM_TIER_B][KAM_TIER_C], 1);
	cr_assert_eq(g->moves[KAM_TIER_NONE][KAM_TIER_C], 1);
	cr_assert_eq(g->moved, 2);
	cr_assert_eq(g->nmoved_list, 2);
	cr_assert_str_eq(g->moved_list[0].account_id, "N2");
	cr_assert_str_eq(g->moved_list[0].name, "Two & Sons");
	cr_assert_eq(g->moved_list[1].from, 0);
	/* the value ranking: N2 then N1; N3 has no value */
	cr_assert_eq(g->value_snapshot, 3);
	cr_assert_eq(g->valued, 2);
	cr_assert_eq(g->ntop, 2);
	cr_assert_str_eq(g->top[0].account_id, "N2");
	cr_assert_str_eq(g->top[1].account_id, "N1");
	cr_assert_str_eq(g->top[1].recommendation, "keep <close>");

	/* the hostile name is text, never markup */
	cr_assert_not_null(strstr(page, "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"));
	cr_assert_null(strstr(page, "<script"));
	cr_assert_not_null(strstr(page, "Two &amp; Sons"));
	cr_assert_not_null(strstr(page, "keep &lt;close&gt;"));
	/* shown rounded (glibc rounds the exact tie to even), exact in data-v */
	cr_assert_not_null(strstr(page, "data-k=\"value\" data-r=\"north\" data-a=\"N1\" "
					"data-v=\"250.125\">250.12<"));
	cr_assert_not_null(strstr(page, "data-k=\"moves\" data-r=\"north\" data-from=\"B\" "
					"data-to=\"C\" data-v=\"1\""));
	cr_assert_not_null(strstr(page, "data-k=\"top1-share\" data-r=\"north\" data-v=\"1\">"
					"100.0%<"));
	cr_assert_not_null(strstr(page, "data-k=\"cut-a-share\" data-r=\"north\" data-v=\"1\">"
					"100.0%<"));
	cr_assert_not_null(strstr(page, "data-k=\"tier-roi\" data-r=\"north\" data-t=\"A\" "
					"data-v=\"1000\""));
	cr_assert_null(strstr(page, "data-k=\"accounts\" data-v="), "no book total with --region");
	kam_report_free(&r);
	free(page);
}
