/* The hosted device's vendor table, and REPORT SUPPORTED OPERATION CODES
 * (0xA3 / 0x0C) in its one-command forms (reporting options 1 and 2), as
 * hosts ask before a firmware download. WRITE BUFFER's and READ BUFFER's
 * modes are service actions (SPC-5); the table's other commands have none. */
#include "fw_host_internal.h"

#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/scsi.h"

#define OP_RSOC USBMSC_OP_MAINTENANCE_IN
#define RSOC_SA 0x0Cu
#define RSOC_CDB_LEN 12u
#define SUPPORT_UNKNOWN 0x00u     /* no data about it */
#define SUPPORT_NONE 0x01u        /* not supported */
#define SUPPORT_STANDARD 0x03u    /* supported as the standard says */

static bool is_buffer_cmd(uint8_t opcode)
{
	return opcode == USBMSC_OP_WRITE_BUFFER || opcode == USBMSC_OP_READ_BUFFER;
}

static bool buffer_mode_served(uint8_t opcode, uint16_t mode)
{
	if (opcode == USBMSC_OP_WRITE_BUFFER)
		return mode == 0x05 || mode == 0x07 || mode == 0x0E || mode == 0x0F;
	return mode == 0x02 || mode == 0x03;
}

/* A command of the table without service actions (RSOC itself has them). */
static bool table_serves(const struct usbmsc_fwhost *h, uint8_t opcode)
{
	if (opcode == OP_RSOC || is_buffer_cmd(opcode))
		return false;
	for (uint8_t i = 0; i < h->table_len; i++) {
		if (h->table[i].opcode == opcode)
			return true;
	}
	return false;
}

/* The answer: 4 header bytes, then the CDB usage map (bits the device
 * looks at): the buffer commands' mode, offset and length; the 6-byte
 * vendor commands' length field. */
static void rsoc_answer(struct usbmsc_fwhost *h, uint8_t support, uint8_t opcode, uint8_t mode)
{
	uint8_t *a = h->rsoc, *map = a + 4;
	uint8_t n = is_buffer_cmd(opcode) ? 10 : 6;

	memset(a, 0, sizeof h->rsoc);
	a[1] = support;
	h->rsoc_len = 4;
	if (support != SUPPORT_STANDARD)
		return;
	usbmsc_put_be16(a + 2, n);
	map[0] = opcode;
	if (n == 10) {
		map[1] = (uint8_t)(mode & 0x1Fu);  /* the mode only; mode specific 0 */
		/* BUFFER ID: offset bits 31:24 in the modes that take an offset
		 * (docs/FIRMWARE.md, "Images over 16 MiB") */
		if ((opcode == USBMSC_OP_WRITE_BUFFER && (mode == 0x07 || mode == 0x0E)) ||
		    (opcode == USBMSC_OP_READ_BUFFER && mode == 0x02))
			map[2] = 0xFF;
		memset(map + 3, 0xFF, 6);           /* offset, length */
	} else {
		memset(map + 3, 0xFF, 2);           /* allocation length */
	}
	h->rsoc_len = 4u + n;
}

static usbmsc_sense_t rsoc_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct usbmsc_fwhost *h = ctx;
	uint8_t options = cdb[2] & 0x07u, opcode = cdb[3];
	uint16_t sa = usbmsc_get_be16(cdb + 4);
	bool buffer = is_buffer_cmd(opcode);
	uint32_t alloc = usbmsc_get_be32(cdb + 6);

	(void)lun;
	/* Other MAINTENANCE IN service actions, timeout descriptors, the
	 * all-commands form: not served. */
	if ((cdb[1] & 0x1Fu) != RSOC_SA || (cdb[1] & 0xE0u) || (cdb[2] & 0xF8u) || cdb[10] ||
	    cdb[11] || (options != 1 && options != 2))
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	/* Form 1 is for commands without service actions, form 2 for those with. */
	if ((options == 1) == buffer)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	if (options == 2)
		rsoc_answer(h, buffer_mode_served(opcode, sa) ? SUPPORT_STANDARD : SUPPORT_NONE,
			    opcode, (uint8_t)sa);
	else
		rsoc_answer(h, table_serves(h, opcode) ? SUPPORT_STANDARD : SUPPORT_UNKNOWN, opcode,
			    0);
	*len = alloc < h->rsoc_len ? alloc : h->rsoc_len;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t rsoc_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
				uint8_t *buf, uint32_t len)
{
	struct usbmsc_fwhost *h = ctx;

	(void)lun;
	(void)cdb;
	memcpy(buf, h->rsoc + offset, len);
	return USBMSC_SENSE_OK;
}

int usbmsc_fwhost_vendor_table(struct usbmsc_fwhost *h, const struct usbmsc_vendor_table *own,
			       struct usbmsc_vendor_table *out, struct usbmsc_error *err)
{
	uint8_t n = own ? own->count : 0;

	if (n > FWHOST_OWN_CMDS_MAX)
		return usbmsc_fail(err, USBMSC_E_USAGE, "%u vendor commands: at most %u fit beside "
				   "the firmware engine's", n, FWHOST_OWN_CMDS_MAX);
	/* The caller's entries keep their context: the combined table's is
	 * own->ctx. The engine's and RSOC carry their own. */
	if (n)
		memcpy(h->table, own->cmds, n * sizeof h->table[0]);
	for (unsigned i = 0; i < USBMSC_FW_CMD_COUNT; i++) {
		h->table[n + i] = usbmsc_fw_cmds[i];
		h->table[n + i].ctx = &h->engine;
	}
	h->table[n + USBMSC_FW_CMD_COUNT] = (struct usbmsc_vendor_cmd){
		OP_RSOC, USBMSC_DIR_IN, RSOC_CDB_LEN, rsoc_begin, rsoc_data, NULL, h };
	h->table_len = (uint8_t)(n + USBMSC_FW_CMD_COUNT + 1u);
	out->cmds = h->table;
	out->count = h->table_len;
	out->ctx = own ? own->ctx : NULL;
	return USBMSC_OK;
}
