/* CDB builders against hand-computed bytes from the T10 SPC/SBC layouts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/scsi.h"

static uint8_t cdb[16];

static void dirty(void)
{
	memset(cdb, 0xA5, sizeof(cdb));
}

/* The builder must return want_len and write exactly want[] followed by
 * zeroes up to 16 bytes; dirty() first makes the zeroing part of the check. */
static void check(size_t got_len, size_t want_len, const uint8_t *want, size_t want_n)
{
	uint8_t full[16] = {0};

	assert_true(want_n <= 16);
	memcpy(full, want, want_n);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(cdb, full, 16);
}

#define CHECK(len_expr, want_len, ...)                                           \
	do {                                                                     \
		const uint8_t w_[] = {__VA_ARGS__};                              \
		dirty();                                                         \
		size_t got_ = (len_expr);                                        \
		check(got_, (want_len), w_, sizeof(w_));                         \
	} while (0)

static void test_test_unit_ready(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_test_unit_ready(cdb), 6, 0x00, 0, 0, 0, 0, 0);
}

static void test_request_sense(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_request_sense(cdb, 252, false), 6, 0x03, 0x00, 0, 0, 0xFC, 0);
	CHECK(usbmsc_cdb_request_sense(cdb, 18, true), 6, 0x03, 0x01, 0, 0, 0x12, 0);
}

static void test_inquiry(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_inquiry(cdb, false, 0, 36), 6, 0x12, 0x00, 0x00, 0x00, 0x24, 0);
	CHECK(usbmsc_cdb_inquiry(cdb, true, 0x83, 0x1234), 6, 0x12, 0x01, 0x83, 0x12, 0x34, 0);
	CHECK(usbmsc_cdb_inquiry(cdb, true, 0x00, 0xFFFF), 6, 0x12, 0x01, 0x00, 0xFF, 0xFF, 0);
	/* a page code without EVPD is not a valid CDB */
	assert_int_equal(usbmsc_cdb_inquiry(cdb, false, 0x80, 36), 0);
}

static void test_read_capacity(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_read_capacity10(cdb), 10, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(usbmsc_cdb_read_capacity16(cdb, 32), 16, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x00,
	      0x00, 0x00, 0x20, 0, 0);
	CHECK(usbmsc_cdb_read_capacity16(cdb, 0x01020304), 16, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0,
	      0x01, 0x02, 0x03, 0x04, 0, 0);
}

static void test_read_write10(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_read10(cdb, 0x12345678, 0x9ABC), 10, 0x28, 0, 0x12, 0x34, 0x56, 0x78, 0,
	      0x9A, 0xBC, 0);
	CHECK(usbmsc_cdb_write10(cdb, 0xFFFFFFFFu, 0xFFFF), 10, 0x2A, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0,
	      0xFF, 0xFF, 0);
	CHECK(usbmsc_cdb_read10(cdb, 0, 0), 10, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	/* one past either field */
	assert_int_equal(usbmsc_cdb_read10(cdb, 0x100000000ull, 1), 0);
	assert_int_equal(usbmsc_cdb_read10(cdb, 0, 0x10000), 0);
	assert_int_equal(usbmsc_cdb_write10(cdb, 0x100000000ull, 1), 0);
	assert_int_equal(usbmsc_cdb_write10(cdb, 0, 0x10000), 0);
}

static void test_read_write12(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_read12(cdb, 0x01020304, 0x05060708), 12, 0xA8, 0, 0x01, 0x02, 0x03, 0x04,
	      0x05, 0x06, 0x07, 0x08, 0, 0);
	CHECK(usbmsc_cdb_write12(cdb, 0xFFFFFFFFu, 0xFFFFFFFFu), 12, 0xAA, 0, 0xFF, 0xFF, 0xFF,
	      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
	/* 64 KiB of 512-byte blocks: the compliance test's READ(12) */
	CHECK(usbmsc_cdb_read12(cdb, 0, 128), 12, 0xA8, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0);
	assert_int_equal(usbmsc_cdb_read12(cdb, 0x100000000ull, 1), 0);
	assert_int_equal(usbmsc_cdb_write12(cdb, 0x100000000ull, 1), 0);
}

static void test_read_write16(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_read16(cdb, 0x0102030405060708ull, 0x090A0B0C), 16, 0x88, 0, 0x01, 0x02,
	      0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0, 0);
	CHECK(usbmsc_cdb_write16(cdb, UINT64_MAX, UINT32_MAX), 16, 0x8A, 0, 0xFF, 0xFF, 0xFF, 0xFF,
	      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
}

static void test_read_write_pick(void **state)
{
	(void)state;
	/* fits (10) */
	CHECK(usbmsc_cdb_read(cdb, 0xFFFFFFFFu, 0xFFFF), 10, 0x28, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0,
	      0xFF, 0xFF, 0);
	CHECK(usbmsc_cdb_write(cdb, 8, 1), 10, 0x2A, 0, 0, 0, 0, 8, 0, 0, 1, 0);
	/* LBA past 32 bits: (16) */
	CHECK(usbmsc_cdb_read(cdb, 0x100000000ull, 1), 16, 0x88, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0,
	      0, 0, 0x01, 0, 0);
	/* too many blocks for (10): (16), not (12) */
	CHECK(usbmsc_cdb_write(cdb, 1, 0x10000), 16, 0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x01,
	      0x00, 0x00, 0, 0);
}

static void test_verify10(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_verify10(cdb, 0x11223344, 0x5566), 10, 0x2F, 0, 0x11, 0x22, 0x33, 0x44, 0,
	      0x55, 0x66, 0);
	assert_int_equal(usbmsc_cdb_verify10(cdb, 0x100000000ull, 1), 0);
	assert_int_equal(usbmsc_cdb_verify10(cdb, 0, 0x10000), 0);
}

static void test_mode_sense(void **state)
{
	(void)state;
	/* all pages, current values, with block descriptors */
	CHECK(usbmsc_cdb_mode_sense6(cdb, false, 0, 0x3F, 0, 192), 6, 0x1A, 0x00, 0x3F, 0x00, 0xC0,
	      0);
	/* DBD, default values (pc 2) of the caching page 0x08 */
	CHECK(usbmsc_cdb_mode_sense6(cdb, true, 2, 0x08, 0, 0x20), 6, 0x1A, 0x08, 0x88, 0x00, 0x20,
	      0);
	CHECK(usbmsc_cdb_mode_sense10(cdb, true, 3, 0x1C, 0x01, 0x1234), 10, 0x5A, 0x08, 0xDC, 0x01,
	      0, 0, 0, 0x12, 0x34, 0);
	CHECK(usbmsc_cdb_mode_sense10(cdb, false, 1, 0x3F, 0xFF, 0xFFFF), 10, 0x5A, 0x00, 0x7F,
	      0xFF, 0, 0, 0, 0xFF, 0xFF, 0);
	assert_int_equal(usbmsc_cdb_mode_sense6(cdb, false, 4, 0x08, 0, 4), 0);
	assert_int_equal(usbmsc_cdb_mode_sense6(cdb, false, 0, 0x40, 0, 4), 0);
	assert_int_equal(usbmsc_cdb_mode_sense10(cdb, false, 4, 0x08, 0, 4), 0);
	assert_int_equal(usbmsc_cdb_mode_sense10(cdb, false, 0, 0x40, 0, 4), 0);
}

static void test_report_luns(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_report_luns(cdb, 0x02, 0x00010000), 12, 0xA0, 0, 0x02, 0, 0, 0, 0x00, 0x01,
	      0x00, 0x00, 0, 0);
}

static void test_start_stop(void **state)
{
	(void)state;
	/* eject: LOEJ=1 START=0 */
	CHECK(usbmsc_cdb_start_stop_unit(cdb, false, 0, true, false), 6, 0x1B, 0, 0, 0, 0x02, 0);
	/* immediate start */
	CHECK(usbmsc_cdb_start_stop_unit(cdb, true, 0, false, true), 6, 0x1B, 0x01, 0, 0, 0x01, 0);
	/* power condition STANDBY (3h) */
	CHECK(usbmsc_cdb_start_stop_unit(cdb, false, 3, false, false), 6, 0x1B, 0, 0, 0, 0x30, 0);
	CHECK(usbmsc_cdb_start_stop_unit(cdb, true, 0xF, true, true), 6, 0x1B, 0x01, 0, 0, 0xF3, 0);
	assert_int_equal(usbmsc_cdb_start_stop_unit(cdb, false, 0x10, false, false), 0);
}

static void test_prevent_allow(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_prevent_allow(cdb, true), 6, 0x1E, 0, 0, 0, 0x01, 0);
	CHECK(usbmsc_cdb_prevent_allow(cdb, false), 6, 0x1E, 0, 0, 0, 0x00, 0);
}

static void test_sync_cache(void **state)
{
	(void)state;
	CHECK(usbmsc_cdb_sync_cache10(cdb, 0, 0, false), 10, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(usbmsc_cdb_sync_cache10(cdb, 0x0A0B0C0D, 0x0102, true), 10, 0x35, 0x02, 0x0A, 0x0B,
	      0x0C, 0x0D, 0, 0x01, 0x02, 0);
	assert_int_equal(usbmsc_cdb_sync_cache10(cdb, 0x100000000ull, 0, false), 0);
	assert_int_equal(usbmsc_cdb_sync_cache10(cdb, 0, 0x10000, false), 0);
}

static void test_read_buffer(void **state)
{
	(void)state;
	/* descriptor mode: 4 bytes */
	CHECK(usbmsc_cdb_read_buffer(cdb, USBMSC_RB_MODE_DESCRIPTOR, 0, 0, 4), 10, 0x3C, 0x03, 0, 0,
	      0, 0, 0, 0, 0x04, 0);
	CHECK(usbmsc_cdb_read_buffer(cdb, USBMSC_RB_MODE_DATA, 0x7E, 0xFFFFFF, 0x123456), 10, 0x3C,
	      0x02, 0x7E, 0xFF, 0xFF, 0xFF, 0x12, 0x34, 0x56, 0);
	assert_int_equal(usbmsc_cdb_read_buffer(cdb, 0x20, 0, 0, 4), 0);
	assert_int_equal(usbmsc_cdb_read_buffer(cdb, 2, 0, 0x1000000, 4), 0);
	assert_int_equal(usbmsc_cdb_read_buffer(cdb, 2, 0, 0, 0x1000000), 0);
}

static void test_write_buffer(void **state)
{
	(void)state;
	/* mode 7, buffer 0, chunk of 32 KiB at offset 64 KiB (docs/PROTOCOL.md layout) */
	CHECK(usbmsc_cdb_write_buffer(cdb, USBMSC_WB_MODE_DOWNLOAD_OFFSETS_SAVE, 0, 0, 0x10000,
				      0x8000),
	      10, 0x3B, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00, 0x80, 0x00, 0);
	/* mode 0x0D with mode specific 5 (bits 7:5) and buffer id 2 */
	CHECK(usbmsc_cdb_write_buffer(cdb, USBMSC_WB_MODE_DOWNLOAD_OFFSETS_SELECT, 5, 2, 0xABCDEF,
				      0xFFFFFF),
	      10, 0x3B, 0xAD, 0x02, 0xAB, 0xCD, 0xEF, 0xFF, 0xFF, 0xFF, 0);
	CHECK(usbmsc_cdb_write_buffer(cdb, USBMSC_WB_MODE_ACTIVATE_DEFERRED, 0, 0, 0, 0), 10, 0x3B,
	      0x0F, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(usbmsc_cdb_write_buffer(cdb, 0x20, 0, 0, 0, 0), 0);
	assert_int_equal(usbmsc_cdb_write_buffer(cdb, 5, 8, 0, 0, 0), 0);
	assert_int_equal(usbmsc_cdb_write_buffer(cdb, 7, 0, 0, 0x1000000, 0), 0);
	assert_int_equal(usbmsc_cdb_write_buffer(cdb, 7, 0, 0, 0, 0x1000000), 0);
}

static void test_report_supported_opcodes(void **state)
{
	(void)state;
	/* all commands */
	CHECK(usbmsc_cdb_report_supported_opcodes(cdb, 0, 0, 0, 0x2000), 12, 0xA3, 0x0C, 0x00, 0,
	      0, 0, 0x00, 0x00, 0x20, 0x00, 0, 0);
	/* one command: WRITE BUFFER */
	CHECK(usbmsc_cdb_report_supported_opcodes(cdb, 1, 0x3B, 0, 0x200), 12, 0xA3, 0x0C, 0x01,
	      0x3B, 0, 0, 0, 0, 0x02, 0x00, 0, 0);
	/* one command with service action: READ CAPACITY(16) */
	CHECK(usbmsc_cdb_report_supported_opcodes(cdb, 2, 0x9E, 0x0010, 0xFFFFFFFFu), 12, 0xA3,
	      0x0C, 0x02, 0x9E, 0x00, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
	assert_int_equal(usbmsc_cdb_report_supported_opcodes(cdb, 8, 0, 0, 0), 0);
}

static void test_len_for_opcode(void **state)
{
	(void)state;
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x00), 6);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x12), 6);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x1F), 6);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x20), 10);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x28), 10);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x3B), 10);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x5A), 10);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x60), 0);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x7F), 0);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x88), 16);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0x9E), 16);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0xA0), 12);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0xA8), 12);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0xBF), 12);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0xC0), 0);
	assert_int_equal(usbmsc_cdb_len_for_opcode(0xFF), 0);
}

/* Every builder's length agrees with its opcode's group code. */
static void test_len_matches_group(void **state)
{
	size_t n;

	(void)state;
	n = usbmsc_cdb_inquiry(cdb, false, 0, 36);
	assert_int_equal(n, usbmsc_cdb_len_for_opcode(cdb[0]));
	n = usbmsc_cdb_read12(cdb, 0, 1);
	assert_int_equal(n, usbmsc_cdb_len_for_opcode(cdb[0]));
	n = usbmsc_cdb_read_capacity16(cdb, 32);
	assert_int_equal(n, usbmsc_cdb_len_for_opcode(cdb[0]));
	n = usbmsc_cdb_report_luns(cdb, 0, 16);
	assert_int_equal(n, usbmsc_cdb_len_for_opcode(cdb[0]));
	n = usbmsc_cdb_mode_sense10(cdb, false, 0, 0x3F, 0, 16);
	assert_int_equal(n, usbmsc_cdb_len_for_opcode(cdb[0]));
}

static void test_null_cdb(void **state)
{
	(void)state;
	assert_int_equal(usbmsc_cdb_test_unit_ready(NULL), 0);
	assert_int_equal(usbmsc_cdb_read(NULL, 0, 1), 0);
	assert_int_equal(usbmsc_cdb_read16(NULL, 0, 1), 0);
	assert_int_equal(usbmsc_cdb_write_buffer(NULL, 5, 0, 0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_test_unit_ready),
		cmocka_unit_test(test_request_sense),
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_read_capacity),
		cmocka_unit_test(test_read_write10),
		cmocka_unit_test(test_read_write12),
		cmocka_unit_test(test_read_write16),
		cmocka_unit_test(test_read_write_pick),
		cmocka_unit_test(test_verify10),
		cmocka_unit_test(test_mode_sense),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_start_stop),
		cmocka_unit_test(test_prevent_allow),
		cmocka_unit_test(test_sync_cache),
		cmocka_unit_test(test_read_buffer),
		cmocka_unit_test(test_write_buffer),
		cmocka_unit_test(test_report_supported_opcodes),
		cmocka_unit_test(test_len_for_opcode),
		cmocka_unit_test(test_len_matches_group),
		cmocka_unit_test(test_null_cdb),
	};

	return cmocka_run_group_tests_name("wire-cdb", tests, NULL, NULL);
}
