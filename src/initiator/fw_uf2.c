/* UF2 files of signed firmware images on the host (fwuf2.h): wrap an image
 * into UF2 blocks, read one back into the image it carries. The blocks are
 * the wire code's (src/wire/uf2.c), the same the device's file door parses
 * and encodes. Files are streamed block by block. */
#include "../common/fdio.h"
#include "../common/tmpfile.h"
#include "../os/os_file.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/uf2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc_config.h"

#define BLK USBMSC_UF2_BLOCK_LEN
#define PAYLOAD USBMSC_UF2_PAYLOAD_LEN

bool usbmsc_fw_is_uf2(const char *path)
{
	uint8_t head[BLK];
	struct usbmsc_uf2_block b;
	int fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	int64_t n;

	if (fd < 0)
		return false;
	n = usbmsc_read_full(fd, head, sizeof head);
	usbmsc_file_close(fd);
	return n == (int64_t)sizeof head && usbmsc_uf2_parse(head, &b) != USBMSC_UF2_NONE;
}

/* ---- reading ---- */

struct unpack {
	const char *path;
	int fd;
	uint8_t *seen;           /* one bit per block of the image */
	struct usbmsc_fw_uf2_info *info;
	struct usbmsc_error *err;
};

/* One block of the image, at position index of the file. */
static int take(struct unpack *u, const uint8_t *blk, const struct usbmsc_uf2_block *b,
		uint64_t index)
{
	struct usbmsc_fw_uf2_info *info = u->info;

	if (info->blocks == 0) {
		info->blocks = b->num_blocks;
		u->seen = calloc(1, (b->num_blocks + 7u) / 8u);
		if (!u->seen)
			return usbmsc_fail(u->err, USBMSC_E_OTHER, "out of memory");
		usbmsc_uf2_version(blk, b, info->version, sizeof info->version);
	} else if (b->num_blocks != info->blocks) {
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s: block %llu says the image has %u "
				   "blocks, the first said %u", u->path, (unsigned long long)index,
				   b->num_blocks, info->blocks);
	}
	if (u->seen[b->block_no / 8u] & (1u << (b->block_no % 8u)))
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s: image block %u is there twice",
				   u->path, b->block_no);
	u->seen[b->block_no / 8u] |= (uint8_t)(1u << (b->block_no % 8u));
	if (!usbmsc_pwrite_full(u->fd, blk + USBMSC_UF2_DATA_OFFSET, PAYLOAD,
				(uint64_t)b->block_no * PAYLOAD))
		return usbmsc_fail(u->err, USBMSC_E_FILE, "writing the image of %s: %s", u->path,
				   strerror(errno));
	return 0;
}

/* One 512-byte block of the file: the image's, skipped, or an error. */
static int block(struct unpack *u, const uint8_t *blk, uint64_t index)
{
	struct usbmsc_uf2_block b;

	switch (usbmsc_uf2_parse(blk, &b)) {
	case USBMSC_UF2_IMAGE:
		return take(u, blk, &b, index);
	case USBMSC_UF2_SKIP:
	case USBMSC_UF2_FOREIGN:
		u->info->other_blocks++;
		return 0;
	case USBMSC_UF2_MALFORMED:
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s: block %llu is of the usbmsc family "
				   "but not laid out as usbmsc writes them (payload %u bytes, address "
				   "0x%x, block %u of %u)", u->path, (unsigned long long)index,
				   b.payload_len, b.addr, b.block_no, b.num_blocks);
	default:
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s: block %llu (byte %llu) is not a UF2 "
				   "block", u->path, (unsigned long long)index,
				   (unsigned long long)index * BLK);
	}
}

/* Every block there; then the image's length from its own header. */
static int finish(struct unpack *u)
{
	struct usbmsc_fw_uf2_info *info = u->info;
	uint8_t raw[USBMSC_FW_HEADER_LEN];
	struct usbmsc_fw_header h;
	uint64_t carried = (uint64_t)info->blocks * PAYLOAD;

	if (info->blocks == 0)
		return usbmsc_fail(u->err, USBMSC_E_FILE, "%s holds no usbmsc image: no UF2 block "
				   "of family 0x%08x (%u blocks of others)", u->path,
				   USBMSC_UF2_FAMILY, info->other_blocks);
	for (uint32_t i = 0; i < info->blocks; i++) {
		if (!(u->seen[i / 8u] & (1u << (i % 8u))))
			return usbmsc_fail(u->err, USBMSC_E_FILE, "%s is incomplete: image block %u "
					   "of %u is missing", u->path, i, info->blocks);
	}
	info->image_len = carried;
	if (usbmsc_pread_full(u->fd, raw, sizeof raw, 0) == (int64_t)sizeof raw &&
	    usbmsc_fw_header_parse(raw, sizeof raw, &h) == USBMSC_FWCHK_OK &&
	    usbmsc_uf2_blocks(h.payload_len + USBMSC_FW_HEADER_LEN) == info->blocks &&
	    (uint64_t)h.payload_len + USBMSC_FW_HEADER_LEN <= carried) {
		/* The last block's padding is not the image's. */
		info->image_len = (uint64_t)h.payload_len + USBMSC_FW_HEADER_LEN;
		if (!usbmsc_file_truncate(u->fd, info->image_len))
			return usbmsc_fail(u->err, USBMSC_E_FILE, "writing the image of %s: %s",
					   u->path, strerror(errno));
	}
	return 0;
}

int usbmsc_fw_uf2_unpack(const char *path, int fd, struct usbmsc_fw_uf2_info *info,
			 struct usbmsc_error *err)
{
	struct unpack u = { path, fd, NULL, info, err };
	uint8_t blk[BLK];
	uint64_t index = 0;
	int st = 0, in;

	memset(info, 0, sizeof *info);
	in = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	if (in < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		int64_t n = usbmsc_read_full(in, blk, sizeof blk);

		if (n < 0) {
			st = usbmsc_fail(err, USBMSC_E_FILE, "reading %s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (n < (int64_t)sizeof blk) {
			st = usbmsc_fail(err, USBMSC_E_FILE, "%s is cut off: its last block has %lld of "
					 "512 bytes", path, (long long)n);
			break;
		}
		st = block(&u, blk, index++);
		if (st)
			break;
	}
	usbmsc_file_close(in);
	if (!st)
		st = finish(&u);
	free(u.seen);
	return st;
}

int usbmsc_fw_uf2_examine(const char *path, const uint8_t *pubkey, struct usbmsc_fw_report *rep,
			  struct usbmsc_fw_uf2_info *info, struct usbmsc_error *err)
{
	int tmp = usbmsc_file_temp();
	int st;

	memset(rep, 0, sizeof *rep);
	rep->check = USBMSC_FWCHK_SHORT;
	rep->signature = -1;
	if (tmp < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot make a temporary file: %s",
				   strerror(errno));
	st = usbmsc_fw_uf2_unpack(path, tmp, info, err);
	if (!st) {
		if (!usbmsc_file_seek(tmp, 0))
			st = usbmsc_fail(err, USBMSC_E_FILE, "reading back the image of %s: %s", path,
					 strerror(errno));
		else
			st = usbmsc_fw_examine_fd(tmp, path, pubkey, rep, err);
	}
	usbmsc_file_close(tmp);
	return st;
}

/* ---- writing ---- */

#if USBMSC_HAVE_SODIUM

/* The blocks of the image in (len bytes) to out. */
static int write_blocks(int in, const char *image_path, struct usbmsc_tmpfile *out,
			const struct usbmsc_fw_uf2_info *info, struct usbmsc_error *err)
{
	uint8_t blk[BLK];

	for (uint32_t i = 0; i < info->blocks; i++) {
		int64_t n;

		usbmsc_uf2_encode(blk, i, info->blocks, info->version);
		n = usbmsc_read_full(in, blk + USBMSC_UF2_DATA_OFFSET, PAYLOAD);
		if (n < 0 || (n < (int64_t)PAYLOAD && i + 1u < info->blocks))
			return usbmsc_fail(err, USBMSC_E_FILE, "reading %s: %s", image_path,
					   n < 0 ? strerror(errno) : "it became shorter");
		if (!usbmsc_write_full(out->fd, blk, sizeof blk))
			return usbmsc_fail(err, USBMSC_E_FILE, "writing %s: %s", out->path,
					   strerror(errno));
	}
	return 0;
}

int usbmsc_fw_uf2_pack(const char *image_path, const char *uf2_path, const uint8_t *pubkey,
		       struct usbmsc_fw_report *rep, struct usbmsc_fw_uf2_info *info,
		       struct usbmsc_error *err)
{
	struct usbmsc_tmpfile out = { .fd = -1 };
	uint64_t len;
	int st, in;

	memset(info, 0, sizeof *info);
	st = usbmsc_fw_examine_file(image_path, pubkey, rep, err);
	if (st)
		return st;
	len = (uint64_t)rep->header.payload_len + USBMSC_FW_HEADER_LEN;
	if (len > (uint64_t)USBMSC_UF2_MAX_BLOCKS * PAYLOAD)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is too large for UF2: %llu bytes, at "
				   "most 4 GiB", image_path, (unsigned long long)len);
	info->blocks = usbmsc_uf2_blocks((uint32_t)len);
	info->image_len = len;
	snprintf(info->version, sizeof info->version, "%s", rep->header.version);
	in = usbmsc_file_open(image_path, USBMSC_FILE_READ, 0);
	if (in < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open %s: %s", image_path,
				   strerror(errno));
	st = usbmsc_tmp_create(&out, uf2_path, 0666, err);
	if (!st)
		st = write_blocks(in, image_path, &out, info, err);
	usbmsc_file_close(in);
	if (!st)
		st = usbmsc_tmp_close(&out, err);
	if (st) {
		usbmsc_tmp_discard(&out);
		return st;
	}
	return usbmsc_tmp_commit(&out, uf2_path, true, err);
}

#else /* !USBMSC_HAVE_SODIUM */

int usbmsc_fw_uf2_pack(const char *image_path, const char *uf2_path, const uint8_t *pubkey,
		       struct usbmsc_fw_report *rep, struct usbmsc_fw_uf2_info *info,
		       struct usbmsc_error *err)
{
	(void)uf2_path;
	memset(info, 0, sizeof *info);
	return usbmsc_fw_examine_file(image_path, pubkey, rep, err);
}

#endif
