/* The firmware engine's commands, served through the target's vendor
 * table: WRITE BUFFER (download modes 0x05, 0x07, 0x0E, activation 0x0F),
 * READ BUFFER (descriptor 0x03, staged image 0x02), FW STATE and FW CONFIRM.
 *
 * A download streams straight into the staging slot: sectors are erased as
 * the data reaches them and programmed in whole program units (a few bytes
 * short of a unit wait in e->tail). Chunks must follow each other (a chunk
 * at offset 0 starts over). The header is checked as soon as it is in, the
 * whole image once it is complete; only then may the slot become pending or
 * start on trial. begin() only checks; data() and end() act.
 *
 * The payload's SHA-256 is checked on what the slot holds, read back after
 * the last byte, or with USBMSC_FW_HASH_STREAMED on the bytes as they
 * arrive (in order, since chunks follow each other), with no read-back:
 * fwengine.h tells the trade-off.
 *
 * Offsets have 32 bits: BUFFER OFFSET (CDB bytes 3..5) is bits 23:0 and
 * the BUFFER ID byte (CDB byte 2) bits 31:24 (FW STATE's
 * USBMSC_FWST_WIDE_OFFSET says so). Only modes 0x07, 0x0E and READ BUFFER
 * 0x02 may use them: every other mode needs offset 0. */
#include "fw_internal.h"

#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

#define OP_WRITE_BUFFER 0x3Bu
#define OP_READ_BUFFER 0x3Cu

#define WB_MODE_ONE 0x05u      /* whole image, save, activate */
#define WB_MODE_CHUNKS 0x07u   /* offsets, save, activate after the last */
#define WB_MODE_DEFER 0x0Eu    /* offsets, save, defer activation */
#define WB_MODE_ACTIVATE 0x0Fu /* activate deferred microcode */
#define RB_MODE_DATA 0x02u
#define RB_MODE_DESCRIPTOR 0x03u
#define RB_DESCRIPTOR_LEN 4u

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* BUFFER ID (byte 2) is bits 31:24 of the offset; bytes 3..5 the rest. */
static uint32_t cdb_offset(const uint8_t *cdb)
{
	return (uint32_t)cdb[2] << 24 | usbmsc_get_be24(cdb + 3);
}

static bool zero(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A refused CDB: remembered for FW STATE, the download goes on. */
static usbmsc_sense_t reject(struct usbmsc_fw_engine *e, usbmsc_sense_t s)
{
	e->last_error = s;
	return s;
}

/* A failed download: remembered, and the download is over (the slot stays
 * marked invalid; the next one starts at offset 0). */
static usbmsc_sense_t fail(struct usbmsc_fw_engine *e, usbmsc_sense_t s,
			   enum usbmsc_fw_reason reason)
{
	e->last_error = s;
	e->reason = (uint8_t)reason;
	e->cmd_sense = s;
	e->dl_on = 0;
	return s;
}

static usbmsc_sense_t refuse(struct usbmsc_fw_engine *e, enum usbmsc_fw_reason reason)
{
	return fail(e, reason == USBMSC_FWR_FLASH ? USBMSC_SENSE_READ_ERROR
						  : USBMSC_SENSE_INVALID_PARAM, reason);
}

/* ---- streaming into the slot --------------------------------------------- */

/* Program n bytes at slot offset off, erasing the sectors it reaches first
 * (fw_internal.h). */
bool usbmsc_fwi_dl_program(struct usbmsc_fw_engine *e, uint32_t off, const uint8_t *p, uint32_t n)
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	uint32_t base = cfg->slot_addr[e->dl_slot];

	while (e->erased_end < off + n) {
		if (!cfg->flash.erase(cfg->flash.ctx, base + e->erased_end))
			return false;
		e->erased_end += cfg->flash.sector_size;
	}
	return cfg->flash.program(cfg->flash.ctx, base + off, p, n);
}

/* Append n bytes to the image. Invariant: dl_got - tail_len is a multiple
 * of the program unit, and everything before it is programmed. */
static bool stream(struct usbmsc_fw_engine *e, const uint8_t *p, uint32_t n)
{
	uint32_t unit = e->cfg->flash.write_unit;
	uint32_t k;

	while (n > 0) {
		if (e->tail_len > 0 || n < unit) {
			k = min_u32(unit - e->tail_len, n);
			memcpy(e->tail + e->tail_len, p, k);
			e->tail_len = (uint8_t)(e->tail_len + k);
			e->dl_got += k;
			if (e->tail_len == unit) {
				if (!usbmsc_fwi_dl_program(e, e->dl_got - unit, e->tail, unit))
					return false;
				e->tail_len = 0;
			}
		} else {
			k = n & ~(unit - 1u);
			if (!usbmsc_fwi_dl_program(e, e->dl_got, p, k))
				return false;
			e->dl_got += k;
		}
		p += k;
		n -= k;
	}
	return true;
}

/* USBMSC_FW_HASH_STREAMED: the payload among the n bytes that have just
 * arrived at image offset at (the header is not part of the hash). Bytes
 * past the image's end are hashed too, but such a download never passes
 * the length checks. */
static void hash_arrived(struct usbmsc_fw_engine *e, uint32_t at, const uint8_t *p, uint32_t n)
{
	const struct usbmsc_fw_crypto *c = &e->cfg->crypto;
	uint32_t skip;

	if (!(e->cfg->flags & USBMSC_FW_HASH_STREAMED) || at + n <= USBMSC_FW_HEADER_LEN)
		return;
	skip = at < USBMSC_FW_HEADER_LEN ? USBMSC_FW_HEADER_LEN - at : 0;
	c->hash_update(c->hash_state, p + skip, n - skip);
}

/* The streamed hash, finished, against the header's. */
static enum usbmsc_fw_reason streamed_hash_check(struct usbmsc_fw_engine *e,
						 const struct usbmsc_fw_header *h)
{
	const struct usbmsc_fw_crypto *c = &e->cfg->crypto;
	uint8_t digest[USBMSC_FW_SHA256_LEN];

	c->hash_final(c->hash_state, digest);
	return memcmp(digest, h->sha256, sizeof(digest)) == 0 ? USBMSC_FWR_NONE : USBMSC_FWR_HASH;
}

/* The last bytes, padded with the erased value to a whole unit. */
static bool flush(struct usbmsc_fw_engine *e)
{
	uint32_t unit = e->cfg->flash.write_unit;

	if (e->tail_len == 0)
		return true;
	memset(e->tail + e->tail_len, 0xFF, unit - e->tail_len);
	if (!usbmsc_fwi_dl_program(e, e->dl_got - e->tail_len, e->tail, unit))
		return false;
	e->tail_len = 0;
	return true;
}

/* Start over into the staging slot. Before its first erase the newest
 * record on flash must call it empty (the previous image, a deferred one,
 * or the bytes of a refused one): a torn or refused download must never
 * look bootable, and a record that failed to write may have landed. */
usbmsc_sense_t usbmsc_fwi_dl_start(struct usbmsc_fw_engine *e)
{
	uint8_t slot = usbmsc_fwi_stage_slot(e);

	if (!usbmsc_fwi_release(e, slot))
		return e->sync == FWI_UNREAD ? USBMSC_SENSE_READ_ERROR : USBMSC_SENSE_WRITE_ERROR;
	e->dl_on = 1;
	e->dl_slot = slot;
	e->dl_got = 0;
	e->dl_total = 0;
	e->erased_end = 0;
	e->tail_len = 0;
	e->last_error = USBMSC_SENSE_OK;
	e->reason = USBMSC_FWR_NONE;
	/* Every download starts at offset 0, so does its hash. */
	if (e->cfg->flags & USBMSC_FW_HASH_STREAMED)
		e->cfg->crypto.hash_init(e->cfg->crypto.hash_state);
	return USBMSC_SENSE_OK;
}

/* A later chunk must end inside the image (known once the header is in). */
static bool chunk_fits(const struct usbmsc_fw_engine *e)
{
	return e->dl_total == 0 || e->cmd_off + e->cmd_len <= e->dl_total;
}

/* The image is made for this device, and it is not below the
 * anti-rollback floor (which is never below the confirmed image's number;
 * the same number again, a reinstall, is allowed). fw_internal.h. */
enum usbmsc_fw_reason usbmsc_fwi_image_checks(const struct usbmsc_fw_engine *e,
					      const struct usbmsc_fw_header *h)
{
	if (usbmsc_fw_fits(h, &e->cfg->identity) != USBMSC_FWFIT_OK)
		return USBMSC_FWR_FIT;
	if (h->version_number < e->rec.floor)
		return USBMSC_FWR_ROLLBACK;
	return USBMSC_FWR_NONE;
}

/* What the header alone tells, once parsed: the current command's data
 * ends inside the image (mode 0x05: is exactly the image), and the image
 * checks above. */
static enum usbmsc_fw_reason header_checks(const struct usbmsc_fw_engine *e,
					   const struct usbmsc_fw_header *h)
{
	uint32_t total = h->payload_len + USBMSC_FW_HEADER_LEN;
	uint32_t end = e->cmd_off + e->cmd_len;

	if (e->cmd_mode == WB_MODE_ONE ? end != total : end > total)
		return USBMSC_FWR_LENGTH;
	return usbmsc_fwi_image_checks(e, h);
}

/* The first 256 bytes are in flash: check the header as stored. An image
 * that cannot be accepted is refused before more flash is erased. */
static usbmsc_sense_t header_arrived(struct usbmsc_fw_engine *e)
{
	struct usbmsc_fw_header h;
	enum usbmsc_fw_reason why = usbmsc_fwi_read_header(e, e->dl_slot, &h);

	if (why == USBMSC_FWR_NONE)
		why = header_checks(e, &h);
	if (why != USBMSC_FWR_NONE)
		return refuse(e, why);
	e->dl_total = h.payload_len + USBMSC_FW_HEADER_LEN;
	return USBMSC_SENSE_OK;
}

/* Everything a complete image must pass before its slot may be pending or
 * on trial, cheapest first: the header as stored, its fit and
 * anti-rollback, its length (exactly what arrived: dl_total, which every
 * byte of the download reached), its signature, and the payload's hash (as
 * it arrived when streamed, else of the flash). */
static enum usbmsc_fw_reason verify(struct usbmsc_fw_engine *e, struct usbmsc_fw_header *h,
				    bool streamed)
{
	enum usbmsc_fw_reason why = usbmsc_fwi_read_header(e, e->dl_slot, h);

	if (why == USBMSC_FWR_NONE)
		why = usbmsc_fwi_image_checks(e, h);
	if (why != USBMSC_FWR_NONE)
		return why;
	if (h->payload_len + USBMSC_FW_HEADER_LEN != e->dl_total)
		return USBMSC_FWR_LENGTH;
	/* The work buffer still holds the header as stored. */
	why = usbmsc_fwi_authentic(e, h, true);
	if (why != USBMSC_FWR_NONE)
		return why;
	if (streamed)
		return streamed_hash_check(e, h);
	return usbmsc_fwi_hash_check(e, e->dl_slot, h);
}

/* The image is complete: verify it, then make it pending (defer) or start
 * it on trial, each in one state write (fw_internal.h). */
usbmsc_sense_t usbmsc_fwi_dl_finish(struct usbmsc_fw_engine *e, bool activate, bool streamed)
{
	struct usbmsc_fw_header h;
	struct usbmsc_fw_record r;
	struct usbmsc_fw_slot_state *s;
	enum usbmsc_fw_reason why;
	uint8_t slot = e->dl_slot;

	if (!flush(e))
		return fail(e, USBMSC_SENSE_WRITE_ERROR, USBMSC_FWR_FLASH);
	if (e->dl_total == 0 || e->dl_got != e->dl_total)
		return refuse(e, USBMSC_FWR_LENGTH);
	why = verify(e, &h, streamed);
	if (why != USBMSC_FWR_NONE)
		return refuse(e, why);
	e->dl_on = 0;
	r = e->rec;
	s = &r.slot[slot];
	s->valid = 1;
	s->sig = 1;
	memcpy(s->version, h.version, sizeof(s->version));
	s->number = h.version_number;
	s->length = e->dl_total;
	if (activate) {
		usbmsc_sense_t st = usbmsc_fwi_activate(e, &r, slot);

		return st ? fail(e, st, USBMSC_FWR_FLASH) : USBMSC_SENSE_OK;
	}
	r.pending = slot;
	if (!usbmsc_fwi_store(e, &r))
		return fail(e, USBMSC_SENSE_WRITE_ERROR, USBMSC_FWR_FLASH);
	e->last_error = USBMSC_SENSE_OK;
	return USBMSC_SENSE_OK;
}

/* ---- WRITE BUFFER --------------------------------------------------------- */

/* WRITE BUFFER's chunks follow each other, so their payload may be hashed
 * as it arrives. */
static bool hash_streamed(const struct usbmsc_fw_engine *e)
{
	return (e->cfg->flags & USBMSC_FW_HASH_STREAMED) != 0;
}

static usbmsc_sense_t wb_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct usbmsc_fw_engine *e = ctx;
	uint32_t off = cdb_offset(cdb), n = usbmsc_get_be24(cdb + 6);
	uint8_t mode = cdb[1] & 0x1Fu;
	uint32_t cap;

	(void)lun;
	if (e->cfg == NULL)
		return USBMSC_SENSE_INVALID_OPCODE;
	cap = e->cfg->slot_size;
	e->cmd_mode = mode;
	e->cmd_off = off;
	e->cmd_len = n;
	e->cmd_sense = USBMSC_SENSE_OK;
	/* MODE SPECIFIC: only 0 is defined here. */
	if ((cdb[1] & 0xE0u) || cdb[9])
		return reject(e, USBMSC_SENSE_INVALID_CDB_FIELD);
	switch (mode) {
	case WB_MODE_ONE:
		if (off != 0 || n > cap)
			return reject(e, USBMSC_SENSE_INVALID_CDB_FIELD);
		break;
	case WB_MODE_CHUNKS:
	case WB_MODE_DEFER:
		/* off + n in 64 bits: a sum past 2^32 must not wrap into the slot. */
		if ((off & ((1u << e->cfg->offset_shift) - 1u)) || (uint64_t)off + n > cap)
			return reject(e, USBMSC_SENSE_INVALID_CDB_FIELD);
		/* Offset 0 starts over; any other must continue the download. */
		if (n > 0 && off != 0 && !(e->dl_on && off == e->dl_got))
			return reject(e, USBMSC_SENSE_INVALID_CDB_FIELD);
		break;
	case WB_MODE_ACTIVATE:
		if (off != 0 || n != 0)
			return reject(e, USBMSC_SENSE_INVALID_CDB_FIELD);
		if (e->rec.pending == USBMSC_FW_NO_SLOT)
			return reject(e, USBMSC_SENSE_SEQUENCE_ERROR);
		break;
	default:
		/* 0x0D (activation events) among others: not served. */
		return reject(e, USBMSC_SENSE_INVALID_CDB_FIELD);
	}
	/* An image activated but not yet booted, or on trial: confirm it (or
	 * let it revert) before the next one. */
	if (e->rec.trial != USBMSC_FW_NO_SLOT)
		return reject(e, USBMSC_SENSE_SEQUENCE_ERROR);
	*len = n;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t wb_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			      uint8_t *buf, uint32_t len)
{
	struct usbmsc_fw_engine *e = ctx;
	usbmsc_sense_t s;

	(void)lun;
	(void)cdb;
	if (e->cmd_sense)
		return e->cmd_sense;
	if (offset == 0 && e->cmd_off == 0) {
		/* A whole header in the first piece is checked before any flash
		 * is touched: a wrong image costs no erase and keeps the
		 * previous image in the staging slot. */
		if (len >= USBMSC_FW_HEADER_LEN) {
			struct usbmsc_fw_header h;
			enum usbmsc_fw_reason why = usbmsc_fwi_parse(e, buf, &h);

			if (why == USBMSC_FWR_NONE)
				why = header_checks(e, &h);
			if (why != USBMSC_FWR_NONE)
				return refuse(e, why);
		}
		s = usbmsc_fwi_dl_start(e);
		if (s)
			return fail(e, s, USBMSC_FWR_FLASH);
	} else if (offset == 0 && !chunk_fits(e)) {
		return refuse(e, USBMSC_FWR_LENGTH);
	}
	if (!stream(e, buf, len))
		return fail(e, USBMSC_SENSE_WRITE_ERROR, USBMSC_FWR_FLASH);
	hash_arrived(e, e->dl_got - len, buf, len);
	if (e->dl_total == 0 && e->dl_got >= USBMSC_FW_HEADER_LEN)
		return header_arrived(e);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t wb_end(void *ctx, uint8_t lun, const uint8_t *cdb)
{
	struct usbmsc_fw_engine *e = ctx;
	usbmsc_sense_t s;

	(void)lun;
	(void)cdb;
	if (e->cmd_sense)
		return e->cmd_sense;
	switch (e->cmd_mode) {
	case WB_MODE_ACTIVATE:
		s = usbmsc_fwi_activate(e, &e->rec, e->rec.pending);
		return s ? reject(e, s) : USBMSC_SENSE_OK;
	case WB_MODE_ONE:
		/* An empty parameter list carries no image. */
		if (e->cmd_len == 0)
			return refuse(e, USBMSC_FWR_LENGTH);
		return usbmsc_fwi_dl_finish(e, true, hash_streamed(e));
	default:
		if (e->cmd_len == 0 || e->dl_total == 0 || e->dl_got != e->dl_total)
			return USBMSC_SENSE_OK;
		return usbmsc_fwi_dl_finish(e, e->cmd_mode == WB_MODE_CHUNKS, hash_streamed(e));
	}
}

/* ---- READ BUFFER ---------------------------------------------------------- */

static usbmsc_sense_t rb_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct usbmsc_fw_engine *e = ctx;
	uint32_t off = cdb_offset(cdb), n = usbmsc_get_be24(cdb + 6);

	(void)lun;
	if (e->cfg == NULL)
		return USBMSC_SENSE_INVALID_OPCODE;
	if ((cdb[1] & 0xE0u) || cdb[9])
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	switch (cdb[1] & 0x1Fu) {
	case RB_MODE_DESCRIPTOR:
		if (off != 0)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		*len = min_u32(n, RB_DESCRIPTOR_LEN);
		return USBMSC_SENSE_OK;
	case RB_MODE_DATA:
		if ((uint64_t)off + n > e->cfg->slot_size)
			return USBMSC_SENSE_INVALID_CDB_FIELD;
		*len = n;
		return USBMSC_SENSE_OK;
	default:
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	}
}

static usbmsc_sense_t rb_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			      uint8_t *buf, uint32_t len)
{
	struct usbmsc_fw_engine *e = ctx;
	const struct usbmsc_fw_config *cfg = e->cfg;
	uint8_t d[RB_DESCRIPTOR_LEN];
	uint32_t addr;

	(void)lun;
	if ((cdb[1] & 0x1Fu) == RB_MODE_DESCRIPTOR) {
		/* The descriptor has 24 bits; FW STATE tells the whole capacity. */
		d[0] = cfg->offset_shift;
		usbmsc_put_be24(d + 1, min_u32(cfg->slot_size, 0xFFFFFFu));
		memcpy(buf, d + offset, len);
		return USBMSC_SENSE_OK;
	}
	/* The staged image: what the staging slot's flash holds. */
	addr = cfg->slot_addr[usbmsc_fwi_stage_slot(e)] + cdb_offset(cdb) + offset;
	return usbmsc_fwi_read(cfg, addr, buf, len) ? USBMSC_SENSE_OK : USBMSC_SENSE_READ_ERROR;
}

/* ---- FW STATE and FW CONFIRM ---------------------------------------------- */

static void put_version(uint8_t *p, const char *v)
{
	uint32_t n = 0;

	memset(p, ' ', 4);
	while (n < 4 && v[n] != '\0') {
		p[n] = (uint8_t)v[n];
		n++;
	}
}

void usbmsc_fw_state_encode(const struct usbmsc_fw_engine *e, uint8_t out[USBMSC_FW_STATE_LEN])
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	const struct usbmsc_fw_record *r = &e->rec;
	uint8_t next = r->pending;

	memset(out, 0, USBMSC_FW_STATE_LEN);
	memcpy(out, USBMSC_FW_STATE_MAGIC, 4);
	out[4] = 1;
	out[5] = e->running;
	/* This engine always reads BUFFER ID as offset bits 31:24. */
	out[6] = USBMSC_FWST_WIDE_OFFSET;
	if (r->pending != USBMSC_FW_NO_SLOT)
		out[6] |= USBMSC_FWST_PENDING;
	if (r->trial != USBMSC_FW_NO_SLOT && r->trial == e->running)
		out[6] |= USBMSC_FWST_TRIAL;
	if (r->flags & FWI_REVERTED)
		out[6] |= USBMSC_FWST_REVERTED;
	/* Activated but not booted yet: it is what runs next. */
	if (r->trial != USBMSC_FW_NO_SLOT && r->trial != e->running)
		next = r->trial;
	out[7] = next;
	put_version(out + 8, e->running_version);
	if (e->running != USBMSC_FW_NO_SLOT)
		usbmsc_put_be32(out + 12, r->slot[e->running].number);
	put_version(out + 16, next != USBMSC_FW_NO_SLOT ? r->slot[next].version : "");
	if (next != USBMSC_FW_NO_SLOT)
		usbmsc_put_be32(out + 20, r->slot[next].number);
	usbmsc_put_be32(out + 24, e->last_error);
	usbmsc_put_be32(out + 28, r->floor);
	if (cfg == NULL)
		return;
	usbmsc_put_be32(out + 32, cfg->slot_size);
	out[36] = cfg->offset_shift;
	out[37] = USBMSC_FW_MODES;
	usbmsc_put_be16(out + 38, cfg->identity.hw_rev);
	memcpy(out + 40, cfg->crypto.pubkey, USBMSC_FW_PUBKEY_LEN);
	usbmsc_put_be16(out + 72, cfg->identity.vid);
	usbmsc_put_be16(out + 74, cfg->identity.pid);
}

static usbmsc_sense_t st_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct usbmsc_fw_engine *e = ctx;

	(void)lun;
	if (e->cfg == NULL)
		return USBMSC_SENSE_INVALID_OPCODE;
	if (cdb[1] || cdb[2] || cdb[5])
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	*len = min_u32(usbmsc_get_be16(cdb + 3), USBMSC_FW_STATE_LEN);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t st_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			      uint8_t *buf, uint32_t len)
{
	uint8_t st[USBMSC_FW_STATE_LEN];

	(void)lun;
	(void)cdb;
	usbmsc_fw_state_encode(ctx, st);
	memcpy(buf, st + offset, len);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t cf_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct usbmsc_fw_engine *e = ctx;

	(void)lun;
	*len = 0;
	if (e->cfg == NULL)
		return USBMSC_SENSE_INVALID_OPCODE;
	return zero(cdb + 1, 5) ? USBMSC_SENSE_OK : USBMSC_SENSE_INVALID_CDB_FIELD;
}

static usbmsc_sense_t cf_end(void *ctx, uint8_t lun, const uint8_t *cdb)
{
	(void)lun;
	(void)cdb;
	return usbmsc_fw_confirm(ctx);
}

/* ---- the table ------------------------------------------------------------ */

const struct usbmsc_vendor_cmd usbmsc_fw_cmds[USBMSC_FW_CMD_COUNT] = {
	{ OP_WRITE_BUFFER, USBMSC_DIR_OUT, 10, wb_begin, wb_data, wb_end, NULL },
	{ OP_READ_BUFFER, USBMSC_DIR_IN, 10, rb_begin, rb_data, NULL, NULL },
	{ USBMSC_OP_FW_STATE, USBMSC_DIR_IN, 6, st_begin, st_data, NULL, NULL },
	{ USBMSC_OP_FW_CONFIRM, USBMSC_DIR_NONE, 6, cf_begin, NULL, cf_end, NULL },
};

void usbmsc_fw_table(struct usbmsc_fw_engine *e, struct usbmsc_vendor_table *vt)
{
	vt->cmds = usbmsc_fw_cmds;
	vt->count = USBMSC_FW_CMD_COUNT;
	vt->ctx = e;
}

const char *usbmsc_fw_running_version(const struct usbmsc_fw_engine *e)
{
	return e->running_version;
}

enum usbmsc_fw_reason usbmsc_fw_last_reason(const struct usbmsc_fw_engine *e)
{
	return (enum usbmsc_fw_reason)e->reason;
}
