/* The Windows backend: the table of os_backend.h, from its parts
 * (windows_discovery.c: SetupAPI and the device tree; windows_pt.c:
 * IOCTL_SCSI_PASS_THROUGH_DIRECT) and the operations small enough to live
 * here: access to a disk path, the adapter's transfer limit, dismounting a
 * volume, zeroing a file range.
 *
 * Built with mingw-w64 and run under wine here; nothing of it has met a
 * real Windows machine or USB device (docs/WINDOWS.md). */
#include "os_backend.h"
#include "windows_os.h"
#include "windows_path.h"
#include "windows_spt.h"

#include <io.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>
#include <winioctl.h>

/* COM's headers define interface as struct; here it is the table's field. */
#undef interface

/* ---- through discovery ---------------------------------------------------------- */

static bool interface_driver(const char *port, uint8_t config, uint8_t ifnum, char *buf,
			     size_t len)
{
	struct usbmsc_device_info info;
	bool found = usbmsc_win_interface(port, config, ifnum, &info, NULL) == 0;

	if (len)
		buf[0] = '\0';
	if (found) {
		snprintf(buf, len, "%s", info.driver);
		usbmsc_disc_info_clear(&info);
	}
	return found && buf[0];
}

static bool device_serial(const char *port, char *buf, size_t len)
{
	struct usbmsc_device_info *list;
	size_t count, i;
	bool found = false;

	if (len)
		buf[0] = '\0';
	if (usbmsc_win_discover(NULL, &list, &count, NULL) != 0)
		return false;
	for (i = 0; i < count && !found; i++)
		if (strcmp(list[i].port_path, port) == 0 && list[i].serial[0]) {
			snprintf(buf, len, "%s", list[i].serial);
			found = true;
		}
	usbmsc_discover_free(list, count);
	return found;
}

/* A USB device has no node of its own that messages could name. */
static void usb_node_name(uint8_t bus, uint8_t address, const char *port, char *buf,
			  size_t len)
{
	(void)bus;
	(void)address;
	snprintf(buf, len, "the USB device at %s", port);
}

/* ---- disk paths --------------------------------------------------------------------- */

static bool opens(const char *path, DWORD access, DWORD *error)
{
	HANDLE h = CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
			       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);

	*error = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	return h != INVALID_HANDLE_VALUE;
}

/* Disk and volume paths are tried; anything else (a USB device's instance
 * ID, which libusb opens) counts as open to us: libusb says otherwise. */
static enum usbmsc_os_access node_access(const char *node, bool *writable)
{
	struct usbmsc_winpath wp;
	DWORD e;

	*writable = true;
	if (!usbmsc_winpath_claims(node))
		return USBMSC_OS_ACCESS_OK;
	if (usbmsc_winpath_parse(node, &wp, NULL) != 0)
		return USBMSC_OS_ACCESS_MISSING;
	if (opens(wp.path, GENERIC_READ | GENERIC_WRITE, &e))
		return USBMSC_OS_ACCESS_OK;
	*writable = false;
	if (e == ERROR_ACCESS_DENIED && opens(wp.path, GENERIC_READ, &e))
		return USBMSC_OS_ACCESS_OK;
	return e == ERROR_ACCESS_DENIED || e == ERROR_SHARING_VIOLATION ? USBMSC_OS_ACCESS_DENIED
	       : USBMSC_OS_ACCESS_MISSING;
}

/* No opcode filter is documented on this path: a disk open for reading
 * and writing passes every command. */
static bool raw_scsi_privilege(void)
{
	return true;
}

static uint32_t kernel_max_transfer(const struct usbmsc_device_info *info)
{
	uint32_t limit = 0, mask;

	if (!info->lun_count || !info->luns[0].block_node[0] ||
	    !usbmsc_win_adapter_limits(info->luns[0].block_node, &limit, &mask))
		return 0;
	return limit;
}

/* ---- volumes --------------------------------------------------------------------- */

static int dismount_fail(const char *what, const char *volume, DWORD e, struct usbmsc_error *err)
{
	if (e == ERROR_ACCESS_DENIED)
		return usbmsc_fail(err, USBMSC_E_BUSY,
				   "cannot %s %s: files on it are open, or this program is not "
				   "run as administrator", what, volume);
	return usbmsc_fail(err, USBMSC_E_OTHER, "cannot %s %s: Win32 error %lu", what, volume,
			   (unsigned long)e);
}

/* "E:\" (or any path on the volume E:): lock the volume, which fails while
 * files on it are open, then dismount it. Windows mounts it again at the
 * next access; usbmsc's raw BOT door is closed on Windows anyway
 * (USBSTOR holds the interface), so nothing here keeps it away. */
static int unmount(const char *mount_point, struct usbmsc_error *err)
{
	char volume[8];
	DWORD n = 0, e;
	HANDLE h;
	int rc = 0;

	if (!mount_point[0] || mount_point[1] != ':')
		return usbmsc_fail(err, USBMSC_E_USAGE, "cannot unmount %s: not a drive letter",
				   mount_point);
	snprintf(volume, sizeof volume, "\\\\.\\%c:", mount_point[0]);
	h = CreateFileA(volume, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
			NULL, OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return usbmsc_spt_open_fail(volume, (uint32_t)GetLastError(), err);
	if (!DeviceIoControl(h, FSCTL_LOCK_VOLUME, NULL, 0, NULL, 0, &n, NULL)) {
		e = GetLastError();
		rc = dismount_fail("lock", volume, e, err);
	} else if (!DeviceIoControl(h, FSCTL_DISMOUNT_VOLUME, NULL, 0, NULL, 0, &n, NULL)) {
		e = GetLastError();
		rc = dismount_fail("dismount", volume, e, err);
	}
	CloseHandle(h);
	return rc;
}

/* ---- files ---------------------------------------------------------------------- */

/* FSCTL_SET_ZERO_DATA frees the range on a sparse file (NTFS, ReFS) and
 * writes zeros elsewhere; false when the file system takes neither (FAT:
 * the caller writes zeros). */
static bool punch_hole(int fd, uint64_t offset, uint64_t len)
{
	HANDLE h = fd >= 0 ? (HANDLE)_get_osfhandle(fd) : INVALID_HANDLE_VALUE;
	FILE_ZERO_DATA_INFORMATION z;
	DWORD n = 0;

	if (h == INVALID_HANDLE_VALUE || offset > INT64_MAX || len > INT64_MAX - offset)
		return false;
	(void)DeviceIoControl(h, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &n, NULL);
	z.FileOffset.QuadPart = (LONGLONG)offset;
	z.BeyondFinalZero.QuadPart = (LONGLONG)(offset + len);
	return DeviceIoControl(h, FSCTL_SET_ZERO_DATA, &z, sizeof z, NULL, 0, &n, NULL) != 0;
}

/* Windows names no holder of a lock here (the Restart Manager could,
 * for a path; not done): messages say "another program". */
/* A volume's cache cannot be dropped for one file here (a handle opened
 * with FILE_FLAG_NO_BUFFERING reads past it; not done yet). */
static bool file_uncache(int fd)
{
	(void)fd;
	return false;
}

static bool lock_holder(int fd, char *buf, size_t len, bool *own)
{
	(void)fd;
	if (len)
		buf[0] = '\0';
	*own = false;
	return false;
}

static bool file_user(const char *path, char *buf, size_t len)
{
	(void)path;
	if (len)
		buf[0] = '\0';
	return false;
}

static bool pt_claims(const char *uri)
{
	return usbmsc_winpath_claims(uri);
}

const struct usbmsc_os_backend usbmsc_os_backend = {
	.name = "windows",
	.caps = USBMSC_OS_CAP_DISCOVERY | USBMSC_OS_CAP_WINUSB,
	.discover = usbmsc_win_discover,
	.interface = usbmsc_win_interface,
	.interface_driver = interface_driver,
	.device_serial = device_serial,
	.usb_node_name = usb_node_name,
	.node_access = node_access,
	.raw_scsi_privilege = raw_scsi_privilege,
	.kernel_max_transfer = kernel_max_transfer,
	.unmount = unmount,
	.pt_name = "spt",
	.pt_syntax = "\\\\.\\PhysicalDriveN, \\\\.\\X:, X:",
	.pt_claims = pt_claims,
	.pt_open = usbmsc_win_pt_open,
	.pt_exec = usbmsc_win_pt_exec,
	.pt_max_lun = usbmsc_win_pt_max_lun,
	.pt_reset = usbmsc_win_pt_reset,
	.pt_close = usbmsc_win_pt_close,
	.punch_hole = punch_hole,
	.file_uncache = file_uncache,
	.lock_holder = lock_holder,
	.file_user = file_user,
};
