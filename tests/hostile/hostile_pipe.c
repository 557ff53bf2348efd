/* The hostile device's pipe (hostile_pipe.h). */
#include "hostile_pipe.h"

#include <stdlib.h>
#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

#define CSW_READ 512u   /* the device's own CSW is consumed through a packet-sized read */

struct hostile {
	struct usbmsc_pipe base;
	struct usbmsc_pipe *inner;
	struct hostile_rule rules[HOSTILE_MAX_RULES];
	bool sticking[HOSTILE_MAX_RULES];   /* sticky rules that have fired */
	size_t count, next;                 /* the rule waiting for its turn */
	unsigned matched;                   /* its matches so far */
	bool vanished;
	struct bot_watch *w;
	struct hostile_stats *st;
};

static struct hostile *to_h(struct usbmsc_pipe *p)
{
	return (struct hostile *)p;
}

size_t hostile_parse(const uint8_t *prog, size_t len, struct hostile_rule *rules, size_t max)
{
	size_t pos = 0, n = 0;

	while (n < max && len - pos >= HOSTILE_RULE_LEN) {
		const uint8_t *r = prog + pos;
		struct hostile_rule *o = &rules[n++];

		memset(o, 0, sizeof *o);
		o->stage = (uint8_t)((r[0] & 0x07u) % WATCH_STAGES);
		o->any_opcode = (r[0] & HOSTILE_ANY_OPCODE) != 0;
		o->sticky = (r[0] & HOSTILE_STICKY) != 0;
		o->opcode = r[1];
		o->nth = r[2] ? r[2] : 1;
		o->action = (uint8_t)(r[3] % HOSTILE_ACTIONS);
		o->a = r[4];
		o->b = r[5];
		o->c = (uint16_t)(r[6] | r[7] << 8);
		pos += HOSTILE_RULE_LEN;
		if (o->action == HOSTILE_REPLACE) {
			o->payload = prog + pos;
			o->payload_len = o->c < len - pos ? o->c : len - pos;
			pos += o->payload_len;
		}
	}
	return n;
}

/* ---- choosing the rule for a call ----------------------------------------------- */

static bool matches(const struct hostile_rule *r, enum watch_stage stage, int opcode)
{
	return (r->stage == WATCH_ANY || r->stage == stage) && (r->any_opcode || r->opcode == opcode);
}

/* The opcode of the command a call belongs to (-1: none). */
static int opcode_of(const struct hostile *h, enum watch_stage stage, const uint8_t *buf,
		     size_t len)
{
	if (stage == WATCH_CBW)
		return len == USBMSC_CBW_LEN ? buf[15] : -1;
	return h->w->cmd.valid ? h->w->cmd.cdb[0] : -1;
}

static const struct hostile_rule *choose(struct hostile *h, enum watch_stage stage, int opcode)
{
	for (size_t i = 0; i < h->next; i++) {
		if (h->sticking[i] && matches(&h->rules[i], stage, opcode)) {
			h->st->fired++;
			return &h->rules[i];
		}
	}
	if (h->next >= h->count || !matches(&h->rules[h->next], stage, opcode) ||
	    ++h->matched < h->rules[h->next].nth)
		return NULL;
	h->sticking[h->next] = h->rules[h->next].sticky;
	h->matched = 0;
	h->st->fired++;
	h->st->rules_done++;
	return &h->rules[h->next++];
}

static int result_of(uint8_t b)
{
	static const int results[4] = { USBMSC_PIPE_OK, USBMSC_PIPE_STALL, USBMSC_PIPE_TIMEOUT,
					USBMSC_PIPE_ERROR };

	return results[b & 3u];
}

/* ---- bulk ---------------------------------------------------------------------- */

static int fwd(struct hostile *h, bool in, uint8_t *buf, size_t len, size_t *done, unsigned tmo)
{
	*done = 0;
	return h->inner->ops->bulk(h->inner, in, buf, len, done, tmo);
}

/* The real device after a made-up CSW: if it had no CSW of its own
 * ready, Reset Recovery brings it to the next CBW, as the host believes
 * it is. */
static void resync(struct hostile *h)
{
	h->st->resyncs++;
	(void)usbmsc_bot_reset_recovery(h->inner, 0);
}

static int fake_csw(struct hostile *h, const struct hostile_rule *r, uint8_t *buf, size_t len,
		    size_t *done, unsigned tmo)
{
	const struct watch_cmd *c = &h->w->cmd;
	uint8_t own[CSW_READ], csw[USBMSC_CSW_LEN + 1];
	uint32_t sig = usbmsc_csw_signature((enum usbmsc_framing)h->base.framing);
	size_t n = 0, csw_len = (r->b & 16u) ? 12u : (r->b & 32u) ? 14u : USBMSC_CSW_LEN;
	int got = fwd(h, true, own, sizeof own, &n, tmo);

	if (got != USBMSC_PIPE_OK || n != USBMSC_CSW_LEN || usbmsc_get_le32(own) != sig)
		resync(h);
	memset(csw, 0, sizeof csw);
	usbmsc_put_le32(csw, (r->b & 1u) ? sig ^ 0x00100000u : sig);
	usbmsc_put_le32(csw + 4, (r->b & 2u) ? ~c->tag : c->tag);
	usbmsc_put_le32(csw + 8, (r->b & 4u) ? c->len : (r->b & 8u) ? c->len + 1u : r->c);
	csw[12] = r->a;
	*done = csw_len < len ? csw_len : len;
	memcpy(buf, csw, *done);
	return csw_len > len ? USBMSC_PIPE_ERROR : USBMSC_PIPE_OK; /* more than asked: overflow */
}

static int act_in(struct hostile *h, const struct hostile_rule *r, uint8_t *buf, size_t len,
		  size_t *done, unsigned tmo)
{
	int res;

	switch (r->action) {
	case HOSTILE_SHORT:
		(void)fwd(h, true, buf, len, done, tmo);
		if (*done > r->c)
			*done = r->c;
		return result_of(r->b);
	case HOSTILE_FLIP:
		res = fwd(h, true, buf, len, done, tmo);
		if (*done > 0 && *done <= len)
			buf[r->c % *done] ^= r->a ? r->a : 1u;
		return res;
	case HOSTILE_REPLACE:
		(void)fwd(h, true, buf, len, done, tmo);
		*done = r->payload_len < len ? r->payload_len : len;
		if (*done)
			memcpy(buf, r->payload, *done);
		return result_of(r->b);
	case HOSTILE_FAKE_CSW:
		return fake_csw(h, r, buf, len, done, tmo);
	case HOSTILE_BABBLE:
		(void)fwd(h, true, buf, len, done, tmo);
		return USBMSC_PIPE_ERROR;
	case HOSTILE_OVERREPORT:
		res = fwd(h, true, buf, len, done, tmo);
		*done += r->c ? r->c : 1u;
		return res;
	case HOSTILE_ZLP:
		*done = 0;
		return USBMSC_PIPE_OK;
	default:
		return fwd(h, true, buf, len, done, tmo);
	}
}

/* OUT data the device sees differently from what the host sent. */
static int fwd_changed(struct hostile *h, const struct hostile_rule *r, const uint8_t *buf,
		       size_t len, size_t *done, unsigned tmo)
{
	uint8_t *copy = malloc(len ? len : 1);
	int res;

	if (!copy)
		return USBMSC_PIPE_ERROR;
	memcpy(copy, buf, len);
	if (r->action == HOSTILE_FLIP && len)
		copy[r->c % len] ^= r->a ? r->a : 1u;
	else if (r->action == HOSTILE_REPLACE)
		memcpy(copy, r->payload, r->payload_len < len ? r->payload_len : len);
	res = fwd(h, false, copy, len, done, tmo);
	free(copy);
	return res;
}

static int act_out(struct hostile *h, const struct hostile_rule *r, uint8_t *buf, size_t len,
		   size_t *done, unsigned tmo)
{
	size_t n;
	int res;

	switch (r->action) {
	case HOSTILE_SHORT:
		n = r->c < len ? r->c : len;
		(void)fwd(h, false, buf, (r->a & 1u) ? len : n, done, tmo);
		*done = n;
		return result_of(r->b);
	case HOSTILE_FLIP:
	case HOSTILE_REPLACE:
		return fwd_changed(h, r, buf, len, done, tmo);
	case HOSTILE_OVERREPORT:
		res = fwd(h, false, buf, len, done, tmo);
		*done += r->c ? r->c : 1u;
		return res;
	default:
		return fwd(h, false, buf, len, done, tmo);
	}
}

static int act_bulk(struct hostile *h, const struct hostile_rule *r, bool in, uint8_t *buf,
		    size_t len, size_t *done, unsigned tmo)
{
	*done = 0;
	switch (r ? r->action : HOSTILE_PASS) {
	case HOSTILE_PASS: return fwd(h, in, buf, len, done, tmo);
	case HOSTILE_TIMEOUT: return USBMSC_PIPE_TIMEOUT;
	case HOSTILE_STALL: return USBMSC_PIPE_STALL;
	case HOSTILE_ERROR: return USBMSC_PIPE_ERROR;
	case HOSTILE_VANISH:
		h->vanished = true;
		return USBMSC_PIPE_NO_DEVICE;
	default:
		return in ? act_in(h, r, buf, len, done, tmo) : act_out(h, r, buf, len, done, tmo);
	}
}

static int h_bulk(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		  unsigned tmo)
{
	struct hostile *h = to_h(p);
	enum watch_stage stage = watch_stage_of_bulk(h->w, in, buf, len);
	const struct hostile_rule *r = choose(h, stage, opcode_of(h, stage, buf, len));
	int res;

	*done = 0;
	res = h->vanished ? USBMSC_PIPE_NO_DEVICE : act_bulk(h, r, in, buf, len, done, tmo);
	watch_bulk(h->w, stage, buf, len, *done < len ? *done : len, res);
	return res;
}

/* ---- ep0 and the rest ------------------------------------------------------------ */

/* Actions that replace a call: the device never sees it. -1: none. */
static int refusal(struct hostile *h, const struct hostile_rule *r)
{
	if (h->vanished)
		return USBMSC_PIPE_NO_DEVICE;
	switch (r ? r->action : HOSTILE_PASS) {
	case HOSTILE_TIMEOUT: return USBMSC_PIPE_TIMEOUT;
	case HOSTILE_STALL: return USBMSC_PIPE_STALL;
	case HOSTILE_ERROR: return USBMSC_PIPE_ERROR;
	case HOSTILE_VANISH:
		h->vanished = true;
		return USBMSC_PIPE_NO_DEVICE;
	default: return -1;
	}
}

static int h_control(struct usbmsc_pipe *p, uint8_t rt, uint8_t req, uint16_t value,
		     uint16_t index, uint8_t *data, uint16_t len, size_t *done, unsigned tmo)
{
	struct hostile *h = to_h(p);
	const struct hostile_rule *r = choose(h, WATCH_CONTROL, opcode_of(h, WATCH_CONTROL, NULL, 0));
	bool in = (rt & 0x80u) != 0;
	int res = refusal(h, r);

	*done = 0;
	if (res < 0) {
		res = h->inner->ops->control(h->inner, rt, req, value, index, data, len, done, tmo);
		if (r && in && r->action == HOSTILE_SHORT && *done > r->c)
			*done = r->c;
		if (r && in && r->action == HOSTILE_REPLACE) {
			*done = r->payload_len < len ? r->payload_len : len;
			if (*done)
				memcpy(data, r->payload, *done);
		}
		if (r && (r->action == HOSTILE_SHORT || r->action == HOSTILE_REPLACE))
			res = result_of(r->b);
		if (r && r->action == HOSTILE_OVERREPORT)
			*done += r->c ? r->c : 1u;
	}
	watch_control(h->w, rt, req, res);
	return res;
}

static int h_clear_halt(struct usbmsc_pipe *p, bool in, unsigned tmo)
{
	struct hostile *h = to_h(p);
	const struct hostile_rule *r = choose(h, WATCH_CLEAR, opcode_of(h, WATCH_CLEAR, NULL, 0));
	int res = refusal(h, r);

	if (res < 0)
		res = h->inner->ops->clear_halt(h->inner, in, tmo);
	watch_other(h->w, WATCH_CLEAR, res);
	return res;
}

static int h_port_reset(struct usbmsc_pipe *p)
{
	struct hostile *h = to_h(p);
	const struct hostile_rule *r =
		choose(h, WATCH_PORT_RESET, opcode_of(h, WATCH_PORT_RESET, NULL, 0));
	int res = refusal(h, r);

	if (res < 0)
		res = h->inner->ops->port_reset ? h->inner->ops->port_reset(h->inner)
						: USBMSC_PIPE_ERROR;
	watch_other(h->w, WATCH_PORT_RESET, res);
	return res;
}

static void h_close(struct usbmsc_pipe *p)
{
	struct hostile *h = to_h(p);

	h->inner->ops->close(h->inner);
	free(h);
}

static const struct usbmsc_pipe_ops hostile_ops = {
	.bulk = h_bulk,
	.clear_halt = h_clear_halt,
	.control = h_control,
	.port_reset = h_port_reset,
	.close = h_close,
};

struct usbmsc_pipe *hostile_pipe_new(struct usbmsc_pipe *inner, const struct hostile_rule *rules,
				     size_t count, struct bot_watch *watch,
				     struct hostile_stats *stats)
{
	struct hostile *h = calloc(1, sizeof *h);

	if (!h) {
		inner->ops->close(inner);
		return NULL;
	}
	h->base = *inner;  /* interface, endpoints, packet size, framing */
	h->base.ops = &hostile_ops;
	h->inner = inner;
	h->count = count < HOSTILE_MAX_RULES ? count : HOSTILE_MAX_RULES;
	if (h->count)
		memcpy(h->rules, rules, h->count * sizeof *rules);
	h->w = watch;
	h->st = stats;
	memset(stats, 0, sizeof *stats);
	watch_init(watch, inner->framing);
	return &h->base;
}
