/* The target's firmware update engine: two image slots (A and B) in flash,
 * a power-loss-safe state record, WRITE BUFFER / READ BUFFER download and
 * read-back, boot on trial with automatic revert, confirmation, and
 * anti-rollback. docs/FIRMWARE.md describes the rules in full.
 *
 * Freestanding like the rest of the target core: no heap, nothing from libc
 * beyond string.h. Flash, hashing, signature checking and the reboot are
 * callbacks; every byte of state lives in the caller's objects.
 *
 * Use:
 *   static struct usbmsc_fw_engine fw;
 *   int slot = usbmsc_fw_boot(&fw, &fw_config);   // decide what runs
 *   usbmsc_fw_table(&fw, &vendor_table);          // WRITE/READ BUFFER, FW STATE, FW CONFIRM
 *   target_config.vendor_cmds = &vendor_table;
 *   target_config.revision = usbmsc_fw_running_version(&fw);
 * The version pointer stays valid and follows every later usbmsc_fw_boot()
 * on the same engine, so INQUIRY reports the image that runs. */
#ifndef USBMSC_FWENGINE_H
#define USBMSC_FWENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/fwimage.h"
#include "usbmsc/fwproto.h"
#include "usbmsc/target.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_FW_SLOT_A 0u
#define USBMSC_FW_SLOT_B 1u
#define USBMSC_FW_NO_SLOT 0xFFu

/* usbmsc_fw_boot() results besides a slot number. */
#define USBMSC_FW_BOOT_NONE (-1)    /* no valid image: stay in recovery, accept a download */
#define USBMSC_FW_BOOT_CONFIG (-2)  /* the configuration is unusable */
#define USBMSC_FW_BOOT_UNREADABLE (-3) /* a lasting flash read error: nothing runs, nothing
					* was written, no download is taken; boot again */

/* Bytes of one state record in flash (at the start of its state sector). */
#define USBMSC_FW_RECORD_LEN 64u
/* The smallest work buffer: one image header. */
#define USBMSC_FW_WORK_MIN USBMSC_FW_HEADER_LEN
/* The largest program unit the engine aligns its writes to. */
#define USBMSC_FW_MAX_WRITE_UNIT 32u
/* Entries of usbmsc_fw_cmds. */
#define USBMSC_FW_CMD_COUNT 4u
/* The WRITE BUFFER modes the engine serves (fwproto.h bits). */
#define USBMSC_FW_MODES (USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 | \
			 USBMSC_FW_MODEBIT_0E | USBMSC_FW_MODEBIT_0F)

/* Configuration flags. */
#define USBMSC_FW_CHECK_AT_BOOT 0x01u /* re-hash the chosen slot at every boot */
#define USBMSC_FW_KEEP_DEFERRED 0x02u /* a deferred image waits for mode 0x0F even across
				       * power cycles (default, as SPC: activated at boot) */
#define USBMSC_FW_HASH_STREAMED 0x04u /* hash the payload as it arrives, no read-back */
/* USBMSC_FW_HASH_STREAMED, the trade-off. By default a complete download
 * is read back from the slot and hashed: what is accepted is what the
 * flash holds, so a program() that reported success but stored other bits
 * is caught before the image may be pending or on trial. That pass reads
 * the whole slot after the last byte (the host waits for it in the last
 * command's CSW). With the flag the payload is hashed in the WRITE BUFFER
 * data as it arrives (chunks follow each other, so in order; a chunk at
 * offset 0 starts the hash over) and compared with the signed header's
 * SHA-256 at the end: the image is proven to be the one signed as
 * received, not as stored. Flash that stores wrong bits silently then goes
 * unnoticed until USBMSC_FW_CHECK_AT_BOOT hashes the slot at a boot, which
 * refuses to run it (a trial image reverts, a confirmed one falls back to
 * the other slot); without CHECK_AT_BOOT nothing ever reads it back, so
 * use the flag with CHECK_AT_BOOT, or on flash that verifies its own
 * programming (a program() that reads back each unit, ECC). The header and
 * its signature are still checked as stored. Between the commands of a
 * download crypto.hash_state holds the running hash: nothing else may use
 * it then. */

/* The flash holding both slots and both state sectors. Addresses are the
 * callbacks' own (for example offsets in a partition). Each returns true on
 * success. program() only ever writes erased bytes, at addresses and lengths
 * that are multiples of write_unit; erase() erases the sector_size bytes
 * starting at addr (sector-aligned). */
struct usbmsc_fw_flash {
	bool (*read)(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len);
	bool (*program)(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len);
	bool (*erase)(void *ctx, uint32_t addr);
	void *ctx;
	uint32_t sector_size;  /* a power of two, at least USBMSC_FW_RECORD_LEN */
	uint8_t write_unit;    /* program alignment: 1, 2, 4, 8, 16 or 32 */
};

/* What the firmware provides to check images. SHA-256 over a state buffer
 * the firmware sizes for its own implementation; verify() checks an Ed25519
 * signature (sig over msg with the 32-byte public key) and returns true when
 * it is good. */
struct usbmsc_fw_crypto {
	void (*hash_init)(void *state);
	void (*hash_update)(void *state, const uint8_t *data, size_t len);
	void (*hash_final)(void *state, uint8_t out[USBMSC_FW_SHA256_LEN]);
	void *hash_state;
	bool (*verify)(const uint8_t sig[USBMSC_FW_SIG_LEN], const uint8_t *msg, size_t msg_len,
		       const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN]);
	const uint8_t *pubkey;  /* USBMSC_FW_PUBKEY_LEN bytes: the key the device trusts */
};

struct usbmsc_fw_config {
	struct usbmsc_fw_flash flash;
	uint32_t slot_addr[2];    /* slot A and B, sector-aligned */
	/* Bytes per slot, a multiple of sector_size: the buffer capacity, all
	 * 32 bits of it (WRITE BUFFER's BUFFER ID carries offset bits 31:24).
	 * Every region must end by 2^32. */
	uint32_t slot_size;
	uint32_t state_addr[2];   /* two state sectors, sector-aligned, apart from the slots */
	uint8_t offset_shift;     /* chunks start at multiples of 2^offset_shift (0..23) */
	uint8_t flags;            /* USBMSC_FW_CHECK_AT_BOOT, _KEEP_DEFERRED, _HASH_STREAMED */
	struct usbmsc_fw_crypto crypto;
	struct usbmsc_fw_identity identity;  /* what images must fit (usbmsc_fw_fits) */
	/* Scratch for header checks and hashing read-back: at least
	 * USBMSC_FW_WORK_MIN bytes; larger means fewer flash reads. Not the
	 * target's streaming buffer (it holds the data being written). */
	uint8_t *work;
	uint32_t work_size;
	/* Activation is due: the image in slot must start. Called before the
	 * command's CSW: real firmware reboots once the CSW has gone out; a
	 * simulated device calls usbmsc_fw_boot() again on the same engine
	 * (from here or after the command). May be NULL. */
	void (*activate)(void *ctx, uint8_t slot);
	void *activate_ctx;
	/* The target whose LUNs get unit attention 06/3F/01 at activation.
	 * May be NULL. */
	struct usbmsc_target *target;
};

/* Why the last image was refused (FW STATE carries only the sense). */
enum usbmsc_fw_reason {
	USBMSC_FWR_NONE = 0,
	USBMSC_FWR_HEADER,    /* the header does not parse */
	USBMSC_FWR_LENGTH,    /* what arrived is not header + payload, or it cannot fit a slot */
	USBMSC_FWR_FIT,       /* made for another device */
	USBMSC_FWR_ROLLBACK,  /* version number below the floor or the active image's */
	USBMSC_FWR_SIGNATURE, /* the signature does not verify */
	USBMSC_FWR_HASH,      /* the stored payload does not match the header's SHA-256 */
	USBMSC_FWR_FLASH      /* a flash operation failed */
};

/* ---- state (public only so that callers can allocate it) --------------- */

struct usbmsc_fw_slot_state {
	uint8_t valid;            /* holds a fully written, verified image */
	char version[5];          /* INQUIRY revision, NUL-terminated */
	uint8_t sig;              /* its signature was checked at download, and is at every
				   * boot (0 when valid: the factory image) */
	uint32_t number;          /* version number */
	uint32_t length;          /* header + payload */
};

/* One state record, decoded. */
struct usbmsc_fw_record {
	uint32_t seq;             /* the larger of two valid records wins */
	uint8_t active;           /* the confirmed image (USBMSC_FW_NO_SLOT: none) */
	uint8_t trial;            /* the image on trial */
	uint8_t pending;          /* a verified image waiting for activation */
	uint8_t flags;            /* internal: tried, reverted */
	uint32_t floor;           /* anti-rollback: lowest version number accepted */
	struct usbmsc_fw_slot_state slot[2];
};

struct usbmsc_fw_engine {
	const struct usbmsc_fw_config *cfg;
	struct usbmsc_fw_record rec;  /* the newest record */
	uint8_t rec_index;            /* the state sector holding it (USBMSC_FW_NO_SLOT: none) */
	uint8_t sync;                 /* internal: is rec known to be the newest on flash */
	uint8_t running;              /* the slot that booted */
	char running_version[5];
	uint8_t reason;               /* enum usbmsc_fw_reason of the last refusal */
	usbmsc_sense_t last_error;
	/* the download in progress */
	uint8_t dl_on;
	uint8_t dl_slot;
	uint8_t tail_len;
	uint8_t cmd_mode;
	uint32_t dl_got;              /* image bytes received */
	uint32_t dl_total;            /* header + payload once the header is in; 0 before */
	uint32_t erased_end;          /* slot bytes erased so far (a sector multiple) */
	uint32_t cmd_off, cmd_len;    /* the current WRITE BUFFER's offset and length */
	usbmsc_sense_t cmd_sense;     /* the current command's failure */
	uint8_t tail[USBMSC_FW_MAX_WRITE_UNIT]; /* bytes short of one program unit */
};

/* ---- API ---------------------------------------------------------------- */

/* (Re)start the engine on cfg and decide the slot to run: a trial image
 * boots once, and reverts to the confirmed one if it boots again without
 * FW CONFIRM; a deferred image is activated (unless KEEP_DEFERRED); with no
 * state record at all (fresh flash) slot A runs if it holds an image that
 * passes every check of a download. Whatever runs passes the header checks
 * (device fit, signature, anti-rollback, the record's version and length)
 * again, and with CHECK_AT_BOOT its payload's SHA-256. May write the
 * state. Returns the slot, USBMSC_FW_BOOT_NONE, USBMSC_FW_BOOT_CONFIG or
 * USBMSC_FW_BOOT_UNREADABLE. */
USBMSC_API
int usbmsc_fw_boot(struct usbmsc_fw_engine *e, const struct usbmsc_fw_config *cfg);

/* For simulated devices: install a minimal factory image in slot A (a
 * header with an empty payload and no signature: a device's first image
 * is trusted by provenance, and its record marks it valid but not signed,
 * which nothing else does) and a state record that runs it, confirmed,
 * with the anti-rollback floor at version_number; slot B is forgotten.
 * Erases the start of slot A (after a record releasing it, if a record
 * exists) and writes a state record. The engine must have booted (any
 * result but BOOT_CONFIG or BOOT_UNREADABLE). Returns false on a bad
 * version (1..4 printable characters, no spaces) or a flash failure. */
USBMSC_API
bool usbmsc_fw_factory_init(struct usbmsc_fw_engine *e, const char *version,
			    uint32_t version_number);

/* Point vt at the engine's commands: WRITE BUFFER (0x3B), READ BUFFER
 * (0x3C), FW STATE (0xD0), FW CONFIRM (0xD1). */
USBMSC_API
void usbmsc_fw_table(struct usbmsc_fw_engine *e, struct usbmsc_vendor_table *vt);
/* The same commands, for a firmware that builds its own table: their ctx
 * must be the engine. */
USBMSC_API
extern const struct usbmsc_vendor_cmd usbmsc_fw_cmds[USBMSC_FW_CMD_COUNT];

/* The running image's version string ("" when none ran), for INQUIRY. */
USBMSC_API
const char *usbmsc_fw_running_version(const struct usbmsc_fw_engine *e);
/* The FW STATE response (fwproto.h). */
USBMSC_API
void usbmsc_fw_state_encode(const struct usbmsc_fw_engine *e, uint8_t out[USBMSC_FW_STATE_LEN]);
/* FW CONFIRM: end the trial of the running image (no-op without one). */
USBMSC_API
usbmsc_sense_t usbmsc_fw_confirm(struct usbmsc_fw_engine *e);
/* Why the last image was refused (USBMSC_FWR_FLASH also after a boot that
 * returned USBMSC_FW_BOOT_UNREADABLE). */
USBMSC_API
enum usbmsc_fw_reason usbmsc_fw_last_reason(const struct usbmsc_fw_engine *e);

#ifdef __cplusplus
}
#endif
#endif
