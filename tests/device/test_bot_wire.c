/* CBW / CSW encoding, decoding and validation (src/wire/bot.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/bot.h"

/* A READ(10) of 1 block at LBA 0x12345678, tag 0xA1B2C3D4, 512 bytes IN, LUN 2. */
static const uint8_t read10_cdb[10] = { 0x28, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 1, 0 };
static const uint8_t read10_cbw[31] = {
	0x55, 0x53, 0x42, 0x43,             /* "USBC" */
	0xD4, 0xC3, 0xB2, 0xA1,             /* tag */
	0x00, 0x02, 0x00, 0x00,             /* 512 */
	0x80, 0x02, 0x0A,                   /* IN, LUN 2, CB length 10 */
	0x28, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
};

static void test_cbw_fill_and_encode(void **state)
{
	(void)state;
	struct usbmsc_cbw cbw;
	uint8_t out[USBMSC_CBW_LEN];

	assert_true(usbmsc_cbw_fill(&cbw, 0xA1B2C3D4u, 2, USBMSC_DIR_IN, 512, read10_cdb, 10));
	assert_int_equal(cbw.flags, 0x80);
	assert_int_equal(cbw.cb_len, 10);
	assert_int_equal(cbw.cb[10], 0);
	usbmsc_cbw_encode(&cbw, out);
	assert_memory_equal(out, read10_cbw, sizeof(out));

	/* OUT and NONE directions put 0 in the flags byte. */
	assert_true(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_OUT, 4096, read10_cdb, 10));
	assert_int_equal(cbw.flags, 0);
	assert_int_equal(usbmsc_cbw_dir(&cbw), USBMSC_DIR_OUT);
	const uint8_t cdb16[16] = { 0x88, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	assert_true(usbmsc_cbw_fill(&cbw, 1, 15, USBMSC_DIR_NONE, 0, cdb16, 16));
	assert_memory_equal(cbw.cb, cdb16, 16);
	assert_int_equal(cbw.flags, 0);
	assert_int_equal(usbmsc_cbw_dir(&cbw), USBMSC_DIR_NONE);
}

static void test_cbw_fill_rejects(void **state)
{
	(void)state;
	struct usbmsc_cbw cbw;
	uint8_t cdb[17] = { 0 };

	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_NONE, 0, cdb, 0));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_NONE, 0, cdb, 17));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 16, USBMSC_DIR_NONE, 0, cdb, 6));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_NONE, 512, cdb, 6));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_IN, 0, cdb, 6));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_OUT, 0, cdb, 6));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, (enum usbmsc_dir)3, 8, cdb, 6));
	assert_false(usbmsc_cbw_fill(&cbw, 1, 0, USBMSC_DIR_NONE, 0, NULL, 6));
}

static void test_cbw_dir_ignores_flags_at_zero_length(void **state)
{
	(void)state;
	struct usbmsc_cbw cbw = { .data_len = 0, .flags = 0x80 };

	assert_int_equal(usbmsc_cbw_dir(&cbw), USBMSC_DIR_NONE);
	cbw.data_len = 1;
	assert_int_equal(usbmsc_cbw_dir(&cbw), USBMSC_DIR_IN);
	cbw.flags = 0;
	assert_int_equal(usbmsc_cbw_dir(&cbw), USBMSC_DIR_OUT);
}

static void test_cbw_decode_ok(void **state)
{
	(void)state;
	struct usbmsc_cbw cbw;

	assert_int_equal(usbmsc_cbw_decode(read10_cbw, 31, 2, &cbw), USBMSC_CBW_OK);
	assert_int_equal(cbw.tag, 0xA1B2C3D4u);
	assert_int_equal(cbw.data_len, 512);
	assert_int_equal(cbw.flags, 0x80);
	assert_int_equal(cbw.lun, 2);
	assert_int_equal(cbw.cb_len, 10);
	assert_memory_equal(cbw.cb, read10_cdb, 10);
	assert_int_equal(usbmsc_cbw_dir(&cbw), USBMSC_DIR_IN);
}

static void test_cbw_decode_invalid(void **state)
{
	(void)state;
	struct usbmsc_cbw cbw;
	uint8_t buf[32];

	memcpy(buf, read10_cbw, 31);
	buf[31] = 0;
	/* Wrong length: one byte short, one byte long. */
	assert_int_equal(usbmsc_cbw_decode(buf, 30, 15, &cbw), USBMSC_CBW_INVALID);
	assert_int_equal(usbmsc_cbw_decode(buf, 32, 15, &cbw), USBMSC_CBW_INVALID);
	assert_int_equal(usbmsc_cbw_decode(buf, 0, 15, &cbw), USBMSC_CBW_INVALID);
	/* Bad signature: "USBS" (a CSW) and one flipped bit. */
	buf[3] = 0x53;
	assert_int_equal(usbmsc_cbw_decode(buf, 31, 15, &cbw), USBMSC_CBW_INVALID);
	buf[3] = 0x43;
	buf[0] ^= 0x01;
	assert_int_equal(usbmsc_cbw_decode(buf, 31, 15, &cbw), USBMSC_CBW_INVALID);
}

static enum usbmsc_cbw_check decode_with(size_t off, uint8_t value, uint8_t max_lun)
{
	uint8_t buf[31];
	struct usbmsc_cbw cbw;

	memcpy(buf, read10_cbw, sizeof(buf));
	buf[off] = value;
	return usbmsc_cbw_decode(buf, sizeof(buf), max_lun, &cbw);
}

static void test_cbw_decode_not_meaningful(void **state)
{
	(void)state;
	/* Reserved flag bits. */
	assert_int_equal(decode_with(12, 0x81, 15), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(12, 0x40, 15), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(12, 0x00, 15), USBMSC_CBW_OK);
	/* LUN above Max LUN, and reserved LUN bits. */
	assert_int_equal(decode_with(13, 3, 2), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(13, 2, 2), USBMSC_CBW_OK);
	assert_int_equal(decode_with(13, 1, 0), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(13, 0x12, 15), USBMSC_CBW_NOT_MEANINGFUL);
	/* CB length 0 and 17, reserved CB length bits; 1 and 16 are fine. */
	assert_int_equal(decode_with(14, 0, 15), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(14, 17, 15), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(14, 0x2A, 15), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(decode_with(14, 1, 15), USBMSC_CBW_OK);
	assert_int_equal(decode_with(14, 16, 15), USBMSC_CBW_OK);
}

static void test_cbw_not_meaningful_still_fills(void **state)
{
	(void)state;
	uint8_t buf[31];
	struct usbmsc_cbw cbw;

	memcpy(buf, read10_cbw, sizeof(buf));
	buf[13] = 9;
	memset(&cbw, 0xEE, sizeof(cbw));
	assert_int_equal(usbmsc_cbw_decode(buf, 31, 1, &cbw), USBMSC_CBW_NOT_MEANINGFUL);
	assert_int_equal(cbw.tag, 0xA1B2C3D4u);
	assert_int_equal(cbw.lun, 9);
	assert_int_equal(cbw.data_len, 512);
}

static const uint8_t good_csw[13] = {
	0x55, 0x53, 0x42, 0x53, 0x78, 0x56, 0x34, 0x12, 0x00, 0x01, 0x00, 0x00, 0x01
};

static void test_csw_encode(void **state)
{
	(void)state;
	struct usbmsc_csw csw = { .tag = 0x12345678u, .residue = 256, .status = 1 };
	uint8_t out[13];

	usbmsc_csw_encode(&csw, out);
	assert_memory_equal(out, good_csw, 13);
}

static enum usbmsc_csw_check csw_with(size_t off, uint8_t value, size_t len, uint32_t host_len,
				      struct usbmsc_csw *out)
{
	uint8_t buf[14];

	memcpy(buf, good_csw, 13);
	buf[13] = 0;
	buf[off] = value;
	return usbmsc_csw_decode(buf, len, 0x12345678u, host_len, out);
}

static void test_csw_decode_each_check(void **state)
{
	(void)state;
	struct usbmsc_csw csw;

	assert_int_equal(csw_with(12, 1, 13, 512, &csw), USBMSC_CSWCHK_OK);
	assert_int_equal(csw.tag, 0x12345678u);
	assert_int_equal(csw.residue, 256);
	assert_int_equal(csw.status, 1);
	/* Residue equal to the host length is still fine. */
	assert_int_equal(csw_with(12, 1, 13, 256, &csw), USBMSC_CSWCHK_OK);

	assert_int_equal(csw_with(12, 1, 12, 512, &csw), USBMSC_CSWCHK_LENGTH);
	assert_int_equal(csw_with(12, 1, 14, 512, &csw), USBMSC_CSWCHK_LENGTH);
	assert_int_equal(csw_with(3, 0x43, 13, 512, &csw), USBMSC_CSWCHK_SIGNATURE);
	assert_int_equal(csw_with(4, 0x79, 13, 512, &csw), USBMSC_CSWCHK_TAG);
	assert_int_equal(csw.tag, 0x12345679u);
	assert_int_equal(csw_with(12, 3, 13, 512, &csw), USBMSC_CSWCHK_STATUS);
	assert_int_equal(csw.status, 3);
	assert_int_equal(csw_with(12, 2, 13, 512, &csw), USBMSC_CSWCHK_OK);
	assert_int_equal(csw_with(12, 0, 13, 255, &csw), USBMSC_CSWCHK_RESIDUE);
	assert_int_equal(csw_with(12, 0, 13, 0, &csw), USBMSC_CSWCHK_RESIDUE);
}

static void test_csw_first_failure_wins(void **state)
{
	(void)state;
	uint8_t buf[13];
	struct usbmsc_csw csw;

	memcpy(buf, good_csw, 13);
	buf[0] = 0;      /* bad signature */
	buf[4] = 0;      /* bad tag */
	buf[12] = 9;     /* bad status */
	assert_int_equal(usbmsc_csw_decode(buf, 13, 0x12345678u, 0, &csw), USBMSC_CSWCHK_SIGNATURE);
	buf[0] = 0x55;
	assert_int_equal(usbmsc_csw_decode(buf, 13, 0x12345678u, 0, &csw), USBMSC_CSWCHK_TAG);
	buf[4] = 0x78;
	assert_int_equal(usbmsc_csw_decode(buf, 13, 0x12345678u, 0, &csw), USBMSC_CSWCHK_STATUS);
	buf[12] = 0;
	assert_int_equal(usbmsc_csw_decode(buf, 13, 0x12345678u, 0, &csw), USBMSC_CSWCHK_RESIDUE);
}

static void test_csw_check_text(void **state)
{
	(void)state;
	const char *seen[6];

	for (int i = 0; i <= USBMSC_CSWCHK_RESIDUE; i++) {
		seen[i] = usbmsc_csw_check_text((enum usbmsc_csw_check)i);
		assert_non_null(seen[i]);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	assert_non_null(strstr(usbmsc_csw_check_text(USBMSC_CSWCHK_SIGNATURE), "signature"));
	assert_non_null(usbmsc_csw_check_text((enum usbmsc_csw_check)42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cbw_fill_and_encode),
		cmocka_unit_test(test_cbw_fill_rejects),
		cmocka_unit_test(test_cbw_dir_ignores_flags_at_zero_length),
		cmocka_unit_test(test_cbw_decode_ok),
		cmocka_unit_test(test_cbw_decode_invalid),
		cmocka_unit_test(test_cbw_decode_not_meaningful),
		cmocka_unit_test(test_cbw_not_meaningful_still_fills),
		cmocka_unit_test(test_csw_encode),
		cmocka_unit_test(test_csw_decode_each_check),
		cmocka_unit_test(test_csw_first_failure_wins),
		cmocka_unit_test(test_csw_check_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
