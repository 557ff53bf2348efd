/* A file door device for the host's vol: tests: the virtual device with
 * file-door=1 (the real door code over its LUN), a directory standing in
 * for the volume the system would have mounted. The tests write the update
 * into the directory as a host writes it onto the volume; this helper
 * plays the device: it takes what was written through the door LUN, lets
 * the quiet time pass, and puts the door's files (read back with the test
 * FAT reader) into a directory, as a new mount of the volume shows them. */
#ifndef DOOR_PLAY_H
#define DOOR_PLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/initiator.h"
#include "usbmsc/sim.h"

struct door_play {
	struct usbmsc_sim *sim;
	struct usbmsc_dev *dev;
	uint8_t lun;           /* the door's LUN */
};

/* The virtual device on disk with options (file-door=1 among them), the
 * door at LUN lun. */
bool door_play_open(struct door_play *p, const char *disk, const char *options, uint8_t lun);
/* Power off: its remaining quiet time passes first. */
void door_play_close(struct door_play *p);
/* The 512-byte sectors of file through the door LUN from lba on, as the
 * system writes a file's data; false when the file is not whole sectors. */
bool door_play_write_file(struct door_play *p, const char *file, uint32_t lba);
/* ms of quiet (the door activates a checked image once its time is over). */
void door_play_idle(struct door_play *p, uint32_t ms);
/* INFO_UF2.TXT, INDEX.HTM, STATUS.TXT and CURRENT.UF2 read back from the
 * door LUN into dir (made when missing; other files in it are removed, as
 * a new mount no longer shows what was copied onto the door). */
bool door_play_export(struct door_play *p, const char *dir);
/* The file the host writes there is whole: as many 512-byte blocks as
 * its first block's block count says. */
bool door_play_file_whole(const char *file);

#endif
