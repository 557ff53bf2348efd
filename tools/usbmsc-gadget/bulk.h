/* The target core's port on the two FunctionFS bulk endpoints.
 *
 * The core starts one transfer at a time per endpoint (send, receive) and
 * halts endpoints (stall); this glue queues each transfer asynchronously
 * through bulk_ops (Linux AIO on the endpoint files in the gadget, a fake in
 * the tests) and reports completions back to the core. The whole streaming
 * buffer goes out as one request, so an endpoint moves up to a buffer load
 * (--buffer, 40 KiB by default) per system call, not a packet.
 *
 * Keeping the endpoints busy:
 *  - f_fs copies the data of an IN transfer into its own kernel buffer when
 *    the transfer is submitted (ops->in_copies), so the core's buffer is free
 *    again at once: a send is reported to the core right after its submit,
 *    and the core reads the next load, or queues its CSW and arms the read
 *    for the next CBW, while the USB transfer is still in flight, as the
 *    kernel's own f_mass_storage does. While more than BULK_IN_AHEAD IN
 *    transfers are in flight, a send is reported when one completes.
 *  - A LUN wrapped with bulk_wrap_lun is read in chunks of a quarter of the
 *    buffer (at least BULK_MIN_CHUNK), and each chunk is queued on Bulk-In
 *    as soon as it is read, so the bus starts on the first chunk while the
 *    rest is read from the file (the send that follows queues what is left).
 *    A read error after the first chunk leaves the chunks already queued on
 *    their way: the host gets data the CSW residue does not count, with a
 *    failed status, which it treats as the error it is.
 *  - f_fs allocates a kernel buffer of the requested size for every
 *    transfer, which costs time in proportion, so the read armed for a CBW
 *    asks for BULK_CBW_ARM bytes rather than the whole buffer: the core
 *    allows a receive to complete early at a packet boundary, and a CBW of
 *    30, 31 or 32 bytes still arrives as such. A CBW comes next when the
 *    core's previous call was a send (its CSW) or a reset.
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
 *    Recovery, but a lone CLEAR_FEATURE does clear them in the UDC. So while
 *    the core waits for Reset Recovery the glue halts both endpoints again
 *    every BULK_REHALT_MS (bulk_tick, from the event loop): an IN transfer
 *    the host starts after clearing the halt is NAKed for at most that long,
 *    then stalled, and GET_STATUS says halted again. It also keeps a read
 *    queued on Bulk-Out behind the halt: whatever the host sends after
 *    clearing it is dropped and both endpoints are halted at once.
 *  - A halt of Bulk-In the core asks for while its data is still queued
 *    (sends are reported early) waits until that data has gone: the gadget
 *    API refuses to halt an IN endpoint with requests queued, and the host
 *    must get the data before the STALL.
 *  - If a UDC does pass CLEAR_FEATURE up (f_fs forwards endpoint requests it
 *    receives), bulk_clear_feature serves it the spec's way. */
#ifndef USBMSC_GADGET_BULK_H
#define USBMSC_GADGET_BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/bot.h"
#include "usbmsc/target.h"
#include "storage_op.h"

enum { BULK_IN = 0, BULK_OUT = 1 };

/* Transfers in flight, by id: one read on Bulk-Out, up to BULK_IN_DEPTH
 * writes on Bulk-In (two loads of chunks ahead and the one being sent). */
#define BULK_IN_DEPTH 12u
#define BULK_IN_AHEAD 6u
#define BULK_MIN_CHUNK (32u * 1024u)
enum { BULK_ID_OUT = 0, BULK_ID_IN = 1 };
#define BULK_IDS (BULK_ID_IN + BULK_IN_DEPTH)
/* A multiple of every bulk packet size (64, 512, 1024). */
#define BULK_CBW_ARM 1024u
/* How often the halts are renewed while the core waits for Reset Recovery. */
#define BULK_REHALT_MS 2

struct bulk_done {
	unsigned id;       /* BULK_ID_OUT, or BULK_ID_IN + n */
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
	/* submit() has copied an IN transfer's data when it returns. */
	bool in_copies;
};

struct bulk_stats {
	uint64_t submits[2], bytes[2], halts[2], errors[2];
	uint64_t early;     /* sends reported before their transfer completed */
	uint64_t chunks;    /* READ chunks queued before the core's send */
	uint64_t dropped;   /* completions drained by a reset or a disable */
};

struct bulk {
	const struct bulk_ops *ops;
	struct usbmsc_target *t;
	uint8_t *buf;            /* the core's streaming buffer */
	uint32_t buf_size;
	bool enabled;            /* endpoints enabled (FunctionFS ENABLE) */
	bool busy[BULK_IDS];     /* transfer id is queued */
	unsigned in_flight;      /* IN transfers queued */
	unsigned sent_owed;      /* sends to report when an IN transfer completes */
	unsigned sent_pending;   /* sends to report to the core after its call */
	uint32_t chunk;          /* READ chunk size */
	uint32_t early_len;      /* bytes of the core's buffer already queued by a chunked read */
	bool cbw_next;           /* the next receive is for a CBW */
	uint8_t *out_ptr;        /* the armed receive, re-queued after a zero-length packet */
	uint32_t out_len;
	bool halt_in_later;      /* halt Bulk-In once the data queued before it is gone */
	bool clear_in;           /* the core halted Bulk-In: tell it the halt will clear */
	bool sticky;             /* invalid CBW: halted until Reset Recovery */
	bool sentinel;           /* the queued Bulk-Out read is the sticky-halt watch */
	int failed;              /* -errno of a wait that failed; 0 */
	uint8_t framing;         /* enum usbmsc_framing of the interface */
	const char *ep_name[2];  /* for the log */
	struct bulk_stats stats;
	/* Storage that finishes later (a pipelined core): how bulk_cancel
	 * lets an operation in progress end unreported. NULL: none. */
	void (*drain_storage)(void *ctx);
	void *drain_ctx;
	/* A storage operation of a LUN wrapped with bulk_wrap_lun_deferred,
	 * handed over by the core and not run yet. */
	struct {
		bool active;
		struct storage_op op;
	} deferred;
};

/* A LUN seen through the glue: bulk_wrap_lun keeps the LUN's callbacks in
 * inner and puts wrappers in the config (with ctx = the bulk_lun). */
struct bulk_lun {
	struct bulk *b;
	struct usbmsc_lun_config inner;
};
void bulk_wrap_lun(struct bulk_lun *l, struct bulk *b, struct usbmsc_lun_config *cfg);

/* For a pipelined core (--io sync): the LUN's reads and writes finish
 * later (USBMSC_SENSE_PENDING), in the event loop right after the core's
 * call that started them, once the sends it made are reported. f_fs has
 * copied a send when its submit returns, so the core then starts the next
 * send before the next file read: a READ goes read, send, read, send...,
 * the file read of one load running while the kernel moves the last. */
void bulk_wrap_lun_deferred(struct bulk_lun *l, struct bulk *b, struct usbmsc_lun_config *cfg);

/* A mass-storage interface's glue (USBMSC_FRAMING_BOT). */
void bulk_init(struct bulk *b, const struct bulk_ops *ops, uint8_t *buf, uint32_t buf_size);

/* The framing of the interface (bot.h), the same as the core's: which
 * Reset request cancels the transfers first; names in the log. */
void bulk_set_framing(struct bulk *b, enum usbmsc_framing framing);

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
 * dropped), and let a storage operation in progress end (drain_storage),
 * as the core asks before a Mass Storage Reset. Returns 0, or -ETIMEDOUT
 * when a transfer would not end. */
int bulk_cancel(struct bulk *b);

/* A storage operation of the core (USBMSC_SENSE_PENDING) ended with s:
 * report it, and whatever the core then started. */
void bulk_storage_done(struct bulk *b, usbmsc_sense_t s);

/* A class or vendor request to the interface from ep0 (setup: the 8
 * bytes): cancels bulk I/O first for a Reset of the interface's framing.
 * Returns as usbmsc_target_class_request. */
int bulk_class_request(struct bulk *b, const uint8_t setup[8], uint8_t *reply);

/* A CLEAR_FEATURE(ENDPOINT_HALT) that reached user space. */
void bulk_clear_feature(struct bulk *b, unsigned ep);

/* Milliseconds until bulk_tick wants to run, or -1 for never. */
int bulk_timeout(const struct bulk *b);

/* Renew the halts while the core waits for Reset Recovery (see above). */
void bulk_tick(struct bulk *b);

/* Take completions without waiting and feed them to the core. Returns
 * how many, or -errno. */
int bulk_poll(struct bulk *b);

/* Feed one completion to the core (bulk_poll's step; public for the tests). */
void bulk_complete(struct bulk *b, const struct bulk_done *d);

#endif
