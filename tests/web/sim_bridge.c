/* The virtual device's bulk pipe and ep0 over stdin/stdout, so that a
 * program in another language (the web updater's tests, under node) can
 * play the USB host against the real target core and firmware engine.
 *
 * Usage: sim_bridge PATH [OPTIONS]   (as in "sim:PATH?OPTIONS")
 *
 * Once the device exists it writes "SBR1". Then, per request, little-endian:
 *   request  op(1) arg(1) bRequest(1) 0(1) wValue(2) wIndex(2) length(4),
 *            then length bytes for a bulk OUT or a control OUT
 *   reply    result(1) 0 0 0 done(4), then done bytes for a bulk IN or a
 *            control IN
 * op 'O' bulk OUT, 'I' bulk IN (length: the host's buffer), 'C' control
 * (arg: bmRequestType), 'H' clear halt (arg 1: Bulk-In), 'R' port reset.
 * result is enum usbmsc_pipe_result (0 ok, 1 stall, 2 NAK/time-out, 3 no
 * device, 4 error). End of input closes the device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/sim.h"

#include "../../src/common/fdio.h"

#define REQ_LEN 12u
#define MAX_XFER (16u * 1024u * 1024u)
#define TIMEOUT_MS 1000u

struct req {
	uint8_t op, arg, request;
	uint16_t value, index;
	uint32_t length;
};

static bool read_req(struct req *r)
{
	uint8_t b[REQ_LEN];

	if (usbmsc_read_full(STDIN_FILENO, b, sizeof b) != (ssize_t)sizeof b)
		return false;
	r->op = b[0];
	r->arg = b[1];
	r->request = b[2];
	r->value = (uint16_t)(b[4] | b[5] << 8);
	r->index = (uint16_t)(b[6] | b[7] << 8);
	r->length = usbmsc_get_le32(b + 8);
	return r->length <= MAX_XFER;
}

static bool reply(int result, const uint8_t *data, size_t done)
{
	uint8_t b[8] = { (uint8_t)result, 0, 0, 0 };

	usbmsc_put_le32(b + 4, (uint32_t)done);
	return usbmsc_write_full(STDOUT_FILENO, b, sizeof b) &&
	       (done == 0 || usbmsc_write_full(STDOUT_FILENO, data, done));
}

/* One request; false ends the bridge (the input broke). */
static bool serve(struct usbmsc_pipe *p, const struct req *r, uint8_t *buf)
{
	bool in = r->op == 'I' || (r->op == 'C' && (r->arg & 0x80));
	size_t done = 0;
	int res;

	if (!in && (r->op == 'O' || r->op == 'C') && r->length &&
	    usbmsc_read_full(STDIN_FILENO, buf, r->length) != (ssize_t)r->length)
		return false;
	switch (r->op) {
	case 'O':
	case 'I':
		res = p->ops->bulk(p, in, buf, r->length, &done, TIMEOUT_MS);
		break;
	case 'C':
		if (r->length > UINT16_MAX)
			return false;
		res = p->ops->control(p, r->arg, r->request, r->value, r->index,
				      r->length ? buf : NULL, (uint16_t)r->length, &done, TIMEOUT_MS);
		break;
	case 'H':
		res = p->ops->clear_halt(p, r->arg != 0, TIMEOUT_MS);
		break;
	case 'R':
		res = p->ops->port_reset ? p->ops->port_reset(p) : USBMSC_PIPE_ERROR;
		break;
	default:
		return false;
	}
	return reply(res, buf, in ? done : 0);
}

int main(int argc, char **argv)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_sim *sim = NULL;
	struct usbmsc_pipe *p;
	uint8_t *buf;
	struct req r;
	int st;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sim_bridge PATH [OPTIONS]\n");
		return 1;
	}
	st = usbmsc_sim_create(argv[1], argc > 2 ? argv[2] : "", &sim, &err);
	if (st) {
		fprintf(stderr, "sim_bridge: %s\n", err.msg);
		return st;
	}
	p = usbmsc_sim_pipe(sim);
	buf = malloc(MAX_XFER);
	if (!buf || !usbmsc_write_full(STDOUT_FILENO, (const uint8_t *)"SBR1", 4)) {
		free(buf);
		p->ops->close(p);
		return 99;
	}
	while (read_req(&r) && serve(p, &r, buf))
		;
	free(buf);
	p->ops->close(p);
	return 0;
}
