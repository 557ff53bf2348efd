/* configfs gadget setup and teardown.
 *
 * configfs wants things removed in the reverse order of creation: the
 * function's link out of the configuration, the configuration's strings,
 * the configuration, the functions, the gadget's strings, the gadget. A
 * functionfs instance can only be mounted once its ffs.NAME function
 * exists, and is unmounted before that function is removed. */
#include "configfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "usbmsc/doors.h"

#define UDC_CLASS "/sys/class/udc"

/* out = a/b; false when it does not fit (names are short: it always fits). */
static bool join(char *out, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb >= len)
		return false;
	memcpy(out, a, la);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
	return true;
}

static int write_attr(const char *dir, const char *attr, const char *value, char *err,
		      size_t err_len)
{
	char path[GADGET_PATH_LEN];
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	join(path, sizeof(path), dir, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = write(fd, value, len);
	if (n != (ssize_t)len) {
		snprintf(err, err_len, "%s: cannot write '%s': %s", path, value,
			 n < 0 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int make_dir(const char *dir, const char *sub, char *err, size_t err_len)
{
	char path[GADGET_PATH_LEN];

	join(path, sizeof(path), dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(err, err_len, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int gadget_lock(struct gadget *g, const char *name, char *err, size_t err_len)
{
	struct sockaddr_un addr;
	socklen_t len;
	int n;

	memset(g, 0, sizeof(*g));
	g->lock_fd = -1;
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->dir, sizeof(g->dir), "%s/%s", GADGET_CONFIGFS_ROOT, name);
	snprintf(g->mount, sizeof(g->mount), "%s/%s", GADGET_FFS_ROOT, name);

	g->lock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->lock_fd < 0) {
		snprintf(err, err_len, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	/* sun_path[0] = 0: an abstract name, nothing on disk to clean up */
	n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "usbmsc-gadget/%s", name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if (bind(g->lock_fd, (struct sockaddr *)&addr, len) != 0) {
		snprintf(err, err_len, errno == EADDRINUSE
			 ? "another usbmsc-gadget is running with --name %s"
			 : "cannot take the instance lock of %s", name);
		close(g->lock_fd);
		g->lock_fd = -1;
		return -1;
	}
	return 0;
}

/* Call fn(dir/entry) for each entry of dir but . and .. */
static void each_entry(const char *dir, void (*fn)(const char *path, void *arg), void *arg)
{
	char path[GADGET_PATH_LEN];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (join(path, sizeof(path), dir, de->d_name))
			fn(path, arg);
	}
	closedir(d);
}

static void rmdir_quiet(const char *path, void *arg)
{
	(void)arg;
	if (rmdir(path) != 0 && errno != ENOENT)
		gadget_log("cannot remove %s: %s", path, strerror(errno));
}

static void unlink_link(const char *path, void *arg)
{
	struct stat st;

	(void)arg;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && unlink(path) != 0)
		gadget_log("cannot remove %s: %s", path, strerror(errno));
}

/* A configuration: its function links, its strings, itself. */
static void remove_config(const char *config, void *arg)
{
	char path[GADGET_PATH_LEN];

	(void)arg;
	each_entry(config, unlink_link, NULL);
	join(path, sizeof(path), config, "strings");
	each_entry(path, rmdir_quiet, NULL);
	rmdir_quiet(config, NULL);
}

/* Unmount the functionfs instance NAME wherever it is mounted (a killed
 * instance leaves its mount). */
static void unmount_ffs(const char *name)
{
	char src[256], dst[GADGET_PATH_LEN], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	if (f == NULL)
		return;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", src, dst, type) == 3) {
		if (strcmp(type, "functionfs") != 0 || strcmp(src, name) != 0)
			continue;
		if (umount2(dst, 0) != 0 && umount2(dst, MNT_DETACH) != 0)
			gadget_log("cannot unmount %s: %s", dst, strerror(errno));
		else
			gadget_debug(1, "unmounted functionfs %s from %s", name, dst);
	}
	fclose(f);
}

/* Everything under the gadget directory, in configfs's order. */
static void remove_tree(const char *dir, const char *name)
{
	char path[GADGET_PATH_LEN];

	write_attr(dir, "UDC", "\n", path, sizeof(path));  /* may be unbound already */
	join(path, sizeof(path), dir, "os_desc");  /* its link pins the configuration */
	each_entry(path, unlink_link, NULL);
	join(path, sizeof(path), dir, "configs");
	each_entry(path, remove_config, NULL);
	unmount_ffs(name);
	join(path, sizeof(path), dir, "functions");
	each_entry(path, rmdir_quiet, NULL);
	join(path, sizeof(path), dir, "strings");
	each_entry(path, rmdir_quiet, NULL);
	rmdir_quiet(dir, NULL);
}

struct fn_check {
	const char *want;
	int others;
};

static void count_other(const char *path, void *arg)
{
	struct fn_check *c = arg;
	const char *base = strrchr(path, '/') + 1;

	if (strcmp(base, c->want) != 0)
		c->others++;
}

int gadget_clean_stale(const char *name, bool *found, char *err, size_t err_len)
{
	char dir[GADGET_PATH_LEN], path[GADGET_PATH_LEN], fn[80];
	struct fn_check check = { fn, 0 };
	struct stat st;

	*found = false;
	snprintf(dir, sizeof(dir), "%s/%s", GADGET_CONFIGFS_ROOT, name);
	if (stat(dir, &st) != 0) {
		unmount_ffs(name);  /* a mount without its gadget: remove it too */
		return 0;
	}
	snprintf(fn, sizeof(fn), "ffs.%s", name);
	join(path, sizeof(path), dir, "functions");
	each_entry(path, count_other, &check);
	if (check.others != 0) {
		snprintf(err, err_len, "configfs gadget %s exists and was not made by usbmsc-gadget "
			 "(it has other functions); choose another --name", dir);
		return -1;
	}
	*found = true;
	remove_tree(dir, name);
	if (stat(dir, &st) == 0) {
		snprintf(err, err_len, "cannot remove the stale gadget %s", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", GADGET_FFS_ROOT, name);
	rmdir(path);
	return 0;
}

static int make_strings(const char *dir, const struct gadget_ids *ids, char *err, size_t err_len)
{
	char path[GADGET_PATH_LEN];

	if (make_dir(dir, "strings/0x409", err, err_len) != 0)
		return -1;
	join(path, sizeof(path), dir, "strings/0x409");
	if (write_attr(path, "manufacturer", ids->manufacturer, err, err_len) != 0 ||
	    write_attr(path, "product", ids->product, err, err_len) != 0 ||
	    write_attr(path, "serialnumber", ids->serial, err, err_len) != 0)
		return -1;
	return 0;
}

static int make_config(const struct gadget *g, char *err, size_t err_len)
{
	char path[GADGET_PATH_LEN], target[GADGET_PATH_LEN], fn[96];

	if (make_dir(g->dir, "configs/c.1", err, err_len) != 0)
		return -1;
	join(path, sizeof(path), g->dir, "configs/c.1");
	if (write_attr(path, "MaxPower", "100", err, err_len) != 0 ||
	    make_dir(path, "strings/0x409", err, err_len) != 0)
		return -1;
	join(path, sizeof(path), g->dir, "configs/c.1/strings/0x409");
	if (write_attr(path, "configuration", "Mass Storage", err, err_len) != 0)
		return -1;
	snprintf(path, sizeof(path), "functions/ffs.%s", g->name);
	if (make_dir(g->dir, path, err, err_len) != 0)
		return -1;
	snprintf(fn, sizeof(fn), "functions/ffs.%s", g->name);
	if (!join(target, sizeof(target), g->dir, fn))
		return -1;
	snprintf(fn, sizeof(fn), "configs/c.1/ffs.%s", g->name);
	if (!join(path, sizeof(path), g->dir, fn) || symlink(target, path) != 0) {
		snprintf(err, err_len, "link %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Microsoft OS descriptors: Windows asks for string descriptor 0xEE, finds
 * "MSFT100" and the vendor code, then asks the configuration linked into
 * os_desc for the function's extended compat IDs and properties (which
 * FunctionFS has from the descriptors blob). Set before binding. */
static int make_os_desc(const struct gadget *g, char *err, size_t err_len)
{
	char path[GADGET_PATH_LEN], target[GADGET_PATH_LEN], code[8];

	join(path, sizeof(path), g->dir, "os_desc");
	snprintf(code, sizeof(code), "0x%02x", USBMSC_MSOS_VENDOR_CODE);
	if (write_attr(path, "use", "1", err, err_len) != 0 ||
	    write_attr(path, "b_vendor_code", code, err, err_len) != 0 ||
	    write_attr(path, "qw_sign", "MSFT100", err, err_len) != 0)
		return -1;
	join(target, sizeof(target), g->dir, "configs/c.1");
	join(path, sizeof(path), g->dir, "os_desc/c.1");
	if (symlink(target, path) != 0) {
		snprintf(err, err_len, "link %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int mount_ffs(struct gadget *g, char *err, size_t err_len)
{
	if (mkdir(GADGET_FFS_ROOT, 0755) == 0)
		g->made_root = true;
	else if (errno != EEXIST) {
		snprintf(err, err_len, "mkdir %s: %s", GADGET_FFS_ROOT, strerror(errno));
		return -1;
	}
	if (mkdir(g->mount, 0755) != 0 && errno != EEXIST) {
		snprintf(err, err_len, "mkdir %s: %s", g->mount, strerror(errno));
		return -1;
	}
	if (mount(g->name, g->mount, "functionfs", 0, NULL) != 0) {
		snprintf(err, err_len, "mount -t functionfs %s %s: %s%s", g->name, g->mount,
			 strerror(errno), errno == ENODEV ? " (load usb_f_fs)" : "");
		return -1;
	}
	g->mounted = true;
	return 0;
}

int gadget_create(struct gadget *g, const struct gadget_ids *ids, char *err, size_t err_len)
{
	char hex[8];
	struct stat st;

	if (stat(GADGET_CONFIGFS_ROOT, &st) != 0) {
		snprintf(err, err_len, "no %s: mount configfs on /sys/kernel/config and load "
			 "libcomposite", GADGET_CONFIGFS_ROOT);
		return -1;
	}
	if (mkdir(g->dir, 0755) != 0) {
		snprintf(err, err_len, "mkdir %s: %s", g->dir, strerror(errno));
		return -1;
	}
	g->made_dir = true;
	snprintf(hex, sizeof(hex), "0x%04x", ids->vid);
	if (write_attr(g->dir, "idVendor", hex, err, err_len) != 0)
		return -1;
	snprintf(hex, sizeof(hex), "0x%04x", ids->pid);
	if (write_attr(g->dir, "idProduct", hex, err, err_len) != 0 ||
	    write_attr(g->dir, "bcdDevice", "0x0100", err, err_len) != 0 ||
	    write_attr(g->dir, "bcdUSB", "0x0200", err, err_len) != 0 ||
	    make_strings(g->dir, ids, err, err_len) != 0 || make_config(g, err, err_len) != 0)
		return -1;
	if (ids->ms_os_desc && make_os_desc(g, err, err_len) != 0)
		return -1;
	return mount_ffs(g, err, err_len);
}

int gadget_bind(struct gadget *g, const char *udc, char *err, size_t err_len)
{
	if (write_attr(g->dir, "UDC", udc, err, err_len) != 0)
		return -1;
	g->bound = true;
	return 0;
}

void gadget_unbind(struct gadget *g)
{
	char err[GADGET_PATH_LEN + 64];

	if (!g->bound)
		return;
	if (write_attr(g->dir, "UDC", "\n", err, sizeof(err)) != 0)
		gadget_log("unbind: %s", err);
	g->bound = false;
}

void gadget_destroy(struct gadget *g)
{
	gadget_unbind(g);
	if (g->mounted && umount2(g->mount, 0) != 0 && umount2(g->mount, MNT_DETACH) != 0)
		gadget_log("cannot unmount %s: %s", g->mount, strerror(errno));
	g->mounted = false;
	if (g->made_dir)
		remove_tree(g->dir, g->name);
	g->made_dir = false;
	if (g->mount[0] != '\0')
		rmdir(g->mount);
	if (g->made_root)
		rmdir(GADGET_FFS_ROOT);  /* fails, rightly, if another gadget uses it */
	g->made_root = false;
	if (g->lock_fd >= 0)
		close(g->lock_fd);
	g->lock_fd = -1;
}

int gadget_default_udc(char *out, size_t out_len, char *err, size_t err_len)
{
	struct dirent *de;
	int count = 0;
	DIR *d = opendir(UDC_CLASS);

	if (d == NULL) {
		snprintf(err, err_len, "no %s: this kernel has no USB device controller "
			 "(load a UDC driver, e.g. dummy_hcd)", UDC_CLASS);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (count++ == 0)
			snprintf(out, out_len, "%s", de->d_name);
	}
	closedir(d);
	if (count == 1)
		return 0;
	snprintf(err, err_len, count == 0 ? "no USB device controller in %s"
		 : "%s has several USB device controllers: choose one with --udc", UDC_CLASS);
	return -1;
}

void gadget_ffs_path(const struct gadget *g, const char *file, char *out, size_t out_len)
{
	snprintf(out, out_len, "%s/%s", g->mount, file);
}
