/* Bounded text building for the wire code's descriptions and the cleaning
 * of fixed-width ASCII fields. Freestanding (no stdio) so that the target
 * core may link the same wire code. Private to src/wire. */
#ifndef USBMSC_WIRE_TEXT_H
#define USBMSC_WIRE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends to buf[cap], always NUL-terminated when cap > 0; text that does
 * not fit is dropped, so a full buffer is a truncated, valid string. */
struct textbuf {
	char *buf;
	size_t cap;
	size_t len;
};

static inline void textbuf_init(struct textbuf *tb, char *buf, size_t cap)
{
	tb->buf = buf;
	tb->cap = buf ? cap : 0;
	tb->len = 0;
	if (tb->cap > 0)
		buf[0] = '\0';
}

static inline void textbuf_putc(struct textbuf *tb, char c)
{
	if (tb->len + 1 >= tb->cap)
		return;
	tb->buf[tb->len++] = c;
	tb->buf[tb->len] = '\0';
}

static inline void textbuf_puts(struct textbuf *tb, const char *s)
{
	while (*s)
		textbuf_putc(tb, *s++);
}

/* Descriptions are shown in lower case (T10 publishes them in upper case). */
static inline void textbuf_puts_lower(struct textbuf *tb, const char *s)
{
	for (; *s; s++)
		textbuf_putc(tb, (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s);
}

static inline void textbuf_hex2(struct textbuf *tb, uint8_t v)
{
	static const char digits[] = "0123456789ABCDEF";

	textbuf_putc(tb, digits[v >> 4]);
	textbuf_putc(tb, digits[v & 0x0F]);
}

/* Copy a fixed-width, space-padded ASCII field (INQUIRY vendor, VPD serial)
 * into out[outlen] as a C string: padding (spaces, and the NULs some
 * devices use instead) is trimmed at the end and, if trim_leading, at the
 * start; other bytes outside printable ASCII become '?' so that the result
 * is always safe to print. */
static inline void wire_ascii_field(char *out, size_t outlen, const uint8_t *src, size_t srclen,
				    bool trim_leading)
{
	size_t start = 0, end = srclen, n = 0;

	if (!out || outlen == 0)
		return;
	while (end > 0 && (src[end - 1] == ' ' || src[end - 1] == '\0'))
		end--;
	while (trim_leading && start < end && src[start] == ' ')
		start++;
	for (size_t i = start; i < end && n + 1 < outlen; i++)
		out[n++] = (src[i] >= 0x20 && src[i] < 0x7F) ? (char)src[i] : '?';
	out[n] = '\0';
}

#endif
