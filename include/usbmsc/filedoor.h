/* The file door: a firmware update by copying a UF2 file to a small FAT
 * volume, as the RP2040 boot ROM and tinyuf2 do, on top of the target's
 * firmware engine (fwengine.h). docs/FILE-DOOR.md tells the whole story.
 *
 * The door is one more LUN (after the disk LUNs, before a control LUN): a
 * removable FAT16 volume made up on the fly from a few numbers, with no
 * RAM image of it. It holds four read-only files:
 *   INFO_UF2.TXT  the UF2 convention (the bootloader, Model:, Board-ID:,
 *                 as the device maker writes them), then the running version
 *   INDEX.HTM     a link to the product page
 *   STATUS.TXT    what the door did last (the USBMSC_DOOR_TXT_* lines)
 *   CURRENT.UF2   the running image, read back as UF2 blocks
 * Every sector the host writes anywhere on the volume is looked at: UF2
 * blocks of a usbmsc image (uf2.h) go to the engine's staging slot at their
 * offsets, in any order and any number of times; everything else (file
 * system updates, the OS's own hidden files) is accepted and dropped. When
 * every block is in, the engine checks the image exactly as for WRITE
 * BUFFER (header, fit, anti-rollback, signature, SHA-256 read back from
 * flash) and makes it pending; once the host has written nothing for
 * quiet_ms it is activated (the engine's activate callback: reboot).
 *
 * The new image then runs on trial (fwengine.h): the firmware confirms it
 * (usbmsc_fw_confirm) once its own checks pass, for example when a host
 * has read the door volume again (the simulator and usbmsc-gadget do
 * that); unconfirmed, it reverts at the next boot.
 *
 * Freestanding like the rest of the target core. State: struct
 * usbmsc_door (under 64 bytes) and the caller's bitmap, one bit per
 * 256-byte block of a slot. The target core has no clock: the port calls
 * usbmsc_door_tick() as time passes (a timer, the idle loop).
 *
 * The target's streaming buffer must be a multiple of 512 bytes (the door
 * works on whole sectors). */
#ifndef USBMSC_FILEDOOR_H
#define USBMSC_FILEDOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/fwengine.h"
#include "usbmsc/target.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_DOOR_SECTOR 512u
/* The shortest quiet time: the OS finishes its metadata writes first. */
#define USBMSC_DOOR_QUIET_MIN_MS 1000u
/* The largest slot a door serves: its 128 MiB volume holds the running
 * image and a new one as UF2 files, twice their size each. */
#define USBMSC_DOOR_SLOT_MAX (16u * 1024u * 1024u)
/* The door LUN's sectors: the MBR, then a 128 MiB partition. */
#define USBMSC_DOOR_SECTORS (1u + 0x40000u)
/* Bytes of the reception bitmap for slots of slot_size bytes. */
#define USBMSC_DOOR_BITMAP_BYTES(slot_size) (((slot_size) / 256u + 7u) / 8u)

struct usbmsc_door_config {
	struct usbmsc_fw_engine *fw;  /* booted (usbmsc_fw_boot); its config stays put */
	uint8_t *bitmap;              /* USBMSC_DOOR_BITMAP_BYTES(slot_size) bytes */
	/* INFO_UF2.TXT up to the running version, by the UF2 convention:
	 * "UF2 Bootloader NAME\nModel: MODEL\nBoard-ID: CPU-BOARD-REV\n" (fwupd
	 * reads Model: and Board-ID:); the door adds "Firmware: VERSION\n". */
	const char *info;
	/* INDEX.HTM, whole: a page that sends the browser to the product page;
	 * USBMSC_DOOR_INDEX_HTM("https://...") makes it from the URL. */
	const char *index_htm;
	const char *label;            /* volume label: up to 11 characters, upper case */
	/* (info, index_htm and label are never NULL: "" for none) */
	uint32_t volume_id;           /* the FAT volume serial number */
	uint32_t quiet_ms;            /* activate after this long without writes (1000..2^31) */
};

/* INDEX.HTM of a door whose product page is url (a string literal): the
 * page is made when the firmware is compiled, so the door carries no
 * template of its own. */
#define USBMSC_DOOR_INDEX_HTM(url) "<meta http-equiv=\"refresh\" content=\"0;url=" url "\">\n"

/* Treat as opaque (public so that callers can allocate it statically). */
struct usbmsc_door {
	const struct usbmsc_door_config *cfg;
	uint32_t blocks;      /* the image in reception: its UF2 block count (0: none) */
	uint32_t got;         /* its blocks received */
	uint32_t total;       /* its length; 1 while block 0 is in but unchecked; 0 before */
	uint32_t id;          /* its header's signature bytes 192..195, to tell images apart */
	uint32_t quiet;       /* milliseconds since the host last wrote (up to quiet_ms) */
	uint8_t state;        /* idle, receiving, checked, refused */
	uint8_t reason;       /* refused: why (enum usbmsc_fw_reason, USBMSC_DOOR_*) */
};

/* Why an image was refused, beyond enum usbmsc_fw_reason: busy, an image
 * on trial waits for FW CONFIRM (or its revert) before the next one; UF2
 * blocks of another family came (and were ignored, as the UF2
 * specification asks) while no usbmsc image was in reception. */
#define USBMSC_DOOR_BUSY 8u
#define USBMSC_DOOR_FOREIGN 9u

/* Set the door up over cfg and fill lun with its LUN (removable,
 * USBMSC_DOOR_SECTORS sectors of 512 bytes, the door's read and write
 * callbacks). False on a bad configuration: an engine without a
 * configuration, a slot over USBMSC_DOOR_SLOT_MAX, quiet_ms under
 * USBMSC_DOOR_QUIET_MIN_MS, no bitmap. */
USBMSC_API
bool usbmsc_door_init(struct usbmsc_door *d, const struct usbmsc_door_config *cfg,
		      struct usbmsc_lun_config *lun);

/* ms milliseconds have passed (less than 2^31 at a time). A checked image
 * is activated here once the host has been quiet long enough; the
 * engine's activate callback runs from this call. */
USBMSC_API
void usbmsc_door_tick(struct usbmsc_door *d, uint32_t ms);

/* STATUS.TXT is this long whatever it says: its line, spaces, a line
 * feed (a host that caches the file's size reads a new line whole). */
#define USBMSC_DOOR_STATUS_LEN 64u

/* STATUS.TXT: one line made of one of these (\1, \2 and \3 stand for
 * the numbers, versions or words that follow). The host's reader
 * (usbmsc_door_status_parse, doorstatus.h) reads the same words. */
#define USBMSC_DOOR_TXT_WAITING "Waiting for a UF2 file.\n"
#define USBMSC_DOOR_TXT_RECEIVING "Receiving"     /* \3 of USBMSC_DOOR_TXT_BLOCKS */
#define USBMSC_DOOR_TXT_INCOMPLETE "Incomplete"   /* the same, once the host went quiet */
#define USBMSC_DOOR_TXT_BLOCKS "\3: \1 of \2 blocks\n"
#define USBMSC_DOOR_TXT_CHECKED "Checked: starting \1\n"
#define USBMSC_DOOR_TXT_REFUSED "Refused: \1\n"         /* one of the reasons below */
#define USBMSC_DOOR_TXT_UPDATED "Updated from \1 to \2.\n"
#define USBMSC_DOOR_TXT_REVERTED "Rolled back.\n"      /* the new firmware did not start */
/* The reasons, in the order of enum usbmsc_fw_reason from USBMSC_FWR_HEADER,
 * then USBMSC_DOOR_BUSY and USBMSC_DOOR_FOREIGN; each ends in '\0'. */
#define USBMSC_DOOR_TXT_REASONS                                                     \
	"bad header\0"                                                             \
	"wrong length\0"                                                           \
	"wrong device\0"                                                           \
	"downgrade\0"                                                              \
	"bad signature\0"                                                          \
	"damaged\0"                                                                \
	"flash error\0"                                                            \
	"busy\0"                                                                   \
	"other family\0"

#ifdef __cplusplus
}
#endif
#endif
