/* Firmware image signing on the host: key files, pack, verify. The crypto
 * is libsodium's (Ed25519, SHA-256); files are streamed through a fixed
 * buffer so that memory does not grow with the payload. */
#include "../common/fdio.h"
#include "../common/tmpfile.h"
#include "../os/os_file.h"
#include "usbmsc/fwsign.h"

#include <string.h>

#include "usbmsc_config.h"

void usbmsc_fw_public_from_secret(const uint8_t secret[USBMSC_FW_SECRET_KEY_LEN],
				  uint8_t pub[USBMSC_FW_PUBKEY_LEN])
{
	/* libsodium's secret key is the seed followed by the public key. */
	memcpy(pub, secret + 32, USBMSC_FW_PUBKEY_LEN);
}

#if USBMSC_HAVE_SODIUM

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include <sodium.h>

#define IO_CHUNK (32u * 1024u)
/* A key file is two short lines; anything longer is not one. */
#define KEY_FILE_MAX 256u
#define PAYLOAD_MAX 0xFFFFFFFFu

static int crypto_ready(struct usbmsc_error *err)
{
	if (sodium_init() < 0)
		return usbmsc_fail(err, USBMSC_E_OTHER, "libsodium could not initialise");
	return 0;
}

/* ---- key files ---- */

/* The text of a key file: header line, hex line. */
static size_t key_text(char *out, size_t room, const char *header, const uint8_t *key, size_t len)
{
	size_t hl = strlen(header);

	if (room < hl + 1 + len * 2 + 2)
		return 0;
	memcpy(out, header, hl);
	out[hl] = '\n';
	sodium_bin2hex(out + hl + 1, len * 2 + 1, key, len);
	out[hl + 1 + len * 2] = '\n';
	return hl + 1 + len * 2 + 1;
}

static int write_key_tmp(struct usbmsc_tmpfile *t, const char *path, unsigned mode,
			 const char *text, size_t len, struct usbmsc_error *err)
{
	int st = usbmsc_tmp_create(t, path, mode, err);

	if (st)
		return st;
	/* The umask applies to a new file; the secret key must be exactly 0600. */
	if ((mode == 0600 && !usbmsc_file_set_perm(t->fd, 0600)) ||
	    !usbmsc_write_full(t->fd, (const uint8_t *)text, len)) {
		int e = errno;
		usbmsc_tmp_discard(t);
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", path, strerror(e));
	}
	st = usbmsc_tmp_close(t, err);
	if (st)
		usbmsc_file_remove(t->path);
	return st;
}

static bool exists(const char *path)
{
	struct usbmsc_file_info fi;

	return usbmsc_file_stat(path, false, &fi);
}

int usbmsc_fw_keygen(const char *secret_path, const char *public_path, bool force,
		     struct usbmsc_error *err)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char sk_text[256], pk_text[128];
	size_t sk_len, pk_len;
	struct usbmsc_tmpfile sk_tmp = { .fd = -1 }, pk_tmp = { .fd = -1 };
	int st = crypto_ready(err);

	if (st)
		return st;
	if (strcmp(secret_path, public_path) == 0)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the secret and the public key need two files, "
				   "not both %s", secret_path);
	/* Refuse before writing anything: half a pair is no use. */
	if (!force && (exists(secret_path) || exists(public_path)))
		return usbmsc_fail(err, USBMSC_E_FILE, "%s already exists; not replacing it",
				   exists(secret_path) ? secret_path : public_path);
	crypto_sign_keypair(pk, sk);
	sk_len = key_text(sk_text, sizeof sk_text, USBMSC_FW_SECRET_KEY_HEADER, sk, sizeof sk);
	pk_len = key_text(pk_text, sizeof pk_text, USBMSC_FW_PUBLIC_KEY_HEADER, pk, sizeof pk);
	sodium_memzero(sk, sizeof sk);
	st = write_key_tmp(&sk_tmp, secret_path, 0600, sk_text, sk_len, err);
	sodium_memzero(sk_text, sizeof sk_text);
	if (st)
		return st;
	st = write_key_tmp(&pk_tmp, public_path, 0666, pk_text, pk_len, err);
	if (st) {
		usbmsc_file_remove(sk_tmp.path);
		return st;
	}
	st = usbmsc_tmp_commit(&sk_tmp, secret_path, force, err);
	if (st) {
		usbmsc_file_remove(pk_tmp.path);
		return st;
	}
	st = usbmsc_tmp_commit(&pk_tmp, public_path, force, err);
	if (st && !force)
		usbmsc_file_remove(secret_path); /* ours: created a moment ago */
	return st;
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The line end at s, n bytes left: LF, or CR LF as Windows editors and
 * git's autocrlf write; 0 when there is none. */
static size_t line_end(const char *s, size_t n)
{
	if (n >= 1 && s[0] == '\n')
		return 1;
	if (n >= 2 && s[0] == '\r' && s[1] == '\n')
		return 2;
	return 0;
}

/* The length of text's first line, its end included, when that line is
 * header; else 0. */
static size_t header_line(const char *text, size_t n, const char *header)
{
	size_t hl = strlen(header);

	if (n < hl || memcmp(text, header, hl) != 0)
		return 0;
	return line_end(text + hl, n - hl) ? hl + line_end(text + hl, n - hl) : 0;
}

/* Whether text[0..n) is exactly len * 2 lower-case hex digits and a line
 * end; they go to key. */
static bool hex_line(const char *text, size_t n, uint8_t *key, size_t len)
{
	size_t digits = len * 2;

	return n > digits && is_lower_hex(text, digits) &&
	       line_end(text + digits, n - digits) == n - digits &&
	       sodium_hex2bin(key, len, text, digits, NULL, NULL, NULL) == 0;
}

/* Read path as a key file of the given kind into key[len]. */
static int load_key(const char *path, const char *header, const char *other_header,
		    const char *kind, uint8_t *key, size_t len, struct usbmsc_error *err)
{
	char text[KEY_FILE_MAX + 1];
	size_t first;
	int64_t n;
	int fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);

	if (fd < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open %s key %s: %s", kind, path,
				   strerror(errno));
	n = usbmsc_read_full(fd, (uint8_t *)text, sizeof text);
	if (n < 0) {
		int e = errno;
		usbmsc_file_close(fd);
		return usbmsc_fail(err, USBMSC_E_FILE, "reading %s: %s", path, strerror(e));
	}
	usbmsc_file_close(fd);
	if (header_line(text, (size_t)n, other_header)) {
		sodium_memzero(text, sizeof text);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s holds a %s key, not a %s key", path,
				   strcmp(kind, "public") == 0 ? "secret" : "public", kind);
	}
	first = header_line(text, (size_t)n, header);
	if (!first) {
		sodium_memzero(text, sizeof text);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a %s key file: its first line must "
				   "be '%s', as 'usbmsc fw keygen' writes", path, kind, header);
	}
	if (!hex_line(text + first, (size_t)n - first, key, len)) {
		sodium_memzero(text, sizeof text);
		sodium_memzero(key, len);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: the second line must be %zu lower-case hex "
				   "digits (a %zu-byte %s key) and the last line, ended by LF or CR LF",
				   path, len * 2, len, kind);
	}
	sodium_memzero(text, sizeof text);
	return 0;
}

int usbmsc_fw_load_public_key(const char *path, uint8_t key[USBMSC_FW_PUBKEY_LEN],
			      struct usbmsc_error *err)
{
	int st = crypto_ready(err);

	if (st)
		return st;
	return load_key(path, USBMSC_FW_PUBLIC_KEY_HEADER, USBMSC_FW_SECRET_KEY_HEADER, "public", key,
			USBMSC_FW_PUBKEY_LEN, err);
}

int usbmsc_fw_load_secret_key(const char *path, uint8_t key[USBMSC_FW_SECRET_KEY_LEN],
			      struct usbmsc_error *err)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	int st = crypto_ready(err);

	if (st)
		return st;
	st = load_key(path, USBMSC_FW_SECRET_KEY_HEADER, USBMSC_FW_PUBLIC_KEY_HEADER, "secret", key,
		      USBMSC_FW_SECRET_KEY_LEN, err);
	if (st)
		return st;
	/* A damaged or hand-edited file would sign with a key nobody can check. */
	crypto_sign_seed_keypair(pk, sk, key);
	st = sodium_memcmp(pk, key + 32, sizeof pk) == 0 ? 0 : -1;
	sodium_memzero(sk, sizeof sk);
	if (st) {
		sodium_memzero(key, USBMSC_FW_SECRET_KEY_LEN);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: the public half of the key does not belong "
				   "to its secret half (a damaged key file)", path);
	}
	return 0;
}

/* ---- hashing ---- */

/* Hash fd from its current position to the end; *len gets the count. */
static int hash_fd(int fd, const char *path, uint8_t out[USBMSC_FW_SHA256_LEN], uint64_t *len,
		   struct usbmsc_error *err)
{
	crypto_hash_sha256_state h;
	uint8_t buf[IO_CHUNK];
	uint64_t total = 0;

	crypto_hash_sha256_init(&h);
	for (;;) {
		int64_t n = usbmsc_read_full(fd, buf, sizeof buf);
		if (n < 0)
			return usbmsc_fail(err, USBMSC_E_FILE, "reading %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		total += (uint64_t)n;
	}
	crypto_hash_sha256_final(&h, out);
	if (len)
		*len = total;
	return 0;
}

int usbmsc_fw_sha256_file(const char *path, uint64_t offset, uint8_t out[USBMSC_FW_SHA256_LEN],
			  uint64_t *len, struct usbmsc_error *err)
{
	int st = crypto_ready(err), fd;

	if (st)
		return st;
	fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	if (fd < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	if (!usbmsc_file_seek(fd, offset)) {
		usbmsc_file_close(fd);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: cannot seek to byte %llu", path,
				   (unsigned long long)offset);
	}
	st = hash_fd(fd, path, out, len, err);
	usbmsc_file_close(fd);
	return st;
}

/* ---- pack ---- */

static bool version_ok(const char *v)
{
	size_t n = strlen(v);

	if (n < 1 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] > 0x7E)
			return false;
	return true;
}

/* Why hdr cannot be encoded, for the caller to show. */
static int header_usage_error(const struct usbmsc_fw_header *hdr, struct usbmsc_error *err)
{
	if (!memchr(hdr->version, '\0', sizeof hdr->version) || !version_ok(hdr->version))
		return usbmsc_fail(err, USBMSC_E_USAGE, "the version string must be 1 to 4 printable "
				   "ASCII characters without spaces (INQUIRY's revision field)");
	if (hdr->hw_rev_min > hdr->hw_rev_max)
		return usbmsc_fail(err, USBMSC_E_USAGE, "hardware revision range %u:%u runs backwards",
				   hdr->hw_rev_min, hdr->hw_rev_max);
	if (hdr->flags != 0)
		return usbmsc_fail(err, USBMSC_E_USAGE, "format version 1 defines no flags");
	return usbmsc_fail(err, USBMSC_E_USAGE, "vendor (at most 8) or product (at most 16) is not "
			   "printable ASCII that fits its INQUIRY field");
}

/* Copy payload (fd in) after a 256-byte placeholder in out, hashing as it goes. */
static int copy_payload(int in, const char *payload_path, struct usbmsc_tmpfile *out,
			uint8_t sha[USBMSC_FW_SHA256_LEN], uint64_t *len, struct usbmsc_error *err)
{
	crypto_hash_sha256_state h;
	uint8_t buf[IO_CHUNK];
	uint64_t total = 0;

	memset(buf, 0, USBMSC_FW_HEADER_LEN);
	if (!usbmsc_write_full(out->fd, buf, USBMSC_FW_HEADER_LEN))
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", out->path, strerror(errno));
	crypto_hash_sha256_init(&h);
	for (;;) {
		int64_t n = usbmsc_read_full(in, buf, sizeof buf);
		if (n < 0)
			return usbmsc_fail(err, USBMSC_E_FILE, "reading %s: %s", payload_path,
					   strerror(errno));
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > PAYLOAD_MAX)
			return usbmsc_fail(err, USBMSC_E_FILE, "%s is larger than 4 GiB - 1 bytes, the "
					   "most an image holds", payload_path);
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		if (!usbmsc_write_full(out->fd, buf, (size_t)n))
			return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", out->path,
					   strerror(errno));
	}
	crypto_hash_sha256_final(&h, sha);
	*len = total;
	return 0;
}

/* Fill in length and hash, sign, and write the header over the placeholder. */
static int sign_header(struct usbmsc_tmpfile *out, const uint8_t *sk, struct usbmsc_fw_header *hdr,
		       struct usbmsc_error *err)
{
	uint8_t raw[USBMSC_FW_HEADER_LEN];

	memset(hdr->signature, 0, sizeof hdr->signature);
	if (!usbmsc_fw_header_encode(hdr, raw))
		return header_usage_error(hdr, err);
	crypto_sign_detached(hdr->signature, NULL, raw, USBMSC_FW_SIGNED_LEN, sk);
	memcpy(raw + USBMSC_FW_SIG_OFFSET, hdr->signature, USBMSC_FW_SIG_LEN);
	if (!usbmsc_pwrite_full(out->fd, raw, sizeof raw, 0))
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", out->path, strerror(errno));
	return 0;
}

int usbmsc_fw_pack(const char *payload_path, const char *image_path,
		   const uint8_t secret_key[USBMSC_FW_SECRET_KEY_LEN], struct usbmsc_fw_header *hdr,
		   struct usbmsc_error *err)
{
	uint8_t probe[USBMSC_FW_HEADER_LEN];
	struct usbmsc_tmpfile out = { .fd = -1 };
	struct usbmsc_file_info pfi, ifi;
	uint64_t len = 0;
	int st = crypto_ready(err), in;

	if (st)
		return st;
	/* Check the fields before reading a byte of a payload that may be large. */
	hdr->payload_len = 0;
	if (!usbmsc_fw_header_encode(hdr, probe))
		return header_usage_error(hdr, err);
	in = usbmsc_file_open(payload_path, USBMSC_FILE_READ, 0);
	if (in < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open payload %s: %s", payload_path,
				   strerror(errno));
	if (!usbmsc_file_stat_fd(in, &pfi) || pfi.kind == USBMSC_FILE_DIRECTORY) {
		usbmsc_file_close(in);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a file", payload_path);
	}
	if (usbmsc_file_stat(image_path, true, &ifi) && ifi.volume == pfi.volume &&
	    ifi.index == pfi.index) {
		usbmsc_file_close(in);
		return usbmsc_fail(err, USBMSC_E_USAGE, "the image %s would overwrite its own payload",
				   image_path);
	}
	st = usbmsc_tmp_create(&out, image_path, 0666, err);
	if (st == 0)
		st = copy_payload(in, payload_path, &out, hdr->sha256, &len, err);
	usbmsc_file_close(in);
	if (st == 0) {
		hdr->payload_len = (uint32_t)len;
		st = sign_header(&out, secret_key, hdr, err);
	}
	if (st == 0)
		st = usbmsc_tmp_close(&out, err);
	if (st) {
		usbmsc_tmp_discard(&out);
		return st;
	}
	return usbmsc_tmp_commit(&out, image_path, true, err);
}

/* ---- verify ---- */

bool usbmsc_fw_verify_signature(const uint8_t header[USBMSC_FW_HEADER_LEN],
				const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN])
{
	if (sodium_init() < 0)
		return false;
	return crypto_sign_verify_detached(header + USBMSC_FW_SIG_OFFSET, header,
					   USBMSC_FW_SIGNED_LEN, pubkey) == 0;
}

/* A file shorter than the header: cut off, or not an image at all. */
static int short_file(const char *path, const struct usbmsc_fw_report *rep,
		      struct usbmsc_error *err)
{
	size_t n = rep->file_size < 4 ? (size_t)rep->file_size : 4;

	if (memcmp(rep->raw, USBMSC_FW_MAGIC, n) != 0 || n == 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a firmware image (%llu bytes, no "
				   "\"UMFW\" header)", path, (unsigned long long)rep->file_size);
	return usbmsc_fail(err, USBMSC_E_FILE, "%s is truncated: %llu bytes, shorter than the "
			   "256-byte header", path, (unsigned long long)rep->file_size);
}

/* The first failed check of a complete header, as a message; the hash's
 * only when the payload was hashed. */
static int verdict(const char *path, const struct usbmsc_fw_report *rep, bool hashed,
		   struct usbmsc_error *err)
{
	unsigned long long found = rep->payload_found, want = rep->header.payload_len;

	if (rep->signature == 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: the signature does not verify with this "
				   "public key (the header was changed, or another key signed it)",
				   path);
	if (found < want)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is truncated: the payload has %llu bytes, "
				   "the header says %llu (%llu missing)", path, found, want,
				   want - found);
	if (found > want)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is too long: the payload has %llu bytes, "
				   "the header says %llu (%llu extra at the end)", path, found, want,
				   found - want);
	if (hashed && !rep->hash_ok)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: the payload's SHA-256 does not match the "
				   "header's (the payload was changed or damaged)", path);
	return 0;
}

/* rep->raw holds rep->file_size bytes, at most a header's: it must be a
 * header that parses. */
static int parse_raw(const char *name, struct usbmsc_fw_report *rep, struct usbmsc_error *err)
{
	if (rep->file_size < sizeof rep->raw)
		return short_file(name, rep, err);
	rep->check = usbmsc_fw_header_parse(rep->raw, sizeof rep->raw, &rep->header);
	if (rep->check != USBMSC_FWCHK_OK)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: malformed header: %s", name,
				   usbmsc_fw_check_text(rep->check));
	return 0;
}

/* Length, hash (when hashed) and signature (with pubkey) of a parsed header. */
static int judge(const char *name, const uint8_t *pubkey, bool hashed,
		 struct usbmsc_fw_report *rep, struct usbmsc_error *err)
{
	rep->length_ok = rep->payload_found == rep->header.payload_len;
	rep->hash_ok = hashed && rep->length_ok &&
		       sodium_memcmp(rep->sha256, rep->header.sha256, USBMSC_FW_SHA256_LEN) == 0;
	if (pubkey)
		rep->signature = usbmsc_fw_verify_signature(rep->raw, pubkey) ? 1 : 0;
	return verdict(name, rep, hashed, err);
}

int usbmsc_fw_examine_file(const char *path, const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			   struct usbmsc_error *err)
{
	struct usbmsc_file_info fi;
	int st, fd;

	memset(rep, 0, sizeof *rep);
	rep->check = USBMSC_FWCHK_SHORT;
	rep->signature = -1;
	fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	if (fd < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	if (!usbmsc_file_stat_fd(fd, &fi) || fi.kind == USBMSC_FILE_DIRECTORY) {
		usbmsc_file_close(fd);
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a file", path);
	}
	st = usbmsc_fw_examine_fd(fd, path, pubkey, rep, err);
	usbmsc_file_close(fd);
	return st;
}

int usbmsc_fw_examine_fd(int fd, const char *name, const uint8_t *pubkey,
			 struct usbmsc_fw_report *rep, struct usbmsc_error *err)
{
	int64_t n;
	int st = crypto_ready(err);

	memset(rep, 0, sizeof *rep);
	rep->check = USBMSC_FWCHK_SHORT;
	rep->signature = -1;
	if (st)
		return st;
	n = usbmsc_read_full(fd, rep->raw, sizeof rep->raw);
	if (n < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "reading %s: %s", name, strerror(errno));
	rep->file_size = (uint64_t)n;
	st = parse_raw(name, rep, err);
	if (st)
		return st;
	st = hash_fd(fd, name, rep->sha256, &rep->payload_found, err);
	if (st)
		return st;
	rep->file_size += rep->payload_found;
	return judge(name, pubkey, true, rep, err);
}

int usbmsc_fw_examine_header(const uint8_t *raw, size_t len, uint64_t file_size, const char *name,
			     const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			     struct usbmsc_error *err)
{
	size_t n = len < sizeof rep->raw ? len : sizeof rep->raw;
	int st = crypto_ready(err);

	memset(rep, 0, sizeof *rep);
	rep->check = USBMSC_FWCHK_SHORT;
	rep->signature = -1;
	if (st)
		return st;
	memcpy(rep->raw, raw, n);
	rep->file_size = file_size < n ? file_size : n;
	st = parse_raw(name, rep, err);
	if (st)
		return st;
	rep->file_size = file_size;
	rep->payload_found = file_size - sizeof rep->raw;
	return judge(name, pubkey, false, rep, err);
}

#else /* !USBMSC_HAVE_SODIUM */

static int no_sodium(struct usbmsc_error *err)
{
	return usbmsc_fail(err, USBMSC_E_OTHER, "built without libsodium: no firmware signatures");
}

int usbmsc_fw_keygen(const char *secret_path, const char *public_path, bool force,
		     struct usbmsc_error *err)
{
	(void)secret_path, (void)public_path, (void)force;
	return no_sodium(err);
}

int usbmsc_fw_load_public_key(const char *path, uint8_t key[USBMSC_FW_PUBKEY_LEN],
			      struct usbmsc_error *err)
{
	(void)path, (void)key;
	return no_sodium(err);
}

int usbmsc_fw_load_secret_key(const char *path, uint8_t key[USBMSC_FW_SECRET_KEY_LEN],
			      struct usbmsc_error *err)
{
	(void)path, (void)key;
	return no_sodium(err);
}

int usbmsc_fw_sha256_file(const char *path, uint64_t offset, uint8_t out[USBMSC_FW_SHA256_LEN],
			  uint64_t *len, struct usbmsc_error *err)
{
	(void)path, (void)offset, (void)out, (void)len;
	return no_sodium(err);
}

int usbmsc_fw_pack(const char *payload_path, const char *image_path,
		   const uint8_t secret_key[USBMSC_FW_SECRET_KEY_LEN], struct usbmsc_fw_header *hdr,
		   struct usbmsc_error *err)
{
	(void)payload_path, (void)image_path, (void)secret_key, (void)hdr;
	return no_sodium(err);
}

bool usbmsc_fw_verify_signature(const uint8_t header[USBMSC_FW_HEADER_LEN],
				const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN])
{
	(void)header, (void)pubkey;
	return false;
}

int usbmsc_fw_examine_file(const char *path, const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			   struct usbmsc_error *err)
{
	return usbmsc_fw_examine_fd(-1, path, pubkey, rep, err);
}

int usbmsc_fw_examine_fd(int fd, const char *name, const uint8_t *pubkey,
			 struct usbmsc_fw_report *rep, struct usbmsc_error *err)
{
	(void)fd, (void)name, (void)pubkey;
	memset(rep, 0, sizeof *rep);
	rep->check = USBMSC_FWCHK_SHORT;
	rep->signature = -1;
	return no_sodium(err);
}

int usbmsc_fw_examine_header(const uint8_t *raw, size_t len, uint64_t file_size, const char *name,
			     const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			     struct usbmsc_error *err)
{
	(void)raw, (void)len, (void)file_size, (void)name, (void)pubkey;
	memset(rep, 0, sizeof *rep);
	rep->check = USBMSC_FWCHK_SHORT;
	rep->signature = -1;
	return no_sodium(err);
}

#endif /* USBMSC_HAVE_SODIUM */

int usbmsc_fw_verify_file(const char *path, const uint8_t *pubkey, struct usbmsc_fw_header *hdr,
			  struct usbmsc_error *err)
{
	struct usbmsc_fw_report rep;
	int st = usbmsc_fw_examine_file(path, pubkey, &rep, err);

	if (hdr && rep.check == USBMSC_FWCHK_OK)
		*hdr = rep.header;
	return st;
}
