/* --file-door: the target's file door on the gadget (filedoor.h). */
#include "filedoor.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/fwhost/fw_host.h"
#include "log.h"
#include "reboot.h"

#define DOOR_QUIET_MS 1000u
/* A gap in the clock larger than this (a suspended machine) counts as this
 * much (usbmsc_door_tick takes less than 2^31 at a time). */
#define DOOR_MAX_STEP_MS 3600000u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The door's write, timed: when the first block of an image and its last
 * one arrived, on the clock /proc/uptime shows in the guest (monotonic: no
 * suspend there), and how long the device's check of the whole image took
 * (it runs within the write that brings the last block). */
static usbmsc_sense_t timed_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				  uint32_t len)
{
	/* ctx is the door's, in d. */
	struct gadget_filedoor *d =
		(struct gadget_filedoor *)((char *)ctx - offsetof(struct gadget_filedoor, door));
	uint32_t before = d->door.got, blocks = d->door.blocks;
	double t = now_s();
	usbmsc_sense_t s = d->door_write(ctx, lba, offset, buf, len);

	if (d->door.got == 0 || d->door.blocks == 0)
		return s;
	if (before == 0 || blocks != d->door.blocks)
		gadget_debug(1, "file door: first block of %u in at %.3f s", (unsigned)d->door.blocks,
			     t);
	if (d->door.got == d->door.blocks && before != d->door.got)
		gadget_debug(1, "file door: last of %u blocks in at %.3f s, checked in %.0f ms",
			     (unsigned)d->door.blocks, t, (now_s() - t) * 1e3);
	return s;
}

int gadget_filedoor_setup(struct gadget_filedoor *d, const struct gadget_opts *o,
			  struct gadget_vendor *v, struct usbmsc_lun_config *lun, char *err,
			  size_t err_len)
{
	struct usbmsc_fw_engine *e;
	uint32_t slot;

	memset(d, 0, sizeof(*d));
	if (!o->file_door)
		return 0;
	e = v->fw != NULL ? usbmsc_fwhost_engine(v->fw) : NULL;
	if (e == NULL || e->cfg == NULL) {
		snprintf(err, err_len, "--file-door: the firmware engine is not running");
		return 99;
	}
	slot = e->cfg->slot_size;
	if (slot > USBMSC_DOOR_SLOT_MAX) {
		snprintf(err, err_len, "--file-door serves firmware slots of at most 16m; %s has "
			 "slots of %u bytes", o->fw_state, (unsigned)slot);
		return 1;
	}
	d->bitmap = calloc(1, USBMSC_DOOR_BITMAP_BYTES(slot));
	if (d->bitmap == NULL) {
		snprintf(err, err_len, "--file-door: out of memory");
		return 99;
	}
	snprintf(d->info, sizeof(d->info),
		 "UF2 Bootloader usbmsc-gadget\nModel: %s\nBoard-ID: LINUX-GADGET-%04x-%04x\n",
		 o->product_string != NULL ? o->product_string : o->product, o->vid, o->pid);
	d->engine = e;
	d->cfg = (struct usbmsc_door_config){
		.fw = e,
		.bitmap = d->bitmap,
		.info = d->info,
		.index_htm = USBMSC_DOOR_INDEX_HTM("https://example.com/usbmsc-gadget"),
		.label = "USBMSC DOOR",
		.volume_id = (uint32_t)o->vid << 16 | o->pid,
		.quiet_ms = DOOR_QUIET_MS,
	};
	if (!usbmsc_door_init(&d->door, &d->cfg, lun)) {
		snprintf(err, err_len, "--file-door: the door refused its configuration");
		gadget_filedoor_close(d);
		return 99;
	}
	d->door_write = lun->write;
	lun->write = timed_write;
	d->on = true;
	d->last_ms = gadget_now_ms();
	gadget_debug(1, "LUN %u: file door (128 MiB FAT volume, UF2 files)", o->lun_count);
	return 0;
}

void gadget_filedoor_time(struct gadget_filedoor *d, uint64_t now_ms)
{
	uint64_t step;

	if (!d->on || now_ms <= d->last_ms)
		return;
	step = now_ms - d->last_ms;
	d->last_ms = now_ms;
	usbmsc_door_tick(&d->door, step > DOOR_MAX_STEP_MS ? DOOR_MAX_STEP_MS : (uint32_t)step);
}

int gadget_filedoor_timeout(const struct gadget_filedoor *d, int other)
{
	if (!d->on)
		return other;
	return other < 0 || other > GADGET_DOOR_WAKE_MS ? GADGET_DOOR_WAKE_MS : other;
}

void gadget_filedoor_heard(struct gadget_filedoor *d)
{
	if (d->on && d->engine->rec.trial != USBMSC_FW_NO_SLOT &&
	    usbmsc_fw_confirm(d->engine) == USBMSC_SENSE_OK)
		gadget_debug(1, "firmware: the new image talks USB: confirmed");
}

void gadget_filedoor_close(struct gadget_filedoor *d)
{
	free(d->bitmap);
	memset(d, 0, sizeof(*d));
}
