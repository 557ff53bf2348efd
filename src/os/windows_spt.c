/* Windows SCSI pass-through, the pure part: the request, the verdict, the
 * adapter's limits (windows_spt.h). */
#include "windows_spt.h"

#include "usbmsc_os.h"

#include <string.h>

#define ST_CHECK_CONDITION 0x02u
#define ST_COMMAND_TERMINATED 0x22u

#define NO_PASS_THROUGH ": the driver behind this handle takes no SCSI pass-through"

int usbmsc_spt_fill(struct usbmsc_spt_request *req, const struct usbmsc_cmd *cmd,
		    unsigned timeout_ms, struct usbmsc_error *err)
{
	struct usbmsc_sptd *s = &req->sptd;
	uint64_t secs;

	memset(req, 0, sizeof *req);
	if (cmd->cdb_len < 1 || cmd->cdb_len > sizeof s->cdb)
		return usbmsc_fail(err, USBMSC_E_USAGE, "a CDB of %u bytes (1 to 16 expected)",
				   cmd->cdb_len);
	if ((cmd->dir == USBMSC_DIR_NONE) != (cmd->len == 0))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the data direction does not match the length (%u bytes)",
				   (unsigned)cmd->len);
	s->length = (uint16_t)sizeof *s;
	s->cdb_length = cmd->cdb_len;
	memcpy(s->cdb, cmd->cdb, cmd->cdb_len);
	s->data_in = cmd->dir == USBMSC_DIR_IN ? USBMSC_SPT_DATA_IN
		   : cmd->dir == USBMSC_DIR_OUT ? USBMSC_SPT_DATA_OUT : USBMSC_SPT_DATA_UNSPECIFIED;
	s->data_transfer_length = cmd->len;
	s->data_buffer = cmd->len ? cmd->data : NULL;
	s->sense_info_length = USBMSC_SPT_SENSE_MAX;
	s->sense_info_offset = (uint32_t)offsetof(struct usbmsc_spt_request, sense);
	/* Whole seconds, never shorter than asked. */
	secs = ((uint64_t)(timeout_ms ? timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS) + 999u) / 1000u;
	s->timeout_value = (uint32_t)secs;
	return 0;
}

/* ---- Win32 errors ---------------------------------------------------------- */

struct win32_verdict {
	uint32_t code;
	const char *name;
	int status;
	enum usbmsc_outcome outcome;
	const char *hint;            /* what it means here; "" if the name says it */
};

static const struct win32_verdict win32_verdicts[] = {
	{ USBMSC_WIN_ERROR_INVALID_FUNCTION, "ERROR_INVALID_FUNCTION", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, NO_PASS_THROUGH },
	{ USBMSC_WIN_ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, NO_PASS_THROUGH },
	{ USBMSC_WIN_ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED", USBMSC_E_ACCESS,
	  USBMSC_OUTCOME_TRANSPORT_ERROR,
	  ": pass-through needs the disk open for reading and writing"
	  " (an administrator, usually)" },
	{ USBMSC_WIN_ERROR_SHARING_VIOLATION, "ERROR_SHARING_VIOLATION", USBMSC_E_BUSY,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": another program holds the disk exclusively" },
	{ USBMSC_WIN_ERROR_BUSY, "ERROR_BUSY", USBMSC_E_BUSY, USBMSC_OUTCOME_TRANSPORT_ERROR, "" },
	{ USBMSC_WIN_ERROR_NOT_READY, "ERROR_NOT_READY", USBMSC_E_NOT_READY,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the device is not ready" },
	{ USBMSC_WIN_ERROR_NO_MEDIA_IN_DRIVE, "ERROR_NO_MEDIA_IN_DRIVE", USBMSC_E_NOT_READY,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": no medium" },
	{ USBMSC_WIN_ERROR_MEDIA_CHANGED, "ERROR_MEDIA_CHANGED", USBMSC_E_UNIT_ATTENTION,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the medium changed" },
	{ USBMSC_WIN_ERROR_WRITE_PROTECT, "ERROR_WRITE_PROTECT", USBMSC_E_DATA_PROTECT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the medium is write protected" },
	{ USBMSC_WIN_ERROR_CRC, "ERROR_CRC", USBMSC_E_MEDIUM, USBMSC_OUTCOME_TRANSPORT_ERROR,
	  ": a data error on the medium" },
	{ USBMSC_WIN_ERROR_SEM_TIMEOUT, "ERROR_SEM_TIMEOUT", USBMSC_E_TIMEOUT,
	  USBMSC_OUTCOME_TIMEOUT, ": the command timed out" },
	{ USBMSC_WIN_ERROR_TIMEOUT, "ERROR_TIMEOUT", USBMSC_E_TIMEOUT, USBMSC_OUTCOME_TIMEOUT,
	  ": the command timed out" },
	{ USBMSC_WIN_ERROR_DEVICE_NOT_CONNECTED, "ERROR_DEVICE_NOT_CONNECTED", USBMSC_E_NO_DEVICE,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the device went away" },
	{ USBMSC_WIN_ERROR_DEVICE_REMOVED, "ERROR_DEVICE_REMOVED", USBMSC_E_NO_DEVICE,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the device went away" },
	{ USBMSC_WIN_ERROR_DEV_NOT_EXIST, "ERROR_DEV_NOT_EXIST", USBMSC_E_NO_DEVICE,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the device went away" },
	{ USBMSC_WIN_ERROR_BAD_UNIT, "ERROR_BAD_UNIT", USBMSC_E_NO_DEVICE,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": no such device" },
	{ USBMSC_WIN_ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND", USBMSC_E_NO_DEVICE,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": no such device" },
	{ USBMSC_WIN_ERROR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND", USBMSC_E_NO_DEVICE,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": no such device" },
	{ USBMSC_WIN_ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR,
	  ": the adapter refused the request (buffer alignment, or a transfer over its limit)" },
	{ USBMSC_WIN_ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": a transfer too large to lock in memory" },
	{ USBMSC_WIN_ERROR_NO_SYSTEM_RESOURCES, "ERROR_NO_SYSTEM_RESOURCES", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": a transfer too large to lock in memory" },
	{ USBMSC_WIN_ERROR_BUS_RESET, "ERROR_BUS_RESET", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the bus was reset during the command" },
	{ USBMSC_WIN_ERROR_OPERATION_ABORTED, "ERROR_OPERATION_ABORTED", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, ": the command was cancelled" },
	{ USBMSC_WIN_ERROR_IO_DEVICE, "ERROR_IO_DEVICE", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, "" },
	{ USBMSC_WIN_ERROR_GEN_FAILURE, "ERROR_GEN_FAILURE", USBMSC_E_TRANSPORT,
	  USBMSC_OUTCOME_TRANSPORT_ERROR, "" },
};

static int map_win32_error(uint32_t code, uint32_t asked, struct usbmsc_result *res,
			   struct usbmsc_error *err)
{
	size_t i;

	res->scsi_status = 0;
	res->residue = asked;
	res->transferred = 0;
	res->sense_len = 0;
	for (i = 0; i < sizeof win32_verdicts / sizeof win32_verdicts[0]; i++) {
		const struct win32_verdict *v = &win32_verdicts[i];

		if (v->code == code) {
			res->outcome = v->outcome;
			return usbmsc_fail(err, v->status, "SCSI pass-through: %s (%u)%s", v->name,
					   (unsigned)code, v->hint);
		}
	}
	res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
	return usbmsc_fail(err, USBMSC_E_TRANSPORT, "SCSI pass-through failed: Win32 error %u",
			   (unsigned)code);
}

int usbmsc_spt_open_fail(const char *path, uint32_t win32_error, struct usbmsc_error *err)
{
	switch (win32_error) {
	case USBMSC_WIN_ERROR_ACCESS_DENIED:
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "permission denied on %s: SCSI pass-through needs the disk open "
				   "for reading and writing (run as administrator)", path);
	case USBMSC_WIN_ERROR_FILE_NOT_FOUND:
	case USBMSC_WIN_ERROR_PATH_NOT_FOUND:
	case USBMSC_WIN_ERROR_BAD_UNIT:
	case USBMSC_WIN_ERROR_DEV_NOT_EXIST:
	case USBMSC_WIN_ERROR_DEVICE_NOT_CONNECTED:
	case USBMSC_WIN_ERROR_DEVICE_REMOVED:
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "%s: no such disk or volume", path);
	case USBMSC_WIN_ERROR_SHARING_VIOLATION:
	case USBMSC_WIN_ERROR_BUSY:
		return usbmsc_fail(err, USBMSC_E_BUSY,
				   "%s is opened exclusively by another program", path);
	default:
		return usbmsc_fail(err, USBMSC_E_OTHER, "cannot open %s: Win32 error %u", path,
				   (unsigned)win32_error);
	}
}

/* ---- the verdict on a completed request -------------------------------------- */

/* Sense bytes returned: what the driver reports in SenseInfoLength (not
 * every driver updates it, so 0 falls back to the sense data's own length),
 * never more than the room given. Only a CHECK CONDITION carries sense. */
static uint8_t sense_length(const struct usbmsc_spt_request *req)
{
	const uint8_t *s = req->sense;
	unsigned n = req->sptd.sense_info_length;
	unsigned status = req->sptd.scsi_status & 0xFEu;

	if (status != ST_CHECK_CONDITION && status != ST_COMMAND_TERMINATED)
		return 0;
	if (n == 0 && (s[0] & 0x7Cu) == 0x70u)    /* response codes 0x70..0x73 */
		n = 8u + s[7];
	return (uint8_t)(n < USBMSC_SPT_SENSE_MAX ? n : USBMSC_SPT_SENSE_MAX);
}

int usbmsc_spt_map(const struct usbmsc_spt_request *req, uint32_t asked, uint32_t win32_error,
		   struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct usbmsc_sgio_reply r;
	uint32_t moved = req->sptd.data_transfer_length;

	if (win32_error != 0)
		return map_win32_error(win32_error, asked, res, err);
	memset(&r, 0, sizeof r);
	r.status = req->sptd.scsi_status;
	r.sb_len_wr = sense_length(req);
	r.dxfer_len = asked;
	/* DataTransferLength comes back as the bytes moved when fewer moved. */
	r.resid = moved >= asked ? 0 : asked - moved > INT32_MAX ? INT32_MAX
		: (int32_t)(asked - moved);
	memcpy(res->sense, req->sense, r.sb_len_wr);
	return usbmsc_sgio_map(&r, res, err);
}

/* ---- the adapter's limits ------------------------------------------------------ */

uint32_t usbmsc_spt_max_transfer(uint32_t max_transfer_length, uint32_t max_physical_pages,
				 uint32_t page_size)
{
	uint64_t by_pages = 0, limit = max_transfer_length;

	if (max_physical_pages != 0 && page_size != 0)
		by_pages = (uint64_t)(max_physical_pages > 1 ? max_physical_pages - 1 : 1) *
			   page_size;
	if (limit == 0 || (by_pages != 0 && by_pages < limit))
		limit = by_pages;
	return limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
}

bool usbmsc_spt_aligned(const void *buf, uint32_t alignment_mask)
{
	return ((uintptr_t)buf & alignment_mask) == 0;
}
