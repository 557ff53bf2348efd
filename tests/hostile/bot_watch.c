/* The monitor of a host's Bulk-Only Transport traffic (bot_watch.h). */
#include "bot_watch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/fwproto.h"
#include "usbmsc/initiator.h"
#include "usbmsc/scsi.h"

#define WB_MODE_ONE 0x05u
#define WB_MODE_CHUNKS 0x07u
#define WB_MODE_DEFER 0x0Eu
#define WB_MODE_ACTIVATE 0x0Fu

void watch_init(struct bot_watch *w, uint8_t framing)
{
	memset(w, 0, sizeof *w);
	w->framing = framing;
}

void watch_violation(struct bot_watch *w, const char *fmt, ...)
{
	va_list ap;

	if (w->violations++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(w->first, sizeof w->first, fmt, ap);
	va_end(ap);
}

void watch_reset_record(struct bot_watch *w)
{
	w->wrote = false;
	w->write_lo = w->write_hi = 0;
	w->covered = 0;
	w->wb_sent = w->wb_taken = 0;
	w->activated = false;
	w->confirms = w->confirms_any = 0;
}

static bool is_cbw(const struct bot_watch *w, const uint8_t *buf, size_t len)
{
	return len == USBMSC_CBW_LEN &&
	       usbmsc_get_le32(buf) == usbmsc_cbw_signature((enum usbmsc_framing)w->framing);
}

enum watch_stage watch_stage_of_bulk(const struct bot_watch *w, bool in, const uint8_t *buf,
				     size_t len)
{
	(void)buf;
	if (in)
		return w->phase == WATCH_DATA_IN ? WATCH_DATA_IN_STAGE : WATCH_CSW;
	if (w->phase == WATCH_DATA_OUT && len == w->cmd.len)
		return WATCH_DATA_OUT_STAGE;
	return WATCH_CBW;
}

/* Every call counts towards the gap since the last CBW. */
static void count_call(struct bot_watch *w, int result)
{
	w->calls++;
	w->gap++;
	if (w->gap > w->max_gap)
		w->max_gap = w->gap;
	if (w->gap == WATCH_MAX_GAP + 1)
		watch_violation(w, "%u pipe calls without a new CBW (last opcode 0x%02x): the host "
				"retries without bound", w->gap, w->cmd.cdb[0]);
	if (result == USBMSC_PIPE_NO_DEVICE)
		w->phase = WATCH_IDLE; /* gone: whatever the host tries next is fair */
}

/* ---- what a CDB is about --------------------------------------------------- */

/* The blocks a WRITE(10/12/16) addresses; false for other CDBs. */
static bool write_range(const uint8_t *cdb, uint64_t *lba, uint64_t *count)
{
	switch (cdb[0]) {
	case USBMSC_OP_WRITE10:
		*lba = usbmsc_get_be32(cdb + 2);
		*count = usbmsc_get_be16(cdb + 7);
		return true;
	case USBMSC_OP_WRITE12:
		*lba = usbmsc_get_be32(cdb + 2);
		*count = usbmsc_get_be32(cdb + 6);
		return true;
	case USBMSC_OP_WRITE16:
		*lba = usbmsc_get_be64(cdb + 2);
		*count = usbmsc_get_be32(cdb + 10);
		return true;
	default:
		return false;
	}
}

static uint8_t wb_mode(const struct watch_cmd *c)
{
	return c->cdb[1] & 0x1Fu;
}

/* WRITE BUFFER's 32-bit offset: BUFFER ID is bits 31:24. */
static uint32_t wb_offset(const struct watch_cmd *c)
{
	return (uint32_t)c->cdb[2] << 24 | usbmsc_get_be24(c->cdb + 3);
}

static bool is_wb(const struct watch_cmd *c)
{
	return c->valid && c->cdb[0] == USBMSC_OP_WRITE_BUFFER;
}

static bool carries_image(const struct watch_cmd *c)
{
	uint8_t m = wb_mode(c);

	return is_wb(c) && (m == WB_MODE_ONE || m == WB_MODE_CHUNKS || m == WB_MODE_DEFER);
}

/* ---- the host's exchange ------------------------------------------------------ */

static void see_cbw(struct bot_watch *w, const uint8_t *buf, size_t done, int result)
{
	struct watch_cmd *c = &w->cmd;
	uint64_t lba, count;

	memset(c, 0, sizeof *c);
	c->valid = true;
	c->tag = usbmsc_get_le32(buf + 4);
	c->len = usbmsc_get_le32(buf + 8);
	c->in = (buf[12] & USBMSC_CBW_FLAG_IN) != 0;
	c->cdb_len = buf[14] & 0x1Fu;
	memcpy(c->cdb, buf + 15, 16);
	w->cbws++;
	w->gap = 0;
	if (write_range(c->cdb, &lba, &count) && count > 0) {
		if (!w->wrote || lba < w->write_lo)
			w->write_lo = lba;
		if (!w->wrote || lba + count > w->write_hi)
			w->write_hi = lba + count;
		w->wrote = true;
	}
	if (is_wb(c))
		w->wb_sent++;
	if (result != USBMSC_PIPE_OK || done != USBMSC_CBW_LEN)
		w->phase = WATCH_IDLE;
	else if (c->len == 0)
		w->phase = WATCH_STATUS;
	else
		w->phase = c->in ? WATCH_DATA_IN : WATCH_DATA_OUT;
}

/* The image bytes a WRITE BUFFER data stage carries. */
static void check_image_bytes(struct bot_watch *w, const uint8_t *buf, size_t len)
{
	uint32_t off = wb_offset(&w->cmd);

	if (!w->image || !carries_image(&w->cmd))
		return;
	if ((uint64_t)off + len > w->image_len) {
		watch_violation(w, "WRITE BUFFER of %zu bytes at offset %u: past the %llu-byte image",
				len, off, (unsigned long long)w->image_len);
		return;
	}
	if (memcmp(buf, w->image + off, len) != 0)
		watch_violation(w, "WRITE BUFFER at offset %u carried bytes that are not the image's",
				off);
}

/* A taken WRITE BUFFER or FW CONFIRM enters the firmware record. */
static void took(struct bot_watch *w)
{
	const struct watch_cmd *c = &w->cmd;
	uint32_t off = wb_offset(c);
	uint8_t m = wb_mode(c);

	if (c->cdb[0] == USBMSC_OP_FW_CONFIRM) {
		w->confirms_any++;
		if (w->activated)
			w->confirms++;
		return;
	}
	if (!is_wb(c))
		return;
	w->wb_taken++;
	if (carries_image(c)) {
		if (off == 0)
			w->covered = c->len;
		else if (off == w->covered)
			w->covered += c->len;
	}
	if ((m == WB_MODE_ONE || m == WB_MODE_CHUNKS) && off + (uint64_t)c->len == w->image_len &&
	    w->covered == w->image_len)
		w->activated = true;
	if (m == WB_MODE_ACTIVATE)
		w->activated = true;
}

/* A CSW the host received for the current command. */
static void see_csw(struct bot_watch *w, const uint8_t *buf)
{
	const struct watch_cmd *c = &w->cmd;
	uint32_t residue = usbmsc_get_le32(buf + 8);

	w->phase = WATCH_IDLE;
	if (!c->valid || usbmsc_get_le32(buf + 4) != c->tag)
		return;
	if (buf[12] == USBMSC_CSW_PASSED && residue == 0 && c->moved == c->len)
		took(w);
}

static bool is_csw(const struct bot_watch *w, const uint8_t *buf, size_t done)
{
	return done == USBMSC_CSW_LEN &&
	       usbmsc_get_le32(buf) == usbmsc_csw_signature((enum usbmsc_framing)w->framing);
}

void watch_bulk(struct bot_watch *w, enum watch_stage stage, const uint8_t *buf, size_t len,
		size_t done, int result)
{
	count_call(w, result);
	if ((stage == WATCH_CBW && w->phase != WATCH_IDLE && w->phase != WATCH_STATUS) ||
	    (stage == WATCH_CSW && w->phase == WATCH_DATA_OUT))
		watch_violation(w, "%s where the %s data stage of %u bytes was due (opcode 0x%02x)",
				stage == WATCH_CBW ? "a bulk OUT of a CBW or another length"
						   : "a Bulk-In read",
				w->phase == WATCH_DATA_IN ? "IN" : "OUT", w->cmd.len, w->cmd.cdb[0]);
	switch (stage) {
	case WATCH_CBW:
		if (is_cbw(w, buf, len)) {
			see_cbw(w, buf, done, result);
		} else {
			w->invalid_cbws++;
			w->cmd.valid = false;
			w->phase = WATCH_IDLE;
		}
		break;
	case WATCH_DATA_OUT_STAGE:
		check_image_bytes(w, buf, len);
		w->cmd.moved = done;
		w->phase = WATCH_STATUS;
		break;
	case WATCH_DATA_IN_STAGE:
		if (len != w->cmd.len)
			watch_violation(w, "IN data stage of %zu bytes for a CBW of %u (opcode 0x%02x)",
					len, w->cmd.len, w->cmd.cdb[0]);
		w->phase = WATCH_STATUS;
		if (result == USBMSC_PIPE_OK && is_csw(w, buf, done)) {
			see_csw(w, buf); /* the CSW at once, instead of the data */
			break;
		}
		w->cmd.moved = done;
		break;
	default:
		if (result == USBMSC_PIPE_OK && is_csw(w, buf, done))
			see_csw(w, buf);
		break;
	}
	if (result == USBMSC_PIPE_NO_DEVICE)
		w->phase = WATCH_IDLE;
}

void watch_control(struct bot_watch *w, uint8_t rt, uint8_t req, int result)
{
	count_call(w, result);
	/* A Mass Storage Reset, even one refused, starts Reset Recovery:
	 * the next CBW is expected. */
	if (req == USBMSC_REQ_RESET &&
	    rt == usbmsc_framing_request_type((enum usbmsc_framing)w->framing, false))
		w->phase = WATCH_IDLE;
}

void watch_other(struct bot_watch *w, enum watch_stage stage, int result)
{
	count_call(w, result);
	if (stage == WATCH_PORT_RESET)
		w->phase = WATCH_IDLE;
}
