/* libFuzzer harness for usbmsc_csw_decode. Input: expected tag (4 bytes,
 * little-endian), host length (4 bytes), then the received CSW bytes.
 * The result is compared with an independent reading of bot.h's contract:
 * checks in the order length, signature, tag, status, residue. */
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

#include "fuzz_check.h"

static enum usbmsc_csw_check expected(const uint8_t *b, size_t len, uint32_t tag, uint32_t host_len)
{
	if (len != USBMSC_CSW_LEN)
		return USBMSC_CSWCHK_LENGTH;
	if (usbmsc_get_le32(b) != USBMSC_CSW_SIGNATURE)
		return USBMSC_CSWCHK_SIGNATURE;
	if (usbmsc_get_le32(b + 4) != tag)
		return USBMSC_CSWCHK_TAG;
	if (b[12] > USBMSC_CSW_PHASE_ERROR)
		return USBMSC_CSWCHK_STATUS;
	if (usbmsc_get_le32(b + 8) > host_len)
		return USBMSC_CSWCHK_RESIDUE;
	return USBMSC_CSWCHK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usbmsc_csw csw;
	enum usbmsc_csw_check got;
	uint32_t tag, host_len;
	uint8_t *buf;
	const char *text;

	if (size < 8)
		return 0;
	tag = usbmsc_get_le32(data);
	host_len = usbmsc_get_le32(data + 4);
	buf = fuzz_dup(data + 8, size - 8);
	memset(&csw, 0xA5, sizeof(csw));
	got = usbmsc_csw_decode(buf, size - 8, tag, host_len, &csw);
	FUZZ_CHECK(got == expected(buf, size - 8, tag, host_len));
	text = usbmsc_csw_check_text(got);
	FUZZ_CHECK(text && text[0]);
	if (size - 8 == USBMSC_CSW_LEN) {
		uint8_t again[USBMSC_CSW_LEN];

		/* filled whenever 13 bytes arrived, so a caller can report it */
		FUZZ_CHECK(csw.tag == usbmsc_get_le32(buf + 4));
		FUZZ_CHECK(csw.residue == usbmsc_get_le32(buf + 8));
		FUZZ_CHECK(csw.status == buf[12]);
		if (got != USBMSC_CSWCHK_SIGNATURE) {
			usbmsc_csw_encode(&csw, again);
			FUZZ_CHECK(memcmp(again, buf, USBMSC_CSW_LEN) == 0);
		}
	}
	free(buf);
	return 0;
}
