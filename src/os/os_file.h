/* Plain files, one set of calls on every system: posix_file.c (Linux,
 * macOS, the BSDs) and windows_file.c. The library, the virtual device, the
 * firmware tools and the command reach files through these alone, so they
 * include no system header and test no OS macro (docs/OS-BACKEND.md).
 *
 * A file is an int descriptor (on Windows the C runtime's, always in binary
 * mode). A failure returns -1 or false with errno set to the POSIX code
 * (ENOENT, EACCES, EEXIST, ENOSPC, EISDIR, ...) on every system, so callers
 * print strerror(errno) and choose a category the same way everywhere.
 * Paths are the system's (on Windows in its ANSI code page, as argv is).
 * Internal: not installed. */
#ifndef USBMSC_OS_FILE_H
#define USBMSC_OS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* usbmsc_file_open: one access mode... */
#define USBMSC_FILE_READ 0x0u
#define USBMSC_FILE_WRITE 0x1u
#define USBMSC_FILE_RDWR 0x2u
/* ... and any of these. */
#define USBMSC_FILE_CREATE 0x4u     /* create it when missing, with perm */
#define USBMSC_FILE_EXCL 0x8u       /* with CREATE: EEXIST when it exists (a symlink too) */
#define USBMSC_FILE_TRUNC 0x10u     /* empty it */
#define USBMSC_FILE_NOFOLLOW 0x20u  /* never through a symbolic link: POSIX refuses
				     * one (ELOOP), Windows opens the link itself */
#define USBMSC_FILE_NONBLOCK 0x40u  /* a FIFO opens without waiting for its other end */

/* Open path; the descriptor is not inherited by programs this one starts.
 * perm: POSIX permission bits for a new file (0644, 0600), the umask
 * applied; on Windows only "not writable by the owner" (no 0200) counts. */
int usbmsc_file_open(const char *path, unsigned flags, unsigned perm);
int usbmsc_file_close(int fd);

/* One read or write at the file position, or at offset at (which leaves
 * the position alone where the system can): the byte count, 0 at end of
 * file, -1 with errno (EINTR included: call again). src/common/fdio.h
 * loops over them for whole transfers. */
int64_t usbmsc_file_read(int fd, void *buf, size_t len);
int64_t usbmsc_file_write(int fd, const void *buf, size_t len);
int64_t usbmsc_file_pread(int fd, void *buf, size_t len, uint64_t at);
int64_t usbmsc_file_pwrite(int fd, const void *buf, size_t len, uint64_t at);
/* Move the file position to at. */
bool usbmsc_file_seek(int fd, uint64_t at);

enum usbmsc_file_kind {
	USBMSC_FILE_REGULAR = 0,
	USBMSC_FILE_DIRECTORY,
	USBMSC_FILE_LINK,           /* a symbolic link, not followed */
	USBMSC_FILE_OTHER           /* a device, a FIFO, a socket, a console */
};

struct usbmsc_file_info {
	enum usbmsc_file_kind kind;
	uint64_t size;
	unsigned perm;              /* POSIX permission bits (Windows: 0444 or 0666) */
	int64_t mtime;              /* last written: seconds since 1970, UTC */
	/* The same pair is the same file (hard links included). */
	uint64_t volume, index;
};

/* What fd is, or what path names (follow: through a final symbolic link,
 * as stat does; else the link itself, as lstat does). */
bool usbmsc_file_stat_fd(int fd, struct usbmsc_file_info *out);
bool usbmsc_file_stat(const char *path, bool follow, struct usbmsc_file_info *out);
/* Whether this process may read path (write: and write it). */
bool usbmsc_file_access(const char *path, bool write);
/* The absolute path of what path names, symbolic links resolved (Windows:
 * the full path); false with errno when it does not exist. */
bool usbmsc_file_real_path(const char *path, char *out, size_t len);

/* Set the size: cut, or extended with zeros. */
bool usbmsc_file_truncate(int fd, uint64_t size);
/* The file's data and what is needed to read it back on disk (sync: its
 * other metadata too). */
bool usbmsc_file_sync(int fd);
bool usbmsc_file_datasync(int fd);
/* Make the names in the directory of path durable (a rename or a new
 * file); best effort, nothing on systems whose directories need nothing. */
void usbmsc_file_sync_dir(const char *path);
/* Set the permissions: POSIX bits (0600: only the owner reads a secret
 * key). On Windows only the owner's write bit counts (read-only or not):
 * who may read a file is the folder's affair, and the user's own folders
 * admit the user alone. */
bool usbmsc_file_set_perm(int fd, unsigned perm);

bool usbmsc_file_remove(const char *path);
/* Give from the name to, in one step: an existing to is replaced
 * (replace), or the call fails with EEXIST and changes nothing. from may
 * be open; Windows refuses to replace a to that is open (EACCES). */
bool usbmsc_file_rename(const char *from, const char *to, bool replace);

/* A new folder (perm as for files; the umask applies); EEXIST when the
 * name exists. Remove an empty one. */
bool usbmsc_file_make_dir(const char *path, unsigned perm);
bool usbmsc_file_remove_dir(const char *path);

/* The names in the folder path, but "." and "..", each given to fn (in no
 * particular order) until it returns other than 0, which is returned;
 * 0 when it never does, -1 with errno when the folder cannot be read. */
int usbmsc_file_list_dir(const char *path, int (*fn)(void *ctx, const char *name), void *ctx);

/* The system's folder for temporary files ($TMPDIR or /tmp; Windows: the
 * user's), without a final separator. */
bool usbmsc_file_temp_dir(char *out, size_t len);

/* A new, empty temporary file, open for reading and writing, which no
 * name reaches and which goes away when it is closed. */
int usbmsc_file_temp(void);

/* The same as a stdio stream ("w+b"); NULL with errno. */
FILE *usbmsc_file_temp_stream(void);
/* The descriptor under a stream (fileno). */
int usbmsc_file_stream_fd(FILE *f);

/* Whether fd is a terminal (a console on Windows). */
bool usbmsc_file_is_terminal(int fd);

#ifdef __cplusplus
}
#endif
#endif
