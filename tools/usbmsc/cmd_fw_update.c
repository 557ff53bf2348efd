/* fw info | update | activate | confirm: what the device says about its
 * firmware, a whole firmware update, and its last steps alone (fwupdate.h
 * does the work; this file shows it).
 *
 * fw update --json (and activate, confirm) writes JSON lines, one object per
 * event, so that a program can follow a long update: {"event":"plan"...},
 * {"event":"note"...}, {"event":"progress","bytes":N,"total":N,...}, ...,
 * and last one {"event":"done",...} with the result. */
#include "cmd_fw_update.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/doorvol.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/fwupdate.h"
#include "usbmsc/uf2.h"

#include "../../src/os/os_clock.h"
#include "../../src/os/os_file.h"
#include "compat.h"
#include "parse.h"

#define BAR_WIDTH 30
#define BAR_REDRAW_NS 100000000u

/* ---- JSON lines --------------------------------------------------------------- */

/* One compact object per line on stdout. Nesting is shallow. */
struct jline {
	int depth;
	bool items[4];
};

static void jl_string_value(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7F)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void jl_key(struct jline *j, const char *key)
{
	if (j->items[j->depth])
		putchar(',');
	j->items[j->depth] = true;
	jl_string_value(key);
	putchar(':');
}

static void jl_open(struct jline *j, const char *key)
{
	if (key)
		jl_key(j, key);
	putchar('{');
	j->depth++;
	j->items[j->depth] = false;
}

static void jl_close(struct jline *j)
{
	putchar('}');
	j->depth--;
	if (j->depth == 0) {
		putchar('\n');
		fflush(stdout);
	}
}

static void jl_event(struct jline *j, const char *event)
{
	memset(j, 0, sizeof *j);
	jl_open(j, NULL);
	jl_key(j, "event");
	jl_string_value(event);
}

static void jl_str(struct jline *j, const char *key, const char *s)
{
	jl_key(j, key);
	if (s)
		jl_string_value(s);
	else
		fputs("null", stdout);
}

static void jl_uint(struct jline *j, const char *key, uint64_t v)
{
	jl_key(j, key);
	printf("%" PRIu64, v);
}

static void jl_num(struct jline *j, const char *key, double v)
{
	jl_key(j, key);
	printf("%.3f", v);
}

static void jl_bool(struct jline *j, const char *key, bool v)
{
	jl_key(j, key);
	fputs(v ? "true" : "false", stdout);
}

static void jl_null(struct jline *j, const char *key)
{
	jl_key(j, key);
	fputs("null", stdout);
}

/* ---- shared bits ------------------------------------------------------------- */

static const char *slot_name(uint8_t slot)
{
	return slot == 0 ? "A" : slot == 1 ? "B" : NULL;
}

static void hex_string(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* "ILLEGAL REQUEST: invalid field in parameter list (05/26/00)" */
static void error_text(uint32_t sense, char *buf, size_t len)
{
	struct usbmsc_sense s = { .response_code = 0x70 };

	s.key = (uint8_t)(sense >> 16);
	s.asc = (uint8_t)(sense >> 8);
	s.ascq = (uint8_t)sense;
	usbmsc_sense_describe(&s, buf, len);
}

static bool sense_describe_ok(const struct usbmsc_result *res, struct usbmsc_sense *s, char *buf,
			      size_t len)
{
	if (res->outcome != USBMSC_OUTCOME_CHECK_CONDITION ||
	    !usbmsc_sense_decode(res->sense, res->sense_len, s))
		return false;
	usbmsc_sense_describe(s, buf, len);
	return true;
}

static uint32_t boundary_bytes(const struct usbmsc_fw_device *d)
{
	return d->offset_boundary < 32 ? 1u << d->offset_boundary : 0;
}

static void flags_text(uint8_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", flags & USBMSC_FWST_PENDING ? "pending " : "",
		 flags & USBMSC_FWST_TRIAL ? "trial " : "",
		 flags & USBMSC_FWST_REVERTED ? "reverted " : "", flags ? "" : "none");
	if (flags && buf[0])
		buf[strlen(buf) - 1] = '\0';
}

/* ---- fw info ------------------------------------------------------------------ */

static void json_version(struct json *j, const char *key, const char *version, uint32_t number,
			 uint8_t slot)
{
	json_object_begin(j, key);
	json_string(j, "version", version);
	json_uint(j, "version_number", number);
	json_string(j, "slot", slot_name(slot));
	json_object_end(j);
}

static void info_json_state(struct json *j, const struct usbmsc_fw_device *d)
{
	const struct usbmsc_fw_state *s = &d->state;
	char hex[USBMSC_FW_PUBKEY_LEN * 2 + 1], text[160];

	if (!d->has_state) {
		json_null(j, "active");
		json_null(j, "pending");
		json_null(j, "public_key");
		json_null(j, "trial");
		json_null(j, "reverted");
		json_null(j, "anti_rollback_floor");
		json_null(j, "usb");
		json_null(j, "hardware_revision");
		json_null(j, "last_error");
		return;
	}
	json_version(j, "active", s->active_version, s->active_number, s->active_slot);
	if (s->pending_slot != USBMSC_FWU_NO_SLOT)
		json_version(j, "pending", s->pending_version, s->pending_number, s->pending_slot);
	else
		json_null(j, "pending");
	json_bool(j, "pending_waits_for_activation", (s->flags & USBMSC_FWST_PENDING) != 0);
	json_bool(j, "trial", (s->flags & USBMSC_FWST_TRIAL) != 0);
	json_bool(j, "reverted", (s->flags & USBMSC_FWST_REVERTED) != 0);
	json_uint(j, "anti_rollback_floor", s->floor);
	json_object_begin(j, "usb");
	json_uint(j, "vid", s->vid);
	json_uint(j, "pid", s->pid);
	json_object_end(j);
	json_uint(j, "hardware_revision", s->hw_rev);
	hex_string(s->pubkey, sizeof s->pubkey, hex);
	json_string(j, "public_key", hex);
	if (s->last_error) {
		error_text(s->last_error, text, sizeof text);
		json_object_begin(j, "last_error");
		json_uint(j, "key", s->last_error >> 16);
		json_uint(j, "asc", (s->last_error >> 8) & 0xFFu);
		json_uint(j, "ascq", s->last_error & 0xFFu);
		json_string(j, "text", text);
		json_object_end(j);
	} else {
		json_null(j, "last_error");
	}
}

static void info_json(struct cli *c, const struct usbmsc_fw_device *d)
{
	struct json *j = &c->out;
	static const uint8_t modes[] = { 0x05, 0x07, 0x0E, 0x0F };

	json_object_begin(j, NULL);
	json_object_begin(j, "inquiry");
	json_string(j, "vendor", d->inquiry.vendor);
	json_string(j, "product", d->inquiry.product);
	json_string(j, "revision", d->inquiry.revision);
	json_object_end(j);
	json_string(j, "serial", d->has_serial ? d->serial : NULL);
	json_bool(j, "fw_state", d->has_state);
	info_json_state(j, d);
	json_array_begin(j, "modes");
	for (size_t i = 0; i < sizeof modes; i++) {
		uint8_t bit = modes[i] == 0x05 ? USBMSC_FW_MODEBIT_05 : modes[i] == 0x07
			? USBMSC_FW_MODEBIT_07 : modes[i] == 0x0E ? USBMSC_FW_MODEBIT_0E
			: USBMSC_FW_MODEBIT_0F;
		if (d->modes & bit)
			json_uint(j, NULL, modes[i]);
	}
	json_array_end(j);
	json_string(j, "modes_source", usbmsc_fwu_modes_source_name(d->modes_source));
	if (d->has_descriptor) {
		json_object_begin(j, "buffer");
		if (d->offset_boundary == USBMSC_FWU_OFFSET_ZERO_ONLY)
			json_null(j, "offset_boundary");
		else
			json_uint(j, "offset_boundary", boundary_bytes(d));
		json_uint(j, "offset_boundary_exponent", d->offset_boundary);
		json_uint(j, "capacity", d->buffer_capacity);
		json_object_end(j);
	} else {
		json_null(j, "buffer");
	}
	json_uint(j, "max_transfer", d->max_transfer);
	json_object_end(j);
}

static void info_text_state(const struct usbmsc_fw_device *d)
{
	const struct usbmsc_fw_state *s = &d->state;
	char hex[USBMSC_FW_PUBKEY_LEN * 2 + 1], text[160];

	if (!d->has_state) {
		cli_kv("fw state", "not served (no FW STATE, opcode 0xd0)");
		return;
	}
	cli_kv("active", "%s (number %" PRIu32 ") in slot %s", s->active_version,
	       s->active_number, slot_name(s->active_slot) ? slot_name(s->active_slot) : "none");
	if (s->pending_slot != USBMSC_FWU_NO_SLOT)
		cli_kv("pending", "%s (number %" PRIu32 ") in slot %s, %s", s->pending_version,
		       s->pending_number, slot_name(s->pending_slot) ? slot_name(s->pending_slot) : "?",
		       (s->flags & USBMSC_FWST_PENDING) ? "waits for activation"
							: "activated, waits for the reboot");
	else
		cli_kv("pending", "none");
	flags_text(s->flags, text, sizeof text);
	cli_kv("flags", "%s", text);
	cli_kv("anti-rollback floor", "%" PRIu32 " (lowest version number accepted)", s->floor);
	cli_kv("usb id", "%04x:%04x", s->vid, s->pid);
	cli_kv("hardware revision", "%u", s->hw_rev);
	hex_string(s->pubkey, sizeof s->pubkey, hex);
	cli_kv("public key", "%s", hex);
	if (s->last_error) {
		error_text(s->last_error, text, sizeof text);
		cli_kv("last error", "%s", text);
	} else {
		cli_kv("last error", "none");
	}
}

static void info_text(const struct usbmsc_fw_device *d)
{
	char modes[64];

	cli_kv("device", "%s %s, revision %s", d->inquiry.vendor, d->inquiry.product,
	       d->inquiry.revision);
	cli_kv("serial", "%s", d->has_serial ? d->serial : "none (no VPD page 0x80)");
	info_text_state(d);
	if (d->modes_source == USBMSC_FWU_MODES_ASSUMED)
		cli_kv("modes", "%s (assumed: the device does not say)",
		       usbmsc_fwu_modes_text(d->modes, modes, sizeof modes));
	else
		cli_kv("modes", "%s (from %s)", usbmsc_fwu_modes_text(d->modes, modes, sizeof modes),
		       usbmsc_fwu_modes_source_name(d->modes_source));
	if (!d->has_descriptor)
		cli_kv("buffer", "no READ BUFFER descriptor (mode 0x03)");
	else if (d->offset_boundary == USBMSC_FWU_OFFSET_ZERO_ONLY)
		cli_kv("buffer", "offset 0 only, capacity %" PRIu32 " bytes", d->buffer_capacity);
	else
		cli_kv("buffer", "offset boundary %" PRIu32 " bytes (2^%u), capacity %" PRIu32
		       " bytes", boundary_bytes(d), d->offset_boundary, d->buffer_capacity);
	cli_kv("max transfer", "%" PRIu32 " bytes", d->max_transfer);
}

int cli_fw_info(struct cli *c)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_device d;
	int st = cli_open(c);

	if (st)
		return st;
	if (usbmsc_dev_door_volume(c->dev))
		return cli_fw_info_volume(c, usbmsc_dev_door_volume(c->dev));
	st = usbmsc_fw_probe(c->dev, c->lun, &d, NULL, &err);
	if (st)
		return cli_fail(c, st, "%s", err.msg);
	if (c->json)
		info_json(c, &d);
	else
		info_text(&d);
	return 0;
}

/* ---- fw update: the command line ---------------------------------------------- */

static int parse_mode(struct cli *c, const char *s, uint8_t *mode)
{
	const char *name;

	*mode = 0;
	if (!s || strcmp(s, "auto") == 0)
		return 0;
	if (!parse_wb_mode(s, mode))
		return cli_usage(c, "--mode takes auto, 5, 7 or e, in decimal, 0x hex or "
				 "sg_write_buffer's names (dmc_save, dmc_offs_save, dmc_offs_defer), "
				 "not '%s'", s);
	if (*mode == 0x05 || *mode == 0x07 || *mode == 0x0E)
		return 0;
	name = wb_mode_name(*mode);
	return cli_usage(c, "--mode %s is WRITE BUFFER mode 0x%02x%s%s%s; fw update downloads "
			 "with 5 (dmc_save), 7 (dmc_offs_save) or e (dmc_offs_defer, then "
			 "activate_mc unless --no-activate)", s, *mode, name ? " (" : "",
			 name ? name : "", name ? ")" : "");
}

static int update_opts(struct cli *c, const struct fw_update_args *a, struct usbmsc_fwu_opts *o,
		       uint8_t *key)
{
	struct usbmsc_error err = { 0 };
	uint64_t n;
	int st = parse_mode(c, a->mode, &o->mode);

	if (st)
		return st;
	if (a->chunk) {
		if (!parse_size(a->chunk, &n) || n == 0 || n > 0xFFFFFFu)
			return cli_usage(c, "--chunk takes bytes from 1 to 16M - 1 (k and m suffixes "
					 "allowed), not '%s'", a->chunk);
		o->chunk = (uint32_t)n;
	}
	if (a->wait && !parse_seconds(a->wait, &o->wait_ms))
		return cli_usage(c, "--wait takes seconds (more than 0, at most 86400), not '%s'",
				 a->wait);
	if (a->key) {
		st = usbmsc_fw_load_public_key(a->key, key, &err);
		if (st)
			return cli_fail(c, st, "%s", err.msg);
		o->pubkey = key;
	}
	o->no_activate = a->no_activate;
	o->dry_run = a->dry_run;
	o->no_host_checks = a->no_host_checks;
	o->allow_reinstall = a->allow_reinstall;
	o->uri = c->device;
	o->lun = c->lun;
	o->open_opts.timeout_ms = c->timeout_ms;
	o->open_opts.trace = cli_trace_for(c);
	return 0;
}

/* ---- fw update: what the user sees --------------------------------------------- */

struct show {
	struct cli *c;
	const char *verb;             /* "update", "activate", "confirm" */
	bool bar;                     /* stderr is a terminal */
	bool bar_drawn;
	uint64_t start_ns, last_ns;   /* usbmsc_clock_ns() */
	bool started;
	uint64_t bytes, total;
	uint64_t last_percent;
};

static double since(uint64_t ns)
{
	return (double)(usbmsc_clock_ns() - ns) / 1e9;
}

static double rate_mb(const struct show *s)
{
	double secs = s->started ? since(s->start_ns) : 0.0;

	return secs > 0 ? (double)s->bytes / secs / 1e6 : 0.0;
}

static void draw_bar(struct show *s, bool final)
{
	unsigned pct = s->total ? (unsigned)(s->bytes * 100 / s->total) : 100;
	unsigned fill = pct * BAR_WIDTH / 100;
	double rate = rate_mb(s), eta = rate > 0 ? (double)(s->total - s->bytes) / 1e6 / rate : 0;

	if (eta > 5999)
		eta = 5999; /* 99:59 is "long" enough */
	char bar[BAR_WIDTH + 1];

	memset(bar, '#', fill);
	memset(bar + fill, '.', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\rusbmsc: fw update [%s] %3u%%  %6.1f MB/s  ETA %u:%02u%s", bar, pct, rate,
		(unsigned)eta / 60, (unsigned)eta % 60, final ? "\n" : "");
	fflush(stderr);
	s->bar_drawn = !final;
}

/* The bar's line is ended before anything else goes to stderr. */
static void end_bar(struct show *s)
{
	if (s->bar_drawn) {
		fputc('\n', stderr);
		s->bar_drawn = false;
	}
}

static void on_progress(struct show *s, const struct usbmsc_fwu_report *r)
{
	struct jline j;
	uint64_t pct = r->total ? r->bytes * 100 / r->total : 100;
	double rate;

	s->bytes = r->bytes;
	s->total = r->total;
	if (s->bar) {
		bool final = r->bytes == r->total;
		if (final || !s->bar_drawn || usbmsc_clock_ns() - s->last_ns >= BAR_REDRAW_NS) {
			s->last_ns = usbmsc_clock_ns();
			draw_bar(s, final);
		}
	}
	if (!s->c->json || (pct == s->last_percent && r->bytes != r->total))
		return;
	s->last_percent = pct;
	rate = rate_mb(s);
	jl_event(&j, "progress");
	jl_uint(&j, "bytes", r->bytes);
	jl_uint(&j, "total", r->total);
	jl_uint(&j, "percent", pct);
	jl_num(&j, "mb_per_s", rate);
	jl_num(&j, "eta_s", rate > 0 ? (double)(r->total - r->bytes) / 1e6 / rate : 0.0);
	jl_close(&j);
}

static const char *event_name(enum usbmsc_fwu_event ev)
{
	switch (ev) {
	case USBMSC_FWU_EV_PLAN: return "plan";
	case USBMSC_FWU_EV_ACTIVATE: return "activate";
	case USBMSC_FWU_EV_WAIT: return "wait";
	case USBMSC_FWU_EV_CONFIRM: return "confirm";
	default: return "note";
	}
}

static void on_report(void *ctx, const struct usbmsc_fwu_report *r)
{
	struct show *s = ctx;
	struct jline j;

	if (r->event == USBMSC_FWU_EV_PROGRESS) {
		on_progress(s, r);
		return;
	}
	if (r->event == USBMSC_FWU_EV_PLAN) {
		s->start_ns = usbmsc_clock_ns();
		s->last_ns = s->start_ns;
		s->started = true;
		s->last_percent = UINT64_MAX;
	}
	if (s->c->json) {
		jl_event(&j, event_name(r->event));
		jl_str(&j, "text", r->text);
		jl_close(&j);
		return;
	}
	end_bar(s);
	/* Notes are also trace notes: with -v the trace prints them. */
	if (r->event == USBMSC_FWU_EV_NOTE && s->c->verbose)
		return;
	fprintf(stderr, "usbmsc: fw %s: %s\n", s->verb, r->text ? r->text : event_name(r->event));
}

static const char *end_name(enum usbmsc_fwu_end end)
{
	switch (end) {
	case USBMSC_FWU_PLANNED: return "dry-run";
	case USBMSC_FWU_STAGED: return "staged";
	case USBMSC_FWU_UPDATED: return "updated";
	case USBMSC_FWU_ACTIVATED: return "activated";
	case USBMSC_FWU_CONFIRMED: return "confirmed";
	default: return "failed";
	}
}

/* The version that runs: after the update if the device was seen again. */
static const struct usbmsc_fw_device *now_device(const struct usbmsc_fwu_outcome *o)
{
	return o->has_after ? &o->after : &o->before;
}

static void jl_version(struct jline *j, const char *key, const struct usbmsc_fw_device *d,
		       bool pending)
{
	const struct usbmsc_fw_state *s = &d->state;

	if (!d->has_state || (pending && s->pending_slot == USBMSC_FWU_NO_SLOT)) {
		if (!pending && d->inquiry.revision[0]) {
			jl_open(j, key);
			jl_str(j, "version", d->inquiry.revision);
			jl_null(j, "version_number");
			jl_close(j);
		} else {
			jl_null(j, key);
		}
		return;
	}
	jl_open(j, key);
	jl_str(j, "version", pending ? s->pending_version : s->active_version);
	jl_uint(j, "version_number", pending ? s->pending_number : s->active_number);
	jl_str(j, "slot", slot_name(pending ? s->pending_slot : s->active_slot));
	jl_close(j);
}

static void done_json(struct show *s, const char *image, const struct usbmsc_fwu_outcome *o,
		      int st, const char *msg)
{
	const struct usbmsc_fw_header *h = &o->header;
	struct usbmsc_sense sense;
	struct jline j;
	char text[160];
	double secs = s->started ? since(s->start_ns) : 0.0;

	jl_event(&j, "done");
	jl_bool(&j, "ok", st == 0);
	jl_str(&j, "result", end_name(st ? USBMSC_FWU_FAILED : o->end));
	jl_uint(&j, "status", (uint64_t)st);
	jl_str(&j, "category", usbmsc_status_name(st));
	jl_str(&j, "message", st ? msg : NULL);
	if (st && o->has_failed_cmd && sense_describe_ok(&o->failed, &sense, text, sizeof text)) {
		jl_open(&j, "sense");
		jl_uint(&j, "key", sense.key);
		jl_uint(&j, "asc", sense.asc);
		jl_uint(&j, "ascq", sense.ascq);
		jl_str(&j, "text", text);
		jl_close(&j);
	} else {
		jl_null(&j, "sense");
	}
	if (image) {
		jl_open(&j, "image");
		jl_str(&j, "path", image);
		jl_str(&j, "version", o->header_ok ? h->version : NULL);
		if (o->header_ok)
			jl_uint(&j, "version_number", h->version_number);
		else
			jl_null(&j, "version_number");
		jl_uint(&j, "length", o->plan.image_len);
		jl_close(&j);
	} else {
		jl_null(&j, "image");
	}
	if (o->has_target) {
		jl_open(&j, "target");
		jl_str(&j, "version", o->target_version);
		jl_uint(&j, "version_number", o->target_number);
		jl_close(&j);
	} else {
		jl_null(&j, "target");
	}
	if (o->planned && o->plan.mode) {
		jl_uint(&j, "mode", o->plan.mode);
	} else {
		jl_null(&j, "mode");
	}
	jl_str(&j, "volume", s->c->dev ? usbmsc_dev_door_volume(s->c->dev) : NULL);
	jl_uint(&j, "chunk", o->plan.chunk);
	jl_uint(&j, "commands", o->plan.commands);
	jl_uint(&j, "commands_sent", o->commands_sent);
	jl_uint(&j, "bytes_sent", o->bytes_sent);
	jl_bool(&j, "fell_back", o->fell_back);
	jl_bool(&j, "restarted", o->restarted);
	jl_bool(&j, "activated", o->activated);
	jl_bool(&j, "reopened", o->reopened);
	jl_bool(&j, "confirmed", o->confirmed);
	jl_version(&j, "before", &o->before, false);
	jl_version(&j, "active", now_device(o), false);
	jl_version(&j, "pending", now_device(o), true);
	jl_num(&j, "seconds", secs);
	jl_num(&j, "mb_per_s", secs > 0 ? (double)o->bytes_sent / secs / 1e6 : 0.0);
	jl_close(&j);
}

static void done_text(const char *image, const char *volume, const struct usbmsc_fwu_outcome *o)
{
	const struct usbmsc_fw_device *b = &o->before, *a = now_device(o);
	const struct usbmsc_fw_header *h = &o->header;
	char size[32];

	if (image)
		cli_kv("image", "%s: version %s (number %" PRIu32 "), %s", image, h->version,
		       h->version_number, cli_human_size(o->plan.image_len, size, sizeof size));
	cli_kv("before", "%s (number %" PRIu32 ")",
	       b->has_state ? b->state.active_version : b->inquiry.revision,
	       b->has_state ? b->state.active_number : 0);
	switch (o->end) {
	case USBMSC_FWU_PLANNED:
		if (volume) {
			cli_kv("plan", "%s as %s/" USBMSC_DOOR_UPDATE_FILE ", %s of UF2 blocks",
			       image, volume, cli_human_size((uint64_t)usbmsc_uf2_blocks(
				       (uint32_t)o->plan.image_len) * USBMSC_UF2_BLOCK_LEN, size,
							     sizeof size));
			cli_kv("result", "dry run: nothing was written");
			break;
		}
		cli_kv("plan", "mode 0x%02x%s, chunk %" PRIu32 " bytes, %" PRIu32
		       " WRITE BUFFER command%s", o->plan.mode,
		       o->plan.mode == 0x0E ? (o->plan.activate ? " then 0x0f" : " (no activation)")
					    : "",
		       o->plan.chunk, o->plan.commands, o->plan.commands == 1 ? "" : "s");
		cli_kv("result", "dry run: nothing was sent");
		break;
	case USBMSC_FWU_STAGED:
		cli_kv("pending", "%s (number %" PRIu32 "), waits for activation",
		       a->state.pending_version, a->state.pending_number);
		cli_kv("result", "staged: %s still runs; 'fw activate' (or 'fw update' with this "
		       "image) activates it", a->has_state ? a->state.active_version
							: a->inquiry.revision);
		break;
	case USBMSC_FWU_CONFIRMED:
		cli_kv("after", "%s (number %" PRIu32 "), confirmed", a->state.active_version,
		       a->state.active_number);
		cli_kv("result", "confirmed: it stays");
		break;
	default:
		cli_kv("after", "%s (number %" PRIu32 ")%s",
		       a->has_state ? a->state.active_version : a->inquiry.revision,
		       a->has_state ? a->state.active_number : 0, o->confirmed ? ", confirmed" : "");
		cli_kv("result", "%s%s", end_name(o->end),
		       o->reopened ? " (the device was reopened)" : "");
		break;
	}
}

/* ---- fw update ------------------------------------------------------------------ */

void cli_fw_update_json_error(struct cli *c, int status, const char *msg)
{
	const struct fw_update_args *a = c->json_error_ctx;
	struct usbmsc_fwu_outcome none;
	struct show s = { .c = c };

	memset(&none, 0, sizeof none);
	done_json(&s, a ? a->image : NULL, &none, status, msg);
}

/* Ctrl-C stops the download before its next chunk; a second one ends the
 * program at once. */
static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
	stop_flag = 1;
	cli_note_stop_signal(sig);   /* the exit status says interrupted (130) */
}

static void failure_text(const char *verb, const struct usbmsc_fwu_outcome *o)
{
	const struct usbmsc_fw_device *a = now_device(o);
	char text[160];

	if (!o->has_after)
		return;
	if (a->has_state && a->state.last_error) {
		error_text(a->state.last_error, text, sizeof text);
		fprintf(stderr, "usbmsc: fw %s: the device's last error: %s\n", verb, text);
	}
	if (a->has_state)
		fprintf(stderr, "usbmsc: fw %s: the device runs version %s%s\n", verb,
			a->state.active_version,
			(a->state.flags & USBMSC_FWST_TRIAL) ? ", on trial" : "");
	else
		fprintf(stderr, "usbmsc: fw %s: the device's INQUIRY revision is %s\n", verb,
			a->inquiry.revision);
}

/* The library call of each verb. */
static int run_verb(struct cli *c, enum fw_verb verb, const struct fw_update_args *a,
		    const struct usbmsc_fwu_opts *o, struct usbmsc_fwu_outcome *out,
		    struct usbmsc_error *err)
{
	switch (verb) {
	case FW_VERB_ACTIVATE: return usbmsc_fwu_activate(&c->dev, o, out, err);
	case FW_VERB_CONFIRM: return usbmsc_fwu_confirm(c->dev, o, out, err);
	default: return usbmsc_fw_update(&c->dev, a->image, o, out, err);
	}
}

int cli_fw_update(struct cli *c, enum fw_verb verb, const struct fw_update_args *a)
{
	struct usbmsc_fwu_opts o = { 0 };
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err = { 0 };
	static const char *const names[] = { "update", "activate", "confirm" };
	struct show s = { .c = c, .verb = names[verb] };
	uint8_t key[USBMSC_FW_PUBKEY_LEN];
	int st = update_opts(c, a, &o, key);

	if (st)
		return st;
	st = cli_open_locked(c);
	if (st)
		return st;
	s.bar = usbmsc_file_is_terminal(2) && !a->dry_run;
	o.report = on_report;
	o.report_ctx = &s;
	o.stop = &stop_flag;
	stop_flag = 0;
	cli_compat_catch_stops(CLI_STOP_INTERRUPT, on_sigint, true);
	st = run_verb(c, verb, a, &o, &out, &err);
	cli_compat_restore_stops();
	end_bar(&s);
	if (c->json) {
		done_json(&s, a->image, &out, st, err.msg);
		c->out.started = true; /* the done event is the answer: no second document */
	} else if (st == 0) {
		done_text(a->image, c->dev ? usbmsc_dev_door_volume(c->dev) : NULL, &out);
	}
	if (st == 0)
		return 0;
	if (st == USBMSC_E_USAGE)
		return cli_usage(c, "%s", err.msg);
	st = cli_fail(c, st, "%s", err.msg);
	if (!c->json)
		failure_text(s.verb, &out);
	return st;
}
