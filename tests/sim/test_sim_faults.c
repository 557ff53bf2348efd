/* Every fault kind through usbmsc_open("sim:PATH?fault=KIND@N"): the host
 * either recovers (the command ends GOOD and the trace says how) or fails
 * with the right category, never hangs, and the image holds exactly what
 * successful WRITEs asked for.
 *
 * Command numbering: the first TEST UNIT READY meets the power-on unit
 * attention (CBW 1) and fetches its sense (CBW 2); the second passes (CBW
 * 3); the command under test is CBW 4. */
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

#define LBA 10u
#define COUNT 4u

struct ffx {
	struct simfx f;
	struct usbmsc_dev *dev;
	struct notes notes;
	struct usbmsc_result res;
	uint8_t data[COUNT * BS];
	uint8_t back[COUNT * BS];
	uint64_t hash;
};

static int setup(void **state)
{
	struct ffx *x = calloc(1, sizeof *x);

	assert_non_null(x);
	simfx_init(&x->f, true);
	x->hash = hash_file(x->f.path, 0, 0);
	for (size_t i = 0; i < sizeof x->data; i++)
		x->data[i] = (uint8_t)(0xC0 ^ i ^ (i >> 8));
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ffx *x = *state;

	usbmsc_close(x->dev);
	simfx_cleanup(&x->f);
	free(x);
	return 0;
}

/* Open with these options and get to the point where CBW 4 is next. */
static void open_dev(struct ffx *x, const char *options)
{
	char uri[512];
	struct usbmsc_open_opts opts = { .timeout_ms = 500 };
	struct usbmsc_error err = {0};

	opts.trace.fn = notes_fn;
	opts.trace.ctx = &x->notes;
	simfx_uri(&x->f, options, uri, sizeof uri);
	if (usbmsc_open(uri, &opts, &x->dev, &err) != 0)
		fail_msg("usbmsc_open(%s): %s", uri, err.msg);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), 0);
}

static int write_blocks(struct ffx *x)
{
	return usbmsc_write_blocks(x->dev, 0, LBA, COUNT, BS, x->data, &x->res);
}

static int read_blocks(struct ffx *x)
{
	memset(x->back, 0, sizeof x->back);
	return usbmsc_read_blocks(x->dev, 0, LBA, COUNT, BS, x->back, &x->res);
}

/* The image is the pattern except the written range, which holds data. */
static void assert_image_written(struct ffx *x)
{
	uint8_t got[COUNT * BS];

	read_file(x->f.path, LBA * BS, got, sizeof got);
	assert_memory_equal(got, x->data, sizeof got);
	assert_pattern(x->f.path, 0, LBA * BS);
	assert_pattern(x->f.path, (LBA + COUNT) * BS, IMG_SIZE - (LBA + COUNT) * BS);
}

static void assert_image_intact(struct ffx *x)
{
	assert_int_equal(hash_file(x->f.path, 0, 0), x->hash);
}

static void assert_read_good(struct ffx *x)
{
	assert_int_equal(read_blocks(x), 0);
	for (size_t i = 0; i < sizeof x->back; i++)
		assert_int_equal(x->back[i], pattern_byte(LBA * BS + i));
}

static void assert_read_good_written(struct ffx *x)
{
	assert_int_equal(read_blocks(x), 0);
	assert_memory_equal(x->back, x->data, sizeof x->data);
}

static bool noted(const struct ffx *x, const char *s)
{
	return strstr(x->notes.text, s) != NULL;
}

/* ---- the data stage faults -------------------------------------------------- */

static void stall_in(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=stall-in@4");
	assert_int_equal(read_blocks(x), USBMSC_E_ABORTED);
	assert_int_equal(x->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(x->res.transferred, 0); /* no data arrived */
	assert_int_equal(x->res.residue, COUNT * BS);
	assert_int_equal(x->res.sense[12], 0x4B);
	assert_non_null(strstr(usbmsc_dev_errmsg(x->dev), "0B/4B/00"));
	assert_true(noted(x, "cleared Bulk-In halt"));
	assert_read_good(x); /* fires once */
	assert_image_intact(x);
}

static void stall_in_waits_for_in_command(void **state)
{
	struct ffx *x = *state;

	/* due at 4, but 4 is a WRITE: it fires on the next IN command */
	open_dev(x, "fault=stall-in@4");
	assert_int_equal(write_blocks(x), 0);
	assert_int_equal(read_blocks(x), USBMSC_E_ABORTED);
	assert_read_good_written(x);
	assert_image_written(x);
}

static void stall_out(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=stall-out@4");
	assert_int_equal(write_blocks(x), USBMSC_E_ABORTED);
	assert_int_equal(x->res.transferred, 0);
	assert_true(noted(x, "cleared Bulk-Out halt"));
	assert_image_intact(x); /* nothing written for the swallowed data */
	assert_int_equal(write_blocks(x), 0);
	assert_image_written(x);
}

/* ---- the CSW faults ------------------------------------------------------------ */

static void stall_csw(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=stall-csw@4");
	assert_int_equal(write_blocks(x), 0);
	assert_true(noted(x, "CSW read stalled; cleared Bulk-In halt, retrying"));
	assert_false(noted(x, "Reset Recovery")); /* the retry was enough */
	assert_image_written(x);
}

/* A CSW fault on the WRITE: Reset Recovery, one retry, GOOD. */
static void csw_fault_recovered(struct ffx *x, const char *kind, const char *why)
{
	char opts[64];

	snprintf(opts, sizeof opts, "fault=%s@4", kind);
	open_dev(x, opts);
	assert_int_equal(write_blocks(x), 0);
	assert_int_equal(x->res.outcome, USBMSC_OUTCOME_GOOD);
	assert_true(noted(x, why));
	assert_true(noted(x, "Reset Recovery done"));
	assert_true(noted(x, "recovered: retried after Reset Recovery"));
	assert_image_written(x);
	assert_read_good_written(x);
}

static void bad_csw_signature(void **state)
{
	csw_fault_recovered(*state, "bad-csw-signature", "invalid CSW");
}

static void bad_csw_tag(void **state)
{
	csw_fault_recovered(*state, "bad-csw-tag", "invalid CSW");
}

static void short_csw(void **state)
{
	csw_fault_recovered(*state, "short-csw", "invalid CSW");
}

static void residue_too_big(void **state)
{
	csw_fault_recovered(*state, "residue-too-big", "invalid CSW");
}

static void phase_error(void **state)
{
	csw_fault_recovered(*state, "phase-error", "phase error");
}

static void bad_csw_on_read(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=bad-csw-tag@4");
	assert_read_good(x);
	assert_true(noted(x, "recovered"));
	assert_image_intact(x);
}

/* ---- time-out and disconnect ------------------------------------------------------- */

static void timeout(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=timeout@4");
	assert_int_equal(write_blocks(x), 0);
	/* the device took the CBW, then NAKed the data */
	assert_true(noted(x, "time-out while moving data"));
	assert_true(noted(x, "recovered: retried after Reset Recovery"));
	assert_image_written(x);
}

static void timeout_on_read(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=timeout@4");
	assert_read_good(x);
	assert_true(noted(x, "time-out"));
	assert_image_intact(x);
}

static void disconnect(void **state)
{
	struct ffx *x = *state;
	uint8_t lun;

	open_dev(x, "fault=disconnect@4");
	assert_int_equal(write_blocks(x), USBMSC_E_NO_DEVICE);
	assert_image_intact(x);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_NO_DEVICE);
	assert_int_equal(usbmsc_dev_max_lun(x->dev, &lun), USBMSC_E_NO_DEVICE);
	assert_int_equal(usbmsc_dev_reset(x->dev), USBMSC_E_NO_DEVICE);
}

/* ---- counting and combinations ----------------------------------------------------- */

static void request_sense_counts(void **state)
{
	struct ffx *x = *state;
	char uri[512];
	struct usbmsc_error err = {0};

	/* CBW 2 is the REQUEST SENSE the host sends for the unit attention:
	 * its CSW says phase error, so the TEST UNIT READY keeps CHECK
	 * CONDITION without sense. */
	simfx_uri(&x->f, "fault=phase-error@2", uri, sizeof uri);
	assert_int_equal(usbmsc_open(uri, NULL, &x->dev, &err), 0);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_OTHER);
	assert_int_equal(x->res.outcome, USBMSC_OUTCOME_CHECK_CONDITION);
	assert_int_equal(x->res.sense_len, 0);
	/* the recovery's reset raised a fresh unit attention */
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), 0);
}

static void several_faults(void **state)
{
	struct ffx *x = *state;

	open_dev(x, "fault=bad-csw-signature@4,stall-csw@5&fault=stall-out@8");
	/* 4: bad signature, retried as 5 (which meets the unit attention our
	 * reset raised; its REQUEST SENSE is 6, and 7 runs the WRITE again) */
	assert_int_equal(write_blocks(x), 0);
	assert_image_written(x);
	/* stall-csw fired on 5 already; 8 is the next WRITE: stall-out */
	assert_int_equal(write_blocks(x), USBMSC_E_ABORTED);
	assert_int_equal(write_blocks(x), 0);
	assert_image_written(x);
}

static void faults_fired_in_device_info(void **state)
{
	struct ffx *x = *state;
	const uint8_t cdb[6] = { USBMSC_SIM_OP_DEVICE_INFO, 0, 0, 0, 64, 0 };
	uint8_t info[64];
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .dir = USBMSC_DIR_IN, .data = info, .len = 64,
	};

	open_dev(x, "fault=stall-csw@4,timeout@100");
	/* the first one's CSW is where the fault fires; the second reports it */
	assert_int_equal(usbmsc_exec(x->dev, &cmd, &x->res), 0);
	assert_int_equal(usbmsc_get_be16(info + 34), 0);
	assert_int_equal(usbmsc_exec(x->dev, &cmd, &x->res), 0);
	assert_int_equal(usbmsc_get_be16(info + 32), 2); /* configured */
	assert_int_equal(usbmsc_get_be16(info + 34), 1); /* fired */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(stall_in), T(stall_in_waits_for_in_command), T(stall_out), T(stall_csw),
		T(bad_csw_signature), T(bad_csw_tag), T(short_csw), T(residue_too_big),
		T(phase_error), T(bad_csw_on_read), T(timeout), T(timeout_on_read),
		T(disconnect), T(request_sense_counts), T(several_faults),
		T(faults_fired_in_device_info),
	};

	return cmocka_run_group_tests_name(SIMFX_FRAMING ? "sim_faults_vendor" : "sim_faults",
					   tests, NULL, NULL);
}
