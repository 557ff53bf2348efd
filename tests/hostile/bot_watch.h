/* A monitor of a host's Bulk-Only Transport traffic, as the host sends it
 * and as it receives it (after any tampering by the device): it follows
 * the host's idea of the protocol (CBW, data stage, CSW) and checks what
 * the host must always do, whatever the device answers:
 *   - a data stage is exactly the length its CBW announced, in the CBW's
 *     direction;
 *   - a host does not go round in circles: a bounded number of pipe calls
 *     between two CBWs;
 *   - what WRITE BUFFER carries is the firmware image, byte for byte.
 * It also keeps the record the firmware update is judged by (which chunks
 * of the image the device took, whether it took the activation and a FW
 * CONFIRM after it) and the blocks the host wrote to.
 *
 * "Took" means what the host was told: every byte of the data stage moved,
 * then a valid CSW (13 bytes, signature, tag) with status 0, residue 0. */
#ifndef HOSTILE_BOT_WATCH_H
#define HOSTILE_BOT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

/* Pipe calls between two CBWs beyond which the host is in a loop. The
 * compliance suite's invalid-CBW sequence takes about 12, Reset Recovery
 * 3, a CSW read with its retries 4. */
#define WATCH_MAX_GAP 48u
#define WATCH_TEXT 256u

enum watch_phase { WATCH_IDLE, WATCH_DATA_IN, WATCH_DATA_OUT, WATCH_STATUS };

/* Where a pipe call falls in the host's exchange. */
enum watch_stage {
	WATCH_ANY = 0,        /* only as a rule's filter: every call */
	WATCH_CBW,            /* bulk OUT where a CBW is due */
	WATCH_DATA_IN_STAGE,
	WATCH_DATA_OUT_STAGE,
	WATCH_CSW,            /* bulk IN where the CSW is due */
	WATCH_CONTROL,
	WATCH_CLEAR,
	WATCH_PORT_RESET,
	WATCH_STAGES
};

struct watch_cmd {
	bool valid;
	uint32_t tag, len;
	bool in;
	uint8_t cdb[16];
	uint8_t cdb_len;
	size_t moved;            /* data bytes the host was told moved */
};

struct bot_watch {
	uint8_t framing;          /* enum usbmsc_framing of the pipe */
	enum watch_phase phase;
	struct watch_cmd cmd;
	/* counts */
	unsigned calls, cbws, invalid_cbws, gap, max_gap;
	/* blocks written (WRITE(10/12/16) CBWs sent): [lo, hi) */
	bool wrote;
	uint64_t write_lo, write_hi;
	/* the firmware update's record */
	const uint8_t *image;     /* the image WRITE BUFFER must carry (NULL: not checked) */
	uint64_t image_len;
	uint64_t covered;         /* image bytes taken, contiguous from 0 (the latest download) */
	unsigned wb_sent, wb_taken;
	bool activated;           /* an activation taken with the whole image covered */
	unsigned confirms;        /* FW CONFIRMs taken after the activation */
	unsigned confirms_any;    /* FW CONFIRMs taken at all */
	/* broken rules: how many, and the first */
	unsigned violations;
	char first[WATCH_TEXT];
};

void watch_init(struct bot_watch *w, uint8_t framing);
/* Note a broken rule (printf-style). */
void watch_violation(struct bot_watch *w, const char *fmt, ...)
	USBMSC_PRINTF(2, 3);
/* Where a call falls, before it is made. */
enum watch_stage watch_stage_of_bulk(const struct bot_watch *w, bool in, const uint8_t *buf,
				     size_t len);
/* After each call, with what the host sent (OUT) or received (IN). */
void watch_bulk(struct bot_watch *w, enum watch_stage stage, const uint8_t *buf, size_t len,
		size_t done, int result);
void watch_control(struct bot_watch *w, uint8_t rt, uint8_t req, int result);
void watch_other(struct bot_watch *w, enum watch_stage stage, int result);
/* Forget the write range and the firmware record (a new library call). */
void watch_reset_record(struct bot_watch *w);

#endif
