/* Result categories shared by the library and the CLI.
 *
 * Every failure maps to exactly one category, and the category is also the
 * CLI's exit status (the sg3_utils convention), so scripts can branch on it. */
#ifndef USBMSC_STATUS_H
#define USBMSC_STATUS_H

#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum usbmsc_status {
	USBMSC_OK = 0,
	USBMSC_E_USAGE = 1,           /* usage or syntax error */
	USBMSC_E_NOT_READY = 2,       /* sense key NOT READY */
	USBMSC_E_MEDIUM = 3,          /* sense key MEDIUM ERROR or HARDWARE ERROR */
	USBMSC_E_ILLEGAL_REQUEST = 5, /* sense key ILLEGAL REQUEST */
	USBMSC_E_UNIT_ATTENTION = 6,  /* sense key UNIT ATTENTION */
	USBMSC_E_DATA_PROTECT = 7,    /* sense key DATA PROTECT */
	USBMSC_E_ABORTED = 11,        /* sense key ABORTED COMMAND */
	USBMSC_E_FILE = 15,           /* file or image error */
	USBMSC_E_NO_DEVICE = 20,      /* no such device, or it went away */
	USBMSC_E_BUSY = 21,           /* owned by another driver, mounted */
	USBMSC_E_ACCESS = 22,         /* permission denied */
	USBMSC_E_TIMEOUT = 33,        /* time-out */
	USBMSC_E_TRANSPORT = 35,      /* transport or phase error */
	USBMSC_E_OTHER = 99,
	USBMSC_E_INTERRUPTED = 130    /* stopped on request (a signal): 128 + SIGINT */
};

/* Room for one human-readable error message; the library fills it, the
 * caller decides whether and where to print it. */
#define USBMSC_ERRMSG_MAX 256

struct usbmsc_error {
	int status;                   /* enum usbmsc_status */
	char msg[USBMSC_ERRMSG_MAX];
};

/* Short stable name of a category ("ok", "illegal-request", "timeout"...). */
USBMSC_API
const char *usbmsc_status_name(int status);

/* The category of a CHECK CONDITION with this sense key. */
USBMSC_API
int usbmsc_status_from_sense_key(uint8_t sense_key);

/* Set err (if not NULL) to status and a printf-formatted message; returns
 * status so that callers can write `return usbmsc_fail(err, ...)`. */
USBMSC_API
int usbmsc_fail(struct usbmsc_error *err, int status, const char *fmt, ...)
	USBMSC_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif
#endif
