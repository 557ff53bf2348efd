/* The firmware engine's state, kept power-safe in two records in two
 * separate flash sectors. Each record carries a sequence number and a
 * CRC-32; the valid one with the larger sequence number wins. A write
 * always erases and programs the sector that does NOT hold the winner, so
 * a write torn by power loss leaves the previous state readable.
 *
 * e->sync says how far e->rec is known to be the newest record on flash: a
 * sector that cannot be read leaves the state unknown (nothing may be
 * written: the unread record may be the newest); a write that fails may
 * still have landed, so the records are read again after it.
 *
 * Record layout (USBMSC_FW_RECORD_LEN bytes, little-endian):
 *   0   4  magic "UMFR"
 *   4   4  sequence number
 *   8   1  layout (1)
 *   9   1  active slot    10 1 trial slot    11 1 pending slot  (0xFF: none)
 *  12   1  flags (FWI_*)  13 3 zero
 *  16   4  anti-rollback floor
 *  20  12  slot A: version (4, NUL-padded), version number, image length
 *  32  12  slot B
 *  44   1  slot A valid   45 1 slot B valid
 *  46   1  slot A flags   47 1 slot B flags (0x01: signed)   48 12 zero
 *  60   4  CRC-32 (IEEE) of bytes 0..59 */
#include "fw_internal.h"

#include <string.h>

#define REC_MAGIC "UMFR"
#define REC_LAYOUT 1u
#define REC_CRC_OFF (USBMSC_FW_RECORD_LEN - 4u)
#define REC_SIGNED 0x01u
/* Reads tried before a read error counts: flash that fails once in a
 * while must not make the engine stop at every boot. */
#define READ_TRIES 3u

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Bitwise CRC-32 (reflected 0xEDB88320): 60 bytes per record write do not
 * justify a 1 KiB table. */
static uint32_t crc32(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static bool slot_ok(uint8_t s)
{
	return s == USBMSC_FW_SLOT_A || s == USBMSC_FW_SLOT_B || s == USBMSC_FW_NO_SLOT;
}

void usbmsc_fwi_record_empty(struct usbmsc_fw_record *r)
{
	memset(r, 0, sizeof(*r));
	r->active = USBMSC_FW_NO_SLOT;
	r->trial = USBMSC_FW_NO_SLOT;
	r->pending = USBMSC_FW_NO_SLOT;
}

static void encode(const struct usbmsc_fw_record *r, uint8_t *p)
{
	memset(p, 0, USBMSC_FW_RECORD_LEN);
	memcpy(p, REC_MAGIC, 4);
	put_le32(p + 4, r->seq);
	p[8] = REC_LAYOUT;
	p[9] = r->active;
	p[10] = r->trial;
	p[11] = r->pending;
	p[12] = r->flags;
	put_le32(p + 16, r->floor);
	for (uint32_t i = 0; i < 2; i++) {
		const struct usbmsc_fw_slot_state *s = &r->slot[i];
		uint8_t *q = p + 20 + 12 * i;

		memcpy(q, s->version, 4);
		put_le32(q + 4, s->number);
		put_le32(q + 8, s->length);
		p[44 + i] = s->valid ? 1 : 0;
		p[46 + i] = s->sig ? REC_SIGNED : 0;
	}
	put_le32(p + REC_CRC_OFF, crc32(p, REC_CRC_OFF));
}

/* Decode and check one record: false for anything but a well-formed one
 * (erased, torn, or foreign bytes). */
static bool decode(const uint8_t *p, struct usbmsc_fw_record *r)
{
	if (memcmp(p, REC_MAGIC, 4) != 0 || p[8] != REC_LAYOUT ||
	    get_le32(p + REC_CRC_OFF) != crc32(p, REC_CRC_OFF))
		return false;
	if (!slot_ok(p[9]) || !slot_ok(p[10]) || !slot_ok(p[11]))
		return false;
	usbmsc_fwi_record_empty(r);
	r->seq = get_le32(p + 4);
	r->active = p[9];
	r->trial = p[10];
	r->pending = p[11];
	r->flags = p[12];
	r->floor = get_le32(p + 16);
	for (uint32_t i = 0; i < 2; i++) {
		struct usbmsc_fw_slot_state *s = &r->slot[i];
		const uint8_t *q = p + 20 + 12 * i;

		memcpy(s->version, q, 4);
		s->version[4] = '\0';
		s->number = get_le32(q + 4);
		s->length = get_le32(q + 8);
		s->valid = p[44 + i] == 1;
		s->sig = p[46 + i] & REC_SIGNED;
	}
	return true;
}

bool usbmsc_fwi_read(const struct usbmsc_fw_config *cfg, uint32_t addr, uint8_t *buf,
		     uint32_t len)
{
	for (uint32_t i = 0; i < READ_TRIES; i++) {
		if (cfg->flash.read(cfg->flash.ctx, addr, buf, len))
			return true;
	}
	return false;
}

bool usbmsc_fwi_load(struct usbmsc_fw_engine *e)
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	uint8_t raw[2][USBMSC_FW_RECORD_LEN];
	struct usbmsc_fw_record r;

	for (uint8_t i = 0; i < 2; i++) {
		/* Unread is not invalid: it may be the newest record. */
		if (!usbmsc_fwi_read(cfg, cfg->state_addr[i], raw[i], USBMSC_FW_RECORD_LEN)) {
			e->sync = FWI_UNREAD;
			return false;
		}
	}
	usbmsc_fwi_record_empty(&e->rec);
	e->rec_index = USBMSC_FW_NO_SLOT;
	e->sync = FWI_SYNCED;
	for (uint8_t i = 0; i < 2; i++) {
		if (!decode(raw[i], &r))
			continue;
		/* Serial-number comparison: survives the (theoretical) wrap. */
		if (e->rec_index == USBMSC_FW_NO_SLOT || (int32_t)(r.seq - e->rec.seq) > 0) {
			e->rec = r;
			e->rec_index = i;
		}
	}
	return e->rec_index != USBMSC_FW_NO_SLOT;
}

static bool store(struct usbmsc_fw_engine *e, const struct usbmsc_fw_record *r)
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	uint8_t raw[USBMSC_FW_RECORD_LEN];
	uint8_t target = e->rec_index == USBMSC_FW_NO_SLOT ? 0 : (uint8_t)(e->rec_index ^ 1u);
	struct usbmsc_fw_record next = *r, back;

	next.seq = e->rec.seq + 1u;
	encode(&next, raw);
	if (!cfg->flash.erase(cfg->flash.ctx, cfg->state_addr[target]) ||
	    !cfg->flash.program(cfg->flash.ctx, cfg->state_addr[target], raw, sizeof(raw)))
		return false;
	/* Read it back: a record that does not decode would silently leave
	 * the older state in charge at the next boot. */
	if (!usbmsc_fwi_read(cfg, cfg->state_addr[target], raw, sizeof(raw)) ||
	    !decode(raw, &back) || back.seq != next.seq)
		return false;
	e->rec = next;
	e->rec_index = target;
	return true;
}

bool usbmsc_fwi_store(struct usbmsc_fw_engine *e, const struct usbmsc_fw_record *r)
{
	if (e->sync == FWI_UNREAD)
		return false;
	if (store(e, r)) {
		e->sync = FWI_SYNCED;
		return true;
	}
	/* It may have landed all the same: learn what flash holds now, so
	 * that RAM trusts no slot flash claims and the next write never
	 * erases the newest record. Unreadable: no more writes in this run. */
	usbmsc_fwi_load(e);
	return false;
}

bool usbmsc_fwi_release(struct usbmsc_fw_engine *e, uint8_t slot)
{
	struct usbmsc_fw_record r = e->rec;

	if (e->sync == FWI_SYNCED && e->rec_index != USBMSC_FW_NO_SLOT && !r.slot[slot].valid &&
	    r.pending != slot && r.active != slot && r.trial != slot)
		return true;
	memset(&r.slot[slot], 0, sizeof(r.slot[slot]));
	if (r.pending == slot)
		r.pending = USBMSC_FW_NO_SLOT;
	if (r.active == slot)
		r.active = USBMSC_FW_NO_SLOT;
	if (r.trial == slot) {
		r.trial = USBMSC_FW_NO_SLOT;
		r.flags = 0;
	}
	return usbmsc_fwi_store(e, &r);
}
