/* The fixture of the host firmware update tests: a virtual device (sim:)
 * seen through a transport that counts every opcode and plays a device
 * that misbehaves on demand (refuses a mode or a command, lingers with its
 * old image after activation, ...), signed images for it, and the
 * callback's view of an update. Used by test_fwupdate.c and
 * test_fwu_verify.c. cmocka's headers come first. */
#ifndef USBMSC_TEST_FWU_FIXTURE_H
#define USBMSC_TEST_FWU_FIXTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/fwsign.h"
#include "usbmsc/fwupdate.h"
#include "usbmsc/sim.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define CHUNK (1024u * 1024u)   /* the largest the sim's transport takes */
#define TWO_24 0x1000000u       /* where 24-bit offsets end */
#define BIG_PAYLOAD (20u * MIB) /* an image past 16 MiB */

/* The source tree (for the demo key pair in data/): argv[1] of the tests. */
extern const char *fwu_source_root;
/* Commands the wrappers answered as a lingering old image, over all of
 * them (a wrapper goes with the handle an update drops). */
extern unsigned fwu_replayed;

/* ---- a transport around the sim's: counts, and misbehaves on demand -------- */

struct wrap {
	struct usbmsc_transport base;
	struct usbmsc_transport *inner;
	unsigned ops[256];          /* commands by opcode, refused ones too */
	unsigned wb_modes[32];      /* WRITE BUFFER commands by mode */
	bool refuse_0e;             /* WRITE BUFFER mode 0x0E: 05/24/00 */
	bool no_rsoc;               /* REPORT SUPPORTED OPERATION CODES: 05/20/00 */
	/* A device without wide offsets: FW STATE loses USBMSC_FWST_WIDE_OFFSET,
	 * and a BUFFER ID other than 0 is refused with 05/24/00. */
	bool narrow;
	uint32_t refuse_at;         /* the WRITE BUFFER at this offset (not 0): 05/24/00, once */
	/* WRITE BUFFER chunks as the device saw them (32-bit offsets) */
	uint8_t max_id;             /* largest BUFFER ID */
	uint32_t gaps;              /* chunks that neither start at 0 nor continue the last */
	uint32_t straddles;         /* chunks that cross 2^24 */
	uint64_t wb_end;            /* where the last chunk ended */
	uint32_t nonzero_id;        /* WRITE/READ BUFFER with BUFFER ID not 0 */
	/* The old image lingers: after the activating command (WRITE BUFFER
	 * mode 0x0F) this many commands are answered as the old image did
	 * (GOOD, the data the same CDB got before), then the inner device
	 * answers (with fw-reboot=disconnect: it is gone). */
	unsigned linger;
	bool activated;
	/* A device that stalls a WRITE BUFFER's data stage after 0 bytes and
	 * still answers GOOD: with short_on, the chunk at offset short_at does
	 * not reach the device and is answered GOOD with residue = its length,
	 * or 0 (short_residue_zero: the stage cut short). Once. */
	bool short_on, short_residue_zero;
	uint32_t short_at;
	/* FW STATE once a WRITE BUFFER went to the device: answered as spoil
	 * says, GOOD but empty, short or garbled, or refused (05/20/00). */
	enum spoil { SPOIL_NONE, SPOIL_EMPTY, SPOIL_SHORT, SPOIL_GARBLED, SPOIL_REFUSED } spoil;
	bool took_wb;
	/* FW CONFIRM answered GOOD without reaching the device. */
	bool confirm_lost;
	/* Once FW CONFIRM went by, INQUIRY and FW STATE report other_version
	 * (number other_number) as the running image: another host's. */
	const char *other_version;
	uint32_t other_number;
	bool confirm_seen;
	unsigned replayed;          /* commands answered as the old image */
	struct replay {
		uint8_t cdb[16], cdb_len;
		uint8_t data[256];
		uint32_t n;
	} cache[16];
	unsigned cached;
};

/* ---- fixture: a fresh virtual device and images for it ------------------ */

struct fx {
	char dir[256];
	char uri[176];                 /* "sim:" + disk */
	char disk[160];                /* the sim's PATH[?OPTIONS] */
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	struct usbmsc_dev *dev;
	struct wrap *w;              /* owned by dev */
};

/* Open f->disk again (a power-on), wrapped. */
void fwu_open_dev(struct fx *f);
/* cmocka setups: a virtual device whose PATH.fw is created with the sim
 * options given (setup_with), none, 32 MiB slots (room for a 20 MiB image),
 * a reboot that goes away after the activating CSW. */
int fwu_setup_with(void **state, const char *options);
int fwu_setup(void **state);
int fwu_setup_big(void **state);
int fwu_setup_unplug(void **state);
int fwu_teardown(void **state);
/* A test on a fresh virtual device of the given setup. */
#define ON_DEVICE(test, setup) cmocka_unit_test_setup_teardown(test, setup, fwu_teardown)
/* f->dir/name */
void fwu_path_in(const struct fx *f, char *out, size_t len, const char *name);

struct img {
	const char *version;
	uint32_t number;
	uint32_t payload_len;
	uint16_t vid, pid;
	const char *product;
	const uint8_t *secret;       /* NULL: the demo key */
};

/* Pack an image for the virtual device (or for what im says) as NAME. */
void fwu_make_image(struct fx *f, const char *name, const struct img *im, char *out, size_t len);
/* Change one bit of the byte at offset at of the file path, or with cut
 * make the file end there. */
void fwu_alter(const char *path, uint64_t at, bool cut);
/* FW STATE, raw (for before/after comparisons) and parsed. */
void fwu_state_raw(struct fx *f, uint8_t out[USBMSC_FW_STATE_LEN]);
void fwu_device_state(struct fx *f, struct usbmsc_fw_state *s);

/* Progress as the callback saw it. */
struct seen {
	unsigned progress, plans, activates, confirms, notes;
	uint64_t last_bytes, total;
	bool monotonic;
	volatile sig_atomic_t *stop;  /* set after the first progress event */
	bool fallback_noted;
	/* The image file changed behind the sender's back: after progress
	 * event number alter_after (from 1), the byte at alter_at of
	 * alter_path is changed, or with alter_cut the file ends there. */
	const char *alter_path;
	uint64_t alter_at;
	unsigned alter_after;
	bool alter_cut;
};

/* Options for an update of f (its URI, the callback into s), all else 0. */
void fwu_opts_for(struct fx *f, struct usbmsc_fwu_opts *o, struct seen *s);
int fwu_update(struct fx *f, const char *image, const struct usbmsc_fwu_opts *o,
	       struct usbmsc_fwu_outcome *out, struct usbmsc_error *err);

#endif
