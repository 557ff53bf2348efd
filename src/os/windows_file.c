/* Plain files on Windows (os_file.h). A descriptor is the C runtime's, over
 * a handle opened here with CreateFile: every file is shared for reading,
 * writing and deleting, so that, as on POSIX systems, an open file can be
 * renamed over or removed; binary mode always. Where the runtime has no
 * call (pread, pwrite, fsync, ftruncate at 64 bits, rename over a file)
 * Win32 does the work and its error becomes errno. */
#include "os_file.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>

/* The POSIX code for a Win32 error, as the C runtime maps them. */
static int errno_of(DWORD e)
{
	switch (e) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_PATHNAME:
	case ERROR_INVALID_NAME:
		return ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
	case ERROR_WRITE_PROTECT:
		return EACCES;
	case ERROR_FILE_EXISTS:
	case ERROR_ALREADY_EXISTS:
		return EEXIST;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_INVALID_HANDLE:
		return EBADF;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return ENOMEM;
	case ERROR_NOT_SAME_DEVICE:
		return EXDEV;
	case ERROR_DIR_NOT_EMPTY:
		return ENOTEMPTY;
	case ERROR_INVALID_PARAMETER:
	case ERROR_NEGATIVE_SEEK:
		return EINVAL;
	case ERROR_INVALID_FUNCTION:
	case ERROR_NOT_SUPPORTED:
		return ENOSYS;
	default:
		return EIO;
	}
}

static void set_errno(void)
{
	errno = errno_of(GetLastError());
}

static HANDLE handle_of(int fd)
{
	HANDLE h = fd >= 0 ? (HANDLE)_get_osfhandle(fd) : INVALID_HANDLE_VALUE;

	if (h == INVALID_HANDLE_VALUE)
		errno = EBADF;
	return h;
}

/* ---- opening --------------------------------------------------------------------- */

static DWORD disposition(unsigned flags)
{
	bool create = flags & USBMSC_FILE_CREATE, trunc = flags & USBMSC_FILE_TRUNC;

	if (create && (flags & USBMSC_FILE_EXCL))
		return CREATE_NEW;
	if (create)
		return trunc ? CREATE_ALWAYS : OPEN_ALWAYS;
	return trunc ? TRUNCATE_EXISTING : OPEN_EXISTING;
}

/* A directory opened as a file: POSIX says EISDIR, Windows "access denied". */
static int open_errno(const char *path)
{
	DWORD e = GetLastError();
	DWORD attr = GetFileAttributesA(path);

	if (e == ERROR_ACCESS_DENIED && attr != INVALID_FILE_ATTRIBUTES &&
	    (attr & FILE_ATTRIBUTE_DIRECTORY))
		return EISDIR;
	return errno_of(e);
}

int usbmsc_file_open(const char *path, unsigned flags, unsigned perm)
{
	DWORD access = (flags & USBMSC_FILE_RDWR) ? GENERIC_READ | GENERIC_WRITE
		       : (flags & USBMSC_FILE_WRITE) ? GENERIC_WRITE : GENERIC_READ;
	DWORD attr = (perm & 0200) ? FILE_ATTRIBUTE_NORMAL : FILE_ATTRIBUTE_READONLY;
	int mode = _O_BINARY | _O_NOINHERIT;
	HANDLE h;
	int fd;

	/* A truncation needs write access, as O_TRUNC does on an O_RDONLY open
	 * nowhere portable: refuse it as EINVAL rather than guess. */
	if ((flags & USBMSC_FILE_TRUNC) && !(flags & (USBMSC_FILE_WRITE | USBMSC_FILE_RDWR))) {
		errno = EINVAL;
		return -1;
	}
	h = CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			disposition(flags), attr | ((flags & USBMSC_FILE_NOFOLLOW)
						    ? FILE_FLAG_OPEN_REPARSE_POINT : 0), NULL);
	if (h == INVALID_HANDLE_VALUE) {
		errno = open_errno(path);
		return -1;
	}
	if (!(flags & (USBMSC_FILE_WRITE | USBMSC_FILE_RDWR)))
		mode |= _O_RDONLY;
	else if (flags & USBMSC_FILE_WRITE)
		mode |= _O_WRONLY;
	fd = _open_osfhandle((intptr_t)h, mode);
	if (fd < 0) {
		CloseHandle(h);
		errno = EMFILE;
	}
	return fd;
}

int usbmsc_file_close(int fd)
{
	return _close(fd);
}

/* ---- reading and writing ------------------------------------------------------------ */

/* The runtime's calls take an unsigned int: one call moves at most that. */
static unsigned clamp(size_t len)
{
	return len > 0x7FFFF000u ? 0x7FFFF000u : (unsigned)len;
}

int64_t usbmsc_file_read(int fd, void *buf, size_t len)
{
	return _read(fd, buf, clamp(len));
}

int64_t usbmsc_file_write(int fd, const void *buf, size_t len)
{
	return _write(fd, buf, clamp(len));
}

static OVERLAPPED at_offset(uint64_t at)
{
	OVERLAPPED ov;

	memset(&ov, 0, sizeof ov);
	ov.Offset = (DWORD)at;
	ov.OffsetHigh = (DWORD)(at >> 32);
	return ov;
}

/* On a synchronous handle an offset in OVERLAPPED reads there and moves
 * the file position after it; nothing here relies on the position then. */
int64_t usbmsc_file_pread(int fd, void *buf, size_t len, uint64_t at)
{
	HANDLE h = handle_of(fd);
	OVERLAPPED ov = at_offset(at);
	DWORD n = 0;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!ReadFile(h, buf, clamp(len), &n, &ov)) {
		if (GetLastError() == ERROR_HANDLE_EOF)
			return 0;
		set_errno();
		return -1;
	}
	return n;
}

int64_t usbmsc_file_pwrite(int fd, const void *buf, size_t len, uint64_t at)
{
	HANDLE h = handle_of(fd);
	OVERLAPPED ov = at_offset(at);
	DWORD n = 0;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!WriteFile(h, buf, clamp(len), &n, &ov)) {
		set_errno();
		return -1;
	}
	return n;
}

bool usbmsc_file_seek(int fd, uint64_t at)
{
	if (at > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return false;
	}
	return _lseeki64(fd, (__int64)at, SEEK_SET) == (__int64)at;
}

/* ---- what a file is ------------------------------------------------------------------ */

static bool info_of_handle(HANDLE h, struct usbmsc_file_info *out)
{
	BY_HANDLE_FILE_INFORMATION fi;
	DWORD type = GetFileType(h);

	memset(out, 0, sizeof *out);
	if (type != FILE_TYPE_DISK) {
		out->kind = USBMSC_FILE_OTHER;   /* a console, a pipe */
		return type != FILE_TYPE_UNKNOWN || GetLastError() == NO_ERROR;
	}
	if (!GetFileInformationByHandle(h, &fi)) {
		set_errno();
		return false;
	}
	out->kind = (fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? USBMSC_FILE_LINK
		    : (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? USBMSC_FILE_DIRECTORY
		    : USBMSC_FILE_REGULAR;
	out->size = (uint64_t)fi.nFileSizeHigh << 32 | fi.nFileSizeLow;
	out->perm = (fi.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
	/* FILETIME: 100 ns units since 1601. */
	out->mtime = (int64_t)(((uint64_t)fi.ftLastWriteTime.dwHighDateTime << 32 |
				fi.ftLastWriteTime.dwLowDateTime) / 10000000u) - 11644473600;
	out->volume = fi.dwVolumeSerialNumber;
	out->index = (uint64_t)fi.nFileIndexHigh << 32 | fi.nFileIndexLow;
	return true;
}

bool usbmsc_file_stat_fd(int fd, struct usbmsc_file_info *out)
{
	HANDLE h = handle_of(fd);

	return h != INVALID_HANDLE_VALUE && info_of_handle(h, out);
}

/* Opened with no access rights: a look, which even a file locked by
 * another program allows. Directories need backup semantics to open. */
bool usbmsc_file_stat(const char *path, bool follow, struct usbmsc_file_info *out)
{
	HANDLE h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
			       NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS |
			       (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT), NULL);
	bool ok;

	if (h == INVALID_HANDLE_VALUE) {
		set_errno();
		return false;
	}
	ok = info_of_handle(h, out);
	if (ok && follow && out->kind == USBMSC_FILE_LINK)
		out->kind = USBMSC_FILE_REGULAR;   /* a reparse point other than a link */
	CloseHandle(h);
	return ok;
}

bool usbmsc_file_access(const char *path, bool write)
{
	HANDLE h = CreateFileA(path, GENERIC_READ | (write ? GENERIC_WRITE : 0),
			       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);

	if (h == INVALID_HANDLE_VALUE) {
		set_errno();
		return false;
	}
	CloseHandle(h);
	return true;
}

bool usbmsc_file_real_path(const char *path, char *out, size_t len)
{
	DWORD n;

	if (GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES) {
		set_errno();
		return false;
	}
	n = GetFullPathNameA(path, (DWORD)len, out, NULL);
	if (n == 0 || n >= len) {
		errno = n ? ENAMETOOLONG : errno_of(GetLastError());
		return false;
	}
	return true;
}

/* ---- size and durability ---------------------------------------------------------------- */

bool usbmsc_file_truncate(int fd, uint64_t size)
{
	HANDLE h = handle_of(fd);
	FILE_END_OF_FILE_INFO eof;

	if (h == INVALID_HANDLE_VALUE)
		return false;
	if (size > (uint64_t)INT64_MAX) {
		errno = EFBIG;
		return false;
	}
	eof.EndOfFile.QuadPart = (LONGLONG)size;
	if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof)) {
		set_errno();
		return false;
	}
	return true;
}

bool usbmsc_file_sync(int fd)
{
	HANDLE h = handle_of(fd);

	if (h == INVALID_HANDLE_VALUE)
		return false;
	if (!FlushFileBuffers(h)) {
		set_errno();
		return false;
	}
	return true;
}

bool usbmsc_file_datasync(int fd)
{
	return usbmsc_file_sync(fd);
}

/* NTFS journals its directories; a rename is written through (below). */
void usbmsc_file_sync_dir(const char *path)
{
	(void)path;
}

/* Read-only or not; who may read is the folder's permissions' affair. */
bool usbmsc_file_set_perm(int fd, unsigned perm)
{
	HANDLE h = handle_of(fd);
	FILE_BASIC_INFO b;

	if (h == INVALID_HANDLE_VALUE)
		return false;
	if (!GetFileInformationByHandleEx(h, FileBasicInfo, &b, sizeof b)) {
		set_errno();
		return false;
	}
	b.FileAttributes = (perm & 0200) ? b.FileAttributes & ~(DWORD)FILE_ATTRIBUTE_READONLY
			   : b.FileAttributes | FILE_ATTRIBUTE_READONLY;
	if (b.FileAttributes == 0)
		b.FileAttributes = FILE_ATTRIBUTE_NORMAL;
	if (!SetFileInformationByHandle(h, FileBasicInfo, &b, sizeof b)) {
		set_errno();
		return false;
	}
	return true;
}

/* ---- names ------------------------------------------------------------------------------ */

/* A read-only file (perm without 0200) is removed as POSIX would, its
 * attribute cleared first. */
bool usbmsc_file_remove(const char *path)
{
	DWORD attr;

	if (DeleteFileA(path))
		return true;
	attr = GetFileAttributesA(path);
	if (GetLastError() == ERROR_ACCESS_DENIED && attr != INVALID_FILE_ATTRIBUTES &&
	    (attr & FILE_ATTRIBUTE_READONLY) &&
	    SetFileAttributesA(path, attr & ~(DWORD)FILE_ATTRIBUTE_READONLY) && DeleteFileA(path))
		return true;
	set_errno();
	return false;
}

/* MoveFileEx without MOVEFILE_REPLACE_EXISTING fails, changing nothing,
 * when to exists. */
bool usbmsc_file_rename(const char *from, const char *to, bool replace)
{
	if (MoveFileExA(from, to, MOVEFILE_WRITE_THROUGH |
			(replace ? MOVEFILE_REPLACE_EXISTING : 0)))
		return true;
	set_errno();
	return false;
}

/* The folder takes its parent's permissions (see set_perm). */
bool usbmsc_file_make_dir(const char *path, unsigned perm)
{
	(void)perm;
	if (CreateDirectoryA(path, NULL))
		return true;
	set_errno();
	return false;
}

bool usbmsc_file_remove_dir(const char *path)
{
	if (RemoveDirectoryA(path))
		return true;
	set_errno();
	return false;
}

int usbmsc_file_list_dir(const char *path, int (*fn)(void *ctx, const char *name), void *ctx)
{
	char pattern[MAX_PATH + 3];
	WIN32_FIND_DATAA e;
	HANDLE h;
	size_t n = strlen(path);
	int v = 0;

	if (n + 3 > sizeof pattern) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(pattern, path, n);
	if (n == 0 || (path[n - 1] != '\\' && path[n - 1] != '/'))
		pattern[n++] = '\\';
	pattern[n++] = '*';
	pattern[n] = '\0';
	h = FindFirstFileA(pattern, &e);
	if (h == INVALID_HANDLE_VALUE) {
		set_errno();
		return -1;
	}
	do {
		if (strcmp(e.cFileName, ".") != 0 && strcmp(e.cFileName, "..") != 0)
			v = fn(ctx, e.cFileName);
	} while (v == 0 && FindNextFileA(h, &e));
	FindClose(h);
	return v;
}

bool usbmsc_file_temp_dir(char *out, size_t len)
{
	char dir[MAX_PATH + 1];
	DWORD n = GetTempPathA(sizeof dir, dir);

	if (n == 0 || n > MAX_PATH) {
		set_errno();
		return false;
	}
	while (n > 3 && (dir[n - 1] == '\\' || dir[n - 1] == '/'))
		dir[--n] = '\0';   /* "C:\" keeps its root separator */
	if (n >= len) {
		errno = ENAMETOOLONG;
		return false;
	}
	memcpy(out, dir, n + 1);
	return true;
}

/* In the user's temporary folder, deleted by the system when closed. */
int usbmsc_file_temp(void)
{
	char dir[MAX_PATH + 1], name[MAX_PATH + 1];
	HANDLE h;
	int fd;

	if (!GetTempPathA(sizeof dir, dir) || !GetTempFileNameA(dir, "usb", 0, name)) {
		set_errno();
		return -1;
	}
	h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE |
			FILE_SHARE_DELETE, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY |
			FILE_FLAG_DELETE_ON_CLOSE, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		set_errno();
		DeleteFileA(name);
		return -1;
	}
	fd = _open_osfhandle((intptr_t)h, _O_BINARY | _O_NOINHERIT);
	if (fd < 0) {
		CloseHandle(h);
		errno = EMFILE;
	}
	return fd;
}

/* Not tmpfile(): the C runtime makes its file in the root of the system
 * drive, which a standard user may not write. */
FILE *usbmsc_file_temp_stream(void)
{
	int fd = usbmsc_file_temp();
	FILE *f;

	if (fd < 0)
		return NULL;
	f = _fdopen(fd, "w+b");
	if (!f)
		_close(fd);
	return f;
}

int usbmsc_file_stream_fd(FILE *f)
{
	return _fileno(f);
}

bool usbmsc_file_is_terminal(int fd)
{
	return _isatty(fd) != 0;
}
