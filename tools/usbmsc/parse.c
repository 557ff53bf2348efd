/* Command-line value parsing (see parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a leading unsigned number; *end points after it. strtoull alone
 * would accept spaces and a minus sign. */
static bool leading_u64(const char *s, uint64_t *out, char **end)
{
	int base = 10;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return false;
		base = 16;
	}
	errno = 0;
	v = strtoull(s, end, base);
	if (errno == ERANGE)
		return false;
	*out = v;
	return true;
}

bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	return leading_u64(s, out, &end) && *end == '\0';
}

bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;
	unsigned shift = 0;

	if (!leading_u64(s, &v, &end))
		return false;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default: return false;
	}
	if (shift && end[1] != '\0')
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

bool parse_seconds(const char *s, unsigned *ms)
{
	char *end;
	double v;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !(v > 0.0) || v > 86400.0)
		return false;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The hex token s[0..digits), "0x" already skipped; see parse_hex_token. */
static int hex_span(const char *s, size_t digits, uint8_t *out, size_t room)
{
	int count = 0;

	if (digits == 0 || (digits > 2 && digits % 2 != 0))
		return -1;
	for (size_t i = 0; i < digits; i++)
		if (hex_digit(s[i]) < 0)
			return -1;
	if (digits == 1) {
		if (room > 0)
			out[0] = (uint8_t)hex_digit(s[0]);
		return 1;
	}
	for (size_t i = 0; i < digits; i += 2, count++)
		if ((size_t)count < room)
			out[count] = (uint8_t)(hex_digit(s[i]) << 4 | hex_digit(s[i + 1]));
	return count;
}

static size_t skip_0x(const char *s, size_t len)
{
	return len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
}

int parse_hex_token(const char *s, uint8_t *out, size_t room)
{
	size_t len, skip;

	if (!s)
		return -1;
	len = strlen(s);
	skip = skip_0x(s, len);
	return hex_span(s + skip, len - skip, out, room);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int parse_hex_arg(const char *s, uint8_t *out, size_t room, const char **bad, size_t *bad_len)
{
	size_t total = 0;

	*bad = s;
	*bad_len = s ? strlen(s) : 0;
	if (!s)
		return -1;
	for (;;) {
		size_t len, skip;
		int n;

		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		for (len = 0; s[len] && !is_blank(s[len]); len++)
			;
		skip = skip_0x(s, len);
		n = hex_span(s + skip, len - skip, total < room ? out + total : NULL,
			     total < room ? room - total : 0);
		if (n < 0) {
			*bad = s;
			*bad_len = len;
			return -1;
		}
		total += (size_t)n;
		s += len;
	}
	/* An argument of blanks only holds no token at all. */
	return total > 0 ? (int)total : -1;
}

/* sg_write_buffer(8)'s names for the WRITE BUFFER modes, in its order: an
 * abbreviation means the first name it starts. */
static const struct {
	const char *name;
	uint8_t mode;
} wb_modes[] = {
	{ "hd", 0x00 },          { "vendor", 0x01 },        { "data", 0x02 },
	{ "dmc", 0x04 },         { "dmc_save", 0x05 },      { "dmc_offs", 0x06 },
	{ "dmc_offs_save", 0x07 }, { "echo", 0x0A },        { "dmc_offs_ev_defer", 0x0D },
	{ "dmc_offs_defer", 0x0E }, { "activate_mc", 0x0F }, { "en_ex", 0x1A },
	{ "dis_ex", 0x1B },      { "deh", 0x1C },
};

/* sg3_utils' numbers: decimal, 0x hex, or hex with an h suffix. */
static bool sg_number(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	char hex[24];

	if (n >= 2 && n < sizeof hex - 2 && (s[n - 1] == 'h' || s[n - 1] == 'H')) {
		snprintf(hex, sizeof hex, "0x%.*s", (int)(n - 1), s);
		return parse_u64(hex, v);
	}
	return parse_u64(s, v);
}

bool parse_wb_mode(const char *s, uint8_t *mode)
{
	size_t n;
	uint64_t v;

	if (!s || !s[0])
		return false;
	/* usbmsc's own spelling of mode 0x0E first: sg_write_buffer reads "e" as echo. */
	if (strcmp(s, "e") == 0 || strcmp(s, "E") == 0 || strcmp(s, "0e") == 0 ||
	    strcmp(s, "0E") == 0) {
		*mode = 0x0E;
		return true;
	}
	if (isdigit((unsigned char)s[0])) {
		if (!sg_number(s, &v) || v > 0x1F)
			return false;
		*mode = (uint8_t)v;
		return true;
	}
	n = strlen(s);
	for (size_t i = 0; i < sizeof wb_modes / sizeof wb_modes[0]; i++) {
		if (strncmp(wb_modes[i].name, s, n) == 0) {
			*mode = wb_modes[i].mode;
			return true;
		}
	}
	return false;
}

const char *wb_mode_name(uint8_t mode)
{
	for (size_t i = 0; i < sizeof wb_modes / sizeof wb_modes[0]; i++)
		if (wb_modes[i].mode == mode)
			return wb_modes[i].name;
	return NULL;
}
