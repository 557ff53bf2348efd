/* The host side of the Bulk-Only Transport: one SCSI command as CBW, data
 * stage and CSW over a bulk pipe, with the error recovery the BOT spec
 * prescribes and the retries Linux usb-storage does (one CSW re-read after
 * a stall, one after a zero-length packet). The engine knows nothing about
 * what is behind the pipe: libusb, the simulator, a scripted fake. It
 * speaks the pipe's framing: the mass-storage interface's signatures and
 * class requests, or the vendor interface's (bot.h). */
#include "usbmsc/initiator.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Linux usb-storage's default per-command limit (240 sectors). */
#define BOT_DEFAULT_MAX_TRANSFER (240u * 512u)
/* The REQUEST SENSE allocation length Linux usb-storage uses: fixed-format
 * sense fits, and devices that cannot do case 5 still answer it. */
#define BOT_SENSE_ALLOC 18u

struct bot_transport {
	struct usbmsc_transport base;
	struct usbmsc_pipe *pipe;
	uint32_t tag;            /* tag of the last CBW sent */
};

/* What one BOT command came back with, before any sense handling. */
struct bot_xfer {
	uint32_t transferred;
	struct usbmsc_csw csw;
};

static struct bot_transport *to_bot(struct usbmsc_transport *t)
{
	return (struct bot_transport *)t;
}

static int pipe_category(int r)
{
	switch (r) {
	case USBMSC_PIPE_OK: return USBMSC_OK;
	case USBMSC_PIPE_TIMEOUT: return USBMSC_E_TIMEOUT;
	case USBMSC_PIPE_NO_DEVICE: return USBMSC_E_NO_DEVICE;
	default: return USBMSC_E_TRANSPORT;
	}
}

static const char *pipe_result_text(int r)
{
	switch (r) {
	case USBMSC_PIPE_OK: return "ok";
	case USBMSC_PIPE_STALL: return "stalled";
	case USBMSC_PIPE_TIMEOUT: return "timed out";
	case USBMSC_PIPE_NO_DEVICE: return "device gone";
	default: return "I/O error";
	}
}

/* The pipe's framing; an unknown value is taken as BOT's, so that a pipe
 * that never set it speaks plain mass storage. */
static enum usbmsc_framing framing_of(const struct usbmsc_pipe *pipe)
{
	return pipe->framing == USBMSC_FRAMING_VENDOR ? USBMSC_FRAMING_VENDOR : USBMSC_FRAMING_BOT;
}

/* ---- class requests and Reset Recovery -------------------------------- */

static int get_max_lun_raw(struct usbmsc_pipe *pipe, uint8_t *value, size_t *done,
			   unsigned timeout_ms)
{
	*value = 0;
	*done = 0;
	return pipe->ops->control(pipe, usbmsc_framing_request_type(framing_of(pipe), true),
				  USBMSC_REQ_GET_MAX_LUN, 0, pipe->interface, value, 1, done,
				  timeout_ms);
}

int usbmsc_bot_get_max_lun(struct usbmsc_pipe *pipe, uint8_t *max_lun, unsigned timeout_ms)
{
	uint8_t value;
	size_t done;
	int r = get_max_lun_raw(pipe, &value, &done, timeout_ms);

	*max_lun = 0;
	if (r == USBMSC_PIPE_STALL)
		return USBMSC_OK; /* single-LUN devices may stall it: LUN 0 only */
	if (r != USBMSC_PIPE_OK)
		return pipe_category(r);
	if (done != 1 || value > USBMSC_MAX_LUN)
		return USBMSC_E_TRANSPORT;
	*max_lun = value;
	return USBMSC_OK;
}

/* The three steps of Reset Recovery; on failure *step names the one that
 * failed. Returns a pipe result. */
static int reset_recovery_raw(struct usbmsc_pipe *pipe, unsigned timeout_ms, const char **step)
{
	size_t done = 0;
	int r;

	*step = "Mass Storage Reset";
	r = pipe->ops->control(pipe, usbmsc_framing_request_type(framing_of(pipe), false),
			       USBMSC_REQ_RESET, 0, pipe->interface, NULL, 0, &done, timeout_ms);
	if (r != USBMSC_PIPE_OK)
		return r;
	*step = "CLEAR_FEATURE(HALT) Bulk-In";
	r = pipe->ops->clear_halt(pipe, true, timeout_ms);
	if (r != USBMSC_PIPE_OK)
		return r;
	*step = "CLEAR_FEATURE(HALT) Bulk-Out";
	return pipe->ops->clear_halt(pipe, false, timeout_ms);
}

int usbmsc_bot_reset_recovery(struct usbmsc_pipe *pipe, unsigned timeout_ms)
{
	const char *step;

	return pipe_category(reset_recovery_raw(pipe, timeout_ms, &step));
}

/* ---- the engine -------------------------------------------------------- */

static unsigned effective_timeout(const struct usbmsc_transport *t, const struct usbmsc_cmd *cmd)
{
	if (cmd->timeout_ms)
		return cmd->timeout_ms;
	return t->timeout_ms ? t->timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS;
}

/* Reset Recovery after a failure described by fmt; returns category (or
 * USBMSC_E_NO_DEVICE when the device left during the recovery) with err
 * saying what went wrong and what was done about it. */
static int recover(struct bot_transport *bt, unsigned timeout_ms, int category,
		   struct usbmsc_error *err, const char *fmt, ...)
	USBMSC_PRINTF(5, 6);

static int recover(struct bot_transport *bt, unsigned timeout_ms, int category,
		   struct usbmsc_error *err, const char *fmt, ...)
{
	const struct usbmsc_trace *tr = &bt->base.trace;
	char what[160];
	const char *step;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);

	r = reset_recovery_raw(bt->pipe, timeout_ms, &step);
	if (r == USBMSC_PIPE_OK) {
		bt->base.recovered = true;
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0, "%s; Reset Recovery done", what);
		return usbmsc_fail(err, category, "%s; Reset Recovery done", what);
	}
	usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0, "%s; Reset Recovery failed: %s %s",
			  what, step, pipe_result_text(r));
	if (r == USBMSC_PIPE_NO_DEVICE)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE,
				   "%s; the device went away during Reset Recovery", what);
	return usbmsc_fail(err, category, "%s; Reset Recovery failed: %s %s", what, step,
			   pipe_result_text(r));
}

/* A pipe operation of one stage failed with r: map it to a category,
 * running Reset Recovery unless the device is gone. */
static int stage_failed(struct bot_transport *bt, int r, unsigned timeout_ms, const char *stage,
			struct usbmsc_error *err)
{
	switch (r) {
	case USBMSC_PIPE_NO_DEVICE:
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "device gone while %s", stage);
	case USBMSC_PIPE_TIMEOUT:
		return recover(bt, timeout_ms, USBMSC_E_TIMEOUT, err, "time-out while %s", stage);
	case USBMSC_PIPE_STALL:
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err, "stall while %s", stage);
	default:
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err, "I/O error while %s", stage);
	}
}

static int send_cbw(struct bot_transport *bt, const struct usbmsc_cmd *cmd, uint32_t tag,
		    unsigned timeout_ms, struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = &bt->base.trace;
	struct usbmsc_cbw cbw;
	uint8_t wire[USBMSC_CBW_LEN];
	size_t done = 0;
	int r;

	if (!usbmsc_cbw_fill(&cbw, tag, cmd->lun, cmd->dir, cmd->len, cmd->cdb, cmd->cdb_len))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "command does not fit a CBW (CDB length %u, LUN %u, %u bytes)",
				   cmd->cdb_len, cmd->lun, cmd->len);
	usbmsc_cbw_encode_framed(&cbw, framing_of(bt->pipe), wire);
	usbmsc_trace_emit(tr, USBMSC_TRACE_CDB, cmd->cdb, cmd->cdb_len, "CDB");
	usbmsc_trace_emit(tr, USBMSC_TRACE_CBW, wire, sizeof wire, "CBW tag %u, %u bytes %s, LUN %u",
			  tag, cmd->len,
			  cmd->len == 0 ? "none" : cmd->dir == USBMSC_DIR_IN ? "in" : "out",
			  cmd->lun);

	r = bt->pipe->ops->bulk(bt->pipe, false, wire, sizeof wire, &done, timeout_ms);
	if (r == USBMSC_PIPE_OK && done == sizeof wire)
		return USBMSC_OK;
	if (r == USBMSC_PIPE_OK)
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err,
			       "CBW: only %zu of %u bytes sent", done, USBMSC_CBW_LEN);
	if (r == USBMSC_PIPE_STALL)
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err, "CBW stalled");
	return stage_failed(bt, r, timeout_ms, "sending the CBW", err);
}

/* The data stage: a stall ends it (the halt is cleared and the CSW says
 * how it went); anything else that is not OK fails the command. */
static int data_stage(struct bot_transport *bt, const struct usbmsc_cmd *cmd,
		      unsigned timeout_ms, struct bot_xfer *x, struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = &bt->base.trace;
	bool in = cmd->dir == USBMSC_DIR_IN;
	const char *ep = in ? "Bulk-In" : "Bulk-Out";
	size_t done = 0;
	int r;

	if (cmd->len == 0)
		return USBMSC_OK;
	r = bt->pipe->ops->bulk(bt->pipe, in, cmd->data, cmd->len, &done, timeout_ms);
	if (done > cmd->len)
		done = cmd->len; /* a pipe must not report more than it was given */
	x->transferred = (uint32_t)done;
	usbmsc_trace_emit(tr, in ? USBMSC_TRACE_DATA_IN : USBMSC_TRACE_DATA_OUT, cmd->data, done,
			  "data %s %zu of %u bytes", in ? "in" : "out", done, cmd->len);
	if (r == USBMSC_PIPE_OK)
		return USBMSC_OK;
	if (r != USBMSC_PIPE_STALL)
		return stage_failed(bt, r, timeout_ms, "moving data", err);

	r = bt->pipe->ops->clear_halt(bt->pipe, in, timeout_ms);
	if (r != USBMSC_PIPE_OK)
		return stage_failed(bt, r, timeout_ms,
				    in ? "clearing the Bulk-In halt" : "clearing the Bulk-Out halt",
				    err);
	usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
			  "data stage stalled after %zu bytes; cleared %s halt", done, ep);
	return USBMSC_OK;
}

/* Read the CSW, retrying once after a stall and once after a zero-length
 * packet, then validate it. */
static int read_csw(struct bot_transport *bt, const struct usbmsc_cmd *cmd, uint32_t tag,
		    unsigned timeout_ms, struct bot_xfer *x, struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = &bt->base.trace;
	uint8_t raw[USBMSC_CSW_LEN];
	bool stall_retried = false, zlp_retried = false;
	enum usbmsc_csw_check chk;
	size_t done;
	int r;

	for (;;) {
		done = 0;
		r = bt->pipe->ops->bulk(bt->pipe, true, raw, sizeof raw, &done, timeout_ms);
		if (r == USBMSC_PIPE_STALL && !stall_retried) {
			stall_retried = true;
			r = bt->pipe->ops->clear_halt(bt->pipe, true, timeout_ms);
			if (r != USBMSC_PIPE_OK)
				return stage_failed(bt, r, timeout_ms,
						    "clearing the Bulk-In halt before the CSW", err);
			usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
					  "CSW read stalled; cleared Bulk-In halt, retrying");
			continue;
		}
		if (r == USBMSC_PIPE_OK && done == 0 && !zlp_retried) {
			zlp_retried = true;
			usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
					  "zero-length packet instead of the CSW; reading again");
			continue;
		}
		break;
	}
	if (r != USBMSC_PIPE_OK)
		return stage_failed(bt, r, timeout_ms, "reading the CSW", err);
	if (done > sizeof raw)
		done = sizeof raw;

	memset(&x->csw, 0, sizeof x->csw);
	chk = usbmsc_csw_decode_framed(raw, done, framing_of(bt->pipe), tag, cmd->len, &x->csw);
	usbmsc_trace_emit(tr, USBMSC_TRACE_CSW, raw, done, "CSW tag %u, status %u, residue %u",
			  x->csw.tag, x->csw.status, x->csw.residue);
	switch (chk) {
	case USBMSC_CSWCHK_OK:
		return USBMSC_OK;
	case USBMSC_CSWCHK_LENGTH:
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err,
			       "invalid CSW (%s: %zu bytes)", usbmsc_csw_check_text(chk), done);
	case USBMSC_CSWCHK_TAG:
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err,
			       "invalid CSW (%s: 0x%08x, expected 0x%08x)",
			       usbmsc_csw_check_text(chk), x->csw.tag, tag);
	case USBMSC_CSWCHK_RESIDUE:
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err,
			       "invalid CSW (%s: %u for a %u-byte transfer)",
			       usbmsc_csw_check_text(chk), x->csw.residue, cmd->len);
	default:
		return recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err, "invalid CSW (%s)",
			       usbmsc_csw_check_text(chk));
	}
}

/* One command through the three stages. Returns 0 with x->csw valid
 * (a phase error has had its Reset Recovery), or a category. */
static int bot_command(struct bot_transport *bt, const struct usbmsc_cmd *cmd,
		       unsigned timeout_ms, struct bot_xfer *x, struct usbmsc_error *err)
{
	uint32_t tag = ++bt->tag;
	int r;

	memset(x, 0, sizeof *x);
	r = send_cbw(bt, cmd, tag, timeout_ms, err);
	if (r == USBMSC_OK)
		r = data_stage(bt, cmd, timeout_ms, x, err);
	if (r == USBMSC_OK)
		r = read_csw(bt, cmd, tag, timeout_ms, x, err);
	if (r != USBMSC_OK)
		return r;
	if (x->csw.status == USBMSC_CSW_PHASE_ERROR) {
		/* A phase error leaves the device's state unknown: the spec's
		 * answer is Reset Recovery. The verdict stands either way. */
		r = recover(bt, timeout_ms, USBMSC_E_TRANSPORT, err, "phase error (CSW status 2)");
		if (r == USBMSC_E_NO_DEVICE)
			return r;
	}
	return USBMSC_OK;
}

/* BOT has no autosense: fetch the sense of a failed command with a
 * REQUEST SENSE of its own. When that fails too, the result keeps CHECK
 * CONDITION with empty sense. */
static int fetch_sense(struct bot_transport *bt, uint8_t lun, unsigned timeout_ms,
		       struct usbmsc_result *res, struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = &bt->base.trace;
	uint8_t cdb[16];
	struct usbmsc_cmd rs = {
		.cdb = cdb, .lun = lun, .dir = USBMSC_DIR_IN, .data = res->sense,
		.len = BOT_SENSE_ALLOC, .timeout_ms = timeout_ms,
	};
	struct usbmsc_error rs_err = {0};
	struct bot_xfer x;
	int r;

	rs.cdb_len = (uint8_t)usbmsc_cdb_request_sense(cdb, BOT_SENSE_ALLOC, false);
	r = bot_command(bt, &rs, timeout_ms, &x, &rs_err);
	/* The original command has its verdict; a recovery done on behalf of
	 * REQUEST SENSE is no reason to run it again. */
	bt->base.recovered = false;
	if (r == USBMSC_E_NO_DEVICE) {
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, r, "CHECK CONDITION, then %s", rs_err.msg);
	}
	if (r != USBMSC_OK || x.csw.status != USBMSC_CSW_PASSED || x.transferred == 0) {
		res->sense_len = 0;
		memset(res->sense, 0, sizeof res->sense);
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "REQUEST SENSE failed (%s); no sense data",
				  r != USBMSC_OK ? rs_err.msg
				  : x.csw.status != USBMSC_CSW_PASSED ? "status not good"
				  : "no data");
		return USBMSC_OK;
	}
	res->sense_len = (uint8_t)x.transferred;
	usbmsc_trace_emit(tr, USBMSC_TRACE_SENSE, res->sense, res->sense_len, "sense %u bytes",
			  res->sense_len);
	return USBMSC_OK;
}

static int bot_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		    struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct bot_transport *bt = to_bot(t);
	unsigned timeout_ms = effective_timeout(t, cmd);
	struct bot_xfer x;
	int r;

	memset(res, 0, sizeof *res);
	t->recovered = false;
	r = bot_command(bt, cmd, timeout_ms, &x, err);
	res->transferred = x.transferred;
	if (r != USBMSC_OK) {
		res->outcome = r == USBMSC_E_TIMEOUT ? USBMSC_OUTCOME_TIMEOUT
						     : USBMSC_OUTCOME_TRANSPORT_ERROR;
		return r;
	}
	res->residue = x.csw.residue;
	switch (x.csw.status) {
	case USBMSC_CSW_PASSED:
		res->outcome = USBMSC_OUTCOME_GOOD;
		res->scsi_status = USBMSC_SCSI_GOOD;
		return USBMSC_OK;
	case USBMSC_CSW_PHASE_ERROR:
		res->outcome = USBMSC_OUTCOME_PHASE_ERROR;
		return USBMSC_OK;
	default:
		res->outcome = USBMSC_OUTCOME_CHECK_CONDITION;
		res->scsi_status = USBMSC_SCSI_CHECK_CONDITION;
		return fetch_sense(bt, cmd->lun, timeout_ms, res, err);
	}
}

static int bot_reset(struct usbmsc_transport *t, struct usbmsc_error *err)
{
	struct bot_transport *bt = to_bot(t);
	unsigned timeout_ms = t->timeout_ms ? t->timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS;
	const char *step;
	int r = reset_recovery_raw(bt->pipe, timeout_ms, &step);

	if (r == USBMSC_PIPE_OK) {
		usbmsc_trace_emit(&t->trace, USBMSC_TRACE_NOTE, NULL, 0, "Reset Recovery done");
		return USBMSC_OK;
	}
	return usbmsc_fail(err, pipe_category(r), "Reset Recovery failed: %s %s", step,
			   pipe_result_text(r));
}

static int bot_max_lun(struct usbmsc_transport *t, uint8_t *max_lun, struct usbmsc_error *err)
{
	struct bot_transport *bt = to_bot(t);
	unsigned timeout_ms = t->timeout_ms ? t->timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS;
	uint8_t value;
	size_t done;
	int r = get_max_lun_raw(bt->pipe, &value, &done, timeout_ms);

	*max_lun = 0;
	if (r == USBMSC_PIPE_STALL) {
		usbmsc_trace_emit(&t->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "Get Max LUN stalled: the device has LUN 0 only");
		return USBMSC_OK;
	}
	if (r != USBMSC_PIPE_OK)
		return usbmsc_fail(err, pipe_category(r), "Get Max LUN %s", pipe_result_text(r));
	if (done != 1)
		return usbmsc_fail(err, USBMSC_E_TRANSPORT, "Get Max LUN returned %zu bytes, not 1",
				   done);
	if (value > USBMSC_MAX_LUN)
		return usbmsc_fail(err, USBMSC_E_TRANSPORT,
				   "Get Max LUN returned %u (the limit is %u)", value, USBMSC_MAX_LUN);
	*max_lun = value;
	return USBMSC_OK;
}

static void bot_close(struct usbmsc_transport *t)
{
	struct bot_transport *bt = to_bot(t);

	if (!bt)
		return;
	if (bt->pipe && bt->pipe->ops->close)
		bt->pipe->ops->close(bt->pipe);
	free(bt);
}

static struct usbmsc_pipe *bot_pipe(struct usbmsc_transport *t)
{
	return to_bot(t)->pipe;
}

static const struct usbmsc_transport_ops bot_ops = {
	.name = "bot",
	.exec = bot_exec,
	.reset = bot_reset,
	.max_lun = bot_max_lun,
	.close = bot_close,
	.pipe = bot_pipe,
};

int usbmsc_bot_transport_open(struct usbmsc_pipe *pipe, uint32_t max_transfer,
			      struct usbmsc_transport **out, struct usbmsc_error *err)
{
	struct bot_transport *bt;

	if (out)
		*out = NULL;
	if (!pipe || !out) {
		if (pipe && pipe->ops->close)
			pipe->ops->close(pipe);
		return usbmsc_fail(err, USBMSC_E_USAGE, "BOT transport needs a pipe and a result");
	}
	bt = calloc(1, sizeof *bt);
	if (!bt) {
		if (pipe->ops->close)
			pipe->ops->close(pipe);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	bt->base.ops = &bot_ops;
	bt->base.max_transfer = max_transfer ? max_transfer : BOT_DEFAULT_MAX_TRANSFER;
	bt->base.timeout_ms = USBMSC_DEFAULT_TIMEOUT_MS;
	bt->pipe = pipe;
	*out = &bt->base;
	return USBMSC_OK;
}
