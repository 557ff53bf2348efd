/* --file-door: the target's file door (usbmsc/filedoor.h) as one more LUN
 * of the gadget, after the disks and before a control LUN, over the
 * firmware engine of --fw-state. Copying a UF2 file (usbmsc fw uf2) to the
 * volume updates the firmware with the same checks as WRITE BUFFER.
 *
 * What is the gadget's own: the clock (the event loop tells the door how
 * much time passed, and wakes up often enough for the quiet time), the
 * volume's texts (INFO_UF2.TXT from the USB strings), and the firmware's
 * self-test: an image on trial is confirmed as soon as the host has moved
 * a transfer after it booted (the new firmware talks USB), since a device
 * updated through its door has no host tool to send FW CONFIRM. The
 * activation itself is --fw-reboot's (reboot.h). */
#ifndef USBMSC_GADGET_FILEDOOR_H
#define USBMSC_GADGET_FILEDOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "usbmsc/filedoor.h"
#include "vendor.h"

/* The door wakes the event loop this often while it exists (the quiet
 * time is a second). */
#define GADGET_DOOR_WAKE_MS 200

struct gadget_filedoor {
	bool on;
	struct usbmsc_door door;
	struct usbmsc_door_config cfg;
	struct usbmsc_fw_engine *engine;
	uint8_t *bitmap;
	uint64_t last_ms;
	/* The door's own LUN write, which the gadget's wraps to log when an
	 * image's first and last blocks arrive (bench/lab_filedoor.sh). */
	usbmsc_sense_t (*door_write)(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				     uint32_t len);
	char info[400];
};

/* With --file-door: the door over v's engine, its LUN config in *lun.
 * Returns 0 (also without --file-door: nothing to do), or with err set a
 * category of status.h (the exit status). */
int gadget_filedoor_setup(struct gadget_filedoor *d, const struct gadget_opts *o,
			  struct gadget_vendor *v, struct usbmsc_lun_config *lun, char *err,
			  size_t err_len);

/* The clock: now_ms (gadget_now_ms) as the loop goes round. */
void gadget_filedoor_time(struct gadget_filedoor *d, uint64_t now_ms);

/* poll's time-out with the door's wake-up folded in (other: -1 for none). */
int gadget_filedoor_timeout(const struct gadget_filedoor *d, int other);

/* The host moved a transfer: an image on trial is confirmed. */
void gadget_filedoor_heard(struct gadget_filedoor *d);

void gadget_filedoor_close(struct gadget_filedoor *d);

#endif
