/* MS-CAB ([MS-CAB] 2.1-2.4), the uncompressed subset:
 *   CFHEADER  36 bytes: "MSCF", sizes, version 1.3, one folder, n files
 *   CFFOLDER   8 bytes: offset of the first CFDATA, their count, no compression
 *   CFFILE    16 bytes + name + NUL, per file: size, offset in the folder
 *   CFDATA     8 bytes + up to 32768 bytes, per block: checksum, sizes
 * The files follow each other in the folder; a block may hold the end of
 * one and the start of the next. */
#include "cabinet.h"

#include <errno.h>
#include <string.h>

#include "usbmsc/byteorder.h"

#include "../../src/common/fdio.h"

#define HEADER_LEN 36u
#define FOLDER_LEN 8u
#define FILE_LEN 16u
#define DATA_LEN 8u
#define BLOCK 32768u
#define MAX_BLOCKS 0xFFFFu
#define ATTR_ARCHIVE 0x20u

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

uint32_t cab_checksum(const uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t sum = seed;

	for (; n >= 4; p += 4, n -= 4)
		sum ^= usbmsc_get_le32(p);
	/* the last one to three bytes, first byte highest */
	if (n == 3)
		sum ^= (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	else if (n == 2)
		sum ^= (uint32_t)p[0] << 8 | p[1];
	else if (n == 1)
		sum ^= p[0];
	return sum;
}

struct writer {
	int fd;
	const struct cab_file *files;
	size_t n, file;       /* the file being read, and where in it */
	uint64_t at;
	struct usbmsc_error *err;
};

static int put(struct writer *w, const uint8_t *p, size_t n)
{
	if (!usbmsc_write_full(w->fd, p, n))
		return usbmsc_fail(w->err, USBMSC_E_FILE, "writing the cabinet: %s", strerror(errno));
	return 0;
}

static size_t names_len(const struct cab_file *files, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += strlen(files[i].name) + 1;
	return len;
}

static int put_header(struct writer *w, uint64_t cab_len, uint32_t blocks)
{
	uint8_t h[HEADER_LEN + FOLDER_LEN] = { 'M', 'S', 'C', 'F' };
	uint32_t files_at = HEADER_LEN + FOLDER_LEN;
	uint32_t data_at = files_at + (uint32_t)(FILE_LEN * w->n + names_len(w->files, w->n));

	usbmsc_put_le32(h + 8, (uint32_t)cab_len);
	usbmsc_put_le32(h + 16, files_at);
	h[24] = 3; /* versionMinor */
	h[25] = 1; /* versionMajor */
	put_le16(h + 26, 1);                 /* cFolders */
	put_le16(h + 28, (uint16_t)w->n);    /* cFiles */
	/* flags 0, setID 0, iCabinet 0 */
	usbmsc_put_le32(h + HEADER_LEN, data_at);
	put_le16(h + HEADER_LEN + 4, (uint16_t)blocks);
	put_le16(h + HEADER_LEN + 6, 0);     /* typeCompress: none */
	return put(w, h, sizeof h);
}

static int put_files(struct writer *w)
{
	uint64_t off = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct cab_file *f = &w->files[i];
		uint8_t e[FILE_LEN] = { 0 };
		int st;

		usbmsc_put_le32(e, (uint32_t)f->size);
		usbmsc_put_le32(e + 4, (uint32_t)off);
		put_le16(e + 8, 0);                  /* iFolder */
		put_le16(e + 10, f->dos_date);
		put_le16(e + 12, f->dos_time);
		put_le16(e + 14, ATTR_ARCHIVE);
		st = put(w, e, sizeof e);
		if (!st)
			st = put(w, (const uint8_t *)f->name, strlen(f->name) + 1);
		if (st)
			return st;
		off += f->size;
	}
	return 0;
}

/* Up to room bytes of the folder's next bytes, across file boundaries. */
static int fill(struct writer *w, uint8_t *buf, size_t room, size_t *got)
{
	*got = 0;
	while (*got < room && w->file < w->n) {
		const struct cab_file *f = &w->files[w->file];
		uint64_t left = f->size - w->at;
		size_t k = left < room - *got ? (size_t)left : room - *got;

		if (f->data) {
			memcpy(buf + *got, f->data + w->at, k);
		} else if (k) {
			int64_t r = usbmsc_pread_full(f->fd, buf + *got, k, w->at);
			if (r < 0 || (size_t)r != k)
				return usbmsc_fail(w->err, USBMSC_E_FILE, "reading %s: %s", f->name,
						   r < 0 ? strerror(errno) : "it shrank");
		}
		*got += k;
		w->at += k;
		if (w->at == f->size) {
			w->file++;
			w->at = 0;
		}
	}
	return 0;
}

static int put_blocks(struct writer *w, uint32_t blocks)
{
	static uint8_t buf[DATA_LEN + BLOCK];

	for (uint32_t i = 0; i < blocks; i++) {
		size_t got;
		int st = fill(w, buf + DATA_LEN, BLOCK, &got);

		if (st)
			return st;
		put_le16(buf + 4, (uint16_t)got);    /* cbData */
		put_le16(buf + 6, (uint16_t)got);    /* cbUncomp */
		usbmsc_put_le32(buf, cab_checksum(buf + 4, 4,
						  cab_checksum(buf + DATA_LEN, got, 0)));
		st = put(w, buf, DATA_LEN + got);
		if (st)
			return st;
	}
	return 0;
}

int cab_write(int out_fd, const struct cab_file *files, size_t n, struct usbmsc_error *err)
{
	struct writer w = { .fd = out_fd, .files = files, .n = n, .err = err };
	uint64_t total = 0, cab_len;
	uint32_t blocks;
	int st;

	for (size_t i = 0; i < n; i++)
		total += files[i].size;
	blocks = (uint32_t)((total + BLOCK - 1) / BLOCK);
	cab_len = HEADER_LEN + FOLDER_LEN + FILE_LEN * n + names_len(files, n) + DATA_LEN * blocks +
		  total;
	if (n == 0 || n > 0xFFFF || blocks > MAX_BLOCKS || cab_len > UINT32_MAX)
		return usbmsc_fail(err, USBMSC_E_FILE,
				   "a cabinet holds up to 2 GiB in one folder: %llu bytes do not fit",
				   (unsigned long long)total);
	st = put_header(&w, cab_len, blocks);
	if (!st)
		st = put_files(&w);
	if (!st)
		st = put_blocks(&w, blocks);
	return st;
}
