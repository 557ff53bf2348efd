/* The blobs written to FunctionFS's ep0 before the gadget is bound: the
 * descriptors (v2 format, for full, high and SuperSpeed) and the strings.
 *
 * Interface 0 is mass storage (class 8, subclass 6 SCSI transparent,
 * protocol 0x50 Bulk-Only) with one bulk IN and one bulk OUT endpoint.
 * With the vendor interface (--vendor-interface), interface 1 follows in
 * the same function: class/subclass/protocol of doors.h, its own bulk
 * pair, and the Microsoft OS descriptors that make Windows bind WinUSB to
 * it (an extended compat ID "WINUSB" and the device interface GUID as an
 * extended property). Pure. */
#ifndef USBMSC_GADGET_FFS_DESC_H
#define USBMSC_GADGET_FFS_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The interfaces ("doors") of the function, by number. */
enum { FFS_DOOR_MSC = 0, FFS_DOOR_VENDOR = 1, FFS_DOORS = 2 };

/* FunctionFS names the endpoint files in descriptor order (ep1, ep2, ...)
 * and puts the same 1-based position in wIndex of an endpoint request (no
 * FUNCTIONFS_VIRTUAL_ADDR). Door d's Bulk-In comes first, then its
 * Bulk-Out: ep1/ep2 for mass storage, ep3/ep4 for the vendor interface.
 * out: 0 for Bulk-In, 1 for Bulk-Out (bulk.h's BULK_IN, BULK_OUT). */
#define FFS_EP_INDEX(door, out) (2u * (unsigned)(door) + 1u + (unsigned)(out))

/* The endpoint addresses in the blob: FunctionFS wants them distinct; the
 * UDC picks the numbers the host sees. */
#define FFS_EP_ADDRESS(door, out) ((uint8_t)(FFS_EP_INDEX(door, out) | ((out) ? 0x00u : 0x80u)))

#define FFS_DESC_MAX 512u
#define FFS_INTERFACE_NAME "Mass Storage"

/* The Microsoft OS 1.0 feature descriptors of the vendor interface.
 * Linux's composite layer answers the host's requests from them and can
 * send REG_SZ properties but not REG_MULTI_SZ (its fill_ext_prop has no
 * case for type 7, so the request would stall): hence the REG_SZ
 * "DeviceInterfaceGUID" of Microsoft's WinUSB device example, not
 * "DeviceInterfaceGUIDs". */
#define FFS_MSOS_COMPAT_ID "WINUSB"
#define FFS_MSOS_PROP_NAME "DeviceInterfaceGUID"
#define FFS_MSOS_PROP_REG_SZ 1u
/* bcdVersion in FunctionFS's OS descriptor headers (ffs_desc.c). */
#define FFS_MSOS_BCD_VERSION 0x0001u

/* Write the descriptors blob to buf; returns its length, 0 if cap is too
 * small. vendor_if: add the vendor interface and the MS OS descriptors. */
size_t ffs_build_descriptors(uint8_t *buf, size_t cap, bool vendor_if);

/* Write the strings blob (language 0x0409: the mass-storage interface's
 * name, then with vendor_if doors.h's USBMSC_VND_IF_STRING); returns its
 * length, 0 if cap is too small. */
size_t ffs_build_strings(uint8_t *buf, size_t cap, bool vendor_if);

#endif
