/* FunctionFS ep0: the descriptors and strings written before binding, then
 * the events (BIND, UNBIND, ENABLE, DISABLE, SETUP, SUSPEND, RESUME) that
 * drive the bulk glue of every interface and answer the requests addressed
 * to an interface (the mass-storage class requests, the vendor interface's
 * vendor-type ones) or to one of its endpoints. */
#ifndef USBMSC_GADGET_EP0_H
#define USBMSC_GADGET_EP0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk.h"

#include "ffs_desc.h"

struct ep0 {
	int fd;
	struct bulk *bulk[FFS_DOORS];  /* by interface number (FFS_DOOR_*) */
	unsigned doors;
	bool bound, enabled, suspended;
	unsigned setups, stalls;
};

/* Write the descriptors, then the strings (vendor_if: with the vendor
 * interface): FunctionFS then creates the endpoint files. Returns 0, or -1
 * with err set. */
int ep0_write_blobs(int fd, bool vendor_if, char *err, size_t err_len);

/* bulk[i] serves interface i; doors: 1, or 2 with the vendor interface. */
void ep0_init(struct ep0 *e, int fd, struct bulk *const *bulk, unsigned doors);

/* Read and handle the pending events (call when poll says ep0 is
 * readable). Returns 0, or -errno when ep0 failed for good. */
int ep0_handle(struct ep0 *e);

/* Answer one SETUP (public for the tests): usb_ctrlrequest as 8 bytes. */
void ep0_setup(struct ep0 *e, const uint8_t setup[8]);

#endif
