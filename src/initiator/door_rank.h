/* The doors into a discovered device (usbmsc/discovery.h): whether each is
 * usable now and why not (door_usable.c), auto:'s order among them and the
 * words for them (door_rank.c). Pure: what the system says about access
 * comes in through struct usbmsc_door_env (the OS backend's answers in the
 * library, made-up ones in the tests). Internal: not installed. */
#ifndef USBMSC_DOOR_RANK_H
#define USBMSC_DOOR_RANK_H

#include <stdbool.h>
#include <stddef.h>

#include "usbmsc/discovery.h"
#include "../os/os_backend.h"

struct usbmsc_door_env {
	/* Whether this process may open a node, and write it. */
	enum usbmsc_os_access (*node_access)(const char *node, bool *writable);
	/* SCSI pass-through passes every opcode on any node (CAP_SYS_RAWIO). */
	bool raw_scsi_privilege;
	/* Built with libusb: usb: and usbv: exist. */
	bool libusb;
	/* libusb reaches an interface only through WinUSB bound to it and
	 * cannot take one from another driver; pass-through goes to the disk
	 * itself, there are no SCSI generic nodes (Windows:
	 * USBMSC_OS_CAP_WINUSB). false: Linux's ways. */
	bool winusb;
	/* Whether the file system mounted at mount_point is a usbmsc file
	 * door's volume this process may read (NULL: none is). */
	bool (*door_volume)(const char *mount_point);
};

/* ---- door_usable.c ------------------------------------------------------------ */

/* A message into a fixed field: cut short if it does not fit. */
void usbmsc_door_textf(char *buf, size_t len, const char *fmt, ...) USBMSC_PRINTF(3, 4);

/* Decide the sgio, usb and auto paths and the doors of list[idx] (the
 * others are needed to tell whether VID:PID:SERIAL names it alone). */
void usbmsc_disc_decide(struct usbmsc_device_info *list, size_t count, size_t idx,
			const struct usbmsc_door_env *env);

/* "/dev/sda1 is mounted at /mnt[, ...]; unmount it or pass --unmount"
 * into buf; returns the number of mounts (0: buf is ""). */
size_t usbmsc_disc_mounts_text(const struct usbmsc_device_info *info, char *buf, size_t len);

/* ---- door_rank.c --------------------------------------------------------------- */

/* A mass-storage driver owns the interface: usb-storage or uas (Linux),
 * USBSTOR or UASPStor (Windows). */
bool usbmsc_disc_kernel_bound(const struct usbmsc_device_info *info);
/* The driver is WinUSB, through which libusb reaches an interface on
 * Windows. */
bool usbmsc_disc_is_winusb(const char *driver);

/* auto:'s path from the decided doors: the URI "auto:SELECTOR", usable
 * when any door is, and a reason that says which door and why ("auto:
 * SG_IO on /dev/sg0: the kernel driver is bound"), or the fallback door's
 * reason when none is usable. */
void usbmsc_disc_decide_auto(const struct usbmsc_device_info *info, const char *selector,
			     struct usbmsc_path_info *p);

/* The doors of info other than the vendor interface, for a message:
 * "control LUN /dev/sg1, sg /dev/sg0, usb usb:1-2 (not now: ...)"; "none"
 * when it has none. */
void usbmsc_disc_doors_text(const struct usbmsc_device_info *info, char *buf, size_t len);

#endif
