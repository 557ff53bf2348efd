/* A hostile device for the host side: a bulk pipe (usbmsc_pipe_ops) around
 * a real device's pipe (the virtual device's) that bends what the host
 * sees according to a program of rules: answers short, long, stalled or
 * mutated, bad CSWs, time-outs (returned at once: nothing here sleeps),
 * the device vanishing. Every call also goes through a bot_watch that
 * checks the host's side of the protocol.
 *
 * A rule waits for the nth call that matches its stage (bot_watch.h) and
 * the opcode of the command the call belongs to, then acts on it. Rules
 * run in order; a sticky rule, once it has fired, stays on every match
 * while the later rules run.
 *
 * Programs come as bytes (from a fuzzer, or written by a test), one
 * 8-byte record per rule:
 *   [0] stage (bits 2:0) | any opcode (bit 6) | sticky (bit 7)
 *   [1] opcode     [2] nth (0 = 1)     [3] action
 *   [4] a          [5] b               [6..7] c (little-endian)
 * HOSTILE_REPLACE is followed by its c bytes of payload. */
#ifndef HOSTILE_PIPE_H
#define HOSTILE_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot_watch.h"
#include "usbmsc/initiator.h"

#define HOSTILE_MAX_RULES 64u
#define HOSTILE_RULE_LEN 8u
#define HOSTILE_ANY_OPCODE 0x40u
#define HOSTILE_STICKY 0x80u

enum hostile_action {
	HOSTILE_PASS = 0,
	HOSTILE_TIMEOUT,      /* not forwarded; TIMEOUT at once */
	HOSTILE_STALL,        /* not forwarded; STALL */
	HOSTILE_ERROR,        /* not forwarded; I/O error */
	HOSTILE_VANISH,       /* NO_DEVICE for this call and every later one */
	/* Fewer bytes than asked: IN, the host gets min(c, what came); OUT,
	 * the device takes c bytes (a & 1: it takes them all, yet says c).
	 * The call ends with result b & 3: OK, STALL, TIMEOUT, I/O error. */
	HOSTILE_SHORT,
	HOSTILE_FLIP,         /* byte c (modulo the length) XOR a (0: 0x01) */
	/* IN: the host gets the c payload bytes (at most its length) and
	 * result b & 3; the device's own answer is consumed. */
	HOSTILE_REPLACE,
	/* IN: a CSW made up here: status a; b: bit 0 wrong signature, 1
	 * wrong tag, 2 residue = the host's length, 3 that plus one, 4 twelve
	 * bytes, 5 fourteen; else residue c. The device's own CSW is
	 * consumed (and the device brought back by Reset Recovery when it
	 * had none ready). */
	HOSTILE_FAKE_CSW,
	HOSTILE_BABBLE,       /* IN: the device sent more than asked: I/O error (overflow) */
	HOSTILE_OVERREPORT,   /* IN: *done says c more bytes (at least 1) than moved */
	HOSTILE_ZLP,          /* IN: not forwarded; a zero-length packet */
	HOSTILE_ACTIONS
};

struct hostile_rule {
	uint8_t stage;        /* enum watch_stage */
	bool any_opcode, sticky;
	uint8_t opcode, nth, action, a, b;
	uint16_t c;
	const uint8_t *payload;
	size_t payload_len;
};

struct hostile_stats {
	unsigned fired;       /* rule applications */
	unsigned rules_done;  /* rules that fired at least once */
	unsigned resyncs;     /* silent Reset Recoveries of the real device */
};

/* Rules from a program; returns how many (at most max). The rules point
 * into prog, which must outlive them. */
size_t hostile_parse(const uint8_t *prog, size_t len, struct hostile_rule *rules, size_t max);

/* A hostile pipe around inner (which it closes when closed). The rules
 * (copied) and watch, stats (which must outlive the pipe) are the
 * caller's; watch is initialised here. NULL when out of memory (inner is
 * then closed). */
struct usbmsc_pipe *hostile_pipe_new(struct usbmsc_pipe *inner, const struct hostile_rule *rules,
				     size_t count, struct bot_watch *watch,
				     struct hostile_stats *stats);

#endif
