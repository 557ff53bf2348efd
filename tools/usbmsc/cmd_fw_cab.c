/* fw cab: a cabinet that fwupd installs (docs/FWUPD.md): the firmware file
 * and a metainfo.xml naming the device by the GUID fwupd derives for it,
 * the release's version and SHA-256, and the update protocol.
 *
 *   route scsi  the signed image itself; fwupd's scsi plugin sends it with
 *               WRITE BUFFER mode 0x0E in 4 KiB chunks (activated at the
 *               next power-on); GUID of SCSI\VEN_<vendor>&DEV_<product>
 *   route uf2   a UF2 file of the image (`usbmsc fw uf2`); fwupd's uf2
 *               plugin copies it onto the device's file door; GUID of
 *               USB\VID_<vid>&PID_<pid> */
#include "cmd_fw_cab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/fwimage.h"
#include "usbmsc/fwsign.h"

#include "../../src/common/fdio.h"
#include "../../src/common/tmpfile.h"
#include "../../src/os/os_file.h"
#include "cabinet.h"
#include "usbmsc/fwuf2.h"
#include "fwupd_guid.h"

#define SCSI_CHUNK 4096u            /* fwupd's scsi plugin: FU_FIRMWARE_ALIGNMENT_4K */
#define SCSI_REACH 0xFFFFFFu        /* it sends BUFFER ID 0: 24-bit offsets */
#define METAINFO_MAX 8192u
#define ID_MAX 160u

enum route { ROUTE_SCSI, ROUTE_UF2 };

struct cab {
	const struct fw_cab_args *a;
	enum route route;
	struct usbmsc_fw_header h;
	uint64_t size;
	struct tm when;                /* the release date (UTC) */
	char instance[ID_MAX], guid[FWUPD_GUID_LEN], sha256[65];
	const char *payload_name, *protocol;
	char metainfo[METAINFO_MAX];
};

/* ---- the firmware file ---- */

/* The image's header, the image checked whole (length, hash, and with
 * --key the signature): the file itself, or the image a UF2 file carries
 * (docs/FILE-DOOR.md), read as `fw inspect` reads it. */
static int read_header(struct cli *c, struct cab *k)
{
	struct usbmsc_fw_report rep;
	struct usbmsc_fw_uf2_info info;
	struct usbmsc_error err = { 0 };
	uint8_t key[USBMSC_FW_PUBKEY_LEN];
	int st;

	if (k->a->key && usbmsc_fw_load_public_key(k->a->key, key, &err) != 0)
		return cli_fail(c, USBMSC_E_FILE, "%s", err.msg);
	k->route = usbmsc_fw_is_uf2(k->a->image) ? ROUTE_UF2 : ROUTE_SCSI;
	if (k->route == ROUTE_UF2)
		st = usbmsc_fw_uf2_examine(k->a->image, k->a->key ? key : NULL, &rep, &info, &err);
	else
		st = usbmsc_fw_examine_file(k->a->image, k->a->key ? key : NULL, &rep, &err);
	if (st != 0)
		return cli_fail(c, USBMSC_E_FILE, "%s", err.msg);
	k->h = rep.header;
	return 0;
}

static int choose_route(struct cli *c, struct cab *k)
{
	const char *r = k->a->route;
	enum route file = k->route;

	if (r && strcmp(r, "scsi") != 0 && strcmp(r, "uf2") != 0)
		return cli_usage(c, "--route takes scsi or uf2, not '%s'", r);
	if (r && (strcmp(r, "uf2") == 0) != (file == ROUTE_UF2))
		return cli_usage(c, "--route %s takes %s; %s is %s", r,
				 file == ROUTE_UF2 ? "a signed image (.umfw)" : "a UF2 file (usbmsc fw uf2)",
				 k->a->image, file == ROUTE_UF2 ? "a UF2 file" : "an image");
	return 0;
}

/* ---- what fwupd derives ---- */

static int scsi_instance(struct cli *c, struct cab *k)
{
	const char *vendor = k->h.vendor[0] ? k->h.vendor : k->a->vendor;
	const char *product = k->h.product[0] ? k->h.product : k->a->product;
	char v[32], p[48];

	if ((k->a->vendor && k->h.vendor[0] && strcmp(k->a->vendor, k->h.vendor) != 0) ||
	    (k->a->product && k->h.product[0] && strcmp(k->a->product, k->h.product) != 0))
		return cli_usage(c, "%s is made for '%s' '%s': --vendor and --product may not say "
				 "otherwise", k->a->image, k->h.vendor, k->h.product);
	if (!vendor || !product)
		return cli_usage(c, "%s fits any INQUIRY vendor or product, but fwupd's scsi plugin "
				 "names the device by them: give --vendor and --product as the device "
				 "reports them", k->a->image);
	if (!fwupd_strsafe(vendor, v, sizeof v) || !fwupd_strsafe(product, p, sizeof p))
		return cli_usage(c, "--vendor and --product must hold a letter or digit");
	if (k->size % SCSI_CHUNK != 0)
		return cli_fail(c, USBMSC_E_FILE,
				"%s has %llu bytes: fwupd's scsi plugin takes only firmware whose length "
				"is a multiple of %u; pad the payload by %llu bytes before fw pack",
				k->a->image, (unsigned long long)k->size, SCSI_CHUNK,
				(unsigned long long)(SCSI_CHUNK - k->size % SCSI_CHUNK));
	if (k->size > SCSI_REACH)
		return cli_fail(c, USBMSC_E_FILE, "%s has %llu bytes: fwupd's scsi plugin reaches "
				"16 MiB - 1 (24-bit offsets)", k->a->image,
				(unsigned long long)k->size);
	snprintf(k->instance, sizeof k->instance, "SCSI\\VEN_%s&DEV_%s", v, p);
	k->payload_name = "firmware.umfw";
	k->protocol = "org.jedec.ufs";
	return 0;
}

static int uf2_instance(struct cli *c, struct cab *k)
{
	if (k->h.vid == 0 || k->h.pid == 0)
		return cli_fail(c, USBMSC_E_FILE, "%s fits any USB device, but fwupd's uf2 plugin "
				"names the device by its USB VID and PID: pack the image with --vid "
				"and --pid", k->a->image);
	snprintf(k->instance, sizeof k->instance, "USB\\VID_%04X&PID_%04X", k->h.vid, k->h.pid);
	k->payload_name = "firmware.uf2";
	k->protocol = "com.microsoft.uf2";
	return 0;
}

/* ---- metainfo.xml ---- */

/* s with XML's five characters escaped; "" when it does not fit. */
static const char *xml(const char *s, char *buf, size_t room)
{
	size_t n = 0;

	for (; *s; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
			      : *s == '"' ? "&quot;" : *s == '\'' ? "&apos;" : NULL;
		size_t k = e ? strlen(e) : 1;

		if (n + k >= room)
			return "";
		memcpy(buf + n, e ? e : s, k);
		n += k;
	}
	buf[n] = '\0';
	return buf;
}

static int metainfo(struct cli *c, struct cab *k)
{
	const struct fw_cab_args *a = k->a;
	char name[128], id[128], summary[200], dev[96], e1[256], e2[256], e3[400], e4[256], date[16];
	const char *vendor = k->h.vendor[0] ? k->h.vendor : a->vendor ? a->vendor : "usbmsc";
	int n;

	snprintf(name, sizeof name, "%s", a->name ? a->name : k->h.product[0] ? k->h.product
					 : a->product ? a->product : "usbmsc device");
	snprintf(id, sizeof id, "%s", a->id ? a->id : "org.usbmsc.device.firmware");
	snprintf(summary, sizeof summary, "%s", a->summary ? a->summary : "Firmware of the device");
	snprintf(dev, sizeof dev, "%s", vendor);
	strftime(date, sizeof date, "%Y-%m-%d", &k->when);
	n = snprintf(k->metainfo, sizeof k->metainfo,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!-- made by usbmsc fw cab from %s -->\n"
		"<component type=\"firmware\">\n"
		"  <id>%s</id>\n"
		"  <name>%s</name>\n"
		"  <summary>%s</summary>\n"
		"  <description>\n"
		"    <p>Updates the firmware of the %s.</p>\n"
		"  </description>\n"
		"  <provides>\n"
		"    <!-- %s -->\n"
		"    <firmware type=\"flashed\">%s</firmware>\n"
		"  </provides>\n"
		"  <metadata_license>CC0-1.0</metadata_license>\n"
		"  <project_license>LicenseRef-proprietary</project_license>\n"
		"  <developer_name>%s</developer_name>\n"
		"  <releases>\n"
		"    <release version=\"%s\" date=\"%s\" urgency=\"medium\">\n"
		"      <checksum type=\"sha256\" filename=\"%s\" target=\"content\">%s</checksum>\n"
		"      <description>\n"
		"        <p>Version %s (version number %u).</p>\n"
		"      </description>\n"
		"    </release>\n"
		"  </releases>\n"
		"  <custom>\n"
		"    <value key=\"LVFS::UpdateProtocol\">%s</value>\n"
		"%s"
		"  </custom>\n"
		"</component>\n",
		k->payload_name, xml(id, e1, sizeof e1), xml(name, e2, sizeof e2),
		xml(summary, e3, sizeof e3), e2, k->instance, k->guid, xml(dev, e4, sizeof e4),
		k->h.version, date, k->payload_name, k->sha256, k->h.version, k->h.version_number,
		k->protocol,
		/* the scsi plugin compares INQUIRY revisions as strings */
		k->route == ROUTE_SCSI ? "    <value key=\"LVFS::VersionFormat\">plain</value>\n" : "");
	if (n < 0 || (size_t)n >= sizeof k->metainfo)
		return cli_usage(c, "--name, --summary or --id is too long");
	return 0;
}

/* ---- the cabinet ---- */

static int release_date(struct cli *c, struct cab *k)
{
	struct usbmsc_file_info fi;
	struct tm *tm;
	time_t t;

	if (k->a->date) {
		int y, m, d;
		char end;

		if (sscanf(k->a->date, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || y < 1980 ||
		    y > 2107 || m < 1 || m > 12 || d < 1 || d > 31)
			return cli_usage(c, "--date takes YYYY-MM-DD (1980 to 2107), not '%s'",
					 k->a->date);
		memset(&k->when, 0, sizeof k->when);
		k->when.tm_year = y - 1900;
		k->when.tm_mon = m - 1;
		k->when.tm_mday = d;
		return 0;
	}
	if (!usbmsc_file_stat(k->a->image, true, &fi))
		return cli_fail(c, USBMSC_E_FILE, "%s: %s", k->a->image, strerror(errno));
	t = (time_t)fi.mtime;
	tm = gmtime(&t);
	if (tm)
		k->when = *tm;
	if (!tm || k->when.tm_year < 80)
		return cli_usage(c, "%s is dated before 1980: give --date", k->a->image);
	return 0;
}

static int write_cab(struct cli *c, struct cab *k)
{
	uint16_t d = (uint16_t)(((k->when.tm_year - 80) << 9) | ((k->when.tm_mon + 1) << 5) |
				k->when.tm_mday);
	uint16_t t = (uint16_t)((k->when.tm_hour << 11) | (k->when.tm_min << 5) | (k->when.tm_sec / 2));
	struct usbmsc_error err = { 0 };
	struct usbmsc_tmpfile out = { .fd = -1 };
	int in = usbmsc_file_open(k->a->image, USBMSC_FILE_READ, 0), st;

	if (in < 0)
		return cli_fail(c, USBMSC_E_FILE, "cannot read %s: %s", k->a->image, strerror(errno));
	struct cab_file files[2] = {
		{ k->payload_name, NULL, in, k->size, d, t },
		{ "firmware.metainfo.xml", (const uint8_t *)k->metainfo, -1, strlen(k->metainfo), d, t },
	};
	st = usbmsc_tmp_create(&out, k->a->output, 0644, &err);
	if (st) {
		usbmsc_file_close(in);
		return cli_fail(c, st, "%s", err.msg);
	}
	st = cab_write(out.fd, files, 2, &err);
	usbmsc_file_close(in);
	if (!st)
		st = usbmsc_tmp_close(&out, &err);
	if (st)
		usbmsc_tmp_discard(&out);
	else
		st = usbmsc_tmp_commit(&out, k->a->output, true, &err);
	return st ? cli_fail(c, st, "%s", err.msg) : 0;
}

static void report(struct cli *c, const struct cab *k)
{
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_string(&c->out, "cabinet", k->a->output);
		json_string(&c->out, "route", k->route == ROUTE_SCSI ? "scsi" : "uf2");
		json_string(&c->out, "firmware", k->payload_name);
		json_uint(&c->out, "firmware_len", k->size);
		json_string(&c->out, "sha256", k->sha256);
		json_string(&c->out, "version", k->h.version);
		json_uint(&c->out, "version_number", k->h.version_number);
		json_string(&c->out, "instance_id", k->instance);
		json_string(&c->out, "guid", k->guid);
		json_string(&c->out, "protocol", k->protocol);
		json_object_end(&c->out);
		return;
	}
	cli_kv("cabinet", "%s", k->a->output);
	cli_kv("route", "%s", k->route == ROUTE_SCSI ? "scsi (WRITE BUFFER mode 0x0e, activated at "
		"the next power-on)" : "uf2 (the file door)");
	cli_kv("firmware", "%s, %llu bytes, sha256 %s", k->payload_name,
	       (unsigned long long)k->size, k->sha256);
	cli_kv("version", "%s (number %u)", k->h.version, k->h.version_number);
	cli_kv("instance id", "%s", k->instance);
	cli_kv("guid", "%s", k->guid);
	cli_kv("protocol", "%s", k->protocol);
}

int cli_fw_cab(struct cli *c, const struct fw_cab_args *a)
{
	struct cab k = { .a = a };
	struct usbmsc_error err = { 0 };
	uint8_t sum[USBMSC_FW_SHA256_LEN];
	int st;

	if (!a->output)
		return cli_usage(c, "cab needs -o FILE.cab");
	st = read_header(c, &k);
	if (!st)
		st = choose_route(c, &k);
	if (st)
		return st;
	if (usbmsc_fw_sha256_file(a->image, 0, sum, &k.size, &err) != 0)
		return cli_fail(c, USBMSC_E_FILE, "%s", err.msg);
	for (size_t i = 0; i < sizeof sum; i++)
		snprintf(k.sha256 + 2 * i, 3, "%02x", sum[i]);
	st = k.route == ROUTE_SCSI ? scsi_instance(c, &k) : uf2_instance(c, &k);
	if (st)
		return st;
	fwupd_guid(k.instance, k.guid);
	st = release_date(c, &k);
	if (!st)
		st = metainfo(c, &k);
	if (!st)
		st = write_cab(c, &k);
	if (!st)
		report(c, &k);
	return st;
}
