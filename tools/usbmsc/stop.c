/* Stopping on SIGINT, SIGTERM and SIGHUP while a device is open (cli.h). */
#include "cli.h"

#include <signal.h>
#include <string.h>

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
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;

	usbmsc_set_stop_flag(&stop_flag);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;   /* no SA_RESTART: a blocked SG_IO or write returns */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* A signal the shell told us to ignore stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

bool cli_stopped(void)
{
	return stop_signal != 0;
}

int cli_stop_status(int st)
{
	return st != 0 && stop_signal ? USBMSC_E_INTERRUPTED : st;
}
