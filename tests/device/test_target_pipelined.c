/* What only the pipelined data stage does: storage works on one load while
 * the bus moves another, the ring of buffers fills and drains, failures
 * leave the loads around them as the one-buffer engine would, resets while
 * storage is busy, the completion call's misuse, configuration. The
 * thirteen cases and everything else run in tests/device's other tests in
 * every configuration (meson.build). Built with H_BUFS=4. */
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

static uint8_t inbuf[64 * 512];
static uint8_t outbuf[64 * 512];

/* count buffers (1..H_BUFS), storage finishing later or at once. */
static void start_flags(uint8_t count, bool async, uint8_t flags)
{
	h_init(h, 1, flags);
	h->async = async;
	h->recv_pending = false;
	assert_true(usbmsc_target_init_pipelined(&h->tp, &h->cfg, h->ls, h->buf, count,
						 H_BUF_SIZE));
	h_clear_ua(h);
}

static void start(uint8_t count, bool async)
{
	start_flags(count, async, 0);
}

static int teardown(void **s)
{
	(void)s;
	assert_int_equal(h->violations, 0);
	assert_int_equal(h->disks[0].outside, 0);
	assert_int_equal(h_tur(h, 0), 0);
	return 0;
}

static void cbw(uint32_t tag, enum usbmsc_dir dir, uint32_t host_len, uint8_t op, uint32_t lba,
		uint16_t blocks)
{
	uint8_t raw[USBMSC_CBW_LEN] = { 0 };

	usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
	usbmsc_put_le32(raw + 4, tag);
	usbmsc_put_le32(raw + 8, host_len);
	raw[12] = dir == IN ? 0x80 : 0;
	raw[14] = 10;
	raw[15] = op;
	usbmsc_put_be32(raw + 17, lba);
	usbmsc_put_be16(raw + 22, blocks);
	assert_true(h_deliver(h, raw, sizeof(raw)));
}

/* Take the pending send as the host does, 64-byte packets at a time. */
static void take_send(uint8_t *dst)
{
	assert_true(h->send_pending);
	memcpy(dst, h->sent, h->send_len);
	h->send_pending = false;
	usbmsc_target_sent(&h->t);
}

/* Deliver one load (H_BUF_SIZE bytes) in packets. */
static void give_load(const uint8_t *src)
{
	for (uint32_t at = 0; at < H_BUF_SIZE; at += H_PACKET) {
		assert_true(h->recv_pending);
		assert_true(h_deliver(h, src + at, H_PACKET));
	}
}

static void expect_csw_now(uint32_t tag, uint8_t status, uint32_t residue)
{
	struct usbmsc_csw csw;

	assert_true(h->send_pending);
	assert_int_equal(usbmsc_csw_decode(h->sent, h->send_len, tag, 0xFFFFFFFFu, &csw),
			 USBMSC_CSWCHK_OK);
	assert_int_equal(csw.status, status);
	assert_int_equal(csw.residue, residue);
	h->send_pending = false;
	usbmsc_target_sent(&h->t);
}

/* ---- overlap ---------------------------------------------------------- */

/* READ: the bus sends load k while storage reads load k + 1 into another
 * buffer. */
static void test_read_overlaps(void **s)
{
	(void)s;
	start(2, true);
	cbw(1, IN, 4 * 512, 0x28, 0, 4);
	assert_false(h->send_pending);
	assert_true(h->pending.active);
	assert_true(h_settle(h));
	for (uint32_t k = 0; k < 4; k++) {
		/* load k on the bus; the next one being read beside it */
		assert_true(h->send_pending);
		assert_int_equal(h->send_len, 512);
		assert_true(h->pending.active == (k < 3));
		if (k < 3)
			assert_true(h->pending.buf != h->sent);
		take_send(inbuf + k * 512);
		if (k < 3)
			assert_true(h_settle(h));
	}
	expect_csw_now(1, 0, 0);
	assert_memory_equal(inbuf, h->disks[0].data, 4 * 512);
	assert_int_equal(h->disks[0].reads, 4);
}

/* WRITE: the bus receives load k + 1 while storage writes load k; with two
 * buffers the bus then waits for the write. */
static void test_write_overlaps(void **s)
{
	(void)s;
	h_fill_pattern(outbuf, 4 * 512, 5);
	start(2, true);
	cbw(2, OUT, 4 * 512, 0x2A, 8, 4);
	give_load(outbuf);
	assert_true(h->pending.active && h->pending.write);
	assert_true(h->recv_pending);          /* load 1 comes in meanwhile */
	assert_true(h->recv_ptr != h->pending.buf);
	give_load(outbuf + 512);
	assert_false(h->recv_pending);         /* both buffers full */
	assert_true(h_settle(h));              /* write 0 done: write 1, receive 2 */
	assert_true(h->pending.active && h->recv_pending);
	give_load(outbuf + 1024);
	assert_true(h_settle(h));
	give_load(outbuf + 1536);
	assert_true(h_settle(h));
	assert_true(h_settle(h));
	assert_false(h_settle(h));
	expect_csw_now(2, 0, 0);
	assert_memory_equal(h->disks[0].data + 8 * 512, outbuf, 4 * 512);
	assert_int_equal(h->disks[0].writes, 4);
}

/* Storage that finishes at once fills every buffer before the bus takes
 * the first load. */
static void test_read_ahead_fills_the_ring(void **s)
{
	(void)s;
	start(4, false);
	cbw(3, IN, 8 * 512, 0x28, 16, 8);
	assert_int_equal(h->disks[0].reads, 4);
	for (uint32_t k = 0; k < 8; k++) {
		take_send(inbuf + k * 512);
		assert_int_equal(h->disks[0].reads, k + 5 > 8 ? 8 : k + 5);
	}
	expect_csw_now(3, 0, 0);
	assert_memory_equal(inbuf, h->disks[0].data + 16 * 512, 8 * 512);
}

/* Storage that finishes at once still overlaps the bus both ways: the
 * engine starts the bus on the next load before it calls storage. */
static void test_sync_storage_overlaps(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0x2A, 0, 0, 0, 0, 32, 0, 0, 4, 0 };

	h_fill_pattern(outbuf, 4 * 512, 11);
	start(2, false);
	h->disks[0].overlapped = 0;
	h_cmd(h, 0, cdb, 10, OUT, 4 * 512, outbuf, NULL, &r);
	assert_int_equal(r.csw.status, 0);
	/* loads 0..2 were written while the next one came in */
	assert_int_equal(h->disks[0].overlapped, 3);
	cdb[0] = 0x28;
	h->disks[0].overlapped = 0;
	h_cmd(h, 0, cdb, 10, IN, 4 * 512, NULL, inbuf, &r);
	assert_int_equal(r.csw.status, 0);
	assert_memory_equal(inbuf, outbuf, 4 * 512);
	/* loads 1..3 were read while the one before went out */
	assert_int_equal(h->disks[0].overlapped, 3);
}

/* The CBW and the CSW use the first buffer, whatever the ring's position. */
static void test_cbw_csw_first_buffer(void **s)
{
	(void)s;
	start(4, false);
	cbw(4, IN, 5 * 512, 0x28, 0, 5);
	for (uint32_t k = 0; k < 5; k++)
		take_send(inbuf);
	assert_true(h->sent == h->buf);
	expect_csw_now(4, 0, 0);
	assert_true(h->recv_ptr == h->buf);
	assert_int_equal(h->recv_len, H_BUF_SIZE);
}

/* ---- failures around other loads -------------------------------------- */

/* A read fails while the loads read before it wait for the bus: they go
 * out whole, then Bulk-In halts; the residue counts them as moved. */
static void test_read_failure_after_loads_in_ring(void **s)
{
	(void)s;
	start(4, false);
	h->disks[0].fail_at = 2 * 512 + 7;
	h->disks[0].fail_sense = USBMSC_SENSE_READ_ERROR;
	cbw(5, IN, 6 * 512, 0x28, 0, 6);
	assert_int_equal(h->disks[0].reads, 3);  /* loads 0, 1, and the failed 2 */
	take_send(inbuf);
	take_send(inbuf + 512);
	assert_false(h->send_pending);
	assert_true(h->halted_in);
	assert_memory_equal(inbuf, h->disks[0].data, 2 * 512);
	assert_int_equal(h->disks[0].reads, 3);
	assert_false(h_clear_halt(h, true));
	expect_csw_now(5, 1, 4 * 512);
	h->disks[0].fail_at = -1;
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_READ_ERROR);
}

/* A write fails while the next load is already in: that load and the rest
 * are received and dropped, never written. */
static void test_write_failure_drops_loads_received(void **s)
{
	(void)s;
	uint8_t before[512];

	h_fill_pattern(outbuf, 4 * 512, 6);
	start(2, true);
	memcpy(before, h->disks[0].data + 21 * 512, 512);
	h->disks[0].fail_at = 20 * 512;
	h->disks[0].fail_sense = USBMSC_SENSE_WRITE_ERROR;
	cbw(6, OUT, 4 * 512, 0x2A, 20, 4);
	give_load(outbuf);
	give_load(outbuf + 512);
	assert_true(h_settle(h));              /* write 0 fails */
	assert_false(h->pending.active);       /* load 1 is not written */
	give_load(outbuf + 1024);
	give_load(outbuf + 1536);
	assert_false(h_settle(h));
	expect_csw_now(6, 1, 4 * 512);
	assert_int_equal(h->disks[0].writes, 1);
	assert_memory_equal(h->disks[0].data + 21 * 512, before, 512);
	h->disks[0].fail_at = -1;
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_WRITE_ERROR);
}

/* One buffer, padding: after a failed read the padding still takes the
 * buffer the failed load had. */
static void test_one_buffer_pads_after_failure(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 4, 0 };
	uint8_t zeros[3 * 512] = { 0 };

	start_flags(1, true, USBMSC_TARGET_PAD_IN);
	h->disks[0].fail_at = 512;
	h->disks[0].fail_sense = USBMSC_SENSE_READ_ERROR;
	h_cmd(h, 0, cdb, 10, IN, 4 * 512, NULL, inbuf, &r);
	assert_false(r.stuck);
	assert_int_equal(r.csw.status, 1);
	assert_int_equal(r.csw.residue, 3 * 512);
	assert_int_equal(r.in_len, 4 * 512);
	assert_false(r.halted_in);
	assert_memory_equal(inbuf, h->disks[0].data, 512);
	assert_memory_equal(inbuf + 512, zeros, 3 * 512);
	h->disks[0].fail_at = -1;
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_READ_ERROR);
}

/* ---- resets and the completion call ----------------------------------- */

/* A reset while storage works: the glue lets the operation finish without
 * reporting it; a completion reported anyway is ignored; the next command
 * runs. */
static void test_reset_while_storage_busy(void **s)
{
	(void)s;
	struct host_result r;
	uint8_t cdb[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0 };

	start(2, true);
	cbw(7, IN, 4 * 512, 0x28, 0, 4);
	assert_true(h->pending.active);
	assert_int_equal(h_class(h, 0x21, USBMSC_REQ_RESET, 0, 0, NULL), 0);
	assert_false(h->pending.active);
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE_OK);  /* stale: ignored */
	assert_false(h->send_pending);
	assert_true(h->recv_pending);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_RESET_OCCURRED);
	h_cmd(h, 0, cdb, 10, IN, 1024, NULL, inbuf, &r);
	assert_int_equal(r.csw.status, 0);
	assert_int_equal(r.in_len, 1024);
	assert_memory_equal(inbuf, h->disks[0].data, 1024);
}

/* A completion with nothing in progress changes nothing; a reported
 * failure is the command's failure. */
static void test_storage_done_misuse(void **s)
{
	(void)s;
	start(2, true);
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE_READ_ERROR);
	assert_true(h->recv_pending);
	assert_false(h->send_pending);
	cbw(8, IN, 512, 0x28, 0, 1);
	assert_true(h->pending.active);
	h->pending.active = false;
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE(0x4, 0x44, 0x00));
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE_OK); /* a second one: ignored */
	assert_true(h->halted_in);
	assert_false(h_clear_halt(h, true));
	expect_csw_now(8, 1, 512);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE(0x4, 0x44, 0x00));
}

/* ---- vendor commands that finish later -------------------------------- */

static uint32_t vdata_calls;
static uint8_t vsink[2048];

static usbmsc_sense_t v_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	(void)ctx;
	(void)lun;
	*len = usbmsc_get_be16(cdb + 2);
	return USBMSC_SENSE_OK;
}

/* Takes each piece later, as a firmware's flash driver might. */
static usbmsc_sense_t v_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			     uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)lun;
	(void)cdb;
	vdata_calls++;
	memcpy(vsink + offset, buf, len);
	return USBMSC_SENSE_PENDING;
}

static const struct usbmsc_vendor_cmd vcmds[1] = {
	{ 0xC1, USBMSC_DIR_OUT, 6, v_begin, v_data, NULL, NULL },
};
static const struct usbmsc_vendor_table vtable = { vcmds, 1, NULL };

static void test_vendor_data_later(void **s)
{
	(void)s;
	uint8_t raw[USBMSC_CBW_LEN] = { 0 };

	start(2, false);
	h_set_vendor(h, &vtable);
	h->recv_pending = false;
	assert_true(usbmsc_target_init_pipelined(&h->tp, &h->cfg, h->ls, h->buf, 2, H_BUF_SIZE));
	h_clear_ua(h);
	vdata_calls = 0;
	h_fill_pattern(outbuf, 1536, 8);
	usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
	usbmsc_put_le32(raw + 4, 9);
	usbmsc_put_le32(raw + 8, 1536);
	raw[14] = 6;
	raw[15] = 0xC1;
	usbmsc_put_be16(raw + 17, 1536);
	assert_true(h_deliver(h, raw, sizeof(raw)));
	give_load(outbuf);
	assert_int_equal(vdata_calls, 1);
	give_load(outbuf + 512);
	assert_false(h->recv_pending);
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE_OK);
	assert_int_equal(vdata_calls, 2);
	give_load(outbuf + 1024);
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE_OK);
	usbmsc_target_storage_done(&h->t, USBMSC_SENSE_OK);
	assert_int_equal(vdata_calls, 3);
	expect_csw_now(9, 0, 0);
	assert_memory_equal(vsink, outbuf, 1536);
}

/* ---- configuration ---------------------------------------------------- */

static void test_init_pipelined_checks(void **s)
{
	(void)s;
	struct usbmsc_target_pipelined p;

	start(1, false);
	h->recv_pending = false;
	assert_false(usbmsc_target_init_pipelined(NULL, &h->cfg, h->ls, h->buf, 2, H_BUF_SIZE));
	assert_false(usbmsc_target_init_pipelined(&p, &h->cfg, h->ls, h->buf, 0, H_BUF_SIZE));
	assert_false(usbmsc_target_init_pipelined(&p, &h->cfg, h->ls, h->buf,
						  USBMSC_TARGET_MAX_BUFS + 1, H_BUF_SIZE));
	assert_false(usbmsc_target_init_pipelined(&p, &h->cfg, h->ls, h->buf, 3, H_BUF_SIZE));
	assert_false(usbmsc_target_init_pipelined(&p, &h->cfg, h->ls, h->buf, 2, 256));
	assert_false(h->recv_pending); /* nothing armed by a refused configuration */
	/* One buffer is a pipelined target too: storage may finish later. */
	h->async = true;
	assert_true(usbmsc_target_init_pipelined(&h->tp, &h->cfg, h->ls, h->buf, 1, H_BUF_SIZE));
	assert_true(h->recv_pending);
	h_clear_ua(h);
	{
		struct host_result r;
		uint8_t cdb[10] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 3, 0 };

		h_cmd(h, 0, cdb, 10, IN, 3 * 512, NULL, inbuf, &r);
		assert_int_equal(r.csw.status, 0);
		assert_memory_equal(inbuf, h->disks[0].data + 3 * 512, 3 * 512);
		assert_int_equal(h->pendings, 3);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_read_overlaps), T(test_write_overlaps), T(test_read_ahead_fills_the_ring),
		T(test_sync_storage_overlaps), T(test_cbw_csw_first_buffer), T(test_read_failure_after_loads_in_ring),
		T(test_write_failure_drops_loads_received), T(test_one_buffer_pads_after_failure), T(test_reset_while_storage_busy),
		T(test_storage_done_misuse), T(test_vendor_data_later),
		T(test_init_pipelined_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
