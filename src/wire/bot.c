/* Bulk-Only Transport wrappers: CBW encode/fill/decode, CSW encode/decode.
 * Pure and freestanding: the target core links this file too. */
#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

#include <string.h>

/* Reserved bits of bmCBWFlags, bCBWLUN and bCBWCBLength. */
#define CBW_FLAGS_RESERVED 0x7Fu
#define CBW_LUN_RESERVED 0xF0u
#define CBW_CBLEN_RESERVED 0xE0u

enum usbmsc_dir usbmsc_cbw_dir(const struct usbmsc_cbw *cbw)
{
	if (cbw->data_len == 0)
		return USBMSC_DIR_NONE;
	return (cbw->flags & USBMSC_CBW_FLAG_IN) ? USBMSC_DIR_IN : USBMSC_DIR_OUT;
}

uint32_t usbmsc_cbw_signature(enum usbmsc_framing f)
{
	return f == USBMSC_FRAMING_VENDOR ? USBMSC_VCBW_SIGNATURE : USBMSC_CBW_SIGNATURE;
}

uint32_t usbmsc_csw_signature(enum usbmsc_framing f)
{
	return f == USBMSC_FRAMING_VENDOR ? USBMSC_VCSW_SIGNATURE : USBMSC_CSW_SIGNATURE;
}

uint8_t usbmsc_framing_request_type(enum usbmsc_framing f, bool in)
{
	if (f == USBMSC_FRAMING_VENDOR)
		return in ? USBMSC_REQTYPE_VENDOR_IN : USBMSC_REQTYPE_VENDOR_OUT;
	return in ? USBMSC_REQTYPE_CLASS_IN : USBMSC_REQTYPE_CLASS_OUT;
}

void usbmsc_cbw_encode(const struct usbmsc_cbw *cbw, uint8_t out[USBMSC_CBW_LEN])
{
	usbmsc_cbw_encode_framed(cbw, USBMSC_FRAMING_BOT, out);
}

void usbmsc_cbw_encode_framed(const struct usbmsc_cbw *cbw, enum usbmsc_framing f,
			      uint8_t out[USBMSC_CBW_LEN])
{
	usbmsc_put_le32(out, usbmsc_cbw_signature(f));
	usbmsc_put_le32(out + 4, cbw->tag);
	usbmsc_put_le32(out + 8, cbw->data_len);
	out[12] = cbw->flags;
	out[13] = cbw->lun;
	out[14] = cbw->cb_len;
	memcpy(out + 15, cbw->cb, sizeof(cbw->cb));
}

bool usbmsc_cbw_fill(struct usbmsc_cbw *cbw, uint32_t tag, uint8_t lun,
		     enum usbmsc_dir dir, uint32_t data_len,
		     const uint8_t *cdb, uint8_t cdb_len)
{
	if (cdb == NULL || cdb_len < 1 || cdb_len > sizeof(cbw->cb) || lun > USBMSC_MAX_LUN)
		return false;
	/* The direction must agree with the length: NONE exactly when 0. */
	if ((dir == USBMSC_DIR_NONE) != (data_len == 0))
		return false;
	if (dir != USBMSC_DIR_NONE && dir != USBMSC_DIR_IN && dir != USBMSC_DIR_OUT)
		return false;
	memset(cbw, 0, sizeof(*cbw));
	cbw->tag = tag;
	cbw->data_len = data_len;
	cbw->flags = dir == USBMSC_DIR_IN ? USBMSC_CBW_FLAG_IN : 0;
	cbw->lun = lun;
	cbw->cb_len = cdb_len;
	memcpy(cbw->cb, cdb, cdb_len);
	return true;
}

enum usbmsc_cbw_check usbmsc_cbw_decode(const uint8_t *buf, size_t len, uint8_t max_lun,
					 struct usbmsc_cbw *out)
{
	return usbmsc_cbw_decode_framed(buf, len, USBMSC_FRAMING_BOT, max_lun, out);
}

enum usbmsc_cbw_check usbmsc_cbw_decode_framed(const uint8_t *buf, size_t len,
						enum usbmsc_framing f, uint8_t max_lun,
						struct usbmsc_cbw *out)
{
	if (len != USBMSC_CBW_LEN || usbmsc_get_le32(buf) != usbmsc_cbw_signature(f))
		return USBMSC_CBW_INVALID;
	out->tag = usbmsc_get_le32(buf + 4);
	out->data_len = usbmsc_get_le32(buf + 8);
	out->flags = buf[12];
	out->lun = buf[13] & 0x0Fu;
	out->cb_len = buf[14] & 0x1Fu;
	memcpy(out->cb, buf + 15, sizeof(out->cb));
	if ((buf[12] & CBW_FLAGS_RESERVED) || (buf[13] & CBW_LUN_RESERVED) ||
	    (buf[14] & CBW_CBLEN_RESERVED))
		return USBMSC_CBW_NOT_MEANINGFUL;
	if (out->lun > max_lun || out->cb_len < 1 || out->cb_len > sizeof(out->cb))
		return USBMSC_CBW_NOT_MEANINGFUL;
	return USBMSC_CBW_OK;
}

void usbmsc_csw_encode(const struct usbmsc_csw *csw, uint8_t out[USBMSC_CSW_LEN])
{
	usbmsc_csw_encode_framed(csw, USBMSC_FRAMING_BOT, out);
}

void usbmsc_csw_encode_framed(const struct usbmsc_csw *csw, enum usbmsc_framing f,
			      uint8_t out[USBMSC_CSW_LEN])
{
	usbmsc_put_le32(out, usbmsc_csw_signature(f));
	usbmsc_put_le32(out + 4, csw->tag);
	usbmsc_put_le32(out + 8, csw->residue);
	out[12] = csw->status;
}

enum usbmsc_csw_check usbmsc_csw_decode(const uint8_t *buf, size_t len, uint32_t expect_tag,
					 uint32_t host_len, struct usbmsc_csw *out)
{
	return usbmsc_csw_decode_framed(buf, len, USBMSC_FRAMING_BOT, expect_tag, host_len, out);
}

enum usbmsc_csw_check usbmsc_csw_decode_framed(const uint8_t *buf, size_t len,
						enum usbmsc_framing f, uint32_t expect_tag,
						uint32_t host_len, struct usbmsc_csw *out)
{
	if (len != USBMSC_CSW_LEN)
		return USBMSC_CSWCHK_LENGTH;
	out->tag = usbmsc_get_le32(buf + 4);
	out->residue = usbmsc_get_le32(buf + 8);
	out->status = buf[12];
	if (usbmsc_get_le32(buf) != usbmsc_csw_signature(f))
		return USBMSC_CSWCHK_SIGNATURE;
	if (out->tag != expect_tag)
		return USBMSC_CSWCHK_TAG;
	if (out->status > USBMSC_CSW_PHASE_ERROR)
		return USBMSC_CSWCHK_STATUS;
	if (out->residue > host_len)
		return USBMSC_CSWCHK_RESIDUE;
	return USBMSC_CSWCHK_OK;
}

const char *usbmsc_csw_check_text(enum usbmsc_csw_check check)
{
	switch (check) {
	case USBMSC_CSWCHK_OK: return "ok";
	case USBMSC_CSWCHK_LENGTH: return "CSW is not 13 bytes";
	case USBMSC_CSWCHK_SIGNATURE: return "bad CSW signature";
	case USBMSC_CSWCHK_TAG: return "CSW tag does not match the CBW";
	case USBMSC_CSWCHK_STATUS: return "reserved CSW status";
	case USBMSC_CSWCHK_RESIDUE: return "CSW residue larger than the transfer";
	}
	return "unknown CSW check";
}
