/* Recovery and readiness for the compliance suite (compliance_internal.h):
 * Reset Recovery after a command that left the device in doubt, TEST UNIT
 * READY before each check (a unit attention fetched with REQUEST SENSE and
 * cleared, a LUN becoming ready waited for), a USB port reset when Reset
 * Recovery does not bring the device back, and the category of a command
 * that failed. */
#include "compliance_internal.h"
#include "../os/os_clock.h"

#include <stdio.h>
#include <string.h>

#define SETTLE_TRIES 8
#define NOT_READY_WAIT_MS 250u     /* between TEST UNIT READYs of a LUN becoming ready */
/* The whole run waits at most this long for a LUN becoming ready (at
 * every check it would add up to minutes): a LUN that still is after that
 * is not ready, and the run ends. */
#define READY_WAIT_DEFAULT_MS 10000u

/* A LUN becoming ready gets a pause from what is left of the run's wait;
 * false, and the run marked not ready, when nothing is left (false also
 * when the run is stopping anyway). */
static bool wait_becoming_ready(struct suite *s)
{
	unsigned budget = s->o->ready_wait_ms ? s->o->ready_wait_ms : READY_WAIT_DEFAULT_MS;
	unsigned step;

	if (cpl_should_stop(s))
		return false; /* a stop requested, or already not ready: no more waiting */
	if (s->ready_waited_ms >= budget) {
		s->not_ready = true;
		snprintf(s->not_ready_why, sizeof s->not_ready_why,
			 "TEST UNIT READY still answers 02/04/01 (becoming ready) after %u ms of "
			 "waiting", s->ready_waited_ms);
		return false;
	}
	step = cpl_min_u32(NOT_READY_WAIT_MS, budget - s->ready_waited_ms);
	usbmsc_sleep_ms(step);   /* at most 250 ms: a stop waits no longer */
	s->ready_waited_ms += step;
	return true;
}

bool cpl_request_sense(struct suite *s, struct usbmsc_sense *sense)
{
	uint8_t cdb[16], data[SENSE_LEN];
	size_t n = usbmsc_cdb_request_sense(cdb, SENSE_LEN, false);
	struct xfer x;

	memset(data, 0, sizeof data);
	cpl_run_cmd(s, USBMSC_DIR_IN, SENSE_LEN, cdb, n, data, &x);
	if (!cpl_status_is(&x, USBMSC_CSW_PASSED)) {
		if (!cpl_xfer_valid(&x) || x.csw.status == USBMSC_CSW_PHASE_ERROR)
			cpl_reset_recovery(s);
		return false;
	}
	return usbmsc_sense_decode(data, x.done, sense);
}

/* After a command that left the device in doubt (no valid CSW, or phase
 * error): Reset Recovery, as the spec tells a host to do, and the device
 * must then take commands again (cpl_settle() escalates to a port reset). */
void cpl_after(struct suite *s, const struct xfer *x)
{
	if (cpl_xfer_valid(x) && x->csw.status != USBMSC_CSW_PHASE_ERROR)
		return;
	cpl_reset_recovery(s);
	cpl_settle(s);
}

enum settled { SETTLED_READY, SETTLED_NOT_READY, SETTLED_STUCK };

/* TEST UNIT READY until it passes, fetching the sense of each failure
 * (BOT has no autosense); a device becoming ready is waited for, within
 * the run's wait. STUCK after two exchanges without a valid CSW (each
 * followed by Reset Recovery). */
static enum settled settle_once(struct suite *s)
{
	int bad = 0;

	for (int i = 0; i < SETTLE_TRIES && !s->gone; i++) {
		uint8_t cdb[16];
		size_t n = usbmsc_cdb_test_unit_ready(cdb);
		struct usbmsc_sense sense;
		struct xfer x;

		cpl_run_cmd(s, USBMSC_DIR_NONE, 0, cdb, n, NULL, &x);
		if (cpl_status_is(&x, USBMSC_CSW_PASSED))
			return SETTLED_READY;
		if (!cpl_status_is(&x, USBMSC_CSW_FAILED)) {
			cpl_reset_recovery(s);
			if (++bad == 2)
				return SETTLED_STUCK;
			continue;
		}
		memset(&sense, 0, sizeof sense);
		if (!cpl_request_sense(s, &sense))
			continue;
		if (sense.key == USBMSC_SK_NOT_READY && sense.asc == 0x04 && sense.ascq == 0x01) {
			if (!wait_becoming_ready(s))
				return SETTLED_NOT_READY;
			i--; /* becoming ready: a wait, not a failed try */
		}
	}
	return s->gone ? SETTLED_STUCK : SETTLED_NOT_READY;
}

/* settle_once(), and when Reset Recovery did not bring the device back to
 * taking commands, a USB port reset (what Linux usb-storage tries first)
 * and once more. The row in progress is then marked: the spec's Reset
 * Recovery alone must suffice. */
bool cpl_settle(struct suite *s)
{
	enum settled st = settle_once(s);
	int r;

	if (st != SETTLED_STUCK || s->gone || !s->p->ops->port_reset)
		return st == SETTLED_READY;
	r = cpl_port_reset(s);
	s->port_reset_used = true;
	s->rep->port_resets++;
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_NOTE, NULL, 0,
			  "compliance: Reset Recovery did not bring the device back; port reset %s",
			  cpl_pipe_text(r));
	return r == USBMSC_PIPE_OK && settle_once(s) == SETTLED_READY;
}

int cpl_cmd_failure(struct suite *s, const struct xfer *x, char *why, size_t len)
{
	struct usbmsc_sense sense;
	char text[96];

	cpl_describe(x, why, len);
	if (s->gone)
		return USBMSC_E_NO_DEVICE;
	if (!cpl_status_is(x, USBMSC_CSW_FAILED)) {
		cpl_after(s, x);
		return x->csw_r == USBMSC_PIPE_TIMEOUT || x->data_r == USBMSC_PIPE_TIMEOUT ||
		       x->cbw_r == USBMSC_PIPE_TIMEOUT ? USBMSC_E_TIMEOUT : USBMSC_E_TRANSPORT;
	}
	memset(&sense, 0, sizeof sense);
	if (!cpl_request_sense(s, &sense))
		return USBMSC_E_OTHER;
	usbmsc_sense_describe(&sense, text, sizeof text);
	cpl_append(why, len, " (%s)", text);
	return usbmsc_status_from_sense_key(sense.key);
}

