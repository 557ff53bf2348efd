/* UF2 blocks (Microsoft's USB Flashing Format) as usbmsc uses them: the
 * file door on the device (copy a .uf2 file to the door volume) and
 * `usbmsc fw uf2` on the host. Pure wire code, freestanding (string.h only).
 *
 * A UF2 block is 512 bytes, little-endian:
 *   0   4  magic 0x0A324655 ("UF2\n")
 *   4   4  magic 0x9E5D5157
 *   8   4  flags (USBMSC_UF2_FLAG_*)
 *  12   4  target address
 *  16   4  payload size (at most 476)
 *  20   4  block number, from 0
 *  24   4  number of blocks in the file
 *  28   4  family ID (flag 0x2000), else file size or zero
 *  32 476  data: the payload, then extension tags (flag 0x8000)
 * 508   4  magic 0x0AB16F30
 *
 * A usbmsc UF2 file carries one signed image (docs/FIRMWARE-IMAGE.md):
 * block i holds image bytes 256*i .. 256*i+255 (the last block padded with
 * zeros), target address 256*i (an offset in the image: the device picks
 * the flash slot), family USBMSC_UF2_FAMILY, and a version tag (0x9FC7BC)
 * with the image's version string, which fwupd reads. The blocks describe
 * themselves, so a device takes them in any order and any number of times
 * (docs/FILE-DOOR.md). */
#ifndef USBMSC_UF2_H
#define USBMSC_UF2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_UF2_BLOCK_LEN 512u
#define USBMSC_UF2_DATA_OFFSET 32u    /* the payload starts here */
#define USBMSC_UF2_DATA_LEN 476u
#define USBMSC_UF2_PAYLOAD_LEN 256u   /* the payload of every usbmsc block */
#define USBMSC_UF2_PAYLOAD_SHIFT 8u
/* The most blocks a usbmsc UF2 file has: 2^24, an image of 4 GiB. */
#define USBMSC_UF2_MAX_BLOCKS 0x1000000u

#define USBMSC_UF2_MAGIC_START0 0x0A324655u
#define USBMSC_UF2_MAGIC_START1 0x9E5D5157u
#define USBMSC_UF2_MAGIC_END 0x0AB16F30u

#define USBMSC_UF2_FLAG_NOT_MAIN_FLASH 0x00000001u
#define USBMSC_UF2_FLAG_FILE_CONTAINER 0x00001000u
#define USBMSC_UF2_FLAG_FAMILY 0x00002000u
#define USBMSC_UF2_FLAG_MD5 0x00004000u
#define USBMSC_UF2_FLAG_TAGS 0x00008000u

/* The family of usbmsc signed images (chosen at random, as the UF2
 * specification asks; not in its list of MCU families). It names the
 * image format, not a chip: which device an image fits is the signed
 * header's business. */
#define USBMSC_UF2_FAMILY 0xF474B2B7u
/* Extension tag: the firmware's version, a UTF-8 string. */
#define USBMSC_UF2_TAG_VERSION 0x9FC7BCu

struct usbmsc_uf2_block {
	uint32_t flags;
	uint32_t addr;
	uint32_t payload_len;
	uint32_t block_no;
	uint32_t num_blocks;
	uint32_t family;       /* with USBMSC_UF2_FLAG_FAMILY; else file size or 0 */
};

/* What a 512-byte sector is, for a device that takes usbmsc images. */
enum usbmsc_uf2_kind {
	USBMSC_UF2_NONE = 0,   /* not a UF2 block (magic numbers): file system data */
	USBMSC_UF2_SKIP,       /* a UF2 block for no flash: "not main flash", file container */
	USBMSC_UF2_FOREIGN,    /* a UF2 block of another family, or of none */
	USBMSC_UF2_MALFORMED,  /* our family, not laid out as above (size, address, numbers) */
	USBMSC_UF2_IMAGE       /* a block of a usbmsc image */
};

/* Parse one block; out is filled from its header whenever the magic
 * numbers are right (every kind but NONE). */
USBMSC_API
enum usbmsc_uf2_kind usbmsc_uf2_parse(const uint8_t blk[USBMSC_UF2_BLOCK_LEN],
				      struct usbmsc_uf2_block *out);

/* Block block_no of a usbmsc image of num_blocks blocks: the header, the
 * version tag (1 to 16 characters of version; NULL or "": none), zeros
 * elsewhere, the end magic. The caller puts the 256 payload bytes at
 * blk + USBMSC_UF2_DATA_OFFSET. */
USBMSC_API
void usbmsc_uf2_encode(uint8_t blk[USBMSC_UF2_BLOCK_LEN], uint32_t block_no, uint32_t num_blocks,
		       const char *version);

/* The blocks that carry an image of len bytes. */
USBMSC_API
uint32_t usbmsc_uf2_blocks(uint32_t len);

/* The version tag of a block parse() accepted, as a NUL-terminated string
 * in out (at most n - 1 characters). False when it has none. */
USBMSC_API
bool usbmsc_uf2_version(const uint8_t blk[USBMSC_UF2_BLOCK_LEN], const struct usbmsc_uf2_block *b,
			char *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
