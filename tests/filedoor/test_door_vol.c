/* The file door from the host: usbmsc_fw_update on a vol: handle, against
 * a directory standing in for the mounted volume and the virtual device
 * (file-door=1) playing the device behind it (door_play.c): when the
 * library says it waits, the test writes what the library put in the
 * directory through the door LUN, lets the quiet time pass and puts the
 * door's files back, as a new mount shows them. Deterministic: the device
 * acts from the library's own WAIT report, nothing runs beside it.
 *
 * An update in place and at another mount point, a UF2 file as the
 * image, the device's refusal read from STATUS.TXT, a time-out that does
 * not take another device of the same board for this one, every host
 * check (nothing written), a dry run, an interrupted copy, and a vol:
 * handle refusing SCSI commands. Argument: the source root (demo key). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "door_play.h"
#include "usbmsc/doorvol.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/fwupdate.h"
#include "usbmsc/scsi.h"

#define DOOR_LUN 1u
#define OPTIONS "size=1M&file-door=1&fw-slot=1M"

static const char *root;

enum play { PLAY_NONE, PLAY_IN_PLACE, PLAY_MOVE };

struct fx {
	char dir[128], disk[160], door[160], moved[160], img[160], uf2[160];
	struct door_play dev;
	enum play play;
	uint8_t pubkey[USBMSC_FW_PUBKEY_LEN];
	unsigned waits, progress;
	volatile sig_atomic_t stop;
	bool stop_at_progress;
};

static struct fx X;

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", X.dir, name);
}

static int setup(void **state)
{
	struct usbmsc_error err = { 0 };
	char pk[300];

	(void)state;
	memset(&X, 0, sizeof X);
	snprintf(X.dir, sizeof X.dir, "%s/door-vol.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
									    : "/tmp");
	assert_non_null(mkdtemp(X.dir));
	path_in(X.disk, sizeof X.disk, "disk.img");
	path_in(X.door, sizeof X.door, "USBMSC");
	path_in(X.moved, sizeof X.moved, "USBMSC1");
	path_in(X.img, sizeof X.img, "app.umfw");
	path_in(X.uf2, sizeof X.uf2, "app.uf2");
	assert_true(door_play_open(&X.dev, X.disk, OPTIONS, DOOR_LUN));
	assert_true(door_play_export(&X.dev, X.door));
	snprintf(pk, sizeof pk, "%s/data/demo-fw-public.key", root);
	assert_int_equal(usbmsc_fw_load_public_key(pk, X.pubkey, &err), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	door_play_close(&X.dev);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", X.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* An image of payload bytes signed by the demo key (or sk), and its UF2. */
static void make(const char *version, uint32_t number, uint32_t payload, uint16_t pid,
		 const char *sk)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;
	struct usbmsc_fw_uf2_info info;
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	char key[300], bin[200];
	FILE *f;

	snprintf(key, sizeof key, "%s/data/demo-fw-secret.key", root);
	path_in(bin, sizeof bin, "app.bin");
	f = fopen(bin, "wb");
	assert_non_null(f);
	for (uint32_t i = 0; i < payload; i++)
		fputc((int)((i * 13u + number) & 0xFF), f);
	fclose(f);
	assert_int_equal(usbmsc_fw_load_secret_key(sk ? sk : key, secret, &err), 0);
	memset(&h, 0, sizeof h);
	strcpy(h.version, version);
	h.version_number = number;
	h.vid = 0x1209;
	h.pid = pid;
	h.hw_rev_max = 0xFFFF;
	assert_int_equal(usbmsc_fw_pack(bin, X.img, secret, &h, &err), 0);
	assert_int_equal(usbmsc_fw_uf2_pack(X.img, X.uf2, NULL, &rep, &info, &err), 0);
}

/* ---- the device, from the library's reports --------------------------------------- */

static void play(void)
{
	char file[200];

	snprintf(file, sizeof file, "%s/" USBMSC_DOOR_UPDATE_FILE, X.door);
	assert_true(door_play_file_whole(file));
	assert_true(door_play_write_file(&X.dev, file, 7000));
	door_play_idle(&X.dev, 1500);
	if (X.play == PLAY_IN_PLACE) {
		assert_true(door_play_export(&X.dev, X.door));
	} else {
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", X.door);
		assert_int_equal(system(cmd), 0);
		assert_true(door_play_export(&X.dev, X.moved));
	}
}

static void on_report(void *ctx, const struct usbmsc_fwu_report *r)
{
	(void)ctx;
	if (r->event == USBMSC_FWU_EV_PROGRESS) {
		X.progress++;
		if (X.stop_at_progress)
			X.stop = 1;
	}
	if (r->event != USBMSC_FWU_EV_WAIT)
		return;
	X.waits++;
	if (X.play != PLAY_NONE)
		play();
}

static int update(const char *image, bool with_key, struct usbmsc_fwu_opts *o,
		  struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	struct usbmsc_dev *dev = NULL;
	char uri[200];
	int st;

	snprintf(uri, sizeof uri, "vol:%s", X.door);
	assert_int_equal(usbmsc_open(uri, NULL, &dev, err), 0);
	o->pubkey = with_key ? X.pubkey : NULL;
	o->report = on_report;
	o->stop = &X.stop;
	if (!o->wait_ms)
		o->wait_ms = 5000;
	st = usbmsc_fw_update(&dev, image, o, out, err);
	if (st == 0 && out->reopened)
		assert_string_equal(usbmsc_dev_door_volume(dev), X.moved);
	usbmsc_close(dev);
	return st;
}

static bool written(void)
{
	char file[200];

	snprintf(file, sizeof file, "%s/" USBMSC_DOOR_UPDATE_FILE, X.door);
	return access(file, F_OK) == 0;
}

static void read_volume(const char *path, struct usbmsc_door_volume *v)
{
	struct usbmsc_error err = { 0 };

	assert_int_equal(usbmsc_door_volume_read(path, true, v, &err), 0);
}

/* ---- the update ---------------------------------------------------------------------- */

static void updates_in_place(void **state)
{
	struct usbmsc_fwu_opts o = { 0 };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };
	struct usbmsc_door_volume v;

	(void)state;
	make("0200", 2, 300 * 1024, 1, NULL);
	X.play = PLAY_IN_PLACE;
	assert_int_equal(update(X.img, true, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_true(out.activated);
	assert_false(out.reopened);
	assert_int_equal(X.waits, 1);
	/* 1201 blocks in three flushed chunks: progress after each. */
	assert_int_equal(out.bytes_sent, 1201u * 512u);
	assert_int_equal(X.progress, 3);
	assert_string_equal(out.before.state.active_version, "0100");
	assert_true(out.has_after);
	assert_string_equal(out.after.state.active_version, "0200");
	assert_int_equal(out.after.state.active_number, 2);
	read_volume(X.door, &v);
	assert_string_equal(v.info.firmware, "0200");
	assert_string_equal(v.status_line, "Updated from 0100 to 0200.");
	assert_int_equal(v.current.pid, 1);
}

/* The volume comes back at another mount point: the handle follows. */
static void updates_elsewhere(void **state)
{
	struct usbmsc_fwu_opts o = { 0 };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };
	char want[200];

	(void)state;
	make("0200", 2, 5000, 1, NULL);
	X.play = PLAY_MOVE;
	assert_int_equal(update(X.uf2, true, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_true(out.reopened);
	snprintf(want, sizeof want, "vol:%s", X.moved);
	assert_string_equal(out.reopened_uri, want);
	assert_string_equal(out.after.state.active_version, "0200");
}

/* Written unchecked, refused by the device: its reason from STATUS.TXT. */
static void device_refuses(void **state)
{
	struct usbmsc_fwu_opts o = { .no_host_checks = true };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };
	char sk[200], pk[200];

	(void)state;
	path_in(sk, sizeof sk, "other.key");
	path_in(pk, sizeof pk, "other.pub");
	assert_int_equal(usbmsc_fw_keygen(sk, pk, false, &err), 0);
	make("0300", 3, 5000, 1, sk);
	X.play = PLAY_IN_PLACE;
	assert_int_equal(update(X.img, false, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "the device refused"));
	assert_non_null(strstr(err.msg, "bad signature"));
	assert_non_null(strstr(err.msg, "version 0100"));
	assert_int_equal(out.end, USBMSC_FWU_FAILED);
}

/* A volume of the same board beside this one that already runs the new
 * version is another device: the wait does not take it for this one. */
static void another_device_is_not_this_one(void **state)
{
	struct usbmsc_fwu_opts o = { .wait_ms = 1000 };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };
	struct door_play twin;
	char disk[200];

	(void)state;
	make("0200", 2, 5000, 1, NULL);
	path_in(disk, sizeof disk, "twin.img");
	assert_true(door_play_open(&twin, disk, OPTIONS, DOOR_LUN));
	assert_true(door_play_write_file(&twin, X.uf2, 7000));
	door_play_idle(&twin, 1500);
	assert_true(door_play_export(&twin, X.moved));
	door_play_close(&twin);
	X.play = PLAY_NONE;
	assert_int_equal(update(X.img, true, &o, &out, &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "did not come back with version 0200 within 1 s"));
	assert_non_null(strstr(err.msg, "Waiting for a UF2 file."));
	assert_true(written());
}

/* ---- the host's checks: nothing is written ---------------------------------------------- */

static void checks_before_writing(void **state)
{
	struct usbmsc_fwu_opts o = { 0 };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };

	(void)state;
	X.play = PLAY_IN_PLACE;
	make("0200", 2, 5000, 1, NULL);
	/* No key: a door does not tell the one it trusts. */
	assert_int_equal(update(X.img, false, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "--key"));
	assert_false(written());
	/* A changed byte of the payload. */
	{
		FILE *f = fopen(X.img, "r+b");
		int c;

		assert_non_null(f);
		fseek(f, 3000, SEEK_SET);
		c = fgetc(f);
		fseek(f, 3000, SEEK_SET);
		fputc(c ^ 0xFF, f);
		fclose(f);
	}
	assert_int_equal(update(X.img, true, &o, &out, &err), USBMSC_E_FILE);
	assert_false(written());
	/* The update, then what must not follow it. */
	make("0200", 2, 5000, 1, NULL);
	assert_int_equal(update(X.img, true, &o, &out, &err), 0);
	X.waits = 0;
	assert_int_equal(update(X.img, true, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "already runs"));
	make("0300", 3, 5000, 2, NULL);
	assert_int_equal(update(X.img, true, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "made for USB device 1209:0002"));
	make("0150", 1, 5000, 1, NULL);
	assert_int_equal(update(X.img, true, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "downgrade"));
	assert_false(written());
	assert_int_equal(X.waits, 0);
	/* A dry run checks and plans, and writes nothing. */
	make("0300", 3, 5000, 1, NULL);
	o.dry_run = true;
	assert_int_equal(update(X.img, true, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_PLANNED);
	assert_false(written());
}

/* Stopped after the first chunk: the partial file goes, the old version
 * stays. */
static void interrupted(void **state)
{
	struct usbmsc_fwu_opts o = { 0 };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };
	struct usbmsc_door_volume v;

	(void)state;
	make("0200", 2, 300 * 1024, 1, NULL);
	X.stop_at_progress = true;
	assert_int_equal(update(X.img, true, &o, &out, &err), USBMSC_E_OTHER);
	assert_non_null(strstr(err.msg, "interrupted after 512 of 1201 blocks"));
	assert_false(written());
	assert_int_equal(X.waits, 0);
	read_volume(X.door, &v);
	assert_string_equal(v.info.firmware, "0100");
}

/* ---- the handle ------------------------------------------------------------------------ */

static void no_scsi_commands(void **state)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_dev *dev = NULL;
	struct usbmsc_inquiry inq;
	struct usbmsc_result res;
	char uri[200];

	(void)state;
	snprintf(uri, sizeof uri, "vol:%s/", X.door);
	assert_int_equal(usbmsc_open(uri, NULL, &dev, &err), 0);
	assert_string_equal(usbmsc_dev_door_volume(dev), X.door);
	assert_string_equal(usbmsc_dev_transport_name(dev), "vol");
	assert_int_equal(usbmsc_inquiry(dev, 0, &inq, &res), USBMSC_E_USAGE);
	assert_non_null(strstr(usbmsc_dev_errmsg(dev), "no SCSI command"));
	usbmsc_close(dev);
	/* Not a door's volume, not there. */
	snprintf(uri, sizeof uri, "vol:%s", X.dir);
	assert_int_equal(usbmsc_open(uri, NULL, &dev, &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "no INFO_UF2.TXT"));
	snprintf(uri, sizeof uri, "vol:%s/none", X.dir);
	assert_int_equal(usbmsc_open(uri, NULL, &dev, &err), USBMSC_E_NO_DEVICE);
	assert_int_equal(usbmsc_open("vol:", NULL, &dev, &err), USBMSC_E_USAGE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(updates_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(updates_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(device_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(another_device_is_not_this_one, setup, teardown),
		cmocka_unit_test_setup_teardown(checks_before_writing, setup, teardown),
		cmocka_unit_test_setup_teardown(interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(no_scsi_commands, setup, teardown),
	};

	root = argc > 1 ? argv[1] : ".";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
