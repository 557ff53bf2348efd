/* Advisory locks between processes on POSIX systems (os_lock.h): flock(2)
 * on the files a device works on, and on lock files named after a device
 * in the lock directory. */
#include "os_backend.h"
#include "os_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void usbmsc_os_unlock(int fd)
{
	usbmsc_os_held_remove(fd);
	flock(fd, LOCK_UN);
}

/* Never waits. A file system without flock counts as unlocked. */
static int try_lock(int fd, int how, const char *what, bool *own, struct usbmsc_error *err)
{
	int r;

	do
		r = flock(fd, how | LOCK_NB);
	while (r != 0 && errno == EINTR);
	if (r == 0 || (errno != EWOULDBLOCK && errno != EAGAIN))
		return 0;
	return usbmsc_os_lock_busy(fd, what, own, err);
}

int usbmsc_os_lock(int fd, const char *what, struct usbmsc_error *err)
{
	int r = try_lock(fd, LOCK_EX, what, NULL, err);

	if (r == 0)
		usbmsc_os_held_add(fd);
	return r;
}

/* Take a shared lock for a moment: it fails against an exclusive one. */
static int probe_fd(int fd, const char *what, bool *own, struct usbmsc_error *err)
{
	int r = try_lock(fd, LOCK_SH, what, own, err);

	if (r == 0)
		flock(fd, LOCK_UN);
	return r;
}

int usbmsc_os_lock_probe(const char *path, const char *what, bool *own,
			 struct usbmsc_error *err)
{
	struct stat st;
	int fd, r;

	*own = false;
	/* Only regular files are devices' images; a FIFO must not be opened. */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	r = probe_fd(fd, what, own, err);
	close(fd);
	return r;
}

/* ---- the lock directory -------------------------------------------------------- */

/* With create, mkdir dir (a last component only), world-writable with the
 * sticky bit when shared, as /tmp is. True when it is a directory we may
 * create files in. */
static bool usable_dir(const char *dir, bool shared, bool create)
{
	struct stat st;

	if (create && mkdir(dir, shared ? 01777 : 0700) == 0 && shared)
		chmod(dir, 01777);   /* the umask cut it */
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0;
}

/* The first usable of $USBMSC_LOCK_DIR, /run/lock/usbmsc (shared by every
 * user), $XDG_RUNTIME_DIR/usbmsc, /tmp/usbmsc-locks; create: make it if
 * need be (a lock is taken), else only look (a lock is probed). */
static bool lock_dir(char *buf, size_t len, bool create)
{
	const char *env = getenv("USBMSC_LOCK_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && env[0]) {
		snprintf(buf, len, "%s", env);
		return usable_dir(buf, false, create);
	}
	snprintf(buf, len, "/run/lock/usbmsc");
	if (usable_dir(buf, true, create))
		return true;
	if (xdg && xdg[0] && (size_t)snprintf(buf, len, "%s/usbmsc", xdg) < len &&
	    usable_dir(buf, false, create))
		return true;
	snprintf(buf, len, "/tmp/usbmsc-locks");
	return usable_dir(buf, true, create);
}

static bool lock_path(const char *name, bool create, char *buf, size_t len)
{
	char dir[PATH_MAX];

	return lock_dir(dir, sizeof dir, create) &&
	       (size_t)snprintf(buf, len, "%s/%s", dir, name) < len;
}

int usbmsc_os_lock_named(const char *name, const char *what, int *fd_out,
			 struct usbmsc_error *err)
{
	char path[PATH_MAX];
	int fd, r;

	*fd_out = -1;
	if (!lock_path(name, true, path, sizeof path))
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "no lock directory: /run/lock, $XDG_RUNTIME_DIR and /tmp are not "
				   "writable; set USBMSC_LOCK_DIR");
	/* Read-only is enough for flock, and lets every user open a lock file
	 * that another one created. */
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0)
		return usbmsc_fail(err, errno == EACCES ? USBMSC_E_ACCESS : USBMSC_E_FILE,
				   "cannot open the lock file %s: %s", path, strerror(errno));
	fchmod(fd, 0666);   /* best effort: the umask cut it; not ours to change otherwise */
	r = usbmsc_os_lock(fd, what, err);
	if (r != 0) {
		close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}

int usbmsc_os_lock_named_probe(const char *name, const char *what, struct usbmsc_error *err)
{
	char path[PATH_MAX];
	int fd, r;

	if (!lock_path(name, false, path, sizeof path))
		return 0;   /* no lock directory: nobody holds a lock */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;   /* nobody ever locked it */
	r = probe_fd(fd, what, NULL, err);
	close(fd);
	return r;
}
