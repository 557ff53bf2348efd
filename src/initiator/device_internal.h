/* Internal to the initiator: what the device handle shares with the
 * common commands. Not installed. */
#ifndef USBMSC_DEVICE_INTERNAL_H
#define USBMSC_DEVICE_INTERNAL_H

#include "usbmsc/initiator.h"

/* Record status and a message as the device's last error; returns status. */
int usbmsc_dev_fail(struct usbmsc_dev *dev, int status, const char *fmt, ...)
	USBMSC_PRINTF(3, 4);

/* A GOOD command that moved less data than asked (len bytes) is a
 * failure: a buffer would silently hold stale bytes, or data would be
 * silently lost. USBMSC_E_TRANSPORT, "WHAT: device accepted|returned N of
 * LEN bytes" as the device's error, unless all len bytes moved. */
int usbmsc_dev_check_complete(struct usbmsc_dev *dev, const char *what, bool write,
			      const struct usbmsc_result *res, uint32_t len);

/* The transport under a device handle (NULL for none). */
struct usbmsc_transport *usbmsc_dev_transport(const struct usbmsc_dev *dev);

#endif
