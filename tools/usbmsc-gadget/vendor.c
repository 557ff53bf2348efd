/* Vendor-command plumbing: the firmware engine of --fw-state and the
 * control LUN of --control-lun, from the options. */
#include "vendor.h"

#include <stdio.h>
#include <string.h>

#include "../../src/fwhost/fw_host.h"
#include "log.h"

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

/* Where the device's own time went since the start (-v; the lab's
 * throughput benchmark reads it). */
static void log_stats(const struct gadget_vendor *v)
{
	struct usbmsc_fwhost_stats s;

	usbmsc_fwhost_stats(v->fw, &s);
	gadget_debug(1, "firmware: device time: flash program %.0f ms (%.1f MiB), erase %.0f ms "
		     "(%llu sectors), read %.0f ms (%.1f MiB); SHA-256 %.0f ms (%.1f MiB); "
		     "%llu writes to the flash file",
		     ms(s.program_ns), mib(s.program_bytes), ms(s.erase_ns),
		     (unsigned long long)s.erases, ms(s.read_ns), mib(s.read_bytes), ms(s.hash_ns),
		     mib(s.hash_bytes), (unsigned long long)s.file_writes);
}

/* Called by the engine before the activating command's CSW: the reboot
 * waits until that CSW has gone out (reboot.h). In place, the engine boots
 * the image now (as the virtual device does), and raises 06/3F/01 when
 * this returns. */
static void on_activate(void *ctx, uint8_t slot)
{
	struct gadget_vendor *v = ctx;
	char s = slot == USBMSC_FW_SLOT_A ? 'A' : 'B';

	log_stats(v);
	if (!v->in_place) {
		v->reboot_due = true;
		gadget_debug(1, "firmware: slot %c activated; rebooting %s", s,
			     v->no_csw ? "before the CSW" : "once the CSW is out");
		return;
	}
	usbmsc_fwhost_boot(v->fw, 0);  /* hashed as it arrived: no second hash */
	gadget_debug(1, "firmware: slot %c activated; running %s in place", s,
		     usbmsc_fwhost_revision(v->fw));
}

static const char *version_or_none(const char *v)
{
	return v[0] != '\0' ? v : "(none: no valid image, recovery)";
}

static int open_fw(struct gadget_vendor *v, const struct gadget_opts *o, struct usbmsc_target *t,
		   char *err, size_t err_len)
{
	struct usbmsc_fwhost_config c = {
		.flash_path = o->fw_state,
		.slot_size = o->fw_slot,
		.slot_size_given = o->fw_slot_set,
		.pubkey_path = o->fw_pubkey,
		.identity = { o->vid, o->pid, o->vendor, o->product, GADGET_FW_HW_REV },
		/* Starting the gadget is a power-on: a deferred image starts on
		 * trial, as SPC says; the image that runs is hashed again. */
		.engine_flags = USBMSC_FW_CHECK_AT_BOOT,
		.target = t,
		.activate = on_activate,
		.activate_ctx = v,
	};
	struct usbmsc_error e = { 0 };
	int st = usbmsc_fwhost_open(&c, &v->fw, &e);

	if (st == USBMSC_OK)
		st = usbmsc_fwhost_vendor_table(v->fw, NULL, &v->table, &e);
	if (st != USBMSC_OK) {
		snprintf(err, err_len, "--fw-state %s: %s", o->fw_state, e.msg);
		return st;
	}
	gadget_debug(1, "firmware: %s%s, %u-byte slots, key %s; running %s", o->fw_state,
		     usbmsc_fwhost_created(v->fw) ? " (created)" : "",
		     (unsigned)usbmsc_fwhost_slot_size(v->fw),
		     o->fw_pubkey != NULL ? o->fw_pubkey : "(demo)",
		     version_or_none(usbmsc_fwhost_revision(v->fw)));
	return 0;
}

int gadget_vendor_setup(struct gadget_vendor *v, const struct gadget_opts *o,
			struct usbmsc_target *t, char *err, size_t err_len)
{
	memset(v, 0, sizeof(*v));
	v->in_place = o->fw_reboot_stay;
	v->no_csw = o->fw_reboot_no_csw;
	return o->fw_state != NULL ? open_fw(v, o, t, err, err_len) : 0;
}

const struct usbmsc_vendor_table *gadget_vendor_table(const struct gadget_vendor *v)
{
	return v->table.count != 0 ? &v->table : NULL;
}

const char *gadget_vendor_revision(const struct gadget_vendor *v, const struct gadget_opts *o)
{
	return v->fw != NULL ? usbmsc_fwhost_revision(v->fw) : o->revision;
}

unsigned gadget_control_lun(const struct gadget_opts *o, struct usbmsc_lun_config *luns,
			    unsigned at)
{
	if (!o->control_lun)
		return at;
	/* No medium, no storage callbacks: the target core answers INQUIRY
	 * (processor type), REQUEST SENSE, TEST UNIT READY, REPORT LUNS and
	 * the vendor table, and fails block commands. */
	memset(&luns[at], 0, sizeof(luns[0]));
	luns[at].block_size = 512;
	luns[at].flags = USBMSC_LUN_PROCESSOR;
	gadget_debug(1, "LUN %u: control LUN (processor type, no medium)", at);
	return at + 1;
}

int gadget_vendor_reboot(struct gadget_vendor *v, char *err, size_t err_len)
{
	int slot;

	v->reboot_due = false;
	if (v->fw == NULL)
		return 0;
	/* The image activated has just passed the engine's hash (streamed as
	 * it arrived, src/fwhost): the reboot does not hash it again (a start
	 * of the gadget reads the slot back and does). */
	slot = usbmsc_fwhost_boot(v->fw, 0);
	if (slot == USBMSC_FW_BOOT_CONFIG) {
		snprintf(err, err_len, "firmware: the engine refused its flash at the reboot");
		return -1;
	}
	gadget_debug(1, "firmware: booted %s%s", version_or_none(usbmsc_fwhost_revision(v->fw)),
		     slot == USBMSC_FW_SLOT_A ? " from slot A" : slot == USBMSC_FW_SLOT_B
		     ? " from slot B" : "");
	return 0;
}

void gadget_vendor_close(struct gadget_vendor *v)
{
	if (v->fw != NULL)
		log_stats(v);
	usbmsc_fwhost_close(v->fw);
	memset(v, 0, sizeof(*v));
}
