/* A small streaming JSON writer: one document, indented, written as it
 * goes. Members of an object take a key; elements of an array and the top
 * value take key NULL. */
#ifndef USBMSC_CLI_JSON_H
#define USBMSC_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool started;                  /* something has been written */
	bool has_items[JSON_MAX_DEPTH]; /* the open container at each depth is not empty */
};

void json_init(struct json *j, FILE *f);

void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

/* s NULL writes null. Bytes that are not printable ASCII are escaped as
 * \u00XX, so the output is valid JSON whatever a device sends. */
void json_string(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_int(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* A number with that many decimals; null when it is not finite. */
void json_double(struct json *j, const char *key, double v, int decimals);
/* Bytes as one lower-case hex string without separators ("" for none). */
void json_hex(struct json *j, const char *key, const uint8_t *bytes, size_t len);

#endif
