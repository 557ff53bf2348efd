/* The command's system needs on Windows (compat.h): the console's stop
 * events, and binary standard streams. */
#include "compat.h"

#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>

/* The handler in force and the one before it (one level: what
 * cli_compat_restore_stops puts back). */
struct stops {
	void (*fn)(int);
	enum cli_stops which;
	bool once;
	volatile LONG fired;
};

static struct stops now, before;

/* The console's event as the signal a POSIX system would send. */
static int signal_of(DWORD event)
{
	switch (event) {
	case CTRL_C_EVENT: return SIGINT;
	case CTRL_BREAK_EVENT: return SIGBREAK;
	default: return SIGTERM;   /* the console closes, the user logs off */
	}
}

/* Runs on a thread the system makes for it. FALSE passes the event on:
 * to the default handler, which ends the program. */
static BOOL WINAPI on_console(DWORD event)
{
	if (!now.fn || (now.which == CLI_STOP_INTERRUPT && event != CTRL_C_EVENT))
		return FALSE;
	if (now.once && InterlockedExchange(&now.fired, 1))
		return FALSE;
	now.fn(signal_of(event));
	return TRUE;
}

void cli_compat_catch_stops(enum cli_stops which, void (*on_stop)(int sig), bool once)
{
	static bool installed;

	before = now;
	now.fn = on_stop;
	now.which = which;
	now.once = once;
	now.fired = 0;
	if (!installed)
		installed = SetConsoleCtrlHandler(on_console, TRUE);
}

void cli_compat_restore_stops(void)
{
	now = before;
	memset(&before, 0, sizeof before);
}

/* stderr too: every line the command writes ends in LF, as elsewhere
 * (the console shows that as a new line). */
void cli_compat_binary_stdio(void)
{
	_setmode(_fileno(stdin), _O_BINARY);
	_setmode(_fileno(stdout), _O_BINARY);
	_setmode(_fileno(stderr), _O_BINARY);
}
