/* The compliance suite's report (compliance_internal.h): one row per
 * check, the count of passes and failures, and a device that must take
 * commands again after every row. */
#include "compliance_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *usbmsc_verdict_name(enum usbmsc_verdict verdict)
{
	return verdict == USBMSC_VERDICT_PASS ? "pass" : "fail";
}

void cpl_record(struct suite *s, const char *name, bool pass, const char *choice,
		const char *expected, const char *seen)
{
	struct usbmsc_compliance_report *rep = s->rep;
	struct usbmsc_check *c;

	/* Every row leaves a device that takes commands (or says why not). */
	if (s->checking && !s->gone)
		cpl_settle(s);
	if (rep->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct usbmsc_check *grown = realloc(rep->checks, cap * sizeof *grown);
		if (!grown) {
			s->oom = true;
			return;
		}
		rep->checks = grown;
		s->cap = cap;
	}
	c = &rep->checks[rep->count++];
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->expected, sizeof c->expected, "%s", expected);
	snprintf(c->seen, sizeof c->seen, "%s", seen);
	if (s->port_reset_used) {
		/* the device needed more than the spec's recovery */
		cpl_append(c->seen, sizeof c->seen, "; only a port reset brought it back");
		s->port_reset_used = false;
		pass = false;
	}
	snprintf(c->choice, sizeof c->choice, "%s", choice ? choice : "");
	c->verdict = pass ? USBMSC_VERDICT_PASS : USBMSC_VERDICT_FAIL;
	if (pass)
		rep->passed++;
	else
		rep->failed++;
	usbmsc_trace_emit(&s->o->trace, USBMSC_TRACE_NOTE, NULL, 0, "compliance: %s: %s (%s)", name,
			  pass ? "pass" : "FAIL", seen);
}

const char *cpl_status_choice(const struct xfer *x)
{
	if (!cpl_xfer_valid(x))
		return NULL;
	if (x->csw.status == USBMSC_CSW_PHASE_ERROR)
		return "status-2";
	return x->csw.status == USBMSC_CSW_FAILED ? "status-1" : NULL;
}

void usbmsc_compliance_report_free(struct usbmsc_compliance_report *rep)
{
	if (!rep)
		return;
	free(rep->checks);
	rep->checks = NULL;
	rep->count = 0;
}
