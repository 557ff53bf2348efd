/* The vendor interface's USB descriptors and the operating systems'
 * descriptor queries (usbdesc.h). Sources of the layouts: USB 2.0 9.6
 * (interface, endpoint), USB 3.2 9.6.2 (BOS, device capabilities), the
 * USB 2.0 LPM ECN (USB 2.0 extension), the WebUSB specification (platform
 * capability, URL descriptor, GET_URL), Microsoft's "Microsoft OS 2.0
 * Descriptors Specification" and its OS 1.0 "Extended Compat ID" and
 * "Extended Properties" OS feature descriptor specifications.
 *
 * Every builder writes through a cursor that counts all bytes but stores
 * only those that fit, so one code path both sizes and writes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/doors.h"
#include "usbmsc/usbdesc.h"

/* Descriptor types and request codes. */
#define DT_STRING 0x03u
#define DT_INTERFACE 0x04u
#define DT_ENDPOINT 0x05u
#define DT_BOS 0x0Fu
#define DT_DEVICE_CAPABILITY 0x10u
#define CAP_USB20_EXTENSION 0x02u
#define CAP_PLATFORM 0x05u
#define REQ_GET_DESCRIPTOR 0x06u
#define RT_STD_DEVICE_IN 0x80u
#define RT_VENDOR_DEVICE_IN 0xC0u
#define RT_VENDOR_INTERFACE_IN 0xC1u

/* WebUSB. */
#define WEBUSB_DT_URL 0x03u
#define WEBUSB_GET_URL 0x02u
#define WEBUSB_LANDING_PAGE 1u
#define WEBUSB_URL_HEADER 3u

/* Microsoft OS 2.0. */
#define MSOS20_DESCRIPTOR_INDEX 0x07u
#define MSOS20_SET_HEADER 0x00u
#define MSOS20_SUBSET_CONFIGURATION 0x01u
#define MSOS20_SUBSET_FUNCTION 0x02u
#define MSOS20_FEATURE_COMPATIBLE_ID 0x03u
#define MSOS20_FEATURE_REG_PROPERTY 0x04u
#define MSOS_WINDOWS_8_1 0x06030000u
#define REG_MULTI_SZ 7u

/* Microsoft OS 1.0. */
#define MSOS10_EXT_COMPAT_INDEX 0x04u
#define MSOS10_EXT_PROPS_INDEX 0x05u

/* Lengths of the pieces (they add up to the totals of usbdesc.h). */
#define BOS_HEADER_LEN 5u
#define USB20_EXT_LEN 7u
#define WEBUSB_CAP_LEN 24u
#define MSOS20_CAP_LEN 28u
#define SET_HEADER_LEN 10u
#define CONFIG_SUBSET_LEN 8u
#define FUNCTION_SUBSET_LEN 8u
#define COMPAT_ID_LEN 20u
#define PROP_NAME "DeviceInterfaceGUIDs"
#define PROP_NAME_LEN (2u * sizeof(PROP_NAME))          /* UTF-16LE with its NUL: 42 */
#define PROP_DATA_LEN (2u * (sizeof(USBMSC_VND_IF_GUID) + 1u)) /* and a second NUL: 80 */
#define REG_PROPERTY_LEN (10u + PROP_NAME_LEN + PROP_DATA_LEN)  /* 132 */
#define EXT_PROP_SECTION_LEN (14u + PROP_NAME_LEN + PROP_DATA_LEN) /* 136 */

_Static_assert(sizeof(USBMSC_VND_IF_GUID) == 39, "the GUID is {8-4-4-4-12}");
_Static_assert(BOS_HEADER_LEN + USB20_EXT_LEN + WEBUSB_CAP_LEN + MSOS20_CAP_LEN ==
		       USBMSC_USBDESC_BOS_LEN, "BOS length");
_Static_assert(SET_HEADER_LEN + CONFIG_SUBSET_LEN + FUNCTION_SUBSET_LEN + COMPAT_ID_LEN +
		       REG_PROPERTY_LEN == USBMSC_USBDESC_MSOS20_SET_LEN, "MS OS 2.0 set length");
_Static_assert(10u + EXT_PROP_SECTION_LEN == USBMSC_USBDESC_EXT_PROPS_LEN,
	       "extended properties length");
/* The templates write every length as one byte and a zero. */
_Static_assert(USBMSC_USBDESC_MSOS20_SET_LEN < 256 && USBMSC_USBDESC_EXT_PROPS_LEN < 256,
	       "lengths below 256");

struct out {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

static void put8(struct out *o, uint32_t v)
{
	if (o->len < o->cap)
		o->buf[o->len] = (uint8_t)v;
	o->len++;
}

static void put16(struct out *o, uint32_t v)
{
	put8(o, v);
	put8(o, v >> 8);
}

static void put_bytes(struct out *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(o, p[i]);
}

/* ASCII text as UTF-16LE, then nuls NUL characters. */
static void put_utf16(struct out *o, const char *s, uint32_t nuls)
{
	while (*s)
		put16(o, (uint8_t)*s++);
	while (nuls--)
		put16(o, 0);
}

static size_t finish(const struct out *o)
{
	return o->len <= o->cap ? o->len : 0;
}

/* ---- WebUSB URL ----------------------------------------------------------- */

/* s starts with the lower-case prefix p, in any case. */
static bool has_prefix(const char *s, const char *p)
{
	for (; *p; s++, p++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *p)
			return false;
	}
	return true;
}

/* Split a URL into its bScheme and the rest; false when there is none, it
 * is a bare scheme, or it does not fit one descriptor. */
static bool url_split(const char *url, uint8_t *scheme, const char **rest, size_t *n)
{
	size_t skip = 0;
	size_t max = USBMSC_USBDESC_URL_MAX - WEBUSB_URL_HEADER;
	size_t len = 0;

	if (url == NULL || *url == '\0')
		return false;
	*scheme = 255; /* the whole URL is in the descriptor */
	if (has_prefix(url, "https://")) {
		*scheme = 1;
		skip = 8;
	} else if (has_prefix(url, "http://")) {
		*scheme = 0;
		skip = 7;
	}
	while (len <= max && url[skip + len] != '\0')
		len++;
	/* "https://" alone names no page. */
	if (len == 0 || len > max)
		return false;
	*rest = url + skip;
	*n = len;
	return true;
}

static bool url_ok(const char *url)
{
	uint8_t scheme;
	const char *rest;
	size_t n;

	return url_split(url, &scheme, &rest, &n);
}

static void emit_url(struct out *o, const char *url)
{
	uint8_t scheme;
	const char *rest;
	size_t n;

	if (!url_split(url, &scheme, &rest, &n))
		return;
	put8(o, (uint32_t)(WEBUSB_URL_HEADER + n)); /* bLength */
	put8(o, WEBUSB_DT_URL);          /* bDescriptorType */
	put8(o, scheme);                 /* bScheme */
	put_bytes(o, (const uint8_t *)rest, n);
}

/* ---- the builders ---------------------------------------------------------- */
/* Each descriptor is a constant template with the few variable bytes put
 * between its pieces: far smaller on a Cortex-M0+ than code that stores
 * byte by byte, and each byte stays next to the field it is. */

size_t usbmsc_usbdesc_vendor_interface(uint8_t interface, uint8_t ep_in, uint8_t ep_out,
				       uint16_t max_packet, uint8_t string_index, uint8_t *buf,
				       size_t size)
{
	uint8_t d[USBMSC_USBDESC_VND_IF_LEN] = {
		/* Interface (USB 2.0 table 9-12) */
		9,                      /* bLength */
		DT_INTERFACE,           /* bDescriptorType */
		0,                      /* bInterfaceNumber: below */
		0,                      /* bAlternateSetting */
		2,                      /* bNumEndpoints */
		USBMSC_VND_IF_CLASS,    /* bInterfaceClass */
		USBMSC_VND_IF_SUBCLASS, /* bInterfaceSubClass */
		USBMSC_VND_IF_PROTOCOL, /* bInterfaceProtocol */
		0,                      /* iInterface: below */
		/* Bulk-In, then Bulk-Out (table 9-13) */
		7,                      /* bLength */
		DT_ENDPOINT,            /* bDescriptorType */
		0,                      /* bEndpointAddress: below */
		0x02,                   /* bmAttributes: bulk */
		0, 0,                   /* wMaxPacketSize: below */
		0,                      /* bInterval: no NAK throttling */
		7, DT_ENDPOINT, 0, 0x02, 0, 0, 0,
	};
	struct out o = { buf, size, 0 };

	if ((ep_in & 0x70u) != 0 || !(ep_in & 0x80u) || (ep_in & 0x0Fu) == 0 ||
	    (ep_out & 0xF0u) != 0 || (ep_out & 0x0Fu) == 0 || max_packet == 0 ||
	    max_packet > 1024)
		return 0;
	d[2] = interface;
	d[8] = string_index;
	d[11] = ep_in;
	d[18] = ep_out;
	d[13] = d[20] = (uint8_t)max_packet;
	d[14] = d[21] = (uint8_t)(max_packet >> 8);
	put_bytes(&o, d, sizeof(d));
	return finish(&o);
}

/* BOS, up to the WebUSB capability's iLandingPage. */
static const uint8_t bos_head[] = {
	/* BOS (USB 3.2 table 9-12) */
	BOS_HEADER_LEN,                 /* bLength */
	DT_BOS,                         /* bDescriptorType */
	USBMSC_USBDESC_BOS_LEN, 0,      /* wTotalLength */
	3,                              /* bNumDeviceCaps */
	/* USB 2.0 extension (USB 2.0 LPM ECN table 9-16) */
	USB20_EXT_LEN, DT_DEVICE_CAPABILITY, CAP_USB20_EXTENSION,
	0, 0, 0, 0,                     /* bmAttributes: no LPM, no BESL */
	/* WebUSB platform capability (WebUSB 3.2.1) */
	WEBUSB_CAP_LEN, DT_DEVICE_CAPABILITY, CAP_PLATFORM,
	0,                              /* bReserved */
	/* PlatformCapabilityUUID {3408b638-09a9-47a0-8bfd-a0768815b665}, its
	 * first three fields little-endian as Windows stores GUIDs */
	0x38, 0xB6, 0x08, 0x34, 0xA9, 0x09, 0xA0, 0x47,
	0x8B, 0xFD, 0xA0, 0x76, 0x88, 0x15, 0xB6, 0x65,
	0x00, 0x01,                     /* bcdVersion 1.00 */
	USBMSC_WEBUSB_VENDOR_CODE,      /* bVendorCode */
};

/* BOS after iLandingPage: the Microsoft OS 2.0 platform capability. */
static const uint8_t bos_tail[] = {
	/* MS OS 2.0 platform capability (MS OS 2.0 tables 4 and 5) */
	MSOS20_CAP_LEN, DT_DEVICE_CAPABILITY, CAP_PLATFORM,
	0,                              /* bReserved */
	/* MS_OS_20_Platform_Capability_ID {D8DD60DF-4589-4CC7-9CD2-659D9E648A9F} */
	0xDF, 0x60, 0xDD, 0xD8, 0x89, 0x45, 0xC7, 0x4C,
	0x9C, 0xD2, 0x65, 0x9D, 0x9E, 0x64, 0x8A, 0x9F,
	0x00, 0x00, 0x03, 0x06,         /* dwWindowsVersion: 0x06030000, Windows 8.1 */
	USBMSC_USBDESC_MSOS20_SET_LEN, 0, /* wMSOSDescriptorSetTotalLength */
	USBMSC_MSOS_VENDOR_CODE,        /* bMS_VendorCode */
	0,                              /* bAltEnumCode: no alternate enumeration */
};

_Static_assert(sizeof(bos_head) + 1 + sizeof(bos_tail) == USBMSC_USBDESC_BOS_LEN, "BOS");

static void emit_bos(struct out *o, const struct usbmsc_usbdesc_config *cfg)
{
	put_bytes(o, bos_head, sizeof(bos_head));
	put8(o, url_ok(cfg->landing_url) ? WEBUSB_LANDING_PAGE : 0); /* iLandingPage */
	put_bytes(o, bos_tail, sizeof(bos_tail));
}

size_t usbmsc_usbdesc_bos(const struct usbmsc_usbdesc_config *cfg, uint8_t *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	emit_bos(&o, cfg);
	return finish(&o);
}

#define FUNCTION_LEN (FUNCTION_SUBSET_LEN + COMPAT_ID_LEN + REG_PROPERTY_LEN)

/* MS OS 2.0 set, up to the function subset's bFirstInterface. */
static const uint8_t set_head[] = {
	/* Descriptor set header (table 10) */
	SET_HEADER_LEN, 0,              /* wLength */
	MSOS20_SET_HEADER, 0,           /* wDescriptorType */
	0x00, 0x00, 0x03, 0x06,         /* dwWindowsVersion */
	USBMSC_USBDESC_MSOS20_SET_LEN, 0, /* wTotalLength */
	/* Configuration subset header (table 11). Windows reads the
	 * configuration's index here (0: the first), whatever the name says. */
	CONFIG_SUBSET_LEN, 0,
	MSOS20_SUBSET_CONFIGURATION, 0,
	0,                              /* bConfigurationValue */
	0,                              /* bReserved */
	CONFIG_SUBSET_LEN + FUNCTION_LEN, 0, /* wTotalLength of the subset */
	/* Function subset header (table 12) */
	FUNCTION_SUBSET_LEN, 0,
	MSOS20_SUBSET_FUNCTION, 0,
};

/* After bFirstInterface, up to the registry property's name. */
static const uint8_t set_mid[] = {
	0,                              /* bReserved */
	FUNCTION_LEN, 0,                /* wSubsetLength */
	/* Compatible ID (table 13): bind WinUSB */
	COMPAT_ID_LEN, 0,
	MSOS20_FEATURE_COMPATIBLE_ID, 0,
	'W', 'I', 'N', 'U', 'S', 'B', 0, 0, /* CompatibleID */
	0, 0, 0, 0, 0, 0, 0, 0,         /* SubCompatibleID */
	/* Registry property (table 14): where applications find the interface */
	REG_PROPERTY_LEN, 0,
	MSOS20_FEATURE_REG_PROPERTY, 0,
	REG_MULTI_SZ, 0,                /* wPropertyDataType */
	PROP_NAME_LEN, 0,               /* wPropertyNameLength */
};

/* DeviceInterfaceGUIDs and the GUID, in UTF-16LE; len_bytes is the width
 * of the data length field between them (2 in MS OS 2.0, 4 in 1.0). */
static void emit_guid_property(struct out *o, uint32_t len_bytes)
{
	put_utf16(o, PROP_NAME, 1);             /* PropertyName */
	put16(o, PROP_DATA_LEN);                /* wPropertyDataLength */
	if (len_bytes == 4)
		put16(o, 0);                    /* dwPropertyDataLength, high half */
	put_utf16(o, USBMSC_VND_IF_GUID, 2);    /* PropertyData: the string, list end */
}

_Static_assert(sizeof(set_head) + 1 + sizeof(set_mid) + PROP_NAME_LEN + 2 + PROP_DATA_LEN ==
		       USBMSC_USBDESC_MSOS20_SET_LEN, "MS OS 2.0 set");

static void emit_msos20_set(struct out *o, const struct usbmsc_usbdesc_config *cfg)
{
	put_bytes(o, set_head, sizeof(set_head));
	put8(o, cfg->vnd_interface);            /* bFirstInterface */
	put_bytes(o, set_mid, sizeof(set_mid));
	emit_guid_property(o, 2);
}

size_t usbmsc_usbdesc_msos20_set(const struct usbmsc_usbdesc_config *cfg, uint8_t *buf,
				 size_t size)
{
	struct out o = { buf, size, 0 };

	emit_msos20_set(&o, cfg);
	return finish(&o);
}

size_t usbmsc_usbdesc_webusb_url(const char *url, uint8_t *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	emit_url(&o, url);
	return finish(&o);
}

static const uint8_t msos10_string[USBMSC_USBDESC_MSOS10_STRING_LEN] = {
	USBMSC_USBDESC_MSOS10_STRING_LEN, /* bLength */
	DT_STRING,                      /* bDescriptorType */
	'M', 0, 'S', 0, 'F', 0, 'T', 0, '1', 0, '0', 0, '0', 0, /* qwSignature */
	USBMSC_MSOS_VENDOR_CODE,        /* bMS_VendorCode */
	0,                              /* bPad */
};

size_t usbmsc_usbdesc_msos10_string(uint8_t *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	put_bytes(&o, msos10_string, sizeof(msos10_string));
	return finish(&o);
}

/* Extended compat ID (its specification's tables 2 and 3), up to the
 * function section's bFirstInterfaceNumber. */
static const uint8_t compat_head[] = {
	USBMSC_USBDESC_EXT_COMPAT_LEN, 0, 0, 0, /* dwLength */
	0x00, 0x01,                     /* bcdVersion 1.00 */
	MSOS10_EXT_COMPAT_INDEX, 0,     /* wIndex */
	1,                              /* bCount: function sections */
	0, 0, 0, 0, 0, 0, 0,            /* reserved */
};

/* The rest of the function section. */
static const uint8_t compat_tail[] = {
	0x01,                           /* reserved, 1 by the specification */
	'W', 'I', 'N', 'U', 'S', 'B', 0, 0, /* compatibleID */
	0, 0, 0, 0, 0, 0, 0, 0,         /* subCompatibleID */
	0, 0, 0, 0, 0, 0,               /* reserved */
};

_Static_assert(sizeof(compat_head) + 1 + sizeof(compat_tail) == USBMSC_USBDESC_EXT_COMPAT_LEN,
	       "extended compat ID");

static void emit_ext_compat(struct out *o, const struct usbmsc_usbdesc_config *cfg)
{
	put_bytes(o, compat_head, sizeof(compat_head));
	put8(o, cfg->vnd_interface);            /* bFirstInterfaceNumber */
	put_bytes(o, compat_tail, sizeof(compat_tail));
}

size_t usbmsc_usbdesc_ext_compat(const struct usbmsc_usbdesc_config *cfg, uint8_t *buf,
				 size_t size)
{
	struct out o = { buf, size, 0 };

	emit_ext_compat(&o, cfg);
	return finish(&o);
}

/* Extended properties (its specification's tables 2 and 3), up to the
 * property's name. */
static const uint8_t props_head[] = {
	USBMSC_USBDESC_EXT_PROPS_LEN, 0, 0, 0, /* dwLength */
	0x00, 0x01,                     /* bcdVersion 1.00 */
	MSOS10_EXT_PROPS_INDEX, 0,      /* wIndex */
	1, 0,                           /* wCount: custom property sections */
	/* Custom property section */
	EXT_PROP_SECTION_LEN, 0, 0, 0,  /* dwSize */
	REG_MULTI_SZ, 0, 0, 0,          /* dwPropertyDataType */
	PROP_NAME_LEN, 0,               /* wPropertyNameLength */
};

_Static_assert(sizeof(props_head) + PROP_NAME_LEN + 4 + PROP_DATA_LEN ==
		       USBMSC_USBDESC_EXT_PROPS_LEN, "extended properties");

static void emit_ext_props(struct out *o)
{
	put_bytes(o, props_head, sizeof(props_head));
	emit_guid_property(o, 4);
}

size_t usbmsc_usbdesc_ext_props(uint8_t *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	emit_ext_props(&o);
	return finish(&o);
}

/* ---- the request router ---------------------------------------------------- */

enum answer { A_NONE, A_BOS, A_MSOS10_STRING, A_MSOS20_SET, A_URL, A_EXT_COMPAT, A_EXT_PROPS };

/* Which descriptor a SETUP packet asks for, if it is one of ours. */
static enum answer route(const struct usbmsc_usbdesc_config *cfg, const uint8_t setup[8])
{
	uint8_t type = setup[0];
	uint8_t request = setup[1];
	uint16_t value = (uint16_t)(setup[2] | setup[3] << 8);
	uint16_t index = (uint16_t)(setup[4] | setup[5] << 8);
	bool vendor_in = type == RT_VENDOR_DEVICE_IN || type == RT_VENDOR_INTERFACE_IN;

	if (type == RT_STD_DEVICE_IN && request == REQ_GET_DESCRIPTOR) {
		if (value == DT_BOS << 8)
			return A_BOS;
		if (value == (DT_STRING << 8 | USBMSC_USBDESC_MSOS10_STRING_INDEX))
			return A_MSOS10_STRING;
		return A_NONE;
	}
	if (type == RT_VENDOR_DEVICE_IN && request == USBMSC_MSOS_VENDOR_CODE &&
	    index == MSOS20_DESCRIPTOR_INDEX)
		return A_MSOS20_SET;
	if (type == RT_VENDOR_DEVICE_IN && request == USBMSC_WEBUSB_VENDOR_CODE &&
	    index == WEBUSB_GET_URL && value == WEBUSB_LANDING_PAGE && url_ok(cfg->landing_url))
		return A_URL;
	if (vendor_in && request == USBMSC_MSOS_VENDOR_CODE && index == MSOS10_EXT_COMPAT_INDEX &&
	    (value >> 8) == 0)
		return A_EXT_COMPAT;
	/* The interface is in wValue's low byte on the wire (the specification
	 * says the high byte; the other byte, the page, is 0 either way):
	 * take both. */
	if (vendor_in && request == USBMSC_MSOS_VENDOR_CODE && index == MSOS10_EXT_PROPS_INDEX &&
	    (value == cfg->vnd_interface || value == cfg->vnd_interface << 8))
		return A_EXT_PROPS;
	return A_NONE;
}

static void emit(struct out *o, enum answer a, const struct usbmsc_usbdesc_config *cfg)
{
	switch (a) {
	case A_BOS:
		emit_bos(o, cfg);
		break;
	case A_MSOS10_STRING:
		put_bytes(o, msos10_string, sizeof(msos10_string));
		break;
	case A_MSOS20_SET:
		emit_msos20_set(o, cfg);
		break;
	case A_URL:
		emit_url(o, cfg->landing_url);
		break;
	case A_EXT_COMPAT:
		emit_ext_compat(o, cfg);
		break;
	case A_EXT_PROPS:
		emit_ext_props(o);
		break;
	default:
		break;
	}
}

int usbmsc_usbdesc_request(const struct usbmsc_usbdesc_config *cfg, const uint8_t setup[8],
			   uint8_t *reply, size_t size)
{
	uint16_t length = (uint16_t)(setup[6] | setup[7] << 8);
	enum answer a = route(cfg, setup);
	struct out probe = { NULL, 0, 0 };
	struct out o;
	size_t n;

	if (a == A_NONE)
		return -1;
	/* Size it first, so that a refusal leaves reply untouched. */
	emit(&probe, a, cfg);
	n = probe.len < length ? probe.len : length;
	if (n > size)
		return -1;
	o = (struct out){ reply, n, 0 };
	emit(&o, a, cfg);
	return (int)n;
}
