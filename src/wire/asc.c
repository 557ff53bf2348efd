/* ASC/ASCQ descriptions: a binary search in the table generated from
 * data/asc-ascq.txt (see asc_table.h). */
#include "usbmsc/scsi.h"

#include "asc_table.h"
#include "wire_text.h"

/* The entry covering (asc, ascq), or NULL. The table is sorted by
 * (asc, ascq_lo) without overlaps, so only the last entry that starts at
 * or before the key can cover it. */
static const struct usbmsc_asc_entry *asc_find(uint8_t asc, uint8_t ascq)
{
	unsigned key = (unsigned)asc << 8 | ascq;
	size_t lo = 0, hi = usbmsc_asc_table_len;
	const struct usbmsc_asc_entry *e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct usbmsc_asc_entry *m = &usbmsc_asc_table[mid];

		if (((unsigned)m->asc << 8 | m->ascq_lo) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	e = &usbmsc_asc_table[lo - 1];
	return (e->asc == asc && ascq <= e->ascq_hi) ? e : NULL;
}

const char *usbmsc_asc_text(uint8_t asc, uint8_t ascq, char *buf, size_t buflen)
{
	const struct usbmsc_asc_entry *e = asc_find(asc, ascq);
	struct textbuf tb;

	textbuf_init(&tb, buf, buflen);
	if (!e) {
		textbuf_puts(&tb, "ASC 0x");
		textbuf_hex2(&tb, asc);
		textbuf_puts(&tb, " ASCQ 0x");
		textbuf_hex2(&tb, ascq);
		return NULL;
	}
	if (!buf || buflen == 0)
		return NULL; /* nowhere to put a known text: do not claim success */
	textbuf_puts_lower(&tb, e->text);
	if (e->after) {
		textbuf_puts(&tb, "0x");
		textbuf_hex2(&tb, ascq);
		textbuf_puts_lower(&tb, e->after);
	}
	return buf;
}
