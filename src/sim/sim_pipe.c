/* The simulated USB between the host's BOT engine and the target core:
 * two bulk endpoints with 512-byte packets and halt flags, and ep0.
 *
 * Host side (struct usbmsc_pipe_ops): a bulk transfer moves packets until
 * a short packet or until the host's length is filled; a halted endpoint
 * answers STALL (after the packets moved so far); an endpoint with nothing
 * armed by the device NAKs, which the simulator reports as a time-out at
 * once (simulated time); a device packet longer than the room left in the
 * host's buffer is an overflow (USBMSC_PIPE_ERROR, as libusb's
 * LIBUSB_ERROR_OVERFLOW).
 *
 * Device side (struct usbmsc_target_port): the target core arms one
 * transfer per endpoint and is told when it completes. Everything passes
 * through the fault layer (sim_fault.c) first. With bufs=N a disk
 * operation in progress completes where the device would otherwise NAK
 * (sim_later.c), and before a reset without being reported. */
#include "sim_internal.h"

#include <string.h>

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static struct usbmsc_sim *to_sim(struct usbmsc_pipe *p)
{
	return (struct usbmsc_sim *)p;
}

/* ---- device side ------------------------------------------------------- */

void sim_halt(struct usbmsc_sim *sim, bool in)
{
	if (in) {
		sim->halt_in = true;
	} else {
		sim->halt_out = true;
	}
	sim->counters.stalls++;
}

void sim_arm_in(struct usbmsc_sim *sim, const uint8_t *buf, uint32_t data_len, uint32_t len,
		bool from_fault, bool is_csw)
{
	if (sim->in.armed)
		sim->counters.violations++; /* a second transfer on a busy endpoint */
	sim->in.buf = buf;
	sim->in.data_len = data_len;
	sim->in.len = len;
	sim->in.off = 0;
	sim->in.armed = true;
	sim->in.from_fault = from_fault;
	sim->in.is_csw = is_csw;
}

static void port_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	sim_fault_send(ctx, buf, len);
}

static void port_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	struct usbmsc_sim *sim = ctx;

	if (sim->out.armed || len == 0)
		sim->counters.violations++;
	sim->out.buf = buf;
	sim->out.len = len;
	sim->out.got = 0;
	sim->out.armed = len != 0;
}

static void port_stall(void *ctx, bool in)
{
	struct usbmsc_sim *sim = ctx;

	sim_halt(sim, in);
	sim_fault_stalled(sim, in);
}

void sim_port(struct usbmsc_sim *sim, struct usbmsc_target_port *port)
{
	port->send = port_send;
	port->receive = port_receive;
	port->stall = port_stall;
	port->ctx = sim;
}

/* Cancel every bulk transfer in progress, as the glue must before it
 * reports a reset to the target core (target.h). */
static void cancel_bulk(struct usbmsc_sim *sim)
{
	memset(&sim->in, 0, sizeof sim->in);
	memset(&sim->out, 0, sizeof sim->out);
}

/* ---- Bulk-In ------------------------------------------------------------- */

static void in_complete(struct usbmsc_sim *sim)
{
	bool from_fault = sim->in.from_fault;

	bool csw = sim->in.is_csw;

	sim->in.armed = false;
	if (from_fault)
		sim_fault_in_done(sim);
	else
		usbmsc_target_sent(&sim->target);
	if (csw)
		sim_fw_csw_sent(sim);
}

/* Copy n bytes of the armed transfer from its offset: data, then zeros. */
static void in_copy(const struct sim_in_xfer *x, uint8_t *dst, uint32_t n)
{
	uint32_t from_buf = 0;

	if (x->off < x->data_len)
		from_buf = min_u32(n, x->data_len - x->off);
	if (from_buf)
		memcpy(dst, x->buf + x->off, from_buf);
	memset(dst + from_buf, 0, n - from_buf);
}

static int bulk_in(struct usbmsc_sim *sim, uint8_t *buf, size_t len, size_t *done)
{
	for (;;) {
		uint32_t pkt;

		if (sim->halt_in)
			return USBMSC_PIPE_STALL;
		if (*done == len)
			return USBMSC_PIPE_OK;
		if (!sim->in.armed && sim_later_settle(sim))
			continue; /* storage was what the device waited for */
		if (!sim->in.armed)
			return USBMSC_PIPE_TIMEOUT; /* NAK until the time-out */
		if (sim->in.is_csw && sim->in.off == 0 && sim->fs.csw_stall_pending) {
			/* stall-csw: the CSW is due, the device halts instead */
			sim->fs.csw_stall_pending = false;
			sim_halt(sim, true);
			continue;
		}
		pkt = min_u32(USBMSC_SIM_PACKET, sim->in.len - sim->in.off);
		if (pkt > len - *done) {
			/* Babble: the packet went out, the host had no room. */
			sim->in.off += pkt;
			if (sim->in.off == sim->in.len)
				in_complete(sim);
			return USBMSC_PIPE_ERROR;
		}
		in_copy(&sim->in, buf + *done, pkt);
		*done += pkt;
		sim->in.off += pkt;
		if (sim->in.off == sim->in.len)
			in_complete(sim);
		if (pkt < USBMSC_SIM_PACKET)
			return USBMSC_PIPE_OK; /* a short packet ends the transfer */
	}
}

/* ---- Bulk-Out ------------------------------------------------------------ */

/* One host packet into the receive the device armed. A packet longer
 * than the room left overflows the device's buffer: the excess is lost
 * and counted as a breach of the endpoint contract (the target core must
 * arm whole packets). Returns false when the fault layer says the device
 * is gone. */
static bool out_packet(struct usbmsc_sim *sim, const uint8_t *pkt, uint32_t n)
{
	struct sim_out_xfer *x = &sim->out;
	uint32_t take = min_u32(n, x->len - x->got);

	if (take < n)
		sim->counters.violations++;
	memcpy(x->buf + x->got, pkt, take);
	x->got += take;
	if (n == USBMSC_SIM_PACKET && x->got < x->len)
		return true; /* a full packet: the receive goes on */
	switch (sim_fault_received(sim, x->buf, x->got)) {
	case SIM_RX_GONE:
		return false;
	case SIM_RX_SWALLOW:
		x->got = 0; /* the target never saw it: its receive stays armed */
		return true;
	default:
		x->armed = false;
		sim_door_heard(sim);
		usbmsc_target_received(&sim->target, x->got);
		return true;
	}
}

static int bulk_out(struct usbmsc_sim *sim, const uint8_t *buf, size_t len, size_t *done)
{
	while (*done < len) {
		uint32_t pkt = min_u32(USBMSC_SIM_PACKET, (uint32_t)(len - *done));

		if (sim->fs.disconnected)
			return USBMSC_PIPE_NO_DEVICE;
		if (sim->halt_out)
			return USBMSC_PIPE_STALL;
		if (!sim->fs.hung && !sim->out.armed && sim_later_settle(sim))
			continue; /* storage was what the device waited for */
		if (sim->fs.hung || !sim->out.armed)
			return USBMSC_PIPE_TIMEOUT; /* NAK: the device takes nothing */
		if (!out_packet(sim, buf + *done, pkt))
			return USBMSC_PIPE_NO_DEVICE;
		*done += pkt;
	}
	return USBMSC_PIPE_OK;
}

static int sim_bulk(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		    unsigned timeout_ms)
{
	struct usbmsc_sim *sim = to_sim(p);
	size_t ignored;

	(void)timeout_ms; /* simulated time: a NAK times out at once */
	if (!done)
		done = &ignored;
	*done = 0;
	if (sim->fs.disconnected)
		return USBMSC_PIPE_NO_DEVICE;
	if (sim->fs.hung)
		return USBMSC_PIPE_TIMEOUT;
	if (len > UINT32_MAX)
		return USBMSC_PIPE_ERROR;
	return in ? bulk_in(sim, buf, len, done) : bulk_out(sim, buf, len, done);
}

/* ---- ep0 ----------------------------------------------------------------- */

static void clear_halt(struct usbmsc_sim *sim, bool in)
{
	if (in)
		sim->halt_in = false;
	else
		sim->halt_out = false;
	/* After an invalid CBW the target keeps the endpoint halted. */
	if (usbmsc_target_clear_halt(&sim->target, in))
		sim_halt(sim, in);
}

static int sim_clear_halt(struct usbmsc_pipe *p, bool in, unsigned timeout_ms)
{
	struct usbmsc_sim *sim = to_sim(p);

	(void)timeout_ms;
	if (sim->fs.disconnected)
		return USBMSC_PIPE_NO_DEVICE;
	clear_halt(sim, in);
	return USBMSC_PIPE_OK;
}

/* Endpoint address -> true for Bulk-In, false for Bulk-Out; -1 unknown. */
static int endpoint_dir(const struct usbmsc_sim *sim, uint16_t index)
{
	if (index == sim->pipe.ep_in)
		return 1;
	if (index == sim->pipe.ep_out)
		return 0;
	return -1;
}

static int standard_request(struct usbmsc_sim *sim, uint8_t rt, uint8_t req, uint16_t value,
			    uint16_t index, uint8_t *data, uint16_t len, size_t *done)
{
	int ep = endpoint_dir(sim, index);

	if (rt == 0x82 && req == 0x00 && value == 0 && len == 2 && data && ep >= 0) {
		/* GET_STATUS(endpoint): bit 0 = halted */
		data[0] = (ep ? sim->halt_in : sim->halt_out) ? 1 : 0;
		data[1] = 0;
		*done = 2;
		return USBMSC_PIPE_OK;
	}
	if ((rt == 0x80 || rt == 0x81) && req == 0x00 && value == 0 && len == 2 && data) {
		/* GET_STATUS(device or interface): nothing to report */
		data[0] = data[1] = 0;
		*done = 2;
		return USBMSC_PIPE_OK;
	}
	if (rt == 0x02 && req == 0x01 && value == 0 && len == 0 && ep >= 0) {
		clear_halt(sim, ep == 1); /* CLEAR_FEATURE(ENDPOINT_HALT) */
		return USBMSC_PIPE_OK;
	}
	if (rt == 0x02 && req == 0x03 && value == 0 && len == 0 && ep >= 0) {
		sim_halt(sim, ep == 1); /* SET_FEATURE(ENDPOINT_HALT) */
		return USBMSC_PIPE_OK;
	}
	return USBMSC_PIPE_STALL;
}

static int class_request(struct usbmsc_sim *sim, uint8_t rt, uint8_t req, uint16_t value,
			 uint16_t index, uint8_t *data, uint16_t len, size_t *done)
{
	uint8_t setup[8] = {
		rt, req, (uint8_t)value, (uint8_t)(value >> 8),
		(uint8_t)index, (uint8_t)(index >> 8), (uint8_t)len, (uint8_t)(len >> 8),
	};
	uint8_t reply[64];
	bool is_reset = req == USBMSC_REQ_RESET && !(rt & 0x80);
	struct sim_in_xfer saved_in = sim->in;
	struct sim_out_xfer saved_out = sim->out;
	bool op_active = false;
	usbmsc_sense_t op_outcome = USBMSC_SENSE_OK;
	int n;

	if (index != sim->pipe.interface)
		return USBMSC_PIPE_STALL; /* not our interface */
	if (is_reset) {
		cancel_bulk(sim);
		op_outcome = sim_later_finish(sim, &op_active);
	}
	n = usbmsc_target_class_request(&sim->target, setup, reply);
	if (n < 0) {
		if (is_reset) { /* refused: nothing was reset after all */
			sim->in = saved_in;
			sim->out = saved_out;
			sim_later_report(sim, op_active, op_outcome);
		}
		return USBMSC_PIPE_STALL;
	}
	if (is_reset) {
		sim->counters.resets++;
		sim_fault_reset(sim);
	}
	if ((rt & 0x80) && n > 0) {
		uint32_t copy = min_u32((uint32_t)n, len);
		if (copy && !data)
			return USBMSC_PIPE_ERROR;
		if (copy > sizeof reply)
			copy = sizeof reply;
		memcpy(data, reply, copy);
		*done = copy;
	}
	return USBMSC_PIPE_OK;
}

static int sim_control(struct usbmsc_pipe *p, uint8_t rt, uint8_t req, uint16_t value,
		       uint16_t index, uint8_t *data, uint16_t len, size_t *done,
		       unsigned timeout_ms)
{
	struct usbmsc_sim *sim = to_sim(p);
	size_t ignored;

	(void)timeout_ms;
	if (!done)
		done = &ignored;
	*done = 0;
	if (sim->fs.disconnected)
		return USBMSC_PIPE_NO_DEVICE;
	switch (rt & 0x60) {
	case 0x00:
		return standard_request(sim, rt, req, value, index, data, len, done);
	case 0x20:
	case 0x40:
		/* Class requests (mass storage) and vendor requests (the
		 * vendor interface) go to the interface; the target core
		 * takes only those of its framing and stalls the rest. */
		if ((rt & 0x1F) != 0x01)
			return USBMSC_PIPE_STALL;
		return class_request(sim, rt, req, value, index, data, len, done);
	default:
		return USBMSC_PIPE_STALL;
	}
}

static int sim_port_reset(struct usbmsc_pipe *p)
{
	struct usbmsc_sim *sim = to_sim(p);
	bool op_active;

	if (sim->fs.disconnected)
		return USBMSC_PIPE_NO_DEVICE;
	/* A bus reset returns every endpoint to its default state. */
	cancel_bulk(sim);
	sim_later_finish(sim, &op_active);
	sim->halt_in = false;
	sim->halt_out = false;
	sim->counters.resets++;
	sim_fault_reset(sim);
	usbmsc_target_bus_reset(&sim->target);
	return USBMSC_PIPE_OK;
}

static void sim_close(struct usbmsc_pipe *p)
{
	sim_destroy(to_sim(p));
}

const struct usbmsc_pipe_ops sim_pipe_ops = {
	.bulk = sim_bulk,
	.clear_halt = sim_clear_halt,
	.control = sim_control,
	.port_reset = sim_port_reset,
	.close = sim_close,
};
