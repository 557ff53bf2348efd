/* The file door's volume, made up on the fly: every sector is computed
 * from the constants below when the host reads it; nothing is stored.
 *
 * 128 MiB, as the RP2040 boot ROM's (macOS delays metadata writes on FAT
 * volumes of 8 MiB or less; CURRENT.UF2 and a new UF2 file of a 16 MiB
 * slot, twice their images each, fit with room to spare):
 *   0          MBR: one FAT16 (LBA) partition, sectors 1 .. 2^18
 *   1          boot sector: 1 reserved sector, 2 FATs, 512 root entries,
 *              clusters of 8 sectors (4 KiB): 32731 of them
 *   2, 130     the two FATs, 128 sectors each (the same sectors twice)
 *   258        the root directory, 32 sectors: the label and four files
 *   290        cluster 2, the first of the data area
 * Files, all read-only, each in clusters of its own:
 *   cluster 2  INFO_UF2.TXT    cluster 3   INDEX.HTM
 *   cluster 4  STATUS.TXT      cluster 5.. CURRENT.UF2, the running image
 * Writes go to door_uf2.c, sector by sector. */
#include "door_internal.h"

#include <string.h>

#include "usbmsc/uf2.h"

#define SECTOR 512u
#define SECTOR_SHIFT 9u
#define CLUSTER_SHIFT 3u          /* 8 sectors: 4 KiB */
#define FAT_LBA 2u
#define FAT_SECTORS 128u          /* 2^15 entries of 2 bytes */
#define ROOT_LBA (FAT_LBA + 2u * FAT_SECTORS)
#define ROOT_SECTORS 32u          /* 512 entries of 32 bytes */
#define DATA_LBA (ROOT_LBA + ROOT_SECTORS)
#define CUR_CLUSTER 5u            /* CURRENT.UF2's first cluster */
#define TEXT_FILES 3u             /* INFO_UF2.TXT, INDEX.HTM, STATUS.TXT: clusters 2..4 */
#define DIR_ENTRY 32u
#define LABEL_LEN 11u
#define ATTR_READ_ONLY 0x01u
#define ATTR_LABEL 0x08u
#define FAT_DATE ((44u << 9) | (1u << 5) | 1u)  /* 2024-01-01 */

/* The MBR's partition entry at 446: not bootable, CHS unused, FAT16 (LBA). */
static const uint8_t mbr_entry[16] = { 0x00, 0x00, 0x02, 0x00, 0x0E, 0xFE, 0xFF, 0xFF,
				       0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00 };

/* The boot sector's first 39 bytes; the volume ID goes at 39, the label at
 * 43, "FAT16   " at 54. */
static const uint8_t boot_bpb[39] = {
	0xEB, 0x3C, 0x90, 'U', 'S', 'B', 'M', 'S', 'C', ' ', ' ',
	0x00, 0x02,             /* 11: bytes per sector */
	1u << CLUSTER_SHIFT,    /* 13: sectors per cluster */
	0x01, 0x00,             /* 14: reserved sectors */
	0x02,                   /* 16: FATs */
	0x00, 0x02,             /* 17: root entries */
	0x00, 0x00,             /* 19: sectors, 16 bits: see 32 */
	0xF8,                   /* 21: media: fixed disk */
	FAT_SECTORS, 0x00,      /* 22: sectors per FAT */
	0x3F, 0x00, 0xFF, 0x00, /* 24: sectors per track, heads */
	0x01, 0x00, 0x00, 0x00, /* 28: hidden sectors: the MBR */
	0x00, 0x00, 0x04, 0x00, /* 32: sectors */
	0x80, 0x00, 0x29,       /* 36: drive, reserved, extended boot signature */
};

/* The label (filled in), then the files. */
static const char dir_names[] = "           INFO_UF2TXTINDEX   HTMSTATUS  TXTCURRENT UF2";

static void put_le(uint8_t *p, uint32_t v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ---- text ------------------------------------------------------------------ */

void door_fmt(struct door_txt *t, const char *f, const char *const *a)
{
	const char *s = "";
	char c;

	for (;;) {
		if (*s != '\0') {
			c = *s++;
		} else if ((c = *f++) == '\0') {
			return;
		} else if ((uint8_t)c < 4u) {
			s = a[c - 1];
			continue;
		}
		if (t->n < SECTOR) {
			if (t->p != NULL)
				t->p[t->n] = (uint8_t)c;
			t->n++;
		}
	}
}

char *door_num(char s[11], uint32_t v)
{
	uint32_t i = 10;

	s[i] = '\0';
	do {
		s[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	return s + i;
}

/* The text files: 0 INFO_UF2.TXT, 1 INDEX.HTM, 2 STATUS.TXT. */
static uint32_t file_text(const struct usbmsc_door *d, uint32_t file, uint8_t *p)
{
	const struct usbmsc_door_config *c = d->cfg;
	const char *a[3] = { c->info, c->index_htm, c->fw->running_version };
	struct door_txt t = { p, 0 };

	if (file == 0) {
		door_fmt(&t, "\1Firmware: \3\n", a);
	} else if (file == 1) {
		door_fmt(&t, "\2", a);
	} else {
		/* Of a fixed length: a host that caches the file's size still
		 * reads a longer line whole. */
		door_status(d, &t);
		if (p != NULL) {
			memset(p + t.n - 1u, ' ', USBMSC_DOOR_STATUS_LEN - t.n);
			p[USBMSC_DOOR_STATUS_LEN - 1u] = '\n';
		}
		t.n = USBMSC_DOOR_STATUS_LEN;
	}
	return t.n;
}

/* ---- the sectors ---------------------------------------------------------------- */

/* CURRENT.UF2: one block (sector) per 256 bytes of the running image. */
static uint32_t cur_blocks(const struct usbmsc_door *d)
{
	const struct usbmsc_fw_engine *e = d->cfg->fw;

	if (e->running == USBMSC_FW_NO_SLOT)
		return 0;
	return usbmsc_uf2_blocks(e->rec.slot[e->running].length);
}

static void put_label(const struct usbmsc_door *d, uint8_t *p)
{
	const char *l = d->cfg->label;

	for (uint32_t i = 0; i < LABEL_LEN && l[i] != '\0'; i++)
		p[i] = (uint8_t)l[i];
}

/* Sectors 0 and 1: the MBR and the boot sector. */
static void head_sector(const struct usbmsc_door *d, uint32_t lba, uint8_t *p)
{
	if (lba == 0) {
		memcpy(p + 446, mbr_entry, sizeof(mbr_entry));
	} else {
		memcpy(p, boot_bpb, sizeof(boot_bpb));
		put_le(p + 39, d->cfg->volume_id, 4);
		memset(p + 43, ' ', LABEL_LEN + 8u);
		put_label(d, p + 43);
		memcpy(p + 54, "FAT16", 5);
	}
	p[510] = 0x55;
	p[511] = 0xAA;
}

/* FAT sector k: 0xFFF8 and 0xFFFF for entries 0 and 1, one cluster for
 * each text file, CURRENT.UF2 as one chain, the rest free. */
static void fat_sector(uint32_t blocks, uint32_t k, uint8_t *p)
{
	uint32_t last = CUR_CLUSTER - 1u + ((blocks + 7u) >> CLUSTER_SHIFT);

	/* Free clusters are zero: the sector is cleared already. */
	for (uint32_t c = k << 8; c <= last && c < (k + 1u) << 8; c++, p += 2)
		put_le(p, c < CUR_CLUSTER || c == last ? 0xFFFFu - 7u * (c == 0) : c + 1u, 2);
}

/* The label and the four files, read-only, dated 2024-01-01. */
static void root_sector(const struct usbmsc_door *d, uint32_t blocks, uint8_t *p)
{
	for (uint32_t i = 0; i <= TEXT_FILES + 1u; i++, p += DIR_ENTRY) {
		memcpy(p, dir_names + LABEL_LEN * i, LABEL_LEN);
		p[11] = ATTR_READ_ONLY;
		p[24] = FAT_DATE & 0xFFu;
		p[25] = FAT_DATE >> 8;
		if (i == 0) {
			put_label(d, p);
			p[11] = ATTR_LABEL;
		} else if (i <= TEXT_FILES) {
			p[26] = (uint8_t)(i + 1u);
			put_le(p + 28, file_text(d, i - 1u, NULL), 4);
		} else if (blocks != 0) {
			p[26] = CUR_CLUSTER;
			put_le(p + 28, blocks << SECTOR_SHIFT, 4);
		}
	}
}

/* Data sector rel (from cluster 2): a text file, or block n of
 * CURRENT.UF2, 256 bytes of the running image from flash. */
static bool data_sector(const struct usbmsc_door *d, uint32_t blocks, uint32_t rel, uint8_t *p)
{
	const struct usbmsc_fw_engine *e = d->cfg->fw;
	const struct usbmsc_fw_flash *f = &e->cfg->flash;
	uint32_t first = (CUR_CLUSTER - 2u) << CLUSTER_SHIFT;  /* CURRENT.UF2's */
	uint32_t n = rel - first;

	/* A text file's cluster: the text in each sector, past the file's end
	 * in all but the first. */
	if (rel < first) {
		file_text(d, rel >> CLUSTER_SHIFT, p);
		return true;
	}
	if (n >= blocks)
		return true;
	usbmsc_uf2_encode(p, n, blocks, e->running_version);
	return f->read(f->ctx, e->cfg->slot_addr[e->running] + (n << USBMSC_UF2_PAYLOAD_SHIFT),
		       p + USBMSC_UF2_DATA_OFFSET, USBMSC_UF2_PAYLOAD_LEN);
}

static bool sector(const struct usbmsc_door *d, uint32_t lba, uint8_t *p)
{
	uint32_t blocks = cur_blocks(d);

	memset(p, 0, SECTOR);
	if (lba >= DATA_LBA)
		return data_sector(d, blocks, lba - DATA_LBA, p);
	if (lba == ROOT_LBA)
		root_sector(d, blocks, p);
	else if (lba < FAT_LBA)
		head_sector(d, lba, p);
	else if (lba < ROOT_LBA)
		fat_sector(blocks, (lba - FAT_LBA) & (FAT_SECTORS - 1u), p);
	return true;
}

/* ---- the LUN ------------------------------------------------------------------ */

static usbmsc_sense_t door_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
				uint32_t len)
{
	struct usbmsc_door *d = ctx;

	/* Whole sectors only (a streaming buffer of 512-byte multiples). */
	if (offset != 0 || (len & (SECTOR - 1u)) != 0)
		return USBMSC_SENSE_READ_ERROR;
	for (; len > 0; len -= SECTOR, buf += SECTOR, lba++) {
		if (!sector(d, lba, buf))
			return USBMSC_SENSE_READ_ERROR;
	}
	return USBMSC_SENSE_OK;
}

/* Every write is accepted; what is not a UF2 block is dropped. */
static usbmsc_sense_t door_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				 uint32_t len)
{
	struct usbmsc_door *d = ctx;

	(void)lba;
	d->quiet = 0;
	for (; offset == 0 && len >= SECTOR; len -= SECTOR, buf += SECTOR)
		door_rx_sector(d, buf);
	return USBMSC_SENSE_OK;
}

bool usbmsc_door_init(struct usbmsc_door *d, const struct usbmsc_door_config *cfg,
		      struct usbmsc_lun_config *lun)
{
	static const struct usbmsc_lun_config door_lun = {
		USBMSC_DOOR_SECTORS, SECTOR, USBMSC_LUN_REMOVABLE, door_read, door_write, NULL, NULL
	};
	const struct usbmsc_fw_config *fc = cfg->fw->cfg;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	*lun = door_lun;
	lun->ctx = d;
	return fc != NULL && cfg->bitmap != NULL && fc->slot_size <= USBMSC_DOOR_SLOT_MAX &&
	       cfg->quiet_ms >= USBMSC_DOOR_QUIET_MIN_MS;
}
