/* Firmware image header: encoding, every parse check, the device fit
 * (src/wire/fwimage.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/fwimage.h"

/* A header that fits one device closely; every field non-trivial. */
static struct usbmsc_fw_header sample(void)
{
	struct usbmsc_fw_header h;

	memset(&h, 0, sizeof h);
	h.vid = 0x1209;
	h.pid = 0x0001;
	strcpy(h.vendor, "USBMSC");
	strcpy(h.product, "Virtual Disk");
	h.hw_rev_min = 2;
	h.hw_rev_max = 5;
	strcpy(h.version, "1.2");
	h.version_number = 0x01020304;
	h.payload_len = 0xA0B0C0D0;
	for (unsigned i = 0; i < USBMSC_FW_SHA256_LEN; i++)
		h.sha256[i] = (uint8_t)(0x40 + i);
	for (unsigned i = 0; i < USBMSC_FW_SIG_LEN; i++)
		h.signature[i] = (uint8_t)(0x80 + i);
	return h;
}

static void encode_sample(uint8_t out[USBMSC_FW_HEADER_LEN])
{
	struct usbmsc_fw_header h = sample();

	assert_true(usbmsc_fw_header_encode(&h, out));
}

static void test_encode_layout(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];
	static const uint8_t head[56] = {
		'U', 'M', 'F', 'W', 1, 0, 0x00, 0x01,             /* magic, format 1, header 256 */
		0, 0, 0, 0, 0x09, 0x12, 0x01, 0x00,               /* flags, VID 1209, PID 0001 */
		'U', 'S', 'B', 'M', 'S', 'C', ' ', ' ',           /* vendor */
		'V', 'i', 'r', 't', 'u', 'a', 'l', ' ',           /* product */
		'D', 'i', 's', 'k', ' ', ' ', ' ', ' ',
		2, 0, 5, 0, '1', '.', '2', ' ',                   /* hw 2..5, version */
		0x04, 0x03, 0x02, 0x01, 0xD0, 0xC0, 0xB0, 0xA0,   /* version number, payload length */
	};

	encode_sample(b);
	assert_memory_equal(b, head, sizeof head);
	for (unsigned i = 0; i < USBMSC_FW_SHA256_LEN; i++)
		assert_int_equal(b[56 + i], 0x40 + i);
	for (unsigned i = 88; i < 192; i++)
		assert_int_equal(b[i], 0);
	for (unsigned i = 0; i < USBMSC_FW_SIG_LEN; i++)
		assert_int_equal(b[192 + i], 0x80 + i);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample(), back;
	uint8_t b[USBMSC_FW_HEADER_LEN + 10], again[USBMSC_FW_HEADER_LEN];

	memset(b, 0xEE, sizeof b);
	assert_true(usbmsc_fw_header_encode(&h, b));
	/* len may include the payload */
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, &back), USBMSC_FWCHK_OK);
	assert_int_equal(back.format, 1);
	assert_int_equal(back.header_len, 256);
	assert_int_equal(back.flags, 0);
	assert_int_equal(back.vid, h.vid);
	assert_int_equal(back.pid, h.pid);
	assert_string_equal(back.vendor, "USBMSC");
	assert_string_equal(back.product, "Virtual Disk");
	assert_int_equal(back.hw_rev_min, 2);
	assert_int_equal(back.hw_rev_max, 5);
	assert_string_equal(back.version, "1.2");
	assert_int_equal(back.version_number, 0x01020304);
	assert_int_equal(back.payload_len, 0xA0B0C0D0);
	assert_memory_equal(back.sha256, h.sha256, USBMSC_FW_SHA256_LEN);
	assert_memory_equal(back.signature, h.signature, USBMSC_FW_SIG_LEN);
	/* canonical: the parsed header encodes to the same bytes */
	assert_true(usbmsc_fw_header_encode(&back, again));
	assert_memory_equal(again, b, USBMSC_FW_HEADER_LEN);
}

static void test_round_trip_any(void **state)
{
	(void)state;
	struct usbmsc_fw_header h, back;
	uint8_t b[USBMSC_FW_HEADER_LEN];

	memset(&h, 0, sizeof h);
	h.hw_rev_max = 0xFFFF;
	strcpy(h.version, "ABCD");
	assert_true(usbmsc_fw_header_encode(&h, b));
	/* "any" vendor and product are all zero, not spaces */
	for (unsigned i = 16; i < 40; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, &back), USBMSC_FWCHK_OK);
	assert_string_equal(back.vendor, "");
	assert_string_equal(back.product, "");
	assert_int_equal(back.vid, 0);
	assert_int_equal(back.hw_rev_max, 0xFFFF);
	assert_string_equal(back.version, "ABCD");
}

static void test_encode_trims_padded_strings(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample(), back;
	uint8_t b[USBMSC_FW_HEADER_LEN];

	/* as INQUIRY reports it, padded to the field */
	strcpy(h.vendor, "USBMSC  ");
	strcpy(h.product, "Virtual Disk    ");
	assert_true(usbmsc_fw_header_encode(&h, b));
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, &back), USBMSC_FWCHK_OK);
	assert_string_equal(back.vendor, "USBMSC");
	assert_string_equal(back.product, "Virtual Disk");
}

static void test_encode_refuses(void **state)
{
	(void)state;
	struct usbmsc_fw_header h;
	uint8_t b[USBMSC_FW_HEADER_LEN];
	static const char *const bad_versions[] = { "", "1 0", " 1", "1.0 ", "\x7f", "\t1", "\xc3\xa9" };

	for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++) {
		h = sample();
		strcpy(h.version, bad_versions[i]);
		assert_false(usbmsc_fw_header_encode(&h, b));
	}
	h = sample();
	memcpy(h.version, "12345", 5); /* no terminator within the field */
	assert_false(usbmsc_fw_header_encode(&h, b));

	h = sample();
	memset(h.vendor, 'V', sizeof h.vendor); /* 9 characters, unterminated */
	assert_false(usbmsc_fw_header_encode(&h, b));
	h = sample();
	strcpy(h.vendor, "   ");
	assert_false(usbmsc_fw_header_encode(&h, b));
	h = sample();
	strcpy(h.product, "tab\there");
	assert_false(usbmsc_fw_header_encode(&h, b));
	h = sample();
	h.hw_rev_min = 6;
	assert_false(usbmsc_fw_header_encode(&h, b));
	h = sample();
	h.flags = 1;
	assert_false(usbmsc_fw_header_encode(&h, b));

	/* the limits themselves are fine */
	h = sample();
	strcpy(h.vendor, "12345678");
	strcpy(h.product, "1234567890123456");
	strcpy(h.version, "!~Az");
	h.hw_rev_min = h.hw_rev_max = 7;
	assert_true(usbmsc_fw_header_encode(&h, b));
}

/* Parse b after one change; expect the check. */
static void parse_expect(uint8_t *b, enum usbmsc_fw_check want)
{
	struct usbmsc_fw_header out;

	memset(&out, 0x5A, sizeof out);
	assert_int_equal(usbmsc_fw_header_parse(b, USBMSC_FW_HEADER_LEN, &out), want);
	/* a refused header leaves out untouched */
	assert_int_equal(out.vid, 0x5A5A);
	assert_int_equal(usbmsc_fw_header_parse(b, USBMSC_FW_HEADER_LEN, NULL), want);
}

static void test_parse_short(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];

	encode_sample(b);
	assert_int_equal(usbmsc_fw_header_parse(b, 255, NULL), USBMSC_FWCHK_SHORT);
	assert_int_equal(usbmsc_fw_header_parse(b, 0, NULL), USBMSC_FWCHK_SHORT);
	assert_int_equal(usbmsc_fw_header_parse(NULL, 256, NULL), USBMSC_FWCHK_SHORT);
}

static void test_parse_magic_format_len_flags(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];

	encode_sample(b);
	b[3] = 'X';
	parse_expect(b, USBMSC_FWCHK_MAGIC);

	encode_sample(b);
	b[4] = 2;
	parse_expect(b, USBMSC_FWCHK_FORMAT);
	encode_sample(b);
	b[5] = 1; /* 0x0101 */
	parse_expect(b, USBMSC_FWCHK_FORMAT);

	encode_sample(b);
	b[6] = 0x80; /* 0x0180 */
	parse_expect(b, USBMSC_FWCHK_HEADER_LEN);
	encode_sample(b);
	b[7] = 0; /* 0 */
	parse_expect(b, USBMSC_FWCHK_HEADER_LEN);

	for (unsigned i = 8; i < 12; i++) {
		encode_sample(b);
		b[i] = 0x80;
		parse_expect(b, USBMSC_FWCHK_FLAGS);
	}
}

static void test_parse_reserved(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];

	/* every reserved byte counts, the first and the last */
	for (unsigned i = 88; i < 192; i++) {
		encode_sample(b);
		b[i] = 1;
		parse_expect(b, USBMSC_FWCHK_RESERVED);
	}
}

static void test_parse_version(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];
	static const char *const bad[] = { "    ", "\0\0\0\0", " 1.0", "1 0 ", "1.\0 ", "1\x7f  ",
					    "\x80   ", "1.0\t" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		encode_sample(b);
		memcpy(b + 44, bad[i], 4);
		parse_expect(b, USBMSC_FWCHK_VERSION);
	}
	/* one to four characters, space-padded */
	encode_sample(b);
	memcpy(b + 44, "Z   ", 4);
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, NULL), USBMSC_FWCHK_OK);
}

static void test_parse_hw_range(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];
	struct usbmsc_fw_header h;

	encode_sample(b);
	b[40] = 6; /* min 6 > max 5 */
	parse_expect(b, USBMSC_FWCHK_HW_RANGE);
	encode_sample(b);
	b[41] = 1; /* min 0x0102 > 5 */
	parse_expect(b, USBMSC_FWCHK_HW_RANGE);
	encode_sample(b);
	b[40] = 5; /* min == max is one revision */
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, &h), USBMSC_FWCHK_OK);
	assert_int_equal(h.hw_rev_min, 5);
}

static void test_parse_identity(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];
	struct usbmsc_fw_header h;

	encode_sample(b);
	memset(b + 16, ' ', 8); /* spaces only: neither "any" nor a name */
	parse_expect(b, USBMSC_FWCHK_IDENTITY);
	encode_sample(b);
	b[20] = 0; /* a NUL inside the vendor */
	parse_expect(b, USBMSC_FWCHK_IDENTITY);
	encode_sample(b);
	b[39] = 0x7F;
	parse_expect(b, USBMSC_FWCHK_IDENTITY);
	encode_sample(b);
	b[24] = '\n';
	parse_expect(b, USBMSC_FWCHK_IDENTITY);
	/* leading spaces are part of the name */
	encode_sample(b);
	memcpy(b + 16, " AB     ", 8);
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, &h), USBMSC_FWCHK_OK);
	assert_string_equal(h.vendor, " AB");
	/* a name that fills the field has no padding */
	encode_sample(b);
	memcpy(b + 24, "ABCDEFGHIJKLMNOP", 16);
	assert_int_equal(usbmsc_fw_header_parse(b, sizeof b, &h), USBMSC_FWCHK_OK);
	assert_string_equal(h.product, "ABCDEFGHIJKLMNOP");
}

static void test_check_order(void **state)
{
	(void)state;
	uint8_t b[USBMSC_FW_HEADER_LEN];

	/* the first failed check is reported: magic before the rest */
	encode_sample(b);
	b[0] = 0;
	b[4] = 9;
	b[100] = 1;
	parse_expect(b, USBMSC_FWCHK_MAGIC);
}

static void test_texts(void **state)
{
	(void)state;
	for (int c = USBMSC_FWCHK_OK; c <= USBMSC_FWCHK_IDENTITY; c++) {
		const char *t = usbmsc_fw_check_text((enum usbmsc_fw_check)c);
		assert_non_null(t);
		assert_true(strlen(t) > 5);
		assert_null(strstr(t, "unknown header check"));
	}
	assert_string_equal(usbmsc_fw_check_text((enum usbmsc_fw_check)99), "unknown header check");
	for (int f = USBMSC_FWFIT_OK; f <= USBMSC_FWFIT_HW_REV; f++)
		assert_null(strstr(usbmsc_fw_fit_text((enum usbmsc_fw_fit)f), "unknown"));
	assert_string_equal(usbmsc_fw_fit_text((enum usbmsc_fw_fit)99), "unknown fit check");
	assert_non_null(strstr(usbmsc_fw_check_text(USBMSC_FWCHK_RESERVED), "reserved"));
}

/* ---- fit ---- */

static struct usbmsc_fw_identity device(void)
{
	struct usbmsc_fw_identity id = {
		.vid = 0x1209, .pid = 0x0001, .vendor = "USBMSC  ", .product = "Virtual Disk    ",
		.hw_rev = 3,
	};
	return id;
}

static void test_fit_exact(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample();
	struct usbmsc_fw_identity id = device();

	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_OK);
	/* unpadded device strings are the same names */
	id.vendor = "USBMSC";
	id.product = "Virtual Disk";
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_OK);
}

static void test_fit_vid_pid(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample();
	struct usbmsc_fw_identity id = device();

	id.vid = 0x1208;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VID_PID);
	id = device();
	id.pid = 0x0002;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VID_PID);
	/* 0 in the header: any */
	h.vid = 0;
	id.vid = 0xFFFF;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VID_PID); /* pid still differs */
	h.pid = 0;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_OK);
}

static void test_fit_vendor_product(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample();
	struct usbmsc_fw_identity id = device();

	id.vendor = "USBMSCX ";
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VENDOR);
	id.vendor = "usbmsc";  /* case matters */
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VENDOR);
	id.vendor = "USBMS";   /* a prefix is not the name */
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VENDOR);
	id.vendor = NULL;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VENDOR);
	id = device();
	id.product = "Virtual Disk 2";
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_PRODUCT);
	id.product = "";
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_PRODUCT);
	/* "" in the header: any, even a device that reports nothing */
	h.vendor[0] = '\0';
	h.product[0] = '\0';
	id.vendor = "Other";
	id.product = NULL;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_OK);
}

static void test_fit_hw_rev(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample(); /* 2..5 */
	struct usbmsc_fw_identity id = device();
	static const struct { uint16_t rev; enum usbmsc_fw_fit want; } cases[] = {
		{ 0, USBMSC_FWFIT_HW_REV }, { 1, USBMSC_FWFIT_HW_REV }, { 2, USBMSC_FWFIT_OK },
		{ 5, USBMSC_FWFIT_OK },     { 6, USBMSC_FWFIT_HW_REV }, { 0xFFFF, USBMSC_FWFIT_HW_REV },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		id.hw_rev = cases[i].rev;
		assert_int_equal(usbmsc_fw_fits(&h, &id), cases[i].want);
	}
	/* 0..0xFFFF: any */
	h.hw_rev_min = 0;
	h.hw_rev_max = 0xFFFF;
	id.hw_rev = 0;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_OK);
	id.hw_rev = 0xFFFF;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_OK);
}

static void test_fit_order(void **state)
{
	(void)state;
	struct usbmsc_fw_header h = sample();
	struct usbmsc_fw_identity id = { .vid = 1, .pid = 1, .vendor = "x", .product = "y", .hw_rev = 99 };

	/* everything differs: the first field is reported */
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VID_PID);
	h.vid = h.pid = 0;
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_VENDOR);
	h.vendor[0] = '\0';
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_PRODUCT);
	h.product[0] = '\0';
	assert_int_equal(usbmsc_fw_fits(&h, &id), USBMSC_FWFIT_HW_REV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_any),
		cmocka_unit_test(test_encode_trims_padded_strings),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_parse_short),
		cmocka_unit_test(test_parse_magic_format_len_flags),
		cmocka_unit_test(test_parse_reserved),
		cmocka_unit_test(test_parse_version),
		cmocka_unit_test(test_parse_hw_range),
		cmocka_unit_test(test_parse_identity),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_fit_exact),
		cmocka_unit_test(test_fit_vid_pid),
		cmocka_unit_test(test_fit_vendor_product),
		cmocka_unit_test(test_fit_hw_rev),
		cmocka_unit_test(test_fit_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
