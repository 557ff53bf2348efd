/* "auto:SELECTOR": the best door the system allows into one device, and why.
 *
 * The doors are tried in the order of enum usbmsc_door_kind: the vendor
 * interface (usbv:), the control LUN through SG_IO, SG_IO on the disk LUN
 * (its sg node, then its block node), raw Bulk-Only Transport (usb:, which
 * takes the disk from the kernel and so refuses a mounted device unless
 * --unmount), and last the file door (vol:, its mounted volume: firmware
 * updates only). Each door that is skipped is reported with its
 * reason as a trace NOTE, and so is a door that was usable but failed to
 * open (the next one is tried then). The ranking itself is a pure function
 * of the discovered device (door_rank.c).
 *
 * Without an OS backend that sees the kernel's devices there is nothing to
 * rank: the vendor interface is tried, then raw BOT. */
#include "usbmsc/discovery.h"
#include "door_rank.h"
#include "schemes.h"

#include <stdio.h>
#include <string.h>

/* The one device (port path) among the matches; its first interface. */
static int pick(const struct usbmsc_device_info *list, size_t count, const char *spec,
		const struct usbmsc_usb_selector *sel, size_t *idx, struct usbmsc_error *err)
{
	char paths[96] = "";
	size_t i, devices = 0;
	const char *last = NULL;

	for (i = 0; i < count; i++) {
		if (!usbmsc_device_info_matches(&list[i], sel))
			continue;
		if (last && strcmp(last, list[i].port_path) == 0)
			continue;       /* another interface of the same device */
		if (!last)
			*idx = i;
		if (strlen(paths) + strlen(list[i].port_path) + 3 < sizeof paths)
			snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s",
				 devices ? ", " : "", list[i].port_path);
		last = list[i].port_path;
		devices++;
	}
	if (devices == 1)
		return 0;
	if (devices == 0)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE,
				   "no USB mass-storage device matches auto:%s", spec);
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "%zu USB mass-storage devices match auto:%s (at %s): add the serial "
			   "number, or name one by its port (auto:BUS-PORT)", devices, spec, paths);
}

/* The LUN whose node a door opens (for the note). */
static const struct usbmsc_lun_info *lun_of_node(const struct usbmsc_device_info *info,
						 const char *node)
{
	for (size_t i = 0; i < info->lun_count; i++)
		if (strcmp(info->luns[i].sg_node, node) == 0 ||
		    strcmp(info->luns[i].block_node, node) == 0)
			return &info->luns[i];
	return NULL;
}

/* Say which door is taken and why, then open it. */
static int open_door(const struct usbmsc_device_info *info, enum usbmsc_door_kind door,
		     const struct usbmsc_open_opts *opts, struct usbmsc_transport **out,
		     struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = opts ? &opts->trace : NULL;
	const char *uri = info->doors[door].uri;
	const struct usbmsc_lun_info *lun = lun_of_node(info, uri);
	const char *where = lun ? lun->scsi_address : "?";

	switch (door) {
	case USBMSC_DOOR_VENDOR:
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: %s has the vendor interface (interface %u); using %s (the "
				  "kernel driver keeps the disk, file systems stay mounted)",
				  info->port_path, info->vendor_if_number, uri);
		return usbmsc_usbv_open(uri, info->port_path, opts, out, err);
	case USBMSC_DOOR_CONTROL_LUN:
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: %s has a control LUN at %s; using SG_IO on %s (the kernel "
				  "driver stays bound, file systems stay mounted)", info->port_path,
				  where, uri);
		return usbmsc_pt_open(uri, "", opts, out, err);
	case USBMSC_DOOR_SG:
	case USBMSC_DOOR_BLOCK:
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: %s is bound to %s at %s; using SG_IO on %s (the kernel "
				  "driver stays bound, file systems stay mounted)",
				  info->port_path, info->driver, where, uri);
		return usbmsc_pt_open(uri, "", opts, out, err);
	case USBMSC_DOOR_FILE:
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: no other door of %s is usable; using its file door, %s "
				  "(firmware updates only, by a file copy onto the mounted volume)",
				  info->port_path, uri);
		return usbmsc_vol_open(uri, uri + 4, opts, out, err);
	default:
		if (usbmsc_disc_kernel_bound(info))
			usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
					  "auto: %s is bound to %s, but SG_IO cannot be used; using "
					  "raw Bulk-Only Transport through libusb", info->port_path,
					  info->driver);
		else
			usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
					  "auto: no kernel driver is bound to %s; using raw Bulk-Only "
					  "Transport through libusb", info->port_path);
		return usbmsc_usb_open(uri, info->port_path, opts, out, err);
	}
}

/* Nothing usable: the fallback door's own error (opening it tells exactly
 * what stands in the way: permission, mounts), or its reason. */
static int open_fallback(const struct usbmsc_device_info *info, enum usbmsc_door_kind door,
			 const struct usbmsc_open_opts *opts, struct usbmsc_transport **out,
			 struct usbmsc_error *err)
{
	if (!info->doors[door].uri[0])
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "auto:%s: %s", info->port_path,
				   info->doors[door].reason);
	return open_door(info, door, opts, out, err);
}

static int open_best(const struct usbmsc_device_info *info, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = opts ? &opts->trace : NULL;
	struct usbmsc_error first = { 0, "" };
	struct usbmsc_door_rank rank;
	int rc, first_rc = 0;

	usbmsc_doors_rank(info, &rank);
	for (unsigned i = 0; i < USBMSC_DOOR_COUNT; i++) {
		const struct usbmsc_path_info *d = &info->doors[i];

		if (!d->usable) {
			usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0, "auto: %s", d->reason);
			continue;
		}
		rc = open_door(info, (enum usbmsc_door_kind)i, opts, out, err);
		if (rc == 0)
			return 0;
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0, "auto: %s: %s; trying the next door",
				  usbmsc_door_label((enum usbmsc_door_kind)i), err->msg);
		if (!first_rc) {
			first_rc = rc;
			first = *err;
		}
	}
	if (first_rc) {
		*err = first;
		return first_rc;
	}
	return open_fallback(info, rank.fallback, opts, out, err);
}

/* Without discovery, the vendor interface when the device has one, else
 * raw BOT. */
static int open_undiscovered(const char *uri, const char *spec,
			     const struct usbmsc_open_opts *opts, struct usbmsc_transport **out,
			     struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = opts ? &opts->trace : NULL;
	int rc = usbmsc_usbv_open(uri, spec, opts, out, err);

	if (rc == 0)
		return 0;
	usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0, "auto: vendor interface: %s", err->msg);
	usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
			  "auto: no kernel pass-through on this system; using usb:%s", spec);
	return usbmsc_usb_open(uri, spec, opts, out, err);
}

int usbmsc_auto_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err)
{
	struct usbmsc_usb_selector sel;
	struct usbmsc_device_info *list;
	size_t count, idx = 0;
	int rc;

	*out = NULL;
	rc = usbmsc_usb_selector_parse(spec, &sel, err);
	if (rc != 0)
		return rc;
	if (!(usbmsc_os_backend.caps & USBMSC_OS_CAP_DISCOVERY))
		return open_undiscovered(uri, spec, opts, out, err);
	rc = usbmsc_discover(&list, &count, err);
	if (rc != 0)
		return rc;
	rc = pick(list, count, spec, &sel, &idx, err);
	if (rc == 0)
		rc = open_best(&list[idx], opts, out, err);
	usbmsc_discover_free(list, count);
	return rc;
}
