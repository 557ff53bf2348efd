/* The virtual device's firmware: the target's A/B firmware engine hosted on
 * a flash file (src/fwhost: inverted sparse flash, libsodium, REPORT
 * SUPPORTED OPERATION CODES), kept in PATH.fw beside the disk image.
 * docs/SIM.md ("Firmware") tells the rules.
 *
 * What is the simulator's own: the file's name, its options (fw-pubkey,
 * fw-slot, fw-reboot) and what activation does. Opening the device is a
 * power-on: the engine boots, so an image on trial that booted before and
 * was not confirmed reverts now, and a deferred image keeps waiting for
 * mode 0x0F (USBMSC_FW_KEEP_DEFERRED: each usbmsc invocation opens the
 * device again, which must not activate it). Activation reboots in place:
 * the engine boots again, INQUIRY's revision follows it, and the target
 * raises 06/3F/01; with fw-reboot=disconnect the device goes away after the
 * CSW instead and the new image boots at the next open; with
 * fw-reboot=before-csw it goes away before the CSW, as real devices that
 * reboot at once do (the fault layer drops the CSW). */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../fwhost/fw_host.h"
#include "usbmsc_config.h"
#include "usbmsc/fwengine.h"

#define FW_VID 0x1209u               /* pid.codes */
#define FW_PID 0x0001u               /* pid.codes test PID */
#define FW_HW_REV 1u
/* Opening the device is a power-on, so a deferred image must wait for
 * 0x0F; the simulator can afford to re-hash the image at every boot. */
#define FW_BOOT_FLAGS (USBMSC_FW_KEEP_DEFERRED | USBMSC_FW_CHECK_AT_BOOT)

struct sim_fw {
	struct usbmsc_fwhost *host;
	bool unplug_after_csw;
	bool unplug_before_csw;
};

/* The new image must start: reboot in place (the engine boots it on trial),
 * or go away once the CSW is out and boot it at the next open. */
static void on_activate(void *ctx, uint8_t slot)
{
	struct usbmsc_sim *sim = ctx;

	(void)slot;
	/* The file door's activation as the device closes: the next open is
	 * the power-on that boots the new image. */
	if (sim->closing)
		return;
	if (sim->opt.fw_no_csw)
		sim->fw->unplug_before_csw = true;
	else if (sim->opt.fw_unplug)
		sim->fw->unplug_after_csw = true;
	else
		usbmsc_fwhost_boot(sim->fw->host, FW_BOOT_FLAGS);
}

void sim_fw_csw_sent(struct usbmsc_sim *sim)
{
	if (sim->fw && sim->fw->unplug_after_csw) {
		sim->fw->unplug_after_csw = false;
		sim->fs.disconnected = true;
	}
}

bool sim_fw_reboots_before_csw(struct usbmsc_sim *sim)
{
	if (!sim->fw || !sim->fw->unplug_before_csw)
		return false;
	sim->fw->unplug_before_csw = false;
	sim->fs.disconnected = true;
	return true;
}

void sim_fw_vendor_table(struct usbmsc_sim *sim, struct usbmsc_vendor_table *vt)
{
	struct usbmsc_vendor_table own = *vt;

	/* The sim's own four commands always fit, so this cannot fail. */
	if (sim->fw)
		usbmsc_fwhost_vendor_table(sim->fw->host, &own, vt, NULL);
}

struct usbmsc_fw_engine *sim_fw_engine(struct usbmsc_sim *sim)
{
	return sim->fw ? usbmsc_fwhost_engine(sim->fw->host) : NULL;
}

const char *sim_fw_revision(const struct usbmsc_sim *sim)
{
	return sim->fw ? usbmsc_fwhost_revision(sim->fw->host) : SIM_REVISION;
}

/* A flash the process may not write (a read-only directory or file) is
 * optional: the device then has no firmware engine, rather than no device.
 * So is a build without libsodium. */
int sim_fw_open(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err)
{
	struct usbmsc_fwhost_config c = {
		.slot_size = sim->opt.fw_slot,
		.slot_size_given = sim->opt.fw_slot_set,
		.optional = true,
		.pubkey_path = sim->opt.fw_pubkey,
		.identity = { FW_VID, FW_PID, SIM_VENDOR, SIM_PRODUCT, FW_HW_REV },
		.engine_flags = FW_BOOT_FLAGS,
		.target = &sim->target,
		.activate = on_activate,
		.activate_ctx = sim,
	};
	struct usbmsc_fwhost *host = NULL;
	char *flash;
	int r;

	sim->fw = NULL;
	if (!USBMSC_HAVE_SODIUM)
		return USBMSC_OK;
	flash = malloc(strlen(path) + 4);
	if (!flash)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	strcpy(flash, path);
	strcat(flash, ".fw");
	c.flash_path = flash;
	r = usbmsc_fwhost_open(&c, &host, err);
	free(flash);
	if (r != USBMSC_OK || !host)
		return r;
	sim->fw = calloc(1, sizeof *sim->fw);
	if (!sim->fw) {
		usbmsc_fwhost_close(host);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	sim->fw->host = host;
	return USBMSC_OK;
}

void sim_fw_close(struct usbmsc_sim *sim)
{
	if (!sim->fw)
		return;
	usbmsc_fwhost_close(sim->fw->host);
	free(sim->fw);
	sim->fw = NULL;
}
