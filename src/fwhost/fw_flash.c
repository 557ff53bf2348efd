/* The firmware flash in a file: slot A, slot B, two state sectors, every
 * byte stored inverted so that erased flash (0xFF) is a hole or zeros. */
#include "../common/fdio.h"
#include "../os/os_backend.h"
#include "../os/os_clock.h"
#include "../os/os_file.h"
#include "../os/os_lock.h"
#include "fw_host_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define FW_WRITE_UNIT 8u

uint64_t fwhost_flash_size(uint32_t slot)
{
	return 2ull * slot + 2ull * FWHOST_SECTOR;
}

/* dst = ~src, eight bytes at a time where it can: every byte of an image
 * passes here twice (programmed, then read back for its hash). */
static void invert(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	uint32_t i = 0;

	for (; i + 8u <= n; i += 8u) {
		uint64_t w;

		memcpy(&w, src + i, 8);
		w = ~w;
		memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++)
		dst[i] = (uint8_t)~src[i];
}

bool fwhost_flash_flush(struct usbmsc_fwhost *h)
{
	uint64_t t;
	bool ok;

	if (h->pend_len == 0)
		return true;
	t = usbmsc_clock_ns();
	ok = usbmsc_pwrite_full(h->fd, h->invert, h->pend_len, h->pend_addr);
	if (!ok)
		h->io_errno = errno;
	h->pend_len = 0;
	h->stats.program_ns += usbmsc_clock_ns() - t;
	return ok;
}

static bool flash_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len)
{
	struct usbmsc_fwhost *h = ctx;
	bool flushed = fwhost_flash_flush(h);   /* counted as programming */
	uint64_t t = usbmsc_clock_ns();
	bool ok = flushed && usbmsc_pread_full(h->fd, buf, len, addr) == (int64_t)len;

	if (ok)
		invert(buf, buf, len);
	h->stats.read_ns += usbmsc_clock_ns() - t;
	h->stats.read_bytes += len;
	return ok;
}

/* A small program inside a slot that follows the one held back joins it
 * (the state sectors are always written at once: a record the engine
 * wrote is on the file, whatever happens to this process next). */
static bool held_back(struct usbmsc_fwhost *h, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	bool in_slots = (uint64_t)addr + len <= 2ull * h->slot;

	if (!in_slots || len > sizeof h->invert / 4u)
		return false;
	if (h->pend_len != 0 && (addr != h->pend_addr + h->pend_len ||
				 h->pend_len + len > sizeof h->invert))
		return false;
	if (h->pend_len == 0)
		h->pend_addr = addr;
	invert(h->invert + h->pend_len, buf, len);
	h->pend_len += len;
	return true;
}

static bool flash_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	struct usbmsc_fwhost *h = ctx;
	uint64_t t = usbmsc_clock_ns();
	bool ok;

	h->stats.program_bytes += len;
	if (held_back(h, addr, buf, len)) {
		h->stats.program_ns += usbmsc_clock_ns() - t;
		return true;
	}
	ok = fwhost_flash_flush(h);
	t = usbmsc_clock_ns();
	if (ok && held_back(h, addr, buf, len)) {
		h->stats.program_ns += usbmsc_clock_ns() - t;
		return true;
	}
	while (ok && len > 0) {
		uint32_t n = len < sizeof h->invert ? len : (uint32_t)sizeof h->invert;

		invert(h->invert, buf, n);
		ok = usbmsc_pwrite_full(h->fd, h->invert, n, addr);
		addr += n;
		buf += n;
		len -= n;
	}
	if (!ok)
		h->io_errno = errno;
	h->stats.program_ns += usbmsc_clock_ns() - t;
	return ok;
}

/* An erased sector is zeros in the file: a hole where the system and the
 * file system can, else written zeros. */
static bool flash_erase(void *ctx, uint32_t addr)
{
	static const uint8_t zeros[FWHOST_SECTOR];
	struct usbmsc_fwhost *h = ctx;
	bool flushed = fwhost_flash_flush(h);   /* counted as programming */
	uint64_t t = usbmsc_clock_ns();
	bool ok = flushed && (usbmsc_os_backend.punch_hole(h->fd, addr, FWHOST_SECTOR) ||
			      usbmsc_pwrite_full(h->fd, zeros, FWHOST_SECTOR, addr));

	if (!ok)
		h->io_errno = errno;
	h->stats.erase_ns += usbmsc_clock_ns() - t;
	h->stats.erases++;
	return ok;
}

struct usbmsc_fw_flash fwhost_flash(struct usbmsc_fwhost *h)
{
	return (struct usbmsc_fw_flash){ flash_read, flash_program, flash_erase, h, FWHOST_SECTOR,
					 FW_WRITE_UNIT };
}

static bool unwritable(int e)
{
	return e == EACCES || e == EROFS || e == EPERM;
}

/* A new flash file: sparse, all erased. */
static int create(struct usbmsc_fwhost *h, const struct usbmsc_fwhost_config *c,
		  struct usbmsc_error *err)
{
	if (c->slot_size < FWHOST_SLOT_MIN || c->slot_size > FWHOST_SLOT_MAX ||
	    c->slot_size % FWHOST_SECTOR)
		return usbmsc_fail(err, USBMSC_E_USAGE, "firmware slot size %u: not a multiple of "
				   "4K from %uK to %uM", c->slot_size, FWHOST_SLOT_MIN / 1024u,
				   FWHOST_SLOT_MAX / (1024u * 1024u));
	h->slot = c->slot_size;
	if (!usbmsc_file_truncate(h->fd, fwhost_flash_size(h->slot)))
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot size %s: %s", h->path,
				   strerror(errno));
	return USBMSC_OK;
}

/* An existing flash file: its size gives the slot size. */
static int check_existing(struct usbmsc_fwhost *h, const struct usbmsc_fwhost_config *c,
			  struct usbmsc_error *err)
{
	struct usbmsc_file_info fi;
	uint64_t size;

	if (!usbmsc_file_stat_fd(h->fd, &fi))
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: %s", h->path, strerror(errno));
	size = fi.size;
	if (size < fwhost_flash_size(FWHOST_SLOT_MIN) || size > fwhost_flash_size(FWHOST_SLOT_MAX))
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a firmware flash (%llu bytes)",
				   h->path, (unsigned long long)size);
	h->slot = (uint32_t)((size - 2u * FWHOST_SECTOR) / 2u);
	if (fwhost_flash_size(h->slot) != size || h->slot % FWHOST_SECTOR)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a firmware flash (%llu bytes)",
				   h->path, (unsigned long long)size);
	if (c->slot_size_given && c->slot_size != h->slot)
		return usbmsc_fail(err, USBMSC_E_USAGE, "firmware slot size %u: %s already has "
				   "%u-byte slots (the slot size applies when it is created)",
				   c->slot_size, h->path, h->slot);
	return USBMSC_OK;
}

int fwhost_flash_open(struct usbmsc_fwhost *h, const struct usbmsc_fwhost_config *c,
		      struct usbmsc_error *err)
{
	char what[PATH_MAX + 32];

	h->created = false;
	h->fd = usbmsc_file_open(h->path, USBMSC_FILE_RDWR, 0);
	if (h->fd < 0 && errno == ENOENT) {
		h->fd = usbmsc_file_open(h->path, USBMSC_FILE_RDWR | USBMSC_FILE_CREATE |
					 USBMSC_FILE_EXCL, 0666);
		h->created = h->fd >= 0;
	}
	if (h->fd < 0 && c->optional && unwritable(errno))
		return USBMSC_OK;
	if (h->fd < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open the firmware flash %s: %s",
				   h->path, strerror(errno));
	/* One engine per flash: another one would boot it under this one. */
	snprintf(what, sizeof what, "the firmware flash %s", h->path);
	if (usbmsc_os_lock(h->fd, what, err) != USBMSC_OK) {
		h->created = false;   /* the holder opened it meanwhile: it is theirs now */
		return USBMSC_E_BUSY;
	}
	return h->created ? create(h, c, err) : check_existing(h, c, err);
}
