/* Sense data: decoding both SPC formats, and the one-line description.
 *
 * Sense arrives from devices that get it wrong in every possible way:
 * short transfers, additional lengths that claim more than was sent (or
 * less), descriptors that run off the end. Decoding therefore never reads
 * past len nor past the additional length, and keeps whatever fields were
 * fully present. */
#include "usbmsc/scsi.h"

#include "usbmsc/byteorder.h"
#include "wire_text.h"

#include <string.h>

#define SENSE_FIXED_CURRENT 0x70u
#define SENSE_FIXED_DEFERRED 0x71u
#define SENSE_DESC_CURRENT 0x72u
#define SENSE_DESC_DEFERRED 0x73u

/* Descriptor types (SPC-4 4.5.2). */
#define SDESC_INFORMATION 0x00u
#define SDESC_SENSE_KEY_SPECIFIC 0x02u
#define SDESC_STREAM_COMMANDS 0x04u
#define SDESC_BLOCK_COMMANDS 0x05u

/* Bytes that are sense data: what arrived, cut at 8 + ADDITIONAL SENSE
 * LENGTH (byte 7 in both formats) once the header is there. */
static size_t sense_extent(const uint8_t *buf, size_t len)
{
	if (len < 8)
		return len;
	return len < (size_t)buf[7] + 8 ? len : (size_t)buf[7] + 8;
}

static void decode_fixed(const uint8_t *buf, size_t n, struct usbmsc_sense *s)
{
	s->key = buf[2] & 0x0F;
	s->filemark = (buf[2] & 0x80) != 0;
	s->eom = (buf[2] & 0x40) != 0;
	s->ili = (buf[2] & 0x20) != 0;
	if (n >= 7) {
		s->information = usbmsc_get_be32(buf + 3);
		s->info_valid = (buf[0] & 0x80) != 0; /* VALID */
	}
	if (n >= 13)
		s->asc = buf[12];
	if (n >= 14)
		s->ascq = buf[13];
	if (n >= 18) {
		memcpy(s->sks, buf + 15, 3);
		s->sks_valid = (buf[15] & 0x80) != 0; /* SKSV */
	}
}

/* One descriptor of d_len bytes (header included, known to fit). Types
 * other than these carry nothing that struct usbmsc_sense holds. */
static void decode_descriptor(const uint8_t *d, size_t d_len, struct usbmsc_sense *s)
{
	switch (d[0]) {
	case SDESC_INFORMATION:
		if (d_len >= 12) {
			s->info_valid = (d[2] & 0x80) != 0;
			s->information = usbmsc_get_be64(d + 4);
		}
		break;
	case SDESC_SENSE_KEY_SPECIFIC:
		if (d_len >= 7) {
			memcpy(s->sks, d + 4, 3);
			s->sks_valid = (d[4] & 0x80) != 0;
		}
		break;
	case SDESC_STREAM_COMMANDS:
		/* Flags accumulate: a later descriptor never clears what an
		 * earlier one reported. */
		if (d_len >= 4) {
			s->filemark = s->filemark || (d[3] & 0x80) != 0;
			s->eom = s->eom || (d[3] & 0x40) != 0;
			s->ili = s->ili || (d[3] & 0x20) != 0;
		}
		break;
	case SDESC_BLOCK_COMMANDS:
		if (d_len >= 4)
			s->ili = s->ili || (d[3] & 0x20) != 0;
		break;
	default:
		break;
	}
}

static void decode_desc_format(const uint8_t *buf, size_t n, struct usbmsc_sense *s)
{
	s->key = buf[1] & 0x0F;
	if (n >= 3)
		s->asc = buf[2];
	if (n >= 4)
		s->ascq = buf[3];
	/* Descriptors start at byte 8; one that runs past the sense data is
	 * truncated and ignored, together with everything after it. */
	for (size_t off = 8; off + 2 <= n;) {
		size_t d_len = (size_t)buf[off + 1] + 2;

		if (off + d_len > n)
			break;
		decode_descriptor(buf + off, d_len, s);
		off += d_len;
	}
}

bool usbmsc_sense_decode(const uint8_t *buf, size_t len, struct usbmsc_sense *out)
{
	uint8_t code;
	size_t n;

	if (!out)
		return false;
	memset(out, 0, sizeof(*out));
	if (!buf || len == 0)
		return false;
	code = buf[0] & 0x7F; /* bit 7 is VALID in fixed format */
	if (code < SENSE_FIXED_CURRENT || code > SENSE_DESC_DEFERRED)
		return false;
	out->response_code = code;
	out->descriptor = code >= SENSE_DESC_CURRENT;
	out->deferred = code == SENSE_FIXED_DEFERRED || code == SENSE_DESC_DEFERRED;
	n = sense_extent(buf, len);
	/* The sense key is the least a caller needs: demand the byte holding it. */
	if (n < (out->descriptor ? 2u : 3u))
		return false;
	if (out->descriptor)
		decode_desc_format(buf, n, out);
	else
		decode_fixed(buf, n, out);
	return true;
}

const char *usbmsc_sense_key_name(uint8_t key)
{
	static const char *const names[16] = {
		"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
		"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
		"BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED", "ABORTED COMMAND",
		"EQUAL", /* obsolete since SPC-3 */
		"VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED",
	};

	return key < 16 ? names[key] : "UNKNOWN SENSE KEY";
}

/* What to say when the table has no text: SPC reserves ASC and ASCQ values
 * 80h-FFh for vendors, anything else is a code newer than our table. */
static const char *unknown_asc_text(uint8_t asc, uint8_t ascq)
{
	return (asc >= 0x80 || ascq >= 0x80) ? "vendor specific" : "unknown additional sense";
}

size_t usbmsc_sense_describe(const struct usbmsc_sense *sense, char *buf, size_t buflen)
{
	struct textbuf tb;
	char text[128];

	textbuf_init(&tb, buf, buflen);
	if (!sense)
		return tb.len;
	textbuf_puts(&tb, usbmsc_sense_key_name(sense->key));
	textbuf_puts(&tb, ": ");
	if (usbmsc_asc_text(sense->asc, sense->ascq, text, sizeof(text)))
		textbuf_puts(&tb, text);
	else
		textbuf_puts(&tb, unknown_asc_text(sense->asc, sense->ascq));
	textbuf_puts(&tb, " (");
	textbuf_hex2(&tb, sense->key);
	textbuf_putc(&tb, '/');
	textbuf_hex2(&tb, sense->asc);
	textbuf_putc(&tb, '/');
	textbuf_hex2(&tb, sense->ascq);
	textbuf_putc(&tb, ')');
	/* A deferred error belongs to an earlier command, not this one. */
	if (sense->deferred)
		textbuf_puts(&tb, " [deferred]");
	return tb.len;
}
