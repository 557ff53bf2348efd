/* Internal to the host's firmware update (fwupdate.h): what its files
 * share. Not installed.
 *
 *   fw_probe.c     what a device says about its firmware; running one
 *                  command of an update (unit attentions consumed)
 *   fw_session.c   one firmware operation: its state, its reports, its
 *                  failures
 *   fw_update.c    the update: the image, the host's checks, the plan,
 *                  the download
 *   fw_digest.c    the payload's SHA-256, computed as the download reads it
 *   fw_activate.c  activation, the wait for the reboot, verification,
 *                  confirmation; the activate and confirm verbs
 *   fw_vol.c       the update through a file door's mounted volume (with
 *                  fw_vol_wait.c; vol_internal.h) */
#ifndef USBMSC_FW_INTERNAL_H
#define USBMSC_FW_INTERNAL_H

#include "usbmsc/fwupdate.h"

#define WB_MODE_ONE 0x05u
#define WB_MODE_CHUNKS 0x07u
#define WB_MODE_DEFER 0x0Eu
#define WB_MODE_ACTIVATE 0x0Fu
#define RB_MODE_DATA 0x02u
#define WB_MAX_FIELD 0xFFFFFFu     /* offsets and lengths have 24 bits */
#define WB_MAX_WIDE 0xFFFFFFFFu    /* BUFFER ID as offset bits 31:24 */
/* A command meets at most this many unit attentions before it runs. */
#define UA_RETRIES 4

/* ---- commands (fw_probe.c) ------------------------------------------------- */

/* One command; unit attentions are consumed (the command did not run, so it
 * is sent again), noting new microcode (06/3F/01) in *mc when mc is not
 * NULL. Returns the category. */
int usbmsc_fwi_run(struct usbmsc_dev *dev, uint8_t lun, const uint8_t *cdb, size_t cdb_len,
		   enum usbmsc_dir dir, uint8_t *data, uint32_t len, unsigned timeout_ms,
		   struct usbmsc_result *res, bool *mc);
bool usbmsc_fwi_sense_of(const struct usbmsc_result *res, struct usbmsc_sense *s);
bool usbmsc_fwi_sense_is(const struct usbmsc_result *res, uint8_t key, uint8_t asc, uint8_t ascq);
/* err = "WHAT: the device's last error message" (or the category's name). */
int usbmsc_fwi_fail_dev(struct usbmsc_error *err, struct usbmsc_dev *dev, int st, const char *what);

/* ---- one operation (fw_session.c) ----------------------------------------- */

struct fwu {
	struct usbmsc_dev **dev;
	const struct usbmsc_fwu_opts *o;
	struct usbmsc_fwu_outcome *out;
	struct usbmsc_error *err;
	const char *path;
	int fd;
	uint64_t file_size;
	uint8_t raw[USBMSC_FW_HEADER_LEN];   /* the header as checked */
	bool have_raw;
	/* the payload's SHA-256 as it is sent (NULL: checked before, or unchecked) */
	struct usbmsc_fwi_digest *digest;
	uint8_t *buf;
	bool microcode_changed;
	bool mode_chosen;                     /* by the library, so it may fall back */
	unsigned chunk_timeout, activate_timeout;
};

/* The state of one operation on *dev; out is cleared. */
void usbmsc_fwi_begin(struct fwu *u, struct usbmsc_dev **dev, const struct usbmsc_fwu_opts *o,
		      struct usbmsc_fwu_outcome *out, struct usbmsc_error *err);
void usbmsc_fwi_report(struct fwu *u, enum usbmsc_fwu_event ev, uint64_t bytes, uint64_t total,
		       const char *text);
/* A NOTE event, and a trace note. */
void usbmsc_fwi_note(struct fwu *u, const char *fmt, ...)
	USBMSC_PRINTF(2, 3);
/* A command of the operation failed: keep its result for the caller, and
 * say what failed. Returns st. */
int usbmsc_fwi_failed(struct fwu *u, int st, const struct usbmsc_result *res, const char *fmt, ...)
	USBMSC_PRINTF(4, 5);
/* More words after the message already in err. */
void usbmsc_fwi_add_to_msg(struct usbmsc_error *err, const char *more);
/* Best effort after a failure: how the device stands now (its last error,
 * the version that still runs), for the caller to show. */
void usbmsc_fwi_look_after_failure(struct fwu *u);
/* The version the device must end up running (out->target_*). */
void usbmsc_fwi_aim(struct usbmsc_fwu_outcome *o, const char *version, uint32_t number);
bool usbmsc_fwi_same_image(const struct usbmsc_fw_header *h, const char *version,
			   uint32_t number);

/* ---- the payload's digest as it is sent (fw_digest.c) ------------------------- */

struct usbmsc_fwi_digest;
/* NULL when out of memory (or built without libsodium). */
struct usbmsc_fwi_digest *usbmsc_fwi_digest_new(void);
/* Back to no byte hashed (a download started over). */
void usbmsc_fwi_digest_restart(struct usbmsc_fwi_digest *d);
/* The payload bytes hashed so far. */
uint64_t usbmsc_fwi_digest_at(const struct usbmsc_fwi_digest *d);
void usbmsc_fwi_digest_add(struct usbmsc_fwi_digest *d, const uint8_t *p, size_t n);
/* Ends the hash: whether it is want. */
bool usbmsc_fwi_digest_is(struct usbmsc_fwi_digest *d, const uint8_t want[USBMSC_FW_SHA256_LEN]);
void usbmsc_fwi_digest_free(struct usbmsc_fwi_digest *d);

/* ---- the download (fw_update.c) --------------------------------------------- */

/* One WRITE BUFFER of len bytes from u->buf at offset off (bits 31:24 in
 * BUFFER ID), counted in the outcome. */
int usbmsc_fwi_write_buffer(struct fwu *u, uint8_t mode, uint32_t off, uint32_t len,
			    unsigned timeout, struct usbmsc_result *res);

/* ---- after the download (fw_activate.c) ------------------------------------ */

/* The activating command (mode 0x0F, or the last chunk of 0x05 and 0x07)
 * ended with st. True when the device went away during it or before its
 * CSW: real devices often reboot without sending that CSW, so this is
 * their reboot, and the wait that follows finds out whether the image
 * took. */
bool usbmsc_fwi_rebooting(struct fwu *u, int st);
/* WRITE BUFFER mode 0x0F. */
int usbmsc_fwi_activate_deferred(struct fwu *u);
/* The device was asked to activate: wait for its reboot, check that the
 * new image runs, confirm it. */
int usbmsc_fwi_finish_activation(struct fwu *u);
/* After --no-activate: the image must now wait on the device. */
int usbmsc_fwi_check_staged(struct fwu *u);

/* ---- through a file door's volume (fw_vol.c) ---------------------------------- */

/* usbmsc_fw_update on a vol: handle. */
int usbmsc_fwi_vol_update(struct usbmsc_dev **dev, const char *path,
			  const struct usbmsc_fwu_opts *opts, struct usbmsc_fwu_outcome *out,
			  struct usbmsc_error *err);

#endif
