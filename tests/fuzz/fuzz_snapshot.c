/*
 * fuzz_snapshot.c - libFuzzer target for the result blocks of snapshots (snapshot.c), the values
 * a tier reader walks for every account of a book.
 *
 * The first four bytes choose how each row is read (kam_snapshot_block_read's ways: keys for the
 * tier, keys, the whole result, keys and value part, mixed); the rest is a stored block. Reading
 * must never go beyond it, whatever it holds, and a block that reads one way must read the same
 * number of rows every way.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t ways;
	memcpy(&ways, data, 4);
	/* a copy of exactly the block's size, so that ASan sees any read past it */
	uint8_t *block = malloc(size - 4 ? size - 4 : 1);
	memcpy(block, data + 4, size - 4);
	size_t rows, whole;
	if (kam_snapshot_block_read(block, size - 4, ways, &rows) == 0 &&
	    (kam_snapshot_block_read(block, size - 4, 0xAAAAAAAAu, &whole) == 0 && whole != rows))
		abort();
	free(block);
	return 0;
}
