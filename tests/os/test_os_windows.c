/* The Windows backend through its own table (src/os/os_backend.h), run
 * under wine in the Windows build. wine has no USB disks: what can be
 * checked is that every operation answers cleanly when there is nothing to
 * find (discovery's empty list, a disk or volume that is not there, a
 * malformed path), and what the backend does with plain files (zeroing a
 * range). The request and the verdicts are test_windows_spt.c's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usbmsc/discovery.h"
#include "../../src/os/os_backend.h"

static void test_table(void **state)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;

	(void)state;
	assert_string_equal(os->name, "windows");
	assert_true(os->caps & USBMSC_OS_CAP_DISCOVERY);
	assert_true(os->caps & USBMSC_OS_CAP_WINUSB);
	assert_string_equal(os->pt_name, "spt");
	assert_non_null(strstr(os->pt_syntax, "PhysicalDriveN"));
	assert_true(os->raw_scsi_privilege());
}

/* Whatever the machine has, the list is well formed; under wine it is
 * empty (no disk on USB), and that is no error. */
static void test_discovery(void **state)
{
	struct usbmsc_device_info *list = (void *)1;
	struct usbmsc_error err = { 0, "" };
	size_t n = 99;

	(void)state;
	assert_int_equal(usbmsc_os_backend.discover(NULL, &list, &n, &err), 0);
	assert_true((n == 0) == (list == NULL));
	for (size_t i = 0; i < n; i++) {
		assert_true(list[i].lun_count > 0);
		assert_non_null(strstr(list[i].luns[0].block_node, "PhysicalDrive"));
	}
	usbmsc_discover_free(list, n);
}

static void test_interface_unknown(void **state)
{
	struct usbmsc_device_info info;
	struct usbmsc_error err = { 0, "" };
	char buf[32] = "x";

	(void)state;
	assert_int_equal(usbmsc_os_backend.interface("9-9.9", 1, 0, &info, &err),
			 USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "9-9.9"));
	assert_false(usbmsc_os_backend.interface_driver("9-9.9", 1, 0, buf, sizeof buf));
	assert_string_equal(buf, "");
	strcpy(buf, "x");
	assert_false(usbmsc_os_backend.device_serial("9-9.9", buf, sizeof buf));
	assert_string_equal(buf, "");
	usbmsc_os_backend.usb_node_name(1, 2, "1-2", buf, sizeof buf);
	assert_non_null(strstr(buf, "1-2"));
}

static void test_paths_claimed(void **state)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;

	(void)state;
	assert_true(os->pt_claims("\\\\.\\PhysicalDrive1"));
	assert_true(os->pt_claims("\\\\.\\E:"));
	assert_true(os->pt_claims("e:"));
	assert_false(os->pt_claims("sim:disk.img"));
	assert_false(os->pt_claims("usb:1209:0001"));
	assert_false(os->pt_claims("/dev/sg0"));
}

static void opens_not(const char *node, int status, const char *words)
{
	struct usbmsc_os_pt *pt = (void *)1;
	struct usbmsc_error err = { 0, "" };
	uint32_t max = 7;

	assert_int_equal(usbmsc_os_backend.pt_open(node, NULL, &pt, &max, &err), status);
	assert_null(pt);
	if (!strstr(err.msg, words))
		fail_msg("%s: '%s' lacks '%s'", node, err.msg, words);
}

static void test_pass_through_absent(void **state)
{
	(void)state;
	opens_not("\\\\.\\PhysicalDrive4242", USBMSC_E_NO_DEVICE,
		  "\\\\.\\PhysicalDrive4242: no such disk or volume");
	opens_not("\\\\.\\PhysicalDrive007", USBMSC_E_USAGE, "expected \\\\.\\PhysicalDriveN");
	opens_not("\\\\.\\Harddisk0", USBMSC_E_USAGE, "expected");
}

static void test_node_access(void **state)
{
	bool w = true;

	(void)state;
	assert_int_equal(usbmsc_os_backend.node_access("\\\\.\\PhysicalDrive4242", &w),
			 USBMSC_OS_ACCESS_MISSING);
	assert_false(w);
	/* A USB device's instance ID: libusb opens it, and says so if it cannot. */
	assert_int_equal(usbmsc_os_backend.node_access("USB\\VID_1209&PID_0001\\X", &w),
			 USBMSC_OS_ACCESS_OK);
	assert_true(w);
}

static void test_unmount(void **state)
{
	struct usbmsc_error err = { 0, "" };
	struct usbmsc_device_info info;

	(void)state;
	assert_int_equal(usbmsc_os_backend.unmount("/mnt/x", &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "not a drive letter"));
	memset(&info, 0, sizeof info);
	assert_int_equal(usbmsc_os_backend.kernel_max_transfer(&info), 0);
}

/* A range zeroed in place, the rest and the size kept, or false (the file
 * system cannot, and the caller writes zeros). */
static void test_punch_hole(void **state)
{
	char path[] = "test_os_windows_punch.bin";
	uint8_t buf[3 * 4096];
	FILE *f;
	int fd;

	(void)state;
	memset(buf, 0xA5, sizeof buf);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, sizeof buf, f), sizeof buf);
	fclose(f);
	fd = open(path, O_RDWR | O_BINARY);
	assert_true(fd >= 0);
	if (usbmsc_os_backend.punch_hole(fd, 4096, 4096)) {
		print_message("the range was zeroed in place\n");
		close(fd);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, sizeof buf + 1, f), sizeof buf);
		fclose(f);
		for (size_t i = 0; i < sizeof buf; i++)
			if (buf[i] != (i >= 4096 && i < 8192 ? 0 : 0xA5))
				fail_msg("byte %u is 0x%02x", (unsigned)i, buf[i]);
	} else {
		print_message("the file system zeroes no range: the caller writes zeros\n");
		close(fd);
	}
	assert_false(usbmsc_os_backend.punch_hole(-1, 0, 4096));
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_interface_unknown),
		cmocka_unit_test(test_paths_claimed),
		cmocka_unit_test(test_pass_through_absent),
		cmocka_unit_test(test_node_access),
		cmocka_unit_test(test_unmount),
		cmocka_unit_test(test_punch_hole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
