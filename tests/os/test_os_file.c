/* Plain files and the clock through the OS layer (src/os/os_file.h,
 * os_clock.h): the same expectations on Linux and on Windows (under wine),
 * errno included, since callers print and categorise by it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/os/os_clock.h"
#include "../../src/os/os_file.h"

#define RW (USBMSC_FILE_RDWR)
#define NEW (USBMSC_FILE_RDWR | USBMSC_FILE_CREATE | USBMSC_FILE_EXCL)

static char dir[64], a[96], b[96];

/* A folder of the test's own in the current one (meson's build folder). */
static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "test_os_file.%lu.%llx", usbmsc_process_id(),
		 (unsigned long long)(usbmsc_clock_ns() & 0xFFFFFFFFu));
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	return usbmsc_file_make_dir(dir, 0700) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return usbmsc_file_remove_dir(dir) ? 0 : -1;
}

/* A fresh file named path holding text. */
static int make(const char *path, const char *text)
{
	int fd = usbmsc_file_open(path, NEW, 0644);

	assert_true(fd >= 0);
	assert_int_equal(usbmsc_file_write(fd, text, strlen(text)), (int64_t)strlen(text));
	return fd;
}

static void holds(const char *path, const char *text)
{
	char buf[64] = "";
	int fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);

	assert_true(fd >= 0);
	assert_int_equal(usbmsc_file_read(fd, buf, sizeof buf - 1), (int64_t)strlen(text));
	assert_string_equal(buf, text);
	usbmsc_file_close(fd);
}

static void test_create_and_errors(void **state)
{
	int fd;

	(void)state;
	fd = make(a, "one");
	usbmsc_file_close(fd);
	errno = 0;
	assert_int_equal(usbmsc_file_open(a, NEW, 0644), -1);
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_int_equal(usbmsc_file_open(b, USBMSC_FILE_READ, 0), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(usbmsc_file_open(dir, USBMSC_FILE_RDWR, 0), -1);
	assert_int_equal(errno, EISDIR);
	assert_true(usbmsc_file_access(a, true));
	assert_false(usbmsc_file_access(b, false));
	/* TRUNC empties, CREATE alone keeps. */
	fd = usbmsc_file_open(a, USBMSC_FILE_WRITE | USBMSC_FILE_CREATE, 0644);
	assert_true(fd >= 0);
	usbmsc_file_close(fd);
	holds(a, "one");
	fd = usbmsc_file_open(a, USBMSC_FILE_WRITE | USBMSC_FILE_TRUNC, 0644);
	assert_true(fd >= 0);
	usbmsc_file_close(fd);
	holds(a, "");
	assert_true(usbmsc_file_remove(a));
	errno = 0;
	assert_false(usbmsc_file_remove(a));
	assert_int_equal(errno, ENOENT);
}

/* Every byte value goes through unchanged: no text-mode translation of
 * CR, LF or ^Z anywhere. */
static void test_binary(void **state)
{
	uint8_t out[256], in[300];
	int fd;

	(void)state;
	for (unsigned i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)(255 - i);
	fd = usbmsc_file_open(a, NEW, 0644);
	assert_true(fd >= 0);
	assert_int_equal(usbmsc_file_write(fd, out, sizeof out), (int64_t)sizeof out);
	assert_true(usbmsc_file_seek(fd, 0));
	assert_int_equal(usbmsc_file_read(fd, in, sizeof in), (int64_t)sizeof out);
	assert_memory_equal(in, out, sizeof out);
	assert_int_equal(usbmsc_file_read(fd, in, sizeof in), 0);
	usbmsc_file_close(fd);
	assert_true(usbmsc_file_remove(a));
}

/* Positioned I/O at offsets past 4 GiB, the size, truncation. */
static void test_positions_and_size(void **state)
{
	const uint64_t far = (5ull << 30) + 7;   /* 5 GiB + 7: beyond 32 bits */
	struct usbmsc_file_info fi;
	uint8_t buf[8];
	int fd;

	(void)state;
	fd = make(a, "0123456789");
	assert_int_equal(usbmsc_file_pwrite(fd, "AB", 2, 3), 2);
	assert_int_equal(usbmsc_file_pread(fd, buf, 4, 2), 4);
	assert_memory_equal(buf, "2AB5", 4);
	assert_int_equal(usbmsc_file_pread(fd, buf, 4, 10), 0);   /* at the end */
	assert_int_equal(usbmsc_file_pwrite(fd, "far", 3, far), 3);
	assert_true(usbmsc_file_stat_fd(fd, &fi));
	assert_int_equal(fi.kind, USBMSC_FILE_REGULAR);
	assert_true(fi.size == far + 3);
	/* Written a moment ago: after 2020, and not in the future by a day. */
	assert_true(fi.mtime > 1577836800 && fi.mtime < (int64_t)time(NULL) + 86400);
	assert_int_equal(usbmsc_file_pread(fd, buf, 8, far - 2), 5);
	assert_memory_equal(buf, "\0\0far", 5);
	/* Cut back, then extended with zeros. */
	assert_true(usbmsc_file_truncate(fd, 4));
	assert_true(usbmsc_file_truncate(fd, 6));
	assert_int_equal(usbmsc_file_pread(fd, buf, 8, 0), 6);
	assert_memory_equal(buf, "012A\0\0", 6);
	assert_true(usbmsc_file_sync(fd));
	assert_true(usbmsc_file_datasync(fd));
	usbmsc_file_close(fd);
	assert_true(usbmsc_file_stat(a, true, &fi));
	assert_true(fi.size == 6);
	assert_true(usbmsc_file_remove(a));
}

static void test_identity(void **state)
{
	struct usbmsc_file_info x, y, z, d;
	int fa = make(a, "a"), fb = make(b, "b");

	(void)state;
	assert_true(usbmsc_file_stat_fd(fa, &x));
	assert_true(usbmsc_file_stat(a, true, &y));
	assert_true(usbmsc_file_stat_fd(fb, &z));
	assert_true(x.volume == y.volume && x.index == y.index);
	assert_false(x.volume == z.volume && x.index == z.index);
	assert_true(usbmsc_file_stat(dir, true, &d));
	assert_int_equal(d.kind, USBMSC_FILE_DIRECTORY);
	errno = 0;
	assert_false(usbmsc_file_make_dir(dir, 0700));
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_false(usbmsc_file_stat("no-such-file.bin", true, &d));
	assert_int_equal(errno, ENOENT);
	usbmsc_file_close(fa);
	usbmsc_file_close(fb);
	assert_true(usbmsc_file_remove(a));
	assert_true(usbmsc_file_remove(b));
}

/* A folder's names, each once, "." and ".." left out; the callback stops
 * the listing by returning other than 0; a folder that is not there. */
static int seen_names(void *ctx, const char *name)
{
	unsigned *seen = ctx;

	if (strcmp(name, "a") == 0)
		*seen += 1;
	else if (strcmp(name, "b") == 0)
		*seen += 16;
	else
		*seen += 256;
	return 0;
}

static int stop_at_first(void *ctx, const char *name)
{
	(void)name;
	(*(unsigned *)ctx)++;
	return 7;
}

static void test_list_dir(void **state)
{
	int fa = make(a, "a"), fb = make(b, "b");
	unsigned seen = 0;

	(void)state;
	usbmsc_file_close(fa);
	usbmsc_file_close(fb);
	assert_int_equal(usbmsc_file_list_dir(dir, seen_names, &seen), 0);
	assert_int_equal(seen, 17);
	seen = 0;
	assert_int_equal(usbmsc_file_list_dir(dir, stop_at_first, &seen), 7);
	assert_int_equal(seen, 1);
	errno = 0;
	assert_int_equal(usbmsc_file_list_dir("no-such-folder", seen_names, &seen), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(usbmsc_file_remove(a));
	assert_true(usbmsc_file_remove(b));
}

/* Without replace, an existing name stays as it was; with it, the new
 * file takes the name (the one replaced is open nowhere: Windows refuses
 * to replace an open file, os_file.h). A file being renamed may be open. */
static void test_rename(void **state)
{
	int fa = make(a, "new"), fb = make(b, "old");

	(void)state;
	usbmsc_file_close(fb);
	errno = 0;
	assert_false(usbmsc_file_rename(a, b, false));
	assert_int_equal(errno, EEXIST);
	holds(a, "new");
	holds(b, "old");
	assert_true(usbmsc_file_rename(a, b, true));
	usbmsc_file_close(fa);
	holds(b, "new");
	assert_false(usbmsc_file_access(a, false));
	assert_true(usbmsc_file_rename(b, a, false));
	holds(a, "new");
	assert_true(usbmsc_file_remove(a));
}

/* Read-only, then writable again; the owner's write bit is what every
 * system keeps. The real path of a file is absolute and names it. */
static void test_perm_and_path(void **state)
{
	struct usbmsc_file_info fi, real;
	char full[1024];
	int fd = make(a, "p");

	(void)state;
	assert_true(usbmsc_file_set_perm(fd, 0444));
	assert_true(usbmsc_file_stat_fd(fd, &fi));
	assert_int_equal(fi.perm & 0200, 0);
	assert_true(usbmsc_file_set_perm(fd, 0644));
	assert_true(usbmsc_file_stat_fd(fd, &fi));
	assert_int_equal(fi.perm & 0200, 0200);
	usbmsc_file_close(fd);
	assert_true(usbmsc_file_real_path(a, full, sizeof full));
	assert_true(strlen(full) > strlen(a));
	assert_true(usbmsc_file_stat(full, true, &real));
	assert_true(usbmsc_file_stat(a, true, &fi));
	assert_true(real.volume == fi.volume && real.index == fi.index);
	errno = 0;
	assert_false(usbmsc_file_real_path(b, full, sizeof full));
	assert_int_equal(errno, ENOENT);
	assert_true(usbmsc_file_remove(a));
}

static void test_temp(void **state)
{
	char buf[8] = "";
	int fd = usbmsc_file_temp();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(usbmsc_file_write(fd, "tmp\n\x1a", 5), 5);
	assert_int_equal(usbmsc_file_pread(fd, buf, sizeof buf, 0), 5);
	assert_memory_equal(buf, "tmp\n\x1a", 5);
	assert_true(usbmsc_file_set_perm(fd, 0600));
	assert_false(usbmsc_file_is_terminal(fd));
	usbmsc_file_close(fd);
}

static void test_temp_stream(void **state)
{
	char buf[8] = "";
	FILE *f = usbmsc_file_temp_stream();

	(void)state;
	assert_non_null(f);
	assert_int_equal(fwrite("a\nb\r\n", 1, 5, f), 5);
	assert_int_equal(fflush(f), 0);
	assert_int_equal(usbmsc_file_pread(usbmsc_file_stream_fd(f), buf, sizeof buf, 0), 5);
	assert_memory_equal(buf, "a\nb\r\n", 5);    /* binary: no CR added or taken */
	rewind(f);
	assert_int_equal(fread(buf, 1, sizeof buf, f), 5);
	fclose(f);
}

static void test_clock(void **state)
{
	uint64_t t0 = usbmsc_clock_ns(), m0 = usbmsc_clock_ms();

	(void)state;
	usbmsc_sleep_ms(30);
	assert_true(usbmsc_clock_ns() - t0 >= 30000000u);
	assert_true(usbmsc_clock_ms() - m0 >= 29);
	assert_true(usbmsc_process_id() != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_errors),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_positions_and_size),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_list_dir),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_perm_and_path),
		cmocka_unit_test(test_temp),
		cmocka_unit_test(test_temp_stream),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
