/* A usbmsc file door from the host: its volume as the operating system
 * mounted it (URI vol:MOUNTPOINT), read and written with plain file I/O
 * only, so that a program without any privilege updates the device on
 * any system (docs/FILE-DOOR.md, "From a program").
 *
 * usbmsc_open("vol:PATH", ...) gives a device handle that runs no SCSI
 * command: each fails with USBMSC_E_USAGE and says so. usbmsc_fw_update()
 * on it (fwupdate.h) checks the image against what the door's files say,
 * writes it as a UF2 file onto the volume, in order and flushed, and waits
 * for the device to come back with it; usbmsc_door_volume_read() reads
 * those files. auto: opens such a handle when a device's file door is the
 * only door this process may use (discovery.h). */
#ifndef USBMSC_DOORVOL_H
#define USBMSC_DOORVOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/doorstatus.h"
#include "usbmsc/fwimage.h"
#include "usbmsc/initiator.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_DOOR_PATH_MAX 1024u
/* The name fw update gives the file it writes (fwupd's uf2 plugin writes
 * the same). */
#define USBMSC_DOOR_UPDATE_FILE "FIRMWARE.UF2"

/* What a mounted door volume says. */
struct usbmsc_door_volume {
	char path[USBMSC_DOOR_PATH_MAX];    /* the mount point */
	struct usbmsc_door_info info;        /* INFO_UF2.TXT */
	bool has_status;                     /* STATUS.TXT read and understood */
	struct usbmsc_door_status status;
	char status_line[64];                /* its first line, padding cut */
	/* The files were read past the system's cache (the OS backend's
	 * file_uncache): what the device says now, not when it was mounted. */
	bool fresh;
	/* CURRENT.UF2 begins with the header of a usbmsc image: the one that
	 * runs (with_current only). */
	bool has_current;
	struct usbmsc_fw_header current;
	uint8_t current_raw[USBMSC_FW_HEADER_LEN];
	uint32_t current_blocks;             /* its UF2 blocks */
	char current_tag[17];                /* its version tag; "" when none */
};

/* Read the door's files in the directory path: INFO_UF2.TXT, which must be
 * a usbmsc door's (a Firmware: line; otherwise USBMSC_E_NO_DEVICE, as for
 * a directory without it), STATUS.TXT, and with with_current the first
 * block of CURRENT.UF2. USBMSC_E_ACCESS when they may not be read. */
USBMSC_API
int usbmsc_door_volume_read(const char *path, bool with_current, struct usbmsc_door_volume *out,
			    struct usbmsc_error *err);

/* The mount point of a vol: device handle; NULL for any other handle. */
USBMSC_API
const char *usbmsc_dev_door_volume(const struct usbmsc_dev *dev);

#ifdef __cplusplus
}
#endif
#endif
