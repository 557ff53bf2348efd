/* Firmware update from the host (src/initiator/fw_*.c): the pure
 * decisions, then whole updates against the virtual device, seen through
 * a transport that counts every opcode and can make the device refuse a
 * mode or a command.
 *
 *   test_fwupdate SOURCE_ROOT     (for the demo key pair in data/) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "usbmsc/fwsign.h"
#include "usbmsc/fwupdate.h"
#include "usbmsc/sim.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define CHUNK (1024u * 1024u)   /* the largest the sim's transport takes */
#define TWO_24 0x1000000u       /* where 24-bit offsets end */
#define BIG_PAYLOAD (20u * MIB) /* an image past 16 MiB */

static const char *source_root = ".";
/* Commands the wrappers answered as a lingering old image, over all of
 * them (a wrapper goes with the handle an update drops). */
static unsigned g_replayed;

/* ---- a transport around the sim's: counts, and refuses on demand -------- */

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
	unsigned replayed;          /* commands answered as the old image */
	struct replay {
		uint8_t cdb[16], cdb_len;
		uint8_t data[256];
		uint32_t n;
	} cache[16];
	unsigned cached;
};

/* WRITE BUFFER's 32-bit offset: BUFFER ID is bits 31:24. */
static uint32_t wb_offset(const uint8_t *cdb)
{
	return (uint32_t)cdb[2] << 24 | (uint32_t)cdb[3] << 16 | (uint32_t)cdb[4] << 8 | cdb[5];
}

static void see_chunk(struct wrap *w, const struct usbmsc_cmd *cmd)
{
	uint32_t off = wb_offset(cmd->cdb);
	uint64_t end = (uint64_t)off + cmd->len;

	if (cmd->cdb[2] > w->max_id)
		w->max_id = cmd->cdb[2];
	if (cmd->len == 0)
		return;
	if (off != 0 && off != w->wb_end)
		w->gaps++;
	if (off < TWO_24 && end > TWO_24)
		w->straddles++;
	w->wb_end = end;
}

static int check_condition(struct usbmsc_result *res, uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(res, 0, sizeof *res);
	res->outcome = USBMSC_OUTCOME_CHECK_CONDITION;
	res->scsi_status = USBMSC_SCSI_CHECK_CONDITION;
	res->sense_len = 18;
	res->sense[0] = 0x70;
	res->sense[2] = key;
	res->sense[7] = 10;
	res->sense[12] = asc;
	res->sense[13] = ascq;
	return 0;
}

/* Keep the answer of an IN command, by CDB, for the old image to replay. */
static void remember(struct wrap *w, const struct usbmsc_cmd *cmd, const struct usbmsc_result *res)
{
	struct replay *r = NULL;

	if (res->outcome != USBMSC_OUTCOME_GOOD || cmd->dir != USBMSC_DIR_IN ||
	    res->transferred > sizeof r->data || cmd->cdb_len > sizeof r->cdb)
		return;
	for (unsigned i = 0; i < w->cached && !r; i++)
		if (w->cache[i].cdb_len == cmd->cdb_len &&
		    memcmp(w->cache[i].cdb, cmd->cdb, cmd->cdb_len) == 0)
			r = &w->cache[i];
	if (!r && w->cached < sizeof w->cache / sizeof w->cache[0])
		r = &w->cache[w->cached++];
	if (!r)
		return;
	memcpy(r->cdb, cmd->cdb, cmd->cdb_len);
	r->cdb_len = cmd->cdb_len;
	memcpy(r->data, cmd->data, res->transferred);
	r->n = res->transferred;
}

/* The old image's answer to cmd: GOOD, with what the same CDB got before
 * (nothing for commands without data in). False when it never saw it. */
static bool replay(struct wrap *w, const struct usbmsc_cmd *cmd, struct usbmsc_result *res)
{
	memset(res, 0, sizeof *res);
	res->outcome = USBMSC_OUTCOME_GOOD;
	if (cmd->dir != USBMSC_DIR_IN || cmd->len == 0)
		return true;
	for (unsigned i = 0; i < w->cached; i++) {
		const struct replay *r = &w->cache[i];

		if (r->cdb_len != cmd->cdb_len || memcmp(r->cdb, cmd->cdb, r->cdb_len) != 0)
			continue;
		memcpy(cmd->data, r->data, r->n < cmd->len ? r->n : cmd->len);
		res->transferred = r->n < cmd->len ? r->n : cmd->len;
		res->residue = cmd->len - res->transferred;
		return true;
	}
	return false;
}

static int wrap_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		     struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct wrap *w = (struct wrap *)t;
	uint8_t op = cmd->cdb[0], mode = cmd->cdb[1] & 0x1Fu;

	bool buffer = op == USBMSC_OP_WRITE_BUFFER || op == USBMSC_OP_READ_BUFFER;
	int st;

	w->ops[op]++;
	if (buffer && cmd->cdb[2] != 0)
		w->nonzero_id++;
	if (op == USBMSC_OP_WRITE_BUFFER)
		w->wb_modes[mode]++;
	if (w->no_rsoc && op == USBMSC_OP_MAINTENANCE_IN)
		return check_condition(res, 0x5, 0x20, 0x00);
	if (w->refuse_0e && op == USBMSC_OP_WRITE_BUFFER && mode == 0x0E)
		return check_condition(res, 0x5, 0x24, 0x00);
	if (w->narrow && buffer && cmd->cdb[2] != 0)
		return check_condition(res, 0x5, 0x24, 0x00);
	if (w->refuse_at && op == USBMSC_OP_WRITE_BUFFER && wb_offset(cmd->cdb) == w->refuse_at) {
		w->refuse_at = 0;
		return check_condition(res, 0x5, 0x24, 0x00);
	}
	if (w->activated && w->linger > 0) {
		w->linger--;
		if (replay(w, cmd, res)) {
			w->replayed++;
			g_replayed++;
			return 0;
		}
	}
	w->inner->trace = t->trace;
	st = w->inner->ops->exec(w->inner, cmd, res, err);
	if (st == 0 && !w->activated)
		remember(w, cmd, res);
	if (st == 0 && op == USBMSC_OP_WRITE_BUFFER && mode == 0x0F &&
	    res->outcome == USBMSC_OUTCOME_GOOD)
		w->activated = true;
	if (st == 0 && op == USBMSC_OP_WRITE_BUFFER && res->outcome == USBMSC_OUTCOME_GOOD)
		see_chunk(w, cmd);
	if (st == 0 && w->narrow && op == USBMSC_OP_FW_STATE && res->transferred > 6)
		cmd->data[6] &= (uint8_t)~USBMSC_FWST_WIDE_OFFSET;
	return st;
}

static int wrap_reset(struct usbmsc_transport *t, struct usbmsc_error *err)
{
	struct wrap *w = (struct wrap *)t;

	return w->inner->ops->reset(w->inner, err);
}

static int wrap_max_lun(struct usbmsc_transport *t, uint8_t *max_lun, struct usbmsc_error *err)
{
	struct wrap *w = (struct wrap *)t;

	return w->inner->ops->max_lun(w->inner, max_lun, err);
}

static void wrap_close(struct usbmsc_transport *t)
{
	struct wrap *w = (struct wrap *)t;

	w->inner->ops->close(w->inner);
	free(w);
}

static const struct usbmsc_transport_ops wrap_ops = {
	.name = "counting-sim", .exec = wrap_exec, .reset = wrap_reset, .max_lun = wrap_max_lun,
	.close = wrap_close,
};

/* ---- fixture: a fresh virtual device and images for it ------------------ */

struct fx {
	char dir[64];
	char uri[176];                 /* "sim:" + disk */
	char disk[160];                /* the sim's PATH[?OPTIONS] */
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	struct usbmsc_dev *dev;
	struct wrap *w;              /* owned by dev */
};

static void path_in(const struct fx *f, char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", f->dir, name);
	assert_true(n > 0 && (size_t)n < len);
}

static void open_dev(struct fx *f)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_transport *inner;
	struct wrap *w = calloc(1, sizeof *w);

	assert_non_null(w);
	assert_int_equal(usbmsc_sim_transport_open(f->disk, &inner, &err), 0);
	w->base.ops = &wrap_ops;
	w->base.max_transfer = inner->max_transfer;
	w->base.timeout_ms = USBMSC_DEFAULT_TIMEOUT_MS;
	w->inner = inner;
	assert_int_equal(usbmsc_dev_from_transport(&w->base, &f->dev, &err), 0);
	f->w = w;
}

/* A virtual device whose PATH.fw is created with the sim options given. */
static int setup_with(void **state, const char *options)
{
	struct fx *f = calloc(1, sizeof *f);
	struct usbmsc_error err = { 0 };
	char key[512];
	size_t n;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/usbmsc-fwupdate.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	path_in(f, f->disk, sizeof f->disk, "disk.img");
	n = strlen(f->disk);
	assert_true(snprintf(f->disk + n, sizeof f->disk - n, "%s", options) <
		    (int)(sizeof f->disk - n));
	snprintf(f->uri, sizeof f->uri, "sim:%s", f->disk);
	snprintf(key, sizeof key, "%s/data/demo-fw-secret.key", source_root);
	assert_int_equal(usbmsc_fw_load_secret_key(key, f->secret, &err), 0);
	open_dev(f);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, "");
}

/* Slots of 32 MiB: room for a 20 MiB image. */
static int setup_big(void **state)
{
	return setup_with(state, "?fw-slot=32M");
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	usbmsc_close(f->dev);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

struct img {
	const char *version;
	uint32_t number;
	uint32_t payload_len;
	uint16_t vid, pid;
	const char *product;
	const uint8_t *secret;       /* NULL: the demo key */
};

/* Pack an image for the virtual device (or for what im says) as NAME. */
static void make_image(struct fx *f, const char *name, const struct img *im, char *out, size_t len)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	char payload[160];
	FILE *fp;

	path_in(f, payload, sizeof payload, "payload.bin");
	fp = fopen(payload, "wb");
	assert_non_null(fp);
	for (uint32_t i = 0; i < im->payload_len;) {
		uint8_t buf[4096];
		uint32_t n = im->payload_len - i < sizeof buf ? im->payload_len - i : sizeof buf;

		for (uint32_t k = 0; k < n; k++, i++)
			buf[k] = (uint8_t)((i * 7u + im->number) & 0xFFu);
		assert_int_equal(fwrite(buf, 1, n, fp), n);
	}
	assert_int_equal(fclose(fp), 0);
	memset(&h, 0, sizeof h);
	h.vid = im->vid ? im->vid : 0x1209;
	h.pid = im->pid ? im->pid : 0x0001;
	strcpy(h.vendor, "USBMSC");
	strcpy(h.product, im->product ? im->product : "Virtual Disk");
	h.hw_rev_max = 0xFFFF;
	strcpy(h.version, im->version);
	h.version_number = im->number;
	path_in(f, out, len, name);
	assert_int_equal(usbmsc_fw_pack(payload, out, im->secret ? im->secret : f->secret, &h, &err),
			 0);
}

/* FW STATE's raw bytes, for before/after comparisons. */
static void fw_state_raw(struct fx *f, uint8_t out[USBMSC_FW_STATE_LEN])
{
	uint8_t cdb[6] = { USBMSC_OP_FW_STATE, 0, 0, 0, USBMSC_FW_STATE_LEN, 0 };
	struct usbmsc_cmd cmd = { .cdb = cdb, .cdb_len = 6, .dir = USBMSC_DIR_IN, .data = out,
				  .len = USBMSC_FW_STATE_LEN };
	struct usbmsc_result res;
	int st;

	/* the first command of a fresh device meets its power-on attention */
	for (int i = 0; i < 3; i++) {
		st = usbmsc_exec(f->dev, &cmd, &res);
		if (st != USBMSC_E_UNIT_ATTENTION)
			break;
	}
	assert_int_equal(st, 0);
	assert_int_equal(res.transferred, USBMSC_FW_STATE_LEN);
}

static void device_state(struct fx *f, struct usbmsc_fw_state *s)
{
	uint8_t raw[USBMSC_FW_STATE_LEN];

	fw_state_raw(f, raw);
	assert_true(usbmsc_fw_state_parse(raw, sizeof raw, s));
}

/* Progress as the callback saw it. */
struct seen {
	unsigned progress, plans, activates, confirms, notes;
	uint64_t last_bytes, total;
	bool monotonic;
	volatile sig_atomic_t *stop;  /* set after the first progress event */
	bool fallback_noted;
};

static void on_report(void *ctx, const struct usbmsc_fwu_report *r)
{
	struct seen *s = ctx;

	switch (r->event) {
	case USBMSC_FWU_EV_PROGRESS:
		if (r->bytes < s->last_bytes || r->bytes > r->total)
			s->monotonic = false;
		s->last_bytes = r->bytes;
		s->total = r->total;
		s->progress++;
		if (s->stop)
			*s->stop = 1;
		break;
	case USBMSC_FWU_EV_PLAN: s->plans++; break;
	case USBMSC_FWU_EV_ACTIVATE: s->activates++; break;
	case USBMSC_FWU_EV_CONFIRM: s->confirms++; break;
	case USBMSC_FWU_EV_NOTE:
		s->notes++;
		if (strstr(r->text, "falling back to mode 0x07"))
			s->fallback_noted = true;
		break;
	default: break;
	}
}

static void opts_for(struct fx *f, struct usbmsc_fwu_opts *o, struct seen *s)
{
	memset(o, 0, sizeof *o);
	memset(s, 0, sizeof *s);
	s->monotonic = true;
	o->uri = f->uri;
	o->report = on_report;
	o->report_ctx = s;
}

static int update(struct fx *f, const char *image, const struct usbmsc_fwu_opts *o,
		  struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	memset(err, 0, sizeof *err);
	return usbmsc_fw_update(&f->dev, image, o, out, err);
}

/* ---- pure decisions --------------------------------------------------------- */

static void test_state_parse(void **state)
{
	uint8_t b[USBMSC_FW_STATE_LEN] = { 'U', 'M', 'F', 'S', 1, 1,
					   USBMSC_FWST_TRIAL | USBMSC_FWST_WIDE_OFFSET, 0xFF,
					   '0', '2', ' ', ' ', 0, 0, 0, 2 };
	struct usbmsc_fw_state s;

	(void)state;
	memcpy(b + 16, "    ", 4);
	b[24] = 0; b[25] = 0x05; b[26] = 0x26; b[27] = 0x00;
	b[31] = 2;
	b[32] = 0; b[33] = 0xFF; b[34] = 0xFF; b[35] = 0xFF;
	b[36] = 12;
	b[37] = USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_05;
	b[39] = 3;
	b[40] = 0xAB;
	b[72] = 0x12; b[73] = 0x09; b[75] = 0x01;
	assert_true(usbmsc_fw_state_parse(b, sizeof b, &s));
	assert_int_equal(s.active_slot, 1);
	assert_int_equal(s.flags, USBMSC_FWST_TRIAL); /* the state; the capability apart */
	assert_true(s.wide_offset);
	assert_int_equal(s.pending_slot, 0xFF);
	assert_string_equal(s.active_version, "02");
	assert_int_equal(s.active_number, 2);
	assert_string_equal(s.pending_version, "");
	assert_int_equal(s.last_error, 0x052600);
	assert_int_equal(s.floor, 2);
	assert_int_equal(s.capacity, 0xFFFFFF);
	assert_int_equal(s.offset_shift, 12);
	assert_int_equal(s.modes, USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_05);
	assert_int_equal(s.hw_rev, 3);
	assert_int_equal(s.pubkey[0], 0xAB);
	assert_int_equal(s.vid, 0x1209);
	assert_int_equal(s.pid, 0x0001);
	b[6] = USBMSC_FWST_PENDING;
	assert_true(usbmsc_fw_state_parse(b, sizeof b, &s));
	assert_int_equal(s.flags, USBMSC_FWST_PENDING);
	assert_false(s.wide_offset);
	assert_false(usbmsc_fw_state_parse(b, sizeof b - 1, &s));
	b[0] = 'X';
	assert_false(usbmsc_fw_state_parse(b, sizeof b, &s));
	b[0] = 'U';
	b[4] = 2;
	assert_false(usbmsc_fw_state_parse(b, sizeof b, &s));
}

static void test_chunk_size(void **state)
{
	struct usbmsc_error err = { 0 };
	uint32_t c;

	(void)state;
	/* the largest multiple of the boundary under both limits */
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 0, &c, &err), 0);
	assert_int_equal(c, CHUNK);
	assert_int_equal(usbmsc_fwu_chunk_size(12, 100000, CHUNK, 0, &c, &err), 0);
	assert_int_equal(c, 98304);
	assert_int_equal(usbmsc_fwu_chunk_size(9, 0xFFFFFF, 120 * KIB + 100, 0, &c, &err), 0);
	assert_int_equal(c, 120 * KIB);
	assert_int_equal(usbmsc_fwu_chunk_size(0, 5000, CHUNK, 0, &c, &err), 0);
	assert_int_equal(c, 5000);
	/* asked for: checked */
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 8 * KIB, &c, &err), 0);
	assert_int_equal(c, 8 * KIB);
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 1000, &c, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "multiple"));
	assert_int_equal(usbmsc_fwu_chunk_size(12, 0xFFFFFF, CHUNK, 2 * CHUNK, &c, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "largest transfer"));
	assert_int_equal(usbmsc_fwu_chunk_size(12, 16 * KIB, CHUNK, 32 * KIB, &c, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "capacity"));
	/* nothing fits, or offsets are not allowed at all */
	assert_int_equal(usbmsc_fwu_chunk_size(12, 1000, CHUNK, 0, &c, &err), USBMSC_E_USAGE);
	assert_int_equal(c, 0);
	assert_int_equal(usbmsc_fwu_chunk_size(0xFF, 0xFFFFFF, CHUNK, 0, &c, &err), USBMSC_E_USAGE);
}

static void test_choose_mode(void **state)
{
	const uint8_t all = USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 | USBMSC_FW_MODEBIT_0E |
			    USBMSC_FW_MODEBIT_0F;
	struct usbmsc_error err = { 0 };
	uint8_t m;

	(void)state;
	/* preference: deferred, then with offsets, then all at once */
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0, false, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x0E);
	assert_int_equal(usbmsc_fwu_choose_mode(all & ~USBMSC_FW_MODEBIT_0F, 0, false, 5000, CHUNK,
						&m, &err), 0);
	assert_int_equal(m, 0x07); /* 0x0E without 0x0F could never activate */
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07, 0,
						false, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x07);
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_05, 0, false, 5000, CHUNK, &m,
						&err), 0);
	assert_int_equal(m, 0x05);
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_05, 0, false, CHUNK + 1, CHUNK,
						&m, &err), USBMSC_E_USAGE);
	/* staging needs 0x0E */
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0, true, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x0E);
	assert_int_equal(usbmsc_fwu_choose_mode(USBMSC_FW_MODEBIT_07, 0, true, 5000, CHUNK, &m,
						&err), USBMSC_E_USAGE);
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0x07, true, 5000, CHUNK, &m, &err),
			 USBMSC_E_USAGE);
	/* asked for: taken, mode 5 only when the image fits one command */
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0x07, false, 5000, CHUNK, &m, &err), 0);
	assert_int_equal(m, 0x07);
	assert_int_equal(usbmsc_fwu_choose_mode(all, 0x05, false, CHUNK + 1, CHUNK, &m, &err),
			 USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "one command"));
	assert_int_equal(usbmsc_fwu_choose_mode(0, 0, false, 5000, CHUNK, &m, &err), USBMSC_E_USAGE);
}

/* What WRITE BUFFER reaches, and the capacity an update plans with. */
static void test_reach_and_capacity(void **state)
{
	struct usbmsc_fw_device d;

	(void)state;
	memset(&d, 0, sizeof d);
	/* a device that tells nothing: 24-bit offsets */
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFF);
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
	/* the descriptor's 24 bits, FW STATE's capacity without the flag
	 * (at most 16 MiB - 1: the offsets' reach) */
	d.has_descriptor = true;
	d.buffer_capacity = 4 * MIB;
	assert_int_equal(usbmsc_fwu_capacity(&d), 4 * MIB);
	d.has_descriptor = false;
	d.has_state = true;
	d.state.capacity = 32 * MIB;
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFF);
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
	d.has_descriptor = true;
	d.buffer_capacity = 0xFFFFFF;
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
	/* wide offsets: FW STATE's 32-bit capacity, whatever the descriptor says */
	d.state.wide_offset = true;
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFFFFu);
	assert_int_equal(usbmsc_fwu_capacity(&d), 32 * MIB);
	d.state.capacity = 0xFFFFF000u;
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFF000u);
	/* the flag means nothing without FW STATE */
	d.has_state = false;
	assert_int_equal(usbmsc_fwu_reach(&d), 0xFFFFFF);
	assert_int_equal(usbmsc_fwu_capacity(&d), 0xFFFFFF);
}

static void test_reopen_uri(void **state)
{
	char buf[96];

	(void)state;
	assert_true(usbmsc_fwu_reopen_uri("/dev/sg2", 0x1209, 0x0001, "ABC123", buf, sizeof buf));
	assert_string_equal(buf, "auto:1209:0001:ABC123");
	/* URIs that find the device again by themselves, or nothing to match by */
	assert_false(usbmsc_fwu_reopen_uri("sim:disk.img", 0x1209, 1, "ABC", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri("usb:1209:0001", 0x1209, 1, "ABC", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri("/dev/sg2", 0x1209, 1, "", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri("/dev/sg2", 0x1209, 1, "A:B", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri("/dev/sg2", 0, 0, "ABC", buf, sizeof buf));
	assert_false(usbmsc_fwu_reopen_uri("/dev/sg2", 0x1209, 1, "ABC", buf, 10));
}

/* ---- whole updates ------------------------------------------------------------ */

static void test_probe_fresh_device(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_device d;
	char key[512];
	uint8_t demo[USBMSC_FW_PUBKEY_LEN];

	assert_int_equal(usbmsc_fw_probe(f->dev, 0, &d, NULL, &err), 0);
	assert_string_equal(d.inquiry.revision, "0100");
	assert_true(d.has_serial);
	assert_true(d.has_state);
	assert_string_equal(d.state.active_version, "0100");
	assert_int_equal(d.state.active_number, 1);
	assert_int_equal(d.state.active_slot, 0);
	assert_int_equal(d.state.pending_slot, USBMSC_FWU_NO_SLOT);
	assert_int_equal(d.state.floor, 1);
	assert_true(d.has_descriptor);
	assert_int_equal(d.offset_boundary, 12);
	/* a 16 MiB slot: one byte more than the descriptor's 24 bits carry,
	 * told by FW STATE, whose wide offsets reach it */
	assert_true(d.state.wide_offset);
	assert_int_equal(d.state.capacity, 16 * MIB);
	assert_int_equal(d.buffer_capacity, 16 * MIB);
	assert_true(d.rsoc_answered);
	assert_int_equal(d.modes_source, USBMSC_FWU_MODES_RSOC);
	assert_int_equal(d.modes, USBMSC_FW_MODEBIT_05 | USBMSC_FW_MODEBIT_07 |
				  USBMSC_FW_MODEBIT_0E | USBMSC_FW_MODEBIT_0F);
	assert_int_equal(d.max_transfer, CHUNK);
	/* the compiled-in key is data/demo-fw-public.key */
	snprintf(key, sizeof key, "%s/data/demo-fw-public.key", source_root);
	assert_int_equal(usbmsc_fw_load_public_key(key, demo, &err), 0);
	assert_memory_equal(d.state.pubkey, demo, sizeof demo);
}

static void test_auto_update(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 2 * CHUNK + 12345, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_int_equal(out.plan.mode, 0x0E);
	assert_int_equal(out.plan.chunk, CHUNK);
	assert_int_equal(out.plan.commands, 4);
	assert_int_equal(f->w->nonzero_id, 0); /* under 16 MiB: BUFFER ID 0, as always */
	assert_int_equal(f->w->gaps, 0);
	assert_int_equal(f->w->wb_modes[0x0E], 3);
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 1);
	assert_int_equal(out.commands_sent, 4);
	assert_int_equal(out.bytes_sent, im.payload_len + 256u);
	assert_true(out.activated);
	assert_true(out.confirmed);
	assert_false(out.reopened);
	/* progress: one event per chunk, monotonic, ending at the total */
	assert_true(seen.monotonic);
	assert_int_equal(seen.progress, 3);
	assert_int_equal(seen.last_bytes, seen.total);
	assert_int_equal(seen.total, im.payload_len + 256u);
	assert_int_equal(seen.plans, 1);
	assert_int_equal(seen.activates, 1);
	assert_int_equal(seen.confirms, 1);
	/* the new image runs, confirmed, and the floor followed it */
	device_state(f, &s);
	assert_string_equal(s.active_version, "0200");
	assert_int_equal(s.active_number, 2);
	assert_int_equal(s.active_slot, 1);
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
	assert_int_equal(s.floor, 2);
	assert_string_equal(out.after.inquiry.revision, "0200");
}

/* Every host check refuses before a single WRITE BUFFER, and FW STATE is
 * byte for byte what it was. */
static void test_host_refusals_send_nothing(void **state)
{
	struct fx *f = *state;
	uint8_t other[USBMSC_FW_SECRET_KEY_LEN], pub[USBMSC_FW_PUBKEY_LEN];
	struct img forged = { "0200", 2, 5000, 0, 0, NULL, other };
	struct img wrong_id = { "0200", 2, 5000, 0x1234, 0x5678, NULL, NULL };
	struct img wrong_product = { "0200", 2, 5000, 0, 0, "Other Disk", NULL };
	struct img downgrade = { "0050", 0, 5000, 0, 0, NULL, NULL };
	const struct img *cases[] = { &forged, &wrong_id, &wrong_product, &downgrade };
	const char *why[] = { "signature", "1234:5678", "Other Disk", "downgrade" };
	uint8_t before[USBMSC_FW_STATE_LEN], after[USBMSC_FW_STATE_LEN];
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	assert_int_equal(crypto_sign_keypair(pub, other), 0); /* not the device's key */
	fw_state_raw(f, before);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		make_image(f, "bad.umfw", cases[i], image, sizeof image);
		opts_for(f, &o, &seen);
		assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_FILE);
		assert_non_null(strstr(err.msg, why[i]));
		assert_int_equal(out.end, USBMSC_FWU_FAILED);
		assert_int_equal(out.commands_sent, 0);
		assert_int_equal(seen.plans, 0);
	}
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	fw_state_raw(f, after);
	assert_memory_equal(before, after, sizeof before);
}

/* The device's own checks, with the host's switched off. */
static void test_device_refuses_unchecked(void **state)
{
	struct fx *f = *state;
	struct img wrong_id = { "0200", 2, 5000, 0x1234, 0x5678, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct usbmsc_sense sense;
	struct seen seen;
	char image[160];

	make_image(f, "wrong.umfw", &wrong_id, image, sizeof image);
	opts_for(f, &o, &seen);
	o.no_host_checks = true;
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_ILLEGAL_REQUEST);
	assert_true(out.has_failed_cmd);
	assert_true(usbmsc_sense_decode(out.failed.sense, out.failed.sense_len, &sense));
	assert_int_equal(sense.key, 0x5);
	assert_int_equal(sense.asc, 0x26);
	assert_int_equal(sense.ascq, 0x00);
	assert_int_equal(f->w->wb_modes[0x0E], 1);
	device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_int_equal(s.last_error, 0x052600);
	assert_int_equal(s.pending_slot, USBMSC_FWU_NO_SLOT);
}

static void test_fallback_to_mode_07(void **state)
{
	struct fx *f = *state;
	struct img im = { "0300", 3, CHUNK + 1, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "v3.umfw", &im, image, sizeof image);
	f->w->refuse_0e = true;
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_true(out.fell_back);
	assert_int_equal(out.plan.mode, 0x07);
	assert_int_equal(f->w->wb_modes[0x0E], 1); /* the refused first chunk */
	assert_int_equal(f->w->wb_modes[0x07], 2);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
	assert_true(seen.fallback_noted);
	assert_string_equal(out.after.state.active_version, "0300");
	assert_true(out.confirmed);
}

/* A device without REPORT SUPPORTED OPERATION CODES: FW STATE's mode bits. */
static void test_modes_from_fw_state(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &im, image, sizeof image);
	f->w->no_rsoc = true;
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_false(out.before.rsoc_answered);
	assert_int_equal(out.before.modes_source, USBMSC_FWU_MODES_FW_STATE);
	assert_int_equal(out.plan.mode, 0x0E);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
}

static void test_explicit_modes(void **state)
{
	struct fx *f = *state;
	struct img one = { "0200", 2, 70000, 0, 0, NULL, NULL };
	struct img chunks = { "0300", 3, 70000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &one, image, sizeof image);
	opts_for(f, &o, &seen);
	o.mode = 0x05;
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_int_equal(f->w->wb_modes[0x05], 1);
	assert_string_equal(out.after.state.active_version, "0200");
	make_image(f, "v3.umfw", &chunks, image, sizeof image);
	opts_for(f, &o, &seen);
	o.mode = 0x07;
	o.chunk = 16 * KIB;
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.plan.commands, 5); /* 70256 bytes in 16 KiB chunks */
	assert_int_equal(f->w->wb_modes[0x07], 5);
	assert_int_equal(seen.progress, 5);
	assert_string_equal(out.after.state.active_version, "0300");
	/* a chunk off the 4 KiB boundary is the caller's mistake: nothing sent */
	opts_for(f, &o, &seen);
	o.chunk = 1000;
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_USAGE);
	assert_int_equal(out.commands_sent, 0);
}

static void test_dry_run(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3 * CHUNK, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.dry_run = true;
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_PLANNED);
	assert_int_equal(out.plan.mode, 0x0E);
	assert_int_equal(out.plan.commands, 5); /* 4 chunks and 0x0F */
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	assert_int_equal(f->w->ops[USBMSC_OP_FW_CONFIRM], 0);
}

static void test_stage_then_activate(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.no_activate = true;
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_STAGED);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
	device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_true(s.flags & USBMSC_FWST_PENDING);
	assert_string_equal(s.pending_version, "0200");
	/* a new open is a power-on: the deferred image still waits */
	usbmsc_close(f->dev);
	open_dev(f);
	device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_true(s.flags & USBMSC_FWST_PENDING);
	/* the same image again: activation only */
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_true(out.plan.activate_only);
	assert_int_equal(f->w->wb_modes[0x0E], 0);
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_string_equal(out.after.state.active_version, "0200");
}

/* Stopped after the first chunk: the old image keeps running; again: done. */
static void test_stop_then_rerun(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 3 * CHUNK, 0, 0, NULL, NULL };
	volatile sig_atomic_t stop = 0;
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.stop = &stop;
	seen.stop = &stop;
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_OTHER);
	assert_non_null(strstr(err.msg, "interrupted"));
	assert_int_equal(out.commands_sent, 1);
	assert_false(out.activated);
	device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	assert_int_equal(s.pending_slot, USBMSC_FWU_NO_SLOT);
	/* a power cycle, and the download from the start */
	usbmsc_close(f->dev);
	open_dev(f);
	device_state(f, &s);
	assert_string_equal(s.active_version, "0100");
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_string_equal(out.after.state.active_version, "0200");
}

/* ---- images past 16 MiB ---------------------------------------------------------- */

/* The whole update of a 20 MiB image, as the device saw it: every chunk
 * continues the last, BUFFER ID 1 for the chunks past 2^24, and the new
 * image runs, confirmed. */
static void assert_big_update(struct fx *f, const struct usbmsc_fwu_outcome *out, uint8_t mode,
			      const char *version)
{
	struct usbmsc_fw_state s;

	assert_int_equal(out->end, USBMSC_FWU_UPDATED);
	assert_int_equal(out->plan.mode, mode);
	assert_int_equal(out->plan.image_len, BIG_PAYLOAD + 256u);
	assert_int_equal(out->bytes_sent, BIG_PAYLOAD + 256u);
	assert_int_equal(f->w->max_id, 1);
	assert_int_equal(f->w->gaps, 0);
	assert_int_equal(f->w->wb_end, BIG_PAYLOAD + 256u);
	assert_true(out->confirmed);
	device_state(f, &s);
	assert_string_equal(s.active_version, version);
	assert_int_equal(s.active_slot, 1);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.capacity, 32 * MIB);
}

static void test_big_image_mode_e(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "big.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.mode = 0x0E;
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_big_update(f, &out, 0x0E, "0200");
	assert_true(out.before.state.wide_offset);
	assert_int_equal(out.before.buffer_capacity, 32 * MIB);
	assert_int_equal(out.plan.chunk, CHUNK);
	assert_int_equal(out.plan.commands, 22); /* 21 chunks and 0x0F */
	assert_int_equal(f->w->wb_modes[0x0E], 21);
	assert_int_equal(f->w->wb_modes[0x0F], 1);
	assert_int_equal(f->w->straddles, 0);  /* 1 MiB chunks meet 2^24 exactly */
	assert_true(seen.monotonic);
	assert_int_equal(seen.last_bytes, BIG_PAYLOAD + 256u);
}

/* Mode 0x07 in 768 KiB chunks: one chunk crosses 2^24, sent with its
 * first byte's offset (BUFFER ID 0), and the next ones with BUFFER ID 1. */
static void test_big_image_mode_7_straddling(void **state)
{
	struct fx *f = *state;
	struct img im = { "0300", 3, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "big.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.mode = 0x07;
	o.chunk = 768 * KIB;
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_big_update(f, &out, 0x07, "0300");
	assert_int_equal(f->w->straddles, 1);
	assert_int_equal(out.plan.commands, 27); /* 20 MiB + 256 in 768 KiB chunks */
	assert_int_equal(f->w->wb_modes[0x07], 27);
	assert_int_equal(f->w->wb_modes[0x0F], 0);
}

/* The device refuses mode 0x0E (05/24/00): 0x07 from offset 0. Then it
 * loses the download past 2^24 once (05/24/00): again from offset 0. */
static void test_big_image_fallback_and_restart(void **state)
{
	struct fx *f = *state;
	struct img im = { "0400", 4, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "big.umfw", &im, image, sizeof image);
	f->w->refuse_0e = true;
	f->w->refuse_at = TWO_24 + 2 * MIB;
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_true(out.fell_back);
	assert_true(out.restarted);
	assert_int_equal(f->w->refuse_at, 0); /* the refusal happened */
	assert_true(seen.fallback_noted);
	assert_big_update(f, &out, 0x07, "0400");
	/* one refused 0x0E, 19 chunks up to the refused one, then 21 */
	assert_int_equal(f->w->wb_modes[0x0E], 1);
	assert_int_equal(f->w->wb_modes[0x07], 19 + 21);
}

/* A device without wide offsets: the host refuses the 20 MiB image before
 * sending anything, as before; an image under 16 MiB still goes with
 * BUFFER ID 0 only. */
static void test_big_image_without_wide_offsets(void **state)
{
	struct fx *f = *state;
	struct img big = { "0200", 2, BIG_PAYLOAD, 0, 0, NULL, NULL };
	struct img small = { "0300", 3, 2 * CHUNK + 5, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	f->w->narrow = true;
	make_image(f, "big.umfw", &big, image, sizeof image);
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "16 MiB - 1 (24-bit offsets"));
	assert_false(out.before.state.wide_offset);
	assert_int_equal(out.before.buffer_capacity, 0xFFFFFF);
	assert_int_equal(out.commands_sent, 0);
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	/* --no-host-checks does not get past the offsets either */
	opts_for(f, &o, &seen);
	o.no_host_checks = true;
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
	make_image(f, "small.umfw", &small, image, sizeof image);
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_int_equal(f->w->nonzero_id, 0);
	assert_string_equal(out.after.state.active_version, "0300");
}

/* The slot holds 32 MiB: one byte more is refused by the host. */
static void test_big_image_over_capacity(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 32 * MIB - 255, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "huge.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_FILE);
	assert_non_null(strstr(err.msg, "buffer holds 33554432"));
	assert_int_equal(f->w->ops[USBMSC_OP_WRITE_BUFFER], 0);
}

/* Virtual devices that go away at activation (fw-reboot=disconnect) */
static int setup_unplug(void **state)
{
	return setup_with(state, "?fw-reboot=disconnect");
}

/* One update against a device whose old image answers `linger` commands
 * after the activating CSW before it drops off the bus. */
static void update_lingering(struct fx *f, unsigned linger, uint32_t number)
{
	char version[8], name[32], image[160];
	struct img im = { version, number, CHUNK + 777, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct usbmsc_fw_state s;
	struct seen seen;

	snprintf(version, sizeof version, "%04u", number * 100u);
	snprintf(name, sizeof name, "v%u.umfw", number);
	make_image(f, name, &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.wait_ms = 10000;
	f->w->linger = linger;
	g_replayed = 0;
	/* f->w goes with the handle the update drops: read it no more after. */
	assert_int_equal(update(f, image, &o, &out, &err), 0);
	f->w = NULL;
	/* the old image really answered, as many commands as asked */
	assert_int_equal(g_replayed, linger);
	assert_int_equal(out.end, USBMSC_FWU_UPDATED);
	assert_true(out.activated);
	assert_true(out.reopened);
	assert_true(out.confirmed);
	assert_string_equal(out.after.inquiry.revision, version);
	assert_string_equal(out.after.state.active_version, version);
	device_state(f, &s);
	assert_string_equal(s.active_version, version);
	assert_int_equal(s.flags & USBMSC_FWST_TRIAL, 0);
	assert_int_equal(s.floor, number);
}

/* After activation a real device may answer a few commands with its old
 * image before it drops off the bus for its reboot: those answers, and
 * the errors of its going, must not end the update (not as "back", not as
 * a failure). 0: it goes at once; 1: TEST UNIT READY only; 2: TEST UNIT
 * READY and INQUIRY, then the probe finds it gone; 12: a whole probe
 * reporting the old version, and more. */
static void test_old_image_lingers_after_activation(void **state)
{
	struct fx *f = *state;
	static const unsigned lingers[] = { 0, 1, 2, 12 };

	for (unsigned i = 0; i < sizeof lingers / sizeof lingers[0]; i++) {
		update_lingering(f, lingers[i], 2u + i);
		/* the reopened handle is a plain sim: wrap it again */
		usbmsc_close(f->dev);
		open_dev(f);
	}
}

/* An old image that keeps answering and never reboots: no endless wait,
 * no false success; at the deadline the update fails naming the version
 * that still runs. */
static void test_old_image_never_goes(void **state)
{
	struct fx *f = *state;
	struct img im = { "0200", 2, 5000, 0, 0, NULL, NULL };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_fwu_opts o;
	struct usbmsc_error err;
	struct seen seen;
	char image[160];

	make_image(f, "v2.umfw", &im, image, sizeof image);
	opts_for(f, &o, &seen);
	o.wait_ms = 600;
	f->w->linger = 100000;
	assert_int_equal(update(f, image, &o, &out, &err), USBMSC_E_MEDIUM);
	assert_non_null(strstr(err.msg, "runs version 0100"));
	assert_true(f->w->replayed > 9);
	assert_true(out.activated);
	assert_false(out.confirmed);
	assert_false(out.reopened);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_chunk_size),
		cmocka_unit_test(test_choose_mode),
		cmocka_unit_test(test_reach_and_capacity),
		cmocka_unit_test(test_reopen_uri),
		cmocka_unit_test_setup_teardown(test_probe_fresh_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_refusals_send_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_refuses_unchecked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_to_mode_07, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_from_fw_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage_then_activate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_then_rerun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_image_mode_e, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_big_image_mode_7_straddling, setup_big,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_image_fallback_and_restart, setup_big,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_image_without_wide_offsets, setup_big,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_image_over_capacity, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_old_image_lingers_after_activation,
						setup_unplug, teardown),
		cmocka_unit_test_setup_teardown(test_old_image_never_goes, setup_unplug, teardown),
	};

	if (argc > 1)
		source_root = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
