/* Device selectors of usb: and auto: URIs, port paths, matching. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/discovery.h"

static void test_vid_pid(void **state)
{
	struct usbmsc_usb_selector sel;
	struct usbmsc_error err = { 0, "" };

	(void)state;
	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0104", &sel, &err), 0);
	assert_false(sel.by_port);
	assert_int_equal(sel.vid, 0x1d6b);
	assert_int_equal(sel.pid, 0x0104);
	assert_false(sel.has_serial);

	assert_int_equal(usbmsc_usb_selector_parse("0x0781:5581", &sel, &err), 0);
	assert_int_equal(sel.vid, 0x0781);
	assert_int_equal(sel.pid, 0x5581);

	/* Upper case and short forms are hex too. */
	assert_int_equal(usbmsc_usb_selector_parse("ABCD:1", &sel, &err), 0);
	assert_int_equal(sel.vid, 0xabcd);
	assert_int_equal(sel.pid, 0x0001);
}

static void test_serial(void **state)
{
	struct usbmsc_usb_selector sel;

	(void)state;
	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0104:LABMSC1", &sel, NULL), 0);
	assert_true(sel.has_serial);
	assert_string_equal(sel.serial, "LABMSC1");
	/* A serial keeps its colons and dashes: only the first two colons split. */
	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0104:AB:CD-9", &sel, NULL), 0);
	assert_false(sel.by_port);
	assert_string_equal(sel.serial, "AB:CD-9");
}

static void test_port_path(void **state)
{
	struct usbmsc_usb_selector sel;

	(void)state;
	assert_int_equal(usbmsc_usb_selector_parse("1-2.3", &sel, NULL), 0);
	assert_true(sel.by_port);
	assert_int_equal(sel.bus, 1);
	assert_int_equal(sel.port_count, 2);
	assert_int_equal(sel.ports[0], 2);
	assert_int_equal(sel.ports[1], 3);

	assert_int_equal(usbmsc_usb_selector_parse("12-1.4.2.1.3.1.7", &sel, NULL), 0);
	assert_int_equal(sel.bus, 12);
	assert_int_equal(sel.port_count, 7);
	assert_int_equal(sel.ports[6], 7);
}

static void test_rejects(void **state)
{
	static const char *bad[] = {
		"", "1d6b", "1d6b:", ":0104", "1d6bb:0104", "1d6b:01040", "xyz:0104",
		"1d6b:0104:", "1-", "1-2.", "0-1", "1-0", "256-1", "1-256", "1-2.3x",
		"1-1.1.1.1.1.1.1.1", "1--2", "-1",
	};
	struct usbmsc_usb_selector sel;
	struct usbmsc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(usbmsc_usb_selector_parse(bad[i], &sel, &err), USBMSC_E_USAGE);
		assert_int_equal(err.status, USBMSC_E_USAGE);
		/* The message shows both accepted forms. */
		assert_non_null(strstr(err.msg, "VID:PID"));
		assert_non_null(strstr(err.msg, "BUS-PORT"));
	}
	assert_int_equal(usbmsc_usb_selector_parse(NULL, &sel, NULL), USBMSC_E_USAGE);
}

static void test_format_port_path(void **state)
{
	const uint8_t ports[] = { 2, 3, 11 };
	char buf[32];

	(void)state;
	assert_int_equal(usbmsc_usb_port_path(1, ports, 3, buf, sizeof buf), 8);
	assert_string_equal(buf, "1-2.3.11");
	assert_int_equal(usbmsc_usb_port_path(4, ports, 1, buf, sizeof buf), 3);
	assert_string_equal(buf, "4-2");
	/* Truncated like snprintf, with the full length returned. */
	assert_int_equal(usbmsc_usb_port_path(1, ports, 3, buf, 4), 8);
	assert_string_equal(buf, "1-2");
}

static void test_matches(void **state)
{
	struct usbmsc_device_info info;
	struct usbmsc_usb_selector sel;

	(void)state;
	memset(&info, 0, sizeof info);
	info.vid = 0x1d6b;
	info.pid = 0x0104;
	strcpy(info.serial, "LABMSC1");
	strcpy(info.port_path, "1-10.2");

	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0104", &sel, NULL), 0);
	assert_true(usbmsc_device_info_matches(&info, &sel));
	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0104:LABMSC1", &sel, NULL), 0);
	assert_true(usbmsc_device_info_matches(&info, &sel));
	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0104:LABMSC2", &sel, NULL), 0);
	assert_false(usbmsc_device_info_matches(&info, &sel));
	assert_int_equal(usbmsc_usb_selector_parse("1d6b:0105", &sel, NULL), 0);
	assert_false(usbmsc_device_info_matches(&info, &sel));
	assert_int_equal(usbmsc_usb_selector_parse("1-10.2", &sel, NULL), 0);
	assert_true(usbmsc_device_info_matches(&info, &sel));
	assert_int_equal(usbmsc_usb_selector_parse("1-10", &sel, NULL), 0);
	assert_false(usbmsc_device_info_matches(&info, &sel));
	assert_int_equal(usbmsc_usb_selector_parse("1-1.2", &sel, NULL), 0);
	assert_false(usbmsc_device_info_matches(&info, &sel));
}

static void test_speed_names(void **state)
{
	(void)state;
	assert_string_equal(usbmsc_usb_speed_name("480"), "high");
	assert_string_equal(usbmsc_usb_speed_name("12"), "full");
	assert_string_equal(usbmsc_usb_speed_name("1.5"), "low");
	assert_string_equal(usbmsc_usb_speed_name("5000"), "super");
	assert_string_equal(usbmsc_usb_speed_name("10000"), "super+");
	assert_string_equal(usbmsc_usb_speed_name("123"), "123");
	assert_string_equal(usbmsc_usb_speed_name(NULL), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vid_pid),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_port_path),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format_port_path),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_speed_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
