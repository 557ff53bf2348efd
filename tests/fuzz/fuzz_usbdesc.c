/* libFuzzer harness for the descriptor builders and the request router of
 * usbdesc.h. Input: the vendor interface number, a reply buffer size, an
 * 8-byte SETUP packet, then the landing page URL (none when empty).
 *
 * Invariants: the router answers -1 or at most min(wLength, size) bytes
 * and never touches memory past size (the reply is an exact-size heap
 * buffer, so AddressSanitizer sees any overrun); a bigger buffer gives the
 * same answer; the builders return 0 or their documented length, and a
 * URL descriptor says its own length in bLength. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "usbmsc/usbdesc.h"

#define HEADER 10u

static void check_builders(const struct usbmsc_usbdesc_config *cfg, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	size_t n;

	FUZZ_CHECK(b != NULL);
	n = usbmsc_usbdesc_bos(cfg, b, size);
	FUZZ_CHECK(n == 0 || (n == USBMSC_USBDESC_BOS_LEN && b[2] == n));
	n = usbmsc_usbdesc_msos20_set(cfg, b, size);
	FUZZ_CHECK(n == 0 || (n == USBMSC_USBDESC_MSOS20_SET_LEN && b[8] == n));
	n = usbmsc_usbdesc_ext_compat(cfg, b, size);
	FUZZ_CHECK(n == 0 || n == USBMSC_USBDESC_EXT_COMPAT_LEN);
	n = usbmsc_usbdesc_ext_props(b, size);
	FUZZ_CHECK(n == 0 || n == USBMSC_USBDESC_EXT_PROPS_LEN);
	n = usbmsc_usbdesc_msos10_string(b, size);
	FUZZ_CHECK(n == 0 || n == USBMSC_USBDESC_MSOS10_STRING_LEN);
	n = usbmsc_usbdesc_webusb_url(cfg->landing_url, b, size);
	FUZZ_CHECK(n == 0 || (n >= 4 && n <= USBMSC_USBDESC_URL_MAX && b[0] == n));
	n = usbmsc_usbdesc_vendor_interface(cfg->vnd_interface, 0x81, 0x01, 64, 0, b, size);
	FUZZ_CHECK(n == 0 || n == USBMSC_USBDESC_VND_IF_LEN);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usbmsc_usbdesc_config cfg;
	uint8_t setup[8];
	uint8_t full[USBMSC_USBDESC_REPLY_MAX];
	uint8_t *reply;
	char *url = NULL;
	size_t reply_size;
	uint16_t length;
	int n, again;

	if (size < HEADER)
		return 0;
	cfg.vnd_interface = data[0];
	reply_size = data[1];
	memcpy(setup, data + 2, 8);
	length = (uint16_t)(setup[6] | setup[7] << 8);
	if (size > HEADER) {
		url = malloc(size - HEADER + 1);
		FUZZ_CHECK(url != NULL);
		memcpy(url, data + HEADER, size - HEADER);
		url[size - HEADER] = '\0';
	}
	cfg.landing_url = url;

	reply = malloc(reply_size ? reply_size : 1);
	FUZZ_CHECK(reply != NULL);
	n = usbmsc_usbdesc_request(&cfg, setup, reply, reply_size);
	FUZZ_CHECK(n >= -1);
	if (n >= 0) {
		FUZZ_CHECK((size_t)n <= reply_size && n <= length);
		again = usbmsc_usbdesc_request(&cfg, setup, full, sizeof(full));
		FUZZ_CHECK(again == n);
		FUZZ_CHECK(memcmp(full, reply, (size_t)n) == 0);
	} else {
		/* A refusal for want of room only: a full buffer must answer
		 * more than the small one had. */
		again = usbmsc_usbdesc_request(&cfg, setup, full, sizeof(full));
		FUZZ_CHECK(again == -1 || (size_t)again > reply_size);
	}
	check_builders(&cfg, reply_size);
	free(reply);
	free(url);
	return 0;
}
