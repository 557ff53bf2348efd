/* Bulk-Only Transport compliance checks over any device's bulk pipe
 * (usbmsc/compliance.h). Everything here is raw BOT: CBWs built by hand,
 * data stages and CSWs read and judged one by one, so that the device's
 * answer to each mismatch is seen as it is, not as the host engine's
 * recovery would make it look.
 *
 * Layout: the pipe with "device gone" tracking, one raw command, recovery,
 * block I/O, the scratch area and its model, the report, the checks, the
 * run. */
#include "usbmsc/compliance.h"

#include "usbmsc/byteorder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CSW_BUF 512u               /* a CSW read takes a whole packet: more is reported, not an overflow */
#define IO_CHUNK (64u * 1024u)     /* block I/O per command when saving, filling, restoring */
#define BIG_LEN (64u * 1024u)      /* READ(12)/WRITE(12) */
#define SENSE_LEN 18u
#define SETTLE_TRIES 8
#define NOT_READY_WAITS 40         /* x NOT_READY_WAIT_MS: a device becoming ready */
#define NOT_READY_WAIT_MS 250
#define EXPECT_STALL_MS 2000u      /* reads that must stall: a NAK this long is already a failure */
#define MIN_BLOCK 512u
#define MAX_BLOCK (64u * 1024u)
#define FIRST_TAG 0x55430000u
#define NOT_REACHED (-1)           /* a stage the command never got to */

/* bmRequestType / bRequest values on ep0. */
#define RT_CLASS_OUT 0x21u
#define RT_CLASS_IN 0xA1u
#define RT_EP_IN 0x82u
#define REQ_GET_STATUS 0x00u

/* Where each check works, in blocks from the start of the scratch area;
 * the blocks either side of each range are its guards. */
enum {
	AT_CASE3 = 2,
	AT_CASE8 = 5,
	AT_CASE11 = 8,
	AT_CASE12 = 11,
	AT_CASE13 = 14,    /* two blocks */
	AT_READ = 20,      /* cases 2, 6, 7, 10 read here */
	AT_BIG = 32,       /* READ(12)/WRITE(12), 64 KiB */
};

/* Salts of the patterns written, so that no two writes look alike. */
enum { SALT_FILL = 0, SALT_CASE3 = 3, SALT_CASE8 = 8, SALT_CASE9 = 9, SALT_CASE10 = 10,
       SALT_CASE11 = 11, SALT_CASE12 = 12, SALT_CASE13 = 13, SALT_BIG = 64 };

struct suite {
	struct usbmsc_pipe *p;
	const struct usbmsc_compliance_opts *o;
	struct usbmsc_compliance_report *rep;
	size_t cap;                /* room in rep->checks */
	unsigned tmo;
	uint32_t tag;
	uint8_t lun;
	uint32_t bs;
	uint64_t scratch;          /* first LBA of the scratch area */
	uint32_t nscratch;
	uint8_t *saved;            /* the scratch area as found */
	uint8_t *model;            /* what the scratch area must hold now */
	uint8_t *buf;              /* work: received data, BIG_LEN + 2 blocks */
	uint8_t *out;              /* work: data to send, BIG_LEN + 2 blocks */
	bool gone;                 /* the device went away */
	bool oom;
	bool dirty;                /* the scratch area has been written to */
	bool port_reset_used;      /* since the last row: Reset Recovery was not enough */
	bool checking;             /* the rows that use the LUN have begun */
};

/* What one raw command did, stage by stage. */
struct xfer {
	enum usbmsc_dir dir;
	uint32_t host_len;
	uint32_t tag;
	int cbw_r;                 /* pipe result of the CBW */
	int data_r;                /* of the data stage (OK also when there is none) */
	size_t done;               /* data bytes moved */
	bool data_stalled;         /* the data stage ended in a stall (the halt was cleared) */
	bool csw_stalled;          /* the first CSW read stalled (cleared, read again) */
	bool csw_zlp;              /* a zero-length packet came where the CSW was due */
	bool csw_in_data;          /* the CSW came as the data stage */
	int csw_r;                 /* pipe result of the last CSW read */
	size_t csw_len;
	enum usbmsc_csw_check chk;
	struct usbmsc_csw csw;
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static const char *pipe_text(int r)
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

const char *usbmsc_verdict_name(enum usbmsc_verdict verdict)
{
	return verdict == USBMSC_VERDICT_PASS ? "pass" : "fail";
}

/* Append to a NUL-terminated string, cutting what does not fit. */
static void append(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- the pipe, watching for a device that leaves -------------------------- */

static int watch(struct suite *s, int r)
{
	if (r == USBMSC_PIPE_NO_DEVICE)
		s->gone = true;
	return r;
}

static int p_bulk(struct suite *s, bool in, uint8_t *buf, size_t len, size_t *done,
		  unsigned tmo)
{
	*done = 0;
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, s->p->ops->bulk(s->p, in, buf, len, done, tmo));
}

static int p_clear(struct suite *s, bool in)
{
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, s->p->ops->clear_halt(s->p, in, s->tmo));
}

static int p_control(struct suite *s, uint8_t rt, uint8_t req, uint16_t value, uint8_t *data,
		     uint16_t len, size_t *done)
{
	*done = 0;
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, s->p->ops->control(s->p, rt, req, value, s->p->interface, data, len, done,
					   s->tmo));
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

static int p_halted(struct suite *s, bool in, bool *halted)
{
	*halted = false;
	if (s->gone)
		return USBMSC_PIPE_NO_DEVICE;
	return watch(s, usbmsc_pipe_get_halt(s->p, in, halted, s->tmo));
}

/* "halted", "not halted", or why GET_STATUS did not say. */
static const char *halt_text(int r, bool halted)
{
	if (r != USBMSC_PIPE_OK)
		return r == USBMSC_PIPE_STALL ? "GET_STATUS stalled" : pipe_text(r);
	return halted ? "halted" : "not halted";
}

static bool reset_recovery(struct suite *s)
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

static void make_cbw(struct suite *s, struct usbmsc_cbw *cbw, enum usbmsc_dir dir, uint32_t len,
		     const uint8_t *cdb, size_t cdb_len)
{
	/* The arguments are the suite's own and always fit. */
	(void)usbmsc_cbw_fill(cbw, ++s->tag, s->lun, dir, len, cdb, (uint8_t)cdb_len);
}

static bool xfer_valid(const struct xfer *x)
{
	return x->cbw_r == USBMSC_PIPE_OK &&
	       (x->data_r == USBMSC_PIPE_OK || x->data_r == USBMSC_PIPE_STALL) &&
	       x->csw_r == USBMSC_PIPE_OK && x->chk == USBMSC_CSWCHK_OK;
}

/* Bulk-In halted during the data stage or where the CSW was due. */
static bool in_stalled(const struct xfer *x)
{
	return (x->dir == USBMSC_DIR_IN && x->data_stalled) || x->csw_stalled;
}

static bool out_stalled(const struct xfer *x)
{
	return x->dir == USBMSC_DIR_OUT && x->data_stalled;
}

static bool status_is(const struct xfer *x, uint8_t status)
{
	return xfer_valid(x) && x->csw.status == status;
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
	r = p_bulk(s, in, data, x->host_len, &x->done, s->tmo);
	if (x->done > x->host_len)
		x->done = x->host_len; /* a pipe must not report more than it was given */
	x->data_r = r;
	usbmsc_trace_emit(&s->o->trace, in ? USBMSC_TRACE_DATA_IN : USBMSC_TRACE_DATA_OUT, data,
			  x->done, "data %s %zu of %u bytes: %s", in ? "in" : "out", x->done,
			  x->host_len, pipe_text(r));
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
	r = p_clear(s, in);
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
		r = p_bulk(s, true, raw, sizeof raw, &n, s->tmo);
		if (r == USBMSC_PIPE_STALL && !x->csw_stalled) {
			x->csw_stalled = true;
			r = p_clear(s, true);
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

static void raw_exec(struct suite *s, const struct usbmsc_cbw *cbw, uint8_t *data, struct xfer *x)
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
	x->cbw_r = p_bulk(s, false, wire, sizeof wire, &n, s->tmo);
	if (x->cbw_r == USBMSC_PIPE_OK && n != sizeof wire)
		x->cbw_r = USBMSC_PIPE_ERROR;
	if (x->cbw_r != USBMSC_PIPE_OK)
		return;
	data_stage(s, x, data);
	if (x->csw_in_data || (x->data_r != USBMSC_PIPE_OK && x->data_r != USBMSC_PIPE_STALL))
		return;
	read_csw(s, x);
}

static void run_cmd(struct suite *s, enum usbmsc_dir dir, uint32_t len, const uint8_t *cdb,
		    size_t cdb_len, uint8_t *data, struct xfer *x)
{
	struct usbmsc_cbw cbw;

	make_cbw(s, &cbw, dir, len, cdb, cdb_len);
	raw_exec(s, &cbw, data, x);
}

/* What the exchange looked like: "in 36 bytes; stall; CSW status 0, residue 476". */
static void describe(const struct xfer *x, char *buf, size_t len)
{
	buf[0] = '\0';
	if (x->cbw_r != USBMSC_PIPE_OK) {
		append(buf, len, "CBW not taken (%s)", pipe_text(x->cbw_r));
		return;
	}
	if (x->host_len) {
		append(buf, len, "%s %zu bytes", x->dir == USBMSC_DIR_IN ? "in" : "out", x->done);
		if (x->data_stalled)
			append(buf, len, ", stalled");
		else if (x->data_r != USBMSC_PIPE_OK)
			append(buf, len, ", %s", pipe_text(x->data_r));
		append(buf, len, "; ");
	}
	if (x->csw_in_data)
		append(buf, len, "CSW in the data stage; ");
	if (x->csw_stalled)
		append(buf, len, "stall; ");
	if (x->csw_zlp)
		append(buf, len, "zero-length packet; ");
	if (x->csw_r == NOT_REACHED) {
		append(buf, len, "no CSW read");
	} else if (x->csw_r != USBMSC_PIPE_OK) {
		append(buf, len, "no CSW (%s)", pipe_text(x->csw_r));
	} else if (x->chk != USBMSC_CSWCHK_OK) {
		append(buf, len, "invalid CSW (%s, %zu bytes", usbmsc_csw_check_text(x->chk),
		       x->csw_len);
		if (x->csw_len == USBMSC_CSW_LEN)
			append(buf, len, ", status %u, residue %u", x->csw.status, x->csw.residue);
		append(buf, len, ")");
	} else {
		append(buf, len, "CSW status %u, residue %u", x->csw.status, x->csw.residue);
	}
}

/* ---- recovery and readiness ---------------------------------------------------- */

static bool request_sense(struct suite *s, struct usbmsc_sense *sense)
{
	uint8_t cdb[16], data[SENSE_LEN];
	size_t n = usbmsc_cdb_request_sense(cdb, SENSE_LEN, false);
	struct xfer x;

	memset(data, 0, sizeof data);
	run_cmd(s, USBMSC_DIR_IN, SENSE_LEN, cdb, n, data, &x);
	if (!status_is(&x, USBMSC_CSW_PASSED)) {
		if (!xfer_valid(&x) || x.csw.status == USBMSC_CSW_PHASE_ERROR)
			reset_recovery(s);
		return false;
	}
	return usbmsc_sense_decode(data, x.done, sense);
}

static bool settle(struct suite *s);

/* After a command that left the device in doubt (no valid CSW, or phase
 * error): Reset Recovery, as the spec tells a host to do, and the device
 * must then take commands again (settle() escalates to a port reset). */
static void after(struct suite *s, const struct xfer *x)
{
	if (xfer_valid(x) && x->csw.status != USBMSC_CSW_PHASE_ERROR)
		return;
	reset_recovery(s);
	settle(s);
}

enum settled { SETTLED_READY, SETTLED_NOT_READY, SETTLED_STUCK };

/* TEST UNIT READY until it passes, fetching the sense of each failure
 * (BOT has no autosense); a device becoming ready gets a few seconds.
 * STUCK after two exchanges without a valid CSW (each followed by Reset
 * Recovery). */
static enum settled settle_once(struct suite *s)
{
	int waits = 0, bad = 0;

	for (int i = 0; i < SETTLE_TRIES && !s->gone; i++) {
		uint8_t cdb[16];
		size_t n = usbmsc_cdb_test_unit_ready(cdb);
		struct usbmsc_sense sense;
		struct xfer x;

		run_cmd(s, USBMSC_DIR_NONE, 0, cdb, n, NULL, &x);
		if (status_is(&x, USBMSC_CSW_PASSED))
			return SETTLED_READY;
		if (!status_is(&x, USBMSC_CSW_FAILED)) {
			reset_recovery(s);
			if (++bad == 2)
				return SETTLED_STUCK;
			continue;
		}
		memset(&sense, 0, sizeof sense);
		if (!request_sense(s, &sense))
			continue;
		if (sense.key == USBMSC_SK_NOT_READY && sense.asc == 0x04 && sense.ascq == 0x01 &&
		    waits++ < NOT_READY_WAITS) {
			sleep_ms(NOT_READY_WAIT_MS);
			i--; /* becoming ready: wait, it is not a failed try */
		}
	}
	return s->gone ? SETTLED_STUCK : SETTLED_NOT_READY;
}

/* settle_once(), and when Reset Recovery did not bring the device back to
 * taking commands, a USB port reset (what Linux usb-storage tries first)
 * and once more. The row in progress is then marked: the spec's Reset
 * Recovery alone must suffice. */
static bool settle(struct suite *s)
{
	enum settled st = settle_once(s);
	int r;

	if (st != SETTLED_STUCK || s->gone || !s->p->ops->port_reset)
		return st == SETTLED_READY;
	r = watch(s, s->p->ops->port_reset(s->p));
	s->port_reset_used = true;
	s->rep->port_resets++;
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_NOTE, NULL, 0,
			  "compliance: Reset Recovery did not bring the device back; port reset %s",
			  pipe_text(r));
	return r == USBMSC_PIPE_OK && settle_once(s) == SETTLED_READY;
}

/* The category of a command that did not pass, and its description. */
static int cmd_failure(struct suite *s, const struct xfer *x, char *why, size_t len)
{
	struct usbmsc_sense sense;
	char text[96];

	describe(x, why, len);
	if (s->gone)
		return USBMSC_E_NO_DEVICE;
	if (!status_is(x, USBMSC_CSW_FAILED)) {
		after(s, x);
		return x->csw_r == USBMSC_PIPE_TIMEOUT || x->data_r == USBMSC_PIPE_TIMEOUT ||
		       x->cbw_r == USBMSC_PIPE_TIMEOUT ? USBMSC_E_TIMEOUT : USBMSC_E_TRANSPORT;
	}
	memset(&sense, 0, sizeof sense);
	if (!request_sense(s, &sense))
		return USBMSC_E_OTHER;
	usbmsc_sense_describe(&sense, text, sizeof text);
	append(why, len, " (%s)", text);
	return usbmsc_status_from_sense_key(sense.key);
}

/* ---- block I/O for saving, filling and restoring ---------------------------- */

/* One READ or WRITE that must pass cleanly; after a unit attention (a
 * reset the suite did) it is sent once more. */
static int block_cmd(struct suite *s, bool write, uint64_t lba, uint32_t count, uint8_t *data,
		     char *why, size_t len)
{
	uint32_t bytes = count * s->bs;
	int st = USBMSC_E_OTHER;

	for (int attempt = 0; attempt < 2 && !s->gone; attempt++) {
		uint8_t cdb[16];
		size_t n = write ? usbmsc_cdb_write(cdb, lba, count) : usbmsc_cdb_read(cdb, lba, count);
		struct xfer x;
		char what[USBMSC_CHECK_TEXT_MAX];

		run_cmd(s, write ? USBMSC_DIR_OUT : USBMSC_DIR_IN, bytes, cdb, n, data, &x);
		if (status_is(&x, USBMSC_CSW_PASSED) && x.done == bytes && x.csw.residue == 0) {
			s->dirty = s->dirty || write;
			return USBMSC_OK;
		}
		st = cmd_failure(s, &x, what, sizeof what);
		/* a refused write (write-protected) changed nothing; others may have */
		s->dirty = s->dirty || (write && st != USBMSC_E_DATA_PROTECT);
		why[0] = '\0';
		append(why, len, "%s of %u blocks at LBA %llu: %s", write ? "WRITE" : "READ", count,
		       (unsigned long long)lba, what);
		if (st != USBMSC_E_UNIT_ATTENTION && st != USBMSC_E_TRANSPORT)
			break;
		settle(s);
	}
	return s->gone ? USBMSC_E_NO_DEVICE : st;
}

static int block_io(struct suite *s, bool write, uint64_t lba, uint32_t count, uint8_t *data,
		    char *why, size_t len)
{
	uint32_t per = IO_CHUNK / s->bs;

	if (per == 0)
		per = 1;
	for (uint32_t at = 0; at < count;) {
		uint32_t k = min_u32(per, count - at);
		int st = block_cmd(s, write, lba + at, k, data + (size_t)at * s->bs, why, len);

		if (st != USBMSC_OK)
			return st;
		at += k;
	}
	return USBMSC_OK;
}

/* ---- the scratch area and what it must hold ---------------------------------- */

/* A block's pattern: differs per LBA, per byte and per salt, never all one value. */
static void pattern(uint8_t *buf, uint32_t bs, uint64_t lba, uint8_t salt)
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
static void pattern_run(struct suite *s, uint8_t *buf, uint32_t rel, uint32_t count, uint8_t salt)
{
	for (uint32_t i = 0; i < count; i++)
		pattern(buf + (size_t)i * s->bs, s->bs, s->scratch + rel + i, salt);
}

static uint8_t *model_at(struct suite *s, uint32_t rel)
{
	return s->model + (size_t)rel * s->bs;
}

/* Scratch blocks [rel, rel + count) hold what the model says: 1 yes, 0 no
 * (why names the first block that differs), -1 unreadable (why says why). */
static int verify(struct suite *s, uint32_t rel, uint32_t count, char *why, size_t len)
{
	char what[USBMSC_CHECK_TEXT_MAX];

	settle(s);
	if (block_io(s, false, s->scratch + rel, count, s->buf, what, sizeof what) != USBMSC_OK) {
		why[0] = '\0';
		append(why, len, "could not read back: %s", what);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (memcmp(s->buf + (size_t)i * s->bs, model_at(s, rel + i), s->bs) != 0) {
			snprintf(why, len, "block %llu changed",
				 (unsigned long long)(s->scratch + rel + i));
			return 0;
		}
	}
	return 1;
}

/* After a command that may or may not have written block rel with data:
 * the model takes whichever the device holds; false if it holds neither. */
static bool adopt_either(struct suite *s, uint32_t rel, const uint8_t *data, char *why, size_t len)
{
	char what[USBMSC_CHECK_TEXT_MAX];

	settle(s);
	if (block_io(s, false, s->scratch + rel, 1, s->buf, what, sizeof what) != USBMSC_OK) {
		why[0] = '\0';
		append(why, len, "could not read back: %s", what);
		return false;
	}
	if (memcmp(s->buf, data, s->bs) == 0) {
		memcpy(model_at(s, rel), data, s->bs);
		return true;
	}
	if (memcmp(s->buf, model_at(s, rel), s->bs) == 0)
		return true;
	snprintf(why, len, "block %llu holds neither its old data nor the data sent",
		 (unsigned long long)(s->scratch + rel));
	return false;
}

/* ---- the report ------------------------------------------------------------------ */

static void record(struct suite *s, const char *name, bool pass, const char *choice,
		   const char *expected, const char *seen)
{
	struct usbmsc_compliance_report *rep = s->rep;
	struct usbmsc_check *c;

	/* Every row leaves a device that takes commands (or says why not). */
	if (s->checking && !s->gone)
		settle(s);
	if (rep->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct usbmsc_check *grown = realloc(rep->checks, cap * sizeof *grown);
		if (!grown) {
			s->oom = true;
			return;
		}
		rep->checks = grown;
		s->cap = cap;
	}
	c = &rep->checks[rep->count++];
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->expected, sizeof c->expected, "%s", expected);
	snprintf(c->seen, sizeof c->seen, "%s", seen);
	if (s->port_reset_used) {
		/* the device needed more than the spec's recovery */
		append(c->seen, sizeof c->seen, "; only a port reset brought it back");
		s->port_reset_used = false;
		pass = false;
	}
	snprintf(c->choice, sizeof c->choice, "%s", choice ? choice : "");
	c->verdict = pass ? USBMSC_VERDICT_PASS : USBMSC_VERDICT_FAIL;
	if (pass)
		rep->passed++;
	else
		rep->failed++;
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_NOTE, NULL, 0, "compliance: %s: %s (%s)", name,
			  pass ? "pass" : "FAIL", seen);
}

/* Which of "status 1 or 2" the device chose; NULL for anything else. */
static const char *status_choice(const struct xfer *x)
{
	if (!xfer_valid(x))
		return NULL;
	if (x->csw.status == USBMSC_CSW_PHASE_ERROR)
		return "status-2";
	return x->csw.status == USBMSC_CSW_FAILED ? "status-1" : NULL;
}

/* ---- class requests --------------------------------------------------------------- */

static void check_get_max_lun(struct suite *s)
{
	const char *expected = "1 byte, 0..15, or a stall (LUN 0 only)";
	char seen[USBMSC_CHECK_TEXT_MAX];
	uint8_t value = 0xEE;
	size_t n;
	int r = p_control(s, RT_CLASS_IN, USBMSC_REQ_GET_MAX_LUN, 0, &value, 1, &n);

	s->rep->max_lun = 0;
	if (r == USBMSC_PIPE_STALL) {
		s->rep->max_lun_stalled = true;
		record(s, "get-max-lun", true, "stall", expected, "stalled (LUN 0 only)");
		return;
	}
	if (r == USBMSC_PIPE_OK && n == 1 && value <= USBMSC_MAX_LUN) {
		s->rep->max_lun = value;
		snprintf(seen, sizeof seen, "%u", value);
		record(s, "get-max-lun", true, "answer", expected, seen);
		return;
	}
	if (r == USBMSC_PIPE_OK && n == 1)
		snprintf(seen, sizeof seen, "%u", value);
	else if (r == USBMSC_PIPE_OK)
		snprintf(seen, sizeof seen, "%zu bytes", n);
	else
		snprintf(seen, sizeof seen, "%s", pipe_text(r));
	record(s, "get-max-lun", false, NULL, expected, seen);
}

/* A malformed class request must be stalled. */
static void check_bad_request(struct suite *s, const char *name, uint8_t rt, uint8_t req,
			      uint16_t value, uint16_t len, const char *expected)
{
	char seen[USBMSC_CHECK_TEXT_MAX];
	uint8_t data[2] = { 0, 0 };
	size_t n;
	int r = p_control(s, rt, req, value, data, len, &n);

	if (r == USBMSC_PIPE_STALL)
		snprintf(seen, sizeof seen, "stalled");
	else if (r == USBMSC_PIPE_OK && (rt & 0x80u))
		snprintf(seen, sizeof seen, "answered with %zu byte%s", n, n == 1 ? "" : "s");
	else if (r == USBMSC_PIPE_OK)
		snprintf(seen, sizeof seen, "accepted");
	else
		snprintf(seen, sizeof seen, "%s", pipe_text(r));
	record(s, name, r == USBMSC_PIPE_STALL, NULL, expected, seen);
}

static void check_class_requests(struct suite *s)
{
	check_get_max_lun(s);
	check_bad_request(s, "class-request/get-max-lun-wvalue-1", RT_CLASS_IN,
			  USBMSC_REQ_GET_MAX_LUN, 1, 1, "Get Max LUN, wValue 1: stall");
	check_bad_request(s, "class-request/get-max-lun-wlength-2", RT_CLASS_IN,
			  USBMSC_REQ_GET_MAX_LUN, 0, 2, "Get Max LUN, wLength 2: stall");
	check_bad_request(s, "class-request/reset-wvalue-1", RT_CLASS_OUT, USBMSC_REQ_RESET, 1, 0,
			  "Mass Storage Reset, wValue 1: stall");
	check_bad_request(s, "class-request/reset-wlength-1", RT_CLASS_OUT, USBMSC_REQ_RESET, 0, 1,
			  "Mass Storage Reset, wLength 1: stall");
}

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

	settle(s);
	make_cbw(s, &cbw, USBMSC_DIR_IN, sizeof data, cdb, n);
	memset(cbw.cb + n, fill, sizeof cbw.cb - n);
	raw_exec(s, &cbw, data, &x);
	pass = status_is(&x, USBMSC_CSW_PASSED) && x.done == sizeof data && x.csw.residue == 0 &&
	       !in_stalled(&x);
	describe(&x, seen, sizeof seen);
	after(s, &x);
	snprintf(name, sizeof name, "cb-past-length/%02x", fill);
	record(s, name, pass, NULL, expected, seen);
}

/* ---- the thirteen cases ------------------------------------------------------------- */

static size_t tur_cdb(uint8_t cdb[16])
{
	return usbmsc_cdb_test_unit_ready(cdb);
}

static size_t rw10_cdb(struct suite *s, uint8_t cdb[16], bool write, uint32_t rel, uint32_t count)
{
	return write ? usbmsc_cdb_write10(cdb, s->scratch + rel, count)
		     : usbmsc_cdb_read10(cdb, s->scratch + rel, count);
}

/* Guards and target of a write case: blocks [rel, rel + count), and the
 * block at also (0: none), hold what the model says. Appends the finding
 * to seen, returns whether they do. */
static bool guards_hold(struct suite *s, uint32_t rel, uint32_t count, uint32_t also, char *seen,
			size_t len)
{
	char why[USBMSC_CHECK_TEXT_MAX];

	if (s->gone)
		return false;
	if (verify(s, rel, count, why, sizeof why) == 1 &&
	    (also == 0 || verify(s, also, 1, why, sizeof why) == 1)) {
		append(seen, len, "; blocks around unchanged");
		return true;
	}
	append(seen, len, "; %s", why);
	return false;
}

static void case1(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = tur_cdb(cdb);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	settle(s);
	run_cmd(s, USBMSC_DIR_NONE, 0, cdb, n, NULL, &x);
	pass = xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == 0 &&
	       !in_stalled(&x);
	describe(&x, seen, sizeof seen);
	after(s, &x);
	record(s, "case-01-hn-dn", pass, NULL,
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

	settle(s);
	run_cmd(s, USBMSC_DIR_NONE, 0, cdb, n, NULL, &x);
	pass = xfer_valid(&x) && (x.csw.status == USBMSC_CSW_FAILED ||
				  x.csw.status == USBMSC_CSW_PHASE_ERROR) && x.csw.residue == 0;
	describe(&x, seen, sizeof seen);
	after(s, &x);
	if (write && !guards_hold(s, at - 1, 3, 0, seen, sizeof seen))
		pass = false;
	record(s, write ? "case-03-hn-do" : "case-02-hn-di", pass,
	       status_choice(&x),
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

	settle(s);
	run_cmd(s, USBMSC_DIR_IN, host, cdb, n, s->buf, &x);
	stall = in_stalled(&x);
	pad = !stall && x.done == host;
	pass = xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == host &&
	       (stall || pad) && !x.csw_in_data;
	describe(&x, seen, sizeof seen);
	if (xfer_valid(&x) && !stall && !pad)
		append(seen, sizeof seen, " (neither a stall nor padding)");
	after(s, &x);
	snprintf(expected, sizeof expected,
		 "TUR, in %u: stall IN or pad; status 0/1, residue %u", host, host);
	record(s, "case-04-hi-dn", pass, stall ? "stall" : pad ? "pad" : NULL, expected, seen);
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

	settle(s);
	memset(s->buf, 0, host);
	run_cmd(s, USBMSC_DIR_IN, host, cdb, n, s->buf, &x);
	stall = in_stalled(&x);
	pad = !stall && x.done == host;
	/* Di: the bytes sent before a stall, or with padding the INQUIRY data's own length */
	di = stall ? (uint32_t)x.done : min_u32(36, (uint32_t)s->buf[4] + 5u);
	pass = xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && (stall || pad) &&
	       !x.csw_in_data && x.done <= (pad ? host : 36u) && x.csw.residue == host - di;
	describe(&x, seen, sizeof seen);
	if (xfer_valid(&x) && !stall && !pad)
		append(seen, sizeof seen, " (a short packet without a stall)");
	after(s, &x);
	snprintf(expected, sizeof expected,
		 "INQUIRY 36, in %u: data, stall IN or pad; status 0/1, residue %u - data",
		 host, host);
	record(s, "case-05-hi-gt-di", pass, stall ? "stall" : pad ? "pad" : NULL, expected, seen);
}

/* Case 6: READ(10) of 1 block, the host expecting 1 block. */
static void case6(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, false, AT_READ, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass, same;

	settle(s);
	run_cmd(s, USBMSC_DIR_IN, s->bs, cdb, n, s->buf, &x);
	same = x.done == s->bs && memcmp(s->buf, model_at(s, AT_READ), s->bs) == 0;
	pass = status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && same && !in_stalled(&x);
	describe(&x, seen, sizeof seen);
	if (x.done == s->bs)
		append(seen, sizeof seen, same ? "; data as written" : "; data differs from the block");
	after(s, &x);
	record(s, "case-06-hi-eq-di", pass, NULL,
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

	settle(s);
	run_cmd(s, USBMSC_DIR_IN, s->bs, cdb, n, s->buf, &x);
	same = memcmp(s->buf, model_at(s, AT_READ), x.done) == 0;
	pass = status_is(&x, USBMSC_CSW_PHASE_ERROR) && (x.done == s->bs || in_stalled(&x)) && same;
	describe(&x, seen, sizeof seen);
	if (!same)
		append(seen, sizeof seen, "; data differs from the block");
	after(s, &x);
	record(s, "case-07-hi-lt-di", pass, NULL,
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

	settle(s);
	run_cmd(s, USBMSC_DIR_IN, s->bs, cdb, n, s->buf, &x);
	pass = status_is(&x, USBMSC_CSW_PHASE_ERROR) && in_stalled(&x) && x.done == 0;
	describe(&x, seen, sizeof seen);
	after(s, &x);
	if (!guards_hold(s, AT_CASE8 - 1, 3, 0, seen, sizeof seen))
		pass = false;
	record(s, "case-08-hi-do", pass, NULL,
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

	settle(s);
	pattern(s->out, s->bs, 0, SALT_CASE9);
	run_cmd(s, USBMSC_DIR_OUT, host, cdb, n, s->out, &x);
	stall = out_stalled(&x);
	discard = !stall && x.done == host;
	pass = xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == host &&
	       (stall || discard);
	describe(&x, seen, sizeof seen);
	after(s, &x);
	snprintf(expected, sizeof expected,
		 "TUR, out %u: discard or stall OUT; status 0/1, residue %u", host, host);
	record(s, "case-09-ho-dn", pass, stall ? "stall" : discard ? "discard" : NULL, expected,
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

	settle(s);
	pattern(s->out, s->bs, 0, SALT_CASE10);
	run_cmd(s, USBMSC_DIR_OUT, s->bs, cdb, n, s->out, &x);
	stall = out_stalled(&x);
	discard = !stall && x.done == s->bs;
	pass = status_is(&x, USBMSC_CSW_PHASE_ERROR) && (stall || discard);
	describe(&x, seen, sizeof seen);
	after(s, &x);
	record(s, "case-10-ho-di", pass, stall ? "stall" : discard ? "discard" : NULL,
	       "READ(10) 1 block, out 1 block: stall OUT or discard; status 2", seen);
}

/* Case 11: WRITE(10) of 1 block with the host sending 2 blocks. The block
 * size is the LUN's: the second block of data must go nowhere. */
static void case11(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, true, AT_CASE11, 1);
	char seen[USBMSC_CHECK_TEXT_MAX], expected[USBMSC_CHECK_TEXT_MAX], why[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool stall, discard, pass;

	settle(s);
	pattern_run(s, s->out, AT_CASE11, 2, SALT_CASE11);
	run_cmd(s, USBMSC_DIR_OUT, 2 * s->bs, cdb, n, s->out, &x);
	stall = out_stalled(&x) && x.done >= s->bs;
	discard = !out_stalled(&x) && x.done == 2u * s->bs;
	pass = xfer_valid(&x) && x.csw.status <= USBMSC_CSW_FAILED && x.csw.residue == s->bs &&
	       (stall || discard);
	describe(&x, seen, sizeof seen);
	after(s, &x);
	if (status_is(&x, USBMSC_CSW_PASSED)) {
		memcpy(model_at(s, AT_CASE11), s->out, s->bs);
	} else if (!adopt_either(s, AT_CASE11, s->out, why, sizeof why)) {
		append(seen, sizeof seen, "; %s", why);
		pass = false;
	}
	if (!guards_hold(s, AT_CASE11 - 1, 3, 0, seen, sizeof seen))
		pass = false;
	snprintf(expected, sizeof expected,
		 "WRITE(10) 1 block, out 2: 1 written, discard or stall OUT; status 0/1, "
		 "residue %u", s->bs);
	record(s, "case-11-ho-gt-do", pass, stall ? "stall" : discard ? "discard" : NULL, expected,
	       seen);
}

/* Case 12: WRITE(10) of 1 block, the host sending 1 block. */
static void case12(struct suite *s)
{
	uint8_t cdb[16];
	size_t n = rw10_cdb(s, cdb, true, AT_CASE12, 1);
	char seen[USBMSC_CHECK_TEXT_MAX];
	struct xfer x;
	bool pass;

	settle(s);
	pattern_run(s, s->out, AT_CASE12, 1, SALT_CASE12);
	run_cmd(s, USBMSC_DIR_OUT, s->bs, cdb, n, s->out, &x);
	pass = status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && x.done == s->bs &&
	       !x.data_stalled;
	describe(&x, seen, sizeof seen);
	after(s, &x);
	if (pass)
		memcpy(model_at(s, AT_CASE12), s->out, s->bs);
	if (!guards_hold(s, AT_CASE12 - 1, 3, 0, seen, sizeof seen))
		pass = false;
	record(s, "case-12-ho-eq-do", pass, NULL,
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

	settle(s);
	pattern_run(s, s->out, AT_CASE13, 1, SALT_CASE13);
	run_cmd(s, USBMSC_DIR_OUT, s->bs, cdb, n, s->out, &x);
	pass = xfer_valid(&x) && (x.csw.status == USBMSC_CSW_FAILED ||
				  x.csw.status == USBMSC_CSW_PHASE_ERROR);
	describe(&x, seen, sizeof seen);
	after(s, &x);
	/* The first block may hold the data sent ("process Ho"); the second
	 * got no data and must not change. */
	if (!s->gone && !adopt_either(s, AT_CASE13, s->out, why, sizeof why)) {
		append(seen, sizeof seen, "; %s", why);
		pass = false;
	}
	if (!guards_hold(s, AT_CASE13 - 1, 4, 0, seen, sizeof seen))
		pass = false;
	record(s, "case-13-ho-lt-do", pass, status_choice(&x),
	       "WRITE(10) 2 blocks, out 1 block: status 1/2; block 2 unchanged", seen);
}

/* ---- invalid CBWs ------------------------------------------------------------------- */

/* Read Bulk-In where it must be stalled: "stalled", or what came instead. */
static int read_expect_stall(struct suite *s, char *seen, size_t len)
{
	uint8_t raw[CSW_BUF];
	size_t n;
	int r = p_bulk(s, true, raw, sizeof raw, &n, min_u32(s->tmo, EXPECT_STALL_MS));

	if (r == USBMSC_PIPE_STALL)
		append(seen, len, "read stalled");
	else if (r == USBMSC_PIPE_OK)
		append(seen, len, "read got %zu bytes", n);
	else
		append(seen, len, "read %s", pipe_text(r));
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
	int r = p_bulk(s, false, (uint8_t *)(uintptr_t)wire, len, &n, s->tmo), rh, ro;

	if (r != USBMSC_PIPE_OK && r != USBMSC_PIPE_STALL)
		append(row->seen, sizeof row->seen, "CBW %s; ", pipe_text(r));
	/* The read first: it waits for a device that halts only once it has
	 * looked at the CBW; GET_STATUS asked at once could race it. */
	r = read_expect_stall(s, row->seen, sizeof row->seen);
	rh = p_halted(s, true, &in_h);
	ro = p_halted(s, false, &out_h);
	append(row->seen, sizeof row->seen, "; Bulk-In %s, Bulk-Out %s", halt_text(rh, in_h),
	       halt_text(ro, out_h));
	row->pass = rh == USBMSC_PIPE_OK && in_h && r == USBMSC_PIPE_STALL;
	row->choice = ro != USBMSC_PIPE_OK ? NULL : out_h ? "out-halted" : "out-not-halted";
}

/* 2: CLEAR_FEATURE(HALT) alone must not un-wedge it. */
static void wedge_clear(struct suite *s, struct wedge_row *row)
{
	bool in_h = false;
	int r = p_clear(s, true), rh;

	append(row->seen, sizeof row->seen, "CLEAR_FEATURE %s; ", pipe_text(r));
	r = read_expect_stall(s, row->seen, sizeof row->seen);
	rh = p_halted(s, true, &in_h);
	append(row->seen, sizeof row->seen, "; Bulk-In %s", halt_text(rh, in_h));
	row->pass = rh == USBMSC_PIPE_OK && in_h && r == USBMSC_PIPE_STALL;
}

/* 3: Reset Recovery clears both halts. */
static void wedge_reset(struct suite *s, struct wedge_row *row)
{
	bool in_h = false, out_h = false, done = reset_recovery(s);
	int rh = p_halted(s, true, &in_h), ro = p_halted(s, false, &out_h);

	append(row->seen, sizeof row->seen, "Reset Recovery %s; Bulk-In %s, Bulk-Out %s",
	       done ? "done" : "failed", halt_text(rh, in_h), halt_text(ro, out_h));
	row->pass = done && rh == USBMSC_PIPE_OK && ro == USBMSC_PIPE_OK && !in_h && !out_h;
}

/* 4: and the next command works. */
static void wedge_next(struct suite *s, struct wedge_row *row)
{
	uint8_t cdb[16], data[36];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, sizeof data);
	struct xfer x;

	settle(s);
	run_cmd(s, USBMSC_DIR_IN, sizeof data, cdb, n, data, &x);
	row->pass = status_is(&x, USBMSC_CSW_PASSED) && x.done == sizeof data && x.csw.residue == 0;
	describe(&x, row->seen, sizeof row->seen);
	after(s, &x);
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

	settle(s);
	memset(row, 0, sizeof row);
	make_cbw(s, &cbw, USBMSC_DIR_IN, 36, cdb, cl);
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
		record(s, name, row[i].pass, row[i].choice, rows[i][1], row[i].seen);
	}
}

static void check_invalid_cbws(struct suite *s)
{
	check_invalid_cbw(s, "cbw-bad-signature", USBMSC_CBW_LEN, true);
	if (!s->gone)
		check_invalid_cbw(s, "cbw-30-bytes", USBMSC_CBW_LEN - 1, false);
	if (!s->gone)
		check_invalid_cbw(s, "cbw-32-bytes", USBMSC_CBW_LEN + 1, false);
}

/* ---- larger commands ------------------------------------------------------------------ */

/* A command that may be unsupported: it passes when it fails cleanly
 * (status 1 with sense) instead of timing out. Appends the sense. */
static bool refused_cleanly(struct suite *s, const struct xfer *x, char *seen, size_t len)
{
	struct usbmsc_sense sense;
	char text[96];

	if (!status_is(x, USBMSC_CSW_FAILED))
		return false;
	memset(&sense, 0, sizeof sense);
	if (request_sense(s, &sense)) {
		usbmsc_sense_describe(&sense, text, sizeof text);
		append(seen, len, " (%s)", text);
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

	settle(s);
	memset(data, 0, sizeof data);
	run_cmd(s, USBMSC_DIR_IN, sizeof data, cdb, n, data, &x);
	describe(&x, seen, sizeof seen);
	if (status_is(&x, USBMSC_CSW_PASSED) &&
	    usbmsc_read_capacity16_parse(data, x.done, &last, &bs)) {
		pass = last + 1 == s->rep->blocks && bs == s->bs &&
		       x.csw.residue == sizeof data - x.done;
		append(seen, sizeof seen, "; %llu blocks of %u bytes", (unsigned long long)(last + 1),
		       bs);
	} else if (refused_cleanly(s, &x, seen, sizeof seen)) {
		pass = true;
		choice = "unsupported";
	}
	after(s, &x);
	record(s, "read-capacity-16", pass, choice,
	       "READ CAPACITY(16): capacity as (10) gave, or a clean failure", seen);
}

static void check_write12(struct suite *s)
{
	uint32_t count = BIG_LEN / s->bs;
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_write12(cdb, s->scratch + AT_BIG, count);
	char seen[USBMSC_CHECK_TEXT_MAX];
	const char *choice = NULL;
	struct xfer x;
	bool pass;

	settle(s);
	pattern_run(s, s->out, AT_BIG, count, SALT_BIG);
	run_cmd(s, USBMSC_DIR_OUT, BIG_LEN, cdb, n, s->out, &x);
	describe(&x, seen, sizeof seen);
	pass = status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && x.done == BIG_LEN &&
	       !x.data_stalled;
	if (pass) {
		memcpy(model_at(s, AT_BIG), s->out, BIG_LEN);
	} else if (refused_cleanly(s, &x, seen, sizeof seen)) {
		pass = true;
		choice = "unsupported";
	}
	after(s, &x);
	if (!guards_hold(s, AT_BIG - 1, 1, AT_BIG + count, seen, sizeof seen))
		pass = false;
	record(s, "write-12-64k", pass, choice,
	       "WRITE(12) 64 KiB: status 0, residue 0, or a clean failure", seen);
}

static void check_read12(struct suite *s)
{
	uint32_t count = BIG_LEN / s->bs;
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_read12(cdb, s->scratch + AT_BIG, count);
	char seen[USBMSC_CHECK_TEXT_MAX];
	const char *choice = NULL;
	struct xfer x;
	bool pass, same;

	settle(s);
	run_cmd(s, USBMSC_DIR_IN, BIG_LEN, cdb, n, s->buf, &x);
	describe(&x, seen, sizeof seen);
	same = x.done == BIG_LEN && memcmp(s->buf, model_at(s, AT_BIG), BIG_LEN) == 0;
	pass = status_is(&x, USBMSC_CSW_PASSED) && x.csw.residue == 0 && same && !in_stalled(&x);
	if (x.done == BIG_LEN)
		append(seen, sizeof seen, same ? "; data as written" : "; data differs");
	if (!pass && refused_cleanly(s, &x, seen, sizeof seen)) {
		pass = true;
		choice = "unsupported";
	}
	after(s, &x);
	record(s, "read-12-64k", pass, choice,
	       "READ(12) 64 KiB: the data, status 0, residue 0, or a clean failure", seen);
}

/* ---- preparing and finishing ---------------------------------------------------------- */

static int identify(struct suite *s, struct usbmsc_error *err)
{
	uint8_t cdb[16], data[36], cap[32];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, sizeof data);
	char why[USBMSC_CHECK_TEXT_MAX];
	struct usbmsc_inquiry inq;
	struct xfer x;
	uint32_t last32 = 0, bs = 0;
	uint64_t last = 0;
	int st;

	run_cmd(s, USBMSC_DIR_IN, sizeof data, cdb, n, data, &x);
	if (!status_is(&x, USBMSC_CSW_PASSED) || !usbmsc_inquiry_parse(data, x.done, &inq)) {
		st = cmd_failure(s, &x, why, sizeof why);
		return usbmsc_fail(err, st ? st : USBMSC_E_OTHER, "INQUIRY: %s", why);
	}
	snprintf(s->rep->vendor, sizeof s->rep->vendor, "%s", inq.vendor);
	snprintf(s->rep->product, sizeof s->rep->product, "%s", inq.product);
	snprintf(s->rep->revision, sizeof s->rep->revision, "%s", inq.revision);

	n = usbmsc_cdb_read_capacity10(cdb);
	run_cmd(s, USBMSC_DIR_IN, 8, cdb, n, cap, &x);
	if (!status_is(&x, USBMSC_CSW_PASSED) ||
	    !usbmsc_read_capacity10_parse(cap, x.done, &last32, &bs)) {
		st = cmd_failure(s, &x, why, sizeof why);
		return usbmsc_fail(err, st ? st : USBMSC_E_OTHER, "READ CAPACITY(10): %s", why);
	}
	last = last32;
	if (last32 == UINT32_MAX) {
		n = usbmsc_cdb_read_capacity16(cdb, sizeof cap);
		run_cmd(s, USBMSC_DIR_IN, sizeof cap, cdb, n, cap, &x);
		if (!status_is(&x, USBMSC_CSW_PASSED) ||
		    !usbmsc_read_capacity16_parse(cap, x.done, &last, &bs)) {
			st = cmd_failure(s, &x, why, sizeof why);
			return usbmsc_fail(err, st ? st : USBMSC_E_OTHER, "READ CAPACITY(16): %s", why);
		}
	}
	if (bs < MIN_BLOCK || bs > MAX_BLOCK)
		return usbmsc_fail(err, USBMSC_E_OTHER, "block size %u is outside %u..%u", bs,
				   MIN_BLOCK, MAX_BLOCK);
	s->bs = bs;
	s->rep->block_size = bs;
	s->rep->blocks = last + 1;
	return USBMSC_OK;
}

/* The scratch area: where, and whether it fits the checks and the CDBs. */
static int place_scratch(struct suite *s, struct usbmsc_error *err)
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

static int allocate(struct suite *s, struct usbmsc_error *err)
{
	size_t area = (size_t)s->nscratch * s->bs, work = BIG_LEN + 2u * s->bs;

	s->saved = malloc(area);
	s->model = malloc(area);
	s->buf = malloc(work);
	s->out = malloc(work);
	if (!s->saved || !s->model || !s->buf || !s->out)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	return USBMSC_OK;
}

/* Save the scratch area, then fill it with the pattern the model holds. */
static int prepare_scratch(struct suite *s, struct usbmsc_error *err)
{
	char why[USBMSC_CHECK_TEXT_MAX];
	int st;

	st = block_io(s, false, s->scratch, s->nscratch, s->saved, why, sizeof why);
	if (st != USBMSC_OK)
		return usbmsc_fail(err, st, "saving the scratch area: %s", why);
	s->rep->scratch_saved = true;
	pattern_run(s, s->model, 0, s->nscratch, SALT_FILL);
	st = block_io(s, true, s->scratch, s->nscratch, s->model, why, sizeof why);
	if (st != USBMSC_OK)
		return usbmsc_fail(err, st, "filling the scratch area: %s%s", why,
				   st == USBMSC_E_DATA_PROTECT ? " (the checks need a writable LUN)"
							       : "");
	return USBMSC_OK;
}

/* Write the saved contents back and read them again: the last row. */
static void restore_scratch(struct suite *s)
{
	const char *expected = "written back as found, read back equal";
	char seen[USBMSC_CHECK_TEXT_MAX], why[USBMSC_CHECK_TEXT_MAX];
	int st;

	settle(s);
	st = block_io(s, true, s->scratch, s->nscratch, s->saved, why, sizeof why);
	if (st == USBMSC_OK)
		st = block_io(s, false, s->scratch, s->nscratch, s->model, why, sizeof why);
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
	record(s, "scratch-restored", s->rep->scratch_restored, NULL, expected, seen);
}

static bool stop_requested(const struct suite *s)
{
	return s->o->stop && *s->o->stop;
}

static void run_checks(struct suite *s)
{
	static const uint8_t fills[] = { 0xFF, 0x55, 0xAA };
	void (*const steps[])(struct suite *) = {
		case1, case2, case3, case4, case5, case6, case7, case8, case9, case10, case11,
		case12, case13, check_invalid_cbws, check_read_capacity16, check_write12,
		check_read12,
	};

	for (size_t i = 0; i < sizeof fills && !s->gone && !stop_requested(s); i++)
		check_cb_past_length(s, fills[i]);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (s->gone || s->oom || stop_requested(s))
			return;
		steps[i](s);
	}
}

static void free_suite(struct suite *s)
{
	free(s->saved);
	free(s->model);
	free(s->buf);
	free(s->out);
}

/* The outcome once the checks are over, the scratch area restored or not. */
static int outcome(struct suite *s, int st, struct usbmsc_error *err)
{
	char where[96];

	snprintf(where, sizeof where, "LBA %llu..%llu", (unsigned long long)s->scratch,
		 (unsigned long long)(s->scratch + s->nscratch - 1));
	if (s->gone)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE,
				   "the device went away during the checks%s%s", s->dirty
				   ? "; the scratch area could not be restored: " : "",
				   s->dirty ? where : "");
	if (st != USBMSC_OK) {
		if (s->dirty && !s->rep->scratch_restored)
			append(err->msg, sizeof err->msg,
			       "; the scratch area %s could not be restored", where);
		return st;
	}
	if (s->oom)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	if (stop_requested(s))
		return usbmsc_fail(err, USBMSC_E_TRANSPORT,
				   "interrupted: stop requested after %zu checks; the scratch area "
				   "%s %s", s->rep->count, where,
				   s->rep->scratch_restored ? "was restored" : "could not be restored");
	return USBMSC_OK;
}

int usbmsc_compliance_run_pipe(struct usbmsc_pipe *pipe, const struct usbmsc_compliance_opts *opts,
			       struct usbmsc_compliance_report *rep, struct usbmsc_error *err)
{
	struct usbmsc_error local = { 0 };
	struct suite s;
	int st;

	if (!err)
		err = &local;
	if (!rep)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the compliance checks need a report");
	memset(rep, 0, sizeof *rep);
	if (!pipe || !opts)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the compliance checks need a pipe and options");
	if (opts->lun > USBMSC_MAX_LUN)
		return usbmsc_fail(err, USBMSC_E_USAGE, "LUN %u is not 0..%u", opts->lun,
				   USBMSC_MAX_LUN);
	memset(&s, 0, sizeof s);
	s.p = pipe;
	s.o = opts;
	s.rep = rep;
	s.tmo = opts->timeout_ms ? opts->timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS;
	s.tag = FIRST_TAG;
	s.lun = opts->lun;
	rep->lun = opts->lun;

	/* A known state to start from: a previous run may have left it wedged. */
	reset_recovery(&s);
	check_class_requests(&s);
	st = s.gone ? USBMSC_E_NO_DEVICE : USBMSC_OK;
	if (st == USBMSC_OK && s.lun > rep->max_lun)
		st = usbmsc_fail(err, USBMSC_E_USAGE, "the device has LUNs 0..%u, not %u",
				 rep->max_lun, s.lun);
	if (st == USBMSC_OK) {
		settle(&s); /* a LUN that stays not ready fails in identify() */
		st = identify(&s, err);
	}
	if (st == USBMSC_OK)
		st = place_scratch(&s, err);
	if (st == USBMSC_OK)
		st = allocate(&s, err);
	if (st == USBMSC_OK)
		st = prepare_scratch(&s, err);
	s.port_reset_used = false; /* counted in the report; the rows start here */
	s.checking = true;
	if (st == USBMSC_OK)
		run_checks(&s);
	if (s.dirty && !s.gone)
		restore_scratch(&s);
	st = outcome(&s, st, err);
	free_suite(&s);
	return st;
}

int usbmsc_compliance_run(struct usbmsc_dev *dev, const struct usbmsc_compliance_opts *opts,
			  struct usbmsc_compliance_report *rep, struct usbmsc_error *err)
{
	struct usbmsc_pipe *pipe = usbmsc_dev_pipe(dev);

	if (rep)
		memset(rep, 0, sizeof *rep);
	if (!pipe)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the compliance checks need raw Bulk-Only Transport, and the %s "
				   "transport does not give it: use usb:VID:PID (it detaches the "
				   "kernel driver and reattaches it after) or sim:",
				   usbmsc_dev_transport_name(dev));
	return usbmsc_compliance_run_pipe(pipe, opts, rep, err);
}

void usbmsc_compliance_report_free(struct usbmsc_compliance_report *rep)
{
	if (!rep)
		return;
	free(rep->checks);
	rep->checks = NULL;
	rep->count = 0;
}
