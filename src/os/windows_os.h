/* The parts of the Windows backend (windows.c assembles them into the
 * table of os_backend.h): discovery through SetupAPI and the device tree
 * (windows_discovery.c), SCSI pass-through with
 * IOCTL_SCSI_PASS_THROUGH_DIRECT (windows_pt.c). Their contracts are those
 * of struct usbmsc_os_backend. Only src/os/ includes it, and only in a
 * Windows build. Internal. */
#ifndef USBMSC_WINDOWS_OS_H
#define USBMSC_WINDOWS_OS_H

#include <stdbool.h>
#include <stdint.h>

#include "os_backend.h"

/* windows_discovery.c */
int usbmsc_win_discover(const struct usbmsc_discover_opts *opts,
			struct usbmsc_device_info **list, size_t *count, struct usbmsc_error *err);
/* The discovered interface at port path port with number ifnum (Windows
 * has one configuration per device in view); USBMSC_E_NO_DEVICE when
 * discovery does not see it. */
int usbmsc_win_interface(const char *port, uint8_t config, uint8_t ifnum,
			 struct usbmsc_device_info *info, struct usbmsc_error *err);

/* windows_pt.c */
int usbmsc_win_pt_open(const char *node, const struct usbmsc_trace *trace,
		       struct usbmsc_os_pt **out, uint32_t *max_transfer, struct usbmsc_error *err);
int usbmsc_win_pt_exec(struct usbmsc_os_pt *pt, const struct usbmsc_cmd *cmd,
		       unsigned timeout_ms, const struct usbmsc_trace *trace,
		       struct usbmsc_result *res, struct usbmsc_error *err);
bool usbmsc_win_pt_max_lun(struct usbmsc_os_pt *pt, uint8_t *max_lun);
int usbmsc_win_pt_reset(struct usbmsc_os_pt *pt, const struct usbmsc_trace *trace,
			struct usbmsc_error *err);
void usbmsc_win_pt_close(struct usbmsc_os_pt *pt);
/* The largest transfer the adapter under a disk or volume path takes
 * (IOCTL_STORAGE_QUERY_PROPERTY: its adapter descriptor), and the buffer
 * alignment it needs; false when it does not say. The path is opened with
 * no access rights, which the query needs no more than. */
bool usbmsc_win_adapter_limits(const char *path, uint32_t *max_transfer,
			       uint32_t *alignment_mask);

#endif
