/* Internal interfaces between the files of the file door (filedoor.h).
 *
 * door_volume.c  the FAT volume made up on the fly: geometry, the LUN's
 *                read and write callbacks, the files' text
 * door_uf2.c     reception: UF2 blocks, the bitmap, the state, the quiet
 *                time, STATUS.TXT
 * fw_door.h      the door's way into the firmware engine's download path
 *                (the same slot preparation, checks and activation as
 *                WRITE BUFFER), inline in door_uf2.c */
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

#endif
