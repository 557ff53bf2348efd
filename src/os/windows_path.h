/* The Windows device paths a URI may name for SCSI pass-through, parsed
 * without a Windows header (windows_path.c):
 *
 *   \\.\PhysicalDriveN   a disk, by the number Disk Management shows
 *   \\.\E:               a volume: the disk under drive letter E
 *   E:                   the same, as people type it (also "E:\")
 *
 * Names are case-insensitive, as Windows' object names are. Internal. */
#ifndef USBMSC_WINDOWS_PATH_H
#define USBMSC_WINDOWS_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PhysicalDrive numbers the parser takes: 0..USBMSC_WINPATH_MAX_DISK. */
#define USBMSC_WINPATH_MAX_DISK 99999u

enum usbmsc_winpath_kind {
	USBMSC_WINPATH_DISK = 0,   /* \\.\PhysicalDriveN */
	USBMSC_WINPATH_VOLUME = 1  /* \\.\X: */
};

struct usbmsc_winpath {
	enum usbmsc_winpath_kind kind;
	uint32_t disk;             /* DISK: N */
	char letter;               /* VOLUME: 'A'..'Z' */
	char path[24];             /* for CreateFile: "\\.\PhysicalDrive2", "\\.\E:" */
};

/* Whether uri is meant as a Windows device path: it starts with "\\.\",
 * or it is a drive letter and a colon (and perhaps a backslash) alone.
 * Decides which opener gets a URI; usbmsc_winpath_parse judges it. */
bool usbmsc_winpath_claims(const char *uri);

/* Parse one of the forms above into out. USBMSC_E_USAGE with err saying
 * what was expected for anything else (an unknown name after "\\.\", a
 * missing or too large disk number, a number with leading zeros, which
 * Windows would not find). */
int usbmsc_winpath_parse(const char *uri, struct usbmsc_winpath *out, struct usbmsc_error *err);

#ifdef __cplusplus
}
#endif
#endif
