/* The simulated reboot after a firmware activation (reboot.h). */
#include "reboot.h"

#include <stdio.h>
#include <time.h>

#include "log.h"

/* --fw-reboot before-csw: once the reboot is due nothing goes out, the
 * activating command's CSW first, so the unbind comes at once. */
static void gate_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct gadget_reboot_gate *g = ctx;

	if (g->vendor->reboot_due && g->vendor->no_csw) {
		gadget_debug(2, "firmware reboot due: %u bytes (the CSW) not sent", (unsigned)len);
		return;
	}
	g->inner.send(g->inner.ctx, buf, len);
}

/* Once an activation is due the core's next receive is for the next CBW:
 * it is held, and the reboot's restart of the core arms a fresh one. */
static void gate_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	struct gadget_reboot_gate *g = ctx;

	if (g->vendor->reboot_due) {
		gadget_debug(2, "firmware reboot due: no further CBW taken");
		return;
	}
	g->inner.receive(g->inner.ctx, buf, len);
}

static void gate_stall(void *ctx, bool in)
{
	struct gadget_reboot_gate *g = ctx;

	g->inner.stall(g->inner.ctx, in);
}

void gadget_reboot_gate(struct gadget_reboot *rb, unsigned i, struct usbmsc_target_port *port)
{
	struct gadget_reboot_gate *g = &rb->gate[i];

	g->inner = *port;
	g->vendor = rb->vendor;
	*port = (struct usbmsc_target_port){ gate_send, gate_receive, gate_stall, g };
}

uint64_t gadget_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The CSW of the activating command is out when no IN transfer is in
 * flight any more, on whichever interface it came: the glue queues it
 * right after the engine's end(), and f_fs completes an IN transfer once
 * the host has taken it. A disabled endpoint has nothing in flight either:
 * the CSW is lost with the connection, which a reboot ends anyway. */
static bool in_idle(const struct gadget_reboot *rb)
{
	for (unsigned i = 0; i < rb->ports; i++) {
		if (rb->bulk[i]->in_flight != 0)
			return false;
	}
	return true;
}

enum reboot_action gadget_reboot_next(const struct gadget_reboot *rb, uint64_t now_ms)
{
	if (rb->down)
		return now_ms >= rb->up_at_ms ? REBOOT_BOOT : REBOOT_NOTHING;
	if (rb->vendor->reboot_due && in_idle(rb))
		return REBOOT_UNBIND;
	return REBOOT_NOTHING;
}

int gadget_reboot_timeout(const struct gadget_reboot *rb, int other, uint64_t now_ms)
{
	int mine = -1;

	if (rb->down)
		mine = rb->up_at_ms > now_ms ? (int)(rb->up_at_ms - now_ms) : 0;
	else if (gadget_reboot_next(rb, now_ms) != REBOOT_NOTHING)
		mine = 0;
	if (mine < 0)
		return other;
	return other < 0 || mine < other ? mine : other;
}

static void go_down(struct gadget_reboot *rb, uint64_t now_ms)
{
	gadget_debug(1, "firmware reboot: unbinding from %s for %u ms", rb->udc,
		     GADGET_REBOOT_MS);
	gadget_unbind(rb->g);
	rb->down = true;
	rb->up_at_ms = now_ms + GADGET_REBOOT_MS;
}

/* Power-on: the engine decides what runs, the target core starts over,
 * the device connects again. */
static int come_up(struct gadget_reboot *rb, char *err, size_t err_len)
{
	rb->down = false;
	rb->count++;
	for (unsigned i = 0; i < rb->ports; i++)
		bulk_disable(rb->bulk[i]);  /* nothing of the old connection stays queued */
	if (gadget_vendor_reboot(rb->vendor, err, err_len) != 0 ||
	    rb->restart(rb->restart_ctx, err, err_len) != 0)
		return -1;
	if (gadget_bind(rb->g, rb->udc, err, err_len) != 0)
		return -1;
	gadget_debug(1, "firmware reboot: bound to %s again", rb->udc);
	return 0;
}

int gadget_reboot_step(struct gadget_reboot *rb, char *err, size_t err_len)
{
	uint64_t now = gadget_now_ms();

	switch (gadget_reboot_next(rb, now)) {
	case REBOOT_UNBIND:
		go_down(rb, now);
		return 0;
	case REBOOT_BOOT:
		return come_up(rb, err, err_len);
	case REBOOT_NOTHING:
		break;
	}
	return 0;
}
