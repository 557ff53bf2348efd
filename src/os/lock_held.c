/* The files this process holds locks on (os_lock.h), the same on every
 * system: their identity (volume and index) and the process that took the
 * lock, so that a conflict with one of them is known to be this process's
 * own (another open device handle) even where the backend names no holder.
 * A child after fork() holds none of its parent's. */
#include "os_backend.h"
#include "os_clock.h"
#include "os_file.h"
#include "os_lock.h"

#include <stdio.h>

#define HELD_MAX 32

static struct held {
	int fd;
	uint64_t volume, index;
	unsigned long pid;
} held[HELD_MAX];
static size_t held_count;

void usbmsc_os_held_add(int fd)
{
	struct usbmsc_file_info fi;

	if (held_count < HELD_MAX && usbmsc_file_stat_fd(fd, &fi))
		held[held_count++] = (struct held){ fd, fi.volume, fi.index, usbmsc_process_id() };
}

void usbmsc_os_held_remove(int fd)
{
	for (size_t i = 0; i < held_count; i++)
		if (held[i].fd == fd) {
			held[i] = held[--held_count];
			break;
		}
}

static bool held_here(int fd)
{
	struct usbmsc_file_info fi;

	if (!usbmsc_file_stat_fd(fd, &fi))
		return false;
	for (size_t i = 0; i < held_count; i++)
		if (held[i].volume == fi.volume && held[i].index == fi.index &&
		    held[i].pid == usbmsc_process_id())
			return true;
	return false;
}

int usbmsc_os_lock_busy(int fd, const char *what, bool *own, struct usbmsc_error *err)
{
	char holder[160];
	bool mine = held_here(fd);

	if (!mine && !usbmsc_os_backend.lock_holder(fd, holder, sizeof holder, &mine))
		snprintf(holder, sizeof holder, "another program");
	if (own)
		*own = mine;
	if (mine)
		return usbmsc_fail(err, USBMSC_E_BUSY, "%s is in use by this process (another "
				   "open device handle)", what);
	return usbmsc_fail(err, USBMSC_E_BUSY, "%s is in use by %s", what, holder);
}
