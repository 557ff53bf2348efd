/* Internal to the initiator: what the device handle shares with the
 * common commands. Not installed. */
#ifndef USBMSC_DEVICE_INTERNAL_H
#define USBMSC_DEVICE_INTERNAL_H

#include "usbmsc/initiator.h"

/* Record status and a message as the device's last error; returns status. */
int usbmsc_dev_fail(struct usbmsc_dev *dev, int status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
