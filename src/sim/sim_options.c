/* The option string of a "sim:" URI: key=value items joined by '&'.
 * Every option is checked here, so the rest of the virtual device can
 * trust struct sim_options. */
#include "sim_internal.h"
#include "../fwhost/fw_host.h"
#include "usbmsc/filedoor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 256u
/* Options every sim: open starts from, before its own (the URI's win):
 * how a test matrix reruns whole suites in another configuration, for
 * example with the pipelined target core (bufs=2). */
#define DEFAULTS_ENV "USBMSC_SIM_OPTIONS"

static const char *const fault_names[SIM_FAULT_KINDS] = {
	[SIM_FAULT_STALL_IN] = "stall-in",
	[SIM_FAULT_STALL_OUT] = "stall-out",
	[SIM_FAULT_STALL_CSW] = "stall-csw",
	[SIM_FAULT_BAD_CSW_SIGNATURE] = "bad-csw-signature",
	[SIM_FAULT_BAD_CSW_TAG] = "bad-csw-tag",
	[SIM_FAULT_SHORT_CSW] = "short-csw",
	[SIM_FAULT_RESIDUE_TOO_BIG] = "residue-too-big",
	[SIM_FAULT_PHASE_ERROR] = "phase-error",
	[SIM_FAULT_TIMEOUT] = "timeout",
	[SIM_FAULT_DISCONNECT] = "disconnect",
};

const char *sim_fault_name(uint8_t kind)
{
	return kind < SIM_FAULT_KINDS ? fault_names[kind] : "unknown";
}

/* Decimal digits only, no sign, no overflow. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* N with an optional K, M or G suffix (powers of 1024). */
static bool parse_size(const char *s, uint64_t *out)
{
	size_t len = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (len > 0) {
		switch (s[len - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: break;
		}
	}
	if (shift)
		len--;
	if (!parse_u64(s, len, &v) || v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

static int bad_value(struct usbmsc_error *err, const char *key, const char *value,
		     const char *want)
{
	return usbmsc_fail(err, USBMSC_E_USAGE, "sim option %s=%s: %s", key, value, want);
}

static int opt_size(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	if (!parse_size(v, &o->size) || o->size == 0)
		return bad_value(err, "size", v, "expected a size such as 65536, 64M or 1G");
	return USBMSC_OK;
}

static int opt_bs(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	if (strcmp(v, "512") == 0)
		o->block_size = 512;
	else if (strcmp(v, "4096") == 0)
		o->block_size = 4096;
	else
		return bad_value(err, "bs", v, "the block size is 512 or 4096");
	return USBMSC_OK;
}

static int opt_flag(bool *flag, const char *key, const char *v, struct usbmsc_error *err)
{
	if (strcmp(v, "1") == 0)
		*flag = true;
	else if (strcmp(v, "0") == 0)
		*flag = false;
	else
		return bad_value(err, key, v, "expected 0 or 1");
	return USBMSC_OK;
}

static int opt_ro(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	return opt_flag(&o->read_only, "ro", v, err);
}

static int opt_pad(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	return opt_flag(&o->pad, "pad", v, err);
}

static int opt_luns(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	uint64_t n;

	if (!parse_u64(v, strlen(v), &n) || n < 1 || n > USBMSC_TARGET_MAX_LUNS)
		return bad_value(err, "luns", v, "expected 1..16");
	o->luns = (uint8_t)n;
	return USBMSC_OK;
}

static int opt_serial(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	size_t len = strlen(v);

	if (len == 0 || len > SIM_SERIAL_MAX)
		return bad_value(err, "serial", v, "expected 1..32 characters");
	for (size_t i = 0; i < len; i++) {
		if (v[i] < 0x21 || v[i] > 0x7E)
			return bad_value(err, "serial", v, "printable ASCII without spaces only");
	}
	memcpy(o->serial, v, len + 1);
	o->serial_set = true;
	return USBMSC_OK;
}

static int opt_buf(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	uint64_t n;

	if (!parse_size(v, &n) || n < USBMSC_TARGET_MIN_BUF || n > SIM_MAX_BUF ||
	    n % USBMSC_SIM_PACKET != 0)
		return bad_value(err, "buf", v,
				 "expected a multiple of 512 from 512 to 16M bytes");
	o->buf_size = (uint32_t)n;
	return USBMSC_OK;
}

/* bufs=N: the target core's buffers; 1 is the one-buffer core, more the
 * pipelined one (a power of two: usbmsc_target_init_pipelined). */
static int opt_bufs(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	uint64_t n;

	if (!parse_u64(v, strlen(v), &n) || n == 0 || n > USBMSC_TARGET_MAX_BUFS ||
	    (n & (n - 1)) != 0)
		return bad_value(err, "bufs", v, "expected 1, 2, 4, 8 or 16");
	o->bufs = (uint8_t)n;
	return USBMSC_OK;
}

/* One KIND@N. */
static int add_fault(struct sim_options *o, const char *item, size_t len,
		     struct usbmsc_error *err)
{
	const char *at = memchr(item, '@', len);
	size_t name_len = at ? (size_t)(at - item) : len;
	uint64_t n;

	if (!at || !parse_u64(at + 1, len - name_len - 1, &n) || n == 0)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim option fault=%.*s: expected KIND@N with N >= 1", (int)len,
				   item);
	for (uint8_t k = 0; k < SIM_FAULT_KINDS; k++) {
		if (strlen(fault_names[k]) != name_len || memcmp(fault_names[k], item, name_len))
			continue;
		if (o->fault_count == SIM_MAX_FAULTS)
			return usbmsc_fail(err, USBMSC_E_USAGE, "more than %u faults",
					   SIM_MAX_FAULTS);
		o->faults[o->fault_count].kind = k;
		o->faults[o->fault_count].at = n;
		o->faults[o->fault_count].fired = false;
		o->fault_count++;
		return USBMSC_OK;
	}
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "unknown fault kind '%.*s' (known: stall-in, stall-out, stall-csw, "
			   "bad-csw-signature, bad-csw-tag, short-csw, residue-too-big, "
			   "phase-error, timeout, disconnect)",
			   (int)name_len, item);
}

/* fault=KIND@N[,KIND@N...] */
static int opt_fault(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int r = add_fault(o, p, len, err);
		if (r != USBMSC_OK)
			return r;
		if (!comma)
			return USBMSC_OK;
		p = comma + 1;
	}
}

/* fw-pubkey=FILE: the public key the firmware engine trusts. */
static int opt_fw_pubkey(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	if (!v[0] || strlen(v) >= sizeof o->fw_pubkey)
		return bad_value(err, "fw-pubkey", v, "expected a key file path");
	strcpy(o->fw_pubkey, v);
	return USBMSC_OK;
}

static int opt_fw_slot(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	uint64_t n;

	/* the message names the limits fw_host.h sets */
	_Static_assert(FWHOST_SLOT_MIN == 64u * 1024u && FWHOST_SLOT_MAX == 512u * 1024u * 1024u &&
			       FWHOST_SECTOR == 4096u,
		       "fw-slot's message states these limits");
	if (!parse_size(v, &n) || n < FWHOST_SLOT_MIN || n > FWHOST_SLOT_MAX || n % FWHOST_SECTOR)
		return bad_value(err, "fw-slot", v, "expected a multiple of 4K from 64K to 512M");
	o->fw_slot = (uint32_t)n;
	o->fw_slot_set = true;
	return USBMSC_OK;
}

static int opt_fw_reboot(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	o->fw_unplug = strcmp(v, "disconnect") == 0 || strcmp(v, "before-csw") == 0;
	o->fw_no_csw = strcmp(v, "before-csw") == 0;
	if (!o->fw_unplug && strcmp(v, "stay") != 0)
		return bad_value(err, "fw-reboot", v, "expected stay, disconnect or before-csw");
	return USBMSC_OK;
}

/* framing=bot|vendor: the mass-storage interface's wire format, or the
 * vendor interface's (bot.h), for the target and the pipe alike. */
static int opt_framing(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	if (strcmp(v, "bot") == 0)
		o->framing = USBMSC_FRAMING_BOT;
	else if (strcmp(v, "vendor") == 0)
		o->framing = USBMSC_FRAMING_VENDOR;
	else
		return bad_value(err, "framing", v, "expected bot or vendor");
	return USBMSC_OK;
}

static int opt_control_lun(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	return opt_flag(&o->control_lun, "control-lun", v, err);
}

static int opt_file_door(struct sim_options *o, const char *v, struct usbmsc_error *err)
{
	return opt_flag(&o->file_door, "file-door", v, err);
}

struct option_def {
	const char *key;
	int (*parse)(struct sim_options *o, const char *value, struct usbmsc_error *err);
};

static const struct option_def option_defs[] = {
	{ "size", opt_size }, { "bs", opt_bs }, { "ro", opt_ro }, { "pad", opt_pad },
	{ "luns", opt_luns }, { "serial", opt_serial }, { "buf", opt_buf },
	{ "fault", opt_fault }, { "fw-pubkey", opt_fw_pubkey }, { "fw-slot", opt_fw_slot },
	{ "fw-reboot", opt_fw_reboot }, { "framing", opt_framing },
	{ "control-lun", opt_control_lun }, { "file-door", opt_file_door },
	{ "bufs", opt_bufs },
};

static int parse_item(struct sim_options *o, const char *item, size_t len,
		      struct usbmsc_error *err)
{
	char text[ITEM_MAX];
	const char *eq = memchr(item, '=', len);
	size_t key_len = eq ? (size_t)(eq - item) : len;

	if (len >= sizeof text)
		return usbmsc_fail(err, USBMSC_E_USAGE, "sim option '%.40s...' is too long", item);
	for (size_t i = 0; i < sizeof option_defs / sizeof option_defs[0]; i++) {
		const struct option_def *d = &option_defs[i];
		if (strlen(d->key) != key_len || memcmp(d->key, item, key_len) != 0)
			continue;
		if (!eq)
			return usbmsc_fail(err, USBMSC_E_USAGE, "sim option '%s' needs a value (%s=...)",
					   d->key, d->key);
		memcpy(text, eq + 1, len - key_len - 1);
		text[len - key_len - 1] = '\0';
		return d->parse(o, text, err);
	}
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "unknown sim option '%.*s' (known: size, bs, ro, pad, luns, serial, buf, "
			   "bufs, fault, fw-pubkey, fw-slot, fw-reboot, framing, control-lun, "
			   "file-door)",
			   (int)key_len, item);
}

/* key=value&key=value... into o. */
static int parse_items(struct sim_options *o, const char *text, struct usbmsc_error *err)
{
	const char *p = text ? text : "";

	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > 0) { /* tolerate "a=1&&b=2" and a trailing '&' */
			int r = parse_item(o, p, len, err);
			if (r != USBMSC_OK)
				return r;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return USBMSC_OK;
}

int sim_options_parse(const char *text, struct sim_options *o, struct usbmsc_error *err)
{
	const char *defaults = getenv(DEFAULTS_ENV);
	unsigned extra;
	int r;

	memset(o, 0, sizeof *o);
	o->size = USBMSC_SIM_DEFAULT_SIZE;
	o->block_size = 512;
	o->buf_size = SIM_DEFAULT_BUF;
	o->luns = 1;
	o->fw_slot = FWHOST_SLOT_DEFAULT;
	o->bufs = 1;
	r = parse_items(o, defaults, err);
	if (r != USBMSC_OK) {
		if (err) {
			char msg[sizeof err->msg];

			snprintf(msg, sizeof msg, "%s", err->msg);
			usbmsc_fail(err, r, "%s: %s", DEFAULTS_ENV, msg);
		}
		return r;
	}
	r = parse_items(o, text, err);
	if (r != USBMSC_OK)
		return r;
	extra = (unsigned)o->control_lun + (unsigned)o->file_door;
	if (o->luns + extra > USBMSC_TARGET_MAX_LUNS)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim options control-lun=1 and file-door=1 need a LUN number each: "
				   "at most luns=%u with them", USBMSC_TARGET_MAX_LUNS - extra);
	/* Before any file is made: a flash this open would create too large. */
	if (o->file_door && o->fw_slot_set && o->fw_slot > USBMSC_DOOR_SLOT_MAX)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim option file-door=1 serves firmware slots of at most 16M, not "
				   "fw-slot=%u", o->fw_slot);
	if ((uint64_t)o->bufs * o->buf_size > SIM_MAX_BUF)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim options bufs=%u and buf=%u: at most 16M of buffers in all",
				   o->bufs, o->buf_size);
	if (o->size % o->block_size != 0)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim option size=%llu is not a multiple of the %u-byte block",
				   (unsigned long long)o->size, o->block_size);
	return USBMSC_OK;
}
