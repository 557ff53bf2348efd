/* SCSI wire formats: CDB builders, sense decoding, INQUIRY / VPD / READ
 * CAPACITY parsers. Pure functions, no I/O. */
#ifndef USBMSC_SCSI_H
#define USBMSC_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operation codes. */
enum usbmsc_opcode {
	USBMSC_OP_TEST_UNIT_READY = 0x00,
	USBMSC_OP_REQUEST_SENSE = 0x03,
	USBMSC_OP_INQUIRY = 0x12,
	USBMSC_OP_MODE_SELECT6 = 0x15,
	USBMSC_OP_MODE_SENSE6 = 0x1A,
	USBMSC_OP_START_STOP_UNIT = 0x1B,
	USBMSC_OP_PREVENT_ALLOW = 0x1E,
	USBMSC_OP_READ_FORMAT_CAPACITIES = 0x23,
	USBMSC_OP_READ_CAPACITY10 = 0x25,
	USBMSC_OP_READ10 = 0x28,
	USBMSC_OP_WRITE10 = 0x2A,
	USBMSC_OP_VERIFY10 = 0x2F,
	USBMSC_OP_SYNC_CACHE10 = 0x35,
	USBMSC_OP_WRITE_BUFFER = 0x3B,
	USBMSC_OP_READ_BUFFER = 0x3C,
	USBMSC_OP_MODE_SENSE10 = 0x5A,
	USBMSC_OP_READ16 = 0x88,
	USBMSC_OP_WRITE16 = 0x8A,
	USBMSC_OP_SERVICE_ACTION_IN16 = 0x9E, /* READ CAPACITY(16) is service action 0x10 */
	USBMSC_OP_REPORT_LUNS = 0xA0,
	USBMSC_OP_MAINTENANCE_IN = 0xA3,      /* REPORT SUPPORTED OPERATION CODES is SA 0x0C */
	USBMSC_OP_READ12 = 0xA8,
	USBMSC_OP_WRITE12 = 0xAA
};

#define USBMSC_SA_READ_CAPACITY16 0x10u
#define USBMSC_SA_REPORT_SUPPORTED_OPCODES 0x0Cu

/* SCSI status byte values. */
#define USBMSC_SCSI_GOOD 0x00u
#define USBMSC_SCSI_CHECK_CONDITION 0x02u

/* Sense keys. */
enum usbmsc_sense_key {
	USBMSC_SK_NO_SENSE = 0x0,
	USBMSC_SK_RECOVERED_ERROR = 0x1,
	USBMSC_SK_NOT_READY = 0x2,
	USBMSC_SK_MEDIUM_ERROR = 0x3,
	USBMSC_SK_HARDWARE_ERROR = 0x4,
	USBMSC_SK_ILLEGAL_REQUEST = 0x5,
	USBMSC_SK_UNIT_ATTENTION = 0x6,
	USBMSC_SK_DATA_PROTECT = 0x7,
	USBMSC_SK_BLANK_CHECK = 0x8,
	USBMSC_SK_VENDOR_SPECIFIC = 0x9,
	USBMSC_SK_COPY_ABORTED = 0xA,
	USBMSC_SK_ABORTED_COMMAND = 0xB,
	USBMSC_SK_VOLUME_OVERFLOW = 0xD,
	USBMSC_SK_MISCOMPARE = 0xE,
	USBMSC_SK_COMPLETED = 0xF
};

/* WRITE BUFFER modes (docs/PROTOCOL.md). */
#define USBMSC_WB_MODE_DOWNLOAD_SAVE 0x05u
#define USBMSC_WB_MODE_DOWNLOAD_OFFSETS_SAVE 0x07u
#define USBMSC_WB_MODE_DOWNLOAD_OFFSETS_SELECT 0x0Du
#define USBMSC_WB_MODE_DOWNLOAD_OFFSETS_DEFER 0x0Eu
#define USBMSC_WB_MODE_ACTIVATE_DEFERRED 0x0Fu
/* READ BUFFER modes. */
#define USBMSC_RB_MODE_DATA 0x02u
#define USBMSC_RB_MODE_DESCRIPTOR 0x03u

/* ---- CDB builders ------------------------------------------------------
 * Each writes a complete CDB into cdb[16] (bytes past the CDB are zeroed)
 * and returns its length, or 0 when an argument does not fit the format
 * (for example an LBA beyond 32 bits for READ(10)). */

USBMSC_API
size_t usbmsc_cdb_test_unit_ready(uint8_t cdb[16]);
USBMSC_API
size_t usbmsc_cdb_request_sense(uint8_t cdb[16], uint8_t alloc_len, bool descriptor_format);
USBMSC_API
size_t usbmsc_cdb_inquiry(uint8_t cdb[16], bool evpd, uint8_t page, uint16_t alloc_len);
USBMSC_API
size_t usbmsc_cdb_read_capacity10(uint8_t cdb[16]);
USBMSC_API
size_t usbmsc_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc_len);
USBMSC_API
size_t usbmsc_cdb_read10(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_read12(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_read16(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_write10(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_write12(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_write16(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
/* The smallest READ/WRITE CDB (10, then 16) that can carry lba and blocks. */
USBMSC_API
size_t usbmsc_cdb_read(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_write(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_verify10(uint8_t cdb[16], uint64_t lba, uint32_t blocks);
USBMSC_API
size_t usbmsc_cdb_mode_sense6(uint8_t cdb[16], bool dbd, uint8_t pc, uint8_t page,
			      uint8_t subpage, uint8_t alloc_len);
USBMSC_API
size_t usbmsc_cdb_mode_sense10(uint8_t cdb[16], bool dbd, uint8_t pc, uint8_t page,
			       uint8_t subpage, uint16_t alloc_len);
USBMSC_API
size_t usbmsc_cdb_report_luns(uint8_t cdb[16], uint8_t select_report, uint32_t alloc_len);
USBMSC_API
size_t usbmsc_cdb_start_stop_unit(uint8_t cdb[16], bool immed, uint8_t power_condition,
				  bool load_eject, bool start);
USBMSC_API
size_t usbmsc_cdb_prevent_allow(uint8_t cdb[16], bool prevent);
USBMSC_API
size_t usbmsc_cdb_sync_cache10(uint8_t cdb[16], uint64_t lba, uint32_t blocks, bool immed);
USBMSC_API
size_t usbmsc_cdb_read_buffer(uint8_t cdb[16], uint8_t mode, uint8_t buffer_id,
			      uint32_t offset, uint32_t alloc_len);
USBMSC_API
size_t usbmsc_cdb_write_buffer(uint8_t cdb[16], uint8_t mode, uint8_t mode_specific,
			       uint8_t buffer_id, uint32_t offset, uint32_t param_len);
/* reporting_options 0: all commands; 1..3: one opcode (and service action). */
USBMSC_API
size_t usbmsc_cdb_report_supported_opcodes(uint8_t cdb[16], uint8_t reporting_options,
					   uint8_t opcode, uint16_t service_action,
					   uint32_t alloc_len);

/* The CDB length that an opcode's group code implies (6, 10, 12, 16), or 0
 * for the reserved and vendor groups whose length is not defined. */
USBMSC_API
size_t usbmsc_cdb_len_for_opcode(uint8_t opcode);

/* ---- sense data -------------------------------------------------------- */

struct usbmsc_sense {
	uint8_t response_code;  /* 0x70..0x73 */
	bool descriptor;        /* 0x72/0x73 format */
	bool deferred;          /* 0x71/0x73 */
	uint8_t key;
	uint8_t asc;
	uint8_t ascq;
	bool info_valid;
	uint64_t information;
	bool sks_valid;         /* sense-key specific bytes present and valid */
	uint8_t sks[3];
	bool filemark, eom, ili;
};

/* Decode fixed or descriptor format sense. Returns false when buf is too
 * short or its response code is not 0x70..0x73. Never reads past len. */
USBMSC_API
bool usbmsc_sense_decode(const uint8_t *buf, size_t len, struct usbmsc_sense *out);

/* "ILLEGAL REQUEST" etc.; never NULL. */
USBMSC_API
const char *usbmsc_sense_key_name(uint8_t key);

/* T10 text for an ASC/ASCQ pair, including the ranges whose ASCQ is a
 * parameter (written into buf: "diagnostic failure on component 0x80").
 * Returns buf, or NULL when the pair is unknown (buf then holds
 * "ASC 0xNN ASCQ 0xNN"). */
USBMSC_API
const char *usbmsc_asc_text(uint8_t asc, uint8_t ascq, char *buf, size_t buflen);

/* One line: "ILLEGAL REQUEST: invalid command operation code (05/20/00)",
 * with " [deferred]" appended for deferred errors. Truncated to fit buflen
 * (always NUL-terminated when buflen > 0); returns the length written. */
USBMSC_API
size_t usbmsc_sense_describe(const struct usbmsc_sense *sense, char *buf, size_t buflen);

/* ---- INQUIRY, READ CAPACITY -------------------------------------------- */

struct usbmsc_inquiry {
	uint8_t qualifier;      /* peripheral qualifier, bits 7:5 */
	uint8_t device_type;    /* peripheral device type, bits 4:0 */
	bool removable;
	uint8_t version;
	uint8_t response_format;
	char vendor[9];         /* trailing spaces trimmed, NUL-terminated */
	char product[17];
	char revision[5];
};

/* Standard INQUIRY data; needs at least 36 bytes. */
USBMSC_API
bool usbmsc_inquiry_parse(const uint8_t *buf, size_t len, struct usbmsc_inquiry *out);

/* READ CAPACITY(10) (8 bytes) and (16) (at least 12 bytes) data. */
USBMSC_API
bool usbmsc_read_capacity10_parse(const uint8_t *buf, size_t len, uint32_t *last_lba,
				  uint32_t *block_size);
USBMSC_API
bool usbmsc_read_capacity16_parse(const uint8_t *buf, size_t len, uint64_t *last_lba,
				  uint32_t *block_size);

/* Name of a peripheral device type ("disk", "processor", ...). */
USBMSC_API
const char *usbmsc_device_type_name(uint8_t type);

/* ---- VPD pages ---------------------------------------------------------
 * Each parser checks the page code and the page length against len and
 * fails rather than read past the buffer. */

#define USBMSC_VPD_SUPPORTED 0x00u
#define USBMSC_VPD_SERIAL 0x80u
#define USBMSC_VPD_DEVICE_ID 0x83u
#define USBMSC_VPD_EXTENDED_INQUIRY 0x86u
#define USBMSC_VPD_BLOCK_LIMITS 0xB0u

struct usbmsc_vpd_supported {
	size_t count;
	uint8_t pages[255];
};
USBMSC_API
bool usbmsc_vpd_parse_supported(const uint8_t *buf, size_t len, struct usbmsc_vpd_supported *out);

/* Unit serial number, trailing and leading spaces trimmed, NUL-terminated
 * (truncated to outlen - 1 characters). */
USBMSC_API
bool usbmsc_vpd_parse_serial(const uint8_t *buf, size_t len, char *out, size_t outlen);

struct usbmsc_designator {
	uint8_t protocol_id;
	uint8_t code_set;       /* 1 binary, 2 ASCII, 3 UTF-8 */
	bool piv;
	uint8_t association;    /* 0 LU, 1 target port, 2 target device */
	uint8_t type;           /* 0 vendor, 1 T10 vendor ID, 2 EUI-64, 3 NAA, ... */
	uint8_t len;
	const uint8_t *id;      /* points into the caller's buffer */
};
/* Returns false on a malformed page; *count is the number of designators
 * the page holds, of which at most max are stored. */
USBMSC_API
bool usbmsc_vpd_parse_device_id(const uint8_t *buf, size_t len, struct usbmsc_designator *out,
				size_t max, size_t *count);
USBMSC_API
const char *usbmsc_designator_type_name(uint8_t type);

struct usbmsc_vpd_extended_inquiry {
	uint8_t activate_microcode;  /* byte 4 bits 7:6 */
	uint8_t spt;
	bool grd_chk, app_chk, ref_chk;
	bool uask_sup, group_sup, prior_sup, headsup, ordsup, simpsup;
	bool wu_sup, crd_sup, nv_sup, v_sup;
	bool luiclr, r_sup, cbcs;
	uint8_t multi_it_nexus_microcode_download;
	uint16_t extended_self_test_minutes;
	bool poa_sup, hra_sup, vsa_sup;   /* activation events for WRITE BUFFER mode 0x0D */
	uint8_t max_sense_len;
};
USBMSC_API
bool usbmsc_vpd_parse_extended_inquiry(const uint8_t *buf, size_t len,
				       struct usbmsc_vpd_extended_inquiry *out);

struct usbmsc_vpd_block_limits {
	bool wsnz;
	uint8_t max_compare_write_len;
	uint16_t opt_xfer_granularity;
	uint32_t max_xfer_len;
	uint32_t opt_xfer_len;
	uint32_t max_prefetch_len;
	uint32_t max_unmap_lba_count;
	uint32_t max_unmap_desc_count;
	uint32_t opt_unmap_granularity;
	bool ugavalid;
	uint32_t unmap_granularity_alignment;
	uint64_t max_write_same_len;
};
USBMSC_API
bool usbmsc_vpd_parse_block_limits(const uint8_t *buf, size_t len,
				   struct usbmsc_vpd_block_limits *out);

#ifdef __cplusplus
}
#endif
#endif
