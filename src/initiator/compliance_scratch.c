/* The compliance suite's scratch area (compliance_internal.h): where it
 * lies, saved before anything is written, filled with a pattern the model
 * keeps, checked after each write case, and written back at the end; and
 * the block I/O all that takes. */
#include "compliance_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- block I/O for saving, filling and restoring ---------------------------- */

/* One READ or WRITE that must pass cleanly; after a unit attention (a
 * reset the suite did) it is sent once more. why always says why not. */
static int block_cmd(struct suite *s, bool write, uint64_t lba, uint32_t count, uint8_t *data,
		     char *why, size_t len)
{
	uint32_t bytes = count * s->bs;
	int st = USBMSC_E_OTHER;

	why[0] = '\0';
	if (s->gone)
		cpl_append(why, len, "%s of %u blocks at LBA %llu: device gone",
			   write ? "WRITE" : "READ", count, (unsigned long long)lba);
	for (int attempt = 0; attempt < 2 && !s->gone; attempt++) {
		uint8_t cdb[16];
		size_t n = write ? usbmsc_cdb_write(cdb, lba, count) : usbmsc_cdb_read(cdb, lba, count);
		struct xfer x;
		char what[USBMSC_CHECK_TEXT_MAX];

		cpl_run_cmd(s, write ? USBMSC_DIR_OUT : USBMSC_DIR_IN, bytes, cdb, n, data, &x);
		if (cpl_status_is(&x, USBMSC_CSW_PASSED) && x.done == bytes && x.csw.residue == 0) {
			s->dirty = s->dirty || write;
			return USBMSC_OK;
		}
		st = cpl_cmd_failure(s, &x, what, sizeof what);
		/* a refused write (write-protected) changed nothing; others may have */
		s->dirty = s->dirty || (write && st != USBMSC_E_DATA_PROTECT);
		why[0] = '\0';
		cpl_append(why, len, "%s of %u blocks at LBA %llu: %s", write ? "WRITE" : "READ",
			   count, (unsigned long long)lba, what);
		if (st != USBMSC_E_UNIT_ATTENTION && st != USBMSC_E_TRANSPORT)
			break;
		cpl_settle(s);
	}
	return s->gone ? USBMSC_E_NO_DEVICE : st;
}

int cpl_block_io(struct suite *s, bool write, uint64_t lba, uint32_t count, uint8_t *data,
		 char *why, size_t len)
{
	uint32_t per = IO_CHUNK / s->bs;

	if (per == 0)
		per = 1;
	for (uint32_t at = 0; at < count;) {
		uint32_t k = cpl_min_u32(per, count - at);
		int st = block_cmd(s, write, lba + at, k, data + (size_t)at * s->bs, why, len);

		if (st != USBMSC_OK)
			return st;
		at += k;
	}
	return USBMSC_OK;
}

/* ---- the scratch area and what it must hold ---------------------------------- */

/* A block's pattern: differs per LBA, per byte and per salt, never all one value. */
void cpl_pattern(uint8_t *buf, uint32_t bs, uint64_t lba, uint8_t salt)
{
	uint32_t seed = (uint32_t)(lba * 2654435761u) ^ ((uint32_t)salt * 0x9E3779B9u);

	for (uint32_t i = 0; i < bs; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	/* readable in a hex dump: whose block this is */
	snprintf((char *)buf, 32, "usbmsc-compliance %02x %08llx", salt, (unsigned long long)lba);
}

/* count blocks of a salt's pattern starting at scratch block rel. */
void cpl_pattern_run(struct suite *s, uint8_t *buf, uint32_t rel, uint32_t count, uint8_t salt)
{
	for (uint32_t i = 0; i < count; i++)
		cpl_pattern(buf + (size_t)i * s->bs, s->bs, s->scratch + rel + i, salt);
}

uint8_t *cpl_model_at(struct suite *s, uint32_t rel)
{
	return s->model + (size_t)rel * s->bs;
}

/* Scratch blocks [rel, rel + count) read into the work buffer; false with
 * why saying why not. The buffer holds WORK_BLOCKS blocks at least. */
static bool read_back(struct suite *s, uint32_t rel, uint32_t count, char *why, size_t len)
{
	char what[USBMSC_CHECK_TEXT_MAX];

	why[0] = '\0';
	if ((size_t)count * s->bs > s->work_len) {
		cpl_append(why, len, "could not read back: %u blocks exceed the work buffer", count);
		return false;
	}
	cpl_settle(s);
	if (cpl_block_io(s, false, s->scratch + rel, count, s->buf, what, sizeof what) !=
	    USBMSC_OK) {
		cpl_append(why, len, "could not read back: %s", what);
		return false;
	}
	return true;
}

/* Scratch blocks [rel, rel + count) hold what the model says: 1 yes, 0 no
 * (why names the first block that differs), -1 unreadable (why says why). */
static int verify(struct suite *s, uint32_t rel, uint32_t count, char *why, size_t len)
{
	if (!read_back(s, rel, count, why, len))
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		if (memcmp(s->buf + (size_t)i * s->bs, cpl_model_at(s, rel + i), s->bs) != 0) {
			snprintf(why, len, "block %llu changed",
				 (unsigned long long)(s->scratch + rel + i));
			return 0;
		}
	}
	return 1;
}

/* After a command that may or may not have written block rel with data:
 * the model takes whichever the device holds; false if it holds neither. */
bool cpl_adopt_either(struct suite *s, uint32_t rel, const uint8_t *data, char *why, size_t len)
{
	if (!read_back(s, rel, 1, why, len))
		return false;
	if (memcmp(s->buf, data, s->bs) == 0) {
		memcpy(cpl_model_at(s, rel), data, s->bs);
		return true;
	}
	if (memcmp(s->buf, cpl_model_at(s, rel), s->bs) == 0)
		return true;
	snprintf(why, len, "block %llu holds neither its old data nor the data sent",
		 (unsigned long long)(s->scratch + rel));
	return false;
}

/* Guards and target of a write case: blocks [rel, rel + count), and the
 * block at also (0: none), hold what the model says. Appends the finding
 * to seen, returns whether they do. */
bool cpl_guards_hold(struct suite *s, uint32_t rel, uint32_t count, uint32_t also, char *seen,
		     size_t len)
{
	char why[USBMSC_CHECK_TEXT_MAX];

	if (s->gone)
		return false;
	if (verify(s, rel, count, why, sizeof why) == 1 &&
	    (also == 0 || verify(s, also, 1, why, sizeof why) == 1)) {
		cpl_append(seen, len, "; blocks around unchanged");
		return true;
	}
	cpl_append(seen, len, "; %s", why);
	return false;
}

/* The scratch area: where, and whether it fits the checks and the CDBs. */
int cpl_place_scratch(struct suite *s, struct usbmsc_error *err)
{
	uint64_t blocks = s->rep->blocks;
	uint32_t need = AT_BIG + BIG_LEN / s->bs + 1;

	s->nscratch = USBMSC_COMPLIANCE_SCRATCH_BLOCKS;
	if (blocks < s->nscratch)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "LUN %u has %llu blocks; the checks need a scratch area of %u",
				   s->lun, (unsigned long long)blocks, s->nscratch);
	s->scratch = s->o->scratch_set ? s->o->scratch_lba : blocks - s->nscratch;
	if (s->scratch > blocks - s->nscratch)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "scratch area LBA %llu..%llu is beyond the LUN's last block %llu",
				   (unsigned long long)s->scratch,
				   (unsigned long long)(s->scratch + s->nscratch - 1),
				   (unsigned long long)(blocks - 1));
	if (s->scratch + s->nscratch > (uint64_t)UINT32_MAX + 1)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "scratch area LBA %llu.. is beyond what READ(10) and WRITE(10) "
				   "address: give --scratch-lba below %llu",
				   (unsigned long long)s->scratch,
				   (unsigned long long)((uint64_t)UINT32_MAX + 1 - s->nscratch));
	if (need > s->nscratch)
		return usbmsc_fail(err, USBMSC_E_OTHER, "block size %u leaves no room for the checks",
				   s->bs);
	s->rep->scratch_lba = s->scratch;
	s->rep->scratch_blocks = s->nscratch;
	return USBMSC_OK;
}

int cpl_allocate(struct suite *s, struct usbmsc_error *err)
{
	size_t area = (size_t)s->nscratch * s->bs;

	/* READ(12)/WRITE(12) move up to BIG_LEN; a case and its guards up to
	 * WORK_BLOCKS blocks, which is more once blocks pass 16 KiB. */
	s->work_len = (size_t)WORK_BLOCKS * s->bs > BIG_LEN ? (size_t)WORK_BLOCKS * s->bs : BIG_LEN;
	s->saved = malloc(area);
	s->model = malloc(area);
	s->buf = malloc(s->work_len);
	s->out = malloc(s->work_len);
	if (!s->saved || !s->model || !s->buf || !s->out)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	return USBMSC_OK;
}

/* Save the scratch area, then fill it with the pattern the model holds. */
int cpl_prepare_scratch(struct suite *s, struct usbmsc_error *err)
{
	char why[USBMSC_CHECK_TEXT_MAX];
	int st;

	st = cpl_block_io(s, false, s->scratch, s->nscratch, s->saved, why, sizeof why);
	if (st != USBMSC_OK)
		return usbmsc_fail(err, st, "saving the scratch area: %s", why);
	s->rep->scratch_saved = true;
	cpl_pattern_run(s, s->model, 0, s->nscratch, SALT_FILL);
	st = cpl_block_io(s, true, s->scratch, s->nscratch, s->model, why, sizeof why);
	if (st != USBMSC_OK)
		return usbmsc_fail(err, st, "filling the scratch area: %s%s", why,
				   st == USBMSC_E_DATA_PROTECT ? " (the checks need a writable LUN)"
							       : "");
	return USBMSC_OK;
}

/* Write the saved contents back and read them again: the last row. */
void cpl_restore_scratch(struct suite *s)
{
	const char *expected = "written back as found, read back equal";
	char seen[USBMSC_CHECK_TEXT_MAX], why[USBMSC_CHECK_TEXT_MAX];
	int st;

	cpl_settle(s);
	st = cpl_block_io(s, true, s->scratch, s->nscratch, s->saved, why, sizeof why);
	if (st == USBMSC_OK)
		st = cpl_block_io(s, false, s->scratch, s->nscratch, s->model, why, sizeof why);
	if (st != USBMSC_OK) {
		snprintf(seen, sizeof seen, "%s", why);
	} else if (memcmp(s->model, s->saved, (size_t)s->nscratch * s->bs) != 0) {
		snprintf(seen, sizeof seen, "read back different");
	} else {
		snprintf(seen, sizeof seen, "LBA %llu..%llu restored and read back",
			 (unsigned long long)s->scratch,
			 (unsigned long long)(s->scratch + s->nscratch - 1));
		s->rep->scratch_restored = true;
	}
	cpl_record(s, "scratch-restored", s->rep->scratch_restored, NULL, expected, seen);
}

