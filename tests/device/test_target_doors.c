/* The target core's side doors: the control LUN (USBMSC_LUN_PROCESSOR) beside
 * a disk LUN, and a target speaking the vendor interface's framing.
 *   LUN 0: 64 x 512 removable disk; LUN 1: the control LUN (no storage). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "target_harness.h"
#include "usbmsc/byteorder.h"

static struct harness H, H2;
static struct harness *h = &H;

#define IN USBMSC_DIR_IN
#define OUT USBMSC_DIR_OUT
#define NONE USBMSC_DIR_NONE
#define CTRL_LUN 1

static uint8_t inbuf[4096];
static uint8_t outbuf[4096];

/* The control LUN's config: no storage at all. REMOVABLE is set on purpose:
 * a control LUN has no medium, so its RMB bit must stay clear. */
static void make_control_lun(struct harness *x)
{
	memset(&x->luns[CTRL_LUN], 0, sizeof(x->luns[CTRL_LUN]));
	x->luns[CTRL_LUN].flags = USBMSC_LUN_PROCESSOR | USBMSC_LUN_REMOVABLE;
}

static int setup(void **s)
{
	(void)s;
	h = &H;
	h_init(h, 2, 0);
	make_control_lun(h);
	assert_true(h_restart(h));
	h_clear_ua(h);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	assert_int_equal(h->violations, 0);
	assert_int_equal(h->disks[0].outside, 0);
	return 0;
}

/* An IN command that passes with expect bytes of data. */
static void pass_in(uint8_t lun, const uint8_t *cdb, uint8_t len, uint32_t host_len,
		    uint32_t expect)
{
	struct host_result r;

	memset(inbuf, 0xEE, sizeof(inbuf));
	h_cmd(h, lun, cdb, len, IN, host_len, NULL, inbuf, &r);
	assert_false(r.stuck);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.status, 0);
	assert_int_equal(r.in_len, expect);
	assert_int_equal(r.csw.residue, host_len - expect);
}

/* A command that fails with no data moved and leaves sense behind. */
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

/* ---- configuration ------------------------------------------------------- */

static void nop_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static void nop_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static void nop_stall(void *ctx, bool in)
{
	(void)ctx;
	(void)in;
}

static void test_init_accepts_control_lun(void **s)
{
	(void)s;
	struct usbmsc_target t;
	struct usbmsc_target_config cfg = h->cfg;
	struct usbmsc_lun_config luns[2] = { h->luns[0], h->luns[CTRL_LUN] };
	struct usbmsc_lun_state ls[2];
	uint8_t buf[512];

	cfg.luns = luns;
	cfg.port = (struct usbmsc_target_port){ nop_send, nop_receive, nop_stall, NULL };
	/* Block count 0, block size 0, no callbacks: a control LUN. */
	assert_true(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	/* Without the flag, the same empty LUN is a configuration error. */
	luns[1].flags = 0;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	luns[1].flags = USBMSC_LUN_REMOVABLE | USBMSC_LUN_READ_ONLY;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	/* A control LUN alone is a valid target as well. */
	luns[1].flags = USBMSC_LUN_PROCESSOR;
	cfg.luns = &luns[1];
	cfg.lun_count = 1;
	assert_true(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
	/* The disk LUN is still checked beside it. */
	luns[0].read = NULL;
	cfg.luns = luns;
	cfg.lun_count = 2;
	assert_false(usbmsc_target_init(&t, &cfg, ls, buf, sizeof(buf)));
}

/* ---- what the control LUN answers --------------------------------------- */

static void test_inquiry_standard(void **s)
{
	(void)s;
	const uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t disk[36];

	pass_in(0, cdb, 6, 36, 36);
	memcpy(disk, inbuf, 36);
	assert_int_equal(disk[0], 0x00); /* direct access */
	assert_int_equal(disk[1], 0x80); /* removable */

	pass_in(CTRL_LUN, cdb, 6, 36, 36);
	assert_int_equal(inbuf[0], 0x03); /* qualifier 000b, processor device */
	assert_int_equal(inbuf[1], 0x00); /* RMB 0 despite the REMOVABLE flag */
	/* Version, format, additional length, identification: as the disk's. */
	assert_memory_equal(inbuf + 2, disk + 2, 34);
	assert_memory_equal(inbuf + 8, "USBMSC  Test Disk       0.1 ", 28);
}

static void test_vpd_pages(void **s)
{
	(void)s;
	uint8_t cdb[6] = { 0x12, 0x01, 0x00, 0, 64, 0 };
	static const uint8_t ctrl_list[] = { 0x03, 0x00, 0x00, 3, 0x00, 0x80, 0x83 };
	static const uint8_t disk_list[] = { 0x00, 0x00, 0x00, 4, 0x00, 0x80, 0x83, 0xB0 };

	/* Supported pages: no block limits page on a processor device. */
	pass_in(CTRL_LUN, cdb, 6, 64, sizeof(ctrl_list));
	assert_memory_equal(inbuf, ctrl_list, sizeof(ctrl_list));
	pass_in(0, cdb, 6, 64, sizeof(disk_list));
	assert_memory_equal(inbuf, disk_list, sizeof(disk_list));

	/* Unit serial number. */
	cdb[2] = 0x80;
	pass_in(CTRL_LUN, cdb, 6, 64, 4 + 12);
	assert_int_equal(inbuf[0], 0x03);
	assert_int_equal(inbuf[1], 0x80);
	assert_int_equal(inbuf[3], 12);
	assert_memory_equal(inbuf + 4, "SN0123456789", 12);

	/* Device identification: T10 vendor ID naming the control LUN as 1. */
	cdb[2] = 0x83;
	pass_in(CTRL_LUN, cdb, 6, 64, 4 + 4 + 24 + 12 + 1);
	assert_int_equal(inbuf[0], 0x03);
	assert_int_equal(inbuf[1], 0x83);
	assert_int_equal(inbuf[4], 0x02);
	assert_int_equal(inbuf[5], 0x01);
	assert_memory_equal(inbuf + 8, "USBMSC  Test Disk       SN01234567891", 37);

	/* Block limits exists on the disk only. */
	cdb[2] = 0xB0;
	pass_in(0, cdb, 6, 64, 64);
	assert_int_equal(inbuf[0], 0x00);
	expect_fail(CTRL_LUN, cdb, 6, IN, 64, USBMSC_SENSE_INVALID_CDB_FIELD);
}

static void test_tur_sense_report_luns(void **s)
{
	(void)s;
	const uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 };
	static const uint8_t luns[24] = { 0, 0, 0, 16, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0,
					  0, 1, 0, 0, 0, 0, 0, 0 };

	/* Reset unit attention, reported once, as on any LUN. */
	assert_int_equal(h_class(h, 0x21, USBMSC_REQ_RESET, 0, 0, NULL), 0);
	assert_int_equal(h_tur(h, CTRL_LUN), 1);
	assert_int_equal(h_sense(h, CTRL_LUN), USBMSC_SENSE_RESET_OCCURRED);
	/* Then ready: there is no medium to wait for. */
	assert_int_equal(h_tur(h, CTRL_LUN), 0);
	assert_int_equal(h_sense(h, CTRL_LUN), USBMSC_SENSE_OK);
	pass_in(CTRL_LUN, rl, 12, 64, 24);
	assert_memory_equal(inbuf, luns, 24);
}

/* The unit attention is reported before the opcode is judged, as for any
 * unknown opcode. */
static void test_unit_attention_first(void **s)
{
	(void)s;
	const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

	usbmsc_target_unit_attention(&h->t, USBMSC_SENSE_MICROCODE_CHANGED);
	expect_fail(CTRL_LUN, read10, 10, IN, 512, USBMSC_SENSE_MICROCODE_CHANGED);
	expect_fail(CTRL_LUN, read10, 10, IN, 512, USBMSC_SENSE_INVALID_OPCODE);
}

/* ---- what it refuses ------------------------------------------------------ */

struct block_cmd {
	const char *name;
	uint8_t cdb[16];
	uint8_t len;
	uint8_t dir;
	uint32_t host_len;
};

static const struct block_cmd block_cmds[] = {
	{ "FORMAT UNIT", { 0x04 }, 6, NONE, 0 },
	{ "READ(6)", { 0x08, 0, 0, 0, 1, 0 }, 6, IN, 512 },
	{ "WRITE(6)", { 0x0A, 0, 0, 0, 1, 0 }, 6, OUT, 512 },
	{ "MODE SELECT(6)", { 0x15, 0x10, 0, 0, 24, 0 }, 6, OUT, 24 },
	{ "MODE SENSE(6)", { 0x1A, 0, 0x3F, 0, 192, 0 }, 6, IN, 192 },
	{ "START STOP UNIT", { 0x1B, 0, 0, 0, 0x02, 0 }, 6, NONE, 0 },
	{ "PREVENT ALLOW", { 0x1E, 0, 0, 0, 1, 0 }, 6, NONE, 0 },
	{ "READ FORMAT CAPACITIES", { 0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0 }, 10, IN, 252 },
	{ "READ CAPACITY(10)", { 0x25 }, 10, IN, 8 },
	{ "READ(10)", { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, 10, IN, 512 },
	{ "WRITE(10)", { 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, 10, OUT, 512 },
	{ "VERIFY(10)", { 0x2F, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, 10, NONE, 0 },
	{ "SYNCHRONIZE CACHE(10)", { 0x35 }, 10, NONE, 0 },
	{ "MODE SELECT(10)", { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 24, 0 }, 10, OUT, 24 },
	{ "MODE SENSE(10)", { 0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 192, 0 }, 10, IN, 192 },
	{ "READ(16)", { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }, 16, IN, 512 },
	{ "WRITE(16)", { 0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }, 16, OUT, 512 },
	{ "READ CAPACITY(16)", { 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 }, 16, IN, 32 },
	{ "READ(12)", { 0xA8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }, 12, IN, 512 },
	{ "WRITE(12)", { 0xAA, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }, 12, OUT, 512 },
};

static void test_block_commands_refused(void **s)
{
	(void)s;
	struct ramdisk before = h->disks[0];
	size_t n = sizeof(block_cmds) / sizeof(block_cmds[0]);

	for (size_t i = 0; i < n; i++) {
		const struct block_cmd *c = &block_cmds[i];

		print_message("%s\n", c->name);
		expect_fail(CTRL_LUN, c->cdb, c->len, (enum usbmsc_dir)c->dir, c->host_len,
			    USBMSC_SENSE_INVALID_OPCODE);
	}
	/* Nothing reached the disk's storage either. */
	assert_int_equal(h->disks[0].reads, before.reads);
	assert_int_equal(h->disks[0].writes, before.writes);
	assert_int_equal(h->disks[0].syncs, before.syncs);
	/* The disk still serves them: the refusal is the control LUN's alone. */
	{
		const uint8_t cap[10] = { 0x25 };
		const uint8_t sync[10] = { 0x35 };
		const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
		struct host_result r;

		pass_in(0, cap, 10, 8, 8);
		assert_int_equal(usbmsc_get_be32(inbuf), 63);
		pass_in(0, read10, 10, 512, 512);
		h_cmd(h, 0, sync, 10, NONE, 0, NULL, NULL, &r);
		assert_int_equal(r.csw.status, 0);
		assert_int_equal(h->disks[0].syncs, before.syncs + 1);
	}
	/* A failed command leaves the control LUN working. */
	assert_int_equal(h_tur(h, CTRL_LUN), 0);
}

/* ---- vendor commands reach it -------------------------------------------- */

struct vendor_log {
	uint32_t begins, datas, ends;
	uint8_t lun;
	uint8_t opcode;
	uint8_t got[600];
	uint32_t got_len;
};

static struct vendor_log vlog, fwlog;

static usbmsc_sense_t v_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct vendor_log *l = ctx;

	l->begins++;
	l->lun = lun;
	l->opcode = cdb[0];
	/* READ/WRITE BUFFER: length in bytes 6..8; the others: 40 bytes. */
	*len = (cdb[0] == 0x3B || cdb[0] == 0x3C) ? usbmsc_get_be24(cdb + 6) : 40;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			     uint8_t *buf, uint32_t len)
{
	struct vendor_log *l = ctx;

	(void)lun;
	l->datas++;
	if (cdb[0] == 0x3B) {
		if (offset + len > sizeof(l->got))
			return USBMSC_SENSE_INVALID_PARAM;
		memcpy(l->got + offset, buf, len);
		l->got_len = offset + len;
	} else {
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(cdb[0] + lun + offset + i);
	}
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t v_end(void *ctx, uint8_t lun, const uint8_t *cdb)
{
	struct vendor_log *l = ctx;

	(void)lun;
	(void)cdb;
	l->ends++;
	return USBMSC_SENSE_OK;
}

/* A vendor IN command, WRITE/READ BUFFER served the way the firmware engine
 * serves them (their own context), and a takeover of READ(10). */
static const struct usbmsc_vendor_cmd vendor_cmds[] = {
	{ 0xC0, USBMSC_DIR_IN, 6, v_begin, v_data, v_end, NULL },
	{ 0x3B, USBMSC_DIR_OUT, 10, v_begin, v_data, v_end, &fwlog },
	{ 0x3C, USBMSC_DIR_IN, 10, v_begin, v_data, v_end, &fwlog },
	{ 0x28, USBMSC_DIR_IN, 10, v_begin, v_data, v_end, NULL },
};
static const struct usbmsc_vendor_table vendor_table = { vendor_cmds, 4, &vlog };

static void test_vendor_commands_reach_control_lun(void **s)
{
	(void)s;
	const uint8_t vcdb[6] = { 0xC0, 0, 0, 0, 0, 0 };
	const uint8_t wb[10] = { 0x3B, 0x02, 0, 0, 0, 0, 0, 0x02, 0x00, 0 }; /* 512 bytes */
	const uint8_t rb[10] = { 0x3C, 0x02, 0, 0, 0, 0, 0, 0, 100, 0 };
	const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	const uint8_t write10[10] = { 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct host_result r;

	memset(&vlog, 0, sizeof(vlog));
	memset(&fwlog, 0, sizeof(fwlog));
	h_set_vendor(h, &vendor_table);

	pass_in(CTRL_LUN, vcdb, 6, 64, 40);
	assert_int_equal(vlog.begins, 1);
	assert_int_equal(vlog.ends, 1);
	assert_int_equal(vlog.lun, CTRL_LUN);
	for (uint32_t i = 0; i < 40; i++)
		assert_int_equal(inbuf[i], (uint8_t)(0xC0 + CTRL_LUN + i));

	/* WRITE BUFFER: the OUT data reaches the entry's own context. */
	h_fill_pattern(outbuf, 512, 77);
	h_cmd(h, CTRL_LUN, wb, 10, OUT, 512, outbuf, NULL, &r);
	assert_false(r.stuck);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.status, 0);
	assert_int_equal(r.csw.residue, 0);
	assert_int_equal(fwlog.lun, CTRL_LUN);
	assert_int_equal(fwlog.opcode, 0x3B);
	assert_int_equal(fwlog.got_len, 512);
	assert_memory_equal(fwlog.got, outbuf, 512);
	assert_int_equal(fwlog.ends, 1);

	/* READ BUFFER. */
	pass_in(CTRL_LUN, rb, 10, 100, 100);
	assert_int_equal(fwlog.opcode, 0x3C);
	assert_int_equal(inbuf[0], (uint8_t)(0x3C + CTRL_LUN));

	/* A vendor entry that takes over a block opcode is served too: the
	 * table is consulted before the control LUN's refusal. */
	pass_in(CTRL_LUN, read10, 10, 512, 40);
	assert_int_equal(vlog.opcode, 0x28);
	assert_int_equal(vlog.begins, 2);
	assert_int_equal(h_sense(h, CTRL_LUN), USBMSC_SENSE_OK);
	/* The vendor table does not open the other block commands. */
	expect_fail(CTRL_LUN, write10, 10, OUT, 512, USBMSC_SENSE_INVALID_OPCODE);
	h_set_vendor(h, NULL);
}

/* ---- the vendor interface's framing ------------------------------------- */

static void vendor_framing(struct harness *x)
{
	x->cfg.framing = USBMSC_FRAMING_VENDOR;
	assert_true(h_restart(x));
}

static void test_vendor_framing_commands(void **s)
{
	(void)s;
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };

	vendor_framing(h);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h_tur(h, 0), 0);
	pass_in(CTRL_LUN, inq, 6, 36, 36);
	assert_int_equal(inbuf[0], 0x03);
	/* The harness read the CSW with the vendor signature; check the
	 * bytes themselves once: "UMVS", tag, residue 0, status 0. */
	{
		uint8_t raw[USBMSC_CBW_LEN] = { 'U', 'M', 'V', 'C', 0x44, 0x33, 0x22, 0x11,
						0, 0, 0, 0, 0, 0, 6 };

		h_deliver(h, raw, sizeof(raw));
		assert_true(h->send_pending);
		assert_int_equal(h->send_len, USBMSC_CSW_LEN);
		assert_memory_equal(h->sent, "UMVS\x44\x33\x22\x11\0\0\0\0\0", 13);
		h->send_pending = false;
		usbmsc_target_sent(&h->t);
	}
	/* INQUIRY left the control LUN's unit attention pending. */
	assert_int_equal(h_tur(h, CTRL_LUN), 1);
	assert_int_equal(h_sense(h, CTRL_LUN), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h_tur(h, CTRL_LUN), 0);
}

/* A standard CBW on the vendor interface is not a CBW: halt until a Reset
 * Recovery with the vendor requests. */
static void test_vendor_framing_rejects_usbc(void **s)
{
	(void)s;
	uint8_t raw[USBMSC_CBW_LEN] = { 'U', 'S', 'B', 'C', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6 };
	struct host_result r;

	vendor_framing(h);
	h_clear_ua(h);
	assert_true(h_deliver(h, raw, sizeof(raw)));
	assert_true(h->halted_in);
	assert_true(h->halted_out);
	assert_false(h->send_pending);
	/* Clearing the halts does not help... */
	assert_true(h_clear_halt(h, true));
	assert_true(h_clear_halt(h, false));
	/* ...nor does the class request of the mass-storage interface. */
	assert_int_equal(h_class(h, 0x21, USBMSC_REQ_RESET, 0, 0, NULL), -1);
	assert_true(h_clear_halt(h, true));
	assert_true(h_clear_halt(h, false));
	assert_false(h->recv_pending);
	/* The vendor request resets; then the halts clear for good. */
	assert_int_equal(h_class(h, 0x41, USBMSC_REQ_RESET, 0, 0, NULL), 0);
	assert_false(h_clear_halt(h, true));
	assert_false(h_clear_halt(h, false));
	assert_true(h->recv_pending);
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_RESET_OCCURRED);
	h_cmd(h, 0, (const uint8_t[6]){ 0 }, 6, NONE, 0, NULL, NULL, &r);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.status, 0);
}

static void test_vendor_framing_requests(void **s)
{
	(void)s;
	uint8_t reply[1];

	vendor_framing(h);
	reply[0] = 0xEE;
	assert_int_equal(h_class(h, 0xC1, USBMSC_REQ_GET_MAX_LUN, 0, 1, reply), 1);
	assert_int_equal(reply[0], 1);
	/* The class-type requests belong to the mass-storage interface. */
	assert_int_equal(h_class(h, 0xA1, USBMSC_REQ_GET_MAX_LUN, 0, 1, reply), -1);
	assert_int_equal(h_class(h, 0x21, USBMSC_REQ_RESET, 0, 0, NULL), -1);
	/* The vendor ones are checked like the class ones. */
	assert_int_equal(h_class(h, 0xC1, USBMSC_REQ_GET_MAX_LUN, 1, 1, reply), -1);
	assert_int_equal(h_class(h, 0xC1, USBMSC_REQ_GET_MAX_LUN, 0, 2, reply), -1);
	assert_int_equal(h_class(h, 0x41, USBMSC_REQ_GET_MAX_LUN, 0, 1, reply), -1);
	assert_int_equal(h_class(h, 0x41, USBMSC_REQ_RESET, 0, 1, NULL), -1);
	assert_int_equal(h_class(h, 0xC0, USBMSC_REQ_GET_MAX_LUN, 0, 1, reply), -1); /* device */
	assert_int_equal(h_class(h, 0x40, USBMSC_REQ_RESET, 0, 0, NULL), -1);

	/* And the mass-storage interface's target the other way round. */
	h->cfg.framing = USBMSC_FRAMING_BOT;
	assert_true(h_restart(h));
	assert_int_equal(h_class(h, 0xC1, USBMSC_REQ_GET_MAX_LUN, 0, 1, reply), -1);
	assert_int_equal(h_class(h, 0x41, USBMSC_REQ_RESET, 0, 0, NULL), -1);
	assert_int_equal(h_class(h, 0xA1, USBMSC_REQ_GET_MAX_LUN, 0, 1, reply), 1);
	assert_int_equal(h_class(h, 0x21, USBMSC_REQ_RESET, 0, 0, NULL), 0);
}

/* The mass-storage target does not take the vendor signature either. */
static void test_bot_framing_rejects_umvc(void **s)
{
	(void)s;
	uint8_t raw[USBMSC_CBW_LEN] = { 'U', 'M', 'V', 'C', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6 };

	assert_true(h_deliver(h, raw, sizeof(raw)));
	assert_true(h->halted_in);
	assert_true(h->halted_out);
	assert_true(h_clear_halt(h, true));
	assert_int_equal(h_class(h, 0x21, USBMSC_REQ_RESET, 0, 0, NULL), 0);
	assert_false(h_clear_halt(h, true));
	assert_false(h_clear_halt(h, false));
	assert_int_equal(h_sense(h, 0), USBMSC_SENSE_RESET_OCCURRED);
}

/* Two targets on the same LUN configs (the mass-storage interface and the
 * vendor interface of one device): the storage is shared, the sense is not. */
static void test_two_targets_own_sense(void **s)
{
	(void)s;
	struct harness *a = h, *b = &H2;
	const uint8_t bad_read[10] = { 0x28, 0, 0, 0, 0, 200, 0, 0, 1, 0 };
	const uint8_t write10[10] = { 0x2A, 0, 0, 0, 0, 5, 0, 0, 1, 0 };
	const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0 };
	struct host_result r;

	h_init(b, 2, 0);
	b->cfg.luns = a->luns;
	vendor_framing(b);
	h_clear_ua(b);

	/* An error on the mass-storage side... */
	h_cmd(a, 0, bad_read, 10, IN, 512, NULL, inbuf, &r);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.status, 1);
	/* ...does not show on the vendor side, */
	assert_int_equal(h_sense(b, 0), USBMSC_SENSE_OK);
	/* and stays on its own. */
	assert_int_equal(h_sense(a, 0), USBMSC_SENSE_LBA_OUT_OF_RANGE);
	assert_int_equal(h_sense(a, 0), USBMSC_SENSE_OK);

	/* The other way round, on the control LUN. */
	h_cmd(b, CTRL_LUN, read10, 10, IN, 512, NULL, inbuf, &r);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	assert_int_equal(r.csw.status, 1);
	assert_int_equal(h_sense(a, CTRL_LUN), USBMSC_SENSE_OK);
	assert_int_equal(h_sense(b, CTRL_LUN), USBMSC_SENSE_INVALID_OPCODE);

	/* A reset of one raises its own unit attention only. */
	assert_int_equal(h_class(b, 0x41, USBMSC_REQ_RESET, 0, 0, NULL), 0);
	assert_int_equal(h_tur(a, 0), 0);
	assert_int_equal(h_tur(b, 0), 1);
	assert_int_equal(h_sense(b, 0), USBMSC_SENSE_RESET_OCCURRED);
	assert_int_equal(h_tur(b, 0), 0);

	/* Data written through one is read through the other. */
	h_fill_pattern(outbuf, 512, 9);
	h_cmd(b, 0, write10, 10, OUT, 512, outbuf, NULL, &r);
	assert_int_equal(r.csw.status, 0);
	memset(inbuf, 0, 512);
	h_cmd(a, 0, read10, 10, IN, 512, NULL, inbuf, &r);
	assert_int_equal(r.csw.status, 0);
	assert_memory_equal(inbuf, outbuf, 512);

	assert_int_equal(b->violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_accepts_control_lun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inquiry_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vpd_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tur_sense_report_luns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_attention_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_commands_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vendor_commands_reach_control_lun, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vendor_framing_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vendor_framing_rejects_usbc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vendor_framing_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bot_framing_rejects_umvc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_targets_own_sense, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
