/* Hex dumps (see hexdump.h). */
#include "hexdump.h"

#include <inttypes.h>
#include <string.h>

void hex_bytes(FILE *f, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, i ? " %02x" : "%02x", bytes[i]);
}

static void print_line(struct hexdump *h, const uint8_t *b, size_t n)
{
	fprintf(h->f, "%s%08" PRIx64 " ", h->prefix, h->addr);
	for (size_t i = 0; i < HEXDUMP_WIDTH; i++) {
		if (i == HEXDUMP_WIDTH / 2)
			fputc(' ', h->f);
		if (i < n)
			fprintf(h->f, " %02x", b[i]);
		else
			fputs("   ", h->f);
	}
	fputs("  |", h->f);
	for (size_t i = 0; i < n; i++)
		fputc(b[i] >= 0x20 && b[i] < 0x7F ? b[i] : '.', h->f);
	fputs("|\n", h->f);
}

/* A full line: print it, or fold it into "*" when it repeats the last one. */
static void emit_full(struct hexdump *h)
{
	if (h->have_prev && memcmp(h->prev, h->line, HEXDUMP_WIDTH) == 0) {
		if (!h->folding)
			fprintf(h->f, "%s*\n", h->prefix);
		h->folding = true;
	} else {
		print_line(h, h->line, HEXDUMP_WIDTH);
		memcpy(h->prev, h->line, HEXDUMP_WIDTH);
		h->have_prev = true;
		h->folding = false;
	}
	h->addr += HEXDUMP_WIDTH;
	h->fill = 0;
}

void hexdump_begin(struct hexdump *h, FILE *f, const char *prefix, uint64_t addr)
{
	memset(h, 0, sizeof *h);
	h->f = f;
	h->prefix = prefix ? prefix : "";
	h->addr = addr;
}

void hexdump_feed(struct hexdump *h, const uint8_t *bytes, size_t len)
{
	while (len > 0) {
		size_t n = HEXDUMP_WIDTH - h->fill;
		if (n > len)
			n = len;
		memcpy(h->line + h->fill, bytes, n);
		h->fill += n;
		bytes += n;
		len -= n;
		if (h->fill == HEXDUMP_WIDTH)
			emit_full(h);
	}
}

void hexdump_end(struct hexdump *h)
{
	if (h->fill > 0) {
		print_line(h, h->line, h->fill);
		h->addr += h->fill;
		h->fill = 0;
	}
	fprintf(h->f, "%s%08" PRIx64 "\n", h->prefix, h->addr);
}

void hexdump(FILE *f, const char *prefix, const uint8_t *bytes, size_t len, uint64_t addr)
{
	struct hexdump h;

	hexdump_begin(&h, f, prefix, addr);
	hexdump_feed(&h, bytes, len);
	hexdump_end(&h);
}
