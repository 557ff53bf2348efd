/* The virtual device's file door (file-door=1): the target's door LUN
 * (filedoor.h: a FAT volume that takes UF2 files) after the disks, over the
 * firmware engine of PATH.fw. docs/SIM.md ("File door") tells the rules.
 *
 * What is the simulator's own:
 *  - time: the device has no clock; usbmsc_sim_idle() lets the host's
 *    quiet time pass, and closing the device lets all of it pass (the
 *    device lives on after the process that opened it: a checked image is
 *    activated then, and boots at the next open, a power-on);
 *  - the firmware's self-test: an image on trial is confirmed as soon as
 *    the host sends the device anything (the new firmware talks USB), as
 *    usbmsc-gadget does; a firmware updated through its door has no host
 *    tool to send FW CONFIRM. */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "usbmsc/filedoor.h"

#define DOOR_QUIET_MS 1000u
/* Closing: the rest of the quiet time, and more (below 2^31). */
#define DOOR_CLOSE_MS 0x7FFFFFFFu

struct sim_door {
	struct usbmsc_door door;
	struct usbmsc_door_config cfg;
	struct usbmsc_lun_config lun;
	struct usbmsc_fw_engine *engine;
	uint8_t bitmap[];
};

int sim_door_open(struct usbmsc_sim *sim, struct usbmsc_error *err)
{
	struct usbmsc_fw_engine *e = sim_fw_engine(sim);
	struct sim_door *sd;
	uint32_t slot;

	sim->door = NULL;
	if (!sim->opt.file_door)
		return USBMSC_OK;
	if (e == NULL || e->cfg == NULL)
		return usbmsc_fail(err, USBMSC_E_OTHER,
				   "sim option file-door=1 needs the firmware engine: a build with "
				   "libsodium and a writable PATH.fw");
	slot = e->cfg->slot_size;
	if (slot > USBMSC_DOOR_SLOT_MAX)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim option file-door=1 serves firmware slots of at most 16M; "
				   "this PATH.fw has slots of %u bytes (fw-slot=)", slot);
	sd = calloc(1, sizeof(*sd) + USBMSC_DOOR_BITMAP_BYTES(slot));
	if (sd == NULL)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	sd->engine = e;
	sd->cfg = (struct usbmsc_door_config){
		.fw = e,
		.bitmap = sd->bitmap,
		.info = "UF2 Bootloader usbmsc virtual device\nModel: " SIM_VENDOR " " SIM_PRODUCT
			"\nBoard-ID: HOST-SIM-1\n",
		.index_htm = USBMSC_DOOR_INDEX_HTM("https://example.com/usbmsc-virtual-disk"),
		.label = "USBMSC SIM",
		.volume_id = 0x53494D31u,  /* "SIM1" */
		.quiet_ms = DOOR_QUIET_MS,
	};
	if (!usbmsc_door_init(&sd->door, &sd->cfg, &sd->lun)) {
		free(sd);
		return usbmsc_fail(err, USBMSC_E_OTHER, "the file door refused its configuration");
	}
	sim->door = sd;
	return USBMSC_OK;
}

void sim_door_lun(struct usbmsc_sim *sim, struct usbmsc_lun_config *lc)
{
	*lc = sim->door->lun;
}

void sim_door_heard(struct usbmsc_sim *sim)
{
	if (sim->door != NULL)
		usbmsc_fw_confirm(sim->door->engine);
}

void usbmsc_sim_idle(struct usbmsc_sim *sim, uint32_t ms)
{
	if (sim == NULL || sim->door == NULL)
		return;
	usbmsc_door_tick(&sim->door->door, ms);
	/* fw-reboot=disconnect: no command is in flight, the device goes away
	 * at once for its reboot. */
	sim_fw_csw_sent(sim);
}

void sim_door_close(struct usbmsc_sim *sim)
{
	if (sim->door == NULL)
		return;
	sim->closing = true;
	usbmsc_door_tick(&sim->door->door, DOOR_CLOSE_MS);
	free(sim->door);
	sim->door = NULL;
}
