/* libFuzzer harness: the firmware image header parser and the fit check.
 *
 * Input: up to 256 bytes of header, then bytes that describe a device
 * (VID, PID, hardware revision, vendor and product strings). Each input is
 * parsed twice: as it is, and with magic, format and header length forced
 * valid so that the deeper checks are reached at once. Beyond memory
 * safety it checks what the format promises: a header that parses
 * re-encodes to the same bytes, and a fit verdict agrees with the fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/fwimage.h"

#include "fuzz_check.h"

#define HDR USBMSC_FW_HEADER_LEN

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A NUL-terminated string from the input, at most room - 1 bytes. */
static const uint8_t *take_string(const uint8_t *p, const uint8_t *end, char *out, size_t room)
{
	size_t n = 0;

	while (p < end && n + 1 < room && *p != '\0')
		out[n++] = (char)*p++;
	out[n] = '\0';
	return p < end ? p + 1 : p;
}

/* Padding is ignored: compare the device string without trailing spaces. */
static int same_name(const char *want, const char *have)
{
	size_t n = strlen(have);

	while (n > 0 && have[n - 1] == ' ')
		n--;
	return n == strlen(want) && memcmp(want, have, n) == 0;
}

static void check_fit(const struct usbmsc_fw_header *h, const struct usbmsc_fw_identity *id)
{
	enum usbmsc_fw_fit fit = usbmsc_fw_fits(h, id);
	int vid_ok = (h->vid == 0 || h->vid == id->vid) && (h->pid == 0 || h->pid == id->pid);
	int vendor_ok = h->vendor[0] == '\0' || same_name(h->vendor, id->vendor);
	int product_ok = h->product[0] == '\0' || same_name(h->product, id->product);
	int hw_ok = id->hw_rev >= h->hw_rev_min && id->hw_rev <= h->hw_rev_max;

	FUZZ_CHECK(usbmsc_fw_fit_text(fit) != NULL);
	if (fit == USBMSC_FWFIT_OK)
		FUZZ_CHECK(vid_ok && vendor_ok && product_ok && hw_ok);
	else if (fit == USBMSC_FWFIT_VID_PID)
		FUZZ_CHECK(!vid_ok);
	else if (fit == USBMSC_FWFIT_VENDOR)
		FUZZ_CHECK(vid_ok && !vendor_ok);
	else if (fit == USBMSC_FWFIT_PRODUCT)
		FUZZ_CHECK(vid_ok && vendor_ok && !product_ok);
	else
		FUZZ_CHECK(fit == USBMSC_FWFIT_HW_REV && vid_ok && vendor_ok && product_ok && !hw_ok);
}

static void one(const uint8_t *hdr, size_t len, const struct usbmsc_fw_identity *id)
{
	struct usbmsc_fw_header h;
	uint8_t again[HDR];
	enum usbmsc_fw_check c = usbmsc_fw_header_parse(hdr, len, &h);

	FUZZ_CHECK(usbmsc_fw_check_text(c) != NULL);
	if (c != USBMSC_FWCHK_OK)
		return;
	FUZZ_CHECK(len >= HDR);
	FUZZ_CHECK(strlen(h.vendor) <= 8 && strlen(h.product) <= 16);
	FUZZ_CHECK(strlen(h.version) >= 1 && strlen(h.version) <= 4);
	FUZZ_CHECK(h.hw_rev_min <= h.hw_rev_max);
	/* canonical: parse then encode gives back the same 256 bytes */
	FUZZ_CHECK(usbmsc_fw_header_encode(&h, again));
	FUZZ_CHECK(memcmp(again, hdr, HDR) == 0);
	check_fit(&h, id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[HDR];
	char vendor[24], product[40];
	struct usbmsc_fw_identity id = { 0 };
	const uint8_t *p, *end = data + size;
	size_t hlen = size < HDR ? size : HDR;

	/* the device: after the header, when there is one */
	p = data + hlen;
	if (end - p >= 6) {
		id.vid = le16(p);
		id.pid = le16(p + 2);
		id.hw_rev = le16(p + 4);
		p += 6;
	}
	p = take_string(p, end, vendor, sizeof vendor);
	take_string(p, end, product, sizeof product);
	id.vendor = vendor;
	id.product = product;

	/* exactly the input's bytes, in a buffer of their own size */
	uint8_t *copy = fuzz_dup(data, hlen);
	one(copy, hlen, &id);
	free(copy);
	/* the same with the first eight bytes made valid */
	memset(hdr, 0, sizeof hdr);
	memcpy(hdr, data, hlen);
	memcpy(hdr, USBMSC_FW_MAGIC, 4);
	hdr[4] = USBMSC_FW_FORMAT;
	hdr[5] = 0;
	hdr[6] = (uint8_t)USBMSC_FW_HEADER_LEN;
	hdr[7] = (uint8_t)(USBMSC_FW_HEADER_LEN >> 8);
	one(hdr, sizeof hdr, &id);
	return 0;
}
