/* The callbacks of a footprint instance (scripts/footprint.sh) that a real
 * firmware supplies itself: the medium's read and write, the USB glue
 * that starts endpoint transfers, and the firmware engine's flash and
 * crypto. Not counted. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stubs.h"

usbmsc_sense_t fp_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)lba;
	(void)offset;
	memset(buf, 0, len);
	return USBMSC_SENSE_OK;
}

usbmsc_sense_t fp_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			uint32_t len)
{
	(void)ctx;
	(void)lba;
	(void)offset;
	(void)buf;
	(void)len;
	return USBMSC_SENSE_OK;
}

void fp_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

void fp_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

void fp_stall(void *ctx, bool in)
{
	(void)ctx;
	(void)in;
}

/* Flash and crypto come from the firmware; a volatile keeps the compiler
 * from deciding their answers. */
volatile uint8_t fp_flash_byte;
volatile bool fp_ok;
const uint8_t fp_pubkey[USBMSC_FW_PUBKEY_LEN];

bool fp_flash_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)addr;
	memset(buf, fp_flash_byte, len);
	return fp_ok;
}

bool fp_flash_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)addr;
	fp_flash_byte = len ? buf[0] : 0;
	return fp_ok;
}

bool fp_flash_erase(void *ctx, uint32_t addr)
{
	(void)ctx;
	(void)addr;
	return fp_ok;
}

void fp_hash_init(void *state)
{
	(void)state;
}

void fp_hash_update(void *state, const uint8_t *data, size_t len)
{
	(void)state;
	fp_flash_byte = len ? data[0] : 0;
}

void fp_hash_final(void *state, uint8_t out[USBMSC_FW_SHA256_LEN])
{
	(void)state;
	memset(out, fp_flash_byte, USBMSC_FW_SHA256_LEN);
}

bool fp_verify(const uint8_t sig[USBMSC_FW_SIG_LEN], const uint8_t *msg, size_t msg_len,
	       const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN])
{
	(void)sig;
	(void)msg;
	(void)msg_len;
	(void)pubkey;
	return fp_ok;
}

/* The core's footprint instances (instance.c, pipelined_instance.c): one
 * removable LUN of 1 MiB on the stubs above. */
static const struct usbmsc_lun_config fp_luns[1] = {
	{ 2048, 512, USBMSC_LUN_REMOVABLE, fp_read, fp_write, NULL, NULL },
};

const struct usbmsc_target_config fp_config = {
	.luns = fp_luns,
	.lun_count = 1,
	.vendor = "VENDOR",
	.product = "FOOTPRINT",
	.revision = "1.0",
	.serial = "0001",
	.port = { fp_send, fp_receive, fp_stall, NULL },
};
