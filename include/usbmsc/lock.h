/* Locks between usbmsc processes, so that two of them never interleave
 * their commands to one device where that loses data:
 *
 * - sim: a virtual device locks its image files and firmware flash for the
 *   life of its handle; a second open, in this process or another, fails
 *   with USBMSC_E_BUSY naming the holder.
 * - usb:, usbv: the kernel lets one program claim an interface; a second
 *   one fails with USBMSC_E_BUSY.
 * - a firmware update holds the device lock below, which outlives the
 *   device handle: the device's reboot closes and reopens it.
 *
 * The locks are advisory (flock(2)) and go away with the process. The
 * holder is named where the system can tell ("pid 4242 (usbmsc -d
 * sim:disk.img fw update a.umfw)", from /proc on Linux). */
#ifndef USBMSC_LOCK_H
#define USBMSC_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/initiator.h"

#ifdef __cplusplus
extern "C" {
#endif

struct usbmsc_lock;

/* Lock the device behind dev, seen through LUN lun, for work that must
 * not interleave with another process's (a firmware update's WRITE
 * BUFFERs). The lock is a file named after the device's INQUIRY vendor and
 * unit serial number (VPD page 0x80; without one, vendor and product) in
 * the lock directory: $USBMSC_LOCK_DIR, else the first usable of
 * /run/lock/usbmsc (shared by all users), $XDG_RUNTIME_DIR/usbmsc and
 * /tmp/usbmsc-locks. Sends INQUIRY (which no unit attention holds up).
 * Returns 0 with *out to release; USBMSC_E_BUSY when another process (or
 * this one) holds it, err naming the holder; or the INQUIRY's failure.
 * Not thread-safe: take and release locks from one thread. */
USBMSC_API
int usbmsc_lock_device(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_lock **out,
		       struct usbmsc_error *err);
USBMSC_API
void usbmsc_lock_release(struct usbmsc_lock *lock);

/* Whether path is a file that an open device holds, in this process or
 * another (a sim: image or firmware flash), so that it must not be written
 * over: 0 when not (also when path is missing or not a regular file);
 * USBMSC_E_BUSY with the holder in err and *own telling whether it is
 * this process. */
USBMSC_API
int usbmsc_lock_file_in_use(const char *path, bool *own, struct usbmsc_error *err);

#ifdef __cplusplus
}
#endif
#endif
