/* Bulk-Only Transport compliance checks against any device's bulk pipe.
 *
 * The suite speaks raw BOT over a struct usbmsc_pipe (the simulator's, a
 * libusb one, a test's wrapper) and checks what the BOT spec and the USB-IF
 * mass-storage tests require (docs/PROTOCOL.md): the thirteen cases provoked with
 * READ(10), WRITE(10), TEST UNIT READY and INQUIRY under mismatched host
 * lengths and directions; invalid CBWs (bad signature, 30 and 32 bytes)
 * wedging Bulk-In until Reset Recovery; CDB bytes past the CB length
 * ignored; Get Max LUN and malformed class requests; READ(12)/WRITE(12) of
 * 64 KiB and READ CAPACITY(16).
 *
 * Where the spec allows alternatives (stall or pad in cases 4 and 5, stall
 * or discard in 9, 10 and 11, CSW status 1 or 2) every allowed behaviour
 * passes, and the check records which one the device chose.
 *
 * The write checks use a scratch area of the LUN (default: its last 256
 * blocks). It is read first, filled with a known pattern, and written back
 * at the end (and read again to prove it); blocks just outside each
 * command's range are compared before and after it, so a device that
 * writes past a command's end is caught. */
#ifndef USBMSC_COMPLIANCE_H
#define USBMSC_COMPLIANCE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/initiator.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_CHECK_NAME_MAX 48u
#define USBMSC_CHECK_TEXT_MAX 160u
#define USBMSC_CHECK_CHOICE_MAX 32u
/* The default scratch area: the last this many blocks of the LUN. */
#define USBMSC_COMPLIANCE_SCRATCH_BLOCKS 256u

enum usbmsc_verdict {
	USBMSC_VERDICT_PASS = 0,
	USBMSC_VERDICT_FAIL = 1
};

/* One row of the report. */
struct usbmsc_check {
	char name[USBMSC_CHECK_NAME_MAX];        /* stable: "case-04-hi-dn", "cbw-30-bytes/in-stalled" */
	char expected[USBMSC_CHECK_TEXT_MAX];    /* what the spec allows */
	char seen[USBMSC_CHECK_TEXT_MAX];        /* what the device did */
	/* The allowed alternative the device chose ("stall", "pad",
	 * "discard", "status-2"...); "" where the spec allows one behaviour. */
	char choice[USBMSC_CHECK_CHOICE_MAX];
	enum usbmsc_verdict verdict;
};

struct usbmsc_compliance_opts {
	uint8_t lun;
	bool scratch_set;          /* scratch_lba was given; else the last 256 blocks */
	uint64_t scratch_lba;
	unsigned timeout_ms;       /* per transfer; 0: USBMSC_DEFAULT_TIMEOUT_MS */
	/* The most the whole run waits for a LUN that answers "becoming ready"
	 * (02/04/01); still so after that, the LUN is not ready and the run
	 * ends with USBMSC_E_NOT_READY. 0: 10 s. */
	unsigned ready_wait_ms;
	struct usbmsc_trace trace; /* a NOTE per check; CBW, CSW and data dumps */
	/* When *stop becomes non-zero (a signal handler may set it), the suite
	 * stops after the current check, restores the scratch area and
	 * returns USBMSC_E_TRANSPORT. NULL: never. */
	volatile sig_atomic_t *stop;
};

struct usbmsc_compliance_report {
	struct usbmsc_check *checks;   /* in the order run; usbmsc_compliance_report_free */
	size_t count;
	unsigned passed, failed;
	/* What the suite learnt about the device on the way. */
	char vendor[9], product[17], revision[5];  /* INQUIRY, trailing spaces cut */
	uint8_t lun;
	uint8_t max_lun;           /* Get Max LUN (0 when it stalled) */
	bool max_lun_stalled;
	uint32_t block_size;
	uint64_t blocks;
	uint64_t scratch_lba;
	uint32_t scratch_blocks;
	bool scratch_saved;        /* read before anything was written */
	bool scratch_restored;     /* written back and read back equal */
	/* USB port resets the suite needed because Reset Recovery did not
	 * bring the device back (each fails the row it happened in). */
	unsigned port_resets;
};

/* Run every check over pipe, which must be idle (no command in progress);
 * it is left idle and stays the caller's. rep is filled (the caller frees
 * it with usbmsc_compliance_report_free, also after a failure).
 *
 * Returns 0 when the suite ran to its end: rep->failed then says whether
 * the device passed. Otherwise the category that stopped it, with err
 * saying why: USBMSC_E_USAGE (a LUN the device does not have, a scratch
 * area outside the LUN), the sense category when the LUN cannot be
 * identified, read or written at all, USBMSC_E_NO_DEVICE when the device
 * went away (the checks run so far are in rep; the scratch area is then
 * not restored and err says so), USBMSC_E_TRANSPORT when *opts->stop was
 * set, USBMSC_E_OTHER when out of memory. */
USBMSC_API
int usbmsc_compliance_run_pipe(struct usbmsc_pipe *pipe, const struct usbmsc_compliance_opts *opts,
			       struct usbmsc_compliance_report *rep, struct usbmsc_error *err);

/* The same over an open device's pipe (usbmsc_dev_pipe). A device whose
 * transport is not Bulk-Only over a pipe (SG_IO) is refused with
 * USBMSC_E_USAGE and a message pointing to usb: and sim:. */
USBMSC_API
int usbmsc_compliance_run(struct usbmsc_dev *dev, const struct usbmsc_compliance_opts *opts,
			  struct usbmsc_compliance_report *rep, struct usbmsc_error *err);

USBMSC_API
void usbmsc_compliance_report_free(struct usbmsc_compliance_report *rep);

/* "pass" or "fail". */
USBMSC_API
const char *usbmsc_verdict_name(enum usbmsc_verdict verdict);

/* GET_STATUS(ENDPOINT) for Bulk-In or Bulk-Out: *halted gets the halt bit.
 * Returns a pipe result (enum usbmsc_pipe_result); USBMSC_PIPE_ERROR when
 * the answer is not two bytes. */
USBMSC_API
int usbmsc_pipe_get_halt(struct usbmsc_pipe *pipe, bool in, bool *halted, unsigned timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
