/* INFO_UF2.TXT of a file door, read on the host (doorstatus.h): the UF2
 * convention's first line and its "Key: value" lines. Pure: string.h only. */
#include "usbmsc/doorstatus.h"

#include <string.h>

#define BOOTLOADER "UF2 Bootloader"

/* src[0..n) into dst, cut to fit, without spaces at either end. */
static void put(char *dst, size_t room, const char *src, size_t n)
{
	while (n > 0 && (*src == ' ' || *src == '\t')) {
		src++;
		n--;
	}
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t'))
		n--;
	if (n >= room)
		n = room - 1u;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "Key: value" into its field; false when the line is not one we keep. */
static bool key_line(const char *s, size_t n, struct usbmsc_door_info *out)
{
	static const struct {
		const char *key;
		size_t off, room;
	} keys[] = {
		{ "Model:", offsetof(struct usbmsc_door_info, model), sizeof out->model },
		{ "Board-ID:", offsetof(struct usbmsc_door_info, board_id), sizeof out->board_id },
		{ "Firmware:", offsetof(struct usbmsc_door_info, firmware), sizeof out->firmware },
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t k = strlen(keys[i].key);

		if (n >= k && memcmp(s, keys[i].key, k) == 0) {
			put((char *)out + keys[i].off, keys[i].room, s + k, n - k);
			return true;
		}
	}
	return false;
}

bool usbmsc_door_info_parse(const char *text, size_t len, struct usbmsc_door_info *out)
{
	size_t at = 0;
	bool first = true, known = false;

	memset(out, 0, sizeof *out);
	while (at < len && text[at] != '\0') {
		size_t n = 0;

		while (at + n < len && text[at + n] != '\n' && text[at + n] != '\0')
			n++;
		if (n > 0 && text[at + n - 1] == '\r')
			n--;
		if (first && n >= sizeof BOOTLOADER - 1u &&
		    memcmp(text + at, BOOTLOADER, sizeof BOOTLOADER - 1u) == 0) {
			put(out->bootloader, sizeof out->bootloader, text + at, n);
			known = true;
		} else if (key_line(text + at, n, out) && (out->model[0] || out->board_id[0])) {
			known = true;
		}
		first = false;
		at += n;
		while (at < len && (text[at] == '\r' || text[at] == '\n'))
			at++;
	}
	if (!known)
		memset(out, 0, sizeof *out);
	return known;
}

bool usbmsc_door_info_same_board(const struct usbmsc_door_info *a,
				 const struct usbmsc_door_info *b)
{
	if (!a->model[0] && !a->board_id[0])
		return false;
	return strcmp(a->model, b->model) == 0 && strcmp(a->board_id, b->board_id) == 0;
}
