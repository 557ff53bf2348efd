/* fw keygen | pack | inspect | uf2: signing keys, signed firmware image
 * files, and their UF2 form for the file door. No device is involved; the
 * image format is docs/FIRMWARE-IMAGE.md's, UF2 docs/FILE-DOOR.md's.
 *
 * "fw" has subcommands with options of their own (pack's --version is not
 * the global --version), so main.c hands it every argument after its name
 * (own_options) and this file reads them, global options included. */
#include "cli.h"
#include "own_opts.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "../../src/os/os_file.h"

#include "usbmsc/fwsign.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/uf2.h"

#include "cmd_fw_cab.h"
#include "cmd_fw_update.h"
#include "parse.h"

enum fw_sub { FW_KEYGEN = 1u << 0, FW_PACK = 1u << 1, FW_INSPECT = 1u << 2, FW_INFO = 1u << 3,
	      FW_UPDATE = 1u << 4, FW_ACTIVATE = 1u << 5, FW_CONFIRM = 1u << 6, FW_UF2 = 1u << 7,
	      FW_CAB = 1u << 8 };
#define FW_ALL (FW_KEYGEN | FW_PACK | FW_INSPECT | FW_INFO | FW_UPDATE | FW_ACTIVATE | FW_CONFIRM | \
		FW_UF2 | FW_CAB)

enum fw_opt_id {
	FO_FORCE = OWN_OPT_FIRST, FO_KEY, FO_VERSION, FO_VERSION_NUMBER, FO_VID, FO_PID, FO_VENDOR, FO_PRODUCT,
	FO_HW_REV, FO_OUTPUT, FO_MODE, FO_CHUNK, FO_WAIT, FO_NO_ACTIVATE, FO_DRY_RUN,
	FO_NO_HOST_CHECKS, FO_ALLOW_REINSTALL, FO_ROUTE, FO_ID, FO_NAME, FO_SUMMARY, FO_DATE
};

static const struct own_opt fw_opts[] = {
	{ "json", 0, false, CLI_O_JSON, FW_ALL },
	{ "verbose", 'v', false, CLI_O_VERBOSE, FW_ALL },
	{ "help", 'h', false, CLI_O_HELP, FW_ALL },
	{ "device", 'd', true, CLI_O_DEVICE, FW_ALL },
	{ "timeout", 0, true, CLI_O_TIMEOUT, FW_ALL },
	{ "lun", 0, true, CLI_O_LUN, FW_ALL },
	{ "force", 'f', false, FO_FORCE, FW_KEYGEN },
	{ "key", 'k', true, FO_KEY, FW_PACK | FW_INSPECT | FW_UPDATE | FW_UF2 | FW_CAB },
	{ "version", 0, true, FO_VERSION, FW_PACK },
	{ "version-number", 0, true, FO_VERSION_NUMBER, FW_PACK },
	{ "vid", 0, true, FO_VID, FW_PACK },
	{ "pid", 0, true, FO_PID, FW_PACK },
	{ "vendor", 0, true, FO_VENDOR, FW_PACK | FW_CAB },
	{ "product", 0, true, FO_PRODUCT, FW_PACK | FW_CAB },
	{ "hw-rev", 0, true, FO_HW_REV, FW_PACK },
	{ "output", 'o', true, FO_OUTPUT, FW_PACK | FW_UF2 | FW_CAB },
	{ "mode", 0, true, FO_MODE, FW_UPDATE },
	{ "chunk", 0, true, FO_CHUNK, FW_UPDATE },
	{ "wait", 0, true, FO_WAIT, FW_UPDATE | FW_ACTIVATE },
	{ "no-activate", 0, false, FO_NO_ACTIVATE, FW_UPDATE },
	{ "dry-run", 0, false, FO_DRY_RUN, FW_UPDATE },
	{ "no-host-checks", 0, false, FO_NO_HOST_CHECKS, FW_UPDATE },
	{ "allow-reinstall", 0, false, FO_ALLOW_REINSTALL, FW_UPDATE },
	{ "route", 0, true, FO_ROUTE, FW_CAB },
	{ "id", 0, true, FO_ID, FW_CAB },
	{ "name", 0, true, FO_NAME, FW_CAB },
	{ "summary", 0, true, FO_SUMMARY, FW_CAB },
	{ "date", 0, true, FO_DATE, FW_CAB },
};

struct fw_args {
	enum fw_sub sub;
	const char *sub_name;
	bool force;
	const char *key, *version, *version_number, *vid, *pid, *vendor, *product, *hw_rev, *output;
	struct fw_update_args update;  /* fw update's own options */
	struct fw_cab_args cab;        /* fw cab's own options */
	int argc;
	char **argv;        /* positional arguments after the subcommand */
};

/* ---- the command line ---- */

static void apply(struct fw_args *a, const struct own_opt *o, const char *v)
{
	switch (o->id) {
	case FO_FORCE: a->force = true; break;
	case FO_KEY: a->key = v; break;
	case FO_VERSION: a->version = v; break;
	case FO_VERSION_NUMBER: a->version_number = v; break;
	case FO_VID: a->vid = v; break;
	case FO_PID: a->pid = v; break;
	case FO_VENDOR: a->vendor = v; break;
	case FO_PRODUCT: a->product = v; break;
	case FO_HW_REV: a->hw_rev = v; break;
	case FO_OUTPUT: a->output = v; break;
	case FO_MODE: a->update.mode = v; break;
	case FO_CHUNK: a->update.chunk = v; break;
	case FO_WAIT: a->update.wait = v; break;
	case FO_NO_ACTIVATE: a->update.no_activate = true; break;
	case FO_DRY_RUN: a->update.dry_run = true; break;
	case FO_NO_HOST_CHECKS: a->update.no_host_checks = true; break;
	case FO_ALLOW_REINSTALL: a->update.allow_reinstall = true; break;
	case FO_ROUTE: a->cab.route = v; break;
	case FO_ID: a->cab.id = v; break;
	case FO_NAME: a->cab.name = v; break;
	case FO_SUMMARY: a->cab.summary = v; break;
	case FO_DATE: a->cab.date = v; break;
	}
}

/* One argument that starts with '-'; *i moves past a separate value. */
static int parse_one(struct cli *c, struct fw_args *a, int *i)
{
	static const struct own_opts rules = {
		fw_opts, sizeof fw_opts / sizeof fw_opts[0], FW_ALL,
		"the fw command (keygen, pack, inspect, uf2, info, update, activate, confirm or cab)"
	};
	const struct own_opt *o;
	const char *value;
	int st = own_opt_parse(c, &rules, a->sub, a->sub_name, i, &o, &value);

	if (st || !o)
		return st;
	apply(a, o, value);
	return 0;
}

static int parse_fw_args(struct cli *c, struct fw_args *a)
{
	bool options_done = false;

	a->argv = c->argv;
	/* global options may come before the subcommand too */
	for (int i = 0; i < c->argc; i++) {
		const char *arg = c->argv[i];
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
		} else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			int st = parse_one(c, a, &i);
			if (st)
				return st;
		} else if (!a->sub) {
			a->sub_name = arg;
			if (strcmp(arg, "keygen") == 0)
				a->sub = FW_KEYGEN;
			else if (strcmp(arg, "pack") == 0)
				a->sub = FW_PACK;
			else if (strcmp(arg, "inspect") == 0)
				a->sub = FW_INSPECT;
			else if (strcmp(arg, "info") == 0)
				a->sub = FW_INFO;
			else if (strcmp(arg, "update") == 0)
				a->sub = FW_UPDATE;
			else if (strcmp(arg, "activate") == 0)
				a->sub = FW_ACTIVATE;
			else if (strcmp(arg, "confirm") == 0)
				a->sub = FW_CONFIRM;
			else if (strcmp(arg, "uf2") == 0)
				a->sub = FW_UF2;
			else if (strcmp(arg, "cab") == 0)
				a->sub = FW_CAB;
			else
				return cli_usage(c, "unknown fw command '%s': keygen, pack, inspect, uf2, "
						 "info, update, activate, confirm or cab", arg);
			/* fw update, activate and confirm answer --json in events,
			 * their failures too */
			if (a->sub & (FW_UPDATE | FW_ACTIVATE | FW_CONFIRM)) {
				c->json_error = cli_fw_update_json_error;
				c->json_error_ctx = &a->update;
			}
		} else {
			a->argv[a->argc++] = c->argv[i];
		}
	}
	return 0;
}

static int want_args(struct cli *c, const struct fw_args *a, int n, const char *what)
{
	if (a->argc < n)
		return cli_usage(c, "%s needs %s", a->sub_name, what);
	if (a->argc > n)
		return cli_usage(c, "%s: too many arguments (from '%s' on)", a->sub_name,
				 a->argv[n]);
	return 0;
}

/* ---- keygen ---- */

static bool path_exists(const char *path)
{
	struct usbmsc_file_info fi;

	return usbmsc_file_stat(path, false, &fi);
}

static int run_keygen(struct cli *c, const struct fw_args *a)
{
	struct usbmsc_error err = { 0 };
	uint8_t pub[USBMSC_FW_PUBKEY_LEN];
	const char *sk, *pk;
	char hex[USBMSC_FW_PUBKEY_LEN * 2 + 1];
	int st = want_args(c, a, 2, "two files: SECRET PUBLIC");

	if (st)
		return st;
	sk = a->argv[0];
	pk = a->argv[1];
	st = usbmsc_fw_keygen(sk, pk, a->force, &err);
	if (st) {
		bool existed = !a->force && (path_exists(sk) || path_exists(pk));
		st = cli_fail(c, st, "%s", err.msg);
		if (existed)
			fprintf(stderr, "usbmsc: hint: --force replaces existing key files\n");
		return st;
	}
	st = usbmsc_fw_load_public_key(pk, pub, &err);
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	for (size_t i = 0; i < sizeof pub; i++)
		snprintf(hex + 2 * i, 3, "%02x", pub[i]);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "secret_key", sk);
		json_string(&c->out, "public_key", pk);
		json_string(&c->out, "public_key_hex", hex);
		json_object_end(&c->out);
		return 0;
	}
	cli_kv("secret key", "%s (mode 0600: keep it private)", sk);
	cli_kv("public key", "%s", pk);
	cli_kv("public key hex", "%s", hex);
	return 0;
}

/* ---- pack ---- */

static void hex_line(const char *key, const uint8_t *b, size_t n)
{
	char hex[USBMSC_FW_SIG_LEN * 2 + 1];

	for (size_t i = 0; i < n && i < USBMSC_FW_SIG_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	hex[2 * (n < USBMSC_FW_SIG_LEN ? n : USBMSC_FW_SIG_LEN)] = '\0';
	cli_kv(key, "%s", hex);
}

/* A USB VID or PID: hex, with or without 0x; 0 would mean "any". */
static int parse_usb_id(struct cli *c, const char *opt, const char *s, uint16_t *out)
{
	char buf[16];
	uint64_t v;

	if (strncmp(s, "0x", 2) != 0 && strncmp(s, "0X", 2) != 0) {
		if (strlen(s) + 3 > sizeof buf)
			return cli_usage(c, "--%s takes a hex number from 1 to ffff, not '%s'", opt, s);
		snprintf(buf, sizeof buf, "0x%s", s);
		s = buf;
	}
	if (!parse_u64(s, &v) || v < 1 || v > 0xFFFF)
		return cli_usage(c, "--%s takes a hex number from 1 to ffff, not '%s' (leave it out to "
				 "fit any)", opt, s == buf ? s + 2 : s);
	*out = (uint16_t)v;
	return 0;
}

/* MIN:MAX, or one revision N (N:N); decimal or 0x hex. */
static int parse_hw_rev(struct cli *c, const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	const char *colon = strchr(s, ':');
	uint64_t a, b;

	if (strlen(s) >= sizeof buf)
		return cli_usage(c, "--hw-rev takes MIN:MAX, not '%s'", s);
	strcpy(buf, s);
	if (colon)
		buf[colon - s] = '\0';
	if (!parse_u64(buf, &a) || !parse_u64(colon ? buf + (colon - s) + 1 : buf, &b) ||
	    a > 0xFFFF || b > 0xFFFF)
		return cli_usage(c, "--hw-rev takes MIN:MAX (or one revision N), each 0 to 65535, "
				 "not '%s'", s);
	if (a > b)
		return cli_usage(c, "--hw-rev %s runs backwards: MIN must not exceed MAX", s);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static bool printable_string(const char *s, bool spaces)
{
	for (; *s; s++)
		if ((unsigned char)*s < (spaces ? 0x20 : 0x21) || (unsigned char)*s > 0x7E)
			return false;
	return true;
}

static int parse_name(struct cli *c, const char *opt, const char *s, char *out, size_t room)
{
	size_t n = strlen(s);

	if (n == 0 || n >= room || !printable_string(s, true) || s[0] == ' ' || s[n - 1] == ' ')
		return cli_usage(c, "--%s takes 1 to %zu printable ASCII characters (INQUIRY's %s "
				 "field), not '%s'", opt, room - 1, opt, s);
	memcpy(out, s, n + 1);
	return 0;
}

/* The header fields from the options; every error is a usage error. */
static int pack_header(struct cli *c, const struct fw_args *a, struct usbmsc_fw_header *h)
{
	uint64_t n;
	int st = 0;

	memset(h, 0, sizeof *h);
	h->hw_rev_max = 0xFFFF;
	if (!a->key || !a->version || !a->version_number || !a->output)
		return cli_usage(c, "fw pack needs --key SECRET, --version STRING, --version-number N "
				 "and -o IMAGE");
	if (strlen(a->version) < 1 || strlen(a->version) > 4 || !printable_string(a->version, false))
		return cli_usage(c, "--version must be 1 to 4 printable ASCII characters without "
				 "spaces (INQUIRY's revision field), not '%s' (%zu)", a->version,
				 strlen(a->version));
	memcpy(h->version, a->version, strlen(a->version) + 1);
	if (!parse_u64(a->version_number, &n) || n > 0xFFFFFFFFu)
		return cli_usage(c, "--version-number takes a number from 0 to 4294967295, not '%s'",
				 a->version_number);
	h->version_number = (uint32_t)n;
	if (a->vid)
		st = parse_usb_id(c, "vid", a->vid, &h->vid);
	if (!st && a->pid)
		st = parse_usb_id(c, "pid", a->pid, &h->pid);
	if (!st && a->vendor)
		st = parse_name(c, "vendor", a->vendor, h->vendor, sizeof h->vendor);
	if (!st && a->product)
		st = parse_name(c, "product", a->product, h->product, sizeof h->product);
	if (!st && a->hw_rev)
		st = parse_hw_rev(c, a->hw_rev, &h->hw_rev_min, &h->hw_rev_max);
	return st;
}

static bool same_file(const char *p, const char *q)
{
	struct usbmsc_file_info a, b;

	return usbmsc_file_stat(p, true, &a) && usbmsc_file_stat(q, true, &b) &&
	       a.volume == b.volume && a.index == b.index;
}

/* An empty file is no firmware: most likely a build step that failed. */
static bool empty_file(const char *path)
{
	struct usbmsc_file_info fi;

	return usbmsc_file_stat(path, true, &fi) && fi.kind == USBMSC_FILE_REGULAR &&
	       fi.size == 0;
}

/* Forget a secret: stores the compiler may not drop as unused. */
static void wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

static int run_pack(struct cli *c, const struct fw_args *a)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	uint8_t sk[USBMSC_FW_SECRET_KEY_LEN];
	char size[32];
	int st = want_args(c, a, 1, "the PAYLOAD file");

	if (!st)
		st = pack_header(c, a, &h);
	if (st)
		return st;
	if (same_file(a->output, a->key))
		return cli_usage(c, "-o %s is the secret key file", a->output);
	if (empty_file(a->argv[0]))
		return cli_fail(c, USBMSC_E_FILE, "the payload %s is empty: an image needs firmware "
				"to carry; nothing written", a->argv[0]);
	st = usbmsc_fw_load_secret_key(a->key, sk, &err);
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	st = usbmsc_fw_pack(a->argv[0], a->output, sk, &h, &err);
	wipe(sk, sizeof sk);
	if (st == USBMSC_E_USAGE)
		return cli_usage(c, "%s", err.msg);
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	/* A pipe or device can only be seen empty once read. */
	if (h.payload_len == 0)
		fprintf(stderr, "usbmsc: fw pack: warning: the payload %s was empty: %s carries "
			"no firmware\n", a->argv[0], a->output);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "image", a->output);
		json_string(&c->out, "payload", a->argv[0]);
		json_uint(&c->out, "payload_len", h.payload_len);
		json_uint(&c->out, "image_len", (uint64_t)h.payload_len + USBMSC_FW_HEADER_LEN);
		json_string(&c->out, "version", h.version);
		json_uint(&c->out, "version_number", h.version_number);
		json_hex(&c->out, "sha256", h.sha256, sizeof h.sha256);
		json_hex(&c->out, "signature", h.signature, sizeof h.signature);
		json_object_end(&c->out);
		return 0;
	}
	cli_kv("image", "%s", a->output);
	cli_kv("version", "%s (number %" PRIu32 ")", h.version, h.version_number);
	cli_kv("payload length", "%" PRIu32 " bytes (%s)", h.payload_len,
	       cli_human_size(h.payload_len, size, sizeof size));
	hex_line("sha256", h.sha256, sizeof h.sha256);
	hex_line("signature", h.signature, sizeof h.signature);
	return 0;
}

/* ---- inspect ---- */

static bool hw_any(const struct usbmsc_fw_header *h)
{
	return h->hw_rev_min == 0 && h->hw_rev_max == 0xFFFF;
}

static void uf2_json(struct cli *c, const struct usbmsc_fw_uf2_info *u);

/* uf2: the UF2 file's container, or NULL for an image file. */
static void inspect_json(struct cli *c, const char *path, const struct usbmsc_fw_report *r,
			 const char *problem, const struct usbmsc_fw_uf2_info *uf2)
{
	const struct usbmsc_fw_header *h = &r->header;
	struct json *j = &c->out;

	json_object_begin(j, NULL);
	json_string(j, "image", path);
	json_string(j, "magic", USBMSC_FW_MAGIC);
	json_uint(j, "format", h->format);
	json_uint(j, "header_len", h->header_len);
	json_uint(j, "flags", h->flags);
	/* null: fits any */
	if (h->vid) json_uint(j, "vid", h->vid); else json_null(j, "vid");
	if (h->pid) json_uint(j, "pid", h->pid); else json_null(j, "pid");
	json_string(j, "vendor", h->vendor[0] ? h->vendor : NULL);
	json_string(j, "product", h->product[0] ? h->product : NULL);
	json_uint(j, "hw_rev_min", h->hw_rev_min);
	json_uint(j, "hw_rev_max", h->hw_rev_max);
	json_bool(j, "hw_rev_any", hw_any(h));
	json_string(j, "version", h->version);
	json_uint(j, "version_number", h->version_number);
	json_uint(j, "payload_len", h->payload_len);
	json_uint(j, "payload_found", r->payload_found);
	json_hex(j, "sha256", h->sha256, sizeof h->sha256);
	json_hex(j, "payload_sha256", r->sha256, sizeof r->sha256);
	json_hex(j, "signature", h->signature, sizeof h->signature);
	json_bool(j, "length_ok", r->length_ok);
	json_bool(j, "hash_ok", r->hash_ok);
	if (r->signature < 0)
		json_null(j, "signature_ok");
	else
		json_bool(j, "signature_ok", r->signature == 1);
	json_bool(j, "ok", problem == NULL);
	json_string(j, "problem", problem);
	if (uf2)
		uf2_json(c, uf2);
	json_object_end(j);
}

static void inspect_text(const struct usbmsc_fw_report *r)
{
	const struct usbmsc_fw_header *h = &r->header;
	char size[32];

	cli_kv("magic", "%s", USBMSC_FW_MAGIC);
	cli_kv("format", "%u", h->format);
	cli_kv("header length", "%u", h->header_len);
	cli_kv("flags", "0x%08" PRIx32, h->flags);
	if (h->vid) cli_kv("vid", "0x%04x", h->vid); else cli_kv("vid", "any");
	if (h->pid) cli_kv("pid", "0x%04x", h->pid); else cli_kv("pid", "any");
	cli_kv("vendor", "%s", h->vendor[0] ? h->vendor : "any");
	cli_kv("product", "%s", h->product[0] ? h->product : "any");
	if (hw_any(h))
		cli_kv("hw revision", "any");
	else
		cli_kv("hw revision", "%u to %u", h->hw_rev_min, h->hw_rev_max);
	cli_kv("version", "%s", h->version);
	cli_kv("version number", "%" PRIu32, h->version_number);
	cli_kv("payload length", "%" PRIu32 " bytes (%s)", h->payload_len,
	       cli_human_size(h->payload_len, size, sizeof size));
	hex_line("sha256", h->sha256, sizeof h->sha256);
	hex_line("signature", h->signature, sizeof h->signature);
	if (r->length_ok)
		cli_kv("payload", "%" PRIu64 " bytes, as the header says", r->payload_found);
	else
		cli_kv("payload", "%" PRIu64 " bytes: %s than the header says", r->payload_found,
		       r->payload_found < h->payload_len ? "SHORTER" : "LONGER");
	cli_kv("hash", "%s", r->hash_ok ? "good" : "BAD");
	cli_kv("signature check", "%s", r->signature < 0 ? "not checked (no --key)"
					: r->signature ? "good" : "BAD");
}

/* ---- UF2 files (the file door) ---- */

/* What a UF2 file holds, before the image's own fields. */
static void uf2_text(const struct usbmsc_fw_uf2_info *u)
{
	cli_kv("container", "UF2, %u blocks of family 0x%08x%s", u->blocks, USBMSC_UF2_FAMILY,
	       u->other_blocks ? " (and blocks of others, skipped)" : "");
	cli_kv("version tag", "%s", u->version[0] ? u->version : "none");
}

static void uf2_json(struct cli *c, const struct usbmsc_fw_uf2_info *u)
{
	json_object_begin(&c->out, "uf2");
	json_uint(&c->out, "blocks", u->blocks);
	json_uint(&c->out, "other_blocks", u->other_blocks);
	json_uint(&c->out, "family", USBMSC_UF2_FAMILY);
	json_string(&c->out, "version_tag", u->version[0] ? u->version : NULL);
	json_object_end(&c->out);
}

/* fw inspect of a UF2 file: the image it carries, the same checks; in JSON
 * the image's object with one more member, "uf2". */
static int run_inspect_uf2(struct cli *c, const char *path, const uint8_t *pubkey)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_report rep;
	struct usbmsc_fw_uf2_info u;
	int st = usbmsc_fw_uf2_examine(path, pubkey, &rep, &u, &err);

	if (rep.check != USBMSC_FWCHK_OK)
		return cli_fail(c, st ? st : USBMSC_E_FILE, "%s", err.msg);
	if (c->json) {
		inspect_json(c, path, &rep, st ? err.msg : NULL, &u);
	} else {
		uf2_text(&u);
		inspect_text(&rep);
	}
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	return 0;
}

/* fw uf2 IMAGE -o FILE.uf2 [--key PUBLIC]: the image checked as fw inspect
 * does, then wrapped for the file door. */
static int run_uf2(struct cli *c, const struct fw_args *a)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_report rep;
	struct usbmsc_fw_uf2_info u;
	uint8_t pub[USBMSC_FW_PUBKEY_LEN];
	int st = want_args(c, a, 1, "the IMAGE file");

	if (st)
		return st;
	if (!a->output)
		return cli_usage(c, "fw uf2 needs -o FILE.uf2");
	if (same_file(a->output, a->argv[0]))
		return cli_usage(c, "-o %s is the image itself", a->output);
	if (a->key) {
		st = usbmsc_fw_load_public_key(a->key, pub, &err);
		if (st)
			return cli_fail(c, st, "%s", err.msg);
	}
	st = usbmsc_fw_uf2_pack(a->argv[0], a->output, a->key ? pub : NULL, &rep, &u, &err);
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "image", a->argv[0]);
		json_string(&c->out, "uf2", a->output);
		json_uint(&c->out, "image_len", u.image_len);
		json_uint(&c->out, "blocks", u.blocks);
		json_uint(&c->out, "uf2_len", (uint64_t)u.blocks * USBMSC_UF2_BLOCK_LEN);
		json_uint(&c->out, "family", USBMSC_UF2_FAMILY);
		json_string(&c->out, "version", u.version);
		json_uint(&c->out, "version_number", rep.header.version_number);
		json_bool(&c->out, "signature_checked", rep.signature == 1);
		json_object_end(&c->out);
		return 0;
	}
	cli_kv("uf2", "%s", a->output);
	cli_kv("image", "%s, version %s (number %" PRIu32 "), %" PRIu64 " bytes", a->argv[0],
	       u.version, rep.header.version_number, u.image_len);
	cli_kv("blocks", "%u of 512 bytes (%" PRIu64 " bytes), family 0x%08x", u.blocks,
	       (uint64_t)u.blocks * USBMSC_UF2_BLOCK_LEN, USBMSC_UF2_FAMILY);
	cli_kv("signature check", "%s", rep.signature < 0 ? "not checked (no --key)" : "good");
	return 0;
}

static int run_inspect(struct cli *c, const struct fw_args *a)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_report rep;
	uint8_t pub[USBMSC_FW_PUBKEY_LEN];
	int st = want_args(c, a, 1, "the IMAGE file");

	if (st)
		return st;
	if (a->key) {
		st = usbmsc_fw_load_public_key(a->key, pub, &err);
		if (st)
			return cli_fail(c, st, "%s", err.msg);
	}
	if (usbmsc_fw_is_uf2(a->argv[0]))
		return run_inspect_uf2(c, a->argv[0], a->key ? pub : NULL);
	st = usbmsc_fw_examine_file(a->argv[0], a->key ? pub : NULL, &rep, &err);
	/* no header: nothing to show but the reason */
	if (rep.check != USBMSC_FWCHK_OK)
		return cli_fail(c, st ? st : USBMSC_E_FILE, "%s", err.msg);
	if (c->json)
		inspect_json(c, a->argv[0], &rep, st ? err.msg : NULL, NULL);
	else
		inspect_text(&rep);
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	return 0;
}

/* ---- the command ---- */

static int run_fw(struct cli *c)
{
	struct fw_args a = { 0 };
	int st = parse_fw_args(c, &a);

	if (st)
		return st;
	if (c->help || !a.sub) {
		if (!c->help)
			return cli_usage(c, "needs a command: keygen, pack, inspect, uf2, info, "
					 "update, activate, confirm or cab");
		cli_print_command_help(c, c->cmd);
		return 0;
	}
	switch (a.sub) {
	case FW_KEYGEN: return run_keygen(c, &a);
	case FW_PACK: return run_pack(c, &a);
	case FW_UF2: return run_uf2(c, &a);
	case FW_INFO:
		st = want_args(c, &a, 0, "no arguments");
		return st ? st : cli_fw_info(c);
	case FW_UPDATE:
		if (a.argc > 0)
			a.update.image = a.argv[0];
		st = want_args(c, &a, 1, "the IMAGE file");
		if (st)
			return st;
		a.update.key = a.key;
		return cli_fw_update(c, FW_VERB_UPDATE, &a.update);
	case FW_ACTIVATE:
	case FW_CONFIRM:
		st = want_args(c, &a, 0, "no arguments");
		if (st)
			return st;
		return cli_fw_update(c, a.sub == FW_ACTIVATE ? FW_VERB_ACTIVATE : FW_VERB_CONFIRM,
				     &a.update);
	case FW_CAB:
		if (a.argc > 0)
			a.cab.image = a.argv[0];
		st = want_args(c, &a, 1, "the IMAGE file");
		if (st)
			return st;
		a.cab.output = a.output;
		a.cab.key = a.key;
		a.cab.vendor = a.vendor;
		a.cab.product = a.product;
		return cli_fw_cab(c, &a.cab);
	default: return run_inspect(c, &a);
	}
}

const struct cli_command cli_cmd_fw = {
	.name = "fw",
	.args = "keygen|pack|inspect|uf2|info|update|activate|confirm|cab ARGS",
	.summary = "signed firmware images (also as UF2 and fwupd cabinets); firmware state; update",
	.help = "Commands:\n"
		"  fw keygen SECRET PUBLIC [--force]\n"
		"      A new Ed25519 key pair. SECRET is written with mode 0600; neither file\n"
		"      is replaced unless --force.\n"
		"  fw pack --key SECRET --version STRING --version-number N -o IMAGE PAYLOAD\n"
		"          [--vid HEX] [--pid HEX] [--vendor STR] [--product STR] [--hw-rev MIN:MAX]\n"
		"      Wrap PAYLOAD in a signed 256-byte header. An identity option left out\n"
		"      fits any device.\n"
		"  fw inspect IMAGE [--key PUBLIC]\n"
		"      Print every header field; check the payload's length and SHA-256, and\n"
		"      with --key the signature. Exit 15 when any check fails. IMAGE may be a\n"
		"      UF2 file (fw uf2): the image it carries, the same checks.\n"
		"  fw uf2 IMAGE -o FILE.uf2 [--key PUBLIC]\n"
		"      Check IMAGE as fw inspect does, then wrap it in UF2 blocks (family\n"
		"      0xf474b2b7) to copy to a device's file door (docs/FILE-DOOR.md).\n"
		"  fw info -d DEV\n"
		"      The device's firmware: active and pending versions and slots, flags\n"
		"      (pending, trial, reverted), anti-rollback floor, WRITE BUFFER modes,\n"
		"      buffer descriptor (READ BUFFER mode 0x03), trusted public key, last error.\n"
		"      Over vol:MOUNTPOINT what the file door's files say: the board, the\n"
		"      version that runs and what its image fits, STATUS.TXT.\n"
		"  fw update -d DEV IMAGE [--key PUBLIC] [--mode auto|5|7|e] [--chunk BYTES]\n"
		"          [--no-activate] [--dry-run] [--no-host-checks] [--allow-reinstall]\n"
		"          [--wait SECONDS]\n"
		"      Check IMAGE (--key must be the key the device trusts; the signature,\n"
		"      USB ID, INQUIRY vendor and product, hardware revision, anti-rollback\n"
		"      floor; not the version that runs; exit 15 and nothing sent when one\n"
		"      fails), download it (the payload's SHA-256 checked as it is read and\n"
		"      sent: a mismatch is exit 15 before the chunk that completes the\n"
		"      image, so nothing is activated), activate it, wait for the device to\n"
		"      come back, check that the new version runs, confirm it, and check that\n"
		"      FW STATE shows it confirmed.\n"
		"      Over vol:MOUNTPOINT (a file door's mounted volume; IMAGE may be a UF2\n"
		"      file): --key is needed (a door does not tell its key); the fit and\n"
		"      anti-rollback are checked against the image the device runs\n"
		"      (CURRENT.UF2); IMAGE is written as MOUNTPOINT/FIRMWARE.UF2 in order and\n"
		"      flushed; then usbmsc waits for the volume to be mounted again (the same\n"
		"      place or beside it) with the new version, or for the device's reason\n"
		"      in STATUS.TXT (exit 15 for a refused image).\n"
		"  fw activate -d DEV [--wait SECONDS]\n"
		"      Activate the image the device holds staged (fw update --no-activate):\n"
		"      WRITE BUFFER mode 0x0f, wait for the device to come back, check that\n"
		"      the staged version runs, confirm it as fw update does. Exit 5 and\n"
		"      nothing sent when nothing is staged.\n"
		"  fw confirm -d DEV\n"
		"      Confirm the image the device runs on trial (FW CONFIRM), and check that\n"
		"      FW STATE shows it confirmed. Exit 5 and nothing sent when nothing runs\n"
		"      on trial; exit 3 when the confirmation does not take.\n"
		"  fw cab IMAGE -o FILE.cab [--route scsi|uf2] [--key PUBLIC] [--vendor STR]\n"
		"          [--product STR] [--id ID] [--name STR] [--summary STR] [--date Y-M-D]\n"
		"      A cabinet fwupd installs: the firmware and a metainfo.xml with the GUID\n"
		"      fwupd derives for the device, the version, SHA-256 and update protocol.\n"
		"      IMAGE is a signed image (route scsi: WRITE BUFFER mode 0x0e, whole 4 KiB\n"
		"      chunks) or a UF2 file of one (route uf2: the file door). See docs/FWUPD.md.\n"
		"\n"
		"Options:\n"
		"  -f, --force          keygen: replace existing key files\n"
		"  -k, --key FILE       pack: the secret key; inspect, uf2, update, cab: the\n"
		"                       public key\n"
		"  --version STRING     pack: INQUIRY revision, 1 to 4 printable characters\n"
		"  --version-number N   pack: monotonic number for anti-rollback (0..2^32-1)\n"
		"  --vid HEX            pack: the USB vendor ID it fits\n"
		"  --pid HEX            pack: the USB product ID it fits\n"
		"  --vendor STR         pack: the INQUIRY vendor it fits (up to 8 characters);\n"
		"                       cab: the device's, for an image that fits any\n"
		"  --product STR        pack: the INQUIRY product it fits (up to 16 characters);\n"
		"                       cab: the device's, for an image that fits any\n"
		"  --hw-rev MIN:MAX     pack: the hardware revisions it fits (N: only N)\n"
		"  -o, --output FILE    pack: the image file to write; uf2: the UF2 file; cab:\n"
		"                       the cabinet\n"
		"  --mode MODE          update: WRITE BUFFER mode auto (default), 5, 7 or e\n"
		"                       (also 14, 0x0e, dmc_save, dmc_offs_save, dmc_offs_defer\n"
		"                       and the other spellings of sg_write_buffer --mode)\n"
		"  --chunk BYTES        update: bytes per WRITE BUFFER (default: the largest\n"
		"                       multiple of the offset boundary the device and the\n"
		"                       transport take)\n"
		"  --no-activate        update: download and stage only (mode e without f)\n"
		"  --dry-run            update: every check, then the plan; sends no WRITE BUFFER\n"
		"  --no-host-checks     update: testing aid: send the image unchecked, so that\n"
		"                       the device's own checks can be tested\n"
		"  --allow-reinstall    update: send the version that already runs again\n"
		"  --wait SECONDS       update, activate: how long the device may take to come\n"
		"                       back after activation (default 30; over vol: until its\n"
		"                       volume is mounted again)\n"
		"  --route scsi|uf2     cab: fwupd's plugin (default: scsi for an image, uf2 for\n"
		"                       a UF2 file)\n"
		"  --id ID              cab: the component ID, reverse-DNS (LVFS: your own)\n"
		"  --name, --summary    cab: what fwupd and software centres show\n"
		"  --date YYYY-MM-DD    cab: the release date (default: the file's)\n"
		"\n"
		"Key files are two lines of text: 'usbmsc-fw-secret-key ed25519' or\n"
		"'usbmsc-fw-public-key ed25519', then the key in lower-case hex.\n"
		"See docs/FIRMWARE-IMAGE.md for the image format.\n"
		"\n"
		"JSON (inspect): every header field (vid, pid, vendor, product null for any),\n"
		"payload_found, payload_sha256, length_ok, hash_ok, signature_ok (null\n"
		"without --key), ok and problem; of a UF2 file also uf2 {blocks,\n"
		"other_blocks, family, version_tag}.\n"
		"JSON (uf2): image, uf2, image_len, blocks, uf2_len, family, version,\n"
		"version_number, signature_checked.\n"
		"JSON (info): active {version, version_number, slot}, pending (null or the\n"
		"same), trial, reverted, modes, buffer {offset_boundary, capacity},\n"
		"public_key, last_error (null or {key, asc, ascq, text}), ...; over vol:\n"
		"volume, info {bootloader, model, board_id, firmware}, status {line, state,\n"
		"fresh, ...}, current (null or {version, version_number, length, fits}).\n"
		"JSON (update, activate, confirm): one object per line: {\"event\": \"plan\"|\n"
		"\"note\"|\"progress\"|\"activate\"|\"wait\"|\"confirm\", ...}; progress has\n"
		"bytes, total, percent, mb_per_s, eta_s; the last line is {\"event\": \"done\",\n"
		"\"ok\", \"result\" (updated, staged, dry-run, activated, confirmed, failed),\n"
		"\"status\", \"image\", \"target\", \"before\", \"active\", \"pending\",\n"
		"\"volume\" (vol:'s mount point, else null), ...},\n"
		"also alone for a usage error.\n"
		"\n"
		"Examples:\n"
		"  usbmsc fw keygen fw-secret.key fw-public.key\n"
		"  usbmsc fw pack --key fw-secret.key --version 1.10 --version-number 110 \\\n"
		"      --vid 1209 --pid 0001 -o app-1.10.umfw app.bin\n"
		"  usbmsc fw inspect app-1.10.umfw --key fw-public.key\n"
		"  usbmsc --json fw inspect app-1.10.umfw\n"
		"  usbmsc fw uf2 app-1.10.umfw -o app-1.10.uf2 --key fw-public.key\n"
		"  usbmsc -d sim:disk.img fw info\n"
		"  usbmsc -d sim:disk.img fw update app-1.10.umfw\n"
		"  usbmsc -d /dev/sg1 fw update --dry-run --key fw-public.key app-1.10.umfw\n"
		"  usbmsc -d sim:disk.img fw update --no-activate app-1.10.umfw\n"
		"  usbmsc -d sim:disk.img fw activate\n"
		"  usbmsc fw cab app-1.10.umfw --key fw-public.key --id com.acme.CardReader.firmware \\\n"
		"      -o app-1.10.cab\n",
	.opts = 0,
	.own_options = true,
	.min_args = 0,
	.max_args = INT_MAX,
	.run = run_fw,
};
