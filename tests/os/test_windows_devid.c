/* What Windows' device tree says, parsed: USB instance IDs, location paths,
 * compatible IDs (src/os/windows_devid.c). Pure: runs everywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/os/windows_devid.h"

static void test_device_ids(void **state)
{
	struct usbmsc_win_usbid u;

	(void)state;
	assert_true(usbmsc_win_usbid_parse("USB\\VID_1209&PID_0001\\USBMSC0001", &u));
	assert_int_equal(u.vid, 0x1209);
	assert_int_equal(u.pid, 0x0001);
	assert_false(u.has_mi);
	assert_string_equal(u.instance, "USBMSC0001");
	assert_true(u.instance_is_serial);

	/* Lower case, as some tools print them. */
	assert_true(usbmsc_win_usbid_parse("usb\\vid_abcd&pid_ef01\\x", &u));
	assert_int_equal(u.vid, 0xabcd);
	assert_int_equal(u.pid, 0xef01);

	/* No serial: Windows makes the instance up, with '&' in it. */
	assert_true(usbmsc_win_usbid_parse("USB\\VID_0781&PID_5567\\5&2B1B3F5&0&2", &u));
	assert_false(u.instance_is_serial);
}

static void test_function_ids(void **state)
{
	struct usbmsc_win_usbid u;

	(void)state;
	assert_true(usbmsc_win_usbid_parse("USB\\VID_1209&PID_0001&MI_01\\6&1A2B3C4D&0&0001", &u));
	assert_int_equal(u.vid, 0x1209);
	assert_int_equal(u.pid, 0x0001);
	assert_true(u.has_mi);
	assert_int_equal(u.mi, 1);
	assert_false(u.instance_is_serial);     /* a function's instance never is */
	assert_true(usbmsc_win_usbid_parse("USB\\VID_1209&PID_0001&MI_0A\\SN", &u));
	assert_int_equal(u.mi, 10);
	assert_false(u.instance_is_serial);
}

static void test_ids_refused(void **state)
{
	static const char *const bad[] = {
		"USBSTOR\\DISK&VEN_USBMSC&PROD_VIRTUAL_DISK&REV_0100\\USBMSC0001&0",
		"USB\\VID_1209&PID_0001",                /* no instance */
		"USB\\VID_1209&PID_0001\\",
		"USB\\VID_129&PID_0001\\X",              /* three digits */
		"USB\\VID_12G9&PID_0001\\X",
		"USB\\VID_1209&PID_0001&MI_1\\X",
		"USB\\VID_1209&PID_0001&REV_0100\\X",
		"USB\\VID_1209&PID_0001\\A\\B",
		"HID\\VID_1209&PID_0001\\X",
		"",
	};
	struct usbmsc_win_usbid u;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (usbmsc_win_usbid_parse(bad[i], &u))
			fail_msg("'%s' taken", bad[i]);
}

static void test_location_ports(void **state)
{
	uint8_t p[7];

	(void)state;
	assert_int_equal(usbmsc_win_location_ports(
		"PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(3)", p, 7), 2);
	assert_int_equal(p[0], 2);
	assert_int_equal(p[1], 3);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#PCI(1D00)#USBROOT(1)#USB(14)", p, 7),
			 1);
	assert_int_equal(p[0], 14);
	assert_int_equal(usbmsc_win_location_ports("pciroot(0)#usbroot(0)#usb(1)#usb(4)#usb(255)",
						   p, 7), 3);
	assert_int_equal(p[2], 255);
	/* Refused: no root hub, the root hub itself, port 0 or over 255, a
	 * malformed part, deeper than asked. */
	assert_int_equal(usbmsc_win_location_ports("ACPI(_SB_)#ACPI(PCI0)#ACPI(XHC_)", p, 7), 0);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#USBROOT(0)", p, 7), 0);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#USBROOT(0)#USB(0)", p, 7), 0);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#USBROOT(0)#USB(256)", p, 7), 0);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#USBROOT(0)#USB(2", p, 7), 0);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#USBROOT(0)#USB(2)#HUB(1)", p, 7), 0);
	assert_int_equal(usbmsc_win_location_ports("PCIROOT(0)#USBROOT(0)#USB(2)#USB(3)", p, 1), 0);
	assert_int_equal(usbmsc_win_location_ports("", p, 7), 0);
}

static void test_compatible_ids(void **state)
{
	static const char ids[] = "USB\\Class_08&SubClass_06&Prot_50\0USB\\Class_08&SubClass_06\0"
				  "USB\\Class_08\0";
	static const char vendor[] = "USB\\COMPOSITE\0USB\\Class_ff&SubClass_4d&Prot_56\0";
	static const char none[] = "USB\\Class_08&SubClass_06\0USB\\Class_08\0";
	static const char unterminated[] = { 'U', 'S', 'B', '\\', 'C' };
	uint8_t c, s, p;

	(void)state;
	assert_true(usbmsc_win_compat_class(ids, sizeof ids, &c, &s, &p));
	assert_int_equal(c, 0x08);
	assert_int_equal(s, 0x06);
	assert_int_equal(p, 0x50);
	assert_true(usbmsc_win_compat_class(vendor, sizeof vendor, &c, &s, &p));
	assert_int_equal(c, 0xff);
	assert_int_equal(s, 0x4d);
	assert_int_equal(p, 0x56);
	assert_false(usbmsc_win_compat_class(none, sizeof none, &c, &s, &p));
	assert_false(usbmsc_win_compat_class(unterminated, sizeof unterminated, &c, &s, &p));
	assert_false(usbmsc_win_compat_class(ids, 0, &c, &s, &p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_ids),
		cmocka_unit_test(test_function_ids),
		cmocka_unit_test(test_ids_refused),
		cmocka_unit_test(test_location_ports),
		cmocka_unit_test(test_compatible_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
