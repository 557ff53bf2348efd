/* The test port and host model for the target core tests. */
#include "target_harness.h"

#include <string.h>

#include "usbmsc/byteorder.h"

static uint8_t disk0[64 * 512];
static uint8_t disk1[16 * 4096];
static uint8_t disk2[8 * 512];

static const struct {
	uint8_t *data;
	uint32_t blocks;
	uint16_t block_size;
	uint8_t flags;
} layout[H_MAX_LUNS] = {
	{ disk0, 64, 512, USBMSC_LUN_REMOVABLE },
	{ disk1, 16, 4096, 0 },
	{ disk2, 8, 512, USBMSC_LUN_READ_ONLY },
};

uint32_t h_checksum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

void h_fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* ---- storage ---------------------------------------------------------- */

static usbmsc_sense_t disk_access(struct ramdisk *d, uint32_t lba, uint32_t offset, uint32_t len,
				  uint64_t *pos, bool write)
{
	uint64_t size = (uint64_t)d->blocks * d->block_size;

	if (write)
		d->writes++;
	else
		d->reads++;
	if (len > d->max_len)
		d->max_len = len;
	*pos = (uint64_t)lba * d->block_size + offset;
	if (len == 0 || *pos + len > size) {
		d->outside++;
		return USBMSC_SENSE(0x4, 0x44, 0x00);
	}
	if (d->fail_at >= 0 && (uint64_t)d->fail_at >= *pos && (uint64_t)d->fail_at < *pos + len)
		return d->fail_sense;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t disk_move(struct ramdisk *d, uint32_t lba, uint32_t offset, uint8_t *buf,
				uint32_t len, bool write)
{
	uint64_t pos;
	usbmsc_sense_t s = disk_access(d, lba, offset, len, &pos, write);

	if (s == USBMSC_SENSE_OK && write)
		memcpy(d->data + pos, buf, len);
	else if (s == USBMSC_SENSE_OK)
		memcpy(buf, d->data + pos, len);
	return s;
}

/* H_ASYNC: the harness whose engine is running (two engines may share the
 * disks), for the storage callbacks; every harness function that calls
 * into an engine sets it first. */
static struct harness *async_owner;

/* A read or write: now, or (H_ASYNC) recorded to finish in h_settle. */
static usbmsc_sense_t disk_start(struct ramdisk *d, uint32_t lba, uint32_t offset, uint8_t *buf,
				 uint32_t len, bool write)
{
	struct harness *h = async_owner;

	if (h != NULL && (write ? h->recv_pending : h->send_pending))
		d->overlapped++;
	if (h == NULL || !h->async)
		return disk_move(d, lba, offset, buf, len, write);
	if (h->pending.active)
		h->violations++; /* a second storage operation before the first finished */
	if (write)
		d->writes++;
	else
		d->reads++;
	h->pending = (struct h_pending){ true, write, d, buf, lba, offset, len };
	return USBMSC_SENSE_PENDING;
}

/* Finish the operation in progress; its outcome. */
static usbmsc_sense_t disk_finish(struct harness *h)
{
	struct h_pending *p = &h->pending;
	usbmsc_sense_t s;

	/* disk_access counts the call again: it was counted when it started. */
	if (p->write)
		p->disk->writes--;
	else
		p->disk->reads--;
	p->active = false;
	h->pendings++;
	s = disk_move(p->disk, p->lba, p->offset, p->buf, p->len, p->write);
	return s;
}

bool h_settle(struct harness *h)
{
	async_owner = h;
	if (!h->pending.active)
		return false;
	usbmsc_target_storage_done(&h->t, disk_finish(h));
	return true;
}

/* Before a reset is reported: the operation in progress ends, unreported. */
static void drop_pending(struct harness *h)
{
	if (h->pending.active)
		disk_finish(h);
}

static usbmsc_sense_t disk_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
				uint32_t len)
{
	return disk_start(ctx, lba, offset, buf, len, false);
}

static usbmsc_sense_t disk_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				 uint32_t len)
{
	/* Only a read stores into buf. */
	return disk_start(ctx, lba, offset, (uint8_t *)buf, len, true);
}

static usbmsc_sense_t disk_sync(void *ctx)
{
	struct ramdisk *d = ctx;

	d->syncs++;
	return USBMSC_SENSE_OK;
}

/* ---- the port: every call is checked against the endpoint contract ---- */

/* [buf, buf + len) lies inside one of the engine's buffers. */
static bool in_one_buffer(const struct harness *h, const uint8_t *buf, uint32_t len)
{
	size_t at;

	if (len == 0 || len > H_BUF_SIZE || buf < h->buf || buf >= h->buf + sizeof(h->buf))
		return false;
	at = (size_t)(buf - h->buf) % H_BUF_SIZE;
	return at + len <= H_BUF_SIZE;
}

static void port_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct harness *h = ctx;

	/* One send at a time, never empty, never past the buffer. */
	if (h->send_pending || !in_one_buffer(h, buf, len)) {
		h->violations++;
		return;
	}
	h->sent = buf;
	h->send_len = len;
	h->send_pending = true;
	if (h->sends < H_MAX_SENDS)
		h->send_lens[h->sends] = len;
	h->sends++;
}

static void port_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	struct harness *h = ctx;

	if (h->recv_pending || !in_one_buffer(h, buf, len)) {
		h->violations++;
		return;
	}
	h->recv_ptr = buf;
	h->recv_len = len;
	h->recv_pending = true;
	h->receives++;
}

static void port_stall(void *ctx, bool in)
{
	struct harness *h = ctx;

	if (in) {
		h->halted_in = true;
		h->stalls_in++;
	} else {
		h->halted_out = true;
		h->stalls_out++;
	}
}

void h_init(struct harness *h, uint8_t lun_count, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	for (uint32_t i = 0; i < H_MAX_LUNS; i++) {
		struct ramdisk *d = &h->disks[i];
		struct usbmsc_lun_config *lc = &h->luns[i];

		d->data = layout[i].data;
		d->blocks = layout[i].blocks;
		d->block_size = layout[i].block_size;
		d->fail_at = -1;
		h_fill_pattern(d->data, (size_t)d->blocks * d->block_size, i + 1);
		lc->block_count = d->blocks;
		lc->block_size = d->block_size;
		lc->flags = layout[i].flags;
		lc->read = disk_read;
		lc->write = disk_write;
		lc->sync = i == 0 ? disk_sync : NULL;
		lc->ctx = d;
	}
	h->cfg.luns = h->luns;
	h->cfg.lun_count = lun_count;
	h->cfg.flags = flags;
	h->cfg.vendor = "USBMSC";
	h->cfg.product = "Test Disk";
	h->cfg.revision = "0.1";
	h->cfg.serial = "SN0123456789";
	h->cfg.port.send = port_send;
	h->cfg.port.receive = port_receive;
	h->cfg.port.stall = port_stall;
	h->cfg.port.ctx = h;
	h->next_tag = 0x1000;
	h->async = H_ASYNC != 0;
	async_owner = h;
	if (!h_engine_init(h, h->ls))
		h->violations += 1000;
}

bool h_engine_init(struct harness *h, struct usbmsc_lun_state *lun_state)
{
#if H_BUFS == 0
	return usbmsc_target_init(&h->t, &h->cfg, lun_state, h->buf, H_BUF_SIZE);
#else
	return usbmsc_target_init_pipelined(&h->tp, &h->cfg, lun_state, h->buf, H_NBUF,
					    H_BUF_SIZE);
#endif
}

void h_set_vendor(struct harness *h, const struct usbmsc_vendor_table *vt)
{
	h->cfg.vendor_cmds = vt;
}

bool h_restart(struct harness *h)
{
	drop_pending(h);
	h->send_pending = false;
	h->recv_pending = false;
	h->halted_in = false;
	h->halted_out = false;
	return h_engine_init(h, h->ls);
}

bool h_deliver(struct harness *h, const uint8_t *bytes, uint32_t n)
{
	uint8_t *dst = h->recv_ptr;

	async_owner = h;
	if (!h->recv_pending || h->halted_out || n > h->recv_len)
		return false;
	h->recv_pending = false;
	memcpy(dst, bytes, n);
	usbmsc_target_received(&h->t, n);
	return true;
}

bool h_clear_halt(struct harness *h, bool in)
{
	bool stay;

	if (in)
		h->halted_in = false;
	else
		h->halted_out = false;
	stay = usbmsc_target_clear_halt(&h->t, in);
	/* The glue halts the endpoint again when the engine says so. */
	if (stay) {
		if (in)
			h->halted_in = true;
		else
			h->halted_out = true;
	}
	return stay;
}

int h_class(struct harness *h, uint8_t bm, uint8_t req, uint16_t value, uint16_t length,
	    uint8_t *reply)
{
	uint8_t setup[8] = { bm, req, (uint8_t)value, (uint8_t)(value >> 8), 0, 0,
			     (uint8_t)length, (uint8_t)(length >> 8) };

	if (bm == usbmsc_framing_request_type((enum usbmsc_framing)h->cfg.framing, false) &&
	    req == USBMSC_REQ_RESET && value == 0 && length == 0) {
		/* The glue cancels bulk transfers, and lets storage finish,
		 * before reporting a reset. */
		drop_pending(h);
		h->send_pending = false;
		h->recv_pending = false;
	}
	return usbmsc_target_class_request(&h->t, setup, reply);
}

static void data_in(struct harness *h, uint32_t host_len, uint8_t *in, struct host_result *r)
{
	while (r->in_len < host_len) {
		uint32_t n;
		bool short_packet;

		if (!h->send_pending && !h->halted_in && h_settle(h))
			continue;
		if (!h->send_pending) {
			if (!h->halted_in)
				r->stuck = true;
			return;
		}
		n = h->send_len;
		if (n > host_len - r->in_len) {
			h->violations++; /* babble: more than the host asked for */
			n = host_len - r->in_len;
		}
		if (in)
			memcpy(in + r->in_len, h->sent, n);
		r->in_len += n;
		short_packet = h->send_len % H_PACKET != 0;
		h->send_pending = false;
		async_owner = h;
		usbmsc_target_sent(&h->t);
		if (short_packet)
			return;
	}
}

static void data_out(struct harness *h, uint32_t host_len, const uint8_t *out,
		     struct host_result *r)
{
	static uint8_t zeros[H_PACKET];

	/* The host sends packets of H_PACKET bytes (the last may be short);
	 * the glue completes the armed transfer after each one. */
	while (r->out_len < host_len) {
		uint32_t n = host_len - r->out_len;

		if (!h->recv_pending && !h->halted_out && h_settle(h))
			continue;
		if (!h->recv_pending || h->halted_out) {
			if (!h->halted_out)
				r->stuck = true;
			return;
		}
		if (n > H_PACKET)
			n = H_PACKET;
		if (n > h->recv_len) {
			h->violations++; /* a packet larger than the armed room */
			n = h->recv_len;
		}
		h_deliver(h, out ? out + r->out_len : zeros, n);
		r->out_len += n;
	}
}

void h_cmd_raw(struct harness *h, uint8_t lun, const uint8_t cb[16], uint8_t cb_len,
	       enum usbmsc_dir dir, uint32_t host_len, const uint8_t *out, uint8_t *in,
	       struct host_result *r)
{
	uint8_t raw[USBMSC_CBW_LEN];
	uint32_t stalls_in = h->stalls_in, stalls_out = h->stalls_out;

	memset(r, 0, sizeof(*r));
	r->tag = h->next_tag++;
	usbmsc_put_le32(raw, usbmsc_cbw_signature((enum usbmsc_framing)h->cfg.framing));
	usbmsc_put_le32(raw + 4, r->tag);
	usbmsc_put_le32(raw + 8, host_len);
	raw[12] = dir == USBMSC_DIR_IN ? 0x80 : 0;
	raw[13] = lun;
	raw[14] = cb_len;
	memcpy(raw + 15, cb, 16);
	if (!h_deliver(h, raw, sizeof(raw))) {
		r->stuck = true;
		return;
	}
	if (dir == USBMSC_DIR_IN)
		data_in(h, host_len, in, r);
	else if (dir == USBMSC_DIR_OUT)
		data_out(h, host_len, out, r);
	if (r->stuck)
		return;
	/* Storage finishes before the device can answer. */
	while (!h->send_pending && !h->halted_in && h_settle(h))
		;
	/* Status stage: a halted Bulk-Out is cleared first (as usb-storage
	 * does after a stalled OUT transfer), then the CSW is read, clearing
	 * a Bulk-In halt once. */
	if (h->halted_out)
		h_clear_halt(h, false);
	if (!h->send_pending && h->halted_in)
		h_clear_halt(h, true);
	r->halted_in = h->stalls_in != stalls_in;
	r->halted_out = h->stalls_out != stalls_out;
	if (!h->send_pending) {
		r->stuck = true;
		return;
	}
	r->check = usbmsc_csw_decode_framed(h->sent, h->send_len,
					    (enum usbmsc_framing)h->cfg.framing, r->tag, host_len,
					    &r->csw);
	h->send_pending = false;
	usbmsc_target_sent(&h->t);
}

void h_cmd(struct harness *h, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
	   enum usbmsc_dir dir, uint32_t host_len, const uint8_t *out, uint8_t *in,
	   struct host_result *r)
{
	uint8_t cb[16] = { 0 };

	memcpy(cb, cdb, cdb_len);
	h_cmd_raw(h, lun, cb, cdb_len, dir, host_len, out, in, r);
}

uint32_t h_sense(struct harness *h, uint8_t lun)
{
	const uint8_t cdb[6] = { 0x03, 0, 0, 0, 18, 0 };
	uint8_t s[18];
	struct host_result r;

	h_cmd(h, lun, cdb, 6, USBMSC_DIR_IN, 18, NULL, s, &r);
	if (r.stuck || r.check != USBMSC_CSWCHK_OK || r.csw.status != 0 || r.in_len != 18 ||
	    s[0] != 0x70 || s[7] != 10)
		return 0xFFFFFFFFu;
	return USBMSC_SENSE(s[2] & 0x0F, s[12], s[13]);
}

int h_tur(struct harness *h, uint8_t lun)
{
	const uint8_t cdb[6] = { 0 };
	struct host_result r;

	h_cmd(h, lun, cdb, 6, USBMSC_DIR_NONE, 0, NULL, NULL, &r);
	if (r.stuck || r.check != USBMSC_CSWCHK_OK)
		return -1;
	return r.csw.status;
}

void h_clear_ua(struct harness *h)
{
	for (uint8_t i = 0; i < h->cfg.lun_count; i++)
		h_sense(h, i);
}
