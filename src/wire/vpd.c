/* Vital product data pages: 0x00, 0x80, 0x83, 0x86, 0xB0.
 *
 * Every page starts with the same 4-byte header (device type, page code,
 * 16-bit PAGE LENGTH). A page whose length runs past what arrived is
 * rejected rather than parsed in part: it means the allocation length was
 * too small, and the caller should ask again with a larger one. */
#include "usbmsc/scsi.h"

#include "usbmsc/byteorder.h"
#include "wire_text.h"

#include <string.h>

#define VPD_HDR_LEN 4u

/* The page body (after the header) and its length, or NULL when the page
 * is not `page` or does not fit in len. */
static const uint8_t *vpd_body(const uint8_t *buf, size_t len, uint8_t page, size_t *body_len)
{
	size_t n;

	if (!buf || len < VPD_HDR_LEN || buf[1] != page)
		return NULL;
	n = usbmsc_get_be16(buf + 2);
	if (n > len - VPD_HDR_LEN)
		return NULL;
	*body_len = n;
	return buf + VPD_HDR_LEN;
}

bool usbmsc_vpd_parse_supported(const uint8_t *buf, size_t len, struct usbmsc_vpd_supported *out)
{
	size_t n;
	const uint8_t *body = vpd_body(buf, len, USBMSC_VPD_SUPPORTED, &n);

	if (!out)
		return false;
	memset(out, 0, sizeof(*out));
	/* Each page code is listed once, so more than the array holds is bogus. */
	if (!body || n > sizeof(out->pages))
		return false;
	memcpy(out->pages, body, n);
	out->count = n;
	return true;
}

bool usbmsc_vpd_parse_serial(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	size_t n;
	const uint8_t *body = vpd_body(buf, len, USBMSC_VPD_SERIAL, &n);

	if (!out || outlen == 0)
		return false;
	out[0] = '\0';
	if (!body)
		return false;
	/* SPC allows the serial number to be right-aligned with leading spaces. */
	wire_ascii_field(out, outlen, body, n, true);
	return true;
}

/* Fill one designator from its 4-byte header at d (id bytes follow). */
static void designator_decode(const uint8_t *d, struct usbmsc_designator *out)
{
	out->protocol_id = d[0] >> 4;
	out->code_set = d[0] & 0x0F;
	out->piv = (d[1] & 0x80) != 0;
	out->association = (d[1] >> 4) & 0x03;
	out->type = d[1] & 0x0F;
	out->len = d[3];
	out->id = d + 4;
}

bool usbmsc_vpd_parse_device_id(const uint8_t *buf, size_t len, struct usbmsc_designator *out,
				size_t max, size_t *count)
{
	size_t n, found = 0, off = 0;
	const uint8_t *body = vpd_body(buf, len, USBMSC_VPD_DEVICE_ID, &n);

	if (count)
		*count = 0;
	if (!body || (max > 0 && !out))
		return false;
	/* Designators must tile the page exactly: a header or an identifier
	 * that crosses the page end makes the whole page untrustworthy. */
	while (off < n) {
		if (n - off < 4 || n - off - 4 < body[off + 3])
			return false;
		if (found < max)
			designator_decode(body + off, &out[found]);
		found++;
		off += 4 + (size_t)body[off + 3];
	}
	if (count)
		*count = found;
	return true;
}

const char *usbmsc_designator_type_name(uint8_t type)
{
	static const char *const names[] = {
		"vendor specific", "T10 vendor ID", "EUI-64", "NAA",
		"relative target port", "target port group", "logical unit group",
		"MD5 logical unit", "SCSI name string", "protocol specific port",
		"UUID",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "reserved";
}

bool usbmsc_vpd_parse_extended_inquiry(const uint8_t *buf, size_t len,
				       struct usbmsc_vpd_extended_inquiry *out)
{
	size_t n;
	const uint8_t *body = vpd_body(buf, len, USBMSC_VPD_EXTENDED_INQUIRY, &n);

	if (!out)
		return false;
	memset(out, 0, sizeof(*out));
	/* Every field the struct holds lives in page bytes 4..13 (SPC-5; the
	 * page length has been 0x3C since SPC-3). */
	if (!body || n < 10)
		return false;
	out->activate_microcode = buf[4] >> 6;
	out->spt = (buf[4] >> 3) & 0x07;
	out->grd_chk = (buf[4] & 0x04) != 0;
	out->app_chk = (buf[4] & 0x02) != 0;
	out->ref_chk = (buf[4] & 0x01) != 0;
	out->uask_sup = (buf[5] & 0x20) != 0;
	out->group_sup = (buf[5] & 0x10) != 0;
	out->prior_sup = (buf[5] & 0x08) != 0;
	out->headsup = (buf[5] & 0x04) != 0;
	out->ordsup = (buf[5] & 0x02) != 0;
	out->simpsup = (buf[5] & 0x01) != 0;
	out->wu_sup = (buf[6] & 0x08) != 0;
	out->crd_sup = (buf[6] & 0x04) != 0;
	out->nv_sup = (buf[6] & 0x02) != 0;
	out->v_sup = (buf[6] & 0x01) != 0;
	out->luiclr = (buf[7] & 0x01) != 0;
	out->r_sup = (buf[8] & 0x10) != 0;
	out->cbcs = (buf[8] & 0x01) != 0;
	out->multi_it_nexus_microcode_download = buf[9] & 0x0F;
	out->extended_self_test_minutes = usbmsc_get_be16(buf + 10);
	out->poa_sup = (buf[12] & 0x80) != 0;
	out->hra_sup = (buf[12] & 0x40) != 0;
	out->vsa_sup = (buf[12] & 0x20) != 0;
	out->max_sense_len = buf[13];
	return true;
}

/* A 32-bit Block Limits field at page offset `at`, or 0 (SBC: "not
 * reported") when the page is the short SBC-2 layout that ends earlier. */
static uint32_t bl_u32(const uint8_t *page, size_t page_end, size_t at)
{
	return at + 4 <= page_end ? usbmsc_get_be32(page + at) : 0;
}

bool usbmsc_vpd_parse_block_limits(const uint8_t *buf, size_t len,
				   struct usbmsc_vpd_block_limits *out)
{
	size_t n, end;
	const uint8_t *body = vpd_body(buf, len, USBMSC_VPD_BLOCK_LIMITS, &n);

	if (!out)
		return false;
	memset(out, 0, sizeof(*out));
	/* SBC-2 pages stop after OPTIMAL TRANSFER LENGTH (page length 0x0C);
	 * SBC-3 and later have 0x3C. Accept both, zero what is absent. */
	if (!body || n < 0x0C)
		return false;
	end = VPD_HDR_LEN + n;
	out->wsnz = (buf[4] & 0x01) != 0;
	out->max_compare_write_len = buf[5];
	out->opt_xfer_granularity = usbmsc_get_be16(buf + 6);
	out->max_xfer_len = bl_u32(buf, end, 8);
	out->opt_xfer_len = bl_u32(buf, end, 12);
	out->max_prefetch_len = bl_u32(buf, end, 16);
	out->max_unmap_lba_count = bl_u32(buf, end, 20);
	out->max_unmap_desc_count = bl_u32(buf, end, 24);
	out->opt_unmap_granularity = bl_u32(buf, end, 28);
	if (end >= 36) {
		out->ugavalid = (buf[32] & 0x80) != 0;
		out->unmap_granularity_alignment = usbmsc_get_be32(buf + 32) & 0x7FFFFFFFu;
	}
	if (end >= 44)
		out->max_write_same_len = usbmsc_get_be64(buf + 36);
	return true;
}
