/* The vendor-command side of the gadget: one place that turns options into
 * the table the target core consults before its built-in commands, and
 * into the control LUN that carries it while the disks are mounted.
 *
 * --fw-state FILE hosts the firmware update engine (src/fwhost: the flash
 * in FILE, created sparse if missing; libsodium; --fw-pubkey or the demo
 * key): WRITE BUFFER, READ BUFFER, FW STATE, FW CONFIRM and REPORT
 * SUPPORTED OPERATION CODES on every LUN. The images must fit --vid, --pid,
 * --vendor, --product and hardware revision GADGET_FW_HW_REV. INQUIRY's
 * revision is the running image's version. An activation asks for a
 * reboot (reboot.h), which gadget_vendor_reboot completes; with
 * --fw-reboot before-csw the activating command's CSW is not sent; with
 * --fw-reboot stay the engine boots the new image at once instead, and the
 * device stays connected (the host sees unit attention 06/3F/01). */
#ifndef USBMSC_GADGET_VENDOR_H
#define USBMSC_GADGET_VENDOR_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "usbmsc/target.h"

#define GADGET_FW_HW_REV 1u

struct usbmsc_fwhost;

struct gadget_vendor {
	struct usbmsc_vendor_table table;
	struct usbmsc_fwhost *fw;        /* --fw-state; NULL without */
	bool reboot_due;                 /* an image was activated: reboot after its CSW */
	bool in_place;                   /* --fw-reboot stay */
	bool no_csw;                     /* --fw-reboot before-csw: the activating CSW is dropped */
};

/* Set up the features the options ask for (open or create the firmware
 * flash, load the key, boot the engine); t is the target whose LUNs get
 * unit attention at activation. Returns 0, or with err set a category of
 * status.h, which is also the exit status (15 for a flash or key file). */
int gadget_vendor_setup(struct gadget_vendor *v, const struct gadget_opts *o,
			struct usbmsc_target *t, char *err, size_t err_len);

/* The table for the target cores; NULL when no feature serves commands. */
const struct usbmsc_vendor_table *gadget_vendor_table(const struct gadget_vendor *v);

/* INQUIRY's revision: the running firmware's version with --fw-state (the
 * pointer follows every reboot), otherwise --revision. */
const char *gadget_vendor_revision(const struct gadget_vendor *v, const struct gadget_opts *o);

/* With --control-lun, append the control LUN (processor type, no medium)
 * at luns[at], after the disk LUNs (and the file door's). Returns the
 * number of LUNs. */
unsigned gadget_control_lun(const struct gadget_opts *o, struct usbmsc_lun_config *luns,
			    unsigned at);

/* The reboot's power-on: the engine boots again (an activated image starts
 * on trial). Clears reboot_due. Returns 0, or -1 with err set when no
 * image can run. */
int gadget_vendor_reboot(struct gadget_vendor *v, char *err, size_t err_len);

/* Release what gadget_vendor_setup took (files, keys). */
void gadget_vendor_close(struct gadget_vendor *v);

#endif
