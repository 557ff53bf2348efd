/* The blobs written to FunctionFS's ep0 before the gadget is bound: the
 * descriptors (v2 format: one mass-storage interface, class 8, subclass 6
 * SCSI transparent, protocol 0x50 Bulk-Only, with one bulk IN and one bulk
 * OUT endpoint, for full, high and SuperSpeed) and the strings. Pure. */
#ifndef USBMSC_GADGET_FFS_DESC_H
#define USBMSC_GADGET_FFS_DESC_H

#include <stddef.h>
#include <stdint.h>

/* FunctionFS names the endpoint files in descriptor order: ep1 is Bulk-In,
 * ep2 is Bulk-Out. */
#define FFS_EP_IN_FILE "ep1"
#define FFS_EP_OUT_FILE "ep2"
/* Index FunctionFS puts in wIndex of an endpoint request (no
 * FUNCTIONFS_VIRTUAL_ADDR): the endpoint's position, 1-based. */
#define FFS_EP_IN_INDEX 1u
#define FFS_EP_OUT_INDEX 2u

#define FFS_DESC_MAX 128u
#define FFS_INTERFACE_NAME "Mass Storage"

/* Write the descriptors blob to buf; returns its length, 0 if cap is too
 * small. */
size_t ffs_build_descriptors(uint8_t *buf, size_t cap);

/* Write the strings blob (language 0x0409, one string: the interface
 * name); returns its length, 0 if cap is too small. */
size_t ffs_build_strings(uint8_t *buf, size_t cap, const char *interface_name);

#endif
