/* Command lookup and the checks every command passes before it runs, in
 * the order SPC gives them priority: unit attention, then the opcode, then
 * the CDB (length and reserved bits, from the command's table entry, the
 * way Linux f_mass_storage's check_command does), then the medium. Vendor
 * commands from the firmware's table are looked up first. */
#include "target_internal.h"

#include <string.h>

/* CDB length by group code (opcode bits 7:5); 0 for groups the block
 * commands do not use. */
static const uint8_t group_len[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };

static const struct usbmsc_vendor_cmd *vendor_find(const struct usbmsc_target *t,
						   uint8_t opcode, uint32_t *index)
{
	const struct usbmsc_vendor_table *vt = t->cfg->vendor_cmds;

	if (vt == NULL)
		return NULL;
	for (uint32_t i = 0; i < vt->count; i++) {
		if (vt->cmds[i].opcode == opcode) {
			*index = i;
			return &vt->cmds[i];
		}
	}
	return NULL;
}

/* An entry's own context, else the table's. */
static void *vendor_ctx(const struct usbmsc_vendor_table *vt, const struct usbmsc_vendor_cmd *v)
{
	return v->ctx ? v->ctx : vt->ctx;
}

/* Bytes 1..len-1 of the CDB against the bits the command allows. */
static bool cdb_bits_ok(const uint8_t *cb, const struct usbmsc_tgt_cmd *c, uint32_t len)
{
	if (cb[1] & (uint8_t)~c->byte1)
		return false;
	for (uint32_t i = 2; i < len; i++) {
		if (cb[i] != 0 && !((c->mask >> i) & 1u))
			return false;
	}
	return true;
}

usbmsc_sense_t usbmsc_tgt_prepare(struct usbmsc_target *t, uint8_t *dir, uint32_t *len)
{
	struct usbmsc_lun_state *ls = &t->lun_state[t->lun];
	uint8_t op = t->cb[0];
	uint32_t index = 0;
	const struct usbmsc_vendor_cmd *v = vendor_find(t, op, &index);
	const struct usbmsc_tgt_cmd *c = v ? NULL : usbmsc_tgt_block_find(op);
	uint32_t need;
	usbmsc_sense_t s;

	/* A control LUN has no medium: to it the block commands do not exist
	 * (its vendor commands were found above, whatever their opcode). */
	if (c && (t->cfg->luns[t->lun].flags & USBMSC_LUN_PROCESSOR) && !(c->flags & TGT_CF_CTRL))
		c = NULL;
	if (!(c && (c->flags & TGT_CF_UA_OK))) {
		s = usbmsc_tgt_lun_take_ua(ls);
		if (s)
			return s;
	}
	if (v == NULL && c == NULL)
		return USBMSC_SENSE_INVALID_OPCODE;
	need = v ? v->cdb_len : group_len[op >> 5];
	if (need == 0 || need > sizeof(t->cb) || t->cb_len < need)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	/* Bytes past the command's own length are not part of it. */
	memset(t->cb + need, 0, sizeof(t->cb) - need);

	if (v) {
		*len = 0;
		s = v->begin(vendor_ctx(t->cfg->vendor_cmds, v), t->lun, t->cb, len);
		if (s)
			return s;
		if (v->data == NULL)
			*len = 0;
		*dir = v->dir;
		t->lba = index;
		t->handler = TGT_H_VENDOR;
		t->plan_flags |= TGT_PF_END;
		return USBMSC_SENSE_OK;
	}
	if (!cdb_bits_ok(t->cb, c, need))
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	if ((c->flags & TGT_CF_MEDIUM) && (ls->flags & TGT_LS_EJECTED))
		return USBMSC_SENSE_NOT_PRESENT;
	*dir = c->flags & TGT_CF_DIR;
	return usbmsc_tgt_block_prepare(t, c, len);
}

usbmsc_sense_t usbmsc_tgt_piece(struct usbmsc_target *t, uint32_t n)
{
	const struct usbmsc_lun_config *lc = &t->cfg->luns[t->lun];
	const struct usbmsc_vendor_table *vt = t->cfg->vendor_cmds;
	/* Storage callbacks get the block the piece starts in and the offset
	 * inside it: block sizes are powers of two, so no division. */
	uint32_t lba = t->lba + (t->done >> t->shift);
	uint32_t off = t->done & ((1u << t->shift) - 1u);

	switch (t->handler) {
	case TGT_H_READ:
		return lc->read(lc->ctx, lba, off, t->buf, n);
	case TGT_H_WRITE:
		return lc->write(lc->ctx, lba, off, t->buf, n);
	case TGT_H_VENDOR:
		return vt->cmds[t->lba].data(vendor_ctx(vt, &vt->cmds[t->lba]), t->lun, t->cb,
					     t->done, t->buf, n);
	default:
		/* TGT_H_BUF: the response is in buf already. */
		return USBMSC_SENSE_OK;
	}
}

usbmsc_sense_t usbmsc_tgt_end(struct usbmsc_target *t)
{
	const struct usbmsc_vendor_table *vt = t->cfg->vendor_cmds;
	const struct usbmsc_vendor_cmd *v = &vt->cmds[t->lba];

	return v->end ? v->end(vendor_ctx(vt, v), t->lun, t->cb) : USBMSC_SENSE_OK;
}
