/* Windows device paths for SCSI pass-through (windows_path.h). */
#include "windows_path.h"

#include <stdio.h>
#include <string.h>

#define DEVICE_PREFIX "\\\\.\\"       /* \\.\ */
#define DISK_NAME "physicaldrive"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_letter(char c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

/* "E:" or "E:\" alone. */
static bool is_drive(const char *s)
{
	return is_letter(s[0]) && s[1] == ':' && (s[2] == '\0' || (s[2] == '\\' && s[3] == '\0'));
}

/* s starts with name, whatever the case; returns what follows, or NULL. */
static const char *skip_name(const char *s, const char *name)
{
	for (; *name; s++, name++)
		if (lower(*s) != *name)
			return NULL;
	return s;
}

bool usbmsc_winpath_claims(const char *uri)
{
	return strncmp(uri, DEVICE_PREFIX, strlen(DEVICE_PREFIX)) == 0 || is_drive(uri);
}

static int parse_disk(const char *uri, const char *num, struct usbmsc_winpath *out,
		      struct usbmsc_error *err)
{
	uint32_t n = 0;
	const char *p;

	if (*num == '\0' || (num[0] == '0' && num[1] != '\0'))
		goto bad;
	for (p = num; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		n = n * 10u + (uint32_t)(*p - '0');
		if (n > USBMSC_WINPATH_MAX_DISK)
			goto bad;
	}
	out->kind = USBMSC_WINPATH_DISK;
	out->disk = n;
	snprintf(out->path, sizeof out->path, DEVICE_PREFIX "PhysicalDrive%u", (unsigned)n);
	return 0;
bad:
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "%s: expected \\\\.\\PhysicalDriveN with N a disk number (0 to %u)",
			   uri, USBMSC_WINPATH_MAX_DISK);
}

static void volume(char letter, struct usbmsc_winpath *out)
{
	out->kind = USBMSC_WINPATH_VOLUME;
	out->letter = (char)(lower(letter) - 'a' + 'A');
	snprintf(out->path, sizeof out->path, DEVICE_PREFIX "%c:", out->letter);
}

int usbmsc_winpath_parse(const char *uri, struct usbmsc_winpath *out, struct usbmsc_error *err)
{
	const char *rest, *num;

	memset(out, 0, sizeof *out);
	if (is_drive(uri)) {
		volume(uri[0], out);
		return 0;
	}
	if (strncmp(uri, DEVICE_PREFIX, strlen(DEVICE_PREFIX)) != 0)
		return usbmsc_fail(err, USBMSC_E_USAGE, "%s: not a Windows device path", uri);
	rest = uri + strlen(DEVICE_PREFIX);
	if (is_letter(rest[0]) && rest[1] == ':' && rest[2] == '\0') {
		volume(rest[0], out);
		return 0;
	}
	num = skip_name(rest, DISK_NAME);
	if (num)
		return parse_disk(uri, num, out, err);
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "%s: expected \\\\.\\PhysicalDriveN, \\\\.\\X: or X: (a drive letter)",
			   uri);
}
