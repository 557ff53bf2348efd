/* Command-line value parsing (see parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
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

int parse_hex_token(const char *s, uint8_t *out, size_t room)
{
	size_t digits;
	int count = 0;

	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	digits = strlen(s);
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
