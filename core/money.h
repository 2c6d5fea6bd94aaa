/*
 * money.h - exact money amounts.
 *
 * Money is an integer count of ten-thousandths (1.5 is 15000): never binary floating point, so
 * sums are exact and match an independent engine to the last digit.
 */
#ifndef KAM_MONEY_H
#define KAM_MONEY_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t kam_money;

#define KAM_MONEY_SCALE 10000
#define KAM_MONEY_BUFSZ 32

/*
 * Parses exactly `len` bytes of `s`: an optional '-' or '+', at least one digit, and optionally
 * '.' followed by one to four digits ("12", "-0.5", "1234.5678"). Returns 0; KAM_EPARSE for any
 * other text (including a fifth decimal, exponents, spaces or thousands separators); KAM_ERANGE
 * when the value does not fit. `out` is written only on success.
 *
 * Deliberately strict: a digit is required on both sides of the '.', so "1." and ".5" are
 * KAM_EPARSE (write "1" and "0.5"). Leading zeros ("007") are accepted; "-0" is 0. The whole range
 * of kam_money parses, INT64_MIN included ("-922337203685477.5808"). A malformed text is
 * KAM_EPARSE even when its digits would also overflow.
 */
int kam_money_parse(const char *s, size_t len, kam_money *out);

/*
 * Writes the shortest exact decimal text of `m` ("12", "12.5", "-0.0001") into `buf`,
 * NUL-terminated; returns its length (at most 21, for INT64_MIN). kam_money_parse reads it back
 * to the same value.
 */
size_t kam_money_format(kam_money m, char buf[KAM_MONEY_BUFSZ]);

#endif
