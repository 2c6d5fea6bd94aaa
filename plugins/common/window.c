/* window.c - the as_of and window_days parameters (see window.h). */
#include "window.h"

#include <kam/errors.h>

int window_read(const kam_host *host, kam_run *run, int32_t *as_of, int32_t *from)
{
	int64_t window, first;
	int rc = host->param_day(run, "as_of", as_of);

	if (rc == KAM_ENOTFOUND)
		*as_of = host->as_of(run);
	else if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter as_of: cannot read it (code %d)", rc);
		return rc;
	}
	rc = host->param_integer(run, "window_days", &window);
	if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter window_days: cannot read it (code %d)", rc);
		return rc;
	}
	if (window < 1) {
		host->log(run, KAM_LOG_ERROR, "parameter window_days = %lld: must be at least 1",
			  (long long)window);
		return KAM_EINVAL;
	}
	/* A window reaching before the first representable day simply starts there. */
	first = (int64_t)*as_of - window + 1;
	*from = first < (int64_t)INT32_MIN + 1 ? INT32_MIN + 1 : (int32_t)first;
	return 0;
}

int orders_sum(const kam_host *host, kam_run *run, kam_text id, const kam_order_view *o,
	       size_t count, int profit, const char *what, int64_t *sum)
{
	*sum = 0;
	for (size_t j = 0; j < count; j++) {
		if (__builtin_add_overflow(*sum, profit ? o[j].profit : o[j].amount, sum)) {
			host->log(run, KAM_LOG_ERROR, "account %.*s: %s overflows 64 bits",
				  (int)id.len, id.ptr, what);
			return KAM_ERANGE;
		}
	}
	return 0;
}
