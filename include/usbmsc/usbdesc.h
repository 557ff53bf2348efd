/* USB descriptors for the vendor interface (doors.h): what a firmware, or
 * the gadget, answers to the operating systems' descriptor queries so that
 * Windows binds WinUSB to the vendor interface with no INF and browsers
 * reach it through WebUSB.
 *
 * Pure builders: each writes one descriptor into a caller buffer and
 * returns its length, or 0 when it does not fit (the buffer is then
 * undefined). Freestanding, no state; link usb_desc.c only if used.
 *
 * The device descriptor must say bcdUSB 0x0210 (USB 2.1) or higher, or
 * hosts never ask for the BOS. Windows 8.1 and later read the Microsoft OS
 * 2.0 descriptors through the BOS; Windows 7, and devices whose bcdUSB is
 * 0x0200 (a Linux gadget through configfs os_desc), use Microsoft OS 1.0:
 * string 0xEE, then the extended compat ID and extended properties
 * descriptors. Windows remembers per VID/PID/bcdDevice whether a device
 * answered string 0xEE: change bcdDevice after changing these answers. */
#ifndef USBMSC_USBDESC_H
#define USBMSC_USBDESC_H

#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lengths of what the builders write. */
#define USBMSC_USBDESC_VND_IF_LEN 23u        /* interface + two endpoints */
#define USBMSC_USBDESC_BOS_LEN 64u           /* BOS + USB 2.0 ext + WebUSB + MS OS 2.0 */
#define USBMSC_USBDESC_MSOS20_SET_LEN 178u   /* the MS OS 2.0 descriptor set */
#define USBMSC_USBDESC_MSOS10_STRING_LEN 18u /* string descriptor 0xEE */
#define USBMSC_USBDESC_EXT_COMPAT_LEN 40u    /* MS OS 1.0 extended compat ID */
#define USBMSC_USBDESC_EXT_PROPS_LEN 146u    /* MS OS 1.0 extended properties */
#define USBMSC_USBDESC_URL_MAX 255u          /* the longest WebUSB URL descriptor */
/* A reply buffer of this size takes every answer of usbmsc_usbdesc_request. */
#define USBMSC_USBDESC_REPLY_MAX 255u

/* The string index of the Microsoft OS 1.0 string descriptor. */
#define USBMSC_USBDESC_MSOS10_STRING_INDEX 0xEEu

/* What the device-wide answers depend on. */
struct usbmsc_usbdesc_config {
	uint8_t vnd_interface;   /* bInterfaceNumber of the vendor interface */
	/* WebUSB landing page: "https://..." or "http://..." (the scheme is
	 * encoded, the rest sent as UTF-8), 1 to 252 bytes after the
	 * scheme; NULL, "" or one that cannot be sent: no landing page
	 * (iLandingPage 0). */
	const char *landing_url;
};

/* The vendor interface (class/subclass/protocol of doors.h, alternate
 * setting 0) and its two bulk endpoints, for the configuration descriptor:
 * ep_in an IN address (0x81..0x8F), ep_out an OUT address (0x01..0x0F),
 * max_packet 1..1024 (64 at full speed, 512 at high speed), string_index
 * the iInterface string (USBMSC_VND_IF_STRING, or 0 for none). Returns 0
 * also for an invalid endpoint address or packet size. */
USBMSC_API
size_t usbmsc_usbdesc_vendor_interface(uint8_t interface, uint8_t ep_in, uint8_t ep_out,
				       uint16_t max_packet, uint8_t string_index, uint8_t *buf,
				       size_t size);

/* The BOS descriptor: a USB 2.0 extension capability (no LPM), the WebUSB
 * platform capability (version 1.0, vendor code USBMSC_WEBUSB_VENDOR_CODE,
 * iLandingPage 1 when cfg has a landing page) and the Microsoft OS 2.0
 * platform capability (Windows 8.1 and later, the descriptor set of
 * usbmsc_usbdesc_msos20_set, vendor code USBMSC_MSOS_VENDOR_CODE). */
USBMSC_API
size_t usbmsc_usbdesc_bos(const struct usbmsc_usbdesc_config *cfg, uint8_t *buf, size_t size);

/* The Microsoft OS 2.0 descriptor set of a composite device: its first
 * configuration, one function (the vendor interface) with compatible ID
 * "WINUSB" and registry property DeviceInterfaceGUIDs = USBMSC_VND_IF_GUID. */
USBMSC_API
size_t usbmsc_usbdesc_msos20_set(const struct usbmsc_usbdesc_config *cfg, uint8_t *buf,
				 size_t size);

/* The WebUSB URL descriptor for url ("https://...", "http://...", or any
 * other text, sent whole with scheme 255). Returns 0 for NULL, "", a bare
 * "https://" or "http://", or a URL too long for one descriptor. */
USBMSC_API
size_t usbmsc_usbdesc_webusb_url(const char *url, uint8_t *buf, size_t size);

/* Microsoft OS 1.0: string descriptor 0xEE ("MSFT100", vendor code
 * USBMSC_MSOS_VENDOR_CODE). */
USBMSC_API
size_t usbmsc_usbdesc_msos10_string(uint8_t *buf, size_t size);

/* Microsoft OS 1.0 extended compat ID descriptor: one function section,
 * the vendor interface, compatible ID "WINUSB". */
USBMSC_API
size_t usbmsc_usbdesc_ext_compat(const struct usbmsc_usbdesc_config *cfg, uint8_t *buf,
				 size_t size);

/* Microsoft OS 1.0 extended properties descriptor of the vendor interface:
 * DeviceInterfaceGUIDs (REG_MULTI_SZ) = USBMSC_VND_IF_GUID. */
USBMSC_API
size_t usbmsc_usbdesc_ext_props(uint8_t *buf, size_t size);

/* Answer one control request if it is one of these descriptor queries:
 *  - GET_DESCRIPTOR(BOS);
 *  - GET_DESCRIPTOR(STRING 0xEE), any language;
 *  - MS OS 2.0 descriptor set: bmRequestType 0xC0, bRequest
 *    USBMSC_MSOS_VENDOR_CODE, wIndex 7;
 *  - WebUSB GET_URL: 0xC0, USBMSC_WEBUSB_VENDOR_CODE, wIndex 2, wValue 1
 *    (only when cfg has a landing page);
 *  - MS OS 1.0 extended compat ID: 0xC0 (or 0xC1), USBMSC_MSOS_VENDOR_CODE,
 *    wIndex 4, page 0;
 *  - MS OS 1.0 extended properties: 0xC1 (or 0xC0, as some Windows
 *    versions send it), USBMSC_MSOS_VENDOR_CODE, wIndex 5, wValue's low
 *    byte the vendor interface, high byte (page) 0.
 * setup is the 8-byte SETUP packet. The answer, cut to wLength, is written
 * to reply (size bytes; USBMSC_USBDESC_REPLY_MAX always suffices) and its
 * length returned; -1 when the request is none of these (or reply is too
 * small): the firmware then handles it, or stalls. */
USBMSC_API
int usbmsc_usbdesc_request(const struct usbmsc_usbdesc_config *cfg, const uint8_t setup[8],
			   uint8_t *reply, size_t size);

#ifdef __cplusplus
}
#endif
#endif
