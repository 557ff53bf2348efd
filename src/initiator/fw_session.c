/* One firmware operation (an update, an activation, a confirmation): its
 * state, what it reports to the caller, how it fails (fw_internal.h). */
#include "fw_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned at_least(unsigned given, unsigned floor_ms)
{
	return given > floor_ms ? given : floor_ms;
}

void usbmsc_fwi_begin(struct fwu *u, struct usbmsc_dev **dev, const struct usbmsc_fwu_opts *o,
		      struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	memset(u, 0, sizeof *u);
	memset(out, 0, sizeof *out);
	u->dev = dev;
	u->o = o;
	u->out = out;
	u->err = err;
	u->fd = -1;
	/* flash programming, not the bus, sets the pace (PROTOCOL.md) */
	u->chunk_timeout = at_least(o->open_opts.timeout_ms, USBMSC_FWU_CHUNK_TIMEOUT_MS);
	u->activate_timeout = at_least(o->open_opts.timeout_ms, USBMSC_FWU_ACTIVATE_TIMEOUT_MS);
}

void usbmsc_fwi_report(struct fwu *u, enum usbmsc_fwu_event ev, uint64_t bytes, uint64_t total,
		       const char *text)
{
	struct usbmsc_fwu_report r = { ev, bytes, total, text };

	if (u->o->report)
		u->o->report(u->o->report_ctx, &r);
}

void usbmsc_fwi_note(struct fwu *u, const char *fmt, ...)
{
	char text[USBMSC_ERRMSG_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	usbmsc_fwi_report(u, USBMSC_FWU_EV_NOTE, 0, 0, text);
	usbmsc_trace_emit(&u->o->open_opts.trace, USBMSC_TRACE_NOTE, NULL, 0, "%s", text);
}

int usbmsc_fwi_failed(struct fwu *u, int st, const struct usbmsc_result *res, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	u->out->has_failed_cmd = true;
	u->out->failed = *res;
	return usbmsc_fwi_fail_dev(u->err, *u->dev, st, what);
}

void usbmsc_fwi_add_to_msg(struct usbmsc_error *err, const char *more)
{
	size_t n = strlen(err->msg);

	snprintf(err->msg + n, sizeof err->msg - n, "%s", more);
}

void usbmsc_fwi_look_after_failure(struct fwu *u)
{
	struct usbmsc_error e = { 0 };

	if (*u->dev && usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, NULL, &e) == 0)
		u->out->has_after = true;
}

void usbmsc_fwi_aim(struct usbmsc_fwu_outcome *o, const char *version, uint32_t number)
{
	o->has_target = true;
	snprintf(o->target_version, sizeof o->target_version, "%s", version);
	o->target_number = number;
}

bool usbmsc_fwi_same_image(const struct usbmsc_fw_header *h, const char *version, uint32_t number)
{
	return strcmp(h->version, version) == 0 && h->version_number == number;
}
