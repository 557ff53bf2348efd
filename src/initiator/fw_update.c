/* Firmware update from the host (fwupdate.h): checking an image against a
 * device, and the update itself (fw_internal.h names the other parts).
 *
 * The order of an update, each step only when the one before succeeded:
 *   probe     INQUIRY, VPD 0x80, FW STATE, READ BUFFER 0x03, REPORT
 *             SUPPORTED OPERATION CODES for WRITE BUFFER
 *   checks    header, signature and payload length, fit (USB VID/PID,
 *             INQUIRY vendor/product, hardware revision), anti-rollback,
 *             size, the device's own state (an image on trial, pending)
 *   plan      mode and chunk size
 *   download  WRITE BUFFER chunks read from the file through one buffer,
 *             the payload hashed in that buffer as it goes: the chunk that
 *             completes the image is sent only when the payload's SHA-256
 *             is the one the signed header names
 *   activate  the last chunk (0x05, 0x07) or 0x0F; unit attention 06/3F/01
 *   wait      the open handle, or a reopened one, answers again and shows
 *             the reboot (the new version, or a reboot's unit attention):
 *             the old image's last answers before it drops off the bus,
 *             and the errors of its going, only mean "not yet"
 *   verify    same serial number; INQUIRY and FW STATE report the new version
 *   confirm   FW CONFIRM
 * Nothing is sent before the header's checks pass, so an image forged, made
 * for another device or too old leaves the device untouched. The file is
 * read once: a payload changed after signing (or while it is being sent)
 * is found when its last chunk is read, and that chunk is not sent, so
 * nothing is activated and the old image keeps running, as after an
 * interrupted download (the device switches only after a complete,
 * verified image). When no payload is sent (a dry run, an image the device
 * already holds) it is hashed before anything is sent. */
#include "fw_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fdio.h"
#include "../os/os_file.h"
#include "device_internal.h"
#include "usbmsc/doorvol.h"
#include "usbmsc/fwsign.h"

/* ---- the image ----------------------------------------------------------------------- */

static int open_image(struct fwu *u)
{
	struct usbmsc_file_info fi;

	u->fd = usbmsc_file_open(u->path, USBMSC_FILE_READ, 0);
	if (u->fd < 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "cannot open %s: %s", u->path,
				   strerror(errno));
	if (!usbmsc_file_stat_fd(u->fd, &fi) || fi.kind != USBMSC_FILE_REGULAR)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is not a file", u->path);
	u->file_size = fi.size;
	return 0;
}

static int read_at(struct fwu *u, uint64_t off, uint8_t *p, size_t n)
{
	int64_t got = usbmsc_pread_full(u->fd, p, n, off);

	if (got < 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "reading %s: %s", u->path,
				   strerror(errno));
	if ((size_t)got < n)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s shrank while it was being read (%llu bytes expected)",
				   u->path, (unsigned long long)u->file_size);
	return 0;
}

/* Bytes [off, off + n) of the image; the header comes from the copy that
 * was checked, so what was verified is what is sent. */
static int image_bytes(struct fwu *u, uint64_t off, uint8_t *p, size_t n)
{
	size_t k = 0;

	if (u->have_raw && off < USBMSC_FW_HEADER_LEN) {
		k = USBMSC_FW_HEADER_LEN - (size_t)off;
		if (k > n)
			k = n;
		memcpy(p, u->raw + off, k);
	}
	return k < n ? read_at(u, off + k, p + k, n - k) : 0;
}

/* The header alone, unchecked (--no-host-checks): what it says, if anything. */
static void peek_header(struct fwu *u)
{
	uint8_t raw[USBMSC_FW_HEADER_LEN];

	if (u->file_size < USBMSC_FW_HEADER_LEN ||
	    usbmsc_pread_full(u->fd, raw, sizeof raw, 0) != (int64_t)sizeof raw)
		return;
	u->out->header_ok = usbmsc_fw_header_parse(raw, sizeof raw, &u->out->header) ==
			    USBMSC_FWCHK_OK;
}

static bool key_present(const uint8_t *k)
{
	for (size_t i = 0; i < USBMSC_FW_PUBKEY_LEN; i++)
		if (k[i])
			return true;
	return false;
}

const char *usbmsc_fwu_key_fingerprint(const uint8_t key[USBMSC_FW_PUBKEY_LEN], char *buf,
				       size_t len)
{
	size_t n = 0;

	if (!buf || len == 0)
		return "";
	for (size_t i = 0; i < (USBMSC_FWU_FINGERPRINT_LEN - 1) / 2 && n + 3 <= len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", key[i]);
	buf[n] = '\0';
	return buf;
}

/* A key given (--key) that is not the one the device reports trusting:
 * the device would refuse whatever it verifies, so nothing is sent. */
static int check_key(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	char given[USBMSC_FWU_FINGERPRINT_LEN], trusted[USBMSC_FWU_FINGERPRINT_LEN];

	if (!u->o->pubkey || !d->has_state || !key_present(d->state.pubkey) ||
	    memcmp(u->o->pubkey, d->state.pubkey, USBMSC_FW_PUBKEY_LEN) == 0)
		return 0;
	return usbmsc_fail(u->err, USBMSC_E_FILE,
			   "the key given (fingerprint %s) is not the one the device trusts "
			   "(fingerprint %s, FW STATE): the device refuses images that do not "
			   "verify with its own key, so %s was not sent",
			   usbmsc_fwu_key_fingerprint(u->o->pubkey, given, sizeof given),
			   usbmsc_fwu_key_fingerprint(d->state.pubkey, trusted, sizeof trusted),
			   u->path);
}

/* Header, signature and payload length, from the header alone: the
 * signature covers the header, and the header holds the payload's SHA-256,
 * which the download checks as it reads the payload (check_chunk). */
static int check_header(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	const uint8_t *key = u->o->pubkey;
	uint8_t raw[USBMSC_FW_HEADER_LEN];
	size_t n = u->file_size < sizeof raw ? (size_t)u->file_size : sizeof raw;
	struct usbmsc_fw_report rep;
	int64_t got;
	int st;

	if (!key && d->has_state && key_present(d->state.pubkey))
		key = d->state.pubkey;
	if (!key)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "no key to check %s against: the device reports none (FW STATE) "
				   "and no --key was given (--no-host-checks sends it unchecked)",
				   u->path);
	got = usbmsc_pread_full(u->fd, raw, n, 0);
	if (got < 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "reading %s: %s", u->path,
				   strerror(errno));
	st = usbmsc_fw_examine_header(raw, (size_t)got, u->file_size, u->path, key, &rep, u->err);
	if (rep.check == USBMSC_FWCHK_OK) {
		u->out->header_ok = true;
		u->out->header = rep.header;
	}
	if (st)
		return st;
	memcpy(u->raw, rep.raw, sizeof u->raw);
	u->have_raw = true;
	return 0;
}

/* The image is made for this device and may run on it. */
static int check_fit(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	const struct usbmsc_fw_header *h = &u->out->header;
	struct usbmsc_fw_identity id;

	if (!d->has_state)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "the device does not answer FW STATE, so %s cannot be checked "
				   "against its USB ID, hardware revision and anti-rollback floor "
				   "(--no-host-checks sends it unchecked)", u->path);
	id.vid = d->state.vid;
	id.pid = d->state.pid;
	id.vendor = d->inquiry.vendor;
	id.product = d->inquiry.product;
	id.hw_rev = d->state.hw_rev;
	switch (usbmsc_fw_fits(h, &id)) {
	case USBMSC_FWFIT_OK:
		break;
	case USBMSC_FWFIT_VID_PID:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for USB device %04x:%04x; this device is %04x:%04x",
				   u->path, h->vid, h->pid, id.vid, id.pid);
	case USBMSC_FWFIT_VENDOR:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for vendor '%s'; this device is '%s' (INQUIRY)",
				   u->path, h->vendor, id.vendor);
	case USBMSC_FWFIT_PRODUCT:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for product '%s'; this device is '%s' (INQUIRY)",
				   u->path, h->product, id.product);
	default:
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for hardware revisions %u to %u; this device is "
				   "revision %u", u->path, h->hw_rev_min, h->hw_rev_max, id.hw_rev);
	}
	if (h->version_number < d->state.floor)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is a downgrade: version %s (number %u) is below the device's "
				   "anti-rollback floor %u (it runs %s, number %u)", u->path,
				   h->version, h->version_number, d->state.floor,
				   d->state.active_version, d->state.active_number);
	return 0;
}

/* The image fits the device's buffer and the offsets WRITE BUFFER can
 * carry to it: 24 bits, or 32 with BUFFER ID as bits 31:24. */
static int check_size(struct fwu *u, uint64_t len)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	uint32_t cap = d->buffer_capacity;

	if (len == 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is empty", u->path);
	if (len > usbmsc_fwu_reach(d) && usbmsc_fwu_reach(d) == WB_MAX_FIELD)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes: WRITE BUFFER reaches 16 MiB - 1 (24-bit "
				   "offsets; the device does not take offset bits 31:24 in BUFFER "
				   "ID)", u->path, (unsigned long long)len);
	if (len > usbmsc_fwu_reach(d))
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes: WRITE BUFFER reaches 4 GiB - 1 (32-bit "
				   "offsets)", u->path, (unsigned long long)len);
	if (!u->o->no_host_checks && len > cap)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes; the device's buffer holds %u", u->path,
				   (unsigned long long)len, cap);
	return 0;
}

/* ---- the device's own state ------------------------------------------------------------- */

/* The staged slot's header (READ BUFFER mode 0x02) is the image's: same
 * signature, same payload hash. */
static bool staged_is_ours(struct fwu *u)
{
	uint8_t cdb[16], buf[USBMSC_FW_HEADER_LEN];
	size_t n = usbmsc_cdb_read_buffer(cdb, RB_MODE_DATA, 0, 0, USBMSC_FW_HEADER_LEN);
	struct usbmsc_result res;
	int st = usbmsc_fwi_run(*u->dev, u->o->lun, cdb, n, USBMSC_DIR_IN, buf, sizeof buf, 0, &res,
				&u->microcode_changed);

	return st == 0 && res.transferred == sizeof buf && memcmp(buf, u->raw, sizeof buf) == 0;
}

/* An image on trial or waiting on the device decides what is left to do. */
static int check_device_state(struct fwu *u)
{
	const struct usbmsc_fw_state *s = &u->out->before.state;
	const struct usbmsc_fw_header *h = &u->out->header;
	struct usbmsc_fwu_plan *p = &u->out->plan;

	if (!u->out->before.has_state || u->o->no_host_checks)
		return 0;
	if (s->flags & USBMSC_FWST_TRIAL) {
		if (!usbmsc_fwi_same_image(h, s->active_version, s->active_number))
			return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
					   "the device runs version %s (number %u) on trial: it "
					   "takes no download until that image is confirmed ('fw "
					   "confirm', or an update with its image) or reverted (power "
					   "cycle)",
					   s->active_version, s->active_number);
		if (u->o->no_activate)
			return usbmsc_fail(u->err, USBMSC_E_USAGE,
					   "the device already runs %s on trial: nothing to stage",
					   h->version);
		p->confirm_only = true;
		return 0;
	}
	if (usbmsc_fwi_same_image(h, s->active_version, s->active_number) && !u->o->allow_reinstall)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "version %s (number %u) already runs on the device: nothing was "
				   "sent (--allow-reinstall sends it again)", h->version,
				   h->version_number);
	if (s->pending_slot != USBMSC_FWU_NO_SLOT && !(s->flags & USBMSC_FWST_PENDING))
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "version %s was activated and waits for the device's reboot: "
				   "power cycle the device, then run the update again",
				   s->pending_version);
	if ((s->flags & USBMSC_FWST_PENDING) &&
	    usbmsc_fwi_same_image(h, s->pending_version, s->pending_number) && staged_is_ours(u)) {
		if (u->o->no_activate)
			p->staged_already = true;
		else
			p->activate_only = true;
	}
	return 0;
}

/* ---- the payload's SHA-256 ---------------------------------------------------------------- */

#define HASH_READ (64u * 1024u)      /* a payload checked without being sent */

/* The payload does not have the SHA-256 its signed header names. */
static int payload_mismatch(struct fwu *u)
{
	if (u->out->commands_sent == 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s: the payload's SHA-256 does not match "
				   "the header's (the payload was changed or damaged)", u->path);
	return usbmsc_fail(u->err, USBMSC_E_FILE,
			   "%s: the payload's SHA-256 does not match the header's (the payload was "
			   "changed or damaged, before or while it was being sent): the chunk that "
			   "completes the image was not sent, so nothing was activated and the "
			   "device keeps running version %s", u->path,
			   u->out->before.has_state ? u->out->before.state.active_version
						    : u->out->before.inquiry.revision);
}

/* No payload will be sent (a dry run; the device holds the image, or runs
 * it, already): it is checked now, read once through a small buffer. */
static int check_payload_now(struct fwu *u)
{
	uint8_t *buf = malloc(HASH_READ);
	uint64_t off = USBMSC_FW_HEADER_LEN, end = u->file_size;
	int st = 0;

	u->digest = usbmsc_fwi_digest_new();
	if (!buf || !u->digest) {
		free(buf);
		return usbmsc_fail(u->err, USBMSC_E_OTHER, "out of memory to hash %s", u->path);
	}
	while (st == 0 && off < end) {
		size_t n = end - off < HASH_READ ? (size_t)(end - off) : HASH_READ;

		st = read_at(u, off, buf, n);
		if (st == 0)
			usbmsc_fwi_digest_add(u->digest, buf, n);
		off += n;
	}
	free(buf);
	if (st == 0 && !usbmsc_fwi_digest_is(u->digest, u->out->header.sha256))
		st = payload_mismatch(u);
	usbmsc_fwi_digest_free(u->digest);
	u->digest = NULL;
	return st;
}

/* A payload that will be sent is hashed as the download reads it
 * (check_chunk); any other now. */
static int check_payload(struct fwu *u)
{
	const struct usbmsc_fwu_plan *p = &u->out->plan;

	if (u->o->dry_run || p->confirm_only || p->staged_already || p->activate_only)
		return check_payload_now(u);
	u->digest = usbmsc_fwi_digest_new();
	if (!u->digest)
		return usbmsc_fail(u->err, USBMSC_E_OTHER, "out of memory to hash %s", u->path);
	return 0;
}

/* The payload bytes among the n bytes at image offset off, just read into
 * p, go into the digest (chunks come in order; one at offset 0 starts the
 * download over, and its digest). The chunk that ends the image may be
 * sent only when the digest is the header's. */
static int check_chunk(struct fwu *u, uint64_t off, const uint8_t *p, uint32_t n)
{
	uint64_t from = off < USBMSC_FW_HEADER_LEN ? USBMSC_FW_HEADER_LEN : off, end = off + n;

	if (!u->digest)
		return 0;
	if (off == 0)
		usbmsc_fwi_digest_restart(u->digest);
	if (end > from)
		usbmsc_fwi_digest_add(u->digest, p + (from - off), (size_t)(end - from));
	if (end < u->out->plan.image_len)
		return 0;
	return usbmsc_fwi_digest_is(u->digest, u->out->header.sha256) ? 0 : payload_mismatch(u);
}

/* ---- plan ------------------------------------------------------------------------------- */

int usbmsc_fwu_chunk_size(uint8_t shift, uint32_t capacity, uint32_t max_transfer, uint32_t want,
			  uint32_t *chunk, struct usbmsc_error *err)
{
	uint32_t limit = capacity < max_transfer ? capacity : max_transfer;
	uint32_t unit;

	*chunk = 0;
	if (limit > WB_MAX_FIELD)
		limit = WB_MAX_FIELD;
	if (shift == USBMSC_FWU_OFFSET_ZERO_ONLY)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the device takes offset 0 only (READ BUFFER descriptor 0xff): "
				   "no chunks, mode 0x05 only");
	if (shift > 23)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the device's offset boundary 2^%u is beyond 24-bit offsets", shift);
	unit = 1u << shift;
	if (want) {
		if (want % unit)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--chunk %u is not a multiple of the device's offset "
					   "boundary (%u bytes)", want, unit);
		if (want > capacity)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--chunk %u is larger than the device's buffer capacity "
					   "(%u bytes)", want, capacity);
		if (want > max_transfer)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--chunk %u is larger than the transport's largest "
					   "transfer (%u bytes)", want, max_transfer);
		*chunk = want;
		return 0;
	}
	*chunk = limit - limit % unit;
	if (*chunk == 0)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "no chunk fits: the offset boundary is %u bytes, the buffer "
				   "capacity %u and the largest transfer %u", unit, capacity,
				   max_transfer);
	return 0;
}

int usbmsc_fwu_choose_mode(uint8_t modes, uint8_t want, bool no_activate, uint64_t len,
			   uint32_t one_command_max, uint8_t *mode, struct usbmsc_error *err)
{
	char text[40];
	bool fits_one = len <= one_command_max && len <= WB_MAX_FIELD;

	*mode = 0;
	if (want && want != WB_MODE_ONE && want != WB_MODE_CHUNKS && want != WB_MODE_DEFER)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "mode 0x%02x is not a download mode: 0x05, 0x07 or 0x0E "
				   "(0x0F activates, it carries no image)", want);
	if (want) {
		if (no_activate && want != WB_MODE_DEFER)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "--no-activate needs mode e (0x0E): modes 5 and 7 activate");
		if (want == WB_MODE_ONE && !fits_one)
			return usbmsc_fail(err, USBMSC_E_USAGE,
					   "mode 5 sends the whole image in one command: %llu bytes "
					   "is more than one command carries (%u)",
					   (unsigned long long)len, one_command_max);
		*mode = want;
		return 0;
	}
	if ((modes & USBMSC_FW_MODEBIT_0E) && (no_activate || (modes & USBMSC_FW_MODEBIT_0F)))
		*mode = WB_MODE_DEFER;
	else if (no_activate)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "--no-activate needs mode 0x0E, which the device does not take "
				   "(modes: %s)", usbmsc_fwu_modes_text(modes, text, sizeof text));
	else if (modes & USBMSC_FW_MODEBIT_07)
		*mode = WB_MODE_CHUNKS;
	else if ((modes & USBMSC_FW_MODEBIT_05) && fits_one)
		*mode = WB_MODE_ONE;
	else
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "no download mode fits: the device takes %s%s",
				   usbmsc_fwu_modes_text(modes, text, sizeof text),
				   (modes & USBMSC_FW_MODEBIT_05) ? ", and the image is too large "
								  "for mode 0x05's one command" : "");
	return 0;
}

static uint32_t count_commands(const struct usbmsc_fwu_plan *p)
{
	uint64_t n;

	if (p->confirm_only || p->staged_already)
		return 0;
	if (p->activate_only)
		return 1;
	if (p->mode == WB_MODE_ONE)
		return 1;
	n = (p->image_len + p->chunk - 1) / p->chunk;
	if (p->mode == WB_MODE_DEFER && p->activate)
		n++;
	return (uint32_t)n;
}

static int make_plan(struct fwu *u, uint64_t len)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	struct usbmsc_fwu_plan *p = &u->out->plan;
	uint32_t cap = d->buffer_capacity;
	uint8_t shift = d->has_descriptor ? d->offset_boundary : d->has_state ? d->state.offset_shift : 0;
	uint32_t one_max = d->max_transfer < cap ? d->max_transfer : cap;
	int st;

	p->image_len = len;
	p->activate = !u->o->no_activate;
	if (p->activate_only) {
		p->mode = WB_MODE_ACTIVATE;
	} else if (!p->confirm_only && !p->staged_already) {
		st = usbmsc_fwu_choose_mode(d->modes, u->o->mode, u->o->no_activate, len, one_max,
					    &p->mode, u->err);
		if (st)
			return st;
		u->mode_chosen = u->o->mode == 0;
		if (p->mode == WB_MODE_ONE) {
			p->chunk = (uint32_t)len;
		} else {
			st = usbmsc_fwu_chunk_size(shift, cap, d->max_transfer, u->o->chunk, &p->chunk,
						   u->err);
			if (st)
				return st;
		}
	}
	p->commands = count_commands(p);
	u->out->planned = true;
	return 0;
}

static void announce_plan(struct fwu *u)
{
	const struct usbmsc_fwu_plan *p = &u->out->plan;
	char text[200];

	if (p->confirm_only)
		snprintf(text, sizeof text, "version %s already runs on trial: FW CONFIRM only",
			 u->out->header.version);
	else if (p->staged_already)
		snprintf(text, sizeof text, "version %s already waits for activation: nothing to "
			 "send", u->out->header.version);
	else if (p->activate_only)
		snprintf(text, sizeof text, "version %s already waits for activation: WRITE BUFFER "
			 "mode 0x0f only", u->out->header.version);
	else
		snprintf(text, sizeof text, "WRITE BUFFER mode 0x%02x%s, %u command%s of up to %u "
			 "bytes for %llu bytes", p->mode,
			 p->mode == WB_MODE_DEFER ? (p->activate ? ", then 0x0f" : ", no activation")
						  : "",
			 p->commands, p->commands == 1 ? "" : "s", p->chunk,
			 (unsigned long long)p->image_len);
	usbmsc_fwi_report(u, USBMSC_FWU_EV_PLAN, 0, p->image_len, text);
}

/* ---- download -------------------------------------------------------------------------- */

/* The offset of the chunk's first byte: bits 23:0 in BUFFER OFFSET, bits
 * 31:24 in BUFFER ID. check_size() let an image past 16 MiB - 1 through
 * only to a device that reads BUFFER ID so (FW STATE's WIDE OFFSET), so
 * any other device gets BUFFER ID 0, as sg_write_buffer sends. */
int usbmsc_fwi_write_buffer(struct fwu *u, uint8_t mode, uint32_t off, uint32_t len,
			    unsigned timeout, struct usbmsc_result *res)
{
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_write_buffer(cdb, mode, 0, (uint8_t)(off >> 24), off & WB_MAX_FIELD,
					   len);

	if (n == 0) {
		memset(res, 0, sizeof *res);
		return usbmsc_fail(u->err, USBMSC_E_USAGE,
				   "WRITE BUFFER mode 0x%02x cannot carry %u bytes", mode, len);
	}
	u->out->commands_sent++;
	return usbmsc_fwi_run(*u->dev, u->o->lun, cdb, n, USBMSC_DIR_OUT, len ? u->buf : NULL, len,
			      timeout, res, &u->microcode_changed);
}

static bool stop_asked(const struct fwu *u)
{
	return u->o->stop && *u->o->stop;
}

/* What to say when the download ends early: the old image still runs. */
static int stopped(struct fwu *u, uint64_t off)
{
	return usbmsc_fail(u->err, USBMSC_E_OTHER,
			   "interrupted after %llu of %llu bytes; the device keeps running "
			   "version %s (it switches only after a complete, verified image): run "
			   "the update again", (unsigned long long)off,
			   (unsigned long long)u->out->plan.image_len,
			   u->out->before.has_state ? u->out->before.state.active_version
						    : u->out->before.inquiry.revision);
}

/* One WRITE BUFFER's answer decides: go on, fall back, start over, fail. */
enum chunk_verdict { CHUNK_OK, CHUNK_FALLBACK, CHUNK_RESTART, CHUNK_FAIL };

static enum chunk_verdict judge_chunk(struct fwu *u, int st, const struct usbmsc_result *res,
				      uint32_t off)
{
	struct usbmsc_fwu_plan *p = &u->out->plan;
	bool invalid_cdb = st == USBMSC_E_ILLEGAL_REQUEST && usbmsc_fwi_sense_is(res, 0x5, 0x24, 0x00);

	if (st == 0)
		return CHUNK_OK;
	if (invalid_cdb && off == 0 && p->mode == WB_MODE_DEFER && u->mode_chosen && p->activate &&
	    !u->out->fell_back)
		return CHUNK_FALLBACK;
	if (invalid_cdb && off > 0 && !u->out->restarted)
		return CHUNK_RESTART;
	return CHUNK_FAIL;
}

static int download(struct fwu *u)
{
	struct usbmsc_fwu_plan *p = &u->out->plan;
	struct usbmsc_result res;
	uint64_t off = 0;
	int st;

	while (off < p->image_len) {
		uint32_t n = (uint32_t)(p->image_len - off < p->chunk ? p->image_len - off : p->chunk);
		bool activating = off + n == p->image_len && p->mode != WB_MODE_DEFER;
		enum chunk_verdict v;

		if (stop_asked(u))
			return stopped(u, off);
		st = image_bytes(u, off, u->buf, n);
		if (st == 0)
			st = check_chunk(u, off, u->buf, n);
		if (st)
			return st;
		st = usbmsc_fwi_write_buffer(u, p->mode, (uint32_t)off, n,
					     activating ? u->activate_timeout : u->chunk_timeout,
					     &res);
		if (activating && usbmsc_fwi_rebooting(u, st)) {
			u->out->bytes_sent = off + (res.transferred < n ? res.transferred : n);
			return 0; /* the wait that follows tells whether it took the image */
		}
		/* GOOD is not enough: a chunk counts when the device took all of it */
		if (st == 0)
			st = usbmsc_dev_check_complete(*u->dev, "data stage", true, &res, n);
		v = judge_chunk(u, st, &res, (uint32_t)off);
		if (v == CHUNK_FALLBACK) {
			usbmsc_fwi_note(u, "the device refused mode 0x0e (05/24/00): falling back "
					"to mode 0x07");
			u->out->fell_back = true;
			p->mode = WB_MODE_CHUNKS;
			p->commands = count_commands(p);
			continue;
		}
		if (v == CHUNK_RESTART) {
			usbmsc_fwi_note(u, "the device lost the download at offset %llu (05/24/00): "
					"starting again from offset 0", (unsigned long long)off);
			u->out->restarted = true;
			off = 0;
			continue;
		}
		if (v == CHUNK_FAIL) {
			st = usbmsc_fwi_failed(u, st, &res, "WRITE BUFFER mode 0x%02x at offset %llu",
					       p->mode, (unsigned long long)off);
			if (st != USBMSC_E_ILLEGAL_REQUEST)
				usbmsc_fwi_add_to_msg(u->err, "; the download is incomplete, so the "
						      "device keeps its old firmware: run the "
						      "update again");
			return st;
		}
		off += n;
		u->out->bytes_sent = off;
		usbmsc_fwi_report(u, USBMSC_FWU_EV_PROGRESS, off, p->image_len, NULL);
	}
	return 0;
}

/* ---- the whole update ---------------------------------------------------------------------- */

static int host_checks(struct fwu *u)
{
	int st;

	if (u->o->no_host_checks) {
		usbmsc_fwi_note(u, "--no-host-checks: %s goes to the device unchecked", u->path);
		peek_header(u);
		return check_size(u, u->file_size);
	}
	/* the size first: it costs nothing, the header a read of 256 bytes */
	st = check_size(u, u->file_size);
	if (!st)
		st = check_key(u);
	if (!st)
		st = check_header(u);
	if (!st)
		st = check_fit(u);
	if (!st)
		st = check_device_state(u);
	if (!st)
		st = check_payload(u);
	return st;
}

static int send_and_activate(struct fwu *u)
{
	const struct usbmsc_fwu_plan *p = &u->out->plan;
	int st;

	if (p->confirm_only)
		return usbmsc_fwi_finish_activation(u);
	if (p->staged_already)
		return usbmsc_fwi_check_staged(u);
	if (!p->activate_only) {
		u->buf = malloc(p->chunk);
		if (!u->buf)
			return usbmsc_fail(u->err, USBMSC_E_OTHER, "out of memory for a %u-byte chunk",
					   p->chunk);
		st = download(u);
		if (st)
			return st;
	}
	if (p->mode == WB_MODE_DEFER && !p->activate)
		return usbmsc_fwi_check_staged(u);
	if (p->mode == WB_MODE_DEFER || p->activate_only) {
		st = usbmsc_fwi_activate_deferred(u);
		if (st)
			return st;
	}
	return usbmsc_fwi_finish_activation(u);
}

int usbmsc_fw_update(struct usbmsc_dev **dev, const char *path, const struct usbmsc_fwu_opts *opts,
		     struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	struct fwu u;
	bool sent;
	int st;

	if (!dev || !*dev || !path || !opts || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_fw_update needs a device, an image, "
				   "options and a result");
	if (usbmsc_dev_door_volume(*dev))
		return usbmsc_fwi_vol_update(dev, path, opts, out, err);
	usbmsc_fwi_begin(&u, dev, opts, out, err);
	u.path = path;
	st = open_image(&u);
	if (!st)
		st = usbmsc_fw_probe(*dev, opts->lun, &out->before, &u.microcode_changed, err);
	if (!st)
		st = host_checks(&u);
	/* what must run in the end: the image's version, when its header parsed */
	if (!st && out->header_ok)
		usbmsc_fwi_aim(out, out->header.version, out->header.version_number);
	if (!st)
		st = make_plan(&u, u.file_size);
	if (!st)
		announce_plan(&u);
	if (!st && opts->dry_run)
		out->end = USBMSC_FWU_PLANNED;
	else if (!st)
		st = send_and_activate(&u);
	sent = out->commands_sent > 0 || out->plan.confirm_only;
	if (st && sent && !out->has_after)
		usbmsc_fwi_look_after_failure(&u);
	free(u.buf);
	usbmsc_fwi_digest_free(u.digest);
	if (u.fd >= 0)
		usbmsc_file_close(u.fd);
	return st;
}
