/* A file door's volume read on the host (doorvol.h): INFO_UF2.TXT,
 * STATUS.TXT and the head of CURRENT.UF2, with plain file I/O. The OS
 * caches a mounted volume, and the door changes STATUS.TXT under it: each
 * file's cached data is dropped first where the OS backend can, so the
 * host reads what the device says now. */
#include "vol_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/fdio.h"
#include "../os/os_backend.h"
#include "../os/os_file.h"
#include "usbmsc/uf2.h"

#define TEXT_MAX 1024u

bool usbmsc_voli_join(char *buf, size_t len, const char *dir, const char *name)
{
	size_t n = strlen(dir);
	bool sep = n > 0 && (dir[n - 1] == '/' || dir[n - 1] == '\\');
	int w = snprintf(buf, len, "%s%s%s", dir, sep ? "" : "/", name);

	return w > 0 && (size_t)w < len;
}

int usbmsc_voli_errno_status(int e)
{
	switch (e) {
	case EIO:
	case ENODEV:
	case ENXIO:
	case ENOENT:
	case ENOTDIR:
		return USBMSC_E_NO_DEVICE;
	case EACCES:
	case EPERM:
		return USBMSC_E_ACCESS;
	case EROFS:
		return USBMSC_E_DATA_PROTECT;
	default:
		return USBMSC_E_FILE;
	}
}

/* Up to max bytes of dir/name from its start, past the cache where the
 * system allows (*fresh cleared where it does not). A file that is not
 * there sets *missing. */
static int read_file(const char *dir, const char *name, uint8_t *buf, size_t max, size_t *got,
		     bool *fresh, bool *missing, struct usbmsc_error *err)
{
	char path[USBMSC_DOOR_PATH_MAX + 16];
	int64_t n;
	int fd, e;

	if (!usbmsc_voli_join(path, sizeof path, dir, name))
		return usbmsc_fail(err, USBMSC_E_USAGE, "the path %s is too long", dir);
	fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	if (fd < 0) {
		e = errno;
		*missing = e == ENOENT;
		return usbmsc_fail(err, usbmsc_voli_errno_status(e), "%s: %s", path, strerror(e));
	}
	if (!usbmsc_os_backend.file_uncache(fd))
		*fresh = false;
	n = usbmsc_read_full(fd, buf, max);
	e = errno;
	usbmsc_file_close(fd);
	if (n < 0)
		return usbmsc_fail(err, usbmsc_voli_errno_status(e), "reading %s: %s", path,
				   strerror(e));
	*got = (size_t)n;
	return 0;
}

/* INFO_UF2.TXT: there, and a usbmsc door's. */
static int read_info(const char *dir, struct usbmsc_door_volume *v, struct usbmsc_error *err)
{
	uint8_t text[TEXT_MAX];
	struct usbmsc_file_info st;
	size_t n = 0;
	bool missing = false;
	int rc;

	if (!usbmsc_file_stat(dir, true, &st))
		return usbmsc_fail(err, usbmsc_voli_errno_status(errno), "vol:%s: %s", dir,
				   strerror(errno));
	if (st.kind != USBMSC_FILE_DIRECTORY)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "vol:%s is not a directory (a file "
				   "door's mount point)", dir);
	rc = read_file(dir, "INFO_UF2.TXT", text, sizeof text, &n, &v->fresh, &missing, err);
	if (missing)
		return usbmsc_fail(err, rc, "vol:%s is not a file door's volume: it has no "
				   "INFO_UF2.TXT (is the door mounted there?)", dir);
	if (rc)
		return rc;
	if (!usbmsc_door_info_parse((const char *)text, n, &v->info) || !v->info.firmware[0])
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "vol:%s is not a usbmsc file door: "
				   "its INFO_UF2.TXT has no Firmware: line (a UF2 bootloader of "
				   "another kind?)", dir);
	return 0;
}

/* STATUS.TXT: its first line, as far as it reads. */
static void read_status(const char *dir, struct usbmsc_door_volume *v)
{
	struct usbmsc_error ignored = { 0 };
	uint8_t text[TEXT_MAX];
	size_t n = 0, k = 0;
	bool missing = false;

	if (read_file(dir, "STATUS.TXT", text, sizeof text, &n, &v->fresh, &missing, &ignored))
		return;
	while (k < n && text[k] != '\n' && text[k] != '\0' && k + 1u < sizeof v->status_line)
		k++;
	while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\r'))
		k--;
	memcpy(v->status_line, text, k);
	v->status_line[k] = '\0';
	v->has_status = usbmsc_door_status_parse((const char *)text, n, &v->status);
}

/* CURRENT.UF2's first block: the running image's header and its tag. */
static void read_current(const char *dir, struct usbmsc_door_volume *v)
{
	struct usbmsc_error ignored = { 0 };
	uint8_t blk[USBMSC_UF2_BLOCK_LEN];
	struct usbmsc_uf2_block b;
	size_t n = 0;
	bool missing = false;

	if (read_file(dir, "CURRENT.UF2", blk, sizeof blk, &n, &v->fresh, &missing, &ignored) ||
	    n != sizeof blk || usbmsc_uf2_parse(blk, &b) != USBMSC_UF2_IMAGE || b.block_no != 0)
		return;
	memcpy(v->current_raw, blk + USBMSC_UF2_DATA_OFFSET, sizeof v->current_raw);
	if (usbmsc_fw_header_parse(v->current_raw, sizeof v->current_raw, &v->current) !=
	    USBMSC_FWCHK_OK)
		return;
	v->has_current = true;
	v->current_blocks = b.num_blocks;
	usbmsc_uf2_version(blk, &b, v->current_tag, sizeof v->current_tag);
}

int usbmsc_door_volume_read(const char *path, bool with_current, struct usbmsc_door_volume *out,
			    struct usbmsc_error *err)
{
	int rc;

	if (!path || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_door_volume_read needs a path and "
				   "a result");
	memset(out, 0, sizeof *out);
	if (strlen(path) >= sizeof out->path)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the path %.64s... is too long", path);
	snprintf(out->path, sizeof out->path, "%s", path);
	out->fresh = true;
	rc = read_info(path, out, err);
	if (rc)
		return rc;
	read_status(path, out);
	if (with_current)
		read_current(path, out);
	return 0;
}
