/* Firmware image signing on the host: Ed25519 key pairs, packing a payload
 * into a signed image, verifying an image file. Needs libsodium; a build
 * without it keeps these functions, and they fail with USBMSC_E_OTHER
 * ("built without libsodium").
 *
 * Key files are two lines of text, each ending in '\n':
 *   public:  "usbmsc-fw-public-key ed25519" then 64 lower-case hex digits
 *            (the 32-byte public key)
 *   secret:  "usbmsc-fw-secret-key ed25519" then 128 lower-case hex digits
 *            (libsodium's 64-byte secret key: the seed, then the public key)
 * The readers accept exactly that and nothing else.
 *
 * Every function returns 0 or a category of status.h (USBMSC_E_FILE for a
 * file that cannot be read or written, a malformed key or image, a hash or
 * signature that does not match) with a message in err. Paths appear in the
 * messages, so the caller can print them as they are. */
#ifndef USBMSC_FWSIGN_H
#define USBMSC_FWSIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/fwimage.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_FW_SECRET_KEY_LEN 64u
#define USBMSC_FW_PUBLIC_KEY_HEADER "usbmsc-fw-public-key ed25519"
#define USBMSC_FW_SECRET_KEY_HEADER "usbmsc-fw-secret-key ed25519"

/* A new key pair. The secret key file is created with mode 0600, the public
 * one with 0666 less the umask. Neither file is replaced unless force; each
 * is written whole or not at all. */
USBMSC_API
int usbmsc_fw_keygen(const char *secret_path, const char *public_path, bool force,
		     struct usbmsc_error *err);

USBMSC_API
int usbmsc_fw_load_public_key(const char *path, uint8_t key[USBMSC_FW_PUBKEY_LEN],
			      struct usbmsc_error *err);
/* Also checks that the public half belongs to the seed. */
USBMSC_API
int usbmsc_fw_load_secret_key(const char *path, uint8_t key[USBMSC_FW_SECRET_KEY_LEN],
			      struct usbmsc_error *err);
/* The public key that belongs to a secret key. */
USBMSC_API
void usbmsc_fw_public_from_secret(const uint8_t secret[USBMSC_FW_SECRET_KEY_LEN],
				  uint8_t pub[USBMSC_FW_PUBKEY_LEN]);

/* SHA-256 of the file at path from byte offset to its end, read through a
 * fixed buffer; *len (if not NULL) gets the number of bytes hashed. */
USBMSC_API
int usbmsc_fw_sha256_file(const char *path, uint64_t offset, uint8_t out[USBMSC_FW_SHA256_LEN],
			  uint64_t *len, struct usbmsc_error *err);

/* Pack payload_path into a signed image at image_path. hdr gives what the
 * image fits (vid, pid, vendor, product, hw_rev_min/max: 0, "", 0..0xFFFF
 * for any) and its version and version number; pack fills in payload_len,
 * sha256 and signature. The payload is streamed; the image goes to a
 * temporary file beside image_path that is renamed into place, so a failure
 * leaves no partial image. An image_path that is the payload is refused.
 * A header field that cannot be encoded is USBMSC_E_USAGE. */
USBMSC_API
int usbmsc_fw_pack(const char *payload_path, const char *image_path,
		   const uint8_t secret_key[USBMSC_FW_SECRET_KEY_LEN], struct usbmsc_fw_header *hdr,
		   struct usbmsc_error *err);

/* Ed25519 verification of bytes 0..191 of an encoded header against its
 * bytes 192..255. */
USBMSC_API
bool usbmsc_fw_verify_signature(const uint8_t header[USBMSC_FW_HEADER_LEN],
				const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN]);

/* Everything found out about an image file. */
struct usbmsc_fw_report {
	enum usbmsc_fw_check check;       /* the header; the rest is valid when OK */
	struct usbmsc_fw_header header;
	uint8_t raw[USBMSC_FW_HEADER_LEN]; /* the header bytes as read */
	uint64_t file_size;
	uint64_t payload_found;           /* bytes after the header */
	uint8_t sha256[USBMSC_FW_SHA256_LEN]; /* SHA-256 of those bytes */
	bool length_ok;                   /* payload_found == header.payload_len */
	bool hash_ok;                     /* length_ok and the hashes match */
	int signature;                    /* 1 verifies, 0 does not, -1 not checked */
};

/* Read and check the image at path: its header, its payload's length and
 * SHA-256 (streamed), and with pubkey (NULL: none) its signature. rep is
 * filled as far as the file allows. Returns 0 when every check made passed,
 * otherwise USBMSC_E_FILE with the first reason, in this order: unreadable,
 * malformed header, signature, payload length (shorter or longer), hash. */
USBMSC_API
int usbmsc_fw_examine_file(const char *path, const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			   struct usbmsc_error *err);

/* The same on an open file, read from its current position to its end;
 * name names it in the messages. */
USBMSC_API
int usbmsc_fw_examine_fd(int fd, const char *name, const uint8_t *pubkey,
			 struct usbmsc_fw_report *rep, struct usbmsc_error *err);

/* The checks of usbmsc_fw_examine_fd that need only the header, for a
 * caller that reads the payload once, to send it: raw holds the file's
 * first len bytes, file_size is the file's size. Header, signature (with
 * pubkey) and payload length (file_size - 256 against the header's), in
 * that order; the payload's SHA-256 is not computed (rep->hash_ok stays
 * false), so 0 says that the header is sound, signed, and describes a
 * payload of the file's length. The caller hashes the payload as it reads
 * it and compares with rep->header.sha256 before it relies on it. */
USBMSC_API
int usbmsc_fw_examine_header(const uint8_t *raw, size_t len, uint64_t file_size, const char *name,
			     const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			     struct usbmsc_error *err);

/* The same, keeping only the header (hdr may be NULL). */
USBMSC_API
int usbmsc_fw_verify_file(const char *path, const uint8_t *pubkey, struct usbmsc_fw_header *hdr,
			  struct usbmsc_error *err);

#ifdef __cplusplus
}
#endif
#endif
