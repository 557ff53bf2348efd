/* The host side: a device handle over a transport, the transports, and the
 * Bulk-Only Transport engine that runs over a bulk pipe.
 *
 *   usbmsc_dev  --->  usbmsc_transport (vtable: sim BOT, libusb BOT, SG_IO...)
 *                          |
 *                     BOT engine  --->  usbmsc_pipe (vtable: simulator, libusb)
 *
 * The library never prints and never exits: failures come back as a
 * category (enum usbmsc_status) with a message in struct usbmsc_error. */
#ifndef USBMSC_INITIATOR_H
#define USBMSC_INITIATOR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/bot.h"
#include "usbmsc/scsi.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_DEFAULT_TIMEOUT_MS 10000u
#define USBMSC_SENSE_MAX 252u

/* ---- tracing (-v): the library reports, the caller prints ---------------- */

enum usbmsc_trace_kind {
	USBMSC_TRACE_NOTE = 0,  /* text only: a recovery step, a path decision */
	USBMSC_TRACE_CDB,
	USBMSC_TRACE_CBW,
	USBMSC_TRACE_CSW,
	USBMSC_TRACE_SENSE,
	USBMSC_TRACE_DATA_OUT,
	USBMSC_TRACE_DATA_IN
};

struct usbmsc_trace {
	void (*fn)(void *ctx, enum usbmsc_trace_kind kind, const char *text,
		   const uint8_t *bytes, size_t len);
	void *ctx;
};

/* Emit a trace event if tr has a function (tr may be NULL). */
USBMSC_API
void usbmsc_trace_emit(const struct usbmsc_trace *tr, enum usbmsc_trace_kind kind,
		       const uint8_t *bytes, size_t len, const char *fmt, ...)
	USBMSC_PRINTF(5, 6);

/* ---- one SCSI command ------------------------------------------------------ */

struct usbmsc_cmd {
	const uint8_t *cdb;
	uint8_t cdb_len;        /* 1..16 */
	uint8_t lun;
	enum usbmsc_dir dir;
	uint8_t *data;          /* IN: filled; OUT: sent (not modified) */
	uint32_t len;           /* the host's expected data length */
	unsigned timeout_ms;    /* 0: the device's default */
};

enum usbmsc_outcome {
	USBMSC_OUTCOME_GOOD = 0,
	USBMSC_OUTCOME_CHECK_CONDITION,
	USBMSC_OUTCOME_PHASE_ERROR,
	USBMSC_OUTCOME_TRANSPORT_ERROR,
	USBMSC_OUTCOME_TIMEOUT
};

struct usbmsc_result {
	enum usbmsc_outcome outcome;
	uint8_t scsi_status;
	uint32_t residue;        /* as reported (BOT: dCSWDataResidue) */
	uint32_t transferred;    /* data bytes actually moved */
	uint8_t sense_len;
	uint8_t sense[USBMSC_SENSE_MAX];
};

/* "good", "check-condition", "phase-error", "transport-error", "timeout". */
USBMSC_API
const char *usbmsc_outcome_name(enum usbmsc_outcome outcome);

/* The category for a result: 0 for GOOD; the sense key's category for a
 * CHECK CONDITION; USBMSC_E_TRANSPORT or USBMSC_E_TIMEOUT otherwise. */
USBMSC_API
int usbmsc_result_status(const struct usbmsc_result *res);

/* ---- transports -------------------------------------------------------------
 * A transport runs one SCSI command at a time. Implementations embed
 * struct usbmsc_transport as their first member. exec() returns 0 when the
 * command reached the device and came back with a verdict (good, check
 * condition, phase error: see res->outcome), or a category when the
 * transport itself failed (res->outcome is then TRANSPORT_ERROR or
 * TIMEOUT and err says what happened). */
struct usbmsc_transport;

struct usbmsc_transport_ops {
	const char *name;
	int (*exec)(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		    struct usbmsc_result *res, struct usbmsc_error *err);
	/* Bring the device back to a known state (BOT: Reset Recovery). */
	int (*reset)(struct usbmsc_transport *t, struct usbmsc_error *err);
	/* Highest LUN number; transports that cannot ask report 0. */
	int (*max_lun)(struct usbmsc_transport *t, uint8_t *max_lun, struct usbmsc_error *err);
	void (*close)(struct usbmsc_transport *t);
	/* Optional (NULL: not supported). Async-signal-safe: only sets a flag
	 * that makes the current exec return promptly and every later exec
	 * fail at once, so that a signal handler can ask for a stop and the
	 * program can then close the transport normally. */
	void (*interrupt)(struct usbmsc_transport *t);
	/* Optional (NULL: none): the bulk pipe a Bulk-Only transport runs
	 * over, for raw BOT traffic (usbmsc/compliance.h). */
	struct usbmsc_pipe *(*pipe)(struct usbmsc_transport *t);
};

struct usbmsc_transport {
	const struct usbmsc_transport_ops *ops;
	uint32_t max_transfer;       /* largest data stage per command, bytes */
	unsigned timeout_ms;         /* default when a command gives 0 */
	struct usbmsc_trace trace;
	/* Set by exec(): the command failed in the transport (transport error,
	 * time-out, phase error) and the transport then brought the device
	 * back to a known state (BOT: Reset Recovery succeeded), so retrying
	 * the command once is safe. Cleared at the start of every exec(). */
	bool recovered;
};

/* ---- bulk pipes (what the BOT engine runs over) ----------------------------- */

enum usbmsc_pipe_result {
	USBMSC_PIPE_OK = 0,
	USBMSC_PIPE_STALL,      /* the endpoint is halted (possibly after some data) */
	USBMSC_PIPE_TIMEOUT,
	USBMSC_PIPE_NO_DEVICE,  /* unplugged */
	USBMSC_PIPE_ERROR       /* any other I/O failure */
};

struct usbmsc_pipe;

struct usbmsc_pipe_ops {
	/* One bulk transfer of up to len bytes; *done is set to the bytes moved
	 * even when the result is not OK. */
	int (*bulk)(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		    unsigned timeout_ms);
	/* CLEAR_FEATURE(ENDPOINT_HALT) on the Bulk-In or Bulk-Out endpoint. */
	int (*clear_halt)(struct usbmsc_pipe *p, bool in, unsigned timeout_ms);
	/* A control transfer; data is IN or OUT per bit 7 of request_type. */
	int (*control)(struct usbmsc_pipe *p, uint8_t request_type, uint8_t request,
		       uint16_t value, uint16_t index, uint8_t *data, uint16_t len,
		       size_t *done, unsigned timeout_ms);
	/* USB port reset; NULL when the pipe cannot do it. */
	int (*port_reset)(struct usbmsc_pipe *p);
	void (*close)(struct usbmsc_pipe *p);
};

struct usbmsc_pipe {
	const struct usbmsc_pipe_ops *ops;
	uint8_t interface;      /* the mass-storage interface number (wIndex) */
	uint8_t ep_in;          /* endpoint addresses, for GET_STATUS and CLEAR_FEATURE */
	uint8_t ep_out;
	uint16_t max_packet;
	uint8_t framing;        /* enum usbmsc_framing (bot.h): BOT, or the vendor interface's */
};

/* The BOT engine as a transport over a pipe. It takes ownership of pipe
 * (closing the transport closes the pipe, also when this fails). */
USBMSC_API
int usbmsc_bot_transport_open(struct usbmsc_pipe *pipe, uint32_t max_transfer,
			      struct usbmsc_transport **out, struct usbmsc_error *err);

/* BOT class requests and Reset Recovery over a pipe (also used by the
 * compliance checks). */
USBMSC_API
int usbmsc_bot_get_max_lun(struct usbmsc_pipe *pipe, uint8_t *max_lun, unsigned timeout_ms);
USBMSC_API
int usbmsc_bot_reset_recovery(struct usbmsc_pipe *pipe, unsigned timeout_ms);

/* ---- the device handle ------------------------------------------------------- */

struct usbmsc_dev;

struct usbmsc_open_opts {
	unsigned timeout_ms;      /* 0: USBMSC_DEFAULT_TIMEOUT_MS */
	struct usbmsc_trace trace;
	/* usb:, auto: - unmount the device's mounted file systems before taking
	 * it from the kernel driver (each is reported as a trace NOTE); without
	 * it a mounted device is refused with USBMSC_E_BUSY. */
	bool unmount;
};

/* Open a device by URI (see usbmsc(1)): "sim:PATH[?OPTIONS]", ... */
USBMSC_API
int usbmsc_open(const char *uri, const struct usbmsc_open_opts *opts, struct usbmsc_dev **out,
		struct usbmsc_error *err);
/* Wrap an already open transport (the device takes ownership). */
USBMSC_API
int usbmsc_dev_from_transport(struct usbmsc_transport *t, struct usbmsc_dev **out,
			      struct usbmsc_error *err);
USBMSC_API
void usbmsc_close(struct usbmsc_dev *dev);
/* Async-signal-safe: ask the transport to stop (see the transport op
 * "interrupt"); the current and every later usbmsc_exec return promptly
 * with an error, and usbmsc_close then restores the device (usb:
 * reattaches the kernel driver). No effect on transports without it. */
USBMSC_API
void usbmsc_dev_interrupt(struct usbmsc_dev *dev);

/* A program that lets Ctrl-C stop a long run gives the library a flag its
 * own signal handler sets (the library installs no handler). Once *flag is
 * non-zero, every later command through every handle fails at once with
 * USBMSC_E_INTERRUPTED, and SG_IO and libusb transfers in progress are
 * cancelled (within 100 ms), so that the program can say how far it got and
 * close its devices normally (usb: then gives the device back to its
 * kernel driver). Process-wide, so that the handles a firmware update
 * reopens follow it too; NULL removes it. */
USBMSC_API
void usbmsc_set_stop_flag(const volatile sig_atomic_t *flag);
/* Whether that flag is set (async-signal-safe). */
USBMSC_API
bool usbmsc_stop_requested(void);

/* Run one command. Returns the category (0 good): see usbmsc_result_status,
 * plus the transport's failures. On failure usbmsc_dev_errmsg() says why. */
USBMSC_API
int usbmsc_exec(struct usbmsc_dev *dev, const struct usbmsc_cmd *cmd, struct usbmsc_result *res);

USBMSC_API
const char *usbmsc_dev_errmsg(const struct usbmsc_dev *dev);
USBMSC_API
const char *usbmsc_dev_transport_name(const struct usbmsc_dev *dev);
USBMSC_API
uint32_t usbmsc_dev_max_transfer(const struct usbmsc_dev *dev);
USBMSC_API
int usbmsc_dev_max_lun(struct usbmsc_dev *dev, uint8_t *max_lun);
USBMSC_API
int usbmsc_dev_reset(struct usbmsc_dev *dev);
/* The bulk pipe under the device's transport, for raw Bulk-Only traffic
 * (usbmsc/compliance.h): sim: and usb: have one; NULL for transports that
 * are not BOT over a pipe (SG_IO). It stays the device's: do not close it. */
USBMSC_API
struct usbmsc_pipe *usbmsc_dev_pipe(struct usbmsc_dev *dev);

/* ---- common commands (each returns a category) ------------------------------- */

USBMSC_API
int usbmsc_test_unit_ready(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_result *res);
USBMSC_API
int usbmsc_request_sense(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_sense *sense,
			 struct usbmsc_result *res);
USBMSC_API
int usbmsc_inquiry(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_inquiry *inq,
		   struct usbmsc_result *res);
/* VPD page into buf; *len in: room, out: bytes received. */
USBMSC_API
int usbmsc_inquiry_vpd(struct usbmsc_dev *dev, uint8_t lun, uint8_t page, uint8_t *buf,
		       size_t *len, struct usbmsc_result *res);
/* READ CAPACITY(10), then (16) when the device has more than 2^32 - 1 blocks. */
USBMSC_API
int usbmsc_read_capacity(struct usbmsc_dev *dev, uint8_t lun, uint64_t *blocks,
			 uint32_t *block_size, struct usbmsc_result *res);
/* READ/WRITE of count blocks, split into commands that fit the transport. */
USBMSC_API
int usbmsc_read_blocks(struct usbmsc_dev *dev, uint8_t lun, uint64_t lba, uint32_t count,
		       uint32_t block_size, uint8_t *buf, struct usbmsc_result *res);
USBMSC_API
int usbmsc_write_blocks(struct usbmsc_dev *dev, uint8_t lun, uint64_t lba, uint32_t count,
			uint32_t block_size, const uint8_t *buf, struct usbmsc_result *res);
/* REPORT LUNS: LUN numbers (single-level, first two bytes) into luns. */
USBMSC_API
int usbmsc_report_luns(struct usbmsc_dev *dev, uint16_t *luns, size_t max, size_t *count,
		       struct usbmsc_result *res);

#ifdef __cplusplus
}
#endif
#endif
