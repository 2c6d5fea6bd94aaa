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
 */
int kam_money_parse(const char *s, size_t len, kam_money *out);

/*
 * Writes the shortest exact decimal text of `m` ("12", "12.5", "-0.0001") into `buf`,
 * NUL-terminated; returns its length.
 */
size_t kam_money_format(kam_money m, char buf[KAM_MONEY_BUFSZ]);

#endif
