/* Key files, packing and verifying image files (src/initiator/fw_sign.c).
 *
 *   test_fwsign SOURCE_ROOT     (for the demo key pair in data/) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "usbmsc/fwsign.h"

static const char *source_root = ".";

struct fx {
	char dir[64];
	char sk[128], pk[128], payload[128], image[128];
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	uint8_t public[USBMSC_FW_PUBKEY_LEN];
};

static void path_in(const struct fx *f, char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", f->dir, name);
	assert_true(n > 0 && (size_t)n < len);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static size_t read_file(const char *path, uint8_t *buf, size_t room)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, room, fp);
	fclose(fp);
	return n;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* No temporary file was left behind in the fixture's folder. */
static void assert_no_temp_files(const struct fx *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		assert_null(strstr(e->d_name, ".tmp-"));
	closedir(d);
}

/* A deterministic payload of len bytes. */
static void make_payload(const struct fx *f, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 8));
	write_file(f->payload, p, len);
	free(p);
}

static struct usbmsc_fw_header identity(void)
{
	struct usbmsc_fw_header h;

	memset(&h, 0, sizeof h);
	h.vid = 0x1209;
	h.pid = 0x0001;
	strcpy(h.vendor, "USBMSC");
	strcpy(h.product, "Virtual Disk");
	h.hw_rev_min = 1;
	h.hw_rev_max = 3;
	strcpy(h.version, "2.0");
	h.version_number = 20;
	return h;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct usbmsc_error err = { 0 };

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/usbmsc-fwsign.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	path_in(f, f->sk, sizeof f->sk, "secret.key");
	path_in(f, f->pk, sizeof f->pk, "public.key");
	path_in(f, f->payload, sizeof f->payload, "payload.bin");
	path_in(f, f->image, sizeof f->image, "image.umfw");
	if (usbmsc_fw_keygen(f->sk, f->pk, false, &err) != 0 ||
	    usbmsc_fw_load_secret_key(f->sk, f->secret, &err) != 0 ||
	    usbmsc_fw_load_public_key(f->pk, f->public, &err) != 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char p[384];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- key files ---- */

static void test_keygen_files(void **state)
{
	struct fx *f = *state;
	struct stat st;
	uint8_t text[400], pub[USBMSC_FW_PUBKEY_LEN];
	size_t n;

	assert_int_equal(stat(f->sk, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(f->pk, &st), 0);
	assert_int_equal(st.st_mode & 0600, 0600);
	/* the documented text format */
	n = read_file(f->pk, text, sizeof text);
	assert_int_equal(n, strlen(USBMSC_FW_PUBLIC_KEY_HEADER) + 1 + 64 + 1);
	assert_memory_equal(text, USBMSC_FW_PUBLIC_KEY_HEADER "\n", 29);
	assert_int_equal(text[n - 1], '\n');
	n = read_file(f->sk, text, sizeof text);
	assert_int_equal(n, strlen(USBMSC_FW_SECRET_KEY_HEADER) + 1 + 128 + 1);
	assert_memory_equal(text, USBMSC_FW_SECRET_KEY_HEADER "\n", 29);
	/* the two halves belong together */
	usbmsc_fw_public_from_secret(f->secret, pub);
	assert_memory_equal(pub, f->public, sizeof pub);
	assert_no_temp_files(f);
}

static void test_keygen_pairs_differ(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	char sk2[160], pk2[160];
	uint8_t pub2[USBMSC_FW_PUBKEY_LEN];

	path_in(f, sk2, sizeof sk2, "b.secret");
	path_in(f, pk2, sizeof pk2, "b.public");
	assert_int_equal(usbmsc_fw_keygen(sk2, pk2, false, &err), 0);
	assert_int_equal(usbmsc_fw_load_public_key(pk2, pub2, &err), 0);
	assert_memory_not_equal(pub2, f->public, sizeof pub2);
}

static void test_keygen_no_overwrite(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	char other[160];
	uint8_t before[400], after[400], pub[USBMSC_FW_PUBKEY_LEN];
	size_t nb, na;

	nb = read_file(f->sk, before, sizeof before);
	assert_int_equal(usbmsc_fw_keygen(f->sk, f->pk, false, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "already exists"));
	na = read_file(f->sk, after, sizeof after);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);

	/* an existing public key alone also stops it, and no secret appears */
	path_in(f, other, sizeof other, "new.secret");
	assert_int_equal(usbmsc_fw_keygen(other, f->pk, false, &err), USBMSC_E_FILE);
	assert_false(file_exists(other));

	/* with force both are replaced, and the secret key is 0600 again */
	assert_int_equal(chmod(f->sk, 0644), 0);
	assert_int_equal(usbmsc_fw_keygen(f->sk, f->pk, true, &err), 0);
	na = read_file(f->sk, after, sizeof after);
	assert_memory_not_equal(after, before, nb);
	struct stat st;
	assert_int_equal(stat(f->sk, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(usbmsc_fw_load_secret_key(f->sk, f->secret, &err), 0);
	assert_int_equal(usbmsc_fw_load_public_key(f->pk, pub, &err), 0);
	assert_memory_not_equal(pub, f->public, sizeof pub);
	memcpy(f->public, pub, sizeof pub);

	assert_int_equal(usbmsc_fw_keygen(f->sk, f->sk, true, &err), USBMSC_E_USAGE);
	assert_no_temp_files(f);
}

/* Write text as a key file and expect both readers to refuse it. */
static void expect_bad_key(struct fx *f, const char *text, const char *msg_part)
{
	struct usbmsc_error err = { 0 };
	uint8_t key[USBMSC_FW_SECRET_KEY_LEN];
	char path[160];

	path_in(f, path, sizeof path, "bad.key");
	write_file(path, text, strlen(text));
	assert_int_equal(usbmsc_fw_load_public_key(path, key, &err), USBMSC_E_FILE);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("public: '%s' lacks '%s'", err.msg, msg_part);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(usbmsc_fw_load_secret_key(path, key, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, path));
}

static void test_key_file_rejects(void **state)
{
	struct fx *f = *state;
	char good[200], bad[260];
	size_t n;

	n = read_file(f->pk, (uint8_t *)good, sizeof good - 1);
	good[n] = '\0';

	expect_bad_key(f, "", "first line");
	expect_bad_key(f, "hello\n", "first line");
	/* no final newline */
	snprintf(bad, sizeof bad, "%.*s", (int)(n - 1), good);
	expect_bad_key(f, bad, "hex digits");
	/* a lone CR, or two, ends no line */
	snprintf(bad, sizeof bad, "%.*s\r", (int)(n - 1), good);
	expect_bad_key(f, bad, "LF or CR LF");
	snprintf(bad, sizeof bad, "%.*s\r\r\n", (int)(n - 1), good);
	expect_bad_key(f, bad, "hex digits");
	snprintf(bad, sizeof bad, "%s\r%s", USBMSC_FW_PUBLIC_KEY_HEADER, good + 29);
	expect_bad_key(f, bad, "first line");
	/* CR LF line ends, then a third line */
	snprintf(bad, sizeof bad, "%s\r\n%.*s\r\nextra\r\n", USBMSC_FW_PUBLIC_KEY_HEADER, 64,
		 good + 29);
	expect_bad_key(f, bad, "hex digits");
	/* a third line */
	snprintf(bad, sizeof bad, "%sextra\n", good);
	expect_bad_key(f, bad, "hex digits");
	/* upper-case hex */
	snprintf(bad, sizeof bad, "%s", good);
	for (char *p = bad + 29; *p != '\n'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (strcmp(bad, good) != 0)
		expect_bad_key(f, bad, "hex digits");
	/* one digit short, one not hex */
	snprintf(bad, sizeof bad, "%.*s\n", (int)(n - 2), good);
	expect_bad_key(f, bad, "hex digits");
	snprintf(bad, sizeof bad, "%s", good);
	bad[40] = 'g';
	expect_bad_key(f, bad, "hex digits");
	/* a header line with a trailing space */
	snprintf(bad, sizeof bad, "%s \n%s", USBMSC_FW_PUBLIC_KEY_HEADER, good + 29);
	expect_bad_key(f, bad, "first line");
}

/* path's text with every LF as CR LF (crlf) or only the first one. */
static void write_crlf(const char *from, const char *to, bool all)
{
	char text[300], out[600];
	size_t n = read_file(from, (uint8_t *)text, sizeof text), m = 0;
	bool done = false;

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n' && (all || !done)) {
			out[m++] = '\r';
			done = true;
		}
		out[m++] = text[i];
	}
	write_file(to, out, m);
}

/* Key files with CR LF line ends (a Windows editor, git's autocrlf) read
 * as the same keys. */
static void test_key_file_crlf(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	uint8_t pub[USBMSC_FW_PUBKEY_LEN], sec[USBMSC_FW_SECRET_KEY_LEN];
	char pk[160], sk[160];

	path_in(f, pk, sizeof pk, "crlf.pub");
	path_in(f, sk, sizeof sk, "crlf.key");
	write_crlf(f->pk, pk, true);
	write_crlf(f->sk, sk, true);
	assert_int_equal(usbmsc_fw_load_public_key(pk, pub, &err), 0);
	assert_memory_equal(pub, f->public, sizeof pub);
	assert_int_equal(usbmsc_fw_load_secret_key(sk, sec, &err), 0);
	assert_memory_equal(sec, f->secret, sizeof sec);
	/* one line each way */
	write_crlf(f->pk, pk, false);
	assert_int_equal(usbmsc_fw_load_public_key(pk, pub, &err), 0);
	assert_memory_equal(pub, f->public, sizeof pub);
	/* the kinds are still told apart */
	assert_int_equal(usbmsc_fw_load_public_key(sk, pub, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "holds a secret key, not a public key"));
}

static void test_key_kinds_swapped(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	uint8_t key[USBMSC_FW_SECRET_KEY_LEN];

	assert_int_equal(usbmsc_fw_load_public_key(f->sk, key, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "holds a secret key, not a public key"));
	assert_int_equal(usbmsc_fw_load_secret_key(f->pk, key, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "holds a public key, not a secret key"));
	assert_int_equal(usbmsc_fw_load_public_key("/nonexistent/k", key, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "/nonexistent/k"));
}

static void test_secret_key_halves_checked(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	uint8_t key[USBMSC_FW_SECRET_KEY_LEN];
	char text[200], path[160];
	size_t n = read_file(f->sk, (uint8_t *)text, sizeof text - 1);

	text[n] = '\0';
	/* the last hex digit is in the public half */
	text[n - 2] = text[n - 2] == '0' ? '1' : '0';
	path_in(f, path, sizeof path, "damaged.secret");
	write_file(path, text, n);
	assert_int_equal(usbmsc_fw_load_secret_key(path, key, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "does not belong"));
}

static void test_demo_key_pair(void **state)
{
	(void)state;
	struct usbmsc_error err = { 0 };
	uint8_t sk[USBMSC_FW_SECRET_KEY_LEN], pk[USBMSC_FW_PUBKEY_LEN], from_sk[USBMSC_FW_PUBKEY_LEN];
	char skp[512], pkp[512];

	snprintf(skp, sizeof skp, "%s/data/demo-fw-secret.key", source_root);
	snprintf(pkp, sizeof pkp, "%s/data/demo-fw-public.key", source_root);
	if (usbmsc_fw_load_secret_key(skp, sk, &err) != 0)
		fail_msg("%s", err.msg);
	if (usbmsc_fw_load_public_key(pkp, pk, &err) != 0)
		fail_msg("%s", err.msg);
	usbmsc_fw_public_from_secret(sk, from_sk);
	assert_memory_equal(from_sk, pk, sizeof pk);
}

/* ---- pack and examine ---- */

static void pack_ok(struct fx *f, struct usbmsc_fw_header *h)
{
	struct usbmsc_error err = { 0 };

	*h = identity();
	if (usbmsc_fw_pack(f->payload, f->image, f->secret, h, &err) != 0)
		fail_msg("pack: %s", err.msg);
}

static void test_pack_and_examine(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h, got;
	struct usbmsc_fw_report rep;
	uint8_t sha[32];
	uint64_t len;
	struct stat st;

	make_payload(f, 100000);
	pack_ok(f, &h);
	assert_int_equal(h.payload_len, 100000);
	assert_int_equal(usbmsc_fw_sha256_file(f->payload, 0, sha, &len, &err), 0);
	assert_int_equal(len, 100000);
	assert_memory_equal(h.sha256, sha, 32);
	assert_int_equal(stat(f->image, &st), 0);
	assert_int_equal(st.st_size, 256 + 100000);
	/* the image's payload is the payload */
	assert_int_equal(usbmsc_fw_sha256_file(f->image, 256, sha, &len, &err), 0);
	assert_int_equal(len, 100000);
	assert_memory_equal(h.sha256, sha, 32);

	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), 0);
	assert_int_equal(rep.check, USBMSC_FWCHK_OK);
	assert_int_equal(rep.signature, 1);
	assert_true(rep.length_ok);
	assert_true(rep.hash_ok);
	assert_int_equal(rep.payload_found, 100000);
	assert_int_equal(rep.file_size, 100256);
	assert_string_equal(rep.header.vendor, "USBMSC");
	assert_string_equal(rep.header.product, "Virtual Disk");
	assert_string_equal(rep.header.version, "2.0");
	assert_int_equal(rep.header.version_number, 20);
	assert_int_equal(rep.header.hw_rev_min, 1);
	assert_int_equal(rep.header.hw_rev_max, 3);
	assert_memory_equal(rep.header.signature, h.signature, 64);
	assert_true(usbmsc_fw_verify_signature(rep.raw, f->public));

	/* without a key the signature is not checked */
	assert_int_equal(usbmsc_fw_examine_file(f->image, NULL, &rep, &err), 0);
	assert_int_equal(rep.signature, -1);
	assert_int_equal(usbmsc_fw_verify_file(f->image, f->public, &got, &err), 0);
	assert_int_equal(got.vid, 0x1209);
	assert_no_temp_files(f);
}

static void test_pack_sizes(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	static const size_t sizes[] = { 0, 1, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 1000003 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint8_t *p = malloc(sizes[i] + 1), sha[32];
		make_payload(f, sizes[i]);
		pack_ok(f, &h);
		assert_int_equal(h.payload_len, sizes[i]);
		/* against the one-shot hash of the whole payload in memory */
		assert_non_null(p);
		assert_int_equal(read_file(f->payload, p, sizes[i] + 1), sizes[i]);
		crypto_hash_sha256(sha, p, sizes[i]);
		assert_memory_equal(h.sha256, sha, 32);
		free(p);
		assert_int_equal(usbmsc_fw_verify_file(f->image, f->public, NULL, &err), 0);
	}
}

static void test_pack_refuses(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h = identity();
	char link_path[160];

	make_payload(f, 1000);
	/* a five-character version */
	strcpy(h.version, "1.0.0");
	assert_int_equal(usbmsc_fw_pack(f->payload, f->image, f->secret, &h, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "version"));
	h = identity();
	strcpy(h.version, "1 0");
	assert_int_equal(usbmsc_fw_pack(f->payload, f->image, f->secret, &h, &err), USBMSC_E_USAGE);
	h = identity();
	h.hw_rev_min = 9;
	assert_int_equal(usbmsc_fw_pack(f->payload, f->image, f->secret, &h, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "9:3"));
	h = identity();
	strcpy(h.vendor, "\x01");
	assert_int_equal(usbmsc_fw_pack(f->payload, f->image, f->secret, &h, &err), USBMSC_E_USAGE);
	assert_false(file_exists(f->image));

	/* the payload itself, by its name and by a hard link */
	h = identity();
	assert_int_equal(usbmsc_fw_pack(f->payload, f->payload, f->secret, &h, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "own payload"));
	path_in(f, link_path, sizeof link_path, "payload.link");
	assert_int_equal(link(f->payload, link_path), 0);
	assert_int_equal(usbmsc_fw_pack(f->payload, link_path, f->secret, &h, &err), USBMSC_E_USAGE);
	uint8_t sha[32];
	uint64_t len;
	assert_int_equal(usbmsc_fw_sha256_file(f->payload, 0, sha, &len, &err), 0);
	assert_int_equal(len, 1000);

	/* a missing payload, an image in a missing folder */
	assert_int_equal(usbmsc_fw_pack("/nonexistent/p", f->image, f->secret, &h, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "/nonexistent/p"));
	assert_int_equal(usbmsc_fw_pack(f->payload, "/nonexistent/dir/img", f->secret, &h, &err),
			 USBMSC_E_FILE);
	assert_int_equal(usbmsc_fw_pack(f->dir, f->image, f->secret, &h, &err), USBMSC_E_FILE);
	assert_false(file_exists(f->image));
	assert_no_temp_files(f);
}

static void test_pack_replaces_image(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct stat st;

	write_file(f->image, "old contents", 12);
	make_payload(f, 5000);
	pack_ok(f, &h);
	assert_int_equal(stat(f->image, &st), 0);
	assert_int_equal(st.st_size, 5256);
	assert_int_equal(usbmsc_fw_verify_file(f->image, f->public, NULL, &err), 0);
}

/* Change one byte of the image at off. */
static void flip(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x01;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void test_examine_payload_changed(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;

	make_payload(f, 4096);
	pack_ok(f, &h);
	flip(f->image, 256 + 4000);
	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "SHA-256 does not match"));
	assert_int_equal(rep.signature, 1);
	assert_true(rep.length_ok);
	assert_false(rep.hash_ok);
	assert_int_equal(usbmsc_fw_examine_file(f->image, NULL, &rep, &err), USBMSC_E_FILE);
	assert_false(rep.hash_ok);
}

static void test_examine_header_changed(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;
	static const long offsets[] = { 12, 16, 44, 48, 56, 87, 192, 255 };

	make_payload(f, 4096);
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		pack_ok(f, &h);
		flip(f->image, offsets[i]);
		assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
		assert_int_equal(rep.check, USBMSC_FWCHK_OK);
		assert_int_equal(rep.signature, 0);
		assert_non_null(strstr(err.msg, "signature does not verify"));
	}
	/* without a key, a changed version number goes unnoticed: the hash
	 * covers only the payload; that is what the signature is for */
	pack_ok(f, &h);
	flip(f->image, 48);
	assert_int_equal(usbmsc_fw_examine_file(f->image, NULL, &rep, &err), 0);
	assert_int_equal(rep.header.version_number, 21);
}

static void test_examine_wrong_key(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;
	uint8_t other[USBMSC_FW_PUBKEY_LEN];

	make_payload(f, 10);
	pack_ok(f, &h);
	memcpy(other, f->public, sizeof other);
	other[0] ^= 0x80;
	assert_int_equal(usbmsc_fw_examine_file(f->image, other, &rep, &err), USBMSC_E_FILE);
	assert_int_equal(rep.signature, 0);
	assert_true(rep.hash_ok);
	assert_false(usbmsc_fw_verify_signature(rep.raw, other));
}

static void test_examine_lengths(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;
	FILE *fp;

	make_payload(f, 3000);
	pack_ok(f, &h);
	assert_int_equal(truncate(f->image, 256 + 2990), 0);
	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "truncated: the payload has 2990 bytes, the header says 3000"));
	assert_int_equal(rep.signature, 1);
	assert_false(rep.length_ok);
	assert_false(rep.hash_ok);

	pack_ok(f, &h);
	fp = fopen(f->image, "ab");
	assert_non_null(fp);
	fputs("junk", fp);
	fclose(fp);
	assert_int_equal(usbmsc_fw_examine_file(f->image, NULL, &rep, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "too long"));
	assert_non_null(strstr(err.msg, "4 extra"));

	/* cut inside the header */
	assert_int_equal(truncate(f->image, 100), 0);
	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
	assert_int_equal(rep.check, USBMSC_FWCHK_SHORT);
	assert_non_null(strstr(err.msg, "truncated: 100 bytes"));
	/* not an image at all */
	write_file(f->image, "hello", 5);
	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "not a firmware image"));
	write_file(f->image, "", 0);
	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "not a firmware image"));
	assert_int_equal(usbmsc_fw_examine_file(f->dir, NULL, &rep, &err), USBMSC_E_FILE);
	assert_int_equal(usbmsc_fw_examine_file("/nonexistent/i", NULL, &rep, &err), USBMSC_E_FILE);
}

static void test_examine_malformed(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;

	make_payload(f, 10);
	pack_ok(f, &h);
	flip(f->image, 100); /* reserved */
	assert_int_equal(usbmsc_fw_examine_file(f->image, f->public, &rep, &err), USBMSC_E_FILE);
	assert_int_equal(rep.check, USBMSC_FWCHK_RESERVED);
	assert_non_null(strstr(err.msg, "malformed header: reserved"));
	assert_int_equal(rep.signature, -1);
}

/* The header's checks alone (what the host's update runs before sending):
 * signature and length from the header and the file's size; the payload's
 * SHA-256 is left to the caller, so a changed payload passes here. */
static void test_examine_header_alone(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	struct usbmsc_fw_report rep;
	uint8_t raw[USBMSC_FW_HEADER_LEN], other[USBMSC_FW_PUBKEY_LEN];
	FILE *fp;

	make_payload(f, 3000);
	pack_ok(f, &h);
	flip(f->image, 256 + 100);
	fp = fopen(f->image, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(raw, 1, sizeof raw, fp), sizeof raw);
	fclose(fp);
	assert_int_equal(usbmsc_fw_examine_header(raw, sizeof raw, 256 + 3000, "i", f->public, &rep,
						  &err), 0);
	assert_int_equal(rep.check, USBMSC_FWCHK_OK);
	assert_int_equal(rep.signature, 1);
	assert_true(rep.length_ok);
	assert_false(rep.hash_ok);
	assert_int_equal(rep.payload_found, 3000);
	assert_int_equal(rep.file_size, 256 + 3000);
	assert_memory_equal(rep.header.sha256, h.sha256, 32);
	assert_memory_equal(rep.raw, raw, sizeof raw);
	/* the length from the file's size, as examine_file words it */
	assert_int_equal(usbmsc_fw_examine_header(raw, sizeof raw, 256 + 2990, "i", NULL, &rep,
						  &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "i is truncated: the payload has 2990 bytes, the header "
				       "says 3000"));
	assert_int_equal(usbmsc_fw_examine_header(raw, sizeof raw, 256 + 3004, "i", NULL, &rep,
						  &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "4 extra"));
	/* the signature first */
	memcpy(other, f->public, sizeof other);
	other[0] ^= 0x80;
	assert_int_equal(usbmsc_fw_examine_header(raw, sizeof raw, 256 + 2990, "i", other, &rep,
						  &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "signature does not verify"));
	/* short and malformed headers */
	assert_int_equal(usbmsc_fw_examine_header(raw, 100, 100, "i", f->public, &rep, &err),
			 USBMSC_E_FILE);
	assert_int_equal(rep.check, USBMSC_FWCHK_SHORT);
	assert_non_null(strstr(err.msg, "i is truncated: 100 bytes"));
	raw[100] ^= 1; /* reserved */
	assert_int_equal(usbmsc_fw_examine_header(raw, sizeof raw, 256 + 3000, "i", f->public, &rep,
						  &err), USBMSC_E_FILE);
	assert_int_equal(rep.check, USBMSC_FWCHK_RESERVED);
	assert_int_equal(rep.signature, -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keygen_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keygen_pairs_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keygen_no_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_kinds_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_key_halves_checked, setup, teardown),
		cmocka_unit_test(test_demo_key_pair),
		cmocka_unit_test_setup_teardown(test_pack_and_examine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_replaces_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examine_payload_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examine_header_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examine_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examine_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examine_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examine_header_alone, setup, teardown),
	};

	if (argc > 1)
		source_root = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
