/* The command's system needs on POSIX systems (compat.h): signals. */
#include "compat.h"

#include <signal.h>
#include <string.h>

static const int all_signals[] = { SIGINT, SIGTERM, SIGHUP };

static struct sigaction saved[3];
static bool saved_set[3];

void cli_compat_catch_stops(enum cli_stops which, void (*on_stop)(int sig), bool once)
{
	size_t n = which == CLI_STOP_ALL ? 3 : 1;
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;   /* no SA_RESTART: a blocked SG_IO or write returns */
	sa.sa_flags = once ? SA_RESETHAND : 0;
	sigemptyset(&sa.sa_mask);
	memset(saved_set, 0, sizeof saved_set);
	for (size_t i = 0; i < n; i++) {
		if (sigaction(all_signals[i], NULL, &saved[i]) != 0 ||
		    saved[i].sa_handler == SIG_IGN)
			continue;
		saved_set[i] = sigaction(all_signals[i], &sa, NULL) == 0;
	}
}

void cli_compat_restore_stops(void)
{
	for (size_t i = 0; i < 3; i++)
		if (saved_set[i])
			sigaction(all_signals[i], &saved[i], NULL);
	memset(saved_set, 0, sizeof saved_set);
}

void cli_compat_binary_stdio(void)
{
}
