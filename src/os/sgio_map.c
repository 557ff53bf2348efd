/* SCSI status and host/driver verdicts of one SG_IO reply (Linux's
 * sg_io_hdr, whatever the system's headers): the pure half of the Linux
 * pass-through (linux_sgio.c does the ioctl). Built everywhere so that it
 * is tested everywhere. */
#include "usbmsc_os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SCSI_STATUS_MASK 0xFEu
#define ST_GOOD 0x00u
#define ST_CHECK_CONDITION 0x02u
#define ST_CONDITION_MET 0x04u
#define ST_BUSY 0x08u
#define ST_INTERMEDIATE 0x10u
#define ST_INTERMEDIATE_CM 0x14u
#define ST_RESERVATION_CONFLICT 0x18u
#define ST_COMMAND_TERMINATED 0x22u
#define ST_TASK_SET_FULL 0x28u
#define ST_ACA_ACTIVE 0x30u
#define ST_TASK_ABORTED 0x40u

static const char *host_status_text(unsigned host)
{
	switch (host) {
	case USBMSC_DID_NO_CONNECT: return "no connection";
	case USBMSC_DID_BUS_BUSY: return "bus busy";
	case USBMSC_DID_TIME_OUT: return "timed out";
	case USBMSC_DID_BAD_TARGET: return "bad target";
	case USBMSC_DID_ABORT: return "aborted";
	case USBMSC_DID_ERROR: return "host adapter error";
	case USBMSC_DID_RESET: return "reset";
	case USBMSC_DID_TRANSPORT_DISRUPTED: return "transport disrupted";
	case USBMSC_DID_TRANSPORT_FAILFAST: return "transport failed";
	default: return "host error";
	}
}

static int map_errno(int e, struct usbmsc_result *res, struct usbmsc_error *err)
{
	res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
	res->transferred = 0;
	res->sense_len = 0;
	switch (e) {
	case ENODEV:
	case ENXIO:
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "SG_IO: the device went away (%s)",
				   strerror(e));
	case EPERM:
	case EACCES:
		return usbmsc_fail(err, USBMSC_E_ACCESS, "SG_IO: %s", strerror(e));
	case ETIMEDOUT:
		res->outcome = USBMSC_OUTCOME_TIMEOUT;
		return usbmsc_fail(err, USBMSC_E_TIMEOUT, "SG_IO: timed out");
	case EINTR:
		return usbmsc_fail(err, USBMSC_E_TRANSPORT,
				   "SG_IO: interrupted by a signal (the command may still complete)");
	case EBUSY:
		return usbmsc_fail(err, USBMSC_E_BUSY, "SG_IO: %s", strerror(e));
	default:
		return usbmsc_fail(err, USBMSC_E_TRANSPORT, "SG_IO failed: %s", strerror(e));
	}
}

int usbmsc_sgio_map(const struct usbmsc_sgio_reply *r, struct usbmsc_result *res,
		    struct usbmsc_error *err)
{
	unsigned drv = r->driver_status & 0x0Fu;
	unsigned status = r->status & SCSI_STATUS_MASK;
	uint32_t resid;

	res->scsi_status = (uint8_t)status;
	res->sense_len = r->sb_len_wr < USBMSC_SENSE_MAX ? r->sb_len_wr : USBMSC_SENSE_MAX;
	/* resid is what the low-level driver reported missing; never trust it
	 * beyond the length asked for. */
	resid = r->resid < 0 ? 0 : (uint32_t)r->resid;
	if (resid > r->dxfer_len)
		resid = r->dxfer_len;
	res->residue = resid;
	res->transferred = r->dxfer_len - resid;

	if (r->ioctl_errno != 0) {
		res->residue = r->dxfer_len;
		return map_errno(r->ioctl_errno, res, err);
	}
	if (r->host_status == USBMSC_DID_TIME_OUT || drv == USBMSC_DRIVER_TIMEOUT) {
		res->outcome = USBMSC_OUTCOME_TIMEOUT;
		return usbmsc_fail(err, USBMSC_E_TIMEOUT, "the command timed out (SG_IO host 0x%02x, "
				   "driver 0x%02x)", r->host_status, r->driver_status);
	}
	if (r->host_status == USBMSC_DID_NO_CONNECT || r->host_status == USBMSC_DID_BAD_TARGET) {
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "the device is not connected (SG_IO: %s)",
				   host_status_text(r->host_status));
	}
	if (r->host_status != USBMSC_DID_OK) {
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, USBMSC_E_TRANSPORT, "transport error (SG_IO host 0x%02x: %s)",
				   r->host_status, host_status_text(r->host_status));
	}
	switch (status) {
	case ST_CHECK_CONDITION:
	case ST_COMMAND_TERMINATED:
		res->outcome = USBMSC_OUTCOME_CHECK_CONDITION;
		return 0;
	case ST_GOOD:
	case ST_CONDITION_MET:
	case ST_INTERMEDIATE:
	case ST_INTERMEDIATE_CM:
		if (drv != USBMSC_DRIVER_OK && drv != USBMSC_DRIVER_SENSE) {
			res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
			return usbmsc_fail(err, USBMSC_E_TRANSPORT,
					   "transport error (SG_IO driver 0x%02x)",
					   r->driver_status);
		}
		res->outcome = USBMSC_OUTCOME_GOOD;
		return 0;
	case ST_BUSY:
	case ST_TASK_SET_FULL:
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, USBMSC_E_BUSY, "the device is busy (SCSI status 0x%02x)",
				   status);
	case ST_RESERVATION_CONFLICT:
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, USBMSC_E_BUSY,
				   "reservation conflict: another initiator holds the device");
	default:
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return usbmsc_fail(err, USBMSC_E_TRANSPORT, "unexpected SCSI status 0x%02x%s",
				   status, status == ST_TASK_ABORTED ? " (task aborted)"
				   : status == ST_ACA_ACTIVE ? " (ACA active)" : "");
	}
}
