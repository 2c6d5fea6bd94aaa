/*
 * csv_read FILE...: reads every row of each file with kam's CSV reader (core/csv.c) and prints
 * the rows and the seconds it took, as a floor for the import's reader threads.
 * bench/import.sh builds it against build/libkamcore.a.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "csv.h"
#include "error.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t rows = 0, bytes = 0;
	double start = now();
	for (int i = 1; i < argc; i++) {
		kam_csv *c;
		kam_csv_row row;
		int rc = kam_csv_open(argv[i], &c);
		if (rc) {
			fprintf(stderr, "csv_read: %s: %s\n", argv[i], kam_strerror(rc));
			return 1;
		}
		while ((rc = kam_csv_next(c, &row)) == 1) {
			rows++;
			for (uint32_t f = 0; f < row.nfields; f++)
				bytes += row.fields[f].len;
		}
		kam_csv_close(c);
		if (rc) {
			fprintf(stderr, "csv_read: %s: %s\n", argv[i], kam_strerror(rc));
			return 1;
		}
	}
	printf("%llu rows, %llu field bytes in %.3f s\n", (unsigned long long)rows,
	       (unsigned long long)bytes, now() - start);
	return 0;
}
