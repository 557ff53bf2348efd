/* Standard INQUIRY data, READ CAPACITY(10)/(16) data, device type names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "usbmsc/scsi.h"

/* A removable SPC-4 disk, "Generic " / "Flash Disk      " / "8.07". */
static const uint8_t std_inquiry[36] = {
	0x00, 0x80, 0x06, 0x02, 0x1F, 0x00, 0x00, 0x00,
	'G', 'e', 'n', 'e', 'r', 'i', 'c', ' ',
	'F', 'l', 'a', 's', 'h', ' ', 'D', 'i', 's', 'k', ' ', ' ', ' ', ' ', ' ', ' ',
	'8', '.', '0', '7',
};

static bool parse(const uint8_t *buf, size_t len, struct usbmsc_inquiry *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	ok = usbmsc_inquiry_parse(copy, len, out);
	free(copy);
	return ok;
}

static void test_inquiry(void **state)
{
	struct usbmsc_inquiry q;

	(void)state;
	assert_true(parse(std_inquiry, sizeof(std_inquiry), &q));
	assert_int_equal(q.qualifier, 0);
	assert_int_equal(q.device_type, 0);
	assert_true(q.removable);
	assert_int_equal(q.version, 6);
	assert_int_equal(q.response_format, 2);
	assert_string_equal(q.vendor, "Generic");
	assert_string_equal(q.product, "Flash Disk");
	assert_string_equal(q.revision, "8.07");
}

static void test_inquiry_fields(void **state)
{
	uint8_t buf[96];
	struct usbmsc_inquiry q;

	(void)state;
	memcpy(buf, std_inquiry, sizeof(std_inquiry));
	memset(buf + 36, 0xEE, sizeof(buf) - 36);
	buf[0] = 0x7F; /* qualifier 3 (no LU), type 0x1F */
	buf[1] = 0x00;
	buf[3] = 0x12; /* HISUP bit set beside response format 2 */
	/* vendor padded with NULs, product full width, revision with a control byte */
	memcpy(buf + 8, "QEMU\0\0\0\0", 8);
	memcpy(buf + 16, "ABCDEFGHIJKLMNOP", 16);
	memcpy(buf + 32, "1\x07" "2 ", 4);
	assert_true(parse(buf, sizeof(buf), &q));
	assert_int_equal(q.qualifier, 3);
	assert_int_equal(q.device_type, 0x1F);
	assert_false(q.removable);
	assert_int_equal(q.response_format, 2);
	assert_string_equal(q.vendor, "QEMU");
	assert_string_equal(q.product, "ABCDEFGHIJKLMNOP");
	assert_string_equal(q.revision, "1?2");
	/* all blanks */
	memset(buf + 8, ' ', 28);
	assert_true(parse(buf, 36, &q));
	assert_string_equal(q.vendor, "");
	assert_string_equal(q.product, "");
	assert_string_equal(q.revision, "");
	/* leading spaces are kept: only padding is trimmed */
	memcpy(buf + 8, " X      ", 8);
	memcpy(buf + 32, " 1.0", 4);
	assert_true(parse(buf, 36, &q));
	assert_string_equal(q.vendor, " X");
	assert_string_equal(q.revision, " 1.0");
}

static void test_inquiry_short(void **state)
{
	struct usbmsc_inquiry q;

	(void)state;
	memset(&q, 0x55, sizeof(q));
	assert_false(parse(std_inquiry, 35, &q));
	assert_string_equal(q.vendor, ""); /* cleared, never garbage */
	assert_false(parse(std_inquiry, 0, &q));
	assert_false(usbmsc_inquiry_parse(NULL, 36, &q));
	assert_false(usbmsc_inquiry_parse(std_inquiry, 36, NULL));
}

static void test_read_capacity10(void **state)
{
	/* 0x00EE7FFF last LBA (about 8 GB), 512-byte blocks */
	const uint8_t buf[8] = {0x00, 0xEE, 0x7F, 0xFF, 0x00, 0x00, 0x02, 0x00};
	const uint8_t big[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x10, 0x00};
	uint32_t lba = 0, bs = 0;

	(void)state;
	assert_true(usbmsc_read_capacity10_parse(buf, sizeof(buf), &lba, &bs));
	assert_int_equal(lba, 0x00EE7FFF);
	assert_int_equal(bs, 512);
	assert_true(usbmsc_read_capacity10_parse(big, sizeof(big), &lba, &bs));
	assert_int_equal(lba, 0xFFFFFFFFu); /* "use READ CAPACITY(16)" */
	assert_int_equal(bs, 4096);
	/* one output is enough */
	assert_true(usbmsc_read_capacity10_parse(buf, sizeof(buf), NULL, &bs));
	lba = 1;
	assert_false(usbmsc_read_capacity10_parse(buf, 7, &lba, &bs));
	assert_int_equal(lba, 1); /* untouched on failure */
	assert_false(usbmsc_read_capacity10_parse(NULL, 8, &lba, &bs));
}

static void test_read_capacity16(void **state)
{
	const uint8_t buf[32] = {0x00, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89,
				 0x00, 0x00, 0x10, 0x00, 0x01, 0x03};
	uint64_t lba = 0;
	uint32_t bs = 0;

	(void)state;
	assert_true(usbmsc_read_capacity16_parse(buf, sizeof(buf), &lba, &bs));
	assert_int_equal(lba, 0x0000000123456789ull);
	assert_int_equal(bs, 4096);
	assert_true(usbmsc_read_capacity16_parse(buf, 12, &lba, &bs));
	assert_false(usbmsc_read_capacity16_parse(buf, 11, &lba, &bs));
	assert_false(usbmsc_read_capacity16_parse(NULL, 32, &lba, &bs));
}

static void test_device_type_names(void **state)
{
	(void)state;
	assert_string_equal(usbmsc_device_type_name(0x00), "disk");
	assert_string_equal(usbmsc_device_type_name(0x01), "tape");
	assert_string_equal(usbmsc_device_type_name(0x03), "processor");
	assert_string_equal(usbmsc_device_type_name(0x05), "cd/dvd");
	assert_string_equal(usbmsc_device_type_name(0x07), "optical memory");
	assert_string_equal(usbmsc_device_type_name(0x0E), "rbc");
	assert_string_equal(usbmsc_device_type_name(0x14), "zoned block");
	assert_string_equal(usbmsc_device_type_name(0x1F), "unknown");
	assert_string_equal(usbmsc_device_type_name(0x15), "reserved");
	assert_string_equal(usbmsc_device_type_name(0x20), "reserved");
	assert_string_equal(usbmsc_device_type_name(0xFF), "reserved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_inquiry_fields),
		cmocka_unit_test(test_inquiry_short),
		cmocka_unit_test(test_read_capacity10),
		cmocka_unit_test(test_read_capacity16),
		cmocka_unit_test(test_device_type_names),
	};

	return cmocka_run_group_tests_name("wire-inquiry", tests, NULL, NULL);
}
