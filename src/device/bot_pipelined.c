/* The pipelined data stage (usbmsc_target_init_pipelined, target.h).
 *
 * The data stage is the one-buffer engine's stream of loads (command data,
 * then padding or data to drop; every load a whole buffer but the last),
 * numbered from 0 and passed through two stages that each work on one load
 * at a time, in order:
 *
 *   IN:   A = storage fills the load     B = the bus sends it
 *   OUT:  A = the bus receives the load  B = storage drains it
 *
 * Load n starts at byte n * buf_size of the stream and lives in buffer
 * n mod count (count is a power of two); up to count loads are between
 * the stages. Each stage counts the loads it passed and the stream bytes
 * still to come to it. A storage operation may finish later (USBMSC_SENSE_PENDING);
 * the bus reports through bot_engine.c's events, whose bookkeeping for the
 * one-buffer engine this file keeps neutral (t->fill = t->chunk for a
 * send) and then continues in usbmsc_tgt_pipelined_advance.
 *
 * Failures end the data stage as with one buffer: the failed load is the
 * one at t->done for the shared failure code (bot_engine.c), which sets
 * the residue and the rest of the stream (padding or a halt for IN, data
 * to drop for OUT). IN loads read before the failed one still go out, as
 * the one-buffer engine would have sent them before it read the failed
 * load; OUT loads received after it are dropped. A vendor command's end()
 * runs once the stream is through, before the CSW. */
#include "target_internal.h"

#include <string.h>

#if !USBMSC_TARGET_PIPELINED
#error "bot_pipelined.c needs the target core built with USBMSC_TARGET_PIPELINED=1"
#endif

/* The stages, as indexes of loads[]; busy has bit 1 << stage. */
#define STAGE_A 0u
#define STAGE_B 1u

static struct usbmsc_target_pipelined *pl(struct usbmsc_target *t)
{
	return (struct usbmsc_target_pipelined *)t; /* its first member */
}

/* The next load into stage: its buffer, and its length in *len (a whole
 * buffer but for the last load of the stream, which stage A saw last). */
static uint8_t *next_load(const struct usbmsc_target_pipelined *p, unsigned stage,
			  uint32_t *len)
{
	uint32_t n = p->loads[stage], size = p->t.buf_size;

	if (stage == STAGE_A)
		*len = p->left < size ? p->left : size;
	else
		*len = n + 1u == p->loads[STAGE_A] ? p->last : size;
	return p->t.buf + (n & p->mask) * size;
}

/* The next load went through stage. */
static void passed(struct usbmsc_target_pipelined *p, unsigned stage)
{
	uint32_t len;

	next_load(p, stage, &len);
	p->busy &= ~(1u << stage);
	p->loads[stage]++;
	if (stage == STAGE_A) {
		p->left -= len;
		p->last = len;
	}
}

/* Storage finished its load with s. A failed read stays out of the stream
 * (padding, if any, takes its place); a failed write's load was received. */
static void storage_done(struct usbmsc_target_pipelined *p, usbmsc_sense_t s)
{
	struct usbmsc_target *t = &p->t;
	unsigned stage = p->storage;
	uint32_t len;

	if (s != USBMSC_SENSE_OK) {
		next_load(p, stage, &len);
		t->done = p->loads[stage] * t->buf_size;
		usbmsc_tgt_fail(t, s, stage == STAGE_A ? 0 : len);
		t->data_len = t->done; /* no more command data */
		if (stage == STAGE_A) {
			/* The stream now ends after the loads read so far and
			 * the padding the failure asks for. */
			p->left = t->extra_len;
			p->busy &= ~(1u << STAGE_A);
			return;
		}
	}
	passed(p, stage);
}

/* Storage moves the command data of its next load (none: padding, or data
 * to drop). The command code works on t->done and t->buf: point them
 * there. */
static void storage(struct usbmsc_target_pipelined *p, unsigned stage)
{
	struct usbmsc_target *t = &p->t;
	uint8_t *first = t->buf;
	uint32_t len, d = 0;
	uint8_t *buf = next_load(p, stage, &len);
	usbmsc_sense_t s = USBMSC_SENSE_OK;

	t->done = p->loads[stage] * t->buf_size;
	if (t->done < t->data_len)
		d = t->data_len - t->done < len ? t->data_len - t->done : len;
	/* IN: the padding after the data; OUT: data to drop, zeroed harmlessly */
	memset(buf + d, 0, len - d);
	p->busy |= 1u << stage;
	if (d != 0) {
		t->buf = buf;
		s = usbmsc_tgt_piece(t, d);
		t->buf = first;
	}
	if (s != USBMSC_SENSE_PENDING)
		storage_done(p, s);
}

/* The bus moves its next load, or (OUT) the rest of it after t->fill bytes. */
static void bus(struct usbmsc_target_pipelined *p, unsigned stage)
{
	struct usbmsc_target *t = &p->t;
	uint32_t len;
	uint8_t *buf = next_load(p, stage, &len);

	p->busy |= 1u << stage;
	if (stage == STAGE_B) { /* IN */
		t->state = TGT_S_DATA_IN;
		t->fill = t->chunk = len; /* bot_engine.c's bookkeeping at sent: none */
		t->cfg->port.send(t->cfg->port.ctx, buf, len);
		return;
	}
	t->state = TGT_S_DATA_OUT;
	t->chunk = len - t->fill;
	t->cfg->port.receive(t->cfg->port.ctx, buf + t->fill, t->chunk);
}

/* Whether the next load can enter stage: it is idle, and (A) a buffer is
 * free and the stream goes on, or (B) stage A has passed a load it has not. */
static bool can_enter(const struct usbmsc_target_pipelined *p, unsigned stage)
{
	if (p->busy & (1u << stage))
		return false;
	if (stage == STAGE_B)
		return p->loads[STAGE_B] != p->loads[STAGE_A];
	return p->left != 0 && p->loads[STAGE_A] - p->loads[STAGE_B] <= p->mask;
}

/* Start whatever can start, the bus first (so that storage that finishes
 * at once runs while the bus moves the next load); end the command when
 * the stream is through. */
static void pump(struct usbmsc_target_pipelined *p)
{
	for (;;) {
		unsigned stage = p->storage ^ 1u;

		if (!can_enter(p, stage) && !can_enter(p, stage ^= 1u))
			break;
		if (stage == p->storage)
			storage(p, stage);
		else
			bus(p, stage);
	}
	if (p->busy == 0 && p->left == 0 && p->loads[STAGE_B] == p->loads[STAGE_A])
		usbmsc_tgt_end_and_finish(&p->t);
}

void usbmsc_tgt_pipelined_advance(struct usbmsc_target *t)
{
	struct usbmsc_target_pipelined *p = pl(t);
	uint8_t state = t->state;
	unsigned bus_stage;
	uint32_t len;

	t->state = TGT_S_STORAGE; /* the bus is idle */
	if (state == TGT_S_CBW) {
		p->storage = (t->plan_flags & TGT_PF_IN) ? STAGE_A : STAGE_B;
		p->left = t->data_len + t->extra_len;
		p->loads[STAGE_A] = p->loads[STAGE_B] = 0;
		p->busy = 0;
		pump(p);
		return;
	}
	bus_stage = p->storage ^ 1u;
	next_load(p, bus_stage, &len);
	if (state == TGT_S_DATA_OUT && t->fill < len) {
		/* A receive that ended early at a packet boundary: the rest. */
		bus(p, bus_stage);
		return;
	} else {
		t->fill = 0;
		passed(p, bus_stage);
	}
	pump(p);
}

void usbmsc_target_storage_done(struct usbmsc_target *t, usbmsc_sense_t sense)
{
	struct usbmsc_target_pipelined *p = pl(t);

	/* Nothing in progress (a reset came between): nothing to do. A core
	 * with the one-buffer data stage too may be given a plain target. */
	if ((USBMSC_TARGET_ONE_BUFFER && !t->pipelined) ||
	    (uint8_t)(t->state - TGT_S_DATA_IN) > TGT_S_STORAGE - TGT_S_DATA_IN ||
	    !(p->busy & (1u << p->storage)))
		return;
	storage_done(p, sense);
	pump(p);
}

bool usbmsc_target_init_pipelined(struct usbmsc_target_pipelined *p,
				  const struct usbmsc_target_config *cfg,
				  struct usbmsc_lun_state *lun_state, uint8_t *bufs, uint8_t count,
				  uint32_t buf_size)
{
	/* count: a power of two, so that a load finds its buffer without division */
	if (p == NULL || (uint8_t)(count - 1u) >= USBMSC_TARGET_MAX_BUFS || (count & (count - 1u)) ||
	    !usbmsc_target_init(&p->t, cfg, lun_state, bufs, buf_size))
		return false;
	p->mask = count - 1u;
	p->t.pipelined = 1;
	return true;
}
