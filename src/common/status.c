/* Result categories: names, the sense-key mapping, error filling. */
#include "usbmsc/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *usbmsc_status_name(int status)
{
	switch (status) {
	case USBMSC_OK: return "ok";
	case USBMSC_E_USAGE: return "usage";
	case USBMSC_E_NOT_READY: return "not-ready";
	case USBMSC_E_MEDIUM: return "medium-error";
	case USBMSC_E_ILLEGAL_REQUEST: return "illegal-request";
	case USBMSC_E_UNIT_ATTENTION: return "unit-attention";
	case USBMSC_E_DATA_PROTECT: return "data-protect";
	case USBMSC_E_ABORTED: return "aborted-command";
	case USBMSC_E_FILE: return "file-error";
	case USBMSC_E_NO_DEVICE: return "no-device";
	case USBMSC_E_BUSY: return "busy";
	case USBMSC_E_ACCESS: return "permission-denied";
	case USBMSC_E_TIMEOUT: return "timeout";
	case USBMSC_E_TRANSPORT: return "transport-error";
	case USBMSC_E_INTERRUPTED: return "interrupted";
	default: return "other";
	}
}

int usbmsc_status_from_sense_key(uint8_t sense_key)
{
	switch (sense_key & 0x0F) {
	case 0x0: /* NO SENSE: a CHECK CONDITION without a reason */
		return USBMSC_E_OTHER;
	case 0x1: /* RECOVERED ERROR: the command succeeded */
		return USBMSC_OK;
	case 0x2: return USBMSC_E_NOT_READY;
	case 0x3: /* MEDIUM ERROR */
	case 0x4: /* HARDWARE ERROR */
		return USBMSC_E_MEDIUM;
	case 0x5: return USBMSC_E_ILLEGAL_REQUEST;
	case 0x6: return USBMSC_E_UNIT_ATTENTION;
	case 0x7: return USBMSC_E_DATA_PROTECT;
	case 0xB: return USBMSC_E_ABORTED;
	default: return USBMSC_E_OTHER;
	}
}

int usbmsc_fail(struct usbmsc_error *err, int status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->status = status;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return status;
}
