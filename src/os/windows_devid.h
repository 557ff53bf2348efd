/* What Windows' device tree says about a USB mass-storage device, parsed
 * without a Windows header (windows_devid.c), so that discovery's text
 * handling builds and is tested everywhere:
 *
 *   instance IDs      USB\VID_1209&PID_0001\SERIAL          (a device)
 *                     USB\VID_1209&PID_0001&MI_01\6&2a...   (a function of a
 *                                                             composite device)
 *   location paths    PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(3)
 *   compatible IDs    USB\Class_08&SubClass_06&Prot_50 (a list: multi-sz)
 *
 * Names are case-insensitive, as Windows' are. Internal. */
#ifndef USBMSC_WINDOWS_DEVID_H
#define USBMSC_WINDOWS_DEVID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct usbmsc_win_usbid {
	uint16_t vid, pid;
	bool has_mi;              /* a function of a composite device */
	uint8_t mi;               /* its interface number */
	char instance[128];       /* what follows the second backslash */
	/* instance is the device's serial number: Windows takes the serial
	 * as the instance when the device has one, else makes one up with
	 * '&' in it. */
	bool instance_is_serial;
};

/* Parse a USB instance ID. False for anything else (USBSTOR\..., a
 * malformed ID). */
bool usbmsc_win_usbid_parse(const char *id, struct usbmsc_win_usbid *out);

/* The port numbers after the root hub in a location path ("...#USBROOT(0)
 * #USB(2)#USB(3)": 2, 3), at most max of them. 0 when the path has no
 * USBROOT or a malformed part after it. */
size_t usbmsc_win_location_ports(const char *location, uint8_t *ports, size_t max);

/* Class, subclass and protocol from the first "USB\Class_cc&SubClass_ss&Prot_pp"
 * of a multi-sz list of compatible IDs (strings ended by NUL, the list by an
 * empty one); len bounds the reading. False when none is there. */
bool usbmsc_win_compat_class(const char *multi_sz, size_t len, uint8_t *cls, uint8_t *sub,
			     uint8_t *prot);

#ifdef __cplusplus
}
#endif
#endif
