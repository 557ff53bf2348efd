/* The common commands over a scripted transport: how READ/WRITE are split
 * and checked, READ CAPACITY's (10)-then-(16), and the parsers' use. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/initiator.h"

#define MAX_CMDS 32

/* One scripted answer. */
struct answer {
	uint8_t reply[64];
	uint32_t reply_len;     /* IN bytes to give (filled with the LBA pattern when 0 and IN) */
	bool short_by_residue;  /* GOOD, but report 512 bytes of residue */
	bool short_transfer;    /* GOOD, residue 0, but move 512 bytes less */
};

struct fake_transport {
	struct usbmsc_transport base;
	struct answer answers[MAX_CMDS];
	size_t answer_count;
	size_t pos;
	uint8_t cdbs[MAX_CMDS][16];
	uint32_t lens[MAX_CMDS];
	enum usbmsc_dir dirs[MAX_CMDS];
	uint8_t written[65536];
	size_t written_len;
};

/* IN data for READ: every byte of block b is (uint8_t)b. */
static void pattern(uint8_t *buf, uint64_t lba, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(lba + i / 512);
}

static uint64_t cdb_lba(const uint8_t *cdb)
{
	switch (cdb[0]) {
	case 0x28: case 0x2A: case 0xA8: case 0xAA: return usbmsc_get_be32(cdb + 2);
	case 0x88: case 0x8A: return usbmsc_get_be64(cdb + 2);
	default: return 0;
	}
}

static int ft_exec(struct usbmsc_transport *t, const struct usbmsc_cmd *cmd,
		   struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct fake_transport *ft = (struct fake_transport *)t;
	struct answer *a;
	size_t i = ft->pos++;

	(void)err;
	assert_true(i < ft->answer_count);
	a = &ft->answers[i];
	memcpy(ft->cdbs[i], cmd->cdb, cmd->cdb_len);
	ft->lens[i] = cmd->len;
	ft->dirs[i] = cmd->dir;
	memset(res, 0, sizeof *res);
	res->outcome = USBMSC_OUTCOME_GOOD;
	res->transferred = cmd->len;
	if (cmd->dir == USBMSC_DIR_IN) {
		if (a->reply_len) {
			memcpy(cmd->data, a->reply, a->reply_len);
			res->transferred = a->reply_len;
			res->residue = cmd->len - a->reply_len;
		} else {
			pattern(cmd->data, cdb_lba(cmd->cdb), cmd->len);
		}
	} else if (cmd->dir == USBMSC_DIR_OUT) {
		assert_true(ft->written_len + cmd->len <= sizeof ft->written);
		memcpy(ft->written + ft->written_len, cmd->data, cmd->len);
		ft->written_len += cmd->len;
	}
	if (a->short_by_residue)
		res->residue = 512;
	if (a->short_transfer)
		res->transferred -= 512;
	return 0;
}

static void ft_close(struct usbmsc_transport *t)
{
	free(t);
}

static const struct usbmsc_transport_ops ft_ops = {
	.name = "scripted", .exec = ft_exec, .close = ft_close,
};

struct fixture {
	struct fake_transport *ft;
	struct usbmsc_dev *dev;
	struct usbmsc_result res;
	uint8_t buf[65536];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct usbmsc_error err = {0};

	assert_non_null(fx);
	fx->ft = calloc(1, sizeof *fx->ft);
	assert_non_null(fx->ft);
	fx->ft->base.ops = &ft_ops;
	fx->ft->base.max_transfer = 4096;
	assert_int_equal(usbmsc_dev_from_transport(&fx->ft->base, &fx->dev, &err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	usbmsc_close(fx->dev);
	free(fx);
	return 0;
}

static struct answer *expect(struct fixture *fx)
{
	assert_true(fx->ft->answer_count < MAX_CMDS);
	return &fx->ft->answers[fx->ft->answer_count++];
}

static void read_split(void **state)
{
	struct fixture *fx = *state;

	/* 20 blocks at LBA 100 with a 4096-byte limit: 8 + 8 + 4. */
	for (int i = 0; i < 3; i++)
		expect(fx);
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 100, 20, 512, fx->buf, &fx->res), 0);
	assert_int_equal(fx->ft->pos, 3);
	assert_int_equal(fx->ft->cdbs[0][0], 0x28);
	assert_int_equal(usbmsc_get_be32(fx->ft->cdbs[0] + 2), 100);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[0] + 7), 8);
	assert_int_equal(usbmsc_get_be32(fx->ft->cdbs[1] + 2), 108);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[1] + 7), 8);
	assert_int_equal(usbmsc_get_be32(fx->ft->cdbs[2] + 2), 116);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[2] + 7), 4);
	assert_int_equal(fx->ft->lens[0], 4096);
	assert_int_equal(fx->ft->lens[2], 2048);
	for (uint32_t b = 0; b < 20; b++)
		assert_int_equal(fx->buf[b * 512 + 17], (uint8_t)(100 + b));
}

static void read_split_rounds_down(void **state)
{
	struct fixture *fx = *state;

	/* 5000 bytes of limit hold 9 whole blocks of 512. */
	fx->ft->base.max_transfer = 5000;
	expect(fx);
	expect(fx);
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 10, 512, fx->buf, &fx->res), 0);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[0] + 7), 9);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[1] + 7), 1);
	assert_int_equal(fx->ft->lens[0], 9 * 512);
}

static void read_4k_blocks(void **state)
{
	struct fixture *fx = *state;

	expect(fx);
	expect(fx);
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 2, 4096, fx->buf, &fx->res), 0);
	assert_int_equal(fx->ft->pos, 2);
	assert_int_equal(fx->ft->lens[1], 4096);
}

static void read_short_residue_fails(void **state)
{
	struct fixture *fx = *state;

	expect(fx)->short_by_residue = true;
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 4, 512, fx->buf, &fx->res),
			 USBMSC_E_TRANSPORT);
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "returned 1536 of 2048 bytes"));
}

static void read_short_transfer_fails(void **state)
{
	struct fixture *fx = *state;

	expect(fx);
	expect(fx)->short_transfer = true;
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 16, 512, fx->buf, &fx->res),
			 USBMSC_E_TRANSPORT);
	assert_int_equal(fx->ft->pos, 2); /* stopped at the short one */
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "3584 of 4096"));
}

static void read_large_lba_uses_16(void **state)
{
	struct fixture *fx = *state;

	expect(fx);
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0x100000000ull, 1, 512, fx->buf, &fx->res),
			 0);
	assert_int_equal(fx->ft->cdbs[0][0], 0x88);
	assert_int_equal(usbmsc_get_be64(fx->ft->cdbs[0] + 2), 0x100000000ull);
}

static void block_size_too_big(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 1, 8192, fx->buf, &fx->res),
			 USBMSC_E_USAGE);
	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 1, 0, fx->buf, &fx->res),
			 USBMSC_E_USAGE);
	assert_int_equal(fx->ft->pos, 0);
}

static void zero_blocks_no_command(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(usbmsc_read_blocks(fx->dev, 0, 0, 0, 512, fx->buf, &fx->res), 0);
	assert_int_equal(usbmsc_write_blocks(fx->dev, 0, 0, 0, 512, fx->buf, &fx->res), 0);
	assert_int_equal(fx->ft->pos, 0);
}

static void write_split(void **state)
{
	struct fixture *fx = *state;

	for (int i = 0; i < 12 * 512; i++)
		fx->buf[i] = (uint8_t)(i / 512 + 1);
	expect(fx);
	expect(fx);
	assert_int_equal(usbmsc_write_blocks(fx->dev, 1, 50, 12, 512, fx->buf, &fx->res), 0);
	assert_int_equal(fx->ft->cdbs[0][0], 0x2A);
	assert_int_equal(usbmsc_get_be32(fx->ft->cdbs[0] + 2), 50);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[0] + 7), 8);
	assert_int_equal(usbmsc_get_be32(fx->ft->cdbs[1] + 2), 58);
	assert_int_equal(usbmsc_get_be16(fx->ft->cdbs[1] + 7), 4);
	assert_int_equal(fx->ft->dirs[0], USBMSC_DIR_OUT);
	assert_int_equal(fx->ft->written_len, 12 * 512);
	assert_memory_equal(fx->ft->written, fx->buf, 12 * 512);
}

static void write_short_fails(void **state)
{
	struct fixture *fx = *state;

	expect(fx)->short_by_residue = true;
	assert_int_equal(usbmsc_write_blocks(fx->dev, 0, 0, 2, 512, fx->buf, &fx->res),
			 USBMSC_E_TRANSPORT);
	assert_non_null(strstr(usbmsc_dev_errmsg(fx->dev), "accepted 512 of 1024"));
}

static void capacity_10(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx);
	uint64_t blocks;
	uint32_t bs;

	usbmsc_put_be32(a->reply, 131071);
	usbmsc_put_be32(a->reply + 4, 512);
	a->reply_len = 8;
	assert_int_equal(usbmsc_read_capacity(fx->dev, 0, &blocks, &bs, &fx->res), 0);
	assert_int_equal(blocks, 131072);
	assert_int_equal(bs, 512);
	assert_int_equal(fx->ft->pos, 1);
	assert_int_equal(fx->ft->cdbs[0][0], 0x25);
}

static void capacity_16_fallback(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx), *b = expect(fx);
	uint64_t blocks;
	uint32_t bs;

	usbmsc_put_be32(a->reply, 0xFFFFFFFFu);
	usbmsc_put_be32(a->reply + 4, 512);
	a->reply_len = 8;
	usbmsc_put_be64(b->reply, 0x1FFFFFFFFull);
	usbmsc_put_be32(b->reply + 8, 4096);
	b->reply_len = 32;
	assert_int_equal(usbmsc_read_capacity(fx->dev, 0, &blocks, &bs, &fx->res), 0);
	assert_int_equal(blocks, 0x200000000ull);
	assert_int_equal(bs, 4096);
	assert_int_equal(fx->ft->cdbs[1][0], 0x9E);
	assert_int_equal(fx->ft->cdbs[1][1] & 0x1F, 0x10);
}

static void capacity_short(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx);
	uint64_t blocks;
	uint32_t bs;

	a->reply_len = 4;
	assert_int_equal(usbmsc_read_capacity(fx->dev, 0, &blocks, &bs, &fx->res),
			 USBMSC_E_TRANSPORT);
}

static void inquiry_parsed(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx);
	struct usbmsc_inquiry inq;

	a->reply[0] = 0x00;
	a->reply[1] = 0x80;
	a->reply[2] = 0x06;
	a->reply[3] = 0x02;
	a->reply[4] = 31;
	memcpy(a->reply + 8, "USBMSC  Virtual Disk    0100", 28);
	a->reply_len = 36;
	assert_int_equal(usbmsc_inquiry(fx->dev, 0, &inq, &fx->res), 0);
	assert_string_equal(inq.vendor, "USBMSC");
	assert_string_equal(inq.product, "Virtual Disk");
	assert_string_equal(inq.revision, "0100");
	assert_true(inq.removable);
	assert_int_equal(fx->ft->lens[0], 36);
}

static void inquiry_short(void **state)
{
	struct fixture *fx = *state;
	struct usbmsc_inquiry inq;

	expect(fx)->reply_len = 20;
	assert_int_equal(usbmsc_inquiry(fx->dev, 0, &inq, &fx->res), USBMSC_E_TRANSPORT);
}

static void request_sense_decoded(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx);
	struct usbmsc_sense s;

	a->reply[0] = 0x70;
	a->reply[2] = 0x06;
	a->reply[7] = 10;
	a->reply[12] = 0x29;
	a->reply_len = 18;
	assert_int_equal(usbmsc_request_sense(fx->dev, 0, &s, &fx->res), 0);
	assert_int_equal(s.key, 6);
	assert_int_equal(s.asc, 0x29);
	assert_int_equal(fx->ft->cdbs[0][0], 0x03);
}

static void report_luns_parsed(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx);
	uint16_t luns[8];
	size_t n = 99;

	usbmsc_put_be32(a->reply, 24);
	a->reply[8 + 1] = 0;
	a->reply[16 + 1] = 1;
	a->reply[24 + 0] = 0x40; /* flat space addressing */
	a->reply[24 + 1] = 2;
	a->reply_len = 32;
	assert_int_equal(usbmsc_report_luns(fx->dev, luns, 8, &n, &fx->res), 0);
	assert_int_equal(n, 3);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 1);
	assert_int_equal(luns[2], 2);
	/* room for fewer than the device reports */
	a = expect(fx);
	usbmsc_put_be32(a->reply, 24);
	a->reply_len = 32;
	assert_int_equal(usbmsc_report_luns(fx->dev, luns, 2, &n, &fx->res), 0);
	assert_int_equal(n, 2);
}

static void vpd_page_checked(void **state)
{
	struct fixture *fx = *state;
	struct answer *a = expect(fx);
	uint8_t page[64];
	size_t len = sizeof page;

	a->reply[1] = 0x80;
	a->reply[3] = 4;
	memcpy(a->reply + 4, "ABCD", 4);
	a->reply_len = 8;
	assert_int_equal(usbmsc_inquiry_vpd(fx->dev, 0, 0x80, page, &len, &fx->res), 0);
	assert_int_equal(len, 8);
	assert_int_equal(fx->ft->cdbs[0][1] & 1, 1);
	assert_int_equal(fx->ft->cdbs[0][2], 0x80);
	/* the wrong page back */
	a = expect(fx);
	a->reply[1] = 0x83;
	a->reply_len = 8;
	len = sizeof page;
	assert_int_equal(usbmsc_inquiry_vpd(fx->dev, 0, 0x80, page, &len, &fx->res),
			 USBMSC_E_TRANSPORT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(read_split), T(read_split_rounds_down), T(read_4k_blocks),
		T(read_short_residue_fails), T(read_short_transfer_fails), T(read_large_lba_uses_16),
		T(block_size_too_big), T(zero_blocks_no_command), T(write_split),
		T(write_short_fails), T(capacity_10), T(capacity_16_fallback), T(capacity_short),
		T(inquiry_parsed), T(inquiry_short), T(request_sense_decoded),
		T(report_luns_parsed), T(vpd_page_checked),
	};

	return cmocka_run_group_tests_name("commands", tests, NULL, NULL);
}
