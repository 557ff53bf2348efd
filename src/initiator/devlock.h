/* Internal to the library: the device lock as the virtual device sees it.
 * Not installed. */
#ifndef USBMSC_DEVLOCK_H
#define USBMSC_DEVLOCK_H

#include "usbmsc/lock.h"

/* Whether another process holds the device lock (usbmsc_lock_device) of
 * the device with this INQUIRY vendor and serial number: 0 when nobody
 * does or this process does, else USBMSC_E_BUSY naming the holder. A
 * virtual device asks before it powers on, so that the power-on never
 * falls between the reboot of a firmware update and its reopen. */
int usbmsc_devlock_check(const char *vendor, const char *serial, struct usbmsc_error *err);

#endif
