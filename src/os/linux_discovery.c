/* The Linux backend's discovery: USB mass-storage interfaces from sysfs and
 * the mount table; nothing is opened, so it needs no privileges.
 *
 *   /sys/bus/usb/devices/1-2          the device: idVendor, serial, speed...
 *   /sys/bus/usb/devices/1-2:1.0      interface 0 of configuration 1
 *       host0/target0:0:0/0:0:0:0     a LUN: type, vendor, model, scsi_generic/sg0, block/sda
 *   /sys/bus/usb/devices/1-2:1.1      a sibling: the vendor interface (class ff/4d/56)
 *   /sys/class/block/sda1/holders/    dm/md devices stacked on a partition */
#include "usbmsc/discovery.h"
#include "usbmsc/doors.h"
#include "os_backend.h"
#include "usbmsc_os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DESCRIPTORS_MAX 65536
#define HOLDER_DEPTH 4

/* Where to look, and the mount table read once. */
struct disc_ctx {
	const char *sysfs;       /* sysfs root */
	const char *dev;         /* /dev */
	const char *mountinfo;   /* NULL: /proc/self/mountinfo */
	struct usbmsc_os_mount *mounts;
	size_t mount_count;
};

static const char *env_or(const char *given, const char *var, const char *fallback)
{
	const char *env;

	if (given && given[0] != '\0')
		return given;
	env = getenv(var);
	if (env && env[0] != '\0')
		return env;
	return fallback;
}

static int ctx_init(struct disc_ctx *ctx, const struct usbmsc_discover_opts *opts,
		    struct usbmsc_error *err)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->sysfs = usbmsc_os_sysfs_root(opts ? opts->sysfs_root : NULL);
	ctx->dev = env_or(opts ? opts->dev_root : NULL, "USBMSC_DEV_ROOT", "/dev");
	ctx->mountinfo = env_or(opts ? opts->mountinfo : NULL, "USBMSC_MOUNTINFO", NULL);
	return usbmsc_os_mounts_load(ctx->mountinfo, &ctx->mounts, &ctx->mount_count, err);
}

static void ctx_free(struct disc_ctx *ctx)
{
	usbmsc_os_mounts_free(ctx->mounts, ctx->mount_count);
	ctx->mounts = NULL;
	ctx->mount_count = 0;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;    /* reasons may be cut short; callers size paths */
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A path into a fixed field: empty rather than cut short. */
static void node_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
}

/* ---- mounts of one LUN ------------------------------------------------------ */

static int add_mount(struct usbmsc_lun_info *lun, const struct usbmsc_os_mount *m,
		     const char *block)
{
	struct usbmsc_mount_info *nv, *mi;

	nv = realloc(lun->mounts, (lun->mount_count + 1) * sizeof *nv);
	if (!nv)
		return -1;
	lun->mounts = nv;
	mi = &nv[lun->mount_count];
	memset(mi, 0, sizeof *mi);
	mi->device = strdup(m->source);
	mi->mount_point = strdup(m->target);
	mi->fstype = strdup(m->fstype);
	copy_str(mi->block, sizeof mi->block, block);
	if (!mi->device || !mi->mount_point || !mi->fstype) {
		free(mi->device);
		free(mi->mount_point);
		free(mi->fstype);
		return -1;
	}
	lun->mount_count++;
	return 0;
}

/* Every mount of block device name (a disk, partition or holder), then of
 * the devices stacked on it. */
static int mounts_of_block(const struct disc_ctx *ctx, const char *dir,
			   const char *name, struct usbmsc_lun_info *lun, int depth)
{
	char holders[PATH_MAX], hdir[PATH_MAX];
	unsigned major, minor;
	struct dirent *e;
	size_t i;
	DIR *d;

	if (usbmsc_os_read_devnum(dir, &major, &minor)) {
		for (i = 0; i < ctx->mount_count; i++) {
			const struct usbmsc_os_mount *m = &ctx->mounts[i];

			if (m->major == major && m->minor == minor && add_mount(lun, m, name) != 0)
				return -1;
		}
	}
	if (depth >= HOLDER_DEPTH ||
	    snprintf(holders, sizeof holders, "%s/holders", dir) >= (int)sizeof holders)
		return 0;
	d = opendir(holders);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(hdir, sizeof hdir, "%s/class/block/%s", ctx->sysfs, e->d_name) >=
		    (int)sizeof hdir)
			continue;
		if (mounts_of_block(ctx, hdir, e->d_name, lun, depth + 1) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/* The disk and its partitions (subdirectories with a "partition" file). */
static int mounts_of_disk(const struct disc_ctx *ctx, const char *scsi_dir,
			  const char *disk, struct usbmsc_lun_info *lun)
{
	char diskdir[PATH_MAX], part[PATH_MAX], num[16];
	struct dirent *e;
	DIR *d;

	if (snprintf(diskdir, sizeof diskdir, "%s/block/%s", scsi_dir, disk) >=
	    (int)sizeof diskdir)
		return 0;
	if (mounts_of_block(ctx, diskdir, disk, lun, 0) != 0)
		return -1;
	d = opendir(diskdir);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(part, sizeof part, "%s/%s", diskdir, e->d_name) >= (int)sizeof part)
			continue;
		if (usbmsc_os_read_attr(part, "partition", num, sizeof num) < 0)
			continue;
		if (mounts_of_block(ctx, part, e->d_name, lun, 0) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/* ---- LUNs of one interface ----------------------------------------------------- */

static int fill_lun(const struct disc_ctx *ctx, const char *scsi_dir, const char *hctl,
		    struct usbmsc_lun_info *lun)
{
	char sg[NAME_MAX + 1], blk[NAME_MAX + 1];
	unsigned long type;

	memset(lun, 0, sizeof *lun);
	usbmsc_os_parse_hctl(hctl, &lun->host, &lun->channel, &lun->target, &lun->lun);
	if (usbmsc_os_read_ulong(scsi_dir, "type", 10, &type) && type <= 0x1F)
		lun->type = (uint8_t)type;
	copy_str(lun->scsi_address, sizeof lun->scsi_address, hctl);
	usbmsc_os_read_attr(scsi_dir, "vendor", lun->vendor, sizeof lun->vendor);
	usbmsc_os_read_attr(scsi_dir, "model", lun->model, sizeof lun->model);
	usbmsc_os_read_attr(scsi_dir, "rev", lun->revision, sizeof lun->revision);
	usbmsc_os_scsi_nodes(scsi_dir, sg, sizeof sg, blk, sizeof blk);
	if (sg[0])
		node_path(lun->sg_node, sizeof lun->sg_node, ctx->dev, sg);
	if (blk[0]) {
		node_path(lun->block_node, sizeof lun->block_node, ctx->dev, blk);
		return mounts_of_disk(ctx, scsi_dir, blk, lun);
	}
	return 0;
}

static int cmp_lun(const void *a, const void *b)
{
	const struct usbmsc_lun_info *x = a, *y = b;

	if (x->lun != y->lun)
		return x->lun < y->lun ? -1 : 1;
	return strcmp(x->scsi_address, y->scsi_address);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int add_lun(const struct disc_ctx *ctx, const char *scsi_dir, const char *hctl,
		   struct usbmsc_device_info *info)
{
	struct usbmsc_lun_info *nv = realloc(info->luns, (info->lun_count + 1) * sizeof *nv);

	if (!nv)
		return -1;
	info->luns = nv;
	if (fill_lun(ctx, scsi_dir, hctl, &nv[info->lun_count]) != 0) {
		usbmsc_disc_lun_clear(&nv[info->lun_count]);
		return -1;
	}
	info->lun_count++;
	return 0;
}

/* dir's entries that start with prefix, each passed to fn. */
static int each_entry(const char *dir, const char *prefix,
		      int (*fn)(const char *path, const char *name, void *arg), void *arg)
{
	char path[PATH_MAX];
	struct dirent *e;
	int rc = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !has_prefix(e->d_name, prefix))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
			continue;
		rc = fn(path, e->d_name, arg);
	}
	closedir(d);
	return rc;
}

struct lun_walk {
	const struct disc_ctx *ctx;
	struct usbmsc_device_info *info;
};

static int on_scsi_dev(const char *path, const char *name, void *arg)
{
	struct lun_walk *w = arg;
	unsigned h, c, t;
	uint64_t l;

	if (!usbmsc_os_parse_hctl(name, &h, &c, &t, &l))
		return 0;
	return add_lun(w->ctx, path, name, w->info);
}

static int on_target(const char *path, const char *name, void *arg)
{
	(void)name;
	return each_entry(path, "", on_scsi_dev, arg);
}

static int on_host(const char *path, const char *name, void *arg)
{
	(void)name;
	return each_entry(path, "target", on_target, arg);
}

/* ---- one interface ------------------------------------------------------------ */

static void read_hex8(const char *dir, const char *name, uint8_t *out)
{
	unsigned long v;

	if (usbmsc_os_read_ulong(dir, name, 16, &v) && v <= 0xFF)
		*out = (uint8_t)v;
}

static void scan_alternates(const char *devdir, uint8_t config, struct usbmsc_device_info *info)
{
	struct usbmsc_os_iface_alts alts;
	char path[PATH_MAX];
	uint8_t *buf;
	ssize_t got;
	size_t len = 0;
	int fd;

	/* Without the raw descriptors, the current setting is all we know. */
	info->has_bot = info->protocol == USBMSC_USB_PROTOCOL_BOT;
	info->has_uas = info->protocol == USBMSC_USB_PROTOCOL_UAS;
	if (snprintf(path, sizeof path, "%s/descriptors", devdir) >= (int)sizeof path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf = malloc(DESCRIPTORS_MAX);
	while (buf && len < DESCRIPTORS_MAX) {
		got = read(fd, buf + len, DESCRIPTORS_MAX - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (buf) {
		usbmsc_os_scan_interface(buf, len, config, info->interface_number, &alts);
		if (alts.found && alts.mass_storage) {
			info->has_bot = alts.bot;
			info->has_uas = alts.uas;
		}
	}
	free(buf);
}

struct vendor_walk {
	struct usbmsc_device_info *info;
	const char *prefix;     /* "1-2:1." : interfaces of the active configuration */
};

/* A sibling interface that is the vendor interface (doors.h). */
static int on_sibling(const char *path, const char *name, void *arg)
{
	struct vendor_walk *w = arg;
	unsigned long cls, sub, proto;
	uint8_t num = 0;

	if (strncmp(name, w->prefix, strlen(w->prefix)) != 0 || w->info->has_vendor_if)
		return 0;
	if (!usbmsc_os_read_ulong(path, "bInterfaceClass", 16, &cls) ||
	    !usbmsc_os_read_ulong(path, "bInterfaceSubClass", 16, &sub) ||
	    !usbmsc_os_read_ulong(path, "bInterfaceProtocol", 16, &proto))
		return 0;
	if (cls != USBMSC_VND_IF_CLASS || sub != USBMSC_VND_IF_SUBCLASS ||
	    proto != USBMSC_VND_IF_PROTOCOL)
		return 0;
	read_hex8(path, "bInterfaceNumber", &num);
	w->info->has_vendor_if = true;
	w->info->vendor_if_number = num;
	usbmsc_os_link_name(path, "driver", w->info->vendor_if_driver,
			    sizeof w->info->vendor_if_driver);
	return 0;
}

static void find_vendor_interface(const char *devdir, const char *devname, uint8_t config,
				  struct usbmsc_device_info *info)
{
	char prefix[80];
	struct vendor_walk w = { info, prefix };

	snprintf(prefix, sizeof prefix, "%s:%u.", devname, (unsigned)config);
	each_entry(devdir, prefix, on_sibling, &w);
}

static int interface_of(const struct disc_ctx *ctx, const char *ifname,
			struct usbmsc_device_info *info, struct usbmsc_error *err)
{
	char devdir[PATH_MAX], ifdir[PATH_MAX], devname[64];
	const char *colon = strchr(ifname, ':');
	unsigned long v;
	uint8_t config = 1;
	struct lun_walk walk = { ctx, info };

	memset(info, 0, sizeof *info);
	if (!colon || (size_t)(colon - ifname) >= sizeof devname)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "'%s' is not a USB interface", ifname);
	memcpy(devname, ifname, (size_t)(colon - ifname));
	devname[colon - ifname] = '\0';
	snprintf(devdir, sizeof devdir, "%s/bus/usb/devices/%s", ctx->sysfs, devname);
	snprintf(ifdir, sizeof ifdir, "%s/bus/usb/devices/%s", ctx->sysfs, ifname);
	if (access(ifdir, F_OK) != 0)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "no USB interface %s in %s/bus/usb/devices",
				   ifname, ctx->sysfs);

	if (usbmsc_os_read_ulong(devdir, "idVendor", 16, &v))
		info->vid = (uint16_t)v;
	if (usbmsc_os_read_ulong(devdir, "idProduct", 16, &v))
		info->pid = (uint16_t)v;
	usbmsc_os_read_attr(devdir, "manufacturer", info->manufacturer, sizeof info->manufacturer);
	usbmsc_os_read_attr(devdir, "product", info->product, sizeof info->product);
	usbmsc_os_read_attr(devdir, "serial", info->serial, sizeof info->serial);
	usbmsc_os_read_attr(devdir, "speed", info->speed, sizeof info->speed);
	if (usbmsc_os_read_ulong(devdir, "busnum", 10, &v))
		info->bus = (uint8_t)v;
	if (usbmsc_os_read_ulong(devdir, "devnum", 10, &v))
		info->address = (uint8_t)v;
	if (usbmsc_os_read_ulong(devdir, "bConfigurationValue", 10, &v))
		config = (uint8_t)v;
	copy_str(info->port_path, sizeof info->port_path, devname);
	snprintf(info->usbfs_node, sizeof info->usbfs_node, "%s/bus/usb/%03u/%03u", ctx->dev,
		 (unsigned)info->bus, (unsigned)info->address);

	read_hex8(ifdir, "bInterfaceNumber", &info->interface_number);
	read_hex8(ifdir, "bInterfaceSubClass", &info->subclass);
	read_hex8(ifdir, "bInterfaceProtocol", &info->protocol);
	usbmsc_os_link_name(ifdir, "driver", info->driver, sizeof info->driver);
	scan_alternates(devdir, config, info);
	find_vendor_interface(devdir, devname, config, info);

	if (each_entry(ifdir, "host", on_host, &walk) != 0) {
		usbmsc_disc_info_clear(info);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	if (info->lun_count > 1)
		qsort(info->luns, info->lun_count, sizeof info->luns[0], cmp_lun);
	return 0;
}

static bool is_mass_storage_interface(const struct disc_ctx *ctx, const char *name)
{
	char dir[PATH_MAX];
	unsigned long cls;

	if (!strchr(name, ':'))
		return false;
	if (snprintf(dir, sizeof dir, "%s/bus/usb/devices/%s", ctx->sysfs, name) >=
	    (int)sizeof dir)
		return false;
	return usbmsc_os_read_ulong(dir, "bInterfaceClass", 16, &cls) && cls == 0x08;
}

/* Every mass-storage interface, in directory order. */
static int collect(const struct disc_ctx *ctx, struct usbmsc_device_info **list, size_t *count,
		   struct usbmsc_error *err)
{
	char dir[PATH_MAX];
	struct usbmsc_device_info *v = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	*list = NULL;
	*count = 0;
	snprintf(dir, sizeof dir, "%s/bus/usb/devices", ctx->sysfs);
	d = opendir(dir);
	if (!d && errno == ENOENT && access(ctx->sysfs, F_OK) == 0)
		return 0;       /* a system without USB has no USB devices */
	if (!d)
		return usbmsc_fail(err, USBMSC_E_OTHER, "cannot list %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct usbmsc_device_info *nv;

		if (!is_mass_storage_interface(ctx, e->d_name))
			continue;
		nv = realloc(v, (n + 1) * sizeof *nv);
		if (!nv) {
			rc = usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
			break;
		}
		v = nv;
		rc = interface_of(ctx, e->d_name, &v[n], err);
		if (rc == USBMSC_E_NO_DEVICE) {
			rc = 0;         /* unplugged while we looked */
			continue;
		}
		if (rc != 0)
			break;
		n++;
	}
	closedir(d);
	if (rc != 0) {
		usbmsc_discover_free(v, n);
		return rc;
	}
	*list = v;
	*count = n;
	return 0;
}

int usbmsc_linux_discover(const struct usbmsc_discover_opts *opts,
			  struct usbmsc_device_info **list, size_t *count, struct usbmsc_error *err)
{
	struct disc_ctx ctx;
	int rc;

	*list = NULL;
	*count = 0;
	rc = ctx_init(&ctx, opts, err);
	if (rc != 0)
		return rc;
	rc = collect(&ctx, list, count, err);
	ctx_free(&ctx);
	return rc;
}

int usbmsc_linux_interface(const char *port, uint8_t config, uint8_t ifnum,
			   struct usbmsc_device_info *info, struct usbmsc_error *err)
{
	struct disc_ctx ctx;
	char ifname[64];
	int rc;

	memset(info, 0, sizeof *info);
	rc = ctx_init(&ctx, NULL, err);
	if (rc != 0)
		return rc;
	snprintf(ifname, sizeof ifname, "%s:%u.%u", port, (unsigned)config, (unsigned)ifnum);
	rc = interface_of(&ctx, ifname, info, err);
	ctx_free(&ctx);
	return rc;
}
