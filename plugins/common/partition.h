/*
 * partition.h - the partitions of a ranking model (abc, score, rfm): accounts grouped by region,
 * owner or channel, each group numbered densely in the order first seen.
 */
#ifndef KAM_PLUGIN_PARTITION_H
#define KAM_PLUGIN_PARTITION_H

#include <kam/plugin.h>

#include <stddef.h>
#include <stdint.h>

/* The `partition` parameter: the index of its value in part_names. */
enum part_kind { PART_REGION, PART_OWNER, PART_CHANNEL, PART_NONE };
#define PART_COUNT 4
extern const char *const part_names[PART_COUNT];

/* Reads the run's `partition` parameter into *part (an enum part_kind); 0 or a logged code. */
int part_param(const kam_host *host, kam_run *run, int *part);

struct part_key {
	const char *ptr; /* text keys (region, owner): valid until the run ends */
	size_t len;
	int64_t num;     /* numeric keys (channel) */
};

/* A small open-addressing table from partition key to a dense number. Zero it to start. */
struct part_table {
	struct part_key *keys; /* by partition number */
	uint32_t *slots;       /* partition number + 1, or 0 when free */
	size_t cap, nkeys, keycap;
};

/*
 * The partition number of account `index` (0 for PART_NONE), adding its key when new.
 * Returns 0, KAM_ENOMEM or the host's code.
 */
int part_of(struct part_table *t, int part, const kam_host *host, kam_run *run, size_t index,
	    uint32_t *out);
/* How many partitions the accounts fell into: 1 for PART_NONE. */
uint32_t part_count(const struct part_table *t, int part);
void table_free(struct part_table *t);

#endif
