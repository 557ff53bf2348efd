/* The host library against hostile devices (hostile_run.h), in fixed
 * scenarios: honest devices with block sizes the virtual device does not
 * have (64 KiB, 1536) through the compliance suite, a LUN that never
 * becomes ready, firmware updates whose device cuts a data stage short or
 * answers FW STATE empty after its reboot, CSWs with a bad tag, signature
 * or residue, time-outs everywhere, a device that vanishes. The same
 * checks run under the fuzzer (tests/fuzz/fuzz_hostile.c).
 *
 *   test_hostile SOURCE_ROOT     (for the demo key pair in data/) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/testfs.h"
#include "hostile_run.h"
#include "usbmsc/bot.h"
#include "usbmsc/fwproto.h"
#include "usbmsc/scsi.h"

#define ALL_CHECKS 37u
#define READY_WAIT_MS 40u
/* 120 KiB chunks (the BOT transport's largest transfer): two of them. */
#define PAYLOAD_LEN 130000u

static const char *source_root = ".";

struct fx {
	char dir[200];
	struct hostile_image image;
	bool have_image;
	struct hostile_device dev;
	struct hostile_result res;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char key[512];

	assert_non_null(f);
	testfs_mkdtemp(f->dir, sizeof f->dir, "usbmsc-hostile");
	snprintf(key, sizeof key, "%s/data/demo-fw-secret.key", source_root);
	f->have_image = hostile_make_image(f->dir, key, PAYLOAD_LEN, &f->image);
	f->dev.dir = f->dir;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	hostile_result_free(&f->res);
	hostile_image_free(&f->image);
	testfs_rmtree(f->dir);
	free(f);
	return 0;
}

static void run(struct fx *f, uint8_t drivers, const struct hostile_rule *rules, size_t count)
{
	hostile_result_free(&f->res);
	assert_true(hostile_run(&f->dev, f->have_image ? &f->image : NULL, drivers, rules, count,
				READY_WAIT_MS, &f->res));
}

/* No rule of the host's side broken. */
static void holds(const struct fx *f)
{
	if (f->res.watch.violations)
		fail_msg("%u broken: %s", f->res.watch.violations, f->res.watch.first);
}

static void print_failures(const struct usbmsc_compliance_report *rep)
{
	for (size_t i = 0; i < rep->count; i++)
		if (rep->checks[i].verdict != USBMSC_VERDICT_PASS)
			print_message("  failed: %s: %s\n", rep->checks[i].name, rep->checks[i].seen);
}

static const struct usbmsc_check *row(const struct usbmsc_compliance_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->count; i++)
		if (strcmp(rep->checks[i].name, name) == 0)
			return &rep->checks[i];
	fail_msg("no row '%s'", name);
	return NULL;
}

/* An honest device of block size bs passes every check. */
static void expect_compliant(struct fx *f, uint32_t bs)
{
	const struct usbmsc_compliance_report *rep = &f->res.rep;

	run(f, HOSTILE_DRV_COMPLIANCE, NULL, 0);
	holds(f);
	if (f->res.compliance_st != 0 || rep->failed != 0) {
		print_failures(rep);
		fail_msg("block size %u: status %d (%s), %u failed", bs, f->res.compliance_st,
			 f->res.compliance_err.msg, rep->failed);
	}
	assert_int_equal(rep->block_size, bs);
	assert_int_equal(rep->count, ALL_CHECKS);
	assert_true(rep->scratch_restored);
}

/* ---- compliance: block sizes ------------------------------------------------------ */

/* 64 KiB blocks: case 13 reads its two blocks and their guards (256 KiB)
 * into the work buffer, which must hold them. */
static void compliance_64k_blocks(void **state)
{
	struct fx *f = *state;

	f->dev.scale = 128;
	expect_compliant(f, 65536);
	assert_non_null(strstr(row(&f->res.rep, "write-12-64k")->expected, "1 blocks, out 65536"));
}

/* 1536 does not divide 64 KiB: READ(12)/WRITE(12) move the 42 whole blocks
 * that fit, and the host's length says so. */
static void compliance_1536_blocks(void **state)
{
	struct fx *f = *state;

	f->dev.scale = 3;
	expect_compliant(f, 1536);
	assert_non_null(strstr(row(&f->res.rep, "write-12-64k")->expected, "42 blocks, out 64512"));
	assert_non_null(strstr(row(&f->res.rep, "read-12-64k")->seen, "data as written"));
}

static void compliance_4096_blocks(void **state)
{
	struct fx *f = *state;

	f->dev.bs4096 = true;
	expect_compliant(f, 4096);
}

/* ---- compliance: a LUN that never becomes ready ------------------------------------ */

/* Fixed sense 02/04/01: becoming ready. */
static const uint8_t becoming_ready[18] = { 0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0,
					    0x04, 0x01 };

/* From the nth TEST UNIT READY on, it fails; REQUEST SENSE then says
 * becoming ready. Everything else works. */
static void never_ready_from(struct hostile_rule r[2], uint8_t nth)
{
	memset(r, 0, 2 * sizeof *r);
	r[0] = (struct hostile_rule){ .stage = WATCH_CSW, .opcode = USBMSC_OP_TEST_UNIT_READY,
				      .nth = nth, .sticky = true, .action = HOSTILE_FAKE_CSW,
				      .a = USBMSC_CSW_FAILED };
	r[1] = (struct hostile_rule){ .stage = WATCH_DATA_IN_STAGE,
				      .opcode = USBMSC_OP_REQUEST_SENSE, .sticky = true,
				      .action = HOSTILE_REPLACE, .payload = becoming_ready,
				      .payload_len = sizeof becoming_ready };
}

static void compliance_never_ready(void **state)
{
	struct fx *f = *state;
	struct hostile_rule r[2];

	never_ready_from(r, 1);
	run(f, HOSTILE_DRV_COMPLIANCE, r, 2);
	holds(f);
	assert_int_equal(f->res.compliance_st, USBMSC_E_NOT_READY);
	assert_non_null(strstr(f->res.compliance_err.msg, "becoming ready"));
	assert_non_null(strstr(f->res.compliance_err.msg, "40 ms"));
	assert_false(f->res.rep.scratch_saved);
	assert_false(f->res.watch.wrote);
	assert_int_equal(f->res.rep.count, 5); /* the class requests only */
}

/* Not ready once the rows have begun: the run ends there, and the scratch
 * area (which still takes writes) is put back. */
static void compliance_goes_not_ready(void **state)
{
	struct fx *f = *state;
	struct hostile_rule r[2];

	never_ready_from(r, 12);
	run(f, HOSTILE_DRV_COMPLIANCE, r, 2);
	holds(f);
	assert_int_equal(f->res.compliance_st, USBMSC_E_NOT_READY);
	assert_non_null(strstr(f->res.compliance_err.msg, "went not ready"));
	assert_non_null(strstr(f->res.compliance_err.msg, "was restored"));
	assert_true(f->res.rep.scratch_restored);
	assert_true(f->res.rep.count > 5 && f->res.rep.count < ALL_CHECKS);
}

/* ---- compliance: a device that goes away ---------------------------------------------- */

static void compliance_vanishing_device(void **state)
{
	struct fx *f = *state;
	struct hostile_rule r = { .stage = WATCH_CBW, .opcode = USBMSC_OP_WRITE10, .nth = 3,
				  .action = HOSTILE_VANISH };

	run(f, HOSTILE_DRV_COMPLIANCE, &r, 1);
	holds(f);
	assert_int_equal(f->res.stats.rules_done, 1);
	assert_int_equal(f->res.compliance_st, USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(f->res.compliance_err.msg, "could not be restored"));
}

/* Gone just before a write case reads its blocks back (case 3 answers
 * phase error: Reset Recovery, TEST UNIT READY meets the reset's unit
 * attention and is sent again, then the read-back's own TEST UNIT READY):
 * the row says why it could not read them. */
static void compliance_gone_before_read_back(void **state)
{
	struct fx *f = *state;
	const struct hostile_rule r[] = {
		{ .stage = WATCH_CBW, .opcode = USBMSC_OP_WRITE10, .nth = 3 },
		{ .stage = WATCH_CBW, .opcode = USBMSC_OP_TEST_UNIT_READY, .nth = 3,
		  .action = HOSTILE_VANISH },
	};
	const struct usbmsc_check *c;

	run(f, HOSTILE_DRV_COMPLIANCE, r, 2);
	holds(f);
	assert_int_equal(f->res.stats.rules_done, 2);
	assert_int_equal(f->res.compliance_st, USBMSC_E_NO_DEVICE);
	c = row(&f->res.rep, "case-03-hn-do");
	assert_int_equal(c->verdict, USBMSC_VERDICT_FAIL);
	if (!strstr(c->seen, "could not read back: READ of 3 blocks at LBA") ||
	    !strstr(c->seen, "device gone"))
		fail_msg("case-03-hn-do seen: %s", c->seen);
}

/* ---- firmware update ----------------------------------------------------------------- */

static bool need_image(const struct fx *f)
{
	if (!f->have_image)
		print_message("  (no libsodium: no firmware update)\n");
	return f->have_image;
}

static void fw_update_clean(void **state)
{
	struct fx *f = *state;

	if (!need_image(f))
		skip();
	run(f, HOSTILE_DRV_FW_INFO | HOSTILE_DRV_FW_UPDATE, NULL, 0);
	holds(f);
	assert_int_equal(f->res.update_st, 0);
	assert_int_equal(f->res.fwu.end, USBMSC_FWU_UPDATED);
	assert_false(f->res.fw_dishonest);
	assert_int_equal(f->res.watch.covered, f->image.len);
	assert_true(f->res.watch.activated);
	assert_true(f->res.watch.confirms >= 1);
}

/* The update must not be reported done unless the device took it all (it
 * may fail, or recover honestly). */
static void expect_fw_honest(struct fx *f)
{
	holds(f);
	assert_false(f->res.fw_dishonest);
}

/* The first chunk's data stage stalls at once, the device (which took
 * it all) answers GOOD, residue 0: the host was told 0 bytes moved. */
static void fw_update_short_chunk(void **state)
{
	struct fx *f = *state;
	struct hostile_rule r = { .stage = WATCH_DATA_OUT_STAGE, .opcode = USBMSC_OP_WRITE_BUFFER,
				  .action = HOSTILE_SHORT, .a = 1, .b = 1, .c = 0 };

	if (!need_image(f))
		skip();
	run(f, HOSTILE_DRV_FW_UPDATE, &r, 1);
	assert_int_equal(f->res.stats.rules_done, 1);
	expect_fw_honest(f);
}

/* After the reboot FW STATE comes back GOOD and empty (the third FW STATE:
 * the first met the power-on unit attention, the second was before). */
static void fw_update_empty_state_after_reboot(void **state)
{
	struct fx *f = *state;
	struct hostile_rule r = { .stage = WATCH_DATA_IN_STAGE, .opcode = USBMSC_OP_FW_STATE,
				  .nth = 3, .action = HOSTILE_REPLACE };

	if (!need_image(f))
		skip();
	run(f, HOSTILE_DRV_FW_UPDATE, &r, 1);
	assert_int_equal(f->res.stats.rules_done, 1);
	assert_true(f->res.fwu.activated);
	expect_fw_honest(f);
}

static void fw_update_vanishing_device(void **state)
{
	struct fx *f = *state;
	struct hostile_rule r = { .stage = WATCH_CBW, .opcode = USBMSC_OP_WRITE_BUFFER, .nth = 2,
				  .action = HOSTILE_VANISH };

	if (!need_image(f))
		skip();
	run(f, HOSTILE_DRV_FW_UPDATE | HOSTILE_DRV_COMPLIANCE, &r, 1);
	holds(f);
	assert_int_equal(f->res.update_st, USBMSC_E_NO_DEVICE);
	assert_false(f->res.fw_dishonest);
	assert_int_equal(f->res.compliance_st, USBMSC_E_NO_DEVICE); /* nothing left for it */
}

/* ---- CSWs and transfers bent ---------------------------------------------------------- */

/* Every driver, with one rule; the host's rules hold and the rule fired. */
static void everything_with(struct fx *f, struct hostile_rule r)
{
	run(f, HOSTILE_DRV_COMMON | HOSTILE_DRV_FW_INFO | HOSTILE_DRV_COMPLIANCE, &r, 1);
	holds(f);
	assert_true(f->res.stats.rules_done == 1);
}

static void bad_csws(void **state)
{
	static const uint8_t flags[] = { 1, 2, 4, 8, 16, 32 };
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof flags; i++) {
		struct hostile_rule r = { .stage = WATCH_CSW, .opcode = USBMSC_OP_INQUIRY,
					  .action = HOSTILE_FAKE_CSW, .b = flags[i] };

		everything_with(f, r);
		r.sticky = true;
		everything_with(f, r);
	}
}

static void short_long_and_mutated(void **state)
{
	struct fx *f = *state;
	const struct hostile_rule rules[] = {
		{ .stage = WATCH_DATA_IN_STAGE, .any_opcode = true, .nth = 3,
		  .action = HOSTILE_SHORT, .c = 5 },
		{ .stage = WATCH_DATA_IN_STAGE, .opcode = USBMSC_OP_READ_CAPACITY10,
		  .action = HOSTILE_FLIP, .a = 0x80, .c = 4 },
		{ .stage = WATCH_DATA_IN_STAGE, .any_opcode = true, .sticky = true,
		  .action = HOSTILE_BABBLE },
		{ .stage = WATCH_CSW, .any_opcode = true, .sticky = true, .action = HOSTILE_ZLP },
		{ .stage = WATCH_CSW, .any_opcode = true, .sticky = true,
		  .action = HOSTILE_OVERREPORT, .c = 600 },
		{ .stage = WATCH_CBW, .opcode = USBMSC_OP_INQUIRY, .action = HOSTILE_FLIP, .c = 3 },
		{ .stage = WATCH_CONTROL, .any_opcode = true, .sticky = true,
		  .action = HOSTILE_OVERREPORT, .c = 1 },
	};

	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		everything_with(f, rules[i]);
}

static void timeouts_and_stalls_everywhere(void **state)
{
	static const uint8_t actions[] = { HOSTILE_TIMEOUT, HOSTILE_STALL, HOSTILE_ERROR,
					   HOSTILE_VANISH };
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof actions; i++) {
		struct hostile_rule r = { .stage = WATCH_ANY, .any_opcode = true, .nth = 20,
					  .sticky = true, .action = actions[i] };

		everything_with(f, r);
	}
}

/* ---- the program format ------------------------------------------------------------------ */

static void programs_parse(void **state)
{
	const uint8_t prog[] = {
		WATCH_CSW | HOSTILE_STICKY, 0x12, 0, HOSTILE_FAKE_CSW, 1, 2, 0x34, 0x12,
		WATCH_DATA_IN_STAGE | HOSTILE_ANY_OPCODE, 0, 3, HOSTILE_REPLACE, 0, 0, 4, 0,
		'a', 'b', 'c', 'd',
		7, 0, 0, HOSTILE_ACTIONS + 1, 0, 0, 9, 0, 'x',
	};
	struct hostile_rule r[4];

	(void)state;
	assert_int_equal(hostile_parse(prog, sizeof prog, r, 4), 3);
	assert_int_equal(r[0].stage, WATCH_CSW);
	assert_true(r[0].sticky);
	assert_false(r[0].any_opcode);
	assert_int_equal(r[0].opcode, 0x12);
	assert_int_equal(r[0].nth, 1);
	assert_int_equal(r[0].c, 0x1234);
	assert_true(r[1].any_opcode);
	assert_int_equal(r[1].nth, 3);
	assert_int_equal(r[1].payload_len, 4);
	assert_memory_equal(r[1].payload, "abcd", 4);
	assert_int_equal(r[2].stage, WATCH_PORT_RESET);
	assert_int_equal(r[2].action, 1);
	assert_int_equal(r[2].payload_len, 0);
	assert_int_equal(hostile_parse(prog, 7, r, 4), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(compliance_64k_blocks), T(compliance_1536_blocks), T(compliance_4096_blocks),
		T(compliance_never_ready), T(compliance_goes_not_ready),
		T(compliance_vanishing_device), T(compliance_gone_before_read_back),
		T(fw_update_clean), T(fw_update_short_chunk),
		T(fw_update_empty_state_after_reboot), T(fw_update_vanishing_device),
		T(bad_csws), T(short_long_and_mutated), T(timeouts_and_stalls_everywhere),
		cmocka_unit_test(programs_parse),
	};

	if (argc > 1)
		source_root = argv[1];
	return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
