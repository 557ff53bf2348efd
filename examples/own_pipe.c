/* Bring your own bulk pipe: an application that already holds the USB
 * interface (a WinUSB handle on Windows, an IOUSBHostInterface on macOS,
 * a WebUSB-like binding...) runs usbmsc's Bulk-Only Transport engine over
 * it, and gets every command of the library (INQUIRY, READ, WRITE, vendor
 * commands, firmware update) without giving the device to usbmsc.
 *
 *   own_pipe IMAGE
 *
 * The pipe is five functions (struct usbmsc_pipe_ops in usbmsc/initiator.h).
 * So that this example runs anywhere, its "device" is the virtual device
 * (usbmsc/sim.h) and each function forwards to the virtual device's own
 * pipe; the comments show the WinUSB and IOUSBHost calls that take its
 * place in a real application.
 *
 * Build: cc own_pipe.c $(pkg-config --cflags --libs usbmsc)
 * Try:   ./own_pipe /tmp/disk.img */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <usbmsc/usbmsc.h>

struct app_pipe {
	struct usbmsc_pipe base;     /* first: the engine sees only this */
	/* What the application holds. Windows: the device HANDLE and its
	 * WINUSB_INTERFACE_HANDLE. macOS: the IOUSBHostInterface and its two
	 * IOUSBHostPipes. Here: the virtual device's pipe, standing in. */
	struct usbmsc_pipe *dev;
	unsigned long transfers;     /* to show that the engine came through here */
};

static struct app_pipe *app(struct usbmsc_pipe *p)
{
	return (struct app_pipe *)p;
}

/* One bulk transfer; *done is the bytes moved even on failure.
 *   WinUSB:   ok = in ? WinUsb_ReadPipe(w, ep_in, buf, len, &n, NULL)
 *                     : WinUsb_WritePipe(w, ep_out, buf, len, &n, NULL);
 *             (the time-out is the pipe's PIPE_TRANSFER_TIMEOUT policy,
 *             set with WinUsb_SetPipePolicy when it changes)
 *             GetLastError(): ERROR_GEN_FAILURE -> USBMSC_PIPE_STALL,
 *             ERROR_SEM_TIMEOUT -> USBMSC_PIPE_TIMEOUT,
 *             ERROR_DEVICE_NOT_CONNECTED -> USBMSC_PIPE_NO_DEVICE.
 *   IOUSBHost: [pipe sendIORequestWithData:data bytesTransferred:&n
 *             completionTimeout:secs error:&e]; kUSBHostReturnPipeStalled
 *             -> STALL, kIOReturnTimeout -> TIMEOUT, kIOReturnNoDevice ->
 *             NO_DEVICE. */
static int app_bulk(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		    unsigned timeout_ms)
{
	struct usbmsc_pipe *d = app(p)->dev;

	app(p)->transfers++;
	return d->ops->bulk(d, in, buf, len, done, timeout_ms);
}

/* CLEAR_FEATURE(ENDPOINT_HALT).
 *   WinUSB:   WinUsb_ResetPipe(w, in ? ep_in : ep_out) (the host side too).
 *   IOUSBHost: [pipe clearStallWithError:&e]. */
static int app_clear_halt(struct usbmsc_pipe *p, bool in, unsigned timeout_ms)
{
	struct usbmsc_pipe *d = app(p)->dev;

	return d->ops->clear_halt(d, in, timeout_ms);
}

/* A control transfer: the class (or vendor) requests Reset and Get Max LUN.
 *   WinUSB:   WINUSB_SETUP_PACKET s = { request_type, request, value, index,
 *             len }; WinUsb_ControlTransfer(w, s, data, len, &n, NULL).
 *   IOUSBHost: [interface sendDeviceRequest:req data:data
 *             bytesTransferred:&n completionTimeout:secs error:&e]. */
static int app_control(struct usbmsc_pipe *p, uint8_t request_type, uint8_t request,
		       uint16_t value, uint16_t index, uint8_t *data, uint16_t len, size_t *done,
		       unsigned timeout_ms)
{
	struct usbmsc_pipe *d = app(p)->dev;

	return d->ops->control(d, request_type, request, value, index, data, len, done,
			       timeout_ms);
}

/* Release what the application opened.
 *   WinUSB:   WinUsb_Free(w); CloseHandle(device).
 *   IOUSBHost: [interface destroy]. */
static void app_close(struct usbmsc_pipe *p)
{
	struct usbmsc_pipe *d = app(p)->dev;

	printf("%lu bulk transfers went through the application's pipe\n", app(p)->transfers);
	d->ops->close(d);    /* closing the virtual device's pipe destroys it */
	free(p);
}

/* No USB port reset: neither WinUSB nor an unprivileged IOUSBHost client
 * can do one, so the engine recovers with Reset Recovery alone. */
static const struct usbmsc_pipe_ops app_ops = {
	.bulk = app_bulk,
	.clear_halt = app_clear_halt,
	.control = app_control,
	.port_reset = NULL,
	.close = app_close,
};

/* The "device" the application holds: here a virtual one. */
static struct app_pipe *app_pipe_open(const char *image, struct usbmsc_error *err)
{
	struct usbmsc_sim *sim;
	struct usbmsc_pipe *d;
	struct app_pipe *a;

	if (usbmsc_sim_create(image, "", &sim, err) != USBMSC_OK)
		return NULL;
	d = usbmsc_sim_pipe(sim);
	a = calloc(1, sizeof *a);
	if (!a) {
		d->ops->close(d);
		usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
		return NULL;
	}
	a->dev = d;
	a->base.ops = &app_ops;
	/* From the interface's descriptors (WinUsb_QueryInterfaceSettings and
	 * WinUsb_QueryPipe; IOUSBHostInterface's endpoint descriptors). */
	a->base.interface = d->interface;
	a->base.ep_in = d->ep_in;
	a->base.ep_out = d->ep_out;
	a->base.max_packet = d->max_packet;
	/* The mass-storage interface speaks BOT; a usbmsc device's vendor
	 * interface (the one WinUSB binds to) speaks USBMSC_FRAMING_VENDOR. */
	a->base.framing = USBMSC_FRAMING_BOT;
	return a;
}

int main(int argc, char **argv)
{
	static uint8_t block[4096], back[4096];
	struct usbmsc_transport *t;
	struct usbmsc_dev *dev;
	struct usbmsc_error err;
	struct usbmsc_result res;
	struct usbmsc_inquiry inq;
	struct app_pipe *a;
	uint64_t blocks;
	uint32_t bs;
	int status, tries;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
		return USBMSC_E_USAGE;
	}
	a = app_pipe_open(argv[1], &err);
	/* The engine takes the pipe (and closes it with the device). The
	 * largest transfer is the application's choice: 64 KiB here. */
	if (!a || usbmsc_bot_transport_open(&a->base, 64u * 1024u, &t, &err) != USBMSC_OK ||
	    usbmsc_dev_from_transport(t, &dev, &err) != USBMSC_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return err.status;
	}

	/* A fresh device reports its power-on unit attention first. */
	for (tries = 0; tries < 3; tries++)
		if ((status = usbmsc_test_unit_ready(dev, 0, &res)) != USBMSC_E_UNIT_ATTENTION)
			break;
	if (status == USBMSC_OK)
		status = usbmsc_inquiry(dev, 0, &inq, &res);
	if (status == USBMSC_OK) {
		printf("INQUIRY: %s %s %s\n", inq.vendor, inq.product, inq.revision);
		status = usbmsc_read_capacity(dev, 0, &blocks, &bs, &res);
	}
	if (status == USBMSC_OK && bs <= sizeof block) {
		printf("capacity: %llu blocks of %u bytes\n", (unsigned long long)blocks, bs);
		memset(block, 0x5A, bs);
		memcpy(block, "written through the app's pipe", 30);
		status = usbmsc_write_blocks(dev, 0, 1, 1, bs, block, &res);
		if (status == USBMSC_OK)
			status = usbmsc_read_blocks(dev, 0, 1, 1, bs, back, &res);
		if (status == USBMSC_OK)
			printf("block 1 %s\n",
			       memcmp(block, back, bs) ? "differs" : "read back intact");
	}
	if (status != USBMSC_OK)
		fprintf(stderr, "failed (%s): %s\n", usbmsc_status_name(status),
			usbmsc_dev_errmsg(dev));
	usbmsc_close(dev);
	return status;
}
