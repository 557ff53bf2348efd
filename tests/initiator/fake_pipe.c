/* The scripted bulk pipe (see fake_pipe.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fake_pipe.h"
#include "usbmsc/byteorder.h"

static struct fake_step *next_step(struct fake_pipe *f, enum fake_op op)
{
	struct fake_step *s;

	if (f->pos >= f->count)
		fail_msg("unexpected pipe operation %d after the script ended (step %zu)", (int)op,
			 f->pos);
	s = &f->steps[f->pos++];
	if (s->op != op)
		fail_msg("step %zu: expected operation %d, the host did %d", f->pos - 1,
			 (int)s->op, (int)op);
	return s;
}

static int fake_bulk(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		     unsigned timeout_ms)
{
	struct fake_pipe *f = (struct fake_pipe *)p;
	struct fake_step *s = next_step(f, in ? FAKE_BULK_IN : FAKE_BULK_OUT);

	f->last_timeout = timeout_ms;
	*done = 0;
	if (s->len != FAKE_ANY)
		assert_int_equal(len, s->len);
	if (!in) {
		size_t n = s->done == FAKE_ANY ? len : s->done;
		if (len == 31 && f->cbw_count < FAKE_MAX_CBWS &&
		    usbmsc_get_le32(buf) == usbmsc_cbw_signature(f->base.framing))
			memcpy(f->cbws[f->cbw_count++], buf, 31);
		else if (len <= sizeof f->out_data) {
			memcpy(f->out_data, buf, len);
			f->out_len = len;
		}
		*done = n;
		return s->result;
	}
	if (s->csw) {
		uint8_t csw[13];
		assert_true(f->cbw_count > 0);
		usbmsc_put_le32(csw, usbmsc_csw_signature(f->base.framing));
		memcpy(csw + 4, f->cbws[f->cbw_count - 1] + 4, 4);
		usbmsc_put_le32(csw + 8, s->csw_residue);
		csw[12] = s->csw_status;
		memcpy(s->reply, csw, sizeof csw);
		s->reply_len = sizeof csw;
	}
	assert_true(s->reply_len <= len);
	memcpy(buf, s->reply, s->reply_len);
	*done = s->reply_len;
	return s->result;
}

static int fake_clear_halt(struct usbmsc_pipe *p, bool in, unsigned timeout_ms)
{
	struct fake_pipe *f = (struct fake_pipe *)p;
	struct fake_step *s = next_step(f, FAKE_CLEAR_HALT);

	f->last_timeout = timeout_ms;
	if (s->in != in)
		fail_msg("step %zu: clear halt on Bulk-%s expected, Bulk-%s cleared", f->pos - 1,
			 s->in ? "In" : "Out", in ? "In" : "Out");
	return s->result;
}

static int fake_control(struct usbmsc_pipe *p, uint8_t rt, uint8_t req, uint16_t value,
			uint16_t index, uint8_t *data, uint16_t len, size_t *done,
			unsigned timeout_ms)
{
	struct fake_pipe *f = (struct fake_pipe *)p;
	struct fake_step *s = next_step(f, FAKE_CONTROL);

	f->last_timeout = timeout_ms;
	*done = 0;
	assert_int_equal(rt, s->rt);
	assert_int_equal(req, s->req);
	assert_int_equal(value, s->value);
	assert_int_equal(index, s->windex);
	assert_int_equal(len, s->wlen);
	if (s->reply_len) {
		assert_non_null(data);
		memcpy(data, s->reply, s->reply_len);
		*done = s->reply_len;
	}
	return s->result;
}

static void fake_close(struct usbmsc_pipe *p)
{
	((struct fake_pipe *)p)->closed++;
}

static const struct usbmsc_pipe_ops fake_ops = {
	.bulk = fake_bulk,
	.clear_halt = fake_clear_halt,
	.control = fake_control,
	.port_reset = NULL,
	.close = fake_close,
};

void fake_init(struct fake_pipe *f)
{
	memset(f, 0, sizeof *f);
	f->base.ops = &fake_ops;
	f->base.interface = 3; /* not 0, so wIndex is checked for real */
	f->base.ep_in = 0x81;
	f->base.ep_out = 0x02;
	f->base.max_packet = 512;
}

struct fake_step *fake_push(struct fake_pipe *f, enum fake_op op)
{
	struct fake_step *s;

	assert_true(f->count < FAKE_MAX_STEPS);
	s = &f->steps[f->count++];
	memset(s, 0, sizeof *s);
	s->op = op;
	s->len = FAKE_ANY;
	s->done = FAKE_ANY;
	return s;
}

void fake_expect_cbw(struct fake_pipe *f, int result)
{
	struct fake_step *s = fake_push(f, FAKE_BULK_OUT);

	s->len = 31;
	s->result = result;
	if (result != USBMSC_PIPE_OK)
		s->done = 0;
}

void fake_expect_in(struct fake_pipe *f, size_t len, const void *reply, size_t reply_len,
		    int result)
{
	struct fake_step *s = fake_push(f, FAKE_BULK_IN);

	assert_true(reply_len <= sizeof s->reply);
	s->len = len;
	if (reply_len)
		memcpy(s->reply, reply, reply_len);
	s->reply_len = reply_len;
	s->result = result;
}

void fake_expect_out(struct fake_pipe *f, size_t len, size_t done, int result)
{
	struct fake_step *s = fake_push(f, FAKE_BULK_OUT);

	s->len = len;
	s->done = done;
	s->result = result;
}

void fake_expect_csw(struct fake_pipe *f, uint8_t status, uint32_t residue)
{
	struct fake_step *s = fake_push(f, FAKE_BULK_IN);

	s->len = 13;
	s->csw = true;
	s->csw_status = status;
	s->csw_residue = residue;
	s->result = USBMSC_PIPE_OK;
}

void fake_expect_clear(struct fake_pipe *f, bool in, int result)
{
	struct fake_step *s = fake_push(f, FAKE_CLEAR_HALT);

	s->in = in;
	s->result = result;
}

void fake_expect_control(struct fake_pipe *f, uint8_t rt, uint8_t req, uint16_t wlen,
			 const void *reply, size_t reply_len, int result)
{
	struct fake_step *s = fake_push(f, FAKE_CONTROL);

	s->rt = rt;
	s->req = req;
	s->windex = f->base.interface;
	s->wlen = wlen;
	if (reply_len)
		memcpy(s->reply, reply, reply_len);
	s->reply_len = reply_len;
	s->result = result;
}

void fake_expect_reset_recovery(struct fake_pipe *f)
{
	fake_expect_control(f, usbmsc_framing_request_type(f->base.framing, false), 0xFF, 0, NULL,
			    0, USBMSC_PIPE_OK);
	fake_expect_clear(f, true, USBMSC_PIPE_OK);
	fake_expect_clear(f, false, USBMSC_PIPE_OK);
}

void fake_assert_done(const struct fake_pipe *f)
{
	if (f->pos != f->count)
		fail_msg("the host took %zu of %zu scripted steps", f->pos, f->count);
}

uint32_t fake_cbw_tag(const struct fake_pipe *f, size_t i)
{
	assert_true(i < f->cbw_count);
	return usbmsc_get_le32(f->cbws[i] + 4);
}

void trace_log_fn(void *ctx, enum usbmsc_trace_kind kind, const char *text,
		  const uint8_t *bytes, size_t len)
{
	struct trace_log *log = ctx;
	size_t used = strlen(log->text);

	(void)bytes;
	(void)len;
	if ((unsigned)kind < 8)
		log->kinds[kind]++;
	if (kind != USBMSC_TRACE_NOTE)
		return;
	log->notes++;
	if (used + strlen(text) + 2 < sizeof log->text) {
		strcat(log->text, text);
		strcat(log->text, "\n");
	}
}

bool trace_has(const struct trace_log *log, const char *needle)
{
	return strstr(log->text, needle) != NULL;
}
