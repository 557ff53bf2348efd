/* The transports behind device.c's URI schemes. Each open takes the whole
 * URI and the part after its scheme's prefix. Internal: not installed. */
#ifndef USBMSC_SCHEMES_H
#define USBMSC_SCHEMES_H

#include "usbmsc/initiator.h"
#include "usbmsc/status.h"

/* A device path the OS backend claims ("/dev/sgN", "/dev/sdX",
 * "\\.\PhysicalDriveN"; rest is unused): the kernel's SCSI pass-through,
 * through the backend (pt_transport.c). */
int usbmsc_pt_open(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		   struct usbmsc_transport **out, struct usbmsc_error *err);
/* "usb:SELECTOR": raw Bulk-Only Transport through libusb (libusb_pipe.c). */
int usbmsc_usb_open(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err);
/* "usbv:SELECTOR": the vendor interface through libusb, beside the kernel's
 * mass-storage driver (usbv_transport.c). */
int usbmsc_usbv_open(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err);
/* "auto:SELECTOR": the best door (discovery_auto.c): the vendor interface,
 * the control LUN, pass-through on the disk, raw BOT. */
int usbmsc_auto_open(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		     struct usbmsc_transport **out, struct usbmsc_error *err);
/* "vol:MOUNTPOINT": a file door's volume, mounted by the system; firmware
 * updates only, no SCSI commands (vol_transport.c). */
int usbmsc_vol_open(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err);

#endif
