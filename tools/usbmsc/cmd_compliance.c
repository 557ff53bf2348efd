/* compliance: the Bulk-Only Transport compliance checks (usbmsc/compliance.h)
 * over the device's raw pipe, printed as a table or one JSON document.
 *
 * The command has an option of its own (--scratch-lba), so main.c hands it
 * every argument after its name (own_options) and this file reads them,
 * global options included.
 *
 * Exit status: 0 when every check passed; 99 when the suite ran and at
 * least one check failed; otherwise the category that kept it from running
 * (1 usage, e.g. an SG_IO node; 20 no device, or it went away; ...). */
#include "cli.h"
#include "compat.h"
#include "../../src/os/os_backend.h"
#include "own_opts.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "usbmsc/compliance.h"

#include "parse.h"

struct comp_args {
	bool scratch_set;
	uint64_t scratch_lba;
};

enum comp_opt_id { CO_SCRATCH = OWN_OPT_FIRST };

static const struct own_opt comp_opts[] = {
	{ "device", 'd', true, CLI_O_DEVICE, 0 },
	{ "json", 0, false, CLI_O_JSON, 0 },
	{ "timeout", 0, true, CLI_O_TIMEOUT, 0 },
	{ "lun", 0, true, CLI_O_LUN, 0 },
	{ "unmount", 0, false, CLI_O_UNMOUNT, 0 },
	{ "help", 'h', false, CLI_O_HELP, 0 },
	{ "scratch-lba", 0, true, CO_SCRATCH, 0 },
};

/* ---- the command line ---- */

static int apply(struct cli *c, struct comp_args *a, const struct own_opt *o, const char *v)
{
	switch (o->id) {
	case CO_SCRATCH:
		if (!parse_u64(v, &a->scratch_lba))
			return cli_usage(c, "--scratch-lba takes a block number, not '%s'", v);
		a->scratch_set = true;
		break;
	}
	return 0;
}

/* One argument that starts with '-'; *i moves past a separate value. */
static int parse_one(struct cli *c, struct comp_args *a, int *i)
{
	static const struct own_opts rules = {
		comp_opts, sizeof comp_opts / sizeof comp_opts[0], 0, NULL
	};
	const struct own_opt *o;
	const char *value;
	int st = own_opt_parse(c, &rules, 0, NULL, i, &o, &value);

	if (st || !o)
		return st;
	return apply(c, a, o, value);
}

static int parse_args(struct cli *c, struct comp_args *a)
{
	for (int i = 0; i < c->argc; i++) {
		const char *arg = c->argv[i];
		int st;

		if (arg[0] != '-' || arg[1] == '\0' || strcmp(arg, "--") == 0)
			return cli_usage(c, "compliance takes no arguments (from '%s' on)", arg);
		st = parse_one(c, a, &i);
		if (st)
			return st;
	}
	return 0;
}

/* ---- stopping: the first signal finishes the current check and restores
 * the scratch area; a second one interrupts the transfer in progress. ---- */

static volatile sig_atomic_t stop_flag;
static struct usbmsc_dev *volatile stop_dev;

static void on_stop(int sig)
{
	cli_note_stop_signal(sig);
	if (stop_flag && stop_dev)
		usbmsc_dev_interrupt(stop_dev);
	stop_flag = 1;
}

static void catch_stop(struct usbmsc_dev *dev)
{
	stop_flag = 0;
	stop_dev = dev;
	cli_compat_catch_stops(CLI_STOP_ALL, on_stop, false);
}

/* ---- output ---- */

/* The table fits an 80-column terminal: each check is its name and verdict
 * on one line, then what was expected and what was seen, wrapped. */
#define TABLE_WIDTH 80
#define TEXT_INDENT 4
#define LABEL_WIDTH 10 /* "expected: " */

static void print_wrapped(const char *label, const char *text)
{
	const size_t room = TABLE_WIDTH - TEXT_INDENT - LABEL_WIDTH;

	printf("%*s%-*s", TEXT_INDENT, "", LABEL_WIDTH, label);
	do {
		size_t n = strlen(text);
		if (n > room) {
			/* the last space that keeps the line in room, else a hard cut */
			n = room;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = room;
		}
		printf("%.*s\n", (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
		if (*text)
			printf("%*s", TEXT_INDENT + LABEL_WIDTH, "");
	} while (*text);
}

static void print_check(const struct usbmsc_check *k)
{
	const char *verdict = k->verdict == USBMSC_VERDICT_PASS ? "pass" : "FAIL";
	int name_width = TABLE_WIDTH - 2 - (int)strlen(verdict);

	printf("%-*s  %s\n", name_width, k->name, verdict);
	print_wrapped("expected:", k->expected);
	print_wrapped("seen:", k->seen);
}

static void print_table(const struct cli *c, const struct usbmsc_compliance_report *rep)
{
	char lun[64];

	snprintf(lun, sizeof lun, "%u (Get Max LUN %s%u)", rep->lun,
		 rep->max_lun_stalled ? "stalled: " : "", rep->max_lun);
	cli_kv("device", "%s (%s %s %s)", c->device, rep->vendor, rep->product, rep->revision);
	cli_kv("LUN", "%s", lun);
	if (rep->block_size)
		cli_kv("capacity", "%" PRIu64 " blocks of %u bytes", rep->blocks, rep->block_size);
	if (rep->scratch_saved)
		cli_kv("scratch area", "LBA %" PRIu64 "..%" PRIu64 " (%u blocks), %s", rep->scratch_lba,
		       rep->scratch_lba + rep->scratch_blocks - 1, rep->scratch_blocks,
		       rep->scratch_restored ? "saved and restored" : "NOT RESTORED");
	if (rep->port_resets)
		cli_kv("port resets", "%u (Reset Recovery did not bring the device back)",
		       rep->port_resets);
	putchar('\n');
	for (size_t i = 0; i < rep->count; i++)
		print_check(&rep->checks[i]);
	printf("\n%u passed, %u failed\n", rep->passed, rep->failed);
}

static void print_json(struct cli *c, const struct usbmsc_compliance_report *rep, int st,
		       const struct usbmsc_error *err)
{
	struct json *j = &c->out;

	json_object_begin(j, NULL);
	json_string(j, "device", c->device);
	json_string(j, "transport", usbmsc_dev_transport_name(c->dev));
	json_uint(j, "lun", rep->lun);
	json_string(j, "vendor", rep->vendor);
	json_string(j, "product", rep->product);
	json_string(j, "revision", rep->revision);
	json_uint(j, "max_lun", rep->max_lun);
	json_bool(j, "max_lun_stalled", rep->max_lun_stalled);
	json_uint(j, "block_size", rep->block_size);
	json_uint(j, "blocks", rep->blocks);
	json_object_begin(j, "scratch");
	json_uint(j, "lba", rep->scratch_lba);
	json_uint(j, "blocks", rep->scratch_blocks);
	json_bool(j, "saved", rep->scratch_saved);
	json_bool(j, "restored", rep->scratch_restored);
	json_object_end(j);
	json_uint(j, "port_resets", rep->port_resets);
	json_array_begin(j, "checks");
	for (size_t i = 0; i < rep->count; i++) {
		const struct usbmsc_check *k = &rep->checks[i];
		json_object_begin(j, NULL);
		json_string(j, "name", k->name);
		json_string(j, "expected", k->expected);
		json_string(j, "seen", k->seen);
		json_string(j, "verdict", usbmsc_verdict_name(k->verdict));
		json_string(j, "choice", k->choice[0] ? k->choice : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_uint(j, "passed", rep->passed);
	json_uint(j, "failed", rep->failed);
	if (st != USBMSC_OK) {
		json_object_begin(j, "error");
		json_int(j, "status", st);
		json_string(j, "category", usbmsc_status_name(st));
		json_string(j, "message", err->msg);
		json_object_end(j);
	}
	json_object_end(j);
}

/* ---- the command ---- */

static int run_compliance(struct cli *c)
{
	struct comp_args a = { 0 };
	struct usbmsc_compliance_report rep;
	struct usbmsc_compliance_opts opts;
	struct usbmsc_error err = { 0 };
	int st = parse_args(c, &a);

	if (st)
		return st;
	if (c->help) {
		cli_print_command_help(c, c->cmd);
		return 0;
	}
	if (c->device && usbmsc_os_backend.pt_claims(c->device))
		return cli_usage(c, "%s is a device node for SCSI pass-through: the compliance "
				 "checks need raw Bulk-Only Transport; use usb:VID:PID (it detaches "
				 "the kernel driver and reattaches it after) or sim:PATH", c->device);
	st = cli_open(c);
	if (st)
		return st;
	catch_stop(c->dev);
	memset(&opts, 0, sizeof opts);
	opts.lun = c->lun;
	opts.scratch_set = a.scratch_set;
	opts.scratch_lba = a.scratch_lba;
	opts.timeout_ms = c->timeout_ms;
	opts.trace = cli_trace_for(c);
	opts.stop = &stop_flag;
	st = usbmsc_compliance_run(c->dev, &opts, &rep, &err);
	/* The table; also for a run cut short (device gone, stop requested),
	 * not for one that could not start. */
	if (st == USBMSC_OK ||
	    (rep.scratch_saved && (st == USBMSC_E_NO_DEVICE || st == USBMSC_E_TRANSPORT))) {
		if (c->json)
			print_json(c, &rep, st, &err);
		else
			print_table(c, &rep);
	}
	usbmsc_compliance_report_free(&rep);
	if (st != USBMSC_OK)
		return cli_fail(c, st, "%s", err.msg[0] ? err.msg : usbmsc_status_name(st));
	return rep.failed ? USBMSC_E_OTHER : USBMSC_OK;
}

const struct cli_command cli_cmd_compliance = {
	.name = "compliance",
	.args = "[--scratch-lba LBA]",
	.summary = "Bulk-Only Transport compliance checks (usb:, sim:)",
	.help = "Run the USB mass-storage Bulk-Only Transport compliance checks against the\n"
		"device's raw pipe and print each check, 80 columns wide: its name and\n"
		"verdict, then what was expected and what was seen. The checks: the\n"
		"thirteen cases from READ(10), WRITE(10), TEST UNIT READY and INQUIRY with\n"
		"mismatched lengths and directions (where the spec allows alternatives,\n"
		"each passes and 'seen' says which the device chose); CBWs with a bad\n"
		"signature, 30 and 32 bytes (Bulk-In stalled, still after CLEAR_FEATURE\n"
		"alone, clean after Reset Recovery); CDB bytes past the CB length; Get Max\n"
		"LUN; malformed class requests; READ(12)/WRITE(12) of the whole blocks in\n"
		"64 KiB; READ CAPACITY(16).\n"
		"\n"
		"Needs raw Bulk-Only Transport: usb: (the kernel driver is detached for the\n"
		"run and reattached after) or sim:. SG_IO nodes are refused (exit 1).\n"
		"\n"
		"The write checks use a scratch area of 256 blocks, by default the last of\n"
		"the LUN. It is read first and written back at the end; blocks either side\n"
		"of every write are compared before and after it. A first Ctrl-C stops after\n"
		"the current check and restores the area; a second one aborts at once.\n"
		"\n"
		"Options:\n"
		"  --scratch-lba LBA    first block of the scratch area (default: the last\n"
		"                       256 blocks of the LUN)\n"
		"\n"
		"Exit status: 0 every check passed; 99 at least one failed; otherwise why the\n"
		"checks could not run (1 usage, 2 the LUN not ready, 20 no device or it went\n"
		"away, ...).\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d usb:1d6b:0104 compliance\n"
		"  usbmsc -d 'sim:/tmp/disk.img?pad=1' --json compliance\n"
		"  usbmsc -d usb:0781:5581 compliance --lun 1 --scratch-lba 2048\n",
	.own_options = true,
	.min_args = 0,
	.max_args = 1000,
	.run = run_compliance,
};
