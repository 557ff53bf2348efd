/* The thirteen Bulk-Only Transport cases, decided in one place.
 *
 * Project decisions where the spec leaves a choice (docs/PROTOCOL.md):
 *  - cases 2, 3, 8, 10, 13 do not run the command; a write whose lengths
 *    contradict each other (13) must never touch the medium, so its data is
 *    received and dropped;
 *  - case 7 sends the first Hi bytes of the response and reports a phase
 *    error with residue 0;
 *  - cases 4 and 5 stall Bulk-In after the data unless pad_in asks for
 *    zero padding up to the host's length;
 *  - cases 9 and 11 receive and drop the data the command does not use. */
#include "usbmsc/bot.h"

#include <string.h>

void usbmsc_bot_decide(enum usbmsc_dir host_dir, uint32_t host_len,
		       enum usbmsc_dir dev_dir, uint32_t dev_len, bool pad_in,
		       struct usbmsc_bot_plan *plan)
{
	/* A zero length means no data stage, whatever the direction says. */
	if (host_len == 0)
		host_dir = USBMSC_DIR_NONE;
	if (host_dir == USBMSC_DIR_NONE)
		host_len = 0;
	if (dev_len == 0)
		dev_dir = USBMSC_DIR_NONE;
	if (dev_dir == USBMSC_DIR_NONE)
		dev_len = 0;

	memset(plan, 0, sizeof(*plan));
	plan->run = true;

	if (host_dir == USBMSC_DIR_NONE) {
		if (dev_dir == USBMSC_DIR_NONE) {
			plan->case_no = 1;
			return;
		}
		plan->case_no = dev_dir == USBMSC_DIR_IN ? 2 : 3;
		plan->run = false;
		plan->phase_error = true;
		return;
	}

	if (host_dir == USBMSC_DIR_IN) {
		if (dev_dir == USBMSC_DIR_OUT) {
			plan->case_no = 8;
			plan->run = false;
			plan->phase_error = true;
			plan->stall_in = true;
			plan->residue = host_len;
			return;
		}
		if (dev_len > host_len) {
			plan->case_no = 7;
			plan->phase_error = true;
			plan->data_len = host_len;
			return;
		}
		/* Cases 4 (dev_len 0), 5 and 6. */
		plan->case_no = dev_len == 0 ? 4 : dev_len < host_len ? 5 : 6;
		plan->data_len = dev_len;
		plan->residue = host_len - dev_len;
		if (plan->residue != 0) {
			if (pad_in)
				plan->pad_len = plan->residue;
			else
				plan->stall_in = true;
		}
		return;
	}

	/* The host sends data. */
	if (dev_dir == USBMSC_DIR_IN) {
		plan->case_no = 10;
		plan->run = false;
		plan->phase_error = true;
		plan->stall_out = true;
		plan->residue = host_len;
		return;
	}
	if (dev_len > host_len) {
		plan->case_no = 13;
		plan->run = false;
		plan->phase_error = true;
		plan->drop_len = host_len;
		return;
	}
	/* Cases 9 (dev_len 0), 11 and 12. */
	plan->case_no = dev_len == 0 ? 9 : dev_len < host_len ? 11 : 12;
	plan->data_len = dev_len;
	plan->residue = host_len - dev_len;
	plan->drop_len = plan->residue;
}
