/* Block I/O: read and write, streamed in pieces of the transport's maximum
 * transfer, so that memory stays small whatever COUNT or the file size. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hexdump.h"
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

/* ---- read ------------------------------------------------------------------- */

/* Where read's data goes. */
enum sink_kind { SINK_FILE, SINK_HEXDUMP, SINK_JSON };

struct sink {
	enum sink_kind kind;
	FILE *f;                 /* SINK_FILE */
	const char *name;
	struct hexdump dump;     /* SINK_HEXDUMP */
	uint8_t *json;           /* SINK_JSON: the whole (bounded) read */
	size_t json_len;
};

static int sink_open(struct cli *c, struct sink *s, uint64_t addr, uint64_t bytes)
{
	memset(s, 0, sizeof *s);
	if (c->output && strcmp(c->output, "-") != 0) {
		s->kind = SINK_FILE;
		s->name = c->output;
		s->f = fopen(c->output, "wb");
		if (!s->f)
			return cli_fail(c, USBMSC_E_FILE, "cannot create %s: %s", c->output,
					strerror(errno));
	} else if (c->json && !c->output) {
		s->kind = SINK_JSON;
		s->json = malloc(bytes ? (size_t)bytes : 1);
		if (!s->json)
			return cli_fail(c, USBMSC_E_OTHER, "out of memory");
	} else if (!c->output && isatty(STDOUT_FILENO)) {
		s->kind = SINK_HEXDUMP;
		hexdump_begin(&s->dump, stdout, "", addr);
	} else {
		s->kind = SINK_FILE;
		s->name = "standard output";
		s->f = stdout;
	}
	return 0;
}

static int sink_write(struct cli *c, struct sink *s, const uint8_t *buf, size_t len)
{
	switch (s->kind) {
	case SINK_FILE:
		if (fwrite(buf, 1, len, s->f) != len)
			return cli_fail(c, USBMSC_E_FILE, "writing %s: %s", s->name, strerror(errno));
		break;
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
	if (s->kind == SINK_FILE && s->f != stdout && fclose(s->f) != 0 && st == 0)
		st = cli_fail(c, USBMSC_E_FILE, "writing %s: %s", s->name, strerror(errno));
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
			cli_fail_result(c, st, &res);
			if (done)
				fprintf(stderr, "usbmsc: read: failed at LBA %" PRIu64 ", after %" PRIu64
					" blocks were read\n", lba + done, done);
			break;
		}
		st = sink_write(c, s, buf, (size_t)n * g->block_size);
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
 * is spooled to a temporary file first: the size checks come before the
 * first block is written, never halfway through. */
struct source {
	FILE *f;
	const char *name;
	uint64_t size;
};

static int spool(struct cli *c, struct source *src)
{
	FILE *tmp = tmpfile();
	uint8_t buf[65536];
	size_t n;

	if (!tmp)
		return cli_fail(c, USBMSC_E_FILE, "cannot create a temporary file for %s: %s",
				src->name, strerror(errno));
	src->size = 0;
	while ((n = fread(buf, 1, sizeof buf, src->f)) > 0) {
		if (fwrite(buf, 1, n, tmp) != n) {
			fclose(tmp);
			return cli_fail(c, USBMSC_E_FILE, "spooling %s: %s", src->name, strerror(errno));
		}
		src->size += n;
	}
	if (ferror(src->f) || fflush(tmp) != 0 || fseeko(tmp, 0, SEEK_SET) != 0) {
		fclose(tmp);
		return cli_fail(c, USBMSC_E_FILE, "reading %s: %s", src->name, strerror(errno));
	}
	if (src->f != stdin)
		fclose(src->f);
	src->f = tmp;
	return 0;
}

static int source_open(struct cli *c, const char *path, struct source *src)
{
	struct stat sb;

	src->name = strcmp(path, "-") == 0 ? "standard input" : path;
	src->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!src->f)
		return cli_fail(c, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fileno(src->f), &sb) == 0 && S_ISREG(sb.st_mode)) {
		src->size = (uint64_t)sb.st_size;
		return 0;
	}
	return spool(c, src);
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
			st = cli_fail(c, USBMSC_E_FILE, "%s ended early or could not be read; "
				      "%" PRIu64 " blocks were written", src->name, done);
			break;
		}
		do
			st = usbmsc_write_blocks(c->dev, c->lun, lba + done, n, g->block_size, buf,
						 &res);
		while (cli_again(c, st, &res));
		if (st) {
			progress_end(&prog, done * g->block_size);
			cli_fail_result(c, st, &res);
			if (done)
				fprintf(stderr, "usbmsc: write: failed at LBA %" PRIu64 ", after %" PRIu64
					" blocks were written\n", lba + done, done);
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

	if (src->size == 0)
		return cli_fail(c, USBMSC_E_FILE, "%s is empty; nothing written", src->name);
	st = cli_open(c);
	if (st)
		return st;
	st = read_geometry(c, &g);
	if (st)
		return st;
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
