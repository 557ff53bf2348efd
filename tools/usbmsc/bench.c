/* bench tur | read: command rate, throughput and per-command latency of a
 * device through whatever path its URI names (sim:, SG_IO, raw BOT), so
 * that paths and peers (sg_turs, dd) can be compared on the same device.
 *
 * "bench" has subcommands with options of their own, so main.c hands it
 * every argument after its name (own_options) and this file reads them,
 * global options included, as "fw" does. */
#include "cli.h"
#include "own_opts.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/os/os_clock.h"

#include "latency.h"
#include "parse.h"

/* Every latency sample is kept (8 bytes each), so the count is bounded. */
#define BENCH_MAX_COMMANDS 10000000u
#define BENCH_DEFAULT_TURS 1000u
#define BENCH_DEFAULT_SIZE (64u * 1024u * 1024u)
/* A default chunk beyond this buys nothing and costs memory. */
#define BENCH_CHUNK_DEFAULT_MAX (16u * 1024u * 1024u)
/* Page alignment lets SG_IO map the buffer instead of copying it. */
#define BENCH_BUF_ALIGN 4096u

enum bench_sub { B_TUR = 1u << 0, B_READ = 1u << 1 };
#define B_ALL (B_TUR | B_READ)

enum bench_opt_id { BO_COUNT = OWN_OPT_FIRST, BO_SIZE, BO_CHUNK, BO_LBA };

static const struct own_opt bench_opts[] = {
	{ "json", 0, false, CLI_O_JSON, B_ALL },
	{ "verbose", 'v', false, CLI_O_VERBOSE, B_ALL },
	{ "help", 'h', false, CLI_O_HELP, B_ALL },
	{ "device", 'd', true, CLI_O_DEVICE, B_ALL },
	{ "timeout", 0, true, CLI_O_TIMEOUT, B_ALL },
	{ "lun", 0, true, CLI_O_LUN, B_ALL },
	{ "unmount", 0, false, CLI_O_UNMOUNT, B_ALL },
	{ "count", 'n', true, BO_COUNT, B_TUR },
	{ "size", 0, true, BO_SIZE, B_READ },
	{ "chunk", 0, true, BO_CHUNK, B_READ },
	{ "lba", 0, true, BO_LBA, B_READ },
};

struct bench_args {
	enum bench_sub sub;
	const char *sub_name;
	const char *count, *size, *chunk, *lba;   /* as given; NULL: default */
	int argc;           /* positional arguments after the subcommand */
};

/* What one run measured. */
struct bench_run {
	uint64_t *ns;       /* the latency of each command */
	uint64_t commands;
	uint64_t elapsed_ns;
	/* read only */
	uint64_t lba, bytes;
	uint32_t chunk, block_size;
};

/* ---- the command line ---- */

static void apply(struct bench_args *a, const struct own_opt *o, const char *v)
{
	switch (o->id) {
	case BO_COUNT: a->count = v; break;
	case BO_SIZE: a->size = v; break;
	case BO_CHUNK: a->chunk = v; break;
	case BO_LBA: a->lba = v; break;
	}
}

/* One argument that starts with '-'; *i moves past a separate value. */
static int parse_one(struct cli *c, struct bench_args *a, int *i)
{
	static const struct own_opts rules = {
		bench_opts, sizeof bench_opts / sizeof bench_opts[0], B_ALL, "the bench command (tur or read)"
	};
	const struct own_opt *o;
	const char *value;
	int st = own_opt_parse(c, &rules, a->sub, a->sub_name, i, &o, &value);

	if (st || !o)
		return st;
	apply(a, o, value);
	return 0;
}

static int parse_bench_args(struct cli *c, struct bench_args *a)
{
	bool options_done = false;

	for (int i = 0; i < c->argc; i++) {
		const char *arg = c->argv[i];
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
		} else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			int st = parse_one(c, a, &i);
			if (st)
				return st;
		} else if (!a->sub) {
			a->sub_name = arg;
			if (strcmp(arg, "tur") == 0)
				a->sub = B_TUR;
			else if (strcmp(arg, "read") == 0)
				a->sub = B_READ;
			else
				return cli_usage(c, "unknown bench command '%s': tur or read", arg);
		} else {
			return cli_usage(c, "%s takes no arguments (from '%s' on)", a->sub_name,
					 arg);
		}
	}
	return 0;
}

/* ---- measuring ---- */

static int alloc_samples(struct cli *c, struct bench_run *r, uint64_t n)
{
	r->commands = n;
	r->ns = malloc((size_t)n * sizeof *r->ns);
	if (!r->ns)
		return cli_fail(c, USBMSC_E_OTHER, "out of memory for %" PRIu64 " samples", n);
	/* Touch every page now, so that no page fault lands in a sample. */
	memset(r->ns, 0, (size_t)n * sizeof *r->ns);
	return 0;
}

/* A run cut short at command i (from 0) of n: why, and how far it got;
 * what names the command when it says more than its number. */
static int cut_short(struct cli *c, int st, const struct usbmsc_result *res, const char *what,
		     uint64_t i, uint64_t n)
{
	if (cli_stopped())
		return cli_fail(c, USBMSC_E_INTERRUPTED, "interrupted after %" PRIu64 " of %" PRIu64
				" commands; nothing measured", i, n);
	cli_fail_result(c, st, res);
	if (what)
		fprintf(stderr, "usbmsc: bench: %s (command %" PRIu64 " of %" PRIu64 ") failed\n",
			what, i + 1, n);
	else
		fprintf(stderr, "usbmsc: bench: command %" PRIu64 " of %" PRIu64 " failed\n", i + 1,
			n);
	return st;
}

/* ---- bench tur ---- */

static int run_turs(struct cli *c, struct bench_run *r)
{
	struct usbmsc_result res;
	uint64_t start, prev;
	int st;

	/* The first of the N commands may meet the power-on unit attention a
	 * fresh device reports once: it is sent again and the clock starts
	 * over, so that N commands are timed and, without the attention, N
	 * are sent, as sg_turs -n N sends. */
	do {
		start = usbmsc_clock_ns();
		st = usbmsc_test_unit_ready(c->dev, c->lun, &res);
	} while (cli_again(c, st, &res));
	prev = usbmsc_clock_ns();
	if (st)
		return cut_short(c, st, &res, NULL, 0, r->commands);
	r->ns[0] = prev - start;
	for (uint64_t i = 1; i < r->commands; i++) {
		uint64_t t;
		st = usbmsc_test_unit_ready(c->dev, c->lun, &res);
		t = usbmsc_clock_ns();
		if (st)
			return cut_short(c, st, &res, NULL, i, r->commands);
		r->ns[i] = t - prev;
		prev = t;
	}
	r->elapsed_ns = prev - start;
	return 0;
}

static int bench_tur(struct cli *c, const struct bench_args *a, struct bench_run *r)
{
	uint64_t n = BENCH_DEFAULT_TURS;
	int st;

	if (a->count && (!parse_u64(a->count, &n) || n == 0 || n > BENCH_MAX_COMMANDS))
		return cli_usage(c, "-n takes a number of commands from 1 to %u, not '%s'",
				 BENCH_MAX_COMMANDS, a->count);
	st = cli_open(c);
	if (st == 0)
		st = alloc_samples(c, r, n);
	return st ? st : run_turs(c, r);
}

/* ---- bench read ---- */

/* READ CAPACITY, which also meets the power-on unit attention before the
 * clock starts. */
static int geometry(struct cli *c, uint64_t *blocks, uint32_t *block_size)
{
	struct usbmsc_result res;
	int st;

	do
		st = usbmsc_read_capacity(c->dev, c->lun, blocks, block_size, &res);
	while (cli_again(c, st, &res));
	if (st)
		return cli_fail_result(c, st, &res);
	if (*block_size == 0)
		return cli_fail(c, USBMSC_E_OTHER, "the device reports a block size of 0");
	return 0;
}

/* The chunk: given, or the transport's limit in whole blocks. */
static int pick_chunk(struct cli *c, const struct bench_args *a, uint32_t block_size,
		      uint32_t *chunk)
{
	uint32_t max = usbmsc_dev_max_transfer(c->dev);
	uint64_t v;

	if (!a->chunk) {
		v = max < BENCH_CHUNK_DEFAULT_MAX ? max : BENCH_CHUNK_DEFAULT_MAX;
		v -= v % block_size;
		if (v == 0)
			return cli_fail(c, USBMSC_E_OTHER, "the transport's maximum transfer (%" PRIu32
					" bytes) is less than one %" PRIu32 "-byte block", max,
					block_size);
		*chunk = (uint32_t)v;
		return 0;
	}
	if (!parse_size(a->chunk, &v) || v == 0)
		return cli_usage(c, "--chunk takes a size in bytes (4096, 64k, 0x10000), not '%s'",
				 a->chunk);
	if (v % block_size != 0)
		return cli_usage(c, "--chunk %" PRIu64 " is not a multiple of the block size (%" PRIu32
				 " bytes)", v, block_size);
	if (v > max)
		return cli_usage(c, "--chunk %" PRIu64 " exceeds the %s transport's maximum transfer "
				 "of %" PRIu32 " bytes per command", v, usbmsc_dev_transport_name(c->dev),
				 max);
	*chunk = (uint32_t)v;
	return 0;
}

/* The byte count: given, or 64 MiB (less when the unit holds less). */
static int pick_size(struct cli *c, const struct bench_args *a, uint64_t room, uint32_t block_size,
		     uint64_t *size)
{
	if (!a->size) {
		*size = room < BENCH_DEFAULT_SIZE ? room : BENCH_DEFAULT_SIZE;
		return 0;
	}
	if (!parse_size(a->size, size) || *size == 0)
		return cli_usage(c, "--size takes a size in bytes (64M, 1m, 0x10000), not '%s'",
				 a->size);
	if (*size % block_size != 0)
		return cli_usage(c, "--size %" PRIu64 " is not a multiple of the block size (%" PRIu32
				 " bytes)", *size, block_size);
	if (*size > room)
		return cli_fail(c, USBMSC_E_ILLEGAL_REQUEST,
				"--size %" PRIu64 " from LBA %s runs past the end of the LUN (%" PRIu64
				" bytes there); nothing read", *size, a->lba ? a->lba : "0", room);
	return 0;
}

static int run_reads(struct cli *c, struct bench_run *r, uint8_t *buf)
{
	struct usbmsc_result res;
	uint64_t start, prev, done = 0;
	int st;

	start = prev = usbmsc_clock_ns();
	for (uint64_t i = 0; i < r->commands; i++) {
		uint64_t left = r->bytes - done, t;
		uint32_t len = left < r->chunk ? (uint32_t)left : r->chunk;
		st = usbmsc_read_blocks(c->dev, c->lun, r->lba + done / r->block_size,
					len / r->block_size, r->block_size, buf, &res);
		t = usbmsc_clock_ns();
		if (st) {
			char what[64];

			snprintf(what, sizeof what, "READ at LBA %" PRIu64,
				 r->lba + done / r->block_size);
			return cut_short(c, st, &res, what, i, r->commands);
		}
		r->ns[i] = t - prev;
		prev = t;
		done += len;
	}
	r->elapsed_ns = prev - start;
	return 0;
}

static int bench_read(struct cli *c, const struct bench_args *a, struct bench_run *r)
{
	uint64_t blocks, commands;
	void *block;
	uint8_t *buf;
	int st;

	r->lba = 0;
	if (a->lba && !parse_u64(a->lba, &r->lba))
		return cli_usage(c, "--lba '%s' is not a block number", a->lba);
	st = cli_open(c);
	if (st == 0)
		st = geometry(c, &blocks, &r->block_size);
	if (st)
		return st;
	if (r->lba >= blocks)
		return cli_fail(c, USBMSC_E_ILLEGAL_REQUEST, "--lba %" PRIu64 " is past the end of the "
				"LUN (%" PRIu64 " blocks, last LBA %" PRIu64 "); nothing read", r->lba,
				blocks, blocks - 1);
	st = pick_chunk(c, a, r->block_size, &r->chunk);
	if (st == 0)
		st = pick_size(c, a, (blocks - r->lba) * r->block_size, r->block_size, &r->bytes);
	if (st)
		return st;
	commands = (r->bytes + r->chunk - 1) / r->chunk;
	if (commands > BENCH_MAX_COMMANDS)
		return cli_usage(c, "--size %" PRIu64 " in chunks of %" PRIu32 " is %" PRIu64
				 " commands; at most %u (take a larger --chunk or a smaller --size)",
				 r->bytes, r->chunk, commands, BENCH_MAX_COMMANDS);
	block = malloc((size_t)r->chunk + BENCH_BUF_ALIGN - 1u);
	if (!block)
		return cli_fail(c, USBMSC_E_OTHER, "out of memory for a %" PRIu32 "-byte buffer",
				r->chunk);
	buf = (uint8_t *)(((uintptr_t)block + BENCH_BUF_ALIGN - 1u) &
			  ~(uintptr_t)(BENCH_BUF_ALIGN - 1u));
	memset(buf, 0, r->chunk);
	st = alloc_samples(c, r, commands);
	if (st == 0)
		st = run_reads(c, r, buf);
	free(block);
	return st;
}

/* ---- the report ---- */

static double per_second(uint64_t count, uint64_t ns)
{
	return ns ? (double)count * 1e9 / (double)ns : 0.0;
}

static void report_json(struct cli *c, const struct bench_args *a, const struct bench_run *r,
			const struct latency_stats *s)
{
	struct json *j = &c->out;

	json_object_begin(j, NULL);
	json_string(j, "test", a->sub_name);
	json_string(j, "device", c->device);
	json_string(j, "transport", usbmsc_dev_transport_name(c->dev));
	json_uint(j, "lun", c->lun);
	if (a->sub == B_READ) {
		json_uint(j, "lba", r->lba);
		json_uint(j, "block_size", r->block_size);
		json_uint(j, "chunk", r->chunk);
		json_uint(j, "bytes", r->bytes);
	}
	json_uint(j, "commands", r->commands);
	json_double(j, "seconds", (double)r->elapsed_ns / 1e9, 9);   /* to the ns: sim: runs a TUR in 0.2 us */
	json_double(j, "commands_per_s", per_second(r->commands, r->elapsed_ns), 1);
	if (a->sub == B_READ)
		json_double(j, "mb_per_s", per_second(r->bytes, r->elapsed_ns) / 1e6, 3);
	json_object_begin(j, "latency_us");
	json_double(j, "median", (double)s->median / 1e3, 3);
	json_double(j, "p99", (double)s->p99 / 1e3, 3);
	json_double(j, "min", (double)s->min / 1e3, 3);
	json_double(j, "max", (double)s->max / 1e3, 3);
	json_double(j, "mean", s->mean / 1e3, 3);
	json_object_end(j);
	json_object_end(j);
}

static void report_text(struct cli *c, const struct bench_args *a, const struct bench_run *r,
			const struct latency_stats *s)
{
	char human[32], chunk[32];

	cli_kv("device", "%s (%s)", c->device, usbmsc_dev_transport_name(c->dev));
	if (a->sub == B_READ) {
		cli_kv("read", "%" PRIu64 " bytes (%s) from LBA %" PRIu64 ", %" PRIu32 "-byte blocks",
		       r->bytes, cli_human_size(r->bytes, human, sizeof human), r->lba,
		       r->block_size);
		cli_kv("commands", "%" PRIu64 " READ of %" PRIu32 " bytes (%s) or less", r->commands,
		       r->chunk, cli_human_size(r->chunk, chunk, sizeof chunk));
	} else {
		cli_kv("commands", "%" PRIu64 " TEST UNIT READY", r->commands);
	}
	cli_kv("time", "%.6f s", (double)r->elapsed_ns / 1e9);
	cli_kv("commands/s", "%.1f", per_second(r->commands, r->elapsed_ns));
	if (a->sub == B_READ)
		cli_kv("throughput", "%.3f MB/s", per_second(r->bytes, r->elapsed_ns) / 1e6);
	cli_kv("latency median", "%.3f us", (double)s->median / 1e3);
	cli_kv("latency p99", "%.3f us", (double)s->p99 / 1e3);
	cli_kv("latency min", "%.3f us", (double)s->min / 1e3);
	cli_kv("latency max", "%.3f us", (double)s->max / 1e3);
	cli_kv("latency mean", "%.3f us", s->mean / 1e3);
}

/* ---- the command ---- */

static int run_bench(struct cli *c)
{
	struct bench_args a = { 0 };
	struct bench_run r = { 0 };
	struct latency_stats s;
	int st = parse_bench_args(c, &a);

	if (st)
		return st;
	if (c->help) {
		cli_print_command_help(c, c->cmd);
		return 0;
	}
	if (!a.sub)
		return cli_usage(c, "needs a command: tur or read");
	st = a.sub == B_TUR ? bench_tur(c, &a, &r) : bench_read(c, &a, &r);
	if (st == 0) {
		latency_stats(r.ns, (size_t)r.commands, &s);
		if (c->json)
			report_json(c, &a, &r, &s);
		else
			report_text(c, &a, &r, &s);
	}
	free(r.ns);
	return st;
}

const struct cli_command cli_cmd_bench = {
	.name = "bench",
	.args = "tur [-n N] | read [--size BYTES] [--chunk BYTES] [--lba LBA]",
	.summary = "measure command rate, throughput and per-command latency",
	.help = "Commands:\n"
		"  bench tur [-n N]\n"
		"      N TEST UNIT READY commands (default 1000), one at a time.\n"
		"  bench read [--size BYTES] [--chunk BYTES] [--lba LBA]\n"
		"      Sequential READ of BYTES from LBA, CHUNK bytes per command.\n"
		"\n"
		"Each prints the commands per second, for read the throughput (MB/s,\n"
		"10^6 bytes per second), and the latency of each command: median, 99th\n"
		"percentile, minimum, maximum and mean. Every sample is kept, so a run\n"
		"is at most 10000000 commands. The unit attention of a freshly attached\n"
		"device is met untimed: by the first TEST UNIT READY, sent again (so tur\n"
		"sends N commands, N + 1 after a power-on), or for read by READ CAPACITY\n"
		"before the clock starts. The data read is discarded.\n"
		"\n"
		"Options:\n"
		"  -n, --count N        tur: the number of commands (default 1000)\n"
		"  --size BYTES         read: the bytes to read (default 64M, or less when\n"
		"                       the unit ends sooner); a multiple of the block size\n"
		"  --chunk BYTES        read: bytes per command (default: the transport's\n"
		"                       maximum transfer); a multiple of the block size and\n"
		"                       at most the maximum transfer, else exit 1\n"
		"  --lba LBA            read: the first block (default 0)\n"
		"Sizes take k, m, g (binary) or 0x hex: 64M, 1m, 0x10000. A --size past\n"
		"the end of the unit is refused with exit 5 before anything is read.\n"
		"\n"
		"JSON: {\"test\", \"device\", \"transport\", \"lun\", \"commands\", \"seconds\",\n"
		"\"commands_per_s\", \"latency_us\": {\"median\", \"p99\", \"min\", \"max\", \"mean\"}};\n"
		"read adds \"lba\", \"block_size\", \"chunk\", \"bytes\" and \"mb_per_s\".\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 bench tur -n 2000\n"
		"  usbmsc -d /dev/sg1 bench read --size 64M --chunk 120k\n"
		"  usbmsc -d usb:1d6b:0104 --json bench read --size 64M --chunk 1m\n",
	.opts = 0,
	.own_options = true,
	.min_args = 0,
	.max_args = INT_MAX,
	.run = run_bench,
};
