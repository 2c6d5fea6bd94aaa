/*
 * fuzz_snapshot.c - libFuzzer target for the result blocks of snapshots (snapshot.c), the values
 * a tier reader walks for every account of a book.
 *
 * The first four bytes choose how each row is read (kam_snapshot_block_read's ways: keys for the
 * tier, keys, the whole result, keys and value part, mixed); the rest is a stored block. Reading
 * must never go beyond it, whatever it holds, and a block whose rows all read whole must read,
 * to the same number of rows, every other way.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: the fuzzer keeps the input that made it. */
static void expect(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t ways;
	memcpy(&ways, data, 4);
	/* a copy of exactly the block's size, so that ASan sees any read past it */
	uint8_t *block = malloc(size - 4 ? size - 4 : 1);
	memcpy(block, data + 4, size - 4);
	/* reading every row whole parses all a mix of ways parses, and more */
	size_t rows, whole;
	int rc = kam_snapshot_block_read(block, size - 4, ways, &rows);
	if (kam_snapshot_block_read(block, size - 4, 0xAAAAAAAAu, &whole) == 0)
		expect(rc == 0 && rows == whole);
	free(block);
	return 0;
}
