/* Temporary files renamed into place (tmpfile.h), over the OS layer's
 * files (src/os/os_file.h). */
#include "tmpfile.h"

#include "../os/os_clock.h"
#include "../os/os_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A name nobody guesses on purpose or by chance: an exclusive create
 * refuses the rare clash (and a planted symlink), and the next try takes
 * another. */
static unsigned long long tmp_suffix(unsigned tries)
{
	static unsigned counter;
	uint64_t ns = usbmsc_clock_ns();

	return (((unsigned long long)usbmsc_process_id() << 24) ^ (ns % 1000000000u) ^
		((ns / 1000000000u) << 30) ^ ((unsigned long long)++counter << 8) ^
		tries) & 0xFFFFFFFFFFFFull;
}

int usbmsc_tmp_create(struct usbmsc_tmpfile *t, const char *final_path, unsigned perm,
		      struct usbmsc_error *err)
{
	t->fd = -1;
	for (unsigned tries = 0; tries < 8; tries++) {
		int n = snprintf(t->path, sizeof t->path, "%s.tmp-%012llx", final_path,
				 tmp_suffix(tries));

		if (n < 0 || (size_t)n >= sizeof t->path)
			return usbmsc_fail(err, USBMSC_E_FILE, "%s: path too long", final_path);
		t->fd = usbmsc_file_open(t->path, USBMSC_FILE_WRITE | USBMSC_FILE_CREATE |
					 USBMSC_FILE_EXCL, perm);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST)
			return usbmsc_fail(err, USBMSC_E_FILE, "cannot create %s: %s", t->path,
					   strerror(errno));
	}
	return usbmsc_fail(err, USBMSC_E_FILE, "cannot create a temporary file beside %s", final_path);
}

void usbmsc_tmp_discard(struct usbmsc_tmpfile *t)
{
	if (t->fd >= 0)
		usbmsc_file_close(t->fd);
	t->fd = -1;
	usbmsc_file_remove(t->path);
}

int usbmsc_tmp_close(struct usbmsc_tmpfile *t, struct usbmsc_error *err)
{
	int fd = t->fd;

	t->fd = -1;
	if (!usbmsc_file_sync(fd) && errno != EINVAL) {
		int e = errno;
		usbmsc_file_close(fd);
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", t->path, strerror(e));
	}
	if (usbmsc_file_close(fd) != 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", t->path, strerror(errno));
	return 0;
}

/* The rename itself is made durable as far as the system allows. */
int usbmsc_tmp_commit(struct usbmsc_tmpfile *t, const char *final_path, bool replace,
		      struct usbmsc_error *err)
{
	if (!usbmsc_file_rename(t->path, final_path, replace)) {
		int e = errno;

		usbmsc_file_remove(t->path);
		if (e == EEXIST && !replace)
			return usbmsc_fail(err, USBMSC_E_FILE, "%s already exists; not replacing it",
					   final_path);
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot create %s: %s", final_path, strerror(e));
	}
	usbmsc_file_sync_dir(final_path);
	return 0;
}
