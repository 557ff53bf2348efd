/* Sense decoding (fixed and descriptor formats, truncated and lying
 * buffers), sense key names and the one-line description. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "usbmsc/scsi.h"

/* Decode from an exact-size heap copy, so that AddressSanitizer catches
 * any read past len. */
static bool decode(const uint8_t *buf, size_t len, struct usbmsc_sense *s)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	ok = usbmsc_sense_decode(copy, len, s);
	free(copy);
	return ok;
}

/* Fixed format, current, VALID, MEDIUM ERROR with ILI, information
 * 0x00012345, 03/11/00, SKSV with bytes 80 00 0A. */
static const uint8_t fixed_medium[18] = {
	0xF0, 0x00, 0x23, 0x00, 0x01, 0x23, 0x45, 0x0A,
	0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x80, 0x00, 0x0A,
};

static void test_fixed_full(void **state)
{
	struct usbmsc_sense s;

	(void)state;
	assert_true(decode(fixed_medium, sizeof(fixed_medium), &s));
	assert_int_equal(s.response_code, 0x70);
	assert_false(s.descriptor);
	assert_false(s.deferred);
	assert_int_equal(s.key, USBMSC_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0x11);
	assert_int_equal(s.ascq, 0x00);
	assert_true(s.info_valid);
	assert_int_equal(s.information, 0x00012345);
	assert_true(s.ili);
	assert_false(s.filemark);
	assert_false(s.eom);
	assert_true(s.sks_valid);
	assert_int_equal(s.sks[0], 0x80);
	assert_int_equal(s.sks[1], 0x00);
	assert_int_equal(s.sks[2], 0x0A);
}

static void test_fixed_flags_and_deferred(void **state)
{
	/* 0x71 without VALID: FILEMARK and EOM set, key BLANK CHECK */
	const uint8_t buf[18] = {0x71, 0, 0xC8, 0xDE, 0xAD, 0xBE, 0xEF, 10, 0, 0, 0, 0, 0x00, 0x05};
	struct usbmsc_sense s;

	(void)state;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_int_equal(s.response_code, 0x71);
	assert_true(s.deferred);
	assert_false(s.descriptor);
	assert_int_equal(s.key, USBMSC_SK_BLANK_CHECK);
	assert_true(s.filemark);
	assert_true(s.eom);
	assert_false(s.ili);
	/* information bytes are there but VALID is clear */
	assert_false(s.info_valid);
	assert_int_equal(s.asc, 0x00);
	assert_int_equal(s.ascq, 0x05);
	assert_false(s.sks_valid);
}

static void test_fixed_truncated(void **state)
{
	struct usbmsc_sense s;

	(void)state;
	/* 3 bytes: the key and nothing else */
	assert_true(decode(fixed_medium, 3, &s));
	assert_int_equal(s.key, USBMSC_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0);
	assert_false(s.info_valid);
	/* 2 bytes: not even the key */
	assert_false(decode(fixed_medium, 2, &s));
	assert_false(decode(fixed_medium, 0, &s));
	/* 7 bytes: information, no ASC */
	assert_true(decode(fixed_medium, 7, &s));
	assert_true(s.info_valid);
	assert_int_equal(s.information, 0x00012345);
	assert_int_equal(s.asc, 0);
	/* 13 bytes: ASC but no ASCQ, no SKS */
	assert_true(decode(fixed_medium, 13, &s));
	assert_int_equal(s.asc, 0x11);
	assert_int_equal(s.ascq, 0);
	assert_false(s.sks_valid);
	/* 17 bytes: SKS incomplete, so not reported */
	assert_true(decode(fixed_medium, 17, &s));
	assert_int_equal(s.ascq, 0x00);
	assert_false(s.sks_valid);
}

static void test_fixed_additional_length(void **state)
{
	uint8_t buf[18];
	struct usbmsc_sense s;

	(void)state;
	/* additional length 0xFF with an 18-byte buffer: clamped, no overread */
	memcpy(buf, fixed_medium, sizeof(buf));
	buf[7] = 0xFF;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_int_equal(s.asc, 0x11);
	assert_true(s.sks_valid);
	/* additional length 4: bytes past 12 are not sense data */
	buf[7] = 4;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_int_equal(s.key, USBMSC_SK_MEDIUM_ERROR);
	assert_true(s.info_valid);
	assert_int_equal(s.asc, 0);
	assert_false(s.sks_valid);
	/* additional length 5: ASC at byte 12 but not ASCQ at 13 */
	buf[12] = 0x3A;
	buf[13] = 0x07;
	buf[7] = 5;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_int_equal(s.asc, 0x3A);
	assert_int_equal(s.ascq, 0);
}

static void test_bad_response_code(void **state)
{
	uint8_t buf[18];
	struct usbmsc_sense s;

	(void)state;
	memcpy(buf, fixed_medium, sizeof(buf));
	buf[0] = 0x74;
	assert_false(decode(buf, sizeof(buf), &s));
	buf[0] = 0x6F;
	assert_false(decode(buf, sizeof(buf), &s));
	buf[0] = 0x7F; /* vendor specific format */
	assert_false(decode(buf, sizeof(buf), &s));
	buf[0] = 0x00;
	assert_false(decode(buf, sizeof(buf), &s));
	assert_false(usbmsc_sense_decode(NULL, 18, &s));
	assert_false(usbmsc_sense_decode(buf, 18, NULL));
}

/* Descriptor format, ILLEGAL REQUEST 24/00, information descriptor (VALID,
 * 0x0102030405060708) and sense-key-specific descriptor (SKSV, field
 * pointer 0x0002 in the CDB: C/D bit 6 set). */
static const uint8_t desc_full[8 + 12 + 8] = {
	0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00, 20,
	0x00, 0x0A, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x02, 0x06, 0x00, 0x00, 0xC0, 0x00, 0x02, 0x00,
};

static void test_descriptor_full(void **state)
{
	struct usbmsc_sense s;

	(void)state;
	assert_true(decode(desc_full, sizeof(desc_full), &s));
	assert_int_equal(s.response_code, 0x72);
	assert_true(s.descriptor);
	assert_false(s.deferred);
	assert_int_equal(s.key, USBMSC_SK_ILLEGAL_REQUEST);
	assert_int_equal(s.asc, 0x24);
	assert_int_equal(s.ascq, 0x00);
	assert_true(s.info_valid);
	assert_int_equal(s.information, 0x0102030405060708ull);
	assert_true(s.sks_valid);
	assert_int_equal(s.sks[0], 0xC0);
	assert_int_equal(s.sks[1], 0x00);
	assert_int_equal(s.sks[2], 0x02);
}

static void test_descriptor_deferred_and_flags(void **state)
{
	/* 0x73, then a block commands descriptor (ILI) and a stream commands
	 * descriptor (FILEMARK, EOM), with an unknown type 0x80 between */
	const uint8_t buf[] = {
		0x73, 0x03, 0x0C, 0x00, 0, 0, 0, 12,
		0x05, 0x02, 0x00, 0x20,
		0x80, 0x02, 0xFF, 0xFF,
		0x04, 0x02, 0x00, 0xC0,
	};
	struct usbmsc_sense s;

	(void)state;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_true(s.deferred);
	assert_true(s.descriptor);
	assert_int_equal(s.key, USBMSC_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0x0C);
	assert_true(s.ili); /* from the block descriptor; the stream one does not clear it */
	assert_true(s.filemark);
	assert_true(s.eom);
	assert_false(s.info_valid);
}

static void test_descriptor_truncated(void **state)
{
	uint8_t buf[sizeof(desc_full)];
	struct usbmsc_sense s;

	(void)state;
	/* header only */
	assert_true(decode(desc_full, 8, &s));
	assert_int_equal(s.asc, 0x24);
	assert_false(s.info_valid);
	/* the information descriptor cut one byte short is ignored */
	assert_true(decode(desc_full, 19, &s));
	assert_false(s.info_valid);
	assert_false(s.sks_valid);
	/* the SKS descriptor cut short: information kept, SKS ignored */
	assert_true(decode(desc_full, 27, &s));
	assert_true(s.info_valid);
	assert_false(s.sks_valid);
	/* 2 bytes give the key only; 1 byte is too short */
	assert_true(decode(desc_full, 2, &s));
	assert_int_equal(s.key, USBMSC_SK_ILLEGAL_REQUEST);
	assert_int_equal(s.asc, 0);
	assert_false(decode(desc_full, 1, &s));
	/* additional length that stops inside the first descriptor */
	memcpy(buf, desc_full, sizeof(buf));
	buf[7] = 5;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_false(s.info_valid);
	assert_false(s.sks_valid);
	/* additional length larger than the buffer: clamped */
	buf[7] = 0xFF;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_true(s.info_valid);
	assert_true(s.sks_valid);
	/* a descriptor whose own length runs past the end stops the walk */
	buf[7] = 20;
	buf[9] = 0xFE;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_false(s.info_valid);
	assert_false(s.sks_valid);
}

static void test_descriptor_short_info(void **state)
{
	/* an information descriptor with additional length 2 is malformed */
	const uint8_t buf[] = {0x72, 0x04, 0x44, 0x00, 0, 0, 0, 4, 0x00, 0x02, 0x80, 0x00};
	struct usbmsc_sense s;

	(void)state;
	assert_true(decode(buf, sizeof(buf), &s));
	assert_int_equal(s.key, USBMSC_SK_HARDWARE_ERROR);
	assert_false(s.info_valid);
}

static void test_key_names(void **state)
{
	(void)state;
	assert_string_equal(usbmsc_sense_key_name(0x0), "NO SENSE");
	assert_string_equal(usbmsc_sense_key_name(0x2), "NOT READY");
	assert_string_equal(usbmsc_sense_key_name(0x5), "ILLEGAL REQUEST");
	assert_string_equal(usbmsc_sense_key_name(0x6), "UNIT ATTENTION");
	assert_string_equal(usbmsc_sense_key_name(0x7), "DATA PROTECT");
	assert_string_equal(usbmsc_sense_key_name(0xB), "ABORTED COMMAND");
	assert_string_equal(usbmsc_sense_key_name(0xE), "MISCOMPARE");
	assert_string_equal(usbmsc_sense_key_name(0xF), "COMPLETED");
	assert_string_equal(usbmsc_sense_key_name(0x10), "UNKNOWN SENSE KEY");
	assert_string_equal(usbmsc_sense_key_name(0xFF), "UNKNOWN SENSE KEY");
}

static void describe_from(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	struct usbmsc_sense s;
	size_t n;

	assert_true(decode(buf, len, &s));
	n = usbmsc_sense_describe(&s, out, outlen);
	assert_int_equal(n, strlen(out));
}

static void test_describe(void **state)
{
	const uint8_t invalid_op[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0x00};
	const uint8_t deferred[18] = {0x71, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x0C, 0x00};
	const uint8_t ua[] = {0x72, 0x06, 0x3F, 0x01, 0, 0, 0, 0};
	const uint8_t diag[18] = {0x70, 0, 0x04, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x40, 0x81};
	const uint8_t vendor[18] = {0x70, 0, 0x09, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x84, 0x01};
	const uint8_t unknown[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x7E, 0x01};
	char out[160];

	(void)state;
	describe_from(invalid_op, sizeof(invalid_op), out, sizeof(out));
	assert_string_equal(out, "ILLEGAL REQUEST: invalid command operation code (05/20/00)");
	describe_from(deferred, sizeof(deferred), out, sizeof(out));
	assert_string_equal(out, "MEDIUM ERROR: write error (03/0C/00) [deferred]");
	describe_from(ua, sizeof(ua), out, sizeof(out));
	assert_string_equal(out, "UNIT ATTENTION: microcode has been changed (06/3F/01)");
	describe_from(diag, sizeof(diag), out, sizeof(out));
	assert_string_equal(out, "HARDWARE ERROR: diagnostic failure on component 0x81 (04/40/81)");
	describe_from(vendor, sizeof(vendor), out, sizeof(out));
	assert_string_equal(out, "VENDOR SPECIFIC: vendor specific (09/84/01)");
	describe_from(unknown, sizeof(unknown), out, sizeof(out));
	assert_string_equal(out, "ILLEGAL REQUEST: unknown additional sense (05/7E/01)");
}

static void test_describe_truncates(void **state)
{
	const uint8_t buf[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00};
	struct usbmsc_sense s;
	char out[16];

	(void)state;
	assert_true(decode(buf, sizeof(buf), &s));
	memset(out, 'x', sizeof(out));
	assert_int_equal(usbmsc_sense_describe(&s, out, 10), 9);
	assert_string_equal(out, "ILLEGAL R");
	assert_int_equal(out[10], 'x'); /* nothing written past buflen */
	assert_int_equal(usbmsc_sense_describe(&s, out, 1), 0);
	assert_string_equal(out, "");
	out[0] = 'x';
	assert_int_equal(usbmsc_sense_describe(&s, out, 0), 0);
	assert_int_equal(out[0], 'x');
	assert_int_equal(usbmsc_sense_describe(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_full),
		cmocka_unit_test(test_fixed_flags_and_deferred),
		cmocka_unit_test(test_fixed_truncated),
		cmocka_unit_test(test_fixed_additional_length),
		cmocka_unit_test(test_bad_response_code),
		cmocka_unit_test(test_descriptor_full),
		cmocka_unit_test(test_descriptor_deferred_and_flags),
		cmocka_unit_test(test_descriptor_truncated),
		cmocka_unit_test(test_descriptor_short_info),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_describe_truncates),
	};

	return cmocka_run_group_tests_name("wire-sense", tests, NULL, NULL);
}
