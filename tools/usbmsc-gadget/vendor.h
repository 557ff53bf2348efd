/* The vendor-command table the gadget hands to the target core. It is
 * empty today; the firmware update engine (--fw-state, --fw-pubkey) and
 * the control LUN (--control-lun) fill it from their options, e.g. with
 * usbmsc_fw_table() of fwengine.h. */
#ifndef USBMSC_GADGET_VENDOR_H
#define USBMSC_GADGET_VENDOR_H

#include <stddef.h>

#include "options.h"
#include "usbmsc/target.h"

struct gadget_vendor {
	struct usbmsc_vendor_table table;
	/* the state of each feature that serves vendor commands goes here */
};

/* Set up the features the options ask for. Returns 0 (with *table NULL
 * when no feature serves vendor commands) or -1 with err set. */
int gadget_vendor_setup(struct gadget_vendor *v, const struct gadget_opts *o,
			const struct usbmsc_vendor_table **table, char *err, size_t err_len);

/* Release what gadget_vendor_setup took (files, keys). */
void gadget_vendor_close(struct gadget_vendor *v);

#endif
