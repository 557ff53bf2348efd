/* The SCSI block commands of a LUN (SPC-4 / SBC-3 subset): their table and
 * their implementations. Each implementation checks what the table cannot,
 * then either builds its response in the streaming buffer (every response
 * fits USBMSC_TARGET_MIN_BUF) or sets up a storage transfer that the engine
 * streams piece by piece. */
#include "target_internal.h"

#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

/* Command ids: the index of each command in the table below. */
enum {
	C_TUR, C_REQUEST_SENSE, C_INQUIRY, C_MODE_SENSE6, C_START_STOP, C_PREVENT,
	C_READ_FORMAT_CAP, C_READ_CAP10, C_READ10, C_WRITE10, C_VERIFY10, C_SYNC10,
	C_MODE_SENSE10, C_READ16, C_WRITE16, C_SAI16, C_REPORT_LUNS, C_READ12, C_WRITE12,
	C_COUNT
};

#define B(i) (1u << (i))
#define BYTES(first, last) ((uint16_t)((B((last) + 1) - 1u) & ~(B(first) - 1u)))
#define IN USBMSC_DIR_IN
#define OUT USBMSC_DIR_OUT
#define MED TGT_CF_MEDIUM
#define UAOK TGT_CF_UA_OK
#define CTRL TGT_CF_CTRL
#define RW_BYTE1 0x18u /* DPO, FUA */

static const struct usbmsc_tgt_cmd commands[C_COUNT] = {
	[C_TUR] = { 0x00, 0, MED | CTRL, 0 },
	[C_REQUEST_SENSE] = { 0x03, 0, IN | UAOK | CTRL, B(4) },
	[C_INQUIRY] = { 0x12, 0x01, IN | UAOK | CTRL, BYTES(2, 4) },
	[C_MODE_SENSE6] = { 0x1A, 0x08, IN, B(2) | B(4) },
	[C_START_STOP] = { 0x1B, 0x01, 0, BYTES(3, 4) },
	[C_PREVENT] = { 0x1E, 0, 0, B(4) },
	[C_READ_FORMAT_CAP] = { 0x23, 0, IN, BYTES(7, 8) },
	[C_READ_CAP10] = { 0x25, 0, IN | MED, BYTES(2, 5) | B(8) },
	[C_READ10] = { 0x28, RW_BYTE1, IN | MED, BYTES(2, 5) | BYTES(7, 8) },
	[C_WRITE10] = { 0x2A, RW_BYTE1, OUT | MED, BYTES(2, 5) | BYTES(7, 8) },
	[C_VERIFY10] = { 0x2F, 0x10, MED, BYTES(2, 5) | BYTES(7, 8) },     /* BYTCHK must be 0 */
	[C_SYNC10] = { 0x35, 0x06, MED, BYTES(2, 5) | BYTES(7, 8) },
	[C_MODE_SENSE10] = { 0x5A, 0x18, IN, B(2) | BYTES(7, 8) },
	[C_READ16] = { 0x88, RW_BYTE1, IN | MED, BYTES(2, 13) },
	[C_WRITE16] = { 0x8A, RW_BYTE1, OUT | MED, BYTES(2, 13) },
	[C_SAI16] = { 0x9E, 0x1F, IN | MED, BYTES(2, 14) },
	[C_REPORT_LUNS] = { 0xA0, 0, IN | UAOK | CTRL, B(2) | BYTES(6, 9) },
	[C_READ12] = { 0xA8, RW_BYTE1, IN | MED, BYTES(2, 9) },
	[C_WRITE12] = { 0xAA, RW_BYTE1, OUT | MED, BYTES(2, 9) },
};

/* The largest built-in response (REPORT LUNS of 16 LUNs) rounded up. */
#define RESPONSE_MAX 144u
#define SERIAL_MAX 32u

/* VPD 0x00: the pages this LUN serves. Block limits (0xB0, an SBC page)
 * comes last: a control LUN serves all but it. */
static const uint8_t vpd_pages[] = { 0x00, 0x80, 0x83, 0xB0 };

const struct usbmsc_tgt_cmd *usbmsc_tgt_block_find(uint8_t opcode)
{
	for (uint32_t i = 0; i < C_COUNT; i++) {
		if (commands[i].opcode == opcode)
			return &commands[i];
	}
	return NULL;
}

static uint32_t text_len(const char *s, uint32_t max)
{
	uint32_t n = 0;

	while (s && n < max && s[n])
		n++;
	return n;
}

/* An INQUIRY text field: ASCII, space-padded to width. */
static void put_text(uint8_t *dst, const char *s, uint32_t width)
{
	uint32_t n = text_len(s, width);

	memcpy(dst, s ? s : "", n);
	memset(dst + n, ' ', width - n);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static bool lun_read_only(const struct usbmsc_lun_config *lc)
{
	return (lc->flags & USBMSC_LUN_READ_ONLY) || lc->write == NULL;
}

/* INQUIRY: the standard data or a VPD page; returns the full length.
 * Byte 0 of each is the peripheral device type: 0x00 direct access, 0x03
 * processor for a control LUN (which has no medium to remove). */
static usbmsc_sense_t inquiry(const struct usbmsc_target *t, const struct usbmsc_lun_config *lc,
			      uint32_t *n)
{
	const struct usbmsc_target_config *cfg = t->cfg;
	const uint8_t *cb = t->cb;
	uint8_t *b = t->buf;
	uint32_t sl = text_len(cfg->serial, SERIAL_MAX);
	bool ctrl = (lc->flags & USBMSC_LUN_PROCESSOR) != 0;

	if (sl == 0)
		sl = 8; /* no serial: report spaces */
	b[0] = ctrl ? 0x03 : 0x00;
	if (!(cb[1] & 0x01)) {
		if (cb[2] != 0)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		b[1] = (!ctrl && (lc->flags & USBMSC_LUN_REMOVABLE)) ? 0x80 : 0;
		b[2] = 0x06; /* SPC-4 */
		b[3] = 0x02; /* response data format */
		b[4] = 36 - 5;
		put_text(b + 8, cfg->vendor, 8);
		put_text(b + 16, cfg->product, 16);
		put_text(b + 32, cfg->revision, 4);
		*n = 36;
		return USBMSC_SENSE_OK;
	}
	b[1] = cb[2];
	switch (cb[2]) {
	case 0x00:
		memcpy(b + 4, vpd_pages, sizeof(vpd_pages));
		b[3] = (uint8_t)(sizeof(vpd_pages) - ctrl);
		break;
	case 0x80:
		put_text(b + 4, cfg->serial, sl);
		b[3] = (uint8_t)sl;
		break;
	case 0x83:
		/* One T10 vendor ID designator: vendor, product, serial and the
		 * LUN as a hex digit, so that every LUN has its own name. */
		b[4] = 0x02; /* ASCII */
		b[5] = 0x01; /* associated with the LUN, T10 vendor ID */
		put_text(b + 8, cfg->vendor, 8);
		put_text(b + 16, cfg->product, 16);
		put_text(b + 32, cfg->serial, sl);
		b[32 + sl] = (uint8_t)"0123456789ABCDEF"[t->lun & 0x0F];
		b[7] = (uint8_t)(24 + sl + 1);
		b[3] = (uint8_t)(b[7] + 4);
		break;
	case 0xB0:
		if (ctrl)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		/* Block limits: no transfer limit, optimal granularity 1 block. */
		b[3] = 0x3C;
		b[7] = 1;
		break;
	default:
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	}
	*n = 4u + b[3];
	return USBMSC_SENSE_OK;
}

/* MODE SENSE(6) and (10): header, block descriptor unless DBD, and the
 * caching page (the only page; 0x3F "all pages" returns it too). */
static usbmsc_sense_t mode_sense(const struct usbmsc_target *t,
				 const struct usbmsc_lun_config *lc, uint32_t *n)
{
	const uint8_t *cb = t->cb;
	uint8_t *b = t->buf;
	bool ten = cb[0] == 0x5A;
	uint8_t pc = cb[2] >> 6;
	uint8_t page = cb[2] & 0x3F;
	uint8_t *p = b + (ten ? 8 : 4);
	uint8_t bd_len = 0;
	uint8_t wp = lun_read_only(lc) ? 0x80 : 0;
	uint32_t total;

	if (pc == 3)
		return TGT_SENSE_SAVING_NOT_SUPPORTED;
	if (page != 0x08 && page != 0x3F)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	if (!(cb[1] & 0x08)) {
		/* Short LBA block descriptor (SBC): block count, block length. */
		usbmsc_put_be32(p, lc->block_count);
		usbmsc_put_be24(p + 5, lc->block_size);
		bd_len = 8;
		p += 8;
	}
	p[0] = 0x08;
	p[1] = 0x12;
	/* Write cache enabled only where there is a cache to flush; the
	 * changeable values (pc 1) are all zero: nothing can be changed. */
	if (pc != 1 && lc->sync)
		p[2] = 0x04;
	total = (uint32_t)(p + 20 - b);
	if (ten) {
		usbmsc_put_be16(b, (uint16_t)(total - 2));
		b[3] = wp;
		b[7] = bd_len;
	} else {
		b[0] = (uint8_t)(total - 1);
		b[2] = wp;
		b[3] = bd_len;
	}
	*n = total;
	return USBMSC_SENSE_OK;
}

/* START STOP UNIT: eject and load a removable medium. */
static usbmsc_sense_t start_stop(struct usbmsc_lun_state *ls,
				 const struct usbmsc_lun_config *lc, uint8_t b4)
{
	/* A power condition, or START/STOP without LOEJ: nothing to do. */
	if ((b4 & 0xF0) || !(b4 & 0x02))
		return USBMSC_SENSE_OK;
	if (!(lc->flags & USBMSC_LUN_REMOVABLE))
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	if (b4 & 0x01) {
		if (ls->flags & TGT_LS_EJECTED) {
			ls->flags &= (uint8_t)~TGT_LS_EJECTED;
			usbmsc_tgt_lun_raise_ua(ls, USBMSC_SENSE_MEDIUM_CHANGED);
		}
		return USBMSC_SENSE_OK;
	}
	if (ls->flags & TGT_LS_PREVENT)
		return TGT_SENSE_REMOVAL_PREVENTED;
	ls->flags |= TGT_LS_EJECTED;
	return USBMSC_SENSE_OK;
}

/* READ, WRITE and VERIFY of 10, 12 and 16 bytes: check the range and set
 * up the transfer; the byte count always comes from the LUN's block size. */
static usbmsc_sense_t block_io(struct usbmsc_target *t, const struct usbmsc_lun_config *lc,
			       uint32_t id, uint32_t *n)
{
	const uint8_t *cb = t->cb;
	uint32_t lba, count;
	uint8_t shift = lc->block_size == 4096 ? 12 : 9;

	if (id == C_READ16 || id == C_WRITE16) {
		if (usbmsc_get_be32(cb + 2) != 0)
			return USBMSC_SENSE_LBA_OUT_OF_RANGE;
		lba = usbmsc_get_be32(cb + 6);
		count = usbmsc_get_be32(cb + 10);
	} else {
		lba = usbmsc_get_be32(cb + 2);
		count = (id == C_READ12 || id == C_WRITE12) ? usbmsc_get_be32(cb + 6)
							    : usbmsc_get_be16(cb + 7);
	}
	if ((commands[id].flags & TGT_CF_DIR) == OUT && lun_read_only(lc))
		return USBMSC_SENSE_WRITE_PROTECTED;
	if (lba >= lc->block_count || count > lc->block_count - lba)
		return USBMSC_SENSE_LBA_OUT_OF_RANGE;
	/* More than 4 GiB cannot be one BOT transfer. */
	if (count > (0xFFFFFFFFu >> shift))
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	if (id == C_VERIFY10)
		return USBMSC_SENSE_OK;
	t->lba = lba;
	t->shift = shift;
	t->handler = (commands[id].flags & TGT_CF_DIR) == OUT ? TGT_H_WRITE : TGT_H_READ;
	*n = count << shift;
	return USBMSC_SENSE_OK;
}

usbmsc_sense_t usbmsc_tgt_block_prepare(struct usbmsc_target *t, const struct usbmsc_tgt_cmd *c,
					uint32_t *len)
{
	const struct usbmsc_lun_config *lc = &t->cfg->luns[t->lun];
	struct usbmsc_lun_state *ls = &t->lun_state[t->lun];
	const uint8_t *cb = t->cb;
	uint8_t *b = t->buf;
	uint32_t id = (uint32_t)(c - commands);
	uint32_t n = 0;     /* response length */
	uint32_t alloc = 0; /* allocation length, where the command has one */
	usbmsc_sense_t s = USBMSC_SENSE_OK;

	memset(b, 0, RESPONSE_MAX);
	switch (id) {
	case C_REQUEST_SENSE:
		/* Fixed format; the engine clears the sense once this ran. */
		b[0] = 0x70;
		b[2] = ls->sense_key;
		b[7] = 10;
		b[12] = ls->asc;
		b[13] = ls->ascq;
		n = 18;
		alloc = cb[4];
		t->plan_flags |= TGT_PF_CLEAR;
		break;
	case C_INQUIRY:
		s = inquiry(t, lc, &n);
		alloc = usbmsc_get_be16(cb + 3);
		break;
	case C_MODE_SENSE6:
	case C_MODE_SENSE10:
		s = mode_sense(t, lc, &n);
		alloc = id == C_MODE_SENSE6 ? cb[4] : usbmsc_get_be16(cb + 7);
		break;
	case C_START_STOP:
		s = start_stop(ls, lc, cb[4]);
		break;
	case C_PREVENT:
		if (cb[4] & 0xFC)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		ls->flags = (uint8_t)((ls->flags & ~TGT_LS_PREVENT) | (cb[4] ? TGT_LS_PREVENT : 0));
		break;
	case C_READ_FORMAT_CAP:
		/* Capacity list header, then the current/maximum descriptor:
		 * formatted medium (2), or no medium (3). */
		b[3] = 8;
		usbmsc_put_be32(b + 4, lc->block_count);
		b[8] = (ls->flags & TGT_LS_EJECTED) ? 3 : 2;
		usbmsc_put_be24(b + 9, lc->block_size);
		n = 12;
		alloc = usbmsc_get_be16(cb + 7);
		break;
	case C_READ_CAP10:
	case C_SAI16:
		if (id == C_SAI16 && (cb[1] & 0x1F) != 0x10)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		n = id == C_SAI16 ? 32 : 8;
		alloc = id == C_SAI16 ? usbmsc_get_be32(cb + 10) : n;
		/* READ CAPACITY(16) has 64-bit fields; the LUN fits 32 bits. */
		b += n == 32 ? 4 : 0;
		usbmsc_put_be32(b, lc->block_count - 1);
		usbmsc_put_be32(b + 4, lc->block_size);
		break;
	case C_SYNC10:
		if (lc->sync)
			s = lc->sync(lc->ctx);
		break;
	case C_REPORT_LUNS:
		alloc = usbmsc_get_be32(cb + 6);
		if ((cb[2] != 0 && cb[2] != 2) || alloc < 16)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		n = t->cfg->lun_count;
		b[3] = (uint8_t)(n << 3);
		for (uint32_t i = 0; i < n; i++)
			b[8 + (i << 3) + 1] = (uint8_t)i;
		n = 8 + (n << 3);
		break;
	case C_TUR:
		break;
	default:
		/* READ, WRITE, VERIFY */
		return block_io(t, lc, id, len);
	}
	if (s)
		return s;
	*len = min_u32(alloc, n);
	if (*len)
		t->handler = TGT_H_BUF;
	return USBMSC_SENSE_OK;
}
