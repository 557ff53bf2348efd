/* UF2 blocks (src/wire/uf2.c): the exact bytes of an encoded block, every
 * kind parse() tells apart, the version tag both ways, and the block count
 * of an image at its edges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/uf2.h"

static void block(uint8_t blk[512], uint32_t n, uint32_t count, const char *version)
{
	usbmsc_uf2_encode(blk, n, count, version);
	for (uint32_t i = 0; i < USBMSC_UF2_PAYLOAD_LEN; i++)
		blk[USBMSC_UF2_DATA_OFFSET + i] = (uint8_t)(i + n);
}

static void test_encode_bytes(void **state)
{
	static const uint8_t head[32] = {
		0x55, 0x46, 0x32, 0x0A, 0x57, 0x51, 0x5D, 0x9E, /* magic numbers */
		0x00, 0xA0, 0x00, 0x00,                         /* family + tags */
		0x00, 0x03, 0x00, 0x00,                         /* address 3 * 256 */
		0x00, 0x01, 0x00, 0x00,                         /* payload 256 */
		0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, /* block 3 of 7 */
		0xB7, 0xB2, 0x74, 0xF4,                         /* family */
	};
	/* The specification's own example of a version tag, for "0200". */
	static const uint8_t tag[12] = { 0x08, 0xBC, 0xC7, 0x9F, '0', '2', '0', '0', 0, 0, 0, 0 };
	uint8_t blk[512];

	(void)state;
	memset(blk, 0xAA, sizeof(blk));
	usbmsc_uf2_encode(blk, 3, 7, "0200");
	assert_memory_equal(blk, head, sizeof(head));
	for (uint32_t i = 32; i < 288; i++)
		assert_int_equal(blk[i], 0);
	assert_memory_equal(blk + 288, tag, sizeof(tag));
	for (uint32_t i = 300; i < 508; i++)
		assert_int_equal(blk[i], 0);
	assert_int_equal(usbmsc_get_le32(blk + 508), USBMSC_UF2_MAGIC_END);
	/* Without a version: no tag, and no tag flag. */
	usbmsc_uf2_encode(blk, 0, 1, NULL);
	assert_int_equal(usbmsc_get_le32(blk + 8), USBMSC_UF2_FLAG_FAMILY);
	assert_int_equal(blk[288], 0);
}

static void test_parse_round_trip(void **state)
{
	struct usbmsc_uf2_block b;
	uint8_t blk[512];
	char v[17];

	(void)state;
	block(blk, 5, 9, "1.2");
	assert_int_equal(usbmsc_uf2_parse(blk, &b), USBMSC_UF2_IMAGE);
	assert_int_equal(b.flags, USBMSC_UF2_FLAG_FAMILY | USBMSC_UF2_FLAG_TAGS);
	assert_int_equal(b.addr, 5 * 256);
	assert_int_equal(b.payload_len, 256);
	assert_int_equal(b.block_no, 5);
	assert_int_equal(b.num_blocks, 9);
	assert_int_equal(b.family, USBMSC_UF2_FAMILY);
	assert_true(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	assert_string_equal(v, "1.2");
	/* a short output buffer truncates */
	assert_true(usbmsc_uf2_version(blk, &b, v, 3));
	assert_string_equal(v, "1.");
	/* the last possible block */
	block(blk, USBMSC_UF2_MAX_BLOCKS - 1, USBMSC_UF2_MAX_BLOCKS, "9");
	assert_int_equal(usbmsc_uf2_parse(blk, &b), USBMSC_UF2_IMAGE);
}

static void test_parse_kinds(void **state)
{
	struct usbmsc_uf2_block b;
	uint8_t blk[512], bad[512];

	(void)state;
	block(blk, 1, 4, "v1");
	/* Each magic number, one bit off. */
	const uint32_t magic_at[3] = { 0, 4, 508 };
	for (uint32_t i = 0; i < 3; i++) {
		memcpy(bad, blk, sizeof(bad));
		bad[magic_at[i] + 1] ^= 0x01;
		assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_NONE);
	}
	memset(bad, 0, sizeof(bad));
	assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_NONE);
	/* Blocks for no flash. */
	memcpy(bad, blk, sizeof(bad));
	usbmsc_put_le32(bad + 8, USBMSC_UF2_FLAG_FAMILY | USBMSC_UF2_FLAG_NOT_MAIN_FLASH);
	assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_SKIP);
	usbmsc_put_le32(bad + 8, USBMSC_UF2_FLAG_FILE_CONTAINER);
	assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_SKIP);
	/* Another family, or none (the field is a file size then). */
	memcpy(bad, blk, sizeof(bad));
	usbmsc_put_le32(bad + 28, 0xE48BFF56u);  /* RP2040 */
	assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_FOREIGN);
	assert_int_equal(b.family, 0xE48BFF56u);
	memcpy(bad, blk, sizeof(bad));
	usbmsc_put_le32(bad + 8, 0);
	assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_FOREIGN);
	/* Ours, but not laid out as usbmsc writes blocks. */
	struct {
		uint32_t off, value;
	} malformed[] = {
		{ 16, 255 },                        /* payload size */
		{ 16, 476 },
		{ 12, 256 * 1 + 4 },                /* address */
		{ 20, 4 },                          /* block number = count */
		{ 24, 0 },                          /* no blocks */
		{ 24, USBMSC_UF2_MAX_BLOCKS + 1u }, /* too many */
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		memcpy(bad, blk, sizeof(bad));
		usbmsc_put_le32(bad + malformed[i].off, malformed[i].value);
		assert_int_equal(usbmsc_uf2_parse(bad, &b), USBMSC_UF2_MALFORMED);
	}
}

static void test_version_tags(void **state)
{
	struct usbmsc_uf2_block b;
	uint8_t blk[512];
	char v[17];

	(void)state;
	block(blk, 0, 1, NULL);
	assert_int_equal(usbmsc_uf2_parse(blk, &b), USBMSC_UF2_IMAGE);
	assert_false(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	/* Another tag first, then the version; 0xFF padding ends the tags. */
	b.flags |= USBMSC_UF2_FLAG_TAGS;
	memcpy(blk + 288, "\x0c\x9d\x0d\x65" "ACME Toa", 12);
	memcpy(blk + 300, "\x07\xbc\xc7\x9f" "1.5\0", 8);
	assert_true(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	assert_string_equal(v, "1.5");
	memset(blk + 288, 0xFF, 16);
	assert_false(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	/* A size below the tag's own head, or running past the end magic. */
	memcpy(blk + 288, "\x02\xbc\xc7\x9f", 4);
	assert_false(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	blk[288] = 0xFF;
	assert_false(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	/* The longest version encode() writes. */
	usbmsc_uf2_encode(blk, 0, 1, "0123456789abcdefXYZ");
	assert_int_equal(usbmsc_uf2_parse(blk, &b), USBMSC_UF2_IMAGE);
	assert_true(usbmsc_uf2_version(blk, &b, v, sizeof(v)));
	assert_string_equal(v, "0123456789abcdef");
}

static void test_blocks(void **state)
{
	(void)state;
	assert_int_equal(usbmsc_uf2_blocks(0), 0);
	assert_int_equal(usbmsc_uf2_blocks(1), 1);
	assert_int_equal(usbmsc_uf2_blocks(256), 1);
	assert_int_equal(usbmsc_uf2_blocks(257), 2);
	assert_int_equal(usbmsc_uf2_blocks(0xFFFFFFFFu), USBMSC_UF2_MAX_BLOCKS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_version_tags),
		cmocka_unit_test(test_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
