/* Images past 16 MiB: the BUFFER ID byte of WRITE BUFFER (modes 0x07,
 * 0x0E) and READ BUFFER (mode 0x02) carries offset bits 31:24.
 *
 * The flash here spans the whole 32-bit address space, sparse: 64 KiB
 * sectors are allocated when first programmed and freed when erased (a
 * missing sector reads as erased, 0xFF), with the same NOR rules as the
 * other tests' flash. Slot A is at 0, slot B ends exactly at 2^32, so an
 * image that fills slot B reaches the last address the callbacks can
 * name; each slot holds 17 MiB. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fw_test.h"
#include "usbmsc/byteorder.h"

#define MIB (1024u * 1024u)
#define W_SECTOR (64u * 1024u)
#define W_SECTORS (0x100000000ull / W_SECTOR)
#define W_SLOT (17u * MIB)
#define W_SLOT_A 0u
#define W_SLOT_B ((uint32_t)(0x100000000ull - W_SLOT))
#define W_STATE0 (64u * MIB)
#define W_STATE1 (W_STATE0 + W_SECTOR)
#define W_SHIFT 12u
#define W_2_24 0x1000000u
/* An image just past 16 MiB, and one that fills a slot. */
#define W_PAYLOAD (W_2_24 + 300u * 1024u + 77u)
#define W_FULL_PAYLOAD (W_SLOT - USBMSC_FW_HEADER_LEN)
#define HALF (128u * 1024u)

#define SENSE_24 USBMSC_SENSE_INVALID_CDB_FIELD
#define SENSE_26 USBMSC_SENSE_INVALID_PARAM
#define SENSE_UA_FW USBMSC_SENSE_MICROCODE_CHANGED

/* ---- the sparse flash ----------------------------------------------------- */

struct sparse {
	uint8_t *mem[W_SECTORS];        /* NULL: erased */
	uint8_t *programmed[W_SECTORS]; /* bytes programmed since the last erase */
	uint32_t violations;            /* NOR rules or the address space broken */
	uint32_t reads, programs, erases;
	uint64_t last_end;              /* the highest address + 1 any call reached */
};

static struct sparse *F;
static struct dev D;
static uint8_t *img, *back;

/* addr + len within 2^32, in 64 bits: a wrapped address is a violation. */
static bool in_space(uint32_t addr, uint32_t len)
{
	uint64_t end = (uint64_t)addr + len;

	if (end > 0x100000000ull) {
		F->violations++;
		return false;
	}
	if (end > F->last_end)
		F->last_end = end;
	return true;
}

static bool sp_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	F->reads++;
	if (!in_space(addr, len))
		return false;
	while (len > 0) {
		uint32_t sec = addr / W_SECTOR, at = addr % W_SECTOR;
		uint32_t n = W_SECTOR - at < len ? W_SECTOR - at : len;

		if (F->mem[sec])
			memcpy(buf, F->mem[sec] + at, n);
		else
			memset(buf, 0xFF, n);
		buf += n;
		addr += n;
		len -= n;
	}
	return true;
}

static bool sp_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	uint32_t unit = D.cfg.flash.write_unit;

	(void)ctx;
	F->programs++;
	if (len == 0 || addr % unit || len % unit || !in_space(addr, len)) {
		F->violations++;
		return false;
	}
	while (len > 0) {
		uint32_t sec = addr / W_SECTOR, at = addr % W_SECTOR;
		uint32_t n = W_SECTOR - at < len ? W_SECTOR - at : len;

		if (!F->mem[sec]) {
			F->mem[sec] = malloc(W_SECTOR);
			F->programmed[sec] = calloc(1, W_SECTOR);
			assert_non_null(F->mem[sec]);
			assert_non_null(F->programmed[sec]);
			memset(F->mem[sec], 0xFF, W_SECTOR);
		}
		for (uint32_t i = 0; i < n; i++) {
			/* twice without an erase */
			if (F->programmed[sec][at + i])
				F->violations++;
			F->mem[sec][at + i] &= buf[i];
			F->programmed[sec][at + i] = 1;
		}
		buf += n;
		addr += n;
		len -= n;
	}
	return true;
}

static bool sp_erase(void *ctx, uint32_t addr)
{
	uint32_t sec = addr / W_SECTOR;

	(void)ctx;
	F->erases++;
	if (addr % W_SECTOR || !in_space(addr, W_SECTOR)) {
		F->violations++;
		return false;
	}
	free(F->mem[sec]);
	free(F->programmed[sec]);
	F->mem[sec] = NULL;
	F->programmed[sec] = NULL;
	return true;
}

static void sparse_free(void)
{
	for (uint64_t i = 0; i < W_SECTORS; i++) {
		free(F->mem[i]);
		free(F->programmed[i]);
	}
	free(F);
	F = NULL;
}

/* Does the slot hold exactly im? */
static bool wslot_holds(uint32_t base, const uint8_t *im, uint32_t len)
{
	uint8_t buf[4096];

	for (uint32_t off = 0; off < len; off += sizeof(buf)) {
		uint32_t n = len - off < sizeof(buf) ? len - off : (uint32_t)sizeof(buf);

		if (!sp_read(NULL, base + off, buf, n) || memcmp(buf, im + off, n) != 0)
			return false;
	}
	return true;
}

/* ---- the device: the common test device on the sparse flash ------------------ */

static void wide_config(uint8_t flags)
{
	struct usbmsc_fw_config *c = &D.cfg;

	dev_config(&D, flags);
	c->flash.read = sp_read;
	c->flash.program = sp_program;
	c->flash.erase = sp_erase;
	c->flash.sector_size = W_SECTOR;
	c->flash.write_unit = 8;
	c->slot_addr[0] = W_SLOT_A;
	c->slot_addr[1] = W_SLOT_B;
	c->slot_size = W_SLOT;
	c->state_addr[0] = W_STATE0;
	c->state_addr[1] = W_STATE1;
	c->offset_shift = W_SHIFT;
}

static int setup(void **state)
{
	(void)state;
	F = calloc(1, sizeof(*F));
	img = malloc(W_SLOT);
	back = malloc(W_SLOT);
	assert_non_null(F);
	assert_non_null(img);
	assert_non_null(back);
	memset(&D, 0, sizeof(D));
	wide_config(0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_BOOT_NONE);
	assert_true(usbmsc_fw_factory_init(&D.fw, "1.0", 1));
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
	return 0;
}

static int teardown(void **state)
{
	uint32_t violations = F->violations;

	(void)state;
	sparse_free();
	free(img);
	free(back);
	/* The engine never broke NOR rules nor wrapped an address, the
	 * target never broke BOT's. */
	assert_int_equal(violations, 0);
	assert_int_equal(D.h.violations, 0);
	return 0;
}

/* ---- commands with 32-bit offsets -------------------------------------------- */

static void cdb32(uint8_t cdb[10], uint8_t op, uint8_t mode, uint32_t off, uint32_t len)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[1] = mode;
	cdb[2] = (uint8_t)(off >> 24);
	usbmsc_put_be24(cdb + 3, off & 0xFFFFFFu);
	usbmsc_put_be24(cdb + 6, len);
}

static uint32_t wb32(uint8_t mode, uint32_t off, uint32_t len, const uint8_t *data)
{
	uint8_t cdb[10];

	cdb32(cdb, 0x3B, mode, off, len);
	return t_cmd(&D, cdb, 10, len ? USBMSC_DIR_OUT : USBMSC_DIR_NONE, len, data, NULL, NULL);
}

static uint32_t rb32(uint8_t mode, uint32_t off, uint32_t len, uint8_t *in, uint32_t *got)
{
	uint8_t cdb[10];

	cdb32(cdb, 0x3C, mode, off, len);
	return t_cmd(&D, cdb, 10, USBMSC_DIR_IN, len, NULL, in, got);
}

/* Chunks of `chunk` bytes, each with its start's 32-bit offset. */
static uint32_t download32(uint8_t mode, const uint8_t *im, uint32_t len, uint32_t chunk)
{
	for (uint32_t off = 0; off < len; off += chunk) {
		uint32_t n = len - off < chunk ? len - off : chunk;
		uint32_t s = wb32(mode, off, n, im + off);

		if (s)
			return s;
	}
	return 0;
}

static void fw_state(uint8_t raw[USBMSC_FW_STATE_LEN])
{
	assert_int_equal(t_state(&D, raw), 0);
}

/* ---- tests --------------------------------------------------------------------- */

/* FW STATE says wide offsets and the whole capacity; the 24-bit READ
 * BUFFER descriptor stops at 0xFFFFFF. */
static void test_capacity_reported(void **state)
{
	uint8_t st[USBMSC_FW_STATE_LEN], d[4];
	uint32_t got = 0;

	(void)state;
	fw_state(st);
	assert_int_equal(st[6], USBMSC_FWST_WIDE_OFFSET);
	assert_int_equal(usbmsc_get_be32(st + 32), W_SLOT);
	assert_int_equal(st[36], W_SHIFT);
	assert_int_equal(t_rb(&D, 0x03, 0, 4, d, &got), 0);
	assert_int_equal(got, 4);
	assert_int_equal(d[0], W_SHIFT);
	assert_int_equal(usbmsc_get_be24(d + 1), 0xFFFFFF);
}

/* Mode 0x07, 1 MiB chunks: the 17th starts at 2^24 (BUFFER ID 1). The
 * image goes to slot B, at the top of the address space. */
static void test_mode07_past_16m(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, W_PAYLOAD, 50, NULL);
	uint8_t st[USBMSC_FW_STATE_LEN];

	(void)state;
	assert_true(len > W_2_24);
	assert_int_equal(download32(0x07, img, len, MIB), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(D.activated_slot, USBMSC_FW_SLOT_B);
	assert_true(wslot_holds(W_SLOT_B, img, len));
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
	fw_state(st);
	assert_int_equal(st[5], USBMSC_FW_SLOT_B);
	assert_memory_equal(st + 8, "2.0 ", 4);
	assert_int_equal(usbmsc_get_be32(st + 12), 2);
}

/* Mode 0x0E in 768 KiB chunks: 2^24 is not a chunk boundary, so one chunk
 * straddles it (its start's offset is what the CDB carries). READ BUFFER
 * mode 0x02 reads the staged image back past 16 MiB, then 0x0F. */
static void test_mode0E_straddle_and_read_back(void **state)
{
	uint32_t len = make_image(img, "3.0", 3, W_PAYLOAD, 51, NULL);
	const uint32_t chunk = 768u * 1024u;
	uint8_t st[USBMSC_FW_STATE_LEN];
	uint32_t got = 0;

	(void)state;
	assert_true(W_2_24 % chunk != 0);
	assert_int_equal(download32(0x0E, img, len, chunk), 0);
	assert_int_equal(D.activations, 0);
	fw_state(st);
	assert_int_equal(st[6], USBMSC_FWST_WIDE_OFFSET | USBMSC_FWST_PENDING);
	/* past 2^24 (BUFFER ID 1) */
	memset(back, 0, 8192);
	assert_int_equal(rb32(0x02, W_2_24 + 4096, 8192, back, &got), 0);
	assert_int_equal(got, 8192);
	assert_memory_equal(back, img + W_2_24 + 4096, 8192);
	/* across 2^24 from BUFFER ID 0 */
	assert_int_equal(rb32(0x02, W_2_24 - 1000, 3000, back, &got), 0);
	assert_int_equal(got, 3000);
	assert_memory_equal(back, img + W_2_24 - 1000, 3000);
	/* the last bytes of the image */
	assert_int_equal(rb32(0x02, len - 100, 100, back, &got), 0);
	assert_memory_equal(back, img + len - 100, 100);
	assert_int_equal(wb32(0x0F, 0, 0, NULL), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
	assert_true(wslot_holds(W_SLOT_B, img, len));
}

/* An image that fills slot B: its last byte is at address 2^32 - 1. */
static void test_full_slot_at_top_of_address_space(void **state)
{
	uint32_t len = make_image(img, "4.0", 4, W_FULL_PAYLOAD, 52, NULL);
	uint32_t got = 0;

	(void)state;
	assert_int_equal(len, W_SLOT);
	assert_int_equal(download32(0x0E, img, len, MIB), 0);
	assert_int_equal(F->last_end, 0x100000000ull);
	assert_int_equal(rb32(0x02, W_SLOT - 64, 64, back, &got), 0);
	assert_int_equal(got, 64);
	assert_memory_equal(back, img + W_SLOT - 64, 64);
	/* one byte more is past the slot */
	assert_int_equal(rb32(0x02, W_SLOT - 64, 65, back, &got), SENSE_24);
	assert_int_equal(wb32(0x0F, 0, 0, NULL), 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_int_equal(t_confirm(&D), 0);
	assert_true(wslot_holds(W_SLOT_B, img, len));
}

/* CDBs whose 32-bit offset is wrong: refused with 05/24/00 before any
 * flash is touched, and a download in progress past 2^24 goes on. */
static void test_offset_refusals(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, W_PAYLOAD, 53, NULL);
	uint32_t reads, programs, erases, got = 0;
	uint8_t st[USBMSC_FW_STATE_LEN];

	(void)state;
	reads = F->reads;
	programs = F->programs;
	erases = F->erases;
	/* nothing to continue at 2^24 */
	assert_int_equal(wb32(0x07, W_2_24, 4096, img), SENSE_24);
	/* ends past the slot: 0x010FF000 + 8 KiB > 17 MiB */
	assert_int_equal(wb32(0x07, W_SLOT - 4096, 8192, img), SENSE_24);
	/* offset + length wraps 2^32: 0xFFFFF000 + 8 KiB is 0x1000 in 32 bits */
	assert_int_equal(wb32(0x0E, 0xFFFFF000u, 8192, img), SENSE_24);
	assert_int_equal(wb32(0x07, 0xFFFFF000u, 0x1000, img), SENSE_24);
	assert_int_equal(rb32(0x02, 0xFFFFFFFFu, 2, back, &got), SENSE_24);
	assert_int_equal(rb32(0x02, 0xFF000000u, 16, back, &got), SENSE_24);
	/* the modes that take offset 0 only: any BUFFER ID is an offset */
	assert_int_equal(wb32(0x05, W_2_24, 4096, img), SENSE_24);
	assert_int_equal(wb32(0x0F, W_2_24, 0, NULL), SENSE_24);
	assert_int_equal(rb32(0x03, W_2_24, 4, back, &got), SENSE_24);
	assert_int_equal(F->reads, reads);
	assert_int_equal(F->programs, programs);
	assert_int_equal(F->erases, erases);
	fw_state(st);
	assert_int_equal(usbmsc_get_be32(st + 24), SENSE_24);

	/* Most of the image, past 2^24; the same refusals change nothing. */
	assert_int_equal(download32(0x07, img, W_2_24 + HALF, MIB), 0);
	assert_int_equal(wb32(0x07, 0xFFFFF000u, 8192, img), SENSE_24);
	assert_int_equal(wb32(0x07, W_2_24, 4096, img + W_2_24), SENSE_24);   /* going back */
	assert_int_equal(wb32(0x07, W_2_24 + 2 * HALF, 4096, img), SENSE_24); /* a gap */
	assert_int_equal(wb32(0x07, W_2_24 + HALF, len - W_2_24 - HALF, img + W_2_24 + HALF), 0);
	assert_int_equal(D.activations, 1);
	assert_int_equal(h_sense(&D.h, 0), SENSE_UA_FW);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_B);
	assert_true(wslot_holds(W_SLOT_B, img, len));
}

/* A host that knows no BUFFER ID and wraps the offset to 24 bits sends
 * the chunk for 2^24 at offset 0: that starts a new download whose
 * "header" does not parse. Nothing is activated; the old image runs. */
static void test_wrapped_24bit_offsets_refused(void **state)
{
	uint32_t len = make_image(img, "2.0", 2, W_PAYLOAD, 54, NULL);
	uint32_t s = 0, off;

	(void)state;
	for (off = 0; off < len && s == 0; off += MIB) {
		uint32_t n = len - off < MIB ? len - off : MIB;

		s = t_wb(&D, 0x07, off & 0xFFFFFFu, n, img + off);
	}
	assert_int_equal(s, SENSE_26);
	assert_int_equal(off, W_2_24 + MIB); /* the chunk for 2^24 was the one refused */
	assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_HEADER);
	assert_int_equal(D.activations, 0);
	assert_int_equal(dev_boot(&D), USBMSC_FW_SLOT_A);
}

/* A header whose length cannot fit the slot, even with a payload length
 * near 2^32 (payload + header would wrap). */
static void test_header_length_past_slot(void **state)
{
	static const uint32_t lens[] = { W_SLOT - USBMSC_FW_HEADER_LEN + 1, 0xFFFFFF00u,
					 0xFFFFFFFFu };
	struct usbmsc_fw_header h;

	(void)state;
	make_image(img, "2.0", 2, 4096, 55, NULL);
	for (uint32_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t erases = F->erases;

		assert_int_equal(usbmsc_fw_header_parse(img, USBMSC_FW_HEADER_LEN, &h),
				 USBMSC_FWCHK_OK);
		h.payload_len = lens[i];
		assert_true(usbmsc_fw_header_encode(&h, img));
		fake_sign(t_key, img, USBMSC_FW_SIGNED_LEN, img + USBMSC_FW_SIG_OFFSET);
		assert_int_equal(wb32(0x0E, 0, 4096, img), SENSE_26);
		assert_int_equal(usbmsc_fw_last_reason(&D.fw), USBMSC_FWR_LENGTH);
		assert_int_equal(F->erases, erases);
	}
}

/* Slots must end inside the 32-bit address space. */
static void test_config_past_2_32(void **state)
{
	struct usbmsc_fw_engine e;

	(void)state;
	D.cfg.slot_addr[1] = W_SLOT_B + W_SECTOR; /* would end at 2^32 + 64 KiB */
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	D.cfg.slot_addr[1] = 0xFFFFFFFFu & ~(W_SECTOR - 1u); /* the last sector */
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_BOOT_CONFIG);
	/* A state sector that ends exactly at 2^32 is fine. */
	D.cfg.slot_addr[1] = W_SLOT_B - W_SECTOR;
	D.cfg.state_addr[1] = (uint32_t)(0x100000000ull - W_SECTOR);
	assert_int_equal(usbmsc_fw_boot(&e, &D.cfg), USBMSC_FW_SLOT_A);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_capacity_reported),
		T(test_mode07_past_16m),
		T(test_mode0E_straddle_and_read_back),
		T(test_full_slot_at_top_of_address_space),
		T(test_offset_refusals),
		T(test_wrapped_24bit_offsets_refused),
		T(test_header_length_past_slot),
		T(test_config_past_2_32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
