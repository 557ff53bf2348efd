/* Command-line parsing for usbmsc-gadget. */
#include "options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../src/fwhost/fw_host.h"
#include "parse.h"

const char gadget_usage[] =
	"Usage: usbmsc-gadget [OPTIONS] --lun FILE[,OPTIONS] [--lun ...]\n"
	"Serve files as a USB mass-storage device through configfs and FunctionFS.\n"
	"\n"
	"Device:\n"
	"  --udc NAME             USB device controller (default: the only one in /sys/class/udc)\n"
	"  --name NAME            configfs gadget and FunctionFS instance name (default usbmsc)\n"
	"  --vid HEX, --pid HEX   USB vendor and product IDs (default 1209:0001, a test ID)\n"
	"  --manufacturer STR     USB manufacturer string\n"
	"  --product-string STR   USB product string\n"
	"  --serial STR           USB serial number, also the SCSI unit serial number\n"
	"  --vendor-interface     a second interface (class ff/4d/56) beside mass storage\n"
	"                         for applications, over the same LUNs (vendor framing);\n"
	"                         Microsoft OS descriptors make Windows bind WinUSB to it\n"
	"SCSI:\n"
	"  --vendor STR           INQUIRY vendor, up to 8 characters\n"
	"  --product STR          INQUIRY product, up to 16 characters\n"
	"  --revision STR         INQUIRY revision, up to 4 characters\n"
	"  --lun FILE[,ro][,removable][,bs=4096][,size=SIZE][,direct]\n"
	"                         one logical unit per --lun, LUN 0 first (up to 16);\n"
	"                         size= creates FILE sparse if it does not exist\n"
	"  --pad                  pad Bulk-In instead of stalling it when the host\n"
	"                         expects more data than the command has (cases 4, 5)\n"
	"Transfer:\n"
	"  --buffer BYTES         each streaming buffer: the most one USB request or file\n"
	"                         read or write moves (default 40k; 4k..1m, k/m suffixes)\n"
	"  --buffers N            streaming buffers: 1, 2, 4, 8 or 16 (default 4); with\n"
	"                         more than one, the file I/O of one buffer load\n"
	"                         overlaps the USB transfer of another\n"
	"  --io sync|thread       where file I/O runs with several buffers: in the event\n"
	"                         loop while the queued transfers move (default), or on\n"
	"                         a thread of its own\n"
	"Firmware:\n"
	"  --fw-state FILE        host the firmware update engine, its flash in FILE\n"
	"                         (created sparse if missing): WRITE/READ BUFFER, FW STATE,\n"
	"                         FW CONFIRM on every LUN; INQUIRY shows the running version\n"
	"  --fw-pubkey FILE       the public key images must be signed for (default: the\n"
	"                         demo key, data/demo-fw-public.key)\n"
	"  --fw-slot SIZE         slot size of a FILE created now (default 16m; 64k..512m)\n"
	"  --fw-reboot disconnect|before-csw|stay\n"
	"                         after an activation: disconnect for a second and come\n"
	"                         back with the new image (default), the same without\n"
	"                         sending the activating command's CSW (as devices that\n"
	"                         reboot at once), or run it at once and report unit\n"
	"                         attention 06/3F/01, staying connected\n"
	"  --control-lun          an extra last LUN of type processor, no medium: firmware\n"
	"                         and vendor commands while the disks are mounted\n"
	"  --file-door            a LUN after the disks: a FAT volume that updates the\n"
	"                         firmware when a UF2 file (usbmsc fw uf2) is copied to it\n"
	"                         (docs/FILE-DOOR.md); needs --fw-state, slots up to 16m\n"
	"Other:\n"
	"  -v, --verbose          log USB events and, at exit, counts and peak memory;\n"
	"                         -vv: control requests and halts; -vvv: every transfer\n"
	"  -h, --help             this text\n"
	"  --version              the version\n";

enum {
	O_UDC = 256, O_NAME, O_VID, O_PID, O_MANUFACTURER, O_PRODUCT_STRING, O_SERIAL,
	O_VENDOR, O_PRODUCT, O_REVISION, O_LUN, O_PAD, O_BUFFER, O_VERSION,
	O_FW_STATE, O_FW_PUBKEY, O_FW_SLOT, O_FW_REBOOT, O_CONTROL_LUN, O_VENDOR_INTERFACE,
	O_FILE_DOOR, O_BUFFERS, O_IO,
};

static const struct option long_opts[] = {
	{ "udc", required_argument, NULL, O_UDC },
	{ "name", required_argument, NULL, O_NAME },
	{ "vid", required_argument, NULL, O_VID },
	{ "pid", required_argument, NULL, O_PID },
	{ "manufacturer", required_argument, NULL, O_MANUFACTURER },
	{ "product-string", required_argument, NULL, O_PRODUCT_STRING },
	{ "serial", required_argument, NULL, O_SERIAL },
	{ "vendor", required_argument, NULL, O_VENDOR },
	{ "product", required_argument, NULL, O_PRODUCT },
	{ "revision", required_argument, NULL, O_REVISION },
	{ "lun", required_argument, NULL, O_LUN },
	{ "pad", no_argument, NULL, O_PAD },
	{ "buffer", required_argument, NULL, O_BUFFER },
	{ "buffers", required_argument, NULL, O_BUFFERS },
	{ "io", required_argument, NULL, O_IO },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ "fw-state", required_argument, NULL, O_FW_STATE },
	{ "fw-pubkey", required_argument, NULL, O_FW_PUBKEY },
	{ "fw-slot", required_argument, NULL, O_FW_SLOT },
	{ "fw-reboot", required_argument, NULL, O_FW_REBOOT },
	{ "control-lun", no_argument, NULL, O_CONTROL_LUN },
	{ "vendor-interface", no_argument, NULL, O_VENDOR_INTERFACE },
	{ "file-door", no_argument, NULL, O_FILE_DOOR },
	{ NULL, 0, NULL, 0 },
};

static bool fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return false;
}

bool gadget_parse_hex16(const char *s, uint16_t *out)
{
	uint32_t v = 0;
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		if (n >= 4)
			return false;
		v = v << 4 | d;
	}
	if (n == 0)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* One "key" or "key=value" option of a --lun spec. */
static bool lun_option(char *opt, struct lun_spec *out, char *err, size_t err_len)
{
	char *eq = strchr(opt, '=');
	uint64_t v;

	if (eq == NULL) {
		if (strcmp(opt, "ro") == 0)
			out->read_only = true;
		else if (strcmp(opt, "removable") == 0)
			out->removable = true;
		else if (strcmp(opt, "direct") == 0)
			out->direct = true;
		else
			return fail(err, err_len, "--lun %s: unknown option '%s'", out->path, opt);
		return true;
	}
	*eq = '\0';
	if (strcmp(opt, "bs") == 0) {
		if (!parse_size(eq + 1, &v) || (v != 512 && v != 4096))
			return fail(err, err_len, "--lun %s: bs must be 512 or 4096, not '%s'",
				    out->path, eq + 1);
		out->block_size = (uint16_t)v;
	} else if (strcmp(opt, "size") == 0) {
		if (!parse_size(eq + 1, &v) || v == 0)
			return fail(err, err_len, "--lun %s: bad size '%s'", out->path, eq + 1);
		out->create_size = v;
	} else {
		return fail(err, err_len, "--lun %s: unknown option '%s'", out->path, opt);
	}
	return true;
}

bool gadget_parse_lun(const char *arg, struct lun_spec *out, char *err, size_t err_len)
{
	char *spec = out->text, *next;

	memset(out, 0, sizeof(*out));
	if (strlen(arg) >= sizeof(out->text))
		return fail(err, err_len, "--lun: the argument is longer than %zu characters",
			    sizeof(out->text) - 1);
	strcpy(spec, arg);
	out->path = spec;
	out->block_size = 512;
	next = strchr(spec, ',');
	if (next != NULL)
		*next++ = '\0';
	if (spec[0] == '\0')
		return fail(err, err_len, "--lun: no file name");
	while (next != NULL) {
		char *opt = next;

		next = strchr(opt, ',');
		if (next != NULL)
			*next++ = '\0';
		if (!lun_option(opt, out, err, err_len))
			return false;
	}
	if (out->create_size % out->block_size != 0)
		return fail(err, err_len, "--lun %s: size= is not a multiple of the block size %u",
			    out->path, (unsigned)out->block_size);
	return true;
}

/* A string option with a length limit (0: USB string descriptors' 126). */
static bool set_string(const char **dst, const char *arg, const char *opt, size_t max,
		       char *err, size_t err_len)
{
	if (strlen(arg) > max)
		return fail(err, err_len, "--%s: at most %zu characters, '%s' has %zu", opt, max,
			    arg, strlen(arg));
	*dst = arg;
	return true;
}

static void set_defaults(struct gadget_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->name = GADGET_DEFAULT_NAME;
	o->vid = GADGET_DEFAULT_VID;
	o->pid = GADGET_DEFAULT_PID;
	o->manufacturer = "usbmsc";
	o->product_string = "usbmsc gadget";
	o->serial = "USBMSC000001";
	o->vendor = "usbmsc";
	o->product = "Gadget Disk";
	o->revision = "0.1";
	o->buffer = GADGET_DEFAULT_BUFFER;
	o->buffers = GADGET_DEFAULT_BUFFERS;
	o->io = GADGET_IO_SYNC;
	o->fw_slot = FWHOST_SLOT_DEFAULT;
}

static bool name_ok(const char *s)
{
	if (s[0] == '\0' || strlen(s) > 64)
		return false;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool set_buffer(struct gadget_opts *o, const char *arg, char *err, size_t err_len)
{
	uint64_t v;

	if (!parse_size(arg, &v) || v < GADGET_MIN_BUFFER || v > GADGET_MAX_BUFFER || v % 4096 != 0)
		return fail(err, err_len,
			    "--buffer: '%s' is not a multiple of 4k between 4k and 1m", arg);
	o->buffer = (uint32_t)v;
	return true;
}

static bool set_buffers(struct gadget_opts *o, const char *arg, char *err, size_t err_len)
{
	uint64_t v;

	if (!parse_size(arg, &v) || v == 0 || v > USBMSC_TARGET_MAX_BUFS || (v & (v - 1)) != 0)
		return fail(err, err_len, "--buffers: '%s' is not 1, 2, 4, 8 or 16", arg);
	o->buffers = (uint8_t)v;
	return true;
}

static bool set_io(struct gadget_opts *o, const char *arg, char *err, size_t err_len)
{
	if (strcmp(arg, "sync") == 0)
		o->io = GADGET_IO_SYNC;
	else if (strcmp(arg, "thread") == 0)
		o->io = GADGET_IO_THREAD;
	else
		return fail(err, err_len, "--io: '%s' is not sync or thread", arg);
	return true;
}

static bool set_fw_slot(struct gadget_opts *o, const char *arg, char *err, size_t err_len)
{
	uint64_t v;

	if (!parse_size(arg, &v) || v < FWHOST_SLOT_MIN || v > FWHOST_SLOT_MAX ||
	    v % FWHOST_SECTOR != 0)
		return fail(err, err_len,
			    "--fw-slot: '%s' is not a multiple of 4k between 64k and 512m", arg);
	o->fw_slot = (uint32_t)v;
	o->fw_slot_set = true;
	return true;
}

static bool set_fw_reboot(struct gadget_opts *o, const char *arg, char *err, size_t err_len)
{
	if (strcmp(arg, "stay") != 0 && strcmp(arg, "disconnect") != 0 &&
	    strcmp(arg, "before-csw") != 0)
		return fail(err, err_len, "--fw-reboot: '%s' is not disconnect, before-csw or stay",
			    arg);
	o->fw_reboot_stay = strcmp(arg, "stay") == 0;
	o->fw_reboot_no_csw = strcmp(arg, "before-csw") == 0;
	o->fw_reboot_set = true;
	return true;
}

static bool set_path(const char **dst, const char *arg, const char *opt, char *err,
		     size_t err_len)
{
	if (arg[0] == '\0')
		return fail(err, err_len, "--%s: empty file name", opt);
	*dst = arg;
	return true;
}

/* Options that only make sense together. */
static bool check_combinations(const struct gadget_opts *o, char *err, size_t err_len)
{
	if (o->fw_state == NULL && (o->fw_pubkey != NULL || o->fw_slot_set || o->fw_reboot_set))
		return fail(err, err_len, "--%s needs --fw-state",
			    o->fw_pubkey != NULL ? "fw-pubkey" : o->fw_slot_set ? "fw-slot"
			    : "fw-reboot");
	if (o->file_door && o->fw_state == NULL)
		return fail(err, err_len, "--file-door needs --fw-state (the firmware it updates)");
	if (o->lun_count + o->control_lun + o->file_door > USBMSC_TARGET_MAX_LUNS)
		return fail(err, err_len, "%s: at most %u --lun beside %s",
			    !o->file_door ? "--control-lun" : !o->control_lun ? "--file-door"
			    : "--control-lun and --file-door",
			    USBMSC_TARGET_MAX_LUNS - o->control_lun - o->file_door,
			    o->control_lun && o->file_door ? "them" : "it");
	return true;
}

/* Apply one option; false with err set on a bad value. */
static bool apply(struct gadget_opts *o, int c, char *arg, char *err, size_t err_len)
{
	switch (c) {
	case O_UDC: o->udc = arg; return true;
	case O_NAME:
		if (!name_ok(arg))
			return fail(err, err_len,
				    "--name: '%s' must be 1..64 letters, digits, '_' or '-'", arg);
		o->name = arg;
		return true;
	case O_VID:
	case O_PID:
		if (!gadget_parse_hex16(arg, c == O_VID ? &o->vid : &o->pid))
			return fail(err, err_len, "--%s: '%s' is not a 16-bit hex number",
				    c == O_VID ? "vid" : "pid", arg);
		return true;
	case O_MANUFACTURER: return set_string(&o->manufacturer, arg, "manufacturer", 126, err, err_len);
	case O_PRODUCT_STRING: return set_string(&o->product_string, arg, "product-string", 126, err, err_len);
	case O_SERIAL: return set_string(&o->serial, arg, "serial", 126, err, err_len);
	case O_VENDOR: return set_string(&o->vendor, arg, "vendor", 8, err, err_len);
	case O_PRODUCT: return set_string(&o->product, arg, "product", 16, err, err_len);
	case O_REVISION: return set_string(&o->revision, arg, "revision", 4, err, err_len);
	case O_LUN:
		if (o->lun_count == USBMSC_TARGET_MAX_LUNS)
			return fail(err, err_len, "--lun: at most %u logical units",
				    USBMSC_TARGET_MAX_LUNS);
		return gadget_parse_lun(arg, &o->luns[o->lun_count++], err, err_len);
	case O_PAD: o->pad = true; return true;
	case O_BUFFER: return set_buffer(o, arg, err, err_len);
	case O_BUFFERS: return set_buffers(o, arg, err, err_len);
	case O_IO: return set_io(o, arg, err, err_len);
	case O_FW_STATE: return set_path(&o->fw_state, arg, "fw-state", err, err_len);
	case O_FW_PUBKEY: return set_path(&o->fw_pubkey, arg, "fw-pubkey", err, err_len);
	case O_FW_SLOT: return set_fw_slot(o, arg, err, err_len);
	case O_FW_REBOOT: return set_fw_reboot(o, arg, err, err_len);
	case O_CONTROL_LUN: o->control_lun = true; return true;
	case O_VENDOR_INTERFACE: o->vendor_interface = true; return true;
	case O_FILE_DOOR: o->file_door = true; return true;
	case 'v': o->verbose++; return true;
	default: return fail(err, err_len, "unknown option (see --help)");
	}
}

enum gadget_parse_result gadget_parse_args(int argc, char **argv, struct gadget_opts *opts,
					   char *err, size_t err_len)
{
	int c;

	set_defaults(opts);
	err[0] = '\0';
	optind = 0;  /* GNU getopt: start over (the tests parse several times) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		if (c == 'h')
			return GADGET_PARSE_HELP;
		if (c == O_VERSION)
			return GADGET_PARSE_VERSION;
		if (c == '?' || c == ':') {
			fail(err, err_len, "'%s': unknown option, or its value is missing",
			     argv[optind - 1]);
			return GADGET_PARSE_ERROR;
		}
		if (!apply(opts, c, optarg, err, err_len))
			return GADGET_PARSE_ERROR;
	}
	if (optind < argc) {
		fail(err, err_len, "unexpected argument '%s'", argv[optind]);
		return GADGET_PARSE_ERROR;
	}
	if (opts->lun_count == 0) {
		fail(err, err_len, "no --lun given: at least one logical unit is needed");
		return GADGET_PARSE_ERROR;
	}
	if (!check_combinations(opts, err, err_len))
		return GADGET_PARSE_ERROR;
	return GADGET_PARSE_RUN;
}
