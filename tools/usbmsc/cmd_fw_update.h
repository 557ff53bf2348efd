/* fw info | update | activate | confirm: the device's firmware state, a
 * firmware update, and its last steps alone. cmd_fw_image.c reads the
 * command line of every fw subcommand and calls these with what it found. */
#ifndef USBMSC_CLI_CMD_FW_UPDATE_H
#define USBMSC_CLI_CMD_FW_UPDATE_H

#include <stdbool.h>

#include "cli.h"

enum fw_verb {
	FW_VERB_UPDATE,           /* fw update IMAGE */
	FW_VERB_ACTIVATE,         /* fw activate: the staged image */
	FW_VERB_CONFIRM           /* fw confirm: the trial image */
};

struct fw_update_args {
	const char *image;        /* NULL but for update */
	const char *key;          /* --key PUBLIC */
	const char *mode;         /* --mode auto|5|7|e */
	const char *chunk;        /* --chunk BYTES */
	const char *wait;         /* --wait SECONDS */
	bool no_activate, dry_run, no_host_checks, allow_reinstall;
};

int cli_fw_info(struct cli *c);
/* fw info over vol:MOUNTPOINT (cmd_fw_vol.c): what the door's files say. */
int cli_fw_info_volume(struct cli *c, const char *path);
int cli_fw_update(struct cli *c, enum fw_verb verb, const struct fw_update_args *a);
/* For struct cli's json_error, json_error_ctx the struct fw_update_args:
 * with --json a failure before the update starts (a usage error, no
 * device) is the "done" event too. */
void cli_fw_update_json_error(struct cli *c, int status, const char *msg);

#endif
