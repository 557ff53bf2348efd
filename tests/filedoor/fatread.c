/* A small FAT16 reader for the file door's tests: see fatread.h. */
#include "fatread.h"

#include <stdio.h>
#include <string.h>

#include "usbmsc/byteorder.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool bad(const char *what)
{
	fprintf(stderr, "fatread: %s\n", what);
	return false;
}

static void trim(char *s, const uint8_t *p, size_t n)
{
	memcpy(s, p, n);
	s[n] = '\0';
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

bool fat_open(struct fatvol *v, fat_read_fn rd, void *ctx)
{
	uint8_t s[512];
	uint32_t root_entries, reserved, root_sectors;

	memset(v, 0, sizeof(*v));
	v->rd = rd;
	v->ctx = ctx;
	if (!rd(ctx, 0, s))
		return bad("cannot read sector 0");
	if (s[510] != 0x55 || s[511] != 0xAA)
		return bad("no MBR signature");
	if (s[446 + 4] != 0x0E && s[446 + 4] != 0x06)
		return bad("partition 1 is not FAT16");
	v->part = usbmsc_get_le32(s + 446 + 8);
	v->sectors = usbmsc_get_le32(s + 446 + 12);
	if (!rd(ctx, v->part, s))
		return bad("cannot read the boot sector");
	if (s[0] != 0xEB || s[510] != 0x55 || s[511] != 0xAA)
		return bad("no boot sector signature");
	if (le16(s + 11) != 512 || s[16] != 2 || s[38] != 0x29)
		return bad("not 512-byte sectors, 2 FATs, extended boot signature");
	if (memcmp(s + 54, "FAT16   ", 8) != 0)
		return bad("file system type is not FAT16");
	if ((le16(s + 19) != 0 ? le16(s + 19) : usbmsc_get_le32(s + 32)) != v->sectors)
		return bad("boot sector and MBR disagree on the size");
	if (usbmsc_get_le32(s + 28) != v->part)
		return bad("hidden sectors are not the partition's start");
	v->spc = s[13];
	reserved = le16(s + 14);
	root_entries = le16(s + 17);
	v->fat_sectors = le16(s + 22);
	root_sectors = root_entries * 32u / 512u;
	v->fat = v->part + reserved;
	v->root = v->fat + 2u * v->fat_sectors;
	v->data = v->root + root_sectors;
	v->clusters = (v->sectors - reserved - 2u * v->fat_sectors - root_sectors) / v->spc;
	if (v->clusters < 4085 || v->clusters > 65524)
		return bad("the cluster count is not FAT16's");
	if (v->fat_sectors * 256u < v->clusters + 2u)
		return bad("the FAT is too small for the clusters");
	trim(v->label, s + 43, 11);
	v->volume_id = usbmsc_get_le32(s + 39);
	return true;
}

size_t fat_list(struct fatvol *v, struct fatfile *out, size_t max)
{
	uint8_t s[512];
	size_t n = 0;

	for (uint32_t sec = v->root; sec < v->data && n < max; sec++) {
		if (!v->rd(v->ctx, sec, s))
			return n;
		for (uint32_t e = 0; e < 512 && n < max; e += 32) {
			if (s[e] == 0)
				return n;
			if (s[e] == 0xE5)
				continue;
			memcpy(out[n].name, s + e, 11);
			out[n].name[11] = '\0';
			out[n].attr = s[e + 11];
			out[n].cluster = le16(s + e + 26);
			out[n].size = usbmsc_get_le32(s + e + 28);
			n++;
		}
	}
	return n;
}

void fat_root_label(struct fatvol *v, char label[12])
{
	struct fatfile f[16];
	size_t n = fat_list(v, f, 16);

	label[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (f[i].attr == 0x08)
			trim(label, (const uint8_t *)f[i].name, 11);
	}
}

/* The FAT entry of cluster c. */
static uint32_t next_cluster(struct fatvol *v, uint32_t c)
{
	uint8_t s[512];

	if (!v->rd(v->ctx, v->fat + c / 256u, s))
		return 0;
	return le16(s + 2u * (c % 256u));
}

long fat_read(struct fatvol *v, const char *name11, uint8_t *out, size_t max)
{
	struct fatfile f[16];
	size_t n = fat_list(v, f, 16), got = 0;
	uint8_t s[512];

	for (size_t i = 0; i < n; i++) {
		uint32_t c = f[i].cluster;

		if (memcmp(f[i].name, name11, 11) != 0 || (f[i].attr & 0x18))
			continue;
		while (got < f[i].size && got < max) {
			if (c < 2 || c >= v->clusters + 2u)
				return -1;
			for (uint32_t k = 0; k < v->spc && got < f[i].size && got < max; k++) {
				size_t take = f[i].size - got < 512 ? f[i].size - got : 512;

				if (take > max - got)
					take = max - got;
				if (!v->rd(v->ctx, v->data + (c - 2u) * v->spc + k, s))
					return -1;
				memcpy(out + got, s, take);
				got += take;
			}
			if (got < f[i].size)
				c = next_cluster(v, c);
		}
		return (long)got;
	}
	return -1;
}
