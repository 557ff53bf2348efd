/* The file door of the virtual device (file-door=1) through the host's own
 * stack (usbmsc_dev over the BOT engine over the simulated pipe), with
 * images signed by libsodium and wrapped by usbmsc_fw_uf2_pack: UF2 blocks
 * shuffled, twice, with file system sectors and other families between
 * them, written in multi-block WRITEs; the quiet time through
 * usbmsc_sim_idle; forged, truncated, wrong-device, downgrade and
 * other-family files refused with the reason in STATUS.TXT (read with the
 * host's parser); a reset or a power cut in the middle. Argument: the
 * source root (for the demo key). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/testfs.h"
#include "../../src/os/os_file.h"
#include "fatread.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/doorstatus.h"
#include "usbmsc/filedoor.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/initiator.h"
#include "usbmsc/scsi.h"
#include "usbmsc/sim.h"
#include "usbmsc/uf2.h"

#define DOOR_LUN 1u
#define SECTOR 512u
#define MAX_UF2 (64u * 1024u)

static const char *root;

struct fx {
	char dir[128], disk[160], opts[64];
	struct usbmsc_sim *sim;
	struct usbmsc_dev *dev;
	uint8_t uf2[MAX_UF2 * 2];
	uint32_t blocks;
};

static struct fx X;

/* ---- the device ---------------------------------------------------------------- */

static void open_dev(void)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_transport *t;

	assert_int_equal(usbmsc_sim_create(X.disk, X.opts, &X.sim, &err), 0);
	assert_int_equal(usbmsc_bot_transport_open(usbmsc_sim_pipe(X.sim), 1024 * 1024, &t, &err),
			 0);
	assert_int_equal(usbmsc_dev_from_transport(t, &X.dev, &err), 0);
}

/* Closing is the end of the device's power: its quiet time passes first. */
static void close_dev(void)
{
	usbmsc_close(X.dev);
	X.dev = NULL;
	X.sim = NULL;
}

static int setup(void **state)
{
	(void)state;
	memset(&X, 0, sizeof(X));
	testfs_mkdtemp(X.dir, sizeof(X.dir), "door-sim");
	snprintf(X.disk, sizeof(X.disk), "%s/disk.img", X.dir);
	snprintf(X.opts, sizeof(X.opts), "size=1M&file-door=1&fw-slot=1M");
	open_dev();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (X.dev)
		close_dev();
	testfs_rmtree(X.dir);
	return 0;
}

/* A command; a unit attention (power on, microcode changed) is taken and
 * the command sent again, as a host's driver does. */
static int exec(const uint8_t *cdb, uint8_t len, enum usbmsc_dir dir, uint8_t *buf, uint32_t n,
		uint8_t lun)
{
	struct usbmsc_cmd c = { 0 };
	struct usbmsc_result r;
	int st = 0;

	c.cdb = cdb;
	c.cdb_len = len;
	c.lun = lun;
	c.dir = dir;
	c.data = buf;
	c.len = n;
	c.timeout_ms = 5000;
	for (int tries = 0; tries < 4; tries++) {
		st = usbmsc_exec(X.dev, &c, &r);
		if (st != USBMSC_E_UNIT_ATTENTION)
			break;
	}
	return st;
}

static int io(uint8_t op, uint32_t lba, uint32_t count, uint8_t *buf)
{
	uint8_t cdb[10] = { op, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	usbmsc_put_be32(cdb + 2, lba);
	usbmsc_put_be16(cdb + 7, (uint16_t)count);
	return exec(cdb, 10, op == 0x28 ? USBMSC_DIR_IN : USBMSC_DIR_OUT, buf, count * SECTOR,
		    DOOR_LUN);
}

static void wr(uint32_t lba, const uint8_t *buf, uint32_t count)
{
	assert_int_equal(io(0x2A, lba, count, (uint8_t *)buf), 0);
}

static bool rd_sector(void *ctx, uint32_t lba, uint8_t *buf)
{
	(void)ctx;
	return io(0x28, lba, 1, buf) == 0;
}

static const char *revision(void)
{
	static char rev[5];
	const uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t in[36];

	assert_int_equal(exec(cdb, 6, USBMSC_DIR_IN, in, sizeof(in), 0), 0);
	memcpy(rev, in + 32, 4);
	rev[4] = '\0';
	return rev;
}

static struct usbmsc_door_status status(void)
{
	struct usbmsc_door_status st;
	struct fatvol v;
	char text[600];
	long n;

	assert_true(fat_open(&v, rd_sector, NULL));
	n = fat_read(&v, "STATUS  TXT", (uint8_t *)text, sizeof(text));
	assert_true(n > 0);
	if (!usbmsc_door_status_parse(text, (size_t)n, &st))
		fail_msg("STATUS.TXT does not parse: \"%.*s\"", (int)n, text);
	return st;
}

static void assert_refused(uint8_t reason)
{
	struct usbmsc_door_status st = status();

	assert_int_equal(st.state, USBMSC_DOOR_ST_REFUSED);
	assert_int_equal(st.reason, reason);
}

/* ---- images -------------------------------------------------------------------- */

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", X.dir, name);
}

/* Pack and wrap an image; its UF2 blocks in X.uf2. sk: NULL for the demo
 * key; extra: more fw pack identity (pid). */
static void make(const char *version, uint32_t number, uint32_t payload, const char *sk_path,
		 uint16_t pid)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;
	struct usbmsc_fw_uf2_info info;
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	char demo[300], bin[200], img[200], uf2[200];
	FILE *f;

	snprintf(demo, sizeof(demo), "%s/data/demo-fw-secret.key", root);
	path_in(bin, sizeof(bin), "app.bin");
	path_in(img, sizeof(img), "app.umfw");
	path_in(uf2, sizeof(uf2), "app.uf2");
	f = fopen(bin, "wb");
	assert_non_null(f);
	for (uint32_t i = 0; i < payload; i++)
		fputc((int)((i * 7u + number) & 0xFF), f);
	fclose(f);
	assert_int_equal(usbmsc_fw_load_secret_key(sk_path ? sk_path : demo, secret, &err), 0);
	memset(&h, 0, sizeof(h));
	strcpy(h.version, version);
	h.version_number = number;
	h.vid = 0x1209;
	h.pid = pid;
	h.hw_rev_max = 0xFFFF;
	assert_int_equal(usbmsc_fw_pack(bin, img, secret, &h, &err), 0);
	assert_int_equal(usbmsc_fw_uf2_pack(img, uf2, NULL, &rep, &info, &err), 0);
	f = fopen(uf2, "rb");
	assert_non_null(f);
	X.blocks = (uint32_t)fread(X.uf2, SECTOR, MAX_UF2 * 2 / SECTOR, f);
	fclose(f);
	assert_int_equal(X.blocks, info.blocks);
}

static uint32_t lcg = 99;

static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 1103515245u + 12345u;
	return (lcg >> 8) % n;
}

/* Blocks [from, to) shuffled, a third of them twice, between sectors of
 * what an OS writes (directory and FAT updates, AppleDouble files, a
 * Spotlight index), two to five sectors per WRITE. */
static void copy_blocks(uint32_t from, uint32_t to)
{
	uint32_t order[512], m = 0;
	uint8_t w[5 * SECTOR];

	for (uint32_t i = from; i < to; i++) {
		order[m++] = i;
		if (i % 3 == 0)
			order[m++] = i;
	}
	for (uint32_t i = m - 1; i > 0; i--) {
		uint32_t j = rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < m;) {
		uint32_t k = 0, n = 2 + rnd(4);

		for (; k < n; k++) {
			uint8_t *s = w + k * SECTOR;

			if (rnd(3) == 0 || i >= m) {
				memset(s, (int)rnd(256), SECTOR);
				memcpy(s, k & 1 ? "\0\5\26\7\0\2\0\0Mac OS X" : ".Spotlight-V100", 16);
			} else {
				memcpy(s, X.uf2 + order[i++] * SECTOR, SECTOR);
			}
		}
		wr(4000 + rnd(1000), w, n);
	}
}

static void copy_all(void)
{
	copy_blocks(0, X.blocks);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_update(void **state)
{
	struct usbmsc_door_status st;

	(void)state;
	assert_string_equal(revision(), "0100");
	assert_int_equal(status().state, USBMSC_DOOR_ST_WAITING);
	make("0200", 2, 20000, NULL, 0x0001);
	copy_all();
	st = status();
	assert_int_equal(st.state, USBMSC_DOOR_ST_CHECKED);
	assert_string_equal(st.to, "0200");
	usbmsc_sim_idle(X.sim, 999);
	assert_string_equal(revision(), "0100");
	usbmsc_sim_idle(X.sim, 1);
	/* rebooted in place: 06/3F/01, then the new version */
	assert_string_equal(revision(), "0200");
	st = status();
	assert_int_equal(st.state, USBMSC_DOOR_ST_UPDATED);
	assert_string_equal(st.from, "0100");
	assert_string_equal(st.to, "0200");
	/* confirmed as it talked to the host: it stays at the next power-on */
	close_dev();
	open_dev();
	assert_string_equal(revision(), "0200");
	assert_int_equal(status().state, USBMSC_DOOR_ST_UPDATED);
}

/* Copied, then the device is closed before the quiet time: it activates as
 * it goes, and the next open runs the new image. */
static void test_update_across_close(void **state)
{
	(void)state;
	make("0300", 3, 5000, NULL, 0x0001);
	copy_all();
	close_dev();
	open_dev();
	assert_string_equal(revision(), "0300");
}

static void test_forged(void **state)
{
	struct usbmsc_error err = { 0 };
	char sk[200], pk[200];

	(void)state;
	path_in(sk, sizeof(sk), "other.key");
	path_in(pk, sizeof(pk), "other.pub");
	assert_int_equal(usbmsc_fw_keygen(sk, pk, false, &err), 0);
	make("0200", 2, 3000, sk, 0x0001);
	copy_all();
	assert_refused(5);  /* USBMSC_FWR_SIGNATURE */
	usbmsc_sim_idle(X.sim, 5000);
	assert_string_equal(revision(), "0100");
}

static void test_wrong_device(void **state)
{
	(void)state;
	make("0200", 2, 3000, NULL, 0x0002);
	copy_all();
	assert_refused(3);  /* USBMSC_FWR_FIT */
	assert_string_equal(revision(), "0100");
}

static void test_downgrade(void **state)
{
	(void)state;
	make("0000", 0, 3000, NULL, 0x0001);
	copy_all();
	assert_refused(4);  /* USBMSC_FWR_ROLLBACK */
	assert_string_equal(revision(), "0100");
}

static void test_other_family(void **state)
{
	(void)state;
	make("0200", 2, 3000, NULL, 0x0001);
	for (uint32_t i = 0; i < X.blocks; i++)
		usbmsc_put_le32(X.uf2 + i * SECTOR + 28, 0xE48BFF56u);
	copy_all();
	assert_refused(USBMSC_DOOR_FOREIGN);
	assert_string_equal(revision(), "0100");
}

/* A UF2 file cut short: incomplete once the host is quiet; nothing runs. */
static void test_truncated(void **state)
{
	struct usbmsc_door_status st;

	(void)state;
	make("0200", 2, 9000, NULL, 0x0001);
	copy_blocks(0, X.blocks - 3);
	usbmsc_sim_idle(X.sim, 1500);
	st = status();
	assert_int_equal(st.state, USBMSC_DOOR_ST_INCOMPLETE);
	assert_int_equal(st.got, X.blocks - 3);
	assert_int_equal(st.blocks, X.blocks);
	close_dev();
	open_dev();
	assert_string_equal(revision(), "0100");
}

/* Reset Recovery (and the port reset under it) half-way: the device keeps
 * what it received; a power cut loses it and keeps the old firmware;
 * copying again works. */
static void test_interrupted(void **state)
{
	struct usbmsc_door_status st;

	(void)state;
	make("0200", 2, 30000, NULL, 0x0001);
	copy_blocks(0, X.blocks / 2);
	assert_int_equal(usbmsc_dev_reset(X.dev), 0);
	assert_string_equal(revision(), "0100");
	st = status();
	assert_int_equal(st.state, USBMSC_DOOR_ST_RECEIVING);
	close_dev();  /* power cut mid-reception */
	open_dev();
	assert_string_equal(revision(), "0100");
	assert_int_equal(status().state, USBMSC_DOOR_ST_WAITING);
	copy_all();
	usbmsc_sim_idle(X.sim, 1000);
	assert_string_equal(revision(), "0200");
}

/* fw-reboot=disconnect: the device goes away at activation and boots the
 * new image at the next open. */
static void test_disconnect_at_activation(void **state)
{
	(void)state;
	close_dev();
	snprintf(X.opts, sizeof(X.opts), "size=1M&file-door=1&fw-slot=1M&fw-reboot=disconnect");
	open_dev();
	make("0200", 2, 3000, NULL, 0x0001);
	copy_all();
	usbmsc_sim_idle(X.sim, 1000);
	{
		const uint8_t cdb[6] = { 0 };

		assert_int_equal(exec(cdb, 6, USBMSC_DIR_NONE, NULL, 0, 0), USBMSC_E_NO_DEVICE);
	}
	close_dev();
	open_dev();
	assert_string_equal(revision(), "0200");
}

/* file-door=1 takes a LUN number; the door serves slots up to 16 MiB. */
static void test_options(void **state)
{
	static const struct {
		const char *opts;
		int want;
	} cases[] = {
		{ "file-door=2", USBMSC_E_USAGE },
		{ "file-door=1&luns=16", USBMSC_E_USAGE },
		{ "file-door=1&control-lun=1&luns=15", USBMSC_E_USAGE },
		{ "file-door=1&control-lun=1&luns=14", USBMSC_OK },
		{ "file-door=1&fw-slot=17M", USBMSC_E_USAGE },
		{ "file-door=1&fw-slot=16M", USBMSC_OK },
	};
	struct usbmsc_error err = { 0 };
	char path[200];

	(void)state;
	close_dev();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char fw[220];
		struct usbmsc_file_info fi;
		struct usbmsc_sim *sim = NULL;
		int st;

		snprintf(path, sizeof(path), "%s/opt%zu.img", X.dir, i);
		st = usbmsc_sim_create(path, cases[i].opts, &sim, &err);
		if (st != cases[i].want)
			fail_msg("%s: %d (%s), not %d", cases[i].opts, st, err.msg, cases[i].want);
		if (sim)
			usbmsc_sim_pipe(sim)->ops->close(usbmsc_sim_pipe(sim));
		/* A refused open leaves no firmware flash of slots it cannot serve. */
		snprintf(fw, sizeof(fw), "%s.fw", path);
		if (st != USBMSC_OK)
			assert_false(usbmsc_file_stat(fw, false, &fi));
	}
}

/* LUNs: the disks, the door, the control LUN; the door is removable. */
static void test_luns(void **state)
{
	uint8_t max = 0, inq[36];
	const uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };

	(void)state;
	close_dev();
	snprintf(X.opts, sizeof(X.opts), "size=1M&file-door=1&fw-slot=1M&luns=2&control-lun=1");
	open_dev();
	assert_int_equal(usbmsc_dev_max_lun(X.dev, &max), 0);
	assert_int_equal(max, 3);
	assert_int_equal(exec(cdb, 6, USBMSC_DIR_IN, inq, sizeof(inq), 2), 0);
	assert_int_equal(inq[0] & 0x1F, 0);     /* a disk */
	assert_true(inq[1] & 0x80);             /* removable */
	assert_int_equal(exec(cdb, 6, USBMSC_DIR_IN, inq, sizeof(inq), 3), 0);
	assert_int_equal(inq[0] & 0x1F, 3);     /* the control LUN, last */
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_across_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_at_activation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_luns, setup, teardown),
	};

	root = argc > 1 ? argv[1] : ".";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
