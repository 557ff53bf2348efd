/* Firmware image header: encode, parse and check, and the device fit test.
 * Pure and freestanding (string.h only): the target's firmware engine
 * parses images with this same code.
 *
 * The encoding is canonical: a header that parses re-encodes to the same
 * 256 bytes, so there is exactly one byte string for every header the host
 * can sign, and nothing unchecked rides along under the signature. */
#include "usbmsc/fwimage.h"

#include <string.h>

#define OFF_MAGIC 0u
#define OFF_FORMAT 4u
#define OFF_HEADER_LEN 6u
#define OFF_FLAGS 8u
#define OFF_VID 12u
#define OFF_PID 14u
#define OFF_VENDOR 16u
#define OFF_PRODUCT 24u
#define OFF_HW_MIN 40u
#define OFF_HW_MAX 42u
#define OFF_VERSION 44u
#define OFF_VERSION_NUMBER 48u
#define OFF_PAYLOAD_LEN 52u
#define OFF_SHA256 56u
#define OFF_RESERVED 88u

#define VENDOR_LEN 8u
#define PRODUCT_LEN 16u
#define VERSION_LEN 4u

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* INQUIRY's ASCII fields allow 0x20..0x7E. */
static bool printable(uint8_t c)
{
	return c >= 0x20 && c <= 0x7E;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Length of s without its trailing spaces. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return n;
}

/* A vendor or product field: all zero ("any"), or printable ASCII with at
 * least one character that is not a space. out gets it trimmed. */
static bool parse_identity(const uint8_t *p, size_t n, char *out)
{
	size_t len;

	out[0] = '\0';
	if (all_zero(p, n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!printable(p[i]))
			return false;
	len = trimmed_len((const char *)p, n);
	if (len == 0)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

/* The version: 1..4 characters from '!' to '~', then spaces. Spaces inside
 * would not survive the trimming, so they are not allowed. */
static bool parse_version(const uint8_t *p, char *out)
{
	size_t n = 0;

	while (n < VERSION_LEN && p[n] > 0x20 && p[n] <= 0x7E)
		n++;
	if (n == 0)
		return false;
	for (size_t i = n; i < VERSION_LEN; i++)
		if (p[i] != ' ')
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

enum usbmsc_fw_check usbmsc_fw_header_parse(const uint8_t *buf, size_t len,
					    struct usbmsc_fw_header *out)
{
	struct usbmsc_fw_header h;

	if (buf == NULL || len < USBMSC_FW_HEADER_LEN)
		return USBMSC_FWCHK_SHORT;
	if (memcmp(buf + OFF_MAGIC, USBMSC_FW_MAGIC, 4) != 0)
		return USBMSC_FWCHK_MAGIC;
	memset(&h, 0, sizeof h);
	h.format = get_le16(buf + OFF_FORMAT);
	if (h.format != USBMSC_FW_FORMAT)
		return USBMSC_FWCHK_FORMAT;
	h.header_len = get_le16(buf + OFF_HEADER_LEN);
	if (h.header_len != USBMSC_FW_HEADER_LEN)
		return USBMSC_FWCHK_HEADER_LEN;
	h.flags = get_le32(buf + OFF_FLAGS);
	if (h.flags != 0)
		return USBMSC_FWCHK_FLAGS;
	if (!all_zero(buf + OFF_RESERVED, USBMSC_FW_SIGNED_LEN - OFF_RESERVED))
		return USBMSC_FWCHK_RESERVED;
	if (!parse_version(buf + OFF_VERSION, h.version))
		return USBMSC_FWCHK_VERSION;
	h.hw_rev_min = get_le16(buf + OFF_HW_MIN);
	h.hw_rev_max = get_le16(buf + OFF_HW_MAX);
	if (h.hw_rev_min > h.hw_rev_max)
		return USBMSC_FWCHK_HW_RANGE;
	if (!parse_identity(buf + OFF_VENDOR, VENDOR_LEN, h.vendor) ||
	    !parse_identity(buf + OFF_PRODUCT, PRODUCT_LEN, h.product))
		return USBMSC_FWCHK_IDENTITY;
	h.vid = get_le16(buf + OFF_VID);
	h.pid = get_le16(buf + OFF_PID);
	h.version_number = get_le32(buf + OFF_VERSION_NUMBER);
	h.payload_len = get_le32(buf + OFF_PAYLOAD_LEN);
	memcpy(h.sha256, buf + OFF_SHA256, USBMSC_FW_SHA256_LEN);
	memcpy(h.signature, buf + USBMSC_FW_SIG_OFFSET, USBMSC_FW_SIG_LEN);
	if (out)
		*out = h;
	return USBMSC_FWCHK_OK;
}

/* A vendor or product string into its space-padded field; "" is all zero
 * ("any"). Trailing spaces are dropped first, so a string copied from an
 * INQUIRY field works; one that is only spaces, too long or not printable
 * is refused. */
static bool encode_identity(const char *s, size_t room, uint8_t *p)
{
	size_t n = strlen(s);

	memset(p, 0, room);
	if (n == 0)
		return true;
	n = trimmed_len(s, n);
	if (n == 0 || n > room)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!printable((uint8_t)s[i]))
			return false;
	memset(p, ' ', room);
	memcpy(p, s, n);
	return true;
}

static bool encode_version(const char *s, uint8_t *p)
{
	size_t n = strlen(s);

	if (n < 1 || n > VERSION_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] <= 0x20 || (uint8_t)s[i] > 0x7E)
			return false;
	memset(p, ' ', VERSION_LEN);
	memcpy(p, s, n);
	return true;
}

bool usbmsc_fw_header_encode(const struct usbmsc_fw_header *h, uint8_t out[USBMSC_FW_HEADER_LEN])
{
	/* The string fields are NUL-terminated within their arrays. */
	if (memchr(h->vendor, '\0', sizeof h->vendor) == NULL ||
	    memchr(h->product, '\0', sizeof h->product) == NULL ||
	    memchr(h->version, '\0', sizeof h->version) == NULL)
		return false;
	/* Only headers that parse back may be written. */
	if (h->flags != 0 || h->hw_rev_min > h->hw_rev_max)
		return false;
	memset(out, 0, USBMSC_FW_HEADER_LEN);
	if (!encode_identity(h->vendor, VENDOR_LEN, out + OFF_VENDOR) ||
	    !encode_identity(h->product, PRODUCT_LEN, out + OFF_PRODUCT) ||
	    !encode_version(h->version, out + OFF_VERSION)) {
		memset(out, 0, USBMSC_FW_HEADER_LEN);
		return false;
	}
	memcpy(out + OFF_MAGIC, USBMSC_FW_MAGIC, 4);
	/* Format and header length are this code's, whatever h says. */
	put_le16(out + OFF_FORMAT, USBMSC_FW_FORMAT);
	put_le16(out + OFF_HEADER_LEN, USBMSC_FW_HEADER_LEN);
	put_le32(out + OFF_FLAGS, 0);
	put_le16(out + OFF_VID, h->vid);
	put_le16(out + OFF_PID, h->pid);
	put_le16(out + OFF_HW_MIN, h->hw_rev_min);
	put_le16(out + OFF_HW_MAX, h->hw_rev_max);
	put_le32(out + OFF_VERSION_NUMBER, h->version_number);
	put_le32(out + OFF_PAYLOAD_LEN, h->payload_len);
	memcpy(out + OFF_SHA256, h->sha256, USBMSC_FW_SHA256_LEN);
	memcpy(out + USBMSC_FW_SIG_OFFSET, h->signature, USBMSC_FW_SIG_LEN);
	return true;
}

/* want "" fits anything; otherwise the device's string, trailing spaces
 * ignored (INQUIRY pads its fields), must equal it exactly. */
static bool identity_fits(const char *want, const char *have)
{
	size_t n;

	if (want[0] == '\0')
		return true;
	if (have == NULL)
		return false;
	n = trimmed_len(have, strlen(have));
	return n == strlen(want) && memcmp(want, have, n) == 0;
}

enum usbmsc_fw_fit usbmsc_fw_fits(const struct usbmsc_fw_header *h,
				  const struct usbmsc_fw_identity *id)
{
	if ((h->vid != 0 && h->vid != id->vid) || (h->pid != 0 && h->pid != id->pid))
		return USBMSC_FWFIT_VID_PID;
	if (!identity_fits(h->vendor, id->vendor))
		return USBMSC_FWFIT_VENDOR;
	if (!identity_fits(h->product, id->product))
		return USBMSC_FWFIT_PRODUCT;
	/* 0..0xFFFF, the "any" range, holds every revision. */
	if (id->hw_rev < h->hw_rev_min || id->hw_rev > h->hw_rev_max)
		return USBMSC_FWFIT_HW_REV;
	return USBMSC_FWFIT_OK;
}

const char *usbmsc_fw_check_text(enum usbmsc_fw_check check)
{
	switch (check) {
	case USBMSC_FWCHK_OK: return "header good";
	case USBMSC_FWCHK_SHORT: return "shorter than the 256-byte header";
	case USBMSC_FWCHK_MAGIC: return "bad magic (not \"UMFW\"): not a firmware image";
	case USBMSC_FWCHK_FORMAT: return "unknown format version (this code reads version 1)";
	case USBMSC_FWCHK_HEADER_LEN: return "header length is not 256";
	case USBMSC_FWCHK_FLAGS: return "unknown flag bits set";
	case USBMSC_FWCHK_RESERVED: return "reserved header bytes are not zero";
	case USBMSC_FWCHK_VERSION: return "version string is not 1 to 4 printable characters";
	case USBMSC_FWCHK_HW_RANGE: return "lowest hardware revision is above the highest";
	case USBMSC_FWCHK_IDENTITY: return "vendor or product field is not space-padded printable ASCII";
	}
	return "unknown header check";
}

const char *usbmsc_fw_fit_text(enum usbmsc_fw_fit fit)
{
	switch (fit) {
	case USBMSC_FWFIT_OK: return "fits this device";
	case USBMSC_FWFIT_VID_PID: return "made for another USB VID:PID";
	case USBMSC_FWFIT_VENDOR: return "made for another INQUIRY vendor";
	case USBMSC_FWFIT_PRODUCT: return "made for another INQUIRY product";
	case USBMSC_FWFIT_HW_REV: return "made for other hardware revisions";
	}
	return "unknown fit check";
}
