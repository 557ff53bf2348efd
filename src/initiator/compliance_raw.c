/* One raw Bulk-Only Transport command over the pipe, for the compliance
 * suite (compliance_internal.h): the CBW built by hand, the data stage and
 * the CSW read and judged one by one, so that the device's answer to each
 * mismatch is seen as it is, not as the host engine's recovery would make
 * it look. The pipe operations watch for a device that leaves. */
#include "compliance_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cpl_pipe_text(int r)
{
	switch (r) {
	case USBMSC_PIPE_OK: return "ok";
	case USBMSC_PIPE_STALL: return "stalled";
	case USBMSC_PIPE_TIMEOUT: return "timed out";
	case USBMSC_PIPE_NO_DEVICE: return "device gone";
	case NOT_REACHED: return "not reached";
	default: return "I/O error";
	}
}

void cpl_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* ---- the pipe, watching for a device that leaves -------------------------- */

static int watch(struct suite *s, int r)
{
	if (r == USBMSC_PIPE_NO_DEVICE)
		s->gone = true;
	return r;
}

/* A pipe must not report more bytes than it was given room for; the
 * suite's readers trust *done, so it is held to that here. */
static void clamp(size_t *done, size_t len)
{
	if (*done > len)
		*done = len;
}

int cpl_bulk(struct suite *s, bool in, uint8_t *buf, size_t len, size_t *done, unsigned tmo)
{
	int r;

	*done = 0;
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	r = watch(s, s->p->ops->bulk(s->p, in, buf, len, done, tmo));
	clamp(done, len);
	return r;
}

int cpl_clear(struct suite *s, bool in)
{
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, s->p->ops->clear_halt(s->p, in, s->tmo));
}

int cpl_control(struct suite *s, uint8_t rt, uint8_t req, uint16_t value, uint8_t *data,
		uint16_t len, size_t *done)
{
	int r;

	*done = 0;
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	r = watch(s, s->p->ops->control(s->p, rt, req, value, s->p->interface, data, len, done,
					s->tmo));
	clamp(done, len);
	return r;
}

int cpl_port_reset(struct suite *s)
{
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, s->p->ops->port_reset(s->p));
}

int usbmsc_pipe_get_halt(struct usbmsc_pipe *pipe, bool in, bool *halted, unsigned timeout_ms)
{
	uint8_t st[2] = { 0, 0 };
	size_t n = 0;
	int r;

	*halted = false;
	r = pipe->ops->control(pipe, RT_EP_IN, REQ_GET_STATUS, 0, in ? pipe->ep_in : pipe->ep_out, st,
			       sizeof st, &n, timeout_ms);
	if (r != USBMSC_PIPE_OK)
		return r;
	if (n != sizeof st)
		return USBMSC_PIPE_ERROR;
	*halted = (st[0] & 1u) != 0;
	return USBMSC_PIPE_OK;
}

int cpl_halted(struct suite *s, bool in, bool *halted)
{
	*halted = false;
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, usbmsc_pipe_get_halt(s->p, in, halted, s->tmo));
}

const char *cpl_halt_text(int r, bool halted)
{
	if (r != USBMSC_PIPE_OK)
		return r == USBMSC_PIPE_STALL ? "GET_STATUS stalled" : cpl_pipe_text(r);
	return halted ? "halted" : "not halted";
}

bool cpl_reset_recovery(struct suite *s)
{
	int r;

	if (s->gone)
		return false;
	r = usbmsc_bot_reset_recovery(s->p, s->tmo);
	if (r == USBMSC_E_NO_DEVICE)
		s->gone = true;
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_NOTE, NULL, 0, "compliance: Reset Recovery %s",
			  r == USBMSC_OK ? "done" : usbmsc_status_name(r));
	return r == USBMSC_OK;
}

/* ---- one raw command -------------------------------------------------------- */

void cpl_make_cbw(struct suite *s, struct usbmsc_cbw *cbw, enum usbmsc_dir dir, uint32_t len,
		  const uint8_t *cdb, size_t cdb_len)
{
	/* The arguments are the suite's own and always fit. */
	(void)usbmsc_cbw_fill(cbw, ++s->tag, s->lun, dir, len, cdb, (uint8_t)cdb_len);
}

bool cpl_xfer_valid(const struct xfer *x)
{
	return x->cbw_r == USBMSC_PIPE_OK &&
	       (x->data_r == USBMSC_PIPE_OK || x->data_r == USBMSC_PIPE_STALL) &&
	       x->csw_r == USBMSC_PIPE_OK && x->chk == USBMSC_CSWCHK_OK;
}

/* Bulk-In halted during the data stage or where the CSW was due. */
bool cpl_in_stalled(const struct xfer *x)
{
	return (x->dir == USBMSC_DIR_IN && x->data_stalled) || x->csw_stalled;
}

bool cpl_out_stalled(const struct xfer *x)
{
	return x->dir == USBMSC_DIR_OUT && x->data_stalled;
}

bool cpl_status_is(const struct xfer *x, uint8_t status)
{
	return cpl_xfer_valid(x) && x->csw.status == status;
}

static void decode_csw(struct xfer *x, const uint8_t *raw, size_t n)
{
	memset(&x->csw, 0, sizeof x->csw);
	x->csw_len = n;
	x->chk = usbmsc_csw_decode(raw, n, x->tag, x->host_len, &x->csw);
}

static void data_stage(struct suite *s, struct xfer *x, uint8_t *data)
{
	bool in = x->dir == USBMSC_DIR_IN;
	int r;

	x->data_r = USBMSC_PIPE_OK;
	if (x->host_len == 0)
		return;
	r = cpl_bulk(s, in, data, x->host_len, &x->done, s->tmo);
	if (x->done > x->host_len)
		x->done = x->host_len; /* a pipe must not report more than it was given */
	x->data_r = r;
	usbmsc_trace_emit(&s->o->trace, in ? USBMSC_TRACE_DATA_IN : USBMSC_TRACE_DATA_OUT, data,
			  x->done, "data %s %zu of %u bytes: %s", in ? "in" : "out", x->done,
			  x->host_len, cpl_pipe_text(r));
	if (r == USBMSC_PIPE_OK && in && x->done == USBMSC_CSW_LEN &&
	    usbmsc_csw_decode(data, x->done, x->tag, x->host_len, &x->csw) == USBMSC_CSWCHK_OK) {
		/* no data, no stall, no padding: the CSW came at once */
		x->csw_in_data = true;
		x->csw_r = USBMSC_PIPE_OK;
		decode_csw(x, data, x->done);
		x->done = 0;
		return;
	}
	if (r != USBMSC_PIPE_STALL)
		return;
	x->data_stalled = true;
	r = cpl_clear(s, in);
	if (r != USBMSC_PIPE_OK)
		x->data_r = r;
}

/* The CSW, read again once after a stall (its halt cleared) and once
 * after a zero-length packet, as Linux usb-storage does. */
static void read_csw(struct suite *s, struct xfer *x)
{
	uint8_t raw[CSW_BUF];
	size_t n;
	int r;

	for (;;) {
		r = cpl_bulk(s, true, raw, sizeof raw, &n, s->tmo);
		if (r == USBMSC_PIPE_STALL && !x->csw_stalled) {
			x->csw_stalled = true;
			r = cpl_clear(s, true);
			if (r != USBMSC_PIPE_OK)
				break;
			continue;
		}
		if (r == USBMSC_PIPE_OK && n == 0 && !x->csw_zlp) {
			x->csw_zlp = true;
			continue;
		}
		break;
	}
	x->csw_r = r;
	if (r != USBMSC_PIPE_OK)
		return;
	decode_csw(x, raw, n);
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_CSW, raw, n, "CSW tag %u, status %u, residue %u%s",
			  x->csw.tag, x->csw.status, x->csw.residue,
			  x->chk == USBMSC_CSWCHK_OK ? "" : " (invalid)");
}

void cpl_raw_exec(struct suite *s, const struct usbmsc_cbw *cbw, uint8_t *data, struct xfer *x)
{
	uint8_t wire[USBMSC_CBW_LEN];
	size_t n = 0;

	memset(x, 0, sizeof *x);
	x->dir = usbmsc_cbw_dir(cbw);
	x->host_len = cbw->data_len;
	x->tag = cbw->tag;
	x->data_r = x->csw_r = NOT_REACHED;
	x->chk = USBMSC_CSWCHK_LENGTH;
	usbmsc_cbw_encode(cbw, wire);
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_CBW, wire, sizeof wire,
			  "CBW tag %u, %u bytes %s, LUN %u, opcode 0x%02x", cbw->tag, cbw->data_len,
			  x->dir == USBMSC_DIR_IN ? "in" : x->dir == USBMSC_DIR_OUT ? "out" : "none",
			  cbw->lun, cbw->cb[0]);
	x->cbw_r = cpl_bulk(s, false, wire, sizeof wire, &n, s->tmo);
	if (x->cbw_r == USBMSC_PIPE_OK && n != sizeof wire)
		x->cbw_r = USBMSC_PIPE_ERROR;
	if (x->cbw_r != USBMSC_PIPE_OK)
		return;
	data_stage(s, x, data);
	if (x->csw_in_data || (x->data_r != USBMSC_PIPE_OK && x->data_r != USBMSC_PIPE_STALL))
		return;
	read_csw(s, x);
}

void cpl_run_cmd(struct suite *s, enum usbmsc_dir dir, uint32_t len, const uint8_t *cdb,
		 size_t cdb_len, uint8_t *data, struct xfer *x)
{
	struct usbmsc_cbw cbw;

	cpl_make_cbw(s, &cbw, dir, len, cdb, cdb_len);
	cpl_raw_exec(s, &cbw, data, x);
}

void cpl_describe(const struct xfer *x, char *buf, size_t len)
{
	buf[0] = '\0';
	if (x->cbw_r != USBMSC_PIPE_OK) {
		cpl_append(buf, len, "CBW not taken (%s)", cpl_pipe_text(x->cbw_r));
		return;
	}
	if (x->host_len) {
		cpl_append(buf, len, "%s %zu bytes", x->dir == USBMSC_DIR_IN ? "in" : "out",
			   x->done);
		if (x->data_stalled)
			cpl_append(buf, len, ", stalled");
		else if (x->data_r != USBMSC_PIPE_OK)
			cpl_append(buf, len, ", %s", cpl_pipe_text(x->data_r));
		cpl_append(buf, len, "; ");
	}
	if (x->csw_in_data)
		cpl_append(buf, len, "CSW in the data stage; ");
	if (x->csw_stalled)
		cpl_append(buf, len, "stall; ");
	if (x->csw_zlp)
		cpl_append(buf, len, "zero-length packet; ");
	if (x->csw_r == NOT_REACHED) {
		cpl_append(buf, len, "no CSW read");
	} else if (x->csw_r != USBMSC_PIPE_OK) {
		cpl_append(buf, len, "no CSW (%s)", cpl_pipe_text(x->csw_r));
	} else if (x->chk != USBMSC_CSWCHK_OK) {
		cpl_append(buf, len, "invalid CSW (%s, %zu bytes", usbmsc_csw_check_text(x->chk),
			   x->csw_len);
		if (x->csw_len == USBMSC_CSW_LEN)
			cpl_append(buf, len, ", status %u, residue %u", x->csw.status,
				   x->csw.residue);
		cpl_append(buf, len, ")");
	} else {
		cpl_append(buf, len, "CSW status %u, residue %u", x->csw.status, x->csw.residue);
	}
}

