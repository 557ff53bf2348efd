/* The host BOT engine against a scripted pipe: the exact sequence of
 * transfers for good commands, sense fetching, every CSW check, stalls,
 * zero-length packets, time-outs, unplugging, and Get Max LUN. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fake_pipe.h"
#include "usbmsc/byteorder.h"

struct fixture {
	struct fake_pipe pipe;
	struct usbmsc_transport *t;
	struct trace_log log;
	struct usbmsc_error err;
	struct usbmsc_result res;
	uint8_t data[4096];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	assert_non_null(fx);
	fake_init(&fx->pipe);
	assert_int_equal(usbmsc_bot_transport_open(&fx->pipe.base, 0, &fx->t, &fx->err), 0);
	fx->t->trace.fn = trace_log_fn;
	fx->t->trace.ctx = &fx->log;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fx->t->ops->close(fx->t);
	assert_int_equal(fx->pipe.closed, 1); /* the transport owns the pipe */
	free(fx);
	return 0;
}

static const uint8_t inquiry_cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
static const uint8_t tur_cdb[6] = { 0 };
static const uint8_t write_cdb[10] = { 0x2A, 0, 0, 0, 0, 7, 0, 0, 1, 0 };

static int run(struct fixture *fx, const uint8_t *cdb, uint8_t cdb_len, enum usbmsc_dir dir,
	       uint32_t len)
{
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = cdb_len, .lun = 0, .dir = dir,
		.data = len ? fx->data : NULL, .len = len,
	};

	memset(&fx->err, 0, sizeof fx->err);
	return fx->t->ops->exec(fx->t, &cmd, &fx->res, &fx->err);
}

/* Fixed-format sense with key/asc/ascq. */
static void make_sense(uint8_t s[18], uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(s, 0, 18);
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
}

static void good_in(void **state)
{
	struct fixture *fx = *state;
	uint8_t reply[36] = { 0x00, 0x80, 0x05, 0x02, 31 };
	const uint8_t *cbw;

	memcpy(reply + 8, "USBMSC  ", 8);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 36, reply, sizeof reply, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 36), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(fx->res.transferred, 36);
	assert_int_equal(fx->res.residue, 0);
	assert_memory_equal(fx->data, reply, 36);
	assert_false(fx->t->recovered);
	/* The CBW on the wire. */
	cbw = fx->pipe.cbws[0];
	assert_int_equal(usbmsc_get_le32(cbw), 0x43425355u);
	assert_int_equal(usbmsc_get_le32(cbw + 8), 36);
	assert_int_equal(cbw[12], 0x80);
	assert_int_equal(cbw[13], 0);
	assert_int_equal(cbw[14], 6);
	assert_memory_equal(cbw + 15, inquiry_cdb, 6);
	for (int i = 21; i < 31; i++)
		assert_int_equal(cbw[i], 0);
	/* Traced: CDB, CBW, data, CSW. */
	assert_int_equal(fx->log.kinds[USBMSC_TRACE_CDB], 1);
	assert_int_equal(fx->log.kinds[USBMSC_TRACE_CBW], 1);
	assert_int_equal(fx->log.kinds[USBMSC_TRACE_CSW], 1);
	assert_int_equal(fx->log.kinds[USBMSC_TRACE_DATA_IN], 1);
}

static void good_out(void **state)
{
	struct fixture *fx = *state;

	for (int i = 0; i < 512; i++)
		fx->data[i] = (uint8_t)(i * 7);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_out(&fx->pipe, 512, FAKE_ANY, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, write_cdb, 10, USBMSC_DIR_OUT, 512), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(fx->res.transferred, 512);
	assert_int_equal(fx->pipe.cbws[0][12], 0x00);
	assert_int_equal(fx->pipe.out_len, 512);
	assert_memory_equal(fx->pipe.out_data, fx->data, 512);
}

static void good_none(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(fx->res.transferred, 0);
	assert_int_equal(usbmsc_get_le32(fx->pipe.cbws[0] + 8), 0);
}

static void check_condition_fetches_sense(void **state)
{
	struct fixture *fx = *state;
	uint8_t sense[18];
	const uint8_t *rs;

	make_sense(sense, 0x05, 0x20, 0x00);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	/* REQUEST SENSE as a BOT command of its own */
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, sense, sizeof sense, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(fx->res.scsi_status, USBMSC_SCSI_CHECK_CONDITION);
	assert_int_equal(fx->res.sense_len, 18);
	assert_memory_equal(fx->res.sense, sense, 18);
	assert_int_equal(usbmsc_result_status(&fx->res), USBMSC_E_ILLEGAL_REQUEST);
	rs = fx->pipe.cbws[1];
	assert_int_equal(rs[12], 0x80);
	assert_int_equal(usbmsc_get_le32(rs + 8), 18);
	assert_int_equal(rs[15], 0x03);
	assert_int_equal(rs[15 + 4], 18);
	assert_int_equal(fx->log.kinds[USBMSC_TRACE_SENSE], 1);
}

static void check_condition_sense_fails(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, NULL, 0, USBMSC_PIPE_TIMEOUT);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(fx->res.sense_len, 0);
	assert_int_equal(usbmsc_result_status(&fx->res), USBMSC_E_OTHER);
	/* The command had its verdict: nothing for the device layer to retry. */
	assert_false(fx->t->recovered);
	assert_true(trace_has(&fx->log, "REQUEST SENSE failed"));
}

static void check_condition_sense_status_bad(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 18);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(fx->res.sense_len, 0);
}

/* One CSW check failure: the reply, then Reset Recovery exactly. */
static void expect_bad_csw(struct fixture *fx, const uint8_t *csw, size_t len)
{
	int r;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, csw, len, USBMSC_PIPE_OK);
	fake_expect_reset_recovery(&fx->pipe);
	r = run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(r, USBMSC_E_TRANSPORT);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
	assert_int_equal(fx->err.status, USBMSC_E_TRANSPORT);
	assert_non_null(strstr(fx->err.msg, "invalid CSW"));
	assert_non_null(strstr(fx->err.msg, "Reset Recovery done"));
	assert_true(fx->t->recovered);
	assert_true(trace_has(&fx->log, "invalid CSW"));
}

static void csw(uint8_t out[13], uint32_t sig, uint32_t tag, uint32_t residue, uint8_t status)
{
	usbmsc_put_le32(out, sig);
	usbmsc_put_le32(out + 4, tag);
	usbmsc_put_le32(out + 8, residue);
	out[12] = status;
}

static void csw_bad_signature(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	csw(c, 0x43425355u, 1, 0, 0);
	expect_bad_csw(fx, c, 13);
}

static void csw_bad_tag(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	csw(c, 0x53425355u, 2, 0, 0); /* the first CBW's tag is 1 */
	expect_bad_csw(fx, c, 13);
	assert_int_equal(fake_cbw_tag(&fx->pipe, 0), 1);
}

static void csw_short(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	csw(c, 0x53425355u, 1, 0, 0);
	expect_bad_csw(fx, c, 12);
}

static void csw_long(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	/* A 13-byte read cannot return more; a 13-byte-plus reply shows up
	 * as an overflow, which is an I/O error with Reset Recovery too. */
	csw(c, 0x53425355u, 1, 0, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, c, 13, USBMSC_PIPE_ERROR);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
}

static void csw_reserved_status(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	csw(c, 0x53425355u, 1, 0, 3);
	expect_bad_csw(fx, c, 13);
}

static void csw_residue_too_big(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	csw(c, 0x53425355u, 1, 1, 0); /* host length 0, residue 1 */
	expect_bad_csw(fx, c, 13);
	assert_non_null(strstr(fx->err.msg, "residue"));
}

static void phase_error(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 36, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 2, 0);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 36), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_PHASE_ERROR);
	assert_int_equal(usbmsc_result_status(&fx->res), USBMSC_E_TRANSPORT);
	assert_true(fx->t->recovered);
	assert_non_null(strstr(fx->err.msg, "phase error"));
}

static void data_in_stall(void **state)
{
	struct fixture *fx = *state;
	uint8_t part[36] = { 1, 2, 3 };

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 512, part, sizeof part, USBMSC_PIPE_STALL);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 476);
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 512), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(fx->res.transferred, 36);
	assert_int_equal(fx->res.residue, 476);
	assert_true(trace_has(&fx->log, "cleared Bulk-In halt"));
}

static void data_out_stall(void **state)
{
	struct fixture *fx = *state;
	uint8_t sense[18];

	make_sense(sense, 0x0B, 0x4B, 0x00);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_out(&fx->pipe, 512, 0, USBMSC_PIPE_STALL);
	fake_expect_clear(&fx->pipe, false, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 512);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, sense, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, write_cdb, 10, USBMSC_DIR_OUT, 512), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(fx->res.transferred, 0);
	assert_int_equal(fx->res.residue, 512);
	assert_int_equal(usbmsc_result_status(&fx->res), USBMSC_E_ABORTED);
	assert_true(trace_has(&fx->log, "cleared Bulk-Out halt"));
}

static void data_stall_clear_fails(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 36, NULL, 0, USBMSC_PIPE_STALL);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_STALL);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 36), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
}

static void csw_stall_then_retry(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_STALL);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_true(trace_has(&fx->log, "CSW read stalled; cleared Bulk-In halt, retrying"));
	assert_false(fx->t->recovered);
}

static void csw_stall_twice(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_STALL);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_STALL);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
	assert_true(fx->t->recovered);
}

static void zlp_before_csw(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_true(trace_has(&fx->log, "zero-length packet"));
}

static void zlp_twice(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
}

static void timeout_data(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 36, NULL, 0, USBMSC_PIPE_TIMEOUT);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 36), USBMSC_E_TIMEOUT);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_TIMEOUT);
	assert_true(fx->t->recovered);
	assert_non_null(strstr(fx->err.msg, "time-out"));
}

static void timeout_cbw(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_TIMEOUT);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TIMEOUT);
	fake_assert_done(&fx->pipe);
}

static void timeout_csw(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_TIMEOUT);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TIMEOUT);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_TIMEOUT);
}

static void cbw_stall(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_STALL);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
	assert_non_null(strstr(fx->err.msg, "CBW stalled"));
}

static void recovery_fails(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_STALL);
	fake_expect_control(&fx->pipe, 0x21, 0xFF, 0, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_TIMEOUT);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
	assert_false(fx->t->recovered);
	assert_non_null(strstr(fx->err.msg, "Reset Recovery failed"));
}

static void no_device_cbw(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_NO_DEVICE);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_NO_DEVICE);
	fake_assert_done(&fx->pipe); /* no recovery attempted on a gone device */
	assert_false(fx->t->recovered);
}

static void no_device_data(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 36, NULL, 0, USBMSC_PIPE_NO_DEVICE);
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 36), USBMSC_E_NO_DEVICE);
	fake_assert_done(&fx->pipe);
}

static void no_device_in_recovery(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_STALL);
	fake_expect_control(&fx->pipe, 0x21, 0xFF, 0, NULL, 0, USBMSC_PIPE_NO_DEVICE);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), USBMSC_E_NO_DEVICE);
	fake_assert_done(&fx->pipe);
}

static void tags_increase(void **state)
{
	struct fixture *fx = *state;
	uint8_t sense[18];

	make_sense(sense, 0x06, 0x29, 0x00);
	for (int i = 0; i < 3; i++) {
		fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
		fake_expect_csw(&fx->pipe, 0, 0);
	}
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, sense, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->pipe.cbw_count, 5);
	for (size_t i = 1; i < fx->pipe.cbw_count; i++)
		assert_true(fake_cbw_tag(&fx->pipe, i) > fake_cbw_tag(&fx->pipe, i - 1));
}

static void timeouts_passed(void **state)
{
	struct fixture *fx = *state;
	struct usbmsc_cmd cmd = { .cdb = tur_cdb, .cdb_len = 6, .timeout_ms = 1234 };

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(fx->t->ops->exec(fx->t, &cmd, &fx->res, &fx->err), 0);
	assert_int_equal(fx->pipe.last_timeout, 1234);
	fx->t->timeout_ms = 777;
	cmd.timeout_ms = 0;
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(fx->t->ops->exec(fx->t, &cmd, &fx->res, &fx->err), 0);
	assert_int_equal(fx->pipe.last_timeout, 777);
	fake_assert_done(&fx->pipe);
}

static void max_lun_good(void **state)
{
	struct fixture *fx = *state;
	uint8_t v = 3, lun = 99;

	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_bot_get_max_lun(&fx->pipe.base, &lun, 100), 0);
	assert_int_equal(lun, 3);
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	lun = 99;
	assert_int_equal(fx->t->ops->max_lun(fx->t, &lun, &fx->err), 0);
	assert_int_equal(lun, 3);
	fake_assert_done(&fx->pipe);
}

static void max_lun_stall(void **state)
{
	struct fixture *fx = *state;
	uint8_t lun = 99;

	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, NULL, 0, USBMSC_PIPE_STALL);
	assert_int_equal(usbmsc_bot_get_max_lun(&fx->pipe.base, &lun, 100), 0);
	assert_int_equal(lun, 0);
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, NULL, 0, USBMSC_PIPE_STALL);
	lun = 99;
	assert_int_equal(fx->t->ops->max_lun(fx->t, &lun, &fx->err), 0);
	assert_int_equal(lun, 0);
	fake_assert_done(&fx->pipe);
}

static void max_lun_bogus(void **state)
{
	struct fixture *fx = *state;
	uint8_t v = 16, lun = 99;

	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_bot_get_max_lun(&fx->pipe.base, &lun, 100), USBMSC_E_TRANSPORT);
	assert_int_equal(lun, 0);
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	assert_int_equal(fx->t->ops->max_lun(fx->t, &lun, &fx->err), USBMSC_E_TRANSPORT);
	assert_non_null(strstr(fx->err.msg, "16"));
	/* no reply at all */
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, NULL, 0, USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_bot_get_max_lun(&fx->pipe.base, &lun, 100), USBMSC_E_TRANSPORT);
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, NULL, 0, USBMSC_PIPE_TIMEOUT);
	assert_int_equal(usbmsc_bot_get_max_lun(&fx->pipe.base, &lun, 100), USBMSC_E_TIMEOUT);
	fake_assert_done(&fx->pipe);
}

static void reset_op(void **state)
{
	struct fixture *fx = *state;

	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(fx->t->ops->reset(fx->t, &fx->err), 0);
	fake_expect_control(&fx->pipe, 0x21, 0xFF, 0, NULL, 0, USBMSC_PIPE_STALL);
	assert_int_equal(fx->t->ops->reset(fx->t, &fx->err), USBMSC_E_TRANSPORT);
	assert_non_null(strstr(fx->err.msg, "Mass Storage Reset"));
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(usbmsc_bot_reset_recovery(&fx->pipe.base, 100), 0);
	fake_assert_done(&fx->pipe);
}

static void open_takes_ownership(void **state)
{
	struct fake_pipe p;
	struct usbmsc_error err = {0};

	(void)state;
	fake_init(&p);
	assert_int_equal(usbmsc_bot_transport_open(&p.base, 0, NULL, &err), USBMSC_E_USAGE);
	assert_int_equal(p.closed, 1);
}

static void bad_command_never_sent(void **state)
{
	struct fixture *fx = *state;

	/* A CDB of 17 bytes does not fit a CBW: nothing goes on the wire. */
	assert_int_equal(run(fx, tur_cdb, 17, USBMSC_DIR_NONE, 0), USBMSC_E_USAGE);
	assert_int_equal(fx->pipe.pos, 0);
}

/* ---- the vendor interface's framing ---------------------------------------- */

static int setup_vendor(void **state)
{
	struct fixture *fx;

	setup(state);
	fx = *state;
	fx->pipe.base.framing = USBMSC_FRAMING_VENDOR;
	return 0;
}

static void vendor_good_in(void **state)
{
	struct fixture *fx = *state;
	uint8_t reply[36] = { 0x00, 0x80, 0x05, 0x02, 31 };
	const uint8_t *cbw;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 36, reply, sizeof reply, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);     /* "UMVS" */
	assert_int_equal(run(fx, inquiry_cdb, 6, USBMSC_DIR_IN, 36), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(fx->res.transferred, 36);
	/* The CBW carries "UMVC"; the rest of it is BOT's layout. */
	assert_int_equal(fx->pipe.cbw_count, 1);
	cbw = fx->pipe.cbws[0];
	assert_int_equal(usbmsc_get_le32(cbw), USBMSC_VCBW_SIGNATURE);
	assert_int_equal(usbmsc_get_le32(cbw + 8), 36);
	assert_int_equal(cbw[12], 0x80);
	assert_int_equal(cbw[14], 6);
	assert_memory_equal(cbw + 15, inquiry_cdb, 6);
}

/* The mass-storage CSW signature is not valid on the vendor interface:
 * invalid CSW, then Reset Recovery with the vendor-type reset (0x41). */
static void vendor_rejects_bot_csw(void **state)
{
	struct fixture *fx = *state;
	uint8_t c[13];

	csw(c, USBMSC_CSW_SIGNATURE, 1, 0, 0);
	expect_bad_csw(fx, c, 13);
	assert_int_equal(fx->pipe.steps[2].rt, 0x41);
	assert_non_null(strstr(fx->err.msg, "bad CSW signature"));
}

static void vendor_check_condition_fetches_sense(void **state)
{
	struct fixture *fx = *state;
	uint8_t sense[18];

	make_sense(sense, 0x05, 0x24, 0x00);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, sense, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(run(fx, tur_cdb, 6, USBMSC_DIR_NONE, 0), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(fx->res.sense_len, 18);
	assert_int_equal(fx->pipe.cbw_count, 2);     /* both CBWs in the vendor framing */
	assert_int_equal(fx->pipe.cbws[1][15], 0x03);
}

static void vendor_requests(void **state)
{
	struct fixture *fx = *state;
	uint8_t v = 2, lun = 99;

	/* Get Max LUN and Reset go to the interface as vendor requests. */
	fake_expect_control(&fx->pipe, 0xC1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	assert_int_equal(fx->t->ops->max_lun(fx->t, &lun, &fx->err), 0);
	assert_int_equal(lun, 2);
	fake_expect_control(&fx->pipe, 0xC1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	lun = 99;
	assert_int_equal(usbmsc_bot_get_max_lun(&fx->pipe.base, &lun, 100), 0);
	assert_int_equal(lun, 2);
	fake_expect_control(&fx->pipe, 0x41, 0xFF, 0, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_OK);
	fake_expect_clear(&fx->pipe, false, USBMSC_PIPE_OK);
	assert_int_equal(fx->t->ops->reset(fx->t, &fx->err), 0);
	fake_expect_control(&fx->pipe, 0x41, 0xFF, 0, NULL, 0, USBMSC_PIPE_OK);
	fake_expect_clear(&fx->pipe, true, USBMSC_PIPE_OK);
	fake_expect_clear(&fx->pipe, false, USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_bot_reset_recovery(&fx->pipe.base, 100), 0);
	fake_assert_done(&fx->pipe);
}

/* A framing value the engine does not know is taken as BOT's. */
static void unknown_framing_is_bot(void **state)
{
	struct fixture *fx = *state;
	uint8_t v = 0, lun = 99;

	fx->pipe.base.framing = 7;
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	assert_int_equal(fx->t->ops->max_lun(fx->t, &lun, &fx->err), 0);
	fake_assert_done(&fx->pipe);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TV(f) cmocka_unit_test_setup_teardown(f, setup_vendor, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(good_in), T(good_out), T(good_none),
		T(check_condition_fetches_sense), T(check_condition_sense_fails),
		T(check_condition_sense_status_bad),
		T(csw_bad_signature), T(csw_bad_tag), T(csw_short), T(csw_long),
		T(csw_reserved_status), T(csw_residue_too_big), T(phase_error),
		T(data_in_stall), T(data_out_stall), T(data_stall_clear_fails),
		T(csw_stall_then_retry), T(csw_stall_twice), T(zlp_before_csw), T(zlp_twice),
		T(timeout_data), T(timeout_cbw), T(timeout_csw), T(cbw_stall), T(recovery_fails),
		T(no_device_cbw), T(no_device_data), T(no_device_in_recovery),
		T(tags_increase), T(timeouts_passed),
		T(max_lun_good), T(max_lun_stall), T(max_lun_bogus), T(reset_op),
		cmocka_unit_test(open_takes_ownership), T(bad_command_never_sent),
		TV(vendor_good_in), TV(vendor_rejects_bot_csw),
		TV(vendor_check_condition_fetches_sense), TV(vendor_requests),
		T(unknown_framing_is_bot),
	};

	return cmocka_run_group_tests_name("bot_engine", tests, NULL, NULL);
}
