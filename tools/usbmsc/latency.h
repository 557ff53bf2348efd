/* The latency statistics of a bench run: minimum, median and 99th
 * percentile (nearest rank), maximum, mean. The two percentiles are found
 * by selection, not by sorting: qsort's n log n calls of a comparison
 * function cost a TEST UNIT READY run of a few thousand commands more than
 * all its commands' own user-space work. Pure. */
#ifndef USBMSC_CLI_LATENCY_H
#define USBMSC_CLI_LATENCY_H

#include <stddef.h>
#include <stdint.h>

struct latency_stats {
	uint64_t min, median, p99, max;
	double mean;
};

/* Of the n >= 1 samples in v, which it reorders. */
void latency_stats(uint64_t *v, size_t n, struct latency_stats *s);

#endif
