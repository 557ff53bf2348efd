/* The FunctionFS descriptor and string blobs, byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ffs_desc.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const uint8_t interface[9] = { 9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 1 };

static void check_endpoint(const uint8_t *d, uint8_t address, uint16_t max_packet)
{
	assert_int_equal(d[0], 7);
	assert_int_equal(d[1], 5);
	assert_int_equal(d[2], address);
	assert_int_equal(d[3], 2);  /* bulk */
	assert_int_equal(d[4] | d[5] << 8, max_packet);
	assert_int_equal(d[6], 0);
}

static void test_descriptors(void **state)
{
	uint8_t b[FFS_DESC_MAX];
	const uint8_t *d;
	size_t n;

	(void)state;
	memset(b, 0xEE, sizeof(b));
	n = ffs_build_descriptors(b, sizeof(b));
	/* header 12, counts 12, FS 9+7+7, HS 9+7+7, SS 9+7+6+7+6 */
	assert_int_equal(n, 12 + 12 + 23 + 23 + 35);
	assert_int_equal(le32(b), 3);           /* FUNCTIONFS_DESCRIPTORS_MAGIC_V2 */
	assert_int_equal(le32(b + 4), n);
	assert_int_equal(le32(b + 8), 1 | 2 | 4); /* FS, HS, SS */
	assert_int_equal(le32(b + 12), 3);
	assert_int_equal(le32(b + 16), 3);
	assert_int_equal(le32(b + 20), 5);
	d = b + 24;
	for (int speed = 0; speed < 3; speed++) {
		static const uint16_t mp[] = { 64, 512, 1024 };

		assert_memory_equal(d, interface, sizeof(interface));
		d += 9;
		/* Bulk-In first: FunctionFS names it ep1 */
		check_endpoint(d, 0x81, mp[speed]);
		d += 7;
		if (speed == 2) {
			static const uint8_t comp[6] = { 6, 0x30, 15, 0, 0, 0 };

			assert_memory_equal(d, comp, 6);
			d += 6;
		}
		check_endpoint(d, 0x02, mp[speed]);
		d += 7;
		if (speed == 2)
			d += 6;
	}
	assert_ptr_equal(d, b + n);
	assert_int_equal(b[n], 0xEE);  /* nothing written past the end */
}

static void test_descriptors_no_room(void **state)
{
	uint8_t b[FFS_DESC_MAX];

	(void)state;
	assert_int_equal(ffs_build_descriptors(b, 104), 0);
	assert_int_equal(ffs_build_descriptors(b, 105), 105);
}

static void test_strings(void **state)
{
	uint8_t b[64];
	size_t n;

	(void)state;
	memset(b, 0xEE, sizeof(b));
	n = ffs_build_strings(b, sizeof(b), "Mass Storage");
	assert_int_equal(n, 16 + 2 + 13);
	assert_int_equal(le32(b), 2);      /* FUNCTIONFS_STRINGS_MAGIC */
	assert_int_equal(le32(b + 4), n);  /* a wrong length makes f_fs refuse the blob */
	assert_int_equal(le32(b + 8), 1);  /* one string */
	assert_int_equal(le32(b + 12), 1); /* one language */
	assert_int_equal(b[16] | b[17] << 8, 0x0409);
	assert_string_equal((const char *)b + 18, "Mass Storage");
	assert_int_equal(b[n], 0xEE);
	assert_int_equal(ffs_build_strings(b, n - 1, "Mass Storage"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_descriptors_no_room),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
