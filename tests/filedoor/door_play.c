/* A file door device for the vol: tests: see door_play.h. */
#include "door_play.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fatread.h"
#include "usbmsc/byteorder.h"

#define SECTOR 512u
#define PER_WRITE 64u

bool door_play_open(struct door_play *p, const char *disk, const char *options, uint8_t lun)
{
	struct usbmsc_error err = { 0 };
	struct usbmsc_transport *t;

	memset(p, 0, sizeof *p);
	p->lun = lun;
	if (usbmsc_sim_create(disk, options, &p->sim, &err) != 0 ||
	    usbmsc_bot_transport_open(usbmsc_sim_pipe(p->sim), 1024 * 1024, &t, &err) != 0 ||
	    usbmsc_dev_from_transport(t, &p->dev, &err) != 0) {
		fprintf(stderr, "door_play: %s\n", err.msg);
		return false;
	}
	return true;
}

void door_play_close(struct door_play *p)
{
	usbmsc_close(p->dev);
	memset(p, 0, sizeof *p);
}

/* One READ(10) or WRITE(10) to the door; unit attentions (power on, new
 * firmware) are taken and the command sent again, as a host's driver
 * does. */
static bool io(struct door_play *p, bool write, uint32_t lba, uint32_t count, uint8_t *buf)
{
	uint8_t cdb[10] = { write ? 0x2A : 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct usbmsc_cmd c = { 0 };
	struct usbmsc_result r;
	int st = 0;

	usbmsc_put_be32(cdb + 2, lba);
	usbmsc_put_be16(cdb + 7, (uint16_t)count);
	c.cdb = cdb;
	c.cdb_len = 10;
	c.lun = p->lun;
	c.dir = write ? USBMSC_DIR_OUT : USBMSC_DIR_IN;
	c.data = buf;
	c.len = count * SECTOR;
	c.timeout_ms = 5000;
	for (int tries = 0; tries < 4; tries++) {
		st = usbmsc_exec(p->dev, &c, &r);
		if (st != USBMSC_E_UNIT_ATTENTION)
			break;
	}
	if (st)
		fprintf(stderr, "door_play: %s at %u: %s\n", write ? "WRITE" : "READ", lba,
			usbmsc_dev_errmsg(p->dev));
	return st == 0;
}

bool door_play_write_file(struct door_play *p, const char *file, uint32_t lba)
{
	uint8_t buf[PER_WRITE * SECTOR];
	FILE *f = fopen(file, "rb");
	size_t n;
	bool ok = f != NULL;

	while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		ok = n % SECTOR == 0 && io(p, true, lba, (uint32_t)(n / SECTOR), buf);
		lba += (uint32_t)(n / SECTOR);
	}
	if (f)
		fclose(f);
	return ok;
}

void door_play_idle(struct door_play *p, uint32_t ms)
{
	usbmsc_sim_idle(p->sim, ms);
}

static bool rd_sector(void *ctx, uint32_t lba, uint8_t *buf)
{
	return io(ctx, false, lba, 1, buf);
}

static bool put(const char *dir, const char *name, const uint8_t *data, long n)
{
	char path[600];
	FILE *f;
	bool ok;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return false;
	ok = fwrite(data, 1, (size_t)n, f) == (size_t)n;
	return fclose(f) == 0 && ok;
}

/* What was in dir goes: a new mount shows the door's files only. */
static void empty(const char *dir)
{
	char path[600];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

bool door_play_export(struct door_play *p, const char *dir)
{
	static const char *const files[][2] = {
		{ "INFO_UF2TXT", "INFO_UF2.TXT" }, { "INDEX   HTM", "INDEX.HTM" },
		{ "STATUS  TXT", "STATUS.TXT" }, { "CURRENT UF2", "CURRENT.UF2" },
	};
	static uint8_t data[16u * 1024u * 1024u * 2u + SECTOR];
	struct fatvol v;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return false;
	empty(dir);
	if (!fat_open(&v, rd_sector, p))
		return false;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		long n = fat_read(&v, files[i][0], data, sizeof data);

		if (n < 0 || !put(dir, files[i][1], data, n))
			return false;
	}
	return true;
}

bool door_play_file_whole(const char *file)
{
	uint8_t blk[SECTOR];
	struct stat st;
	FILE *f;
	size_t n;

	if (stat(file, &st) != 0 || st.st_size < (off_t)SECTOR)
		return false;
	f = fopen(file, "rb");
	if (!f)
		return false;
	n = fread(blk, 1, sizeof blk, f);
	fclose(f);
	return n == sizeof blk && (off_t)usbmsc_get_le32(blk + 24) * SECTOR == st.st_size;
}
