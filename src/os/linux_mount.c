/* Unmounting a file system before a raw-USB session takes its disk away. */
#include "usbmsc_os.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

int usbmsc_os_unmount(const char *target, struct usbmsc_error *err)
{
	if (umount2(target, 0) == 0)
		return 0;
	switch (errno) {
	case EPERM:
	case EACCES:
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "cannot unmount %s: %s (unmounting needs root)", target,
				   strerror(errno));
	case EBUSY:
		return usbmsc_fail(err, USBMSC_E_BUSY,
				   "cannot unmount %s: it is in use (close the files and "
				   "leave the directory, then try again)", target);
	default:
		return usbmsc_fail(err, USBMSC_E_BUSY, "cannot unmount %s: %s", target,
				   strerror(errno));
	}
}
