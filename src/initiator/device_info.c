/* The memory of what discovery fills (struct usbmsc_device_info): its LUNs
 * and their mounts. Shared by the library's discovery, the OS backends that
 * fill it, and the transports that ask for one interface. */
#include "usbmsc/discovery.h"
#include "../os/os_backend.h"

#include <stdlib.h>

void usbmsc_disc_lun_clear(struct usbmsc_lun_info *lun)
{
	size_t i;

	for (i = 0; i < lun->mount_count; i++) {
		free(lun->mounts[i].device);
		free(lun->mounts[i].mount_point);
		free(lun->mounts[i].fstype);
	}
	free(lun->mounts);
	lun->mounts = NULL;
	lun->mount_count = 0;
}

void usbmsc_disc_info_clear(struct usbmsc_device_info *info)
{
	size_t i;

	for (i = 0; i < info->lun_count; i++)
		usbmsc_disc_lun_clear(&info->luns[i]);
	free(info->luns);
	info->luns = NULL;
	info->lun_count = 0;
}

void usbmsc_discover_free(struct usbmsc_device_info *list, size_t count)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < count; i++)
		usbmsc_disc_info_clear(&list[i]);
	free(list);
}
