/* The firmware's own callbacks for the footprint instances (stubs.c). */
#ifndef USBMSC_FOOTPRINT_STUBS_H
#define USBMSC_FOOTPRINT_STUBS_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/target.h"

usbmsc_sense_t fp_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf, uint32_t len);
usbmsc_sense_t fp_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			uint32_t len);
void fp_send(void *ctx, const uint8_t *buf, uint32_t len);
void fp_receive(void *ctx, uint8_t *buf, uint32_t len);
void fp_stall(void *ctx, bool in);

#endif
