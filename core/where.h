/*
 * where.h - the filters of `kam list accounts --where EXPR`.
 *
 * EXPR is one or more comparisons joined by "," or "and", all of which must hold:
 *   employees>=100, region=north, channel!=hypermarket, revenue>10000 and last_order<2025-01-01
 * A comparison is FIELD OP VALUE with OP one of = != < <= > >=. FIELD is an account field or a
 * rollup figure (order_count, revenue, profit, interaction_count, minutes, first_order,
 * last_order, last_call, last_visit, last_interaction). VALUE is read as the field's type
 * (numbers, money, dates, enum slugs, text compared bytewise). An absent value satisfies no
 * comparison, except FIELD= (empty: absent) and FIELD!= (empty: present).
 */
#ifndef KAM_WHERE_H
#define KAM_WHERE_H

#include <stddef.h>

#include "record.h"

typedef struct kam_where kam_where;

/*
 * Compiles `expr`. Returns 0 with *out set, KAM_EPARSE with a message in err (naming the
 * offending comparison and what was expected), or KAM_ENOMEM.
 */
int kam_where_parse(const char *expr, kam_where **out, char *err, size_t errlen);
/* Whether an account (with its rollup) satisfies every comparison. */
int kam_where_match(const kam_where *w, const kam_account *account, const kam_rollup *rollup);
/* Whether any comparison reads a rollup figure (so the caller must fetch rollups). */
int kam_where_needs_rollup(const kam_where *w);
void kam_where_free(kam_where *w);

/*
 * An ordering of accounts by one account field or rollup figure, for `--sort [-]FIELD`; a
 * leading '-' sorts descending. Absent values sort last either way; ties keep id order.
 */
typedef struct kam_sort kam_sort;
int kam_sort_parse(const char *spec, kam_sort **out, char *err, size_t errlen);
int kam_sort_cmp(const kam_sort *s, const kam_account *a, const kam_rollup *ra,
		 const kam_account *b, const kam_rollup *rb);
int kam_sort_needs_rollup(const kam_sort *s);
void kam_sort_free(kam_sort *s);

#endif
