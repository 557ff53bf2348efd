/* What the command says about failures and, with -v, about the traffic:
 * error lines and hints on stderr, the JSON error document, sense text,
 * the trace callback. */
#include "cli.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "hexdump.h"

/* -vvv dumps data stages; a long transfer is cut here to keep the trace readable. */
#define TRACE_DATA_MAX 512u

static const char *cmd_name(const struct cli *c)
{
	return c->cmd ? c->cmd->name : NULL;
}

static bool is_sim(const struct cli *c)
{
	return c->device && strncmp(c->device, "sim:", 4) == 0;
}

/* The second line: what to do about it. */
static const char *hint_for(const struct cli *c, int status)
{
	switch (status) {
	case USBMSC_E_NO_DEVICE:
		return "check the URI; 'usbmsc list' shows devices";
	case USBMSC_E_BUSY:
		return "another program or driver has the device, or it is mounted: wait for "
		       "the program, unmount it, or use its /dev/sgN path";
	case USBMSC_E_ACCESS:
		if (is_sim(c))
			return "sim: writes its image and files beside it (PATH.fw, PATH.echo): "
			       "get write access to them and their folder, or add ?ro=1 to open "
			       "an existing image read-only";
		return "run as root, or get read-write access to the device node";
	case USBMSC_E_TIMEOUT:
		return "the device did not answer in time: try --timeout SECONDS, or replug it";
	case USBMSC_E_TRANSPORT:
		return "run with -vv to see the CBW and CSW; replug the device if this persists";
	default:
		return NULL;
	}
}

static void error_document(struct cli *c, int status, const char *msg,
			   const struct usbmsc_result *res)
{
	if (!c->json || c->out.started)
		return;
	if (c->json_error) {
		c->json_error(c, status, msg);
		c->out.started = true;
		return;
	}
	json_object_begin(&c->out, NULL);
	json_object_begin(&c->out, "error");
	json_string(&c->out, "command", cmd_name(c));
	json_int(&c->out, "status", status);
	json_string(&c->out, "category", usbmsc_status_name(status));
	json_string(&c->out, "message", msg);
	if (res)
		cli_json_sense(&c->out, "sense", res);
	json_object_end(&c->out);
	json_object_end(&c->out);
}

static void error_line(const struct cli *c, const char *msg)
{
	if (cmd_name(c))
		fprintf(stderr, "usbmsc: %s: %s\n", cmd_name(c), msg);
	else
		fprintf(stderr, "usbmsc: %s\n", msg);
}

static int fail_msg(struct cli *c, int status, const char *msg, const struct usbmsc_result *res)
{
	const char *hint = hint_for(c, status);

	error_line(c, msg);
	if (hint)
		fprintf(stderr, "usbmsc: hint: %s\n", hint);
	error_document(c, status, msg, res);
	return status;
}

int cli_fail(struct cli *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail_msg(c, status, msg, NULL);
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	error_line(c, msg);
	if (c->cmd)
		fprintf(stderr, "usage: usbmsc %s%s%s\n       (see 'usbmsc help %s')\n",
			c->cmd->name, c->cmd->args[0] ? " " : "", c->cmd->args, c->cmd->name);
	else
		fprintf(stderr, "usbmsc: hint: 'usbmsc --help' lists the commands and options\n");
	error_document(c, USBMSC_E_USAGE, msg, NULL);
	return USBMSC_E_USAGE;
}

bool cli_sense_text(const struct usbmsc_result *res, char *buf, size_t len)
{
	struct usbmsc_sense sense;

	if (!res || res->sense_len == 0 || !usbmsc_sense_decode(res->sense, res->sense_len, &sense))
		return false;
	usbmsc_sense_describe(&sense, buf, len);
	return true;
}

int cli_fail_result(struct cli *c, int status, const struct usbmsc_result *res)
{
	char msg[USBMSC_ERRMSG_MAX + 64];
	const char *lib = c->dev ? usbmsc_dev_errmsg(c->dev) : NULL;

	if (res && res->outcome == USBMSC_OUTCOME_CHECK_CONDITION && cli_sense_text(res, msg, sizeof msg))
		return fail_msg(c, status, msg, res);
	if (lib && lib[0])
		snprintf(msg, sizeof msg, "%s", lib);
	else if (res && res->outcome == USBMSC_OUTCOME_CHECK_CONDITION)
		snprintf(msg, sizeof msg, "CHECK CONDITION without sense data");
	else if (res)
		snprintf(msg, sizeof msg, "%s", usbmsc_outcome_name(res->outcome));
	else
		snprintf(msg, sizeof msg, "%s", usbmsc_status_name(status));
	return fail_msg(c, status, msg, res);
}

void cli_json_sense(struct json *j, const char *key, const struct usbmsc_result *res)
{
	struct usbmsc_sense sense;
	char text[160];

	if (!res || res->sense_len == 0 || !usbmsc_sense_decode(res->sense, res->sense_len, &sense)) {
		json_null(j, key);
		return;
	}
	usbmsc_sense_describe(&sense, text, sizeof text);
	json_object_begin(j, key);
	json_uint(j, "key", sense.key);
	json_uint(j, "asc", sense.asc);
	json_uint(j, "ascq", sense.ascq);
	json_string(j, "key_name", usbmsc_sense_key_name(sense.key));
	json_string(j, "text", text);
	json_hex(j, "raw", res->sense, res->sense_len);
	json_object_end(j);
}

static void kv(FILE *f, const char *key, const char *fmt, va_list ap)
{
	char label[64];

	snprintf(label, sizeof label, "%s:", key);
	fprintf(f, "%-23s ", label);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void cli_kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kv(stdout, key, fmt, ap);
	va_end(ap);
}

void cli_kv_to(FILE *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kv(f, key, fmt, ap);
	va_end(ap);
}

const char *cli_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

/* The verbosity a trace event needs: -v the story, -vv the wrappers, -vvv the data. */
static int trace_level(enum usbmsc_trace_kind kind)
{
	switch (kind) {
	case USBMSC_TRACE_NOTE:
	case USBMSC_TRACE_CDB:
	case USBMSC_TRACE_SENSE:
		return 1;
	case USBMSC_TRACE_CBW:
	case USBMSC_TRACE_CSW:
		return 2;
	default:
		return 3;
	}
}

static const char *trace_label(enum usbmsc_trace_kind kind)
{
	switch (kind) {
	case USBMSC_TRACE_CDB: return "CDB";
	case USBMSC_TRACE_CBW: return "CBW";
	case USBMSC_TRACE_CSW: return "CSW";
	case USBMSC_TRACE_SENSE: return "sense";
	case USBMSC_TRACE_DATA_OUT: return "data-out";
	case USBMSC_TRACE_DATA_IN: return "data-in";
	default: return "note";
	}
}

static void trace_data(const char *label, const char *text, const uint8_t *bytes, size_t len)
{
	size_t shown = len < TRACE_DATA_MAX ? len : TRACE_DATA_MAX;

	if (text[0])
		fprintf(stderr, "usbmsc: %s\n", text);
	else
		fprintf(stderr, "usbmsc: %s %zu bytes\n", label, len);
	if (len > 0)
		hexdump(stderr, "usbmsc:   ", bytes, shown, 0);
	if (shown < len)
		fprintf(stderr, "usbmsc:   (%zu more bytes not shown)\n", len - shown);
}

/* text starts with label, whatever the case of its letters. */
static bool starts_with_label(const char *text, const char *label, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)text[i]) != tolower((unsigned char)label[i]))
			return false;
	return true;
}

/* The library's text may start with the label we print anyway ("CBW tag 1"). */
static const char *without_label(const char *text, const char *label)
{
	size_t n = strlen(label);

	if (!starts_with_label(text, label, n) || (text[n] != '\0' && text[n] != ' ' && text[n] != ','))
		return text;
	text += n;
	while (*text == ' ' || *text == ',')
		text++;
	return text;
}

struct usbmsc_trace cli_trace_for(struct cli *c)
{
	struct usbmsc_trace t = { .fn = c->verbose > 0 ? cli_trace : NULL, .ctx = c };

	return t;
}

void cli_trace(void *ctx, enum usbmsc_trace_kind kind, const char *text, const uint8_t *bytes,
	       size_t len)
{
	const struct cli *c = ctx;
	const char *label = trace_label(kind);

	if (!text)
		text = "";
	if (c->verbose < trace_level(kind))
		return;
	if (kind == USBMSC_TRACE_NOTE) {
		fprintf(stderr, "usbmsc: note: %s\n", text);
		return;
	}
	if (kind == USBMSC_TRACE_DATA_IN || kind == USBMSC_TRACE_DATA_OUT) {
		trace_data(label, text, bytes, len);
		return;
	}
	text = without_label(text, label);
	fprintf(stderr, "usbmsc: %s ", label);
	hex_bytes(stderr, bytes, len);
	if (text[0])
		fprintf(stderr, "  (%s)", text);
	fputc('\n', stderr);
	if (kind == USBMSC_TRACE_SENSE) {
		struct usbmsc_sense sense;
		char desc[160];
		if (usbmsc_sense_decode(bytes, len, &sense)) {
			usbmsc_sense_describe(&sense, desc, sizeof desc);
			fprintf(stderr, "usbmsc: sense: %s\n", desc);
		}
	}
}
