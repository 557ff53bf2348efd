/* Bulk-Only Transport compliance checks over any device's bulk pipe
 * (usbmsc/compliance.h): the run. The suite's files are listed in
 * compliance_internal.h. */
#include "compliance_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int identify(struct suite *s, struct usbmsc_error *err)
{
	uint8_t cdb[16], data[36], cap[32];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, sizeof data);
	char why[USBMSC_CHECK_TEXT_MAX];
	struct usbmsc_inquiry inq;
	struct xfer x;
	uint32_t last32 = 0, bs = 0;
	uint64_t last = 0;
	int st;

	cpl_run_cmd(s, USBMSC_DIR_IN, sizeof data, cdb, n, data, &x);
	if (!cpl_status_is(&x, USBMSC_CSW_PASSED) || !usbmsc_inquiry_parse(data, x.done, &inq)) {
		st = cpl_cmd_failure(s, &x, why, sizeof why);
		return usbmsc_fail(err, st ? st : USBMSC_E_OTHER, "INQUIRY: %s", why);
	}
	snprintf(s->rep->vendor, sizeof s->rep->vendor, "%s", inq.vendor);
	snprintf(s->rep->product, sizeof s->rep->product, "%s", inq.product);
	snprintf(s->rep->revision, sizeof s->rep->revision, "%s", inq.revision);

	n = usbmsc_cdb_read_capacity10(cdb);
	cpl_run_cmd(s, USBMSC_DIR_IN, 8, cdb, n, cap, &x);
	if (!cpl_status_is(&x, USBMSC_CSW_PASSED) ||
	    !usbmsc_read_capacity10_parse(cap, x.done, &last32, &bs)) {
		st = cpl_cmd_failure(s, &x, why, sizeof why);
		return usbmsc_fail(err, st ? st : USBMSC_E_OTHER, "READ CAPACITY(10): %s", why);
	}
	last = last32;
	if (last32 == UINT32_MAX) {
		n = usbmsc_cdb_read_capacity16(cdb, sizeof cap);
		cpl_run_cmd(s, USBMSC_DIR_IN, sizeof cap, cdb, n, cap, &x);
		if (!cpl_status_is(&x, USBMSC_CSW_PASSED) ||
		    !usbmsc_read_capacity16_parse(cap, x.done, &last, &bs)) {
			st = cpl_cmd_failure(s, &x, why, sizeof why);
			return usbmsc_fail(err, st ? st : USBMSC_E_OTHER, "READ CAPACITY(16): %s", why);
		}
	}
	if (bs < MIN_BLOCK || bs > MAX_BLOCK)
		return usbmsc_fail(err, USBMSC_E_OTHER, "block size %u is outside %u..%u", bs,
				   MIN_BLOCK, MAX_BLOCK);
	s->bs = bs;
	s->rep->block_size = bs;
	s->rep->blocks = last + 1;
	return USBMSC_OK;
}

static bool stop_requested(const struct suite *s)
{
	return s->o->stop && *s->o->stop;
}

bool cpl_should_stop(const struct suite *s)
{
	return s->gone || s->not_ready || s->oom || stop_requested(s);
}

static void run_checks(struct suite *s)
{
	void (*const groups[])(struct suite *) = {
		cpl_check_cb_past_lengths, cpl_check_cases, cpl_check_invalid_cbws,
		cpl_check_cmdset,
	};

	for (size_t i = 0; i < sizeof groups / sizeof groups[0] && !cpl_should_stop(s); i++)
		groups[i](s);
}

static void free_suite(struct suite *s)
{
	free(s->saved);
	free(s->model);
	free(s->buf);
	free(s->out);
}

/* The outcome once the checks are over, the scratch area restored or not. */
static int outcome(struct suite *s, int st, struct usbmsc_error *err)
{
	char where[96];

	snprintf(where, sizeof where, "LBA %llu..%llu", (unsigned long long)s->scratch,
		 (unsigned long long)(s->scratch + s->nscratch - 1));
	if (s->gone)
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE,
				   "the device went away during the checks%s%s", s->dirty
				   ? "; the scratch area could not be restored: " : "",
				   s->dirty ? where : "");
	if (st != USBMSC_OK) {
		if (s->dirty && !s->rep->scratch_restored)
			cpl_append(err->msg, sizeof err->msg,
				   "; the scratch area %s could not be restored", where);
		return st;
	}
	if (s->not_ready)
		return usbmsc_fail(err, USBMSC_E_NOT_READY,
				   "LUN %u went not ready after %zu checks: %s; the scratch area "
				   "%s %s", s->lun, s->rep->count, s->not_ready_why, where,
				   s->rep->scratch_restored ? "was restored" : "could not be restored");
	if (s->oom)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	if (stop_requested(s))
		return usbmsc_fail(err, USBMSC_E_TRANSPORT,
				   "interrupted: stop requested after %zu checks; the scratch area "
				   "%s %s", s->rep->count, where,
				   s->rep->scratch_restored ? "was restored" : "could not be restored");
	return USBMSC_OK;
}

int usbmsc_compliance_run_pipe(struct usbmsc_pipe *pipe, const struct usbmsc_compliance_opts *opts,
			       struct usbmsc_compliance_report *rep, struct usbmsc_error *err)
{
	struct usbmsc_error local = { 0 };
	struct suite s;
	int st;

	if (!err)
		err = &local;
	if (!rep)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the compliance checks need a report");
	memset(rep, 0, sizeof *rep);
	if (!pipe || !opts)
		return usbmsc_fail(err, USBMSC_E_USAGE, "the compliance checks need a pipe and options");
	if (opts->lun > USBMSC_MAX_LUN)
		return usbmsc_fail(err, USBMSC_E_USAGE, "LUN %u is not 0..%u", opts->lun,
				   USBMSC_MAX_LUN);
	memset(&s, 0, sizeof s);
	s.p = pipe;
	s.o = opts;
	s.rep = rep;
	s.tmo = opts->timeout_ms ? opts->timeout_ms : USBMSC_DEFAULT_TIMEOUT_MS;
	s.tag = FIRST_TAG;
	s.lun = opts->lun;
	rep->lun = opts->lun;

	/* A known state to start from: a previous run may have left it wedged. */
	cpl_reset_recovery(&s);
	cpl_check_class_requests(&s);
	st = s.gone ? USBMSC_E_NO_DEVICE : USBMSC_OK;
	if (st == USBMSC_OK && s.lun > rep->max_lun)
		st = usbmsc_fail(err, USBMSC_E_USAGE, "the device has LUNs 0..%u, not %u",
				 rep->max_lun, s.lun);
	if (st == USBMSC_OK) {
		/* a LUN not ready for another reason fails in identify() */
		cpl_settle(&s);
		st = s.not_ready ? usbmsc_fail(err, USBMSC_E_NOT_READY, "LUN %u is not ready: %s",
					       s.lun, s.not_ready_why)
				 : identify(&s, err);
	}
	if (st == USBMSC_OK)
		st = cpl_place_scratch(&s, err);
	if (st == USBMSC_OK)
		st = cpl_allocate(&s, err);
	if (st == USBMSC_OK)
		st = cpl_prepare_scratch(&s, err);
	s.port_reset_used = false; /* counted in the report; the rows start here */
	s.checking = true;
	if (st == USBMSC_OK)
		run_checks(&s);
	if (s.dirty && !s.gone)
		cpl_restore_scratch(&s);
	st = outcome(&s, st, err);
	free_suite(&s);
	return st;
}

int usbmsc_compliance_run(struct usbmsc_dev *dev, const struct usbmsc_compliance_opts *opts,
			  struct usbmsc_compliance_report *rep, struct usbmsc_error *err)
{
	struct usbmsc_pipe *pipe = usbmsc_dev_pipe(dev);

	if (rep)
		memset(rep, 0, sizeof *rep);
	if (!pipe)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "the compliance checks need raw Bulk-Only Transport, and the %s "
				   "transport does not give it: use usb:VID:PID (it detaches the "
				   "kernel driver and reattaches it after) or sim:",
				   usbmsc_dev_transport_name(dev));
	return usbmsc_compliance_run_pipe(pipe, opts, rep, err);
}

