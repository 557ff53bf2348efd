/* FunctionFS ep0: the descriptors and strings written before binding, then
 * the events (BIND, UNBIND, ENABLE, DISABLE, SETUP, SUSPEND, RESUME) that
 * drive the bulk glue and answer the class requests. */
#ifndef USBMSC_GADGET_EP0_H
#define USBMSC_GADGET_EP0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk.h"

struct ep0 {
	int fd;
	struct bulk *bulk;
	bool bound, enabled, suspended;
	unsigned setups, stalls;
};

/* Write the descriptors, then the strings: FunctionFS then creates the
 * endpoint files. Returns 0, or -1 with err set. */
int ep0_write_blobs(int fd, char *err, size_t err_len);

void ep0_init(struct ep0 *e, int fd, struct bulk *bulk);

/* Read and handle the pending events (call when poll says ep0 is
 * readable). Returns 0, or -errno when ep0 failed for good. */
int ep0_handle(struct ep0 *e);

/* Answer one SETUP (public for the tests): usb_ctrlrequest as 8 bytes. */
void ep0_setup(struct ep0 *e, const uint8_t setup[8]);

#endif
