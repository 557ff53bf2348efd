/* The virtual device: the real target core, disk-image files for its LUNs,
 * vendor commands and a fault layer, joined to the host through a
 * simulated bulk pipe. "sim:PATH[?OPTIONS]" opens it with the host's BOT
 * engine on top. It can also play a device's side doors: framing=vendor
 * makes it the vendor interface (its signatures and vendor-type requests,
 * on the pipe and in the target alike), control-lun=1 adds a
 * processor-type LUN after the disks; file-door=1 adds the file door's LUN
 * (filedoor.h) between them. */
#include "sim_internal.h"

#include "../initiator/devlock.h"

#include <stdlib.h>
#include <string.h>

void sim_destroy(struct usbmsc_sim *sim)
{
	bool op_active;

	if (!sim)
		return;
	sim_later_finish(sim, &op_active); /* a write in progress lands */
	sim_images_close(sim, false);
	sim_door_close(sim);
	sim_fw_close(sim);
	free(sim->echo_path);
	free(sim->buf);
	free(sim);
}

uint8_t sim_lun_count(const struct usbmsc_sim *sim)
{
	return (uint8_t)(sim->opt.luns + sim->opt.file_door + sim->opt.control_lun);
}

/* The control LUN: no medium and no storage callbacks; the target core
 * serves it INQUIRY (processor type), REQUEST SENSE, TEST UNIT READY,
 * REPORT LUNS and the vendor table, as a device's side door does. */
static void control_lun_config(struct usbmsc_lun_config *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->block_size = 512;
	lc->flags = USBMSC_LUN_PROCESSOR;
}

static void configure_target(struct usbmsc_sim *sim)
{
	struct usbmsc_target_config *cfg = &sim->cfg;

	for (uint8_t i = 0; i < sim->opt.luns; i++)
		sim_lun_config(sim, i, &sim->luns[i]);
	if (sim->door)
		sim_door_lun(sim, &sim->luns[sim->opt.luns]);
	if (sim->opt.control_lun)
		control_lun_config(&sim->luns[sim_lun_count(sim) - 1]);
	sim_vendor_table(sim, &sim->vendor);
	sim_fw_vendor_table(sim, &sim->vendor);
	memset(cfg, 0, sizeof *cfg);
	cfg->luns = sim->luns;
	cfg->lun_count = sim_lun_count(sim);
	cfg->flags = sim->opt.pad ? USBMSC_TARGET_PAD_IN : 0;
	cfg->vendor = SIM_VENDOR;
	cfg->product = SIM_PRODUCT;
	cfg->revision = sim_fw_revision(sim);
	cfg->serial = sim->serial;
	cfg->vendor_cmds = &sim->vendor;
	cfg->framing = sim->opt.framing;
	sim_port(sim, &cfg->port);
}

int usbmsc_sim_create(const char *path, const char *options, struct usbmsc_sim **out,
		      struct usbmsc_error *err)
{
	struct usbmsc_sim *sim;
	int r;

	if (!out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_sim_create needs a result pointer");
	*out = NULL;
	if (!path || !*path)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "sim: needs a disk-image path (sim:PATH[?OPTIONS])");
	sim = calloc(1, sizeof *sim);
	if (!sim)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	r = sim_options_parse(options, &sim->opt, err);
	if (r != USBMSC_OK) {
		sim_destroy(sim);
		return r;
	}
	sim->buf = malloc((size_t)sim->opt.bufs * sim->opt.buf_size);
	if (!sim->buf) {
		r = usbmsc_fail(err, USBMSC_E_OTHER, "out of memory for %u %u-byte buffers",
				sim->opt.bufs, sim->opt.buf_size);
		sim_destroy(sim);
		return r;
	}
	r = sim_images_open(sim, path, err);
	/* Opening is a power-on (the firmware engine boots): not while another
	 * process holds the device for its firmware update, whose reboot
	 * closes and reopens it. */
	if (r == USBMSC_OK)
		r = usbmsc_devlock_check(SIM_VENDOR, sim->serial, err);
	if (r == USBMSC_OK)
		r = sim_echo_load(sim, path, err);
	if (r == USBMSC_OK)
		r = sim_fw_open(sim, path, err);
	if (r == USBMSC_OK)
		r = sim_door_open(sim, err);
	if (r != USBMSC_OK) {
		sim_images_close(sim, true);
		sim_destroy(sim);
		return r;
	}
	sim->pipe.ops = &sim_pipe_ops;
	sim->pipe.interface = SIM_INTERFACE;
	sim->pipe.ep_in = SIM_EP_IN;
	sim->pipe.ep_out = SIM_EP_OUT;
	sim->pipe.max_packet = USBMSC_SIM_PACKET;
	sim->pipe.framing = sim->opt.framing;
	configure_target(sim);
	/* init arms Bulk-Out for the first CBW through the port callbacks */
	if (!(sim->opt.bufs > 1 ? usbmsc_target_init_pipelined(&sim->piped, &sim->cfg,
							       sim->lun_state, sim->buf,
							       sim->opt.bufs, sim->opt.buf_size)
				: usbmsc_target_init(&sim->target, &sim->cfg, sim->lun_state,
						     sim->buf, sim->opt.buf_size))) {
		sim_images_close(sim, true);
		sim_destroy(sim);
		return usbmsc_fail(err, USBMSC_E_OTHER, "the target core refused the configuration");
	}
	*out = sim;
	return USBMSC_OK;
}

struct usbmsc_pipe *usbmsc_sim_pipe(struct usbmsc_sim *sim)
{
	return sim ? &sim->pipe : NULL;
}

int usbmsc_sim_transport_open(const char *path_and_options, struct usbmsc_transport **out,
			      struct usbmsc_error *err)
{
	const char *q;
	char *path;
	struct usbmsc_sim *sim;
	size_t n;
	int r;

	if (out)
		*out = NULL;
	if (!path_and_options || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "sim: needs PATH[?OPTIONS]");
	q = strchr(path_and_options, '?');
	n = q ? (size_t)(q - path_and_options) : strlen(path_and_options);
	path = malloc(n + 1);
	if (!path)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	memcpy(path, path_and_options, n);
	path[n] = '\0';
	r = usbmsc_sim_create(path, q ? q + 1 : NULL, &sim, err);
	free(path);
	if (r != USBMSC_OK)
		return r;
	return usbmsc_bot_transport_open(&sim->pipe, SIM_MAX_TRANSFER, out, err);
}
