/* What the command needs from the system beyond the library's OS layer
 * (src/os/os_file.h, os_clock.h, which the command uses too): stop
 * requests. compat_posix.c catches SIGINT, SIGTERM and SIGHUP;
 * compat_windows.c the console's Ctrl-C, Ctrl-Break and close, through
 * SetConsoleCtrlHandler, whose handler runs on a thread of its own (the
 * handlers here only set flags, as a signal handler does). Also the
 * standard streams in binary mode, for data through pipes. */
#ifndef USBMSC_CLI_COMPAT_H
#define USBMSC_CLI_COMPAT_H

#include <stdbool.h>

/* Which stop requests: Ctrl-C (SIGINT) alone, or every one (with SIGTERM
 * and SIGHUP, and on Windows Ctrl-Break and the console closing). */
enum cli_stops { CLI_STOP_INTERRUPT, CLI_STOP_ALL };

/* Call on_stop(signal number) at each stop request from now on. A request
 * that was ignored when the program started (nohup, a shell's `trap ''`)
 * stays ignored. once: the second request ends the program as if nothing
 * were caught (SA_RESETHAND). The handlers in place before are kept, for
 * cli_compat_restore_stops. */
void cli_compat_catch_stops(enum cli_stops which, void (*on_stop)(int sig), bool once);
/* Put back what the last cli_compat_catch_stops replaced. */
void cli_compat_restore_stops(void);

/* The standard streams carry bytes as they are (Windows translates line
 * ends in text mode, its default); nothing to do elsewhere. */
void cli_compat_binary_stdio(void);

#endif
