/* USB Mass Storage Bulk-Only Transport: the CBW and CSW wrappers and the
 * thirteen-case decision. Pure functions, no I/O, freestanding (string.h at
 * most), shared by the host engine and the target core. */
#ifndef USBMSC_BOT_H
#define USBMSC_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_CBW_LEN 31u
#define USBMSC_CSW_LEN 13u
#define USBMSC_CBW_SIGNATURE 0x43425355u /* "USBC" */
#define USBMSC_CSW_SIGNATURE 0x53425355u /* "USBS" */
#define USBMSC_CBW_FLAG_IN 0x80u
#define USBMSC_MAX_LUN 15u

/* Class requests (interface recipient). */
#define USBMSC_REQ_RESET 0xFFu       /* bmRequestType 0x21, wLength 0 */
#define USBMSC_REQ_GET_MAX_LUN 0xFEu /* bmRequestType 0xA1, wLength 1 */

/* The vendor interface (docs/PROTOCOL-VENDOR.md) speaks BOT with its own
 * signatures, and takes the same two requests as vendor requests to the
 * interface (bmRequestType 0x41 and 0xC1), so that no OS driver mistakes
 * it for mass storage. */
#define USBMSC_VCBW_SIGNATURE 0x43564D55u /* "UMVC" */
#define USBMSC_VCSW_SIGNATURE 0x53564D55u /* "UMVS" */
#define USBMSC_REQTYPE_CLASS_OUT 0x21u
#define USBMSC_REQTYPE_CLASS_IN 0xA1u
#define USBMSC_REQTYPE_VENDOR_OUT 0x41u
#define USBMSC_REQTYPE_VENDOR_IN 0xC1u

/* Which of the two a pipe or a target speaks. */
enum usbmsc_framing {
	USBMSC_FRAMING_BOT = 0,    /* the mass-storage interface */
	USBMSC_FRAMING_VENDOR = 1  /* the vendor interface */
};

/* Direction of a data stage, from the host's point of view. */
enum usbmsc_dir {
	USBMSC_DIR_NONE = 0,
	USBMSC_DIR_IN = 1,  /* device to host */
	USBMSC_DIR_OUT = 2  /* host to device */
};

struct usbmsc_cbw {
	uint32_t tag;
	uint32_t data_len;  /* dCBWDataTransferLength: the host's expected length */
	uint8_t flags;      /* bmCBWFlags */
	uint8_t lun;
	uint8_t cb_len;     /* 1..16 */
	uint8_t cb[16];     /* the CDB, zero-padded */
};

enum usbmsc_csw_status {
	USBMSC_CSW_PASSED = 0,
	USBMSC_CSW_FAILED = 1,
	USBMSC_CSW_PHASE_ERROR = 2
};

struct usbmsc_csw {
	uint32_t tag;
	uint32_t residue;
	uint8_t status;     /* enum usbmsc_csw_status */
};

/* What a received CBW is, in the spec's terms. */
enum usbmsc_cbw_check {
	USBMSC_CBW_OK = 0,             /* valid and meaningful */
	USBMSC_CBW_INVALID = 1,        /* wrong length or signature: halt until Reset Recovery */
	USBMSC_CBW_NOT_MEANINGFUL = 2  /* reserved bits set, LUN > max, or CB length not 1..16 */
};

/* What is wrong with a received CSW; the first failed check wins. */
enum usbmsc_csw_check {
	USBMSC_CSWCHK_OK = 0,
	USBMSC_CSWCHK_LENGTH = 1,      /* not exactly 13 bytes */
	USBMSC_CSWCHK_SIGNATURE = 2,
	USBMSC_CSWCHK_TAG = 3,         /* does not echo the CBW's tag */
	USBMSC_CSWCHK_STATUS = 4,      /* status > 2 */
	USBMSC_CSWCHK_RESIDUE = 5      /* residue > host's expected length */
};

/* Direction the CBW asks for: NONE when data_len is 0 (flags are ignored). */
USBMSC_API
enum usbmsc_dir usbmsc_cbw_dir(const struct usbmsc_cbw *cbw);

/* Encode cbw into exactly USBMSC_CBW_LEN bytes (flags must already be set;
 * the CB bytes past cb_len are written as given, normally zero). */
USBMSC_API
void usbmsc_cbw_encode(const struct usbmsc_cbw *cbw, uint8_t out[USBMSC_CBW_LEN]);

/* Fill a CBW for one command: direction becomes the flags byte, the CDB is
 * copied and zero-padded. Returns false when cdb_len is not 1..16 or lun >
 * 15, or dir disagrees with data_len (NONE iff 0). */
USBMSC_API
bool usbmsc_cbw_fill(struct usbmsc_cbw *cbw, uint32_t tag, uint8_t lun,
		     enum usbmsc_dir dir, uint32_t data_len,
		     const uint8_t *cdb, uint8_t cdb_len);

/* Decode len received bytes as a CBW. Out is filled whenever the result is
 * not USBMSC_CBW_INVALID. */
USBMSC_API
enum usbmsc_cbw_check usbmsc_cbw_decode(const uint8_t *buf, size_t len, uint8_t max_lun,
					 struct usbmsc_cbw *out);

USBMSC_API
void usbmsc_csw_encode(const struct usbmsc_csw *csw, uint8_t out[USBMSC_CSW_LEN]);

/* Decode and validate len received bytes as the CSW that answers a CBW
 * with expect_tag and host length host_len. Out is filled whenever len is
 * 13, so that a caller can report what it saw. */
USBMSC_API
enum usbmsc_csw_check usbmsc_csw_decode(const uint8_t *buf, size_t len, uint32_t expect_tag,
					 uint32_t host_len, struct usbmsc_csw *out);

/* The same four for a given framing (the functions above are BOT's). */
USBMSC_API
uint32_t usbmsc_cbw_signature(enum usbmsc_framing f);
USBMSC_API
uint32_t usbmsc_csw_signature(enum usbmsc_framing f);
/* bmRequestType of Reset (in false) and Get Max LUN (in true). */
USBMSC_API
uint8_t usbmsc_framing_request_type(enum usbmsc_framing f, bool in);
USBMSC_API
void usbmsc_cbw_encode_framed(const struct usbmsc_cbw *cbw, enum usbmsc_framing f,
			      uint8_t out[USBMSC_CBW_LEN]);
USBMSC_API
enum usbmsc_cbw_check usbmsc_cbw_decode_framed(const uint8_t *buf, size_t len,
						enum usbmsc_framing f, uint8_t max_lun,
						struct usbmsc_cbw *out);
USBMSC_API
void usbmsc_csw_encode_framed(const struct usbmsc_csw *csw, enum usbmsc_framing f,
			      uint8_t out[USBMSC_CSW_LEN]);
USBMSC_API
enum usbmsc_csw_check usbmsc_csw_decode_framed(const uint8_t *buf, size_t len,
						enum usbmsc_framing f, uint32_t expect_tag,
						uint32_t host_len, struct usbmsc_csw *out);

/* Short text for a CSW check result ("bad signature", ...). */
USBMSC_API
const char *usbmsc_csw_check_text(enum usbmsc_csw_check check);

/* The thirteen cases: what the device does when the host expects host_dir /
 * host_len and the command needs dev_dir / dev_len (docs/PROTOCOL.md). */
struct usbmsc_bot_plan {
	uint8_t case_no;      /* 1..13 */
	bool run;             /* execute the command at all */
	bool phase_error;     /* CSW status 2, whatever the command's outcome */
	bool stall_in;        /* halt Bulk-In after the data (before the CSW) */
	bool stall_out;       /* halt Bulk-Out instead of receiving data */
	uint32_t data_len;    /* bytes of command data moved (sent or processed) */
	uint32_t pad_len;     /* IN bytes of padding sent after the data */
	uint32_t drop_len;    /* OUT bytes received and discarded after the data */
	uint32_t residue;     /* dCSWDataResidue if the command passes */
};

/* pad_in selects padding instead of a Bulk-In stall in cases 4 and 5. */
USBMSC_API
void usbmsc_bot_decide(enum usbmsc_dir host_dir, uint32_t host_len,
		       enum usbmsc_dir dev_dir, uint32_t dev_len, bool pad_in,
		       struct usbmsc_bot_plan *plan);

#ifdef __cplusplus
}
#endif
#endif
