/* The generated ASC/ASCQ table and usbmsc_asc_text(): well-known codes,
 * every code docs/PROTOCOL.md relies on, parameter ranges, unknown codes, and
 * the table's own invariants (size, order, no overlaps). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/scsi.h"
#include "asc_table.h"

static const char *text(uint8_t asc, uint8_t ascq)
{
	static char buf[128];

	return usbmsc_asc_text(asc, ascq, buf, sizeof(buf));
}

static void expect(uint8_t asc, uint8_t ascq, const char *want)
{
	const char *got = text(asc, ascq);

	assert_non_null(got);
	assert_string_equal(got, want);
}

static void test_protocol_codes(void **state)
{
	(void)state;
	/* every row of docs/PROTOCOL.md's sense table */
	expect(0x3A, 0x00, "medium not present");
	expect(0x04, 0x01, "logical unit is in process of becoming ready");
	expect(0x11, 0x00, "unrecovered read error");
	expect(0x0C, 0x00, "write error");
	expect(0x20, 0x00, "invalid command operation code");
	expect(0x21, 0x00, "logical block address out of range");
	expect(0x24, 0x00, "invalid field in cdb");
	expect(0x25, 0x00, "logical unit not supported");
	expect(0x26, 0x00, "invalid field in parameter list");
	expect(0x1A, 0x00, "parameter list length error");
	expect(0x2C, 0x00, "command sequence error");
	expect(0x28, 0x00, "not ready to ready change, medium may have changed");
	expect(0x29, 0x00, "power on, reset, or bus device reset occurred");
	expect(0x3F, 0x01, "microcode has been changed");
	expect(0x27, 0x00, "write protected");
}

static void test_well_known_codes(void **state)
{
	(void)state;
	expect(0x00, 0x00, "no additional sense information");
	expect(0x53, 0x02, "medium removal prevented");
	expect(0x39, 0x00, "saving parameters not supported");
	expect(0x04, 0x02, "logical unit not ready, initializing command required");
	expect(0x5D, 0x00, "failure prediction threshold exceeded");
	expect(0x5D, 0xFF, "failure prediction threshold exceeded (false)");
	expect(0x44, 0x00, "internal target failure");
	/* the last code of the 2013 T10 listing, and two later additions */
	expect(0x74, 0x79, "security conflict in translated device");
	expect(0x3F, 0x16, "microcode has been changed without reset");
	expect(0x04, 0x1E, "logical unit not ready, microcode activation required");
	/* an exact code that merely mentions NN is not a range */
	expect(0x40, 0x00, "ram failure (should use 40 nn)");
}

static void test_ranges(void **state)
{
	(void)state;
	expect(0x40, 0x80, "diagnostic failure on component 0x80");
	expect(0x40, 0xFF, "diagnostic failure on component 0xFF");
	expect(0x40, 0xA5, "diagnostic failure on component 0xA5");
	expect(0x4D, 0x00, "tagged overlapped commands (0x00 = task tag)");
	expect(0x4D, 0x2A, "tagged overlapped commands (0x2A = task tag)");
	expect(0x70, 0x07, "decompression exception short algorithm id of 0x07");
	/* 40 01..7F is outside T10's 80h-FFh range */
	assert_null(text(0x40, 0x01));
	assert_null(text(0x40, 0x7F));
}

static void test_unknown(void **state)
{
	char buf[64];

	(void)state;
	assert_null(usbmsc_asc_text(0x7E, 0x00, buf, sizeof(buf)));
	assert_string_equal(buf, "ASC 0x7E ASCQ 0x00");
	assert_null(usbmsc_asc_text(0x80, 0x12, buf, sizeof(buf)));
	assert_string_equal(buf, "ASC 0x80 ASCQ 0x12");
	assert_null(usbmsc_asc_text(0xFF, 0xFF, buf, sizeof(buf)));
	assert_string_equal(buf, "ASC 0xFF ASCQ 0xFF");
	/* gaps inside a known ASC */
	assert_null(usbmsc_asc_text(0x00, 0x08, buf, sizeof(buf)));
	assert_null(usbmsc_asc_text(0x3A, 0x05, buf, sizeof(buf)));
	assert_null(usbmsc_asc_text(0x0F, 0x00, buf, sizeof(buf)));
}

static void test_buffer_limits(void **state)
{
	char buf[12];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(usbmsc_asc_text(0x20, 0x00, buf, 8), buf);
	assert_string_equal(buf, "invalid");
	assert_int_equal(buf[8], 'x');
	/* a range cut in the middle of its number */
	assert_ptr_equal(usbmsc_asc_text(0x70, 0xAB, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "decompressi");
	/* no room at all: known codes cannot be returned */
	assert_null(usbmsc_asc_text(0x20, 0x00, buf, 0));
	assert_null(usbmsc_asc_text(0x20, 0x00, NULL, 10));
	assert_null(usbmsc_asc_text(0x7E, 0x00, NULL, 10));
}

static void test_table_invariants(void **state)
{
	unsigned exact = 0, ranges = 0;

	(void)state;
	/* T10's list has several hundred codes; ours has 761 plus 3 ranges. */
	assert_true(usbmsc_asc_table_len >= 750);
	for (size_t i = 0; i < usbmsc_asc_table_len; i++) {
		const struct usbmsc_asc_entry *e = &usbmsc_asc_table[i];

		assert_true(e->ascq_lo <= e->ascq_hi);
		assert_non_null(e->text);
		assert_true(strlen(e->text) > 0);
		if (e->after)
			ranges++;
		else
			exact++;
		/* single codes are exact entries */
		if (!e->after)
			assert_int_equal(e->ascq_lo, e->ascq_hi);
		if (i > 0) {
			const struct usbmsc_asc_entry *p = &usbmsc_asc_table[i - 1];

			/* sorted, and no range overlaps the next entry */
			assert_true(p->asc < e->asc || (p->asc == e->asc && p->ascq_hi < e->ascq_lo));
		}
	}
	assert_int_equal(ranges, 3);
	assert_true(exact >= 750);
}

/* Every entry is found by its own code through the binary search. */
static void test_every_entry_found(void **state)
{
	char buf[128];

	(void)state;
	for (size_t i = 0; i < usbmsc_asc_table_len; i++) {
		const struct usbmsc_asc_entry *e = &usbmsc_asc_table[i];

		assert_non_null(usbmsc_asc_text(e->asc, e->ascq_lo, buf, sizeof(buf)));
		assert_non_null(usbmsc_asc_text(e->asc, e->ascq_hi, buf, sizeof(buf)));
		assert_int_equal(strlen(buf) >= strlen(e->text), 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_codes),
		cmocka_unit_test(test_well_known_codes),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_buffer_limits),
		cmocka_unit_test(test_table_invariants),
		cmocka_unit_test(test_every_entry_found),
	};

	return cmocka_run_group_tests_name("wire-asc", tests, NULL, NULL);
}
