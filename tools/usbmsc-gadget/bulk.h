/* The target core's port on the two FunctionFS bulk endpoints.
 *
 * The core starts one transfer at a time per endpoint (send, receive) and
 * halts endpoints (stall); this glue queues each transfer asynchronously
 * through bulk_ops (Linux AIO on the endpoint files in the gadget, a fake in
 * the tests) and reports completions back to the core. The whole streaming
 * buffer goes out as one request, so an endpoint moves up to a buffer load
 * (128 KiB by default) per system call, not a packet.
 *
 * Bulk-In is kept busy the way the kernel's own f_mass_storage keeps it:
 * a load the core sends is copied to a free staging buffer, queued, and
 * reported sent at once, so the core reads the next load from storage (or
 * queues its CSW, then arms Bulk-Out for the next CBW) while the USB
 * transfer is still in flight. With no staging buffer free it is sent from
 * the core's buffer and reported when it completes. A storage read wrapped
 * with bulk_read_lun goes straight into the free staging buffer, so the
 * load is copied once (file to buffer) before f_fs copies it to the kernel.
 *
 * Halts, and what FunctionFS lets a user-space function see of them:
 *  - A halt is set by I/O in the wrong direction on an endpoint file (the
 *    kernel's f_fs calls usb_ep_set_halt and the call fails with EBADMSG).
 *  - CLEAR_FEATURE(ENDPOINT_HALT) is answered by the UDC driver itself
 *    (dummy_hcd, dwc2, dwc3 and others): it never reaches the function, and
 *    f_fs has no wedge. So the glue does not wait for it. Right after the
 *    core halts Bulk-In it tells the core the halt is cleared, and the core
 *    queues its CSW behind the halt, where the host finds it once it clears
 *    the halt (the order the host sees is the spec's).
 *  - After an invalid CBW the core wants both endpoints halted until Reset
 *    Recovery, but a lone CLEAR_FEATURE does clear them in the UDC. The glue
 *    keeps a read queued on Bulk-Out behind the halt: whatever the host
 *    sends after clearing it without a Mass Storage Reset is dropped and
 *    both endpoints are halted again. An IN transfer the host starts then
 *    gets NAKs (nothing is queued) until its time-out.
 *  - If a UDC does pass CLEAR_FEATURE up (f_fs forwards endpoint requests it
 *    receives), bulk_clear_feature serves it the spec's way. */
#ifndef USBMSC_GADGET_BULK_H
#define USBMSC_GADGET_BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/target.h"

enum { BULK_IN = 0, BULK_OUT = 1 };

/* Transfers in flight, by id: one read on Bulk-Out, and on Bulk-In one
 * straight from the core's buffer plus BULK_STAGES staged copies. */
enum { BULK_ID_OUT = 0, BULK_ID_IN = 1, BULK_ID_STAGE = 2 };
#define BULK_STAGES 2u
#define BULK_IDS (BULK_ID_STAGE + BULK_STAGES)

struct bulk_done {
	unsigned id;       /* BULK_ID_* */
	long res;          /* bytes moved, or -errno */
};

/* The kernel side. Each returns 0 or -errno. */
struct bulk_ops {
	/* Queue transfer id on endpoint ep: BULK_IN writes len bytes from buf,
	 * BULK_OUT reads up to len bytes into buf. Transfers queued on one
	 * endpoint complete in order; their completions come from wait(). */
	int (*submit)(void *ctx, unsigned id, unsigned ep, uint8_t *buf, uint32_t len);
	/* Ask for transfer id to end early; its completion (with -ECONNRESET,
	 * or its result if it had finished) still comes. */
	int (*cancel)(void *ctx, unsigned id);
	/* Completions: up to max, waiting up to timeout_ms (0: only those
	 * ready). Returns how many, or -errno. */
	int (*wait)(void *ctx, struct bulk_done *done, unsigned max, int timeout_ms);
	/* Halt the endpoint (set ENDPOINT_HALT). */
	int (*halt)(void *ctx, unsigned ep);
	/* Clear a halt (only for a CLEAR_FEATURE that reached user space). */
	int (*clear_halt)(void *ctx, unsigned ep);
	void *ctx;
};

struct bulk_stats {
	uint64_t submits[2], bytes[2], halts[2], errors[2];
	uint64_t staged;    /* Bulk-In loads sent from a staging copy */
	uint64_t dropped;   /* completions drained by a reset or a disable */
};

struct bulk {
	const struct bulk_ops *ops;
	struct usbmsc_target *t;
	uint8_t *buf;            /* the core's streaming buffer */
	uint32_t buf_size;
	uint8_t *stage[BULK_STAGES]; /* Bulk-In staging copies, buf_size each (or NULL) */
	bool enabled;            /* endpoints enabled (FunctionFS ENABLE) */
	bool busy[BULK_IDS];     /* transfer id is queued */
	uint8_t *out_ptr;        /* the armed receive, re-queued after a zero-length packet */
	uint32_t out_len;
	unsigned sent_pending;   /* staged sends to report to the core */
	int read_stage;          /* staging buffer a storage read filled for the next send; -1 */
	uint32_t read_len;
	bool clear_in;           /* the core halted Bulk-In: tell it the halt will clear */
	bool sticky;             /* invalid CBW: halted until Reset Recovery */
	bool sentinel;           /* the queued Bulk-Out read is the sticky-halt watch */
	int failed;              /* -errno of a wait that failed; 0 */
	struct bulk_stats stats;
};

/* stage: BULK_STAGES buffers of buf_size bytes for Bulk-In staging, or
 * NULL to send every load straight from the core's buffer. */
/* A LUN whose reads go through the staging buffers: bulk_wrap_lun keeps
 * the LUN's callbacks in l and puts wrappers in cfg (with ctx = l). */
struct bulk_lun {
	struct bulk *b;
	struct usbmsc_lun_config inner;
};
void bulk_wrap_lun(struct bulk_lun *l, struct bulk *b, struct usbmsc_lun_config *cfg);

void bulk_init(struct bulk *b, const struct bulk_ops *ops, uint8_t *buf, uint32_t buf_size,
	       uint8_t *const stage[BULK_STAGES]);

/* The port to put in usbmsc_target_config (ctx = b). */
struct usbmsc_target_port bulk_port(struct bulk *b);

/* The core is initialised: the glue drives it from now on. */
void bulk_attach(struct bulk *b, struct usbmsc_target *t);

/* FunctionFS ENABLE (configuration set, after a bus reset too): the
 * endpoints are up and fresh; the core starts over (usbmsc_target_bus_reset). */
void bulk_enable(struct bulk *b);

/* DISABLE, UNBIND, or exit: no more transfers; queued ones are drained. */
void bulk_disable(struct bulk *b);

/* Cancel every queued transfer and wait for each to complete (results
 * dropped), as the core asks before a Mass Storage Reset. Returns 0, or
 * -ETIMEDOUT when a transfer would not end. */
int bulk_cancel(struct bulk *b);

/* A class request from ep0 (setup: the 8 bytes): cancels bulk I/O first
 * for a Mass Storage Reset. Returns as usbmsc_target_class_request. */
int bulk_class_request(struct bulk *b, const uint8_t setup[8], uint8_t *reply);

/* A CLEAR_FEATURE(ENDPOINT_HALT) that reached user space. */
void bulk_clear_feature(struct bulk *b, unsigned ep);

/* Take completions without waiting and feed them to the core. Returns
 * how many, or -errno. */
int bulk_poll(struct bulk *b);

/* Feed one completion to the core (bulk_poll's step; public for the tests). */
void bulk_complete(struct bulk *b, const struct bulk_done *d);

#endif
