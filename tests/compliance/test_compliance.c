/* The compliance suite (usbmsc/compliance.h) against the virtual device:
 * every check passes with the default options, pad=1, bs=4096 and
 * luns=3; and against deliberately broken devices (a pipe wrapper around
 * the virtual device's pipe that bends one rule each) the check for that
 * rule, and only it, fails. In every case the scratch area is restored:
 * the image hashes the same before and after. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/testfs.h"
#include "../../src/common/fdio.h"
#include "../../src/os/os_file.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/compliance.h"
#include "usbmsc/sim.h"

#define IMG_BLOCKS 2048u          /* 1 MiB at 512 bytes: room for the scratch area and more */
#define ALL_CHECKS 37u

/* ---- a temporary directory with patterned images ------------------------- */

struct fx {
	char dir[200];
	char path[240];
};

static void fill_file(const char *path, size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 13u + (i >> 9) * 7u + 5u);
	testfs_write(path, buf, len);
	free(buf);
}

static uint64_t hash_file(const char *path)
{
	static uint8_t buf[65536];
	uint64_t h = 0xcbf29ce484222325u, total = 0;
	int fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	int64_t n;

	assert_true(fd >= 0);
	while ((n = usbmsc_read_full(fd, buf, sizeof buf)) > 0) {
		for (int64_t i = 0; i < n; i++) {
			h ^= buf[i];
			h *= 0x100000001b3u;
		}
		total += (uint64_t)n;
	}
	usbmsc_file_close(fd);
	return h ^ total;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	testfs_mkdtemp(f->dir, sizeof f->dir, "usbmsc-comp");
	snprintf(f->path, sizeof f->path, "%s/disk.img", f->dir);
	fill_file(f->path, IMG_BLOCKS * 512u);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	testfs_rmtree(f->dir);
	free(f);
	return 0;
}

/* ---- a broken device: the virtual device's pipe with one rule bent ---------- */

enum quirk {
	Q_NONE,
	Q_ZERO_RESIDUE,       /* every CSW says residue 0 */
	Q_NO_WEDGE,           /* invalid CBWs are swallowed: no stall at all */
	Q_CLEAR_UNWEDGES,     /* CLEAR_FEATURE(HALT) on Bulk-In ends the wedge */
	Q_ACCEPT_BAD_CLASS,   /* malformed class requests are served as well-formed ones */
	Q_HOST_BLOCK_SIZE,    /* WRITE(10) takes its block count from the host's length */
	Q_HANG_READ12,        /* READ(12) is never answered (until a reset) */
	Q_NEEDS_PORT_RESET,   /* after a phase error every CBW stalls until a port reset */
	Q_STOP,               /* asks the suite to stop after some CBWs */
};

struct wrap {
	struct usbmsc_pipe base;
	struct usbmsc_pipe *in;      /* the virtual device's pipe */
	enum quirk q;
	bool hung;                   /* Q_HANG_READ12 */
	bool stuck;                  /* Q_NEEDS_PORT_RESET */
	bool fix_residue;            /* Q_HOST_BLOCK_SIZE: the CSW to correct */
	uint32_t residue;
	unsigned cbws, stop_after;
	volatile sig_atomic_t *stop;
};

static struct wrap *to_wrap(struct usbmsc_pipe *p)
{
	return (struct wrap *)p;
}

static bool is_cbw(const uint8_t *buf, size_t len)
{
	return len == USBMSC_CBW_LEN && usbmsc_get_le32(buf) == USBMSC_CBW_SIGNATURE;
}

static bool looks_like_cbw(const uint8_t *buf, size_t len)
{
	return len >= 30 && len <= 32 && memcmp(buf, "USB", 3) == 0;
}

/* A CBW on its way out; returns true when the wrapper answers it itself. */
static bool cbw_out(struct wrap *w, uint8_t *buf, size_t len, int *r)
{
	if (!is_cbw(buf, len)) {
		if (w->q == Q_NO_WEDGE && looks_like_cbw(buf, len)) {
			*r = USBMSC_PIPE_OK; /* taken, and ignored */
			return true;
		}
		return false;
	}
	w->cbws++;
	if (w->q == Q_STOP && w->cbws == w->stop_after)
		*w->stop = 1;
	if (w->stuck) {
		*r = USBMSC_PIPE_STALL;
		return true;
	}
	if (w->q == Q_HANG_READ12 && buf[15] == 0xA8) {
		w->hung = true;
		*r = USBMSC_PIPE_OK;
		return true;
	}
	if (w->q == Q_HOST_BLOCK_SIZE && buf[15] == 0x2A) {
		uint32_t host = usbmsc_get_le32(buf + 8), blocks = usbmsc_get_be16(buf + 15 + 7);
		if (host > blocks * 512u) {
			/* TinyUSB's bug: the block count from the host's length */
			usbmsc_put_be16(buf + 15 + 7, (uint16_t)(host / 512u));
			w->fix_residue = true;
			w->residue = host - blocks * 512u;
		}
	}
	return false;
}

/* A CSW on its way in. */
static void csw_in(struct wrap *w, uint8_t *buf, size_t done)
{
	if (done != USBMSC_CSW_LEN || usbmsc_get_le32(buf) != USBMSC_CSW_SIGNATURE)
		return;
	if (w->q == Q_ZERO_RESIDUE)
		usbmsc_put_le32(buf + 8, 0);
	if (w->fix_residue) {
		usbmsc_put_le32(buf + 8, w->residue);
		w->fix_residue = false;
	}
	if (w->q == Q_NEEDS_PORT_RESET && buf[12] == USBMSC_CSW_PHASE_ERROR)
		w->stuck = true;
}

static int w_bulk(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		  unsigned timeout_ms)
{
	struct wrap *w = to_wrap(p);
	int r;

	*done = 0;
	if (w->hung)
		return USBMSC_PIPE_TIMEOUT;
	if (!in && cbw_out(w, buf, len, &r)) {
		if (r == USBMSC_PIPE_OK)
			*done = len;
		return r;
	}
	if (in && w->stuck)
		return USBMSC_PIPE_STALL;
	r = w->in->ops->bulk(w->in, in, buf, len, done, timeout_ms);
	if (in && r == USBMSC_PIPE_OK)
		csw_in(w, buf, *done);
	return r;
}

static int w_clear_halt(struct usbmsc_pipe *p, bool in, unsigned timeout_ms)
{
	struct wrap *w = to_wrap(p);
	bool halted = false;
	int r = w->in->ops->clear_halt(w->in, in, timeout_ms);

	if (r == USBMSC_PIPE_OK && w->q == Q_CLEAR_UNWEDGES && in &&
	    usbmsc_pipe_get_halt(w->in, true, &halted, timeout_ms) == USBMSC_PIPE_OK && halted)
		r = usbmsc_bot_reset_recovery(w->in, timeout_ms) == 0 ? USBMSC_PIPE_OK
								       : USBMSC_PIPE_ERROR;
	return r;
}

static int w_control(struct usbmsc_pipe *p, uint8_t rt, uint8_t req, uint16_t value,
		     uint16_t index, uint8_t *data, uint16_t len, size_t *done, unsigned timeout_ms)
{
	struct wrap *w = to_wrap(p);

	if (rt == 0x21 && req == USBMSC_REQ_RESET)
		w->hung = false;
	if (w->q == Q_ACCEPT_BAD_CLASS && rt == 0xA1 && req == USBMSC_REQ_GET_MAX_LUN) {
		value = 0;
		len = len ? 1 : 0;
	}
	if (w->q == Q_ACCEPT_BAD_CLASS && rt == 0x21 && req == USBMSC_REQ_RESET) {
		value = 0;
		len = 0;
		data = NULL;
	}
	return w->in->ops->control(w->in, rt, req, value, index, data, len, done, timeout_ms);
}

static int w_port_reset(struct usbmsc_pipe *p)
{
	struct wrap *w = to_wrap(p);

	w->stuck = false;
	w->hung = false;
	return w->in->ops->port_reset(w->in);
}

static void w_close(struct usbmsc_pipe *p)
{
	struct wrap *w = to_wrap(p);

	w->in->ops->close(w->in);
	free(w);
}

static const struct usbmsc_pipe_ops wrap_ops = {
	.bulk = w_bulk, .clear_halt = w_clear_halt, .control = w_control,
	.port_reset = w_port_reset, .close = w_close,
};

static struct wrap *wrap_sim(const char *path, const char *options, enum quirk q)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_sim *sim = NULL;
	struct wrap *w = calloc(1, sizeof *w);

	assert_non_null(w);
	if (usbmsc_sim_create(path, options, &sim, &err) != 0)
		fail_msg("usbmsc_sim_create(%s, %s): %s", path, options, err.msg);
	w->in = usbmsc_sim_pipe(sim);
	w->base = *w->in;  /* interface, endpoints, packet size */
	w->base.ops = &wrap_ops;
	w->q = q;
	return w;
}

/* ---- running the suite ----------------------------------------------------------- */

struct run {
	int st;
	struct usbmsc_error err;
	struct usbmsc_compliance_report rep;
	unsigned port_resets;
};

static void run_suite(const char *path, const char *options, enum quirk q,
		      struct usbmsc_compliance_opts *opts, struct run *out)
{
	struct wrap *w = wrap_sim(path, options, q);

	memset(&out->err, 0, sizeof out->err);
	out->st = usbmsc_compliance_run_pipe(&w->base, opts, &out->rep, &out->err);
	w_close(&w->base);
}

static const struct usbmsc_check *row(const struct usbmsc_compliance_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->count; i++)
		if (strcmp(rep->checks[i].name, name) == 0)
			return &rep->checks[i];
	fail_msg("no row '%s'", name);
	return NULL;
}

static void print_failures(const struct usbmsc_compliance_report *rep)
{
	for (size_t i = 0; i < rep->count; i++)
		if (rep->checks[i].verdict != USBMSC_VERDICT_PASS)
			print_message("  failed: %s: %s\n", rep->checks[i].name, rep->checks[i].seen);
}

/* A clean run: every row passes and the image (file) is as it was. */
static void expect_all_pass(const char *image, const char *path, const char *options,
			    uint8_t lun, uint32_t bs)
{
	struct usbmsc_compliance_opts opts = { .lun = lun };
	uint64_t before = hash_file(image);
	struct run r;

	run_suite(path, options, Q_NONE, &opts, &r);
	if (r.st != 0 || r.rep.failed != 0) {
		print_failures(&r.rep);
		fail_msg("%s?%s LUN %u: status %d (%s), %u failed", path, options, lun, r.st, r.err.msg,
			 r.rep.failed);
	}
	assert_int_equal(r.rep.count, ALL_CHECKS);
	assert_int_equal(r.rep.passed, ALL_CHECKS);
	assert_int_equal(r.rep.block_size, bs);
	assert_int_equal(r.rep.lun, lun);
	assert_true(r.rep.scratch_saved);
	assert_true(r.rep.scratch_restored);
	assert_int_equal(r.rep.port_resets, 0);
	assert_string_equal(r.rep.vendor, "USBMSC");
	assert_int_equal(hash_file(image), before);
	usbmsc_compliance_report_free(&r.rep);
}

/* ---- the virtual device passes ---------------------------------------------------- */

static void sim_default_passes(void **state)
{
	struct fx *f = *state;

	expect_all_pass(f->path, f->path, "", 0, 512);
}

static void sim_pad_passes(void **state)
{
	struct fx *f = *state;

	expect_all_pass(f->path, f->path, "pad=1", 0, 512);
}

static void sim_bs4096_passes(void **state)
{
	struct fx *f = *state;

	expect_all_pass(f->path, f->path, "bs=4096", 0, 4096);
}

static void sim_three_luns_pass(void **state)
{
	struct fx *f = *state;
	char lun2[300];

	snprintf(lun2, sizeof lun2, "%s.lun2", f->path);
	fill_file(lun2, IMG_BLOCKS * 512u);
	expect_all_pass(lun2, f->path, "luns=3", 2, 512);
	expect_all_pass(f->path, f->path, "luns=3", 0, 512);
}

/* The rows say which of the allowed behaviours the device chose. */
static void choices_recorded(void **state)
{
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { 0 };
	struct run r;

	run_suite(f->path, "", Q_NONE, &opts, &r);
	assert_int_equal(r.st, 0);
	assert_string_equal(row(&r.rep, "case-04-hi-dn")->choice, "stall");
	assert_string_equal(row(&r.rep, "case-05-hi-gt-di")->choice, "stall");
	assert_string_equal(row(&r.rep, "case-09-ho-dn")->choice, "discard");
	assert_string_equal(row(&r.rep, "case-10-ho-di")->choice, "stall");
	assert_string_equal(row(&r.rep, "case-11-ho-gt-do")->choice, "discard");
	assert_string_equal(row(&r.rep, "case-02-hn-di")->choice, "status-2");
	assert_string_equal(row(&r.rep, "case-13-ho-lt-do")->choice, "status-2");
	assert_string_equal(row(&r.rep, "get-max-lun")->choice, "answer");
	assert_string_equal(row(&r.rep, "cbw-30-bytes/in-stalled")->choice, "out-halted");
	assert_string_equal(row(&r.rep, "case-06-hi-eq-di")->choice, "");
	assert_non_null(strstr(row(&r.rep, "case-05-hi-gt-di")->seen, "residue 476"));
	usbmsc_compliance_report_free(&r.rep);

	run_suite(f->path, "pad=1", Q_NONE, &opts, &r);
	assert_int_equal(r.st, 0);
	assert_string_equal(row(&r.rep, "case-04-hi-dn")->choice, "pad");
	assert_string_equal(row(&r.rep, "case-05-hi-gt-di")->choice, "pad");
	usbmsc_compliance_report_free(&r.rep);
}

/* Through a device handle: usbmsc_dev_pipe gives the sim: transport's pipe. */
static void through_device_handle(void **state)
{
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { 0 };
	struct usbmsc_compliance_report rep;
	struct usbmsc_error err = { 0 };
	struct usbmsc_dev *dev = NULL;
	uint64_t before = hash_file(f->path);
	char uri[300];
	struct usbmsc_inquiry parsed;
	struct usbmsc_result res;

	snprintf(uri, sizeof uri, "sim:%s", f->path);
	assert_int_equal(usbmsc_open(uri, NULL, &dev, &err), 0);
	assert_non_null(usbmsc_dev_pipe(dev));
	assert_int_equal(usbmsc_compliance_run(dev, &opts, &rep, &err), 0);
	assert_int_equal(rep.failed, 0);
	assert_int_equal(rep.count, ALL_CHECKS);
	usbmsc_compliance_report_free(&rep);
	/* the handle still works for ordinary commands afterwards */
	assert_int_equal(usbmsc_inquiry(dev, 0, &parsed, &res), 0);
	assert_string_equal(parsed.vendor, "USBMSC");
	usbmsc_close(dev);
	assert_int_equal(hash_file(f->path), before);
}

/* ---- broken devices fail the right rows ------------------------------------------ */

/* Run with the quirk: exactly the named rows fail, the rest pass, the
 * suite still runs to its end, and the image is as it was. */
static void expect_failures(struct fx *f, enum quirk q, const char *const *names, size_t n)
{
	struct usbmsc_compliance_opts opts = { 0 };
	uint64_t before = hash_file(f->path);
	struct run r;

	run_suite(f->path, "", q, &opts, &r);
	assert_int_equal(r.st, 0);
	assert_int_equal(r.rep.count, ALL_CHECKS);
	for (size_t i = 0; i < n; i++) {
		const struct usbmsc_check *c = row(&r.rep, names[i]);
		if (c->verdict != USBMSC_VERDICT_FAIL)
			fail_msg("quirk %d: '%s' passed (%s)", (int)q, names[i], c->seen);
	}
	if (r.rep.failed != n) {
		print_failures(&r.rep);
		fail_msg("quirk %d: %u rows failed, expected %zu", (int)q, r.rep.failed, n);
	}
	assert_true(r.rep.scratch_restored);
	assert_int_equal(hash_file(f->path), before);
	usbmsc_compliance_report_free(&r.rep);
}

static void wrong_residue_fails(void **state)
{
	static const char *const names[] = {
		"case-04-hi-dn", "case-05-hi-gt-di", "case-09-ho-dn", "case-11-ho-gt-do",
	};

	expect_failures(*state, Q_ZERO_RESIDUE, names, 4);
}

static void no_stall_after_invalid_cbw_fails(void **state)
{
	static const char *const names[] = {
		"cbw-bad-signature/in-stalled", "cbw-bad-signature/halt-survives-clear",
		"cbw-30-bytes/in-stalled", "cbw-30-bytes/halt-survives-clear",
		"cbw-32-bytes/in-stalled", "cbw-32-bytes/halt-survives-clear",
	};

	expect_failures(*state, Q_NO_WEDGE, names, 6);
}

static void clear_feature_unwedging_fails(void **state)
{
	static const char *const names[] = {
		"cbw-bad-signature/halt-survives-clear", "cbw-30-bytes/halt-survives-clear",
		"cbw-32-bytes/halt-survives-clear",
	};

	expect_failures(*state, Q_CLEAR_UNWEDGES, names, 3);
}

static void malformed_class_requests_answered_fail(void **state)
{
	static const char *const names[] = {
		"class-request/get-max-lun-wvalue-1", "class-request/get-max-lun-wlength-2",
		"class-request/reset-wvalue-1", "class-request/reset-wlength-1",
	};

	expect_failures(*state, Q_ACCEPT_BAD_CLASS, names, 4);
}

/* The residue is made to look right: only the guard block shows the bug. */
static void write_past_range_fails(void **state)
{
	static const char *const names[] = { "case-11-ho-gt-do" };
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { 0 };
	struct run r;

	expect_failures(f, Q_HOST_BLOCK_SIZE, names, 1);
	run_suite(f->path, "", Q_HOST_BLOCK_SIZE, &opts, &r);
	assert_non_null(strstr(row(&r.rep, "case-11-ho-gt-do")->seen, "changed"));
	assert_non_null(strstr(row(&r.rep, "case-11-ho-gt-do")->seen, "residue 512"));
	usbmsc_compliance_report_free(&r.rep);
}

static void timeout_fails(void **state)
{
	static const char *const names[] = { "read-12-64k" };

	expect_failures(*state, Q_HANG_READ12, names, 1);
}

/* A device that Reset Recovery does not bring back (QEMU's usb-storage
 * after a phase error): the suite goes on after a port reset, and each
 * row that needed one fails. */
static void needing_port_reset_fails(void **state)
{
	static const char *const names[] = {
		"case-02-hn-di", "case-03-hn-do", "case-07-hi-lt-di", "case-08-hi-do",
		"case-10-ho-di", "case-13-ho-lt-do",
	};
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { 0 };
	struct run r;

	expect_failures(f, Q_NEEDS_PORT_RESET, names, 6);
	run_suite(f->path, "", Q_NEEDS_PORT_RESET, &opts, &r);
	assert_int_equal(r.rep.port_resets, 6);
	assert_non_null(strstr(row(&r.rep, "case-07-hi-lt-di")->seen, "port reset"));
	usbmsc_compliance_report_free(&r.rep);
}

/* ---- stopping, a device that leaves, refusals -------------------------------------- */

static void stop_restores_scratch(void **state)
{
	struct fx *f = *state;
	static volatile sig_atomic_t stop;
	struct usbmsc_compliance_opts opts = { .stop = &stop };
	uint64_t before = hash_file(f->path);
	struct wrap *w = wrap_sim(f->path, "", Q_STOP);
	struct usbmsc_compliance_report rep;
	struct usbmsc_error err = { 0 };
	int st;

	stop = 0;
	w->stop = &stop;
	w->stop_after = 60;
	st = usbmsc_compliance_run_pipe(&w->base, &opts, &rep, &err);
	w_close(&w->base);
	assert_int_equal(st, USBMSC_E_TRANSPORT);
	assert_non_null(strstr(err.msg, "interrupted"));
	assert_non_null(strstr(err.msg, "was restored"));
	assert_true(rep.count > 5 && rep.count < ALL_CHECKS);
	assert_string_equal(rep.checks[rep.count - 1].name, "scratch-restored");
	assert_true(rep.scratch_restored);
	assert_int_equal(hash_file(f->path), before);
	usbmsc_compliance_report_free(&rep);
}

static void device_gone_is_reported(void **state)
{
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { 0 };
	struct run r;

	run_suite(f->path, "fault=disconnect@40", Q_NONE, &opts, &r);
	assert_int_equal(r.st, USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(r.err.msg, "went away"));
	assert_non_null(strstr(r.err.msg, "could not be restored"));
	assert_true(r.rep.scratch_saved);
	assert_false(r.rep.scratch_restored);
	assert_true(r.rep.count > 0 && r.rep.count < ALL_CHECKS);
	usbmsc_compliance_report_free(&r.rep);
}

static void bad_lun_and_scratch_refused(void **state)
{
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { .lun = 1 };
	uint64_t before = hash_file(f->path);
	struct run r;

	run_suite(f->path, "", Q_NONE, &opts, &r);
	assert_int_equal(r.st, USBMSC_E_USAGE);
	assert_non_null(strstr(r.err.msg, "LUNs 0..0"));
	assert_false(r.rep.scratch_saved);
	usbmsc_compliance_report_free(&r.rep);

	opts.lun = 0;
	opts.scratch_set = true;
	opts.scratch_lba = IMG_BLOCKS - 100;
	run_suite(f->path, "", Q_NONE, &opts, &r);
	assert_int_equal(r.st, USBMSC_E_USAGE);
	assert_non_null(strstr(r.err.msg, "beyond the LUN"));
	assert_false(r.rep.scratch_saved);
	usbmsc_compliance_report_free(&r.rep);
	assert_int_equal(hash_file(f->path), before);
}

static void small_lun_refused(void **state)
{
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { 0 };
	struct run r;

	fill_file(f->path, 128u * 512u);
	run_suite(f->path, "", Q_NONE, &opts, &r);
	assert_int_equal(r.st, USBMSC_E_USAGE);
	assert_non_null(strstr(r.err.msg, "scratch area of 256"));
	usbmsc_compliance_report_free(&r.rep);
}

/* --scratch-lba: the area moves, only it is written, and it is restored. */
static void chosen_scratch_area(void **state)
{
	struct fx *f = *state;
	struct usbmsc_compliance_opts opts = { .scratch_set = true, .scratch_lba = 1000 };
	uint64_t before = hash_file(f->path);
	struct run r;

	run_suite(f->path, "", Q_NONE, &opts, &r);
	assert_int_equal(r.st, 0);
	assert_int_equal(r.rep.failed, 0);
	assert_int_equal(r.rep.scratch_lba, 1000);
	assert_int_equal(r.rep.scratch_blocks, 256);
	assert_int_equal(hash_file(f->path), before);
	usbmsc_compliance_report_free(&r.rep);
}

/* A transport without a pipe (SG_IO's kind) is refused with directions. */
static int np_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		   struct usbmsc_result *res, struct usbmsc_error *err)
{
	(void)t;
	(void)cmd;
	(void)err;
	memset(res, 0, sizeof *res);
	return 0;
}

static void np_close(struct usbmsc_transport *t)
{
	free(t);
}

static const struct usbmsc_transport_ops np_ops = { .name = "sgio", .exec = np_exec,
						    .close = np_close };

static void pipeless_transport_refused(void **state)
{
	struct usbmsc_transport *t = calloc(1, sizeof *t);
	struct usbmsc_compliance_opts opts = { 0 };
	struct usbmsc_compliance_report rep;
	struct usbmsc_error err = { 0 };
	struct usbmsc_dev *dev = NULL;

	(void)state;
	assert_non_null(t);
	t->ops = &np_ops;
	assert_int_equal(usbmsc_dev_from_transport(t, &dev, &err), 0);
	assert_null(usbmsc_dev_pipe(dev));
	assert_int_equal(usbmsc_compliance_run(dev, &opts, &rep, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "sgio"));
	assert_non_null(strstr(err.msg, "usb:"));
	assert_non_null(strstr(err.msg, "sim:"));
	assert_int_equal(rep.count, 0);
	usbmsc_compliance_report_free(&rep);
	usbmsc_close(dev);
	assert_null(usbmsc_dev_pipe(NULL));
	assert_string_equal(usbmsc_verdict_name(USBMSC_VERDICT_PASS), "pass");
	assert_string_equal(usbmsc_verdict_name(USBMSC_VERDICT_FAIL), "fail");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(sim_default_passes), T(sim_pad_passes), T(sim_bs4096_passes),
		T(sim_three_luns_pass), T(choices_recorded), T(through_device_handle),
		T(wrong_residue_fails), T(no_stall_after_invalid_cbw_fails),
		T(clear_feature_unwedging_fails), T(malformed_class_requests_answered_fail),
		T(write_past_range_fails), T(timeout_fails), T(needing_port_reset_fails),
		T(stop_restores_scratch), T(device_gone_is_reported), T(bad_lun_and_scratch_refused),
		T(small_lun_refused), T(chosen_scratch_area), T(pipeless_transport_refused),
	};

	return cmocka_run_group_tests_name("compliance", tests, NULL, NULL);
}
