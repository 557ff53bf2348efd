/* One storage operation the pipelined core handed over: a LUN's read or
 * write that answered USBMSC_SENSE_PENDING, kept until it runs, in the
 * event loop right after the core's call (--io sync, bulk.c) or on the
 * storage thread (--io thread, lun_worker.c). */
#ifndef USBMSC_GADGET_STORAGE_OP_H
#define USBMSC_GADGET_STORAGE_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/target.h"

struct storage_op {
	const struct usbmsc_lun_config *lun;  /* the LUN's own callbacks */
	bool write;
	uint32_t lba, offset, len;
	uint8_t *buf;                         /* a write only reads it */
};

/* Run op with the LUN's own callback; its outcome. */
static inline usbmsc_sense_t storage_op_run(const struct storage_op *op)
{
	const struct usbmsc_lun_config *l = op->lun;

	return op->write ? l->write(l->ctx, op->lba, op->offset, op->buf, op->len)
			 : l->read(l->ctx, op->lba, op->offset, op->buf, op->len);
}

#endif
