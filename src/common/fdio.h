/* Whole reads and writes on file descriptors: retried on EINTR and on
 * partial transfers, so callers see one result per request. Host side
 * only (the target core does no file I/O); over the OS layer's files
 * (src/os/os_file.h). */
#ifndef USBMSC_FDIO_H
#define USBMSC_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Up to len bytes; fewer only at end of file. -1 on error (errno set). */
int64_t usbmsc_read_full(int fd, uint8_t *buf, size_t len);
int64_t usbmsc_pread_full(int fd, uint8_t *buf, size_t len, uint64_t at);

/* All len bytes, or false (errno set; a zero-length write is EIO). */
bool usbmsc_write_full(int fd, const uint8_t *buf, size_t len);
bool usbmsc_pwrite_full(int fd, const uint8_t *buf, size_t len, uint64_t at);

#endif
