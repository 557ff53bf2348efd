/* After the copy onto a file door's volume (fw_vol.c): the wait for the
 * device to come back with the new firmware, or for its reason not to.
 *
 * The device checks the image once all of its blocks arrived and starts
 * it once the host has been quiet for a second: it restarts, its volume
 * goes away and the system mounts it again, at the same mount point or at
 * another one (a desktop's automounter picks a free name beside the old
 * one: /media/$USER/NAME1, /Volumes/NAME 1). usbmsc does not mount. So
 * the mount point written to is read again and again, and so are the
 * other places it may come back at (vol_places.c), and a volume counts
 * when its INFO_UF2.TXT names the same board (Model:, Board-ID:) and it
 * was not there already before the copy (usbmsc_voli_watch_begin) as
 * another device of that board. Then STATUS.TXT decides:
 *   Updated from X to Y, Y the image's version (and a status that is new:
 *     another line than before the copy, or seen after the volume went
 *     away, or at another place): done;
 *   Refused: REASON, Rolled back, Incomplete: failed, with the device's
 *     reason (a line from before the copy counts only when it was read
 *     past the system's cache: a refused image does not restart the
 *     device, so its status shows only where the OS backend can drop the
 *     cached copy);
 *   anything else: not yet. */
#include "vol_internal.h"

#include "../os/os_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/filedoor.h"

#define POLL_MS 250u
#define OTHERS_MAX 16u

struct vol_watch {
	struct volu *w;
	/* Volumes of the same board elsewhere before the copy: other devices. */
	char *others[OTHERS_MAX];
	size_t other_count;
	bool gone;                   /* the mount point stopped reading */
	bool recording;              /* the first pass: fill others */
	struct usbmsc_door_volume now;
	struct usbmsc_door_volume last;  /* the mount point, last read whole */
};

static bool is_other(const struct vol_watch *x, const char *path)
{
	for (size_t i = 0; i < x->other_count; i++)
		if (strcmp(x->others[i], path) == 0)
			return true;
	return false;
}

/* ---- what one volume says --------------------------------------------------------- */

static bool same_status(const struct usbmsc_door_volume *a, const struct usbmsc_door_volume *b)
{
	return strcmp(a->status_line, b->status_line) == 0;
}

/* The outcome's after: the volume again with CURRENT.UF2 (the running
 * image's number). */
static void fill_after(struct vol_watch *x, const char *path, const struct usbmsc_door_volume *v)
{
	struct fwu *u = &x->w->u;
	struct usbmsc_door_volume *full = &x->last;
	struct usbmsc_error ignored = { 0 };

	if (usbmsc_door_volume_read(path, true, full, &ignored) == 0 &&
	    usbmsc_door_info_same_board(&full->info, &v->info))
		v = full;
	usbmsc_voli_as_device(v, &u->out->after);
	u->out->has_after = true;
}

/* Done: the device is back, running the image. */
static int came_back(struct vol_watch *x, const char *path, const struct usbmsc_door_volume *v)
{
	struct fwu *u = &x->w->u;

	fill_after(x, path, v);
	u->out->end = USBMSC_FWU_UPDATED;
	if (strcmp(path, x->w->before.path) != 0) {
		u->out->reopened = true;
		snprintf(u->out->reopened_uri, sizeof u->out->reopened_uri, "vol:%s", path);
		usbmsc_voli_moved(*u->dev, path);
		usbmsc_fwi_note(u, "the device is back at vol:%s", path);
	}
	usbmsc_fwi_note(u, "%s (STATUS.TXT); the device confirms the new firmware itself once "
			"it runs (a file door has no FW CONFIRM)", v->status_line);
	return 1;
}

/* The category of a refusal: the image's fault (15), the flash's (3), or
 * the device's state (an update on trial: 5). */
static int refusal(struct vol_watch *x, const char *path, const struct usbmsc_door_volume *v)
{
	struct fwu *u = &x->w->u;
	uint8_t r = v->status.reason;
	int st = r == USBMSC_FWR_FLASH ? USBMSC_E_MEDIUM
		 : r == USBMSC_DOOR_BUSY ? USBMSC_E_ILLEGAL_REQUEST : USBMSC_E_FILE;

	fill_after(x, path, v);
	usbmsc_fail(u->err, st, "the device refused %s: %s (its STATUS.TXT); it keeps running "
		    "version %s", u->path, v->status.reason_text, v->info.firmware);
	if (r == USBMSC_DOOR_BUSY)
		usbmsc_fwi_add_to_msg(u->err, ": the firmware updated last runs on trial until it "
				      "confirms itself (or reverts at the next power-on)");
	return st;
}

/* Is this volume's status news (not what it said before the copy)? */
static bool news(const struct vol_watch *x, const char *path, const struct usbmsc_door_volume *v)
{
	return !same_status(v, &x->w->before) || x->gone || strcmp(path, x->w->before.path) != 0;
}

static int judge(struct vol_watch *x, const char *path, const struct usbmsc_door_volume *v)
{
	struct fwu *u = &x->w->u;
	const struct usbmsc_door_status *s = &v->status;
	const char *target = u->out->has_target ? u->out->target_version : x->w->version;

	if (!v->has_status)
		return 0;
	if (s->state == USBMSC_DOOR_ST_UPDATED && (!target[0] || strcmp(s->to, target) == 0) &&
	    news(x, path, v))
		return came_back(x, path, v);
	if (!news(x, path, v) && !v->fresh)
		return 0;   /* what the system cached before the copy */
	if (s->state == USBMSC_DOOR_ST_REFUSED)
		return refusal(x, path, v);
	if (s->state == USBMSC_DOOR_ST_REVERTED && news(x, path, v))
		return usbmsc_fail(u->err, USBMSC_E_MEDIUM,
				   "the device restarted, but the new firmware did not start: it "
				   "rolled back to version %s (its STATUS.TXT)", v->info.firmware);
	if (s->state == USBMSC_DOOR_ST_INCOMPLETE && v->fresh && s->blocks == x->w->blocks)
		return usbmsc_fail(u->err, USBMSC_E_TRANSPORT,
				   "the device received %u of the %u blocks and then nothing more "
				   "(its STATUS.TXT): copy the file again", s->got, s->blocks);
	return 0;
}

/* One place: read it, and judge it when it is the same board. */
static int look_at(void *ctx, const char *path)
{
	struct vol_watch *x = ctx;
	struct usbmsc_error ignored = { 0 };
	bool original = strcmp(path, x->w->before.path) == 0;

	if (!original && is_other(x, path))
		return 0;
	if (usbmsc_door_volume_read(path, false, &x->now, &ignored) != 0) {
		if (original && !x->recording)
			x->gone = true;
		return 0;
	}
	if (!usbmsc_door_info_same_board(&x->now.info, &x->w->before.info))
		return 0;
	if (original)
		x->last = x->now;
	if (x->recording) {
		if (!original && x->other_count < OTHERS_MAX)
			x->others[x->other_count++] = strdup(path);
		return 0;
	}
	return judge(x, path, &x->now);
}

static int look_everywhere(struct vol_watch *x)
{
	int v = x->recording ? 0 : look_at(x, x->w->before.path);

	return v ? v : usbmsc_voli_each_place(x->w->before.path, look_at, x);
}

/* ---- the wait ------------------------------------------------------------------------ */

static int timed_out(struct vol_watch *x, unsigned wait_ms)
{
	struct fwu *u = &x->w->u;
	const struct usbmsc_door_volume *l = &x->last;

	usbmsc_fail(u->err, USBMSC_E_NO_DEVICE,
		    "the device did not come back with version %s within %u s",
		    u->out->has_target ? u->out->target_version : "(unknown)",
		    (wait_ms + 999u) / 1000u);
	if (l->status_line[0]) {
		usbmsc_fwi_add_to_msg(u->err, l->fresh ? "; its STATUS.TXT says: "
				      : "; its STATUS.TXT (as this system cached it) says: ");
		usbmsc_fwi_add_to_msg(u->err, l->status_line);
	}
	if (!l->fresh || x->gone)
		usbmsc_fwi_add_to_msg(u->err, " (usbmsc does not mount the volume: once the system "
				      "mounted it again, its STATUS.TXT tells what the device did)");
	return USBMSC_E_NO_DEVICE;
}

int usbmsc_voli_watch_begin(struct volu *w)
{
	struct vol_watch *x = calloc(1, sizeof *x);

	if (!x)
		return usbmsc_fail(w->u.err, USBMSC_E_OTHER, "out of memory");
	x->w = w;
	x->recording = true;
	look_everywhere(x);
	x->recording = false;
	w->watch = x;
	return 0;
}

void usbmsc_voli_watch_end(struct volu *w)
{
	struct vol_watch *x = w->watch;

	if (!x)
		return;
	for (size_t i = 0; i < x->other_count; i++)
		free(x->others[i]);
	free(x);
	w->watch = NULL;
}

int usbmsc_voli_wait(struct volu *w)
{
	struct fwu *u = &w->u;
	unsigned wait = u->o->wait_ms ? u->o->wait_ms : USBMSC_FWU_DEFAULT_WAIT_MS;
	uint64_t deadline = usbmsc_clock_ms() + wait;
	struct vol_watch *x = w->watch;
	char text[USBMSC_DOOR_PATH_MAX + 160];
	int v;

	snprintf(text, sizeof text, "waiting up to %u s for the device to restart and its volume "
		 "to be mounted again (at %s, or beside it)", (wait + 999u) / 1000u,
		 w->before.path);
	usbmsc_fwi_report(u, USBMSC_FWU_EV_WAIT, 0, 0, text);
	for (;;) {
		bool last = usbmsc_clock_ms() >= deadline;

		v = look_everywhere(x);
		if (v != 0 || last)
			break;
		usbmsc_sleep_ms(POLL_MS);
	}
	if (v == 0)
		v = timed_out(x, wait);
	return v == 1 ? 0 : v;
}
