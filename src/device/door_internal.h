/* Internal interfaces between the files of the file door (filedoor.h).
 *
 * door_volume.c  the FAT volume made up on the fly: geometry, the LUN's
 *                read and write callbacks, the files' text
 * door_uf2.c     reception: UF2 blocks, the bitmap, the state, the quiet
 *                time, STATUS.TXT
 * fw_door.c      the door's way into the firmware engine's download path
 *                (the same slot preparation, checks and activation as
 *                WRITE BUFFER) */
#ifndef USBMSC_DOOR_INTERNAL_H
#define USBMSC_DOOR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/filedoor.h"

/* struct usbmsc_door.state */
enum {
	DOOR_IDLE = 0,     /* STATUS.TXT tells what the engine's record says */
	DOOR_RECEIVING,    /* blocks of an image are arriving */
	DOOR_CHECKED,      /* complete and verified: pending, activated when quiet */
	DOOR_REFUSED       /* refused (reason); its further blocks are dropped */
};

/* Text of at most one sector, or only its length (p NULL). */
struct door_txt {
	uint8_t *p;
	uint32_t n;
};
/* f with bytes 1, 2, 3 standing for a[0], a[1], a[2]. */
void door_fmt(struct door_txt *t, const char *f, const char *const *a);
/* v in decimal, in s; returns where its digits start. */
char *door_num(char s[11], uint32_t v);

/* door_uf2.c */
/* One 512-byte sector the host wrote. */
void door_rx_sector(struct usbmsc_door *d, const uint8_t *blk);
/* STATUS.TXT. */
void door_status(const struct usbmsc_door *d, struct door_txt *t);

/* fw_door.c: each returns 0 or the reason of a refusal (enum
 * usbmsc_fw_reason, USBMSC_DOOR_BUSY). */
/* Does the door still own the engine's download (no WRITE BUFFER took it)? */
bool fwd_owns(const struct usbmsc_fw_engine *e);
/* Block 0 arrived: the header's form, slot fit, device fit, anti-rollback,
 * and that blocks UF2 blocks carry it exactly; *total gets its length
 * when it passes. */
uint8_t fwd_header(struct usbmsc_fw_engine *e, const uint8_t *hdr, uint32_t blocks,
		   uint32_t *total);
/* Take the download over: prepare the staging slot. */
uint8_t fwd_start(struct usbmsc_fw_engine *e);
/* One block's 256 bytes at image offset off. */
uint8_t fwd_program(struct usbmsc_fw_engine *e, uint32_t off, const uint8_t *p);
/* Every block is in: verify the image of total bytes; pending when good.
 * A refusal ends the download and is the engine's last error, as for
 * WRITE BUFFER. */
uint8_t fwd_finish(struct usbmsc_fw_engine *e, uint32_t total);
/* The quiet time is over: activate the pending image (as mode 0x0F). */
uint8_t fwd_activate(struct usbmsc_fw_engine *e);
/* A refusal of the door's own: the door's download, if any, is over. */
void fwd_refuse(struct usbmsc_fw_engine *e);

#endif
