/* The firmware's own callbacks for the footprint instances (stubs.c). */
#ifndef USBMSC_FOOTPRINT_STUBS_H
#define USBMSC_FOOTPRINT_STUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/fwengine.h"
#include "usbmsc/target.h"

usbmsc_sense_t fp_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf, uint32_t len);
usbmsc_sense_t fp_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			uint32_t len);
void fp_send(void *ctx, const uint8_t *buf, uint32_t len);
void fp_receive(void *ctx, uint8_t *buf, uint32_t len);
void fp_stall(void *ctx, bool in);
/* One removable LUN on the stubs above (instance.c, pipelined_instance.c). */
extern const struct usbmsc_target_config fp_config;

/* The firmware engine's flash and crypto (fw_instance.c, door_instance.c). */
bool fp_flash_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len);
bool fp_flash_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len);
bool fp_flash_erase(void *ctx, uint32_t addr);
void fp_hash_init(void *state);
void fp_hash_update(void *state, const uint8_t *data, size_t len);
void fp_hash_final(void *state, uint8_t out[USBMSC_FW_SHA256_LEN]);
bool fp_verify(const uint8_t sig[USBMSC_FW_SIG_LEN], const uint8_t *msg, size_t msg_len,
	       const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN]);
extern const uint8_t fp_pubkey[USBMSC_FW_PUBKEY_LEN];

#endif
