/* The usbmsc command: what the command files share. Global options and
 * dispatch live in main.c, one file per group of commands beside it. */
#ifndef USBMSC_CLI_H
#define USBMSC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "usbmsc/initiator.h"

#include "json.h"

/* Every option the command line knows; the first ones are global, the rest
 * belong to the commands that list them in struct cli_command.opts. */
enum cli_opt {
	CLI_O_DEVICE,
	CLI_O_JSON,
	CLI_O_VERBOSE,
	CLI_O_TIMEOUT,
	CLI_O_LUN,
	CLI_O_HELP,
	CLI_O_VERSION,
	CLI_O_UNMOUNT,
	CLI_O_GLOBAL_END,
	CLI_O_VPD = CLI_O_GLOBAL_END,
	CLI_O_OUTPUT,
	CLI_O_IN,
	CLI_O_OUT,
	CLI_O_DRY_RUN
};
#define CLI_OPT(id) (1u << (id))

/* Data for --json is held in memory, so it is bounded. */
#define CLI_JSON_DATA_MAX (1024u * 1024u)

struct cli_command;

struct cli {
	const struct cli_command *cmd;
	/* global options */
	const char *device;       /* -d, else $USBMSC_DEVICE */
	bool json;
	int verbose;
	unsigned timeout_ms;      /* 0: the library's default */
	uint8_t lun;
	bool help, version;
	bool unmount;             /* usb:, auto: may unmount the device's file systems */
	/* command options */
	const char *vpd;          /* inquiry --vpd */
	const char *output;       /* -o FILE */
	const char *in_len;       /* raw --in LEN */
	const char *out_file;     /* raw --out FILE */
	bool dry_run;             /* raw --dry-run */
	/* positional arguments after the command name */
	int argc;
	char **argv;
	/* With --json, a failure writes this instead of the {"error": ...}
	 * document (fw update answers in events); NULL: the document. */
	void (*json_error)(struct cli *c, int status, const char *msg);
	const void *json_error_ctx;
	/* state */
	struct usbmsc_dev *dev;
	struct usbmsc_lock *lock; /* the device lock (cli_open_locked), held until exit */
	bool reset_seen;          /* the power-on unit attention was met */
	struct json out;
};

struct cli_command {
	const char *name;
	const char *args;         /* synopsis after the name */
	const char *summary;      /* one line for 'usbmsc --help' */
	const char *help;         /* description, options, examples */
	unsigned opts;            /* CLI_OPT() bits of its own options */
	bool own_options;         /* run() gets every argument after the name and parses them */
	int min_args, max_args;
	int (*run)(struct cli *c);
};

extern const struct cli_command cli_cmd_inquiry, cli_cmd_tur, cli_cmd_sense, cli_cmd_capacity,
	cli_cmd_luns, cli_cmd_read, cli_cmd_write, cli_cmd_raw, cli_cmd_list, cli_cmd_help;
extern const struct cli_command cli_cmd_fw;  /* cmd_fw_image.c */
extern const struct cli_command cli_cmd_compliance;  /* cmd_compliance.c */
extern const struct cli_command cli_cmd_bench;  /* bench.c */

/* main.c: the command table, in the order --help lists it. */
extern const struct cli_command *const cli_commands[];
extern const size_t cli_command_count;
const struct cli_command *cli_find_command(const char *name);

/* device.c: open c->device with the global options (trace, timeout).
 * Prints the error and returns its category on failure. */
int cli_open(struct cli *c);
/* device.c: cli_open, then the device lock (usbmsc/lock.h), for work that
 * must not interleave with another process's (fw update): a second one
 * fails with exit 21, naming the holder. */
int cli_open_locked(struct cli *c);
/* device.c: whether to send a command again after it returned st and res.
 * A freshly attached or reset device reports unit attention 06/29/xx
 * (power on, reset) to the first command; an operating system consumes it
 * when the device attaches, and so does usbmsc: once per run, with a note
 * under -v. Other unit attentions (a medium change, new microcode) are
 * reported. Use as: do st = usbmsc_...(..., &res); while (cli_again(c, st, &res)); */
bool cli_again(struct cli *c, int st, const struct usbmsc_result *res);

/* stop.c: SIGINT, SIGTERM and SIGHUP once a device is open (cli_open
 * installs the handler). The first one sets the library's stop flag
 * (usbmsc_set_stop_flag): the command in progress fails promptly with
 * USBMSC_E_INTERRUPTED and says how far it got, and main() closes the
 * device normally (usb: gives it back to its kernel driver) and exits 130. */
void cli_catch_stop_signals(void);
/* A command whose first stop is gentler (compliance finishes its current
 * check) installs its own handler, which records the signal here. */
void cli_note_stop_signal(int sig);
/* Whether a stop signal came. */
bool cli_stopped(void);
/* The exit status of a command that returned st: a failure after a stop
 * signal is USBMSC_E_INTERRUPTED, whatever failed first. */
int cli_stop_status(int st);

/* help.c: on stdout; with --json as one JSON document. */
void cli_print_usage(struct cli *c);
void cli_print_command_help(struct cli *c, const struct cli_command *cmd);
void cli_print_version(struct cli *c);

/* report.c: errors on stderr as "usbmsc: COMMAND: MESSAGE" plus a hint
 * line where one helps; with --json also an error document on stdout when
 * none was written. Each returns status. */
int cli_fail(struct cli *c, int status, const char *fmt, ...)
	USBMSC_PRINTF(3, 4);
/* Store a global option (id below CLI_O_GLOBAL_END) in c; returns 0 or the
 * usage error. The one place their values are checked, for main's parser
 * and for the commands that parse their own options. */
int cli_apply_global(struct cli *c, enum cli_opt id, const char *value);

/* A usage error: the message, then the command's synopsis. */
int cli_usage(struct cli *c, const char *fmt, ...)
	USBMSC_PRINTF(2, 3);
/* A failed command: the sense text, or the library's message. */
int cli_fail_result(struct cli *c, int status, const struct usbmsc_result *res);
/* Describe the sense data of res into buf; false when there is none. */
bool cli_sense_text(const struct usbmsc_result *res, char *buf, size_t len);
/* The sense of res as a JSON object {key, asc, ascq, text, ...}, or null. */
void cli_json_sense(struct json *j, const char *key, const struct usbmsc_result *res);
/* One aligned "key: value" line on stdout. */
void cli_kv(const char *key, const char *fmt, ...)
	USBMSC_PRINTF(2, 3);
/* The same on f. */
void cli_kv_to(FILE *f, const char *key, const char *fmt, ...)
	USBMSC_PRINTF(3, 4);
/* The struct usbmsc_trace callback; ctx is the struct cli. */
void cli_trace(void *ctx, enum usbmsc_trace_kind kind, const char *text, const uint8_t *bytes,
	       size_t len);
/* The trace for the library: cli_trace with -v, none without, so that the
 * library formats no text that nobody prints (a command's CDB, CBW and
 * CSW on a Bulk-Only transport, notes at open). */
struct usbmsc_trace cli_trace_for(struct cli *c);
/* "64.0 MiB": a byte count for people. */
const char *cli_human_size(uint64_t bytes, char *buf, size_t len);

#endif
