/* The null backend (-Dlinux=disabled, and macOS): what each part of the
 * library does on a system it has no backend for. Device nodes, discovery
 * and unmounting say "not supported on this system"; auto: tries the
 * libusb doors alone; usb: goes on (no kernel view: nothing mounted); a
 * firmware flash file gets zeros written where Linux punches a hole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/discovery.h"
#include "usbmsc/initiator.h"
#include "usbmsc_config.h"
#include "../../src/os/os_backend.h"

#define NOT_SUPPORTED "not supported on this system"

static void device_nodes_are_not_supported(void **state)
{
	struct usbmsc_dev *dev = (void *)1;
	struct usbmsc_error err = { 0, "" };

	(void)state;
	assert_int_equal(usbmsc_open("/dev/sg0", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_null(dev);
	assert_non_null(strstr(err.msg, "/dev/sg0: SCSI pass-through"));
	assert_non_null(strstr(err.msg, NOT_SUPPORTED));
}

static void discovery_is_not_supported(void **state)
{
	struct usbmsc_device_info *list = (void *)1;
	struct usbmsc_error err = { 0, "" };
	size_t n = 7;

	(void)state;
	assert_int_equal(usbmsc_discover(&list, &n, &err), USBMSC_E_USAGE);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "device discovery is " NOT_SUPPORTED));
	assert_false(usbmsc_os_backend.caps & USBMSC_OS_CAP_DISCOVERY);
}

static char notes[1024];

static void note_trace(void *ctx, enum usbmsc_trace_kind kind, const char *text,
		       const uint8_t *bytes, size_t len)
{
	(void)ctx;
	(void)bytes;
	(void)len;
	if (kind == USBMSC_TRACE_NOTE && strlen(notes) + strlen(text) + 2 < sizeof notes) {
		strcat(notes, text);
		strcat(notes, "\n");
	}
}

/* No device to rank: the vendor interface, then raw BOT, each through
 * libusb (a device that is not there: both fail, the last error stays). */
static void auto_tries_the_libusb_doors(void **state)
{
	struct usbmsc_open_opts opts = { 0, { note_trace, NULL }, false };
	struct usbmsc_dev *dev = (void *)1;
	struct usbmsc_error err = { 0, "" };
	int rc;

	(void)state;
	notes[0] = '\0';
	rc = usbmsc_open("auto:dead:beef:no-such-serial", &opts, &dev, &err);
	assert_null(dev);
	if (!USBMSC_HAVE_LIBUSB) {
		assert_int_equal(rc, USBMSC_E_USAGE);
		assert_non_null(strstr(err.msg, "built without libusb"));
		return;
	}
	assert_int_equal(rc, USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "usb:dead:beef:no-such-serial"));
	assert_non_null(strstr(notes, "auto: vendor interface: no USB device matches usbv:"));
	assert_non_null(strstr(notes, "auto: no kernel pass-through on this system; using usb:"));
}

/* What the libusb pipe and the flash file ask of the backend. */
static void plain_answers(void **state)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;
	struct usbmsc_device_info info;
	struct usbmsc_error err = { 0, "" };
	char buf[32] = "x";

	(void)state;
	assert_string_equal(os->name, "none");
	/* usb: goes on when the kernel has no view of the interface. */
	assert_int_equal(os->interface("1-2", 1, 0, &info, &err), USBMSC_E_NO_DEVICE);
	assert_false(os->interface_driver("1-2", 1, 0, buf, sizeof buf));
	assert_string_equal(buf, "");
	assert_false(os->device_serial("1-2", buf, sizeof buf));
	os->usb_node_name(1, 2, "1-2", buf, sizeof buf);
	assert_string_equal(buf, "1-2");
	assert_int_equal(os->kernel_max_transfer(&info), 0);
	assert_int_equal(os->unmount("/media/stick", &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "cannot unmount /media/stick"));
	assert_false(os->raw_scsi_privilege());
	/* fw_flash.c writes zeros instead. */
	assert_false(os->punch_hole(-1, 0, 4096));
	/* A file door's status is read as the system caches it. */
	assert_false(os->file_uncache(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_nodes_are_not_supported),
		cmocka_unit_test(discovery_is_not_supported),
		cmocka_unit_test(auto_tries_the_libusb_doors),
		cmocka_unit_test(plain_answers),
	};

	return cmocka_run_group_tests_name("os_none", tests, NULL, NULL);
}
