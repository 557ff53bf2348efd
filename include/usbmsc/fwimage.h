/* Firmware image format: a fixed 256-byte header followed by the payload.
 *
 * Pure wire code, freestanding (string.h only): the target's firmware
 * engine parses the same header the host packs.
 *
 * Layout (all numbers little-endian):
 *   0   4  magic "UMFW"
 *   4   2  format version (1)
 *   6   2  header length (256)
 *   8   4  flags (none defined in version 1: must be 0)
 *  12   2  USB VID this image fits (0: any)
 *  14   2  USB PID (0: any)
 *  16   8  INQUIRY vendor, space-padded (all zero: any)
 *  24  16  INQUIRY product, space-padded (all zero: any)
 *  40   2  lowest hardware revision it fits
 *  42   2  highest hardware revision it fits (0, 0xFFFF: any)
 *  44   4  version string: INQUIRY's revision field (1..4 printable ASCII, space-padded)
 *  48   4  version number: monotonic, for anti-rollback
 *  52   4  payload length
 *  56  32  SHA-256 of the payload
 *  88 104  reserved, zero
 * 192  64  Ed25519 signature of bytes 0..191
 *
 * The signature covers the header, and the header carries the payload's
 * SHA-256, so one 192-byte verification plus a streamed hash covers header
 * and payload without holding the image in memory (on the host or on a
 * device with a few KiB of RAM). */
#ifndef USBMSC_FWIMAGE_H
#define USBMSC_FWIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_FW_MAGIC "UMFW"
#define USBMSC_FW_FORMAT 1u
#define USBMSC_FW_HEADER_LEN 256u
#define USBMSC_FW_SIGNED_LEN 192u   /* bytes of the header the signature covers */
#define USBMSC_FW_SIG_OFFSET 192u
#define USBMSC_FW_SIG_LEN 64u
#define USBMSC_FW_PUBKEY_LEN 32u
#define USBMSC_FW_SHA256_LEN 32u

struct usbmsc_fw_header {
	uint16_t format;
	uint16_t header_len;
	uint32_t flags;
	uint16_t vid, pid;
	char vendor[9];        /* NUL-terminated, trailing spaces trimmed; "" = any */
	char product[17];
	uint16_t hw_rev_min, hw_rev_max;
	char version[5];       /* NUL-terminated, trailing spaces trimmed */
	uint32_t version_number;
	uint32_t payload_len;
	uint8_t sha256[USBMSC_FW_SHA256_LEN];
	uint8_t signature[USBMSC_FW_SIG_LEN];
};

enum usbmsc_fw_check {
	USBMSC_FWCHK_OK = 0,
	USBMSC_FWCHK_SHORT,        /* fewer than 256 bytes */
	USBMSC_FWCHK_MAGIC,
	USBMSC_FWCHK_FORMAT,       /* unknown format version */
	USBMSC_FWCHK_HEADER_LEN,
	USBMSC_FWCHK_FLAGS,        /* unknown flag bits */
	USBMSC_FWCHK_RESERVED,     /* reserved bytes not zero */
	USBMSC_FWCHK_VERSION,      /* version string empty or not printable */
	USBMSC_FWCHK_HW_RANGE,     /* hw_rev_min > hw_rev_max */
	USBMSC_FWCHK_IDENTITY      /* vendor or product neither all zero nor space-padded printable ASCII */
};

/* What the image must fit. */
struct usbmsc_fw_identity {
	uint16_t vid, pid;
	const char *vendor;        /* INQUIRY vendor and product as the device reports them */
	const char *product;
	uint16_t hw_rev;
};

enum usbmsc_fw_fit {
	USBMSC_FWFIT_OK = 0,
	USBMSC_FWFIT_VID_PID,
	USBMSC_FWFIT_VENDOR,
	USBMSC_FWFIT_PRODUCT,
	USBMSC_FWFIT_HW_REV
};

/* Parse and check the 256-byte header (len may be more: the payload). */
USBMSC_API
enum usbmsc_fw_check usbmsc_fw_header_parse(const uint8_t *buf, size_t len,
					    struct usbmsc_fw_header *out);
/* Encode h into 256 bytes; the signature bytes are copied from h. Returns
 * false when a string does not fit or the version is not 1..4 printable
 * characters. */
USBMSC_API
bool usbmsc_fw_header_encode(const struct usbmsc_fw_header *h, uint8_t out[USBMSC_FW_HEADER_LEN]);
USBMSC_API
enum usbmsc_fw_fit usbmsc_fw_fits(const struct usbmsc_fw_header *h,
				  const struct usbmsc_fw_identity *id);
USBMSC_API
const char *usbmsc_fw_check_text(enum usbmsc_fw_check check);
USBMSC_API
const char *usbmsc_fw_fit_text(enum usbmsc_fw_fit fit);

#ifdef __cplusplus
}
#endif
#endif
