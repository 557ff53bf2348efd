/* fw cab: a cabinet for fwupd (cmd_fw_cab.c); cmd_fw_image.c reads the
 * command line of every fw subcommand and calls this with what it found. */
#ifndef USBMSC_CLI_CMD_FW_CAB_H
#define USBMSC_CLI_CMD_FW_CAB_H

#include "cli.h"

struct fw_cab_args {
	const char *image;     /* a signed image, or a UF2 file of one */
	const char *output;    /* -o FILE.cab */
	const char *route;     /* --route scsi|uf2 (default: from the file) */
	const char *key;       /* --key PUBLIC: check the image's signature too */
	const char *vendor, *product;  /* INQUIRY's, for an image that fits any */
	const char *id, *name, *summary, *date;  /* metainfo.xml */
};

int cli_fw_cab(struct cli *c, const struct fw_cab_args *a);

#endif
