/* Whole reads and writes on file descriptors. */
#include "fdio.h"

#include <errno.h>
#include <unistd.h>

/* at < 0 selects read(2)/write(2), else pread(2)/pwrite(2) at that offset. */
static ssize_t read_loop(int fd, uint8_t *buf, size_t len, off_t at)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = at < 0 ? read(fd, buf + got, len - got)
				   : pread(fd, buf + got, len - got, at + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static bool write_loop(int fd, const uint8_t *buf, size_t len, off_t at)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = at < 0 ? write(fd, buf + done, len - done)
				   : pwrite(fd, buf + done, len - done, at + (off_t)done);
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

ssize_t usbmsc_read_full(int fd, uint8_t *buf, size_t len)
{
	return read_loop(fd, buf, len, -1);
}

ssize_t usbmsc_pread_full(int fd, uint8_t *buf, size_t len, off_t at)
{
	return read_loop(fd, buf, len, at);
}

bool usbmsc_write_full(int fd, const uint8_t *buf, size_t len)
{
	return write_loop(fd, buf, len, -1);
}

bool usbmsc_pwrite_full(int fd, const uint8_t *buf, size_t len, off_t at)
{
	return write_loop(fd, buf, len, at);
}
