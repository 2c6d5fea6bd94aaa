/* prune.c - deleting old snapshots (prune.h). */
#include "prune.h"

#include <stdio.h>
#include <stdlib.h>

static void prune_reset(kam_prune *p)
{
	for (size_t i = 0; i < p->ndrop; i++)
		kam_snapshot_info_free(&p->drop[i]);
	p->ndrop = p->ncurrent = p->seen = 0;
	p->why[0] = 0;
}

/* Doubles an array of `size`-byte items (16 at first). Returns 0 or KAM_ENOMEM. */
static int grow(void **arr, size_t *cap, size_t size)
{
	size_t n = *cap ? 2 * *cap : 16;
	void *a = realloc(*arr, n * size);
	if (!a)
		return KAM_ENOMEM;
	*arr = a;
	*cap = n;
	return 0;
}

static int note_current(void *ctx, kam_str region, uint64_t id)
{
	(void)region;
	kam_prune *p = ctx;
	if (p->ncurrent == p->curcap && grow((void **)&p->current, &p->curcap, sizeof(uint64_t)))
		return KAM_ENOMEM;
	p->current[p->ncurrent++] = id;
	return 0;
}

static bool is_current(const kam_prune *p, uint64_t id)
{
	for (size_t i = 0; i < p->ncurrent; i++)
		if (p->current[i] == id)
			return true;
	return false;
}

/* Says which region's current snapshot the last one planned is (stops there: returns 1). */
static int refuse(void *ctx, kam_str region, uint64_t id)
{
	kam_prune *p = ctx;
	const kam_snapshot_info *s = &p->drop[p->ndrop - 1];
	if (id != s->id)
		return 0;
	char name[KAM_KEYTEXT_MAX + 3] = "(none)";
	if (region.len)
		snprintf(name, sizeof(name), "\"%.*s\"", (int)region.len, region.ptr);
	snprintf(p->why, sizeof(p->why),
		 "snapshot %llu holds the current %s of region %s: it stays until a newer run for "
		 "that region replaces it",
		 (unsigned long long)id, s->kind == KAM_PLUGIN_VALUE ? "values" : "tiers", name);
	return 1;
}

/* Plans snapshot `id` to go; refused when it is not there or a region uses it. */
static int plan_drop(kam_prune *p, uint64_t id)
{
	for (size_t i = 0; i < p->ndrop; i++)
		if (p->drop[i].id == id)
			return 0; /* named twice */
	if (p->ndrop == p->cap && grow((void **)&p->drop, &p->cap, sizeof(*p->drop)))
		return KAM_ENOMEM;
	int rc = kam_snapshot_get(p->txn, id, &p->drop[p->ndrop]);
	if (rc == KAM_ENOTFOUND)
		snprintf(p->why, sizeof(p->why), "no snapshot %llu", (unsigned long long)id);
	if (rc)
		return rc;
	p->ndrop++;
	if (!is_current(p, id))
		return 0;
	rc = kam_snapshot_current_each_kind(p->txn, p->drop[p->ndrop - 1].kind, refuse, p);
	return rc > 0 ? KAM_EBUSY : rc ? rc : KAM_EBUSY;
}

/* --keep: past the newest N, what no region uses goes. */
static int keep_or_drop(void *ctx, const kam_snapshot_info *info)
{
	kam_prune *p = ctx;
	if (p->seen++ < (size_t)p->keep || is_current(p, info->id))
		return 0;
	return plan_drop(p, info->id);
}

/* Decides, in txn, which snapshots go: 0, or a code (and p->why, for a refusal). */
static int plan(kam_prune *p, kam_txn *txn)
{
	prune_reset(p);
	p->txn = txn;
	int rc = kam_snapshot_current_each_kind(txn, KAM_PLUGIN_SEGMENTATION, note_current, p);
	if (!rc)
		rc = kam_snapshot_current_each_kind(txn, KAM_PLUGIN_VALUE, note_current, p);
	for (size_t i = 0; !rc && i < p->nids; i++)
		rc = plan_drop(p, p->ids[i]);
	if (!rc && p->keep >= 0)
		rc = kam_snapshot_each(txn, keep_or_drop, p);
	return rc;
}

int kam_prune_run(kam_txn *txn, kam_prune *p, bool dry_run)
{
	int rc = plan(p, txn);
	for (size_t i = 0; !rc && !dry_run && i < p->ndrop; i++)
		rc = kam_snapshot_drop(txn, p->drop[i].id);
	return rc;
}

void kam_prune_free(kam_prune *p)
{
	prune_reset(p);
	free(p->drop);
	free(p->current);
	p->drop = NULL;
	p->current = NULL;
	p->cap = p->curcap = 0;
}

