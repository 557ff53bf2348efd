/* libFuzzer harness: the file door's sector handler (src/device/door_*.c)
 * over the real firmware engine, on a NOR flash model that refuses a
 * second program without an erase.
 *
 * The input is a sequence of events: a raw sector written anywhere on the
 * door volume; a UF2 block of one of four images the harness makes (good,
 * another good one, another device's, a downgrade; each signed with the
 * harness's stand-in for Ed25519), possibly with one byte changed; time
 * passing; sectors read back; a power cycle; FW CONFIRM; a WRITE BUFFER
 * download taking the slot over. After every event: no NOR misuse, the
 * door's counters agree with its bitmap, the running image is one the
 * record calls valid, and STATUS.TXT, as read through the volume, parses
 * with the host's reader and says what the door's state is. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/doorstatus.h"
#include "usbmsc/filedoor.h"
#include "usbmsc/fwengine.h"
#include "usbmsc/uf2.h"

#include "fuzz_check.h"

#define SECTOR 512u
#define ERASE 1024u
#define SLOT 8192u
#define SLOT_A 0u
#define SLOT_B SLOT
#define STATE0 (2u * SLOT)
#define STATE1 (2u * SLOT + ERASE)
#define FLASH (2u * SLOT + 2u * ERASE)
#define BLOCKS_MAX (SLOT / 256u)
#define STATUS_LBA (1u + 1u + 2u * 128u + 32u + 2u * 8u)  /* cluster 4 */
#define IMAGES 4u

static struct {
	uint8_t mem[FLASH];
	uint8_t programmed[FLASH];
} nor;

static const uint8_t key[USBMSC_FW_PUBKEY_LEN] = { 1, 2, 3, 4 };

/* ---- flash and crypto -------------------------------------------------------- */

static bool nor_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	FUZZ_CHECK(addr <= FLASH && len <= FLASH - addr);
	memcpy(buf, nor.mem + addr, len);
	return true;
}

static bool nor_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	FUZZ_CHECK(addr <= FLASH && len <= FLASH - addr && addr % 4 == 0 && len % 4 == 0);
	for (uint32_t i = 0; i < len; i++) {
		FUZZ_CHECK(!nor.programmed[addr + i]);
		nor.mem[addr + i] &= buf[i];
		nor.programmed[addr + i] = 1;
	}
	return true;
}

static bool nor_erase(void *ctx, uint32_t addr)
{
	(void)ctx;
	FUZZ_CHECK(addr % ERASE == 0 && addr < FLASH);
	memset(nor.mem + addr, 0xFF, ERASE);
	memset(nor.programmed + addr, 0, ERASE);
	return true;
}

/* A stand-in hash: FNV-1a, spread over 32 bytes. */
struct fnv {
	uint64_t h;
};

static void h_init(void *st)
{
	((struct fnv *)st)->h = 0xcbf29ce484222325ull;
}

static void h_update(void *st, const uint8_t *p, size_t n)
{
	struct fnv *f = st;

	for (size_t i = 0; i < n; i++)
		f->h = (f->h ^ p[i]) * 0x100000001b3ull;
}

static void h_final(void *st, uint8_t out[32])
{
	struct fnv *f = st;

	for (uint32_t i = 0; i < 32; i++) {
		f->h = (f->h ^ i) * 0x100000001b3ull;
		out[i] = (uint8_t)(f->h >> 56);
	}
}

static void fake_sign(const uint8_t *msg, size_t n, uint8_t sig[64])
{
	struct fnv f;

	h_init(&f);
	h_update(&f, key, sizeof(key));
	h_update(&f, msg, n);
	h_final(&f, sig);
	h_final(&f, sig + 32);
}

static bool fake_verify(const uint8_t sig[64], const uint8_t *msg, size_t n,
			const uint8_t pubkey[32])
{
	uint8_t want[64];

	(void)pubkey;
	fake_sign(msg, n, want);
	return memcmp(want, sig, 64) == 0;
}

/* ---- the device ------------------------------------------------------------------- */

static struct fnv hash_state;
static uint8_t work[USBMSC_FW_WORK_MIN];
static struct usbmsc_fw_engine fw;
static const struct usbmsc_fw_config fw_cfg = {
	.flash = { nor_read, nor_program, nor_erase, NULL, ERASE, 4 },
	.slot_addr = { SLOT_A, SLOT_B },
	.slot_size = SLOT,
	.state_addr = { STATE0, STATE1 },
	.offset_shift = 8,
	.crypto = { h_init, h_update, h_final, &hash_state, fake_verify, key },
	.identity = { 0x1209, 0x0001, "USBMSC", "Fuzz Disk", 1 },
	.work = work,
	.work_size = sizeof(work),
};
static uint8_t bitmap[USBMSC_DOOR_BITMAP_BYTES(SLOT)];
static const struct usbmsc_door_config door_cfg = {
	.fw = &fw,
	.bitmap = bitmap,
	.info = "UF2 Bootloader fuzz\nModel: Fuzz\nBoard-ID: FUZZ-1\n",
	.index_htm = USBMSC_DOOR_INDEX_HTM("https://example.com/fuzz"),
	.label = "FUZZ",
	.volume_id = 1,
	.quiet_ms = 1000,
};
static struct usbmsc_door door;
static struct usbmsc_lun_config lun;

/* The images, made once: their bytes and block counts. */
static uint8_t images[IMAGES][SLOT];
static uint32_t image_blocks[IMAGES];

static uint32_t make_image(uint8_t *out, const char *version, uint32_t number, uint32_t payload,
			   uint16_t pid)
{
	struct usbmsc_fw_header h;
	struct fnv f;

	memset(&h, 0, sizeof(h));
	h.vid = 0x1209;
	h.pid = pid;
	h.hw_rev_max = 0xFFFF;
	strcpy(h.version, version);
	h.version_number = number;
	h.payload_len = payload;
	for (uint32_t i = 0; i < payload; i++)
		out[256 + i] = (uint8_t)(i * 13u + number);
	h_init(&f);
	h_update(&f, out + 256, payload);
	h_final(&f, h.sha256);
	FUZZ_CHECK(usbmsc_fw_header_encode(&h, out));
	fake_sign(out, USBMSC_FW_SIGNED_LEN, out + USBMSC_FW_SIG_OFFSET);
	return usbmsc_uf2_blocks(256 + payload);
}

static void make_images(void)
{
	static bool made;

	if (made)
		return;
	made = true;
	image_blocks[0] = make_image(images[0], "0200", 2, 1000, 0x0001);
	image_blocks[1] = make_image(images[1], "0300", 3, SLOT - 256 - 40, 0x0001);
	image_blocks[2] = make_image(images[2], "0400", 4, 2000, 0x0002);
	image_blocks[3] = make_image(images[3], "0050", 0, 700, 0x0001);
}

static void power_on(void)
{
	FUZZ_CHECK(usbmsc_fw_boot(&fw, &fw_cfg) != USBMSC_FW_BOOT_CONFIG);
	FUZZ_CHECK(usbmsc_door_init(&door, &door_cfg, &lun));
}

/* ---- the invariants --------------------------------------------------------------- */

static uint32_t popcount(uint32_t blocks)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < blocks; i++)
		n += (bitmap[i / 8] >> (i % 8)) & 1u;
	return n;
}

static void check(void)
{
	struct usbmsc_door_status st;
	uint8_t s[SECTOR];
	size_t len;

	FUZZ_CHECK(door.state <= 3);
	if (door.state == 1)  /* receiving: the bitmap fits the slot, and counts */
		FUZZ_CHECK(door.blocks <= BLOCKS_MAX && door.got < door.blocks &&
			   door.got == popcount(door.blocks));
	if (fw.running != USBMSC_FW_NO_SLOT)
		FUZZ_CHECK(fw.running <= 1 && fw.rec.slot[fw.running].valid);
	FUZZ_CHECK(lun.read(lun.ctx, STATUS_LBA, 0, s, SECTOR) == USBMSC_SENSE_OK);
	len = strnlen((const char *)s, SECTOR);
	FUZZ_CHECK(len == USBMSC_DOOR_STATUS_LEN && s[len - 1] == '\n');
	FUZZ_CHECK(usbmsc_door_status_parse((const char *)s, len, &st));
	switch (door.state) {
	case 1:
		FUZZ_CHECK((st.state == USBMSC_DOOR_ST_RECEIVING ||
			    st.state == USBMSC_DOOR_ST_INCOMPLETE) &&
			   st.got == door.got && st.blocks == door.blocks);
		break;
	case 2:
		FUZZ_CHECK(st.state == USBMSC_DOOR_ST_CHECKED);
		break;
	case 3:
		FUZZ_CHECK(st.state == USBMSC_DOOR_ST_REFUSED && st.reason == door.reason);
		break;
	default:
		FUZZ_CHECK(st.state == USBMSC_DOOR_ST_WAITING || st.state == USBMSC_DOOR_ST_UPDATED ||
			   st.state == USBMSC_DOOR_ST_REVERTED);
		break;
	}
}

/* ---- the events ---------------------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct in *in, uint32_t bytes)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < bytes; i++) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static void write_sector(uint32_t lba, const uint8_t *s)
{
	FUZZ_CHECK(lun.write(lun.ctx, lba, 0, s, SECTOR) == USBMSC_SENSE_OK);
}

/* Block n of image k, with byte at (if below 512) changed. */
static void uf2_block(uint32_t k, uint32_t n, uint32_t at, uint8_t x)
{
	uint8_t s[SECTOR];

	usbmsc_uf2_encode(s, n, image_blocks[k], "v");
	memcpy(s + USBMSC_UF2_DATA_OFFSET, images[k] + n * 256u, 256);
	if (at < SECTOR)
		s[at] ^= x;
	write_sector(300 + n, s);
}

/* WRITE BUFFER mode 0x0E, the whole image k at offset 0, in one command. */
static void write_buffer(uint32_t k)
{
	const struct usbmsc_vendor_cmd *wb = &usbmsc_fw_cmds[0];
	uint32_t len = 256u + usbmsc_get_le32(images[k] + 52);
	uint8_t cdb[10] = { 0x3B, 0x0E, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint32_t want = 0;

	usbmsc_put_be24(cdb + 6, len);
	if (wb->begin(&fw, 0, cdb, &want) != USBMSC_SENSE_OK)
		return;
	for (uint32_t off = 0; off < len; off += 512u) {
		uint32_t n = len - off < 512u ? len - off : 512u;

		if (wb->data(&fw, 0, cdb, off, images[k] + off, n) != USBMSC_SENSE_OK)
			break;
	}
	wb->end(&fw, 0, cdb);
}

static void event(struct in *in)
{
	uint8_t s[SECTOR * 4];
	uint32_t op = take(in, 1) % 8u, k, n;

	switch (op) {
	case 0: /* a raw sector */
		memset(s, 0, SECTOR);
		for (uint32_t i = 0; i < SECTOR && in->n; i++)
			s[i] = (uint8_t)take(in, 1);
		write_sector(take(in, 2), s);
		break;
	case 1: /* one block of an image, maybe with a byte changed */
		k = take(in, 1) % IMAGES;
		uf2_block(k, take(in, 1) % image_blocks[k], take(in, 2), (uint8_t)(take(in, 1) | 1u));
		break;
	case 2: /* a run of blocks */
		k = take(in, 1) % IMAGES;
		n = take(in, 1) % image_blocks[k];
		for (uint32_t i = n; i < image_blocks[k]; i++)
			uf2_block(k, i, SECTOR, 0);
		break;
	case 3: /* time passes */
		usbmsc_door_tick(&door, take(in, 2) * 8u);
		break;
	case 4: /* sectors read back */
		n = 1 + take(in, 1) % 4u;
		k = take(in, 3) % (USBMSC_DOOR_SECTORS - n + 1u);
		FUZZ_CHECK(lun.read(lun.ctx, k, 0, s, n * SECTOR) == USBMSC_SENSE_OK);
		break;
	case 5:
		power_on();
		break;
	case 6:
		usbmsc_fw_confirm(&fw);
		break;
	default:
		write_buffer(take(in, 1) % IMAGES);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	make_images();
	memset(nor.mem, 0xFF, sizeof(nor.mem));
	memset(nor.programmed, 0, sizeof(nor.programmed));
	FUZZ_CHECK(usbmsc_fw_boot(&fw, &fw_cfg) == USBMSC_FW_BOOT_NONE);
	FUZZ_CHECK(usbmsc_fw_factory_init(&fw, "0100", 1));
	FUZZ_CHECK(usbmsc_door_init(&door, &door_cfg, &lun));
	check();
	for (uint32_t events = 0; in.n > 0 && events < 64; events++) {
		event(&in);
		check();
	}
	return 0;
}
