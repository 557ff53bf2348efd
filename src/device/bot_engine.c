/* The Bulk-Only Transport state machine of the target: receive a CBW, set
 * the command up, let usbmsc_bot_decide pick the case, stream the data
 * stage through the caller's buffer, send the CSW. Event-driven: every
 * public function reacts to one event from the USB glue and starts at most
 * one transfer per endpoint. A pipelined target (USBMSC_TARGET_PIPELINED)
 * hands its data stage to bot_pipelined.c, through advance(). */
#include "target_internal.h"

#include <string.h>

#include "usbmsc/bot.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void arm_cbw(struct usbmsc_target *t)
{
	t->state = TGT_S_CBW;
	t->chunk = t->buf_size;
	t->cfg->port.receive(t->cfg->port.ctx, t->buf, t->buf_size);
}

static void send_csw(struct usbmsc_target *t)
{
	struct usbmsc_csw csw;

	if (t->plan_flags & TGT_PF_STORE)
		usbmsc_tgt_lun_record(&t->lun_state[t->lun], t->result,
				      (t->plan_flags & TGT_PF_CLEAR) != 0);
	csw.tag = t->tag;
	csw.residue = t->residue;
	csw.status = (t->plan_flags & TGT_PF_PHASE) ? USBMSC_CSW_PHASE_ERROR
			: t->result ? USBMSC_CSW_FAILED : USBMSC_CSW_PASSED;
	usbmsc_csw_encode_framed(&csw, (enum usbmsc_framing)t->cfg->framing, t->buf);
	t->state = TGT_S_CSW;
	t->cfg->port.send(t->cfg->port.ctx, t->buf, USBMSC_CSW_LEN);
}

/* A storage or vendor callback failed in the middle of the data stage:
 * the residue counts what was moved, and the rest of the host's length is
 * padded/stalled (IN) or received and dropped (OUT). load is the number of
 * bytes of the failed buffer load that already came from the host (OUT). */
#if !USBMSC_TARGET_PIPELINED
static
#endif
void usbmsc_tgt_fail(struct usbmsc_target *t, usbmsc_sense_t sense, uint32_t load)
{
	t->result = sense;
	t->residue = t->host_len - t->done;
	if (t->plan_flags & TGT_PF_IN) {
		if (t->cfg->flags & USBMSC_TARGET_PAD_IN)
			t->extra_len = t->residue;
		else
			t->plan_flags |= TGT_PF_STALL_IN;
	} else {
		t->extra_len = t->residue - load;
	}
}

/* The command data is all moved (or will never be): a vendor command's
 * end() runs now, and may still fail the command. */
static void end_data(struct usbmsc_target *t)
{
	usbmsc_sense_t s;

	if (!(t->plan_flags & TGT_PF_END))
		return;
	t->plan_flags &= (uint8_t)~TGT_PF_END;
	s = usbmsc_tgt_end(t);
	if (t->result == USBMSC_SENSE_OK)
		t->result = s;
}

/* After the data stage: the CSW, or first the halt of Bulk-In the case asks for. */
static void finish(struct usbmsc_target *t)
{
	if (t->plan_flags & TGT_PF_STALL_IN) {
		t->state = TGT_S_WAIT_CLEAR;
		t->cfg->port.stall(t->cfg->port.ctx, true);
		return;
	}
	send_csw(t);
}

#if USBMSC_TARGET_PIPELINED
void usbmsc_tgt_end_and_finish(struct usbmsc_target *t)
{
	end_data(t);
	finish(t);
}
#endif

#if USBMSC_TARGET_ONE_BUFFER
/* Start the next transfer of the current command, or finish it.
 *
 * The data stage is one stream of buffer loads: command data first, then
 * padding (IN) or data to drop (OUT) in the same loads. Every load but the
 * last fills the whole buffer, a multiple of the packet size, so a short
 * packet only ever ends the stream: padding sent after a short data
 * transfer would reach the host as its CSW. */
static void advance(struct usbmsc_target *t)
{
	bool in = (t->plan_flags & TGT_PF_IN) != 0;
	usbmsc_sense_t s;
	uint32_t want, n, d;

#if USBMSC_TARGET_PIPELINED
	if (t->pipelined) {
		usbmsc_tgt_pipelined_advance(t);
		return;
	}
#endif
	for (;;) {
		/* Command data still to move (none once the command failed). */
		want = t->result == USBMSC_SENSE_OK ? t->data_len - t->done : 0;
		if (want == 0)
			end_data(t);
		n = min_u32(want + t->extra_len, t->buf_size);
		if (n == 0)
			break;
		d = min_u32(n, want);
		if (in) {
			if (d != 0) {
				s = usbmsc_tgt_piece(t, d);
				if (s) {
					usbmsc_tgt_fail(t, s, 0);
					continue;
				}
			}
			memset(t->buf + d, 0, n - d);
			t->fill = d;
			t->state = TGT_S_DATA_IN;
			t->chunk = n;
			t->cfg->port.send(t->cfg->port.ctx, t->buf, n);
			return;
		}
		if (t->fill < n) {
			t->state = TGT_S_DATA_OUT;
			t->chunk = n - t->fill;
			t->cfg->port.receive(t->cfg->port.ctx, t->buf + t->fill, t->chunk);
			return;
		}
		/* A full load arrived: d bytes for the command, the rest dropped. */
		t->fill = 0;
		s = d != 0 ? usbmsc_tgt_piece(t, d) : USBMSC_SENSE_OK;
		if (s) {
			usbmsc_tgt_fail(t, s, n);
		} else {
			t->done += d;
			t->extra_len -= n - d;
		}
	}
	finish(t);
}
#else
/* A pipelined-only core: every data stage is bot_pipelined.c's. */
static void advance(struct usbmsc_target *t)
{
	usbmsc_tgt_pipelined_advance(t);
}
#endif

static void command(struct usbmsc_target *t, uint32_t n)
{
	const struct usbmsc_target_config *cfg = t->cfg;
	struct usbmsc_cbw cbw;
	struct usbmsc_bot_plan plan;
	enum usbmsc_cbw_check chk;
	enum usbmsc_dir host_dir;
	uint8_t dev_dir = USBMSC_DIR_NONE;
	uint32_t dev_len = 0;

	chk = usbmsc_cbw_decode_framed(t->buf, n, (enum usbmsc_framing)cfg->framing,
				       (uint8_t)(cfg->lun_count - 1), &cbw);
	if (chk == USBMSC_CBW_INVALID) {
		t->state = TGT_S_HALTED;
		cfg->port.stall(cfg->port.ctx, true);
		cfg->port.stall(cfg->port.ctx, false);
		return;
	}
	host_dir = usbmsc_cbw_dir(&cbw);
	t->tag = cbw.tag;
	t->host_len = cbw.data_len;
	t->lun = cbw.lun;
	t->cb_len = cbw.cb_len;
	memcpy(t->cb, cbw.cb, sizeof(t->cb));
	t->done = 0;
	t->fill = 0;
	t->shift = 0;
	t->handler = TGT_H_NONE;
	t->plan_flags = 0;
	/* Not meaningful (bad LUN, CB length, reserved bits): run nothing,
	 * fail, and keep no sense (the LUN may not exist). */
	t->result = USBMSC_SENSE_INVALID_CDB_FIELD;
	if (chk == USBMSC_CBW_OK) {
		t->plan_flags = TGT_PF_STORE;
		t->result = usbmsc_tgt_prepare(t, &dev_dir, &dev_len);
		if (t->result)
			dev_len = 0;
	}
	usbmsc_bot_decide(host_dir, t->host_len, (enum usbmsc_dir)dev_dir, dev_len,
			  (cfg->flags & USBMSC_TARGET_PAD_IN) != 0, &plan);
	if (!plan.run)
		t->plan_flags = 0;
	if (host_dir == USBMSC_DIR_IN)
		t->plan_flags |= TGT_PF_IN;
	if (plan.stall_in)
		t->plan_flags |= TGT_PF_STALL_IN;
	if (plan.phase_error)
		t->plan_flags |= TGT_PF_PHASE;
	t->data_len = plan.data_len;
	t->extra_len = plan.pad_len + plan.drop_len;
	t->residue = plan.residue;
	/* Case 10: halt Bulk-Out and report at once. */
	if (plan.stall_out)
		cfg->port.stall(cfg->port.ctx, false);
	advance(t);
}

static void reset(struct usbmsc_target *t)
{
	for (uint32_t i = 0; i < t->cfg->lun_count; i++)
		usbmsc_tgt_lun_power_on(&t->lun_state[i]);
	arm_cbw(t);
}

static bool lun_config_ok(const struct usbmsc_lun_config *lc)
{
	/* A control LUN serves no block command: its storage fields are unused. */
	if (lc->flags & USBMSC_LUN_PROCESSOR)
		return true;
	return (lc->block_size == 512 || lc->block_size == 4096) && lc->block_count != 0 &&
	       lc->read != NULL && (lc->write != NULL || (lc->flags & USBMSC_LUN_READ_ONLY));
}

static bool vendor_table_ok(const struct usbmsc_vendor_table *vt)
{
	if (vt == NULL)
		return true;
	if (vt->count != 0 && vt->cmds == NULL)
		return false;
	for (uint32_t i = 0; i < vt->count; i++) {
		if (vt->cmds[i].begin == NULL || vt->cmds[i].dir > USBMSC_DIR_OUT)
			return false;
	}
	return true;
}

bool usbmsc_target_init(struct usbmsc_target *t, const struct usbmsc_target_config *cfg,
			struct usbmsc_lun_state *lun_state, uint8_t *buf, uint32_t buf_size)
{
	if (t == NULL || cfg == NULL || lun_state == NULL || buf == NULL ||
	    buf_size < USBMSC_TARGET_MIN_BUF || cfg->luns == NULL || cfg->lun_count == 0 ||
	    cfg->lun_count > USBMSC_TARGET_MAX_LUNS || cfg->port.send == NULL ||
	    cfg->port.receive == NULL || cfg->port.stall == NULL ||
	    !vendor_table_ok(cfg->vendor_cmds))
		return false;
	for (uint32_t i = 0; i < cfg->lun_count; i++) {
		if (!lun_config_ok(&cfg->luns[i]))
			return false;
	}
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->lun_state = lun_state;
	t->buf = buf;
	t->buf_size = buf_size;
	reset(t);
	return true;
}

void usbmsc_target_received(struct usbmsc_target *t, uint32_t n)
{
	/* Never trust the glue to respect the armed length. */
	n = min_u32(n, t->chunk);
	switch (t->state) {
	case TGT_S_CBW:
		command(t, n);
		break;
	case TGT_S_DATA_OUT:
		t->fill += n;
		advance(t);
		break;
	default:
		break;
	}
}

void usbmsc_target_sent(struct usbmsc_target *t)
{
	switch (t->state) {
	case TGT_S_DATA_IN:
		/* fill: the command data in the load; the rest was padding. */
		t->done += t->fill;
		t->extra_len -= t->chunk - t->fill;
		t->fill = 0;
		advance(t);
		break;
	case TGT_S_CSW:
		arm_cbw(t);
		break;
	default:
		break;
	}
}

bool usbmsc_target_clear_halt(struct usbmsc_target *t, bool in)
{
	if (t->state == TGT_S_HALTED)
		return true;
	if (in && t->state == TGT_S_WAIT_CLEAR)
		send_csw(t);
	return false;
}

int usbmsc_target_class_request(struct usbmsc_target *t, const uint8_t setup[8], uint8_t *reply)
{
	uint16_t value = (uint16_t)(setup[2] | setup[3] << 8);
	uint16_t length = (uint16_t)(setup[6] | setup[7] << 8);
	enum usbmsc_framing f = (enum usbmsc_framing)t->cfg->framing;

	if (setup[0] == usbmsc_framing_request_type(f, true) &&
	    setup[1] == USBMSC_REQ_GET_MAX_LUN && value == 0 && length == 1) {
		reply[0] = (uint8_t)(t->cfg->lun_count - 1);
		return 1;
	}
	if (setup[0] == usbmsc_framing_request_type(f, false) && setup[1] == USBMSC_REQ_RESET &&
	    value == 0 && length == 0) {
		reset(t);
		return 0;
	}
	return -1;
}

void usbmsc_target_bus_reset(struct usbmsc_target *t)
{
	reset(t);
}

void usbmsc_target_unit_attention(struct usbmsc_target *t, usbmsc_sense_t sense)
{
	for (uint32_t i = 0; i < t->cfg->lun_count; i++)
		usbmsc_tgt_lun_raise_ua(&t->lun_state[i], sense);
}
