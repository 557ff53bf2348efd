/* VPD page parsers: well-formed pages, wrong page codes, page lengths past
 * the buffer, malformed designator lists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "usbmsc/scsi.h"

/* Exact-size heap copies, so that AddressSanitizer catches overreads; the
 * copies stay alive until the test ends (designators point into them). */
static uint8_t *copies[32];
static size_t ncopies;

static const uint8_t *heap(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	assert_true(ncopies < sizeof(copies) / sizeof(copies[0]));
	memcpy(p, buf, len);
	copies[ncopies++] = p;
	return p;
}

static int free_copies(void **state)
{
	(void)state;
	while (ncopies > 0)
		free(copies[--ncopies]);
	return 0;
}

/* ---- 0x00 supported pages ---- */

static const uint8_t supported[] = {0x00, 0x00, 0x00, 0x05, 0x00, 0x80, 0x83, 0x86, 0xB0};

static void test_supported(void **state)
{
	struct usbmsc_vpd_supported s;

	(void)state;
	assert_true(usbmsc_vpd_parse_supported(heap(supported, sizeof(supported)), sizeof(supported),
					       &s));
	assert_int_equal(s.count, 5);
	assert_int_equal(s.pages[0], 0x00);
	assert_int_equal(s.pages[1], 0x80);
	assert_int_equal(s.pages[2], 0x83);
	assert_int_equal(s.pages[3], 0x86);
	assert_int_equal(s.pages[4], 0xB0);
	/* extra bytes past the page length are ignored */
	{
		uint8_t longer[16] = {0x00, 0x00, 0x00, 0x01, 0x80, 0xFF, 0xFF};

		assert_true(usbmsc_vpd_parse_supported(heap(longer, sizeof(longer)), sizeof(longer), &s));
		assert_int_equal(s.count, 1);
		assert_int_equal(s.pages[0], 0x80);
	}
}

static void test_supported_malformed(void **state)
{
	struct usbmsc_vpd_supported s;
	uint8_t buf[sizeof(supported)];

	(void)state;
	/* page length one past the buffer */
	assert_false(usbmsc_vpd_parse_supported(heap(supported, 8), 8, &s));
	assert_int_equal(s.count, 0);
	/* wrong page code */
	memcpy(buf, supported, sizeof(buf));
	buf[1] = 0x80;
	assert_false(usbmsc_vpd_parse_supported(heap(buf, sizeof(buf)), sizeof(buf), &s));
	/* shorter than the header */
	assert_false(usbmsc_vpd_parse_supported(heap(supported, 3), 3, &s));
	/* a 16-bit page length far past the buffer */
	memcpy(buf, supported, sizeof(buf));
	buf[2] = 0x01;
	assert_false(usbmsc_vpd_parse_supported(heap(buf, sizeof(buf)), sizeof(buf), &s));
	assert_false(usbmsc_vpd_parse_supported(NULL, 9, &s));
	assert_false(usbmsc_vpd_parse_supported(supported, sizeof(supported), NULL));
}

static void test_supported_too_many(void **state)
{
	uint8_t buf[4 + 256];
	struct usbmsc_vpd_supported s;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[2] = 0x01; /* 256 page codes: more than struct holds, bogus */
	assert_false(usbmsc_vpd_parse_supported(heap(buf, sizeof(buf)), sizeof(buf), &s));
	buf[2] = 0x00;
	buf[3] = 0xFF;
	assert_true(usbmsc_vpd_parse_supported(heap(buf, 4 + 255), 4 + 255, &s));
	assert_int_equal(s.count, 255);
}

/* ---- 0x80 unit serial number ---- */

static void test_serial(void **state)
{
	const uint8_t page[] = {0x00, 0x80, 0x00, 0x0C, ' ', ' ', 'A', 'B', 'C', '1', '2', '3',
				' ', ' ', 0x00, 0x00};
	char out[32];

	(void)state;
	assert_true(usbmsc_vpd_parse_serial(heap(page, sizeof(page)), sizeof(page), out, sizeof(out)));
	assert_string_equal(out, "ABC123");
	/* truncated to outlen - 1 */
	assert_true(usbmsc_vpd_parse_serial(heap(page, sizeof(page)), sizeof(page), out, 4));
	assert_string_equal(out, "ABC");
	/* empty serial number */
	{
		const uint8_t empty[] = {0x00, 0x80, 0x00, 0x00};

		assert_true(usbmsc_vpd_parse_serial(heap(empty, sizeof(empty)), sizeof(empty), out,
						    sizeof(out)));
		assert_string_equal(out, "");
	}
	/* control bytes are not passed through to whoever prints this */
	{
		const uint8_t ctrl[] = {0x00, 0x80, 0x00, 0x04, 'A', 0x1B, 0xFF, 'Z'};

		assert_true(usbmsc_vpd_parse_serial(heap(ctrl, sizeof(ctrl)), sizeof(ctrl), out,
						    sizeof(out)));
		assert_string_equal(out, "A??Z");
	}
}

static void test_serial_malformed(void **state)
{
	const uint8_t page[] = {0x00, 0x80, 0x00, 0x10, 'A', 'B'};
	const uint8_t wrong[] = {0x00, 0x83, 0x00, 0x02, 'A', 'B'};
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_false(usbmsc_vpd_parse_serial(heap(page, sizeof(page)), sizeof(page), out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(usbmsc_vpd_parse_serial(heap(wrong, sizeof(wrong)), sizeof(wrong), out,
					     sizeof(out)));
	assert_false(usbmsc_vpd_parse_serial(heap(page, 2), 2, out, sizeof(out)));
	assert_false(usbmsc_vpd_parse_serial(page, sizeof(page), out, 0));
	assert_false(usbmsc_vpd_parse_serial(page, sizeof(page), NULL, 8));
}

/* ---- 0x83 device identification ---- */

/* NAA (binary, LU), T10 vendor ID (ASCII, LU), relative target port with
 * PIV and SAS protocol (6), SCSI name string (UTF-8, target device). */
static const uint8_t devid[] = {
	0x00, 0x83, 0x00, 0x38,
	0x01, 0x03, 0x00, 0x08, 0x50, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x02, 0x01, 0x00, 0x10, 'A', 'C', 'M', 'E', ' ', ' ', ' ', ' ',
	'D', 'I', 'S', 'K', '0', '0', '0', '1',
	0x61, 0x94, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
	0x03, 0xA8, 0x00, 0x0C, 'n', 'a', 'a', '.', '5', '0', '0', '1', '0', '2', 0x00, 0x00,
};

static void test_device_id(void **state)
{
	struct usbmsc_designator d[8];
	size_t count = 99;
	const uint8_t *page = heap(devid, sizeof(devid));

	(void)state;
	assert_true(usbmsc_vpd_parse_device_id(page, sizeof(devid), d, 8, &count));
	assert_int_equal(count, 4);

	assert_int_equal(d[0].code_set, 1);
	assert_int_equal(d[0].association, 0);
	assert_int_equal(d[0].type, 3);
	assert_false(d[0].piv);
	assert_int_equal(d[0].len, 8);
	assert_ptr_equal(d[0].id, page + 8);
	assert_int_equal(d[0].id[0], 0x50);

	assert_int_equal(d[1].code_set, 2);
	assert_int_equal(d[1].type, 1);
	assert_int_equal(d[1].len, 16);
	assert_memory_equal(d[1].id, "ACME    DISK0001", 16);

	assert_int_equal(d[2].protocol_id, 6);
	assert_int_equal(d[2].code_set, 1);
	assert_true(d[2].piv);
	assert_int_equal(d[2].association, 1);
	assert_int_equal(d[2].type, 4);
	assert_int_equal(d[2].len, 4);
	assert_int_equal(d[2].id[3], 0x01);

	assert_int_equal(d[3].code_set, 3);
	assert_int_equal(d[3].association, 2);
	assert_int_equal(d[3].type, 8);
	assert_int_equal(d[3].len, 12);
	assert_ptr_equal(d[3].id + d[3].len, page + sizeof(devid));
}

static void test_device_id_max(void **state)
{
	struct usbmsc_designator d[2];
	size_t count = 0;

	(void)state;
	memset(d, 0, sizeof(d));
	/* stores 1, counts 4 */
	assert_true(usbmsc_vpd_parse_device_id(heap(devid, sizeof(devid)), sizeof(devid), d, 1,
					       &count));
	assert_int_equal(count, 4);
	assert_int_equal(d[0].type, 3);
	assert_null(d[1].id);
	/* counting only */
	assert_true(usbmsc_vpd_parse_device_id(heap(devid, sizeof(devid)), sizeof(devid), NULL, 0,
					       &count));
	assert_int_equal(count, 4);
	/* an empty page */
	{
		const uint8_t empty[] = {0x00, 0x83, 0x00, 0x00};

		assert_true(usbmsc_vpd_parse_device_id(heap(empty, 4), 4, d, 2, &count));
		assert_int_equal(count, 0);
	}
}

static void test_device_id_malformed(void **state)
{
	struct usbmsc_designator d[8];
	size_t count = 99;
	uint8_t buf[sizeof(devid)];

	(void)state;
	/* the page is cut short (allocation length too small) */
	assert_false(usbmsc_vpd_parse_device_id(heap(devid, 40), 40, d, 8, &count));
	assert_int_equal(count, 0);
	/* a designator whose length runs past the page */
	memcpy(buf, devid, sizeof(buf));
	buf[4 + 12 + 3] = 0xFF; /* second designator claims 255 bytes */
	assert_false(usbmsc_vpd_parse_device_id(heap(buf, sizeof(buf)), sizeof(buf), d, 8, &count));
	/* the last designator overruns by one byte */
	memcpy(buf, devid, sizeof(buf));
	buf[sizeof(buf) - 16 + 3] = 13;
	assert_false(usbmsc_vpd_parse_device_id(heap(buf, sizeof(buf)), sizeof(buf), d, 8, &count));
	/* page ends with a partial designator header */
	{
		const uint8_t partial[] = {0x00, 0x83, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x01, 0x03};

		assert_false(usbmsc_vpd_parse_device_id(heap(partial, sizeof(partial)),
							sizeof(partial), d, 8, &count));
	}
	/* wrong page code */
	memcpy(buf, devid, sizeof(buf));
	buf[1] = 0x80;
	assert_false(usbmsc_vpd_parse_device_id(heap(buf, sizeof(buf)), sizeof(buf), d, 8, &count));
	/* room promised but no array */
	assert_false(usbmsc_vpd_parse_device_id(devid, sizeof(devid), NULL, 2, &count));
}

static void test_designator_names(void **state)
{
	(void)state;
	assert_string_equal(usbmsc_designator_type_name(0), "vendor specific");
	assert_string_equal(usbmsc_designator_type_name(1), "T10 vendor ID");
	assert_string_equal(usbmsc_designator_type_name(2), "EUI-64");
	assert_string_equal(usbmsc_designator_type_name(3), "NAA");
	assert_string_equal(usbmsc_designator_type_name(8), "SCSI name string");
	assert_string_equal(usbmsc_designator_type_name(0xA), "UUID");
	assert_string_equal(usbmsc_designator_type_name(0xB), "reserved");
	assert_string_equal(usbmsc_designator_type_name(0xFF), "reserved");
}

/* ---- 0x86 extended INQUIRY data ---- */

static void test_extended_inquiry(void **state)
{
	uint8_t page[64] = {0x00, 0x86, 0x00, 0x3C};
	struct usbmsc_vpd_extended_inquiry x;

	(void)state;
	page[4] = 0x80 | 0x10 | 0x05; /* ACTIVATE_MICROCODE 2, SPT 2, GRD_CHK, REF_CHK */
	page[5] = 0x20 | 0x08 | 0x01; /* UASK_SUP, PRIOR_SUP, SIMPSUP */
	page[6] = 0x08 | 0x02;        /* WU_SUP, NV_SUP */
	page[7] = 0x01;               /* LUICLR */
	page[8] = 0x10;               /* R_SUP */
	page[9] = 0x03;               /* multi I_T nexus microcode download */
	page[10] = 0x01;              /* 0x012C = 300 minutes */
	page[11] = 0x2C;
	page[12] = 0x80 | 0x20;       /* POA_SUP, VSA_SUP */
	page[13] = 252;
	assert_true(usbmsc_vpd_parse_extended_inquiry(heap(page, sizeof(page)), sizeof(page), &x));
	assert_int_equal(x.activate_microcode, 2);
	assert_int_equal(x.spt, 2);
	assert_true(x.grd_chk);
	assert_false(x.app_chk);
	assert_true(x.ref_chk);
	assert_true(x.uask_sup);
	assert_false(x.group_sup);
	assert_true(x.prior_sup);
	assert_false(x.headsup);
	assert_false(x.ordsup);
	assert_true(x.simpsup);
	assert_true(x.wu_sup);
	assert_false(x.crd_sup);
	assert_true(x.nv_sup);
	assert_false(x.v_sup);
	assert_true(x.luiclr);
	assert_true(x.r_sup);
	assert_false(x.cbcs);
	assert_int_equal(x.multi_it_nexus_microcode_download, 3);
	assert_int_equal(x.extended_self_test_minutes, 300);
	assert_true(x.poa_sup);
	assert_false(x.hra_sup);
	assert_true(x.vsa_sup);
	assert_int_equal(x.max_sense_len, 252);

	/* the complementary bits */
	memset(page + 4, 0, 60);
	page[4] = 0x40 | 0x02;
	page[5] = 0x10 | 0x04 | 0x02;
	page[6] = 0x04 | 0x01;
	page[8] = 0x01;
	page[12] = 0x40;
	assert_true(usbmsc_vpd_parse_extended_inquiry(heap(page, sizeof(page)), sizeof(page), &x));
	assert_int_equal(x.activate_microcode, 1);
	assert_int_equal(x.spt, 0);
	assert_true(x.app_chk);
	assert_false(x.grd_chk);
	assert_true(x.group_sup);
	assert_true(x.headsup);
	assert_true(x.ordsup);
	assert_false(x.simpsup);
	assert_true(x.crd_sup);
	assert_true(x.v_sup);
	assert_true(x.cbcs);
	assert_false(x.r_sup);
	assert_true(x.hra_sup);
	assert_false(x.poa_sup);
}

static void test_extended_inquiry_malformed(void **state)
{
	uint8_t page[64] = {0x00, 0x86, 0x00, 0x3C, 0xFF};
	struct usbmsc_vpd_extended_inquiry x;

	(void)state;
	/* cut short: page length says 60 bytes, 32 arrived */
	assert_false(usbmsc_vpd_parse_extended_inquiry(heap(page, 36), 36, &x));
	assert_int_equal(x.activate_microcode, 0); /* cleared on failure */
	/* a page too short to hold the fields */
	page[3] = 9;
	assert_false(usbmsc_vpd_parse_extended_inquiry(heap(page, sizeof(page)), sizeof(page), &x));
	page[3] = 10;
	assert_true(usbmsc_vpd_parse_extended_inquiry(heap(page, 14), 14, &x));
	/* wrong page code */
	page[1] = 0xB0;
	assert_false(usbmsc_vpd_parse_extended_inquiry(heap(page, sizeof(page)), sizeof(page), &x));
}

/* ---- 0xB0 block limits ---- */

static void test_block_limits(void **state)
{
	uint8_t page[64] = {0x00, 0xB0, 0x00, 0x3C};
	struct usbmsc_vpd_block_limits b;

	(void)state;
	page[4] = 0x01;                               /* WSNZ */
	page[5] = 0x10;                               /* max COMPARE AND WRITE */
	page[6] = 0x00, page[7] = 0x08;               /* granularity 8 */
	page[8] = 0x00, page[9] = 0x00, page[10] = 0x08, page[11] = 0x00;   /* max 2048 */
	page[12] = 0x00, page[13] = 0x00, page[14] = 0x01, page[15] = 0x00; /* opt 256 */
	page[16] = 0x00, page[17] = 0x00, page[18] = 0x00, page[19] = 0x40; /* prefetch 64 */
	page[20] = 0xFF, page[21] = 0xFF, page[22] = 0xFF, page[23] = 0xFF; /* unmap LBAs */
	page[27] = 0x20;                                                   /* 32 descriptors */
	page[31] = 0x08;                                                   /* unmap gran. 8 */
	page[32] = 0x80, page[35] = 0x07;                                  /* UGAVALID, 7 */
	page[36] = 0x01, page[43] = 0x02;                                  /* write same */
	assert_true(usbmsc_vpd_parse_block_limits(heap(page, sizeof(page)), sizeof(page), &b));
	assert_true(b.wsnz);
	assert_int_equal(b.max_compare_write_len, 0x10);
	assert_int_equal(b.opt_xfer_granularity, 8);
	assert_int_equal(b.max_xfer_len, 2048);
	assert_int_equal(b.opt_xfer_len, 256);
	assert_int_equal(b.max_prefetch_len, 64);
	assert_int_equal(b.max_unmap_lba_count, 0xFFFFFFFFu);
	assert_int_equal(b.max_unmap_desc_count, 32);
	assert_int_equal(b.opt_unmap_granularity, 8);
	assert_true(b.ugavalid);
	assert_int_equal(b.unmap_granularity_alignment, 7);
	assert_int_equal(b.max_write_same_len, 0x0100000000000002ull);
}

static void test_block_limits_sbc2(void **state)
{
	/* the short SBC-2 page: length 0x0C, fields after OPTIMAL TRANSFER
	 * LENGTH are absent and read as 0 */
	const uint8_t page[16] = {0x00, 0xB0, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01,
				  0x00, 0x00, 0x00, 0xF0, 0x00, 0x00, 0x00, 0x80};
	uint8_t longer[64] = {0};
	struct usbmsc_vpd_block_limits b;

	(void)state;
	assert_true(usbmsc_vpd_parse_block_limits(heap(page, sizeof(page)), sizeof(page), &b));
	assert_false(b.wsnz);
	assert_int_equal(b.opt_xfer_granularity, 1);
	assert_int_equal(b.max_xfer_len, 0xF0);
	assert_int_equal(b.opt_xfer_len, 0x80);
	assert_int_equal(b.max_prefetch_len, 0);
	assert_false(b.ugavalid);
	assert_int_equal(b.max_write_same_len, 0);
	/* bytes past the page length are not fields even when they arrived */
	memcpy(longer, page, sizeof(page));
	memset(longer + 16, 0xFF, sizeof(longer) - 16);
	assert_true(usbmsc_vpd_parse_block_limits(heap(longer, sizeof(longer)), sizeof(longer), &b));
	assert_int_equal(b.max_prefetch_len, 0);
	assert_int_equal(b.max_unmap_lba_count, 0);
	assert_false(b.ugavalid);
	assert_int_equal(b.max_write_same_len, 0);
}

static void test_block_limits_malformed(void **state)
{
	uint8_t page[64] = {0x00, 0xB0, 0x00, 0x3C, 0x01};
	struct usbmsc_vpd_block_limits b;

	(void)state;
	assert_false(usbmsc_vpd_parse_block_limits(heap(page, 63), 63, &b));
	assert_false(b.wsnz);
	page[3] = 0x0B; /* shorter than any SBC layout */
	assert_false(usbmsc_vpd_parse_block_limits(heap(page, sizeof(page)), sizeof(page), &b));
	page[3] = 0x3C;
	page[1] = 0xB1;
	assert_false(usbmsc_vpd_parse_block_limits(heap(page, sizeof(page)), sizeof(page), &b));
	assert_false(usbmsc_vpd_parse_block_limits(NULL, 64, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_supported, free_copies),
		cmocka_unit_test_teardown(test_supported_malformed, free_copies),
		cmocka_unit_test_teardown(test_supported_too_many, free_copies),
		cmocka_unit_test_teardown(test_serial, free_copies),
		cmocka_unit_test_teardown(test_serial_malformed, free_copies),
		cmocka_unit_test_teardown(test_device_id, free_copies),
		cmocka_unit_test_teardown(test_device_id_max, free_copies),
		cmocka_unit_test_teardown(test_device_id_malformed, free_copies),
		cmocka_unit_test(test_designator_names),
		cmocka_unit_test_teardown(test_extended_inquiry, free_copies),
		cmocka_unit_test_teardown(test_extended_inquiry_malformed, free_copies),
		cmocka_unit_test_teardown(test_block_limits, free_copies),
		cmocka_unit_test_teardown(test_block_limits_sbc2, free_copies),
		cmocka_unit_test_teardown(test_block_limits_malformed, free_copies),
	};

	return cmocka_run_group_tests_name("wire-vpd", tests, NULL, NULL);
}
