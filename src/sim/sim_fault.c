/* The fault layer: it sits between the simulated pipe and the target core,
 * follows the BOT conversation (which Bulk-Out transfer is a CBW, which
 * Bulk-In transfer is a CSW), counts commands, and makes the configured
 * faults happen, each once, in a way that keeps what the device does
 * consistent:
 *  - a CBW the fault takes over (stall-in, stall-out, timeout, disconnect)
 *    never reaches the target core, so no command data is read from or
 *    written to an image for it;
 *  - stall-in / stall-out answer the command here: halt the endpoint
 *    instead of moving any data, CSW status 1, and the next REQUEST SENSE
 *    on that LUN reports 0B/4B/00 (DATA PHASE ERROR);
 *  - the CSW faults change only the CSW the host sees; the command itself
 *    ran as usual;
 *  - timeout NAKs everything until a reset; disconnect answers every
 *    operation with NO_DEVICE from then on;
 *  - a firmware reboot before the CSW (fw-reboot=before-csw, sim_fw.c)
 *    drops the activating command's CSW and disconnects, as above. */
#include "sim_internal.h"

#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

enum { EM_IDLE, EM_DATA, EM_CSW };

#define SENSE_FIXED_LEN 18u

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The device's wire format (framing= option): the fault layer reads and
 * writes CBWs and CSWs as the target core does. */
static enum usbmsc_framing framing_of(const struct usbmsc_sim *sim)
{
	return (enum usbmsc_framing)sim->opt.framing;
}

/* The first unfired fault of this kind that is due at command n. */
static struct sim_fault *due(struct usbmsc_sim *sim, uint64_t n, uint8_t kind)
{
	for (uint8_t i = 0; i < sim->opt.fault_count; i++) {
		struct sim_fault *f = &sim->opt.faults[i];
		if (!f->fired && f->kind == kind && f->at <= n)
			return f;
	}
	return NULL;
}

static bool is_csw_fault(uint8_t kind)
{
	switch (kind) {
	case SIM_FAULT_STALL_CSW:
	case SIM_FAULT_BAD_CSW_SIGNATURE:
	case SIM_FAULT_BAD_CSW_TAG:
	case SIM_FAULT_SHORT_CSW:
	case SIM_FAULT_RESIDUE_TOO_BIG:
	case SIM_FAULT_PHASE_ERROR:
		return true;
	default:
		return false;
	}
}

static struct sim_fault *due_csw_fault(struct usbmsc_sim *sim, uint64_t n)
{
	for (uint8_t i = 0; i < sim->opt.fault_count; i++) {
		struct sim_fault *f = &sim->opt.faults[i];
		if (!f->fired && is_csw_fault(f->kind) && f->at <= n)
			return f;
	}
	return NULL;
}

uint16_t sim_faults_fired(const struct usbmsc_sim *sim)
{
	uint16_t n = 0;

	for (uint8_t i = 0; i < sim->opt.fault_count; i++)
		n = (uint16_t)(n + (sim->opt.faults[i].fired ? 1 : 0));
	return n;
}

/* Put the CSW in fs->csw on Bulk-In, as a due CSW fault has it. */
static void arm_csw(struct usbmsc_sim *sim, bool from_fault)
{
	struct sim_fault_state *fs = &sim->fs;
	struct sim_fault *f = due_csw_fault(sim, fs->cmd_no);
	uint32_t len = USBMSC_CSW_LEN;

	if (f) {
		f->fired = true;
		switch (f->kind) {
		case SIM_FAULT_STALL_CSW:
			fs->csw_stall_pending = true; /* the pipe halts when the host comes for it */
			break;
		case SIM_FAULT_BAD_CSW_SIGNATURE:
			/* the CBW's signature for the CSW's ("USBC" for "USBS") */
			usbmsc_put_le32(fs->csw, usbmsc_cbw_signature(framing_of(sim)));
			break;
		case SIM_FAULT_BAD_CSW_TAG:
			usbmsc_put_le32(fs->csw + 4, ~usbmsc_get_le32(fs->csw + 4));
			break;
		case SIM_FAULT_SHORT_CSW:
			len = USBMSC_CSW_LEN - 1;
			break;
		case SIM_FAULT_RESIDUE_TOO_BIG:
			usbmsc_put_le32(fs->csw + 8, fs->host_len + 1);
			break;
		default: /* SIM_FAULT_PHASE_ERROR */
			fs->csw[12] = USBMSC_CSW_PHASE_ERROR;
			break;
		}
	}
	sim_arm_in(sim, fs->csw, len, len, from_fault, true);
}

/* ---- commands the fault layer answers itself ----------------------------- */

static void em_send_csw(struct usbmsc_sim *sim)
{
	struct sim_fault_state *fs = &sim->fs;
	struct usbmsc_csw csw = { fs->em_tag, fs->em_residue, fs->em_status };

	usbmsc_csw_encode_framed(&csw, framing_of(sim), fs->csw);
	fs->em_state = EM_CSW;
	arm_csw(sim, true);
}

/* stall-in / stall-out: halt the endpoint instead of moving data, fail
 * the command, and owe the host DATA PHASE ERROR sense. */
static void em_stall(struct usbmsc_sim *sim, const struct usbmsc_cbw *cbw, bool in)
{
	struct sim_fault_state *fs = &sim->fs;

	sim_halt(sim, in);
	fs->em_tag = cbw->tag;
	fs->em_residue = cbw->data_len; /* nothing was processed */
	fs->em_status = USBMSC_CSW_FAILED;
	fs->sense_pending = true;
	fs->sense_lun = cbw->lun;
	em_send_csw(sim);
}

static void em_data_done(struct usbmsc_sim *sim)
{
	if (sim->fs.em_stall_in)
		sim_halt(sim, true);
	em_send_csw(sim);
}

/* REQUEST SENSE after stall-in / stall-out: fixed-format 0B/4B/00, with
 * the thirteen cases decided as the target core decides them. */
static void em_request_sense(struct usbmsc_sim *sim, const struct usbmsc_cbw *cbw)
{
	struct sim_fault_state *fs = &sim->fs;
	struct usbmsc_bot_plan plan;
	uint32_t dev_len = min_u32(cbw->cb[4], SENSE_FIXED_LEN);

	memset(fs->em_data, 0, sizeof fs->em_data);
	fs->em_data[0] = 0x70;                    /* current, fixed format */
	fs->em_data[2] = 0x0B;                    /* ABORTED COMMAND */
	fs->em_data[7] = SENSE_FIXED_LEN - 8;     /* additional length */
	fs->em_data[12] = 0x4B;                   /* DATA PHASE ERROR */
	usbmsc_bot_decide(USBMSC_DIR_IN, cbw->data_len,
			  dev_len ? USBMSC_DIR_IN : USBMSC_DIR_NONE, dev_len, sim->opt.pad, &plan);
	fs->em_tag = cbw->tag;
	fs->em_residue = plan.residue;
	fs->em_status = plan.phase_error ? USBMSC_CSW_PHASE_ERROR : USBMSC_CSW_PASSED;
	fs->em_stall_in = plan.stall_in;
	if (plan.data_len + plan.pad_len == 0) {
		em_data_done(sim);
		return;
	}
	fs->em_state = EM_DATA;
	sim_arm_in(sim, fs->em_data, plan.data_len, plan.data_len + plan.pad_len, true, false);
}

void sim_fault_in_done(struct usbmsc_sim *sim)
{
	if (sim->fs.em_state == EM_DATA)
		em_data_done(sim);
	else
		sim->fs.em_state = EM_IDLE;
}

/* ---- hooks ------------------------------------------------------------------ */

/* Is this CBW the REQUEST SENSE that collects the sense a fault owes? */
static bool collects_sense(const struct sim_fault_state *fs, enum usbmsc_cbw_check chk,
			   const struct usbmsc_cbw *cbw)
{
	return chk == USBMSC_CBW_OK && cbw->cb[0] == 0x03 && cbw->cb_len >= 6 &&
	       cbw->lun == fs->sense_lun && usbmsc_cbw_dir(cbw) == USBMSC_DIR_IN;
}

enum sim_rx sim_fault_received(struct usbmsc_sim *sim, const uint8_t *buf, uint32_t n)
{
	struct sim_fault_state *fs = &sim->fs;
	struct usbmsc_cbw cbw;
	enum usbmsc_cbw_check chk;
	enum usbmsc_dir dir = USBMSC_DIR_NONE;
	struct sim_fault *f;
	bool owed;

	if (fs->out_left > 0) { /* data of the command in progress */
		fs->out_left -= min_u32(n, fs->out_left);
		return SIM_RX_DELIVER;
	}

	/* Anything else the device receives is a CBW, valid or not. */
	fs->cmd_no = ++sim->counters.commands;
	memset(&cbw, 0, sizeof cbw);
	chk = usbmsc_cbw_decode_framed(buf, n, framing_of(sim), (uint8_t)(sim_lun_count(sim) - 1),
				       &cbw);
	fs->cmd_active = chk != USBMSC_CBW_INVALID;
	fs->in_left = fs->out_left = 0;
	if (fs->cmd_active) {
		fs->tag = cbw.tag;
		fs->host_len = cbw.data_len;
		dir = usbmsc_cbw_dir(&cbw);
	}

	if ((f = due(sim, fs->cmd_no, SIM_FAULT_DISCONNECT)) != NULL) {
		f->fired = true;
		fs->disconnected = true;
		fs->cmd_active = false;
		return SIM_RX_GONE;
	}
	if ((f = due(sim, fs->cmd_no, SIM_FAULT_TIMEOUT)) != NULL) {
		f->fired = true;
		fs->hung = true;
		fs->cmd_active = false;
		return SIM_RX_SWALLOW;
	}
	owed = fs->sense_pending;
	fs->sense_pending = false; /* sense lasts until the next command */
	if (chk == USBMSC_CBW_OK && dir != USBMSC_DIR_NONE &&
	    (f = due(sim, fs->cmd_no,
		     dir == USBMSC_DIR_IN ? SIM_FAULT_STALL_IN : SIM_FAULT_STALL_OUT)) != NULL) {
		f->fired = true;
		fs->cmd_active = false;
		em_stall(sim, &cbw, dir == USBMSC_DIR_IN);
		return SIM_RX_SWALLOW;
	}
	if (owed && collects_sense(fs, chk, &cbw)) {
		fs->cmd_active = false;
		em_request_sense(sim, &cbw);
		return SIM_RX_SWALLOW;
	}
	fs->in_left = dir == USBMSC_DIR_IN ? cbw.data_len : 0;
	fs->out_left = dir == USBMSC_DIR_OUT ? cbw.data_len : 0;
	return SIM_RX_DELIVER;
}

void sim_fault_send(struct usbmsc_sim *sim, const uint8_t *buf, uint32_t len)
{
	struct sim_fault_state *fs = &sim->fs;

	/* After the data stage (or without one) the target sends its CSW. */
	if (fs->cmd_active && fs->in_left == 0 && len == USBMSC_CSW_LEN &&
	    usbmsc_get_le32(buf) == usbmsc_csw_signature(framing_of(sim))) {
		fs->cmd_active = false;
		if (sim_fw_reboots_before_csw(sim))
			return; /* gone for its reboot: the CSW never goes out */
		memcpy(fs->csw, buf, USBMSC_CSW_LEN);
		arm_csw(sim, false);
		return;
	}
	fs->in_left -= min_u32(len, fs->in_left);
	sim_arm_in(sim, buf, len, len, false, false);
}

void sim_fault_stalled(struct usbmsc_sim *sim, bool in)
{
	/* A halt ends the data stage: the CSW comes next. */
	if (in)
		sim->fs.in_left = 0;
	else
		sim->fs.out_left = 0;
}

void sim_fault_reset(struct usbmsc_sim *sim)
{
	struct sim_fault_state *fs = &sim->fs;

	fs->hung = false;
	fs->cmd_active = false;
	fs->in_left = fs->out_left = 0;
	fs->csw_stall_pending = false;
	fs->em_state = EM_IDLE;
	fs->sense_pending = false;
}
