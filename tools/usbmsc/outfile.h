/* Where a command's data goes with -o FILE (read, raw). A regular file, or
 * a new one, is written to a temporary file beside it that replaces it
 * only when the command succeeds: a failed or interrupted run leaves the
 * old file as it was. Standard output ("-"), a pipe or a device is written
 * as the data comes. A file that an open device holds as its image (a
 * sim: disk) is refused before anything is read. */
#ifndef USBMSC_CLI_OUTFILE_H
#define USBMSC_CLI_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../src/common/tmpfile.h"

struct cli;

struct outfile {
	const char *name;             /* for messages */
	FILE *f;                      /* stdout, a pipe or a device; NULL with tmp */
	struct usbmsc_tmpfile tmp;    /* a regular file's replacement; fd -1 when unused */
	char final[PATH_MAX];         /* what tmp replaces: the path, symlinks resolved */
	bool existed;                 /* final was there before */
};

/* path "-" is standard output. 0, or the error (printed). */
int outfile_open(struct cli *c, struct outfile *o, const char *path);
/* 0, or the error (printed; USBMSC_E_INTERRUPTED unprinted after a stop signal). */
int outfile_write(struct cli *c, struct outfile *o, const uint8_t *buf, size_t len);
/* Finish with the command's outcome st: the file takes its place when st
 * is 0 and is dropped otherwise. Returns st, or the failure to finish. */
int outfile_close(struct cli *c, struct outfile *o, int st);

#endif
