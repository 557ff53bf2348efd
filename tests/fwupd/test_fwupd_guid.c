/* What fwupd derives (tools/usbmsc/fwupd_guid.c) and the cabinet's block
 * checksum (tools/usbmsc/cabinet.c), against known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cabinet.h"
#include "fwupd_guid.h"

static void strsafe(const char *in, const char *want)
{
	char out[64];
	bool ok = fwupd_strsafe(in, out, sizeof out);

	if (!want) {
		assert_false(ok);
		return;
	}
	assert_true(ok);
	assert_string_equal(out, want);
}

/* fu_device_strsafe_instance_id: one '-' per run of " _&/\-(),", none at
 * either end. */
static void test_strsafe(void **state)
{
	(void)state;
	strsafe("Gadget Disk     ", "Gadget-Disk");
	strsafe("USBMSC  ", "USBMSC");
	strsafe("  A  B  ", "A-B");
	strsafe("A_B&C/D\\E-F(G)H,I", "A-B-C-D-E-F-G-H-I");
	strsafe("x--(y)", "x-y");
	strsafe("caf\xc3\xa9", "caf");
	strsafe("   ", NULL);
	strsafe("", NULL);
}

static void test_strsafe_room(void **state)
{
	char out[4];

	(void)state;
	assert_true(fwupd_strsafe("abc", out, sizeof out));
	assert_false(fwupd_strsafe("abcd", out, sizeof out));
}

/* RFC 4122's own example of a name-based UUID in the DNS namespace, as
 * Python's uuid5 gives it; and instance IDs fwupd documents. */
static void test_guid(void **state)
{
	char g[FWUPD_GUID_LEN];

	(void)state;
	fwupd_guid("python.org", g);
	assert_string_equal(g, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
	fwupd_guid("www.example.com", g);
	assert_string_equal(g, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

/* The MS-CAB checksum: whole little-endian words XORed, then the last one
 * to three bytes with the first byte highest. */
static void test_cab_checksum(void **state)
{
	static const uint8_t b[7] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };

	(void)state;
	assert_int_equal(cab_checksum(b, 4, 0), 0x04030201u);
	assert_int_equal(cab_checksum(b, 5, 0), 0x04030201u ^ 0x05u);
	assert_int_equal(cab_checksum(b, 6, 0), 0x04030201u ^ 0x0506u);
	assert_int_equal(cab_checksum(b, 7, 0), 0x04030201u ^ 0x050607u);
	assert_int_equal(cab_checksum(b, 4, 0xFFFFFFFFu), 0xFBFCFDFEu);
	assert_int_equal(cab_checksum(b, 0, 0x1234u), 0x1234u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strsafe),
		cmocka_unit_test(test_strsafe_room),
		cmocka_unit_test(test_guid),
		cmocka_unit_test(test_cab_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
