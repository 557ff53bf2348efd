/* The device handle: URI dispatch, command validation, the one retry
 * after a successful Reset Recovery, error messages and result
 * categories. The device runs the real BOT engine over a scripted pipe. */
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
	struct usbmsc_dev *dev;
	struct trace_log log;
	struct usbmsc_result res;
	uint8_t data[512];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct usbmsc_transport *t;
	struct usbmsc_error err = {0};

	assert_non_null(fx);
	fake_init(&fx->pipe);
	assert_int_equal(usbmsc_bot_transport_open(&fx->pipe.base, 4096, &t, &err), 0);
	t->trace.fn = trace_log_fn;
	t->trace.ctx = &fx->log;
	assert_int_equal(usbmsc_dev_from_transport(t, &fx->dev, &err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	usbmsc_close(fx->dev);
	assert_int_equal(fx->pipe.closed, 1);
	free(fx);
	return 0;
}

static const uint8_t tur_cdb[6] = { 0 };
static const uint8_t read_cdb[10] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0 };

static void make_sense(uint8_t s[18], uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(s, 0, 18);
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
}

static int tur(struct fixture *fx)
{
	struct usbmsc_cmd cmd = { .cdb = tur_cdb, .cdb_len = 6 };

	return usbmsc_exec(fx->dev, &cmd, &fx->res);
}

static int read1(struct fixture *fx)
{
	struct usbmsc_cmd cmd = {
		.cdb = read_cdb, .cdb_len = 10, .dir = USBMSC_DIR_IN, .data = fx->data, .len = 512,
	};

	return usbmsc_exec(fx->dev, &cmd, &fx->res);
}

static void bad_csw(struct fake_pipe *p)
{
	uint8_t c[13] = { 'U', 'S', 'B', 'X' };

	fake_expect_cbw(p, USBMSC_PIPE_OK);
	fake_expect_in(p, 13, c, 13, USBMSC_PIPE_OK);
	fake_expect_reset_recovery(p);
}

/* ---- URIs ------------------------------------------------------------------ */

static void uri_dispatch(void **state)
{
	struct usbmsc_dev *dev = (struct usbmsc_dev *)1;
	struct usbmsc_error err = {0};

	(void)state;
	/* A scheme this build does not know is the caller's mistake. */
	assert_int_equal(usbmsc_open("nosuch:1234:5678", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_null(dev);
	assert_non_null(strstr(err.msg, "unknown scheme 'nosuch:'"));
	assert_non_null(strstr(err.msg, "sim:PATH"));
	/* Device nodes and auto: answer as the OS backend does: tests/os/. */
	assert_int_equal(usbmsc_open("", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(usbmsc_open("nonsense", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "did you mean 'sim:nonsense'"));
	/* A path that names no device node: a file, a directory (what the
	 * message says is the OS backend's: tests/os and the CLI tests). */
	assert_int_equal(usbmsc_open("/etc/passwd", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_open("/", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_open("/tmp", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_open("1x:abc", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_open(NULL, NULL, &dev, &err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_open("sim:", NULL, &dev, &err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_open("sim:/nonexistent-dir/x.img?bogus=1", NULL, &dev, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "bogus"));
	assert_null(dev);
}

/* ---- validation --------------------------------------------------------------- */

static void validation(void **state)
{
	struct fixture *fx = *state;
	struct usbmsc_cmd cmd = { .cdb = tur_cdb, .cdb_len = 0 };

	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	cmd.cdb_len = 17;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "17"));
	cmd.cdb_len = 6;
	cmd.len = 5;
	cmd.data = fx->data;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	cmd.dir = USBMSC_DIR_IN;
	cmd.len = 0;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	cmd.len = 5;
	cmd.data = NULL;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	cmd.data = fx->data;
	cmd.lun = 16;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	cmd.lun = 0;
	cmd.dir = (enum usbmsc_dir)7;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_exec(fx->dev, NULL, &fx->res), USBMSC_E_USAGE);
	assert_int_equal(fx->pipe.pos, 0); /* nothing reached the wire */
}

/* ---- retry after recovery ------------------------------------------------------- */

static void retry_after_bad_csw(void **state)
{
	struct fixture *fx = *state;
	uint8_t block[64] = { 0xAB };
	uint8_t c[13] = { 'U', 'S', 'B', 'X' };

	/* the first try: data, then a CSW with a bad signature */
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 512, block, 64, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, c, 13, USBMSC_PIPE_OK);
	fake_expect_reset_recovery(&fx->pipe);
	block[0] = 0xCD;
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 512, block, 64, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 448);
	assert_int_equal(read1(fx), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(fx->res.transferred, 64);
	assert_int_equal(fx->data[0], 0xCD); /* the retry's data */
	assert_true(trace_has(&fx->log, "recovered: retried after Reset Recovery"));
	assert_string_equal(usbmsc_dev_errmsg(fx->dev), "");
	/* the retry is a new command with a new tag */
	assert_true(fake_cbw_tag(&fx->pipe, 1) > fake_cbw_tag(&fx->pipe, 0));
}

static void retry_after_timeout(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 13, NULL, 0, USBMSC_PIPE_TIMEOUT);
	fake_expect_reset_recovery(&fx->pipe);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), 0);
	fake_assert_done(&fx->pipe);
	assert_true(trace_has(&fx->log, "recovered"));
}

static void retry_after_phase_error(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 2, 0);
	fake_expect_reset_recovery(&fx->pipe);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), 0);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_GOOD);
}

static void retry_only_once(void **state)
{
	struct fixture *fx = *state;

	bad_csw(&fx->pipe);
	bad_csw(&fx->pipe);
	assert_int_equal(tur(fx), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "invalid CSW"));
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "after one retry"));
}

static void no_retry_when_recovery_failed(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_STALL);
	fake_expect_control(&fx->pipe, 0x21, 0xFF, 0, NULL, 0, USBMSC_PIPE_STALL);
	assert_int_equal(tur(fx), USBMSC_E_TRANSPORT);
	fake_assert_done(&fx->pipe);
	assert_false(trace_has(&fx->log, "recovered"));
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "Reset Recovery failed"));
}

static void no_retry_on_no_device(void **state)
{
	struct fixture *fx = *state;

	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_NO_DEVICE);
	assert_int_equal(tur(fx), USBMSC_E_NO_DEVICE);
	fake_assert_done(&fx->pipe);
}

static void reset_unit_attention_retried(void **state)
{
	struct fixture *fx = *state;
	uint8_t ua[18];

	make_sense(ua, 0x06, 0x29, 0x00);
	bad_csw(&fx->pipe);
	/* the retry meets the unit attention our reset raised */
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, ua, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	/* and the command gets its run */
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), 0);
	fake_assert_done(&fx->pipe);
}

static void unit_attention_without_reset_reported(void **state)
{
	struct fixture *fx = *state;
	uint8_t ua[18];

	make_sense(ua, 0x06, 0x29, 0x00);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, ua, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), USBMSC_E_UNIT_ATTENTION);
	fake_assert_done(&fx->pipe);
}

/* ---- messages and categories ------------------------------------------------------ */

static void check_condition_message(void **state)
{
	struct fixture *fx = *state;
	uint8_t sense[18];
	const char *msg;

	make_sense(sense, 0x05, 0x20, 0x00);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, sense, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), USBMSC_E_ILLEGAL_REQUEST);
	msg = usbmsc_dev_errmsg(fx->dev);
	assert_non_null(strstr(msg, "ILLEGAL REQUEST"));
	assert_non_null(strstr(msg, "05/20/00"));
	/* a good command clears it */
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), 0);
	assert_string_equal(usbmsc_dev_errmsg(fx->dev), "");
	fake_assert_done(&fx->pipe);
}

static void recovered_error_is_success(void **state)
{
	struct fixture *fx = *state;
	uint8_t sense[18];

	make_sense(sense, 0x01, 0x17, 0x01);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 1, 0);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_in(&fx->pipe, 18, sense, 18, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), 0);
	assert_int_equal(fx->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	fake_assert_done(&fx->pipe);
}

static void result_categories(void **state)
{
	struct usbmsc_result r;

	(void)state;
	memset(&r, 0, sizeof r);
	assert_int_equal(usbmsc_result_status(&r), 0);
	r.outcome = USBMSC_OUTCOME_PHASE_ERROR;
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_TRANSPORT);
	r.outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_TRANSPORT);
	r.outcome = USBMSC_OUTCOME_TIMEOUT;
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_TIMEOUT);
	r.outcome = USBMSC_OUTCOME_CHECK_CONDITION;
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_OTHER); /* no sense */
	make_sense(r.sense, 0x02, 0x3A, 0x00);
	r.sense_len = 18;
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_NOT_READY);
	make_sense(r.sense, 0x07, 0x27, 0x00);
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_DATA_PROTECT);
	make_sense(r.sense, 0x0B, 0x4B, 0x00);
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_ABORTED);
	/* descriptor format */
	memset(r.sense, 0, sizeof r.sense);
	r.sense[0] = 0x72;
	r.sense[1] = 0x03;
	r.sense[2] = 0x11;
	r.sense_len = 8;
	assert_int_equal(usbmsc_result_status(&r), USBMSC_E_MEDIUM);

	assert_string_equal(usbmsc_outcome_name(USBMSC_OUTCOME_GOOD), "good");
	assert_string_equal(usbmsc_outcome_name(USBMSC_OUTCOME_CHECK_CONDITION), "check-condition");
	assert_string_equal(usbmsc_outcome_name(USBMSC_OUTCOME_PHASE_ERROR), "phase-error");
	assert_string_equal(usbmsc_outcome_name(USBMSC_OUTCOME_TRANSPORT_ERROR), "transport-error");
	assert_string_equal(usbmsc_outcome_name(USBMSC_OUTCOME_TIMEOUT), "timeout");
}

static void handle_accessors(void **state)
{
	struct fixture *fx = *state;
	uint8_t v = 2, lun = 0;

	assert_string_equal(usbmsc_dev_transport_name(fx->dev), "bot");
	assert_int_equal(usbmsc_dev_max_transfer(fx->dev), 4096);
	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &v, 1, USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_dev_max_lun(fx->dev, &lun), 0);
	assert_int_equal(lun, 2);
	fake_expect_reset_recovery(&fx->pipe);
	assert_int_equal(usbmsc_dev_reset(fx->dev), 0);
	fake_expect_control(&fx->pipe, 0x21, 0xFF, 0, NULL, 0, USBMSC_PIPE_TIMEOUT);
	assert_int_equal(usbmsc_dev_reset(fx->dev), USBMSC_E_TIMEOUT);
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "Reset Recovery failed"));
	fake_assert_done(&fx->pipe);
}

/* A LUN past the device's highest is refused before a CBW goes out, after
 * one Get Max LUN; the LUNs it has work. */
static void lun_past_max_refused(void **state)
{
	struct fixture *fx = *state;
	struct usbmsc_cmd cmd = { .cdb = tur_cdb, .cdb_len = 6, .lun = 1 };
	uint8_t zero = 0;

	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &zero, 1, USBMSC_PIPE_OK);
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	assert_string_equal(usbmsc_dev_errmsg(fx->dev), "the device has LUNs 0..0, not 1");
	assert_int_equal(fx->pipe.cbw_count, 0);
	/* Asked once: the answer is kept. */
	cmd.lun = 3;
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), USBMSC_E_USAGE);
	assert_string_equal(usbmsc_dev_errmsg(fx->dev), "the device has LUNs 0..0, not 3");
	cmd.lun = 0;
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), 0);
	fake_assert_done(&fx->pipe);
}

static void lun_within_max_sent(void **state)
{
	struct fixture *fx = *state;
	struct usbmsc_cmd cmd = { .cdb = tur_cdb, .cdb_len = 6, .lun = 2 };
	uint8_t two = 2;

	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, &two, 1, USBMSC_PIPE_OK);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), 0);
	assert_int_equal(fx->pipe.cbws[0][13], 2);   /* bCBWLUN */
	fake_assert_done(&fx->pipe);
}

/* When the device cannot say (Get Max LUN times out), the command goes. */
static void lun_unknown_sent(void **state)
{
	struct fixture *fx = *state;
	struct usbmsc_cmd cmd = { .cdb = tur_cdb, .cdb_len = 6, .lun = 1 };

	fake_expect_control(&fx->pipe, 0xA1, 0xFE, 1, NULL, 0, USBMSC_PIPE_TIMEOUT);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(usbmsc_exec(fx->dev, &cmd, &fx->res), 0);
	fake_assert_done(&fx->pipe);
}

/* The program's stop flag: once set, every command fails at once with
 * USBMSC_E_INTERRUPTED, before anything is sent. */
static void stop_flag_stops_commands(void **state)
{
	struct fixture *fx = *state;
	static volatile sig_atomic_t stop;

	stop = 0;
	usbmsc_set_stop_flag(&stop);
	fake_expect_cbw(&fx->pipe, USBMSC_PIPE_OK);
	fake_expect_csw(&fx->pipe, 0, 0);
	assert_int_equal(tur(fx), 0);
	assert_false(usbmsc_stop_requested());
	stop = 1;
	assert_true(usbmsc_stop_requested());
	assert_int_equal(tur(fx), USBMSC_E_INTERRUPTED);
	assert_int_equal(read1(fx), USBMSC_E_INTERRUPTED);
	assert_string_equal(usbmsc_dev_errmsg(fx->dev), "interrupted: stop requested");
	assert_int_equal(fx->pipe.cbw_count, 1);
	usbmsc_set_stop_flag(NULL);
	assert_false(usbmsc_stop_requested());
	fake_assert_done(&fx->pipe);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uri_dispatch), T(validation),
		T(retry_after_bad_csw), T(retry_after_timeout), T(retry_after_phase_error),
		T(retry_only_once), T(no_retry_when_recovery_failed), T(no_retry_on_no_device),
		T(reset_unit_attention_retried), T(unit_attention_without_reset_reported),
		T(check_condition_message), T(recovered_error_is_success),
		cmocka_unit_test(result_categories), T(handle_accessors),
		T(lun_past_max_refused), T(lun_within_max_sent), T(lun_unknown_sent),
		T(stop_flag_stops_commands),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
