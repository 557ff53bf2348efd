/* The hint after raw's phase error (see phase_hint.h). */
#include "phase_hint.h"

#include <inttypes.h>

#include "usbmsc/byteorder.h"

enum cdb_len_kind { LEN_UNKNOWN, LEN_BYTES, LEN_READ_BLOCKS, LEN_WRITE_BLOCKS };

/* The length field of common CDBs: an allocation length in bytes, or a
 * transfer length in blocks for READ and WRITE. */
static enum cdb_len_kind cdb_length(const uint8_t *cdb, size_t len, uint32_t *n)
{
	static const struct {
		uint8_t opcode, at, width, cdb_len;
		enum cdb_len_kind kind;
	} fields[] = {
		{ 0x03, 4, 1, 6, LEN_BYTES },          /* REQUEST SENSE */
		{ 0x12, 3, 2, 6, LEN_BYTES },          /* INQUIRY */
		{ 0x1A, 4, 1, 6, LEN_BYTES },          /* MODE SENSE(6) */
		{ 0x23, 7, 2, 10, LEN_BYTES },         /* READ FORMAT CAPACITIES */
		{ 0x3C, 6, 3, 10, LEN_BYTES },         /* READ BUFFER(10) */
		{ 0x4D, 7, 2, 10, LEN_BYTES },         /* LOG SENSE */
		{ 0x5A, 7, 2, 10, LEN_BYTES },         /* MODE SENSE(10) */
		{ 0x9E, 10, 4, 16, LEN_BYTES },        /* SERVICE ACTION IN(16) */
		{ 0xA0, 6, 4, 12, LEN_BYTES },         /* REPORT LUNS */
		{ 0xA3, 6, 4, 12, LEN_BYTES },         /* MAINTENANCE IN */
		{ 0x28, 7, 2, 10, LEN_READ_BLOCKS },   /* READ(10) */
		{ 0xA8, 6, 4, 12, LEN_READ_BLOCKS },   /* READ(12) */
		{ 0x88, 10, 4, 16, LEN_READ_BLOCKS },  /* READ(16) */
		{ 0x2A, 7, 2, 10, LEN_WRITE_BLOCKS },  /* WRITE(10) */
		{ 0xAA, 6, 4, 12, LEN_WRITE_BLOCKS },  /* WRITE(12) */
		{ 0x8A, 10, 4, 16, LEN_WRITE_BLOCKS }, /* WRITE(16) */
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const uint8_t *p;

		if (len == 0 || fields[i].opcode != cdb[0] || len < fields[i].cdb_len)
			continue;
		p = cdb + fields[i].at;
		*n = fields[i].width == 1 ? p[0] : fields[i].width == 2 ? usbmsc_get_be16(p)
		   : fields[i].width == 3 ? usbmsc_get_be24(p) : usbmsc_get_be32(p);
		return fields[i].kind;
	}
	return LEN_UNKNOWN;
}

void phase_hint(FILE *f, const uint8_t *cdb, size_t cdb_len, enum usbmsc_dir dir, uint32_t len)
{
	uint32_t n = 0;
	enum cdb_len_kind kind = cdb_length(cdb, cdb_len, &n);
	const char *given = dir == USBMSC_DIR_IN ? "--in" : dir == USBMSC_DIR_OUT ? "--out" : NULL;

	fputs("usbmsc: hint: ", f);
	if (kind == LEN_BYTES && n > 0 && dir == USBMSC_DIR_NONE)
		fprintf(f, "the CDB's allocation length is %" PRIu32 " bytes and no --in was given: "
			"add --in %" PRIu32 "\n", n, n);
	else if (kind == LEN_BYTES && dir == USBMSC_DIR_IN && len < n)
		fprintf(f, "the CDB's allocation length is %" PRIu32 " bytes, more than --in %" PRIu32
			": give --in %" PRIu32 "\n", n, len, n);
	else if (kind == LEN_READ_BLOCKS && dir != USBMSC_DIR_OUT)
		fprintf(f, "the CDB reads %" PRIu32 " block%s: give --in that many times the block "
			"size ('usbmsc capacity' shows it)%s\n", n, n == 1 ? "" : "s",
			given ? "" : "; no --in was given");
	else if (kind == LEN_WRITE_BLOCKS && dir != USBMSC_DIR_IN)
		fprintf(f, "the CDB writes %" PRIu32 " block%s: give --out FILE of that many blocks%s\n",
			n, n == 1 ? "" : "s", given ? "" : "; no --out was given");
	else if (given)
		fprintf(f, "the device's data stage did not match %s (%" PRIu32 " bytes): give --in "
			"LEN with the length the CDB asks for, or --out FILE for a command that sends "
			"data\n", given, len);
	else
		fputs("the device wanted a data stage and the command had none: give --in LEN with "
		      "the length the CDB asks for, or --out FILE for a command that sends data\n", f);
}
