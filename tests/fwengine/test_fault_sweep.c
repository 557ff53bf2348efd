/* Flash faults at every operation of an update story, with refused images
 * among the good ones; the oracle of fw_model.h (W, R, F, B) watches every
 * write, every boot and every step.
 *
 * For each story and engine configuration one clean run counts the
 * programs and erases, and the reads. Then the story runs again once per
 * fault and per operation number N:
 *   - the N-th program or erase is torn with power lost, fails before
 *     doing anything, fails after doing it all, fails half done, or does
 *     nothing and reports success (silent; not with USBMSC_FW_HASH_STREAMED
 *     alone, whose trade-off is exactly that: fwengine.h); or it fails
 *     after doing it all and power is lost at the next one;
 *   - the N-th read fails once (the engine tries again), or it and the
 *     seven after it fail (a lasting error, such as both state sectors at
 *     one boot).
 * After a power cut the device boots again and the story goes on. The
 * engine must also keep the NOR rules (no program without an erase)
 * except where a silent erase made that impossible. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fw_model.h"

#define DL(img, mode, chunk) { MK_DOWNLOAD, img, mode, chunk }
#define ACT { MK_ACTIVATE, 0, 0, 0 }
#define BOOT { MK_REBOOT, 0, 0, 0 }
#define CONF { MK_CONFIRM, 0, 0, 0 }

struct story {
	const char *name;
	bool factory;
	const struct m_step *steps;
	size_t count;
};

/* Refused images around a deferred update of a factory device. */
static const struct m_step refused_steps[] = {
	DL(MI_WRONG_KEY, 0x07, 1024), BOOT,
	DL(MI_TWIN, 0x0E, 512), BOOT,
	DL(MI_V2, 0x0E, 1024),
	DL(MI_WRONG_DEVICE, 0x07, 128), BOOT,
	DL(MI_V2, 0x0E, 1024), ACT, BOOT, CONF,
	DL(MI_DOWNGRADE, 0x0E, 128), BOOT,
	DL(MI_BAD_HASH, 0x05, 0), BOOT,
};

/* No record yet: refused images first, then the first image. */
static const struct m_step fresh_steps[] = {
	DL(MI_WRONG_KEY, 0x07, 1024), BOOT,
	DL(MI_WRONG_DEVICE, 0x0E, 128), BOOT,
	DL(MI_V2, 0x05, 0), BOOT,
	DL(MI_TWIN, 0x07, 512), BOOT,
	DL(MI_V3, 0x07, 1024), BOOT, BOOT,
};

/* Trial, revert, confirmation (sent twice, as a host does after an
 * error): the floor rises, a downgrade is refused. */
static const struct m_step trial_steps[] = {
	DL(MI_V2, 0x07, 1024), BOOT, CONF, CONF,
	DL(MI_V3, 0x0E, 512), ACT, BOOT, BOOT,
	DL(MI_V3, 0x0E, 1024), BOOT, CONF, CONF,
	DL(MI_WRONG_KEY, 0x05, 0), BOOT,
	DL(MI_V2, 0x07, 1024), BOOT,
	DL(MI_V4, 0x07, 1024), BOOT, CONF, BOOT,
};

#define STORY(n, f, s) { n, f, s, sizeof(s) / sizeof(s[0]) }

static const struct story stories[] = {
	STORY("refused images", true, refused_steps),
	STORY("no record yet", false, fresh_steps),
	STORY("trial and revert", true, trial_steps),
};

enum fault {
	F_CUT, F_FAIL, F_FAIL_AFTER, F_TORN, F_SILENT, F_LANDED_CUT, F_READ_ONCE, F_READ_LASTING
};

static const char *const fault_names[] = {
	"power cut", "failure", "failure after", "torn failure", "silent",
	"failure after, then a power cut at the next", "read error", "lasting read error"
};

struct tally {
	uint32_t runs, ran, none;
};

/* Play the story with one fault (none when n is 0) at operation n. */
static void play(const struct story *st, uint8_t flags, enum fault f, uint32_t n,
		 struct tally *t)
{
	uint32_t ran, none;
	const char *msg;

	m_setup(flags, st->factory);
	if (n != 0) {
		switch (f) {
		case F_CUT: g_nor.cut_at = g_nor.ops + n; break;
		case F_FAIL: g_nor.fail_at = g_nor.ops + n; break;
		case F_FAIL_AFTER: g_nor.fail_after_at = g_nor.ops + n; break;
		case F_TORN: g_nor.torn_at = g_nor.ops + n; break;
		case F_SILENT: g_nor.silent_at = g_nor.ops + n; break;
		case F_LANDED_CUT:
			g_nor.fail_after_at = g_nor.ops + n;
			g_nor.cut_at = g_nor.ops + n + 1;
			break;
		case F_READ_ONCE:
		case F_READ_LASTING:
			g_nor.read_fail_at = g_nor.reads + n;
			g_nor.read_fail_len = f == F_READ_ONCE ? 1 : 8;
			break;
		}
	}
	for (size_t i = 0; i < st->count; i++)
		m_step(&st->steps[i]);
	msg = m_broken();
	if (msg)
		fail_msg("%s, flags 0x%02x, %s at operation %u: %s", st->name, flags,
			 n ? fault_names[f] : "no fault", n, msg);
	if (f != F_SILENT && g_nor.violations)
		fail_msg("%s, flags 0x%02x, %s at operation %u: NOR rules broken", st->name, flags,
			 fault_names[f], n);
	m_boots(&ran, &none);
	t->runs++;
	t->ran += ran;
	t->none += none;
}

static void sweep(const struct story *st, uint8_t flags)
{
	struct tally t = { 0, 0, 0 };
	uint32_t ops, reads;
	bool silent = !(flags & USBMSC_FW_HASH_STREAMED) || (flags & USBMSC_FW_CHECK_AT_BOOT);

	/* The clean run: how many operations there are. */
	m_setup(flags, st->factory);
	ops = g_nor.ops;
	reads = g_nor.reads;
	play(st, flags, F_CUT, 0, &t);
	ops = g_nor.ops - ops;
	reads = g_nor.reads - reads;
	assert_true(ops > 10 && reads > 10);
	for (int f = F_CUT; f <= F_LANDED_CUT; f++) {
		if (f == F_SILENT && !silent)
			continue;
		for (uint32_t n = 1; n <= ops; n++)
			play(st, flags, (enum fault)f, n, &t);
	}
	for (uint32_t n = 1; n <= reads; n++) {
		play(st, flags, F_READ_ONCE, n, &t);
		play(st, flags, F_READ_LASTING, n, &t);
	}
	printf("%s, flags 0x%02x: %u writes and %u reads, %u runs "
	       "(boots that ran an image %u, that ran none %u)\n",
	       st->name, flags, ops, reads, t.runs, t.ran, t.none);
}

static void sweep_all(uint8_t flags)
{
	for (size_t i = 0; i < sizeof(stories) / sizeof(stories[0]); i++)
		sweep(&stories[i], flags);
}

static void test_default(void **state)
{
	(void)state;
	sweep_all(0);
}

static void test_check_at_boot(void **state)
{
	(void)state;
	sweep_all(USBMSC_FW_CHECK_AT_BOOT);
}

static void test_keep_deferred(void **state)
{
	(void)state;
	sweep_all(USBMSC_FW_KEEP_DEFERRED);
}

static void test_streamed(void **state)
{
	(void)state;
	sweep_all(USBMSC_FW_HASH_STREAMED | USBMSC_FW_CHECK_AT_BOOT | USBMSC_FW_KEEP_DEFERRED);
}

/* The oracle itself: each invariant is seen broken when it is. */
static void assert_broken(const char *prefix)
{
	const char *msg = m_broken();

	assert_non_null(msg);
	assert_memory_equal(msg, prefix, strlen(prefix));
}

static void test_oracle(void **state)
{
	static const struct m_step install[] = {
		DL(MI_V2, 0x07, 1024), BOOT, CONF,
	};
	static const struct m_step boot = BOOT;
	static const struct m_step foreign = DL(MI_WRONG_KEY, 0x05, 0);
	struct dev *d;

	(void)state;
	/* W: the confirmed image's slot erased. */
	m_setup(0, true);
	d = m_dev();
	d->cfg.flash.erase(NULL, T_SLOT_A);
	assert_broken("W:");
	/* F: the newest record lost, the older one (floor 1) in charge. */
	m_setup(0, true);
	for (size_t i = 0; i < 3; i++)
		m_step(&install[i]);
	assert_null(m_broken());
	memset(g_nor.mem + T_STATE0, 0xFF, T_SECTOR);
	memset(g_nor.mem + T_STATE1, 0xFF, 64);
	m_step(&boot);
	assert_broken("F:");
	/* B: the only image damaged (its version number), and checked. */
	m_setup(USBMSC_FW_CHECK_AT_BOOT, true);
	g_nor.mem[T_SLOT_A + 48] ^= 0x01;
	m_step(&boot);
	assert_broken("B:");
	/* R: a device that trusts another key runs an image the oracle does
	 * not: signed with that key. */
	m_setup(0, true);
	d = m_dev();
	d->cfg.crypto.pubkey = t_other_key;
	m_step(&foreign);
	m_step(&boot);
	assert_broken("R:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_check_at_boot),
		cmocka_unit_test(test_keep_deferred),
		cmocka_unit_test(test_streamed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
