/* FunctionFS descriptor and string blobs, built byte by byte in
 * little-endian order so that the layout does not depend on the compiler's
 * struct packing. */
#include "ffs_desc.h"

#include <string.h>

#include <linux/usb/functionfs.h>

enum { SPEED_FS, SPEED_HS, SPEED_SS };

struct blob {
	uint8_t *buf;
	size_t cap, len;
	int overflow;
};

static void put8(struct blob *b, uint8_t v)
{
	if (b->len < b->cap)
		b->buf[b->len] = v;
	else
		b->overflow = 1;
	b->len++;
}

static void put16(struct blob *b, uint16_t v)
{
	put8(b, (uint8_t)v);
	put8(b, (uint8_t)(v >> 8));
}

static void put32(struct blob *b, uint32_t v)
{
	put16(b, (uint16_t)v);
	put16(b, (uint16_t)(v >> 16));
}

static void set32(struct blob *b, size_t at, uint32_t v)
{
	if (b->overflow)
		return;
	for (int i = 0; i < 4; i++)
		b->buf[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void interface_desc(struct blob *b)
{
	put8(b, 9);      /* bLength */
	put8(b, 4);      /* INTERFACE */
	put8(b, 0);      /* bInterfaceNumber: FunctionFS renumbers it */
	put8(b, 0);      /* bAlternateSetting */
	put8(b, 2);      /* bNumEndpoints */
	put8(b, 0x08);   /* mass storage */
	put8(b, 0x06);   /* SCSI transparent command set */
	put8(b, 0x50);   /* Bulk-Only Transport */
	put8(b, 1);      /* iInterface: the first string of the strings blob */
}

static void endpoint_desc(struct blob *b, uint8_t address, uint16_t max_packet)
{
	put8(b, 7);      /* bLength (no audio fields) */
	put8(b, 5);      /* ENDPOINT */
	put8(b, address);
	put8(b, 0x02);   /* bulk */
	put16(b, max_packet);
	put8(b, 0);      /* bInterval */
}

static void ss_companion_desc(struct blob *b)
{
	put8(b, 6);      /* bLength */
	put8(b, 0x30);   /* SS_ENDPOINT_COMP */
	put8(b, 15);     /* bMaxBurst: 16 packets, as the kernel's own mass-storage function */
	put8(b, 0);      /* bmAttributes: no streams */
	put16(b, 0);     /* wBytesPerInterval: bulk */
}

/* One speed's set: returns how many descriptors it holds. */
static uint32_t speed_set(struct blob *b, int speed)
{
	static const uint16_t max_packet[] = { 64, 512, 1024 };

	interface_desc(b);
	endpoint_desc(b, 0x81, max_packet[speed]);
	if (speed == SPEED_SS)
		ss_companion_desc(b);
	endpoint_desc(b, 0x02, max_packet[speed]);
	if (speed == SPEED_SS)
		ss_companion_desc(b);
	return speed == SPEED_SS ? 5u : 3u;
}

size_t ffs_build_descriptors(uint8_t *buf, size_t cap)
{
	struct blob b = { buf, cap, 0, 0 };
	size_t counts;

	put32(&b, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	put32(&b, 0);  /* length, set below */
	put32(&b, FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC | FUNCTIONFS_HAS_SS_DESC);
	counts = b.len;
	put32(&b, 0);
	put32(&b, 0);
	put32(&b, 0);
	set32(&b, counts, speed_set(&b, SPEED_FS));
	set32(&b, counts + 4, speed_set(&b, SPEED_HS));
	set32(&b, counts + 8, speed_set(&b, SPEED_SS));
	set32(&b, 4, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}

size_t ffs_build_strings(uint8_t *buf, size_t cap, const char *interface_name)
{
	struct blob b = { buf, cap, 0, 0 };
	size_t n = strlen(interface_name);

	put32(&b, FUNCTIONFS_STRINGS_MAGIC);
	put32(&b, 0);  /* length, set below */
	put32(&b, 1);  /* str_count */
	put32(&b, 1);  /* lang_count */
	put16(&b, 0x0409);
	for (size_t i = 0; i <= n; i++)  /* with its NUL */
		put8(&b, (uint8_t)interface_name[i]);
	set32(&b, 4, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}
