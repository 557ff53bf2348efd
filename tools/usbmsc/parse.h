/* Parsing of command-line values: numbers, sizes, time-outs, hex bytes,
 * WRITE BUFFER modes.
 * Pure functions; each takes the whole string or fails. */
#ifndef USBMSC_CLI_PARSE_H
#define USBMSC_CLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal or 0x-prefixed hex ("2048", "0x800"). */
bool parse_u64(const char *s, uint64_t *out);

/* A byte count: a number as parse_u64, optionally followed by k, m or g
 * (binary multiples: "4k" = 4096). */
bool parse_size(const char *s, uint64_t *out);

/* Seconds, possibly fractional ("2", "0.5"), more than 0 and at most a
 * day; out in milliseconds, at least 1. */
bool parse_seconds(const char *s, unsigned *ms);

/* One hex token of a CDB: "12", "0x12", "120000002400". A token of one or
 * two digits is one byte; a longer one is read two digits per byte and must
 * have an even number of digits. Stores at most room bytes but returns how
 * many the token holds, or -1 when it is not hex. */
int parse_hex_token(const char *s, uint8_t *out, size_t room);

/* One argument of a CDB: tokens as parse_hex_token, separated by spaces or
 * tabs, so that "12 00 00 00 24 00" quoted as one argument is six bytes.
 * Stores at most room bytes but returns how many the argument holds, or -1
 * when a token is not hex (*bad, *bad_len: that token) or there is none
 * (*bad: the whole argument). */
int parse_hex_arg(const char *s, uint8_t *out, size_t room, const char **bad, size_t *bad_len);

/* A WRITE BUFFER mode, 0 to 0x1f, as sg_write_buffer(8) takes it: a number
 * (decimal "14", hex "0x0e" or "0eh") or a name or its abbreviation
 * ("dmc_offs_defer", "activate_mc"); also usbmsc's "e" and "0e" for 0x0e. */
bool parse_wb_mode(const char *s, uint8_t *mode);
/* sg_write_buffer's name of a mode ("dmc_offs_defer"), or NULL. */
const char *wb_mode_name(uint8_t mode);

#endif
