/* "vol:MOUNTPOINT": a file door's volume, mounted by the operating system
 * (doorvol.h). The handle carries the mount point for the firmware update
 * (fw_vol.c); it runs no SCSI command: the volume is all the host has of
 * the device, and a file copy all it can do with it. */
#include "device_internal.h"
#include "schemes.h"
#include "vol_internal.h"

#include <stdlib.h>
#include <string.h>

struct vol_transport {
	struct usbmsc_transport base;
	char path[USBMSC_DOOR_PATH_MAX];
};

static int vol_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		    struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct vol_transport *v = (struct vol_transport *)t;

	(void)cmd;
	res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "vol:%s is a file door's volume: it takes a firmware update (fw update, "
			   "fw info), no SCSI command ('usbmsc list' shows the device's other "
			   "doors)", v->path);
}

static int vol_max_lun(struct usbmsc_transport *t, uint8_t *max_lun, struct usbmsc_error *err)
{
	(void)t;
	(void)err;
	*max_lun = 0;
	return USBMSC_OK;
}

static void vol_close(struct usbmsc_transport *t)
{
	free(t);
}

static const struct usbmsc_transport_ops vol_ops = {
	.name = "vol",
	.exec = vol_exec,
	.max_lun = vol_max_lun,
	.close = vol_close,
};

/* The mount point as given, without trailing separators (but "/", "E:\"). */
static void trim(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && (p[n - 1] == '/' || p[n - 1] == '\\') && p[n - 2] != ':')
		p[--n] = '\0';
}

int usbmsc_vol_open(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err)
{
	struct usbmsc_door_volume vol;
	struct vol_transport *v;
	char path[USBMSC_DOOR_PATH_MAX];
	int rc;

	(void)opts;
	*out = NULL;
	if (!rest[0])
		return usbmsc_fail(err, USBMSC_E_USAGE, "'%s' names no mount point: vol:MOUNTPOINT, "
				   "the folder where the system mounted the device's file door", uri);
	if (strlen(rest) >= sizeof path)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the mount point of '%.64s...' is too long",
				   uri);
	strcpy(path, rest);
	trim(path);
	rc = usbmsc_door_volume_read(path, false, &vol, err);
	if (rc)
		return rc;
	v = calloc(1, sizeof *v);
	if (!v)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	v->base.ops = &vol_ops;
	strcpy(v->path, path);
	*out = &v->base;
	return USBMSC_OK;
}

const char *usbmsc_dev_door_volume(const struct usbmsc_dev *dev)
{
	struct usbmsc_transport *t = usbmsc_dev_transport(dev);

	return t && t->ops == &vol_ops ? ((struct vol_transport *)t)->path : NULL;
}

void usbmsc_voli_moved(struct usbmsc_dev *dev, const char *path)
{
	struct usbmsc_transport *t = usbmsc_dev_transport(dev);

	if (t && t->ops == &vol_ops && strlen(path) < sizeof ((struct vol_transport *)t)->path)
		strcpy(((struct vol_transport *)t)->path, path);
}
