/* Streaming JSON writer (see json.h). */
#include "json.h"

#include <inttypes.h>
#include <math.h>

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->started = false;
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		j->has_items[i] = false;
}

static void indent(struct json *j, int depth)
{
	fputc('\n', j->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->f);
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p >= 0x7F)
			/* Device strings need not be UTF-8: keep the byte, stay valid. */
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* The separator, line break and key before a value. */
static void member(struct json *j, const char *key)
{
	j->started = true;
	if (j->depth == 0)
		return;
	if (j->has_items[j->depth])
		fputc(',', j->f);
	j->has_items[j->depth] = true;
	indent(j, j->depth);
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_container(struct json *j, const char *key, char bracket)
{
	member(j, key);
	fputc(bracket, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->has_items[j->depth] = false;
}

static void close_container(struct json *j, char bracket)
{
	if (j->depth == 0)
		return;
	j->depth--;
	if (j->has_items[j->depth + 1])
		indent(j, j->depth);
	fputc(bracket, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_object_begin(struct json *j, const char *key) { open_container(j, key, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j, const char *key) { open_container(j, key, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

/* A scalar at the top is a whole document: end its line. */
static void end_scalar(struct json *j)
{
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_string(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		put_string(j->f, s);
	else
		fputs("null", j->f);
	end_scalar(j);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
	end_scalar(j);
}

void json_int(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
	end_scalar(j);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
	end_scalar(j);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
	end_scalar(j);
}

void json_double(struct json *j, const char *key, double v, int decimals)
{
	member(j, key);
	/* JSON has no NaN or infinity. */
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
	end_scalar(j);
}

void json_hex(struct json *j, const char *key, const uint8_t *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	member(j, key);
	fputc('"', j->f);
	for (size_t i = 0; i < len; i++) {
		fputc(digits[bytes[i] >> 4], j->f);
		fputc(digits[bytes[i] & 0xF], j->f);
	}
	fputc('"', j->f);
	end_scalar(j);
}
