/*
 * svg.h - a small SVG writer for the report: escaped text, shapes, linear scales, axes with
 * ticks and labels, legends, and a colour-blind-safe palette.
 *
 * Everything is written straight to a FILE * as XML that is also valid HTML5 (every element
 * closed, every attribute quoted, every text escaped), so a report can be checked with an XML
 * parser and shown by a browser without JavaScript. Numbers that reach coordinates are finite
 * whatever the input: NAN and infinities are written as 0, so a degenerate chart (no accounts,
 * one account, all revenue in one account) is still a well-formed picture.
 *
 * The functions do not report write errors: the caller checks ferror(f) once at the end.
 */
#ifndef KAM_SVG_H
#define KAM_SVG_H

#include <stddef.h>
#include <stdio.h>

/*
 * The Okabe-Ito palette (Okabe and Ito 2008), distinguishable with the common colour-vision
 * deficiencies, as "#RRGGBB" texts.
 */
enum {
	KAM_OI_BLACK, KAM_OI_ORANGE, KAM_OI_SKY_BLUE, KAM_OI_GREEN,
	KAM_OI_YELLOW, KAM_OI_BLUE, KAM_OI_VERMILLION, KAM_OI_PURPLE, KAM_OI_COUNT
};
extern const char *const kam_svg_palette[KAM_OI_COUNT];

/*
 * Writes `len` bytes of `s` as text that is safe in HTML and XML element content and in quoted
 * attribute values: & < > " ' become entities; bytes that are not valid UTF-8 and control
 * characters other than tab, newline and carriage return (which XML forbids) become U+FFFD.
 * s may be NULL when len is 0.
 */
void kam_xml_escape(FILE *f, const char *s, size_t len);
/* The same for a NUL-terminated text; NULL writes nothing. */
void kam_xml_text(FILE *f, const char *s);

/* An attribute: name (a constant of the caller, written as is) and value (escaped). */
typedef struct kam_xml_attr {
	const char *name;
	const char *value; /* NULL: the attribute is left out */
} kam_xml_attr;

/*
 * Writes ` name="value"` for each attribute of a list ended by one with a NULL name (attrs
 * itself may be NULL).
 */
void kam_xml_attrs(FILE *f, const kam_xml_attr *attrs);

/*
 * The text of a coordinate or length: at most two decimals, no trailing zeros, "0" for NAN,
 * infinities and -0. Returns the length written into buf (NUL-terminated).
 */
size_t kam_svg_num(double v, char buf[32]);

/* A linear map from a domain [d0, d1] to pixels [r0, r1]. */
typedef struct kam_svg_scale {
	double d0, d1;
	double r0, r1;
} kam_svg_scale;

/*
 * The pixel of `v`: a finite number for any input (an empty domain, d0 == d1, maps everything
 * to the middle of the range; NAN maps to r0).
 */
double kam_svg_map(const kam_svg_scale *s, double v);

/*
 * "Nice" tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi], at most `max`
 * of them (max >= 2), written to out. Returns how many. With lo == hi (or a non-finite bound)
 * gives the single value lo (0 when not finite). Swaps lo and hi when lo > hi.
 */
size_t kam_svg_ticks(double lo, double hi, size_t max, double *out);

/* How tick labels are written. */
typedef enum kam_svg_fmt {
	KAM_SVG_FMT_NUMBER,  /* 1,250 or 0.25: the decimals the step needs, thousands grouped */
	KAM_SVG_FMT_PERCENT, /* the value x 100 with "%": 0.25 -> 25% */
} kam_svg_fmt;

/*
 * Writes `v` as a label into buf (NUL-terminated) with the decimals needed to tell apart values
 * `step` apart (step <= 0: as many as v needs, at most 2). Returns the length.
 */
size_t kam_svg_label(double v, double step, kam_svg_fmt fmt, char buf[48]);
/*
 * Copies the decimal text `in` ("-1234567.5") into out (cap bytes, at least 2) with thousands
 * separators in its integer digits ("-1,234,567.5"). Returns the length.
 */
size_t kam_svg_group_thousands(const char *in, char *out, size_t cap);

typedef enum kam_svg_side { KAM_SVG_BOTTOM, KAM_SVG_LEFT } kam_svg_side;

typedef struct kam_svg_axis {
	const kam_svg_scale *scale;
	kam_svg_side side;
	double at;          /* the axis line: y for a bottom axis, x for a left one */
	double from, to;    /* the other coordinate's extent: grid lines run across it (0, 0: none) */
	const char *label;  /* the axis title, NULL for none */
	const char *id;     /* NULL, or an id for the <g> of the axis */
	kam_svg_fmt fmt;
	size_t max_ticks;   /* 0: 6 */
} kam_svg_axis;

/*
 * Draws an axis in a <g class="axis">: the line, ticks with labels at kam_svg_ticks of the
 * scale's domain, light grid lines when from != to, and the title.
 */
void kam_svg_axis_draw(FILE *f, const kam_svg_axis *a);

/*
 * Opens an <svg> element of width x height pixels (viewBox the same, so it scales when printed)
 * with role="img", a <title> and, when desc is not NULL, a <desc> (both read by screen
 * readers). id and cls may be NULL.
 */
void kam_svg_open(FILE *f, const char *id, const char *cls, double width, double height,
		  const char *title, const char *desc);
void kam_svg_close(FILE *f);

/* <g attrs> ... </g> */
void kam_svg_group_open(FILE *f, const kam_xml_attr *attrs);
void kam_svg_group_close(FILE *f);

void kam_svg_line(FILE *f, double x1, double y1, double x2, double y2, const kam_xml_attr *attrs);
/* A rectangle; a negative width or height is drawn from the other corner. tip (NULL: none) is
 * a <title> child, the tooltip browsers show. */
void kam_svg_rect(FILE *f, double x, double y, double w, double h, const kam_xml_attr *attrs,
		  const char *tip);
/* A polyline through n points xy[0..2n) (x, y pairs); nothing for n == 0. */
void kam_svg_polyline(FILE *f, const double *xy, size_t n, const kam_xml_attr *attrs);
void kam_svg_circle(FILE *f, double cx, double cy, double r, const kam_xml_attr *attrs,
		    const char *tip);
/* Text at (x, y); anchor is "start", "middle" or "end" (NULL: start). */
void kam_svg_text(FILE *f, double x, double y, const char *anchor, const char *text,
		  const kam_xml_attr *attrs);

/* How a legend entry is drawn. */
typedef enum kam_svg_key { KAM_SVG_KEY_BOX, KAM_SVG_KEY_LINE, KAM_SVG_KEY_DASH } kam_svg_key;

typedef struct kam_svg_legend_item {
	const char *label;
	const char *color;
	kam_svg_key key;
} kam_svg_legend_item;

/* A legend in a <g class="legend">: one row per item from (x, y) downwards. */
void kam_svg_legend(FILE *f, double x, double y, const kam_svg_legend_item *items, size_t n);

/*
 * Mixes two "#RRGGBB" colours: t = 0 gives a, 1 gives b (t is clamped to 0..1); out gets
 * "#RRGGBB". A malformed colour counts as black.
 */
void kam_svg_mix(const char *a, const char *b, double t, char out[8]);

#endif
