/* Where a file door's volume may be mounted again after its device
 * restarted (vol_internal.h): beside the old mount point, and wherever
 * discovery finds a USB disk mounted. The OS layer's folder listing, and
 * the OS backend's discovery where it has one. */
#include "vol_internal.h"

#include <stdio.h>
#include <string.h>

#include "../os/os_backend.h"
#include "../os/os_file.h"
#include "usbmsc/discovery.h"

/* The folder the mount point is in; false for a root directory ("/",
 * "E:\"), whose other entries are no mount points of this kind. */
static bool parent_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/'), *back = strrchr(path, '\\');

	if (back > slash)
		slash = back;
	if (!slash || slash == path || (size_t)(slash - path) >= len ||
	    (slash - path == 2 && path[1] == ':'))
		return false;
	memcpy(buf, path, (size_t)(slash - path));
	buf[slash - path] = '\0';
	return true;
}

struct beside {
	const char *mount, *parent;
	int (*fn)(void *ctx, const char *path);
	void *ctx;
};

static int one_beside(void *ctx, const char *name)
{
	struct beside *b = ctx;
	char path[USBMSC_DOOR_PATH_MAX + 256];

	if (name[0] == '.' || !usbmsc_voli_join(path, sizeof path, b->parent, name) ||
	    strcmp(path, b->mount) == 0)
		return 0;
	return b->fn(b->ctx, path);
}

static int beside(const char *mount, int (*fn)(void *ctx, const char *path), void *ctx)
{
	char parent[USBMSC_DOOR_PATH_MAX];
	struct beside b = { mount, parent, fn, ctx };
	int v;

	if (!parent_of(mount, parent, sizeof parent))
		return 0;
	v = usbmsc_file_list_dir(parent, one_beside, &b);
	return v < 0 ? 0 : v;
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
