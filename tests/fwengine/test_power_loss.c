/* Power loss at every flash operation of a firmware update, the way
 * MCUboot's simulator proves its swaps.
 *
 * The device starts with image 2.0 confirmed in slot B (the factory image
 * 1.0 in slot A is the previous one), in some scenarios with image 2.5
 * downloaded deferred into slot A. For each mode (0x05, 0x07, 0x0E then
 * 0x0F) and scenario (engine flags, among them USBMSC_FW_HASH_STREAMED
 * with and without CHECK_AT_BOOT), one uncut run counts the program and erase operations
 * of the whole sequence: download 3.0 into slot A, activation, reboot,
 * FW CONFIRM, reboot. Then, for every N in 1..count, the same sequence runs
 * again with the N-th operation torn (half its bytes, or half the sector)
 * and power gone after it. Power returns and the device reboots on a fresh
 * engine and target over the same flash; it must run a whole image (2.0,
 * 3.0, or 2.5 when that one was pending) byte for byte, FW STATE and
 * INQUIRY must agree with it, and a further update (4.0) must then succeed
 * end to end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fw_test.h"
#include "usbmsc/byteorder.h"

static struct dev D;

/* The images of the sweep: old runs at the start; mid (in the "over a
 * pending image" scenarios) waits deferred in slot A when the update
 * starts; new is the update; next the one installed after recovery. */
struct image {
	const char *ver;
	uint32_t number;
	uint32_t len;
	uint8_t bytes[T_MAX_IMAGE];
};

static struct image old_img = { "2.0", 2, 0, { 0 } };
static struct image mid_img = { "2.5", 3, 0, { 0 } };
static struct image new_img = { "3.0", 4, 0, { 0 } };
static struct image next_img = { "4.0", 5, 0, { 0 } };

#define OLD_SLOT USBMSC_FW_SLOT_B
#define NEW_SLOT USBMSC_FW_SLOT_A

struct scenario {
	uint8_t mode;
	uint8_t flags;           /* USBMSC_FW_* */
	bool over_pending;       /* mid is pending in slot A when the update starts */
	const char *name;
};

static void make_images(void)
{
	old_img.len = make_image(old_img.bytes, old_img.ver, old_img.number, 3000, 101, NULL);
	mid_img.len = make_image(mid_img.bytes, mid_img.ver, mid_img.number, 4000, 102, NULL);
	new_img.len = make_image(new_img.bytes, new_img.ver, new_img.number, 5000, 103, NULL);
	next_img.len = make_image(next_img.bytes, next_img.ver, next_img.number, 2345, 104, NULL);
	assert_true(old_img.len && mid_img.len && new_img.len && next_img.len);
}

/* Factory 1.0 in A, then old installed into B and confirmed; mid pending
 * in A if asked. */
static void prepare(const struct scenario *sc)
{
	nor_wipe(8);
	memset(&D, 0, sizeof(D));
	dev_config(&D, sc->flags);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	assert_true(usbmsc_fw_factory_init(&D.fw, "1.0", 1));
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	assert_int_equal(t_wb(&D, 0x05, 0, old_img.len, old_img.bytes), 0);
	assert_int_equal(dev_boot(&D), OLD_SLOT);
	assert_int_equal(t_confirm(&D), 0);
	if (sc->over_pending)
		assert_int_equal(t_download(&D, 0x0E, mid_img.bytes, mid_img.len, 1024), 0);
	assert_int_equal(g_nor.violations, 0);
}

/* Download im in mode; 0x0E is followed by 0x0F. Failures are ignored:
 * once power is gone the device answers nonsense. */
static void download(uint8_t mode, const struct image *im)
{
	if (mode == 0x05) {
		t_wb(&D, 0x05, 0, im->len, im->bytes);
		return;
	}
	for (uint32_t off = 0; off < im->len && !g_nor.dead; off += 1024)
		t_wb(&D, mode, off, im->len - off < 1024 ? im->len - off : 1024, im->bytes + off);
	if (mode == 0x0E && !g_nor.dead)
		t_wb(&D, 0x0F, 0, 0, NULL);
}

/* The whole update; it stops where power is lost. */
static void update(uint8_t mode)
{
	download(mode, &new_img);
	if (g_nor.dead)
		return;
	dev_boot(&D);
	if (g_nor.dead)
		return;
	t_confirm(&D);
	if (g_nor.dead)
		return;
	dev_boot(&D);
}

struct tally {
	uint32_t cuts, ran[3];  /* old, mid, new */
};

/* Which image a version string names. */
static const struct image *by_version(const uint8_t *p, int *index)
{
	const struct image *all[3] = { &old_img, &mid_img, &new_img };
	char ver[5] = "    ";

	for (int i = 0; i < 3; i++) {
		memcpy(ver, all[i]->ver, strlen(all[i]->ver));
		if (memcmp(p, ver, 4) == 0) {
			*index = i;
			return all[i];
		}
		memcpy(ver, "    ", 4);
	}
	fail_msg("unknown version %.4s", (const char *)p);
	return NULL;
}

/* After the reboot: a whole image runs and the state agrees with it. */
static void check_consistent(int slot, const struct scenario *sc, struct tally *t)
{
	uint8_t st[USBMSC_FW_STATE_LEN];
	const struct image *run, *pend;
	char rev[5];
	int which, pwhich;

	assert_true(slot == OLD_SLOT || slot == NEW_SLOT);
	assert_int_equal(t_state(&D, st), 0);
	assert_int_equal(st[5], slot);
	run = by_version(st + 8, &which);
	/* Never a torn image: every byte of the one FW STATE names. */
	assert_true(slot_holds((uint8_t)slot, run->bytes, run->len));
	assert_int_equal(slot == OLD_SLOT, run == &old_img);
	assert_true(run != &mid_img || sc->over_pending);
	assert_int_equal(usbmsc_get_be32(st + 12), run->number);
	t->ran[which]++;
	assert_int_equal(t_inquiry_rev(&D, rev), 0);
	assert_memory_equal(rev, st + 8, 4);
	/* Only an update can be on trial; the floor follows confirmation. */
	if (st[6] & USBMSC_FWST_TRIAL) {
		assert_true(run != &old_img);
		assert_int_equal(usbmsc_get_be32(st + 28), old_img.number);
	} else {
		assert_int_equal(usbmsc_get_be32(st + 28), run->number);
	}
	if (st[6] & USBMSC_FWST_REVERTED)
		assert_true(run == &old_img);
	/* A deferred image survives a power cycle only when the device keeps
	 * it, and then it is whole. */
	if (st[6] & USBMSC_FWST_PENDING) {
		assert_true(sc->flags & USBMSC_FW_KEEP_DEFERRED);
		assert_true(run == &old_img);
		assert_int_equal(st[7], NEW_SLOT);
		pend = by_version(st + 16, &pwhich);
		assert_true(pend != &old_img);
		assert_true(slot_holds(NEW_SLOT, pend->bytes, pend->len));
	} else {
		assert_int_equal(st[7], 0xFF);
	}
}

/* A host finishing what it found, then a further update end to end. */
static void update_again(uint8_t mode, int slot)
{
	uint8_t st[USBMSC_FW_STATE_LEN];
	uint8_t next = (uint8_t)(slot ^ 1);

	assert_int_equal(t_state(&D, st), 0);
	if (st[6] & USBMSC_FWST_TRIAL)
		assert_int_equal(t_confirm(&D), 0);
	D.activations = 0;
	if (mode == 0x05) {
		assert_int_equal(t_wb(&D, 0x05, 0, next_img.len, next_img.bytes), 0);
	} else {
		assert_int_equal(t_download(&D, mode, next_img.bytes, next_img.len, 1024), 0);
		if (mode == 0x0E)
			assert_int_equal(t_wb(&D, 0x0F, 0, 0, NULL), 0);
	}
	assert_int_equal(D.activations, 1);
	assert_int_equal(dev_boot(&D), next);
	assert_int_equal(t_state(&D, st), 0);
	assert_int_equal(st[6], USBMSC_FWST_TRIAL | USBMSC_FWST_WIDE_OFFSET);
	assert_int_equal(t_confirm(&D), 0);
	assert_int_equal(dev_boot(&D), next);
	assert_true(slot_holds(next, next_img.bytes, next_img.len));
	assert_int_equal(t_state(&D, st), 0);
	assert_int_equal(st[6], USBMSC_FWST_WIDE_OFFSET);
	assert_int_equal(usbmsc_get_be32(st + 12), next_img.number);
	assert_int_equal(usbmsc_get_be32(st + 28), next_img.number);
}

static void sweep(const struct scenario *sc)
{
	struct tally t;
	uint32_t total, start;
	int slot;

	memset(&t, 0, sizeof(t));
	make_images();
	/* The uncut run: how many operations there are to cut. */
	prepare(sc);
	start = g_nor.ops;
	update(sc->mode);
	total = g_nor.ops - start;
	assert_int_equal(dev_boot(&D), NEW_SLOT);
	assert_true(slot_holds(NEW_SLOT, new_img.bytes, new_img.len));
	assert_true(total > 10);

	for (uint32_t n = 1; n <= total; n++) {
		prepare(sc);
		g_nor.cut_at = g_nor.ops + n;
		update(sc->mode);
		assert_true(g_nor.dead);
		nor_power_on();
		slot = dev_boot(&D);
		check_consistent(slot, sc, &t);
		update_again(sc->mode, slot);
		assert_int_equal(g_nor.violations, 0);
		assert_int_equal(D.h.violations, 0);
		t.cuts++;
	}
	assert_int_equal(t.cuts, total);
	/* Early cuts keep the old image, late ones the new. */
	assert_true(t.ran[0] > 0 && t.ran[2] > 0);
	printf("power loss, mode 0x%02X, %s: %u cut points tried "
	       "(then running: old %u, pending %u, new %u)\n",
	       sc->mode, sc->name, t.cuts, t.ran[0], t.ran[1], t.ran[2]);
}

static void run_all(uint8_t mode)
{
	const struct scenario list[] = {
		{ mode, 0, false, "default" },
		{ mode, USBMSC_FW_CHECK_AT_BOOT, false, "check at boot" },
		{ mode, USBMSC_FW_KEEP_DEFERRED, false, "keep deferred" },
		{ mode, 0, true, "over a pending image" },
		{ mode, USBMSC_FW_KEEP_DEFERRED, true, "over a pending image, keep deferred" },
		{ mode, USBMSC_FW_HASH_STREAMED, false, "streamed hash" },
		{ mode, USBMSC_FW_HASH_STREAMED | USBMSC_FW_CHECK_AT_BOOT, false,
		  "streamed hash, check at boot" },
		{ mode, USBMSC_FW_HASH_STREAMED | USBMSC_FW_KEEP_DEFERRED, true,
		  "streamed hash, over a pending image, keep deferred" },
	};

	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		sweep(&list[i]);
}

static void test_mode05(void **state)
{
	(void)state;
	run_all(0x05);
}

static void test_mode07(void **state)
{
	(void)state;
	run_all(0x07);
}

static void test_mode0E_0F(void **state)
{
	(void)state;
	run_all(0x0E);
}

/* The flash model itself: it must catch what the sweep relies on. */
static void test_nor_model(void **state)
{
	const uint8_t zeros[8] = { 0 }, ones[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	(void)state;
	nor_wipe(8);
	dev_config(&D, 0);
	assert_true(D.cfg.flash.program(NULL, 0, zeros, 8));
	assert_int_equal(g_nor.violations, 0);
	/* A second program of the same bytes without an erase. */
	assert_true(D.cfg.flash.program(NULL, 0, ones, 8));
	assert_int_equal(g_nor.violations, 1);
	assert_int_equal(g_nor.mem[0], 0);
	/* Misaligned. */
	D.cfg.flash.program(NULL, 4, zeros, 8);
	assert_int_equal(g_nor.violations, 2);
	/* Erase, then a torn program: half written, then nothing. */
	assert_true(D.cfg.flash.erase(NULL, 0));
	assert_int_equal(g_nor.mem[0], 0xFF);
	g_nor.cut_at = g_nor.ops + 1;
	assert_true(D.cfg.flash.program(NULL, 0, zeros, 8));
	assert_true(g_nor.dead);
	assert_int_equal(g_nor.mem[3], 0);
	assert_int_equal(g_nor.mem[4], 0xFF);
	assert_true(D.cfg.flash.erase(NULL, 0));
	assert_int_equal(g_nor.mem[0], 0);
	/* A torn erase clears half the sector. */
	nor_power_on();
	g_nor.cut_at = g_nor.ops + 1;
	assert_true(D.cfg.flash.erase(NULL, 0));
	assert_int_equal(g_nor.mem[0], 0xFF);
	memset(g_nor.mem, 0, T_SECTOR);
	nor_power_on();
	g_nor.cut_at = g_nor.ops + 1;
	D.cfg.flash.erase(NULL, 0);
	assert_int_equal(g_nor.mem[T_SECTOR / 2 - 1], 0xFF);
	assert_int_equal(g_nor.mem[T_SECTOR / 2], 0);
	g_nor.violations = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nor_model),
		cmocka_unit_test(test_mode05),
		cmocka_unit_test(test_mode07),
		cmocka_unit_test(test_mode0E_0F),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
