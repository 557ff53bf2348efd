/* The bulk glue between the target core and the endpoint files, with the
 * real core and a fake kernel: queued transfers wait until the test plays
 * the host's side; halts are recorded the way a UDC keeps them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "bulk.h"
#include "usbmsc/bot.h"

#define BUF 4096u
#define BLOCKS 64u

struct fake_xfer {
	bool queued;
	unsigned ep;
	uint8_t *buf;
	uint32_t len;
	unsigned seq;
};

struct fake {
	struct fake_xfer x[BULK_IDS];
	unsigned seq;
	struct bulk_done done[16];
	unsigned ndone;
	bool halted[2];
	unsigned halts[2], submits[2], cancels;
	uint8_t disk[BLOCKS * 512];
	unsigned disk_reads;
	uint8_t *last_read_buf;
};

static struct fake fk;
static uint8_t core_buf[BUF];
static uint8_t stage_mem[BULK_STAGES][BUF];

static int f_submit(void *ctx, unsigned id, unsigned ep, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	assert_false(fk.x[id].queued);
	fk.x[id] = (struct fake_xfer){ true, ep, buf, len, fk.seq++ };
	fk.submits[ep]++;
	return 0;
}

static void push(unsigned id, long res)
{
	assert_true(fk.ndone < 16);
	fk.done[fk.ndone++] = (struct bulk_done){ id, res };
	fk.x[id].queued = false;
}

static int f_cancel(void *ctx, unsigned id)
{
	(void)ctx;
	fk.cancels++;
	if (fk.x[id].queued)
		push(id, -ECONNRESET);
	return 0;
}

static int f_wait(void *ctx, struct bulk_done *done, unsigned max, int timeout_ms)
{
	unsigned n = fk.ndone < max ? fk.ndone : max;

	(void)ctx;
	(void)timeout_ms;
	memcpy(done, fk.done, n * sizeof(*done));
	memmove(fk.done, fk.done + n, (fk.ndone - n) * sizeof(*done));
	fk.ndone -= n;
	return (int)n;
}

static int f_halt(void *ctx, unsigned ep)
{
	(void)ctx;
	fk.halted[ep] = true;
	fk.halts[ep]++;
	return 0;
}

static int f_clear_halt(void *ctx, unsigned ep)
{
	(void)ctx;
	fk.halted[ep] = false;
	return 0;
}

static const struct bulk_ops ops = { f_submit, f_cancel, f_wait, f_halt, f_clear_halt, NULL };

static usbmsc_sense_t disk_read(void *ctx, uint32_t lba, uint32_t off, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	fk.disk_reads++;
	fk.last_read_buf = buf;
	memcpy(buf, fk.disk + lba * 512 + off, len);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t disk_write(void *ctx, uint32_t lba, uint32_t off, const uint8_t *buf,
				 uint32_t len)
{
	(void)ctx;
	memcpy(fk.disk + lba * 512 + off, buf, len);
	return USBMSC_SENSE_OK;
}

struct rig {
	struct bulk b;
	struct usbmsc_target t;
	struct usbmsc_target_config cfg;
	struct usbmsc_lun_config lun;
	struct usbmsc_lun_state ls;
	struct bulk_lun wrap;
	uint32_t tag;
};

static struct rig rig;

/* Deliver what the fake kernel completed, as the event loop does. */
static void pump(void)
{
	while (fk.ndone != 0)
		bulk_poll(&rig.b);
}

static void start(bool staging)
{
	uint8_t *stages[BULK_STAGES] = { stage_mem[0], stage_mem[1] };

	memset(&fk, 0, sizeof(fk));
	memset(&rig, 0, sizeof(rig));
	for (unsigned i = 0; i < sizeof(fk.disk); i++)
		fk.disk[i] = (uint8_t)(i * 13 + i / 512);
	bulk_init(&rig.b, &ops, core_buf, BUF, staging ? stages : NULL);
	rig.lun = (struct usbmsc_lun_config){ BLOCKS, 512, 0, disk_read, disk_write, NULL, NULL };
	bulk_wrap_lun(&rig.wrap, &rig.b, &rig.lun);
	rig.cfg.luns = &rig.lun;
	rig.cfg.lun_count = 1;
	rig.cfg.vendor = "usbmsc";
	rig.cfg.product = "Test";
	rig.cfg.revision = "1";
	rig.cfg.port = bulk_port(&rig.b);
	assert_true(usbmsc_target_init(&rig.t, &rig.cfg, &rig.ls, core_buf, BUF));
	bulk_attach(&rig.b, &rig.t);
	/* not enabled yet: the core's first receive went nowhere */
	assert_int_equal(fk.submits[BULK_OUT], 0);
	bulk_enable(&rig.b);
	pump();
}

/* The host sends n bytes on Bulk-Out: they complete the queued read. */
static void host_out(const uint8_t *data, uint32_t n)
{
	struct fake_xfer *x = &fk.x[BULK_ID_OUT];

	assert_true(x->queued);
	assert_true(n <= x->len);
	memcpy(x->buf, data, n);
	push(BULK_ID_OUT, (long)n);
	pump();
}

/* The host reads the oldest queued IN transfer; returns its length. */
static uint32_t host_in(uint8_t *out)
{
	unsigned best = BULK_IDS;
	uint32_t n;

	for (unsigned id = BULK_ID_IN; id < BULK_IDS; id++) {
		if (fk.x[id].queued && (best == BULK_IDS || fk.x[id].seq < fk.x[best].seq))
			best = id;
	}
	assert_true(best < BULK_IDS);
	n = fk.x[best].len;
	memcpy(out, fk.x[best].buf, n);
	push(best, (long)n);
	pump();
	return n;
}

static unsigned in_queued(void)
{
	unsigned n = 0;

	for (unsigned id = BULK_ID_IN; id < BULK_IDS; id++)
		n += fk.x[id].queued;
	return n;
}

static void send_cbw(uint8_t dir, uint32_t len, const uint8_t *cdb, uint8_t cdb_len)
{
	struct usbmsc_cbw cbw;
	uint8_t raw[USBMSC_CBW_LEN];

	assert_true(usbmsc_cbw_fill(&cbw, ++rig.tag, 0, (enum usbmsc_dir)dir, len, cdb, cdb_len));
	usbmsc_cbw_encode(&cbw, raw);
	host_out(raw, sizeof(raw));
}

static void expect_csw(uint32_t residue, uint8_t status)
{
	uint8_t raw[BUF];
	struct usbmsc_csw csw;

	assert_int_equal(host_in(raw), USBMSC_CSW_LEN);
	assert_int_equal(usbmsc_csw_decode(raw, USBMSC_CSW_LEN, rig.tag, 0xFFFFFFFF, &csw),
			 USBMSC_CSWCHK_OK);
	assert_int_equal(csw.residue, residue);
	assert_int_equal(csw.status, status);
}

/* Clear the power-on unit attention with REQUEST SENSE. */
static void clear_ua(void)
{
	uint8_t cdb[6] = { 0x03, 0, 0, 0, 18, 0 }, data[BUF];

	send_cbw(USBMSC_DIR_IN, 18, cdb, 6);
	assert_int_equal(host_in(data), 18);
	assert_int_equal(data[2] & 0x0F, 6);
	assert_int_equal(data[12], 0x29);
	expect_csw(0, 0);
}

static void test_enable_arms_cbw(void **state)
{
	(void)state;
	start(true);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(fk.x[BULK_ID_OUT].len, BUF);  /* the whole buffer, for 30/32-byte CBWs */
	assert_ptr_equal(fk.x[BULK_ID_OUT].buf, core_buf);
}

/* With staging, the data, the CSW and the next CBW read are all queued
 * before the host has taken anything: the endpoints never wait for us. */
static void test_in_pipelined(void **state)
{
	uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 }, data[BUF];

	(void)state;
	start(true);
	send_cbw(USBMSC_DIR_IN, 36, inquiry, 6);
	assert_int_equal(in_queued(), 2);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(host_in(data), 36);
	assert_memory_equal(data + 8, "usbmsc  Test            1   ", 28);
	expect_csw(0, 0);
	assert_int_equal(rig.b.stats.staged, 2);
}

/* Without staging every load waits for its completion. */
static void test_in_unstaged(void **state)
{
	uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 }, data[BUF];

	(void)state;
	start(false);
	send_cbw(USBMSC_DIR_IN, 36, inquiry, 6);
	assert_int_equal(in_queued(), 1);
	assert_false(fk.x[BULK_ID_OUT].queued);
	assert_ptr_equal(fk.x[BULK_ID_IN].buf, core_buf);
	assert_int_equal(host_in(data), 36);
	expect_csw(0, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(rig.b.stats.staged, 0);
}

/* A READ goes from the file straight into the free staging buffers (one
 * copy); with both in flight the next load is sent from the core's buffer.
 * Three loads are queued before the host takes the first. */
static void test_read_through_stage(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 20, 0 };  /* LBA 3, 20 blocks */
	uint8_t data[BUF];
	uint32_t got = 0;
	uint64_t staged;

	(void)state;
	start(true);
	clear_ua();
	staged = rig.b.stats.staged;
	send_cbw(USBMSC_DIR_IN, 20 * 512, read10, 10);
	assert_int_equal(fk.disk_reads, 3);  /* 4096 + 4096 + 2048 */
	assert_int_equal(in_queued(), 3);
	assert_ptr_equal(fk.x[BULK_ID_STAGE].buf, stage_mem[0]);
	assert_ptr_equal(fk.x[BULK_ID_STAGE + 1].buf, stage_mem[1]);
	assert_ptr_equal(fk.x[BULK_ID_IN].buf, core_buf);
	assert_ptr_equal(fk.last_read_buf, core_buf);
	while (got < 20 * 512) {
		uint32_t n = host_in(data);

		assert_memory_equal(data, fk.disk + 3 * 512 + got, n);
		got += n;
	}
	assert_int_equal(got, 20 * 512);
	expect_csw(0, 0);
	assert_int_equal(rig.b.stats.staged - staged, 2 + 1);  /* two loads and the CSW */
}

static void test_write(void **state)
{
	uint8_t write10[10] = { 0x2A, 0, 0, 0, 0, 10, 0, 0, 9, 0 };  /* LBA 10, 9 blocks */
	uint8_t data[9 * 512];

	(void)state;
	start(true);
	clear_ua();
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xA5 ^ i);
	send_cbw(USBMSC_DIR_OUT, sizeof(data), write10, 10);
	host_out(data, BUF);  /* one buffer load, then the rest */
	host_out(data + BUF, (uint32_t)sizeof(data) - BUF);
	expect_csw(0, 0);
	assert_memory_equal(fk.disk + 10 * 512, data, sizeof(data));
}

/* A zero-length packet on Bulk-Out is not a CBW: the read is queued again. */
static void test_zero_length_packet(void **state)
{
	(void)state;
	start(true);
	host_out(NULL, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(fk.x[BULK_ID_OUT].len, BUF);
	assert_int_equal(fk.halts[BULK_IN] + fk.halts[BULK_OUT], 0);
}

/* Case 4 (host expects data, device has none): Bulk-In is halted and the
 * CSW queued behind the halt at once, since the UDC clears the halt on its
 * own. */
static void test_case4_halt_then_csw(void **state)
{
	uint8_t tur[6] = { 0 };

	(void)state;
	start(true);
	clear_ua();
	send_cbw(USBMSC_DIR_IN, 512, tur, 6);
	assert_true(fk.halted[BULK_IN]);
	assert_int_equal(in_queued(), 1);
	fk.halted[BULK_IN] = false;  /* the host's CLEAR_FEATURE, in the UDC */
	expect_csw(512, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
}

/* An invalid CBW halts both endpoints until Reset Recovery; a CBW sent
 * after a mere CLEAR_FEATURE halts them again. */
static void test_invalid_cbw_sticky(void **state)
{
	uint8_t junk[30] = { 'U', 'S', 'B', 'C' }, data[BUF];
	uint8_t tur[6] = { 0 }, reply[8], reset[8] = { 0x21, 0xFF, 0, 0, 0, 0, 0, 0 };
	struct usbmsc_cbw cbw;
	uint8_t raw[USBMSC_CBW_LEN];

	(void)state;
	start(true);
	host_out(junk, sizeof(junk));
	assert_true(fk.halted[BULK_IN]);
	assert_true(fk.halted[BULK_OUT]);
	assert_int_equal(in_queued(), 0);
	assert_true(fk.x[BULK_ID_OUT].queued);  /* the watch behind the halt */

	/* CLEAR_FEATURE alone (the UDC clears both), then a command */
	fk.halted[BULK_IN] = fk.halted[BULK_OUT] = false;
	assert_true(usbmsc_cbw_fill(&cbw, 77, 0, USBMSC_DIR_NONE, 0, tur, 6));
	usbmsc_cbw_encode(&cbw, raw);
	host_out(raw, sizeof(raw));
	assert_true(fk.halted[BULK_IN]);
	assert_true(fk.halted[BULK_OUT]);
	assert_int_equal(fk.halts[BULK_IN], 2);
	assert_int_equal(in_queued(), 0);       /* no CSW for it */
	assert_true(fk.x[BULK_ID_OUT].queued);

	/* Reset Recovery: the watch is cancelled, the core arms a CBW read */
	assert_int_equal(bulk_class_request(&rig.b, reset, reply), 0);
	pump();
	assert_true(fk.cancels >= 1);
	assert_false(rig.b.sticky);
	assert_true(fk.x[BULK_ID_OUT].queued);
	fk.halted[BULK_IN] = fk.halted[BULK_OUT] = false;
	send_cbw(USBMSC_DIR_NONE, 0, tur, 6);
	expect_csw(0, 1);  /* unit attention 06/29/00 after the reset */
	(void)data;
}

/* A Mass Storage Reset in the middle of a data stage cancels what is
 * queued before the core starts over. */
static void test_reset_cancels(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
	uint8_t reply[8], reset[8] = { 0x21, 0xFF, 0, 0, 0, 0, 0, 0 };
	uint8_t maxlun[8] = { 0xA1, 0xFE, 0, 0, 0, 0, 1, 0 };

	(void)state;
	start(true);
	clear_ua();
	send_cbw(USBMSC_DIR_IN, 40 * 512, read10, 10);
	assert_true(in_queued() >= 2);
	assert_int_equal(bulk_class_request(&rig.b, reset, reply), 0);
	pump();
	assert_int_equal(in_queued(), 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(rig.b.sent_pending, 0);
	assert_int_equal(bulk_class_request(&rig.b, maxlun, reply), 1);
	assert_int_equal(reply[0], 0);
}

/* DISABLE drains everything and nothing is queued until ENABLE. */
static void test_disable_enable(void **state)
{
	uint8_t tur[6] = { 0 };

	(void)state;
	start(true);
	bulk_disable(&rig.b);
	assert_false(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(fk.cancels, 1);
	usbmsc_target_bus_reset(&rig.t);  /* anything the core tries now goes nowhere */
	assert_false(fk.x[BULK_ID_OUT].queued);
	bulk_enable(&rig.b);
	assert_true(fk.x[BULK_ID_OUT].queued);
	send_cbw(USBMSC_DIR_NONE, 0, tur, 6);
	expect_csw(0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_arms_cbw),
		cmocka_unit_test(test_in_pipelined),
		cmocka_unit_test(test_in_unstaged),
		cmocka_unit_test(test_read_through_stage),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_zero_length_packet),
		cmocka_unit_test(test_case4_halt_then_csw),
		cmocka_unit_test(test_invalid_cbw_sticky),
		cmocka_unit_test(test_reset_cancels),
		cmocka_unit_test(test_disable_enable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
