/* The boot decision, activation and confirmation of the firmware engine,
 * and the checks of an image stored in a slot.
 *
 * The life of an image: downloaded into the slot that is not the confirmed
 * one (the newest record on flash calls that slot empty before its first
 * erase), verified, then either pending (deferred) or on trial. A trial
 * image boots once; the state records that before it runs, so a trial
 * image that boots a second time without FW CONFIRM (it crashed, hung or
 * lost power) is rolled back to the confirmed one, as MCUboot's
 * test/revert does. The boot decision follows the table of
 * docs/FIRMWARE.md ("Boot"), whose row names the comments use. */
#include "fw_internal.h"

#include <string.h>

static bool pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1u)) == 0;
}

static bool aligned(uint32_t addr, uint32_t sector)
{
	return (addr & (sector - 1u)) == 0;
}

/* The four regions (two slots, two state sectors) must not overlap, and
 * each must end inside the 32-bit address space (slot address + offset
 * never wraps). */
static bool regions_apart(const struct usbmsc_fw_config *cfg)
{
	uint64_t start[4] = { cfg->slot_addr[0], cfg->slot_addr[1], cfg->state_addr[0],
			      cfg->state_addr[1] };
	uint64_t size[4] = { cfg->slot_size, cfg->slot_size, cfg->flash.sector_size,
			     cfg->flash.sector_size };

	for (uint32_t i = 0; i < 4; i++) {
		if (start[i] + size[i] > 0x100000000ull)
			return false;
		for (uint32_t j = i + 1; j < 4; j++) {
			if (start[i] < start[j] + size[j] && start[j] < start[i] + size[i])
				return false;
		}
	}
	return true;
}

static bool config_ok(const struct usbmsc_fw_config *cfg)
{
	const struct usbmsc_fw_flash *f = &cfg->flash;
	const struct usbmsc_fw_crypto *c = &cfg->crypto;
	uint32_t sector = f->sector_size;

	if (!f->read || !f->program || !f->erase || !pow2(sector) ||
	    sector < USBMSC_FW_RECORD_LEN || !pow2(f->write_unit) ||
	    f->write_unit > USBMSC_FW_MAX_WRITE_UNIT)
		return false;
	if (cfg->slot_size < USBMSC_FW_HEADER_LEN || !aligned(cfg->slot_size, sector) ||
	    !aligned(cfg->slot_addr[0], sector) || !aligned(cfg->slot_addr[1], sector) ||
	    !aligned(cfg->state_addr[0], sector) || !aligned(cfg->state_addr[1], sector) ||
	    !regions_apart(cfg))
		return false;
	if (cfg->offset_shift > 23 || !cfg->work || cfg->work_size < USBMSC_FW_WORK_MIN)
		return false;
	return c->hash_init && c->hash_update && c->hash_final && c->hash_state && c->verify &&
	       c->pubkey;
}

uint8_t usbmsc_fwi_stage_slot(const struct usbmsc_fw_engine *e)
{
	return e->rec.active == USBMSC_FW_NO_SLOT ? USBMSC_FW_SLOT_A
						  : (uint8_t)(e->rec.active ^ 1u);
}

/* ---- image checks --------------------------------------------------------- */

enum usbmsc_fw_reason usbmsc_fwi_parse(const struct usbmsc_fw_engine *e, const uint8_t *raw,
				      struct usbmsc_fw_header *h)
{
	if (usbmsc_fw_header_parse(raw, USBMSC_FW_HEADER_LEN, h) != USBMSC_FWCHK_OK)
		return USBMSC_FWR_HEADER;
	if (h->payload_len > e->cfg->slot_size - USBMSC_FW_HEADER_LEN)
		return USBMSC_FWR_LENGTH;
	return USBMSC_FWR_NONE;
}

enum usbmsc_fw_reason usbmsc_fwi_read_header(struct usbmsc_fw_engine *e, uint8_t slot,
					     struct usbmsc_fw_header *h)
{
	const struct usbmsc_fw_config *cfg = e->cfg;

	if (!usbmsc_fwi_read(cfg, cfg->slot_addr[slot], cfg->work, USBMSC_FW_HEADER_LEN))
		return USBMSC_FWR_FLASH;
	return usbmsc_fwi_parse(e, cfg->work, h);
}

enum usbmsc_fw_reason usbmsc_fwi_authentic(const struct usbmsc_fw_engine *e,
					   const struct usbmsc_fw_header *h, bool sig)
{
	const struct usbmsc_fw_config *cfg = e->cfg;

	if (usbmsc_fw_fits(h, &cfg->identity) != USBMSC_FWFIT_OK)
		return USBMSC_FWR_FIT;
	if (sig && !cfg->crypto.verify(cfg->work + USBMSC_FW_SIG_OFFSET, cfg->work,
				       USBMSC_FW_SIGNED_LEN, cfg->crypto.pubkey))
		return USBMSC_FWR_SIGNATURE;
	return USBMSC_FWR_NONE;
}

enum usbmsc_fw_reason usbmsc_fwi_hash_check(struct usbmsc_fw_engine *e, uint8_t slot,
					    const struct usbmsc_fw_header *h)
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	const struct usbmsc_fw_crypto *c = &cfg->crypto;
	uint32_t addr = cfg->slot_addr[slot] + USBMSC_FW_HEADER_LEN;
	uint32_t left = h->payload_len;
	uint8_t digest[USBMSC_FW_SHA256_LEN];

	/* Hash what the flash really holds, not what arrived over USB. */
	c->hash_init(c->hash_state);
	while (left > 0) {
		uint32_t n = left < cfg->work_size ? left : cfg->work_size;

		if (!usbmsc_fwi_read(cfg, addr, cfg->work, n))
			return USBMSC_FWR_FLASH;
		c->hash_update(c->hash_state, cfg->work, n);
		addr += n;
		left -= n;
	}
	c->hash_final(c->hash_state, digest);
	return memcmp(digest, h->sha256, sizeof(digest)) == 0 ? USBMSC_FWR_NONE : USBMSC_FWR_HASH;
}

static enum fwi_check verdict(enum usbmsc_fw_reason why)
{
	if (why == USBMSC_FWR_FLASH)
		return FWI_IMG_UNREAD;
	return why == USBMSC_FWR_NONE ? FWI_IMG_GOOD : FWI_IMG_BAD;
}

/* May slot be booted? The record must say it holds a verified image, not
 * below the floor; its header must still be that image's, made for this
 * device and (unless it is the factory image) signed; with
 * USBMSC_FW_CHECK_AT_BOOT its payload is hashed again. */
static enum fwi_check image_check(struct usbmsc_fw_engine *e, uint8_t slot)
{
	const struct usbmsc_fw_slot_state *s = &e->rec.slot[slot];
	struct usbmsc_fw_header h;
	enum usbmsc_fw_reason why;

	if (!s->valid || s->number < e->rec.floor)
		return FWI_IMG_BAD;
	why = usbmsc_fwi_read_header(e, slot, &h);
	if (why == USBMSC_FWR_NONE && (h.version_number != s->number ||
				       h.payload_len + USBMSC_FW_HEADER_LEN != s->length))
		why = USBMSC_FWR_HEADER;
	if (why == USBMSC_FWR_NONE)
		why = usbmsc_fwi_authentic(e, &h, s->sig);
	if (why == USBMSC_FWR_NONE && (e->cfg->flags & USBMSC_FW_CHECK_AT_BOOT))
		why = usbmsc_fwi_hash_check(e, slot, &h);
	return verdict(why);
}

/* ---- state changes ------------------------------------------------------- */

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* slot starts on trial; with no confirmed image to go back to it simply
 * becomes the confirmed one. */
static void start_trial(struct usbmsc_fw_record *r, uint8_t slot)
{
	r->pending = USBMSC_FW_NO_SLOT;
	r->flags = 0;
	if (r->active == USBMSC_FW_NO_SLOT) {
		r->active = slot;
		r->floor = max_u32(r->floor, r->slot[slot].number);
	} else {
		r->trial = slot;
	}
}

/* A state change that must hold for this run even when flash refuses it:
 * the next boot then decides again from the record flash holds. */
static void store_or_keep(struct usbmsc_fw_engine *e, const struct usbmsc_fw_record *r)
{
	if (!usbmsc_fwi_store(e, r)) {
		uint32_t seq = e->rec.seq;

		e->rec = *r;
		e->rec.seq = seq;
		if (e->sync == FWI_SYNCED)
			e->sync = FWI_AHEAD;
	}
}

static int run(struct usbmsc_fw_engine *e, uint8_t slot)
{
	e->running = slot;
	memcpy(e->running_version, e->rec.slot[slot].version, sizeof(e->running_version));
	e->running_version[4] = '\0';
	return slot;
}

/* A read error is no verdict on an image: nothing runs, nothing more is
 * written in this run (no download either); the next boot decides again. */
static int unreadable(struct usbmsc_fw_engine *e)
{
	e->reason = USBMSC_FWR_FLASH;
	e->sync = FWI_UNREAD;
	return USBMSC_FW_BOOT_UNREADABLE;
}

/* Rows A1..A6 of the boot table (docs/FIRMWARE.md): run the confirmed
 * image; if it is bad, the other one if it is good (it becomes the
 * confirmed one); else nothing. */
static int boot_active(struct usbmsc_fw_engine *e)
{
	struct usbmsc_fw_record r = e->rec;
	uint8_t a = r.active, o;
	enum fwi_check c;

	if (a == USBMSC_FW_NO_SLOT)
		return USBMSC_FW_BOOT_NONE;
	c = image_check(e, a);
	if (c != FWI_IMG_BAD)
		return c == FWI_IMG_GOOD ? run(e, a) : unreadable(e);
	o = (uint8_t)(a ^ 1u);
	c = image_check(e, o);
	if (c == FWI_IMG_UNREAD)
		return unreadable(e);
	memset(&r.slot[a], 0, sizeof(r.slot[a]));
	r.active = USBMSC_FW_NO_SLOT;
	if (c == FWI_IMG_GOOD) {
		r.active = o;
		r.floor = r.slot[o].number;
		r.trial = USBMSC_FW_NO_SLOT;
		r.pending = USBMSC_FW_NO_SLOT;
	}
	store_or_keep(e, &r);
	return r.active == USBMSC_FW_NO_SLOT ? USBMSC_FW_BOOT_NONE : run(e, o);
}

/* Start slot on trial at this boot: record that it has booted first. */
static int boot_trial(struct usbmsc_fw_engine *e, struct usbmsc_fw_record *r, uint8_t slot)
{
	if (r->trial == slot)
		r->flags |= FWI_TRIED;
	/* Unrecorded, a crashing trial image could never be rolled back. */
	if (!usbmsc_fwi_store(e, r))
		return boot_active(e);
	return run(e, slot);
}

/* Rows T1..T4 and P1..P4: an image on trial, or a deferred one, before the
 * confirmed image. An image that cannot be read stays as it is. */
static int decide(struct usbmsc_fw_engine *e)
{
	struct usbmsc_fw_record r = e->rec;
	uint8_t s;
	enum fwi_check c;

	if (r.trial != USBMSC_FW_NO_SLOT) {
		s = r.trial;
		/* Booted once already and not confirmed: rolled back unchecked. */
		c = (r.flags & FWI_TRIED) ? FWI_IMG_BAD : image_check(e, s);
		if (c == FWI_IMG_GOOD)
			return boot_trial(e, &r, s);
		if (c == FWI_IMG_BAD) {
			r.trial = USBMSC_FW_NO_SLOT;
			r.flags = FWI_REVERTED;
			memset(&r.slot[s], 0, sizeof(r.slot[s]));
			store_or_keep(e, &r);
		}
	} else if (r.pending != USBMSC_FW_NO_SLOT &&
		   !(e->cfg->flags & USBMSC_FW_KEEP_DEFERRED)) {
		/* SPC: deferred microcode is activated at power on. */
		s = r.pending;
		c = image_check(e, s);
		if (c == FWI_IMG_GOOD) {
			start_trial(&r, s);
			return boot_trial(e, &r, s);
		}
		if (c == FWI_IMG_BAD) {
			r.pending = USBMSC_FW_NO_SLOT;
			memset(&r.slot[s], 0, sizeof(r.slot[s]));
			store_or_keep(e, &r);
		}
	}
	return boot_active(e);
}

/* Rows F1..F3: no record (fresh flash). Nothing vouches for slot A, so it
 * runs only if it passes every check a download passes (anti-rollback
 * aside: no floor was ever recorded). */
static int boot_fresh(struct usbmsc_fw_engine *e)
{
	struct usbmsc_fw_header h;
	struct usbmsc_fw_record r;
	struct usbmsc_fw_slot_state *a = &r.slot[USBMSC_FW_SLOT_A];
	enum usbmsc_fw_reason why = usbmsc_fwi_read_header(e, USBMSC_FW_SLOT_A, &h);

	if (why == USBMSC_FWR_NONE)
		why = usbmsc_fwi_authentic(e, &h, true);
	if (why == USBMSC_FWR_NONE)
		why = usbmsc_fwi_hash_check(e, USBMSC_FW_SLOT_A, &h);
	if (why != USBMSC_FWR_NONE)
		return why == USBMSC_FWR_FLASH ? unreadable(e) : USBMSC_FW_BOOT_NONE;
	usbmsc_fwi_record_empty(&r);
	r.active = USBMSC_FW_SLOT_A;
	r.floor = h.version_number;
	a->valid = 1;
	a->sig = 1;
	memcpy(a->version, h.version, sizeof(a->version));
	a->number = h.version_number;
	a->length = h.payload_len + USBMSC_FW_HEADER_LEN;
	store_or_keep(e, &r);
	return run(e, USBMSC_FW_SLOT_A);
}

int usbmsc_fw_boot(struct usbmsc_fw_engine *e, const struct usbmsc_fw_config *cfg)
{
	memset(e, 0, sizeof(*e));
	e->running = USBMSC_FW_NO_SLOT;
	e->rec_index = USBMSC_FW_NO_SLOT;
	e->sync = FWI_UNREAD;
	usbmsc_fwi_record_empty(&e->rec);
	if (cfg == NULL || !config_ok(cfg))
		return USBMSC_FW_BOOT_CONFIG;
	e->cfg = cfg;
	if (usbmsc_fwi_load(e))
		return decide(e);
	return e->sync == FWI_UNREAD ? unreadable(e) : boot_fresh(e);
}

usbmsc_sense_t usbmsc_fwi_activate(struct usbmsc_fw_engine *e, const struct usbmsc_fw_record *base,
				   uint8_t slot)
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	struct usbmsc_fw_record r = *base;

	start_trial(&r, slot);
	if (!usbmsc_fwi_store(e, &r))
		return USBMSC_SENSE_WRITE_ERROR;
	e->last_error = USBMSC_SENSE_OK;
	/* The callback may reboot the engine in place: touch e no more. */
	if (cfg->activate)
		cfg->activate(cfg->activate_ctx, slot);
	if (cfg->target)
		usbmsc_target_unit_attention(cfg->target, USBMSC_SENSE_MICROCODE_CHANGED);
	return USBMSC_SENSE_OK;
}

usbmsc_sense_t usbmsc_fw_confirm(struct usbmsc_fw_engine *e)
{
	struct usbmsc_fw_record r = e->rec;

	if (r.trial == USBMSC_FW_NO_SLOT)
		return USBMSC_SENSE_OK;
	/* Activated but not booted yet: there is nothing running to confirm. */
	if (e->running != r.trial)
		return USBMSC_SENSE_SEQUENCE_ERROR;
	r.active = r.trial;
	r.trial = USBMSC_FW_NO_SLOT;
	r.flags = 0;
	r.floor = max_u32(r.floor, r.slot[r.active].number);
	return usbmsc_fwi_store(e, &r) ? USBMSC_SENSE_OK : USBMSC_SENSE_WRITE_ERROR;
}

/* ---- factory image ------------------------------------------------------ */

bool usbmsc_fw_factory_init(struct usbmsc_fw_engine *e, const char *version,
			    uint32_t version_number)
{
	const struct usbmsc_fw_config *cfg = e->cfg;
	const struct usbmsc_fw_crypto *c;
	struct usbmsc_fw_header h;
	struct usbmsc_fw_record r;
	struct usbmsc_fw_slot_state *a = &r.slot[USBMSC_FW_SLOT_A];
	uint32_t n = 0;

	if (cfg == NULL || version == NULL)
		return false;
	c = &cfg->crypto;
	while (n < sizeof(h.version) && version[n] != '\0')
		n++;
	if (n == 0 || n >= sizeof(h.version))
		return false;
	memset(&h, 0, sizeof(h));
	memcpy(h.version, version, n);
	h.version_number = version_number;
	h.hw_rev_max = 0xFFFFu;
	/* The SHA-256 of the empty payload, from the firmware's own hash. */
	c->hash_init(c->hash_state);
	c->hash_final(c->hash_state, h.sha256);
	/* No record on flash may claim slot A once it is erased (with no
	 * record at all, none does: the fresh-flash boot never runs an
	 * unsigned image). */
	if ((e->sync != FWI_SYNCED || e->rec_index != USBMSC_FW_NO_SLOT) &&
	    !usbmsc_fwi_release(e, USBMSC_FW_SLOT_A))
		return false;
	if (!usbmsc_fw_header_encode(&h, cfg->work))
		return false;
	for (uint32_t off = 0; off < USBMSC_FW_HEADER_LEN; off += cfg->flash.sector_size) {
		if (!cfg->flash.erase(cfg->flash.ctx, cfg->slot_addr[USBMSC_FW_SLOT_A] + off))
			return false;
	}
	if (!cfg->flash.program(cfg->flash.ctx, cfg->slot_addr[USBMSC_FW_SLOT_A], cfg->work,
				USBMSC_FW_HEADER_LEN))
		return false;
	usbmsc_fwi_record_empty(&r);
	r.active = USBMSC_FW_SLOT_A;
	r.floor = version_number;
	a->valid = 1;
	memcpy(a->version, h.version, sizeof(a->version));
	a->number = version_number;
	a->length = USBMSC_FW_HEADER_LEN;
	if (!usbmsc_fwi_store(e, &r))
		return false;
	e->dl_on = 0;
	e->last_error = USBMSC_SENSE_OK;
	e->reason = USBMSC_FWR_NONE;
	run(e, USBMSC_FW_SLOT_A);
	return true;
}
