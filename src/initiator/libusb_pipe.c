/* Raw Bulk-Only Transport through libusb: "usb:VID:PID[:SERIAL]" and
 * "usb:BUS-PORT[.PORT...]"; and the bulk pipe under "usbv:" too
 * (usbv_transport.c), which takes the vendor interface instead and never
 * detaches anything.
 *
 * usb: takes the interface from the kernel: refuse (or, when asked,
 * unmount) while a file system of the device is mounted, detach usb-storage
 * or uas, claim, select the Bulk-Only alternate setting. Closing gives it
 * back on every path (success, error, device gone, interrupted): release,
 * reattach the kernel driver.
 *
 * Every transfer is asynchronous and waited for in short slices, so that an
 * interrupt request (a flag set from a signal handler) cancels it within a
 * slice; the interrupted command's device state is then repaired with a
 * Reset Recovery before the interface is released. The time-out is kept
 * here too, not handed to libusb: a transfer with a libusb time-out costs
 * two timerfd_settime calls (arm, disarm), which is a sixth of a TEST UNIT
 * READY's system calls.
 *
 * A CBW without a data stage is followed by the CSW and nothing else, so
 * the pipe submits the CSW's read together with the CBW (a read-ahead):
 * both complete in one wait, which saves a wake-up and its system calls
 * per such command. Any other operation first settles the read-ahead, so
 * that nothing is reordered: a CSW it already received is handed to the
 * next Bulk-In read (as the device would have sent it then), except after
 * a Mass Storage Reset or a port reset, and whatever else it ended with
 * (nothing yet, a stall, an error) is what that read meets anyway. */
#include "usbmsc/discovery.h"
#include "schemes.h"
#include "usbmsc_config.h"

#include <stdio.h>
#include <string.h>

#if USBMSC_HAVE_LIBUSB

#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include <libusb.h>

#include "../os/os_backend.h"
#include "../os/os_clock.h"
#include "door_rank.h"
#include "libusb_internal.h"
#include "usbmsc/byteorder.h"

#define SLICE_MS 100            /* how often a waiting transfer looks at the stop flag */
#define CLOSE_TIMEOUT_MS 2000   /* for the repairs done while closing */
#define MAX_EVENT_FAILURES 50
#define GONE_CHECKS 10          /* x GONE_CHECK_MS: how long an I/O error may be a disconnect */
#define GONE_CHECK_MS 20
/* The data stage per command. Larger commands are faster (in the lab, raw
 * BOT reads ran 2.6x faster at 1 MiB than at 120 KiB on a high-speed
 * gadget, 7x on QEMU's SuperSpeed stick), and 1 MiB is what Linux itself
 * uses at SuperSpeed. usb-storage's own default at lower speeds is 240
 * sectors; a kernel limit below that is a quirk of the device (e.g.
 * US_FL_MAX_SECTORS_64), and is honoured. */
#define MAX_TRANSFER_DEFAULT (2048u * 512u)
#define USB_STORAGE_DEFAULT_MAX (240u * 512u)

enum { AHEAD_NONE, AHEAD_FLYING, AHEAD_HELD };

#define CLASS_MASS_STORAGE 0x08u
#define PROTO_BOT 0x50u
#define PROTO_UAS 0x62u

struct lu_pipe {
	struct usbmsc_pipe base;
	const struct usbmsc_lu_kind *kind;
	libusb_context *ctx;
	libusb_device_handle *h;
	struct libusb_transfer *xfer;
	int ifnum;
	bool claimed;
	bool detached;           /* a kernel driver was detached: reattach on close */
	bool gone;               /* the device left */
	bool broken;             /* a transfer could not be reaped: never free it */
	int completed;           /* set by xfer's callback */
	/* the CSW read-ahead */
	struct libusb_transfer *ahead;
	int ahead_completed;     /* set by its callback */
	uint8_t ahead_state;     /* AHEAD_* */
	uint8_t ahead_buf[USBMSC_CSW_LEN];
	char where[48];          /* "1-2 interface 0" */
	char driver[32];         /* the kernel driver that was detached */
	struct usbmsc_trace trace;
	volatile sig_atomic_t stop;
};

struct usb_transport {
	struct usbmsc_transport base;
	struct usbmsc_transport_ops ops;  /* usb_ops, named after the kind */
	struct usbmsc_transport *bot;     /* the BOT engine; owns the pipe */
	struct lu_pipe *pipe;
};

static struct lu_pipe *to_lu(struct usbmsc_pipe *p)
{
	return (struct lu_pipe *)p;
}

/* A stop asked for this transport (usbmsc_dev_interrupt) or for every one
 * (usbmsc_set_stop_flag). */
static bool stop_asked(const struct lu_pipe *p)
{
	return p->stop || usbmsc_stop_requested();
}

/* ---- libusb results -------------------------------------------------------- */

static int category_of(int r)
{
	switch (r) {
	case LIBUSB_ERROR_BUSY: return USBMSC_E_BUSY;
	case LIBUSB_ERROR_ACCESS: return USBMSC_E_ACCESS;
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND: return USBMSC_E_NO_DEVICE;
	case LIBUSB_ERROR_TIMEOUT: return USBMSC_E_TIMEOUT;
	default: return USBMSC_E_TRANSPORT;
	}
}

static int lu_fail(struct usbmsc_error *err, int r, const char *what, const char *where)
{
	if (r == LIBUSB_ERROR_ACCESS)
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "%s %s: permission denied (run as root, or give your user access "
				   "to the device with a udev rule)", what, where);
	if (r == LIBUSB_ERROR_BUSY)
		return usbmsc_fail(err, USBMSC_E_BUSY,
				   "%s %s: busy (another program or driver holds it)", what, where);
	return usbmsc_fail(err, category_of(r), "%s %s: %s", what, where, libusb_strerror(r));
}

/* An unplugged device first shows up as plain I/O errors: the host
 * controller drops the transfers before the kernel has processed the
 * disconnect. Give it a moment to, so that the caller hears "gone". */
static bool device_left(struct lu_pipe *p)
{
	int i, config;

	for (i = 0; i < GONE_CHECKS; i++) {
		if (libusb_get_configuration(p->h, &config) == LIBUSB_ERROR_NO_DEVICE) {
			p->gone = true;
			return true;
		}
		usbmsc_sleep_ms(GONE_CHECK_MS);
	}
	return false;
}

/* A finished transfer's result; timed_out: it was cancelled at its time-out. */
static int pipe_result(struct lu_pipe *p, enum libusb_transfer_status st, bool timed_out)
{
	if (st == LIBUSB_TRANSFER_CANCELLED && timed_out)
		return USBMSC_PIPE_TIMEOUT;
	switch (st) {
	case LIBUSB_TRANSFER_COMPLETED: return USBMSC_PIPE_OK;
	case LIBUSB_TRANSFER_STALL: return USBMSC_PIPE_STALL;
	case LIBUSB_TRANSFER_TIMED_OUT: return USBMSC_PIPE_TIMEOUT;
	case LIBUSB_TRANSFER_NO_DEVICE:
		p->gone = true;
		return USBMSC_PIPE_NO_DEVICE;
	case LIBUSB_TRANSFER_ERROR:
		return device_left(p) ? USBMSC_PIPE_NO_DEVICE : USBMSC_PIPE_ERROR;
	default:
		return USBMSC_PIPE_ERROR;   /* overflow, cancelled (interrupted) */
	}
}

static int submit_result(struct lu_pipe *p, int r)
{
	if (r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_NOT_FOUND) {
		p->gone = true;
		return USBMSC_PIPE_NO_DEVICE;
	}
	if (r == LIBUSB_ERROR_PIPE)
		return USBMSC_PIPE_STALL;
	if (r == LIBUSB_ERROR_TIMEOUT)
		return USBMSC_PIPE_TIMEOUT;
	return USBMSC_PIPE_ERROR;
}

/* ---- transfers in slices --------------------------------------------------- */

/* user_data is the transfer's completion flag. */
static void LIBUSB_CALL on_transfer_done(struct libusb_transfer *x)
{
	*(int *)x->user_data = 1;
}

/* Submit x (filled, without a libusb time-out) with its completion flag. */
static int submit(struct libusb_transfer *x, int *completed)
{
	*completed = 0;
	x->user_data = completed;
	x->callback = on_transfer_done;
	x->timeout = 0;
	return libusb_submit_transfer(x);
}

/* Wait for a submitted transfer, cancelling it after timeout_ms (0: no
 * limit) or, with interruptible, at a stop request. Returns 0 (the
 * transfer's status says how it went; *timed_out tells a time-out from
 * another cancellation) or a libusb error when events could not be
 * handled (the pipe is broken then). */
static int wait_for(struct lu_pipe *p, struct libusb_transfer *x, int *completed,
		    bool interruptible, unsigned timeout_ms, bool *timed_out)
{
	uint64_t deadline = timeout_ms ? usbmsc_clock_ms() + timeout_ms : 0;
	bool cancelled = false;
	int failures = 0, r;

	*timed_out = false;
	while (!*completed) {
		struct timeval tv = { 0, SLICE_MS * 1000 };

		if (interruptible && stop_asked(p) && !cancelled) {
			libusb_cancel_transfer(x);
			cancelled = true;
		}
		if (deadline && !cancelled) {
			uint64_t now = usbmsc_clock_ms();

			if (now >= deadline) {
				libusb_cancel_transfer(x);
				cancelled = true;
				*timed_out = true;
			} else if (deadline - now < SLICE_MS) {
				tv.tv_usec = (long)((deadline - now) * 1000u);   /* < 1 s */
			}
		}
		r = libusb_handle_events_timeout_completed(p->ctx, &tv, completed);
		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED) {
			if (!cancelled)
				libusb_cancel_transfer(x);
			cancelled = true;
			if (++failures > MAX_EVENT_FAILURES) {
				p->broken = true;   /* still owned by libusb */
				return r;
			}
		}
	}
	return 0;
}

/* Submit p->xfer and wait for it (see wait_for). */
static int run_transfer(struct lu_pipe *p, bool interruptible, unsigned timeout_ms,
			bool *timed_out)
{
	int r = submit(p->xfer, &p->completed);

	*timed_out = false;
	if (r != 0)
		return r;
	return wait_for(p, p->xfer, &p->completed, interruptible, timeout_ms, timed_out);
}

/* ---- the CSW read-ahead -------------------------------------------------------- */

/* A CBW in the pipe's framing without a data stage: its CSW comes next. */
static bool csw_follows(const struct lu_pipe *p, const uint8_t *buf, size_t len)
{
	return p->ahead && p->ahead_state == AHEAD_NONE && len == USBMSC_CBW_LEN &&
	       usbmsc_get_le32(buf) == usbmsc_cbw_signature((enum usbmsc_framing)p->base.framing) &&
	       usbmsc_get_le32(buf + 8) == 0;
}

static void start_ahead(struct lu_pipe *p)
{
	libusb_fill_bulk_transfer(p->ahead, p->h, p->base.ep_in, p->ahead_buf,
				  (int)sizeof p->ahead_buf, on_transfer_done, NULL, 0);
	if (submit(p->ahead, &p->ahead_completed) == 0)
		p->ahead_state = AHEAD_FLYING;
}

/* Before an operation other than a Bulk-In read: stop a read-ahead still
 * in flight; keep what it received (keep false: drop that too). */
static void settle_ahead(struct lu_pipe *p, bool keep)
{
	bool timed_out;

	if (p->ahead_state == AHEAD_FLYING) {
		libusb_cancel_transfer(p->ahead);
		if (wait_for(p, p->ahead, &p->ahead_completed, false, CLOSE_TIMEOUT_MS,
			     &timed_out) != 0 || !p->ahead_completed) {
			p->broken = true;       /* still libusb's: never reuse or free it */
			p->ahead_state = AHEAD_NONE;
			return;
		}
		p->ahead_state = p->ahead->status == LIBUSB_TRANSFER_COMPLETED ? AHEAD_HELD
										: AHEAD_NONE;
	}
	if (!keep)
		p->ahead_state = AHEAD_NONE;
}

/* A Bulk-In read with a read-ahead in flight or held: its result. */
static int take_ahead(struct lu_pipe *p, uint8_t *buf, size_t len, size_t *done,
		      unsigned timeout_ms)
{
	bool timed_out = false;
	size_t got;

	if (p->ahead_state == AHEAD_FLYING &&
	    wait_for(p, p->ahead, &p->ahead_completed, true, timeout_ms, &timed_out) != 0) {
		p->ahead_state = AHEAD_NONE;
		return USBMSC_PIPE_ERROR;
	}
	p->ahead_state = AHEAD_NONE;
	got = (size_t)p->ahead->actual_length;
	if (got > len)
		return USBMSC_PIPE_ERROR;    /* more than the read has room for: an overflow */
	if (got)
		memcpy(buf, p->ahead_buf, got);
	*done = got;
	return pipe_result(p, p->ahead->status, timed_out);
}

/* ---- the pipe ---------------------------------------------------------------- */

static int lu_usable(struct lu_pipe *p, bool interruptible)
{
	if (p->gone)
		return USBMSC_PIPE_NO_DEVICE;
	if (p->broken || !p->xfer || (interruptible && stop_asked(p)))
		return USBMSC_PIPE_ERROR;
	return USBMSC_PIPE_OK;
}

static int lu_bulk(struct usbmsc_pipe *base, bool in, uint8_t *buf, size_t len, size_t *done,
		   unsigned timeout_ms)
{
	struct lu_pipe *p = to_lu(base);
	bool timed_out = false;
	int r = lu_usable(p, true);

	*done = 0;
	if (r != USBMSC_PIPE_OK)
		return r;
	if (len > INT_MAX)
		return USBMSC_PIPE_ERROR;
	if (in && p->ahead_state != AHEAD_NONE)
		return take_ahead(p, buf, len, done, timeout_ms);
	settle_ahead(p, true);
	if (p->broken)
		return USBMSC_PIPE_ERROR;
	libusb_fill_bulk_transfer(p->xfer, p->h, in ? base->ep_in : base->ep_out, buf, (int)len,
				  on_transfer_done, NULL, 0);
	if (!in && csw_follows(p, buf, len)) {
		r = submit(p->xfer, &p->completed);
		if (r != 0)
			return submit_result(p, r);
		start_ahead(p);
		r = wait_for(p, p->xfer, &p->completed, true, timeout_ms, &timed_out);
		if (r == 0 && (p->xfer->status != LIBUSB_TRANSFER_COMPLETED ||
			       p->xfer->actual_length != (int)len))
			settle_ahead(p, false);  /* the CBW did not go out whole: no CSW to wait for */
	} else {
		r = run_transfer(p, true, timeout_ms, &timed_out);
	}
	if (r != 0)
		return submit_result(p, r);
	*done = (size_t)p->xfer->actual_length;
	return pipe_result(p, p->xfer->status, timed_out);
}

static int do_control(struct lu_pipe *p, bool interruptible, uint8_t request_type,
		      uint8_t request, uint16_t value, uint16_t index, uint8_t *data,
		      uint16_t len, size_t *done, unsigned timeout_ms)
{
	bool timed_out;
	uint8_t *setup;
	int r = lu_usable(p, interruptible);

	*done = 0;
	if (r != USBMSC_PIPE_OK)
		return r;
	/* A CSW received before a Mass Storage Reset is one the host would
	 * never have read. */
	settle_ahead(p, request != USBMSC_REQ_RESET || (request_type & LIBUSB_ENDPOINT_IN));
	if (p->broken)
		return USBMSC_PIPE_ERROR;
	setup = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)len);
	if (!setup)
		return USBMSC_PIPE_ERROR;
	libusb_fill_control_setup(setup, request_type, request, value, index, len);
	if (!(request_type & LIBUSB_ENDPOINT_IN) && len)
		memcpy(setup + LIBUSB_CONTROL_SETUP_SIZE, data, len);
	libusb_fill_control_transfer(p->xfer, p->h, setup, on_transfer_done, NULL, 0);
	r = run_transfer(p, interruptible, timeout_ms, &timed_out);
	if (r != 0) {
		if (!p->broken)
			free(setup);
		return submit_result(p, r);
	}
	*done = (size_t)p->xfer->actual_length;
	if ((request_type & LIBUSB_ENDPOINT_IN) && *done)
		memcpy(data, setup + LIBUSB_CONTROL_SETUP_SIZE, *done > len ? len : *done);
	free(setup);
	return pipe_result(p, p->xfer->status, timed_out);
}

static int lu_control(struct usbmsc_pipe *base, uint8_t request_type, uint8_t request,
		      uint16_t value, uint16_t index, uint8_t *data, uint16_t len, size_t *done,
		      unsigned timeout_ms)
{
	return do_control(to_lu(base), true, request_type, request, value, index, data, len, done,
			  timeout_ms);
}

static int lu_clear_halt(struct usbmsc_pipe *base, bool in, unsigned timeout_ms)
{
	struct lu_pipe *p = to_lu(base);
	int r = lu_usable(p, true);

	(void)timeout_ms;   /* usbfs runs CLEAR_FEATURE with its own 5 s limit */
	if (r != USBMSC_PIPE_OK)
		return r;
	settle_ahead(p, true);
	if (p->broken)
		return USBMSC_PIPE_ERROR;
	r = libusb_clear_halt(p->h, in ? base->ep_in : base->ep_out);
	return r == 0 ? USBMSC_PIPE_OK : submit_result(p, r);
}

static int lu_port_reset(struct usbmsc_pipe *base)
{
	struct lu_pipe *p = to_lu(base);
	int r = lu_usable(p, true);

	if (r != USBMSC_PIPE_OK)
		return r;
	settle_ahead(p, false);
	if (p->broken)
		return USBMSC_PIPE_ERROR;
	r = libusb_reset_device(p->h);
	if (r == 0)
		return USBMSC_PIPE_OK;
	/* NOT_FOUND: the device re-enumerated as a new device; this handle is dead. */
	return submit_result(p, r);
}

/* After an interrupted command the device may be mid-transfer: bring it
 * back to a known state before the kernel driver gets it again. */
static void repair_after_stop(struct lu_pipe *p)
{
	size_t done;

	if (!stop_asked(p) || p->gone || !p->claimed || p->broken || !p->xfer)
		return;
	do_control(p, false,
		   usbmsc_framing_request_type((enum usbmsc_framing)p->base.framing, false),
		   USBMSC_REQ_RESET, 0, (uint16_t)p->ifnum, NULL, 0, &done, CLOSE_TIMEOUT_MS);
	libusb_clear_halt(p->h, p->base.ep_in);
	libusb_clear_halt(p->h, p->base.ep_out);
	usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
			  "%s: stopped; Reset Recovery before giving the device back",
			  p->kind->scheme);
}

static void give_back(struct lu_pipe *p)
{
	int r;

	if (p->claimed) {
		libusb_release_interface(p->h, p->ifnum);
		p->claimed = false;
	}
	if (!p->detached)
		return;
	p->detached = false;
	r = libusb_attach_kernel_driver(p->h, p->ifnum);
	if (r == 0)
		usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "usb: reattached the kernel driver%s%s to %s",
				  p->driver[0] ? " " : "", p->driver, p->where);
	else if (r != LIBUSB_ERROR_NO_DEVICE && r != LIBUSB_ERROR_NOT_FOUND)
		usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "usb: could not reattach the kernel driver to %s: %s (unplug "
				  "and replug the device)", p->where, libusb_strerror(r));
}

static void lu_close(struct usbmsc_pipe *base)
{
	struct lu_pipe *p = to_lu(base);

	if (!p)
		return;
	if (p->h && p->ahead)
		settle_ahead(p, false);
	if (p->h) {
		repair_after_stop(p);
		give_back(p);
	}
	/* A transfer libusb never gave back may still call back into p: leak
	 * the lot rather than free what it points to. */
	if (p->broken)
		return;
	if (p->xfer)
		libusb_free_transfer(p->xfer);
	if (p->ahead)
		libusb_free_transfer(p->ahead);
	if (p->h)
		libusb_close(p->h);
	if (p->ctx)
		libusb_exit(p->ctx);
	free(p);
}

static const struct usbmsc_pipe_ops lu_pipe_ops = {
	.bulk = lu_bulk,
	.clear_halt = lu_clear_halt,
	.control = lu_control,
	.port_reset = lu_port_reset,
	.close = lu_close,
};

/* ---- the transport: the BOT engine plus the stop request --------------------- */

static struct usb_transport *to_usb(struct usbmsc_transport *t)
{
	return (struct usb_transport *)t;
}

/* The handle's settings (set by the device after open) reach the engine. */
static void sync_settings(struct usb_transport *u)
{
	u->bot->trace = u->base.trace;
	u->bot->timeout_ms = u->base.timeout_ms;
	u->pipe->trace = u->base.trace;
}

static int usb_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		    struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct usb_transport *u = to_usb(t);
	int rc;

	t->recovered = false;
	if (stop_asked(u->pipe)) {
		memset(res, 0, sizeof *res);
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, USBMSC_E_INTERRUPTED, "interrupted: stop requested");
	}
	sync_settings(u);
	rc = u->bot->ops->exec(u->bot, cmd, res, err);
	t->recovered = u->bot->recovered;
	if (rc != 0 && stop_asked(u->pipe)) {
		t->recovered = false;
		return usbmsc_fail(err, USBMSC_E_INTERRUPTED, "interrupted: stop requested");
	}
	return rc;
}

static int usb_reset(struct usbmsc_transport *t, struct usbmsc_error *err)
{
	struct usb_transport *u = to_usb(t);

	sync_settings(u);
	return u->bot->ops->reset(u->bot, err);
}

static int usb_max_lun(struct usbmsc_transport *t, uint8_t *max_lun, struct usbmsc_error *err)
{
	struct usb_transport *u = to_usb(t);

	sync_settings(u);
	return u->bot->ops->max_lun(u->bot, max_lun, err);
}

static void usb_interrupt(struct usbmsc_transport *t)
{
	to_usb(t)->pipe->stop = 1;
}

static void usb_close(struct usbmsc_transport *t)
{
	struct usb_transport *u = to_usb(t);

	if (!u)
		return;
	sync_settings(u);
	u->bot->ops->close(u->bot);   /* closes the pipe: release, reattach */
	free(u);
}

static struct usbmsc_pipe *usb_pipe(struct usbmsc_transport *t)
{
	return &to_usb(t)->pipe->base;
}

static const struct usbmsc_transport_ops usb_ops = {
	.name = "usb",
	.exec = usb_exec,
	.reset = usb_reset,
	.max_lun = usb_max_lun,
	.close = usb_close,
	.interrupt = usb_interrupt,
	.pipe = usb_pipe,
};

/* ---- finding the device -------------------------------------------------------- */

void usbmsc_lu_port_path(libusb_device *dev, char *buf, size_t len)
{
	uint8_t ports[USBMSC_MAX_PORT_DEPTH];
	int n = libusb_get_port_numbers(dev, ports, (int)sizeof ports);

	usbmsc_usb_port_path(libusb_get_bus_number(dev), ports, n > 0 ? (size_t)n : 0, buf, len);
}

/* The serial number: from the system when it knows it (no need to open
 * the device), else from the device. False when it cannot be read. */
static bool serial_of(libusb_device *dev, const struct libusb_device_descriptor *dd,
		      char *buf, size_t len)
{
	libusb_device_handle *h;
	char port[32];
	int n;

	usbmsc_lu_port_path(dev, port, sizeof port);
	if (usbmsc_os_backend.device_serial(port, buf, len))
		return true;
	if (!dd->iSerialNumber || libusb_open(dev, &h) != 0)
		return false;
	n = libusb_get_string_descriptor_ascii(h, dd->iSerialNumber, (unsigned char *)buf,
					       (int)len);
	libusb_close(h);
	return n >= 0;
}

static bool selector_matches(libusb_device *dev, const struct usbmsc_usb_selector *sel)
{
	struct libusb_device_descriptor dd;
	char path[32], want[32], serial[128];

	if (sel->by_port) {
		usbmsc_lu_port_path(dev, path, sizeof path);
		usbmsc_usb_port_path(sel->bus, sel->ports, sel->port_count, want, sizeof want);
		return strcmp(path, want) == 0;
	}
	if (libusb_get_device_descriptor(dev, &dd) != 0)
		return false;
	if (dd.idVendor != sel->vid || dd.idProduct != sel->pid)
		return false;
	if (!sel->has_serial)
		return true;
	return serial_of(dev, &dd, serial, sizeof serial) && strcmp(serial, sel->serial) == 0;
}

/* The one device the selector names (referenced: unref it). */
static int find_device(struct lu_pipe *p, const char *spec, const struct usbmsc_usb_selector *sel,
		       libusb_device **out, struct usbmsc_error *err)
{
	const char *scheme = p->kind->scheme;
	libusb_device **list;
	libusb_device *found = NULL;
	char paths[96] = "", path[32];
	size_t matches = 0;
	ssize_t n, i;

	*out = NULL;
	n = libusb_get_device_list(p->ctx, &list);
	if (n < 0)
		return lu_fail(err, (int)n, "listing USB devices for", spec);
	for (i = 0; i < n; i++) {
		if (!selector_matches(list[i], sel))
			continue;
		usbmsc_lu_port_path(list[i], path, sizeof path);
		if (strlen(paths) + strlen(path) + 3 < sizeof paths)
			snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s",
				 matches ? ", " : "", path);
		if (!found)
			found = libusb_ref_device(list[i]);
		matches++;
	}
	libusb_free_device_list(list, 1);
	if (matches == 1) {
		*out = found;
		return 0;
	}
	if (found)
		libusb_unref_device(found);
	if (matches == 0)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "no USB device matches %s:%s", scheme,
				   spec);
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "%zu USB devices match %s:%s (at %s): add the serial number, or "
			   "name one by its port (%s:BUS-PORT)", matches, scheme, spec, paths, scheme);
}

bool usbmsc_lu_bulk_pair(const struct libusb_interface_descriptor *alt,
			 struct usbmsc_lu_iface *bi)
{
	int e;

	bi->ep_in = bi->ep_out = 0;
	for (e = 0; e < alt->bNumEndpoints; e++) {
		const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];

		if ((ep->bmAttributes & 0x03u) != LIBUSB_TRANSFER_TYPE_BULK)
			continue;
		if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) && !bi->ep_in) {
			bi->ep_in = ep->bEndpointAddress;
			bi->max_packet = ep->wMaxPacketSize & 0x7FFu;
		} else if (!(ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) && !bi->ep_out) {
			bi->ep_out = ep->bEndpointAddress;
		}
	}
	return bi->ep_in && bi->ep_out;
}

/* usb:'s interface: the first Bulk-Only mass-storage interface of the
 * active configuration. */
static int find_bot_interface(libusb_device *dev, const char *spec, const char *where,
			      struct usbmsc_lu_iface *bi, struct usbmsc_error *err)
{
	struct libusb_config_descriptor *cfg;
	bool uas = false, msc = false;
	int i, a, r;

	(void)spec;
	r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r != 0)
		return lu_fail(err, r, "reading the configuration of", where);
	for (i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];

		for (a = 0; a < itf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *alt = &itf->altsetting[a];

			if (alt->bInterfaceClass != CLASS_MASS_STORAGE)
				continue;
			msc = true;
			uas = uas || alt->bInterfaceProtocol == PROTO_UAS;
			if (alt->bInterfaceProtocol != PROTO_BOT || !usbmsc_lu_bulk_pair(alt, bi))
				continue;
			bi->ifnum = alt->bInterfaceNumber;
			bi->alt = alt->bAlternateSetting;
			bi->config_value = cfg->bConfigurationValue;
			libusb_free_config_descriptor(cfg);
			return 0;
		}
	}
	libusb_free_config_descriptor(cfg);
	if (uas)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s speaks UAS only (interface protocol 0x62), and usb: needs "
				   "Bulk-Only (0x50): reach it through its sg node (SG_IO) instead",
				   where);
	if (msc)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s has no Bulk-Only mass-storage interface (protocol 0x50)", where);
	return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "%s is not a mass-storage device", where);
}

/* ---- before detaching: mounted file systems --------------------------------------- */

static int unmount_all(const struct usbmsc_device_info *info, const struct usbmsc_trace *tr,
		       struct usbmsc_error *err)
{
	size_t i, j;
	int rc;

	/* Last mounted first, so that nested mounts come off before their parents. */
	for (i = info->lun_count; i-- > 0;) {
		const struct usbmsc_lun_info *lun = &info->luns[i];

		for (j = lun->mount_count; j-- > 0;) {
			rc = usbmsc_os_backend.unmount(lun->mounts[j].mount_point, err);
			if (rc != 0)
				return rc;
			usbmsc_trace_emit(tr, USBMSC_TRACE_NOTE, NULL, 0, "usb: unmounted %s from %s",
					  lun->mounts[j].device, lun->mounts[j].mount_point);
		}
	}
	return 0;
}

/* The kernel's per-command limit for this disk when it is below
 * usb-storage's default (a quirk of the device), else 0. */
static uint32_t kernel_max_transfer(const struct usbmsc_device_info *info)
{
	uint32_t limit = usbmsc_os_backend.kernel_max_transfer(info);

	return limit < USB_STORAGE_DEFAULT_MAX ? limit : 0;
}

static int check_mounts(struct lu_pipe *p, const char *port, const struct usbmsc_lu_iface *bi,
			const struct usbmsc_open_opts *opts, uint32_t *max_transfer,
			struct usbmsc_error *err)
{
	struct usbmsc_device_info info;
	char text[USBMSC_ERRMSG_MAX];
	struct usbmsc_error why = { 0, "" };
	int rc;

	rc = usbmsc_os_backend.interface(port, bi->config_value, (uint8_t)bi->ifnum, &info, &why);
	if (rc == USBMSC_E_NO_DEVICE)
		return 0;       /* the kernel has no view of it: no kernel disk either */
	if (rc != 0)
		return usbmsc_fail(err, rc, "%s; not detaching the kernel driver without knowing "
				   "what is mounted", why.msg);
	snprintf(p->driver, sizeof p->driver, "%s", info.driver);
	*max_transfer = kernel_max_transfer(&info);
	if (*max_transfer)
		usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "usb: the kernel limits %s to %u bytes per command; keeping that",
				  p->where, *max_transfer);
	if (usbmsc_disc_mounts_text(&info, text, sizeof text)) {
		if (opts && opts->unmount)
			rc = unmount_all(&info, &p->trace, err);
		else
			rc = usbmsc_fail(err, USBMSC_E_BUSY, "%s", text);
	}
	usbmsc_disc_info_clear(&info);
	return rc;
}

/* ---- taking the interface ----------------------------------------------------- */

static int current_alt(struct lu_pipe *p, int ifnum)
{
	unsigned char alt = 0;
	int r = libusb_control_transfer(p->h, 0x81, LIBUSB_REQUEST_GET_INTERFACE, 0,
					(uint16_t)ifnum, &alt, 1, 1000);

	return r == 1 ? alt : -1;
}

/* usbv: never takes an interface from a driver: with one bound (anything
 * but usbfs, which is another program's claim), say which and stop. */
static int refuse_bound(struct lu_pipe *p, const char *port, const struct usbmsc_lu_iface *bi,
			struct usbmsc_error *err)
{
	char driver[32] = "";

	usbmsc_os_backend.interface_driver(port, bi->config_value, (uint8_t)bi->ifnum, driver,
					   sizeof driver);
	return usbmsc_fail(err, USBMSC_E_BUSY,
			   "%s is bound to the kernel driver %s%s%s; %s: never detaches a driver "
			   "from it (unbind the driver, or use auto:, which takes another door)",
			   p->where, driver[0] ? "'" : "", driver[0] ? driver : "of another program",
			   driver[0] ? "'" : "", p->kind->scheme);
}

/* Another program claimed the interface: name it where the system can
 * tell (who else has the device's usbfs node open). */
static int claimed_elsewhere(struct lu_pipe *p, struct usbmsc_error *err)
{
	libusb_device *dev = libusb_get_device(p->h);
	char node[64], holder[160];

	usbmsc_os_backend.usb_node_name(libusb_get_bus_number(dev), libusb_get_device_address(dev),
					p->where, node, sizeof node);
	if (usbmsc_os_backend.file_user(node, holder, sizeof holder))
		return usbmsc_fail(err, USBMSC_E_BUSY, "%s is claimed by another program (%s has "
				   "the device open)", p->where, holder);
	return usbmsc_fail(err, USBMSC_E_BUSY, "%s is claimed by another program", p->where);
}

static int take_interface(struct lu_pipe *p, const char *port, const struct usbmsc_lu_iface *bi,
			  struct usbmsc_error *err)
{
	int r;

	r = libusb_kernel_driver_active(p->h, bi->ifnum);
	if (r == 1 && !p->kind->detach)
		return refuse_bound(p, port, bi, err);
	if (r == 1) {
		r = libusb_detach_kernel_driver(p->h, bi->ifnum);
		if (r != 0 && r != LIBUSB_ERROR_NOT_FOUND)
			return lu_fail(err, r, "detaching the kernel driver from", p->where);
		if (r == 0) {
			p->detached = true;
			usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
					  "usb: detached the kernel driver%s%s from %s",
					  p->driver[0] ? " " : "", p->driver, p->where);
		}
	} else if (r < 0 && r != LIBUSB_ERROR_NOT_SUPPORTED) {
		return lu_fail(err, r, "asking for the kernel driver of", p->where);
	}
	r = libusb_claim_interface(p->h, bi->ifnum);
	if (r == LIBUSB_ERROR_BUSY)
		return claimed_elsewhere(p, err);
	if (r != 0)
		return lu_fail(err, r, "claiming", p->where);
	p->claimed = true;
	/* uas leaves its UAS alternate setting selected. */
	if (current_alt(p, bi->ifnum) != bi->alt) {
		r = libusb_set_interface_alt_setting(p->h, bi->ifnum, bi->alt);
		if (r != 0)
			return lu_fail(err, r, "selecting the alternate setting of", p->where);
	}
	return 0;
}

static int wrap(struct lu_pipe *p, uint32_t max_transfer, const struct usbmsc_open_opts *opts,
		struct usbmsc_transport **out, struct usbmsc_error *err)
{
	struct usbmsc_transport *bot;
	struct usb_transport *u;
	int rc = usbmsc_bot_transport_open(&p->base, max_transfer, &bot, err);

	if (rc != 0)
		return rc;      /* the engine closed the pipe: released, reattached */
	u = calloc(1, sizeof *u);
	if (!u) {
		bot->ops->close(bot);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	u->ops = usb_ops;
	u->ops.name = p->kind->scheme;
	u->base.ops = &u->ops;
	u->base.max_transfer = bot->max_transfer;
	u->base.timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms
			     : USBMSC_DEFAULT_TIMEOUT_MS;
	u->base.trace = p->trace;
	u->bot = bot;
	u->pipe = p;
	sync_settings(u);
	*out = &u->base;
	return 0;
}

/* Open the device node; "permission denied" says how to get access. */
static int open_handle(struct lu_pipe *p, libusb_device *dev, const char *port,
		       struct usbmsc_error *err)
{
	char node[64];
	int r = libusb_open(dev, &p->h);

	if (r == 0)
		return 0;
	p->h = NULL;
	usbmsc_os_backend.usb_node_name(libusb_get_bus_number(dev), libusb_get_device_address(dev),
					port, node, sizeof node);
	if (r == LIBUSB_ERROR_ACCESS && p->kind->access_hint)
		return usbmsc_fail(err, USBMSC_E_ACCESS, "opening %s: permission denied (%s)",
				   node, p->kind->access_hint);
	return lu_fail(err, r, "opening", node);
}

static void describe(const struct lu_pipe *p, const struct usbmsc_lu_iface *bi,
		     uint32_t max_transfer)
{
	if (p->kind->detach)
		usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "usb: raw Bulk-Only Transport on %s (endpoints 0x%02x/0x%02x, "
				  "%u-byte packets), max transfer %u bytes", p->where, bi->ep_in,
				  bi->ep_out, bi->max_packet, max_transfer);
	else
		usbmsc_trace_emit(&p->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "%s: the vendor interface, %s (endpoints 0x%02x/0x%02x, "
				  "%u-byte packets), max transfer %u bytes; the mass-storage "
				  "interface stays with its driver", p->kind->scheme, p->where,
				  bi->ep_in, bi->ep_out, bi->max_packet, max_transfer);
}

static int open_pipe(struct lu_pipe *p, const char *spec, const struct usbmsc_usb_selector *sel,
		     const struct usbmsc_open_opts *opts, uint32_t *max_transfer,
		     struct usbmsc_error *err)
{
	struct usbmsc_lu_iface bi = { 0 };
	libusb_device *dev;
	char port[32];
	int r, rc;

	r = libusb_init(&p->ctx);
	if (r != 0) {
		p->ctx = NULL;
		return usbmsc_fail(err, USBMSC_E_OTHER, "libusb_init failed: %s", libusb_strerror(r));
	}
	rc = find_device(p, spec, sel, &dev, err);
	if (rc != 0)
		return rc;
	usbmsc_lu_port_path(dev, port, sizeof port);
	rc = p->kind->find(dev, spec, port, &bi, err);
	if (rc == 0) {
		snprintf(p->where, sizeof p->where, "%s interface %d", port, bi.ifnum);
		rc = open_handle(p, dev, port, err);
	}
	/* Only once we know we may open it: nothing is unmounted in vain. */
	*max_transfer = 0;
	if (rc == 0 && p->kind->detach)
		rc = check_mounts(p, port, &bi, opts, max_transfer, err);
	if (rc == 0 && *max_transfer == 0)
		*max_transfer = MAX_TRANSFER_DEFAULT;
	libusb_unref_device(dev);
	if (rc != 0)
		return rc;
	p->ifnum = bi.ifnum;
	p->base.interface = (uint8_t)bi.ifnum;
	p->base.ep_in = bi.ep_in;
	p->base.ep_out = bi.ep_out;
	p->base.max_packet = bi.max_packet;
	p->base.framing = p->kind->framing;
	rc = take_interface(p, port, &bi, err);
	if (rc != 0)
		return rc;
	p->xfer = libusb_alloc_transfer(0);
	if (!p->xfer)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	p->ahead = libusb_alloc_transfer(0);    /* without it, no read-ahead */
	describe(p, &bi, *max_transfer);
	return 0;
}

int usbmsc_lu_open(const struct usbmsc_lu_kind *kind, const char *spec,
		   const struct usbmsc_open_opts *opts, struct usbmsc_transport **out,
		   struct usbmsc_error *err)
{
	struct usbmsc_usb_selector sel;
	uint32_t max_transfer = 0;
	struct lu_pipe *p;
	int rc;

	*out = NULL;
	rc = usbmsc_usb_selector_parse(spec, &sel, err);
	if (rc != 0)
		return rc;
	p = calloc(1, sizeof *p);
	if (!p)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	p->base.ops = &lu_pipe_ops;
	p->kind = kind;
	if (opts)
		p->trace = opts->trace;
	rc = open_pipe(p, spec, &sel, opts, &max_transfer, err);
	if (rc != 0) {
		lu_close(&p->base);     /* gives back whatever was taken */
		return rc;
	}
	return wrap(p, max_transfer, opts, out, err);
}

static const struct usbmsc_lu_kind usb_kind = {
	.scheme = "usb",
	.framing = USBMSC_FRAMING_BOT,
	.detach = true,
	.find = find_bot_interface,
	.access_hint = "run as root, or give your user access to the device with a udev rule",
};

int usbmsc_usb_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err)
{
	(void)uri;
	return usbmsc_lu_open(&usb_kind, spec, opts, out, err);
}

#else /* !USBMSC_HAVE_LIBUSB */

int usbmsc_usb_open(const char *uri, const char *spec, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err)
{
	(void)uri;
	(void)opts;
	*out = NULL;
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "usb:%s: this usbmsc was built without libusb (raw USB is not available)",
			   spec);
}

#endif /* USBMSC_HAVE_LIBUSB */
