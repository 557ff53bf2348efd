/* The side doors a usbmsc-built device offers beside its mass-storage
 * interface, so that applications reach it while the OS's mass-storage
 * driver keeps the disk (docs/PROTOCOL-VENDOR.md):
 *  - the vendor interface: class 0xFF with one bulk pair, speaking BOT with
 *    the signatures of bot.h's USBMSC_FRAMING_VENDOR; Windows binds WinUSB
 *    to it through Microsoft OS descriptors, browsers reach it through
 *    WebUSB;
 *  - the control LUN: a processor-type LUN (target.h USBMSC_LUN_PROCESSOR)
 *    on the mass-storage interface.
 * Wire facts only; freestanding. */
#ifndef USBMSC_DOORS_H
#define USBMSC_DOORS_H

/* The vendor interface's identity: what hosts match it by. */
#define USBMSC_VND_IF_CLASS 0xFFu
#define USBMSC_VND_IF_SUBCLASS 0x4Du  /* 'M' */
#define USBMSC_VND_IF_PROTOCOL 0x56u  /* 'V' */
#define USBMSC_VND_IF_STRING "usbmsc vendor interface"

/* Vendor request codes (bRequest) a device answers on ep0 for the
 * operating systems' descriptor queries. */
#define USBMSC_MSOS_VENDOR_CODE 0x20u    /* Microsoft OS 1.0 and 2.0 descriptors */
#define USBMSC_WEBUSB_VENDOR_CODE 0x21u  /* WebUSB GET_URL */

/* The device interface GUID the Microsoft OS descriptors register for the
 * vendor interface: a Windows application finds the device by it
 * (SetupDiGetClassDevs / CM_Get_Device_Interface_List). */
#define USBMSC_VND_IF_GUID "{8C5E2D7A-4B1F-4E39-9A6C-2F0D5B7E1C43}"

#endif
