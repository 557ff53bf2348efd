/* Firmware update from the host: what a device says about its firmware
 * (FW STATE, the READ BUFFER descriptor, the WRITE BUFFER modes it takes),
 * and a whole update: host checks, download, activation, reconnection,
 * verification and confirmation. docs/FIRMWARE.md ("Host side") tells the
 * story; fwproto.h the vendor commands.
 *
 * The library never prints: decisions and progress go to a callback, and
 * every function returns 0 or a category of status.h with a message in
 * err. The image is read through one buffer of one chunk, so memory does
 * not grow with the image (mode 0x05 excepted: its one command carries the
 * whole image, so the image must fit the transport's largest transfer). */
#ifndef USBMSC_FWUPDATE_H
#define USBMSC_FWUPDATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/fwimage.h"
#include "usbmsc/fwproto.h"
#include "usbmsc/initiator.h"
#include "usbmsc/scsi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Waiting for a device to come back after activation, by default. */
#define USBMSC_FWU_DEFAULT_WAIT_MS 30000u
/* Per-command time-outs of an update: flash programming, not the bus,
 * sets the pace (docs/PROTOCOL.md), so they are never shorter than these. */
#define USBMSC_FWU_CHUNK_TIMEOUT_MS 30000u
#define USBMSC_FWU_ACTIVATE_TIMEOUT_MS 60000u
/* READ BUFFER descriptor: offsets must be 0 (no chunks). */
#define USBMSC_FWU_OFFSET_ZERO_ONLY 0xFFu
#define USBMSC_FWU_SERIAL_MAX 64u
/* FW STATE slot fields: no slot. */
#define USBMSC_FWU_NO_SLOT 0xFFu

/* ---- FW STATE (fwproto.h), decoded ---------------------------------------- */

struct usbmsc_fw_state {
	uint8_t layout;
	uint8_t active_slot;          /* 0 = A, 1 = B, 0xFF: none */
	uint8_t flags;                /* USBMSC_FWST_PENDING, _TRIAL, _REVERTED: the state */
	bool wide_offset;             /* USBMSC_FWST_WIDE_OFFSET: BUFFER ID is offset bits 31:24 */
	uint8_t pending_slot;         /* 0xFF: none */
	char active_version[5];       /* trailing spaces trimmed */
	uint32_t active_number;
	char pending_version[5];      /* "" when none */
	uint32_t pending_number;
	uint32_t last_error;          /* key << 16 | asc << 8 | ascq; 0: none */
	uint32_t floor;               /* anti-rollback: lowest version number accepted */
	uint32_t capacity;            /* largest image a slot holds (32 bits) */
	uint8_t offset_shift;
	uint8_t modes;                /* USBMSC_FW_MODEBIT_* */
	uint16_t hw_rev;
	uint8_t pubkey[USBMSC_FW_PUBKEY_LEN];
	uint16_t vid, pid;
};

/* Decode a FW STATE response (at least USBMSC_FW_STATE_LEN bytes, magic
 * "UMFS", layout 1). Pure. */
USBMSC_API
bool usbmsc_fw_state_parse(const uint8_t *buf, size_t len, struct usbmsc_fw_state *out);

/* ---- what a device tells about its firmware ------------------------------ */

enum usbmsc_fwu_modes_source {
	USBMSC_FWU_MODES_ASSUMED = 0,  /* the device told nothing: 0x05, 0x07, 0x0E, 0x0F tried */
	USBMSC_FWU_MODES_FW_STATE,     /* FW STATE's mode bits */
	USBMSC_FWU_MODES_RSOC          /* REPORT SUPPORTED OPERATION CODES, mode by mode */
};

struct usbmsc_fw_device {
	struct usbmsc_inquiry inquiry;
	bool has_serial;              /* VPD page 0x80 */
	char serial[USBMSC_FWU_SERIAL_MAX + 1];
	bool has_state;               /* FW STATE answered */
	struct usbmsc_fw_state state;
	bool has_descriptor;          /* READ BUFFER mode 0x03 answered */
	uint8_t offset_boundary;      /* exponent; USBMSC_FWU_OFFSET_ZERO_ONLY: offset 0 only */
	/* The largest image the device takes (usbmsc_fwu_capacity): with wide
	 * offsets FW STATE's 32-bit capacity, else the descriptor's 24 bits. */
	uint32_t buffer_capacity;
	/* REPORT SUPPORTED OPERATION CODES for WRITE BUFFER (0x3B): answered
	 * at all, and whether it says the command is supported. */
	bool rsoc_answered;
	bool wb_supported;
	uint8_t modes;                /* USBMSC_FW_MODEBIT_*: the modes to choose from */
	enum usbmsc_fwu_modes_source modes_source;
	uint32_t max_transfer;        /* the transport's */
};

/* INQUIRY, VPD 0x80, FW STATE, READ BUFFER descriptor and REPORT SUPPORTED
 * OPERATION CODES, each optional but INQUIRY: a command the device does not
 * serve (ILLEGAL REQUEST) leaves its part unset. Unit attentions met on the
 * way are consumed (*microcode_changed tells whether one was 06/3F/01, new
 * microcode, when not NULL). */
USBMSC_API
int usbmsc_fw_probe(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_fw_device *out,
		    bool *microcode_changed, struct usbmsc_error *err);

/* "0x05 0x07 0x0e 0x0f" for mode bits. */
USBMSC_API
const char *usbmsc_fwu_modes_text(uint8_t modes, char *buf, size_t len);
USBMSC_API
const char *usbmsc_fwu_modes_source_name(enum usbmsc_fwu_modes_source src);

/* ---- the update ------------------------------------------------------------ */

enum usbmsc_fwu_event {
	USBMSC_FWU_EV_NOTE = 0,       /* text: a decision, a fallback, a recovery step */
	USBMSC_FWU_EV_PLAN,           /* the checks passed; the plan is in the outcome */
	USBMSC_FWU_EV_PROGRESS,       /* bytes of total sent */
	USBMSC_FWU_EV_ACTIVATE,       /* activation is being requested */
	USBMSC_FWU_EV_WAIT,           /* waiting for the device to come back (text: how) */
	USBMSC_FWU_EV_CONFIRM         /* the new image runs; confirming it */
};

struct usbmsc_fwu_report {
	enum usbmsc_fwu_event event;
	uint64_t bytes, total;
	const char *text;             /* NULL for PROGRESS */
};

struct usbmsc_fwu_plan {
	uint8_t mode;                 /* 0x05, 0x07, 0x0E; 0x0F alone for activate_only */
	bool activate;                /* the update ends with activation (else: pending) */
	uint32_t chunk;               /* bytes per WRITE BUFFER */
	uint32_t commands;            /* WRITE BUFFER commands, 0x0F included */
	uint64_t image_len;
	bool activate_only;           /* the image already waits on the device: 0x0F alone */
	bool confirm_only;            /* the image already runs on trial: FW CONFIRM alone */
	bool staged_already;          /* --no-activate, and the image already waits */
};

struct usbmsc_fwu_opts {
	/* Reopened after the device's reboot when the open handle stops
	 * answering (NULL: the open handle only). */
	const char *uri;
	struct usbmsc_open_opts open_opts;
	uint8_t lun;
	const uint8_t *pubkey;        /* NULL: the key the device reports in FW STATE */
	uint8_t mode;                 /* 0: choose; 0x05, 0x07 or 0x0E (others: USBMSC_E_USAGE) */
	uint32_t chunk;               /* 0: the largest that fits */
	bool no_activate;             /* stage only (mode 0x0E without 0x0F) */
	bool dry_run;                 /* every check and the plan; no WRITE BUFFER */
	bool no_host_checks;          /* send the image unchecked (testing the device's checks) */
	bool allow_reinstall;         /* the version that runs may be sent again */
	unsigned wait_ms;             /* 0: USBMSC_FWU_DEFAULT_WAIT_MS */
	/* Set (from a signal handler) to stop the download before the next
	 * chunk; ignored once activation has been requested. */
	volatile sig_atomic_t *stop;
	void (*report)(void *ctx, const struct usbmsc_fwu_report *r);
	void *report_ctx;
};

enum usbmsc_fwu_end {
	USBMSC_FWU_FAILED = 0,
	USBMSC_FWU_PLANNED,           /* dry run */
	USBMSC_FWU_STAGED,            /* --no-activate: the image waits for activation */
	USBMSC_FWU_UPDATED,           /* the new image runs, confirmed */
	USBMSC_FWU_ACTIVATED,         /* usbmsc_fwu_activate: the staged image runs, confirmed */
	USBMSC_FWU_CONFIRMED          /* usbmsc_fwu_confirm: the trial image is confirmed */
};

struct usbmsc_fwu_outcome {
	enum usbmsc_fwu_end end;
	struct usbmsc_fw_device before;    /* the device as found */
	bool header_ok;                    /* the image's header parsed */
	struct usbmsc_fw_header header;
	/* The version the device must end up running (the image's; FW STATE's
	 * staged one for activate, its trial one for confirm), checked in
	 * INQUIRY's revision and FW STATE's active version and number. */
	bool has_target;
	char target_version[5];
	uint32_t target_number;
	struct usbmsc_fwu_plan plan;
	bool planned;                      /* plan is valid */
	uint64_t bytes_sent;
	uint32_t commands_sent;            /* WRITE BUFFER commands sent */
	bool fell_back;                    /* 0x0E refused (05/24/00): 0x07 instead */
	bool restarted;                    /* the download started again from offset 0 */
	bool activated;
	bool reopened;                     /* the device came back through a new open */
	char reopened_uri[USBMSC_ERRMSG_MAX];
	bool confirmed;
	bool has_after;
	struct usbmsc_fw_device after;     /* the device after activation or staging */
	/* the command that failed, when one did (its sense) */
	bool has_failed_cmd;
	struct usbmsc_result failed;
};

/* Update the device *dev with the image at path. *dev may be replaced
 * (closed and reopened from opts->uri after the device's reboot) and is
 * NULL if it could not be reopened. Returns 0 (out->end says how far it
 * went) or a category: USBMSC_E_FILE for an image that fails a host check
 * (nothing was sent), USBMSC_E_USAGE for options that do not fit the device
 * (chunk, mode), the device's category when it refuses, USBMSC_E_NO_DEVICE
 * when it does not come back. */
USBMSC_API
int usbmsc_fw_update(struct usbmsc_dev **dev, const char *path, const struct usbmsc_fwu_opts *opts,
		     struct usbmsc_fwu_outcome *out, struct usbmsc_error *err);

/* Activate the image the device holds staged (FW STATE: pending, waiting
 * for activation, as --no-activate leaves it): WRITE BUFFER mode 0x0F, the
 * wait for the device's reboot (*dev may be replaced, as by
 * usbmsc_fw_update), the check that the staged version runs, FW CONFIRM
 * and the check that it took; out->end is USBMSC_FWU_ACTIVATED. Of opts
 * only uri, open_opts, lun, wait_ms and the report callback count.
 * USBMSC_E_ILLEGAL_REQUEST, nothing sent, for a device without FW STATE or
 * with nothing staged; otherwise as usbmsc_fw_update. */
USBMSC_API
int usbmsc_fwu_activate(struct usbmsc_dev **dev, const struct usbmsc_fwu_opts *opts,
		       struct usbmsc_fwu_outcome *out, struct usbmsc_error *err);

/* Confirm the image the device runs on trial (activated by another tool,
 * or an update whose confirmation was lost): FW CONFIRM, then the check
 * that FW STATE shows it confirmed; out->end is USBMSC_FWU_CONFIRMED. Of
 * opts only open_opts' trace, lun and the report callback count.
 * USBMSC_E_ILLEGAL_REQUEST, nothing sent, for a device without FW STATE or
 * with nothing on trial; USBMSC_E_MEDIUM when the confirmation did not
 * take. */
USBMSC_API
int usbmsc_fwu_confirm(struct usbmsc_dev *dev, const struct usbmsc_fwu_opts *opts,
		      struct usbmsc_fwu_outcome *out, struct usbmsc_error *err);

/* Pure helpers, public for tests. */

/* The chunk size: the largest multiple of 2^shift that fits both limits,
 * or want (0: choose) checked against them. 0 with a message in err
 * (USBMSC_E_USAGE) when none fits. */
USBMSC_API
int usbmsc_fwu_chunk_size(uint8_t shift, uint32_t capacity, uint32_t max_transfer, uint32_t want,
			  uint32_t *chunk, struct usbmsc_error *err);

/* The largest image WRITE BUFFER can carry to d: 2^32 - 1 when its FW
 * STATE says it reads BUFFER ID as offset bits 31:24 (wide_offset), else
 * 16 MiB - 1 (24-bit offsets). */
USBMSC_API
uint32_t usbmsc_fwu_reach(const struct usbmsc_fw_device *d);

/* The device's buffer capacity: FW STATE's 32-bit one on a device with
 * wide offsets (the READ BUFFER descriptor's field stops at 0xFFFFFF);
 * otherwise the descriptor's, else FW STATE's, else 16 MiB - 1, at most
 * 16 MiB - 1. Reads has_state, state and has_descriptor, and
 * buffer_capacity as the descriptor's. */
USBMSC_API
uint32_t usbmsc_fwu_capacity(const struct usbmsc_fw_device *d);

/* The mode to use: want (0: choose; else 0x05, 0x07 or 0x0E) among modes,
 * for an image of len bytes; mode 0x05 only when len fits one command.
 * USBMSC_E_USAGE for any other want, and when no usable mode is left. */
USBMSC_API
int usbmsc_fwu_choose_mode(uint8_t modes, uint8_t want, bool no_activate, uint64_t len,
			   uint32_t one_command_max, uint8_t *mode, struct usbmsc_error *err);

/* A public key's fingerprint: its first 8 bytes in lower-case hex (the
 * start of the key as fw info and fw keygen print it), in buf of at least
 * USBMSC_FWU_FINGERPRINT_LEN bytes. Returns buf. */
#define USBMSC_FWU_FINGERPRINT_LEN 17u
USBMSC_API
const char *usbmsc_fwu_key_fingerprint(const uint8_t key[USBMSC_FW_PUBKEY_LEN], char *buf,
				       size_t len);

/* A second URI that finds the same device after it re-enumerated: for a
 * device node ("/dev/sg1", "\\.\PhysicalDrive2", whose name may change),
 * "auto:VID:PID:SERIAL".
 * False when the URI names the device by something that survives a reboot
 * already (sim:, usb:VID:PID..., auto:) or a part is unknown. */
USBMSC_API
bool usbmsc_fwu_reopen_uri(const char *uri, uint16_t vid, uint16_t pid, const char *serial,
			   char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
