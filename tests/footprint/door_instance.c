/* The file door (a FAT volume made up on the fly, UF2 reception) as
 * firmware links it, for the footprint measurement (scripts/footprint.sh):
 * a target with a disk LUN and the door LUN, the firmware engine booted
 * over the stub flash and crypto callbacks, the door's tick from the main
 * loop. Counted: the door's objects and its state, fp_door; the bitmap
 * (one bit per 256-byte block of a slot) is reported apart. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usbmsc/filedoor.h"
#include "usbmsc/fwengine.h"
#include "usbmsc/target.h"

#include "stubs.h"

#define FP_SLOT 0x80000u

static uint8_t fp_door_hash_state[128];
static uint8_t fp_door_work[USBMSC_FW_WORK_MIN];
static uint8_t fp_door_bitmap[USBMSC_DOOR_BITMAP_BYTES(FP_SLOT)];

static struct usbmsc_lun_config fp_door_luns[2] = {
	{ 2048, 512, USBMSC_LUN_REMOVABLE, fp_read, fp_write, NULL, NULL },
};

static struct usbmsc_vendor_table fp_door_vt;
static struct usbmsc_target fp_door_target;
static struct usbmsc_lun_state fp_door_lun_state[2];
static uint8_t fp_door_buf[512] __attribute__((aligned(4)));

static const struct usbmsc_target_config fp_door_target_config = {
	.luns = fp_door_luns,
	.lun_count = 2,
	.vendor = "VENDOR",
	.product = "FOOTPRINT",
	.revision = "1.0",
	.serial = "0001",
	.vendor_cmds = &fp_door_vt,
	.port = { fp_send, fp_receive, fp_stall, NULL },
};

static const struct usbmsc_fw_config fp_door_fw_config = {
	.flash = { fp_flash_read, fp_flash_program, fp_flash_erase, NULL, 4096, 4 },
	.slot_addr = { 0x10000, 0x90000 },
	.slot_size = FP_SLOT,
	.state_addr = { 0x0000, 0x1000 },
	.offset_shift = 9,
	.flags = USBMSC_FW_CHECK_AT_BOOT,
	.crypto = { fp_hash_init, fp_hash_update, fp_hash_final, fp_door_hash_state, fp_verify,
		    fp_pubkey },
	.work = fp_door_work,
	.work_size = sizeof(fp_door_work),
	.target = &fp_door_target,
};

static struct usbmsc_fw_engine fp_door_fw;

static const struct usbmsc_door_config fp_door_config = {
	.fw = &fp_door_fw,
	.bitmap = fp_door_bitmap,
	.info = "UF2 Bootloader FOOTPRINT\nModel: Footprint\nBoard-ID: M0PLUS-FP-1\n",
	.index_htm = USBMSC_DOOR_INDEX_HTM("https://example.com/footprint"),
	.label = "FOOTPRINT",
	.volume_id = 0x12345678u,
	.quiet_ms = 1000,
};

struct usbmsc_door fp_door;

volatile uint32_t fp_door_event;

void footprint_door_main(void);

void footprint_door_main(void)
{
	if (usbmsc_fw_boot(&fp_door_fw, &fp_door_fw_config) == USBMSC_FW_BOOT_CONFIG)
		return;
	usbmsc_fw_table(&fp_door_fw, &fp_door_vt);
	if (!usbmsc_door_init(&fp_door, &fp_door_config, &fp_door_luns[1]))
		return;
	if (!usbmsc_target_init(&fp_door_target, &fp_door_target_config, fp_door_lun_state,
				fp_door_buf, sizeof(fp_door_buf)))
		return;
	for (;;) {
		switch (fp_door_event) {
		case 0:
			usbmsc_target_received(&fp_door_target, fp_door_event);
			break;
		case 1:
			usbmsc_target_sent(&fp_door_target);
			break;
		default:
			usbmsc_door_tick(&fp_door, fp_door_event);
			break;
		}
	}
}
