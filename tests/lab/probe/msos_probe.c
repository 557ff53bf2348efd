/* msos_probe: checks, from the host side, what a usbmsc device with the
 * vendor interface answers (the lab's gadget scenario vendorif.sh runs it
 * in the guest):
 *
 *   msos_probe VID:PID CHECK...
 *
 *   os-string   string descriptor 0xEE: "MSFT100" and the vendor code
 *   compat      extended compat ID (0xC0, vendor code, wIndex 4): interface 1
 *               is WINUSB, no other interface is
 *   props       extended properties of interface 1 (0xC1, wValue 1, wIndex
 *               5): DeviceInterfaceGUID = doors.h's GUID, REG_SZ
 *   maxlun=N    the vendor-type Get Max LUN (0xC1 0xFE) to interface 1
 *               answers N
 *   inquiry     an INQUIRY in the vendor framing ("UMVC"/"UMVS") over the
 *               vendor interface's bulk pair
 *
 * Control requests to the device need no claim, and the vendor interface
 * has no kernel driver: nothing is ever detached, usb-storage keeps
 * interface 0. Prints "ok: ..." or "FAIL: ..." per check; exits 0 when all
 * passed, 1 when one failed, 2 on a usage error or a missing device. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb.h>

#include "usbmsc/bot.h"
#include "usbmsc/doors.h"

#define TIMEOUT_MS 2000
#define VENDOR_IF 1

static bool failf(const char *what, const char *detail)
{
	printf("FAIL: %s: %s\n", what, detail);
	return false;
}

static bool okf(const char *what)
{
	printf("ok: %s\n", what);
	return true;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* s (ASCII) as UTF-16LE with n characters of room, then a NUL if nul. */
static bool utf16_equal(const uint8_t *p, const char *s, bool nul)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		if (p[2 * i] != (uint8_t)s[i] || p[2 * i + 1] != 0)
			return false;
	}
	return !nul || (p[2 * n] == 0 && p[2 * n + 1] == 0);
}

static int control(libusb_device_handle *h, uint8_t type, uint8_t req, uint16_t value,
		   uint16_t index, uint8_t *buf, uint16_t len)
{
	return libusb_control_transfer(h, type, req, value, index, buf, len, TIMEOUT_MS);
}

static bool check_os_string(libusb_device_handle *h)
{
	uint8_t b[255];
	int n = control(h, 0x80, LIBUSB_REQUEST_GET_DESCRIPTOR, 0x03EE, 0, b, sizeof(b));

	if (n < 0)
		return failf("os-string", libusb_error_name(n));
	if (n != 18 || b[0] != 18 || b[1] != LIBUSB_DT_STRING)
		return failf("os-string", "not an 18-byte string descriptor");
	if (!utf16_equal(b + 2, "MSFT100", false))
		return failf("os-string", "qwSignature is not MSFT100");
	if (b[16] != USBMSC_MSOS_VENDOR_CODE)
		return failf("os-string", "bMS_VendorCode is not doors.h's");
	return okf("os-string: MSFT100, vendor code 0x20");
}

static bool check_compat(libusb_device_handle *h)
{
	uint8_t b[16 + 24 * 8];
	unsigned count, winusb = 0;
	int n = control(h, 0xC0, USBMSC_MSOS_VENDOR_CODE, 0, 4, b, 16);

	if (n < 0)
		return failf("compat", libusb_error_name(n));
	if (n != 16 || le16(b + 4) != 0x0100 || le16(b + 6) != 4)
		return failf("compat", "bad header (length, bcdVersion 1.00, wIndex 4)");
	count = b[8];
	if (count == 0 || count > 8 || le32(b) != 16 + 24 * count)
		return failf("compat", "dwLength is not 16 + 24 per function section");
	n = control(h, 0xC0, USBMSC_MSOS_VENDOR_CODE, 0, 4, b, (uint16_t)le32(b));
	if (n != (int)le32(b))
		return failf("compat", n < 0 ? libusb_error_name(n) : "short descriptor");
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *f = b + 16 + 24 * i;
		bool is_winusb = memcmp(f + 2, "WINUSB\0\0", 8) == 0;

		if (f[1] != 1)
			return failf("compat", "a function section's reserved byte is not 1");
		if (is_winusb && f[0] != VENDOR_IF)
			return failf("compat", "WINUSB on an interface other than 1");
		if (is_winusb) {
			static const uint8_t zeros[14];

			if (memcmp(f + 10, zeros, 14) != 0)
				return failf("compat", "sub-compatible ID or reserved bytes not zero");
			winusb++;
		}
	}
	if (winusb != 1)
		return failf("compat", "no WINUSB section for interface 1");
	return okf("compat: interface 1 is WINUSB");
}

static bool check_props(libusb_device_handle *h)
{
	const char *name = "DeviceInterfaceGUID";
	uint32_t name_len = 2 * (uint32_t)(strlen(name) + 1);
	uint32_t data_len = 2 * (uint32_t)(strlen(USBMSC_VND_IF_GUID) + 1);
	uint32_t size = 14 + name_len + data_len;
	uint8_t b[512];
	const uint8_t *p = b + 10;
	int n = control(h, 0xC1, USBMSC_MSOS_VENDOR_CODE, VENDOR_IF, 5, b, sizeof(b));

	if (n < 0)
		return failf("props", libusb_error_name(n));
	if (n < 10 || le16(b + 4) != 0x0100 || le16(b + 6) != 5 || le16(b + 8) != 1)
		return failf("props", "bad header (bcdVersion 1.00, wIndex 5, one property)");
	if (le32(b) != 10 + size || n != (int)(10 + size))
		return failf("props", "dwLength does not fit one DeviceInterfaceGUID property");
	if (le32(p) != size || le32(p + 4) != 1 || le16(p + 8) != name_len)
		return failf("props", "property is not a REG_SZ with the expected sizes");
	if (!utf16_equal(p + 10, name, true))
		return failf("props", "property name is not DeviceInterfaceGUID");
	if (le32(p + 10 + name_len) != data_len ||
	    !utf16_equal(p + 14 + name_len, USBMSC_VND_IF_GUID, true))
		return failf("props", "property value is not doors.h's GUID");
	return okf("props: DeviceInterfaceGUID = " USBMSC_VND_IF_GUID);
}

static bool check_maxlun(libusb_device_handle *h, int want)
{
	uint8_t b[1] = { 0xEE };
	int n = control(h, usbmsc_framing_request_type(USBMSC_FRAMING_VENDOR, true),
			USBMSC_REQ_GET_MAX_LUN, 0, VENDOR_IF, b, 1);
	char msg[64];

	if (n < 0)
		return failf("maxlun", libusb_error_name(n));
	if (n != 1 || b[0] != want) {
		snprintf(msg, sizeof(msg), "answered %d byte(s), %u", n, (unsigned)b[0]);
		return failf("maxlun", msg);
	}
	return okf("maxlun: vendor-type Get Max LUN on interface 1");
}

/* The bulk pair of the interface with doors.h's class triple. */
static bool vendor_endpoints(libusb_device_handle *h, int *ifnum, uint8_t *in, uint8_t *out)
{
	struct libusb_config_descriptor *c;
	bool found = false;

	if (libusb_get_active_config_descriptor(libusb_get_device(h), &c) != 0)
		return false;
	for (int i = 0; i < c->bNumInterfaces && !found; i++) {
		const struct libusb_interface_descriptor *d = &c->interface[i].altsetting[0];

		if (d->bInterfaceClass != USBMSC_VND_IF_CLASS ||
		    d->bInterfaceSubClass != USBMSC_VND_IF_SUBCLASS ||
		    d->bInterfaceProtocol != USBMSC_VND_IF_PROTOCOL)
			continue;
		*ifnum = d->bInterfaceNumber;
		for (int e = 0; e < d->bNumEndpoints; e++) {
			uint8_t a = d->endpoint[e].bEndpointAddress;

			if ((d->endpoint[e].bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_BULK)
				continue;
			if (a & 0x80)
				*in = a;
			else
				*out = a;
		}
		found = *in != 0 && *out != 0;
	}
	libusb_free_config_descriptor(c);
	return found;
}

static bool inquiry_on(libusb_device_handle *h, uint8_t in, uint8_t out)
{
	static const uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t raw[USBMSC_CBW_LEN], data[64], csw_raw[64];
	struct usbmsc_cbw cbw;
	struct usbmsc_csw csw;
	char msg[96];
	int n = 0;

	if (!usbmsc_cbw_fill(&cbw, 0x4D56, 0, USBMSC_DIR_IN, 36, cdb, 6))
		return failf("inquiry", "cannot build the CBW");
	usbmsc_cbw_encode_framed(&cbw, USBMSC_FRAMING_VENDOR, raw);
	if (memcmp(raw, "UMVC", 4) != 0)
		return failf("inquiry", "the library's CBW does not start with UMVC");
	if (libusb_bulk_transfer(h, out, raw, sizeof(raw), &n, TIMEOUT_MS) != 0 || n != 31)
		return failf("inquiry", "the CBW did not go out");
	if (libusb_bulk_transfer(h, in, data, sizeof(data), &n, TIMEOUT_MS) != 0 || n != 36)
		return failf("inquiry", "no 36 bytes of INQUIRY data");
	if (libusb_bulk_transfer(h, in, csw_raw, sizeof(csw_raw), &n, TIMEOUT_MS) != 0 ||
	    n != USBMSC_CSW_LEN)
		return failf("inquiry", "no CSW");
	if (memcmp(csw_raw, "UMVS", 4) != 0)
		return failf("inquiry", "the CSW does not start with UMVS");
	if (usbmsc_csw_decode_framed(csw_raw, (size_t)n, USBMSC_FRAMING_VENDOR, 0x4D56, 36, &csw) !=
	    USBMSC_CSWCHK_OK || csw.status != 0)
		return failf("inquiry", "the CSW is not a good one for this tag");
	snprintf(msg, sizeof(msg), "inquiry: '%.8s' '%.16s' over the vendor interface",
		 (const char *)data + 8, (const char *)data + 16);
	return okf(msg);
}

static bool check_inquiry(libusb_device_handle *h)
{
	uint8_t in = 0, out = 0;
	int ifnum = -1, rc;
	bool ok;

	if (!vendor_endpoints(h, &ifnum, &in, &out))
		return failf("inquiry", "no interface ff/4d/56 with a bulk pair");
	/* Only an interface without a driver can be claimed without a
	 * detach, and that is what the vendor interface must be. */
	rc = libusb_claim_interface(h, ifnum);
	if (rc != 0)
		return failf("inquiry", libusb_error_name(rc));
	ok = inquiry_on(h, in, out);
	libusb_release_interface(h, ifnum);
	return ok;
}

static bool run_check(libusb_device_handle *h, const char *check)
{
	if (strcmp(check, "os-string") == 0)
		return check_os_string(h);
	if (strcmp(check, "compat") == 0)
		return check_compat(h);
	if (strcmp(check, "props") == 0)
		return check_props(h);
	if (strncmp(check, "maxlun=", 7) == 0)
		return check_maxlun(h, atoi(check + 7));
	if (strcmp(check, "inquiry") == 0)
		return check_inquiry(h);
	return failf(check, "unknown check");
}

int main(int argc, char **argv)
{
	libusb_device_handle *h;
	unsigned vid, pid;
	int failed = 0;

	if (argc < 3 || sscanf(argv[1], "%x:%x", &vid, &pid) != 2) {
		fprintf(stderr, "usage: msos_probe VID:PID os-string|compat|props|maxlun=N|inquiry...\n");
		return 2;
	}
	if (libusb_init(NULL) != 0) {
		fprintf(stderr, "msos_probe: libusb_init failed\n");
		return 2;
	}
	h = libusb_open_device_with_vid_pid(NULL, (uint16_t)vid, (uint16_t)pid);
	if (h == NULL) {
		fprintf(stderr, "msos_probe: no device %04x:%04x (or no access)\n", vid, pid);
		libusb_exit(NULL);
		return 2;
	}
	for (int i = 2; i < argc; i++)
		failed += !run_check(h, argv[i]);
	libusb_close(h);
	libusb_exit(NULL);
	return failed != 0;
}
