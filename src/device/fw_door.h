/* The file door's way into the firmware engine: the download path of
 * fw_engine.c (slot preparation, programming, verification) and the
 * activation of fw_boot.c, the very functions WRITE BUFFER uses, so an
 * image copied as a UF2 file passes exactly the same checks. Included by
 * door_uf2.c alone, as static inline functions: a firmware pays no call
 * for this layer.
 *
 * What differs from WRITE BUFFER is only the order of arrival: blocks come
 * in any order, so the download's own counters (dl_got, the tail) stay
 * unused; the bitmap of door_uf2.c says which blocks are in, each block is
 * programmed once at its offset (sectors erased as the first block reaches
 * them), and the payload is hashed by reading the slot back at the end,
 * never as it streams. The image is first made pending (mode 0x0E) and
 * activated after the quiet time (mode 0x0F).
 *
 * Each function returns 0 or the reason of a refusal (enum
 * usbmsc_fw_reason, USBMSC_DOOR_BUSY). */
#ifndef USBMSC_FW_DOOR_H
#define USBMSC_FW_DOOR_H

#include "door_internal.h"
#include "fw_internal.h"

#include "usbmsc/uf2.h"

/* Does the door still own the engine's download (no WRITE BUFFER took it)? */
static inline bool fwd_owns(const struct usbmsc_fw_engine *e)
{
	return e->dl_on && e->cmd_mode == FWI_MODE_DOOR;
}

/* A refusal of the door's own: the door's download, if any, is over. */
static inline void fwd_refuse(struct usbmsc_fw_engine *e)
{
	if (fwd_owns(e))
		e->dl_on = 0;
}

/* Block 0 arrived: the header's form, slot fit, device fit, anti-rollback,
 * and that blocks UF2 blocks carry it exactly; *total gets its length
 * when it passes. */
static inline uint8_t fwd_header(struct usbmsc_fw_engine *e, const uint8_t *hdr, uint32_t blocks,
		   uint32_t *total)
{
	struct usbmsc_fw_header h;
	uint8_t why = (uint8_t)usbmsc_fwi_parse(e, hdr, &h);

	if (why == USBMSC_FWR_NONE)
		why = (uint8_t)usbmsc_fwi_image_checks(e, &h);
	if (why == USBMSC_FWR_NONE) {
		*total = h.payload_len + USBMSC_FW_HEADER_LEN;
		if (usbmsc_uf2_blocks(*total) != blocks)
			why = USBMSC_FWR_LENGTH;
	}
	return why;
}

/* Take the download over: prepare the staging slot. */
static inline uint8_t fwd_start(struct usbmsc_fw_engine *e)
{
	/* As WRITE BUFFER: the previous image is the only way back. */
	if (e->rec.trial != USBMSC_FW_NO_SLOT)
		return USBMSC_DOOR_BUSY;
	if (usbmsc_fwi_dl_start(e) != USBMSC_SENSE_OK)
		return USBMSC_FWR_FLASH;
	e->cmd_mode = FWI_MODE_DOOR;
	return 0;
}

/* One block's 256 bytes at image offset off. */
static inline uint8_t fwd_program(struct usbmsc_fw_engine *e, uint32_t off, const uint8_t *p)
{
	return usbmsc_fwi_dl_program(e, off, p, USBMSC_UF2_PAYLOAD_LEN) ? 0 : USBMSC_FWR_FLASH;
}

/* Every block is in: verify the image of total bytes; pending when good.
 * A refusal ends the download and is the engine's last error, as for
 * WRITE BUFFER. */
static inline uint8_t fwd_finish(struct usbmsc_fw_engine *e, uint32_t total)
{
	e->dl_got = total;
	e->dl_total = total;
	return usbmsc_fwi_dl_finish(e, false, false) != USBMSC_SENSE_OK ? e->reason : 0;
}

/* The quiet time is over: activate the pending image (as mode 0x0F). */
static inline uint8_t fwd_activate(struct usbmsc_fw_engine *e)
{
	/* A WRITE BUFFER in between may have activated or replaced it. */
	if (e->rec.pending == USBMSC_FW_NO_SLOT)
		return 0;
	return usbmsc_fwi_activate(e, &e->rec, e->rec.pending) != USBMSC_SENSE_OK
		       ? USBMSC_FWR_FLASH
		       : 0;
}

#endif
