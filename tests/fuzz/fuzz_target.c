/* libFuzzer harness for the target core: the input is a sequence of host
 * events (CBWs, OUT packets, completed IN transfers, CLEAR_FEATURE(HALT),
 * class requests, bus resets, unit attentions, storage faults) played
 * against a three-LUN target with 512-byte buffers: the first byte picks
 * the one-buffer engine or the pipelined one (1, 2 or 4 buffers, storage
 * that finishes at once or later: a completion is an event too):
 *   LUN 0: RAM disk, 32 blocks of 512, read-write;
 *   LUN 1: read-only, 8 blocks of 4096;
 *   LUN 2: a control LUN (USBMSC_LUN_PROCESSOR), no storage callbacks;
 * plus two vendor commands (0xC0 IN, 0xC1 OUT).
 *
 * A model of the host and of the USB glue checks, after every event, that
 * the engine keeps the port contract and BOT: one transfer per endpoint at
 * a time, never a send longer than the buffer, never more IN data than the
 * host asked for, a CSW only where the host expects one (13 bytes, right
 * tag, status <= 2, residue <= host length), storage and vendor callbacks
 * only inside the LUN / the command and only in the matching data stage,
 * never a write to the read-only LUN, halts sticky exactly after an invalid
 * CBW. At the end, Reset Recovery must always bring back a working device.
 * A broken invariant aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/target.h"

#define BUF_SIZE 512u
#define MAX_BUFS 4u
#define PACKET 64u

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "invariant broken: %s (line %d)\n", #cond, __LINE__); \
			abort();                                               \
		}                                                              \
	} while (0)

/* What the host is waiting for. */
enum phase { P_IDLE, P_DATA_IN, P_DATA_OUT, P_STATUS, P_WEDGED };

struct disk {
	uint8_t *data;
	uint32_t blocks, block_size;
	int64_t fail_at;
};

static uint8_t disk0_data[32 * 512];
static uint8_t disk1_data[8 * 4096];

/* A storage operation in progress (storage that finishes later). */
struct pending {
	bool active, write;
	struct disk *disk;
	uint8_t *buf;
	uint64_t pos;
	uint32_t len;
	usbmsc_sense_t outcome;
};

static struct {
	union {
		struct usbmsc_target t;
		struct usbmsc_target_pipelined tp;  /* t is its first member */
	};
	struct usbmsc_target_config cfg;
	struct usbmsc_lun_config luns[3];
	struct usbmsc_lun_state ls[3];
	struct disk disks[2];
	uint8_t buf[MAX_BUFS * BUF_SIZE];
	uint8_t bufs;          /* 0: the one-buffer engine; else pipelined with that many */
	bool later;            /* storage finishes later */
	struct pending op;
	/* glue */
	const uint8_t *send_ptr;
	uint32_t send_len;
	bool send_pending;
	uint8_t *recv_ptr;
	uint32_t recv_len;
	bool recv_pending;
	bool halted_in, halted_out;
	/* host model */
	enum phase phase;
	uint32_t tag;
	uint32_t host_len;
	enum usbmsc_dir host_dir;
	uint32_t moved;        /* data-stage bytes so far (IN received, OUT sent) */
	uint32_t storage;      /* bytes read or written by storage callbacks in this command */
	/* vendor command in progress */
	bool vendor_open;
	uint32_t vendor_len, vendor_next;
	uint32_t next_tag;
} G;

/* ---- input cursor -------------------------------------------------------- */

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t next_byte(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* ---- storage ------------------------------------------------------------- */

/* [buf, buf + len) lies in one of the engine's buffers. */
static bool in_one_buf(const uint8_t *buf, uint32_t len)
{
	unsigned n = G.bufs ? G.bufs : 1;

	if (buf < G.buf || buf + len > G.buf + n * BUF_SIZE)
		return false;
	return (uint32_t)(buf - G.buf) % BUF_SIZE + len <= BUF_SIZE;
}

static usbmsc_sense_t storage_check(struct disk *d, uint32_t lba, uint32_t offset,
				    const uint8_t *buf, uint32_t len, uint64_t *pos)
{
	uint64_t size = (uint64_t)d->blocks * d->block_size;

	*pos = (uint64_t)lba * d->block_size + offset;
	CHECK(len > 0 && len <= BUF_SIZE);
	CHECK(*pos + len <= size);
	CHECK(in_one_buf(buf, len));
	CHECK(!G.op.active);  /* one storage operation at a time */
	G.storage += len;
	CHECK(G.storage <= G.host_len);
	if (d->fail_at >= 0 && (uint64_t)d->fail_at >= *pos && (uint64_t)d->fail_at < *pos + len)
		return USBMSC_SENSE_READ_ERROR;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t disk_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
				uint32_t len)
{
	struct disk *d = ctx;
	uint64_t pos;
	usbmsc_sense_t s;

	CHECK(G.phase == P_DATA_IN && G.host_dir == USBMSC_DIR_IN);
	s = storage_check(d, lba, offset, buf, len, &pos);
	if (G.later) {
		G.op = (struct pending){ true, false, d, buf, pos, len, s };
		return USBMSC_SENSE_PENDING;
	}
	if (s == USBMSC_SENSE_OK)
		memcpy(buf, d->data + pos, len);
	return s;
}

static usbmsc_sense_t disk_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				 uint32_t len)
{
	struct disk *d = ctx;
	uint64_t pos;
	usbmsc_sense_t s;

	CHECK(d == &G.disks[0]); /* LUN 1 is read-only */
	CHECK((G.phase == P_DATA_OUT || G.phase == P_STATUS) && G.host_dir == USBMSC_DIR_OUT);
	s = storage_check(d, lba, offset, buf, len, &pos);
	if (G.later) {
		G.op = (struct pending){ true, true, d, (uint8_t *)buf, pos, len, s };
		return USBMSC_SENSE_PENDING;
	}
	if (s == USBMSC_SENSE_OK)
		memcpy(d->data + pos, buf, len);
	return s;
}

static usbmsc_sense_t disk_sync(void *ctx)
{
	(void)ctx;
	CHECK(!G.op.active);  /* between commands: nothing in progress */
	return USBMSC_SENSE_OK;
}

/* The operation in progress ends: the data moves; its outcome. */
static usbmsc_sense_t finish_op(void)
{
	struct pending *o = &G.op;

	o->active = false;
	if (o->outcome == USBMSC_SENSE_OK && o->write)
		memcpy(o->disk->data + o->pos, o->buf, o->len);
	else if (o->outcome == USBMSC_SENSE_OK)
		memcpy(o->buf, o->disk->data + o->pos, o->len);
	return o->outcome;
}

/* ... and is reported (fail: as a failure the medium reported late). */
static bool complete_op(bool fail)
{
	usbmsc_sense_t s;

	if (!G.op.active)
		return false;
	s = finish_op();
	if (fail && s == USBMSC_SENSE_OK)
		s = G.op.write ? USBMSC_SENSE_WRITE_ERROR : USBMSC_SENSE_READ_ERROR;
	usbmsc_target_storage_done(&G.t, s);
	return true;
}

/* ---- vendor commands: length from CDB bytes 2..3 ------------------------- */

static usbmsc_sense_t v_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	(void)ctx;
	CHECK(lun < 3);
	if (cdb[1] & 0x80)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	G.vendor_open = true;
	G.vendor_len = usbmsc_get_be16(cdb + 2);
	G.vendor_next = 0;
	*len = G.vendor_len;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			     uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)lun;
	CHECK(G.vendor_open);
	CHECK(offset == G.vendor_next);
	CHECK(len > 0 && offset + len <= G.vendor_len);
	CHECK(in_one_buf(buf, len));
	G.vendor_next = offset + len;
	if (cdb[0] == 0xC0) {
		CHECK(G.phase == P_DATA_IN);
		memset(buf, 0xA5, len);
	} else {
		CHECK(G.phase == P_DATA_OUT || G.phase == P_STATUS);
	}
	return (cdb[1] & 0x40) && offset > 0 ? USBMSC_SENSE_INVALID_PARAM : USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_end(void *ctx, uint8_t lun, const uint8_t *cdb)
{
	(void)ctx;
	(void)lun;
	(void)cdb;
	CHECK(G.vendor_open);
	G.vendor_open = false;
	return USBMSC_SENSE_OK;
}

static const struct usbmsc_vendor_cmd vendor_cmds[2] = {
	{ 0xC0, USBMSC_DIR_IN, 10, v_begin, v_data, v_end, NULL },
	{ 0xC1, USBMSC_DIR_OUT, 10, v_begin, v_data, v_end, NULL },
};
static const struct usbmsc_vendor_table vendor_table = { vendor_cmds, 2, NULL };

/* ---- the glue ------------------------------------------------------------ */

static void port_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	CHECK(!G.send_pending);
	CHECK(len > 0 && len <= BUF_SIZE);
	CHECK(in_one_buf(buf, len));
	/* The device speaks on Bulk-In only when the host reads. */
	CHECK(G.phase == P_DATA_IN || G.phase == P_STATUS);
	G.send_ptr = buf;
	G.send_len = len;
	G.send_pending = true;
}

static void port_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	CHECK(!G.recv_pending);
	CHECK(len > 0 && len <= BUF_SIZE);
	CHECK(in_one_buf(buf, len));
	CHECK(G.phase == P_IDLE || G.phase == P_DATA_OUT);
	G.recv_ptr = buf;
	G.recv_len = len;
	G.recv_pending = true;
}

static void port_stall(void *ctx, bool in)
{
	(void)ctx;
	if (G.phase == P_WEDGED) {
		/* The invalid CBW halts both. */
	} else if (in) {
		/* Bulk-In halts only when the host reads (cases 4, 5, 8, a
		 * failure mid-IN); after a short packet the host meets the
		 * halt when it reads the CSW. */
		CHECK(G.host_dir == USBMSC_DIR_IN && (G.phase == P_DATA_IN || G.phase == P_STATUS));
		G.phase = P_STATUS;
	} else {
		/* Bulk-Out halts only for case 10, before any data. */
		CHECK(G.phase == P_DATA_OUT && G.moved == 0);
		G.phase = P_STATUS;
	}
	if (in)
		G.halted_in = true;
	else
		G.halted_out = true;
}

static void setup_target(uint8_t flags, uint8_t bufs, bool later)
{
	memset(&G, 0, sizeof(G));
	G.bufs = bufs;
	G.later = later && bufs != 0;
	for (size_t i = 0; i < sizeof(disk0_data); i++)
		disk0_data[i] = (uint8_t)(i * 13);
	memset(disk1_data, 0x3C, sizeof(disk1_data));
	G.disks[0] = (struct disk){ disk0_data, 32, 512, -1 };
	G.disks[1] = (struct disk){ disk1_data, 8, 4096, -1 };
	G.luns[0] = (struct usbmsc_lun_config){ 32, 512, USBMSC_LUN_REMOVABLE, disk_read,
						disk_write, disk_sync, &G.disks[0] };
	G.luns[1] = (struct usbmsc_lun_config){ 8, 4096, USBMSC_LUN_READ_ONLY, disk_read,
						disk_write, NULL, &G.disks[1] };
	/* No callbacks: a block command reaching them would crash. */
	G.luns[2] = (struct usbmsc_lun_config){ 0, 0, USBMSC_LUN_PROCESSOR, NULL, NULL, NULL,
						NULL };
	G.cfg.luns = G.luns;
	G.cfg.lun_count = 3;
	G.cfg.vendor = "FUZZ";
	G.cfg.product = "Target";
	G.cfg.revision = "1";
	G.cfg.serial = "0001";
	G.cfg.vendor_cmds = &vendor_table;
	G.cfg.port = (struct usbmsc_target_port){ port_send, port_receive, port_stall, NULL };
	G.cfg.flags = flags;
	G.phase = P_IDLE;
	if (G.bufs == 0)
		CHECK(usbmsc_target_init(&G.t, &G.cfg, G.ls, G.buf, BUF_SIZE));
	else
		CHECK(usbmsc_target_init_pipelined(&G.tp, &G.cfg, G.ls, G.buf, G.bufs, BUF_SIZE));
	CHECK(G.recv_pending);
}

/* Hand n bytes to the armed Bulk-Out transfer, updating the host model
 * before the engine reacts. */
static void deliver(const uint8_t *bytes, uint32_t n)
{
	CHECK(G.recv_pending && !G.halted_out && n <= G.recv_len);
	G.recv_pending = false;
	memcpy(G.recv_ptr, bytes, n);
	if (G.phase == P_IDLE) {
		struct usbmsc_cbw cbw;

		if (usbmsc_cbw_decode(bytes, n, 15, &cbw) == USBMSC_CBW_INVALID) {
			G.phase = P_WEDGED;
		} else {
			G.tag = cbw.tag;
			G.host_len = cbw.data_len;
			G.host_dir = usbmsc_cbw_dir(&cbw);
			G.moved = 0;
			G.storage = 0;
			G.vendor_open = false;
			G.phase = G.host_dir == USBMSC_DIR_IN ? P_DATA_IN
				  : G.host_dir == USBMSC_DIR_OUT ? P_DATA_OUT : P_STATUS;
		}
		usbmsc_target_received(&G.t, n);
		if (G.phase == P_WEDGED) {
			CHECK(G.halted_in && G.halted_out);
			CHECK(!G.send_pending && !G.recv_pending);
		}
		return;
	}
	CHECK(G.phase == P_DATA_OUT);
	CHECK(n <= G.host_len - G.moved);
	G.moved += n;
	if (G.moved == G.host_len)
		G.phase = P_STATUS;
	usbmsc_target_received(&G.t, n);
}

/* The host reads the pending IN transfer. */
static void complete_send(void)
{
	uint32_t len = G.send_len;

	CHECK(G.send_pending && !G.halted_in);
	if (G.phase == P_DATA_IN) {
		CHECK(len <= G.host_len - G.moved); /* no babble */
		G.moved += len;
		if (len % PACKET != 0 || G.moved == G.host_len)
			G.phase = P_STATUS;
	} else {
		struct usbmsc_csw csw;

		CHECK(G.phase == P_STATUS);
		CHECK(usbmsc_csw_decode(G.send_ptr, len, G.tag, G.host_len, &csw) ==
		      USBMSC_CSWCHK_OK);
		/* Residue never counts more than the host's data stage left. */
		CHECK(csw.status == USBMSC_CSW_PHASE_ERROR || csw.residue >= G.host_len - G.moved ||
		      G.host_dir != USBMSC_DIR_IN);
		G.phase = P_IDLE;
	}
	G.send_pending = false;
	usbmsc_target_sent(&G.t);
}

static void clear_halt(bool in)
{
	bool stay;

	if (in)
		G.halted_in = false;
	else
		G.halted_out = false;
	stay = usbmsc_target_clear_halt(&G.t, in);
	CHECK(stay == (G.phase == P_WEDGED));
	if (stay) {
		if (in)
			G.halted_in = true;
		else
			G.halted_out = true;
	}
}

static void reset_cancel(void)
{
	/* The glue cancels bulk transfers, and lets storage end unreported,
	 * before reporting a reset. */
	if (G.op.active)
		finish_op();
	G.send_pending = false;
	G.recv_pending = false;
	G.phase = P_IDLE;
	G.vendor_open = false;
}

static void class_request(const uint8_t setup[8])
{
	uint8_t reply[64];
	bool msr = setup[0] == 0x21 && setup[1] == 0xFF && setup[2] == 0 && setup[3] == 0 &&
		   setup[6] == 0 && setup[7] == 0;
	bool gml = setup[0] == 0xA1 && setup[1] == 0xFE && setup[2] == 0 && setup[3] == 0 &&
		   setup[6] == 1 && setup[7] == 0;
	enum phase before = G.phase;
	int r;

	if (msr)
		reset_cancel();
	r = usbmsc_target_class_request(&G.t, setup, reply);
	if (msr) {
		CHECK(r == 0);
		CHECK(G.recv_pending && !G.send_pending);
	} else if (gml) {
		CHECK(r == 1 && reply[0] == G.cfg.lun_count - 1);
		CHECK(G.phase == before);
	} else {
		CHECK(r == -1);
		CHECK(G.phase == before);
	}
}

/* ---- events --------------------------------------------------------------- */

static const uint8_t opcodes[] = {
	0x00, 0x03, 0x12, 0x1A, 0x1B, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x2F, 0x35,
	0x5A, 0x88, 0x8A, 0x9E, 0xA0, 0xA8, 0xAA, 0xC0, 0xC1, 0x3B, 0x15,
};

static void shape_cdb(uint8_t *cb)
{
	uint8_t a = cb[2], b = cb[3], c = cb[4];

	memset(cb + 1, 0, 15);
	switch (cb[0]) {
	case 0x28: case 0x2A: case 0x2F: case 0x35:
		cb[5] = a % 40;
		cb[8] = b % 10;
		break;
	case 0xA8: case 0xAA:
		cb[5] = a % 40;
		cb[9] = b % 10;
		break;
	case 0x88: case 0x8A:
		cb[9] = a % 40;
		cb[13] = b % 10;
		break;
	case 0x12:
		cb[1] = c & 1;
		cb[2] = (c & 1) ? (uint8_t[]){ 0x00, 0x80, 0x83, 0xB0 }[b & 3] : 0;
		cb[4] = a;
		break;
	case 0x1A: case 0x5A:
		cb[1] = c & 0x08;
		cb[2] = (uint8_t)((c & 0xC0) | ((b & 1) ? 0x3F : 0x08));
		cb[cb[0] == 0x1A ? 4 : 8] = a;
		break;
	case 0x1B: case 0x1E:
		cb[4] = c & 0x03;
		break;
	case 0x9E:
		cb[1] = 0x10;
		cb[13] = a;
		break;
	case 0xA0:
		cb[9] = (uint8_t)(16 + a % 64);
		break;
	case 0xC0: case 0xC1:
		cb[1] = c & 0xC0;
		cb[2] = b & 0x07;
		cb[3] = a;
		break;
	default:
		cb[4] = a;
		cb[8] = a;
		break;
	}
}

static void event_cbw(struct input *in)
{
	uint8_t raw[32];
	uint8_t mode = next_byte(in);
	uint8_t lunb = next_byte(in);
	uint8_t cb_len = next_byte(in);
	uint32_t host_len = (uint32_t)next_byte(in) << 8 | next_byte(in);
	uint32_t n = USBMSC_CBW_LEN;

	if (!G.recv_pending || G.halted_out || G.recv_len < 32)
		return;
	usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
	usbmsc_put_le32(raw + 4, G.next_tag++);
	/* Mostly small lengths that the commands use, sometimes big ones. */
	if (mode & 0x08)
		host_len <<= 2;
	usbmsc_put_le32(raw + 8, host_len);
	raw[12] = (mode & 0x01) ? 0x80 : 0;
	if (mode & 0x40)
		raw[12] |= next_byte(in) & 0x7F;
	raw[13] = (mode & 0x20) ? lunb : (uint8_t)(lunb % 3);
	raw[14] = (mode & 0x10) ? cb_len : (uint8_t)(6 + (cb_len % 11));
	for (int i = 0; i < 16; i++)
		raw[15 + i] = next_byte(in);
	if (raw[15] & 0x80) {
		raw[15] = opcodes[raw[15] % sizeof(opcodes)];
		/* Mostly a CDB that makes sense: reserved bytes clear, a small
		 * block range, a sane allocation length. */
		if (raw[16] & 0x80)
			shape_cdb(raw + 15);
	}
	raw[31] = 0;
	/* Now and then an invalid CBW: bad signature, 30 or 32 bytes. */
	if ((mode & 0x86) == 0x86) {
		switch (next_byte(in) % 3) {
		case 0: raw[0] ^= 0x20; break;
		case 1: n = 30; break;
		default: n = 32; break;
		}
	}
	deliver(raw, n);
}

static void event_out_packet(struct input *in)
{
	uint8_t data[PACKET];
	uint32_t n = 1 + next_byte(in) % PACKET;

	if (!G.recv_pending || G.halted_out)
		return;
	if (G.phase == P_DATA_OUT && n > G.host_len - G.moved)
		n = G.host_len - G.moved;
	if (n > G.recv_len)
		n = G.recv_len;
	for (uint32_t i = 0; i < n; i++)
		data[i] = next_byte(in);
	if (n == 0)
		return;
	deliver(data, n);
}

/* Play a well-behaved host until the command's CSW arrives (bounded). */
static void run_to_idle(void)
{
	static const uint8_t zeros[PACKET];

	for (int steps = 0; steps < 4096 && G.phase != P_IDLE && G.phase != P_WEDGED; steps++) {
		if (G.phase == P_DATA_OUT && G.recv_pending && !G.halted_out) {
			uint32_t n = G.host_len - G.moved;

			if (n > PACKET)
				n = PACKET;
			if (n > G.recv_len)
				n = G.recv_len;
			deliver(zeros, n);
		} else if (G.send_pending && !G.halted_in) {
			complete_send();
		} else if (G.halted_out) {
			clear_halt(false);
		} else if (G.halted_in) {
			clear_halt(true);
		} else if (complete_op(false)) {
			/* storage was what the engine waited for */
		} else {
			/* Nothing in flight and nothing halted: the engine hangs. */
			CHECK(!"engine stopped in the middle of a command");
		}
	}
}

/* Reset Recovery always brings back a device that answers. */
static void final_check(void)
{
	uint8_t setup[8] = { 0x21, 0xFF, 0, 0, 0, 0, 0, 0 };
	uint8_t raw[31] = { 0 };

	class_request(setup);
	clear_halt(true);
	clear_halt(false);
	usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
	usbmsc_put_le32(raw + 4, 0xFEEDu);
	raw[14] = 6; /* TEST UNIT READY, LUN 0: unit attention after the reset */
	deliver(raw, 31);
	run_to_idle();
	CHECK(G.phase == P_IDLE);
	/* REQUEST SENSE reports the reset. */
	usbmsc_put_le32(raw + 8, 18);
	raw[12] = 0x80;
	raw[15] = 0x03;
	raw[19] = 18;
	deliver(raw, 31);
	CHECK(G.send_pending && G.send_len == 18);
	CHECK(G.send_ptr[2] == 0x06 && G.send_ptr[12] == 0x29);
	run_to_idle();
	CHECK(G.phase == P_IDLE && G.recv_pending);
}

/* REQUEST SENSE on every LUN, as a host does after power-on. */
static void clear_attention(void)
{
	for (uint8_t lun = 0; lun < 3; lun++) {
		uint8_t raw[31] = { 0 };

		usbmsc_put_le32(raw, USBMSC_CBW_SIGNATURE);
		usbmsc_put_le32(raw + 4, G.next_tag++);
		usbmsc_put_le32(raw + 8, 18);
		raw[12] = 0x80;
		raw[13] = lun;
		raw[14] = 6;
		raw[15] = 0x03;
		raw[19] = 18;
		deliver(raw, 31);
		run_to_idle();
		CHECK(G.phase == P_IDLE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t setup[8];

	/* The first byte picks stall or padding for cases 4 and 5, whether
	 * the power-on unit attention is cleared first, and the engine: one
	 * buffer, or pipelined with 1, 2 or 4 and storage that finishes at
	 * once or later. */
	uint8_t first = next_byte(&in);
	static const uint8_t bufs[4] = { 0, 1, 2, 4 };

	setup_target((first & 1) ? USBMSC_TARGET_PAD_IN : 0, bufs[(first >> 2) & 3],
		     (first & 0x10) != 0);
	if (!(first & 2))
		clear_attention();
	while (in.left > 0) {
		uint8_t op = next_byte(&in);

		switch (op % 12) {
		case 0:
		case 1:
		case 2:
			event_cbw(&in);
			break;
		case 3:
			event_out_packet(&in);
			break;
		case 4:
			if (G.send_pending && !G.halted_in)
				complete_send();
			break;
		case 5:
			clear_halt((op & 0x10) != 0);
			break;
		case 6:
			for (int i = 0; i < 8; i++)
				setup[i] = next_byte(&in);
			/* Bias towards the two real requests. */
			if (op & 0x10) {
				setup[0] = (op & 0x20) ? 0x21 : 0xA1;
				setup[1] = (op & 0x20) ? 0xFF : 0xFE;
			}
			class_request(setup);
			break;
		case 7:
			reset_cancel();
			G.halted_in = G.halted_out = false; /* a bus reset unconfigures the endpoints */
			usbmsc_target_bus_reset(&G.t);
			CHECK(G.recv_pending);
			break;
		case 8:
			usbmsc_target_unit_attention(&G.t, USBMSC_SENSE_MICROCODE_CHANGED);
			break;
		case 9: {
			uint8_t b = next_byte(&in);

			G.disks[b & 1].fail_at = (b & 0x80) ? -1 : (int64_t)next_byte(&in) * 512 + (b & 0x7E);
			break;
		}
		case 10:
			run_to_idle();
			break;
		default:
			complete_op((op & 0x10) != 0);
			break;
		}
	}
	/* Whatever happened, the command in progress must be able to end. */
	run_to_idle();
	final_check();
	return 0;
}
