/* text.c - kam_text helpers shared by the plugins. */
#include "text.h"

#include <kam/errors.h>

#include <string.h>

int text_is(kam_text t, const char *s)
{
	size_t n = strlen(s);

	return t.len == n && (n == 0 || memcmp(t.ptr, s, n) == 0);
}

int text_cmp(kam_text a, kam_text b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;

	if (c)
		return c;
	return (a.len > b.len) - (a.len < b.len);
}

int text_pick(kam_text t, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (text_is(t, names[i]))
			return i;
	return -1;
}

int text_param(const kam_host *host, kam_run *run, const char *name, const char *const *names,
	       int n, const char *expect, int *out)
{
	kam_text t;
	int rc = host->param_text(run, name, &t);

	if (rc) {
		host->log(run, KAM_LOG_ERROR, "parameter %s: cannot read it (code %d)", name, rc);
		return rc;
	}
	*out = text_pick(t, names, n);
	if (*out < 0) {
		host->log(run, KAM_LOG_ERROR, "parameter %s = '%.*s': expected %s", name,
			  (int)(t.len > 100 ? 100 : t.len), t.ptr, expect);
		return KAM_EINVAL;
	}
	return 0;
}

const char *text_host_name(const kam_host *host, kam_run *run, const char *name)
{
	const char *copy = KAM_HOST_HAS(host, intern) ? host->intern(run, name) : NULL;

	return copy ? copy : name;
}
