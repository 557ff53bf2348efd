/* Locks between processes on Windows (os_lock.h): LockFileEx on one byte
 * far beyond the end of the file. Windows' byte-range locks are mandatory:
 * a lock on the data would stop every other handle's reads and writes
 * (even this process's, through another descriptor); a byte no file
 * reaches locks nothing but the lock itself, as SQLite does it. A lock goes
 * with its handle, also when the process dies, as flock's does. */
#include "os_backend.h"
#include "os_file.h"
#include "os_lock.h"

#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

/* The locked byte: 2^62, beyond any file a device works on. */
#define LOCK_OFFSET_HIGH 0x40000000u

/* Never waits. A file system without locks counts as unlocked. */
static int try_lock(int fd, bool exclusive, const char *what, bool *own,
		    struct usbmsc_error *err)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	OVERLAPPED ov;
	DWORD e;

	memset(&ov, 0, sizeof ov);
	ov.OffsetHigh = LOCK_OFFSET_HIGH;
	if (h == INVALID_HANDLE_VALUE ||
	    LockFileEx(h, LOCKFILE_FAIL_IMMEDIATELY | (exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0), 0,
		       1, 0, &ov))
		return 0;
	e = GetLastError();
	if (e != ERROR_LOCK_VIOLATION && e != ERROR_IO_PENDING)
		return 0;
	return usbmsc_os_lock_busy(fd, what, own, err);
}

static void unlock(int fd)
{
	OVERLAPPED ov;

	memset(&ov, 0, sizeof ov);
	ov.OffsetHigh = LOCK_OFFSET_HIGH;
	UnlockFileEx((HANDLE)_get_osfhandle(fd), 0, 1, 0, &ov);
}

int usbmsc_os_lock(int fd, const char *what, struct usbmsc_error *err)
{
	int r = try_lock(fd, true, what, NULL, err);

	if (r == 0)
		usbmsc_os_held_add(fd);
	return r;
}

void usbmsc_os_unlock(int fd)
{
	usbmsc_os_held_remove(fd);
	unlock(fd);
}

/* A shared lock for a moment fails against an exclusive one. */
static int probe_fd(int fd, const char *what, bool *own, struct usbmsc_error *err)
{
	int r = try_lock(fd, false, what, own, err);

	if (r == 0)
		unlock(fd);
	return r;
}

int usbmsc_os_lock_probe(const char *path, const char *what, bool *own,
			 struct usbmsc_error *err)
{
	struct usbmsc_file_info fi;
	int fd, r;

	*own = false;
	if (!usbmsc_file_stat(path, true, &fi) || fi.kind != USBMSC_FILE_REGULAR)
		return 0;
	fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	if (fd < 0)
		return 0;
	r = probe_fd(fd, what, own, err);
	usbmsc_file_close(fd);
	return r;
}

/* ---- the lock directory -------------------------------------------------------- */

static bool usable_dir(const char *dir, bool create)
{
	struct usbmsc_file_info fi;

	if (create)
		(void)usbmsc_file_make_dir(dir, 0777);
	return usbmsc_file_stat(dir, true, &fi) && fi.kind == USBMSC_FILE_DIRECTORY;
}

/* The first usable of %USBMSC_LOCK_DIR%, %ProgramData%\usbmsc-locks (every
 * user's), %TEMP%\usbmsc-locks (this user's). */
static bool lock_dir(char *buf, size_t len, bool create)
{
	const char *env = getenv("USBMSC_LOCK_DIR");
	const char *all = getenv("ProgramData");
	char tmp[MAX_PATH + 1];

	if (env && env[0]) {
		snprintf(buf, len, "%s", env);
		return usable_dir(buf, create);
	}
	if (all && all[0] && (size_t)snprintf(buf, len, "%s\\usbmsc-locks", all) < len &&
	    usable_dir(buf, create))
		return true;
	return GetTempPathA(sizeof tmp, tmp) &&
	       (size_t)snprintf(buf, len, "%susbmsc-locks", tmp) < len && usable_dir(buf, create);
}

static bool lock_path(const char *name, bool create, char *buf, size_t len)
{
	char dir[MAX_PATH + 1];

	return lock_dir(dir, sizeof dir, create) &&
	       (size_t)snprintf(buf, len, "%s\\%s", dir, name) < len;
}

int usbmsc_os_lock_named(const char *name, const char *what, int *fd_out,
			 struct usbmsc_error *err)
{
	char path[MAX_PATH + 1];
	int fd, r;

	*fd_out = -1;
	if (!lock_path(name, true, path, sizeof path))
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "no lock directory: %%ProgramData%% and %%TEMP%% are not writable; "
				   "set USBMSC_LOCK_DIR");
	fd = usbmsc_file_open(path, USBMSC_FILE_READ | USBMSC_FILE_CREATE, 0666);
	if (fd < 0)
		return usbmsc_fail(err, errno == EACCES ? USBMSC_E_ACCESS : USBMSC_E_FILE,
				   "cannot open the lock file %s: %s", path, strerror(errno));
	r = usbmsc_os_lock(fd, what, err);
	if (r != 0) {
		usbmsc_file_close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}

int usbmsc_os_lock_named_probe(const char *name, const char *what, struct usbmsc_error *err)
{
	char path[MAX_PATH + 1];
	int fd, r;

	if (!lock_path(name, false, path, sizeof path))
		return 0;
	fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	if (fd < 0)
		return 0;
	r = probe_fd(fd, what, NULL, err);
	usbmsc_file_close(fd);
	return r;
}
