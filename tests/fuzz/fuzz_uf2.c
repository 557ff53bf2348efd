/* libFuzzer harness: UF2 blocks (src/wire/uf2.c) and the host's readers of
 * a file door's STATUS.TXT and INFO_UF2.TXT (src/wire/door_status.c,
 * door_info.c).
 *
 * Input: one 512-byte block (shorter inputs are padded with zeros; a
 * heap copy of exactly 512 bytes, so that a read past it is reported),
 * and the same bytes read as STATUS.TXT and as INFO_UF2.TXT. Beyond memory safety it
 * checks what the format promises: a block of usbmsc's image kind has the
 * layout the device relies on (payload 256 bytes at address 256 * number,
 * number below the count, our family) and encodes back to a block that
 * parses the same; the version tag fits its buffer; a status line that
 * parses has the fields of its state; INFO_UF2.TXT's fields are
 * terminated within their buffers, and a board is the same board as
 * itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/doorstatus.h"
#include "usbmsc/uf2.h"

#include "fuzz_check.h"

#define BLK USBMSC_UF2_BLOCK_LEN

static void check_block(const uint8_t *blk)
{
	struct usbmsc_uf2_block b, b2;
	enum usbmsc_uf2_kind kind = usbmsc_uf2_parse(blk, &b);
	uint8_t again[BLK];
	char v[17], v2[17];
	bool has_v;

	FUZZ_CHECK(kind <= USBMSC_UF2_IMAGE);
	if (kind != USBMSC_UF2_IMAGE)
		return;
	FUZZ_CHECK(b.payload_len == USBMSC_UF2_PAYLOAD_LEN);
	FUZZ_CHECK(b.block_no < b.num_blocks && b.num_blocks <= USBMSC_UF2_MAX_BLOCKS);
	FUZZ_CHECK(b.addr == b.block_no * USBMSC_UF2_PAYLOAD_LEN);
	FUZZ_CHECK((b.flags & USBMSC_UF2_FLAG_FAMILY) && b.family == USBMSC_UF2_FAMILY);
	FUZZ_CHECK(!(b.flags & (USBMSC_UF2_FLAG_NOT_MAIN_FLASH | USBMSC_UF2_FLAG_FILE_CONTAINER)));
	has_v = usbmsc_uf2_version(blk, &b, v, sizeof(v));
	if (has_v)
		FUZZ_CHECK(strlen(v) < sizeof(v));
	/* The same block as usbmsc writes it: it parses the same. */
	usbmsc_uf2_encode(again, b.block_no, b.num_blocks, has_v ? v : NULL);
	memcpy(again + USBMSC_UF2_DATA_OFFSET, blk + USBMSC_UF2_DATA_OFFSET,
	       USBMSC_UF2_PAYLOAD_LEN);
	FUZZ_CHECK(usbmsc_uf2_parse(again, &b2) == USBMSC_UF2_IMAGE);
	FUZZ_CHECK(b2.block_no == b.block_no && b2.num_blocks == b.num_blocks &&
		   b2.addr == b.addr);
	if (has_v && v[0] != '\0') {
		FUZZ_CHECK(usbmsc_uf2_version(again, &b2, v2, sizeof(v2)));
		FUZZ_CHECK(strcmp(v, v2) == 0);
	}
}

static void check_status(const char *text, size_t len)
{
	struct usbmsc_door_status st;
	bool ok = usbmsc_door_status_parse(text, len, &st);

	FUZZ_CHECK(ok == (st.state != USBMSC_DOOR_ST_UNKNOWN));
	FUZZ_CHECK(usbmsc_door_state_name(st.state) != NULL);
	FUZZ_CHECK(strlen(st.from) < sizeof(st.from) && strlen(st.to) < sizeof(st.to));
	FUZZ_CHECK(strlen(st.reason_text) < sizeof(st.reason_text));
	if (st.state == USBMSC_DOOR_ST_UPDATED)
		FUZZ_CHECK(st.from[0] != '\0' && st.to[0] != '\0');
	if (st.state == USBMSC_DOOR_ST_REFUSED)
		FUZZ_CHECK(st.reason_text[0] != '\0');
	if (st.state != USBMSC_DOOR_ST_RECEIVING && st.state != USBMSC_DOOR_ST_INCOMPLETE)
		FUZZ_CHECK(st.got == 0 && st.blocks == 0);
}

static void check_info(const char *text, size_t len)
{
	struct usbmsc_door_info in;
	bool ok = usbmsc_door_info_parse(text, len, &in);

	FUZZ_CHECK(strlen(in.bootloader) < sizeof(in.bootloader));
	FUZZ_CHECK(strlen(in.model) < sizeof(in.model));
	FUZZ_CHECK(strlen(in.board_id) < sizeof(in.board_id));
	FUZZ_CHECK(strlen(in.firmware) < sizeof(in.firmware));
	if (!ok)
		FUZZ_CHECK(!in.bootloader[0] && !in.model[0] && !in.board_id[0] && !in.firmware[0]);
	FUZZ_CHECK(usbmsc_door_info_same_board(&in, &in) == (in.model[0] || in.board_id[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blk = malloc(BLK);
	unsigned char *text;

	if (!blk)
		abort();
	memset(blk, 0, BLK);
	memcpy(blk, data, size < BLK ? size : BLK);
	check_block(blk);
	free(blk);
	FUZZ_CHECK(usbmsc_uf2_blocks((uint32_t)size) == (size + 255u) / 256u);
	text = fuzz_dup(data, size);
	check_status((const char *)text, size);
	check_info((const char *)text, size);
	free(text);
	return 0;
}
