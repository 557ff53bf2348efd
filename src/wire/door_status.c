/* STATUS.TXT of a file door, read on the host (doorstatus.h). The lines
 * are matched against the very formats the device writes them with
 * (filedoor.h), so the two cannot drift apart. Pure: string.h only. */
#include "usbmsc/doorstatus.h"

#include <string.h>

#include "usbmsc/filedoor.h"

#define CAP 48u

/* Captures of a format's \1, \2 and \3. */
struct caps {
	char c[3][CAP];
};

/* The literal bytes of fmt up to its next capture or its end (the line
 * feed closes every format). */
static size_t literal_len(const char *fmt)
{
	size_t k = 0;

	while (fmt[k] != '\0' && fmt[k] != '\n' && (unsigned char)fmt[k] >= 4u)
		k++;
	return k;
}

static bool is_last_literal(const char *fmt)
{
	size_t k = literal_len(fmt);

	return fmt[k] == '\0' || fmt[k] == '\n';
}

/* Does the line s (n bytes) read as fmt? A capture takes at least one byte,
 * up to the next literal byte, or, before the last literal run, up to
 * where that run must start (so "Updated from 1.0 to 1.10." splits right). */
static bool match(const char *fmt, const char *s, size_t n, struct caps *caps)
{
	size_t i = 0;

	for (; *fmt != '\0' && *fmt != '\n'; fmt++) {
		unsigned char f = (unsigned char)*fmt;
		size_t end, k = 0;

		if (f >= 4u) {
			if (i >= n || s[i] != *fmt)
				return false;
			i++;
			continue;
		}
		if (is_last_literal(fmt + 1)) {
			size_t tail = literal_len(fmt + 1);

			if (n < i + tail)
				return false;
			end = n - tail;
		} else {
			end = i;
			while (end < n && s[end] != fmt[1])
				end++;
		}
		if (end == i)
			return false;
		for (; i < end; i++) {
			if (k < CAP - 1u)
				caps->c[f - 1u][k++] = s[i];
		}
		caps->c[f - 1u][k] = '\0';
	}
	return i == n;
}

static bool decimal(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10u + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static void copy(char *dst, size_t room, const char *src)
{
	size_t n = strlen(src);

	if (n >= room)
		n = room - 1u;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The reason's number: its place in USBMSC_DOOR_TXT_REASONS, from 1. */
static uint8_t reason_of(const char *text)
{
	static const char reasons[] = USBMSC_DOOR_TXT_REASONS;
	const char *r = reasons;

	for (uint8_t i = 1; r < reasons + sizeof(reasons) - 1u; i++, r += strlen(r) + 1u) {
		if (strcmp(r, text) == 0)
			return i;
	}
	return 0;
}

static bool blocks_line(const struct caps *c, struct usbmsc_door_status *out)
{
	if (strcmp(c->c[2], USBMSC_DOOR_TXT_RECEIVING) == 0)
		out->state = USBMSC_DOOR_ST_RECEIVING;
	else if (strcmp(c->c[2], USBMSC_DOOR_TXT_INCOMPLETE) == 0)
		out->state = USBMSC_DOOR_ST_INCOMPLETE;
	else
		return false;
	return decimal(c->c[0], &out->got) && decimal(c->c[1], &out->blocks);
}

static bool classify(const char *s, size_t n, struct usbmsc_door_status *out)
{
	struct caps c;

	memset(&c, 0, sizeof c);
	if (match(USBMSC_DOOR_TXT_WAITING, s, n, &c)) {
		out->state = USBMSC_DOOR_ST_WAITING;
	} else if (match(USBMSC_DOOR_TXT_BLOCKS, s, n, &c)) {
		return blocks_line(&c, out);
	} else if (match(USBMSC_DOOR_TXT_CHECKED, s, n, &c)) {
		out->state = USBMSC_DOOR_ST_CHECKED;
		copy(out->to, sizeof out->to, c.c[0]);
	} else if (match(USBMSC_DOOR_TXT_REFUSED, s, n, &c)) {
		out->state = USBMSC_DOOR_ST_REFUSED;
		copy(out->reason_text, sizeof out->reason_text, c.c[0]);
		out->reason = reason_of(c.c[0]);
	} else if (match(USBMSC_DOOR_TXT_UPDATED, s, n, &c)) {
		out->state = USBMSC_DOOR_ST_UPDATED;
		copy(out->from, sizeof out->from, c.c[0]);
		copy(out->to, sizeof out->to, c.c[1]);
	} else if (match(USBMSC_DOOR_TXT_REVERTED, s, n, &c)) {
		out->state = USBMSC_DOOR_ST_REVERTED;
	} else {
		return false;
	}
	return true;
}

bool usbmsc_door_status_parse(const char *text, size_t len, struct usbmsc_door_status *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	while (n < len && text[n] != '\n' && text[n] != '\0')
		n++;
	while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	if (!classify(text, n, out)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

const char *usbmsc_door_state_name(enum usbmsc_door_state state)
{
	static const char *const names[] = { "unknown", "waiting", "receiving", "incomplete",
					     "checked", "refused", "updated", "reverted" };

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}
