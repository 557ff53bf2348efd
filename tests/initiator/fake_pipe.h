/* A scripted bulk pipe for testing the BOT engine: the test queues the
 * operations it expects, in order, with the device's canned answers; any
 * other operation fails the test. CBWs are recognised, CSWs built and
 * Reset Recovery expected in the pipe's framing (base.framing). */
#ifndef FAKE_PIPE_H
#define FAKE_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/initiator.h"

#define FAKE_MAX_STEPS 64
#define FAKE_MAX_CBWS 32
#define FAKE_ANY SIZE_MAX

enum fake_op { FAKE_BULK_IN, FAKE_BULK_OUT, FAKE_CLEAR_HALT, FAKE_CONTROL };

struct fake_step {
	enum fake_op op;
	bool in;                  /* clear_halt: the endpoint */
	uint8_t rt, req;          /* control */
	uint16_t value, windex, wlen;
	size_t len;               /* bulk: the host length expected (FAKE_ANY: any) */
	uint8_t reply[64];        /* bytes given to the host (bulk IN, control IN) */
	size_t reply_len;
	size_t done;              /* bulk OUT: bytes taken (FAKE_ANY: all) */
	int result;               /* enum usbmsc_pipe_result */
	bool csw;                 /* bulk IN: a CSW echoing the last CBW's tag ... */
	uint8_t csw_status;       /* ... with this status ... */
	uint32_t csw_residue;     /* ... and residue */
};

struct fake_pipe {
	struct usbmsc_pipe base;
	struct fake_step steps[FAKE_MAX_STEPS];
	size_t count, pos;
	uint8_t cbws[FAKE_MAX_CBWS][31];
	size_t cbw_count;
	uint8_t out_data[8192];   /* the last bulk OUT that was not a CBW */
	size_t out_len;
	unsigned last_timeout;
	int closed;
};

void fake_init(struct fake_pipe *f);
/* The steps the host must take, in order. */
struct fake_step *fake_push(struct fake_pipe *f, enum fake_op op);
void fake_expect_cbw(struct fake_pipe *f, int result);
void fake_expect_in(struct fake_pipe *f, size_t len, const void *reply, size_t reply_len,
		    int result);
void fake_expect_out(struct fake_pipe *f, size_t len, size_t done, int result);
void fake_expect_csw(struct fake_pipe *f, uint8_t status, uint32_t residue);
void fake_expect_clear(struct fake_pipe *f, bool in, int result);
void fake_expect_control(struct fake_pipe *f, uint8_t rt, uint8_t req, uint16_t wlen,
			 const void *reply, size_t reply_len, int result);
void fake_expect_reset_recovery(struct fake_pipe *f);
/* Every queued step was taken. */
void fake_assert_done(const struct fake_pipe *f);
/* The tag of CBW number i (0-based) the host sent. */
uint32_t fake_cbw_tag(const struct fake_pipe *f, size_t i);

/* A trace sink that keeps every NOTE line. */
struct trace_log {
	char text[2048];
	int notes;
	int kinds[8];
};
void trace_log_fn(void *ctx, enum usbmsc_trace_kind kind, const char *text,
		  const uint8_t *bytes, size_t len);
bool trace_has(const struct trace_log *log, const char *needle);

#endif
