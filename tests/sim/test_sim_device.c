/* The virtual device through usbmsc_open: its options, images, identity,
 * several LUNs, read-only, 4096-byte blocks, and its vendor commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simfx.h"
#include "usbmsc/byteorder.h"

struct dfx {
	struct simfx f;
	struct usbmsc_dev *dev;
	struct usbmsc_result res;
	struct usbmsc_error err;
};

static int setup(void **state)
{
	struct dfx *x = calloc(1, sizeof *x);

	assert_non_null(x);
	simfx_init(&x->f, false);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct dfx *x = *state;

	usbmsc_close(x->dev);
	simfx_cleanup(&x->f);
	free(x);
	return 0;
}

static int try_open(struct dfx *x, const char *options)
{
	char uri[512];

	usbmsc_close(x->dev);
	x->dev = NULL;
	snprintf(uri, sizeof uri, "sim:%s%s%s", x->f.path, options ? "?" : "", options ? options : "");
	return usbmsc_open(uri, NULL, &x->dev, &x->err);
}

/* Open and clear the power-on unit attention of LUN 0. */
static void open_ready(struct dfx *x, const char *options)
{
	if (try_open(x, options) != 0)
		fail_msg("open %s: %s", options ? options : "", x->err.msg);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), 0);
}

static int vendor_in(struct dfx *x, uint8_t op, uint16_t alloc, uint8_t *buf, uint32_t len)
{
	uint8_t cdb[6] = { op, 0, 0, (uint8_t)(alloc >> 8), (uint8_t)alloc, 0 };
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .dir = len ? USBMSC_DIR_IN : USBMSC_DIR_NONE,
		.data = len ? buf : NULL, .len = len,
	};

	return usbmsc_exec(x->dev, &cmd, &x->res);
}

static int echo_write(struct dfx *x, const uint8_t *buf, uint16_t len)
{
	uint8_t cdb[6] = { USBMSC_SIM_OP_ECHO_WRITE, 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0 };
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .dir = len ? USBMSC_DIR_OUT : USBMSC_DIR_NONE,
		.data = (uint8_t *)(uintptr_t)buf, .len = len,
	};

	return usbmsc_exec(x->dev, &cmd, &x->res);
}

/* ---- images and options ------------------------------------------------------ */

static void creates_sparse_image(void **state)
{
	struct dfx *x = *state;
	struct stat st;
	uint64_t blocks;
	uint32_t bs;

	open_ready(x, NULL);
	assert_int_equal(stat(x->f.path, &st), 0);
	assert_int_equal(st.st_size, USBMSC_SIM_DEFAULT_SIZE);
	assert_true((uint64_t)st.st_blocks * 512 < 1024 * 1024); /* sparse */
	assert_int_equal(usbmsc_read_capacity(x->dev, 0, &blocks, &bs, &x->res), 0);
	assert_int_equal(blocks, USBMSC_SIM_DEFAULT_SIZE / 512);
	assert_int_equal(bs, 512);
}

static void size_only_when_creating(void **state)
{
	struct dfx *x = *state;
	struct stat st;
	uint64_t blocks;
	uint32_t bs;

	open_ready(x, "size=2M");
	assert_int_equal(stat(x->f.path, &st), 0);
	assert_int_equal(st.st_size, 2 * 1024 * 1024);
	open_ready(x, "size=8M"); /* the image exists: its size stands */
	assert_int_equal(stat(x->f.path, &st), 0);
	assert_int_equal(st.st_size, 2 * 1024 * 1024);
	assert_int_equal(usbmsc_read_capacity(x->dev, 0, &blocks, &bs, &x->res), 0);
	assert_int_equal(blocks, 4096);
}

static void bad_options(void **state)
{
	struct dfx *x = *state;
	struct stat st;

	assert_int_equal(try_open(x, "frobnicate=1"), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "frobnicate"));
	assert_int_equal(try_open(x, "bs=1000"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "luns=17"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "luns=0"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "size=12x"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "size=1000"), USBMSC_E_USAGE); /* not whole blocks */
	assert_int_equal(try_open(x, "ro=yes"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "buf=100"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "buf=1000"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "serial=has space"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "fault=explode@3"), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "explode"));
	assert_int_equal(try_open(x, "fault=timeout"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "fault=timeout@0"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "ro"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "fw-slot=60K"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "fw-slot=66K"), USBMSC_E_USAGE); /* not whole sectors */
	assert_int_equal(try_open(x, "fw-slot=516M"), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "64K to 512M"));
	assert_null(x->dev);
	assert_int_not_equal(stat(x->f.path, &st), 0); /* nothing created */
}

static void read_only(void **state)
{
	struct dfx *x = *state;
	uint8_t block[512] = { 1, 2, 3 };

	assert_int_equal(try_open(x, "ro=1"), USBMSC_E_FILE); /* not created */
	open_ready(x, "size=1M");
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 0, 1, 512, block, &x->res), 0);
	open_ready(x, "ro=1");
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 1, 1, 512, block, &x->res),
			 USBMSC_E_DATA_PROTECT);
	assert_non_null(strstr(usbmsc_dev_errmsg(x->dev), "07/27/00"));
	memset(block, 0, sizeof block);
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 0, 1, 512, block, &x->res), 0);
	assert_int_equal(block[2], 3);
}

static void block_size_4096(void **state)
{
	struct dfx *x = *state;
	static uint8_t data[3 * 4096], back[3 * 4096];
	uint8_t got[4096];
	uint64_t blocks;
	uint32_t bs;

	open_ready(x, "bs=4096&size=4M&buf=512");
	assert_int_equal(usbmsc_read_capacity(x->dev, 0, &blocks, &bs, &x->res), 0);
	assert_int_equal(bs, 4096);
	assert_int_equal(blocks, 1024);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 5 + (i >> 12));
	/* a 512-byte streaming buffer carries 4096-byte blocks in pieces */
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 7, 3, 4096, data, &x->res), 0);
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 7, 3, 4096, back, &x->res), 0);
	assert_memory_equal(back, data, sizeof data);
	read_file(x->f.path, 8 * 4096, got, sizeof got);
	assert_memory_equal(got, data + 4096, 4096);
}

static void several_luns(void **state)
{
	struct dfx *x = *state;
	uint16_t luns[16];
	size_t n = 0;
	uint8_t lun = 0, block[512], got[512];
	char name[300];

	open_ready(x, "luns=3&size=1M");
	assert_int_equal(usbmsc_dev_max_lun(x->dev, &lun), 0);
	assert_int_equal(lun, 2);
	assert_int_equal(usbmsc_report_luns(x->dev, luns, 16, &n, &x->res), 0);
	assert_int_equal(n, 3);
	assert_int_equal(luns[2], 2);
	/* LUN 2 has its own unit attention and its own file */
	memset(block, 0x42, sizeof block);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 2, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(usbmsc_write_blocks(x->dev, 2, 5, 1, 512, block, &x->res), 0);
	snprintf(name, sizeof name, "%s.lun2", x->f.path);
	read_file(name, 5 * 512, got, sizeof got);
	assert_memory_equal(got, block, sizeof block);
	read_file(x->f.path, 5 * 512, got, sizeof got);
	assert_int_equal(got[0], 0);
}

static void identity_and_serial(void **state)
{
	struct dfx *x = *state;
	struct usbmsc_inquiry inq;
	uint8_t page[64];
	size_t len = sizeof page;
	char first[40];

	open_ready(x, NULL);
	assert_int_equal(usbmsc_inquiry(x->dev, 0, &inq, &x->res), 0);
	assert_string_equal(inq.vendor, "USBMSC");
	assert_string_equal(inq.product, "Virtual Disk");
	assert_string_equal(inq.revision, "0100");
	assert_int_equal(usbmsc_inquiry_vpd(x->dev, 0, 0x80, page, &len, &x->res), 0);
	assert_true(usbmsc_vpd_parse_serial(page, len, first, sizeof first));
	assert_true(strlen(first) > 0);
	/* stable for the same image */
	open_ready(x, NULL);
	len = sizeof page;
	assert_int_equal(usbmsc_inquiry_vpd(x->dev, 0, 0x80, page, &len, &x->res), 0);
	{
		char again[40];
		assert_true(usbmsc_vpd_parse_serial(page, len, again, sizeof again));
		assert_string_equal(again, first);
	}
	open_ready(x, "serial=ABC-123");
	len = sizeof page;
	assert_int_equal(usbmsc_inquiry_vpd(x->dev, 0, 0x80, page, &len, &x->res), 0);
	assert_true(usbmsc_vpd_parse_serial(page, len, first, sizeof first));
	assert_string_equal(first, "ABC-123");
}

/* I/O errors of the image become medium errors: a read past the end of
 * a file that shrank under the device (03/11/00), a write the file-size
 * limit refuses (03/0C/00). */
static void image_io_errors(void **state)
{
	struct dfx *x = *state;
	uint8_t block[512];
	struct rlimit old, lim;
	void (*old_handler)(int);

	open_ready(x, "size=1M");
	assert_int_equal(truncate(x->f.path, 512 * 1024), 0);
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 1500, 1, 512, block, &x->res),
			 USBMSC_E_MEDIUM);
	assert_non_null(strstr(usbmsc_dev_errmsg(x->dev), "03/11/00"));
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 10, 1, 512, block, &x->res), 0);

	memset(block, 0x5A, sizeof block);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 512 * 1024;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 1500, 1, 512, block, &x->res),
			 USBMSC_E_MEDIUM);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	assert_non_null(strstr(usbmsc_dev_errmsg(x->dev), "03/0C/00"));
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 10, 1, 512, block, &x->res), 0);
}

/* ---- vendor commands ----------------------------------------------------------- */

static void device_info(void **state)
{
	struct dfx *x = *state;
	uint8_t info[64];

	open_ready(x, "size=2M&luns=2&buf=8192&pad=1&fault=timeout@1000");
	memset(info, 0xEE, sizeof info);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 64, info, 64), 0);
	assert_int_equal(x->res.transferred, 64);
	assert_memory_equal(info, "USBMSCSM", 8);
	assert_int_equal(info[8], 1);
	assert_int_equal(info[9], 2);
	assert_int_equal(info[10], 0x02); /* pad */
	assert_int_equal(usbmsc_get_be32(info + 12), 512);
	assert_int_equal(usbmsc_get_be64(info + 16), 4096);
	assert_int_equal(usbmsc_get_be32(info + 24), 8192);
	assert_int_equal(usbmsc_get_be32(info + 28), 512);
	assert_int_equal(usbmsc_get_be16(info + 32), 1);
	assert_int_equal(usbmsc_get_be16(info + 34), 0);
	assert_int_equal(usbmsc_get_be32(info + 36), 4096);
	for (int i = 44; i < 64; i++)
		assert_int_equal(info[i], 0);
	/* a shorter allocation gets a prefix */
	memset(info, 0, sizeof info);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 8, info, 8), 0);
	assert_memory_equal(info, "USBMSCSM", 8);
}

static void counters(void **state)
{
	struct dfx *x = *state;
	uint8_t c[48], block[1024] = { 9 };

	open_ready(x, "size=1M");
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 0, 2, 512, block, &x->res), 0);
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 0, 1, 512, block, &x->res), 0);
	assert_int_equal(usbmsc_dev_reset(x->dev), 0);
	assert_int_equal(usbmsc_test_unit_ready(x->dev, 0, &x->res), USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_COUNTERS, 48, c, 48), 0);
	/* TUR+SENSE, TUR, WRITE, READ, TUR+SENSE after the reset, this one */
	assert_int_equal(usbmsc_get_be64(c), 8);
	assert_int_equal(usbmsc_get_be64(c + 8), 512);
	assert_int_equal(usbmsc_get_be64(c + 16), 1024);
	assert_int_equal(usbmsc_get_be64(c + 24), 1);
	assert_int_equal(usbmsc_get_be64(c + 40), 0); /* no contract breaches */
}

/* bufs=N: the pipelined target core, disks finishing later: the same data
 * on the wire and in the image, no contract breach. */
static void pipelined_buffers(void **state)
{
	struct dfx *x = *state;
	static uint8_t data[40 * 512], back[40 * 512];
	uint8_t info[64], c[48], got[512];

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 9));
	open_ready(x, "size=1M&bufs=4&buf=1024");
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 64, info, 64), 0);
	assert_int_equal(info[11], 4);
	assert_int_equal(usbmsc_get_be32(info + 24), 1024);
	assert_int_equal(usbmsc_write_blocks(x->dev, 0, 3, 40, 512, data, &x->res), 0);
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 3, 40, 512, back, &x->res), 0);
	assert_memory_equal(back, data, sizeof data);
	read_file(x->f.path, 42 * 512, got, sizeof got);
	assert_memory_equal(got, data + 39 * 512, 512);
	/* a read past the end: no data, the range error */
	assert_int_equal(usbmsc_read_blocks(x->dev, 0, 2040, 40, 512, back, &x->res),
			 USBMSC_E_ILLEGAL_REQUEST);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_COUNTERS, 48, c, 48), 0);
	assert_int_equal(usbmsc_get_be64(c + 8), sizeof data);
	assert_int_equal(usbmsc_get_be64(c + 16), sizeof data);
	assert_int_equal(usbmsc_get_be64(c + 40), 0); /* no contract breaches */
	open_ready(x, "bufs=1");
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 64, info, 64), 0);
	assert_int_equal(info[11], 1);
}

static void pipelined_options(void **state)
{
	struct dfx *x = *state;
	const char *env = getenv("USBMSC_SIM_OPTIONS");
	char *saved = env ? strdup(env) : NULL;
	uint8_t info[64];

	assert_int_equal(try_open(x, "bufs=3"), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "1, 2, 4, 8 or 16"));
	assert_int_equal(try_open(x, "bufs=0"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "bufs=32"), USBMSC_E_USAGE);
	assert_int_equal(try_open(x, "bufs=16&buf=2M"), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "16M"));
	/* The environment's options come first, the URI's win; a bad one
	 * names the variable. */
	assert_int_equal(setenv("USBMSC_SIM_OPTIONS", "bufs=5", 1), 0);
	assert_int_equal(try_open(x, NULL), USBMSC_E_USAGE);
	assert_non_null(strstr(x->err.msg, "USBMSC_SIM_OPTIONS"));
	assert_non_null(strstr(x->err.msg, "bufs=5"));
	assert_int_equal(setenv("USBMSC_SIM_OPTIONS", "bufs=2&size=1M", 1), 0);
	open_ready(x, "bufs=8");
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 64, info, 64), 0);
	assert_int_equal(info[11], 8);
	assert_int_equal(usbmsc_get_be64(info + 16), 2048); /* size=1M from the environment */
	if (saved)
		setenv("USBMSC_SIM_OPTIONS", saved, 1);
	else
		unsetenv("USBMSC_SIM_OPTIONS");
	free(saved);
}

static void vendor_commands_need_attention_cleared(void **state)
{
	struct dfx *x = *state;
	uint8_t info[64];

	assert_int_equal(try_open(x, NULL), 0);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 64, info, 64),
			 USBMSC_E_UNIT_ATTENTION);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_DEVICE_INFO, 64, info, 64), 0);
}

static void echo(void **state)
{
	struct dfx *x = *state;
	static uint8_t out[4098], back[4096];

	open_ready(x, NULL);
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(echo_write(x, out, 100), 0);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_ECHO_READ, 100, back, 100), 0);
	assert_memory_equal(back, out, 100);
	/* asking for more gets what is stored */
	memset(back, 0, sizeof back);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_ECHO_READ, 4096, back, 4096), 0);
	assert_int_equal(x->res.transferred, 100);
	assert_int_equal(x->res.residue, 3996);
	/* the largest, and one too many */
	assert_int_equal(echo_write(x, out, 4096), 0);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_ECHO_READ, 4096, back, 4096), 0);
	assert_memory_equal(back, out, 4096);
	assert_int_equal(echo_write(x, out + 1, 4097), USBMSC_E_ILLEGAL_REQUEST);
	assert_non_null(strstr(usbmsc_dev_errmsg(x->dev), "05/24/00"));
	/* the failed write left the buffer alone */
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_ECHO_READ, 4096, back, 4096), 0);
	assert_memory_equal(back, out, 4096);
}

/* The echo buffer outlives the device: the next open (the next CLI
 * invocation) reads back what this one stored, from PATH.echo. */
static void echo_persists(void **state)
{
	struct dfx *x = *state;
	static uint8_t out[300], back[300], big[4097];
	char name[300];
	FILE *fp;

	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)(i + 7);
	open_ready(x, NULL);
	assert_int_equal(echo_write(x, out, sizeof out), 0);
	open_ready(x, NULL);
	assert_int_equal(vendor_in(x, USBMSC_SIM_OP_ECHO_READ, sizeof back, back, sizeof back), 0);
	assert_int_equal(x->res.transferred, sizeof out);
	assert_memory_equal(back, out, sizeof out);
	/* a file that cannot be an echo buffer is refused, not truncated */
	usbmsc_close(x->dev);
	x->dev = NULL;
	snprintf(name, sizeof name, "%s.echo", x->f.path);
	fp = fopen(name, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(big, 1, sizeof big, fp), sizeof big);
	fclose(fp);
	assert_int_equal(try_open(x, NULL), USBMSC_E_FILE);
	assert_non_null(strstr(x->err.msg, ".echo"));
}

static void vendor_reserved_bytes_checked(void **state)
{
	struct dfx *x = *state;
	uint8_t cdb[6] = { USBMSC_SIM_OP_COUNTERS, 1, 0, 0, 48, 0 };
	uint8_t buf[48];
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .dir = USBMSC_DIR_IN, .data = buf, .len = 48,
	};

	open_ready(x, NULL);
	assert_int_equal(usbmsc_exec(x->dev, &cmd, &x->res), USBMSC_E_ILLEGAL_REQUEST);
}

/* ECHO WRITE of 100 bytes with host OUT 1024 (case 11 with a device
 * length that is not whole packets): the device takes 100 and drops the
 * rest, and the next command is not disturbed. */
static void echo_case11_partial_packet(void **state)
{
	struct dfx *x = *state;
	struct simfx *f = &x->f;
	uint8_t cdb[6] = { USBMSC_SIM_OP_ECHO_WRITE, 0, 0, 0, 100, 0 };
	uint8_t out[1024], back[100];
	size_t n = 0;

	simfx_open(f, "");
	clear_unit_attention(f);
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)(255 - i);
	assert_int_equal(raw_cbw(f, sizeof out, false, 0, cdb, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_out(f, out, sizeof out, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, sizeof out);
	expect_csw(f, 0, 924);
	cdb[0] = USBMSC_SIM_OP_ECHO_READ;
	assert_int_equal(raw_cbw(f, sizeof back, true, 0, cdb, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, back, sizeof back, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 100);
	assert_memory_equal(back, out, 100);
	expect_csw(f, 0, 0);
	assert_device_works(f);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(creates_sparse_image), T(size_only_when_creating), T(bad_options), T(read_only),
		T(block_size_4096), T(several_luns), T(image_io_errors), T(identity_and_serial), T(device_info),
		T(counters), T(pipelined_buffers), T(pipelined_options),
		T(vendor_commands_need_attention_cleared), T(echo),
		T(vendor_reserved_bytes_checked), T(echo_case11_partial_packet), T(echo_persists),
	};

	return cmocka_run_group_tests_name("sim_device", tests, NULL, NULL);
}
