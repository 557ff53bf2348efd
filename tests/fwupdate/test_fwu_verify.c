/* The host never reports an update that did not happen
 * (src/initiator/fw_update.c, fw_activate.c): devices that answer GOOD to
 * a chunk they did not take, lose FW STATE after the reboot, drop or
 * mistake FW CONFIRM, or reboot before the activating command's CSW; and
 * the activate and confirm verbs (usbmsc_fwu_activate, usbmsc_fwu_confirm). Against the virtual device, through the
 * wrapping transport of fwu_fixture.h.
 *
 *   test_fwu_verify SOURCE_ROOT     (for the demo key pair in data/) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fwu_fixture.h"

/* The old image still runs, confirmed, nothing on trial. */
static void assert_old_runs(struct fx *f)
{
	struct usbmsc_fw_state s;

	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
}

/* ---- chunks the device did not take ------------------------------------------ */

/* One update whose chunk at offset `at` the device answers GOOD without
 * taking a byte: it is not counted, the update stops there and activates
 * nothing. */
static void short_chunk(struct fx *f, uint8_t mode, uint32_t payload, uint32_t at,
			bool residue_zero)
{
	struct img im = { "0200", 2, payload, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.mode = mode;
	f->w->short_on = true;
	f->w->short_at = at;
	f->w->short_residue_zero = residue_zero;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_TRANSPORT);
	assert_false(f->w->short_on); /* it happened */
	assert_non_null(strstr(err.msg, "accepted 0 of"));
	assert_non_null(strstr(err.msg, "keeps its old firmware"));
	assert_int_equal(out.end, USBMSC_FWU_FAILED);
	assert_int_equal(out.bytes_sent, at);
	assert_false(out.activated);
	assert_false(out.confirmed);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 0);
	assert_old_runs(f);
}

static void test_short_chunk_not_delivered(void **state)
{
	struct fx *f = *state;

	/* the second chunk of three, residue the whole chunk, then 0 */
	short_chunk(f, 0x0E, 2 * CHUNK + 5, CHUNK, false);
	short_chunk(f, 0x0E, 2 * CHUNK + 5, CHUNK, true);
	/* the first, and the activating last chunk of mode 0x07 */
	short_chunk(f, 0x07, 2 * CHUNK + 5, 0, true);
	short_chunk(f, 0x07, 2 * CHUNK + 5, 2 * CHUNK, false);
	/* mode 0x05's one command */
	short_chunk(f, 0x05, 5000, 0, false);
}

/* ---- FW STATE and FW CONFIRM after the reboot ------------------------------------ */

/* The update of im that the test's knobs spoil: it must fail with
 * USBMSC_E_MEDIUM and a message holding why, unconfirmed. */
static void update_refused(struct fx *f, const struct img *im, const struct usbmsc_fwu_opts *o,
			   const char *why, struct usbmsc_fwu_outcome *out)
{
	struct usbmsc_error err;
	char image[160];

	fwu_make_image(f, "v.umfw", im, image, sizeof image);
	assert_int_equal(fwu_update(f, image, o, out, &err), USBMSC_E_MEDIUM);
	if (!strstr(err.msg, why))
		fail_msg("'%s' does not say '%s'", err.msg, why);
	assert_int_equal(out->end, USBMSC_FWU_FAILED);
	assert_false(out->confirmed);
}

/* A power cycle: the unconfirmed image reverts. */
static void power_cycle(struct fx *f)
{
	usbmsc_close(f->dev);
	fwu_open_dev(f);
}

/* FW STATE answered before the update, and after the reboot it is GOOD but
 * empty, short, garbled, or refused: the new version may show in INQUIRY,
 * but nothing says the image runs for good, so nothing is confirmed or
 * reported updated; at the next power-on the old image is back. */
static void test_fw_state_lost_after_reboot(void **state)
{
	static const enum spoil spoils[] = { SPOIL_EMPTY, SPOIL_SHORT, SPOIL_GARBLED,
					     SPOIL_REFUSED };
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct seen seen;

	for (size_t i = 0; i < sizeof spoils / sizeof spoils[0]; i++) {
		fwu_opts_for(f, &o, &seen);
		o.wait_ms = 300;
		f->w->spoil = spoils[i];
		update_refused(f, &im, &o, "no longer answers FW STATE", &out);
		assert_true(out.activated);
		assert_true(out.has_after);
		assert_false(out.after.has_state);
		assert_string_equal(out.after.inquiry.revision, "0200");
		assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 0);
		power_cycle(f);
		assert_old_runs(f);
	}
}

/* --no-activate, and FW STATE lost after the download: not "staged". */
static void test_fw_state_lost_after_staging(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct seen seen;

	fwu_opts_for(f, &o, &seen);
	o.no_activate = true;
	f->w->spoil = SPOIL_EMPTY;
	update_refused(f, &im, &o, "no longer answers FW STATE", &out);
	assert_int_equal(f->w->wb_modes[0x0E], 1);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
}

/* FW CONFIRM answered GOOD that never reached the device: FW STATE still
 * shows the image on trial, so it is not reported confirmed. */
static void test_confirm_that_did_not_take(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_fw_state s;
	struct seen seen;

	fwu_opts_for(f, &o, &seen);
	f->w->confirm_lost = true;
	update_refused(f, &im, &o, "FW CONFIRM did not take", &out);
	assert_true(f->w->confirm_seen);
	assert_true(out.after.state.flags & USBMSC_FWST_TRIAL);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0200");
	assert_true(s.flags & USBMSC_FWST_TRIAL);
}

/* After FW CONFIRM the device runs another image (another host's update
 * got in between): the update that sent 0200 does not say it is done. */
static void test_other_image_after_confirm(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct seen seen;

	fwu_opts_for(f, &o, &seen);
	f->w->other_version = "0300";
	f->w->other_number = 3;
	update_refused(f, &im, &o, "runs version 0300 (number 3), not 0200 (number 2)", &out);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 1);
	assert_string_equal(out.after.state.active_version, "0300");
}

/* ---- a reboot before the activating command's CSW ------------------------------- */

/* Devices that reboot at once, without the activating command's CSW
 * (fw-reboot=before-csw), over BOT and over the vendor framing. */
static int setup_early(void **state)
{
	return fwu_setup_with(state, "?fw-reboot=before-csw");
}

static int setup_early_vendor(void **state)
{
	return fwu_setup_with(state, "?fw-reboot=before-csw&framing=vendor");
}

/* The activating command's CSW never comes: the device went for its
 * reboot. The update waits, reopens, checks and confirms. */
static void update_rebooting_early(struct fx *f, uint8_t mode, uint32_t number)
{
	char version[8], image[160];
	struct img im = { version, number, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;

	snprintf(version, sizeof version, "%04u", number * 100u);
	fwu_make_image(f, "v.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.mode = mode;
	o.wait_ms = 10000;
	if (fwu_update(f, image, &o, &out, &err) != 0)
		fail_msg("mode 0x%02x: %s", mode, err.msg);
	f->w = NULL; /* it went with the dropped handle */
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_true(out.activated);
	assert_true(out.reopened);
	assert_true(out.confirmed);
	assert_false(out.has_failed_cmd);
	assert_int_equal(out.bytes_sent, 5000 + 256);
	assert_string_equal(out.after.state.active_version, version);
	/* the reopened handle is a plain sim: wrap it again (a power-on) */
	power_cycle(f);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, version);
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
}

static void test_reboot_before_csw(void **state)
{
	struct fx *f = *state;

	update_rebooting_early(f, 0x0E, 2);  /* the CSW of 0x0F */
	update_rebooting_early(f, 0x07, 3);  /* of the last chunk */
	update_rebooting_early(f, 0x05, 4);  /* of the one command */
}

/* ---- the activate and confirm verbs ---------------------------------------------- */

/* Staged with --no-activate, then activated alone: mode 0x0F only, the
 * wait, the checks, FW CONFIRM. Nothing staged: refused, nothing sent. */
static void test_activate_staged(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 2 * CHUNK + 9, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_opts_for(f, &o, &seen);
	assert_int_equal(usbmsc_fwu_activate(&f->dev, &o, &out, &err), USBMSC_E_ILLEGAL_REQUEST);
	assert_non_null(strstr(err.msg, "no image waits for activation"));
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	o.no_activate = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_STAGED);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(usbmsc_fwu_activate(&f->dev, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_ACTIVATED);
	assert_true(out.has_target);
	assert_string_equal(out.target_version, "0200");
	assert_int_equal(out.target_number, 2);
	assert_true(out.activated);
	assert_true(out.confirmed);
	assert_int_equal(out.commands_sent, 1);
	assert_int_equal(f->w->wb_modes[0x0E], 3);     /* the staging's, no more */
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 1);
	assert_int_equal(seen.plans, 1);
	assert_int_equal(seen.confirms, 1);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0200");
	assert_int_equal(s.flags & (USBMSC_FWST_TRIAL | USBMSC_FWST_PENDING), 0);
}

/* A device that reboots before the activating CSW: activate reopens it. */
static void test_activate_rebooting_early(void **state)
{
	struct fx *f = *state;
	struct img im = { "0300", 3, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v3.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.no_activate = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	fwu_opts_for(f, &o, &seen);
	o.wait_ms = 10000;
	if (usbmsc_fwu_activate(&f->dev, &o, &out, &err) != 0)
		fail_msg("%s", err.msg);
	f->w = NULL;
	assert_int_equal(out.end, USBMSC_FWU_ACTIVATED);
	assert_true(out.reopened);
	assert_true(out.confirmed);
	assert_string_equal(out.after.state.active_version, "0300");
	power_cycle(f);
}

/* An image on trial (its FW CONFIRM lost), confirmed alone; then there is
 * nothing on trial to confirm. */
static void test_confirm_trial(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_opts_for(f, &o, &seen);
	assert_int_equal(usbmsc_fwu_confirm(f->dev, &o, &out, &err), USBMSC_E_ILLEGAL_REQUEST);
	assert_non_null(strstr(err.msg, "nothing runs on trial"));
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 0);
	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	f->w->confirm_lost = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_MEDIUM);
	f->w->confirm_lost = false;
	fwu_device_state(f, &s);
	assert_true(s.flags & USBMSC_FWST_TRIAL);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(usbmsc_fwu_confirm(f->dev, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_CONFIRMED);
	assert_true(out.confirmed);
	assert_string_equal(out.target_version, "0200");
	assert_int_equal(out.commands_sent, 0);
	assert_int_equal(seen.confirms, 1);
	assert_int_equal(out.after.state.flags & USBMSC_FWST_TRIAL, 0);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0200");
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
	assert_int_equal(s.floor, 2);
	assert_int_equal(usbmsc_fwu_confirm(f->dev, &o, &out, &err), USBMSC_E_ILLEGAL_REQUEST);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 2); /* the lost one, and this */
}

/* FW CONFIRM of the verb lost too: not reported confirmed. */
static void test_confirm_that_did_not_take_alone(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	f->w->confirm_lost = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_MEDIUM);
	assert_int_equal(usbmsc_fwu_confirm(f->dev, &o, &out, &err), USBMSC_E_MEDIUM);
	assert_non_null(strstr(err.msg, "FW CONFIRM did not take"));
	assert_false(out.confirmed);
	assert_int_equal(out.end, USBMSC_FWU_FAILED);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		ON_DEVICE(test_short_chunk_not_delivered, fwu_setup),
		ON_DEVICE(test_fw_state_lost_after_reboot, fwu_setup),
		ON_DEVICE(test_fw_state_lost_after_staging, fwu_setup),
		ON_DEVICE(test_confirm_that_did_not_take, fwu_setup),
		ON_DEVICE(test_other_image_after_confirm, fwu_setup),
		ON_DEVICE(test_reboot_before_csw, setup_early),
		{ "test_reboot_before_csw (vendor framing)", test_reboot_before_csw,
		  setup_early_vendor, fwu_teardown, NULL },
		ON_DEVICE(test_activate_staged, fwu_setup),
		ON_DEVICE(test_activate_rebooting_early, setup_early),
		ON_DEVICE(test_confirm_trial, fwu_setup),
		ON_DEVICE(test_confirm_that_did_not_take_alone, fwu_setup),
	};

	if (argc > 1)
		fwu_source_root = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
