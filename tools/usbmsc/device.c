/* The device session: opening the URI with the global options, and the
 * power-on unit attention that a freshly attached device reports. */
#include "cli.h"

#include <signal.h>
#include <string.h>

/* SIGINT, SIGTERM, SIGHUP while a device is open: ask the library to stop
 * (async-signal-safe), so that the command fails promptly and main()
 * closes the device normally; a usb: session then gets its kernel driver
 * back instead of leaving the device without one. */
static struct usbmsc_dev *volatile open_dev;

static void on_stop_signal(int sig)
{
	(void)sig;
	if (open_dev)
		usbmsc_dev_interrupt(open_dev);
}

static void catch_stop_signals(struct usbmsc_dev *dev)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;

	open_dev = dev;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;   /* no SA_RESTART: a blocked SG_IO returns */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* A signal the shell told us to ignore stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

int cli_open(struct cli *c)
{
	struct usbmsc_open_opts opts = {
		.timeout_ms = c->timeout_ms,
		.trace = { .fn = cli_trace, .ctx = c },
		.unmount = c->unmount,
	};
	struct usbmsc_error err = { 0 };
	int st;

	if (c->dev)
		return 0;
	if (!c->device)
		return cli_usage(c, "no device: give -d URI or set USBMSC_DEVICE");
	/* A bare file name is the commonest slip ("-d disk.img"): no such
	 * device, and say which URI was probably meant. Device nodes are the
	 * only URIs without a scheme. */
	if (!strchr(c->device, ':') && strncmp(c->device, "/dev/", 5) != 0)
		return cli_fail(c, USBMSC_E_NO_DEVICE,
				"'%s' is not a device URI: it has no scheme (did you mean 'sim:%s'?)",
				c->device, c->device);
	st = usbmsc_open(c->device, &opts, &c->dev, &err);
	if (st == 0) {
		catch_stop_signals(c->dev);
		return 0;
	}
	c->dev = NULL;
	return cli_fail(c, st, "%s", err.msg[0] ? err.msg : usbmsc_status_name(st));
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
