/* The host checks the payload as it sends it (src/initiator/fw_update.c,
 * fw_digest.c): the signed header is checked before anything is sent, the
 * payload's SHA-256 in the buffer each chunk is sent from, and the chunk
 * that would complete the image is sent only when that SHA-256 is the
 * header's. So a payload changed after signing, or changed in the file
 * while it is being sent, is never activated, and what was hashed is what
 * the device got. Every case on each door the virtual device plays:
 * Bulk-Only framing, the vendor interface's framing, the control LUN.
 *
 *   test_fwu_stream SOURCE_ROOT     (for the demo key pair in data/) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fwu_fixture.h"

/* An image of four 1 MiB chunks, the last one short. */
#define PAYLOAD (3u * CHUNK + 100u)

static int setup_vendor(void **state)
{
	return fwu_setup_with(state, "?framing=vendor");
}

static int setup_control_lun(void **state)
{
	return fwu_setup_with(state, "?control-lun=1");
}

/* The options of an update through the fixture's door: the control LUN
 * is LUN 1, after the disk. */
static void opts_for_door(struct fx *f, struct usbmsc_fwu_opts *o, struct seen *s)
{
	fwu_opts_for(f, o, s);
	o->lun = strstr(f->disk, "control-lun=1") ? 1 : 0;
}

/* The device still runs 0100, confirmed, with nothing pending, and it
 * refused nothing (the host stopped first). */
static void assert_untouched(struct fx *f)
{
	struct usbmsc_fw_state s;

	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_int_equal(s.pending_slot, USBMSC_FWU_NO_SLOT);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.last_error, 0);
}

/* Then the image as signed goes in. */
static void assert_good_image_goes_in(struct fx *f)
{
	struct img im = { "0200", 2, PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "good.umfw", &im, image, sizeof image);
	opts_for_door(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_string_equal(out.after.state.active_version, "0200");
}

/* A payload byte not sent yet changes once the first chunk went: the host
 * finds it when it reads the last chunk, and withholds that chunk (mode
 * 0x0E: and 0x0F; mode 0x07: the chunk that would activate). */
static void test_changed_ahead_of_the_sender(void **state)
{
	static const uint8_t modes[] = { 0x0E, 0x07 };
	struct fx *f = *state;
	struct img im = { "0200", 2, PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	for (size_t i = 0; i < sizeof modes; i++) {
		fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
		memset(f->w->wb_modes, 0, sizeof f->w->wb_modes);
		opts_for_door(f, &o, &seen);
		o.mode = modes[i];
		seen.alter_path = image;
		seen.alter_at = 2 * CHUNK + 10;
		seen.alter_after = 1;
		assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
		assert_non_null(strstr(err.msg, "SHA-256 does not match the header's"));
		assert_non_null(strstr(err.msg, "was not sent, so nothing was activated"));
		assert_int_equal(out.end, USBMSC_FWU_FAILED);
		assert_false(out.activated);
		assert_int_equal(out.commands_sent, 3);
		assert_int_equal(out.bytes_sent, 3 * CHUNK);
		assert_int_equal(f->w->wb_modes[modes[i]], 3);
		assert_int_equal(f->w->wb_modes[0x0F], 0);
		assert_int_equal(f->w->wb_end, 3 * CHUNK); /* the device never saw the end */
		assert_untouched(f);
	}
	assert_good_image_goes_in(f);
}

/* A byte already sent changes: the update goes on and the device verifies
 * the image, because what was hashed is what was sent; the file is not
 * read again. */
static void test_changed_behind_the_sender(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for_door(f, &o, &seen);
	o.no_activate = true;
	seen.alter_path = image;
	seen.alter_at = 300;
	seen.alter_after = 1;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_STAGED);
	assert_int_equal(out.commands_sent, 4);
	fwu_device_state(f, &s);
	assert_true(s.flags & USBMSC_FWST_PENDING);
	assert_string_equal(s.pending_version, "0200");
	assert_int_equal(s.last_error, 0);
}

/* The file is cut while it is being sent: the download stops at the cut,
 * nothing is activated. */
static void test_cut_while_sending(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for_door(f, &o, &seen);
	seen.alter_path = image;
	seen.alter_at = 2 * CHUNK;
	seen.alter_cut = true;
	seen.alter_after = 1;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "shrank while it was being read"));
	assert_int_equal(out.commands_sent, 2);
	assert_false(out.activated);
	assert_untouched(f);
	assert_good_image_goes_in(f);
}

/* When no payload would be sent (a dry run; an image the device holds
 * already, so only mode 0x0F would go), the payload is checked before
 * anything is sent. */
static void test_unsent_payload_checked_first(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_alter(image, 256 + CHUNK, false);
	opts_for_door(f, &o, &seen);
	o.dry_run = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "SHA-256 does not match the header's"));
	assert_int_equal(seen.plans, 0);
	/* staged as signed, then the local copy changes */
	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for_door(f, &o, &seen);
	o.no_activate = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	fwu_alter(image, 256 + CHUNK, false);
	opts_for_door(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "SHA-256 does not match the header's"));
	assert_int_equal(out.commands_sent, 0);
	fwu_device_state(f, &s);
	assert_true(s.flags & USBMSC_FWST_PENDING);
	assert_string_equal(s.active_version, "0100");
}

#define ON_EVERY_DOOR(test) ON_DEVICE(test, fwu_setup), ON_DEVICE(test, setup_vendor), \
	ON_DEVICE(test, setup_control_lun)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		ON_EVERY_DOOR(test_changed_ahead_of_the_sender),
		ON_EVERY_DOOR(test_changed_behind_the_sender),
		ON_EVERY_DOOR(test_cut_while_sending),
		ON_EVERY_DOOR(test_unsent_payload_checked_first),
	};

	if (argc > 1)
		fwu_source_root = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
