/* The checks the USB-IF mass-storage compliance tests make (docs/PROTOCOL.md),
 * run against the virtual device: invalid CBWs wedge the device until
 * Reset Recovery, garbage past the CB length is ignored, class requests
 * are checked, the large and 16-byte commands complete. Plus the pipe's
 * own rules: NAK as an instant time-out, overflow, ep0 requests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simfx.h"
#include "../../src/os/os_file.h"
#include "usbmsc/byteorder.h"

static int setup(void **state)
{
	struct simfx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	simfx_init(f, true);
	simfx_open(f, "");
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

/* A CBW the device must reject: Bulk-In stalls, GET_STATUS reports the
 * halt, CLEAR_FEATURE alone does not help, Reset Recovery does. */
static void wedged_until_reset_recovery(struct simfx *f, const uint8_t *bytes, size_t len)
{
	uint8_t buf[512];
	size_t n = 99;

	assert_int_equal(raw_out(f, bytes, len, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, len);
	assert_int_equal(raw_in(f, buf, 13, &n), USBMSC_PIPE_STALL);
	assert_true(halted(f, true));
	assert_true(halted(f, false));
	clear_halt(f, true);
	assert_true(halted(f, true)); /* CLEAR_FEATURE alone must not un-wedge it */
	clear_halt(f, false);
	assert_true(halted(f, false));
	assert_int_equal(raw_in(f, buf, 13, &n), USBMSC_PIPE_STALL);
	reset_recovery(f);
	assert_false(halted(f, true));
	assert_false(halted(f, false));
	assert_device_works(f);
}

static void valid_cbw_bytes(uint8_t out[32])
{
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct usbmsc_cbw cbw;

	memset(out, 0, 32);
	assert_true(usbmsc_cbw_fill(&cbw, 77, 0, USBMSC_DIR_IN, 36, inq, 6));
	usbmsc_cbw_encode(&cbw, out);
}

static void cbw_bad_signature(void **state)
{
	struct simfx *f = *state;
	uint8_t cbw[32];

	valid_cbw_bytes(cbw);
	cbw[3] = 0x44; /* "USBD" */
	wedged_until_reset_recovery(f, cbw, 31);
}

static void cbw_30_bytes(void **state)
{
	struct simfx *f = *state;
	uint8_t cbw[32];

	valid_cbw_bytes(cbw);
	wedged_until_reset_recovery(f, cbw, 30);
}

static void cbw_32_bytes(void **state)
{
	struct simfx *f = *state;
	uint8_t cbw[32];

	valid_cbw_bytes(cbw);
	wedged_until_reset_recovery(f, cbw, 32);
}

static void inquiry_garbage_past_cb_length(void **state)
{
	struct simfx *f = *state;
	const uint8_t fill[3] = { 0xFF, 0x55, 0xAA };

	for (int k = 0; k < 3; k++) {
		uint8_t cdb[16] = { 0x12, 0, 0, 0, 36, 0 };
		uint8_t data[36];
		size_t n = 0;

		/* CB length 6; bytes 6..15 of the CBWCB hold garbage */
		memset(cdb + 6, fill[k], 10);
		{
			struct usbmsc_cbw cbw;
			uint8_t wire[31];
			memset(&cbw, 0, sizeof cbw);
			cbw.tag = ++f->tag;
			cbw.data_len = 36;
			cbw.flags = 0x80;
			cbw.cb_len = 6;
			memcpy(cbw.cb, cdb, 16);
			usbmsc_cbw_encode(&cbw, wire);
			assert_int_equal(raw_out(f, wire, 31, &n), USBMSC_PIPE_OK);
		}
		assert_int_equal(raw_in(f, data, 36, &n), USBMSC_PIPE_OK);
		assert_int_equal(n, 36);
		assert_memory_equal(data + 8, "USBMSC  ", 8);
		expect_csw(f, 0, 0);
	}
}

static void get_max_lun(void **state)
{
	struct simfx *f = *state;
	struct usbmsc_file_info fi;
	char name[300];
	uint8_t lun = 99;

	assert_int_equal(usbmsc_bot_get_max_lun(f->pipe, &lun, 1000), 0);
	assert_int_equal(lun, 0);
	simfx_close(f);
	simfx_open(f, "luns=4");
	assert_int_equal(usbmsc_bot_get_max_lun(f->pipe, &lun, 1000), 0);
	assert_int_equal(lun, 3);
	for (int i = 1; i < 4; i++) {
		snprintf(name, sizeof name, "%s.lun%d", f->path, i);
		assert_true(usbmsc_file_stat(name, true, &fi));
		assert_int_equal(fi.size, 64 * 1024 * 1024); /* the default size */
	}
	snprintf(name, sizeof name, "%s.lun4", f->path);
	assert_false(usbmsc_file_stat(name, true, &fi));
}

static int control(struct simfx *f, uint8_t rt, uint8_t req, uint16_t value, uint16_t index,
		   uint8_t *data, uint16_t len)
{
	size_t n = 0;

	return f->pipe->ops->control(f->pipe, rt, req, value, index, data, len, &n, 1000);
}

static void malformed_class_requests_stall(void **state)
{
	struct simfx *f = *state;
	uint8_t b[4] = { 0 };

	assert_int_equal(control(f, 0xA1, 0xFE, 1, 0, b, 1), USBMSC_PIPE_STALL); /* wValue */
	assert_int_equal(control(f, 0xA1, 0xFE, 0, 0, b, 2), USBMSC_PIPE_STALL); /* wLength */
	assert_int_equal(control(f, 0xA1, 0xFE, 0, 1, b, 1), USBMSC_PIPE_STALL); /* interface */
	assert_int_equal(control(f, 0x21, 0xFF, 0, 0, b, 1), USBMSC_PIPE_STALL); /* reset + data */
	assert_int_equal(control(f, 0x21, 0xFF, 1, 0, NULL, 0), USBMSC_PIPE_STALL);
	assert_int_equal(control(f, 0x21, 0xFC, 0, 0, NULL, 0), USBMSC_PIPE_STALL); /* unknown */
	assert_int_equal(control(f, 0xC1, 0x01, 0, 0, b, 1), USBMSC_PIPE_STALL); /* vendor */
	assert_int_equal(control(f, 0x82, 0x00, 0, 0x85, b, 2), USBMSC_PIPE_STALL); /* no such ep */
	/* well-formed ones still work, and so does the device */
	assert_int_equal(control(f, 0xA1, 0xFE, 0, 0, b, 1), USBMSC_PIPE_OK);
	assert_int_equal(b[0], 0);
	assert_device_works(f);
}

static void rejected_reset_keeps_command(void **state)
{
	struct simfx *f = *state;
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t data[36];
	size_t n = 0;

	/* A malformed reset between CBW and data must not cancel anything. */
	assert_int_equal(raw_cbw(f, 36, true, 0, inq, 6), USBMSC_PIPE_OK);
	assert_int_equal(control(f, 0x21, 0xFF, 7, 0, NULL, 0), USBMSC_PIPE_STALL);
	assert_int_equal(raw_in(f, data, 36, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 36);
	expect_csw(f, 0, 0);
}

static void rw12_64k(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[12] = { 0 };
	static uint8_t out[65536], in[65536];
	uint64_t before = hash_file(f->path, 100 * BS, sizeof out);
	size_t n = 0;

	clear_unit_attention(f);
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)(i * 11 + (i >> 9));
	cdb[0] = 0xAA; /* WRITE(12) */
	usbmsc_put_be32(cdb + 2, 100);
	usbmsc_put_be32(cdb + 6, 128);
	assert_int_equal(raw_cbw(f, sizeof out, false, 0, cdb, 12), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, out, sizeof out, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, sizeof out);
	expect_csw(f, 0, 0);
	cdb[0] = 0xA8; /* READ(12) */
	assert_int_equal(raw_cbw(f, sizeof in, true, 0, cdb, 12), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, in, sizeof in, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, sizeof in);
	assert_memory_equal(in, out, sizeof out);
	expect_csw(f, 0, 0);
	read_file(f->path, 100 * BS, in, sizeof in);
	assert_memory_equal(in, out, sizeof out);
	assert_int_equal(hash_file(f->path, 100 * BS, sizeof out), before);
}

static void service_action_in_16(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[16] = { 0x9E, 0x10 };
	uint8_t data[32];
	size_t n = 0;

	clear_unit_attention(f);
	usbmsc_put_be32(cdb + 10, sizeof data);
	assert_int_equal(raw_cbw(f, sizeof data, true, 0, cdb, 16), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, data, sizeof data, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 32);
	assert_int_equal(usbmsc_get_be64(data), IMG_SIZE / BS - 1);
	assert_int_equal(usbmsc_get_be32(data + 8), BS);
	expect_csw(f, 0, 0);
}

static void nak_is_instant_timeout(void **state)
{
	struct simfx *f = *state;
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t buf[512];
	size_t n = 99;

	/* nothing armed on Bulk-In before a command */
	assert_int_equal(raw_in(f, buf, 13, &n), USBMSC_PIPE_TIMEOUT);
	assert_int_equal(n, 0);
	/* during an IN command nothing is armed on Bulk-Out */
	assert_int_equal(raw_cbw(f, 36, true, 0, inq, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, 31, &n), USBMSC_PIPE_TIMEOUT);
	assert_int_equal(n, 0);
	assert_int_equal(raw_in(f, buf, 36, &n), USBMSC_PIPE_OK);
	expect_csw(f, 0, 0);
	/* host wants more than the device sends in full packets: NAK */
	{
		uint8_t cdb[10];
		clear_unit_attention(f);
		cdb_rw10(cdb, 0x28, 0, 1);
		assert_int_equal(raw_cbw(f, 512, true, 0, cdb, 10), USBMSC_PIPE_OK);
		assert_int_equal(raw_in(f, buf, 256, &n), USBMSC_PIPE_ERROR); /* overflow */
		assert_int_equal(n, 0);
		reset_recovery(f);
		assert_device_works(f);
	}
}

static void get_status_and_feature(void **state)
{
	struct simfx *f = *state;
	uint8_t st[2] = { 0xEE, 0xEE };

	assert_false(halted(f, true));
	assert_int_equal(control(f, 0x02, 0x03, 0, f->pipe->ep_out, NULL, 0), USBMSC_PIPE_OK);
	assert_true(halted(f, false)); /* SET_FEATURE(ENDPOINT_HALT) */
	assert_int_equal(control(f, 0x02, 0x01, 0, f->pipe->ep_out, NULL, 0), USBMSC_PIPE_OK);
	assert_false(halted(f, false)); /* CLEAR_FEATURE through ep0 */
	assert_int_equal(control(f, 0x80, 0x00, 0, 0, st, 2), USBMSC_PIPE_OK);
	assert_int_equal(st[0], 0);
	assert_device_works(f);
}

static void port_reset_recovers_wedge(void **state)
{
	struct simfx *f = *state;
	uint8_t cbw[32];
	uint8_t buf[16];
	size_t n;

	valid_cbw_bytes(cbw);
	cbw[0] = 0;
	assert_int_equal(raw_out(f, cbw, 31, &n), USBMSC_PIPE_OK);
	assert_true(halted(f, true));
	assert_int_equal(f->pipe->ops->port_reset(f->pipe), USBMSC_PIPE_OK);
	assert_false(halted(f, true));
	assert_false(halted(f, false));
	assert_int_equal(raw_in(f, buf, 13, &n), USBMSC_PIPE_TIMEOUT);
	assert_device_works(f);
}

/* Reset Recovery in the middle of a data stage: the device drops what it
 * had armed, writes nothing it did not get in full, and takes the next
 * command. */
static void reset_mid_data(void **state)
{
	struct simfx *f = *state;
	uint8_t cdb[10];
	static uint8_t buf[2048];
	uint64_t before = hash_file(f->path, 0, 0);
	size_t n = 0;

	clear_unit_attention(f);
	cdb_rw10(cdb, 0x28, 0, 4);
	assert_int_equal(raw_cbw(f, sizeof buf, true, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, buf, 512, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 512);
	reset_recovery(f);
	assert_device_works(f);

	memset(buf, 0x99, sizeof buf);
	cdb_rw10(cdb, 0x2A, 0, 4);
	assert_int_equal(raw_cbw(f, sizeof buf, false, 0, cdb, 10), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, buf, 1024, &n), USBMSC_PIPE_OK);
	reset_recovery(f);
	assert_device_works(f);
	assert_int_equal(hash_file(f->path, 0, 0), before);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(cbw_bad_signature), T(cbw_30_bytes), T(cbw_32_bytes),
		T(inquiry_garbage_past_cb_length), T(get_max_lun), T(malformed_class_requests_stall),
		T(rejected_reset_keeps_command), T(rw12_64k), T(service_action_in_16),
		T(nak_is_instant_timeout), T(get_status_and_feature), T(port_reset_recovers_wedge),
		T(reset_mid_data),
	};

	return cmocka_run_group_tests_name("sim_compliance", tests, NULL, NULL);
}
