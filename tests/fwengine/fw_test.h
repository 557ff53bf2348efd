/* A simulated device for the firmware engine tests: NOR flash in RAM that
 * enforces erase-before-program and can lose power at any operation, the
 * engine over it, and the real target core (tests/device's harness) in
 * front, so every command travels as CBW, data and CSW.
 *
 * Flash map (1 KiB sectors): slot A at 0, slot B at 16 KiB, state sectors
 * at 32 KiB and 33 KiB. */
#ifndef FW_TEST_H
#define FW_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "target_harness.h"
#include "usbmsc/fwengine.h"

#define T_SECTOR 1024u
#define T_SLOT_SIZE (16u * 1024u)
#define T_SLOT_A 0u
#define T_SLOT_B T_SLOT_SIZE
#define T_STATE0 (2u * T_SLOT_SIZE)
#define T_STATE1 (2u * T_SLOT_SIZE + T_SECTOR)
#define T_NOR_SIZE (2u * T_SLOT_SIZE + 2u * T_SECTOR)
#define T_SHIFT 9u              /* offset boundary: 512 bytes */
#define T_WORK 512u
#define T_MAX_IMAGE T_SLOT_SIZE
#define T_SENSE_BROKEN 0xFFFFFFFFu  /* the command did not complete as BOT requires */

#define T_VID 0x1209u
#define T_PID 0x5A5Au
#define T_HW_REV 2u

/* NOR flash: erase sets a sector to 0xFF; program may only clear bits of
 * bytes erased since they were last programmed. Faults, each at the
 * operation numbered N (programs and erases count together, from 1):
 *   cut_at        torn (half its bytes, or half the sector), and every later
 *                 one is ignored until power returns;
 *   fail_at       returns false having done nothing;
 *   fail_after_at done in full, then returns false;
 *   torn_at       half done, then returns false (power stays);
 *   silent_at     does nothing and returns true.
 * Reads count on their own, from 1: those numbered read_fail_at and the
 * read_fail_len - 1 after it fail, and so does any read that touches
 * [bad_lo, bad_hi) or any read at all with fail_reads. nor_power_on()
 * clears every fault. */
struct nor {
	uint32_t unit;          /* program alignment the engine must keep */
	uint32_t ops;           /* program and erase operations so far */
	uint32_t cut_at;        /* 0: power stays */
	bool dead;
	uint32_t fail_at;
	uint32_t fail_after_at;
	uint32_t torn_at;
	uint32_t silent_at;
	uint32_t read_fail_at, read_fail_len;
	uint32_t bad_lo, bad_hi;
	bool fail_reads;
	/* Called before every program or erase that reaches the cells (not
	 * one that fails first or is lost to a cut): the tests' oracle. */
	void (*on_write)(uint32_t addr, uint32_t len);
	uint32_t violations;    /* program without erase, misalignment, out of range */
	uint32_t erases, programs, reads;
	/* Last, so that the fields above can be saved as one block. */
	uint8_t mem[T_NOR_SIZE];
	uint8_t programmed[T_NOR_SIZE];
};

struct dev {
	struct harness h;
	struct usbmsc_fw_engine fw;
	struct usbmsc_fw_config cfg;
	struct usbmsc_vendor_table vt;
	uint8_t work[T_WORK];
	struct sha256 hash_state;
	uint32_t activations;
	uint8_t activated_slot;
	bool reboot_in_activate;  /* the activate callback boots the engine in place, as a sim does */
	int boot_result;
};

extern struct nor g_nor;
extern const uint8_t t_key[USBMSC_FW_PUBKEY_LEN];
extern const uint8_t t_other_key[USBMSC_FW_PUBKEY_LEN];

/* Power on a fresh, fully erased flash. */
void nor_wipe(uint32_t unit);
/* Power comes back: no cut planned any more. */
void nor_power_on(void);

/* The engine's configuration over g_nor (flags: USBMSC_FW_*). */
void dev_config(struct dev *d, uint8_t flags);
/* Boot: a fresh target and a fresh engine over the same flash. Returns
 * usbmsc_fw_boot's result; power-on unit attentions are cleared. */
int dev_boot(struct dev *d);

/* Image options; NULL means "fits the test device, signed with t_key". */
struct img_opts {
	uint16_t vid, pid;
	const char *vendor, *product;
	uint16_t hw_min, hw_max;
	const uint8_t *sign_key;
};
/* Build a signed image: returns its length (header + payload). */
uint32_t make_image(uint8_t *out, const char *version, uint32_t number, uint32_t payload_len,
		    uint32_t seed, const struct img_opts *o);
void fake_sign(const uint8_t key[32], const uint8_t *msg, size_t n, uint8_t sig[64]);

/* Commands through the target; each returns the sense (0: GOOD). */
uint32_t t_cmd(struct dev *d, const uint8_t *cdb, uint8_t cdb_len, int dir, uint32_t len,
	       const uint8_t *out, uint8_t *in, uint32_t *in_len);
uint32_t t_wb(struct dev *d, uint8_t mode, uint32_t off, uint32_t len, const uint8_t *data);
uint32_t t_rb(struct dev *d, uint8_t mode, uint32_t off, uint32_t len, uint8_t *in,
	      uint32_t *got);
uint32_t t_state(struct dev *d, uint8_t st[USBMSC_FW_STATE_LEN]);
uint32_t t_confirm(struct dev *d);
/* The INQUIRY revision field (4 characters, NUL-terminated). */
uint32_t t_inquiry_rev(struct dev *d, char rev[5]);
/* Download img: mode 0x05 in one command, 0x07/0x0E in chunks. Returns the
 * first failing sense. */
uint32_t t_download(struct dev *d, uint8_t mode, const uint8_t *img, uint32_t len,
		    uint32_t chunk);

/* A state record (docs/FIRMWARE.md, "State records"), encoded and decoded
 * here independently of the engine. */
struct t_rec {
	uint32_t seq, floor;
	uint8_t active, trial, pending, flags;
	bool valid[2], sig[2];
	char version[2][5];
	uint32_t number[2], length[2];
};
void t_rec_encode(const struct t_rec *r, uint8_t out[USBMSC_FW_RECORD_LEN]);
bool t_rec_decode(const uint8_t *p, struct t_rec *r);
/* The newest valid record in g_nor's state sectors: what a boot reads. */
bool t_rec_newest(struct t_rec *r);

/* Does slot hold exactly img? */
bool slot_holds(uint8_t slot, const uint8_t *img, uint32_t len);

#endif
