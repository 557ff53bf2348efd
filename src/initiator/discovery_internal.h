/* Discovery internals shared by discovery.c and the transports that need
 * to know about a device's disks and doors before they open it (usb:,
 * usbv:, auto:). */
#ifndef USBMSC_DISCOVERY_INTERNAL_H
#define USBMSC_DISCOVERY_INTERNAL_H

#include "usbmsc/discovery.h"
#include "../os/usbmsc_os.h"

struct usbmsc_disc_ctx {
	const char *sysfs;       /* sysfs root */
	const char *dev;         /* /dev */
	const char *mountinfo;   /* NULL: /proc/self/mountinfo */
	struct usbmsc_os_mount *mounts;
	size_t mount_count;
};

int usbmsc_disc_ctx_init(struct usbmsc_disc_ctx *ctx, const struct usbmsc_discover_opts *opts,
			 struct usbmsc_error *err);
void usbmsc_disc_ctx_free(struct usbmsc_disc_ctx *ctx);

/* Fill info for one interface by its sysfs name ("1-2:1.0"), paths not
 * decided. USBMSC_E_NO_DEVICE when it is not there. */
int usbmsc_disc_interface(const struct usbmsc_disc_ctx *ctx, const char *ifname,
			  struct usbmsc_device_info *info, struct usbmsc_error *err);
/* Every mass-storage interface, sorted, paths decided. */
int usbmsc_disc_collect(const struct usbmsc_disc_ctx *ctx, struct usbmsc_device_info **list,
			size_t *count, struct usbmsc_error *err);
/* Decide the sgio/usb/auto paths of list[idx] (the others are needed to
 * tell whether VID:PID:SERIAL names it alone). */
void usbmsc_disc_decide(struct usbmsc_device_info *list, size_t count, size_t idx);

void usbmsc_disc_lun_clear(struct usbmsc_lun_info *lun);
void usbmsc_disc_info_clear(struct usbmsc_device_info *info);

/* "/dev/sda1 is mounted at /mnt[, ...]; unmount it or pass --unmount"
 * into buf; returns the number of mounts (0: buf is ""). */
size_t usbmsc_disc_mounts_text(const struct usbmsc_device_info *info, char *buf, size_t len);

/* usb-storage or uas owns the interface. */
bool usbmsc_disc_kernel_bound(const struct usbmsc_device_info *info);

/* The doors of info other than the vendor interface, for a message:
 * "control LUN /dev/sg1, sg /dev/sg0, usb usb:1-2 (not now: ...)"; "none"
 * when it has none. Pure. */
void usbmsc_disc_doors_text(const struct usbmsc_device_info *info, char *buf, size_t len);

#endif
