/* The reboot that follows a firmware activation, as a real device's: once
 * the activating command's CSW has gone out, the gadget unbinds from its
 * UDC (the host sees a disconnect), stays away GADGET_REBOOT_MS, boots the
 * engine again (the new image starts on trial), restarts the target core
 * (every LUN gets the power-on unit attention 06/29/00) and binds again
 * (the host enumerates the device anew, with the same serial number).
 *
 * Between the activating command's CSW and the disconnect the device takes
 * no new command, as a real device that reboots at once: a gate in front
 * of each target core's port holds the core's request to receive the next
 * CBW while a reboot is due, so the host's next CBW waits (NAKed) until
 * the disconnect ends it, instead of being answered by the old image.
 * With --fw-reboot before-csw the gate also drops what the core sends once
 * the reboot is due, the activating command's CSW first: the gadget
 * unbinds without it, as a device that reboots at once.
 *
 * The event loop drives it: gadget_reboot_timeout bounds its poll, and
 * gadget_reboot_step runs once per round. Nothing blocks in between, so
 * ep0 events (UNBIND, DISABLE) and signals are served while it is down. */
#ifndef USBMSC_GADGET_REBOOT_H
#define USBMSC_GADGET_REBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk.h"
#include "configfs.h"
#include "vendor.h"

#define GADGET_REBOOT_MS 1000u
/* Interfaces with a target core of their own: the mass-storage one, and a
 * vendor interface beside it. */
#define GADGET_REBOOT_PORTS 2u

/* The gate of one interface (see above). */
struct gadget_reboot_gate {
	struct usbmsc_target_port inner;
	const struct gadget_vendor *vendor;
};

struct gadget_reboot {
	/* what a reboot touches (main's objects) */
	struct gadget *g;
	const char *udc;
	struct gadget_vendor *vendor;
	struct bulk *bulk[GADGET_REBOOT_PORTS];  /* each interface's glue */
	unsigned ports;                          /* entries of bulk in use */
	/* Start every interface's target core again (power-on unit attention
	 * on each LUN). Returns 0, or -1 with err set. */
	int (*restart)(void *ctx, char *err, size_t err_len);
	void *restart_ctx;
	struct gadget_reboot_gate gate[GADGET_REBOOT_PORTS];
	/* progress */
	bool down;               /* unbound, waiting for up_at_ms */
	uint64_t up_at_ms;
	unsigned count;          /* reboots done */
};

enum reboot_action {
	REBOOT_NOTHING,
	REBOOT_UNBIND,           /* an activation is due and its CSW is out */
	REBOOT_BOOT              /* down long enough: boot, restart, bind */
};

/* What is due at now_ms (a CLOCK_MONOTONIC reading). Pure. */
enum reboot_action gadget_reboot_next(const struct gadget_reboot *rb, uint64_t now_ms);

/* poll's time-out: other (-1: none) or less when the reboot has something
 * to do sooner. */
int gadget_reboot_timeout(const struct gadget_reboot *rb, int other, uint64_t now_ms);

/* Put interface i's gate in front of *port, the port of its target core's
 * configuration (before or after usbmsc_target_init: the core calls its
 * port through the configuration each time). rb->vendor must be set. */
void gadget_reboot_gate(struct gadget_reboot *rb, unsigned i, struct usbmsc_target_port *port);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t gadget_now_ms(void);

/* Do what is due. Returns 0, or -1 with err set (the gadget cannot come
 * back: it exits). */
int gadget_reboot_step(struct gadget_reboot *rb, char *err, size_t err_len);

#endif
