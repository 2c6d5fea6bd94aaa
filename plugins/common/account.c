/* account.c - see account.h. */
#include "account.h"

/* The field of a view, for a host without account_text and account_number. */
static int view_text(const kam_account_view *v, int field, kam_text *out)
{
	switch (field) {
	case KAM_FIELD_ID: *out = v->id; return 0;
	case KAM_FIELD_NAME: *out = v->name; return 0;
	case KAM_FIELD_REGION: *out = v->region; return 0;
	case KAM_FIELD_INDUSTRY: *out = v->industry; return 0;
	case KAM_FIELD_OWNER: *out = v->owner; return 0;
	default: return KAM_EINVAL;
	}
}

static int view_number(const kam_account_view *v, int field, int64_t *out)
{
	switch (field) {
	case KAM_FIELD_CHANNEL: *out = v->channel; return 0;
	case KAM_FIELD_STAGE: *out = v->stage; return 0;
	case KAM_FIELD_EMPLOYEES: *out = v->employees; return 0;
	case KAM_FIELD_NET_ASSETS: *out = v->net_assets; return 0;
	case KAM_FIELD_ANNUAL_REVENUE: *out = v->annual_revenue; return 0;
	case KAM_FIELD_WALLET: *out = v->wallet; return 0;
	case KAM_FIELD_CREATED: *out = v->created; return 0;
	default: return KAM_EINVAL;
	}
}

int account_text(const kam_host *host, kam_run *run, size_t index, int field, kam_text *out)
{
	if (KAM_HOST_HAS(host, account_text)) {
		int rc = host->account_text(run, index, field, out);
		if (rc == KAM_ENOTFOUND)
			*out = (kam_text){ "", 0 };
		return rc == KAM_ENOTFOUND ? 0 : rc;
	}
	const kam_account_view *v = host->account(run, index);
	return v ? view_text(v, field, out) : KAM_EINVAL;
}

int account_number(const kam_host *host, kam_run *run, size_t index, int field, int64_t *out)
{
	if (KAM_HOST_HAS(host, account_number)) {
		int rc = host->account_number(run, index, field, out);
		if (rc == KAM_ENOTFOUND)
			*out = field == KAM_FIELD_CREATED ? KAM_NO_DAY : 0;
		return rc == KAM_ENOTFOUND ? 0 : rc;
	}
	const kam_account_view *v = host->account(run, index);
	return v ? view_number(v, field, out) : KAM_EINVAL;
}
