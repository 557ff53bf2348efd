/* The device lock (usbmsc/lock.h): a lock file per device in the lock
 * directory, held across the device handle's close and reopen, and known
 * in this process so that its own reopen passes. */
#include "devlock.h"

#include "usbmsc/doorvol.h"

#include "../os/os_clock.h"
#include "../os/os_file.h"
#include "../os/os_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 128u
#define SERIAL_KEY_MAX 64u
#define HELD_MAX 8u
#define SERIAL_VPD_ALLOC 255u

struct usbmsc_lock {
	int fd;
	unsigned long owner;     /* a forked child inherits the list, not the lock's use */
	char name[NAME_MAX_LEN];
	char what[NAME_MAX_LEN + 32];
};

/* The locks this process holds. */
static struct usbmsc_lock *held[HELD_MAX];

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

/* Append s to a file name: only characters every file system takes. */
static void append_safe(char *out, size_t room, const char *s, size_t max)
{
	size_t n = strlen(out);

	for (size_t i = 0; s[i] && i < max && n + 1 < room; i++) {
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
		out[n++] = ok ? ch : '_';
	}
	out[n] = '\0';
}

/* "dev-VENDOR-SERIAL.lock"; a long serial is cut and told apart by a hash.
 * Without a serial: "dev-VENDOR-PRODUCT-noserial.lock". */
static void lock_name(const char *vendor, const char *product, const char *serial, char *out,
		      size_t room)
{
	char tail[32];

	snprintf(out, room, "dev-");
	append_safe(out, room, vendor, 8);
	strncat(out, "-", room - strlen(out) - 1);
	if (serial && serial[0]) {
		append_safe(out, room, serial, SERIAL_KEY_MAX);
		if (strlen(serial) > SERIAL_KEY_MAX) {
			snprintf(tail, sizeof tail, "-%016llx", (unsigned long long)fnv1a(serial));
			strncat(out, tail, room - strlen(out) - 1);
		}
	} else {
		append_safe(out, room, product, 16);
		strncat(out, "-noserial", room - strlen(out) - 1);
	}
	strncat(out, ".lock", room - strlen(out) - 1);
}

static bool held_here(const char *name)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i] && held[i]->owner == usbmsc_process_id() && strcmp(held[i]->name, name) == 0)
			return true;
	return false;
}

static bool remember(struct usbmsc_lock *l)
{
	for (size_t i = 0; i < HELD_MAX; i++) {
		if (!held[i]) {
			held[i] = l;
			return true;
		}
	}
	return false;
}

/* The serial number, "" when the device has none to give. */
static void read_serial(struct usbmsc_dev *dev, uint8_t lun, char *out, size_t room)
{
	uint8_t buf[SERIAL_VPD_ALLOC];
	size_t len = sizeof buf;
	struct usbmsc_result res;

	out[0] = '\0';
	if (usbmsc_inquiry_vpd(dev, lun, USBMSC_VPD_SERIAL, buf, &len, &res) != USBMSC_OK ||
	    !usbmsc_vpd_parse_serial(buf, len, out, room))
		out[0] = '\0';
}

/* Take the lock l names; on success *out holds it, else it is freed. */
static int take(struct usbmsc_lock *l, struct usbmsc_lock **out, struct usbmsc_error *err)
{
	int st;

	if (held_here(l->name)) {
		st = usbmsc_fail(err, USBMSC_E_BUSY, "%s is in use by this process (its lock is "
				 "taken)", l->what);
	} else {
		st = usbmsc_os_lock_named(l->name, l->what, &l->fd, err);
		if (st == USBMSC_OK && !remember(l))
			st = usbmsc_fail(err, USBMSC_E_OTHER, "this process holds too many device locks");
	}
	if (st != USBMSC_OK) {
		if (l->fd >= 0)
			usbmsc_file_close(l->fd);
		free(l);
		return st;
	}
	*out = l;
	return USBMSC_OK;
}

static struct usbmsc_lock *new_lock(struct usbmsc_error *err)
{
	struct usbmsc_lock *l = calloc(1, sizeof *l);

	if (!l) {
		usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
		return NULL;
	}
	l->fd = -1;
	l->owner = usbmsc_process_id();
	return l;
}

/* A file door's volume runs no INQUIRY: "vol-PATH-HASH.lock", by its
 * mount point. */
static int lock_volume(const char *path, struct usbmsc_lock **out, struct usbmsc_error *err)
{
	struct usbmsc_lock *l = new_lock(err);
	size_t n = strlen(path);
	char tail[32];

	if (!l)
		return USBMSC_E_OTHER;
	snprintf(l->name, sizeof l->name, "vol-");
	append_safe(l->name, sizeof l->name, n > 32 ? path + n - 32 : path, 32);
	snprintf(tail, sizeof tail, "-%016llx.lock", (unsigned long long)fnv1a(path));
	strncat(l->name, tail, sizeof l->name - strlen(l->name) - 1);
	snprintf(l->what, sizeof l->what, "the file door at %.*s", NAME_MAX_LEN, path);
	return take(l, out, err);
}

int usbmsc_lock_device(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_lock **out,
		       struct usbmsc_error *err)
{
	struct usbmsc_inquiry inq;
	struct usbmsc_result res;
	struct usbmsc_lock *l;
	char serial[SERIAL_VPD_ALLOC];
	int st;

	if (!out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_lock_device needs a result");
	*out = NULL;
	if (usbmsc_dev_door_volume(dev))
		return lock_volume(usbmsc_dev_door_volume(dev), out, err);
	st = usbmsc_inquiry(dev, lun, &inq, &res);
	if (st != USBMSC_OK)
		return usbmsc_fail(err, st, "INQUIRY (to lock the device): %s",
				   usbmsc_dev_errmsg(dev));
	read_serial(dev, lun, serial, sizeof serial);
	l = new_lock(err);
	if (!l)
		return USBMSC_E_OTHER;
	lock_name(inq.vendor, inq.product, serial, l->name, sizeof l->name);
	if (serial[0])
		snprintf(l->what, sizeof l->what, "the device %s serial %.64s", inq.vendor, serial);
	else
		snprintf(l->what, sizeof l->what, "the device %s %s", inq.vendor, inq.product);
	return take(l, out, err);
}

void usbmsc_lock_release(struct usbmsc_lock *lock)
{
	if (!lock)
		return;
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i] == lock)
			held[i] = NULL;
	usbmsc_file_close(lock->fd);   /* the lock file stays, for the next one */
	free(lock);
}

int usbmsc_devlock_check(const char *vendor, const char *serial, struct usbmsc_error *err)
{
	char name[NAME_MAX_LEN], what[NAME_MAX_LEN + 32];

	lock_name(vendor, "", serial, name, sizeof name);
	if (held_here(name))
		return USBMSC_OK;
	snprintf(what, sizeof what, "the device %.8s serial %.64s", vendor, serial);
	return usbmsc_os_lock_named_probe(name, what, err);
}

int usbmsc_lock_file_in_use(const char *path, bool *own, struct usbmsc_error *err)
{
	bool mine = false;
	int st;

	if (!path)
		return usbmsc_fail(err, USBMSC_E_USAGE, "no file named");
	st = usbmsc_os_lock_probe(path, path, &mine, err);
	if (own)
		*own = mine;
	return st;
}
