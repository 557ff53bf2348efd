/* The vendor interface's descriptors (usbdesc.h): golden bytes written out
 * from the specifications, an independent walk of the BOS and of the
 * Microsoft OS 2.0 descriptor set (the way a host parses them: by bLength /
 * wLength and type), and the request router. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/doors.h"
#include "usbmsc/usbdesc.h"

#define URL "https://example.com/usbmsc"

static const struct usbmsc_usbdesc_config cfg = { 1, URL };
static const struct usbmsc_usbdesc_config cfg_nourl = { 1, NULL };

static uint8_t buf[1024];

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- golden bytes ------------------------------------------------------- */

/* "DeviceInterfaceGUIDs" and its NUL in UTF-16LE (42 bytes). */
#define NAME_UTF16                                                                      \
	'D', 0, 'e', 0, 'v', 0, 'i', 0, 'c', 0, 'e', 0, 'I', 0, 'n', 0, 't', 0, 'e', 0, \
	'r', 0, 'f', 0, 'a', 0, 'c', 0, 'e', 0, 'G', 0, 'U', 0, 'I', 0, 'D', 0, 's', 0, \
	0, 0
/* "{8C5E2D7A-4B1F-4E39-9A6C-2F0D5B7E1C43}", its NUL and the REG_MULTI_SZ
 * list's closing NUL in UTF-16LE (80 bytes). */
#define GUID_UTF16                                                                      \
	'{', 0, '8', 0, 'C', 0, '5', 0, 'E', 0, '2', 0, 'D', 0, '7', 0, 'A', 0, '-', 0, \
	'4', 0, 'B', 0, '1', 0, 'F', 0, '-', 0, '4', 0, 'E', 0, '3', 0, '9', 0, '-', 0, \
	'9', 0, 'A', 0, '6', 0, 'C', 0, '-', 0, '2', 0, 'F', 0, '0', 0, 'D', 0, '5', 0, \
	'B', 0, '7', 0, 'E', 0, '1', 0, 'C', 0, '4', 0, '3', 0, '}', 0, 0, 0, 0, 0

static const uint8_t gold_vnd_if[23] = {
	/* Interface (USB 2.0 table 9-12) */
	9,          /* bLength */
	0x04,       /* bDescriptorType: INTERFACE */
	1,          /* bInterfaceNumber */
	0,          /* bAlternateSetting */
	2,          /* bNumEndpoints */
	0xFF,       /* bInterfaceClass: vendor specific */
	0x4D,       /* bInterfaceSubClass: 'M' */
	0x56,       /* bInterfaceProtocol: 'V' */
	5,          /* iInterface */
	/* Endpoint (table 9-13) */
	7,          /* bLength */
	0x05,       /* bDescriptorType: ENDPOINT */
	0x82,       /* bEndpointAddress: IN 2 */
	0x02,       /* bmAttributes: bulk */
	0x00, 0x02, /* wMaxPacketSize: 512 */
	0,          /* bInterval */
	7, 0x05,
	0x02,       /* bEndpointAddress: OUT 2 */
	0x02, 0x00, 0x02, 0,
};

static const uint8_t gold_bos[64] = {
	/* BOS (USB 3.2 table 9-12) */
	5,          /* bLength */
	0x0F,       /* bDescriptorType: BOS */
	64, 0,      /* wTotalLength */
	3,          /* bNumDeviceCaps */
	/* USB 2.0 extension (LPM ECN table 9-16) */
	7,          /* bLength */
	0x10,       /* bDescriptorType: DEVICE CAPABILITY */
	0x02,       /* bDevCapabilityType: USB 2.0 EXTENSION */
	0, 0, 0, 0, /* bmAttributes: LPM 0 */
	/* WebUSB platform capability (WebUSB 3.2.1) */
	24,         /* bLength */
	0x10,       /* bDescriptorType */
	0x05,       /* bDevCapabilityType: PLATFORM */
	0,          /* bReserved */
	/* PlatformCapabilityUUID {3408b638-09a9-47a0-8bfd-a0768815b665} */
	0x38, 0xB6, 0x08, 0x34, 0xA9, 0x09, 0xA0, 0x47,
	0x8B, 0xFD, 0xA0, 0x76, 0x88, 0x15, 0xB6, 0x65,
	0x00, 0x01, /* bcdVersion 1.00 */
	0x21,       /* bVendorCode */
	1,          /* iLandingPage */
	/* Microsoft OS 2.0 platform capability (MS OS 2.0 tables 4, 5) */
	28,         /* bLength */
	0x10,       /* bDescriptorType */
	0x05,       /* bDevCapabilityType: PLATFORM */
	0,          /* bReserved */
	/* MS_OS_20_Platform_Capability_ID {D8DD60DF-4589-4CC7-9CD2-659D9E648A9F} */
	0xDF, 0x60, 0xDD, 0xD8, 0x89, 0x45, 0xC7, 0x4C,
	0x9C, 0xD2, 0x65, 0x9D, 0x9E, 0x64, 0x8A, 0x9F,
	0x00, 0x00, 0x03, 0x06, /* dwWindowsVersion: 0x06030000, Windows 8.1 */
	178, 0,     /* wMSOSDescriptorSetTotalLength */
	0x20,       /* bMS_VendorCode */
	0,          /* bAltEnumCode */
};

static const uint8_t gold_msos20[178] = {
	/* Descriptor set header (table 10) */
	10, 0,      /* wLength */
	0, 0,       /* wDescriptorType: MS_OS_20_SET_HEADER_DESCRIPTOR */
	0x00, 0x00, 0x03, 0x06, /* dwWindowsVersion */
	178, 0,     /* wTotalLength */
	/* Configuration subset header (table 11) */
	8, 0,       /* wLength */
	1, 0,       /* wDescriptorType: MS_OS_20_SUBSET_HEADER_CONFIGURATION */
	0,          /* bConfigurationValue (read as the index) */
	0,          /* bReserved */
	168, 0,     /* wTotalLength: 178 - 10 */
	/* Function subset header (table 12) */
	8, 0,       /* wLength */
	2, 0,       /* wDescriptorType: MS_OS_20_SUBSET_HEADER_FUNCTION */
	1,          /* bFirstInterface */
	0,          /* bReserved */
	160, 0,     /* wSubsetLength: 168 - 8 */
	/* Compatible ID (table 13) */
	20, 0,      /* wLength */
	3, 0,       /* wDescriptorType: MS_OS_20_FEATURE_COMPATBLE_ID */
	'W', 'I', 'N', 'U', 'S', 'B', 0, 0, /* CompatibleID */
	0, 0, 0, 0, 0, 0, 0, 0,             /* SubCompatibleID */
	/* Registry property (table 14) */
	132, 0,     /* wLength */
	4, 0,       /* wDescriptorType: MS_OS_20_FEATURE_REG_PROPERTY */
	7, 0,       /* wPropertyDataType: REG_MULTI_SZ */
	42, 0,      /* wPropertyNameLength */
	NAME_UTF16, /* PropertyName */
	80, 0,      /* wPropertyDataLength */
	GUID_UTF16, /* PropertyData */
};

static const uint8_t gold_url[21] = {
	21,         /* bLength */
	0x03,       /* bDescriptorType: WEBUSB_URL */
	1,          /* bScheme: https:// */
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', '/', 'u', 's', 'b', 'm', 's', 'c',
};

static const uint8_t gold_msos10_string[18] = {
	18,         /* bLength */
	0x03,       /* bDescriptorType: STRING */
	'M', 0, 'S', 0, 'F', 0, 'T', 0, '1', 0, '0', 0, '0', 0, /* qwSignature */
	0x20,       /* bMS_VendorCode */
	0,          /* bPad */
};

static const uint8_t gold_ext_compat[40] = {
	/* Header (Extended Compat ID OS Feature Descriptor Specification, table 2) */
	40, 0, 0, 0, /* dwLength */
	0x00, 0x01, /* bcdVersion 1.00 */
	4, 0,       /* wIndex: extended compat ID */
	1,          /* bCount */
	0, 0, 0, 0, 0, 0, 0, /* RESERVED */
	/* Function section (table 3) */
	1,          /* bFirstInterfaceNumber */
	0x01,       /* RESERVED: 1 */
	'W', 'I', 'N', 'U', 'S', 'B', 0, 0, /* compatibleID */
	0, 0, 0, 0, 0, 0, 0, 0,             /* subCompatibleID */
	0, 0, 0, 0, 0, 0,                   /* RESERVED */
};

static const uint8_t gold_ext_props[146] = {
	/* Header (Extended Properties OS Feature Descriptor Specification, table 2) */
	146, 0, 0, 0, /* dwLength */
	0x00, 0x01, /* bcdVersion 1.00 */
	5, 0,       /* wIndex: extended properties */
	1, 0,       /* wCount */
	/* Custom property section (table 3) */
	136, 0, 0, 0, /* dwSize */
	7, 0, 0, 0, /* dwPropertyDataType: REG_MULTI_SZ */
	42, 0,      /* wPropertyNameLength */
	NAME_UTF16, /* bPropertyName */
	80, 0, 0, 0, /* dwPropertyDataLength */
	GUID_UTF16, /* bPropertyData */
};

static void test_golden_vendor_interface(void **s)
{
	(void)s;
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x82, 0x02, 512, 5, buf, sizeof(buf)),
			 USBMSC_USBDESC_VND_IF_LEN);
	assert_memory_equal(buf, gold_vnd_if, sizeof(gold_vnd_if));
	/* Full speed, other endpoints, no string. */
	assert_int_equal(usbmsc_usbdesc_vendor_interface(3, 0x8F, 0x0F, 64, 0, buf, sizeof(buf)),
			 23);
	assert_int_equal(buf[2], 3);
	assert_int_equal(buf[8], 0);
	assert_int_equal(buf[11], 0x8F);
	assert_int_equal(le16(buf + 13), 64);
	assert_int_equal(buf[18], 0x0F);
	assert_int_equal(le16(buf + 20), 64);
}

static void test_vendor_interface_refuses_bad_endpoints(void **s)
{
	(void)s;
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x02, 0x02, 64, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x80, 0x02, 64, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x92, 0x02, 64, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x81, 0x81, 64, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x81, 0x00, 64, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x81, 0x12, 64, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x81, 0x01, 0, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x81, 0x01, 1025, 0, buf, 64), 0);
	assert_int_equal(usbmsc_usbdesc_vendor_interface(1, 0x81, 0x01, 1024, 0, buf, 64), 23);
}

static void test_golden_bos(void **s)
{
	(void)s;
	assert_int_equal(usbmsc_usbdesc_bos(&cfg, buf, sizeof(buf)), USBMSC_USBDESC_BOS_LEN);
	assert_memory_equal(buf, gold_bos, sizeof(gold_bos));
	/* No landing page: iLandingPage 0, nothing else changes. */
	assert_int_equal(usbmsc_usbdesc_bos(&cfg_nourl, buf, sizeof(buf)), 64);
	assert_int_equal(buf[35], 0);
	assert_memory_equal(buf, gold_bos, 35);
	assert_memory_equal(buf + 36, gold_bos + 36, 28);
}

static void test_golden_msos20_set(void **s)
{
	(void)s;
	struct usbmsc_usbdesc_config other = { 4, NULL };

	assert_int_equal(usbmsc_usbdesc_msos20_set(&cfg, buf, sizeof(buf)),
			 USBMSC_USBDESC_MSOS20_SET_LEN);
	assert_memory_equal(buf, gold_msos20, sizeof(gold_msos20));
	/* Another interface number: only bFirstInterface changes. */
	assert_int_equal(usbmsc_usbdesc_msos20_set(&other, buf, sizeof(buf)), 178);
	assert_int_equal(buf[22], 4);
	assert_memory_equal(buf, gold_msos20, 22);
	assert_memory_equal(buf + 23, gold_msos20 + 23, 178 - 23);
}

static void test_golden_msos10(void **s)
{
	(void)s;
	assert_int_equal(usbmsc_usbdesc_msos10_string(buf, sizeof(buf)),
			 USBMSC_USBDESC_MSOS10_STRING_LEN);
	assert_memory_equal(buf, gold_msos10_string, sizeof(gold_msos10_string));
	assert_int_equal(usbmsc_usbdesc_ext_compat(&cfg, buf, sizeof(buf)),
			 USBMSC_USBDESC_EXT_COMPAT_LEN);
	assert_memory_equal(buf, gold_ext_compat, sizeof(gold_ext_compat));
	assert_int_equal(usbmsc_usbdesc_ext_props(buf, sizeof(buf)), USBMSC_USBDESC_EXT_PROPS_LEN);
	assert_memory_equal(buf, gold_ext_props, sizeof(gold_ext_props));
}

static void test_webusb_url(void **s)
{
	(void)s;
	char url[300];

	assert_int_equal(usbmsc_usbdesc_webusb_url(URL, buf, sizeof(buf)), 21);
	assert_memory_equal(buf, gold_url, sizeof(gold_url));
	/* http://, in any case, is scheme 0. */
	assert_int_equal(usbmsc_usbdesc_webusb_url("HTTP://a.b/", buf, sizeof(buf)), 3 + 4);
	assert_memory_equal(buf, "\x07\x03\x00" "a.b/", 7);
	assert_int_equal(usbmsc_usbdesc_webusb_url("HttpS://x", buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "\x04\x03\x01x", 4);
	/* No known scheme: the whole text, scheme 255. */
	assert_int_equal(usbmsc_usbdesc_webusb_url("ftp://x", buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "\x0A\x03\xFF" "ftp://x", 10);
	/* "https:/" is not "https://". */
	assert_int_equal(usbmsc_usbdesc_webusb_url("https:/", buf, sizeof(buf)), 10);
	assert_int_equal(buf[2], 255);
	/* Nothing, a bare scheme, or too long for bLength. */
	assert_int_equal(usbmsc_usbdesc_webusb_url(NULL, buf, sizeof(buf)), 0);
	assert_int_equal(usbmsc_usbdesc_webusb_url("", buf, sizeof(buf)), 0);
	assert_int_equal(usbmsc_usbdesc_webusb_url("https://", buf, sizeof(buf)), 0);
	assert_int_equal(usbmsc_usbdesc_webusb_url("HTTP://", buf, sizeof(buf)), 0);
	memcpy(url, "https://", 8);
	memset(url + 8, 'a', 252);
	url[8 + 252] = '\0';
	assert_int_equal(usbmsc_usbdesc_webusb_url(url, buf, sizeof(buf)), 255);
	assert_int_equal(buf[0], 255);
	url[8 + 252] = 'a';
	url[8 + 253] = '\0';
	assert_int_equal(usbmsc_usbdesc_webusb_url(url, buf, sizeof(buf)), 0);
	/* A landing page that cannot be sent is no landing page. */
	{
		struct usbmsc_usbdesc_config c = { 0, url };

		assert_int_equal(usbmsc_usbdesc_bos(&c, buf, sizeof(buf)), 64);
		assert_int_equal(buf[35], 0);
	}
}

/* Every builder: exactly its length fits, one byte less does not, and it
 * never writes past what it was given. */
static void test_builders_respect_size(void **s)
{
	(void)s;
	struct {
		size_t len;
		int which;
	} cases[] = {
		{ 23, 0 }, { 64, 1 }, { 178, 2 }, { 21, 3 }, { 18, 4 }, { 40, 5 }, { 146, 6 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t size = 0; size <= cases[i].len; size++) {
			size_t n = 0;

			memset(buf, 0xA5, sizeof(buf));
			switch (cases[i].which) {
			case 0:
				n = usbmsc_usbdesc_vendor_interface(1, 0x81, 0x01, 64, 0, buf, size);
				break;
			case 1:
				n = usbmsc_usbdesc_bos(&cfg, buf, size);
				break;
			case 2:
				n = usbmsc_usbdesc_msos20_set(&cfg, buf, size);
				break;
			case 3:
				n = usbmsc_usbdesc_webusb_url(URL, buf, size);
				break;
			case 4:
				n = usbmsc_usbdesc_msos10_string(buf, size);
				break;
			case 5:
				n = usbmsc_usbdesc_ext_compat(&cfg, buf, size);
				break;
			default:
				n = usbmsc_usbdesc_ext_props(buf, size);
				break;
			}
			assert_int_equal(n, size == cases[i].len ? cases[i].len : 0);
			assert_int_equal(buf[size], 0xA5);
		}
	}
	/* A zero-size call may pass no buffer at all. */
	assert_int_equal(usbmsc_usbdesc_bos(&cfg, NULL, 0), 0);
}

/* ---- an independent parser, as a host walks these ------------------------ */

static const uint8_t webusb_uuid[16] = { 0x38, 0xB6, 0x08, 0x34, 0xA9, 0x09, 0xA0, 0x47,
					 0x8B, 0xFD, 0xA0, 0x76, 0x88, 0x15, 0xB6, 0x65 };
static const uint8_t msos20_uuid[16] = { 0xDF, 0x60, 0xDD, 0xD8, 0x89, 0x45, 0xC7, 0x4C,
					 0x9C, 0xD2, 0x65, 0x9D, 0x9E, 0x64, 0x8A, 0x9F };

struct bos_info {
	int caps;
	int usb20_ext, webusb, msos20;
	uint8_t webusb_code, landing;
	uint16_t set_len;
	uint8_t msos_code;
};

/* Walk the BOS by bLength and bDevCapabilityType, as libusb's
 * parse_bos and get_platform_descriptor do; false on any inconsistency. */
static bool walk_bos(const uint8_t *p, size_t n, struct bos_info *bi)
{
	size_t off;

	memset(bi, 0, sizeof(*bi));
	if (n < 5 || p[0] != 5 || p[1] != 0x0F || le16(p + 2) != n)
		return false;
	for (off = 5; off < n; off += p[off]) {
		const uint8_t *c = p + off;

		if (n - off < 3 || c[0] < 3 || c[0] > n - off || c[1] != 0x10)
			return false;
		bi->caps++;
		if (c[2] == 0x02) {
			if (c[0] != 7)
				return false;
			bi->usb20_ext++;
		} else if (c[2] == 0x05) {
			/* Platform: 20 bytes of header with the UUID, then data. */
			if (c[0] < 20 || c[3] != 0)
				return false;
			if (memcmp(c + 4, webusb_uuid, 16) == 0 && c[0] == 24 &&
			    le16(c + 20) == 0x0100) {
				bi->webusb++;
				bi->webusb_code = c[22];
				bi->landing = c[23];
			} else if (memcmp(c + 4, msos20_uuid, 16) == 0 && c[0] == 28 &&
				   le32(c + 20) >= 0x06030000u) {
				bi->msos20++;
				bi->set_len = le16(c + 24);
				bi->msos_code = c[26];
			}
		}
	}
	return off == n && bi->caps == p[4];
}

/* A UTF-16LE string of ASCII characters at p (n bytes, NUL included). */
static bool utf16_is(const uint8_t *p, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (n != 2 * (len + 1))
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (p[2 * i] != (uint8_t)s[i] || p[2 * i + 1] != 0)
			return false;
	}
	return true;
}

struct set_info {
	int configs, functions, compat_winusb, guid_props;
	uint8_t first_interface;
};

/* Walk the features of a function subset (wLength/wDescriptorType). */
static bool walk_features(const uint8_t *p, size_t n, struct set_info *si)
{
	size_t off = 0;

	while (off < n) {
		const uint8_t *d = p + off;
		uint16_t len;

		if (n - off < 4 || (len = le16(d)) < 4 || len > n - off)
			return false;
		if (le16(d + 2) == 3) {
			if (len != 20 || memcmp(d + 4, "WINUSB\0\0", 8) != 0)
				return false;
			si->compat_winusb++;
		} else if (le16(d + 2) == 4) {
			uint16_t name_len = le16(d + 6);
			uint16_t data_len;

			if (len < 10 || le16(d + 4) != 7 || 8u + name_len + 2u > len)
				return false;
			data_len = le16(d + 8 + name_len);
			if (10u + name_len + data_len != len ||
			    !utf16_is(d + 8, name_len, "DeviceInterfaceGUIDs"))
				return false;
			/* REG_MULTI_SZ: the GUID string, then the empty one. */
			if (data_len < 4 || d[len - 1] != 0 || d[len - 2] != 0 ||
			    !utf16_is(d + 10 + name_len, data_len - 2u, USBMSC_VND_IF_GUID))
				return false;
			si->guid_props++;
		} else {
			return false;
		}
		off += len;
	}
	return true;
}

static bool walk_msos20_set(const uint8_t *p, size_t n, struct set_info *si)
{
	size_t off;

	memset(si, 0, sizeof(*si));
	if (n < 10 || le16(p) != 10 || le16(p + 2) != 0 || le16(p + 8) != n ||
	    le32(p + 4) < 0x06030000u)
		return false;
	for (off = 10; off < n;) {
		const uint8_t *c = p + off;
		uint16_t total;
		size_t foff;

		/* Configuration subset: its wTotalLength covers its functions. */
		if (n - off < 8 || le16(c) != 8 || le16(c + 2) != 1)
			return false;
		total = le16(c + 6);
		if (total < 8 || total > n - off)
			return false;
		si->configs++;
		for (foff = 8; foff < total;) {
			const uint8_t *f = c + foff;
			uint16_t sub;

			if (total - foff < 8 || le16(f) != 8 || le16(f + 2) != 2)
				return false;
			sub = le16(f + 6);
			if (sub < 8 || sub > total - foff)
				return false;
			si->functions++;
			si->first_interface = f[4];
			if (!walk_features(f + 8, sub - 8u, si))
				return false;
			foff += sub;
		}
		off += total;
	}
	return off == n;
}

static void test_hosts_parse_bos_and_set(void **s)
{
	(void)s;
	uint8_t set[256];
	size_t bos_len = usbmsc_usbdesc_bos(&cfg, buf, sizeof(buf));
	size_t set_len = usbmsc_usbdesc_msos20_set(&cfg, set, sizeof(set));
	struct bos_info bi;
	struct set_info si;

	assert_true(walk_bos(buf, bos_len, &bi));
	assert_int_equal(bi.caps, 3);
	assert_int_equal(bi.usb20_ext, 1);
	assert_int_equal(bi.webusb, 1);
	assert_int_equal(bi.msos20, 1);
	assert_int_equal(bi.webusb_code, USBMSC_WEBUSB_VENDOR_CODE);
	assert_int_equal(bi.landing, 1);
	assert_int_equal(bi.msos_code, USBMSC_MSOS_VENDOR_CODE);
	/* The set the BOS announces is the set the vendor request returns. */
	assert_int_equal(bi.set_len, set_len);

	assert_true(walk_msos20_set(set, set_len, &si));
	assert_int_equal(si.configs, 1);
	assert_int_equal(si.functions, 1);
	assert_int_equal(si.first_interface, cfg.vnd_interface);
	assert_int_equal(si.compat_winusb, 1);
	assert_int_equal(si.guid_props, 1);

	/* The parser is not a rubber stamp: a wrong length anywhere fails it. */
	buf[2]++;
	assert_false(walk_bos(buf, bos_len, &bi));
	buf[2]--;
	buf[12]--; /* the WebUSB capability's bLength */
	assert_false(walk_bos(buf, bos_len, &bi));
	buf[12]++;
	set[24]++; /* the function subset's wSubsetLength */
	assert_false(walk_msos20_set(set, set_len, &si));
	set[24]--;
	set[52]++; /* the registry property's wPropertyDataType */
	assert_false(walk_msos20_set(set, set_len, &si));
	set[52]--;
	assert_true(walk_msos20_set(set, set_len, &si));
}

/* The MS OS 1.0 pair, walked the same way. */
static void test_hosts_parse_msos10(void **s)
{
	(void)s;
	size_t n = usbmsc_usbdesc_ext_compat(&cfg, buf, sizeof(buf));

	assert_int_equal(le32(buf), n);
	assert_int_equal(16u + 24u * buf[8], n);
	assert_int_equal(buf[16], cfg.vnd_interface);
	n = usbmsc_usbdesc_ext_props(buf, sizeof(buf));
	assert_int_equal(le32(buf), n);
	assert_int_equal(le16(buf + 8), 1);
	assert_int_equal(10u + le32(buf + 10), n);
	assert_int_equal(le32(buf + 10), 14u + le16(buf + 18) + le32(buf + 20 + le16(buf + 18)));
	assert_true(utf16_is(buf + 20, le16(buf + 18), "DeviceInterfaceGUIDs"));
}

/* ---- the request router ---------------------------------------------------- */

static int ask(const struct usbmsc_usbdesc_config *c, uint8_t type, uint8_t request,
	       uint16_t value, uint16_t index, uint16_t length, size_t size)
{
	const uint8_t setup[8] = { type, request, (uint8_t)value, (uint8_t)(value >> 8),
				   (uint8_t)index, (uint8_t)(index >> 8),
				   (uint8_t)length, (uint8_t)(length >> 8) };

	memset(buf, 0xA5, sizeof(buf));
	return usbmsc_usbdesc_request(c, setup, buf, size);
}

static void test_router_answers(void **s)
{
	(void)s;
	/* GET_DESCRIPTOR(BOS), as hosts ask: the header first, then all. */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0F00, 0, 5, 255), 5);
	assert_memory_equal(buf, gold_bos, 5);
	assert_int_equal(buf[5], 0xA5);
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0F00, 0, 64, 255), 64);
	assert_memory_equal(buf, gold_bos, 64);
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0F00, 0, 0xFFFF, 255), 64);
	/* MS OS 2.0 set. */
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0, 7, 178, 255), 178);
	assert_memory_equal(buf, gold_msos20, 178);
	/* WebUSB GET_URL of the landing page. */
	assert_int_equal(ask(&cfg, 0xC0, 0x21, 1, 2, 255, 255), 21);
	assert_memory_equal(buf, gold_url, 21);
	/* MS OS 1.0: the string (Windows asks with language 0), the
	 * extended compat ID header then all of it, the properties. */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x03EE, 0, 18, 255), 18);
	assert_memory_equal(buf, gold_msos10_string, 18);
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x03EE, 0x0409, 255, 255), 18);
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0, 4, 16, 255), 16);
	assert_memory_equal(buf, gold_ext_compat, 16);
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0, 4, 40, 255), 40);
	assert_memory_equal(buf, gold_ext_compat, 40);
	assert_int_equal(ask(&cfg, 0xC1, 0x20, 1, 5, 146, 255), 146);
	assert_memory_equal(buf, gold_ext_props, 146);
	/* Interface in the high byte, as the specification words it, and the
	 * device recipient some Windows versions use. */
	assert_int_equal(ask(&cfg, 0xC1, 0x20, 0x0100, 5, 10, 255), 10);
	assert_memory_equal(buf, gold_ext_props, 10);
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 1, 5, 146, 255), 146);
	/* A reply buffer smaller than the descriptor suffices for a short read. */
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0, 7, 10, 10), 10);
	assert_memory_equal(buf, gold_msos20, 10);
	assert_int_equal(buf[10], 0xA5);
	/* wLength 0: nothing to send, still ours. */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0F00, 0, 0, 255), 0);
}

static void test_router_refuses(void **s)
{
	(void)s;
	/* Other descriptors: the firmware's own. */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0100, 0, 18, 255), -1); /* device */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0200, 0, 255, 255), -1); /* configuration */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0301, 0x0409, 255, 255), -1); /* string 1 */
	assert_int_equal(ask(&cfg, 0x80, 0x06, 0x0F01, 0, 64, 255), -1); /* BOS index 1 */
	assert_int_equal(ask(&cfg, 0x81, 0x06, 0x0F00, 0, 64, 255), -1); /* to an interface */
	assert_int_equal(ask(&cfg, 0x00, 0x09, 1, 0, 0, 255), -1); /* SET_CONFIGURATION */
	/* MS OS 2.0: device recipient, its code, wIndex 7 only. */
	assert_int_equal(ask(&cfg, 0xC1, 0x20, 0, 7, 178, 255), -1);
	assert_int_equal(ask(&cfg, 0xC0, 0x21, 0, 7, 178, 255), -1);
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0, 8, 0, 255), -1); /* SET_ALT_ENUMERATION */
	assert_int_equal(ask(&cfg, 0x40, 0x20, 0, 7, 0, 255), -1);
	/* WebUSB: no landing page, another URL index, another code. */
	assert_int_equal(ask(&cfg_nourl, 0xC0, 0x21, 1, 2, 255, 255), -1);
	assert_int_equal(ask(&cfg, 0xC0, 0x21, 2, 2, 255, 255), -1);
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 1, 2, 255, 255), -1);
	assert_int_equal(ask(&cfg, 0xC0, 0x21, 1, 1, 255, 255), -1);
	/* MS OS 1.0: page 1, another interface, the class-type codes. */
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0x0100, 4, 40, 255), -1);
	assert_int_equal(ask(&cfg, 0xC1, 0x20, 0, 5, 146, 255), -1);
	assert_int_equal(ask(&cfg, 0xC1, 0x20, 0x0101, 5, 146, 255), -1);
	assert_int_equal(ask(&cfg, 0xC1, 0x21, 1, 5, 146, 255), -1);
	assert_int_equal(ask(&cfg, 0xA1, 0x20, 1, 5, 146, 255), -1);
	/* Too small a reply buffer for what the host asked for. */
	assert_int_equal(ask(&cfg, 0xC0, 0x20, 0, 7, 178, 177), -1);
	assert_int_equal(buf[177], 0xA5);
	/* The refused ones wrote nothing. */
	assert_int_equal(buf[0], 0xA5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_vendor_interface),
		cmocka_unit_test(test_vendor_interface_refuses_bad_endpoints),
		cmocka_unit_test(test_golden_bos),
		cmocka_unit_test(test_golden_msos20_set),
		cmocka_unit_test(test_golden_msos10),
		cmocka_unit_test(test_webusb_url),
		cmocka_unit_test(test_builders_respect_size),
		cmocka_unit_test(test_hosts_parse_bos_and_set),
		cmocka_unit_test(test_hosts_parse_msos10),
		cmocka_unit_test(test_router_answers),
		cmocka_unit_test(test_router_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
