/* "auto:SELECTOR": the best path the system allows for one device, and why.
 *
 * With a kernel driver (usb-storage, uas) bound, SG_IO through its node:
 * the file system stays mounted. With none bound, raw Bulk-Only Transport
 * through libusb. When SG_IO cannot be used (no node, no permission) but
 * raw BOT can, raw BOT. Each decision is reported as a trace NOTE. */
#include "../os/usbmsc_os.h"
#include "usbmsc/discovery.h"

#include <stdio.h>
#include <string.h>

#if USBMSC_HAVE_LINUX

#include "discovery_internal.h"

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

static int open_chosen(const struct usbmsc_device_info *info, const struct usbmsc_open_opts *opts,
		       struct usbmsc_transport **out, struct usbmsc_error *err)
{
	const struct usbmsc_trace *tr = opts ? &opts->trace : NULL;

	if (usbmsc_disc_auto_choice(info) == USBMSC_AUTO_SGIO) {
		if (!info->sgio.uri[0])
			return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "auto:%s: %s", info->port_path,
					   info->sgio.reason);
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: %s is bound to %s at %s; using SG_IO on %s (the kernel "
				  "driver stays bound, file systems stay mounted)",
				  info->port_path, info->driver, info->luns[0].scsi_address,
				  info->sgio.uri);
		return usbmsc_sgio_open(info->sgio.uri, "", opts, out, err);
	}
	if (usbmsc_disc_kernel_bound(info))
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: %s is bound to %s, but SG_IO cannot be used (%s); using "
				  "raw Bulk-Only Transport through libusb", info->port_path,
				  info->driver, info->sgio.reason);
	else
		usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0,
				  "auto: no kernel driver is bound to %s; using raw Bulk-Only "
				  "Transport through libusb", info->port_path);
	return usbmsc_usb_open(info->usb.uri, info->port_path, opts, out, err);
}

int usbmsc_auto_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err)
{
	struct usbmsc_usb_selector sel;
	struct usbmsc_disc_ctx ctx;
	struct usbmsc_device_info *list;
	size_t count, idx = 0;
	int rc;

	(void)uri;
	*out = NULL;
	rc = usbmsc_usb_selector_parse(spec, &sel, err);
	if (rc != 0)
		return rc;
	rc = usbmsc_disc_ctx_init(&ctx, NULL, err);
	if (rc != 0)
		return rc;
	rc = usbmsc_disc_collect(&ctx, &list, &count, err);
	usbmsc_disc_ctx_free(&ctx);
	if (rc != 0)
		return rc;
	rc = pick(list, count, spec, &sel, &idx, err);
	if (rc == 0)
		rc = open_chosen(&list[idx], opts, out, err);
	usbmsc_discover_free(list, count);
	return rc;
}

#else /* !USBMSC_HAVE_LINUX */

/* Without a kernel path to prefer, the best path is raw BOT. */
int usbmsc_auto_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err)
{
	(void)uri;
	usbmsc_trace_emit(opts ? &opts->trace : NULL, USBMSC_TRACE_NOTE, NULL, 0,
			  "auto: no kernel pass-through on this system; using usb:%s", spec);
	return usbmsc_usb_open(uri, spec, opts, out, err);
}

#endif /* USBMSC_HAVE_LINUX */
