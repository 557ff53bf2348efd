/* Shared by the virtual-device scenario tests: a temporary directory with
 * a patterned disk image, raw BOT traffic over the simulated pipe, and
 * image hashes to prove which blocks changed. */
#ifndef SIMFX_H
#define SIMFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/initiator.h"
#include "usbmsc/sim.h"

/* The wire format the scenario tests speak: built once as the mass-storage
 * interface (BOT) and once more with -DSIMFX_VENDOR as the vendor interface
 * (framing=vendor), so that the same scenarios hold for both. */
#ifdef SIMFX_VENDOR
#define SIMFX_FRAMING USBMSC_FRAMING_VENDOR
#define SIMFX_OPTIONS "framing=vendor"
#else
#define SIMFX_FRAMING USBMSC_FRAMING_BOT
#define SIMFX_OPTIONS ""
#endif

#define IMG_SIZE (1024u * 1024u)
#define BS 512u

struct simfx {
	char dir[200];
	char path[240];
	struct usbmsc_sim *sim;
	struct usbmsc_pipe *pipe;
	uint32_t tag;
};

/* A new temporary directory with PATH = DIR/disk.img holding the pattern
 * (IMG_SIZE bytes) when fill is true. */
void simfx_init(struct simfx *f, bool fill);
/* Create the virtual device on PATH with these options (and the framing). */
void simfx_open(struct simfx *f, const char *options);
/* "sim:PATH?OPTIONS" with the framing's option added. */
void simfx_uri(const struct simfx *f, const char *options, char *buf, size_t len);
void simfx_close(struct simfx *f);
/* Close, delete every file in the directory, and the directory. */
void simfx_cleanup(struct simfx *f);

/* The pattern byte at an image offset. */
uint8_t pattern_byte(uint64_t off);
/* FNV-1a over the file, skipping [skip_off, skip_off + skip_len). */
uint64_t hash_file(const char *path, uint64_t skip_off, uint64_t skip_len);
void read_file(const char *path, uint64_t off, void *buf, size_t len);
/* The image still holds the pattern in [off, off + len). */
void assert_pattern(const char *path, uint64_t off, size_t len);

/* ---- raw BOT over f->pipe ------------------------------------------------ */
/* Send a CBW (next tag); returns the pipe result. */
int raw_cbw(struct simfx *f, uint32_t len, bool in, uint8_t lun, const uint8_t *cdb,
	    uint8_t cdb_len);
/* Send arbitrary bytes on Bulk-Out. */
int raw_out(struct simfx *f, const void *buf, size_t len, size_t *done);
int raw_in(struct simfx *f, void *buf, size_t len, size_t *done);
/* Read the CSW and check it answers the last CBW. */
void expect_csw(struct simfx *f, uint8_t status, uint32_t residue);
/* Read the CSW: it must STALL first; clear the halt, then read it. */
void expect_stalled_csw(struct simfx *f, uint8_t status, uint32_t residue);
bool halted(struct simfx *f, bool in);
void clear_halt(struct simfx *f, bool in);
void reset_recovery(struct simfx *f);
/* TEST UNIT READY until it passes (the power-on unit attention first). */
void clear_unit_attention(struct simfx *f);
/* INQUIRY passes, and TEST UNIT READY passes (after any unit attention). */
void assert_device_works(struct simfx *f);

/* COUNTERS field index (0 commands ... 5 contract violations), read with
 * a raw vendor command (the unit attention must be cleared). */
uint64_t counter(struct simfx *f, unsigned index);

/* CDBs. */
void cdb_rw10(uint8_t cdb[10], uint8_t op, uint32_t lba, uint16_t blocks);

/* A trace sink keeping NOTE lines. */
struct notes {
	char text[4096];
};
void notes_fn(void *ctx, enum usbmsc_trace_kind kind, const char *text, const uint8_t *bytes,
	      size_t len);

#endif
