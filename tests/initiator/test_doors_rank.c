/* auto:'s ranking of a device's doors, from hand-made discovery data: the
 * order (vendor interface, control LUN, sg, block, raw BOT, file door), only usable
 * doors ranked, and which door explains the failure when none is usable.
 * Also the door names, the doors text usbv: shows, and each door's decision
 * with made-up answers about access (read-only nodes, missing nodes,
 * CAP_SYS_RAWIO, a build without libusb). Pure: no sysfs, no OS backend. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "usbmsc/discovery.h"
#include "../../src/initiator/door_rank.h"

/* A device with the given doors usable (bit i: door i), a URI for each. */
static void device(struct usbmsc_device_info *d, unsigned usable, const char *driver,
		   bool vendor_if)
{
	static const char *const uris[USBMSC_DOOR_COUNT] = {
		"usbv:1209:0001:S", "/dev/sg1", "/dev/sg0", "/dev/sda", "usb:1209:0001:S",
		"vol:/media/u/USBMSC",
	};

	memset(d, 0, sizeof *d);
	snprintf(d->driver, sizeof d->driver, "%s", driver);
	d->has_vendor_if = vendor_if;
	for (unsigned i = 0; i < USBMSC_DOOR_COUNT; i++) {
		d->doors[i].usable = (usable >> i) & 1u;
		snprintf(d->doors[i].uri, sizeof d->doors[i].uri, "%s", uris[i]);
		if (!d->doors[i].usable)
			snprintf(d->doors[i].reason, sizeof d->doors[i].reason, "%s: not now",
				 usbmsc_door_label((enum usbmsc_door_kind)i));
	}
}

#define BIT(d) (1u << (d))

static void assert_order(const struct usbmsc_door_rank *r, size_t n, ...)
{
	va_list ap;

	assert_int_equal(r->count, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r->order[i], va_arg(ap, int));
	va_end(ap);
}

static void all_doors_in_preference_order(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;

	(void)state;
	device(&d, 0x3F, "usb-storage", true);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 6, USBMSC_DOOR_VENDOR, USBMSC_DOOR_CONTROL_LUN, USBMSC_DOOR_SG,
		     USBMSC_DOOR_BLOCK, USBMSC_DOOR_USB, USBMSC_DOOR_FILE);
}

/* The file door only when no other door is usable. */
static void file_door_last(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;
	struct usbmsc_path_info p;

	(void)state;
	device(&d, BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_FILE), "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 2, USBMSC_DOOR_SG, USBMSC_DOOR_FILE);
	device(&d, BIT(USBMSC_DOOR_FILE), "usb-storage", true);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 1, USBMSC_DOOR_FILE);
	memset(&p, 0, sizeof p);
	usbmsc_disc_decide_auto(&d, "1209:0001:S", &p);
	assert_true(p.usable);
	assert_string_equal(p.reason, "auto: the file door, vol:/media/u/USBMSC: no other door is "
				      "usable (firmware updates only)");
}

static void unusable_doors_are_skipped(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;

	(void)state;
	/* No vendor interface, a control LUN: the control LUN first. */
	device(&d, BIT(USBMSC_DOOR_CONTROL_LUN) | BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_BLOCK),
	       "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 3, USBMSC_DOOR_CONTROL_LUN, USBMSC_DOOR_SG, USBMSC_DOOR_BLOCK);

	/* sg refused (permission), block open: block before raw BOT. */
	device(&d, BIT(USBMSC_DOOR_BLOCK) | BIT(USBMSC_DOOR_USB), "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 2, USBMSC_DOOR_BLOCK, USBMSC_DOOR_USB);

	/* Mounted (raw BOT refused) and no doors: SG_IO alone. */
	device(&d, BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_BLOCK), "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.order[0], USBMSC_DOOR_SG);

	/* The vendor interface wins even over a free mass-storage interface. */
	device(&d, BIT(USBMSC_DOOR_VENDOR) | BIT(USBMSC_DOOR_USB), "", true);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 2, USBMSC_DOOR_VENDOR, USBMSC_DOOR_USB);

	/* Only raw BOT. */
	device(&d, BIT(USBMSC_DOOR_USB), "", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 1, USBMSC_DOOR_USB);
}

static void fallback_when_nothing_is_usable(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;

	(void)state;
	/* A vendor interface: its reason says how to get access. */
	device(&d, 0, "usb-storage", true);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.fallback, USBMSC_DOOR_VENDOR);

	/* Bound, no vendor interface: SG_IO's, on the sg node... */
	device(&d, 0, "uas", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_SG);
	/* ... or on the block node when there is no sg node. */
	d.doors[USBMSC_DOOR_SG].uri[0] = '\0';
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_BLOCK);
	/* With neither node (no LUN yet), SG_IO's reason still explains it. */
	d.doors[USBMSC_DOOR_BLOCK].uri[0] = '\0';
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_SG);

	/* No kernel driver: raw BOT's. */
	device(&d, 0, "", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_USB);
	device(&d, 0, "some-other-driver", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_USB);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_VENDOR), "vendor");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_CONTROL_LUN), "control-lun");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_SG), "sg");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_BLOCK), "block");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_USB), "usb");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_FILE), "file");
	assert_string_equal(usbmsc_door_label(USBMSC_DOOR_FILE), "file door");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_COUNT), "unknown");
	assert_string_equal(usbmsc_door_label(USBMSC_DOOR_VENDOR), "vendor interface");
	assert_string_equal(usbmsc_door_label(USBMSC_DOOR_CONTROL_LUN), "control LUN");
}

static void doors_text(void **state)
{
	struct usbmsc_device_info d;
	char text[256];

	(void)state;
	device(&d, BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_BLOCK), "usb-storage", false);
	d.doors[USBMSC_DOOR_CONTROL_LUN].uri[0] = '\0';
	usbmsc_disc_doors_text(&d, text, sizeof text);
	assert_string_equal(text, "sg /dev/sg0, block /dev/sda, usb usb:1209:0001:S (not now: "
				  "not now), file door vol:/media/u/USBMSC (not now: not now)");
	/* Nothing with a URI: "none". */
	for (unsigned i = 0; i < USBMSC_DOOR_COUNT; i++)
		d.doors[i].uri[0] = '\0';
	usbmsc_disc_doors_text(&d, text, sizeof text);
	assert_string_equal(text, "none");
	/* Cut short, never overrun. */
	device(&d, 0x3F, "usb-storage", true);
	memset(text, 'x', sizeof text);
	usbmsc_disc_doors_text(&d, text, 12);
	assert_int_equal(strlen(text), 11);
	assert_int_equal(text[12], 'x');
}

/* ---- each door's decision, with made-up access ------------------------------------ */

/* Node access as the test says: names in these lists answer accordingly,
 * any other node is open for reading and writing. */
static const char *readonly_nodes[4], *missing_nodes[4], *denied_nodes[4];

static bool listed(const char *const *nodes, const char *node)
{
	for (size_t i = 0; i < 4 && nodes[i]; i++)
		if (strcmp(nodes[i], node) == 0)
			return true;
	return false;
}

static enum usbmsc_os_access fake_access(const char *node, bool *writable)
{
	*writable = false;
	if (listed(missing_nodes, node))
		return USBMSC_OS_ACCESS_MISSING;
	if (listed(denied_nodes, node))
		return USBMSC_OS_ACCESS_DENIED;
	*writable = !listed(readonly_nodes, node);
	return USBMSC_OS_ACCESS_OK;
}

/* The mount points that are file door volumes. */
static const char *door_volumes[4];

static bool fake_door_volume(const char *mount_point)
{
	return listed(door_volumes, mount_point);
}

static void access_reset(void)
{
	memset(readonly_nodes, 0, sizeof readonly_nodes);
	memset(missing_nodes, 0, sizeof missing_nodes);
	memset(denied_nodes, 0, sizeof denied_nodes);
	memset(door_volumes, 0, sizeof door_volumes);
}

/* 1-2, usb-storage bound, a disk LUN (sg0, sda) and a control LUN (sg1),
 * a free vendor interface, nothing mounted. */
static void doors_device(struct usbmsc_device_info *d, struct usbmsc_lun_info luns[2])
{
	memset(d, 0, sizeof *d);
	memset(luns, 0, 2 * sizeof luns[0]);
	d->vid = 0x1209;
	d->pid = 0x0001;
	snprintf(d->serial, sizeof d->serial, "S1");
	snprintf(d->port_path, sizeof d->port_path, "1-2");
	snprintf(d->usbfs_node, sizeof d->usbfs_node, "/dev/bus/usb/001/002");
	snprintf(d->driver, sizeof d->driver, "usb-storage");
	d->protocol = USBMSC_USB_PROTOCOL_BOT;
	d->has_bot = true;
	d->has_vendor_if = true;
	d->vendor_if_number = 1;
	snprintf(luns[0].scsi_address, sizeof luns[0].scsi_address, "0:0:0:0");
	snprintf(luns[0].sg_node, sizeof luns[0].sg_node, "/dev/sg0");
	snprintf(luns[0].block_node, sizeof luns[0].block_node, "/dev/sda");
	luns[1].lun = 1;
	luns[1].type = USBMSC_SCSI_TYPE_PROCESSOR;
	snprintf(luns[1].scsi_address, sizeof luns[1].scsi_address, "0:0:0:1");
	snprintf(luns[1].sg_node, sizeof luns[1].sg_node, "/dev/sg1");
	d->luns = luns;
	d->lun_count = 2;
	access_reset();
}

static void decide_all_open(void **state)
{
	struct usbmsc_door_env env = { fake_access, false, true, false, fake_door_volume };
	struct usbmsc_lun_info luns[2];
	struct usbmsc_device_info d;

	(void)state;
	doors_device(&d, luns);
	usbmsc_disc_decide(&d, 1, 0, &env);
	/* Every door but the file door: nothing is mounted. */
	for (unsigned i = 0; i < USBMSC_DOOR_FILE; i++)
		assert_true(d.doors[i].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_VENDOR].uri, "usbv:1209:0001:S1");
	assert_string_equal(d.doors[USBMSC_DOOR_CONTROL_LUN].uri, "/dev/sg1");
	assert_string_equal(d.doors[USBMSC_DOOR_SG].uri, "/dev/sg0");
	assert_string_equal(d.doors[USBMSC_DOOR_BLOCK].uri, "/dev/sda");
	assert_string_equal(d.doors[USBMSC_DOOR_USB].uri, "usb:1209:0001:S1");
	assert_string_equal(d.doors[USBMSC_DOOR_SG].reason, "");
	assert_string_equal(d.doors[USBMSC_DOOR_BLOCK].reason,
			    "block: on a block node, WRITE BUFFER and vendor opcodes need "
			    "CAP_SYS_RAWIO");
	assert_string_equal(d.usb.reason, "usb: detaches usb-storage while in use");
	assert_string_equal(d.auto_path.uri, "auto:1209:0001:S1");
	assert_string_equal(d.auto_path.reason, "auto: the vendor interface, usbv:1209:0001:S1: "
				   "beside the mass-storage driver");
}

static void decide_read_only_nodes(void **state)
{
	struct usbmsc_door_env env = { fake_access, false, true, false, fake_door_volume };
	struct usbmsc_lun_info luns[2];
	struct usbmsc_device_info d;

	(void)state;
	doors_device(&d, luns);
	readonly_nodes[0] = "/dev/sg0";
	readonly_nodes[1] = "/dev/sg1";
	usbmsc_disc_decide(&d, 1, 0, &env);
	/* The control LUN's commands are vendor commands: read-only is no use. */
	assert_false(d.doors[USBMSC_DOOR_CONTROL_LUN].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_CONTROL_LUN].reason,
			    "control LUN: read-only access to /dev/sg1: vendor commands need "
			    "write access");
	/* The disk's sg node still reads. */
	assert_true(d.doors[USBMSC_DOOR_SG].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_SG].reason,
			    "sg: read-only access to /dev/sg0: only commands the kernel deems safe "
			    "(writes and vendor opcodes need write access)");
	assert_true(d.sgio.usable);
	assert_non_null(strstr(d.sgio.reason, "sgio: read-only access to /dev/sg0"));

	/* With CAP_SYS_RAWIO the kernel passes every opcode: nothing to say. */
	env.raw_scsi_privilege = true;
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_true(d.doors[USBMSC_DOOR_CONTROL_LUN].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_SG].reason, "");
	assert_string_equal(d.doors[USBMSC_DOOR_BLOCK].reason, "");
	assert_string_equal(d.sgio.reason, "");
}

static void decide_missing_and_denied_nodes(void **state)
{
	struct usbmsc_door_env env = { fake_access, false, true, false, fake_door_volume };
	struct usbmsc_lun_info luns[2];
	struct usbmsc_device_info d;

	(void)state;
	doors_device(&d, luns);
	denied_nodes[0] = "/dev/bus/usb/001/002";
	missing_nodes[0] = "/dev/sg1";
	denied_nodes[1] = "/dev/sg0";
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(d.doors[USBMSC_DOOR_VENDOR].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: permission denied on /dev/bus/usb/001/002 (install "
			    "the udev rule data/udev/70-usbmsc.rules)");
	assert_false(d.doors[USBMSC_DOOR_USB].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_USB].reason,
			    "usb: permission denied on /dev/bus/usb/001/002");
	assert_string_equal(d.doors[USBMSC_DOOR_CONTROL_LUN].reason,
			    "control LUN: /dev/sg1 does not exist");
	assert_string_equal(d.doors[USBMSC_DOOR_SG].reason,
			    "sg: permission denied on /dev/sg0 (run as root, or give your user "
			    "access with a udev rule)");
	/* The block node is left: auto: takes it. */
	assert_true(d.doors[USBMSC_DOOR_BLOCK].usable);
	assert_string_equal(d.auto_path.reason,
			    "auto: SG_IO on /dev/sda: the kernel driver is bound");

	/* A USB node that reads but does not write is as good as denied. */
	access_reset();
	readonly_nodes[0] = "/dev/bus/usb/001/002";
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_string_equal(d.usb.reason, "usb: permission denied on /dev/bus/usb/001/002");
	missing_nodes[0] = "/dev/bus/usb/001/002";
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_string_equal(d.usb.reason, "usb: /dev/bus/usb/001/002 does not exist");
}

static void decide_without_libusb_and_mounted(void **state)
{
	struct usbmsc_door_env env = { fake_access, false, false, false, fake_door_volume };
	struct usbmsc_mount_info mount = { "/dev/sda1", "/media/stick", "vfat", "sda1" };
	struct usbmsc_lun_info luns[2];
	struct usbmsc_device_info d;

	(void)state;
	doors_device(&d, luns);
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_string_equal(d.doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: usbmsc was built without libusb");
	assert_string_equal(d.usb.reason, "usb: usbmsc was built without libusb");
	assert_string_equal(d.auto_path.reason,
			    "auto: the control LUN, SG_IO on /dev/sg1: the kernel driver is bound");

	/* Mounted: raw BOT would take the disk away. */
	env.libusb = true;
	luns[0].mounts = &mount;
	luns[0].mount_count = 1;
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(d.usb.usable);
	assert_string_equal(d.usb.reason, "usb: /dev/sda1 is mounted at /media/stick; unmount it "
				  "or pass --unmount");
}

/* A file door: a mounted volume of a disk LUN that reads as a door's. */
static void decide_file_door(void **state)
{
	struct usbmsc_door_env env = { fake_access, false, true, false, fake_door_volume };
	struct usbmsc_mount_info disk = { "/dev/sda1", "/media/stick", "vfat", "sda1" };
	struct usbmsc_mount_info door[2] = { { "/dev/sdb1", "/mnt/x", "vfat", "sdb1" },
					     { "/dev/sdb1", "/media/u/USBMSC", "vfat", "sdb1" } };
	struct usbmsc_lun_info luns[3];
	struct usbmsc_device_info d;
	const struct usbmsc_path_info *f = &d.doors[USBMSC_DOOR_FILE];

	(void)state;
	doors_device(&d, luns);
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(f->usable);
	assert_string_equal(f->uri, "");
	assert_string_equal(f->reason, "file door: no file door volume is mounted");
	/* The door LUN (after the disk, before the control LUN) mounted twice;
	 * its second mount point reads as a door's. */
	luns[2] = luns[1];
	memset(&luns[1], 0, sizeof luns[1]);
	luns[1].lun = 1;
	luns[1].mounts = door;
	luns[1].mount_count = 2;
	luns[0].mounts = &disk;
	luns[0].mount_count = 1;
	d.lun_count = 3;
	door_volumes[0] = "/media/u/USBMSC";
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_true(f->usable);
	assert_string_equal(f->uri, "vol:/media/u/USBMSC");
	assert_string_equal(f->reason, "file door: firmware updates only");
	/* Unprivileged: no other door opens, and the mounts keep usb: out. */
	denied_nodes[0] = "/dev/bus/usb/001/002";
	denied_nodes[1] = "/dev/sg0";
	denied_nodes[2] = "/dev/sg1";
	denied_nodes[3] = "/dev/sda";
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_true(d.auto_path.usable);
	assert_string_equal(d.auto_path.reason, "auto: the file door, vol:/media/u/USBMSC: no "
				      "other door is usable (firmware updates only)");
	/* A control LUN's mount is never a door; no callback: no door. */
	luns[1].type = USBMSC_SCSI_TYPE_PROCESSOR;
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(f->usable);
	luns[1].type = 0;
	env.door_volume = NULL;
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(f->usable);
	assert_false(d.auto_path.usable);
}

static void decide_selector(void **state)
{
	struct usbmsc_door_env env = { fake_access, false, true, false, fake_door_volume };
	struct usbmsc_lun_info luns[2][2];
	struct usbmsc_device_info d[2];

	(void)state;
	/* Two devices with the same VID:PID:SERIAL: each by its port. */
	doors_device(&d[0], luns[0]);
	doors_device(&d[1], luns[1]);
	snprintf(d[1].port_path, sizeof d[1].port_path, "1-3");
	usbmsc_disc_decide(d, 2, 1, &env);
	assert_string_equal(d[1].usb.uri, "usb:1-3");
	assert_string_equal(d[1].doors[USBMSC_DOOR_VENDOR].uri, "usbv:1-3");
	assert_string_equal(d[1].auto_path.uri, "auto:1-3");
	/* A serial with a space is no selector either. */
	snprintf(d[0].serial, sizeof d[0].serial, "A B");
	usbmsc_disc_decide(d, 1, 0, &env);
	assert_string_equal(d[0].usb.uri, "usb:1-2");
}

/* Windows: USBSTOR holds the mass-storage interface (libusb cannot take
 * it), libusb reaches the vendor interface through WinUSB only, and
 * pass-through goes to the disk itself; a LUN of another type than a disk
 * gets no disk of its own (only the disk LUN is seen). */
static void decide_windows(void **state)
{
	struct usbmsc_door_env env = { fake_access, true, true, true, NULL };
	struct usbmsc_lun_info luns[2];
	struct usbmsc_device_info d;

	(void)state;
	doors_device(&d, luns);
	d.lun_count = 1;
	snprintf(d.driver, sizeof d.driver, "USBSTOR");
	snprintf(d.vendor_if_driver, sizeof d.vendor_if_driver, "WinUSB");
	snprintf(d.usbfs_node, sizeof d.usbfs_node, "USB\\VID_1209&PID_0001\\S1");
	luns[0].sg_node[0] = '\0';
	snprintf(luns[0].block_node, sizeof luns[0].block_node, "\\\\.\\PhysicalDrive2");
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_true(usbmsc_disc_kernel_bound(&d));
	assert_true(d.doors[USBMSC_DOOR_VENDOR].usable);
	assert_false(d.doors[USBMSC_DOOR_CONTROL_LUN].usable);
	assert_false(d.doors[USBMSC_DOOR_SG].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_SG].reason,
			    "sg: none on this system (pass-through goes to the disk: block)");
	assert_true(d.doors[USBMSC_DOOR_BLOCK].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_BLOCK].uri, "\\\\.\\PhysicalDrive2");
	assert_string_equal(d.doors[USBMSC_DOOR_BLOCK].reason, "");
	assert_false(d.usb.usable);
	assert_string_equal(d.usb.reason,
			    "usb: USBSTOR holds the interface and libusb reaches it only through "
			    "WinUSB (which would take the disk away): use the disk's pass-through "
			    "or the vendor interface");
	assert_string_equal(d.auto_path.reason, "auto: the vendor interface, usbv:1209:0001:S1: "
				   "beside the mass-storage driver");

	/* No driver on the vendor interface: the descriptors did not bind WinUSB. */
	d.vendor_if_driver[0] = '\0';
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(d.doors[USBMSC_DOOR_VENDOR].usable);
	assert_string_equal(d.doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: no driver bound; libusb reaches it only through "
			    "WinUSB, which the device's Microsoft OS 2.0 descriptors bind "
			    "(docs/WINDOWS.md)");
	assert_string_equal(d.auto_path.reason,
			    "auto: SG_IO on \\\\.\\PhysicalDrive2: the kernel driver is bound");
	snprintf(d.vendor_if_driver, sizeof d.vendor_if_driver, "HidUsb");
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_string_equal(d.doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: bound to HidUsb; libusb reaches it only through WinUSB");

	/* WinUSB put on the mass-storage interface (Zadig): raw BOT, no disk. */
	snprintf(d.driver, sizeof d.driver, "winusb");
	d.lun_count = 0;
	usbmsc_disc_decide(&d, 1, 0, &env);
	assert_false(usbmsc_disc_kernel_bound(&d));
	assert_true(d.usb.usable);
	assert_string_equal(d.usb.reason, "");
	snprintf(d.driver, sizeof d.driver, "uaspstor");
	assert_true(usbmsc_disc_kernel_bound(&d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_doors_in_preference_order),
		cmocka_unit_test(file_door_last),
		cmocka_unit_test(unusable_doors_are_skipped),
		cmocka_unit_test(fallback_when_nothing_is_usable),
		cmocka_unit_test(names),
		cmocka_unit_test(doors_text),
		cmocka_unit_test(decide_all_open),
		cmocka_unit_test(decide_read_only_nodes),
		cmocka_unit_test(decide_missing_and_denied_nodes),
		cmocka_unit_test(decide_without_libusb_and_mounted),
		cmocka_unit_test(decide_file_door),
		cmocka_unit_test(decide_selector),
		cmocka_unit_test(decide_windows),
	};

	return cmocka_run_group_tests_name("doors_rank", tests, NULL, NULL);
}
