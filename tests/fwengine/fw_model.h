/* The firmware engine under flash faults, and an oracle that watches it.
 *
 * A device of fw_test.h (NOR flash in RAM, the engine, the real target
 * core) plays steps: downloads of good and refused images, activation,
 * reboots, FW CONFIRM. Faults are set on g_nor by the caller (fw_test.h);
 * a power cut ends the step, and power comes back with a reboot.
 *
 * The oracle, independent of the engine's code (its own record decoder,
 * images it knows by construction), checks:
 *   W  before every program or erase of a slot: the newest valid record
 *      on flash claims that slot in no way (valid, confirmed, on trial,
 *      pending);
 *   R  after every boot: what runs is the factory image, or an image
 *      signed with the trusted key, made for this device, whose payload
 *      matches its digest; in both cases its version number is not below
 *      the floor of the newest record on flash before or after the boot;
 *   F  the floor of the newest record on flash never goes down (checked
 *      before every write and around every boot and step);
 *   B  after every step, once the device has booted a confirmed image: a
 *      boot without faults (on the same flash, undone afterwards) runs
 *      something, and R holds for it.
 * The first broken invariant is kept as a message (m_broken). */
#ifndef FW_MODEL_H
#define FW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_test.h"

/* The images the steps download. */
enum m_image {
	MI_V2,           /* "2.0", number 2: good */
	MI_V3,           /* "3.0", number 3: good */
	MI_V4,           /* "4.0", number 4: good */
	MI_DOWNGRADE,    /* "0.5", number 0: good, but below every floor a device has */
	MI_WRONG_KEY,    /* "5.0", signed with another key */
	MI_WRONG_DEVICE, /* "5.1", another VID, empty payload (complete once its header is in) */
	MI_BAD_HASH,     /* "5.2", payload changed after signing */
	MI_TWIN,         /* "2.0": the version number and length of MI_V2, another key */
	MI_COUNT
};

enum m_kind { MK_DOWNLOAD, MK_ACTIVATE, MK_REBOOT, MK_CONFIRM, MK_COUNT };

struct m_step {
	uint8_t kind;    /* enum m_kind */
	uint8_t image;   /* MK_DOWNLOAD: enum m_image */
	uint8_t mode;    /* MK_DOWNLOAD: 0x05, 0x07 or 0x0E (0x0E alone: MK_ACTIVATE does 0x0F) */
	uint16_t chunk;  /* MK_DOWNLOAD, modes 0x07 and 0x0E: a multiple of 128 */
};

/* A new device: erased flash, the engine with flags (USBMSC_FW_*); with
 * factory, the factory image 1.0 (number 1) in slot A. Clears m_broken. */
void m_setup(uint8_t flags, bool factory);
/* Play one step (and, after a power cut, the reboot), checking W, R, F,
 * B as it goes. */
void m_step(const struct m_step *s);
/* The device (for tests of the oracle itself). */
struct dev *m_dev(void);
/* The first invariant broken since m_setup, or NULL. */
const char *m_broken(void);
/* Boots since m_setup that ran an image, and that ran nothing. */
void m_boots(uint32_t *ran, uint32_t *none);

#endif
