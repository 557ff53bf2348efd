/* Internal to the compliance suite (usbmsc/compliance.h): the suite's
 * state and what its files share. Not installed.
 *
 *   compliance.c          the run: identify the LUN, the checks in order, the outcome
 *   compliance_raw.c      one raw BOT command over the pipe, stage by stage
 *   compliance_ready.c    recovery, TEST UNIT READY before each check, failures
 *   compliance_scratch.c  block I/O, the scratch area and its model
 *   compliance_report.c   the rows
 *   compliance_class.c    Get Max LUN and malformed class requests
 *   compliance_cbw.c      CB bytes past the length, invalid CBWs
 *   compliance_cases.c    the thirteen cases
 *   compliance_cmdset.c   READ CAPACITY(16), WRITE(12) and READ(12) */
#ifndef USBMSC_COMPLIANCE_INTERNAL_H
#define USBMSC_COMPLIANCE_INTERNAL_H

#include "usbmsc/compliance.h"

#define CSW_BUF 512u               /* a CSW read takes a whole packet: more is reported, not an overflow */
#define IO_CHUNK (64u * 1024u)     /* block I/O per command when saving, filling, restoring */
#define BIG_LEN (64u * 1024u)      /* READ(12)/WRITE(12): the whole blocks that fit */
/* The most blocks one check moves through the work buffers: case 13's two
 * blocks and the guards either side. */
#define WORK_BLOCKS 4u
#define SENSE_LEN 18u
#define EXPECT_STALL_MS 2000u      /* reads that must stall: a NAK this long is already a failure */
#define MIN_BLOCK 512u
#define MAX_BLOCK (64u * 1024u)
#define FIRST_TAG 0x55430000u
#define NOT_REACHED (-1)           /* a stage the command never got to */

/* bmRequestType / bRequest values on ep0. */
#define RT_CLASS_OUT 0x21u
#define RT_CLASS_IN 0xA1u
#define RT_EP_IN 0x82u
#define REQ_GET_STATUS 0x00u

/* Where each check works, in blocks from the start of the scratch area;
 * the blocks either side of each range are its guards. */
enum {
	AT_CASE3 = 2,
	AT_CASE8 = 5,
	AT_CASE11 = 8,
	AT_CASE12 = 11,
	AT_CASE13 = 14,    /* two blocks */
	AT_READ = 20,      /* cases 2, 6, 7, 10 read here */
	AT_BIG = 32,       /* READ(12)/WRITE(12), up to 64 KiB */
};

/* Salts of the patterns written, so that no two writes look alike. */
enum { SALT_FILL = 0, SALT_CASE3 = 3, SALT_CASE8 = 8, SALT_CASE9 = 9, SALT_CASE10 = 10,
       SALT_CASE11 = 11, SALT_CASE12 = 12, SALT_CASE13 = 13, SALT_BIG = 64 };

struct suite {
	struct usbmsc_pipe *p;
	const struct usbmsc_compliance_opts *o;
	struct usbmsc_compliance_report *rep;
	size_t cap;                /* room in rep->checks */
	unsigned tmo;
	uint32_t tag;
	uint8_t lun;
	uint32_t bs;
	uint64_t scratch;          /* first LBA of the scratch area */
	uint32_t nscratch;
	uint8_t *saved;            /* the scratch area as found */
	uint8_t *model;            /* what the scratch area must hold now */
	uint8_t *buf;              /* work: received data, work_len bytes */
	uint8_t *out;              /* work: data to send, work_len bytes */
	size_t work_len;           /* BIG_LEN or WORK_BLOCKS blocks, whichever is more */
	unsigned ready_waited_ms;  /* spent waiting for a LUN becoming ready, over the run */
	bool gone;                 /* the device went away */
	bool not_ready;            /* still becoming ready once the wait was spent: the run ends */
	bool oom;
	bool dirty;                /* the scratch area has been written to */
	bool port_reset_used;      /* since the last row: Reset Recovery was not enough */
	bool checking;             /* the rows that use the LUN have begun */
	char not_ready_why[USBMSC_CHECK_TEXT_MAX];
};

/* What one raw command did, stage by stage. */
struct xfer {
	enum usbmsc_dir dir;
	uint32_t host_len;
	uint32_t tag;
	int cbw_r;                 /* pipe result of the CBW */
	int data_r;                /* of the data stage (OK also when there is none) */
	size_t done;               /* data bytes moved */
	bool data_stalled;         /* the data stage ended in a stall (the halt was cleared) */
	bool csw_stalled;          /* the first CSW read stalled (cleared, read again) */
	bool csw_zlp;              /* a zero-length packet came where the CSW was due */
	bool csw_in_data;          /* the CSW came as the data stage */
	int csw_r;                 /* pipe result of the last CSW read */
	size_t csw_len;
	enum usbmsc_csw_check chk;
	struct usbmsc_csw csw;
};

static inline uint32_t cpl_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The checks stop early: device gone, LUN not ready, out of memory, or a
 * stop requested. */
bool cpl_should_stop(const struct suite *s);

/* ---- compliance_raw.c ---------------------------------------------------------------- */

const char *cpl_pipe_text(int r);
/* Append to a NUL-terminated string, cutting what does not fit. */
void cpl_append(char *buf, size_t len, const char *fmt, ...)
	USBMSC_PRINTF(3, 4);
/* Pipe operations that note a device going away and, once it has, fail
 * at once with NO_DEVICE. cpl_bulk never reports more than len moved. */
int cpl_bulk(struct suite *s, bool in, uint8_t *buf, size_t len, size_t *done, unsigned tmo);
int cpl_clear(struct suite *s, bool in);
int cpl_control(struct suite *s, uint8_t rt, uint8_t req, uint16_t value, uint8_t *data,
		uint16_t len, size_t *done);
int cpl_halted(struct suite *s, bool in, bool *halted);
/* Only for a pipe that has port_reset. */
int cpl_port_reset(struct suite *s);
/* "halted", "not halted", or why GET_STATUS did not say. */
const char *cpl_halt_text(int r, bool halted);
bool cpl_reset_recovery(struct suite *s);

void cpl_make_cbw(struct suite *s, struct usbmsc_cbw *cbw, enum usbmsc_dir dir, uint32_t len,
		  const uint8_t *cdb, size_t cdb_len);
/* The CBW, the data stage into or from data (host_len bytes) and the CSW. */
void cpl_raw_exec(struct suite *s, const struct usbmsc_cbw *cbw, uint8_t *data, struct xfer *x);
void cpl_run_cmd(struct suite *s, enum usbmsc_dir dir, uint32_t len, const uint8_t *cdb,
		 size_t cdb_len, uint8_t *data, struct xfer *x);
bool cpl_xfer_valid(const struct xfer *x);
bool cpl_in_stalled(const struct xfer *x);
bool cpl_out_stalled(const struct xfer *x);
bool cpl_status_is(const struct xfer *x, uint8_t status);
/* What the exchange looked like: "in 36 bytes; stall; CSW status 0, residue 476". */
void cpl_describe(const struct xfer *x, char *buf, size_t len);

/* ---- compliance_ready.c -------------------------------------------------------------- */

bool cpl_request_sense(struct suite *s, struct usbmsc_sense *sense);
/* Reset Recovery after a command that left the device in doubt. */
void cpl_after(struct suite *s, const struct xfer *x);
/* TEST UNIT READY until it passes (see compliance_ready.c). */
bool cpl_settle(struct suite *s);
/* The category of a command that did not pass, and its description. */
int cpl_cmd_failure(struct suite *s, const struct xfer *x, char *why, size_t len);

/* ---- compliance_scratch.c ------------------------------------------------------------ */

int cpl_block_io(struct suite *s, bool write, uint64_t lba, uint32_t count, uint8_t *data,
		 char *why, size_t len);
void cpl_pattern(uint8_t *buf, uint32_t bs, uint64_t lba, uint8_t salt);
void cpl_pattern_run(struct suite *s, uint8_t *buf, uint32_t rel, uint32_t count, uint8_t salt);
uint8_t *cpl_model_at(struct suite *s, uint32_t rel);
bool cpl_adopt_either(struct suite *s, uint32_t rel, const uint8_t *data, char *why, size_t len);
bool cpl_guards_hold(struct suite *s, uint32_t rel, uint32_t count, uint32_t also, char *seen,
		     size_t len);
int cpl_place_scratch(struct suite *s, struct usbmsc_error *err);
int cpl_allocate(struct suite *s, struct usbmsc_error *err);
int cpl_prepare_scratch(struct suite *s, struct usbmsc_error *err);
void cpl_restore_scratch(struct suite *s);

/* ---- compliance_report.c ------------------------------------------------------------- */

void cpl_record(struct suite *s, const char *name, bool pass, const char *choice,
		const char *expected, const char *seen);
/* Which of "status 1 or 2" the device chose; NULL for anything else. */
const char *cpl_status_choice(const struct xfer *x);

/* ---- the checks, in the order run ------------------------------------------------------ */

void cpl_check_class_requests(struct suite *s);
void cpl_check_cb_past_lengths(struct suite *s);
void cpl_check_cases(struct suite *s);
void cpl_check_invalid_cbws(struct suite *s);
void cpl_check_cmdset(struct suite *s);

#endif
