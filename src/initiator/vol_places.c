/* Where a file door's volume may be mounted again after its device
 * restarted (vol_internal.h): beside the old mount point, and wherever
 * discovery finds a USB disk mounted. Plain directory reading, and the OS
 * backend's discovery where it has one. */
#include "vol_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "../os/os_backend.h"
#include "usbmsc/discovery.h"

/* The folder the mount point is in; false for the root directory. */
static bool parent_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || (size_t)(slash - path) >= len)
		return false;
	memcpy(buf, path, (size_t)(slash - path));
	buf[slash - path] = '\0';
	return true;
}

static int beside(const char *mount, int (*fn)(void *ctx, const char *path), void *ctx)
{
	char parent[USBMSC_DOOR_PATH_MAX], path[USBMSC_DOOR_PATH_MAX + 256];
	struct dirent *e;
	DIR *d;
	int v = 0;

	if (!parent_of(mount, parent, sizeof parent))
		return 0;
	d = opendir(parent);
	if (!d)
		return 0;
	while (v == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !usbmsc_voli_join(path, sizeof path, parent, e->d_name) ||
		    strcmp(path, mount) == 0)
			continue;
		v = fn(ctx, path);
	}
	closedir(d);
	return v;
}

static int mounted(const char *mount, int (*fn)(void *ctx, const char *path), void *ctx)
{
	struct usbmsc_error ignored = { 0 };
	struct usbmsc_device_info *list;
	size_t count;
	int v = 0;

	if (!(usbmsc_os_backend.caps & USBMSC_OS_CAP_DISCOVERY) ||
	    usbmsc_discover(&list, &count, &ignored) != 0)
		return 0;
	for (size_t i = 0; i < count && v == 0; i++)
		for (size_t l = 0; l < list[i].lun_count && v == 0; l++)
			for (size_t m = 0; m < list[i].luns[l].mount_count && v == 0; m++) {
				const char *mp = list[i].luns[l].mounts[m].mount_point;

				if (strcmp(mp, mount) != 0)
					v = fn(ctx, mp);
			}
	usbmsc_discover_free(list, count);
	return v;
}

int usbmsc_voli_each_place(const char *mount, int (*fn)(void *ctx, const char *path), void *ctx)
{
	int v = beside(mount, fn, ctx);

	return v ? v : mounted(mount, fn, ctx);
}
