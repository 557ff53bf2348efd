/* What fwupd derives from a device, so that a cabinet names it: instance
 * IDs (fwupd's "strsafe" rule for their values) and their GUIDs (UUIDv5 of
 * the instance ID in the DNS namespace, fwupd_guid_hash_string). Pure:
 * unit-tested in tests/cli. */
#ifndef USBMSC_CLI_FWUPD_GUID_H
#define USBMSC_CLI_FWUPD_GUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWUPD_GUID_LEN 37u  /* 36 characters and the NUL */

/* A value as fwupd puts it in an instance ID (fu_device_strsafe_instance_id):
 * each run of characters other than printable ASCII or one of " _&/\-(),"
 * becomes one '-', none at the end; false when nothing is left or out is
 * too small. */
bool fwupd_strsafe(const char *in, char *out, size_t room);

/* The GUID of an instance ID, lower-case, "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx". */
void fwupd_guid(const char *instance_id, char out[FWUPD_GUID_LEN]);

#endif
