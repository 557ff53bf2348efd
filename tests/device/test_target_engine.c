/* The target core's transport: the thirteen cases end to end, invalid CBWs
 * and Reset Recovery, class requests, unit attention, streaming, padding,
 * storage failures in the middle of a transfer, vendor commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "target_harness.h"
#include "usbmsc/byteorder.h"

static struct harness H;
static struct harness *h = &H;

#define IN USBMSC_DIR_IN
#define OUT USBMSC_DIR_OUT
#define NONE USBMSC_DIR_NONE

static uint8_t inbuf[64 * 1024];
static uint8_t outbuf[64 * 1024];
static uint8_t snapshot[64 * 1024];

static int setup1(void **s)
{
	(void)s;
	h_init(h, 1, 0);
	h_clear_ua(h);
	return 0;
}

static int setup3(void **s)
{
	(void)s;
	h_init(h, 3, 0);
	h_clear_ua(h);
	return 0;
}

static int setup1_pad(void **s)
{
	(void)s;
	h_init(h, 1, USBMSC_TARGET_PAD_IN);
	h_clear_ua(h);
	return 0;
}

/* Every test ends with the port contract intact and a working device. */
static int teardown(void **s)
{
	(void)s;
	assert_int_equal(h->violations, 0);
	for (uint32_t i = 0; i < h->cfg.lun_count && i < H_MAX_LUNS; i++)
		assert_int_equal(h->disks[i].outside, 0);
	assert_int_equal(h_tur(h, 0), 0);
	return 0;
}

static void cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	usbmsc_put_be32(cdb + 2, lba);
	usbmsc_put_be16(cdb + 7, blocks);
}

static void expect_csw(const struct host_result *r, uint8_t status, uint32_t residue)
{
	assert_false(r->stuck);
	assert_int_equal(r->check, USBMSC_CSWCHK_OK);
	assert_int_equal(r->csw.tag, r->tag);
	assert_int_equal(r->csw.status, status);
	assert_int_equal(r->csw.residue, residue);
}

static void snap(uint8_t lun)
{
	const struct ramdisk *d = &h->disks[lun];

	memcpy(snapshot, d->data, (size_t)d->blocks * d->block_size);
}

/* The disk equals the snapshot outside blocks [lba, lba + count). */
static void unchanged_except(uint8_t lun, uint32_t lba, uint32_t count)
{
	const struct ramdisk *d = &h->disks[lun];
	size_t bs = d->block_size;

	assert_int_equal(h_checksum(d->data, lba * bs), h_checksum(snapshot, lba * bs));
	assert_int_equal(h_checksum(d->data + (lba + count) * bs, (d->blocks - lba - count) * bs),
			 h_checksum(snapshot + (lba + count) * bs, (d->blocks - lba - count) * bs));
}

static const uint8_t tur_cdb[6] = { 0x00 };
static const uint8_t inquiry36[6] = { 0x12, 0, 0, 0, 36, 0 };

/* ---- the thirteen cases ----------------------------------------------- */

static void test_case1_hn_dn(void **s)
{
	(void)s;
	struct host_result r;

	h_cmd(h, 0, tur_cdb, 6, NONE, 0, NULL, NULL, &r);
	expect_csw(&r, 0, 0);
	assert_false(r.halted_in);
	assert_false(r.halted_out);
}

static void test_case2_hn_di(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	h_cmd(h, 0, inquiry36, 6, NONE, 0, NULL, NULL, &r);
	expect_csw(&r, 2, 0);
	/* READ(10) of one block with host length 0 (compliance case test). */
	cdb_rw10(cdb, 0x28, 0, 1);
	h_cmd(h, 0, cdb, 10, NONE, 0, NULL, NULL, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(h->disks[0].reads, 0);
}

static void test_case2_keeps_sense(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];
	const uint8_t rs[6] = { 0x03, 0, 0, 0, 18, 0 };

	cdb_rw10(cdb, 0x28, 64, 1); /* out of range */
	h_cmd(h, 0, cdb, 10, IN, 512, NULL, inbuf, &r);
	expect_csw(&r, 1, 512);
	/* A REQUEST SENSE that does not run (case 2) must not clear it. */
	h_cmd(h, 0, rs, 6, NONE, 0, NULL, NULL, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_LBA_OUT_OF_RANGE);
	assert_int_equal(h_sense(h, 0), 0);
}

static void test_case3_hn_do(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	snap(0);
	cdb_rw10(cdb, 0x2A, 5, 1);
	h_cmd(h, 0, cdb, 10, NONE, 0, NULL, NULL, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(h->disks[0].writes, 0);
	unchanged_except(0, 0, 0);
}

static void test_case4_hi_dn(void **s)
{
	(void)s;
	struct host_result r;

	h_cmd(h, 0, tur_cdb, 6, IN, 512, NULL, inbuf, &r);
	expect_csw(&r, 0, 512);
	assert_int_equal(r.in_len, 0);
	assert_true(r.halted_in);
	assert_false(h->halted_in);
}

static void test_case4_pad(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t zeros[1024] = { 0 };

	memset(inbuf, 0xEE, 1024);
	h_cmd(h, 0, tur_cdb, 6, IN, 1024, NULL, inbuf, &r);
	expect_csw(&r, 0, 1024);
	assert_int_equal(r.in_len, 1024);
	assert_memory_equal(inbuf, zeros, 1024);
	assert_false(r.halted_in);
}

static void test_case5_hi_gt_di(void **s)
{
	(void)s;
	struct host_result r;

	h_cmd(h, 0, inquiry36, 6, IN, 255, NULL, inbuf, &r);
	expect_csw(&r, 0, 219);
	assert_int_equal(r.in_len, 36);
	assert_true(r.halted_in);
	assert_memory_equal(inbuf + 8, "USBMSC  ", 8);
}

static void test_case5_pad(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t zeros[219] = { 0 };

	h_cmd(h, 0, inquiry36, 6, IN, 255, NULL, inbuf, &r);
	expect_csw(&r, 0, 219);
	assert_int_equal(r.in_len, 255);
	assert_false(r.halted_in);
	assert_memory_equal(inbuf + 8, "USBMSC  ", 8);
	assert_memory_equal(inbuf + 36, zeros, 219);
}

static void test_case6_hi_eq_di(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	cdb_rw10(cdb, 0x28, 10, 2);
	h_cmd(h, 0, cdb, 10, IN, 1024, NULL, inbuf, &r);
	expect_csw(&r, 0, 0);
	assert_int_equal(r.in_len, 1024);
	assert_memory_equal(inbuf, h->disks[0].data + 10 * 512, 1024);
	assert_false(r.halted_in);
}

static void test_case7_hi_lt_di(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	cdb_rw10(cdb, 0x28, 10, 2);
	h_cmd(h, 0, cdb, 10, IN, 512, NULL, inbuf, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(r.in_len, 512);
	assert_memory_equal(inbuf, h->disks[0].data + 10 * 512, 512);
	/* An INQUIRY cut short: the first 20 bytes. */
	h_cmd(h, 0, inquiry36, 6, IN, 20, NULL, inbuf, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(r.in_len, 20);
	assert_memory_equal(inbuf + 8, "USBMSC  Test", 12);
}

static void test_case8_hi_do(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	snap(0);
	cdb_rw10(cdb, 0x2A, 3, 1);
	h_cmd(h, 0, cdb, 10, IN, 512, NULL, inbuf, &r);
	expect_csw(&r, 2, 512);
	assert_true(r.halted_in);
	assert_int_equal(r.in_len, 0);
	assert_int_equal(h->disks[0].writes, 0);
	unchanged_except(0, 0, 0);
}

static void test_case9_ho_dn(void **s)
{
	(void)s;
	struct host_result r;

	snap(0);
	h_fill_pattern(outbuf, 1024, 99);
	h_cmd(h, 0, tur_cdb, 6, OUT, 1024, outbuf, NULL, &r);
	expect_csw(&r, 0, 1024);
	assert_int_equal(r.out_len, 1024);
	assert_false(r.halted_out);
	unchanged_except(0, 0, 0);
}

static void test_case10_ho_di(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	snap(0);
	cdb_rw10(cdb, 0x28, 0, 1);
	h_cmd(h, 0, cdb, 10, OUT, 512, outbuf, NULL, &r);
	expect_csw(&r, 2, 512);
	assert_true(r.halted_out);
	assert_int_equal(r.out_len, 0);
	assert_int_equal(h->disks[0].reads, 0);
	unchanged_except(0, 0, 0);
}

static void test_case11_ho_gt_do(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	/* WRITE(10) of 1 block with host length 2 blocks (compliance): residue 1 block. */
	snap(0);
	h_fill_pattern(outbuf, 1024, 7);
	cdb_rw10(cdb, 0x2A, 20, 1);
	h_cmd(h, 0, cdb, 10, OUT, 1024, outbuf, NULL, &r);
	expect_csw(&r, 0, 512);
	assert_int_equal(r.out_len, 1024);
	assert_memory_equal(h->disks[0].data + 20 * 512, outbuf, 512);
	unchanged_except(0, 20, 1);
}

static void test_case11_4096_blocks(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	/* The block size comes from the LUN, never from the host's length. */
	snap(1);
	h_fill_pattern(outbuf, 8192, 8);
	cdb_rw10(cdb, 0x2A, 4, 1);
	h_cmd(h, 1, cdb, 10, OUT, 8192, outbuf, NULL, &r);
	expect_csw(&r, 0, 4096);
	assert_int_equal(r.out_len, 8192);
	assert_memory_equal(h->disks[1].data + 4 * 4096, outbuf, 4096);
	unchanged_except(1, 4, 1);
	assert_int_equal(h->disks[1].max_len, H_BUF_SIZE);
}

static void test_case12_ho_eq_do(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	snap(0);
	h_fill_pattern(outbuf, 1024, 12);
	cdb_rw10(cdb, 0x2A, 62, 2);
	h_cmd(h, 0, cdb, 10, OUT, 1024, outbuf, NULL, &r);
	expect_csw(&r, 0, 0);
	assert_memory_equal(h->disks[0].data + 62 * 512, outbuf, 1024);
	unchanged_except(0, 62, 2);
}

static void test_case13_ho_lt_do(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	/* WRITE(10) of 2 blocks with host length 1 block: never touches the medium. */
	snap(0);
	h_fill_pattern(outbuf, 512, 13);
	cdb_rw10(cdb, 0x2A, 30, 2);
	h_cmd(h, 0, cdb, 10, OUT, 512, outbuf, NULL, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(r.out_len, 512);
	assert_int_equal(h->disks[0].writes, 0);
	unchanged_except(0, 0, 0);
}

/* ---- invalid and not meaningful CBWs, Reset Recovery ------------------- */

static void valid_cbw(uint8_t *raw)
{
	memset(raw, 0, 32);
	usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
	usbmsc_put_le32(raw + 4, 77);
	raw[14] = 6;
}

static void expect_wedged_until_reset(bool bus_reset)
{
	uint8_t raw[32];

	assert_true(h->halted_in);
	assert_true(h->halted_out);
	/* CLEAR_FEATURE alone does not un-wedge the device. */
	for (int i = 0; i < 3; i++) {
		assert_true(h_clear_halt(h, true));
		assert_true(h_clear_halt(h, false));
	}
	valid_cbw(raw);
	assert_false(h_deliver(h, raw, 31));
	assert_int_equal(h_tur(h, 0), -1);
	/* Reset Recovery: Mass Storage Reset (or a bus reset), then clear both halts. */
	if (bus_reset) {
		h->recv_pending = false;
		h->send_pending = false;
		usbmsc_target_bus_reset(&h->t);
	} else {
		assert_int_equal(h_class(h, 0x21, 0xFF, 0, 0, NULL), 0);
	}
	assert_false(h_clear_halt(h, true));
	assert_false(h_clear_halt(h, false));
	assert_false(h->halted_in);
	assert_false(h->halted_out);
	/* The reset raised unit attention; then the device works. */
	assert_int_equal(h_tur(h, 0), 1);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h_tur(h, 0), 0);
}

static void test_invalid_cbw_signature(void **s)
{
	(void)s;
	uint8_t raw[32];

	valid_cbw(raw);
	raw[0] = 0x56;
	assert_true(h_deliver(h, raw, 31));
	assert_false(h->send_pending);
	expect_wedged_until_reset(false);
}

static void test_invalid_cbw_30_bytes(void **s)
{
	(void)s;
	uint8_t raw[32];

	valid_cbw(raw);
	assert_true(h_deliver(h, raw, 30));
	expect_wedged_until_reset(false);
}

static void test_invalid_cbw_32_bytes(void **s)
{
	(void)s;
	uint8_t raw[32];

	valid_cbw(raw);
	assert_true(h_deliver(h, raw, 32));
	expect_wedged_until_reset(true);
}

static void test_not_meaningful_cbw(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cb[16] = { 0x12, 0, 0, 0, 36, 0 };

	/* LUN 1 on a one-LUN target: nothing runs, status 1, residue = host length. */
	h_cmd_raw(h, 1, cb, 6, IN, 36, NULL, inbuf, &r);
	expect_csw(&r, 1, 36);
	assert_int_equal(r.in_len, 0);
	assert_true(r.halted_in);
	/* CB length 0 and 17. */
	h_cmd_raw(h, 0, cb, 0, NONE, 0, NULL, NULL, &r);
	expect_csw(&r, 1, 0);
	h_cmd_raw(h, 0, cb, 17, OUT, 512, outbuf, NULL, &r);
	expect_csw(&r, 1, 512);
	assert_int_equal(r.out_len, 512);
	/* Nothing was recorded as sense on LUN 0. */
	assert_int_equal(h_sense(h, 0), 0);
}

static void test_cdb_past_its_length(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cb[16] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t fill[3] = { 0xFF, 0x55, 0xAA };

	for (int f = 0; f < 3; f++) {
		memset(cb + 6, fill[f], 10);
		for (uint8_t len = 6; len <= 16; len += 5) {
			h_cmd_raw(h, 0, cb, len, IN, 36, NULL, inbuf, &r);
			expect_csw(&r, 0, 0);
			assert_int_equal(r.in_len, 36);
			assert_int_equal(inbuf[4], 31);
		}
	}
}

static void test_cdb_too_short(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	cdb_rw10(cdb, 0x28, 0, 1);
	h_cmd(h, 0, cdb, 6, IN, 512, NULL, inbuf, &r);
	expect_csw(&r, 1, 512);
	assert_int_equal(h->disks[0].reads, 0);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_INVALID_CDB_FIELD);
}

/* ---- class requests ---------------------------------------------------- */

static void test_get_max_lun(void **s)
{
	(void)s;
	uint8_t reply[1] = { 0xEE };

	assert_int_equal(h_class(h, 0xA1, 0xFE, 0, 1, reply), 1);
	assert_int_equal(reply[0], h->cfg.lun_count - 1);
}

static void test_malformed_class_requests(void **s)
{
	(void)s;
	uint8_t reply[8] = { 0 };

	assert_int_equal(h_class(h, 0xA1, 0xFE, 1, 1, reply), -1);   /* wValue */
	assert_int_equal(h_class(h, 0xA1, 0xFE, 0, 2, reply), -1);   /* wLength */
	assert_int_equal(h_class(h, 0xA1, 0xFE, 0, 0, reply), -1);
	assert_int_equal(h_class(h, 0x21, 0xFE, 0, 1, reply), -1);   /* direction */
	assert_int_equal(h_class(h, 0xA1, 0xFF, 0, 0, reply), -1);
	assert_int_equal(h_class(h, 0x21, 0xFF, 1, 0, reply), -1);   /* reset wValue */
	assert_int_equal(h_class(h, 0x21, 0xFF, 0, 1, reply), -1);   /* reset wLength */
	assert_int_equal(h_class(h, 0x21, 0xFD, 0, 0, reply), -1);   /* unknown request */
	assert_int_equal(h_class(h, 0xA1, 0xFC, 0, 1, reply), -1);
	assert_int_equal(h_class(h, 0x22, 0xFF, 0, 0, reply), -1);   /* endpoint recipient */
	/* None of them disturbed the engine: no unit attention was raised. */
	assert_int_equal(h_tur(h, 0), 0);
}

static void test_reset_mid_command(void **s)
{
	(void)s;
	uint8_t cb[16];
	uint8_t raw[31];

	/* A 64-block WRITE interrupted after one piece. */
	cdb_rw10(cb, 0x2A, 0, 64);
	memset(cb + 10, 0, 6);
	usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
	usbmsc_put_le32(raw + 4, 5);
	usbmsc_put_le32(raw + 8, 64 * 512);
	raw[12] = 0;
	raw[13] = 0;
	raw[14] = 10;
	memcpy(raw + 15, cb, 16);
	assert_true(h_deliver(h, raw, 31));
	assert_true(h_deliver(h, outbuf, 512));
	assert_int_equal(h->disks[0].writes, 1);
	assert_int_equal(h_class(h, 0x21, 0xFF, 0, 0, NULL), 0);
	assert_true(h->recv_pending);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h->disks[0].writes, 1);
}

/* ---- unit attention ---------------------------------------------------- */

static void test_unit_attention_per_lun(void **s)
{
	(void)s;
	struct host_result r;
	const uint8_t report_luns[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 };

	h_init(h, 3, 0);
	/* INQUIRY and REPORT LUNS run despite the attention and keep it. */
	h_cmd(h, 1, inquiry36, 6, IN, 36, NULL, inbuf, &r);
	expect_csw(&r, 0, 0);
	h_cmd(h, 1, report_luns, 12, IN, 64, NULL, inbuf, &r);
	expect_csw(&r, 0, 64 - 32);
	for (uint8_t lun = 0; lun < 3; lun++) {
		/* Any other command fails once with 06/29/00, then works. */
		assert_int_equal(h_tur(h, lun), 1);
		assert_int_equal(h_sense(h, lun), USBMSC_SENSE_RESET_OCCURRED);
		assert_int_equal(h_sense(h, lun), 0);
		assert_int_equal(h_tur(h, lun), 0);
		/* Clearing one LUN left the next one pending: it fails in turn. */
	}
	/* REQUEST SENSE alone clears it too. */
	h_init(h, 2, 0);
	assert_int_equal(h_sense(h, 1), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h_tur(h, 1), 0);
	assert_int_equal(h_tur(h, 0), 1);
	assert_int_equal(h_tur(h, 0), 0);
}

static void test_unit_attention_raised_by_firmware(void **s)
{
	(void)s;
	usbmsc_target_unit_attention(&h->t, USBMSC_SENSE_MICROCODE_CHANGED);
	for (uint8_t lun = 0; lun < 3; lun++) {
		assert_int_equal(h_tur(h, lun), 1);
		assert_int_equal(h_sense(h, lun), USBMSC_SENSE_MICROCODE_CHANGED);
		assert_int_equal(h_tur(h, lun), 0);
	}
}

static void test_bus_reset_raises_attention(void **s)
{
	(void)s;
	h->recv_pending = false;
	usbmsc_target_bus_reset(&h->t);
	assert_true(h->recv_pending);
	for (uint8_t lun = 0; lun < 3; lun++)
		assert_int_equal(h_sense(h, lun), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h_tur(h, 2), 0);
}

/* ---- streaming and failures mid-transfer ------------------------------- */

static void test_streaming_read_write(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	cdb_rw10(cdb, 0x28, 0, 64);
	h_cmd(h, 0, cdb, 10, IN, 64 * 512, NULL, inbuf, &r);
	expect_csw(&r, 0, 0);
	assert_int_equal(h->disks[0].reads, 64);
	assert_int_equal(h->disks[0].max_len, 512);
	assert_memory_equal(inbuf, h->disks[0].data, 64 * 512);

	h_fill_pattern(outbuf, 64 * 512, 64);
	cdb_rw10(cdb, 0x2A, 0, 64);
	h_cmd(h, 0, cdb, 10, OUT, 64 * 512, outbuf, NULL, &r);
	expect_csw(&r, 0, 0);
	assert_int_equal(h->disks[0].writes, 64);
	assert_memory_equal(h->disks[0].data, outbuf, 64 * 512);
	/* Never a send past the buffer (checked by the port), and one send per piece. */
	assert_int_equal(h->sends, 64 + 1 + 1 + 2 /* 2 CSWs, setup's REQUEST SENSE */);
}

static void test_read_error_midway(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	h->disks[0].fail_at = 3 * 512 + 100;
	h->disks[0].fail_sense = USBMSC_SENSE_READ_ERROR;
	cdb_rw10(cdb, 0x28, 0, 8);
	h_cmd(h, 0, cdb, 10, IN, 4096, NULL, inbuf, &r);
	expect_csw(&r, 1, 4096 - 3 * 512);
	assert_int_equal(r.in_len, 3 * 512);
	assert_true(r.halted_in);
	assert_memory_equal(inbuf, h->disks[0].data, 3 * 512);
	h->disks[0].fail_at = -1;
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_READ_ERROR);
}

static void test_read_error_midway_pad(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];
	uint8_t zeros[2560] = { 0 };

	h->disks[0].fail_at = 3 * 512;
	h->disks[0].fail_sense = USBMSC_SENSE_READ_ERROR;
	cdb_rw10(cdb, 0x28, 0, 8);
	h_cmd(h, 0, cdb, 10, IN, 4096, NULL, inbuf, &r);
	expect_csw(&r, 1, 2560);
	assert_int_equal(r.in_len, 4096);
	assert_false(r.halted_in);
	assert_memory_equal(inbuf + 1536, zeros, 2560);
	h->disks[0].fail_at = -1;
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_READ_ERROR);
}

static void test_write_error_midway(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10];

	snap(0);
	h->disks[0].fail_at = 8 * 512 + 3 * 512;
	h->disks[0].fail_sense = USBMSC_SENSE_WRITE_ERROR;
	h_fill_pattern(outbuf, 4096, 21);
	cdb_rw10(cdb, 0x2A, 8, 8);
	h_cmd(h, 0, cdb, 10, OUT, 4096, outbuf, NULL, &r);
	/* The host could send everything; the rest was dropped. */
	expect_csw(&r, 1, 4096 - 3 * 512);
	assert_int_equal(r.out_len, 4096);
	assert_int_equal(h->disks[0].writes, 4);
	assert_memory_equal(h->disks[0].data + 8 * 512, outbuf, 3 * 512);
	unchanged_except(0, 8, 3);
	h->disks[0].fail_at = -1;
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_WRITE_ERROR);
}

/* ---- vendor commands --------------------------------------------------- */

struct vendor_state {
	uint32_t begins, datas, ends;
	uint32_t max_piece;
	uint32_t next_offset;      /* pieces must come in order */
	bool out_of_order;
	uint8_t sink[4096];
	usbmsc_sense_t end_result;
};
static struct vendor_state vs;

static uint8_t vendor_byte(uint32_t offset)
{
	return (uint8_t)(offset * 7 + 3);
}

static usbmsc_sense_t v_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct vendor_state *v = ctx;

	(void)lun;
	v->begins++;
	v->next_offset = 0;
	if (cdb[1] == 0xBB)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	*len = usbmsc_get_be16(cdb + 2);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_data_in(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
				uint8_t *buf, uint32_t len)
{
	struct vendor_state *v = ctx;

	(void)lun;
	(void)cdb;
	v->datas++;
	if (offset != v->next_offset)
		v->out_of_order = true;
	v->next_offset = offset + len;
	if (len > v->max_piece)
		v->max_piece = len;
	for (uint32_t i = 0; i < len; i++)
		buf[i] = vendor_byte(offset + i);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_data_out(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
				 uint8_t *buf, uint32_t len)
{
	struct vendor_state *v = ctx;

	(void)lun;
	(void)cdb;
	v->datas++;
	if (offset != v->next_offset)
		v->out_of_order = true;
	v->next_offset = offset + len;
	if (len > v->max_piece)
		v->max_piece = len;
	if (offset + len <= sizeof(v->sink))
		memcpy(v->sink + offset, buf, len);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_end(void *ctx, uint8_t lun, const uint8_t *cdb)
{
	struct vendor_state *v = ctx;

	(void)lun;
	(void)cdb;
	v->ends++;
	return v->end_result;
}

static const struct usbmsc_vendor_cmd vendor_cmds[] = {
	{ 0xC0, USBMSC_DIR_IN, 10, v_begin, v_data_in, v_end, NULL },
	{ 0xC1, USBMSC_DIR_OUT, 10, v_begin, v_data_out, v_end, NULL },
	/* Takes over a standard opcode (WRITE BUFFER), with no end(). */
	{ 0x3B, USBMSC_DIR_OUT, 10, v_begin, v_data_out, NULL, NULL },
};
static const struct usbmsc_vendor_table vendor_table = { vendor_cmds, 3, &vs };

static int setup_vendor(void **s)
{
	(void)s;
	memset(&vs, 0, sizeof(vs));
	h_init(h, 1, 0);
	/* The engine reads the configuration through its pointer. */
	h_set_vendor(h, &vendor_table);
	h_clear_ua(h);
	return 0;
}

static int setup_vendor_pad(void **s)
{
	(void)s;
	memset(&vs, 0, sizeof(vs));
	h_init(h, 1, USBMSC_TARGET_PAD_IN);
	h_set_vendor(h, &vendor_table);
	h_clear_ua(h);
	return 0;
}

/* Padding shares the buffer loads of the data: only the last load is short. */
static void test_vendor_in_padded(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0xC0, 0, 0x02, 0x58 }; /* 600 bytes */
	uint8_t zeros[1448] = { 0 };
	uint32_t first = h->sends;

	h_cmd(h, 0, cdb, 10, IN, 2048, NULL, inbuf, &r);
	expect_csw(&r, 0, 1448);
	assert_int_equal(r.in_len, 2048);
	for (uint32_t i = 0; i < 600; i++)
		assert_int_equal(inbuf[i], vendor_byte(i));
	assert_memory_equal(inbuf + 600, zeros, 1448);
	for (uint32_t i = first; i < first + 4; i++)
		assert_int_equal(h->send_lens[i], 512);
	assert_int_equal(vs.ends, 1);
}

static void test_vendor_in_streamed(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0xC0, 0, 0x05, 0xDC }; /* 1500 bytes */

	h_cmd(h, 0, cdb, 10, IN, 1500, NULL, inbuf, &r);
	expect_csw(&r, 0, 0);
	assert_int_equal(r.in_len, 1500);
	for (uint32_t i = 0; i < 1500; i++)
		assert_int_equal(inbuf[i], vendor_byte(i));
	assert_int_equal(vs.begins, 1);
	assert_int_equal(vs.datas, 3);
	assert_int_equal(vs.ends, 1);
	assert_int_equal(vs.max_piece, 512);
	assert_false(vs.out_of_order);
}

static void test_vendor_out_streamed(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0xC1, 0, 0x05, 0x14 }; /* 1300 bytes */

	h_fill_pattern(outbuf, 1300, 5);
	h_cmd(h, 0, cdb, 10, OUT, 1300, outbuf, NULL, &r);
	expect_csw(&r, 0, 0);
	assert_memory_equal(vs.sink, outbuf, 1300);
	assert_int_equal(vs.datas, 3);
	assert_int_equal(vs.ends, 1);
	assert_false(vs.out_of_order);
	/* The WRITE BUFFER takeover, 600 bytes in a 1024-byte transfer. */
	cdb[0] = 0x3B;
	cdb[2] = 0x02;
	cdb[3] = 0x58;
	h_fill_pattern(outbuf, 1024, 6);
	h_cmd(h, 0, cdb, 10, OUT, 1024, outbuf, NULL, &r);
	expect_csw(&r, 0, 1024 - 600);
	assert_memory_equal(vs.sink, outbuf, 600);
	assert_int_equal(vs.ends, 1);
}

static void test_vendor_failures(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0xC0, 0xBB, 0, 64 };

	/* begin() fails: no data stage, its sense is reported. */
	h_cmd(h, 0, cdb, 10, IN, 64, NULL, inbuf, &r);
	expect_csw(&r, 1, 64);
	assert_int_equal(vs.datas, 0);
	assert_int_equal(vs.ends, 0);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_INVALID_CDB_FIELD);
	/* end() fails after a complete data stage. */
	cdb[1] = 0;
	vs.end_result = USBMSC_SENSE_INVALID_PARAM;
	h_cmd(h, 0, cdb, 10, IN, 64, NULL, inbuf, &r);
	expect_csw(&r, 1, 0);
	assert_int_equal(vs.ends, 1);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_INVALID_PARAM);
	vs.end_result = USBMSC_SENSE_OK;
	/* A CB shorter than the vendor command's length. */
	h_cmd(h, 0, cdb, 6, IN, 64, NULL, inbuf, &r);
	expect_csw(&r, 1, 64);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_INVALID_CDB_FIELD);
	/* Contradicting lengths (case 13): begin() only, no data(), no end(). */
	cdb[0] = 0xC1;
	vs.begins = vs.ends = vs.datas = 0;
	h_cmd(h, 0, cdb, 10, OUT, 32, outbuf, NULL, &r);
	expect_csw(&r, 2, 0);
	assert_int_equal(vs.begins, 1);
	assert_int_equal(vs.datas, 0);
	assert_int_equal(vs.ends, 0);
	/* Vendor commands are subject to unit attention. */
	usbmsc_target_unit_attention(&h->t, USBMSC_SENSE_MICROCODE_CHANGED);
	cdb[0] = 0xC0;
	h_cmd(h, 0, cdb, 10, IN, 64, NULL, inbuf, &r);
	expect_csw(&r, 1, 64);
	assert_int_equal(vs.begins, 1);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_MICROCODE_CHANGED);
}

/* ---- sixteen LUNs -------------------------------------------------------- */

static struct usbmsc_lun_config luns16[16];
static struct usbmsc_lun_state ls16[16];

static void test_sixteen_luns(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t reply[1];
	const uint8_t report_luns[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
	const uint8_t vpd83[6] = { 0x12, 1, 0x83, 0, 255, 0 };

	/* Sixteen LUNs on the same RAM disk. */
	for (int i = 0; i < 16; i++)
		luns16[i] = h->luns[0];
	h->cfg.luns = luns16;
	h->cfg.lun_count = 16;
	h->recv_pending = false;
	assert_true(h_engine_init(h, ls16));
	assert_int_equal(h_class(h, 0xA1, 0xFE, 0, 1, reply), 1);
	assert_int_equal(reply[0], 15);
	/* The largest REPORT LUNS: 8 + 16 x 8 bytes. */
	h_cmd(h, 9, report_luns, 12, IN, 4096, NULL, inbuf, &r);
	expect_csw(&r, 0, 4096 - 136);
	assert_int_equal(r.in_len, 136);
	assert_int_equal(usbmsc_get_be32(inbuf), 128);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(inbuf[8 + 8 * i], 0);
		assert_int_equal(inbuf[8 + 8 * i + 1], i);
	}
	/* Each LUN has its own attention and its own identifier. */
	for (uint8_t lun = 0; lun < 16; lun++) {
		assert_int_equal(h_tur(h, lun), 1);
		assert_int_equal(h_tur(h, lun), 0);
		h_cmd(h, lun, vpd83, 6, IN, 255, NULL, inbuf, &r);
		expect_csw(&r, 0, 255 - 45);
		assert_int_equal(inbuf[8 + 36], "0123456789ABCDEF"[lun]);
	}
	assert_int_equal(h_tur(h, 15), 0);
}

/* ---- configuration ----------------------------------------------------- */

static void test_init_rejects_bad_config(void **s)
{
	(void)s;
	struct usbmsc_target t;
	struct usbmsc_target_config cfg = h->cfg;
	struct usbmsc_lun_config luns[1] = { h->luns[0] };
	struct usbmsc_lun_state ls[1];
	uint8_t buf[512];

	cfg.luns = luns;
	cfg.lun_count = 1;
	cfg.port.ctx = NULL; /* nothing may be called on failure */
	cfg.port.send = NULL;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	cfg.port.send = h->cfg.port.send;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, 256));
	cfg.lun_count = 0;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	cfg.lun_count = 17;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	cfg.lun_count = 1;
	luns[0].block_size = 1024;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	luns[0].block_size = 512;
	luns[0].block_count = 0;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	luns[0].block_count = 8;
	luns[0].write = NULL;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	luns[0].flags |= USBMSC_LUN_READ_ONLY;
	cfg.port.ctx = h;
	h->recv_pending = false;
	assert_true(usbmsc_target_init(&t, &cfg, ls, h->buf, H_BUF_SIZE));
	/* Restore the harness's own engine. */
	h->recv_pending = false;
	usbmsc_target_bus_reset(&h->t);
	h_clear_ua(h);
}

int main(void)
{
#define T1(f) cmocka_unit_test_setup_teardown(f, setup1, teardown)
#define T3(f) cmocka_unit_test_setup_teardown(f, setup3, teardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, setup1_pad, teardown)
#define TV(f) cmocka_unit_test_setup_teardown(f, setup_vendor, teardown)
	const struct CMUnitTest tests[] = {
		T1(test_case1_hn_dn), T1(test_case2_hn_di), T1(test_case2_keeps_sense),
		T1(test_case3_hn_do), T1(test_case4_hi_dn), TP(test_case4_pad),
		T1(test_case5_hi_gt_di), TP(test_case5_pad), T1(test_case6_hi_eq_di),
		T1(test_case7_hi_lt_di), T1(test_case8_hi_do), T1(test_case9_ho_dn),
		T1(test_case10_ho_di), T1(test_case11_ho_gt_do), T3(test_case11_4096_blocks),
		T1(test_case12_ho_eq_do), T1(test_case13_ho_lt_do),
		T1(test_invalid_cbw_signature), T1(test_invalid_cbw_30_bytes),
		T1(test_invalid_cbw_32_bytes), T1(test_not_meaningful_cbw),
		T1(test_cdb_past_its_length), T1(test_cdb_too_short),
		T1(test_get_max_lun), T3(test_get_max_lun), T1(test_malformed_class_requests),
		T1(test_reset_mid_command),
		T3(test_unit_attention_per_lun), T3(test_unit_attention_raised_by_firmware),
		T3(test_bus_reset_raises_attention),
		T1(test_streaming_read_write), T1(test_read_error_midway),
		TP(test_read_error_midway_pad), T1(test_write_error_midway),
		TV(test_vendor_in_streamed), TV(test_vendor_out_streamed),
		TV(test_vendor_failures),
		cmocka_unit_test_setup_teardown(test_vendor_in_padded, setup_vendor_pad, teardown),
		T1(test_init_rejects_bad_config), T1(test_sixteen_luns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
