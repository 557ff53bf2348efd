/* Internal interfaces between the files of the target core.
 *
 * bot_engine.c   the Bulk-Only Transport state machine (CBW, data stage, CSW)
 * command.c      command lookup and the checks every command passes
 * block_lun.c    the SCSI block commands and their table
 * sense_state.c  sense data and unit attention per LUN
 * bot_pipelined.c the pipelined data stage (usbmsc_target_init_pipelined)
 *
 * Which data stages a build of the core has (both default to the
 * one-buffer core alone):
 *   USBMSC_TARGET_ONE_BUFFER=1  the one-buffer data stage (advance() in
 *                               bot_engine.c) and usbmsc_target_init
 *   USBMSC_TARGET_PIPELINED=1   bot_pipelined.c, and the hooks in
 *                               bot_engine.c that hand it the data stage
 * The host library has both; a firmware links one (libusbmsc-target.a, or
 * libusbmsc-target-pipelined.a: pipelined only, where one buffer is
 * usbmsc_target_init_pipelined with a count of 1). */
#ifndef USBMSC_TARGET_INTERNAL_H
#define USBMSC_TARGET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/target.h"

#ifndef USBMSC_TARGET_PIPELINED
#define USBMSC_TARGET_PIPELINED 0
#endif
#ifndef USBMSC_TARGET_ONE_BUFFER
#define USBMSC_TARGET_ONE_BUFFER 1
#endif
#if !USBMSC_TARGET_ONE_BUFFER && !USBMSC_TARGET_PIPELINED
#error "the target core needs a data stage: USBMSC_TARGET_ONE_BUFFER or USBMSC_TARGET_PIPELINED"
#endif
#if !USBMSC_TARGET_ONE_BUFFER
/* Without the one-buffer data stage a plain target could not run: the
 * engine's initialisation is usbmsc_target_init_pipelined's alone. */
#define usbmsc_target_init usbmsc_tgt_init
bool usbmsc_tgt_init(struct usbmsc_target *t, const struct usbmsc_target_config *cfg,
		     struct usbmsc_lun_state *lun_state, uint8_t *buf, uint32_t buf_size);
#endif

/* How the data stage of the current command is produced or consumed
 * (struct usbmsc_target.handler). */
enum {
	TGT_H_NONE = 0,   /* no data */
	TGT_H_BUF = 1,    /* response already built in buf (never more than buf_size) */
	TGT_H_READ = 2,   /* storage read callback, from lba */
	TGT_H_WRITE = 3,  /* storage write callback, from lba */
	TGT_H_VENDOR = 4  /* vendor command; lba holds its index in the vendor table */
};

/* struct usbmsc_target.plan_flags */
#define TGT_PF_IN 0x01u       /* the host expects IN data (pad with zeros, never drop) */
#define TGT_PF_STALL_IN 0x02u /* halt Bulk-In before the CSW */
#define TGT_PF_PHASE 0x04u    /* CSW status phase error */
#define TGT_PF_STORE 0x08u    /* record the outcome as the LUN's sense */
#define TGT_PF_END 0x10u      /* the vendor command's end() is still due */
#define TGT_PF_CLEAR 0x20u    /* REQUEST SENSE: clear a pending unit attention */

/* struct usbmsc_lun_state.flags */
#define TGT_LS_EJECTED 0x01u
#define TGT_LS_PREVENT 0x02u
#define TGT_LS_UA 0x80u       /* the sense bytes hold a pending unit attention */

/* Sense beyond the common ones of target.h. */
#define TGT_SENSE_SAVING_NOT_SUPPORTED USBMSC_SENSE(0x5, 0x39, 0x00)
#define TGT_SENSE_REMOVAL_PREVENTED USBMSC_SENSE(0x5, 0x53, 0x02)

/* One built-in command: which CDB bits may be set and what it needs. */
struct usbmsc_tgt_cmd {
	uint8_t opcode;
	uint8_t byte1;     /* bits of CDB byte 1 that may be set */
	uint8_t flags;     /* direction (enum usbmsc_dir) | TGT_CF_* */
	uint16_t mask;     /* bit i set: CDB byte i (2..15) may be non-zero */
};
#define TGT_CF_DIR 0x03u
#define TGT_CF_MEDIUM 0x04u  /* fails 02/3A/00 while the medium is ejected */
#define TGT_CF_UA_OK 0x08u   /* runs despite a pending unit attention */
#define TGT_CF_CTRL 0x10u    /* also served by a control LUN (USBMSC_LUN_PROCESSOR) */

/* block_lun.c */
const struct usbmsc_tgt_cmd *usbmsc_tgt_block_find(uint8_t opcode);
/* Run or set up the built-in command c (CDB already checked); set *len to
 * the device's data length. */
usbmsc_sense_t usbmsc_tgt_block_prepare(struct usbmsc_target *t, const struct usbmsc_tgt_cmd *c,
					uint32_t *len);

/* command.c */
/* Check the CDB in t->cb and set the command up: the device's direction
 * and length, t->handler. A sense means "no data, fail with it". */
usbmsc_sense_t usbmsc_tgt_prepare(struct usbmsc_target *t, uint8_t *dir, uint32_t *len);
/* Move the next n bytes of command data at t->done through t->buf. */
usbmsc_sense_t usbmsc_tgt_piece(struct usbmsc_target *t, uint32_t n);
/* The vendor command's end(), if it has one. */
usbmsc_sense_t usbmsc_tgt_end(struct usbmsc_target *t);

/* bot_engine.c: struct usbmsc_target.state */
enum {
	TGT_S_IDLE,       /* not started */
	TGT_S_CBW,        /* Bulk-Out armed for a CBW */
	TGT_S_DATA_IN,    /* sending a load of command data and/or padding */
	TGT_S_DATA_OUT,   /* receiving a load of command data and/or data to drop */
	TGT_S_STORAGE,    /* pipelined: only storage works on the data stage */
	TGT_S_WAIT_CLEAR, /* Bulk-In halted; the CSW follows the host's CLEAR_FEATURE */
	TGT_S_CSW,        /* sending the CSW */
	TGT_S_HALTED      /* invalid CBW: both endpoints halted until Reset Recovery */
};

#if USBMSC_TARGET_PIPELINED
/* bot_engine.c, for bot_pipelined.c */
/* A callback failed in the data stage at t->done, load bytes of the
 * failed load already received: the residue and the rest of the stream. */
void usbmsc_tgt_fail(struct usbmsc_target *t, usbmsc_sense_t sense, uint32_t load);
/* After the data stage: the vendor command's end(), then the halt of
 * Bulk-In or the CSW. */
void usbmsc_tgt_end_and_finish(struct usbmsc_target *t);

/* bot_pipelined.c: the next step of a pipelined target's data stage,
 * where the one-buffer engine would advance(): the command's start
 * (state TGT_S_CBW), a completed send (TGT_S_DATA_IN), a receive that
 * brought t->fill bytes of its load (TGT_S_DATA_OUT). */
void usbmsc_tgt_pipelined_advance(struct usbmsc_target *t);
#endif

/* sense_state.c */
void usbmsc_tgt_lun_set(struct usbmsc_lun_state *ls, usbmsc_sense_t sense);
usbmsc_sense_t usbmsc_tgt_lun_get(const struct usbmsc_lun_state *ls);
void usbmsc_tgt_lun_raise_ua(struct usbmsc_lun_state *ls, usbmsc_sense_t sense);
void usbmsc_tgt_lun_power_on(struct usbmsc_lun_state *ls);
/* A pending unit attention, now reported (and no longer pending), or 0. */
usbmsc_sense_t usbmsc_tgt_lun_take_ua(struct usbmsc_lun_state *ls);
/* The outcome of a command that ran: it becomes the sense REQUEST SENSE
 * reports, unless a unit attention is still pending. */
void usbmsc_tgt_lun_record(struct usbmsc_lun_state *ls, usbmsc_sense_t result, bool clear_ua);

#endif
