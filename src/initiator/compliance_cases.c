/* The thirteen cases of the Bulk-Only Transport (compliance_internal.h),
 * each provoked with TEST UNIT READY, INQUIRY, READ(10) or WRITE(10) under
 * a mismatched host length or direction. Where the spec allows
 * alternatives, each passes and the row records the device's choice; the
 * write cases check the blocks around their range against the model. */
#include "compliance_internal.h"

#include <stdio.h>
#include <string.h>

static size_t tur_cdb(uint8_t cdb[16])
{
	return usbmsc_cdb_test_unit_ready(cdb);
}

static size_t rw10_cdb(struct suite *s, uint8_t cdb[16], bool write, uint32_t rel, uint32_t count)
{
	return write ? usbmsc_cdb_write10(cdb, s->scratch + rel, count)
		     : usbmsc_cdb_read10(cdb, s->scratch + rel, count);
}

static void case1(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = tur_cdb(cdb);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_NONE, 0, cdb, n, NULL, &x);
	pass = cpl_xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == 0 &&
	       !cpl_in_stalled(&x);
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	cpl_record(s, "case-01-hn-dn", pass, NULL,
		   "TUR, no data: status 0/1, residue 0", seen);
}

/* Cases 2 and 3: READ(10) or WRITE(10) of 1 block with host length 0. */
static void case_hn(struct suite *s, bool write)
{
	uint32_t at = write ? AT_CASE3 : AT_READ;
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, write, at, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_NONE, 0, cdb, n, NULL, &x);
	pass = cpl_xfer_valid(&x) && (x.csw.status == USBMSC_CSW_FAILED ||
				      x.csw.status == USBMSC_CSW_PHASE_ERROR) && x.csw.residue == 0;
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	if (write && !cpl_guards_hold(s, at - 1, 3, 0, seen, sizeof seen))
		pass = false;
	cpl_record(s, write ? "case-03-hn-do" : "case-02-hn-di", pass,
		   cpl_status_choice(&x),
		   write ? "WRITE(10) 1 block, no data: status 1/2, residue 0, nothing written"
			 : "READ(10) 1 block, no data: status 1/2, residue 0",
		   seen);
}

static void case2(struct suite *s)
{
	case_hn(s, false);
}

static void case3(struct suite *s)
{
	case_hn(s, true);
}

/* Case 4: TEST UNIT READY with the host expecting a block in. */
static void case4(struct suite *s)
{
	uint32_t host = s->bs;
	uint8_t cdb[16];
	size_t n = tur_cdb(cdb);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool stall, pad, pass;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_IN, host, cdb, n, s->buf, &x);
	stall = cpl_in_stalled(&x);
	pad = !stall && x.done == host;
	pass = cpl_xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == host &&
	       (stall || pad) && !x.csw_in_data;
	cpl_describe(&x, seen, sizeof seen);
	if (cpl_xfer_valid(&x) && !stall && !pad)
		cpl_append(seen, sizeof seen, " (neither a stall nor padding)");
	cpl_after(s, &x);
	snprintf(expected, sizeof expected,
		 "TUR, in %u: stall IN or pad; status 0/1, residue %u", host, host);
	cpl_record(s, "case-04-hi-dn", pass, stall ? "stall" : pad ? "pad" : NULL, expected, seen);
}

/* Case 5: INQUIRY of 36 bytes with the host expecting a block. */
static void case5(struct suite *s)
{
	uint32_t host = s->bs, di;
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, 36);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool stall, pad, pass;

	cpl_settle(s);
	memset(s->buf, 0, host);
	cpl_run_cmd(s, USBMSC_DIR_IN, host, cdb, n, s->buf, &x);
	stall = cpl_in_stalled(&x);
	pad = !stall && x.done == host;
	/* Di: the bytes sent before a stall, or with padding the INQUIRY data's own length */
	di = stall ? (uint32_t)x.done : cpl_min_u32(36, (uint32_t)s->buf[4] + 5u);
	pass = cpl_xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && (stall || pad) &&
	       !x.csw_in_data && x.done <= (pad ? host : 36u) && x.csw.residue == host - di;
	cpl_describe(&x, seen, sizeof seen);
	if (cpl_xfer_valid(&x) && !stall && !pad)
		cpl_append(seen, sizeof seen, " (a short packet without a stall)");
	cpl_after(s, &x);
	snprintf(expected, sizeof expected,
		 "INQUIRY 36, in %u: data, stall IN or pad; status 0/1, residue %u - data",
		 host, host);
	cpl_record(s, "case-05-hi-gt-di", pass, stall ? "stall" : pad ? "pad" : NULL, expected,
		   seen);
}

/* Case 6: READ(10) of 1 block, the host expecting 1 block. */
static void case6(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, false, AT_READ, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass, same;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_IN, s->bs, cdb, n, s->buf, &x);
	same = x.done == s->bs && memcmp(s->buf, cpl_model_at(s, AT_READ), s->bs) == 0;
	pass = cpl_status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && same &&
	       !cpl_in_stalled(&x);
	cpl_describe(&x, seen, sizeof seen);
	if (x.done == s->bs)
		cpl_append(seen, sizeof seen,
			   same ? "; data as written" : "; data differs from the block");
	cpl_after(s, &x);
	cpl_record(s, "case-06-hi-eq-di", pass, NULL,
		   "READ(10) 1 block, in 1 block: the block; status 0, residue 0", seen);
}

/* Case 7: READ(10) of 2 blocks, the host expecting 1 block. */
static void case7(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, false, AT_READ, 2);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass, same;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_IN, s->bs, cdb, n, s->buf, &x);
	same = memcmp(s->buf, cpl_model_at(s, AT_READ), x.done) == 0;
	pass = cpl_status_is(&x, USBMSC_CSW_PHASE_ERROR) &&
	       (x.done == s->bs || cpl_in_stalled(&x)) && same;
	cpl_describe(&x, seen, sizeof seen);
	if (!same)
		cpl_append(seen, sizeof seen, "; data differs from the block");
	cpl_after(s, &x);
	cpl_record(s, "case-07-hi-lt-di", pass, NULL,
		   "READ(10) 2 blocks, in 1 block: <= 1 block (stall IN if less); status 2", seen);
}

/* Case 8: WRITE(10) of 1 block, the host expecting data in. */
static void case8(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, true, AT_CASE8, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_IN, s->bs, cdb, n, s->buf, &x);
	pass = cpl_status_is(&x, USBMSC_CSW_PHASE_ERROR) && cpl_in_stalled(&x) && x.done == 0;
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	if (!cpl_guards_hold(s, AT_CASE8 - 1, 3, 0, seen, sizeof seen))
		pass = false;
	cpl_record(s, "case-08-hi-do", pass, NULL,
		   "WRITE(10) 1 block, in 1 block: stall IN; status 2; nothing written", seen);
}

/* Case 9: TEST UNIT READY with the host sending a block. */
static void case9(struct suite *s)
{
	uint32_t host = s->bs;
	uint8_t cdb[16];
	size_t n = tur_cdb(cdb);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool stall, discard, pass;

	cpl_settle(s);
	cpl_pattern(s->out, s->bs, 0, SALT_CASE9);
	cpl_run_cmd(s, USBMSC_DIR_OUT, host, cdb, n, s->out, &x);
	stall = cpl_out_stalled(&x);
	discard = !stall && x.done == host;
	pass = cpl_xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == host &&
	       (stall || discard);
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	snprintf(expected, sizeof expected,
		 "TUR, out %u: discard or stall OUT; status 0/1, residue %u", host, host);
	cpl_record(s, "case-09-ho-dn", pass, stall ? "stall" : discard ? "discard" : NULL, expected,
		   seen);
}

/* Case 10: READ(10) of 1 block with the host sending a block. */
static void case10(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, false, AT_READ, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool stall, discard, pass;

	cpl_settle(s);
	cpl_pattern(s->out, s->bs, 0, SALT_CASE10);
	cpl_run_cmd(s, USBMSC_DIR_OUT, s->bs, cdb, n, s->out, &x);
	stall = cpl_out_stalled(&x);
	discard = !stall && x.done == s->bs;
	pass = cpl_status_is(&x, USBMSC_CSW_PHASE_ERROR) && (stall || discard);
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	cpl_record(s, "case-10-ho-di", pass, stall ? "stall" : discard ? "discard" : NULL,
		   "READ(10) 1 block, out 1 block: stall OUT or discard; status 2", seen);
}

/* Case 11: WRITE(10) of 1 block with the host sending 2 blocks. The block
 * size is the LUN's: the second block of data must go nowhere. */
static void case11(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, true, AT_CASE11, 1);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX];
	char why[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool stall, discard, pass;

	cpl_settle(s);
	cpl_pattern_run(s, s->out, AT_CASE11, 2, SALT_CASE11);
	cpl_run_cmd(s, USBMSC_DIR_OUT, 2 * s->bs, cdb, n, s->out, &x);
	stall = cpl_out_stalled(&x) && x.done >= s->bs;
	discard = !cpl_out_stalled(&x) && x.done == 2u * s->bs;
	pass = cpl_xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == s->bs &&
	       (stall || discard);
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	if (cpl_status_is(&x, USBMSC_CSW_PASSED)) {
		memcpy(cpl_model_at(s, AT_CASE11), s->out, s->bs);
	} else if (!cpl_adopt_either(s, AT_CASE11, s->out, why, sizeof why)) {
		cpl_append(seen, sizeof seen, "; %s", why);
		pass = false;
	}
	if (!cpl_guards_hold(s, AT_CASE11 - 1, 3, 0, seen, sizeof seen))
		pass = false;
	snprintf(expected, sizeof expected,
		 "WRITE(10) 1 block, out 2: 1 written, discard or stall OUT; status 0/1, "
		 "residue %u", s->bs);
	cpl_record(s, "case-11-ho-gt-do", pass, stall ? "stall" : discard ? "discard" : NULL,
		   expected, seen);
}

/* Case 12: WRITE(10) of 1 block, the host sending 1 block. */
static void case12(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, true, AT_CASE12, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_pattern_run(s, s->out, AT_CASE12, 1, SALT_CASE12);
	cpl_run_cmd(s, USBMSC_DIR_OUT, s->bs, cdb, n, s->out, &x);
	pass = cpl_status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && x.done == s->bs &&
	       !x.data_stalled;
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	if (pass)
		memcpy(cpl_model_at(s, AT_CASE12), s->out, s->bs);
	if (!cpl_guards_hold(s, AT_CASE12 - 1, 3, 0, seen, sizeof seen))
		pass = false;
	cpl_record(s, "case-12-ho-eq-do", pass, NULL,
		   "WRITE(10) 1 block, out 1 block: written; status 0, residue 0", seen);
}

/* Case 13: WRITE(10) of 2 blocks, the host sending 1 block. */
static void case13(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, true, AT_CASE13, 2);
	char seen[USBMSC_CHECK_TEXT_MAX], why[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_pattern_run(s, s->out, AT_CASE13, 1, SALT_CASE13);
	cpl_run_cmd(s, USBMSC_DIR_OUT, s->bs, cdb, n, s->out, &x);
	pass = cpl_xfer_valid(&x) && (x.csw.status == USBMSC_CSW_FAILED ||
				      x.csw.status == USBMSC_CSW_PHASE_ERROR);
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	/* The first block may hold the data sent ("process Ho"); the second
	 * got no data and must not change. */
	if (!s->gone && !cpl_adopt_either(s, AT_CASE13, s->out, why, sizeof why)) {
		cpl_append(seen, sizeof seen, "; %s", why);
		pass = false;
	}
	if (!cpl_guards_hold(s, AT_CASE13 - 1, 4, 0, seen, sizeof seen))
		pass = false;
	cpl_record(s, "case-13-ho-lt-do", pass, cpl_status_choice(&x),
		   "WRITE(10) 2 blocks, out 1 block: status 1/2; block 2 unchanged", seen);
}

void cpl_check_cases(struct suite *s)
{
	void (*const cases[])(struct suite *) = {
		case1, case2, case3, case4, case5, case6, case7, case8, case9, case10, case11,
		case12, case13,
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !cpl_should_stop(s); i++)
		cases[i](s);
}
