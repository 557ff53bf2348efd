/* The target core's SCSI block commands, response bytes checked one by one.
 * LUN 0: 64 x 512 removable with sync; LUN 1: 16 x 4096; LUN 2: 8 x 512 read-only. */
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

static uint8_t inbuf[16 * 4096];
static uint8_t outbuf[16 * 4096];

static int setup(void **s)
{
	(void)s;
	h_init(h, 3, 0);
	h_clear_ua(h);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	assert_int_equal(h->violations, 0);
	for (uint32_t i = 0; i < H_MAX_LUNS; i++)
		assert_int_equal(h->disks[i].outside, 0);
	return 0;
}

/* Run an IN command; returns the CSW status and checks the residue. */
static int run_in(uint8_t lun, const uint8_t *cdb, uint8_t len, uint32_t host_len,
		  uint32_t expect_bytes)
{
	struct host_result r;

	memset(inbuf, 0xEE, sizeof(inbuf));
	h_cmd(h, lun, cdb, len, IN, host_len, NULL, inbuf, &r);
	assert_false(r.stuck);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	if (r.csw.status == 0) {
		assert_int_equal(r.in_len, expect_bytes);
		assert_int_equal(r.csw.residue, host_len - expect_bytes);
	} else {
		assert_int_equal(r.in_len, 0);
		assert_int_equal(r.csw.residue, host_len);
	}
	return r.csw.status;
}

static int run_none(uint8_t lun, const uint8_t *cdb, uint8_t len)
{
	struct host_result r;

	h_cmd(h, lun, cdb, len, NONE, 0, NULL, NULL, &r);
	assert_false(r.stuck);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.residue, 0);
	return r.csw.status;
}

static void expect_fail(uint8_t lun, const uint8_t *cdb, uint8_t len, enum usbmsc_dir dir,
			uint32_t host_len, usbmsc_sense_t sense)
{
	struct host_result r;

	h_cmd(h, lun, cdb, len, dir, host_len, outbuf, inbuf, &r);
	assert_false(r.stuck);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.status, 1);
	assert_int_equal(r.csw.residue, host_len);
	assert_int_equal(h_sense(h, lun), sense);
}

/* ---- INQUIRY ------------------------------------------------------------ */

static void test_inquiry_standard(void **s)
{
	(void)s;
	const uint8_t cdb[6] = { 0x12, 0, 0, 0, 96, 0 };
	static const uint8_t expect[36] = {
		0x00, 0x80, 0x06, 0x02, 31, 0, 0, 0,
		'U', 'S', 'B', 'M', 'S', 'C', ' ', ' ',
		'T', 'e', 's', 't', ' ', 'D', 'i', 's', 'k', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
		'0', '.', '1', ' ',
	};

	assert_int_equal(run_in(0, cdb, 6, 96, 36), 0);
	assert_memory_equal(inbuf, expect, 36);
	/* LUN 1 is not removable: RMB clear, the rest identical. */
	assert_int_equal(run_in(1, cdb, 6, 96, 36), 0);
	assert_int_equal(inbuf[1], 0x00);
	assert_memory_equal(inbuf + 2, expect + 2, 34);
}

static void test_inquiry_allocation_length(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 5, 0 };

	assert_int_equal(run_in(0, cdb, 6, 5, 5), 0);
	assert_int_equal(inbuf[4], 31);
	assert_int_equal(inbuf[5], 0xEE);
	/* A 16-bit allocation length. */
	cdb[3] = 0x01;
	cdb[4] = 0x00;
	assert_int_equal(run_in(0, cdb, 6, 256, 36), 0);
	/* Allocation length 0: no data at all. */
	cdb[3] = 0;
	cdb[4] = 0;
	assert_int_equal(run_none(0, cdb, 6), 0);
}

static void test_inquiry_errors(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x12, 0, 0x80, 0, 36, 0 };

	/* A page code without EVPD. */
	expect_fail(0, cdb, 6, IN, 36, USBMSC_SENSE_INVALID_CDB_FIELD);
	/* An unknown VPD page, the obsolete CMDDT bit, a control byte. */
	cdb[1] = 1;
	cdb[2] = 0x81;
	expect_fail(0, cdb, 6, IN, 36, USBMSC_SENSE_INVALID_CDB_FIELD);
	cdb[1] = 2;
	cdb[2] = 0;
	expect_fail(0, cdb, 6, IN, 36, USBMSC_SENSE_INVALID_CDB_FIELD);
	cdb[1] = 0;
	cdb[5] = 0x04;
	expect_fail(0, cdb, 6, IN, 36, USBMSC_SENSE_INVALID_CDB_FIELD);
}

static void test_vpd_pages(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x12, 1, 0x00, 0, 255, 0 };
	static const uint8_t p00[8] = { 0, 0x00, 0, 4, 0x00, 0x80, 0x83, 0xB0 };
	static const uint8_t p80[16] = { 0, 0x80, 0, 12, 'S', 'N', '0', '1', '2', '3',
					 '4', '5', '6', '7', '8', '9' };
	static const char id0[] = "USBMSC  Test Disk       SN01234567890";

	assert_int_equal(run_in(0, cdb, 6, 255, 8), 0);
	assert_memory_equal(inbuf, p00, 8);

	cdb[2] = 0x80;
	assert_int_equal(run_in(0, cdb, 6, 255, 16), 0);
	assert_memory_equal(inbuf, p80, 16);

	cdb[2] = 0x83;
	assert_int_equal(run_in(0, cdb, 6, 255, 8 + 37), 0);
	assert_int_equal(inbuf[1], 0x83);
	assert_int_equal(usbmsc_get_be16(inbuf + 2), 4 + 37);
	assert_int_equal(inbuf[4], 0x02);  /* ASCII */
	assert_int_equal(inbuf[5], 0x01);  /* LUN, T10 vendor ID */
	assert_int_equal(inbuf[7], 37);
	assert_memory_equal(inbuf + 8, id0, 37);
	/* Each LUN has its own identifier. */
	assert_int_equal(run_in(2, cdb, 6, 255, 8 + 37), 0);
	assert_memory_equal(inbuf + 8, id0, 36);
	assert_int_equal(inbuf[8 + 36], '2');

	cdb[2] = 0xB0;
	assert_int_equal(run_in(0, cdb, 6, 255, 64), 0);
	assert_int_equal(inbuf[1], 0xB0);
	assert_int_equal(usbmsc_get_be16(inbuf + 2), 0x3C);
	assert_int_equal(usbmsc_get_be16(inbuf + 6), 1);   /* optimal granularity */
	assert_int_equal(usbmsc_get_be32(inbuf + 8), 0);   /* no transfer limit */
}

static void test_vpd_serial_missing(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x12, 1, 0x80, 0, 255, 0 };

	h->cfg.serial = NULL;
	assert_int_equal(run_in(0, cdb, 6, 255, 12), 0);
	assert_int_equal(inbuf[3], 8);
	assert_memory_equal(inbuf + 4, "        ", 8);
	cdb[2] = 0x83;
	assert_int_equal(run_in(1, cdb, 6, 255, 8 + 33), 0);
	assert_memory_equal(inbuf + 8, "USBMSC  Test Disk               1", 33);
}

/* ---- REQUEST SENSE ------------------------------------------------------- */

static void test_request_sense_format(void **s)
{
	(void)s;
	const uint8_t rs[6] = { 0x03, 0, 0, 0, 252, 0 };
	const uint8_t bad[10] = { 0x28, 0, 0, 0, 0, 64, 0, 0, 1, 0 };
	static const uint8_t expect[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0,
					    0x21, 0x00, 0, 0, 0, 0 };
	static const uint8_t none[18] = { 0x70, 0, 0, 0, 0, 0, 0, 10 };
	struct host_result r;

	h_cmd(h, 0, bad, 10, IN, 512, NULL, inbuf, &r);
	assert_int_equal(r.csw.status, 1);
	assert_int_equal(run_in(0, rs, 6, 252, 18), 0);
	assert_memory_equal(inbuf, expect, 18);
	/* Reported once, then NO SENSE. */
	assert_int_equal(run_in(0, rs, 6, 252, 18), 0);
	assert_memory_equal(inbuf, none, 18);
	/* Descriptor format is not supported. */
	uint8_t desc[6] = { 0x03, 1, 0, 0, 252, 0 };
	h_cmd(h, 0, desc, 6, IN, 252, NULL, inbuf, &r);
	assert_int_equal(r.csw.status, 1);
}

static void test_sense_kept_until_next_command(void **s)
{
	(void)s;
	const uint8_t bad[10] = { 0x28, 0, 0, 0, 0, 64, 0, 0, 1, 0 };
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct host_result r;

	h_cmd(h, 0, bad, 10, IN, 512, NULL, inbuf, &r);
	assert_int_equal(r.csw.status, 1);
	/* A command on another LUN does not touch LUN 0's sense. */
	assert_int_equal(h_tur(h, 1), 0);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_LBA_OUT_OF_RANGE);
	/* The next command on the LUN replaces it. */
	h_cmd(h, 0, bad, 10, IN, 512, NULL, inbuf, &r);
	assert_int_equal(run_in(0, inq, 6, 36, 36), 0);
	assert_int_equal(h_sense(h, 0), 0);
}

/* ---- capacity ------------------------------------------------------------ */

static void test_read_capacity10(void **s)
{
	(void)s;
	const uint8_t cdb[10] = { 0x25 };
	static const uint8_t l0[8] = { 0, 0, 0, 63, 0, 0, 0x02, 0 };
	static const uint8_t l1[8] = { 0, 0, 0, 15, 0, 0, 0x10, 0 };

	assert_int_equal(run_in(0, cdb, 10, 8, 8), 0);
	assert_memory_equal(inbuf, l0, 8);
	assert_int_equal(run_in(1, cdb, 10, 8, 8), 0);
	assert_memory_equal(inbuf, l1, 8);
}

static void test_read_capacity16(void **s)
{
	(void)s;
	uint8_t cdb[16] = { 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 };
	uint8_t expect[32] = { 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0x10, 0 };

	assert_int_equal(run_in(1, cdb, 16, 32, 32), 0);
	assert_memory_equal(inbuf, expect, 32);
	/* Allocation length 12 of 32, host asks for 12. */
	cdb[13] = 12;
	assert_int_equal(run_in(1, cdb, 16, 12, 12), 0);
	assert_memory_equal(inbuf, expect, 12);
	/* Another service action. */
	cdb[1] = 0x11;
	expect_fail(1, cdb, 16, IN, 32, USBMSC_SENSE_INVALID_CDB_FIELD);
}

static void test_read_format_capacities(void **s)
{
	(void)s;
	const uint8_t cdb[10] = { 0x23, 0, 0, 0, 0, 0, 0, 0, 0xFC, 0 };
	static const uint8_t expect[12] = { 0, 0, 0, 8, 0, 0, 0, 64, 0x02, 0, 0x02, 0 };

	assert_int_equal(run_in(0, cdb, 10, 0xFC, 12), 0);
	assert_memory_equal(inbuf, expect, 12);
}

/* ---- READ / WRITE / VERIFY ------------------------------------------------ */

static void rw_cdb(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	switch (op) {
	case 0x28: case 0x2A: case 0x2F:
		usbmsc_put_be32(cdb + 2, (uint32_t)lba);
		usbmsc_put_be16(cdb + 7, (uint16_t)blocks);
		break;
	case 0xA8: case 0xAA:
		usbmsc_put_be32(cdb + 2, (uint32_t)lba);
		usbmsc_put_be32(cdb + 6, blocks);
		break;
	default:
		usbmsc_put_be64(cdb + 2, lba);
		usbmsc_put_be32(cdb + 10, blocks);
		break;
	}
}

static uint8_t cdb_len_of(uint8_t op)
{
	return op >= 0xA0 ? 12 : op >= 0x80 ? 16 : 10;
}

static void test_read_write_all_sizes(void **s)
{
	(void)s;
	static const uint8_t ops[3][2] = { { 0x28, 0x2A }, { 0xA8, 0xAA }, { 0x88, 0x8A } };
	uint8_t cdb[16];
	struct host_result r;

	for (int i = 0; i < 3; i++) {
		uint8_t len = cdb_len_of(ops[i][0]);

		for (uint8_t lun = 0; lun < 2; lun++) {
			uint32_t bs = h->disks[lun].block_size;
			uint32_t lba = 1 + (uint32_t)i * 3;

			h_fill_pattern(outbuf, 3 * bs, 100 + (uint32_t)i);
			rw_cdb(cdb, ops[i][1], lba, 3);
			h_cmd(h, lun, cdb, len, OUT, 3 * bs, outbuf, NULL, &r);
			assert_int_equal(r.csw.status, 0);
			assert_int_equal(r.csw.residue, 0);
			assert_memory_equal(h->disks[lun].data + lba * bs, outbuf, 3 * bs);
			rw_cdb(cdb, ops[i][0], lba, 3);
			assert_int_equal(run_in(lun, cdb, len, 3 * bs, 3 * bs), 0);
			assert_memory_equal(inbuf, outbuf, 3 * bs);
		}
	}
}

static void test_read_write_range(void **s)
{
	(void)s;
	uint8_t cdb[16];
	uint32_t writes = h->disks[0].writes;

	/* Last block: fine; one past: out of range, before any data. */
	rw_cdb(cdb, 0x28, 63, 1);
	assert_int_equal(run_in(0, cdb, 10, 512, 512), 0);
	rw_cdb(cdb, 0x28, 63, 2);
	expect_fail(0, cdb, 10, IN, 1024, USBMSC_SENSE_LBA_OUT_OF_RANGE);
	rw_cdb(cdb, 0x2A, 64, 1);
	expect_fail(0, cdb, 10, OUT, 512, USBMSC_SENSE_LBA_OUT_OF_RANGE);
	rw_cdb(cdb, 0xAA, 0xFFFFFFFFu, 2);
	expect_fail(0, cdb, 12, OUT, 1024, USBMSC_SENSE_LBA_OUT_OF_RANGE);
	/* A 64-bit LBA with the high half set. */
	rw_cdb(cdb, 0x88, 0x100000000ull, 1);
	expect_fail(0, cdb, 16, IN, 512, USBMSC_SENSE_LBA_OUT_OF_RANGE);
	assert_int_equal(h->disks[0].writes, writes);
	/* Transfer length 0: nothing moves, good; past the end still fails. */
	uint32_t reads = h->disks[0].reads;
	rw_cdb(cdb, 0x28, 10, 0);
	assert_int_equal(run_none(0, cdb, 10), 0);
	assert_int_equal(h->disks[0].reads, reads);
	rw_cdb(cdb, 0x28, 64, 0);
	expect_fail(0, cdb, 10, NONE, 0, USBMSC_SENSE_LBA_OUT_OF_RANGE);
	/* Reserved bits in byte 1 (RDPROTECT) and the group number byte. */
	rw_cdb(cdb, 0x28, 0, 1);
	cdb[1] = 0x20;
	expect_fail(0, cdb, 10, IN, 512, USBMSC_SENSE_INVALID_CDB_FIELD);
	cdb[1] = 0x18; /* DPO and FUA are fine */
	assert_int_equal(run_in(0, cdb, 10, 512, 512), 0);
}

static void test_read_only_lun(void **s)
{
	(void)s;
	uint8_t cdb[16];
	const uint8_t ms6[6] = { 0x1A, 0x08, 0x3F, 0, 255, 0 };
	struct host_result r;
	uint32_t sum = h_checksum(h->disks[2].data, 8 * 512);

	rw_cdb(cdb, 0x2A, 0, 2);
	h_cmd(h, 2, cdb, 10, OUT, 1024, outbuf, NULL, &r);
	/* Failed before the data stage: the data is received and dropped. */
	assert_int_equal(r.csw.status, 1);
	assert_int_equal(r.csw.residue, 1024);
	assert_int_equal(r.out_len, 1024);
	assert_int_equal(h_sense(h, 2), USBMSC_SENSE_WRITE_PROTECTED);
	assert_int_equal(h->disks[2].writes, 0);
	assert_int_equal(h_checksum(h->disks[2].data, 8 * 512), sum);
	/* Reading works; MODE SENSE shows WP. */
	rw_cdb(cdb, 0x28, 7, 1);
	assert_int_equal(run_in(2, cdb, 10, 512, 512), 0);
	assert_int_equal(run_in(2, ms6, 6, 255, 24), 0);
	assert_int_equal(inbuf[2], 0x80);
	assert_int_equal(run_in(0, ms6, 6, 255, 24), 0);
	assert_int_equal(inbuf[2], 0x00);
}

static void test_verify10(void **s)
{
	(void)s;
	uint8_t cdb[16];
	uint32_t reads = h->disks[0].reads;

	rw_cdb(cdb, 0x2F, 60, 4);
	assert_int_equal(run_none(0, cdb, 10), 0);
	assert_int_equal(h->disks[0].reads, reads);
	rw_cdb(cdb, 0x2F, 61, 4);
	expect_fail(0, cdb, 10, NONE, 0, USBMSC_SENSE_LBA_OUT_OF_RANGE);
	rw_cdb(cdb, 0x2F, 0, 1);
	cdb[1] = 0x02; /* BYTCHK = 1 */
	expect_fail(0, cdb, 10, OUT, 512, USBMSC_SENSE_INVALID_CDB_FIELD);
}

/* ---- MODE SENSE ----------------------------------------------------------- */

static void test_mode_sense6(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x1A, 0, 0x3F, 0, 255, 0 };
	static const uint8_t expect[32] = {
		31, 0, 0x00, 8,
		0, 0, 0, 64, 0, 0, 0x02, 0,
		0x08, 0x12, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};

	assert_int_equal(run_in(0, cdb, 6, 255, 32), 0);
	assert_memory_equal(inbuf, expect, 32);
	/* DBD: no block descriptor; page 0x08 alone is the same page. */
	cdb[1] = 0x08;
	cdb[2] = 0x08;
	assert_int_equal(run_in(0, cdb, 6, 255, 24), 0);
	assert_int_equal(inbuf[0], 23);
	assert_int_equal(inbuf[3], 0);
	assert_memory_equal(inbuf + 4, expect + 12, 20);
	/* LUN 1 has no cache to flush: WCE clear; 4096-byte blocks. */
	cdb[1] = 0;
	assert_int_equal(run_in(1, cdb, 6, 255, 32), 0);
	assert_int_equal(usbmsc_get_be32(inbuf + 4), 16);
	assert_int_equal(usbmsc_get_be24(inbuf + 9), 4096);
	assert_int_equal(inbuf[14], 0);
	/* Allocation length 4: just the header. */
	cdb[4] = 4;
	assert_int_equal(run_in(0, cdb, 6, 4, 4), 0);
	assert_int_equal(inbuf[0], 31);
}

static void test_mode_sense_page_control(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x1A, 0x08, 0x48, 0, 255, 0 };
	static const uint8_t zeros[18] = { 0 };

	/* Changeable values: the page body is all zeros. */
	assert_int_equal(run_in(0, cdb, 6, 255, 24), 0);
	assert_int_equal(inbuf[4], 0x08);
	assert_int_equal(inbuf[5], 0x12);
	assert_memory_equal(inbuf + 6, zeros, 18);
	/* Default values equal the current ones. */
	cdb[2] = 0x88;
	assert_int_equal(run_in(0, cdb, 6, 255, 24), 0);
	assert_int_equal(inbuf[6], 0x04);
	/* Saved values are not supported; unknown pages are invalid. */
	cdb[2] = 0xC8;
	expect_fail(0, cdb, 6, IN, 255, USBMSC_SENSE(5, 0x39, 0));
	cdb[2] = 0x1C;
	expect_fail(0, cdb, 6, IN, 255, USBMSC_SENSE_INVALID_CDB_FIELD);
	/* A subpage. */
	cdb[2] = 0x08;
	cdb[3] = 0x01;
	expect_fail(0, cdb, 6, IN, 255, USBMSC_SENSE_INVALID_CDB_FIELD);
}

static void test_mode_sense10(void **s)
{
	(void)s;
	uint8_t cdb[10] = { 0x5A, 0, 0x3F, 0, 0, 0, 0, 0x01, 0x00, 0 };
	static const uint8_t head[16] = { 0, 34, 0, 0x80, 0, 0, 0, 8,
					  0, 0, 0, 8, 0, 0, 0x02, 0 };

	assert_int_equal(run_in(2, cdb, 10, 256, 36), 0);
	assert_memory_equal(inbuf, head, 16);
	assert_int_equal(inbuf[16], 0x08);
	assert_int_equal(inbuf[17], 0x12);
	cdb[1] = 0x08;
	assert_int_equal(run_in(2, cdb, 10, 256, 28), 0);
	assert_int_equal(usbmsc_get_be16(inbuf), 26);
	assert_int_equal(inbuf[7], 0);
}

/* ---- START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL ------------------------ */

static void test_eject_and_load(void **s)
{
	(void)s;
	const uint8_t eject[6] = { 0x1B, 0, 0, 0, 0x02, 0 };
	const uint8_t load[6] = { 0x1B, 0, 0, 0, 0x03, 0 };
	const uint8_t prevent[6] = { 0x1E, 0, 0, 0, 0x01, 0 };
	const uint8_t allow[6] = { 0x1E, 0, 0, 0, 0x00, 0 };
	const uint8_t rfc[10] = { 0x23, 0, 0, 0, 0, 0, 0, 0, 12, 0 };
	uint8_t rd[16];

	/* Prevented: the eject fails with 05/53/02. */
	assert_int_equal(run_none(0, prevent, 6), 0);
	assert_int_equal(run_none(0, eject, 6), 1);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE(5, 0x53, 0x02));
	assert_int_equal(run_none(0, allow, 6), 0);
	assert_int_equal(run_none(0, eject, 6), 0);
	/* Medium not present: TUR, READ fail; INQUIRY works; no media descriptor. */
	assert_int_equal(h_tur(h, 0), 1);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_NOT_PRESENT);
	rw_cdb(rd, 0x28, 0, 1);
	expect_fail(0, rd, 10, IN, 512, USBMSC_SENSE_NOT_PRESENT);
	assert_int_equal(run_in(0, rfc, 10, 12, 12), 0);
	assert_int_equal(inbuf[8], 0x03);
	/* Other LUNs are unaffected. */
	assert_int_equal(h_tur(h, 1), 0);
	/* Load: the medium is back, announced by 06/28/00. */
	assert_int_equal(run_none(0, load, 6), 0);
	assert_int_equal(h_tur(h, 0), 1);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_MEDIUM_CHANGED);
	assert_int_equal(h_tur(h, 0), 0);
	assert_int_equal(run_in(0, rfc, 10, 12, 12), 0);
	assert_int_equal(inbuf[8], 0x02);
}

static void test_start_stop_variants(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x1B, 0, 0, 0, 0x01, 0 };

	/* START or STOP without LOEJ: accepted everywhere. */
	assert_int_equal(run_none(1, cdb, 6), 0);
	cdb[4] = 0;
	assert_int_equal(run_none(1, cdb, 6), 0);
	cdb[1] = 1; /* IMMED */
	assert_int_equal(run_none(0, cdb, 6), 0);
	/* LOEJ on a fixed LUN. */
	cdb[1] = 0;
	cdb[4] = 0x02;
	expect_fail(1, cdb, 6, NONE, 0, USBMSC_SENSE_INVALID_CDB_FIELD);
	/* PREVENT field beyond 2 bits. */
	const uint8_t prevent[6] = { 0x1E, 0, 0, 0, 0x04, 0 };
	expect_fail(0, prevent, 6, NONE, 0, USBMSC_SENSE_INVALID_CDB_FIELD);
	/* After a bus reset the medium is loaded and removal allowed again. */
	const uint8_t eject[6] = { 0x1B, 0, 0, 0, 0x02, 0 };
	assert_int_equal(run_none(0, eject, 6), 0);
	h->recv_pending = false;
	usbmsc_target_bus_reset(&h->t);
	h_clear_ua(h);
	assert_int_equal(h_tur(h, 0), 0);
}

/* ---- SYNCHRONIZE CACHE, REPORT LUNS, unknown opcodes ---------------------- */

static void test_sync_cache(void **s)
{
	(void)s;
	const uint8_t cdb[10] = { 0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0 };

	assert_int_equal(run_none(0, cdb, 10), 0);
	assert_int_equal(h->disks[0].syncs, 1);
	/* A LUN without a sync callback: nothing to flush, good. */
	assert_int_equal(run_none(1, cdb, 10), 0);
}

static void test_report_luns(void **s)
{
	(void)s;
	uint8_t cdb[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t expect[32] = { 0, 0, 0, 24, 0, 0, 0, 0,
					    0, 0, 0, 0, 0, 0, 0, 0,
					    0, 1, 0, 0, 0, 0, 0, 0,
					    0, 2, 0, 0, 0, 0, 0, 0 };

	assert_int_equal(run_in(1, cdb, 12, 256, 32), 0);
	assert_memory_equal(inbuf, expect, 32);
	cdb[2] = 2;
	cdb[8] = 0;
	cdb[9] = 16;
	assert_int_equal(run_in(0, cdb, 12, 16, 16), 0);
	assert_memory_equal(inbuf, expect, 16);
	cdb[2] = 1;
	expect_fail(0, cdb, 12, IN, 256, USBMSC_SENSE_INVALID_CDB_FIELD);
	cdb[2] = 0;
	cdb[8] = 0;
	cdb[9] = 15;
	expect_fail(0, cdb, 12, IN, 15, USBMSC_SENSE_INVALID_CDB_FIELD);
}

static void test_unknown_opcodes(void **s)
{
	(void)s;
	const uint8_t format_unit[6] = { 0x04 };
	const uint8_t vendor[10] = { 0xC5 };
	const uint8_t mode_select[6] = { 0x15, 0x10, 0, 0, 12, 0 };

	expect_fail(0, format_unit, 6, NONE, 0, USBMSC_SENSE_INVALID_OPCODE);
	expect_fail(0, vendor, 10, IN, 64, USBMSC_SENSE_INVALID_OPCODE);
	expect_fail(0, mode_select, 6, OUT, 12, USBMSC_SENSE_INVALID_OPCODE);
	/* TEST UNIT READY with a reserved byte set. */
	const uint8_t tur[6] = { 0x00, 0, 0, 1, 0, 0 };
	expect_fail(0, tur, 6, NONE, 0, USBMSC_SENSE_INVALID_CDB_FIELD);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_inquiry_standard), T(test_inquiry_allocation_length),
		T(test_inquiry_errors), T(test_vpd_pages), T(test_vpd_serial_missing),
		T(test_request_sense_format), T(test_sense_kept_until_next_command),
		T(test_read_capacity10), T(test_read_capacity16), T(test_read_format_capacities),
		T(test_read_write_all_sizes), T(test_read_write_range), T(test_read_only_lun),
		T(test_verify10), T(test_mode_sense6), T(test_mode_sense_page_control),
		T(test_mode_sense10), T(test_eject_and_load), T(test_start_stop_variants),
		T(test_sync_cache), T(test_report_luns), T(test_unknown_opcodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
