/* Internal to the file door's host side (doorvol.h): what vol_read.c,
 * vol_transport.c, fw_vol.c and fw_vol_wait.c share. Not installed. */
#ifndef USBMSC_VOL_INTERNAL_H
#define USBMSC_VOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "fw_internal.h"
#include "usbmsc/doorvol.h"

/* dir/name into buf (no second separator when dir ends in one); false
 * when it does not fit. */
bool usbmsc_voli_join(char *buf, size_t len, const char *dir, const char *name);

/* The category of a failed file operation's errno: a volume that went
 * away (EIO, ENODEV, ENXIO, ENOENT on its files) is USBMSC_E_NO_DEVICE,
 * EACCES and EPERM USBMSC_E_ACCESS, EROFS USBMSC_E_DATA_PROTECT, anything
 * else USBMSC_E_FILE. */
int usbmsc_voli_errno_status(int e);

/* The vol: handle's volume was mounted again elsewhere: follow it. */
void usbmsc_voli_moved(struct usbmsc_dev *dev, const char *path);

/* The other places where a door volume that was at mount may be mounted
 * again (vol_places.c): the folders beside it, unless it sits in the root
 * directory (an automounter picks a free name beside the old one:
 * /media/$USER/NAME1, /Volumes/NAME 1), and the mount points of the USB
 * disks that discovery finds (where the OS backend has a view of them).
 * fn is called with each until it returns other than 0, which is then
 * returned; 0 when it never does. */
int usbmsc_voli_each_place(const char *mount, int (*fn)(void *ctx, const char *path), void *ctx);

/* ---- the update (fw_vol.c, fw_vol_wait.c) ------------------------------------ */

struct vol_watch;

struct volu {
	struct fwu u;
	struct usbmsc_door_volume before;    /* the door's files before the copy */
	uint32_t blocks;                     /* UF2 blocks written */
	char version[17];                    /* the image's version, for the tags */
	struct vol_watch *watch;             /* fw_vol_wait.c's */
};

/* What the door's files tell, in the shape a probe gives (fwupdate.h):
 * the running version, and with CURRENT.UF2 its number and identity. */
void usbmsc_voli_as_device(const struct usbmsc_door_volume *v, struct usbmsc_fw_device *d);

/* Before the copy: the volumes of the same board mounted elsewhere now
 * are other devices of that board, which the wait must not take for this
 * one. */
int usbmsc_voli_watch_begin(struct volu *w);
/* The image is on the volume: wait for the device to come back running
 * it (*u->dev follows its volume), or for its reason not to. */
int usbmsc_voli_wait(struct volu *w);
void usbmsc_voli_watch_end(struct volu *w);

#endif
