/* The device handle: opens a transport by URI, runs commands through it,
 * retries once after a successful recovery (as the Linux SCSI layer does),
 * and keeps the last error message. */
#include "device_internal.h"

#include "usbmsc/sim.h"
#include "schemes.h"
#include "../os/os_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the device handle knows of the device's LUNs. */
enum lun_limit { LUNS_UNASKED, LUNS_KNOWN, LUNS_UNKNOWN };

struct usbmsc_dev {
	struct usbmsc_transport *t;
	uint8_t lun_limit;          /* enum lun_limit */
	uint8_t max_lun;            /* with LUNS_KNOWN */
	char errmsg[USBMSC_ERRMSG_MAX];
};

/* ---- URI schemes --------------------------------------------------------
 * One line per transport. open() gets the whole URI and the part after the
 * prefix. The system's own device paths ("/dev/sg1", "\\.\PhysicalDrive1")
 * are the OS backend's to recognise (pt_claims) and go to pass-through. */
struct uri_scheme {
	const char *prefix;
	const char *syntax;  /* shown in messages */
	int (*open)(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err);
};

static int open_sim(const char *uri, const char *rest, const struct usbmsc_open_opts *opts,
		    struct usbmsc_transport **out, struct usbmsc_error *err)
{
	(void)uri;
	(void)opts;
	return usbmsc_sim_transport_open(rest, out, err);
}

static const struct uri_scheme schemes[] = {
	{ "sim:", "sim:PATH[?OPTIONS]", open_sim },
	{ "usb:", "usb:VID:PID[:SERIAL], usb:BUS-PORT", usbmsc_usb_open },
	{ "usbv:", "usbv:VID:PID[:SERIAL]", usbmsc_usbv_open },
	{ "auto:", "auto:VID:PID[:SERIAL]", usbmsc_auto_open },
	{ "vol:", "vol:MOUNTPOINT", usbmsc_vol_open },
};

#define SCHEME_COUNT (sizeof schemes / sizeof schemes[0])

/* "sim:PATH[?OPTIONS], /dev/sgN, /dev/sdX, ..." for messages: the device
 * paths after sim:. */
static void accepted_uris(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < SCHEME_COUNT && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s%s%s", i ? ", " : "", schemes[i].syntax,
				 i ? "" : ", ", i ? "" : usbmsc_os_backend.pt_syntax);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* A URI is "scheme:rest" (scheme = a letter, then letters, digits, + - .). */
static bool uri_well_formed(const char *uri)
{
	const char *p = uri;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while (*p && *p != ':') {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.';
		if (!ok)
			return false;
		p++;
	}
	return *p == ':';
}

static int adopt(struct usbmsc_transport *t, const struct usbmsc_open_opts *opts,
		 struct usbmsc_dev **out, struct usbmsc_error *err)
{
	int r = usbmsc_dev_from_transport(t, out, err);

	if (r != USBMSC_OK)
		return r;
	if (opts) {
		if (opts->timeout_ms)
			t->timeout_ms = opts->timeout_ms;
		t->trace = opts->trace;
	}
	if (!t->timeout_ms)
		t->timeout_ms = USBMSC_DEFAULT_TIMEOUT_MS;
	return USBMSC_OK;
}

int usbmsc_open(const char *uri, const struct usbmsc_open_opts *opts, struct usbmsc_dev **out,
		struct usbmsc_error *err)
{
	char accepted[192];       /* for the messages only */
	struct usbmsc_transport *t = NULL;
	int r;

	if (!out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_open needs a place for the handle");
	*out = NULL;
	if (!uri || !uri[0]) {
		accepted_uris(accepted, sizeof accepted);
		return usbmsc_fail(err, USBMSC_E_USAGE, "an empty device URI; this build accepts %s",
				   accepted);
	}
	if (usbmsc_os_backend.pt_claims(uri)) {
		r = usbmsc_pt_open(uri, "", opts, &t, err);
		return r != USBMSC_OK ? r : adopt(t, opts, out, err);
	}
	/* A bare file name is the commonest slip ("-d disk.img"). */
	if (!strchr(uri, ':'))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "'%s' is not a device URI: it has no scheme (did you mean 'sim:%s'?)",
				   uri, uri);
	if (!uri_well_formed(uri)) {
		accepted_uris(accepted, sizeof accepted);
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "malformed device URI '%s'; this build accepts %s", uri, accepted);
	}
	for (size_t i = 0; i < SCHEME_COUNT; i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncmp(uri, schemes[i].prefix, n) != 0)
			continue;
		r = schemes[i].open(uri, uri + n, opts, &t, err);
		if (r != USBMSC_OK)
			return r;
		return adopt(t, opts, out, err);
	}
	accepted_uris(accepted, sizeof accepted);
	return usbmsc_fail(err, USBMSC_E_USAGE, "unknown scheme '%.*s' in '%s'; this build accepts %s",
			   (int)(strchr(uri, ':') - uri + 1), uri, uri, accepted);
}

/* The program's stop flag (usbmsc_set_stop_flag); read, never written. */
static const volatile sig_atomic_t *stop_flag;

void usbmsc_set_stop_flag(const volatile sig_atomic_t *flag)
{
	stop_flag = flag;
}

bool usbmsc_stop_requested(void)
{
	return stop_flag && *stop_flag;
}

void usbmsc_dev_interrupt(struct usbmsc_dev *dev)
{
	/* Async-signal-safe: a flag store in the transport, nothing else. */
	if (dev && dev->t && dev->t->ops->interrupt)
		dev->t->ops->interrupt(dev->t);
}

int usbmsc_dev_from_transport(struct usbmsc_transport *t, struct usbmsc_dev **out,
			      struct usbmsc_error *err)
{
	struct usbmsc_dev *dev;

	if (out)
		*out = NULL;
	if (!t || !out) {
		if (t && t->ops->close)
			t->ops->close(t);
		return usbmsc_fail(err, USBMSC_E_USAGE, "a device needs a transport");
	}
	dev = calloc(1, sizeof *dev);
	if (!dev) {
		if (t->ops->close)
			t->ops->close(t);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	dev->t = t;
	*out = dev;
	return USBMSC_OK;
}

void usbmsc_close(struct usbmsc_dev *dev)
{
	if (!dev)
		return;
	if (dev->t && dev->t->ops->close)
		dev->t->ops->close(dev->t);
	free(dev);
}

int usbmsc_dev_fail(struct usbmsc_dev *dev, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->errmsg, sizeof dev->errmsg, fmt, ap);
	va_end(ap);
	return status;
}

/* ---- running commands ---------------------------------------------------- */

static int check_cmd(struct usbmsc_dev *dev, const struct usbmsc_cmd *cmd)
{
	if (!cmd || !cmd->cdb)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "no CDB given");
	if (cmd->cdb_len < 1 || cmd->cdb_len > 16)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "CDB length %u is not 1..16",
				       cmd->cdb_len);
	if (cmd->lun > USBMSC_MAX_LUN)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "LUN %u is not 0..%u", cmd->lun,
				       USBMSC_MAX_LUN);
	if (cmd->dir != USBMSC_DIR_NONE && cmd->dir != USBMSC_DIR_IN &&
	    cmd->dir != USBMSC_DIR_OUT)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "unknown data direction %d",
				       (int)cmd->dir);
	if ((cmd->dir == USBMSC_DIR_NONE) != (cmd->len == 0))
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE,
				       "direction %s with a %u-byte data stage: none goes with 0 only",
				       cmd->dir == USBMSC_DIR_NONE ? "none"
				       : cmd->dir == USBMSC_DIR_IN ? "in" : "out",
				       cmd->len);
	if (cmd->len && !cmd->data)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "a %u-byte data stage without a buffer",
				       cmd->len);
	return USBMSC_OK;
}

/* A LUN the device does not have is refused before anything is sent: a
 * Bulk-Only device fails a CBW for it, and REQUEST SENSE to it too, which
 * says nothing. The highest LUN is asked once (BOT: Get Max LUN; SG_IO: the
 * kernel's SCSI devices); when the transport cannot tell, the command goes. */
static int check_lun(struct usbmsc_dev *dev, uint8_t lun)
{
	if (lun == 0)
		return USBMSC_OK;
	if (dev->lun_limit == LUNS_UNASKED) {
		struct usbmsc_error err = {0};

		dev->lun_limit = dev->t->ops->max_lun &&
				 dev->t->ops->max_lun(dev->t, &dev->max_lun, &err) == USBMSC_OK
				 ? LUNS_KNOWN : LUNS_UNKNOWN;
	}
	if (dev->lun_limit != LUNS_KNOWN || lun <= dev->max_lun)
		return USBMSC_OK;
	return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "the device has LUNs 0..%u, not %u",
			       dev->max_lun, lun);
}

static int run_once(struct usbmsc_dev *dev, const struct usbmsc_cmd *cmd,
		    struct usbmsc_result *res, struct usbmsc_error *err)
{
	err->status = 0;
	err->msg[0] = '\0';
	return dev->t->ops->exec(dev->t, cmd, res, err);
}

/* A failure the transport recovered from: the command is worth one retry. */
static bool retry_worthy(const struct usbmsc_dev *dev, int r, const struct usbmsc_result *res)
{
	bool failed = r == USBMSC_E_TRANSPORT || r == USBMSC_E_TIMEOUT ||
		      (r == USBMSC_OK && res->outcome == USBMSC_OUTCOME_PHASE_ERROR);

	return failed && dev->t->recovered;
}

/* Unit attention "power on, reset or bus device reset occurred" (29/xx):
 * the device reports the reset we just did. */
static bool reset_unit_attention(const struct usbmsc_result *res)
{
	struct usbmsc_sense sense;

	if (res->outcome != USBMSC_OUTCOME_CHECK_CONDITION ||
	    !usbmsc_sense_decode(res->sense, res->sense_len, &sense))
		return false;
	return sense.key == USBMSC_SK_UNIT_ATTENTION && sense.asc == 0x29;
}

/* The category of a finished command, with the message to keep. */
static int finish(struct usbmsc_dev *dev, int r, const struct usbmsc_result *res,
		  const struct usbmsc_error *err, bool retried)
{
	const char *suffix = retried ? " (after one retry)" : "";
	struct usbmsc_sense sense;
	char text[160];
	int status;

	if (r != USBMSC_OK)
		return usbmsc_dev_fail(dev, r, "%s%s", err->msg[0] ? err->msg : usbmsc_status_name(r),
				       suffix);
	status = usbmsc_result_status(res);
	switch (res->outcome) {
	case USBMSC_OUTCOME_GOOD:
		dev->errmsg[0] = '\0';
		return status;
	case USBMSC_OUTCOME_CHECK_CONDITION:
		if (!usbmsc_sense_decode(res->sense, res->sense_len, &sense))
			return usbmsc_dev_fail(dev, status, "CHECK CONDITION without sense data");
		usbmsc_sense_describe(&sense, text, sizeof text);
		if (status == USBMSC_OK)
			dev->errmsg[0] = '\0'; /* RECOVERED ERROR: the command succeeded */
		else
			usbmsc_dev_fail(dev, status, "%s", text);
		return status;
	default:
		return usbmsc_dev_fail(dev, status, "%s%s",
				       err->msg[0] ? err->msg : usbmsc_outcome_name(res->outcome),
				       suffix);
	}
}

int usbmsc_exec(struct usbmsc_dev *dev, const struct usbmsc_cmd *cmd, struct usbmsc_result *res)
{
	struct usbmsc_result local;
	struct usbmsc_error err;
	bool retried = false;
	int r;

	if (!res)
		res = &local;
	memset(res, 0, sizeof *res);
	if (!dev || !dev->t)
		return USBMSC_E_USAGE;
	r = check_cmd(dev, cmd);
	if (r == USBMSC_OK)
		r = check_lun(dev, cmd->lun);
	if (r == USBMSC_OK && usbmsc_stop_requested())
		r = usbmsc_dev_fail(dev, USBMSC_E_INTERRUPTED, "interrupted: stop requested");
	if (r != USBMSC_OK) {
		res->outcome = USBMSC_OUTCOME_TRANSPORT_ERROR;
		return r;
	}
	r = run_once(dev, cmd, res, &err);
	if (retry_worthy(dev, r, res)) {
		usbmsc_trace_emit(&dev->t->trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "recovered: retried after Reset Recovery");
		retried = true;
		r = run_once(dev, cmd, res, &err);
		/* Our own reset raised a unit attention; it says nothing about
		 * the command, so the command gets the run it was owed. */
		if (r == USBMSC_OK && reset_unit_attention(res)) {
			usbmsc_trace_emit(&dev->t->trace, USBMSC_TRACE_NOTE, NULL, 0,
					  "unit attention from the reset; running the command again");
			r = run_once(dev, cmd, res, &err);
		}
	}
	return finish(dev, r, res, &err, retried);
}

const char *usbmsc_dev_errmsg(const struct usbmsc_dev *dev)
{
	return dev ? dev->errmsg : "no device";
}

struct usbmsc_transport *usbmsc_dev_transport(const struct usbmsc_dev *dev)
{
	return dev ? dev->t : NULL;
}

const char *usbmsc_dev_transport_name(const struct usbmsc_dev *dev)
{
	return dev && dev->t ? dev->t->ops->name : "none";
}

uint32_t usbmsc_dev_max_transfer(const struct usbmsc_dev *dev)
{
	return dev && dev->t ? dev->t->max_transfer : 0;
}

int usbmsc_dev_max_lun(struct usbmsc_dev *dev, uint8_t *max_lun)
{
	struct usbmsc_error err = {0};
	int r;

	*max_lun = 0;
	if (!dev || !dev->t)
		return USBMSC_E_USAGE;
	if (!dev->t->ops->max_lun)
		return USBMSC_OK;
	r = dev->t->ops->max_lun(dev->t, max_lun, &err);
	if (r != USBMSC_OK)
		return usbmsc_dev_fail(dev, r, "%s", err.msg);
	return USBMSC_OK;
}

int usbmsc_dev_reset(struct usbmsc_dev *dev)
{
	struct usbmsc_error err = {0};
	int r;

	if (!dev || !dev->t)
		return USBMSC_E_USAGE;
	if (!dev->t->ops->reset)
		return usbmsc_dev_fail(dev, USBMSC_E_OTHER, "the %s transport cannot reset",
				       dev->t->ops->name);
	r = dev->t->ops->reset(dev->t, &err);
	if (r != USBMSC_OK)
		return usbmsc_dev_fail(dev, r, "%s", err.msg);
	return USBMSC_OK;
}

struct usbmsc_pipe *usbmsc_dev_pipe(struct usbmsc_dev *dev)
{
	if (!dev || !dev->t || !dev->t->ops->pipe)
		return NULL;
	return dev->t->ops->pipe(dev->t);
}
