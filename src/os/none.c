/* The null backend: builds on any system with a C11 compiler, and every
 * operation says "not supported on this system" (or answers "unknown",
 * where a caller has a plain way on). It is what -Dlinux=disabled builds,
 * and what a macOS build gets: sim:, usb: and usbv: (libusb) work, device
 * nodes, discovery and unmounting do not. */
#include "os_backend.h"

#include <stdio.h>

#define WHY "not supported on this system (this usbmsc was built without an OS backend)"

static int discover(const struct usbmsc_discover_opts *opts, struct usbmsc_device_info **list,
		    size_t *count, struct usbmsc_error *err)
{
	(void)opts;
	*list = NULL;
	*count = 0;
	return usbmsc_fail(err, USBMSC_E_USAGE, "device discovery is " WHY);
}

/* No view of the kernel's devices: the interface is unknown to it, so no
 * disk of it can be mounted (usb: goes on). */
static int interface(const char *port, uint8_t config, uint8_t ifnum,
		     struct usbmsc_device_info *info, struct usbmsc_error *err)
{
	(void)info;
	return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "%s:%u.%u: the kernel's view of USB "
			   "interfaces is " WHY, port, (unsigned)config, (unsigned)ifnum);
}

static bool interface_driver(const char *port, uint8_t config, uint8_t ifnum, char *buf,
			     size_t len)
{
	(void)port;
	(void)config;
	(void)ifnum;
	if (len)
		buf[0] = '\0';
	return false;
}

static bool device_serial(const char *port, char *buf, size_t len)
{
	(void)port;
	if (len)
		buf[0] = '\0';
	return false;
}

static void usb_node_name(uint8_t bus, uint8_t address, const char *port, char *buf,
			  size_t len)
{
	(void)bus;
	(void)address;
	snprintf(buf, len, "%s", port);
}

static enum usbmsc_os_access node_access(const char *node, bool *writable)
{
	(void)node;
	*writable = false;
	return USBMSC_OS_ACCESS_MISSING;
}

static bool raw_scsi_privilege(void)
{
	return false;
}

static uint32_t kernel_max_transfer(const struct usbmsc_device_info *info)
{
	(void)info;
	return 0;
}

static int unmount(const char *mount_point, struct usbmsc_error *err)
{
	return usbmsc_fail(err, USBMSC_E_USAGE, "cannot unmount %s: unmounting is " WHY,
			   mount_point);
}

/* A Unix device path (a macOS /dev/disk2 too), so that the message says
 * pass-through is not supported rather than that the URI is malformed. */
static bool pt_claims(const char *uri)
{
	return uri[0] == '/' && uri[1] != '\0';
}

static int pt_open(const char *node, const struct usbmsc_trace *trace,
		   struct usbmsc_os_pt **out, uint32_t *max_transfer, struct usbmsc_error *err)
{
	(void)trace;
	*out = NULL;
	*max_transfer = 0;
	return usbmsc_fail(err, USBMSC_E_USAGE, "%s: SCSI pass-through on a device node is " WHY,
			   node);
}

/* Never reached: pt_open opens nothing. */
static int pt_exec(struct usbmsc_os_pt *pt, const struct usbmsc_cmd *cmd, unsigned timeout_ms,
		   const struct usbmsc_trace *trace, struct usbmsc_result *res,
		   struct usbmsc_error *err)
{
	(void)pt;
	(void)cmd;
	(void)timeout_ms;
	(void)trace;
	res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
	return usbmsc_fail(err, USBMSC_E_USAGE, "SCSI pass-through is " WHY);
}

static bool pt_max_lun(struct usbmsc_os_pt *pt, uint8_t *max_lun)
{
	(void)pt;
	*max_lun = 0;
	return false;
}

static int pt_reset(struct usbmsc_os_pt *pt, const struct usbmsc_trace *trace,
		    struct usbmsc_error *err)
{
	(void)pt;
	(void)trace;
	return usbmsc_fail(err, USBMSC_E_USAGE, "a device reset through SCSI pass-through is " WHY);
}

static void pt_close(struct usbmsc_os_pt *pt)
{
	(void)pt;
}

/* The caller writes zeros instead. */
static bool punch_hole(int fd, uint64_t offset, uint64_t len)
{
	(void)fd;
	(void)offset;
	(void)len;
	return false;
}

/* Reads may be stale until the volume is mounted again. */
static bool file_uncache(int fd)
{
	(void)fd;
	return false;
}

static bool lock_holder(int fd, char *buf, size_t len, bool *own)
{
	(void)fd;
	(void)buf;
	(void)len;
	*own = false;
	return false;
}

static bool file_user(const char *path, char *buf, size_t len)
{
	(void)path;
	(void)buf;
	(void)len;
	return false;
}

const struct usbmsc_os_backend usbmsc_os_backend = {
	.name = "none",
	.caps = 0,
	.discover = discover,
	.interface = interface,
	.interface_driver = interface_driver,
	.device_serial = device_serial,
	.usb_node_name = usb_node_name,
	.node_access = node_access,
	.raw_scsi_privilege = raw_scsi_privilege,
	.kernel_max_transfer = kernel_max_transfer,
	.unmount = unmount,
	.pt_name = "pt",
	.pt_syntax = "/dev/sgN, /dev/sdX",
	.pt_claims = pt_claims,
	.pt_open = pt_open,
	.pt_exec = pt_exec,
	.pt_max_lun = pt_max_lun,
	.pt_reset = pt_reset,
	.pt_close = pt_close,
	.punch_hole = punch_hole,
	.file_uncache = file_uncache,
	.lock_holder = lock_holder,
	.file_user = file_user,
};
