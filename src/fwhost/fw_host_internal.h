/* Internal to src/fwhost: how its files share the host's struct.
 *
 * fw_host.c   open, boot, close, the key, the engine's configuration, crypto
 * fw_flash.c  the flash file: open or create, size check, read/program/erase
 * fw_rsoc.c   the vendor table and REPORT SUPPORTED OPERATION CODES */
#ifndef USBMSC_FWHOST_INTERNAL_H
#define USBMSC_FWHOST_INTERNAL_H

#include "fw_host.h"
#include "usbmsc_config.h"

#if USBMSC_HAVE_SODIUM
#include <sodium.h>
#endif

/* The engine's scratch: larger means fewer flash reads when it hashes an
 * image back. Also the size of the inversion buffer for programming. */
#define FWHOST_WORK 65536u
#define FWHOST_RSOC_MAX 32u
#define FWHOST_TABLE_MAX (FWHOST_OWN_CMDS_MAX + USBMSC_FW_CMD_COUNT + 1u)

struct usbmsc_fwhost {
	char *path;
	int fd;
	bool created;
	uint32_t slot;
	struct usbmsc_fw_engine engine;
	struct usbmsc_fw_config cfg;
	uint8_t pubkey[USBMSC_FW_PUBKEY_LEN];
	uint8_t work[FWHOST_WORK];
	uint8_t invert[FWHOST_WORK];
#if USBMSC_HAVE_SODIUM
	crypto_hash_sha256_state sha;
#endif
	struct usbmsc_vendor_cmd table[FWHOST_TABLE_MAX];
	uint8_t table_len;
	uint8_t rsoc[FWHOST_RSOC_MAX];   /* the REPORT SUPPORTED OPERATION CODES answer */
	uint32_t rsoc_len;
	struct usbmsc_fwhost_stats stats;
	int io_errno;                    /* the last failed flash write's errno, for messages */
	/* Programs of a slot that follow each other, held in invert (already
	 * inverted) and written as one: the file door programs 256 bytes at a
	 * time. Written before any read, erase, other program and close. */
	uint32_t pend_addr, pend_len;
};

/* fw_flash.c */
/* Open cfg's flash file, or create it sparse (h->created); fills h->fd,
 * h->slot. An optional flash the process may not write leaves fd at -1. */
int fwhost_flash_open(struct usbmsc_fwhost *h, const struct usbmsc_fwhost_config *cfg,
		      struct usbmsc_error *err);
/* The flash callbacks on h->fd. */
struct usbmsc_fw_flash fwhost_flash(struct usbmsc_fwhost *h);
/* Write the programs held back, if any; false (io_errno set) on an error. */
bool fwhost_flash_flush(struct usbmsc_fwhost *h);
uint64_t fwhost_flash_size(uint32_t slot);

#endif
