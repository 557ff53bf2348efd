/* libFuzzer harness for usbmsc_cbw_decode and the fill/encode round trip.
 * Input: max LUN (1 byte), then the received CBW bytes. The verdict is
 * compared with an independent reading of docs/PROTOCOL.md: valid = 31 bytes
 * and the signature; meaningful = reserved bits zero, LUN <= max LUN and
 * CB length 1..16. */
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

#include "fuzz_check.h"

static enum usbmsc_cbw_check expected(const uint8_t *b, size_t len, uint8_t max_lun)
{
	if (len != USBMSC_CBW_LEN || usbmsc_get_le32(b) != USBMSC_CBW_SIGNATURE)
		return USBMSC_CBW_INVALID;
	if ((b[12] & 0x7F) || (b[13] & 0xF0) || (b[14] & 0xE0))
		return USBMSC_CBW_NOT_MEANINGFUL;
	if (b[13] > max_lun || b[14] < 1 || b[14] > 16)
		return USBMSC_CBW_NOT_MEANINGFUL;
	return USBMSC_CBW_OK;
}

/* What a decoded CBW must say about the bytes it came from. */
static void check_fields(const struct usbmsc_cbw *c, const uint8_t *b)
{
	FUZZ_CHECK(c->tag == usbmsc_get_le32(b + 4));
	FUZZ_CHECK(c->data_len == usbmsc_get_le32(b + 8));
	FUZZ_CHECK(c->flags == b[12]);
	FUZZ_CHECK(c->lun == (b[13] & 0x0F));
	FUZZ_CHECK(c->cb_len == (b[14] & 0x1F));
	FUZZ_CHECK(memcmp(c->cb, b + 15, c->cb_len <= 16 ? c->cb_len : 16) == 0);
}

static void check_ok(const struct usbmsc_cbw *c, const uint8_t *b)
{
	uint8_t again[USBMSC_CBW_LEN];
	enum usbmsc_dir dir = usbmsc_cbw_dir(c);

	FUZZ_CHECK((dir == USBMSC_DIR_NONE) == (c->data_len == 0));
	if (dir != USBMSC_DIR_NONE)
		FUZZ_CHECK((dir == USBMSC_DIR_IN) == ((b[12] & 0x80) != 0));
	/* header and CDB re-encode to the received bytes */
	usbmsc_cbw_encode(c, again);
	FUZZ_CHECK(memcmp(again, b, 15 + (size_t)c->cb_len) == 0);
}

/* fill -> encode -> decode gives back what was filled. */
static void round_trip(const uint8_t *b, size_t len)
{
	struct usbmsc_cbw c, d;
	uint8_t wire[USBMSC_CBW_LEN];
	enum usbmsc_dir dir;
	uint32_t data_len;
	uint8_t cdb_len;

	if (len < 10)
		return;
	dir = (enum usbmsc_dir)(b[0] % 3);
	data_len = usbmsc_get_le32(b + 1);
	cdb_len = b[5];
	if (!usbmsc_cbw_fill(&c, usbmsc_get_le32(b + 6), b[5] >> 4, dir, data_len, b,
			     cdb_len <= len ? cdb_len : 0)) {
		/* refused only for what bot.h lists */
		FUZZ_CHECK(cdb_len < 1 || cdb_len > 16 || cdb_len > len || (b[5] >> 4) > 15 ||
			   (dir == USBMSC_DIR_NONE) != (data_len == 0));
		return;
	}
	usbmsc_cbw_encode(&c, wire);
	FUZZ_CHECK(usbmsc_cbw_decode(wire, sizeof(wire), 15, &d) == USBMSC_CBW_OK);
	FUZZ_CHECK(usbmsc_cbw_dir(&d) == dir);
	FUZZ_CHECK(d.tag == c.tag && d.data_len == c.data_len && d.cb_len == cdb_len);
	FUZZ_CHECK(memcmp(d.cb, b, cdb_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usbmsc_cbw cbw;
	enum usbmsc_cbw_check got;
	uint8_t *buf;

	if (size < 1)
		return 0;
	buf = fuzz_dup(data + 1, size - 1);
	memset(&cbw, 0xA5, sizeof(cbw));
	got = usbmsc_cbw_decode(buf, size - 1, data[0], &cbw);
	FUZZ_CHECK(got == expected(buf, size - 1, data[0]));
	if (got != USBMSC_CBW_INVALID)
		check_fields(&cbw, buf);
	if (got == USBMSC_CBW_OK)
		check_ok(&cbw, buf);
	round_trip(buf, size - 1);
	free(buf);
	return 0;
}
