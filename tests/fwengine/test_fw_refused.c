/* A refused image never runs, whatever the flash does to the state: the
 * three ways the engine could lose track of what a slot holds.
 *
 * 1. No state record yet: a refused download leaves its bytes in slot A,
 *    and the fresh-flash boot must not take them for a factory image.
 * 2. A record write that fails but lands: the engine must not trust its
 *    RAM copy of the state before erasing a slot.
 * 3. State sectors that cannot be read: the boot must not fall back to
 *    the fresh-flash path (nor write over a record it could not read). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fw_test.h"
#include "usbmsc/byteorder.h"

static struct dev D;
static uint8_t good[T_MAX_IMAGE];
static uint8_t bad[T_MAX_IMAGE];

#define SENSE_26 USBMSC_SENSE_INVALID_PARAM

static const struct img_opts other_key = { T_VID, T_PID, NULL, NULL, 1, 3, t_other_key };
static const struct img_opts other_device = { 0x1234, T_PID, NULL, NULL, 1, 3, NULL };

/* FW STATE's running version, 4 characters. */
static void assert_running(const char *ver)
{
	uint8_t st[USBMSC_FW_STATE_LEN];

	assert_int_equal(t_state(&D, st), 0);
	assert_memory_equal(st + 8, ver, 4);
}

static void fresh_flash(uint8_t flags)
{
	nor_wipe(8);
	memset(&D, 0, sizeof(D));
	dev_config(&D, flags);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
}

/* Factory 1.0 in slot A, running. */
static void factory(uint8_t flags)
{
	fresh_flash(flags);
	assert_true(usbmsc_fw_factory_init(&D.fw, "1.0", 1));
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(g_nor.violations, 0);
	assert_int_equal(D.h.violations, 0);
	return 0;
}

/* ---- 1: no state record yet ----------------------------------------------- */

static void test_no_record_wrong_key(void **state)
{
	uint32_t len = make_image(bad, "2.0", 2, 3000, 1, &other_key);

	(void)state;
	fresh_flash(0);
	/* The whole image lands in slot A before its signature is checked. */
	assert_int_equal(t_download(&D, 0x07, bad, len, 1024), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_SIGNATURE);
	assert_true(slot_holds(USBMSC_FW_SLOT_A, bad, len));
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	assert_running("    ");
	/* Not with the hash checked at boot either. */
	D.cfg.flags = USBMSC_FW_CHECK_AT_BOOT;
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
}

static void test_no_record_wrong_device(void **state)
{
	/* An empty payload: its hash matches as soon as the header is in. */
	uint32_t len = make_image(bad, "2.0", 2, 0, 2, &other_device);

	(void)state;
	fresh_flash(0);
	/* The header in two pieces: refused once it is stored. */
	D.cfg.offset_shift = 7;
	assert_int_equal(t_wb(&D, 0x07, 0, 128, bad), 0);
	assert_int_equal(t_wb(&D, 0x07, 128, 128, bad + 128), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_FIT);
	assert_true(slot_holds(USBMSC_FW_SLOT_A, bad, len));
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	assert_running("    ");
}

/* What a programmer wrote, with no record: only an image that passes every
 * check of a download runs. */
static void test_no_record_programmed_image(void **state)
{
	uint32_t len;

	(void)state;
	fresh_flash(0);
	len = make_image(bad, "0.9", 9, 0, 3, &other_key);
	nor_wipe(8);
	memcpy(g_nor.mem + T_SLOT_A, bad, len);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	len = make_image(bad, "0.9", 9, 0, 3, &other_device);
	nor_wipe(8);
	memcpy(g_nor.mem + T_SLOT_A, bad, len);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	len = make_image(good, "0.9", 9, 2000, 3, NULL);
	nor_wipe(8);
	memcpy(g_nor.mem + T_SLOT_A, good, len);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_running("0.9 ");
}

/* ---- 2: a record write that fails but lands ------------------------------- */

/* Operations (programs and erases, or reads) of a deferred download of
 * good on a factory device: the last of each is the pending record's
 * program, and its read-back. */
static void count_download(uint8_t flags, uint32_t len, uint32_t *ops, uint32_t *reads)
{
	uint32_t o, r;

	factory(flags);
	o = g_nor.ops;
	r = g_nor.reads;
	assert_int_equal(t_download(&D, 0x0E, good, len, 1024), 0);
	*ops = g_nor.ops - o;
	*reads = g_nor.reads - r;
}

/* The pending record landed, the engine was told it did not; then an
 * image with the same version number and length but another key goes into
 * the same slot. */
static void landed_then_refused(uint8_t flags, bool by_read_back)
{
	uint32_t len = make_image(good, "2.0", 2, 3000, 4, NULL);
	uint32_t blen = make_image(bad, "2.0", 2, 3000, 5, &other_key);
	uint32_t ops, reads;

	assert_int_equal(len, blen);
	count_download(flags, len, &ops, &reads);
	factory(flags);
	if (by_read_back) {
		/* The read-back's three tries fail; the records read after it
		 * work (a lasting error would stop all writes in this run). */
		g_nor.read_fail_at = g_nor.reads + reads;
		g_nor.read_fail_len = 3;
		assert_int_equal(t_download(&D, 0x0E, good, len, 1024),
				 USBMSC_SENSE_WRITE_ERROR);
	} else {
		g_nor.fail_after_at = g_nor.ops + ops;
		assert_int_equal(t_download(&D, 0x0E, good, len, 1024),
				 USBMSC_SENSE_WRITE_ERROR);
	}
	nor_power_on();
	assert_int_equal(t_download(&D, 0x07, bad, blen, 1024), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_SIGNATURE);
	assert_true(slot_holds(USBMSC_FW_SLOT_B, bad, blen));
	/* Power-on: the refused image must not boot (on trial or otherwise). */
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_running("1.0 ");
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	/* The good image still installs. */
	assert_int_equal(t_download(&D, 0x07, good, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
	assert_running("2.0 ");
}

static void test_landed_program_failure(void **state)
{
	(void)state;
	landed_then_refused(0, false);
	landed_then_refused(USBMSC_FW_CHECK_AT_BOOT, false);
}

static void test_landed_read_back_failure(void **state)
{
	(void)state;
	landed_then_refused(0, true);
	landed_then_refused(USBMSC_FW_CHECK_AT_BOOT, true);
}

/* FW CONFIRM's record lands but is reported failed; the host confirms
 * again and power is lost at that command's first flash operation. The
 * landed record (2.0 confirmed, floor 2) must not be the one erased. */
static void test_landed_confirm_then_retry(void **state)
{
	uint32_t len = make_image(good, "2.0", 2, 3000, 9, NULL);
	uint8_t st[USBMSC_FW_STATE_LEN];

	(void)state;
	factory(0);
	assert_int_equal(t_download(&D, 0x07, good, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	g_nor.fail_after_at = g_nor.ops + 2;  /* the erase, then the program */
	assert_int_equal(t_confirm(&D), USBMSC_SENSE_WRITE_ERROR);
	g_nor.fail_after_at = 0;
	g_nor.cut_at = g_nor.ops + 1;
	t_confirm(&D);
	nor_power_on();
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_state(&D, st), 0);
	assert_memory_equal(st + 8, "2.0 ", 4);
	assert_int_equal(usbmsc_get_be32(st + 28), 2);
}

/* ---- 3: state sectors that cannot be read ---------------------------------- */

/* Factory 1.0 in A, then 2.0 installed in B and confirmed: floor 2. */
static void installed(void)
{
	uint32_t len = make_image(good, "2.0", 2, 3000, 6, NULL);

	factory(0);
	assert_int_equal(t_download(&D, 0x07, good, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
}

/* Reads of [lo, hi) fail for a whole boot: nothing runs, nothing is
 * written, no download is taken; once they work, 2.0 runs, floor 2. */
static void unreadable_boot(uint32_t lo, uint32_t hi)
{
	static uint8_t before[2 * T_SECTOR];
	uint32_t blen = make_image(bad, "3.0", 3, 3000, 7, &other_key);
	uint32_t ops;
	uint8_t st[USBMSC_FW_STATE_LEN];

	installed();
	memcpy(before, g_nor.mem + T_STATE0, sizeof(before));
	g_nor.bad_lo = lo;
	g_nor.bad_hi = hi;
	ops = g_nor.ops;
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_UNREADABLE);
	assert_running("    ");
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_FLASH);
	assert_int_equal(t_download(&D, 0x07, bad, blen, 1024), USBMSC_SENSE_READ_ERROR);
	assert_int_equal(t_download(&D, 0x07, good, blen, 1024), USBMSC_SENSE_READ_ERROR);
	assert_false(usbmsc_fw_factory_init(&D.fw, "1.0", 1));
	assert_int_equal(g_nor.ops, ops);
	assert_memory_equal(g_nor.mem + T_STATE0, before, sizeof(before));
	nor_power_on();
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_state(&D, st), 0);
	assert_memory_equal(st + 8, "2.0 ", 4);
	assert_int_equal(usbmsc_get_be32(st + 28), 2);
}

static void test_both_records_unreadable(void **state)
{
	(void)state;
	unreadable_boot(T_STATE0, T_STATE1 + T_SECTOR);
}

static void test_newest_record_unreadable(void **state)
{
	uint32_t s0, s1, newest;

	(void)state;
	installed();
	s0 = usbmsc_get_le32(g_nor.mem + T_STATE0 + 4);
	s1 = usbmsc_get_le32(g_nor.mem + T_STATE1 + 4);
	newest = (int32_t)(s0 - s1) > 0 ? T_STATE0 : T_STATE1;
	unreadable_boot(newest, newest + T_SECTOR);
}

/* An image that cannot be read is no bad image: it is not forgotten (here
 * the only one at or above the floor) and nothing else is decided. */
static void test_unreadable_image_kept(void **state)
{
	uint32_t len = make_image(good, "2.0", 2, 3000, 8, NULL);
	uint32_t ops;

	(void)state;
	factory(USBMSC_FW_CHECK_AT_BOOT);
	assert_int_equal(t_download(&D, 0x07, good, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
	g_nor.bad_lo = T_SLOT_B + 1000;
	g_nor.bad_hi = T_SLOT_B + 1001;
	ops = g_nor.ops;
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_UNREADABLE);
	assert_int_equal(t_download(&D, 0x07, good, len, 1024), USBMSC_SENSE_READ_ERROR);
	assert_int_equal(g_nor.ops, ops);
	nor_power_on();
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_running("2.0 ");
}

/* A read error for fewer reads than the engine tries is no error. */
static void test_transient_read_error(void **state)
{
	(void)state;
	installed();
	g_nor.read_fail_at = g_nor.reads + 1;
	g_nor.read_fail_len = 2;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_running("2.0 ");
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_record_wrong_key),
		T(test_no_record_wrong_device),
		T(test_no_record_programmed_image),
		T(test_landed_program_failure),
		T(test_landed_read_back_failure),
		T(test_landed_confirm_then_retry),
		T(test_both_records_unreadable),
		T(test_newest_record_unreadable),
		T(test_unreadable_image_kept),
		T(test_transient_read_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
