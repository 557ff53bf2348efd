/* File-backed logical units. */
#define _GNU_SOURCE  /* O_DIRECT */
#include "lun_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

/* Create the file sparse if it does not exist; an existing one must have
 * the size asked for, so that a typo cannot shrink or grow a disk. */
static int create_or_check(const struct lun_spec *spec, char *err, size_t err_len)
{
	struct stat st;
	int fd;

	if (stat(spec->path, &st) == 0) {
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size != spec->create_size) {
			snprintf(err, err_len, "%s: exists with %" PRIu64 " bytes, not the %" PRIu64
				 " of size=", spec->path, (uint64_t)st.st_size, spec->create_size);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(err, err_len, "%s: %s", spec->path, strerror(errno));
		return -1;
	}
	fd = open(spec->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, err_len, "%s: cannot create: %s", spec->path, strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)spec->create_size) != 0) {
		snprintf(err, err_len, "%s: cannot set its size: %s", spec->path, strerror(errno));
		close(fd);
		unlink(spec->path);
		return -1;
	}
	close(fd);
	return 0;
}

static int file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) == 0 ? 0 : -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int check_size(const struct lun_file *lf, char *err, size_t err_len)
{
	if (lf->size == 0) {
		snprintf(err, err_len, "%s: the file is empty (give size=SIZE to create a disk)",
			 lf->path);
		return -1;
	}
	if (lf->size % lf->block_size != 0) {
		snprintf(err, err_len,
			 "%s: its size, %" PRIu64 " bytes, is not a multiple of the block size %u"
			 " (%" PRIu64 " bytes over)", lf->path, lf->size, (unsigned)lf->block_size,
			 lf->size % lf->block_size);
		return -1;
	}
	if (lf->size / lf->block_size > UINT32_MAX) {
		snprintf(err, err_len, "%s: more than 2^32 blocks of %u bytes", lf->path,
			 (unsigned)lf->block_size);
		return -1;
	}
	return 0;
}

int lun_file_open(struct lun_file *lf, const struct lun_spec *spec, char *err, size_t err_len)
{
	int flags = (spec->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;

	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->path = spec->path;
	lf->block_size = spec->block_size;
	if (spec->create_size != 0 && create_or_check(spec, err, err_len) != 0)
		return -1;
	if (spec->direct)
		flags |= O_DIRECT;
	lf->fd = open(spec->path, flags);
	if (lf->fd < 0) {
		snprintf(err, err_len, "%s: %s%s", spec->path, strerror(errno),
			 spec->direct && errno == EINVAL ? " (no O_DIRECT on this file system)" : "");
		return -1;
	}
	if (file_size(lf->fd, &lf->size) != 0) {
		snprintf(err, err_len, "%s: not a regular file or block device (%s)", spec->path,
			 strerror(errno));
		lun_file_close(lf);
		return -1;
	}
	if (check_size(lf, err, err_len) != 0) {
		lun_file_close(lf);
		return -1;
	}
	return 0;
}

void lun_file_config(struct lun_file *lf, const struct lun_spec *spec,
		     struct usbmsc_lun_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->block_count = (uint32_t)(lf->size / lf->block_size);
	cfg->block_size = lf->block_size;
	cfg->flags = (uint8_t)((spec->read_only ? USBMSC_LUN_READ_ONLY : 0) |
			       (spec->removable ? USBMSC_LUN_REMOVABLE : 0));
	cfg->read = lun_file_read;
	cfg->write = spec->read_only ? NULL : lun_file_write;
	cfg->sync = spec->read_only ? NULL : lun_file_sync;
	cfg->ctx = lf;
}

void lun_file_close(struct lun_file *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
}

static off_t position(const struct lun_file *lf, uint32_t lba, uint32_t offset)
{
	return (off_t)((uint64_t)lba * lf->block_size + offset);
}

usbmsc_sense_t lun_file_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf, uint32_t len)
{
	struct lun_file *lf = ctx;
	off_t pos = position(lf, lba, offset);
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = pread(lf->fd, buf + done, len - done, pos + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {  /* an error, or the file shrank under us */
			lf->last_errno = n < 0 ? errno : EIO;
			return USBMSC_SENSE_READ_ERROR;
		}
		done += (uint32_t)n;
	}
	lf->bytes_read += len;
	return USBMSC_SENSE_OK;
}

usbmsc_sense_t lun_file_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			      uint32_t len)
{
	struct lun_file *lf = ctx;
	off_t pos = position(lf, lba, offset);
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(lf->fd, buf + done, len - done, pos + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			lf->last_errno = n < 0 ? errno : EIO;
			return USBMSC_SENSE_WRITE_ERROR;
		}
		done += (uint32_t)n;
	}
	lf->bytes_written += len;
	return USBMSC_SENSE_OK;
}

usbmsc_sense_t lun_file_sync(void *ctx)
{
	struct lun_file *lf = ctx;

	if (fdatasync(lf->fd) != 0 && errno != EINVAL) {  /* EINVAL: nothing to sync (tmpfs) */
		lf->last_errno = errno;
		return USBMSC_SENSE_WRITE_ERROR;
	}
	return USBMSC_SENSE_OK;
}
