/* Hex output: canonical dumps (offset, 16 bytes, ASCII) and inline byte
 * lists ("55 53 42 43"). */
#ifndef USBMSC_CLI_HEXDUMP_H
#define USBMSC_CLI_HEXDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HEXDUMP_WIDTH 16u

/* A dump fed in pieces (a long read arrives in chunks). Repeated lines are
 * folded into one "*" line, as hexdump -C does. */
struct hexdump {
	FILE *f;
	const char *prefix;            /* printed before every line */
	uint64_t addr;                 /* address of line[0] */
	uint8_t line[HEXDUMP_WIDTH];
	size_t fill;
	uint8_t prev[HEXDUMP_WIDTH];
	bool have_prev, folding;
};

void hexdump_begin(struct hexdump *h, FILE *f, const char *prefix, uint64_t addr);
void hexdump_feed(struct hexdump *h, const uint8_t *bytes, size_t len);
/* Print the partial last line and the end address. */
void hexdump_end(struct hexdump *h);

/* A whole dump in one call. */
void hexdump(FILE *f, const char *prefix, const uint8_t *bytes, size_t len, uint64_t addr);

/* "55 53 42 43" (no newline). */
void hex_bytes(FILE *f, const uint8_t *bytes, size_t len);

#endif
