/* UF2 files of signed firmware images, on the host: `usbmsc fw uf2` makes
 * one from an image, `usbmsc fw inspect` reads one back and checks the
 * image it carries exactly as an image file. The blocks are uf2.h's: block
 * i holds image bytes 256*i .. 256*i+255 at address 256*i, family
 * USBMSC_UF2_FAMILY, a version tag; docs/FILE-DOOR.md tells the rest.
 *
 * Each int function returns 0 or a category from status.h with a message
 * in err that names the file; the library prints nothing. A build without
 * libsodium cannot check images: USBMSC_E_OTHER. */
#ifndef USBMSC_FWUF2_H
#define USBMSC_FWUF2_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a UF2 file holds. */
struct usbmsc_fw_uf2_info {
	uint32_t blocks;         /* blocks of the usbmsc image (their count) */
	uint32_t other_blocks;   /* blocks skipped: other families, not for flash */
	uint64_t image_len;      /* bytes of the image it carries */
	char version[17];        /* the version tag of its first block; "" when none */
};

/* Does the file begin with a UF2 block (its first magic numbers)? */
USBMSC_API
bool usbmsc_fw_is_uf2(const char *path);

/* Wrap the image at image_path into the UF2 file uf2_path. The image is
 * checked first as usbmsc_fw_examine_file does (header, payload length and
 * SHA-256, and with pubkey the signature; rep gets the findings) and
 * nothing is written when a check fails (USBMSC_E_FILE). The file is
 * written beside uf2_path and renamed into place. */
USBMSC_API
int usbmsc_fw_uf2_pack(const char *image_path, const char *uf2_path, const uint8_t *pubkey,
		       struct usbmsc_fw_report *rep, struct usbmsc_fw_uf2_info *info,
		       struct usbmsc_error *err);

/* Read the UF2 file at path: every block a UF2 block; the usbmsc image's
 * blocks all of one count, each number once, none missing (blocks of other
 * families and blocks not for flash are skipped, as a device does). The
 * image is written to the empty file fd: exactly its header's length when
 * the block count fits it, else every block's 256 bytes (so that a
 * truncated or overlong image shows as one). USBMSC_E_FILE otherwise. */
USBMSC_API
int usbmsc_fw_uf2_unpack(const char *path, int fd, struct usbmsc_fw_uf2_info *info,
			 struct usbmsc_error *err);

/* Unpack into a temporary file and check the image as
 * usbmsc_fw_examine_file does. rep->check is USBMSC_FWCHK_SHORT when the
 * UF2 file itself is at fault. */
USBMSC_API
int usbmsc_fw_uf2_examine(const char *path, const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			  struct usbmsc_fw_uf2_info *info, struct usbmsc_error *err);

#ifdef __cplusplus
}
#endif
#endif
