/* auto:'s order among a device's doors, and the words for them. Pure: only
 * the discovered device is read.
 *
 * The order is that of enum usbmsc_door_kind: the vendor interface (usbv:), the
 * control LUN through SCSI pass-through, pass-through on the disk LUN (its
 * sg node, then its block node), and last raw Bulk-Only Transport (usb:,
 * which takes the disk from the kernel and so refuses a mounted device
 * unless --unmount), and after every other the file door (vol:, a copy onto
 * the mounted door volume: firmware updates only, but no privilege
 * needed). Only usable doors are ranked; with none, the fallback door is
 * the one whose reason explains the device best. */
#include "door_rank.h"

#include <stdio.h>
#include <string.h>

static const char *const door_names[USBMSC_DOOR_COUNT] = {
	[USBMSC_DOOR_VENDOR] = "vendor",
	[USBMSC_DOOR_CONTROL_LUN] = "control-lun",
	[USBMSC_DOOR_SG] = "sg",
	[USBMSC_DOOR_BLOCK] = "block",
	[USBMSC_DOOR_USB] = "usb",
	[USBMSC_DOOR_FILE] = "file",
};

static const char *const door_labels[USBMSC_DOOR_COUNT] = {
	[USBMSC_DOOR_VENDOR] = "vendor interface",
	[USBMSC_DOOR_CONTROL_LUN] = "control LUN",
	[USBMSC_DOOR_SG] = "sg",
	[USBMSC_DOOR_BLOCK] = "block",
	[USBMSC_DOOR_USB] = "usb",
	[USBMSC_DOOR_FILE] = "file door",
};

const char *usbmsc_door_name(enum usbmsc_door_kind door)
{
	return (unsigned)door < USBMSC_DOOR_COUNT ? door_names[door] : "unknown";
}

const char *usbmsc_door_label(enum usbmsc_door_kind door)
{
	return (unsigned)door < USBMSC_DOOR_COUNT ? door_labels[door] : "unknown";
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Windows' service names, whatever their case. */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

bool usbmsc_disc_kernel_bound(const struct usbmsc_device_info *info)
{
	return strcmp(info->driver, "usb-storage") == 0 || strcmp(info->driver, "uas") == 0 ||
	       same_name(info->driver, "USBSTOR") || same_name(info->driver, "UASPStor");
}

bool usbmsc_disc_is_winusb(const char *driver)
{
	return same_name(driver, "WinUSB");
}

void usbmsc_doors_rank(const struct usbmsc_device_info *info, struct usbmsc_door_rank *rank)
{
	const struct usbmsc_path_info *d = info->doors;

	memset(rank, 0, sizeof *rank);
	for (unsigned i = 0; i < USBMSC_DOOR_COUNT; i++)
		if (d[i].usable)
			rank->order[rank->count++] = (enum usbmsc_door_kind)i;
	/* Nothing usable: the error worth showing. A vendor interface's says
	 * how to get access (the udev rule); with the kernel driver bound,
	 * SG_IO's (the sg node, else the block node); else raw BOT's. */
	if (info->has_vendor_if)
		rank->fallback = USBMSC_DOOR_VENDOR;
	else if (usbmsc_disc_kernel_bound(info))
		rank->fallback = d[USBMSC_DOOR_SG].uri[0] || !d[USBMSC_DOOR_BLOCK].uri[0]
				 ? USBMSC_DOOR_SG : USBMSC_DOOR_BLOCK;
	else
		rank->fallback = USBMSC_DOOR_USB;
}

void usbmsc_disc_decide_auto(const struct usbmsc_device_info *info, const char *selector,
			     struct usbmsc_path_info *p)
{
	struct usbmsc_door_rank rank;
	const struct usbmsc_path_info *via;

	usbmsc_door_textf(p->uri, sizeof p->uri, "auto:%s", selector);
	usbmsc_doors_rank(info, &rank);
	if (rank.count == 0) {
		usbmsc_door_textf(p->reason, sizeof p->reason, "%s", info->doors[rank.fallback].reason);
		return;
	}
	p->usable = true;
	via = &info->doors[rank.order[0]];
	switch (rank.order[0]) {
	case USBMSC_DOOR_VENDOR:
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "auto: the vendor interface, %s: beside the mass-storage driver", via->uri);
		break;
	case USBMSC_DOOR_CONTROL_LUN:
		usbmsc_door_textf(p->reason, sizeof p->reason,
			 "auto: the control LUN, SG_IO on %s: the kernel driver is bound", via->uri);
		break;
	case USBMSC_DOOR_SG:
	case USBMSC_DOOR_BLOCK:
		usbmsc_door_textf(p->reason, sizeof p->reason, "auto: SG_IO on %s: the kernel driver is bound",
			 via->uri);
		break;
	case USBMSC_DOOR_FILE:
		usbmsc_door_textf(p->reason, sizeof p->reason, "auto: the file door, %s: no other door is "
			 "usable (firmware updates only)", via->uri);
		break;
	default:
		usbmsc_door_textf(p->reason, sizeof p->reason, "auto: raw BOT, %s: %s", via->uri,
			 usbmsc_disc_kernel_bound(info) ? "sgio cannot be used"
			 : "no kernel driver is bound");
		break;
	}
}

/* The reason without its "label: " prefix. */
static const char *bare_reason(enum usbmsc_door_kind door, const char *reason)
{
	size_t n = strlen(door_labels[door]);

	if (strncmp(reason, door_labels[door], n) == 0 && strncmp(reason + n, ": ", 2) == 0)
		return reason + n + 2;
	return reason;
}

void usbmsc_disc_doors_text(const struct usbmsc_device_info *info, char *buf, size_t len)
{
	size_t at = 0;
	unsigned listed = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (unsigned i = USBMSC_DOOR_CONTROL_LUN; i < USBMSC_DOOR_COUNT && at < len; i++) {
		const struct usbmsc_path_info *d = &info->doors[i];
		int n;

		if (!d->uri[0])
			continue;
		if (d->usable)
			n = snprintf(buf + at, len - at, "%s%s %s", listed ? ", " : "",
				     door_labels[i], d->uri);
		else
			n = snprintf(buf + at, len - at, "%s%s %s (not now: %s)", listed ? ", " : "",
				     door_labels[i], d->uri, bare_reason((enum usbmsc_door_kind)i, d->reason));
		if (n < 0)
			break;
		at += (size_t)n;
		listed++;
	}
	if (!listed)
		snprintf(buf, len, "none");
}
