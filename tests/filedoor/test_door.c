/* The file door through the real target core and firmware engine
 * (tests/fwengine's device: NOR flash that enforces erase-before-program,
 * fake Ed25519): the volume as a host reads it, UF2 blocks in any order
 * with duplicates and other data between them, the quiet time, every
 * refusal with its reason in STATUS.TXT, a power cut in the middle, an
 * image on trial, a WRITE BUFFER download taking the slot over. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fatread.h"
#include "fw_test.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/filedoor.h"
#include "usbmsc/uf2.h"

#define DOOR_LUN 1u
#define SECTOR 512u
#define MAX_BLOCKS (T_SLOT_SIZE / 256u)
#define INFO "UF2 Bootloader usbmsc test\nModel: Test Disk\nBoard-ID: HOST-TEST-1\n"
#define URL "https://example.com/test-disk"

static struct dev D;
static struct usbmsc_door door;
static uint8_t bitmap[USBMSC_DOOR_BITMAP_BYTES(T_SLOT_SIZE)];
static const struct usbmsc_door_config door_cfg = {
	.fw = &D.fw,
	.bitmap = bitmap,
	.info = INFO,
	.index_htm = USBMSC_DOOR_INDEX_HTM(URL),
	.label = "TESTDOOR",
	.volume_id = 0x5A5AC3C3u,
	.quiet_ms = 1000,
};

static uint8_t img[T_MAX_IMAGE + 256];
static uint8_t uf2[(MAX_BLOCKS + 1u) * SECTOR];

/* ---- the device ---------------------------------------------------------------- */

/* Power on: a fresh target and engine over the same flash, the door over
 * them as LUN 1 (its RAM state gone, as after a power cut). */
static void power_on(void)
{
	dev_boot(&D);
	assert_true(usbmsc_door_init(&door, &door_cfg, &D.h.luns[DOOR_LUN]));
	assert_true(h_restart(&D.h));
	h_clear_ua(&D.h);
}

/* A fresh device running the factory image "0100", number 1. */
static int setup(void **state)
{
	(void)state;
	nor_wipe(4);
	memset(&D, 0, sizeof(D));
	dev_config(&D, 0);
	D.reboot_in_activate = true;
	power_on();
	assert_true(usbmsc_fw_factory_init(&D.fw, "0100", 1));
	return 0;
}

static uint32_t lun_io(uint8_t op, uint32_t lba, uint32_t count, uint8_t *buf)
{
	uint8_t cdb[10] = { op, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct host_result r;

	usbmsc_put_be32(cdb + 2, lba);
	usbmsc_put_be16(cdb + 7, (uint16_t)count);
	h_cmd(&D.h, DOOR_LUN, cdb, 10, op == 0x28 ? USBMSC_DIR_IN : USBMSC_DIR_OUT,
	      count * SECTOR, op == 0x2A ? buf : NULL, op == 0x28 ? buf : NULL, &r);
	assert_false(r.stuck);
	assert_int_equal(r.check, USBMSC_CSWCHK_OK);
	return r.csw.status == 0 ? 0 : h_sense(&D.h, DOOR_LUN);
}

static bool rd_sector(void *ctx, uint32_t lba, uint8_t *buf)
{
	(void)ctx;
	return lun_io(0x28, lba, 1, buf) == 0;
}

static void wr(uint32_t lba, const uint8_t *buf, uint32_t count)
{
	assert_int_equal(lun_io(0x2A, lba, count, (uint8_t *)buf), 0);
}

/* STATUS.TXT as a host reads it: always USBMSC_DOOR_STATUS_LEN bytes, its
 * line padded with spaces; the line is returned without them. */
static const char *status(void)
{
	static char text[513];
	struct fatvol v;
	long n;

	assert_true(fat_open(&v, rd_sector, NULL));
	n = fat_read(&v, "STATUS  TXT", (uint8_t *)text, sizeof(text) - 1);
	assert_int_equal(n, USBMSC_DOOR_STATUS_LEN);
	assert_int_equal(text[n - 1], '\n');
	while (n > 1 && text[n - 2] == ' ')
		n--;
	text[n - 1] = '\n';
	text[n] = '\0';
	return text;
}

static void assert_status(const char *want)
{
	const char *s = status();

	if (strcmp(s, want) != 0)
		fail_msg("STATUS.TXT is \"%s\", not \"%s\"", s, want);
}

static void assert_receiving(const char *word, uint32_t got, uint32_t total)
{
	char want[64];

	snprintf(want, sizeof(want), "%s: %u of %u blocks\n", word, got, total);
	assert_status(want);
}

static void assert_running(const char *version)
{
	char rev[5];

	assert_int_equal(t_inquiry_rev(&D, rev), 0);
	assert_memory_equal(rev, version, 4);
	assert_string_equal(usbmsc_fw_running_version(&D.fw), version);
}

/* Time passes; a unit attention of an activation (06/3F/01) is cleared,
 * as the host's driver does. */
static void quiet(uint32_t ms)
{
	usbmsc_door_tick(&door, ms);
	h_clear_ua(&D.h);
}

/* ---- UF2 files ------------------------------------------------------------------- */

/* The image as UF2 blocks into uf2[]; returns the block count. */
static uint32_t wrap(uint32_t len)
{
	uint32_t n = usbmsc_uf2_blocks(len);

	memset(img + len, 0, sizeof(img) - len);
	for (uint32_t i = 0; i < n; i++) {
		usbmsc_uf2_encode(uf2 + i * SECTOR, i, n, "v");
		memcpy(uf2 + i * SECTOR + USBMSC_UF2_DATA_OFFSET, img + i * 256u, 256);
	}
	return n;
}

static uint32_t make_uf2(const char *version, uint32_t number, uint32_t payload, uint32_t seed,
			 const struct img_opts *o)
{
	uint32_t len = make_image(img, version, number, payload, seed, o);

	assert_true(len > 0);
	return wrap(len);
}

/* Copy blocks [0, n) in order, a few at a time, at the volume's data
 * area, as a file system would. */
static void copy(uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 3)
		wr(400 + i, uf2 + i * SECTOR, n - i < 3 ? n - i : 3);
}

static uint32_t lcg = 12345;

static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 1103515245u + 12345u;
	return (lcg >> 8) % n;
}

/* Copy blocks [0, n) shuffled, some twice, with file system sectors and
 * foreign blocks between them, one or two sectors per WRITE. */
static void copy_shuffled(uint32_t n)
{
	uint32_t order[MAX_BLOCKS * 2];
	uint32_t m = 0;
	uint8_t junk[2 * SECTOR];

	for (uint32_t i = 0; i < n; i++) {
		order[m++] = i;
		if (i % 4 == 1)
			order[m++] = i;  /* written twice */
	}
	for (uint32_t i = m - 1; i > 0; i--) {
		uint32_t j = rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < m; i++) {
		if (i % 3 == 0) {
			/* a directory sector, a FAT sector, an AppleDouble file... */
			for (uint32_t k = 0; k < sizeof(junk); k++)
				junk[k] = (uint8_t)rnd(256);
			memcpy(junk, "Mac OS X        ", 16);
			wr(258 + rnd(40), junk, 2);
		}
		if (i % 7 == 0) {
			/* a block of another family, one of a file container */
			usbmsc_uf2_encode(junk, 0, 1, NULL);
			usbmsc_put_le32(junk + 28, 0xE48BFF56u);
			usbmsc_uf2_encode(junk + SECTOR, 0, 1, NULL);
			usbmsc_put_le32(junk + SECTOR + 8, USBMSC_UF2_FLAG_FILE_CONTAINER);
			wr(500 + rnd(100), junk, 2);
		}
		wr(1000 + order[i], uf2 + order[i] * SECTOR, 1);
	}
}

/* ---- the volume ---------------------------------------------------------------- */

static void test_volume(void **state)
{
	struct fatvol v;
	struct fatfile f[8];
	char label[12];
	uint8_t buf[64 * SECTOR];
	long n;

	(void)state;
	assert_true(fat_open(&v, rd_sector, NULL));
	assert_int_equal(v.part, 1);
	assert_int_equal(D.h.luns[DOOR_LUN].block_count, USBMSC_DOOR_SECTORS);
	assert_int_equal(v.part + v.sectors, USBMSC_DOOR_SECTORS);
	assert_true((uint64_t)v.sectors * SECTOR >= 16u * 1024u * 1024u);
	assert_string_equal(v.label, "TESTDOOR");
	assert_int_equal(v.volume_id, 0x5A5AC3C3u);
	fat_root_label(&v, label);
	assert_string_equal(label, "TESTDOOR");
	assert_int_equal(fat_list(&v, f, 8), 5);
	assert_string_equal(f[1].name, "INFO_UF2TXT");
	assert_string_equal(f[2].name, "INDEX   HTM");
	assert_string_equal(f[3].name, "STATUS  TXT");
	assert_string_equal(f[4].name, "CURRENT UF2");
	for (int i = 1; i < 5; i++)
		assert_int_equal(f[i].attr, 0x01);
	n = fat_read(&v, "INFO_UF2TXT", buf, sizeof(buf));
	assert_int_equal(n, strlen(INFO "Firmware: 0100\n"));
	assert_memory_equal(buf, INFO "Firmware: 0100\n", (size_t)n);
	n = fat_read(&v, "INDEX   HTM", buf, sizeof(buf));
	buf[n] = 0;
	assert_non_null(strstr((char *)buf, "url=" URL "\""));
	assert_status(USBMSC_DOOR_TXT_WAITING);
	/* CURRENT.UF2: the factory image, one block, its version tagged. */
	n = fat_read(&v, "CURRENT UF2", buf, sizeof(buf));
	assert_int_equal(n, SECTOR);
	{
		struct usbmsc_uf2_block b;
		char ver[8];

		assert_int_equal(usbmsc_uf2_parse(buf, &b), USBMSC_UF2_IMAGE);
		assert_int_equal(b.num_blocks, 1);
		assert_true(usbmsc_uf2_version(buf, &b, ver, sizeof(ver)));
		assert_string_equal(ver, "0100");
		assert_memory_equal(buf + 32, g_nor.mem + T_SLOT_A, 256);
	}
	/* Past the end of the medium: LBA out of range, as for any LUN. */
	assert_int_equal(lun_io(0x28, USBMSC_DOOR_SECTORS, 1, buf), USBMSC_SENSE_LBA_OUT_OF_RANGE);
	/* Many sectors in one READ: FATs, root, data. */
	assert_int_equal(lun_io(0x28, 0, 64, buf), 0);
	assert_int_equal(lun_io(0x28, 250, 64, buf), 0);
}

/* The FAT's two copies are the same, and chain CURRENT.UF2 to its end. */
static void test_fat_chain(void **state)
{
	struct fatvol v;
	uint8_t a[SECTOR], b[SECTOR], cur[16384 * 2];
	uint32_t blocks;
	long n;

	(void)state;
	blocks = make_uf2("0200", 2, 9000, 7, NULL);
	copy(blocks);
	quiet(1000);
	assert_running("0200");
	assert_true(fat_open(&v, rd_sector, NULL));
	for (uint32_t k = 0; k < v.fat_sectors; k++) {
		assert_true(rd_sector(NULL, v.fat + k, a));
		assert_true(rd_sector(NULL, v.fat + v.fat_sectors + k, b));
		assert_memory_equal(a, b, SECTOR);
	}
	n = fat_read(&v, "CURRENT UF2", cur, sizeof(cur));
	assert_int_equal(n, blocks * SECTOR);
	/* The new image, read back as the blocks that were copied. */
	for (uint32_t i = 0; i < blocks; i++) {
		struct usbmsc_uf2_block blk;

		assert_int_equal(usbmsc_uf2_parse(cur + i * SECTOR, &blk), USBMSC_UF2_IMAGE);
		assert_int_equal(blk.block_no, i);
		assert_int_equal(blk.num_blocks, blocks);
		assert_memory_equal(cur + i * SECTOR + 32, uf2 + i * SECTOR + 32, 256);
	}
}

/* ---- updates -------------------------------------------------------------------- */

static void test_update_in_order(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 5000, 1, NULL);
	copy(blocks - 1);
	assert_receiving("Receiving", blocks - 1, blocks);
	copy(blocks);
	assert_status("Checked: starting 0200\n");
	assert_running("0100");
	/* Quiet for not quite the quiet time: nothing yet. */
	quiet(999);
	assert_int_equal(D.activations, 0);
	/* A write (any sector) starts the quiet time over. */
	wr(300, uf2, 1);
	quiet(999);
	assert_int_equal(D.activations, 0);
	quiet(1);
	assert_int_equal(D.activations, 1);
	/* The device rebooted in place: the new image on trial, the old one kept. */
	assert_running("0200");
	assert_status("Updated from 0100 to 0200.\n");
	assert_int_equal(g_nor.violations, 0);
	assert_true(slot_holds(1, img, 256 + 5000));
}

static void test_update_shuffled(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0300", 3, T_SLOT_SIZE - 256 - 100, 2, NULL);
	assert_int_equal(blocks, MAX_BLOCKS);
	copy_shuffled(blocks);
	assert_status("Checked: starting 0300\n");
	quiet(5000);
	assert_running("0300");
	/* No byte programmed twice, none without an erase. */
	assert_int_equal(g_nor.violations, 0);
	/* Confirmed (the firmware's self-test passed), it stays at the next
	 * power-on, and STATUS.TXT still tells of the update (the record). */
	assert_int_equal(usbmsc_fw_confirm(&D.fw), USBMSC_SENSE_OK);
	power_on();
	assert_running("0300");
	assert_status("Updated from 0100 to 0300.\n");
}

/* Not confirmed, the new image reverts at the next power-on. */
static void test_unconfirmed_reverts(void **state)
{
	(void)state;
	copy_shuffled(make_uf2("0200", 2, 3000, 6, NULL));
	quiet(1000);
	assert_running("0200");
	power_on();
	assert_running("0100");
	assert_status(USBMSC_DOOR_TXT_REVERTED);
	/* A new copy is taken again. */
	copy(make_uf2("0201", 2, 3100, 6, NULL));
	quiet(1000);
	assert_running("0201");
}

/* Write units up to 32 bytes, and a block 0 that comes last. */
static void test_write_unit_32(void **state)
{
	uint32_t blocks;

	(void)state;
	nor_wipe(32);
	dev_config(&D, 0);
	power_on();
	assert_true(usbmsc_fw_factory_init(&D.fw, "0100", 1));
	blocks = make_uf2("0200", 2, 3000, 3, NULL);
	for (uint32_t i = blocks; i-- > 0;)
		wr(2000 + i, uf2 + i * SECTOR, 1);
	quiet(1000);
	assert_running("0200");
	assert_int_equal(g_nor.violations, 0);
}

/* The trial image is confirmed by the firmware; a new copy waits for it. */
static void test_busy_until_confirmed(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 2000, 4, NULL);
	copy(blocks);
	quiet(1000);
	assert_running("0200");
	blocks = make_uf2("0300", 3, 2000, 5, NULL);
	copy(blocks);
	assert_status("Refused: busy\n");
	assert_int_equal(usbmsc_fw_confirm(&D.fw), USBMSC_SENSE_OK);
	/* The same file again is refused again until a new copy starts over:
	 * another file (another block count) does. */
	blocks = make_uf2("0300", 3, 2300, 5, NULL);
	copy(blocks);
	quiet(1000);
	assert_running("0300");
	assert_status("Updated from 0200 to 0300.\n");
}

/* A device with no image at all (recovery): the door installs the first. */
static void test_recovery_install(void **state)
{
	struct fatvol v;
	struct fatfile f[8];
	uint8_t buf[SECTOR];

	(void)state;
	nor_wipe(4);
	dev_config(&D, 0);
	power_on();
	assert_int_equal(D.boot_result, USBMSC_FW_BOOT_NONE);
	assert_string_equal(usbmsc_fw_running_version(&D.fw), "");
	assert_true(fat_open(&v, rd_sector, NULL));
	assert_int_equal(fat_list(&v, f, 8), 5);
	assert_int_equal(f[4].size, 0);  /* no CURRENT.UF2 to read */
	assert_int_equal(fat_read(&v, "CURRENT UF2", buf, sizeof(buf)), 0);
	assert_status(USBMSC_DOOR_TXT_WAITING);
	copy_shuffled(make_uf2("0200", 2, 3000, 8, NULL));
	quiet(1000);
	assert_running("0200");
	/* nothing to go back to: it is the confirmed image at once */
	assert_int_equal(D.fw.rec.trial, USBMSC_FW_NO_SLOT);
	power_on();
	assert_running("0200");
}

/* ---- refusals ------------------------------------------------------------------- */

/* After a refusal nothing changed: the old version runs, at the next
 * power-on too, and a good copy still works. */
static void assert_refused(const char *why)
{
	char want[64];
	uint32_t blocks;

	snprintf(want, sizeof(want), "Refused: %s\n", why);
	assert_status(want);
	quiet(10000);
	assert_int_equal(D.activations, 0);
	assert_running("0100");
	power_on();
	assert_running("0100");
	blocks = make_uf2("0200", 2, 1000, 9, NULL);
	copy_shuffled(blocks);
	quiet(1000);
	assert_running("0200");
	assert_int_equal(g_nor.violations, 0);
}

static void test_refused_signature(void **state)
{
	struct img_opts o = { T_VID, T_PID, NULL, NULL, 1, 3, t_other_key };

	(void)state;
	copy(make_uf2("0200", 2, 4000, 1, &o));
	assert_refused("bad signature");
}

static void test_refused_device(void **state)
{
	struct img_opts o = { T_VID, 0x0BAD, NULL, NULL, 1, 3, NULL };
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 4000, 1, &o);
	/* Refused as block 0 arrives, before anything is erased. */
	uint32_t erases = g_nor.erases;
	wr(900, uf2, 1);
	assert_status("Refused: wrong device\n");
	assert_int_equal(g_nor.erases, erases);
	copy(blocks);
	assert_refused("wrong device");
}

static void test_refused_downgrade(void **state)
{
	(void)state;
	assert_true(usbmsc_fw_factory_init(&D.fw, "0100", 7));
	copy(make_uf2("0200", 6, 4000, 1, NULL));
	assert_status("Refused: downgrade\n");
	/* the floor is 7: a good image must be at least that */
	copy(make_uf2("0200", 7, 4000, 1, NULL));
	quiet(1000);
	assert_running("0200");
}

static void test_refused_damaged(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 4000, 1, NULL);
	uf2[5 * SECTOR + 100] ^= 0x40;  /* one payload bit, as a bad copy would */
	copy(blocks);
	assert_refused("damaged");
}

/* The header says more bytes than the UF2 file carries. */
static void test_refused_truncated_image(void **state)
{
	uint32_t len = make_image(img, "0200", 2, 4000, 1, NULL);

	(void)state;
	copy(wrap(len - 600));
	assert_refused("wrong length");
}

static void test_refused_not_an_image(void **state)
{
	(void)state;
	memset(img, 0x5A, 1000);
	copy(wrap(1000));
	assert_refused("bad header");
}

static void test_refused_other_family(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 4000, 1, NULL);
	for (uint32_t i = 0; i < blocks; i++)
		usbmsc_put_le32(uf2 + i * SECTOR + 28, 0xE48BFF56u);
	copy(blocks);
	assert_refused("other family");
}

/* A UF2 file with a block missing: incomplete once the host is quiet. */
static void test_incomplete(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 4000, 1, NULL);
	for (uint32_t i = 0; i < blocks; i++) {
		if (i != 7)
			wr(700 + i, uf2 + i * SECTOR, 1);
	}
	assert_receiving("Receiving", blocks - 1, blocks);
	quiet(1000);
	assert_receiving("Incomplete", blocks - 1, blocks);
	assert_int_equal(D.activations, 0);
	/* the missing block, much later */
	wr(707, uf2 + 7 * SECTOR, 1);
	assert_status("Checked: starting 0200\n");
	quiet(1000);
	assert_running("0200");
}

static void test_too_many_blocks(void **state)
{
	uint8_t blk[SECTOR];

	(void)state;
	usbmsc_uf2_encode(blk, 0, MAX_BLOCKS + 1u, NULL);
	wr(800, blk, 1);
	assert_status("Refused: wrong length\n");
	assert_running("0100");
}

/* ---- interruptions -------------------------------------------------------------- */

/* Power lost half-way: the old firmware runs; copying again works. */
static void test_power_cut_mid_reception(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 6000, 1, NULL);
	copy(blocks / 2);
	power_on();
	assert_running("0100");
	assert_status(USBMSC_DOOR_TXT_WAITING);
	copy_shuffled(blocks);
	quiet(1000);
	assert_running("0200");
	assert_int_equal(g_nor.violations, 0);
}

/* A USB reset half-way (Mass Storage Reset, bus reset): the device keeps
 * its RAM, the reception goes on. */
static void test_usb_reset_mid_reception(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 6000, 1, NULL);
	copy(10);
	usbmsc_target_bus_reset(&D.h.t);
	h_clear_ua(&D.h);
	assert_running("0100");
	assert_receiving("Receiving", 10, blocks);
	copy(blocks);
	quiet(1000);
	assert_running("0200");
}

/* Two images of the same block count: a block 0 of the other restarts. */
static void test_other_image_same_count(void **state)
{
	uint32_t blocks;

	(void)state;
	blocks = make_uf2("0200", 2, 4000, 1, NULL);
	copy(blocks - 2);
	blocks = make_uf2("0300", 3, 4000, 2, NULL);
	wr(600, uf2, 1);
	assert_receiving("Receiving", 1, blocks);
	copy(blocks);
	quiet(1000);
	assert_running("0300");
	assert_true(slot_holds(1, img, 4256));
}

/* A WRITE BUFFER download takes the staging slot: the door's blocks so far
 * are lost, WRITE BUFFER's image is installed; the door's later blocks
 * start over and wait for that image's confirmation. */
static void test_write_buffer_takes_over(void **state)
{
	uint8_t wb[T_MAX_IMAGE];
	uint32_t blocks, len;

	(void)state;
	blocks = make_uf2("0200", 2, 4000, 1, NULL);
	copy(blocks / 2);
	len = make_image(wb, "0300", 3, 3000, 3, NULL);
	assert_int_equal(t_download(&D, 0x07, wb, len, 512), 0);
	h_clear_ua(&D.h);
	assert_running("0300");
	assert_true(slot_holds(1, wb, len));
	for (uint32_t i = blocks / 2; i < blocks; i++)
		wr(3000 + i, uf2 + i * SECTOR, 1);
	assert_status("Refused: busy\n");
	assert_true(slot_holds(1, wb, len));
	assert_int_equal(g_nor.violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_volume, setup),
		cmocka_unit_test_setup(test_fat_chain, setup),
		cmocka_unit_test_setup(test_update_in_order, setup),
		cmocka_unit_test_setup(test_update_shuffled, setup),
		cmocka_unit_test_setup(test_unconfirmed_reverts, setup),
		cmocka_unit_test_setup(test_write_unit_32, setup),
		cmocka_unit_test_setup(test_recovery_install, setup),
		cmocka_unit_test_setup(test_busy_until_confirmed, setup),
		cmocka_unit_test_setup(test_refused_signature, setup),
		cmocka_unit_test_setup(test_refused_device, setup),
		cmocka_unit_test_setup(test_refused_downgrade, setup),
		cmocka_unit_test_setup(test_refused_damaged, setup),
		cmocka_unit_test_setup(test_refused_truncated_image, setup),
		cmocka_unit_test_setup(test_refused_not_an_image, setup),
		cmocka_unit_test_setup(test_refused_other_family, setup),
		cmocka_unit_test_setup(test_incomplete, setup),
		cmocka_unit_test_setup(test_too_many_blocks, setup),
		cmocka_unit_test_setup(test_power_cut_mid_reception, setup),
		cmocka_unit_test_setup(test_usb_reset_mid_reception, setup),
		cmocka_unit_test_setup(test_other_image_same_count, setup),
		cmocka_unit_test_setup(test_write_buffer_takes_over, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
