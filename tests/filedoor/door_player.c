/* The device behind a directory that stands in for a mounted file door
 * volume, for the usbmsc command's vol: tests (test_door_vol_cli.sh):
 *
 *   door_player export DISK OPTIONS LUN DIR
 *       the door's files into DIR (as the system mounts the volume)
 *   door_player serve DISK OPTIONS LUN DIR [NEWDIR]
 *       wait (up to 20 s) for DIR/FIRMWARE.UF2 to be whole, write it
 *       through the door LUN, let the quiet time pass, and put the door's
 *       files into DIR again, or into NEWDIR with DIR removed (the volume
 *       mounted again at another place)
 *
 * Exits 0 when done, 1 on an error (said on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "door_play.h"

#define DOOR_LBA 7000u
#define QUIET_MS 1500u

static bool wait_whole(const char *file)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	for (int i = 0; i < 400; i++) {
		if (door_play_file_whole(file))
			return true;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "door_player: %s was not written whole within 20 s\n", file);
	return false;
}

static bool serve(struct door_play *p, const char *dir, const char *newdir)
{
	char file[600];

	snprintf(file, sizeof file, "%s/FIRMWARE.UF2", dir);
	if (!wait_whole(file) || !door_play_write_file(p, file, DOOR_LBA))
		return false;
	door_play_idle(p, QUIET_MS);
	if (!newdir)
		return door_play_export(p, dir);
	/* The old mount point goes away; the volume comes back elsewhere. */
	snprintf(file, sizeof file, "rm -rf '%s'", dir);
	return system(file) == 0 && door_play_export(p, newdir);
}

int main(int argc, char **argv)
{
	struct door_play p;
	bool ok;

	if (argc < 6 || (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "serve") != 0)) {
		fprintf(stderr, "usage: door_player export|serve DISK OPTIONS LUN DIR [NEWDIR]\n");
		return 1;
	}
	if (!door_play_open(&p, argv[2], argv[3], (uint8_t)atoi(argv[4])))
		return 1;
	if (strcmp(argv[1], "export") == 0)
		ok = door_play_export(&p, argv[5]);
	else
		ok = serve(&p, argv[5], argc > 6 ? argv[6] : NULL);
	door_play_close(&p);
	return ok ? 0 : 1;
}
