/* Whole reads and writes on file descriptors: retried on EINTR and on
 * partial transfers, so callers see one result per request. Host side
 * only (the target core does no file I/O). */
#ifndef USBMSC_FDIO_H
#define USBMSC_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Up to len bytes; fewer only at end of file. -1 on error (errno set). */
ssize_t usbmsc_read_full(int fd, uint8_t *buf, size_t len);
ssize_t usbmsc_pread_full(int fd, uint8_t *buf, size_t len, off_t at);

/* All len bytes, or false (errno set; a zero-length write is EIO). */
bool usbmsc_write_full(int fd, const uint8_t *buf, size_t len);
bool usbmsc_pwrite_full(int fd, const uint8_t *buf, size_t len, off_t at);

#endif
