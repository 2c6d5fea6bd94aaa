/* partition.c - partition numbers for the ranking models (see partition.h). */
#include "partition.h"

#include <kam/errors.h>

#include "account.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

const char *const part_names[PART_COUNT] = { "region", "owner", "channel", "none" };

int part_param(const kam_host *host, kam_run *run, int *part)
{
	return text_param(host, run, "partition", part_names, PART_COUNT,
			  "region, owner, channel or none", part);
}

uint32_t part_count(const struct part_table *t, int part)
{
	return part == PART_NONE ? 1 : (uint32_t)t->nkeys;
}

static uint64_t key_hash(const struct part_key *k)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)k->num;

	for (size_t i = 0; i < k->len; i++)
		h = (h ^ (unsigned char)k->ptr[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int key_eq(const struct part_key *a, const struct part_key *b)
{
	return a->num == b->num && a->len == b->len && (!a->len || !memcmp(a->ptr, b->ptr, a->len));
}

static int table_grow(struct part_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return KAM_ENOMEM;
	for (size_t p = 0; p < t->nkeys; p++) {
		size_t s = key_hash(&t->keys[p]) & (cap - 1);

		while (slots[s])
			s = (s + 1) & (cap - 1);
		slots[s] = (uint32_t)p + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* The partition number of key k, adding it when new. */
static int table_get(struct part_table *t, const struct part_key *k, uint32_t *out)
{
	size_t s;
	int rc;

	if (2 * (t->nkeys + 1) > t->cap && (rc = table_grow(t)))
		return rc;
	for (s = key_hash(k) & (t->cap - 1); t->slots[s]; s = (s + 1) & (t->cap - 1)) {
		if (key_eq(&t->keys[t->slots[s] - 1], k)) {
			*out = t->slots[s] - 1;
			return 0;
		}
	}
	if (t->nkeys == t->keycap) {
		size_t cap = t->keycap ? t->keycap * 2 : 16;
		struct part_key *keys = realloc(t->keys, cap * sizeof(*keys));

		if (!keys)
			return KAM_ENOMEM;
		t->keys = keys;
		t->keycap = cap;
	}
	t->keys[t->nkeys] = *k;
	t->slots[s] = (uint32_t)t->nkeys + 1;
	*out = (uint32_t)t->nkeys++;
	return 0;
}

void table_free(struct part_table *t)
{
	free(t->keys);
	free(t->slots);
}

int part_of(struct part_table *t, int part, const kam_host *host, kam_run *run, size_t index,
	    uint32_t *out)
{
	struct part_key k = { NULL, 0, 0 };
	kam_text text;
	int rc;

	switch (part) {
	case PART_REGION:
	case PART_OWNER:
		rc = account_text(host, run, index,
				  part == PART_REGION ? KAM_FIELD_REGION : KAM_FIELD_OWNER, &text);
		k.ptr = text.ptr;
		k.len = text.len;
		break;
	case PART_CHANNEL:
		rc = account_number(host, run, index, KAM_FIELD_CHANNEL, &k.num);
		break;
	default:
		*out = 0;
		return 0;
	}
	return rc ? rc : table_get(t, &k, out);
}
