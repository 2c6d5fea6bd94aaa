/*
 * codec: the record codec (core/record.c) on 100,000 orders shaped like `kam gen`'s (ten per
 * account, dates of one year, amounts and profits in cents, paid = amount, a mode and a
 * category; no id, as the store keeps it), encoded and decoded 50 times over. Prints the mean
 * bytes per order and nanoseconds per encode and decode.
 *
 *   cc -O2 -Icore -Isdk bench/codec.c build/libkamcore.a -o /tmp/codec && /tmp/codec
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"

enum { N = 100000, ROUNDS = 50 };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Parses `text` into field f of order o; the text must outlive o (views point into it). */
static void set(kam_order *o, int f, const char *text)
{
	const char *expected;
	if (kam_field_parse(kam_schema_of(KAM_ORDER), o, f, text, strlen(text), &expected)) {
		fprintf(stderr, "codec: field %d: expected %s, found \"%s\"\n", f, expected, text);
		exit(1);
	}
}

static char *text(const char *fmt, int a, int b)
{
	char buf[32];
	snprintf(buf, sizeof(buf), fmt, a, b);
	return strdup(buf);
}

int main(void)
{
	const kam_schema *s = kam_schema_of(KAM_ORDER);
	static kam_order o[N];
	static const char *const modes[] = { "direct", "consignment", "oem", "agency" };
	static const char *const categories[] = { "ink", "toner", "cartridge", "paper" };
	srand(1);
	for (int i = 0; i < N; i++) {
		kam_rec_clear(s, &o[i]);
		set(&o[i], KAM_O_ACCOUNT_ID, text("A%07d", i / 10, 0));
		set(&o[i], KAM_O_DATE, text("2024-%02d-%02d", 1 + rand() % 12, 1 + rand() % 28));
		char *amount = text("%d.%02d", rand() % 5000, rand() % 100);
		set(&o[i], KAM_O_AMOUNT, amount);
		set(&o[i], KAM_O_PAID, amount);
		set(&o[i], KAM_O_PROFIT, text("%d.%02d", rand() % 500, rand() % 100));
		set(&o[i], KAM_O_MODE, modes[rand() % 4]);
		set(&o[i], KAM_O_CATEGORY, categories[rand() % 4]);
	}

	kam_buf b = { 0 };
	size_t bytes = 0;
	double t0 = now();
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N; i++) {
			kam_buf_reset(&b);
			if (kam_rec_encode(s, &o[i], &b))
				return 1;
			bytes += b.len;
		}
	double encode = now() - t0;

	/* Every encoding back to back, then decoded in the same order. */
	kam_buf all = { 0 };
	static uint32_t end[N];
	for (int i = 0; i < N; i++) {
		if (kam_rec_encode(s, &o[i], &all))
			return 1;
		end[i] = (uint32_t)all.len;
	}
	size_t ok = 0;
	t0 = now();
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0, start = 0; i < N; start = (int)end[i++]) {
			kam_order d;
			ok += kam_rec_decode(s, all.data + start, end[i] - (uint32_t)start, &d) == 0;
		}
	double decode = now() - t0;
	if (ok != (size_t)N * ROUNDS)
		return 1;
	printf("codec version %d: %.1f bytes per order, encode %.1f ns, decode %.1f ns\n",
	       KAM_CODEC_VERSION, (double)bytes / ((double)N * ROUNDS), encode * 1e9 / ((double)N * ROUNDS),
	       decode * 1e9 / ((double)N * ROUNDS));
	kam_buf_free(&b);
	kam_buf_free(&all);
	return 0;
}
