/* Sense data and unit attention, per LUN, in four bytes.
 *
 * The three sense bytes hold either the outcome of the last command that
 * ran on the LUN (what REQUEST SENSE reports) or, while TGT_LS_UA is set, a
 * pending unit attention. A unit attention wins over a later failure of a
 * command that runs despite it (INQUIRY, REPORT LUNS): BOT has room for one
 * sense per LUN, and losing the attention would hide a reset from the host. */
#include "target_internal.h"

void usbmsc_tgt_lun_set(struct usbmsc_lun_state *ls, usbmsc_sense_t sense)
{
	ls->sense_key = (uint8_t)(sense >> 16);
	ls->asc = (uint8_t)(sense >> 8);
	ls->ascq = (uint8_t)sense;
}

usbmsc_sense_t usbmsc_tgt_lun_get(const struct usbmsc_lun_state *ls)
{
	return USBMSC_SENSE(ls->sense_key, ls->asc, ls->ascq);
}

void usbmsc_tgt_lun_raise_ua(struct usbmsc_lun_state *ls, usbmsc_sense_t sense)
{
	usbmsc_tgt_lun_set(ls, sense);
	ls->flags |= TGT_LS_UA;
}

void usbmsc_tgt_lun_power_on(struct usbmsc_lun_state *ls)
{
	/* Medium loaded, removal allowed, reset reported once. */
	ls->flags = 0;
	usbmsc_tgt_lun_raise_ua(ls, USBMSC_SENSE_RESET_OCCURRED);
}

usbmsc_sense_t usbmsc_tgt_lun_take_ua(struct usbmsc_lun_state *ls)
{
	if (!(ls->flags & TGT_LS_UA))
		return USBMSC_SENSE_OK;
	ls->flags &= (uint8_t)~TGT_LS_UA;
	return usbmsc_tgt_lun_get(ls);
}

void usbmsc_tgt_lun_record(struct usbmsc_lun_state *ls, usbmsc_sense_t result, bool clear_ua)
{
	if (clear_ua)
		ls->flags &= (uint8_t)~TGT_LS_UA;
	if (!(ls->flags & TGT_LS_UA))
		usbmsc_tgt_lun_set(ls, result);
}
