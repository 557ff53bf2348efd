/* SG_IO verdicts: ioctl errors, host and driver bytes, SCSI status,
 * residue, sense length. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../src/os/usbmsc_os.h"

static struct usbmsc_sgio_reply reply(uint32_t len)
{
	struct usbmsc_sgio_reply r;

	memset(&r, 0, sizeof r);
	r.dxfer_len = len;
	return r;
}

static int map(const struct usbmsc_sgio_reply *r, struct usbmsc_result *res,
	       struct usbmsc_error *err)
{
	memset(res, 0xA5, sizeof *res);     /* every field must be set */
	memset(err, 0, sizeof *err);
	return usbmsc_sgio_map(r, res, err);
}

static void test_good_with_residue(void **state)
{
	struct usbmsc_sgio_reply r = reply(4096);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.resid = 1024;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(res.scsi_status, 0);
	assert_int_equal(res.residue, 1024);
	assert_int_equal(res.transferred, 3072);
	assert_int_equal(res.sense_len, 0);
}

static void test_residue_is_clamped(void **state)
{
	struct usbmsc_sgio_reply r = reply(512);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.resid = 9999;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.residue, 512);
	assert_int_equal(res.transferred, 0);
	r.resid = -5;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.residue, 0);
	assert_int_equal(res.transferred, 512);
}

static void test_check_condition(void **state)
{
	struct usbmsc_sgio_reply r = reply(0);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.status = 0x02;
	r.driver_status = USBMSC_DRIVER_SENSE;
	r.sb_len_wr = 18;
	/* A verdict, not a transport failure: the device layer maps the key. */
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(res.scsi_status, 0x02);
	assert_int_equal(res.sense_len, 18);
	/* The sense buffer is USBMSC_SENSE_MAX long; a bigger claim is capped. */
	r.sb_len_wr = 255;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.sense_len, USBMSC_SENSE_MAX);
	/* COMMAND TERMINATED carries sense too. */
	r.status = 0x22;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
}

static void test_timeouts(void **state)
{
	struct usbmsc_sgio_reply r = reply(512);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.host_status = USBMSC_DID_TIME_OUT;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TIMEOUT);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_TIMEOUT);
	assert_int_equal(err.status, USBMSC_E_TIMEOUT);
	assert_non_null(strstr(err.msg, "timed out"));

	r = reply(512);
	r.driver_status = 0x20 | USBMSC_DRIVER_TIMEOUT;   /* suggestion bits ignored */
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TIMEOUT);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_TIMEOUT);

	r = reply(512);
	r.ioctl_errno = ETIMEDOUT;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TIMEOUT);
}

static void test_no_device(void **state)
{
	static const int hosts[] = { USBMSC_DID_NO_CONNECT, USBMSC_DID_BAD_TARGET };
	static const int errnos[] = { ENODEV, ENXIO };
	struct usbmsc_sgio_reply r;
	struct usbmsc_result res;
	struct usbmsc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		r = reply(64);
		r.host_status = (uint16_t)hosts[i];
		assert_int_equal(map(&r, &res, &err), USBMSC_E_NO_DEVICE);
		assert_int_equal(res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
		r = reply(64);
		r.ioctl_errno = errnos[i];
		assert_int_equal(map(&r, &res, &err), USBMSC_E_NO_DEVICE);
		assert_int_equal(res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
		assert_int_equal(res.transferred, 0);
		assert_int_equal(res.residue, 64);
	}
}

static void test_other_host_errors(void **state)
{
	static const int hosts[] = { USBMSC_DID_BUS_BUSY, USBMSC_DID_ABORT, USBMSC_DID_ERROR,
				     USBMSC_DID_RESET, USBMSC_DID_TRANSPORT_DISRUPTED, 0x13 };
	struct usbmsc_sgio_reply r;
	struct usbmsc_result res;
	struct usbmsc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		r = reply(0);
		r.host_status = (uint16_t)hosts[i];
		r.status = 0x02;    /* a host error wins over the status byte */
		assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
		assert_int_equal(res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
		assert_non_null(strstr(err.msg, "host"));
	}
}

static void test_driver_errors(void **state)
{
	struct usbmsc_sgio_reply r = reply(0);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.driver_status = USBMSC_DRIVER_ERROR;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
	r.driver_status = USBMSC_DRIVER_HARD;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
	/* DRIVER_SENSE on its own only says that sense came back. */
	r.driver_status = USBMSC_DRIVER_SENSE;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_GOOD);
}

static void test_busy_statuses(void **state)
{
	static const uint8_t busy[] = { 0x08, 0x28, 0x18 };
	struct usbmsc_sgio_reply r;
	struct usbmsc_result res;
	struct usbmsc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof busy; i++) {
		r = reply(0);
		r.status = busy[i];
		assert_int_equal(map(&r, &res, &err), USBMSC_E_BUSY);
		assert_int_equal(res.scsi_status, busy[i]);
	}
	r = reply(0);
	r.status = 0x40;    /* TASK ABORTED */
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
	assert_non_null(strstr(err.msg, "0x40"));
	/* CONDITION MET is a good status. */
	r.status = 0x04;
	assert_int_equal(map(&r, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_GOOD);
}

static void test_ioctl_errors(void **state)
{
	struct usbmsc_sgio_reply r = reply(8);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.ioctl_errno = EACCES;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_ACCESS);
	r.ioctl_errno = EBUSY;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_BUSY);
	r.ioctl_errno = ENOMEM;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
	r.ioctl_errno = EINTR;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
	assert_non_null(strstr(err.msg, "interrupted"));
	/* Sense from a failed ioctl is never passed on. */
	r.sb_len_wr = 18;
	assert_int_equal(map(&r, &res, &err), USBMSC_E_TRANSPORT);
	assert_int_equal(res.sense_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_with_residue),
		cmocka_unit_test(test_residue_is_clamped),
		cmocka_unit_test(test_check_condition),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_no_device),
		cmocka_unit_test(test_other_host_errors),
		cmocka_unit_test(test_driver_errors),
		cmocka_unit_test(test_busy_statuses),
		cmocka_unit_test(test_ioctl_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
