/* Who holds a file: the process behind a lock or an open file, named for
 * messages ("pid 4242 (usbmsc -d sim:disk.img fw update a.umfw)"). Linux
 * tells through /proc; elsewhere nobody is named. */
#include "usbmsc_os.h"

#include <stdio.h>
#include <string.h>


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Room for the command line in a name; longer ones end in "...". */
#define CMDLINE_SHOWN 128u

/* "pid N (ARGV joined by spaces)", or "pid N" when its command line is
 * gone; false when the process is. */
static bool describe_pid(long pid, char *buf, size_t len)
{
	char path[64], cmd[CMDLINE_SHOWN + 1];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, cmd, sizeof cmd - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		n = 0;
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)cmd[i] < 0x20)
			cmd[i] = ' ';   /* the argument separators, and newlines in them */
	while (n > 0 && cmd[n - 1] == ' ')
		n--;
	cmd[n] = '\0';
	if (n == (ssize_t)sizeof cmd - 1)
		memcpy(cmd + n - 3, "...", 3);
	if (n > 0)
		snprintf(buf, len, "pid %ld (%s)", pid, cmd);
	else
		snprintf(buf, len, "pid %ld", pid);
	return true;
}

/* The pid /proc/locks gives for a lock on (dev, ino); 0 if none. A line
 * with the device's numbers wins over one with the inode number alone
 * (an overlay file system reports other device numbers than stat). */
static long locking_pid(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], kind[16];
	unsigned maj, min;
	unsigned long long lino;
	long pid, best = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		/* "1: FLOCK  ADVISORY  WRITE 4242 fe:00:10952765 0 EOF"; a waiter's
		 * line has "->" where the kind is. */
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%llu", kind, &pid, &maj, &min,
			   &lino) != 5 || strcmp(kind, "->") == 0 || lino != (unsigned long long)ino)
			continue;
		if (maj == major(dev) && min == minor(dev)) {
			best = pid;
			break;
		}
		if (!best)
			best = pid;
	}
	fclose(f);
	return best;
}

/* Whether /proc/PID/fd has a descriptor on st's file (for device nodes:
 * on that device): 1 yes, 0 no, -1 cannot tell (another user's process). */
static int pid_has_open(long pid, const struct stat *st)
{
	char dir[64], path[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%ld/fd", pid);
	d = opendir(dir);
	if (!d)
		return errno == EACCES || errno == EPERM ? -1 : 0;
	while (!found && (e = readdir(d)) != NULL) {
		struct stat o;

		if (e->d_name[0] == '.' ||
		    snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
		    stat(path, &o) != 0)
			continue;
		if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
			found = (o.st_mode & S_IFMT) == (st->st_mode & S_IFMT) && o.st_rdev == st->st_rdev;
		else
			found = o.st_dev == st->st_dev && o.st_ino == st->st_ino;
	}
	closedir(d);
	return found ? 1 : 0;
}

/* The first process but this one with st's file open. */
static long opening_pid(const struct stat *st)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long self = (long)getpid(), pid = 0;

	if (!d)
		return 0;
	while (!pid && (e = readdir(d)) != NULL) {
		char *end;
		long p = strtol(e->d_name, &end, 10);

		if (*end == '\0' && p > 0 && p != self && pid_has_open(p, st) == 1)
			pid = p;
	}
	closedir(d);
	return pid;
}

bool usbmsc_os_lock_holder(int fd, char *buf, size_t len, bool *own)
{
	struct stat st;
	long pid;

	*own = false;
	if (fstat(fd, &st) != 0)
		return false;
	pid = locking_pid(st.st_dev, st.st_ino);
	if (pid == (long)getpid()) {
		*own = true;
		snprintf(buf, len, "this process");
		return true;
	}
	/* A lock taken before a fork, or by a helper that has exited, shows a
	 * pid that no longer has the file: then whoever has it open. */
	if (pid > 0 && pid_has_open(pid, &st) != 0 && describe_pid(pid, buf, len))
		return true;
	pid = opening_pid(&st);
	return pid > 0 && describe_pid(pid, buf, len);
}

bool usbmsc_os_file_user(const char *path, char *buf, size_t len)
{
	struct stat st;
	long pid;

	if (stat(path, &st) != 0)
		return false;
	pid = opening_pid(&st);
	return pid > 0 && describe_pid(pid, buf, len);
}

