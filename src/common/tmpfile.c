/* Temporary files renamed into place (tmpfile.h). */
#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A name nobody guesses on purpose or by chance: O_EXCL refuses the rare
 * clash (and a planted symlink), and the next try takes another. */
static unsigned long long tmp_suffix(unsigned tries)
{
	static unsigned counter;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (((unsigned long long)getpid() << 24) ^ (unsigned long long)ts.tv_nsec ^
		((unsigned long long)ts.tv_sec << 30) ^ ((unsigned long long)++counter << 8) ^
		tries) & 0xFFFFFFFFFFFFull;
}

int usbmsc_tmp_create(struct usbmsc_tmpfile *t, const char *final_path, mode_t mode,
		      struct usbmsc_error *err)
{
	t->fd = -1;
	for (unsigned tries = 0; tries < 8; tries++) {
		int n = snprintf(t->path, sizeof t->path, "%s.tmp-%012llx", final_path,
				 tmp_suffix(tries));

		if (n < 0 || (size_t)n >= sizeof t->path)
			return usbmsc_fail(err, USBMSC_E_FILE, "%s: path too long", final_path);
		t->fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST)
			return usbmsc_fail(err, USBMSC_E_FILE, "cannot create %s: %s", t->path,
					   strerror(errno));
	}
	return usbmsc_fail(err, USBMSC_E_FILE, "cannot create a temporary file beside %s", final_path);
}

void usbmsc_tmp_discard(struct usbmsc_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	unlink(t->path);
}

int usbmsc_tmp_close(struct usbmsc_tmpfile *t, struct usbmsc_error *err)
{
	int fd = t->fd;

	t->fd = -1;
	if (fsync(fd) != 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", t->path, strerror(e));
	}
	if (close(fd) != 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", t->path, strerror(errno));
	return 0;
}

/* Best effort: the rename itself survives a power cut. */
static void sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		strcpy(dir, ".");
	} else {
		size_t n = (size_t)(slash - path);
		if (n >= sizeof dir)
			return;
		memcpy(dir, path, n ? n : 1);
		dir[n ? n : 1] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Without replace, link() fails atomically on an existing final_path; where
 * the file system has no hard links, a check before the rename does. */
int usbmsc_tmp_commit(struct usbmsc_tmpfile *t, const char *final_path, bool replace,
		      struct usbmsc_error *err)
{
	struct stat st;

	if (!replace) {
		if (link(t->path, final_path) == 0) {
			unlink(t->path);
			sync_parent(final_path);
			return 0;
		}
		if (errno == EEXIST || lstat(final_path, &st) == 0) {
			unlink(t->path);
			return usbmsc_fail(err, USBMSC_E_FILE, "%s already exists; not replacing it",
					   final_path);
		}
	}
	if (rename(t->path, final_path) != 0) {
		int e = errno;
		unlink(t->path);
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot create %s: %s", final_path, strerror(e));
	}
	sync_parent(final_path);
	return 0;
}
