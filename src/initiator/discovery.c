/* Discovery of USB mass-storage interfaces (Linux: sysfs and the mount
 * table; nothing is opened). Elsewhere: "not supported on this system".
 *
 *   /sys/bus/usb/devices/1-2          the device: idVendor, serial, speed...
 *   /sys/bus/usb/devices/1-2:1.0      interface 0 of configuration 1
 *       host0/target0:0:0/0:0:0:0     a LUN: type, vendor, model, scsi_generic/sg0, block/sda
 *   /sys/bus/usb/devices/1-2:1.1      a sibling: the vendor interface (class ff/4d/56)
 *   /sys/class/block/sda1/holders/    dm/md devices stacked on a partition */
#include "usbmsc/discovery.h"
#include "usbmsc/doors.h"
#include "discovery_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if USBMSC_HAVE_LINUX

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#define DESCRIPTORS_MAX 65536
#define HOLDER_DEPTH 4

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

int usbmsc_disc_ctx_init(struct usbmsc_disc_ctx *ctx, const struct usbmsc_discover_opts *opts,
			 struct usbmsc_error *err)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->sysfs = usbmsc_os_sysfs_root(opts ? opts->sysfs_root : NULL);
	ctx->dev = env_or(opts ? opts->dev_root : NULL, "USBMSC_DEV_ROOT", "/dev");
	ctx->mountinfo = env_or(opts ? opts->mountinfo : NULL, "USBMSC_MOUNTINFO", NULL);
	return usbmsc_os_mounts_load(ctx->mountinfo, &ctx->mounts, &ctx->mount_count, err);
}

void usbmsc_disc_ctx_free(struct usbmsc_disc_ctx *ctx)
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

/* A message into a fixed field: cut short if it does not fit. */
static void textf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
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
static int mounts_of_block(const struct usbmsc_disc_ctx *ctx, const char *dir,
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
static int mounts_of_disk(const struct usbmsc_disc_ctx *ctx, const char *scsi_dir,
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

static int fill_lun(const struct usbmsc_disc_ctx *ctx, const char *scsi_dir, const char *hctl,
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

static int add_lun(const struct usbmsc_disc_ctx *ctx, const char *scsi_dir, const char *hctl,
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
	const struct usbmsc_disc_ctx *ctx;
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

int usbmsc_disc_interface(const struct usbmsc_disc_ctx *ctx, const char *ifname,
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

/* ---- which paths reach it ------------------------------------------------------- */

bool usbmsc_disc_kernel_bound(const struct usbmsc_device_info *info)
{
	return strcmp(info->driver, "usb-storage") == 0 || strcmp(info->driver, "uas") == 0;
}

/* Whether the process may read (and write) path; errno-style reason. */
static int node_access(const char *path, bool *writable)
{
	*writable = faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) == 0;
	if (*writable)
		return 0;
	if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0)
		return 0;
	return errno;
}

/* A device node as a door: its URI, and whether this process may open it
 * (label starts each reason). False with the reason set when it may not. */
static bool node_door(const char *label, const char *node, bool *writable,
		      struct usbmsc_path_info *p)
{
	int e;

	copy_str(p->uri, sizeof p->uri, node);
	e = node_access(node, writable);
	if (e == ENOENT) {
		textf(p->reason, sizeof p->reason, "%s: %s does not exist", label, node);
		return false;
	}
	if (e != 0) {
		textf(p->reason, sizeof p->reason,
			 "%s: permission denied on %s (run as root, or give your user access "
			 "with a udev rule)", label, node);
		return false;
	}
	return true;
}

static void decide_sgio(const struct usbmsc_device_info *info, struct usbmsc_path_info *p)
{
	const struct usbmsc_lun_info *lun = info->lun_count ? &info->luns[0] : NULL;
	const char *node;
	bool writable;

	if (!usbmsc_disc_kernel_bound(info)) {
		if (info->driver[0])
			textf(p->reason, sizeof p->reason,
				 "sgio: the interface is bound to %s, not to usb-storage or uas",
				 info->driver);
		else
			textf(p->reason, sizeof p->reason, "sgio: no kernel driver bound");
		return;
	}
	if (!lun) {
		textf(p->reason, sizeof p->reason,
			 "sgio: %s has no SCSI device (yet: the kernel may still be probing it)",
			 info->driver);
		return;
	}
	node = lun->sg_node[0] ? lun->sg_node : lun->block_node;
	if (!node[0]) {
		textf(p->reason, sizeof p->reason,
			 "sgio: no sg or block node for %s (load the sg module: modprobe sg)",
			 lun->scsi_address);
		return;
	}
	if (!node_door("sgio", node, &writable, p))
		return;
	p->usable = true;
	if (usbmsc_os_have_cap_sys_rawio())
		return;
	if (!writable)
		textf(p->reason, sizeof p->reason,
			 "sgio: read-only access to %s: only commands the kernel deems safe "
			 "(writes and vendor opcodes need write access)", node);
	else if (!lun->sg_node[0])
		textf(p->reason, sizeof p->reason,
			 "sgio: on a block node, WRITE BUFFER and vendor opcodes need "
			 "CAP_SYS_RAWIO (load sg for an sg node)");
}

size_t usbmsc_disc_mounts_text(const struct usbmsc_device_info *info, char *buf, size_t len)
{
	size_t i, j, at = 0, count = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < info->lun_count; i++) {
		for (j = 0; j < info->luns[i].mount_count; j++) {
			const struct usbmsc_mount_info *m = &info->luns[i].mounts[j];

			if (at < len)
				at += (size_t)snprintf(buf + at, len - at, "%s%s is mounted at %s",
						       count ? ", " : "", m->device,
						       m->mount_point);
			count++;
		}
	}
	if (count && at < len)
		snprintf(buf + at, len - at, "; unmount %s or pass --unmount",
			 count > 1 ? "them" : "it");
	return count;
}

static void decide_usb(const struct usbmsc_device_info *info, struct usbmsc_path_info *p)
{
	char mounts[USBMSC_ERRMSG_MAX];
	bool writable;
	int e;

	if (!USBMSC_HAVE_LIBUSB) {
		textf(p->reason, sizeof p->reason, "usb: usbmsc was built without libusb");
		return;
	}
	if (!info->has_bot) {
		if (info->has_uas)
			textf(p->reason, sizeof p->reason,
				 "usb: the interface speaks UAS only (protocol 0x62); raw access "
				 "needs Bulk-Only (0x50): use sgio");
		else
			textf(p->reason, sizeof p->reason,
				 "usb: protocol 0x%02x is not Bulk-Only (0x50)", info->protocol);
		return;
	}
	if (strcmp(info->driver, "usbfs") == 0) {
		textf(p->reason, sizeof p->reason,
			 "usb: interface %u of %s is claimed by another program",
			 info->interface_number, info->port_path);
		return;
	}
	e = node_access(info->usbfs_node, &writable);
	if (e == ENOENT) {
		textf(p->reason, sizeof p->reason, "usb: %s does not exist", info->usbfs_node);
		return;
	}
	if (e != 0 || !writable) {
		textf(p->reason, sizeof p->reason, "usb: permission denied on %s",
			 info->usbfs_node);
		return;
	}
	if (usbmsc_disc_mounts_text(info, mounts, sizeof mounts)) {
		textf(p->reason, sizeof p->reason, "usb: %s", mounts);
		return;
	}
	p->usable = true;
	if (usbmsc_disc_kernel_bound(info))
		textf(p->reason, sizeof p->reason, "usb: detaches %s while in use",
			 info->driver);
}

/* ---- the doors -------------------------------------------------------------------- */

/* The disk LUN: the first that is not a control LUN. */
static const struct usbmsc_lun_info *disk_lun(const struct usbmsc_device_info *info)
{
	for (size_t i = 0; i < info->lun_count; i++)
		if (info->luns[i].type != USBMSC_SCSI_TYPE_PROCESSOR)
			return &info->luns[i];
	return NULL;
}

static const struct usbmsc_lun_info *control_lun(const struct usbmsc_device_info *info)
{
	for (size_t i = 0; i < info->lun_count; i++)
		if (info->luns[i].type == USBMSC_SCSI_TYPE_PROCESSOR)
			return &info->luns[i];
	return NULL;
}

static void decide_vendor(const struct usbmsc_device_info *info, const char *selector,
			  struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(USBMSC_DOOR_VENDOR);
	bool writable;
	int e;

	if (!info->has_vendor_if) {
		textf(p->reason, sizeof p->reason, "%s: none on this device", l);
		return;
	}
	textf(p->uri, sizeof p->uri, "usbv:%s", selector);
	if (!USBMSC_HAVE_LIBUSB) {
		textf(p->reason, sizeof p->reason, "%s: usbmsc was built without libusb", l);
		return;
	}
	if (strcmp(info->vendor_if_driver, "usbfs") == 0) {
		textf(p->reason, sizeof p->reason,
			 "%s: interface %u of %s is claimed by another program", l,
			 info->vendor_if_number, info->port_path);
		return;
	}
	if (info->vendor_if_driver[0]) {
		textf(p->reason, sizeof p->reason,
			 "%s: bound to the kernel driver %s, which usbmsc does not detach", l,
			 info->vendor_if_driver);
		return;
	}
	e = node_access(info->usbfs_node, &writable);
	if (e == ENOENT) {
		textf(p->reason, sizeof p->reason, "%s: %s does not exist", l, info->usbfs_node);
		return;
	}
	if (e != 0 || !writable) {
		textf(p->reason, sizeof p->reason,
			 "%s: permission denied on %s (install the udev rule "
			 "data/udev/70-usbmsc.rules)", l, info->usbfs_node);
		return;
	}
	p->usable = true;
}

/* Why no LUN of the kernel's can be a door: "" when there are LUNs. */
static bool luns_known(const struct usbmsc_device_info *info, const char *label,
		       struct usbmsc_path_info *p)
{
	if (!usbmsc_disc_kernel_bound(info)) {
		textf(p->reason, sizeof p->reason, "%s: no kernel driver bound", label);
		return false;
	}
	if (!info->lun_count) {
		textf(p->reason, sizeof p->reason,
			 "%s: %s has no SCSI device (yet: the kernel may still be probing it)",
			 label, info->driver);
		return false;
	}
	return true;
}

/* A LUN's sg or block node as a door: false, with the reason, when it has
 * none or it cannot be opened. */
static bool lun_node_door(const char *l, const struct usbmsc_lun_info *lun, bool sg,
			  bool *writable, struct usbmsc_path_info *p)
{
	const char *node = sg ? lun->sg_node : lun->block_node;

	if (!node[0]) {
		textf(p->reason, sizeof p->reason, sg
			 ? "%s: no sg node for %s (load the sg module: modprobe sg)"
			 : "%s: no block node for %s", l, lun->scsi_address);
		return false;
	}
	return node_door(l, node, writable, p);
}

static void decide_control_lun(const struct usbmsc_device_info *info, struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(USBMSC_DOOR_CONTROL_LUN);
	const struct usbmsc_lun_info *lun;
	bool writable;

	if (!luns_known(info, l, p))
		return;
	lun = control_lun(info);
	if (!lun) {
		textf(p->reason, sizeof p->reason, "%s: none", l);
		return;
	}
	if (!lun_node_door(l, lun, true, &writable, p))
		return;
	/* Its commands are vendor commands: read-only sg access passes none. */
	if (!writable && !usbmsc_os_have_cap_sys_rawio()) {
		textf(p->reason, sizeof p->reason,
			 "%s: read-only access to %s: vendor commands need write access", l,
			 lun->sg_node);
		return;
	}
	p->usable = true;
}

static void decide_disk_node(const struct usbmsc_device_info *info, bool sg,
			     struct usbmsc_path_info *p)
{
	const char *l = usbmsc_door_label(sg ? USBMSC_DOOR_SG : USBMSC_DOOR_BLOCK);
	const struct usbmsc_lun_info *lun;
	const char *node;
	bool writable;

	if (!luns_known(info, l, p))
		return;
	lun = disk_lun(info);
	if (!lun) {
		textf(p->reason, sizeof p->reason, "%s: no disk LUN", l);
		return;
	}
	if (!lun_node_door(l, lun, sg, &writable, p))
		return;
	node = sg ? lun->sg_node : lun->block_node;
	p->usable = true;
	if (usbmsc_os_have_cap_sys_rawio())
		return;
	if (!writable)
		textf(p->reason, sizeof p->reason,
			 "%s: read-only access to %s: only commands the kernel deems safe "
			 "(writes and vendor opcodes need write access)", l, node);
	else if (!sg)
		textf(p->reason, sizeof p->reason,
			 "%s: on a block node, WRITE BUFFER and vendor opcodes need CAP_SYS_RAWIO", l);
}

static void decide_doors(struct usbmsc_device_info *info, const char *selector)
{
	struct usbmsc_path_info *d = info->doors;

	memset(d, 0, sizeof info->doors);
	decide_vendor(info, selector, &d[USBMSC_DOOR_VENDOR]);
	decide_control_lun(info, &d[USBMSC_DOOR_CONTROL_LUN]);
	decide_disk_node(info, true, &d[USBMSC_DOOR_SG]);
	decide_disk_node(info, false, &d[USBMSC_DOOR_BLOCK]);
	d[USBMSC_DOOR_USB] = info->usb;
}

/* "auto: SG_IO on /dev/sg0: the kernel driver is bound" and the like. */
static void decide_auto(const struct usbmsc_device_info *info, const char *selector,
			struct usbmsc_path_info *p)
{
	struct usbmsc_door_rank rank;
	const struct usbmsc_path_info *via;

	textf(p->uri, sizeof p->uri, "auto:%s", selector);
	usbmsc_doors_rank(info, &rank);
	if (rank.count == 0) {
		copy_str(p->reason, sizeof p->reason, info->doors[rank.fallback].reason);
		return;
	}
	p->usable = true;
	via = &info->doors[rank.order[0]];
	switch (rank.order[0]) {
	case USBMSC_DOOR_VENDOR:
		textf(p->reason, sizeof p->reason,
			 "auto: the vendor interface, %s: beside the mass-storage driver", via->uri);
		break;
	case USBMSC_DOOR_CONTROL_LUN:
		textf(p->reason, sizeof p->reason,
			 "auto: the control LUN, SG_IO on %s: the kernel driver is bound", via->uri);
		break;
	case USBMSC_DOOR_SG:
	case USBMSC_DOOR_BLOCK:
		textf(p->reason, sizeof p->reason, "auto: SG_IO on %s: the kernel driver is bound",
			 via->uri);
		break;
	default:
		textf(p->reason, sizeof p->reason, "auto: raw BOT, %s: %s", via->uri,
			 usbmsc_disc_kernel_bound(info) ? "sgio cannot be used"
			 : "no kernel driver is bound");
		break;
	}
}

static bool plain_serial(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* VID:PID:SERIAL when that names exactly one interface, else the port path. */
static void selector_of(const struct usbmsc_device_info *list, size_t count, size_t idx,
			char *buf, size_t len)
{
	const struct usbmsc_device_info *me = &list[idx];
	size_t i;

	if (plain_serial(me->serial)) {
		bool unique = true;

		for (i = 0; i < count; i++)
			if (i != idx && list[i].vid == me->vid && list[i].pid == me->pid &&
			    strcmp(list[i].serial, me->serial) == 0)
				unique = false;
		if (unique) {
			snprintf(buf, len, "%04x:%04x:%s", me->vid, me->pid, me->serial);
			return;
		}
	}
	copy_str(buf, len, me->port_path);
}

void usbmsc_disc_decide(struct usbmsc_device_info *list, size_t count, size_t idx)
{
	struct usbmsc_device_info *info = &list[idx];
	char sel[USBMSC_DISC_URI_MAX - 8];

	memset(&info->sgio, 0, sizeof info->sgio);
	memset(&info->usb, 0, sizeof info->usb);
	memset(&info->auto_path, 0, sizeof info->auto_path);
	selector_of(list, count, idx, sel, sizeof sel);
	textf(info->usb.uri, sizeof info->usb.uri, "usb:%s", sel);
	decide_sgio(info, &info->sgio);
	decide_usb(info, &info->usb);
	decide_doors(info, sel);
	decide_auto(info, sel, &info->auto_path);
}

/* ---- the list -------------------------------------------------------------------- */

static bool is_mass_storage_interface(const struct usbmsc_disc_ctx *ctx, const char *name)
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

/* Port path order (bus, then ports numerically), then interface number. */
static int cmp_info(const void *a, const void *b)
{
	const struct usbmsc_device_info *x = a, *y = b;
	struct usbmsc_usb_selector sx, sy;
	size_t i;

	if (usbmsc_usb_selector_parse(x->port_path, &sx, NULL) == 0 &&
	    usbmsc_usb_selector_parse(y->port_path, &sy, NULL) == 0 && sx.by_port && sy.by_port) {
		if (sx.bus != sy.bus)
			return sx.bus < sy.bus ? -1 : 1;
		for (i = 0; i < sx.port_count && i < sy.port_count; i++)
			if (sx.ports[i] != sy.ports[i])
				return sx.ports[i] < sy.ports[i] ? -1 : 1;
		if (sx.port_count != sy.port_count)
			return sx.port_count < sy.port_count ? -1 : 1;
	} else {
		int c = strcmp(x->port_path, y->port_path);

		if (c)
			return c;
	}
	return (int)x->interface_number - (int)y->interface_number;
}

int usbmsc_disc_collect(const struct usbmsc_disc_ctx *ctx, struct usbmsc_device_info **list,
			size_t *count, struct usbmsc_error *err)
{
	char dir[PATH_MAX];
	struct usbmsc_device_info *v = NULL;
	size_t n = 0, i;
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
		rc = usbmsc_disc_interface(ctx, e->d_name, &v[n], err);
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
	if (n > 1)
		qsort(v, n, sizeof v[0], cmp_info);
	for (i = 0; i < n; i++)
		usbmsc_disc_decide(v, n, i);
	*list = v;
	*count = n;
	return 0;
}

int usbmsc_discover_ex(const struct usbmsc_discover_opts *opts,
		       struct usbmsc_device_info **list, size_t *count,
		       struct usbmsc_error *err)
{
	struct usbmsc_disc_ctx ctx;
	int rc;

	*list = NULL;
	*count = 0;
	rc = usbmsc_disc_ctx_init(&ctx, opts, err);
	if (rc != 0)
		return rc;
	rc = usbmsc_disc_collect(&ctx, list, count, err);
	usbmsc_disc_ctx_free(&ctx);
	return rc;
}

#else /* !USBMSC_HAVE_LINUX */

int usbmsc_discover_ex(const struct usbmsc_discover_opts *opts,
		       struct usbmsc_device_info **list, size_t *count,
		       struct usbmsc_error *err)
{
	(void)opts;
	*list = NULL;
	*count = 0;
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "device discovery is not supported on this system");
}

#endif /* USBMSC_HAVE_LINUX */

int usbmsc_discover(struct usbmsc_device_info **list, size_t *count, struct usbmsc_error *err)
{
	return usbmsc_discover_ex(NULL, list, count, err);
}

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
