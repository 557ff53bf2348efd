/* Block I/O: read and write, streamed in pieces of the transport's maximum
 * transfer, so that memory stays small whatever COUNT or the file size. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/os/os_file.h"

#include "hexdump.h"
#include "outfile.h"
#include "parse.h"
#include "progress.h"

/* Bound on one piece even when a transport allows more. */
#define PIECE_MAX (16u * 1024u * 1024u)

struct geometry {
	uint64_t blocks;        /* of the LUN */
	uint32_t block_size;
};

static int read_geometry(struct cli *c, struct geometry *g)
{
	struct usbmsc_result res;
	int st;

	do
		st = usbmsc_read_capacity(c->dev, c->lun, &g->blocks, &g->block_size, &res);
	while (cli_again(c, st, &res));

	if (st)
		return cli_fail_result(c, st, &res);
	if (g->block_size == 0)
		return cli_fail(c, USBMSC_E_OTHER, "the device reports a block size of 0");
	return 0;
}

/* Refuse a range that does not fit before anything is sent. */
static int check_range(struct cli *c, const struct geometry *g, uint64_t lba, uint64_t count,
		       const char *nothing)
{
	if (lba < g->blocks && count <= g->blocks - lba)
		return 0;
	return cli_fail(c, USBMSC_E_ILLEGAL_REQUEST,
			"LBA %" PRIu64 " + %" PRIu64 " block%s runs past the end of the LUN "
			"(%" PRIu64 " blocks, last LBA %" PRIu64 "); %s",
			lba, count, count == 1 ? "" : "s", g->blocks, g->blocks ? g->blocks - 1 : 0,
			nothing);
}

/* Blocks per command: the transport's limit, at least one block. */
static uint32_t piece_blocks(const struct cli *c, uint32_t block_size)
{
	uint32_t max = usbmsc_dev_max_transfer(c->dev);

	if (max == 0 || max > PIECE_MAX)
		max = PIECE_MAX;
	return max >= block_size ? max / block_size : 1;
}

static bool parse_lba(struct cli *c, const char *s, uint64_t *lba, int *st)
{
	if (parse_u64(s, lba))
		return true;
	*st = cli_usage(c, "LBA '%s' is not a block number", s);
	return false;
}

/* A transfer that stopped early, after done blocks from lba: why, and how
 * far it got. Returns the status to exit with. */
static int cut_short(struct cli *c, int st, const struct usbmsc_result *res, const char *moved,
		     uint64_t lba, uint64_t done)
{
	if (cli_stopped())
		return cli_fail(c, USBMSC_E_INTERRUPTED,
				"interrupted at LBA %" PRIu64 ", after %" PRIu64 " block%s %s", lba,
				done, done == 1 ? " was" : "s were", moved);
	if (res)
		cli_fail_result(c, st, res);
	if (done)
		fprintf(stderr, "usbmsc: %s: failed at LBA %" PRIu64 ", after %" PRIu64 " block%s %s\n",
			c->cmd->name, lba, done, done == 1 ? " was" : "s were", moved);
	return st;
}

/* ---- read ------------------------------------------------------------------- */

/* Where read's data goes. */
enum sink_kind { SINK_FILE, SINK_HEXDUMP, SINK_JSON };

struct sink {
	enum sink_kind kind;
	struct outfile out;      /* SINK_FILE: -o FILE, or standard output */
	struct hexdump dump;     /* SINK_HEXDUMP */
	uint8_t *json;           /* SINK_JSON: the whole (bounded) read */
	size_t json_len;
};

static int sink_open(struct cli *c, struct sink *s, uint64_t addr, uint64_t bytes)
{
	memset(s, 0, sizeof *s);
	if (c->output) {
		s->kind = SINK_FILE;
		return outfile_open(c, &s->out, c->output);
	} else if (c->json) {
		s->kind = SINK_JSON;
		s->json = malloc(bytes ? (size_t)bytes : 1);
		if (!s->json)
			return cli_fail(c, USBMSC_E_OTHER, "out of memory");
	} else if (!c->output && usbmsc_file_is_terminal(1)) {
		s->kind = SINK_HEXDUMP;
		hexdump_begin(&s->dump, stdout, "", addr);
	} else {
		s->kind = SINK_FILE;
		return outfile_open(c, &s->out, "-");
	}
	return 0;
}

static int sink_write(struct cli *c, struct sink *s, const uint8_t *buf, size_t len)
{
	switch (s->kind) {
	case SINK_FILE:
		return outfile_write(c, &s->out, buf, len);
	case SINK_HEXDUMP:
		hexdump_feed(&s->dump, buf, len);
		break;
	case SINK_JSON:
		memcpy(s->json + s->json_len, buf, len);
		s->json_len += len;
		break;
	}
	return 0;
}

/* Finish the output; st is the reads' outcome, and a failure to finish
 * counts only when they succeeded. The JSON data stays for the caller. */
static int sink_close(struct cli *c, struct sink *s, int st)
{
	if (s->kind == SINK_HEXDUMP && st == 0)
		hexdump_end(&s->dump);
	if (s->kind == SINK_FILE)
		st = outfile_close(c, &s->out, st);
	return st;
}

static int read_stream(struct cli *c, const struct geometry *g, uint64_t lba, uint64_t count,
		       struct sink *s)
{
	uint32_t piece = piece_blocks(c, g->block_size);
	uint8_t *buf = malloc((size_t)piece * g->block_size);
	struct progress prog;
	uint64_t done = 0;
	int st = 0;

	if (!buf)
		return cli_fail(c, USBMSC_E_OTHER, "out of memory");
	progress_begin(&prog, "read", count * g->block_size);
	while (done < count && st == 0) {
		struct usbmsc_result res;
		uint32_t n = count - done < piece ? (uint32_t)(count - done) : piece;
		do
			st = usbmsc_read_blocks(c->dev, c->lun, lba + done, n, g->block_size, buf,
						&res);
		while (cli_again(c, st, &res));
		if (st) {
			progress_end(&prog, done * g->block_size);
			st = cut_short(c, st, &res, "read", lba + done, done);
			break;
		}
		st = sink_write(c, s, buf, (size_t)n * g->block_size);
		if (st) {   /* the output's failure has said why */
			progress_end(&prog, done * g->block_size);
			st = cut_short(c, st, NULL, "read", lba + done, done);
			break;
		}
		done += n;
		progress_update(&prog, done * g->block_size);
	}
	if (st == 0)
		progress_end(&prog, done * g->block_size);
	free(buf);
	return st;
}

static int run_read(struct cli *c)
{
	struct geometry g;
	struct sink sink;
	uint64_t lba, count, bytes;
	int st;

	if (!parse_lba(c, c->argv[0], &lba, &st))
		return st;
	if (!parse_u64(c->argv[1], &count) || count == 0)
		return cli_usage(c, "COUNT '%s' is not a number of blocks (1 or more)", c->argv[1]);
	if (c->json && c->output && strcmp(c->output, "-") == 0)
		return cli_usage(c, "--json and -o - would both write to standard output");
	st = cli_open(c);
	if (st)
		return st;
	st = read_geometry(c, &g);
	if (st)
		return st;
	st = check_range(c, &g, lba, count, "nothing read");
	if (st)
		return st;
	bytes = count * g.block_size;
	if (c->json && !c->output && bytes > CLI_JSON_DATA_MAX)
		return cli_usage(c, "--json carries at most 1 MiB of data and this read is %" PRIu64
				    " bytes; use -o FILE (the JSON then reports the file)", bytes);
	st = sink_open(c, &sink, lba * g.block_size, bytes);
	if (st)
		return st;
	st = sink_close(c, &sink, read_stream(c, &g, lba, count, &sink));
	if (st == 0 && c->json) {
		json_object_begin(&c->out, NULL);
		json_uint(&c->out, "lba", lba);
		json_uint(&c->out, "blocks", count);
		json_uint(&c->out, "block_size", g.block_size);
		json_uint(&c->out, "bytes", bytes);
		if (sink.kind == SINK_JSON)
			json_hex(&c->out, "data", sink.json, sink.json_len);
		else
			json_string(&c->out, "file", c->output);
		json_object_end(&c->out);
	}
	free(sink.json);
	return st;
}

const struct cli_command cli_cmd_read = {
	.name = "read",
	.args = "LBA COUNT [-o FILE]",
	.summary = "read COUNT blocks from LBA",
	.help = "Reads COUNT blocks starting at block LBA (decimal or 0x hex) in commands of\n"
		"the transport's maximum transfer size. A range past the end of the unit is\n"
		"refused (exit 5) before anything is read. Without -o the data goes to\n"
		"standard output: raw bytes into a pipe or file, a hex dump on a terminal.\n"
		"Progress is shown on a terminal for transfers over 4 MiB.\n"
		"\n"
		"A FILE is written beside itself and takes its place only when the whole read\n"
		"succeeded: a failed or interrupted read leaves the old FILE as it was. A pipe\n"
		"or a device gets the data as it comes. The device's own image (sim:) is\n"
		"refused (exit 1), and so is an image another usbmsc holds (exit 21).\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE   write the data to FILE ('-': standard output, raw)\n"
		"\n"
		"JSON: {\"lba\", \"blocks\", \"block_size\", \"bytes\", \"data\" (hex)}, at most 1 MiB\n"
		"of data; with -o FILE, \"file\" instead of \"data\".\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 read 0 1\n"
		"  usbmsc -d sim:disk.img read 0 2048 -o first-mib.bin\n"
		"  usbmsc -d /dev/sg1 read 2048 8 | cmp - expected.bin\n",
	.opts = CLI_OPT(CLI_O_OUTPUT),
	.min_args = 2,
	.max_args = 2,
	.run = run_read,
};

/* ---- write ------------------------------------------------------------------ */

/* The input and its size. Input that cannot tell its size up front (a pipe)
 * is spooled to a temporary file once the device's size is known, and no
 * further than what fits there: the size checks come before the first
 * block is written, never halfway through. */
struct source {
	FILE *f;
	const char *name;
	uint64_t size;
	bool sized;              /* size is known (a regular file, or spooled) */
};

/* Copy src to a temporary file, failing as soon as it holds more than room
 * bytes. */
static int spool(struct cli *c, struct source *src, uint64_t room, uint64_t lba,
		 const struct geometry *g)
{
	FILE *tmp = usbmsc_file_temp_stream();
	uint8_t buf[65536];
	size_t n;

	if (!tmp)
		return cli_fail(c, USBMSC_E_FILE, "cannot create a temporary file for %s: %s",
				src->name, strerror(errno));
	src->size = 0;
	while (src->size <= room && (n = fread(buf, 1, sizeof buf, src->f)) > 0) {
		if (fwrite(buf, 1, n, tmp) != n) {
			fclose(tmp);
			return cli_fail(c, USBMSC_E_FILE, "spooling %s: %s", src->name, strerror(errno));
		}
		src->size += n;
	}
	if (src->size > room) {
		fclose(tmp);
		return cli_fail(c, USBMSC_E_ILLEGAL_REQUEST,
				"%s holds more than the %" PRIu64 " bytes from LBA %" PRIu64 " to the "
				"end of the LUN (%" PRIu64 " blocks, last LBA %" PRIu64 "); nothing "
				"written", src->name, room, lba, g->blocks, g->blocks ? g->blocks - 1 : 0);
	}
	if (ferror(src->f) || fflush(tmp) != 0 || fseek(tmp, 0, SEEK_SET) != 0) {
		fclose(tmp);
		if (cli_stopped())
			return cli_fail(c, USBMSC_E_INTERRUPTED, "interrupted while reading %s; "
					"nothing written", src->name);
		return cli_fail(c, USBMSC_E_FILE, "reading %s: %s", src->name, strerror(errno));
	}
	if (src->f != stdin)
		fclose(src->f);
	src->f = tmp;
	src->sized = true;
	return 0;
}

static int source_open(struct cli *c, const char *path, struct source *src)
{
	struct usbmsc_file_info fi;

	src->name = strcmp(path, "-") == 0 ? "standard input" : path;
	src->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!src->f)
		return cli_fail(c, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	if (usbmsc_file_stat_fd(usbmsc_file_stream_fd(src->f), &fi) &&
	    fi.kind == USBMSC_FILE_REGULAR) {
		src->size = fi.size;
		src->sized = true;
	}
	return 0;
}

static void source_close(struct source *src)
{
	if (src->f && src->f != stdin)
		fclose(src->f);
	src->f = NULL;
}

static int write_stream(struct cli *c, const struct geometry *g, uint64_t lba, uint64_t count,
			struct source *src)
{
	uint32_t piece = piece_blocks(c, g->block_size);
	uint8_t *buf = malloc((size_t)piece * g->block_size);
	struct progress prog;
	uint64_t done = 0;
	int st = 0;

	if (!buf)
		return cli_fail(c, USBMSC_E_OTHER, "out of memory");
	progress_begin(&prog, "write", count * g->block_size);
	while (done < count) {
		struct usbmsc_result res;
		uint32_t n = count - done < piece ? (uint32_t)(count - done) : piece;
		size_t want = (size_t)n * g->block_size;
		if (fread(buf, 1, want, src->f) != want) {
			progress_end(&prog, done * g->block_size);
			st = cli_stopped() ? cut_short(c, 0, NULL, "written", lba + done, done)
			     : cli_fail(c, USBMSC_E_FILE, "%s ended early or could not be read; "
					"%" PRIu64 " blocks were written", src->name, done);
			break;
		}
		do
			st = usbmsc_write_blocks(c->dev, c->lun, lba + done, n, g->block_size, buf,
						 &res);
		while (cli_again(c, st, &res));
		if (st) {
			progress_end(&prog, done * g->block_size);
			st = cut_short(c, st, &res, "written", lba + done, done);
			break;
		}
		done += n;
		progress_update(&prog, done * g->block_size);
	}
	if (st == 0)
		progress_end(&prog, done * g->block_size);
	free(buf);
	return st;
}

static int write_checked(struct cli *c, uint64_t lba, struct source *src)
{
	struct geometry g;
	uint64_t blocks;
	int st;

	if (src->sized && src->size == 0)
		return cli_fail(c, USBMSC_E_FILE, "%s is empty; nothing written", src->name);
	st = cli_open(c);
	if (st)
		return st;
	st = read_geometry(c, &g);
	if (st)
		return st;
	if (!src->sized) {
		st = spool(c, src, lba < g.blocks ? (g.blocks - lba) * g.block_size : 0, lba, &g);
		if (st)
			return st;
		if (src->size == 0)
			return cli_fail(c, USBMSC_E_FILE, "%s is empty; nothing written", src->name);
	}
	if (src->size % g.block_size != 0)
		return cli_fail(c, USBMSC_E_FILE,
				"%s is %" PRIu64 " bytes, not a whole number of %" PRIu32 "-byte blocks "
				"(%" PRIu64 " blocks and %" PRIu64 " bytes); nothing written",
				src->name, src->size, g.block_size, src->size / g.block_size,
				src->size % g.block_size);
	blocks = src->size / g.block_size;
	st = check_range(c, &g, lba, blocks, "nothing written");
	if (st)
		return st;
	st = write_stream(c, &g, lba, blocks, src);
	if (st)
		return st;
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_uint(&c->out, "lba", lba);
		json_uint(&c->out, "blocks", blocks);
		json_uint(&c->out, "bytes", src->size);
		json_object_end(&c->out);
	} else {
		printf("wrote %" PRIu64 " block%s (%" PRIu64 " bytes) at LBA %" PRIu64 "\n", blocks,
		       blocks == 1 ? "" : "s", src->size, lba);
	}
	return 0;
}

static int run_write(struct cli *c)
{
	struct source src = { 0 };
	uint64_t lba;
	int st;

	if (!parse_lba(c, c->argv[0], &lba, &st))
		return st;
	st = source_open(c, c->argv[1], &src);
	if (st == 0)
		st = write_checked(c, lba, &src);
	source_close(&src);
	return st;
}

const struct cli_command cli_cmd_write = {
	.name = "write",
	.args = "LBA FILE",
	.summary = "write FILE to the blocks from LBA",
	.help = "Writes FILE ('-': standard input) to consecutive blocks starting at LBA, in\n"
		"commands of the transport's maximum transfer size. Before anything is written\n"
		"the size is checked: it must be a whole number of blocks (else exit 15; no\n"
		"padding, no truncation) and fit before the end of the unit (else exit 5).\n"
		"Standard input from a pipe is first spooled to a temporary file for these\n"
		"checks, and no further than what fits from LBA to the end of the unit.\n"
		"Progress is shown on a terminal for transfers over 4 MiB.\n"
		"\n"
		"JSON: {\"lba\", \"blocks\", \"bytes\"}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d sim:disk.img write 0 boot.bin\n"
		"  head -c 4096 /dev/urandom | usbmsc -d /dev/sg1 write 2048 -\n",
	.opts = 0,
	.min_args = 2,
	.max_args = 2,
	.run = run_write,
};
