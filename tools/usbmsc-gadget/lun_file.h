/* File-backed logical units: a regular file (or a block device) read and
 * written with pread/pwrite at the position the target core asks for. The
 * only memory is the core's streaming buffer, whatever the file's size. */
#ifndef USBMSC_GADGET_LUN_FILE_H
#define USBMSC_GADGET_LUN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "usbmsc/target.h"

struct lun_file {
	int fd;
	const char *path;
	uint16_t block_size;
	uint64_t size;          /* bytes */
	uint64_t bytes_read, bytes_written;
	int last_errno;         /* of the last failed call, for the log */
};

/* Open (creating it sparse when spec->create_size asks for it) and check
 * the file: it must be a non-empty multiple of the block size with at most
 * 2^32 blocks. Returns 0, or -1 with err set. */
int lun_file_open(struct lun_file *lf, const struct lun_spec *spec, char *err, size_t err_len);

/* The core's view of the LUN: block count, size, flags and callbacks. */
void lun_file_config(struct lun_file *lf, const struct lun_spec *spec,
		     struct usbmsc_lun_config *cfg);

void lun_file_close(struct lun_file *lf);

/* The storage callbacks (public for the tests). */
usbmsc_sense_t lun_file_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf, uint32_t len);
usbmsc_sense_t lun_file_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			      uint32_t len);
usbmsc_sense_t lun_file_sync(void *ctx);

#endif
