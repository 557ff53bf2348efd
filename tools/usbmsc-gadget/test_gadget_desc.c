/* The FunctionFS descriptor and string blobs, byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ffs_desc.h"
#include "usbmsc/doors.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
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
	n = ffs_build_descriptors(b, sizeof(b), false);
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
	assert_int_equal(ffs_build_descriptors(b, 104, false), 0);
	assert_int_equal(ffs_build_descriptors(b, 105, false), 105);
}

static void test_strings(void **state)
{
	uint8_t b[64];
	size_t n;

	(void)state;
	memset(b, 0xEE, sizeof(b));
	n = ffs_build_strings(b, sizeof(b), false);
	assert_int_equal(n, 16 + 2 + 13);
	assert_int_equal(le32(b), 2);      /* FUNCTIONFS_STRINGS_MAGIC */
	assert_int_equal(le32(b + 4), n);  /* a wrong length makes f_fs refuse the blob */
	assert_int_equal(le32(b + 8), 1);  /* one string */
	assert_int_equal(le32(b + 12), 1); /* one language */
	assert_int_equal(b[16] | b[17] << 8, 0x0409);
	assert_string_equal((const char *)b + 18, "Mass Storage");
	assert_int_equal(b[n], 0xEE);
	assert_int_equal(ffs_build_strings(b, n - 1, false), 0);
}

/* ---- with the vendor interface: parsed back the way f_fs reads it ---- */

struct parsed {
	unsigned descs, interfaces, endpoints, companions;
	uint8_t if_number[4], if_class[4][3], if_string[4];
	uint8_t ep_address[8];
	uint16_t ep_max_packet[8];
};

/* count descriptors of one speed from d; returns the bytes they took. */
static size_t parse_speed(const uint8_t *d, size_t room, uint32_t count, struct parsed *p)
{
	size_t at = 0;

	memset(p, 0, sizeof(*p));
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *x = d + at;

		assert_true(at + 2 <= room);
		assert_true(x[0] >= 2 && at + x[0] <= room);
		p->descs++;
		switch (x[1]) {
		case 4:
			assert_int_equal(x[0], 9);
			assert_true(p->interfaces < 4);
			p->if_number[p->interfaces] = x[2];
			memcpy(p->if_class[p->interfaces], x + 5, 3);
			p->if_string[p->interfaces] = x[8];
			assert_int_equal(x[4], 2);  /* bNumEndpoints */
			p->interfaces++;
			break;
		case 5:
			assert_int_equal(x[0], 7);
			assert_int_equal(x[3], 2);  /* bulk */
			assert_true(p->endpoints < 8);
			p->ep_address[p->endpoints] = x[2];
			p->ep_max_packet[p->endpoints] = le16(x + 4);
			p->endpoints++;
			break;
		case 0x30:
			assert_int_equal(x[0], 6);
			p->companions++;
			break;
		default:
			fail_msg("unexpected descriptor type %02x", x[1]);
		}
		at += x[0];
	}
	return at;
}

static void check_two_interfaces(const struct parsed *p, uint16_t max_packet)
{
	static const uint8_t msc[3] = { 0x08, 0x06, 0x50 };
	static const uint8_t vnd[3] = { USBMSC_VND_IF_CLASS, USBMSC_VND_IF_SUBCLASS,
					USBMSC_VND_IF_PROTOCOL };
	static const uint8_t addresses[4] = { 0x81, 0x02, 0x83, 0x04 };

	assert_int_equal(p->interfaces, 2);
	/* f_fs counts the interfaces by their numbers: 0 and 1 */
	assert_int_equal(p->if_number[0], 0);
	assert_int_equal(p->if_number[1], 1);
	assert_memory_equal(p->if_class[0], msc, 3);
	assert_memory_equal(p->if_class[1], vnd, 3);
	assert_int_equal(p->if_string[0], 1);
	assert_int_equal(p->if_string[1], 2);
	/* in descriptor order, so that ep3/ep4 are the vendor pair */
	assert_int_equal(p->endpoints, 4);
	assert_memory_equal(p->ep_address, addresses, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p->ep_max_packet[i], max_packet);
	assert_int_equal(FFS_EP_INDEX(FFS_DOOR_VENDOR, 0), 3);
	assert_int_equal(FFS_EP_INDEX(FFS_DOOR_VENDOR, 1), 4);
	assert_int_equal(FFS_EP_ADDRESS(FFS_DOOR_VENDOR, 0), 0x83);
	assert_int_equal(FFS_EP_ADDRESS(FFS_DOOR_VENDOR, 1), 0x04);
}

/* An OS descriptor header of f_fs (struct usb_os_desc_header, 11 bytes). */
static void check_os_header(const uint8_t *h, uint8_t interface, uint32_t length, uint16_t index,
			    uint16_t count)
{
	assert_int_equal(h[0], interface);
	assert_int_equal(le32(h + 1), length);
	/* bcdVersion 1: all Linux 6.1's f_fs accepts (the host gets 1.00) */
	assert_int_equal(le16(h + 5), 0x0001);
	assert_int_equal(le16(h + 7), index);
	assert_int_equal(le16(h + 9), count);
}

static void test_descriptors_vendor(void **state)
{
	uint8_t b[FFS_DESC_MAX];
	const uint8_t *d;
	struct parsed p;
	size_t n, left;
	uint32_t size;

	(void)state;
	memset(b, 0xEE, sizeof(b));
	n = ffs_build_descriptors(b, sizeof(b), true);
	assert_true(n > 0 && n < sizeof(b));
	assert_int_equal(le32(b), 3);
	assert_int_equal(le32(b + 4), n);
	assert_int_equal(le32(b + 8), 1 | 2 | 4 | 8);  /* FS, HS, SS, MS OS descriptors */
	assert_int_equal(le32(b + 12), 6);
	assert_int_equal(le32(b + 16), 6);
	assert_int_equal(le32(b + 20), 10);
	assert_int_equal(le32(b + 24), 2);   /* OS descriptors: compat ID, property */
	d = b + 28;
	left = n - 28;
	for (int speed = 0; speed < 3; speed++) {
		static const uint16_t mp[] = { 64, 512, 1024 };
		size_t used = parse_speed(d, left, le32(b + 12 + 4 * speed), &p);

		check_two_interfaces(&p, mp[speed]);
		assert_int_equal(p.companions, speed == 2 ? 4 : 0);
		d += used;
		left -= used;
	}

	/* extended compat ID: interface 1 is WINUSB */
	assert_true(left >= 35);
	check_os_header(d, 1, 11 + 24, 4, 1);
	d += 11;
	assert_int_equal(d[0], 1);  /* bFirstInterfaceNumber */
	assert_int_equal(d[1], 1);  /* reserved, 1 */
	assert_memory_equal(d + 2, "WINUSB\0\0", 8);
	for (int i = 10; i < 24; i++)
		assert_int_equal(d[i], 0);  /* SubCompatibleID and reserved */
	d += 24;
	left -= 35;

	/* extended property: DeviceInterfaceGUID, REG_SZ, the GUID of doors.h */
	size = 14 + 20 + 39;
	assert_int_equal(left, 11 + size);
	check_os_header(d, 1, 11 + size, 5, 1);
	d += 11;
	assert_int_equal(le32(d), size);
	assert_true(size < 256);     /* f_fs keeps a property's length in a u8 */
	assert_int_equal(le32(d + 4), 1);  /* REG_SZ: Linux cannot send REG_MULTI_SZ */
	assert_int_equal(le16(d + 8), 20);
	assert_memory_equal(d + 10, "DeviceInterfaceGUID", 20);  /* with its NUL */
	assert_int_equal(le32(d + 30), 39);
	assert_memory_equal(d + 34, USBMSC_VND_IF_GUID, 39);
	assert_int_equal(strlen(USBMSC_VND_IF_GUID), 38);
	assert_ptr_equal(d + 34 + 39, b + n);
	assert_int_equal(b[n], 0xEE);
}

/* Whatever the room short of the whole blob, nothing is returned. */
static void test_descriptors_vendor_no_room(void **state)
{
	uint8_t b[FFS_DESC_MAX];
	size_t n;

	(void)state;
	n = ffs_build_descriptors(b, sizeof(b), true);
	for (size_t cap = 0; cap < n; cap += 7)
		assert_int_equal(ffs_build_descriptors(b, cap, true), 0);
	assert_int_equal(ffs_build_descriptors(b, n - 1, true), 0);
	assert_int_equal(ffs_build_descriptors(b, n, true), n);
}

static void test_strings_vendor(void **state)
{
	uint8_t b[96];
	size_t n, name = strlen(FFS_INTERFACE_NAME) + 1;

	(void)state;
	memset(b, 0xEE, sizeof(b));
	n = ffs_build_strings(b, sizeof(b), true);
	assert_int_equal(n, 16 + 2 + name + strlen(USBMSC_VND_IF_STRING) + 1);
	assert_int_equal(le32(b + 4), n);
	assert_int_equal(le32(b + 8), 2);  /* iInterface 1 and 2 */
	assert_int_equal(le32(b + 12), 1);
	assert_string_equal((const char *)b + 18, FFS_INTERFACE_NAME);
	assert_string_equal((const char *)b + 18 + name, USBMSC_VND_IF_STRING);
	assert_int_equal(b[n], 0xEE);
	assert_int_equal(ffs_build_strings(b, n - 1, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_descriptors_no_room),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_descriptors_vendor),
		cmocka_unit_test(test_descriptors_vendor_no_room),
		cmocka_unit_test(test_strings_vendor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
