/* The ASC/ASCQ text table, generated at build time from data/asc-ascq.txt
 * by scripts/gen_asc_table.py. Private to the wire code (and its tests). */
#ifndef USBMSC_WIRE_ASC_TABLE_H
#define USBMSC_WIRE_ASC_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* One code, or a range of ASCQ values that share a description with the
 * ASCQ as a parameter. Entries are sorted by (asc, ascq_lo) and never
 * overlap, which the generator checks. */
struct usbmsc_asc_entry {
	uint8_t asc;
	uint8_t ascq_lo;
	uint8_t ascq_hi;
	const char *text;   /* T10 wording, upper case; for a range, the part before the ASCQ */
	const char *after;  /* NULL for a single code; for a range, the part after the ASCQ */
};

extern const struct usbmsc_asc_entry usbmsc_asc_table[];
extern const size_t usbmsc_asc_table_len;

#endif
