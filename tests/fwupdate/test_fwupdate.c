/* Firmware update from the host (src/initiator/fw_*.c): the pure
 * decisions, then whole updates against the virtual device, seen through
 * a transport that counts every opcode and can make the device refuse a
 * mode or a command (fwu_fixture.h).
 *
 *   test_fwupdate SOURCE_ROOT     (for the demo key pair in data/) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fwu_fixture.h"
#include "../../src/os/os_backend.h"

/* ---- pure decisions --------------------------------------------------------- */

static void test_state_parse(void **state)
{
	uint8_t b[USBMSC_FW_STATE_LEN] = { 'U', 'M', 'F', 'S', 1, 1,
					   USBMSC_FWST_TRIAL | USBMSC_FWST_WIDE_OFFSET, 0xFF,
					   '0', '2', ' ', ' ', 0, 0, 0, 2 };
	struct usbmsc_fw_state s;

	(void)state;
	memcpy(b + 16, "    ", 4);
	b[24] = 0; b[25] = 0x05; b[26] = 0x26; b[27] = 0x00;
	b[31] = 2;
	b[32] = 0; b[33] = 0xFF; b[34] = 0xFF; b[35] = 0xFF;
	b[36] = 12;
	b[37] = USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_05;
	b[39] = 3;
	b[40] = 0xAB;
	b[72] = 0x12; b[73] = 0x09; b[75] = 0x01;
	assert_true(usbmsc_fw_state_parse(b, sizeof b, &s));
	assert_int_equal(s.active_slot, 1);
	assert_int_equal(s.flags, USBMSC_FWST_TRIAL); /* the state; the capability apart */
	assert_true(s.wide_offset);
	assert_int_equal(s.pending_slot, 0xFF);
	assert_string_equal(s.active_version, "02");
	assert_int_equal(s.active_number, 2);
	assert_string_equal(s.pending_version, "");
	assert_int_equal(s.last_error, 0x052600);
	assert_int_equal(s.floor, 2);
	assert_int_equal(s.capacity, 0xFFFFFF);
	assert_int_equal(s.offset_shift, 12);
	assert_int_equal(s.modes, USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_05);
	assert_int_equal(s.hw_rev, 3);
	assert_int_equal(s.pubkey[0], 0xAB);
	assert_int_equal(s.vid, 0x1209);
	assert_int_equal(s.pid, 0x0001);
	b[6] = USBMSC_FWST_PENDING;
	assert_true(usbmsc_fw_state_parse(b, sizeof b, &s));
	assert_int_equal(s.flags, USBMSC_FWST_PENDING);
	assert_false(s.wide_offset);
	assert_false(usbmsc_fw_state_parse(b, sizeof b - 1, &s));
	b[0] = 'X';
	assert_false(usbmsc_fw_state_parse(b, sizeof b, &s));
	b[0] = 'U';
	b[4] = 2;
	assert_false(usbmsc_fw_state_parse(b, sizeof b, &s));
	/* a version with control bytes is garbled, not text to print */
	b[4] = 1;
	assert_true(usbmsc_fw_state_parse(b, sizeof b, &s));
	b[9] = 0x1B;
	assert_false(usbmsc_fw_state_parse(b, sizeof b, &s));
	b[9] = '1';
	b[17] = 0x80;
	assert_false(usbmsc_fw_state_parse(b, sizeof b, &s));
}

static void test_chunk_size(void **state)
{
	struct usbmsc_error err = { 0 };
	uint32_t c;

	(void)state;
	/* the largest multiple of the boundary under both limits */
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 0, &c, &err), 0);
	assert_int_equal(c, CHUNK);
	assert_int_equal(usbmsc_fwu_chunk_size(12, 100000, CHUNK, 0, &c, &err), 0);
	assert_int_equal(c, 98304);
	assert_int_equal(usbmsc_fwu_chunk_size(9, 0xFFFFFF, 120 * KIB + 100, 0, &c, &err), 0);
	assert_int_equal(c, 120 * KIB);
	assert_int_equal(usbmsc_fwu_chunk_size(0, 5000, CHUNK, 0, &c, &err), 0);
	assert_int_equal(c, 5000);
	/* asked for: checked */
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 8 * KIB, &c, &err), 0);
	assert_int_equal(c, 8 * KIB);
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 1000, &c, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "multiple"));
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 2 * CHUNK, &c, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "largest transfer"));
	assert_int_equal(usbmsc_fwu_chunk_size(12, 16 * KIB, CHUNK, 32 * KIB, &c, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "capacity"));
	/* nothing fits, or offsets are not allowed at all */
	assert_int_equal(usbmsc_fwu_chunk_size(12, 1000, CHUNK, 0, &c, &err), USBMSC_E_USAGE);
	assert_int_equal(c, 0);
	assert_int_equal(usbmsc_fwu_chunk_size(0xFF, 0xFFFFFF, CHUNK, 0, &c, &err), USBMSC_E_USAGE);
}

static void test_choose_mode(void **state)
{
	const uint8_t all = USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_0E |
			    USBMSC_FW_MODEBIT_0F;
	static const uint8_t bad[] = { 0x01, 0x02, 0x04, 0x06, 0x0D, 0x0F, 0x1F, 0xFF };
	struct usbmsc_error err = { 0 };
	uint8_t m;

	(void)state;
	/* preference: deferred, then with offsets, then all at once */
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0, false, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x0E);
	assert_int_equal(usbmsc_fwu_choose_mode(all & ~USBMSC_FW_MODEBIT_0F, 0, false, 5000, CHUNK,
						&m, &err), 0);
	assert_int_equal(m, 0x07); /* 0x0E without 0x0F could never activate */
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07, 0,
						false, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x07);
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_05, 0, false, 5000, CHUNK, &m,
						&err), 0);
	assert_int_equal(m, 0x05);
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_05, 0, false, CHUNK + 1, CHUNK,
						&m, &err), USBMSC_E_USAGE);
	/* staging needs 0x0E */
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0, true, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x0E);
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_07, 0, true, 5000, CHUNK, &m,
						&err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0x07, true, 5000, CHUNK, &m, &err),
			 USBMSC_E_USAGE);
	/* asked for: taken, mode 5 only when the image fits one command */
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0x07, false, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x07);
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0x05, false, CHUNK + 1, CHUNK, &m, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "one command"));
	assert_int_equal(usbmsc_fwu_choose_mode(0, 0, false, 5000, CHUNK, &m, &err), USBMSC_E_USAGE);
	/* only download modes may be asked for: 0x0F would send the image as
	 * activation commands, others are not WRITE BUFFER's download modes */
	for (size_t i = 0; i < sizeof bad; i++) {
		m = 0x42;
		assert_int_equal(usbmsc_fwu_choose_mode(all, bad[i], false, 5000, CHUNK, &m, &err),
				 USBMSC_E_USAGE);
		assert_int_equal(m, 0);
		assert_non_null(strstr(err.msg, "not a download mode"));
	}
}

/* What WRITE BUFFER reaches, and the capacity an update plans with. */
static void test_reach_and_capacity(void **state)
{
	struct usbmsc_fw_device d;

	(void)state;
	memset(&d, 0, sizeof d);
	/* a device that tells nothing: 24-bit offsets */
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFF);
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
	/* the descriptor's 24 bits, FW STATE's capacity without the flag
	 * (at most 16 MiB - 1: the offsets' reach) */
	d.has_descriptor = true;
	d.buffer_capacity = 4 * MIB;
	assert_int_equal(usbmsc_fwu_capacity(&d), 4 * MIB);
	d.has_descriptor = false;
	d.has_state = true;
	d.state.capacity = 32 * MIB;
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFF);
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
	d.has_descriptor = true;
	d.buffer_capacity = 0xFFFFFF;
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
	/* wide offsets: FW STATE's 32-bit capacity, whatever the descriptor says */
	d.state.wide_offset = true;
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFFFFu);
	assert_int_equal(usbmsc_fwu_capacity(&d), 32 * MIB);
	d.state.capacity = 0xFFFFF000u;
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFF000u);
	/* the flag means nothing without FW STATE */
	d.has_state = false;
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFF);
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
}

/* A device node, as this system names one, may change after a reboot. */
static void test_reopen_uri(void **state)
{
	const char *node = usbmsc_os_backend.pt_claims("/dev/sg2") ? "/dev/sg2"
			   : "\\\\.\\PhysicalDrive2";
	char buf[96];

	(void)state;
	assert_true(usbmsc_os_backend.pt_claims(node));
	assert_true(usbmsc_fwu_reopen_uri(node, 0x1209, 0x0001, "ABC123", buf, sizeof buf));
	assert_string_equal(buf, "auto:1209:0001:ABC123");
	/* URIs that find the device again by themselves, or nothing to match by */
	assert_false(usbmsc_fwu_reopen_uri("sim:disk.img", 0x1209, 1, "ABC", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri("usb:1209:0001", 0x1209, 1, "ABC", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri(node, 0x1209, 1, "", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri(node, 0x1209, 1, "A:B", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri(node, 0, 0, "ABC", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri(node, 0x1209, 1, "ABC", buf, 10));
}

/* ---- whole updates ------------------------------------------------------------ */

static void test_probe_fresh_device(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_device d;
	char key[512];
	uint8_t demo[USBMSC_FW_PUBKEY_LEN];

	assert_int_equal(usbmsc_fw_probe(f->dev, 0, &d, NULL, &err), 0);
	assert_string_equal(d.inquiry.revision, "0100");
	assert_true(d.has_serial);
	assert_true(d.has_state);
	assert_string_equal(d.state.active_version, "0100");
	assert_int_equal(d.state.active_number, 1);
	assert_int_equal(d.state.active_slot, 0);
	assert_int_equal(d.state.pending_slot, USBMSC_FWU_NO_SLOT);
	assert_int_equal(d.state.floor, 1);
	assert_true(d.has_descriptor);
	assert_int_equal(d.offset_boundary, 12);
	/* a 16 MiB slot: one byte more than the descriptor's 24 bits carry,
	 * told by FW STATE, whose wide offsets reach it */
	assert_true(d.state.wide_offset);
	assert_int_equal(d.state.capacity, 16 * MIB);
	assert_int_equal(d.buffer_capacity, 16 * MIB);
	assert_true(d.rsoc_answered);
	assert_int_equal(d.modes_source, USBMSC_FWU_MODES_RSOC);
	assert_int_equal(d.modes, USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 |
				  USBMSC_FW_MODEBIT_0E | USBMSC_FW_MODEBIT_0F);
	assert_int_equal(d.max_transfer, CHUNK);
	/* the compiled-in key is data/demo-fw-public.key */
	snprintf(key, sizeof key, "%s/data/demo-fw-public.key", fwu_source_root);
	assert_int_equal(usbmsc_fw_load_public_key(key, demo, &err), 0);
	assert_memory_equal(d.state.pubkey, demo, sizeof demo);
}

static void test_auto_update(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 2 * CHUNK + 12345, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_int_equal(out.plan.mode, 0x0E);
	assert_int_equal(out.plan.chunk, CHUNK);
	assert_int_equal(out.plan.commands, 4);
	assert_int_equal(f->w->nonzero_id, 0); /* under 16 MiB: BUFFER ID 0, as always */
	assert_int_equal(f->w->gaps, 0);
	assert_int_equal(f->w->wb_modes[0x0E], 3);
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 1);
	assert_int_equal(out.commands_sent, 4);
	assert_int_equal(out.bytes_sent, im.payload_len + 256u);
	assert_true(out.activated);
	assert_true(out.confirmed);
	assert_false(out.reopened);
	/* progress: one event per chunk, monotonic, ending at the total */
	assert_true(seen.monotonic);
	assert_int_equal(seen.progress, 3);
	assert_int_equal(seen.last_bytes, seen.total);
	assert_int_equal(seen.total, im.payload_len + 256u);
	assert_int_equal(seen.plans, 1);
	assert_int_equal(seen.activates, 1);
	assert_int_equal(seen.confirms, 1);
	/* the new image runs, confirmed, and the floor followed it */
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0200");
	assert_int_equal(s.active_number, 2);
	assert_int_equal(s.active_slot, 1);
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
	assert_int_equal(s.floor, 2);
	assert_string_equal(out.after.inquiry.revision, "0200");
}

/* Every host check refuses before a single WRITE BUFFER, and FW STATE is
 * byte for byte what it was. */
static void test_host_refusals_send_nothing(void **state)
{
	struct fx *f = *state;
	uint8_t other[USBMSC_FW_SECRET_KEY_LEN], pub[USBMSC_FW_PUBKEY_LEN];
	struct img forged = { "0200", 2, 5000, 0, 0, NULL, other };
	struct img wrong_id = { "0200", 2, 5000, 0x1234, 0x5678, NULL, NULL };
	struct img wrong_product = { "0200", 2, 5000, 0, 0, "Other Disk", NULL };
	struct img downgrade = { "0050", 0, 5000, 0, 0, NULL, NULL };
	const struct img *cases[] = { &forged, &wrong_id, &wrong_product, &downgrade };
	const char *why[] = { "signature", "1234:5678", "Other Disk", "downgrade" };
	uint8_t before[USBMSC_FW_STATE_LEN], after[USBMSC_FW_STATE_LEN];
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	assert_int_equal(crypto_sign_keypair(pub, other), 0); /* not the device's key */
	fwu_state_raw(f, before);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fwu_make_image(f, "bad.umfw", cases[i], image, sizeof image);
		fwu_opts_for(f, &o, &seen);
		assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
		assert_non_null(strstr(err.msg, why[i]));
		assert_int_equal(out.end, USBMSC_FWU_FAILED);
		assert_int_equal(out.commands_sent, 0);
		assert_int_equal(seen.plans, 0);
	}
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	fwu_state_raw(f, after);
	assert_memory_equal(before, after, sizeof before);
}

/* --key names a key the device does not trust: whichever key signed the
 * image, the device would refuse it, so the host refuses first, before it
 * sends anything (or reads the image), naming both keys' fingerprints. */
static void test_key_not_the_devices(void **state)
{
	struct fx *f = *state;
	uint8_t other[USBMSC_FW_SECRET_KEY_LEN], pub[USBMSC_FW_PUBKEY_LEN];
	uint8_t demo[USBMSC_FW_PUBKEY_LEN];
	struct img by_other = { "0200", 2, 5000, 0, 0, NULL, other };
	struct img by_demo = { "0200", 2, 5000, 0, 0, NULL, NULL };
	const struct img *cases[] = { &by_other, &by_demo };
	char fp_other[USBMSC_FWU_FINGERPRINT_LEN], fp_demo[USBMSC_FWU_FINGERPRINT_LEN];
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	assert_int_equal(crypto_sign_keypair(pub, other), 0);
	usbmsc_fw_public_from_secret(f->secret, demo);
	usbmsc_fwu_key_fingerprint(pub, fp_other, sizeof fp_other);
	usbmsc_fwu_key_fingerprint(demo, fp_demo, sizeof fp_demo);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fwu_make_image(f, "v2.umfw", cases[i], image, sizeof image);
		fwu_opts_for(f, &o, &seen);
		o.pubkey = pub;
		assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
		if (!strstr(err.msg, fp_other) || !strstr(err.msg, fp_demo))
			fail_msg("'%s' does not name %s and %s", err.msg, fp_other, fp_demo);
		assert_false(out.header_ok); /* the image was not even read */
		assert_int_equal(out.commands_sent, 0);
		assert_int_equal(seen.plans, 0);
	}
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	/* the device's own key, given: no objection */
	fwu_opts_for(f, &o, &seen);
	o.pubkey = demo;
	o.dry_run = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
}

/* The fingerprint is the key's first 8 bytes in hex: the start of the key
 * as fw info and fw keygen print it. */
static void test_key_fingerprint(void **state)
{
	uint8_t key[USBMSC_FW_PUBKEY_LEN];
	char fp[USBMSC_FWU_FINGERPRINT_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 0x11u + 0x0Au);
	assert_string_equal(usbmsc_fwu_key_fingerprint(key, fp, sizeof fp), "0a1b2c3d4e5f7081");
	assert_string_equal(fp, "0a1b2c3d4e5f7081");
}

/* The version that runs again: only with allow_reinstall (fwupd's word),
 * and then into the other slot, confirmed as any update. */
static void test_reinstall_needs_allow(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];
	unsigned sent;

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.after.state.active_slot, 1);
	sent = f->w->ops[USBMSC_OP_WRITE_BUFFER];
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "already runs"));
	assert_non_null(strstr(err.msg, "--allow-reinstall"));
	assert_int_equal(out.commands_sent, 0);
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], sent);
	fwu_opts_for(f, &o, &seen);
	o.allow_reinstall = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_true(out.confirmed);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0200");
	assert_int_equal(s.active_slot, 0);
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
}

/* The device's own checks, with the host's switched off. */
static void test_device_refuses_unchecked(void **state)
{
	struct fx *f = *state;
	struct img wrong_id = { "0200", 2, 5000, 0x1234, 0x5678, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct usbmsc_sense sense;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "wrong.umfw", &wrong_id, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.no_host_checks = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_ILLEGAL_REQUEST);
	assert_true(out.has_failed_cmd);
	assert_true(usbmsc_sense_decode(out.failed.sense, out.failed.sense_len, &sense));
	assert_int_equal(sense.key, 0x5);
	assert_int_equal(sense.asc, 0x26);
	assert_int_equal(sense.ascq, 0x00);
	assert_int_equal(f->w->wb_modes[0x0E], 1);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_int_equal(s.last_error, 0x052600);
	assert_int_equal(s.pending_slot, USBMSC_FWU_NO_SLOT);
}

static void test_fallback_to_mode_07(void **state)
{
	struct fx *f = *state;
	struct img im = { "0300", 3, CHUNK + 1, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v3.umfw", &im, image, sizeof image);
	f->w->refuse_0e = true;
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_true(out.fell_back);
	assert_int_equal(out.plan.mode, 0x07);
	assert_int_equal(f->w->wb_modes[0x0E], 1); /* the refused first chunk */
	assert_int_equal(f->w->wb_modes[0x07], 2);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
	assert_true(seen.fallback_noted);
	assert_string_equal(out.after.state.active_version, "0300");
	assert_true(out.confirmed);
}

/* A device without REPORT SUPPORTED OPERATION CODES: FW STATE's mode bits. */
static void test_modes_from_fw_state(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	f->w->no_rsoc = true;
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_false(out.before.rsoc_answered);
	assert_int_equal(out.before.modes_source, USBMSC_FWU_MODES_FW_STATE);
	assert_int_equal(out.plan.mode, 0x0E);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
}

static void test_explicit_modes(void **state)
{
	struct fx *f = *state;
	struct img one = { "0200", 2, 70000, 0, 0, NULL, NULL };
	struct img chunks = { "0300", 3, 70000, 0, 0, NULL, NULL };
	struct img next = { "0400", 4, 70000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &one, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.mode = 0x05;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(f->w->wb_modes[0x05], 1);
	assert_string_equal(out.after.state.active_version, "0200");
	fwu_make_image(f, "v3.umfw", &chunks, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.mode = 0x07;
	o.chunk = 16 * KIB;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.plan.commands, 5); /* 70256 bytes in 16 KiB chunks */
	assert_int_equal(f->w->wb_modes[0x07], 5);
	assert_int_equal(seen.progress, 5);
	assert_string_equal(out.after.state.active_version, "0300");
	/* a chunk off the 4 KiB boundary is the caller's mistake: nothing sent */
	fwu_make_image(f, "v4.umfw", &next, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.chunk = 1000;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_USAGE);
	assert_int_equal(out.commands_sent, 0);
	/* so is a mode that is no download mode: 0x0F carries no image */
	fwu_opts_for(f, &o, &seen);
	o.mode = 0x0F;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_USAGE);
	assert_int_equal(out.commands_sent, 0);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
}

static void test_dry_run(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3 * CHUNK, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.dry_run = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_PLANNED);
	assert_int_equal(out.plan.mode, 0x0E);
	assert_int_equal(out.plan.commands, 5); /* 4 chunks and 0x0F */
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 0);
}

static void test_stage_then_activate(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.no_activate = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_STAGED);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_true(s.flags & USBMSC_FWST_PENDING);
	assert_string_equal(s.pending_version, "0200");
	/* a new open is a power-on: the deferred image still waits */
	usbmsc_close(f->dev);
	fwu_open_dev(f);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_true(s.flags & USBMSC_FWST_PENDING);
	/* the same image again: activation only */
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_true(out.plan.activate_only);
	assert_int_equal(f->w->wb_modes[0x0E], 0);
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_string_equal(out.after.state.active_version, "0200");
}

/* Stopped after the first chunk: the old image keeps running; again: done. */
static void test_stop_then_rerun(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3 * CHUNK, 0, 0, NULL, NULL };
	volatile sig_atomic_t stop = 0;
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "v2.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.stop = &stop;
	seen.stop = &stop;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_OTHER);
	assert_non_null(strstr(err.msg, "interrupted"));
	assert_int_equal(out.commands_sent, 1);
	assert_false(out.activated);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_int_equal(s.pending_slot, USBMSC_FWU_NO_SLOT);
	/* a power cycle, and the download from the start */
	usbmsc_close(f->dev);
	fwu_open_dev(f);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_string_equal(out.after.state.active_version, "0200");
}

/* ---- images past 16 MiB ---------------------------------------------------------- */

/* The whole update of a 20 MiB image, as the device saw it: every chunk
 * continues the last, BUFFER ID 1 for the chunks past 2^24, and the new
 * image runs, confirmed. */
static void assert_big_update(struct fx *f, const struct usbmsc_fwu_outcome *out, uint8_t mode,
			      const char *version)
{
	struct usbmsc_fw_state s;

	assert_int_equal(out->end, USBMSC_FWU_UPDATED);
	assert_int_equal(out->plan.mode, mode);
	assert_int_equal(out->plan.image_len, BIG_PAYLOAD + 256u);
	assert_int_equal(out->bytes_sent, BIG_PAYLOAD + 256u);
	assert_int_equal(f->w->max_id, 1);
	assert_int_equal(f->w->gaps, 0);
	assert_int_equal(f->w->wb_end, BIG_PAYLOAD + 256u);
	assert_true(out->confirmed);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, version);
	assert_int_equal(s.active_slot, 1);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.capacity, 32 * MIB);
}

static void test_big_image_mode_e(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "big.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.mode = 0x0E;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_big_update(f, &out, 0x0E, "0200");
	assert_true(out.before.state.wide_offset);
	assert_int_equal(out.before.buffer_capacity, 32 * MIB);
	assert_int_equal(out.plan.chunk, CHUNK);
	assert_int_equal(out.plan.commands, 22); /* 21 chunks and 0x0F */
	assert_int_equal(f->w->wb_modes[0x0E], 21);
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(f->w->straddles, 0);  /* 1 MiB chunks meet 2^24 exactly */
	assert_true(seen.monotonic);
	assert_int_equal(seen.last_bytes, BIG_PAYLOAD + 256u);
}

/* Mode 0x07 in 768 KiB chunks: one chunk crosses 2^24, sent with its
 * first byte's offset (BUFFER ID 0), and the next ones with BUFFER ID 1. */
static void test_big_image_mode_7_straddling(void **state)
{
	struct fx *f = *state;
	struct img im = { "0300", 3, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "big.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.mode = 0x07;
	o.chunk = 768 * KIB;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_big_update(f, &out, 0x07, "0300");
	assert_int_equal(f->w->straddles, 1);
	assert_int_equal(out.plan.commands, 27); /* 20 MiB + 256 in 768 KiB chunks */
	assert_int_equal(f->w->wb_modes[0x07], 27);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
}

/* The device refuses mode 0x0E (05/24/00): 0x07 from offset 0. Then it
 * loses the download past 2^24 once (05/24/00): again from offset 0. */
static void test_big_image_fallback_and_restart(void **state)
{
	struct fx *f = *state;
	struct img im = { "0400", 4, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "big.umfw", &im, image, sizeof image);
	f->w->refuse_0e = true;
	f->w->refuse_at = TWO_24 + 2 * MIB;
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_true(out.fell_back);
	assert_true(out.restarted);
	assert_int_equal(f->w->refuse_at, 0); /* the refusal happened */
	assert_true(seen.fallback_noted);
	assert_big_update(f, &out, 0x07, "0400");
	/* one refused 0x0E, 19 chunks up to the refused one, then 21 */
	assert_int_equal(f->w->wb_modes[0x0E], 1);
	assert_int_equal(f->w->wb_modes[0x07], 19 + 21);
}

/* A device without wide offsets: the host refuses the 20 MiB image before
 * sending anything, as before; an image under 16 MiB still goes with
 * BUFFER ID 0 only. */
static void test_big_image_without_wide_offsets(void **state)
{
	struct fx *f = *state;
	struct img big = { "0200", 2, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct img small = { "0300", 3, 2 * CHUNK + 5, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	f->w->narrow = true;
	fwu_make_image(f, "big.umfw", &big, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "16 MiB - 1 (24-bit offsets"));
	assert_false(out.before.state.wide_offset);
	assert_int_equal(out.before.buffer_capacity, 0xFFFFFF);
	assert_int_equal(out.commands_sent, 0);
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	/* --no-host-checks does not get past the offsets either */
	fwu_opts_for(f, &o, &seen);
	o.no_host_checks = true;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	fwu_make_image(f, "small.umfw", &small, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_int_equal(f->w->nonzero_id, 0);
	assert_string_equal(out.after.state.active_version, "0300");
}

/* The slot holds 32 MiB: one byte more is refused by the host. */
static void test_big_image_over_capacity(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 32 * MIB - 255, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	fwu_make_image(f, "huge.umfw", &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "buffer holds 33554432"));
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
}


/* One update against a device whose old image answers `linger` commands
 * after the activating CSW before it drops off the bus. */
static void update_lingering(struct fx *f, unsigned linger, uint32_t number)
{
	char version[8], name[32], image[160];
	struct img im = { version, number, CHUNK + 777, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;

	snprintf(version, sizeof version, "%04u", number * 100u);
	snprintf(name, sizeof name, "v%u.umfw", number);
	fwu_make_image(f, name, &im, image, sizeof image);
	fwu_opts_for(f, &o, &seen);
	o.wait_ms = 10000;
	f->w->linger = linger;
	fwu_replayed = 0;
	/* f->w goes with the handle the update drops: read it no more after. */
	assert_int_equal(fwu_update(f, image, &o, &out, &err), 0);
	f->w = NULL;
	/* the old image really answered, as many commands as asked */
	assert_int_equal(fwu_replayed, linger);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_true(out.activated);
	assert_true(out.reopened);
	assert_true(out.confirmed);
	assert_string_equal(out.after.inquiry.revision, version);
	assert_string_equal(out.after.state.active_version, version);
	fwu_device_state(f, &s);
	assert_string_equal(s.active_version, version);
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
	assert_int_equal(s.floor, number);
}

/* After activation a real device may answer a few commands with its old
 * image before it drops off the bus for its reboot: those answers, and
 * the errors of its going, must not end the update (not as "back", not as
 * a failure). 0: it goes at once; 1: TEST UNIT READY only; 2: TEST UNIT
 * READY and INQUIRY, then the probe finds it gone; 12: a whole probe
 * reporting the old version, and more. */
static void test_old_image_lingers_after_activation(void **state)
{
	struct fx *f = *state;
	static const unsigned lingers[] = { 0, 1, 2, 12 };

	for (unsigned i = 0; i < sizeof lingers / sizeof lingers[0]; i++) {
		update_lingering(f, lingers[i], 2u + i);
		/* the reopened handle is a plain sim: wrap it again */
		usbmsc_close(f->dev);
		fwu_open_dev(f);
	}
}

/* An old image that keeps answering and never reboots: no endless wait,
 * no false success; at the deadline the update fails naming the version
 * that still runs. */
static void test_old_image_never_goes(void **state)
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
	o.wait_ms = 600;
	f->w->linger = 100000;
	assert_int_equal(fwu_update(f, image, &o, &out, &err), USBMSC_E_MEDIUM);
	assert_non_null(strstr(err.msg, "runs version 0100"));
	assert_true(f->w->replayed > 9);
	assert_true(out.activated);
	assert_false(out.confirmed);
	assert_false(out.reopened);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_chunk_size),
		cmocka_unit_test(test_choose_mode),
		cmocka_unit_test(test_reach_and_capacity),
		cmocka_unit_test(test_reopen_uri),
		cmocka_unit_test(test_key_fingerprint),
		ON_DEVICE(test_probe_fresh_device, fwu_setup),
		ON_DEVICE(test_auto_update, fwu_setup),
		ON_DEVICE(test_host_refusals_send_nothing, fwu_setup),
		ON_DEVICE(test_key_not_the_devices, fwu_setup),
		ON_DEVICE(test_reinstall_needs_allow, fwu_setup),
		ON_DEVICE(test_device_refuses_unchecked, fwu_setup),
		ON_DEVICE(test_fallback_to_mode_07, fwu_setup),
		ON_DEVICE(test_modes_from_fw_state, fwu_setup),
		ON_DEVICE(test_explicit_modes, fwu_setup),
		ON_DEVICE(test_dry_run, fwu_setup),
		ON_DEVICE(test_stage_then_activate, fwu_setup),
		ON_DEVICE(test_stop_then_rerun, fwu_setup),
		ON_DEVICE(test_big_image_mode_e, fwu_setup_big),
		ON_DEVICE(test_big_image_mode_7_straddling, fwu_setup_big),
		ON_DEVICE(test_big_image_fallback_and_restart, fwu_setup_big),
		ON_DEVICE(test_big_image_without_wide_offsets, fwu_setup_big),
		ON_DEVICE(test_big_image_over_capacity, fwu_setup_big),
		ON_DEVICE(test_old_image_lingers_after_activation, fwu_setup_unplug),
		ON_DEVICE(test_old_image_never_goes, fwu_setup_unplug),
	};

	if (argc > 1)
		fwu_source_root = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
