/* money.c - exact decimal amounts in ten-thousandths. */
#include "money.h"

#include <kam/errors.h>

#define MONEY_DECIMALS 4

int kam_money_parse(const char *s, size_t len, kam_money *out)
{
	size_t i = 0;
	int neg = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';

	/*
	 * The magnitude is accumulated unsigned so that INT64_MIN, whose magnitude has no positive
	 * int64, parses; overflow is only remembered, so that text which is malformed further on
	 * still reports KAM_EPARSE rather than KAM_ERANGE.
	 */
	uint64_t mag = 0;
	int over = 0;
	size_t start = i;
	for (; i < len; i++) {
		unsigned c = (unsigned char)s[i] - '0';
		if (c > 9)
			break;
		if (mag > (UINT64_MAX - c) / 10)
			over = 1;
		else
			mag = mag * 10 + c;
	}
	if (i == start)
		return KAM_EPARSE; /* no integer digit: "", "-", ".5" */

	unsigned frac = 0, nfrac = 0;
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len; i++) {
			unsigned c = (unsigned char)s[i] - '0';
			if (c > 9)
				break;
			if (++nfrac > MONEY_DECIMALS)
				return KAM_EPARSE;
			frac = frac * 10 + c;
		}
		if (nfrac == 0)
			return KAM_EPARSE; /* "1." */
	}
	if (i != len)
		return KAM_EPARSE;
	for (; nfrac < MONEY_DECIMALS; nfrac++)
		frac *= 10;

	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (over || mag > (limit - frac) / KAM_MONEY_SCALE)
		return KAM_ERANGE;
	uint64_t scaled = mag * KAM_MONEY_SCALE + frac;
	/* Negate in unsigned arithmetic: -(2^63) is representable only after the conversion. */
	*out = neg ? (kam_money)(0 - scaled) : (kam_money)scaled;
	return 0;
}

size_t kam_money_format(kam_money m, char buf[KAM_MONEY_BUFSZ])
{
	uint64_t mag = m < 0 ? 0 - (uint64_t)m : (uint64_t)m;
	uint64_t whole = mag / KAM_MONEY_SCALE;
	unsigned frac = (unsigned)(mag % KAM_MONEY_SCALE);

	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);

	char *p = buf;
	if (m < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	if (frac) {
		int nd = MONEY_DECIMALS;
		while (frac % 10 == 0) {
			frac /= 10;
			nd--;
		}
		*p++ = '.';
		for (int k = nd - 1; k >= 0; k--) {
			p[k] = (char)('0' + frac % 10);
			frac /= 10;
		}
		p += nd;
	}
	*p = '\0';
	return (size_t)(p - buf);
}
