/* Trace events for -v: formatted here, printed (or not) by the caller. */
#include "usbmsc/initiator.h"

#include <stdarg.h>
#include <stdio.h>

void usbmsc_trace_emit(const struct usbmsc_trace *tr, enum usbmsc_trace_kind kind,
		       const uint8_t *bytes, size_t len, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (!tr || !tr->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	tr->fn(tr->ctx, kind, text, bytes, len);
}
