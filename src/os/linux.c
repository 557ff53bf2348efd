/* The Linux backend: the table of os_backend.h, from its parts
 * (linux_discovery.c: sysfs and the mount table; linux_sgio.c: SG_IO;
 * linux_sysfs.c, linux_mount.c, mountinfo.c), and the few operations small
 * enough to live here. */
#define _GNU_SOURCE /* fallocate */
#include "os_backend.h"
#include "usbmsc_os.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool interface_driver(const char *port, uint8_t config, uint8_t ifnum, char *buf,
			     size_t len)
{
	char ifdir[PATH_MAX];

	snprintf(ifdir, sizeof ifdir, "%s/bus/usb/devices/%s:%u.%u", usbmsc_os_sysfs_root(NULL),
		 port, (unsigned)config, (unsigned)ifnum);
	return usbmsc_os_link_name(ifdir, "driver", buf, len);
}

/* sysfs has the serial number the kernel read at enumeration. */
static bool device_serial(const char *port, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/bus/usb/devices/%s", usbmsc_os_sysfs_root(NULL), port);
	return usbmsc_os_read_attr(path, "serial", buf, len) >= 0;
}

static void usb_node_name(uint8_t bus, uint8_t address, const char *port, char *buf,
			  size_t len)
{
	(void)port;
	snprintf(buf, len, "/dev/bus/usb/%03u/%03u", (unsigned)bus, (unsigned)address);
}

static enum usbmsc_os_access node_access(const char *node, bool *writable)
{
	*writable = faccessat(AT_FDCWD, node, R_OK | W_OK, AT_EACCESS) == 0;
	if (*writable || faccessat(AT_FDCWD, node, R_OK, AT_EACCESS) == 0)
		return USBMSC_OS_ACCESS_OK;
	return errno == ENOENT ? USBMSC_OS_ACCESS_MISSING : USBMSC_OS_ACCESS_DENIED;
}

/* The block queue of the first LUN's disk: max_hw_sectors_kb. */
static uint32_t kernel_max_transfer(const struct usbmsc_device_info *info)
{
	char queue[PATH_MAX];
	const char *disk;
	unsigned long kb;

	if (!info->lun_count || !info->luns[0].block_node[0])
		return 0;
	disk = strrchr(info->luns[0].block_node, '/');
	disk = disk ? disk + 1 : info->luns[0].block_node;
	snprintf(queue, sizeof queue, "%s/class/block/%s/queue", usbmsc_os_sysfs_root(NULL), disk);
	if (!usbmsc_os_read_ulong(queue, "max_hw_sectors_kb", 10, &kb) || kb == 0 ||
	    kb > UINT32_MAX / 1024u)
		return 0;
	return (uint32_t)(kb * 1024u);
}

/* Device nodes are absolute paths: /dev/sg0, /dev/sda. */
static bool pt_claims(const char *uri)
{
	return uri[0] == '/' && uri[1] != '\0';
}

static bool punch_hole(int fd, uint64_t offset, uint64_t len)
{
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
			 (off_t)len) == 0;
}

/* Clean pages only: a file the door changes is never written here. */
static bool file_uncache(int fd)
{
	return posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
}

const struct usbmsc_os_backend usbmsc_os_backend = {
	.name = "linux",
	.caps = USBMSC_OS_CAP_DISCOVERY,
	.discover = usbmsc_linux_discover,
	.interface = usbmsc_linux_interface,
	.interface_driver = interface_driver,
	.device_serial = device_serial,
	.usb_node_name = usb_node_name,
	.node_access = node_access,
	.raw_scsi_privilege = usbmsc_os_have_cap_sys_rawio,
	.kernel_max_transfer = kernel_max_transfer,
	.unmount = usbmsc_os_unmount,
	.pt_name = "sgio",
	.pt_syntax = "/dev/sgN, /dev/sdX",
	.pt_claims = pt_claims,
	.pt_open = usbmsc_linux_pt_open,
	.pt_exec = usbmsc_linux_pt_exec,
	.pt_max_lun = usbmsc_linux_pt_max_lun,
	.pt_reset = usbmsc_linux_pt_reset,
	.pt_close = usbmsc_linux_pt_close,
	.punch_hole = punch_hole,
	.file_uncache = file_uncache,
	.lock_holder = usbmsc_os_lock_holder,
	.file_user = usbmsc_os_file_user,
};
