/* File-backed LUNs: creation, size checks, reads and writes at the
 * positions the target core asks for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lun_file.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_gadget_lun.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void spec_for(struct lun_spec *s, const char *text)
{
	char arg[LUN_SPEC_MAX], err[128];

	snprintf(arg, sizeof(arg), "%s/%s", dir, text);
	assert_true(gadget_parse_lun(arg, s, err, sizeof(err)));
}

static void make_file(const char *name, off_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static void test_create_sparse(void **state)
{
	struct lun_spec s;
	struct lun_file lf;
	struct usbmsc_lun_config cfg;
	struct stat st;
	char err[256];

	(void)state;
	spec_for(&s, "new.img,size=1m");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), 0);
	assert_int_equal(fstat(lf.fd, &st), 0);
	assert_int_equal(st.st_size, 1024 * 1024);
	assert_true(st.st_blocks * 512 < 1024 * 1024);  /* sparse */
	lun_file_config(&lf, &s, &cfg);
	assert_int_equal(cfg.block_count, 2048);
	assert_int_equal(cfg.block_size, 512);
	assert_int_equal(cfg.flags, 0);
	assert_non_null(cfg.write);
	assert_ptr_equal(cfg.ctx, &lf);
	lun_file_close(&lf);

	/* again with the same size: it exists, that is fine */
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), 0);
	lun_file_close(&lf);
	/* with another size: refused, the disk is left alone */
	spec_for(&s, "new.img,size=2m");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists with 1048576 bytes"));
}

static void test_size_checks(void **state)
{
	struct lun_spec s;
	struct lun_file lf;
	char err[256];

	(void)state;
	make_file("odd.img", 5000);
	spec_for(&s, "odd.img");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "5000 bytes, is not a multiple of the block size 512"));

	make_file("k.img", 8192 + 512);
	spec_for(&s, "k.img,bs=4096");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a multiple of the block size 4096 (512 bytes over)"));

	make_file("empty.img", 0);
	spec_for(&s, "empty.img");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));

	spec_for(&s, "missing.img");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

static void test_read_write(void **state)
{
	struct lun_spec s;
	struct lun_file lf;
	struct usbmsc_lun_config cfg;
	uint8_t out[6000], in[6000];
	char err[256];

	(void)state;
	make_file("rw.img", 16 * 4096);
	spec_for(&s, "rw.img,bs=4096,removable");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), 0);
	lun_file_config(&lf, &s, &cfg);
	assert_int_equal(cfg.block_count, 16);
	assert_int_equal(cfg.flags, USBMSC_LUN_REMOVABLE);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	/* block 2, 100 bytes in: byte position 8292, spanning blocks 2 and 3 */
	assert_int_equal(cfg.write(cfg.ctx, 2, 100, out, sizeof(out)), USBMSC_SENSE_OK);
	assert_int_equal(pread(lf.fd, in, sizeof(in), 2 * 4096 + 100), (ssize_t)sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	memset(in, 0, sizeof(in));
	assert_int_equal(cfg.read(cfg.ctx, 2, 100, in, sizeof(in)), USBMSC_SENSE_OK);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(cfg.sync(cfg.ctx), USBMSC_SENSE_OK);
	assert_int_equal(lf.bytes_read, sizeof(in));
	assert_int_equal(lf.bytes_written, sizeof(out));
	/* past the end of the file (the core never asks; a shrunk file can) */
	assert_int_equal(cfg.read(cfg.ctx, 15, 0, in, 8192), USBMSC_SENSE_READ_ERROR);
	lun_file_close(&lf);
}

static void test_read_only(void **state)
{
	struct lun_spec s;
	struct lun_file lf;
	struct usbmsc_lun_config cfg;
	uint8_t b[512];
	char path[128], err[256];

	(void)state;
	make_file("ro.img", 4096);
	snprintf(path, sizeof(path), "%s/ro.img", dir);
	assert_int_equal(chmod(path, 0444), 0);
	spec_for(&s, "ro.img,ro");
	assert_int_equal(lun_file_open(&lf, &s, err, sizeof(err)), 0);
	lun_file_config(&lf, &s, &cfg);
	assert_int_equal(cfg.flags, USBMSC_LUN_READ_ONLY);
	assert_null(cfg.write);
	assert_null(cfg.sync);
	assert_int_equal(cfg.read(cfg.ctx, 7, 0, b, sizeof(b)), USBMSC_SENSE_OK);
	/* the descriptor is read-only too: a write through it fails */
	assert_int_equal(lun_file_write(&lf, 0, 0, b, sizeof(b)), USBMSC_SENSE_WRITE_ERROR);
	lun_file_close(&lf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_sparse),
		cmocka_unit_test(test_size_checks),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_read_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
