/* The Linux backend's own operations (linux.c), against a small fake sysfs
 * tree and a scratch file: one interface's kernel view and what stands in
 * the way of knowing it, the driver bound to an interface, the serial
 * number, the kernel's transfer limit, node access, the USB node's name,
 * and punching a hole in a file. (Discovery and SG_IO as a whole are
 * tested in tests/initiator/test_discovery_sysfs.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usbmsc/discovery.h"
#include "usbmsc/initiator.h"
#include "../../src/os/os_backend.h"

static char root[256];     /* short, so that every path below fits PATH_MAX */

/* root/rel with its directories, holding text. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *slash = path + strlen(root) + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

/* 1-2: serial ABC, configuration 1, interface 0 bound to usb-storage;
 * sdz's queue allows 120 KiB; an empty mount table. */
static int setup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(root, sizeof root, "%s/usbmsc-os-linux.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
									      : "/tmp");
	if (!mkdtemp(root))
		return -1;
	put("sys/bus/usb/devices/1-2/serial", "ABC\n");
	put("sys/bus/usb/devices/1-2/bConfigurationValue", "1\n");
	put("sys/bus/usb/devices/1-2/idVendor", "1209\n");
	put("sys/bus/usb/devices/1-2:1.0/bInterfaceNumber", "00\n");
	put("sys/bus/usb/devices/1-2:1.0/bInterfaceClass", "08\n");
	link_to("sys/bus/usb/devices/1-2:1.0/driver", "../../../../bus/usb/drivers/usb-storage");
	put("sys/class/block/sdz/queue/max_hw_sectors_kb", "120\n");
	put("mountinfo", "");
	snprintf(path, sizeof path, "%s/sys", root);
	setenv("USBMSC_SYSFS_ROOT", path, 1);
	snprintf(path, sizeof path, "%s/mountinfo", root);
	setenv("USBMSC_MOUNTINFO", path, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	unsetenv("USBMSC_SYSFS_ROOT");
	unsetenv("USBMSC_MOUNTINFO");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void one_interface(void **state)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;
	struct usbmsc_device_info info;
	struct usbmsc_error err = { 0, "" };
	char path[PATH_MAX];

	(void)state;
	assert_string_equal(os->name, "linux");
	assert_true(os->caps & USBMSC_OS_CAP_DISCOVERY);
	assert_int_equal(os->interface("1-2", 1, 0, &info, &err), 0);
	assert_string_equal(info.driver, "usb-storage");
	assert_int_equal(info.vid, 0x1209);
	assert_string_equal(info.serial, "ABC");
	assert_int_equal(info.lun_count, 0);
	usbmsc_disc_info_clear(&info);
	/* Not there: the libusb pipe goes on (no kernel disk to care for). */
	assert_int_equal(os->interface("1-2", 1, 3, &info, &err), USBMSC_E_NO_DEVICE);
	assert_int_equal(os->interface("1-9", 1, 0, &info, &err), USBMSC_E_NO_DEVICE);
	/* No mount table: not NO_DEVICE, so that nothing is detached blindly. */
	snprintf(path, sizeof path, "%s/no-mountinfo", root);
	setenv("USBMSC_MOUNTINFO", path, 1);
	assert_int_equal(os->interface("1-2", 1, 0, &info, &err), USBMSC_E_OTHER);
	assert_non_null(strstr(err.msg, "mount table"));
	snprintf(path, sizeof path, "%s/mountinfo", root);
	setenv("USBMSC_MOUNTINFO", path, 1);
}

/* usbmsc_open's device nodes and auto: reach this backend. */
static void uris(void **state)
{
	struct usbmsc_dev *dev = (void *)1;
	struct usbmsc_error err = { 0, "" };

	(void)state;
	assert_int_equal(usbmsc_open("/dev/usbmsc-no-such-node", NULL, &dev, &err),
			 USBMSC_E_NO_DEVICE);
	assert_null(dev);
	assert_non_null(strstr(err.msg, "/dev/usbmsc-no-such-node: no such device node"));
	assert_int_equal(usbmsc_open("/dev/null", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "not a SCSI device"));
	/* The fake tree has no device 1234:5678. */
	assert_int_equal(usbmsc_open("auto:1234:5678", NULL, &dev, &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "no USB mass-storage device matches auto:1234:5678"));
}

static void sysfs_answers(void **state)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;
	struct usbmsc_lun_info lun;
	struct usbmsc_device_info info;
	char buf[32];

	(void)state;
	assert_true(os->interface_driver("1-2", 1, 0, buf, sizeof buf));
	assert_string_equal(buf, "usb-storage");
	assert_false(os->interface_driver("1-2", 1, 1, buf, sizeof buf));
	assert_true(os->device_serial("1-2", buf, sizeof buf));
	assert_string_equal(buf, "ABC");
	assert_false(os->device_serial("1-9", buf, sizeof buf));

	memset(&info, 0, sizeof info);
	assert_int_equal(os->kernel_max_transfer(&info), 0);     /* no LUN */
	memset(&lun, 0, sizeof lun);
	snprintf(lun.block_node, sizeof lun.block_node, "/dev/sdz");
	info.luns = &lun;
	info.lun_count = 1;
	assert_int_equal(os->kernel_max_transfer(&info), 120u * 1024u);
	snprintf(lun.block_node, sizeof lun.block_node, "/dev/sdy");
	assert_int_equal(os->kernel_max_transfer(&info), 0);     /* sysfs does not say */

	os->usb_node_name(1, 12, "1-2", buf, sizeof buf);
	assert_string_equal(buf, "/dev/bus/usb/001/012");
}

static void node_access(void **state)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;
	char path[PATH_MAX];
	bool writable = false;

	(void)state;
	assert_int_equal(os->node_access("/dev/null", &writable), USBMSC_OS_ACCESS_OK);
	assert_true(writable);
	snprintf(path, sizeof path, "%s/no-such-node", root);
	assert_int_equal(os->node_access(path, &writable), USBMSC_OS_ACCESS_MISSING);
	assert_false(writable);
}

/* A punched range reads as zeros, the size stays, the rest is untouched. */
static void punch_hole(void **state)
{
	uint8_t block[3 * 4096], back[3 * 4096];
	char path[PATH_MAX];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof path, "%s/flash", root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	memset(block, 0xA5, sizeof block);
	assert_int_equal(pwrite(fd, block, sizeof block, 0), (ssize_t)sizeof block);
	if (!usbmsc_os_backend.punch_hole(fd, 4096, 4096)) {
		close(fd);
		skip();     /* the file system of TMPDIR cannot punch holes */
	}
	assert_int_equal(pread(fd, back, sizeof back, 0), (ssize_t)sizeof back);
	memset(block + 4096, 0, 4096);
	assert_memory_equal(back, block, sizeof block);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, (off_t)sizeof block);
	close(fd);
	assert_false(usbmsc_os_backend.punch_hole(-1, 0, 4096));
}

/* A file's cached data is dropped (for a file door's STATUS.TXT); the
 * file reads the same afterwards; a bad descriptor is refused. */
static void file_uncache(void **state)
{
	char path[PATH_MAX], back[6];
	int fd;

	(void)state;
	snprintf(path, sizeof path, "%s/status", root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "hello", 5, 0), 5);
	assert_int_equal(fsync(fd), 0);
	assert_true(usbmsc_os_backend.file_uncache(fd));
	assert_int_equal(pread(fd, back, 5, 0), 5);
	assert_memory_equal(back, "hello", 5);
	close(fd);
	assert_false(usbmsc_os_backend.file_uncache(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_interface),
		cmocka_unit_test(uris),
		cmocka_unit_test(sysfs_answers),
		cmocka_unit_test(node_access),
		cmocka_unit_test(punch_hole),
		cmocka_unit_test(file_uncache),
	};

	return cmocka_run_group_tests_name("os_linux", tests, setup, teardown);
}
