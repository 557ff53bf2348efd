/* Progress of a long transfer on stderr: bytes, MB/s, percent. Shown only
 * when stderr is a terminal and the transfer is large enough to wait for. */
#ifndef USBMSC_CLI_PROGRESS_H
#define USBMSC_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_MIN_BYTES (4u * 1024u * 1024u)

struct progress {
	bool on;
	const char *verb;       /* "read", "write" */
	uint64_t total;
	uint64_t start_ns, last_ns;   /* usbmsc_clock_ns() */
};

void progress_begin(struct progress *p, const char *verb, uint64_t total);
/* done bytes so far; redraws at most a few times a second. */
void progress_update(struct progress *p, uint64_t done);
/* The final line (when shown), with the average rate. */
void progress_end(struct progress *p, uint64_t done);

#endif
