/* A small FAT16 reader for the file door's tests: the volume through a
 * sector-reading callback (the door LUN, in the unit tests and through
 * the simulator), checked as it is read: MBR, boot sector, directory. */
#ifndef FATREAD_H
#define FATREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read one 512-byte sector; false on an error. */
typedef bool (*fat_read_fn)(void *ctx, uint32_t lba, uint8_t *buf);

struct fatvol {
	fat_read_fn rd;
	void *ctx;
	uint32_t part;          /* the partition's first sector */
	uint32_t sectors;       /* the partition's sectors */
	uint32_t fat, fat_sectors, root, data, clusters;
	uint32_t spc;           /* sectors per cluster */
	char label[12];         /* the boot sector's, trailing spaces cut */
	uint32_t volume_id;
};

struct fatfile {
	char name[12];          /* "INFO_UF2TXT" */
	uint8_t attr;
	uint32_t cluster, size;
};

/* MBR, then the partition's boot sector: false (with a message on stderr)
 * when anything is not as a FAT16 volume has it. */
bool fat_open(struct fatvol *v, fat_read_fn rd, void *ctx);
/* The root directory's entries (the label entry included), up to max;
 * returns the count. */
size_t fat_list(struct fatvol *v, struct fatfile *out, size_t max);
/* The root directory's label entry, or "" when none. */
void fat_root_label(struct fatvol *v, char label[12]);
/* A file of the root directory by its 11-character name, its whole
 * chain followed: the bytes read (at most max), or -1. */
long fat_read(struct fatvol *v, const char *name11, uint8_t *out, size_t max);

#endif
