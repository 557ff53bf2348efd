/* The boot decision, row by row, as docs/FIRMWARE.md ("Boot") tables it:
 * each row sets up the flash (a state record written here, slot contents,
 * reads that fail), boots once, and checks what runs and the newest
 * record left on flash (or that nothing was written). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fw_test.h"

#define NO USBMSC_FW_NO_SLOT
#define A USBMSC_FW_SLOT_A
#define B USBMSC_FW_SLOT_B
#define TRIED 0x01u
#define REVERTED 0x02u
#define CHECK USBMSC_FW_CHECK_AT_BOOT
#define KEEP USBMSC_FW_KEEP_DEFERRED

/* What a slot holds. */
enum content {
	C_EMPTY,
	C_FACTORY,    /* usbmsc_fw_factory_init's header: no payload, no signature */
	C_V2,         /* "2.0", number 2 */
	C_V3,         /* "3.0", number 3 */
	C_WRONG_KEY,  /* "5.0", number 5, another key */
	C_TWIN,       /* C_V2's version, number and length, another key */
	C_BAD_HASH,   /* C_V3 with a payload byte changed */
	C_COUNT
};

/* Reads that fail for the whole boot. */
enum unread { U_NONE, U_STATE1, U_SLOT_A, U_SLOT_B };

struct row {
	const char *id;
	uint8_t flags;
	bool record;                   /* a record on flash */
	uint8_t active, trial, pending, rflags;
	uint32_t floor;
	uint8_t content[2];
	bool valid[2];                 /* the record marks the slot valid */
	uint8_t unread;
	bool fail_write;               /* the first program or erase fails */
	int expect;                    /* usbmsc_fw_boot's result */
	bool written;                  /* a new record is on flash after */
	/* that record's fields */
	uint8_t x_active, x_trial, x_pending, x_flags;
	uint32_t x_floor;
	bool x_valid[2];
};

static const struct row rows[] = {
	/* F: no record (fresh flash) */
	{ "F1", 0, false, 0, 0, 0, 0, 0, { C_V2, C_EMPTY }, { 0, 0 }, U_NONE, false,
	  A, true, A, NO, NO, 0, 2, { 1, 0 } },
	{ "F2 wrong key", 0, false, 0, 0, 0, 0, 0, { C_WRONG_KEY, C_EMPTY }, { 0, 0 }, U_NONE,
	  false, USBMSC_FW_BOOT_NONE, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "F2 unsigned", 0, false, 0, 0, 0, 0, 0, { C_FACTORY, C_EMPTY }, { 0, 0 }, U_NONE, false,
	  USBMSC_FW_BOOT_NONE, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "F3", 0, false, 0, 0, 0, 0, 0, { C_V2, C_EMPTY }, { 0, 0 }, U_SLOT_A, false,
	  USBMSC_FW_BOOT_UNREADABLE, false, 0, 0, 0, 0, 0, { 0, 0 } },
	/* L: a state sector that cannot be read */
	{ "L1", 0, true, A, NO, NO, 0, 2, { C_V2, C_EMPTY }, { 1, 0 }, U_STATE1, false,
	  USBMSC_FW_BOOT_UNREADABLE, false, 0, 0, 0, 0, 0, { 0, 0 } },
	/* T: an image on trial */
	{ "T1", 0, true, A, B, NO, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_NONE, false,
	  B, true, A, B, NO, TRIED, 2, { 1, 1 } },
	{ "T1 write fails", 0, true, A, B, NO, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_NONE, true,
	  A, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "T2", 0, true, A, B, NO, 0, 2, { C_V2, C_TWIN }, { 1, 1 }, U_NONE, false,
	  A, true, A, NO, NO, REVERTED, 2, { 1, 0 } },
	{ "T3", 0, true, A, B, NO, TRIED, 2, { C_V2, C_V3 }, { 1, 1 }, U_NONE, false,
	  A, true, A, NO, NO, REVERTED, 2, { 1, 0 } },
	{ "T4", 0, true, A, B, NO, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_SLOT_B, false,
	  A, false, 0, 0, 0, 0, 0, { 0, 0 } },
	/* P: a deferred image */
	{ "P1", 0, true, A, NO, B, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_NONE, false,
	  B, true, A, B, NO, TRIED, 2, { 1, 1 } },
	{ "P1 nothing confirmed", 0, true, NO, NO, B, 0, 0, { C_EMPTY, C_V3 }, { 0, 1 }, U_NONE,
	  false, B, true, B, NO, NO, 0, 3, { 0, 1 } },
	{ "P2", CHECK, true, A, NO, B, 0, 2, { C_V2, C_BAD_HASH }, { 1, 1 }, U_NONE, false,
	  A, true, A, NO, NO, 0, 2, { 1, 0 } },
	{ "P3", 0, true, A, NO, B, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_SLOT_B, false,
	  A, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "P4", KEEP, true, A, NO, B, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_NONE, false,
	  A, false, 0, 0, 0, 0, 0, { 0, 0 } },
	/* A: the confirmed image */
	{ "A1", 0, true, NO, NO, NO, 0, 2, { C_EMPTY, C_EMPTY }, { 0, 0 }, U_NONE, false,
	  USBMSC_FW_BOOT_NONE, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "A2", 0, true, A, NO, NO, 0, 2, { C_V2, C_V3 }, { 1, 1 }, U_NONE, false,
	  A, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "A2 factory", CHECK, true, A, NO, NO, 0, 1, { C_FACTORY, C_EMPTY }, { 1, 0 }, U_NONE,
	  false, A, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "A3", 0, true, A, NO, NO, 0, 2, { C_V2, C_EMPTY }, { 1, 0 }, U_SLOT_A, false,
	  USBMSC_FW_BOOT_UNREADABLE, false, 0, 0, 0, 0, 0, { 0, 0 } },
	{ "A4", CHECK, true, A, NO, NO, 0, 3, { C_BAD_HASH, C_V3 }, { 1, 1 }, U_NONE, false,
	  B, true, B, NO, NO, 0, 3, { 0, 1 } },
	{ "A5 below the floor", CHECK, true, B, NO, NO, 0, 3, { C_V2, C_BAD_HASH }, { 1, 1 },
	  U_NONE, false, USBMSC_FW_BOOT_NONE, true, NO, NO, NO, 0, 3, { 1, 0 } },
	{ "A5 header", 0, true, A, NO, NO, 0, 2, { C_TWIN, C_EMPTY }, { 1, 0 }, U_NONE, false,
	  USBMSC_FW_BOOT_NONE, true, NO, NO, NO, 0, 2, { 0, 0 } },
	{ "A6", CHECK, true, A, NO, NO, 0, 3, { C_BAD_HASH, C_V3 }, { 1, 1 }, U_SLOT_B, false,
	  USBMSC_FW_BOOT_UNREADABLE, false, 0, 0, 0, 0, 0, { 0, 0 } },
};

static struct dev D;

struct image {
	const char *ver;
	uint32_t number, len;
	uint8_t bytes[T_MAX_IMAGE];
};

static struct image images[C_COUNT];

static void build_images(void)
{
	static const struct img_opts other_key = { T_VID, T_PID, NULL, NULL, 1, 3, t_other_key };
	struct usbmsc_fw_header h;
	struct image *f = &images[C_FACTORY];
	uint8_t digest[32];

	memset(&h, 0, sizeof(h));
	strcpy(h.version, "1.0");
	h.version_number = 1;
	h.hw_rev_max = 0xFFFF;
	sha256(NULL, 0, digest);
	memcpy(h.sha256, digest, sizeof(digest));
	f->ver = "1.0";
	f->number = 1;
	f->len = USBMSC_FW_HEADER_LEN;
	assert_true(usbmsc_fw_header_encode(&h, f->bytes));
	images[C_V2].ver = "2.0";
	images[C_V2].number = 2;
	images[C_V2].len = make_image(images[C_V2].bytes, "2.0", 2, 2000, 1, NULL);
	images[C_V3].ver = "3.0";
	images[C_V3].number = 3;
	images[C_V3].len = make_image(images[C_V3].bytes, "3.0", 3, 2500, 2, NULL);
	images[C_WRONG_KEY].ver = "5.0";
	images[C_WRONG_KEY].number = 5;
	images[C_WRONG_KEY].len = make_image(images[C_WRONG_KEY].bytes, "5.0", 5, 1500, 3,
					     &other_key);
	images[C_TWIN].ver = "2.0";
	images[C_TWIN].number = 2;
	images[C_TWIN].len = make_image(images[C_TWIN].bytes, "2.0", 2, 2000, 4, &other_key);
	images[C_BAD_HASH] = images[C_V3];
	images[C_BAD_HASH].bytes[images[C_BAD_HASH].len - 1] ^= 0x01;
}

static void set_up(const struct row *r)
{
	struct t_rec rec;

	nor_wipe(8);
	memset(&D, 0, sizeof(D));
	dev_config(&D, r->flags);
	for (int s = 0; s < 2; s++) {
		const struct image *im = &images[r->content[s]];

		if (r->content[s] != C_EMPTY)
			memcpy(g_nor.mem + (s ? T_SLOT_B : T_SLOT_A), im->bytes, im->len);
	}
	if (!r->record)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.seq = 5;
	rec.active = r->active;
	rec.trial = r->trial;
	rec.pending = r->pending;
	rec.flags = r->rflags;
	rec.floor = r->floor;
	for (int s = 0; s < 2; s++) {
		const struct image *im = &images[r->content[s]];

		if (!r->valid[s])
			continue;
		rec.valid[s] = true;
		rec.sig[s] = r->content[s] != C_FACTORY;
		strcpy(rec.version[s], im->ver);
		rec.number[s] = im->number;
		rec.length[s] = im->len;
	}
	t_rec_encode(&rec, g_nor.mem + T_STATE0);
}

static void fail_reads(uint8_t unread)
{
	static const uint32_t lo[] = { 0, T_STATE1, T_SLOT_A, T_SLOT_B };

	if (unread == U_NONE)
		return;
	g_nor.bad_lo = lo[unread];
	g_nor.bad_hi = lo[unread] + (unread == U_STATE1 ? USBMSC_FW_RECORD_LEN
							: USBMSC_FW_HEADER_LEN);
}

static void check_row(const struct row *r)
{
	static uint8_t before[2 * T_SECTOR];
	struct t_rec rec;
	int got;

	set_up(r);
	memcpy(before, g_nor.mem + T_STATE0, sizeof(before));
	fail_reads(r->unread);
	if (r->fail_write)
		g_nor.fail_at = 1;
	got = usbmsc_fw_boot(&D.fw, &D.cfg);
	if (got != r->expect)
		fail_msg("row %s: boot returned %d, not %d", r->id, got, r->expect);
	if (!r->written) {
		if (memcmp(before, g_nor.mem + T_STATE0, sizeof(before)) != 0)
			fail_msg("row %s: a record was written", r->id);
		return;
	}
	assert_true(t_rec_newest(&rec));
	if (rec.seq != (r->record ? 6u : 1u) || rec.active != r->x_active ||
	    rec.trial != r->x_trial || rec.pending != r->x_pending || rec.flags != r->x_flags ||
	    rec.floor != r->x_floor || rec.valid[0] != r->x_valid[0] ||
	    rec.valid[1] != r->x_valid[1])
		fail_msg("row %s: record seq %u active %u trial %u pending %u flags %u floor %u "
			 "valid %d %d", r->id, rec.seq, rec.active, rec.trial, rec.pending, rec.flags,
			 rec.floor, rec.valid[0], rec.valid[1]);
	/* Every slot marked valid by download carries the signed flag. */
	for (int s = 0; s < 2; s++)
		assert_true(!rec.valid[s] || rec.sig[s]);
	assert_int_equal(g_nor.violations, 0);
}

static void test_rows(void **state)
{
	(void)state;
	build_images();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
	printf("%zu rows of the boot table hold\n", sizeof(rows) / sizeof(rows[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
