/* Stopping on SIGINT, SIGTERM and SIGHUP (the console's Ctrl-C,
 * Ctrl-Break and close on Windows) while a device is open (cli.h). */
#include "cli.h"
#include "compat.h"

#include <signal.h>

/* The library polls stop_flag (usbmsc_set_stop_flag); stop_signal keeps
 * which signal asked, for the exit status. */
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t stop_signal;

void cli_note_stop_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
}

static void on_stop(int sig)
{
	cli_note_stop_signal(sig);
	stop_flag = 1;
}

void cli_catch_stop_signals(void)
{
	usbmsc_set_stop_flag(&stop_flag);
	cli_compat_catch_stops(CLI_STOP_ALL, on_stop, false);
}

bool cli_stopped(void)
{
	return stop_signal != 0;
}

int cli_stop_status(int st)
{
	return st != 0 && stop_signal ? USBMSC_E_INTERRUPTED : st;
}
