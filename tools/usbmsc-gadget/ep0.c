/* FunctionFS ep0 events. */
#include "ep0.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/usb/functionfs.h>

#include "ffs_desc.h"
#include "log.h"
#include "usbmsc/bot.h"

static int write_blob(int fd, const uint8_t *blob, size_t len, const char *what, char *err,
		      size_t err_len)
{
	ssize_t n = write(fd, blob, len);

	if (n == (ssize_t)len)
		return 0;
	snprintf(err, err_len, "FunctionFS refused the %s: %s", what,
		 n < 0 ? strerror(errno) : "short write");
	return -1;
}

int ep0_write_blobs(int fd, bool vendor_if, char *err, size_t err_len)
{
	uint8_t blob[FFS_DESC_MAX];
	size_t n;

	n = ffs_build_descriptors(blob, sizeof(blob), vendor_if);
	if (n == 0 || write_blob(fd, blob, n, "descriptors", err, err_len) != 0)
		return -1;
	n = ffs_build_strings(blob, sizeof(blob), vendor_if);
	if (n == 0 || write_blob(fd, blob, n, "strings", err, err_len) != 0)
		return -1;
	return 0;
}

void ep0_init(struct ep0 *e, int fd, struct bulk *const *bulk, unsigned doors)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->doors = doors < FFS_DOORS ? doors : FFS_DOORS;
	for (unsigned i = 0; i < e->doors; i++)
		e->bulk[i] = bulk[i];
}

static void each_bulk(struct ep0 *e, void (*fn)(struct bulk *))
{
	for (unsigned i = 0; i < e->doors; i++)
		fn(e->bulk[i]);
}

/* ep0 halts when the data stage goes the wrong way: a read for an IN
 * request, a write for an OUT one. */
static void stall(struct ep0 *e, const uint8_t setup[8])
{
	ssize_t n;

	e->stalls++;
	if (setup[0] & 0x80)
		n = read(e->fd, NULL, 0);
	else
		n = write(e->fd, NULL, 0);
	if (n < 0 && errno != EL2HLT)
		gadget_debug(1, "ep0: stall failed: %s", strerror(errno));
}

/* The status stage of an OUT request without data. */
static void ack(struct ep0 *e)
{
	if (read(e->fd, NULL, 0) < 0)
		gadget_debug(1, "ep0: status stage failed: %s", strerror(errno));
}

static void reply(struct ep0 *e, const uint8_t *data, size_t len)
{
	ssize_t n = write(e->fd, data, len);

	if (n != (ssize_t)len)
		gadget_debug(1, "ep0: reply failed: %s", n < 0 ? strerror(errno) : "short write");
}

/* A class or vendor request to interface door: its target core answers
 * those of its framing (bot.h) and refuses the others. */
static void interface_request(struct ep0 *e, unsigned door, const uint8_t setup[8],
			      uint16_t length)
{
	uint8_t data[8];
	int n = bulk_class_request(e->bulk[door], setup, data);

	if (n < 0)
		stall(e, setup);
	else if (setup[0] & 0x80)
		reply(e, data, (size_t)n < length ? (size_t)n : length);
	else
		ack(e);
	if (setup[1] == USBMSC_REQ_RESET && n == 0)
		gadget_debug(1, "%s Reset", door == FFS_DOOR_MSC ? "Mass Storage" : "vendor interface");
}

void ep0_setup(struct ep0 *e, const uint8_t setup[8])
{
	uint8_t type = setup[0] & 0x60, recipient = setup[0] & 0x1F;
	uint16_t value = (uint16_t)(setup[2] | setup[3] << 8);
	uint16_t index = (uint16_t)(setup[4] | setup[5] << 8);
	uint16_t length = (uint16_t)(setup[6] | setup[7] << 8);

	e->setups++;
	gadget_debug(2, "ep0: SETUP %02x %02x value %04x index %04x length %u", setup[0],
		     setup[1], value, index, (unsigned)length);
	/* FunctionFS has put the function's own interface number in wIndex. */
	if ((type == 0x20 || type == 0x40) && recipient == 0x01 && index < e->doors) {
		interface_request(e, index, setup, length);
		return;
	}
	/* CLEAR_FEATURE(ENDPOINT_HALT), if the UDC lets it through; wIndex is
	 * the endpoint's position (ffs_desc.h). */
	if (setup[0] == 0x02 && setup[1] == 0x01 && value == 0 && length == 0 && index >= 1 &&
	    index <= 2u * e->doors) {
		unsigned pos = index - 1u;

		bulk_clear_feature(e->bulk[pos / 2], pos % 2 == 0 ? BULK_IN : BULK_OUT);
		ack(e);
		return;
	}
	stall(e, setup);
}

static const char *event_name(uint8_t type)
{
	static const char *const names[] = { "BIND", "UNBIND", "ENABLE", "DISABLE",
					     "SETUP", "SUSPEND", "RESUME" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

static void event(struct ep0 *e, const struct usb_functionfs_event *ev)
{
	if (ev->type != FUNCTIONFS_SETUP)
		gadget_debug(1, "ep0: %s", event_name(ev->type));
	switch (ev->type) {
	case FUNCTIONFS_BIND:
		e->bound = true;
		break;
	case FUNCTIONFS_UNBIND:
		e->bound = false;
		e->enabled = false;
		each_bulk(e, bulk_disable);
		break;
	case FUNCTIONFS_ENABLE:
		/* A configuration was set: after enumeration, and after every
		 * bus reset the host makes (usb-storage's recovery). */
		e->enabled = true;
		e->suspended = false;
		each_bulk(e, bulk_enable);
		break;
	case FUNCTIONFS_DISABLE:
		/* Disconnect, bus reset or deconfiguration: f_fs has already
		 * disabled the endpoints; drain what was queued on them. */
		e->enabled = false;
		each_bulk(e, bulk_disable);
		break;
	case FUNCTIONFS_SETUP:
		ep0_setup(e, (const uint8_t *)&ev->u.setup);
		break;
	case FUNCTIONFS_SUSPEND:
		e->suspended = true;
		break;
	case FUNCTIONFS_RESUME:
		e->suspended = false;
		break;
	default:
		break;
	}
}

int ep0_handle(struct ep0 *e)
{
	struct usb_functionfs_event ev[8];
	ssize_t n = read(e->fd, ev, sizeof(ev));

	if (n < 0) {
		/* EIDRM: a SETUP was cancelled (disconnect) before we answered
		 * it; f_fs says so once, then goes on. */
		if (errno == EAGAIN || errno == EINTR || errno == EIDRM)
			return 0;
		return -errno;
	}
	for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
		event(e, &ev[i]);
	return 0;
}
