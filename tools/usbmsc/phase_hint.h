/* The hint after raw's phase error: a data stage that does not match the
 * CDB (no --in where the device sends data, or too small a one) is the
 * usual cause, so say what the CDB's length field asks for. Pure: writes
 * one "usbmsc: hint: ..." line to f. */
#ifndef USBMSC_CLI_PHASE_HINT_H
#define USBMSC_CLI_PHASE_HINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "usbmsc/initiator.h"

/* dir and len: the data stage the command had (--in LEN, --out FILE). */
void phase_hint(FILE *f, const uint8_t *cdb, size_t cdb_len, enum usbmsc_dir dir, uint32_t len);

#endif
