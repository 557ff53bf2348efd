/* After the download (fw_internal.h): activation, the wait for the
 * device's reboot (reopening it when it went away), the check that the new
 * image runs, and its confirmation; the activate and confirm verbs. */
#include "fw_internal.h"

#include <stdio.h>
#include <string.h>

#include "../os/os_backend.h"
#include "../os/os_clock.h"

#define POLL_MS 100u
#define REOPEN_PAUSE_MS 250u

bool usbmsc_fwu_reopen_uri(const char *uri, uint16_t vid, uint16_t pid, const char *serial,
			   char *buf, size_t len)
{
	int n;

	if (!uri || !usbmsc_os_backend.pt_claims(uri) || vid == 0 || !serial || !serial[0] || !buf)
		return false;
	for (const char *p = serial; *p; p++)
		if (*p == ':' || *p <= ' ' || *p > '~')
			return false;
	n = snprintf(buf, len, "auto:%04x:%04x:%s", vid, pid, serial);
	return n > 0 && (size_t)n < len;
}

/* ---- activation, reconnection, verification, confirmation ------------------------------ */

/* A check after activation that says the device is off the bus (or that
 * the bus lost it): it reboots, so it is reopened rather than trusted. */
static bool gone(int st)
{
	return st == USBMSC_E_NO_DEVICE || st == USBMSC_E_TRANSPORT || st == USBMSC_E_TIMEOUT;
}

bool usbmsc_fwi_rebooting(struct fwu *u, int st)
{
	if (!gone(st))
		return false;
	usbmsc_fwi_note(u, "the device went away during the activating command (%s): taking it "
			"as its reboot", usbmsc_status_name(st));
	return true;
}

int usbmsc_fwi_activate_deferred(struct fwu *u)
{
	struct usbmsc_result res;
	int st;

	usbmsc_fwi_report(u, USBMSC_FWU_EV_ACTIVATE, 0, 0,
			  "WRITE BUFFER mode 0x0f: activate deferred microcode");
	st = usbmsc_fwi_write_buffer(u, WB_MODE_ACTIVATE, 0, 0, u->activate_timeout, &res);
	if (st == 0 || usbmsc_fwi_rebooting(u, st))
		return 0;
	st = usbmsc_fwi_failed(u, st, &res, "WRITE BUFFER mode 0x0f (activate)");
	if (usbmsc_fwi_sense_is(&res, 0x5, 0x2C, 0x00))
		usbmsc_fwi_add_to_msg(u->err, ": the device holds no complete, verified image to "
				      "activate");
	return st;
}

static int try_open(struct fwu *u, const char *uri)
{
	struct usbmsc_error e = { 0 };
	int st = usbmsc_open(uri, &u->o->open_opts, u->dev, &e);

	if (st == 0) {
		u->out->reopened = true;
		snprintf(u->out->reopened_uri, sizeof u->out->reopened_uri, "%s", uri);
		usbmsc_fwi_note(u, "the device is back at %s", uri);
	}
	return st;
}

/* The same URI first; a device node may have changed its name, so then the
 * device is looked for by USB ID and serial number. */
static int reopen(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	char alt[USBMSC_ERRMSG_MAX];

	if (try_open(u, u->o->uri) == 0)
		return 0;
	if (d->has_state && d->has_serial &&
	    usbmsc_fwu_reopen_uri(u->o->uri, d->state.vid, d->state.pid, d->serial, alt, sizeof alt))
		return try_open(u, alt);
	return USBMSC_E_NO_DEVICE;
}

static void drop_device(struct fwu *u, int st)
{
	usbmsc_fwi_note(u, "the device stopped answering (%s): it reboots; reopening %s",
			usbmsc_status_name(st), u->o->uri ? u->o->uri : "(no URI)");
	usbmsc_close(*u->dev);
	*u->dev = NULL;
}

/* The device runs the target: INQUIRY's revision, and FW STATE's active
 * version and number when it answers FW STATE. */
static bool runs_target(const struct fwu *u, const struct usbmsc_fw_device *a)
{
	const struct usbmsc_fwu_outcome *o = u->out;

	return strcmp(a->inquiry.revision, o->target_version) == 0 &&
	       (!a->has_state || (strcmp(a->state.active_version, o->target_version) == 0 &&
				  a->state.active_number == o->target_number));
}

/* A device that answered FW STATE before must answer it now: without it
 * nothing shows which image runs and whether it stays. */
static bool state_answered(const struct fwu *u)
{
	return u->out->after.has_state || !u->out->before.has_state;
}

/* Has the device been through its reboot? A device may keep answering
 * with the old image for a few commands after the activating CSW before
 * it drops off the bus, so an answer alone proves nothing: it must run
 * the new image, or show that it rebooted (the unit attention of new
 * microcode or of a power-on, or FW STATE's REVERTED: it booted and went
 * back). Without a target there is nothing to compare with. */
static bool rebooted(const struct fwu *u, bool ua_seen)
{
	const struct usbmsc_fw_device *a = &u->out->after;

	return ua_seen || !u->out->has_target || runs_target(u, a) ||
	       (a->has_state && (a->state.flags & USBMSC_FWST_REVERTED));
}

/* TEST UNIT READY until the device answers, consuming the unit attentions
 * of its reboot. 1: it answers; 0: not yet (dropped, not ready); else a
 * category. */
static int poll_ready(struct fwu *u, bool *ua_seen)
{
	struct usbmsc_result res;
	struct usbmsc_sense s;
	int st;

	for (int i = 0; i <= UA_RETRIES; i++) {
		st = usbmsc_test_unit_ready(*u->dev, u->o->lun, &res);
		if (st != USBMSC_E_UNIT_ATTENTION || !usbmsc_fwi_sense_of(&res, &s))
			break;
		if (s.asc == 0x3F && s.ascq == 0x01) {
			u->microcode_changed = true;
			*ua_seen = true;
			usbmsc_fwi_note(u, "the device reports new microcode (06/3F/01)");
		} else if (s.asc == 0x29) {
			*ua_seen = true;
		}
	}
	if (gone(st)) {
		drop_device(u, st);
		return 0;
	}
	if (st == USBMSC_E_NOT_READY || st == USBMSC_E_UNIT_ATTENTION) {
		usbmsc_sleep_ms(POLL_MS);
		return 0;
	}
	return 1; /* it answers; TEST UNIT READY's verdict is not ours */
}

/* One look at the device after activation. 1: it runs after its reboot,
 * u->out->after says how; 0: not yet; else a category. At the deadline
 * an answer that still shows the old image is taken, for verify_new to
 * refuse. */
static int look_once(struct fwu *u, bool *ua_seen, bool last, bool *told)
{
	struct usbmsc_error e = { 0 };
	bool mc = false;
	int st = poll_ready(u, ua_seen);

	if (st != 1)
		return st;
	st = usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, &mc, &e);
	if (gone(st)) {
		drop_device(u, st);
		return 0;
	}
	if (st) {
		*u->err = e;
		return st;
	}
	u->out->has_after = true;
	*ua_seen = *ua_seen || mc;
	/* a device just booted may not serve FW STATE yet: ask again */
	if (last || (rebooted(u, *ua_seen) && state_answered(u)))
		return 1;
	if (!*told && rebooted(u, *ua_seen)) {
		usbmsc_fwi_note(u, "the device is back but does not answer FW STATE as before: "
				"asking again");
		*told = true;
	} else if (!*told) {
		usbmsc_fwi_note(u, "the device still answers with version %s: waiting for its "
				"reboot", u->out->after.inquiry.revision);
		*told = true;
	}
	usbmsc_sleep_ms(POLL_MS);
	return 0;
}

/* Until the device runs again after activation (rebooted(): the old
 * image's last answers do not count), reopening it when it drops off the
 * bus; bounded by the wait. */
static int wait_for_device(struct fwu *u)
{
	unsigned wait = u->o->wait_ms ? u->o->wait_ms : USBMSC_FWU_DEFAULT_WAIT_MS;
	uint64_t deadline = usbmsc_clock_ms() + wait;
	bool ua_seen = false, told = false;

	usbmsc_fwi_report(u, USBMSC_FWU_EV_WAIT, 0, 0,
			  "waiting for the device to run the new firmware");
	u->out->has_after = false;
	for (;;) {
		bool last = usbmsc_clock_ms() >= deadline;
		int st;

		if (*u->dev) {
			st = look_once(u, &ua_seen, last, &told);
			if (st == 1)
				return 0;
			if (st)
				return st;
		} else if (!u->o->uri) {
			return usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
					   "the device went away after activation and there is no "
					   "URI to reopen it");
		} else if (reopen(u) != 0) {
			usbmsc_sleep_ms(REOPEN_PAUSE_MS);
		}
		if (last)
			return usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
					   "the device did not come back within %u s of activation",
					   (wait + 999) / 1000);
	}
}

static int state_lost(struct fwu *u, const char *when)
{
	return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
			   "%s the device no longer answers FW STATE (it did before): nothing "
			   "shows which image runs and whether it stays, so the update is not "
			   "confirmed (an image on trial reverts at the next power-on)", when);
}

/* "version V (number N)", as the device reports what runs. */
static const char *running_text(const struct usbmsc_fw_device *a, char *buf, size_t len)
{
	if (a->has_state)
		snprintf(buf, len, "version %s (number %u)", a->state.active_version,
			 a->state.active_number);
	else
		snprintf(buf, len, "version %s", a->inquiry.revision);
	if (a->has_state && strcmp(a->state.active_version, a->inquiry.revision) != 0)
		snprintf(buf + strlen(buf), len - strlen(buf), ", INQUIRY revision %s",
			 a->inquiry.revision);
	return buf;
}

/* Why the device does not run the target, as far as FW STATE tells. */
static const char *why_not(const struct fwu *u, const struct usbmsc_fw_device *a)
{
	const struct usbmsc_fw_state *s = &a->state;

	if (!a->has_state)
		return "";
	if (s->flags & USBMSC_FWST_REVERTED)
		return ": it reverted the new image";
	if ((s->flags & USBMSC_FWST_PENDING) && strcmp(s->pending_version, u->out->target_version) == 0 &&
	    s->pending_number == u->out->target_number)
		return ": the image still waits for activation (the activating command did not "
		       "reach the device); run the update again";
	return "";
}

/* The device that answered after activation (wait_for_device's probe) is
 * the one updated and runs the new image. */
static int verify_new(struct fwu *u)
{
	const struct usbmsc_fw_device *b = &u->out->before, *a = &u->out->after;
	char text[96];

	if (b->has_serial && a->has_serial && strcmp(b->serial, a->serial) != 0)
		return usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
				   "another device answered: serial number %s, not %s", a->serial,
				   b->serial);
	if (!state_answered(u))
		return state_lost(u, "after activation");
	if (!u->out->has_target)
		return 0; /* unchecked and unparsable: nothing to compare with */
	if (!runs_target(u, a))
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "after activation the device runs %s, not %s (number %u)%s",
				   running_text(a, text, sizeof text), u->out->target_version,
				   u->out->target_number, why_not(u, a));
	return 0;
}

/* FW STATE read after FW CONFIRM shows the confirmation took, on the image
 * sent: not on trial, and the target runs (another host may have
 * activated another image meanwhile). */
static int check_confirmed(struct fwu *u)
{
	const struct usbmsc_fw_device *a = &u->out->after;
	char text[96];

	if (!a->has_state)
		return state_lost(u, "after FW CONFIRM");
	if (a->state.flags & USBMSC_FWST_TRIAL)
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "FW CONFIRM did not take: the device still runs version %s on "
				   "trial (it reverts at the next power-on)",
				   a->state.active_version);
	if (u->out->has_target && !runs_target(u, a))
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "after FW CONFIRM the device runs %s, not %s (number %u): another "
				   "image was activated meanwhile (did another update run?)",
				   running_text(a, text, sizeof text), u->out->target_version,
				   u->out->target_number);
	u->out->confirmed = true;
	return 0;
}

/* FW CONFIRM, then FW STATE as it stands now: confirmed, floor raised. A
 * device without FW STATE before or after has nothing to confirm. */
static int confirm(struct fwu *u)
{
	uint8_t cdb[6] = { USBMSC_OP_FW_CONFIRM, 0, 0, 0, 0, 0 };
	struct usbmsc_result res;
	int st;

	if (!u->out->after.has_state)
		return 0;
	usbmsc_fwi_report(u, USBMSC_FWU_EV_CONFIRM, 0, 0, "FW CONFIRM: the new image stays");
	st = usbmsc_fwi_run(*u->dev, u->o->lun, cdb, sizeof cdb, USBMSC_DIR_NONE, NULL, 0, 0, &res,
			    &u->microcode_changed);
	if (st)
		return usbmsc_fwi_failed(u, st, &res, "FW CONFIRM");
	st = usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, NULL, u->err);
	return st ? st : check_confirmed(u);
}

int usbmsc_fwi_finish_activation(struct fwu *u)
{
	int st;

	u->out->activated = true;
	st = wait_for_device(u);
	if (!st)
		st = verify_new(u);
	if (!st)
		st = confirm(u);
	if (!st)
		u->out->end = USBMSC_FWU_UPDATED;
	return st;
}

int usbmsc_fwi_check_staged(struct fwu *u)
{
	const struct usbmsc_fw_state *s = &u->out->after.state;
	int st = usbmsc_fw_probe(*u->dev, u->o->lun, &u->out->after, &u->microcode_changed, u->err);

	if (st)
		return st;
	u->out->has_after = true;
	if (!state_answered(u))
		return state_lost(u, "after the download");
	if (u->out->after.has_state && u->out->has_target &&
	    (!(s->flags & USBMSC_FWST_PENDING) ||
	     strcmp(s->pending_version, u->out->target_version) != 0 ||
	     s->pending_number != u->out->target_number))
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "the device took the image but reports no pending version %s",
				   u->out->target_version);
	u->out->end = USBMSC_FWU_STAGED;
	return 0;
}

/* ---- the activate and confirm verbs ------------------------------------------------------ */

/* The device holds a staged image: it is what must run after activation. */
static int aim_at_staged(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	const struct usbmsc_fw_state *s = &d->state;

	if (!d->has_state)
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "the device does not answer FW STATE, so which image would run "
				   "cannot be known: nothing was activated");
	if (s->flags & USBMSC_FWST_TRIAL)
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "version %s (number %u) already runs on trial: 'fw confirm' "
				   "keeps it", s->active_version, s->active_number);
	if (s->pending_slot != USBMSC_FWU_NO_SLOT && !(s->flags & USBMSC_FWST_PENDING))
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "version %s was activated and waits for the device's reboot: "
				   "power cycle the device", s->pending_version);
	if (!(s->flags & USBMSC_FWST_PENDING))
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "no image waits for activation on the device (it runs %s, number "
				   "%u; 'fw update --no-activate' stages one)", s->active_version,
				   s->active_number);
	usbmsc_fwi_aim(u->out, s->pending_version, s->pending_number);
	return 0;
}

static void plan_activation(struct fwu *u)
{
	struct usbmsc_fwu_plan *p = &u->out->plan;
	char text[96];

	p->mode = WB_MODE_ACTIVATE;
	p->activate = true;
	p->activate_only = true;
	p->commands = 1;
	u->out->planned = true;
	snprintf(text, sizeof text, "version %s (number %u) waits for activation: WRITE BUFFER "
		 "mode 0x0f", u->out->target_version, u->out->target_number);
	usbmsc_fwi_report(u, USBMSC_FWU_EV_PLAN, 0, 0, text);
}

int usbmsc_fwu_activate(struct usbmsc_dev **dev, const struct usbmsc_fwu_opts *opts,
		       struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	struct fwu u;
	int st;

	if (!dev || !*dev || !opts || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_fwu_activate needs a device, options "
				   "and a result");
	usbmsc_fwi_begin(&u, dev, opts, out, err);
	st = usbmsc_fw_probe(*dev, opts->lun, &out->before, &u.microcode_changed, err);
	if (!st)
		st = aim_at_staged(&u);
	if (!st) {
		plan_activation(&u);
		st = usbmsc_fwi_activate_deferred(&u);
	}
	if (!st)
		st = usbmsc_fwi_finish_activation(&u);
	if (!st)
		out->end = USBMSC_FWU_ACTIVATED;
	if (st && out->commands_sent > 0 && !out->has_after)
		usbmsc_fwi_look_after_failure(&u);
	return st;
}

/* The device runs an image on trial: it is what FW CONFIRM must keep. */
static int aim_at_trial(struct fwu *u)
{
	const struct usbmsc_fw_device *d = &u->out->before;
	const struct usbmsc_fw_state *s = &d->state;

	if (!d->has_state)
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "the device does not answer FW STATE: there is no trial to end");
	if (!(s->flags & USBMSC_FWST_TRIAL))
		return usbmsc_fail(u->err, USBMSC_E_ILLEGAL_REQUEST,
				   "nothing runs on trial: version %s (number %u) runs confirmed%s",
				   s->active_version, s->active_number,
				   (s->flags & USBMSC_FWST_REVERTED) ? " (the device reverted the "
								       "image it had on trial)" : "");
	usbmsc_fwi_aim(u->out, s->active_version, s->active_number);
	return 0;
}

int usbmsc_fwu_confirm(struct usbmsc_dev *dev, const struct usbmsc_fwu_opts *opts,
		      struct usbmsc_fwu_outcome *out, struct usbmsc_error *err)
{
	struct usbmsc_dev *d = dev;
	struct fwu u;
	int st;

	if (!dev || !opts || !out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_fwu_confirm needs a device, options "
				   "and a result");
	usbmsc_fwi_begin(&u, &d, opts, out, err);
	st = usbmsc_fw_probe(dev, opts->lun, &out->before, &u.microcode_changed, err);
	if (!st)
		st = aim_at_trial(&u);
	if (st)
		return st;
	out->after = out->before;
	out->has_after = true;
	st = confirm(&u);
	if (!st)
		out->end = USBMSC_FWU_CONFIRMED;
	return st;
}
