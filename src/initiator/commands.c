/* The common commands, built from the CDB builders and parsers of scsi.h
 * and run through usbmsc_exec. Each returns a category; on failure the
 * device's error message says why. */
#include "device_internal.h"

#include "usbmsc/byteorder.h"

#include <string.h>

/* 36 bytes is what Linux asks USB devices for: some crash on other sizes. */
#define INQUIRY_ALLOC 36u
#define RC10_LEN 8u
#define RC16_LEN 32u
/* REPORT LUNS: header plus room for every LUN a BOT device can have. */
#define REPORT_LUNS_ALLOC (8u + 8u * 256u)

static int run(struct usbmsc_dev *dev, const uint8_t *cdb, size_t cdb_len, uint8_t lun,
	       enum usbmsc_dir dir, uint8_t *data, uint32_t len, struct usbmsc_result *res)
{
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = (uint8_t)cdb_len, .lun = lun,
		.dir = len ? dir : USBMSC_DIR_NONE, .data = data, .len = len,
	};

	if (cdb_len == 0)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "arguments do not fit the CDB");
	return usbmsc_exec(dev, &cmd, res);
}

int usbmsc_test_unit_ready(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_result *res)
{
	uint8_t cdb[16];

	return run(dev, cdb, usbmsc_cdb_test_unit_ready(cdb), lun, USBMSC_DIR_NONE, NULL, 0, res);
}

int usbmsc_request_sense(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_sense *sense,
			 struct usbmsc_result *res)
{
	struct usbmsc_result local;
	uint8_t cdb[16], buf[USBMSC_SENSE_MAX];
	int r;

	if (!res)
		res = &local;
	memset(sense, 0, sizeof *sense);
	r = run(dev, cdb, usbmsc_cdb_request_sense(cdb, (uint8_t)sizeof buf, false), lun,
		USBMSC_DIR_IN, buf, sizeof buf, res);
	if (r != USBMSC_OK)
		return r;
	/* A device with nothing to report may send fewer bytes, even none. */
	if (res->transferred == 0)
		return USBMSC_OK;
	if (!usbmsc_sense_decode(buf, res->transferred, sense))
		return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
				       "REQUEST SENSE returned %u bytes that are not sense data",
				       res->transferred);
	return USBMSC_OK;
}

int usbmsc_inquiry(struct usbmsc_dev *dev, uint8_t lun, struct usbmsc_inquiry *inq,
		   struct usbmsc_result *res)
{
	struct usbmsc_result local;
	uint8_t cdb[16], buf[INQUIRY_ALLOC];
	int r;

	if (!res)
		res = &local;
	memset(inq, 0, sizeof *inq);
	r = run(dev, cdb, usbmsc_cdb_inquiry(cdb, false, 0, INQUIRY_ALLOC), lun, USBMSC_DIR_IN,
		buf, sizeof buf, res);
	if (r != USBMSC_OK)
		return r;
	if (!usbmsc_inquiry_parse(buf, res->transferred, inq))
		return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
				       "INQUIRY returned %u bytes; at least 36 are needed",
				       res->transferred);
	return USBMSC_OK;
}

int usbmsc_inquiry_vpd(struct usbmsc_dev *dev, uint8_t lun, uint8_t page, uint8_t *buf,
		       size_t *len, struct usbmsc_result *res)
{
	struct usbmsc_result local;
	uint8_t cdb[16];
	uint16_t alloc = *len > 0xFFFFu ? 0xFFFFu : (uint16_t)*len;
	int r;

	if (!res)
		res = &local;
	*len = 0;
	if (alloc == 0)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "no room for the VPD page");
	r = run(dev, cdb, usbmsc_cdb_inquiry(cdb, true, page, alloc), lun, USBMSC_DIR_IN, buf,
		alloc, res);
	*len = res->transferred;
	if (r != USBMSC_OK)
		return r;
	if (res->transferred < 4 || buf[1] != page)
		return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
				       "VPD page 0x%02x: the device returned %u bytes of page 0x%02x",
				       page, res->transferred,
				       res->transferred >= 2 ? buf[1] : 0);
	return USBMSC_OK;
}

int usbmsc_read_capacity(struct usbmsc_dev *dev, uint8_t lun, uint64_t *blocks,
			 uint32_t *block_size, struct usbmsc_result *res)
{
	struct usbmsc_result local;
	uint8_t cdb[16], buf[RC16_LEN];
	uint32_t last32 = 0;
	uint64_t last = 0;
	int r;

	if (!res)
		res = &local;
	*blocks = 0;
	*block_size = 0;
	r = run(dev, cdb, usbmsc_cdb_read_capacity10(cdb), lun, USBMSC_DIR_IN, buf, RC10_LEN, res);
	if (r != USBMSC_OK)
		return r;
	if (!usbmsc_read_capacity10_parse(buf, res->transferred, &last32, block_size))
		return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
				       "READ CAPACITY(10) returned %u bytes, not 8", res->transferred);
	last = last32;
	if (last32 == 0xFFFFFFFFu) {
		/* More blocks than READ CAPACITY(10) can express. */
		r = run(dev, cdb, usbmsc_cdb_read_capacity16(cdb, RC16_LEN), lun, USBMSC_DIR_IN, buf,
			RC16_LEN, res);
		if (r != USBMSC_OK)
			return r;
		if (!usbmsc_read_capacity16_parse(buf, res->transferred, &last, block_size))
			return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
					       "READ CAPACITY(16) returned %u bytes, at least 12 needed",
					       res->transferred);
	}
	if (*block_size == 0 || last == UINT64_MAX)
		return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
				       "implausible capacity: last LBA %llu, block size %u",
				       (unsigned long long)last, *block_size);
	*blocks = last + 1;
	return USBMSC_OK;
}

/* Blocks per command: the transport's limit rounded down to whole blocks. */
static int blocks_per_command(struct usbmsc_dev *dev, uint32_t block_size, uint32_t *out)
{
	uint32_t max = usbmsc_dev_max_transfer(dev);

	if (block_size == 0)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "block size 0");
	*out = max / block_size;
	if (*out == 0)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE,
				       "block size %u exceeds the transport's %u-byte limit",
				       block_size, max);
	return USBMSC_OK;
}

int usbmsc_dev_check_complete(struct usbmsc_dev *dev, const char *what, bool write,
			      const struct usbmsc_result *res, uint32_t len)
{
	uint32_t moved = res->transferred;

	if (res->residue == 0 && moved == len)
		return USBMSC_OK;
	if (res->residue <= len && len - res->residue < moved)
		moved = len - res->residue;
	return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT, "%s: device %s %u of %u bytes", what,
			       write ? "accepted" : "returned", moved, len);
}

static int rw_blocks(struct usbmsc_dev *dev, bool write, uint8_t lun, uint64_t lba,
		     uint32_t count, uint32_t block_size, uint8_t *buf,
		     struct usbmsc_result *res)
{
	struct usbmsc_result local;
	uint32_t per_cmd = 0;
	size_t offset = 0;
	int r;

	if (!res)
		res = &local;
	memset(res, 0, sizeof *res);
	r = blocks_per_command(dev, block_size, &per_cmd);
	if (r != USBMSC_OK)
		return r;
	if (count && lba + count - 1 < lba)
		return usbmsc_dev_fail(dev, USBMSC_E_USAGE, "LBA range wraps around");
	while (count > 0) {
		uint32_t n = count < per_cmd ? count : per_cmd;
		uint32_t len = n * block_size;
		uint8_t cdb[16];
		size_t cdb_len = write ? usbmsc_cdb_write(cdb, lba, n) : usbmsc_cdb_read(cdb, lba, n);

		r = run(dev, cdb, cdb_len, lun, write ? USBMSC_DIR_OUT : USBMSC_DIR_IN,
			buf + offset, len, res);
		if (r != USBMSC_OK)
			return r;
		r = usbmsc_dev_check_complete(dev, write ? "WRITE" : "READ", write, res, len);
		if (r != USBMSC_OK)
			return r;
		lba += n;
		count -= n;
		offset += len;
	}
	return USBMSC_OK;
}

int usbmsc_read_blocks(struct usbmsc_dev *dev, uint8_t lun, uint64_t lba, uint32_t count,
		       uint32_t block_size, uint8_t *buf, struct usbmsc_result *res)
{
	return rw_blocks(dev, false, lun, lba, count, block_size, buf, res);
}

int usbmsc_write_blocks(struct usbmsc_dev *dev, uint8_t lun, uint64_t lba, uint32_t count,
			uint32_t block_size, const uint8_t *buf, struct usbmsc_result *res)
{
	/* The buffer is only read: usbmsc_cmd carries one pointer for both
	 * directions. */
	return rw_blocks(dev, true, lun, lba, count, block_size, (uint8_t *)(uintptr_t)buf, res);
}

int usbmsc_report_luns(struct usbmsc_dev *dev, uint16_t *luns, size_t max, size_t *count,
		       struct usbmsc_result *res)
{
	struct usbmsc_result local;
	uint8_t cdb[16], buf[REPORT_LUNS_ALLOC];
	uint32_t list_len;
	size_t n;
	int r;

	if (!res)
		res = &local;
	*count = 0;
	r = run(dev, cdb, usbmsc_cdb_report_luns(cdb, 0, sizeof buf), 0, USBMSC_DIR_IN, buf,
		sizeof buf, res);
	if (r != USBMSC_OK)
		return r;
	if (res->transferred < 8)
		return usbmsc_dev_fail(dev, USBMSC_E_TRANSPORT,
				       "REPORT LUNS returned %u bytes; the header alone is 8",
				       res->transferred);
	list_len = usbmsc_get_be32(buf);
	n = list_len / 8;
	if (n > (res->transferred - 8) / 8)
		n = (res->transferred - 8) / 8;
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		luns[i] = usbmsc_get_be16(buf + 8 + 8 * i) & 0x3FFFu; /* drop the address method */
	*count = n;
	return USBMSC_OK;
}
