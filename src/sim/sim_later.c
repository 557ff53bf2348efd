/* bufs=N (N >= 2): the virtual device runs the pipelined target core
 * (usbmsc_target_init_pipelined) with N buffers, and its disks finish every
 * read and write later, as a device whose storage works by DMA does. An
 * operation waits until the host finds the device with nothing armed on
 * the endpoint it uses (where a real device would NAK): then it completes
 * and the target core hears of it (usbmsc_target_storage_done). So the bus
 * runs as far ahead of storage as the core's buffers let it, and every
 * suite that runs over sim: exercises the pipelined data stage when it is
 * given bufs=2 (USBMSC_SIM_OPTIONS, docs/SIM.md). Time stays simulated:
 * nothing waits for real. */
#include "sim_internal.h"

static usbmsc_sense_t start(struct sim_image *im, uint32_t lba, uint32_t offset, uint8_t *buf,
			    uint32_t len, bool write)
{
	struct sim_storage_op *op = &im->sim->op;

	if (op->active)
		im->sim->counters.violations++; /* a second operation before the first ended */
	*op = (struct sim_storage_op){ true, write, im, buf, lba, offset, len };
	return USBMSC_SENSE_PENDING;
}

static usbmsc_sense_t read_later(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
				 uint32_t len)
{
	return start(ctx, lba, offset, buf, len, false);
}

static usbmsc_sense_t write_later(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				  uint32_t len)
{
	/* a write only reads buf */
	return start(ctx, lba, offset, (uint8_t *)buf, len, true);
}

void sim_later_lun(struct usbmsc_lun_config *lc)
{
	lc->read = read_later;
	if (lc->write)
		lc->write = write_later;
}

usbmsc_sense_t sim_later_finish(struct usbmsc_sim *sim, bool *was_active)
{
	struct sim_storage_op *op = &sim->op;

	*was_active = op->active;
	if (!op->active)
		return USBMSC_SENSE_OK;
	op->active = false;
	if (op->write)
		return sim_img_write(op->im, op->lba, op->offset, op->buf, op->len);
	return sim_img_read(op->im, op->lba, op->offset, op->buf, op->len);
}

void sim_later_report(struct usbmsc_sim *sim, bool was_active, usbmsc_sense_t outcome)
{
	if (was_active)
		usbmsc_target_storage_done(&sim->target, outcome);
}

bool sim_later_settle(struct usbmsc_sim *sim)
{
	bool active;
	usbmsc_sense_t s = sim_later_finish(sim, &active);

	sim_later_report(sim, active, s);
	return active;
}
