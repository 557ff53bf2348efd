/* The device session: opening the URI with the global options, and the
 * power-on unit attention that a freshly attached device reports. */
#include "cli.h"

#include <string.h>

#include "usbmsc/lock.h"

int cli_open(struct cli *c)
{
	struct usbmsc_open_opts opts = {
		.timeout_ms = c->timeout_ms,
		.trace = cli_trace_for(c),
		.unmount = c->unmount,
	};
	struct usbmsc_error err = { 0 };
	int st;

	if (c->dev)
		return 0;
	if (!c->device)
		return cli_usage(c, "no device: give -d URI or set USBMSC_DEVICE");
	st = usbmsc_open(c->device, &opts, &c->dev, &err);
	if (st == 0) {
		cli_catch_stop_signals();
		return 0;
	}
	c->dev = NULL;
	return cli_fail(c, st, "%s", err.msg[0] ? err.msg : usbmsc_status_name(st));
}

int cli_open_locked(struct cli *c)
{
	struct usbmsc_error err = { 0 };
	int st = cli_open(c);

	if (st || c->lock)
		return st;
	st = usbmsc_lock_device(c->dev, c->lun, &c->lock, &err);
	return st ? cli_fail(c, st, "%s", err.msg) : 0;
}

bool cli_again(struct cli *c, int st, const struct usbmsc_result *res)
{
	struct usbmsc_sense sense;
	char text[160];

	if (st != USBMSC_E_UNIT_ATTENTION || c->reset_seen ||
	    res->outcome != USBMSC_OUTCOME_CHECK_CONDITION ||
	    !usbmsc_sense_decode(res->sense, res->sense_len, &sense) || sense.asc != 0x29)
		return false;
	c->reset_seen = true;
	if (c->verbose) {
		usbmsc_sense_describe(&sense, text, sizeof text);
		fprintf(stderr, "usbmsc: note: the device reports a power on or reset (%s); "
			"sending the command again\n", text);
	}
	return true;
}
