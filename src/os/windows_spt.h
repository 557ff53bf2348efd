/* Windows SCSI pass-through (IOCTL_SCSI_PASS_THROUGH_DIRECT), the pure
 * part: the request as the ioctl takes it, and the verdict on what came
 * back. The Windows backend opens the disk, calls DeviceIoControl between
 * the two, and owns nothing else; these build and are tested everywhere.
 *
 * No Windows header is needed: the structure and the constants are
 * declared here with the same types in the same order as ntddscsi.h and
 * winerror.h declare them, so the layout is the same on the same ABI;
 * windows_spt_abi.c checks every one against the system's headers in each
 * Windows build. Internal: not installed. */
#ifndef USBMSC_WINDOWS_SPT_H
#define USBMSC_WINDOWS_SPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/initiator.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CTL_CODE(IOCTL_SCSI_BASE, 0x405, METHOD_BUFFERED, FILE_READ_ACCESS |
 * FILE_WRITE_ACCESS): the handle must be open for reading and writing. */
#define USBMSC_SPT_IOCTL 0x0004D014u

/* DataIn. */
#define USBMSC_SPT_DATA_OUT 0u
#define USBMSC_SPT_DATA_IN 1u
#define USBMSC_SPT_DATA_UNSPECIFIED 2u

/* Room for sense data after the request (SenseInfoLength is one byte). */
#define USBMSC_SPT_SENSE_MAX 64u

/* SCSI_PASS_THROUGH_DIRECT. */
struct usbmsc_sptd {
	uint16_t length;               /* sizeof(struct usbmsc_sptd) */
	uint8_t scsi_status;           /* out: the SCSI status byte */
	uint8_t path_id;               /* the address: the disk class driver */
	uint8_t target_id;             /* replaces it with the disk's own, so */
	uint8_t lun;                   /* a LUN is reached through its own disk */
	uint8_t cdb_length;
	uint8_t sense_info_length;     /* in: room; out: bytes returned */
	uint8_t data_in;               /* USBMSC_SPT_DATA_* */
	uint32_t data_transfer_length; /* in: asked; out: moved, after an underrun */
	uint32_t timeout_value;        /* seconds */
	void *data_buffer;             /* the caller's, aligned to the adapter's mask */
	uint32_t sense_info_offset;    /* from the start of this structure */
	uint8_t cdb[16];
};

/* What DeviceIoControl takes as both its input and its output buffer. */
struct usbmsc_spt_request {
	struct usbmsc_sptd sptd;
	uint8_t sense[USBMSC_SPT_SENSE_MAX];
};

/* Win32 error codes (GetLastError() after DeviceIoControl or CreateFile)
 * that the verdict tells apart; any other code is a transport error. */
enum {
	USBMSC_WIN_ERROR_INVALID_FUNCTION = 1,
	USBMSC_WIN_ERROR_FILE_NOT_FOUND = 2,
	USBMSC_WIN_ERROR_PATH_NOT_FOUND = 3,
	USBMSC_WIN_ERROR_ACCESS_DENIED = 5,
	USBMSC_WIN_ERROR_NOT_ENOUGH_MEMORY = 8,
	USBMSC_WIN_ERROR_WRITE_PROTECT = 19,
	USBMSC_WIN_ERROR_BAD_UNIT = 20,
	USBMSC_WIN_ERROR_NOT_READY = 21,
	USBMSC_WIN_ERROR_CRC = 23,
	USBMSC_WIN_ERROR_GEN_FAILURE = 31,
	USBMSC_WIN_ERROR_SHARING_VIOLATION = 32,
	USBMSC_WIN_ERROR_NOT_SUPPORTED = 50,
	USBMSC_WIN_ERROR_DEV_NOT_EXIST = 55,
	USBMSC_WIN_ERROR_INVALID_PARAMETER = 87,
	USBMSC_WIN_ERROR_SEM_TIMEOUT = 121,
	USBMSC_WIN_ERROR_BUSY = 170,
	USBMSC_WIN_ERROR_OPERATION_ABORTED = 995,
	USBMSC_WIN_ERROR_MEDIA_CHANGED = 1110,
	USBMSC_WIN_ERROR_BUS_RESET = 1111,
	USBMSC_WIN_ERROR_NO_MEDIA_IN_DRIVE = 1112,
	USBMSC_WIN_ERROR_IO_DEVICE = 1117,
	USBMSC_WIN_ERROR_DEVICE_NOT_CONNECTED = 1167,
	USBMSC_WIN_ERROR_NO_SYSTEM_RESOURCES = 1450,
	USBMSC_WIN_ERROR_TIMEOUT = 1460,
	USBMSC_WIN_ERROR_DEVICE_REMOVED = 1617
};

/* Fill req for cmd: the CDB, the direction, the caller's data buffer (used
 * in place, not copied), the sense room, and the time-out rounded up to
 * whole seconds (timeout_ms 0: USBMSC_DEFAULT_TIMEOUT_MS). The address
 * fields stay 0 (see struct usbmsc_sptd). USBMSC_E_USAGE with err set when
 * the command cannot be expressed: CDB length not 1..16, or a direction
 * that disagrees with the length (NONE with data, IN or OUT without). */
int usbmsc_spt_fill(struct usbmsc_spt_request *req, const struct usbmsc_cmd *cmd,
		    unsigned timeout_ms, struct usbmsc_error *err);

/* The verdict on one DeviceIoControl: win32_error is 0 when it returned
 * TRUE, else GetLastError(); asked is the length the command asked for.
 * Fills res (outcome, SCSI status, residue, bytes moved, sense) like every
 * transport. Returns 0 when the command reached the device and came back
 * with a SCSI status (good or check condition: see res->outcome), else
 * the category, with err naming the Win32 error and what to do about it.
 * The SCSI status byte is judged as SG_IO's (usbmsc_sgio_map): the same
 * status means the same whichever OS carried it. */
int usbmsc_spt_map(const struct usbmsc_spt_request *req, uint32_t asked, uint32_t win32_error,
		   struct usbmsc_result *res, struct usbmsc_error *err);

/* The category and message for a CreateFile of a disk or volume path that
 * failed with win32_error: USBMSC_E_NO_DEVICE (no such disk or volume),
 * USBMSC_E_ACCESS (pass-through needs the disk open for reading and
 * writing: an administrator, usually), USBMSC_E_BUSY (another program
 * holds it exclusively), else USBMSC_E_OTHER with the code. */
int usbmsc_spt_open_fail(const char *path, uint32_t win32_error, struct usbmsc_error *err);

/* Largest data stage per command from the adapter's descriptor
 * (IOCTL_STORAGE_QUERY_PROPERTY, StorageAdapterProperty): the smaller of
 * MaximumTransferLength and (MaximumPhysicalPages - 1) pages (a buffer not
 * aligned on a page touches one page more than its length says); 0 for a
 * limit the descriptor leaves out (0). Returns 0 when neither is given. */
uint32_t usbmsc_spt_max_transfer(uint32_t max_transfer_length, uint32_t max_physical_pages,
				 uint32_t page_size);

/* Whether buf satisfies the adapter's AlignmentMask (for example 3: four
 * bytes). A DIRECT request with a buffer that does not fails with
 * ERROR_INVALID_PARAMETER, so the backend copies through an aligned one. */
bool usbmsc_spt_aligned(const void *buf, uint32_t alignment_mask);

#ifdef __cplusplus
}
#endif
#endif
