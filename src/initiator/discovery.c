/* Discovery: the OS backend lists the USB mass-storage interfaces as the
 * kernel sees them (src/os/: on Linux sysfs and the mount table, nothing
 * opened); here they are sorted and each door is decided (door_usable.c).
 * A backend without a view of the system says "not supported". */
#include "usbmsc/discovery.h"
#include "door_rank.h"
#include "usbmsc/doorvol.h"
#include "usbmsc_config.h"

#include <stdlib.h>
#include <string.h>

/* Port path order (bus, then ports numerically), then interface number. */
static int cmp_info(const void *a, const void *b)
{
	const struct usbmsc_device_info *x = a, *y = b;
	struct usbmsc_usb_selector sx, sy;
	size_t i;

	if (usbmsc_usb_selector_parse(x->port_path, &sx, NULL) == 0 &&
	    usbmsc_usb_selector_parse(y->port_path, &sy, NULL) == 0 && sx.by_port && sy.by_port) {
		if (sx.bus != sy.bus)
			return sx.bus < sy.bus ? -1 : 1;
		for (i = 0; i < sx.port_count && i < sy.port_count; i++)
			if (sx.ports[i] != sy.ports[i])
				return sx.ports[i] < sy.ports[i] ? -1 : 1;
		if (sx.port_count != sy.port_count)
			return sx.port_count < sy.port_count ? -1 : 1;
	} else {
		int c = strcmp(x->port_path, y->port_path);

		if (c)
			return c;
	}
	return (int)x->interface_number - (int)y->interface_number;
}

/* A mounted file system that reads as a usbmsc file door's volume. */
static bool is_door_volume(const char *mount_point)
{
	struct usbmsc_door_volume v;
	struct usbmsc_error ignored = { 0 };

	return usbmsc_door_volume_read(mount_point, false, &v, &ignored) == 0;
}

int usbmsc_discover_ex(const struct usbmsc_discover_opts *opts,
		       struct usbmsc_device_info **list, size_t *count,
		       struct usbmsc_error *err)
{
	const struct usbmsc_os_backend *os = &usbmsc_os_backend;
	struct usbmsc_door_env env;
	size_t i;
	int rc;

	*list = NULL;
	*count = 0;
	rc = os->discover(opts, list, count, err);
	if (rc != 0)
		return rc;
	if (*count > 1)
		qsort(*list, *count, sizeof (*list)[0], cmp_info);
	env.node_access = os->node_access;
	env.raw_scsi_privilege = *count && os->raw_scsi_privilege();
	env.libusb = USBMSC_HAVE_LIBUSB;
	env.winusb = (os->caps & USBMSC_OS_CAP_WINUSB) != 0;
	env.door_volume = is_door_volume;
	for (i = 0; i < *count; i++)
		usbmsc_disc_decide(*list, *count, i, &env);
	return 0;
}

int usbmsc_discover(struct usbmsc_device_info **list, size_t *count, struct usbmsc_error *err)
{
	return usbmsc_discover_ex(NULL, list, count, err);
}
