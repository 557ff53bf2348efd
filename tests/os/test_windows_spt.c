/* Windows SCSI pass-through, the pure part: the request as
 * IOCTL_SCSI_PASS_THROUGH_DIRECT takes it, the verdict on what comes back
 * (SCSI status, residue, sense, Win32 errors), the adapter's limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/os/windows_spt.h"

static const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };

static struct usbmsc_cmd cmd_of(enum usbmsc_dir dir, uint8_t *data, uint32_t len)
{
	struct usbmsc_cmd c;

	memset(&c, 0, sizeof c);
	c.cdb = inquiry;
	c.cdb_len = sizeof inquiry;
	c.dir = dir;
	c.data = data;
	c.len = len;
	return c;
}

/* A request as the driver hands it back: status, bytes moved, sense. */
static struct usbmsc_spt_request reply(uint8_t status, uint32_t moved)
{
	struct usbmsc_spt_request r;
	struct usbmsc_error err;
	static uint8_t buf[4096];
	struct usbmsc_cmd c = cmd_of(USBMSC_DIR_IN, buf, sizeof buf);

	assert_int_equal(usbmsc_spt_fill(&r, &c, 0, &err), 0);
	r.sptd.scsi_status = status;
	r.sptd.data_transfer_length = moved;
	r.sptd.sense_info_length = 0;
	return r;
}

static int map(const struct usbmsc_spt_request *r, uint32_t asked, uint32_t win32,
	       struct usbmsc_result *res, struct usbmsc_error *err)
{
	memset(res, 0xA5, sizeof *res);     /* every field must be set */
	memset(err, 0, sizeof *err);
	return usbmsc_spt_map(r, asked, win32, res, err);
}

/* The layout of SCSI_PASS_THROUGH_DIRECT on Windows x64 (and, with 4-byte
 * pointers, on 32-bit Windows); windows_spt_abi.c checks it against
 * ntddscsi.h itself in the Windows build. */
static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct usbmsc_sptd, data_transfer_length), 12);
	assert_int_equal(offsetof(struct usbmsc_sptd, timeout_value), 16);
	if (sizeof(void *) == 8) {
		assert_int_equal(offsetof(struct usbmsc_sptd, data_buffer), 24);
		assert_int_equal(offsetof(struct usbmsc_sptd, sense_info_offset), 32);
		assert_int_equal(offsetof(struct usbmsc_sptd, cdb), 36);
		assert_int_equal(sizeof(struct usbmsc_sptd), 56);
	} else {
		assert_int_equal(offsetof(struct usbmsc_sptd, data_buffer), 20);
		assert_int_equal(offsetof(struct usbmsc_sptd, sense_info_offset), 24);
		assert_int_equal(offsetof(struct usbmsc_sptd, cdb), 28);
		assert_int_equal(sizeof(struct usbmsc_sptd), 44);
	}
}

static void test_fill_in(void **state)
{
	uint8_t buf[36];
	struct usbmsc_cmd c = cmd_of(USBMSC_DIR_IN, buf, sizeof buf);
	struct usbmsc_spt_request r;
	struct usbmsc_error err;

	(void)state;
	memset(&r, 0xEE, sizeof r);
	assert_int_equal(usbmsc_spt_fill(&r, &c, 1500, &err), 0);
	assert_int_equal(r.sptd.length, sizeof(struct usbmsc_sptd));
	assert_int_equal(r.sptd.cdb_length, 6);
	assert_memory_equal(r.sptd.cdb, inquiry, 6);
	assert_int_equal(r.sptd.cdb[6], 0);             /* the rest is zero */
	assert_int_equal(r.sptd.data_in, USBMSC_SPT_DATA_IN);
	assert_int_equal(r.sptd.data_transfer_length, 36);
	assert_ptr_equal(r.sptd.data_buffer, buf);
	assert_int_equal(r.sptd.sense_info_length, USBMSC_SPT_SENSE_MAX);
	assert_int_equal(r.sptd.sense_info_offset, offsetof(struct usbmsc_spt_request, sense));
	assert_int_equal(r.sptd.timeout_value, 2);       /* rounded up */
	assert_int_equal(r.sptd.scsi_status, 0);
	assert_int_equal(r.sptd.path_id, 0);
	assert_int_equal(r.sptd.target_id, 0);
	assert_int_equal(r.sptd.lun, 0);
}

static void test_fill_out_none_and_timeouts(void **state)
{
	uint8_t buf[512];
	struct usbmsc_cmd out = cmd_of(USBMSC_DIR_OUT, buf, sizeof buf);
	struct usbmsc_cmd none = cmd_of(USBMSC_DIR_NONE, NULL, 0);
	struct usbmsc_spt_request r;
	struct usbmsc_error err;

	(void)state;
	assert_int_equal(usbmsc_spt_fill(&r, &out, 1000, &err), 0);
	assert_int_equal(r.sptd.data_in, USBMSC_SPT_DATA_OUT);
	assert_int_equal(r.sptd.data_transfer_length, 512);
	assert_int_equal(r.sptd.timeout_value, 1);
	assert_int_equal(usbmsc_spt_fill(&r, &none, 1, &err), 0);
	assert_int_equal(r.sptd.data_in, USBMSC_SPT_DATA_UNSPECIFIED);
	assert_int_equal(r.sptd.data_transfer_length, 0);
	assert_null(r.sptd.data_buffer);
	assert_int_equal(r.sptd.timeout_value, 1);       /* never 0: no time-out at all */
	assert_int_equal(usbmsc_spt_fill(&r, &none, 0, &err), 0);
	assert_int_equal(r.sptd.timeout_value, USBMSC_DEFAULT_TIMEOUT_MS / 1000);
	assert_int_equal(usbmsc_spt_fill(&r, &none, 60001, &err), 0);
	assert_int_equal(r.sptd.timeout_value, 61);
}

static void test_fill_refuses(void **state)
{
	uint8_t buf[16];
	static const uint8_t long_cdb[17] = { 0x7F };
	struct usbmsc_cmd c = cmd_of(USBMSC_DIR_NONE, NULL, 0);
	struct usbmsc_spt_request r;
	struct usbmsc_error err;

	(void)state;
	c.cdb_len = 0;
	assert_int_equal(usbmsc_spt_fill(&r, &c, 0, &err), USBMSC_E_USAGE);
	c.cdb = long_cdb;
	c.cdb_len = 17;
	assert_int_equal(usbmsc_spt_fill(&r, &c, 0, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "17 bytes"));
	c = cmd_of(USBMSC_DIR_NONE, buf, sizeof buf);
	assert_int_equal(usbmsc_spt_fill(&r, &c, 0, &err), USBMSC_E_USAGE);
	c = cmd_of(USBMSC_DIR_IN, buf, 0);
	assert_int_equal(usbmsc_spt_fill(&r, &c, 0, &err), USBMSC_E_USAGE);
	c = cmd_of(USBMSC_DIR_OUT, buf, 0);
	assert_int_equal(usbmsc_spt_fill(&r, &c, 0, &err), USBMSC_E_USAGE);
}

static void test_good(void **state)
{
	struct usbmsc_spt_request r = reply(0x00, 4096);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.sense[0] = 0x70;                /* stale bytes: no sense on GOOD */
	r.sptd.sense_info_length = 18;
	assert_int_equal(map(&r, 4096, 0, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_GOOD);
	assert_int_equal(res.scsi_status, 0);
	assert_int_equal(res.residue, 0);
	assert_int_equal(res.transferred, 4096);
	assert_int_equal(res.sense_len, 0);
}

/* DataTransferLength comes back as the bytes moved after an underrun. */
static void test_underrun(void **state)
{
	struct usbmsc_spt_request r = reply(0x00, 1000);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	assert_int_equal(map(&r, 4096, 0, &res, &err), 0);
	assert_int_equal(res.residue, 3096);
	assert_int_equal(res.transferred, 1000);
	r.sptd.data_transfer_length = 0;
	assert_int_equal(map(&r, 4096, 0, &res, &err), 0);
	assert_int_equal(res.residue, 4096);
	assert_int_equal(res.transferred, 0);
	r.sptd.data_transfer_length = 9999;    /* more than asked: never trusted */
	assert_int_equal(map(&r, 4096, 0, &res, &err), 0);
	assert_int_equal(res.residue, 0);
	assert_int_equal(res.transferred, 4096);
}

static void test_check_condition(void **state)
{
	static const uint8_t sense[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00 };
	struct usbmsc_spt_request r = reply(0x02, 0);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	memcpy(r.sense, sense, sizeof sense);
	r.sptd.sense_info_length = sizeof sense;
	assert_int_equal(map(&r, 36, 0, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(res.scsi_status, 0x02);
	assert_int_equal(res.sense_len, 18);
	assert_memory_equal(res.sense, sense, sizeof sense);
	assert_int_equal(res.residue, 36);
	assert_int_equal(res.sense[2] & 0x0F, 0x05);    /* ILLEGAL REQUEST, handed on whole */
}

/* Drivers that leave SenseInfoLength as 0: the sense data's own length
 * (8 + additional length, fixed or descriptor format); never more than
 * the room given. */
static void test_sense_length(void **state)
{
	struct usbmsc_spt_request r = reply(0x02, 0);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	r.sense[0] = 0x70;
	r.sense[7] = 10;
	assert_int_equal(map(&r, 0, 0, &res, &err), 0);
	assert_int_equal(res.sense_len, 18);
	r.sense[0] = 0x72;
	r.sense[7] = 0;
	assert_int_equal(map(&r, 0, 0, &res, &err), 0);
	assert_int_equal(res.sense_len, 8);
	r.sense[0] = 0xF1;                   /* deferred, VALID bit set */
	r.sense[7] = 250;
	assert_int_equal(map(&r, 0, 0, &res, &err), 0);
	assert_int_equal(res.sense_len, USBMSC_SPT_SENSE_MAX);
	r.sense[0] = 0x00;                   /* not sense data */
	assert_int_equal(map(&r, 0, 0, &res, &err), 0);
	assert_int_equal(res.sense_len, 0);
	r.sptd.sense_info_length = 200;      /* a driver claiming more than the room */
	assert_int_equal(map(&r, 0, 0, &res, &err), 0);
	assert_int_equal(res.sense_len, USBMSC_SPT_SENSE_MAX);
}

static void test_scsi_status_verdicts(void **state)
{
	struct usbmsc_spt_request r = reply(0x08, 0);
	struct usbmsc_result res;
	struct usbmsc_error err;

	(void)state;
	assert_int_equal(map(&r, 512, 0, &res, &err), USBMSC_E_BUSY);
	r.sptd.scsi_status = 0x18;           /* reservation conflict */
	assert_int_equal(map(&r, 512, 0, &res, &err), USBMSC_E_BUSY);
	r.sptd.scsi_status = 0x40;           /* task aborted */
	assert_int_equal(map(&r, 512, 0, &res, &err), USBMSC_E_TRANSPORT);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_TRANSPORT_ERROR);
	r.sptd.scsi_status = 0x22;           /* command terminated: sense follows */
	assert_int_equal(map(&r, 512, 0, &res, &err), 0);
	assert_int_equal(res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
}

struct win32_case {
	uint32_t code;
	int status;
	enum usbmsc_outcome outcome;
	const char *text;
};

static void test_win32_errors(void **state)
{
	static const struct win32_case cases[] = {
		{ USBMSC_WIN_ERROR_ACCESS_DENIED, USBMSC_E_ACCESS, USBMSC_OUTCOME_TRANSPORT_ERROR,
		  "ERROR_ACCESS_DENIED (5): pass-through needs the disk open for reading" },
		{ USBMSC_WIN_ERROR_NOT_READY, USBMSC_E_NOT_READY, USBMSC_OUTCOME_TRANSPORT_ERROR,
		  "ERROR_NOT_READY (21)" },
		{ USBMSC_WIN_ERROR_SEM_TIMEOUT, USBMSC_E_TIMEOUT, USBMSC_OUTCOME_TIMEOUT,
		  "ERROR_SEM_TIMEOUT (121)" },
		{ USBMSC_WIN_ERROR_TIMEOUT, USBMSC_E_TIMEOUT, USBMSC_OUTCOME_TIMEOUT,
		  "ERROR_TIMEOUT (1460)" },
		{ USBMSC_WIN_ERROR_DEVICE_NOT_CONNECTED, USBMSC_E_NO_DEVICE,
		  USBMSC_OUTCOME_TRANSPORT_ERROR, "ERROR_DEVICE_NOT_CONNECTED (1167)" },
		{ USBMSC_WIN_ERROR_INVALID_FUNCTION, USBMSC_E_TRANSPORT,
		  USBMSC_OUTCOME_TRANSPORT_ERROR, "ERROR_INVALID_FUNCTION (1): the driver" },
		{ USBMSC_WIN_ERROR_SHARING_VIOLATION, USBMSC_E_BUSY, USBMSC_OUTCOME_TRANSPORT_ERROR,
		  "ERROR_SHARING_VIOLATION (32)" },
		{ USBMSC_WIN_ERROR_NO_MEDIA_IN_DRIVE, USBMSC_E_NOT_READY,
		  USBMSC_OUTCOME_TRANSPORT_ERROR, "ERROR_NO_MEDIA_IN_DRIVE" },
		{ USBMSC_WIN_ERROR_WRITE_PROTECT, USBMSC_E_DATA_PROTECT,
		  USBMSC_OUTCOME_TRANSPORT_ERROR, "ERROR_WRITE_PROTECT" },
		{ USBMSC_WIN_ERROR_INVALID_PARAMETER, USBMSC_E_TRANSPORT,
		  USBMSC_OUTCOME_TRANSPORT_ERROR, "buffer alignment" },
		{ 12345, USBMSC_E_TRANSPORT, USBMSC_OUTCOME_TRANSPORT_ERROR, "Win32 error 12345" },
	};
	struct usbmsc_spt_request r = reply(0x00, 512);
	struct usbmsc_result res;
	struct usbmsc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct win32_case *c = &cases[i];

		assert_int_equal(map(&r, 512, c->code, &res, &err), c->status);
		assert_int_equal(err.status, c->status);
		assert_int_equal(res.outcome, c->outcome);
		assert_int_equal(res.residue, 512);    /* nothing is known to have moved */
		assert_int_equal(res.transferred, 0);
		assert_int_equal(res.sense_len, 0);
		if (!strstr(err.msg, c->text))
			fail_msg("Win32 error %u: '%s' lacks '%s'", (unsigned)c->code, err.msg,
				 c->text);
	}
}

static void test_max_transfer(void **state)
{
	(void)state;
	assert_int_equal(usbmsc_spt_max_transfer(65536, 17, 4096), 65536);
	assert_int_equal(usbmsc_spt_max_transfer(1u << 20, 33, 4096), 128u * 1024u);
	assert_int_equal(usbmsc_spt_max_transfer(0, 33, 4096), 128u * 1024u);
	assert_int_equal(usbmsc_spt_max_transfer(131072, 0, 4096), 131072);
	assert_int_equal(usbmsc_spt_max_transfer(0, 0, 4096), 0);
	assert_int_equal(usbmsc_spt_max_transfer(0, 1, 4096), 4096);
	assert_int_equal(usbmsc_spt_max_transfer(0, 0x80000000u, 4096), UINT32_MAX);
}

static void test_aligned(void **state)
{
	static uint8_t buf[64] __attribute__((aligned(16)));

	(void)state;
	assert_true(usbmsc_spt_aligned(buf, 0));
	assert_true(usbmsc_spt_aligned(buf, 15));
	assert_true(usbmsc_spt_aligned(buf + 1, 0));
	assert_false(usbmsc_spt_aligned(buf + 1, 1));
	assert_true(usbmsc_spt_aligned(buf + 4, 3));
	assert_false(usbmsc_spt_aligned(buf + 4, 7));
}

/* A disk or volume path that does not open: the category says why, the
 * message names the path and what to do. */
static void open_fails(uint32_t code, int status, const char *words)
{
	struct usbmsc_error err;

	memset(&err, 0, sizeof err);
	assert_int_equal(usbmsc_spt_open_fail("\\\\.\\PhysicalDrive3", code, &err), status);
	assert_int_equal(err.status, status);
	if (!strstr(err.msg, "\\\\.\\PhysicalDrive3") || !strstr(err.msg, words))
		fail_msg("Win32 error %u: '%s' lacks '%s'", (unsigned)code, err.msg, words);
}

static void test_open_failures(void **state)
{
	(void)state;
	open_fails(USBMSC_WIN_ERROR_ACCESS_DENIED, USBMSC_E_ACCESS, "run as administrator");
	open_fails(USBMSC_WIN_ERROR_FILE_NOT_FOUND, USBMSC_E_NO_DEVICE, "no such disk or volume");
	open_fails(USBMSC_WIN_ERROR_PATH_NOT_FOUND, USBMSC_E_NO_DEVICE, "no such disk or volume");
	open_fails(USBMSC_WIN_ERROR_DEVICE_REMOVED, USBMSC_E_NO_DEVICE, "no such disk or volume");
	open_fails(USBMSC_WIN_ERROR_SHARING_VIOLATION, USBMSC_E_BUSY, "exclusively");
	open_fails(USBMSC_WIN_ERROR_GEN_FAILURE, USBMSC_E_OTHER, "Win32 error 31");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_fill_in),
		cmocka_unit_test(test_fill_out_none_and_timeouts),
		cmocka_unit_test(test_fill_refuses),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_underrun),
		cmocka_unit_test(test_check_condition),
		cmocka_unit_test(test_sense_length),
		cmocka_unit_test(test_scsi_status_verdicts),
		cmocka_unit_test(test_win32_errors),
		cmocka_unit_test(test_max_transfer),
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_open_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
