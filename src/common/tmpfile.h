/* New files that appear whole or not at all: written to a temporary file
 * beside the final one (same file system), flushed to disk, then renamed
 * into place. A failure anywhere leaves the old file as it was. Host side
 * only. */
#ifndef USBMSC_TMPFILE_H
#define USBMSC_TMPFILE_H

#include <limits.h>
#include <stdbool.h>

#include "usbmsc/status.h"

struct usbmsc_tmpfile {
	char path[PATH_MAX + 32];    /* FINAL.tmp-XXXXXXXXXXXX */
	int fd;                      /* -1 once closed */
};

/* Create the temporary file for final_path with permissions perm (0644,
 * 0600: os_file.h's; the umask applies). 0, or USBMSC_E_FILE with err set. */
int usbmsc_tmp_create(struct usbmsc_tmpfile *t, const char *final_path, unsigned perm,
		      struct usbmsc_error *err);
/* Remove it, open or closed. */
void usbmsc_tmp_discard(struct usbmsc_tmpfile *t);
/* fsync and close: the data is on disk before a rename can show it. */
int usbmsc_tmp_close(struct usbmsc_tmpfile *t, struct usbmsc_error *err);
/* Move the closed file to final_path (replace: over an existing file;
 * otherwise an existing final_path is left alone and is an error). The
 * temporary file is gone afterwards, whatever the outcome. */
int usbmsc_tmp_commit(struct usbmsc_tmpfile *t, const char *final_path, bool replace,
		      struct usbmsc_error *err);

#endif
