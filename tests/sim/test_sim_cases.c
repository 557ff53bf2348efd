/* The thirteen Bulk-Only Transport cases, each with hand-built CBWs through
 * the simulated pipe to the real target core: CSW status and residue, the
 * data the host sees, halts, which image blocks changed (none outside the
 * command's range; none at all for 3, 8, 10, 13), and that the device
 * takes the next command. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "simfx.h"

static int setup(void **state)
{
	struct simfx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	simfx_init(f, true);
	simfx_open(f, "");
	clear_unit_attention(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct simfx *f = *state;

	simfx_cleanup(f);
	free(f);
	return 0;
}

static const uint8_t tur[6] = { 0 };
static const uint8_t inquiry36[6] = { 0x12, 0, 0, 0, 36, 0 };

static void case1_hn_dn(void **state)
{
	struct simfx *f = *state;
	uint64_t before = hash_file(f->path, 0, 0);

	assert_int_equal(raw_cbw(f, 0, false, 0, tur, 6), USBMSC_PIPE_OK);
	expect_csw(f, 0, 0);
	assert_int_equal(hash_file(f->path, 0, 0), before);
	assert_device_works(f);
}

static void case2_hn_di(void **state)
{
	struct simfx *f = *state;

	/* INQUIRY with host length 0 */
	assert_int_equal(raw_cbw(f, 0, true, 0, inquiry36, 6), USBMSC_PIPE_OK);
	expect_csw(f, 2, 0);
	assert_false(halted(f, true));
	assert_device_works(f);
}

static void case3_hn_do(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10];
	uint64_t before = hash_file(f->path, 0, 0);

	cdb_rw10(cdb, 0x2A, 5, 1);
	assert_int_equal(raw_cbw(f, 0, false, 0, cdb, 10), USBMSC_PIPE_OK);
	expect_csw(f, 2, 0);
	assert_int_equal(hash_file(f->path, 0, 0), before);
	assert_device_works(f);
}

static void case4_hi_dn(void **state)
{
	struct simfx *f = *state;
	uint8_t buf[512];
	size_t n = 99;

	/* TEST UNIT READY with host IN 512: Bulk-In stalls, no data */
	assert_int_equal(raw_cbw(f, 512, true, 0, tur, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, sizeof buf, &n), USBMSC_PIPE_STALL);
	assert_int_equal(n, 0);
	assert_true(halted(f, true));
	assert_false(halted(f, false));
	clear_halt(f, true);
	expect_csw(f, 0, 512);
	assert_device_works(f);
}

static void case5_hi_gt_di(void **state)
{
	struct simfx *f = *state;
	uint8_t buf[512];
	size_t n = 0;

	/* INQUIRY allocation 36 with host IN 512: 36 bytes, then a stall */
	assert_int_equal(raw_cbw(f, 512, true, 0, inquiry36, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 36); /* a short packet ends the transfer */
	assert_int_equal(buf[0], 0x00);
	assert_memory_equal(buf + 8, "USBMSC  ", 8);
	expect_stalled_csw(f, 0, 476);
	assert_device_works(f);
}

static void case6_hi_eq_di(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[512], want[512];
	size_t n = 0;

	cdb_rw10(cdb, 0x28, 3, 1);
	assert_int_equal(raw_cbw(f, 512, true, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 512);
	read_file(f->path, 3 * BS, want, sizeof want);
	assert_memory_equal(buf, want, 512);
	expect_csw(f, 0, 0);
	assert_device_works(f);
}

static void case7_hi_lt_di(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[512], want[512];
	size_t n = 0;

	/* READ(10) of 2 blocks with host IN 512: the first 512, phase error */
	cdb_rw10(cdb, 0x28, 3, 2);
	assert_int_equal(raw_cbw(f, 512, true, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 512);
	read_file(f->path, 3 * BS, want, sizeof want);
	assert_memory_equal(buf, want, 512);
	expect_csw(f, 2, 0);
	assert_device_works(f);
}

static void case8_hi_do(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[512];
	uint64_t before = hash_file(f->path, 0, 0);
	size_t n = 99;

	/* WRITE(10) with host IN */
	cdb_rw10(cdb, 0x2A, 3, 1);
	assert_int_equal(raw_cbw(f, 512, true, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, sizeof buf, &n), USBMSC_PIPE_STALL);
	assert_int_equal(n, 0);
	clear_halt(f, true);
	expect_csw(f, 2, 512);
	assert_int_equal(hash_file(f->path, 0, 0), before);
	assert_device_works(f);
}

static void case9_ho_dn(void **state)
{
	struct simfx *f = *state;
	uint8_t buf[512];
	uint64_t before = hash_file(f->path, 0, 0);
	size_t n = 0;

	/* TEST UNIT READY with host OUT 512: the data is taken and dropped */
	memset(buf, 0xEE, sizeof buf);
	assert_int_equal(raw_cbw(f, 512, false, 0, tur, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 512);
	expect_csw(f, 0, 512);
	assert_int_equal(hash_file(f->path, 0, 0), before);
	assert_device_works(f);
}

static void case10_ho_di(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[512];
	uint64_t before = hash_file(f->path, 0, 0);
	size_t n = 99;

	/* READ(10) with host OUT: Bulk-Out stalls */
	memset(buf, 0xEE, sizeof buf);
	cdb_rw10(cdb, 0x28, 3, 1);
	assert_int_equal(raw_cbw(f, 512, false, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, sizeof buf, &n), USBMSC_PIPE_STALL);
	assert_int_equal(n, 0);
	assert_true(halted(f, false));
	clear_halt(f, false);
	assert_false(halted(f, false));
	expect_csw(f, 2, 512);
	assert_int_equal(hash_file(f->path, 0, 0), before);
	assert_device_works(f);
}

static void case11_ho_gt_do(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[1024], got[512];
	uint64_t before = hash_file(f->path, 7 * BS, BS);
	size_t n = 0;

	/* WRITE(10) of 1 block with host OUT 1024: block 7 gets the first
	 * 512 bytes and block 8 keeps its data (the block size comes from the
	 * LUN, never from the host's length). */
	memset(buf, 0xA5, 512);
	memset(buf + 512, 0x5A, 512);
	cdb_rw10(cdb, 0x2A, 7, 1);
	assert_int_equal(raw_cbw(f, sizeof buf, false, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 1024);
	expect_csw(f, 0, 512);
	read_file(f->path, 7 * BS, got, sizeof got);
	assert_memory_equal(got, buf, 512);
	assert_pattern(f->path, 8 * BS, BS);
	assert_int_equal(hash_file(f->path, 7 * BS, BS), before);
	assert_device_works(f);
}

static void case12_ho_eq_do(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[512], got[512];
	uint64_t before = hash_file(f->path, 9 * BS, BS);
	size_t n = 0;

	for (int i = 0; i < 512; i++)
		buf[i] = (uint8_t)(i ^ 0x3C);
	cdb_rw10(cdb, 0x2A, 9, 1);
	assert_int_equal(raw_cbw(f, sizeof buf, false, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	expect_csw(f, 0, 0);
	read_file(f->path, 9 * BS, got, sizeof got);
	assert_memory_equal(got, buf, 512);
	assert_int_equal(hash_file(f->path, 9 * BS, BS), before);
	assert_device_works(f);
}

static void case13_ho_lt_do(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[512];
	uint64_t before = hash_file(f->path, 0, 0);
	size_t n = 0;

	/* WRITE(10) of 2 blocks with host OUT 512: nothing is written */
	memset(buf, 0x77, sizeof buf);
	cdb_rw10(cdb, 0x2A, 11, 2);
	assert_int_equal(raw_cbw(f, sizeof buf, false, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	expect_csw(f, 2, 0);
	assert_int_equal(hash_file(f->path, 0, 0), before);
	assert_device_works(f);
}

/* pad=1: cases 4 and 5 pad with zeros instead of stalling. */
static void pad_cases_4_and_5(void **state)
{
	struct simfx *f = *state;
	uint8_t buf[1024];
	size_t n = 0;

	simfx_close(f);
	simfx_open(f, "pad=1");
	clear_unit_attention(f);
	memset(buf, 0xEE, sizeof buf);
	assert_int_equal(raw_cbw(f, 1024, true, 0, tur, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, sizeof buf, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 1024);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(buf[i], 0);
	expect_csw(f, 0, 1024);
	assert_false(halted(f, true));

	memset(buf, 0xEE, sizeof buf);
	assert_int_equal(raw_cbw(f, 100, true, 0, inquiry36, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, 100, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 100);
	assert_memory_equal(buf + 8, "USBMSC  ", 8);
	for (int i = 36; i < 100; i++)
		assert_int_equal(buf[i], 0);
	expect_csw(f, 0, 64);
	assert_device_works(f);
}

/* Multi-packet data that is not a multiple of the packet size: the last
 * packet is short and ends the host's transfer. */
static void data_multi_packet_short_tail(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10], buf[3 * 512];
	size_t n = 0;

	/* ECHO WRITE of 1100 bytes (3 packets: 512, 512, 76), then read back */
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 3);
	memset(cdb, 0, sizeof cdb);
	cdb[0] = USBMSC_SIM_OP_ECHO_WRITE;
	cdb[3] = 1100 >> 8;
	cdb[4] = 1100 & 0xFF;
	assert_int_equal(raw_cbw(f, 1100, false, 0, cdb, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, 1100, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 1100);
	expect_csw(f, 0, 0);
	cdb[0] = USBMSC_SIM_OP_ECHO_READ;
	memset(buf + 1100, 0, sizeof buf - 1100);
	{
		uint8_t back[3 * 512];
		assert_int_equal(raw_cbw(f, 1100, true, 0, cdb, 6), USBMSC_PIPE_OK);
		assert_int_equal(raw_in(f, back, 1100, &n), USBMSC_PIPE_OK);
		assert_int_equal(n, 1100);
		assert_memory_equal(back, buf, 1100);
	}
	expect_csw(f, 0, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(case1_hn_dn), T(case2_hn_di), T(case3_hn_do), T(case4_hi_dn),
		T(case5_hi_gt_di), T(case6_hi_eq_di), T(case7_hi_lt_di), T(case8_hi_do),
		T(case9_ho_dn), T(case10_ho_di), T(case11_ho_gt_do), T(case12_ho_eq_do),
		T(case13_ho_lt_do), T(pad_cases_4_and_5), T(data_multi_packet_short_tail),
	};

	return cmocka_run_group_tests_name(SIMFX_FRAMING ? "sim_cases_vendor" : "sim_cases",
					   tests, NULL, NULL);
}
