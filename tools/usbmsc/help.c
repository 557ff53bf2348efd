/* --help, help COMMAND, --version, as text or with --json as one JSON
 * document. The command list and the exit statuses come from the command
 * table and status.h, so they cannot drift. */
#include "cli.h"

#include "usbmsc_config.h"

static const struct {
	int status;
	const char *text;
} exit_statuses[] = {
	{ USBMSC_OK, "good" },
	{ USBMSC_E_USAGE, "usage or syntax error" },
	{ USBMSC_E_NOT_READY, "NOT READY" },
	{ USBMSC_E_MEDIUM, "MEDIUM ERROR or HARDWARE ERROR" },
	{ USBMSC_E_ILLEGAL_REQUEST, "ILLEGAL REQUEST (unsupported command, LBA out of range...)" },
	{ USBMSC_E_UNIT_ATTENTION, "UNIT ATTENTION" },
	{ USBMSC_E_DATA_PROTECT, "DATA PROTECT (write protected)" },
	{ USBMSC_E_ABORTED, "ABORTED COMMAND" },
	{ USBMSC_E_FILE, "file or image error (unreadable, wrong size, bad signature)" },
	{ USBMSC_E_NO_DEVICE, "no such device, or it went away" },
	{ USBMSC_E_BUSY, "device busy (owned by another driver or program, mounted)" },
	{ USBMSC_E_ACCESS, "permission denied" },
	{ USBMSC_E_TIMEOUT, "time-out" },
	{ USBMSC_E_TRANSPORT, "transport or phase error" },
	{ USBMSC_E_OTHER, "other error" },
	{ USBMSC_E_INTERRUPTED, "interrupted by a signal (SIGINT, SIGTERM, SIGHUP)" },
};

#if USBMSC_HAVE_LIBUSB
#define LIBUSB_NOTE "builds with libusb"
#else
#define LIBUSB_NOTE "builds with libusb; not this one"
#endif

static void usage_text(FILE *f)
{
	fputs("usage: usbmsc [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Send standard and vendor SCSI commands to USB mass-storage devices.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < cli_command_count; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fputs("\n"
	      "Global options (also accepted after the command name):\n"
	      "  -d, --device URI     the device (default: $USBMSC_DEVICE)\n"
	      "  --json               print exactly one JSON document on stdout\n"
	      "  -v                   trace on stderr: -v notes, CDBs and sense;\n"
	      "                       -vv adds CBW/CSW dumps; -vvv adds data dumps\n"
	      "  --timeout SECONDS    time-out per command (default 10)\n"
	      "  --lun N              logical unit (default 0)\n"
	      "  --unmount            usb:, auto: unmount the device's file systems first\n"
	      "  -h, --help           this text; 'usbmsc COMMAND --help' for a command\n"
	      "  --version            print the version\n"
	      "\n"
	      "Device URIs:\n"
	      "  sim:PATH[?OPTIONS]       the virtual device on disk image PATH (created if\n"
	      "                           missing, 64 MiB); OPTIONS key=value joined by '&':\n"
	      "                           size=, bs=, ro=1, fault=KIND@N, framing=vendor,\n"
	      "                           control-lun=1 (see usbmsc(1))\n"
	      "  /dev/sgN, /dev/sdX       Linux SG_IO pass-through (the file system stays mounted)\n"
	      "  \\\\.\\PhysicalDriveN, X:   Windows SCSI pass-through (Windows builds)\n"
	      "  usb:VID:PID[:SERIAL]     raw Bulk-Only Transport through libusb\n"
	      "  usb:BUS-PORT[.PORT...]   the same, by USB port\n"
	      "  usbv:VID:PID[:SERIAL]    the device's vendor interface through libusb, beside\n"
	      "                           the kernel's driver (the file system stays mounted)\n"
	      "  usbv:BUS-PORT[.PORT...]  the same, by USB port\n"
	      "  auto:VID:PID[:SERIAL]    the best door into that device: its vendor interface,\n"
	      "                           its control LUN, SG_IO on its disk, raw Bulk-Only\n"
	      "                           Transport, its file door, in that order (-v explains)\n"
	      "  vol:MOUNTPOINT           a device's file door, its volume as the system\n"
	      "                           mounted it: fw info and fw update, by file copy\n"
	      "  (usb:, usbv: and auto: on " LIBUSB_NOTE ")\n"
	      "\n"
	      "Exit status:\n",
	      f);
	for (size_t i = 0; i < sizeof exit_statuses / sizeof exit_statuses[0]; i++)
		fprintf(f, "  %3d  %s\n", exit_statuses[i].status, exit_statuses[i].text);
	fputs("\n"
	      "15, 20, 21 and 22 mean other things than in sg3_utils: see 'man usbmsc'.\n"
	      "\n"
	      "Examples:\n"
	      "  usbmsc -d sim:/tmp/disk.img inquiry\n"
	      "  usbmsc -d /dev/sg1 --json capacity\n"
	      "  usbmsc -d /dev/sg1 raw 12 00 00 00 24 00 --in 36\n"
	      "\n"
	      "'usbmsc help COMMAND' shows a command's options and examples.\n",
	      f);
}

static void usage_json(struct json *j)
{
	json_object_begin(j, NULL);
	json_string(j, "usage", "usbmsc [GLOBAL OPTIONS] COMMAND [ARGS]");
	json_string(j, "version", USBMSC_VERSION);
	json_array_begin(j, "commands");
	for (size_t i = 0; i < cli_command_count; i++) {
		json_object_begin(j, NULL);
		json_string(j, "name", cli_commands[i]->name);
		json_string(j, "args", cli_commands[i]->args);
		json_string(j, "summary", cli_commands[i]->summary);
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "exit_statuses");
	for (size_t i = 0; i < sizeof exit_statuses / sizeof exit_statuses[0]; i++) {
		json_object_begin(j, NULL);
		json_int(j, "status", exit_statuses[i].status);
		json_string(j, "category", usbmsc_status_name(exit_statuses[i].status));
		json_string(j, "meaning", exit_statuses[i].text);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void cli_print_usage(struct cli *c)
{
	if (c->json)
		usage_json(&c->out);
	else
		usage_text(stdout);
}

void cli_print_command_help(struct cli *c, const struct cli_command *cmd)
{
	char usage[256];

	snprintf(usage, sizeof usage, "usbmsc [GLOBAL OPTIONS] %s%s%s", cmd->name,
		 cmd->args[0] ? " " : "", cmd->args);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "command", cmd->name);
		json_string(&c->out, "usage", usage);
		json_string(&c->out, "summary", cmd->summary);
		json_string(&c->out, "help", cmd->help);
		json_object_end(&c->out);
		return;
	}
	printf("usage: %s\n\n%s\n\n%s", usage, cmd->summary, cmd->help);
	fputs("\nGlobal options (-d URI, --json, -v, --timeout, --lun): see 'usbmsc --help'.\n", stdout);
}

void cli_print_version(struct cli *c)
{
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "version", USBMSC_VERSION);
		json_object_end(&c->out);
		return;
	}
	printf("usbmsc %s\n", USBMSC_VERSION);
}

static int run_help(struct cli *c)
{
	const struct cli_command *cmd;

	if (c->argc == 0) {
		cli_print_usage(c);
		return 0;
	}
	cmd = cli_find_command(c->argv[0]);
	if (!cmd)
		return cli_usage(c, "unknown command '%s'", c->argv[0]);
	cli_print_command_help(c, cmd);
	return 0;
}

const struct cli_command cli_cmd_help = {
	.name = "help",
	.args = "[COMMAND]",
	.summary = "show the help for usbmsc or for one command",
	.help = "Without COMMAND, the list of commands, global options, device URIs and exit\n"
		"statuses; with COMMAND, that command's arguments, options and examples\n"
		"(the same as 'usbmsc COMMAND --help').\n"
		"\n"
		"JSON: {\"usage\", \"version\", \"commands\" [{name, args, summary}],\n"
		"\"exit_statuses\" [{status, category, meaning}]}; with COMMAND {\"command\",\n"
		"\"usage\", \"summary\", \"help\"}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc help\n"
		"  usbmsc help raw\n"
		"  usbmsc --json help\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 1,
	.run = run_help,
};
