/* The Windows backend's SCSI pass-through: IOCTL_SCSI_PASS_THROUGH_DIRECT
 * on \\.\PhysicalDriveN or on a volume \\.\E: (windows_path.h), under the
 * generic transport (pt_transport.c). The request and the verdict are the
 * pure windows_spt.c; here: opening, the adapter's limits, the ioctl.
 *
 * USBSTOR stays bound and the volume stays mounted; the disk class driver
 * puts its own address on every request, so a path is one LUN: a command
 * for another LUN is refused (each LUN is a disk of its own). */
#include "os_backend.h"
#include "windows_os.h"
#include "windows_path.h"
#include "windows_spt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <winioctl.h>

/* When the adapter does not say: a size every SCSI adapter takes. */
#define FALLBACK_MAX_TRANSFER (64u * 1024u)

struct usbmsc_os_pt {
	HANDLE h;
	char path[24];
	uint32_t max_transfer;
	uint32_t alignment_mask;
};

static HANDLE open_path(const char *path, DWORD access)
{
	return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
			   FILE_ATTRIBUTE_NORMAL, NULL);
}

bool usbmsc_win_adapter_limits(const char *path, uint32_t *max_transfer,
			       uint32_t *alignment_mask)
{
	STORAGE_PROPERTY_QUERY q;
	STORAGE_ADAPTER_DESCRIPTOR d;
	SYSTEM_INFO si;
	DWORD n = 0;
	HANDLE h = open_path(path, 0);
	BOOL ok;

	if (h == INVALID_HANDLE_VALUE)
		return false;
	memset(&q, 0, sizeof q);
	q.PropertyId = StorageAdapterProperty;
	q.QueryType = PropertyStandardQuery;
	memset(&d, 0, sizeof d);
	ok = DeviceIoControl(h, IOCTL_STORAGE_QUERY_PROPERTY, &q, sizeof q, &d, sizeof d, &n, NULL);
	CloseHandle(h);
	if (!ok || n < offsetof(STORAGE_ADAPTER_DESCRIPTOR, AlignmentMask) + sizeof d.AlignmentMask)
		return false;
	GetSystemInfo(&si);
	*max_transfer = usbmsc_spt_max_transfer(d.MaximumTransferLength, d.MaximumPhysicalPages,
						si.dwPageSize);
	*alignment_mask = d.AlignmentMask;
	return *max_transfer != 0;
}

int usbmsc_win_pt_open(const char *node, const struct usbmsc_trace *trace,
		       struct usbmsc_os_pt **out, uint32_t *max_transfer, struct usbmsc_error *err)
{
	struct usbmsc_winpath wp;
	struct usbmsc_os_pt *s;
	const char *source = "adapter descriptor";
	int rc;

	*out = NULL;
	rc = usbmsc_winpath_parse(node, &wp, err);
	if (rc != 0)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	memcpy(s->path, wp.path, sizeof s->path);
	/* The ioctl needs read and write access, whatever the command. */
	s->h = open_path(s->path, GENERIC_READ | GENERIC_WRITE);
	if (s->h == INVALID_HANDLE_VALUE) {
		rc = usbmsc_spt_open_fail(s->path, (uint32_t)GetLastError(), err);
		free(s);
		return rc;
	}
	if (!usbmsc_win_adapter_limits(s->path, &s->max_transfer, &s->alignment_mask)) {
		s->max_transfer = FALLBACK_MAX_TRANSFER;
		s->alignment_mask = 0;
		source = "default";
	}
	usbmsc_trace_emit(trace, USBMSC_TRACE_NOTE, NULL, 0,
			  "spt: %s, read-write; max transfer %u bytes (%s), alignment mask 0x%x",
			  s->path, s->max_transfer, source, (unsigned)s->alignment_mask);
	*max_transfer = s->max_transfer;
	*out = s;
	return 0;
}

/* A buffer on the adapter's alignment, for a caller's buffer that is not:
 * *block is what to free. */
static uint8_t *aligned_copy(const struct usbmsc_cmd *cmd, uint32_t mask, void **block)
{
	uint8_t *p;

	*block = malloc((size_t)cmd->len + mask);
	if (!*block)
		return NULL;
	p = (uint8_t *)(((uintptr_t)*block + mask) & ~(uintptr_t)mask);
	if (cmd->dir == USBMSC_DIR_OUT)
		memcpy(p, cmd->data, cmd->len);
	return p;
}

int usbmsc_win_pt_exec(struct usbmsc_os_pt *s, const struct usbmsc_cmd *cmd,
		       unsigned timeout_ms, const struct usbmsc_trace *trace,
		       struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct usbmsc_spt_request req;
	struct usbmsc_cmd c = *cmd;
	void *block = NULL;
	DWORD n = 0;
	uint32_t code = 0;
	int rc;

	(void)trace;
	if (cmd->lun != 0)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "LUN %u through %s: on Windows each LUN is a disk of its own; "
				   "open that disk's \\\\.\\PhysicalDriveN", cmd->lun, s->path);
	if (cmd->len && !usbmsc_spt_aligned(cmd->data, s->alignment_mask)) {
		c.data = aligned_copy(cmd, s->alignment_mask, &block);
		if (!c.data)
			return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	rc = usbmsc_spt_fill(&req, &c, timeout_ms, err);
	if (rc == 0) {
		if (!DeviceIoControl(s->h, USBMSC_SPT_IOCTL, &req, sizeof req, &req, sizeof req, &n,
				     NULL))
			code = (uint32_t)GetLastError();
		rc = usbmsc_spt_map(&req, cmd->len, code, res, err);
		if (block && cmd->dir == USBMSC_DIR_IN)
			memcpy(cmd->data, c.data, cmd->len - res->residue);
	}
	free(block);
	if (rc != 0 && code != 0 && cmd->len > s->max_transfer) {
		size_t used = strlen(err->msg);

		snprintf(err->msg + used, sizeof err->msg - used,
			 " (%u bytes exceed this path's limit of %u)", cmd->len, s->max_transfer);
	}
	return rc;
}

/* Each LUN is a disk of its own: the path reaches one, and says nothing
 * of the others. */
bool usbmsc_win_pt_max_lun(struct usbmsc_os_pt *s, uint8_t *max_lun)
{
	(void)s;
	*max_lun = 0;
	return false;
}

int usbmsc_win_pt_reset(struct usbmsc_os_pt *s, const struct usbmsc_trace *trace,
			struct usbmsc_error *err)
{
	(void)trace;
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "a device reset through %s is not supported on Windows (USBSTOR "
			   "recovers the device itself)", s->path);
}

void usbmsc_win_pt_close(struct usbmsc_os_pt *s)
{
	if (!s)
		return;
	if (s->h != INVALID_HANDLE_VALUE && s->h != NULL)
		CloseHandle(s->h);
	free(s);
}
