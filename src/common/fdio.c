/* Whole reads and writes on file descriptors. */
#include "fdio.h"

#include "../os/os_file.h"

#include <errno.h>

/* positioned: at that offset, else at the file position. */
static int64_t read_loop(int fd, uint8_t *buf, size_t len, bool positioned, uint64_t at)
{
	size_t got = 0;

	while (got < len) {
		int64_t n = positioned ? usbmsc_file_pread(fd, buf + got, len - got, at + got)
				       : usbmsc_file_read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int64_t)got;
}

static bool write_loop(int fd, const uint8_t *buf, size_t len, bool positioned, uint64_t at)
{
	size_t done = 0;

	while (done < len) {
		int64_t n = positioned ? usbmsc_file_pwrite(fd, buf + done, len - done, at + done)
				       : usbmsc_file_write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		done += (size_t)n;
	}
	return true;
}

int64_t usbmsc_read_full(int fd, uint8_t *buf, size_t len)
{
	return read_loop(fd, buf, len, false, 0);
}

int64_t usbmsc_pread_full(int fd, uint8_t *buf, size_t len, uint64_t at)
{
	return read_loop(fd, buf, len, true, at);
}

bool usbmsc_write_full(int fd, const uint8_t *buf, size_t len)
{
	return write_loop(fd, buf, len, false, 0);
}

bool usbmsc_pwrite_full(int fd, const uint8_t *buf, size_t len, uint64_t at)
{
	return write_loop(fd, buf, len, true, at);
}
