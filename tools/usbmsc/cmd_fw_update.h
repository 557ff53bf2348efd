/* fw info | update: the device's firmware state, and a firmware update.
 * cmd_fw_image.c reads the command line of every fw subcommand and calls
 * these with what it found. */
#ifndef USBMSC_CLI_CMD_FW_UPDATE_H
#define USBMSC_CLI_CMD_FW_UPDATE_H

#include <stdbool.h>

#include "cli.h"

struct fw_update_args {
	const char *image;
	const char *key;          /* --key PUBLIC */
	const char *mode;         /* --mode auto|5|7|e */
	const char *chunk;        /* --chunk BYTES */
	const char *wait;         /* --wait SECONDS */
	bool no_activate, dry_run, no_host_checks, allow_reinstall;
};

int cli_fw_info(struct cli *c);
int cli_fw_update(struct cli *c, const struct fw_update_args *a);

#endif
