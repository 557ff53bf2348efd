/* The mount table, as /proc/self/mountinfo lists it:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent MAJ:MIN root mount-point options [optional fields...] - type source super-options
 *
 * Mounts are matched to disks by MAJ:MIN (the st_dev of the file system),
 * not by name, so that /dev/disk/by-id paths and renamed nodes still match. */
#include "usbmsc_os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Next space-separated field of *cursor, NUL-terminated in place. */
static char *next_field(char **cursor)
{
	char *s = *cursor;
	char *start;

	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return NULL;
	start = s;
	while (*s != '\0' && *s != ' ' && *s != '\n')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*cursor = s;
	return start;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *out = s;

	while (*s != '\0') {
		if (s[0] == '\\' && is_octal(s[1]) && is_octal(s[2]) && is_octal(s[3])) {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

static bool parse_devnum(const char *s, unsigned *major, unsigned *minor)
{
	char *end;
	unsigned long ma, mi;

	errno = 0;
	ma = strtoul(s, &end, 10);
	if (end == s || *end != ':' || errno != 0 || ma > 0xFFFFFFFFul)
		return false;
	s = end + 1;
	mi = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || mi > 0xFFFFFFFFul)
		return false;
	*major = (unsigned)ma;
	*minor = (unsigned)mi;
	return true;
}

bool usbmsc_os_mountinfo_parse(char *line, struct usbmsc_os_mount *out)
{
	char *cursor = line;
	char *f[5];
	char *sep, *fstype, *source;
	size_t i;

	for (i = 0; i < 5; i++) {       /* id, parent, MAJ:MIN, root, mount point */
		f[i] = next_field(&cursor);
		if (!f[i])
			return false;
	}
	if (!next_field(&cursor))       /* mount options */
		return false;
	do {                            /* optional fields up to the "-" */
		sep = next_field(&cursor);
		if (!sep)
			return false;
	} while (strcmp(sep, "-") != 0);
	fstype = next_field(&cursor);
	source = next_field(&cursor);
	if (!fstype || !source)
		return false;
	if (!parse_devnum(f[2], &out->major, &out->minor))
		return false;
	unescape(f[4]);
	unescape(source);
	unescape(fstype);
	out->target = f[4];
	out->source = source;
	out->fstype = fstype;
	return true;
}

void usbmsc_os_mounts_free(struct usbmsc_os_mount *mounts, size_t count)
{
	size_t i;

	if (!mounts)
		return;
	for (i = 0; i < count; i++) {
		free(mounts[i].source);
		free(mounts[i].target);
		free(mounts[i].fstype);
	}
	free(mounts);
}

/* Append a copy of m to the growing array. */
static bool push_mount(struct usbmsc_os_mount **v, size_t *n, size_t *cap,
		       const struct usbmsc_os_mount *m)
{
	struct usbmsc_os_mount copy = { m->major, m->minor, NULL, NULL, NULL };

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct usbmsc_os_mount *nv = realloc(*v, ncap * sizeof *nv);

		if (!nv)
			return false;
		*v = nv;
		*cap = ncap;
	}
	copy.source = strdup(m->source);
	copy.target = strdup(m->target);
	copy.fstype = strdup(m->fstype);
	if (!copy.source || !copy.target || !copy.fstype) {
		free(copy.source);
		free(copy.target);
		free(copy.fstype);
		return false;
	}
	(*v)[(*n)++] = copy;
	return true;
}

int usbmsc_os_mounts_load(const char *path, struct usbmsc_os_mount **out, size_t *count,
			  struct usbmsc_error *err)
{
	struct usbmsc_os_mount *v = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	char *line = NULL;
	FILE *f;

	*out = NULL;
	*count = 0;
	if (!path)
		path = "/proc/self/mountinfo";
	f = fopen(path, "re");
	if (!f)
		return usbmsc_fail(err, USBMSC_E_OTHER, "cannot read the mount table %s: %s", path,
				   strerror(errno));
	while (getline(&line, &linecap, f) > 0) {
		struct usbmsc_os_mount m;

		if (!usbmsc_os_mountinfo_parse(line, &m))
			continue;       /* a line we do not understand names no disk of ours */
		if (!push_mount(&v, &n, &cap, &m)) {
			free(line);
			fclose(f);
			usbmsc_os_mounts_free(v, n);
			return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
		}
	}
	free(line);
	fclose(f);
	*out = v;
	*count = n;
	return 0;
}
