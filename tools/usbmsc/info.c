/* The commands that ask a device about itself: inquiry (and VPD pages),
 * tur, sense, capacity, luns. */
#include "cli.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "hexdump.h"
#include "parse.h"

/* ---- inquiry ---------------------------------------------------------------- */

static const char *version_name(uint8_t version)
{
	switch (version) {
	case 0: return "no standard claimed";
	case 3: return "SPC";
	case 4: return "SPC-2";
	case 5: return "SPC-3";
	case 6: return "SPC-4";
	case 7: return "SPC-5";
	default: return "unknown";
	}
}

static void print_inquiry(struct cli *c, const struct usbmsc_inquiry *inq)
{
	const char *type = usbmsc_device_type_name(inq->device_type);

	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "vendor", inq->vendor);
		json_string(&c->out, "product", inq->product);
		json_string(&c->out, "revision", inq->revision);
		json_uint(&c->out, "peripheral_type", inq->device_type);
		json_string(&c->out, "peripheral_type_name", type);
		json_uint(&c->out, "peripheral_qualifier", inq->qualifier);
		json_bool(&c->out, "removable", inq->removable);
		json_uint(&c->out, "version", inq->version);
		json_string(&c->out, "version_name", version_name(inq->version));
		json_uint(&c->out, "response_format", inq->response_format);
		json_object_end(&c->out);
		return;
	}
	cli_kv("vendor", "%s", inq->vendor);
	cli_kv("product", "%s", inq->product);
	cli_kv("revision", "%s", inq->revision);
	cli_kv("peripheral type", "0x%02x (%s)", inq->device_type, type);
	cli_kv("qualifier", "%u", inq->qualifier);
	cli_kv("removable", "%s", inq->removable ? "yes" : "no");
	cli_kv("version", "0x%02x (%s)", inq->version, version_name(inq->version));
	cli_kv("response format", "%u", inq->response_format);
}

/* VPD pages by code, with the short names --vpd accepts. */
static const struct {
	uint8_t code;
	const char *name;   /* --vpd NAME, or NULL */
	const char *title;
} vpd_pages[] = {
	{ USBMSC_VPD_SUPPORTED, "supported", "supported VPD pages" },
	{ USBMSC_VPD_SERIAL, "sn", "unit serial number" },
	{ 0x81, NULL, "implemented operating definitions" },
	{ 0x82, NULL, "ASCII implemented operating definition" },
	{ USBMSC_VPD_DEVICE_ID, "di", "device identification" },
	{ 0x84, NULL, "software interface identification" },
	{ 0x85, NULL, "management network addresses" },
	{ USBMSC_VPD_EXTENDED_INQUIRY, "ei", "extended INQUIRY data" },
	{ 0x87, NULL, "mode page policy" },
	{ 0x88, NULL, "SCSI ports" },
	{ 0x89, NULL, "ATA information" },
	{ 0x8A, NULL, "power condition" },
	{ 0x8F, NULL, "third-party copy" },
	{ USBMSC_VPD_BLOCK_LIMITS, "bl", "block limits" },
	{ 0xB1, NULL, "block device characteristics" },
	{ 0xB2, NULL, "logical block provisioning" },
};

static const char *vpd_title(uint8_t code)
{
	for (size_t i = 0; i < sizeof vpd_pages / sizeof vpd_pages[0]; i++)
		if (vpd_pages[i].code == code)
			return vpd_pages[i].title;
	return code >= 0xC0 ? "vendor specific" : "unknown";
}

static bool parse_vpd_page(const char *s, uint8_t *code)
{
	uint64_t n;

	for (size_t i = 0; i < sizeof vpd_pages / sizeof vpd_pages[0]; i++)
		if (vpd_pages[i].name && strcmp(vpd_pages[i].name, s) == 0) {
			*code = vpd_pages[i].code;
			return true;
		}
	if (!parse_u64(s, &n) || n > 0xFF)
		return false;
	*code = (uint8_t)n;
	return true;
}

static void print_supported(struct cli *c, const struct usbmsc_vpd_supported *sup)
{
	if (c->json) {
		json_array_begin(&c->out, "pages");
		for (size_t i = 0; i < sup->count; i++) {
			json_object_begin(&c->out, NULL);
			json_uint(&c->out, "code", sup->pages[i]);
			json_string(&c->out, "name", vpd_title(sup->pages[i]));
			json_object_end(&c->out);
		}
		json_array_end(&c->out);
		return;
	}
	printf("supported VPD pages:\n");
	for (size_t i = 0; i < sup->count; i++)
		printf("  0x%02x  %s\n", sup->pages[i], vpd_title(sup->pages[i]));
}

static const char *association_name(uint8_t a)
{
	switch (a) {
	case 0: return "logical unit";
	case 1: return "target port";
	case 2: return "target device";
	default: return "reserved";
	}
}

/* ASCII and UTF-8 designators are text; others are shown in hex. */
static bool designator_is_text(const struct usbmsc_designator *d)
{
	if (d->code_set != 2 && d->code_set != 3)
		return false;
	for (size_t i = 0; i < d->len; i++)
		if (d->id[i] != 0 && !isprint(d->id[i]))
			return false;
	return true;
}

static void print_device_id(struct cli *c, const struct usbmsc_designator *des, size_t stored,
			    size_t count)
{
	if (c->json)
		json_array_begin(&c->out, "designators");
	else
		printf("device identification: %zu designator%s\n", count, count == 1 ? "" : "s");
	for (size_t i = 0; i < stored; i++) {
		const struct usbmsc_designator *d = &des[i];
		char text[256];
		bool is_text = designator_is_text(d);
		size_t n = 0;
		if (is_text) {
			for (size_t k = 0; k < d->len && k < sizeof text - 1 && d->id[k]; k++)
				text[n++] = (char)d->id[k];
			while (n > 0 && text[n - 1] == ' ')
				n--;
		}
		text[n] = '\0';
		if (c->json) {
			json_object_begin(&c->out, NULL);
			json_uint(&c->out, "type", d->type);
			json_string(&c->out, "type_name", usbmsc_designator_type_name(d->type));
			json_uint(&c->out, "code_set", d->code_set);
			json_uint(&c->out, "association", d->association);
			json_string(&c->out, "association_name", association_name(d->association));
			json_uint(&c->out, "protocol_id", d->protocol_id);
			json_bool(&c->out, "piv", d->piv);
			if (is_text)
				json_string(&c->out, "id", text);
			else
				json_hex(&c->out, "id", d->id, d->len);
			json_object_end(&c->out);
			continue;
		}
		printf("  %s (%s): ", usbmsc_designator_type_name(d->type),
		       association_name(d->association));
		if (is_text)
			printf("%s\n", text);
		else {
			hex_bytes(stdout, d->id, d->len);
			putchar('\n');
		}
	}
	if (c->json) {
		json_array_end(&c->out);
		json_uint(&c->out, "count", count);
	} else if (stored < count) {
		printf("  (%zu more not shown)\n", count - stored);
	}
}

static const char *activate_microcode_text(uint8_t v)
{
	switch (v) {
	case 0: return "not indicated";
	case 1: return "activated before the final WRITE BUFFER completes";
	case 2: return "activated after the final WRITE BUFFER, with a unit attention";
	default: return "reserved";
	}
}

static void print_extended(struct cli *c, const struct usbmsc_vpd_extended_inquiry *e)
{
	const struct {
		const char *key;
		bool v;
	} flags[] = {
		{ "grd_chk", e->grd_chk },     { "app_chk", e->app_chk },
		{ "ref_chk", e->ref_chk },     { "uask_sup", e->uask_sup },
		{ "group_sup", e->group_sup }, { "prior_sup", e->prior_sup },
		{ "headsup", e->headsup },     { "ordsup", e->ordsup },
		{ "simpsup", e->simpsup },     { "wu_sup", e->wu_sup },
		{ "crd_sup", e->crd_sup },     { "nv_sup", e->nv_sup },
		{ "v_sup", e->v_sup },         { "luiclr", e->luiclr },
		{ "r_sup", e->r_sup },         { "cbcs", e->cbcs },
		{ "poa_sup", e->poa_sup },     { "hra_sup", e->hra_sup },
		{ "vsa_sup", e->vsa_sup },
	};

	if (c->json) {
		json_uint(&c->out, "activate_microcode", e->activate_microcode);
		json_uint(&c->out, "spt", e->spt);
		json_uint(&c->out, "multi_it_nexus_microcode_download",
			  e->multi_it_nexus_microcode_download);
		json_uint(&c->out, "extended_self_test_minutes", e->extended_self_test_minutes);
		json_uint(&c->out, "max_sense_len", e->max_sense_len);
		for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
			json_bool(&c->out, flags[i].key, flags[i].v);
		return;
	}
	cli_kv("activate microcode", "%u (%s)", e->activate_microcode,
	       activate_microcode_text(e->activate_microcode));
	cli_kv("spt", "%u", e->spt);
	cli_kv("multi-nexus download", "%u", e->multi_it_nexus_microcode_download);
	cli_kv("extended self-test", "%u minutes", e->extended_self_test_minutes);
	cli_kv("max sense length", "%u", e->max_sense_len);
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		cli_kv(flags[i].key, "%s", flags[i].v ? "yes" : "no");
}

static void print_block_limits(struct cli *c, const struct usbmsc_vpd_block_limits *b)
{
	const struct {
		const char *key;     /* JSON */
		const char *label;   /* text */
		uint64_t v;
	} fields[] = {
		{ "max_compare_write_len", "max COMPARE AND WRITE", b->max_compare_write_len },
		{ "opt_xfer_granularity", "optimal granularity", b->opt_xfer_granularity },
		{ "max_xfer_len", "max transfer", b->max_xfer_len },
		{ "opt_xfer_len", "optimal transfer", b->opt_xfer_len },
		{ "max_prefetch_len", "max prefetch", b->max_prefetch_len },
		{ "max_unmap_lba_count", "max UNMAP blocks", b->max_unmap_lba_count },
		{ "max_unmap_desc_count", "max UNMAP descriptors", b->max_unmap_desc_count },
		{ "opt_unmap_granularity", "UNMAP granularity", b->opt_unmap_granularity },
		{ "unmap_granularity_alignment", "UNMAP alignment", b->unmap_granularity_alignment },
		{ "max_write_same_len", "max WRITE SAME", b->max_write_same_len },
	};

	if (c->json) {
		json_bool(&c->out, "wsnz", b->wsnz);
		json_bool(&c->out, "ugavalid", b->ugavalid);
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
			json_uint(&c->out, fields[i].key, fields[i].v);
		return;
	}
	printf("block limits (in blocks; 0: not reported):\n");
	cli_kv("WSNZ", "%s", b->wsnz ? "yes" : "no");
	cli_kv("UGAVALID", "%s", b->ugavalid ? "yes" : "no");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		cli_kv(fields[i].label, "%" PRIu64, fields[i].v);
}

/* A VPD page decoded by one of the library's parsers. */
struct vpd_decoded {
	uint8_t page;
	size_t count;             /* designators on a device identification page */
	union {
		struct usbmsc_vpd_supported sup;
		char serial[256];
		struct usbmsc_designator des[32];
		struct usbmsc_vpd_extended_inquiry ext;
		struct usbmsc_vpd_block_limits bl;
	} u;
};

/* False for pages without a parser and for pages that do not parse. */
static bool vpd_decode(uint8_t page, const uint8_t *buf, size_t len, struct vpd_decoded *d)
{
	d->page = page;
	d->count = 0;
	switch (page) {
	case USBMSC_VPD_SUPPORTED: return usbmsc_vpd_parse_supported(buf, len, &d->u.sup);
	case USBMSC_VPD_SERIAL:
		return usbmsc_vpd_parse_serial(buf, len, d->u.serial, sizeof d->u.serial);
	case USBMSC_VPD_DEVICE_ID:
		return usbmsc_vpd_parse_device_id(buf, len, d->u.des, 32, &d->count);
	case USBMSC_VPD_EXTENDED_INQUIRY:
		return usbmsc_vpd_parse_extended_inquiry(buf, len, &d->u.ext);
	case USBMSC_VPD_BLOCK_LIMITS: return usbmsc_vpd_parse_block_limits(buf, len, &d->u.bl);
	default: return false;
	}
}

static void print_vpd_decoded(struct cli *c, const struct vpd_decoded *d)
{
	switch (d->page) {
	case USBMSC_VPD_SUPPORTED:
		print_supported(c, &d->u.sup);
		break;
	case USBMSC_VPD_SERIAL:
		if (c->json)
			json_string(&c->out, "serial", d->u.serial);
		else
			cli_kv("serial number", "%s", d->u.serial);
		break;
	case USBMSC_VPD_DEVICE_ID:
		print_device_id(c, d->u.des, d->count < 32 ? d->count : 32, d->count);
		break;
	case USBMSC_VPD_EXTENDED_INQUIRY:
		print_extended(c, &d->u.ext);
		break;
	case USBMSC_VPD_BLOCK_LIMITS:
		print_block_limits(c, &d->u.bl);
		break;
	default:
		break;
	}
}

static int run_inquiry_vpd(struct cli *c)
{
	static uint8_t buf[4096];
	struct usbmsc_result res;
	size_t len = sizeof buf;
	static struct vpd_decoded d;
	uint8_t page;
	bool decoded;
	int st;

	if (!parse_vpd_page(c->vpd, &page))
		return cli_usage(c, "unknown VPD page '%s': give a number (0x80, 128) or one of "
				    "supported, sn, di, ei, bl", c->vpd);
	st = cli_open(c);
	if (st)
		return st;
	do {
		len = sizeof buf;
		st = usbmsc_inquiry_vpd(c->dev, c->lun, page, buf, &len, &res);
	} while (cli_again(c, st, &res));
	if (st)
		return cli_fail_result(c, st, &res);
	decoded = vpd_decode(page, buf, len, &d);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_uint(&c->out, "page", page);
		json_string(&c->out, "name", vpd_title(page));
		if (decoded)
			print_vpd_decoded(c, &d);
		json_hex(&c->out, "data", buf, len);
		json_object_end(&c->out);
		return 0;
	}
	printf("VPD page 0x%02x (%s), %zu bytes\n", page, vpd_title(page), len);
	if (decoded)
		print_vpd_decoded(c, &d);
	else
		hexdump(stdout, "", buf, len, 0);
	return 0;
}

static int run_inquiry(struct cli *c)
{
	struct usbmsc_inquiry inq;
	struct usbmsc_result res;
	int st;

	if (c->vpd)
		return run_inquiry_vpd(c);
	st = cli_open(c);
	if (st)
		return st;
	do
		st = usbmsc_inquiry(c->dev, c->lun, &inq, &res);
	while (cli_again(c, st, &res));
	if (st)
		return cli_fail_result(c, st, &res);
	print_inquiry(c, &inq);
	return 0;
}

const struct cli_command cli_cmd_inquiry = {
	.name = "inquiry",
	.args = "[--vpd PAGE]",
	.summary = "standard INQUIRY data, or a Vital Product Data page",
	.help = "Without --vpd: vendor, product, revision, peripheral device type, removable\n"
		"flag and SPC version from the standard INQUIRY data.\n"
		"\n"
		"Options:\n"
		"  --vpd PAGE   a VPD page instead: a number (0x80 or 128) or a name:\n"
		"               supported (0x00), sn (0x80 serial number), di (0x83 device\n"
		"               identification), ei (0x86 extended INQUIRY), bl (0xB0 block\n"
		"               limits). Pages without a decoder are shown as a hex dump.\n"
		"\n"
		"JSON: vendor, product, revision, peripheral_type, peripheral_type_name,\n"
		"removable, version...; with --vpd: page, name, the decoded fields, data (hex).\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 inquiry\n"
		"  usbmsc -d sim:disk.img inquiry --vpd sn --json\n",
	.opts = CLI_OPT(CLI_O_VPD),
	.min_args = 0,
	.max_args = 0,
	.run = run_inquiry,
};

/* ---- tur -------------------------------------------------------------------- */

static int run_tur(struct cli *c)
{
	struct usbmsc_result res;
	char text[160];
	int st = cli_open(c);

	if (st)
		return st;
	do
		st = usbmsc_test_unit_ready(c->dev, c->lun, &res);
	while (cli_again(c, st, &res));
	/* Not ready is an answer, not a failure of the command: print it. */
	if (st && res.outcome != USBMSC_OUTCOME_CHECK_CONDITION)
		return cli_fail_result(c, st, &res);
	if (st && !cli_sense_text(&res, text, sizeof text))
		snprintf(text, sizeof text, "not ready (no sense data)");
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_bool(&c->out, "ready", st == 0);
		cli_json_sense(&c->out, "sense", &res);
		json_object_end(&c->out);
	} else {
		printf("%s\n", st == 0 ? "ready" : text);
	}
	return st;
}

const struct cli_command cli_cmd_tur = {
	.name = "tur",
	.args = "",
	.summary = "TEST UNIT READY: 'ready' or the reason why not",
	.help = "Prints \"ready\", or the sense data that says why the unit is not ready\n"
		"(e.g. \"NOT READY: medium not present (02/3A/00)\"); the exit status is the\n"
		"sense key's category (2 for NOT READY, 6 for UNIT ATTENTION).\n"
		"\n"
		"JSON: {\"ready\": true|false, \"sense\": {key, asc, ascq, text} or null}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 tur\n"
		"  until usbmsc -d /dev/sg1 tur >/dev/null; do sleep 1; done\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_tur,
};

/* ---- sense ------------------------------------------------------------------ */

static void print_sense(struct cli *c, const struct usbmsc_sense *s)
{
	char asc_buf[128], desc[160];
	const char *asc = usbmsc_asc_text(s->asc, s->ascq, asc_buf, sizeof asc_buf);

	if (!asc)
		asc = asc_buf;
	usbmsc_sense_describe(s, desc, sizeof desc);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_uint(&c->out, "response_code", s->response_code);
		json_bool(&c->out, "descriptor", s->descriptor);
		json_bool(&c->out, "deferred", s->deferred);
		json_uint(&c->out, "key", s->key);
		json_string(&c->out, "key_name", usbmsc_sense_key_name(s->key));
		json_uint(&c->out, "asc", s->asc);
		json_uint(&c->out, "ascq", s->ascq);
		json_string(&c->out, "asc_text", asc);
		json_string(&c->out, "text", desc);
		if (s->info_valid)
			json_uint(&c->out, "information", s->information);
		else
			json_null(&c->out, "information");
		if (s->sks_valid)
			json_hex(&c->out, "sense_key_specific", s->sks, sizeof s->sks);
		else
			json_null(&c->out, "sense_key_specific");
		json_bool(&c->out, "filemark", s->filemark);
		json_bool(&c->out, "eom", s->eom);
		json_bool(&c->out, "ili", s->ili);
		json_object_end(&c->out);
		return;
	}
	cli_kv("response code", "0x%02x (%s, %s)", s->response_code,
	       s->descriptor ? "descriptor" : "fixed", s->deferred ? "deferred" : "current");
	cli_kv("sense key", "0x%x %s", s->key, usbmsc_sense_key_name(s->key));
	cli_kv("asc/ascq", "0x%02x/0x%02x %s", s->asc, s->ascq, asc);
	if (s->info_valid)
		cli_kv("information", "0x%" PRIx64, s->information);
	if (s->sks_valid)
		cli_kv("key specific", "%02x %02x %02x", s->sks[0], s->sks[1], s->sks[2]);
	if (s->filemark || s->eom || s->ili)
		cli_kv("flags", "%s%s%s", s->filemark ? "filemark " : "", s->eom ? "eom " : "",
		       s->ili ? "ili" : "");
	cli_kv("description", "%s", desc);
}

static int run_sense(struct cli *c)
{
	struct usbmsc_sense sense;
	struct usbmsc_result res;
	int st = cli_open(c);

	if (st)
		return st;
	st = usbmsc_request_sense(c->dev, c->lun, &sense, &res);
	if (st)
		return cli_fail_result(c, st, &res);
	/* A device with nothing to say may return no bytes at all. */
	if (res.transferred == 0) {
		if (c->json) {
			json_object_begin(&c->out, NULL);
			json_uint(&c->out, "key", 0);
			json_string(&c->out, "key_name", usbmsc_sense_key_name(0));
			json_uint(&c->out, "asc", 0);
			json_uint(&c->out, "ascq", 0);
			json_string(&c->out, "text", "no sense data (the device returned none)");
			json_object_end(&c->out);
		} else {
			printf("no sense data (the device returned none)\n");
		}
		return 0;
	}
	print_sense(c, &sense);
	return 0;
}

const struct cli_command cli_cmd_sense = {
	.name = "sense",
	.args = "",
	.summary = "REQUEST SENSE, decoded",
	.help = "Sends REQUEST SENSE and decodes the answer (fixed or descriptor format):\n"
		"sense key, additional sense code and qualifier with their T10 text, the\n"
		"information field. A device that has nothing to report answers NO SENSE.\n"
		"Note that after a failed command the library already fetched its sense data\n"
		"(Bulk-Only devices have no autosense), and 'raw' and the error lines show it.\n"
		"\n"
		"JSON: response_code, key, key_name, asc, ascq, asc_text, text, information.\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 sense\n"
		"  usbmsc -d /dev/sg1 sense --json\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_sense,
};

/* ---- capacity --------------------------------------------------------------- */

static int run_capacity(struct cli *c)
{
	struct usbmsc_result res;
	uint64_t blocks;
	uint32_t block_size;
	char human[32];
	int st = cli_open(c);

	if (st)
		return st;
	do
		st = usbmsc_read_capacity(c->dev, c->lun, &blocks, &block_size, &res);
	while (cli_again(c, st, &res));
	if (st)
		return cli_fail_result(c, st, &res);
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_uint(&c->out, "blocks", blocks);
		json_uint(&c->out, "block_size", block_size);
		json_uint(&c->out, "bytes", blocks * block_size);
		json_uint(&c->out, "last_lba", blocks ? blocks - 1 : 0);
		json_object_end(&c->out);
		return 0;
	}
	printf("%" PRIu64 " blocks x %" PRIu32 " bytes = %" PRIu64 " bytes (%s)\n", blocks, block_size,
	       blocks * block_size, cli_human_size(blocks * block_size, human, sizeof human));
	return 0;
}

const struct cli_command cli_cmd_capacity = {
	.name = "capacity",
	.args = "",
	.summary = "READ CAPACITY: number of blocks and block size",
	.help = "READ CAPACITY(10), and READ CAPACITY(16) when the unit has 2^32 blocks or more.\n"
		"Prints \"N blocks x B bytes = X bytes (human size)\".\n"
		"\n"
		"JSON: {\"blocks\", \"block_size\", \"bytes\", \"last_lba\"}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 capacity\n"
		"  usbmsc -d sim:disk.img --json capacity\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_capacity,
};

/* ---- luns ------------------------------------------------------------------- */

static int run_luns(struct cli *c)
{
	struct usbmsc_result res;
	uint16_t luns[256];
	size_t count = 0;
	uint8_t max_lun = 0;
	bool have_max;
	int st = cli_open(c);

	if (st)
		return st;
	have_max = usbmsc_dev_max_lun(c->dev, &max_lun) == 0;
	do
		st = usbmsc_report_luns(c->dev, luns, sizeof luns / sizeof luns[0], &count, &res);
	while (cli_again(c, st, &res));
	if (st) {
		if (have_max && !c->json)
			printf("max LUN (Get Max LUN): %u\n", max_lun);
		return cli_fail_result(c, st, &res);
	}
	if (count > sizeof luns / sizeof luns[0])
		count = sizeof luns / sizeof luns[0];
	if (c->json) {
		json_object_begin(&c->out, NULL);
		if (have_max)
			json_uint(&c->out, "max_lun", max_lun);
		else
			json_null(&c->out, "max_lun");
		json_array_begin(&c->out, "luns");
		for (size_t i = 0; i < count; i++)
			json_uint(&c->out, NULL, luns[i]);
		json_array_end(&c->out);
		json_object_end(&c->out);
		return 0;
	}
	if (have_max)
		printf("max LUN (Get Max LUN): %u\n", max_lun);
	printf("REPORT LUNS: %zu LUN%s:", count, count == 1 ? "" : "s");
	for (size_t i = 0; i < count; i++)
		printf(" %u", luns[i]);
	putchar('\n');
	return 0;
}

const struct cli_command cli_cmd_luns = {
	.name = "luns",
	.args = "",
	.summary = "REPORT LUNS, and the Bulk-Only Get Max LUN answer",
	.help = "Lists the logical units the device reports (REPORT LUNS) and, on transports\n"
		"that can ask, the Bulk-Only Get Max LUN answer.\n"
		"\n"
		"JSON: {\"max_lun\": N or null, \"luns\": [0, ...]}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc -d /dev/sg1 luns\n"
		"  usbmsc -d sim:disk.img luns --json\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_luns,
};
