/* Firmware update from the host (fwupdate.h): asking a device about its
 * firmware, checking an image against it, and the update itself.
 *
 * The order of an update, each step only when the one before succeeded:
 *   probe     INQUIRY, VPD 0x80, FW STATE, READ BUFFER 0x03, REPORT
 *             SUPPORTED OPERATION CODES for WRITE BUFFER
 *   checks    signature and payload hash (streamed), fit (USB VID/PID,
 *             INQUIRY vendor/product, hardware revision), anti-rollback,
 *             size, the device's own state (an image on trial, pending)
 *   plan      mode and chunk size
 *   download  WRITE BUFFER chunks read from the file through one buffer
 *   activate  the last chunk (0x05, 0x07) or 0x0F; unit attention 06/3F/01
 *   wait      the open handle, or a reopened one, answers again and shows
 *             the reboot (the new version, or a reboot's unit attention):
 *             the old image's last answers before it drops off the bus,
 *             and the errors of its going, only mean "not yet"
 *   verify    same serial number; INQUIRY and FW STATE report the new version
 *   confirm   FW CONFIRM
 * Nothing is sent before the checks pass, so a refused image leaves the
 * device untouched; an interrupted download leaves the old image running
 * (the device switches only after a complete, verified image). */
#include "../common/fdio.h"
#include "usbmsc/fwupdate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/fwsign.h"

#define WB_MODE_ONE 0x05u
#define WB_MODE_CHUNKS 0x07u
#define WB_MODE_DEFER 0x0Eu
#define WB_MODE_ACTIVATE 0x0Fu
#define RB_MODE_DATA 0x02u
#define RB_MODE_DESCRIPTOR 0x03u
#define RB_DESCRIPTOR_LEN 4u
#define WB_MAX_FIELD 0xFFFFFFu     /* offsets and lengths have 24 bits */
#define WB_MAX_WIDE 0xFFFFFFFFu     /* BUFFER ID as offset bits 31:24 */
#define ALL_MODES (USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_0E | \
		   USBMSC_FW_MODEBIT_0F)
/* A command meets at most this many unit attentions before it runs. */
#define UA_RETRIES 4
#define RSOC_ALLOC 20u
#define RSOC_ONE_OPCODE 1u           /* reporting options: one command, no service action */
#define RSOC_OPCODE_AND_SA 2u        /* one command with service action (the mode) */
#define SERIAL_VPD_ALLOC 252u
#define POLL_MS 100u
#define REOPEN_PAUSE_MS 250u

/* ---- small things ---------------------------------------------------------- */

static uint8_t mode_bit(uint8_t mode)
{
	switch (mode) {
	case WB_MODE_ONE: return USBMSC_FW_MODEBIT_05;
	case WB_MODE_CHUNKS: return USBMSC_FW_MODEBIT_07;
	case WB_MODE_DEFER: return USBMSC_FW_MODEBIT_0E;
	case WB_MODE_ACTIVATE: return USBMSC_FW_MODEBIT_0F;
	default: return 0;
	}
}

static void copy_trimmed(char *out, size_t room, const uint8_t *p, size_t n)
{
	size_t len = n < room - 1 ? n : room - 1;

	memcpy(out, p, len);
	while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == '\0'))
		len--;
	out[len] = '\0';
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool sense_of(const struct usbmsc_result *res, struct usbmsc_sense *s)
{
	return res->outcome == USBMSC_OUTCOME_CHECK_CONDITION &&
	       usbmsc_sense_decode(res->sense, res->sense_len, s);
}

static bool sense_is(const struct usbmsc_result *res, uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct usbmsc_sense s;

	return sense_of(res, &s) && s.key == key && s.asc == asc && s.ascq == ascq;
}

/* ---- FW STATE ---------------------------------------------------------------- */

bool usbmsc_fw_state_parse(const uint8_t *buf, size_t len, struct usbmsc_fw_state *out)
{
	if (!buf || !out || len < USBMSC_FW_STATE_LEN || memcmp(buf, USBMSC_FW_STATE_MAGIC, 4) != 0 ||
	    buf[4] != 1)
		return false;
	memset(out, 0, sizeof *out);
	out->layout = buf[4];
	out->active_slot = buf[5];
	/* the state in flags, the capability apart */
	out->flags = buf[6] & (USBMSC_FWST_PENDING | USBMSC_FWST_TRIAL | USBMSC_FWST_REVERTED);
	out->wide_offset = (buf[6] & USBMSC_FWST_WIDE_OFFSET) != 0;
	out->pending_slot = buf[7];
	copy_trimmed(out->active_version, sizeof out->active_version, buf + 8, 4);
	out->active_number = usbmsc_get_be32(buf + 12);
	copy_trimmed(out->pending_version, sizeof out->pending_version, buf + 16, 4);
	out->pending_number = usbmsc_get_be32(buf + 20);
	out->last_error = usbmsc_get_be32(buf + 24) & 0xFFFFFFu;
	out->floor = usbmsc_get_be32(buf + 28);
	out->capacity = usbmsc_get_be32(buf + 32);
	out->offset_shift = buf[36];
	out->modes = buf[37];
	out->hw_rev = usbmsc_get_be16(buf + 38);
	memcpy(out->pubkey, buf + 40, USBMSC_FW_PUBKEY_LEN);
	out->vid = usbmsc_get_be16(buf + 72);
	out->pid = usbmsc_get_be16(buf + 74);
	return true;
}

/* ---- running commands ---------------------------------------------------------- */

/* One command; unit attentions are consumed (the command did not run, so it
 * is sent again), noting new microcode (06/3F/01) in *mc. */
static int run_cmd(struct usbmsc_dev *dev, uint8_t lun, const uint8_t *cdb, size_t cdb_len,
		   enum usbmsc_dir dir, uint8_t *data, uint32_t len, unsigned timeout_ms,
		   struct usbmsc_result *res, bool *mc)
{
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = (uint8_t)cdb_len, .lun = lun,
		.dir = len ? dir : USBMSC_DIR_NONE, .data = data, .len = len,
		.timeout_ms = timeout_ms,
	};
	struct usbmsc_sense s;
	int st = USBMSC_E_OTHER;

	for (int i = 0; i <= UA_RETRIES; i++) {
		st = usbmsc_exec(dev, &cmd, res);
		if (st != USBMSC_E_UNIT_ATTENTION || !sense_of(res, &s))
			return st;
		if (s.asc == 0x3F && s.ascq == 0x01 && mc)
			*mc = true;
	}
	return st;
}

/* A command the device may not serve: ILLEGAL REQUEST means "no". */
static bool not_served(int st)
{
	return st == USBMSC_E_ILLEGAL_REQUEST;
}

static int fail_dev(struct usbmsc_error *err, struct usbmsc_dev *dev, int st, const char *what)
{
	const char *msg = usbmsc_dev_errmsg(dev);

	return usbmsc_fail(err, st, "%s: %s", what, msg && msg[0] ? msg : usbmsc_status_name(st));
}

/* ---- probe --------------------------------------------------------------------- */

static int probe_serial(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *d,
			struct usbmsc_error *err)
{
	uint8_t buf[SERIAL_VPD_ALLOC];
	size_t len = sizeof buf;
	struct usbmsc_result res;
	int st = usbmsc_inquiry_vpd(dev, lun, USBMSC_VPD_SERIAL, buf, &len, &res);

	if (not_served(st))
		return 0;
	if (st)
		return fail_dev(err, dev, st, "INQUIRY VPD page 0x80");
	d->has_serial = usbmsc_vpd_parse_serial(buf, len, d->serial, sizeof d->serial) &&
			d->serial[0] != '\0';
	return 0;
}

static int probe_state(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *d,
		       bool *mc, struct usbmsc_error *err)
{
	uint8_t cdb[6] = { USBMSC_OP_FW_STATE, 0, 0, 0, USBMSC_FW_STATE_LEN, 0 };
	uint8_t buf[USBMSC_FW_STATE_LEN];
	struct usbmsc_result res;
	int st = run_cmd(dev, lun, cdb, sizeof cdb, USBMSC_DIR_IN, buf, sizeof buf, 0, &res, mc);

	if (not_served(st))
		return 0;
	if (st)
		return fail_dev(err, dev, st, "FW STATE");
	d->has_state = usbmsc_fw_state_parse(buf, res.transferred, &d->state);
	return 0;
}

static int probe_descriptor(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *d,
			    bool *mc, struct usbmsc_error *err)
{
	uint8_t cdb[16], buf[RB_DESCRIPTOR_LEN];
	size_t n = usbmsc_cdb_read_buffer(cdb, RB_MODE_DESCRIPTOR, 0, 0, RB_DESCRIPTOR_LEN);
	struct usbmsc_result res;
	int st = run_cmd(dev, lun, cdb, n, USBMSC_DIR_IN, buf, sizeof buf, 0, &res, mc);

	if (not_served(st))
		return 0;
	if (st)
		return fail_dev(err, dev, st, "READ BUFFER descriptor");
	if (res.transferred < RB_DESCRIPTOR_LEN)
		return 0;
	d->has_descriptor = true;
	d->offset_boundary = buf[0];
	d->buffer_capacity = usbmsc_get_be24(buf + 1);
	return 0;
}

/* REPORT SUPPORTED OPERATION CODES, one command: *support gets the SUPPORT
 * field (3 or 5: supported; 0, no data, for an answer too short to have
 * one), or the call returns the category. */
static int rsoc_one(struct usbmsc_dev *dev, uint8_t lun, uint8_t options, uint8_t mode,
		    uint8_t *support, bool *mc)
{
	uint8_t cdb[16], buf[RSOC_ALLOC];
	size_t n = usbmsc_cdb_report_supported_opcodes(cdb, options, USBMSC_OP_WRITE_BUFFER, mode,
						       RSOC_ALLOC);
	struct usbmsc_result res;
	int st = run_cmd(dev, lun, cdb, n, USBMSC_DIR_IN, buf, sizeof buf, 0, &res, mc);

	if (st)
		return st;
	*support = res.transferred >= 2 ? buf[1] & 0x07u : 0;
	return 0;
}

static bool supported(uint8_t support)
{
	return support == 3 || support == 5;
}

/* WRITE BUFFER's modes as service actions (SPC-5), mode by mode; else the
 * one-command form for the opcode alone, which only says yes or no. */
static int probe_rsoc(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *d, bool *mc,
		      struct usbmsc_error *err)
{
	static const uint8_t modes[] = { WB_MODE_ONE, WB_MODE_CHUNKS, WB_MODE_DEFER,
					 WB_MODE_ACTIVATE };
	uint8_t support = 0, found = 0;
	int st = 0;

	for (size_t i = 0; i < sizeof modes; i++) {
		st = rsoc_one(dev, lun, RSOC_OPCODE_AND_SA, modes[i], &support, mc);
		if (st)
			break;
		if (supported(support))
			found |= mode_bit(modes[i]);
	}
	if (st == 0) {
		d->rsoc_answered = true;
		d->wb_supported = found != 0;
		d->modes = found;
		d->modes_source = USBMSC_FWU_MODES_RSOC;
		return 0;
	}
	if (!not_served(st))
		return fail_dev(err, dev, st, "REPORT SUPPORTED OPERATION CODES");
	st = rsoc_one(dev, lun, RSOC_ONE_OPCODE, 0, &support, mc);
	if (st == 0) {
		d->rsoc_answered = true;
		d->wb_supported = supported(support);
	} else if (!not_served(st)) {
		return fail_dev(err, dev, st, "REPORT SUPPORTED OPERATION CODES");
	}
	return 0;
}

/* The modes to choose from: the standard's answer mode by mode, else FW
 * STATE's bits, else all of them (the device may still refuse one, and
 * 0x0E falls back to 0x07). A device that says it has no WRITE BUFFER has
 * no mode. */
static void settle_modes(struct usbmsc_fw_device *d)
{
	if (d->modes_source == USBMSC_FWU_MODES_RSOC)
		return;
	if (d->rsoc_answered && !d->wb_supported) {
		d->modes = 0;
		d->modes_source = USBMSC_FWU_MODES_RSOC;
	} else if (d->has_state) {
		d->modes = d->state.modes;
		d->modes_source = USBMSC_FWU_MODES_FW_STATE;
	} else {
		d->modes = ALL_MODES;
		d->modes_source = USBMSC_FWU_MODES_ASSUMED;
	}
}

uint32_t usbmsc_fwu_reach(const struct usbmsc_fw_device *d)
{
	return d->has_state && d->state.wide_offset ? WB_MAX_WIDE : WB_MAX_FIELD;
}

uint32_t usbmsc_fwu_capacity(const struct usbmsc_fw_device *d)
{
	uint32_t cap;

	/* The descriptor's field has 24 bits: a device with wide offsets
	 * tells its whole capacity in FW STATE only. */
	if (d->has_state && d->state.wide_offset)
		return d->state.capacity;
	cap = d->has_descriptor ? d->buffer_capacity : d->has_state ? d->state.capacity
								    : WB_MAX_FIELD;
	return cap < WB_MAX_FIELD ? cap : WB_MAX_FIELD;
}

int usbmsc_fw_probe(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *out,
		    bool *microcode_changed, struct usbmsc_error *err)
{
	struct usbmsc_result res;
	bool mc = false;
	int st;

	if (!dev || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_fw_probe needs a device and a result");
	memset(out, 0, sizeof *out);
	out->max_transfer = usbmsc_dev_max_transfer(dev);
	/* INQUIRY never reports a unit attention (SPC), so it goes first. */
	st = usbmsc_inquiry(dev, lun, &out->inquiry, &res);
	if (st)
		return fail_dev(err, dev, st, "INQUIRY");
	st = probe_serial(dev, lun, out, err);
	if (!st)
		st = probe_state(dev, lun, out, &mc, err);
	if (!st)
		st = probe_descriptor(dev, lun, out, &mc, err);
	if (!st)
		st = probe_rsoc(dev, lun, out, &mc, err);
	if (st)
		return st;
	settle_modes(out);
	out->buffer_capacity = usbmsc_fwu_capacity(out);
	if (microcode_changed)
		*microcode_changed = mc;
	return 0;
}

const char *usbmsc_fwu_modes_text(uint8_t modes, char *buf, size_t len)
{
	static const uint8_t list[] = { WB_MODE_ONE, WB_MODE_CHUNKS, WB_MODE_DEFER,
					WB_MODE_ACTIVATE };
	size_t used = 0;

	if (!buf || len == 0)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof list; i++) {
		int n;

		if (!(modes & mode_bit(list[i])))
			continue;
		n = snprintf(buf + used, len - used, "%s0x%02x", used ? " " : "", list[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}

const char *usbmsc_fwu_modes_source_name(enum usbmsc_fwu_modes_source src)
{
	switch (src) {
	case USBMSC_FWU_MODES_RSOC: return "report-supported-operation-codes";
	case USBMSC_FWU_MODES_FW_STATE: return "fw-state";
	default: return "assumed";
	}
}

/* ---- pure decisions -------------------------------------------------------------- */

int usbmsc_fwu_chunk_size(uint8_t shift, uint32_t capacity, uint32_t max_transfer, uint32_t want,
			  uint32_t *chunk, struct usbmsc_error *err)
{
	uint32_t limit = capacity < max_transfer ? capacity : max_transfer;
	uint32_t unit;

	*chunk = 0;
	if (limit > WB_MAX_FIELD)
		limit = WB_MAX_FIELD;
	if (shift == USBMSC_FWU_OFFSET_ZERO_ONLY)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the device takes offset 0 only (READ BUFFER descriptor 0xff): "
				   "no chunks, mode 0x05 only");
	if (shift > 23)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the device's offset boundary 2^%u is beyond 24-bit offsets", shift);
	unit = 1u << shift;
	if (want) {
		if (want % unit)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--chunk %u is not a multiple of the device's offset "
					   "boundary (%u bytes)", want, unit);
		if (want > capacity)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--chunk %u is larger than the device's buffer capacity "
					   "(%u bytes)", want, capacity);
		if (want > max_transfer)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--chunk %u is larger than the transport's largest "
					   "transfer (%u bytes)", want, max_transfer);
		*chunk = want;
		return 0;
	}
	*chunk = limit - limit % unit;
	if (*chunk == 0)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "no chunk fits: the offset boundary is %u bytes, the buffer "
				   "capacity %u and the largest transfer %u", unit, capacity,
				   max_transfer);
	return 0;
}

int usbmsc_fwu_choose_mode(uint8_t modes, uint8_t want, bool no_activate, uint64_t len,
			   uint32_t one_command_max, uint8_t *mode, struct usbmsc_error *err)
{
	char text[40];
	bool fits_one = len <= one_command_max && len <= WB_MAX_FIELD;

	*mode = 0;
	if (want) {
		if (no_activate && want != WB_MODE_DEFER)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--no-activate needs mode e (0x0E): modes 5 and 7 activate");
		if (want == WB_MODE_ONE && !fits_one)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "mode 5 sends the whole image in one command: %llu bytes "
					   "is more than one command carries (%u)",
					   (unsigned long long)len, one_command_max);
		*mode = want;
		return 0;
	}
	if ((modes & USBMSC_FW_MODEBIT_0E) && (no_activate || (modes & USBMSC_FW_MODEBIT_0F)))
		*mode = WB_MODE_DEFER;
	else if (no_activate)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "--no-activate needs mode 0x0E, which the device does not take "
				   "(modes: %s)", usbmsc_fwu_modes_text(modes, text, sizeof text));
	else if (modes & USBMSC_FW_MODEBIT_07)
		*mode = WB_MODE_CHUNKS;
	else if ((modes & USBMSC_FW_MODEBIT_05) && fits_one)
		*mode = WB_MODE_ONE;
	else
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "no download mode fits: the device takes %s%s",
				   usbmsc_fwu_modes_text(modes, text, sizeof text),
				   (modes & USBMSC_FW_MODEBIT_05) ? ", and the image is too large "
								  "for mode 0x05's one command" : "");
	return 0;
}

bool usbmsc_fwu_reopen_uri(const char *uri, uint16_t vid, uint16_t pid, const char *serial,
			   char *buf, size_t len)
{
	int n;

	if (!uri || uri[0] != '/' || vid == 0 || !serial || !serial[0] || !buf)
		return false;
	for (const char *p = serial; *p; p++)
		if (*p == ':' || *p <= ' ' || *p > '~')
			return false;
	n = snprintf(buf, len, "auto:%04x:%04x:%s", vid, pid, serial);
	return n > 0 && (size_t)n < len;
}

/* ---- the update's state -------------------------------------------------------------- */

struct fwu {
	struct usbmsc_dev **dev;
	const struct usbmsc_fwu_opts *o;
	struct usbmsc_fwu_outcome *out;
	struct usbmsc_error *err;
	const char *path;
	int fd;
	uint64_t file_size;
	uint8_t raw[USBMSC_FW_HEADER_LEN];   /* the header as checked */
	bool have_raw;
	uint8_t *buf;
	bool microcode_changed;
	bool mode_chosen;                     /* by the library, so it may fall back */
	unsigned chunk_timeout, activate_timeout;
};

static void report(struct fwu *u, enum usbmsc_fwu_event ev, uint64_t bytes, uint64_t total,
		   const char *text)
{
	struct usbmsc_fwu_report r = { ev, bytes, total, text };

	if (u->o->report)
		u->o->report(u->o->report_ctx, &r);
}

static void note(struct fwu *u, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void note(struct fwu *u, const char *fmt, ...)
{
	char text[USBMSC_ERRMSG_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	report(u, USBMSC_FWU_EV_NOTE, 0, 0, text);
	usbmsc_trace_emit(&u->o->open_opts.trace, USBMSC_TRACE_NOTE, NULL, 0, "%s", text);
}

/* A command of the update failed: keep its result for the caller. */
static int failed_cmd(struct fwu *u, int st, const struct usbmsc_result *res, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static int failed_cmd(struct fwu *u, int st, const struct usbmsc_result *res, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	u->out->has_failed_cmd = true;
	u->out->failed = *res;
	return fail_dev(u->err, *u->dev, st, what);
}

/* More words after the message already in err. */
static void add_to_msg(struct usbmsc_error *err, const char *more)
{
	size_t n = strlen(err->msg);

	snprintf(err->msg + n, sizeof err->msg - n, "%s", more);
}

static unsigned at_least(unsigned given, unsigned floor_ms)
{
	return given > floor_ms ? given : floor_ms;
}

/* ---- the image ----------------------------------------------------------------------- */

static int open_image(struct fwu *u)
{
	struct stat st;

	u->fd = open(u->path, O_RDONLY | O_CLOEXEC);
	if (u->fd < 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "cannot open %s: %s", u->path,
				   strerror(errno));
	if (fstat(u->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is not a file", u->path);
	u->file_size = (uint64_t)st.st_size;
	return 0;
}

static int read_at(struct fwu *u, uint64_t off, uint8_t *p, size_t n)
{
	ssize_t got = usbmsc_pread_full(u->fd, p, n, (off_t)off);

	if (got < 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "reading %s: %s", u->path,
				   strerror(errno));
	if ((size_t)got < n)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s shrank while it was being sent (%llu bytes expected)",
				   u->path, (unsigned long long)u->out->plan.image_len);
	return 0;
}

/* Bytes [off, off + n) of the image; the header comes from the copy that
 * was checked, so what was verified is what is sent. */
static int image_bytes(struct fwu *u, uint64_t off, uint8_t *p, size_t n)
{
	int st = read_at(u, off, p, n);

	if (st == 0 && u->have_raw && off < USBMSC_FW_HEADER_LEN) {
		size_t k = USBMSC_FW_HEADER_LEN - (size_t)off;
		memcpy(p, u->raw + off, k < n ? k : n);
	}
	return st;
}

/* The header alone, unchecked (--no-host-checks): what it says, if anything. */
static void peek_header(struct fwu *u)
{
	uint8_t raw[USBMSC_FW_HEADER_LEN];

	if (u->file_size < USBMSC_FW_HEADER_LEN ||
	    pread(u->fd, raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return;
	u->out->header_ok = usbmsc_fw_header_parse(raw, sizeof raw, &u->out->header) ==
			    USBMSC_FWCHK_OK;
}

static bool key_present(const uint8_t *k)
{
	for (size_t i = 0; i < USBMSC_FW_PUBKEY_LEN; i++)
		if (k[i])
			return true;
	return false;
}

/* Signature, payload length and hash, streamed through fwsign's buffer. */
static int check_signature(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	const uint8_t *key = u->o->pubkey;
	struct usbmsc_fw_report rep;
	int st;

	if (!key && d->has_state && key_present(d->state.pubkey))
		key = d->state.pubkey;
	if (!key)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "no key to check %s against: the device reports none (FW STATE) "
				   "and no --key was given (--no-host-checks sends it unchecked)",
				   u->path);
	st = usbmsc_fw_examine_file(u->path, key, &rep, u->err);
	if (rep.check == USBMSC_FWCHK_OK) {
		u->out->header_ok = true;
		u->out->header = rep.header;
	}
	if (st)
		return st;
	memcpy(u->raw, rep.raw, sizeof u->raw);
	u->have_raw = true;
	u->file_size = rep.file_size;
	return 0;
}

/* The image is made for this device and may run on it. */
static int check_fit(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	const struct usbmsc_fw_header *h = &u->out->header;
	struct usbmsc_fw_identity id;

	if (!d->has_state)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "the device does not answer FW STATE, so %s cannot be checked "
				   "against its USB ID, hardware revision and anti-rollback floor "
				   "(--no-host-checks sends it unchecked)", u->path);
	id.vid = d->state.vid;
	id.pid = d->state.pid;
	id.vendor = d->inquiry.vendor;
	id.product = d->inquiry.product;
	id.hw_rev = d->state.hw_rev;
	switch (usbmsc_fw_fits(h, &id)) {
	case USBMSC_FWFIT_OK:
		break;
	case USBMSC_FWFIT_VID_PID:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for USB device %04x:%04x; this device is %04x:%04x",
				   u->path, h->vid, h->pid, id.vid, id.pid);
	case USBMSC_FWFIT_VENDOR:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for vendor '%s'; this device is '%s' (INQUIRY)",
				   u->path, h->vendor, id.vendor);
	case USBMSC_FWFIT_PRODUCT:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for product '%s'; this device is '%s' (INQUIRY)",
				   u->path, h->product, id.product);
	default:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for hardware revisions %u to %u; this device is "
				   "revision %u", u->path, h->hw_rev_min, h->hw_rev_max, id.hw_rev);
	}
	if (h->version_number < d->state.floor)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is a downgrade: version %s (number %u) is below the device's "
				   "anti-rollback floor %u (it runs %s, number %u)", u->path,
				   h->version, h->version_number, d->state.floor,
				   d->state.active_version, d->state.active_number);
	return 0;
}

/* The image fits the device's buffer and the offsets WRITE BUFFER can
 * carry to it: 24 bits, or 32 with BUFFER ID as bits 31:24. */
static int check_size(struct fwu *u, uint64_t len)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	uint32_t cap = d->buffer_capacity;

	if (len == 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is empty", u->path);
	if (len > usbmsc_fwu_reach(d) && usbmsc_fwu_reach(d) == WB_MAX_FIELD)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes: WRITE BUFFER reaches 16 MiB - 1 (24-bit "
				   "offsets; the device does not take offset bits 31:24 in BUFFER "
				   "ID)", u->path, (unsigned long long)len);
	if (len > usbmsc_fwu_reach(d))
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes: WRITE BUFFER reaches 4 GiB - 1 (32-bit "
				   "offsets)", u->path, (unsigned long long)len);
	if (!u->o->no_host_checks && len > cap)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes; the device's buffer holds %u", u->path,
				   (unsigned long long)len, cap);
	return 0;
}

/* ---- the device's own state ------------------------------------------------------------- */

static bool same_image_as(const struct usbmsc_fw_header *h, const char *version, uint32_t number)
{
	return strcmp(h->version, version) == 0 && h->version_number == number;
}

/* The staged slot's header (READ BUFFER mode 0x02) is the image's: same
 * signature, same payload hash. */
static bool staged_is_ours(struct fwu *u)
{
	uint8_t cdb[16], buf[USBMSC_FW_HEADER_LEN];
	size_t n = usbmsc_cdb_read_buffer(cdb, RB_MODE_DATA, 0, 0, USBMSC_FW_HEADER_LEN);
	struct usbmsc_result res;
	int st = run_cmd(*u->dev, u->o->lun, cdb, n, USBMSC_DIR_IN, buf, sizeof buf, 0, &res,
			 &u->microcode_changed);

	return st == 0 && res.transferred == sizeof buf && memcmp(buf, u->raw, sizeof buf) == 0;
}

/* An image on trial or waiting on the device decides what is left to do. */
static int check_device_state(struct fwu *u)
{
	const struct usbmsc_fw_state *s = &u->out->before.state;
	const struct usbmsc_fw_header *h = &u->out->header;
	struct usbmsc_fwu_plan *p = &u->out->plan;

	if (!u->out->before.has_state || u->o->no_host_checks)
		return 0;
	if (s->flags & USBMSC_FWST_TRIAL) {
		if (!same_image_as(h, s->active_version, s->active_number))
			return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
					   "the device runs version %s (number %u) on trial: it "
					   "takes no download until that image is confirmed (update "
					   "with its image again) or reverted (power cycle)",
					   s->active_version, s->active_number);
		if (u->o->no_activate)
			return usbmsc_fail(u->err, USBMSC_E_USAGE,
					   "the device already runs %s on trial: nothing to stage",
					   h->version);
		p->confirm_only = true;
		return 0;
	}
	if (s->pending_slot != USBMSC_FWU_NO_SLOT && !(s->flags & USBMSC_FWST_PENDING))
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "version %s was activated and waits for the device's reboot: "
				   "power cycle the device, then run the update again",
				   s->pending_version);
	if ((s->flags & USBMSC_FWST_PENDING) &&
	    same_image_as(h, s->pending_version, s->pending_number) && staged_is_ours(u)) {
		if (u->o->no_activate)
			p->staged_already = true;
		else
			p->activate_only = true;
	}
	return 0;
}

/* ---- plan ------------------------------------------------------------------------------- */

static uint32_t count_commands(const struct usbmsc_fwu_plan *p)
{
	uint64_t n;

	if (p->confirm_only || p->staged_already)
		return 0;
	if (p->activate_only)
		return 1;
	if (p->mode == WB_MODE_ONE)
		return 1;
	n = (p->image_len + p->chunk - 1) / p->chunk;
	if (p->mode == WB_MODE_DEFER && p->activate)
		n++;
	return (uint32_t)n;
}

static int make_plan(struct fwu *u, uint64_t len)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	struct usbmsc_fwu_plan *p = &u->out->plan;
	uint32_t cap = d->buffer_capacity;
	uint8_t shift = d->has_descriptor ? d->offset_boundary : d->has_state ? d->state.offset_shift : 0;
	uint32_t one_max = d->max_transfer < cap ? d->max_transfer : cap;
	int st;

	p->image_len = len;
	p->activate = !u->o->no_activate;
	if (p->activate_only) {
		p->mode = WB_MODE_ACTIVATE;
	} else if (!p->confirm_only && !p->staged_already) {
		st = usbmsc_fwu_choose_mode(d->modes, u->o->mode, u->o->no_activate, len, one_max,
					    &p->mode, u->err);
		if (st)
			return st;
		u->mode_chosen = u->o->mode == 0;
		if (p->mode == WB_MODE_ONE) {
			p->chunk = (uint32_t)len;
		} else {
			st = usbmsc_fwu_chunk_size(shift, cap, d->max_transfer, u->o->chunk, &p->chunk,
						   u->err);
			if (st)
				return st;
		}
	}
	p->commands = count_commands(p);
	u->out->planned = true;
	return 0;
}

static void announce_plan(struct fwu *u)
{
	const struct usbmsc_fwu_plan *p = &u->out->plan;
	char text[200];

	if (p->confirm_only)
		snprintf(text, sizeof text, "version %s already runs on trial: FW CONFIRM only",
			 u->out->header.version);
	else if (p->staged_already)
		snprintf(text, sizeof text, "version %s already waits for activation: nothing to "
			 "send", u->out->header.version);
	else if (p->activate_only)
		snprintf(text, sizeof text, "version %s already waits for activation: WRITE BUFFER "
			 "mode 0x0f only", u->out->header.version);
	else
		snprintf(text, sizeof text, "WRITE BUFFER mode 0x%02x%s, %u command%s of up to %u "
			 "bytes for %llu bytes", p->mode,
			 p->mode == WB_MODE_DEFER ? (p->activate ? ", then 0x0f" : ", no activation")
						  : "",
			 p->commands, p->commands == 1 ? "" : "s", p->chunk,
			 (unsigned long long)p->image_len);
	report(u, USBMSC_FWU_EV_PLAN, 0, p->image_len, text);
}

/* ---- download -------------------------------------------------------------------------- */

/* The offset of the chunk's first byte: bits 23:0 in BUFFER OFFSET, bits
 * 31:24 in BUFFER ID. check_size() let an image past 16 MiB - 1 through
 * only to a device that reads BUFFER ID so (FW STATE's WIDE OFFSET), so
 * any other device gets BUFFER ID 0, as sg_write_buffer sends. */
static int write_buffer(struct fwu *u, uint8_t mode, uint32_t off, uint32_t len, unsigned timeout,
			struct usbmsc_result *res)
{
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_write_buffer(cdb, mode, 0, (uint8_t)(off >> 24), off & WB_MAX_FIELD,
					   len);

	if (n == 0) {
		memset(res, 0, sizeof *res);
		return usbmsc_fail(u->err, USBMSC_E_USAGE,
				   "WRITE BUFFER mode 0x%02x cannot carry %u bytes", mode, len);
	}
	u->out->commands_sent++;
	return run_cmd(*u->dev, u->o->lun, cdb, n, USBMSC_DIR_OUT, len ? u->buf : NULL, len, timeout,
		       res, &u->microcode_changed);
}

static bool stop_asked(const struct fwu *u)
{
	return u->o->stop && *u->o->stop;
}

/* What to say when the download ends early: the old image still runs. */
static int stopped(struct fwu *u, uint64_t off)
{
	return usbmsc_fail(u->err, USBMSC_E_OTHER,
			   "interrupted after %llu of %llu bytes; the device keeps running "
			   "version %s (it switches only after a complete, verified image): run "
			   "the update again", (unsigned long long)off,
			   (unsigned long long)u->out->plan.image_len,
			   u->out->before.has_state ? u->out->before.state.active_version
						    : u->out->before.inquiry.revision);
}

/* One WRITE BUFFER's answer decides: go on, fall back, start over, fail. */
enum chunk_verdict { CHUNK_OK, CHUNK_FALLBACK, CHUNK_RESTART, CHUNK_FAIL };

static enum chunk_verdict judge_chunk(struct fwu *u, int st, const struct usbmsc_result *res,
				      uint32_t off)
{
	struct usbmsc_fwu_plan *p = &u->out->plan;
	bool invalid_cdb = st == USBMSC_E_ILLEGAL_REQUEST && sense_is(res, 0x5, 0x24, 0x00);

	if (st == 0)
		return CHUNK_OK;
	if (invalid_cdb && off == 0 && p->mode == WB_MODE_DEFER && u->mode_chosen && p->activate &&
	    !u->out->fell_back)
		return CHUNK_FALLBACK;
	if (invalid_cdb && off > 0 && !u->out->restarted)
		return CHUNK_RESTART;
	return CHUNK_FAIL;
}

static int download(struct fwu *u)
{
	struct usbmsc_fwu_plan *p = &u->out->plan;
	struct usbmsc_result res;
	uint64_t off = 0;
	int st;

	while (off < p->image_len) {
		uint32_t n = (uint32_t)(p->image_len - off < p->chunk ? p->image_len - off : p->chunk);
		bool last = off + n == p->image_len;
		enum chunk_verdict v;

		if (stop_asked(u))
			return stopped(u, off);
		st = image_bytes(u, off, u->buf, n);
		if (st)
			return st;
		st = write_buffer(u, p->mode, (uint32_t)off, n,
				  last && p->mode != WB_MODE_DEFER ? u->activate_timeout
								   : u->chunk_timeout, &res);
		v = judge_chunk(u, st, &res, (uint32_t)off);
		if (v == CHUNK_FALLBACK) {
			note(u, "the device refused mode 0x0e (05/24/00): falling back to mode 0x07");
			u->out->fell_back = true;
			p->mode = WB_MODE_CHUNKS;
			p->commands = count_commands(p);
			continue;
		}
		if (v == CHUNK_RESTART) {
			note(u, "the device lost the download at offset %llu (05/24/00): starting "
			     "again from offset 0", (unsigned long long)off);
			u->out->restarted = true;
			off = 0;
			continue;
		}
		if (v == CHUNK_FAIL) {
			st = failed_cmd(u, st, &res, "WRITE BUFFER mode 0x%02x at offset %llu",
					p->mode, (unsigned long long)off);
			if (st != USBMSC_E_ILLEGAL_REQUEST)
				add_to_msg(u->err, "; the download is incomplete, so the device keeps "
					   "its old firmware: run the update again");
			return st;
		}
		off += n;
		u->out->bytes_sent = off;
		report(u, USBMSC_FWU_EV_PROGRESS, off, p->image_len, NULL);
	}
	return 0;
}

/* ---- activation, reconnection, verification, confirmation ------------------------------ */

static int activate_deferred(struct fwu *u)
{
	struct usbmsc_result res;
	int st;

	report(u, USBMSC_FWU_EV_ACTIVATE, 0, 0, "WRITE BUFFER mode 0x0f: activate deferred microcode");
	st = write_buffer(u, WB_MODE_ACTIVATE, 0, 0, u->activate_timeout, &res);
	if (st == 0)
		return 0;
	st = failed_cmd(u, st, &res, "WRITE BUFFER mode 0x0f (activate)");
	if (sense_is(&res, 0x5, 0x2C, 0x00))
		add_to_msg(u->err, ": the device holds no complete, verified image to activate");
	return st;
}

static int try_open(struct fwu *u, const char *uri)
{
	struct usbmsc_error e = { 0 };
	int st = usbmsc_open(uri, &u->o->open_opts, u->dev, &e);

	if (st == 0) {
		u->out->reopened = true;
		snprintf(u->out->reopened_uri, sizeof u->out->reopened_uri, "%s", uri);
		note(u, "the device is back at %s", uri);
	}
	return st;
}

/* The same URI first; a device node may have changed its name, so then the
 * device is looked for by USB ID and serial number. */
static int reopen(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	char alt[USBMSC_ERRMSG_MAX];

	if (try_open(u, u->o->uri) == 0)
		return 0;
	if (d->has_state && d->has_serial &&
	    usbmsc_fwu_reopen_uri(u->o->uri, d->state.vid, d->state.pid, d->serial, alt, sizeof alt))
		return try_open(u, alt);
	return USBMSC_E_NO_DEVICE;
}

static void drop_device(struct fwu *u, int st)
{
	note(u, "the device stopped answering (%s): it reboots; reopening %s",
	     usbmsc_status_name(st), u->o->uri ? u->o->uri : "(no URI)");
	usbmsc_close(*u->dev);
	*u->dev = NULL;
}

/* A check after activation that says the device is off the bus (or that
 * the bus lost it): it reboots, so it is reopened rather than trusted. */
static bool gone(int st)
{
	return st == USBMSC_E_NO_DEVICE || st == USBMSC_E_TRANSPORT || st == USBMSC_E_TIMEOUT;
}

/* The probe after activation shows the new image running. */
static bool runs_new(const struct fwu *u)
{
	const struct usbmsc_fw_device *a = &u->out->after;
	const struct usbmsc_fw_header *h = &u->out->header;

	return strcmp(a->inquiry.revision, h->version) == 0 &&
	       (!a->has_state || same_image_as(h, a->state.active_version, a->state.active_number));
}

/* Has the device been through its reboot? A device may keep answering
 * with the old image for a few commands after the activating CSW before
 * it drops off the bus, so an answer alone proves nothing: it must run
 * the new image, or show that it rebooted (the unit attention of new
 * microcode or of a power-on, or FW STATE's REVERTED: it booted and went
 * back). Without a parsed header there is nothing to compare with. */
static bool rebooted(const struct fwu *u, bool ua_seen)
{
	const struct usbmsc_fw_device *a = &u->out->after;

	return ua_seen || !u->out->header_ok || runs_new(u) ||
	       (a->has_state && (a->state.flags & USBMSC_FWST_REVERTED));
}

/* TEST UNIT READY until the device answers, consuming the unit attentions
 * of its reboot. 1: it answers; 0: not yet (dropped, not ready); else a
 * category. */
static int poll_ready(struct fwu *u, bool *ua_seen)
{
	struct usbmsc_result res;
	struct usbmsc_sense s;
	int st;

	for (int i = 0; i <= UA_RETRIES; i++) {
		st = usbmsc_test_unit_ready(*u->dev, u->o->lun, &res);
		if (st != USBMSC_E_UNIT_ATTENTION || !sense_of(&res, &s))
			break;
		if (s.asc == 0x3F && s.ascq == 0x01) {
			u->microcode_changed = true;
			*ua_seen = true;
			note(u, "the device reports new microcode (06/3F/01)");
		} else if (s.asc == 0x29) {
			*ua_seen = true;
		}
	}
	if (gone(st)) {
		drop_device(u, st);
		return 0;
	}
	if (st == USBMSC_E_NOT_READY || st == USBMSC_E_UNIT_ATTENTION) {
		sleep_ms(POLL_MS);
		return 0;
	}
	return 1; /* it answers; TEST UNIT READY's verdict is not ours */
}

/* One look at the device after activation. 1: it runs after its reboot,
 * u->out->after says how; 0: not yet; else a category. At the deadline
 * an answer that still shows the old image is taken, for verify_new to
 * refuse. */
static int look_once(struct fwu *u, bool *ua_seen, bool last, bool *told)
{
	struct usbmsc_error e = { 0 };
	bool mc = false;
	int st = poll_ready(u, ua_seen);

	if (st != 1)
		return st;
	st = usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, &mc, &e);
	if (gone(st)) {
		drop_device(u, st);
		return 0;
	}
	if (st) {
		*u->err = e;
		return st;
	}
	u->out->has_after = true;
	*ua_seen = *ua_seen || mc;
	if (last || rebooted(u, *ua_seen))
		return 1;
	if (!*told) {
		note(u, "the device still answers with version %s: waiting for its reboot",
		     u->out->after.inquiry.revision);
		*told = true;
	}
	sleep_ms(POLL_MS);
	return 0;
}

/* Until the device runs again after activation (rebooted(): the old
 * image's last answers do not count), reopening it when it drops off the
 * bus; bounded by the wait. */
static int wait_for_device(struct fwu *u)
{
	unsigned wait = u->o->wait_ms ? u->o->wait_ms : USBMSC_FWU_DEFAULT_WAIT_MS;
	uint64_t deadline = now_ms() + wait;
	bool ua_seen = false, told = false;

	report(u, USBMSC_FWU_EV_WAIT, 0, 0, "waiting for the device to run the new firmware");
	u->out->has_after = false;
	for (;;) {
		bool last = now_ms() >= deadline;
		int st;

		if (*u->dev) {
			st = look_once(u, &ua_seen, last, &told);
			if (st == 1)
				return 0;
			if (st)
				return st;
		} else if (!u->o->uri) {
			return usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
					   "the device went away after activation and there is no "
					   "URI to reopen it");
		} else if (reopen(u) != 0) {
			sleep_ms(REOPEN_PAUSE_MS);
		}
		if (last)
			return usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
					   "the device did not come back within %u s of activation",
					   (wait + 999) / 1000);
	}
}

/* The device that answered after activation (wait_for_device's probe) is
 * the one updated and runs the new image. */
static int verify_new(struct fwu *u)
{
	const struct usbmsc_fw_device *b = &u->out->before, *a = &u->out->after;
	const struct usbmsc_fw_header *h = &u->out->header;

	if (b->has_serial && a->has_serial && strcmp(b->serial, a->serial) != 0)
		return usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
				   "another device answered: serial number %s, not %s", a->serial,
				   b->serial);
	if (!u->out->header_ok)
		return 0; /* unchecked and unparsable: nothing to compare with */
	if (!runs_new(u))
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "after activation the device runs version %s (number %u), not "
				   "%s (number %u)%s", a->inquiry.revision,
				   a->has_state ? a->state.active_number : 0, h->version,
				   h->version_number,
				   a->has_state && (a->state.flags & USBMSC_FWST_REVERTED)
					   ? ": it reverted the new image" : "");
	return 0;
}

static int confirm(struct fwu *u)
{
	uint8_t cdb[6] = { USBMSC_OP_FW_CONFIRM, 0, 0, 0, 0, 0 };
	struct usbmsc_result res;
	int st;

	if (!u->out->after.has_state)
		return 0; /* no FW STATE, no FW CONFIRM: nothing to end */
	report(u, USBMSC_FWU_EV_CONFIRM, 0, 0, "FW CONFIRM: the new image stays");
	st = run_cmd(*u->dev, u->o->lun, cdb, sizeof cdb, USBMSC_DIR_NONE, NULL, 0, 0, &res,
		     &u->microcode_changed);
	if (st)
		return failed_cmd(u, st, &res, "FW CONFIRM");
	u->out->confirmed = true;
	/* FW STATE as it stands now: confirmed, floor raised */
	return usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, NULL, u->err);
}

static int finish_activation(struct fwu *u)
{
	int st;

	u->out->activated = true;
	st = wait_for_device(u);
	if (!st)
		st = verify_new(u);
	if (!st)
		st = confirm(u);
	if (!st)
		u->out->end = USBMSC_FWU_UPDATED;
	return st;
}

/* After --no-activate: the image must now wait on the device. */
static int check_staged(struct fwu *u)
{
	const struct usbmsc_fw_state *s = &u->out->after.state;
	int st = usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, &u->microcode_changed, u->err);

	if (st)
		return st;
	u->out->has_after = true;
	if (u->out->after.has_state && u->out->header_ok &&
	    (!(s->flags & USBMSC_FWST_PENDING) ||
	     !same_image_as(&u->out->header, s->pending_version, s->pending_number)))
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "the device took the image but reports no pending version %s",
				   u->out->header.version);
	u->out->end = USBMSC_FWU_STAGED;
	return 0;
}

/* ---- the whole update ---------------------------------------------------------------------- */

static int host_checks(struct fwu *u)
{
	int st;

	if (u->o->no_host_checks) {
		note(u, "--no-host-checks: %s goes to the device unchecked", u->path);
		peek_header(u);
		return check_size(u, u->file_size);
	}
	/* the size first: it costs nothing, the signature a read of the file */
	st = check_size(u, u->file_size);
	if (!st)
		st = check_signature(u);
	if (!st)
		st = check_fit(u);
	if (!st)
		st = check_device_state(u);
	return st;
}

static int send_and_activate(struct fwu *u)
{
	const struct usbmsc_fwu_plan *p = &u->out->plan;
	int st;

	if (p->confirm_only)
		return finish_activation(u);
	if (p->staged_already)
		return check_staged(u);
	if (!p->activate_only) {
		u->buf = malloc(p->chunk);
		if (!u->buf)
			return usbmsc_fail(u->err, USBMSC_E_OTHER, "out of memory for a %u-byte chunk",
					   p->chunk);
		st = download(u);
		if (st)
			return st;
	}
	if (p->mode == WB_MODE_DEFER && !p->activate)
		return check_staged(u);
	if (p->mode == WB_MODE_DEFER || p->activate_only) {
		st = activate_deferred(u);
		if (st)
			return st;
	}
	return finish_activation(u);
}

/* Best effort after a failure: how the device stands now (its last error,
 * the version that still runs), for the caller to show. */
static void look_after_failure(struct fwu *u)
{
	struct usbmsc_error e = { 0 };

	if (*u->dev && usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, NULL, &e) == 0)
		u->out->has_after = true;
}

int usbmsc_fw_update(struct usbmsc_dev **dev, const char *path, const struct usbmsc_fwu_opts *opts,
		     struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	struct fwu u = { .dev = dev, .o = opts, .out = out, .err = err, .path = path, .fd = -1 };
	bool sent;
	int st;

	if (!dev || !*dev || !path || !opts || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_fw_update needs a device, an image, "
				   "options and a result");
	memset(out, 0, sizeof *out);
	u.chunk_timeout = at_least(opts->open_opts.timeout_ms, USBMSC_FWU_CHUNK_TIMEOUT_MS);
	u.activate_timeout = at_least(opts->open_opts.timeout_ms, USBMSC_FWU_ACTIVATE_TIMEOUT_MS);
	st = open_image(&u);
	if (!st)
		st = usbmsc_fw_probe(*dev, opts->lun, &out->before, &u.microcode_changed, err);
	if (!st)
		st = host_checks(&u);
	if (!st)
		st = make_plan(&u, u.file_size);
	if (!st)
		announce_plan(&u);
	if (!st && opts->dry_run)
		out->end = USBMSC_FWU_PLANNED;
	else if (!st)
		st = send_and_activate(&u);
	sent = out->commands_sent > 0 || out->plan.confirm_only;
	if (st && sent && !out->has_after)
		look_after_failure(&u);
	free(u.buf);
	if (u.fd >= 0)
		close(u.fd);
	return st;
}
