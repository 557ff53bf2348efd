/* FunctionFS descriptor and string blobs, built byte by byte in
 * little-endian order so that the layout does not depend on the compiler's
 * struct packing. */
#include "ffs_desc.h"

#include <string.h>

#include <linux/usb/functionfs.h>

#include "usbmsc/doors.h"

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

static void put_bytes(struct blob *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(b, (uint8_t)s[i]);
}

/* bInterfaceNumber is the function's own numbering: FunctionFS counts the
 * interfaces by it and maps each to the number the configuration gives. */
static void interface_desc(struct blob *b, unsigned door)
{
	put8(b, 9);      /* bLength */
	put8(b, 4);      /* INTERFACE */
	put8(b, (uint8_t)door);
	put8(b, 0);      /* bAlternateSetting */
	put8(b, 2);      /* bNumEndpoints */
	if (door == FFS_DOOR_MSC) {
		put8(b, 0x08);   /* mass storage */
		put8(b, 0x06);   /* SCSI transparent command set */
		put8(b, 0x50);   /* Bulk-Only Transport */
	} else {
		put8(b, USBMSC_VND_IF_CLASS);
		put8(b, USBMSC_VND_IF_SUBCLASS);
		put8(b, USBMSC_VND_IF_PROTOCOL);
	}
	put8(b, (uint8_t)(door + 1));  /* iInterface: the strings blob's string door+1 */
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

/* One interface with its bulk pair at one speed: returns how many
 * descriptors it wrote. */
static uint32_t door_set(struct blob *b, unsigned door, int speed)
{
	static const uint16_t max_packet[] = { 64, 512, 1024 };

	interface_desc(b, door);
	for (unsigned out = 0; out < 2; out++) {
		endpoint_desc(b, FFS_EP_ADDRESS(door, out), max_packet[speed]);
		if (speed == SPEED_SS)
			ss_companion_desc(b);
	}
	return speed == SPEED_SS ? 5u : 3u;
}

static uint32_t speed_set(struct blob *b, int speed, unsigned doors)
{
	uint32_t n = 0;

	for (unsigned door = 0; door < doors; door++)
		n += door_set(b, door, speed);
	return n;
}

/* The FunctionFS header of an OS descriptor (struct usb_os_desc_header):
 * interface, dwLength, bcdVersion, wIndex (4: extended compat ID, 5:
 * extended properties), and the count of what follows (bCount with a zero
 * reserved byte for 4, wCount for 5: the same two bytes). bcdVersion is 1,
 * not 0x0100: Linux 6.1's f_fs refuses anything else, later kernels take
 * 1 too (with a warning); the host gets 1.00 from the composite layer
 * whatever is written here. */
static void os_desc_header(struct blob *b, unsigned interface, uint32_t length, uint16_t index,
			   uint16_t count)
{
	put8(b, (uint8_t)interface);
	put32(b, length);
	put16(b, FFS_MSOS_BCD_VERSION);
	put16(b, index);
	put16(b, count);
}

#define OS_HEADER_LEN 11u
#define EXT_COMPAT_LEN 24u

/* Extended compat ID: the vendor interface is "WINUSB". */
static void ext_compat(struct blob *b)
{
	static const char id[16] = FFS_MSOS_COMPAT_ID;  /* with SubCompatibleID, zero-filled */

	os_desc_header(b, FFS_DOOR_VENDOR, OS_HEADER_LEN + EXT_COMPAT_LEN, 4, 1);
	put8(b, FFS_DOOR_VENDOR);  /* bFirstInterfaceNumber */
	put8(b, 1);                /* reserved, 1 by the specification */
	put_bytes(b, id, sizeof(id));
	for (int i = 0; i < 6; i++)
		put8(b, 0);
}

/* Extended property: the device interface GUID, as REG_SZ (ffs_desc.h).
 * FunctionFS takes the name and the value in 8-bit characters with their
 * NUL and sends them to the host in UTF-16LE, twice as long. */
static void ext_prop(struct blob *b)
{
	uint16_t name_len = (uint16_t)sizeof(FFS_MSOS_PROP_NAME);
	uint32_t data_len = (uint32_t)sizeof(USBMSC_VND_IF_GUID);
	uint32_t size = 14u + name_len + data_len;

	os_desc_header(b, FFS_DOOR_VENDOR, OS_HEADER_LEN + size, 5, 1);
	put32(b, size);                  /* dwSize */
	put32(b, FFS_MSOS_PROP_REG_SZ);  /* dwPropertyDataType */
	put16(b, name_len);              /* wPropertyNameLength */
	put_bytes(b, FFS_MSOS_PROP_NAME, name_len);
	put32(b, data_len);              /* dwPropertyDataLength */
	put_bytes(b, USBMSC_VND_IF_GUID, data_len);
}

size_t ffs_build_descriptors(uint8_t *buf, size_t cap, bool vendor_if)
{
	struct blob b = { buf, cap, 0, 0 };
	unsigned doors = vendor_if ? 2u : 1u;
	uint32_t flags = FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC | FUNCTIONFS_HAS_SS_DESC;
	size_t counts;

	if (vendor_if)
		flags |= FUNCTIONFS_HAS_MS_OS_DESC;
	put32(&b, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	put32(&b, 0);  /* length, set below */
	put32(&b, flags);
	counts = b.len;
	put32(&b, 0);  /* fs_count, hs_count, ss_count, set below */
	put32(&b, 0);
	put32(&b, 0);
	if (vendor_if)
		put32(&b, 2);  /* os_count: the compat ID and the property */
	set32(&b, counts, speed_set(&b, SPEED_FS, doors));
	set32(&b, counts + 4, speed_set(&b, SPEED_HS, doors));
	set32(&b, counts + 8, speed_set(&b, SPEED_SS, doors));
	if (vendor_if) {
		ext_compat(&b);
		ext_prop(&b);
	}
	set32(&b, 4, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}

size_t ffs_build_strings(uint8_t *buf, size_t cap, bool vendor_if)
{
	static const char *const names[FFS_DOORS] = { FFS_INTERFACE_NAME, USBMSC_VND_IF_STRING };
	struct blob b = { buf, cap, 0, 0 };
	unsigned count = vendor_if ? 2u : 1u;

	put32(&b, FUNCTIONFS_STRINGS_MAGIC);
	put32(&b, 0);  /* length, set below */
	put32(&b, count);  /* str_count */
	put32(&b, 1);      /* lang_count */
	put16(&b, 0x0409);
	for (unsigned i = 0; i < count; i++)
		put_bytes(&b, names[i], strlen(names[i]) + 1);  /* with its NUL */
	set32(&b, 4, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}
