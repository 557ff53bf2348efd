/* CDB builders: the T10 SPC/SBC layouts of the commands usbmsc sends.
 *
 * Each builder zeroes all 16 bytes first, so that reserved fields, the
 * CONTROL byte and the padding a CBW carries past the CDB are always zero,
 * then returns the CDB length, or 0 when an argument does not fit the
 * command's fields (a caller must never send a silently truncated LBA). */
#include "usbmsc/scsi.h"

#include "usbmsc/byteorder.h"

#include <string.h>

#define U16_MAX_ 0xFFFFu
#define U24_MAX_ 0xFFFFFFu
#define U32_MAX_ 0xFFFFFFFFu

static uint8_t *cdb_start(uint8_t cdb[16], uint8_t opcode)
{
	memset(cdb, 0, 16);
	cdb[0] = opcode;
	return cdb;
}

/* The 10-byte LBA/transfer-length layout shared by READ(10), WRITE(10),
 * VERIFY(10) and SYNCHRONIZE CACHE(10): LBA in bytes 2..5, blocks in 7..8. */
static size_t cdb_lba10(uint8_t cdb[16], uint8_t opcode, uint8_t byte1, uint64_t lba,
			uint32_t blocks)
{
	if (!cdb || lba > U32_MAX_ || blocks > U16_MAX_)
		return 0;
	cdb_start(cdb, opcode);
	cdb[1] = byte1;
	usbmsc_put_be32(cdb + 2, (uint32_t)lba);
	usbmsc_put_be16(cdb + 7, (uint16_t)blocks);
	return 10;
}

/* READ(12)/WRITE(12): LBA in bytes 2..5, blocks in 6..9. */
static size_t cdb_lba12(uint8_t cdb[16], uint8_t opcode, uint64_t lba, uint32_t blocks)
{
	if (!cdb || lba > U32_MAX_)
		return 0;
	cdb_start(cdb, opcode);
	usbmsc_put_be32(cdb + 2, (uint32_t)lba);
	usbmsc_put_be32(cdb + 6, blocks);
	return 12;
}

/* READ(16)/WRITE(16): LBA in bytes 2..9, blocks in 10..13; always fits. */
static size_t cdb_lba16(uint8_t cdb[16], uint8_t opcode, uint64_t lba, uint32_t blocks)
{
	if (!cdb)
		return 0;
	cdb_start(cdb, opcode);
	usbmsc_put_be64(cdb + 2, lba);
	usbmsc_put_be32(cdb + 10, blocks);
	return 16;
}

size_t usbmsc_cdb_test_unit_ready(uint8_t cdb[16])
{
	if (!cdb)
		return 0;
	cdb_start(cdb, USBMSC_OP_TEST_UNIT_READY);
	return 6;
}

size_t usbmsc_cdb_request_sense(uint8_t cdb[16], uint8_t alloc_len, bool descriptor_format)
{
	if (!cdb)
		return 0;
	cdb_start(cdb, USBMSC_OP_REQUEST_SENSE);
	cdb[1] = descriptor_format ? 0x01 : 0x00; /* DESC */
	cdb[4] = alloc_len;
	return 6;
}

size_t usbmsc_cdb_inquiry(uint8_t cdb[16], bool evpd, uint8_t page, uint16_t alloc_len)
{
	/* SPC: a page code without EVPD is an invalid field in the CDB. */
	if (!cdb || (!evpd && page != 0))
		return 0;
	cdb_start(cdb, USBMSC_OP_INQUIRY);
	cdb[1] = evpd ? 0x01 : 0x00;
	cdb[2] = page;
	usbmsc_put_be16(cdb + 3, alloc_len);
	return 6;
}

size_t usbmsc_cdb_read_capacity10(uint8_t cdb[16])
{
	if (!cdb)
		return 0;
	cdb_start(cdb, USBMSC_OP_READ_CAPACITY10);
	return 10;
}

size_t usbmsc_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc_len)
{
	if (!cdb)
		return 0;
	cdb_start(cdb, USBMSC_OP_SERVICE_ACTION_IN16);
	cdb[1] = USBMSC_SA_READ_CAPACITY16;
	usbmsc_put_be32(cdb + 10, alloc_len);
	return 16;
}

size_t usbmsc_cdb_read10(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	return cdb_lba10(cdb, USBMSC_OP_READ10, 0, lba, blocks);
}

size_t usbmsc_cdb_read12(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	return cdb_lba12(cdb, USBMSC_OP_READ12, lba, blocks);
}

size_t usbmsc_cdb_read16(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	return cdb_lba16(cdb, USBMSC_OP_READ16, lba, blocks);
}

size_t usbmsc_cdb_write10(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	return cdb_lba10(cdb, USBMSC_OP_WRITE10, 0, lba, blocks);
}

size_t usbmsc_cdb_write12(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	return cdb_lba12(cdb, USBMSC_OP_WRITE12, lba, blocks);
}

size_t usbmsc_cdb_write16(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	return cdb_lba16(cdb, USBMSC_OP_WRITE16, lba, blocks);
}

/* READ(10) is what every USB device implements; (16) only when needed.
 * (12) is skipped on purpose: devices that lack (16) often lack it too. */
size_t usbmsc_cdb_read(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	size_t n = usbmsc_cdb_read10(cdb, lba, blocks);

	return n ? n : usbmsc_cdb_read16(cdb, lba, blocks);
}

size_t usbmsc_cdb_write(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	size_t n = usbmsc_cdb_write10(cdb, lba, blocks);

	return n ? n : usbmsc_cdb_write16(cdb, lba, blocks);
}

size_t usbmsc_cdb_verify10(uint8_t cdb[16], uint64_t lba, uint32_t blocks)
{
	/* BYTCHK 0: the device checks the medium, no data is sent. */
	return cdb_lba10(cdb, USBMSC_OP_VERIFY10, 0, lba, blocks);
}

/* Byte 2 of MODE SENSE: page control in bits 7:6, page code in bits 5:0. */
static bool mode_page_fits(uint8_t pc, uint8_t page)
{
	return pc <= 3 && page <= 0x3F;
}

size_t usbmsc_cdb_mode_sense6(uint8_t cdb[16], bool dbd, uint8_t pc, uint8_t page,
			      uint8_t subpage, uint8_t alloc_len)
{
	if (!cdb || !mode_page_fits(pc, page))
		return 0;
	cdb_start(cdb, USBMSC_OP_MODE_SENSE6);
	cdb[1] = dbd ? 0x08 : 0x00;
	cdb[2] = (uint8_t)(pc << 6 | page);
	cdb[3] = subpage;
	cdb[4] = alloc_len;
	return 6;
}

size_t usbmsc_cdb_mode_sense10(uint8_t cdb[16], bool dbd, uint8_t pc, uint8_t page,
			       uint8_t subpage, uint16_t alloc_len)
{
	if (!cdb || !mode_page_fits(pc, page))
		return 0;
	cdb_start(cdb, USBMSC_OP_MODE_SENSE10);
	cdb[1] = dbd ? 0x08 : 0x00; /* LLBAA stays 0: USB devices rarely know it */
	cdb[2] = (uint8_t)(pc << 6 | page);
	cdb[3] = subpage;
	usbmsc_put_be16(cdb + 7, alloc_len);
	return 10;
}

size_t usbmsc_cdb_report_luns(uint8_t cdb[16], uint8_t select_report, uint32_t alloc_len)
{
	if (!cdb)
		return 0;
	cdb_start(cdb, USBMSC_OP_REPORT_LUNS);
	cdb[2] = select_report;
	usbmsc_put_be32(cdb + 6, alloc_len);
	return 12;
}

size_t usbmsc_cdb_start_stop_unit(uint8_t cdb[16], bool immed, uint8_t power_condition,
				  bool load_eject, bool start)
{
	if (!cdb || power_condition > 0x0F)
		return 0;
	cdb_start(cdb, USBMSC_OP_START_STOP_UNIT);
	cdb[1] = immed ? 0x01 : 0x00;
	cdb[4] = (uint8_t)(power_condition << 4 | (load_eject ? 0x02 : 0) | (start ? 0x01 : 0));
	return 6;
}

size_t usbmsc_cdb_prevent_allow(uint8_t cdb[16], bool prevent)
{
	if (!cdb)
		return 0;
	cdb_start(cdb, USBMSC_OP_PREVENT_ALLOW);
	cdb[4] = prevent ? 0x01 : 0x00; /* PREVENT field 01b: medium removal prevented */
	return 6;
}

size_t usbmsc_cdb_sync_cache10(uint8_t cdb[16], uint64_t lba, uint32_t blocks, bool immed)
{
	/* blocks 0 means "from lba to the end of the medium". */
	return cdb_lba10(cdb, USBMSC_OP_SYNC_CACHE10, immed ? 0x02 : 0x00, lba, blocks);
}

size_t usbmsc_cdb_read_buffer(uint8_t cdb[16], uint8_t mode, uint8_t buffer_id,
			      uint32_t offset, uint32_t alloc_len)
{
	if (!cdb || mode > 0x1F || offset > U24_MAX_ || alloc_len > U24_MAX_)
		return 0;
	cdb_start(cdb, USBMSC_OP_READ_BUFFER);
	cdb[1] = mode;
	cdb[2] = buffer_id;
	usbmsc_put_be24(cdb + 3, offset);
	usbmsc_put_be24(cdb + 6, alloc_len);
	return 10;
}

size_t usbmsc_cdb_write_buffer(uint8_t cdb[16], uint8_t mode, uint8_t mode_specific,
			       uint8_t buffer_id, uint32_t offset, uint32_t param_len)
{
	if (!cdb || mode > 0x1F || mode_specific > 0x07 || offset > U24_MAX_ ||
	    param_len > U24_MAX_)
		return 0;
	cdb_start(cdb, USBMSC_OP_WRITE_BUFFER);
	cdb[1] = (uint8_t)(mode_specific << 5 | mode);
	cdb[2] = buffer_id;
	usbmsc_put_be24(cdb + 3, offset);
	usbmsc_put_be24(cdb + 6, param_len);
	return 10;
}

size_t usbmsc_cdb_report_supported_opcodes(uint8_t cdb[16], uint8_t reporting_options,
					   uint8_t opcode, uint16_t service_action,
					   uint32_t alloc_len)
{
	if (!cdb || reporting_options > 0x07)
		return 0;
	cdb_start(cdb, USBMSC_OP_MAINTENANCE_IN);
	cdb[1] = USBMSC_SA_REPORT_SUPPORTED_OPCODES;
	cdb[2] = reporting_options; /* RCTD (bit 7) stays 0: no timeout descriptors */
	cdb[3] = opcode;
	usbmsc_put_be16(cdb + 4, service_action);
	usbmsc_put_be32(cdb + 6, alloc_len);
	return 12;
}

size_t usbmsc_cdb_len_for_opcode(uint8_t opcode)
{
	/* SPC: the top three bits are the group code, which fixes the length;
	 * groups 3 (reserved, and 0x7F's variable length) and 6/7 (vendor)
	 * do not. */
	static const uint8_t len_by_group[8] = {6, 10, 10, 0, 16, 12, 0, 0};

	return len_by_group[opcode >> 5];
}
