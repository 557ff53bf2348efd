/* Plain files on POSIX systems (os_file.h): the system calls themselves. */
#include "os_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int usbmsc_file_open(const char *path, unsigned flags, unsigned perm)
{
	int o = O_CLOEXEC;

	o |= (flags & USBMSC_FILE_RDWR) ? O_RDWR : (flags & USBMSC_FILE_WRITE) ? O_WRONLY
	     : O_RDONLY;
	if (flags & USBMSC_FILE_CREATE)
		o |= O_CREAT;
	if (flags & USBMSC_FILE_EXCL)
		o |= O_EXCL;
	if (flags & USBMSC_FILE_TRUNC)
		o |= O_TRUNC;
	if (flags & USBMSC_FILE_NOFOLLOW)
		o |= O_NOFOLLOW;
	if (flags & USBMSC_FILE_NONBLOCK)
		o |= O_NONBLOCK;
	return open(path, o, (mode_t)perm);
}

int usbmsc_file_close(int fd)
{
	return close(fd);
}

int64_t usbmsc_file_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

int64_t usbmsc_file_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

int64_t usbmsc_file_pread(int fd, void *buf, size_t len, uint64_t at)
{
	if (at > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	return pread(fd, buf, len, (off_t)at);
}

int64_t usbmsc_file_pwrite(int fd, const void *buf, size_t len, uint64_t at)
{
	if (at > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	return pwrite(fd, buf, len, (off_t)at);
}

bool usbmsc_file_seek(int fd, uint64_t at)
{
	if (at > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return false;
	}
	return lseek(fd, (off_t)at, SEEK_SET) == (off_t)at;
}

static void info_of(const struct stat *st, struct usbmsc_file_info *out)
{
	out->kind = S_ISREG(st->st_mode) ? USBMSC_FILE_REGULAR
		    : S_ISDIR(st->st_mode) ? USBMSC_FILE_DIRECTORY
		    : S_ISLNK(st->st_mode) ? USBMSC_FILE_LINK : USBMSC_FILE_OTHER;
	out->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
	out->perm = (unsigned)(st->st_mode & 07777);
	out->mtime = (int64_t)st->st_mtime;
	out->volume = (uint64_t)st->st_dev;
	out->index = (uint64_t)st->st_ino;
}

bool usbmsc_file_stat_fd(int fd, struct usbmsc_file_info *out)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return false;
	info_of(&st, out);
	return true;
}

bool usbmsc_file_stat(const char *path, bool follow, struct usbmsc_file_info *out)
{
	struct stat st;

	if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
		return false;
	info_of(&st, out);
	return true;
}

bool usbmsc_file_access(const char *path, bool write)
{
	return access(path, write ? R_OK | W_OK : R_OK) == 0;
}

bool usbmsc_file_real_path(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];

	if (!realpath(path, buf))
		return false;
	if (strlen(buf) >= len) {
		errno = ENAMETOOLONG;
		return false;
	}
	strcpy(out, buf);
	return true;
}

bool usbmsc_file_truncate(int fd, uint64_t size)
{
	if (size > (uint64_t)INT64_MAX) {
		errno = EFBIG;
		return false;
	}
	return ftruncate(fd, (off_t)size) == 0;
}

bool usbmsc_file_sync(int fd)
{
	return fsync(fd) == 0;
}

/* macOS declares no fdatasync; its fsync is the nearest. */
bool usbmsc_file_datasync(int fd)
{
#if defined(__APPLE__)
	return fsync(fd) == 0;
#else
	return fdatasync(fd) == 0;
#endif
}

void usbmsc_file_sync_dir(const char *path)
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

bool usbmsc_file_set_perm(int fd, unsigned perm)
{
	return fchmod(fd, (mode_t)(perm & 07777)) == 0;
}

bool usbmsc_file_remove(const char *path)
{
	return unlink(path) == 0;
}

/* Without replace, link() fails atomically on an existing name; where the
 * file system has no hard links, a look before the rename does. */
bool usbmsc_file_rename(const char *from, const char *to, bool replace)
{
	struct stat st;

	if (!replace) {
		if (link(from, to) == 0) {
			unlink(from);
			return true;
		}
		if (errno == EEXIST || lstat(to, &st) == 0) {
			errno = EEXIST;
			return false;
		}
	}
	return rename(from, to) == 0;
}

bool usbmsc_file_make_dir(const char *path, unsigned perm)
{
	return mkdir(path, (mode_t)perm) == 0;
}

bool usbmsc_file_remove_dir(const char *path)
{
	return rmdir(path) == 0;
}

int usbmsc_file_list_dir(const char *path, int (*fn)(void *ctx, const char *name), void *ctx)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int v = 0;

	if (!d)
		return -1;
	while (v == 0 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			v = fn(ctx, e->d_name);
	closedir(d);
	return v;
}

bool usbmsc_file_temp_dir(char *out, size_t len)
{
	const char *t = getenv("TMPDIR");
	int n = snprintf(out, len, "%s", t && t[0] ? t : "/tmp");

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return false;
	}
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return true;
}

/* tmpfile() unlinks the file it makes; a descriptor of our own outlives
 * the stream. */
int usbmsc_file_temp(void)
{
	FILE *f = tmpfile();
	int fd;

	if (!f)
		return -1;
	fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0);
	fclose(f);
	return fd;
}

FILE *usbmsc_file_temp_stream(void)
{
	return tmpfile();
}

int usbmsc_file_stream_fd(FILE *f)
{
	return fileno(f);
}

bool usbmsc_file_is_terminal(int fd)
{
	return isatty(fd) == 1;
}
