/* The descriptor builders of usbdesc.h as a firmware links them, for the
 * footprint measurement (scripts/footprint.sh): the request router on ep0
 * and every builder, so that --gc-sections keeps all of usb_desc.c (an
 * upper bound: a firmware that only routes requests keeps less). The
 * configuration, SETUP packet and reply buffer are the caller's and are not
 * counted. */
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/usbdesc.h"

static const struct usbmsc_usbdesc_config fp_desc_config = { 1, "https://example.com/" };

uint8_t fp_reply[USBMSC_USBDESC_REPLY_MAX];

/* The SETUP packet comes from the USB interrupt in real firmware; a
 * volatile keeps the compiler from deciding which requests happen. */
volatile uint8_t fp_setup[8];
volatile uint32_t fp_which;
volatile size_t fp_len;

void footprint_desc_main(void);

void footprint_desc_main(void)
{
	uint8_t setup[8];
	const struct usbmsc_usbdesc_config *c = &fp_desc_config;

	for (;;) {
		for (int i = 0; i < 8; i++)
			setup[i] = fp_setup[i];
		switch (fp_which) {
		case 0:
			fp_len = (size_t)usbmsc_usbdesc_request(c, setup, fp_reply, sizeof(fp_reply));
			break;
		case 1:
			fp_len = usbmsc_usbdesc_vendor_interface(1, 0x81, 0x01, 64, 4, fp_reply,
								 sizeof(fp_reply));
			break;
		case 2:
			fp_len = usbmsc_usbdesc_bos(c, fp_reply, sizeof(fp_reply));
			break;
		case 3:
			fp_len = usbmsc_usbdesc_msos20_set(c, fp_reply, sizeof(fp_reply));
			break;
		case 4:
			fp_len = usbmsc_usbdesc_webusb_url(c->landing_url, fp_reply, sizeof(fp_reply));
			break;
		case 5:
			fp_len = usbmsc_usbdesc_msos10_string(fp_reply, sizeof(fp_reply));
			break;
		case 6:
			fp_len = usbmsc_usbdesc_ext_compat(c, fp_reply, sizeof(fp_reply));
			break;
		default:
			fp_len = usbmsc_usbdesc_ext_props(fp_reply, sizeof(fp_reply));
			break;
		}
	}
}
