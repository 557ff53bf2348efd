/* The text files of a usbmsc file door, read on the host: pure parsers of
 * STATUS.TXT (the lines the device writes, filedoor.h's USBMSC_DOOR_TXT_*)
 * and of INFO_UF2.TXT (the UF2 convention's lines and the running version),
 * for a host that updates a device through its mounted door volume
 * (doorvol.h), and for tests. */
#ifndef USBMSC_DOORSTATUS_H
#define USBMSC_DOORSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum usbmsc_door_state {
	USBMSC_DOOR_ST_UNKNOWN = 0,  /* not a line the door writes */
	USBMSC_DOOR_ST_WAITING,      /* nothing received since the last boot */
	USBMSC_DOOR_ST_RECEIVING,    /* got of blocks blocks are in */
	USBMSC_DOOR_ST_INCOMPLETE,   /* the same, and the host went quiet */
	USBMSC_DOOR_ST_CHECKED,      /* complete and verified: version to starts */
	USBMSC_DOOR_ST_REFUSED,      /* refused: reason */
	USBMSC_DOOR_ST_UPDATED,      /* from runs no more, to runs */
	USBMSC_DOOR_ST_REVERTED      /* the new firmware did not start: rolled back */
};

struct usbmsc_door_status {
	enum usbmsc_door_state state;
	uint32_t got, blocks;        /* RECEIVING, INCOMPLETE */
	char from[17], to[17];       /* UPDATED: both; CHECKED: to */
	/* REFUSED: enum usbmsc_fw_reason (fwengine.h), USBMSC_DOOR_BUSY or
	 * USBMSC_DOOR_FOREIGN (filedoor.h); 0 for a reason this version does
	 * not know (the text is in reason_text either way). */
	uint8_t reason;
	char reason_text[48];
};

/* Parse the first line of text (len bytes, no NUL needed; spaces before
 * the line's end are not part of it: the device pads the line to a fixed
 * length). Returns false, with state USBMSC_DOOR_ST_UNKNOWN, for anything
 * else. */
USBMSC_API
bool usbmsc_door_status_parse(const char *text, size_t len, struct usbmsc_door_status *out);

/* "waiting", "receiving", ... "reverted", "unknown". */
USBMSC_API
const char *usbmsc_door_state_name(enum usbmsc_door_state state);

/* ---- INFO_UF2.TXT ---------------------------------------------------------- */

#define USBMSC_DOOR_INFO_TEXT_MAX 64u

/* INFO_UF2.TXT by the UF2 convention: a first line naming the bootloader
 * ("UF2 Bootloader ..."), then "Key: value" lines, of which fwupd reads
 * Model: and Board-ID:; a usbmsc door adds "Firmware: VERSION", the
 * version that runs. Values are cut to fit; "" when the line is absent. */
struct usbmsc_door_info {
	char bootloader[USBMSC_DOOR_INFO_TEXT_MAX];  /* the first line, whole */
	char model[USBMSC_DOOR_INFO_TEXT_MAX];
	char board_id[USBMSC_DOOR_INFO_TEXT_MAX];
	char firmware[17];                           /* the running version */
};

/* Parse len bytes of INFO_UF2.TXT (no NUL needed; "\r\n" taken too). True
 * when the first line names a UF2 bootloader or a Model: or Board-ID: line
 * is there; a usbmsc file door's also has firmware set. */
USBMSC_API
bool usbmsc_door_info_parse(const char *text, size_t len, struct usbmsc_door_info *out);

/* The same board: equal Model: and Board-ID: (a device after its restart,
 * whatever firmware it runs now). False when neither line is there. */
USBMSC_API
bool usbmsc_door_info_same_board(const struct usbmsc_door_info *a,
				 const struct usbmsc_door_info *b);

#ifdef __cplusplus
}
#endif
#endif
