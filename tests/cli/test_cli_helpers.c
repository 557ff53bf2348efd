/* The usbmsc command's pure helpers: value parsing, the JSON writer, hex
 * dumps, raw's phase-error hint, bench's latency statistics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexdump.h"
#include "json.h"
#include "latency.h"
#include "parse.h"
#include "phase_hint.h"

/* ---- parse ------------------------------------------------------------------ */

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(parse_u64("2048", &v));
	assert_int_equal(v, 2048);
	assert_true(parse_u64("0x800", &v));
	assert_int_equal(v, 0x800);
	assert_true(parse_u64("0", &v));
	assert_int_equal(v, 0);
	assert_true(parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	assert_false(parse_u64("18446744073709551616", &v));
	assert_false(parse_u64("", &v));
	assert_false(parse_u64("-1", &v));
	assert_false(parse_u64(" 1", &v));
	assert_false(parse_u64("12x", &v));
	assert_false(parse_u64("0x", &v));
	assert_false(parse_u64(NULL, &v));
}

static void test_parse_size(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(parse_size("512", &v));
	assert_int_equal(v, 512);
	assert_true(parse_size("0x200", &v));
	assert_int_equal(v, 512);
	assert_true(parse_size("4k", &v));
	assert_int_equal(v, 4096);
	assert_true(parse_size("4K", &v));
	assert_int_equal(v, 4096);
	assert_true(parse_size("1m", &v));
	assert_int_equal(v, 1048576);
	assert_true(parse_size("2g", &v));
	assert_true(v == 2ull << 30);
	assert_false(parse_size("4kb", &v));
	assert_false(parse_size("k", &v));
	assert_false(parse_size("4x", &v));
	assert_false(parse_size("17179869184g", &v)); /* 2^34 GiB overflows */
}

static void test_parse_seconds(void **state)
{
	unsigned ms = 0;

	(void)state;
	assert_true(parse_seconds("2", &ms));
	assert_int_equal(ms, 2000);
	assert_true(parse_seconds("0.5", &ms));
	assert_int_equal(ms, 500);
	assert_true(parse_seconds("0.0001", &ms));
	assert_int_equal(ms, 1); /* never 0, which would mean "the default" */
	assert_false(parse_seconds("0", &ms));
	assert_false(parse_seconds("-1", &ms));
	assert_false(parse_seconds("1s", &ms));
	assert_false(parse_seconds("86401", &ms));
	assert_false(parse_seconds("nan", &ms));
}

static void test_parse_hex_token(void **state)
{
	uint8_t b[16];

	(void)state;
	memset(b, 0xEE, sizeof b);
	assert_int_equal(parse_hex_token("12", b, sizeof b), 1);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(parse_hex_token("0x12", b, sizeof b), 1);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(parse_hex_token("0", b, sizeof b), 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(parse_hex_token("f", b, sizeof b), 1);
	assert_int_equal(b[0], 0x0F);
	assert_int_equal(parse_hex_token("120000002400", b, sizeof b), 6);
	assert_memory_equal(b, "\x12\x00\x00\x00\x24\x00", 6);
	assert_int_equal(parse_hex_token("C2aB", b, sizeof b), 2);
	assert_int_equal(b[0], 0xC2);
	assert_int_equal(b[1], 0xAB);
	/* Odd-length long tokens, non-hex and empty tokens are refused. */
	assert_int_equal(parse_hex_token("12000", b, sizeof b), -1);
	assert_int_equal(parse_hex_token("zz", b, sizeof b), -1);
	assert_int_equal(parse_hex_token("0x", b, sizeof b), -1);
	assert_int_equal(parse_hex_token("", b, sizeof b), -1);
	assert_int_equal(parse_hex_token("12 00", b, sizeof b), -1);
}

static void test_parse_hex_token_counts_past_room(void **state)
{
	uint8_t b[8] = { 0, 0, 0, 0, 0xAA, 0xAA, 0xAA, 0xAA };

	(void)state;
	/* 17 bytes into 4 bytes of room: all are counted, only 4 stored. */
	assert_int_equal(parse_hex_token("1200000024000000000000000000000000", b, 4), 17);
	assert_memory_equal(b, "\x12\x00\x00\x00\xAA\xAA\xAA\xAA", 8);
	assert_int_equal(parse_hex_token("12", NULL, 0), 1);
}

static void test_parse_hex_arg(void **state)
{
	uint8_t b[16];
	const char *bad = NULL;
	size_t bad_len = 0;

	(void)state;
	memset(b, 0xEE, sizeof b);
	/* One quoted argument with blanks between the bytes. */
	assert_int_equal(parse_hex_arg("12 00 00 00 24 00", b, sizeof b, &bad, &bad_len), 6);
	assert_memory_equal(b, "\x12\x00\x00\x00\x24\x00", 6);
	assert_int_equal(parse_hex_arg("  0x28\t0 0000 0005 00 0001 00 ", b, sizeof b, &bad,
				       &bad_len), 10);
	assert_memory_equal(b, "\x28\x00\x00\x00\x00\x05\x00\x00\x01\x00", 10);
	assert_int_equal(parse_hex_arg("120000002400", b, sizeof b, &bad, &bad_len), 6);
	/* The bad token is named, not the whole argument. */
	assert_int_equal(parse_hex_arg("12 zz 00", b, sizeof b, &bad, &bad_len), -1);
	assert_int_equal(bad_len, 2);
	assert_memory_equal(bad, "zz", 2);
	assert_int_equal(parse_hex_arg("12 000", b, sizeof b, &bad, &bad_len), -1);
	assert_memory_equal(bad, "000", 3);
	/* No token at all. */
	assert_int_equal(parse_hex_arg("", b, sizeof b, &bad, &bad_len), -1);
	assert_int_equal(parse_hex_arg("  ", b, sizeof b, &bad, &bad_len), -1);
	assert_int_equal(bad_len, 2);
	/* Counted past the room, stored up to it. */
	assert_int_equal(parse_hex_arg("01 02 03", b, 2, &bad, &bad_len), 3);
	assert_int_equal(parse_hex_arg("01 02 03", NULL, 0, &bad, &bad_len), 3);
}

static void test_parse_wb_mode(void **state)
{
	static const struct {
		const char *s;
		int mode; /* -1: refused */
	} cases[] = {
		/* usbmsc's own */
		{ "5", 0x05 }, { "05", 0x05 }, { "0x05", 0x05 }, { "7", 0x07 }, { "07", 0x07 },
		{ "0x07", 0x07 }, { "e", 0x0E }, { "E", 0x0E }, { "0e", 0x0E }, { "0x0e", 0x0E },
		{ "0x0E", 0x0E },
		/* sg_write_buffer's numbers: decimal, 0x hex, h suffix */
		{ "14", 0x0E }, { "0xe", 0x0E }, { "0eh", 0x0E }, { "0EH", 0x0E }, { "15", 0x0F },
		{ "31", 0x1F }, { "0", 0x00 },
		/* its names, and abbreviations of them (the first name that fits) */
		{ "dmc_save", 0x05 }, { "dmc_offs_save", 0x07 }, { "dmc_offs_defer", 0x0E },
		{ "dmc_offs_ev_defer", 0x0D }, { "activate_mc", 0x0F }, { "act", 0x0F },
		{ "dmc_offs", 0x06 }, { "dmc", 0x04 }, { "ec", 0x0A }, { "deh", 0x1C },
		/* refused */
		{ "", -1 }, { "32", -1 }, { "0x20", -1 }, { "-5", -1 }, { "auto", -1 },
		{ "dmc_save_x", -1 }, { "DMC_SAVE", -1 }, { "eh", -1 }, { "5 ", -1 }, { "0x", -1 },
	};
	uint8_t mode;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mode = 0xEE;
		bool ok = parse_wb_mode(cases[i].s, &mode);
		if (ok != (cases[i].mode >= 0) || (ok && mode != cases[i].mode))
			fail_msg("parse_wb_mode(\"%s\"): %s, 0x%02x; want %d", cases[i].s,
				 ok ? "true" : "false", mode, cases[i].mode);
	}
	assert_false(parse_wb_mode(NULL, &mode));
	assert_string_equal(wb_mode_name(0x0E), "dmc_offs_defer");
	assert_string_equal(wb_mode_name(0x0F), "activate_mc");
	assert_null(wb_mode_name(0x10));
}

/* ---- json ------------------------------------------------------------------- */

struct membuf {
	char *text;
	size_t len;
	FILE *f;
};

static void mem_open(struct membuf *m)
{
	m->text = NULL;
	m->len = 0;
	m->f = open_memstream(&m->text, &m->len);
	assert_non_null(m->f);
}

static char *mem_close(struct membuf *m)
{
	assert_int_equal(fclose(m->f), 0);
	return m->text;
}

static void test_json_document(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0x80, 0xFF };
	struct membuf m;
	struct json j;
	char *out;

	(void)state;
	mem_open(&m);
	json_init(&j, m.f);
	assert_false(j.started);
	json_object_begin(&j, NULL);
	assert_true(j.started);
	json_string(&j, "vendor", "USBMSC");
	json_uint(&j, "blocks", 131072);
	json_int(&j, "delta", -5);
	json_bool(&j, "removable", true);
	json_null(&j, "sense");
	json_hex(&j, "data", bytes, sizeof bytes);
	json_hex(&j, "none", NULL, 0);
	json_array_begin(&j, "luns");
	json_uint(&j, NULL, 0);
	json_uint(&j, NULL, 1);
	json_array_end(&j);
	json_array_begin(&j, "empty");
	json_array_end(&j);
	json_object_begin(&j, "nested");
	json_string(&j, "s", NULL);
	json_object_end(&j);
	json_object_end(&j);
	out = mem_close(&m);
	assert_string_equal(out, "{\n"
				 "  \"vendor\": \"USBMSC\",\n"
				 "  \"blocks\": 131072,\n"
				 "  \"delta\": -5,\n"
				 "  \"removable\": true,\n"
				 "  \"sense\": null,\n"
				 "  \"data\": \"0080ff\",\n"
				 "  \"none\": \"\",\n"
				 "  \"luns\": [\n"
				 "    0,\n"
				 "    1\n"
				 "  ],\n"
				 "  \"empty\": [],\n"
				 "  \"nested\": {\n"
				 "    \"s\": null\n"
				 "  }\n"
				 "}\n");
	free(out);
}

static void test_json_escapes(void **state)
{
	struct membuf m;
	struct json j;
	char *out;

	(void)state;
	mem_open(&m);
	json_init(&j, m.f);
	json_string(&j, NULL, "a\"b\\c\n\t\x01\xE9");
	out = mem_close(&m);
	/* Control characters and non-ASCII bytes never break the document. */
	assert_string_equal(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u00e9\"\n");
	free(out);
}

/* ---- hexdump ---------------------------------------------------------------- */

static void test_hex_bytes(void **state)
{
	static const uint8_t b[] = { 0x55, 0x53, 0x42, 0x43 };
	struct membuf m;
	char *out;

	(void)state;
	mem_open(&m);
	hex_bytes(m.f, b, sizeof b);
	out = mem_close(&m);
	assert_string_equal(out, "55 53 42 43");
	free(out);
}

static void test_hexdump_layout(void **state)
{
	uint8_t b[20];
	struct membuf m;
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(0x41 + i);
	b[1] = 0x00;
	mem_open(&m);
	hexdump(m.f, "", b, sizeof b, 0x200);
	out = mem_close(&m);
	assert_string_equal(out,
		"00000200  41 00 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |A.CDEFGHIJKLMNOP|\n"
		"00000210  51 52 53 54                                       |QRST|\n"
		"00000214\n");
	free(out);
}

static void test_hexdump_folds_repeats_across_pieces(void **state)
{
	uint8_t zeros[64] = { 0 };
	struct hexdump h;
	struct membuf m;
	char *out;

	(void)state;
	mem_open(&m);
	hexdump_begin(&h, m.f, "> ", 0);
	/* Fed in uneven pieces, as a streamed read delivers them. */
	hexdump_feed(&h, zeros, 10);
	hexdump_feed(&h, zeros, 40);
	hexdump_feed(&h, zeros, 14);
	hexdump_feed(&h, (const uint8_t *)"AB", 2);
	hexdump_end(&h);
	out = mem_close(&m);
	assert_string_equal(out,
		"> 00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"> *\n"
		"> 00000040  41 42                                             |AB|\n"
		"> 00000042\n");
	free(out);
}

/* ---- phase hint -------------------------------------------------------------- */

/* The hint for cdb (hex) with that data stage, in a static buffer. */
static const char *hint(const char *cdb_hex, enum usbmsc_dir dir, uint32_t len)
{
	static char out[512];
	uint8_t cdb[16];
	int n = parse_hex_token(cdb_hex, cdb, sizeof cdb);
	struct membuf m;
	char *text;

	assert_true(n > 0 && n <= 16);
	mem_open(&m);
	phase_hint(m.f, cdb, (size_t)n, dir, len);
	text = mem_close(&m);
	snprintf(out, sizeof out, "%s", text);
	free(text);
	return out;
}

static void test_phase_hint(void **state)
{
	(void)state;
	/* INQUIRY: its allocation length against --in */
	assert_string_equal(hint("120000002400", USBMSC_DIR_NONE, 0),
			    "usbmsc: hint: the CDB's allocation length is 36 bytes and no --in was "
			    "given: add --in 36\n");
	assert_string_equal(hint("120000002400", USBMSC_DIR_IN, 8),
			    "usbmsc: hint: the CDB's allocation length is 36 bytes, more than --in 8: "
			    "give --in 36\n");
	/* REQUEST SENSE (1 byte), MODE SENSE(10) (2), READ BUFFER (3), REPORT LUNS (4) */
	assert_non_null(strstr(hint("030000001200", USBMSC_DIR_NONE, 0), "is 18 bytes"));
	assert_non_null(strstr(hint("5a003f0000000001fc00", USBMSC_DIR_NONE, 0), "is 508 bytes"));
	assert_non_null(strstr(hint("3c030000000001000000", USBMSC_DIR_NONE, 0), "is 65536 bytes"));
	assert_non_null(strstr(hint("a00000000000000010000000", USBMSC_DIR_NONE, 0), "--in 4096"));
	/* READ and WRITE: blocks */
	assert_non_null(strstr(hint("28000000000000000200", USBMSC_DIR_IN, 512),
			       "the CDB reads 2 blocks: give --in that many times the block size"));
	assert_non_null(strstr(hint("a8000000000000000003000000", USBMSC_DIR_NONE, 0),
			       "reads 3 blocks"));
	assert_non_null(strstr(hint("2a000000000000000100", USBMSC_DIR_NONE, 0),
			       "the CDB writes 1 block: give --out FILE of that many blocks; no --out"));
	/* a CDB too short for its opcode's field, and an unknown opcode */
	assert_non_null(strstr(hint("1200", USBMSC_DIR_NONE, 0), "the device wanted a data stage"));
	assert_non_null(strstr(hint("c00000004000", USBMSC_DIR_IN, 64),
			       "did not match --in (64 bytes)"));
	/* --in at least the allocation length: not the allocation's fault */
	assert_null(strstr(hint("120000002400", USBMSC_DIR_IN, 512), "allocation"));
}

/* ---- latency statistics ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The statistics of v[0..n) by selection equal those read off a sorted
 * copy: nearest-rank median and p99. */
static void check_stats(const uint64_t *v, size_t n)
{
	uint64_t *a = malloc(n * sizeof *a), *sorted = malloc(n * sizeof *sorted);
	struct latency_stats s;
	double sum = 0;

	assert_non_null(a);
	assert_non_null(sorted);
	memcpy(a, v, n * sizeof *a);
	memcpy(sorted, v, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	latency_stats(a, n, &s);
	assert_int_equal(s.min, sorted[0]);
	assert_int_equal(s.max, sorted[n - 1]);
	assert_int_equal(s.median, sorted[(n * 50 + 99) / 100 - 1]);
	assert_int_equal(s.p99, sorted[(n * 99 + 99) / 100 - 1]);
	assert_true(s.mean > sum / (double)n - 1e-6 && s.mean < sum / (double)n + 1e-6);
	/* a permutation of the samples */
	qsort(a, n, sizeof *a, cmp_u64);
	assert_memory_equal(a, sorted, n * sizeof *a);
	free(a);
	free(sorted);
}

static void test_latency_stats(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 99, 100, 101, 1000, 2000, 4097 };
	uint64_t *v = malloc(4097 * sizeof *v);
	uint64_t x = 88172645463325252u;

	(void)state;
	assert_non_null(v);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k];

		for (size_t i = 0; i < n; i++) {      /* xorshift: deterministic noise */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v[i] = 500000 + x % 100000;
		}
		check_stats(v, n);
		for (size_t i = 0; i < n; i++)        /* few distinct values */
			v[i] = 1000 + (v[i] % 3);
		check_stats(v, n);
		for (size_t i = 0; i < n; i++)        /* sorted, reversed, all equal */
			v[i] = i;
		check_stats(v, n);
		for (size_t i = 0; i < n; i++)
			v[i] = n - i;
		check_stats(v, n);
		for (size_t i = 0; i < n; i++)
			v[i] = 7;
		check_stats(v, n);
	}
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_stats),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_parse_hex_token),
		cmocka_unit_test(test_parse_hex_token_counts_past_room),
		cmocka_unit_test(test_parse_hex_arg),
		cmocka_unit_test(test_parse_wb_mode),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_hex_bytes),
		cmocka_unit_test(test_hexdump_layout),
		cmocka_unit_test(test_hexdump_folds_repeats_across_pieces),
		cmocka_unit_test(test_phase_hint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
