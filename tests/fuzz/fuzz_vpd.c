/* libFuzzer harness for the VPD, INQUIRY and READ CAPACITY parsers. Each
 * parser sees the input as is and, so that every input reaches every
 * parser's body, a copy with the page code forced to its page. Data sits
 * in exact-size heap copies so that AddressSanitizer catches overreads. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/scsi.h"

#include "fuzz_check.h"

/* A page parse may only succeed when its header fits and is right. */
static size_t page_len_ok(const uint8_t *b, size_t len, uint8_t page)
{
	FUZZ_CHECK(len >= 4 && b[1] == page);
	FUZZ_CHECK((size_t)usbmsc_get_be16(b + 2) + 4 <= len);
	return usbmsc_get_be16(b + 2);
}

static void fuzz_supported(const uint8_t *b, size_t len)
{
	struct usbmsc_vpd_supported s;

	if (!usbmsc_vpd_parse_supported(b, len, &s))
		return;
	FUZZ_CHECK(s.count == page_len_ok(b, len, USBMSC_VPD_SUPPORTED));
	FUZZ_CHECK(s.count <= sizeof(s.pages));
	FUZZ_CHECK(memcmp(s.pages, b + 4, s.count) == 0);
}

static void fuzz_serial(const uint8_t *b, size_t len, size_t cap)
{
	char *out = malloc(cap ? cap : 1);

	if (!out)
		abort();
	if (usbmsc_vpd_parse_serial(b, len, out, cap)) {
		size_t n;

		page_len_ok(b, len, USBMSC_VPD_SERIAL);
		fuzz_check_text(out, cap);
		n = strlen(out);
		/* trimmed at both ends, at most outlen - 1 characters */
		FUZZ_CHECK(n == 0 || (out[0] != ' ' && (n == cap - 1 || out[n - 1] != ' ')));
	} else if (cap > 0) {
		FUZZ_CHECK(out[0] == '\0');
	}
	free(out);
}

static void fuzz_device_id(const uint8_t *b, size_t len, size_t max)
{
	struct usbmsc_designator d[8];
	size_t count = 0, page;

	if (max > 8)
		max = 8;
	if (!usbmsc_vpd_parse_device_id(b, len, d, max, &count)) {
		FUZZ_CHECK(count == 0);
		return;
	}
	page = page_len_ok(b, len, USBMSC_VPD_DEVICE_ID);
	/* every designator takes at least its 4-byte header */
	FUZZ_CHECK(count * 4 <= page);
	for (size_t i = 0; i < count && i < max; i++) {
		FUZZ_CHECK(d[i].id >= b + 8 && d[i].id + d[i].len <= b + 4 + page);
		FUZZ_CHECK(d[i].id[-1] == d[i].len);
		FUZZ_CHECK(d[i].code_set <= 0x0F && d[i].type <= 0x0F && d[i].association <= 3);
		FUZZ_CHECK(usbmsc_designator_type_name(d[i].type) != NULL);
	}
}

static void fuzz_extended_inquiry(const uint8_t *b, size_t len)
{
	struct usbmsc_vpd_extended_inquiry x;

	if (!usbmsc_vpd_parse_extended_inquiry(b, len, &x))
		return;
	FUZZ_CHECK(page_len_ok(b, len, USBMSC_VPD_EXTENDED_INQUIRY) >= 10);
	FUZZ_CHECK(x.activate_microcode <= 3 && x.spt <= 7);
	FUZZ_CHECK(x.multi_it_nexus_microcode_download <= 0x0F);
	FUZZ_CHECK(x.max_sense_len == b[13]);
}

static void fuzz_block_limits(const uint8_t *b, size_t len)
{
	struct usbmsc_vpd_block_limits l;
	size_t page;

	if (!usbmsc_vpd_parse_block_limits(b, len, &l))
		return;
	page = page_len_ok(b, len, USBMSC_VPD_BLOCK_LIMITS);
	FUZZ_CHECK(page >= 0x0C);
	FUZZ_CHECK(l.max_xfer_len == usbmsc_get_be32(b + 8));
	FUZZ_CHECK(l.unmap_granularity_alignment <= 0x7FFFFFFFu);
	/* fields past the page length read as 0, never as the bytes after it */
	FUZZ_CHECK(l.max_write_same_len == (page >= 40 ? usbmsc_get_be64(b + 36) : 0));
	FUZZ_CHECK(l.max_prefetch_len == (page >= 16 ? usbmsc_get_be32(b + 16) : 0));
}

static void fuzz_inquiry(const uint8_t *b, size_t len)
{
	struct usbmsc_inquiry q;
	bool ok = usbmsc_inquiry_parse(b, len, &q);

	FUZZ_CHECK(ok == (len >= 36));
	if (!ok)
		return;
	FUZZ_CHECK(q.device_type == (b[0] & 0x1F) && q.qualifier == b[0] >> 5);
	fuzz_check_text(q.vendor, sizeof(q.vendor));
	fuzz_check_text(q.product, sizeof(q.product));
	fuzz_check_text(q.revision, sizeof(q.revision));
	FUZZ_CHECK(usbmsc_device_type_name(q.device_type) != NULL);
}

static void fuzz_capacity(const uint8_t *b, size_t len)
{
	uint32_t lba32 = 0, bs = 0;
	uint64_t lba64 = 0;

	FUZZ_CHECK(usbmsc_read_capacity10_parse(b, len, &lba32, &bs) == (len >= 8));
	if (len >= 8)
		FUZZ_CHECK(lba32 == usbmsc_get_be32(b) && bs == usbmsc_get_be32(b + 4));
	FUZZ_CHECK(usbmsc_read_capacity16_parse(b, len, &lba64, &bs) == (len >= 12));
	if (len >= 12)
		FUZZ_CHECK(lba64 == usbmsc_get_be64(b) && bs == usbmsc_get_be32(b + 8));
}

/* Run one page parser on b, and on a copy whose page code is forced. */
static void run_page(const uint8_t *data, size_t len, uint8_t page, uint8_t knob)
{
	uint8_t *b = fuzz_dup(data, len);

	if (len >= 2)
		b[1] = page;
	switch (page) {
	case USBMSC_VPD_SUPPORTED: fuzz_supported(b, len); break;
	case USBMSC_VPD_SERIAL: fuzz_serial(b, len, knob); break;
	case USBMSC_VPD_DEVICE_ID: fuzz_device_id(b, len, knob); break;
	case USBMSC_VPD_EXTENDED_INQUIRY: fuzz_extended_inquiry(b, len); break;
	case USBMSC_VPD_BLOCK_LIMITS: fuzz_block_limits(b, len); break;
	default: break;
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pages[] = {
		USBMSC_VPD_SUPPORTED, USBMSC_VPD_SERIAL, USBMSC_VPD_DEVICE_ID,
		USBMSC_VPD_EXTENDED_INQUIRY, USBMSC_VPD_BLOCK_LIMITS,
	};
	uint8_t knob;
	uint8_t *b;
	size_t len;

	if (size < 1)
		return 0;
	knob = data[0]; /* output size for serial, max designators for 0x83 */
	len = size - 1;
	b = fuzz_dup(data + 1, len);
	fuzz_supported(b, len);
	fuzz_serial(b, len, knob);
	fuzz_device_id(b, len, knob % 9);
	fuzz_extended_inquiry(b, len);
	fuzz_block_limits(b, len);
	fuzz_inquiry(b, len);
	fuzz_capacity(b, len);
	free(b);
	for (size_t i = 0; i < sizeof(pages); i++)
		run_page(data + 1, len, pages[i], pages[i] == USBMSC_VPD_DEVICE_ID ? knob % 9 : knob);
	return 0;
}
