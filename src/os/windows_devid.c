/* Windows device identifiers, parsed (windows_devid.h). */
#include "windows_devid.h"

#include <stdio.h>
#include <string.h>

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s starts with word, whatever the case: what follows, or NULL. */
static const char *skip(const char *s, const char *word)
{
	for (; *word; s++, word++)
		if (lower(*s) != lower(*word))
			return NULL;
	return s;
}

static int hex_digit(char c)
{
	c = lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly n hex digits at *s: their value, *s moved past them; -1 if not. */
static long hex_n(const char **s, unsigned n)
{
	long v = 0;

	for (unsigned i = 0; i < n; i++) {
		int d = hex_digit((*s)[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	*s += n;
	return v;
}

bool usbmsc_win_usbid_parse(const char *id, struct usbmsc_win_usbid *out)
{
	const char *p = skip(id, "USB\\VID_");
	long vid, pid, mi = -1;

	memset(out, 0, sizeof *out);
	if (!p || (vid = hex_n(&p, 4)) < 0 || !(p = skip(p, "&PID_")) || (pid = hex_n(&p, 4)) < 0)
		return false;
	if (*p == '&') {
		if (!(p = skip(p, "&MI_")) || (mi = hex_n(&p, 2)) < 0)
			return false;
	}
	if (*p != '\\' || p[1] == '\0' || strchr(p + 1, '\\'))
		return false;
	out->vid = (uint16_t)vid;
	out->pid = (uint16_t)pid;
	out->has_mi = mi >= 0;
	out->mi = mi >= 0 ? (uint8_t)mi : 0;
	snprintf(out->instance, sizeof out->instance, "%s", p + 1);
	out->instance_is_serial = !out->has_mi && !strchr(out->instance, '&');
	return true;
}

size_t usbmsc_win_location_ports(const char *location, uint8_t *ports, size_t max)
{
	const char *p = location, *q;
	size_t n = 0;

	/* Find the root hub; every part after it is a hub port: USB(n). */
	for (;;) {
		if ((q = skip(p, "USBROOT(")) != NULL)
			break;
		p = strchr(p, '#');
		if (!p)
			return 0;
		p++;
	}
	p = strchr(q, ')');
	while (p && p[1] == '#') {
		unsigned long port = 0;
		const char *d;

		q = skip(p + 2, "USB(");
		if (!q || *q < '0' || *q > '9' || n == max)
			return 0;
		for (d = q; *d >= '0' && *d <= '9'; d++) {
			port = port * 10 + (unsigned long)(*d - '0');
			if (port > 255)
				return 0;
		}
		if (*d != ')' || port == 0)
			return 0;
		ports[n++] = (uint8_t)port;
		p = d;
	}
	return p && p[1] == '\0' ? n : 0;
}

static bool parse_class(const char *s, uint8_t *cls, uint8_t *sub, uint8_t *prot)
{
	long c, sc, pr;

	if (!(s = skip(s, "USB\\Class_")) || (c = hex_n(&s, 2)) < 0 ||
	    !(s = skip(s, "&SubClass_")) || (sc = hex_n(&s, 2)) < 0 ||
	    !(s = skip(s, "&Prot_")) || (pr = hex_n(&s, 2)) < 0 || *s != '\0')
		return false;
	*cls = (uint8_t)c;
	*sub = (uint8_t)sc;
	*prot = (uint8_t)pr;
	return true;
}

bool usbmsc_win_compat_class(const char *multi_sz, size_t len, uint8_t *cls, uint8_t *sub,
			     uint8_t *prot)
{
	size_t at = 0;

	while (at < len && multi_sz[at] != '\0') {
		const char *s = multi_sz + at;
		const char *end = memchr(s, '\0', len - at);

		if (!end)
			return false;   /* not terminated within len */
		if (parse_class(s, cls, sub, prot))
			return true;
		at += (size_t)(end - s) + 1;
	}
	return false;
}
