/* "usbv:VID:PID[:SERIAL]" and "usbv:BUS-PORT[.PORT...]": the device's
 * vendor interface (doors.h: class 0xFF, subclass 0x4D, protocol 0x56)
 * through libusb, with the host's BOT engine in the vendor framing (bot.h).
 *
 * It claims that interface only and never detaches a kernel driver, so it
 * works while usb-storage holds the mass-storage interface and its file
 * system is mounted. The bulk pipe is libusb_pipe.c's; what is particular
 * to this door lives here: which interface, and what to say when a device
 * has none or the user may not open it. */
#include "usbmsc/discovery.h"
#include "usbmsc/doors.h"
#include "schemes.h"
#include "usbmsc_config.h"

#include <stdio.h>
#include <string.h>

#if USBMSC_HAVE_LIBUSB

#include "door_rank.h"
#include "libusb_internal.h"

#define ACCESS_HINT                                                                        \
	"install the udev rule data/udev/70-usbmsc.rules, which gives the logged-in user "  \
	"devices with a usbmsc vendor interface: 'meson install' puts it in udev's rules "  \
	"directory, or copy it to /etc/udev/rules.d/; then run 'udevadm control --reload "  \
	"&& udevadm trigger' and replug the device; or run as root"

static bool is_vendor_interface(const struct libusb_interface_descriptor *alt)
{
	return alt->bInterfaceClass == USBMSC_VND_IF_CLASS &&
	       alt->bInterfaceSubClass == USBMSC_VND_IF_SUBCLASS &&
	       alt->bInterfaceProtocol == USBMSC_VND_IF_PROTOCOL;
}

int usbmsc_lu_vendor_interface(const struct libusb_config_descriptor *cfg,
			       struct usbmsc_lu_iface *bi)
{
	bool seen = false;

	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];

		for (int a = 0; a < itf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *alt = &itf->altsetting[a];

			if (!is_vendor_interface(alt))
				continue;
			seen = true;
			if (!usbmsc_lu_bulk_pair(alt, bi))
				continue;
			bi->ifnum = alt->bInterfaceNumber;
			bi->alt = alt->bAlternateSetting;
			bi->config_value = cfg->bConfigurationValue;
			return 1;
		}
	}
	return seen ? -1 : 0;
}

/* No vendor interface: say which doors the device has instead, when the
 * system can tell. */
static int no_vendor_interface(const char *spec, const char *port, struct usbmsc_error *err)
{
	struct usbmsc_device_info *list = NULL;
	struct usbmsc_error ignored = { 0, "" };
	char doors[USBMSC_ERRMSG_MAX / 2], use[USBMSC_DISC_URI_MAX] = "";
	size_t count = 0, i;
	bool found = false;

	if (!(usbmsc_os_backend.caps & USBMSC_OS_CAP_DISCOVERY))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "usbv:%s: this device (%s) has no usbmsc vendor interface; try "
				   "usb:%s (raw Bulk-Only Transport) or auto:%s", spec, port, spec,
				   spec);
	doors[0] = '\0';
	if (usbmsc_discover(&list, &count, &ignored) != 0)
		count = 0;
	for (i = 0; i < count && !found; i++) {
		if (strcmp(list[i].port_path, port) != 0)
			continue;
		found = true;
		usbmsc_disc_doors_text(&list[i], doors, sizeof doors);
		snprintf(use, sizeof use, "%s", list[i].auto_path.uri);
	}
	usbmsc_discover_free(list, count);
	if (found)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "usbv:%s: this device (%s) has no usbmsc vendor interface; its "
				   "doors are: %s; use %s, which takes the best of them", spec, port,
				   doors, use);
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "usbv:%s: this device (%s) has no usbmsc vendor interface, and no "
			   "mass-storage interface the kernel knows of; its doors are: usb:%s, if "
			   "it is a mass-storage device at all", spec, port, port);
}

static int find_vendor_interface(libusb_device *dev, const char *spec, const char *port,
				 struct usbmsc_lu_iface *bi, struct usbmsc_error *err)
{
	struct libusb_config_descriptor *cfg;
	int r = libusb_get_active_config_descriptor(dev, &cfg);

	if (r != 0)
		return usbmsc_fail(err, r == LIBUSB_ERROR_NO_DEVICE ? USBMSC_E_NO_DEVICE
				   : USBMSC_E_TRANSPORT, "reading the configuration of %s: %s",
				   port, libusb_strerror(r));
	r = usbmsc_lu_vendor_interface(cfg, bi);
	libusb_free_config_descriptor(cfg);
	if (r == 1)
		return 0;
	if (r < 0)
		return usbmsc_fail(err, USBMSC_E_TRANSPORT,
				   "usbv:%s: the vendor interface of %s has no bulk IN and OUT "
				   "endpoints", spec, port);
	return no_vendor_interface(spec, port, err);
}

static const struct usbmsc_lu_kind usbv_kind = {
	.scheme = "usbv",
	.framing = USBMSC_FRAMING_VENDOR,
	.detach = false,
	.find = find_vendor_interface,
	.access_hint = ACCESS_HINT,
};

int usbmsc_usbv_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err)
{
	(void)uri;
	return usbmsc_lu_open(&usbv_kind, spec, opts, out, err);
}

#else /* !USBMSC_HAVE_LIBUSB */

int usbmsc_usbv_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err)
{
	(void)uri;
	(void)opts;
	*out = NULL;
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "usbv:%s: this usbmsc was built without libusb (the vendor interface "
			   "is not available)", spec);
}

#endif /* USBMSC_HAVE_LIBUSB */
