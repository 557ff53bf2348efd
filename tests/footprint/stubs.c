/* The callbacks of a footprint instance (scripts/footprint.sh) that a real
 * firmware supplies itself: the medium's read and write, and the USB glue
 * that starts endpoint transfers. Not counted. */
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
