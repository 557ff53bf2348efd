/* raw: any CDB, given in hex, with an optional data stage in either
 * direction; the device's verdict is the output. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hexdump.h"
#include "outfile.h"
#include "parse.h"
#include "phase_hint.h"

/* A data-out file bigger than this cannot be one command on any transport;
 * an open device's own limit is usually far lower. */
#define RAW_OUT_MAX (256u * 1024u * 1024u)

struct raw_cmd {
	uint8_t cdb[16];
	uint8_t cdb_len;
	enum usbmsc_dir dir;
	uint32_t len;
	uint8_t *data;
};

static int parse_cdb(struct cli *c, struct raw_cmd *r)
{
	size_t total = 0;

	for (int i = 0; i < c->argc; i++) {
		const char *bad;
		size_t bad_len;
		int n = parse_hex_arg(c->argv[i], total < 16 ? r->cdb + total : NULL,
				      total < 16 ? 16 - total : 0, &bad, &bad_len);
		if (n < 0)
			return cli_usage(c, "'%.*s' is not hex bytes; give the CDB as 12 00 00 00 24 00, "
					    "120000002400 or 0x12 0 0 0 0x24 0", (int)bad_len, bad);
		total += (size_t)n;
	}
	if (total < 1 || total > 16)
		return cli_usage(c, "a CDB is 1 to 16 bytes; this one has %zu", total);
	r->cdb_len = (uint8_t)total;
	return 0;
}

/* The data-out file, read no further than limit bytes: more is refused
 * before memory grows with it. */
static int load_file(struct cli *c, const char *path, uint32_t limit, uint8_t **data,
		     uint32_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t used = 0, room = 0;
	uint8_t *buf = NULL;
	int st = 0;

	if (!f)
		return cli_fail(c, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		if (used > limit) {
			st = c->dev ? cli_usage(c, "%s holds more than the %" PRIu32 " bytes this "
						"transport moves in one command", path, limit)
				    : cli_fail(c, USBMSC_E_FILE, "%s is larger than %u MiB, more than "
					       "one command carries", path, RAW_OUT_MAX >> 20);
			break;
		}
		if (used == room) {
			uint8_t *grown;
			room = room ? room * 2 : 65536;
			if (room > (size_t)limit + 1)
				room = (size_t)limit + 1;
			grown = realloc(buf, room);
			if (!grown) {
				st = cli_fail(c, USBMSC_E_OTHER, "out of memory");
				break;
			}
			buf = grown;
		}
		size_t n = fread(buf + used, 1, room - used, f);
		used += n;
		if (n == 0)
			break;
	}
	if (st == 0 && ferror(f))
		st = cli_stopped() ? cli_fail(c, USBMSC_E_INTERRUPTED, "interrupted while reading %s",
					      path)
				   : cli_fail(c, USBMSC_E_FILE, "reading %s: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	if (st) {
		free(buf);
		return st;
	}
	*data = buf;
	*len = (uint32_t)used;
	return 0;
}

/* The data stage: --in LEN, --out FILE (loaded later), or none. */
static int parse_data_stage(struct cli *c, struct raw_cmd *r)
{
	uint64_t n;

	if (c->in_len && c->out_file)
		return cli_usage(c, "--in and --out cannot be used together: a command moves data in "
				    "one direction");
	if (c->output && !c->in_len)
		return cli_usage(c, "-o FILE stores data-in: it needs --in LEN");
	if (c->json && c->output && strcmp(c->output, "-") == 0)
		return cli_usage(c, "--json and -o - would both write to standard output");
	if (c->in_len) {
		if (!parse_size(c->in_len, &n) || n > UINT32_MAX)
			return cli_usage(c, "--in takes a byte count (512, 0x200, 4k), not '%s'",
					 c->in_len);
		r->len = (uint32_t)n;
		r->dir = n ? USBMSC_DIR_IN : USBMSC_DIR_NONE;
	}
	return 0;
}

/* --out FILE's bytes, up to what one command of the open device carries
 * (without a device, --dry-run: what any can). */
static int load_data_out(struct cli *c, struct raw_cmd *r)
{
	uint32_t max = c->dev ? usbmsc_dev_max_transfer(c->dev) : 0;
	int st;

	if (!c->out_file)
		return 0;
	st = load_file(c, c->out_file, max ? max : RAW_OUT_MAX, &r->data, &r->len);
	if (st == 0)
		r->dir = r->len ? USBMSC_DIR_OUT : USBMSC_DIR_NONE;
	return st;
}

static const char *dir_name(enum usbmsc_dir dir)
{
	return dir == USBMSC_DIR_IN ? "in" : dir == USBMSC_DIR_OUT ? "out" : "none";
}

/* Whether the device's URI names a Bulk-Only path, where a CBW carries the
 * CDB. SG_IO and the vendor interface have no CBW; auto: decides at open. */
static bool uri_is_bot(const char *uri)
{
	return !uri || strncmp(uri, "sim:", 4) == 0 || strncmp(uri, "usb:", 4) == 0 ||
	       strncmp(uri, "auto:", 5) == 0;
}

static int dry_run(struct cli *c, const struct raw_cmd *r)
{
	struct usbmsc_cbw cbw;
	uint8_t wire[USBMSC_CBW_LEN];
	bool bot = uri_is_bot(c->device) &&
		   usbmsc_cbw_fill(&cbw, 1, c->lun, r->dir, r->len, r->cdb, r->cdb_len);

	if (bot)
		usbmsc_cbw_encode(&cbw, wire);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_bool(&c->out, "dry_run", true);
		json_hex(&c->out, "cdb", r->cdb, r->cdb_len);
		json_string(&c->out, "direction", dir_name(r->dir));
		json_uint(&c->out, "length", r->len);
		if (bot)
			json_hex(&c->out, "cbw", wire, sizeof wire);
		else
			json_null(&c->out, "cbw");
		json_object_end(&c->out);
		return 0;
	}
	printf("CDB (%u bytes): ", r->cdb_len);
	hex_bytes(stdout, r->cdb, r->cdb_len);
	printf("\ndata: %s, %" PRIu32 " bytes\n", dir_name(r->dir), r->len);
	if (bot) {
		printf("CBW (tag 1, LUN %u): ", c->lun);
		hex_bytes(stdout, wire, sizeof wire);
		putchar('\n');
	}
	printf("nothing sent (--dry-run)\n");
	return 0;
}

static void report_json(struct cli *c, const struct raw_cmd *r, const struct usbmsc_result *res,
			int st)
{
	const uint8_t *data = r->dir == USBMSC_DIR_IN ? r->data : NULL;
	size_t data_len = data && !c->output ? res->transferred : 0;

	json_object_begin(&c->out, NULL);
	json_hex(&c->out, "cdb", r->cdb, r->cdb_len);
	json_string(&c->out, "status", usbmsc_outcome_name(res->outcome));
	json_uint(&c->out, "scsi_status", res->scsi_status);
	json_string(&c->out, "category", usbmsc_status_name(st));
	json_uint(&c->out, "residue", res->residue);
	json_uint(&c->out, "transferred", res->transferred);
	cli_json_sense(&c->out, "sense", res);
	json_hex(&c->out, "data", data, data_len);
	if (c->output)
		json_string(&c->out, "file", c->output);
	if (res->outcome == USBMSC_OUTCOME_TRANSPORT_ERROR || res->outcome == USBMSC_OUTCOME_TIMEOUT)
		json_string(&c->out, "message", usbmsc_dev_errmsg(c->dev));
	json_object_end(&c->out);
}

/* The report goes to f: standard error when -o - makes standard output
 * the data's alone. stored: the data-in went to -o's file. */
static void report_text(FILE *f, struct cli *c, const struct raw_cmd *r,
			const struct usbmsc_result *res, bool stored)
{
	char sense[160];

	cli_kv_to(f, "status", "%s", usbmsc_outcome_name(res->outcome));
	cli_kv_to(f, "scsi status", "0x%02x", res->scsi_status);
	cli_kv_to(f, "residue", "%" PRIu32, res->residue);
	cli_kv_to(f, "transferred", "%" PRIu32, res->transferred);
	cli_kv_to(f, "sense", "%s", cli_sense_text(res, sense, sizeof sense) ? sense : "none");
	if (r->dir != USBMSC_DIR_IN)
		return;
	if (c->output) {
		cli_kv_to(f, "data-in", "%" PRIu32 " bytes %s %s", res->transferred,
			  stored ? "to" : "not stored in",
			  strcmp(c->output, "-") == 0 ? "standard output" : c->output);
	} else if (res->transferred > 0) {
		fprintf(f, "data-in:\n");
		hexdump(f, "", r->data, res->transferred, 0);
	}
}

/* -o's data-in: a file is replaced only when the command succeeded (a pipe
 * gets what came). Returns the command's status, or the output's failure. */
static int store_data_in(struct cli *c, struct outfile *out, const struct raw_cmd *r,
			 const struct usbmsc_result *res, int st, bool *stored)
{
	int wst = res->transferred ? outfile_write(c, out, r->data, res->transferred) : 0;

	*stored = wst == 0 && (st == 0 || out->f != NULL);
	wst = outfile_close(c, out, st ? st : wst);
	return st ? st : wst;
}

static int execute(struct cli *c, struct raw_cmd *r)
{
	struct usbmsc_cmd cmd = {
		.cdb = r->cdb, .cdb_len = r->cdb_len, .lun = c->lun, .dir = r->dir,
		.len = r->len, .timeout_ms = c->timeout_ms,
	};
	struct usbmsc_result res;
	struct outfile out;
	bool to_file = c->output && r->dir == USBMSC_DIR_IN, stored = false;
	uint32_t max;
	int st = cli_open(c);

	if (st == 0)
		st = load_data_out(c, r);
	if (st)
		return st;
	cmd.dir = r->dir;
	cmd.len = r->len;
	max = usbmsc_dev_max_transfer(c->dev);
	if (max && r->len > max)
		return cli_usage(c, "%" PRIu32 " bytes is more than this transport moves in one "
				    "command (%" PRIu32 ")", r->len, max);
	if (r->dir == USBMSC_DIR_IN) {
		r->data = calloc(1, r->len);
		if (!r->data)
			return cli_fail(c, USBMSC_E_OTHER, "out of memory");
	}
	/* Before anything is sent: -o must not be the device's own image. */
	if (to_file && (st = outfile_open(c, &out, c->output)) != 0)
		return st;
	cmd.data = r->data;
	do
		st = usbmsc_exec(c->dev, &cmd, &res);
	while (cli_again(c, st, &res));
	if (res.transferred > r->len)
		res.transferred = r->len;
	if (to_file)
		st = store_data_in(c, &out, r, &res, st, &stored);
	if (c->json)
		report_json(c, r, &res, st);
	else
		report_text(c->output && strcmp(c->output, "-") == 0 ? stderr : stdout, c, r, &res,
			    stored);
	/* The report above is the answer to a device verdict; a transport that
	 * failed also gets the error line and its hint. */
	if (res.outcome == USBMSC_OUTCOME_TRANSPORT_ERROR || res.outcome == USBMSC_OUTCOME_TIMEOUT)
		cli_fail_result(c, st, &res);
	if (res.outcome == USBMSC_OUTCOME_PHASE_ERROR)
		phase_hint(stderr, r->cdb, r->cdb_len, r->dir, r->len);
	return st;
}

static int run_raw(struct cli *c)
{
	struct raw_cmd r = { .dir = USBMSC_DIR_NONE };
	int st = parse_cdb(c, &r);

	if (st == 0)
		st = parse_data_stage(c, &r);
	if (st == 0 && c->dry_run)
		st = load_data_out(c, &r);
	if (st == 0) {
		size_t expect = usbmsc_cdb_len_for_opcode(r.cdb[0]);
		if (expect && expect != r.cdb_len && c->verbose)
			fprintf(stderr, "usbmsc: note: opcode 0x%02x normally has a %zu-byte CDB; "
				"sending %u bytes as given\n", r.cdb[0], expect, r.cdb_len);
		st = c->dry_run ? dry_run(c, &r) : execute(c, &r);
	}
	free(r.data);
	return st;
}

const struct cli_command cli_cmd_raw = {
	.name = "raw",
	.args = "CDB-HEX... [--in LEN | --out FILE] [-o FILE] [--dry-run]",
	.summary = "send any CDB (standard or vendor), with an optional data stage",
	.help = "Sends the CDB given as hex bytes, separate, joined or in one quoted argument\n"
		"(12 00 00 00 24 00, 120000002400, 0x12 0 0 0 0x24 0, '12 00 00 00 24 00'),\n"
		"1 to 16 bytes. Prints the outcome, the residue, the sense data and the data\n"
		"received; the exit status is the outcome's category (5 for ILLEGAL REQUEST,\n"
		"35 for a phase error: a hint then compares --in with the CDB's allocation\n"
		"length).\n"
		"\n"
		"Options:\n"
		"  --in LEN            expect LEN bytes of data-in (512, 0x200, 4k)\n"
		"  --out FILE          send FILE's bytes as data-out ('-': standard input), at\n"
		"                      most what the transport moves in one command\n"
		"  -o, --output FILE   store the data-in in FILE instead of dumping it ('-':\n"
		"                      standard output, raw, and the report goes to stderr);\n"
		"                      a FILE is replaced only when the command succeeds\n"
		"  --dry-run           print the CDB (and the CBW on Bulk-Only paths); send nothing\n"
		"\n"
		"JSON: {\"cdb\", \"status\" (good, check-condition, phase-error, transport-error,\n"
		"timeout), \"scsi_status\", \"category\", \"residue\", \"transferred\",\n"
		"\"sense\" ({key, asc, ascq, text} or null), \"data\" (hex, \"\" when none)};\n"
		"with -o FILE, \"file\" too. --json with -o - is refused (exit 1).\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 raw 12 00 00 00 24 00 --in 36\n"
		"  usbmsc -d sim:disk.img raw c2 00 00 00 10 00 --out hello.bin\n"
		"  usbmsc raw 28 00 00 00 00 00 00 00 01 00 --in 512 --dry-run\n",
	.opts = CLI_OPT(CLI_O_IN) | CLI_OPT(CLI_O_OUT) | CLI_OPT(CLI_O_OUTPUT) |
		CLI_OPT(CLI_O_DRY_RUN),
	.min_args = 1,
	.max_args = 64,
	.run = run_raw,
};
