/* The kernel's SCSI pass-through as a transport: a device node ("/dev/sg0",
 * "/dev/sda" on Linux) whose driver stays bound, so that the file system
 * stays mounted; the kernel runs the USB transport and fetches the sense.
 *
 * What the node is and how a command reaches it is the OS backend's
 * (pt_open, pt_exec: an opaque object per node, as sg3_utils' sg_pt);
 * here: the transport's contract, the stop request and the sense trace. */
#include "schemes.h"
#include "../os/os_backend.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct pt_transport {
	struct usbmsc_transport base;
	struct usbmsc_transport_ops ops;   /* pt_ops, named after the backend's pass-through */
	struct usbmsc_os_pt *pt;
	volatile sig_atomic_t stop;
};

static struct pt_transport *to_pt(struct usbmsc_transport *t)
{
	return (struct pt_transport *)t;
}

static int pt_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		   struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct pt_transport *s = to_pt(t);
	unsigned timeout_ms = cmd->timeout_ms ? cmd->timeout_ms
			      : t->timeout_ms ? t->timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS;
	int rc;

	/* every field but the sense bytes, which sense_len makes valid (a
	 * command's cost: usbmsc_exec has cleared them already) */
	res->scsi_status = 0;
	res->residue = res->transferred = 0;
	res->sense_len = 0;
	t->recovered = false;       /* the kernel does its own recovery */
	res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
	if (s->stop || usbmsc_stop_requested())
		return usbmsc_fail(err, USBMSC_E_INTERRUPTED, "interrupted: stop requested");
	rc = usbmsc_os_backend.pt_exec(s->pt, cmd, timeout_ms, &t->trace, res, err);
	if (rc != 0 && (s->stop || usbmsc_stop_requested()))
		return usbmsc_fail(err, USBMSC_E_INTERRUPTED,
				   "interrupted: stop requested (the command may still "
				   "complete in the kernel)");
	if (res->sense_len)
		usbmsc_trace_emit(&t->trace, USBMSC_TRACE_SENSE, res->sense, res->sense_len,
				  "sense %u bytes", res->sense_len);
	return rc;
}

static int pt_max_lun(struct usbmsc_transport *t, uint8_t *max_lun, struct usbmsc_error *err)
{
	if (!usbmsc_os_backend.pt_max_lun(to_pt(t)->pt, max_lun))
		return usbmsc_fail(err, USBMSC_E_OTHER, "the system does not tell this device's LUNs");
	return 0;
}

static int pt_reset(struct usbmsc_transport *t, struct usbmsc_error *err)
{
	return usbmsc_os_backend.pt_reset(to_pt(t)->pt, &t->trace, err);
}

static void pt_interrupt(struct usbmsc_transport *t)
{
	to_pt(t)->stop = 1;
}

static void pt_close(struct usbmsc_transport *t)
{
	struct pt_transport *s = to_pt(t);

	if (!s)
		return;
	if (s->pt)
		usbmsc_os_backend.pt_close(s->pt);
	free(s);
}

static const struct usbmsc_transport_ops pt_ops = {
	.name = "pt",
	.exec = pt_exec,
	.reset = pt_reset,
	.max_lun = pt_max_lun,
	.close = pt_close,
	.interrupt = pt_interrupt,
};

int usbmsc_pt_open(const char *node, const char *rest, const struct usbmsc_open_opts *opts,
		   struct usbmsc_transport **out, struct usbmsc_error *err)
{
	struct pt_transport *s;
	int rc;

	(void)rest;
	*out = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	s->ops = pt_ops;
	s->ops.name = usbmsc_os_backend.pt_name;
	s->base.ops = &s->ops;
	if (opts) {
		s->base.trace = opts->trace;
		s->base.timeout_ms = opts->timeout_ms;
	}
	if (!s->base.timeout_ms)
		s->base.timeout_ms = USBMSC_DEFAULT_TIMEOUT_MS;
	rc = usbmsc_os_backend.pt_open(node, &s->base.trace, &s->pt, &s->base.max_transfer, err);
	if (rc != 0) {
		pt_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
