/* The usbmsc target core: a Bulk-Only Transport + SCSI block-device engine
 * that device firmware links in.
 *
 * Freestanding: no heap, no OS calls, nothing from libc beyond string.h.
 * Every byte of state lives in objects the caller provides. The engine is
 * event-driven, like a USB device controller: the firmware's USB glue
 * reports completed transfers and control requests, and the engine starts
 * the next transfer through the port callbacks. Data is streamed through
 * one caller-supplied buffer, so a 64 MiB WRITE needs no more RAM than one
 * buffer.
 *
 * Endpoint contract for the glue:
 *  - send(buf, len): start a Bulk-In transfer of len bytes (no zero-length
 *    packet is ever needed); report completion with usbmsc_target_sent().
 *  - receive(buf, len): arm Bulk-Out for up to len bytes; report completion
 *    with usbmsc_target_received(n), n >= 1. Complete at a short packet or
 *    when len bytes arrived; completing earlier at a packet boundary is
 *    allowed.
 *  - stall(in): halt an endpoint. When the host clears a halt, call
 *    usbmsc_target_clear_halt(); if it returns true, halt it again (after an
 *    invalid CBW the endpoints stay halted until Reset Recovery).
 * The engine never starts a new transfer on an endpoint before the previous
 * one on it completed. A data stage moves whole buffer loads, the last one
 * excepted (data, padding and data to drop share loads; a receive that
 * completed early at a packet boundary is re-armed for the rest of its
 * load), so a short packet only ever ends a data stage. The CBW is
 * received into the whole buffer, so that 30- and 32-byte CBWs are seen
 * as such. Before it reports a Mass Storage Reset or a bus
 * reset, the glue cancels any bulk transfer in progress; the engine then
 * arms Bulk-Out for the next CBW itself (a halted endpoint keeps that
 * transfer queued until the host clears the halt).
 *
 * Pipelined data stage (usbmsc_target_init_pipelined, below): the port
 * gives the engine several buffers; while one buffer load is on the bus,
 * the LUN fills or drains another, and storage may complete later
 * (USBMSC_SENSE_PENDING, then usbmsc_target_storage_done). The endpoint
 * contract above holds unchanged, and the host sees the same transfers,
 * residues, halts and sense as with one buffer. */
#ifndef USBMSC_TARGET_H
#define USBMSC_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_TARGET_MAX_LUNS 16u
/* The smallest streaming buffer the engine accepts: every non-data
 * response (INQUIRY, VPD, MODE SENSE, REPORT LUNS of 16 LUNs) fits. */
#define USBMSC_TARGET_MIN_BUF 512u

/* Sense as one number: (key << 16) | (asc << 8) | ascq; 0 = success. */
typedef uint32_t usbmsc_sense_t;
#define USBMSC_SENSE(key, asc, ascq) \
	((usbmsc_sense_t)(((uint32_t)(key) << 16) | ((uint32_t)(asc) << 8) | (uint32_t)(ascq)))
#define USBMSC_SENSE_OK ((usbmsc_sense_t)0)
/* Returned by a storage or vendor data callback of a pipelined target: the
 * operation goes on after the callback returns, and the port reports its
 * outcome with usbmsc_target_storage_done(). Never a sense. */
#define USBMSC_SENSE_PENDING ((usbmsc_sense_t)0xFF000000u)

/* Common sense values (docs/PROTOCOL.md). */
#define USBMSC_SENSE_NOT_PRESENT USBMSC_SENSE(0x2, 0x3A, 0x00)
#define USBMSC_SENSE_READ_ERROR USBMSC_SENSE(0x3, 0x11, 0x00)
#define USBMSC_SENSE_WRITE_ERROR USBMSC_SENSE(0x3, 0x0C, 0x00)
#define USBMSC_SENSE_INVALID_OPCODE USBMSC_SENSE(0x5, 0x20, 0x00)
#define USBMSC_SENSE_LBA_OUT_OF_RANGE USBMSC_SENSE(0x5, 0x21, 0x00)
#define USBMSC_SENSE_INVALID_CDB_FIELD USBMSC_SENSE(0x5, 0x24, 0x00)
#define USBMSC_SENSE_LUN_NOT_SUPPORTED USBMSC_SENSE(0x5, 0x25, 0x00)
#define USBMSC_SENSE_INVALID_PARAM USBMSC_SENSE(0x5, 0x26, 0x00)
#define USBMSC_SENSE_PARAM_LIST_LENGTH USBMSC_SENSE(0x5, 0x1A, 0x00)
#define USBMSC_SENSE_SEQUENCE_ERROR USBMSC_SENSE(0x5, 0x2C, 0x00)
#define USBMSC_SENSE_MEDIUM_CHANGED USBMSC_SENSE(0x6, 0x28, 0x00)
#define USBMSC_SENSE_RESET_OCCURRED USBMSC_SENSE(0x6, 0x29, 0x00)
#define USBMSC_SENSE_MICROCODE_CHANGED USBMSC_SENSE(0x6, 0x3F, 0x01)
#define USBMSC_SENSE_WRITE_PROTECTED USBMSC_SENSE(0x7, 0x27, 0x00)

/* ---- storage ----------------------------------------------------------- */

/* LUN flags. */
#define USBMSC_LUN_READ_ONLY 0x01u  /* writes fail with 07/27/00; MODE SENSE WP bit set */
#define USBMSC_LUN_REMOVABLE 0x02u  /* RMB bit in INQUIRY; START STOP UNIT may eject */
/* A control LUN: peripheral device type 0x03 (processor), no medium, no
 * storage callbacks (block_count 0). It answers INQUIRY (and its VPD
 * pages), REQUEST SENSE, TEST UNIT READY (good), REPORT LUNS and the vendor
 * table; every block command fails with 05/20/00. Hosts show it without a
 * disk (Linux: an sg node and no block node; macOS: SCSITaskLib serves it
 * to applications), so it carries vendor and firmware commands while the
 * disk LUN stays mounted. */
#define USBMSC_LUN_PROCESSOR 0x04u

/* Storage callbacks move len bytes at byte position lba * block_size +
 * offset (offset may be inside the block or span several blocks; the
 * engine never crosses the end of the LUN). The engine passes the block a
 * piece starts in and the offset inside it, and len is at most the
 * streaming buffer's size. They return USBMSC_SENSE_OK or
 * the sense to report (for example USBMSC_SENSE_READ_ERROR); on a
 * pipelined target, read and write may also return USBMSC_SENSE_PENDING
 * and finish later (a DMA transfer to an SD card, a request to another
 * thread): the engine then leaves buf alone until the port calls
 * usbmsc_target_storage_done(). At most one storage operation is in
 * progress at a time, and none between commands (sync is called with none
 * in progress). */
struct usbmsc_lun_config {
	uint32_t block_count;
	uint16_t block_size;   /* 512 or 4096; the only source of the block size */
	uint8_t flags;         /* USBMSC_LUN_* */
	usbmsc_sense_t (*read)(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf, uint32_t len);
	usbmsc_sense_t (*write)(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				uint32_t len);
	usbmsc_sense_t (*sync)(void *ctx);  /* SYNCHRONIZE CACHE; NULL: nothing to flush */
	void *ctx;
};

/* ---- vendor commands ----------------------------------------------------
 * A table of opcodes the firmware serves itself, with their direction.
 * Consulted before the built-in block commands, so an entry may also take
 * over a standard opcode (the firmware engine serves WRITE BUFFER this way).
 * For each command the engine calls begin() once, then data() for each
 * piece of the data stage in order (IN: fill buf; OUT: consume buf), then
 * end() (which may still fail the command).
 * begin() runs before the engine compares the host's expectation with the
 * device's (the thirteen cases): when they contradict each other (for
 * example the host expects less OUT data than the command needs), neither
 * data() nor end() follows, so begin() should only check and size. Once the
 * command runs, end() is called after its data stage, also after a data()
 * failure (so it can release what begin() took); it cannot turn a failure
 * into success. A failure of begin() is reported with no data stage. */
struct usbmsc_vendor_cmd {
	uint8_t opcode;
	uint8_t dir;            /* enum usbmsc_dir */
	uint8_t cdb_len;        /* the CDB length the command needs (a shorter CB fails 05/24/00) */
	/* Check the CDB; set *len to the device's data length for it. */
	usbmsc_sense_t (*begin)(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len);
	usbmsc_sense_t (*data)(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
			       uint8_t *buf, uint32_t len);
	usbmsc_sense_t (*end)(void *ctx, uint8_t lun, const uint8_t *cdb); /* may be NULL */
	void *ctx;              /* this entry's context; NULL: the table's */
};

struct usbmsc_vendor_table {
	const struct usbmsc_vendor_cmd *cmds;
	uint8_t count;
	void *ctx;
};

/* ---- the target -------------------------------------------------------- */

struct usbmsc_target_port {
	void (*send)(void *ctx, const uint8_t *buf, uint32_t len);
	void (*receive)(void *ctx, uint8_t *buf, uint32_t len);
	void (*stall)(void *ctx, bool in);
	void *ctx;
};

/* Target option flags. */
#define USBMSC_TARGET_PAD_IN 0x01u  /* pad instead of stalling Bulk-In in cases 4 and 5 */

struct usbmsc_target_config {
	const struct usbmsc_lun_config *luns;
	uint8_t lun_count;                 /* 1..16 */
	uint8_t flags;                     /* USBMSC_TARGET_* */
	const char *vendor;                /* INQUIRY, up to 8 characters, space-padded */
	const char *product;               /* up to 16 */
	const char *revision;              /* up to 4 */
	const char *serial;                /* VPD 0x80 and 0x83; may be NULL */
	const struct usbmsc_vendor_table *vendor_cmds; /* may be NULL */
	struct usbmsc_target_port port;
	/* enum usbmsc_framing (bot.h): USBMSC_FRAMING_VENDOR for a target
	 * serving the vendor interface (its signatures, vendor-type requests
	 * in usbmsc_target_class_request). Two targets may share LUN configs,
	 * each with its own lun_state (sense is per connection). */
	uint8_t framing;
};

/* Per-LUN state: pending sense and unit attention, medium state. */
struct usbmsc_lun_state {
	uint8_t sense_key, asc, ascq;
	uint8_t flags;
};

/* Engine state; treat as opaque (public only so that callers can allocate
 * it statically). */
struct usbmsc_target {
	const struct usbmsc_target_config *cfg;
	struct usbmsc_lun_state *lun_state;
	uint8_t *buf;
	uint32_t buf_size;
	/* the bytes first, where a Cortex-M0 loads them in one instruction */
	uint8_t state;
	uint8_t plan_flags;
	uint8_t handler;        /* which command implementation runs */
	uint8_t shift;          /* READ/WRITE: log2 of the LUN's block size */
	uint8_t lun;
	uint8_t cb_len;
	uint8_t pipelined;      /* started by usbmsc_target_init_pipelined */
	uint32_t tag;
	uint32_t host_len;
	uint32_t done;          /* command data bytes moved so far */
	uint32_t chunk;         /* bytes in flight in the current transfer */
	uint32_t fill;          /* OUT bytes accumulated in buf */
	uint32_t data_len;      /* plan: command data bytes */
	uint32_t extra_len;     /* plan: pad or drop bytes still to move */
	uint32_t residue;
	usbmsc_sense_t result;  /* the command's outcome so far */
	uint32_t lba;           /* READ/WRITE: first block; vendor command: table index */
	uint8_t cb[16];
};

/* Start the engine: luns and lun_state have cfg->lun_count entries; buf is
 * the streaming buffer (at least USBMSC_TARGET_MIN_BUF bytes, a multiple
 * of the endpoint's packet size). Every LUN starts with unit attention
 * 06/29/00 (power on). Arms Bulk-Out for the first CBW. Returns false on a
 * bad configuration. */
USBMSC_API
bool usbmsc_target_init(struct usbmsc_target *t, const struct usbmsc_target_config *cfg,
			struct usbmsc_lun_state *lun_state, uint8_t *buf, uint32_t buf_size);

USBMSC_API
void usbmsc_target_received(struct usbmsc_target *t, uint32_t n);
USBMSC_API
void usbmsc_target_sent(struct usbmsc_target *t);

/* CLEAR_FEATURE(ENDPOINT_HALT) from the host on Bulk-In (in) or Bulk-Out.
 * Returns true when the endpoint must stay halted. */
USBMSC_API
bool usbmsc_target_clear_halt(struct usbmsc_target *t, bool in);

/* A class request on the mass-storage interface. setup is the 8-byte SETUP
 * packet. Returns the number of reply bytes written to reply (at least 1
 * byte of room), 0 for a request with no data stage, or -1 to stall ep0.
 * Mass Storage Reset ends any command, forgets the sticky halt and raises
 * unit attention 06/29/00 on every LUN; the glue then re-arms nothing: the
 * engine does it. */
USBMSC_API
int usbmsc_target_class_request(struct usbmsc_target *t, const uint8_t setup[8], uint8_t *reply);

/* USB bus reset or (re)configuration: as Mass Storage Reset. */
USBMSC_API
void usbmsc_target_bus_reset(struct usbmsc_target *t);

/* Raise a unit attention on every LUN (for example after a firmware
 * activation: USBMSC_SENSE_MICROCODE_CHANGED). */
USBMSC_API
void usbmsc_target_unit_attention(struct usbmsc_target *t, usbmsc_sense_t sense);

/* ---- the pipelined data stage ------------------------------------------
 * Optional (src/device/bot_pipelined.c, with the core built with
 * USBMSC_TARGET_PIPELINED=1: the library libusbmsc-target-pipelined.a);
 * a firmware that uses one buffer does not pay for it.
 *
 * A command's data stage is a stream of buffer loads (data, then padding
 * or data to drop, as with one buffer) that passes two stages, each
 * working on one load at a time: for IN, storage fills a load and the bus
 * sends it; for OUT, the bus receives a load and storage drains it. With
 * count buffers, up to count loads are between the stages, so storage
 * works on one load while the bus moves another. The bus keeps the
 * endpoint contract above (one transfer per endpoint at a time, whole
 * loads but the last); CBW and CSW use the first buffer.
 *
 * Storage callbacks (and vendor data callbacks) may return
 * USBMSC_SENSE_PENDING; the port then calls usbmsc_target_storage_done()
 * once the operation finished, from the same context as the other events
 * and never from inside the callback. Before reporting a Mass Storage Reset
 * or a bus reset, the glue lets a storage operation in progress finish
 * without reporting it (as it cancels bulk transfers). What the host sees
 * (transfers, residues, halts, sense, the firmware engine's behaviour) is
 * what the one-buffer engine gives it; a failed load ends the data stage
 * after the loads before it, as with one buffer. */
#define USBMSC_TARGET_MAX_BUFS 16u

/* Engine state of a pipelined target; treat as opaque. Every other call
 * takes &p->t. */
struct usbmsc_target_pipelined {
	struct usbmsc_target t;  /* first */
	uint32_t loads[2];       /* loads through the first and the second stage */
	uint32_t left;           /* stream bytes not yet in a load */
	uint32_t last;           /* the length of the latest load */
	uint32_t mask;           /* buffers - 1 */
	uint32_t busy;           /* stages with an operation in progress */
	uint32_t storage;        /* the stage storage works in */
};

/* As usbmsc_target_init, with count buffers of buf_size bytes each, back
 * to back from bufs (count * buf_size bytes); count is 1, 2, 4, 8 or 16. */
USBMSC_API
bool usbmsc_target_init_pipelined(struct usbmsc_target_pipelined *p,
				  const struct usbmsc_target_config *cfg,
				  struct usbmsc_lun_state *lun_state, uint8_t *bufs, uint8_t count,
				  uint32_t buf_size);

/* The storage operation that returned USBMSC_SENSE_PENDING finished with
 * sense: USBMSC_SENSE_OK or the sense to report (never
 * USBMSC_SENSE_PENDING). Ignored when no operation is in progress. */
USBMSC_API
void usbmsc_target_storage_done(struct usbmsc_target *t, usbmsc_sense_t sense);

#ifdef __cplusplus
}
#endif
#endif
