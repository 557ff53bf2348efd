/* Each door of a discovered device: whether it reaches the device now, the
 * URI that opens it, and why not (or, when usable, what limits it). Pure:
 * what the system says about access comes in through the door env.
 *
 *   vendor interface   usbv:SELECTOR   free of drivers, its USB node open to us
 *   control LUN        its sg node     the kernel driver bound, the node writable
 *   sg, block          the disk LUN's  the kernel driver bound, the node readable
 *   usb                usb:SELECTOR    Bulk-Only, unclaimed, nothing mounted
 *   file door          vol:MOUNTPOINT  a file door's volume mounted, readable */
#include "door_rank.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The doors' messages into their fixed fields (door_rank.h). */
void usbmsc_door_textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* A device node as a door: its URI, and whether this process may open it
 * (label starts each reason). False with the reason set when it may not. */
static bool node_door(const struct usbmsc_door_env *env, const char *label, const char *node,
		      bool *writable, struct usbmsc_path_info *p)
{
	usbmsc_door_textf(p->uri, sizeof p->uri, "%s", node);
	switch (env->node_access(node, writable)) {
	case USBMSC_OS_ACCESS_OK:
		return true;
	case USBMSC_OS_ACCESS_MISSING:
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: %s does not exist", label, node);
		return false;
	default:
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: permission denied on %s (run as root, or give your user access "
			 "with a udev rule)", label, node);
		return false;
	}
}

static void decide_sgio(const struct usbmsc_device_info *info, const struct usbmsc_door_env *env,
			struct usbmsc_path_info *p)
{
	const struct usbmsc_lun_info *lun = info->lun_count ? &info->luns[0] : NULL;
	const char *node;
	bool writable;

	if (!usbmsc_disc_kernel_bound(info)) {
		if (info->driver[0])
			usbmsc_door_textf(p->reason, sizeof p->reason,
				 "sgio: the interface is bound to %s, not to usb-storage or uas",
				 info->driver);
		else
			usbmsc_door_textf(p->reason, sizeof p->reason, "sgio: no kernel driver bound");
		return;
	}
	if (!lun) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "sgio: %s has no SCSI device (yet: the kernel may still be probing it)",
			 info->driver);
		return;
	}
	node = lun->sg_node[0] ? lun->sg_node : lun->block_node;
	if (!node[0]) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "sgio: no sg or block node for %s (load the sg module: modprobe sg)",
			 lun->scsi_address);
		return;
	}
	if (!node_door(env, "sgio", node, &writable, p))
		return;
	p->usable = true;
	if (env->raw_scsi_privilege)
		return;
	if (!writable)
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "sgio: read-only access to %s: only commands the kernel deems safe "
			 "(writes and vendor opcodes need write access)", node);
	else if (!lun->sg_node[0])
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "sgio: on a block node, WRITE BUFFER and vendor opcodes need "
			 "CAP_SYS_RAWIO (load sg for an sg node)");
}

size_t usbmsc_disc_mounts_text(const struct usbmsc_device_info *info, char *buf, size_t len)
{
	size_t i, j, at = 0, count = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < info->lun_count; i++) {
		for (j = 0; j < info->luns[i].mount_count; j++) {
			const struct usbmsc_mount_info *m = &info->luns[i].mounts[j];

			if (at < len)
				at += (size_t)snprintf(buf + at, len - at, "%s%s is mounted at %s",
						       count ? ", " : "", m->device,
						       m->mount_point);
			count++;
		}
	}
	if (count && at < len)
		snprintf(buf + at, len - at, "; unmount %s or pass --unmount",
			 count > 1 ? "them" : "it");
	return count;
}

/* The device's USB node for a libusb door: false, with the reason, when
 * it is missing or not writable. */
static bool usb_node_door(const struct usbmsc_door_env *env, const char *label,
			  const struct usbmsc_device_info *info, const char *hint,
			  struct usbmsc_path_info *p)
{
	bool writable = false;

	switch (env->node_access(info->usbfs_node, &writable)) {
	case USBMSC_OS_ACCESS_MISSING:
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: %s does not exist", label,
			 info->usbfs_node);
		return false;
	case USBMSC_OS_ACCESS_OK:
		if (writable)
			return true;
		/* fall through */
	default:
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: permission denied on %s%s", label,
			 info->usbfs_node, hint);
		return false;
	}
}

static void decide_usb(const struct usbmsc_device_info *info, const struct usbmsc_door_env *env,
		       struct usbmsc_path_info *p)
{
	char mounts[USBMSC_ERRMSG_MAX];

	if (!env->libusb) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "usb: usbmsc was built without libusb");
		return;
	}
	if (!info->has_bot) {
		if (info->has_uas)
			usbmsc_door_textf(p->reason, sizeof p->reason,
				 "usb: the interface speaks UAS only (protocol 0x62); raw access "
				 "needs Bulk-Only (0x50): use sgio");
		else
			usbmsc_door_textf(p->reason, sizeof p->reason,
				 "usb: protocol 0x%02x is not Bulk-Only (0x50)", info->protocol);
		return;
	}
	if (strcmp(info->driver, "usbfs") == 0) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "usb: interface %u of %s is claimed by another program",
			 info->interface_number, info->port_path);
		return;
	}
	if (env->winusb && !usbmsc_disc_is_winusb(info->driver)) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "usb: %s holds the interface and libusb reaches it only through WinUSB "
			 "(which would take the disk away): use the disk's pass-through or the "
			 "vendor interface", info->driver[0] ? info->driver : "no driver");
		return;
	}
	if (!usb_node_door(env, "usb", info, "", p))
		return;
	if (usbmsc_disc_mounts_text(info, mounts, sizeof mounts)) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "usb: %s", mounts);
		return;
	}
	p->usable = true;
	if (usbmsc_disc_kernel_bound(info))
		usbmsc_door_textf(p->reason, sizeof p->reason, "usb: detaches %s while in use",
			 info->driver);
}

/* The disk LUN: the first that is not a control LUN. */
static const struct usbmsc_lun_info *disk_lun(const struct usbmsc_device_info *info)
{
	for (size_t i = 0; i < info->lun_count; i++)
		if (info->luns[i].type != USBMSC_SCSI_TYPE_PROCESSOR)
			return &info->luns[i];
	return NULL;
}

static const struct usbmsc_lun_info *control_lun(const struct usbmsc_device_info *info)
{
	for (size_t i = 0; i < info->lun_count; i++)
		if (info->luns[i].type == USBMSC_SCSI_TYPE_PROCESSOR)
			return &info->luns[i];
	return NULL;
}

static void decide_vendor(const struct usbmsc_device_info *info, const struct usbmsc_door_env *env,
			  const char *selector, struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(USBMSC_DOOR_VENDOR);

	if (!info->has_vendor_if) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: none on this device", l);
		return;
	}
	usbmsc_door_textf(p->uri, sizeof p->uri, "usbv:%s", selector);
	if (!env->libusb) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: usbmsc was built without libusb", l);
		return;
	}
	if (strcmp(info->vendor_if_driver, "usbfs") == 0) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: interface %u of %s is claimed by another program", l,
			 info->vendor_if_number, info->port_path);
		return;
	}
	if (env->winusb && !usbmsc_disc_is_winusb(info->vendor_if_driver)) {
		usbmsc_door_textf(p->reason, sizeof p->reason, info->vendor_if_driver[0]
			 ? "%s: bound to %s; libusb reaches it only through WinUSB"
			 : "%s: no driver bound%s; libusb reaches it only through WinUSB, which the "
			   "device's Microsoft OS 2.0 descriptors bind (docs/WINDOWS.md)", l,
			 info->vendor_if_driver);
		return;
	}
	if (info->vendor_if_driver[0] && !env->winusb) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: bound to the kernel driver %s, which usbmsc does not detach", l,
			 info->vendor_if_driver);
		return;
	}
	if (!usb_node_door(env, l, info, " (install the udev rule data/udev/70-usbmsc.rules)", p))
		return;
	p->usable = true;
}

/* Why no LUN of the kernel's can be a door: false when there is none. */
static bool luns_known(const struct usbmsc_device_info *info, const char *label,
		       struct usbmsc_path_info *p)
{
	if (!usbmsc_disc_kernel_bound(info)) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: no kernel driver bound", label);
		return false;
	}
	if (!info->lun_count) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: %s has no SCSI device (yet: the kernel may still be probing it)",
			 label, info->driver);
		return false;
	}
	return true;
}

/* A LUN's sg or block node as a door: false, with the reason, when it has
 * none or it cannot be opened. */
static bool lun_node_door(const struct usbmsc_door_env *env, const char *l,
			  const struct usbmsc_lun_info *lun, bool sg, bool *writable,
			  struct usbmsc_path_info *p)
{
	const char *node = sg ? lun->sg_node : lun->block_node;

	if (!node[0] && sg && env->winusb) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: none on this system (pass-through goes to the disk: block)", l);
		return false;
	}
	if (!node[0]) {
		usbmsc_door_textf(p->reason, sizeof p->reason, sg
			 ? "%s: no sg node for %s (load the sg module: modprobe sg)"
			 : "%s: no block node for %s", l, lun->scsi_address);
		return false;
	}
	return node_door(env, l, node, writable, p);
}

static void decide_control_lun(const struct usbmsc_device_info *info,
			       const struct usbmsc_door_env *env, struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(USBMSC_DOOR_CONTROL_LUN);
	const struct usbmsc_lun_info *lun;
	bool writable;

	if (!luns_known(info, l, p))
		return;
	lun = control_lun(info);
	if (!lun) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: none", l);
		return;
	}
	if (!lun_node_door(env, l, lun, true, &writable, p))
		return;
	/* Its commands are vendor commands: read-only sg access passes none. */
	if (!writable && !env->raw_scsi_privilege) {
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: read-only access to %s: vendor commands need write access", l,
			 lun->sg_node);
		return;
	}
	p->usable = true;
}

static void decide_disk_node(const struct usbmsc_device_info *info,
			     const struct usbmsc_door_env *env, bool sg, struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(sg ? USBMSC_DOOR_SG : USBMSC_DOOR_BLOCK);
	const struct usbmsc_lun_info *lun;
	const char *node;
	bool writable;

	if (!luns_known(info, l, p))
		return;
	lun = disk_lun(info);
	if (!lun) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s: no disk LUN", l);
		return;
	}
	if (!lun_node_door(env, l, lun, sg, &writable, p))
		return;
	node = sg ? lun->sg_node : lun->block_node;
	p->usable = true;
	if (env->raw_scsi_privilege)
		return;
	if (!writable)
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: read-only access to %s: only commands the kernel deems safe "
			 "(writes and vendor opcodes need write access)", l, node);
	else if (!sg)
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "%s: on a block node, WRITE BUFFER and vendor opcodes need CAP_SYS_RAWIO", l);
}

/* The first mounted file system of a disk LUN that is a file door's. */
static void decide_file_door(const struct usbmsc_device_info *info,
			     const struct usbmsc_door_env *env, struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(USBMSC_DOOR_FILE);

	for (size_t i = 0; env->door_volume && i < info->lun_count; i++) {
		const struct usbmsc_lun_info *lun = &info->luns[i];

		for (size_t j = 0; j < lun->mount_count; j++) {
			if (lun->type == USBMSC_SCSI_TYPE_PROCESSOR ||
			    !env->door_volume(lun->mounts[j].mount_point))
				continue;
			usbmsc_door_textf(p->uri, sizeof p->uri, "vol:%s", lun->mounts[j].mount_point);
			usbmsc_door_textf(p->reason, sizeof p->reason, "%s: firmware updates only", l);
			p->usable = true;
			return;
		}
	}
	usbmsc_door_textf(p->reason, sizeof p->reason, "%s: no file door volume is mounted", l);
}

static void decide_doors(struct usbmsc_device_info *info, const struct usbmsc_door_env *env,
			 const char *selector)
{
	struct usbmsc_path_info *d = info->doors;

	memset(d, 0, sizeof info->doors);
	decide_vendor(info, env, selector, &d[USBMSC_DOOR_VENDOR]);
	decide_control_lun(info, env, &d[USBMSC_DOOR_CONTROL_LUN]);
	decide_disk_node(info, env, true, &d[USBMSC_DOOR_SG]);
	decide_disk_node(info, env, false, &d[USBMSC_DOOR_BLOCK]);
	d[USBMSC_DOOR_USB] = info->usb;
	decide_file_door(info, env, &d[USBMSC_DOOR_FILE]);
}

static bool plain_serial(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* VID:PID:SERIAL when that names exactly one interface, else the port path. */
static void selector_of(const struct usbmsc_device_info *list, size_t count, size_t idx,
			char *buf, size_t len)
{
	const struct usbmsc_device_info *me = &list[idx];
	size_t i;

	if (plain_serial(me->serial)) {
		bool unique = true;

		for (i = 0; i < count; i++)
			if (i != idx && list[i].vid == me->vid && list[i].pid == me->pid &&
			    strcmp(list[i].serial, me->serial) == 0)
				unique = false;
		if (unique) {
			snprintf(buf, len, "%04x:%04x:%s", me->vid, me->pid, me->serial);
			return;
		}
	}
	snprintf(buf, len, "%s", me->port_path);
}

void usbmsc_disc_decide(struct usbmsc_device_info *list, size_t count, size_t idx,
			const struct usbmsc_door_env *env)
{
	struct usbmsc_device_info *info = &list[idx];
	char sel[USBMSC_DISC_URI_MAX - 8];

	memset(&info->sgio, 0, sizeof info->sgio);
	memset(&info->usb, 0, sizeof info->usb);
	memset(&info->auto_path, 0, sizeof info->auto_path);
	selector_of(list, count, idx, sel, sizeof sel);
	usbmsc_door_textf(info->usb.uri, sizeof info->usb.uri, "usb:%s", sel);
	decide_sgio(info, env, &info->sgio);
	decide_usb(info, env, &info->usb);
	decide_doors(info, env, sel);
	usbmsc_disc_decide_auto(info, sel, &info->auto_path);
}
