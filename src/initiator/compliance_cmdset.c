/* The compliance suite's command-set checks (compliance_internal.h):
 * READ CAPACITY(16), WRITE(12) and READ(12), which a device must complete
 * or refuse cleanly. */
#include "compliance_internal.h"

#include <stdio.h>
#include <string.h>

/* A command that may be unsupported: it passes when it fails cleanly
 * (status 1 with sense) instead of timing out. Appends the sense. */
static bool refused_cleanly(struct suite *s, const struct xfer *x, char *seen, size_t len)
{
	struct usbmsc_sense sense;
	char text[96];

	if (!cpl_status_is(x, USBMSC_CSW_FAILED))
		return false;
	memset(&sense, 0, sizeof sense);
	if (cpl_request_sense(s, &sense)) {
		usbmsc_sense_describe(&sense, text, sizeof text);
		cpl_append(seen, len, " (%s)", text);
	}
	return true;
}

static void check_read_capacity16(struct suite *s)
{
	uint8_t cdb[16], data[32];
	size_t n = usbmsc_cdb_read_capacity16(cdb, sizeof data);
	char seen[USBMSC_CHECK_TEXT_MAX];
	const char *choice = NULL;
	uint64_t last = 0;
	uint32_t bs = 0;
	struct xfer x;
	bool pass = false;

	cpl_settle(s);
	memset(data, 0, sizeof data);
	cpl_run_cmd(s, USBMSC_DIR_IN, sizeof data, cdb, n, data, &x);
	cpl_describe(&x, seen, sizeof seen);
	if (cpl_status_is(&x, USBMSC_CSW_PASSED) &&
	    usbmsc_read_capacity16_parse(data, x.done, &last, &bs)) {
		pass = last + 1 == s->rep->blocks && bs == s->bs &&
		       x.csw.residue == sizeof data - x.done;
		cpl_append(seen, sizeof seen, "; %llu blocks of %u bytes",
			   (unsigned long long)(last + 1), bs);
	} else if (refused_cleanly(s, &x, seen, sizeof seen)) {
		pass = true;
		choice = "unsupported";
	}
	cpl_after(s, &x);
	cpl_record(s, "read-capacity-16", pass, choice,
		   "READ CAPACITY(16): capacity as (10) gave, or a clean failure", seen);
}

/* READ(12)/WRITE(12) move the whole blocks that fit in 64 KiB: the host's
 * length must be what the CDB asks for, or a block size that does not
 * divide 64 KiB (520, 1536...) would make every device look wrong. */
static uint32_t big_blocks(const struct suite *s)
{
	return BIG_LEN / s->bs;
}

static void check_write12(struct suite *s)
{
	uint32_t count = big_blocks(s), bytes = count * s->bs;
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_write12(cdb, s->scratch + AT_BIG, count);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX];
	const char *choice = NULL;
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_pattern_run(s, s->out, AT_BIG, count, SALT_BIG);
	cpl_run_cmd(s, USBMSC_DIR_OUT, bytes, cdb, n, s->out, &x);
	cpl_describe(&x, seen, sizeof seen);
	pass = cpl_status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && x.done == bytes &&
	       !x.data_stalled;
	if (pass) {
		memcpy(cpl_model_at(s, AT_BIG), s->out, bytes);
	} else if (refused_cleanly(s, &x, seen, sizeof seen)) {
		pass = true;
		choice = "unsupported";
	}
	cpl_after(s, &x);
	if (!cpl_guards_hold(s, AT_BIG - 1, 1, AT_BIG + count, seen, sizeof seen))
		pass = false;
	snprintf(expected, sizeof expected,
		 "WRITE(12) %u blocks, out %u: status 0, residue 0, or a clean failure", count,
		 bytes);
	cpl_record(s, "write-12-64k", pass, choice, expected, seen);
}

static void check_read12(struct suite *s)
{
	uint32_t count = big_blocks(s), bytes = count * s->bs;
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_read12(cdb, s->scratch + AT_BIG, count);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX];
	const char *choice = NULL;
	struct xfer x;
	bool pass, same;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_IN, bytes, cdb, n, s->buf, &x);
	cpl_describe(&x, seen, sizeof seen);
	same = x.done == bytes && memcmp(s->buf, cpl_model_at(s, AT_BIG), bytes) == 0;
	pass = cpl_status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && same &&
	       !cpl_in_stalled(&x);
	if (x.done == bytes)
		cpl_append(seen, sizeof seen, same ? "; data as written" : "; data differs");
	if (!pass && refused_cleanly(s, &x, seen, sizeof seen)) {
		pass = true;
		choice = "unsupported";
	}
	cpl_after(s, &x);
	snprintf(expected, sizeof expected,
		 "READ(12) %u blocks, in %u: the data, status 0, residue 0, or a clean failure",
		 count, bytes);
	cpl_record(s, "read-12-64k", pass, choice, expected, seen);
}

void cpl_check_cmdset(struct suite *s)
{
	void (*const checks[])(struct suite *) = {
		check_read_capacity16, check_write12, check_read12,
	};

	for (size_t i = 0; i < sizeof checks / sizeof checks[0] && !cpl_should_stop(s); i++)
		checks[i](s);
}
