/* Internal to the initiator: the libusb bulk pipe (libusb_pipe.c) shared by
 * the two libusb transports, "usb:" (the mass-storage interface, taken from
 * the kernel) and "usbv:" (the vendor interface beside it, usbv_transport.c).
 * Only built with libusb. Not installed. */
#ifndef USBMSC_LIBUSB_INTERNAL_H
#define USBMSC_LIBUSB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libusb.h>

#include "usbmsc/discovery.h"
#include "usbmsc/initiator.h"

/* One interface with a bulk pair, in the active configuration. */
struct usbmsc_lu_iface {
	int ifnum, alt;
	uint8_t ep_in, ep_out, config_value;
	uint16_t max_packet;
};

/* What a libusb transport takes, and how. */
struct usbmsc_lu_kind {
	const char *scheme;   /* "usb", "usbv": the transport's name, and in messages */
	uint8_t framing;      /* enum usbmsc_framing the pipe speaks */
	/* Take the interface from its kernel driver (and check mounts first),
	 * or refuse while any driver holds it. */
	bool detach;
	/* Find the interface in dev's active configuration; port names the
	 * device in messages. 0, or a category with err set. */
	int (*find)(libusb_device *dev, const char *spec, const char *port,
		    struct usbmsc_lu_iface *bi, struct usbmsc_error *err);
	/* Added to "permission denied" when the device node cannot be opened. */
	const char *access_hint;
};

/* The first IN and OUT bulk endpoints of an alternate setting into bi
 * (ep_in, ep_out, max_packet). False when it lacks either. */
bool usbmsc_lu_bulk_pair(const struct libusb_interface_descriptor *alt,
			 struct usbmsc_lu_iface *bi);

/* The vendor interface (doors.h) of a configuration: 1 found (bi filled:
 * number, alternate setting, bulk pair), 0 none, -1 one without a bulk
 * pair. Pure. */
int usbmsc_lu_vendor_interface(const struct libusb_config_descriptor *cfg,
			       struct usbmsc_lu_iface *bi);

/* "1-2.3" for a libusb device. */
void usbmsc_lu_port_path(libusb_device *dev, char *buf, size_t len);

/* Open the one device sel names, take the kind's interface, and run the
 * BOT engine over it in the kind's framing. */
int usbmsc_lu_open(const struct usbmsc_lu_kind *kind, const char *spec,
		   const struct usbmsc_open_opts *opts, struct usbmsc_transport **out,
		   struct usbmsc_error *err);

#endif
