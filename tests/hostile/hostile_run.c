/* One session of the host library against a hostile device (hostile_run.h). */
#include "hostile_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/os/os_file.h"
#include "scale_pipe.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/sim.h"
#include "usbmsc_config.h"

/* CBWs one command may take: itself and REQUEST SENSE, run once, again
 * after Reset Recovery, and once more after the reset's unit attention. */
#define CBWS_PER_EXEC 6u
/* fw info: nine commands, each through up to five unit attentions. */
#define CBWS_PROBE (9u * 5u * CBWS_PER_EXEC)
#define CBWS_UPDATE 4000u
#define CBWS_COMPLIANCE 20000u
#define COMPLIANCE_INVALID_CBWS 3u   /* bad signature, 30 and 32 bytes */
#define VPD_ROOM 64u
#define REPORT_LUNS_MAX 4u
#define MAX_IO_BLOCK (1024u * 1024u)
#define SIZE_UNIT (1024u * 1024u)
#define SIZE_MAX_BYTES (64u * 1024u * 1024u)
#define BLOCKS_WANTED 300u           /* the compliance suite's scratch area and a margin */

struct session {
	struct usbmsc_dev *dev;
	struct hostile_result *out;
	const struct hostile_image *image;
	unsigned ready_wait_ms;
};

/* ---- checks ------------------------------------------------------------------ */

static void printable(struct bot_watch *w, const char *what, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap) {
		watch_violation(w, "%s: not NUL-terminated within %zu bytes", what, cap);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E) {
			watch_violation(w, "%s: byte 0x%02x at %zu is not printable", what,
					(unsigned char)s[i], i);
			return;
		}
	}
}

/* Where the counts stood before a library call. */
struct mark {
	unsigned cbws, calls;
};

static struct mark mark_of(const struct bot_watch *w)
{
	return (struct mark){ w->cbws, w->calls };
}

/* A library call took at most bound CBWs since before, and at most
 * WATCH_MAX_GAP pipe calls around each. */
static void bounded(struct bot_watch *w, const char *what, struct mark before, unsigned bound)
{
	unsigned cbws = w->cbws - before.cbws, calls = w->calls - before.calls;

	if (cbws > bound)
		watch_violation(w, "%s took %u CBWs (bound %u): retries without end", what, cbws,
				bound);
	else if (calls > (bound + 1u) * WATCH_MAX_GAP)
		watch_violation(w, "%s took %u pipe calls for %u CBWs", what, calls, cbws);
}

static void result_sane(struct session *s, const char *what, const struct usbmsc_result *res,
			uint32_t len)
{
	struct bot_watch *w = &s->out->watch;

	if (res->transferred > len)
		watch_violation(w, "%s: %u bytes transferred into a %u-byte buffer", what,
				res->transferred, len);
	if (res->sense_len > USBMSC_SENSE_MAX)
		watch_violation(w, "%s: sense length %u", what, res->sense_len);
	printable(w, what, usbmsc_dev_errmsg(s->dev), USBMSC_ERRMSG_MAX);
}

/* A trace sink that reads every byte it is given, so that a trace of
 * more bytes than the buffer holds is an overrun AddressSanitizer sees. */
static void touch_trace(void *ctx, enum usbmsc_trace_kind kind, const char *text,
			const uint8_t *bytes, size_t len)
{
	unsigned *sum = ctx;

	(void)kind;
	*sum += (unsigned)strlen(text);
	for (size_t i = 0; i < len; i++)
		*sum += bytes[i];
}

static unsigned trace_sum;
static const struct usbmsc_trace trace = { touch_trace, &trace_sum };

/* ---- the device ------------------------------------------------------------------ */

static void remove_files(const char *dir)
{
	static const char *const names[] = { "disk.img", "disk.img.fw", "disk.img.echo",
					     "disk.img.lun1" };
	char path[512];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		usbmsc_file_remove(path);
	}
}

/* Big enough for the compliance suite's scratch area in the large blocks. */
static uint64_t image_size(const struct hostile_device *d)
{
	uint64_t bytes = (uint64_t)BLOCKS_WANTED * (d->scale ? d->scale : 1u) *
			 (d->bs4096 ? 4096u : 512u);

	bytes = (bytes + SIZE_UNIT - 1) / SIZE_UNIT * SIZE_UNIT;
	return bytes > SIZE_MAX_BYTES ? SIZE_MAX_BYTES : bytes;
}

static struct usbmsc_pipe *make_pipe(const struct hostile_device *d, const struct hostile_rule *rules,
				     size_t count, struct hostile_result *out)
{
	char path[512], options[256];
	struct usbmsc_error err = { 0 };
	struct usbmsc_sim *sim = NULL;
	struct usbmsc_pipe *p;

	remove_files(d->dir);
	snprintf(path, sizeof path, "%s/disk.img", d->dir);
	snprintf(options, sizeof options, "size=%lluK&bs=%u&pad=%d&luns=%d&framing=%s&fw-reboot=%s",
		 (unsigned long long)(image_size(d) / 1024u), d->bs4096 ? 4096u : 512u, d->pad,
		 d->two_luns ? 2 : 1, d->vendor ? "vendor" : "bot",
		 d->reboot_disconnect ? "disconnect" : "stay");
	if (usbmsc_sim_create(path, options, &sim, &err) != 0)
		return NULL;
	p = usbmsc_sim_pipe(sim);
	if (d->scale > 1)
		p = scale_pipe_new(p, d->scale);
	return p ? hostile_pipe_new(p, rules, count, &out->watch, &out->stats) : NULL;
}

static bool open_dev(struct session *s, struct usbmsc_pipe *p)
{
	struct usbmsc_transport *t = NULL;
	struct usbmsc_error err = { 0 };
	uint8_t max_lun = 0;
	struct mark before;

	if (usbmsc_bot_transport_open(p, 0, &t, &err) != 0)
		return false;
	t->trace = trace;
	if (usbmsc_dev_from_transport(t, &s->dev, &err) != 0)
		return false;
	before = mark_of(&s->out->watch);
	s->out->open_st = usbmsc_dev_max_lun(s->dev, &max_lun);
	bounded(&s->out->watch, "Get Max LUN", before, 0);
	if (max_lun > USBMSC_MAX_LUN)
		watch_violation(&s->out->watch, "Get Max LUN gave %u", max_lun);
	return true;
}

/* ---- the common commands ------------------------------------------------------------ */

static void common_identity(struct session *s)
{
	struct bot_watch *w = &s->out->watch;
	struct usbmsc_result res;
	struct usbmsc_sense sense;
	struct usbmsc_inquiry inq;
	struct mark before = mark_of(w);

	usbmsc_test_unit_ready(s->dev, 0, &res);
	result_sane(s, "TEST UNIT READY", &res, 0);
	usbmsc_request_sense(s->dev, 0, &sense, &res);
	result_sane(s, "REQUEST SENSE", &res, USBMSC_SENSE_MAX);
	if (usbmsc_inquiry(s->dev, 0, &inq, &res) == 0) {
		printable(w, "INQUIRY vendor", inq.vendor, sizeof inq.vendor);
		printable(w, "INQUIRY product", inq.product, sizeof inq.product);
		printable(w, "INQUIRY revision", inq.revision, sizeof inq.revision);
	}
	result_sane(s, "INQUIRY", &res, 36);
	bounded(w, "TEST UNIT READY, REQUEST SENSE, INQUIRY", before, 3 * CBWS_PER_EXEC);
}

static void common_vpd(struct session *s)
{
	static const uint8_t pages[] = { 0x00, 0x80, 0x83 };
	struct bot_watch *w = &s->out->watch;
	struct usbmsc_result res;

	for (size_t i = 0; i < sizeof pages; i++) {
		uint8_t *buf = malloc(VPD_ROOM); /* exactly the room given */
		size_t len = VPD_ROOM;
		struct mark before = mark_of(w);

		if (!buf)
			return;
		usbmsc_inquiry_vpd(s->dev, 0, pages[i], buf, &len, &res);
		if (len > VPD_ROOM)
			watch_violation(w, "VPD page 0x%02x: %zu bytes into %u", pages[i], len,
					VPD_ROOM);
		result_sane(s, "INQUIRY VPD", &res, VPD_ROOM);
		bounded(w, "INQUIRY VPD", before, CBWS_PER_EXEC);
		free(buf);
	}
}

/* READ and WRITE of two blocks, when the capacity makes that sensible. */
static void common_blocks(struct session *s)
{
	struct bot_watch *w = &s->out->watch;
	uint32_t bs = 0, max = usbmsc_dev_max_transfer(s->dev);
	struct usbmsc_result res;
	uint64_t blocks = 0;
	struct mark before = mark_of(w);
	unsigned commands;
	uint8_t *buf;

	usbmsc_read_capacity(s->dev, 0, &blocks, &bs, &res);
	result_sane(s, "READ CAPACITY", &res, 32);
	bounded(w, "READ CAPACITY", before, 2 * CBWS_PER_EXEC);
	if (bs == 0 || bs > MAX_IO_BLOCK || blocks < 2)
		return;
	buf = malloc(2u * bs);
	if (!buf)
		return;
	commands = max ? (2u * bs + max - 1u) / max : 1u;
	before = mark_of(w);
	if (usbmsc_read_blocks(s->dev, 0, blocks - 2, 2, bs, buf, &res) != 0)
		memset(buf, 0xA5, 2u * bs);
	result_sane(s, "READ", &res, 2u * bs);
	usbmsc_write_blocks(s->dev, 0, blocks - 2, 2, bs, buf, &res);
	result_sane(s, "WRITE", &res, 2u * bs);
	bounded(w, "READ and WRITE of 2 blocks", before, 2u * commands * CBWS_PER_EXEC);
	free(buf);
}

static void drive_common(struct session *s)
{
	struct bot_watch *w = &s->out->watch;
	uint16_t *luns = malloc(REPORT_LUNS_MAX * sizeof *luns);
	struct usbmsc_result res;
	size_t count = 0;
	struct mark before;

	common_identity(s);
	common_vpd(s);
	common_blocks(s);
	if (!luns)
		return;
	before = mark_of(w);
	usbmsc_report_luns(s->dev, luns, REPORT_LUNS_MAX, &count, &res);
	if (count > REPORT_LUNS_MAX)
		watch_violation(w, "REPORT LUNS: %zu LUNs into room for %u", count, REPORT_LUNS_MAX);
	result_sane(s, "REPORT LUNS", &res, 8u + 8u * 256u);
	bounded(w, "REPORT LUNS", before, CBWS_PER_EXEC);
	free(luns);
}

/* ---- firmware ---------------------------------------------------------------------- */

static void device_text(struct bot_watch *w, const struct usbmsc_fw_device *d)
{
	printable(w, "fw info vendor", d->inquiry.vendor, sizeof d->inquiry.vendor);
	printable(w, "fw info product", d->inquiry.product, sizeof d->inquiry.product);
	printable(w, "fw info revision", d->inquiry.revision, sizeof d->inquiry.revision);
	printable(w, "fw info serial", d->serial, sizeof d->serial);
}

/* FW STATE's version strings come from the device as they are. */
static void state_text(struct bot_watch *w, const struct usbmsc_fw_device *d)
{
	printable(w, "FW STATE active version", d->state.active_version,
		  sizeof d->state.active_version);
	printable(w, "FW STATE pending version", d->state.pending_version,
		  sizeof d->state.pending_version);
}

static void drive_fw_info(struct session *s)
{
	struct bot_watch *w = &s->out->watch;
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_device d;
	struct mark before = mark_of(w);
	bool mc = false;

	usbmsc_fw_probe(s->dev, 0, &d, &mc, &err);
	bounded(w, "fw info", before, CBWS_PROBE);
	device_text(w, &d);
	printable(w, "fw info message", err.msg, sizeof err.msg);
	state_text(w, &d);
}

/* Why an update reported as done was not: "" when it was. */
static void judge_update(const struct session *s, char *why, size_t len)
{
	const struct usbmsc_fwu_outcome *o = &s->out->fwu;
	const struct bot_watch *w = &s->out->watch;
	bool need_image = !o->plan.activate_only && !o->plan.confirm_only;
	bool need_activation = !o->plan.confirm_only;
	unsigned confirms = need_activation ? w->confirms : w->confirms_any;

	why[0] = '\0';
	if (need_image && w->covered != s->image->len)
		snprintf(why, len, "reported updated, yet of the %llu image bytes the device took "
			 "only the first %llu", (unsigned long long)s->image->len,
			 (unsigned long long)w->covered);
	else if (need_activation && !w->activated)
		snprintf(why, len, "reported updated, yet the device took no activation");
	else if (o->before.has_state && confirms == 0)
		snprintf(why, len, "reported updated, yet the device (it had FW STATE before the "
			 "update) took no FW CONFIRM after the activation");
	else if (o->confirmed && w->confirms_any == 0)
		snprintf(why, len, "reported confirmed, yet the device took no FW CONFIRM");
}

static void drive_fw_update(struct session *s)
{
	struct hostile_result *out = s->out;
	struct bot_watch *w = &out->watch;
	struct usbmsc_fwu_opts opts;
	struct mark before = mark_of(w);

	memset(&opts, 0, sizeof opts);
	opts.wait_ms = 1;  /* the device answers at once or not at all */
	w->image = s->image->bytes;
	w->image_len = s->image->len;
	watch_reset_record(w);
	out->update_st = usbmsc_fw_update(&s->dev, s->image->path, &opts, &out->fwu, &out->update_err);
	bounded(w, "fw update", before, CBWS_UPDATE);
	if (out->fwu.bytes_sent > s->image->len)
		watch_violation(w, "fw update: %llu bytes sent of a %llu-byte image",
				(unsigned long long)out->fwu.bytes_sent,
				(unsigned long long)s->image->len);
	if (out->update_st == 0 && out->fwu.end == USBMSC_FWU_UPDATED)
		judge_update(s, out->fw_why, sizeof out->fw_why);
	out->fw_dishonest = out->fw_why[0] != '\0';
	if (out->fw_dishonest)
		watch_violation(w, "fw update: %s", out->fw_why);
	if (out->fwu.has_after)
		device_text(w, &out->fwu.after);
	/* the messages quote FW STATE's versions */
	printable(w, "fw update message", out->update_err.msg, sizeof out->update_err.msg);
	state_text(w, &out->fwu.before);
	if (out->fwu.has_after)
		state_text(w, &out->fwu.after);
	w->image = NULL;
}

/* ---- the compliance suite ------------------------------------------------------------- */

static void report_sane(struct bot_watch *w, const struct usbmsc_compliance_report *rep)
{
	if (rep->passed + rep->failed != rep->count)
		watch_violation(w, "compliance: %u passed + %u failed, %zu rows", rep->passed,
				rep->failed, rep->count);
	for (size_t i = 0; i < rep->count; i++) {
		const struct usbmsc_check *c = &rep->checks[i];
		char what[USBMSC_CHECK_NAME_MAX + 32];

		printable(w, "compliance row name", c->name, sizeof c->name);
		snprintf(what, sizeof what, "compliance row %.48s, expected", c->name);
		printable(w, what, c->expected, sizeof c->expected);
		snprintf(what, sizeof what, "compliance row %.48s, seen", c->name);
		printable(w, what, c->seen, sizeof c->seen);
		snprintf(what, sizeof what, "compliance row %.48s, choice", c->name);
		printable(w, what, c->choice, sizeof c->choice);
		if (c->verdict != USBMSC_VERDICT_PASS && c->verdict != USBMSC_VERDICT_FAIL)
			watch_violation(w, "compliance row %zu: verdict %d", i, (int)c->verdict);
	}
	printable(w, "compliance vendor", rep->vendor, sizeof rep->vendor);
	printable(w, "compliance product", rep->product, sizeof rep->product);
	printable(w, "compliance revision", rep->revision, sizeof rep->revision);
}

static void drive_compliance(struct session *s)
{
	struct hostile_result *out = s->out;
	struct bot_watch *w = &out->watch;
	struct usbmsc_compliance_opts opts = { .lun = 0, .ready_wait_ms = s->ready_wait_ms,
					       .trace = trace };
	const struct usbmsc_compliance_report *rep = &out->rep;
	struct mark before = mark_of(w);
	unsigned invalid = w->invalid_cbws;

	watch_reset_record(w);
	out->compliance_st = usbmsc_compliance_run_pipe(usbmsc_dev_pipe(s->dev), &opts, &out->rep,
							&out->compliance_err);
	bounded(w, "compliance", before, CBWS_COMPLIANCE);
	if (w->invalid_cbws - invalid > COMPLIANCE_INVALID_CBWS)
		watch_violation(w, "compliance sent %u invalid CBWs", w->invalid_cbws - invalid);
	if (w->wrote && (w->write_lo < rep->scratch_lba ||
			 w->write_hi > rep->scratch_lba + rep->scratch_blocks))
		watch_violation(w, "compliance wrote LBA %llu..%llu, outside its scratch area "
				"%llu+%u", (unsigned long long)w->write_lo,
				(unsigned long long)w->write_hi - 1,
				(unsigned long long)rep->scratch_lba, rep->scratch_blocks);
	report_sane(w, rep);
	printable(w, "compliance message", out->compliance_err.msg, sizeof out->compliance_err.msg);
}

/* ---- the session --------------------------------------------------------------------- */

bool hostile_run(const struct hostile_device *d, const struct hostile_image *image,
		 uint8_t drivers, const struct hostile_rule *rules, size_t count,
		 unsigned ready_wait_ms, struct hostile_result *out)
{
	struct session s = { .out = out, .image = image, .ready_wait_ms = ready_wait_ms };
	struct usbmsc_pipe *p;
	unsigned invalid;

	memset(out, 0, sizeof *out);
	p = make_pipe(d, rules, count, out);
	if (!p || !open_dev(&s, p))
		return false;
	if (drivers & HOSTILE_DRV_COMMON)
		drive_common(&s);
	if (drivers & HOSTILE_DRV_FW_INFO)
		drive_fw_info(&s);
	invalid = out->watch.invalid_cbws;
	if (invalid)
		watch_violation(&out->watch, "the BOT engine sent %u invalid CBWs", invalid);
	if ((drivers & HOSTILE_DRV_FW_UPDATE) && image && s.dev)
		drive_fw_update(&s);
	if (out->watch.invalid_cbws != invalid)
		watch_violation(&out->watch, "fw update sent invalid CBWs");
	/* The suite speaks plain BOT: a vendor-framed pipe would only see it fail. */
	if ((drivers & HOSTILE_DRV_COMPLIANCE) && s.dev && !d->vendor)
		drive_compliance(&s);
	usbmsc_close(s.dev);
	return true;
}

void hostile_result_free(struct hostile_result *out)
{
	usbmsc_compliance_report_free(&out->rep);
}

/* ---- a firmware image ------------------------------------------------------------------ */

static bool read_all(const char *path, uint8_t **bytes, uint64_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(*bytes = malloc((size_t)n)) || fread(*bytes, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return false;
	}
	fclose(f);
	*len = (uint64_t)n;
	return true;
}

bool hostile_make_image(const char *dir, const char *key_path, uint32_t payload_len,
			struct hostile_image *out)
{
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	struct usbmsc_error err = { 0 };
	struct usbmsc_fw_header h;
	char payload[300];
	FILE *f;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!USBMSC_HAVE_SODIUM || usbmsc_fw_load_secret_key(key_path, secret, &err) != 0)
		return false;
	snprintf(payload, sizeof payload, "%s/payload.bin", dir);
	f = fopen(payload, "wb");
	if (!f)
		return false;
	for (uint32_t i = 0; i < payload_len; i++)
		fputc((int)((i * 7u + 2u) & 0xFFu), f);
	if (fclose(f) != 0)
		return false;
	memset(&h, 0, sizeof h);
	h.vid = 0x1209;
	h.pid = 0x0001;
	strcpy(h.vendor, "USBMSC");
	strcpy(h.product, "Virtual Disk");
	h.hw_rev_max = 0xFFFF;
	strcpy(h.version, "0200");
	h.version_number = 2;
	snprintf(out->path, sizeof out->path, "%s/image-0200.umfw", dir);
	ok = usbmsc_fw_pack(payload, out->path, secret, &h, &err) == 0 &&
	     read_all(out->path, &out->bytes, &out->len);
	usbmsc_file_remove(payload);
	return ok;
}

void hostile_image_free(struct hostile_image *img)
{
	free(img->bytes);
	img->bytes = NULL;
}
