/* Messages on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int gadget_verbosity;

static void vlog(const char *fmt, va_list ap)
{
	fputs("usbmsc-gadget: ", stderr);
	if (gadget_verbosity >= 3) {  /* transfer tracing: when each event happened */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(stderr, "%ld.%06ld ", (long)ts.tv_sec, ts.tv_nsec / 1000);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void gadget_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void gadget_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (gadget_verbosity < level)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
