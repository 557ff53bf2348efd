/* The virtual device as a device's side doors:
 *  - framing=vendor: the vendor interface's wire format end to end through
 *    usbmsc_open (the host's BOT engine takes the framing from the pipe),
 *    and on the raw pipe (its signatures, its vendor-type requests, class
 *    requests refused);
 *  - a host and a device that disagree on the framing fail cleanly: an
 *    error with Reset Recovery named, no hang, no data moved;
 *  - control-lun=1: a processor-type LUN after the disks, serving
 *    INQUIRY, TEST UNIT READY, REQUEST SENSE and vendor commands, refusing
 *    block commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simfx.h"
#include "usbmsc/byteorder.h"

struct dfx {
	struct simfx f;
	struct usbmsc_dev *dev;
	struct usbmsc_result res;
	struct usbmsc_error err;
	struct notes notes;
	uint8_t buf[8 * BS];
};

static int setup(void **state)
{
	struct dfx *x = calloc(1, sizeof *x);

	assert_non_null(x);
	simfx_init(&x->f, true);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct dfx *x = *state;

	usbmsc_close(x->dev);
	simfx_cleanup(&x->f);
	free(x);
	return 0;
}

static void open_uri(struct dfx *x, const char *options)
{
	struct usbmsc_open_opts opts = { .timeout_ms = 500 };
	char uri[512];

	opts.trace.fn = notes_fn;
	opts.trace.ctx = &x->notes;
	snprintf(uri, sizeof uri, "sim:%s?%s", x->f.path, options);
	if (usbmsc_open(uri, &opts, &x->dev, &x->err) != 0)
		fail_msg("usbmsc_open(%s): %s", uri, x->err.msg);
}

static int vendor_in(struct dfx *x, uint8_t lun, uint8_t op, uint8_t *buf, uint16_t len)
{
	uint8_t cdb[6] = { op, 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0 };
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .lun = lun, .dir = USBMSC_DIR_IN, .data = buf,
		.len = len,
	};

	return usbmsc_exec(x->dev, &cmd, &x->res);
}

static int echo_write(struct dfx *x, uint8_t lun, const uint8_t *buf, uint16_t len)
{
	uint8_t cdb[6] = { USBMSC_SIM_OP_ECHO_WRITE, 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0 };
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .lun = lun, .dir = USBMSC_DIR_OUT,
		.data = (uint8_t *)(uintptr_t)buf, .len = len,
	};

	return usbmsc_exec(x->dev, &cmd, &x->res);
}

/* ---- framing=vendor through usbmsc_open --------------------------------------- */

static void vendor_framing_every_command(void **state)
{
	struct dfx *x = *state;
	struct usbmsc_inquiry inq;
	struct usbmsc_sense sense;
	uint64_t blocks = 0;
	uint32_t bs = 0;
	uint16_t luns[4];
	size_t nluns = 0;
	uint8_t max_lun = 9, info[64], echo[300], back[300];
	struct usbmsc_pipe *pipe;

	open_uri(x, "framing=vendor&luns=2");
	pipe = usbmsc_dev_pipe(x->dev);
	assert_non_null(pipe);
	assert_int_equal(pipe->framing, USBMSC_FRAMING_VENDOR);

	/* Get Max LUN as a vendor request (0xC1): a device that only took the
	 * class request would stall it and this would say 0. */
	assert_int_equal(usbmsc_dev_max_lun(x->dev, &max_lun), 0);
	assert_int_equal(max_lun, 1);

	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), 0);
	assert_int_equal(usbmsc_inquiry(x->dev, 0, &inq, &x->res), 0);
	assert_string_equal(inq.vendor, "USBMSC");
	assert_int_equal(inq.device_type, 0);
	assert_int_equal(usbmsc_read_capacity(x->dev, 0, &blocks, &bs, &x->res), 0);
	assert_int_equal(blocks, IMG_SIZE / BS);
	assert_int_equal(bs, BS);
	assert_int_equal(usbmsc_report_luns(x->dev, luns, 4, &nluns, &x->res), 0);
	assert_int_equal(nluns, 2);

	/* A read of the pattern, a write, and the image holds it. */
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 3, 4, BS, x->buf, &x->res), 0);
	for (size_t i = 0; i < 4 * BS; i++)
		assert_int_equal(x->buf[i], pattern_byte(3 * BS + i));
	for (size_t i = 0; i < sizeof x->buf; i++)
		x->buf[i] = (uint8_t)(i ^ 0x5A);
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 20, 8, BS, x->buf, &x->res), 0);
	{
		uint8_t got[8 * BS];

		read_file(x->f.path, 20 * BS, got, sizeof got);
		assert_memory_equal(got, x->buf, sizeof got);
	}

	/* An error and its sense: REQUEST SENSE runs over the same framing. */
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, IMG_SIZE / BS, 1, BS, x->buf, &x->res),
			 USBMSC_E_ILLEGAL_REQUEST);
	assert_true(usbmsc_sense_decode(x->res.sense, x->res.sense_len, &sense));
	assert_int_equal(sense.asc, 0x21);

	/* Vendor commands, both directions. */
	assert_int_equal(vendor_in(x, 0, USBMSC_SIM_OP_DEVICE_INFO, info, 64), 0);
	assert_memory_equal(info, "USBMSCSM", 8);
	for (size_t i = 0; i < sizeof echo; i++)
		echo[i] = (uint8_t)(i * 11);
	assert_int_equal(echo_write(x, 0, echo, sizeof echo), 0);
	assert_int_equal(vendor_in(x, 0, USBMSC_SIM_OP_ECHO_READ, back, sizeof back), 0);
	assert_memory_equal(back, echo, sizeof echo);

	/* Reset Recovery with the vendor-type Mass Storage Reset (0x41): the
	 * device takes it (a refused one would fail here) and reports it. */
	assert_int_equal(usbmsc_dev_reset(x->dev), 0);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 1, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 1, &x->res), 0);
	assert_int_equal(vendor_in(x, 0, USBMSC_SIM_OP_COUNTERS, info, 48), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(vendor_in(x, 0, USBMSC_SIM_OP_COUNTERS, info, 48), 0);
	assert_int_equal(usbmsc_get_be64(info + 24), 1);    /* one reset */
	assert_int_equal(usbmsc_get_be64(info + 40), 0);    /* no contract violation */
	assert_null(strstr(x->notes.text, "Reset Recovery failed"));
}

/* ---- framing=vendor on the raw pipe ------------------------------------------- */

static int control(struct usbmsc_pipe *p, uint8_t rt, uint8_t req, uint8_t *data, uint16_t len)
{
	size_t done = 0;

	return p->ops->control(p, rt, req, 0, p->interface, data, len, &done, 1000);
}

static void raw_cbw_as(struct simfx *f, enum usbmsc_framing framing, const uint8_t *cdb,
		       uint32_t len)
{
	struct usbmsc_cbw cbw;
	uint8_t wire[31];
	size_t done = 0;

	assert_true(usbmsc_cbw_fill(&cbw, ++f->tag, 0, len ? USBMSC_DIR_IN : USBMSC_DIR_NONE, len,
				    cdb, 6));
	usbmsc_cbw_encode_framed(&cbw, framing, wire);
	assert_int_equal(f->pipe->ops->bulk(f->pipe, false, wire, sizeof wire, &done, 1000),
			 USBMSC_PIPE_OK);
}

static void vendor_framing_on_the_wire(void **state)
{
	struct dfx *x = *state;
	struct simfx *f = &x->f;
	const uint8_t tur[6] = { 0 };
	uint8_t b[13];
	size_t n = 0;

	assert_int_equal(usbmsc_sim_create(f->path, "framing=vendor&luns=3", &f->sim, &x->err), 0);
	f->pipe = usbmsc_sim_pipe(f->sim);

	/* ep0: the vendor-type requests, not the class ones. */
	assert_int_equal(control(f->pipe, 0xA1, 0xFE, b, 1), USBMSC_PIPE_STALL);
	assert_int_equal(control(f->pipe, 0x21, 0xFF, NULL, 0), USBMSC_PIPE_STALL);
	b[0] = 0;
	assert_int_equal(control(f->pipe, 0xC1, 0xFE, b, 1), USBMSC_PIPE_OK);
	assert_int_equal(b[0], 2);

	/* A "UMVC" CBW is answered with a "UMVS" CSW. */
	raw_cbw_as(f, USBMSC_FRAMING_VENDOR, tur, 0);
	assert_int_equal(f->pipe->ops->bulk(f->pipe, true, b, sizeof b, &n, 1000), USBMSC_PIPE_OK);
	assert_int_equal(n, 13);
	assert_int_equal(usbmsc_get_le32(b), USBMSC_VCSW_SIGNATURE);
	assert_int_equal(usbmsc_get_le32(b + 4), f->tag);

	/* A "USBC" CBW is not valid here: the device wedges until a Reset
	 * Recovery of its own framing. */
	raw_cbw_as(f, USBMSC_FRAMING_BOT, tur, 0);
	assert_int_equal(f->pipe->ops->bulk(f->pipe, true, b, sizeof b, &n, 1000),
			 USBMSC_PIPE_STALL);
	assert_true(halted(f, true));
	f->pipe->framing = USBMSC_FRAMING_BOT;      /* the class-request recovery is refused */
	assert_int_equal(usbmsc_bot_reset_recovery(f->pipe, 1000), USBMSC_E_TRANSPORT);
	assert_true(halted(f, true));
	f->pipe->framing = USBMSC_FRAMING_VENDOR;
	assert_int_equal(usbmsc_bot_reset_recovery(f->pipe, 1000), 0);
	assert_false(halted(f, true));
	assert_false(halted(f, false));
	raw_cbw_as(f, USBMSC_FRAMING_VENDOR, tur, 0);
	assert_int_equal(f->pipe->ops->bulk(f->pipe, true, b, sizeof b, &n, 1000), USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_get_le32(b), USBMSC_VCSW_SIGNATURE);
	assert_int_equal(b[12], 1);     /* the unit attention of the reset */
}

/* The mass-storage framing refuses the vendor-type requests. */
static void bot_framing_refuses_vendor_requests(void **state)
{
	struct dfx *x = *state;
	struct simfx *f = &x->f;
	uint8_t b[1] = { 0 };

	assert_int_equal(usbmsc_sim_create(f->path, "luns=2", &f->sim, &x->err), 0);
	f->pipe = usbmsc_sim_pipe(f->sim);
	assert_int_equal(f->pipe->framing, USBMSC_FRAMING_BOT);
	assert_int_equal(control(f->pipe, 0xC1, 0xFE, b, 1), USBMSC_PIPE_STALL);
	assert_int_equal(control(f->pipe, 0x41, 0xFF, NULL, 0), USBMSC_PIPE_STALL);
	assert_int_equal(control(f->pipe, 0xA1, 0xFE, b, 1), USBMSC_PIPE_OK);
	assert_int_equal(b[0], 1);
}

/* ---- host and device disagree ----------------------------------------------------- */

/* A device with one framing, a host engine with the other: every command
 * fails with a transport error that names the failed Reset Recovery, at
 * once (no hang), and nothing reaches the image. */
static void mismatch(struct dfx *x, const char *device_options, enum usbmsc_framing host)
{
	struct simfx *f = &x->f;
	struct usbmsc_transport *t = NULL;
	uint64_t before = hash_file(f->path, 0, 0);

	assert_int_equal(usbmsc_sim_create(f->path, device_options, &f->sim, &x->err), 0);
	f->pipe = usbmsc_sim_pipe(f->sim);
	f->pipe->framing = (uint8_t)host;
	assert_int_equal(usbmsc_bot_transport_open(f->pipe, 0, &t, &x->err), 0);
	f->pipe = NULL;     /* the transport owns it now */
	f->sim = NULL;
	assert_int_equal(usbmsc_dev_from_transport(t, &x->dev, &x->err), 0);
	t->trace.fn = notes_fn;
	t->trace.ctx = &x->notes;

	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_TRANSPORT);
	assert_int_equal(x->res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
	assert_non_null(strstr(usbmsc_dev_errmsg(x->dev), "Reset Recovery failed"));
	assert_non_null(strstr(x->notes.text, "Mass Storage Reset"));
	/* Recovery failed, so no retry was attempted. */
	assert_null(strstr(x->notes.text, "retried after Reset Recovery"));

	for (size_t i = 0; i < sizeof x->buf; i++)
		x->buf[i] = 0xEE;
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 0, 2, BS, x->buf, &x->res),
			 USBMSC_E_TRANSPORT);
	assert_int_equal(x->res.transferred, 0);
	assert_int_equal(hash_file(f->path, 0, 0), before);
}

static void bot_host_vendor_device(void **state)
{
	mismatch(*state, "framing=vendor", USBMSC_FRAMING_BOT);
}

static void vendor_host_bot_device(void **state)
{
	mismatch(*state, "framing=bot", USBMSC_FRAMING_VENDOR);
}

/* ---- the control LUN ----------------------------------------------------------------- */

static void control_lun(void **state)
{
	struct dfx *x = *state;
	struct usbmsc_inquiry inq;
	struct usbmsc_sense sense;
	uint64_t blocks;
	uint32_t bs;
	uint16_t luns[4];
	size_t nluns = 0;
	uint8_t max_lun = 0, info[64], echo[64];

	open_uri(x, "luns=2&control-lun=1");
	assert_int_equal(usbmsc_dev_max_lun(x->dev, &max_lun), 0);
	assert_int_equal(max_lun, 2);       /* two disks and the control LUN */
	assert_int_equal(usbmsc_inquiry(x->dev, 0, &inq, &x->res), 0);
	assert_int_equal(inq.device_type, 0);
	assert_int_equal(usbmsc_inquiry(x->dev, 2, &inq, &x->res), 0);
	assert_int_equal(inq.device_type, 3);     /* processor */
	assert_false(inq.removable);
	assert_int_equal(usbmsc_report_luns(x->dev, luns, 4, &nluns, &x->res), 0);
	assert_int_equal(nluns, 3);

	/* It powers on like the others, then is ready: no medium to wait for. */
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 2, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 2, &x->res), 0);

	/* No block commands. */
	assert_int_equal(usbmsc_read_capacity(x->dev, 2, &blocks, &bs, &x->res),
			 USBMSC_E_ILLEGAL_REQUEST);
	assert_true(usbmsc_sense_decode(x->res.sense, x->res.sense_len, &sense));
	assert_int_equal(sense.asc, 0x20);
	assert_int_equal(usbmsc_read_blocks(x->dev, 2, 0, 1, BS, x->buf, &x->res),
			 USBMSC_E_ILLEGAL_REQUEST);
	assert_int_equal(usbmsc_write_blocks(x->dev, 2, 0, 1, BS, x->buf, &x->res),
			 USBMSC_E_ILLEGAL_REQUEST);
	assert_pattern(x->f.path, 0, IMG_SIZE);

	/* The vendor table is served on it. */
	assert_int_equal(vendor_in(x, 2, USBMSC_SIM_OP_DEVICE_INFO, info, 64), 0);
	assert_memory_equal(info, "USBMSCSM", 8);
	assert_int_equal(info[9], 2);       /* the disks */
	memset(echo, 0x3C, sizeof echo);
	assert_int_equal(echo_write(x, 2, echo, sizeof echo), 0);

	/* The disks are unchanged by all this. */
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_read_capacity(x->dev, 0, &blocks, &bs, &x->res), 0);
	assert_int_equal(blocks, IMG_SIZE / BS);
}

/* Both doors at once: the vendor framing with a control LUN. */
static void control_lun_over_vendor_framing(void **state)
{
	struct dfx *x = *state;
	struct usbmsc_inquiry inq;
	uint8_t max_lun = 0;

	open_uri(x, "framing=vendor&control-lun=1");
	assert_int_equal(usbmsc_dev_max_lun(x->dev, &max_lun), 0);
	assert_int_equal(max_lun, 1);
	assert_int_equal(usbmsc_inquiry(x->dev, 1, &inq, &x->res), 0);
	assert_int_equal(inq.device_type, 3);
}

static void options_checked(void **state)
{
	struct dfx *x = *state;
	struct usbmsc_sim *sim = NULL;

	assert_int_equal(usbmsc_sim_create(x->f.path, "framing=usb", &sim, &x->err), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "framing=usb"));
	assert_non_null(strstr(x->err.msg, "bot or vendor"));
	assert_int_equal(usbmsc_sim_create(x->f.path, "control-lun=yes", &sim, &x->err),
			 USBMSC_E_USAGE);
	assert_int_equal(usbmsc_sim_create(x->f.path, "luns=16&control-lun=1", &sim, &x->err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "luns=15"));
	assert_null(sim);
	/* 15 disks and the control LUN fill the sixteen LUN numbers. */
	assert_int_equal(usbmsc_sim_create(x->f.path, "luns=15&control-lun=1&size=64K", &sim,
					   &x->err), 0);
	usbmsc_sim_pipe(sim)->ops->close(usbmsc_sim_pipe(sim));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(vendor_framing_every_command), T(vendor_framing_on_the_wire),
		T(bot_framing_refuses_vendor_requests), T(bot_host_vendor_device),
		T(vendor_host_bot_device), T(control_lun), T(control_lun_over_vendor_framing),
		T(options_checked),
	};

	return cmocka_run_group_tests_name("sim_doors", tests, NULL, NULL);
}
