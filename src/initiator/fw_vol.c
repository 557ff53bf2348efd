/* A firmware update through a file door's mounted volume (doorvol.h,
 * fwupdate.h), with plain file I/O only:
 *   read    INFO_UF2.TXT, STATUS.TXT, CURRENT.UF2: the board, the version
 *           that runs and its image's header
 *   checks  the image (a signed image, or a UF2 file unpacked first): its
 *           signature with the key given (a door does not tell the key it
 *           trusts), its fit against the running image's header (USB ID,
 *           INQUIRY vendor and product, hardware revisions), anti-rollback
 *           against the running version number (the device's floor is
 *           never below it), the version that runs, the size
 *   write   FIRMWARE.UF2: the image's UF2 blocks in order, flushed every
 *           CHUNK_BLOCKS blocks (the progress is what reached the device)
 *   wait    fw_vol_wait.c
 * Nothing is written before the checks pass, so a refused image leaves the
 * volume untouched. The device takes the image only once all of its
 * blocks arrived and checked good; a copy cut short leaves the old
 * firmware running. */
#include "vol_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fdio.h"
#include "../os/os_file.h"
#include "usbmsc/filedoor.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/uf2.h"

/* 256 KiB of UF2 blocks between two flushes. */
#define CHUNK_BLOCKS 512u
#define BLK USBMSC_UF2_BLOCK_LEN
#define PAYLOAD USBMSC_UF2_PAYLOAD_LEN

void usbmsc_voli_as_device(const struct usbmsc_door_volume *v, struct usbmsc_fw_device *d)
{
	struct usbmsc_fw_state *s = &d->state;

	memset(d, 0, sizeof *d);
	snprintf(d->inquiry.revision, sizeof d->inquiry.revision, "%.4s", v->info.firmware);
	if (!v->has_current)
		return;
	snprintf(d->inquiry.vendor, sizeof d->inquiry.vendor, "%s", v->current.vendor);
	snprintf(d->inquiry.product, sizeof d->inquiry.product, "%s", v->current.product);
	d->has_state = true;
	s->active_slot = USBMSC_FWU_NO_SLOT;
	s->pending_slot = USBMSC_FWU_NO_SLOT;
	snprintf(s->active_version, sizeof s->active_version, "%s", v->current.version);
	s->active_number = v->current.version_number;
	s->floor = v->current.version_number;
	s->vid = v->current.vid;
	s->pid = v->current.pid;
}

/* ---- the image -------------------------------------------------------------------- */

/* A signed image as it is; a UF2 file unpacked into a temporary file. */
static int open_image(struct volu *w, FILE **tmp)
{
	struct fwu *u = &w->u;
	struct usbmsc_fw_uf2_info info;
	struct usbmsc_file_info st;
	int rc;

	if (usbmsc_fw_is_uf2(u->path)) {
		*tmp = usbmsc_file_temp_stream();
		if (!*tmp)
			return usbmsc_fail(u->err, USBMSC_E_FILE, "cannot make a temporary file: %s",
					   strerror(errno));
		rc = usbmsc_fw_uf2_unpack(u->path, usbmsc_file_stream_fd(*tmp), &info, u->err);
		if (rc)
			return rc;
		u->fd = usbmsc_file_stream_fd(*tmp);
		usbmsc_fwi_note(u, "%s is a UF2 file: the image it carries (%llu bytes) is checked "
				"and written again as UF2 blocks in order", u->path,
				(unsigned long long)info.image_len);
	} else {
		u->fd = usbmsc_file_open(u->path, USBMSC_FILE_READ, 0);
		if (u->fd < 0)
			return usbmsc_fail(u->err, USBMSC_E_FILE, "cannot open %s: %s", u->path,
					   strerror(errno));
	}
	if (!usbmsc_file_stat_fd(u->fd, &st) || st.kind != USBMSC_FILE_REGULAR)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is not a file", u->path);
	u->file_size = st.size;
	return 0;
}

/* The header alone, unchecked (--no-host-checks). */
static void peek_header(struct fwu *u)
{
	if (u->file_size < USBMSC_FW_HEADER_LEN ||
	    usbmsc_pread_full(u->fd, u->raw, sizeof u->raw, 0) != (int64_t)sizeof u->raw)
		return;
	u->out->header_ok = usbmsc_fw_header_parse(u->raw, sizeof u->raw, &u->out->header) ==
			    USBMSC_FWCHK_OK;
}

/* Signature, payload length and hash, with the key given. */
static int check_signature(struct fwu *u)
{
	struct usbmsc_fw_report rep;
	int rc;

	if (!u->o->pubkey)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "a file door does not tell which key the device trusts: give "
				   "--key PUBLIC-KEY-FILE to check %s against (--no-host-checks "
				   "writes it unchecked)", u->path);
	if (!usbmsc_file_seek(u->fd, 0))
		return usbmsc_fail(u->err, USBMSC_E_FILE, "reading %s: %s", u->path,
				   strerror(errno));
	rc = usbmsc_fw_examine_fd(u->fd, u->path, u->o->pubkey, &rep, u->err);
	if (rep.check == USBMSC_FWCHK_OK) {
		u->out->header_ok = true;
		u->out->header = rep.header;
	}
	if (rc)
		return rc;
	memcpy(u->raw, rep.raw, sizeof u->raw);
	u->have_raw = true;
	u->file_size = rep.file_size;
	return 0;
}

/* Two hardware revision ranges share one (0, 0xFFFF and 0..0: any). */
static bool revs_meet(const struct usbmsc_fw_header *a, const struct usbmsc_fw_header *b)
{
	bool any_a = a->hw_rev_max == 0 || a->hw_rev_max == 0xFFFFu;
	bool any_b = b->hw_rev_max == 0 || b->hw_rev_max == 0xFFFFu;

	return any_a || any_b || (a->hw_rev_min <= b->hw_rev_max && b->hw_rev_min <= a->hw_rev_max);
}

/* The image fits the device that runs CURRENT.UF2's image: where both
 * headers name a USB ID, a vendor, a product or revisions, they agree. */
static int check_fit(struct volu *w)
{
	struct fwu *u = &w->u;
	const struct usbmsc_fw_header *h = &u->out->header, *c = &w->before.current;

	if (!w->before.has_current) {
		usbmsc_fwi_note(u, "the device runs no image it shows (CURRENT.UF2): whether %s "
				"fits it is the device's to check", u->path);
		return 0;
	}
	if (h->vid && c->vid && (h->vid != c->vid || h->pid != c->pid))
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for USB device %04x:%04x; the firmware this device "
				   "runs is made for %04x:%04x", u->path, h->vid, h->pid, c->vid,
				   c->pid);
	if (h->vendor[0] && c->vendor[0] && strcmp(h->vendor, c->vendor) != 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is made for vendor '%s'; this device "
				   "runs firmware for '%s'", u->path, h->vendor, c->vendor);
	if (h->product[0] && c->product[0] && strcmp(h->product, c->product) != 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is made for product '%s'; this device "
				   "runs firmware for '%s'", u->path, h->product, c->product);
	if (!revs_meet(h, c))
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is made for hardware revisions %u to %u; the firmware this "
				   "device runs for %u to %u", u->path, h->hw_rev_min, h->hw_rev_max,
				   c->hw_rev_min, c->hw_rev_max);
	return 0;
}

/* Anti-rollback and the version that runs. */
static int check_version(struct volu *w)
{
	struct fwu *u = &w->u;
	const struct usbmsc_fw_header *h = &u->out->header, *c = &w->before.current;

	if (!w->before.has_current)
		return 0;
	if (h->version_number < c->version_number)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s is a downgrade: version %s (number %u) is below the one the "
				   "device runs, %s (number %u), and its anti-rollback floor is never "
				   "lower", u->path, h->version, h->version_number, c->version,
				   c->version_number);
	if (usbmsc_fwi_same_image(h, c->version, c->version_number) && !u->o->allow_reinstall)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "version %s (number %u) already runs on the device: nothing was "
				   "written (--allow-reinstall writes it again)", h->version,
				   h->version_number);
	return 0;
}

static int check_size(struct fwu *u)
{
	if (u->file_size == 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is empty", u->path);
	if (u->file_size > USBMSC_DOOR_SLOT_MAX)
		return usbmsc_fail(u->err, USBMSC_E_FILE,
				   "%s has %llu bytes: a file door takes images of up to 16 MiB",
				   u->path, (unsigned long long)u->file_size);
	return 0;
}

static int host_checks(struct volu *w)
{
	struct fwu *u = &w->u;
	int rc = check_size(u);

	if (rc)
		return rc;
	if (u->o->no_host_checks) {
		usbmsc_fwi_note(u, "--no-host-checks: %s goes to the device unchecked", u->path);
		peek_header(u);
		return 0;
	}
	rc = check_signature(u);
	if (!rc)
		rc = check_fit(w);
	if (!rc)
		rc = check_version(w);
	return rc;
}

/* ---- the plan ----------------------------------------------------------------------- */

static void plan(struct volu *w)
{
	struct fwu *u = &w->u;
	struct usbmsc_fwu_plan *p = &u->out->plan;
	char text[USBMSC_DOOR_PATH_MAX + 160];

	w->blocks = usbmsc_uf2_blocks((uint32_t)u->file_size);
	snprintf(w->version, sizeof w->version, "%s", u->out->header_ok ? u->out->header.version : "");
	p->image_len = u->file_size;
	p->activate = true;
	p->chunk = CHUNK_BLOCKS * BLK;
	p->commands = 0;
	u->out->planned = true;
	snprintf(text, sizeof text, "%s/%s: %u UF2 blocks (%llu bytes) in order, flushed every "
		 "%u KiB; the device then checks the image and restarts with it",
		 w->before.path, USBMSC_DOOR_UPDATE_FILE, w->blocks,
		 (unsigned long long)w->blocks * BLK, p->chunk / 1024u);
	usbmsc_fwi_report(u, USBMSC_FWU_EV_PLAN, 0, (uint64_t)w->blocks * BLK, text);
}

/* ---- the copy --------------------------------------------------------------------------- */

/* Block i: the header, its version tag, 256 bytes of the image (the
 * header's from the copy that was checked, so what was verified is what
 * goes), zeros past its end. */
static int block_at(struct volu *w, uint32_t i, uint8_t *blk)
{
	struct fwu *u = &w->u;
	uint64_t off = (uint64_t)i * PAYLOAD;
	size_t n = u->file_size - off < PAYLOAD ? (size_t)(u->file_size - off) : PAYLOAD;
	uint8_t *p = blk + USBMSC_UF2_DATA_OFFSET;

	usbmsc_uf2_encode(blk, i, w->blocks, w->version);
	errno = 0;
	if (usbmsc_pread_full(u->fd, p, n, off) != (int64_t)n)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "reading %s: %s", u->path,
				   errno ? strerror(errno) : "it became shorter");
	if (u->have_raw && off < USBMSC_FW_HEADER_LEN)
		memcpy(p, u->raw + off, USBMSC_FW_HEADER_LEN - (size_t)off < n
		       ? USBMSC_FW_HEADER_LEN - (size_t)off : n);
	return 0;
}

static int write_failed(struct volu *w, const char *path, const char *what, int e)
{
	struct fwu *u = &w->u;
	int st = usbmsc_voli_errno_status(e);

	usbmsc_fail(u->err, st, "%s %s: %s", what, path, strerror(e));
	if (e == ENOSPC)
		usbmsc_fwi_add_to_msg(u->err, " (the door volume is full: delete what was copied "
				      "onto it, or mount it again)");
	else if (st == USBMSC_E_NO_DEVICE)
		usbmsc_fwi_add_to_msg(u->err, " (the device went away: it keeps its old firmware "
				      "unless the whole image arrived)");
	else if (st == USBMSC_E_ACCESS || st == USBMSC_E_DATA_PROTECT)
		usbmsc_fwi_add_to_msg(u->err, " (the volume must be mounted writable for this "
				      "user)");
	return st;
}

/* One chunk of blocks [first, first + n) out, and flushed. */
static int put_chunk(struct volu *w, int fd, const char *path, uint8_t *buf, uint32_t first,
		     uint32_t n)
{
	int rc;

	for (uint32_t k = 0; k < n; k++) {
		rc = block_at(w, first + k, buf + (size_t)k * BLK);
		if (rc)
			return rc;
	}
	if (!usbmsc_write_full(fd, buf, (size_t)n * BLK))
		return write_failed(w, path, "writing", errno);
	if (!usbmsc_file_sync(fd))
		return write_failed(w, path, "flushing", errno);
	return 0;
}

static int stopped(struct volu *w, uint32_t done)
{
	return usbmsc_fail(w->u.err, USBMSC_E_OTHER,
			   "interrupted after %u of %u blocks; the device keeps running version "
			   "%s (it takes an image only once all of its blocks arrived): run the "
			   "update again", done, w->blocks, w->before.info.firmware);
}

static int copy_blocks(struct volu *w, int fd, const char *path)
{
	struct fwu *u = &w->u;
	uint32_t i = 0;
	int rc = 0;

	u->buf = malloc((size_t)CHUNK_BLOCKS * BLK);
	if (!u->buf)
		return usbmsc_fail(u->err, USBMSC_E_OTHER, "out of memory");
	while (i < w->blocks) {
		uint32_t n = w->blocks - i < CHUNK_BLOCKS ? w->blocks - i : CHUNK_BLOCKS;

		if (u->o->stop && *u->o->stop)
			return stopped(w, i);
		rc = put_chunk(w, fd, path, u->buf, i, n);
		/* The last flush may meet the device restarting already: the
		 * wait tells whether the image took. */
		if (rc == USBMSC_E_NO_DEVICE && i + n == w->blocks) {
			usbmsc_fwi_note(u, "%s", u->err->msg);
			rc = 0;
		}
		if (rc)
			return rc;
		i += n;
		u->out->bytes_sent = (uint64_t)i * BLK;
		usbmsc_fwi_report(u, USBMSC_FWU_EV_PROGRESS, u->out->bytes_sent,
				  (uint64_t)w->blocks * BLK, NULL);
	}
	return 0;
}

static int copy(struct volu *w)
{
	char path[USBMSC_DOOR_PATH_MAX + 16];
	int fd, rc;

	usbmsc_voli_join(path, sizeof path, w->before.path, USBMSC_DOOR_UPDATE_FILE);
	fd = usbmsc_file_open(path, USBMSC_FILE_WRITE | USBMSC_FILE_CREATE | USBMSC_FILE_TRUNC, 0666);
	if (fd < 0)
		return write_failed(w, path, "cannot create", errno);
	rc = copy_blocks(w, fd, path);
	usbmsc_file_close(fd);
	/* What was not copied whole goes (best effort: the device may be gone). */
	if (rc)
		usbmsc_file_remove(path);
	return rc;
}

/* ---- the whole update ------------------------------------------------------------------------ */

/* What only WRITE BUFFER has. */
static int check_options(struct fwu *u)
{
	const char *what = u->o->mode ? "--mode" : u->o->chunk ? "--chunk"
			   : u->o->no_activate ? "--no-activate" : NULL;

	if (!what)
		return 0;
	return usbmsc_fail(u->err, USBMSC_E_USAGE, "%s has no meaning for a file door: the image "
			   "is copied as a file, and the device activates it by itself", what);
}

static int run(struct volu *w, const char *mount)
{
	struct fwu *u = &w->u;
	FILE *tmp = NULL;
	int rc = check_options(u);

	if (!rc)
		rc = usbmsc_door_volume_read(mount, true, &w->before, u->err);

	if (!rc) {
		usbmsc_voli_as_device(&w->before, &u->out->before);
		rc = open_image(w, &tmp);
	}
	if (!rc)
		rc = host_checks(w);
	if (!rc && u->out->header_ok)
		usbmsc_fwi_aim(u->out, u->out->header.version, u->out->header.version_number);
	if (!rc)
		plan(w);
	if (!rc && u->o->dry_run)
		u->out->end = USBMSC_FWU_PLANNED;
	else if (!rc)
		rc = usbmsc_voli_watch_begin(w);
	if (!rc && !u->o->dry_run)
		rc = copy(w);
	if (!rc && !u->o->dry_run) {
		u->out->activated = true;
		usbmsc_fwi_report(u, USBMSC_FWU_EV_ACTIVATE, 0, 0,
				  "the whole file is on the volume: the device checks it and "
				  "restarts with it once the host has been quiet for a second");
		rc = usbmsc_voli_wait(w);
	}
	if (tmp)
		fclose(tmp);
	else if (u->fd >= 0)
		usbmsc_file_close(u->fd);
	u->fd = -1;
	return rc;
}

int usbmsc_fwi_vol_update(struct usbmsc_dev **dev, const char *path,
			  const struct usbmsc_fwu_opts *opts, struct usbmsc_fwu_outcome *out,
			  struct usbmsc_error *err)
{
	struct volu *w = calloc(1, sizeof *w);
	int rc;

	if (!w)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	usbmsc_fwi_begin(&w->u, dev, opts, out, err);
	w->u.path = path;
	rc = run(w, usbmsc_dev_door_volume(*dev));
	usbmsc_voli_watch_end(w);
	free(w->u.buf);
	free(w);
	return rc;
}
