/* Discovery and the SG_IO sysfs lookups against a fake sysfs tree built in
 * a temporary directory, laid out as Linux lays it out:
 *
 *   devices/usb/1-2                          idVendor, serial, speed, descriptors...
 *   devices/usb/1-2/1-2:1.0                  bInterfaceClass, driver -> bus/usb/drivers/X
 *       host0/target0:0:0/0:0:0:0            vendor, model, rev
 *           scsi_generic/sg0                 dev, device -> ../../../0:0:0:0
 *           block/sda                        dev, queue/, device -> ..., sda1/partition
 *   bus/usb/devices/NAME -> devices/usb/...  class/block/NAME, dev/{char,block}/M:m
 *
 * Devices:
 *   1-2     1d6b:0104 "LABMSC1"  usb-storage, LUN 0 (sg0, sda: sda1 mounted,
 *                                dm-0 on sda1 mounted), LUN 1 (sg1, sdb)
 *   1-3     0bda:9210            uas bound, UAS-only descriptors, no LUN yet
 *   1-4     0781:5581 "DUP"      no driver
 *   1-6     0781:5581 "DUP"      no driver, no usbfs node
 *   1-10    174c:55aa "UAS1"     uas bound, BOT + UAS settings, LUN 0 block only (sdc)
 *   2-1.4   0781:5583            no driver, no serial
 *   plus a hub interface and a HID interface that are not mass storage.
 *
 * A second tree for the side doors (build_doors_tree):
 *   3-1     1209:0001 "DOORS1"   usb-storage, LUN 0 disk (sg4, sde: sde1 mounted),
 *                                LUN 1 control LUN (type 3, sg5), vendor interface 1 free
 *   3-2     1209:0001 "DOORS2"   usb-storage, LUN 0 disk (sg6, sdf), LUN 1 control LUN
 *                                (sg7), vendor interface 2 claimed by a program (usbfs)
 *   3-3     1209:0002 "DOORS3"   no driver on mass storage, vendor interface bound to foo
 *   3-4     0781:5590 "PLAIN"    usb-storage, LUN 0 disk (sg8, sdh), no doors */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usbmsc/discovery.h"
#include "usbmsc_config.h"
#include "../../src/os/usbmsc_os.h"
#include "../../src/initiator/door_rank.h"
#include "../../src/initiator/schemes.h"

static char root[PATH_MAX];     /* the fake tree: ROOT/sys, ROOT/dev, ROOT/mountinfo */
static char sys[PATH_MAX], dev[PATH_MAX], mountinfo[PATH_MAX];

/* snprintf for paths that always fit in the test's buffers. */
static void pathf(char *buf, size_t len, const char *fmt, ...)
	USBMSC_PRINTF(3, 4);

static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_true((size_t)vsnprintf(buf, len, fmt, ap) < len);
	va_end(ap);
}

/* ---- building the tree ---------------------------------------------------------- */

static void vpath(char *out, const char *fmt, va_list ap)
{
	char rel[PATH_MAX];

	vsnprintf(rel, sizeof rel, fmt, ap);
	pathf(out, PATH_MAX, "%s/%s", root, rel);
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	pathf(tmp, sizeof tmp, "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

static void mk(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vpath(path, fmt, ap);
	va_end(ap);
	mkdirs(path);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	pathf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* wr(content, fmt, ...): ROOT/<fmt> holds content plus a newline. */
static void wr(const char *content, const char *fmt, ...)
{
	char path[PATH_MAX], text[512];
	va_list ap;

	va_start(ap, fmt);
	vpath(path, fmt, ap);
	va_end(ap);
	pathf(text, sizeof text, "%s\n", content);
	write_bytes(path, text, strlen(text));
}

/* ln(target, fmt, ...): ROOT/<fmt> -> ROOT/<target>. */
static void ln(const char *target, const char *fmt, ...)
{
	char path[PATH_MAX], abs_target[PATH_MAX], dir[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vpath(path, fmt, ap);
	va_end(ap);
	pathf(abs_target, sizeof abs_target, "%s/%s", root, target);
	pathf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	assert_int_equal(symlink(abs_target, path), 0);
}

static size_t descriptors(uint8_t *buf, bool bot, bool uas)
{
	static const uint8_t device_desc[18] = {
		18, 1, 0x00, 0x02, 0, 0, 0, 64, 0, 0, 0, 0, 0, 1, 1, 2, 3, 1,
	};
	size_t at = sizeof device_desc, start;
	uint8_t alt = 0;

	memcpy(buf, device_desc, sizeof device_desc);
	start = at;
	memcpy(buf + at, (uint8_t[]){ 9, 2, 0, 0, 1, 1, 0, 0x80, 50 }, 9);
	at += 9;
	if (bot) {
		memcpy(buf + at, (uint8_t[]){ 9, 4, 0, alt++, 2, 8, 6, 0x50, 0 }, 9);
		at += 9;
	}
	if (uas) {
		memcpy(buf + at, (uint8_t[]){ 9, 4, 0, alt, 4, 8, 6, 0x62, 0 }, 9);
		at += 9;
	}
	buf[start + 2] = (uint8_t)(at - start);
	return at;
}

static void usb_device(const char *name, const char *vid, const char *pid, const char *serial,
		       const char *speed, int bus, int devnum, bool bot, bool uas, bool usbfs_node)
{
	uint8_t desc[128];
	char path[PATH_MAX], num[16];
	size_t len = descriptors(desc, bot, uas);

	pathf(path, sizeof path, "sys/devices/usb/%s", name);
	mk("%s", path);
	ln(path, "sys/bus/usb/devices/%s", name);
	wr(vid, "sys/devices/usb/%s/idVendor", name);
	wr(pid, "sys/devices/usb/%s/idProduct", name);
	wr("usbmsc-test", "sys/devices/usb/%s/manufacturer", name);
	wr("Test Disk", "sys/devices/usb/%s/product", name);
	if (serial)
		wr(serial, "sys/devices/usb/%s/serial", name);
	wr(speed, "sys/devices/usb/%s/speed", name);
	pathf(num, sizeof num, "%d", bus);
	wr(num, "sys/devices/usb/%s/busnum", name);
	pathf(num, sizeof num, "%d", devnum);
	wr(num, "sys/devices/usb/%s/devnum", name);
	wr("1", "sys/devices/usb/%s/bConfigurationValue", name);
	pathf(path, sizeof path, "%s/sys/devices/usb/%s/descriptors", root, name);
	write_bytes(path, desc, len);
	if (usbfs_node) {
		pathf(path, sizeof path, "%s/dev/bus/usb/%03d/%03d", root, bus, devnum);
		write_bytes(path, "", 0);
		chmod(path, 0664);
	}
}

static void usb_interface(const char *dev_name, const char *cls, const char *proto)
{
	char target[PATH_MAX];

	pathf(target, sizeof target, "sys/devices/usb/%s/%s:1.0", dev_name, dev_name);
	mk("%s", target);
	ln(target, "sys/bus/usb/devices/%s:1.0", dev_name);
	wr(cls, "%s/bInterfaceClass", target);
	wr("06", "%s/bInterfaceSubClass", target);
	wr(proto, "%s/bInterfaceProtocol", target);
	wr("00", "%s/bInterfaceNumber", target);
}

/* interface -> bus/usb/drivers/DRIVER, as the driver core links it. */
static void driver_link(const char *dev_name, const char *driver)
{
	char target[PATH_MAX];

	pathf(target, sizeof target, "sys/bus/usb/drivers/%s", driver);
	mk("%s", target);
	ln(target, "sys/devices/usb/%s/%s:1.0/driver", dev_name, dev_name);
}

/* A LUN with an sg node (sg may be NULL) and a disk (disk may be NULL). */
static void lun(const char *dev_name, int host, const char *hctl, const char *sg, int sg_minor,
		const char *disk, int disk_minor, unsigned hw_kb, unsigned segments)
{
	char sdir[PATH_MAX], node[PATH_MAX], num[32];

	pathf(sdir, sizeof sdir, "sys/devices/usb/%s/%s:1.0/host%d/target%d:0:0/%s", dev_name,
		 dev_name, host, host, hctl);
	mk("%s", sdir);
	wr("Linux", "%s/vendor", sdir);
	wr("File-Stor Gadget", "%s/model", sdir);
	wr("0601", "%s/rev", sdir);
	if (sg) {
		pathf(num, sizeof num, "21:%d", sg_minor);
		wr(num, "%s/scsi_generic/%s/dev", sdir, sg);
		ln(sdir, "%s/scsi_generic/%s/device", sdir, sg);
		pathf(node, sizeof node, "%s/scsi_generic/%s", sdir, sg);
		ln(node, "sys/dev/char/%s", num);
		pathf(node, sizeof node, "%s/dev/%s", root, sg);
		write_bytes(node, "", 0);
		chmod(node, 0660);
	}
	if (disk) {
		pathf(num, sizeof num, "8:%d", disk_minor);
		wr(num, "%s/block/%s/dev", sdir, disk);
		ln(sdir, "%s/block/%s/device", sdir, disk);
		pathf(num, sizeof num, "%u", hw_kb);
		wr(num, "%s/block/%s/queue/max_hw_sectors_kb", sdir, disk);
		pathf(num, sizeof num, "%u", segments);
		wr(num, "%s/block/%s/queue/max_segments", sdir, disk);
		pathf(node, sizeof node, "%s/block/%s", sdir, disk);
		pathf(num, sizeof num, "8:%d", disk_minor);
		ln(node, "sys/dev/block/%s", num);
		ln(node, "sys/class/block/%s", disk);
		pathf(node, sizeof node, "%s/dev/%s", root, disk);
		write_bytes(node, "", 0);
		chmod(node, 0660);
	}
}

static void partition(const char *dev_name, int host, const char *hctl, const char *disk,
		      const char *part, int minor)
{
	char pdir[PATH_MAX], num[16];

	pathf(pdir, sizeof pdir, "sys/devices/usb/%s/%s:1.0/host%d/target%d:0:0/%s/block/%s/%s",
		 dev_name, dev_name, host, host, hctl, disk, part);
	pathf(num, sizeof num, "8:%d", minor);
	wr(num, "%s/dev", pdir);
	wr("1", "%s/partition", pdir);
	ln(pdir, "sys/dev/block/%s", num);
	ln(pdir, "sys/class/block/%s", part);
}

static void build_tree(void)
{
	char pdir[PATH_MAX];

	/* LABMSC1 at 1-2: usb-storage, two LUNs, sda1 and dm-0 on it mounted. */
	usb_device("1-2", "1d6b", "0104", "LABMSC1", "480", 1, 3, true, false, true);
	usb_interface("1-2", "08", "50");
	driver_link("1-2", "usb-storage");
	lun("1-2", 0, "0:0:0:0", "sg0", 0, "sda", 0, 120, 2048);
	lun("1-2", 0, "0:0:0:1", "sg1", 1, "sdb", 16, 1024, 64);
	partition("1-2", 0, "0:0:0:0", "sda", "sda1", 1);
	wr("254:0", "sys/devices/virtual/block/dm-0/dev");
	ln("sys/devices/virtual/block/dm-0", "sys/class/block/dm-0");
	pathf(pdir, sizeof pdir,
		 "sys/devices/usb/1-2/1-2:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda1/holders/dm-0");
	ln("sys/devices/virtual/block/dm-0", "%s", pdir);

	/* 1-3: UAS only, uas bound, still probing. */
	usb_device("1-3", "0bda", "9210", "UASONLY", "5000", 1, 8, false, true, true);
	usb_interface("1-3", "08", "62");
	driver_link("1-3", "uas");

	/* 1-4 and 1-6: same IDs and serial, no driver; 1-6 has no usbfs node. */
	usb_device("1-4", "0781", "5581", "DUP", "480", 1, 9, true, false, true);
	usb_interface("1-4", "08", "50");
	usb_device("1-6", "0781", "5581", "DUP", "480", 1, 10, true, false, false);
	usb_interface("1-6", "08", "50");

	/* 1-10: uas bound, BOT + UAS settings, a block node but no sg. */
	usb_device("1-10", "174c", "55aa", "UAS1", "5000", 1, 11, true, true, true);
	usb_interface("1-10", "08", "62");
	driver_link("1-10", "uas");
	lun("1-10", 1, "1:0:0:0", NULL, 0, "sdc", 32, 1024, 168);

	/* 2-1.4: no serial. */
	usb_device("2-1.4", "0781", "5583", NULL, "12", 2, 5, true, false, true);
	usb_interface("2-1.4", "08", "50");

	/* Not mass storage: a hub and a keyboard. */
	usb_device("1-5", "046d", "c31c", NULL, "1.5", 1, 4, false, false, true);
	usb_interface("1-5", "03", "01");
	mk("sys/devices/usb/usb1/1-0:1.0");
	ln("sys/devices/usb/usb1/1-0:1.0", "sys/bus/usb/devices/1-0:1.0");
	wr("09", "sys/devices/usb/usb1/1-0:1.0/bInterfaceClass");
	ln("sys/devices/usb/usb1", "sys/bus/usb/devices/usb1");

	wr("1 0 0:1 / / rw - rootfs rootfs rw\n"
	   "30 1 8:1 / /media/my\\040stick rw,relatime shared:1 - vfat /dev/sda1 rw\n"
	   "31 1 254:0 / /data rw - ext4 /dev/mapper/secret rw\n"
	   "32 1 8:33 / /elsewhere rw - ext4 /dev/other rw",
	   "mountinfo");
}

/* The raw-USB paths and the vendor interface need libusb: without it they
 * say so instead, and the tests that open them are skipped. */
#define NEEDS_LIBUSB()                  \
	do {                            \
		if (!USBMSC_HAVE_LIBUSB) \
			skip();         \
	} while (0)

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	pathf(root, sizeof root, "%s/usbmsc-sysfs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);      /* readable by the unprivileged child below */
	pathf(sys, sizeof sys, "%s/sys", root);
	pathf(dev, sizeof dev, "%s/dev", root);
	pathf(mountinfo, sizeof mountinfo, "%s/mountinfo", root);
	build_tree();
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	pathf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- discovery ------------------------------------------------------------------ */

static const struct usbmsc_device_info *find(const struct usbmsc_device_info *list, size_t n,
					     const char *port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].port_path, port) == 0)
			return &list[i];
	return NULL;
}

static void discover(struct usbmsc_device_info **list, size_t *n)
{
	struct usbmsc_discover_opts opts = { sys, dev, mountinfo };
	struct usbmsc_error err = { 0, "" };

	assert_int_equal(usbmsc_discover_ex(&opts, list, n, &err), 0);
}

static void test_lists_mass_storage_sorted(void **state)
{
	static const char *order[] = { "1-2", "1-3", "1-4", "1-6", "1-10", "2-1.4" };
	struct usbmsc_device_info *list;
	size_t n, i;

	(void)state;
	discover(&list, &n);
	assert_int_equal(n, 6);     /* the hub and the keyboard are not listed */
	for (i = 0; i < n; i++)
		assert_string_equal(list[i].port_path, order[i]);   /* 1-10 after 1-6 */
	usbmsc_discover_free(list, n);
}

static void test_device_fields(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	size_t n;

	(void)state;
	discover(&list, &n);
	d = find(list, n, "1-2");
	assert_non_null(d);
	assert_int_equal(d->vid, 0x1d6b);
	assert_int_equal(d->pid, 0x0104);
	assert_string_equal(d->manufacturer, "usbmsc-test");
	assert_string_equal(d->product, "Test Disk");
	assert_string_equal(d->serial, "LABMSC1");
	assert_string_equal(d->speed, "480");
	assert_int_equal(d->bus, 1);
	assert_int_equal(d->address, 3);
	assert_int_equal(d->interface_number, 0);
	assert_int_equal(d->subclass, 6);
	assert_int_equal(d->protocol, 0x50);
	assert_true(d->has_bot);
	assert_false(d->has_uas);
	assert_string_equal(d->driver, "usb-storage");
	assert_true(strstr(d->usbfs_node, "/dev/bus/usb/001/003") != NULL);
	usbmsc_discover_free(list, n);
}

static void test_luns_nodes_and_mounts(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	const struct usbmsc_lun_info *l0, *l1;
	char want[PATH_MAX];
	size_t n;

	(void)state;
	discover(&list, &n);
	d = find(list, n, "1-2");
	assert_int_equal(d->lun_count, 2);
	l0 = &d->luns[0];
	l1 = &d->luns[1];
	assert_string_equal(l0->scsi_address, "0:0:0:0");
	assert_int_equal(l1->lun, 1);
	assert_string_equal(l0->vendor, "Linux");
	assert_string_equal(l0->model, "File-Stor Gadget");
	assert_string_equal(l0->revision, "0601");
	pathf(want, sizeof want, "%s/sg0", dev);
	assert_string_equal(l0->sg_node, want);
	pathf(want, sizeof want, "%s/sda", dev);
	assert_string_equal(l0->block_node, want);
	pathf(want, sizeof want, "%s/sdb", dev);
	assert_string_equal(l1->block_node, want);

	/* sda1 by its device number, and dm-0 stacked on it; nothing on sdb. */
	assert_int_equal(l0->mount_count, 2);
	assert_string_equal(l0->mounts[0].device, "/dev/sda1");
	assert_string_equal(l0->mounts[0].mount_point, "/media/my stick");
	assert_string_equal(l0->mounts[0].fstype, "vfat");
	assert_string_equal(l0->mounts[0].block, "sda1");
	assert_string_equal(l0->mounts[1].device, "/dev/mapper/secret");
	assert_string_equal(l0->mounts[1].mount_point, "/data");
	assert_string_equal(l0->mounts[1].block, "dm-0");
	assert_int_equal(l1->mount_count, 0);
	usbmsc_discover_free(list, n);
}

static void test_paths_mounted_device(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	char want[PATH_MAX];
	size_t n;

	(void)state;
	NEEDS_LIBUSB();
	discover(&list, &n);
	d = find(list, n, "1-2");
	pathf(want, sizeof want, "%s/sg0", dev);
	assert_true(d->sgio.usable);
	assert_string_equal(d->sgio.uri, want);
	assert_false(d->usb.usable);
	assert_string_equal(d->usb.uri, "usb:1d6b:0104:LABMSC1");
	assert_string_equal(d->usb.reason,
			    "usb: /dev/sda1 is mounted at /media/my stick, /dev/mapper/secret is "
			    "mounted at /data; unmount them or pass --unmount");
	assert_true(d->auto_path.usable);
	assert_string_equal(d->auto_path.uri, "auto:1d6b:0104:LABMSC1");
	pathf(want, sizeof want, "auto: SG_IO on %s/sg0: the kernel driver is bound", dev);
	assert_string_equal(d->auto_path.reason, want);
	usbmsc_discover_free(list, n);
}

static void test_paths_uas(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	char want[PATH_MAX];
	size_t n;

	(void)state;
	NEEDS_LIBUSB();
	discover(&list, &n);
	/* UAS only and still probing: no path at all, each says why. */
	d = find(list, n, "1-3");
	assert_false(d->has_bot);
	assert_true(d->has_uas);
	assert_false(d->sgio.usable);
	assert_non_null(strstr(d->sgio.reason, "no SCSI device"));
	assert_false(d->usb.usable);
	assert_non_null(strstr(d->usb.reason, "UAS only"));
	assert_false(d->auto_path.usable);

	/* uas bound, but a Bulk-Only setting exists: both paths; SG_IO through
	 * the block node because there is no sg node. */
	d = find(list, n, "1-10");
	assert_int_equal(d->protocol, 0x62);
	assert_true(d->has_bot);
	assert_true(d->has_uas);
	assert_string_equal(d->driver, "uas");
	pathf(want, sizeof want, "%s/sdc", dev);
	assert_true(d->sgio.usable);
	assert_string_equal(d->sgio.uri, want);
	assert_true(d->usb.usable);
	assert_string_equal(d->usb.reason, "usb: detaches uas while in use");
	usbmsc_discover_free(list, n);
}

static void test_paths_unbound(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	size_t n;

	(void)state;
	NEEDS_LIBUSB();
	discover(&list, &n);
	/* The same VID:PID:SERIAL twice: each is named by its port instead. */
	d = find(list, n, "1-4");
	assert_false(d->sgio.usable);
	assert_string_equal(d->sgio.reason, "sgio: no kernel driver bound");
	assert_true(d->usb.usable);
	assert_string_equal(d->usb.uri, "usb:1-4");
	assert_string_equal(d->usb.reason, "");
	assert_true(d->auto_path.usable);
	assert_string_equal(d->auto_path.uri, "auto:1-4");
	assert_string_equal(d->auto_path.reason, "auto: raw BOT, usb:1-4: no kernel driver is bound");

	d = find(list, n, "1-6");
	assert_string_equal(d->usb.uri, "usb:1-6");
	assert_false(d->usb.usable);
	assert_non_null(strstr(d->usb.reason, "/dev/bus/usb/001/010 does not exist"));

	/* No serial: the port path. */
	d = find(list, n, "2-1.4");
	assert_string_equal(d->usb.uri, "usb:2-1.4");
	assert_string_equal(d->speed, "12");
	usbmsc_discover_free(list, n);
}

static void test_environment_root(void **state)
{
	struct usbmsc_device_info *list;
	struct usbmsc_error err = { 0, "" };
	size_t n;

	(void)state;
	setenv("USBMSC_SYSFS_ROOT", sys, 1);
	setenv("USBMSC_DEV_ROOT", dev, 1);
	setenv("USBMSC_MOUNTINFO", mountinfo, 1);
	assert_int_equal(usbmsc_discover(&list, &n, &err), 0);
	unsetenv("USBMSC_SYSFS_ROOT");
	unsetenv("USBMSC_DEV_ROOT");
	unsetenv("USBMSC_MOUNTINFO");
	assert_int_equal(n, 6);
	assert_int_equal(find(list, n, "1-2")->luns[0].mount_count, 2);
	usbmsc_discover_free(list, n);
}

static void test_missing_tree(void **state)
{
	char nowhere[PATH_MAX];
	struct usbmsc_discover_opts opts = { nowhere, dev, mountinfo };
	struct usbmsc_device_info *list = (void *)1;
	struct usbmsc_error err = { 0, "" };
	size_t n = 99;

	(void)state;
	pathf(nowhere, sizeof nowhere, "%s/nothing", root);
	assert_int_equal(usbmsc_discover_ex(&opts, &list, &n, &err), USBMSC_E_OTHER);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, nowhere));
	/* A sysfs without USB: nothing to list, and no error. */
	opts.sysfs_root = dev;
	list = (void *)1;
	assert_int_equal(usbmsc_discover_ex(&opts, &list, &n, &err), 0);
	assert_null(list);
	assert_int_equal(n, 0);
	/* An unreadable mount table fails: the mounts are the point. */
	opts.sysfs_root = sys;
	opts.mountinfo = nowhere;
	assert_int_equal(usbmsc_discover_ex(&opts, &list, &n, &err), USBMSC_E_OTHER);
}

/* Without privileges (a child process as nobody when the test runs as
 * root), nodes the process may not open are reported as such. */
static void test_permissions(void **state)
{
	char node[PATH_MAX];
	pid_t pid;
	int status;

	(void)state;
	NEEDS_LIBUSB();
	pathf(node, sizeof node, "%s/sg0", dev);
	chmod(node, 0600);
	pathf(node, sizeof node, "%s/bus/usb/001/009", dev);
	chmod(node, 0644);
	/* 1-10: its disk node closed, its usbfs node open to all. */
	pathf(node, sizeof node, "%s/sdc", dev);
	chmod(node, 0600);
	pathf(node, sizeof node, "%s/bus/usb/001/011", dev);
	chmod(node, 0666);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct usbmsc_discover_opts opts = { sys, dev, mountinfo };
		struct usbmsc_device_info *list;
		const struct usbmsc_device_info *d;
		struct usbmsc_error err;
		bool was_root = geteuid() == 0;
		size_t n;

		if (was_root && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(10);
		if (!was_root) {
			/* As the owner, mode 0600 still lets us in: take it all away. */
			pathf(node, sizeof node, "%s/sg0", dev);
			chmod(node, 0);
			pathf(node, sizeof node, "%s/sdc", dev);
			chmod(node, 0);
		}
		if (usbmsc_discover_ex(&opts, &list, &n, &err) != 0)
			_exit(11);
		d = find(list, n, "1-2");
		if (!d || d->sgio.usable || !strstr(d->sgio.reason, "permission denied on"))
			_exit(12);
		/* The owner may write a 0644 node: only nobody is refused. */
		d = find(list, n, "1-4");
		if (was_root && (!d || d->usb.usable ||
				 !strstr(d->usb.reason, "usb: permission denied on") ||
				 !strstr(d->usb.reason, "/bus/usb/001/009")))
			_exit(13);
		/* Bound, SG_IO refused, raw BOT open: auto takes raw BOT. */
		d = find(list, n, "1-10");
		if (!d || d->sgio.usable || !d->usb.usable ||
		    strcmp(d->auto_path.reason,
			   "auto: raw BOT, usb:174c:55aa:UAS1: sgio cannot be used") != 0)
			_exit(14);
		usbmsc_discover_free(list, n);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	pathf(node, sizeof node, "%s/sg0", dev);
	chmod(node, 0660);
	pathf(node, sizeof node, "%s/bus/usb/001/009", dev);
	chmod(node, 0664);
	pathf(node, sizeof node, "%s/sdc", dev);
	chmod(node, 0660);
	pathf(node, sizeof node, "%s/bus/usb/001/011", dev);
	chmod(node, 0664);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- auto: the choice, against the fake tree --------------------------------------- */

static char notes[1024];

static void note_trace(void *ctx, enum usbmsc_trace_kind kind, const char *text,
		       const uint8_t *bytes, size_t len)
{
	(void)ctx;
	(void)bytes;
	(void)len;
	if (kind == USBMSC_TRACE_NOTE && strlen(notes) + strlen(text) + 2 < sizeof notes) {
		strcat(notes, text);
		strcat(notes, "\n");
	}
}

static int auto_open(const char *spec, struct usbmsc_error *err)
{
	struct usbmsc_open_opts opts = { 0, { note_trace, NULL }, false };
	struct usbmsc_transport *t = (void *)1;
	char uri[64];
	int rc;

	notes[0] = '\0';
	memset(err, 0, sizeof *err);
	pathf(uri, sizeof uri, "auto:%s", spec);
	setenv("USBMSC_SYSFS_ROOT", sys, 1);
	setenv("USBMSC_DEV_ROOT", dev, 1);
	setenv("USBMSC_MOUNTINFO", mountinfo, 1);
	rc = usbmsc_auto_open(uri, spec, &opts, &t, err);
	unsetenv("USBMSC_SYSFS_ROOT");
	unsetenv("USBMSC_DEV_ROOT");
	unsetenv("USBMSC_MOUNTINFO");
	assert_null(t);     /* none of the fake nodes opens */
	return rc;
}

static void test_auto_choice(void **state)
{
	struct usbmsc_error err;
	char want[PATH_MAX];

	(void)state;
	/* Bound: SG_IO on the discovered node (a plain file here, so the
	 * open itself fails, naming it). */
	assert_int_equal(auto_open("1d6b:0104", &err), USBMSC_E_USAGE);
	pathf(want, sizeof want, "using SG_IO on %s/sg0", dev);
	assert_non_null(strstr(notes, want));
	assert_non_null(strstr(notes, "1-2 is bound to usb-storage at 0:0:0:0"));
	pathf(want, sizeof want, "%s/sg0 is not a device node", dev);
	assert_non_null(strstr(err.msg, want));

	/* Bound but no SCSI device yet: nothing to open, and why. */
	assert_int_equal(auto_open("1-3", &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "no SCSI device"));

	/* The same VID:PID:SERIAL twice: refused, with both ports. */
	assert_int_equal(auto_open("0781:5581:DUP", &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "1-4, 1-6"));

	assert_int_equal(auto_open("dead:beef", &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "auto:dead:beef"));
	assert_int_equal(auto_open("1d6b", &err), USBMSC_E_USAGE);
}

static void test_sgio_open_refuses_non_devices(void **state)
{
	struct usbmsc_transport *t = (void *)1;
	struct usbmsc_error err = { 0, "" };
	char path[PATH_MAX];

	(void)state;
	pathf(path, sizeof path, "%s/mountinfo", root);
	assert_int_equal(usbmsc_pt_open(path, "", NULL, &t, &err), USBMSC_E_USAGE);
	assert_null(t);
	assert_non_null(strstr(err.msg, "not a device node"));
	pathf(path, sizeof path, "%s/no-such-node", root);
	assert_int_equal(usbmsc_pt_open(path, "", NULL, &t, &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "no such device node"));
	/* A character device that is not SCSI. */
	assert_int_equal(usbmsc_pt_open("/dev/null", "", NULL, &t, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "not a SCSI device"));
}

/* ---- the lookups behind SG_IO ------------------------------------------------------ */

static void test_scsi_dir_of_node(void **state)
{
	char dir[PATH_MAX], sg[32], blk[32];
	bool partition;
	unsigned h, c, t;
	uint64_t l;

	(void)state;
	assert_true(usbmsc_os_scsi_dir_of_node(sys, false, 21, 0, dir, sizeof dir, &partition));
	assert_false(partition);
	assert_non_null(strstr(dir, "/1-2:1.0/host0/target0:0:0/0:0:0:0"));
	assert_true(usbmsc_os_parse_hctl(strrchr(dir, '/') + 1, &h, &c, &t, &l));
	assert_int_equal(l, 0);
	usbmsc_os_scsi_nodes(dir, sg, sizeof sg, blk, sizeof blk);
	assert_string_equal(sg, "sg0");
	assert_string_equal(blk, "sda");

	assert_true(usbmsc_os_scsi_dir_of_node(sys, true, 8, 16, dir, sizeof dir, &partition));
	assert_non_null(strstr(dir, "/0:0:0:1"));

	/* A partition is refused as such; unknown numbers are not SCSI. */
	assert_false(usbmsc_os_scsi_dir_of_node(sys, true, 8, 1, dir, sizeof dir, &partition));
	assert_true(partition);
	assert_false(usbmsc_os_scsi_dir_of_node(sys, false, 21, 7, dir, sizeof dir, &partition));
	assert_false(partition);
	assert_false(usbmsc_os_scsi_dir_of_node(sys, true, 254, 0, dir, sizeof dir, &partition));
}

static void test_siblings_and_max_lun(void **state)
{
	char dir[PATH_MAX], sib[PATH_MAX], sg[32], blk[32];
	bool partition;
	uint64_t max = 99;

	(void)state;
	assert_true(usbmsc_os_scsi_dir_of_node(sys, false, 21, 0, dir, sizeof dir, &partition));
	assert_true(usbmsc_os_scsi_sibling(dir, 1, sib, sizeof sib));
	usbmsc_os_scsi_nodes(sib, sg, sizeof sg, blk, sizeof blk);
	assert_string_equal(sg, "sg1");
	assert_string_equal(blk, "sdb");
	assert_false(usbmsc_os_scsi_sibling(dir, 2, sib, sizeof sib));
	assert_true(usbmsc_os_scsi_max_lun(dir, &max));
	assert_int_equal(max, 1);
	/* The UAS disk has one LUN, and no sg node. */
	assert_true(usbmsc_os_scsi_dir_of_node(sys, true, 8, 32, dir, sizeof dir, &partition));
	assert_true(usbmsc_os_scsi_max_lun(dir, &max));
	assert_int_equal(max, 0);
	usbmsc_os_scsi_nodes(dir, sg, sizeof sg, blk, sizeof blk);
	assert_string_equal(sg, "");
	assert_string_equal(blk, "sdc");
}

static void test_max_transfer(void **state)
{
	char dir[PATH_MAX];
	bool partition;
	long page = sysconf(_SC_PAGESIZE);

	(void)state;
	/* sda: 120 KiB hardware limit, 2048 segments: the hardware limit wins. */
	assert_true(usbmsc_os_scsi_dir_of_node(sys, false, 21, 0, dir, sizeof dir, &partition));
	assert_int_equal(usbmsc_os_scsi_max_transfer(dir), 120u * 1024u);
	/* sdb: 1 MiB hardware limit, but only 64 segments of a page each. */
	assert_true(usbmsc_os_scsi_dir_of_node(sys, false, 21, 1, dir, sizeof dir, &partition));
	assert_int_equal(usbmsc_os_scsi_max_transfer(dir), (uint32_t)(64 * page));
	/* No block device, no limits from sysfs. */
	assert_int_equal(usbmsc_os_scsi_max_transfer(sys), 0);
	/* The same limits through /sys/dev's links, nothing resolved (what
	 * SG_IO reads at open): sg0, and sdb's block node. */
	assert_true(usbmsc_os_node_device_path(sys, false, 21, 0, dir, sizeof dir));
	assert_non_null(strstr(dir, "/dev/char/21:0/device"));
	assert_int_equal(usbmsc_os_scsi_max_transfer(dir), 120u * 1024u);
	assert_true(usbmsc_os_node_device_path(sys, true, 8, 16, dir, sizeof dir));
	assert_non_null(strstr(dir, "/dev/block/8:16/device"));
	assert_int_equal(usbmsc_os_scsi_max_transfer(dir), (uint32_t)(64 * page));
	assert_true(usbmsc_os_node_device_path(sys, false, 21, 7, dir, sizeof dir));
	assert_int_equal(usbmsc_os_scsi_max_transfer(dir), 0);     /* no such node */
	assert_false(usbmsc_os_node_device_path(sys, false, 21, 0, dir, strlen(sys) + 10));
}

static void test_attr_helpers(void **state)
{
	char buf[8], name[32], dir[PATH_MAX];
	unsigned long v;
	unsigned ma, mi;

	(void)state;
	pathf(dir, sizeof dir, "%s/devices/usb/1-2", sys);
	assert_true(usbmsc_os_read_ulong(dir, "idVendor", 16, &v));
	assert_int_equal(v, 0x1d6b);
	assert_false(usbmsc_os_read_ulong(dir, "product", 10, &v));   /* not a number */
	assert_false(usbmsc_os_read_ulong(dir, "nothing", 10, &v));
	/* Cut to the buffer, trailing newline removed. */
	assert_int_equal(usbmsc_os_read_attr(dir, "product", buf, sizeof buf), 7);
	assert_string_equal(buf, "Test Di");
	assert_int_equal(usbmsc_os_read_attr(dir, "nothing", buf, sizeof buf), -1);
	assert_string_equal(buf, "");
	pathf(dir, sizeof dir, "%s/class/block/sda1", sys);
	assert_true(usbmsc_os_read_devnum(dir, &ma, &mi));
	assert_int_equal(ma, 8);
	assert_int_equal(mi, 1);
	pathf(dir, sizeof dir, "%s/devices/usb/1-2/1-2:1.0", sys);
	assert_true(usbmsc_os_link_name(dir, "driver", name, sizeof name));
	assert_string_equal(name, "usb-storage");
	/* A name that does not fit is refused, not cut. */
	assert_false(usbmsc_os_link_name(dir, "driver", buf, sizeof buf));
	assert_string_equal(buf, "");
}

/* ---- the side doors ---------------------------------------------------------------- */

/* Interface num of dev_name: the vendor interface (ff/4d/56), with a driver
 * when driver is not NULL. */
static void vendor_interface(const char *dev_name, int num, const char *driver)
{
	char target[PATH_MAX], text[8];

	pathf(target, sizeof target, "sys/devices/usb/%s/%s:1.%d", dev_name, dev_name, num);
	mk("%s", target);
	ln(target, "sys/bus/usb/devices/%s:1.%d", dev_name, num);
	wr("ff", "%s/bInterfaceClass", target);
	wr("4d", "%s/bInterfaceSubClass", target);
	wr("56", "%s/bInterfaceProtocol", target);
	pathf(text, sizeof text, "%02x", num);
	wr(text, "%s/bInterfaceNumber", target);
	if (driver) {
		char drv[PATH_MAX];

		pathf(drv, sizeof drv, "sys/bus/usb/drivers/%s", driver);
		mk("%s", drv);
		ln(drv, "%s/driver", target);
	}
}

/* The SCSI device hctl of dev_name is a processor (a control LUN). */
static void processor_type(const char *dev_name, int host, const char *hctl)
{
	wr("3", "sys/devices/usb/%s/%s:1.0/host%d/target%d:0:0/%s/type", dev_name, dev_name, host,
	   host, hctl);
}

static void build_doors_tree(void)
{
	usb_device("3-1", "1209", "0001", "DOORS1", "480", 3, 2, true, false, true);
	usb_interface("3-1", "08", "50");
	driver_link("3-1", "usb-storage");
	lun("3-1", 4, "4:0:0:0", "sg4", 4, "sde", 64, 1024, 128);
	lun("3-1", 4, "4:0:0:1", "sg5", 5, NULL, 0, 0, 0);
	processor_type("3-1", 4, "4:0:0:1");
	wr("0", "sys/devices/usb/3-1/3-1:1.0/host4/target4:0:0/4:0:0:0/type");
	partition("3-1", 4, "4:0:0:0", "sde", "sde1", 65);
	vendor_interface("3-1", 1, NULL);

	usb_device("3-2", "1209", "0001", "DOORS2", "480", 3, 3, true, false, true);
	usb_interface("3-2", "08", "50");
	driver_link("3-2", "usb-storage");
	lun("3-2", 5, "5:0:0:0", "sg6", 6, "sdf", 80, 1024, 128);
	lun("3-2", 5, "5:0:0:1", "sg7", 7, NULL, 0, 0, 0);
	processor_type("3-2", 5, "5:0:0:1");
	vendor_interface("3-2", 2, "usbfs");

	usb_device("3-3", "1209", "0002", "DOORS3", "480", 3, 4, true, false, true);
	usb_interface("3-3", "08", "50");
	vendor_interface("3-3", 1, "foo");

	usb_device("3-4", "0781", "5590", "PLAIN", "480", 3, 5, true, false, true);
	usb_interface("3-4", "08", "50");
	driver_link("3-4", "usb-storage");
	lun("3-4", 7, "7:0:0:0", "sg8", 8, "sdh", 112, 1024, 128);

	wr("1 0 0:1 / / rw - rootfs rootfs rw\n"
	   "40 1 8:65 / /media/doors rw - vfat /dev/sde1 rw", "mountinfo");
}

static int setup_doors(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	pathf(root, sizeof root, "%s/usbmsc-doors-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);
	pathf(sys, sizeof sys, "%s/sys", root);
	pathf(dev, sizeof dev, "%s/dev", root);
	pathf(mountinfo, sizeof mountinfo, "%s/mountinfo", root);
	build_doors_tree();
	return 0;
}

static void test_doors_found(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	const struct usbmsc_path_info *p;
	char want[PATH_MAX];
	size_t n;

	(void)state;
	NEEDS_LIBUSB();
	discover(&list, &n);
	assert_int_equal(n, 4);     /* the vendor interfaces are not listed on their own */
	d = find(list, n, "3-1");
	assert_non_null(d);
	assert_int_equal(d->interface_number, 0);
	assert_true(d->has_vendor_if);
	assert_int_equal(d->vendor_if_number, 1);
	assert_string_equal(d->vendor_if_driver, "");
	assert_int_equal(d->lun_count, 2);
	assert_int_equal(d->luns[0].type, USBMSC_SCSI_TYPE_DISK);
	assert_int_equal(d->luns[1].type, USBMSC_SCSI_TYPE_PROCESSOR);
	assert_string_equal(d->luns[1].block_node, "");

	p = d->doors;
	assert_true(p[USBMSC_DOOR_VENDOR].usable);
	assert_string_equal(p[USBMSC_DOOR_VENDOR].uri, "usbv:1209:0001:DOORS1");
	assert_true(p[USBMSC_DOOR_CONTROL_LUN].usable);
	pathf(want, sizeof want, "%s/sg5", dev);
	assert_string_equal(p[USBMSC_DOOR_CONTROL_LUN].uri, want);
	assert_true(p[USBMSC_DOOR_SG].usable);
	pathf(want, sizeof want, "%s/sg4", dev);
	assert_string_equal(p[USBMSC_DOOR_SG].uri, want);
	assert_true(p[USBMSC_DOOR_BLOCK].usable);
	pathf(want, sizeof want, "%s/sde", dev);
	assert_string_equal(p[USBMSC_DOOR_BLOCK].uri, want);
	assert_false(p[USBMSC_DOOR_USB].usable);
	assert_non_null(strstr(p[USBMSC_DOOR_USB].reason, "/dev/sde1 is mounted at /media/doors"));
	/* The legacy sgio path is the disk's sg node, not the control LUN's. */
	pathf(want, sizeof want, "%s/sg4", dev);
	assert_string_equal(d->sgio.uri, want);
	assert_true(d->auto_path.usable);
	assert_string_equal(d->auto_path.reason,
			    "auto: the vendor interface, usbv:1209:0001:DOORS1: beside the "
			    "mass-storage driver");
	usbmsc_discover_free(list, n);
}

static void test_doors_reasons(void **state)
{
	struct usbmsc_device_info *list;
	const struct usbmsc_device_info *d;
	char want[PATH_MAX];
	size_t n;

	(void)state;
	NEEDS_LIBUSB();
	discover(&list, &n);
	/* 3-2: the vendor interface is another program's: the control LUN. */
	d = find(list, n, "3-2");
	assert_int_equal(d->vendor_if_number, 2);
	assert_string_equal(d->vendor_if_driver, "usbfs");
	assert_false(d->doors[USBMSC_DOOR_VENDOR].usable);
	assert_string_equal(d->doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: interface 2 of 3-2 is claimed by another program");
	assert_true(d->doors[USBMSC_DOOR_CONTROL_LUN].usable);
	pathf(want, sizeof want, "auto: the control LUN, SG_IO on %s/sg7: the kernel driver is "
	      "bound", dev);
	assert_string_equal(d->auto_path.reason, want);

	/* 3-3: no kernel driver on mass storage, a foreign one on the vendor
	 * interface: only raw BOT, and each other door says why not. */
	d = find(list, n, "3-3");
	assert_string_equal(d->doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: bound to the kernel driver foo, which usbmsc does not "
			    "detach");
	assert_string_equal(d->doors[USBMSC_DOOR_CONTROL_LUN].reason,
			    "control LUN: no kernel driver bound");
	assert_string_equal(d->doors[USBMSC_DOOR_SG].reason, "sg: no kernel driver bound");
	assert_string_equal(d->doors[USBMSC_DOOR_BLOCK].reason, "block: no kernel driver bound");
	assert_true(d->doors[USBMSC_DOOR_USB].usable);
	assert_string_equal(d->auto_path.reason,
			    "auto: raw BOT, usb:1209:0002:DOORS3: no kernel driver is bound");

	/* 3-4: no doors at all: SG_IO on the disk. */
	d = find(list, n, "3-4");
	assert_false(d->has_vendor_if);
	assert_string_equal(d->doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: none on this device");
	assert_string_equal(d->doors[USBMSC_DOOR_VENDOR].uri, "");
	assert_string_equal(d->doors[USBMSC_DOOR_CONTROL_LUN].reason, "control LUN: none");
	assert_true(d->doors[USBMSC_DOOR_SG].usable);
	pathf(want, sizeof want, "auto: SG_IO on %s/sg8: the kernel driver is bound", dev);
	assert_string_equal(d->auto_path.reason, want);
	usbmsc_discover_free(list, n);
}

static void test_doors_text(void **state)
{
	struct usbmsc_device_info *list;
	char text[512], want[PATH_MAX * 2];
	size_t n;

	(void)state;
	NEEDS_LIBUSB();
	discover(&list, &n);
	usbmsc_disc_doors_text(find(list, n, "3-4"), text, sizeof text);
	pathf(want, sizeof want, "sg %s/sg8, block %s/sdh, usb usb:0781:5590:PLAIN", dev, dev);
	assert_string_equal(text, want);
	usbmsc_disc_doors_text(find(list, n, "3-1"), text, sizeof text);
	assert_non_null(strstr(text, "control LUN "));
	assert_non_null(strstr(text, "usb usb:1209:0001:DOORS1 (not now: /dev/sde1 is mounted"));
	assert_null(strstr(text, "usbv:"));   /* the vendor interface is what it lacks */
	usbmsc_discover_free(list, n);
}

/* auto: tries the doors in order, noting each one it skips and why. None
 * of the fake nodes opens, so every usable door fails in turn. */
static void test_doors_auto(void **state)
{
	struct usbmsc_error err;
	char want[PATH_MAX];

	(void)state;
	NEEDS_LIBUSB();
	auto_open("1209:0001:DOORS1", &err);
	assert_non_null(strstr(notes, "auto: 3-1 has the vendor interface (interface 1); using "
				      "usbv:1209:0001:DOORS1"));
	assert_non_null(strstr(notes, "auto: vendor interface: "));    /* its failure */
	assert_non_null(strstr(notes, "; trying the next door"));
	pathf(want, sizeof want, "auto: 3-1 has a control LUN at 4:0:0:1; using SG_IO on %s/sg5",
	      dev);
	assert_non_null(strstr(notes, want));
	/* The order: vendor interface, control LUN, sg, then block. */
	assert_true(strstr(notes, "using usbv:") < strstr(notes, "has a control LUN"));
	pathf(want, sizeof want, "using SG_IO on %s/sg4", dev);
	assert_true(strstr(notes, "has a control LUN") < strstr(notes, want));

	assert_int_equal(auto_open("0781:5590", &err), USBMSC_E_USAGE);
	assert_non_null(strstr(notes, "auto: vendor interface: none on this device\n"
				      "auto: control LUN: none\n"));
	pathf(want, sizeof want, "using SG_IO on %s/sg8", dev);
	assert_non_null(strstr(notes, want));
	pathf(want, sizeof want, "%s/sg8 is not a device node", dev);
	assert_non_null(strstr(err.msg, want));    /* the first failure is the one reported */

	auto_open("1209:0002", &err);
	assert_non_null(strstr(notes, "auto: vendor interface: bound to the kernel driver foo"));
	assert_non_null(strstr(notes, "auto: sg: no kernel driver bound"));
	assert_non_null(strstr(notes, "no kernel driver is bound to 3-3; using raw Bulk-Only"));
}

/* As nobody: a usbfs node the user may not write keeps the vendor
 * interface shut, and says which rule opens it. */
static void test_doors_permissions(void **state)
{
	char node[PATH_MAX];
	pid_t pid;
	int status;

	(void)state;
	NEEDS_LIBUSB();
	if (geteuid() != 0)
		skip();
	pathf(node, sizeof node, "%s/bus/usb/003/002", dev);
	chmod(node, 0644);
	pathf(node, sizeof node, "%s/sg7", dev);
	chmod(node, 0644);      /* readable: but vendor commands need write access */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct usbmsc_discover_opts opts = { sys, dev, mountinfo };
		struct usbmsc_device_info *list;
		const struct usbmsc_device_info *d;
		struct usbmsc_error err;
		size_t n;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(10);
		if (usbmsc_discover_ex(&opts, &list, &n, &err) != 0)
			_exit(11);
		d = find(list, n, "3-1");
		if (!d || d->doors[USBMSC_DOOR_VENDOR].usable ||
		    !strstr(d->doors[USBMSC_DOOR_VENDOR].reason,
			    "vendor interface: permission denied on") ||
		    !strstr(d->doors[USBMSC_DOOR_VENDOR].reason, "data/udev/70-usbmsc.rules"))
			_exit(12);
		d = find(list, n, "3-2");
		if (!d || d->doors[USBMSC_DOOR_CONTROL_LUN].usable ||
		    !strstr(d->doors[USBMSC_DOOR_CONTROL_LUN].reason, "read-only access to") ||
		    d->auto_path.usable)
			_exit(13);
		usbmsc_discover_free(list, n);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	pathf(node, sizeof node, "%s/bus/usb/003/002", dev);
	chmod(node, 0664);
	pathf(node, sizeof node, "%s/sg7", dev);
	chmod(node, 0660);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_mass_storage_sorted),
		cmocka_unit_test(test_device_fields),
		cmocka_unit_test(test_luns_nodes_and_mounts),
		cmocka_unit_test(test_paths_mounted_device),
		cmocka_unit_test(test_paths_uas),
		cmocka_unit_test(test_paths_unbound),
		cmocka_unit_test(test_environment_root),
		cmocka_unit_test(test_missing_tree),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_auto_choice),
		cmocka_unit_test(test_sgio_open_refuses_non_devices),
		cmocka_unit_test(test_scsi_dir_of_node),
		cmocka_unit_test(test_siblings_and_max_lun),
		cmocka_unit_test(test_max_transfer),
		cmocka_unit_test(test_attr_helpers),
	};
	const struct CMUnitTest doors[] = {
		cmocka_unit_test(test_doors_found),
		cmocka_unit_test(test_doors_reasons),
		cmocka_unit_test(test_doors_text),
		cmocka_unit_test(test_doors_auto),
		cmocka_unit_test(test_doors_permissions),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);

	return failed + cmocka_run_group_tests_name("discovery_doors", doors, setup_doors, teardown);
}
