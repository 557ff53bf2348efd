/* The fixture of the host firmware update tests (fwu_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwu_fixture.h"
#include "../common/testfs.h"
#include "../../src/os/os_file.h"

#include "usbmsc/byteorder.h"

const char *fwu_source_root = ".";
unsigned fwu_replayed;

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

static int good(struct usbmsc_result *res, uint32_t residue)
{
	memset(res, 0, sizeof *res);
	res->outcome = USBMSC_OUTCOME_GOOD;
	res->residue = residue;
	return 0;
}

/* A command the wrapper answers itself (1), or 0 for the device. */
static int answer_instead(struct wrap *w, const struct usbmsc_cmd *cmd, struct usbmsc_result *res)
{
	uint8_t op = cmd->cdb[0];

	if (w->short_on && op == USBMSC_OP_WRITE_BUFFER && cmd->len > 0 &&
	    wb_offset(cmd->cdb) == w->short_at) {
		w->short_on = false;
		good(res, w->short_residue_zero ? 0 : cmd->len);
		return 1;
	}
	if (w->took_wb && op == USBMSC_OP_FW_STATE && w->spoil == SPOIL_EMPTY) {
		good(res, cmd->len);
		return 1;
	}
	if (w->took_wb && op == USBMSC_OP_FW_STATE && w->spoil == SPOIL_REFUSED) {
		check_condition(res, 0x5, 0x20, 0x00);
		return 1;
	}
	if (w->confirm_lost && op == USBMSC_OP_FW_CONFIRM) {
		w->confirm_seen = true;
		good(res, 0);
		return 1;
	}
	return 0;
}

/* The device's answer, changed as the knobs say. */
static void doctor(struct wrap *w, const struct usbmsc_cmd *cmd, struct usbmsc_result *res)
{
	uint8_t op = cmd->cdb[0];
	char v[5];

	if (res->outcome != USBMSC_OUTCOME_GOOD)
		return;
	if (op == USBMSC_OP_WRITE_BUFFER)
		w->took_wb = true;
	if (op == USBMSC_OP_FW_CONFIRM)
		w->confirm_seen = true;
	if (op == USBMSC_OP_FW_STATE && w->took_wb && w->spoil == SPOIL_SHORT &&
	    res->transferred > 20)
		res->transferred = 20;
	if (op == USBMSC_OP_FW_STATE && w->took_wb && w->spoil == SPOIL_GARBLED &&
	    res->transferred > 0)
		cmd->data[0] = 'X';
	if (!w->other_version || !w->confirm_seen)
		return;
	snprintf(v, sizeof v, "%-4s", w->other_version);
	if (op == USBMSC_OP_INQUIRY && !(cmd->cdb[1] & 1) && res->transferred >= 36)
		memcpy(cmd->data + 32, v, 4);
	if (op == USBMSC_OP_FW_STATE && res->transferred >= 16) {
		memcpy(cmd->data + 8, v, 4);
		usbmsc_put_be32(cmd->data + 12, w->other_number);
	}
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
	if (answer_instead(w, cmd, res))
		return 0;
	if (w->activated && w->linger > 0) {
		w->linger--;
		if (replay(w, cmd, res)) {
			w->replayed++;
			fwu_replayed++;
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
	if (st == 0)
		doctor(w, cmd, res);
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


void fwu_path_in(const struct fx *f, char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", f->dir, name);
	assert_true(n > 0 && (size_t)n < len);
}

void fwu_open_dev(struct fx *f)
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
int fwu_setup_with(void **state, const char *options)
{
	struct fx *f = calloc(1, sizeof *f);
	struct usbmsc_error err = { 0 };
	char key[512];
	size_t n;

	assert_non_null(f);
	testfs_mkdtemp(f->dir, sizeof f->dir, "usbmsc-fwupdate");
	fwu_path_in(f, f->disk, sizeof f->disk, "disk.img");
	n = strlen(f->disk);
	assert_true(snprintf(f->disk + n, sizeof f->disk - n, "%s", options) <
		    (int)(sizeof f->disk - n));
	snprintf(f->uri, sizeof f->uri, "sim:%s", f->disk);
	snprintf(key, sizeof key, "%s/data/demo-fw-secret.key", fwu_source_root);
	assert_int_equal(usbmsc_fw_load_secret_key(key, f->secret, &err), 0);
	fwu_open_dev(f);
	*state = f;
	return 0;
}

int fwu_setup(void **state)
{
	return fwu_setup_with(state, "");
}

/* Slots of 32 MiB: room for a 20 MiB image. */
int fwu_setup_big(void **state)
{
	return fwu_setup_with(state, "?fw-slot=32M");
}

int fwu_teardown(void **state)
{
	struct fx *f = *state;

	usbmsc_close(f->dev);
	testfs_rmtree(f->dir);
	free(f);
	return 0;
}

/* Pack an image for the virtual device (or for what im says) as NAME. */
void fwu_make_image(struct fx *f, const char *name, const struct img *im, char *out, size_t len)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	char payload[160];
	FILE *fp;

	fwu_path_in(f, payload, sizeof payload, "payload.bin");
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
	fwu_path_in(f, out, len, name);
	assert_int_equal(usbmsc_fw_pack(payload, out, im->secret ? im->secret : f->secret, &h, &err),
			 0);
}

/* FW STATE's raw bytes, for before/after comparisons. */
void fwu_state_raw(struct fx *f, uint8_t out[USBMSC_FW_STATE_LEN])
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

void fwu_device_state(struct fx *f, struct usbmsc_fw_state *s)
{
	uint8_t raw[USBMSC_FW_STATE_LEN];

	fwu_state_raw(f, raw);
	assert_true(usbmsc_fw_state_parse(raw, sizeof raw, s));
}


void fwu_alter(const char *path, uint64_t at, bool cut)
{
	int fd = usbmsc_file_open(path, USBMSC_FILE_RDWR, 0);
	uint8_t byte;

	assert_true(fd >= 0);
	if (cut) {
		assert_true(usbmsc_file_truncate(fd, at));
	} else {
		assert_int_equal(usbmsc_file_pread(fd, &byte, 1, at), 1);
		byte ^= 0x01;
		assert_int_equal(usbmsc_file_pwrite(fd, &byte, 1, at), 1);
	}
	usbmsc_file_close(fd);
}

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
		if (s->alter_path && s->progress == s->alter_after)
			fwu_alter(s->alter_path, s->alter_at, s->alter_cut);
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

void fwu_opts_for(struct fx *f, struct usbmsc_fwu_opts *o, struct seen *s)
{
	memset(o, 0, sizeof *o);
	memset(s, 0, sizeof *s);
	s->monotonic = true;
	o->uri = f->uri;
	o->report = on_report;
	o->report_ctx = s;
}

int fwu_update(struct fx *f, const char *image, const struct usbmsc_fwu_opts *o,
		  struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	memset(err, 0, sizeof *err);
	return usbmsc_fw_update(&f->dev, image, o, out, err);
}

/* Virtual devices that go away at activation (fw-reboot=disconnect) */
int fwu_setup_unplug(void **state)
{
	return fwu_setup_with(state, "?fw-reboot=disconnect");
}
