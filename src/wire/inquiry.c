/* Standard INQUIRY data, READ CAPACITY data and peripheral device types. */
#include "usbmsc/scsi.h"

#include "usbmsc/byteorder.h"
#include "wire_text.h"

#include <string.h>

#define INQUIRY_MIN_LEN 36u

bool usbmsc_inquiry_parse(const uint8_t *buf, size_t len, struct usbmsc_inquiry *out)
{
	if (!out)
		return false;
	memset(out, 0, sizeof(*out));
	/* The ADDITIONAL LENGTH (byte 4) is not trusted: many USB devices
	 * report a wrong one while the 36 bytes themselves are fine. */
	if (!buf || len < INQUIRY_MIN_LEN)
		return false;
	out->qualifier = buf[0] >> 5;
	out->device_type = buf[0] & 0x1F;
	out->removable = (buf[1] & 0x80) != 0;
	out->version = buf[2];
	out->response_format = buf[3] & 0x0F;
	wire_ascii_field(out->vendor, sizeof(out->vendor), buf + 8, 8, false);
	wire_ascii_field(out->product, sizeof(out->product), buf + 16, 16, false);
	wire_ascii_field(out->revision, sizeof(out->revision), buf + 32, 4, false);
	return true;
}

bool usbmsc_read_capacity10_parse(const uint8_t *buf, size_t len, uint32_t *last_lba,
				  uint32_t *block_size)
{
	if (!buf || len < 8)
		return false;
	/* 0xFFFFFFFF means "too big for READ CAPACITY(10), ask (16)"; passed
	 * through for the caller to act on. */
	if (last_lba)
		*last_lba = usbmsc_get_be32(buf);
	if (block_size)
		*block_size = usbmsc_get_be32(buf + 4);
	return true;
}

bool usbmsc_read_capacity16_parse(const uint8_t *buf, size_t len, uint64_t *last_lba,
				  uint32_t *block_size)
{
	if (!buf || len < 12)
		return false;
	if (last_lba)
		*last_lba = usbmsc_get_be64(buf);
	if (block_size)
		*block_size = usbmsc_get_be32(buf + 8);
	return true;
}

const char *usbmsc_device_type_name(uint8_t type)
{
	/* SPC-5 table "Peripheral device type"; 0x0A/0x0B were graphic arts
	 * pre-press devices, now obsolete. */
	static const char *const names[0x20] = {
		[0x00] = "disk",
		[0x01] = "tape",
		[0x02] = "printer",
		[0x03] = "processor",
		[0x04] = "write-once",
		[0x05] = "cd/dvd",
		[0x06] = "scanner",
		[0x07] = "optical memory",
		[0x08] = "media changer",
		[0x09] = "communications",
		[0x0A] = "obsolete (0x0a)",
		[0x0B] = "obsolete (0x0b)",
		[0x0C] = "storage array",
		[0x0D] = "enclosure",
		[0x0E] = "rbc",
		[0x0F] = "optical card",
		[0x10] = "bridge",
		[0x11] = "object storage",
		[0x12] = "automation/drive interface",
		[0x13] = "security manager",
		[0x14] = "zoned block",
		[0x1E] = "well known lu",
		[0x1F] = "unknown",
	};

	if (type >= 0x20 || !names[type])
		return "reserved";
	return names[type];
}
