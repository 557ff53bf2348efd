/* UF2 blocks: parse, encode, and the version tag (include/usbmsc/uf2.h).
 * Pure and freestanding: the file door on the device parses and encodes
 * with this same code as `usbmsc fw uf2` on the host. */
#include "usbmsc/uf2.h"

#include <string.h>


#define OFF_FLAGS 8u
#define OFF_ADDR 12u
#define OFF_PAYLOAD 16u
#define OFF_BLOCK_NO 20u
#define OFF_NUM_BLOCKS 24u
#define OFF_FAMILY 28u
#define OFF_MAGIC_END 508u
/* Extension tags follow the payload, each on a 4-byte boundary: a size
 * byte (the whole tag), the 24-bit type, the data. */
#define OFF_TAGS (USBMSC_UF2_DATA_OFFSET + USBMSC_UF2_PAYLOAD_LEN)
#define TAG_HEAD 4u
#define VERSION_MAX 16u

/* The header of every usbmsc block, little-endian: the two magic numbers,
 * the flags (family), address, payload size 256, block numbers, family.
 * Address and block numbers are filled in. */
static const uint8_t usbmsc_head[USBMSC_UF2_DATA_OFFSET] = {
	0x55, 0x46, 0x32, 0x0A, 0x57, 0x51, 0x5D, 0x9E,
	0x00, 0x20, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xB7, 0xB2, 0x74, 0xF4,
};

/* Little-endian 32-bit fields as loops: the smallest code on a small
 * device, where the file door counts its bytes. */
static uint32_t le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (uint32_t i = 4; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (uint32_t i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* struct usbmsc_uf2_block is the six fields from offset 8, in wire order. */
_Static_assert(sizeof(struct usbmsc_uf2_block) == 24, "six 32-bit fields");

enum usbmsc_uf2_kind usbmsc_uf2_parse(const uint8_t blk[USBMSC_UF2_BLOCK_LEN],
				      struct usbmsc_uf2_block *out)
{
	if (memcmp(blk, usbmsc_head, 8) != 0 || le32(blk + OFF_MAGIC_END) != USBMSC_UF2_MAGIC_END)
		return USBMSC_UF2_NONE;
	for (uint32_t i = 0; i < 24; i += 4) {
		uint32_t v = le32(blk + OFF_FLAGS + i);

		memcpy((uint8_t *)out + i, &v, 4);
	}
	if (out->flags & (USBMSC_UF2_FLAG_NOT_MAIN_FLASH | USBMSC_UF2_FLAG_FILE_CONTAINER))
		return USBMSC_UF2_SKIP;
	/* The specification: a block of another family is ignored whole. */
	if (!(out->flags & USBMSC_UF2_FLAG_FAMILY) || out->family != USBMSC_UF2_FAMILY)
		return USBMSC_UF2_FOREIGN;
	/* num_blocks - 1 wraps for 0; block_no < num_blocks <= 2^24. */
	if (out->payload_len != USBMSC_UF2_PAYLOAD_LEN ||
	    out->num_blocks - 1u >= USBMSC_UF2_MAX_BLOCKS || out->block_no >= out->num_blocks ||
	    out->addr != out->block_no << USBMSC_UF2_PAYLOAD_SHIFT)
		return USBMSC_UF2_MALFORMED;
	return USBMSC_UF2_IMAGE;
}

void usbmsc_uf2_encode(uint8_t blk[USBMSC_UF2_BLOCK_LEN], uint32_t block_no, uint32_t num_blocks,
		       const char *version)
{
	uint8_t *tag = blk + OFF_TAGS;
	uint32_t n = 0;

	memset(blk, 0, USBMSC_UF2_BLOCK_LEN);
	memcpy(blk, usbmsc_head, sizeof(usbmsc_head));
	put32(blk + OFF_ADDR, block_no << USBMSC_UF2_PAYLOAD_SHIFT);
	put32(blk + OFF_BLOCK_NO, block_no);
	put32(blk + OFF_NUM_BLOCKS, num_blocks);
	put32(blk + OFF_MAGIC_END, USBMSC_UF2_MAGIC_END);
	while (version != NULL && n < VERSION_MAX && version[n] != '\0')
		n++;
	if (n > 0) {
		/* Size, type, text; the zero bytes after it end the tags (fwupd
		 * stops at a zero size, as the specification allows). */
		blk[OFF_FLAGS + 1] |= USBMSC_UF2_FLAG_TAGS >> 8;
		put32(tag, USBMSC_UF2_TAG_VERSION << 8 | (TAG_HEAD + n));
		memcpy(tag + TAG_HEAD, version, n);
	}
}

uint32_t usbmsc_uf2_blocks(uint32_t len)
{
	return (len >> USBMSC_UF2_PAYLOAD_SHIFT) + ((len & (USBMSC_UF2_PAYLOAD_LEN - 1u)) != 0);
}

bool usbmsc_uf2_version(const uint8_t blk[USBMSC_UF2_BLOCK_LEN], const struct usbmsc_uf2_block *b,
			char *out, size_t n)
{
	uint32_t off;

	if (n == 0 || !(b->flags & USBMSC_UF2_FLAG_TAGS) || b->payload_len > USBMSC_UF2_DATA_LEN)
		return false;
	off = (USBMSC_UF2_DATA_OFFSET + b->payload_len + 3u) & ~3u;
	while (off + TAG_HEAD <= OFF_MAGIC_END) {
		uint32_t size = blk[off], type = le32(blk + off) >> 8;
		uint32_t len = 0;

		/* A zero size or type ends the tags, and so does 0xFF padding. */
		if (size == 0 || type == 0 || type == 0xFFFFFFu || size < TAG_HEAD ||
		    off + size > OFF_MAGIC_END)
			return false;
		if (type == USBMSC_UF2_TAG_VERSION) {
			while (len < size - TAG_HEAD && len < n - 1 && blk[off + TAG_HEAD + len] != 0) {
				out[len] = (char)blk[off + TAG_HEAD + len];
				len++;
			}
			out[len] = '\0';
			return true;
		}
		off += (size + 3u) & ~3u;
	}
	return false;
}
