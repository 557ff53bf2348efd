/* The firmware engine (A/B slots, WRITE/READ BUFFER, FW STATE/CONFIRM) as
 * firmware links it, for the footprint measurement (scripts/footprint.sh):
 * a one-LUN target whose vendor table is the engine's, the engine booted
 * over stub flash and crypto callbacks (a real firmware's own drivers and
 * SHA-256/Ed25519, not counted), and every engine entry point reachable.
 * Counted: the engine's objects and its state, fp_fw_engine. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usbmsc/fwengine.h"
#include "usbmsc/target.h"

#include "stubs.h"

static uint8_t fp_hash_state[128];
static uint8_t fp_work[USBMSC_FW_WORK_MIN];

static const struct usbmsc_lun_config fp_fw_luns[1] = {
	{ 2048, 512, USBMSC_LUN_REMOVABLE, fp_read, fp_write, NULL, NULL },
};

static struct usbmsc_vendor_table fp_fw_vt;
static struct usbmsc_target fp_fw_target;
static struct usbmsc_lun_state fp_fw_lun_state[1];
static uint8_t fp_fw_buf[512] __attribute__((aligned(4)));

static const struct usbmsc_target_config fp_fw_target_config = {
	.luns = fp_fw_luns,
	.lun_count = 1,
	.vendor = "VENDOR",
	.product = "FOOTPRINT",
	.revision = "1.0",
	.serial = "0001",
	.vendor_cmds = &fp_fw_vt,
	.port = { fp_send, fp_receive, fp_stall, NULL },
};

static const struct usbmsc_fw_config fp_fw_config = {
	.flash = { fp_flash_read, fp_flash_program, fp_flash_erase, NULL, 4096, 4 },
	.slot_addr = { 0x10000, 0x90000 },
	.slot_size = 0x80000,
	.state_addr = { 0x0000, 0x1000 },
	.offset_shift = 9,
	.flags = USBMSC_FW_HASH_STREAMED | USBMSC_FW_CHECK_AT_BOOT,
	.crypto = { fp_hash_init, fp_hash_update, fp_hash_final, fp_hash_state, fp_verify,
		    fp_pubkey },
	.work = fp_work,
	.work_size = sizeof(fp_work),
	.target = &fp_fw_target,
};

struct usbmsc_fw_engine fp_fw_engine;

volatile uint32_t fp_fw_event;
volatile const char *fp_fw_version;
uint8_t fp_fw_state[USBMSC_FW_STATE_LEN];

void footprint_fw_main(void);

void footprint_fw_main(void)
{
	if (usbmsc_fw_boot(&fp_fw_engine, &fp_fw_config) == USBMSC_FW_BOOT_CONFIG)
		return;
	usbmsc_fw_table(&fp_fw_engine, &fp_fw_vt);
	fp_fw_version = usbmsc_fw_running_version(&fp_fw_engine);
	if (!usbmsc_target_init(&fp_fw_target, &fp_fw_target_config, fp_fw_lun_state, fp_fw_buf,
				sizeof(fp_fw_buf)))
		return;
	for (;;) {
		switch (fp_fw_event) {
		case 0:
			usbmsc_target_received(&fp_fw_target, fp_fw_event);
			break;
		case 1:
			usbmsc_target_sent(&fp_fw_target);
			break;
		case 2:
			fp_fw_event = (uint32_t)usbmsc_fw_confirm(&fp_fw_engine);
			break;
		case 3:
			usbmsc_fw_state_encode(&fp_fw_engine, fp_fw_state);
			break;
		default:
			fp_fw_event = (uint32_t)usbmsc_fw_last_reason(&fp_fw_engine);
			break;
		}
	}
}
