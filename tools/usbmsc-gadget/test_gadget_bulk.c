/* The bulk glue between the target core and the endpoint files, with the
 * real core and a fake kernel: queued transfers wait until the test plays
 * the host's side; an IN transfer's data is copied when it is submitted,
 * as f_fs does; halts are recorded the way a UDC keeps them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "bulk.h"
#include "usbmsc/bot.h"

#define BUF (128u * 1024u)   /* the gadget's default: READ chunks of 32 KiB */
#define BLOCKS 1024u

struct fake_xfer {
	bool queued;
	unsigned ep;
	uint8_t *buf;           /* OUT: where the data goes */
	uint8_t copy[BUF];      /* IN: the data, copied at submit */
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
	unsigned in_at_read[8];  /* IN submits made before each of the first disk reads */
};

static struct fake fk;
static uint8_t core_buf[BUF];

static int f_submit(void *ctx, unsigned id, unsigned ep, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	assert_false(fk.x[id].queued);
	assert_true(len <= BUF);
	fk.x[id].queued = true;
	fk.x[id].ep = ep;
	fk.x[id].buf = buf;
	fk.x[id].len = len;
	fk.x[id].seq = fk.seq++;
	if (ep == BULK_IN)
		memcpy(fk.x[id].copy, buf, len);
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

static const struct bulk_ops ops = { f_submit, f_cancel, f_wait, f_halt, f_clear_halt, NULL, true };
/* A kernel that reads the data only when it sends it. */
static const struct bulk_ops ops_late = { f_submit, f_cancel, f_wait, f_halt, f_clear_halt, NULL,
					  false };

static usbmsc_sense_t disk_read(void *ctx, uint32_t lba, uint32_t off, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	if (fk.disk_reads < 8)
		fk.in_at_read[fk.disk_reads] = fk.submits[BULK_IN];
	fk.disk_reads++;
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
	union {
		struct usbmsc_target t;
		struct usbmsc_target_pipelined tp;  /* start_pipelined: t is its first member */
	};
	struct usbmsc_target_config cfg;
	struct usbmsc_lun_config lun;
	struct usbmsc_lun_state ls;
	struct bulk_lun wrap;
	uint32_t tag;
	enum usbmsc_framing framing;
};

static struct rig rig;

/* Deliver what the fake kernel completed, as the event loop does. */
static void pump(void)
{
	while (fk.ndone != 0)
		bulk_poll(&rig.b);
}

static void start_framed(bool copies, enum usbmsc_framing framing)
{
	memset(&fk, 0, sizeof(fk));
	memset(&rig, 0, sizeof(rig));
	for (unsigned i = 0; i < sizeof(fk.disk); i++)
		fk.disk[i] = (uint8_t)(i * 13 + i / 512);
	bulk_init(&rig.b, copies ? &ops : &ops_late, core_buf, BUF);
	rig.framing = framing;
	if (framing != USBMSC_FRAMING_BOT)
		bulk_set_framing(&rig.b, framing);
	rig.cfg.framing = (uint8_t)framing;
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

static void start(bool copies)
{
	start_framed(copies, USBMSC_FRAMING_BOT);
}

/* ---- a pipelined core whose storage finishes later, as on the worker --- */

static void clear_ua(void);

#define PBUF (32u * 1024u)
#define PBUFS 4u

static uint8_t pbufs[PBUFS * PBUF];

struct later {
	bool pending, write;
	uint32_t pos, len;
	uint8_t *buf;
	unsigned ops, drains;
};
static struct later lt;

static usbmsc_sense_t later_read(void *ctx, uint32_t lba, uint32_t off, uint8_t *buf,
				 uint32_t len)
{
	(void)ctx;
	assert_false(lt.pending);
	lt = (struct later){ true, false, lba * 512 + off, len, buf, lt.ops + 1, lt.drains };
	return USBMSC_SENSE_PENDING;
}

static usbmsc_sense_t later_write(void *ctx, uint32_t lba, uint32_t off, const uint8_t *buf,
				  uint32_t len)
{
	(void)ctx;
	assert_false(lt.pending);
	lt = (struct later){ true, true, lba * 512 + off, len, (uint8_t *)buf, lt.ops + 1,
			     lt.drains };
	return USBMSC_SENSE_PENDING;
}

static void later_finish(void)
{
	lt.pending = false;
	if (lt.write)
		memcpy(fk.disk + lt.pos, lt.buf, lt.len);
	else
		memcpy(lt.buf, fk.disk + lt.pos, lt.len);
}

/* The operation in progress ends and is reported, as the event loop does
 * when the worker's eventfd fires. */
static bool later_done(void)
{
	if (!lt.pending)
		return false;
	later_finish();
	bulk_storage_done(&rig.b, USBMSC_SENSE_OK);
	pump();
	return true;
}

static void later_drain(void *ctx)
{
	(void)ctx;
	lt.drains++;
	if (lt.pending)
		later_finish();  /* ends, unreported */
}

/* deferred: the plain disk LUN through bulk_wrap_lun_deferred (--io sync);
 * otherwise storage that finishes when the test says (--io thread). */
static void start_pipelined_lun(bool deferred)
{
	memset(&fk, 0, sizeof(fk));
	memset(&rig, 0, sizeof(rig));
	memset(&lt, 0, sizeof(lt));
	for (unsigned i = 0; i < sizeof(fk.disk); i++)
		fk.disk[i] = (uint8_t)(i * 7 + i / 512);
	bulk_init(&rig.b, &ops, pbufs, PBUF);
	rig.b.drain_storage = later_drain;
	rig.framing = USBMSC_FRAMING_BOT;
	if (deferred) {
		rig.lun = (struct usbmsc_lun_config){ BLOCKS, 512, 0, disk_read, disk_write, NULL,
						      NULL };
		bulk_wrap_lun_deferred(&rig.wrap, &rig.b, &rig.lun);
	} else {
		rig.lun = (struct usbmsc_lun_config){ BLOCKS, 512, 0, later_read, later_write, NULL,
						      NULL };
	}
	rig.cfg.luns = &rig.lun;
	rig.cfg.lun_count = 1;
	rig.cfg.vendor = "usbmsc";
	rig.cfg.product = "Test";
	rig.cfg.revision = "1";
	rig.cfg.port = bulk_port(&rig.b);
	assert_true(usbmsc_target_init_pipelined(&rig.tp, &rig.cfg, &rig.ls, pbufs, PBUFS, PBUF));
	bulk_attach(&rig.b, &rig.t);
	bulk_enable(&rig.b);
	pump();
	clear_ua();
}

static void start_pipelined(void)
{
	start_pipelined_lun(false);
}

/* The host sends n bytes on Bulk-Out: they complete the queued read. */
static void host_out(const uint8_t *data, uint32_t n)
{
	struct fake_xfer *x = &fk.x[BULK_ID_OUT];

	assert_true(x->queued);
	assert_true(n <= x->len);
	if (n) /* a zero-length packet has no data to copy (data may be NULL) */
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
	/* what f_fs copied at submit, or (a late-reading kernel) the buffer now */
	memcpy(out, rig.b.ops->in_copies ? fk.x[best].copy : fk.x[best].buf, n);
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
	usbmsc_cbw_encode_framed(&cbw, rig.framing, raw);
	host_out(raw, sizeof(raw));
}

static void expect_csw(uint32_t residue, uint8_t status)
{
	static uint8_t raw[BUF];
	struct usbmsc_csw csw;

	assert_int_equal(host_in(raw), USBMSC_CSW_LEN);
	assert_int_equal(usbmsc_csw_decode_framed(raw, USBMSC_CSW_LEN, rig.framing, rig.tag,
						  0xFFFFFFFF, &csw),
			 USBMSC_CSWCHK_OK);
	assert_int_equal(csw.residue, residue);
	assert_int_equal(csw.status, status);
}

/* Clear the power-on unit attention with REQUEST SENSE. */
static void clear_ua(void)
{
	uint8_t cdb[6] = { 0x03, 0, 0, 0, 18, 0 };
	static uint8_t data[BUF];

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
	/* not the whole buffer: a packet multiple is enough for a CBW, and
	 * f_fs allocates what is asked for */
	assert_int_equal(fk.x[BULK_ID_OUT].len, BULK_CBW_ARM);
	assert_ptr_equal(fk.x[BULK_ID_OUT].buf, core_buf);
}

/* The data, the CSW and the next CBW read are all queued before the host
 * has taken anything: the endpoints never wait for us. */
static void test_in_pipelined(void **state)
{
	uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
	static uint8_t data[BUF];

	(void)state;
	start(true);
	send_cbw(USBMSC_DIR_IN, 36, inquiry, 6);
	assert_int_equal(in_queued(), 2);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(host_in(data), 36);
	assert_memory_equal(data + 8, "usbmsc  Test            1   ", 28);
	expect_csw(0, 0);
	assert_int_equal(rig.b.stats.early, 2);
}

/* With a kernel that does not copy at submit, every load waits for its
 * completion before the core may touch its buffer again. */
static void test_in_late_copy(void **state)
{
	uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
	static uint8_t data[BUF];

	(void)state;
	start(false);
	send_cbw(USBMSC_DIR_IN, 36, inquiry, 6);
	assert_int_equal(in_queued(), 1);
	assert_false(fk.x[BULK_ID_OUT].queued);
	assert_ptr_equal(fk.x[BULK_ID_IN].buf, core_buf);
	assert_int_equal(host_in(data), 36);
	assert_memory_equal(data + 8, "usbmsc  Test            1   ", 28);
	expect_csw(0, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(rig.b.stats.early, 0);
}

/* A READ of several loads: each load is read in 32 KiB chunks, each chunk
 * queued as soon as it is read; two loads are queued before the host takes
 * anything, the rest as it takes them, in order, each from the core's one
 * buffer (the fake copies at submit, as f_fs does). */
static void test_read_chunks(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 7, 0, 0x02, 0x58, 0 };  /* LBA 7, 600 blocks */
	static uint8_t data[BUF];
	const uint32_t total = 600 * 512;  /* two full loads and 45056 bytes */
	uint32_t got = 0;

	(void)state;
	start(true);
	clear_ua();
	send_cbw(USBMSC_DIR_IN, total, read10, 10);
	assert_int_equal(in_queued(), 8);
	assert_int_equal(fk.disk_reads, 8);
	assert_int_equal(rig.b.sent_owed, 1);  /* the core waits: enough is in flight */
	while (got < total) {
		uint32_t n = host_in(data);

		assert_true(n == 32 * 1024 || got + n == total || n == 45056 - 32 * 1024);
		assert_memory_equal(data, fk.disk + 7 * 512 + got, n);
		got += n;
		assert_true(in_queued() <= BULK_IN_DEPTH);
	}
	assert_int_equal(got, total);
	expect_csw(0, 0);
	assert_int_equal(fk.disk_reads, 10);
	assert_int_equal(rig.b.stats.chunks, 10);
	assert_int_equal(rig.b.in_flight, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
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
	/* the data load is not cut short like the read for a CBW */
	assert_int_equal(fk.x[BULK_ID_OUT].len, sizeof(data));
	host_out(data, (uint32_t)sizeof(data));
	expect_csw(0, 0);
	assert_memory_equal(fk.disk + 10 * 512, data, sizeof(data));
	assert_int_equal(fk.x[BULK_ID_OUT].len, BULK_CBW_ARM);  /* the next CBW */
}

/* A zero-length packet on Bulk-Out is not a CBW: the read is queued again. */
static void test_zero_length_packet(void **state)
{
	(void)state;
	start(true);
	host_out(NULL, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(fk.x[BULK_ID_OUT].len, BULK_CBW_ARM);
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

/* Case 5 (less data than the host expects, then halt): the data is still
 * queued when the core asks for the halt, so the halt waits until the host
 * has taken it; then the CSW goes behind the halt. */
static void test_case5_halt_after_data(void **state)
{
	uint8_t inquiry[6] = { 0x12, 0, 0, 0x02, 0x00, 0 };  /* allocation length 512 */
	static uint8_t data[BUF];

	(void)state;
	start(true);
	clear_ua();
	send_cbw(USBMSC_DIR_IN, 512, inquiry, 6);
	assert_int_equal(in_queued(), 1);
	assert_false(fk.halted[BULK_IN]);  /* not before the data is gone */
	assert_int_equal(host_in(data), 36);
	assert_true(fk.halted[BULK_IN]);
	assert_int_equal(in_queued(), 1);  /* the CSW, behind the halt */
	fk.halted[BULK_IN] = false;        /* the host's CLEAR_FEATURE, in the UDC */
	expect_csw(512 - 36, 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
}

/* An invalid CBW halts both endpoints until Reset Recovery; a CBW sent
 * after a mere CLEAR_FEATURE halts them again. */
static void test_invalid_cbw_sticky(void **state)
{
	uint8_t junk[30] = { 'U', 'S', 'B', 'C' };
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

	/* CLEAR_FEATURE(Bulk-In) alone, then the host reads: the tick halts it
	 * again, as long as the core waits for Reset Recovery */
	fk.halted[BULK_IN] = false;
	assert_int_equal(bulk_timeout(&rig.b), BULK_REHALT_MS);
	bulk_tick(&rig.b);
	assert_true(fk.halted[BULK_IN]);
	assert_true(fk.halted[BULK_OUT]);

	/* Reset Recovery: the watch is cancelled, the core arms a CBW read */
	assert_int_equal(bulk_class_request(&rig.b, reset, reply), 0);
	pump();
	assert_true(fk.cancels >= 1);
	assert_false(rig.b.sticky);
	assert_int_equal(bulk_timeout(&rig.b), -1);
	fk.halted[BULK_IN] = false;
	bulk_tick(&rig.b);               /* no more renewing */
	assert_false(fk.halted[BULK_IN]);
	assert_true(fk.x[BULK_ID_OUT].queued);
	fk.halted[BULK_IN] = fk.halted[BULK_OUT] = false;
	send_cbw(USBMSC_DIR_NONE, 0, tur, 6);
	expect_csw(0, 1);  /* unit attention 06/29/00 after the reset */
}

/* The pipelined core through the glue, storage finishing later: a READ's
 * loads go out as each is read, the next one read while the previous is
 * queued; a WRITE's next load is queued for the host while the previous
 * one is written. */
static void test_pipelined_read_write(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 0xF0, 0 };  /* LBA 3, 240 blocks */
	uint8_t write10[10] = { 0x2A, 0, 0, 0, 2, 0, 0, 0, 0xF0, 0 }; /* LBA 512 */
	static uint8_t data[PBUF], sent[240 * 512];
	const uint32_t total = 240 * 512;  /* 120 KiB: three full loads and one of 24 KiB */
	uint32_t got = 0, n;

	(void)state;
	start_pipelined();
	send_cbw(USBMSC_DIR_IN, total, read10, 10);
	assert_true(lt.pending);
	assert_int_equal(in_queued(), 0);
	while (got < total) {
		if (in_queued() == 0) {
			assert_true(later_done());
			continue;
		}
		/* a load is out; the core reads the next one meanwhile */
		assert_true(lt.pending || got + PBUF >= total);
		n = host_in(data);
		memcpy(sent + got, data, n);
		got += n;
	}
	assert_int_equal(got, total);
	assert_memory_equal(sent, fk.disk + 3 * 512, total);
	expect_csw(0, 0);
	assert_int_equal(lt.ops, 4);

	for (uint32_t i = 0; i < total; i++)
		sent[i] = (uint8_t)(i ^ 0x5A);
	send_cbw(USBMSC_DIR_OUT, total, write10, 10);
	for (uint32_t at = 0; at < total; at += PBUF) {
		uint32_t n = total - at < PBUF ? total - at : PBUF;

		/* the host finds a read queued for each load: storage never
		 * holds up the bus but when every buffer is full */
		while (!fk.x[BULK_ID_OUT].queued)
			assert_true(later_done());
		assert_int_equal(fk.x[BULK_ID_OUT].len, n);
		host_out(sent + at, n);
		if (at == 0)
			assert_true(lt.pending && fk.x[BULK_ID_OUT].queued);
	}
	while (later_done())
		;
	expect_csw(0, 0);
	assert_memory_equal(fk.disk + 512 * 512, sent, total);
	assert_int_equal(lt.ops, 8);
}

/* --io sync: the glue runs each file operation the core hands over right
 * after the core's call, once the sends it made are reported, so a READ
 * goes read, send, read, send: each load is on the bus before the next is
 * read (run inside the core, the reads of the free buffers would come
 * first). A WRITE lands whole. */
static void test_pipelined_deferred_lun(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 0xF0, 0 };  /* LBA 3, 240 blocks */
	uint8_t write10[10] = { 0x2A, 0, 0, 0, 2, 0, 0, 0, 0xF0, 0 }; /* LBA 512 */
	static uint8_t data[PBUF], sent[240 * 512];
	const uint32_t total = 240 * 512;  /* three full loads and one of 24 KiB */
	uint32_t got = 0, n, in0;

	(void)state;
	start_pipelined_lun(true);
	in0 = fk.submits[BULK_IN];
	send_cbw(USBMSC_DIR_IN, total, read10, 10);
	assert_int_equal(fk.disk_reads, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(fk.in_at_read[i] - in0, i);
	assert_false(rig.b.deferred.active);
	while (got < total) {
		n = host_in(data);
		memcpy(sent + got, data, n);
		got += n;
	}
	assert_memory_equal(sent, fk.disk + 3 * 512, total);
	expect_csw(0, 0);

	for (uint32_t i = 0; i < total; i++)
		sent[i] = (uint8_t)(i ^ 0xA5);
	send_cbw(USBMSC_DIR_OUT, total, write10, 10);
	for (uint32_t at = 0; at < total; at += PBUF) {
		n = total - at < PBUF ? total - at : PBUF;
		assert_true(fk.x[BULK_ID_OUT].queued);
		host_out(sent + at, n);
	}
	expect_csw(0, 0);
	assert_memory_equal(fk.disk + 512 * 512, sent, total);
}

/* A reset while storage works: the glue cancels the transfers and lets the
 * operation end unreported before the core starts over. */
static void test_pipelined_reset_drains_storage(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 0x80, 0 };
	uint8_t reply[8], reset[8] = { 0x21, 0xFF, 0, 0, 0, 0, 0, 0 };
	uint8_t tur[6] = { 0 };
	unsigned drains;

	(void)state;
	start_pipelined();
	send_cbw(USBMSC_DIR_IN, 128 * 512, read10, 10);

	assert_true(later_done());
	assert_true(lt.pending);
	drains = lt.drains;
	assert_int_equal(bulk_class_request(&rig.b, reset, reply), 0);
	pump();
	assert_int_equal(lt.drains, drains + 1);
	assert_false(lt.pending);
	assert_int_equal(in_queued(), 0);
	bulk_storage_done(&rig.b, USBMSC_SENSE_OK);  /* a late report: ignored */
	assert_int_equal(in_queued(), 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	send_cbw(USBMSC_DIR_NONE, 0, tur, 6);
	expect_csw(0, 1);  /* the reset's unit attention */
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

/* The vendor interface's glue: the same data path in the vendor framing;
 * only its own Reset (vendor type) cancels the transfers. */
static void test_vendor_framing(void **state)
{
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 40, 0 };
	uint8_t reply[8];
	uint8_t class_reset[8] = { 0x21, 0xFF, 0, 0, 1, 0, 0, 0 };
	uint8_t vendor_reset[8] = { 0x41, 0xFF, 0, 0, 1, 0, 0, 0 };
	uint8_t vendor_maxlun[8] = { 0xC1, 0xFE, 0, 0, 1, 0, 1, 0 };
	static uint8_t data[BUF];
	uint32_t got = 0;
	unsigned queued;

	(void)state;
	start_framed(true, USBMSC_FRAMING_VENDOR);
	assert_string_equal(rig.b.ep_name[BULK_IN], "vendor Bulk-In");
	clear_ua();  /* REQUEST SENSE with "UMVC", its CSW "UMVS" */

	/* a READ in chunks, as on the mass-storage interface */
	send_cbw(USBMSC_DIR_IN, 40 * 512, read10, 10);
	queued = in_queued();
	assert_true(queued >= 2);

	/* the mass-storage Reset is not this interface's: refused, and
	 * nothing is cancelled */
	assert_int_equal(bulk_class_request(&rig.b, class_reset, reply), -1);
	assert_int_equal(fk.cancels, 0);
	assert_int_equal(in_queued(), queued);
	while (got < 40 * 512)
		got += host_in(data + got);
	assert_int_equal(got, 40 * 512);
	assert_memory_equal(data, fk.disk + 512, 40 * 512);  /* from LBA 1 */
	expect_csw(0, 0);

	/* its own Reset cancels what is queued, as the core wants */
	send_cbw(USBMSC_DIR_IN, 40 * 512, read10, 10);
	assert_true(in_queued() >= 2);
	assert_int_equal(bulk_class_request(&rig.b, vendor_reset, reply), 0);
	pump();
	assert_true(fk.cancels >= 2);
	assert_int_equal(in_queued(), 0);
	assert_true(fk.x[BULK_ID_OUT].queued);
	assert_int_equal(bulk_class_request(&rig.b, vendor_maxlun, reply), 1);
	assert_int_equal(reply[0], 0);
}

/* A mass-storage CBW ("USBC") on the vendor interface is not a valid CBW
 * there: both endpoints halt until Reset Recovery. */
static void test_vendor_rejects_bot_signature(void **state)
{
	uint8_t tur[6] = { 0 }, raw[USBMSC_CBW_LEN];
	struct usbmsc_cbw cbw;

	(void)state;
	start_framed(true, USBMSC_FRAMING_VENDOR);
	assert_true(usbmsc_cbw_fill(&cbw, 5, 0, USBMSC_DIR_NONE, 0, tur, 6));
	usbmsc_cbw_encode(&cbw, raw);
	host_out(raw, sizeof(raw));
	assert_true(fk.halted[BULK_IN]);
	assert_true(fk.halted[BULK_OUT]);
	assert_int_equal(in_queued(), 0);
	assert_true(rig.b.sticky);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_arms_cbw),
		cmocka_unit_test(test_in_pipelined),
		cmocka_unit_test(test_in_late_copy),
		cmocka_unit_test(test_read_chunks),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_zero_length_packet),
		cmocka_unit_test(test_case4_halt_then_csw),
		cmocka_unit_test(test_case5_halt_after_data),
		cmocka_unit_test(test_invalid_cbw_sticky),
		cmocka_unit_test(test_reset_cancels),
		cmocka_unit_test(test_pipelined_read_write),
		cmocka_unit_test(test_pipelined_reset_drains_storage),
		cmocka_unit_test(test_pipelined_deferred_lun),
		cmocka_unit_test(test_disable_enable),
		cmocka_unit_test(test_vendor_framing),
		cmocka_unit_test(test_vendor_rejects_bot_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
