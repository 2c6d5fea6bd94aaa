/* prune.c - deleting old snapshots (prune.h). */
#include "prune.h"

#include <stdio.h>
#include <stdlib.h>

static void prune_reset(kam_prune *p)
{
	for (size_t i = 0; i < p->ndrop; i++)
		kam_snapshot_info_free(&p->drop[i]);
	p->ndrop = p->ncurrent = 0;
	p->why[0] = 0;
}

static int note_current(void *ctx, kam_str region, uint64_t id)
{
	(void)region;
	kam_prune *p = ctx;
	if (kam_grow((void **)&p->current, &p->curcap, p->ncurrent + 1, sizeof(*p->current)))
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

/*
 * Plans a snapshot to go, taking its header: *info is empty on return (freed when the snapshot
 * was named twice or there is no memory). Refused when a region uses it.
 */
static int plan_add(kam_prune *p, kam_txn *txn, kam_snapshot_info *info)
{
	for (size_t i = 0; i < p->ndrop; i++)
		if (p->drop[i].id == info->id) {
			kam_snapshot_info_free(info); /* named twice */
			return 0;
		}
	if (kam_grow((void **)&p->drop, &p->cap, p->ndrop + 1, sizeof(*p->drop))) {
		kam_snapshot_info_free(info);
		return KAM_ENOMEM;
	}
	kam_snapshot_info *taken = &p->drop[p->ndrop++];
	*taken = *info;
	*info = (kam_snapshot_info){ 0 };
	if (!is_current(p, taken->id))
		return 0;
	int rc = kam_snapshot_current_each_kind(txn, taken->kind, refuse, p);
	return rc > 0 ? KAM_EBUSY : rc ? rc : KAM_EBUSY;
}

/* --keep: past the newest N, what no region uses goes. */
static int plan_keep(kam_prune *p, kam_txn *txn)
{
	kam_snapshot_info *all;
	size_t n;
	int rc = kam_snapshot_list(txn, &all, &n);
	for (size_t i = 0; !rc && i < n; i++)
		if (i >= (size_t)p->keep && !is_current(p, all[i].id))
			rc = plan_add(p, txn, &all[i]); /* takes it and empties the slot */
	kam_snapshot_infos_free(all, n);
	return rc;
}

/* Decides, in txn, which snapshots go: 0, or a code (and p->why, for a refusal). */
static int plan(kam_prune *p, kam_txn *txn)
{
	prune_reset(p);
	int rc = kam_snapshot_current_each_kind(txn, KAM_PLUGIN_SEGMENTATION, note_current, p);
	if (!rc)
		rc = kam_snapshot_current_each_kind(txn, KAM_PLUGIN_VALUE, note_current, p);
	for (size_t i = 0; !rc && i < p->nids; i++) {
		kam_snapshot_info info;
		rc = kam_snapshot_get(txn, p->ids[i], &info);
		if (rc == KAM_ENOTFOUND)
			snprintf(p->why, sizeof(p->why), "no snapshot %llu",
				 (unsigned long long)p->ids[i]);
		if (!rc)
			rc = plan_add(p, txn, &info);
	}
	if (!rc && p->keep >= 0)
		rc = plan_keep(p, txn);
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
