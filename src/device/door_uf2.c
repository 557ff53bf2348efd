/* The file door's reception: every sector the host writes is looked at;
 * UF2 blocks of a usbmsc image go to the engine (fw_door.h), the rest is
 * dropped. Then the quiet time, and STATUS.TXT.
 *
 * The OS writes blocks in any order, more than once, between its file
 * system updates, from several threads: the bitmap (one bit per block)
 * makes sure each block is programmed once (NOR flash only clears bits).
 * An image is told apart by its block count and, once block 0 is in, by
 * its header's signature bytes: a block of another count, or another block
 * 0, starts the reception over, and so does a WRITE BUFFER download that
 * took the staging slot. A refused image's further blocks are dropped (the
 * same file copied again is refused again). */
#include "door_internal.h"
#include "fw_door.h"
#include "fw_internal.h"

#include <string.h>

#include "usbmsc/uf2.h"

#define ID_OFFSET 192u  /* the header's signature: differs between images */

static uint32_t id_of(const uint8_t *hdr)
{
	uint32_t v;

	memcpy(&v, hdr + ID_OFFSET, sizeof(v));  /* compared only, never shown */
	return v;
}

static void refuse(struct usbmsc_door *d, uint8_t reason)
{
	fwd_refuse(d->cfg->fw);
	d->state = DOOR_REFUSED;
	d->reason = reason;
}

/* Is this block of another image than the one in reception? */
static bool other_image(const struct usbmsc_door *d, const struct usbmsc_uf2_block *b,
			const uint8_t *p)
{
	return b->num_blocks != d->blocks ||
	       (d->state == DOOR_RECEIVING && d->got > 0 && !fwd_owns(d->cfg->fw)) ||
	       (b->block_no == 0 && d->total != 0 && id_of(p) != d->id);
}

/* A new image of b's block count: nothing of it is in. */
static void restart(struct usbmsc_door *d, const struct usbmsc_uf2_block *b)
{
	fwd_refuse(d->cfg->fw);
	d->blocks = b->num_blocks;
	d->got = 0;
	d->total = 0;
	d->state = DOOR_RECEIVING;
	/* The bitmap has a bit per block of the slot: a larger image cannot fit. */
	if (b->num_blocks > d->cfg->fw->cfg->slot_size >> USBMSC_UF2_PAYLOAD_SHIFT)
		refuse(d, USBMSC_FWR_LENGTH);
	else
		memset(d->cfg->bitmap, 0, (b->num_blocks + 7u) >> 3);
}

static void take(struct usbmsc_door *d, const struct usbmsc_uf2_block *b, const uint8_t *p)
{
	struct usbmsc_fw_engine *e = d->cfg->fw;
	uint8_t *bits = d->cfg->bitmap + (b->block_no >> 3);
	uint8_t bit = (uint8_t)(1u << (b->block_no & 7u));
	uint8_t why = 0;

	if (other_image(d, b, p))
		restart(d, b);
	if (d->state != DOOR_RECEIVING || (*bits & bit))
		return;
	/* The header is checked before it reaches flash: an image refused at
	 * block 0 erases nothing that is not erased already. */
	if (b->block_no == 0) {
		d->id = id_of(p);
		d->total = 1;
		why = fwd_header(e, p, d->blocks, &d->total);
	}
	if (!why && !fwd_owns(e))
		why = fwd_start(e);
	if (!why)
		why = fwd_program(e, b->addr, p);
	if (!why) {
		*bits |= bit;
		if (++d->got < d->blocks)
			return;
		/* Every block is in: the engine checks the image. */
		why = fwd_finish(e, d->total);
		d->state = DOOR_CHECKED;
	}
	if (why)
		refuse(d, why);
}

void door_rx_sector(struct usbmsc_door *d, const uint8_t *blk)
{
	struct usbmsc_uf2_block b;

	switch (usbmsc_uf2_parse(blk, &b)) {
	case USBMSC_UF2_IMAGE:
		take(d, &b, blk + USBMSC_UF2_DATA_OFFSET);
		break;
	case USBMSC_UF2_FOREIGN:
		/* Ignored; said only when no image of ours is in reception (a
		 * file may hold several families, ours among them). */
		if (d->state == DOOR_IDLE) {
			d->state = DOOR_REFUSED;
			d->reason = USBMSC_DOOR_FOREIGN;
		}
		break;
	default:
		/* File system data, and UF2 blocks that are not for flash. */
		break;
	}
}

void usbmsc_door_tick(struct usbmsc_door *d, uint32_t ms)
{
	uint8_t why;

	/* Counting stops at the quiet time: no overflow for ms < 2^31. */
	if (d->quiet < d->cfg->quiet_ms)
		d->quiet += ms;
	if (d->state != DOOR_CHECKED || d->quiet < d->cfg->quiet_ms)
		return;
	/* Idle before the activation: its callback may reboot the engine in
	 * place, and STATUS.TXT then tells what the record says. */
	d->state = DOOR_IDLE;
	d->blocks = 0;
	why = fwd_activate(d->cfg->fw);
	if (why)
		refuse(d, why);
}

/* ---- STATUS.TXT ------------------------------------------------------------ */

static const char reasons[] = USBMSC_DOOR_TXT_REASONS;

/* No image in reception: what the engine's record says. */
static const char *idle_line(const struct usbmsc_door *d, const char **a)
{
	const struct usbmsc_fw_engine *e = d->cfg->fw;
	const struct usbmsc_fw_record *r = &e->rec;
	uint8_t other = (uint8_t)(e->running ^ 1u);

	if (r->flags & FWI_REVERTED)
		return USBMSC_DOOR_TXT_REVERTED;
	/* The image before this one is still kept: it was an update. */
	if (e->running != USBMSC_FW_NO_SLOT && r->pending == USBMSC_FW_NO_SLOT &&
	    r->slot[other].valid) {
		a[0] = r->slot[other].version;
		return USBMSC_DOOR_TXT_UPDATED;
	}
	return USBMSC_DOOR_TXT_WAITING;
}

void door_status(const struct usbmsc_door *d, struct door_txt *t)
{
	const struct usbmsc_fw_engine *e = d->cfg->fw;
	char got[11], blocks[11];
	const char *a[3] = { reasons, e->running_version, USBMSC_DOOR_TXT_RECEIVING };
	const char *f;

	switch (d->state) {
	case DOOR_RECEIVING:
		a[0] = door_num(got, d->got);
		a[1] = door_num(blocks, d->blocks);
		if (d->quiet >= d->cfg->quiet_ms)
			a[2] = USBMSC_DOOR_TXT_INCOMPLETE;
		f = USBMSC_DOOR_TXT_BLOCKS;
		break;
	case DOOR_CHECKED:
		/* Pending since the check (unless a WRITE BUFFER came between). */
		a[0] = e->rec.slot[e->rec.pending & 1u].version;
		f = USBMSC_DOOR_TXT_CHECKED;
		break;
	case DOOR_REFUSED:
		for (uint8_t i = 1; i < d->reason; i++)
			while (*a[0]++ != '\0')
				;
		f = USBMSC_DOOR_TXT_REFUSED;
		break;
	default:
		f = idle_line(d, a);
		break;
	}
	door_fmt(t, f, a);
}
