/* Internal to the virtual device: how its parts share one struct.
 *
 * sim.c          creation, the target configuration, the "sim:" transport
 * sim_options.c  the URI's option string
 * sim_storage.c  disk-image files behind the LUNs, the echo buffer's file
 * sim_vendor.c   the vendor commands (DEVICE INFO, COUNTERS, ECHO)
 * sim_pipe.c     the simulated USB: bulk endpoints, packets, halts, ep0
 * sim_fault.c    the fault layer between the pipe and the target core
 * sim_fw.c       the firmware engine on a flash file (PATH.fw), REPORT SUPPORTED
 *                OPERATION CODES
 * sim_door.c     the file door (file-door=1): a LUN taking UF2 files, over that engine
 * sim_later.c    bufs=N: the pipelined target core, its disks finishing later
 *
 * Time is simulated: a transfer the device does not answer (NAK) fails at
 * once with a time-out, nothing ever sleeps; the device's own time passes
 * only through usbmsc_sim_idle() and when it is closed. */
#ifndef USBMSC_SIM_INTERNAL_H
#define USBMSC_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/sim.h"
#include "usbmsc/target.h"

#define SIM_MAX_FAULTS 16u
#define SIM_ECHO_MAX 4096u
#define SIM_DEFAULT_BUF (64u * 1024u)
#define SIM_MAX_BUF (16u * 1024u * 1024u)
#define SIM_SERIAL_MAX 32u
#define SIM_EP_IN 0x81u
#define SIM_EP_OUT 0x02u
#define SIM_INTERFACE 0u
/* The largest data stage the "sim:" transport asks for per command (as
 * Linux does on SuperSpeed). */
#define SIM_MAX_TRANSFER (1024u * 1024u)
#define SIM_FW_PATH_MAX 256u

/* INQUIRY identity, in one place. */
#define SIM_VENDOR "USBMSC"
#define SIM_PRODUCT "Virtual Disk"
#define SIM_REVISION "0100"

/* DEVICE INFO and COUNTERS layouts (docs/SIM.md). */
#define SIM_INFO_MAGIC "USBMSCSM"
#define SIM_INFO_VERSION 1u
#define SIM_INFO_LEN 64u
#define SIM_COUNTERS_LEN 48u

enum sim_fault_kind {
	SIM_FAULT_STALL_IN,
	SIM_FAULT_STALL_OUT,
	SIM_FAULT_STALL_CSW,
	SIM_FAULT_BAD_CSW_SIGNATURE,
	SIM_FAULT_BAD_CSW_TAG,
	SIM_FAULT_SHORT_CSW,
	SIM_FAULT_RESIDUE_TOO_BIG,
	SIM_FAULT_PHASE_ERROR,
	SIM_FAULT_TIMEOUT,
	SIM_FAULT_DISCONNECT,
	SIM_FAULT_KINDS
};

struct sim_fault {
	uint8_t kind;        /* enum sim_fault_kind */
	bool fired;
	uint64_t at;         /* the command (CBW) number it becomes due at, from 1 */
};

struct sim_options {
	uint64_t size;       /* bytes, for images this call creates */
	uint32_t block_size;
	uint32_t buf_size;
	uint8_t luns;
	bool read_only;
	bool pad;
	bool serial_set;
	char serial[SIM_SERIAL_MAX + 1];
	uint8_t fault_count;
	struct sim_fault faults[SIM_MAX_FAULTS];
	char fw_pubkey[SIM_FW_PATH_MAX];  /* fw-pubkey=FILE; "" for the demo key */
	uint32_t fw_slot;                 /* fw-slot=BYTES, for a PATH.fw this open creates */
	bool fw_slot_set;
	bool fw_unplug;                   /* fw-reboot=disconnect or before-csw */
	bool fw_no_csw;                   /* fw-reboot=before-csw */
	uint8_t framing;                  /* framing=: enum usbmsc_framing (bot.h) */
	bool control_lun;                 /* control-lun=1: a processor LUN after the disks */
	bool file_door;                   /* file-door=1: the file door's LUN after the disks */
	uint8_t bufs;                     /* bufs=: 1 the one-buffer core, else pipelined */
};

struct sim_counters {
	uint64_t commands;       /* CBWs received, valid or not */
	uint64_t bytes_read;     /* from the images */
	uint64_t bytes_written;  /* to the images */
	uint64_t resets;         /* Mass Storage Resets and port resets */
	uint64_t stalls;         /* endpoint halts the device set */
	uint64_t violations;     /* target-core breaches of the endpoint contract */
};

struct usbmsc_sim;
struct sim_fw;
struct sim_door;

struct sim_image {
	char *path;
	int fd;
	bool created;
	uint32_t block_size;
	uint32_t block_count;
	struct sim_counters *counters;
	struct usbmsc_sim *sim;
};

/* A disk read or write in progress (bufs=N, sim_later.c). */
struct sim_storage_op {
	bool active;
	bool write;
	struct sim_image *im;
	uint8_t *buf;
	uint32_t lba, offset, len;
};

/* A Bulk-In transfer the device has armed: len bytes, of which the first
 * data_len come from buf and the rest are zeros. */
struct sim_in_xfer {
	const uint8_t *buf;
	uint32_t data_len;
	uint32_t len;
	uint32_t off;
	bool armed;
	bool from_fault;     /* the fault layer's, not the target core's */
	bool is_csw;
};

/* A Bulk-Out transfer the device has armed. */
struct sim_out_xfer {
	uint8_t *buf;
	uint32_t len;
	uint32_t got;
	bool armed;
};

/* The fault layer's view of the BOT conversation. */
struct sim_fault_state {
	bool disconnected;
	bool hung;               /* NAK everything until a reset */
	/* the command in progress, as its CBW said */
	bool cmd_active;
	uint64_t cmd_no;
	uint32_t tag;
	uint32_t host_len;
	uint32_t in_left;        /* IN data bytes still to come before the CSW */
	uint32_t out_left;       /* OUT data bytes still to go to the target */
	/* the CSW as the host will see it */
	uint8_t csw[USBMSC_CSW_LEN];
	bool csw_stall_pending;
	/* a command the fault layer answers itself */
	uint8_t em_state;
	bool em_stall_in;
	uint32_t em_tag, em_residue;
	uint8_t em_status;
	uint8_t em_data[18];
	/* sense owed for a command the fault layer failed */
	bool sense_pending;
	uint8_t sense_lun;
};

struct usbmsc_sim {
	struct usbmsc_pipe pipe;     /* first: the pipe callbacks find the sim from it */
	struct sim_options opt;
	union {
		struct usbmsc_target target;           /* what every call takes */
		struct usbmsc_target_pipelined piped;  /* bufs >= 2: target is its first member */
	};
	struct sim_storage_op op;    /* bufs >= 2 */
	struct usbmsc_target_config cfg;
	struct usbmsc_vendor_table vendor;
	struct usbmsc_lun_config luns[USBMSC_TARGET_MAX_LUNS];  /* disks, then the control LUN */
	struct usbmsc_lun_state lun_state[USBMSC_TARGET_MAX_LUNS];
	struct sim_image images[USBMSC_TARGET_MAX_LUNS];
	uint8_t image_count;
	char serial[SIM_SERIAL_MAX + 1];
	uint8_t *buf;                /* the target core's streaming buffers (bufs of them) */
	/* the bus */
	bool halt_in, halt_out;
	struct sim_in_xfer in;
	struct sim_out_xfer out;
	struct sim_fault_state fs;
	struct sim_counters counters;
	/* vendor ECHO buffer (kept in echo_path), and the staging area an
	 * ECHO WRITE fills */
	char *echo_path;
	uint32_t echo_len;
	uint32_t stage_len;
	uint32_t stage_got;
	uint8_t echo[SIM_ECHO_MAX];
	uint8_t stage[SIM_ECHO_MAX];
	struct sim_fw *fw;           /* the firmware engine (NULL without libsodium) */
	struct sim_door *door;       /* the file door (NULL without file-door=1) */
	bool closing;                /* being destroyed: what activates boots at the next open */
};

/* sim.c */
void sim_destroy(struct usbmsc_sim *sim);
/* LUNs the target core serves: the disks, the file door's, the control LUN. */
uint8_t sim_lun_count(const struct usbmsc_sim *sim);

/* sim_options.c */
int sim_options_parse(const char *text, struct sim_options *opt, struct usbmsc_error *err);
const char *sim_fault_name(uint8_t kind);

/* sim_storage.c */
int sim_images_open(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err);
void sim_images_close(struct usbmsc_sim *sim, bool remove_created);
void sim_lun_config(struct usbmsc_sim *sim, uint8_t lun, struct usbmsc_lun_config *lc);
/* The echo buffer in PATH.echo: loaded at creation, replaced by each
 * ECHO WRITE. */
int sim_echo_load(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err);
bool sim_echo_save(struct usbmsc_sim *sim, const uint8_t *data, uint32_t len);

/* The disks' storage callbacks. */
usbmsc_sense_t sim_img_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
			    uint32_t len);
usbmsc_sense_t sim_img_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
			     uint32_t len);

/* sim_later.c: with bufs >= 2 the disks finish every read and write later:
 * the operation waits until the host finds the device with nothing to
 * offer (it would NAK), and then completes. */
void sim_later_lun(struct usbmsc_lun_config *lc);
/* Complete the operation in progress and report it to the target core;
 * false when there was none. */
bool sim_later_settle(struct usbmsc_sim *sim);
/* Before a reset, or when the device goes away: the operation in progress
 * completes and is not reported (its outcome is returned, for a reset the
 * target core then refuses: sim_later_report). */
usbmsc_sense_t sim_later_finish(struct usbmsc_sim *sim, bool *was_active);
void sim_later_report(struct usbmsc_sim *sim, bool was_active, usbmsc_sense_t outcome);

/* sim_vendor.c */
void sim_vendor_table(struct usbmsc_sim *sim, struct usbmsc_vendor_table *vt);

/* sim_pipe.c */
extern const struct usbmsc_pipe_ops sim_pipe_ops;
void sim_port(struct usbmsc_sim *sim, struct usbmsc_target_port *port);
void sim_arm_in(struct usbmsc_sim *sim, const uint8_t *buf, uint32_t data_len, uint32_t len,
		bool from_fault, bool is_csw);
void sim_halt(struct usbmsc_sim *sim, bool in);

/* sim_fault.c: hooks the pipe calls. */
enum sim_rx { SIM_RX_DELIVER, SIM_RX_SWALLOW, SIM_RX_GONE };
/* A Bulk-Out transfer of n bytes completed into the target's buffer. */
enum sim_rx sim_fault_received(struct usbmsc_sim *sim, const uint8_t *buf, uint32_t n);
/* The target core starts a Bulk-In transfer. */
void sim_fault_send(struct usbmsc_sim *sim, const uint8_t *buf, uint32_t len);
/* The target core halts an endpoint. */
void sim_fault_stalled(struct usbmsc_sim *sim, bool in);
/* A Bulk-In transfer of the fault layer's completed. */
void sim_fault_in_done(struct usbmsc_sim *sim);
/* Mass Storage Reset or port reset: forget the command in progress. */
void sim_fault_reset(struct usbmsc_sim *sim);
uint16_t sim_faults_fired(const struct usbmsc_sim *sim);

/* sim_fw.c: the firmware engine on PATH.fw. Open boots it (a power-on). */
int sim_fw_open(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err);
void sim_fw_close(struct usbmsc_sim *sim);
/* Add the engine's commands and REPORT SUPPORTED OPERATION CODES to vt. */
void sim_fw_vendor_table(struct usbmsc_sim *sim, struct usbmsc_vendor_table *vt);
/* INQUIRY's revision: the running firmware's version (follows reboots). */
const char *sim_fw_revision(const struct usbmsc_sim *sim);
/* A CSW went out (the device may now go away for its reboot). */
void sim_fw_csw_sent(struct usbmsc_sim *sim);
/* The target core sends a CSW: true when the device reboots before it goes
 * out (fw-reboot=before-csw, after an activation). It is then gone. */
bool sim_fw_reboots_before_csw(struct usbmsc_sim *sim);

/* The engine, for the file door (NULL without one). */
struct usbmsc_fw_engine *sim_fw_engine(struct usbmsc_sim *sim);

/* sim_door.c: the file door over the engine (after sim_fw_open). */
int sim_door_open(struct usbmsc_sim *sim, struct usbmsc_error *err);
void sim_door_lun(struct usbmsc_sim *sim, struct usbmsc_lun_config *lc);
/* The host sent something: with the door, an image on trial is confirmed
 * (the simulated firmware's self-test passes once USB works). */
void sim_door_heard(struct usbmsc_sim *sim);
/* The device is going away: the rest of the quiet time passes first. */
void sim_door_close(struct usbmsc_sim *sim);

#endif
