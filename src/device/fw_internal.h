/* Internal interfaces between the files of the firmware engine.
 *
 * fw_state.c   the two state records: encoding, CRC-32, load, power-safe store
 * fw_boot.c    slot checks, the boot decision, activation, confirmation, factory image
 * fw_engine.c  the commands: WRITE BUFFER download, READ BUFFER, FW STATE, FW CONFIRM
 * fw_door.h    the file door's way into the same download path (filedoor.h),
 *              inline in door_uf2.c */
#ifndef USBMSC_FW_INTERNAL_H
#define USBMSC_FW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/fwengine.h"

/* Invariants (docs/FIRMWARE.md, "Invariants", tells them all):
 * - every record: floor >= the confirmed image's version number (each way
 *   an image becomes the confirmed one raises the floor);
 * - a slot is erased or programmed only while the newest record on flash
 *   calls it empty (usbmsc_fwi_release);
 * - a read error is never taken for an invalid record or a bad image: it
 *   decides nothing and writes nothing. */

/* struct usbmsc_fw_engine.sync: is e->rec the newest record on flash? */
#define FWI_UNREAD 0u  /* a lasting read error: nothing may be written in this run */
#define FWI_SYNCED 1u  /* it is (rec_index NO_SLOT: flash holds no record) */
#define FWI_AHEAD 2u   /* it holds a boot decision flash refused (rec_index and seq
			* are the newest on flash's): write before erasing a slot */

/* What a check of a stored image found. */
enum fwi_check { FWI_IMG_GOOD, FWI_IMG_BAD, FWI_IMG_UNREAD };

/* struct usbmsc_fw_record.flags */
#define FWI_TRIED 0x01u     /* the trial image has booted once */
#define FWI_REVERTED 0x02u  /* the last trial was rolled back */

/* The slot a download writes to: the one that is not the confirmed image. */
uint8_t usbmsc_fwi_stage_slot(const struct usbmsc_fw_engine *e);

/* fw_state.c */
/* flash.read, tried a few times: false only for a lasting read error. */
bool usbmsc_fwi_read(const struct usbmsc_fw_config *cfg, uint32_t addr, uint8_t *buf,
		     uint32_t len);
/* Read both records; the newest valid one becomes e->rec. False when
 * neither is valid (e->rec is then empty) or one cannot be read (e->rec
 * is then untouched, e->sync FWI_UNREAD). */
bool usbmsc_fwi_load(struct usbmsc_fw_engine *e);
/* Write r as the next record into the sector not holding the newest one;
 * on success it becomes e->rec. A torn write leaves the other intact. On
 * failure (r may have landed all the same) both records are read again:
 * e->rec becomes what flash holds, or e->sync FWI_UNREAD. Never writes
 * while e->sync is FWI_UNREAD. */
bool usbmsc_fwi_store(struct usbmsc_fw_engine *e, const struct usbmsc_fw_record *r);
/* Before slot is erased: make sure the newest record on flash calls it
 * empty (not valid, pending, on trial or confirmed), writing one unless
 * e->rec is known to be on flash and says so already. */
bool usbmsc_fwi_release(struct usbmsc_fw_engine *e, uint8_t slot);
/* A record with no image anywhere. */
void usbmsc_fwi_record_empty(struct usbmsc_fw_record *r);

/* fw_boot.c */
/* Parse the 256 header bytes at raw; checks the image fits a slot. */
enum usbmsc_fw_reason usbmsc_fwi_parse(const struct usbmsc_fw_engine *e, const uint8_t *raw,
				      struct usbmsc_fw_header *h);
/* Read slot's header into the work buffer and parse it; checks it fits a
 * slot. USBMSC_FWR_NONE when good. */
enum usbmsc_fw_reason usbmsc_fwi_read_header(struct usbmsc_fw_engine *e, uint8_t slot,
					     struct usbmsc_fw_header *h);
/* Is the header in the work buffer (h, parsed) made for this device and,
 * if sig, signed with the trusted key? */
enum usbmsc_fw_reason usbmsc_fwi_authentic(const struct usbmsc_fw_engine *e,
					   const struct usbmsc_fw_header *h, bool sig);
/* Hash the payload stored in slot and compare with h's SHA-256. */
enum usbmsc_fw_reason usbmsc_fwi_hash_check(struct usbmsc_fw_engine *e, uint8_t slot,
					    const struct usbmsc_fw_header *h);
/* Record base with slot on trial (or confirmed, with no confirmed image to
 * go back to) in one state write, then call activate and raise unit
 * attention 06/3F/01. */
usbmsc_sense_t usbmsc_fwi_activate(struct usbmsc_fw_engine *e, const struct usbmsc_fw_record *base,
				   uint8_t slot);

/* fw_engine.c: the download path, shared by WRITE BUFFER and the file
 * door (fw_door.h), so that an image takes the same slot preparation,
 * checks and activation whichever way it came. One download at a time:
 * whichever starts last owns e's download fields. */
/* Prepare the staging slot: a record calling it invalid first if the state
 * still calls it valid or pending; reset the download (nothing erased). */
usbmsc_sense_t usbmsc_fwi_dl_start(struct usbmsc_fw_engine *e);
/* Program n bytes at offset off of the download's slot, first erasing the
 * sectors not yet erased up to off + n (erased_end only grows: a sector is
 * erased once per download). off and n are multiples of the write unit;
 * the caller never programs a byte twice. */
bool usbmsc_fwi_dl_program(struct usbmsc_fw_engine *e, uint32_t off, const uint8_t *p, uint32_t n);
/* The header's fit with this device and anti-rollback. */
enum usbmsc_fw_reason usbmsc_fwi_image_checks(const struct usbmsc_fw_engine *e,
					      const struct usbmsc_fw_header *h);
/* The download is complete (dl_got == dl_total): verify the image as
 * stored (header, fit, anti-rollback, length, signature, SHA-256: of the
 * bytes as they arrived when streamed, else read back from the slot),
 * then start it on trial (activate) or make it pending, in one state
 * write. A failure ends the download and sets e->reason and last_error. */
usbmsc_sense_t usbmsc_fwi_dl_finish(struct usbmsc_fw_engine *e, bool activate, bool streamed);
/* e->cmd_mode while the file door owns the download: any WRITE BUFFER
 * command sets its own mode, so the door sees that it lost the download. */
#define FWI_MODE_DOOR 0xFFu

#endif
