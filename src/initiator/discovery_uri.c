/* Device selectors for usb: and auto: URIs. Pure, no I/O. */
#include "usbmsc/discovery.h"

#include <stdio.h>
#include <string.h>

#define SELECTOR_HELP "VID:PID[:SERIAL] (hex, e.g. 1d6b:0104) or BUS-PORT[.PORT...] (e.g. 1-2.3)"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1..4 hex digits (an optional 0x), stopping at ':' or the end. */
static const char *parse_hex16(const char *s, uint16_t *out)
{
	unsigned v = 0;
	int n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (hex_digit(*s) >= 0) {
		if (++n > 4)
			return NULL;
		v = v * 16u + (unsigned)hex_digit(*s++);
	}
	if (n == 0 || (*s != ':' && *s != '\0'))
		return NULL;
	*out = (uint16_t)v;
	return s;
}

/* A decimal 1..255 (bus numbers and ports both start at 1). */
static const char *parse_dec8(const char *s, uint8_t *out)
{
	unsigned v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10u + (unsigned)(*s++ - '0');
		if (++n > 3 || v > 255)
			return NULL;
	}
	if (n == 0 || v == 0)
		return NULL;
	*out = (uint8_t)v;
	return s;
}

static int parse_port_path(const char *s, struct usbmsc_usb_selector *sel)
{
	s = parse_dec8(s, &sel->bus);
	if (!s || *s != '-')
		return -1;
	do {
		if (sel->port_count == USBMSC_MAX_PORT_DEPTH)
			return -1;
		s = parse_dec8(s + 1, &sel->ports[sel->port_count++]);
		if (!s)
			return -1;
	} while (*s == '.');
	return *s == '\0' ? 0 : -1;
}

static int parse_ids(const char *s, struct usbmsc_usb_selector *sel)
{
	s = parse_hex16(s, &sel->vid);
	if (!s || *s != ':')
		return -1;
	s = parse_hex16(s + 1, &sel->pid);
	if (!s)
		return -1;
	if (*s == '\0')
		return 0;
	s++;                            /* ':' then the serial, colons and all */
	if (*s == '\0' || strlen(s) >= sizeof sel->serial)
		return -1;
	strcpy(sel->serial, s);
	sel->has_serial = true;
	return 0;
}

int usbmsc_usb_selector_parse(const char *text, struct usbmsc_usb_selector *sel,
			      struct usbmsc_error *err)
{
	const char *dash, *colon;
	int rc;

	memset(sel, 0, sizeof *sel);
	if (!text || text[0] == '\0')
		return usbmsc_fail(err, USBMSC_E_USAGE, "missing device: expected " SELECTOR_HELP);
	dash = strchr(text, '-');
	colon = strchr(text, ':');
	/* "1-2.3" has a dash and no colon before it; a serial may hold dashes. */
	sel->by_port = dash && (!colon || dash < colon);
	rc = sel->by_port ? parse_port_path(text, sel) : parse_ids(text, sel);
	if (rc != 0) {
		memset(sel, 0, sizeof *sel);
		return usbmsc_fail(err, USBMSC_E_USAGE, "bad device '%s': expected " SELECTOR_HELP,
				   text);
	}
	return 0;
}

int usbmsc_usb_port_path(uint8_t bus, const uint8_t *ports, size_t port_count, char *buf,
			 size_t len)
{
	int total = snprintf(buf, len, "%u", (unsigned)bus);
	size_t i;

	for (i = 0; i < port_count && total >= 0; i++) {
		size_t at = (size_t)total < len ? (size_t)total : len;
		int n = snprintf(buf + at, len - at, "%c%u", i == 0 ? '-' : '.',
				 (unsigned)ports[i]);

		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

bool usbmsc_device_info_matches(const struct usbmsc_device_info *info,
				const struct usbmsc_usb_selector *sel)
{
	char path[32];

	if (sel->by_port) {
		usbmsc_usb_port_path(sel->bus, sel->ports, sel->port_count, path, sizeof path);
		return strcmp(path, info->port_path) == 0;
	}
	if (info->vid != sel->vid || info->pid != sel->pid)
		return false;
	return !sel->has_serial || strcmp(info->serial, sel->serial) == 0;
}

const char *usbmsc_usb_speed_name(const char *speed)
{
	static const struct {
		const char *mbps, *name;
	} names[] = {
		{ "1.5", "low" }, { "12", "full" }, { "480", "high" }, { "5000", "super" },
		{ "10000", "super+" }, { "20000", "super+" }, { "40000", "super+" },
	};
	size_t i;

	if (!speed)
		return "";
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(speed, names[i].mbps) == 0)
			return names[i].name;
	return speed;
}
