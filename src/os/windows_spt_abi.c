/* windows_spt.h declares the pass-through structure and the Win32 codes
 * without Windows' headers, so that the pure code builds and is tested
 * everywhere; this file, built in every Windows build, proves at compile
 * time that each declaration matches the system's own. */
#include "windows_spt.h"

#include <windows.h>
#include <ntddscsi.h>

#define SAME_FIELD(ours, theirs) \
	_Static_assert(offsetof(struct usbmsc_sptd, ours) == \
		       offsetof(SCSI_PASS_THROUGH_DIRECT, theirs) && \
		       sizeof(((struct usbmsc_sptd *)0)->ours) == \
		       sizeof(((SCSI_PASS_THROUGH_DIRECT *)0)->theirs), #theirs)

_Static_assert(sizeof(struct usbmsc_sptd) == sizeof(SCSI_PASS_THROUGH_DIRECT),
	       "SCSI_PASS_THROUGH_DIRECT size");
SAME_FIELD(length, Length);
SAME_FIELD(scsi_status, ScsiStatus);
SAME_FIELD(path_id, PathId);
SAME_FIELD(target_id, TargetId);
SAME_FIELD(lun, Lun);
SAME_FIELD(cdb_length, CdbLength);
SAME_FIELD(sense_info_length, SenseInfoLength);
SAME_FIELD(data_in, DataIn);
SAME_FIELD(data_transfer_length, DataTransferLength);
SAME_FIELD(timeout_value, TimeOutValue);
SAME_FIELD(data_buffer, DataBuffer);
SAME_FIELD(sense_info_offset, SenseInfoOffset);
SAME_FIELD(cdb, Cdb);

_Static_assert(USBMSC_SPT_IOCTL == IOCTL_SCSI_PASS_THROUGH_DIRECT, "IOCTL code");
_Static_assert(USBMSC_SPT_DATA_OUT == SCSI_IOCTL_DATA_OUT, "SCSI_IOCTL_DATA_OUT");
_Static_assert(USBMSC_SPT_DATA_IN == SCSI_IOCTL_DATA_IN, "SCSI_IOCTL_DATA_IN");
_Static_assert(USBMSC_SPT_DATA_UNSPECIFIED == SCSI_IOCTL_DATA_UNSPECIFIED,
	       "SCSI_IOCTL_DATA_UNSPECIFIED");

#define SAME_ERROR(name) _Static_assert(USBMSC_WIN_##name == name, #name)
SAME_ERROR(ERROR_INVALID_FUNCTION);
SAME_ERROR(ERROR_FILE_NOT_FOUND);
SAME_ERROR(ERROR_PATH_NOT_FOUND);
SAME_ERROR(ERROR_ACCESS_DENIED);
SAME_ERROR(ERROR_NOT_ENOUGH_MEMORY);
SAME_ERROR(ERROR_WRITE_PROTECT);
SAME_ERROR(ERROR_BAD_UNIT);
SAME_ERROR(ERROR_NOT_READY);
SAME_ERROR(ERROR_CRC);
SAME_ERROR(ERROR_GEN_FAILURE);
SAME_ERROR(ERROR_SHARING_VIOLATION);
SAME_ERROR(ERROR_NOT_SUPPORTED);
SAME_ERROR(ERROR_DEV_NOT_EXIST);
SAME_ERROR(ERROR_INVALID_PARAMETER);
SAME_ERROR(ERROR_SEM_TIMEOUT);
SAME_ERROR(ERROR_BUSY);
SAME_ERROR(ERROR_OPERATION_ABORTED);
SAME_ERROR(ERROR_MEDIA_CHANGED);
SAME_ERROR(ERROR_BUS_RESET);
SAME_ERROR(ERROR_NO_MEDIA_IN_DRIVE);
SAME_ERROR(ERROR_IO_DEVICE);
SAME_ERROR(ERROR_DEVICE_NOT_CONNECTED);
SAME_ERROR(ERROR_NO_SYSTEM_RESOURCES);
SAME_ERROR(ERROR_TIMEOUT);
SAME_ERROR(ERROR_DEVICE_REMOVED);
