/* Temporary files renamed into place, for the firmware file commands
 * (fw_sign.c: keys and images; fw_uf2.c: UF2 files): a failure leaves
 * neither a half-written file nor a temporary one. Needs libsodium (the
 * temporary name's random part). Internal to libusbmsc. */
#ifndef USBMSC_FW_TMPFILE_H
#define USBMSC_FW_TMPFILE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "usbmsc/status.h"

struct usbmsc_tmpfile {
	char path[PATH_MAX + 32];
	int fd;
};

/* A new file beside final_path, named final_path.tmp-RANDOM (the same file
 * system, so the rename is atomic), open for writing. */
int usbmsc_tmpfile_create(struct usbmsc_tmpfile *t, const char *final_path, mode_t mode,
			  struct usbmsc_error *err);
/* Close and remove it (after a failure). */
void usbmsc_tmpfile_discard(struct usbmsc_tmpfile *t);
/* Flush and close: the data is on disk before the rename shows it. */
int usbmsc_tmpfile_close(struct usbmsc_tmpfile *t, struct usbmsc_error *err);
/* Move the closed file to final_path; without replace an existing
 * final_path is left alone (an error). */
int usbmsc_tmpfile_commit(struct usbmsc_tmpfile *t, const char *final_path, bool replace,
			  struct usbmsc_error *err);

#endif
