/* svg.c - SVG primitives, escaping and scales for the report. */
#include "svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

const char *const kam_svg_palette[KAM_OI_COUNT] = {
	"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
};

/* ---- escaping ---- */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/*
 * The length of the valid UTF-8 sequence at p (at most n bytes left), or 0 when it is not one
 * (overlong forms, surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF, which XML forbids).
 */
static size_t utf8_valid(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return len;
}

static const char *ascii_entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t': case '\n': case '\r': return NULL;
	default: return c < 0x20 || c == 0x7F ? replacement : NULL;
	}
}

void kam_xml_escape(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* bytes before i that are written as they are */
	for (size_t i = 0; i < len;) {
		const char *sub = NULL;
		size_t step = 1;
		if (p[i] < 0x80) {
			sub = ascii_entity(p[i]);
		} else if (!(step = utf8_valid(p + i, len - i))) {
			sub = replacement;
			step = 1;
		}
		if (sub) {
			if (run)
				fwrite(p + i - run, 1, run, f);
			fputs(sub, f);
			run = 0;
		} else {
			run += step;
		}
		i += step;
	}
	if (run)
		fwrite(p + len - run, 1, run, f);
}

void kam_xml_text(FILE *f, const char *s)
{
	if (s)
		kam_xml_escape(f, s, strlen(s));
}

void kam_xml_attrs(FILE *f, const kam_xml_attr *attrs)
{
	for (; attrs && attrs->name; attrs++) {
		if (!attrs->value)
			continue;
		fprintf(f, " %s=\"", attrs->name);
		kam_xml_text(f, attrs->value);
		fputc('"', f);
	}
}

/* ---- numbers ---- */

size_t kam_svg_num(double v, char buf[32])
{
	if (!isfinite(v) || fabs(v) < 0.005)
		v = 0;
	/* Coordinates beyond this are off any page; keep the text short and the parse exact. */
	if (v > 1e9)
		v = 1e9;
	if (v < -1e9)
		v = -1e9;
	int n = snprintf(buf, 32, "%.2f", v);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = 0;
	if (strcmp(buf, "-0") == 0)
		n = (int)strlen(strcpy(buf, "0"));
	return (size_t)n;
}

double kam_svg_map(const kam_svg_scale *s, double v)
{
	double r0 = isfinite(s->r0) ? s->r0 : 0, r1 = isfinite(s->r1) ? s->r1 : r0;
	if (isnan(v))
		return r0;
	double span = s->d1 - s->d0;
	if (!isfinite(span) || span == 0 || !isfinite(s->d0))
		return (r0 + r1) / 2;
	double t = (v - s->d0) / span;
	if (!isfinite(t))
		t = t > 0 ? 1e6 : -1e6;
	double px = r0 + t * (r1 - r0);
	return isfinite(px) ? px : r0;
}

size_t kam_svg_ticks(double lo, double hi, size_t max, double *out)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		out[0] = isfinite(lo) ? lo : isfinite(hi) ? hi : 0;
		return 1;
	}
	if (lo > hi) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (lo == hi) {
		out[0] = lo;
		return 1;
	}
	if (max < 2)
		max = 2;
	double raw = (hi - lo) / (double)(max - 1);
	double mag = pow(10, floor(log10(raw)));
	static const double mult[] = { 1, 2, 5 };
	for (int tries = 0; tries < 60; tries++) {
		double step = mult[tries % 3] * mag * pow(10, tries / 3);
		if (!isfinite(step) || step <= 0)
			break;
		double k0 = ceil(lo / step - 1e-9), k1 = floor(hi / step + 1e-9);
		if (!isfinite(k0) || !isfinite(k1) || k1 - k0 + 1 > (double)max)
			continue;
		size_t n = 0;
		for (double k = k0; k <= k1 && n < max; k++) {
			double v = k * step;
			out[n++] = fabs(v) < step * 1e-9 ? 0 : v;
		}
		if (n)
			return n;
		break;
	}
	out[0] = lo;
	out[1] = hi;
	return 2;
}

size_t kam_svg_group_thousands(const char *in, char *out, size_t cap)
{
	size_t n = 0, i = 0;
	if (in[0] == '-')
		out[n++] = in[i++];
	size_t digits = strspn(in + i, "0123456789");
	for (size_t d = 0; d < digits && n + 2 < cap; d++) {
		if (d && (digits - d) % 3 == 0)
			out[n++] = ',';
		out[n++] = in[i++];
	}
	while (in[i] && n + 1 < cap)
		out[n++] = in[i++];
	out[n] = 0;
	return n;
}

size_t kam_svg_label(double v, double step, kam_svg_fmt fmt, char buf[48])
{
	if (!isfinite(v)) {
		strcpy(buf, "–");
		return strlen(buf);
	}
	if (fmt == KAM_SVG_FMT_PERCENT) {
		v *= 100;
		step *= 100;
	}
	int decimals;
	if (step > 0 && isfinite(step))
		decimals = (int)-floor(log10(step) + 1e-9);
	else
		decimals = v == floor(v) ? 0 : 2;
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	char raw[400];
	snprintf(raw, sizeof(raw), "%.*f", decimals, v);
	if (raw[0] == '-' && strspn(raw + 1, "0.") == strlen(raw + 1))
		memmove(raw, raw + 1, strlen(raw)); /* "-0.0" */
	size_t n = kam_svg_group_thousands(raw, buf, fmt == KAM_SVG_FMT_PERCENT ? 47 : 48);
	if (fmt == KAM_SVG_FMT_PERCENT) {
		buf[n++] = '%';
		buf[n] = 0;
	}
	return n;
}

/* ---- elements ---- */

static void put_num(FILE *f, const char *name, double v)
{
	char b[32];
	kam_svg_num(v, b);
	fprintf(f, " %s=\"%s\"", name, b);
}

void kam_svg_open(FILE *f, const char *id, const char *cls, double width, double height,
		  const char *title, const char *desc)
{
	char w[32], h[32];
	kam_svg_num(width, w);
	kam_svg_num(height, h);
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\"", f);
	kam_xml_attrs(f, (kam_xml_attr[]){ { "id", id }, { "class", cls }, { NULL, NULL } });
	fprintf(f, " width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" role=\"img\">\n", w, h, w, h);
	fputs("<title>", f);
	kam_xml_text(f, title);
	fputs("</title>\n", f);
	if (desc) {
		fputs("<desc>", f);
		kam_xml_text(f, desc);
		fputs("</desc>\n", f);
	}
}

void kam_svg_close(FILE *f)
{
	fputs("</svg>\n", f);
}

void kam_svg_group_open(FILE *f, const kam_xml_attr *attrs)
{
	fputs("<g", f);
	kam_xml_attrs(f, attrs);
	fputs(">\n", f);
}

void kam_svg_group_close(FILE *f)
{
	fputs("</g>\n", f);
}

void kam_svg_line(FILE *f, double x1, double y1, double x2, double y2, const kam_xml_attr *attrs)
{
	fputs("<line", f);
	put_num(f, "x1", x1);
	put_num(f, "y1", y1);
	put_num(f, "x2", x2);
	put_num(f, "y2", y2);
	kam_xml_attrs(f, attrs);
	fputs("/>\n", f);
}

static void close_with_tip(FILE *f, const char *elem, const char *tip)
{
	if (!tip) {
		fputs("/>\n", f);
		return;
	}
	fputs("><title>", f);
	kam_xml_text(f, tip);
	fprintf(f, "</title></%s>\n", elem);
}

void kam_svg_rect(FILE *f, double x, double y, double w, double h, const kam_xml_attr *attrs,
		  const char *tip)
{
	if (!isfinite(w))
		w = 0;
	if (!isfinite(h))
		h = 0;
	if (w < 0) {
		x += w;
		w = -w;
	}
	if (h < 0) {
		y += h;
		h = -h;
	}
	fputs("<rect", f);
	put_num(f, "x", x);
	put_num(f, "y", y);
	put_num(f, "width", w);
	put_num(f, "height", h);
	kam_xml_attrs(f, attrs);
	close_with_tip(f, "rect", tip);
}

void kam_svg_circle(FILE *f, double cx, double cy, double r, const kam_xml_attr *attrs,
		    const char *tip)
{
	fputs("<circle", f);
	put_num(f, "cx", cx);
	put_num(f, "cy", cy);
	put_num(f, "r", r > 0 ? r : 0);
	kam_xml_attrs(f, attrs);
	close_with_tip(f, "circle", tip);
}

void kam_svg_polyline(FILE *f, const double *xy, size_t n, const kam_xml_attr *attrs)
{
	if (!n)
		return;
	char b[32];
	fputs("<polyline points=\"", f);
	for (size_t i = 0; i < n; i++) {
		kam_svg_num(xy[2 * i], b);
		fprintf(f, "%s%s,", i ? " " : "", b);
		kam_svg_num(xy[2 * i + 1], b);
		fputs(b, f);
	}
	fputc('"', f);
	kam_xml_attrs(f, attrs);
	fputs("/>\n", f);
}

void kam_svg_text(FILE *f, double x, double y, const char *anchor, const char *text,
		  const kam_xml_attr *attrs)
{
	fputs("<text", f);
	put_num(f, "x", x);
	put_num(f, "y", y);
	if (anchor && strcmp(anchor, "start") != 0)
		kam_xml_attrs(f, (kam_xml_attr[]){ { "text-anchor", anchor }, { NULL, NULL } });
	kam_xml_attrs(f, attrs);
	fputc('>', f);
	kam_xml_text(f, text);
	fputs("</text>\n", f);
}

/* ---- axes and legends ---- */

void kam_svg_axis_draw(FILE *f, const kam_svg_axis *a)
{
	const kam_svg_scale *s = a->scale;
	double ticks[64];
	size_t max = a->max_ticks ? a->max_ticks : 6;
	if (max > 64)
		max = 64;
	size_t n = kam_svg_ticks(s->d0, s->d1, max, ticks);
	double step = n > 1 ? ticks[1] - ticks[0] : 0;
	bool bottom = a->side == KAM_SVG_BOTTOM;
	char label[48];

	kam_svg_group_open(f, (kam_xml_attr[]){ { "class", bottom ? "axis axis-x" : "axis axis-y" },
						{ "id", a->id }, { NULL, NULL } });
	for (size_t i = 0; i < n && a->from != a->to; i++) {
		double p = kam_svg_map(s, ticks[i]);
		if (bottom)
			kam_svg_line(f, p, a->from, p, a->to,
				     (kam_xml_attr[]){ { "class", "grid" }, { NULL, NULL } });
		else
			kam_svg_line(f, a->from, p, a->to, p,
				     (kam_xml_attr[]){ { "class", "grid" }, { NULL, NULL } });
	}
	if (bottom)
		kam_svg_line(f, s->r0, a->at, s->r1, a->at,
			     (kam_xml_attr[]){ { "class", "domain" }, { NULL, NULL } });
	else
		kam_svg_line(f, a->at, s->r0, a->at, s->r1,
			     (kam_xml_attr[]){ { "class", "domain" }, { NULL, NULL } });
	for (size_t i = 0; i < n; i++) {
		double p = kam_svg_map(s, ticks[i]);
		kam_svg_label(ticks[i], step, a->fmt, label);
		if (bottom) {
			kam_svg_line(f, p, a->at, p, a->at + 5,
				     (kam_xml_attr[]){ { "class", "tick" }, { NULL, NULL } });
			kam_svg_text(f, p, a->at + 17, "middle", label,
				     (kam_xml_attr[]){ { "class", "tick-label" }, { NULL, NULL } });
		} else {
			kam_svg_line(f, a->at - 5, p, a->at, p,
				     (kam_xml_attr[]){ { "class", "tick" }, { NULL, NULL } });
			kam_svg_text(f, a->at - 8, p + 4, "end", label,
				     (kam_xml_attr[]){ { "class", "tick-label" }, { NULL, NULL } });
		}
	}
	if (a->label) {
		double mid = (s->r0 + s->r1) / 2;
		if (bottom) {
			kam_svg_text(f, mid, a->at + 34, "middle", a->label,
				     (kam_xml_attr[]){ { "class", "axis-title" }, { NULL, NULL } });
		} else {
			char x[32], y[32], tr[80];
			kam_svg_num(a->at - 50, x);
			kam_svg_num(mid, y);
			snprintf(tr, sizeof(tr), "rotate(-90 %s %s)", x, y);
			kam_svg_text(f, a->at - 50, mid, "middle", a->label,
				     (kam_xml_attr[]){ { "class", "axis-title" }, { "transform", tr },
						       { NULL, NULL } });
		}
	}
	kam_svg_group_close(f);
}

void kam_svg_legend(FILE *f, double x, double y, const kam_svg_legend_item *items, size_t n)
{
	kam_svg_group_open(f, (kam_xml_attr[]){ { "class", "legend" }, { NULL, NULL } });
	for (size_t i = 0; i < n; i++) {
		double row = y + 18 * (double)i;
		const char *c = items[i].color ? items[i].color : kam_svg_palette[KAM_OI_BLACK];
		switch (items[i].key) {
		case KAM_SVG_KEY_BOX:
			kam_svg_rect(f, x, row - 10, 12, 12,
				     (kam_xml_attr[]){ { "fill", c }, { NULL, NULL } }, NULL);
			break;
		case KAM_SVG_KEY_LINE:
		case KAM_SVG_KEY_DASH:
			kam_svg_line(f, x, row - 4, x + 18, row - 4,
				     (kam_xml_attr[]){ { "stroke", c }, { "stroke-width", "2" },
						       { "stroke-dasharray",
							 items[i].key == KAM_SVG_KEY_DASH ? "5 3" : NULL },
						       { NULL, NULL } });
			break;
		}
		kam_svg_text(f, x + 24, row, "start", items[i].label,
			     (kam_xml_attr[]){ { "class", "legend-label" }, { NULL, NULL } });
	}
	kam_svg_group_close(f);
}

/* ---- colours ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void rgb_parse(const char *s, int rgb[3])
{
	rgb[0] = rgb[1] = rgb[2] = 0;
	if (!s || s[0] != '#' || strlen(s) != 7)
		return;
	for (int i = 0; i < 3; i++) {
		int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
		if (hi < 0 || lo < 0) {
			rgb[0] = rgb[1] = rgb[2] = 0;
			return;
		}
		rgb[i] = hi * 16 + lo;
	}
}

void kam_svg_mix(const char *a, const char *b, double t, char out[8])
{
	int x[3], y[3];
	rgb_parse(a, x);
	rgb_parse(b, y);
	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = (int)lround(x[i] + (y[i] - x[i]) * t);
	snprintf(out, 8, "#%02X%02X%02X", c[0] & 0xFF, c[1] & 0xFF, c[2] & 0xFF);
}
