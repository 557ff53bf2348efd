/* The target core's port on the FunctionFS bulk endpoints. See bulk.h for
 * how the endpoints are kept busy and what FunctionFS allows with halts. */
#include "bulk.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "usbmsc/bot.h"

/* Longest wait for cancelled transfers to complete: a dequeued request
 * completes at once; only a wedged kernel would take longer. */
#define CANCEL_TIMEOUT_MS 2000
#define DRAIN_BATCH 4

static const char *const ep_names[2][2] = {
	{ "Bulk-In", "Bulk-Out" },                /* USBMSC_FRAMING_BOT */
	{ "vendor Bulk-In", "vendor Bulk-Out" },  /* USBMSC_FRAMING_VENDOR */
};

static unsigned id_ep(unsigned id)
{
	return id == BULK_ID_OUT ? BULK_OUT : BULK_IN;
}

static bool submit(struct bulk *b, unsigned id, uint8_t *buf, uint32_t len)
{
	unsigned ep = id_ep(id);
	int rc;

	if (b->busy[id]) {
		/* The core never does this; refusing keeps the kernel's view sane. */
		gadget_log("%s: a transfer is already queued; ignoring another", b->ep_name[ep]);
		return false;
	}
	rc = b->ops->submit(b->ops->ctx, id, ep, buf, len);
	if (rc != 0) {
		/* The endpoint went away under us (a DISABLE event is on its way):
		 * the next ENABLE restarts the core. */
		gadget_debug(1, "%s: cannot queue %u bytes: %s", b->ep_name[ep], (unsigned)len,
			     strerror(-rc));
		b->stats.errors[ep]++;
		return false;
	}
	b->busy[id] = true;
	b->stats.submits[ep]++;
	gadget_debug(3, "%s: queued %u bytes", b->ep_name[ep], (unsigned)len);
	return true;
}

static void halt(struct bulk *b, unsigned ep)
{
	int rc = b->ops->halt(b->ops->ctx, ep);

	b->stats.halts[ep]++;
	if (rc != 0)
		gadget_log("%s: cannot halt: %s", b->ep_name[ep], strerror(-rc));
	else
		gadget_debug(2, "%s: halted", b->ep_name[ep]);
}

/* Watch Bulk-Out while the core waits for Reset Recovery (see bulk.h). */
static void arm_sentinel(struct bulk *b)
{
	if (!b->enabled || b->busy[BULK_ID_OUT])
		return;
	b->sentinel = submit(b, BULK_ID_OUT, b->buf,
			     b->buf_size < BULK_CBW_ARM ? b->buf_size : BULK_CBW_ARM);
}

/* A storage operation the core handed over: run it, report its outcome. */
static void run_deferred(struct bulk *b)
{
	b->deferred.active = false;
	usbmsc_target_storage_done(b->t, storage_op_run(&b->deferred.op));
}

/* Work the core left for after its call returned (never re-enter it from
 * inside a port callback): sends to report, a halt to clear, then a
 * storage operation to run. */
static void after(struct bulk *b)
{
	for (;;) {
		if (b->sent_pending != 0) {
			b->sent_pending--;
			usbmsc_target_sent(b->t);
		} else if (b->clear_in) {
			b->clear_in = false;
			if (usbmsc_target_clear_halt(b->t, true)) {
				b->sticky = true;
				gadget_debug(1, "invalid CBW: both endpoints halted until Reset Recovery");
			}
		} else if (b->deferred.active) {
			run_deferred(b);
		} else {
			break;
		}
	}
	if (b->sticky)
		arm_sentinel(b);
}

static int free_in_id(const struct bulk *b)
{
	for (unsigned i = 0; i < BULK_IN_DEPTH; i++) {
		if (!b->busy[BULK_ID_IN + i])
			return (int)(BULK_ID_IN + i);
	}
	return -1;
}

/* Queue len bytes of buf on Bulk-In (an IN transfer only reads buf). */
static bool submit_in(struct bulk *b, const uint8_t *buf, uint32_t len)
{
	int id = b->enabled ? free_in_id(b) : -1;

	if (id < 0 || !submit(b, (unsigned)id, (uint8_t *)buf, len))
		return false;
	b->in_flight++;
	return true;
}

/* How many IN transfers may be in flight when a send is reported: the core
 * may reuse its buffer only once the kernel has copied the data. */
static unsigned report_limit(const struct bulk *b)
{
	return b->ops->in_copies ? BULK_IN_AHEAD : 0;
}

static usbmsc_sense_t lun_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
			       uint32_t len)
{
	struct bulk_lun *l = ctx;
	struct bulk *b = l->b;
	uint32_t done = 0;

	b->early_len = 0;
	if (!b->ops->in_copies || !b->enabled || buf != b->buf || len <= b->chunk)
		return l->inner.read(l->inner.ctx, lba, offset, buf, len);
	/* The core sends what it read right after a good read, from the start
	 * of its buffer: queue it chunk by chunk as it arrives. */
	while (done < len) {
		uint32_t n = len - done < b->chunk ? len - done : b->chunk;
		uint32_t at = offset + done;
		usbmsc_sense_t s;

		s = l->inner.read(l->inner.ctx, lba + at / l->inner.block_size,
				  at % l->inner.block_size, buf + done, n);
		if (s != USBMSC_SENSE_OK) {
			b->early_len = 0;  /* what is queued stays queued (bulk.h) */
			return s;
		}
		/* keep one transfer free for the rest at send time */
		if (b->early_len == done && b->in_flight + 1 < BULK_IN_DEPTH &&
		    submit_in(b, buf + done, n)) {
			b->early_len = done + n;
			b->stats.chunks++;
		}
		done += n;
	}
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t lun_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				uint32_t len)
{
	struct bulk_lun *l = ctx;

	return l->inner.write(l->inner.ctx, lba, offset, buf, len);
}

static usbmsc_sense_t lun_sync(void *ctx)
{
	struct bulk_lun *l = ctx;

	return l->inner.sync(l->inner.ctx);
}

static usbmsc_sense_t defer(struct bulk_lun *l, bool write, uint32_t lba, uint32_t offset,
			    uint8_t *buf, uint32_t len)
{
	struct bulk *b = l->b;

	/* The core has one storage operation in progress at a time. */
	b->deferred.active = true;
	b->deferred.op = (struct storage_op){ &l->inner, write, lba, offset, len, buf };
	return USBMSC_SENSE_PENDING;
}

static usbmsc_sense_t deferred_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
				    uint32_t len)
{
	return defer(ctx, false, lba, offset, buf, len);
}

static usbmsc_sense_t deferred_write(void *ctx, uint32_t lba, uint32_t offset,
				     const uint8_t *buf, uint32_t len)
{
	return defer(ctx, true, lba, offset, (uint8_t *)buf, len);  /* a write only reads buf */
}

/* cfg's callbacks become read and write (a LUN without write stays
 * read-only), with the LUN behind them kept in l. */
static void wrap(struct bulk_lun *l, struct bulk *b, struct usbmsc_lun_config *cfg,
		 usbmsc_sense_t (*read)(void *, uint32_t, uint32_t, uint8_t *, uint32_t),
		 usbmsc_sense_t (*write)(void *, uint32_t, uint32_t, const uint8_t *, uint32_t))
{
	l->b = b;
	l->inner = *cfg;
	cfg->read = read;
	cfg->write = cfg->write != NULL ? write : NULL;
	cfg->sync = cfg->sync != NULL ? lun_sync : NULL;
	cfg->ctx = l;
}

void bulk_wrap_lun_deferred(struct bulk_lun *l, struct bulk *b, struct usbmsc_lun_config *cfg)
{
	wrap(l, b, cfg, deferred_read, deferred_write);
}

void bulk_wrap_lun(struct bulk_lun *l, struct bulk *b, struct usbmsc_lun_config *cfg)
{
	wrap(l, b, cfg, lun_read, lun_write);
}

static void port_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct bulk *b = ctx;
	uint32_t start = 0;

	b->cbw_next = true;  /* if a receive follows, it is for the next CBW */
	if (buf == b->buf && b->early_len <= len)
		start = b->early_len;  /* a chunked read queued that much already */
	b->early_len = 0;
	if (!b->enabled)
		return;
	if (start < len && !submit_in(b, buf + start, len - start))
		return;  /* the endpoint went away: a reset or DISABLE follows */
	if (b->in_flight <= report_limit(b)) {
		b->sent_pending++;  /* the core may refill its buffer now */
		if (b->in_flight != 0)
			b->stats.early++;
	} else {
		b->sent_owed++;     /* reported when transfers complete */
	}
}

static void port_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	struct bulk *b = ctx;

	if (b->cbw_next && len > BULK_CBW_ARM)
		len = BULK_CBW_ARM;
	b->cbw_next = false;
	b->out_ptr = buf;
	b->out_len = len;
	if (b->enabled)
		submit(b, BULK_ID_OUT, buf, len);
}

static void halt_in(struct bulk *b)
{
	halt(b, BULK_IN);
	b->clear_in = true;  /* the UDC clears it for the host: see bulk.h */
}

static void port_stall(void *ctx, bool in)
{
	struct bulk *b = ctx;

	if (!b->enabled)
		return;
	if (!in)
		halt(b, BULK_OUT);
	else if (b->in_flight != 0)
		b->halt_in_later = true;  /* after the data queued before it (bulk.h) */
	else
		halt_in(b);
}

void bulk_init(struct bulk *b, const struct bulk_ops *ops, uint8_t *buf, uint32_t buf_size)
{
	memset(b, 0, sizeof(*b));
	b->ops = ops;
	b->buf = buf;
	b->buf_size = buf_size;
	b->chunk = buf_size / 4 > BULK_MIN_CHUNK ? buf_size / 4 : BULK_MIN_CHUNK;
	b->cbw_next = true;
	bulk_set_framing(b, USBMSC_FRAMING_BOT);
}

void bulk_set_framing(struct bulk *b, enum usbmsc_framing framing)
{
	b->framing = (uint8_t)framing;
	for (unsigned ep = 0; ep < 2; ep++)
		b->ep_name[ep] = ep_names[framing == USBMSC_FRAMING_VENDOR][ep];
}

struct usbmsc_target_port bulk_port(struct bulk *b)
{
	struct usbmsc_target_port p = { port_send, port_receive, port_stall, b };

	return p;
}

void bulk_attach(struct bulk *b, struct usbmsc_target *t)
{
	b->t = t;
}

static bool any_busy(const struct bulk *b)
{
	for (unsigned id = 0; id < BULK_IDS; id++) {
		if (b->busy[id])
			return true;
	}
	return false;
}

int bulk_cancel(struct bulk *b)
{
	struct bulk_done done[DRAIN_BATCH];
	int waited = 0;

	for (unsigned id = 0; id < BULK_IDS; id++) {
		if (b->busy[id])
			b->ops->cancel(b->ops->ctx, id);  /* its completion says how it ended */
	}
	while (any_busy(b)) {
		int n = b->ops->wait(b->ops->ctx, done, DRAIN_BATCH, 100);

		if (n < 0 && n != -EINTR) {
			b->failed = n;
			return n;
		}
		for (int i = 0; i < n; i++) {
			if (done[i].id < BULK_IDS && b->busy[done[i].id]) {
				b->busy[done[i].id] = false;
				b->stats.dropped++;
			}
		}
		if (n <= 0 && (waited += 100) >= CANCEL_TIMEOUT_MS) {
			gadget_log("bulk transfers would not end after cancelling them");
			b->failed = -ETIMEDOUT;
			return -ETIMEDOUT;
		}
	}
	if (b->drain_storage != NULL)
		b->drain_storage(b->drain_ctx);
	b->deferred.active = false;  /* never started: it ends here */
	b->in_flight = 0;
	b->early_len = 0;
	b->sent_owed = 0;
	b->sent_pending = 0;
	b->cbw_next = true;  /* the core starts over with a CBW */
	b->halt_in_later = false;
	b->clear_in = false;
	b->sticky = false;
	b->sentinel = false;
	return 0;
}

void bulk_storage_done(struct bulk *b, usbmsc_sense_t s)
{
	if (b->t == NULL)
		return;
	usbmsc_target_storage_done(b->t, s);
	after(b);
}

void bulk_enable(struct bulk *b)
{
	bulk_cancel(b);  /* normally nothing is left: DISABLE drained it */
	b->enabled = true;
	if (b->t == NULL)
		return;
	usbmsc_target_bus_reset(b->t);
	after(b);
}

void bulk_disable(struct bulk *b)
{
	b->enabled = false;
	bulk_cancel(b);
}

int bulk_class_request(struct bulk *b, const uint8_t setup[8], uint8_t *reply)
{
	int n;

	/* A Reset of this interface's framing: cancelling first is the core's
	 * precondition. */
	if (setup[0] == usbmsc_framing_request_type((enum usbmsc_framing)b->framing, false) &&
	    setup[1] == USBMSC_REQ_RESET)
		bulk_cancel(b);
	n = usbmsc_target_class_request(b->t, setup, reply);
	after(b);
	return n;
}

void bulk_clear_feature(struct bulk *b, unsigned ep)
{
	int rc;

	if (!b->enabled)
		return;
	rc = b->ops->clear_halt(b->ops->ctx, ep);
	if (rc != 0)
		gadget_debug(1, "%s: cannot clear the halt: %s", b->ep_name[ep], strerror(-rc));
	if (usbmsc_target_clear_halt(b->t, ep == BULK_IN))
		halt(b, ep);
	after(b);
}

/* Data arrived on Bulk-Out while the core waits for Reset Recovery: the
 * host cleared the halt with CLEAR_FEATURE alone. Halt both again. */
static void sentinel_hit(struct bulk *b, long res)
{
	b->sentinel = false;
	gadget_debug(1, "%ld bytes on %s before Reset Recovery: halting again", res,
		     b->ep_name[BULK_OUT]);
	if (usbmsc_target_clear_halt(b->t, false)) {
		halt(b, BULK_IN);
		halt(b, BULK_OUT);
	} else {
		b->sticky = false;
	}
}

/* An IN transfer ended, well or not. */
int bulk_timeout(const struct bulk *b)
{
	return b->enabled && b->sticky ? BULK_REHALT_MS : -1;
}

void bulk_tick(struct bulk *b)
{
	if (!b->enabled || !b->sticky)
		return;
	/* A halt that is still set stays set; one the UDC cleared is set again. */
	if (b->ops->halt(b->ops->ctx, BULK_IN) != 0 || b->ops->halt(b->ops->ctx, BULK_OUT) != 0)
		gadget_debug(1, "cannot renew the halts");
}

static void in_done(struct bulk *b)
{
	b->in_flight--;
	if (b->sent_owed != 0 && b->in_flight <= report_limit(b)) {
		b->sent_owed--;
		b->sent_pending++;
	}
	if (b->halt_in_later && b->in_flight == 0) {
		b->halt_in_later = false;
		halt_in(b);
	}
}

void bulk_complete(struct bulk *b, const struct bulk_done *d)
{
	unsigned id = d->id, ep;

	if (id >= BULK_IDS || !b->busy[id])
		return;
	ep = id_ep(id);
	b->busy[id] = false;
	if (d->res < 0) {
		/* ESHUTDOWN/ECONNRESET: the endpoint was disabled or the transfer
		 * cancelled, and a DISABLE or reset follows; anything else is a
		 * transport error the host recovers from with a reset. */
		b->stats.errors[ep]++;
		if (ep == BULK_OUT)
			b->sentinel = false;
		else
			in_done(b);
		gadget_debug(d->res == -ESHUTDOWN || d->res == -ECONNRESET ? 2 : 1,
			     "%s: transfer ended with %s", b->ep_name[ep], strerror((int)-d->res));
		after(b);
		return;
	}
	b->stats.bytes[ep] += (uint64_t)d->res;
	gadget_debug(3, "%s: done, %ld bytes", b->ep_name[ep], d->res);
	if (ep == BULK_IN) {
		in_done(b);
	} else if (b->sentinel) {
		sentinel_hit(b, d->res);
	} else if (d->res == 0) {
		/* A zero-length packet carries nothing for the core: wait on. */
		submit(b, BULK_ID_OUT, b->out_ptr, b->out_len);
	} else {
		usbmsc_target_received(b->t, (uint32_t)d->res);
	}
	after(b);
}

int bulk_poll(struct bulk *b)
{
	struct bulk_done done[DRAIN_BATCH];
	int total = 0, n;

	do {
		n = b->ops->wait(b->ops->ctx, done, DRAIN_BATCH, 0);
		if (n == -EINTR)
			break;
		if (n < 0) {
			b->failed = n;
			return n;
		}
		for (int i = 0; i < n; i++)
			bulk_complete(b, &done[i]);
		total += n;
	} while (n == DRAIN_BATCH);
	return total;
}
