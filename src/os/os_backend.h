/* The operating system under the host library: one table of operations,
 * as libusb's struct usbi_os_backend is.
 *
 * One file per system defines the table usbmsc_os_backend: linux.c (with
 * its parts linux_*.c), windows.c (with windows_*.c), none.c (the null
 * backend: builds everywhere, and every operation says "not supported on
 * this system"). Meson builds exactly one of them (the host system and
 * option -Dlinux), so the rest of the library calls
 * usbmsc_os_backend.op(...) and never tests an OS macro or includes an OS
 * header. Internal: not installed, not part of the public API.
 *
 * Every operation is always set (no NULL checks in callers); caps says which
 * answers come from a real view of the system. */
#ifndef USBMSC_OS_BACKEND_H
#define USBMSC_OS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/discovery.h"
#include "usbmsc/initiator.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One device node's SCSI pass-through, opened by pt_open and used by
 * pt_exec: opaque, as sg3_utils' sg_pt object; each backend defines it. */
struct usbmsc_os_pt;

/* Whether this process may open a device node. */
enum usbmsc_os_access {
	USBMSC_OS_ACCESS_OK = 0,   /* readable at least; *writable says the rest */
	USBMSC_OS_ACCESS_MISSING,  /* no such node */
	USBMSC_OS_ACCESS_DENIED
};

/* caps: discover() and interface() see the kernel's USB and SCSI devices
 * (without it, auto: cannot rank doors and tries the libusb doors alone). */
#define USBMSC_OS_CAP_DISCOVERY 0x1u
/* caps: libusb reaches an interface only through the WinUSB driver bound
 * to it, and cannot take one from another driver (Windows); without it,
 * libusb claims a free interface and detaches a kernel driver (Linux). */
#define USBMSC_OS_CAP_WINUSB 0x2u

struct usbmsc_os_backend {
	const char *name;          /* "linux", "windows", "none" */
	unsigned caps;             /* USBMSC_OS_CAP_* */

	/* ---- USB mass-storage devices as the kernel sees them ---------------- */

	/* Every USB mass-storage interface: device, interface, LUNs, nodes,
	 * mounts, the vendor interface beside it; in no particular order, the
	 * paths and doors not decided (discovery.c sorts and decides). *list
	 * is NULL when there are none. Free with usbmsc_discover_free. */
	int (*discover)(const struct usbmsc_discover_opts *opts, struct usbmsc_device_info **list,
			size_t *count, struct usbmsc_error *err);
	/* One interface, by its device's port path ("1-2"), configuration value
	 * and interface number, filled as discover() fills it (defaults for
	 * where to look). USBMSC_E_NO_DEVICE when the kernel has no view of
	 * it; another category when what is mounted cannot be known. Clear
	 * info with usbmsc_disc_info_clear. */
	int (*interface)(const char *port, uint8_t config, uint8_t ifnum,
			 struct usbmsc_device_info *info, struct usbmsc_error *err);
	/* The kernel driver bound to that interface ("usb-storage"); false when
	 * none is, or the system does not say. */
	bool (*interface_driver)(const char *port, uint8_t config, uint8_t ifnum, char *buf,
				 size_t len);
	/* A device's serial number without opening the device; false: open it
	 * and ask. */
	bool (*device_serial)(const char *port, char *buf, size_t len);
	/* How messages name a USB device's node ("/dev/bus/usb/001/002"). */
	void (*usb_node_name)(uint8_t bus, uint8_t address, const char *port, char *buf,
			      size_t len);
	/* Whether this process may open node, and write it. */
	enum usbmsc_os_access (*node_access)(const char *node, bool *writable);
	/* Whether SCSI pass-through passes every opcode on any node for this
	 * process (Linux: CAP_SYS_RAWIO). */
	bool (*raw_scsi_privilege)(void);
	/* The kernel's per-command limit (bytes) for info's disk LUN, 0 when
	 * it does not say. */
	uint32_t (*kernel_max_transfer)(const struct usbmsc_device_info *info);
	/* Unmount the file system at mount_point; 0 or a category with err set. */
	int (*unmount)(const char *mount_point, struct usbmsc_error *err);

	/* ---- SCSI pass-through on a device node (pt_transport.c) -------------- */

	const char *pt_name;       /* the transport's name: "sgio" */
	const char *pt_syntax;     /* the device paths, for messages: "/dev/sgN, /dev/sdX" */
	/* Whether uri is meant as one of this system's device paths (it then
	 * goes to pt_open, which judges it). */
	bool (*pt_claims)(const char *uri);
	/* Open node; *max_transfer: the largest data stage it takes. Notes go
	 * to trace. */
	int (*pt_open)(const char *node, const struct usbmsc_trace *trace,
		       struct usbmsc_os_pt **out, uint32_t *max_transfer, struct usbmsc_error *err);
	/* Run one command (CDB of 6..16 bytes) to cmd->lun: as the transport's
	 * exec (usbmsc/initiator.h): 0 with a verdict in res, or a category. */
	int (*pt_exec)(struct usbmsc_os_pt *pt, const struct usbmsc_cmd *cmd, unsigned timeout_ms,
		       const struct usbmsc_trace *trace, struct usbmsc_result *res,
		       struct usbmsc_error *err);
	/* The highest LUN of the node's target; false when the system does
	 * not tell (max_lun is then 0). */
	bool (*pt_max_lun)(struct usbmsc_os_pt *pt, uint8_t *max_lun);
	/* Have the kernel reset the device. */
	int (*pt_reset)(struct usbmsc_os_pt *pt, const struct usbmsc_trace *trace,
			struct usbmsc_error *err);
	void (*pt_close)(struct usbmsc_os_pt *pt);

	/* ---- files --------------------------------------------------------------- */

	/* Free the blocks of [offset, offset + len) of an open file, its size
	 * kept, so that they read as zeros; false when the system or the file
	 * system cannot (the caller then writes zeros). */
	bool (*punch_hole)(int fd, uint64_t offset, uint64_t len);
	/* Drop what the system caches of fd's data, so that the next read
	 * comes from the device: a file door's STATUS.TXT changes under a
	 * mounted volume (doorvol.h). False when the system cannot (reads may
	 * then be stale until the volume is mounted again). */
	bool (*file_uncache)(int fd);
	/* Who holds a lock on fd's file, into buf: "pid N (COMMAND LINE)", or
	 * "this process" with *own set. False when the system cannot tell. */
	bool (*lock_holder)(int fd, char *buf, size_t len, bool *own);
	/* Another process that has path open (for a device node: that device),
	 * in the same form; false when there is none or the system cannot tell. */
	bool (*file_user)(const char *path, char *buf, size_t len);
};

/* The one backend of this build. */
extern const struct usbmsc_os_backend usbmsc_os_backend;

/* ---- what the library gives the backends (src/initiator/device_info.c) ----------- */

void usbmsc_disc_lun_clear(struct usbmsc_lun_info *lun);
void usbmsc_disc_info_clear(struct usbmsc_device_info *info);

#ifdef __cplusplus
}
#endif
#endif
