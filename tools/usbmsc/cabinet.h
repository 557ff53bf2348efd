/* A Microsoft cabinet (MS-CAB) writer: one folder, no compression,
 * checksummed data blocks, as fwupd and the LVFS take firmware. The files'
 * bytes are streamed through one 32 KiB block; none is held whole. */
#ifndef USBMSC_CLI_CABINET_H
#define USBMSC_CLI_CABINET_H

#include <stddef.h>
#include <stdint.h>

#include "usbmsc/status.h"

struct cab_file {
	const char *name;       /* ASCII, stored as is */
	const uint8_t *data;    /* the bytes, or NULL to read them from fd */
	int fd;                 /* read with pread from offset 0 when data is NULL */
	uint64_t size;
	uint16_t dos_date, dos_time;  /* MS-DOS date and time */
};

/* The MS-CAB data-block checksum: seed, then bytes (trailing 1..3 bytes in
 * the format's own order). */
uint32_t cab_checksum(const uint8_t *p, size_t n, uint32_t seed);

/* Write the cabinet of files[0..n) to out_fd from its current position.
 * 0, or a category with a message in err (USBMSC_E_FILE: a file cannot be
 * read or written, or the cabinet would exceed the format's limits). */
int cab_write(int out_fd, const struct cab_file *files, size_t n, struct usbmsc_error *err);

#endif
