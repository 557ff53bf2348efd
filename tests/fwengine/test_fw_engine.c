/* The firmware engine through the real target core: every download mode
 * end to end, the refusals (CDB, image, sequence), trial and revert, READ
 * BUFFER, FW STATE and FW CONFIRM, boot checks and flash failures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fw_test.h"
#include "usbmsc/byteorder.h"

static struct dev D;
static uint8_t img[T_MAX_IMAGE];
static uint8_t img2[T_MAX_IMAGE];
static uint8_t back[T_MAX_IMAGE];

#define SENSE_UA_FW USBMSC_SENSE_MICROCODE_CHANGED
#define SENSE_24 USBMSC_SENSE_INVALID_CDB_FIELD
#define SENSE_26 USBMSC_SENSE_INVALID_PARAM
#define SENSE_2C USBMSC_SENSE_SEQUENCE_ERROR

/* FW STATE, decoded. */
struct st {
	uint8_t slot, flags, pending;
	bool wide;  /* USBMSC_FWST_WIDE_OFFSET, apart from the state flags */
	char ver[5], pver[5];
	uint32_t num, pnum, err, floor, cap;
	uint8_t shift, modes;
	uint16_t hw, vid, pid;
	uint8_t key[32];
};

static struct st fwst(void)
{
	uint8_t raw[USBMSC_FW_STATE_LEN];
	struct st s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(t_state(&D, raw), 0);
	assert_memory_equal(raw, "UMFS", 4);
	assert_int_equal(raw[4], 1);
	s.slot = raw[5];
	s.flags = raw[6] & (uint8_t)~USBMSC_FWST_WIDE_OFFSET;
	s.wide = (raw[6] & USBMSC_FWST_WIDE_OFFSET) != 0;
	s.pending = raw[7];
	memcpy(s.ver, raw + 8, 4);
	s.num = usbmsc_get_be32(raw + 12);
	memcpy(s.pver, raw + 16, 4);
	s.pnum = usbmsc_get_be32(raw + 20);
	s.err = usbmsc_get_be32(raw + 24);
	s.floor = usbmsc_get_be32(raw + 28);
	s.cap = usbmsc_get_be32(raw + 32);
	s.shift = raw[36];
	s.modes = raw[37];
	s.hw = usbmsc_get_be16(raw + 38);
	memcpy(s.key, raw + 40, 32);
	s.vid = usbmsc_get_be16(raw + 72);
	s.pid = usbmsc_get_be16(raw + 74);
	return s;
}

/* A device with factory image "1.0" (number 1) running from slot A. */
static void fresh(uint32_t unit, uint8_t flags)
{
	nor_wipe(unit);
	memset(&D, 0, sizeof(D));
	dev_config(&D, flags);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	assert_true(usbmsc_fw_factory_init(&D.fw, "1.0", 1));
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

static int setup(void **state)
{
	(void)state;
	fresh(8, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* The engine never broke NOR rules, the target never broke BOT's. */
	assert_int_equal(g_nor.violations, 0);
	assert_int_equal(D.h.violations, 0);
	return 0;
}

/* Download, reboot into the trial, confirm. */
static void install(uint8_t mode, const uint8_t *im, uint32_t len, uint8_t slot)
{
	assert_int_equal(t_download(&D, mode, im, len, 1024), 0);
	if (mode == 0x0E)
		assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), 0);
	assert_int_equal(dev_boot(&D), slot);
	assert_int_equal(t_confirm(&D), 0);
	assert_true(slot_holds(slot, im, len));
}

/* ---- the test's own SHA-256 ------------------------------------------------ */

static void test_sha256_vectors(void **state)
{
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad
	};
	static const uint8_t empty[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
		0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
		0x78, 0x52, 0xb8, 0x55
	};
	uint8_t out[32];

	(void)state;
	sha256((const uint8_t *)"abc", 3, out);
	assert_memory_equal(out, abc, 32);
	sha256(NULL, 0, out);
	assert_memory_equal(out, empty, 32);
}

/* ---- configuration, fresh flash, factory image ----------------------------- */

static void test_config_refused(void **state)
{
	struct usbmsc_fw_engine e;
	uint32_t len = 99;
	const uint8_t cdb[10] = { 0x3B, 0x05 };

	(void)state;
	D.cfg.flash.sector_size = 1000; /* not a power of two */
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	dev_config(&D, 0);
	D.cfg.state_addr[1] = T_SLOT_B + T_SECTOR; /* inside slot B */
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	dev_config(&D, 0);
	D.cfg.work_size = 255;
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	dev_config(&D, 0);
	D.cfg.flash.write_unit = 64;
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	dev_config(&D, 0);
	D.cfg.crypto.verify = NULL;
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	/* An engine left unconfigured serves nothing. */
	assert_int_equal(usbmsc_fw_cmds[0].begin(&e, 0, cdb, &len), USBMSC_SENSE_INVALID_OPCODE);
	assert_false(usbmsc_fw_factory_init(&e, "1.0", 1));
	dev_config(&D, 0);
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_SLOT_A);
}

static void test_factory_state(void **state)
{
	struct st s;
	char rev[5];

	(void)state;
	s = fwst();
	assert_int_equal(s.slot, 0);
	assert_int_equal(s.flags, 0);
	assert_true(s.wide); /* this engine reads BUFFER ID as offset bits 31:24 */
	assert_int_equal(s.pending, 0xFF);
	assert_string_equal(s.ver, "1.0 ");
	assert_int_equal(s.num, 1);
	assert_string_equal(s.pver, "    ");
	assert_int_equal(s.pnum, 0);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.floor, 1);
	assert_int_equal(s.cap, T_SLOT_SIZE);
	assert_int_equal(s.shift, T_SHIFT);
	assert_int_equal(s.modes, USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 |
					  USBMSC_FW_MODEBIT_0E | USBMSC_FW_MODEBIT_0F);
	assert_int_equal(s.hw, T_HW_REV);
	assert_int_equal(s.vid, T_VID);
	assert_int_equal(s.pid, T_PID);
	assert_memory_equal(s.key, t_key, 32);
	assert_int_equal(t_inquiry_rev(&D, rev), 0);
	assert_string_equal(rev, "1.0 ");
	assert_false(usbmsc_fw_factory_init(&D.fw, "", 1));
	assert_false(usbmsc_fw_factory_init(&D.fw, "1.0.0", 1));
	assert_false(usbmsc_fw_factory_init(&D.fw, "a b", 1));
}

static void test_fresh_flash_boots_valid_slot_a(void **state)
{
	uint32_t len = make_image(img, "0.9", 9, 3000, 7, NULL);
	struct st s;

	(void)state;
	/* A programmer wrote slot A; no state record exists yet. */
	nor_wipe(8);
	memcpy(g_nor.mem + T_SLOT_A, img, len);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	s = fwst();
	assert_string_equal(s.ver, "0.9 ");
	assert_int_equal(s.floor, 9);
	/* The decision is now recorded: the record alone decides. */
	g_nor.mem[T_SLOT_A + 1000] ^= 1;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);

	/* Fresh flash with a damaged slot A: nothing runs. */
	nor_wipe(8);
	memcpy(g_nor.mem + T_SLOT_A, img, len);
	g_nor.mem[T_SLOT_A + 1000] ^= 1;
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	s = fwst();
	assert_int_equal(s.slot, 0xFF);
	assert_string_equal(s.ver, "    ");
}

static void test_recovery_install_without_image(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 2000, 3, NULL);
	struct st s;

	(void)state;
	nor_wipe(8);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	/* With nothing to go back to, the image is confirmed at once. */
	assert_int_equal(t_download(&D, 0x05, img, len, 0), 0);
	assert_int_equal(D.activated_slot, USBMSC_FW_SLOT_A);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	s = fwst();
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.floor, 2);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

/* ---- the modes end to end -------------------------------------------------- */

static void test_mode05(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 5000, 11, NULL);
	struct st s;
	char rev[5];

	(void)state;
	assert_int_equal(t_wb(&D, 0x05, 0, len, img), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(D.activated_slot, USBMSC_FW_SLOT_B);
	/* Activation raises 06/3F/01 on every LUN. */
	assert_int_equal(h_sense(&D.h, 0), SENSE_UA_FW);
	assert_int_equal(h_sense(&D.h, 1), SENSE_UA_FW);
	/* Until the reboot the old image runs and the new one is next. */
	s = fwst();
	assert_int_equal(s.slot, 0);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.pending, 1);
	assert_string_equal(s.pver, "2.0 ");
	assert_int_equal(s.pnum, 2);

	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_inquiry_rev(&D, rev), 0);
	assert_string_equal(rev, "2.0 ");
	s = fwst();
	assert_int_equal(s.slot, 1);
	assert_int_equal(s.flags, USBMSC_FWST_TRIAL);
	assert_int_equal(s.pending, 0xFF);
	assert_int_equal(s.floor, 1);
	assert_int_equal(t_confirm(&D), 0);
	s = fwst();
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.floor, 2);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(slot_holds(1, img, len));
	assert_string_equal(usbmsc_fw_running_version(&D.fw), "2.0");
}

static void test_mode07(void **state)
{
	uint32_t len = make_image(img, "2.1", 3, 4001, 12, NULL);
	uint32_t off;

	(void)state;
	for (off = 0; off + 1024 < len; off += 1024) {
		assert_int_equal(t_wb(&D, 0x07, off, 1024, img + off), 0);
		assert_int_equal(D.activations, 0);
	}
	assert_int_equal(t_wb(&D, 0x07, off, len - off, img + off), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
	assert_true(slot_holds(1, img, len));
	/* And back into slot A, in 512-byte chunks, over the factory image. */
	len = make_image(img, "2.2", 4, 7777, 13, NULL);
	assert_int_equal(t_download(&D, 0x07, img, len, 512), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(t_confirm(&D), 0);
	assert_true(slot_holds(0, img, len));
}

static void test_mode0E_0F(void **state)
{
	uint32_t len = make_image(img, "3.0", 3, 3333, 14, NULL);
	uint32_t got = 0;
	struct st s;

	(void)state;
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	assert_int_equal(D.activations, 0);
	s = fwst();
	assert_int_equal(s.slot, 0);
	assert_int_equal(s.flags, USBMSC_FWST_PENDING);
	assert_int_equal(s.pending, 1);
	assert_string_equal(s.pver, "3.0 ");
	assert_int_equal(s.pnum, 3);
	/* READ BUFFER mode 0x02 reads the staged image back. */
	assert_int_equal(t_rb(&D, 0x02, 0, len, back, &got), 0);
	assert_int_equal(got, len);
	assert_memory_equal(back, img, len);
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(h_sense(&D.h, 0), SENSE_UA_FW);
	s = fwst();
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.pending, 1);
	/* Nothing deferred any more. */
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), SENSE_2C);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(fwst().flags, USBMSC_FWST_TRIAL);
	assert_int_equal(t_confirm(&D), 0);
	assert_int_equal(fwst().flags, 0);
}

static void test_deferred_at_power_on(void **state)
{
	uint32_t len = make_image(img, "3.0", 3, 2000, 15, NULL);

	(void)state;
	/* SPC: a power cycle activates deferred microcode... */
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(fwst().flags, USBMSC_FWST_TRIAL);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(fwst().flags, USBMSC_FWST_REVERTED);

	/* ...unless the device keeps it for mode 0x0F. */
	fresh(8, USBMSC_FW_KEEP_DEFERRED);
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(fwst().flags, USBMSC_FWST_PENDING);
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
}

static void test_reboot_in_activate(void **state)
{
	uint32_t len = make_image(img, "4.2", 42, 1500, 16, NULL);
	char rev[5];

	(void)state;
	/* A simulated device reboots the engine inside the callback. */
	D.reboot_in_activate = true;
	assert_int_equal(t_wb(&D, 0x05, 0, len, img), 0);
	assert_int_equal(D.boot_result, USBMSC_FW_SLOT_B);
	assert_int_equal(t_inquiry_rev(&D, rev), 0); /* INQUIRY passes unit attention */
	assert_string_equal(rev, "4.2 ");
	assert_int_equal(t_state(&D, back), SENSE_UA_FW);
	assert_int_equal(h_sense(&D.h, 1), SENSE_UA_FW);
	assert_int_equal(fwst().flags, USBMSC_FWST_TRIAL);
	assert_int_equal(t_confirm(&D), 0);
}

/* ---- refusals ---------------------------------------------------------------- */

static uint32_t wb_raw(uint8_t b1, uint8_t id, uint32_t off, uint32_t len, uint8_t ctl,
		       const uint8_t *data)
{
	uint8_t cdb[10] = { 0x3B, b1, id };

	usbmsc_put_be24(cdb + 3, off);
	usbmsc_put_be24(cdb + 6, len);
	cdb[9] = ctl;
	return t_cmd(&D, cdb, 10, len ? USBMSC_DIR_OUT : USBMSC_DIR_NONE, len, data, NULL, NULL);
}

static void test_bad_cdb(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 17, NULL);

	(void)state;
	assert_int_equal(wb_raw(0x07, 1, 0, 512, 0, img), SENSE_24);     /* buffer id: 2^24 */
	assert_int_equal(wb_raw(0x27, 0, 0, 512, 0, img), SENSE_24);     /* mode specific */
	assert_int_equal(wb_raw(0x07, 0, 0, 512, 0x04, img), SENSE_24);  /* control byte */
	assert_int_equal(wb_raw(0x0D, 0, 0, 512, 0, img), SENSE_24);     /* not served */
	assert_int_equal(wb_raw(0x02, 0, 0, 512, 0, img), SENSE_24);
	assert_int_equal(wb_raw(0x05, 0, 512, 512, 0, img), SENSE_24);   /* 0x05 has no offset */
	assert_int_equal(wb_raw(0x05, 0, 0, T_SLOT_SIZE + 1, 0, NULL), SENSE_24);
	assert_int_equal(wb_raw(0x07, 0, 100, 512, 0, img), SENSE_24);   /* off the boundary */
	assert_int_equal(wb_raw(0x0E, 0, T_SLOT_SIZE - 512, 1024, 0, img), SENSE_24);
	assert_int_equal(wb_raw(0x07, 0, 1024, 512, 0, img), SENSE_24);  /* nothing before */
	assert_int_equal(wb_raw(0x0F, 0, 0, 512, 0, img), SENSE_24);
	assert_int_equal(fwst().err, SENSE_24);
	/* None of that disturbs a download in progress. */
	assert_int_equal(t_wb(&D, 0x07, 0, 1024, img), 0);
	assert_int_equal(wb_raw(0x07, 0, 2048, 512, 0, img + 2048), SENSE_24); /* a gap */
	assert_int_equal(wb_raw(0x07, 0, 512, 512, 0, img + 512), SENSE_24);   /* going back */
	assert_int_equal(t_wb(&D, 0x07, 1024, len - 1024, img + 1024), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(h_sense(&D.h, 0), SENSE_UA_FW);
	assert_int_equal(fwst().err, 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
}

static void test_last_error_cleared_by_success(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 40, NULL);

	(void)state;
	assert_int_equal(t_wb(&D, 0x0E, 0, 1024, img), 0);
	assert_int_equal(wb_raw(0x0E, 0, 4096, 512, 0, img), SENSE_24);
	assert_int_equal(fwst().err, SENSE_24);
	assert_int_equal(t_wb(&D, 0x0E, 1024, len - 1024, img + 1024), 0);
	assert_int_equal(fwst().err, 0);
	assert_int_equal(fwst().flags, USBMSC_FWST_PENDING);
}

static void test_restart_at_offset_zero(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 18, NULL);
	uint32_t len2 = make_image(img2, "2.5", 5, 2500, 19, NULL);

	(void)state;
	/* Half of one image, then another from the start. */
	assert_int_equal(t_wb(&D, 0x07, 0, 1536, img), 0);
	assert_int_equal(t_download(&D, 0x07, img2, len2, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(slot_holds(1, img2, len2));
	(void)len;
}

/* The image is refused with 05/26/00 and the old one stays. */
static void assert_refused(uint32_t sense, enum usbmsc_fw_reason why)
{
	struct st s;

	assert_int_equal(sense, SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), why);
	assert_int_equal(D.activations, 0);
	s = fwst();
	assert_int_equal(s.err, SENSE_26);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.pending, 0xFF);
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), SENSE_2C);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_string_equal(fwst().ver, "1.0 ");
}

static void test_forged_signature(void **state)
{
	struct img_opts o = { T_VID, T_PID, NULL, NULL, 1, 3, t_other_key };
	uint32_t len = make_image(img, "2.0", 2, 3000, 20, &o);

	(void)state;
	assert_refused(t_download(&D, 0x07, img, len, 1024), USBMSC_FWR_SIGNATURE);
	/* A signature that is close is no better. */
	len = make_image(img, "2.0", 2, 3000, 20, NULL);
	img[USBMSC_FW_SIG_OFFSET + 63] ^= 0x80;
	assert_refused(t_download(&D, 0x05, img, len, 0), USBMSC_FWR_SIGNATURE);
	/* Nor is a signed header changed afterwards. */
	len = make_image(img, "2.0", 2, 3000, 20, NULL);
	img[44] = '9';
	assert_refused(t_download(&D, 0x0E, img, len, 1024), USBMSC_FWR_SIGNATURE);
}

static void test_bad_hash(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 21, NULL);

	(void)state;
	img[len - 1] ^= 0x01;
	assert_refused(t_download(&D, 0x05, img, len, 0), USBMSC_FWR_HASH);
}

static void test_wrong_device(void **state)
{
	struct img_opts vid = { 0x1234, T_PID, NULL, NULL, 1, 3, NULL };
	struct img_opts hw = { T_VID, T_PID, NULL, NULL, 3, 9, NULL };
	struct img_opts prod = { T_VID, T_PID, NULL, "Other Disk", 1, 3, NULL };
	struct img_opts any = { 0, 0, "", "", 0, 0xFFFF, NULL };
	uint32_t len, ops;

	(void)state;
	len = make_image(img, "2.0", 2, 1000, 22, &vid);
	ops = g_nor.ops;
	assert_refused(t_download(&D, 0x05, img, len, 0), USBMSC_FWR_FIT);
	assert_int_equal(g_nor.ops, ops); /* refused before any erase */
	len = make_image(img, "2.0", 2, 1000, 22, &hw);
	assert_refused(t_download(&D, 0x07, img, len, 512), USBMSC_FWR_FIT);
	len = make_image(img, "2.0", 2, 1000, 22, &prod);
	assert_refused(t_download(&D, 0x05, img, len, 0), USBMSC_FWR_FIT);
	/* An image for any device fits this one. */
	len = make_image(img, "2.0", 2, 1000, 22, &any);
	assert_int_equal(t_download(&D, 0x05, img, len, 0), 0);
}

static void test_rollback(void **state)
{
	uint32_t len, ops;

	(void)state;
	len = make_image(img, "5.0", 5, 1000, 23, NULL);
	install(0x05, img, len, USBMSC_FW_SLOT_B);
	assert_int_equal(fwst().floor, 5);
	D.activations = 0;
	len = make_image(img, "4.0", 4, 1000, 24, NULL);
	ops = g_nor.ops;
	assert_int_equal(t_download(&D, 0x05, img, len, 0), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_ROLLBACK);
	assert_int_equal(D.activations, 0);
	/* Refused from the header alone: the previous image (1.0, slot A)
	 * was not even erased. */
	assert_int_equal(g_nor.ops, ops);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_string_equal(fwst().ver, "5.0 ");
	/* The same through chunks. */
	assert_int_equal(t_download(&D, 0x07, img, len, 512), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_ROLLBACK);
	/* The same version number again is a reinstall, and is allowed. */
	len = make_image(img, "5.0r", 5, 1200, 25, NULL);
	install(0x07, img, len, USBMSC_FW_SLOT_A);
	assert_string_equal(fwst().ver, "5.0r");
}

static void test_rollback_floor(void **state)
{
	uint32_t len;

	(void)state;
	/* The floor (factory 7) holds even for an image newer than nothing. */
	nor_wipe(8);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	assert_true(usbmsc_fw_factory_init(&D.fw, "7", 7));
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	len = make_image(img, "6.9", 6, 1000, 26, NULL);
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_ROLLBACK);
	assert_int_equal(fwst().floor, 7);
}

static void test_impossible_length_refused_early(void **state)
{
	struct usbmsc_fw_header h;
	uint32_t ops;

	(void)state;
	make_image(img, "2.0", 2, 1000, 27, NULL);
	assert_int_equal(usbmsc_fw_header_parse(img, USBMSC_FW_HEADER_LEN, &h), USBMSC_FWCHK_OK);
	h.payload_len = T_SLOT_SIZE - USBMSC_FW_HEADER_LEN + 1;
	assert_true(usbmsc_fw_header_encode(&h, img));
	fake_sign(t_key, img, USBMSC_FW_SIGNED_LEN, img + USBMSC_FW_SIG_OFFSET);
	ops = g_nor.ops;
	/* Refused with the first chunk, before any flash is touched. */
	assert_int_equal(t_wb(&D, 0x07, 0, 512, img), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_LENGTH);
	assert_int_equal(g_nor.ops, ops);
	/* The download is over: the next chunk has nothing to continue. */
	assert_int_equal(t_wb(&D, 0x07, 512, 512, img + 512), SENSE_24);

	/* A header split over two chunks is refused with the second. */
	D.cfg.offset_shift = 7;
	assert_int_equal(t_wb(&D, 0x07, 0, 128, img), 0);
	assert_int_equal(t_wb(&D, 0x07, 128, 128, img + 128), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_LENGTH);
	assert_int_equal(t_wb(&D, 0x07, 256, 128, img + 256), SENSE_24);
	assert_int_equal(fwst().pending, 0xFF);

	/* Garbage instead of a header: refused as soon as it is in. */
	memset(img, 0x5A, 1024);
	assert_int_equal(t_wb(&D, 0x0E, 0, 1024, img), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_HEADER);
	assert_int_equal(t_wb(&D, 0x0E, 0, 128, img), 0);
	assert_int_equal(t_wb(&D, 0x0E, 128, 128, img + 128), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_HEADER);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

static void test_length_mismatch(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 1000, 28, NULL);

	(void)state;
	/* Mode 0x05 with more than the image, or less. */
	assert_int_equal(t_wb(&D, 0x05, 0, len + 16, img), SENSE_26);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_LENGTH);
	assert_int_equal(t_wb(&D, 0x05, 0, len - 1, img), SENSE_26);
	assert_int_equal(t_wb(&D, 0x05, 0, 100, img), SENSE_26);
	assert_int_equal(t_wb(&D, 0x05, 0, 0, NULL), SENSE_26);
	/* A last chunk reaching past the image. */
	assert_int_equal(t_wb(&D, 0x07, 0, 1024, img), 0);
	assert_int_equal(t_wb(&D, 0x07, 1024, 512, img + 1024), SENSE_26);
	assert_int_equal(D.activations, 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

static void test_truncated_then_activate(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 5000, 29, NULL);

	(void)state;
	assert_int_equal(t_wb(&D, 0x0E, 0, 2048, img), 0);
	assert_int_equal(t_wb(&D, 0x0E, 2048, 2048, img + 2048), 0);
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), SENSE_2C);
	assert_int_equal(fwst().err, SENSE_2C);
	assert_int_equal(fwst().pending, 0xFF);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	(void)len;
}

/* ---- trial, revert, confirm ------------------------------------------------ */

static void test_unconfirmed_trial_reverts(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 30, NULL);
	char rev[5];
	struct st s;

	(void)state;
	assert_int_equal(t_download(&D, 0x07, img, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	/* The trial image runs once, is not confirmed, the device reboots. */
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	s = fwst();
	assert_int_equal(s.slot, 0);
	assert_int_equal(s.flags, USBMSC_FWST_REVERTED);
	assert_string_equal(s.ver, "1.0 ");
	assert_int_equal(s.floor, 1);
	assert_int_equal(t_inquiry_rev(&D, rev), 0);
	assert_string_equal(rev, "1.0 ");
	/* The reverted image is gone for good. */
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), SENSE_2C);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	/* A new update clears the flag. */
	install(0x05, img, len, USBMSC_FW_SLOT_B);
	assert_int_equal(fwst().flags, 0);
}

static void test_sequence_rules(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 31, NULL);

	(void)state;
	/* Nothing on trial: FW CONFIRM has nothing to do. */
	assert_int_equal(t_confirm(&D), 0);
	assert_int_equal(t_download(&D, 0x05, img, len, 0), 0);
	h_clear_ua(&D.h);
	/* Activated, not booted: no confirm, no new download. */
	assert_int_equal(t_confirm(&D), SENSE_2C);
	assert_int_equal(t_download(&D, 0x05, img, len, 0), SENSE_2C);
	assert_int_equal(t_download(&D, 0x07, img, len, 1024), SENSE_2C);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	/* On trial: still no new download until confirmed. */
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), SENSE_2C);
	assert_int_equal(t_confirm(&D), 0);
	assert_int_equal(t_confirm(&D), 0);
	len = make_image(img, "2.1", 3, 3000, 32, NULL);
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
}

static void test_new_download_cancels_pending(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 33, NULL);

	(void)state;
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	assert_int_equal(fwst().flags, USBMSC_FWST_PENDING);
	assert_int_equal(t_wb(&D, 0x0E, 0, 512, img), 0);
	assert_int_equal(fwst().flags, 0);
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), SENSE_2C);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

/* ---- READ BUFFER, FW STATE and FW CONFIRM CDBs -------------------------------- */

static void test_read_buffer(void **state)
{
	uint8_t d[8];
	uint8_t cdb[10] = { 0x3C, 0x03, 1, 0, 0, 0, 0, 0, 4, 0 };
	uint32_t got = 0;
	uint32_t len = make_image(img, "2.0", 2, 3000, 34, NULL);

	(void)state;
	memset(d, 0xEE, sizeof(d));
	assert_int_equal(t_rb(&D, 0x03, 0, 4, d, &got), 0);
	assert_int_equal(got, 4);
	assert_int_equal(d[0], T_SHIFT);
	assert_int_equal(usbmsc_get_be24(d + 1), T_SLOT_SIZE);
	/* A shorter allocation gets the start; a longer one only 4 bytes. */
	assert_int_equal(t_rb(&D, 0x03, 0, 2, d, &got), 0);
	assert_int_equal(got, 2);
	assert_int_equal(t_rb(&D, 0x03, 0, 8, d, &got), 0);
	assert_int_equal(got, 4);
	/* BUFFER ID is offset bits 31:24: the descriptor has offset 0 only. */
	assert_int_equal(t_cmd(&D, cdb, 10, USBMSC_DIR_IN, 4, NULL, d, NULL), SENSE_24);
	assert_int_equal(t_rb(&D, 0x01, 0, 4, d, &got), SENSE_24);
	assert_int_equal(t_rb(&D, 0x02, T_SLOT_SIZE - 100, 200, back, &got), SENSE_24);
	/* Mode 0x02 from an offset, across the target's buffer boundaries. */
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	assert_int_equal(t_rb(&D, 0x02, 300, 1500, back, &got), 0);
	assert_int_equal(got, 1500);
	assert_memory_equal(back, img + 300, 1500);
	g_nor.fail_reads = true;
	assert_int_equal(t_rb(&D, 0x02, 0, 16, back, &got), USBMSC_SENSE_READ_ERROR);
	g_nor.fail_reads = false;
}

static void test_state_and_confirm_cdbs(void **state)
{
	uint8_t cdb[6] = { USBMSC_OP_FW_STATE, 0, 0, 0, 10, 0 };
	uint8_t in[80];
	uint32_t got = 0;

	(void)state;
	assert_int_equal(t_cmd(&D, cdb, 6, USBMSC_DIR_IN, 10, NULL, in, &got), 0);
	assert_int_equal(got, 10);
	assert_memory_equal(in, "UMFS", 4);
	cdb[1] = 1;
	assert_int_equal(t_cmd(&D, cdb, 6, USBMSC_DIR_IN, 10, NULL, in, &got), SENSE_24);
	cdb[0] = USBMSC_OP_FW_CONFIRM;
	cdb[1] = 0;
	cdb[4] = 0;
	cdb[2] = 1;
	assert_int_equal(t_cmd(&D, cdb, 6, USBMSC_DIR_NONE, 0, NULL, NULL, NULL), SENSE_24);
}

/* ---- boot checks and the state records ------------------------------------------ */

static void test_check_at_boot(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 3000, 35, NULL);
	uint32_t len2 = make_image(img2, "2.0b", 2, 2000, 36, NULL);

	(void)state;
	/* A trial image damaged after its download is rolled back. */
	fresh(8, USBMSC_FW_CHECK_AT_BOOT);
	assert_int_equal(t_download(&D, 0x05, img, len, 0), 0);
	g_nor.mem[T_SLOT_B + 2000] ^= 0x10;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(fwst().flags, USBMSC_FWST_REVERTED);

	/* A damaged confirmed image: the other slot runs if it is not older
	 * than the floor... */
	install(0x05, img, len, USBMSC_FW_SLOT_B);
	install(0x05, img2, len2, USBMSC_FW_SLOT_A);
	g_nor.mem[T_SLOT_A + 300] ^= 0x01;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_string_equal(fwst().ver, "2.0 ");
	/* ...and nothing runs when no image is good. */
	g_nor.mem[T_SLOT_B + 300] ^= 0x01;
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);

	/* An older image is no fallback once a newer one was confirmed. */
	fresh(8, USBMSC_FW_CHECK_AT_BOOT);
	install(0x05, img, len, USBMSC_FW_SLOT_B);
	len2 = make_image(img2, "3.0", 3, 2000, 36, NULL);
	install(0x05, img2, len2, USBMSC_FW_SLOT_A);
	g_nor.mem[T_SLOT_A + 300] ^= 0x01;
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);

	/* Without the option the record alone decides. */
	fresh(8, 0);
	install(0x05, img, len, USBMSC_FW_SLOT_B);
	g_nor.mem[T_SLOT_B + 300] ^= 0x01;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
}

static void test_older_record_survives(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 1000, 37, NULL);
	uint8_t *rec0 = g_nor.mem + T_STATE0, *rec1 = g_nor.mem + T_STATE1;
	uint32_t seq0, seq1;

	(void)state;
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	/* Both sectors hold a record, one newer than the other. */
	assert_memory_equal(rec0, "UMFR", 4);
	assert_memory_equal(rec1, "UMFR", 4);
	seq0 = usbmsc_get_le32(rec0 + 4);
	seq1 = usbmsc_get_le32(rec1 + 4);
	assert_int_equal(seq0 > seq1 ? seq0 - seq1 : seq1 - seq0, 1);
	/* Damage the newer one: the device falls back to the state before. */
	(seq0 > seq1 ? rec0 : rec1)[20] ^= 0x01;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(fwst().flags, 0);
	assert_int_equal(fwst().pending, 0xFF);
	/* And a later write goes over the damaged one. */
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
}

/* ---- flash failures and program units -------------------------------------------- */

static void test_flash_failures(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 5000, 38, NULL);

	(void)state;
	g_nor.fail_at = g_nor.ops + 5; /* a program or erase in the middle */
	assert_int_equal(t_download(&D, 0x05, img, len, 0), USBMSC_SENSE_WRITE_ERROR);
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_FLASH);
	assert_int_equal(fwst().err, USBMSC_SENSE_WRITE_ERROR);
	assert_int_equal(fwst().pending, 0xFF);
	assert_int_equal(D.activations, 0);
	/* Reading back for the checks fails: nothing is accepted unread. */
	g_nor.fail_at = 0;
	assert_int_equal(t_wb(&D, 0x0E, 0, 1024, img), 0);
	g_nor.fail_reads = true;
	assert_int_equal(t_wb(&D, 0x0E, 1024, len - 1024, img + 1024), USBMSC_SENSE_READ_ERROR);
	g_nor.fail_reads = false;
	assert_int_equal(fwst().pending, 0xFF);
	/* A state write that fails leaves the image unactivated. */
	assert_int_equal(t_download(&D, 0x0E, img, len, 1024), 0);
	g_nor.fail_at = g_nor.ops + 1;
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), USBMSC_SENSE_WRITE_ERROR);
	assert_int_equal(D.activations, 0);
	/* A record the flash silently failed to store is caught by reading
	 * it back. */
	g_nor.fail_at = 0;
	g_nor.silent_at = g_nor.ops + 2;
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), USBMSC_SENSE_WRITE_ERROR);
	assert_int_equal(D.activations, 0);
	assert_int_equal(fwst().err, USBMSC_SENSE_WRITE_ERROR);
	g_nor.silent_at = 0;
	/* Then everything works again. */
	assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
}

static void test_program_units(void **state)
{
	static const uint8_t units[] = { 1, 4, 16, 32 };
	uint32_t len = make_image(img, "2.0", 2, 4321, 39, NULL);

	(void)state;
	for (uint32_t i = 0; i < sizeof(units); i++) {
		fresh(units[i], 0);
		install(0x07, img, len, USBMSC_FW_SLOT_B);
		assert_int_equal(g_nor.violations, 0);
	}
	/* Chunks that end between program units (offset boundary 1 byte). */
	fresh(8, 0);
	D.cfg.offset_shift = 0;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(t_download(&D, 0x07, img, len, 100), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(slot_holds(1, img, len));
}

/* ---- USBMSC_FW_HASH_STREAMED ------------------------------------------------------ */

/* Flash reads of one chunked download (mode 0x07, 1 KiB chunks) of im
 * into slot B of a fresh device with flags, which must be accepted. */
static uint32_t reads_of_download(uint8_t flags, const uint8_t *im, uint32_t len)
{
	uint32_t before;

	fresh(8, flags);
	before = g_nor.reads;
	assert_int_equal(t_download(&D, 0x07, im, len, 1024), 0);
	assert_int_equal(D.activations, 1);
	return g_nor.reads - before;
}

static void test_hash_streamed(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 9000, 40, NULL);
	uint32_t len2 = make_image(img2, "2.5", 5, 2500, 41, NULL);
	uint32_t plain, streamed;

	(void)state;
	/* No read-back pass: the payload is never read from flash. */
	plain = reads_of_download(0, img, len);
	streamed = reads_of_download(USBMSC_FW_HASH_STREAMED, img, len);
	assert_true(plain >= streamed + (len - USBMSC_FW_HEADER_LEN) / T_WORK);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(slot_holds(1, img, len));
	assert_int_equal(t_confirm(&D), 0);

	/* A payload that does not match the signed hash is refused. */
	fresh(8, USBMSC_FW_HASH_STREAMED);
	img[len - 1] ^= 0x01;
	assert_refused(t_download(&D, 0x07, img, len, 1024), USBMSC_FWR_HASH);
	img[len - 1] ^= 0x01;
	/* A download started over at offset 0 starts its hash over. */
	assert_int_equal(t_wb(&D, 0x0E, 0, 1536, img), 0);
	assert_int_equal(t_download(&D, 0x07, img2, len2, 1024), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(slot_holds(1, img2, len2));

	/* Pieces that straddle the header's end (1-byte offset boundary). */
	fresh(8, USBMSC_FW_HASH_STREAMED);
	D.cfg.offset_shift = 0;
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(t_download(&D, 0x07, img, len, 100), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(slot_holds(1, img, len));
	/* And in one command (mode 0x05), through the target's buffer. */
	fresh(8, USBMSC_FW_HASH_STREAMED);
	assert_int_equal(t_wb(&D, 0x05, 0, len2, img2), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
}

/* The trade-off: flash that silently fails to store a chunk. */
static void test_hash_streamed_silent_flash_fault(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, 5000, 42, NULL);

	(void)state;
	/* The read-back catches it at the download... */
	fresh(8, 0);
	/* Per 1 KiB sector: an erase, then two 512-byte programs (the
	 * target's buffer): operation 5 programs bytes 1024..1535. */
	g_nor.silent_at = g_nor.ops + 5;
	assert_refused(t_download(&D, 0x07, img, len, 1024), USBMSC_FWR_HASH);
	assert_false(slot_holds(1, img, len));
	g_nor.silent_at = 0;

	/* ...the streamed hash does not: the bytes arrived right... */
	fresh(8, USBMSC_FW_HASH_STREAMED | USBMSC_FW_CHECK_AT_BOOT);
	g_nor.silent_at = g_nor.ops + 5;
	assert_int_equal(t_download(&D, 0x07, img, len, 1024), 0);
	g_nor.silent_at = 0;
	assert_int_equal(D.activations, 1);
	assert_false(slot_holds(1, img, len));
	/* ...so CHECK_AT_BOOT refuses to run it: the trial reverts. */
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(fwst().flags, USBMSC_FWST_REVERTED);
	assert_string_equal(fwst().ver, "1.0 ");
	/* A clean download then goes through. */
	install(0x07, img, len, USBMSC_FW_SLOT_B);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sha256_vectors),
		T(test_config_refused),
		T(test_factory_state),
		T(test_fresh_flash_boots_valid_slot_a),
		T(test_recovery_install_without_image),
		T(test_mode05),
		T(test_mode07),
		T(test_mode0E_0F),
		T(test_deferred_at_power_on),
		T(test_reboot_in_activate),
		T(test_bad_cdb),
		T(test_last_error_cleared_by_success),
		T(test_restart_at_offset_zero),
		T(test_forged_signature),
		T(test_bad_hash),
		T(test_wrong_device),
		T(test_rollback),
		T(test_rollback_floor),
		T(test_impossible_length_refused_early),
		T(test_length_mismatch),
		T(test_truncated_then_activate),
		T(test_unconfirmed_trial_reverts),
		T(test_sequence_rules),
		T(test_new_download_cancels_pending),
		T(test_read_buffer),
		T(test_state_and_confirm_cdbs),
		T(test_check_at_boot),
		T(test_older_record_survives),
		T(test_flash_failures),
		T(test_program_units),
		T(test_hash_streamed),
		T(test_hash_streamed_silent_flash_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
