/* The target's firmware engine (fwengine.h) hosted on a file, for the
 * devices of this project that run on a host OS: the virtual device
 * ("sim:", src/sim/sim_fw.c) and usbmsc-gadget (--fw-state). Internal to
 * libusbmsc: not an installed header.
 *
 * What it provides around the freestanding engine:
 *  - the flash in one file: slot A, slot B, then two 4 KiB state sectors.
 *    Bytes are stored inverted (each XOR 0xFF), so a hole in the sparse
 *    file reads as erased flash (0xFF) and an erase punches a hole: a
 *    16 MiB slot costs only what was written. An existing file's size
 *    gives its slot size; a new one is created sparse, and a fresh flash
 *    gets a factory image (version FWHOST_FACTORY_VERSION, number 1);
 *  - libsodium's SHA-256 and Ed25519 for the engine's checks;
 *  - the public key the device trusts: a key file, or the demo key
 *    (data/demo-fw-public.key, compiled in);
 *  - the vendor table: the caller's own commands, the engine's four
 *    (WRITE BUFFER, READ BUFFER, FW STATE, FW CONFIRM) and REPORT SUPPORTED
 *    OPERATION CODES (0xA3/0x0C, one-command forms) that tells the WRITE
 *    BUFFER and READ BUFFER modes served and the table's other opcodes.
 *
 * Opening boots the engine (a power-on): what runs is decided by
 * usbmsc_fw_boot with the caller's engine flags. A build without libsodium
 * has no engine: usbmsc_fwhost_open fails with USBMSC_E_OTHER (or, for an
 * optional flash, succeeds with no host). */
#ifndef USBMSC_FWHOST_H
#define USBMSC_FWHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/fwengine.h"
#include "usbmsc/status.h"
#include "usbmsc/target.h"

/* Slot sizes: 4 KiB sectors. Images past 16 MiB reach a slot through
 * WRITE BUFFER's BUFFER ID (offset bits 31:24); the file is sparse, so a
 * large slot costs only what is written. */
#define FWHOST_SECTOR 4096u
#define FWHOST_SLOT_MIN (64u * 1024u)
#define FWHOST_SLOT_MAX (512u * 1024u * 1024u)
#define FWHOST_SLOT_DEFAULT (16u * 1024u * 1024u)
#define FWHOST_FACTORY_VERSION "0100"
#define FWHOST_FACTORY_NUMBER 1u
/* The caller's own vendor commands that fit beside the engine's. */
#define FWHOST_OWN_CMDS_MAX 12u

struct usbmsc_fwhost;

struct usbmsc_fwhost_config {
	const char *flash_path;
	/* For a flash file this open creates; with slot_size_given an existing
	 * file with other slots is a usage error. */
	uint32_t slot_size;
	bool slot_size_given;
	/* A flash file the process may not open or create for writing (EACCES,
	 * EROFS, EPERM) is no error: the open succeeds with no host. */
	bool optional;
	const char *pubkey_path;      /* NULL or "": the demo key */
	struct usbmsc_fw_identity identity;  /* what images must fit */
	/* USBMSC_FW_CHECK_AT_BOOT, USBMSC_FW_KEEP_DEFERRED, for the boot of
	 * the open (later boots take their own). */
	uint8_t engine_flags;
	/* The target whose LUNs get 06/3F/01 at activation (may be NULL). */
	struct usbmsc_target *target;
	/* Activation is due (fwengine.h: called before the command's CSW);
	 * the caller reboots (usbmsc_fwhost_boot) now or later. May be NULL. */
	void (*activate)(void *ctx, uint8_t slot);
	void *activate_ctx;
};

/* Open or create the flash, load the key, boot the engine. *out is NULL
 * after an error, and after an optional flash that cannot be written. */
int usbmsc_fwhost_open(const struct usbmsc_fwhost_config *cfg, struct usbmsc_fwhost **out,
		       struct usbmsc_error *err);
void usbmsc_fwhost_close(struct usbmsc_fwhost *h);

/* A power-on of the device: the engine decides again what runs (an
 * activated image starts on trial, an unconfirmed trial reverts), with
 * engine_flags for this boot (without USBMSC_FW_CHECK_AT_BOOT, right after
 * an activation, the image the engine has just verified is not hashed
 * again). The version pointer of usbmsc_fwhost_revision follows. Returns
 * the slot, USBMSC_FW_BOOT_NONE or USBMSC_FW_BOOT_CONFIG. */
int usbmsc_fwhost_boot(struct usbmsc_fwhost *h, uint8_t engine_flags);

/* INQUIRY's revision: the running image's version ("" when none runs).
 * The pointer stays valid and follows every boot. */
const char *usbmsc_fwhost_revision(const struct usbmsc_fwhost *h);

uint32_t usbmsc_fwhost_slot_size(const struct usbmsc_fwhost *h);
/* The engine itself, for the parts of the device built on it (the file
 * door, filedoor.h). */
struct usbmsc_fw_engine *usbmsc_fwhost_engine(struct usbmsc_fwhost *h);
bool usbmsc_fwhost_created(const struct usbmsc_fwhost *h);  /* this open made the file */

/* Where the device's own time went since the open (CLOCK_MONOTONIC), for
 * benchmarks: the flash callbacks and SHA-256. */
struct usbmsc_fwhost_stats {
	uint64_t read_ns, program_ns, erase_ns, hash_ns;
	uint64_t read_bytes, program_bytes, erases, hash_bytes;
	uint64_t file_writes;   /* writes and hole punches on the flash file */
};
void usbmsc_fwhost_stats(const struct usbmsc_fwhost *h, struct usbmsc_fwhost_stats *out);

/* The device's vendor table: own's commands (NULL: none; each keeps its
 * context, own->ctx for those without), the engine's, and REPORT
 * SUPPORTED OPERATION CODES. out points into h. USBMSC_E_USAGE when own
 * has more than FWHOST_OWN_CMDS_MAX commands. */
int usbmsc_fwhost_vendor_table(struct usbmsc_fwhost *h, const struct usbmsc_vendor_table *own,
			       struct usbmsc_vendor_table *out, struct usbmsc_error *err);

#endif
