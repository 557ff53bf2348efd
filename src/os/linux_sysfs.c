/* sysfs lookups: attributes, SCSI device directories, block queue limits.
 *
 * Every function takes its directories as arguments (rooted at a sysfs root
 * that tests point at a fake tree), opens nothing under /dev and never
 * needs privileges. */
#include "usbmsc_os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *usbmsc_os_sysfs_root(const char *root)
{
	const char *env;

	if (root && root[0] != '\0')
		return root;
	env = getenv("USBMSC_SYSFS_ROOT");
	if (env && env[0] != '\0')
		return env;
	return "/sys";
}

int usbmsc_os_read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t got;
	size_t n;
	int fd;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		got = read(fd, buf, len - 1);
	} while (got < 0 && errno == EINTR);
	close(fd);
	if (got < 0)
		return -1;
	n = (size_t)got;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	return (int)n;
}

bool usbmsc_os_read_ulong(const char *dir, const char *name, int base, unsigned long *out)
{
	char buf[64];
	char *end;
	unsigned long v;

	if (usbmsc_os_read_attr(dir, name, buf, sizeof buf) <= 0)
		return false;
	errno = 0;
	v = strtoul(buf, &end, base);
	if (end == buf || *end != '\0' || errno != 0)
		return false;
	*out = v;
	return true;
}

bool usbmsc_os_read_devnum(const char *dir, unsigned *major, unsigned *minor)
{
	char buf[32];
	unsigned ma, mi;
	char extra;

	if (usbmsc_os_read_attr(dir, "dev", buf, sizeof buf) <= 0)
		return false;
	if (sscanf(buf, "%u:%u%c", &ma, &mi, &extra) != 2)
		return false;
	*major = ma;
	*minor = mi;
	return true;
}

bool usbmsc_os_link_name(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (len == 0)
		return false;
	buf[0] = '\0';
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return false;
	n = readlink(path, target, sizeof target - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return false;
	strcpy(buf, base);
	return true;
}

bool usbmsc_os_first_entry(const char *dir, const char *sub, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (len == 0)
		return false;
	buf[0] = '\0';
	if (snprintf(path, sizeof path, "%s/%s", dir, sub) >= (int)sizeof path)
		return false;
	d = opendir(path);
	if (!d)
		return false;
	/* Take the smallest name so that the answer does not depend on the
	 * order of the directory (there is normally exactly one). */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= len)
			continue;
		if (!found || strcmp(e->d_name, buf) < 0) {
			strcpy(buf, e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

bool usbmsc_os_parse_hctl(const char *name, unsigned *h, unsigned *c, unsigned *t,
			  uint64_t *l)
{
	unsigned hh, cc, tt;
	uint64_t ll;
	int used = 0;

	if (sscanf(name, "%u:%u:%u:%" SCNu64 "%n", &hh, &cc, &tt, &ll, &used) != 4)
		return false;
	if (name[used] != '\0' || name[0] < '0' || name[0] > '9')
		return false;
	*h = hh;
	*c = cc;
	*t = tt;
	*l = ll;
	return true;
}

static bool is_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return false;
	return access(path, F_OK) == 0;
}

/* ".../dev/char/M:m" or ".../dev/block/M:m". */
static bool node_path(const char *sysfs_root, bool block, unsigned major, unsigned minor,
		      char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/dev/%s/%u:%u", usbmsc_os_sysfs_root(sysfs_root),
			 block ? "block" : "char", major, minor);

	return n > 0 && (size_t)n < outlen;
}

bool usbmsc_os_node_device_path(const char *sysfs_root, bool block, unsigned major,
				unsigned minor, char *out, size_t outlen)
{
	if (!node_path(sysfs_root, block, major, minor, out, outlen) ||
	    strlen(out) + sizeof "/device" > outlen)
		return false;
	strcat(out, "/device");
	return true;
}

bool usbmsc_os_scsi_dir_of_node(const char *sysfs_root, bool block, unsigned major,
				unsigned minor, char *out, size_t outlen, bool *partition)
{
	char path[PATH_MAX], real[PATH_MAX];
	unsigned h, c, t;
	uint64_t l;
	const char *base;

	*partition = false;
	if (!node_path(sysfs_root, block, major, minor, path, sizeof path))
		return false;
	if (block && is_dir(path, "partition")) {
		*partition = true;
		return false;
	}
	if (!usbmsc_os_node_device_path(sysfs_root, block, major, minor, path, sizeof path))
		return false;
	if (!realpath(path, real))
		return false;
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	/* A SCSI device's directory is named after its address. */
	if (!usbmsc_os_parse_hctl(base, &h, &c, &t, &l) || strlen(real) >= outlen)
		return false;
	strcpy(out, real);
	return true;
}

void usbmsc_os_scsi_nodes(const char *scsi_dir, char *sg, size_t sglen, char *blk,
			  size_t blklen)
{
	if (!usbmsc_os_first_entry(scsi_dir, "scsi_generic", sg, sglen))
		sg[0] = '\0';
	if (!usbmsc_os_first_entry(scsi_dir, "block", blk, blklen))
		blk[0] = '\0';
}

/* Split scsi_dir into its parent (the target directory) and h:c:t. */
static bool split_scsi_dir(const char *scsi_dir, char *parent, size_t plen, unsigned *h,
			   unsigned *c, unsigned *t)
{
	const char *slash = strrchr(scsi_dir, '/');
	uint64_t l;
	size_t n;

	if (!slash || !usbmsc_os_parse_hctl(slash + 1, h, c, t, &l))
		return false;
	n = (size_t)(slash - scsi_dir);
	if (n >= plen)
		return false;
	memcpy(parent, scsi_dir, n);
	parent[n] = '\0';
	return true;
}

bool usbmsc_os_scsi_sibling(const char *scsi_dir, uint64_t lun, char *out, size_t outlen)
{
	char parent[PATH_MAX];
	unsigned h, c, t;
	int n;

	if (!split_scsi_dir(scsi_dir, parent, sizeof parent, &h, &c, &t))
		return false;
	n = snprintf(out, outlen, "%s/%u:%u:%u:%" PRIu64, parent, h, c, t, lun);
	if (n < 0 || (size_t)n >= outlen)
		return false;
	return access(out, F_OK) == 0;
}

bool usbmsc_os_scsi_max_lun(const char *scsi_dir, uint64_t *max_lun)
{
	char parent[PATH_MAX];
	unsigned h, c, t, eh, ec, et;
	uint64_t el;
	bool found = false;
	struct dirent *e;
	DIR *d;

	if (!split_scsi_dir(scsi_dir, parent, sizeof parent, &h, &c, &t))
		return false;
	d = opendir(parent);
	if (!d)
		return false;
	while ((e = readdir(d)) != NULL) {
		if (!usbmsc_os_parse_hctl(e->d_name, &eh, &ec, &et, &el))
			continue;
		if (eh != h || ec != c || et != t)
			continue;
		if (!found || el > *max_lun)
			*max_lun = el;
		found = true;
	}
	closedir(d);
	return found;
}

uint32_t usbmsc_os_scsi_max_transfer(const char *scsi_dir)
{
	char disk[NAME_MAX + 1], queue[PATH_MAX];
	unsigned long hw_kb = 0, segments = 0;
	uint64_t limit = 0;
	long page;

	if (!usbmsc_os_first_entry(scsi_dir, "block", disk, sizeof disk))
		return 0;
	if (snprintf(queue, sizeof queue, "%s/block/%s/queue", scsi_dir, disk) >=
	    (int)sizeof queue)
		return 0;
	if (usbmsc_os_read_ulong(queue, "max_hw_sectors_kb", 10, &hw_kb) && hw_kb > 0)
		limit = (uint64_t)hw_kb * 1024u;
	/* A user buffer maps to at least one segment per page. */
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	if (usbmsc_os_read_ulong(queue, "max_segments", 10, &segments) && segments > 0) {
		uint64_t seg_limit = (uint64_t)segments * (uint64_t)page;

		if (limit == 0 || seg_limit < limit)
			limit = seg_limit;
	}
	if (limit > UINT32_MAX)
		limit = UINT32_MAX & ~(uint64_t)511;
	return (uint32_t)limit;
}

bool usbmsc_os_have_cap_sys_rawio(void)
{
	char line[256];
	bool have = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long long caps;

		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			have = (caps >> 17) & 1u;   /* CAP_SYS_RAWIO is capability 17 */
			break;
		}
	}
	fclose(f);
	return have;
}
