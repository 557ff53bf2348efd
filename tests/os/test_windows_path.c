/* Windows device paths: \\.\PhysicalDriveN, \\.\E:, and E: as typed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/os/windows_path.h"

static void parses_disk(const char *uri, uint32_t n, const char *path)
{
	struct usbmsc_winpath p;
	struct usbmsc_error err;

	assert_true(usbmsc_winpath_claims(uri));
	assert_int_equal(usbmsc_winpath_parse(uri, &p, &err), 0);
	assert_int_equal(p.kind, USBMSC_WINPATH_DISK);
	assert_int_equal(p.disk, n);
	assert_string_equal(p.path, path);
}

static void parses_volume(const char *uri, char letter, const char *path)
{
	struct usbmsc_winpath p;
	struct usbmsc_error err;

	assert_true(usbmsc_winpath_claims(uri));
	assert_int_equal(usbmsc_winpath_parse(uri, &p, &err), 0);
	assert_int_equal(p.kind, USBMSC_WINPATH_VOLUME);
	assert_int_equal(p.letter, letter);
	assert_string_equal(p.path, path);
}

/* Claimed (it is meant as a Windows path) but malformed: a usage error
 * that names the form expected. */
static void refuses(const char *uri, const char *expected)
{
	struct usbmsc_winpath p;
	struct usbmsc_error err;

	memset(&err, 0, sizeof err);
	assert_true(usbmsc_winpath_claims(uri));
	assert_int_equal(usbmsc_winpath_parse(uri, &p, &err), USBMSC_E_USAGE);
	if (!strstr(err.msg, expected))
		fail_msg("%s: '%s' lacks '%s'", uri, err.msg, expected);
}

static void test_disks(void **state)
{
	(void)state;
	parses_disk("\\\\.\\PhysicalDrive0", 0, "\\\\.\\PhysicalDrive0");
	parses_disk("\\\\.\\PhysicalDrive2", 2, "\\\\.\\PhysicalDrive2");
	parses_disk("\\\\.\\physicaldrive12", 12, "\\\\.\\PhysicalDrive12");
	parses_disk("\\\\.\\PHYSICALDRIVE99999", 99999, "\\\\.\\PhysicalDrive99999");
}

static void test_volumes(void **state)
{
	(void)state;
	parses_volume("\\\\.\\E:", 'E', "\\\\.\\E:");
	parses_volume("\\\\.\\e:", 'E', "\\\\.\\E:");
	parses_volume("E:", 'E', "\\\\.\\E:");
	parses_volume("z:", 'Z', "\\\\.\\Z:");
	parses_volume("E:\\", 'E', "\\\\.\\E:");
}

static void test_malformed(void **state)
{
	(void)state;
	refuses("\\\\.\\PhysicalDrive", "PhysicalDriveN");
	refuses("\\\\.\\PhysicalDrive01", "PhysicalDriveN");     /* Windows would not find it */
	refuses("\\\\.\\PhysicalDrive1x", "PhysicalDriveN");
	refuses("\\\\.\\PhysicalDrive-1", "PhysicalDriveN");
	refuses("\\\\.\\PhysicalDrive100000", "0 to 99999");
	refuses("\\\\.\\PhysicalDrive4294967297", "0 to 99999"); /* no wrap-around */
	/* the volume's root folder, not the volume */
	refuses("\\\\.\\E:\\", "X: (a drive letter)");
	refuses("\\\\.\\EE:", "X: (a drive letter)");
	refuses("\\\\.\\Tape0", "X: (a drive letter)");
	refuses("\\\\.\\", "PhysicalDriveN");
}

/* Everything else belongs to another opener. */
static void test_not_claimed(void **state)
{
	static const char *const others[] = {
		"sim:disk.img", "/dev/sg1", "usb:1234:5678", "auto:1234:5678", "E:foo", "E:\\x",
		"1:", ":", "", "E", "\\\\?\\PhysicalDrive0", "PhysicalDrive0",
	};
	struct usbmsc_winpath p;
	struct usbmsc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		if (usbmsc_winpath_claims(others[i]))
			fail_msg("'%s' claimed", others[i]);
		assert_int_equal(usbmsc_winpath_parse(others[i], &p, &err), USBMSC_E_USAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disks),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_claimed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
