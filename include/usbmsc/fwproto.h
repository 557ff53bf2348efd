/* The firmware-update conversation between host and target, beyond the
 * standard WRITE BUFFER / READ BUFFER: two vendor commands.
 *
 * FW STATE (opcode 0xD0, IN, 6-byte CDB: D0 00 00 LEN_MSB LEN_LSB 00)
 * returns USBMSC_FW_STATE_LEN bytes, big-endian:
 *   0   4  magic "UMFS"
 *   4   1  layout version (1)
 *   5   1  active slot (0 = A, 1 = B)
 *   6   1  flags: USBMSC_FWST_*
 *   7   1  pending slot (0xFF: none)
 *   8   4  active version string (space-padded)
 *  12   4  active version number
 *  16   4  pending version string (spaces when none)
 *  20   4  pending version number (0 when none)
 *  24   4  last error as sense: key << 16 | asc << 8 | ascq (0: none)
 *  28   4  anti-rollback floor: lowest version number accepted
 *  32   4  buffer capacity: largest image (header + payload) a slot holds
 *          (32 bits; the READ BUFFER descriptor's 24-bit field stops at
 *          0xFFFFFF)
 *  36   1  offset boundary exponent (READ BUFFER descriptor's)
 *  37   1  supported WRITE BUFFER modes: USBMSC_FW_MODEBIT_*
 *  38   2  hardware revision
 *  40  32  the Ed25519 public key the device trusts
 *  72   2  USB VID
 *  74   2  USB PID
 *  76   4  reserved
 *
 * FW CONFIRM (opcode 0xD1, no data, 6-byte CDB): the running image is good;
 * ends the trial. An image that booted on trial and was not confirmed
 * reverts to the previous one at the next boot. */
#ifndef USBMSC_FWPROTO_H
#define USBMSC_FWPROTO_H

#define USBMSC_OP_FW_STATE 0xD0u
#define USBMSC_OP_FW_CONFIRM 0xD1u
#define USBMSC_FW_STATE_LEN 80u
#define USBMSC_FW_STATE_MAGIC "UMFS"

#define USBMSC_FWST_PENDING 0x01u   /* a verified image waits for activation (mode 0x0E) */
#define USBMSC_FWST_TRIAL 0x02u     /* the running image is on trial, not confirmed */
#define USBMSC_FWST_REVERTED 0x04u  /* the last trial was not confirmed and was rolled back */
/* The device reads WRITE BUFFER's (modes 0x07, 0x0E) and READ BUFFER's
 * (mode 0x02) BUFFER ID byte (CDB byte 2) as bits 31:24 of the offset, so
 * images up to the buffer capacity at offset 32 (a slot, 32 bits) can be
 * sent, not only up to 16 MiB - 1. Without it a host sends BUFFER ID 0 and
 * the device refuses any other with 05/24/00. */
#define USBMSC_FWST_WIDE_OFFSET 0x08u

#define USBMSC_FW_MODEBIT_0F 0x01u
#define USBMSC_FW_MODEBIT_05 0x20u
#define USBMSC_FW_MODEBIT_07 0x80u
#define USBMSC_FW_MODEBIT_0D 0x02u
#define USBMSC_FW_MODEBIT_0E 0x04u

#endif
