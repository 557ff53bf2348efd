/* Files for the tests, the same on every system (over src/os/os_file.h):
 * a folder of the test's own, whole files in and out, and removal of the
 * folder with what the test left in it. Each fails the test on an error. */
#ifndef USBMSC_TESTFS_H
#define USBMSC_TESTFS_H

#include <stddef.h>
#include <stdint.h>

/* A new folder under the system's temporary folder, named after prefix
 * ("usbmsc-sim"), its path in out. */
void testfs_mkdtemp(char *out, size_t len, const char *prefix);
/* Remove dir, the files in it and its folders. */
void testfs_rmtree(const char *dir);

/* Write len bytes as the whole of path (created or emptied). */
void testfs_write(const char *path, const void *buf, size_t len);
/* Read len bytes at offset off of path: all of them, or the test fails. */
void testfs_pread(const char *path, uint64_t off, void *buf, size_t len);

#endif
