/* Files for the tests (testfs.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "testfs.h"
#include "../../src/common/fdio.h"
#include "../../src/os/os_clock.h"
#include "../../src/os/os_file.h"

void testfs_mkdtemp(char *out, size_t len, const char *prefix)
{
	static unsigned counter;
	char tmp[512];

	assert_true(usbmsc_file_temp_dir(tmp, sizeof tmp));
	for (unsigned tries = 0; tries < 100; tries++) {
		int n = snprintf(out, len, "%s/%s-%lu-%llx-%u", tmp, prefix, usbmsc_process_id(),
				 (unsigned long long)(usbmsc_clock_ns() & 0xFFFFFFFFu), ++counter);

		assert_true(n > 0 && (size_t)n < len);
		if (usbmsc_file_make_dir(out, 0700))
			return;
	}
	fail_msg("cannot make a folder under %s", tmp);
}

void testfs_rmtree(const char *dir)
{
	struct usbmsc_file_info fi;
	struct dirent *e;
	char name[1024];
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(name, sizeof name, "%s/%s", dir, e->d_name);
			if (usbmsc_file_stat(name, false, &fi) && fi.kind == USBMSC_FILE_DIRECTORY)
				testfs_rmtree(name);
			else
				usbmsc_file_remove(name);
		}
		closedir(d);
	}
	usbmsc_file_remove_dir(dir);
}

void testfs_write(const char *path, const void *buf, size_t len)
{
	int fd = usbmsc_file_open(path, USBMSC_FILE_WRITE | USBMSC_FILE_CREATE |
				  USBMSC_FILE_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_true(usbmsc_write_full(fd, buf, len));
	assert_int_equal(usbmsc_file_close(fd), 0);
}

void testfs_pread(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);

	assert_true(fd >= 0);
	assert_int_equal(usbmsc_pread_full(fd, buf, len, off), (int64_t)len);
	usbmsc_file_close(fd);
}
