/* What a device says about its firmware (fwupdate.h): FW STATE, the READ
 * BUFFER descriptor, the WRITE BUFFER modes REPORT SUPPORTED OPERATION
 * CODES reports; and running one command of a firmware operation. */
#include "fw_internal.h"

#include <stdio.h>
#include <string.h>

#include "usbmsc/byteorder.h"

#define RB_MODE_DESCRIPTOR 0x03u
#define RB_DESCRIPTOR_LEN 4u
#define ALL_MODES (USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_0E | \
		   USBMSC_FW_MODEBIT_0F)
#define RSOC_ALLOC 20u
#define RSOC_ONE_OPCODE 1u           /* reporting options: one command, no service action */
#define RSOC_OPCODE_AND_SA 2u        /* one command with service action (the mode) */
#define SERIAL_VPD_ALLOC 252u

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

/* A version field: printable ASCII, padded with spaces or NULs. False for
 * anything else, so that a device's control bytes never reach a terminal. */
static bool copy_trimmed(char *out, size_t room, const uint8_t *p, size_t n)
{
	size_t len = n < room - 1 ? n : room - 1;

	memcpy(out, p, len);
	while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == '\0'))
		len--;
	out[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)out[i] < 0x20 || (uint8_t)out[i] > 0x7E)
			return false;
	return true;
}

bool usbmsc_fwi_sense_of(const struct usbmsc_result *res, struct usbmsc_sense *s)
{
	return res->outcome == USBMSC_OUTCOME_CHECK_CONDITION &&
	       usbmsc_sense_decode(res->sense, res->sense_len, s);
}

bool usbmsc_fwi_sense_is(const struct usbmsc_result *res, uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct usbmsc_sense s;

	return usbmsc_fwi_sense_of(res, &s) && s.key == key && s.asc == asc && s.ascq == ascq;
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
	if (!copy_trimmed(out->active_version, sizeof out->active_version, buf + 8, 4))
		return false;
	out->active_number = usbmsc_get_be32(buf + 12);
	if (!copy_trimmed(out->pending_version, sizeof out->pending_version, buf + 16, 4))
		return false;
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

int usbmsc_fwi_run(struct usbmsc_dev *dev, uint8_t lun, const uint8_t *cdb, size_t cdb_len,
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
		if (st != USBMSC_E_UNIT_ATTENTION || !usbmsc_fwi_sense_of(res, &s))
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

int usbmsc_fwi_fail_dev(struct usbmsc_error *err, struct usbmsc_dev *dev, int st, const char *what)
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
		return usbmsc_fwi_fail_dev(err, dev, st, "INQUIRY VPD page 0x80");
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
	int st = usbmsc_fwi_run(dev, lun, cdb, sizeof cdb, USBMSC_DIR_IN, buf, sizeof buf, 0, &res,
				mc);

	if (not_served(st))
		return 0;
	if (st)
		return usbmsc_fwi_fail_dev(err, dev, st, "FW STATE");
	d->has_state = usbmsc_fw_state_parse(buf, res.transferred, &d->state);
	return 0;
}

static int probe_descriptor(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *d,
			    bool *mc, struct usbmsc_error *err)
{
	uint8_t cdb[16], buf[RB_DESCRIPTOR_LEN];
	size_t n = usbmsc_cdb_read_buffer(cdb, RB_MODE_DESCRIPTOR, 0, 0, RB_DESCRIPTOR_LEN);
	struct usbmsc_result res;
	int st = usbmsc_fwi_run(dev, lun, cdb, n, USBMSC_DIR_IN, buf, sizeof buf, 0, &res, mc);

	if (not_served(st))
		return 0;
	if (st)
		return usbmsc_fwi_fail_dev(err, dev, st, "READ BUFFER descriptor");
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
	int st = usbmsc_fwi_run(dev, lun, cdb, n, USBMSC_DIR_IN, buf, sizeof buf, 0, &res, mc);

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
		return usbmsc_fwi_fail_dev(err, dev, st, "REPORT SUPPORTED OPERATION CODES");
	st = rsoc_one(dev, lun, RSOC_ONE_OPCODE, 0, &support, mc);
	if (st == 0) {
		d->rsoc_answered = true;
		d->wb_supported = supported(support);
	} else if (!not_served(st)) {
		return usbmsc_fwi_fail_dev(err, dev, st, "REPORT SUPPORTED OPERATION CODES");
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
		return usbmsc_fwi_fail_dev(err, dev, st, "INQUIRY");
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

