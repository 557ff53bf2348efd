/* Disk-image files behind the virtual device's LUNs: LUN 0 is PATH, LUN i
 * is PATH.lunI. A missing image is created sparse with the size option;
 * the storage callbacks read and write at offsets and turn I/O errors into medium
 * errors, as a real device reports a failing flash. Each image is locked
 * while the device is open: one host at a time, as on a real bus. */
#include "../common/fdio.h"
#include "../os/os_file.h"
#include "../os/os_lock.h"
#include "sim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

usbmsc_sense_t sim_img_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
			    uint32_t len)
{
	struct sim_image *im = ctx;
	uint64_t pos = (uint64_t)lba * im->block_size + offset;

	/* Short means an error, or the file shrank under us. */
	if (usbmsc_pread_full(im->fd, buf, len, pos) != (int64_t)len)
		return USBMSC_SENSE_READ_ERROR;
	im->counters->bytes_read += len;
	return USBMSC_SENSE_OK;
}

usbmsc_sense_t sim_img_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			     uint32_t len)
{
	struct sim_image *im = ctx;
	uint64_t pos = (uint64_t)lba * im->block_size + offset;

	if (!usbmsc_pwrite_full(im->fd, buf, len, pos))
		return USBMSC_SENSE_WRITE_ERROR;
	im->counters->bytes_written += len;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t img_sync(void *ctx)
{
	struct sim_image *im = ctx;

	return usbmsc_file_datasync(im->fd) ? USBMSC_SENSE_OK : USBMSC_SENSE_WRITE_ERROR;
}

static int errno_status(int e)
{
	return e == EACCES || e == EPERM || e == EROFS ? USBMSC_E_ACCESS : USBMSC_E_FILE;
}

/* Lock the open image before anything reads or sizes it. */
static int image_lock(struct sim_image *im, struct usbmsc_error *err)
{
	char what[64 + 4096];

	snprintf(what, sizeof what, "the sim: image %s", im->path);
	return usbmsc_os_lock(im->fd, what, err);
}

/* Open (or create) one image; fills im. On failure the caller closes it
 * (and removes it when this call created it). */
static int image_open(struct usbmsc_sim *sim, const char *path, struct sim_image *im,
		      struct usbmsc_error *err)
{
	const struct sim_options *o = &sim->opt;
	struct usbmsc_file_info fi;
	uint64_t blocks;
	int fd;

	im->fd = -1;
	im->created = false;
	im->path = strdup(path);
	if (!im->path)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	fd = usbmsc_file_open(path, o->read_only ? USBMSC_FILE_READ : USBMSC_FILE_RDWR, 0);
	if (fd < 0 && errno == ENOENT && !o->read_only) {
		fd = usbmsc_file_open(path, USBMSC_FILE_RDWR | USBMSC_FILE_CREATE | USBMSC_FILE_EXCL,
				      0644);
		if (fd < 0)
			return usbmsc_fail(err, errno_status(errno), "cannot create image %s: %s",
					   path, strerror(errno));
		im->created = true;
	}
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && o->read_only)
			return usbmsc_fail(err, USBMSC_E_FILE,
					   "image %s does not exist (ro=1 does not create it)", path);
		/* An image that may be read but not written: a read-only device fits. */
		if (!o->read_only && errno_status(e) == USBMSC_E_ACCESS &&
		    usbmsc_file_access(path, false))
			return usbmsc_fail(err, USBMSC_E_ACCESS, "cannot open image %s for writing: "
					   "%s; the option ro=1 (sim:PATH?ro=1) opens it read-only",
					   path, strerror(e));
		return usbmsc_fail(err, errno_status(e), "cannot open image %s: %s", path,
				   strerror(e));
	}
	im->fd = fd;
	if (image_lock(im, err) != USBMSC_OK) {
		im->created = false;   /* the holder opened it meanwhile: it is theirs now */
		return USBMSC_E_BUSY;
	}
	/* Sparse: only written blocks take room. */
	if (im->created && !usbmsc_file_truncate(fd, o->size))
		return usbmsc_fail(err, errno_status(errno), "cannot size image %s: %s", path,
				   strerror(errno));
	if (!usbmsc_file_stat_fd(fd, &fi))
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot stat image %s: %s", path,
				   strerror(errno));
	if (fi.kind != USBMSC_FILE_REGULAR)
		return usbmsc_fail(err, USBMSC_E_FILE, "image %s is not a regular file", path);
	blocks = fi.size / o->block_size;
	if (blocks == 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "image %s holds less than one %u-byte block",
				   path, o->block_size);
	if (blocks > UINT32_MAX)
		return usbmsc_fail(err, USBMSC_E_FILE,
				   "image %s is too large (more than 2^32 - 1 blocks)", path);
	im->block_size = o->block_size;
	im->block_count = (uint32_t)blocks;
	im->counters = &sim->counters;
	im->sim = sim;
	return USBMSC_OK;
}

/* The default serial number: stable for one image file, different for
 * two (FNV-1a over its file identity: device and inode numbers). */
static void default_serial(struct usbmsc_sim *sim)
{
	struct usbmsc_file_info fi;
	uint64_t h = 0xcbf29ce484222325u;
	uint64_t v[2] = { 0, 0 };

	if (usbmsc_file_stat_fd(sim->images[0].fd, &fi)) {
		v[0] = fi.volume;
		v[1] = fi.index;
	}
	for (int i = 0; i < 2; i++) {
		for (int b = 0; b < 8; b++) {
			h ^= (uint8_t)(v[i] >> (8 * b));
			h *= 0x100000001b3u;
		}
	}
	snprintf(sim->serial, sizeof sim->serial, "SIM%016llX", (unsigned long long)h);
}

int sim_images_open(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err)
{
	char name[4096];

	for (uint8_t i = 0; i < sim->opt.luns; i++) {
		int r;
		if (i == 0)
			r = snprintf(name, sizeof name, "%s", path);
		else
			r = snprintf(name, sizeof name, "%s.lun%u", path, i);
		if (r < 0 || (size_t)r >= sizeof name)
			return usbmsc_fail(err, USBMSC_E_USAGE, "image path too long");
		r = image_open(sim, name, &sim->images[i], err);
		sim->image_count = (uint8_t)(i + 1); /* close this one too on failure */
		if (r != USBMSC_OK)
			return r;
	}
	if (sim->opt.serial_set)
		memcpy(sim->serial, sim->opt.serial, sizeof sim->serial);
	else
		default_serial(sim);
	return USBMSC_OK;
}

void sim_images_close(struct usbmsc_sim *sim, bool remove_created)
{
	for (uint8_t i = 0; i < sim->image_count; i++) {
		struct sim_image *im = &sim->images[i];
		if (im->fd >= 0) {
			usbmsc_os_unlock(im->fd);
			usbmsc_file_close(im->fd);
		}
		/* A failed creation leaves no half-made images behind. */
		if (remove_created && im->created && im->path)
			usbmsc_file_remove(im->path);
		free(im->path);
		im->path = NULL;
		im->fd = -1;
	}
	sim->image_count = 0;
}

void sim_lun_config(struct usbmsc_sim *sim, uint8_t lun, struct usbmsc_lun_config *lc)
{
	struct sim_image *im = &sim->images[lun];

	memset(lc, 0, sizeof *lc);
	lc->block_count = im->block_count;
	lc->block_size = (uint16_t)im->block_size;
	lc->flags = sim->opt.read_only ? USBMSC_LUN_READ_ONLY : 0;
	lc->read = sim_img_read;
	lc->write = sim->opt.read_only ? NULL : sim_img_write;
	lc->sync = img_sync;
	lc->ctx = im;
	if (sim->opt.bufs > 1)
		sim_later_lun(lc);
}

/* ---- the echo buffer's file ------------------------------------------------
 * ECHO WRITE's data outlives the process, beside the image in PATH.echo,
 * so that one CLI invocation can write it and the next read it back. */

int sim_echo_load(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err)
{
	size_t len = strlen(path) + sizeof ".echo";
	uint8_t extra;
	int64_t n;
	int fd, e;

	sim->echo_path = malloc(len);
	if (!sim->echo_path)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	snprintf(sim->echo_path, len, "%s.echo", path);
	fd = usbmsc_file_open(sim->echo_path, USBMSC_FILE_READ, 0);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return USBMSC_OK; /* nothing stored yet */
		return usbmsc_fail(err, errno_status(e), "cannot open %s: %s", sim->echo_path,
				   strerror(e));
	}
	n = usbmsc_read_full(fd, sim->echo, sizeof sim->echo);
	e = errno;
	if (n == (int64_t)sizeof sim->echo && usbmsc_read_full(fd, &extra, 1) == 1) {
		usbmsc_file_close(fd);
		return usbmsc_fail(err, USBMSC_E_FILE,
				   "%s holds more than the %u bytes of an echo buffer",
				   sim->echo_path, SIM_ECHO_MAX);
	}
	usbmsc_file_close(fd);
	if (n < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot read %s: %s", sim->echo_path,
				   strerror(e));
	sim->echo_len = (uint32_t)n;
	return USBMSC_OK;
}

bool sim_echo_save(struct usbmsc_sim *sim, const uint8_t *data, uint32_t len)
{
	size_t tmp_len = strlen(sim->echo_path) + sizeof ".tmp";
	char *tmp = malloc(tmp_len);
	bool ok;
	int fd;

	if (!tmp)
		return false;
	snprintf(tmp, tmp_len, "%s.tmp", sim->echo_path);
	fd = usbmsc_file_open(tmp, USBMSC_FILE_WRITE | USBMSC_FILE_CREATE | USBMSC_FILE_TRUNC,
			      0644);
	if (fd < 0) {
		free(tmp);
		return false;
	}
	ok = usbmsc_write_full(fd, data, len);
	/* the new contents replace the old in one step, or not at all */
	ok = usbmsc_file_close(fd) == 0 && ok && usbmsc_file_rename(tmp, sim->echo_path, true);
	if (!ok)
		usbmsc_file_remove(tmp);
	free(tmp);
	return ok;
}
