/* The compliance suite's CBW checks (compliance_internal.h): CDB bytes
 * past the CB length must be ignored; an invalid CBW (bad signature, 30 or
 * 32 bytes) must wedge Bulk-In until Reset Recovery, not merely until
 * CLEAR_FEATURE(HALT). */
#include "compliance_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- CDB bytes past the CB length -------------------------------------------------- */

static void check_cb_past_length(struct suite *s, uint8_t fill)
{
	const char *expected = "INQUIRY, CB length 6, bytes 6..15 set: status 0, 36 bytes";
	char name[USBMSC_CHECK_NAME_MAX], seen[USBMSC_CHECK_TEXT_MAX];
	uint8_t cdb[16], data[36];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, sizeof data);
	struct usbmsc_cbw cbw;
	struct xfer x;
	bool pass;

	cpl_settle(s);
	cpl_make_cbw(s, &cbw, USBMSC_DIR_IN, sizeof data, cdb, n);
	memset(cbw.cb + n, fill, sizeof cbw.cb - n);
	cpl_raw_exec(s, &cbw, data, &x);
	pass = cpl_status_is(&x, USBMSC_CSW_PASSED) && x.done == sizeof data &&
	       x.csw.residue == 0 && !cpl_in_stalled(&x);
	cpl_describe(&x, seen, sizeof seen);
	cpl_after(s, &x);
	snprintf(name, sizeof name, "cb-past-length/%02x", fill);
	cpl_record(s, name, pass, NULL, expected, seen);
}

void cpl_check_cb_past_lengths(struct suite *s)
{
	static const uint8_t fills[] = { 0xFF, 0x55, 0xAA };

	for (size_t i = 0; i < sizeof fills && !cpl_should_stop(s); i++)
		check_cb_past_length(s, fills[i]);
}

/* ---- invalid CBWs ------------------------------------------------------------------- */

/* Read Bulk-In where it must be stalled: "stalled", or what came instead. */
static int read_expect_stall(struct suite *s, char *seen, size_t len)
{
	uint8_t raw[CSW_BUF];
	size_t n;
	int r = cpl_bulk(s, true, raw, sizeof raw, &n, cpl_min_u32(s->tmo, EXPECT_STALL_MS));

	if (r == USBMSC_PIPE_STALL)
		cpl_append(seen, len, "read stalled");
	else if (r == USBMSC_PIPE_OK)
		cpl_append(seen, len, "read got %zu bytes", n);
	else
		cpl_append(seen, len, "read %s", cpl_pipe_text(r));
	return r;
}

/* One row of the invalid-CBW sequence, recorded once the sequence is over
 * (recording lets the device settle, which would end the wedge early). */
struct wedge_row {
	char seen[USBMSC_CHECK_TEXT_MAX];
	bool pass;
	const char *choice;
};

/* 1: Bulk-In stalls and GET_STATUS reports it halted. Bulk-Out may stall
 * or take (and discard) what comes. */
static void wedge_send(struct suite *s, const uint8_t *wire, size_t len, struct wedge_row *row)
{
	bool in_h = false, out_h = false;
	size_t n;
	int r = cpl_bulk(s, false, (uint8_t *)(uintptr_t)wire, len, &n, s->tmo), rh, ro;

	if (r != USBMSC_PIPE_OK && r != USBMSC_PIPE_STALL)
		cpl_append(row->seen, sizeof row->seen, "CBW %s; ", cpl_pipe_text(r));
	/* The read first: it waits for a device that halts only once it has
	 * looked at the CBW; GET_STATUS asked at once could race it. */
	r = read_expect_stall(s, row->seen, sizeof row->seen);
	rh = cpl_halted(s, true, &in_h);
	ro = cpl_halted(s, false, &out_h);
	cpl_append(row->seen, sizeof row->seen, "; Bulk-In %s, Bulk-Out %s",
		   cpl_halt_text(rh, in_h), cpl_halt_text(ro, out_h));
	row->pass = rh == USBMSC_PIPE_OK && in_h && r == USBMSC_PIPE_STALL;
	row->choice = ro != USBMSC_PIPE_OK ? NULL : out_h ? "out-halted" : "out-not-halted";
}

/* 2: CLEAR_FEATURE(HALT) alone must not un-wedge it. */
static void wedge_clear(struct suite *s, struct wedge_row *row)
{
	bool in_h = false;
	int r = cpl_clear(s, true), rh;

	cpl_append(row->seen, sizeof row->seen, "CLEAR_FEATURE %s; ", cpl_pipe_text(r));
	r = read_expect_stall(s, row->seen, sizeof row->seen);
	rh = cpl_halted(s, true, &in_h);
	cpl_append(row->seen, sizeof row->seen, "; Bulk-In %s", cpl_halt_text(rh, in_h));
	row->pass = rh == USBMSC_PIPE_OK && in_h && r == USBMSC_PIPE_STALL;
}

/* 3: Reset Recovery clears both halts. */
static void wedge_reset(struct suite *s, struct wedge_row *row)
{
	bool in_h = false, out_h = false, done = cpl_reset_recovery(s);
	int rh = cpl_halted(s, true, &in_h), ro = cpl_halted(s, false, &out_h);

	cpl_append(row->seen, sizeof row->seen, "Reset Recovery %s; Bulk-In %s, Bulk-Out %s",
		   done ? "done" : "failed", cpl_halt_text(rh, in_h), cpl_halt_text(ro, out_h));
	row->pass = done && rh == USBMSC_PIPE_OK && ro == USBMSC_PIPE_OK && !in_h && !out_h;
}

/* 4: and the next command works. */
static void wedge_next(struct suite *s, struct wedge_row *row)
{
	uint8_t cdb[16], data[36];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, sizeof data);
	struct xfer x;

	cpl_settle(s);
	cpl_run_cmd(s, USBMSC_DIR_IN, sizeof data, cdb, n, data, &x);
	row->pass = cpl_status_is(&x, USBMSC_CSW_PASSED) && x.done == sizeof data &&
		    x.csw.residue == 0;
	cpl_describe(&x, row->seen, sizeof row->seen);
	cpl_after(s, &x);
}

/* A CBW the device must reject: Bulk-In stalled (and GET_STATUS says so),
 * still after CLEAR_FEATURE(HALT) alone, clean after Reset Recovery, and
 * the next command works. Four rows. */
static void check_invalid_cbw(struct suite *s, const char *kind, size_t len, bool bad_signature)
{
	static const char *const rows[4][2] = {
		{ "in-stalled", "Bulk-In read stalls, GET_STATUS: halted" },
		{ "halt-survives-clear", "CLEAR_FEATURE alone: still stalls, halted" },
		{ "reset-recovery-clears", "Reset Recovery: neither endpoint halted" },
		{ "next-command", "then INQUIRY: 36 bytes, status 0" },
	};
	uint8_t wire[32], cdb[16];
	size_t cl = usbmsc_cdb_inquiry(cdb, false, 0, 36);
	char name[USBMSC_CHECK_NAME_MAX];
	struct wedge_row row[4];
	struct usbmsc_cbw cbw;
	bool port_reset;

	cpl_settle(s);
	memset(row, 0, sizeof row);
	cpl_make_cbw(s, &cbw, USBMSC_DIR_IN, 36, cdb, cl);
	memset(wire, 0, sizeof wire);
	usbmsc_cbw_encode(&cbw, wire);
	if (bad_signature)
		wire[3] = 'D'; /* "USBD" */
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_CBW, wire, len, "invalid CBW: %s", kind);
	wedge_send(s, wire, len, &row[0]);
	wedge_clear(s, &row[1]);
	wedge_reset(s, &row[2]);
	wedge_next(s, &row[3]);
	/* a port reset the sequence needed belongs to its last row */
	port_reset = s->port_reset_used;
	s->port_reset_used = false;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "%s/%s", kind, rows[i][0]);
		if (i == 3)
			s->port_reset_used = s->port_reset_used || port_reset;
		cpl_record(s, name, row[i].pass, row[i].choice, rows[i][1], row[i].seen);
	}
}

void cpl_check_invalid_cbws(struct suite *s)
{
	check_invalid_cbw(s, "cbw-bad-signature", USBMSC_CBW_LEN, true);
	if (!s->gone)
		check_invalid_cbw(s, "cbw-30-bytes", USBMSC_CBW_LEN - 1, false);
	if (!s->gone)
		check_invalid_cbw(s, "cbw-32-bytes", USBMSC_CBW_LEN + 1, false);
}

