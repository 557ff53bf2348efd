/* Discovery: every USB mass-storage interface on the system, what the
 * kernel made of it (SCSI addresses, sg and block nodes, mounted
 * partitions), the side doors the device offers beside it (a vendor
 * interface, a control LUN), and which of the library's paths can reach it
 * right now.
 *
 * On Linux the answer comes from sysfs and the mount table: no device is
 * opened, so listing needs no privileges and disturbs nothing. On other
 * systems usbmsc_discover() reports "not supported on this system".
 *
 * Also the device selectors that usb: and auto: URIs take:
 *   VID:PID[:SERIAL]      hex vendor and product ID ("1d6b:0104:ABC123")
 *   BUS-PORT[.PORT...]    the port path as sysfs names it ("1-2.3") */
#ifndef USBMSC_DISCOVERY_H
#define USBMSC_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_USB_PROTOCOL_BOT 0x50u
#define USBMSC_USB_PROTOCOL_UAS 0x62u
#define USBMSC_MAX_PORT_DEPTH 7u

/* ---- selectors ------------------------------------------------------------ */

struct usbmsc_usb_selector {
	bool by_port;                  /* BUS-PORT form; else VID:PID[:SERIAL] */
	uint16_t vid, pid;
	bool has_serial;
	char serial[128];
	uint8_t bus;
	uint8_t ports[USBMSC_MAX_PORT_DEPTH];
	uint8_t port_count;
};

/* Parse the text after "usb:" or "auto:". USBMSC_E_USAGE with a message
 * on a malformed selector. */
USBMSC_API
int usbmsc_usb_selector_parse(const char *text, struct usbmsc_usb_selector *sel,
			      struct usbmsc_error *err);

/* "1-2.3" for bus 1, ports {2, 3}. Returns the length (snprintf rules). */
USBMSC_API
int usbmsc_usb_port_path(uint8_t bus, const uint8_t *ports, size_t port_count, char *buf,
			 size_t len);

/* ---- what discovery finds ---------------------------------------------------- */

#define USBMSC_DISC_STR_MAX 128u
#define USBMSC_DISC_NODE_MAX 64u
#define USBMSC_DISC_URI_MAX 192u

struct usbmsc_mount_info {
	char *device;           /* the mount source: "/dev/sda1", "/dev/mapper/x" */
	char *mount_point;
	char *fstype;
	char block[32];         /* the block device of this LUN it sits on: "sda1" */
};

/* SCSI peripheral device types discovery tells apart. */
#define USBMSC_SCSI_TYPE_DISK 0x00u
#define USBMSC_SCSI_TYPE_PROCESSOR 0x03u   /* a control LUN */

struct usbmsc_lun_info {
	unsigned host, channel, target;
	uint64_t lun;
	uint8_t type;                           /* peripheral device type (0 when unknown) */
	char scsi_address[48];                  /* "0:0:0:0" */
	char vendor[9], model[17], revision[5]; /* INQUIRY as the kernel read it */
	char sg_node[USBMSC_DISC_NODE_MAX];     /* "/dev/sg0"; "" without the sg driver */
	char block_node[USBMSC_DISC_NODE_MAX];  /* "/dev/sda"; "" if none */
	struct usbmsc_mount_info *mounts;
	size_t mount_count;
};

/* Whether one path reaches the device now, the URI that opens it that way,
 * and why not (or, when usable, what limits it; "" when nothing does). */
struct usbmsc_path_info {
	bool usable;
	char uri[USBMSC_DISC_URI_MAX];
	char reason[USBMSC_ERRMSG_MAX];
};

/* The doors into a device, in the order auto: prefers them: the ones
 * beside the mass-storage driver first (the disk stays mounted), raw
 * Bulk-Only Transport (which takes the disk away), and last the file door
 * (firmware updates only, by a file copy onto its mounted volume: it needs
 * no privilege at all). (A kind of door: struct usbmsc_door is the file
 * door's state, filedoor.h.) */
enum usbmsc_door_kind {
	USBMSC_DOOR_VENDOR = 0,     /* the vendor interface through libusb: usbv: */
	USBMSC_DOOR_CONTROL_LUN,    /* the control LUN's sg node, SG_IO */
	USBMSC_DOOR_SG,             /* the disk LUN's sg node, SG_IO */
	USBMSC_DOOR_BLOCK,          /* the disk LUN's block node, SG_IO */
	USBMSC_DOOR_USB,            /* the mass-storage interface through libusb: usb: */
	USBMSC_DOOR_FILE,           /* the file door's mounted volume: vol: (doorvol.h) */
	USBMSC_DOOR_COUNT
};

/* "vendor", "control-lun", "sg", "block", "usb", "file" (list's names). */
USBMSC_API
const char *usbmsc_door_name(enum usbmsc_door_kind door);
/* "vendor interface", "control LUN", "sg", "block", "usb", "file door" (for
 * sentences). */
USBMSC_API
const char *usbmsc_door_label(enum usbmsc_door_kind door);

struct usbmsc_device_info {
	uint16_t vid, pid;
	char manufacturer[USBMSC_DISC_STR_MAX];
	char product[USBMSC_DISC_STR_MAX];
	char serial[USBMSC_DISC_STR_MAX];
	char port_path[32];            /* "1-2.3" */
	uint8_t bus, address;          /* bus number, device address */
	char speed[16];                /* Mbit/s as sysfs says: "12", "480", "5000" */
	char usbfs_node[USBMSC_DISC_NODE_MAX];  /* "/dev/bus/usb/001/002" */

	uint8_t interface_number;
	uint8_t subclass, protocol;    /* of the current alternate setting */
	bool has_bot, has_uas;         /* over all alternate settings */
	char driver[32];               /* "usb-storage", "uas"; "" when none is bound */

	struct usbmsc_lun_info *luns;  /* by LUN number */
	size_t lun_count;

	/* The vendor interface (doors.h: class ff, subclass 4d, protocol 56). */
	bool has_vendor_if;
	uint8_t vendor_if_number;
	char vendor_if_driver[32];     /* "" when none is bound; "usbfs": a program holds it */

	struct usbmsc_path_info sgio;  /* SG_IO through the kernel driver */
	struct usbmsc_path_info usb;   /* raw Bulk-Only Transport through libusb */
	struct usbmsc_path_info auto_path;  /* what auto: would do */
	/* Each door; reasons start with the door's label ("sg: ..."). */
	struct usbmsc_path_info doors[USBMSC_DOOR_COUNT];
};

/* auto:'s choice for a discovered device (pure: only info is read). */
struct usbmsc_door_rank {
	enum usbmsc_door_kind order[USBMSC_DOOR_COUNT];  /* the usable doors, best first */
	size_t count;
	/* With none usable: the door whose failure explains the device best
	 * (the vendor interface when there is one, else SG_IO when a kernel
	 * driver holds the device, else raw BOT). */
	enum usbmsc_door_kind fallback;
};
USBMSC_API
void usbmsc_doors_rank(const struct usbmsc_device_info *info, struct usbmsc_door_rank *rank);

/* Where discovery looks; NULL fields take the defaults. The defaults can be
 * moved with the environment (for tests against a fake tree):
 * USBMSC_SYSFS_ROOT, USBMSC_DEV_ROOT, USBMSC_MOUNTINFO. */
struct usbmsc_discover_opts {
	const char *sysfs_root;   /* "/sys" */
	const char *dev_root;     /* "/dev" */
	const char *mountinfo;    /* "/proc/self/mountinfo" */
};

/* Every USB mass-storage interface, sorted by port path and interface
 * number. *list is NULL and *count 0 when there are none (not an error).
 * Free with usbmsc_discover_free. */
USBMSC_API
int usbmsc_discover(struct usbmsc_device_info **list, size_t *count,
		    struct usbmsc_error *err);
USBMSC_API
int usbmsc_discover_ex(const struct usbmsc_discover_opts *opts,
		       struct usbmsc_device_info **list, size_t *count,
		       struct usbmsc_error *err);
USBMSC_API
void usbmsc_discover_free(struct usbmsc_device_info *list, size_t count);

/* Whether a discovered interface matches a selector. */
USBMSC_API
bool usbmsc_device_info_matches(const struct usbmsc_device_info *info,
				const struct usbmsc_usb_selector *sel);

/* "low" (1.5), "full" (12), "high" (480), "super" (5000), "super+" (10000
 * and up), or the text itself when unknown. Never NULL. */
USBMSC_API
const char *usbmsc_usb_speed_name(const char *speed);

#ifdef __cplusplus
}
#endif
#endif
