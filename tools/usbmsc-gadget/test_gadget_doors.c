/* The two interfaces ("doors") of the gadget with --vendor-interface: ep0
 * sends each request to its interface's core, endpoint requests to the
 * right glue, bus events to both; the two cores share the LUNs and keep
 * their own sense. The real cores and glue run on a fake kernel per door;
 * ep0 runs on one end of a socket pair, the test plays f_fs on the other
 * (events in, replies out). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/usb/functionfs.h>

#include "door.h"
#include "ep0.h"
#include "usbmsc/bot.h"

#define BUF (64u * 1024u)
#define BLOCKS 64u
#define IN_COPY 4096u

struct fake {
	bool queued[BULK_IDS];
	uint8_t *buf[BULK_IDS];
	uint32_t len[BULK_IDS];
	unsigned seq[BULK_IDS], next_seq;
	uint8_t copy[BULK_IDS][IN_COPY];   /* IN data, copied at submit as f_fs does */
	struct bulk_done done[16];
	unsigned ndone;
	unsigned cancels, halts[2], clears[2];
};

static struct fake fk[FFS_DOORS];
static struct door door[FFS_DOORS];
static struct ep0 e;
static int sock[2];   /* [0]: ep0's end, [1]: f_fs's */
static uint8_t disk[2][BLOCKS * 512];
static struct usbmsc_lun_config luns[2];
static struct usbmsc_target_config base;
static uint32_t tag;

static int f_submit(void *ctx, unsigned id, unsigned ep, uint8_t *buf, uint32_t len)
{
	struct fake *f = ctx;

	assert_false(f->queued[id]);
	f->queued[id] = true;
	f->buf[id] = buf;
	f->len[id] = len;
	f->seq[id] = f->next_seq++;
	if (ep == BULK_IN)
		memcpy(f->copy[id], buf, len < IN_COPY ? len : IN_COPY);
	return 0;
}

static void push(struct fake *f, unsigned id, long res)
{
	assert_true(f->ndone < 16);
	f->done[f->ndone++] = (struct bulk_done){ id, res };
	f->queued[id] = false;
}

static int f_cancel(void *ctx, unsigned id)
{
	struct fake *f = ctx;

	f->cancels++;
	if (f->queued[id])
		push(f, id, -ECONNRESET);
	return 0;
}

static int f_wait(void *ctx, struct bulk_done *done, unsigned max, int timeout_ms)
{
	struct fake *f = ctx;
	unsigned n = f->ndone < max ? f->ndone : max;

	(void)timeout_ms;
	memcpy(done, f->done, n * sizeof(*done));
	memmove(f->done, f->done + n, (f->ndone - n) * sizeof(*done));
	f->ndone -= n;
	return (int)n;
}

static int f_halt(void *ctx, unsigned ep)
{
	((struct fake *)ctx)->halts[ep]++;
	return 0;
}

static int f_clear_halt(void *ctx, unsigned ep)
{
	((struct fake *)ctx)->clears[ep]++;
	return 0;
}

static usbmsc_sense_t mem_read(void *ctx, uint32_t lba, uint32_t off, uint8_t *buf, uint32_t len)
{
	memcpy(buf, (uint8_t *)ctx + lba * 512 + off, len);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t mem_write(void *ctx, uint32_t lba, uint32_t off, const uint8_t *buf,
				uint32_t len)
{
	memcpy((uint8_t *)ctx + lba * 512 + off, buf, len);
	return USBMSC_SENSE_OK;
}

/* Send one f_fs event to ep0 and let it handle it. */
static void event(uint8_t type, const uint8_t *setup)
{
	struct usb_functionfs_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	if (setup != NULL)
		memcpy(&ev.u.setup, setup, 8);
	assert_int_equal(write(sock[1], &ev, sizeof(ev)), (ssize_t)sizeof(ev));
	assert_int_equal(ep0_handle(&e), 0);
}

/* The bytes ep0 replied with (0: none). */
static ssize_t replied(uint8_t *out, size_t cap)
{
	ssize_t n = recv(sock[1], out, cap, MSG_DONTWAIT);

	return n < 0 ? 0 : n;
}

static int setup_fixture(void **state)
{
	struct bulk *bulks[FFS_DOORS];
	char err[128];

	(void)state;
	memset(fk, 0, sizeof(fk));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sock), 0);
	for (unsigned i = 0; i < 2; i++) {
		memset(disk[i], (int)(0x10 + i), sizeof(disk[i]));
		luns[i] = (struct usbmsc_lun_config){ BLOCKS, 512, 0, mem_read, mem_write, NULL,
						      disk[i] };
	}
	base = (struct usbmsc_target_config){ .luns = luns, .lun_count = 2, .vendor = "usbmsc",
					      .product = "Doors", .revision = "1" };
	for (unsigned i = 0; i < FFS_DOORS; i++) {
		struct bulk_ops ops = { f_submit, f_cancel, f_wait, f_halt, f_clear_halt, &fk[i],
					true };

		door_init(&door[i], i);
		assert_int_equal(door_alloc(&door[i], BUF, 1, false, 1, err, sizeof(err)), 0);
		door_set_ops(&door[i], &ops);
		assert_int_equal(door_start_target(&door[i], &base, err, sizeof(err)), 0);
		bulks[i] = &door[i].bulk;
	}
	ep0_init(&e, sock[0], bulks, FFS_DOORS);
	event(FUNCTIONFS_BIND, NULL);
	event(FUNCTIONFS_ENABLE, NULL);
	return 0;
}

static int teardown_fixture(void **state)
{
	(void)state;
	for (unsigned i = 0; i < FFS_DOORS; i++)
		door_close(&door[i]);
	close(sock[0]);
	close(sock[1]);
	return 0;
}

static void pump(unsigned k)
{
	while (fk[k].ndone != 0)
		assert_true(bulk_poll(&door[k].bulk) >= 0);
}

static void host_out(unsigned k, const uint8_t *data, uint32_t n)
{
	struct fake *f = &fk[k];

	assert_true(f->queued[BULK_ID_OUT]);
	assert_true(n <= f->len[BULK_ID_OUT]);
	memcpy(f->buf[BULK_ID_OUT], data, n);
	push(f, BULK_ID_OUT, (long)n);
	pump(k);
}

/* The oldest queued IN transfer of door k, taken by the host. */
static uint32_t host_in(unsigned k, uint8_t *out)
{
	struct fake *f = &fk[k];
	unsigned best = BULK_IDS;
	uint32_t n;

	for (unsigned id = BULK_ID_IN; id < BULK_IDS; id++) {
		if (f->queued[id] && (best == BULK_IDS || f->seq[id] < f->seq[best]))
			best = id;
	}
	assert_true(best < BULK_IDS);
	n = f->len[best];
	assert_true(n <= IN_COPY);
	memcpy(out, f->copy[best], n);
	push(f, best, (long)n);
	pump(k);
	return n;
}

/* One command on door k in its framing; returns the CSW status. */
static uint8_t command(unsigned k, const uint8_t *cdb, uint8_t cdb_len, enum usbmsc_dir dir,
		       uint32_t len, uint8_t *data)
{
	enum usbmsc_framing f = door_framing(&door[k]);
	uint8_t raw[USBMSC_CBW_LEN], in[IN_COPY];
	struct usbmsc_cbw cbw;
	struct usbmsc_csw csw;

	assert_true(usbmsc_cbw_fill(&cbw, ++tag, 0, dir, len, cdb, cdb_len));
	usbmsc_cbw_encode_framed(&cbw, f, raw);
	host_out(k, raw, sizeof(raw));
	if (dir == USBMSC_DIR_IN)
		assert_int_equal(host_in(k, data), len);
	else if (dir == USBMSC_DIR_OUT)
		host_out(k, data, len);
	assert_int_equal(host_in(k, in), USBMSC_CSW_LEN);
	assert_int_equal(usbmsc_csw_decode_framed(in, USBMSC_CSW_LEN, f, tag, len, &csw),
			 USBMSC_CSWCHK_OK);
	return csw.status;
}

static uint8_t tur(unsigned k)
{
	static const uint8_t cdb[6] = { 0 };

	return command(k, cdb, 6, USBMSC_DIR_NONE, 0, NULL);
}

/* Each class or vendor request reaches the core of the interface in
 * wIndex, which answers those of its own framing only. */
static void test_requests_reach_their_door(void **state)
{
	uint8_t class_gml0[8] = { 0xA1, 0xFE, 0, 0, 0, 0, 1, 0 };
	uint8_t vendor_gml1[8] = { 0xC1, 0xFE, 0, 0, 1, 0, 1, 0 };
	uint8_t class_gml1[8] = { 0xA1, 0xFE, 0, 0, 1, 0, 1, 0 };
	uint8_t vendor_gml0[8] = { 0xC1, 0xFE, 0, 0, 0, 0, 1, 0 };
	uint8_t vendor_gml2[8] = { 0xC1, 0xFE, 0, 0, 2, 0, 1, 0 };
	uint8_t reply[8];

	(void)state;
	assert_true(fk[0].queued[BULK_ID_OUT]);  /* ENABLE armed both doors */
	assert_true(fk[1].queued[BULK_ID_OUT]);

	event(FUNCTIONFS_SETUP, class_gml0);
	assert_int_equal(replied(reply, sizeof(reply)), 1);
	assert_int_equal(reply[0], 1);  /* two LUNs */
	event(FUNCTIONFS_SETUP, vendor_gml1);
	assert_int_equal(replied(reply, sizeof(reply)), 1);
	assert_int_equal(reply[0], 1);
	assert_int_equal(e.stalls, 0);

	event(FUNCTIONFS_SETUP, class_gml1);   /* a class request to the vendor interface */
	event(FUNCTIONFS_SETUP, vendor_gml0);  /* a vendor request to mass storage */
	event(FUNCTIONFS_SETUP, vendor_gml2);  /* no interface 2 */
	assert_int_equal(e.stalls, 3);
	assert_int_equal(replied(reply, sizeof(reply)), 0);
}

/* A Reset cancels the transfers of its own interface only. */
static void test_reset_is_per_door(void **state)
{
	uint8_t vendor_reset1[8] = { 0x41, 0xFF, 0, 0, 1, 0, 0, 0 };
	uint8_t class_reset0[8] = { 0x21, 0xFF, 0, 0, 0, 0, 0, 0 };
	unsigned c0 = fk[0].cancels, c1 = fk[1].cancels;

	(void)state;
	event(FUNCTIONFS_SETUP, vendor_reset1);
	assert_true(fk[1].cancels > c1);
	assert_int_equal(fk[0].cancels, c0);
	pump(1);
	assert_true(fk[1].queued[BULK_ID_OUT]);  /* the core armed its next CBW */
	assert_int_equal(e.stalls, 0);

	c1 = fk[1].cancels;
	event(FUNCTIONFS_SETUP, class_reset0);
	assert_true(fk[0].cancels > c0);
	assert_int_equal(fk[1].cancels, c1);
	pump(0);
	assert_true(fk[0].queued[BULK_ID_OUT]);
}

/* CLEAR_FEATURE(ENDPOINT_HALT): wIndex is the endpoint's position, ep3 and
 * ep4 are the vendor pair. */
static void test_clear_feature_routes(void **state)
{
	uint8_t clear[8] = { 0x02, 0x01, 0, 0, 0, 0, 0, 0 };

	(void)state;
	clear[4] = 3;
	event(FUNCTIONFS_SETUP, clear);
	assert_int_equal(fk[1].clears[BULK_IN], 1);
	clear[4] = 4;
	event(FUNCTIONFS_SETUP, clear);
	assert_int_equal(fk[1].clears[BULK_OUT], 1);
	clear[4] = 1;
	event(FUNCTIONFS_SETUP, clear);
	assert_int_equal(fk[0].clears[BULK_IN], 1);
	assert_int_equal(fk[0].clears[BULK_OUT], 0);
	assert_int_equal(e.stalls, 0);
	clear[4] = 5;
	event(FUNCTIONFS_SETUP, clear);
	assert_int_equal(e.stalls, 1);
}

/* One medium, two connections: a write through the vendor interface is
 * read back through mass storage; each core has its own unit attention. */
static void test_shared_luns_own_sense(void **state)
{
	static const uint8_t sense_cdb[6] = { 0x03, 0, 0, 0, 18, 0 };
	uint8_t write10[10] = { 0x2A, 0, 0, 0, 0, 3, 0, 0, 1, 0 };
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0 };
	uint8_t data[512], back[512];

	(void)state;
	assert_int_equal(tur(FFS_DOOR_MSC), 1);     /* power-on unit attention */
	assert_int_equal(command(FFS_DOOR_MSC, sense_cdb, 6, USBMSC_DIR_IN, 18, data), 0);
	assert_int_equal(data[2] & 0x0F, 6);
	assert_int_equal(data[12], 0x29);
	assert_int_equal(tur(FFS_DOOR_MSC), 0);
	assert_int_equal(tur(FFS_DOOR_VENDOR), 1);  /* still pending there */
	assert_int_equal(command(FFS_DOOR_VENDOR, sense_cdb, 6, USBMSC_DIR_IN, 18, data), 0);
	assert_int_equal(tur(FFS_DOOR_VENDOR), 0);

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(command(FFS_DOOR_VENDOR, write10, 10, USBMSC_DIR_OUT, 512, data), 0);
	assert_memory_equal(disk[0] + 3 * 512, data, 512);
	assert_int_equal(command(FFS_DOOR_MSC, read10, 10, USBMSC_DIR_IN, 512, back), 0);
	assert_memory_equal(back, data, 512);
}

/* Starting a door's core again (as a reboot does) gives it a fresh
 * connection: unit attention again, the other door untouched. */
static void test_restart_target(void **state)
{
	static const uint8_t sense_cdb[6] = { 0x03, 0, 0, 0, 18, 0 };
	uint8_t data[18];
	char err[128];

	(void)state;
	for (unsigned k = 0; k < FFS_DOORS; k++) {
		assert_int_equal(command(k, sense_cdb, 6, USBMSC_DIR_IN, 18, data), 0);
		assert_int_equal(tur(k), 0);
	}
	bulk_disable(&door[FFS_DOOR_VENDOR].bulk);
	assert_int_equal(door_start_target(&door[FFS_DOOR_VENDOR], &base, err, sizeof(err)), 0);
	bulk_enable(&door[FFS_DOOR_VENDOR].bulk);
	assert_int_equal(tur(FFS_DOOR_VENDOR), 1);
	assert_int_equal(tur(FFS_DOOR_MSC), 0);
}

/* DISABLE and UNBIND reach both doors: nothing stays queued. */
static void test_disable_reaches_both(void **state)
{
	(void)state;
	assert_true(fk[0].queued[BULK_ID_OUT] && fk[1].queued[BULK_ID_OUT]);
	event(FUNCTIONFS_DISABLE, NULL);
	assert_false(e.enabled);
	assert_false(fk[0].queued[BULK_ID_OUT]);
	assert_false(fk[1].queued[BULK_ID_OUT]);
	event(FUNCTIONFS_ENABLE, NULL);
	assert_true(fk[0].queued[BULK_ID_OUT] && fk[1].queued[BULK_ID_OUT]);
	event(FUNCTIONFS_UNBIND, NULL);
	assert_false(e.bound);
	assert_false(fk[0].queued[BULK_ID_OUT] || fk[1].queued[BULK_ID_OUT]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests_reach_their_door, setup_fixture,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_reset_is_per_door, setup_fixture,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_clear_feature_routes, setup_fixture,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_shared_luns_own_sense, setup_fixture,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_restart_target, setup_fixture,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_disable_reaches_both, setup_fixture,
						teardown_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
