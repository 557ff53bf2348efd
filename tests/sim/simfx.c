/* Shared code of the virtual-device scenario tests (simfx.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simfx.h"
#include "../common/testfs.h"
#include "../../src/common/fdio.h"
#include "../../src/os/os_file.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/compliance.h"

uint8_t pattern_byte(uint64_t off)
{
	/* differs per byte and per block, so a shifted or misplaced block shows */
	return (uint8_t)(off * 7u + (off >> 9) * 13u + 1u);
}

void simfx_init(struct simfx *f, bool fill)
{
	memset(f, 0, sizeof *f);
	testfs_mkdtemp(f->dir, sizeof f->dir, "usbmsc-sim");
	snprintf(f->path, sizeof f->path, "%s/disk.img", f->dir);
	if (fill) {
		static uint8_t chunk[65536];
		int fd = usbmsc_file_open(f->path, USBMSC_FILE_WRITE | USBMSC_FILE_CREATE |
					  USBMSC_FILE_TRUNC, 0644);
		assert_true(fd >= 0);
		for (uint64_t off = 0; off < IMG_SIZE; off += sizeof chunk) {
			for (size_t i = 0; i < sizeof chunk; i++)
				chunk[i] = pattern_byte(off + i);
			assert_true(usbmsc_write_full(fd, chunk, sizeof chunk));
		}
		usbmsc_file_close(fd);
	}
}

/* options with the framing's option in front. */
static void with_framing(const char *options, char *buf, size_t len)
{
	const char *sep = SIMFX_OPTIONS[0] && options && options[0] ? "&" : "";

	assert_true((size_t)snprintf(buf, len, "%s%s%s", SIMFX_OPTIONS, sep,
				     options ? options : "") < len);
}

void simfx_uri(const struct simfx *f, const char *options, char *buf, size_t len)
{
	char all[400];

	with_framing(options, all, sizeof all);
	assert_true((size_t)snprintf(buf, len, "sim:%s%s%s", f->path, all[0] ? "?" : "",
				     all) < len);
}

void simfx_open(struct simfx *f, const char *options)
{
	struct usbmsc_error err = {0};
	char all[400];
	int r;

	with_framing(options, all, sizeof all);
	r = usbmsc_sim_create(f->path, all, &f->sim, &err);

	if (r != 0)
		fail_msg("usbmsc_sim_create(%s, %s): %d %s", f->path, all, r, err.msg);
	f->pipe = usbmsc_sim_pipe(f->sim);
	assert_non_null(f->pipe);
	assert_int_equal(f->pipe->framing, SIMFX_FRAMING);
	f->tag = 0;
}

void simfx_close(struct simfx *f)
{
	if (f->pipe)
		f->pipe->ops->close(f->pipe);
	f->pipe = NULL;
	f->sim = NULL;
}

void simfx_cleanup(struct simfx *f)
{
	simfx_close(f);
	testfs_rmtree(f->dir);
}

uint64_t hash_file(const char *path, uint64_t skip_off, uint64_t skip_len)
{
	static uint8_t buf[65536];
	uint64_t h = 0xcbf29ce484222325u, off = 0;
	int fd = usbmsc_file_open(path, USBMSC_FILE_READ, 0);
	int64_t n;

	assert_true(fd >= 0);
	while ((n = usbmsc_read_full(fd, buf, sizeof buf)) > 0) {
		for (int64_t i = 0; i < n; i++, off++) {
			if (off >= skip_off && off < skip_off + skip_len)
				continue;
			h ^= buf[i];
			h *= 0x100000001b3u;
		}
	}
	usbmsc_file_close(fd);
	return h ^ off; /* the length counts too */
}

void read_file(const char *path, uint64_t off, void *buf, size_t len)
{
	testfs_pread(path, off, buf, len);
}

void assert_pattern(const char *path, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	read_file(path, off, buf, len);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pattern_byte(off + i))
			fail_msg("image byte %llu changed", (unsigned long long)(off + i));
	}
	free(buf);
}

int raw_cbw(struct simfx *f, uint32_t len, bool in, uint8_t lun, const uint8_t *cdb,
	    uint8_t cdb_len)
{
	struct usbmsc_cbw cbw;
	uint8_t wire[31];
	size_t done = 0;
	int r;

	memset(&cbw, 0, sizeof cbw);
	cbw.tag = ++f->tag;
	cbw.data_len = len;
	cbw.flags = in ? 0x80 : 0x00;
	cbw.lun = lun;
	cbw.cb_len = cdb_len;
	memcpy(cbw.cb, cdb, cdb_len);
	usbmsc_cbw_encode_framed(&cbw, SIMFX_FRAMING, wire);
	r = f->pipe->ops->bulk(f->pipe, false, wire, sizeof wire, &done, 1000);
	if (r == USBMSC_PIPE_OK)
		assert_int_equal(done, 31);
	return r;
}

int raw_out(struct simfx *f, const void *buf, size_t len, size_t *done)
{
	return f->pipe->ops->bulk(f->pipe, false, (uint8_t *)(uintptr_t)buf, len, done, 1000);
}

int raw_in(struct simfx *f, void *buf, size_t len, size_t *done)
{
	return f->pipe->ops->bulk(f->pipe, true, buf, len, done, 1000);
}

static void check_csw(struct simfx *f, const uint8_t *c, size_t n, uint8_t status,
		      uint32_t residue)
{
	assert_int_equal(n, 13);
	assert_int_equal(usbmsc_get_le32(c), usbmsc_csw_signature(SIMFX_FRAMING));
	assert_int_equal(usbmsc_get_le32(c + 4), f->tag);
	assert_int_equal(c[12], status);
	assert_int_equal(usbmsc_get_le32(c + 8), residue);
}

void expect_csw(struct simfx *f, uint8_t status, uint32_t residue)
{
	uint8_t c[13];
	size_t n = 0;

	assert_int_equal(raw_in(f, c, sizeof c, &n), USBMSC_PIPE_OK);
	check_csw(f, c, n, status, residue);
}

void expect_stalled_csw(struct simfx *f, uint8_t status, uint32_t residue)
{
	uint8_t c[13];
	size_t n = 0;

	assert_int_equal(raw_in(f, c, sizeof c, &n), USBMSC_PIPE_STALL);
	assert_int_equal(n, 0);
	assert_true(halted(f, true));
	clear_halt(f, true);
	assert_false(halted(f, true));
	assert_int_equal(raw_in(f, c, sizeof c, &n), USBMSC_PIPE_OK);
	check_csw(f, c, n, status, residue);
}

bool halted(struct simfx *f, bool in)
{
	bool h = false;

	/* GET_STATUS(ENDPOINT), two bytes, as the compliance checks ask it */
	assert_int_equal(usbmsc_pipe_get_halt(f->pipe, in, &h, 1000), USBMSC_PIPE_OK);
	return h;
}

void clear_halt(struct simfx *f, bool in)
{
	assert_int_equal(f->pipe->ops->clear_halt(f->pipe, in, 1000), USBMSC_PIPE_OK);
}

void reset_recovery(struct simfx *f)
{
	assert_int_equal(usbmsc_bot_reset_recovery(f->pipe, 1000), 0);
}

void clear_unit_attention(struct simfx *f)
{
	const uint8_t tur[6] = { 0 };
	uint8_t c[13];
	size_t n;

	for (int i = 0; i < 4; i++) {
		assert_int_equal(raw_cbw(f, 0, false, 0, tur, 6), USBMSC_PIPE_OK);
		assert_int_equal(raw_in(f, c, 13, &n), USBMSC_PIPE_OK);
		assert_int_equal(n, 13);
		if (c[12] == 0)
			return;
		assert_int_equal(c[12], 1);
	}
	fail_msg("TEST UNIT READY never passed");
}

void assert_device_works(struct simfx *f)
{
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t data[36];
	size_t n = 0;

	assert_int_equal(raw_cbw(f, 36, true, 0, inq, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, data, 36, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, 36);
	assert_memory_equal(data + 8, "USBMSC  Virtual Disk    0100", 28);
	expect_csw(f, 0, 0);
	/* After a reset the first TEST UNIT READY reports it (06/29/00). */
	clear_unit_attention(f);
	assert_int_equal(counter(f, 5), 0); /* the target kept the endpoint contract */
}

uint64_t counter(struct simfx *f, unsigned index)
{
	const uint8_t cdb[6] = { USBMSC_SIM_OP_COUNTERS, 0, 0, 0, 48, 0 };
	uint8_t c[48];
	size_t n = 0;

	assert_true(index < 6);
	assert_int_equal(raw_cbw(f, sizeof c, true, 0, cdb, 6), USBMSC_PIPE_OK);
	assert_int_equal(raw_in(f, c, sizeof c, &n), USBMSC_PIPE_OK);
	assert_int_equal(n, sizeof c);
	expect_csw(f, 0, 0);
	return usbmsc_get_be64(c + 8 * index);
}

void cdb_rw10(uint8_t cdb[10], uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	usbmsc_put_be32(cdb + 2, lba);
	usbmsc_put_be16(cdb + 7, blocks);
}

void notes_fn(void *ctx, enum usbmsc_trace_kind kind, const char *text, const uint8_t *bytes,
	      size_t len)
{
	struct notes *n = ctx;
	size_t used = strlen(n->text);

	(void)bytes;
	(void)len;
	if (kind != USBMSC_TRACE_NOTE || used + strlen(text) + 2 >= sizeof n->text)
		return;
	strcat(n->text, text);
	strcat(n->text, "\n");
}
