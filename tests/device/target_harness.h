/* A test port for the target core: it records every transfer the engine
 * starts, plays the host's side of Bulk-Only Transport packet by packet,
 * and serves up to three RAM-disk LUNs:
 *   LUN 0: 64 blocks of 512, removable, with a sync callback
 *   LUN 1: 16 blocks of 4096
 *   LUN 2: 8 blocks of 512, read-only
 *
 * Built with H_BUFS=N (N >= 1) it runs the pipelined engine
 * (usbmsc_target_init_pipelined) with N buffers of H_BUF_SIZE, and with
 * H_ASYNC=1 the RAM disks finish every read and write later
 * (USBMSC_SENSE_PENDING): the host side completes the operation in
 * progress only when it finds nothing else to do, so that the bus runs
 * ahead of storage as far as the engine lets it. Without H_BUFS, the
 * one-buffer engine. The same tests run in every configuration. */
#ifndef TARGET_HARNESS_H
#define TARGET_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/bot.h"
#include "usbmsc/target.h"

#define H_BUF_SIZE 512u
#define H_PACKET 64u   /* full-speed bulk packets */
#define H_MAX_LUNS 3u
#define H_MAX_SENDS 4096u
#ifndef H_BUFS
#define H_BUFS 0 /* the one-buffer engine */
#endif
#ifndef H_ASYNC
#define H_ASYNC 0
#endif
#define H_NBUF (H_BUFS > 1 ? H_BUFS : 1)

/* A storage operation in progress (H_ASYNC). */
struct h_pending {
	bool active;
	bool write;
	struct ramdisk *disk;
	uint8_t *buf;
	uint32_t lba, offset, len;
};

struct ramdisk {
	uint8_t *data;
	uint32_t blocks;
	uint16_t block_size;
	uint32_t reads, writes, syncs;  /* callback calls */
	uint32_t max_len;               /* largest len of one call */
	uint32_t outside;               /* calls that reached past the end */
	uint32_t overlapped;            /* calls made while the bus moved another load */
	int64_t fail_at;                /* fail the call that covers this byte; -1: never */
	usbmsc_sense_t fail_sense;
};

struct harness {
	union {
		struct usbmsc_target t;            /* what every call takes */
		struct usbmsc_target_pipelined tp; /* H_BUFS: its first member is t */
	};
	struct usbmsc_target_config cfg;
	struct usbmsc_lun_config luns[H_MAX_LUNS];
	struct usbmsc_lun_state ls[H_MAX_LUNS];
	struct ramdisk disks[H_MAX_LUNS];
	uint8_t buf[H_NBUF * H_BUF_SIZE];
	/* the transfer in flight on each endpoint; the host reads a send's
	 * bytes from the engine's buffer when it takes them, as a controller
	 * does, so a buffer reused too early shows */
	const uint8_t *sent;
	uint32_t send_len;
	bool send_pending;
	uint8_t *recv_ptr;
	uint32_t recv_len;
	bool recv_pending;
	bool halted_in, halted_out;
	/* the record */
	uint32_t sends, receives, stalls_in, stalls_out;
	uint32_t send_lens[H_MAX_SENDS];
	uint32_t violations;          /* broken port contract: see target_harness.c */
	uint32_t next_tag;
	bool async;                   /* storage finishes later (H_ASYNC; a test may change it) */
	struct h_pending pending;     /* the storage operation in progress */
	uint32_t pendings;            /* storage operations that finished later */
};

/* What the host saw of one command. */
struct host_result {
	bool stuck;            /* the device stopped answering */
	uint32_t in_len;       /* IN bytes received */
	uint32_t out_len;      /* OUT bytes the device accepted */
	bool halted_in;        /* the device halted Bulk-In during the command */
	bool halted_out;
	enum usbmsc_csw_check check;
	struct usbmsc_csw csw;
	uint32_t tag;
};

/* lun_count 1..3, target flags (USBMSC_TARGET_PAD_IN). */
void h_init(struct harness *h, uint8_t lun_count, uint8_t flags);
void h_set_vendor(struct harness *h, const struct usbmsc_vendor_table *vt);
/* Start the engine again on h->cfg (after a test changed it: LUN configs,
 * framing), as the glue does after a reconfiguration: transfers in flight
 * and halts are gone. Returns what usbmsc_target_init returned. CBWs, CSWs
 * and class requests follow h->cfg.framing. */
bool h_restart(struct harness *h);
/* Start the engine on h->cfg with lun_state, in the harness's
 * configuration (one buffer, or pipelined). */
bool h_engine_init(struct harness *h, struct usbmsc_lun_state *lun_state);
/* H_ASYNC: finish the storage operation in progress and report it;
 * false when there was none. */
bool h_settle(struct harness *h);

/* Deliver raw bytes as one Bulk-Out transfer; false when none is armed. */
bool h_deliver(struct harness *h, const uint8_t *bytes, uint32_t n);
/* The host's CLEAR_FEATURE(ENDPOINT_HALT); returns the endpoint's state after. */
bool h_clear_halt(struct harness *h, bool in);
int h_class(struct harness *h, uint8_t bm, uint8_t req, uint16_t value, uint16_t length,
	    uint8_t *reply);

/* One command the way a host runs it: CBW, data stage (stopping at a short
 * packet or a halt), clearing halts, CSW. */
void h_cmd(struct harness *h, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
	   enum usbmsc_dir dir, uint32_t host_len, const uint8_t *out, uint8_t *in,
	   struct host_result *r);
/* Same, with a raw CB length (the CB is cdb[0..15]). */
void h_cmd_raw(struct harness *h, uint8_t lun, const uint8_t cb[16], uint8_t cb_len,
	       enum usbmsc_dir dir, uint32_t host_len, const uint8_t *out, uint8_t *in,
	       struct host_result *r);

/* REQUEST SENSE on lun: the sense as one number, or 0xFFFFFFFF on a
 * transport failure. */
uint32_t h_sense(struct harness *h, uint8_t lun);
/* TEST UNIT READY: the CSW status, or -1. */
int h_tur(struct harness *h, uint8_t lun);
/* Clear the power-on unit attention of every LUN. */
void h_clear_ua(struct harness *h);

uint32_t h_checksum(const uint8_t *p, size_t n);
void h_fill_pattern(uint8_t *p, size_t n, uint32_t seed);

#endif
