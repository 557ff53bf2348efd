/* Locks between processes on files: filelock.c (flock(2), POSIX systems)
 * and windows_lock.c (LockFileEx). A lock belongs to one open of a file
 * and goes with its close (also when the process dies), so two opens
 * conflict even within one process. Nothing ever waits for a lock. This
 * process's own locks are known everywhere (lock_held.c); another holder
 * is named where the system tells (the backend's lock_holder).
 * Internal: not installed. */
#ifndef USBMSC_OS_LOCK_H
#define USBMSC_OS_LOCK_H

#include <stdbool.h>

#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lock fd's file. 0; or USBMSC_E_BUSY when another open holds it, err
 * saying "WHAT is in use by pid N (COMMAND LINE)" where the system can tell.
 * A file system without locks counts as unlocked. */
int usbmsc_os_lock(int fd, const char *what, struct usbmsc_error *err);
/* Give up the lock usbmsc_os_lock took on fd, before fd is closed. */
void usbmsc_os_unlock(int fd);
/* Whether another open holds a lock on path's file; nothing is kept. 0
 * when not (or when path is missing or not a regular file), else
 * USBMSC_E_BUSY as above, *own telling whether this process holds it. */
int usbmsc_os_lock_probe(const char *path, const char *what, bool *own,
			 struct usbmsc_error *err);
/* The same for the lock file NAME in the lock directory: the first usable
 * of $USBMSC_LOCK_DIR and, on POSIX systems, /run/lock/usbmsc,
 * $XDG_RUNTIME_DIR/usbmsc and /tmp/usbmsc-locks (created, the shared ones
 * world-writable and sticky); on Windows %ProgramData%\usbmsc-locks and
 * the user's %TEMP%\usbmsc-locks. On success *fd_out holds the lock until
 * it is closed. */
int usbmsc_os_lock_named(const char *name, const char *what, int *fd_out,
			 struct usbmsc_error *err);
int usbmsc_os_lock_named_probe(const char *name, const char *what, struct usbmsc_error *err);

/* ---- for the implementations: the locks this process holds (lock_held.c) ---- */

/* fd's file is locked by this process now; no longer. */
void usbmsc_os_held_add(int fd);
void usbmsc_os_held_remove(int fd);
/* A lock on fd's file is held elsewhere: USBMSC_E_BUSY, err saying "WHAT is
 * in use by this process (another open device handle)" when it is one of
 * this process's (*own set), else by whom the backend tells, else by
 * "another program". */
int usbmsc_os_lock_busy(int fd, const char *what, bool *own, struct usbmsc_error *err);

#ifdef __cplusplus
}
#endif
#endif
